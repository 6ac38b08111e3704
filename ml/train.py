"""Train the consensus CNN, with cross-validation split by patient, and write the model and its model card.

Command line::

    python -m ml.train --data ../shared/data/scd-sunnybrook --patients SC-HF-I-1 --holdout SC-HF-I-2 \\
        --phantoms 60 --head unet --folds 3 --epochs 20 --out var/models/unet

writes ``OUT/model.keras``, ``OUT/model_card.json`` and ``OUT/model_card.md`` (data, split, per-fold and held-out
Dice / HD / MSD, training time, library versions, the preprocessing and post-processing constants) and prints its
progress. ``--data`` is a folder in the layout of ``../shared/data/scd-sunnybrook`` (its contours in the sibling
``-sav`` folder, or ``--contours``); without ``--data`` only phantoms are used. The application calls :func:`train`
directly with the cases of its datasets.

Cross-validation (eriksen: three-fold): the training patients are split into folds by patient
(:func:`ml.data.patient_folds`); one model per fold is trained on the other folds and evaluated on its fold's cases
through the whole inference pipeline; then the delivered model is trained on all training patients. Patients named
in ``--holdout`` are never trained on; the model is evaluated on them at the end, per simulated error kind
(:func:`ml.evaluate.evaluate_cases`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from backend.cmr.errors import CMRError

from .data import ERROR_KINDS, Case, build_samples, load_sunnybrook_layout, patient_folds, phantom_cases
from .evaluate import evaluate_cases, holdout_record, predict_fn
from .infer import CARD_FILE, MODEL_FILE, Predictor, uncertainty_spec
from .model import DEFAULT_HEAD, DEFAULT_HEAD_REASON
from .postprocess import postprocessing_spec
from .preprocess import preprocessing_spec

Progress = Callable[[float, str], None]
"""progress(fraction done 0..1, message)"""


@dataclass
class TrainConfig:
    """What to train and how.

    Attributes
    ----------
    head : {"dense", "unet"}
    width : float
        Filter multiplier of VGG-16 (1.0 = the paper's).
    epochs : int
    batch_size : int
    folds : int
        Cross-validation folds (0 or 1: none; the paper used 3).
    variants : int
        Trainee-like samples per case and epoch pool (see :func:`ml.data.build_samples`).
    learning_rate : float or None
        None: the head's default (:data:`ml.model.OPTIMISER`).
    seed : int
    pretrain_epochs : int
        Epochs on the phantoms alone before the ``epochs`` on all samples (pre-training when real data is scarce);
        0 trains on everything together from the start.
    heavy_hints : bool
        Train with the heavy hint mix of :func:`ml.data.build_samples` (empty, unrelated and large-error hints), so
        the model cannot learn to copy the trainee's contour.
    max_minutes : float or None
        Stop each fit at the end of the batch that passes this budget (the model trained so far is kept and the
        card says where it stopped); None: all epochs.
    eval_kinds : list of str
        Error kinds of the fold and held-out evaluations.
    """

    head: str = DEFAULT_HEAD
    width: float = 1.0
    epochs: int = 20
    batch_size: int = 8
    folds: int = 3
    variants: int = 14
    learning_rate: float | None = None
    seed: int = 0
    pretrain_epochs: int = 0
    heavy_hints: bool = True
    max_minutes: float | None = None
    eval_kinds: list = field(default_factory=lambda: list(ERROR_KINDS))


def _versions() -> dict:
    import keras
    import scipy
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "machine": platform.machine(),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
    }


def _progress_callback(report: Progress, label: str, start: int, total: int, steps: int):
    """A Keras callback reporting the batches done over the whole run (all folds and the final fit)."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            done = start + self.epoch * steps + batch + 1
            loss = (logs or {}).get("loss", float("nan"))
            report(done / total, f"{label}: epoch {self.epoch + 1}, batch {batch + 1}/{steps}, loss {loss:.4f}")

    return ProgressCallback()


def _phantom_part(samples):
    return samples.subset(np.char.startswith(samples.patient.astype(str), "phantom-"))


def _steps(samples, cfg: TrainConfig) -> int:
    """Batches of one run: ``pretrain_epochs`` on the phantoms, then ``epochs`` on everything."""
    n_ph = int(np.char.startswith(samples.patient.astype(str), "phantom-").sum())
    pre = int(np.ceil(n_ph / cfg.batch_size)) * cfg.pretrain_epochs if n_ph else 0
    return pre + int(np.ceil(len(samples) / cfg.batch_size)) * cfg.epochs


def _budget_callback(minutes: float, stopped: dict):
    """A Keras callback that stops training once ``minutes`` have passed (recording the epoch and batch)."""
    import keras

    class Budget(keras.callbacks.Callback):
        t0 = time.perf_counter()
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - self.t0 > 60 * minutes:
                stopped.update({"epoch": self.epoch + 1, "batch": batch + 1, "minutes": minutes})
                self.model.stop_training = True

    return Budget()


def _checkpoint_callback(path: Path | None):
    """Save the model at the end of every epoch (a run killed later keeps its last whole epoch)."""
    import keras

    class Checkpoint(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if path is not None:
                self.model.save(path)

    return Checkpoint()


def _fit(
    samples,
    cfg: TrainConfig,
    report: Progress,
    label: str,
    start: int,
    total: int,
    *,
    checkpoint: Path | None = None,
    stopped: dict | None = None,
):
    import keras

    from .model import build_model, compile_model, pack_targets

    keras.utils.set_random_seed(cfg.seed)
    model = compile_model(build_model(cfg.head, width=cfg.width), cfg.head, learning_rate=cfg.learning_rate)
    phantoms = _phantom_part(samples) if cfg.pretrain_epochs else None
    if phantoms is not None and len(phantoms):
        steps = int(np.ceil(len(phantoms) / cfg.batch_size))
        model.fit(
            phantoms.x,
            pack_targets(phantoms.y, phantoms.w),
            batch_size=cfg.batch_size,
            epochs=cfg.pretrain_epochs,
            shuffle=True,
            verbose=0,
            callbacks=[_progress_callback(report, f"{label} (pre-training on phantoms)", start, total, steps)],
        )
        start += steps * cfg.pretrain_epochs
    steps = int(np.ceil(len(samples) / cfg.batch_size))
    callbacks = [_progress_callback(report, label, start, total, steps), _checkpoint_callback(checkpoint)]
    if cfg.max_minutes:
        callbacks.append(_budget_callback(cfg.max_minutes, stopped if stopped is not None else {}))
    hist = model.fit(
        samples.x,
        pack_targets(samples.y, samples.w),
        batch_size=cfg.batch_size,
        epochs=cfg.epochs,
        shuffle=True,
        verbose=0,
        callbacks=callbacks,
    )
    return model, [float(v) for v in hist.history["loss"]]


def _predict_fn(model):
    return predict_fn(Predictor(model))


def _cached_samples(cases: Sequence[Case], cfg: TrainConfig, cache: Path | None):
    """:func:`ml.data.build_samples` for ``cases``, through an optional ``.npz`` cache."""
    from .data import Samples

    if cache is not None and Path(cache).exists():
        z = np.load(cache)
        return Samples(
            z["x"].astype(np.float32), z["y"], z["patient"], z["case"], z["kind"], [None] * len(z["y"]), z["w"]
        )
    samples = build_samples(cases, variants=cfg.variants, seed=cfg.seed, heavy_hints=cfg.heavy_hints)
    if cache is not None:
        np.savez(
            cache,
            x=samples.x.astype(np.float16),
            y=samples.y,
            w=samples.w if samples.w is not None else np.ones_like(samples.y),
            patient=samples.patient,
            case=samples.case,
            kind=samples.kind,
        )
    return samples


def _image_kind(case: Case) -> str:
    """The image kind a case shows, for the model card, in the app's terms (``backend.cmr.dicom.ImageKind``):
    ``magnitude`` (cine SSFP), ``t1_map``, ``t2_map``; phantoms are cine-like, T1- and T2-map-like in turn."""
    src = case.source or ""
    if src.startswith("synthetic-"):
        return src.removeprefix("synthetic-")
    if src == "phantom":
        return "phantom"
    return "magnitude"


def _clean(obj):
    """JSON-ready: NaN -> None, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def train(
    cases: Sequence[Case],
    cfg: TrainConfig,
    out: str | Path,
    *,
    holdout: Sequence[Case] = (),
    holdout_patients: Sequence[str] = (),
    progress: Progress | None = None,
    samples_cache: Path | None = None,
    data_description: str = "",
) -> dict:
    """Train (with cross-validation by patient), evaluate on the held-out cases and write the model folder.

    Parameters
    ----------
    cases : sequence of Case
        Training cases (real and/or phantoms), with expert contours.
    cfg : TrainConfig
    out : path
        Folder to write ``model.keras``, ``model_card.json`` and ``model_card.md`` into (created).
    holdout : sequence of Case
        Held-out cases (other patients), evaluated at the end per error kind.
    samples_cache : path, optional
        A ``.npz`` file: the samples are loaded from it when it exists, else built and saved there (a re-run with
        the same cases and settings skips the sample building).
    holdout_patients : sequence of str
        Patients held out of training (recorded in the card even when their evaluation is run later by
        ``python -m ml.evaluate --update-card``).
    progress : callable (fraction, message), optional
    data_description : str
        Where the cases came from, for the card.

    Returns
    -------
    dict
        The model card.

    Raises
    ------
    ValueError
        No training cases, a holdout patient also among the training cases, or fewer patients than folds.
    """
    if not cases:
        raise ValueError("no training cases")
    train_patients = sorted({c.patient for c in cases})
    overlap = {c.patient for c in holdout} & set(train_patients)
    if overlap:
        raise ValueError(f"patients {sorted(overlap)} are both in training and held out")
    report = progress or (lambda f, m: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    report(0.0, f"building samples from {len(cases)} case(s)")
    samples = _cached_samples(cases, cfg, samples_cache)
    folds = patient_folds(samples.patient, cfg.folds, seed=cfg.seed) if cfg.folds >= 2 else []
    steps_per_run = [_steps(samples.subset(np.setdiff1d(np.arange(len(samples)), v)), cfg) for v in folds]
    steps_per_run.append(_steps(samples, cfg))
    total = sum(steps_per_run)
    start = 0
    fold_results = []
    for k, val in enumerate(folds):
        tr = np.setdiff1d(np.arange(len(samples)), val)
        t0 = time.perf_counter()
        model, losses = _fit(samples.subset(tr), cfg, report, f"fold {k + 1}/{len(folds)}", start, total)
        start += steps_per_run[k]
        val_patients = sorted(set(samples.patient[val]))
        val_cases = [c for c in cases if c.patient in val_patients]
        ev = evaluate_cases(_predict_fn(model), val_cases, kinds=cfg.eval_kinds, seed=cfg.seed + 100 + k)
        fold_results.append(
            {
                "fold": k + 1,
                "validation_patients": val_patients,
                "n_train_samples": len(tr),
                "final_loss": losses[-1],
                "seconds": time.perf_counter() - t0,
                "model_vs_expert": ev["overall"].get("model"),
                "trainee_vs_expert": ev["overall"].get("trainee"),
                "model_closer_dice": ev["overall"].get("model_closer_dice"),
                "per_kind": {
                    kk: {"model": v.get("model"), "trainee": v.get("trainee")} for kk, v in ev["per_kind"].items()
                },
            }
        )
        report(start / total, f"fold {k + 1}: model vs expert Dice {ev['overall'].get('model', {}).get('dice', 0):.3f}")
        del model
    t0 = time.perf_counter()
    stopped: dict = {}
    model, losses = _fit(
        samples, cfg, report, "final model", start, total, checkpoint=out / MODEL_FILE, stopped=stopped
    )
    final_seconds = time.perf_counter() - t0
    report(0.99, "evaluating")
    holdout_result = None
    if holdout:
        ev = evaluate_cases(_predict_fn(model), holdout, kinds=cfg.eval_kinds, seed=cfg.seed + 999)
        holdout_result = holdout_record(ev, holdout)
    # Latency of one image through the whole pipeline, the model loaded (median of 5 after a warm-up). An
    # undertrained model may find no plausible myocardium: the time to that answer is still the latency.
    probe = holdout[0] if holdout else cases[0]
    p = Predictor(model)
    lat = []
    for _ in range(6):
        t0 = time.perf_counter()
        with contextlib.suppress(CMRError):
            p.predict(probe.frame, probe.experts[0], pixel_spacing_mm=probe.pixel_spacing_mm)
        lat.append(time.perf_counter() - t0)
    lat = lat[1:]
    model.save(out / MODEL_FILE)
    from .model import LOSS, OPTIMISER

    created = dt.datetime.now(dt.UTC)
    card = {
        "version": f"{cfg.head}-w{cfg.width:g}-{created.strftime('%Y%m%dT%H%M%SZ')}",
        "created_at": created.isoformat(),
        "head": cfg.head,
        "width": cfg.width,
        "default_head": DEFAULT_HEAD,
        "default_head_reason": DEFAULT_HEAD_REASON,
        "architecture": (
            "VGG-16 (13 conv, from scratch) on 224x224x4; "
            + (
                "global average pooling -> unit normalisation (0..1) -> dense 50,176 (sigmoid) -> "
                "224x224 (eriksen sec. VI-B)"
                if cfg.head == "dense"
                else "U-Net decoder with skip connections from each VGG block (t1-t2-mapping-segmentation)"
            )
        ),
        "parameters": int(model.count_params()),
        "optimiser": {
            "name": "Nadam",
            **OPTIMISER[cfg.head],
            **({"learning_rate": cfg.learning_rate} if cfg.learning_rate else {}),
        },
        "loss": LOSS[cfg.head],
        "config": asdict(cfg),
        "data": {
            "description": data_description,
            "n_cases": len(cases),
            "n_real_cases": sum(1 for c in cases if c.source != "phantom"),
            "n_phantom_cases": sum(1 for c in cases if c.source == "phantom"),
            "train_patients": [p_ for p_ in train_patients if not p_.startswith("phantom-")],
            "n_phantom_patients": sum(1 for p_ in train_patients if p_.startswith("phantom-")),
            "n_samples": len(samples),
            "n_cavity_only_cases": sum(1 for c in cases if c.labelled == "cavity"),
            "holdout_patients": sorted(set(holdout_patients) | {c.patient for c in holdout}),
            "image_kinds": sorted({_image_kind(c) for c in cases}),
            "hint_mix": dict(Counter(str(k) for k in samples.kind)),
            "error_kinds": list(ERROR_KINDS),
            "split": "by patient (never by frame)",
        },
        "cross_validation": fold_results,
        "holdout": holdout_result,
        "final_loss": losses[-1],
        "loss_curve": losses,
        "training_seconds": time.perf_counter() - t_start,
        "final_fit_seconds": final_seconds,
        "stopped_by_time_budget": stopped or None,
        "inference_seconds": {
            "median": float(np.median(lat)),
            "max": float(np.max(lat)),
            "what": "one image, preprocessing + network + post-processing, model loaded",
        },
        "libraries": _versions(),
        "preprocessing": preprocessing_spec(),
        "postprocessing": postprocessing_spec(),
        "uncertainty": uncertainty_spec(),
    }
    card = _clean(card)
    (out / CARD_FILE).write_text(json.dumps(card, indent=2))
    (out / "model_card.md").write_text(card_summary(card))
    report(1.0, f"done: {out / MODEL_FILE}")
    return card


def _fmt(v, nd=3) -> str:
    return "-" if v is None else f"{v:.{nd}f}"


def card_summary(card: dict) -> str:
    """The readable summary of a model card (Markdown); parts the card lacks are left out.

    Parameters
    ----------
    card : dict, from :func:`train`

    Returns
    -------
    str
    """
    d, opt, cfg = card.get("data") or {}, card.get("optimiser") or {}, card.get("config") or {}
    lib, inf = card.get("libraries") or {}, card.get("inference_seconds") or {}
    lines = [
        f"# Consensus model {card.get('version', '?')}",
        "",
        f"- Head: **{card.get('head', '?')}** ({card.get('architecture', '')}), width x{card.get('width', 1):g}, "
        f"{card.get('parameters', 0):,} parameters",
    ]
    if card.get("default_head_reason"):
        lines.append(f"- Why {card.get('default_head')} is the default head: {card['default_head_reason']}")
    if opt:
        lines.append(
            f"- Optimiser: {opt.get('name', 'Nadam')} lr {opt.get('learning_rate')}, beta1 "
            f"{opt.get('beta_1')}, beta2 {opt.get('beta_2')}; loss {card.get('loss')}; "
            f"{cfg.get('epochs')} epochs, batch {cfg.get('batch_size')}"
        )
    if d.get("n_cases") is not None:
        lines.append(
            f"- Data: {d.get('description') or 'cases with expert contours'}; {d.get('n_real_cases', 0)} "
            f"real case(s) of {', '.join(d.get('train_patients') or []) or 'no real patient'}, "
            f"{d.get('n_phantom_cases', 0)} phantom(s); {d.get('n_samples', 0)} samples; "
            f"split {d.get('split', '?')}"
        )
    if card.get("training_seconds") is not None:
        lines.append(
            f"- Training time {card['training_seconds'] / 60:.1f} min on {lib.get('machine', '?')} "
            f"({'GPU ' + ', '.join(lib['gpus']) if lib.get('gpus') else 'CPU'})"
        )
    if inf.get("median") is not None:
        lines.append(f"- Inference {inf['median'] * 1000:.0f} ms per image (median, model loaded)")
    if lib:
        lines.append(
            f"- Libraries: TensorFlow {lib.get('tensorflow')}, Keras {lib.get('keras')}, "
            f"NumPy {lib.get('numpy')}, Python {lib.get('python')}"
        )
    lines.append("")
    if card.get("cross_validation"):
        lines += [
            "## Cross-validation (by patient)",
            "",
            "| fold | validation patients | model Dice | model HD mm | model MSD mm | trainee Dice |",
            "|---|---|---|---|---|---|",
        ]
        for f in card["cross_validation"]:
            m, t = f.get("model_vs_expert") or {}, f.get("trainee_vs_expert") or {}
            vp = f.get("validation_patients") or []
            pats = ", ".join(vp[:4]) + (" ..." if len(vp) > 4 else "")
            lines.append(
                f"| {f.get('fold')} | {pats} | {_fmt(m.get('dice'))} | {_fmt(m.get('hd_mm'), 2)} | "
                f"{_fmt(m.get('msd_mm'), 2)} | {_fmt(t.get('dice'))} |"
            )
        lines.append("")
    h = card.get("holdout") or {}
    if h.get("per_kind"):
        lines += [
            f"## Held out: {', '.join(h.get('patients') or [])} ({h.get('n_cases')} frames)",
            "",
            'Trainee = the baseline "consensus = the trainee\'s contour"; model means over the inputs it scored; '
            "closer = fraction of all inputs where the model is closer to the experts (an abstention is not closer).",
            "",
            "| inputs | n | trainee Dice | model Dice | trainee HD95 mm | model HD95 mm | trainee MSD mm | model MSD mm "
            "| closer (Dice) | abstained |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        groups = [*h["per_kind"].items(), *((f"[{k}]", v) for k, v in (h.get("per_source") or {}).items())]
        for k, v in [*groups, ("erroneous", h.get("erroneous") or {}), ("all", h.get("overall") or {})]:
            if not v.get("n"):
                continue
            t, m = v.get("trainee") or {}, v.get("model") or {}
            lines.append(
                f"| {k} | {v['n']} | {_fmt(t.get('dice'))} | {_fmt(m.get('dice'))} | {_fmt(t.get('hd95_mm'), 2)} | "
                f"{_fmt(m.get('hd95_mm'), 2)} | {_fmt(t.get('msd_mm'), 2)} | {_fmt(m.get('msd_mm'), 2)} | "
                f"{_fmt(v.get('model_closer_dice'), 2)} | {_fmt(v.get('abstention_rate'), 2)} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``python -m ml.train`` command; returns the exit status (2 for bad arguments or data)."""
    ap = argparse.ArgumentParser(prog="python -m ml.train", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        help="folder in the layout of ../shared/data/scd-sunnybrook (repeatable)",
    )
    ap.add_argument("--contours", type=Path, default=None, help="its SAV folder (default: DATA-sav)")
    ap.add_argument(
        "--shared",
        type=Path,
        default=None,
        help="the shared data folder: every Sunnybrook patient there (DICOM and PNG layouts, endocardium-only frames, "
        "synthetic T1 / T2 maps of their anatomy; see ml.datasets)",
    )
    ap.add_argument("--no-holdout-eval", action="store_true", help="hold the patients out but evaluate later")
    ap.add_argument("--max-minutes", type=float, default=None, help="stop each fit after this many minutes")
    ap.add_argument("--samples-cache", type=Path, default=None, help="an .npz file to keep the built samples in")
    ap.add_argument(
        "--patients", default=None, help="comma-separated patients to train on (default: all but --holdout)"
    )
    ap.add_argument("--holdout", default="", help="comma-separated patients to hold out and evaluate on")
    ap.add_argument("--phantoms", type=int, default=0, help="synthetic phantom cases to add (pre-training data)")
    ap.add_argument(
        "--head", choices=["dense", "unet"], default=DEFAULT_HEAD, help=f"default {DEFAULT_HEAD}: {DEFAULT_HEAD_REASON}"
    )
    ap.add_argument("--width", type=float, default=1.0, help="VGG-16 filter multiplier (1 = the paper's)")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--variants", type=int, default=14, help="trainee-like samples per case")
    ap.add_argument("--learning-rate", type=float, default=None)
    ap.add_argument("--pretrain-epochs", type=int, default=0, help="epochs on the phantoms alone first")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    holdout_ids = [p for p in a.holdout.split(",") if p]
    train_ids = [p for p in a.patients.split(",") if p] if a.patients else None
    cases: list[Case] = []
    holdout: list[Case] = []
    try:
        for d in a.data:
            all_cases = load_sunnybrook_layout(d, a.contours)
            holdout += [c for c in all_cases if c.patient in holdout_ids]
            cases += [
                c for c in all_cases if c.patient not in holdout_ids and (train_ids is None or c.patient in train_ids)
            ]
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.shared is not None:
        from .datasets import shared_training_cases

        try:
            everything = shared_training_cases(a.shared, seed=a.seed)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        holdout += [c for c in everything if c.patient in holdout_ids and c.labelled == "myocardium"]
        cases += [
            c for c in everything if c.patient not in holdout_ids and (train_ids is None or c.patient in train_ids)
        ]
    if holdout_ids and not holdout:
        print(f"error: no case of the held-out patients {holdout_ids} in {[str(d) for d in a.data]}", file=sys.stderr)
        return 2
    if a.phantoms:
        cases += phantom_cases(a.phantoms, seed=a.seed)
    if not cases:
        print("error: no training cases: give --data and/or --phantoms", file=sys.stderr)
        return 2
    cfg = TrainConfig(
        head=a.head,
        width=a.width,
        epochs=a.epochs,
        batch_size=a.batch_size,
        folds=a.folds,
        variants=a.variants,
        learning_rate=a.learning_rate,
        seed=a.seed,
        pretrain_epochs=a.pretrain_epochs,
        max_minutes=a.max_minutes,
    )
    last_t, last_phase = [-1e9], [""]

    def progress(frac: float, msg: str) -> None:
        now = time.perf_counter()
        phase = msg.split(":")[0]
        if now - last_t[0] >= 5 or frac >= 1.0 or phase != last_phase[0] or "Dice" in msg:
            last_phase[0] = phase
            el = now - t0
            eta = f", ETA {el / frac * (1 - frac) / 60:.1f} min" if frac > 0.01 else ""
            print(f"[{100 * frac:5.1f} %] {msg} ({el / 60:.1f} min{eta})", flush=True)
            last_t[0] = now

    desc = "; ".join(str(d) for d in [*a.data, *([a.shared] if a.shared else [])]) + (
        f" + {a.phantoms} phantoms" if a.phantoms else ""
    )
    t0 = time.perf_counter()
    try:
        card = train(
            cases,
            cfg,
            a.out,
            holdout=() if a.no_holdout_eval else holdout,
            holdout_patients=sorted({c.patient for c in holdout}),
            samples_cache=a.samples_cache,
            progress=progress,
            data_description=desc,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(card_summary(card))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
