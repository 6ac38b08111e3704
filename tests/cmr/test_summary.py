"""The evaluation summary and its verdict: every tolerance checked, by hand-computed margins."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from backend.cmr.assessment import assess, to_json_ready
from backend.cmr.contours import ContourSet
from backend.cmr.phantom import lv_phantom, t1_map_pixels
from backend.cmr.summary import DEFAULT_TOLERANCES, Tolerances, evaluation_summary, verdict_for


def check(v: dict, quantity: str) -> dict:
    return next(c for c in v["checks"] if c["quantity"] == quantity)


def test_the_limits_are_inclusive_and_a_good_attempt_is_within():
    v = verdict_for(quantity="t1_ms", dice=0.85, delta_map=-8.4, delta_wall_thickness_mm=1.5)
    assert v["result"] == "within" and v["failed"] == []
    assert [c["quantity"] for c in v["checks"]] == ["dice", "t1", "wall_thickness"]
    assert all(c["passed"] is True for c in v["checks"])
    assert check(v, "t1")["margin"] == pytest.approx(0.0) and check(v, "dice")["margin"] == pytest.approx(0.0)
    assert v["message"].startswith("Within expert agreement on all 3 tolerances")


def test_it_names_what_failed_and_by_how_much():
    v = verdict_for(quantity="t1_ms", dice=0.92, delta_map=22.9, delta_wall_thickness_mm=-0.3)
    assert v["result"] == "outside" and v["failed"] == ["t1"]
    t1 = check(v, "t1")
    assert (t1["measured"], t1["limit"], t1["unit"], t1["passed"]) == (22.9, 8.4, "ms", False)
    assert t1["margin"] == pytest.approx(8.4 - 22.9)  # 14.5 ms over
    assert "+22.9 ms" in t1["message"] and "14.5 ms over the limit of ±8.4 ms" in t1["message"]
    assert v["message"] == "Outside expert agreement. " + t1["message"]
    d = verdict_for(quantity="t1_ms", dice=0.849, delta_map=0.0, delta_wall_thickness_mm=0.0)
    assert d["failed"] == ["dice"] and "0.001 below the minimum 0.85" in check(d, "dice")["message"]


def test_each_map_has_its_own_tolerance():
    # 3 ms is inside the T1 tolerance (8.4 ms) but outside the T2 one (2.2 ms).
    assert verdict_for(quantity="t1_ms", dice=0.9, delta_map=3.0, delta_wall_thickness_mm=0)["result"] == "within"
    t2 = verdict_for(quantity="t2_ms", dice=0.9, delta_map=3.0, delta_wall_thickness_mm=0)
    assert t2["failed"] == ["t2"] and check(t2, "t2")["limit"] == 2.2
    # T2* is relative by default: 10 % of the consensus; never the T1 tolerance.
    t2s = verdict_for(quantity="t2star_ms", dice=0.9, delta_map=3.0, delta_map_percent=15.0, delta_wall_thickness_mm=0)
    c = check(t2s, "t2star")
    assert (c["measured"], c["limit"], c["unit"], c["passed"]) == (15.0, 10.0, "%", False)
    assert "5.0 % over the limit of ±10.0 %" in c["message"]
    ms = Tolerances(t2star_ms=2.0)
    c = check(
        verdict_for(quantity="t2star_ms", dice=0.9, delta_map=1.5, delta_map_percent=15.0, tolerances=ms), "t2star"
    )
    assert (c["measured"], c["limit"], c["unit"], c["passed"]) == (1.5, 2.0, "ms", True)
    # A cine frame has no relaxation time: no map tolerance at all.
    sig = verdict_for(quantity="signal", dice=0.9, delta_map=40.0, delta_wall_thickness_mm=0)
    assert [c["quantity"] for c in sig["checks"]] == ["dice", "wall_thickness"] and sig["result"] == "within"


def test_hd95_is_judged_only_when_a_limit_is_set():
    assert "hd95" not in [c["quantity"] for c in verdict_for(quantity=None, dice=0.9, hd95_mm=9.0)["checks"]]
    v = verdict_for(
        quantity=None, dice=0.9, delta_wall_thickness_mm=0.0, hd95_mm=4.0, tolerances=Tolerances(hd95_mm=3.0)
    )
    c = check(v, "hd95")
    assert v["failed"] == ["hd95"] and c["margin"] == pytest.approx(-1.0) and c["comparison"] == "at_most"


def test_unmeasured_values_never_pass_and_no_dice_is_not_assessed():
    v = verdict_for(quantity="t1_ms", dice=0.9, delta_map=None, delta_wall_thickness_mm=float("nan"))
    assert v["result"] == "within" and check(v, "t1")["passed"] is None
    assert "Not measured: Myocardial T1, Mean wall thickness." in v["message"]
    assert verdict_for(quantity="t1_ms", dice=None)["result"] == "not_assessed"
    # Failing one measured tolerance is "outside" even when another could not be measured.
    assert verdict_for(quantity="t1_ms", dice=0.5, delta_map=None)["result"] == "outside"


def test_tolerances_refuse_nonsense_with_a_sentence():
    with pytest.raises(ValueError, match="Dice tolerance must be between 0 and 1"):
        Tolerances(dice=1.5)
    with pytest.raises(ValueError, match="T1 tolerance must be a positive number"):
        Tolerances(t1_ms=-1)
    with pytest.raises(ValueError, match="T2\\* tolerance"):
        Tolerances(t2star_percent=None)
    with pytest.raises(ValueError, match="Unknown tolerance"):
        Tolerances.from_dict({"map_ms": 3})
    assert Tolerances.from_dict({"dice": 0.9}).dice == 0.9 and DEFAULT_TOLERANCES.t1_ms == 8.4


def _payload(**delta) -> dict:
    rater = {
        "myocardium_area_mm2": 1000.0,
        "wall_thickness_mm": {
            "mean": 6.0,
            "sectors": [6.0] * 6,
            "sector_names": [f"sector {i}" for i in range(1, 7)],
            "local_min": 5.0,
            "local_max": 7.0,
            "flags": [],
        },
        "map": {"quantity": "t1_ms", "mean": 1000.0, "sd": 40.0, "median": 998.0, "iqr": 50.0, "n_pixels": 300},
        "iron_grade": None,
    }
    trainee = json.loads(json.dumps(rater))
    trainee["map"]["mean"] = 1000.0 + delta.get("t1", 0.0)
    trainee["wall_thickness_mm"]["mean"] = 6.0 + delta.get("wt", 0.0)
    wall = {"dice": 0.9, "jaccard": 0.9 / 1.1, "hausdorff_mm": 2.0, "hd95_mm": 1.5, "mean_surface_distance_mm": 0.5}
    return {
        "agreement": {
            "myocardium": {"dice": delta.get("dice", 0.9), "jaccard": float("nan"), "flags": ["distances_from_masks"]},
            "endocardium": {**wall, "flags": []},
            "epicardium": {**wall, "hd95_mm": 2.5, "flags": []},
        },
        "trainee": trainee,
        "reference": rater,
        "delta": {"map_quantity": "t1_ms"},
        "warnings": [{"code": "walls_touch", "message": "Your endocardium touches the epicardium over 4.0 mm."}],
    }


def test_the_summary_takes_its_numbers_from_the_payload_and_hides_internal_flags():
    s = evaluation_summary(_payload(t1=-12.0, wt=0.4))
    assert s["delta"]["map"] == pytest.approx(-12.0) and s["delta"]["map_percent"] == pytest.approx(-1.2)
    assert s["delta"]["wall_thickness_mm"] == pytest.approx(0.4)
    assert s["agreement"]["myocardium"]["jaccard"] is None  # NaN becomes null, never a made-up number
    assert s["verdict"]["failed"] == ["t1"] and s["tolerances"] == DEFAULT_TOLERANCES.as_dict()
    assert s["consensus"]["map"]["mean"] == 1000.0 and s["trainee"]["wall_thickness"]["mean_mm"] == 6.4
    assert [w["code"] for w in s["warnings"]] == ["walls_touch"]  # distances_from_masks is internal
    json.dumps(s, allow_nan=False)
    hd = evaluation_summary(_payload(), Tolerances(hd95_mm=2.0))
    assert check(hd["verdict"], "hd95")["measured"] == 2.5  # the worse wall


def test_without_a_consensus_the_verdict_says_why():
    p = _payload()
    p.update(agreement=None, reference=None, delta=None)
    s = evaluation_summary(p, no_consensus_reason="This case has no gold-standard contours yet.")
    assert s["verdict"] == {
        "result": "not_assessed",
        "message": "Not assessed. This case has no gold-standard contours yet.",
        "failed": [],
        "checks": [],
    }
    assert s["consensus"] is None and s["trainee"]["map"]["mean"] == 1000.0


def test_a_real_assessment_of_a_thickened_wall_fails_on_wall_thickness_only():
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=11)
    from backend.cmr.dicom import CMRImage, ImageKind

    img = CMRImage(
        pixels=t1_map_pixels(ph, noise_sd_ms=0.0, seed=11),
        pixel_spacing_mm=ph.pixel_spacing_mm,
        kind=ImageKind.T1_MAP,
        echo_times_ms=None,
        field_strength_t=1.5,
        units="ms",
        manufacturer="",
        description="",
        series_instance_uid="1.2.3",
        sop_instance_uids=("1.2.3.4",),
    )
    ref = ContourSet(endocardium=ph.endocardium, epicardium=ph.epicardium)
    centre = np.asarray(ph.centre)
    v = ph.epicardium - centre
    r = (v**2).sum(axis=1) ** 0.5
    grown = centre + v * ((r + 2.0) / r)[:, None]  # epicardium 2 px out: about 2.9 mm thicker
    s = evaluation_summary(to_json_ready(assess(img, ContourSet(ph.endocardium, grown), ref).payload))
    wt = check(s["verdict"], "wall_thickness")
    assert wt["passed"] is False and 2.0 < wt["measured"] < 3.2
    assert s["verdict"]["result"] == "outside" and "wall_thickness" in s["verdict"]["failed"]
    same = evaluation_summary(to_json_ready(assess(img, ref, ref).payload))
    assert same["verdict"]["result"] == "within" and same["agreement"]["myocardium"]["dice"] == 1.0
    assert not math.isnan(same["delta"]["wall_thickness_mm"]) and same["delta"]["wall_thickness_mm"] == 0.0
