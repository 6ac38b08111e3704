"""Lost workers: an evaluation in flight when the worker's main process is killed is finished by the next worker.

The workers here are real ``celery worker`` processes (prefork pool) started with the production settings module
against this run's PostgreSQL test database, media folder and Redis database, as a deployment starts them; only
the time limits are short (``MYOQA_TASK_TIME_LIMIT_S=10``, visibility timeout 15 s) so the test takes seconds.

To kill the worker while the evaluation is in flight, deterministically, the test replaces the case's stored image
by a named pipe: the worker marks the submission running, then waits in its read of the image. The test SIGKILLs
the worker's main process (as OOM, ``docker kill`` or a power cut would), then the pool child with it (the rest of
the container), and puts the image back. (A database row lock would not do: Django's foreign keys are checked at
COMMIT, and a COMMIT already sent completes after its client has died.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from backend.config.celery_app import app
from backend.core.storage import file_path
from backend.submissions.models import EvaluationStatus, Submission
from tests.backend.conftest import ApiClient, grow, sav_upload
from tests.conftest import REPO

TIME_LIMIT_S, VISIBILITY_S = 10, 15


def database_url() -> str:
    d = connection.settings_dict
    auth = d["USER"] + (f":{d['PASSWORD']}" if d["PASSWORD"] else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


@contextmanager
def celery_worker(tmp_path, **env: str) -> Iterator[subprocess.Popen]:
    """A ``celery worker -Q myoqa`` process group; stopped (SIGKILL to the group) when the block ends."""
    log = open(tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "backend.config", "worker", "-Q", "myoqa", "-c", "1"),
            *("--loglevel", "INFO", "-n", f"faults-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle"),
        ],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.CELERY_BROKER_URL,
            "MYOQA_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "MYOQA_VAR_DIR": str(tmp_path / "var"),
            "MYOQA_TASK_TIME_LIMIT_S": str(TIME_LIMIT_S),
            "MYOQA_BROKER_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S),
            "MYOQA_STUCK_SWEEP_INTERVAL_S": "3600",
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        kill_group(proc)
        log.close()


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def wait_status(pk: int, statuses: set[str], timeout: float) -> Submission:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = Submission.objects.get(pk=pk)
        if s.status in statuses:
            return s
        time.sleep(0.05)
    raise AssertionError(f"submission {pk} is {Submission.objects.get(pk=pk).status}, not {statuses} after {timeout} s")


@pytest.fixture
def broker():
    """This run's Redis database, emptied (queues and unacked messages) before and after."""
    r = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    r.flushdb()
    yield r
    app.control.purge()
    r.flushdb()


def test_an_evaluation_in_flight_when_the_worker_main_process_is_killed_is_finished_by_the_next_worker(
    transactional_db, broker, case, trainee_a, phantom, tmp_path
):
    image = file_path(case.image_file)
    image_bytes = image.read_bytes()
    c = ApiClient(trainee_a)
    r = c.post(
        "/api/submissions/",
        {
            "case": str(case.pk),
            "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 1)),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    image.unlink()
    os.mkfifo(image)  # the worker's read of the case image waits here, after it marked the evaluation running
    try:
        with celery_worker(tmp_path) as first:
            wait_status(pk, {"running"}, timeout=90)
            # the message is held, unacknowledged, under the evaluation workers' own key
            assert broker.hlen("unacked:myoqa") == 1 and not broker.exists("unacked")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
    finally:
        image.unlink()
        image.write_bytes(image_bytes)
    lost = Submission.objects.get(pk=pk)
    assert lost.status == EvaluationStatus.RUNNING and lost.runs == 1  # nobody finished it
    killed_at = time.monotonic()
    with celery_worker(tmp_path):
        done = wait_status(pk, {"done", "failed"}, timeout=60)
    assert done.status == EvaluationStatus.DONE, done.error
    assert done.runs == 2
    assert time.monotonic() - killed_at < 60
    assert broker.hlen("unacked:myoqa") == 0


def test_a_worker_that_starts_re_queues_an_evaluation_stuck_in_running(
    transactional_db, broker, case, trainee_a, phantom, tmp_path
):
    c = ApiClient(trainee_a)
    r = c.post(
        "/api/submissions/",
        {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    pk = r.json()["id"]
    app.control.purge()  # the message is lost: only the database knows about this evaluation
    Submission.objects.filter(pk=pk).update(
        status=EvaluationStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1), runs=1
    )
    with celery_worker(tmp_path):
        done = wait_status(pk, {"done", "failed"}, timeout=60)
    assert done.status == EvaluationStatus.DONE, done.error
    assert done.runs == 2


# --- the policy and the sweep, without a worker ----------------------------------------------------------------


def queued_submission(client: ApiClient, case, phantom) -> Submission:
    r = client.post(
        "/api/submissions/",
        {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    assert r.status_code == 201, r.content
    return Submission.objects.get(pk=r.json()["id"])


def test_each_worker_kind_gets_its_own_visibility_timeout_and_unacked_keys(settings):
    from backend.config import celery_policy

    settings.CELERY_BROKER_VISIBILITY_TIMEOUT_S = 0
    evaluation = celery_policy.broker_transport_options_for(["myoqa"])
    ml = celery_policy.broker_transport_options_for(["ml"])
    training = celery_policy.broker_transport_options_for(["ml-train"])
    stuck_after = celery_policy.evaluation_stuck_after_s()
    assert stuck_after < evaluation["visibility_timeout"] <= 10 * 60  # a few minutes, above the time limit
    assert ml["visibility_timeout"] == evaluation["visibility_timeout"]
    assert training["visibility_timeout"] > settings.CELERY_TRAINING_TIME_LIMIT_S
    keys = {o["unacked_key"] for o in (evaluation, ml, training)}
    assert keys == {"unacked:myoqa", "unacked:ml", "unacked:ml-train"}
    assert {o["unacked_index_key"] for o in (evaluation, ml, training)} == {
        "unacked_index:myoqa",
        "unacked_index:ml",
        "unacked_index:ml-train",
    }
    # a worker on several queues: the longest time limit wins, the keys name the set in a fixed order
    both = celery_policy.broker_transport_options_for(["ml-train", "myoqa"])
    assert both["unacked_key"] == "unacked:ml-train,myoqa"
    assert both["visibility_timeout"] == training["visibility_timeout"]


def test_a_visibility_timeout_below_the_time_limit_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    from backend.config import celery_policy

    settings.CELERY_BROKER_VISIBILITY_TIMEOUT_S = settings.CELERY_TASK_TIME_LIMIT_S
    with pytest.raises(ImproperlyConfigured, match="MYOQA_BROKER_VISIBILITY_TIMEOUT_S"):
        celery_policy.visibility_timeout_for(["myoqa"])
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT_S = 3600
    with pytest.raises(ImproperlyConfigured):
        celery_policy.visibility_timeout_for(["ml-train"])
    assert celery_policy.visibility_timeout_for(["myoqa"]) == 3600


def test_the_worker_start_hook_sets_the_options_of_the_queues_given_with_dash_q(settings):
    from types import SimpleNamespace

    from backend.config.celery_app import broker_options_for_this_worker

    settings.CELERY_BROKER_VISIBILITY_TIMEOUT_S = 0
    for option, key in ((["ml-train"], "unacked:ml-train"), ("myoqa,ml", "unacked:ml,myoqa"), (None, "unacked:myoqa")):
        conf = SimpleNamespace(broker_transport_options={})
        broker_options_for_this_worker(conf=conf, options={"queues": option})
        assert conf.broker_transport_options["unacked_key"] == key


@pytest.mark.django_db
def test_a_second_delivery_while_the_evaluation_runs_elsewhere_is_a_no_op(case, trainee_a, phantom):
    from backend.submissions.services import evaluation_run

    sub = queued_submission(ApiClient(trainee_a), case, phantom)
    Submission.objects.filter(pk=sub.pk).update(status=EvaluationStatus.RUNNING, started_at=timezone.now(), runs=1)
    again = evaluation_run(submission_id=sub.pk)
    assert again.status == EvaluationStatus.RUNNING and again.runs == 1 and again.result is None


@pytest.mark.django_db
def test_a_delivery_of_an_evaluation_stuck_past_its_time_limit_runs_it_again(case, trainee_a, phantom):
    from backend.submissions.services import evaluation_run

    sub = queued_submission(ApiClient(trainee_a), case, phantom)
    Submission.objects.filter(pk=sub.pk).update(
        status=EvaluationStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1), runs=1
    )
    done = evaluation_run(submission_id=sub.pk)
    assert done.status == EvaluationStatus.DONE and done.runs == 2
    assert evaluation_run(submission_id=sub.pk).runs == 2  # done: a no-op


@pytest.mark.django_db
def test_the_sweep_re_queues_only_evaluations_stuck_past_their_time_limit(case, trainee_a, phantom, monkeypatch):
    from backend.submissions import services, tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.evaluate_submission, "delay", sent.append)
    c = ApiClient(trainee_a)
    old = timezone.now() - timedelta(hours=1)
    stuck, recent, done, queued = (queued_submission(c, case, phantom) for _ in range(4))
    Submission.objects.filter(pk=stuck.pk).update(status=EvaluationStatus.RUNNING, started_at=old, runs=1)
    Submission.objects.filter(pk=recent.pk).update(status=EvaluationStatus.RUNNING, started_at=timezone.now(), runs=1)
    Submission.objects.filter(pk=done.pk).update(status=EvaluationStatus.DONE, started_at=old, runs=1)
    assert services.evaluations_requeue_stuck() == [stuck.pk]
    assert sent == [stuck.pk]
    statuses = dict(Submission.objects.values_list("pk", "status"))
    assert statuses == {
        stuck.pk: EvaluationStatus.QUEUED,
        recent.pk: EvaluationStatus.RUNNING,
        done.pk: EvaluationStatus.DONE,
        queued.pk: EvaluationStatus.QUEUED,
    }
    assert services.evaluations_requeue_stuck() == []  # a second sweep finds nothing


@pytest.mark.django_db
def test_an_evaluation_interrupted_too_often_fails_with_a_message_instead_of_looping(
    case, trainee_a, phantom, monkeypatch
):
    from backend.config.celery_policy import EVALUATION_MAX_RUNS
    from backend.submissions import services, tasks
    from backend.submissions.services import evaluation_run

    monkeypatch.setattr(tasks.evaluate_submission, "delay", lambda pk: None)
    c = ApiClient(trainee_a)
    swept, delivered = queued_submission(c, case, phantom), queued_submission(c, case, phantom)
    Submission.objects.update(
        status=EvaluationStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1), runs=EVALUATION_MAX_RUNS
    )
    assert services.evaluations_requeue_stuck() == []
    swept.refresh_from_db()
    assert swept.status == EvaluationStatus.FAILED and "upload your contours again" in swept.error
    Submission.objects.filter(pk=delivered.pk).update(status=EvaluationStatus.RUNNING, runs=EVALUATION_MAX_RUNS)
    assert evaluation_run(submission_id=delivered.pk).status == EvaluationStatus.FAILED
