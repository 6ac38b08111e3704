"""Stored files: uploads and derived artefacts, kept outside any web root under generated names."""

from __future__ import annotations

import uuid

from django.db import models


class JobStatus(models.TextChoices):
    """Where a background job (an evaluation, a report) stands; the UI shows it and updates by itself."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class StoredFile(models.Model):
    """One file in the media store. ``path`` is generated (never the uploader's name) and relative to MEDIA_ROOT."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    path = models.CharField(max_length=200, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100)
    download_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.download_name or self.path} ({self.size} B)"
