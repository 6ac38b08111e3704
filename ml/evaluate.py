"""Held-out evaluation of a consensus model: is its consensus closer to the experts than the trainee's contour was?

For every case and every simulated error kind (:data:`ml.data.ERROR_KINDS`) a trainee-like contour is drawn
(:func:`ml.data.simulate_trainee`); the model's consensus is computed from the image and that contour through the
whole inference pipeline (preprocessing, network, mapping back, post-processing), and both the trainee's contour
and the model's consensus are compared with the experts' consensus on the image grid, in mm, with the analysis
core's own metrics: myocardium Dice (:func:`backend.cmr.metrics.overlap_metrics`) and the Hausdorff distance and
mean surface distance of both walls together (:func:`backend.cmr.metrics.contour_distances`).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from backend.cmr.consensus import consensus as fuse
from backend.cmr.contours import ContourSet, lv_regions, wall_contours
from backend.cmr.errors import CMRError
from backend.cmr.metrics import contour_distances, overlap_metrics

from .data import ERROR_KINDS, Case, valid_trainee


def agreement(a: ContourSet, b: ContourSet, *, shape: tuple[int, int],
              pixel_spacing_mm: tuple[float, float]) -> dict:
    """Myocardium Dice, Hausdorff distance and mean surface distance (both walls) of ``a`` against ``b``.

    Parameters
    ----------
    a, b : ContourSet
    shape : (rows, columns)
    pixel_spacing_mm : (dy, dx), mm

    Returns
    -------
    dict
        ``{"dice": float, "hd_mm": float, "msd_mm": float}``
    """
    dice = overlap_metrics(lv_regions(a, shape).myocardium, lv_regions(b, shape).myocardium).dice
    d = contour_distances(list(wall_contours(a, shape)), list(wall_contours(b, shape)),
                          pixel_spacing_mm=pixel_spacing_mm, step_mm=0.1)
    return {"dice": float(dice), "hd_mm": float(d.hausdorff_mm), "msd_mm": float(d.mean_surface_distance_mm)}


def expert_consensus(case: Case) -> ContourSet:
    """The experts' consensus of a case: its gold standard, an only expert's contours, or the majority vote."""
    targets = case.targets()
    if len(targets) == 1:
        return targets[0]
    return fuse(targets, np.shape(case.frame), method="majority").contours


def evaluate_cases(predict: Callable[[np.ndarray, ContourSet, tuple[float, float]], ContourSet],
                   cases: Sequence[Case], *, kinds: Sequence[str] = ERROR_KINDS, seed: int = 1) -> dict:
    """Trainee vs expert and model vs expert, per error kind.

    Parameters
    ----------
    predict : callable (frame, trainee ContourSet, pixel spacing) -> consensus ContourSet
        The model's consensus (e.g. ``lambda f, t, s: predictor.predict(f, t, pixel_spacing_mm=s).consensus.contours``).
    cases : sequence of Case
        Held-out cases with expert contours.
    kinds : sequence of str
    seed : int
        Seed of the simulated trainee errors.

    Returns
    -------
    dict
        ``{"per_kind": {kind: {"n", "trainee": {dice, hd_mm, msd_mm}, "model": {...}, "model_closer_dice",
        "model_closer_hd", "failures"}}, "overall": {...}, "rows": [one dict per input]}``. Means over inputs;
        ``model_closer_*`` is the fraction of inputs where the model's consensus is closer to the experts than the
        trainee's contour (higher Dice, lower HD); a failure (no plausible myocardium) counts as not closer and is
        listed.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for case in cases:
        shape = np.shape(case.frame)
        ref = expert_consensus(case)
        for kind in kinds:
            trainee = valid_trainee(case.experts[0], kind, rng, image_shape=shape)
            if trainee is None:
                continue
            tr = agreement(trainee, ref, shape=shape, pixel_spacing_mm=case.pixel_spacing_mm)
            try:
                m = predict(case.frame, trainee, case.pixel_spacing_mm)
                mo = agreement(m, ref, shape=shape, pixel_spacing_mm=case.pixel_spacing_mm)
                err = ""
            except CMRError as exc:
                mo, err = {"dice": 0.0, "hd_mm": float("nan"), "msd_mm": float("nan")}, str(exc)
            rows.append({"case": case.name, "patient": case.patient, "kind": kind, "trainee": tr, "model": mo,
                         "error": err})
    return {"per_kind": {k: summarise([r for r in rows if r["kind"] == k]) for k in kinds},
            "overall": summarise(rows), "rows": rows}


def summarise(rows: Sequence[dict]) -> dict:
    """Means and "model closer" fractions of a list of rows from :func:`evaluate_cases`."""
    if not rows:
        return {"n": 0}

    def mean(side: str, key: str) -> float:
        v = np.array([r[side][key] for r in rows], dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if len(v) else float("nan")

    closer_dice = np.mean([r["model"]["dice"] > r["trainee"]["dice"] for r in rows])
    closer_hd = np.mean([np.isfinite(r["model"]["hd_mm"]) and r["model"]["hd_mm"] < r["trainee"]["hd_mm"]
                         for r in rows])
    return {"n": len(rows),
            "trainee": {k: mean("trainee", k) for k in ("dice", "hd_mm", "msd_mm")},
            "model": {k: mean("model", k) for k in ("dice", "hd_mm", "msd_mm")},
            "model_closer_dice": float(closer_dice), "model_closer_hd": float(closer_hd),
            "failures": sum(1 for r in rows if r["error"])}
