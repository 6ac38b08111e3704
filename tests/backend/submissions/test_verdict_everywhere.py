"""One verdict, read everywhere: ``assess --json``, the API (detail, list, overview, history) and the trainee PDF
show the same verdict, tolerance by tolerance, for the same attempt (the feedback page: tests/e2e)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from django.core.management import call_command

from backend.cmr.phantom import t1_map_pixels, write_map_dicom
from backend.cmr.savwrite import write_sav
from backend.progress.services import report_generate
from backend.submissions.models import Submission
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, grow, sav_upload

pytestmark = pytest.mark.django_db


def _points(endo, epi) -> dict:
    return {
        "ENDO_X": endo[:, 0].astype(np.float32),
        "ENDO_Y": endo[:, 1].astype(np.float32),
        "EPI_X": epi[:, 0].astype(np.float32),
        "EPI_Y": epi[:, 1].astype(np.float32),
    }


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_same_verdict_reaches_assess_the_api_and_the_pdf(case, cohort, trainee_a, supervisor, phantom, tmp_path):
    epi = grow(phantom.epicardium, phantom.centre, 2.0)  # about 2.9 mm thicker wall: outside |dWT| <= 1.5 mm
    c = ApiClient(trainee_a)
    r = c.post(
        "/api/submissions/", {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, epi)}, json=False
    )
    sub = evaluation_run(submission_id=r.json()["id"])
    stored = Submission.objects.get(pk=sub.pk).summary["verdict"]
    assert stored["result"] == "outside" and "wall_thickness" in stored["failed"]

    # assess on the same pixels and contours, with the same (default) tolerances.
    dcm = write_map_dicom(tmp_path / "t1.dcm", t1_map_pixels(phantom, seed=11), phantom, quantity="t1")
    write_sav(tmp_path / "trainee.sav", _points(phantom.endocardium, epi))
    write_sav(tmp_path / "gold.sav", _points(phantom.endocardium, phantom.epicardium))
    out = tmp_path / "a.json"
    table = io.StringIO()
    call_command(
        "assess",
        "--image",
        str(dcm),
        "--trainee",
        str(tmp_path / "trainee.sav"),
        "--reference",
        str(tmp_path / "gold.sav"),
        "--json",
        str(out),
        stdout=table,
    )
    cli = json.loads(out.read_text())["verdict"]
    assert cli["result"] == stored["result"] and cli["failed"] == stored["failed"]
    for a, b in zip(cli["checks"], stored["checks"], strict=True):
        assert (a["quantity"], a["passed"], a["limit"], a["unit"]) == (
            b["quantity"],
            b["passed"],
            b["limit"],
            b["unit"],
        )
        assert a["measured"] == pytest.approx(b["measured"], abs=1e-6)
    assert stored["message"] in table.getvalue() and "[FAIL] Mean wall thickness" in table.getvalue()

    # Every API reader serves the stored verdict as it is.
    assert c.get(f"/api/submissions/{sub.pk}").json()["summary"]["verdict"] == stored
    assert c.get(f"/api/submissions/?case={case.pk}").json()[0]["verdict"] == stored
    s = ApiClient(supervisor)
    assert s.get(f"/api/cohorts/{cohort.pk}/overview").json()["rows"][0]["cells"][0]["latest"]["verdict"] == stored
    assert s.get(f"/api/trainees/{trainee_a.pk}/history").json()["submissions"][0]["verdict"] == stored

    # The trainee's PDF says why the case is outside, in the same words.
    from pypdf import PdfReader

    r = c.post("/api/reports/", {"kind": "trainee"})
    report_generate(job_id=r.json()["id"])
    pdf = b"".join(c.get(f"/api/reports/{r.json()['id']}/pdf").streaming_content)
    text = _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "Why the latest submission is outside" in text
    assert _words(stored["message"]) in text


def test_a_bad_case_filter_is_a_400_that_names_it(trainee_a, supervisor):
    for user in (trainee_a, supervisor):
        r = ApiClient(user).get("/api/submissions/?case=abc")
        assert r.status_code == 400 and "case" in r.json()["detail"]
    r = ApiClient(supervisor).get("/api/submissions/?trainee=1.5")
    assert r.status_code == 400 and "trainee" in r.json()["detail"]
