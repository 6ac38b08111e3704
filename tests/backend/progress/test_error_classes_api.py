"""GET /api/trainees/{id}/error-classes: each evaluated attempt with its attempt number on its case and the error
classes of its stored summary (never recomputed)."""

from __future__ import annotations

from collections import Counter

import pytest

from backend.cmr.error_classes import KINDS
from backend.submissions.models import Submission
from tests.backend.conftest import ApiClient

from .helpers import make_attempt, make_case

pytestmark = pytest.mark.django_db

TRAB = {"structure": "endocardium", "kind": "endocardium_inside", "size_mm": 1.2, "sectors": ["anterior"]}
FAT = {"structure": "epicardium", "kind": "epicardium_outside", "size_mm": 2.5, "sectors": ["lateral"]}


@pytest.fixture
def attempts(dataset, trainee_a):
    """Two cases, interleaved in time: trabeculae in both first attempts, fat only in case 1's first, clean after."""
    c1, c2 = make_case(dataset, "One"), make_case(dataset, "Two")
    return [
        make_attempt(trainee_a, c1, result="outside", minutes=1, error_classes=[TRAB, FAT]),
        make_attempt(trainee_a, c2, result="outside", minutes=2, error_classes=[TRAB]),
        make_attempt(trainee_a, c1, result="outside", minutes=3, error_classes=[{**TRAB, "size_mm": 0.6}]),
        make_attempt(trainee_a, c2, result="within", minutes=4, error_classes=[]),
        make_attempt(trainee_a, c1, result="within", minutes=5),
    ]


def test_it_counts_the_stored_error_classes_per_attempt_number(attempts, trainee_a):
    body = ApiClient(trainee_a).get(f"/api/trainees/{trainee_a.pk}/error-classes").json()
    assert [k["kind"] for k in body["kinds"]] == list(KINDS)
    got = [(a["case_title"], a["attempt_index"]) for a in body["attempts"]]
    assert got == [("One", 1), ("Two", 1), ("One", 2), ("Two", 2), ("One", 3)]
    counts = Counter((a["attempt_index"], c["kind"]) for a in body["attempts"] for c in a["classes"])
    assert counts == {(1, "endocardium_inside"): 2, (1, "epicardium_outside"): 1, (2, "endocardium_inside"): 1}


def test_the_sizes_are_those_of_the_stored_summaries(attempts, trainee_a):
    body = ApiClient(trainee_a).get(f"/api/trainees/{trainee_a.pk}/error-classes").json()
    for a in body["attempts"]:
        stored = Submission.objects.get(pk=a["submission_id"]).summary["error_classes"]
        assert [(c["kind"], c["structure"], c["size_mm"]) for c in a["classes"]] == [
            (e["kind"], e["structure"], e["size_mm"]) for e in stored
        ]


def test_a_supervisor_sees_their_trainees_attempts(attempts, supervisor, trainee_a):
    body = ApiClient(supervisor).get(f"/api/trainees/{trainee_a.pk}/error-classes").json()
    assert len(body["attempts"]) == len(attempts)


def test_it_checks_ownership(attempts, trainee_a, trainee_b, supervisor):
    assert ApiClient(trainee_b).get(f"/api/trainees/{trainee_a.pk}/error-classes").status_code == 404
    assert ApiClient(trainee_a).get(f"/api/trainees/{trainee_b.pk}/error-classes").status_code == 404
    assert ApiClient(supervisor).get(f"/api/trainees/{trainee_b.pk}/error-classes").status_code == 404
