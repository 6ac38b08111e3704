"""The Celery application (``celery -A backend.config worker``); its policy is in :mod:`backend.config.celery_policy`.

Two per-worker pieces of that policy live here because they need the worker: the broker options chosen from the
queues the worker consumes (``celeryd_init``), and the sweep of stuck evaluations on the worker's own timer.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")

log = logging.getLogger(__name__)

app = Celery("myoqa")
app.config_from_object("backend.config.celery_policy")
app.autodiscover_tasks(["backend.submissions", "backend.progress", "backend.cnn", "backend.audit"])


def worker_queues(option: Any) -> list[str]:
    """The queue names of a worker's ``-Q`` option (a list, a comma-separated text, or None: the default queue)."""
    from . import celery_policy

    if not option:
        return [celery_policy.task_default_queue]
    names = option.split(",") if isinstance(option, str) else list(option)
    return [n.strip() for n in names if n.strip()]


@celeryd_init.connect
def broker_options_for_this_worker(conf, options: dict, **_kwargs) -> None:
    """Give this worker the broker options of the queues it consumes, before it connects (its own visibility
    timeout and unacked keys: see :mod:`backend.config.celery_policy`)."""
    from . import celery_policy

    queues = worker_queues(options.get("queues"))
    conf.broker_transport_options = celery_policy.broker_transport_options_for(queues)
    log.info(
        "worker for queues %s: broker visibility timeout %s s",
        ",".join(queues),
        conf.broker_transport_options.get("visibility_timeout", "n/a"),
    )


class StuckEvaluationSweep(bootsteps.StartStopStep):
    """On workers that consume the evaluation queue: re-queue evaluations stuck in "running" shortly after the
    worker starts and then every ``MYOQA_STUCK_SWEEP_INTERVAL_S`` (on the worker's own timer, in its main
    process; several workers may sweep at once, each evaluation is reset by one of them only)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.trefs: list[Any] = []

    def start(self, parent) -> None:
        from django.conf import settings

        from . import celery_policy

        if celery_policy.EVALUATION_QUEUE not in parent.app.amqp.queues.consume_from:
            return
        interval = settings.CELERY_STUCK_SWEEP_INTERVAL_S
        self.trefs = [parent.timer.call_after(1.0, self.sweep)]
        if interval > 0:
            self.trefs.append(parent.timer.call_repeatedly(interval, self.sweep))

    def stop(self, parent) -> None:
        for t in self.trefs:
            t.cancel()
        self.trefs = []

    @staticmethod
    def sweep() -> None:
        from django.db import connections

        from backend.submissions.services import evaluations_requeue_stuck

        try:
            evaluations_requeue_stuck()
        except Exception:  # a sweep that fails (database away) is retried on the next tick
            log.exception("the sweep of stuck evaluations failed")
        finally:
            connections.close_all()  # the main process forks new pool children: leave no connection open


app.steps["worker"].add(StuckEvaluationSweep)
