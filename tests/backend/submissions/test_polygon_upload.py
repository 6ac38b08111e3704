"""JSON polygon uploads (the viewer's submission) and drafts, through the API with CSRF enforced.

Oracle: the same polygons written as an IDL SAV file and uploaded the usual way give the same stored contours and
the same evaluation summary.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core.models import StoredFile
from backend.submissions.models import ContourDraft, EvaluationStatus, Submission
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, dicom_upload, grow, media_files, sav_upload

pytestmark = pytest.mark.django_db


def _lists(poly) -> list[list[float]]:
    return np.asarray(poly, dtype=float).tolist()


def test_a_json_body_of_polygons_is_evaluated_like_the_same_polygons_in_a_sav_file(case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    epi = grow(phantom.epicardium, phantom.centre, 2.0)
    r_json = c.post(
        "/api/submissions/",
        {"case": case.pk, "endocardium": _lists(phantom.endocardium), "epicardium": _lists(epi)},
    )
    assert r_json.status_code == 201, r_json.content
    r_sav = c.post(
        "/api/submissions/",
        {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, epi)},
        json=False,
    )
    assert r_sav.status_code == 201, r_sav.content
    a = evaluation_run(submission_id=r_json.json()["id"])
    b = evaluation_run(submission_id=r_sav.json()["id"])
    assert a.status == b.status == EvaluationStatus.DONE, (a.error, b.error)
    agree_a, agree_b = a.summary["agreement"], b.summary["agreement"]
    for structure in ("myocardium", "endocardium", "epicardium"):
        # The SAV file holds float32 coordinates, the JSON float64: the same to well under a micrometre.
        assert agree_a[structure]["dice"] == pytest.approx(agree_b[structure]["dice"], abs=1e-4)
        assert agree_a[structure]["hausdorff_mm"] == pytest.approx(agree_b[structure]["hausdorff_mm"], abs=1e-3)
    assert a.summary["verdict"]["result"] == b.summary["verdict"]["result"]
    body = c.get(f"/api/submissions/{a.pk}").json()
    np.testing.assert_allclose(np.array(body["contours"]["epicardium"]), epi, atol=0.006)  # rounded to 0.01 px
    assert a.source_file.download_name.endswith(".json")


def test_a_json_contour_file_in_the_multipart_field_is_accepted(case, trainee_a, phantom):
    doc = {"endocardium": _lists(phantom.endocardium), "epicardium": _lists(phantom.epicardium)}
    up = SimpleUploadedFile("drawn.json", json.dumps(doc).encode(), content_type="application/json")
    r = ApiClient(trainee_a).post("/api/submissions/", {"case": str(case.pk), "contours": up}, json=False)
    assert r.status_code == 201, r.content
    sub = evaluation_run(submission_id=r.json()["id"])
    assert sub.status == EvaluationStatus.DONE
    assert sub.summary["agreement"]["myocardium"]["dice"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "body,phrase",
    [
        ({"endocardium": [[60, 50], [70, 60], [60, 70]]}, "no epicardium"),
        ({"endocardium": [[60, 50], [70, 60]], "epicardium": "E"}, "must be a list"),
        ({"endocardium": [[60, 50], [70, 60]], "epicardium": [[10, 10], [90, 10], [50, 90]]}, "at least 3"),
        ({"endocardium": [[60, 50], [70, 60], [60, "x"]], "epicardium": [[1, 1], [9, 1], [5, 9]]}, "two numbers"),
        ({"endocardium": [[60, 50], [70, 60], [60, 70]], "epicardium": [[1, 1], [900, 1], [5, 90]]}, "leaves the"),
        ("swap", "not inside the epicardium"),
    ],
)
def test_a_bad_json_polygon_gets_a_400_with_a_clear_message_and_stores_nothing(case, trainee_a, phantom, body, phrase):
    if body == "swap":
        body = {"endocardium": _lists(phantom.epicardium), "epicardium": _lists(phantom.endocardium)}
    n_files, n_rows = len(media_files()), StoredFile.objects.count()
    r = ApiClient(trainee_a).post("/api/submissions/", {"case": case.pk, **body})
    assert r.status_code == 400, r.content
    assert phrase in r.json()["detail"] and r.json()["field"] == "contours"
    assert Submission.objects.count() == 0
    assert StoredFile.objects.count() == n_rows and len(media_files()) == n_files


def test_a_practice_upload_takes_the_polygons_as_multipart_text_fields(trainee_a, phantom, tmp_path):
    r = ApiClient(trainee_a).post(
        "/api/practice/",
        {
            "image": dicom_upload(phantom, tmp_path),
            "endocardium": json.dumps(_lists(phantom.endocardium)),
            "epicardium": json.dumps(_lists(phantom.epicardium)),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    assert len(r.json()["contours"]["epicardium"]) == len(phantom.epicardium)


def test_a_draft_is_saved_resumed_replaced_and_deleted_without_an_evaluation(case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    url = f"/api/cases/{case.pk}/draft"
    empty = c.get(url).json()
    assert empty == {"case_id": case.pk, "endocardium": None, "epicardium": None, "updated_at": None}
    partial = [[60.5, 50.0], [70.25, 60.0]]  # unfinished: two points of the endocardium, no epicardium yet
    r = c.c.put(
        url, {"endocardium": partial, "epicardium": None}, content_type="application/json", HTTP_X_CSRFTOKEN=c.token
    )
    assert r.status_code == 200, r.content
    got = c.get(url).json()
    assert got["endocardium"] == partial and got["epicardium"] is None and got["updated_at"]
    full = {"endocardium": _lists(phantom.endocardium), "epicardium": _lists(phantom.epicardium)}
    r = c.c.put(url, full, content_type="application/json", HTTP_X_CSRFTOKEN=c.token)
    assert r.status_code == 200 and c.get(url).json()["epicardium"] == full["epicardium"]
    assert ContourDraft.objects.count() == 1 and Submission.objects.count() == 0
    assert c.delete(url).status_code == 204
    assert ContourDraft.objects.count() == 0


@pytest.mark.parametrize(
    "body,phrase,field",
    [
        ({"endocardium": [[1e6, 5.0]]}, "leaves the image", "endocardium"),
        ({"epicardium": [[1, 2, 3]]}, "two numbers", "epicardium"),
        ({"epicardium": {"x": 1}}, "must be a list", "epicardium"),
    ],
)
def test_a_bad_draft_gets_a_400_naming_the_wall_and_keeps_the_old_one(case, trainee_a, body, phrase, field):
    c = ApiClient(trainee_a)
    url = f"/api/cases/{case.pk}/draft"
    old = {"endocardium": [[60.0, 50.0]], "epicardium": None}
    assert c.c.put(url, old, content_type="application/json", HTTP_X_CSRFTOKEN=c.token).status_code == 200
    r = c.c.put(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=c.token)
    assert r.status_code == 400, r.content
    assert phrase in r.json()["detail"] and r.json()["field"] == field
    assert c.get(url).json()["endocardium"] == old["endocardium"]


def test_drafts_check_ownership(case, trainee_a, trainee_b, supervisor):
    a = ApiClient(trainee_a)
    url = f"/api/cases/{case.pk}/draft"
    a.c.put(url, {"endocardium": [[60.0, 50.0]]}, content_type="application/json", HTTP_X_CSRFTOKEN=a.token)
    b = ApiClient(trainee_b)
    assert b.get(url).status_code == 404  # not in the case's cohort: the case does not exist for them
    r = b.c.put(url, {"endocardium": [[1.0, 1.0]]}, content_type="application/json", HTTP_X_CSRFTOKEN=b.token)
    assert r.status_code == 404
    s = ApiClient(supervisor)
    assert s.get(url).json()["endocardium"] is None  # a draft is the trainee's own
    r = s.c.put(url, {"endocardium": [[1.0, 1.0]]}, content_type="application/json", HTTP_X_CSRFTOKEN=s.token)
    assert r.status_code == 403
    assert ContourDraft.objects.get().endocardium == [[60.0, 50.0]]
