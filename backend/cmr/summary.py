"""The evaluation summary: what one assessment means, built once and stored (architecture convention 16).

:func:`evaluation_summary` turns the payload of :func:`backend.cmr.assessment.assess` and a set of
:class:`Tolerances` into a plain-JSON summary: per structure Dice / Jaccard / Hausdorff distance / HD95 / mean
surface distance, the myocardial map quantity (T1, T2 or T2*) for trainee and consensus with the delta, wall
thickness (mean and sectors) with deltas, the warnings a trainee should read, and the **verdict**: every tolerance
with its measured value, its limit, whether it passed and by how much, and one sentence naming what failed.

Every reader (the API, the feedback page, the home page, the overview, the PDFs, ``manage.py assess``) reads the
stored summary and never re-decides a rule; a tolerance that changes later does not change an old verdict (the
summary keeps the tolerances it was judged with).

Shape (all distances mm, times ms; ``None`` where a value is undefined)::

    {"version": 1,
     "map_quantity": "t1_ms" | "t2_ms" | "t2star_ms" | "signal" | None, "map_unit": "ms" | "a.u." | None,
     "agreement": {"myocardium" | "endocardium" | "epicardium": {"dice", "jaccard", "hausdorff_mm", "hd95_mm",
                   "mean_surface_distance_mm", "sensitivity", "specificity", "ppv", "npv"}} | None,
     "trainee": {"myocardium_area_mm2", "wall_thickness": {"mean_mm", "sectors_mm": [6], "sector_names": [6],
                 "min_mm", "max_mm"}, "map": {"quantity", "unit", "mean", "sd", "median", "iqr", "n_pixels",
                 "r2star_per_s", "iron_grade", "fit_model", "n_echoes_used"} | None},
     "consensus": same as "trainee" | None,
     "delta": {"map", "map_percent", "wall_thickness_mm", "wall_thickness_sectors_mm": [6],
               "myocardium_area_mm2"} | None,
     "tolerances": Tolerances.as_dict(),
     "verdict": {"result": "within" | "outside" | "not_assessed", "message", "failed": [quantity, ...],
                 "checks": [{"quantity", "label", "measured", "limit", "unit", "comparison", "passed", "margin",
                             "message"}]},
     "warnings": [{"code", "message"}],
     "error_classes": [{"structure", "kind", "size_mm", "sectors", "explanation", "map_effect"}],
     "segments": [{"name", "signed_distance_mm", "endocardium_mm", "epicardium_mm", "myocardium_excess_mm",
                   "delta_map"}] (6, or [])}

Tolerance defaults (:data:`DEFAULT_TOLERANCES`, the one place they are written; a dataset overrides them):

* myocardial Dice >= 0.85 (t1-t2-mapping: inter-expert Dice 90.8 %, their model vs experts 86.4 %);
* |dT1| <= 8.4 ms and |dWT| <= 1.5 mm (about what two reference operators differed by, Carapella et al.,
  Int J Cardiol 2020, as used by the founding paper's lab);
* |dT2| <= 2.2 ms: the largest difference between the three observers' median myocardial T2 in t1-t2-mapping
  Table 5 (49.5, 51.6, 51.7 ms);
* |dT2*| <= 10 % of the consensus T2*: an assumption (``../shared/docs/domain.md`` and the papers give no
  inter-observer figure for T2*); relative because T2* spans 3-40 ms. A site may set an absolute limit in ms
  instead (``t2star_ms``);
* HD95: no limit by default (optional; t1-t2-mapping's inter-expert Hausdorff distance is 2.65 mm).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any

SUMMARY_VERSION = 1


class VerdictResult(str, Enum):
    """The overall verdict of one evaluation."""

    WITHIN = "within"
    OUTSIDE = "outside"
    NOT_ASSESSED = "not_assessed"


class ToleranceQuantity(str, Enum):
    """What a tolerance limits."""

    DICE = "dice"
    T1 = "t1"
    T2 = "t2"
    T2STAR = "t2star"
    WALL_THICKNESS = "wall_thickness"
    HD95 = "hd95"


@dataclass(frozen=True)
class Tolerances:
    """The limits of expert agreement one evaluation is judged against (module docstring for the defaults).

    Attributes
    ----------
    dice : float
        Minimum myocardial Dice, 0..1.
    t1_ms, t2_ms : float
        Largest |trainee - consensus| myocardial T1 / T2 mean, ms.
    t2star_percent : float or None
        Largest |trainee - consensus| myocardial T2* as a percentage of the consensus T2*.
    t2star_ms : float or None
        Largest |dT2*| in ms; when set it is used instead of ``t2star_percent``.
    wall_thickness_mm : float
        Largest |trainee - consensus| mean wall thickness, mm.
    hd95_mm : float or None
        Largest HD95 of either wall (endocardium, epicardium), mm; None: not judged.
    """

    dice: float = 0.85
    t1_ms: float = 8.4
    t2_ms: float = 2.2
    t2star_percent: float | None = 10.0
    t2star_ms: float | None = None
    wall_thickness_mm: float = 1.5
    hd95_mm: float | None = None

    def __post_init__(self) -> None:
        if not (0.0 < self.dice <= 1.0):
            raise ValueError(f"The Dice tolerance must be between 0 and 1; got {self.dice}.")
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "dice" or v is None:
                continue
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"The {_TOLERANCE_WORDS[f.name]} tolerance must be a positive number; got {v!r}.")
        if self.t2star_percent is None and self.t2star_ms is None:
            raise ValueError("Give a T2* tolerance, in ms or in percent of the consensus T2*.")

    def as_dict(self) -> dict[str, float | None]:
        """Plain form, the same keys as the attributes."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Tolerances:
        """Defaults overridden by the keys of ``data`` (unknown keys raise ``ValueError``)."""
        data = dict(data or {})
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(
                f"Unknown tolerance(s) {', '.join(sorted(unknown))}; known: {', '.join(f.name for f in fields(cls))}."
            )
        return cls(**data)


_TOLERANCE_WORDS = {
    "t1_ms": "T1",
    "t2_ms": "T2",
    "t2star_percent": "T2* (%)",
    "t2star_ms": "T2* (ms)",
    "wall_thickness_mm": "wall-thickness",
    "hd95_mm": "HD95",
}

DEFAULT_TOLERANCES = Tolerances()
"""The default limits of expert agreement (module docstring for their sources)."""

_MAP_NAMES = {"t1_ms": "T1", "t2_ms": "T2", "t2star_ms": "T2*", "signal": "signal intensity"}
_MAP_TOLERANCE = {"t1_ms": ToleranceQuantity.T1, "t2_ms": ToleranceQuantity.T2, "t2star_ms": ToleranceQuantity.T2STAR}

# Flags of the analysis core, in a trainee's words. A flag not listed here is not shown (it is internal).
_WARNING_TEXT = {
    "trainee_empty": "Your contours enclose no pixel of this structure.",
    "reference_empty": "The consensus encloses no pixel of this structure.",
    "missing_contour": "Wall thickness needs both an endocardium and an epicardium.",
    "negative_area": "Your endocardium encloses more area than your epicardium, so no wall thickness can be measured.",
    "empty_sector": "One or more of the six sectors has no wall in it; its wall thickness is not measured.",
}


def _num(v: Any) -> float | None:
    """A finite float, or None."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


AGREEMENT_METRICS = (
    "dice",
    "jaccard",
    "hausdorff_mm",
    "hd95_mm",
    "mean_surface_distance_mm",
    "sensitivity",
    "specificity",
    "ppv",
    "npv",
)
"""The agreement numbers of each structure in the evaluation summary (distances in mm)."""


def _structure(d: dict) -> dict:
    return {k: _num(d.get(k)) for k in AGREEMENT_METRICS}


def _rater(r: dict) -> dict:
    wt = r["wall_thickness_mm"]
    m = r.get("map")
    mp = None
    if m:
        fit = m.get("fit") or {}
        mp = {
            "quantity": m["quantity"],
            "unit": "a.u." if m["quantity"] == "signal" else "ms",
            "mean": _num(m.get("mean")),
            "sd": _num(m.get("sd")),
            "median": _num(m.get("median")),
            "iqr": _num(m.get("iqr")),
            "n_pixels": int(m.get("n_pixels") or 0),
            "r2star_per_s": _num(m.get("r2star_per_s")),
            "iron_grade": r.get("iron_grade"),
            "fit_model": fit.get("model"),
            "n_echoes_used": fit.get("n_echoes_used"),
        }
    return {
        "myocardium_area_mm2": _num(r.get("myocardium_area_mm2")),
        "wall_thickness": {
            "mean_mm": _num(wt.get("mean")),
            "sectors_mm": [_num(v) for v in wt.get("sectors", [])],
            "sector_names": list(wt.get("sector_names", [])),
            "min_mm": _num(wt.get("local_min")),
            "max_mm": _num(wt.get("local_max")),
        },
        "map": mp,
    }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _fmt(v: float, digits: int) -> str:
    return f"{v:.{digits}f}"


def _signed(v: float, digits: int) -> str:
    return f"{v:+.{digits}f}"


def _at_least_check(quantity: ToleranceQuantity, label: str, value: float | None, limit: float) -> dict:
    check = {
        "quantity": quantity.value,
        "label": label,
        "measured": value,
        "limit": limit,
        "unit": "",
        "comparison": "at_least",
    }
    if value is None:
        return {**check, "passed": None, "margin": None, "message": f"{label} could not be measured."}
    margin = value - limit
    passed = value >= limit
    if passed:
        msg = f"{label} {_fmt(value, 3)} meets the minimum {_fmt(limit, 2)}."
    else:
        msg = f"{label} {_fmt(value, 3)} is {_fmt(-margin, 3)} below the minimum {_fmt(limit, 2)}."
    return {**check, "passed": passed, "margin": margin, "message": msg}


def _within_check(
    quantity: ToleranceQuantity, label: str, delta: float | None, limit: float, unit: str, digits: int, what: str
) -> dict:
    check = {
        "quantity": quantity.value,
        "label": label,
        "measured": delta,
        "limit": limit,
        "unit": unit,
        "comparison": "within",
    }
    if delta is None:
        return {**check, "passed": None, "margin": None, "message": f"{label} could not be measured."}
    margin = limit - abs(delta)
    passed = abs(delta) <= limit
    u = f" {unit}" if unit != "%" else " %"
    if passed:
        msg = f"{label}: {what} {_signed(delta, digits)}{u}, within the limit of ±{_fmt(limit, digits)}{u}."
    else:
        msg = (
            f"{label}: {what} {_signed(delta, digits)}{u}, {_fmt(-margin, digits)}{u} over the limit of "
            f"±{_fmt(limit, digits)}{u}."
        )
    return {**check, "passed": passed, "margin": margin, "message": msg}


def _upper_check(quantity: ToleranceQuantity, label: str, value: float | None, limit: float, unit: str) -> dict:
    check = {
        "quantity": quantity.value,
        "label": label,
        "measured": value,
        "limit": limit,
        "unit": unit,
        "comparison": "at_most",
    }
    if value is None:
        return {**check, "passed": None, "margin": None, "message": f"{label} could not be measured."}
    margin = limit - value
    passed = value <= limit
    if passed:
        msg = f"{label} {_fmt(value, 2)} {unit}, within the limit of {_fmt(limit, 2)} {unit}."
    else:
        msg = f"{label} {_fmt(value, 2)} {unit}, {_fmt(-margin, 2)} {unit} over the limit of {_fmt(limit, 2)} {unit}."
    return {**check, "passed": passed, "margin": margin, "message": msg}


def _checks(
    *,
    quantity: str | None,
    dice: float | None,
    delta_map: float | None,
    delta_map_percent: float | None,
    delta_wall_thickness_mm: float | None,
    hd95_mm: float | None,
    tol: Tolerances,
) -> list[dict]:
    out = [_at_least_check(ToleranceQuantity.DICE, "Myocardial Dice", dice, tol.dice)]
    if quantity in _MAP_TOLERANCE:
        label = f"Myocardial {_MAP_NAMES[quantity]}"
        if quantity == "t2star_ms" and tol.t2star_ms is None:
            assert tol.t2star_percent is not None
            out.append(
                _within_check(
                    ToleranceQuantity.T2STAR, label, delta_map_percent, tol.t2star_percent, "%", 1, "differs by"
                )
            )
        else:
            limit = {"t1_ms": tol.t1_ms, "t2_ms": tol.t2_ms, "t2star_ms": tol.t2star_ms}[quantity]
            assert limit is not None
            out.append(_within_check(_MAP_TOLERANCE[quantity], label, delta_map, limit, "ms", 1, "differs by"))
    out.append(
        _within_check(
            ToleranceQuantity.WALL_THICKNESS,
            "Mean wall thickness",
            delta_wall_thickness_mm,
            tol.wall_thickness_mm,
            "mm",
            2,
            "differs by",
        )
    )
    if tol.hd95_mm is not None:
        out.append(_upper_check(ToleranceQuantity.HD95, "HD95 (worse wall)", hd95_mm, tol.hd95_mm, "mm"))
    return out


def verdict_for(
    *,
    quantity: str | None,
    dice: float | None,
    delta_map: float | None = None,
    delta_map_percent: float | None = None,
    delta_wall_thickness_mm: float | None = None,
    hd95_mm: float | None = None,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
) -> dict:
    """The verdict on measured agreement: every tolerance checked, the overall result and its sentence.

    The rule is written here only; :func:`evaluation_summary` calls it on an assessment, and synthetic report data
    (``reports/sample.py``) on made-up numbers.

    Parameters
    ----------
    quantity : {"t1_ms", "t2_ms", "t2star_ms", "signal"} or None
        The map quantity; only T1, T2 and T2* have a tolerance.
    dice : float or None
        Myocardial Dice, 0..1.
    delta_map : float or None
        Trainee minus consensus myocardial mean, ms.
    delta_map_percent : float or None
        The same in % of the consensus (used for T2* with a relative tolerance).
    delta_wall_thickness_mm : float or None
        Trainee minus consensus mean wall thickness, mm.
    hd95_mm : float or None
        The worse wall's HD95, mm (judged only when ``tolerances.hd95_mm`` is set).
    tolerances : Tolerances

    Returns
    -------
    dict
        ``{"result": "within" | "outside" | "not_assessed", "message", "failed": [quantity], "checks": [...]}``
        (module docstring). A value of None is "not measured": it never passes; the result is "outside" when any
        measured tolerance failed, "within" when every measured one passed and Dice was measured.
    """
    checks = _checks(
        quantity=quantity,
        dice=_num(dice),
        delta_map=_num(delta_map),
        delta_map_percent=_num(delta_map_percent),
        delta_wall_thickness_mm=_num(delta_wall_thickness_mm),
        hd95_mm=_num(hd95_mm),
        tol=tolerances,
    )
    return _verdict(checks, None)


def _verdict(checks: list[dict], no_consensus_reason: str | None) -> dict:
    if no_consensus_reason is not None:
        return {"result": VerdictResult.NOT_ASSESSED.value, "message": no_consensus_reason, "failed": [], "checks": []}
    failed = [c for c in checks if c["passed"] is False]
    measured = [c for c in checks if c["passed"] is not None]
    if failed:
        parts = [c["message"] for c in failed]
        msg = "Outside expert agreement. " + " ".join(parts)
        result = VerdictResult.OUTSIDE
    elif measured and measured[0]["quantity"] == ToleranceQuantity.DICE.value:
        names = ", ".join(c["label"][:1].lower() + c["label"][1:] if i else c["label"] for i, c in enumerate(measured))
        msg = f"Within expert agreement on all {len(measured)} tolerances ({names})."
        unmeasured = [c["label"] for c in checks if c["passed"] is None]
        if unmeasured:
            msg += f" Not measured: {', '.join(unmeasured)}."
        result = VerdictResult.WITHIN
    else:
        msg = "Not assessed. The agreement with the consensus could not be measured on these contours."
        result = VerdictResult.NOT_ASSESSED
    return {"result": result.value, "message": msg, "failed": [c["quantity"] for c in failed], "checks": checks}


def _warnings(payload: dict) -> list[dict]:
    seen: dict[str, str] = {}
    for w in payload.get("warnings") or []:
        seen.setdefault(w["code"], w["message"])
    a = payload.get("agreement") or {}
    for s in ("myocardium", "endocardium", "epicardium"):
        for f in (a.get(s) or {}).get("flags", []):
            if f in _WARNING_TEXT:
                seen.setdefault(f, f"{s.capitalize()}: {_WARNING_TEXT[f]}")
    for f in payload["trainee"]["wall_thickness_mm"].get("flags", []):
        if f in _WARNING_TEXT:
            seen.setdefault(f, _WARNING_TEXT[f])
    m = payload["trainee"].get("map") or {}
    iron = m.get("iron") or {}
    if m.get("quantity") == "t2star_ms" and iron.get("grade") is None and iron.get("reason"):
        seen.setdefault("no_iron_grade", f"No iron grade: {iron['reason']}")
    return [{"code": k, "message": v} for k, v in seen.items()]


def evaluation_summary(
    payload: dict, tolerances: Tolerances = DEFAULT_TOLERANCES, *, no_consensus_reason: str | None = None
) -> dict:
    """Build the evaluation summary (module docstring) of one assessment.

    Parameters
    ----------
    payload : dict
        ``Assessment.payload`` of :func:`backend.cmr.assessment.assess`, raw or after
        :func:`backend.cmr.assessment.to_json_ready` (NaN and None both read as undefined).
    tolerances : Tolerances
        The limits to judge against (a dataset's, or :data:`DEFAULT_TOLERANCES`).
    no_consensus_reason : str or None
        Why there is no consensus (e.g. "This case has no gold-standard contours yet."): the verdict is then
        ``not_assessed`` with this message. Default when the payload has no reference: a generic sentence.

    Returns
    -------
    dict
        Plain JSON (no NaN), shape in the module docstring.

    Raises
    ------
    KeyError
        The payload lacks the keys ``trainee`` / ``agreement`` / ``reference`` / ``delta`` of ``assess``.
    """
    ref = payload.get("reference")
    quantity = (payload.get("delta") or {}).get("map_quantity") or (
        (payload["trainee"].get("map") or {}).get("quantity")
    )
    summary: dict[str, Any] = {
        "version": SUMMARY_VERSION,
        "map_quantity": quantity,
        "map_unit": None if quantity is None else ("a.u." if quantity == "signal" else "ms"),
        "agreement": None,
        "trainee": _rater(payload["trainee"]),
        "consensus": None,
        "delta": None,
        "tolerances": tolerances.as_dict(),
        "verdict": None,
        "warnings": _warnings(payload),
        "error_classes": [dict(e) for e in payload.get("error_classes") or []],
        "segments": [dict(g) for g in payload.get("segments") or []],
    }
    if ref is None or payload.get("agreement") is None:
        reason = no_consensus_reason or "There is no consensus to compare with; your own values are shown."
        summary["verdict"] = _verdict([], f"Not assessed. {reason}")
        return summary
    summary["agreement"] = {s: _structure(payload["agreement"][s]) for s in ("myocardium", "endocardium", "epicardium")}
    t, c = summary["trainee"], _rater(ref)
    summary["consensus"] = c
    tm, cm = t["map"], c["map"]
    dmap = _diff(tm and tm["mean"], cm and cm["mean"])
    summary["delta"] = {
        "map": dmap,
        "map_percent": (None if dmap is None or not cm or not cm["mean"] else 100.0 * dmap / cm["mean"]),
        "wall_thickness_mm": _diff(t["wall_thickness"]["mean_mm"], c["wall_thickness"]["mean_mm"]),
        "wall_thickness_sectors_mm": [
            _diff(a, b)
            for a, b in zip(t["wall_thickness"]["sectors_mm"], c["wall_thickness"]["sectors_mm"], strict=True)
        ],
        "myocardium_area_mm2": _diff(t["myocardium_area_mm2"], c["myocardium_area_mm2"]),
    }
    agreement = summary["agreement"]
    walls = [agreement["endocardium"]["hd95_mm"], agreement["epicardium"]["hd95_mm"]]
    summary["verdict"] = verdict_for(
        quantity=quantity,
        dice=agreement["myocardium"]["dice"],
        delta_map=dmap,
        delta_map_percent=summary["delta"]["map_percent"],
        delta_wall_thickness_mm=summary["delta"]["wall_thickness_mm"],
        hd95_mm=None if any(v is None for v in walls) else max(walls),
        tolerances=tolerances,
    )
    return summary
