"""Fixtures for the web application's tests: three users from day one (trainee A, supervisor, trainee B, the
outsider), a CSRF-enforcing API client, and cases built from synthetic or real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backend.accounts.models import Cohort, Role
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.models import Dataset
from backend.cases.services import case_create, dataset_create
from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.cmr.savwrite import sav_bytes


class ApiClient:
    """A Django test client with CSRF checks enforced that sends ``X-CSRFToken`` like the SPA does."""

    def __init__(self, user=None) -> None:
        self.c = Client(enforce_csrf_checks=True)
        if user is not None:
            self.c.force_login(user)
        self.c.get("/api/auth/me")

    @property
    def token(self) -> str:
        return self.c.cookies["csrftoken"].value

    def get(self, url, **kw):
        return self.c.get(url, **kw)

    def post(self, url, data=None, *, json=True, **kw):
        if json:
            return self.c.post(url, data or {}, content_type="application/json", HTTP_X_CSRFTOKEN=self.token, **kw)
        return self.c.post(url, data or {}, HTTP_X_CSRFTOKEN=self.token, **kw)

    def patch(self, url, data, **kw):
        return self.c.patch(url, data, content_type="application/json", HTTP_X_CSRFTOKEN=self.token, **kw)

    def delete(self, url, **kw):
        return self.c.delete(url, HTTP_X_CSRFTOKEN=self.token, **kw)


@pytest.fixture
def supervisor(db):
    return user_create(username="sup", password="pw-sup", role=Role.SUPERVISOR, full_name="Sara Supervisor")


@pytest.fixture
def trainee_a(db):
    return user_create(username="alice", password="pw-alice", role=Role.TRAINEE, full_name="Alice Trainee")


@pytest.fixture
def trainee_b(db):
    """The outsider: a trainee in no cohort of the supervisor."""
    return user_create(username="bob", password="pw-bob", role=Role.TRAINEE, full_name="Bob Outsider")


@pytest.fixture
def cohort(supervisor, trainee_a) -> Cohort:
    c = cohort_create(supervisor=supervisor, name="CMR class 2026")
    cohort_add_trainee(cohort=c, username=trainee_a.username)
    return c


@pytest.fixture
def dataset(supervisor, cohort) -> Dataset:
    return dataset_create(user=supervisor, name="Native T1", cohorts=[cohort])


@pytest.fixture
def phantom():
    return lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=11)


def dicom_upload(ph, tmp_path: Path, name: str = "t1.dcm", **kw) -> SimpleUploadedFile:
    p = write_map_dicom(
        tmp_path / name, t1_map_pixels(ph, seed=11), ph, quantity="t1", patient_id="REAL-PATIENT-42", **kw
    )
    return SimpleUploadedFile(name, p.read_bytes(), content_type="application/dicom")


def sav_upload(endo, epi, name: str = "contours.sav") -> SimpleUploadedFile:
    data = sav_bytes(
        {
            "ENDO_X": endo[:, 0].astype(np.float32),
            "ENDO_Y": endo[:, 1].astype(np.float32),
            "EPI_X": epi[:, 0].astype(np.float32),
            "EPI_Y": epi[:, 1].astype(np.float32),
        }
    )
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def grow(poly, centre, px):
    v = poly - np.asarray(centre)
    r = np.hypot(v[:, 0], v[:, 1])
    return np.asarray(centre) + v * ((r + px) / r)[:, None]


@pytest.fixture
def case(supervisor, dataset, phantom, tmp_path):
    return case_create(
        user=supervisor,
        dataset=dataset,
        title="Synthetic mid-ventricular T1",
        image_files=[dicom_upload(phantom, tmp_path)],
        gold_standard=sav_upload(phantom.endocardium, phantom.epicardium, "gold.sav"),
    )


@pytest.fixture
def api():
    return ApiClient


def media_files() -> list[Path]:
    from django.conf import settings

    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores its files in its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
