"""Deleting content with everything stored for it: cases, datasets, cohorts and trainees (nothing orphaned).

Each deletion gathers the stored files of the rows it removes (images, contour files, overlays, report PDFs),
deletes the rows, then the files (:func:`backend.core.storage.files_delete`: their bytes once the transaction
commits). This module sits above the apps whose rows it removes (accounts, cases, submissions, progress, audit),
so that none of them imports another that calls it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from backend.accounts.models import Cohort, User
from backend.accounts.selectors import trainee_deletable_by
from backend.cases.models import Case, Dataset, ReferenceContour
from backend.core.models import StoredFile
from backend.core.storage import files_delete
from backend.submissions.models import Submission

from .models import ReportJob


def _with_repeats(case_ids: Iterable[int]) -> list[int]:
    """The ids and, recursively, the ids of their repeat cases (deleted with their original)."""
    ids = set(case_ids)
    frontier = set(ids)
    while frontier:
        frontier = set(Case.objects.filter(repeat_of__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def _files_of_submissions(subs) -> list[StoredFile | None]:
    out: list[StoredFile | None] = []
    for s in subs.select_related("source_file", "contours_file", "overlay_file"):
        out += [s.source_file, s.contours_file, s.overlay_file]
    return out


def _files_of_cases(case_ids: list[int]) -> list[StoredFile | None]:
    out: list[StoredFile | None] = []
    for c in Case.objects.filter(pk__in=case_ids).select_related("dicom_file", "image_file"):
        out += [c.dicom_file, c.image_file]
    for r in ReferenceContour.objects.filter(case__in=case_ids).select_related("source_file", "contours_file"):
        out += [r.source_file, r.contours_file]
    out += _files_of_submissions(Submission.objects.filter(case__in=case_ids))
    return out


def _delete_cases(case_ids: list[int]) -> int:
    ids = _with_repeats(case_ids)
    files = _files_of_cases(ids)
    Case.objects.filter(pk__in=ids).delete()  # references, submissions, their history and drafts cascade
    return files_delete(files)


def _manages(user: User, dataset: Dataset | None) -> bool:
    return user.is_supervisor and dataset is not None and dataset.created_by_id == user.pk


@transaction.atomic
def case_delete(*, user: User, case: Case) -> int:
    """Delete a case with its references, submissions, repeats and every file stored for them.

    Parameters
    ----------
    user : User
        The supervisor who created the case's dataset.
    case : Case

    Returns
    -------
    int
        How many stored files were deleted.

    Raises
    ------
    Case.DoesNotExist
        ``user`` does not manage the case.
    """
    if not _manages(user, case.dataset):
        raise Case.DoesNotExist
    return _delete_cases([case.pk])


@transaction.atomic
def dataset_delete(*, user: User, dataset: Dataset) -> int:
    """Delete a dataset, its cases and everything stored for them (returns the number of files deleted).

    Raises
    ------
    Dataset.DoesNotExist
        ``user`` did not create the dataset.
    """
    if not _manages(user, dataset):
        raise Dataset.DoesNotExist
    n = _delete_cases(list(dataset.cases.values_list("pk", flat=True)))
    dataset.delete()
    return n


@transaction.atomic
def cohort_delete(*, user: User, cohort: Cohort) -> int:
    """Delete a cohort and its class reports (PDFs); its trainees' accounts and work stay (they may be in other
    cohorts; :func:`trainee_delete` removes a trainee). Returns the number of files deleted.

    Raises
    ------
    Cohort.DoesNotExist
        ``user`` does not run the cohort.
    """
    if not user.is_supervisor or cohort.supervisor_id != user.pk:
        raise Cohort.DoesNotExist
    jobs = ReportJob.objects.filter(cohort=cohort).select_related("file")
    files = [j.file for j in jobs]
    jobs.delete()
    cohort.delete()
    return files_delete(files)


@transaction.atomic
def trainee_delete(*, user: User, trainee: User) -> int:
    """Delete a trainee's account and all their data: submissions (files, overlays, past evaluations), practice
    cases, drafts, reports about or by them (PDFs) and their entries in the audit log.

    Parameters
    ----------
    user : User
        A supervisor who runs every cohort the trainee is in.
    trainee : User

    Returns
    -------
    int
        How many stored files were deleted.

    Raises
    ------
    User.DoesNotExist
        The trainee is in none of ``user``'s cohorts.
    ValidationError
        The trainee is also in another supervisor's cohort (remove them from your cohort instead).
    """
    from backend.audit.services import audit_erase_user

    if not user.is_supervisor or not trainee.cohorts.filter(supervisor=user).exists():
        raise User.DoesNotExist
    if not trainee_deletable_by(supervisor=user, trainee=trainee):
        raise ValidationError(
            "This trainee is also in another supervisor's cohort: remove them from your cohort instead; only a "
            "supervisor who runs all of their cohorts deletes the account."
        )
    subs = Submission.objects.filter(trainee=trainee)
    audit_erase_user(user=trainee, submission_ids=list(subs.values_list("pk", flat=True)))
    practice = list(Case.objects.filter(owner=trainee).values_list("pk", flat=True))
    n = _delete_cases(practice)
    files = _files_of_submissions(subs)
    subs.delete()
    jobs = ReportJob.objects.filter(trainee=trainee) | ReportJob.objects.filter(requested_by=trainee)
    files += [j.file for j in jobs.select_related("file")]
    jobs.delete()
    trainee.delete()
    return n + files_delete(files)
