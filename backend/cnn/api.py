"""Consensus model and training-run endpoints (supervisors; thin: parse, authorise, call one service)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.cases.models import Dataset
from backend.core.api import IdField, validated

from . import selectors, services
from .models import ConsensusModel, Head, TrainingRun


def model_out(m: ConsensusModel, *, full: bool = False) -> dict:
    card = m.card or {}
    out = {
        "id": m.pk,
        "version": m.version,
        "head": m.head,
        "is_active": m.is_active,
        "created_at": m.created_at,
        "activated_at": m.activated_at,
        "activated_by": m.activated_by.username if m.activated_by is not None else None,
        "width": card.get("width"),
        "parameters": card.get("parameters"),
        "accuracy": selectors.held_out_accuracy(card),
        "activation_refusal": services.activation_refusal(card) or None,
        "training_seconds": card.get("training_seconds"),
        "inference_seconds": (card.get("inference_seconds") or {}).get("median"),
        "data": card.get("data"),
    }
    if full:
        from ml.train import card_summary

        out["card"] = card
        out["summary_markdown"] = card_summary(card)
    return out


def run_out(r: TrainingRun) -> dict:
    return {
        "id": r.pk,
        "status": r.status,
        "progress": round(100 * r.progress, 1),
        "message": r.message or None,
        "error": r.error or None,
        "head": r.head,
        "width": r.width,
        "epochs": r.epochs,
        "folds": r.folds,
        "phantoms": r.phantoms,
        "datasets": [{"id": d.pk, "name": d.name} for d in r.datasets.all()],
        "model_id": r.model_id,
        "model_version": r.model.version if r.model is not None else None,
        "created_at": r.created_at,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
    }


def _supervisor_only(request):
    if not request.user.is_supervisor:
        return Response({"detail": "Only supervisors manage consensus models."}, status=status.HTTP_403_FORBIDDEN)
    return None


class ModelListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return _supervisor_only(request) or Response([model_out(m) for m in selectors.model_list(user=request.user)])


class ModelDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, model_id: int):
        return Response(model_out(selectors.model_get(user=request.user, model_id=model_id), full=True))


class ModelActivateView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, model_id: int):
        m = selectors.model_get(user=request.user, model_id=model_id)
        return Response(model_out(services.model_activate(user=request.user, model=m)))


class ModelDeactivateView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        denied = _supervisor_only(request)
        if denied:
            return denied
        services.model_deactivate(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrainingRunIn(serializers.Serializer):
    """A training run's settings (the ranges of :func:`backend.cnn.services.training_run_create`)."""

    dataset_ids = serializers.ListField(child=IdField(what="dataset"), allow_empty=False, max_length=1000)
    head = serializers.ChoiceField(choices=Head.choices, default=Head.UNET)
    width = serializers.FloatField(default=0.25, min_value=0.0, max_value=1.0)
    epochs = serializers.IntegerField(default=6, min_value=1, max_value=500)
    folds = serializers.IntegerField(default=3, min_value=0, max_value=5)
    phantoms = serializers.IntegerField(default=24, min_value=0, max_value=2000)

    def validate_width(self, value: float) -> float:
        if value <= 0:
            raise serializers.ValidationError("Ensure this value is greater than 0.")
        return value


class TrainingRunListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return _supervisor_only(request) or Response(
            [run_out(r) for r in selectors.training_run_list(user=request.user)]
        )

    @extend_schema(request=TrainingRunIn, responses={201: dict})
    def post(self, request):
        denied = _supervisor_only(request)
        if denied:
            return denied
        v = validated(TrainingRunIn, request.data)
        ids = v.pop("dataset_ids")
        datasets = list(Dataset.objects.filter(pk__in=ids, created_by=request.user))
        if len(datasets) != len(set(ids)):
            return Response(
                {"detail": "Some of these datasets are not yours or do not exist.", "field": "dataset_ids"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        run = services.training_run_create(user=request.user, datasets=datasets, **v)
        return Response(run_out(run), status=status.HTTP_201_CREATED)


class TrainingRunDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, run_id: int):
        return Response(run_out(selectors.training_run_get(user=request.user, run_id=run_id)))
