"""Both PDFs with two datasets of different accreditation rules: each dataset's rule on its own cases, the status
that reports.data.accreditation_by_dataset computes (the app's endpoint reads the same function)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from reports.cohort import render_cohort_report
from reports.data import (
    AccreditationRule,
    DatasetRule,
    TraineeReportData,
    accreditation_by_dataset,
    accreditation_status,
    trainee_accreditation,
)
from reports.sample import sample_cohort, sample_trainee
from reports.trainee import render_trainee_report

RULES = [DatasetRule(1, "Native T1", AccreditationRule(1, 1)), DatasetRule(2, "T2 mapping", AccreditationRule(3, 4))]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def split(data: TraineeReportData) -> TraineeReportData:
    """The sample's cases split over two datasets: the lowest case id in "Native T1", the others in "T2 mapping"."""
    first = min(a.case_id for a in data.attempts)
    attempts = [
        replace(
            a,
            dataset_id=1 if a.case_id == first else 2,
            dataset_name="Native T1" if a.case_id == first else "T2 mapping",
        )
        for a in data.attempts
    ]
    return replace(data, attempts=attempts, dataset_rules=RULES)


@pytest.fixture(scope="module")
def data() -> TraineeReportData:
    return split(sample_trainee("Ada Lovelace", "ada", n_cases=4, n_attempts=3, skill=1.0, seed=3))


def test_each_dataset_is_judged_on_its_own_cases_with_its_own_rule(data):
    per = accreditation_by_dataset(data.attempts, RULES)
    for d, r in zip(per, RULES, strict=True):
        mine = [a for a in data.attempts if a.dataset_id == r.dataset_id]
        assert d.status == accreditation_status(mine, r.rule)
        assert {row.case_id for row in d.rows} == {a.case_id for a in mine}
    # 1 case can never meet "at least 4 cases"; the other dataset's 3 cases cannot either.
    assert per[1].status.met is False and per[1].status.required == 4


def test_the_trainee_report_shows_a_status_box_per_dataset(data):
    text = text_of(render_trainee_report(data))
    for d in trainee_accreditation(data):
        word = "MET" if d.status.met else "NOT MET"
        assert f"Accreditation on {d.dataset_name}: {word}" in text
        assert d.status.explanation in text
        assert d.rule.describe() in text
    assert "Native T1:" in text and "T2 mapping:" in text  # each rule named in the title block


def test_the_class_report_gives_each_trainees_status_per_dataset():
    cohort = sample_cohort(2, 4, 3, seed=1)
    cohort = replace(cohort, trainees=[split(t) for t in cohort.trainees])
    text = text_of(render_cohort_report(cohort))
    for t in cohort.trainees:
        for d in trainee_accreditation(t):
            a = d.status
            cell = f"✓ met ({a.cases_within} cases)" if a.met else f"✗ not met ({a.cases_within} of {a.required})"
            assert f"{d.dataset_name}: {cell}" in text


def test_without_dataset_rules_the_report_rule_applies_to_every_attempt():
    d = sample_trainee("Ada Lovelace", "ada", n_cases=4, n_attempts=3, skill=1.0, seed=3)
    (only,) = trainee_accreditation(d)
    assert only.status == accreditation_status(d.attempts, d.rule)
