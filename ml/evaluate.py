"""Held-out evaluation of a consensus model: is its consensus closer to the experts than the trainee's contour was?

For every case and every simulated error kind (:data:`ml.data.ERROR_KINDS`) a trainee-like contour is drawn
(:func:`ml.data.simulate_trainee`); the model's consensus is computed from the image and that contour through the
whole inference pipeline (preprocessing, network, mapping back, post-processing), and both the trainee's contour
and the model's consensus are compared with the experts' consensus on the image grid, in mm, with the analysis
core's own metrics: myocardium Dice (:func:`backend.cmr.metrics.overlap_metrics`) and the Hausdorff distance and
mean surface distance of both walls together (:func:`backend.cmr.metrics.contour_distances`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from backend.cmr.consensus import consensus as fuse
from backend.cmr.contours import ContourSet, lv_regions, wall_contours
from backend.cmr.errors import CMRError
from backend.cmr.metrics import contour_distances, overlap_metrics

from .data import ERROR_KINDS, Case, valid_trainee


def agreement(a: ContourSet, b: ContourSet, *, shape: tuple[int, int], pixel_spacing_mm: tuple[float, float]) -> dict:
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
    walls_a = [w for w in wall_contours(a, shape) if w is not None]  # a mask without a cavity has no endocardium
    walls_b = [w for w in wall_contours(b, shape) if w is not None]
    d = contour_distances(walls_a, walls_b, pixel_spacing_mm=pixel_spacing_mm, step_mm=0.1)
    return {"dice": float(dice), "hd_mm": float(d.hausdorff_mm), "msd_mm": float(d.mean_surface_distance_mm)}


def expert_consensus(case: Case) -> ContourSet:
    """The experts' consensus of a case: its gold standard, an only expert's contours, or the majority vote."""
    targets = case.targets()
    if len(targets) == 1:
        return targets[0]
    return fuse(targets, np.shape(case.frame), method="majority").contours


def evaluate_cases(
    predict: Callable[[np.ndarray, ContourSet, tuple[float, float]], ContourSet],
    cases: Sequence[Case],
    *,
    kinds: Sequence[str] = ERROR_KINDS,
    seed: int = 1,
) -> dict:
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
            rows.append(
                {"case": case.name, "patient": case.patient, "kind": kind, "trainee": tr, "model": mo, "error": err}
            )
    return {
        "per_kind": {k: summarise([r for r in rows if r["kind"] == k]) for k in kinds},
        "overall": summarise(rows),
        "rows": rows,
    }


def summarise(rows: Sequence[dict]) -> dict:
    """Means and "model closer" fractions of a list of rows from :func:`evaluate_cases`."""
    if not rows:
        return {"n": 0}

    def mean(side: str, key: str) -> float:
        v = np.array([r[side][key] for r in rows], dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if len(v) else float("nan")

    closer_dice = np.mean([r["model"]["dice"] > r["trainee"]["dice"] for r in rows])
    closer_hd = np.mean(
        [np.isfinite(r["model"]["hd_mm"]) and r["model"]["hd_mm"] < r["trainee"]["hd_mm"] for r in rows]
    )
    return {
        "n": len(rows),
        "trainee": {k: mean("trainee", k) for k in ("dice", "hd_mm", "msd_mm")},
        "model": {k: mean("model", k) for k in ("dice", "hd_mm", "msd_mm")},
        "model_closer_dice": float(closer_dice),
        "model_closer_hd": float(closer_hd),
        "failures": sum(1 for r in rows if r["error"]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ml.evaluate --model DIR --data DIR --patients P[,P]``: a saved model on held-out cases.

    Prints, per simulated error kind, the trainee's and the model's Dice / HD / MSD against the experts and the
    fraction of inputs where the model is closer; ``--json OUT`` writes the whole result. Exit status 2 for bad
    arguments or data.
    """
    import argparse
    import json
    import sys
    from pathlib import Path

    from .data import load_sunnybrook_layout
    from .infer import ModelNotUsable, Predictor

    ap = argparse.ArgumentParser(prog="python -m ml.evaluate", description=(main.__doc__ or "").split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="model folder (model.keras + model_card.json)")
    ap.add_argument("--data", type=Path, required=True, help="folder in the layout of ../shared/data/scd-sunnybrook")
    ap.add_argument("--contours", type=Path, default=None)
    ap.add_argument("--patients", default=None, help="comma-separated patients (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    try:
        cases = load_sunnybrook_layout(a.data, a.contours, patients=a.patients.split(",") if a.patients else None)
        p = Predictor.load(a.model)
    except (FileNotFoundError, ModelNotUsable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ev = evaluate_cases(lambda f, t, s: p.predict(f, t, pixel_spacing_mm=s).consensus.contours, cases, seed=a.seed)
    print(f"{p.card.get('version')} on {len(cases)} case(s) of {sorted({c.patient for c in cases})}")
    print(
        f"{'kind':11} {'n':>3} {'trainee Dice':>12} {'model Dice':>10} {'trainee HD':>10} {'model HD':>8} "
        f"{'closer(Dice)':>12} {'closer(HD)':>10}"
    )
    for k, v in [*ev["per_kind"].items(), ("all", ev["overall"])]:
        if v.get("n"):
            print(
                f"{k:11} {v['n']:3d} {v['trainee']['dice']:12.3f} {v['model']['dice']:10.3f} "
                f"{v['trainee']['hd_mm']:10.2f} {v['model']['hd_mm']:8.2f} {v['model_closer_dice']:12.2f} "
                f"{v['model_closer_hd']:10.2f}"
            )
    if a.json:
        a.json.write_text(json.dumps(ev, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
