"""The stored error classes and bullseye segments in the PDFs (issue 14 items 2 and 5): shown as stored, counted,
never re-derived."""

from __future__ import annotations

import io
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from backend.cmr.segments import DEFAULT_ANCHOR_DEG, NUMBERED_SECTORS, SectorScheme, sector_index
from reports import figures
from reports.cohort import class_error_classes, render_cohort_report
from reports.data import Attempt, CohortReportData
from reports.sample import AHA_NAMES, sample_cohort, sample_trainee
from reports.trainee import (
    NO_ERROR_SENTENCE,
    attempt_error_classes,
    attempt_segments,
    error_class_curve,
    render_trainee_report,
)

ENDO_IN = (
    "Your endocardium lies inside the consensus by 2.5 mm in the inferoseptal and inferior segments: trabeculae, "
    "papillary muscle or blood pool are included in your myocardium; here it changes your myocardial T1 by +31 ms."
)
EPI_OUT = (
    "Your epicardium lies outside the consensus by 1.7 mm in the anterolateral segment: epicardial fat or "
    "pericardium is included in your myocardium; here it changes your myocardial T1 by -12 ms."
)


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def n_images(pdf: bytes) -> int:
    return sum(len(p.images) for p in PdfReader(io.BytesIO(pdf)).pages)


def endo_in(size: float = 2.5) -> dict:
    return {
        "structure": "endocardium",
        "kind": "endocardium_inside",
        "size_mm": size,
        "sectors": ["inferoseptal", "inferior"],
        "explanation": ENDO_IN,
        "map_effect": 31.0,
    }


def epi_out(size: float = 1.7) -> dict:
    return {
        "structure": "epicardium",
        "kind": "epicardium_outside",
        "size_mm": size,
        "sectors": ["anterolateral"],
        "explanation": EPI_OUT,
        "map_effect": -12.0,
    }


def segs(offset: float = 0.0) -> list[dict]:
    return [
        {
            "name": n,
            "signed_distance_mm": round(-1.5 + 0.6 * i + offset, 2),
            "endocardium_mm": -2.0 + i,
            "epicardium_mm": 0.5,
            "delta_map": 12.0 - 5 * i,
        }
        for i, n in enumerate(AHA_NAMES)
    ]


def attempt(case: int, k: int, hours: int, classes: list[dict], segments: list[dict], **kw) -> Attempt:
    a = Attempt(
        case_id=case,
        case_title=f"Case {case}",
        attempt=k,
        created_at=datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=hours),
        dice=kw.pop("dice", 0.85),
        hd95_mm=3.0,
        map_quantity="t1_ms",
        trainee_map_ms=1010.0,
        consensus_map_ms=1000.0,
        delta_map_ms=10.0,
        delta_wall_thickness_mm=0.5,
        verdict=kw.pop("verdict", "outside"),
        verdict_message="Outside expert agreement.",
        **kw,
    )
    a.error_classes, a.segments = classes, segments
    return a


@pytest.fixture(scope="module")
def attempts() -> list[Attempt]:
    return [
        attempt(1, 1, 0, [endo_in(2.5), epi_out(1.7)], segs()),
        attempt(1, 2, 5, [endo_in(1.1)], segs(0.3)),
        attempt(2, 1, 1, [endo_in(3.5)], segs(-0.2)),
        attempt(2, 2, 6, [], segs(0.1), dice=0.9, verdict="within"),
        attempt(3, 1, 2, [], [], dice=None, verdict="not_assessed"),
    ]


@pytest.fixture(scope="module")
def data(attempts):
    d = sample_trainee("Ada Lovelace", "ada", n_cases=1, n_attempts=1, n_overlays=0)
    return replace(d, attempts=attempts, period=None)


@pytest.fixture(scope="module")
def text(data) -> str:
    return " ".join(pages_text(render_trainee_report(data)))


def test_the_bullseye_layout_matches_the_sector_convention_of_the_analysis_core():
    # A point at the centre of each drawn segment falls in that segment by backend.cmr.segments' own rule.
    scheme = SectorScheme((0.0, 0.0), DEFAULT_ANCHOR_DEG, NUMBERED_SECTORS, False)
    for i in range(6):
        a0, a1 = figures._segment_span(i)
        mid = math.radians((a0 + a1) / 2)
        point = np.array([[10 * math.cos(mid), -10 * math.sin(mid)]])  # display: row 0 at the top, y down
        assert int(sector_index(point, scheme)[0]) == i
    assert figures._segment_span(0) == (60.0, 120.0)  # segment 1 centred on 12 o'clock


def test_the_what_kind_of_error_table_shows_the_latest_attempts_stored_classes(text):
    assert "What kind of error" in text
    # Case 1's latest attempt (2): endocardium inside 1.1 mm; the older 2.5 mm and epicardium classes are not listed.
    assert "Case 1 attempt 2 Endocardium inside endocardium 1.1 inferoseptal, inferior" in text
    assert ENDO_IN in text  # the stored explanation, word for word (the 1.1 mm row stores the same sentence here)
    assert EPI_OUT not in text
    assert f"Case 2 attempt 2 None – – – {NO_ERROR_SENTENCE}" in text
    assert "Case 3 attempt 1 Not assessed" in text


def test_the_stored_size_is_printed_not_a_recomputed_one(data):
    a = attempt(1, 1, 0, [{**epi_out(), "size_mm": 4.44}], segs())
    t = " ".join(pages_text(render_trainee_report(replace(data, attempts=[a]))))
    assert "Epicardium outside epicardium 4.4 anterolateral " + EPI_OUT in t


def test_error_class_curve_counts_the_stored_classes_per_attempt_index(attempts):
    curves = error_class_curve(attempts)
    assert list(curves) == ["epicardium_outside", "endocardium_inside"]  # the analysis core's order
    # index 1: three attempts, two assessed (case 3 has no consensus); both have endocardium inside (2.5, 3.5 mm)
    assert curves["endocardium_inside"] == [(1, 2, 2, 3.0), (2, 1, 2, 1.1)]
    assert curves["epicardium_outside"] == [(1, 1, 2, 1.7), (2, 0, 2, None)]


def test_the_trainee_report_has_the_error_class_curve_and_the_bullseye_figures(text, data):
    assert "Error classes over attempts" in text
    assert "Figure 2. Error classes over attempts" in text
    # No overlays: the bullseyes of the lowest-Dice attempts with segments stand alone, after the Bland–Altman plot.
    assert "Where the discrepancy lies: the six mid-ventricular segments" in text
    assert "anterior at 12 o'clock, then counter-clockwise" in text
    pdf = render_trainee_report(data)
    assert n_images(pdf) == 4  # learning curves, error classes, Bland–Altman, bullseyes


def test_attempts_without_segments_get_no_bullseye_and_without_classes_no_curve(data):
    bare = [attempt(1, 1, 0, [], []), attempt(2, 1, 1, [], [])]
    t = " ".join(pages_text(render_trainee_report(replace(data, attempts=bare))))
    assert "Where the discrepancy lies" not in t
    assert "None of the 2 assessed submissions has an error class." in t
    assert attempt_segments(bare[0]) == [] and attempt_error_classes(bare[0]) == []


def test_the_bullseye_figure_renders_one_or_two_rows():
    names = [list(AHA_NAMES)] * 2
    dist = [[-1.0, 0.5, 3.5, None, 0.0, 2.0], [0.2] * 6]
    both = figures.bullseye_png(["a", "b"], names, dist, [[5.0, -20.0, None, 1, 2, 3]] * 2, quantity="T1")
    only = figures.bullseye_png(["a", "b"], names, dist, [[None] * 6] * 2, quantity="T1")
    for png in (both, only):
        assert png.startswith(b"\x89PNG")
    h_both, h_only = Image.open(io.BytesIO(both)).size[1], Image.open(io.BytesIO(only)).size[1]
    assert h_both > 1.6 * h_only  # the map row only when a segment has a map difference


def test_nice_range_is_symmetric_and_rounded_up():
    assert figures.nice_range([3.0, -4.0], 5.0) == 5.0
    assert figures.nice_range([-13.0, 2.0], 5.0) == 15.0
    assert figures.nice_range([105.2], 5.0) == 150.0
    assert figures.nice_range([None, 48.0], 5.0) == 50.0


def test_the_class_report_counts_the_latest_attempts_with_each_class(data, attempts):
    other = replace(
        data,
        trainee_name="Bjørn Berg",
        username="bjorn",
        attempts=[attempt(1, 1, 0, [epi_out(2.0)], segs()), attempt(2, 1, 1, [endo_in(1.5), epi_out(1.0)], segs())],
    )
    shares = class_error_classes([data, other])
    # Latest per case: Ada case 1 (endo 1.1), case 2 (none), case 3 (not assessed); Bjørn case 1 (epi 2.0), case 2
    # (endo 1.5, epi 1.0): 4 assessed.
    assert [(e.kind, e.n_with, e.n_assessed, e.n_trainees_with, e.n_trainees) for e in shares] == [
        ("epicardium_outside", 2, 4, 1, 2),
        ("endocardium_inside", 2, 4, 2, 2),
    ]
    assert shares[1].median_size_mm == pytest.approx(1.3)
    assert shares[0].share_percent == pytest.approx(50.0)
    cohort = sample_cohort(2, 2, 2)
    pdf = render_cohort_report(replace(cohort, trainees=[data, other]))
    t = " ".join(pages_text(pdf))
    assert "Which errors dominate the class" in t
    assert "Epicardium outside 2 / 4 50 % 1 / 2 1.5" in t
    assert "Endocardium inside 2 / 4 50 % 2 / 2 1.3" in t


def test_the_sample_class_report_shows_the_dominant_classes():
    d: CohortReportData = sample_cohort(4, 3, 3, seed=2)
    shares = class_error_classes(d.trainees)
    assert shares and all(s.n_assessed == 12 for s in shares)
    assert [s.n_with for s in shares] == sorted((s.n_with for s in shares), reverse=True)
    t = " ".join(pages_text(render_cohort_report(d)))
    assert "Which errors dominate the class" in t
    assert f"{shares[0].n_with} / 12" in t
