"""Myocardial wall thickness, in mm: the global mean and six 60-degree sectors.

* **Global mean** = myocardial area / mean perimeter ``(A_epi - A_endo) / ((P_endo + P_epi) / 2)``. For parallel
  (equidistant) contours this is exact: two concentric circles of radii r < R give
  ``pi (R^2 - r^2) / (pi (R + r)) = R - r``.
* **Local thickness** by the symmetric nearest-point method: every point of each contour (resampled every
  ``step_mm``) is paired with the nearest point of the *other* contour; both sets of distances are pooled, so the
  result does not depend on which wall was drawn more densely. A sector's value is the mean of the pooled local
  values whose points fall in the sector (sector layout: :mod:`backend.cmr.segments`). The centreline-chord method
  (Sheehan et al., Circulation 1986) is the clinical standard for regional function; for the smooth, nearly
  parallel walls of a short-axis myocardium both give the same mean to within a fraction of a pixel, and the
  nearest-point method needs no midline construction.

Sources: ``../shared/docs/domain.md`` ("Wall thickness"); eriksen et al. (the trainee sees their WT; reported in mm).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .contours import Spacing, perimeter, polygon_area, resample_contour
from .metrics import point_to_polyline_distances
from .segments import AHA_MID_SEGMENTS, NUMBERED_SECTORS, SectorScheme, sector_index, sector_scheme


@dataclass(frozen=True)
class WallThickness:
    """Wall thickness of one contour set.

    Attributes
    ----------
    mean_mm : float
        Global mean, myocardial area / mean perimeter (mm).
    sectors_mm : tuple of 6 float
        Mean local thickness per sector in AHA order (anterior first; numbered sectors 1..6 without an RV insertion
        point). NaN for a sector with no contour point in it.
    sector_names : tuple of 6 str
    local_mean_mm, local_min_mm, local_max_mm : float
        Statistics of the pooled symmetric nearest-point distances (mm).
    flags : tuple of str
    """

    mean_mm: float
    sectors_mm: tuple[float, ...]
    sector_names: tuple[str, ...]
    local_mean_mm: float
    local_min_mm: float
    local_max_mm: float
    flags: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        """Plain-JSON form: ``{"mean", "sectors", "sector_names", "local_mean", "local_min", "local_max", "flags"}``."""
        return {
            "mean": self.mean_mm,
            "sectors": list(self.sectors_mm),
            "sector_names": list(self.sector_names),
            "local_mean": self.local_mean_mm,
            "local_min": self.local_min_mm,
            "local_max": self.local_max_mm,
            "flags": list(self.flags),
        }


def _nan_result(names: tuple[str, ...], flag: str) -> WallThickness:
    nan = float("nan")
    return WallThickness(nan, (nan,) * 6, names, nan, nan, nan, (flag,))


def wall_thickness(
    endocardium: np.ndarray | None,
    epicardium: np.ndarray | None,
    *,
    pixel_spacing_mm: Spacing,
    rv_insertion: tuple[float, float] | None = None,
    scheme: SectorScheme | None = None,
    step_mm: float = 0.25,
) -> WallThickness:
    """Global and sectoral wall thickness between an endocardial and an epicardial contour.

    Parameters
    ----------
    endocardium, epicardium : ndarray, shape (N, 2), or None
        Closed polygons, ``(x, y)`` pixel coordinates.
    pixel_spacing_mm : (dy, dx)
        Pixel spacing in mm.
    rv_insertion : (x, y) or None
        Anterior RV insertion point; when given the sectors carry AHA names.
    scheme : SectorScheme or None
        A sector layout to reuse (e.g. the reference's, so trainee and reference sectors coincide); overrides
        ``rv_insertion``.
    step_mm : float
        Arc-length resampling step of the local method, mm.

    Returns
    -------
    WallThickness
        All NaN with the flag ``"missing_contour"`` when a wall is missing, ``"negative_area"`` when the
        endocardium encloses more area than the epicardium.
    """
    if scheme is not None:
        names = scheme.names
    else:
        names = AHA_MID_SEGMENTS if rv_insertion is not None else NUMBERED_SECTORS
    if endocardium is None or epicardium is None or len(endocardium) < 3 or len(epicardium) < 3:
        return _nan_result(names, "missing_contour")
    area = polygon_area(epicardium, pixel_spacing_mm) - polygon_area(endocardium, pixel_spacing_mm)
    if area <= 0:
        return _nan_result(names, "negative_area")
    mean_perimeter = (perimeter(endocardium, pixel_spacing_mm) + perimeter(epicardium, pixel_spacing_mm)) / 2.0
    global_mean = area / mean_perimeter

    scale = np.array([pixel_spacing_mm[1], pixel_spacing_mm[0]])
    endo_s = resample_contour(endocardium, step_mm, pixel_spacing_mm)
    epi_s = resample_contour(epicardium, step_mm, pixel_spacing_mm)
    d_endo = point_to_polyline_distances(endo_s * scale, [epicardium * scale])
    d_epi = point_to_polyline_distances(epi_s * scale, [endocardium * scale])
    if scheme is None:
        scheme = sector_scheme(endocardium, rv_insertion)
    idx = np.r_[sector_index(endo_s, scheme), sector_index(epi_s, scheme)]
    d = np.r_[d_endo, d_epi]
    sums = np.bincount(idx, weights=d, minlength=6)
    counts = np.bincount(idx, minlength=6)
    with np.errstate(invalid="ignore", divide="ignore"):
        sectors = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    flags = () if np.all(counts > 0) else ("empty_sector",)
    return WallThickness(
        float(global_mean),
        tuple(float(v) for v in sectors),
        scheme.names,
        float(d.mean()),
        float(d.min()),
        float(d.max()),
        flags,
    )
