"""The CSV export of results: every row equals the database (each number of the stored evaluation summary, the
verdict and the consensus version), per cohort, per dataset and per trainee, from the API and the command."""

from __future__ import annotations

import csv
import io
import math

import pytest
from django.core.management import call_command

from backend.submissions.models import Submission
from backend.submissions.services import evaluation_run, submission_create
from tests.backend.conftest import ApiClient, grow, sav_upload
from tests.backend.three_supervisors import three  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def flatten(node, prefix: str = "") -> dict:
    """The oracle's own flattening of a summary: every leaf by its path (lists by 1-based position)."""
    out = {}
    if isinstance(node, dict):
        for k, v in node.items():
            out.update(flatten(v, f"{prefix}{k}_"))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.update(flatten(v, f"{prefix}{i + 1}_"))
    else:
        out[prefix[:-1]] = node
    return out


def same(cell: str, value) -> bool:
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, (int, float)):
        return float(cell) == float(value) or (math.isnan(float(value)) and cell == "nan")
    return cell == str(value)


def check_rows_equal_the_database(rows: list[dict]) -> int:
    """Compare each row with its submission; returns how many summary numbers were compared."""
    compared = 0
    for row in rows:
        s = Submission.objects.select_related("case__dataset", "trainee").get(pk=int(row["submission_id"]))
        assert int(row["trainee_id"]) == s.trainee_id and row["trainee_username"] == s.trainee.username
        assert int(row["case_id"]) == s.case_id and row["case_title"] == s.case.title
        assert int(row["dataset_id"]) == s.case.dataset_id and int(row["attempt"]) == s.attempt
        assert row["status"] == s.status and row["consensus_source"] == s.consensus_source
        assert same(row["consensus_version"], s.consensus_version)
        sm = s.summary
        assert row["verdict"] == sm["verdict"]["result"] and row["verdict_message"] == sm["verdict"]["message"]
        leaves = flatten(sm)
        for who in ("myocardium", "endocardium", "epicardium"):
            for metric, v in sm["agreement"][who].items():
                assert same(row[f"{who}_{metric}"], v), (who, metric)
                compared += 1
        for who in ("trainee", "consensus"):
            wt = sm[who]["wall_thickness"]
            for i, v in enumerate(wt["sectors_mm"]):
                assert same(row[f"{who}_wall_thickness_sector{i + 1}_mm"], v)
            for k, v in sm[who]["map"].items():
                assert same(row[f"{who}_map_{k}"], v), (who, k)
                compared += 1
            assert same(row[f"{who}_wall_thickness_mean_mm"], leaves[f"{who}_wall_thickness_mean_mm"])
            assert same(row[f"{who}_myocardium_area_mm2"], leaves[f"{who}_myocardium_area_mm2"])
        for k, v in sm["delta"].items():
            if isinstance(v, list):
                for i, x in enumerate(v):
                    assert same(row[f"delta_wall_thickness_sector{i + 1}_mm"], x)
            else:
                assert same(row[f"delta_{k}"], v), k
            compared += 1
        for k, v in sm["tolerances"].items():
            assert same(row[f"tolerance_{k}"], v), k
        for chk in sm["verdict"]["checks"]:
            for f in ("measured", "limit", "passed", "margin"):
                assert same(row[f"check_{chk['quantity']}_{f}"], chk[f]), (chk["quantity"], f)
                compared += 1
        for i, seg in enumerate(sm["segments"]):
            for k, v in seg.items():
                assert same(row[f"segment{i + 1}_{k}"], v), (i, k)
                compared += 1
    return compared


def test_the_cohort_csv_has_one_row_per_submission_equal_to_the_database(three, phantom):  # noqa: F811
    s1, _, _, _ = three
    # A second attempt, so a trainee has two rows on one case.
    sub = submission_create(
        trainee=s1.trainee,
        case=s1.case,
        contours=sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 2)),
    )
    evaluation_run(submission_id=sub.pk)
    r = ApiClient(s1.supervisor).get(f"/api/exports/results.csv?cohort={s1.cohort.pk}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    rows = parse(r.content.decode())
    expected = Submission.objects.filter(case__dataset=s1.dataset).order_by("pk")
    assert sorted(int(x["submission_id"]) for x in rows) == [s.pk for s in expected]
    assert len(rows) == 3  # trainee1 twice, the shared trainee once (their S2 work is not S1's)
    assert check_rows_equal_the_database(rows) > 100
    assert {x["cohorts"] for x in rows} == {"Cohort of S1"}


def test_the_dataset_and_trainee_csvs_and_the_command_give_the_same_rows(three, tmp_path):  # noqa: F811
    s1, s2, _, shared = three
    c2 = ApiClient(s2.supervisor)
    by_dataset = parse(c2.get(f"/api/exports/results.csv?dataset={s2.dataset.pk}").content.decode())
    assert sorted(int(x["submission_id"]) for x in by_dataset) == sorted([s2.submission.pk, s2.shared_submission.pk])
    check_rows_equal_the_database(by_dataset)
    by_trainee = parse(c2.get(f"/api/exports/results.csv?trainee={shared.pk}").content.decode())
    assert [int(x["submission_id"]) for x in by_trainee] == [s2.shared_submission.pk]

    out = tmp_path / "s2.csv"
    call_command("export_results", "--cohort", "Cohort of S2", "--out", str(out))
    assert parse(out.read_text()) == parse(c2.get(f"/api/exports/results.csv?cohort={s2.cohort.pk}").content.decode())
    call_command("export_results", "--dataset", "Dataset of S1", "--out", str(out))
    check_rows_equal_the_database(parse(out.read_text()))
    call_command("export_results", "--trainee", "shared", "--out", str(out))  # the site's own: both supervisors'
    assert sorted(int(x["submission_id"]) for x in parse(out.read_text())) == sorted(
        [s1.shared_submission.pk, s2.shared_submission.pk]
    )


def test_bad_export_requests_are_refused_with_a_message(three):  # noqa: F811
    s1, *_ = three
    c = ApiClient(s1.supervisor)
    for q in ("", f"cohort={s1.cohort.pk}&dataset={s1.dataset.pk}", "cohort=abc"):
        r = c.get(f"/api/exports/results.csv?{q}")
        assert r.status_code == 400 and r.json()["detail"], q
    assert ApiClient(s1.trainee).get(f"/api/exports/results.csv?cohort={s1.cohort.pk}").status_code == 403
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no cohort named"):
        call_command("export_results", "--cohort", "Nobody's", "--out", "-")
