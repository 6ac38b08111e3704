"""From a myocardium probability to contours: largest plausible region, closing, convex hull, spline."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from backend.cmr.contours import ContourSet, lv_regions, ring_mask
from backend.cmr.errors import InvalidContourError
from backend.cmr.metrics import contour_distances, overlap_metrics
from ml.postprocess import contours_from_probability, smooth_closed
from tests.cmr.synthetic import circle


def _ring_prob(lv) -> np.ndarray:
    return ndimage.gaussian_filter(ring_mask(lv.endocardium, lv.epicardium, lv.shape).astype(float), 0.7)


def test_a_clean_ring_gives_back_its_contours_within_a_pixel(lv):
    out = contours_from_probability(_ring_prob(lv), pixel_spacing_mm=lv.pixel_spacing_mm)
    cs = out.contours
    truth = ContourSet(lv.endocardium, lv.epicardium)
    assert overlap_metrics(lv_regions(cs, lv.shape).myocardium, lv_regions(truth, lv.shape).myocardium).dice > 0.95
    d = contour_distances(
        [cs.endocardium, cs.epicardium], [lv.endocardium, lv.epicardium], pixel_spacing_mm=lv.pixel_spacing_mm
    )
    assert d.hausdorff_mm < 1.5  # about one pixel (1.3-1.5 mm)
    assert out.confidence > 0.5 and "endocardium_convex_hull" not in out.flags


def test_an_elongated_region_larger_than_the_ring_is_dropped(lv):
    prob = _ring_prob(lv)
    prob[5:12, 5:200] = 1.0  # a 7 x 195 px streak: larger than the ring, width:height far below 1:3
    out = contours_from_probability(prob, pixel_spacing_mm=lv.pixel_spacing_mm)
    assert "implausible_regions_dropped" in out.flags
    assert out.contours.epicardium[:, 1].min() > 20


def test_a_c_shaped_myocardium_is_closed_into_a_ring():
    shape = (120, 120)
    ring = ring_mask(circle(60, 60, 25), circle(60, 60, 35), shape)
    ring[55:65, 85:] = False  # a 10-px gap through the lateral wall
    out = contours_from_probability(ring.astype(float), pixel_spacing_mm=(1.0, 1.0))
    assert {"ring_closed", "cavity_from_hull"} & set(out.flags)
    cav = lv_regions(out.contours, shape).cavity
    assert cav.sum() == pytest.approx(np.pi * 25**2, rel=0.1)


def test_a_c_shaped_endocardium_is_replaced_by_its_convex_hull():
    shape = (120, 120)
    endo = circle(60, 60, 25)
    ring = ring_mask(endo, circle(60, 60, 35), shape)
    ring[54:66, 34:62] = True  # a 12-px papillary bar half-way into the cavity: the cavity becomes C-shaped
    out = contours_from_probability(ring.astype(float), pixel_spacing_mm=(1.0, 1.0))
    assert "endocardium_convex_hull" in out.flags
    d = contour_distances(out.contours.endocardium, endo, pixel_spacing_mm=(1.0, 1.0))
    assert d.hausdorff_mm < 2.0


def test_smoothing_removes_noise_but_keeps_the_shape():
    rng = np.random.default_rng(0)
    c = circle(50, 50, 20, n=200)
    noisy = c + rng.normal(0, 0.4, c.shape)
    s = smooth_closed(noisy)
    r = np.hypot(s[:, 0] - 50, s[:, 1] - 50)
    assert abs(r.mean() - 20) < 0.3 and r.std() < np.hypot(noisy[:, 0] - 50, noisy[:, 1] - 50).std()


def test_nothing_above_the_threshold_is_a_clear_error():
    with pytest.raises(InvalidContourError, match="no myocardium"):
        contours_from_probability(np.full((64, 64), 0.2), pixel_spacing_mm=(1.0, 1.0))
