"""Writes of the automatic consensus: register, activate and train consensus models; run one on a submission.

The network lives in :mod:`ml` (no Django); this module connects it to the application's cases. The submissions app
calls it (and chains the evaluation); it never imports submissions.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from backend.accounts.models import User
from backend.cases.models import Case, ConsensusSource, Dataset, ReferenceContour, ReferenceKind
from backend.cases.selectors import current_expert_set
from backend.core.api import UploadError
from backend.core.models import JobStatus

from .models import ConsensusModel, Head, TrainingRun
from .selectors import active_model, held_out_accuracy, model_folder

log = logging.getLogger(__name__)

NO_ACTIVE_MODEL_NOTE = "No automatic consensus model is active: only your own values are shown."
"""The trainee's note when their evaluation would use the automatic consensus but no model is active."""

LOW_CONFIDENCE = 0.6
"""Below this post-processing confidence the note tells the trainee the model was unsure."""


class ModelError(UploadError):
    """A consensus model that cannot be registered or activated (a 400 with the reason)."""


# ------------------------------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------------------------------
def model_register(*, folder: str | Path, user: User | None = None, activate: bool = False) -> ConsensusModel:
    """Register a model folder written by ``python -m ml.train`` (copied into ``settings.MODEL_ROOT``).

    Parameters
    ----------
    folder : path
        Holds ``model.keras`` and ``model_card.json``.
    user : User, optional
        Who registers it (a supervisor; None from the command line).
    activate : bool
        Make it the active model at once (command line, demo); the app activates only after the card is seen.

    Returns
    -------
    ConsensusModel
        The existing row when this version is already registered.

    Raises
    ------
    ModelError
        A file is missing, the card is unreadable, or it was made with another preprocessing.
    """
    from ml.infer import CARD_FILE, MODEL_FILE
    from ml.preprocess import preprocessing_spec

    folder = Path(folder)
    try:
        card = json.loads((folder / CARD_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"Cannot read the model card in {folder}: {exc}") from None
    if not (folder / MODEL_FILE).is_file():
        raise ModelError(f"{folder} has no {MODEL_FILE}.")
    if card.get("preprocessing") != preprocessing_spec():
        raise ModelError(
            "This model was trained with another preprocessing than this version of MyoQA uses; train it again."
        )
    version, head = str(card.get("version", "")), card.get("head")
    if not version or head not in Head.values:
        raise ModelError(f"The model card has no version or an unknown head ({head!r}).")
    existing = ConsensusModel.objects.filter(version=version).first()
    if existing is None:
        dest = Path(settings.MODEL_ROOT) / version
        if folder.resolve() != dest.resolve():
            dest.mkdir(parents=True, exist_ok=True)
            for name in (MODEL_FILE, CARD_FILE, "model_card.md"):
                if (folder / name).exists():
                    shutil.copy2(folder / name, dest / name)
        m = ConsensusModel(version=version, head=head, folder=version, card=card, created_by=user)
        m.full_clean()
        m.save()
        existing = m
    if activate:
        model_activate(user=user, model=existing)
    return existing


def activation_refusal(card: dict) -> str:
    """Why a model with this card may not be activated, or ``""`` when it may.

    A model may teach only when its card holds a held-out evaluation (patients it was never trained on) whose
    consensus vs experts myocardium Dice reaches the site minimum ``settings.CONSENSUS_MIN_HELDOUT_DICE`` (issue 10;
    default 0.85) and which abstained on at most ``settings.CONSENSUS_MAX_HELDOUT_ABSTENTION`` of the held-out inputs
    (default 0.5). Cross-validation alone does not count: the held-out patients are the ones the card names.

    Parameters
    ----------
    card : dict
        The model card (``holdout.overall.model.dice``, ``holdout.patients``).

    Returns
    -------
    str
        A sentence for the supervisor, or ``""``.
    """
    minimum = float(settings.CONSENSUS_MIN_HELDOUT_DICE)
    h = card.get("holdout") or {}
    dice = ((h.get("overall") or {}).get("model") or {}).get("dice")
    if not h.get("patients") or dice is None:
        return (
            "This model cannot be activated: its card holds no held-out evaluation (accuracy on patients it was "
            "never trained on). Evaluate it with `python -m ml.evaluate --model DIR --data DIR --update-card` first."
        )
    if float(dice) < minimum:
        return (
            f"This model cannot be activated: on held-out patients its consensus reaches myocardium Dice "
            f"{float(dice):.3f} against the experts, below this site's minimum of {minimum:.2f} "
            "(MYOQA_CONSENSUS_MIN_HELDOUT_DICE)."
        )
    abstained = (h.get("overall") or {}).get("abstention_rate")
    most = float(settings.CONSENSUS_MAX_HELDOUT_ABSTENTION)
    if abstained is not None and float(abstained) > most:
        return (
            f"This model cannot be activated: on held-out patients it gave no consensus for {100 * float(abstained):.0f} % "
            f"of the images (unsure, or copying the trainee), more than this site's maximum of {100 * most:.0f} % "
            "(MYOQA_CONSENSUS_MAX_HELDOUT_ABSTENTION); its Dice on the rest does not speak for the others."
        )
    return ""


@transaction.atomic
def model_activate(*, user: User | None, model: ConsensusModel) -> ConsensusModel:
    """Make ``model`` the one evaluations use (the previous active model is deactivated).

    Raises
    ------
    ModelError
        The model's files are missing, or its card fails :func:`activation_refusal` (no held-out evaluation, or a
        held-out Dice below the site minimum).
    """
    from ml.infer import MODEL_FILE

    refusal = activation_refusal(model.card or {})
    if refusal:
        raise ModelError(refusal)
    if not (model_folder(model) / MODEL_FILE).is_file():
        raise ModelError(f"The files of model {model.version} are missing on the server; it cannot be activated.")
    ConsensusModel.objects.select_for_update().filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    model.is_active, model.activated_by, model.activated_at = True, user, timezone.now()
    model.save(update_fields=["is_active", "activated_by", "activated_at"])
    return model


def default_model_install() -> str:
    """Register and activate the consensus model shipped with MyoQA (``settings.DEFAULT_CONSENSUS_MODEL``), so that a
    newcomer's first ``make run`` shows the automatic consensus working. Nothing changes when a model is already
    active (a site's own choice is kept) or the folder is absent.

    Returns
    -------
    str
        One line for the console: what was done, or why not.
    """
    folder = Path(settings.DEFAULT_CONSENSUS_MODEL)
    if ConsensusModel.objects.filter(is_active=True).exists():
        return "Automatic consensus: the active model is kept."
    if not (folder / "model_card.json").is_file():
        return f"Automatic consensus: no shipped model at {folder}; run `make demo-model` to train one."
    try:
        m = model_register(folder=folder, activate=True)
    except ModelError as exc:
        return f"Automatic consensus: the shipped model was not activated: {exc}"
    return f"Automatic consensus: model {m.version} registered and activated."


def model_deactivate(*, user: User | None) -> None:
    """No automatic consensus from now on (evaluations show the trainee's own values only)."""
    ConsensusModel.objects.filter(is_active=True).update(is_active=False)


# ------------------------------------------------------------------------------------------------------------------
# Training runs
# ------------------------------------------------------------------------------------------------------------------
def _has_expert_contours(case: Case) -> bool:
    return case.references.filter(kind__in=[ReferenceKind.GOLD_STANDARD, ReferenceKind.EXPERT]).exists()


def training_run_create(
    *,
    user: User,
    datasets: Sequence[Dataset],
    head: str = Head.UNET,
    width: float = 0.25,
    epochs: int = 6,
    folds: int = 3,
    phantoms: int = 24,
) -> TrainingRun:
    """Queue a training run on the supervisor's datasets with expert contours.

    Raises
    ------
    UploadError
        Not a supervisor, a dataset not theirs, no case with expert contours, or out-of-range settings.
    """
    if not user.is_supervisor:
        raise UploadError("Only supervisors train consensus models.")
    if not datasets:
        raise UploadError("Choose at least one dataset with expert contours.", "dataset_ids")
    foreign = [d.name for d in datasets if d.created_by_id != user.pk]
    if foreign:
        raise UploadError(f"You can only train on your own datasets (not {', '.join(foreign)}).", "dataset_ids")
    n = sum(1 for d in datasets for c in d.cases.all() if _has_expert_contours(c))
    if n == 0:
        raise UploadError(
            "None of these datasets has a case with gold-standard or expert contours to learn from.", "dataset_ids"
        )
    if (
        not (0 < width <= 1.0)
        or not (1 <= epochs <= 500)
        or folds not in (0, 1, 2, 3, 4, 5)
        or not (0 <= phantoms <= 2000)
    ):
        raise UploadError("Width must be in (0, 1], epochs 1-500, folds 0-5 and phantoms 0-2000.")
    with transaction.atomic():
        run = TrainingRun(
            requested_by=user,
            head=head,
            width=width,
            epochs=epochs,
            folds=folds,
            phantoms=phantoms,
            message=f"queued: {n} case(s) with expert contours",
        )
        run.full_clean()
        run.save()
        run.datasets.set(datasets)
        from .tasks import train_consensus_model

        transaction.on_commit(lambda: train_consensus_model.delay(run.pk))
    return run


def cases_for_training(datasets: Sequence[Dataset]) -> list:
    """The datasets' cases with expert contours, as :class:`ml.data.Case` (the gold standard as consensus).

    The patient of a case is its de-identified Patient ID pseudonym, so folds never split a patient; a case
    without one is its own patient.
    """
    from backend.cmr.contours import contour_set_from_bytes
    from backend.cmr.dicom import image_from_bytes
    from backend.core.storage import file_read
    from ml.data import Case as MLCase

    out = []
    for d in datasets:
        for c in d.cases.select_related("image_file").prefetch_related("references__contours_file"):
            refs = list(c.references.all())
            gold = [r for r in refs if r.kind == ReferenceKind.GOLD_STANDARD]
            experts = current_expert_set(refs)
            if not gold and not experts:
                continue
            read = lambda r: contour_set_from_bytes(file_read(r.contours_file))  # noqa: E731
            gold_cs = read(sorted(gold, key=lambda r: -r.version)[0]) if gold else None
            expert_cs = tuple(cs for cs in (read(r) for r in experts) if cs is not None) or (
                (gold_cs,) if gold_cs is not None else ()
            )
            img = image_from_bytes(file_read(c.image_file))
            out.append(
                MLCase(
                    frame=img.display_frame(),
                    pixel_spacing_mm=img.pixel_spacing_mm,
                    experts=expert_cs,
                    patient=c.patient_pseudonym or f"case-{c.pk}",
                    name=c.title,
                    source="app",
                    consensus=gold_cs,
                )
            )
    return out


def training_run_execute(*, run_id: int) -> TrainingRun:
    """The training task's body: train on the run's datasets, register the model (inactive). Idempotent.

    Progress (0..1 and a message) is written to the run at most every 2 s. A run that is not queued is left alone.
    """
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status != JobStatus.QUEUED:
            return run
        run.status, run.started_at, run.message = JobStatus.RUNNING, timezone.now(), "loading cases"
        run.save(update_fields=["status", "started_at", "message"])
    try:
        from ml.data import phantom_cases
        from ml.train import TrainConfig, train

        cases = cases_for_training(list(run.datasets.all()))
        if run.phantoms:
            cases += phantom_cases(run.phantoms, seed=run.pk)
        last = [0.0]

        def progress(frac: float, msg: str) -> None:
            now = time.monotonic()
            if now - last[0] >= 2.0 or frac >= 1.0:
                TrainingRun.objects.filter(pk=run.pk).update(progress=min(max(frac, 0.0), 1.0), message=msg[:300])
                last[0] = now

        cfg = TrainConfig(head=run.head, width=run.width, epochs=run.epochs, folds=run.folds)
        out = Path(settings.MODEL_ROOT) / f"run-{run.pk}"
        names = ", ".join(d.name for d in run.datasets.all())
        train(
            cases,
            cfg,
            out,
            progress=progress,
            data_description=f"datasets {names}" + (f" + {run.phantoms} phantoms" if run.phantoms else ""),
        )
        model = model_register(folder=out, user=run.requested_by)
        shutil.rmtree(out, ignore_errors=True)
        TrainingRun.objects.filter(pk=run.pk).update(
            status=JobStatus.DONE,
            progress=1.0,
            model=model,
            finished_at=timezone.now(),
            message=f"trained {model.version}; see its model card",
        )
    except (ValueError, UploadError) as exc:
        TrainingRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED, error=str(exc), finished_at=timezone.now()
        )
    except Exception:
        log.exception("training run %s failed", run_id)
        TrainingRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error="Training failed because of an internal error; the server log has the details.",
        )
        raise
    run.refresh_from_db()
    return run


# ------------------------------------------------------------------------------------------------------------------
# The automatic consensus of one submission
# ------------------------------------------------------------------------------------------------------------------
def uses_automatic_consensus(case: Case) -> bool:
    """True when an evaluation of ``case`` is against the automatic consensus (its dataset's source, or practice)."""
    return case.dataset is None or case.dataset.consensus_source == ConsensusSource.AUTOMATIC


def _accuracy_note(m: ConsensusModel, confidence: float, trainee_msd_mm: float | None) -> str:
    """The trainee's note on an automatic consensus: the model, its own held-out error, and whether the trainee's
    difference from it is smaller than that error (then the difference may be the model's, not the trainee's)."""
    acc = held_out_accuracy(m.card)
    note = f"Automatic consensus by the CNN {m.version}."
    if acc and acc.get("dice") is not None:
        msd = acc.get("msd_mm")
        note += (
            f" Its own error against experts ({acc['basis']}): Dice {acc['dice']:.2f}"
            + (f", mean surface distance {msd:.1f} mm" if msd is not None else "")
            + f", HD {acc['hd_mm']:.1f} mm."
        )
        if trainee_msd_mm is not None and msd is not None:
            if trainee_msd_mm <= msd:
                note += (
                    f" Your contour differs from it by {trainee_msd_mm:.1f} mm (mean distance), less than the model's "
                    "own error: this difference may be the model's, not yours."
                )
            else:
                note += (
                    f" Your contour differs from it by {trainee_msd_mm:.1f} mm (mean distance), more than the "
                    "model's own error."
                )
    else:
        note += " Its accuracy against experts was not measured."
    if confidence < LOW_CONFIDENCE:
        note += f" The model was unsure on this image (confidence {confidence:.2f}): check with a supervisor."
    return note[:700]


ABSTAIN_SUFFIX = " Only your own values are shown, and this attempt is not scored."


def image_kind_refusal(card: dict, kind: str, label: str) -> str:
    """``""`` when the model was trained on images of ``kind``, else the trainee's "no automatic consensus" note.

    Parameters
    ----------
    card : dict
        The model card; ``data.image_kinds`` lists the :class:`backend.cmr.dicom.ImageKind` values it was trained on
        (a card without the list is taken to know cine magnitude images only).
    kind, label : str
        The image's kind and its readable name.
    """
    kinds = list((card.get("data") or {}).get("image_kinds") or ["magnitude"])
    kinds = ["magnitude" if k == "cine" else k for k in kinds]
    if kind in kinds:
        return ""
    names = {"magnitude": "cine", "t1_map": "T1 map", "t2_map": "T2 map", "phantom": "phantom"}
    trained = ", ".join(names.get(k, k) for k in kinds)
    return f"No automatic consensus here: the model was trained on {trained} images, not on a {label}." + ABSTAIN_SUFFIX


@dataclass(frozen=True)
class AutomaticConsensus:
    """What the active model drew for one trainee contour: the stored reference (or None) and the note."""

    reference: ReferenceContour | None
    model: ConsensusModel | None
    note: str

    def as_message(self) -> dict:
        """Plain form for a Celery chain: ``{"reference_id", "model_id", "note"}``."""
        return {
            "reference_id": self.reference.pk if self.reference else None,
            "model_id": self.model.pk if self.model and self.reference else None,
            "note": self.note,
        }


def automatic_consensus_run(
    *, case_id: int, contours_file_id: str, contributors: Sequence[int] = (), predictor=None
) -> AutomaticConsensus:
    """The ml task's body: the active model's consensus for one trainee contour on a case, stored as a reference.

    The caller (the submissions app) attaches the returned reference to its submission and queues the evaluation;
    this app never imports the app that calls it (architecture convention 18). When the model cannot contour the
    image, the note says why and the reference is None (the trainee then gets their own values).

    Parameters
    ----------
    case_id : int
    contours_file_id : str
        The id (a UUID) of the stored (parsed) trainee contour set, the model's 4th channel.
    contributors : sequence of int
        Recorded on the reference (the submission ids it was drawn for).
    predictor : ml.infer.Predictor, optional
        Default: the active model, loaded once per process (:func:`ml.infer.get_predictor`).

    Returns
    -------
    AutomaticConsensus
    """
    from backend.cases.services import reference_store
    from backend.cmr.contours import contour_set_from_bytes
    from backend.cmr.dicom import image_from_bytes
    from backend.cmr.errors import CMRError
    from backend.core.models import StoredFile
    from backend.core.storage import file_read
    from ml.evaluate import agreement
    from ml.infer import ModelNotUsable, get_predictor

    case = Case.objects.select_related("image_file").get(pk=case_id)
    contours_file = StoredFile.objects.get(id=contours_file_id)
    m = active_model()
    if m is None:
        return AutomaticConsensus(None, None, NO_ACTIVE_MODEL_NOTE)
    note, ref = "", None
    try:
        p = predictor or get_predictor(model_folder(m))
        img = image_from_bytes(file_read(case.image_file))
        trainee = contour_set_from_bytes(file_read(contours_file))
        refusal = image_kind_refusal(m.card or {}, img.kind.value, img.kind.label)
        if refusal:
            return AutomaticConsensus(None, None, refusal)
        pred = p.predict(img.display_frame(), trainee, pixel_spacing_mm=img.pixel_spacing_mm)
        if pred.uncertainty is not None and pred.uncertainty.abstain_reason:
            return AutomaticConsensus(None, None, pred.uncertainty.abstain_reason + ABSTAIN_SUFFIX)
        msd = agreement(trainee, pred.consensus.contours, shape=img.shape, pixel_spacing_mm=img.pixel_spacing_mm)[
            "msd_mm"
        ]
        note = _accuracy_note(m, pred.consensus.confidence, msd if np.isfinite(msd) else None)
        for _ in range(3):
            try:
                with transaction.atomic():
                    v = (
                        ReferenceContour.objects.filter(case=case, kind=ReferenceKind.AUTOMATIC).aggregate(
                            v=Max("version")
                        )["v"]
                        or 0
                    ) + 1
                    ref = reference_store(
                        case=case,
                        kind=ReferenceKind.AUTOMATIC,
                        contours=pred.consensus.contours,
                        version=v,
                        contributors=list(contributors),
                        rater=f"CNN {m.version}",
                    )
                break
            except IntegrityError:  # another worker took this version number
                continue
    except CMRError as exc:
        note = f"No automatic consensus here: the model could not contour this image ({exc})" + ABSTAIN_SUFFIX
    except ModelNotUsable as exc:
        log.error("active consensus model %s is not usable: %s", m.version, exc)
        note = "The automatic consensus model could not be loaded; only your own values are shown."
    return AutomaticConsensus(ref, m if ref else None, note[:600])
