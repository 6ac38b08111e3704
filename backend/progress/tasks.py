"""Celery task of reports: takes an id, calls the service."""

from __future__ import annotations

from celery import shared_task

from .services import report_generate


@shared_task(name="backend.progress.generate_report", max_retries=1)
def generate_report(job_id: int) -> str:
    """Render one report job's PDF (idempotent). Returns the final status."""
    return report_generate(job_id=job_id).status
