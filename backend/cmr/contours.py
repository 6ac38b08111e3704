"""Contour geometry: polygon <-> mask, mask -> sub-pixel contour, arc-length resampling, validation.

Coordinates: a contour is an ``(N, 2)`` float array of ``(x, y)`` = ``(column, row)`` pixel coordinates, integer
values at pixel centres, implicitly closed. A mask is a boolean ``(rows, columns)`` array.

Sources: ``../shared/docs/domain.md`` ("Contour -> mask: pixel centres inside the polygon. Mask -> contour:
marching squares at level 0.5"); ``skimage.draw.polygon`` (pixel-centre test; unlike ``cv2.fillPoly`` it does not
add half the perimeter to the area); ``skimage.measure.find_contours`` (marching squares, Lorensen & Cline 1987).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage import draw, measure

from .errors import InvalidContourError

Spacing = tuple[float, float]


@dataclass(frozen=True)
class ContourSet:
    """One rater's left-ventricle contours on one image.

    Attributes
    ----------
    endocardium, epicardium : ndarray, shape (N, 2), or None
        Closed polygons in ``(x, y)`` pixel coordinates. ``None`` when the source held only a mask.
    myocardium_mask : ndarray of bool, shape (rows, columns), or None
        The myocardium as given by a mask-only source (ring between the walls).
    cavity_mask : ndarray of bool, shape (rows, columns), or None
        The LV cavity when the source gave it (labels layout: label 1).
    source : str
        Where the contours came from (layout and variable names), for messages and provenance.
    """

    endocardium: np.ndarray | None
    epicardium: np.ndarray | None
    myocardium_mask: np.ndarray | None = None
    cavity_mask: np.ndarray | None = None
    source: str = ""

    @property
    def has_polygons(self) -> bool:
        """True when both walls are given as polygons (distances can be computed on the contours)."""
        return self.endocardium is not None and self.epicardium is not None


def as_polygon(points: np.ndarray, *, name: str = "contour") -> np.ndarray:
    """Return a clean ``(N, 2)`` float64 polygon: finite, closing point dropped, consecutive duplicates removed.

    Parameters
    ----------
    points : array_like, shape (N, 2)
        ``(x, y)`` pixel coordinates.
    name : str
        Structure name used in error messages ("endocardium", ...).

    Returns
    -------
    ndarray, shape (M, 2), float64

    Raises
    ------
    InvalidContourError
        Wrong shape, non-finite values, or fewer than 3 distinct points.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InvalidContourError(f"The {name} must be a list of (x, y) points; got an array of shape {pts.shape}.")
    if not np.all(np.isfinite(pts)):
        raise InvalidContourError(f"The {name} has non-finite coordinates (NaN or infinity).")
    if len(pts) > 1:
        keep = np.r_[True, np.any(np.diff(pts, axis=0) != 0, axis=1)]
        pts = pts[keep]
    if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    if len(np.unique(pts, axis=0)) < 3:
        raise InvalidContourError(f"The {name} has {len(pts)} distinct point(s); a closed contour needs at least 3.")
    return pts


def polygon_area(points: np.ndarray, spacing: Spacing = (1.0, 1.0)) -> float:
    """Area enclosed by a closed polygon (shoelace formula), in mm² (pixel² when ``spacing`` is 1).

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates, implicitly closed.
    spacing : (dy, dx)
        Pixel spacing in mm.

    Returns
    -------
    float
        Unsigned area.
    """
    x = points[:, 0] * spacing[1]
    y = points[:, 1] * spacing[0]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def perimeter(points: np.ndarray, spacing: Spacing = (1.0, 1.0)) -> float:
    """Length of a closed polygon in mm (pixels when ``spacing`` is 1).

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates, implicitly closed.
    spacing : (dy, dx)
        Pixel spacing in mm.
    """
    d = np.diff(np.vstack([points, points[:1]]), axis=0) * (spacing[1], spacing[0])
    return float(np.hypot(d[:, 0], d[:, 1]).sum())


def polygon_to_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Rasterise a closed polygon: True at pixel centres inside it.

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates.
    shape : (rows, columns)
        Shape of the output mask.

    Returns
    -------
    ndarray of bool, shape ``shape``

    Notes
    -----
    Uses ``skimage.draw.polygon`` (even-odd test at pixel centres). Unlike ``cv2.fillPoly`` this does not overstate
    the area by half the perimeter: for a large polygon the pixel count approaches :func:`polygon_area`.
    """
    mask = np.zeros(shape, dtype=bool)
    rr, cc = draw.polygon(points[:, 1], points[:, 0], shape=shape)
    mask[rr, cc] = True
    return mask


def mask_to_contours(mask: np.ndarray) -> list[np.ndarray]:
    """All closed iso-contours at level 0.5 of a binary mask (marching squares), sub-pixel, largest first.

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, columns)

    Returns
    -------
    list of ndarray, each shape (N, 2)
        ``(x, y)`` polygons, implicitly closed, sorted by enclosed area (largest first). Empty when the mask is empty.
    """
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    rows, cols = np.nonzero(m)
    r0, r1 = max(rows.min() - 1, 0), rows.max() + 2
    c0, c1 = max(cols.min() - 1, 0), cols.max() + 2
    crop = np.pad(m[r0:r1, c0:c1], 1).astype(np.float32)
    out = []
    for c in measure.find_contours(crop, 0.5):
        if len(c) < 4:
            continue
        poly = np.column_stack([c[:-1, 1] + c0 - 1, c[:-1, 0] + r0 - 1])
        out.append(poly)
    out.sort(key=polygon_area, reverse=True)
    return out


def mask_to_contour(mask: np.ndarray) -> np.ndarray | None:
    """The outer boundary of the largest connected region of a mask, sub-pixel (marching squares at 0.5).

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, columns)

    Returns
    -------
    ndarray, shape (N, 2), or None
        ``(x, y)`` polygon, or ``None`` for an empty mask.
    """
    contours = mask_to_contours(mask)
    return contours[0] if contours else None


def resample_contour(points: np.ndarray, step: float, spacing: Spacing = (1.0, 1.0)) -> np.ndarray:
    """Resample a closed polygon at a fixed arc-length step (measured in mm).

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates, implicitly closed.
    step : float
        Arc-length step in mm (in pixels when ``spacing`` is 1). Must be > 0.
    spacing : (dy, dx)
        Pixel spacing in mm.

    Returns
    -------
    ndarray, shape (M, 2)
        ``(x, y)`` pixel coordinates, ``M = max(3, ceil(perimeter / step))`` points equally spaced in arc length
        (the actual step is ``perimeter / M``, at most ``step``), starting at the first input point.

    Raises
    ------
    ValueError
        ``step`` is not positive.
    """
    if not step > 0:
        raise ValueError(f"step must be > 0 mm, got {step}")
    closed = np.vstack([points, points[:1]])
    seg = np.diff(closed, axis=0) * (spacing[1], spacing[0])
    s = np.r_[0.0, np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))]
    total = s[-1]
    if total == 0:
        return points[:1].repeat(3, axis=0)
    m = max(3, int(np.ceil(total / step)))
    t = np.arange(m) * (total / m)
    return np.column_stack([np.interp(t, s, closed[:, 0]), np.interp(t, s, closed[:, 1])])


def ring_mask(endocardium: np.ndarray, epicardium: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Myocardium mask: pixel centres inside the epicardium and not inside the endocardium.

    Parameters
    ----------
    endocardium, epicardium : ndarray, shape (N, 2)
        ``(x, y)`` polygons.
    shape : (rows, columns)

    Returns
    -------
    ndarray of bool, shape ``shape``
    """
    return polygon_to_mask(epicardium, shape) & ~polygon_to_mask(endocardium, shape)


def validate_contour_set(cs: ContourSet, shape: tuple[int, int], *, touching_pixels: int = 3) -> None:
    """Check a contour set against its image: inside the image, endocardium inside epicardium, mask shape.

    Parameters
    ----------
    cs : ContourSet
    shape : (rows, columns)
        The image's shape.
    touching_pixels : int
        How many endocardial-cavity pixel centres may lie outside the epicardium (contours that touch are common;
        Sunnybrook has one such pixel in total).

    Raises
    ------
    InvalidContourError
        With a message naming the structure and the numbers found.
    """
    rows, cols = shape
    for name, m in (("myocardium mask", cs.myocardium_mask), ("cavity mask", cs.cavity_mask)):
        if m is not None and m.shape != (rows, cols):
            raise InvalidContourError(
                f"The {name} has shape {m.shape[0]}x{m.shape[1]} (rows x columns) but the image is {rows}x{cols}; "
                "the mask must cover the image pixel for pixel."
            )
    if cs.myocardium_mask is not None and not cs.myocardium_mask.any():
        raise InvalidContourError("The myocardium mask is empty: no pixel is marked as myocardium.")
    if not cs.has_polygons:
        if cs.myocardium_mask is None:
            raise InvalidContourError("No endocardium and epicardium contours and no myocardium mask were found.")
        return
    for name, pts in (("endocardium", cs.endocardium), ("epicardium", cs.epicardium)):
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        if lo[0] < -0.5 or lo[1] < -0.5 or hi[0] > cols - 0.5 or hi[1] > rows - 0.5:
            raise InvalidContourError(
                f"The {name} leaves the image: its points span x {lo[0]:.1f} to {hi[0]:.1f}, y {lo[1]:.1f} to "
                f"{hi[1]:.1f}, but the image is {cols} columns x {rows} rows (pixel coordinates, x = column)."
            )
    cavity = polygon_to_mask(cs.endocardium, shape)
    whole = polygon_to_mask(cs.epicardium, shape)
    if not cavity.any() or not whole.any():
        which = "endocardium" if not cavity.any() else "epicardium"
        raise InvalidContourError(f"The {which} encloses no pixel centre; it is too small or degenerate.")
    outside = int((cavity & ~whole).sum())
    if outside > touching_pixels:
        share = 100.0 * outside / cavity.sum()
        raise InvalidContourError(
            f"The endocardium is not inside the epicardium: {outside} pixels ({share:.0f} % of the cavity) lie "
            f"outside the epicardium (at most {touching_pixels} touching pixels are allowed). Check that the two "
            "contours belong to the same image and are not swapped."
        )


@dataclass(frozen=True)
class LVRegions:
    """The three regions of one rater's left ventricle, as boolean ``(rows, columns)`` masks.

    Attributes
    ----------
    cavity : endocardial region (LV blood pool, inside the endocardium)
    myocardium : the ring between endocardium and epicardium
    whole : epicardial region (inside the epicardium: cavity + myocardium)
    """

    cavity: np.ndarray
    myocardium: np.ndarray
    whole: np.ndarray


def lv_regions(cs: ContourSet, shape: tuple[int, int]) -> LVRegions:
    """Rasterise a contour set into cavity, myocardium and whole-LV masks.

    Parameters
    ----------
    cs : ContourSet
        Polygons (preferred when present) or a myocardium mask (with an optional cavity mask).
    shape : (rows, columns)

    Returns
    -------
    LVRegions

    Notes
    -----
    From polygons: cavity = centres inside the endocardium, whole = centres inside the epicardium,
    myocardium = whole minus cavity. From a mask: whole = the myocardium with its holes filled
    (``scipy.ndimage.binary_fill_holes``), cavity = whole minus myocardium, unless a cavity mask was given.
    """
    from scipy import ndimage

    if cs.has_polygons:
        cavity = polygon_to_mask(cs.endocardium, shape)
        whole = polygon_to_mask(cs.epicardium, shape)
        return LVRegions(cavity=cavity, myocardium=whole & ~cavity, whole=whole)
    myo = np.asarray(cs.myocardium_mask, dtype=bool)
    if cs.cavity_mask is not None:
        cavity = np.asarray(cs.cavity_mask, dtype=bool) & ~myo
        whole = cavity | myo
    else:
        whole = ndimage.binary_fill_holes(myo)
        cavity = whole & ~myo
    return LVRegions(cavity=cavity, myocardium=myo, whole=whole)


def wall_contours(cs: ContourSet, shape: tuple[int, int]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Endocardial and epicardial polygons of a contour set; from its masks (marching squares) when needed.

    Parameters
    ----------
    cs : ContourSet
    shape : (rows, columns)

    Returns
    -------
    (endocardium, epicardium) : ndarray, shape (N, 2), or None
        ``None`` for a wall that cannot be derived (e.g. an empty cavity).
    """
    if cs.has_polygons:
        return cs.endocardium, cs.epicardium
    reg = lv_regions(cs, shape)
    return mask_to_contour(reg.cavity), mask_to_contour(reg.whole)


def contour_set_to_bytes(cs: ContourSet) -> bytes:
    """Serialise a contour set (polygons and masks) to ``.npz`` bytes, so an upload is parsed once.

    Parameters
    ----------
    cs : ContourSet

    Returns
    -------
    bytes
        A compressed NumPy ``.npz`` archive (no pickles): arrays ``endocardium``, ``epicardium`` (N, 2) float64,
        ``myocardium_mask``, ``cavity_mask`` (bool) when present, and ``source`` (a 0-d unicode array).
    """
    import io

    arrays = {"source": np.array(cs.source)}
    for name in ("endocardium", "epicardium", "myocardium_mask", "cavity_mask"):
        v = getattr(cs, name)
        if v is not None:
            arrays[name] = np.asarray(v)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def contour_set_from_bytes(data: bytes) -> ContourSet:
    """Inverse of :func:`contour_set_to_bytes`.

    Parameters
    ----------
    data : bytes

    Returns
    -------
    ContourSet

    Raises
    ------
    ValueError
        Not an archive written by :func:`contour_set_to_bytes`.
    """
    import io

    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        get = {k: z[k] for k in z.files}
    if "source" not in get:
        raise ValueError("not a MyoQA contour archive")
    return ContourSet(
        endocardium=get.get("endocardium"),
        epicardium=get.get("epicardium"),
        myocardium_mask=get.get("myocardium_mask"),
        cavity_mask=get.get("cavity_mask"),
        source=str(get["source"]),
    )


def contour_set_polygons(cs: ContourSet, shape: tuple[int, int]) -> dict:
    """Endocardium and epicardium as JSON-ready lists of ``[x, y]`` (pixel coordinates), derived from masks if needed.

    Parameters
    ----------
    cs : ContourSet
    shape : (rows, columns)

    Returns
    -------
    dict
        ``{"endocardium": [[x, y], ...] | None, "epicardium": [[x, y], ...] | None}``, rounded to 0.01 px.
    """
    endo, epi = wall_contours(cs, shape)
    return {
        name: None if p is None else np.round(p, 2).tolist() for name, p in (("endocardium", endo), ("epicardium", epi))
    }
