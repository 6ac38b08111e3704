"""The real queue: an upload through the API is evaluated by a Celery worker consuming from Redis.

The worker runs in this process (``celery.contrib.testing.worker.start_worker``, thread pool) against the
PostgreSQL test database and the Redis broker of ``tests/settings.py``; the data is committed
(``transactional_db``) so the worker sees it.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from backend.config.celery_app import app
from backend.submissions.models import Submission
from tests.backend.conftest import ApiClient, grow, sav_upload


@pytest.fixture
def celery_worker(transactional_db):
    assert app.conf.broker_url.startswith("redis://"), app.conf.broker_url
    app.control.purge()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield


def wait_done(client: ApiClient, sid: int, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = client.get(f"/api/submissions/{sid}").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"submission {sid} not evaluated within {timeout} s")


def test_an_upload_is_evaluated_by_a_real_worker_from_redis(celery_worker, case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    r = c.post(
        "/api/submissions/",
        {
            "case": str(case.pk),
            "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 1.5)),
        },
        json=False,
    )
    assert r.status_code == 201 and r.json()["status"] == "queued"
    body = wait_done(c, r.json()["id"])
    assert body["status"] == "done", body["error"]
    assert 0.8 < body["summary"]["agreement"]["myocardium"]["dice"] < 1.0
    assert Submission.objects.get(pk=body["id"]).analysis_seconds > 0


def test_team_average_consensus_needs_three_trainees_and_records_its_contributors(
    celery_worker, supervisor, cohort, phantom, tmp_path
):
    from backend.accounts.services import cohort_add_trainee
    from backend.cases.services import case_create, dataset_create
    from tests.backend.conftest import dicom_upload

    ds = dataset_create(user=supervisor, name="Team", cohorts=[cohort], consensus_source="team_average")
    case = case_create(user=supervisor, dataset=ds, title="team case", image_files=[dicom_upload(phantom, tmp_path)])
    trainees = [cohort_add_trainee(cohort=cohort, username=f"t{i}", password="pw") for i in range(3)]
    offsets = [0.0, 1.0, -1.0]
    results = []
    for t, off in zip(trainees, offsets, strict=True):
        c = ApiClient(t)
        r = c.post(
            "/api/submissions/",
            {
                "case": str(case.pk),
                "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, off)),
            },
            json=False,
        )
        assert r.status_code == 201, r.content
        results.append(wait_done(c, r.json()["id"]))
    assert results[0]["consensus"] is None and "at least 3" in results[0]["consensus_note"]
    assert results[1]["consensus"] is None
    third = results[2]
    assert third["consensus"]["source"] == "team" and third["consensus"]["contributors"] == 3
    # The majority vote of (0, +1, -1) px is the unshifted epicardium: the first trainee's contour.
    c0 = ApiClient(trainees[0])
    r = c0.post(
        "/api/submissions/",
        {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    again = wait_done(c0, r.json()["id"])
    # A new latest submission of trainee 0 makes a new consensus version; the earlier result keeps version 1.
    assert again["consensus"] == {
        "source": "team",
        "label": "Team average (majority vote)",
        "version": 2,
        "contributors": 3,
        "model_version": None,
    }
    assert again["summary"]["agreement"]["myocardium"]["dice"] > 0.97
    assert ApiClient(trainees[2]).get(f"/api/submissions/{third['id']}").json()["consensus"]["version"] == 1
