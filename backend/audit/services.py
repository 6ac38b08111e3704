"""Writes of the audit log: record an access, prune old entries, erase a deleted user's entries."""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Cohort, User

from .models import AccessAction, AccessEvent, AccessKind


def _describe(kind: AccessKind, ids: dict, actor: User) -> tuple[str, str, User | None, User | None]:
    """``(object_id, object_repr, owner, subject)`` of what a route with these URL ids serves."""
    from backend.cases.models import Case
    from backend.progress.models import ReportJob
    from backend.submissions.models import Submission

    if "case_id" in ids:
        case = Case.objects.select_related("dataset__created_by", "owner").get(pk=ids["case_id"])
        owner = case.dataset.created_by if case.dataset is not None else None
        subject = case.owner  # a practice case is its trainee's
        return str(case.pk), f"case {case.pk} {case.title!r}", owner, subject
    if "submission_id" in ids:
        sub = Submission.objects.select_related("case__dataset__created_by", "trainee").get(pk=ids["submission_id"])
        owner = sub.case.dataset.created_by if sub.case.dataset is not None else None
        return str(sub.pk), f"attempt {sub.attempt} of {sub.trainee.username} on case {sub.case_id}", owner, sub.trainee
    if "job_id" in ids:
        job = ReportJob.objects.select_related("requested_by", "trainee", "cohort__supervisor").get(pk=ids["job_id"])
        owner = job.requested_by if job.requested_by.is_supervisor else None
        if owner is None and job.cohort is not None:
            owner = job.cohort.supervisor
        return str(job.pk), f"{job.kind} report {job.pk}", owner, job.trainee
    if "trainee_id" in ids:
        trainee = User.objects.get(pk=ids["trainee_id"])
        return str(trainee.pk), f"trainee {trainee.username}", actor if actor.is_supervisor else None, trainee
    if "cohort_id" in ids:
        cohort = Cohort.objects.select_related("supervisor").get(pk=ids["cohort_id"])
        return str(cohort.pk), f"cohort {cohort.name!r}", cohort.supervisor, None
    return "", "", actor if actor.is_supervisor else None, None


def access_record(
    *, actor: User, kind: AccessKind | str, action: AccessAction | str, ids: dict, path: str
) -> AccessEvent:
    """Record that ``actor`` viewed or downloaded the object the URL ids name.

    Parameters
    ----------
    actor : User
        The signed-in user who was served the content.
    kind, action : AccessKind, AccessAction
        What was served, and whether it was shown or downloaded.
    ids : dict
        The URL's keyword arguments (``case_id``, ``submission_id``, ``job_id``, ``trainee_id``, ``cohort_id``).
    path : str
        The request's path and query string.

    Returns
    -------
    AccessEvent
        Saved, with the supervisor whose content it is (``owner``) and the trainee whose work it shows.
    """
    object_id, object_repr, owner, subject = _describe(AccessKind(kind), ids, actor)
    ev = AccessEvent(
        actor=actor,
        actor_username=actor.username,
        owner=owner,
        subject=subject,
        kind=AccessKind(kind),
        action=AccessAction(action),
        object_id=object_id,
        object_repr=object_repr[:300],
        path=path[:500],
    )
    ev.full_clean()
    ev.save()
    return ev


def audit_prune(*, now: datetime | None = None, days: int | None = None) -> tuple[int, int]:
    """Delete access events and change entries older than the retention period.

    Parameters
    ----------
    now : datetime, optional
        The time to judge by (default: now).
    days : int, optional
        Keep this many days (default ``settings.AUDIT_RETENTION_DAYS``; 0 keeps everything).

    Returns
    -------
    (int, int)
        How many access events and how many change entries were deleted.
    """
    days = settings.AUDIT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0, 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    n_access, _ = AccessEvent.objects.filter(at__lt=cutoff).delete()
    n_changes, _ = LogEntry.objects.filter(timestamp__lt=cutoff).delete()
    return n_access, n_changes


@transaction.atomic
def audit_erase_user(*, user: User, submission_ids: list[int]) -> None:
    """Remove a deleted trainee's personal data from the audit log (called before the account row is deleted).

    Their own access events and the events about their work go; the change entries about their account and their
    submissions go. The record that a supervisor deleted the account stays (django-auditlog writes it when the
    row is deleted).
    """
    AccessEvent.objects.filter(actor=user).delete()
    AccessEvent.objects.filter(subject=user).delete()
    LogEntry.objects.filter(actor=user).delete()
    user_ct = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_ct, object_pk=str(user.pk)).delete()
    if submission_ids:
        from backend.submissions.models import Submission

        sub_ct = ContentType.objects.get_for_model(Submission)
        LogEntry.objects.filter(content_type=sub_ct, object_pk__in=[str(i) for i in submission_ids]).delete()
