"""Isolation between supervisors, and what a team consensus reveals: three supervisors' worth of fixtures.

S1 and S2 each run a cohort with a trainee, a dataset, a case and an evaluated submission; S3 runs nothing. Every
detail endpoint as S1 on S2's objects is a 404, S2's objects are filtered out of S1's lists, enrolling S2's trainee
by username is refused, and a trainee's report requested by a supervisor covers only that supervisor's cohorts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from backend.accounts.models import Cohort, Role, User
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.models import Case, Dataset
from backend.cases.services import case_create, dataset_create
from backend.cnn.models import TrainingRun
from backend.progress.models import ReportJob
from backend.progress.services import report_generate
from backend.submissions.models import Submission
from backend.submissions.services import evaluation_run, submission_create
from tests.backend.conftest import ApiClient, dicom_upload, grow, sav_upload

pytestmark = pytest.mark.django_db


@dataclass
class World:
    supervisor: User
    trainee: User
    cohort: Cohort
    dataset: Dataset
    case: Case
    submission: Submission
    run: TrainingRun
    report: ReportJob


def make_world(n: int, phantom, tmp_path) -> World:
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
        contours=sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 1)),
    )
    sub = evaluation_run(submission_id=sub.pk)
    run = TrainingRun.objects.create(requested_by=sup)
    run.datasets.set([ds])
    report = ReportJob.objects.create(kind="trainee", requested_by=sup, trainee=trainee)
    return World(sup, trainee, cohort, ds, case, sub, run, report)


@pytest.fixture
def worlds(phantom, tmp_path):
    s1 = make_world(1, phantom, tmp_path)
    s2 = make_world(2, phantom, tmp_path)
    s3 = user_create(username="sup3", password="pw", role=Role.SUPERVISOR, full_name="Supervisor Number3")
    return s1, s2, s3


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def report_pdf(client: ApiClient, body: dict) -> str:
    r = client.post("/api/reports/", body)
    assert r.status_code == 201, r.content
    report_generate(job_id=r.json()["id"])
    job = client.get(f"/api/reports/{r.json()['id']}").json()
    assert job["status"] == "done", job
    return pdf_text(b"".join(client.get(job["pdf_url"]).streaming_content))


def test_it_checks_ownership(worlds):
    """Every detail endpoint, read or write, as supervisor S1 (and S3) on S2's objects: 404."""
    s1, s2, s3 = worlds
    urls = [
        f"/api/cohorts/{s2.cohort.pk}/overview",
        f"/api/trainees/{s2.trainee.pk}/history",
        f"/api/datasets/{s2.dataset.pk}",
        f"/api/datasets/{s2.dataset.pk}/cases",
        f"/api/cases/{s2.case.pk}",
        f"/api/cases/{s2.case.pk}/dicom",
        f"/api/cases/{s2.case.pk}/pixels",
        f"/api/cases/{s2.case.pk}/reference",
        f"/api/submissions/{s2.submission.pk}",
        f"/api/submissions/{s2.submission.pk}/overlay.png",
        f"/api/training-runs/{s2.run.pk}",
        f"/api/reports/{s2.report.pk}",
        f"/api/reports/{s2.report.pk}/pdf",
    ]
    for sup in (s1.supervisor, s3):
        c = ApiClient(sup)
        for url in urls:
            r = c.get(url)
            assert r.status_code == 404, (sup.username, url, r.status_code)
        assert c.patch(f"/api/datasets/{s2.dataset.pk}", {"feedback_mode": "score_only"}).status_code == 404
        assert (
            c.post(f"/api/cohorts/{s2.cohort.pk}/trainees", {"username": "newbie", "password": "pw"}).status_code == 404
        )
        assert c.delete(f"/api/cohorts/{s2.cohort.pk}/trainees/{s2.trainee.pk}").status_code == 404
        assert c.post("/api/cases/", {"dataset": str(s2.dataset.pk), "title": "x"}, json=False).status_code == 404
        assert c.post("/api/reports/", {"kind": "trainee", "trainee_id": s2.trainee.pk}).status_code == 404
        assert c.post("/api/reports/", {"kind": "cohort", "cohort_id": s2.cohort.pk}).status_code == 404
        r = c.post("/api/training-runs/", {"dataset_ids": [s2.dataset.pk]})
        assert r.status_code == 400 and r.json()["field"] == "dataset_ids"
        r = c.post("/api/datasets/", {"name": "Mine", "cohort_ids": [s2.cohort.pk]})
        assert r.status_code == 400 and r.json()["field"] == "cohort_ids"
    # Nothing changed on S2's side.
    s2.dataset.refresh_from_db()
    assert s2.dataset.feedback_mode == "reveal"
    assert list(s2.cohort.trainees.all()) == [s2.trainee]
    assert not Cohort.objects.filter(datasets__name="Mine").exists()


def test_another_supervisors_objects_are_filtered_out_of_every_list(worlds):
    s1, s2, s3 = worlds
    c = ApiClient(s1.supervisor)
    assert [x["id"] for x in c.get("/api/cohorts/").json()] == [s1.cohort.pk]
    assert [x["id"] for x in c.get("/api/datasets/").json()] == [s1.dataset.pk]
    assert [x["id"] for x in c.get("/api/cases/").json()] == [s1.case.pk]
    assert [x["id"] for x in c.get("/api/submissions/").json()] == [s1.submission.pk]
    assert c.get(f"/api/submissions/?trainee={s2.trainee.pk}").json() == []
    assert c.get(f"/api/submissions/?case={s2.case.pk}").json() == []
    assert [x["id"] for x in c.get("/api/training-runs/").json()] == [s1.run.pk]
    c3 = ApiClient(s3)
    for url in ("/api/cohorts/", "/api/datasets/", "/api/cases/", "/api/submissions/", "/api/training-runs/"):
        assert c3.get(url).json() == [], url


def test_enrolling_another_supervisors_trainee_by_username_is_refused_and_shows_nothing(worlds):
    s1, s2, s3 = worlds
    for sup, cohort in ((s1.supervisor, s1.cohort), (s3, cohort_create(supervisor=s3, name="S3 class"))):
        c = ApiClient(sup)
        r = c.post(f"/api/cohorts/{cohort.pk}/trainees", {"username": s2.trainee.username})
        assert r.status_code == 400, r.content
        body = r.json()
        assert body["field"] == "username" and "another supervisor's cohort" in body["detail"]
        assert s2.supervisor.full_name not in body["detail"]  # who runs it is not told
        assert not cohort.trainees.filter(pk=s2.trainee.pk).exists()
        # So the enrol-then-report path is closed: the trainee is not theirs to see.
        assert c.get(f"/api/trainees/{s2.trainee.pk}/history").status_code == 404
        assert c.post("/api/reports/", {"kind": "trainee", "trainee_id": s2.trainee.pk}).status_code == 404
    # Once S2 removes the trainee from their cohort, another supervisor may enrol them.
    r = ApiClient(s2.supervisor).delete(f"/api/cohorts/{s2.cohort.pk}/trainees/{s2.trainee.pk}")
    assert r.status_code == 200
    r = ApiClient(s1.supervisor).post(f"/api/cohorts/{s1.cohort.pk}/trainees", {"username": s2.trainee.username})
    assert r.status_code == 200, r.content


def test_a_supervisor_may_enrol_their_own_trainee_in_a_second_cohort(worlds):
    s1, _, _ = worlds
    second = cohort_create(supervisor=s1.supervisor, name="S1 second class")
    r = ApiClient(s1.supervisor).post(f"/api/cohorts/{second.pk}/trainees", {"username": s1.trainee.username})
    assert r.status_code == 200, r.content
    assert second.trainees.filter(pk=s1.trainee.pk).exists()


def test_a_trainee_in_two_supervisors_cohorts_is_seen_by_each_only_within_their_own(worlds, phantom):
    """A trainee enrolled in both (before the enrolment rule, or by an administrator): every read of a supervisor,
    the PDF report included, covers only that supervisor's cohorts, datasets, cases and scores."""
    s1, s2, _ = worlds
    s1.cohort.trainees.add(s2.trainee)  # as existing data could have it
    own = s2.trainee
    sub = submission_create(
        trainee=own, case=s1.case, contours=sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 2))
    )
    evaluation_run(submission_id=sub.pk)
    c1 = ApiClient(s1.supervisor)
    history = c1.get(f"/api/trainees/{own.pk}/history").json()
    assert [x["case_id"] for x in history["submissions"]] == [s1.case.pk]
    assert [x["case_id"] for x in c1.get(f"/api/submissions/?trainee={own.pk}").json()] == [s1.case.pk]

    text = report_pdf(c1, {"kind": "trainee", "trainee_id": own.pk})
    assert "Cohort of S1" in text and "Case of S1" in text
    assert "Cohort of S2" not in text and "Case of S2" not in text and "Dataset of S2" not in text

    text = report_pdf(ApiClient(s2.supervisor), {"kind": "trainee", "trainee_id": own.pk})
    assert "Cohort of S2" in text and "Case of S2" in text
    assert "Cohort of S1" not in text and "Case of S1" not in text

    # The trainee's own report covers all of theirs.
    text = report_pdf(ApiClient(own), {"kind": "trainee"})
    assert all(s in text for s in ("Cohort of S1", "Cohort of S2", "Case of S1", "Case of S2"))

    # S1's class report: S1's cases only, for every trainee of the class.
    text = report_pdf(c1, {"kind": "cohort", "cohort_id": s1.cohort.pk})
    assert "Case of S1" in text and "Case of S2" not in text and "Cohort of S2" not in text


# ------------------------------------------------------------------------------------------------------------------
# The team consensus: contours only from enough contributors
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def team_case(supervisor, phantom, tmp_path):
    """A team-average, reveal-mode case with three trainees who each submitted once, all evaluated against the
    majority vote of the three."""
    cohort = cohort_create(supervisor=supervisor, name="Team class")
    trainees = [
        cohort_add_trainee(cohort=cohort, username=f"t{i}", password="pw", full_name=f"Team Trainee{i}")
        for i in range(3)
    ]
    ds = dataset_create(user=supervisor, name="Team T1", cohorts=[cohort], consensus_source="team_average")
    case = case_create(
        user=supervisor, dataset=ds, title="Team case", image_files=[dicom_upload(phantom, tmp_path, name="team.dcm")]
    )
    subs = [
        submission_create(
            trainee=t,
            case=case,
            contours=sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 0.5 * i)),
        )
        for i, t in enumerate(trainees)
    ]
    subs = [evaluation_run(submission_id=s.pk) for s in subs]
    assert all(s.consensus_source == "team" and len(s.consensus_contributors) == 3 for s in subs)
    return case, trainees, subs


def test_a_team_consensus_of_three_is_shown_to_trainees_as_numbers_only(team_case, supervisor):
    case, trainees, subs = team_case
    a = ApiClient(trainees[0])
    body = a.get(f"/api/submissions/{subs[0].pk}").json()
    assert body["consensus"]["contributors"] == 3 and body["consensus"]["source"] == "team"
    assert body["consensus_contours"] is None
    assert body["summary"]["agreement"]["myocardium"]["dice"] is not None  # the numbers are there
    assert body["summary"]["consensus"] is not None
    assert a.get(f"/api/cases/{case.pk}/reference").status_code == 404
    assert a.get(f"/api/cases/{case.pk}").json()["reference_available"] is False
    # The supervisor sees every trainee's contours anyway: the consensus is drawn for them.
    s = ApiClient(supervisor)
    assert s.get(f"/api/submissions/{subs[0].pk}").json()["consensus_contours"] is not None
    assert s.get(f"/api/cases/{case.pk}/reference").status_code == 200


def test_a_team_consensus_with_the_minimum_of_contributors_is_shown_as_contours(team_case, settings):
    settings.TEAM_CONSENSUS_MIN_CONTOURS_SHOWN = 3
    case, trainees, subs = team_case
    a = ApiClient(trainees[0])
    assert a.get(f"/api/submissions/{subs[0].pk}").json()["consensus_contours"] is not None
    ref = a.get(f"/api/cases/{case.pk}/reference")
    assert ref.status_code == 200 and ref.json()["contributors"] == 3
    assert a.get(f"/api/cases/{case.pk}").json()["reference_available"] is True


def test_the_minimum_defaults_to_five_contributors():
    from django.conf import settings

    assert settings.TEAM_CONSENSUS_MIN_CONTOURS_SHOWN == 5


def test_the_overlay_of_a_team_consensus_of_three_draws_only_the_trainees_contours_for_the_trainee(
    team_case, supervisor
):
    _, trainees, subs = team_case
    a = ApiClient(trainees[0])
    r = a.get(f"/api/submissions/{subs[0].pk}/overlay.png")
    assert r.status_code == 200
    subs[0].refresh_from_db()
    assert subs[0].overlay_mode == "own_contours"
    assert ApiClient(supervisor).get(f"/api/submissions/{subs[0].pk}/overlay.png").status_code == 200
    subs[0].refresh_from_db()
    assert subs[0].overlay_mode == "reveal"
    assert a.get(f"/api/submissions/{subs[0].pk}/overlay.png").status_code == 200
    subs[0].refresh_from_db()
    assert subs[0].overlay_mode == "own_contours"  # never the reveal-mode file served to the trainee
