"""Inference end to end with a real Keras model file: the copy-the-trainee model returns the trainee's contours."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("keras")

from backend.cmr.contours import ContourSet, lv_regions
from backend.cmr.metrics import contour_distances, overlap_metrics
from backend.cmr.phantom import t1_map_pixels
from ml.data import phantom_cases
from ml.evaluate import evaluate_cases
from ml.infer import get_predictor, loaded_models


def test_the_pipeline_maps_the_output_back_onto_the_image_at_sub_pixel_precision(copy_trainee_model, lv):
    p = get_predictor(copy_trainee_model)
    trainee = ContourSet(lv.endocardium, lv.epicardium)
    pred = p.predict(t1_map_pixels(lv, seed=2), trainee, pixel_spacing_mm=lv.pixel_spacing_mm)
    cs = pred.consensus.contours
    assert pred.probability.shape == lv.shape
    dice = overlap_metrics(lv_regions(cs, lv.shape).myocardium, lv_regions(trainee, lv.shape).myocardium).dice
    assert dice > 0.95
    d = contour_distances(
        [cs.endocardium, cs.epicardium], [lv.endocardium, lv.epicardium], pixel_spacing_mm=lv.pixel_spacing_mm
    )
    assert d.mean_surface_distance_mm < 0.5  # well under a pixel (1.3-1.5 mm)
    assert pred.seconds < 5


def test_a_model_folder_is_loaded_once_per_process(copy_trainee_model):
    a = get_predictor(copy_trainee_model)
    t0 = time.perf_counter()
    b = get_predictor(copy_trainee_model)
    assert a is b and time.perf_counter() - t0 < 0.01
    assert str(copy_trainee_model.resolve()) in loaded_models()


def test_the_evaluation_compares_trainee_and_model_with_the_experts_per_error_kind(copy_trainee_model):
    p = get_predictor(copy_trainee_model)
    cases = phantom_cases(2, seed=9)
    ev = evaluate_cases(
        lambda f, t, s: p.predict(f, t, pixel_spacing_mm=s).consensus.contours, cases, kinds=["exact", "epi_out"]
    )
    ex, out = ev["per_kind"]["exact"], ev["per_kind"]["epi_out"]
    assert ex["n"] == 2 and out["n"] == 2
    assert ex["trainee"]["dice"] == pytest.approx(1.0) and ex["trainee"]["hd_mm"] == pytest.approx(0.0, abs=1e-6)
    # The copy model reproduces the trainee: near the trainee's own agreement, never better than it by much.
    assert ex["model"]["dice"] > 0.93
    assert out["model"]["dice"] == pytest.approx(out["trainee"]["dice"], abs=0.04)
    assert out["trainee"]["dice"] < 0.95
    assert len(ev["rows"]) == 4 and all(not r["error"] for r in ev["rows"])


def test_the_evaluate_command_reports_a_saved_model_per_error_kind(copy_trainee_model, tmp_path, capsys):
    from ml.evaluate import main
    from tests.conftest import shared_path

    data = shared_path("scd-sunnybrook")
    out = tmp_path / "ev.json"
    assert (
        main(["--model", str(copy_trainee_model), "--data", str(data), "--patients", "SC-HF-I-2", "--json", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert "copy-trainee-test on 9 case(s)" in text and "warp" in text
    import json

    ev = json.loads(out.read_text())
    # The copy model follows every moved hint, so it abstains on every input: no consensus is ever scored, and it
    # is never "closer to the experts" than the trainee it copies.
    assert ev["per_kind"]["exact"]["n"] == 9 and ev["overall"]["abstention_rate"] == 1.0
    assert ev["overall"]["n_scored"] == 0 and ev["overall"]["model_closer_dice"] == 0.0
    assert all("follows your own contour" in r["abstain_reason"] for r in ev["rows"])
    assert "abstained" in text
    assert main(["--model", str(tmp_path), "--data", str(data)]) == 2
