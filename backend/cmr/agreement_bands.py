"""Tolerance bands from a site's own experts: inter-expert agreement per case and over a dataset.

When a case has two or more individual expert contour sets, how far the experts differ from one another is the
natural tolerance for a trainee (Carapella et al., Int J Cardiol 2020, compared two reference operators the same
way). Each pair of experts is run through the analysis core exactly as a trainee is judged against a consensus
(:func:`backend.cmr.assessment.assess`, then :func:`backend.cmr.summary.evaluation_summary`), so the numbers mean
what the verdict's numbers mean:

* myocardial Dice;
* HD95 of the **worse** wall (the larger of the endocardial and epicardial HD95, as the verdict's HD95 check), mm;
* |d map|: the absolute difference of the myocardial map means (T1 or T2 in ms, T2* in % of the first expert's,
  none for a magnitude image);
* |dWT|: the absolute difference of the mean wall thickness, mm.

Per case, with more than two experts, every pair is computed and the case's value is the **mean over pairs**
(one pair: its value). Over a dataset the proposed tolerance is the **median over cases** of the case values
(rounded outwards: Dice down to 0.01, the others up to 0.1). Why the median: the literature defaults
(:data:`backend.cmr.summary.DEFAULT_TOLERANCES`: |dT1| 8.4 ms, |dWT| 1.5 mm from Carapella's two operators; Dice
0.85) are *typical* inter-expert differences (means), not worst cases; the median is the robust typical value, and
with the few cases a site usually has (say 5-10) a high percentile is just the worst case, which one badly drawn
expert contour would set. The 90th percentile is reported beside it, so a supervisor who wants a looser band sees
it. The tolerance is then as strict as a typical pair of the site's experts: about half the experts' own pairs
would pass it, which is what "within expert agreement" means with a median.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .assessment import assess, to_json_ready
from .contours import ContourSet
from .dicom import CMRImage
from .summary import evaluation_summary

METRICS: tuple[str, ...] = ("dice", "hd95_mm", "abs_delta_map", "abs_delta_wall_thickness_mm")
"""The per-pair numbers (module docstring)."""

_MAP_TOLERANCE_FIELD = {"t1_ms": "tolerance_t1_ms", "t2_ms": "tolerance_t2_ms", "t2star_ms": "tolerance_t2star_percent"}
"""Which dataset tolerance a map difference proposes (T2* relative, as the default)."""


def _num(v: Any) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else float(v)


def pair_agreement(image: CMRImage, first: ContourSet, second: ContourSet, *, map_choice: str = "auto") -> dict:
    """Agreement of two experts' contours on one image, through ``assess`` and ``evaluation_summary``.

    Parameters
    ----------
    image : CMRImage
    first, second : ContourSet
        ``first`` plays the consensus (its map mean is the reference of a T2* percentage), ``second`` the trainee.
    map_choice : str
        As :func:`backend.cmr.assessment.resolve_map`.

    Returns
    -------
    dict
        ``{"dice", "hd95_mm", "abs_delta_map", "abs_delta_wall_thickness_mm", "map_quantity"}``; None where
        undefined (``abs_delta_map`` for a magnitude image, HD95 for mask-only contours). ``abs_delta_map`` is in
        ms for T1/T2 and in % of the first expert's T2* for T2*.

    Raises
    ------
    CMRError
        Contours invalid for this image.
    """
    s = evaluation_summary(to_json_ready(assess(image, second, first, map_choice=map_choice).payload))
    ag, delta = s["agreement"], s["delta"]
    walls = [_num(ag["endocardium"]["hd95_mm"]), _num(ag["epicardium"]["hd95_mm"])]
    q = s["map_quantity"]
    dmap = delta["map_percent"] if q == "t2star_ms" else delta["map"]
    dwt = _num(delta["wall_thickness_mm"])
    return {
        "dice": _num(ag["myocardium"]["dice"]),
        "hd95_mm": None if any(w is None for w in walls) else max(w for w in walls if w is not None),
        "abs_delta_map": None if q in (None, "signal") or _num(dmap) is None else abs(float(dmap)),
        "abs_delta_wall_thickness_mm": None if dwt is None else abs(dwt),
        "map_quantity": q,
    }


def case_agreement(image: CMRImage, experts: Sequence[ContourSet], *, map_choice: str = "auto") -> dict:
    """Inter-expert agreement on one case: every pair, and the mean over pairs.

    Parameters
    ----------
    image : CMRImage
    experts : sequence of ContourSet
        Two or more individual experts' contours of the image, in a fixed order (pair ``(i, j)``, ``i < j``).

    Returns
    -------
    dict
        ``{"n_experts", "map_quantity", "pairs": [{"experts": [i, j], **pair_agreement}], "mean": {metric: value}}``
        (indices from 0; ``mean`` None per metric where no pair defines it).

    Raises
    ------
    ValueError
        Fewer than two experts.
    """
    if len(experts) < 2:
        raise ValueError(f"Inter-expert agreement needs two or more expert contour sets, not {len(experts)}.")
    pairs = []
    for i, j in itertools.combinations(range(len(experts)), 2):
        pairs.append({"experts": [i, j], **pair_agreement(image, experts[i], experts[j], map_choice=map_choice)})
    mean: dict[str, float | None] = {}
    for m in METRICS:
        vals = [p[m] for p in pairs if p[m] is not None]
        mean[m] = float(np.mean(vals)) if vals else None
    return {"n_experts": len(experts), "map_quantity": pairs[0]["map_quantity"], "pairs": pairs, "mean": mean}


def _round_out(v: float, *, down: bool, step: float) -> float:
    f = math.floor if down else math.ceil
    return round(f(round(v / step, 9)) * step, 6)


def proposed_tolerances(cases: Sequence[dict]) -> dict:
    """The dataset tolerances the experts' own agreement proposes (module docstring: median over cases).

    Parameters
    ----------
    cases : sequence of dict
        :func:`case_agreement` results, one per case with two or more experts.

    Returns
    -------
    dict
        ``{"n_cases", "n_pairs", "max_experts", "statistic": "median over cases", "tolerances": {dataset field:
        value}, "basis": [{"field", "metric", "map_quantity", "n_cases", "median", "p90", "min", "max"}]}``.
        ``tolerances`` names dataset fields (``tolerance_dice``, ``tolerance_hd95_mm``,
        ``tolerance_wall_thickness_mm`` and the map's: ``tolerance_t1_ms``, ``tolerance_t2_ms`` or
        ``tolerance_t2star_percent``), only those some case defines; empty without cases.
    """
    groups: list[tuple[str, str, str | None, list[float]]] = [
        ("tolerance_dice", "dice", None, []),
        ("tolerance_hd95_mm", "hd95_mm", None, []),
        ("tolerance_wall_thickness_mm", "abs_delta_wall_thickness_mm", None, []),
    ]
    groups += [(field, "abs_delta_map", q, []) for q, field in _MAP_TOLERANCE_FIELD.items()]
    for c in cases:
        for _field, metric, q, vals in groups:
            if q is not None and c["map_quantity"] != q:
                continue
            v = c["mean"][metric]
            if v is not None:
                vals.append(float(v))
    tolerances: dict[str, float] = {}
    basis = []
    for field, metric, q, vals in groups:
        if not vals:
            continue
        a = np.asarray(vals)
        med = float(np.median(a))
        dice = metric == "dice"
        tolerances[field] = _round_out(med, down=dice, step=0.01 if dice else 0.1)
        basis.append(
            {
                "field": field,
                "metric": metric,
                "map_quantity": q,
                "n_cases": int(a.size),
                "median": med,
                # Dice is a lower limit: its loose end is the 10th percentile.
                "p90": float(np.percentile(a, 10 if dice else 90)),
                "min": float(a.min()),
                "max": float(a.max()),
            }
        )
    return {
        "n_cases": len(cases),
        "n_pairs": sum(len(c["pairs"]) for c in cases),
        "max_experts": max((c["n_experts"] for c in cases), default=0),
        "statistic": "median over cases",
        "tolerances": tolerances,
        "basis": basis,
    }
