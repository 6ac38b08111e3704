"""The API's description of a submission and of its evaluation summary (output serializers).

The summary itself is built once by :func:`backend.cmr.summary.evaluation_summary` and stored with the evaluation;
these serializers only describe it (and give the OpenAPI schema its real shape, which the front-end's types are
generated from: ``frontend/src/lib/api-schema.d.ts``). Nothing here recomputes a value or re-decides a rule.
"""

from __future__ import annotations

from rest_framework import serializers

from backend.cases.models import FeedbackMode, ReferenceKind
from backend.cmr.error_classes import KINDS as ERROR_KINDS
from backend.cmr.summary import ToleranceQuantity, VerdictResult
from backend.core.api import IdField
from backend.core.models import JobStatus

_MAP_QUANTITIES = ["t1_ms", "t2_ms", "t2star_ms", "signal"]


def _float(**kw) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kw)


class StructureAgreementSerializer(serializers.Serializer):
    """Agreement of one structure: overlap of its region, distances between its contours (mm)."""

    dice = _float()
    jaccard = _float()
    hausdorff_mm = _float(help_text="Hausdorff distance, mm")
    hd95_mm = _float(help_text="larger of the two directed 95th percentiles, mm")
    mean_surface_distance_mm = _float(help_text="both directions pooled, mm")
    sensitivity = _float()
    specificity = _float(help_text="true negatives counted over the whole image")
    ppv = _float()
    npv = _float()


class AgreementSerializer(serializers.Serializer):
    myocardium = StructureAgreementSerializer(help_text="the ring; distances over both of its walls")
    endocardium = StructureAgreementSerializer(help_text="the cavity region and the endocardial contour")
    epicardium = StructureAgreementSerializer(help_text="the whole-LV region and the epicardial contour")


class WallThicknessSerializer(serializers.Serializer):
    mean_mm = _float()
    sectors_mm = serializers.ListField(child=_float(), help_text="six sectors, in the order of sector_names")
    sector_names = serializers.ListField(child=serializers.CharField())
    min_mm = _float()
    max_mm = _float()


class MapValuesSerializer(serializers.Serializer):
    """Statistics of the map inside the myocardium (ms; a.u. for a signal)."""

    quantity = serializers.ChoiceField(choices=_MAP_QUANTITIES)
    unit = serializers.ChoiceField(choices=["ms", "a.u."])
    mean = _float(help_text="for T2*: the fit of the myocardial mean signal")
    sd = _float()
    median = _float()
    iqr = _float()
    n_pixels = serializers.IntegerField()
    r2star_per_s = _float(help_text="R2* = 1000 / T2*, 1/s")
    iron_grade = serializers.CharField(allow_null=True)
    fit_model = serializers.CharField(allow_null=True)
    n_echoes_used = serializers.IntegerField(allow_null=True)


class RaterValuesSerializer(serializers.Serializer):
    myocardium_area_mm2 = _float()
    wall_thickness = WallThicknessSerializer()
    map = MapValuesSerializer(allow_null=True)


class DeltaSerializer(serializers.Serializer):
    """Trainee minus consensus."""

    map = _float(help_text="ms (a.u. for a signal)")
    map_percent = _float(help_text="% of the consensus value")
    wall_thickness_mm = _float()
    wall_thickness_sectors_mm = serializers.ListField(child=_float())
    myocardium_area_mm2 = _float()


class TolerancesSerializer(serializers.Serializer):
    dice = serializers.FloatField()
    t1_ms = serializers.FloatField()
    t2_ms = serializers.FloatField()
    t2star_percent = _float()
    t2star_ms = _float()
    wall_thickness_mm = serializers.FloatField()
    hd95_mm = _float()


class ToleranceCheckSerializer(serializers.Serializer):
    """One tolerance of the verdict: what was measured, the limit, pass / fail and by how much."""

    quantity = serializers.ChoiceField(choices=[q.value for q in ToleranceQuantity])
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    measured = _float(help_text="the value judged: Dice, or a signed trainee-minus-consensus delta, or HD95")
    limit = serializers.FloatField()
    unit = serializers.CharField(allow_blank=True)
    comparison = serializers.ChoiceField(choices=["at_least", "within", "at_most"])
    passed = serializers.BooleanField(allow_null=True, help_text="null: could not be measured")
    margin = _float(help_text="how far inside the limit (negative: how far over it)")
    message = serializers.CharField()


class VerdictSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[r.value for r in VerdictResult])
    message = serializers.CharField()
    failed = serializers.ListField(child=serializers.ChoiceField(choices=[q.value for q in ToleranceQuantity]))
    checks = ToleranceCheckSerializer(many=True)


class SummaryWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorClassSerializer(serializers.Serializer):
    """One kind of error the trainee made (``backend.cmr.error_classes``)."""

    structure = serializers.ChoiceField(choices=["endocardium", "epicardium", "both"])
    kind = serializers.ChoiceField(choices=list(ERROR_KINDS))
    size_mm = serializers.FloatField()
    sectors = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField()
    map_effect = _float(help_text="the change of the trainee's myocardial mean this error causes, ms")


class SegmentDiscrepancySerializer(serializers.Serializer):
    """One of the six mid-ventricular segments of the bullseye (``backend.cmr.error_classes``)."""

    name = serializers.CharField()
    signed_distance_mm = _float(help_text="mean signed distance of both walls to the consensus; + outside, mm")
    endocardium_mm = _float()
    epicardium_mm = _float()
    myocardium_excess_mm = _float(
        help_text="epicardium minus endocardium: + the trainee's myocardium extends further (extra tissue), mm"
    )
    delta_map = _float(help_text="trainee minus consensus myocardial mean in the segment, ms")


class EvaluationSummarySerializer(serializers.Serializer):
    """The stored evaluation summary (``backend.cmr.summary``)."""

    version = serializers.IntegerField()
    map_quantity = serializers.ChoiceField(choices=_MAP_QUANTITIES, allow_null=True)
    map_unit = serializers.ChoiceField(choices=["ms", "a.u."], allow_null=True)
    agreement = AgreementSerializer(allow_null=True)
    trainee = RaterValuesSerializer()
    consensus = RaterValuesSerializer(allow_null=True)
    delta = DeltaSerializer(allow_null=True)
    tolerances = TolerancesSerializer()
    verdict = VerdictSerializer()
    warnings = SummaryWarningSerializer(many=True)
    error_classes = ErrorClassSerializer(many=True)
    segments = SegmentDiscrepancySerializer(many=True, help_text="the bullseye: six segments, or none")


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()


class ConsensusUsedSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=ReferenceKind.choices)  # type: ignore[assignment]  # like Field.source
    label = serializers.CharField(help_text="the source in words, e.g. 'Gold standard'")  # type: ignore[assignment]
    version = serializers.IntegerField(allow_null=True)
    contributors = serializers.IntegerField(help_text="how many contours it was built from")
    model_version = serializers.CharField(allow_null=True, help_text="the CNN version of an automatic consensus")


class ContoursSerializer(serializers.Serializer):
    endocardium = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()), allow_null=True)
    epicardium = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()), allow_null=True)


class PastEvaluationSerializer(serializers.Serializer):
    """An earlier evaluation of the attempt, superseded when its case's consensus was replaced."""

    consensus_source = serializers.CharField(allow_blank=True)
    consensus_version = serializers.IntegerField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    superseded_at = serializers.DateTimeField()
    dice = _float(help_text="myocardial Dice of that evaluation")
    hd95_mm = _float()
    verdict = serializers.ChoiceField(choices=[r.value for r in VerdictResult], allow_null=True)


class SubmissionSerializer(serializers.Serializer):
    """One attempt with its evaluation (``GET /api/submissions/{id}``)."""

    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    case_title = serializers.CharField()
    trainee = UserSerializer()
    created_at = serializers.DateTimeField()
    attempt = serializers.IntegerField()
    practice = serializers.BooleanField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    error = serializers.CharField(allow_null=True)
    feedback_mode = serializers.ChoiceField(choices=FeedbackMode.choices)
    consensus = ConsensusUsedSerializer(allow_null=True)
    consensus_note = serializers.CharField(allow_null=True)
    contours = ContoursSerializer()
    consensus_contours = ContoursSerializer(allow_null=True, help_text="shown in reveal mode only")
    summary = EvaluationSummarySerializer(allow_null=True)
    overlay_url = serializers.CharField(allow_null=True)
    analysis_seconds = _float()
    history = PastEvaluationSerializer(many=True, help_text="earlier evaluations against older consensus versions")


class SubmissionStatusSerializer(serializers.Serializer):
    """Where an evaluation stands (``GET /api/submissions/{id}/status``: what the feedback page polls)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    error = serializers.CharField(allow_null=True)


class AttemptSerializer(serializers.Serializer):
    """One attempt in a list (a case's attempts, a trainee's history, an overview cell): the headline numbers and
    the stored verdict."""

    id = serializers.IntegerField(help_text="the submission id (its feedback page is /submissions/{id})")
    case_id = serializers.IntegerField()
    case_title = serializers.CharField()
    trainee_id = serializers.IntegerField()
    attempt = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    dice = _float(help_text="myocardial Dice")
    hausdorff_mm = _float(help_text="myocardial Hausdorff distance, mm")
    hd95_mm = _float(help_text="myocardial HD95, mm")
    map_quantity = serializers.ChoiceField(choices=_MAP_QUANTITIES, allow_null=True)
    delta_map = _float(help_text="trainee minus consensus, ms")
    delta_wall_thickness_mm = _float()
    verdict = VerdictSerializer(allow_null=True)


class OverviewCellSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    attempts = serializers.IntegerField()
    latest = AttemptSerializer(allow_null=True)
    best = AttemptSerializer(allow_null=True, help_text="highest myocardial Dice")


class OverviewRowSerializer(serializers.Serializer):
    trainee = UserSerializer()
    cells = OverviewCellSerializer(many=True)


class OverviewCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    dataset_id = serializers.IntegerField()
    dataset_name = serializers.CharField()


class CohortOverviewSerializer(serializers.Serializer):
    cohort = serializers.DictField(help_text="the cohort (as GET /api/cohorts/)")
    cases = OverviewCaseSerializer(many=True)
    rows = OverviewRowSerializer(many=True)


class TraineeHistorySerializer(serializers.Serializer):
    trainee = UserSerializer()
    submissions = AttemptSerializer(many=True)


class RepeatabilitySerializer(serializers.Serializer):
    """One pair of a trainee's contours of the same image (a case and its hidden repeat), compared."""

    case_id = serializers.IntegerField()
    case_title = serializers.CharField()
    repeat_case_id = serializers.IntegerField()
    repeat_title = serializers.CharField()
    transform = serializers.CharField()
    dataset_id = serializers.IntegerField()
    submission_ids = serializers.ListField(child=serializers.IntegerField())
    dice = serializers.FloatField(allow_null=True)
    hd95_mm = serializers.FloatField(allow_null=True)
    map_quantity = serializers.CharField(allow_null=True)
    abs_delta_map = serializers.FloatField(allow_null=True)
    abs_delta_wall_thickness_mm = serializers.FloatField(allow_null=True)


class TraineeRepeatabilitySerializer(serializers.Serializer):
    trainee = UserSerializer()
    repeats = RepeatabilitySerializer(many=True)


# ------------------------------------------------------------------------------------------------------------------
# Requests (parsed at the edge: a malformed value is a 400 naming its field)
# ------------------------------------------------------------------------------------------------------------------


_POLYGON_HELP = (
    "list of [x, y] points in image pixel coordinates (x = column, y = row, pixel centres at integers), implicitly "
    "closed"
)


class SubmissionListQuery(serializers.Serializer):
    """The filters of ``GET /api/submissions/``."""

    case = IdField(what="case", example="?case=3", required=False, help_text="only attempts on this case")
    trainee = IdField(
        what="trainee", example="?trainee=3", required=False, help_text="supervisors: only this trainee's attempts"
    )


class SubmissionIn(serializers.Serializer):
    """The fields of an upload besides its files (``contours``, optional ``image``; multipart), or a JSON body with
    ``case`` and the polygons ``endocardium`` and ``epicardium`` (lists of ``[x, y]`` in image pixel coordinates)."""

    case = IdField(
        what="case",
        error_messages={
            "required": "Say which case these contours are for (the case's number).",
            "null": "Say which case these contours are for (the case's number).",
            "invalid": "Say which case these contours are for (the case's number).",
        },
    )
    endocardium = serializers.JSONField(
        required=False, help_text="instead of a contours file: the endocardium, a list of [x, y] (image pixels)"
    )
    epicardium = serializers.JSONField(
        required=False, help_text="instead of a contours file: the epicardium, a list of [x, y] (image pixels)"
    )


class ContourDraftIn(serializers.Serializer):
    """A draft's body: either wall may be null (not drawn yet); points are checked by the service."""

    endocardium = serializers.JSONField(required=False, allow_null=True, help_text=_POLYGON_HELP)
    epicardium = serializers.JSONField(required=False, allow_null=True, help_text=_POLYGON_HELP)


class ContourDraftSerializer(serializers.Serializer):
    """A trainee's draft contours on a case (``GET/PUT /api/cases/{id}/draft``); nulls when nothing is saved."""

    case_id = serializers.IntegerField()
    endocardium = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        allow_null=True,
        help_text=_POLYGON_HELP,
    )
    epicardium = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        allow_null=True,
        help_text=_POLYGON_HELP,
    )
    updated_at = serializers.DateTimeField(allow_null=True)
