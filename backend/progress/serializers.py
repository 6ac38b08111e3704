"""Response shapes of the progress endpoints (the front-end's types are generated from them)."""

from __future__ import annotations

from rest_framework import serializers

from backend.cmr.error_classes import KINDS


class AccreditationCaseSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    case_title = serializers.CharField()
    attempts = serializers.IntegerField(help_text="evaluated attempts on the case")
    latest_result = serializers.ChoiceField(
        choices=["within", "outside"], allow_null=True, help_text="the latest attempt's stored verdict (null: none)"
    )
    qualifies = serializers.BooleanField(help_text="its last N attempts are all within every tolerance")


class DatasetAccreditationSerializer(serializers.Serializer):
    dataset_id = serializers.IntegerField()
    dataset_name = serializers.CharField()
    rule = serializers.CharField(help_text="the dataset's accreditation rule as a sentence")
    last_n = serializers.IntegerField()
    min_cases = serializers.IntegerField()
    met = serializers.BooleanField()
    cases_within = serializers.IntegerField(help_text="cases whose last N attempts are all within every tolerance")
    required = serializers.IntegerField(  # type: ignore[assignment]  # a field named like Field.required
        help_text="M, the qualifying cases the rule requires"
    )
    explanation = serializers.CharField()
    cases = AccreditationCaseSerializer(many=True)


class TraineeAccreditationSerializer(serializers.Serializer):
    trainee_id = serializers.IntegerField()
    datasets = DatasetAccreditationSerializer(many=True)


class CohortAccreditationRowSerializer(serializers.Serializer):
    trainee_id = serializers.IntegerField()
    full_name = serializers.CharField()
    username = serializers.CharField()
    datasets = DatasetAccreditationSerializer(many=True)


class CohortAccreditationSerializer(serializers.Serializer):
    cohort_id = serializers.IntegerField()
    rows = CohortAccreditationRowSerializer(many=True)


class ErrorKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS))
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


class AttemptErrorClassSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS))
    structure = serializers.CharField()
    size_mm = serializers.FloatField(allow_null=True)


class ErrorClassAttemptSerializer(serializers.Serializer):
    submission_id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    case_title = serializers.CharField()
    dataset_id = serializers.IntegerField(allow_null=True)
    attempt_index = serializers.IntegerField(help_text="1 for the first evaluated attempt on its case, 2, ...")
    created_at = serializers.DateTimeField()
    classes = AttemptErrorClassSerializer(many=True)


class TraineeErrorClassesSerializer(serializers.Serializer):
    trainee_id = serializers.IntegerField()
    kinds = ErrorKindSerializer(many=True, help_text="every error class, in the analysis core's order")
    attempts = ErrorClassAttemptSerializer(many=True)
