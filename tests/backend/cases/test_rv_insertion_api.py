"""The RV insertion point of a case: estimated at upload, confirmed or set by the supervisor, used by evaluations."""

from __future__ import annotations

import numpy as np
import pytest

from backend.accounts.models import Role
from backend.accounts.services import user_create
from backend.cases.models import Case
from backend.cmr.segments import AHA_MID_SEGMENTS, NUMBERED_SECTORS, display_angle_deg, polygon_centroid
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, dicom_upload, grow, sav_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_case(supervisor, dataset, phantom, tmp_path) -> dict:
    r = ApiClient(supervisor).post(
        "/api/cases/",
        {
            "dataset": str(dataset.pk),
            "title": "Synthetic T1 with an RV",
            "image": dicom_upload(phantom, tmp_path),
            "gold_standard": sav_upload(phantom.endocardium, phantom.epicardium, "gold.sav"),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    return r.json()


def _angle(point, phantom) -> float:
    return float(display_angle_deg(np.asarray([point], float), polygon_centroid(phantom.endocardium))[0])


def test_a_new_case_carries_an_unconfirmed_estimate_near_the_phantoms_insertion(api_case, phantom, trainee_a):
    rv = api_case["rv_insertion"]
    assert rv["x"] is not None and rv["confirmed"] is False
    assert abs(_angle((rv["x"], rv["y"]), phantom) - _angle(phantom.rv_insertion, phantom)) < 4.0
    # A point of the reference epicardium: never shown to a trainee.
    assert ApiClient(trainee_a).get(f"/api/cases/{api_case['id']}").json()["rv_insertion"] is None


def test_the_supervisor_confirms_the_estimate(api_case, supervisor):
    c = ApiClient(supervisor)
    r = c.patch(f"/api/cases/{api_case['id']}", {"rv_insertion_confirmed": True})
    assert r.status_code == 200, r.content
    assert r.json()["rv_insertion"] == {**api_case["rv_insertion"], "confirmed": True}
    assert Case.objects.get(pk=api_case["id"]).rv_insertion_confirmed is True


def test_the_supervisor_sets_the_point_by_clicking_and_can_clear_it(api_case, supervisor):
    c = ApiClient(supervisor)
    r = c.patch(f"/api/cases/{api_case['id']}", {"rv_insertion": [70.5, 40.25]})
    assert r.status_code == 200 and r.json()["rv_insertion"] == {"x": 70.5, "y": 40.25, "confirmed": True}
    r = c.patch(f"/api/cases/{api_case['id']}", {"rv_insertion": None})
    assert r.status_code == 200 and r.json()["rv_insertion"] == {"x": None, "y": None, "confirmed": False}
    assert Case.objects.get(pk=api_case["id"]).rv_insertion_confirmed is False


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"rv_insertion": [208.0, 10.0]}, "outside the image"),  # columns 0..207 (phantom 160 x 208)
        ({"rv_insertion": [10.0, -0.5]}, "outside the image"),
        ({"rv_insertion": [10.0]}, "[x, y]"),
        ({"rv_insertion": [1, 2, 3]}, "[x, y]"),
        ({"rv_insertion": "left"}, "[x, y]"),
        ({}, "Say what to change"),
    ],
)
def test_it_refuses_a_point_outside_the_image_or_malformed_with_a_sentence(api_case, supervisor, body, words):
    r = ApiClient(supervisor).patch(f"/api/cases/{api_case['id']}", body)
    assert r.status_code == 400 and words in r.json()["detail"]


def test_there_is_nothing_to_confirm_on_a_case_without_a_point(case, supervisor):
    r = ApiClient(supervisor).patch(f"/api/cases/{case.pk}", {"rv_insertion_confirmed": True})
    assert r.status_code == 400 and "no RV insertion point" in r.json()["detail"]


def test_it_checks_ownership(api_case, trainee_a, trainee_b):
    other = user_create(username="sup2", password="pw-sup2", role=Role.SUPERVISOR, full_name="Other Supervisor")
    url = f"/api/cases/{api_case['id']}"
    assert ApiClient(other).patch(url, {"rv_insertion": [10, 10]}).status_code == 404
    assert ApiClient(trainee_b).patch(url, {"rv_insertion": [10, 10]}).status_code == 404
    r = ApiClient(trainee_a).patch(url, {"rv_insertion": [10, 10]})
    assert r.status_code == 403 and "supervisors" in r.json()["detail"]
    assert Case.objects.get(pk=api_case["id"]).rv_insertion_confirmed is False


def _evaluate(case_id, trainee, phantom):
    c = ApiClient(trainee)
    up = sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 1.0))
    r = c.post("/api/submissions/", {"case": str(case_id), "contours": up}, json=False)
    assert r.status_code == 201, r.content
    sub = evaluation_run(submission_id=r.json()["id"])
    assert sub.error == ""
    return sub.summary


def test_an_evaluation_names_the_aha_segments_only_after_confirmation(api_case, supervisor, trainee_a, phantom):
    before = _evaluate(api_case["id"], trainee_a, phantom)
    assert [s["name"] for s in before["segments"]] == list(NUMBERED_SECTORS)
    assert before["trainee"]["wall_thickness"]["sector_names"] == list(NUMBERED_SECTORS)
    ApiClient(supervisor).patch(f"/api/cases/{api_case['id']}", {"rv_insertion_confirmed": True})
    after = _evaluate(api_case["id"], trainee_a, phantom)
    assert [s["name"] for s in after["segments"]] == list(AHA_MID_SEGMENTS)
    assert after["trainee"]["wall_thickness"]["sector_names"] == list(AHA_MID_SEGMENTS)
    assert after["consensus"]["wall_thickness"]["sector_names"] == list(AHA_MID_SEGMENTS)
