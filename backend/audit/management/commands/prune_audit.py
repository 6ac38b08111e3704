"""``python manage.py prune_audit [--days N]``: delete audit entries older than the retention period."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backend.audit.services import audit_prune


class Command(BaseCommand):
    help = "Delete access events and change entries older than MYOQA_AUDIT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="keep this many days (default: the setting)")

    def handle(self, *args, days: int | None = None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (keep everything) or more.")
        n_access, n_changes = audit_prune(days=days)
        kept = settings.AUDIT_RETENTION_DAYS if days is None else days
        self.stdout.write(
            f"Deleted {n_access} access events and {n_changes} change entries older than {kept} days."
            if kept
            else "Retention is 0 days: everything is kept."
        )
