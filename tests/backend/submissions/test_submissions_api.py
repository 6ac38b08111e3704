"""Submissions through the API with CSRF enforced: upload, refusals that store nothing, ownership, visibility."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core.models import StoredFile
from backend.submissions.models import EvaluationStatus, Submission
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, dicom_upload, grow, media_files, sav_upload
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db


def submit(client: ApiClient, case_id, contours, image=None):
    data = {"case": str(case_id), "contours": contours}
    if image is not None:
        data["image"] = image
    return client.post("/api/submissions/", data, json=False)


def test_a_trainee_uploads_contours_and_gets_a_queued_submission(
    case, trainee_a, phantom, django_capture_on_commit_callbacks
):
    c = ApiClient(trainee_a)
    with django_capture_on_commit_callbacks() as callbacks:
        r = submit(c, case.pk, sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 2.0)))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "queued" and body["attempt"] == 1 and body["summary"] is None
    assert len(callbacks) == 1  # the evaluation task is sent on commit, not before
    assert len(body["contours"]["endocardium"]) > 10


def test_the_csrf_header_is_required(case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    r = c.c.post(
        "/api/submissions/", {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)}
    )
    assert r.status_code == 403
    assert Submission.objects.count() == 0


def test_an_evaluation_reports_the_epicardial_error_in_mm_and_marks_tolerances(case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    r = submit(c, case.pk, sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 2.0)))
    sub = evaluation_run(submission_id=r.json()["id"])
    assert sub.status == EvaluationStatus.DONE, sub.error
    body = c.get(f"/api/submissions/{sub.pk}").json()
    summary = body["summary"]
    epi = summary["agreement"]["epicardium"]
    assert epi["hausdorff_mm"] == pytest.approx(2.0 * 1.5, rel=0.1)  # 2 px radial, up to 1.5 mm per px
    assert summary["agreement"]["endocardium"]["dice"] == 1.0
    assert body["consensus"] == {
        "source": "gold_standard",
        "label": "Gold standard",
        "version": 1,
        "contributors": 0,
        "model_version": None,
    }
    assert body["consensus_contours"] is not None  # reveal mode, after submitting
    assert summary["map_quantity"] == "t1_ms"
    # The verdict names the failed tolerance with its numbers: |dWT| ~ 2.5 mm > 1.5 mm.
    verdict = summary["verdict"]
    wt = next(c for c in verdict["checks"] if c["quantity"] == "wall_thickness")
    assert verdict["result"] == "outside" and "wall_thickness" in verdict["failed"] and wt["passed"] is False
    assert wt["limit"] == 1.5 and wt["measured"] == pytest.approx(summary["delta"]["wall_thickness_mm"])
    assert wt["margin"] == pytest.approx(1.5 - abs(wt["measured"]))
    assert f"{abs(wt['measured']):.2f} mm" in verdict["message"] and "±1.50 mm" in verdict["message"]
    assert sub.summary == summary  # the API serves the stored summary as it is
    png = c.get(body["overlay_url"])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    # idempotent: running the task again is a no-op
    finished = sub.finished_at
    assert evaluation_run(submission_id=sub.pk).finished_at == finished


@pytest.mark.parametrize(
    "name,phrase",
    [
        ("endo-outside-epi.sav", "not inside the epicardium"),
        ("mask-wrong-shape-128.sav", "128"),
        ("truncated.sav", "truncated"),
        ("no-contour-variables.sav", "variables"),
        ("not-a-sav.sav", "PDF"),
    ],
)
def test_each_invalid_sav_gets_a_4xx_with_its_message_and_leaves_no_row_or_file(
    supervisor, dataset, trainee_a, tmp_path, name, phrase
):
    from backend.cases.services import case_create

    sav = shared_path("scd-sunnybrook-sav")
    dcm = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    if name == "endo-outside-epi.sav":
        dcm = sorted(shared_path("scd-sunnybrook", "known_defect").rglob("*.dcm"))[0]
    case = (
        case_create(
            user=supervisor,
            dataset=dataset,
            title="Sunnybrook",
            image_files=[SimpleUploadedFile("x.dcm", dcm.read_bytes())],
            gold_standard=SimpleUploadedFile("g.sav", (sav / "layouts" / "SC-HF-I-2-060-struct.sav").read_bytes())
            if name != "endo-outside-epi.sav"
            else None,
        )
        if name != "endo-outside-epi.sav"
        else None
    )
    if case is None:  # the defective patient has no valid gold standard: use a team-average dataset
        from backend.cases.services import dataset_create

        ds = dataset_create(
            user=supervisor, name="team", cohorts=list(dataset.cohorts.all()), consensus_source="team_average"
        )
        case = case_create(
            user=supervisor, dataset=ds, title="defect", image_files=[SimpleUploadedFile("x.dcm", dcm.read_bytes())]
        )
    n_files, n_rows = len(media_files()), StoredFile.objects.count()
    r = submit(ApiClient(trainee_a), case.pk, SimpleUploadedFile(name, (sav / "invalid" / name).read_bytes()))
    assert 400 <= r.status_code < 500
    body = r.json()
    assert phrase.lower() in body["detail"].lower() and body["field"] == "contours"
    assert Submission.objects.count() == 0
    assert StoredFile.objects.count() == n_rows and len(media_files()) == n_files


def test_a_dicom_that_is_not_the_cases_image_is_refused(case, trainee_a, phantom, tmp_path):
    from backend.cmr.phantom import lv_phantom

    other = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=99)
    r = submit(
        ApiClient(trainee_a),
        case.pk,
        sav_upload(phantom.endocardium, phantom.epicardium),
        image=dicom_upload(other, tmp_path, "other.dcm"),
    )
    assert r.status_code == 400 and "not this case's image" in r.json()["detail"]
    assert r.json()["field"] == "image"
    same = submit(
        ApiClient(trainee_a),
        case.pk,
        sav_upload(phantom.endocardium, phantom.epicardium),
        image=dicom_upload(phantom, tmp_path, "same.dcm"),
    )
    assert same.status_code == 201


def test_it_checks_ownership(case, trainee_a, trainee_b, cohort, phantom):
    r = submit(ApiClient(trainee_a), case.pk, sav_upload(phantom.endocardium, phantom.epicardium))
    sid = r.json()["id"]
    evaluation_run(submission_id=sid)
    outsider = ApiClient(trainee_b)
    for url in (
        f"/api/submissions/{sid}",
        f"/api/submissions/{sid}/overlay.png",
        f"/api/cases/{case.pk}",
        f"/api/cases/{case.pk}/dicom",
        f"/api/cases/{case.pk}/pixels",
        f"/api/cases/{case.pk}/reference",
        f"/api/datasets/{case.dataset_id}",
        f"/api/datasets/{case.dataset_id}/cases",
        f"/api/cohorts/{cohort.pk}/overview",
        f"/api/trainees/{trainee_a.pk}/history",
    ):
        assert outsider.get(url).status_code == 404, url
    assert submit(outsider, case.pk, sav_upload(phantom.endocardium, phantom.epicardium)).status_code == 404
    assert outsider.get("/api/submissions/").json() == []
    # Even inside the same cohort, a trainee never sees another trainee's work.
    from backend.accounts.services import cohort_add_trainee

    cohort_add_trainee(cohort=cohort, username=trainee_b.username)
    assert outsider.get(f"/api/submissions/{sid}").status_code == 404
    assert outsider.get(f"/api/cases/{case.pk}").status_code == 200


def test_reference_contours_are_hidden_before_submitting_and_always_in_score_only_mode(
    case, trainee_a, supervisor, phantom
):
    a = ApiClient(trainee_a)
    assert a.get(f"/api/cases/{case.pk}/reference").status_code == 404
    assert a.get(f"/api/cases/{case.pk}").json()["reference_available"] is False
    assert ApiClient(supervisor).get(f"/api/cases/{case.pk}/reference").status_code == 200
    sid = submit(a, case.pk, sav_upload(phantom.endocardium, phantom.epicardium)).json()["id"]
    evaluation_run(submission_id=sid)
    ref = a.get(f"/api/cases/{case.pk}/reference")
    assert ref.status_code == 200 and len(ref.json()["epicardium"]) > 10
    # Score-only: numbers, but never the reference.
    r = ApiClient(supervisor).patch(f"/api/datasets/{case.dataset_id}", {"feedback_mode": "score_only"})
    assert r.status_code == 200
    assert a.get(f"/api/cases/{case.pk}/reference").status_code == 404
    body = a.get(f"/api/submissions/{sid}").json()
    assert body["consensus_contours"] is None and body["feedback_mode"] == "score_only"
    assert body["summary"]["agreement"]["myocardium"]["dice"] == 1.0


def test_practice_mode_without_a_consensus_shows_own_values_only(trainee_a, phantom, tmp_path):
    a = ApiClient(trainee_a)
    r = a.post(
        "/api/practice/",
        {"image": dicom_upload(phantom, tmp_path), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    assert r.status_code == 201, r.content
    sub = evaluation_run(submission_id=r.json()["id"])
    body = a.get(f"/api/submissions/{sub.pk}").json()
    assert body["practice"] and body["summary"]["agreement"] is None
    assert body["summary"]["trainee"]["map"]["mean"] == pytest.approx(1000, abs=40)
    assert body["summary"]["verdict"]["result"] == "not_assessed"
    assert body["summary"]["verdict"]["message"].startswith("Not assessed.")
    assert "automatic consensus" in body["consensus_note"]


def test_a_refused_practice_upload_stores_nothing(trainee_a, phantom, tmp_path):
    n = StoredFile.objects.count()
    r = ApiClient(trainee_a).post(
        "/api/practice/",
        {"image": dicom_upload(phantom, tmp_path), "contours": SimpleUploadedFile("c.sav", b"%PDF-1.4 nope")},
        json=False,
    )
    assert r.status_code == 400 and r.json()["field"] == "contours"
    assert StoredFile.objects.count() == n and not media_files()


def test_the_status_endpoint_says_where_the_evaluation_stands_and_checks_ownership(
    case, trainee_a, trainee_b, supervisor, phantom, django_assert_max_num_queries
):
    a = ApiClient(trainee_a)
    sid = submit(a, case.pk, sav_upload(phantom.endocardium, phantom.epicardium)).json()["id"]
    assert a.get(f"/api/submissions/{sid}/status").json() == {"id": sid, "status": "queued", "error": None}
    evaluation_run(submission_id=sid)
    with django_assert_max_num_queries(4):  # the session, the user, the one row: cheap enough to poll
        body = a.get(f"/api/submissions/{sid}/status").json()
    assert body["status"] == "done"
    assert ApiClient(supervisor).get(f"/api/submissions/{sid}/status").json()["status"] == "done"
    assert ApiClient(trainee_b).get(f"/api/submissions/{sid}/status").status_code == 404
