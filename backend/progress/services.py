"""Writes for reports: request a report (queued on commit) and generate it (the Celery task's body)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Cohort, User
from backend.core.storage import file_store, staged_files

from .models import ReportJob, ReportKind, ReportStatus
from .selectors import cohort_report_data, trainee_report_data

log = logging.getLogger(__name__)


def report_request(*, user: User, kind: str, trainee: User | None = None, cohort: Cohort | None = None) -> ReportJob:
    """Queue a report. Supervisors: their cohorts' reports and their trainees'; trainees: their own only.

    Raises
    ------
    ValidationError
        Unknown kind or missing subject. Permission is checked by the caller's selectors (404 for others' data).
    """
    if kind == ReportKind.TRAINEE and trainee is None:
        raise ValidationError("Say which trainee the report is for.")
    if kind == ReportKind.COHORT and (cohort is None or not user.is_supervisor):
        raise ValidationError("Class reports are for supervisors, about one of their cohorts.")
    if kind not in ReportKind.values:
        raise ValidationError(f"Unknown report kind {kind!r}; expected trainee or cohort.")
    with transaction.atomic():
        job = ReportJob(kind=kind, requested_by=user, trainee=trainee, cohort=cohort)
        job.full_clean()
        job.save()
        from .tasks import generate_report

        transaction.on_commit(lambda: generate_report.delay(job.pk))
    return job


def _set_progress(job_id: int, progress: int, message: str = "") -> None:
    ReportJob.objects.filter(pk=job_id).update(progress=progress, message=message)


def render_report(job: ReportJob, progress=lambda p, m="": None) -> bytes:
    """The PDF bytes of a job's report (used by the task and by ``manage.py report``)."""
    from reports.cohort import render_cohort_report
    from reports.trainee import render_trainee_report

    if job.kind == ReportKind.TRAINEE:
        assert job.trainee is not None  # report_request sets the trainee of a trainee report
        progress(10, "Collecting the attempts")
        # A supervisor's request covers only their own cohorts; the trainee's own (or the CLI's, no requester) all.
        reader = job.requested_by if job.requested_by_id is not None else None
        trainee_data = trainee_report_data(trainee=job.trainee, reader=reader)
        progress(40, "Drawing the charts")
        return render_trainee_report(trainee_data)
    assert job.cohort is not None  # and the cohort of a class report
    progress(5, "Collecting the class's attempts")
    cohort_data = cohort_report_data(
        cohort=job.cohort, progress=lambda p: progress(5 + p, "Collecting the class's attempts")
    )
    progress(70, "Drawing the charts")
    return render_cohort_report(cohort_data)


def report_generate(*, job_id: int) -> ReportJob:
    """Generate a queued report; idempotent (a finished job is left alone)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update(of=("self",)).select_related("trainee", "cohort").get(pk=job_id)
        if job.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return job
        job.status = ReportStatus.RUNNING
        job.save(update_fields=["status"])
    try:
        pdf = render_report(job, lambda p, m="": _set_progress(job_id, p, m))
        subject = job.trainee.username if job.trainee else (job.cohort.name if job.cohort else "report")
        with staged_files(), transaction.atomic():
            f = file_store(
                pdf,
                content_type="application/pdf",
                download_name=f"myoqa-{job.kind}-report-{subject}-{timezone.now():%Y%m%d}.pdf".replace(" ", "_"),
            )
            ReportJob.objects.filter(pk=job_id).update(
                status=ReportStatus.DONE, progress=100, file=f, message="Ready", finished_at=timezone.now()
            )
    except Exception:
        log.exception("report %s failed", job_id)
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            message="The report could not be generated (internal error).",
        )
        raise
    job.refresh_from_db()
    return job
