"""Repeatability (hidden repeat cases) in both PDFs: a small table, read back by text extraction."""

from __future__ import annotations

import io
from dataclasses import replace

from pypdf import PdfReader

from reports.cohort import class_repeatability, render_cohort_report
from reports.sample import sample_cohort, sample_trainee
from reports.trainee import render_trainee_report


def pages_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def pair(dice: float, dmap: float, dwt: float, title: str = "Mid slice 4", repeat: str = "Basal slice 7") -> dict:
    return {
        "case_id": 1,
        "case_title": title,
        "repeat_case_id": 2,
        "repeat_title": repeat,
        "transform": "rotate90",
        "dataset_id": 1,
        "submission_ids": [10, 11],
        "dice": dice,
        "hd95_mm": 1.5,
        "map_quantity": "t1_ms",
        "abs_delta_map": dmap,
        "abs_delta_wall_thickness_mm": dwt,
    }


def test_the_trainee_report_shows_each_case_and_its_repeat_compared():
    data = replace(sample_trainee("Alice Trainee", "alice"), repeatability=[pair(0.912, 14.2, 0.37)])
    text = pages_text(render_trainee_report(data))
    assert "Repeatability (the same image contoured twice)" in text
    assert "Mid slice 4 Basal slice 7 rotated 90° 0.91" in text
    assert "14.2" in text and "0.37" in text and "|dT1| (ms)" in text


def test_the_trainee_report_has_no_repeatability_section_without_repeats():
    text = pages_text(render_trainee_report(sample_trainee("Alice Trainee", "alice")))
    assert "Repeatability" not in text


def test_the_class_report_gives_each_trainees_medians_beside_the_agreement_between_trainees():
    data = sample_cohort(n_trainees=3)
    first = replace(
        data.trainees[0], repeatability=[pair(0.90, 10.0, 0.2), pair(0.80, 20.0, 0.4), pair(0.70, 60.0, 0.9)]
    )
    data = replace(data, trainees=[first, *data.trainees[1:]])
    (row,) = class_repeatability(data.trainees)
    assert row["n"] == 3 and row["dice"] == 0.80 and row["abs_delta_map"] == 20.0
    assert row["abs_delta_wall_thickness_mm"] == 0.4
    text = pages_text(render_cohort_report(data))
    assert text.index("Agreement between trainees") < text.index("Repeatability of each trainee")
    assert "Median |dT1| (ms)" in text and "20.0" in text and "0.40" in text
