"""Celery configuration and reliability policy, in one place (pattern: grand-challenge ``core/celery.py``).

Imported lazily by Celery on first use of ``app.conf`` (after Django's settings are loaded).

* ``acks_late`` + ``reject_on_worker_lost``: a task whose worker child dies is redelivered, not lost;
* bounded retries are declared per task; tasks are idempotent (re-running a finished evaluation is a no-op);
* ``worker_prefetch_multiplier = 1``: a long task does not hold short ones hostage;
* tasks of the consensus model (``backend.cnn.*``) run on their own queue (``ml``), except training runs, which
  take hours and go to ``ml-train`` so that they never hold up a trainee's automatic consensus; training has its
  own, much longer time limit (``MYOQA_TRAINING_TIME_LIMIT_S``);
* the filesystem transport's control folder lives under ``var/`` too (kombu's default is ``./control``).

Embedded default (no ``REDIS_URL``): kombu's filesystem transport under ``var/celery-broker``, so ``make run``
needs no services.

Lost workers on Redis (what kombu 5.7's ``kombu/transport/redis.py`` does)
-------------------------------------------------------------------------
Redis has no acknowledgements; kombu emulates them. When a worker's main process receives a message it records it
(``QoS.append``) in a hash ``unacked_key`` and a sorted set ``unacked_index_key`` scored by the delivery time, and
removes it on ack. Nobody else knows the worker holds it:

* a clean stop (SIGTERM, ``docker stop``) puts the worker's own unacked messages back at once
  (``QoS.restore_unacked_once`` when its channel closes);
* after SIGKILL, OOM or a power cut the message stays in the hash. It is put back only by the periodic
  ``QoS.restore_visible`` of *another consuming worker's main process* (the event loop calls it every
  ``unacked_restore_interval`` = 10 s, scanning on every ``unacked_restore_throttle``-th call; also once when the
  consumer starts), which, under a Redis mutex, re-pushes every entry delivered more than *its own*
  ``visibility_timeout`` ago onto the message's original queue (from its exchange and routing key). Publishers
  (web) never restore anything.

Two consequences shape the options below. (1) The scan covers the whole hash, whatever the queue: with one shared
key, an evaluation worker with a short timeout would re-queue a training run that is still running. So each worker
kind keeps its own keys (``unacked:<queues>``), and a worker only restores messages delivered to workers that
consume the same queues. (2) The visibility timeout belongs to the consuming worker's connection, so it is chosen
per worker in :func:`broker_transport_options_for` from the queues it consumes (``celeryd_init`` in
:mod:`backend.config.celery_app`), or set per service with ``MYOQA_BROKER_VISIBILITY_TIMEOUT_S``. It must stay
above the time limit of what the worker runs, or a message would be restored while its task still runs. With
``unacked_restore_throttle = 1`` a lost evaluation is back on its queue within visibility timeout + 10 s.

Stuck evaluations
-----------------
Redelivery cannot help when the message itself is gone (a hard time-limit kill acks the task; Redis lost its data).
Each worker that consumes the evaluation queue therefore sweeps the database when it starts and every
``MYOQA_STUCK_SWEEP_INTERVAL_S``: an evaluation "running" for longer than :func:`evaluation_stuck_after_s` is reset
to queued and sent again (:func:`backend.submissions.services.evaluations_requeue_stuck`); one that was started
``EVALUATION_MAX_RUNS`` times is marked failed instead of looping.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

EVALUATION_QUEUE = "myoqa"
ML_QUEUE = "ml"
TRAINING_QUEUE = "ml-train"

STUCK_GRACE_MAX_S = 60
"""An evaluation still "running" a fifth of its time limit (at most this) after the limit has lost its worker."""
EVALUATION_MAX_RUNS = 3
"""A worker starts an evaluation at most this many times (first run plus redeliveries and sweeps)."""

_time_limit = settings.CELERY_TASK_TIME_LIMIT_S


def evaluation_stuck_after_s() -> int:
    """Seconds after which a "running" evaluation is taken to have lost its worker: its time limit (the pool kills
    the task then) plus a grace for clocks that differ between hosts (a fifth of the limit, at most a minute)."""
    limit = settings.CELERY_TASK_TIME_LIMIT_S
    return limit + min(STUCK_GRACE_MAX_S, max(1, limit // 5))


def visibility_timeout_for(queues: Iterable[str]) -> int:
    """The broker visibility timeout of a worker consuming ``queues`` (seconds).

    ``MYOQA_BROKER_VISIBILITY_TIMEOUT_S`` when set; otherwise the longest time limit of the tasks on those queues
    plus a margin: 420 s for evaluations and automatic consensus with the default 300 s limit, about 8.8 h for a
    worker that consumes training runs. It must be above the point where a "running" evaluation counts as stuck
    (:func:`evaluation_stuck_after_s`), so that the redelivered task finds it free to run, not still running.

    Raises
    ------
    ImproperlyConfigured
        When the timeout set is not above that (Redis would redeliver tasks that are still running).
    """
    queues = set(queues)
    training = TRAINING_QUEUE in queues
    limit = settings.CELERY_TRAINING_TIME_LIMIT_S if training else evaluation_stuck_after_s()
    explicit = settings.CELERY_BROKER_VISIBILITY_TIMEOUT_S
    if explicit:
        if explicit <= limit:
            raise ImproperlyConfigured(
                f"MYOQA_BROKER_VISIBILITY_TIMEOUT_S={explicit} must be above {limit} s (the time limit and grace of "
                f"the tasks on {', '.join(sorted(queues))}); Redis would redeliver tasks that are still running"
            )
        return explicit
    return max(limit + 60, settings.CELERY_TASK_TIME_LIMIT_S + 120, limit + limit // 10)


def broker_transport_options_for(queues: Iterable[str]) -> dict[str, Any]:
    """The broker transport options of a worker consuming ``queues`` (the publishers' too, for the default queue)."""
    if broker_url.startswith("filesystem"):
        folder = settings.CELERY_FILESYSTEM_BROKER_DIR
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
            "control_folder": str(folder / "control"),
        }
    kind = ",".join(sorted(set(queues)))
    return {
        "visibility_timeout": visibility_timeout_for(queues),
        "unacked_key": f"unacked:{kind}",
        "unacked_index_key": f"unacked_index:{kind}",
        "unacked_mutex_key": f"unacked_mutex:{kind}",
        "unacked_restore_throttle": 1,
    }


broker_url = settings.CELERY_BROKER_URL
broker_transport_options: dict[str, Any] = broker_transport_options_for([EVALUATION_QUEUE])
broker_connection_retry_on_startup = True
result_backend = None
task_ignore_result = True
task_acks_late = True
task_reject_on_worker_lost = True
task_time_limit = _time_limit
task_soft_time_limit = _time_limit - min(30, max(1, _time_limit // 5))
worker_prefetch_multiplier = 1
worker_concurrency = settings.CELERY_WORKER_CONCURRENCY
task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
task_default_queue = EVALUATION_QUEUE
task_routes = {
    "backend.cnn.train_consensus_model": {"queue": TRAINING_QUEUE},  # exact names win over globs
    "backend.cnn.*": {"queue": ML_QUEUE},
}
timezone = "UTC"
# Celery beat (``celery -A backend.config.celery_app beat``): the daily prune of the audit log (retention:
# MYOQA_AUDIT_RETENTION_DAYS); a site without beat runs ``manage.py prune_audit`` from cron instead.
beat_schedule = {
    "prune-audit-log": {
        "task": "backend.audit.prune",
        "schedule": float(settings.AUDIT_PRUNE_INTERVAL_H * 3600),
    }
}
