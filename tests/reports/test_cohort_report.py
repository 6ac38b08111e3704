from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from pypdf import PdfReader

import reports.cohort as cohort_mod
from backend.cmr.reliability import coefficient_of_variation, icc_2_1
from reports.cohort import (
    case_agreements,
    case_outliers,
    class_learning_curve,
    fmt_icc,
    map_agreement,
    render_cohort_report,
    trainee_outliers,
)
from reports.data import CohortReportData, MetricSummary, TraineeSummary, accreditation_status, by_case, summarise
from reports.sample import sample_cohort, sample_trainee
from reports.style import fmt_dice, fmt_num


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page with runs of whitespace collapsed to one space."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def data() -> CohortReportData:
    d = sample_cohort(3, 4, 3, seed=1)
    # a fourth trainee who contours badly: an outlier
    case_t1 = np.array([g[-1].consensus_map_ms for g in by_case(d.trainees[0].attempts).values()])
    weak = sample_trainee("Walter Weak", "walter", n_cases=4, n_attempts=3, skill=-6.0, seed=99, case_t1=case_t1)
    return replace(d, trainees=[*d.trainees, weak])


@pytest.fixture(scope="module")
def text(data) -> list[str]:
    return pages_text(render_cohort_report(data))


def test_it_renders_a_multi_page_pdf_about_the_cohort(data, text):
    assert len(text) > 1
    assert "Class progress report" in text[0]
    assert "Cohort Cardiology fellows 2025" in text[0] and "Supervisor Dr. Ingrid Supervisor" in text[0]
    assert "Trainees 4" in text[0]


def test_every_page_has_the_footer_with_the_cohort_name(text):
    for i, t in enumerate(text, start=1):
        assert f"MyoQA · Cardiology fellows 2025 · page {i} of {len(text)} · generated 2025-06-30 14:05 UTC" in t


def test_the_trainee_table_shows_each_trainees_summary_and_status(data, text):
    body = " ".join(text)
    n_met = 0
    for t in data.trainees:
        s = summarise(t.attempts)
        st = accreditation_status(t.attempts, data.rule)
        n_met += st.met
        acc = f"✓ met ({st.cases_within} cases)" if st.met else f"✗ not met ({st.cases_within} of {st.required})"
        row = (
            f"{t.trainee_name} {s.cases_done} {s.attempts} {fmt_dice(s.dice.latest)} {fmt_dice(s.dice.median)} "
            f"{fmt_num(s.hd95_mm.median)} {fmt_num(s.abs_delta_map_ms.median)} "
            f"{fmt_num(s.abs_delta_wall_thickness_mm.median)} {acc}"
        )
        assert row in body
    assert f"{n_met} of 4 trainees meet the accreditation rule." in body


def test_the_icc_is_computed_on_each_trainees_latest_t1_of_the_cases_all_did(data, text):
    ag = map_agreement(data.trainees, "t1_ms")
    table = np.array([[by_case(t.attempts)[c][-1].trainee_map_ms for t in data.trainees] for c in (1, 2, 3, 4)])
    ref = icc_2_1(table)
    assert ag.case_ids == (1, 2, 3, 4) and ag.left_out == ()
    assert ag.icc.icc == pytest.approx(ref.icc) and ag.icc.ci_low == pytest.approx(ref.ci_low)
    body = " ".join(text)
    assert f"ICC(2,1) of the myocardial T1 across trainees = {fmt_icc(ref.icc)}" in body
    assert f"95 % CI {fmt_icc(ref.ci_low)} to {fmt_icc(ref.ci_high)}" in body
    assert "over the 4 cases that all 4 included trainees did" in body


def test_the_per_case_table_gives_the_cv_across_trainees(data, text):
    body = " ".join(text)
    cases = case_agreements(data.trainees)
    for c in cases:
        latest = [by_case(t.attempts)[c.case_id][-1] for t in data.trainees]
        assert c.cv_percent == pytest.approx(coefficient_of_variation([a.trainee_map_ms for a in latest]))
        assert c.median_dice == pytest.approx(float(np.median([a.dice for a in latest])))
        row = (
            f"{c.case_title} 4 {fmt_dice(c.median_dice)} {fmt_num(c.mean_ms)} {fmt_num(c.sd_ms)} "
            f"{fmt_num(c.cv_percent, 2)}"
        )
        assert row in body


def test_the_class_learning_curve_is_the_median_per_attempt_index(data, text):
    stats = class_learning_curve(data.trainees)
    first = [by_case(t.attempts)[c][0].dice for t in data.trainees for c in (1, 2, 3, 4)]
    k, q25, med, q75, n = stats["dice"][0]
    assert (k, n) == (1, 16) and med == pytest.approx(float(np.median(first)))
    assert q25 == pytest.approx(float(np.percentile(first, 25)))
    assert [r[0] for r in stats["dice"]] == [1, 2, 3]
    assert f"attempt 1: median Dice {fmt_dice(med)} (IQR {fmt_dice(q25)}–{fmt_dice(q75)}, n = 16)" in " ".join(text)


def test_a_weak_trainee_is_listed_as_an_outlier_with_their_median(data, text):
    s = summarise(data.trainees[-1].attempts)
    body = " ".join(text)
    assert f"Walter Weak {fmt_dice(s.dice.median)} below" in body
    lowest, highest = case_outliers(case_agreements(data.trainees))
    assert f"Lowest median Dice across trainees: {lowest[0].case_title} {fmt_dice(lowest[0].median_dice)}" in body
    assert (
        f"Highest CV of the myocardial map value across trainees: {highest[0].case_title} "
        f"{fmt_num(highest[0].cv_percent, 2)} %"
    ) in body


def _summary(median: float) -> TraineeSummary:
    m = MetricSummary(median, median, median, 3)
    return TraineeSummary(1, 3, 0, m, m, m, m)


def test_outliers_are_below_the_tukey_fence_or_below_tolerance():
    names = ["a", "b", "c", "d", "e"]
    meds = [0.90, 0.91, 0.92, 0.93, 0.70]
    out, q1, fence = trainee_outliers(names, [_summary(m) for m in meds], tol_dice=0.80)
    # quartiles (linear): Q1 = 0.90, Q3 = 0.92, fence = 0.90 - 1.5 * 0.02 = 0.87
    assert q1 == pytest.approx(0.90) and fence == pytest.approx(0.87)
    assert [o.name for o in out] == ["e"] and len(out[0].reasons) == 2
    out, _, _ = trainee_outliers(names[:4], [_summary(m) for m in meds[:4]], tol_dice=0.905)
    assert [o.name for o in out] == ["a"] and out[0].reasons == ("below the tolerance 0.905",)


def test_a_trainee_who_did_too_few_cases_is_left_out_of_the_icc_and_named(data):
    late = replace(
        sample_trainee("Lena Late", "lena", n_cases=1, n_attempts=1, seed=5), cohort_names=["Cardiology fellows 2025"]
    )
    d = replace(data, trainees=[*data.trainees, late])
    ag = map_agreement(d.trainees, "t1_ms")
    assert ag.left_out == ("Lena Late",) and len(ag.case_ids) == 4 and ag.icc.k == 4
    body = " ".join(pages_text(render_cohort_report(d)))
    assert "left out to keep enough complete cases: Lena Late" in body


def test_the_icc_is_undefined_and_says_so_with_a_single_trainee(data):
    d = replace(data, trainees=data.trainees[:1])
    ag = map_agreement(d.trainees, "t1_ms")
    assert not ag.icc.defined
    assert "ICC(2,1) of the myocardial T1 across trainees is not computable" in " ".join(
        pages_text(render_cohort_report(d))
    )


def test_a_large_class_wraps_the_box_plots_over_several_figures(data, monkeypatch):
    monkeypatch.setattr(cohort_mod, "BOX_ROWS_PER_FIGURE", 3)
    body = " ".join(pages_text(render_cohort_report(data)))
    assert "Box plots per trainee (trainees 1–3)" in body and "Box plots per trainee (trainee 4)" in body


def test_an_empty_cohort_renders_with_a_sentence(data):
    for trainees in ([], [replace(t, attempts=[]) for t in data.trainees]):
        text = pages_text(render_cohort_report(replace(data, trainees=trainees)))
        assert "no evaluated submissions yet" in text[0]
        assert f"page 1 of {len(text)}" in text[0]
