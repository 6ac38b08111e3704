"""Celery task of the audit log: prune entries older than the retention period (scheduled daily by beat)."""

from __future__ import annotations

from celery import shared_task

from .services import audit_prune


@shared_task(name="backend.audit.prune")
def prune_audit_log() -> list[int]:
    """Delete access events and change entries older than ``settings.AUDIT_RETENTION_DAYS``; returns the counts."""
    return list(audit_prune())
