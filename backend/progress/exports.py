"""CSV export of results: one row per submission with every number of its stored evaluation summary.

The numbers are read from the summary that :func:`backend.cmr.summary.evaluation_summary` stored when the
evaluation ran (architecture convention 16): nothing is recomputed or re-judged here. The columns are fixed
(:data:`COLUMNS`), so exports of different cohorts, datasets or trainees line up; a value the summary does not
have (no consensus, no map, not evaluated yet) is an empty cell. Distances are in mm, times in ms, areas in mm².
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from django.db.models import Count, QuerySet

from backend.accounts.models import Cohort, User
from backend.cases.models import Dataset
from backend.cmr.summary import AGREEMENT_METRICS, ToleranceQuantity, Tolerances
from backend.submissions.models import Submission

STRUCTURES = ("myocardium", "endocardium", "epicardium")
N_SECTORS = 6
MAP_FIELDS = (
    "quantity",
    "unit",
    "mean",
    "sd",
    "median",
    "iqr",
    "n_pixels",
    "r2star_per_s",
    "iron_grade",
    "fit_model",
    "n_echoes_used",
)
CHECK_FIELDS = ("measured", "limit", "passed", "margin")
SEGMENT_FIELDS = ("name", "signed_distance_mm", "endocardium_mm", "epicardium_mm", "myocardium_excess_mm", "delta_map")

ID_COLUMNS = [
    "submission_id",
    "trainee_id",
    "trainee_username",
    "trainee_name",
    "cohorts",
    "dataset_id",
    "dataset_name",
    "case_id",
    "case_title",
    "attempt",
    "submitted_at",
    "status",
    "evaluated_at",
    "consensus_source",
    "consensus_version",
    "consensus_contributors",
    "past_evaluations",
]


def _summary_paths() -> list[tuple[str, tuple]]:
    """(column, path into the summary) for every number (and label) of the summary, in a fixed order."""
    out: list[tuple[str, tuple]] = [("map_quantity", ("map_quantity",)), ("map_unit", ("map_unit",))]
    for s in STRUCTURES:
        out += [(f"{s}_{m}", ("agreement", s, m)) for m in AGREEMENT_METRICS]
    for who in ("trainee", "consensus"):
        out.append((f"{who}_myocardium_area_mm2", (who, "myocardium_area_mm2")))
        out.append((f"{who}_wall_thickness_mean_mm", (who, "wall_thickness", "mean_mm")))
        out += [
            (f"{who}_wall_thickness_sector{i + 1}_mm", (who, "wall_thickness", "sectors_mm", i))
            for i in range(N_SECTORS)
        ]
        out.append((f"{who}_wall_thickness_min_mm", (who, "wall_thickness", "min_mm")))
        out.append((f"{who}_wall_thickness_max_mm", (who, "wall_thickness", "max_mm")))
        out += [(f"{who}_map_{f}", (who, "map", f)) for f in MAP_FIELDS]
    out += [
        ("delta_map", ("delta", "map")),
        ("delta_map_percent", ("delta", "map_percent")),
        ("delta_wall_thickness_mm", ("delta", "wall_thickness_mm")),
    ]
    out += [
        (f"delta_wall_thickness_sector{i + 1}_mm", ("delta", "wall_thickness_sectors_mm", i)) for i in range(N_SECTORS)
    ]
    out.append(("delta_myocardium_area_mm2", ("delta", "myocardium_area_mm2")))
    out += [(f"tolerance_{f.name}", ("tolerances", f.name)) for f in fields(Tolerances)]
    out += [("verdict", ("verdict", "result")), ("verdict_message", ("verdict", "message"))]
    for q in ToleranceQuantity:
        out += [(f"check_{q.value}_{f}", ("checks", q.value, f)) for f in CHECK_FIELDS]
    for i in range(N_SECTORS):
        out += [(f"segment{i + 1}_{f}", ("segments", i, f)) for f in SEGMENT_FIELDS]
    return out


SUMMARY_COLUMNS = _summary_paths()
COLUMNS = ID_COLUMNS + [c for c, _ in SUMMARY_COLUMNS] + ["verdict_failed", "error_classes", "warnings"]
"""Every column of the export, in order."""


def _get(summary: dict, path: tuple) -> Any:
    if path[0] == "checks":  # the verdict's checks, by quantity
        checks = ((summary.get("verdict") or {}).get("checks")) or []
        check = next((c for c in checks if c.get("quantity") == path[1]), None)
        return None if check is None else check.get(path[2])
    node: Any = summary
    for key in path:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return value


def result_rows(submissions: Iterable[Submission], *, cohort_names: dict[int, list[str]]) -> list[dict]:
    """The export's rows (column -> cell text) of these submissions, in the order given.

    Parameters
    ----------
    submissions : iterable of Submission
        With ``case``, ``case__dataset`` and ``trainee`` selected, and ``n_past`` annotated (past evaluations).
    cohort_names : dict
        Trainee id -> the names of the cohorts in the export's scope they are in.

    Returns
    -------
    list of dict
        One per submission, keyed by :data:`COLUMNS`.
    """
    rows = []
    for s in submissions:
        sm = s.summary or {}
        done = s.status == "done"
        ds = s.case.dataset
        row: dict[str, Any] = {
            "submission_id": s.pk,
            "trainee_id": s.trainee_id,
            "trainee_username": s.trainee.username,
            "trainee_name": s.trainee.full_name,
            "cohorts": "; ".join(cohort_names.get(s.trainee_id, [])),
            "dataset_id": ds.pk if ds else "",
            "dataset_name": ds.name if ds else "",
            "case_id": s.case_id,
            "case_title": s.case.title,
            "attempt": s.attempt,
            "submitted_at": s.created_at.isoformat(),
            "status": s.status,
            "evaluated_at": s.finished_at.isoformat() if s.finished_at else "",
            "consensus_source": s.consensus_source,
            "consensus_version": _cell(s.consensus_version),
            "consensus_contributors": len(s.consensus_contributors or []),
            "past_evaluations": getattr(s, "n_past", 0),
        }
        for col, path in SUMMARY_COLUMNS:
            row[col] = _cell(_get(sm, path)) if done else ""
        verdict = sm.get("verdict") or {}
        row["verdict_failed"] = "; ".join(verdict.get("failed") or []) if done else ""
        row["error_classes"] = (
            "; ".join(f"{e.get('structure')} {e.get('kind')}" for e in sm.get("error_classes") or []) if done else ""
        )
        row["warnings"] = "; ".join(w.get("code", "") for w in sm.get("warnings") or []) if done else ""
        rows.append(row)
    return rows


def rows_to_csv(rows: list[dict]) -> str:
    """CSV text (a header of :data:`COLUMNS`, then the rows)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _base() -> QuerySet[Submission]:
    return (
        Submission.objects.select_related("case", "case__dataset", "trainee")
        .annotate(n_past=Count("past_evaluations", distinct=True))
        .order_by("trainee__username", "case__dataset_id", "case_id", "attempt", "id")
    )


def _cohort_names(cohorts: Iterable[Cohort]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for c in cohorts:
        for tid in c.trainees.values_list("pk", flat=True):
            out.setdefault(tid, []).append(c.name)
    return out


def export_results(
    *,
    reader: User | None,
    cohort: Cohort | None = None,
    dataset: Dataset | None = None,
    trainee: User | None = None,
) -> str:
    """The CSV of the results of a cohort, a dataset or a trainee, as ``reader`` may see them.

    Parameters
    ----------
    reader : User or None
        A supervisor: only submissions to cases of datasets they created (never another supervisor's scores, even
        for a trainee they share). None (the command line, run by the site): everything in scope.
    cohort : Cohort, optional
        Its trainees' submissions to the cases of its datasets.
    dataset : Dataset, optional
        Every submission to its cases.
    trainee : User, optional
        The trainee's submissions.

    Returns
    -------
    str
        CSV text, one row per submission (archived cases included).

    Raises
    ------
    ValueError
        Not exactly one of ``cohort``, ``dataset``, ``trainee``.
    """
    if sum(x is not None for x in (cohort, dataset, trainee)) != 1:
        raise ValueError("Export the results of one cohort, one dataset or one trainee.")
    qs = _base().filter(case__dataset__isnull=False)
    if reader is not None:
        qs = qs.filter(case__dataset__created_by=reader)
    if cohort is not None:
        qs = qs.filter(case__dataset__cohorts=cohort, trainee__in=cohort.trainees.all()).distinct()
        names = _cohort_names([cohort])
    elif dataset is not None:
        qs = qs.filter(case__dataset=dataset)
        names = _cohort_names(dataset.cohorts.all())
    else:
        assert trainee is not None
        qs = qs.filter(trainee=trainee)
        cohorts = trainee.cohorts.all() if reader is None else trainee.cohorts.filter(supervisor=reader)
        names = _cohort_names(cohorts)
    return rows_to_csv(result_rows(qs, cohort_names=names))
