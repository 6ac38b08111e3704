"""GET /api/trainees/{id}/accreditation and /api/cohorts/{id}/accreditation: each dataset's own rule on its own
cases, the values of reports.data (one owner), and the same per-dataset status in the trainee's report data."""

from __future__ import annotations

import pytest

from backend.cases.services import dataset_create
from backend.progress.selectors import _attempt, trainee_report_data
from backend.submissions.models import Submission
from reports.data import AccreditationRule, accreditation_status, case_rows, trainee_accreditation
from tests.backend.conftest import ApiClient

from .helpers import make_attempt, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_datasets(supervisor, cohort, trainee_a):
    """Dataset "Strict" (last 3 of 2 cases) and "Lenient" (last 1 of 1 case), the same attempts pattern on each:
    case 1 within 3 times, case 2 outside then within twice (last 2 within, not last 3)."""
    strict = dataset_create(
        user=supervisor, name="Strict", cohorts=[cohort], accreditation_last_n=3, accreditation_min_cases=2
    )
    lenient = dataset_create(
        user=supervisor, name="Lenient", cohorts=[cohort], accreditation_last_n=1, accreditation_min_cases=1
    )
    t = 0
    for ds in (strict, lenient):
        c1, c2 = make_case(ds, f"{ds.name} one"), make_case(ds, f"{ds.name} two")
        for r in ("within", "within", "within"):
            make_attempt(trainee_a, c1, result=r, minutes=(t := t + 1))
        for r in ("outside", "within", "within"):
            make_attempt(trainee_a, c2, result=r, minutes=(t := t + 1))
    return strict, lenient


def test_each_dataset_gets_the_status_of_its_own_rule_on_its_own_cases(two_datasets, trainee_a):
    body = ApiClient(trainee_a).get(f"/api/trainees/{trainee_a.pk}/accreditation").json()
    by_name = {d["dataset_name"]: d for d in body["datasets"]}
    assert set(by_name) == {"Strict", "Lenient"}
    s, le = by_name["Strict"], by_name["Lenient"]
    assert (s["met"], s["cases_within"], s["required"]) == (False, 1, 2)
    assert (le["met"], le["cases_within"], le["required"]) == (True, 2, 1)
    assert s["rule"] == AccreditationRule(3, 2).describe() and le["rule"] == AccreditationRule(1, 1).describe()
    assert [c["case_title"] for c in s["cases"]] == ["Strict one", "Strict two"]
    assert [c["qualifies"] for c in s["cases"]] == [True, False]
    assert all(c["latest_result"] == "within" and c["attempts"] == 3 for c in s["cases"])


def test_the_endpoint_returns_what_reports_data_computes_on_the_same_attempts(two_datasets, trainee_a):
    body = ApiClient(trainee_a).get(f"/api/trainees/{trainee_a.pk}/accreditation").json()
    for ds, got in zip(two_datasets, sorted(body["datasets"], key=lambda d: d["dataset_id"]), strict=True):
        subs = Submission.objects.filter(trainee=trainee_a, case__dataset=ds).select_related("case", "case__dataset")
        attempts = [_attempt(s) for s in subs]
        rule = AccreditationRule(ds.accreditation_last_n, ds.accreditation_min_cases)
        want = accreditation_status(attempts, rule)
        assert got["dataset_id"] == ds.pk
        assert (got["met"], got["cases_within"], got["required"], got["explanation"]) == (
            want.met,
            want.cases_within,
            want.required,
            want.explanation,
        )
        assert [(c["case_id"], c["qualifies"]) for c in got["cases"]] == [
            (r.case_id, r.qualifies) for r in case_rows(attempts, rule)
        ]


def test_the_trainee_report_applies_each_datasets_rule_like_the_app(two_datasets, trainee_a, monkeypatch):
    monkeypatch.setattr("backend.progress.selectors.overlay_get_or_render", lambda **kw: None)
    body = ApiClient(trainee_a).get(f"/api/trainees/{trainee_a.pk}/accreditation").json()
    data = trainee_report_data(trainee=trainee_a, reader=trainee_a)
    pdf = {d.dataset_id: d.status for d in trainee_accreditation(data)}
    assert {d["dataset_id"]: (d["met"], d["explanation"]) for d in body["datasets"]} == {
        k: (v.met, v.explanation) for k, v in pdf.items()
    }
    # The first dataset's rule applied to everything would have said otherwise for "Lenient".
    assert len({v.met for v in pdf.values()}) == 2


def test_a_dataset_without_attempts_is_listed_as_not_met(supervisor, cohort, trainee_a):
    dataset_create(user=supervisor, name="Empty", cohorts=[cohort])
    body = ApiClient(trainee_a).get(f"/api/trainees/{trainee_a.pk}/accreditation").json()
    (d,) = body["datasets"]
    assert d["met"] is False and d["cases"] == [] and d["explanation"].startswith("Not met: no evaluated")


def test_another_supervisor_sees_neither_the_trainee_nor_the_cohort(two_datasets, cohort, trainee_a):
    from backend.accounts.models import Role
    from backend.accounts.services import user_create

    other = ApiClient(user_create(username="otto", password="pw-otto", role=Role.SUPERVISOR, full_name="Otto"))
    assert other.get(f"/api/trainees/{trainee_a.pk}/accreditation").status_code == 404
    assert other.get(f"/api/trainees/{trainee_a.pk}/error-classes").status_code == 404
    assert other.get(f"/api/cohorts/{cohort.pk}/accreditation").status_code == 404


def test_the_cohort_lists_each_trainees_status_per_dataset(two_datasets, supervisor, cohort, trainee_a):
    body = ApiClient(supervisor).get(f"/api/cohorts/{cohort.pk}/accreditation").json()
    (row,) = body["rows"]
    assert row["trainee_id"] == trainee_a.pk
    assert {d["dataset_name"]: d["met"] for d in row["datasets"]} == {"Strict": False, "Lenient": True}


def test_it_checks_ownership(two_datasets, supervisor, cohort, trainee_a, trainee_b):
    b = ApiClient(trainee_b)
    assert b.get(f"/api/trainees/{trainee_a.pk}/accreditation").status_code == 404
    assert b.get(f"/api/cohorts/{cohort.pk}/accreditation").status_code == 404
    assert ApiClient(trainee_a).get(f"/api/cohorts/{cohort.pk}/accreditation").status_code == 404
    assert ApiClient(supervisor).get(f"/api/trainees/{trainee_b.pk}/accreditation").status_code == 404
