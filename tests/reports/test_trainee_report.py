from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from backend.cmr.reliability import bland_altman
from backend.cmr.summary import verdict_for
from reports.data import (
    AccreditationRule,
    Attempt,
    Tolerances,
    TraineeReportData,
    accreditation_status,
    case_rows,
    latest_per_case,
    summarise,
)
from reports.sample import overlay_png, sample_trainee
from reports.style import fmt_dice, fmt_num, fmt_signed, fmt_yes_no
from reports.trainee import render_trainee_report


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page with runs of whitespace collapsed to one space."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def data() -> TraineeReportData:
    return sample_trainee("Ada Lovelace", "ada", n_cases=4, n_attempts=3, skill=1.0, seed=3)


@pytest.fixture(scope="module")
def pdf(data) -> bytes:
    return render_trainee_report(data)


@pytest.fixture(scope="module")
def text(pdf) -> list[str]:
    return pages_text(pdf)


def test_it_renders_a_multi_page_pdf_about_the_trainee(pdf, text):
    assert pdf.startswith(b"%PDF")
    assert len(text) > 1
    assert "Training progress report" in text[0]
    assert "Ada Lovelace (ada)" in text[0]
    assert "Cardiology fellows 2025" in text[0] and "Native T1 MOLLI 1.5 T" in text[0]
    assert "Gold standard" in text[0]


def test_every_page_has_the_footer_with_its_number_and_the_total(text):
    n = len(text)
    for i, t in enumerate(text, start=1):
        assert f"MyoQA · Ada Lovelace · page {i} of {n} · generated 2025-06-30 14:05 UTC" in t


def test_the_title_block_gives_the_period_and_the_rule_with_its_date(data, text):
    first = min(a.created_at for a in data.attempts).date()
    last = max(a.created_at for a in data.attempts).date()
    assert f"Period {first:%Y-%m-%d} to {last:%Y-%m-%d}" in text[0]
    assert data.rule.describe() in text[0]
    assert "Applied on 2025-06-30" in text[0]


def test_the_summary_table_shows_what_summarise_computes(data, text):
    s = summarise(data.attempts)
    row = (
        f"Myocardial Dice {fmt_dice(s.dice.latest)} {fmt_dice(s.dice.best)} {fmt_dice(s.dice.median)} "
        f"≥ 0.850 {s.dice.n}"
    )
    assert row in text[0]
    assert f"HD95 (mm) {fmt_num(s.hd95_mm.latest)} {fmt_num(s.hd95_mm.best)} {fmt_num(s.hd95_mm.median)}" in text[0]
    assert f"|ΔT1| (ms) {fmt_num(s.abs_delta_map_ms.latest)}" in text[0]
    assert f"{s.attempts} evaluated submissions on {s.cases_done} cases; {s.attempts_within} within" in text[0]


def test_the_per_case_table_shows_each_cases_latest_numbers(data, text):
    body = " ".join(text)
    for r in case_rows(data.attempts, data.rule):
        row = (
            f"{r.case_title} {r.attempts} {fmt_dice(r.latest_dice)} {fmt_dice(r.best_dice)} "
            f"{fmt_num(r.latest_hd95_mm)} {fmt_signed(r.latest_delta_map_ms)} "
            f"{fmt_signed(r.latest_delta_wall_thickness_mm)} {fmt_yes_no(r.latest_within)} "
            f"{fmt_yes_no(r.qualifies)}"
        )
        assert row in body


def test_the_bland_altman_caption_gives_the_bias_and_limits_of_the_latest_attempt_per_case(data, text):
    latest = latest_per_case(data.attempts)
    ba = bland_altman([a.trainee_map_ms for a in latest.values()], [a.consensus_map_ms for a in latest.values()])
    body = " ".join(text)
    assert f"n = {ba.n}. Bias {fmt_signed(ba.bias)} ms" in body
    assert f"95 % limits of agreement {fmt_signed(ba.loa_low)} to {fmt_signed(ba.loa_high)} ms" in body
    assert "Bland–Altman plot of the myocardial T1 (ms)" in body


def test_the_accreditation_box_states_the_status_and_the_explanation(data, text):
    st = accreditation_status(data.attempts, data.rule)
    assert ("Accreditation: MET" if st.met else "Accreditation: NOT MET") in text[0]
    assert st.explanation in text[0]


def test_every_figure_has_a_caption_with_its_unit(text):
    body = " ".join(text)
    assert re.search(r"Figure 1\. Learning curves .* HD95 in mm", body)
    assert re.search(r"Figure 2\. Error classes over attempts: .* \(left, %\) .* \(right, mm\)", body)
    assert "Figure 3. Bland–Altman plot of the myocardial T1 (ms)" in body
    assert re.search(r"Figure 4\. The 3 largest discrepancies: .* Distances in mm", body)
    assert re.search(
        r"Figure 5\. Where the discrepancy lies: .* extra or missed myocardium, mm: .* ms \(blue: lower", body
    )


def test_the_thumbnails_are_the_three_lowest_dice_attempts_with_an_overlay(data, pdf, text):
    worst = sorted((a for a in data.attempts if a.overlay_png), key=lambda a: a.dice)[:3]
    body = " ".join(text)
    for a in worst:
        assert f"{a.case_title}, attempt {a.attempt} Dice {fmt_dice(a.dice)}" in body
    images = sum(len(p.images) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert images == 2 + 3 + 2  # learning curves, Bland–Altman, three overlays, error classes, bullseyes


def test_the_text_is_real_unicode_text(text):
    body = " ".join(text)
    for s in ("Δ", "≥", "·", "✓", "–"):
        assert s in body


def test_a_trainee_without_attempts_gets_a_clear_sentence_instead_of_charts(data):
    empty = replace(data, attempts=[], period=None)
    pdf = render_trainee_report(empty)
    text = pages_text(pdf)
    assert len(text) == 1
    assert "No evaluated submissions in this period" in text[0]
    assert "Period no submissions" in text[0]
    assert "Not met: no evaluated submissions yet (3 qualifying cases required)." in text[0]
    assert "page 1 of 1" in text[0]
    assert sum(len(p.images) for p in PdfReader(io.BytesIO(pdf)).pages) == 0


def _attempt(case: int, n: int, hours: int, **kw) -> Attempt:
    base = {
        "case_id": case,
        "case_title": f"Case {case}",
        "attempt": n,
        "created_at": datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=hours),
        "consensus_source": "CNN consensus",
    }
    base.update(kw)
    if "verdict" not in base:  # the stored verdict, as the analysis core's rule gives it for these numbers
        base["verdict"] = verdict_for(
            quantity=base.get("map_quantity"),
            dice=base.get("dice"),
            delta_map=base.get("delta_map_ms"),
            delta_map_percent=(
                100 * base["delta_map_ms"] / base["consensus_map_ms"] if base.get("delta_map_ms") is not None else None
            ),
            delta_wall_thickness_mm=base.get("delta_wall_thickness_mm"),
        )["result"]
    return Attempt(**base)


def test_missing_values_and_mixed_map_quantities_render(data):
    attempts = [
        _attempt(1, 1, 0, dice=None, hd95_mm=None, map_quantity=None),
        _attempt(
            1,
            2,
            1,
            dice=0.88,
            hd95_mm=3.2,
            map_quantity="t1_ms",
            trainee_map_ms=1010.0,
            consensus_map_ms=1004.0,
            delta_map_ms=6.0,
            delta_wall_thickness_mm=0.4,
        ),
        _attempt(
            2,
            1,
            2,
            dice=0.83,
            hd95_mm=4.1,
            map_quantity="t1_ms",
            trainee_map_ms=990.0,
            consensus_map_ms=1000.0,
            delta_map_ms=-10.0,
            overlay_png=overlay_png(1),
        ),
        _attempt(
            3,
            1,
            3,
            dice=0.9,
            hd95_mm=2.0,
            map_quantity="t2star_ms",
            trainee_map_ms=24.0,
            consensus_map_ms=22.5,
            delta_map_ms=1.5,
            delta_wall_thickness_mm=-0.3,
        ),
        _attempt(
            4,
            1,
            4,
            dice=0.91,
            hd95_mm=2.1,
            map_quantity="t2star_ms",
            trainee_map_ms=19.0,
            consensus_map_ms=20.0,
            delta_map_ms=-1.0,
        ),
    ]
    d = replace(
        data,
        attempts=attempts,
        period=None,
        generated_at=datetime(2025, 2, 3, 8, 30),
        tolerances=Tolerances(0.85, 8.4, 1.5),  # printed only; the verdicts are the attempts' own
        rule=AccreditationRule(1, 2),
    )
    text = " ".join(pages_text(render_trainee_report(d)))
    assert "Bland–Altman plot of the myocardial T1 (ms)" in text
    assert "Bland–Altman plot of the myocardial T2* (ms)" in text
    assert "limits of agreement not computable" not in text  # two cases per quantity
    assert "-10.0 (T1)" in text and "+1.5 (T2*)" in text  # mixed quantities are labelled per row
    assert "generated 2025-02-03 08:30 UTC" in text  # a naive time is taken as UTC
    assert "Figure 4. The largest discrepancy: the submission with the lowest myocardial Dice" in text  # no classes
    assert "Accreditation: MET" in text  # cases 3 and 4 within; last-1 rule
