"""Preprocessing: the crop around the trainee's contour, the four channels, and the way back to the image grid."""

from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.contours import ContourSet, polygon_area, ring_mask
from backend.cmr.errors import InvalidContourError
from backend.cmr.metrics import overlap_metrics
from backend.cmr.phantom import t1_map_pixels
from ml.preprocess import INPUT_SIZE, geometry_for, model_input, output_to_image, ring_on_input


def test_points_go_to_the_input_grid_and_back_unchanged(lv):
    cs = ContourSet(lv.endocardium, lv.epicardium)
    g = geometry_for(cs, image_shape=lv.shape, pixel_spacing_mm=lv.pixel_spacing_mm)
    back = g.to_image(g.to_input(lv.epicardium))
    assert np.allclose(back, lv.epicardium, atol=1e-9)
    # The crop is square in mm: one input pixel spans the same mm along x and y.
    sx, sy = g.step_px
    assert sx * lv.pixel_spacing_mm[1] == pytest.approx(sy * lv.pixel_spacing_mm[0])


def test_the_input_holds_the_image_in_rgb_and_the_trainees_ring_in_the_fourth_channel(lv):
    cs = ContourSet(lv.endocardium, lv.epicardium)
    frame = t1_map_pixels(lv, seed=1)
    x, g = model_input(frame, cs, pixel_spacing_mm=lv.pixel_spacing_mm)
    assert x.shape == (INPUT_SIZE, INPUT_SIZE, 4) and x.dtype == np.float32
    assert np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2])
    assert x[..., :3].min() >= 0.0 and x[..., :3].max() <= 1.0
    # The ring's area in mm2 is the same on the input grid as on the image.
    mm_per_input_px = g.fov_mm / INPUT_SIZE
    ring_mm2 = x[..., 3].sum() * mm_per_input_px**2
    dy, dx = lv.pixel_spacing_mm
    true_mm2 = (polygon_area(lv.epicardium) - polygon_area(lv.endocardium)) * dx * dy
    assert ring_mm2 == pytest.approx(true_mm2, rel=0.02)
    # The myocardium (T1 1000 ms) is darker than the blood (1580 ms) in the normalised image.
    ring = x[..., 3] > 0
    assert x[ring, 0].mean() < x[~ring, 0][x[~ring, 0] > 0.5].mean()


def test_an_output_maps_back_onto_the_image_grid(lv):
    cs = ContourSet(lv.endocardium, lv.epicardium)
    g = geometry_for(cs, image_shape=lv.shape, pixel_spacing_mm=lv.pixel_spacing_mm)
    prob = output_to_image(ring_on_input(cs, g), g)
    assert prob.shape == lv.shape  # non-square: a transposition would fail here
    truth = ring_mask(lv.endocardium, lv.epicardium, lv.shape)
    assert overlap_metrics(prob >= 0.5, truth).dice > 0.97


def test_it_needs_both_walls():
    cs = ContourSet(endocardium=None, epicardium=None, myocardium_mask=np.zeros((64, 64), bool))
    with pytest.raises(InvalidContourError, match="both walls"):
        geometry_for(cs, image_shape=(64, 64), pixel_spacing_mm=(1.0, 1.0))


def test_the_scanline_fill_marks_the_same_pixel_centres_as_skimage(lv):
    from backend.cmr.contours import polygon_to_mask
    from ml.preprocess import fill_polygon

    rng = np.random.default_rng(7)
    polys = [lv.epicardium * 4.3 + 1.25, lv.endocardium * 3.7 - 0.5]
    for _ in range(5):  # random star-shaped (non-convex) polygons, some crossing the border
        t = np.sort(rng.uniform(0, 2 * np.pi, 40))
        r = rng.uniform(20, 120, 40)
        polys.append(np.column_stack([150 + r * np.cos(t), 140 + r * np.sin(t)]))
    for poly in polys:
        shape = (300, 900) if poly.max() > 300 else (300, 300)
        assert np.array_equal(fill_polygon(poly, shape), polygon_to_mask(poly, shape))
