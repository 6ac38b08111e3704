from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.cmr.summary import DEFAULT_TOLERANCES, verdict_for
from reports.data import (
    AccreditationRule,
    Attempt,
    Tolerances,
    accreditation_status,
    attempt_within,
    case_rows,
    quantity_label,
    summarise,
    time_ordered,
)

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def att(
    case: int,
    n: int,
    hours: float,
    dice: float | None = 0.9,
    *,
    dmap: float | None = 1.0,
    dwt: float | None = 0.2,
    hd95: float | None = 3.0,
    quantity: str | None = "t1_ms",
    verdict: str | None = "judge",
) -> Attempt:
    """An attempt whose stored verdict is what the analysis core's rule gives for its numbers (``"judge"``), or the
    verdict given (the reports must take it as it is)."""
    if verdict == "judge":
        verdict = verdict_for(
            quantity=quantity, dice=dice, delta_map=dmap, delta_wall_thickness_mm=dwt, tolerances=DEFAULT_TOLERANCES
        )["result"]
    return Attempt(
        case_id=case,
        case_title=f"Case {case}",
        attempt=n,
        created_at=T0 + timedelta(hours=hours),
        dice=dice,
        hd95_mm=hd95,
        map_quantity=quantity,
        trainee_map_ms=1000.0 + (dmap or 0.0),
        consensus_map_ms=1000.0,
        delta_map_ms=dmap,
        delta_wall_thickness_mm=dwt,
        verdict=verdict,
        consensus_source="Gold standard",
    )


def good(case: int, n: int, hours: float) -> Attempt:
    return att(case, n, hours, 0.9)


def bad(case: int, n: int, hours: float) -> Attempt:
    return att(case, n, hours, 0.7)


# --- summarise -------------------------------------------------------------------------------------------------
def test_summarise_counts_cases_and_attempts_and_takes_latest_best_and_median():
    attempts = [
        att(1, 1, 0, 0.80, dmap=-6.0, dwt=1.0, hd95=6.0),
        att(2, 1, 1, 0.84, dmap=3.0, dwt=-0.4, hd95=5.0),
        att(1, 2, 2, 0.90, dmap=-2.0, dwt=0.5, hd95=3.0),
        att(2, 2, 3, 0.88, dmap=-1.0, dwt=0.1, hd95=4.0),
    ]
    s = summarise(list(reversed(attempts)))  # order given does not matter: time order is used
    assert (s.cases_done, s.attempts, s.attempts_within) == (2, 4, 2)
    assert (s.dice.latest, s.dice.best, s.dice.median, s.dice.n) == (0.88, 0.90, pytest.approx(0.86), 4)
    assert (s.hd95_mm.latest, s.hd95_mm.best, s.hd95_mm.median) == (4.0, 3.0, 4.5)
    assert (s.abs_delta_map_ms.latest, s.abs_delta_map_ms.best, s.abs_delta_map_ms.median) == (1.0, 1.0, 2.5)
    assert (s.abs_delta_wall_thickness_mm.latest, s.abs_delta_wall_thickness_mm.best) == (0.1, 0.1)
    assert s.abs_delta_wall_thickness_mm.median == pytest.approx(0.45)
    assert s.map_quantities == ("t1_ms",)
    assert s.first_at == T0 and s.last_at == T0 + timedelta(hours=3)


def test_summarise_skips_missing_values_metric_by_metric():
    attempts = [
        att(1, 1, 0, 0.82, hd95=None, dmap=None),
        att(1, 2, 1, None, hd95=4.0, dmap=5.0, dwt=None),
        att(2, 1, 2, 0.86, hd95=None, dmap=2.0, dwt=None),
    ]
    s = summarise(attempts)
    assert (s.dice.latest, s.dice.n) == (0.86, 2)
    assert (s.hd95_mm.latest, s.hd95_mm.n) == (4.0, 1)
    assert (s.abs_delta_map_ms.latest, s.abs_delta_map_ms.median) == (2.0, 3.5)
    assert (s.abs_delta_wall_thickness_mm.latest, s.abs_delta_wall_thickness_mm.n) == (0.2, 1)


def test_summarise_ignores_a_map_delta_without_a_map_quantity():
    s = summarise([att(1, 1, 0, 0.9, dmap=50.0, quantity=None)])
    assert s.abs_delta_map_ms.n == 0 and s.abs_delta_map_ms.latest is None
    assert s.attempts_within == 1


def test_summarise_of_no_attempts_is_all_zero_and_none():
    s = summarise([])
    assert (s.cases_done, s.attempts, s.attempts_within) == (0, 0, 0)
    assert s.dice.latest is None and s.dice.median is None and s.first_at is None


def test_ties_in_time_are_broken_by_attempt_number_then_by_the_order_given():
    a, b = att(1, 2, 0, 0.95), att(1, 1, 0, 0.70)
    assert time_ordered([a, b]) == [b, a]
    assert summarise([a, b]).dice.latest == 0.95
    c, d = att(2, 1, 5, 0.81), att(3, 1, 5, 0.82)
    assert time_ordered([d, c]) == [d, c]


# --- within tolerance ------------------------------------------------------------------------------------------
def test_within_is_the_stored_verdict_and_never_re_judged():
    # Numbers far inside every tolerance, but the evaluation said "outside" (e.g. a stricter dataset): a report says
    # what the evaluation said.
    assert attempt_within(att(1, 1, 0, 0.99, dmap=0.0, dwt=0.0, verdict="outside")) is False
    assert attempt_within(att(1, 1, 0, 0.50, dmap=40.0, dwt=3.0, verdict="within")) is True
    assert attempt_within(att(1, 1, 0, None, dmap=None, dwt=None, verdict="not_assessed")) is None
    assert attempt_within(att(1, 1, 0, 0.9, verdict=None)) is None


def test_the_report_tolerances_follow_the_map_quantity():
    t1 = Tolerances.for_quantity(DEFAULT_TOLERANCES, "t1_ms")
    assert (t1.dice, t1.map_ms, t1.wall_thickness_mm) == (0.85, 8.4, 1.5)
    assert t1.describe("T1") == "Dice ≥ 0.850, |ΔT1| ≤ 8.4 ms, |ΔWT| ≤ 1.5 mm"
    assert Tolerances.for_quantity(DEFAULT_TOLERANCES, "t2_ms").map_ms == 2.2
    t2s = Tolerances.for_quantity(DEFAULT_TOLERANCES, "t2star_ms")
    assert t2s.map_ms is None and t2s.map_percent == 10.0 and t2s.map_limit_text() == "≤ 10 %"


# --- accreditation ---------------------------------------------------------------------------------------------
RULE = AccreditationRule(last_n=3, min_cases=2)


def test_accreditation_is_met_when_enough_cases_have_their_last_n_within():
    attempts = [bad(1, 1, 0), good(1, 2, 1), good(1, 3, 2), good(1, 4, 3), good(2, 1, 4), good(2, 2, 5), good(2, 3, 6)]
    st = accreditation_status(attempts, RULE)
    assert st.met and (st.cases_within, st.required) == (2, 2)
    assert st.explanation.startswith(
        "Met: 2 cases of 2 attempted have the last 3 submissions within every tolerance (2 required)"
    )


def test_a_recent_attempt_outside_tolerance_breaks_the_case():
    attempts = [good(1, 1, 0), good(1, 2, 1), bad(1, 3, 2), good(1, 4, 3), good(2, 1, 4), good(2, 2, 5), good(2, 3, 6)]
    st = accreditation_status(attempts, RULE)
    assert not st.met and st.cases_within == 1
    assert "1 case with a recent submission outside tolerance" in st.explanation
    assert "1 more qualifying case needed" in st.explanation


def test_a_case_with_fewer_than_n_attempts_does_not_count_yet():
    attempts = [good(1, 1, 0), good(1, 2, 1), good(1, 3, 2), good(2, 1, 3), good(2, 2, 4)]
    st = accreditation_status(attempts, RULE)
    assert not st.met and st.cases_within == 1
    assert "1 case with fewer than 3 submissions" in st.explanation


def test_an_attempt_that_cannot_be_judged_does_not_count_as_within():
    unjudged = att(2, 3, 6, None, dmap=None, dwt=None, verdict="not_assessed")
    attempts = [good(1, 1, 0), good(1, 2, 1), good(1, 3, 2), good(2, 1, 4), good(2, 2, 5), unjudged]
    assert not accreditation_status(attempts, RULE).met


def test_the_order_attempts_are_given_in_does_not_matter():
    attempts = [good(1, 1, 0), good(1, 2, 1), good(1, 3, 2), bad(2, 1, 3), good(2, 2, 4), good(2, 3, 5), good(2, 4, 6)]
    assert accreditation_status(attempts[::-1], RULE).met


def test_no_attempts_is_not_met_with_a_sentence():
    st = accreditation_status([], RULE)
    assert not st.met and st.cases_within == 0 and st.required == 2
    assert st.explanation == "Not met: no evaluated submissions yet (2 qualifying cases required)."


def test_the_rule_describes_itself_and_rejects_nonsense():
    assert AccreditationRule(3, 3).describe() == (
        "Accredited when, on at least 3 distinct cases, the trainee's "
        "last 3 submissions on that case are all within every tolerance."
    )
    assert AccreditationRule(1, 1).describe() == (
        "Accredited when, on at least 1 case, the trainee's last submission on that case is within every tolerance."
    )
    with pytest.raises(ValueError, match="last_n >= 1"):
        AccreditationRule(0, 3)


# --- per-case rows ---------------------------------------------------------------------------------------------
def test_case_rows_show_the_latest_values_the_best_dice_and_whether_the_case_qualifies():
    attempts = [
        att(2, 1, 0, 0.80, dmap=-9.0),
        att(2, 2, 1, 0.91, dmap=2.0),
        att(2, 3, 2, 0.88, dmap=-3.5, dwt=None),
        att(1, 1, 3, 0.87),
    ]
    rows = case_rows(attempts, AccreditationRule(2, 1))
    assert [r.case_id for r in rows] == [1, 2]
    r = rows[1]
    assert (r.attempts, r.latest_dice, r.best_dice, r.latest_delta_map_ms) == (3, 0.88, 0.91, -3.5)
    assert r.latest_delta_wall_thickness_mm is None and r.latest_within is True and r.qualifies is True
    assert rows[0].qualifies is False  # one attempt, two required


def test_quantity_labels_read_well():
    assert quantity_label(["t1_ms", None, "t1_ms"]) == "T1"
    assert quantity_label(["t2star_ms", "t1_ms"]) == "T1/T2*"
    assert quantity_label([None]) == "map"
