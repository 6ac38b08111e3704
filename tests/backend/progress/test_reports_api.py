"""Reports through the API and the CLI: who may get which report, the progress, and the PDF's content."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from backend.progress.models import ReportJob, ReportStatus
from backend.progress.services import report_generate
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, grow, sav_upload

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def attempts(case, trainee_a, phantom):
    """Three evaluated attempts of trainee A, improving."""
    c = ApiClient(trainee_a)
    subs = []
    for px in (3.0, 1.5, 0.0):
        r = c.post(
            "/api/submissions/",
            {
                "case": str(case.pk),
                "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, px)),
            },
            json=False,
        )
        subs.append(evaluation_run(submission_id=r.json()["id"]))
    return subs


def test_a_trainee_requests_their_own_report_and_follows_its_progress(
    attempts, trainee_a, django_capture_on_commit_callbacks
):
    c = ApiClient(trainee_a)
    with django_capture_on_commit_callbacks() as cb:
        r = c.post("/api/reports/", {"kind": "trainee"})
    assert r.status_code == 201 and r.json()["status"] == "queued" and len(cb) == 1
    job_id = r.json()["id"]
    report_generate(job_id=job_id)
    body = c.get(f"/api/reports/{job_id}").json()
    assert body["status"] == "done" and body["progress"] == 100
    pdf = b"".join(c.get(body["pdf_url"]).streaming_content)
    text = pdf_text(pdf)
    assert "Alice Trainee" in text and "CMR class 2026" in text
    latest = attempts[-1].result["agreement"]["myocardium"]["dice"]
    assert f"{latest:.3f}" in text


def test_it_checks_ownership(attempts, trainee_a, trainee_b, supervisor, cohort):
    b = ApiClient(trainee_b)
    assert b.post("/api/reports/", {"kind": "trainee", "trainee_id": trainee_a.pk}).status_code == 404
    assert b.post("/api/reports/", {"kind": "cohort", "cohort_id": cohort.pk}).status_code == 404
    job = ApiClient(trainee_a).post("/api/reports/", {"kind": "trainee"}).json()
    assert b.get(f"/api/reports/{job['id']}").status_code == 404
    assert b.get(f"/api/reports/{job['id']}/pdf").status_code == 404
    # A trainee cannot ask for a class report; a supervisor can, and for their trainees.
    assert ApiClient(trainee_a).post("/api/reports/", {"kind": "cohort", "cohort_id": cohort.pk}).status_code == 404
    s = ApiClient(supervisor)
    assert s.post("/api/reports/", {"kind": "trainee", "trainee_id": trainee_a.pk}).status_code == 201
    assert s.post("/api/reports/", {"kind": "cohort", "cohort_id": cohort.pk}).status_code == 201


def test_the_cli_writes_both_reports_with_names_from_the_database(attempts, cohort, tmp_path):
    call_command("report", "trainee", "--user", "alice", "--out", str(tmp_path / "t.pdf"), stdout=io.StringIO())
    call_command("report", "cohort", "--cohort", cohort.name, "--out", str(tmp_path / "c.pdf"), stdout=io.StringIO())
    t = pdf_text((tmp_path / "t.pdf").read_bytes())
    c = pdf_text((tmp_path / "c.pdf").read_bytes())
    assert "Alice Trainee" in t and "Alice Trainee" in c and cohort.name in c
    assert "Sara Supervisor" in c


def test_a_failed_report_is_marked_failed(trainee_a, monkeypatch):
    job = ReportJob.objects.create(kind="trainee", requested_by=trainee_a, trainee=trainee_a)

    def boom(*a, **k):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("backend.progress.services.render_report", boom)
    with pytest.raises(RuntimeError):
        report_generate(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED and "could not be generated" in job.message
