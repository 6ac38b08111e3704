"""Celery tasks of the automatic consensus, on the ``ml`` queue (``backend.cnn.*``, see celery_policy).

The active model is loaded once per worker child, after the fork (``worker_process_init``, architecture convention
5), when ``MYOQA_ML_PRELOAD`` is set (the ``ml-worker`` service); otherwise on the child's first task. Each child
keeps it (:func:`ml.infer.get_predictor`); a newly activated model is loaded on its first use.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from .services import automatic_consensus_run, training_run_execute

log = logging.getLogger(__name__)


@worker_process_init.connect
def preload_active_model(**_kwargs) -> None:
    """Load the active consensus model in this worker child (only on workers with ``MYOQA_ML_PRELOAD``)."""
    if not settings.ML_PRELOAD:
        return
    from django.db import connections

    from ml.infer import ModelNotUsable, get_predictor

    from .selectors import active_model, model_folder

    connections.close_all()  # never share the parent's database connection
    try:
        m = active_model()
        if m is not None:
            get_predictor(model_folder(m))
            log.info("consensus model %s loaded", m.version)
    except ModelNotUsable as exc:
        log.error("could not preload the consensus model: %s", exc)
    finally:
        connections.close_all()


@shared_task(
    name="backend.cnn.automatic_consensus", max_retries=2, autoretry_for=(ConnectionError,), retry_backoff=True
)
def automatic_consensus(case_id: int, contours_file_id: str, contributors: list[int]) -> dict:
    """The active model's consensus for one stored trainee contour set on a case.

    Returns ``AutomaticConsensus.as_message()`` (``{"reference_id", "model_id", "note"}``), which the next task of
    the caller's chain receives (the submissions app chains the evaluation after it).
    """
    return automatic_consensus_run(
        case_id=case_id, contours_file_id=contours_file_id, contributors=contributors
    ).as_message()


@shared_task(
    name="backend.cnn.train_consensus_model",
    max_retries=0,
    time_limit=settings.CELERY_TRAINING_TIME_LIMIT_S,
    soft_time_limit=max(settings.CELERY_TRAINING_TIME_LIMIT_S - 60, 60),
)
def train_consensus_model(run_id: int) -> str:
    """Train a consensus model for a training run (idempotent). Returns the final status."""
    return training_run_execute(run_id=run_id).status
