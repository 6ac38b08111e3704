"""Consensus CNN models (one folder each under ``MODEL_ROOT``, one active for the site) and training runs."""

from __future__ import annotations

from django.db import models

from backend.accounts.models import User
from backend.cases.models import Dataset
from backend.core.models import JobStatus


class Head(models.TextChoices):
    """The network's head on the VGG-16 four-channel encoder (see :mod:`ml.model`)."""

    DENSE = "dense", "Dense (the paper's: pooling + 50,176 units)"
    UNET = "unet", "U-Net decoder"


class ConsensusModel(models.Model):
    """One trained consensus model: its files, its model card, and whether evaluations use it.

    ``folder`` is relative to ``settings.MODEL_ROOT`` and holds ``model.keras`` and ``model_card.json``. At most one
    model is active; it becomes active only when a supervisor activates it after seeing its card.
    """

    version = models.CharField(max_length=80, unique=True)
    head = models.CharField(max_length=10, choices=Head.choices)
    folder = models.CharField(max_length=200)
    card = models.JSONField()
    is_active = models.BooleanField(default=False)
    activated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_consensus_model"
            )
        ]

    def __str__(self) -> str:
        return self.version


class TrainingRun(models.Model):
    """A supervisor's request to train a consensus model on datasets with expert contours, and its progress."""

    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="training_runs")
    datasets = models.ManyToManyField(Dataset, related_name="training_runs")
    head = models.CharField(max_length=10, choices=Head.choices, default=Head.UNET)
    width = models.FloatField(default=0.25)
    epochs = models.PositiveIntegerField(default=6)
    folds = models.PositiveIntegerField(default=3)
    phantoms = models.PositiveIntegerField(default=24)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    model = models.ForeignKey(
        ConsensusModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.status})"
