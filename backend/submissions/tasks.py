"""Celery tasks of submissions: take ids, fetch, call a service (architecture convention 4)."""

from __future__ import annotations

from celery import shared_task

from .services import automatic_consensus_attach, evaluation_run, submission_reevaluate


@shared_task(
    name="backend.submissions.evaluate_submission",
    bind=True,
    max_retries=2,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
)
def evaluate_submission(self, submission_id: int) -> str:
    """Evaluate one submission (idempotent: a finished evaluation is a no-op). Returns the final status."""
    return evaluation_run(submission_id=submission_id).status


@shared_task(
    name="backend.submissions.evaluate_with_automatic_consensus",
    max_retries=2,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
)
def evaluate_with_automatic_consensus(consensus: dict, submission_id: int) -> str:
    """The second link of the automatic-consensus chain: attach the CNN's consensus (the first link's return value,
    ``{"reference_id", "model_id", "note"}``) to the submission, then evaluate it. Returns the final status."""
    automatic_consensus_attach(submission_id=submission_id, consensus=consensus)
    return evaluation_run(submission_id=submission_id).status


@shared_task(
    name="backend.submissions.reevaluate_submission",
    max_retries=2,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
)
def reevaluate_submission(submission_id: int) -> str:
    """Re-evaluate one submission against its case's current consensus, keeping the old result (idempotent)."""
    return submission_reevaluate(submission_id=submission_id).status
