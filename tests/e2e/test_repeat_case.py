"""Browser end-to-end: a hidden repeat case. Through the Node proxy a supervisor makes a rotated repeat of a case
from its page; the trainee sees two ordinary cases (no API response, nor the repeat's page, names the original,
its UIDs or its pixel hash, nor the word "repeat"), submits the same contour to both (the repeat's drawn rotated
with the image); then the trainee's own progress page shows the pair, and the supervisor's page of the trainee
shows their repeatability: Dice 1.000.
Screenshots in ``test-artifacts/e2e/``."""

from __future__ import annotations

import json

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import Role
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.repeat import transform_contours
from backend.cases.services import case_create, dataset_create
from backend.cmr.contours import ContourSet
from backend.cmr.dicom import image_from_bytes
from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.cmr.savwrite import sav_bytes
from backend.core.storage import file_read
from tests.e2e.conftest import ARTIFACTS, run_node


def _sav(endo: np.ndarray, epi: np.ndarray) -> bytes:
    return sav_bytes(
        {
            "ENDO_X": endo[:, 0].astype(np.float32),
            "ENDO_Y": endo[:, 1].astype(np.float32),
            "EPI_X": epi[:, 0].astype(np.float32),
            "EPI_Y": epi[:, 1].astype(np.float32),
        }
    )


def test_a_trainee_cannot_tell_a_repeat_and_the_supervisor_sees_the_repeatability(stack, tmp_path):
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=11)
    dcm = write_map_dicom(tmp_path / "t1.dcm", t1_map_pixels(ph, seed=11), ph, quantity="t1", patient_id="P-42")
    sup = user_create(username="sup", password="sup-pass-1", role=Role.SUPERVISOR, full_name="Sara Supervisor")
    trainee = user_create(username="alice", password="alice-pass-1", role=Role.TRAINEE, full_name="Alice Trainee")
    cohort = cohort_create(supervisor=sup, name="E2E class")
    cohort_add_trainee(cohort=cohort, username=trainee.username)
    ds = dataset_create(user=sup, name="Native T1", cohorts=[cohort])
    original = case_create(
        user=sup,
        dataset=ds,
        title="Mid-ventricular T1, patient 12",
        image_files=[SimpleUploadedFile("t1.dcm", dcm.read_bytes(), content_type="application/dicom")],
        gold_standard=SimpleUploadedFile("gold.sav", _sav(ph.endocardium, ph.epicardium)),
    )
    image = image_from_bytes(file_read(original.image_file))
    first = tmp_path / "mine.sav"
    first.write_bytes(_sav(ph.endocardium, ph.epicardium))
    turned = transform_contours(ContourSet(ph.endocardium, ph.epicardium), "rotate90", image.shape)
    second = tmp_path / "mine-rotated.sav"
    second.write_bytes(_sav(turned.endocardium, turned.epicardium))
    r = run_node(
        "repeat_case.mjs",
        {
            "BASE_URL": stack,
            "SUPERVISOR": "sup",
            "SUPERVISOR_PASSWORD": "sup-pass-1",
            "TRAINEE": "alice",
            "TRAINEE_PASSWORD": "alice-pass-1",
            "TRAINEE_ID": str(trainee.pk),
            "CASE_ID": str(original.pk),
            "CASE_TITLE": original.title,
            "REPEAT_TITLE": "Basal T1, patient 31",
            "SECRETS": json.dumps(
                [original.pixel_sha256, image.series_instance_uid, *image.sop_instance_uids, original.title]
            ),
            "FIRST_SAV": str(first),
            "SECOND_SAV": str(second),
        },
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "E2E OK" in r.stdout
    shots = ["repeat-supervisor-case.png", "repeat-trainee-home.png", "repeat-trainee-progress.png"]
    for shot in [*shots, "repeat-supervisor-trainee.png"]:
        assert (ARTIFACTS / shot).stat().st_size > 10_000
