"""Estimate the anterior right-ventricular (RV) insertion point from an image and its LV contours.

The anterior RV insertion point anchors the AHA mid-ventricular segments (:mod:`backend.cmr.segments`; Cerqueira
et al., Circulation 2002;105:539-542). MyoQA never uses an estimate silently: a supervisor confirms it (or sets the
point by clicking) before evaluations name the segments.

Method (simple, explainable, image-based)
-----------------------------------------
1. Centre: the area centroid of the endocardium (as :mod:`backend.cmr.segments`). Work in mm about that centre, so
   an anisotropic pixel spacing does not bend the angles.
2. For each angle (1 degree steps) sample the image in a **band 2-6 mm outside the epicardium** (bilinear
   interpolation, median along the band). The epicardial radius at each angle is read from the polygon in polar
   form (the epicardium must be star-shaped about the centre, as an LV ring is).
3. Express each sample as **blood-likeness** ``b = (I - myo) / (blood - myo)``, with ``blood`` the median of the LV
   cavity and ``myo`` the median of the myocardial ring of the same image: 1 looks like the LV blood pool, 0 like
   myocardium. This works where blood is bright or long (bright-blood cine / SSFP, native T1 and T2 maps: blood T1
   about 1550-1600 ms against myocardium about 1000 ms at 1.5 T) and the RV blood pool looks like the LV's.
   ``b`` is smoothed over +-5 degrees (circular moving median).
4. The RV is the longest circular run of angles with ``b >= 0.4`` whose middle lies on the image's left half
   (display angle 90-270 degrees; standard short-axis view, RV on the left). Runs shorter than 30 degrees are not
   accepted as an RV.
5. The anterior insertion is the run's **counter-clockwise start** (the end nearer to 12 o'clock): the RV crescent
   wraps the septum from the anterior insertion, counter-clockwise as displayed, to the inferior one. The point
   returned is the epicardium at that angle.

Without image evidence (no run, an image where the LV blood pool is not brighter than the myocardium, a contour
set without polygons) the estimate is the **default anchor**, :data:`backend.cmr.segments.DEFAULT_ANCHOR_DEG`
(120 degrees, upper left), on the epicardium; ``method`` says which.

Limits (honest)
---------------
* Bright-blood contrast only: black-blood images, late enhancement and post-contrast T1 maps (blood shorter than
  myocardium) fall back to the default or mislead.
* Epicardial fat is bright on SSFP cine; a fat pad next to the anterior septum may extend the run anteriorly (the
  insertion is then estimated too far anteriorly). The band starts 2 mm out to skip partial volume of the wall.
* A non-standard orientation (RV on the right) is not recognised: the left-half rule then picks nothing or the wrong
  structure. A supervisor must look at the marker.
* The run ends where the RV blood pool leaves the band, which can be a few degrees past where the free wall
  actually meets the septum (the RV wall is about 3 mm thick and dark).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .contours import polygon_to_mask
from .segments import DEFAULT_ANCHOR_DEG, display_angle_deg, polygon_centroid

BAND_MM: tuple[float, float] = (2.0, 6.0)
"""Distances outside the epicardium sampled for blood-likeness, mm."""

MIN_RUN_DEG = 30
"""Shortest arc of blood-like band accepted as the RV, degrees."""

BLOOD_LIKE = 0.4
"""Blood-likeness from which the band counts as RV blood (0 = myocardium, 1 = the LV blood pool)."""

SMOOTH_DEG = 5
"""Half-width of the circular moving median of the blood-likeness profile, degrees."""


@dataclass(frozen=True)
class RVInsertionEstimate:
    """An estimated anterior RV insertion point.

    Attributes
    ----------
    point : (x, y)
        Pixel coordinates (x = column, y = row) on the epicardium.
    angle_deg : float
        Display angle of the point about the LV centre (degrees, counter-clockwise from 3 o'clock).
    method : {"image", "default"}
        ``image``: found from the image (module docstring); ``default``: no image evidence, the 120-degree anchor.
    run_deg : tuple (start, end) or None
        The blood-like arc taken for the RV (display degrees, counter-clockwise from start to end), when found.
    reason : str
        One sentence for the supervisor: how the point was found, or why the default was used.
    """

    point: tuple[float, float]
    angle_deg: float
    method: str
    run_deg: tuple[float, float] | None
    reason: str

    def as_dict(self) -> dict:
        return {
            "point": [self.point[0], self.point[1]],
            "angle_deg": self.angle_deg,
            "method": self.method,
            "run_deg": None if self.run_deg is None else list(self.run_deg),
            "reason": self.reason,
        }


def _polar_radius(poly_mm: np.ndarray, angles_rad: np.ndarray) -> np.ndarray:
    """Radius (mm) of a star-shaped polygon about the origin at the given math angles (y up)."""
    a = np.arctan2(poly_mm[:, 1], poly_mm[:, 0])
    r = np.hypot(poly_mm[:, 0], poly_mm[:, 1])
    order = np.argsort(a)
    a, r = a[order], r[order]
    a = np.concatenate([a - 2 * np.pi, a, a + 2 * np.pi])
    r = np.concatenate([r, r, r])
    return np.interp(np.angle(np.exp(1j * angles_rad)), a, r)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """Circular runs of True in a 1-D bool array: (start index, length)."""
    n = flags.size
    if flags.all():
        return [(0, n)]
    if not flags.any():
        return []
    start = int(np.argmin(flags))  # a False index: begin scanning there so no run is split
    out: list[tuple[int, int]] = []
    k = 0
    while k < n:
        idx = (start + k) % n
        if flags[idx]:
            i0, length = idx, 0
            while k < n and flags[(start + k) % n]:
                length, k = length + 1, k + 1
            out.append((i0, length))
        else:
            k += 1
    return out


def estimate_rv_insertion(
    image: np.ndarray,
    endocardium: np.ndarray,
    epicardium: np.ndarray,
    *,
    pixel_spacing_mm: tuple[float, float],
) -> RVInsertionEstimate:
    """Estimate the anterior RV insertion point (module docstring for the method and its limits).

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
        One frame: a bright-blood cine / magnitude frame, or a native T1 or T2 map (any units).
    endocardium, epicardium : ndarray, shape (N, 2), (M, 2)
        The reference (consensus or gold-standard) polygons, ``(x, y)`` pixel coordinates.
    pixel_spacing_mm : (dy, dx)
        mm per row, mm per column.

    Returns
    -------
    RVInsertionEstimate
        Always a point on the epicardium: from the image when it shows an RV, else the default anchor.

    Raises
    ------
    ValueError
        ``image`` is not 2-D.
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f"estimate_rv_insertion needs one 2-D frame, not an array of shape {img.shape}")
    endo = np.asarray(endocardium, float)
    epi = np.asarray(epicardium, float)
    dy, dx = float(pixel_spacing_mm[0]), float(pixel_spacing_mm[1])
    cx, cy = polygon_centroid(endo)
    epi_mm = np.column_stack([(epi[:, 0] - cx) * dx, (cy - epi[:, 1]) * dy])

    def on_epi(angle_deg: float) -> tuple[float, float]:
        # A display angle in pixels -> the same direction in mm (anisotropic spacing), the epicardium there.
        t = np.radians(angle_deg)
        u, v = np.cos(t) * dx, np.sin(t) * dy  # pixel direction (cos, sin) scaled to mm
        tm = np.arctan2(v, u)
        r = float(_polar_radius(epi_mm, np.asarray([tm]))[0])
        return float(cx + r * np.cos(tm) / dx), float(cy - r * np.sin(tm) / dy)

    def fallback(reason: str) -> RVInsertionEstimate:
        p = on_epi(DEFAULT_ANCHOR_DEG)
        return RVInsertionEstimate(p, float(display_angle_deg(np.asarray([p]), (cx, cy))[0]), "default", None, reason)

    shape = img.shape
    cavity = polygon_to_mask(endo, shape)
    ring = polygon_to_mask(epi, shape) & ~cavity
    finite = np.isfinite(img)
    if not (cavity & finite).any() or not (ring & finite).any():
        return fallback("The contours enclose no pixels of the image; the default anchor (120 degrees) is used.")
    blood = float(np.median(img[cavity & finite]))
    myo = float(np.median(img[ring & finite]))
    q25, q75 = np.percentile(img[ring & finite], [25, 75])
    spread = float(q75 - q25) / 1.349  # robust SD of the myocardium (partial volume at its edges included)
    if blood - myo < 1.5 * spread or blood <= myo:
        return fallback(
            "The LV blood pool is not clearly brighter than the myocardium on this image (not a bright-blood "
            "frame or native map), so the RV cannot be found from it; the default anchor (120 degrees) is used."
        )

    # Sample in mm-space directions (1 degree), at BAND_MM outside the epicardium.
    angles = np.arange(360)
    t = np.radians(angles.astype(float))
    r_epi = _polar_radius(epi_mm, t)
    d = np.linspace(BAND_MM[0], BAND_MM[1], 9)
    rr = r_epi[:, None] + d[None, :]
    xs = cx + rr * np.cos(t)[:, None] / dx
    ys = cy - rr * np.sin(t)[:, None] / dy
    vals = ndimage.map_coordinates(np.where(finite, img, myo), [ys.ravel(), xs.ravel()], order=1, cval=np.nan)
    vals = vals.reshape(xs.shape)
    inside = (xs >= 0) & (xs <= shape[1] - 1) & (ys >= 0) & (ys <= shape[0] - 1)
    vals = np.where(inside, vals, np.nan)
    with np.errstate(all="ignore"):
        band = np.nanmedian(np.where(np.isnan(vals).all(axis=1, keepdims=True), myo, vals), axis=1)
    b = (band - myo) / (blood - myo)
    w = 2 * SMOOTH_DEG + 1
    padded = np.concatenate([b[-SMOOTH_DEG:], b, b[:SMOOTH_DEG]])
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, w), axis=1)
    flags = smooth >= BLOOD_LIKE

    # Display angle of each mm-space direction (equal to it for square pixels).
    disp = np.degrees(np.arctan2(np.sin(t) / dy, np.cos(t) / dx)) % 360.0
    best: tuple[int, int] | None = None
    for start, length in _runs(flags):
        if length < MIN_RUN_DEG or length >= 360:
            continue
        mid = disp[(start + length // 2) % 360]
        if 90.0 <= mid <= 270.0 and (best is None or length > best[1]):
            best = (start, length)
    if best is None:
        return fallback(
            "No arc of blood-like signal just outside the septal epicardium was found (no RV seen on the left of "
            "the LV); the default anchor (120 degrees) is used."
        )
    start, length = best
    a0 = float(disp[start])
    a1 = float(disp[(start + length - 1) % 360])
    p = on_epi(a0)
    angle = float(display_angle_deg(np.asarray([p]), (cx, cy))[0])
    return RVInsertionEstimate(
        p,
        angle,
        "image",
        (a0, a1),
        f"Estimated from the image: the RV blood pool lies against the epicardium from {a0:.0f} to {a1:.0f} degrees "
        f"(counter-clockwise from 3 o'clock); its anterior end, at {angle:.0f} degrees, is taken as the insertion.",
    )
