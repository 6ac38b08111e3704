"""What kind of contouring error a trainee made, where, and what it does to their map value.

From the **signed distance** of the trainee's contours to the consensus (positive outside the consensus wall,
negative inside), sampled every :data:`STEP_MM` along each trainee wall, this module reports classes a trainee can
act on (the founding paper's "classifying trainees' output based on critical parameters that affect contour
variability", eriksen et al., abstract):

``shift`` (structure ``"both"``)
    Both walls displaced the same way: the area centroids of the trainee's endocardium and epicardium are both
    displaced from the consensus's by at least :data:`OFFSET_MM`, in directions within 45 degrees and by amounts
    within half of each other. Size: the mean displacement (mm); the sectors are the ones it points into.
    The shift is then removed (the trainee's contours translated back) before the other classes are judged.
``epicardium_outside`` / ``epicardium_inside`` / ``endocardium_inside`` / ``endocardium_outside``
    A wall offset all the way round: the median residual signed distance of the wall is at least
    :data:`OFFSET_MM` in magnitude and at least :data:`GLOBAL_SECTORS` of the six sector means agree in sign.
    Size: the mean residual over the agreeing sectors (mm, positive). ``endocardium_inside`` includes trabeculae or
    papillary muscle in the myocardium; ``epicardium_outside`` includes epicardial fat or pericardium.
``extra_region`` / ``missed_region``
    A sector whose mean residual (after the wall's own offset) departs by more than the region tolerance (the
    dataset's wall-thickness tolerance, 1.5 mm by default: "a sector where the contour departs by more than the
    tolerance"): myocardium added there (epicardium out, or endocardium in: ``extra_region``) or left out
    (``missed_region``). Size: the largest sector departure (mm).
``irregular``
    High-frequency deviation: the RMS of the residual minus its low-pass version (wavelengths of at least
    :data:`~backend.cmr.wall.CUTOFF_WAVELENGTH_MM`, the same cutoff the wall thickness uses) is at least
    :data:`IRREGULAR_RMS_MM`. Size: that RMS (mm).

Each class carries a sentence with the **clinical consequence computed from this image**: the change of the
trainee's myocardial mean (T1, T2 or T2*, in ms) caused by the pixels the error adds or leaves out, e.g.
"including trabeculae or blood pool changes your myocardial T1 by +14 ms here".

Thresholds: :data:`OFFSET_MM` (1.0 mm) is under the inter-expert mean surface distance of t1-t2-mapping (1.12 mm),
so a class is only reported for a systematic departure about as large as experts' own disagreement;
:data:`IRREGULAR_RMS_MM` (0.4 mm) is a third of a typical 1.3 mm pixel. Validated on the shared Sunnybrook frames
with every simulated error kind of ``ml/data.py`` (``tests/cmr/test_error_classes.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from skimage.measure import points_in_poly

from .contours import Spacing, polygon_to_mask, resample_contour
from .metrics import point_to_polyline_distances
from .segments import SectorScheme, polygon_centroid, sector_index
from .wall import CUTOFF_WAVELENGTH_MM

STEP_MM = 0.5
"""Arc-length step at which the trainee's walls are sampled, mm."""

OFFSET_MM = 1.0
"""Smallest systematic departure (shift or wall offset) reported as a class, mm."""

GLOBAL_SECTORS = 4
"""Sectors (of six) that must agree for a wall offset to be "all the way round" rather than regional."""

IRREGULAR_RMS_MM = 0.4
"""Smallest RMS of the high-frequency deviation reported as ``irregular``, mm."""

KINDS = (
    "shift",
    "epicardium_outside",
    "epicardium_inside",
    "endocardium_inside",
    "endocardium_outside",
    "irregular",
    "missed_region",
    "extra_region",
)
"""The error classes, in the order they are reported."""


@dataclass(frozen=True)
class ErrorClass:
    """One kind of error the trainee made.

    Attributes
    ----------
    structure : {"endocardium", "epicardium", "both"}
    kind : str
        One of :data:`KINDS`.
    size_mm : float
        How large (module docstring: per kind), mm, positive.
    sectors : tuple of str
        The sector names it affects (the consensus's sector layout).
    explanation : str
        One sentence a trainee understands, with the consequence for their map value when there is one.
    map_effect : float or None
        That consequence: the change of the trainee's myocardial mean caused by this error, in the map's unit (ms);
        None without a map or when the error moves no pixel.
    """

    structure: str
    kind: str
    size_mm: float
    sectors: tuple[str, ...]
    explanation: str
    map_effect: float | None = None

    def as_dict(self) -> dict:
        """Plain form: ``{"structure", "kind", "size_mm", "sectors", "explanation", "map_effect"}``."""
        return {
            "structure": self.structure,
            "kind": self.kind,
            "size_mm": self.size_mm,
            "sectors": list(self.sectors),
            "explanation": self.explanation,
            "map_effect": self.map_effect,
        }


@dataclass(frozen=True)
class _Wall:
    samples: np.ndarray  # (N, 2) pixel coordinates of the trainee's wall, every STEP_MM
    residual_mm: np.ndarray  # (N,) signed distance to the consensus wall after the shift is removed
    sector: np.ndarray  # (N,) sector index 0..5


def _signed_distances(points_px: np.ndarray, wall_px: np.ndarray, scale: np.ndarray) -> np.ndarray:
    d = point_to_polyline_distances(points_px * scale, [wall_px * scale])
    inside = points_in_poly(points_px, wall_px)
    return np.where(inside, -d, d)


def _high_pass_rms(r: np.ndarray, step_mm: float) -> float:
    """RMS of ``r`` (samples every ``step_mm`` around a closed curve) minus its Fourier low-pass (wavelengths of
    at least CUTOFF_WAVELENGTH_MM)."""
    n = r.size
    if n < 8:
        return 0.0
    length = n * step_mm
    keep = max(1, math.floor(length / CUTOFF_WAVELENGTH_MM))
    spec = np.fft.rfft(r)
    spec[keep + 1 :] = 0.0
    low = np.fft.irfft(spec, n)
    return float(np.sqrt(np.mean((r - low) ** 2)))


def _sector_means(w: _Wall) -> np.ndarray:
    sums = np.bincount(w.sector, weights=w.residual_mm, minlength=6)
    counts = np.bincount(w.sector, minlength=6)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _mean_of(values: np.ndarray, mask: np.ndarray) -> float | None:
    v = values[mask & np.isfinite(values)]
    return float(v.mean()) if v.size else None


def _effect(map_ms: np.ndarray | None, myo: np.ndarray, changed: np.ndarray, added: bool) -> float | None:
    """Change of the myocardial mean caused by ``changed`` pixels: added to the myocardium by the error (the
    trainee's mean with them minus without them) or left out by it (without them minus with them)."""
    if map_ms is None or not changed.any():
        return None
    if added:
        with_, without = _mean_of(map_ms, myo), _mean_of(map_ms, myo & ~changed)
    else:
        with_, without = _mean_of(map_ms, myo), _mean_of(map_ms, myo | changed)
    if with_ is None or without is None:
        return None
    return with_ - without


def _effect_words(effect: float | None, quantity_name: str | None) -> str:
    if effect is None or quantity_name is None:
        return ""
    return f"; here it changes your myocardial {quantity_name} by {effect:+.0f} ms"


def _where(sectors: tuple[str, ...]) -> str:
    """``"in sector 2"``, ``"in sectors 2 and 3"``, ``"in the anterior and anteroseptal segments"``."""
    if sectors and all(s.startswith("sector ") for s in sectors):
        nums = [s.removeprefix("sector ") for s in sectors]
        if len(nums) == 1:
            return f"in sector {nums[0]}"
        return f"in sectors {', '.join(nums[:-1])} and {nums[-1]}"
    if len(sectors) == 1:
        return f"in the {sectors[0]} segment"
    return f"in the {', '.join(sectors[:-1])} and {sectors[-1]} segments"


def _direction_words(d_px: np.ndarray) -> str:
    # Display convention: row 0 at the top, so -y is "up".
    horiz = "right" if d_px[0] > 0 else "left"
    vert = "down" if d_px[1] > 0 else "up"
    ax, ay = abs(d_px[0]), abs(d_px[1])
    if ax > 2 * ay:
        return f"to the {horiz}"
    if ay > 2 * ax:
        return vert
    return f"{vert} and to the {horiz}"


def classify_errors(
    trainee: tuple[np.ndarray, np.ndarray],
    consensus: tuple[np.ndarray, np.ndarray],
    *,
    shape: tuple[int, int],
    pixel_spacing_mm: Spacing,
    scheme: SectorScheme,
    region_tolerance_mm: float = 1.5,
    map_ms: np.ndarray | None = None,
    quantity_name: str | None = None,
) -> list[ErrorClass]:
    """The error classes of a trainee's contours against the consensus (module docstring for the rules).

    Parameters
    ----------
    trainee, consensus : (endocardium, epicardium)
        Closed polygons, ndarray shape (N, 2), ``(x, y)`` pixel coordinates (mask sides traced at sub-pixel
        precision by :func:`backend.cmr.contours.wall_contours`).
    shape : (rows, columns)
        The image's shape.
    pixel_spacing_mm : (dy, dx)
        Pixel spacing, mm.
    scheme : SectorScheme
        The consensus's sector layout (:func:`backend.cmr.segments.sector_scheme`).
    region_tolerance_mm : float
        The departure of a sector beyond which it is a missed / extra region, mm (the dataset's wall-thickness
        tolerance).
    map_ms : ndarray, shape (rows, columns), or None
        The map (T1, T2 or the T2* map, ms) to compute each error's consequence from; None for no map.
    quantity_name : str or None
        Its name in a sentence ("T1", "T2", "T2*").

    Returns
    -------
    list of ErrorClass
        In the order of :data:`KINDS`; empty when the contours agree within the thresholds.

    Raises
    ------
    ValueError
        A wall with fewer than 3 points, or a bad pixel spacing.
    """
    (t_endo, t_epi), (c_endo, c_epi) = trainee, consensus
    for p in (t_endo, t_epi, c_endo, c_epi):
        if p is None or len(p) < 3:
            raise ValueError("every wall needs at least 3 points")
    dy, dx = float(pixel_spacing_mm[0]), float(pixel_spacing_mm[1])
    if not (dx > 0 and dy > 0):
        raise ValueError(f"pixel spacing must be positive, got {pixel_spacing_mm!r}")
    scale = np.array([dx, dy])
    names = scheme.names
    out: list[ErrorClass] = []

    # The regions the errors add or remove, for the consequences (pixel-centre rasterisation, as the map statistics).
    t_whole, c_whole = polygon_to_mask(t_epi, shape), polygon_to_mask(c_epi, shape)
    t_cav, c_cav = polygon_to_mask(t_endo, shape) & t_whole, polygon_to_mask(c_endo, shape) & c_whole
    t_myo, c_myo = t_whole & ~t_cav, c_whole & ~c_cav

    # 1. Shift: both walls' centroids displaced alike.
    d_endo = (np.array(polygon_centroid(t_endo)) - np.array(polygon_centroid(c_endo))) * scale
    d_epi = (np.array(polygon_centroid(t_epi)) - np.array(polygon_centroid(c_epi))) * scale
    n_endo, n_epi = float(np.hypot(*d_endo)), float(np.hypot(*d_epi))
    shift_mm = np.zeros(2)
    if min(n_endo, n_epi) >= OFFSET_MM:
        cos = float(d_endo @ d_epi) / (n_endo * n_epi)
        if cos >= math.cos(math.radians(45)) and min(n_endo, n_epi) >= 0.5 * max(n_endo, n_epi):
            shift_mm = (d_endo + d_epi) / 2.0
            size = float(np.hypot(*shift_mm))
            tip = np.array(scheme.centre) + shift_mm / scale / size * 10.0
            sector = names[int(sector_index(tip[None, :], scheme)[0])]
            changed_in = t_myo & ~c_myo
            effect = _effect(map_ms, t_myo, changed_in, added=True)
            out.append(
                ErrorClass(
                    "both",
                    "shift",
                    size,
                    (sector,),
                    f"Both of your contours are shifted by {size:.1f} mm {_direction_words(shift_mm)} on the image "
                    f"(towards {sector if sector.startswith('sector') else 'the ' + sector}): check the whole ring against the image, not each wall alone"
                    f"{_effect_words(effect, quantity_name)}.",
                    effect,
                )
            )
    back_px = shift_mm / scale

    walls: dict[str, _Wall] = {}
    for name, tp, cp in (("endocardium", t_endo, c_endo), ("epicardium", t_epi, c_epi)):
        samples = resample_contour(np.asarray(tp, float) - back_px, STEP_MM, pixel_spacing_mm)
        walls[name] = _Wall(
            samples, _signed_distances(samples, np.asarray(cp, float), scale), sector_index(samples, scheme)
        )

    # 2. Whole-wall offsets; 3. regional departures (after the wall's own offset).
    words = {
        ("epicardium", True): (
            "epicardium_outside",
            "your epicardium lies outside the consensus",
            "epicardial fat or pericardium is included in your myocardium",
        ),
        ("epicardium", False): (
            "epicardium_inside",
            "your epicardium lies inside the consensus",
            "the outer part of the myocardium is left out",
        ),
        ("endocardium", False): (
            "endocardium_inside",
            "your endocardium lies inside the consensus",
            "trabeculae, papillary muscle or blood pool are included in your myocardium",
        ),
        ("endocardium", True): (
            "endocardium_outside",
            "your endocardium lies outside the consensus",
            "the inner part of the myocardium is given to the blood pool",
        ),
    }
    regional: list[ErrorClass] = []
    for name, w in walls.items():
        means = _sector_means(w)
        median = float(np.median(w.residual_mm))
        agree = np.zeros(6, dtype=bool)
        offset = 0.0
        if abs(median) >= OFFSET_MM:
            agree = np.isfinite(means) & (np.sign(means) == np.sign(median)) & (np.abs(means) >= 0.5 * OFFSET_MM)
            if int(agree.sum()) >= GLOBAL_SECTORS:
                outward = median > 0
                kind, what, consequence = words[(name, outward)]
                size = float(np.mean(np.abs(means[agree])))
                offset = float(np.mean(means[agree]))
                changed, added = _changed(name, outward, t_myo, c_myo, t_whole, c_whole, t_cav, c_cav)
                effect = _effect(map_ms, t_myo, changed, added)
                sec = tuple(names[i] for i in np.flatnonzero(agree))
                extent = "all the way round" if len(sec) == 6 else _where(sec)
                out.append(
                    ErrorClass(
                        name,
                        kind,
                        size,
                        sec,
                        f"{what.capitalize()} by {size:.1f} mm {extent}: {consequence}"
                        f"{_effect_words(effect, quantity_name)}.",
                        effect,
                    )
                )
            else:
                agree = np.zeros(6, dtype=bool)
        # A sector's departure beyond what the wall's own offset explains (in the sectors that share the offset), or
        # its whole departure (elsewhere).
        dev = np.where(agree, means - offset, means)
        for outward in (True, False):
            sel = np.isfinite(dev) & ((dev > region_tolerance_mm) if outward else (dev < -region_tolerance_mm))
            if not sel.any():
                continue
            added = outward if name == "epicardium" else not outward
            kind = "extra_region" if added else "missed_region"
            size = float(np.max(np.abs(dev[sel])))
            sec = tuple(names[i] for i in np.flatnonzero(sel))
            changed, _ = _changed(name, outward, t_myo, c_myo, t_whole, c_whole, t_cav, c_cav)
            effect = _effect(map_ms, t_myo, changed, added)
            _, what, consequence = words[(name, outward)]
            regional.append(
                ErrorClass(
                    name,
                    kind,
                    size,
                    sec,
                    f"{_where(sec).capitalize()} {what} by up to {size:.1f} mm: {consequence} there"
                    f"{_effect_words(effect, quantity_name)}.",
                    effect,
                )
            )
    # 4. Irregular contours.
    for name, w in walls.items():
        rms = _high_pass_rms(w.residual_mm, STEP_MM)
        if rms >= IRREGULAR_RMS_MM:
            hf = np.abs(w.residual_mm) >= rms
            sec = tuple(names[i] for i in sorted(set(w.sector[hf].tolist())))
            out.append(
                ErrorClass(
                    name,
                    "irregular",
                    rms,
                    sec,
                    f"Your {name} is irregular (it wobbles by {rms:.1f} mm RMS around the consensus line): follow the "
                    "wall with a smooth line and fewer, well-placed points.",
                    None,
                )
            )
    out.extend(regional)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda e: (order[e.kind], e.structure))


def _changed(
    wall: str,
    outward: bool,
    t_myo: np.ndarray,
    c_myo: np.ndarray,
    t_whole: np.ndarray,
    c_whole: np.ndarray,
    t_cav: np.ndarray,
    c_cav: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """The pixels a wall error moves, and whether they are added to the trainee's myocardium (else left out)."""
    if wall == "epicardium":
        if outward:  # tissue outside the consensus epicardium included
            return t_myo & ~c_whole, True
        return c_myo & ~t_whole, False  # outer myocardium left out
    if outward:  # the inner myocardium given to the cavity
        return c_myo & t_cav, False
    return t_myo & c_cav, True  # cavity (trabeculae, blood) included


@dataclass(frozen=True)
class SegmentDiscrepancy:
    """The discrepancy in one of the six mid-ventricular segments (the bullseye of the feedback page and the PDFs).

    Attributes
    ----------
    name : str
        The segment's name (AHA name with an RV insertion point, else "sector k").
    signed_distance_mm : float or None
        Mean signed distance of the trainee's walls to the consensus in the segment (both walls' samples pooled,
        arc-length weighted; positive: outside the consensus), mm.
    endocardium_mm, epicardium_mm : float or None
        The same per wall.
    myocardium_excess_mm : float or None
        ``epicardium_mm - endocardium_mm``: how much further the trainee's myocardium extends than the
        consensus's in the segment (positive: extra tissue included, e.g. fat outside or trabeculae inside;
        negative: consensus myocardium missed), mm. Unlike the pooled signed distance, a thickened or thinned wall
        cannot cancel out here; this is what the bullseye colours.
    delta_map : float or None
        Trainee minus consensus myocardial mean of the map inside the segment (ms); None without a map or pixels.
    """

    name: str
    signed_distance_mm: float | None
    endocardium_mm: float | None
    epicardium_mm: float | None
    myocardium_excess_mm: float | None
    delta_map: float | None

    def as_dict(self) -> dict:
        """Plain form: ``{"name", "signed_distance_mm", "endocardium_mm", "epicardium_mm", "myocardium_excess_mm",
        "delta_map"}``."""
        return {
            "name": self.name,
            "signed_distance_mm": self.signed_distance_mm,
            "endocardium_mm": self.endocardium_mm,
            "epicardium_mm": self.epicardium_mm,
            "myocardium_excess_mm": self.myocardium_excess_mm,
            "delta_map": self.delta_map,
        }


def segment_discrepancy(
    trainee: tuple[np.ndarray, np.ndarray],
    consensus: tuple[np.ndarray, np.ndarray],
    *,
    shape: tuple[int, int],
    pixel_spacing_mm: Spacing,
    scheme: SectorScheme,
    map_ms: np.ndarray | None = None,
) -> list[SegmentDiscrepancy]:
    """Per segment: the signed distance of the trainee's walls to the consensus, and the map difference.

    Unlike :func:`classify_errors`, nothing is removed first (a shift shows as opposite signs on opposite
    segments): this is what the bullseye colours.

    Parameters
    ----------
    trainee, consensus : (endocardium, epicardium)
        Closed polygons, ndarray shape (N, 2), ``(x, y)`` pixel coordinates.
    shape : (rows, columns)
    pixel_spacing_mm : (dy, dx)
        Pixel spacing, mm.
    scheme : SectorScheme
        The consensus's sector layout.
    map_ms : ndarray, shape (rows, columns), or None
        The map (ms) whose segment means are compared.

    Returns
    -------
    list of 6 SegmentDiscrepancy
        In the order of ``scheme.names``.
    """
    (t_endo, t_epi), (c_endo, c_epi) = trainee, consensus
    dy, dx = float(pixel_spacing_mm[0]), float(pixel_spacing_mm[1])
    scale = np.array([dx, dy])
    per_wall: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, tp, cp in (("endocardium", t_endo, c_endo), ("epicardium", t_epi, c_epi)):
        samples = resample_contour(np.asarray(tp, float), STEP_MM, pixel_spacing_mm)
        per_wall[name] = (_signed_distances(samples, np.asarray(cp, float), scale), sector_index(samples, scheme))
    seg_map: np.ndarray | None = None
    t_myo = c_myo = None
    if map_ms is not None:
        t_whole, c_whole = polygon_to_mask(t_epi, shape), polygon_to_mask(c_epi, shape)
        t_myo = t_whole & ~polygon_to_mask(t_endo, shape)
        c_myo = c_whole & ~polygon_to_mask(c_endo, shape)
        yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
        seg_map = sector_index(np.c_[xx.ravel(), yy.ravel()].astype(float), scheme).reshape(shape)
    out = []
    for k, name in enumerate(scheme.names):
        vals = {w: d[s == k] for w, (d, s) in per_wall.items()}
        pooled = np.concatenate(list(vals.values()))
        dmap = None
        if seg_map is not None and map_ms is not None and t_myo is not None and c_myo is not None:
            tm = _mean_of(map_ms, t_myo & (seg_map == k))
            cm = _mean_of(map_ms, c_myo & (seg_map == k))
            dmap = None if tm is None or cm is None else tm - cm
        endo_mm = float(vals["endocardium"].mean()) if vals["endocardium"].size else None
        epi_mm = float(vals["epicardium"].mean()) if vals["epicardium"].size else None
        out.append(
            SegmentDiscrepancy(
                name,
                float(pooled.mean()) if pooled.size else None,
                endo_mm,
                epi_mm,
                None if endo_mm is None or epi_mm is None else epi_mm - endo_mm,
                dmap,
            )
        )
    return out
