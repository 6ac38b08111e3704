"""Response shapes of the case and dataset endpoints that have one (the front-end's types are generated from them)."""

from __future__ import annotations

from rest_framework import serializers


class ExpertPairSerializer(serializers.Serializer):
    experts = serializers.ListField(child=serializers.IntegerField(), help_text="indices of the two experts (from 0)")
    dice = serializers.FloatField(allow_null=True, help_text="myocardial Dice")
    hd95_mm = serializers.FloatField(allow_null=True, help_text="HD95 of the worse wall, mm")
    abs_delta_map = serializers.FloatField(
        allow_null=True, help_text="|d map mean|: ms for T1/T2, % of the first expert's T2* for T2*; null for magnitude"
    )
    abs_delta_wall_thickness_mm = serializers.FloatField(allow_null=True, help_text="|d mean wall thickness|, mm")
    map_quantity = serializers.CharField(allow_null=True)


class ExpertPairMeanSerializer(serializers.Serializer):
    dice = serializers.FloatField(allow_null=True)
    hd95_mm = serializers.FloatField(allow_null=True)
    abs_delta_map = serializers.FloatField(allow_null=True)
    abs_delta_wall_thickness_mm = serializers.FloatField(allow_null=True)


class ExpertAgreementCaseSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    title = serializers.CharField()
    raters = serializers.ListField(child=serializers.CharField())
    n_experts = serializers.IntegerField()
    map_quantity = serializers.CharField(allow_null=True)
    pairs = ExpertPairSerializer(many=True)
    mean = ExpertPairMeanSerializer(help_text="the case's value: the mean over its pairs")


class ProposedTolerancesSerializer(serializers.Serializer):
    """Dataset fields the experts' agreement proposes; only those some case defines are present."""

    tolerance_dice = serializers.FloatField(required=False)
    tolerance_hd95_mm = serializers.FloatField(required=False)
    tolerance_wall_thickness_mm = serializers.FloatField(required=False)
    tolerance_t1_ms = serializers.FloatField(required=False)
    tolerance_t2_ms = serializers.FloatField(required=False)
    tolerance_t2star_percent = serializers.FloatField(required=False)


class ToleranceBasisSerializer(serializers.Serializer):
    field = serializers.CharField()
    metric = serializers.CharField()
    map_quantity = serializers.CharField(allow_null=True)
    n_cases = serializers.IntegerField()
    median = serializers.FloatField()
    p90 = serializers.FloatField(help_text="the loose end: 90th percentile (10th for Dice)")
    min = serializers.FloatField()
    max = serializers.FloatField()


class ExpertAgreementProposalSerializer(serializers.Serializer):
    n_cases = serializers.IntegerField()
    n_pairs = serializers.IntegerField()
    max_experts = serializers.IntegerField()
    statistic = serializers.CharField(help_text='"median over cases"')
    tolerances = ProposedTolerancesSerializer()
    basis = ToleranceBasisSerializer(many=True)


class ExpertAgreementSerializer(serializers.Serializer):
    """GET /api/datasets/{id}/expert-agreement (backend/cmr/agreement_bands.py)."""

    dataset_id = serializers.IntegerField()
    cases = ExpertAgreementCaseSerializer(many=True)
    proposal = ExpertAgreementProposalSerializer()
