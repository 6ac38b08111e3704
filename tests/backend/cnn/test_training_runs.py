"""Training runs from the app: a supervisor trains on their datasets with expert contours, follows the progress,
and gets an inactive model with its card."""

from __future__ import annotations

import pytest

from backend.cases.services import dataset_create
from backend.cnn.models import ConsensusModel, TrainingRun
from backend.cnn.services import cases_for_training, training_run_execute
from tests.backend.conftest import ApiClient


def test_a_supervisor_trains_a_tiny_model_on_a_dataset_and_it_waits_for_activation(
    supervisor, dataset, case, django_capture_on_commit_callbacks
):
    c = ApiClient(supervisor)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = c.post(
            "/api/training-runs/",
            {"dataset_ids": [dataset.pk], "head": "unet", "width": 0.0625, "epochs": 1, "folds": 0, "phantoms": 2},
        )
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["status"] == "queued" and run["datasets"] == [{"id": dataset.pk, "name": "Native T1"}]
    assert len(queued) == 1
    training_run_execute(run_id=run["id"])
    done = c.get(f"/api/training-runs/{run['id']}").json()
    assert done["status"] == "done", done
    assert done["progress"] == 100.0 and done["model_version"].startswith("unet-w0.0625-")
    m = ConsensusModel.objects.get(pk=done["model_id"])
    assert not m.is_active
    assert m.card["data"]["n_real_cases"] == 1 and m.card["data"]["n_phantom_cases"] == 2
    # The case's patient is its de-identified pseudonym, never the original Patient ID.
    assert m.card["data"]["train_patients"][0].startswith("MYOQA-")
    assert "REAL-PATIENT-42" not in str(m.card)
    assert training_run_execute(run_id=run["id"]).status == "done"  # idempotent
    assert ConsensusModel.objects.count() == 1


def test_the_gold_standard_is_the_training_target(dataset, case):
    (c,) = cases_for_training([dataset])
    assert c.consensus is not None and c.experts == (c.consensus,)
    assert c.frame.shape == (case.rows, case.columns)


def test_it_refuses_datasets_without_expert_contours_and_other_supervisors_datasets(supervisor, trainee_a, cohort, db):
    from backend.accounts.models import Role
    from backend.accounts.services import user_create

    c = ApiClient(supervisor)
    empty = dataset_create(user=supervisor, name="Team only", cohorts=[cohort], consensus_source="team_average")
    r = c.post("/api/training-runs/", {"dataset_ids": [empty.pk]})
    assert r.status_code == 400 and "gold-standard or expert contours" in r.json()["detail"]
    other = user_create(username="sup2", password="pw", role=Role.SUPERVISOR, full_name="Other Supervisor")
    theirs = dataset_create(user=other, name="Theirs", cohorts=[])
    r = c.post("/api/training-runs/", {"dataset_ids": [theirs.pk]})
    assert r.status_code == 400 and r.json()["field"] == "dataset_ids"
    r = c.post("/api/training-runs/", {"dataset_ids": []})
    assert r.status_code == 400
    assert ApiClient(trainee_a).post("/api/training-runs/", {"dataset_ids": [empty.pk]}).status_code == 403
    assert not TrainingRun.objects.exists()


def test_it_checks_ownership(supervisor, trainee_b, dataset, case, django_capture_on_commit_callbacks):
    from backend.accounts.models import Role
    from backend.accounts.services import user_create

    with django_capture_on_commit_callbacks(execute=False):
        run = ApiClient(supervisor).post("/api/training-runs/", {"dataset_ids": [dataset.pk]}).json()
    other = user_create(username="sup3", password="pw", role=Role.SUPERVISOR, full_name="Another Supervisor")
    for user in (trainee_b, other):
        assert ApiClient(user).get(f"/api/training-runs/{run['id']}").status_code == 404
    assert ApiClient(other).get("/api/training-runs/").json() == []


@pytest.mark.parametrize("field, value", [("width", 0), ("epochs", 0), ("folds", 9), ("head", "resnet")])
def test_it_refuses_settings_out_of_range(supervisor, dataset, case, field, value):
    r = ApiClient(supervisor).post("/api/training-runs/", {"dataset_ids": [dataset.pk], field: value})
    assert r.status_code == 400 and r.json()["detail"]
    assert not TrainingRun.objects.exists()


def test_training_runs_have_their_own_queue_so_inference_never_waits_behind_them():
    from backend.config.celery_app import app

    route = lambda name: app.amqp.router.route({}, name)["queue"].name  # noqa: E731
    assert route("backend.cnn.train_consensus_model") == "ml-train"
    assert route("backend.cnn.automatic_consensus") == "ml"
    assert route("backend.submissions.evaluate_submission") == "myoqa"
