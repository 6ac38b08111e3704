"""Reads for submissions, scoped to the requester: a trainee sees only their own work."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.db.models import QuerySet

from backend.accounts.models import Cohort, User
from backend.cases.models import Case, Dataset
from backend.cmr.contours import contour_set_from_bytes
from backend.core.storage import file_read

from .models import ContourDraft, EvaluationStatus, Submission


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


def submission_status_get(*, user: User, submission_id: int) -> dict:
    """Where one evaluation stands, read in one small query (what the feedback page polls while it waits).

    Returns ``{"id", "status", "error"}``; raises ``Submission.DoesNotExist`` for a submission the user may not see
    (the same scope as :func:`submission_get`).
    """
    row = submission_list(user=user).filter(pk=submission_id).values("id", "status", "error").get()
    return {"id": row["id"], "status": row["status"], "error": row["error"] or None}


def attempt_summary(sub: Submission) -> dict:
    """One attempt's headline numbers and its stored verdict (``AttemptSerializer``); nothing is re-judged here.

    The numbers are read from the evaluation summary that :func:`backend.cmr.summary.evaluation_summary` built when
    the evaluation ran; ``verdict`` is None while the evaluation is not done.
    """
    sm = sub.summary or {}
    myo = (sm.get("agreement") or {}).get("myocardium") or {}
    d = sm.get("delta") or {}
    q = sm.get("map_quantity")
    return {
        "id": sub.pk,
        "case_id": sub.case_id,
        "case_title": sub.case.title,
        "trainee_id": sub.trainee_id,
        "attempt": sub.attempt,
        "created_at": sub.created_at,
        "status": sub.status,
        "dice": myo.get("dice"),
        "hausdorff_mm": myo.get("hausdorff_mm"),
        "hd95_mm": myo.get("hd95_mm"),
        "map_quantity": q,
        "delta_map": d.get("map") if q != "signal" else None,
        "delta_wall_thickness_mm": d.get("wall_thickness_mm"),
        "verdict": sm.get("verdict") if sub.status == EvaluationStatus.DONE else None,
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
            done = [attempt_summary(s) for s in ss if s.status == EvaluationStatus.DONE]
            best = max(done, key=lambda r: -math.inf if r["dice"] is None else r["dice"], default=None)
            row.append(
                {"case_id": c.pk, "attempts": len(ss), "latest": attempt_summary(ss[-1]) if ss else None, "best": best}
            )
        rows.append({"trainee": t, "cells": row})
    return {"cohort": cohort, "cases": cases, "rows": rows}


def repeatability_list(*, user: User, trainee: User, datasets: Sequence[Dataset] | None = None) -> list[dict]:
    """A trainee's own repeatability: their two contours of the same image, a case and its hidden repeat.

    For each repeat (of a dataset ``user`` created, or, for the trainee themself, of their datasets) to which the
    trainee submitted as well as to its original, their latest contour of the repeat is mapped back onto the
    original by the inverse transform and compared with their latest contour of the original by the analysis core
    (:func:`backend.cmr.assessment.assess`, the original's contour as the trainee, the repeat's as the reference;
    :func:`backend.cmr.summary.evaluation_summary`): myocardial Dice and HD95, |dT1| (or |dT2|, |dT2*|: the map
    quantity) and |d mean wall thickness| between the two attempts. Nothing is stored; a row is only made once both
    are submitted, so naming the original to the trainee then reveals nothing they have still to do.

    ``datasets``: only repeats of these datasets (a report's scope); default all that ``user`` may see.

    Returns
    -------
    list of dict
        One per repeat, oldest first: ``case_id``, ``case_title``, ``repeat_case_id``, ``repeat_title``,
        ``transform``, ``dataset_id``, ``submission_ids`` (original's, repeat's), ``dice``, ``hd95_mm``,
        ``map_quantity``, ``abs_delta_map``, ``abs_delta_wall_thickness_mm``.
    """
    from backend.cases.repeat import inverse_transform_contours
    from backend.cmr.assessment import assess, to_json_ready
    from backend.cmr.dicom import image_from_bytes
    from backend.cmr.summary import evaluation_summary

    repeats = Case.objects.filter(repeat_of__isnull=False).select_related("repeat_of", "repeat_of__image_file")
    if user.is_supervisor:
        repeats = repeats.filter(dataset__created_by=user)
    elif user.pk == trainee.pk:
        repeats = repeats.filter(dataset__cohorts__trainees=user).distinct()
    else:
        return []
    if datasets is not None:
        repeats = repeats.filter(dataset__in=datasets)
    rows = []
    for r in repeats.order_by("created_at", "id"):
        orig = r.repeat_of
        assert orig is not None
        latest = {
            c.pk: Submission.objects.filter(trainee=trainee, case=c)
            .select_related("contours_file")
            .order_by("-created_at", "-id")
            .first()
            for c in (orig, r)
        }
        first, second = latest[orig.pk], latest[r.pk]
        if first is None or second is None:
            continue
        image = image_from_bytes(file_read(orig.image_file))
        a = contour_set_from_bytes(file_read(first.contours_file))
        b = inverse_transform_contours(
            contour_set_from_bytes(file_read(second.contours_file)), r.repeat_transform or "none", image.shape
        )
        sm = evaluation_summary(to_json_ready(assess(image, a, b).payload))
        myo = (sm.get("agreement") or {}).get("myocardium") or {}
        d = sm.get("delta") or {}
        q = sm.get("map_quantity")
        dmap = d.get("map") if q != "signal" else None
        dwt = d.get("wall_thickness_mm")
        rows.append(
            {
                "case_id": orig.pk,
                "case_title": orig.title,
                "repeat_case_id": r.pk,
                "repeat_title": r.title,
                "transform": r.repeat_transform or "none",
                "dataset_id": r.dataset_id,
                "submission_ids": [first.pk, second.pk],
                "dice": myo.get("dice"),
                "hd95_mm": myo.get("hd95_mm"),
                "map_quantity": q,
                "abs_delta_map": None if dmap is None else abs(dmap),
                "abs_delta_wall_thickness_mm": None if dwt is None else abs(dwt),
            }
        )
    return rows


def draft_get(*, user: User, case: Case) -> ContourDraft | None:
    """The user's own draft contours on ``case`` (a trainee's; None for a supervisor or when none is saved)."""
    if not user.is_trainee:
        return None
    return ContourDraft.objects.filter(trainee=user, case=case).first()


def past_evaluations(*, submission: Submission) -> list[dict]:
    """The earlier evaluations of a submission (``PastEvaluationSerializer``), oldest first: the consensus source
    and version each used, and its stored headline numbers and verdict (nothing re-judged)."""
    rows = []
    for p in submission.past_evaluations.all():
        sm = p.summary or {}
        myo = (sm.get("agreement") or {}).get("myocardium") or {}
        verdict = (sm.get("verdict") or {}).get("result") if p.status == EvaluationStatus.DONE else None
        rows.append(
            {
                "consensus_source": p.consensus_source,
                "consensus_version": p.consensus_version,
                "finished_at": p.finished_at,
                "superseded_at": p.superseded_at,
                "dice": myo.get("dice"),
                "hd95_mm": myo.get("hd95_mm"),
                "verdict": verdict,
            }
        )
    return rows
