from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from backend.cases.models import Case, ReferenceKind
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db


def test_it_imports_the_sunnybrook_frames_with_their_expert_sav_as_gold_standard(supervisor, cohort):
    dicoms, savs = shared_path("scd-sunnybrook"), shared_path("scd-sunnybrook-sav")
    out = io.StringIO()
    call_command(
        "import_cases",
        str(dicoms),
        str(savs),
        "--dataset",
        "Sunnybrook",
        "--supervisor",
        "sup",
        "--cohort",
        cohort.name,
        "--limit",
        "3",
        stdout=out,
    )
    assert "Imported 3 case(s)" in out.getvalue()
    cases = list(Case.objects.order_by("title"))
    assert [c.title for c in cases] == ["SC-HF-I-1 frame 59", "SC-HF-I-1 frame 79", "SC-HF-I-1 frame 99"]
    assert all(c.references.filter(kind=ReferenceKind.GOLD_STANDARD).count() == 1 for c in cases)
    # Each carries an RV insertion estimate for the supervisor to confirm (not used by evaluations before that).
    assert all(c.rv_insertion_x is not None and c.rv_insertion_confirmed is False for c in cases)
    assert cases[0].dataset.cohorts.get() == cohort
    # Running it again adds nothing.
    call_command(
        "import_cases",
        str(dicoms),
        str(savs),
        "--dataset",
        "Sunnybrook",
        "--supervisor",
        "sup",
        "--limit",
        "3",
        stdout=io.StringIO(),
    )
    assert Case.objects.count() == 3
