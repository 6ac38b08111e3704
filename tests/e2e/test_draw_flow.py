"""Browser end-to-end, contouring in the browser (cornerstone3D): a trainee draws the expert's contours of a real
Sunnybrook frame by mouse, saves a draft and submits; the page shows the Dice and Hausdorff values that
``manage.py assess`` gives for the same (drawn, stored) polygons written as an IDL SAV file, and those agree with the
expert's own SAV within what mouse rounding to screen pixels allows. Then the trainee edits the submitted contours
(reshapes the epicardium outward) and resubmits; the new attempt differs and again matches ``assess``.
Screenshots (1280x800 and 390 px wide) are saved in ``test-artifacts/e2e/``."""

from __future__ import annotations

import json
import math

import numpy as np
import pydicom
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import Role
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.services import case_create, dataset_create
from backend.cmr.sav import read_contours
from backend.cmr.savwrite import write_sav
from tests.conftest import shared_path
from tests.e2e.conftest import ARTIFACTS, run_node
from tests.e2e.test_feedback_flow import assess_numbers

TITLE = "Sunnybrook SC-HF-I-1 frame 59 (drawn)"


def _sav_of(contours: dict, path) -> None:
    endo = np.asarray(contours["endocardium"], dtype=float)
    epi = np.asarray(contours["epicardium"], dtype=float)
    write_sav(path, {"ENDO_X": endo[:, 0], "ENDO_Y": endo[:, 1], "EPI_X": epi[:, 0], "EPI_Y": epi[:, 1]})


def _check_page_matches_assess(seen: dict, dicom, expert, tmp_path, name: str) -> dict:
    sav = tmp_path / f"{name}.sav"
    _sav_of(seen["contours"], sav)
    expected = assess_numbers(dicom, sav, expert, tmp_path)
    for k, v in expected.items():
        assert seen[k].startswith(v), f"{name} {k}: page shows {seen[k]}, assess gives {v} for the same polygons"
    return expected


def test_a_trainee_draws_the_expert_contour_and_edits_it(stack, tmp_path):
    dicom = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    expert = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    ds_ = pydicom.dcmread(dicom)
    shape = (int(ds_.Rows), int(ds_.Columns))
    spacing = float(ds_.PixelSpacing[0])
    cs = read_contours(expert, image_shape=shape)
    sup = user_create(username="sup", password="sup-pass-1", role=Role.SUPERVISOR, full_name="Sara Supervisor")
    trainee = user_create(username="alice", password="alice-pass-1", role=Role.TRAINEE, full_name="Alice Trainee")
    cohort = cohort_create(supervisor=sup, name="E2E class")
    cohort_add_trainee(cohort=cohort, username=trainee.username)
    ds = dataset_create(user=sup, name="Sunnybrook cine", cohorts=[cohort])
    case_create(
        user=sup,
        dataset=ds,
        title=TITLE,
        image_files=[SimpleUploadedFile("59.dcm", dicom.read_bytes(), content_type="application/dicom")],
        gold_standard=SimpleUploadedFile("expert.sav", expert.read_bytes()),
    )
    polygons = {"endocardium": cs.endocardium.tolist(), "epicardium": cs.epicardium.tolist()}
    r = run_node(
        "draw.mjs",
        {
            "BASE_URL": stack,
            "TRAINEE": "alice",
            "TRAINEE_PASSWORD": "alice-pass-1",
            "CASE_TITLE": TITLE,
            "POLYGONS": json.dumps(polygons),
        },
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "E2E OK" in r.stdout
    result = json.loads(next(line for line in r.stdout.splitlines() if line.startswith("RESULT "))[7:])

    # (a) The page's numbers are assess's for the polygons the browser submitted, written as a SAV file.
    drawn = _check_page_matches_assess(result["drawn"], dicom, expert, tmp_path, "drawn")
    # ... and those polygons are the expert's up to mouse rounding: a point lands on a whole screen pixel, at most
    # half a screen pixel off in x and y, i.e. sqrt(2) / 2 / s image pixels at s screen pixels per image pixel; the
    # freehand tool keeps the points where the mouse went, so the Hausdorff distance to the expert stays within that
    # plus the chord error of straight segments between the expert's points (allow one more image pixel in all).
    (ARTIFACTS / "draw-result.json").write_text(json.dumps({**result, "assess_drawn": drawn}))
    s = result["screen_px_per_image_px"]
    hd_tol_mm = (math.sqrt(2) / 2 / s + 1.0) * spacing
    # The myocardium is a ring about 6 px wide, so both walls' rounding counts twice against it (measured 0.949).
    assert float(drawn["myocardium_dice"]) >= 0.93
    for wall in ("endocardium", "epicardium"):
        assert float(drawn[f"{wall}_dice"]) >= 0.98
        assert float(drawn[f"{wall}_hausdorff"]) <= hd_tol_mm, (wall, drawn, hd_tol_mm)
    assert result["undo_status"] == "Draw the epicardium as a closed contour first."  # undo took the epicardium away

    # The feedback page's DICOM downloads are DICOM files.
    for link, got in result["exports"].items():
        assert got["status"] == 200 and got["dicm"] == "DICM", (link, got)

    # (b) The edited attempt: a new submission, the epicardium moved outward, again assess's numbers.
    edited = _check_page_matches_assess(result["edited"], dicom, expert, tmp_path, "edited")
    assert result["edited"]["submission"] != result["drawn"]["submission"]
    assert result["edited"]["contours"]["epicardium"] != result["drawn"]["contours"]["epicardium"]
    assert float(edited["epicardium_hausdorff"]) > float(drawn["epicardium_hausdorff"])

    # 390 px wide: no sideways scroll.
    assert result["feedback_scroll_390"] <= 390 and result["draw_scroll_390"] <= 390
    for name in ("draw-empty-1280", "draw-drawn-1280", "draw-feedback-1280", "draw-edited-1280", "draw-390"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
