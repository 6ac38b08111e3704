"""The automatic consensus of a submission: the active CNN contours the image from the trainee's contour, the
evaluation compares the trainee with it and records the model version; without a usable model, or where the model
does not know (it copies the trainee, or the image is of a kind it was not trained on), the note says so and the
attempt is not scored: never a silent pass, never the trainee's own contour as the consensus."""

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


def ring_dicom_upload(ph, tmp_path):
    """A T1-map DICOM that is 1000 ms in the phantom's myocardium and 0 elsewhere (the image-reading model's input)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backend.cmr.contours import ContourSet, lv_regions
    from backend.cmr.phantom import write_map_dicom

    ring = lv_regions(ContourSet(ph.endocardium, ph.epicardium), ph.shape).myocardium
    p = write_map_dicom(tmp_path / "ring.dcm", ring * 1000.0, ph, quantity="t1", patient_id="REAL-PATIENT-43")
    return SimpleUploadedFile("ring.dcm", p.read_bytes(), content_type="application/dicom")


@pytest.fixture
def ring_case(supervisor, cohort, phantom, tmp_path):
    from backend.cases.services import case_create

    ds = dataset_create(user=supervisor, name="Automatic ring", cohorts=[cohort], consensus_source="automatic")
    return case_create(user=supervisor, dataset=ds, title="Ring", image_files=[ring_dicom_upload(phantom, tmp_path)])


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
    image_model, ring_case, trainee_a, phantom, django_capture_on_commit_callbacks
):
    from backend.cmr.contours import ContourSet, lv_regions
    from backend.cmr.metrics import overlap_metrics

    model_activate(user=None, model=image_model)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        sid = _submit(trainee_a, ring_case, phantom, epi_grow_px=3.0)
    assert len(queued) == 1  # one chain: the ml task, then the evaluation
    sub = Submission.objects.get(pk=sid)
    made = automatic_consensus_run(case_id=sub.case_id, contours_file_id=str(sub.contours_file_id), contributors=[sid])
    sub = automatic_consensus_attach(submission_id=sid, consensus=made.as_message())
    ref = sub.reference
    assert ref is not None, sub.consensus_note
    assert ref.kind == ReferenceKind.AUTOMATIC and ref.rater == "CNN image-reading-test" and ref.contributors == [sid]
    assert sub.consensus_model_id == image_model.pk
    # The banner gives the model's held-out Dice, mean surface distance and HD (card: 0.90, 1.0 mm, 3.0 mm).
    assert "Dice 0.90" in sub.consensus_note and "mean surface distance 1.0 mm" in sub.consensus_note
    assert "HD 3.0 mm" in sub.consensus_note
    # The trainee drew the epicardium 3 px (4.3 mm) out: more than the model's own error.
    assert "more than the model's own error" in sub.consensus_note
    sub = evaluation_run(submission_id=sid)
    assert sub.status == "done" and sub.consensus_source == "automatic"
    # The consensus is the image's ring, not the trainee's contour: the trainee's grown epicardium costs Dice.
    from backend.cmr.contours import contour_set_from_bytes
    from backend.core.storage import file_read

    truth = lv_regions(ContourSet(phantom.endocardium, phantom.epicardium), phantom.shape).myocardium
    cons = lv_regions(contour_set_from_bytes(file_read(ref.contours_file)), phantom.shape).myocardium
    assert overlap_metrics(cons, truth).dice > 0.95
    assert sub.summary["agreement"]["myocardium"]["dice"] < 0.9
    # Attaching again (a redelivered chain) changes nothing.
    again = automatic_consensus_attach(
        submission_id=sid, consensus={"reference_id": None, "model_id": None, "note": ""}
    )
    assert again.reference_id == ref.pk and again.consensus_note == sub.consensus_note
    body = ApiClient(trainee_a).get(f"/api/submissions/{sid}").json()
    assert body["consensus"]["model_version"] == "image-reading-test"
    assert body["consensus_note"].startswith("Automatic consensus by the CNN image-reading-test")
    assert body["consensus_contours"]["epicardium"]
    # A trainee sees the automatic consensus of their own submission only.
    assert ApiClient(trainee_a).get(f"/api/cases/{ring_case.pk}/reference").status_code == 200


def test_a_model_that_copies_the_trainee_is_never_the_consensus_and_the_attempt_is_not_scored(
    registered_model, automatic_case, trainee_a, phantom, django_capture_on_commit_callbacks
):
    model_activate(user=None, model=registered_model)  # the copy-the-trainee model
    with django_capture_on_commit_callbacks(execute=False):
        sid = _submit(trainee_a, automatic_case, phantom, epi_grow_px=3.0)
    sub = Submission.objects.get(pk=sid)
    made = automatic_consensus_run(case_id=sub.case_id, contours_file_id=str(sub.contours_file_id), contributors=[sid])
    assert made.reference is None
    sub = automatic_consensus_attach(submission_id=sid, consensus=made.as_message())
    assert sub.reference is None
    assert sub.consensus_note.startswith("No automatic consensus here")
    assert "follows your own contour" in sub.consensus_note and "not scored" in sub.consensus_note
    sub = evaluation_run(submission_id=sid)
    assert sub.status == "done" and sub.summary["verdict"]["result"] == "not_assessed"
    assert sub.summary["trainee"]["myocardium_area_mm2"] > 0  # the trainee still gets their own values
    assert ReferenceKind.AUTOMATIC not in set(sub.case.references.values_list("kind", flat=True))


def test_a_t2star_series_gets_no_automatic_consensus_from_a_model_not_trained_on_one(
    image_model, supervisor, cohort, trainee_a, phantom, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backend.cases.services import case_create
    from backend.cmr.phantom import write_t2star_series

    model_activate(user=None, model=image_model)
    ds = dataset_create(user=supervisor, name="Automatic T2*", cohorts=[cohort], consensus_source="automatic")
    files = write_t2star_series(tmp_path / "s", phantom, seed=4)
    uploads = [SimpleUploadedFile(f.name, f.read_bytes(), content_type="application/dicom") for f in files]
    case = case_create(user=supervisor, dataset=ds, title="Iron", image_files=uploads)
    with django_capture_on_commit_callbacks(execute=False):
        sid = _submit(trainee_a, case, phantom)
    sub = Submission.objects.get(pk=sid)
    made = automatic_consensus_run(case_id=sub.case_id, contours_file_id=str(sub.contours_file_id), contributors=[sid])
    assert made.reference is None
    assert made.note.startswith("No automatic consensus here: the model was trained on")
    assert "multi-echo T2* series" in made.note
    sub = automatic_consensus_attach(submission_id=sid, consensus=made.as_message())
    assert evaluation_run(submission_id=sid).summary["verdict"]["result"] == "not_assessed"


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
    both_queues_worker, image_model_folder, supervisor, cohort, trainee_a, phantom, tmp_path
):
    from backend.cases.services import case_create
    from backend.cnn.services import model_register

    model_register(folder=image_model_folder, activate=True)
    ds = dataset_create(user=supervisor, name="Automatic (queue)", cohorts=[cohort], consensus_source="automatic")
    case = case_create(user=supervisor, dataset=ds, title="Queued", image_files=[ring_dicom_upload(phantom, tmp_path)])
    sid = _submit(trainee_a, case, phantom, epi_grow_px=2.0)
    end = time.monotonic() + 90
    while time.monotonic() < end:
        s = Submission.objects.get(pk=sid)
        if s.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert s.status == "done", (s.status, s.error, s.consensus_note)
    assert s.consensus_model.version == "image-reading-test" and s.reference.kind == ReferenceKind.AUTOMATIC
