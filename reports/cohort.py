"""A class (cohort) progress report (PDF, A4): every trainee against the consensus, and the trainees against each
other (eriksen et al., sec. I and IV: "a standardized report ... for an individual trainee, or team of trainees").

Contents: the title block; the class at a glance; the trainee table (summary and accreditation status, header
repeated across pages); box plots per trainee of Dice, HD95, Δmap and ΔWT with the tolerances (at most
``BOX_ROWS_PER_FIGURE`` trainees per figure); the class learning curve (median and inter-quartile band per attempt
index on a case); which error classes dominate the class (:func:`class_error_classes`: the share of the latest
submissions with each stored error class); agreement between trainees (ICC(2,1) of the myocardial map mean with its 95 % CI, and the CV
across trainees per case); outliers (trainees and cases, with their numbers); notes.

Agreement between trainees (:func:`map_agreement`)
    Targets are cases, raters are trainees, the value is the trainee's myocardial mean (T1, T2 or T2*, one analysis
    per quantity) of their **latest submission on the case that has one**. The ICC needs a complete table, so it
    uses only the cases that **every included trainee** did. Trainees who did few cases would shrink that set to
    nothing, so trainees are left out one at a time, fewest cases first, and the table with the most ratings
    (cases x trainees, at least 2 x 2; ties: more trainees) is used; the report names the trainees left out. The
    CV per case uses every trainee who did the case.

Outliers (:func:`trainee_outliers`, :func:`case_outliers`)
    A trainee is listed when their median Dice (over all their submissions) is below ``Q1 - 1.5 IQR`` of the class's
    trainee medians (Tukey's fence; quartiles by numpy's linear interpolation) or below the Dice tolerance. The
    ``N_CASE_OUTLIERS`` cases with the lowest median Dice across trainees (latest submissions) and those with the
    highest CV are listed.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from backend.cmr.reliability import ICCResult, coefficient_of_variation, icc_2_1

from . import figures
from .data import (
    MAP_QUANTITY_LABELS,
    CohortReportData,
    DatasetAccreditation,
    TraineeReportData,
    TraineeSummary,
    abs_or_none,
    accreditation_overall,
    as_utc,
    attempt_index_on_case,
    by_case,
    latest_per_case,
    quantity_label,
    report_period,
    summarise,
    trainee_accreditation,
)
from .style import (
    ERROR_KIND_LABELS,
    FRAME_WIDTH,
    MARGIN,
    PAGE_SIZE,
    error_kind_label,
    esc,
    figure,
    fmt_datetime_utc,
    fmt_dice,
    fmt_dice_near,
    fmt_num,
    key_value_table,
    numbered_canvas,
    styles,
    table,
    truncate,
)
from .trainee import attempt_error_classes

BOX_ROWS_PER_FIGURE = 30
"""Trainees per box-plot figure (a larger class gets several figures)."""

CASE_ROWS_PER_FIGURE = 40
"""Cases per agreement figure."""

N_CASE_OUTLIERS = 3
"""Cases listed as the lowest median Dice and as the highest CV."""


def fmt_icc(v: float) -> str:
    """An ICC or a bound of its CI, 3 decimals (``0.873``), or ``–``."""
    return f"{v:.3f}" if v is not None and math.isfinite(v) else "–"


def fmt_p(p: float) -> str:
    """``p < 0.001`` or ``p = 0.012``."""
    if not math.isfinite(p):
        return "p not computable"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _display_name(t: TraineeReportData) -> str:
    return t.trainee_name or t.username


# ---------------------------------------------------------------------------------------------------------------
# Pure computations (tested directly)
# ---------------------------------------------------------------------------------------------------------------
def class_learning_curve(trainees: list[TraineeReportData]) -> dict[str, list[tuple[int, float, float, float, int]]]:
    """Quartiles of each metric per attempt index on a case (1st, 2nd, ... submission on that case).

    Parameters
    ----------
    trainees : list of TraineeReportData

    Returns
    -------
    dict
        ``{"dice", "hd95", "dmap", "dwt"}`` -> ``[(k, q25, median, q75, n), ...]`` over every trainee's ``k``-th
        submission on each case (absolute deltas for ``dmap`` in ms and ``dwt`` in mm; HD95 in mm).
    """
    pools: dict[str, dict[int, list[float]]] = {"dice": {}, "hd95": {}, "dmap": {}, "dwt": {}}
    for t in trainees:
        for k, a in attempt_index_on_case(t.attempts):
            for key, v in (
                ("dice", a.dice),
                ("hd95", a.hd95_mm),
                ("dmap", abs_or_none(a.delta_map_ms) if a.map_quantity else None),
                ("dwt", abs_or_none(a.delta_wall_thickness_mm)),
            ):
                if v is not None and math.isfinite(v):
                    pools[key].setdefault(k, []).append(float(v))
    out: dict[str, list[tuple[int, float, float, float, int]]] = {}
    for key, per in pools.items():
        rows = []
        for k in sorted(per):
            q25, med, q75 = np.percentile(per[k], [25, 50, 75])
            rows.append((k, float(q25), float(med), float(q75), len(per[k])))
        out[key] = rows
    return out


@dataclass(frozen=True)
class ErrorClassShare:
    """How common one error class is in the class (:func:`class_error_classes`).

    Attributes
    ----------
    kind : str
        ``backend.cmr.error_classes`` kind.
    n_with : int
        Latest submissions (one per trainee and case) whose stored error classes include the kind.
    n_assessed : int
        Latest submissions compared with a consensus (they have a myocardial Dice).
    share_percent : float
        ``100 n_with / n_assessed``.
    n_trainees_with, n_trainees : int
        Trainees with the kind in at least one latest submission; trainees with an assessed latest submission.
    median_size_mm : float or None
        Median of the stored sizes (the largest per submission).
    """

    kind: str
    n_with: int
    n_assessed: int
    share_percent: float
    n_trainees_with: int
    n_trainees: int
    median_size_mm: float | None


def class_error_classes(trainees: list[TraineeReportData]) -> list[ErrorClassShare]:
    """Which stored error classes dominate the class, over each trainee's latest submission on each case.

    Parameters
    ----------
    trainees : list of TraineeReportData

    Returns
    -------
    list of ErrorClassShare
        The kinds that occur, most common first (ties: the order of ``backend.cmr.error_classes``); empty when no
        latest submission was compared with a consensus.
    """
    latest: list[tuple[int, list[dict]]] = []
    for i, t in enumerate(trainees):
        for a in latest_per_case(t.attempts).values():
            if a.dice is not None and math.isfinite(a.dice):
                latest.append((i, attempt_error_classes(a)))
    if not latest:
        return []
    trainees_assessed = len({i for i, _ in latest})
    kinds = list(ERROR_KIND_LABELS) + sorted(
        {str(c.get("kind")) for _, cs in latest for c in cs} - set(ERROR_KIND_LABELS)
    )
    out = []
    for kind in kinds:
        hits = [(i, [c.get("size_mm") for c in cs if c.get("kind") == kind]) for i, cs in latest]
        hits = [(i, sz) for i, sz in hits if sz]
        if not hits:
            continue
        sizes = [
            max(float(v) for v in sz if isinstance(v, (int, float)) and math.isfinite(v))
            for _, sz in hits
            if any(isinstance(v, (int, float)) and math.isfinite(v) for v in sz)
        ]
        out.append(
            ErrorClassShare(
                kind=kind,
                n_with=len(hits),
                n_assessed=len(latest),
                share_percent=100.0 * len(hits) / len(latest),
                n_trainees_with=len({i for i, _ in hits}),
                n_trainees=trainees_assessed,
                median_size_mm=float(np.median(sizes)) if sizes else None,
            )
        )
    order = {k: j for j, k in enumerate(kinds)}
    return sorted(out, key=lambda e: (-e.n_with, order[e.kind]))


@dataclass(frozen=True)
class CaseAgreement:
    """One case across trainees (their latest submission on it).

    Attributes
    ----------
    case_id, case_title : int, str
    n_trainees : int
        Trainees who did the case.
    dice : tuple of float
        Their latest myocardial Dice.
    median_dice : float or None
    quantity : str or None
        Map quantity of the case.
    map_values_ms : tuple of float
        Their latest myocardial means (ms).
    mean_ms, sd_ms, cv_percent : float
        Of ``map_values_ms`` (SD ``ddof=1``; CV = 100 SD / mean); NaN with fewer than 2 values.
    """

    case_id: int
    case_title: str
    n_trainees: int
    dice: tuple[float, ...]
    median_dice: float | None
    quantity: str | None
    map_values_ms: tuple[float, ...]
    mean_ms: float
    sd_ms: float
    cv_percent: float


def case_agreements(trainees: list[TraineeReportData]) -> list[CaseAgreement]:
    """Per case (in ``case_id`` order): the trainees' latest Dice and myocardial means, their median and CV."""
    dice: dict[int, list[float]] = {}
    maps: dict[int, list[float]] = {}
    titles: dict[int, str] = {}
    quantity: dict[int, str] = {}
    count: dict[int, int] = {}
    for t in trainees:
        groups = by_case(t.attempts)
        for cid, g in groups.items():
            titles[cid] = g[-1].case_title
            count[cid] = count.get(cid, 0) + 1
            last = g[-1]
            if last.dice is not None and math.isfinite(last.dice):
                dice.setdefault(cid, []).append(float(last.dice))
            with_map = [
                (a.map_quantity, a.trainee_map_ms)
                for a in g
                if a.map_quantity in MAP_QUANTITY_LABELS
                and a.trainee_map_ms is not None
                and math.isfinite(a.trainee_map_ms)
            ]
            if with_map:
                q, value = with_map[-1]
                maps.setdefault(cid, []).append(float(value or 0.0))  # finite by the filter above
                quantity.setdefault(cid, q or "")
    out = []
    for cid in sorted(titles):
        d = dice.get(cid, [])
        m = maps.get(cid, [])
        mean = float(np.mean(m)) if m else float("nan")
        sd = float(np.std(m, ddof=1)) if len(m) >= 2 else float("nan")
        out.append(
            CaseAgreement(
                case_id=cid,
                case_title=titles[cid],
                n_trainees=count[cid],
                dice=tuple(d),
                median_dice=float(np.median(d)) if d else None,
                quantity=quantity.get(cid),
                map_values_ms=tuple(m),
                mean_ms=mean,
                sd_ms=sd,
                cv_percent=coefficient_of_variation(m),
            )
        )
    return out


@dataclass(frozen=True)
class MapAgreement:
    """ICC(2,1) of the trainees' myocardial means for one map quantity (module docstring).

    Attributes
    ----------
    quantity : str
        ``"t1_ms"``, ``"t2_ms"`` or ``"t2star_ms"``.
    icc : ICCResult
    case_ids, case_titles : tuple
        The cases used (done by every included trainee).
    trainee_names : tuple of str
        The included trainees (raters).
    left_out : tuple of str
        Trainees with values who were left out to keep enough complete cases.
    ratings : ndarray, shape (n_cases, n_trainees)
        The table the ICC was computed on (ms).
    """

    quantity: str
    icc: ICCResult
    case_ids: tuple[int, ...]
    case_titles: tuple[str, ...]
    trainee_names: tuple[str, ...]
    left_out: tuple[str, ...]
    ratings: np.ndarray = field(repr=False)


def map_agreement(trainees: list[TraineeReportData], quantity: str) -> MapAgreement:
    """ICC(2,1) across trainees of the myocardial mean of ``quantity`` (targets = cases, raters = trainees).

    Parameters
    ----------
    trainees : list of TraineeReportData
    quantity : str
        ``"t1_ms"``, ``"t2_ms"`` or ``"t2star_ms"``.

    Returns
    -------
    MapAgreement
        With an undefined (NaN) ICC when fewer than 2 trainees share at least 2 cases.
    """
    values: list[dict[int, float]] = []
    titles: dict[int, str] = {}
    for t in trainees:
        per: dict[int, float] = {}
        for cid, g in by_case(t.attempts).items():
            ok = [
                (a.trainee_map_ms, a.case_title)
                for a in g
                if a.map_quantity == quantity and a.trainee_map_ms is not None and math.isfinite(a.trainee_map_ms)
            ]
            if ok:
                value, title = ok[-1]
                per[cid] = float(value or 0.0)  # finite by the filter above
                titles[cid] = title
        values.append(per)
    included = [i for i, v in enumerate(values) if v]
    # Drop order: fewest cases first; ties by name, then position (deterministic).
    order = sorted(included, key=lambda i: (len(values[i]), _display_name(trainees[i]), i))
    best: tuple[int, list[int], list[int]] | None = None
    current = list(included)
    for drop in [None, *order]:
        if drop is not None:
            current = [i for i in current if i != drop]
        if len(current) < 2:
            break
        common = sorted(set.intersection(*(set(values[i]) for i in current)))
        score = len(common) * len(current)
        if len(common) >= 2 and (best is None or score > best[0]):
            best = (score, list(current), common)
    if best is None:
        chosen, cases = included, sorted(set.intersection(*(set(values[i]) for i in included))) if included else []
    else:
        _, chosen, cases = best
    ratings = np.array([[values[i][c] for i in chosen] for c in cases], dtype=float).reshape(len(cases), len(chosen))
    left_out = tuple(_display_name(trainees[i]) for i in included if i not in chosen)
    return MapAgreement(
        quantity=quantity,
        icc=icc_2_1(ratings),
        case_ids=tuple(cases),
        case_titles=tuple(titles[c] for c in cases),
        trainee_names=tuple(_display_name(trainees[i]) for i in chosen),
        left_out=left_out,
        ratings=ratings,
    )


@dataclass(frozen=True)
class TraineeOutlier:
    """A trainee listed as an outlier: their median Dice and why."""

    name: str
    median_dice: float
    reasons: tuple[str, ...]


def trainee_outliers(
    names: list[str], summaries: list[TraineeSummary], tol_dice: float
) -> tuple[list[TraineeOutlier], float, float]:
    """Trainees whose median Dice is below ``Q1 - 1.5 IQR`` of the class or below the Dice tolerance.

    Parameters
    ----------
    names : list of str
    summaries : list of TraineeSummary
        Same order as ``names``.
    tol_dice : float

    Returns
    -------
    (outliers, q1, fence)
        The outliers (lowest median first), the class's first quartile of trainee medians and the fence
        ``Q1 - 1.5 IQR`` (NaN without trainee medians).
    """
    meds = [(n, s.dice.median) for n, s in zip(names, summaries, strict=True) if s.dice.median is not None]
    if not meds:
        return [], float("nan"), float("nan")
    q1, q3 = np.percentile([m for _, m in meds], [25, 75])
    fence = float(q1 - 1.5 * (q3 - q1))
    out = []
    for n, m in meds:
        reasons = []
        if m < fence:
            reasons.append(f"below the class fence Q1 − 1.5 IQR = {fence:.3f}")
        if m < tol_dice:
            reasons.append(f"below the tolerance {tol_dice:.3f}")
        if reasons:
            out.append(TraineeOutlier(n, m, tuple(reasons)))
    return sorted(out, key=lambda o: o.median_dice), float(q1), fence


def case_outliers(
    cases: list[CaseAgreement], n: int = N_CASE_OUTLIERS
) -> tuple[list[CaseAgreement], list[CaseAgreement]]:
    """The ``n`` cases with the lowest median Dice across trainees, and the ``n`` with the highest CV."""
    with_dice = [c for c in cases if c.median_dice is not None]
    with_cv = [c for c in cases if math.isfinite(c.cv_percent)]
    lowest = sorted(with_dice, key=lambda c: (c.median_dice, c.case_id))[:n]
    highest = sorted(with_cv, key=lambda c: (-c.cv_percent, c.case_id))[:n]
    return lowest, highest


# ---------------------------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------------------------
def _period(data: CohortReportData) -> tuple[date, date] | None:
    ps = [p for p in (report_period(t) for t in data.trainees) if p is not None]
    return (min(p[0] for p in ps), max(p[1] for p in ps)) if ps else None


def _title_block(data: CohortReportData, quantity: str) -> list:
    st = styles()
    period = _period(data)
    sources = sorted(
        {s for t in data.trainees for s in t.consensus_sources}
        | {a.consensus_source for t in data.trainees for a in t.attempts if a.consensus_source}
    )
    rows = [
        ("Cohort", esc(data.cohort_name)),
        ("Supervisor", esc(data.supervisor_name or "–")),
        ("Trainees", str(len(data.trainees))),
        ("Dataset(s)", esc(", ".join(data.dataset_names)) or "–"),
        ("Period", f"{period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}" if period else "no submissions"),
        ("Consensus source(s)", esc(", ".join(sources)) or "–"),
        ("Tolerances", esc(data.tolerances.describe(quantity))),
        (
            "Accreditation rule",
            f"{_rules_text(data)} Applied on {as_utc(data.generated_at):%Y-%m-%d} "
            "to every trainee's evaluated submissions.",
        ),
        ("Generated", fmt_datetime_utc(data.generated_at)),
    ]
    return [
        Paragraph("Class progress report", st["title"]),
        Paragraph(f"{esc(data.cohort_name)} · cardiac MR mapping contour training", st["subtitle"]),
        key_value_table(rows),
        Spacer(1, 8),
    ]


def _rules_text(data: CohortReportData) -> str:
    """The class's accreditation rule, or each dataset's own rule (named) when the datasets' rules differ."""
    rules = data.trainees[0].dataset_rules if data.trainees else []
    if len({r.rule for r in rules}) <= 1:
        return esc((rules[0].rule if rules else data.rule).describe())
    return " ".join(f"<b>{esc(r.dataset_name)}</b>: {esc(r.rule.describe())}" for r in rules)


def _acc_text(per: list[DatasetAccreditation]) -> str:
    """A trainee's accreditation cell: one status, or one per dataset (each with its own rule) when several."""

    def one(a) -> str:
        return f"✓ met ({a.cases_within} cases)" if a.met else f"✗ not met ({a.cases_within} of {a.required})"

    if len(per) == 1:
        return one(per[0].status)
    return "<br/>".join(f"{esc(d.dataset_name)}: {one(d.status)}" for d in per)


def _trainee_table(
    data: CohortReportData,
    summaries: list[TraineeSummary],
    per_dataset: list[list[DatasetAccreditation]],
    quantity: str,
) -> list:
    st = styles()
    head = [
        "Trainee",
        "Cases",
        "Attempts",
        "Latest Dice",
        "Median Dice",
        "Median HD95 (mm)",
        f"Median |Δ{esc(quantity)}| (ms)",
        "Median |ΔWT| (mm)",
        "Accreditation",
    ]
    rows = [head]
    extra = []
    for i, (t, s, per) in enumerate(zip(data.trainees, summaries, per_dataset, strict=True), start=1):
        a = accreditation_overall(per)
        acc = _acc_text(per)
        rows.append(
            [
                esc(_display_name(t)),
                str(s.cases_done),
                str(s.attempts),
                fmt_dice(s.dice.latest),
                fmt_dice(s.dice.median),
                fmt_num(s.hd95_mm.median),
                fmt_num(s.abs_delta_map_ms.median),
                fmt_num(s.abs_delta_wall_thickness_mm.median),
                acc,
            ]
        )
        extra.append(("TEXTCOLOR", (8, i), (8, i), "#1b5e20" if a.met else "#b71c1c"))
    w = FRAME_WIDTH
    widths = [0.17 * w, 0.07 * w, 0.095 * w, 0.08 * w, 0.08 * w, 0.1 * w, 0.1 * w, 0.1 * w, 0.205 * w]
    note = (
        "Latest: the trainee's most recent submission; medians over all their submissions; Δ = trainee − "
        "consensus. Accreditation: number of cases whose last "
        f"{data.rule.last_n} submission{'s' if data.rule.last_n != 1 else ''} are within every tolerance "
        "(per dataset, with its own rule, when the class has several)."
    )
    return [
        Paragraph("Trainees", st["h1"]),
        Paragraph(note, st["small"]),
        table(rows, widths, align_right_from=1, extra=extra),
    ]


def _box_plots(data: CohortReportData, quantity: str, fig_no: int) -> tuple[list, int]:
    st = styles()
    out: list = []
    tol = data.tolerances
    chunks = [data.trainees[i : i + BOX_ROWS_PER_FIGURE] for i in range(0, len(data.trainees), BOX_ROWS_PER_FIGURE)]
    for j, chunk in enumerate(chunks):
        png = figures.box_plots_png(
            [truncate(_display_name(t), 24) for t in chunk],
            [[a.dice for a in t.attempts] for t in chunk],
            [[a.hd95_mm for a in t.attempts] for t in chunk],
            [[a.delta_map_ms if a.map_quantity else None for a in t.attempts] for t in chunk],
            [[a.delta_wall_thickness_mm for a in t.attempts] for t in chunk],
            tol_dice=tol.dice,
            tol_map_ms=tol.map_ms,
            tol_wt_mm=tol.wall_thickness_mm,
            quantity=quantity,
        )
        lo, hi = j * BOX_ROWS_PER_FIGURE + 1, j * BOX_ROWS_PER_FIGURE + len(chunk)
        part = "" if len(chunks) == 1 else (f" (trainees {lo}–{hi})" if hi > lo else f" (trainee {lo})")
        caption = (
            f"Figure {fig_no}. Box plots per trainee{part} over all their submissions: myocardial Dice "
            f"(unitless), HD95 (mm), Δ{esc(quantity)} = trainee − consensus myocardial mean (ms, signed) and "
            "ΔWT = trainee − consensus mean wall thickness (mm, signed). Box: inter-quartile range; line: "
            "median; whiskers: 1.5 IQR; dots: submissions beyond. Green shading and dashed lines: the "
            "tolerances (HD95 has none)."
        )
        out.append(
            figure(
                png,
                caption,
                max_height=225 * mm,
                before=[Paragraph("Distribution per trainee", st["h1"])] if j == 0 else [],
            )
        )
        fig_no += 1
    return out, fig_no


def _learning_curve(data: CohortReportData, quantity: str, fig_no: int) -> tuple[list, int]:
    st = styles()
    stats = class_learning_curve(data.trainees)
    tol = data.tolerances
    png = figures.class_learning_curve_png(
        stats, tol_dice=tol.dice, tol_map_ms=tol.map_ms, tol_wt_mm=tol.wall_thickness_mm, quantity=quantity
    )
    dice_rows = stats.get("dice") or []
    numbers = "; ".join(
        f"attempt {k}: median Dice {fmt_dice(med)} (IQR {fmt_dice(q25)}–{fmt_dice(q75)}, n = {n})"
        for k, q25, med, q75, n in dice_rows[:4]
    )
    caption = (
        f"Figure {fig_no}. Class learning curve: for the 1st, 2nd, ... submission of a trainee on a case, "
        "the median (line) and inter-quartile range (band) over all trainees and cases of the myocardial "
        f"Dice (unitless), HD95 (mm), |Δ{esc(quantity)}| (ms) and |ΔWT| (mm); n = submissions at that "
        "index. Green shading: within tolerance."
    )
    out = [figure(png, caption, before=[Paragraph("Class learning curve", st["h1"])])]
    if numbers:
        out.append(Paragraph(numbers + ".", st["small"]))
    return out, fig_no + 1


def _error_classes(data: CohortReportData, fig_no: int) -> tuple[list, int]:
    st = styles()
    shares = class_error_classes(data.trainees)
    heading = Paragraph("Which errors dominate the class", st["h1"])
    if not shares:
        return [], fig_no
    n = shares[0].n_assessed
    png = figures.class_error_classes_png(
        [e.kind for e in shares], [e.share_percent for e in shares], [f"{e.n_with} / {e.n_assessed}" for e in shares]
    )
    caption = (
        f"Figure {fig_no}. The share of the class's latest submissions (one per trainee and case compared with a "
        f"consensus, n = {n}) whose stored error classes include each kind of error, most common first; at the end "
        "of each bar: submissions with it / submissions."
    )
    rows: list[list[object]] = [["Error class", "Latest submissions", "Share", "Trainees", "Median size (mm)"]]
    for e in shares:
        rows.append(
            [
                esc(error_kind_label(e.kind)),
                f"{e.n_with} / {e.n_assessed}",
                f"{e.share_percent:.0f} %",
                f"{e.n_trainees_with} / {e.n_trainees}",
                fmt_num(e.median_size_mm),
            ]
        )
    w = FRAME_WIDTH
    tab = table(rows, [0.3 * w, 0.2 * w, 0.12 * w, 0.16 * w, 0.22 * w], align_right_from=1)
    intro = (
        "The error classes stored with each trainee's latest submission on each case (as the trainees saw them on "
        "their feedback pages), counted over the class. Trainees: those with the class in at least one latest "
        "submission / trainees assessed."
    )
    out = [
        figure(png, caption, width=FRAME_WIDTH * 0.86, before=[heading, Paragraph(intro, st["small"])]),
        tab,
    ]
    return out, fig_no + 1


def _agreement(data: CohortReportData, cases: list[CaseAgreement], fig_no: int) -> tuple[list, int]:
    st = styles()
    out: list = [Paragraph("Agreement between trainees", st["h1"])]
    quantities = [q for q in MAP_QUANTITY_LABELS if any(c.quantity == q for c in cases)]
    if not quantities:
        out.append(Paragraph("No case has myocardial map values from trainees, so there is no ICC or CV.", st["body"]))
    for q in quantities:
        qn = MAP_QUANTITY_LABELS[q]
        ag = map_agreement(data.trainees, q)
        r = ag.icc
        scope = (
            f"over the {r.n} case{'s' if r.n != 1 else ''} that all {r.k} included trainees did (each "
            "trainee's latest submission with a value on each case; cases not done by every included trainee "
            "are left out)"
        )
        if ag.left_out:
            scope += f"; left out to keep enough complete cases: {esc(', '.join(ag.left_out))}"
        if r.defined:
            ci = (
                f"95 % CI {fmt_icc(r.ci_low)} to {fmt_icc(r.ci_high)}"
                if math.isfinite(r.ci_low)
                else "95 % CI not computable"
            )
            text = (
                f"<b>ICC(2,1) of the myocardial {esc(qn)} across trainees = {fmt_icc(r.icc)}</b> ({ci}; "
                f"F({r.df1}, {r.df2}) = {fmt_num(r.f, 2)}, {fmt_p(r.p)}) {scope}. Two-way random effects, "
                "absolute agreement, single rater (Shrout &amp; Fleiss 1979; McGraw &amp; Wong ICC(A,1)): "
                "targets are cases, raters are trainees."
            )
        else:
            text = (
                f"ICC(2,1) of the myocardial {esc(qn)} across trainees is not computable: it needs at least 2 "
                f"trainees who did at least 2 of the same cases ({r.n} case(s) × {r.k} trainee(s) {scope})."
            )
        out.append(Paragraph(text, st["body"]))
        cvs = [c.cv_percent for c in cases if c.quantity == q and math.isfinite(c.cv_percent)]
        if cvs:
            out.append(
                Paragraph(
                    f"CV of the myocardial {esc(qn)} across trainees per case: median {fmt_num(float(np.median(cvs)), 2)} %"
                    f" (range {fmt_num(min(cvs), 2)}–{fmt_num(max(cvs), 2)} %, {len(cvs)} cases with at least 2 "
                    "trainees).",
                    st["body"],
                )
            )
    qlabel = quantity_label(c.quantity for c in cases)
    has_values = any(c.dice or math.isfinite(c.cv_percent) for c in cases)
    chunks = (
        [cases[i : i + CASE_ROWS_PER_FIGURE] for i in range(0, len(cases), CASE_ROWS_PER_FIGURE)] if has_values else []
    )
    for j, chunk in enumerate(chunks):
        png = figures.case_agreement_png(
            [truncate(c.case_title, 26) for c in chunk],
            [c.dice for c in chunk],
            [c.cv_percent for c in chunk],
            tol_dice=data.tolerances.dice,
            quantity=qlabel,
        )
        lo, hi = j * CASE_ROWS_PER_FIGURE + 1, j * CASE_ROWS_PER_FIGURE + len(chunk)
        part = "" if len(chunks) == 1 else (f" (cases {lo}–{hi})" if hi > lo else f" (case {lo})")
        caption = (
            f"Figure {fig_no}. Per case{part}, across trainees (each trainee's latest submission): box plots "
            f"of the myocardial Dice (unitless; green: within the tolerance ≥ {data.tolerances.dice:.3f}) and "
            f"the coefficient of variation (CV = 100 · SD / mean, %) of the trainees' myocardial "
            f"{esc(qlabel)} (ms)."
        )
        out.append(figure(png, caption, max_height=230 * mm))
        fig_no += 1
    rows = [["Case", "Trainees", "Median Dice", f"Mean {esc(qlabel)} (ms)", "SD (ms)", "CV (%)"]]
    for c in cases:
        rows.append(
            [
                esc(c.case_title),
                str(c.n_trainees),
                fmt_dice(c.median_dice),
                fmt_num(c.mean_ms),
                fmt_num(c.sd_ms),
                fmt_num(c.cv_percent, 2),
            ]
        )
    w = FRAME_WIDTH
    out += [
        Paragraph("Per case", st["h2"]),
        table(rows, [0.3 * w, 0.12 * w, 0.14 * w, 0.16 * w, 0.14 * w, 0.14 * w], align_right_from=1),
    ]
    return out, fig_no


def class_repeatability(trainees: list[TraineeReportData]) -> list[dict]:
    """Per trainee with repeat cases: the number of case-repeat pairs and the median Dice, |d map| and |dWT|.

    Returns
    -------
    list of dict
        ``{"trainee", "n", "dice", "abs_delta_map", "abs_delta_wall_thickness_mm", "map_quantities"}`` (medians over
        the pairs with a value; None without one), in the order of ``trainees``.
    """

    def median(rows: list[dict], key: str) -> float | None:
        vals = [float(r[key]) for r in rows if isinstance(r.get(key), (int, float)) and math.isfinite(r[key])]
        return float(np.median(vals)) if vals else None

    out = []
    for t in trainees:
        if not t.repeatability:
            continue
        out.append(
            {
                "trainee": _display_name(t),
                "n": len(t.repeatability),
                "dice": median(t.repeatability, "dice"),
                "abs_delta_map": median(t.repeatability, "abs_delta_map"),
                "abs_delta_wall_thickness_mm": median(t.repeatability, "abs_delta_wall_thickness_mm"),
                "map_quantities": sorted({str(r["map_quantity"]) for r in t.repeatability if r.get("map_quantity")}),
            }
        )
    return out


def _repeatability(data: CohortReportData) -> list:
    """Each trainee's repeatability on hidden repeat cases, beside the agreement between trainees."""
    rows = class_repeatability(data.trainees)
    if not rows:
        return []
    st = styles()
    q = quantity_label(x for r in rows for x in r["map_quantities"])
    body: list[list[object]] = [["Trainee", "Pairs", "Median Dice", f"Median |d{q}| (ms)", "Median |dWT| (mm)"]]
    for r in rows:
        body.append(
            [
                esc(r["trainee"]),
                str(r["n"]),
                fmt_dice(r["dice"]),
                fmt_num(r["abs_delta_map"]),
                fmt_num(r["abs_delta_wall_thickness_mm"], 2),
            ]
        )
    w = FRAME_WIDTH
    note = (
        "Intra-observer variability: each trainee's latest contours of a case and of its hidden repeat (the same "
        "image under another name, possibly rotated or mirrored), compared on the same pixels; medians over the "
        "pairs. Set against the agreement between trainees above: a trainee who disagrees with themself as much as "
        "with the class needs consistency before accuracy."
    )
    return [
        Paragraph("Repeatability of each trainee", st["h1"]),
        Paragraph(note, st["small"]),
        table(body, [0.32 * w, 0.1 * w, 0.18 * w, 0.2 * w, 0.2 * w], align_right_from=1),
    ]


def _outliers(data: CohortReportData, summaries: list[TraineeSummary], cases: list[CaseAgreement]) -> list:
    st = styles()
    names = [_display_name(t) for t in data.trainees]
    outl, q1, fence = trainee_outliers(names, summaries, data.tolerances.dice)
    out: list = [Paragraph("Outliers", st["h1"]), Paragraph("Trainees", st["h2"])]
    if math.isfinite(fence):
        out.append(
            Paragraph(
                f"Class median Dice per trainee: Q1 = {fmt_dice(q1)}, fence Q1 − 1.5 IQR = "
                f"{fmt_dice(fence)}; tolerance {data.tolerances.dice:.3f}.",
                st["small"],
            )
        )
    if outl:
        rows = [["Trainee", "Median Dice", "Why listed"]]
        rows += [
            [esc(o.name), fmt_dice_near(o.median_dice, data.tolerances.dice), esc("; ".join(o.reasons))] for o in outl
        ]
        w = FRAME_WIDTH
        out.append(table(rows, [0.3 * w, 0.15 * w, 0.55 * w]))
    else:
        out.append(Paragraph("No trainee's median Dice is below the class fence or the tolerance.", st["body"]))
    lowest, highest = case_outliers(cases)
    out.append(Paragraph("Cases", st["h2"]))
    if lowest:
        out.append(
            Paragraph(
                "Lowest median Dice across trainees: "
                + "; ".join(f"{esc(c.case_title)} {fmt_dice(c.median_dice)} (n = {len(c.dice)})" for c in lowest)
                + ".",
                st["body"],
            )
        )
    if highest:
        out.append(
            Paragraph(
                "Highest CV of the myocardial map value across trainees: "
                + "; ".join(
                    f"{esc(c.case_title)} {fmt_num(c.cv_percent, 2)} % ({esc(MAP_QUANTITY_LABELS.get(c.quantity or '', ''))}"
                    f", n = {len(c.map_values_ms)})"
                    for c in highest
                )
                + ".",
                st["body"],
            )
        )
    if not lowest and not highest:
        out.append(Paragraph("No case has values from trainees.", st["body"]))
    return out


def render_cohort_report(data: CohortReportData) -> bytes:
    """Render a class (cohort) progress report.

    Parameters
    ----------
    data : CohortReportData
        Filled by the application (``backend.progress.selectors.cohort_report_data``) or by hand.

    Returns
    -------
    bytes
        The PDF (A4; text is real text, charts are 150-dpi images).
    """
    st = styles()
    summaries = [summarise(t.attempts) for t in data.trainees]
    per_dataset = [trainee_accreditation(t) for t in data.trainees]
    statuses = [accreditation_overall(p) for p in per_dataset]
    all_attempts = [a for t in data.trainees for a in t.attempts]
    quantity = quantity_label(a.map_quantity for a in all_attempts)
    story: list = _title_block(data, quantity)
    n_met = sum(1 for s in statuses if s.met)
    if not data.trainees or not all_attempts:
        story.append(
            Paragraph(
                f"{len(data.trainees)} trainee{'s' if len(data.trainees) != 1 else ''} and no evaluated submissions "
                "yet: there are no charts, agreement statistics or outliers to show.",
                st["body"],
            )
        )
        if data.trainees:
            story += _trainee_table(data, summaries, per_dataset, quantity)
    else:
        meds = [s.dice.median for s in summaries if s.dice.median is not None]
        story.append(Paragraph("The class at a glance", st["h1"]))
        story.append(
            Paragraph(
                f"{len(data.trainees)} trainees made {len(all_attempts)} evaluated submissions on "
                f"{len({a.case_id for a in all_attempts})} cases. <b>{n_met} of {len(data.trainees)} trainees meet the "
                f"accreditation rule.</b> Median of the trainees' median Dice: "
                f"{fmt_dice(float(np.median(meds)) if meds else None)}.",
                st["body"],
            )
        )
        story += _trainee_table(data, summaries, per_dataset, quantity)
        lc, fig_no = _learning_curve(data, quantity, 1)
        story += lc
        ec, fig_no = _error_classes(data, fig_no)
        story += ec
        box, fig_no = _box_plots(data, quantity, fig_no)
        story += box
        cases = case_agreements(data.trainees)
        ag, fig_no = _agreement(data, cases, fig_no)
        story += ag
        story += _repeatability(data)
        story += _outliers(data, summaries, cases)
        story.append(Spacer(1, 6))
        story.append(
            Paragraph(
                "Definitions as in the trainee reports: Dice of the myocardium; HD95 in mm (larger of the two directed "
                "95th percentiles, worse of endocardium and epicardium); Δ = trainee − consensus. ICC(2,1): Shrout "
                "&amp; Fleiss (1979), 95 % CI by their F-based formula; CV = 100 · SD (ddof 1) / mean.",
                st["small"],
            )
        )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"Class progress report: {data.cohort_name}",
        author="MyoQA",
        subject="MyoQA class training progress",
        creator="MyoQA reports",
    )
    doc.build(story, canvasmaker=numbered_canvas(data.site_name, data.cohort_name, data.generated_at))
    return buf.getvalue()
