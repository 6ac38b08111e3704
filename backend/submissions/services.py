"""Writes for submissions: create (validate, store, queue on commit) and evaluate (the Celery task's body)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from celery import chain
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from backend.accounts.models import User
from backend.cases.ingest import contour_download_ext, image_geometry, ingest_contours, ingest_image
from backend.cases.models import Case, ConsensusSource, FeedbackMode, ReferenceContour, ReferenceKind
from backend.cases.selectors import current_reference
from backend.cases.services import reference_store
from backend.cmr.assessment import assess, to_json_ready
from backend.cmr.consensus import consensus
from backend.cmr.contours import contour_set_from_bytes, contour_set_to_bytes, lv_regions, wall_contours
from backend.cmr.dicom import image_from_bytes
from backend.cmr.errors import CMRError
from backend.cmr.overlay import render_overlay
from backend.cmr.summary import DEFAULT_TOLERANCES, evaluation_summary
from backend.cnn.selectors import active_model
from backend.cnn.services import NO_ACTIVE_MODEL_NOTE, uses_automatic_consensus
from backend.cnn.tasks import automatic_consensus
from backend.config import celery_policy
from backend.core.api import UploadError
from backend.core.models import StoredFile
from backend.core.storage import file_path, file_read, file_store, staged_files

from .models import ContourDraft, EvaluationStatus, OverlayMode, PastEvaluation, Submission

log = logging.getLogger(__name__)

TEAM_MINIMUM = 3
"""A team consensus needs the latest submissions of at least this many trainees."""


def submission_create(
    *, trainee: User, case: Case, contours: UploadedFile | None, image_files: Sequence[UploadedFile] = ()
) -> Submission:
    """Validate a trainee's contours (and, optionally, the DICOM they used), store them and queue the evaluation.

    Parameters
    ----------
    trainee : User
        A trainee who may see ``case``.
    case : Case
    contours : the SAV (or .npy/.png mask) upload
    image_files : optional, the DICOM the trainee contoured; it must be the case's image (same pixels)

    Returns
    -------
    Submission
        Status ``queued``; the evaluation task is sent when the transaction commits.

    Raises
    ------
    UploadError
        With the analysis core's message; nothing is stored.
    """
    if not trainee.is_trainee:
        raise UploadError("Only trainees submit contours.")
    cs = ingest_contours(
        contours,
        image_shape=(case.rows, case.columns),
        field="contours",
        who="your contours",
        pixel_spacing_mm=(case.pixel_spacing_dy_mm, case.pixel_spacing_dx_mm),
        geometry=lambda: image_geometry(file_read(case.dicom_file)),
    )
    if image_files:
        ing = ingest_image(image_files)
        if ing.pixel_sha256 != case.pixel_sha256:
            raise UploadError(
                f"The DICOM you uploaded is not this case's image ({ing.image.rows}x{ing.image.columns} "
                f"{ing.image.kind.label}; the case is {case.rows}x{case.columns}). Download the case's DICOM and "
                "contour that one.",
                "image",
            )
    with staged_files(), transaction.atomic():
        return _store_submission(trainee=trainee, case=case, contours=contours, cs=cs)


def _store_submission(*, trainee: User, case: Case, contours: UploadedFile | None, cs) -> Submission:
    assert contours is not None  # ingest_contours refused a missing file
    contours.seek(0)
    raw = contours.read()
    # The attempt number is allocated under a lock on the trainee's row: concurrent uploads by one trainee wait
    # for each other here (after their files were parsed) and get consecutive numbers.
    User.objects.select_for_update().filter(pk=trainee.pk).first()
    last = Submission.objects.filter(trainee=trainee, case=case).aggregate(n=Max("attempt"))["n"]
    attempt = (last or 0) + 1
    sub = Submission(
        trainee=trainee,
        case=case,
        attempt=attempt,
        source_file=file_store(
            raw,
            content_type="application/octet-stream",
            download_name=f"case-{case.pk}-attempt-{attempt}{contour_download_ext(raw)}",
        ),
        contours_file=file_store(contour_set_to_bytes(cs), content_type="application/x-npz"),
    )
    sub.full_clean()
    sub.save()
    _queue_evaluation(sub)
    return sub


def _queue_evaluation(sub: Submission) -> None:
    """On commit: when the case uses the automatic consensus and a model is active, a chain of the CNN's consensus
    (``ml`` queue) then the evaluation (``myoqa`` queue, :func:`automatic_consensus_attach` first); otherwise the
    evaluation at once. This app chains the two steps: ``cnn`` returns a value and never calls back."""
    from .tasks import evaluate_submission, evaluate_with_automatic_consensus

    if uses_automatic_consensus(sub.case) and active_model() is not None:
        steps = chain(
            automatic_consensus.si(sub.case_id, str(sub.contours_file_id), [sub.pk]),
            evaluate_with_automatic_consensus.s(sub.pk),
        )
        transaction.on_commit(steps.delay)
        return
    transaction.on_commit(lambda: evaluate_submission.delay(sub.pk))


def automatic_consensus_attach(*, submission_id: int, consensus: dict) -> Submission:
    """Record the CNN's consensus on a submission (the reference, the model version and the trainee's note).

    Idempotent: a submission that already has a reference, or whose evaluation has started, is left alone.

    Parameters
    ----------
    submission_id : int
    consensus : dict
        ``backend.cnn.services.AutomaticConsensus.as_message()``: ``{"reference_id", "model_id", "note"}``.
    """
    Submission.objects.filter(pk=submission_id, reference__isnull=True, status=EvaluationStatus.QUEUED).update(
        reference_id=consensus.get("reference_id"),
        consensus_model_id=consensus.get("model_id"),
        consensus_note=str(consensus.get("note") or "")[:600],
    )
    return Submission.objects.get(pk=submission_id)


def practice_submission_create(
    *, trainee: User, image_files: Sequence[UploadedFile], contours: UploadedFile | None
) -> Submission:
    """A trainee's own image and contours, for practice: both validated first, then stored together.

    Evaluated against the automatic consensus when one is active, else only the trainee's own values are shown.

    Raises
    ------
    UploadError
        Nothing is stored when either file is refused.
    """
    from backend.cases.services import case_from_ingested

    if not trainee.is_trainee:
        raise UploadError("Practice uploads are for trainees.")
    ing = ingest_image(image_files)
    cs = ingest_contours(
        contours,
        image_shape=(ing.image.rows, ing.image.columns),
        field="contours",
        who="your contours",
        pixel_spacing_mm=ing.image.pixel_spacing_mm,
        geometry=lambda: image_geometry(ing.dicom_bytes),
    )
    with staged_files(), transaction.atomic():
        case = case_from_ingested(ing=ing, title="Practice image", user=trainee, dataset=None, owner=trainee)
        return _store_submission(trainee=trainee, case=case, contours=contours, cs=cs)


def _team_consensus(case: Case) -> tuple[ReferenceContour | None, str]:
    """Recompute the team consensus of a case from its cohort trainees' latest submissions (majority vote)."""
    assert case.dataset is not None  # a team consensus belongs to a dataset
    trainee_ids = set(case.dataset.cohorts.values_list("trainees", flat=True)) - {None}
    latest: dict[int, Submission] = {}
    for s in (
        Submission.objects.filter(case=case, trainee_id__in=trainee_ids)
        .select_related("contours_file")
        .order_by("trainee_id", "created_at", "id")
    ):
        latest[s.trainee_id] = s
    subs = sorted(latest.values(), key=lambda s: s.pk)
    if len(subs) < TEAM_MINIMUM:
        return None, (
            f"The team consensus needs the latest contours of at least {TEAM_MINIMUM} trainees; "
            f"{len(subs)} so far. Your own values are shown."
        )
    ids = [s.pk for s in subs]
    prev = current_reference(case=case)
    if prev is not None and sorted(prev.contributors) == ids:
        return prev, ""
    fused = consensus(
        [contour_set_from_bytes(file_read(s.contours_file)) for s in subs], (case.rows, case.columns), method="majority"
    )
    version = (prev.version + 1) if prev is not None else 1
    try:
        ref: ReferenceContour | None = reference_store(
            case=case,
            kind=ReferenceKind.TEAM,
            contours=fused.contours,
            version=version,
            contributors=ids,
            rater=f"majority vote of {len(ids)} trainees",
        )
    except IntegrityError:  # another worker stored this version first
        ref = current_reference(case=case)
    return ref, ""


def _consensus_for(sub: Submission) -> tuple[ReferenceContour | None, str]:
    """The consensus an evaluation uses, and a note for the trainee when there is none (or it is automatic)."""
    case = sub.case
    if case.dataset is None or case.dataset.consensus_source == ConsensusSource.AUTOMATIC:
        # The automatic consensus is per submission (the trainee's contour is the CNN's 4th channel): the ml task
        # stored it as this submission's reference, with a note on the model's own accuracy.
        ref = sub.reference if sub.reference is not None and sub.reference.kind == ReferenceKind.AUTOMATIC else None
        return ref, sub.consensus_note or ("" if ref else NO_ACTIVE_MODEL_NOTE)
    if case.dataset.consensus_source == ConsensusSource.TEAM_AVERAGE:
        return _team_consensus(case)
    if case.dataset.consensus_source == ConsensusSource.EXPERT_CONSENSUS:
        from backend.cases.expert_consensus import expert_consensus_current

        return expert_consensus_current(case)
    ref = current_reference(case=case)
    return ref, "" if ref else "This case has no gold-standard contours yet."


def evaluation_run(*, submission_id: int) -> Submission:
    """Evaluate a submission against its case's consensus; idempotent (a finished evaluation is left alone).

    Reads the parsed image and contours stored at upload time (nothing is re-parsed), runs
    :func:`backend.cmr.assessment.assess` and records the consensus used. The overlay PNG is not on this path (the
    feedback page draws the contours itself): :func:`overlay_get_or_render` makes it on first request.

    A second delivery of the task while another worker runs the evaluation (within its time limit) is a no-op; one
    "running" for longer has lost its worker and is run again, at most ``EVALUATION_MAX_RUNS`` times in all.
    """
    with transaction.atomic():
        sub = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("case", "case__dataset", "case__image_file", "contours_file", "reference")
            .get(pk=submission_id)
        )
        if sub.status in (EvaluationStatus.DONE, EvaluationStatus.FAILED) or _running_elsewhere(sub):
            return sub
        if sub.runs >= celery_policy.EVALUATION_MAX_RUNS:
            _fail(sub, _INTERRUPTED_MESSAGE)
            return sub
        sub.status, sub.started_at, sub.runs = EvaluationStatus.RUNNING, timezone.now(), sub.runs + 1
        sub.save(update_fields=["status", "started_at", "runs"])
    t0 = time.perf_counter()
    try:
        case = sub.case
        ref, note = _consensus_for(sub)
        image = image_from_bytes(file_read(case.image_file))
        trainee_cs = contour_set_from_bytes(file_read(sub.contours_file))
        ref_cs = contour_set_from_bytes(file_read(ref.contours_file)) if ref else None
        iron = None
        if settings.CMR_IRON_THRESHOLDS is not None:
            from backend.cmr.relaxometry import iron_grade_table_from_dict

            iron = iron_grade_table_from_dict(settings.CMR_IRON_THRESHOLDS)
        tolerances = case.dataset.tolerances() if case.dataset is not None else DEFAULT_TOLERANCES
        x, y = case.rv_insertion_x, case.rv_insertion_y  # a confirmed RV insertion point gives AHA names
        rv = (x, y) if case.rv_insertion_confirmed and x is not None and y is not None else None
        result = assess(image, trainee_cs, ref_cs, rv_insertion=rv, tolerances=tolerances, iron_table=iron)
        payload = to_json_ready(result.payload)
        summary = evaluation_summary(payload, tolerances, no_consensus_reason=None if ref else note or None)
        elapsed = time.perf_counter() - t0
        with staged_files(), transaction.atomic():
            sub.result = payload
            sub.summary = summary
            sub.reference = ref
            sub.consensus_source = ref.kind if ref else ""
            sub.consensus_version = ref.version if ref else None
            sub.consensus_contributors = list(ref.contributors) if ref else []
            sub.consensus_note = note
            sub.status, sub.finished_at, sub.analysis_seconds = EvaluationStatus.DONE, timezone.now(), elapsed
            sub.save()
    except CMRError as exc:
        _fail(sub, str(exc))
    except Exception:
        log.exception("evaluation of submission %s failed", submission_id)
        _fail(sub, "The evaluation failed because of an internal error; the team has been told. Please try again.")
        raise
    return sub


_INTERRUPTED_MESSAGE = (
    "The evaluation was interrupted several times and could not be finished; the team has been told. "
    "Please upload your contours again."
)


def _running_elsewhere(sub: Submission, now: datetime | None = None) -> bool:
    """Whether a worker is running this evaluation now (started within the time limit and its grace)."""
    if sub.status != EvaluationStatus.RUNNING or sub.started_at is None:
        return False
    now = now or timezone.now()
    return sub.started_at > now - timedelta(seconds=celery_policy.evaluation_stuck_after_s())


def evaluations_requeue_stuck(*, now: datetime | None = None) -> list[int]:
    """Re-queue the evaluations stuck in "running" (their worker was lost); the sweep of the evaluation workers.

    An evaluation "running" for longer than its time limit plus a grace (``celery_policy.evaluation_stuck_after_s``)
    is reset to queued and its task sent again; one already started ``EVALUATION_MAX_RUNS`` times is marked failed.
    Each reset is a conditional update, so several workers may sweep at once.

    Parameters
    ----------
    now : datetime, optional
        The time to judge by (default: now).

    Returns
    -------
    list of int
        The ids of the submissions re-queued.
    """
    from .tasks import evaluate_submission

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=celery_policy.evaluation_stuck_after_s())
    stuck = Submission.objects.filter(status=EvaluationStatus.RUNNING, started_at__lt=cutoff)
    requeued = []
    for pk, runs, started_at in stuck.values_list("pk", "runs", "started_at"):
        same = Submission.objects.filter(pk=pk, status=EvaluationStatus.RUNNING, started_at=started_at)
        if runs >= celery_policy.EVALUATION_MAX_RUNS:
            if same.update(status=EvaluationStatus.FAILED, error=_INTERRUPTED_MESSAGE, finished_at=now):
                log.error("evaluation of submission %s failed: interrupted %s times", pk, runs)
            continue
        if same.update(status=EvaluationStatus.QUEUED):
            log.warning("evaluation of submission %s was stuck in running since %s: re-queued", pk, started_at)
            evaluate_submission.delay(pk)
            requeued.append(pk)
    return requeued


def _fail(sub: Submission, message: str) -> None:
    Submission.objects.filter(pk=sub.pk).update(
        status=EvaluationStatus.FAILED, error=message, finished_at=timezone.now()
    )
    sub.refresh_from_db()


def overlay_get_or_render(*, submission: Submission, reveal: bool | None = None) -> StoredFile | None:
    """The discrepancy overlay PNG of an evaluated submission, rendered and stored on first request.

    In reveal mode (and for practice) the consensus contours and the discrepancy are drawn; in score-only mode only
    the trainee's contours. The stored overlay records the mode it was drawn for and is served only in that mode:
    after the dataset's feedback mode changes it is rendered again and the old file deleted (one file, one row per
    submission). Concurrent requests render it once: the second waits on the submission's row lock and reads the
    first one's file.

    Parameters
    ----------
    submission : Submission
    reveal : bool, optional
        Draw the consensus; default: as the case's dataset's feedback mode says (always for practice).

    Returns
    -------
    StoredFile or None
        None while the evaluation is not done.
    """
    if submission.status != EvaluationStatus.DONE:
        return None
    case = submission.case
    if reveal is None:
        reveal = case.dataset is None or case.dataset.feedback_mode == FeedbackMode.REVEAL
    mode = OverlayMode.REVEAL if reveal else OverlayMode.OWN_CONTOURS
    if submission.overlay_file_id and submission.overlay_mode == mode:
        return submission.overlay_file
    with staged_files(), transaction.atomic():
        # Lock the row alone: a join in the locking query would read the other request's new file row with this
        # statement's older snapshot (PostgreSQL re-reads only the locked row after the wait), i.e. as missing.
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.overlay_file_id is not None and sub.overlay_mode == mode:
            _copy_overlay_fields(sub, submission)
            return sub.overlay_file
        png = _render_overlay_png(sub, case, reveal=reveal)
        f = file_store(png, content_type="image/png", download_name=f"case-{case.pk}-attempt-{sub.attempt}-overlay.png")
        old = sub.overlay_file
        sub.overlay_file, sub.overlay_mode = f, mode
        sub.save(update_fields=["overlay_file", "overlay_mode"])
        if old is not None:
            old_path = file_path(old)
            old.delete()
            transaction.on_commit(lambda: Path(old_path).unlink(missing_ok=True))
    _copy_overlay_fields(sub, submission)
    return f


def _copy_overlay_fields(src: Submission, dst: Submission) -> None:
    dst.overlay_file, dst.overlay_mode = src.overlay_file, src.overlay_mode


def _render_overlay_png(sub: Submission, case: Case, *, reveal: bool) -> bytes:
    image = image_from_bytes(file_read(case.image_file))
    trainee_cs = contour_set_from_bytes(file_read(sub.contours_file))
    ref = sub.reference if reveal else None
    shape = (case.rows, case.columns)
    t_endo, t_epi = wall_contours(trainee_cs, shape)
    ref_cs = contour_set_from_bytes(file_read(ref.contours_file)) if ref is not None else None
    return render_overlay(
        image.display_frame(),
        pixel_spacing_mm=image.pixel_spacing_mm,
        trainee=(t_endo, t_epi),
        trainee_regions=lv_regions(trainee_cs, shape),
        reference=wall_contours(ref_cs, shape) if ref_cs else None,
        reference_regions=lv_regions(ref_cs, shape) if ref_cs else None,
        units=image.units,
        title=f"{case.title}: attempt {sub.attempt}",
    )


def draft_save(*, trainee: User, case: Case, endocardium: object, epicardium: object) -> ContourDraft:
    """Save (create or replace) a trainee's draft contours on a case; nothing is evaluated.

    A draft may be unfinished: either wall may be null, and a polygon may have fewer than 3 points yet. Each point
    must be two finite numbers inside the image (pixel coordinates, x = column, y = row, from -0.5 to
    columns - 0.5 and rows - 0.5).

    Parameters
    ----------
    trainee : User
        A trainee who may see ``case``.
    case : Case
    endocardium, epicardium : list of [x, y] or None
        The decoded JSON values.

    Returns
    -------
    ContourDraft

    Raises
    ------
    UploadError
        A malformed point or one outside the image (naming the wall); nothing is stored.
    """
    from backend.cmr.contour_json import parse_polygon

    if not trainee.is_trainee:
        raise UploadError("Only trainees save draft contours.")
    walls: dict[str, list | None] = {}
    for name, value in (("endocardium", endocardium), ("epicardium", epicardium)):
        if value is None:
            walls[name] = None
            continue
        try:
            pts = parse_polygon(value, name)
        except CMRError as exc:
            raise UploadError(str(exc), name) from None
        if len(pts) and (pts.min() < -0.5 or pts[:, 0].max() > case.columns - 0.5 or pts[:, 1].max() > case.rows - 0.5):
            raise UploadError(
                f"The {name} leaves the image: it is {case.columns} columns x {case.rows} rows (pixel coordinates, "
                "x = column, y = row).",
                name,
            )
        walls[name] = pts.tolist()
    with transaction.atomic():
        draft, _ = ContourDraft.objects.select_for_update().get_or_create(trainee=trainee, case=case)
        draft.endocardium, draft.epicardium = walls["endocardium"], walls["epicardium"]
        draft.full_clean()
        draft.save()
    return draft


def draft_delete(*, trainee: User, case: Case) -> None:
    """Remove a trainee's draft on a case (no error when there is none)."""
    ContourDraft.objects.filter(trainee=trainee, case=case).delete()


def reevaluations_queue(*, case: Case) -> list[int]:
    """Queue the re-evaluation of every finished submission of ``case`` (after its consensus changed).

    One task per submission (:func:`backend.submissions.tasks.reevaluate_submission`), sent when the surrounding
    transaction commits. Submissions still queued or running are left alone: they read the consensus when they run.

    Returns
    -------
    list of int
        The ids of the submissions queued.
    """
    from .tasks import reevaluate_submission

    ids = list(
        Submission.objects.filter(case=case, status__in=[EvaluationStatus.DONE, EvaluationStatus.FAILED]).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        transaction.on_commit(partial(reevaluate_submission.delay, pk))
    return ids


def submission_reevaluate(*, submission_id: int) -> Submission:
    """Evaluate a finished submission again against its case's current consensus, keeping the old result.

    The earlier evaluation (its summary, payload, verdict and the consensus source, version and reference it used)
    is kept as a :class:`PastEvaluation`; the submission then holds the new one. Idempotent: a submission already
    evaluated against the current consensus, or still queued or running, is left as it is. A case whose consensus
    is made per submission (automatic) or from the team (majority vote) is re-evaluated by its own path.

    Parameters
    ----------
    submission_id : int

    Returns
    -------
    Submission
        After the new evaluation (or unchanged).
    """
    old_overlay = None
    with transaction.atomic():
        sub = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("case", "case__dataset", "reference")
            .get(pk=submission_id)
        )
        case = sub.case
        if sub.status not in (EvaluationStatus.DONE, EvaluationStatus.FAILED):
            return sub
        if case.dataset is None or case.dataset.consensus_source != ConsensusSource.GOLD_STANDARD:
            return sub
        ref = current_reference(case=case)
        if ref is None or sub.reference_id == ref.pk:
            return sub
        past = PastEvaluation(
            submission=sub,
            status=sub.status,
            error=sub.error,
            result=sub.result,
            summary=sub.summary,
            reference=sub.reference,
            consensus_source=sub.consensus_source,
            consensus_version=sub.consensus_version,
            consensus_contributors=list(sub.consensus_contributors or []),
            finished_at=sub.finished_at,
        )
        past.full_clean()
        past.save()
        old_overlay = sub.overlay_file
        Submission.objects.filter(pk=sub.pk).update(
            status=EvaluationStatus.QUEUED,
            error="",
            result=None,
            summary=None,
            reference=None,
            overlay_file=None,
            overlay_mode="",
            runs=0,
            started_at=None,
            finished_at=None,
        )
        if old_overlay is not None:
            from backend.core.storage import files_delete

            files_delete([old_overlay])  # drawn with the old consensus; made again on request
    return evaluation_run(submission_id=submission_id)
