"""Training data: simulated trainee errors of each kind, folds by patient, real Sunnybrook cases, samples."""

from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.contours import ContourSet, polygon_area, validate_contour_set
from ml.data import (
    ERROR_KINDS,
    build_samples,
    consensus_target,
    load_sunnybrook_layout,
    patient_folds,
    phantom_cases,
    simulate_trainee,
)
from ml.preprocess import geometry_for
from tests.conftest import shared_path


def _areas(cs: ContourSet) -> tuple[float, float]:
    return polygon_area(cs.endocardium), polygon_area(cs.epicardium)


def _radius(poly, c) -> float:
    return float(np.hypot(poly[:, 0] - c[0], poly[:, 1] - c[1]).mean())


def test_each_error_kind_changes_the_contour_as_its_name_says(lv):
    rng = np.random.default_rng(3)
    expert = ContourSet(lv.endocardium, lv.epicardium)
    c = lv.epicardium.mean(axis=0)
    endo_a, epi_a = _areas(expert)
    out = {k: simulate_trainee(expert, k, rng, image_shape=lv.shape) for k in ERROR_KINDS}
    assert np.array_equal(out["exact"].endocardium, lv.endocardium)
    d = out["shift"].epicardium - lv.epicardium
    assert np.allclose(d, d[0]) and 1.5 <= np.hypot(*d[0]) <= 3.0
    assert np.array_equal(out["epi_out"].endocardium, lv.endocardium)
    assert 1.5 <= _radius(out["epi_out"].epicardium, c) - _radius(lv.epicardium, c) <= 3.0
    assert np.array_equal(out["endo_in"].epicardium, lv.epicardium)
    assert 1.5 <= _radius(lv.endocardium, c) - _radius(out["endo_in"].endocardium, c) <= 3.0
    rough = out["rough"]
    assert _areas(rough)[1] == pytest.approx(epi_a, rel=0.05) and len(rough.epicardium) > len(lv.epicardium)
    trab = out["trabeculae"]
    assert _areas(trab)[0] < endo_a * 0.99 and np.array_equal(trab.epicardium, lv.epicardium)
    warp = out["warp"]
    moved = np.hypot(*(warp.epicardium - lv.epicardium).T)
    assert 0.5 < moved.max() <= 3.0 + 1e-9
    for k, cs in out.items():
        validate_contour_set(cs, lv.shape)  # every simulated trainee is a valid contour set
        assert cs.source.startswith(f"simulated:{k}")


def test_an_unknown_error_kind_is_refused(lv):
    with pytest.raises(ValueError, match="unknown error kind"):
        simulate_trainee(
            ContourSet(lv.endocardium, lv.epicardium), "sloppy", np.random.default_rng(), image_shape=lv.shape
        )


def test_folds_never_split_a_patient_and_share_out_the_real_patients():
    patients = ["A"] * 10 + ["B"] * 10 + ["C"] * 10 + [f"phantom-0-{i}" for i in range(9) for _ in range(4)]
    folds = patient_folds(patients, 3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(patients)))
    owner = {}
    for k, idx in enumerate(folds):
        for i in idx:
            assert owner.setdefault(patients[i], k) == k
    real_per_fold = [len({patients[i] for i in idx if not patients[i].startswith("phantom")}) for idx in folds]
    assert real_per_fold == [1, 1, 1]
    with pytest.raises(ValueError, match="cannot be split"):
        patient_folds(["A", "A", "B"], 3)


def test_samples_of_an_exact_trainee_have_the_target_in_the_fourth_channel():
    cases = phantom_cases(2, seed=4)
    s = build_samples(cases, variants=3, kinds=["exact"], augment=False, flips=False)
    assert s.x.shape == (6, 224, 224, 4) and s.y.shape == (6, 224, 224)
    assert np.array_equal(s.x[..., 3], s.y)
    assert set(s.patient) == {c.patient for c in cases} and list(s.kind) == ["exact"] * 6


def test_the_target_is_the_majority_of_several_experts(lv):
    base = ContourSet(lv.endocardium, lv.epicardium)
    bigger = ContourSet(lv.endocardium, lv.epicardium + (lv.epicardium - lv.epicardium.mean(0)) * 0.05)
    g = geometry_for(base, image_shape=lv.shape, pixel_spacing_mm=lv.pixel_spacing_mm)
    assert np.array_equal(consensus_target([base, base, bigger], g), consensus_target([base], g))
    assert np.array_equal(consensus_target([base, bigger, bigger], g), consensus_target([bigger], g))
    assert consensus_target([bigger], g).sum() > consensus_target([base], g).sum()


def test_real_sunnybrook_frames_load_with_their_expert_contours():
    images = shared_path("scd-sunnybrook")
    cases = load_sunnybrook_layout(images, patients=["SC-HF-I-1"])
    assert len(cases) == 9 and {c.patient for c in cases} == {"SC-HF-I-1"}
    c = cases[0]
    assert c.frame.shape == (256, 256) and c.pixel_spacing_mm == pytest.approx((1.367188, 1.367188))
    assert c.experts[0].has_polygons
    validate_contour_set(c.experts[0], c.frame.shape)
    with pytest.raises(FileNotFoundError, match="no expert SAV"):
        load_sunnybrook_layout(images, patients=["nobody"])
