from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.cases.models import Case, ReferenceContour
from backend.core.models import StoredFile
from tests.backend.conftest import ApiClient, dicom_upload, media_files, sav_upload
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db


def test_a_supervisor_creates_a_dataset_with_default_tolerances(supervisor, cohort):
    c = ApiClient(supervisor)
    r = c.post("/api/datasets/", {"name": "T1 course", "cohort_ids": [cohort.pk]})
    assert r.status_code == 201
    d = r.json()
    assert (d["tolerance_dice"], d["tolerance_t1_ms"], d["tolerance_t2_ms"], d["tolerance_wall_thickness_mm"]) == (
        0.85,
        8.4,
        2.2,
        1.5,
    )
    assert (d["tolerance_t2star_percent"], d["tolerance_t2star_ms"], d["tolerance_hd95_mm"]) == (10.0, None, None)
    assert d["consensus_source"] == "gold_standard" and d["automatic_consensus_available"] is False
    r = c.patch(f"/api/datasets/{d['id']}", {"tolerance_dice": 1.5})
    assert r.status_code == 400 and "1" in r.json()["detail"]
    r = c.patch(f"/api/datasets/{d['id']}", {"tolerance_t2star_percent": None})  # no T2* tolerance left at all
    assert r.status_code == 400 and "T2*" in r.json()["detail"]
    r = c.patch(f"/api/datasets/{d['id']}", {"tolerance_t2star_ms": 2.0, "tolerance_t2star_percent": None})
    assert r.status_code == 200 and r.json()["tolerance_t2star_ms"] == 2.0


def test_a_supervisor_creates_a_case_from_a_real_sunnybrook_frame_and_its_expert_sav(supervisor, dataset):
    dcm = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    sav = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    r = ApiClient(supervisor).post(
        "/api/cases/",
        {
            "dataset": str(dataset.pk),
            "title": "SC-HF-I-1 frame 59",
            "image": SimpleUploadedFile("59.dcm", dcm.read_bytes()),
            "gold_standard": SimpleUploadedFile("e.sav", sav.read_bytes()),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["image"]["rows"] == 256 and body["image"]["pixel_spacing_mm"] == pytest.approx([1.367188] * 2)
    pixels = ApiClient(supervisor).get(f"/api/cases/{body['id']}/pixels")
    arr = np.frombuffer(pixels.content, "<f4")
    assert arr.size == 256 * 256 and pixels["X-Pixel-Spacing"].startswith("1.367")


def test_a_case_upload_with_a_bad_file_gets_a_4xx_naming_the_field_and_stores_nothing(
    supervisor, dataset, phantom, tmp_path
):
    c = ApiClient(supervisor)
    cases = [
        (
            {
                "image": SimpleUploadedFile("x.dcm", b"%PDF-1.7 not dicom"),
                "gold_standard": sav_upload(phantom.endocardium, phantom.epicardium),
            },
            "image",
            "DICOM",
        ),
        (
            {
                "image": dicom_upload(phantom, tmp_path),
                "gold_standard": SimpleUploadedFile("g.sav", b"SR\x00\x04garbage"),
            },
            "gold_standard",
            "gold-standard",
        ),
        ({"image": dicom_upload(phantom, tmp_path)}, "gold_standard", "gold-standard"),
        (
            {
                "image": dicom_upload(phantom, tmp_path),
                "gold_standard": sav_upload(phantom.endocardium, phantom.epicardium),
                "experts": sav_upload(phantom.epicardium, phantom.endocardium),
            },
            "experts",
            "not inside",
        ),
    ]
    for files, field, phrase in cases:
        r = c.post("/api/cases/", {"dataset": str(dataset.pk), "title": "t", **files}, json=False)
        assert r.status_code == 400, r.content
        assert r.json()["field"] == field and phrase.lower() in r.json()["detail"].lower(), r.json()
    assert Case.objects.count() == 0 and ReferenceContour.objects.count() == 0 and StoredFile.objects.count() == 0
    assert media_files() == []


def test_trainees_cannot_create_cases_or_see_other_cohorts_datasets(trainee_a, trainee_b, dataset, case):
    assert ApiClient(trainee_a).post("/api/cases/", {"dataset": str(dataset.pk)}, json=False).status_code == 403
    assert [d["id"] for d in ApiClient(trainee_a).get("/api/datasets/").json()] == [dataset.pk]
    assert ApiClient(trainee_b).get("/api/datasets/").json() == []
    assert ApiClient(trainee_b).get("/api/cases/").json() == []


def test_a_series_case_downloads_as_a_zip_of_echoes(supervisor, dataset, phantom, tmp_path):
    import io
    import zipfile

    from backend.cmr.phantom import write_t2star_series

    files = write_t2star_series(tmp_path / "s", phantom, seed=4)
    c = ApiClient(supervisor)
    r = c.post(
        "/api/cases/",
        {
            "dataset": str(dataset.pk),
            "title": "T2*",
            "image": [SimpleUploadedFile(p.name, p.read_bytes()) for p in files],
            "gold_standard": sav_upload(phantom.endocardium, phantom.epicardium),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    assert r.json()["image"]["kind"] == "t2star_series" and len(r.json()["image"]["echo_times_ms"]) == len(files)
    z = zipfile.ZipFile(io.BytesIO(b"".join(c.get(f"/api/cases/{r.json()['id']}/dicom").streaming_content)))
    assert len(z.namelist()) == len(files)


def test_file_endpoints_answer_whatever_the_browser_accepts(case, supervisor):
    c = ApiClient(supervisor)
    for url in (f"/api/cases/{case.pk}/pixels", f"/api/cases/{case.pk}/dicom"):
        for accept in ("application/octet-stream", "*/*", "application/dicom"):
            assert c.get(url, HTTP_ACCEPT=accept).status_code == 200, (url, accept)
