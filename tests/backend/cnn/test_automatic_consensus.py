"""The automatic consensus of a submission: the active CNN contours the image from the trainee's contour, the
evaluation compares the trainee with it and records the model version; without a usable model, the note says so."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from backend.cases.models import ReferenceKind
from backend.cases.services import dataset_create
from backend.cnn.services import automatic_consensus_run, model_activate
from backend.submissions.models import Submission
from backend.submissions.services import automatic_consensus_attach, evaluation_run
from tests.backend.conftest import ApiClient, dicom_upload, grow, sav_upload


@pytest.fixture
def automatic_case(supervisor, cohort, phantom, tmp_path):
    from backend.cases.services import case_create

    ds = dataset_create(user=supervisor, name="Automatic", cohorts=[cohort], consensus_source="automatic")
    return case_create(
        user=supervisor, dataset=ds, title="No expert contoured this", image_files=[dicom_upload(phantom, tmp_path)]
    )


def _submit(trainee, case, phantom, epi_grow_px=0.0) -> int:
    c = ApiClient(trainee)
    r = c.post(
        "/api/submissions/",
        {
            "case": str(case.pk),
            "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, epi_grow_px)),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    return r.json()["id"]


def test_the_active_model_contours_the_case_and_the_evaluation_records_its_version(
    registered_model, automatic_case, trainee_a, phantom, django_capture_on_commit_callbacks
):
    model_activate(user=None, model=registered_model)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        sid = _submit(trainee_a, automatic_case, phantom, epi_grow_px=1.5)
    assert len(queued) == 1  # one chain: the ml task, then the evaluation
    sub = Submission.objects.get(pk=sid)
    made = automatic_consensus_run(case_id=sub.case_id, contours_file_id=str(sub.contours_file_id), contributors=[sid])
    sub = automatic_consensus_attach(submission_id=sid, consensus=made.as_message())
    ref = sub.reference
    assert ref.kind == ReferenceKind.AUTOMATIC and ref.rater == "CNN copy-trainee-test" and ref.contributors == [sid]
    assert sub.consensus_model_id == registered_model.pk
    assert "Dice 0.90" in sub.consensus_note and "HD 3.0 mm" in sub.consensus_note
    # The copy model returns the trainee's own contour: well within the model's own error (MSD 1.0 mm).
    assert "Your contour is within it" in sub.consensus_note
    sub = evaluation_run(submission_id=sid)
    assert sub.status == "done" and sub.consensus_source == "automatic"
    # The copy-the-trainee model's consensus is the trainee's own contour: agreement is near perfect.
    assert sub.summary["agreement"]["myocardium"]["dice"] > 0.95
    # Attaching again (a redelivered chain) changes nothing.
    again = automatic_consensus_attach(
        submission_id=sid, consensus={"reference_id": None, "model_id": None, "note": ""}
    )
    assert again.reference_id == ref.pk and again.consensus_note == sub.consensus_note
    body = ApiClient(trainee_a).get(f"/api/submissions/{sid}").json()
    assert body["consensus"]["model_version"] == "copy-trainee-test"
    assert body["consensus_note"].startswith("Automatic consensus by the CNN copy-trainee-test")
    assert body["consensus_contours"]["epicardium"]
    # A trainee sees the automatic consensus of their own submission only.
    assert ApiClient(trainee_a).get(f"/api/cases/{automatic_case.pk}/reference").status_code == 200


def test_without_an_active_model_the_trainee_gets_own_values_and_a_note(
    automatic_case, trainee_a, phantom, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        sid = _submit(trainee_a, automatic_case, phantom)
    sub = evaluation_run(submission_id=sid)
    assert sub.status == "done" and sub.reference is None
    assert "No automatic consensus model is active" in sub.consensus_note
    assert sub.summary["trainee"]["myocardium_area_mm2"] > 0
    assert sub.summary["verdict"]["result"] == "not_assessed"
    assert "No automatic consensus model is active" in sub.summary["verdict"]["message"]


def test_a_model_whose_files_are_gone_is_reported_not_crashed(
    registered_model, automatic_case, trainee_a, phantom, settings, django_capture_on_commit_callbacks
):
    import shutil

    model_activate(user=None, model=registered_model)
    shutil.rmtree(settings.MODEL_ROOT / registered_model.folder)
    with django_capture_on_commit_callbacks(execute=False):
        sid = _submit(trainee_a, automatic_case, phantom)
    sub = Submission.objects.get(pk=sid)
    made = automatic_consensus_run(case_id=sub.case_id, contours_file_id=str(sub.contours_file_id), contributors=[sid])
    sub = automatic_consensus_attach(submission_id=sid, consensus=made.as_message())
    assert sub.reference is None and "could not be loaded" in sub.consensus_note
    assert evaluation_run(submission_id=sid).status == "done"


@pytest.fixture
def both_queues_worker(transactional_db):
    from backend.config.celery_app import app

    assert app.conf.broker_url.startswith("redis://"), app.conf.broker_url
    app.control.purge()
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30, queues=["myoqa", "ml"]
    ):
        yield


def test_a_real_worker_runs_the_ml_task_then_the_evaluation_from_redis(
    both_queues_worker, copy_model_folder, supervisor, cohort, trainee_a, phantom, tmp_path
):
    from backend.cases.services import case_create
    from backend.cnn.services import model_register

    model_register(folder=copy_model_folder, activate=True)
    ds = dataset_create(user=supervisor, name="Automatic (queue)", cohorts=[cohort], consensus_source="automatic")
    case = case_create(user=supervisor, dataset=ds, title="Queued", image_files=[dicom_upload(phantom, tmp_path)])
    sid = _submit(trainee_a, case, phantom, epi_grow_px=2.0)
    end = time.monotonic() + 90
    while time.monotonic() < end:
        s = Submission.objects.get(pk=sid)
        if s.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert s.status == "done", (s.status, s.error, s.consensus_note)
    assert s.consensus_model.version == "copy-trainee-test" and s.reference.kind == ReferenceKind.AUTOMATIC
