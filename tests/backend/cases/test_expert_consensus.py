"""Consensus sources that do what their names say (issue 10 item 6): the expert consensus is STAPLE over a case's
expert contours (majority vote for two) with each expert's reliability shown to the supervisor; a case whose source
needs contours it does not have is refused; an automatic case needs no gold standard.

Oracles: hand-made experts on the phantom (two exact, one drawn 4 px too wide, so STAPLE must rate it least
specific); for two experts the majority vote is their intersection, counted pixel by pixel here.
"""

from __future__ import annotations

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.cases.models import Case, ReferenceContour, ReferenceKind
from backend.cases.services import dataset_create
from backend.cmr.contours import ContourSet, contour_set_from_bytes, lv_regions
from backend.core.storage import file_read
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, dicom_upload, grow, media_files, sav_upload


def _post_case(c, ds, phantom, tmp_path, experts, gold=None):
    files = {"image": dicom_upload(phantom, tmp_path), "experts": experts}
    if gold is not None:
        files["gold_standard"] = gold
    return c.post("/api/cases/", {"dataset": str(ds.pk), "title": "Experts", **files}, json=False)


def _expert(phantom, epi_px=0.0, endo_px=0.0, name="e.sav") -> SimpleUploadedFile:
    return sav_upload(
        grow(phantom.endocardium, phantom.centre, endo_px), grow(phantom.epicardium, phantom.centre, epi_px), name
    )


def test_staple_of_three_experts_is_the_consensus_and_the_supervisor_sees_each_experts_reliability(
    supervisor, cohort, trainee_a, phantom, tmp_path, django_capture_on_commit_callbacks
):
    ds = dataset_create(user=supervisor, name="Experts", cohorts=[cohort], consensus_source="expert_consensus")
    c = ApiClient(supervisor)
    experts = [
        _expert(phantom, 0.0, 0.0, "a.sav"),
        _expert(phantom, 0.3, 0.0, "b.sav"),
        _expert(phantom, 4.0, 0, "c.sav"),
    ]
    r = _post_case(c, ds, phantom, tmp_path, experts)
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    detail = c.get(f"/api/cases/{case.pk}").json()
    ec = detail["expert_consensus"]
    assert ec["method"] == "staple" and ec["n_experts"] == 3 and ec["version"] == 1
    spec = [x["specificity"] for x in ec["raters"]]
    sens = [x["sensitivity"] for x in ec["raters"]]
    # The expert who drew the epicardium 4 px out includes background: the least specific of the three.
    assert int(np.argmin(spec)) == 2 and spec[2] < min(spec[:2])
    assert all(0.9 <= s <= 1.0 for s in sens)
    # The STAPLE consensus sits with the two agreeing experts, not the wide one.
    ref = ReferenceContour.objects.get(case=case, kind=ReferenceKind.EXPERT_CONSENSUS)
    cons = lv_regions(contour_set_from_bytes(file_read(ref.contours_file)), phantom.shape)
    truth = lv_regions(ContourSet(phantom.endocardium, phantom.epicardium), phantom.shape)
    wide = lv_regions(ContourSet(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 4.0)), phantom.shape)
    assert abs(int(cons.whole.sum()) - int(truth.whole.sum())) < abs(int(wide.whole.sum()) - int(truth.whole.sum())) / 3
    # A trainee's evaluation uses it and records its version.
    assert ApiClient(trainee_a).get(f"/api/cases/{case.pk}").json()["expert_consensus"] is None  # supervisors only
    with django_capture_on_commit_callbacks(execute=False):
        sid = (
            ApiClient(trainee_a)
            .post(
                "/api/submissions/",
                {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
                json=False,
            )
            .json()["id"]
        )
    sub = evaluation_run(submission_id=sid)
    assert sub.status == "done" and sub.consensus_source == "expert_consensus" and sub.consensus_version == 1
    assert sub.summary["agreement"]["myocardium"]["dice"] > 0.95


def test_two_experts_are_fused_by_majority_vote_their_intersection(supervisor, cohort, phantom, tmp_path):
    ds = dataset_create(user=supervisor, name="Two", cohorts=[cohort], consensus_source="expert_consensus")
    c = ApiClient(supervisor)
    r = _post_case(
        c, ds, phantom, tmp_path, [_expert(phantom, 2.0, 0.0, "a.sav"), _expert(phantom, 0.0, -1.5, "b.sav")]
    )
    assert r.status_code == 201, r.content
    ec = c.get(f"/api/cases/{r.json()['id']}").json()["expert_consensus"]
    assert ec["method"] == "majority" and ec["raters"][0]["sensitivity"] is None
    ref = ReferenceContour.objects.get(case_id=r.json()["id"], kind=ReferenceKind.EXPERT_CONSENSUS)
    cons = lv_regions(contour_set_from_bytes(file_read(ref.contours_file)), phantom.shape)
    a = lv_regions(ContourSet(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 2.0)), phantom.shape)
    b = lv_regions(ContourSet(grow(phantom.endocardium, phantom.centre, -1.5), phantom.epicardium), phantom.shape)
    # Strict majority of two = the intersection, region by region (the consensus is traced, so allow its boundary).
    inter_whole = a.whole & b.whole
    assert abs(int(cons.whole.sum()) - int(inter_whole.sum())) <= 0.03 * inter_whole.sum()
    inter_cavity = a.cavity & b.cavity
    assert abs(int(cons.cavity.sum()) - int(inter_cavity.sum())) <= 0.05 * inter_cavity.sum()


def test_an_expert_consensus_case_with_one_expert_is_refused_and_nothing_is_stored(
    supervisor, cohort, phantom, tmp_path
):
    ds = dataset_create(user=supervisor, name="One", cohorts=[cohort], consensus_source="expert_consensus")
    before = len(media_files())
    r = _post_case(ApiClient(supervisor), ds, phantom, tmp_path, [_expert(phantom)])
    assert r.status_code == 400
    assert "at least two" in r.json()["detail"] and "STAPLE" in r.json()["detail"]
    assert not Case.objects.filter(dataset=ds).exists() and len(media_files()) == before


def test_an_automatic_case_needs_no_gold_standard_but_a_gold_standard_case_does(supervisor, cohort, phantom, tmp_path):
    c = ApiClient(supervisor)
    auto = dataset_create(user=supervisor, name="Auto", cohorts=[cohort], consensus_source="automatic")
    assert _post_case(c, auto, phantom, tmp_path, []).status_code == 201
    gold = dataset_create(user=supervisor, name="Gold", cohorts=[cohort], consensus_source="gold_standard")
    r = _post_case(c, gold, phantom, tmp_path, [])
    assert r.status_code == 400 and "gold-standard" in r.json()["detail"]
