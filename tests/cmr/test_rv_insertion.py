"""The RV insertion estimator on synthetic images with a known RV crescent, and its fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.phantom import cine_frame_pixels, lv_phantom, t1_map_pixels
from backend.cmr.rv_insertion import estimate_rv_insertion
from backend.cmr.segments import DEFAULT_ANCHOR_DEG, display_angle_deg, polygon_centroid


def _truth_deg(ph) -> float:
    return float(display_angle_deg(np.asarray([ph.rv_insertion]), polygon_centroid(ph.endocardium))[0])


@pytest.mark.parametrize("spacing", [(1.4, 1.4), (1.4, 1.5), (1.25, 1.0)])
@pytest.mark.parametrize("make", [cine_frame_pixels, t1_map_pixels], ids=["cine", "t1_map"])
@pytest.mark.parametrize("seed", [0, 3])
def test_it_finds_the_phantoms_anterior_insertion_within_four_degrees(spacing, make, seed):
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=spacing, seed=seed)
    e = estimate_rv_insertion(make(ph, seed=seed), ph.endocardium, ph.epicardium, pixel_spacing_mm=spacing)
    assert e.method == "image"
    # The phantom's truth is the first epicardial vertex inside the RV ellipse (3-degree vertex steps): the band
    # 2-6 mm out ends a little later; measured 1.9-3.5 degrees.
    assert 0.0 <= e.angle_deg - _truth_deg(ph) <= 4.0
    assert e.run_deg is not None and 200 < e.run_deg[1] < 260  # the inferior end of the crescent
    assert "Estimated from the image" in e.reason


def test_the_point_lies_on_the_epicardium():
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=1)
    e = estimate_rv_insertion(cine_frame_pixels(ph), ph.endocardium, ph.epicardium, pixel_spacing_mm=(1.4, 1.5))
    d = np.hypot(*(ph.epicardium - np.asarray(e.point)).T)
    assert d.min() < 1.0  # pixels: between two vertices of the polygon
    assert all(type(v) is float for v in e.point)  # plain floats, storable as they are


def test_it_follows_a_rotated_image():
    # Rotating the whole image by 180 degrees puts the RV on the right: the left-half rule finds no RV there.
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.4), seed=2)
    img = cine_frame_pixels(ph)[::-1, ::-1]
    rot = lambda p: np.column_stack([207 - p[:, 0], 159 - p[:, 1]])  # noqa: E731
    e = estimate_rv_insertion(img, rot(ph.endocardium), rot(ph.epicardium), pixel_spacing_mm=(1.4, 1.4))
    assert e.method == "default" and "No arc" in e.reason


def test_it_falls_back_to_the_default_anchor_without_bright_blood():
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.4), seed=0)
    flat = np.full(ph.shape, 100.0) + np.random.default_rng(0).normal(0, 5, ph.shape)
    e = estimate_rv_insertion(flat, ph.endocardium, ph.epicardium, pixel_spacing_mm=(1.4, 1.4))
    assert e.method == "default" and e.run_deg is None
    assert e.angle_deg == pytest.approx(DEFAULT_ANCHOR_DEG, abs=0.5)
    assert "not clearly brighter" in e.reason


def test_an_image_without_an_rv_gets_the_default_anchor():
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.4), seed=0)
    img = cine_frame_pixels(ph, blood=450.0)
    img = np.where(ph.epicardial_mask(), img, 150.0)  # everything outside the LV like myocardium
    e = estimate_rv_insertion(img, ph.endocardium, ph.epicardium, pixel_spacing_mm=(1.4, 1.4))
    assert e.method == "default" and "No arc" in e.reason


def test_it_refuses_a_series():
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.4), seed=0)
    with pytest.raises(ValueError, match="2-D"):
        estimate_rv_insertion(np.zeros((2, 160, 208)), ph.endocardium, ph.epicardium, pixel_spacing_mm=(1.4, 1.4))


def test_on_the_real_sunnybrook_frames_it_finds_an_arc_on_most_and_stays_on_the_epicardium():
    # No ground truth on these frames: the closing note reports the spread. Measured (BLOOD_LIKE 0.4): 13 of 18
    # end-diastolic frames from the image, the others the default anchor; SC-HF-I-1 is rotated (RV lower left).
    import csv

    from backend.cmr.dicom import load_image
    from tests.conftest import shared_path

    root = shared_path("scd-sunnybrook")
    found = 0
    with open(root / "manifest.csv") as fh:
        rows = [r for r in csv.DictReader(fh) if r["o_contour"] and "known" not in r["dicom"]]
    assert len(rows) == 18
    for r in rows:
        img = load_image(root / r["dicom"])
        endo, epi = np.loadtxt(root / r["i_contour"]), np.loadtxt(root / r["o_contour"])
        e = estimate_rv_insertion(img.display_frame(), endo, epi, pixel_spacing_mm=img.pixel_spacing_mm)
        assert np.hypot(*(epi - np.asarray(e.point)).T).min() < 1.5
        found += e.method == "image"
    assert found >= 12
