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
    s = dict(zip(wt.sector_names, wt.sectors_mm, strict=True))
    # numbered layout: sectors 5 [300, 360) and 6 [0, 60) are lateral, 2 and 3 septal
    assert min(s["sector 5"], s["sector 6"]) > 8.5 > 5.5 > max(s["sector 2"], s["sector 3"])
    assert wt.mean_mm == pytest.approx(7.0, abs=0.2)


def test_missing_or_inverted_walls_give_nan_with_a_flag_not_zero():
    wt = wall_thickness(None, circle(0, 0, 5), pixel_spacing_mm=(1, 1))
    assert np.isnan(wt.mean_mm) and "missing_contour" in wt.flags
    wt = wall_thickness(circle(0, 0, 9), circle(0, 0, 5), pixel_spacing_mm=(1, 1))
    assert np.isnan(wt.mean_mm) and "negative_area" in wt.flags


# ---------------------------------------------------------------------------------------------------------------
# Robustness to noise (issue 9, item 4)
# ---------------------------------------------------------------------------------------------------------------

SB_SHAPE = (256, 256)


def _sunnybrook_cases() -> list[dict]:
    import csv

    from tests.conftest import shared_path

    with open(shared_path("scd-sunnybrook-sav", "cases.csv"), newline="") as f:
        return list(csv.DictReader(f))


def _sav(rel: str):
    from backend.cmr.sav import read_contours
    from tests.conftest import shared_path

    return read_contours(shared_path("scd-sunnybrook-sav", rel), image_shape=SB_SHAPE, validate=False)


def ellipse_offset(cx: float, cy: float, a: float, b: float, t_off: float, n: int = 2000):
    """An ellipse and its exact outward offset curve at distance ``t_off`` (pixel coordinates, square pixels)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    nx, ny = b * np.cos(t), a * np.sin(t)
    norm = np.hypot(nx, ny)
    inner = np.column_stack([cx + x, cy + y])
    outer = np.column_stack([cx + x + t_off * nx / norm, cy + y + t_off * ny / norm])
    return inner, outer


def test_a_parallel_eccentric_ring_is_exact_globally_and_per_sector():
    inner, outer = ellipse_offset(60, 50, 24, 14, 6.0)
    wt = wall_thickness(inner, outer, pixel_spacing_mm=(1.25, 1.25))
    assert wt.mean_mm == pytest.approx(6.0 * 1.25, rel=5e-3)
    assert np.allclose(wt.sectors_mm, 6.0 * 1.25, rtol=1e-2)


def test_the_mean_lies_between_the_smallest_and_the_largest_sector():
    for endo, epi in (
        (circle(60, 50, 20, 720), circle(63, 50, 27, 720)),
        ellipse_offset(60, 50, 24, 14, 6.0),
        (circle(60, 50, 18, 300), circle(58, 53, 28, 500, ry=24)),
    ):
        wt = wall_thickness(endo, epi, pixel_spacing_mm=(1.0, 1.0))
        assert min(wt.sectors_mm) <= wt.mean_mm <= max(wt.sectors_mm)
        assert wt.local_min_mm <= wt.mean_mm <= wt.local_max_mm
        assert set(wt.as_dict()) >= {"mean", "sectors", "sector_names", "local_mean", "local_min", "local_max", "flags"}


def test_gaussian_noise_of_half_to_one_pixel_on_both_walls_barely_moves_the_mean():
    files = sorted({c["expert_sav"] for c in _sunnybrook_cases()})
    spacing = (1.367188, 1.367188)
    all_dev = []
    for i, rel in enumerate(files):
        e = _sav(rel)
        base = wall_thickness(e.endocardium, e.epicardium, pixel_spacing_mm=spacing)
        assert min(base.sectors_mm) <= base.mean_mm <= max(base.sectors_mm)
        dev = []
        for seed in range(4):
            rng = np.random.default_rng([i, seed])
            sd = rng.uniform(0.5, 1.0)
            endo = e.endocardium + rng.normal(0, sd, e.endocardium.shape)
            epi = e.epicardium + rng.normal(0, sd, e.epicardium.shape)
            dev.append(wall_thickness(endo, epi, pixel_spacing_mm=spacing).mean_mm - base.mean_mm)
        all_dev += dev
        assert abs(np.mean(dev)) <= 0.3, rel  # over several seeds
        assert np.max(np.abs(dev)) <= 0.4, rel  # every single draw (worst measured 0.32 mm)
    assert abs(np.mean(all_dev)) <= 0.1  # no bias (area / mean perimeter lost 50-70 % here)


def test_the_noisy_rough_trainee_files_get_the_experts_wall_thickness():
    spacing = (1.367188, 1.367188)
    rough = [c for c in _sunnybrook_cases() if c["error_kind"] == "rough"]
    assert len(rough) == 7
    for c in rough:
        e, t = _sav(c["expert_sav"]), _sav(c["trainee_sav"])
        we = wall_thickness(e.endocardium, e.epicardium, pixel_spacing_mm=spacing)
        wt = wall_thickness(t.endocardium, t.epicardium, pixel_spacing_mm=spacing)
        # before: 1.87-3.66 mm against 4.92-7.40 mm (area / mean perimeter); now within 0.3 mm
        assert abs(wt.mean_mm - we.mean_mm) <= 0.3, c["trainee_sav"]


def test_a_frame_is_measured_in_well_under_50_ms():
    import time

    e = _sav("expert/SC-HF-I-2-060.sav")
    wall_thickness(e.endocardium, e.epicardium, pixel_spacing_mm=(1.367188, 1.367188))
    t0 = time.perf_counter()
    for _ in range(10):
        wall_thickness(e.endocardium, e.epicardium, pixel_spacing_mm=(1.367188, 1.367188))
    assert (time.perf_counter() - t0) / 10 < 0.1  # measured about 20 ms; generous for a loaded CI machine
