"""Reads for reports: who may see which report, and the plain data objects ``reports/`` renders (no ORM there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from backend.accounts.models import Cohort, User
from backend.accounts.selectors import cohorts_shared
from backend.cases.models import Dataset, FeedbackMode, ReferenceKind
from backend.cases.selectors import team_consensus_shown
from backend.cmr.error_classes import KINDS
from backend.cmr.summary import DEFAULT_TOLERANCES
from backend.core.storage import file_read
from backend.submissions.models import EvaluationStatus, Submission
from backend.submissions.selectors import repeatability_list
from backend.submissions.services import overlay_get_or_render
from reports.data import (
    AccreditationRule,
    Attempt,
    CohortReportData,
    DatasetAccreditation,
    DatasetRule,
    Tolerances,
    TraineeReportData,
    accreditation_by_dataset,
)

from .models import ReportJob

N_THUMBNAILS = 3


def report_job_get(*, user: User, job_id: int) -> ReportJob:
    """A job the user requested; raises ``ReportJob.DoesNotExist``."""
    return ReportJob.objects.select_related("file").get(pk=job_id, requested_by=user)


def _attempt(s: Submission) -> Attempt:
    """A report's view of one evaluated submission: the numbers and the verdict of its stored summary."""
    sm = s.summary or {}
    myo = (sm.get("agreement") or {}).get("myocardium") or {}
    d = sm.get("delta") or {}
    tm = (sm.get("trainee") or {}).get("map") or {}
    cm = (sm.get("consensus") or {}).get("map") or {}
    quantity = sm.get("map_quantity") if sm.get("map_quantity") in ("t1_ms", "t2_ms", "t2star_ms") else None
    verdict = sm.get("verdict") or {}
    return Attempt(
        case_id=s.case_id,
        case_title=s.case.title,
        attempt=s.attempt,
        created_at=s.created_at,
        dice=myo.get("dice"),
        hd_mm=myo.get("hausdorff_mm"),
        hd95_mm=myo.get("hd95_mm"),
        msd_mm=myo.get("mean_surface_distance_mm"),
        map_quantity=quantity,
        trainee_map_ms=tm.get("mean") if quantity else None,
        consensus_map_ms=cm.get("mean") if quantity else None,
        delta_map_ms=d.get("map") if quantity else None,
        delta_wall_thickness_mm=d.get("wall_thickness_mm"),
        verdict=verdict.get("result"),
        verdict_message=verdict.get("message") or "",
        error_classes=list(sm.get("error_classes") or []),
        segments=list(sm.get("segments") or []),
        consensus_source=ReferenceKind(s.consensus_source).label if s.consensus_source else "",
        overlay_png=None,
        dataset_id=s.case.dataset_id,
        dataset_name=s.case.dataset.name if s.case.dataset is not None else "",
    )


def _dataset_rules(datasets: list[Dataset]) -> list[DatasetRule]:
    """Each dataset's own accreditation rule (applied to its cases only)."""
    return [
        DatasetRule(d.pk, d.name, AccreditationRule(last_n=d.accreditation_last_n, min_cases=d.accreditation_min_cases))
        for d in datasets
    ]


def _report_tolerances(dataset: Dataset | None, attempts: list[Attempt]) -> Tolerances:
    """The tolerances a report prints: its first dataset's (or the defaults), for its most common map quantity."""
    quantities = [a.map_quantity for a in attempts if a.map_quantity]
    quantity = max(set(quantities), key=quantities.count) if quantities else None
    return Tolerances.for_quantity(dataset.tolerances() if dataset else DEFAULT_TOLERANCES, quantity)


def _datasets_of(cohorts: list[Cohort], reader: User | None) -> list[Dataset]:
    qs = Dataset.objects.filter(cohorts__in=cohorts)
    if reader is not None and reader.is_supervisor:
        qs = qs.filter(created_by=reader)
    return list(qs.distinct().order_by("id"))


def _overlay_reveals(s: Submission, reader: User | None) -> bool | None:
    """Whether a report's overlay of ``s`` draws the consensus for ``reader`` (None: as the feedback mode says).

    As on the feedback page: in reveal mode only, and a team consensus for a trainee only from enough contributors.
    """
    if reader is None:
        return None
    mode = s.case.dataset.feedback_mode if s.case.dataset is not None else FeedbackMode.REVEAL
    return (
        mode == FeedbackMode.REVEAL
        and s.reference is not None
        and team_consensus_shown(user=reader, reference=s.reference)
    )


def report_cohorts(*, trainee: User, reader: User) -> list[Cohort]:
    """The cohorts a trainee's report covers for ``reader``: all of the trainee's for the trainee themself, only
    the reader's own cohorts for a supervisor (never another supervisor's cohorts, cases or scores)."""
    if reader.is_supervisor:
        return cohorts_shared(supervisor=reader, trainee=trainee)
    return list(trainee.cohorts.order_by("name", "id"))


def _report_scope(
    *, trainee: User, cohorts: list[Cohort] | None, reader: User | None
) -> tuple[list[Cohort], list[Dataset], list[Submission]]:
    """The cohorts, datasets and evaluated submissions (time order) a trainee's report covers for ``reader``."""
    if cohorts is None:
        cohorts = report_cohorts(trainee=trainee, reader=reader) if reader is not None else list(trainee.cohorts.all())
    if reader is not None and reader.is_supervisor:
        cohorts = [c for c in cohorts if c.supervisor_id == reader.pk]
    datasets = _datasets_of(cohorts, reader)
    subs = list(
        Submission.objects.filter(trainee=trainee, case__dataset__in=datasets, status=EvaluationStatus.DONE)
        .select_related(
            "case",
            "case__dataset",
            "case__image_file",
            "contours_file",
            "reference",
            "reference__contours_file",
            "overlay_file",
        )
        .order_by("created_at", "id")
    )
    return cohorts, datasets, subs


def trainee_accreditation(
    *, trainee: User, reader: User, cohorts: list[Cohort] | None = None
) -> list[DatasetAccreditation]:
    """A trainee's accreditation per dataset, as their report prints it (:func:`reports.data.accreditation_by_dataset`).

    The datasets are those of the trainee's cohorts that ``reader`` may see (a supervisor: their own cohorts and
    datasets only), each with its own rule applied to its own cases.
    """
    _, datasets, subs = _report_scope(trainee=trainee, cohorts=cohorts, reader=reader)
    return accreditation_by_dataset([_attempt(s) for s in subs], _dataset_rules(datasets))


def cohort_accreditation(*, cohort: Cohort) -> list[tuple[User, list[DatasetAccreditation]]]:
    """Each trainee of a cohort with their accreditation per dataset of the cohort (for its supervisor)."""
    trainees = list(cohort.trainees.order_by("last_name", "first_name", "username"))
    return [(t, trainee_accreditation(trainee=t, reader=cohort.supervisor, cohorts=[cohort])) for t in trainees]


def trainee_error_classes(*, trainee: User, reader: User) -> list[dict]:
    """A trainee's evaluated attempts (time order) with the error classes stored in their summaries.

    Each: ``submission_id``, ``case_id``, ``case_title``, ``dataset_id``, ``attempt_index`` (1 for the first
    evaluated attempt on its case, 2 for the second, ... in time order), ``created_at`` and ``classes``
    (``kind``, ``structure``, ``size_mm`` as stored; kinds not in :data:`backend.cmr.error_classes.KINDS` dropped).
    Nothing is recomputed.
    """
    _, _, subs = _report_scope(trainee=trainee, cohorts=None, reader=reader)
    seen: dict[int, int] = {}
    out = []
    for s in subs:
        seen[s.case_id] = seen.get(s.case_id, 0) + 1
        classes = [
            {"kind": e.get("kind"), "structure": e.get("structure") or "", "size_mm": e.get("size_mm")}
            for e in ((s.summary or {}).get("error_classes") or [])
            if isinstance(e, dict) and e.get("kind") in KINDS
        ]
        out.append(
            {
                "submission_id": s.pk,
                "case_id": s.case_id,
                "case_title": s.case.title,
                "dataset_id": s.case.dataset_id,
                "attempt_index": seen[s.case_id],
                "created_at": s.created_at,
                "classes": classes,
            }
        )
    return out


def trainee_report_data(
    *, trainee: User, cohorts: list[Cohort] | None = None, reader: User | None = None
) -> TraineeReportData:
    """Everything a trainee's report shows: their evaluated attempts on their cohorts' datasets, in time order.

    Parameters
    ----------
    trainee : User
    cohorts : the cohorts covered; default :func:`report_cohorts` for ``reader`` (all of the trainee's when no
        reader is given). A supervisor passes only theirs.
    reader : who the report is for; a supervisor's report covers only datasets they created.

    The overlays of the ``N_THUMBNAILS`` attempts with the lowest myocardial Dice are attached (the largest
    discrepancies); the printed tolerances are the first dataset's; each dataset's own accreditation rule applies
    to its own cases (``dataset_rules``; ``rule`` is the first dataset's, for a report of one dataset).
    """
    cohorts, datasets, subs = _report_scope(trainee=trainee, cohorts=cohorts, reader=reader)
    attempts = [_attempt(s) for s in subs]
    with_dice = [(a.dice, i) for i, a in enumerate(attempts) if a.dice is not None]
    worst = [i for _, i in sorted(with_dice)[:N_THUMBNAILS]]
    for i in worst:
        f = overlay_get_or_render(submission=subs[i], reveal=_overlay_reveals(subs[i], reader))
        attempts[i].overlay_png = file_read(f) if f is not None else None
    first = datasets[0] if datasets else None
    tol = _report_tolerances(first, attempts)
    rule = AccreditationRule(
        last_n=first.accreditation_last_n if first else 3, min_cases=first.accreditation_min_cases if first else 3
    )
    period = (subs[0].created_at.date(), subs[-1].created_at.date()) if subs else None
    return TraineeReportData(
        trainee_name=trainee.full_name,
        username=trainee.username,
        cohort_names=[c.name for c in cohorts],
        dataset_names=[d.name for d in datasets],
        consensus_sources=sorted({a.consensus_source for a in attempts if a.consensus_source}),
        period=period,
        tolerances=tol,
        rule=rule,
        attempts=attempts,
        generated_at=datetime.now(UTC),
        dataset_rules=_dataset_rules(datasets),
        repeatability=repeatability_list(user=reader or trainee, trainee=trainee, datasets=datasets),
    )


def cohort_report_data(*, cohort: Cohort, progress: Callable[[int], None] | None = None) -> CohortReportData:
    """Everything a class report shows: each trainee's report data, the class tolerances and rule."""
    trainees = list(cohort.trainees.order_by("last_name", "first_name", "username"))
    per = []
    for i, t in enumerate(trainees):
        per.append(trainee_report_data(trainee=t, cohorts=[cohort], reader=cohort.supervisor))
        if progress:
            progress(int(60 * (i + 1) / max(len(trainees), 1)))
    datasets = list(cohort.datasets.order_by("id"))
    first = per[0] if per else None
    return CohortReportData(
        cohort_name=cohort.name,
        supervisor_name=cohort.supervisor.full_name,
        dataset_names=[d.name for d in datasets],
        tolerances=first.tolerances if first else _report_tolerances(datasets[0] if datasets else None, []),
        rule=first.rule if first else AccreditationRule(3, 3),
        trainees=per,
        generated_at=datetime.now(UTC),
    )
