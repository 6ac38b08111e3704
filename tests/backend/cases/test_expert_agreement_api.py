"""GET /api/datasets/{id}/expert-agreement: the experts' own agreement and the tolerances it proposes."""

from __future__ import annotations

import numpy as np
import pytest

from backend.accounts.models import Role
from backend.accounts.services import user_create
from backend.cmr.agreement_bands import case_agreement, pair_agreement, proposed_tolerances
from backend.cmr.contours import ContourSet
from backend.cmr.dicom import load_image
from backend.cmr.phantom import t1_map_pixels, write_map_dicom
from tests.backend.conftest import ApiClient, dicom_upload, grow, sav_upload

pytestmark = pytest.mark.django_db


def _post_case(supervisor, dataset, phantom, tmp_path, experts, title="two experts"):
    files = [sav_upload(e, p, f"expert{i}.sav") for i, (e, p) in enumerate(experts)]
    r = ApiClient(supervisor).post(
        "/api/cases/",
        {
            "dataset": str(dataset.pk),
            "title": title,
            "image": dicom_upload(phantom, tmp_path, name=f"{title}.dcm"),
            "gold_standard": sav_upload(phantom.endocardium, phantom.epicardium, "gold.sav"),
            "experts": files,
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    return r.json()["id"]


@pytest.fixture
def two_experts(phantom):
    """Expert 2 is expert 1 with the epicardium 1 px further out (the known perturbation)."""
    return [
        (phantom.endocardium, phantom.epicardium),
        (phantom.endocardium, grow(phantom.epicardium, phantom.centre, 1.0)),
    ]


def test_the_endpoint_gives_the_numbers_of_the_analysis_core(supervisor, dataset, phantom, tmp_path, two_experts):
    case_id = _post_case(supervisor, dataset, phantom, tmp_path, two_experts)
    _post_case(supervisor, dataset, phantom, tmp_path, two_experts[:1], title="one expert")  # not agreement
    r = ApiClient(supervisor).get(f"/api/datasets/{dataset.pk}/expert-agreement")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [c["case_id"] for c in body["cases"]] == [case_id]
    got = body["cases"][0]
    assert got["raters"] == ["expert 1", "expert 2"] and got["n_experts"] == 2

    # Direct call on the same image and contours (the DICOM as written, read back).
    image = load_image(
        write_map_dicom(tmp_path / "direct.dcm", t1_map_pixels(phantom, seed=11), phantom, quantity="t1")
    )
    f32 = lambda a: a.astype(np.float32).astype(float)  # noqa: E731  (SAV stores float32)
    sets = [ContourSet(endocardium=f32(e), epicardium=f32(p)) for e, p in two_experts]
    direct = pair_agreement(image, sets[0], sets[1])
    for k in ("dice", "hd95_mm", "abs_delta_map", "abs_delta_wall_thickness_mm"):
        assert got["pairs"][0][k] == pytest.approx(direct[k], rel=1e-6, abs=1e-9), k
    # 1 px out at 1.4-1.5 mm per pixel: |dWT| and the worse wall's HD95 between 1.4 and 1.5 mm; Dice below 1.
    assert 1.35 < got["pairs"][0]["abs_delta_wall_thickness_mm"] < 1.55
    assert 1.35 < got["pairs"][0]["hd95_mm"] < 1.55
    assert 0.85 < got["pairs"][0]["dice"] < 0.97 and got["map_quantity"] == "t1_ms"
    want = proposed_tolerances([case_agreement(image, sets)])
    assert body["proposal"]["tolerances"] == want["tolerances"]
    assert body["proposal"]["basis"] == [pytest.approx(b) for b in want["basis"]]
    assert set(body["proposal"]["tolerances"]) == {
        "tolerance_dice",
        "tolerance_hd95_mm",
        "tolerance_wall_thickness_mm",
        "tolerance_t1_ms",
    }
    assert body["proposal"]["n_cases"] == 1 and body["proposal"]["statistic"] == "median over cases"


def test_a_dataset_without_repeated_expert_contours_proposes_nothing(supervisor, dataset, case):
    body = ApiClient(supervisor).get(f"/api/datasets/{dataset.pk}/expert-agreement").json()
    assert body["cases"] == [] and body["proposal"]["tolerances"] == {}


def test_it_checks_ownership(supervisor, dataset, trainee_a, trainee_b):
    other = user_create(username="sup2", password="pw-sup2", role=Role.SUPERVISOR, full_name="Other Supervisor")
    url = f"/api/datasets/{dataset.pk}/expert-agreement"
    for user in (other, trainee_a, trainee_b):
        assert ApiClient(user).get(url).status_code == 404
