"""Preprocessing of the consensus CNN: an image and a trainee's contours -> the 224 x 224 x 4 input, and back.

The paper's input (eriksen sec. VI-B): the image as R, G, B plus the trainee's contour mask as the 4th channel,
"resized 224 x 224 x 4". MyoQA resamples a **square crop centred on the trainee's epicardium** rather than the whole
field of view, so the myocardium fills the input (a 256-pixel Sunnybrook frame at 1.37 mm would put a 10 mm wall at
about 6 input pixels; the crop puts it at about 20). The geometry of the crop is kept in :class:`Geometry`, so
the output maps back exactly onto the image grid.

* Crop: centre = centroid of the trainee's epicardial region; side = ``FOV_FACTOR`` x the largest extent of the
  trainee's epicardium in mm, clamped to ``[MIN_FOV_MM, MAX_FOV_MM]``; square in mm (an anisotropic pixel spacing
  gives a rectangle in pixels). Points outside the image read as 0.
* Image: bilinear resampling (``scipy.ndimage.map_coordinates``, order 1), then intensity normalisation to 0..1
  between the 1st and 99th percentiles of the crop (robust to a few hot pixels and to units: a T1 map in ms, a
  T2 map in ms, a cine magnitude in a.u. all arrive as 0..1); the same grey image in R, G and B.
* Masks (the trainee's contour channel, the training target): the polygons are transformed to the 224 grid and
  rasterised there as the covered fraction of each pixel (4 x 4 pixel-centre samples per pixel), so their iso-0.5
  line is the polygon itself to a fraction of a pixel (no interpolation of a binary mask).

Every constant here is recorded in the model card (:func:`preprocessing_spec`) so a model is always used with the
preprocessing it was trained with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from backend.cmr.contours import ContourSet, polygon_to_mask, wall_contours
from backend.cmr.errors import InvalidContourError

INPUT_SIZE = 224
"""Side of the network's input and output in pixels (eriksen: 224 x 224 x 4, output 50,176 = 224 x 224)."""
FOV_FACTOR = 2.0
"""Crop side / largest extent of the trainee's epicardium."""
MIN_FOV_MM = 64.0
MAX_FOV_MM = 240.0
PERCENTILES = (1.0, 99.0)
SUPERSAMPLE = 4
"""Masks on the input grid are the covered fraction of each pixel, from SUPERSAMPLE x SUPERSAMPLE samples."""


@dataclass(frozen=True)
class Geometry:
    """Where the 224 x 224 input lies on the image.

    Attributes
    ----------
    centre_xy : (x, y)
        Crop centre in image pixel coordinates (x = column, y = row).
    fov_mm : float
        Side of the square crop in mm.
    pixel_spacing_mm : (dy, dx)
        The image's Pixel Spacing.
    image_shape : (rows, columns)
    size : int
        Input side in pixels (224).
    """

    centre_xy: tuple[float, float]
    fov_mm: float
    pixel_spacing_mm: tuple[float, float]
    image_shape: tuple[int, int]
    size: int = INPUT_SIZE

    @property
    def step_px(self) -> tuple[float, float]:
        """Size of one input pixel in image pixels, ``(along x, along y)``."""
        mm = self.fov_mm / self.size
        return mm / self.pixel_spacing_mm[1], mm / self.pixel_spacing_mm[0]

    def to_input(self, points: np.ndarray) -> np.ndarray:
        """Image ``(x, y)`` pixel coordinates, shape (N, 2) -> input-grid ``(u, v)`` coordinates, shape (N, 2)."""
        sx, sy = self.step_px
        c = (self.size - 1) / 2.0
        p = np.asarray(points, dtype=np.float64)
        return np.column_stack([(p[:, 0] - self.centre_xy[0]) / sx + c, (p[:, 1] - self.centre_xy[1]) / sy + c])

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_input`: input-grid ``(u, v)`` -> image ``(x, y)`` pixel coordinates."""
        sx, sy = self.step_px
        c = (self.size - 1) / 2.0
        p = np.asarray(points, dtype=np.float64)
        return np.column_stack([(p[:, 0] - c) * sx + self.centre_xy[0], (p[:, 1] - c) * sy + self.centre_xy[1]])

    def as_dict(self) -> dict:
        """JSON-ready description (recorded with each automatic consensus)."""
        return {
            "centre_xy": list(self.centre_xy),
            "fov_mm": self.fov_mm,
            "pixel_spacing_mm": list(self.pixel_spacing_mm),
            "image_shape": list(self.image_shape),
            "size": self.size,
        }


def preprocessing_spec() -> dict:
    """The preprocessing constants, for the model card."""
    return {
        "input_size": INPUT_SIZE,
        "crop": "square in mm, centred on the trainee's epicardial region",
        "fov_factor": FOV_FACTOR,
        "min_fov_mm": MIN_FOV_MM,
        "max_fov_mm": MAX_FOV_MM,
        "image_resampling": "bilinear (scipy.ndimage.map_coordinates, order 1), 0 outside the image",
        "intensity": f"percentiles {PERCENTILES[0]:g}-{PERCENTILES[1]:g} of the crop -> 0..1, grey in R, G, B",
        "masks": f"polygons transformed to the input grid; covered fraction of each pixel from "
        f"{SUPERSAMPLE}x{SUPERSAMPLE} pixel-centre samples (anti-aliased)",
    }


def _walls(cs: ContourSet, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    endo, epi = wall_contours(cs, shape)
    if endo is None or epi is None:
        raise InvalidContourError("The automatic consensus needs both walls: an endocardium and an epicardium.")
    return endo, epi


def geometry_for(cs: ContourSet, *, image_shape: tuple[int, int], pixel_spacing_mm: tuple[float, float]) -> Geometry:
    """The crop geometry for a trainee's contour set.

    Parameters
    ----------
    cs : ContourSet
        The trainee's contours (polygons or masks).
    image_shape : (rows, columns)
    pixel_spacing_mm : (dy, dx), mm

    Returns
    -------
    Geometry

    Raises
    ------
    InvalidContourError
        A wall is missing.
    """
    _, epi = _walls(cs, image_shape)
    dy, dx = float(pixel_spacing_mm[0]), float(pixel_spacing_mm[1])
    mm = epi * (dx, dy)
    extent = float(max(np.ptp(mm[:, 0]), np.ptp(mm[:, 1])))
    fov = float(np.clip(FOV_FACTOR * extent, MIN_FOV_MM, MAX_FOV_MM))
    whole = polygon_to_mask(epi, image_shape)
    if whole.any():
        r, c = np.nonzero(whole)
        centre = (float(c.mean()), float(r.mean()))
    else:
        centre = (float(epi[:, 0].mean()), float(epi[:, 1].mean()))
    return Geometry(
        centre_xy=centre, fov_mm=fov, pixel_spacing_mm=(dy, dx), image_shape=(int(image_shape[0]), int(image_shape[1]))
    )


def resample_image(frame: np.ndarray, g: Geometry) -> np.ndarray:
    """The image under the crop, normalised to 0..1.

    Parameters
    ----------
    frame : ndarray, shape (rows, columns)
        Any units (ms, a.u.).
    g : Geometry

    Returns
    -------
    ndarray of float32, shape (224, 224), values in 0..1
    """
    n = g.size
    v, u = np.mgrid[0:n, 0:n].astype(np.float64)
    xy = g.to_image(np.column_stack([u.ravel(), v.ravel()]))
    out = ndimage.map_coordinates(
        np.asarray(frame, dtype=np.float64), [xy[:, 1], xy[:, 0]], order=1, mode="constant", cval=0.0
    ).reshape(n, n)
    lo, hi = np.percentile(out, PERCENTILES)
    if not np.isfinite(hi - lo) or hi - lo <= 0:
        return np.zeros((n, n), dtype=np.float32)
    return np.clip((out - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def ring_fine(cs: ContourSet, g: Geometry, supersample: int = SUPERSAMPLE) -> np.ndarray:
    """A contour set's myocardium rasterised at pixel centres of a ``supersample`` times finer input grid.

    Returns
    -------
    ndarray of bool, shape (224 * supersample, 224 * supersample)

    Raises
    ------
    InvalidContourError
        A wall is missing.
    """
    endo, epi = _walls(cs, g.image_shape)
    k = int(supersample)
    # Input pixel (u, v) covers [u - 0.5, u + 0.5]; its k x k sub-pixel centres are u - 0.5 + (i + 0.5) / k.
    fine = lambda p: (g.to_input(p) + 0.5) * k - 0.5  # noqa: E731
    shape = (g.size * k, g.size * k)
    return fill_polygon(fine(epi), shape) & ~fill_polygon(fine(endo), shape)


def fill_polygon(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixel centres inside a closed polygon (even-odd rule), by scanlines: O(rows x edges + pixels).

    The same pixels as :func:`backend.cmr.contours.polygon_to_mask` (``skimage.draw.polygon``, which tests every
    pixel of the bounding box against every edge: 0.45 s for a ring on the 896 x 896 supersampled grid, against
    about 10 ms here); ``tests/ml/test_preprocess.py`` checks that they agree.

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates, implicitly closed.
    shape : (rows, columns)

    Returns
    -------
    ndarray of bool, shape ``shape``
    """
    rows, cols = shape
    p = np.asarray(points, dtype=np.float64)
    q = np.roll(p, -1, axis=0)
    y0, y1 = p[:, 1], q[:, 1]
    lo, hi = np.minimum(y0, y1), np.maximum(y0, y1)
    r = np.arange(rows, dtype=np.float64)[:, None]
    crosses = (lo[None, :] <= r) & (r < hi[None, :])  # half-open: a vertex on a scanline counts once
    rr, ee = np.nonzero(crosses)
    x = p[ee, 0] + (rr - y0[ee]) * (q[ee, 0] - p[ee, 0]) / (y1[ee] - y0[ee])
    # Pixel centre j is inside when an odd number of crossings lie left of it: toggle at the first centre > x.
    idx = np.clip(np.floor(x).astype(np.int64) + 1, 0, cols)
    toggles = np.zeros((rows, cols + 1), dtype=np.int32)
    np.add.at(toggles, (rr, idx), 1)
    return (np.cumsum(toggles[:, :cols], axis=1) % 2).astype(bool)


def coverage(fine: np.ndarray, supersample: int = SUPERSAMPLE) -> np.ndarray:
    """Block means of a fine boolean mask: the fraction of each input pixel covered, float32 in 0..1."""
    k = int(supersample)
    n = fine.shape[0] // k
    return fine.reshape(n, k, n, k).mean(axis=(1, 3), dtype=np.float64).astype(np.float32)


def ring_on_input(cs: ContourSet, g: Geometry) -> np.ndarray:
    """A contour set's myocardium on the input grid, as the fraction of each input pixel it covers.

    Anti-aliased (``SUPERSAMPLE`` x ``SUPERSAMPLE`` pixel-centre samples per input pixel), so the iso-0.5 line of the
    result follows the polygon at sub-pixel precision rather than the input grid's staircase.

    Parameters
    ----------
    cs : ContourSet
    g : Geometry

    Returns
    -------
    ndarray of float32, shape (224, 224), values in 0..1

    Raises
    ------
    InvalidContourError
        A wall is missing.
    """
    return coverage(ring_fine(cs, g))


def model_input(
    frame: np.ndarray, trainee: ContourSet, *, pixel_spacing_mm: tuple[float, float], geometry: Geometry | None = None
) -> tuple[np.ndarray, Geometry]:
    """The network's input for one image and one trainee contour set.

    Parameters
    ----------
    frame : ndarray, shape (rows, columns)
        The display frame (a map, a cine frame, the first echo of a T2* series).
    trainee : ContourSet
    pixel_spacing_mm : (dy, dx), mm
    geometry : Geometry, optional
        Reuse a crop (e.g. to build a training target on the same grid); default from ``trainee``.

    Returns
    -------
    x : ndarray of float32, shape (224, 224, 4)
        Channels R, G, B (the normalised image three times) and the trainee's myocardium (covered fraction, 0..1).
    geometry : Geometry

    Raises
    ------
    InvalidContourError
        A wall is missing.
    """
    frame = np.asarray(frame)
    g = geometry or geometry_for(trainee, image_shape=frame.shape, pixel_spacing_mm=pixel_spacing_mm)
    img = resample_image(frame, g)
    ring = ring_on_input(trainee, g)
    return np.stack([img, img, img, ring], axis=-1), g


def output_to_image(prob: np.ndarray, g: Geometry) -> np.ndarray:
    """Map a 224 x 224 output (probability of myocardium) back onto the image grid (bilinear).

    Parameters
    ----------
    prob : ndarray, shape (224, 224) or (50176,)
        Values in 0..1.
    g : Geometry

    Returns
    -------
    ndarray of float32, shape ``g.image_shape``
        0 outside the crop.
    """
    p = np.asarray(prob, dtype=np.float64).reshape(g.size, g.size)
    rows, cols = g.image_shape
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
    uv = g.to_input(np.column_stack([xx.ravel(), yy.ravel()]))
    out = ndimage.map_coordinates(p, [uv[:, 1], uv[:, 0]], order=1, mode="constant", cval=0.0)
    return out.reshape(rows, cols).astype(np.float32)
