"""Report endpoints: request a report, follow its progress, download the PDF (thin views)."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors as account_selectors
from backend.cmr.error_classes import KINDS
from backend.core.api import FILE_RENDERERS, IdField, validated
from backend.core.storage import file_path
from reports.data import DatasetAccreditation
from reports.style import ERROR_KIND_LABELS

from . import exports, selectors, services
from .models import ReportJob
from .serializers import CohortAccreditationSerializer, TraineeAccreditationSerializer, TraineeErrorClassesSerializer


def job_out(j: ReportJob) -> dict:
    return {
        "id": j.pk,
        "kind": j.kind,
        "status": j.status,
        "progress": j.progress,
        "message": j.message or None,
        "trainee_id": j.trainee_id,
        "cohort_id": j.cohort_id,
        "created_at": j.created_at,
        "pdf_url": f"/api/reports/{j.pk}/pdf" if j.file_id else None,
    }


class ReportIn(serializers.Serializer):
    """What a report is about: a trainee (default: the requester) or a cohort (``cohort_id`` required)."""

    kind = serializers.ChoiceField(choices=["trainee", "cohort"])
    trainee_id = IdField(what="trainee", required=False)
    cohort_id = IdField(what="cohort", required=False)

    def validate(self, attrs: dict) -> dict:
        if attrs["kind"] == "cohort" and "cohort_id" not in attrs:
            raise serializers.ValidationError({"cohort_id": ["Say which cohort the class report is for."]})
        return attrs


class ReportListView(APIView):
    @extend_schema(request=ReportIn, responses={201: dict})
    def post(self, request):
        v = validated(ReportIn, request.data)
        trainee = cohort = None
        if v["kind"] == "trainee":
            trainee = account_selectors.trainee_get(user=request.user, trainee_id=v.get("trainee_id", request.user.pk))
        else:
            cohort = account_selectors.cohort_get(user=request.user, cohort_id=v["cohort_id"], manage=True)
        job = services.report_request(user=request.user, kind=v["kind"], trainee=trainee, cohort=cohort)
        return Response(job_out(job), status=status.HTTP_201_CREATED)


class ReportDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, job_id: int):
        return Response(job_out(selectors.report_job_get(user=request.user, job_id=job_id)))


class ReportPdfView(APIView):
    renderer_classes = FILE_RENDERERS

    def get(self, request, job_id: int):
        j = selectors.report_job_get(user=request.user, job_id=job_id)
        if j.file is None:
            return Response({"detail": "The report is not ready yet."}, status=status.HTTP_404_NOT_FOUND)
        return FileResponse(
            open(file_path(j.file), "rb"),
            as_attachment=True,
            filename=j.file.download_name,
            content_type="application/pdf",
        )


def accreditation_out(d: DatasetAccreditation) -> dict:
    """One dataset's accreditation as the API returns it (the values of :func:`reports.data.accreditation_by_dataset`)."""
    return {
        "dataset_id": d.dataset_id,
        "dataset_name": d.dataset_name,
        "rule": d.rule.describe(),
        "last_n": d.rule.last_n,
        "min_cases": d.rule.min_cases,
        "met": d.status.met,
        "cases_within": d.status.cases_within,
        "required": d.status.required,
        "explanation": d.status.explanation,
        "cases": [
            {
                "case_id": r.case_id,
                "case_title": r.case_title,
                "attempts": r.attempts,
                "latest_result": r.latest_verdict if r.latest_verdict in ("within", "outside") else None,
                "qualifies": r.qualifies,
            }
            for r in d.rows
        ],
    }


class TraineeAccreditationView(APIView):
    """A trainee's accreditation per dataset, each with its own rule (as in their PDF report)."""

    @extend_schema(responses={200: TraineeAccreditationSerializer})
    def get(self, request, trainee_id: int):
        trainee = account_selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        per = selectors.trainee_accreditation(trainee=trainee, reader=request.user)
        body = {"trainee_id": trainee.pk, "datasets": [accreditation_out(d) for d in per]}
        return Response(TraineeAccreditationSerializer(body).data)


class CohortAccreditationView(APIView):
    """Each trainee of a cohort with their accreditation per dataset of the cohort (its supervisor only)."""

    @extend_schema(responses={200: CohortAccreditationSerializer})
    def get(self, request, cohort_id: int):
        cohort = account_selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        rows = [
            {
                "trainee_id": t.pk,
                "full_name": t.full_name,
                "username": t.username,
                "datasets": [accreditation_out(d) for d in per],
            }
            for t, per in selectors.cohort_accreditation(cohort=cohort)
        ]
        return Response(CohortAccreditationSerializer({"cohort_id": cohort.pk, "rows": rows}).data)


class TraineeErrorClassesView(APIView):
    """A trainee's attempts with their stored error classes: the learning curve per error class."""

    @extend_schema(responses={200: TraineeErrorClassesSerializer})
    def get(self, request, trainee_id: int):
        trainee = account_selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        body = {
            "trainee_id": trainee.pk,
            "kinds": [{"kind": k, "label": ERROR_KIND_LABELS.get(k, k)} for k in KINDS],
            "attempts": selectors.trainee_error_classes(trainee=trainee, reader=request.user),
        }
        return Response(TraineeErrorClassesSerializer(body).data)


class ExportQuery(serializers.Serializer):
    """Whose results: one of a cohort, a dataset or a trainee (by id)."""

    cohort = IdField(what="cohort", required=False)
    dataset = IdField(what="dataset", required=False)
    trainee = IdField(what="trainee", required=False)

    def validate(self, attrs: dict) -> dict:
        if len(attrs) != 1:
            raise serializers.ValidationError("Say whose results to export: one cohort, one dataset or one trainee.")
        return attrs


class ResultsExportView(APIView):
    """CSV of results (supervisors): one row per submission with every number of its evaluation summary."""

    renderer_classes = FILE_RENDERERS

    @extend_schema(parameters=[ExportQuery], responses={(200, "text/csv"): bytes})
    def get(self, request):
        from backend.cases import selectors as case_selectors

        if not request.user.is_supervisor:
            return Response({"detail": "Exports are for supervisors."}, status=status.HTTP_403_FORBIDDEN)
        q = validated(ExportQuery, request.query_params, what="The query string")
        scope: dict = {}
        if "cohort" in q:
            scope["cohort"] = account_selectors.cohort_get(user=request.user, cohort_id=q["cohort"], manage=True)
            name = f"cohort-{q['cohort']}"
        elif "dataset" in q:
            scope["dataset"] = case_selectors.dataset_get(user=request.user, dataset_id=q["dataset"], manage=True)
            name = f"dataset-{q['dataset']}"
        else:
            scope["trainee"] = account_selectors.trainee_get(user=request.user, trainee_id=q["trainee"])
            name = f"trainee-{q['trainee']}"
        text = exports.export_results(reader=request.user, **scope)
        resp = HttpResponse(text.encode(), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="myoqa-results-{name}.csv"'
        return resp
