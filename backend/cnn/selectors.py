"""Reads of consensus models and training runs (supervisors see all models of the site and their own runs)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from backend.accounts.models import User

from .models import ConsensusModel, TrainingRun


def active_model() -> ConsensusModel | None:
    """The consensus model evaluations use now, or None."""
    return ConsensusModel.objects.filter(is_active=True).first()


def model_folder(m: ConsensusModel) -> Path:
    """The absolute folder of a model's files (``settings.MODEL_ROOT`` / ``m.folder``)."""
    return Path(settings.MODEL_ROOT) / m.folder


def model_list(*, user: User) -> QuerySet[ConsensusModel]:
    """The site's consensus models (supervisors only; empty for trainees)."""
    if not user.is_supervisor:
        return ConsensusModel.objects.none()
    return ConsensusModel.objects.all()


def model_get(*, user: User, model_id: int) -> ConsensusModel:
    """One model; raises ``ConsensusModel.DoesNotExist`` (also for trainees)."""
    return model_list(user=user).get(pk=model_id)


def training_run_list(*, user: User) -> QuerySet[TrainingRun]:
    """The supervisor's own training runs, newest first."""
    if not user.is_supervisor:
        return TrainingRun.objects.none()
    return TrainingRun.objects.filter(requested_by=user).prefetch_related("datasets").select_related("model")


def training_run_get(*, user: User, run_id: int) -> TrainingRun:
    """One of the supervisor's runs; raises ``TrainingRun.DoesNotExist``."""
    return training_run_list(user=user).get(pk=run_id)


def held_out_accuracy(card: dict) -> dict | None:
    """The model's own error against experts from its card: held-out results, else the cross-validation mean.

    Returns
    -------
    dict or None
        ``{"dice", "hd_mm", "msd_mm", "basis": "held-out patients ..." | "cross-validation"}``; None when the
        card has neither.
    """
    h = (card.get("holdout") or {}).get("overall") or {}
    if h.get("model"):
        return {**h["model"], "basis": f"held-out patients {', '.join(card['holdout'].get('patients', []))}"}
    folds = [f.get("model_vs_expert") for f in card.get("cross_validation") or [] if f.get("model_vs_expert")]
    if folds:
        keys = ("dice", "hd_mm", "msd_mm")
        mean = {
            k: sum(f[k] for f in folds if f.get(k) is not None) / max(1, sum(f.get(k) is not None for f in folds))
            for k in keys
        }
        return {**mean, "basis": f"{len(folds)}-fold cross-validation"}
    return None
