"""Access events: who viewed or downloaded which image, contour, report or result, and when.

Changes to content (who changed what) are django-auditlog's ``LogEntry`` rows (:mod:`backend.audit.registry`);
views and downloads are recorded here by :class:`backend.audit.middleware.AccessLogMiddleware`. Both are pruned
after ``settings.AUDIT_RETENTION_DAYS`` (:func:`backend.audit.services.audit_prune`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessKind(models.TextChoices):
    """What was viewed or downloaded."""

    IMAGE = "image", "Image"
    CONTOUR = "contour", "Reference contour"
    RESULT = "result", "Result"
    OVERLAY = "overlay", "Overlay"
    REPORT = "report", "Report"
    EXPORT = "export", "Results export"
    AUDIT = "audit", "Audit log"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"


class AccessEvent(models.Model):
    """One successful read of protected content.

    ``owner`` is the supervisor whose content it is (the dataset's, the cohort's, the report's requester); who may
    read the event (that supervisor, and the actor). ``subject`` is the trainee whose work it shows, if any: their
    events go when their account is deleted.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(max_length=150)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=AccessKind.choices)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["owner", "at"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.action} {self.kind} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"
