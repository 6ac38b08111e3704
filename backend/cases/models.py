"""Datasets of training cases, their images and their reference (consensus) contours."""

from __future__ import annotations

from django.db import models

from backend.accounts.models import Cohort, User
from backend.cmr.summary import DEFAULT_TOLERANCES, Tolerances
from backend.core.models import StoredFile

from .repeat import RepeatTransform


class ConsensusSource(models.TextChoices):
    """Where a dataset's reference contours come from (eriksen requirement 3)."""

    GOLD_STANDARD = "gold_standard", "Gold-standard expert consensus"
    EXPERT_CONSENSUS = "expert_consensus", "Expert consensus (STAPLE of the experts' contours)"
    TEAM_AVERAGE = "team_average", "Team average (majority vote of the trainees' contours)"
    AUTOMATIC = "automatic", "Automatic consensus (CNN)"


class FeedbackMode(models.TextChoices):
    """What a trainee sees after submitting: the consensus overlay ("reveal") or only the numbers."""

    REVEAL = "reveal", "Reveal the consensus"
    SCORE_ONLY = "score_only", "Score only (assessment)"


class ReferenceKind(models.TextChoices):
    """The kind of a reference contour set."""

    GOLD_STANDARD = "gold_standard", "Gold standard"
    EXPERT = "expert", "Individual expert"
    TEAM = "team", "Team average (majority vote)"
    AUTOMATIC = "automatic", "Automatic (CNN)"
    EXPERT_CONSENSUS = "expert_consensus", "Expert consensus (STAPLE)"


class Dataset(models.Model):
    """A set of cases given to one or more cohorts, with its consensus source, feedback mode and tolerances.

    The tolerances default to :data:`backend.cmr.summary.DEFAULT_TOLERANCES` (the one place they are written, with
    their sources); :meth:`tolerances` gives them to the evaluation, which stores the verdict with them.
    """

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    cohorts = models.ManyToManyField(Cohort, related_name="datasets", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="datasets")
    consensus_source = models.CharField(
        max_length=20, choices=ConsensusSource.choices, default=ConsensusSource.GOLD_STANDARD
    )
    feedback_mode = models.CharField(max_length=20, choices=FeedbackMode.choices, default=FeedbackMode.REVEAL)
    tolerance_dice = models.FloatField(default=DEFAULT_TOLERANCES.dice, help_text="minimum myocardial Dice")
    tolerance_t1_ms = models.FloatField(default=DEFAULT_TOLERANCES.t1_ms, help_text="largest |dT1|, ms")
    tolerance_t2_ms = models.FloatField(default=DEFAULT_TOLERANCES.t2_ms, help_text="largest |dT2|, ms")
    tolerance_t2star_percent = models.FloatField(
        null=True, blank=True, default=DEFAULT_TOLERANCES.t2star_percent, help_text="largest |dT2*|, % of consensus"
    )
    tolerance_t2star_ms = models.FloatField(
        null=True, blank=True, default=DEFAULT_TOLERANCES.t2star_ms, help_text="largest |dT2*|, ms (instead of %)"
    )
    tolerance_wall_thickness_mm = models.FloatField(
        default=DEFAULT_TOLERANCES.wall_thickness_mm, help_text="largest |d mean wall thickness|, mm"
    )
    tolerance_hd95_mm = models.FloatField(
        null=True, blank=True, default=DEFAULT_TOLERANCES.hd95_mm, help_text="largest HD95 of either wall, mm"
    )
    # Accreditation: the last N submissions within all tolerances on at least M distinct cases.
    accreditation_last_n = models.PositiveIntegerField(default=3)
    accreditation_min_cases = models.PositiveIntegerField(default=3)
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="archived: hidden from trainees, kept in reports and exports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def tolerances(self) -> Tolerances:
        """The dataset's limits of expert agreement (raises ``ValueError`` for an invalid combination)."""
        return Tolerances(
            dice=self.tolerance_dice,
            t1_ms=self.tolerance_t1_ms,
            t2_ms=self.tolerance_t2_ms,
            t2star_percent=self.tolerance_t2star_percent,
            t2star_ms=self.tolerance_t2star_ms,
            wall_thickness_mm=self.tolerance_wall_thickness_mm,
            hd95_mm=self.tolerance_hd95_mm,
        )


class Case(models.Model):
    """One image to contour. A practice case has no dataset and belongs to the trainee who uploaded it."""

    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.CASCADE, related_name="cases")
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="practice_cases")
    title = models.CharField(max_length=200)
    image_kind = models.CharField(max_length=20)
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    pixel_spacing_dy_mm = models.FloatField()
    pixel_spacing_dx_mm = models.FloatField()
    echo_times_ms = models.JSONField(null=True, blank=True)
    field_strength_t = models.FloatField(null=True, blank=True)
    units = models.CharField(max_length=10)
    pixel_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the float64 pixel array, to recognise the image"
    )
    patient_pseudonym = models.CharField(
        max_length=64, blank=True, help_text="de-identified Patient ID: keeps a patient's images in one fold"
    )
    dicom_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    image_file = models.ForeignKey(
        StoredFile, on_delete=models.PROTECT, related_name="+", help_text="the parsed image (npz), read by evaluations"
    )
    # The anterior right-ventricular insertion point (AHA anchor of the six mid-ventricular segments), pixel
    # coordinates x = column, y = row; set by a supervisor, or estimated from the image and confirmed by one.
    rv_insertion_x = models.FloatField(null=True, blank=True)
    rv_insertion_y = models.FloatField(null=True, blank=True)
    rv_insertion_confirmed = models.BooleanField(
        default=False, help_text="a supervisor set or confirmed the RV insertion point (not only estimated)"
    )
    # A hidden repeat (intra-observer variability): the same pixels as ``repeat_of`` under another name and new
    # UIDs, turned by ``repeat_transform``; shown to a trainee from ``repeat_available_at`` and/or once they have
    # submitted to the original and then to ``repeat_after_cases`` other cases. Never in a trainee's response.
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="repeats", help_text="the original"
    )
    repeat_transform = models.CharField(max_length=20, choices=RepeatTransform.choices, blank=True)
    repeat_available_at = models.DateTimeField(null=True, blank=True)
    repeat_after_cases = models.PositiveIntegerField(null=True, blank=True)
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="archived: hidden from trainees, kept in reports and exports"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset_id", "id"]

    def __str__(self) -> str:
        return self.title


class ReferenceContour(models.Model):
    """A reference contour set of a case: gold standard, one expert's, a team consensus or an automatic one.

    ``version`` counts the team (or automatic, or expert) consensus recomputations of a case; ``contributors`` lists
    the submission ids a team consensus was voted from (the expert reference ids for an expert consensus), so old
    evaluations stay reproducible; ``reliability`` holds an expert consensus's fusion method and per-expert
    sensitivity and specificity.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="references")
    kind = models.CharField(max_length=20, choices=ReferenceKind.choices)
    rater = models.CharField(max_length=120, blank=True)
    version = models.PositiveIntegerField(default=1)
    contributors = models.JSONField(default=list, blank=True)
    reliability = models.JSONField(
        default=dict,
        blank=True,
        help_text="expert consensus: the fusion method and each expert's sensitivity and specificity (STAPLE)",
    )
    source_file = models.ForeignKey(StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contours_file = models.ForeignKey(
        StoredFile, on_delete=models.PROTECT, related_name="+", help_text="the parsed contour set (npz)"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case_id", "kind", "-version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "version"],
                condition=models.Q(kind__in=["gold_standard", "team", "automatic", "expert_consensus"]),
                name="one_consensus_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} of case {self.case_id}"
