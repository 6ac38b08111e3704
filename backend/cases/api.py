"""Dataset and case endpoints (thin: parse, authorise, call one service/selector)."""

from __future__ import annotations

import numpy as np
from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Cohort
from backend.cmr.contours import contour_set_from_bytes, contour_set_polygons
from backend.cmr.dicom import image_from_bytes
from backend.cmr.summary import DEFAULT_TOLERANCES
from backend.core.api import FILE_RENDERERS
from backend.core.storage import file_path, file_read

from . import selectors, services
from .models import ConsensusSource, Dataset, FeedbackMode, ReferenceKind
from .services import TOLERANCE_FIELDS


def automatic_consensus_available() -> bool:
    """True when a consensus CNN model is active (a supervisor activated one after seeing its model card)."""
    from backend.cnn.selectors import active_model

    return active_model() is not None


def dataset_out(d: Dataset) -> dict:
    return {
        "id": d.pk,
        "name": d.name,
        "description": d.description,
        "cohort_ids": sorted(c.pk for c in d.cohorts.all()),
        "n_cases": d.cases.count(),
        "consensus_source": d.consensus_source,
        "automatic_consensus_available": automatic_consensus_available(),
        "feedback_mode": d.feedback_mode,
        **{f: getattr(d, f) for f in TOLERANCE_FIELDS},
        "accreditation_last_n": d.accreditation_last_n,
        "accreditation_min_cases": d.accreditation_min_cases,
    }


def case_out(c, user) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "dataset_id": c.dataset_id,
        "dataset_name": c.dataset.name if c.dataset else None,
        "created_at": c.created_at,
        "practice": c.dataset_id is None,
        "image": {
            "kind": c.image_kind,
            "rows": c.rows,
            "columns": c.columns,
            "pixel_spacing_mm": [c.pixel_spacing_dy_mm, c.pixel_spacing_dx_mm],
            "echo_times_ms": c.echo_times_ms,
            "field_strength_t": c.field_strength_t,
            "units": c.units,
        },
        "n_expert_contours": c.references.filter(kind=ReferenceKind.EXPERT).count(),
        "my_attempts": c.submissions.filter(trainee=user).count() if user.is_trainee else c.submissions.count(),
        "reference_available": selectors.reference_visible(user=user, case=c)
        and selectors.current_reference(case=c, user=user) is not None,
    }


class DatasetIn(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    cohort_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    consensus_source = serializers.ChoiceField(choices=ConsensusSource.choices, default=ConsensusSource.GOLD_STANDARD)
    feedback_mode = serializers.ChoiceField(choices=FeedbackMode.choices, default=FeedbackMode.REVEAL)
    tolerance_dice = serializers.FloatField(default=DEFAULT_TOLERANCES.dice, min_value=0.0, max_value=1.0)
    tolerance_t1_ms = serializers.FloatField(default=DEFAULT_TOLERANCES.t1_ms, min_value=0.0)
    tolerance_t2_ms = serializers.FloatField(default=DEFAULT_TOLERANCES.t2_ms, min_value=0.0)
    tolerance_t2star_percent = serializers.FloatField(
        default=DEFAULT_TOLERANCES.t2star_percent, allow_null=True, min_value=0.0
    )
    tolerance_t2star_ms = serializers.FloatField(default=DEFAULT_TOLERANCES.t2star_ms, allow_null=True, min_value=0.0)
    tolerance_wall_thickness_mm = serializers.FloatField(default=DEFAULT_TOLERANCES.wall_thickness_mm, min_value=0.0)
    tolerance_hd95_mm = serializers.FloatField(default=DEFAULT_TOLERANCES.hd95_mm, allow_null=True, min_value=0.0)
    accreditation_last_n = serializers.IntegerField(default=3, min_value=1)
    accreditation_min_cases = serializers.IntegerField(default=3, min_value=1)


class DatasetListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response([dataset_out(d) for d in selectors.dataset_list(user=request.user)])

    @extend_schema(request=DatasetIn, responses={201: dict})
    def post(self, request):
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors create datasets."}, status=status.HTTP_403_FORBIDDEN)
        data = DatasetIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        cohorts = Cohort.objects.filter(pk__in=v.pop("cohort_ids"), supervisor=request.user)
        d = services.dataset_create(user=request.user, cohorts=list(cohorts), **v)
        return Response(dataset_out(d), status=status.HTTP_201_CREATED)


class DatasetDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, dataset_id: int):
        return Response(dataset_out(selectors.dataset_get(user=request.user, dataset_id=dataset_id)))

    @extend_schema(request=DatasetIn, responses={200: dict})
    def patch(self, request, dataset_id: int):
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id, manage=True)
        data = DatasetIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        cohorts = None
        if "cohort_ids" in v:
            cohorts = list(Cohort.objects.filter(pk__in=v.pop("cohort_ids"), supervisor=request.user))
        d = services.dataset_update(dataset=d, cohorts=cohorts, **v)
        return Response(dataset_out(d))


class DatasetCasesView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, dataset_id: int):
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id)
        return Response([case_out(c, request.user) for c in selectors.case_list(user=request.user).filter(dataset=d)])


class CaseListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response([case_out(c, request.user) for c in selectors.case_list(user=request.user)])

    @extend_schema(request=None, responses={201: dict})
    def post(self, request):
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors create cases."}, status=status.HTTP_403_FORBIDDEN)
        try:
            dataset_id = int(request.data.get("dataset", ""))
        except ValueError:
            return Response(
                {"detail": "Choose the dataset the case belongs to.", "field": "dataset"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        d = selectors.dataset_get(user=request.user, dataset_id=dataset_id, manage=True)
        case = services.case_create(
            user=request.user,
            dataset=d,
            title=request.data.get("title", ""),
            image_files=request.FILES.getlist("image"),
            gold_standard=request.FILES.get("gold_standard"),
            experts=request.FILES.getlist("experts"),
        )
        return Response(case_out(case, request.user), status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, case_id: int):
        return Response(case_out(selectors.case_get(user=request.user, case_id=case_id), request.user))


class CaseDicomView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        ext = ".zip" if c.dicom_file.content_type == "application/zip" else ".dcm"
        return FileResponse(
            open(file_path(c.dicom_file), "rb"),
            as_attachment=True,
            filename=f"myoqa-case-{c.pk}{ext}",
            content_type=c.dicom_file.content_type,
        )


class CasePixelsView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        frame = image_from_bytes(file_read(c.image_file)).display_frame()
        resp = HttpResponse(np.ascontiguousarray(frame, dtype="<f4").tobytes(), content_type="application/octet-stream")
        resp["X-Rows"], resp["X-Columns"] = str(c.rows), str(c.columns)
        resp["X-Pixel-Spacing"] = f"{c.pixel_spacing_dy_mm},{c.pixel_spacing_dx_mm}"
        resp["X-Units"] = c.units
        resp["Cache-Control"] = "private, max-age=3600"
        return resp


class CaseReferenceView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, case_id: int):
        c = selectors.case_get(user=request.user, case_id=case_id)
        ref = selectors.current_reference(case=c, user=request.user)
        if ref is None or not selectors.reference_visible(user=request.user, case=c):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        polys = contour_set_polygons(contour_set_from_bytes(file_read(ref.contours_file)), (c.rows, c.columns))
        return Response({"source": ref.kind, "version": ref.version, "contributors": len(ref.contributors), **polys})
