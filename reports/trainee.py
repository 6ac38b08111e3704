"""A trainee's training-progress report (PDF, A4), for accreditation (eriksen et al., sec. I and IV).

Contents, in order: the title block (who, cohorts, datasets, period, consensus sources, tolerances, the
accreditation rule and the date it was applied, generation time); the accreditation status box; the summary table;
learning curves over the submissions in time order; the per-case table; "What kind of error" (the stored error
classes of the latest submission per case); the error classes over attempts (share of attempts with each class and
its size, per attempt index on a case); the Bland–Altman plot of the myocardial map mean (one per map quantity
present); thumbnails of the three largest discrepancies with their bullseyes (the stored per-segment signed
distance and map difference); notes on the definitions. A trainee without evaluated submissions gets the title
block, the status box and a sentence instead of the rest.

Error classes and segments are shown as the evaluation stored them (architecture convention 16): a report counts
and orders them but never classifies a contour or recomputes a segment value.

Every page has the footer ``MyoQA · <trainee> · page N of M · generated YYYY-MM-DD HH:MM UTC``.
"""

from __future__ import annotations

import io
import math
import statistics
from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.cmr.reliability import bland_altman

from . import figures
from .data import (
    MAP_QUANTITY_LABELS,
    Attempt,
    TraineeReportData,
    abs_or_none,
    as_utc,
    attempt_index_on_case,
    attempt_within,
    latest_per_case,
    quantity_label,
    report_period,
    summarise,
    time_ordered,
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
    fmt_num,
    fmt_signed,
    fmt_yes_no,
    key_value_table,
    numbered_canvas,
    png_image,
    status_box,
    styles,
    table,
)

N_THUMBNAILS = 3

NO_ERROR_SENTENCE = "No systematic error: the contours follow the consensus within about 1 mm."
"""What the table says for an assessed submission without error classes (the feedback page's words)."""


# ---------------------------------------------------------------------------------------------------------------
# The stored error classes and segments of an attempt
# ---------------------------------------------------------------------------------------------------------------
def attempt_error_classes(a: Attempt) -> list[dict[str, Any]]:
    """The error classes stored with an attempt's evaluation (``Attempt.error_classes``), as stored; [] if none."""
    return list(a.error_classes)


def attempt_segments(a: Attempt) -> list[dict[str, Any]]:
    """The six bullseye segments stored with an attempt (``Attempt.segments``), or [] unless there are six."""
    segs = list(a.segments)
    return segs if len(segs) == 6 else []


def _assessed(a: Attempt) -> bool:
    """Compared with a consensus (error classes exist only then): the attempt has a myocardial Dice."""
    return a.dice is not None and math.isfinite(a.dice)


def error_class_curve(attempts: Sequence[Attempt]) -> dict[str, list[tuple[int, int, int, float | None]]]:
    """Per error class that occurs: per attempt index on a case, how many assessed attempts have it and its size.

    Parameters
    ----------
    attempts : sequence of Attempt
        Any order; the index is the rank on the case in time order (:func:`reports.data.attempt_index_on_case`).
        Only attempts compared with a consensus count (:func:`_assessed`).

    Returns
    -------
    dict
        ``{kind: [(k, n_with_kind, n_assessed, median_size_mm or None), ...]}``, kinds in the order of
        ``backend.cmr.error_classes`` (only those that occur), every index ``k`` that has an assessed attempt. An
        attempt counts once per kind (its largest stored size of that kind: e.g. a missed region on both walls).
    """
    by_k: dict[int, list[Attempt]] = {}
    for k, a in attempt_index_on_case(attempts):
        if _assessed(a):
            by_k.setdefault(k, []).append(a)
    present = {c.get("kind") for a in attempts if _assessed(a) for c in attempt_error_classes(a)}
    kinds = [k for k in ERROR_KIND_LABELS if k in present] + sorted(
        str(k) for k in present if k not in ERROR_KIND_LABELS and k is not None
    )
    out: dict[str, list[tuple[int, int, int, float | None]]] = {}
    for kind in kinds:
        rows = []
        for k in sorted(by_k):
            sizes = []
            for a in by_k[k]:
                own = [c.get("size_mm") for c in attempt_error_classes(a) if c.get("kind") == kind]
                finite = [float(v) for v in own if isinstance(v, (int, float)) and math.isfinite(v)]
                if own:
                    sizes.append(max(finite) if finite else math.nan)
            with_sizes = [v for v in sizes if math.isfinite(v)]
            rows.append((k, len(sizes), len(by_k[k]), statistics.median(with_sizes) if with_sizes else None))
        out[kind] = rows
    return out


def _doc(buf: io.BytesIO, title: str, subject: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buf,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="MyoQA",
        subject=subject,
        creator="MyoQA reports",
    )


def _names(values: list[str]) -> str:
    return esc(", ".join(values)) if values else "–"


def title_block(data: TraineeReportData) -> list:
    """The title and the key-value block of a trainee report."""
    st = styles()
    period = report_period(data)
    quantities = [a.map_quantity for a in data.attempts]
    generated = as_utc(data.generated_at)
    rows = [
        ("Trainee", f"{esc(data.trainee_name)} ({esc(data.username)})"),
        ("Cohort(s)", _names(data.cohort_names)),
        ("Dataset(s)", _names(data.dataset_names)),
        ("Period", f"{period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}" if period else "no submissions"),
        (
            "Consensus source(s)",
            _names(
                sorted(set(data.consensus_sources) | {a.consensus_source for a in data.attempts if a.consensus_source})
            ),
        ),
        ("Tolerances", esc(data.tolerances.describe(quantity_label(quantities)))),
        (
            "Accreditation rule",
            f"{_rules_text(data)} Applied on {generated:%Y-%m-%d} to every "
            f"evaluated submission in the period, with the tolerances above.",
        ),
        ("Generated", fmt_datetime_utc(data.generated_at)),
    ]
    return [
        Paragraph("Training progress report", st["title"]),
        Paragraph(f"{esc(data.trainee_name)} · cardiac MR mapping contour training", st["subtitle"]),
        key_value_table(rows),
        Spacer(1, 8),
    ]


def summary_table(data: TraineeReportData) -> list:
    """The summary: counts and latest / best / median of each metric, with its tolerance."""
    st = styles()
    s = summarise(data.attempts)
    q = quantity_label(s.map_quantities)
    tol = data.tolerances
    rows = [
        ["Metric", "Latest", "Best", "Median", "Tolerance", "Attempts measured"],
        [
            "Myocardial Dice",
            fmt_dice(s.dice.latest),
            fmt_dice(s.dice.best),
            fmt_dice(s.dice.median),
            f"≥ {tol.dice:.3f}",
            str(s.dice.n),
        ],
        [
            "HD95 (mm)",
            fmt_num(s.hd95_mm.latest),
            fmt_num(s.hd95_mm.best),
            fmt_num(s.hd95_mm.median),
            "–",
            str(s.hd95_mm.n),
        ],
        [
            f"|Δ{esc(q)}| (ms)",
            fmt_num(s.abs_delta_map_ms.latest),
            fmt_num(s.abs_delta_map_ms.best),
            fmt_num(s.abs_delta_map_ms.median),
            tol.map_limit_text(),
            str(s.abs_delta_map_ms.n),
        ],
        [
            "|ΔWT| (mm)",
            fmt_num(s.abs_delta_wall_thickness_mm.latest),
            fmt_num(s.abs_delta_wall_thickness_mm.best),
            fmt_num(s.abs_delta_wall_thickness_mm.median),
            f"≤ {tol.wall_thickness_mm:.1f}",
            str(s.abs_delta_wall_thickness_mm.n),
        ],
    ]
    w = FRAME_WIDTH
    intro = (
        f"{s.attempts} evaluated submission{'s' if s.attempts != 1 else ''} on {s.cases_done} "
        f"case{'s' if s.cases_done != 1 else ''}; {s.attempts_within} within every tolerance. "
        "Latest: the most recent submission with a value; best: highest Dice, smallest distance or "
        "difference; median over all submissions."
    )
    return [
        Paragraph("Summary", st["h1"]),
        Paragraph(intro, st["body"]),
        table(rows, [0.26 * w, 0.13 * w, 0.13 * w, 0.13 * w, 0.15 * w, 0.2 * w], align_right_from=1),
    ]


def learning_curves(data: TraineeReportData) -> list:
    """The learning-curve figure over the submissions in time order."""
    st = styles()
    ordered = time_ordered(data.attempts)
    q = quantity_label(a.map_quantity for a in ordered)
    png = figures.learning_curves_png(
        [a.dice for a in ordered],
        [a.hd95_mm for a in ordered],
        [abs_or_none(a.delta_map_ms) if a.map_quantity else None for a in ordered],
        [abs_or_none(a.delta_wall_thickness_mm) for a in ordered],
        [attempt_within(a) for a in ordered],
        tol_dice=data.tolerances.dice,
        tol_map_ms=data.tolerances.map_ms,
        tol_wt_mm=data.tolerances.wall_thickness_mm,
        quantity=q,
    )
    first, last = ordered[0].created_at, ordered[-1].created_at
    subs = "submission" if len(ordered) == 1 else "submissions"
    caption = (
        f"Figure 1. Learning curves over the {len(ordered)} {subs} in time order (x: submission number, "
        f"{as_utc(first):%Y-%m-%d} to {as_utc(last):%Y-%m-%d}, all cases): myocardial Dice (unitless, 0–1), "
        f"HD95 in mm, |Δ{esc(q)}| = |trainee − consensus myocardial mean {esc(q)}| in ms, and "
        "|ΔWT| = |trainee − consensus mean wall thickness| in mm. Green shading: within tolerance (dashed "
        "line: the tolerance); dots green within every tolerance, red outside, grey not judged; blue: "
        "running median of 5 submissions. HD95 has no tolerance."
    )
    return [figure(png, caption, before=[Paragraph("Learning curves", st["h1"])])]


def _rules_text(data: TraineeReportData) -> str:
    """The accreditation rule, or each dataset's own rule (named) when the datasets' rules differ."""
    per = trainee_accreditation(data)
    if len({d.rule for d in per}) <= 1:
        return esc((per[0].rule if per else data.rule).describe())
    return " ".join(f"<b>{esc(d.dataset_name)}</b>: {esc(d.rule.describe())}" for d in per)


def per_case_table(data: TraineeReportData) -> list:
    """One row per case: attempts, latest and best Dice, the latest HD95, Δmap, ΔWT and whether within; whether the
    case qualifies is judged with its own dataset's rule."""
    st = styles()
    per = trainee_accreditation(data)
    rows_ = sorted((r for d in per for r in d.rows), key=lambda r: r.case_id)
    last_ns = {d.rule.last_n for d in per if d.rows}
    qual_head = f"Last {last_ns.pop()} within" if len(last_ns) == 1 else "Qualifies"
    quantities = {r.map_quantity for r in rows_ if r.map_quantity}
    q = quantity_label(quantities)
    mixed = len(quantities) > 1
    head = [
        "Case",
        "Attempts",
        "Latest Dice",
        "Best Dice",
        "HD95 (mm)",
        f"Δ{esc(q)} (ms)",
        "ΔWT (mm)",
        "Within",
        qual_head,
    ]
    body = [head]
    for r in rows_:
        dm = fmt_signed(r.latest_delta_map_ms)
        if mixed and r.map_quantity and r.latest_delta_map_ms is not None:
            dm = f"{dm} ({esc(MAP_QUANTITY_LABELS.get(r.map_quantity, ''))})"
        body.append(
            [
                esc(r.case_title),
                str(r.attempts),
                fmt_dice(r.latest_dice),
                fmt_dice(r.best_dice),
                fmt_num(r.latest_hd95_mm),
                dm,
                fmt_signed(r.latest_delta_wall_thickness_mm),
                fmt_yes_no(r.latest_within),
                fmt_yes_no(r.qualifies),
            ]
        )
    w = FRAME_WIDTH
    widths = [0.17 * w, 0.10 * w, 0.09 * w, 0.09 * w, 0.09 * w, 0.12 * w, 0.09 * w, 0.09 * w, 0.16 * w]
    extra = []
    for i, r in enumerate(rows_, start=1):
        if r.latest_within is False:
            extra.append(("TEXTCOLOR", (7, i), (7, i), "#b71c1c"))
    note = (
        f"Values of the latest submission on each case; Δ = trainee − consensus (signed). “Within”: the latest "
        f"submission is within every tolerance; “{qual_head}”: the case counts towards accreditation "
        "(its last N submissions within, N of its dataset's rule)."
    )
    why = [
        Paragraph(f"<b>{esc(r.case_title)}</b>: {esc(r.latest_verdict_message)}", st["small"])
        for r in rows_
        if r.latest_within is False and r.latest_verdict_message
    ]
    return [
        Paragraph("Results per case", st["h1"]),
        Paragraph(note, st["small"]),
        table(body, widths, align_right_from=1, extra=extra),
        *([Paragraph("Why the latest submission is outside, per case", st["h2"]), *why] if why else []),
    ]


def _sectors_words(sectors: Sequence[object]) -> str:
    if len(sectors) == 6:
        return "all six"
    return esc(", ".join(str(x) for x in sectors)) or "–"


def _structure_words(structure: object) -> str:
    return {"both": "both walls"}.get(str(structure), str(structure))


def error_class_table(data: TraineeReportData) -> list:
    """ "What kind of error": the stored error classes of the latest submission on each case, with explanations."""
    st = styles()
    latest = latest_per_case(data.attempts)
    body: list[list[object]] = [["Case", "Kind", "Structure", "Size (mm)", "Sectors", "Explanation"]]
    spans = []
    for a in latest.values():
        classes = attempt_error_classes(a)
        first = len(body)
        case = f"{esc(a.case_title)}<br/><font size=6.5>attempt {a.attempt}</font>"
        if not _assessed(a):
            body.append([case, "Not assessed", "–", "–", "–", "No consensus to compare with."])
        elif not classes:
            body.append([case, "None", "–", "–", "–", NO_ERROR_SENTENCE])
        for i, c in enumerate(classes if _assessed(a) else []):
            size = c.get("size_mm")
            body.append(
                [
                    case if i == 0 else "",
                    f"<b>{esc(error_kind_label(str(c.get('kind', ''))))}</b>",
                    esc(_structure_words(c.get("structure", ""))),
                    fmt_num(size if isinstance(size, (int, float)) else None),
                    _sectors_words(c.get("sectors") or []),
                    esc(c.get("explanation") or ""),
                ]
            )
        if len(body) - first > 1:
            spans.append(("SPAN", (0, first), (0, len(body) - 1)))
    w = FRAME_WIDTH
    widths = [0.11 * w, 0.13 * w, 0.125 * w, 0.075 * w, 0.15 * w, 0.41 * w]
    extra = [*spans, ("VALIGN", (0, 1), (-1, -1), "TOP"), ("ALIGN", (3, 1), (3, -1), "RIGHT")]
    note = (
        "The error classes stored with the latest submission on each case, as the feedback page showed them: the "
        "kind of error, the wall it concerns, its size in mm, the sectors it affects and what it means (with its "
        "effect on the myocardial map value of that image)."
    )
    return [
        Paragraph("What kind of error", st["h1"]),
        Paragraph(note, st["small"]),
        table(body, widths, zebra=False, extra=extra),
    ]


def error_class_curves(data: TraineeReportData, figure_no: int) -> tuple[list, int]:
    """ "Error classes over attempts": share of attempts with each class and its median size, per attempt index."""
    st = styles()
    curves = error_class_curve(data.attempts)
    if not curves:
        assessed = sum(1 for a in data.attempts if _assessed(a))
        if not assessed:
            return [], figure_no
        return [
            Paragraph("Error classes over attempts", st["h1"]),
            Paragraph(f"None of the {assessed} assessed submissions has an error class.", st["body"]),
        ], figure_no
    png = figures.error_class_curve_png(curves)
    caption = (
        f"Figure {figure_no}. Error classes over attempts: for each kind of error that occurs, the share of the "
        "assessed submissions with it (left, %) and its median size when present (right, mm), per attempt on a case "
        "(1 = the first attempt on each case; n = submissions assessed against a consensus at that attempt). A "
        "falling line: the trainee makes that error less often or less badly."
    )
    return [figure(png, caption, before=[Paragraph("Error classes over attempts", st["h1"])])], figure_no + 1


REPEAT_TRANSFORM_WORDS = {
    "none": "unchanged",
    "rotate90": "rotated 90°",
    "rotate180": "rotated 180°",
    "flip_horizontal": "mirrored left-right",
    "flip_vertical": "mirrored top-bottom",
}
"""How a repeat's image was turned, in words (``backend.cases.repeat.RepeatTransform``)."""


def repeatability_table(data: TraineeReportData) -> list:
    """ "Repeatability": the trainee's two contours of the same image (a case and its hidden repeat), compared.

    Empty when the trainee has no case and repeat both submitted (the section is left out).
    """
    rows = data.repeatability
    if not rows:
        return []
    st = styles()
    q = quantity_label(r.get("map_quantity") for r in rows)
    body: list[list[object]] = [["Case", "Shown again as", "Image", "Dice", "HD95 (mm)", f"|d{q}| (ms)", "|dWT| (mm)"]]
    for r in rows:
        body.append(
            [
                esc(r.get("case_title", "")),
                esc(r.get("repeat_title", "")),
                esc(REPEAT_TRANSFORM_WORDS.get(str(r.get("transform")), str(r.get("transform")))),
                fmt_dice(r.get("dice")),
                fmt_num(r.get("hd95_mm")),
                fmt_num(r.get("abs_delta_map")),
                fmt_num(r.get("abs_delta_wall_thickness_mm"), 2),
            ]
        )
    w = FRAME_WIDTH
    widths = [0.22 * w, 0.22 * w, 0.14 * w, 0.08 * w, 0.1 * w, 0.12 * w, 0.12 * w]
    note = (
        "Intra-observer variability: some cases were shown a second time under another name (the same image, "
        "re-identified and possibly rotated or mirrored). Each row compares your latest contour of the case with "
        "your latest contour of its repeat, mapped back onto the same pixels: myocardial Dice and HD95 between the "
        "two attempts, and the absolute differences of the myocardial map value and of the mean wall thickness. "
        "Dice 1 and zero differences would be a perfectly repeatable contour."
    )
    return [
        Paragraph("Repeatability (the same image contoured twice)", st["h1"]),
        Paragraph(note, st["small"]),
        table(body, widths, align_right_from=3),
    ]


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def bland_altman_section(data: TraineeReportData, figure_no: int) -> tuple[list, int]:
    """One Bland–Altman plot per map quantity present (latest submission per case with both means)."""
    st = styles()
    heading = Paragraph("Agreement of the myocardial map value with the consensus", st["h1"])
    out: list = []
    latest = latest_per_case(
        [
            a
            for a in data.attempts
            if a.map_quantity in MAP_QUANTITY_LABELS and _finite(a.trainee_map_ms) and _finite(a.consensus_map_ms)
        ]
    )
    if not latest:
        out += [
            heading,
            Paragraph(
                "No submission has both a trainee and a consensus myocardial map value, so "
                "there is no Bland–Altman plot.",
                st["body"],
            ),
        ]
        return out, figure_no
    for qkey, qname in MAP_QUANTITY_LABELS.items():
        pairs = [a for a in latest.values() if a.map_quantity == qkey]
        if not pairs:
            continue
        t = [a.trainee_map_ms for a in pairs]
        c = [a.consensus_map_ms for a in pairs]
        ba = bland_altman(t, c)
        if ba.n >= 2:
            limits = (
                f"95 % limits of agreement {fmt_signed(ba.loa_low)} to {fmt_signed(ba.loa_high)} ms "
                f"(bias ± 1.96 SD, SD {fmt_num(ba.sd)} ms)"
            )
        else:
            limits = "limits of agreement not computable from a single case"
        png = figures.bland_altman_png(
            t,
            c,
            bias=ba.bias,
            loa_low=ba.loa_low,
            loa_high=ba.loa_high,
            tolerance_ms=data.tolerances.map_ms,
            quantity=qname,
        )
        caption = (
            f"Figure {figure_no}. Bland–Altman plot of the myocardial {esc(qname)} (ms): the trainee's "
            f"minus the consensus's mean {esc(qname)} inside the myocardium, against their mean; one point "
            f"per case (the latest submission), n = {ba.n}. Bias {fmt_signed(ba.bias)} ms; {limits}. "
            + (
                f"Shaded: the tolerance ±{data.tolerances.map_ms:.1f} ms."
                if data.tolerances.map_ms is not None
                else f"The tolerance is relative: ±{data.tolerances.map_percent:g} % of the consensus."
            )
        )
        out.append(figure(png, caption, width=FRAME_WIDTH * 0.9, before=[] if out else [heading]))
        figure_no += 1
    return out, figure_no


def thumbnails(data: TraineeReportData, figure_no: int) -> list:
    """The overlays of the (up to) three submissions with the lowest Dice that have one."""
    st = styles()
    with_overlay = [a for a in time_ordered(data.attempts) if a.overlay_png and _finite(a.dice)]
    worst = sorted(with_overlay, key=lambda a: math.inf if a.dice is None else a.dice)[:N_THUMBNAILS]
    if not worst:  # no overlays: the bullseyes of the lowest-Dice submissions that have segments, alone
        with_segments = [a for a in time_ordered(data.attempts) if attempt_segments(a) and _finite(a.dice)]
        lowest = sorted(with_segments, key=lambda a: math.inf if a.dice is None else a.dice)[:N_THUMBNAILS]
        if not lowest:
            return []
        return [Paragraph("Largest discrepancies", st["h1"]), *bullseyes(data, lowest, figure_no)]
    cell_w = (FRAME_WIDTH - 6 * mm) / N_THUMBNAILS
    imgs, caps = [], []
    for a in worst:
        imgs.append(png_image(a.overlay_png or b"", cell_w - 4, max_height=62 * mm))  # not empty by the filter above
        caps.append(
            Paragraph(
                f"<b>{esc(a.case_title)}</b>, attempt {a.attempt}<br/>Dice {fmt_dice(a.dice)} · "
                f"HD95 {fmt_num(a.hd95_mm)} mm<br/>{as_utc(a.created_at):%Y-%m-%d}",
                st["cell"],
            )
        )
    while len(imgs) < N_THUMBNAILS:
        imgs.append("")
        caps.append("")
    grid = Table([imgs, caps], colWidths=[cell_w + 2 * mm] * N_THUMBNAILS, hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    what = (
        "The largest discrepancy: the submission with the lowest myocardial Dice that has an overlay."
        if len(worst) == 1
        else f"The {len(worst)} largest discrepancies: the submissions with the lowest "
        "myocardial Dice that have an overlay."
    )
    caption = (
        f"Figure {figure_no}. {what} The trainee's contours (yellow) over the consensus (blue, "
        "dashed) on the map; red: myocardium only in the trainee's contour (over-contoured); green: only in "
        "the consensus (missed). Distances in mm."
    )
    out: list = [KeepTogether([Paragraph("Largest discrepancies", st["h1"]), grid, Paragraph(caption, st["caption"])])]
    out += bullseyes(data, [a for a in worst if attempt_segments(a)], figure_no + 1)
    return out


def bullseyes(data: TraineeReportData, attempts: list[Attempt], figure_no: int) -> list:
    """Bullseyes of the stored segments of ``attempts`` (the largest discrepancies): extra / missed myocardium and
    Δmap."""
    if not attempts:
        return []
    quantities = {a.map_quantity for a in attempts if a.map_quantity}
    q = quantity_label(quantities)
    segs = [attempt_segments(a) for a in attempts]
    png = figures.bullseye_png(
        [f"{a.case_title}, attempt {a.attempt}" for a in attempts],
        [[str(s.get("name", "")) for s in ss] for ss in segs],
        [[s.get("myocardium_excess_mm") for s in ss] for ss in segs],
        [[s.get("delta_map") for s in ss] for ss in segs],
        quantity=q,
        cell_in=2.2 if len(attempts) > 1 else 2.6,
    )
    named = all(not str(s.get("name", "")).startswith("sector") for ss in segs for s in ss)
    caption = (
        f"Figure {figure_no}. Where the discrepancy lies: the six mid-ventricular segments of the same "
        f"submission{'s' if len(attempts) > 1 else ''}, as displayed ("
        + ("anterior" if named else "sector 1")
        + " at 12 o'clock, then counter-clockwise"
        + ("" if named else "; numbered, not named, without the RV insertion point")
        + "). Top: extra or missed myocardium, mm: how much further the trainee's myocardium extends than the "
        "consensus's (epicardium minus endocardium signed distance; red: extra tissue included, blue: myocardium "
        "missed; ±3 mm and beyond at full colour). "
        + (
            f"Bottom: the trainee's minus the consensus's myocardial mean {esc(q)} in the segment, ms (blue: lower, "
            "red: higher). "
            if any(s.get("delta_map") is not None for ss in segs for s in ss)
            else ""
        )
        + "Grey: no value. The values are those stored with each evaluation."
    )
    return [figure(png, caption, width=min(FRAME_WIDTH, FRAME_WIDTH * (0.3 + 0.24 * len(attempts))))]


def notes(data: TraineeReportData) -> list:
    """Definitions printed at the end."""
    st = styles()
    text = (
        "Definitions. Dice = 2|A∩M| / (|A| + |M|) of the trainee's (A) and the consensus's (M) myocardium. "
        "HD95: the larger of the two directed 95th percentiles of the distances between the trainee's and the "
        "consensus's contours (worse of endocardium and epicardium), mm. Δ values are trainee minus consensus: "
        "the myocardial mean of the map (T1, T2 or T2*, ms) and the mean wall thickness (mm). A submission is "
        "within tolerance when every measured value is within the tolerance printed on the first page. "
        "Bland–Altman: bias = mean difference, limits of agreement = bias ± 1.96 SD (Bland & Altman 1986)."
    )
    return [Spacer(1, 6), Paragraph(text, st["small"])]


def render_trainee_report(data: TraineeReportData) -> bytes:
    """Render a trainee's training-progress report.

    Parameters
    ----------
    data : TraineeReportData
        Filled by the application (``backend.progress.selectors.trainee_report_data``) or by hand.

    Returns
    -------
    bytes
        The PDF (A4; text is real text, charts are 150-dpi images).
    """
    st = styles()
    per = trainee_accreditation(data)
    story: list = title_block(data)
    for d in per:
        on = f" on {d.dataset_name}" if len(per) > 1 and d.dataset_name else ""
        story.append(
            status_box(
                d.status.met,
                f"Accreditation{on}: MET" if d.status.met else f"Accreditation{on}: NOT MET",
                d.status.explanation,
                d.rule.describe(),
            )
        )
        story.append(Spacer(1, 4))
    if not data.attempts:
        story += [
            Spacer(1, 10),
            Paragraph(
                "No evaluated submissions in this period: there are no learning curves, per-case results, "
                "agreement plots or discrepancies to show yet.",
                st["body"],
            ),
        ]
    else:
        story += summary_table(data)
        story += learning_curves(data)
        story += per_case_table(data)
        story += error_class_table(data)
        ec, n = error_class_curves(data, figure_no=2)
        story += ec
        ba, n = bland_altman_section(data, figure_no=n)
        story += ba
        story += repeatability_table(data)
        story += thumbnails(data, figure_no=n)
        story += notes(data)
    buf = io.BytesIO()
    subject = data.trainee_name or data.username
    doc = _doc(buf, f"Training progress report: {subject}", "MyoQA training progress and accreditation")
    doc.build(story, canvasmaker=numbered_canvas(data.site_name, subject, data.generated_at))
    return buf.getvalue()
