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
        ``{"dice": float, "hd_mm": float, "hd95_mm": float, "msd_mm": float}``
    """
    dice = overlap_metrics(lv_regions(a, shape).myocardium, lv_regions(b, shape).myocardium).dice
    walls_a = [w for w in wall_contours(a, shape) if w is not None]  # a mask without a cavity has no endocardium
    walls_b = [w for w in wall_contours(b, shape) if w is not None]
    d = contour_distances(walls_a, walls_b, pixel_spacing_mm=pixel_spacing_mm, step_mm=0.1)
    return {
        "dice": float(dice),
        "hd_mm": float(d.hausdorff_mm),
        "hd95_mm": float(d.hd95_mm),
        "msd_mm": float(d.mean_surface_distance_mm),
    }


def expert_consensus(case: Case) -> ContourSet:
    """The experts' consensus of a case: its gold standard, an only expert's contours, or the majority vote."""
    targets = case.targets()
    if len(targets) == 1:
        return targets[0]
    return fuse(targets, np.shape(case.frame), method="majority").contours


def evaluate_cases(
    predict: Callable[[np.ndarray, ContourSet, tuple[float, float]], ContourSet | tuple[ContourSet, str]],
    cases: Sequence[Case],
    *,
    kinds: Sequence[str] = ERROR_KINDS,
    seed: int = 1,
) -> dict:
    """Trainee vs expert and model vs expert, per error kind.

    Parameters
    ----------
    predict : callable (frame, trainee ContourSet, pixel spacing) -> consensus ContourSet, or (ContourSet, reason)
        The model's consensus (e.g. :func:`predict_fn`); a non-empty reason means the model abstained.
    cases : sequence of Case
        Held-out cases with expert contours.
    kinds : sequence of str
    seed : int
        Seed of the simulated trainee errors.

    Returns
    -------
    dict
        ``{"per_kind": {kind: summary}, "per_source": {case source: summary}, "overall": summary, "erroneous":
        summary of the inputs with an error, "rows": [one dict per input]}`` (:func:`summarise`). Only
        myocardium-labelled cases are evaluated.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for case in cases:
        if case.labelled != "myocardium":
            continue  # an endocardium-only case has no myocardium to compare
        shape = np.shape(case.frame)
        ref = expert_consensus(case)
        for kind in kinds:
            trainee = valid_trainee(case.experts[0], kind, rng, image_shape=shape)
            if trainee is None:
                continue
            tr = agreement(trainee, ref, shape=shape, pixel_spacing_mm=case.pixel_spacing_mm)
            abstained = ""
            try:
                m = predict(case.frame, trainee, case.pixel_spacing_mm)
                if isinstance(m, tuple):
                    m, abstained = m
                mo = agreement(m, ref, shape=shape, pixel_spacing_mm=case.pixel_spacing_mm)
                err = ""
            except CMRError as exc:
                mo = {"dice": 0.0, "hd_mm": float("nan"), "hd95_mm": float("nan"), "msd_mm": float("nan")}
                err = str(exc)
            rows.append(
                {
                    "case": case.name,
                    "patient": case.patient,
                    "source": case.source,
                    "kind": kind,
                    "trainee": tr,
                    "model": mo,
                    "error": err,
                    "abstained": bool(abstained or err),
                    "abstain_reason": abstained or err,
                }
            )
    return {
        "per_kind": {k: summarise([r for r in rows if r["kind"] == k]) for k in kinds},
        "per_source": {
            s: summarise([r for r in rows if r["source"] == s]) for s in sorted({str(r["source"]) for r in rows})
        },
        "overall": summarise(rows),
        "erroneous": summarise([r for r in rows if r["kind"] != "exact"]),
        "rows": rows,
    }


def predict_fn(predictor) -> Callable[[np.ndarray, ContourSet, tuple[float, float]], tuple[ContourSet, str]]:
    """``predict`` for :func:`evaluate_cases` from an :class:`ml.infer.Predictor` (with its uncertainty)."""

    def predict(frame: np.ndarray, trainee: ContourSet, spacing: tuple[float, float]) -> tuple[ContourSet, str]:
        p = predictor.predict(frame, trainee, pixel_spacing_mm=spacing)
        return p.consensus.contours, (p.uncertainty.abstain_reason if p.uncertainty else "")

    return predict


METRICS = ("dice", "hd_mm", "hd95_mm", "msd_mm")


def summarise(rows: Sequence[dict]) -> dict:
    """Means, "model closer" fractions and the abstention rate of rows from :func:`evaluate_cases`.

    ``trainee``: the same-run baseline "consensus = the trainee's contour" (all inputs). ``model``: means over the
    inputs the model scored (it did not abstain). ``model_closer_dice`` / ``_hd``: fraction of *all* inputs where the
    model's consensus is closer to the experts than the trainee's contour (an abstention counts as not closer);
    ``*_scored``: the same over the scored inputs. ``exact_msd_mm_max``: the largest MSD between the model and the
    experts when the trainee's contour was the experts' own (how far an exact input is moved).
    """
    if not rows:
        return {"n": 0}
    scored = [r for r in rows if not r.get("abstained")]

    def mean(rs: Sequence[dict], side: str, key: str) -> float:
        v = np.array([r[side].get(key, np.nan) for r in rs], dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if len(v) else float("nan")

    def closer(rs: Sequence[dict], key: str) -> float:
        if not rs:
            return float("nan")
        if key == "dice":
            return float(np.mean([not r.get("abstained") and r["model"]["dice"] > r["trainee"]["dice"] for r in rs]))
        return float(
            np.mean(
                [
                    not r.get("abstained") and np.isfinite(r["model"][key]) and r["model"][key] < r["trainee"][key]
                    for r in rs
                ]
            )
        )

    exact = [r["model"]["msd_mm"] for r in scored if r["kind"] == "exact" and np.isfinite(r["model"]["msd_mm"])]
    return {
        "n": len(rows),
        "n_scored": len(scored),
        "abstention_rate": 1 - len(scored) / len(rows),
        "trainee": {k: mean(rows, "trainee", k) for k in METRICS},
        "model": {k: mean(scored, "model", k) for k in METRICS},
        "model_closer_dice": closer(rows, "dice"),
        "model_closer_hd": closer(rows, "hd_mm"),
        "model_closer_dice_scored": closer(scored, "dice"),
        "model_closer_hd_scored": closer(scored, "hd_mm"),
        "exact_msd_mm_max": max(exact) if exact else None,
        "failures": sum(1 for r in rows if r["error"]),
    }


def holdout_record(ev: dict, cases: Sequence[Case]) -> dict:
    """The ``holdout`` section of a model card from an :func:`evaluate_cases` result (rows dropped)."""
    return {
        "patients": sorted({c.patient for c in cases}),
        "n_cases": sum(1 for c in cases if c.labelled == "myocardium"),
        "per_kind": ev["per_kind"],
        "per_source": ev["per_source"],
        "overall": ev["overall"],
        "erroneous": ev["erroneous"],
    }


def _print_table(ev: dict) -> None:
    print(
        f"{'inputs':14} {'n':>4} {'trainee Dice':>12} {'model Dice':>10} {'trainee HD95':>12} {'model HD95':>10} "
        f"{'trainee MSD':>11} {'model MSD':>9} {'closer(Dice)':>12} {'abstained':>9}"
    )
    groups = [*ev["per_kind"].items(), *((f"[{k}]", v) for k, v in ev["per_source"].items())]
    for k, v in [*groups, ("erroneous", ev["erroneous"]), ("all", ev["overall"])]:
        if v.get("n"):
            t, m = v["trainee"], v["model"]
            print(
                f"{k:14} {v['n']:4d} {t['dice']:12.3f} {m['dice']:10.3f} {t['hd95_mm']:12.2f} {m['hd95_mm']:10.2f} "
                f"{t['msd_mm']:11.2f} {m['msd_mm']:9.2f} {v['model_closer_dice']:12.2f} {v['abstention_rate']:9.2f}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ml.evaluate --model DIR --data DIR [--contours DIR_SAV]``: a saved model on held-out cases.

    Prints, per simulated error kind and per image source, the trainee's (the baseline "consensus = the trainee's
    contour") and the model's Dice / HD95 / MSD against the experts, the fraction of inputs where the model is
    closer, and how often it abstained. ``--data`` is a folder in the layout of ``../shared/data/scd-sunnybrook``
    (SAV contours in ``--contours``, default ``DATA-sav``); ``--shared DIR`` instead reads every Sunnybrook patient of
    the shared data folder (:func:`ml.datasets.shared_training_cases`, with synthetic T1 / T2 maps of their anatomy)
    and, by default, evaluates the patients the card says were held out. ``--update-card`` writes the result into
    the model card (``holdout``), which the application's activation check reads. ``--json OUT`` writes the whole
    result. Exit status 2 for bad arguments or data.
    """
    import argparse
    import json
    import sys
    from pathlib import Path

    from .data import load_sunnybrook_layout
    from .infer import CARD_FILE, ModelNotUsable, Predictor, uncertainty_spec

    ap = argparse.ArgumentParser(prog="python -m ml.evaluate", description=(main.__doc__ or "").split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="model folder (model.keras + model_card.json)")
    ap.add_argument("--data", type=Path, default=None, help="folder in the layout of ../shared/data/scd-sunnybrook")
    ap.add_argument("--contours", type=Path, default=None, help="its SAV folder (default: DATA-sav)")
    ap.add_argument("--shared", type=Path, default=None, help="the shared data folder (all Sunnybrook layouts)")
    ap.add_argument("--patients", default=None, help="comma-separated patients (default: all, or the card's holdout)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--update-card", action="store_true", help="write the result into the model card")
    a = ap.parse_args(argv)
    if (a.data is None) == (a.shared is None):
        print("error: give exactly one of --data and --shared", file=sys.stderr)
        return 2
    try:
        p = Predictor.load(a.model)
        patients = a.patients.split(",") if a.patients else None
        if a.shared is not None:
            from .datasets import shared_training_cases

            if patients is None:
                patients = (p.card.get("data") or {}).get("holdout_patients") or None
            cases = [c for c in shared_training_cases(a.shared, seed=a.seed) if c.labelled == "myocardium"]
            if patients is not None:
                cases = [c for c in cases if c.patient in set(patients)]
            if not cases:
                raise FileNotFoundError(f"no case of {patients or 'any patient'} in {a.shared}")
        else:
            cases = load_sunnybrook_layout(a.data, a.contours, patients=patients)
    except (FileNotFoundError, ModelNotUsable, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ev = evaluate_cases(predict_fn(p), cases, seed=a.seed)
    print(f"{p.card.get('version')} on {len(cases)} case(s) of {sorted({c.patient for c in cases})}")
    _print_table(ev)
    if a.json:
        a.json.write_text(json.dumps(ev, indent=2, default=float))
    if a.update_card:
        from .train import _clean, card_summary

        card = dict(p.card)
        card["holdout"] = _clean(holdout_record(ev, cases))
        card["uncertainty"] = uncertainty_spec()
        (a.model / CARD_FILE).write_text(json.dumps(card, indent=2))
        (a.model / "model_card.md").write_text(card_summary(card))
        print(f"updated {a.model / CARD_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
