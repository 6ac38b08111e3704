"""Reads for datasets, cases and references, scoped to the requester (deny by default)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from backend.accounts.models import User

from .models import Case, ConsensusSource, Dataset, FeedbackMode, ReferenceContour, ReferenceKind


def dataset_list(*, user: User) -> QuerySet[Dataset]:
    """Datasets the user created or runs (supervisor) or that are given to one of their cohorts (trainee).

    A trainee never sees an archived dataset, nor one given only to an archived cohort; a supervisor sees both.
    """
    if user.is_supervisor:
        qs = Dataset.objects.filter(Q(created_by=user) | Q(cohorts__supervisor=user))
    else:
        qs = Dataset.objects.filter(cohorts__trainees=user, cohorts__archived_at__isnull=True, archived_at__isnull=True)
    return qs.distinct().prefetch_related("cohorts")


def dataset_get(*, user: User, dataset_id: int, manage: bool = False) -> Dataset:
    """One dataset the user may see (``manage``: one the supervisor created); raises ``Dataset.DoesNotExist``."""
    if manage:
        if not user.is_supervisor:
            raise Dataset.DoesNotExist
        return Dataset.objects.get(pk=dataset_id, created_by=user)
    return dataset_list(user=user).get(pk=dataset_id)


def case_list(*, user: User) -> QuerySet[Case]:
    """Cases of the user's datasets, plus (trainee) their own practice cases; a trainee sees no archived case."""
    datasets = dataset_list(user=user).values("pk")
    q = Q(dataset__in=datasets)
    if user.is_trainee:
        q = (q & Q(archived_at__isnull=True)) | Q(owner=user, dataset__isnull=True)
    qs = Case.objects.filter(q).select_related("dataset")
    if user.is_trainee:
        qs = qs.exclude(pk__in=repeats_hidden(user=user, datasets=datasets))
    return qs


def repeats_hidden(*, user: User, datasets, now: datetime | None = None) -> list[int]:
    """Ids of the repeat cases of ``datasets`` that trainee ``user`` may not see yet.

    A repeat is hidden before its ``repeat_available_at`` and, with ``repeat_after_cases`` = N, until the trainee
    has submitted to its original and then to N other cases of the dataset. Once the trainee has submitted to a
    repeat it stays shown.
    """
    now = now or timezone.now()
    hidden = []
    repeats = Case.objects.filter(dataset__in=datasets, repeat_of__isnull=False).exclude(submissions__trainee=user)
    for r in repeats.only("pk", "dataset_id", "repeat_of_id", "repeat_available_at", "repeat_after_cases"):
        if r.repeat_available_at is not None and now < r.repeat_available_at:
            hidden.append(r.pk)
            continue
        if r.repeat_after_cases is None:
            continue
        first = Case.objects.filter(repeats=r, submissions__trainee=user).aggregate(t=Min("submissions__created_at"))[
            "t"
        ]
        if first is None:
            hidden.append(r.pk)
            continue
        n_other = (
            Case.objects.filter(dataset__cases=r, submissions__trainee=user, submissions__created_at__gt=first)
            .exclude(Q(pk=r.pk) | Q(repeats=r))
            .distinct()
            .count()
        )
        if n_other < r.repeat_after_cases:
            hidden.append(r.pk)
    return hidden


def case_get(*, user: User, case_id: int) -> Case:
    """One case the user may see; raises ``Case.DoesNotExist``."""
    return case_list(user=user).get(pk=case_id)


def current_reference(*, case: Case, user: User | None = None) -> ReferenceContour | None:
    """The consensus a new evaluation of ``case`` uses, per the dataset's consensus source (None when absent).

    An automatic (CNN) consensus is made per submission, from the trainee's own contour: for a trainee ``user``
    only the one of their latest submission is theirs to see.
    """
    if case.dataset is None:
        kinds = [ReferenceKind.AUTOMATIC]
    else:
        kinds = {
            ConsensusSource.GOLD_STANDARD: [ReferenceKind.GOLD_STANDARD],
            ConsensusSource.EXPERT_CONSENSUS: [ReferenceKind.EXPERT_CONSENSUS],
            ConsensusSource.TEAM_AVERAGE: [ReferenceKind.TEAM],
            ConsensusSource.AUTOMATIC: [ReferenceKind.AUTOMATIC],
        }[ConsensusSource(case.dataset.consensus_source)]
    qs = ReferenceContour.objects.filter(case=case, kind__in=kinds).select_related("contours_file")
    if user is not None and user.is_trainee and kinds == [ReferenceKind.AUTOMATIC]:
        qs = qs.filter(evaluations__trainee=user)
    return qs.order_by("-version", "-id").first()


def reference_visible(*, user: User, case: Case) -> bool:
    """May ``user`` see the consensus contours of ``case`` now?

    Supervisors: for cases of their datasets. Trainees: only in reveal mode and only after submitting to the case;
    never in score-only mode.
    """
    if user.is_supervisor:
        return case.dataset is not None and case.dataset.created_by_id == user.pk
    if case.dataset is None:
        return case.owner_id == user.pk
    if case.dataset.feedback_mode != FeedbackMode.REVEAL:
        return False
    return case.submissions.filter(trainee=user).exists()


def team_consensus_shown(*, user: User, reference: ReferenceContour) -> bool:
    """May ``user`` see ``reference`` drawn as contours, as far as who it was voted from goes?

    A team consensus (majority vote of the trainees' latest contours) is shown to a trainee as contours only when
    at least ``settings.TEAM_CONSENSUS_MIN_CONTOURS_SHOWN`` submissions were voted: with fewer, the vote shows where
    a few classmates agree, to the half pixel. Below that a trainee gets the numbers only. Supervisors (who see every
    trainee's contours anyway) and the other kinds of consensus are not limited.
    """
    if user.is_supervisor or reference.kind != ReferenceKind.TEAM:
        return True
    return len(reference.contributors or []) >= settings.TEAM_CONSENSUS_MIN_CONTOURS_SHOWN


def current_expert_set(refs: Iterable[ReferenceContour]) -> list[ReferenceContour]:
    """The current expert set among a case's expert references: those of the highest version.

    A supervisor who replaces a case's expert contours stores a new set (version N + 1); the older sets are kept
    for the history but no longer read.
    """
    experts = [r for r in refs if r.kind == ReferenceKind.EXPERT]
    if not experts:
        return []
    latest = max(r.version for r in experts)
    return [r for r in experts if r.version == latest]
