"""Submission endpoints: upload contours, poll the evaluation, fetch the overlay (thin views)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.api import FILE_RENDERERS

from backend.accounts.api import user_out
from backend.cases import selectors as case_selectors
from backend.cases.models import FeedbackMode
from backend.cmr.contours import contour_set_from_bytes, contour_set_polygons
from backend.core.api import UploadError
from backend.core.storage import file_path, file_read

from . import selectors, services
from .models import EvaluationStatus, Submission


def submission_out(s: Submission, user) -> dict:
    case = s.case
    mode = case.dataset.feedback_mode if case.dataset else FeedbackMode.REVEAL
    shape = (case.rows, case.columns)
    reveal = (
        mode == FeedbackMode.REVEAL
        and s.reference is not None
        and (user.is_supervisor or case_selectors.reference_visible(user=user, case=case))
    )
    ref_polys = None
    if reveal and s.status == EvaluationStatus.DONE:
        ref_polys = contour_set_polygons(contour_set_from_bytes(file_read(s.reference.contours_file)), shape)
    return {
        "id": s.pk,
        "case_id": case.pk,
        "case_title": case.title,
        "trainee": user_out(s.trainee),
        "created_at": s.created_at,
        "attempt": s.attempt,
        "practice": case.dataset_id is None,
        "status": s.status,
        "error": s.error or None,
        "feedback_mode": mode,
        "consensus": (
            {
                "source": s.consensus_source,
                "version": s.consensus_version,
                "contributors": len(s.consensus_contributors),
                "model_version": s.consensus_model.version if s.consensus_model_id else None,
            }
            if s.consensus_source
            else None
        ),
        "consensus_note": s.consensus_note or None,
        "contours": contour_set_polygons(contour_set_from_bytes(file_read(s.contours_file)), shape),
        "reference_contours": ref_polys,
        "result": s.result,
        "tolerance": selectors.tolerance_marks(s.result, case.dataset),
        "overlay_url": f"/api/submissions/{s.pk}/overlay.png" if s.status == EvaluationStatus.DONE else None,
        "analysis_seconds": s.analysis_seconds,
    }


class SubmissionListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        qs = selectors.submission_list(user=request.user)
        if "case" in request.query_params:
            qs = qs.filter(case_id=int(request.query_params["case"]))
        if request.user.is_supervisor and "trainee" in request.query_params:
            qs = qs.filter(trainee_id=int(request.query_params["trainee"]))
        elif request.user.is_trainee:
            qs = qs.filter(trainee=request.user)
        return Response([{**selectors.result_summary(s), "case_title": s.case.title} for s in qs])

    @extend_schema(request=None, responses={201: dict})
    def post(self, request):
        if not request.user.is_trainee:
            return Response({"detail": "Only trainees submit contours."}, status=status.HTTP_403_FORBIDDEN)
        try:
            case_id = int(request.data.get("case", ""))
        except ValueError:
            raise UploadError("Say which case these contours are for.", "case") from None
        case = case_selectors.case_get(user=request.user, case_id=case_id)
        sub = services.submission_create(
            trainee=request.user,
            case=case,
            contours=request.FILES.get("contours"),
            image_files=request.FILES.getlist("image"),
        )
        return Response(submission_out(sub, request.user), status=status.HTTP_201_CREATED)


class PracticeView(APIView):
    @extend_schema(request=None, responses={201: dict})
    def post(self, request):
        if not request.user.is_trainee:
            return Response({"detail": "Practice uploads are for trainees."}, status=status.HTTP_403_FORBIDDEN)
        sub = services.practice_submission_create(
            trainee=request.user, image_files=request.FILES.getlist("image"), contours=request.FILES.get("contours")
        )
        return Response(submission_out(sub, request.user), status=status.HTTP_201_CREATED)


class SubmissionDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, submission_id: int):
        return Response(
            submission_out(selectors.submission_get(user=request.user, submission_id=submission_id), request.user)
        )


class SubmissionOverlayView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, submission_id: int):
        s = selectors.submission_get(user=request.user, submission_id=submission_id)
        f = services.overlay_get_or_render(submission=s)
        if f is None:
            return Response({"detail": "The overlay is not ready yet."}, status=status.HTTP_404_NOT_FOUND)
        return FileResponse(open(file_path(f), "rb"), content_type="image/png")
