"""Reads for users and cohorts, scoped to the requester (deny by default)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Cohort, User


def cohort_list(*, user: User) -> QuerySet[Cohort]:
    """Cohorts the user runs (supervisor) or belongs to and that are not archived (trainee)."""
    qs = Cohort.objects.select_related("supervisor").prefetch_related("trainees", "datasets")
    if user.is_supervisor:
        return qs.filter(supervisor=user)
    return qs.filter(trainees=user, archived_at__isnull=True)


def cohort_get(*, user: User, cohort_id: int, manage: bool = False) -> Cohort:
    """One cohort the user may see (``manage``: that the user supervises); raises ``Cohort.DoesNotExist``."""
    qs = cohort_list(user=user)
    if manage and not user.is_supervisor:
        raise Cohort.DoesNotExist
    return qs.get(pk=cohort_id)


def trainee_get(*, user: User, trainee_id: int) -> User:
    """A trainee the user may see: themself, or (supervisor) a trainee of one of their cohorts."""
    if user.is_trainee:
        if user.pk != trainee_id:
            raise User.DoesNotExist
        return user
    return User.objects.filter(cohorts__supervisor=user).distinct().get(pk=trainee_id)


def cohort_trainee_get(*, cohort: Cohort, user_id: int) -> User:
    """A trainee of ``cohort``; raises ``User.DoesNotExist``."""
    return cohort.trainees.get(pk=user_id)


def cohorts_shared(*, supervisor: User, trainee: User) -> list[Cohort]:
    """The cohorts of ``supervisor`` that ``trainee`` is in (what a supervisor's view of a trainee covers)."""
    return list(Cohort.objects.filter(supervisor=supervisor, trainees=trainee).order_by("name", "id"))


def trainee_deletable_by(*, supervisor: User, trainee: User) -> bool:
    """Whether ``supervisor`` may delete ``trainee``'s account and work: every cohort of the trainee is theirs.

    A trainee who is also in another supervisor's cohort is removed from one's own cohort instead (the other
    supervisor's cases and scores are not one's to delete).
    """
    return (
        supervisor.is_supervisor
        and trainee.is_trainee
        and trainee.cohorts.filter(supervisor=supervisor).exists()
        and not trainee.cohorts.exclude(supervisor=supervisor).exists()
    )
