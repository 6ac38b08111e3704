"""Plain data the PDF reports render, and the pure summaries computed from it (no Django, no ORM).

The application fills these objects (``backend/progress/selectors.py``); :mod:`reports.trainee` and
:mod:`reports.cohort` only read them. Every number a report prints is computed here or in
:mod:`backend.cmr.reliability`, so tests can compare the PDF's text with the functions' results.

Conventions
-----------
* Deltas are **trainee minus consensus**: ``delta_map_ms`` in ms (T1, T2 or T2*), ``delta_wall_thickness_mm`` in mm.
* Time order is ``(created_at, attempt)``; attempts equal in both keep the order they were given in.
* **Within tolerance** (:func:`attempt_within`) is the verdict stored with the evaluation
  (:func:`backend.cmr.summary.evaluation_summary`, judged with the tolerances of its dataset when it ran); a report
  never re-judges an attempt. :class:`Tolerances` only says what the report prints and draws.
* **Accreditation** (:func:`accreditation_status`): a case *qualifies* when the trainee's last ``N`` submissions on
  that case are all within tolerance (a case with fewer than ``N`` submissions does not qualify yet); the trainee
  is accredited when at least ``M`` distinct cases qualify. ``N`` and ``M`` are :class:`AccreditationRule`'s
  ``last_n`` and ``min_cases`` (the dataset's "the last N submissions within all tolerances on at least M distinct
  cases").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeGuard

from backend.cmr.summary import Tolerances as SummaryTolerances

MAP_QUANTITY_LABELS = {"t1_ms": "T1", "t2_ms": "T2", "t2star_ms": "T2*"}
"""Display names of the map quantities (``Attempt.map_quantity``)."""


def quantity_label(quantities: Iterable[str | None]) -> str:
    """Display name of one or more map quantities: ``"T1"``, ``"T1/T2*"``; ``"map"`` when there is none.

    Parameters
    ----------
    quantities : iterable of str or None
        ``"t1_ms"``, ``"t2_ms"``, ``"t2star_ms"`` (None and unknown values are ignored).

    Returns
    -------
    str
    """
    seen = [q for q in MAP_QUANTITY_LABELS if q in set(quantities)]
    return "/".join(MAP_QUANTITY_LABELS[q] for q in seen) if seen else "map"


# ---------------------------------------------------------------------------------------------------------------
# The data objects
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerances:
    """The tolerances a report prints and draws as bands (the verdicts themselves come with each attempt).

    Attributes
    ----------
    dice : float
        Minimum myocardial Dice (0..1).
    map_ms : float or None
        Maximum ``|trainee - consensus|`` of the myocardial map mean of the report's quantity, ms; None when it is
        relative (T2* in %) or there is no map.
    wall_thickness_mm : float
        Maximum ``|trainee - consensus|`` of the mean wall thickness, mm.
    map_percent : float or None
        Maximum ``|dT2*|`` in % of the consensus, when the T2* tolerance is relative.
    """

    dice: float
    map_ms: float | None
    wall_thickness_mm: float
    map_percent: float | None = None

    @classmethod
    def for_quantity(cls, tolerances: SummaryTolerances, quantity: str | None) -> Tolerances:
        """The report's view of a dataset's :class:`backend.cmr.summary.Tolerances` for one map quantity.

        Parameters
        ----------
        tolerances : backend.cmr.summary.Tolerances
        quantity : {"t1_ms", "t2_ms", "t2star_ms"} or None
        """
        pct = None
        if quantity == "t1_ms":
            ms: float | None = tolerances.t1_ms
        elif quantity == "t2_ms":
            ms = tolerances.t2_ms
        elif quantity == "t2star_ms":
            ms, pct = tolerances.t2star_ms, (tolerances.t2star_percent if tolerances.t2star_ms is None else None)
        else:
            ms = tolerances.t1_ms
        return cls(dice=tolerances.dice, map_ms=ms, wall_thickness_mm=tolerances.wall_thickness_mm, map_percent=pct)

    def map_limit_text(self) -> str:
        """The map tolerance as printed: ``"≤ 8.4 ms"``, ``"≤ 10 %"``, or ``"–"``."""
        if self.map_ms is not None:
            return f"≤ {self.map_ms:.1f} ms"
        if self.map_percent is not None:
            return f"≤ {self.map_percent:g} %"
        return "–"

    def describe(self, quantity: str = "map") -> str:
        """One line, e.g. ``"Dice ≥ 0.850, |ΔT1| ≤ 8.4 ms, |ΔWT| ≤ 1.5 mm"``.

        Parameters
        ----------
        quantity : str
            Display name of the map quantity (``"T1"``, ``"T2*"``, ``"map"``).
        """
        return f"Dice ≥ {self.dice:.3f}, |Δ{quantity}| {self.map_limit_text()}, |ΔWT| ≤ {self.wall_thickness_mm:.1f} mm"


@dataclass(frozen=True)
class AccreditationRule:
    """ "The last N submissions within all tolerances on at least M distinct cases" (module docstring).

    Attributes
    ----------
    last_n : int
        N, the number of most recent submissions on a case that must all be within tolerance (>= 1).
    min_cases : int
        M, the number of distinct cases that must qualify (>= 1).

    Raises
    ------
    ValueError
        ``last_n`` or ``min_cases`` below 1.
    """

    last_n: int
    min_cases: int

    def __post_init__(self) -> None:
        if self.last_n < 1 or self.min_cases < 1:
            raise ValueError(
                f"an accreditation rule needs last_n >= 1 and min_cases >= 1, "
                f"got last_n={self.last_n}, min_cases={self.min_cases}"
            )

    def describe(self) -> str:
        """The rule as a sentence (printed on every report)."""
        subs = "submission" if self.last_n == 1 else f"{self.last_n} submissions"
        cases = "1 case" if self.min_cases == 1 else f"{self.min_cases} distinct cases"
        return (
            f"Accredited when, on at least {cases}, the trainee's last {subs} on that case "
            f"{'is' if self.last_n == 1 else 'are all'} within every tolerance."
        )


@dataclass
class Attempt:
    """One evaluated submission of a trainee on a case.

    Attributes
    ----------
    case_id, case_title : int, str
    attempt : int
        The application's attempt number on the case (1, 2, ...).
    created_at : datetime
        When the submission was made (timezone-aware UTC preferred; all attempts alike).
    dice : float or None
        Myocardial Dice (0..1).
    hd_mm, hd95_mm, msd_mm : float or None
        Hausdorff distance, its 95th-percentile version and the mean surface distance, mm (the worse of
        endocardium and epicardium for HD / HD95, their mean for MSD, as the application fills them).
    map_quantity : str or None
        ``"t1_ms"``, ``"t2_ms"``, ``"t2star_ms"`` or None (no map on the case).
    trainee_map_ms, consensus_map_ms, delta_map_ms : float or None
        Myocardial mean of the map inside the trainee's / the consensus's myocardium, and their difference
        (trainee - consensus), ms.
    delta_wall_thickness_mm : float or None
        Mean wall thickness, trainee - consensus, mm.
    verdict : {"within", "outside", "not_assessed"} or None
        The verdict stored with the evaluation (:func:`attempt_within`).
    verdict_message : str
        Its sentence: which tolerance failed and by how much.
    error_classes : list of dict
        The attempt's error classes (``backend.cmr.error_classes``: structure, kind, size_mm, sectors,
        explanation, map_effect), as stored with its evaluation.
    segments : list of dict
        Its six bullseye segments (name, signed_distance_mm, endocardium_mm, epicardium_mm, myocardium_excess_mm,
        delta_map), or none.
    consensus_source : str
        What the attempt was compared with (gold standard, CNN consensus, team average...).
    overlay_png : bytes or None
        The discrepancy overlay (PNG), attached for the attempts a report shows as thumbnails.
    dataset_id, dataset_name : int or None, str
        The dataset of the case (whose accreditation rule applies to it; :func:`accreditation_by_dataset`).
    """

    case_id: int
    case_title: str
    attempt: int
    created_at: datetime
    dice: float | None = None
    hd_mm: float | None = None
    hd95_mm: float | None = None
    msd_mm: float | None = None
    map_quantity: str | None = None
    trainee_map_ms: float | None = None
    consensus_map_ms: float | None = None
    delta_map_ms: float | None = None
    delta_wall_thickness_mm: float | None = None
    verdict: str | None = None
    verdict_message: str = ""
    error_classes: list[dict] = field(default_factory=list)
    segments: list[dict] = field(default_factory=list)
    consensus_source: str = ""
    overlay_png: bytes | None = None
    dataset_id: int | None = None
    dataset_name: str = ""


@dataclass(frozen=True)
class DatasetRule:
    """The accreditation rule of one dataset (each dataset's rule applies to its own cases only).

    Attributes
    ----------
    dataset_id : int or None
        Matches ``Attempt.dataset_id``.
    dataset_name : str
    rule : AccreditationRule
    """

    dataset_id: int | None
    dataset_name: str
    rule: AccreditationRule


@dataclass
class TraineeReportData:
    """Everything a trainee's progress report shows.

    Attributes
    ----------
    trainee_name, username : str
    cohort_names, dataset_names, consensus_sources : list of str
    period : (date, date) or None
        First and last day covered; None: derived from the attempts.
    tolerances : Tolerances
    rule : AccreditationRule
    attempts : list of Attempt
        Evaluated submissions, any order (the report sorts them by time).
    generated_at : datetime
        Printed in UTC (a naive datetime is taken as UTC).
    site_name : str
        Shown in the footer.
    dataset_rules : list of DatasetRule
        Each dataset's own accreditation rule (:func:`trainee_accreditation`); empty: ``rule`` for every attempt.
    repeatability : list of dict
        The trainee's own repeatability on hidden repeat cases, one dict per case and repeat both submitted
        (``backend.submissions.selectors.repeatability_list``): ``case_title``, ``repeat_title``, ``transform``,
        ``dice``, ``hd95_mm``, ``map_quantity``, ``abs_delta_map``, ``abs_delta_wall_thickness_mm``.
    """

    trainee_name: str
    username: str
    cohort_names: list[str]
    dataset_names: list[str]
    consensus_sources: list[str]
    period: tuple[date, date] | None
    tolerances: Tolerances
    rule: AccreditationRule
    attempts: list[Attempt]
    generated_at: datetime
    site_name: str = "MyoQA"
    dataset_rules: list[DatasetRule] = field(default_factory=list)
    repeatability: list[dict] = field(default_factory=list)


@dataclass
class CohortReportData:
    """Everything a class (cohort) report shows: one :class:`TraineeReportData` per trainee.

    Attributes
    ----------
    cohort_name, supervisor_name : str
    dataset_names : list of str
    tolerances : Tolerances
    rule : AccreditationRule
    trainees : list of TraineeReportData
    generated_at : datetime
    site_name : str
    """

    cohort_name: str
    supervisor_name: str
    dataset_names: list[str]
    tolerances: Tolerances
    rule: AccreditationRule
    trainees: list[TraineeReportData]
    generated_at: datetime
    site_name: str = "MyoQA"


# ---------------------------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------------------------
def _finite(v: float | None) -> TypeGuard[float]:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def time_ordered(attempts: Sequence[Attempt]) -> list[Attempt]:
    """The attempts sorted by ``(created_at, attempt)``; full ties keep their given order (stable sort)."""
    return sorted(attempts, key=lambda a: (a.created_at, a.attempt))


def by_case(attempts: Sequence[Attempt]) -> dict[int, list[Attempt]]:
    """Attempts grouped by ``case_id`` (cases in order of ``case_id``), each group in time order."""
    groups: dict[int, list[Attempt]] = {}
    for a in time_ordered(attempts):
        groups.setdefault(a.case_id, []).append(a)
    return {k: groups[k] for k in sorted(groups)}


def latest_per_case(attempts: Sequence[Attempt]) -> dict[int, Attempt]:
    """The most recent attempt on each case, keyed by ``case_id`` (in ``case_id`` order)."""
    return {k: v[-1] for k, v in by_case(attempts).items()}


def attempt_index_on_case(attempts: Sequence[Attempt]) -> list[tuple[int, Attempt]]:
    """``(k, attempt)`` pairs where ``k`` = 1 for the first attempt on its case, 2 for the second, ... (time order).

    The rank is recomputed from the times, so gaps in ``Attempt.attempt`` (e.g. failed uploads) do not matter.
    """
    out: list[tuple[int, Attempt]] = []
    for group in by_case(attempts).values():
        out.extend((i + 1, a) for i, a in enumerate(group))
    return out


def abs_or_none(v: float | None) -> float | None:
    """``abs(v)``, or None when ``v`` is None or not finite."""
    return abs(v) if _finite(v) else None


def attempt_within(a: Attempt) -> bool | None:
    """Whether an attempt is within every tolerance: its stored verdict, never re-judged (module docstring).

    Parameters
    ----------
    a : Attempt

    Returns
    -------
    bool or None
        True ("within"), False ("outside"), None (not assessed, or no verdict).
    """
    return {"within": True, "outside": False}.get(a.verdict or "")


@dataclass(frozen=True)
class MetricSummary:
    """Latest, best and median of one metric over a trainee's attempts (None where no attempt has a value).

    Attributes
    ----------
    latest : float or None
        The value of the most recent attempt that has one.
    best : float or None
        Highest Dice; lowest HD95, ``|Δmap|``, ``|ΔWT|``.
    median : float or None
        Median over every attempt that has a value.
    n : int
        Attempts with a value.
    """

    latest: float | None
    best: float | None
    median: float | None
    n: int


@dataclass(frozen=True)
class TraineeSummary:
    """A trainee's attempts in numbers (:func:`summarise`).

    Attributes
    ----------
    cases_done : int
        Distinct cases with at least one attempt.
    attempts : int
    attempts_within : int
        Attempts within every tolerance (:func:`attempt_within` is True).
    dice, hd95_mm, abs_delta_map_ms, abs_delta_wall_thickness_mm : MetricSummary
        Myocardial Dice; HD95 in mm; ``|Δmap|`` in ms; ``|ΔWT|`` in mm.
    map_quantities : tuple of str
        The map quantities present (``"t1_ms"``, ...), in a fixed order.
    first_at, last_at : datetime or None
        Times of the first and last attempt.
    """

    cases_done: int
    attempts: int
    attempts_within: int
    dice: MetricSummary
    hd95_mm: MetricSummary
    abs_delta_map_ms: MetricSummary
    abs_delta_wall_thickness_mm: MetricSummary
    map_quantities: tuple[str, ...] = field(default=())
    first_at: datetime | None = None
    last_at: datetime | None = None


def _metric(
    ordered: Sequence[Attempt], get: Callable[[Attempt], float | None], higher_is_better: bool
) -> MetricSummary:
    vals = [v for v in (get(a) for a in ordered) if _finite(v)]
    if not vals:
        return MetricSummary(None, None, None, 0)
    return MetricSummary(
        latest=float(vals[-1]),
        best=float(max(vals) if higher_is_better else min(vals)),
        median=float(statistics.median(vals)),
        n=len(vals),
    )


def summarise(attempts: Sequence[Attempt]) -> TraineeSummary:
    """Counts and latest / best / median of Dice, HD95, ``|Δmap|`` and ``|ΔWT|`` over a trainee's attempts.

    Parameters
    ----------
    attempts : sequence of Attempt
        Any order; None and non-finite values are skipped metric by metric.

    Returns
    -------
    TraineeSummary
        With no attempts: zero counts and None everywhere.
    """
    ordered = time_ordered(attempts)
    quantities = tuple(q for q in MAP_QUANTITY_LABELS if any(a.map_quantity == q for a in ordered))
    return TraineeSummary(
        cases_done=len({a.case_id for a in ordered}),
        attempts=len(ordered),
        attempts_within=sum(1 for a in ordered if attempt_within(a) is True),
        dice=_metric(ordered, lambda a: a.dice, True),
        hd95_mm=_metric(ordered, lambda a: a.hd95_mm, False),
        abs_delta_map_ms=_metric(ordered, lambda a: abs_or_none(a.delta_map_ms) if a.map_quantity else None, False),
        abs_delta_wall_thickness_mm=_metric(ordered, lambda a: abs_or_none(a.delta_wall_thickness_mm), False),
        map_quantities=quantities,
        first_at=ordered[0].created_at if ordered else None,
        last_at=ordered[-1].created_at if ordered else None,
    )


@dataclass(frozen=True)
class CaseRow:
    """One line of a trainee's per-case table (:func:`case_rows`).

    Attributes
    ----------
    case_id, case_title : int, str
    attempts : int
    latest_dice, best_dice : float or None
    latest_hd95_mm : float or None
    latest_delta_map_ms : float or None
        Signed, trainee - consensus, ms (of ``map_quantity``).
    map_quantity : str or None
    latest_delta_wall_thickness_mm : float or None
        Signed, trainee - consensus, mm.
    latest_verdict : {"within", "outside", "not_assessed"} or None
        The latest attempt's stored verdict, as stored.
    latest_within : bool or None
        Whether the latest attempt is within every tolerance (its stored verdict).
    latest_verdict_message : str
        The latest attempt's verdict sentence (which tolerance failed and by how much).
    qualifies : bool
        Whether the case counts towards accreditation (its last N attempts all within).
    latest_at : datetime
    """

    case_id: int
    case_title: str
    attempts: int
    latest_dice: float | None
    best_dice: float | None
    latest_hd95_mm: float | None
    latest_delta_map_ms: float | None
    map_quantity: str | None
    latest_delta_wall_thickness_mm: float | None
    latest_verdict: str | None
    latest_within: bool | None
    latest_verdict_message: str
    qualifies: bool
    latest_at: datetime


def _case_qualifies(group: Sequence[Attempt], rule: AccreditationRule) -> bool:
    return len(group) >= rule.last_n and all(attempt_within(a) is True for a in group[-rule.last_n :])


def case_rows(attempts: Sequence[Attempt], rule: AccreditationRule) -> list[CaseRow]:
    """The per-case table of a trainee: one row per case (in ``case_id`` order), values of the latest attempt.

    Parameters
    ----------
    attempts : sequence of Attempt
    rule : AccreditationRule

    Returns
    -------
    list of CaseRow
    """
    rows = []
    for group in by_case(attempts).values():
        last = group[-1]
        dices = [d for d in (a.dice for a in group) if _finite(d)]
        rows.append(
            CaseRow(
                case_id=last.case_id,
                case_title=last.case_title,
                attempts=len(group),
                latest_dice=last.dice if _finite(last.dice) else None,
                best_dice=max(dices) if dices else None,
                latest_hd95_mm=last.hd95_mm if _finite(last.hd95_mm) else None,
                latest_delta_map_ms=last.delta_map_ms if (last.map_quantity and _finite(last.delta_map_ms)) else None,
                map_quantity=last.map_quantity,
                latest_delta_wall_thickness_mm=(
                    last.delta_wall_thickness_mm if _finite(last.delta_wall_thickness_mm) else None
                ),
                latest_verdict=last.verdict,
                latest_within=attempt_within(last),
                latest_verdict_message=last.verdict_message,
                qualifies=_case_qualifies(group, rule),
                latest_at=last.created_at,
            )
        )
    return rows


@dataclass(frozen=True)
class AccreditationStatus:
    """Outcome of :func:`accreditation_status`.

    Attributes
    ----------
    met : bool
    cases_within : int
        Cases whose last N submissions are all within tolerance.
    required : int
        M, the cases the rule requires.
    explanation : str
        A sentence with the numbers (printed in the report's status box).
    """

    met: bool
    cases_within: int
    required: int
    explanation: str


def accreditation_status(attempts: Sequence[Attempt], rule: AccreditationRule) -> AccreditationStatus:
    """Whether a trainee meets the accreditation rule (module docstring), with an explanation.

    Parameters
    ----------
    attempts : sequence of Attempt
        All the trainee's evaluated submissions (any order).
    rule : AccreditationRule

    Returns
    -------
    AccreditationStatus
    """
    n, m = rule.last_n, rule.min_cases
    groups = by_case(attempts)
    last_word = "submission" if n == 1 else f"{n} submissions"
    if not groups:
        return AccreditationStatus(
            False, 0, m, f"Not met: no evaluated submissions yet ({m} qualifying case{'s' if m != 1 else ''} required)."
        )
    qualifying = [g[-1].case_title for g in groups.values() if _case_qualifies(g, rule)]
    too_few = sum(1 for g in groups.values() if len(g) < n)
    outside = len(groups) - len(qualifying) - too_few
    q = len(qualifying)
    case_s = "case" if q == 1 else "cases"
    head = (
        f"{q} {case_s} of {len(groups)} attempted {'has' if q == 1 else 'have'} the last {last_word} "
        f"within every tolerance ({m} required)"
    )
    if q >= m:
        return AccreditationStatus(True, q, m, f"Met: {head}.")
    reasons = []
    if outside:
        reasons.append(f"{outside} case{'s' if outside != 1 else ''} with a recent submission outside tolerance")
    if too_few:
        reasons.append(f"{too_few} case{'s' if too_few != 1 else ''} with fewer than {last_word}")
    missing = m - q
    tail = f"; {' and '.join(reasons)}" if reasons else ""
    return AccreditationStatus(
        False, q, m, f"Not met: {head}{tail}; {missing} more qualifying case{'s' if missing != 1 else ''} needed."
    )


@dataclass(frozen=True)
class DatasetAccreditation:
    """Accreditation on one dataset: its rule applied to its cases only (:func:`accreditation_by_dataset`).

    Attributes
    ----------
    dataset_id : int or None
    dataset_name : str
    rule : AccreditationRule
    status : AccreditationStatus
    rows : list of CaseRow
        The dataset's cases (:func:`case_rows` with its rule).
    """

    dataset_id: int | None
    dataset_name: str
    rule: AccreditationRule
    status: AccreditationStatus
    rows: list[CaseRow]


def accreditation_by_dataset(
    attempts: Sequence[Attempt], dataset_rules: Sequence[DatasetRule]
) -> list[DatasetAccreditation]:
    """Each dataset's rule applied to that dataset's attempts only (:func:`accreditation_status`, :func:`case_rows`).

    Parameters
    ----------
    attempts : sequence of Attempt
        A trainee's evaluated submissions (any order); those of a dataset not in ``dataset_rules`` are ignored.
    dataset_rules : sequence of DatasetRule
        In the order the results are wanted.

    Returns
    -------
    list of DatasetAccreditation
        One per dataset rule, a dataset without attempts included (not met).
    """
    out = []
    for d in dataset_rules:
        mine = [a for a in attempts if a.dataset_id == d.dataset_id]
        out.append(
            DatasetAccreditation(
                dataset_id=d.dataset_id,
                dataset_name=d.dataset_name,
                rule=d.rule,
                status=accreditation_status(mine, d.rule),
                rows=case_rows(mine, d.rule),
            )
        )
    return out


def trainee_accreditation(data: TraineeReportData) -> list[DatasetAccreditation]:
    """A report's accreditation per dataset; with no ``dataset_rules``, ``data.rule`` over every attempt."""
    if data.dataset_rules:
        return accreditation_by_dataset(data.attempts, data.dataset_rules)
    status = accreditation_status(data.attempts, data.rule)
    return [DatasetAccreditation(None, "", data.rule, status, case_rows(data.attempts, data.rule))]


def accreditation_overall(per_dataset: Sequence[DatasetAccreditation]) -> AccreditationStatus:
    """One status over several datasets: met when every dataset's rule is met; the counts summed.

    Parameters
    ----------
    per_dataset : sequence of DatasetAccreditation

    Returns
    -------
    AccreditationStatus
        A single dataset's own status; otherwise the explanation names each dataset with its own sentence.
    """
    if len(per_dataset) == 1:
        return per_dataset[0].status
    if not per_dataset:
        return AccreditationStatus(False, 0, 0, "Not met: no dataset to be accredited on.")
    return AccreditationStatus(
        met=all(d.status.met for d in per_dataset),
        cases_within=sum(d.status.cases_within for d in per_dataset),
        required=sum(d.status.required for d in per_dataset),
        explanation=" ".join(f"{d.dataset_name}: {d.status.explanation}" for d in per_dataset),
    )


def report_period(data: TraineeReportData) -> tuple[date, date] | None:
    """``data.period`` or, when None, the first and last day of the attempts (None without attempts)."""
    if data.period is not None:
        return data.period
    if not data.attempts:
        return None
    ordered = time_ordered(data.attempts)
    return ordered[0].created_at.date(), ordered[-1].created_at.date()


def as_utc(t: datetime) -> datetime:
    """``t`` in UTC; a naive datetime is taken to be UTC already."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
