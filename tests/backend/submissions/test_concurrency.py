"""Concurrent writes on real PostgreSQL: the attempt number of simultaneous uploads by one trainee.

Ten threads, each with its own test client (its own session) and database connection, post at the same moment;
the data is committed (``transactional_db``) so that each request sees the others' rows, as on a deployment. The
evaluation tasks go to this run's Redis database and are purged (no worker consumes them here).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from backend.config.celery_app import app
from backend.submissions.models import Submission
from tests.backend.conftest import ApiClient, grow, sav_upload

N = 10


@pytest.fixture
def purged_queue():
    app.control.purge()
    yield
    app.control.purge()


def test_ten_simultaneous_uploads_by_one_trainee_get_attempts_one_to_ten_and_no_error(
    transactional_db, purged_queue, case, trainee_a, phantom
):
    clients = [ApiClient(trainee_a) for _ in range(N)]
    uploads = [
        sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 0.1 * i), f"c{i}.sav")
        for i in range(N)
    ]
    start = threading.Barrier(N)

    def post(i: int) -> tuple[int, dict]:
        try:
            start.wait()
            r = clients[i].post("/api/submissions/", {"case": str(case.pk), "contours": uploads[i]}, json=False)
            return r.status_code, r.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(N) as ex:
        results = list(ex.map(post, range(N)))
    assert [code for code, _ in results] == [201] * N, results
    assert sorted(body["attempt"] for _, body in results) == list(range(1, N + 1))
    assert sorted(Submission.objects.filter(trainee=trainee_a, case=case).values_list("attempt", flat=True)) == list(
        range(1, N + 1)
    )


def test_the_next_attempt_follows_the_highest_number_even_after_a_deletion(
    transactional_db, purged_queue, case, trainee_a, phantom
):
    c = ApiClient(trainee_a)
    for _ in range(3):
        r = c.post(
            "/api/submissions/",
            {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
            json=False,
        )
        assert r.status_code == 201, r.content
    Submission.objects.get(trainee=trainee_a, case=case, attempt=2).delete()
    r = c.post(
        "/api/submissions/",
        {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    assert r.status_code == 201, r.content
    assert r.json()["attempt"] == 4
