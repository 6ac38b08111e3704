"""Three supervisors' worth of fixtures: each with a cohort, a trainee of their own, a dataset, a case (gold
standard), an evaluated submission, a training run and a report; one trainee is enrolled by S1 and S2 both and
has an evaluated submission on each of their cases. S2's contours differ from S1's and S3's (grown 2.5 px instead
of 1 px), so S2's scores are numbers no other supervisor's response has."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from backend.accounts.models import Cohort, Role, User
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.models import Case, Dataset
from backend.cases.services import case_create, dataset_create
from backend.cnn.models import TrainingRun
from backend.progress.models import ReportJob
from backend.submissions.models import Submission
from backend.submissions.services import evaluation_run, submission_create
from tests.backend.conftest import dicom_upload, grow, sav_upload

GROW_PX = {1: 1.0, 2: 2.5, 3: 1.0}


@dataclass
class Site:
    n: int
    supervisor: User
    trainee: User
    cohort: Cohort
    dataset: Dataset
    case: Case
    submission: Submission
    run: TrainingRun
    report: ReportJob
    shared_submission: Submission | None = None
    markers: list[str] = field(default_factory=list)


def make_site(n: int, phantom, tmp_path) -> Site:
    sup = user_create(username=f"sup{n}", password="pw", role=Role.SUPERVISOR, full_name=f"Supervisor Number{n}")
    cohort = cohort_create(supervisor=sup, name=f"Cohort of S{n}")
    trainee = cohort_add_trainee(cohort=cohort, username=f"trainee{n}", password="pw", full_name=f"Trainee Of{n}")
    ds = dataset_create(user=sup, name=f"Dataset of S{n}", cohorts=[cohort])
    case = case_create(
        user=sup,
        dataset=ds,
        title=f"Case of S{n}",
        image_files=[dicom_upload(phantom, tmp_path, name=f"s{n}.dcm")],
        gold_standard=sav_upload(phantom.endocardium, phantom.epicardium, "gold.sav"),
    )
    sub = submission_create(
        trainee=trainee,
        case=case,
        contours=sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, GROW_PX[n])),
    )
    sub = evaluation_run(submission_id=sub.pk)
    run = TrainingRun.objects.create(requested_by=sup)
    run.datasets.set([ds])
    report = ReportJob.objects.create(kind="trainee", requested_by=sup, trainee=trainee)
    markers = [f"Case of S{n}", f"Dataset of S{n}", f"Cohort of S{n}", f"trainee{n}", f"Trainee Of{n}"]
    return Site(n, sup, trainee, cohort, ds, case, sub, run, report, markers=markers)


@pytest.fixture
def three(phantom, tmp_path):
    """``(s1, s2, s3, shared)``: three sites and the trainee enrolled by S1 and S2 (as existing data could have it,
    or an administrator did; the enrolment API refuses it)."""
    sites = [make_site(n, phantom, tmp_path) for n in (1, 2, 3)]
    s1, s2, s3 = sites
    shared = user_create(username="shared", password="pw", role=Role.TRAINEE, full_name="Shared Trainee")
    for s in (s1, s2):
        s.cohort.trainees.add(shared)
        sub = submission_create(
            trainee=shared,
            case=s.case,
            contours=sav_upload(
                phantom.endocardium, grow(phantom.epicardium, phantom.centre, GROW_PX[s.n] + 0.5 + 0.3 * (s.n == 2))
            ),
        )
        s.shared_submission = evaluation_run(submission_id=sub.pk)
    for s in sites:  # a score of this site's that no other site's contours give
        for sub in (s.submission, s.shared_submission):
            if sub is not None and s.n == 2:
                s.markers.append(repr(sub.summary["agreement"]["myocardium"]["dice"]))
    return s1, s2, s3, shared
