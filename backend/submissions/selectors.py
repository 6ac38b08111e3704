"""Reads for submissions, scoped to the requester: a trainee sees only their own work."""

from __future__ import annotations

import math

from django.db.models import QuerySet

from backend.accounts.models import Cohort, User
from backend.cases.models import Case, Dataset

from .models import EvaluationStatus, Submission


def submission_list(*, user: User) -> QuerySet[Submission]:
    """A trainee's own submissions; a supervisor's: submissions to cases of datasets they created."""
    qs = Submission.objects.select_related(
        "case", "case__dataset", "trainee", "contours_file", "reference", "reference__contours_file", "overlay_file"
    )
    if user.is_trainee:
        return qs.filter(trainee=user)
    return qs.filter(case__dataset__created_by=user)


def submission_get(*, user: User, submission_id: int) -> Submission:
    """One submission the user may see; raises ``Submission.DoesNotExist``."""
    return submission_list(user=user).get(pk=submission_id)


def tolerance_marks(result: dict | None, dataset: Dataset | None) -> dict:
    """Which of Dice, |d map| and |d WT| are within the dataset's tolerances (None when not measurable)."""
    tol = {
        "dice": dataset.tolerance_dice if dataset else 0.85,
        "map_ms": dataset.tolerance_map_ms if dataset else 8.4,
        "wall_thickness_mm": dataset.tolerance_wall_thickness_mm if dataset else 1.5,
    }
    within = {"dice": None, "map": None, "wall_thickness": None, "all": None}
    if result and result.get("agreement"):
        dice = result["agreement"]["myocardium"]["dice"]
        d = result.get("delta") or {}
        within["dice"] = None if dice is None else dice >= tol["dice"]
        dm = d.get("map_mean")
        if dm is not None and d.get("map_quantity") in ("t1_ms", "t2_ms", "t2star_ms"):
            within["map"] = abs(dm) <= tol["map_ms"]
        dw = d.get("wall_thickness_mm")
        within["wall_thickness"] = None if dw is None else abs(dw) <= tol["wall_thickness_mm"]
        marks = [v for v in (within["dice"], within["map"], within["wall_thickness"]) if v is not None]
        within["all"] = all(marks) if marks else None
    return {**tol, "within": within}


def result_summary(sub: Submission) -> dict:
    """The numbers of one submission shown in overviews and histories."""
    r = sub.result or {}
    a = r.get("agreement") or {}
    d = r.get("delta") or {}
    return {
        "submission_id": sub.pk,
        "case_id": sub.case_id,
        "attempt": sub.attempt,
        "created_at": sub.created_at,
        "status": sub.status,
        "dice": (a.get("myocardium") or {}).get("dice"),
        "hausdorff_mm": max(
            [
                v
                for v in (
                    (a.get("endocardium") or {}).get("hausdorff_mm"),
                    (a.get("epicardium") or {}).get("hausdorff_mm"),
                )
                if v is not None
            ],
            default=None,
        ),
        "delta_map_ms": d.get("map_mean") if d.get("map_quantity") in ("t1_ms", "t2_ms", "t2star_ms") else None,
        "delta_wall_thickness_mm": d.get("wall_thickness_mm"),
        "within_tolerance": tolerance_marks(sub.result, sub.case.dataset)["within"]["all"],
    }


def cohort_overview(*, cohort: Cohort) -> dict:
    """Trainees x cases of a cohort: attempts, latest and best (highest myocardial Dice) result per cell."""
    cases = list(Case.objects.filter(dataset__cohorts=cohort).select_related("dataset").order_by("dataset_id", "id"))
    trainees = list(cohort.trainees.order_by("last_name", "first_name", "username"))
    subs = (
        Submission.objects.filter(case__in=cases, trainee__in=trainees)
        .select_related("case", "case__dataset")
        .order_by("created_at", "id")
    )
    cells: dict[tuple[int, int], list[Submission]] = {}
    for s in subs:
        cells.setdefault((s.trainee_id, s.case_id), []).append(s)
    rows = []
    for t in trainees:
        row = []
        for c in cases:
            ss = cells.get((t.pk, c.pk), [])
            done = [result_summary(s) for s in ss if s.status == EvaluationStatus.DONE]
            best = max(done, key=lambda r: -math.inf if r["dice"] is None else r["dice"], default=None)
            row.append(
                {"case_id": c.pk, "attempts": len(ss), "latest": result_summary(ss[-1]) if ss else None, "best": best}
            )
        rows.append({"trainee": t, "cells": row})
    return {"cohort": cohort, "cases": cases, "rows": rows}
