"""Content management by the supervisor: edit a case, replace its gold standard (a new consensus version, the
case's submissions re-evaluated through the Celery task, old results kept), archive, and delete cases, datasets,
cohorts and trainees with every file they stored (MEDIA_ROOT walked before and after)."""

from __future__ import annotations

import pytest

from backend.accounts.models import User
from backend.accounts.services import cohort_add_trainee
from backend.cases.models import Case, Dataset, ReferenceContour
from backend.core.models import StoredFile
from backend.progress.models import ReportJob
from backend.progress.services import report_generate
from backend.submissions.models import PastEvaluation, Submission
from backend.submissions.services import evaluation_run, practice_submission_create, submission_create
from backend.submissions.tasks import reevaluate_submission
from tests.backend.conftest import ApiClient, dicom_upload, grow, media_files, sav_upload

pytestmark = pytest.mark.django_db


def test_replacing_a_wrong_gold_standard_re_evaluates_and_keeps_the_old_result(
    supervisor, cohort, dataset, trainee_a, phantom, tmp_path, django_capture_on_commit_callbacks
):
    # The gold standard is wrong: its epicardium is 6 px too far out, so a correct trainee scores low.
    case = Case.objects.get(
        pk=ApiClient(supervisor)
        .post(
            "/api/cases/",
            {
                "dataset": str(dataset.pk),
                "title": "Wrong gold",
                "image": dicom_upload(phantom, tmp_path),
                "gold_standard": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 6), "g.sav"),
            },
            json=False,
        )
        .json()["id"]
    )
    sub = submission_create(
        trainee=trainee_a, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium, "mine.sav")
    )
    sub = evaluation_run(submission_id=sub.pk)
    old_dice = sub.summary["agreement"]["myocardium"]["dice"]
    assert sub.consensus_version == 1 and old_dice < 0.85
    old_ref = sub.reference_id

    c = ApiClient(supervisor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = c.post(
            f"/api/cases/{case.pk}/references",
            {"gold_standard": sav_upload(phantom.endocardium, phantom.epicardium, "fixed.sav")},
            json=False,
        )
    assert r.status_code == 201, r.content
    body = r.json()
    assert [(x["kind"], x["version"], x["current"]) for x in body["references"]] == [("gold_standard", 2, True)]
    assert body["reevaluations_queued"] == [sub.pk]
    assert len(callbacks) == 1  # one task per submission, sent on commit
    # What the worker runs: the task, by id (called in this process).
    assert reevaluate_submission.run(sub.pk) == "done"
    sub.refresh_from_db()
    assert sub.consensus_version == 2 and sub.reference_id != old_ref
    assert sub.summary["agreement"]["myocardium"]["dice"] == pytest.approx(1.0, abs=1e-9)
    assert sub.summary["verdict"]["result"] == "within"
    past = PastEvaluation.objects.get(submission=sub)
    assert past.consensus_version == 1 and past.reference_id == old_ref
    assert past.summary["agreement"]["myocardium"]["dice"] == old_dice
    # Idempotent: a second delivery of the task changes nothing.
    reevaluate_submission.run(sub.pk)
    assert PastEvaluation.objects.filter(submission=sub).count() == 1
    # The history is on the submission's page, for the trainee too.
    hist = ApiClient(trainee_a).get(f"/api/submissions/{sub.pk}").json()["history"]
    assert [(h["consensus_version"], h["dice"], h["verdict"]) for h in hist] == [(1, old_dice, "outside")]
    versions = c.get(f"/api/cases/{case.pk}/references").json()
    assert [(v["version"], v["current"], v["n_evaluations"]) for v in versions] == [(1, False, 0), (2, True, 1)]
    assert ReferenceContour.objects.filter(case=case, kind="gold_standard").count() == 2  # the old one kept


def test_a_refused_replacement_stores_nothing(supervisor, case):
    c = ApiClient(supervisor)
    n_files = len(media_files())
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post(
        f"/api/cases/{case.pk}/references",
        {"gold_standard": SimpleUploadedFile("bad.sav", b"not a sav file")},
        json=False,
    )
    assert r.status_code == 400 and r.json()["field"] == "gold_standard"
    r = c.post(f"/api/cases/{case.pk}/references", {}, json=False)
    assert r.status_code == 400 and "gold-standard" in r.json()["detail"]
    assert ReferenceContour.objects.filter(case=case).count() == 1 and len(media_files()) == n_files


def test_replacing_expert_contours_makes_a_new_expert_set(supervisor, case, phantom):
    c = ApiClient(supervisor)
    experts = [
        sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, d), f"e{d}.sav") for d in (0, 1)
    ]
    r = c.post(f"/api/cases/{case.pk}/references", {"experts": experts}, json=False)
    assert r.status_code == 201, r.content
    assert [(x["kind"], x["version"]) for x in r.json()["references"]] == [("expert", 1), ("expert", 1)]
    again = sav_upload(phantom.endocardium, phantom.epicardium, "e-new.sav")
    r = c.post(f"/api/cases/{case.pk}/references", {"experts": [again]}, json=False)
    assert r.status_code == 201, r.content
    assert [(x["kind"], x["version"]) for x in r.json()["references"]] == [("expert", 2)]
    assert c.get(f"/api/cases/{case.pk}").json()["n_expert_contours"] == 1  # the current set only
    assert r.json()["reevaluations_queued"] == []


def test_a_supervisor_edits_and_archives_a_case_which_trainees_then_do_not_see(supervisor, case, trainee_a):
    c, t = ApiClient(supervisor), ApiClient(trainee_a)
    r = c.patch(f"/api/cases/{case.pk}", {"title": "Renamed mid T1"})
    assert r.status_code == 200 and r.json()["title"] == "Renamed mid T1"
    assert c.patch(f"/api/cases/{case.pk}", {"title": "  "}).status_code == 400
    assert t.patch(f"/api/cases/{case.pk}", {"title": "mine"}).status_code == 403
    assert c.patch(f"/api/cases/{case.pk}", {"archived": True}).json()["archived"] is True
    assert t.get(f"/api/cases/{case.pk}").status_code == 404
    assert case.pk not in [x["id"] for x in t.get("/api/cases/").json()]
    assert case.pk in [x["id"] for x in c.get("/api/cases/").json()]  # the supervisor still has it
    assert c.patch(f"/api/cases/{case.pk}", {"archived": False}).json()["archived"] is False
    assert t.get(f"/api/cases/{case.pk}").status_code == 200


def test_an_archived_dataset_or_cohort_is_hidden_from_trainees_and_kept_in_their_report(
    supervisor, cohort, dataset, case, trainee_a, phantom
):
    sub = submission_create(trainee=trainee_a, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium))
    evaluation_run(submission_id=sub.pk)
    c, t = ApiClient(supervisor), ApiClient(trainee_a)
    assert c.patch(f"/api/datasets/{dataset.pk}", {"archived": True}).json()["archived"] is True
    assert t.get("/api/datasets/").json() == [] and t.get("/api/cases/").json() == []
    assert [x["id"] for x in c.get("/api/datasets/").json()] == [dataset.pk]
    c.patch(f"/api/datasets/{dataset.pk}", {"archived": False})
    r = c.patch(f"/api/cohorts/{cohort.pk}", {"archived": True})
    assert r.status_code == 200 and r.json()["archived"] is True
    assert t.get("/api/cohorts/").json() == [] and t.get("/api/cases/").json() == []
    # Kept in the trainee's own history and in the reports.
    assert [x["id"] for x in t.get("/api/submissions/").json()] == [sub.pk]
    job = ReportJob.objects.create(kind="trainee", requested_by=supervisor, trainee=trainee_a)
    assert report_generate(job_id=job.pk).status == "done"


def _everything(supervisor, cohort, dataset, case, trainee_a, phantom, tmp_path):
    """A case with an expert set, a repeat, an evaluated submission with its overlay, a class report."""
    c = ApiClient(supervisor)
    c.post(
        f"/api/cases/{case.pk}/references",
        {"experts": [sav_upload(phantom.endocardium, phantom.epicardium, "e.sav")]},
        json=False,
    )
    assert c.post(f"/api/cases/{case.pk}/repeat", {"title": "Another T1"}).status_code == 201
    sub = submission_create(trainee=trainee_a, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium))
    evaluation_run(submission_id=sub.pk)
    assert ApiClient(trainee_a).get(f"/api/submissions/{sub.pk}/overlay.png").status_code == 200
    job = ReportJob.objects.create(kind="cohort", requested_by=supervisor, cohort=cohort)
    report_generate(job_id=job.pk)
    return sub


def test_deleting_a_case_removes_every_file_it_stored(
    supervisor, cohort, dataset, phantom, tmp_path, trainee_a, django_capture_on_commit_callbacks
):
    before = set(media_files())
    case = Case.objects.get(
        pk=ApiClient(supervisor)
        .post(
            "/api/cases/",
            {
                "dataset": str(dataset.pk),
                "title": "To delete",
                "image": dicom_upload(phantom, tmp_path),
                "gold_standard": sav_upload(phantom.endocardium, phantom.epicardium, "g.sav"),
            },
            json=False,
        )
        .json()["id"]
    )
    _everything(supervisor, cohort, dataset, case, trainee_a, phantom, tmp_path)
    report_files = {p for p in media_files() if p.name in {f.path.split("/")[-1] for f in _report_files()}}
    assert len(set(media_files()) - before) >= 10
    assert ApiClient(trainee_a).delete(f"/api/cases/{case.pk}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        r = ApiClient(supervisor).delete(f"/api/cases/{case.pk}")
    assert r.status_code == 200 and r.json()["files_deleted"] >= 10
    assert set(media_files()) == before | report_files  # the class report is the cohort's, not the case's
    assert not Case.objects.filter(dataset=dataset).exists()  # the repeat went with it
    on_disk = {str(p.relative_to(p.parents[1])) for p in media_files()}
    assert on_disk == set(
        StoredFile.objects.values_list("path", flat=True)
    )  # no row without a file, nor a file without


def _report_files():
    return [j.file for j in ReportJob.objects.exclude(file=None).select_related("file")]


def test_deleting_a_dataset_and_a_cohort_leaves_no_file(
    supervisor, cohort, dataset, case, trainee_a, phantom, tmp_path, django_capture_on_commit_callbacks
):
    _everything(supervisor, cohort, dataset, case, trainee_a, phantom, tmp_path)
    c = ApiClient(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        assert c.delete(f"/api/datasets/{dataset.pk}").status_code == 200
        assert c.delete(f"/api/cohorts/{cohort.pk}").status_code == 200
    assert media_files() == []  # the fixtures' case was the dataset's too
    assert not StoredFile.objects.exists()
    assert not Dataset.objects.exists() and not Submission.objects.exists() and not ReportJob.objects.exists()
    assert User.objects.filter(pk=trainee_a.pk).exists()  # a cohort's deletion keeps its trainees' accounts


def test_deleting_a_trainee_removes_their_data_and_files(
    supervisor, cohort, dataset, case, trainee_a, trainee_b, phantom, tmp_path, django_capture_on_commit_callbacks
):
    before = set(media_files())
    sub = submission_create(trainee=trainee_a, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium))
    evaluation_run(submission_id=sub.pk)
    t = ApiClient(trainee_a)
    assert t.get(f"/api/submissions/{sub.pk}/overlay.png").status_code == 200
    practice_submission_create(
        trainee=trainee_a,
        image_files=[dicom_upload(phantom, tmp_path, name="own.dcm")],
        contours=sav_upload(phantom.endocardium, phantom.epicardium),
    )
    own_report = ReportJob.objects.create(kind="trainee", requested_by=trainee_a, trainee=trainee_a)
    report_generate(job_id=own_report.pk)
    assert len(set(media_files()) - before) >= 7
    # Another trainee's work is untouched.
    cohort_add_trainee(cohort=cohort, username=trainee_b.username)
    other = submission_create(
        trainee=trainee_b, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium)
    )
    kept = {other.source_file.path, other.contours_file.path}
    before |= {p for p in media_files() if str(p.relative_to(p.parents[1])) in kept}
    assert ApiClient(trainee_b).delete(f"/api/trainees/{trainee_a.pk}").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = ApiClient(supervisor).delete(f"/api/trainees/{trainee_a.pk}")
    assert r.status_code == 200, r.content
    assert set(media_files()) == before
    assert not User.objects.filter(pk=trainee_a.pk).exists()
    assert not Submission.objects.filter(trainee_id=trainee_a.pk).exists()
    assert not Case.objects.filter(owner_id=trainee_a.pk).exists()
    assert Submission.objects.filter(pk=other.pk).exists() and Case.objects.filter(pk=case.pk).exists()
