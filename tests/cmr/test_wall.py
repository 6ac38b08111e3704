from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.wall import wall_thickness
from tests.cmr.synthetic import circle


def test_concentric_circles_give_the_radius_difference_in_mm_globally_and_per_sector():
    wt = wall_thickness(circle(60, 50, 20, 720), circle(60, 50, 27, 720), pixel_spacing_mm=(1.25, 1.25))
    assert wt.mean_mm == pytest.approx(7 * 1.25, rel=1e-3)
    assert np.allclose(wt.sectors_mm, 7 * 1.25, rtol=2e-3)
    assert wt.local_min_mm == pytest.approx(7 * 1.25, rel=2e-3)


def test_anisotropic_pixels_are_converted_to_mm_before_measuring():
    # Circles in mm drawn on pixels 2 mm tall and 1 mm wide: ellipses in pixel space.
    endo = circle(60, 40, 20, 720, ry=10)
    epi = circle(60, 40, 26, 720, ry=13)
    wt = wall_thickness(endo, epi, pixel_spacing_mm=(2.0, 1.0))
    assert wt.mean_mm == pytest.approx(6.0, rel=1e-3)
    assert np.allclose(wt.sectors_mm, 6.0, rtol=3e-3)


def test_a_thicker_lateral_wall_shows_in_the_lateral_sectors():
    endo = circle(60, 50, 20, 720)
    epi = circle(63, 50, 27, 720)  # epicardium shifted to the right: thick lateral (3 o'clock), thin septal wall
    wt = wall_thickness(endo, epi, pixel_spacing_mm=(1.0, 1.0))
    s = dict(zip(wt.sector_names, wt.sectors_mm))
    # numbered layout: sectors 5 [300, 360) and 6 [0, 60) are lateral, 2 and 3 septal
    assert min(s["sector 5"], s["sector 6"]) > 8.5 > 5.5 > max(s["sector 2"], s["sector 3"])
    assert wt.mean_mm == pytest.approx(7.0, abs=0.2)


def test_missing_or_inverted_walls_give_nan_with_a_flag_not_zero():
    wt = wall_thickness(None, circle(0, 0, 5), pixel_spacing_mm=(1, 1))
    assert np.isnan(wt.mean_mm) and "missing_contour" in wt.flags
    wt = wall_thickness(circle(0, 0, 9), circle(0, 0, 5), pixel_spacing_mm=(1, 1))
    assert np.isnan(wt.mean_mm) and "negative_area" in wt.flags
