"""Submission endpoints: upload contours, poll the evaluation, fetch the overlay (thin views)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors as account_selectors
from backend.accounts.api import cohort_out, user_out
from backend.cases import selectors as case_selectors
from backend.cases.ingest import polygons_upload
from backend.cases.models import FeedbackMode, ReferenceKind
from backend.cmr.contours import contour_set_from_bytes, contour_set_polygons
from backend.core.api import FILE_RENDERERS, validated
from backend.core.storage import file_path, file_read

from . import selectors, services
from .models import EvaluationStatus, Submission
from .serializers import (
    AttemptSerializer,
    CohortOverviewSerializer,
    ContourDraftIn,
    ContourDraftSerializer,
    SubmissionIn,
    SubmissionListQuery,
    SubmissionSerializer,
    SubmissionStatusSerializer,
    TraineeHistorySerializer,
    TraineeRepeatabilitySerializer,
)


def consensus_shown(s: Submission, user) -> bool:
    """May ``user`` see the consensus of ``s`` drawn (contours on the feedback page, on the overlay)?

    In reveal mode (and for practice), once the trainee has submitted to the case, and for a team consensus only
    when enough trainees were voted (:func:`backend.cases.selectors.team_consensus_shown`); else numbers only.
    """
    case = s.case
    mode = case.dataset.feedback_mode if case.dataset else FeedbackMode.REVEAL
    return (
        mode == FeedbackMode.REVEAL
        and s.reference is not None
        and (user.is_supervisor or case_selectors.reference_visible(user=user, case=case))
        and case_selectors.team_consensus_shown(user=user, reference=s.reference)
    )


def submission_out(s: Submission, user) -> dict:
    """The detail body of one submission (``SubmissionSerializer``)."""
    case = s.case
    mode = case.dataset.feedback_mode if case.dataset else FeedbackMode.REVEAL
    shape = (case.rows, case.columns)
    consensus_polys = None
    if consensus_shown(s, user) and s.reference is not None and s.status == EvaluationStatus.DONE:
        consensus_polys = contour_set_polygons(contour_set_from_bytes(file_read(s.reference.contours_file)), shape)
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
                "label": ReferenceKind(s.consensus_source).label,
                "version": s.consensus_version,
                "contributors": len(s.consensus_contributors),
                "model_version": s.consensus_model.version if s.consensus_model is not None else None,
            }
            if s.consensus_source
            else None
        ),
        "consensus_note": s.consensus_note or None,
        "contours": contour_set_polygons(contour_set_from_bytes(file_read(s.contours_file)), shape),
        "consensus_contours": consensus_polys,
        "summary": s.summary if s.status == EvaluationStatus.DONE else None,
        "overlay_url": f"/api/submissions/{s.pk}/overlay.png" if s.status == EvaluationStatus.DONE else None,
        "analysis_seconds": s.analysis_seconds,
        "history": selectors.past_evaluations(submission=s),
    }


class SubmissionListView(APIView):
    @extend_schema(parameters=[SubmissionListQuery], responses={200: AttemptSerializer(many=True)})
    def get(self, request):
        q = validated(SubmissionListQuery, request.query_params, what="The query string")
        qs = selectors.submission_list(user=request.user)
        case_id, trainee_id = q.get("case"), q.get("trainee")
        if case_id is not None:
            qs = qs.filter(case_id=case_id)
        if request.user.is_supervisor and trainee_id is not None:
            qs = qs.filter(trainee_id=trainee_id)
        elif request.user.is_trainee:
            qs = qs.filter(trainee=request.user)
        return Response(AttemptSerializer([selectors.attempt_summary(s) for s in qs], many=True).data)

    @extend_schema(request=SubmissionIn, responses={201: SubmissionSerializer})
    def post(self, request):
        if not request.user.is_trainee:
            return Response({"detail": "Only trainees submit contours."}, status=status.HTTP_403_FORBIDDEN)
        v = validated(SubmissionIn, request.data)
        case = case_selectors.case_get(user=request.user, case_id=v["case"])
        sub = services.submission_create(
            trainee=request.user,
            case=case,
            contours=request.FILES.get("contours") or polygons_upload(request.data),
            image_files=request.FILES.getlist("image"),
        )
        return Response(SubmissionSerializer(submission_out(sub, request.user)).data, status=status.HTTP_201_CREATED)


class PracticeView(APIView):
    @extend_schema(request=None, responses={201: SubmissionSerializer})
    def post(self, request):
        if not request.user.is_trainee:
            return Response({"detail": "Practice uploads are for trainees."}, status=status.HTTP_403_FORBIDDEN)
        sub = services.practice_submission_create(
            trainee=request.user,
            image_files=request.FILES.getlist("image"),
            contours=request.FILES.get("contours") or polygons_upload(request.data),
        )
        return Response(submission_out(sub, request.user), status=status.HTTP_201_CREATED)


class SubmissionDetailView(APIView):
    @extend_schema(responses={200: SubmissionSerializer})
    def get(self, request, submission_id: int):
        s = selectors.submission_get(user=request.user, submission_id=submission_id)
        return Response(SubmissionSerializer(submission_out(s, request.user)).data)


class SubmissionStatusView(APIView):
    """The status alone: one small query, no contours, no summary, so that a class polling at once stays cheap."""

    @extend_schema(responses={200: SubmissionStatusSerializer})
    def get(self, request, submission_id: int):
        status_ = selectors.submission_status_get(user=request.user, submission_id=submission_id)
        return Response(SubmissionStatusSerializer(status_).data)


class SubmissionOverlayView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, submission_id: int):
        s = selectors.submission_get(user=request.user, submission_id=submission_id)
        f = services.overlay_get_or_render(submission=s, reveal=consensus_shown(s, request.user))
        if f is None:
            return Response({"detail": "The overlay is not ready yet."}, status=status.HTTP_404_NOT_FOUND)
        return FileResponse(open(file_path(f), "rb"), content_type="image/png")


class CohortOverviewView(APIView):
    """Trainees x cases of a cohort, each cell with the latest and best attempt and its stored verdict."""

    @extend_schema(responses={200: CohortOverviewSerializer})
    def get(self, request, cohort_id: int):
        cohort = account_selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        ov = selectors.cohort_overview(cohort=cohort)
        body = {
            "cohort": cohort_out(cohort),
            "cases": [
                {"id": c.pk, "title": c.title, "dataset_id": c.dataset_id, "dataset_name": c.dataset.name}
                for c in ov["cases"]
            ],
            "rows": [{"trainee": user_out(r["trainee"]), "cells": r["cells"]} for r in ov["rows"]],
        }
        return Response(CohortOverviewSerializer(body).data)


class TraineeHistoryView(APIView):
    """A trainee's attempts (the trainee themself, or a supervisor of one of their cohorts)."""

    @extend_schema(responses={200: TraineeHistorySerializer})
    def get(self, request, trainee_id: int):
        trainee = account_selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        subs = selectors.submission_list(user=request.user).filter(trainee=trainee)
        body = {"trainee": user_out(trainee), "submissions": [selectors.attempt_summary(s) for s in subs]}
        return Response(TraineeHistorySerializer(body).data)


class TraineeRepeatabilityView(APIView):
    """A trainee's repeatability on hidden repeat cases (a supervisor of their cohorts, or the trainee themself)."""

    @extend_schema(responses={200: TraineeRepeatabilitySerializer})
    def get(self, request, trainee_id: int):
        trainee = account_selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        body = {
            "trainee": user_out(trainee),
            "repeats": selectors.repeatability_list(user=request.user, trainee=trainee),
        }
        return Response(TraineeRepeatabilitySerializer(body).data)


def draft_out(case_id: int, draft) -> dict:
    """The body of ``GET/PUT /api/cases/{id}/draft`` (``ContourDraftSerializer``); nulls when nothing is saved."""
    return {
        "case_id": case_id,
        "endocardium": draft.endocardium if draft else None,
        "epicardium": draft.epicardium if draft else None,
        "updated_at": draft.updated_at if draft else None,
    }


class ContourDraftView(APIView):
    """A trainee's own unsubmitted contours on a case (save and resume in the viewer); never evaluated."""

    @extend_schema(responses={200: ContourDraftSerializer})
    def get(self, request, case_id: int):
        case = case_selectors.case_get(user=request.user, case_id=case_id)
        draft = selectors.draft_get(user=request.user, case=case)
        return Response(ContourDraftSerializer(draft_out(case.pk, draft)).data)

    @extend_schema(request=ContourDraftIn, responses={200: ContourDraftSerializer})
    def put(self, request, case_id: int):
        if not request.user.is_trainee:
            return Response({"detail": "Only trainees save draft contours."}, status=status.HTTP_403_FORBIDDEN)
        case = case_selectors.case_get(user=request.user, case_id=case_id)
        v = validated(ContourDraftIn, request.data)
        draft = services.draft_save(
            trainee=request.user, case=case, endocardium=v.get("endocardium"), epicardium=v.get("epicardium")
        )
        return Response(ContourDraftSerializer(draft_out(case.pk, draft)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, case_id: int):
        case = case_selectors.case_get(user=request.user, case_id=case_id)
        if request.user.is_trainee:
            services.draft_delete(trainee=request.user, case=case)
        return Response(status=status.HTTP_204_NO_CONTENT)
