"""One trainee contour set against a reference, on one image: the numbers MyoQA shows a trainee.

This is the function behind ``python manage.py assess`` and the web application's evaluation task; it takes parsed
inputs (an image from :mod:`backend.cmr.dicom`, contour sets from :mod:`backend.cmr.sav`) and returns plain data.

The payload (all distances in mm, areas in mm², times in ms; NaN where a value is undefined)::

    {"image": {"kind", "rows", "columns", "pixel_spacing_mm": [dy, dx], "echo_times_ms": [...] | None,
               "field_strength_t", "units"},
     "agreement": {"myocardium": {...}, "endocardium": {...}, "epicardium": {...}},   # metrics.lv_agreement
     "trainee":   {"myocardium_area_mm2", "wall_thickness_mm": {"mean", "sectors": [6], ...},
                   "map": {"quantity", "mean", "sd", "median", "iqr", "n_pixels", ...} | None,
                   "iron_grade": None | "normal" | "mild" | "moderate" | "severe"},
     "reference": {same keys as "trainee"} | None,
     "delta":     {"wall_thickness_mm": trainee - reference, "map_mean": trainee - reference} | None,
     "warnings":  [{"code", "message", "length_mm"}],     # contours.contour_warnings of the trainee's contours
     "error_classes": [ErrorClass.as_dict()],  # error_classes.classify_errors, when there is a reference
     "segments": [SegmentDiscrepancy.as_dict()]}  # error_classes.segment_discrepancy (6), likewise

What the numbers mean against the tolerances (the verdict) is built from this payload by
:func:`backend.cmr.summary.evaluation_summary`, once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from .contours import (
    ContourSet,
    LVRegions,
    contour_warnings,
    lv_regions,
    polygon_area,
    validate_contour_set,
    wall_contours,
)
from .dicom import CMRImage, ImageKind
from .error_classes import ErrorClass, SegmentDiscrepancy, classify_errors, segment_discrepancy
from .errors import CMRError
from .metrics import lv_agreement
from .relaxometry import fit_t2star, iron_grade, roi_signal, roi_statistics, t2star_map
from .segments import SectorScheme, sector_scheme
from .summary import DEFAULT_TOLERANCES, Tolerances
from .wall import wall_thickness


class MapQuantity(str, Enum):
    """What the myocardial ROI statistics measure."""

    T1 = "t1_ms"
    T2 = "t2_ms"
    T2STAR = "t2star_ms"
    SIGNAL = "signal"


MAP_CHOICES = ("auto", "t1", "t2", "t2star", "none")


def resolve_map(image: CMRImage, choice: str = "auto") -> MapQuantity | None:
    """Which quantity to measure in the myocardium.

    Parameters
    ----------
    image : CMRImage
    choice : {"auto", "t1", "t2", "t2star", "none"}
        ``auto`` follows the image kind (T1 map -> T1, T2 map -> T2, echo series -> T2*, magnitude -> signal).
        ``t1``/``t2`` declare a single-frame image to be such a map (values read as ms), for maps whose headers do
        not say so. ``none`` measures nothing.

    Returns
    -------
    MapQuantity or None

    Raises
    ------
    CMRError
        The choice does not fit the image (T2* on a single frame, T1/T2 on an echo series, unknown choice).
    """
    if choice not in MAP_CHOICES:
        raise CMRError(f"Unknown map {choice!r}; expected one of {', '.join(MAP_CHOICES)}.")
    series = image.kind == ImageKind.T2STAR_SERIES
    if choice == "none":
        return None
    if choice == "auto":
        return {
            ImageKind.T1_MAP: MapQuantity.T1,
            ImageKind.T2_MAP: MapQuantity.T2,
            ImageKind.T2STAR_SERIES: MapQuantity.T2STAR,
        }.get(image.kind, MapQuantity.SIGNAL)
    if choice == "t2star" and not series:
        raise CMRError(
            "T2* needs a multi-echo series (several echo times); this image is a single frame "
            f"({image.kind.value}). Upload all echoes of the slice, or choose another map."
        )
    if choice in ("t1", "t2") and series:
        raise CMRError(
            f"A {choice.upper()} map is a single frame, but this upload is a {len(image.echo_times_ms or ())}-echo "
            "series. Upload the scanner's map, or choose T2*."
        )
    return {"t1": MapQuantity.T1, "t2": MapQuantity.T2, "t2star": MapQuantity.T2STAR}[choice]


@dataclass(frozen=True)
class RaterGeometry:
    """One rater's contours, rasterised regions and wall polygons (derived from masks when needed)."""

    contours: ContourSet
    regions: LVRegions
    endo: np.ndarray | None
    epi: np.ndarray | None


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`assess`: the payload (module docstring) and the geometry the overlay is drawn from."""

    payload: dict
    trainee: RaterGeometry
    reference: RaterGeometry | None


def _rater(cs: ContourSet, shape: tuple[int, int]) -> RaterGeometry:
    endo, epi = wall_contours(cs, shape)
    return RaterGeometry(cs, lv_regions(cs, shape), endo, epi)


def _myocardium_area(r: RaterGeometry, spacing: tuple[float, float]) -> float:
    if r.contours.has_polygons and r.epi is not None and r.endo is not None:
        return polygon_area(r.epi, spacing) - polygon_area(r.endo, spacing)
    return float(r.regions.myocardium.sum()) * spacing[0] * spacing[1]


class _MapContext:
    """Per-image work shared by trainee and reference (the per-pixel T2* map is computed once)."""

    def __init__(self, image: CMRImage, quantity: MapQuantity | None, union: np.ndarray) -> None:
        self.image, self.quantity = image, quantity
        self.t2star: np.ndarray | None = None
        self.echo_times_ms: tuple[float, ...] = image.echo_times_ms or ()
        if quantity == MapQuantity.T2STAR:
            self.t2star = t2star_map(image.pixels, self.echo_times_ms, mask=union).t2star_ms

    def measure(self, myo: np.ndarray, iron_table: Any) -> tuple[dict | None, str | None]:
        q = self.quantity
        if q is None:
            return None, None
        if q != MapQuantity.T2STAR:
            frame = self.image.pixels if self.image.pixels.ndim == 2 else self.image.display_frame()
            stats = roi_statistics(frame, myo).as_dict()
            return {"quantity": q.value, **stats}, None
        assert self.t2star is not None  # computed in __init__ for T2*
        stats = roi_statistics(self.t2star, myo).as_dict()
        if not myo.any():
            return {"quantity": q.value, **stats, "r2star_per_s": math.nan, "fit": None}, None
        fit = fit_t2star(self.echo_times_ms, roi_signal(self.image.pixels, myo))
        grade_kw = {} if iron_table is None else {"table": iron_table}
        grade = iron_grade(fit.t2star_ms, field_strength_t=self.image.field_strength_t, **grade_kw)
        out = {
            "quantity": q.value,
            **stats,
            # The myocardial T2* is the fit of the ROI-mean signal (Anderson 2001); the pixel-map statistics
            # (sd, median, iqr) describe its spread.
            "mean": fit.t2star_ms,
            "pixel_mean": stats["mean"],
            "r2star_per_s": fit.r2star_per_s,
            "fit": {"model": fit.model, "n_echoes_used": fit.n_echoes_used, "r_squared": fit.r_squared, "k": fit.k},
            "iron": {"grade": grade.grade, "field_strength_t": grade.field_strength_t, "reason": grade.reason},
        }
        return out, grade.grade


def _rater_summary(r: RaterGeometry, ctx: _MapContext, spacing, scheme, iron_table) -> dict:
    wt = wall_thickness(r.endo, r.epi, pixel_spacing_mm=spacing, scheme=scheme)
    m, grade = ctx.measure(r.regions.myocardium, iron_table)
    return {
        "myocardium_area_mm2": _myocardium_area(r, spacing),
        "wall_thickness_mm": wt.as_dict(),
        "map": m,
        "iron_grade": grade,
    }


def assess(
    image: CMRImage,
    trainee: ContourSet,
    reference: ContourSet | None = None,
    *,
    map_choice: str = "auto",
    rv_insertion: tuple[float, float] | None = None,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
    iron_table: Any = None,
) -> Assessment:
    """Evaluate a trainee's contours on an image, against a reference when one is given.

    Parameters
    ----------
    image : CMRImage
        From :func:`backend.cmr.dicom.load_image`.
    trainee : ContourSet
    reference : ContourSet or None
        The consensus. Without it (practice mode, no consensus) only the trainee's own values are computed and
        ``agreement``, ``reference`` and ``delta`` are None.
    map_choice : {"auto", "t1", "t2", "t2star", "none"}
        See :func:`resolve_map`.
    rv_insertion : (x, y) or None
        Anterior RV insertion point: sectors get AHA names. Sectors are laid out once, on the reference when there
        is one (so trainee and reference sectors coincide), else on the trainee's endocardium.
    tolerances : Tolerances
        The dataset's tolerances; the wall-thickness one is the departure beyond which a sector is a missed or
        extra region (:mod:`backend.cmr.error_classes`). The verdict itself is built later, from the payload
        (:func:`backend.cmr.summary.evaluation_summary`).
    iron_table : IronGradeTable or None
        Site thresholds; None uses the defaults of :mod:`backend.cmr.relaxometry`.

    Returns
    -------
    Assessment
        ``payload`` as in the module docstring (NaN for undefined values; see :func:`to_json_ready`).

    Raises
    ------
    CMRError
        Invalid contours for this image (:func:`backend.cmr.contours.validate_contour_set`), or a map choice that
        does not fit the image.
    """
    shape = (image.rows, image.columns)
    spacing = image.pixel_spacing_mm
    quantity = resolve_map(image, map_choice)
    for who, cs in (("trainee", trainee), ("reference", reference)):
        if cs is None:
            continue
        try:
            validate_contour_set(cs, shape, pixel_spacing_mm=spacing)
        except CMRError as exc:
            raise type(exc)(f"{who.capitalize()} contours: {exc}") from None
    t = _rater(trainee, shape)
    ref = _rater(reference, shape) if reference is not None else None
    union = t.regions.whole | (ref.regions.whole if ref is not None else False)
    ctx = _MapContext(image, quantity, union)
    anchor = ref if ref is not None else t
    scheme = sector_scheme(anchor.endo, rv_insertion) if anchor.endo is not None else None

    out: dict[str, Any] = {
        "image": {
            "kind": image.kind.value,
            "rows": image.rows,
            "columns": image.columns,
            "pixel_spacing_mm": [float(spacing[0]), float(spacing[1])],
            "echo_times_ms": list(image.echo_times_ms) if image.echo_times_ms else None,
            "field_strength_t": image.field_strength_t,
            "units": image.units,
        },
        "agreement": None,
        "trainee": _rater_summary(t, ctx, spacing, scheme, iron_table),
        "reference": None,
        "delta": None,
        # The trainee's thin-wall contacts (the consensus's are the experts' choice, not the trainee's to fix).
        "warnings": [w.as_dict() for w in contour_warnings(trainee, shape, spacing)],
    }
    if ref is not None and reference is not None:
        out["agreement"] = lv_agreement(trainee, reference, shape=shape, pixel_spacing_mm=spacing)
        out["reference"] = _rater_summary(ref, ctx, spacing, scheme, iron_table)
        tm, rm = out["trainee"]["map"], out["reference"]["map"]
        out["delta"] = {
            "wall_thickness_mm": out["trainee"]["wall_thickness_mm"]["mean"]
            - out["reference"]["wall_thickness_mm"]["mean"],
            "wall_thickness_sectors_mm": [
                a - b
                for a, b in zip(
                    out["trainee"]["wall_thickness_mm"]["sectors"],
                    out["reference"]["wall_thickness_mm"]["sectors"],
                    strict=True,
                )
            ],
            "myocardium_area_mm2": out["trainee"]["myocardium_area_mm2"] - out["reference"]["myocardium_area_mm2"],
            "map_mean": (tm["mean"] - rm["mean"]) if tm and rm else None,
            "map_quantity": quantity.value if quantity else None,
        }
        classes, segments = _error_classes(t, ref, ctx, shape, spacing, scheme, tolerances.wall_thickness_mm)
        out["error_classes"] = [e.as_dict() for e in classes]
        out["segments"] = [s.as_dict() for s in segments]
    return Assessment(payload=out, trainee=t, reference=ref)


def _error_classes(
    t: RaterGeometry,
    ref: RaterGeometry,
    ctx: _MapContext,
    shape: tuple[int, int],
    spacing: tuple[float, float],
    scheme: SectorScheme | None,
    region_tolerance_mm: float,
) -> tuple[list[ErrorClass], list[SegmentDiscrepancy]]:
    """The trainee's error classes and segment discrepancies (:mod:`backend.cmr.error_classes`), with consequences
    on this image's map."""
    if t.endo is None or t.epi is None or ref.endo is None or ref.epi is None or scheme is None:
        return [], []
    q = ctx.quantity
    map_ms, name = None, None
    if q == MapQuantity.T2STAR:
        map_ms, name = ctx.t2star, "T2*"
    elif q in (MapQuantity.T1, MapQuantity.T2):
        frame = ctx.image.pixels if ctx.image.pixels.ndim == 2 else ctx.image.display_frame()
        map_ms, name = frame, "T1" if q == MapQuantity.T1 else "T2"
    walls_t, walls_r = (t.endo, t.epi), (ref.endo, ref.epi)
    classes = classify_errors(
        walls_t,
        walls_r,
        shape=shape,
        pixel_spacing_mm=spacing,
        scheme=scheme,
        region_tolerance_mm=region_tolerance_mm,
        map_ms=map_ms,
        quantity_name=name,
    )
    segments = segment_discrepancy(
        walls_t, walls_r, shape=shape, pixel_spacing_mm=spacing, scheme=scheme, map_ms=map_ms
    )
    return classes, segments


def to_json_ready(payload: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python numbers, recursively.

    Parameters
    ----------
    payload : dict, list or scalar

    Returns
    -------
    The same structure, serialisable with ``json.dumps(..., allow_nan=False)``.
    """
    if isinstance(payload, dict):
        return {k: to_json_ready(v) for k, v in payload.items()}
    if isinstance(payload, (list, tuple)):
        return [to_json_ready(v) for v in payload]
    if isinstance(payload, (np.floating, float)):
        v = float(payload)
        return v if math.isfinite(v) else None
    if isinstance(payload, np.integer):
        return int(payload)
    if isinstance(payload, np.bool_):
        return bool(payload)
    return payload
