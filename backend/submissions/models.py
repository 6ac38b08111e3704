"""Trainee submissions (their contours on a case) and the evaluation of each."""

from __future__ import annotations

from django.db import models

from backend.accounts.models import User
from backend.cases.models import Case, ReferenceContour
from backend.cnn.models import ConsensusModel
from backend.core.models import JobStatus, StoredFile

EvaluationStatus = JobStatus
"""Where an evaluation stands (queued, running, done, failed)."""


class OverlayMode(models.TextChoices):
    """What a stored overlay shows: the consensus and the discrepancy (``reveal``), or the trainee's contours only."""

    REVEAL = "reveal", "Consensus and discrepancy"
    OWN_CONTOURS = "own_contours", "The trainee's contours only"


class Submission(models.Model):
    """One attempt of a trainee on a case, with its evaluation (status, result payload, overlay, consensus used).

    The consensus used is recorded (source, version, contributors, the reference row), so an old result stays
    reproducible when the team consensus moves on.
    """

    trainee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="submissions")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="submissions")
    attempt = models.PositiveIntegerField()
    source_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    contours_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    status = models.CharField(max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.QUEUED)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True, help_text="the analysis payload of backend.cmr.assessment")
    summary = models.JSONField(
        null=True, blank=True, help_text="the evaluation summary and verdict (backend.cmr.summary), read by every page"
    )
    overlay_file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    overlay_mode = models.CharField(
        max_length=20,
        blank=True,
        help_text="the audience the stored overlay was drawn for (OverlayMode); blank: none stored or unknown",
    )
    reference = models.ForeignKey(
        ReferenceContour, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    consensus_source = models.CharField(max_length=20, blank=True)
    consensus_version = models.PositiveIntegerField(null=True, blank=True)
    consensus_contributors = models.JSONField(default=list, blank=True)
    consensus_note = models.CharField(max_length=600, blank=True)
    consensus_model = models.ForeignKey(
        ConsensusModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        help_text="the CNN version of an automatic consensus",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveSmallIntegerField(
        default=0, help_text="how many times a worker started this evaluation (a stuck one is re-queued a few times)"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    analysis_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["trainee", "case", "attempt"], name="one_attempt_number")]
        indexes = [models.Index(fields=["case", "trainee", "created_at"])]

    def __str__(self) -> str:
        return f"attempt {self.attempt} of {self.trainee_id} on case {self.case_id}"


class PastEvaluation(models.Model):
    """An evaluation of a submission superseded by a re-evaluation against a newer consensus version.

    When a supervisor replaces a case's gold standard, each evaluated submission is evaluated again; its earlier
    result is kept here with the consensus (source, version, the reference row) it used, so history stays visible.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="past_evaluations")
    status = models.CharField(max_length=10, choices=EvaluationStatus.choices)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    summary = models.JSONField(null=True, blank=True)
    reference = models.ForeignKey(ReferenceContour, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    consensus_source = models.CharField(max_length=20, blank=True)
    consensus_version = models.PositiveIntegerField(null=True, blank=True)
    consensus_contributors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission_id", "superseded_at", "id"]

    def __str__(self) -> str:
        return f"past evaluation of submission {self.submission_id} (consensus v{self.consensus_version})"


class ContourDraft(models.Model):
    """A trainee's unsubmitted contours on a case (the viewer's "save draft"): never evaluated, one per trainee and case.

    Each wall is a JSON list of ``[x, y]`` points in image pixel coordinates (x = column, y = row), or null while
    it is not drawn yet.
    """

    trainee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contour_drafts")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contour_drafts")
    endocardium = models.JSONField(null=True, blank=True)
    epicardium = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trainee", "case"], name="one_draft_per_trainee_and_case")]

    def __str__(self) -> str:
        return f"draft of {self.trainee_id} on case {self.case_id}"
