"""Celery configuration and reliability policy, in one place (pattern: grand-challenge ``core/celery.py``).

Imported lazily by Celery on first use of ``app.conf`` (after Django's settings are loaded).

* ``acks_late`` + ``reject_on_worker_lost``: a task whose worker child dies is redelivered, not lost;
* the broker's ``visibility_timeout`` is above the hard time limit, so Redis does not redeliver a task that is
  still running;
* bounded retries are declared per task; tasks are idempotent (re-running a finished evaluation is a no-op);
* ``worker_prefetch_multiplier = 1``: a long task does not hold short ones hostage;
* tasks of the consensus model (``backend.cnn.*``) run on their own queue (``ml``), except training runs, which
  take hours and go to ``ml-train`` so that they never hold up a trainee's automatic consensus; training has its
  own, much longer time limit (``MYOQA_TRAINING_TIME_LIMIT_S``) and the visibility timeout is above both;
* the filesystem transport's control folder lives under ``var/`` too (kombu's default is ``./control``).

Embedded default (no ``REDIS_URL``): kombu's filesystem transport under ``var/celery-broker``, so ``make run``
needs no services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

_time_limit = settings.CELERY_TASK_TIME_LIMIT_S

broker_url = settings.CELERY_BROKER_URL
broker_transport_options: dict[str, Any] = {
    "visibility_timeout": max(_time_limit, settings.CELERY_TRAINING_TIME_LIMIT_S) * 2 + 60
}
if broker_url.startswith("filesystem"):
    _folder = settings.CELERY_FILESYSTEM_BROKER_DIR
    for _sub in ("queue", "processed", "control"):
        (_folder / _sub).mkdir(parents=True, exist_ok=True)
    broker_transport_options.update(
        {
            "data_folder_in": str(_folder / "queue"),
            "data_folder_out": str(_folder / "queue"),
            "processed_folder": str(_folder / "processed"),
            "store_processed": False,
            "control_folder": str(_folder / "control"),
        }
    )
broker_connection_retry_on_startup = True
result_backend = None
task_ignore_result = True
task_acks_late = True
task_reject_on_worker_lost = True
task_time_limit = _time_limit
task_soft_time_limit = max(_time_limit - 30, 10)
worker_prefetch_multiplier = 1
worker_concurrency = settings.CELERY_WORKER_CONCURRENCY
task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
task_default_queue = "myoqa"
task_routes = {
    "backend.cnn.train_consensus_model": {"queue": "ml-train"},  # exact names win over globs
    "backend.cnn.*": {"queue": "ml"},
}
timezone = "UTC"
