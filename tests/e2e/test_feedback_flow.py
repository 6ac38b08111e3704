"""Browser end-to-end: through the Node proxy, a supervisor creates a case from a real Sunnybrook frame and its
expert SAV; a trainee uploads the matching trainee SAV and sees the Dice and Hausdorff values that
``manage.py assess`` gives for the same files, and the verdict the API stored (its sentence word for word, each
check's pass / fail), above the fold at 1280x800 and the same on the home page and the overview tooltip.
Screenshots (1280x800 and 390 px wide) are saved in ``test-artifacts/e2e/``."""

from __future__ import annotations

import json
import subprocess
import sys

from backend.accounts.models import Role
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.services import dataset_create
from tests.conftest import REPO, shared_path
from tests.e2e.conftest import ARTIFACTS, run_node


def assess_numbers(dicom, trainee, expert, tmp_path) -> dict:
    out = tmp_path / "assess.json"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "assess",
            "--image",
            str(dicom),
            "--trainee",
            str(trainee),
            "--reference",
            str(expert),
            "--json",
            str(out),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    a = json.loads(out.read_text())["agreement"]
    return {
        "myocardium_dice": f"{a['myocardium']['dice']:.3f}",
        "endocardium_dice": f"{a['endocardium']['dice']:.3f}",
        "epicardium_dice": f"{a['epicardium']['dice']:.3f}",
        "endocardium_hausdorff": f"{a['endocardium']['hausdorff_mm']:.2f}",
        "epicardium_hausdorff": f"{a['epicardium']['hausdorff_mm']:.2f}",
    }


def test_a_trainee_sees_the_same_dice_and_hausdorff_as_assess(stack, tmp_path):
    dicom = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    expert = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    trainee_sav = shared_path("scd-sunnybrook-sav", "trainee", "SC-HF-I-1-059-epi_out.sav")
    invalid = shared_path("scd-sunnybrook-sav", "invalid", "mask-wrong-shape-128.sav")
    sup = user_create(username="sup", password="sup-pass-1", role=Role.SUPERVISOR, full_name="Sara Supervisor")
    trainee = user_create(username="alice", password="alice-pass-1", role=Role.TRAINEE, full_name="Alice Trainee")
    cohort = cohort_create(supervisor=sup, name="E2E class")
    cohort_add_trainee(cohort=cohort, username=trainee.username)
    ds = dataset_create(user=sup, name="Sunnybrook cine", cohorts=[cohort])
    expected = assess_numbers(dicom, trainee_sav, expert, tmp_path)
    r = run_node(
        "feedback.mjs",
        {
            "BASE_URL": stack,
            "SUPERVISOR": "sup",
            "SUPERVISOR_PASSWORD": "sup-pass-1",
            "TRAINEE": "alice",
            "TRAINEE_PASSWORD": "alice-pass-1",
            "DATASET_NAME": ds.name,
            "COHORT_ID": str(cohort.pk),
            "DICOM": str(dicom),
            "EXPERT_SAV": str(expert),
            "TRAINEE_SAV": str(trainee_sav),
            "INVALID_SAV": str(invalid),
            "EXPECTED": json.dumps(expected),
        },
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "E2E OK" in r.stdout
    shots = ["trainee-feedback.png", "supervisor-overview.png", "trainee-upload-error.png"]
    shots += [f"{page}-{w}.png" for page in ("trainee-feedback", "trainee-home") for w in (1280, 390)]
    for name in shots:
        assert (ARTIFACTS / name).stat().st_size > 10_000
