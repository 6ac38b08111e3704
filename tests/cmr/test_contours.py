from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.contours import (
    ContourSet,
    as_polygon,
    lv_regions,
    mask_to_contour,
    mask_to_contours,
    perimeter,
    polygon_area,
    polygon_to_mask,
    resample_contour,
    ring_mask,
    validate_contour_set,
    wall_contours,
)
from backend.cmr.errors import InvalidContourError
from tests.cmr.synthetic import circle


def test_polygon_area_of_a_rectangle_is_exact_with_anisotropic_spacing():
    rect = np.array([[0, 0], [4, 0], [4, 2], [0, 2]], float)
    assert polygon_area(rect, (1.5, 0.5)) == pytest.approx(4 * 0.5 * 2 * 1.5)
    assert perimeter(rect, (1.5, 0.5)) == pytest.approx(2 * (4 * 0.5) + 2 * (2 * 1.5))


def test_polygon_to_mask_counts_pixel_centres_and_does_not_overstate_the_area():
    c = circle(60.3, 40.7, 25.0, 720)
    m = polygon_to_mask(c, (90, 130))
    # Pixel-centre rasterisation: the count is close to the true area (cv2.fillPoly would add ~ half the perimeter).
    assert abs(m.sum() - np.pi * 25**2) < 0.02 * np.pi * 25**2
    assert abs(m.sum() - np.pi * 25**2) < np.pi * 25  # far less than half the perimeter


def test_polygon_to_mask_keeps_rows_and_columns_apart_on_a_non_square_image():
    # A wide, short rectangle: x (columns) 10..50, y (rows) 5..12 in a 20 x 64 image.
    rect = np.array([[10, 5], [50, 5], [50, 12], [10, 12]], float)
    m = polygon_to_mask(rect, (20, 64))
    rows, cols = np.nonzero(m)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 12, 10, 50)


def test_mask_to_contour_is_sub_pixel_and_encloses_the_mask_area():
    m = polygon_to_mask(circle(40, 30, 15.2), (64, 96))
    c = mask_to_contour(m)
    # Marching squares at 0.5 passes half-way between inside and outside pixel centres: same area as the pixel count
    # up to the corner cuts (a fraction of a pixel per boundary pixel).
    assert abs(polygon_area(c) - m.sum()) < 0.1 * perimeter(c)
    assert np.allclose(np.mean(c, axis=0), [40, 30], atol=0.2)


def test_mask_to_contours_returns_both_boundaries_of_a_ring_largest_first():
    ring = ring_mask(circle(50, 50, 10), circle(50, 50, 18), (100, 100))
    cs = mask_to_contours(ring)
    assert len(cs) == 2
    assert polygon_area(cs[0]) > polygon_area(cs[1])
    assert mask_to_contours(np.zeros((5, 5), bool)) == []


def test_resample_contour_uses_equal_arc_length_steps_in_mm():
    c = circle(0, 0, 10, 50)
    r = resample_contour(c, 0.5, spacing=(2.0, 1.0))
    d = np.diff(np.vstack([r, r[:1]]) * (1.0, 2.0), axis=0)
    steps = np.hypot(d[:, 0], d[:, 1])
    assert steps.max() <= 0.5 + 1e-9
    assert np.std(steps) < 0.05
    with pytest.raises(ValueError):
        resample_contour(c, 0)


def test_as_polygon_drops_the_repeated_closing_point_and_refuses_too_few_points():
    tri = np.array([[0, 0], [1, 0], [0, 1], [0, 0]], float)
    assert len(as_polygon(tri)) == 3
    with pytest.raises(InvalidContourError, match="at least 3"):
        as_polygon([[0, 0], [1, 1], [0, 0]], name="endocardium")
    with pytest.raises(InvalidContourError, match="shape"):
        as_polygon(np.zeros((3, 3)))


def test_lv_regions_from_a_mask_fill_the_cavity():
    shape = (80, 80)
    endo, epi = circle(40, 40, 10), circle(40, 40, 17)
    from_polys = lv_regions(ContourSet(endo, epi), shape)
    from_mask = lv_regions(ContourSet(None, None, myocardium_mask=from_polys.myocardium), shape)
    assert np.array_equal(from_mask.cavity, from_polys.cavity)
    assert np.array_equal(from_mask.whole, from_polys.whole)
    e, o = wall_contours(ContourSet(None, None, myocardium_mask=from_polys.myocardium), shape)
    assert polygon_area(e) < polygon_area(o)


def test_validation_refuses_an_endocardium_outside_the_epicardium():
    cs = ContourSet(circle(30, 30, 10), circle(45, 30, 10))
    with pytest.raises(InvalidContourError, match="not inside the epicardium"):
        validate_contour_set(cs, (64, 80))


def test_validation_refuses_contours_outside_the_image_and_names_the_columns():
    cs = ContourSet(circle(70, 30, 5), circle(70, 30, 12))
    with pytest.raises(InvalidContourError, match=r"leaves the image.*80 columns x 64 rows"):
        validate_contour_set(cs, (64, 80))


def test_validation_refuses_a_mask_of_the_wrong_shape():
    cs = ContourSet(None, None, myocardium_mask=np.ones((128, 128), bool))
    with pytest.raises(InvalidContourError, match=r"128x128.*256x256"):
        validate_contour_set(cs, (256, 256))


def test_a_ring_mask_broken_where_the_walls_touch_keeps_its_cavity_and_a_solid_disk_has_none():
    shape = (80, 80)
    endo, epi = circle(40, 40, 12), circle(40, 40, 18)
    ring = ring_mask(endo, epi, shape)
    broken = ring.copy()
    broken[36:45, 52:60] = False  # a 9-pixel break in the lateral wall: the cavity touches the outside
    full = lv_regions(ContourSet(None, None, myocardium_mask=ring), shape)
    got = lv_regions(ContourSet(None, None, myocardium_mask=broken), shape)
    assert got.cavity.sum() >= full.cavity.sum()  # the cavity (and the break, up to the hull chord) is kept
    assert (got.cavity & ~full.whole).sum() <= 12  # at most a sliver outside the true epicardium
    solid = lv_regions(ContourSet(None, None, myocardium_mask=polygon_to_mask(epi, shape)), shape)
    assert not solid.cavity.any()


def test_an_endocardium_crossing_the_epicardium_over_a_short_arc_is_accepted_and_its_cavity_clipped():
    epi = circle(40, 40, 18, 720)
    endo = circle(40, 40, 12, 720)
    arc = np.abs(np.arctan2(endo[:, 1] - 40, endo[:, 0] - 40)) < 0.12  # about 3 % of the endocardium
    endo[arc] = 40 + (endo[arc] - 40) * (18.4 / 12)
    cs = ContourSet(endo, epi)
    validate_contour_set(cs, (80, 80), pixel_spacing_mm=(1.2, 1.2))
    reg = lv_regions(cs, (80, 80))
    assert not (reg.cavity & ~reg.whole).any()
    from backend.cmr.contours import contour_warnings

    (w,) = contour_warnings(cs, (80, 80), (1.2, 1.2))
    assert w.code == "walls_touch" and w.length_mm > 0 and "mm" in w.message
