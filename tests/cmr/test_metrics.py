"""Agreement metrics: analytic cases, hand-counted overlaps, exactness of the distance engine, and cross-checks
against MedPy 0.5.2 and DeepMind surface-distance 0.1 (test-only anchors, never imported by ``backend/``).

Tolerances against the anchors (derived here, asserted below)
------------------------------------------------------------
We measure between the marching-squares iso-contours at level 0.5 (sub-pixel polylines); the anchors measure
between discrete points: MedPy between the centres of boundary pixels (``mask ^ erosion``, 4-connected),
surface-distance between the centres of mixed 2x2 neighbourhoods ("surfels", at pixel corners).

* Every point of an iso-contour lies in a mixed 2x2 cell, within half a cell diagonal ``h = sqrt(dx² + dy²) / 2``
  of that cell's surfel, and every surfel's cell holds a contour segment, so our boundary and surface-distance's
  point set are within Hausdorff distance ``h`` of each other, on both sides. Each directed distance therefore
  moves by at most ``2h``: **HD and HD95 agree with surface-distance within one pixel diagonal**. For MedPy the
  same argument gives ``0.8 * max(dx, dy)`` per side (the worst cell is the one that cuts off a background corner),
  and we assert the same one-diagonal tolerance for HD (observed: < 1 % of it).
* The mean distance shifts by the same bound in the worst case, but the offsets are systematic (both boundaries sit
  half a pixel outside the anchors' points) and cancel on smooth shapes: **MSD within half a pixel**
  (``max(dx, dy) / 2``; observed below 0.21 of a pixel on the shapes below).
* MedPy's ``hd95`` pools both directions (loli/medpy#138), so it lies between the two directed 95th percentiles;
  we assert it within one diagonal of that interval, and that our HD95 (their maximum) is never below it by more.
* Overlap counts are exact, so Dice, Jaccard, sensitivity, specificity and PPV agree to 1e-12.

Analytic cases use regular polygons inscribed in circles drawn in mm (ellipses in pixel coordinates when the
pixels are not square). For two concentric such polygons with the same vertex angles, radii r and r + d, every
distance between them lies in ``[d cos(pi / N), d]``; that interval is the tolerance (no sampling term is needed).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from backend.cmr.contours import ContourSet, mask_to_contours, polygon_to_mask
from backend.cmr.metrics import (
    DEFAULT_STEP_MM,
    _mask_segments_mm,
    contour_distances,
    lv_agreement,
    mask_distances,
    overlap_metrics,
    point_to_polyline_distances,
)
from tests.cmr.synthetic import circle
from tests.conftest import shared_path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import surface_distance as sd
    from medpy.metric import binary as mb

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:surface_distance.*")

ANISO = (1.2, 0.8)  # (dy, dx) mm: pixels 1.2 mm tall, 0.8 mm wide


def mm_circle(cx_mm: float, cy_mm: float, r_mm: float, n: int, spacing=ANISO) -> np.ndarray:
    """Polygon (pixel (x, y)) inscribed in a circle drawn in mm: an ellipse in pixels for anisotropic spacing."""
    dy, dx = spacing
    return circle(cx_mm / dx, cy_mm / dy, r_mm / dx, n, ry=r_mm / dy)


def disc(shape, cx, cy, r_mm, spacing) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.hypot((xx - cx) * spacing[1], (yy - cy) * spacing[0]) < r_mm


def ring(shape, cx, cy, r_in_mm, r_out_mm, spacing) -> np.ndarray:
    return disc(shape, cx, cy, r_out_mm, spacing) & ~disc(shape, cx, cy, r_in_mm, spacing)


def brute_directed(a_pts_mm: np.ndarray, b_pts_mm: np.ndarray) -> np.ndarray:
    """For every point of A, the distance to the nearest point of B: plain O(N*M) numpy, in row blocks."""
    out = np.empty(len(a_pts_mm))
    for i in range(0, len(a_pts_mm), 256):
        blk = a_pts_mm[i : i + 256]
        out[i : i + 256] = np.sqrt(((blk[:, None, :] - b_pts_mm[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    return out


def brute_segments(points: np.ndarray, polylines) -> np.ndarray:
    """Distance from each point to the nearest point of closed polylines: every point against every segment."""
    best = np.full(len(points), np.inf)
    for p in polylines:
        s0, s1 = p, np.roll(p, -1, axis=0)
        d = s1 - s0
        w = points[:, None, :] - s0[None]
        len2 = (d * d).sum(axis=1)
        t = np.clip((w * d).sum(axis=2) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
        e = w - t[..., None] * d
        best = np.minimum(best, np.sqrt((e * e).sum(axis=2)).min(axis=1))
    return best


def inverted_cdf_p95(values: np.ndarray) -> float:
    v = np.sort(values)
    return float(v[math.ceil(0.95 * len(v)) - 1])


# ---------------------------------------------------------------------------------------------------------------
# Overlap
# ---------------------------------------------------------------------------------------------------------------


def test_overlap_counts_and_ratios_match_a_hand_count_over_the_whole_image():
    trainee = np.zeros((4, 5), dtype=bool)
    reference = np.zeros((4, 5), dtype=bool)
    trainee[1, 1:4] = True  # 3 pixels
    reference[1:3, 2:4] = True  # 4 pixels, 2 shared with the trainee
    m = overlap_metrics(trainee, reference)
    assert (m.tp, m.fp, m.fn, m.tn) == (2, 1, 2, 15)  # TN: 20 pixels - 5 marked by either
    assert m.dice == 4 / 7
    assert m.jaccard == 2 / 5
    assert m.sensitivity == 2 / 4
    assert m.specificity == 15 / 16
    assert m.ppv == 2 / 3
    assert m.npv == 15 / 17
    assert m.flags == ()


def test_specificity_and_npv_depend_on_the_field_of_view_but_dice_does_not():
    small = np.zeros((10, 10), dtype=bool)
    small[2:6, 2:6] = True
    other = np.roll(small, 1, axis=1)
    big_t, big_r = np.zeros((40, 40), dtype=bool), np.zeros((40, 40), dtype=bool)
    big_t[:10, :10], big_r[:10, :10] = small, other
    a, b = overlap_metrics(small, other), overlap_metrics(big_t, big_r)
    assert a.dice == b.dice and a.jaccard == b.jaccard and a.ppv == b.ppv
    assert b.specificity > a.specificity and b.npv > a.npv
    assert b.tn - a.tn == 40 * 40 - 10 * 10


def test_both_masks_empty_give_nan_ratios_and_flags_not_a_made_up_score():
    empty = np.zeros((8, 8), dtype=bool)
    m = overlap_metrics(empty, empty)
    assert all(math.isnan(v) for v in (m.dice, m.jaccard, m.sensitivity, m.ppv))
    assert m.specificity == 1.0 and m.npv == 1.0  # all 64 pixels are true negatives: defined
    assert set(m.flags) == {"trainee_empty", "reference_empty", "both_empty"}
    assert m.as_dict()["flags"] == list(m.flags)


def test_an_empty_trainee_mask_scores_zero_dice_and_undefined_ppv():
    reference = np.zeros((8, 8), dtype=bool)
    reference[2:5, 2:5] = True
    m = overlap_metrics(np.zeros((8, 8), dtype=bool), reference)
    assert m.dice == 0.0 and m.jaccard == 0.0 and m.sensitivity == 0.0
    assert math.isnan(m.ppv)
    assert m.flags == ("trainee_empty",)


def test_a_reference_covering_the_whole_image_leaves_specificity_undefined():
    full = np.ones((6, 6), dtype=bool)
    m = overlap_metrics(full, full)
    assert m.dice == 1.0 and math.isnan(m.specificity) and math.isnan(m.npv)
    assert set(m.flags) == {"reference_full", "trainee_full"}


def test_it_rejects_masks_of_different_shapes_naming_both():
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(5, 4\)"):
        overlap_metrics(np.zeros((4, 5), dtype=bool), np.zeros((5, 4), dtype=bool))


# ---------------------------------------------------------------------------------------------------------------
# Contour distances: analytic cases
# ---------------------------------------------------------------------------------------------------------------


def test_identical_contours_have_zero_distances_and_their_masks_dice_one():
    endo, epi = mm_circle(60, 50, 20, 400), mm_circle(60, 50, 28, 400)
    d = contour_distances([endo, epi], [endo.copy(), epi.copy()], pixel_spacing_mm=ANISO)
    for v in (d.hausdorff_mm, d.hd95_mm, d.mean_surface_distance_mm, d.hausdorff_a_to_b_mm, d.hausdorff_b_to_a_mm):
        assert 0.0 <= v < 1e-9
    ring_mask = polygon_to_mask(epi, (110, 110)) & ~polygon_to_mask(endo, (110, 110))
    assert overlap_metrics(ring_mask, ring_mask.copy()).dice == 1.0


@pytest.mark.parametrize("spacing", [(1.0, 1.0), ANISO, (0.7, 1.9)])
def test_concentric_circles_d_mm_apart_give_hd_hd95_and_msd_equal_to_d(spacing):
    n, r, d = 720, 20.0, 3.0
    inner, outer = mm_circle(60, 50, r, n, spacing), mm_circle(60, 50, r + d, n, spacing)
    res = contour_distances(inner, outer, pixel_spacing_mm=spacing)
    lo, hi = d * math.cos(math.pi / n) - 1e-9, d + 1e-9  # every distance between the two polygons lies here
    for v in (
        res.hausdorff_mm,
        res.hd95_mm,
        res.mean_surface_distance_mm,
        res.hd95_a_to_b_mm,
        res.hd95_b_to_a_mm,
        res.mean_a_to_b_mm,
        res.mean_b_to_a_mm,
    ):
        assert lo <= v <= hi
    assert res.length_a_mm == pytest.approx(2 * n * r * math.sin(math.pi / n), rel=1e-12)
    assert res.flags == ()


@pytest.mark.parametrize("r_b", [20.0, 16.0])
def test_a_shifted_circle_has_hausdorff_equal_to_the_shift_and_msd_hd95_match_a_brute_force_reference(r_b):
    # Circles of radius 20 and r_b mm, centres 2.5 mm apart: HD = |r_a - r_b| + 2.5 (the shift itself when equal).
    n, r_a, shift = 1440, 20.0, np.array([2.0, -1.5])
    a = mm_circle(60, 50, r_a, n)
    b = mm_circle(60 + shift[0], 50 + shift[1], r_b, n)
    res = contour_distances(a, b, pixel_spacing_mm=ANISO)
    sagitta = max(r_a, r_b) * (1 - math.cos(math.pi / n))  # polygon vs true circle
    expected_hd = abs(r_a - r_b) + float(np.hypot(*shift))
    assert abs(res.hausdorff_mm - expected_hd) <= DEFAULT_STEP_MM / 2 + 2 * sagitta
    # Brute force on fine, arc-length-uniform samples of the true circles (sample counts proportional to length,
    # so pooling the two directions weights by arc length as the definition says).
    m = 4000
    ta = (np.arange(m) + 0.5) * 2 * np.pi / m
    tb = (np.arange(int(m * r_b / r_a)) + 0.5) * 2 * np.pi / int(m * r_b / r_a)
    pa = np.column_stack([60 + r_a * np.cos(ta), 50 + r_a * np.sin(ta)])
    pb = np.column_stack([60 + shift[0] + r_b * np.cos(tb), 50 + shift[1] + r_b * np.sin(tb)])
    dab, dba = brute_directed(pa, pb), brute_directed(pb, pa)
    ref_msd = (dab.sum() + dba.sum()) / (len(dab) + len(dba))
    ref_hd95 = max(inverted_cdf_p95(dab), inverted_cdf_p95(dba))
    spacing_b = 2 * np.pi * r_b / len(tb)
    tol = DEFAULT_STEP_MM / 2 + spacing_b / 2 + 2 * sagitta  # our sampling + reference's point-to-point + polygons
    assert res.mean_surface_distance_mm == pytest.approx(ref_msd, abs=tol)
    assert res.hd95_mm == pytest.approx(ref_hd95, abs=tol)
    assert res.hausdorff_mm == pytest.approx(max(dab.max(), dba.max()), abs=tol)


def test_hd95_is_the_larger_directed_percentile_not_the_pooled_one_as_in_medpy():
    # B = A's circle plus a small island 10 mm outside it. The island is 7 % of B's length (> 5 %) but only 3.6 %
    # of both curves together (< 5 %): the directed B->A percentile sees it, a pooled percentile would not.
    big = mm_circle(50, 50, 20, 720)
    island = mm_circle(50 + 31.5, 50, 1.5, 180)
    res = contour_distances(big, [big, island], pixel_spacing_mm=ANISO)
    assert res.hd95_a_to_b_mm < 1e-9
    assert 8.0 < res.hd95_b_to_a_mm < 13.0
    assert res.hd95_mm == res.hd95_b_to_a_mm
    assert res.hausdorff_mm == pytest.approx(13.0, abs=DEFAULT_STEP_MM)  # island's far side: 33 - 20 mm


def test_contours_of_several_parts_are_measured_as_one_structure():
    # A ring (two contours) against the same ring with a thicker wall: only the epicardium differs, by 2 mm.
    endo, epi = mm_circle(60, 50, 18, 720), mm_circle(60, 50, 26, 720)
    res = contour_distances([endo, epi], [endo, mm_circle(60, 50, 28, 720)], pixel_spacing_mm=ANISO)
    assert res.hausdorff_mm == pytest.approx(2.0, abs=1e-3)
    # Half of A's length (the endocardium) is at distance 0, the other part at 2 mm: arc-length weighted mean.
    expected_ab = 2.0 * 26 / (18 + 26)
    assert res.mean_a_to_b_mm == pytest.approx(expected_ab, abs=1e-3)


def test_empty_and_degenerate_contours_give_nan_with_flags():
    c = mm_circle(50, 50, 10, 90)
    res = contour_distances([], c, pixel_spacing_mm=ANISO)
    assert math.isnan(res.hausdorff_mm) and math.isnan(res.hd95_mm) and math.isnan(res.mean_surface_distance_mm)
    assert res.flags == ("a_empty",)
    res = contour_distances(c, np.array([[1.0, 1.0], [2.0, 2.0], [1.0, 1.0]]), pixel_spacing_mm=ANISO)
    assert math.isnan(res.hausdorff_mm)
    assert res.flags == ("b_degenerate", "b_empty")
    res = contour_distances(None, [], pixel_spacing_mm=ANISO)
    assert set(res.flags) == {"a_empty", "b_empty", "both_empty"}
    assert all(isinstance(v, float) for k, v in res.as_dict().items() if k != "flags")


def test_a_degenerate_extra_contour_is_ignored_and_flagged():
    c = mm_circle(50, 50, 10, 90)
    res = contour_distances([c, np.array([[3.0, 3.0], [4.0, 4.0]])], c, pixel_spacing_mm=ANISO)
    assert res.hausdorff_mm < 1e-9
    assert res.flags == ("a_degenerate",)


def test_it_rejects_non_finite_points_and_bad_spacing_or_step():
    c = mm_circle(50, 50, 10, 90)
    bad = c.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        contour_distances(bad, c, pixel_spacing_mm=ANISO)
    with pytest.raises(ValueError, match="pixel_spacing_mm"):
        contour_distances(c, c, pixel_spacing_mm=(0.0, 1.0))
    with pytest.raises(ValueError, match="step_mm"):
        contour_distances(c, c, pixel_spacing_mm=ANISO, step_mm=0)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        contour_distances(np.zeros((5, 3)), c, pixel_spacing_mm=ANISO)


# ---------------------------------------------------------------------------------------------------------------
# Exactness of the distance engine
# ---------------------------------------------------------------------------------------------------------------


def test_point_to_polyline_distances_equal_brute_force_over_every_segment():
    rng = np.random.default_rng(7)
    # A coarse polygon (long segments), a dense wiggly one, and a point target; queries near, far and inside.
    square = np.array([[10.0, 10.0], [60.0, 12.0], [58.0, 70.0], [12.0, 65.0]])
    t = np.linspace(0, 2 * np.pi, 500, endpoint=False)
    wiggle = np.column_stack([35 + (12 + 1.5 * np.sin(9 * t)) * np.cos(t), 40 + (12 + 1.5 * np.sin(9 * t)) * np.sin(t)])
    dot = np.array([[80.0, 80.0]])
    pts = np.vstack([rng.uniform(-20, 100, (3000, 2)), wiggle[::7] + rng.normal(0, 0.3, (72, 2)), [[35.0, 40.0]]])
    ours = point_to_polyline_distances(pts, [square, wiggle, dot])
    ref = np.minimum(brute_segments(pts, [square, wiggle]), np.hypot(*(pts - dot[0]).T))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_points_equidistant_from_a_whole_circle_are_still_exact():
    # At the centre every segment is a candidate: the search must widen until it has proven the answer.
    n, r = 400, 15.0
    poly = circle(0.0, 0.0, r, n)
    rng = np.random.default_rng(5)
    pts = np.vstack([[[0.0, 0.0]], rng.normal(0.0, 0.05, (50, 2))])
    ours = point_to_polyline_distances(pts, [poly])
    assert ours[0] == pytest.approx(r * math.cos(math.pi / n), abs=1e-12)
    np.testing.assert_allclose(ours, brute_segments(pts, [poly]), rtol=0, atol=1e-12)
    # A small circle concentric with a large one: every piece of it is in that crowded situation.
    res = contour_distances(circle(50, 50, 2, 90), circle(50, 50, 30, 900), pixel_spacing_mm=(1.0, 1.0))
    lo, hi = 30 * math.cos(math.pi / 900) - 2, 30 - 2 * math.cos(math.pi / 90)  # nearest/farthest polygon points
    assert lo - 1e-9 <= res.mean_a_to_b_mm <= hi + 1e-9 and lo - 1e-9 <= res.hausdorff_mm <= hi + 1e-9


def test_sampled_distances_equal_brute_force_from_the_same_samples():
    # Two Sunnybrook-like jagged contours; every distance from our samples is checked against all segments.
    from backend.cmr import metrics as m

    rng = np.random.default_rng(3)
    t = np.linspace(0, 2 * np.pi, 160, endpoint=False)
    a = np.column_stack([40 + 15 * np.cos(t), 40 + 12 * np.sin(t)]) + rng.normal(0, 0.4, (160, 2))
    b = np.column_stack([42 + 14 * np.cos(t), 39 + 13 * np.sin(t)]) + rng.normal(0, 0.4, (160, 2))
    sa = m._Segments(a, np.roll(a, -1, axis=0))
    sb = m._Segments(b, np.roll(b, -1, axis=0))
    ((dab, wab),) = m._sampled_distances([sa], [sb], 0.1)
    # Rebuild the sample points in the engine's order: per (samples, candidates) group, column-major.
    n = m._samples_per_piece(sa.length, 0.1)
    ref_pts = np.concatenate([a + ((k + 0.5) / n)[:, None] * (np.roll(a, -1, axis=0) - a) for k in range(n.max())])
    ref_all = brute_segments(ref_pts, [b])
    ok = np.concatenate([np.arange(n.max())[k] < n for k in range(n.max())])
    assert np.isclose(wab.sum(), sa.length.sum(), rtol=1e-12)
    np.testing.assert_allclose(np.sort(dab), np.sort(ref_all[ok]), rtol=0, atol=1e-12)


def test_marching_squares_segments_are_those_of_mask_to_contours_including_saddles():
    rng = np.random.default_rng(11)
    mask = rng.random((40, 50)) < 0.45  # many saddle cells and islands
    mask[0, :] = True  # foreground touching the image edge
    s0, s1 = _mask_segments_mm(mask, np.array([1.0, 1.0]))
    ours = {frozenset((tuple(p), tuple(q))) for p, q in zip(np.round(s0, 9), np.round(s1, 9), strict=True)}
    theirs = set()
    for poly in mask_to_contours(mask):
        for p, q in zip(np.round(poly, 9), np.round(np.roll(poly, -1, axis=0), 9), strict=True):
            theirs.add(frozenset((tuple(p), tuple(q))))
    assert ours == theirs
    assert len(ours) == len(s0)


# ---------------------------------------------------------------------------------------------------------------
# Cross-checks on raster input against MedPy and surface-distance
# ---------------------------------------------------------------------------------------------------------------


def _raster_cases():
    cases = []
    for spacing, shape in (
        ((1.367188, 1.367188), (256, 256)),
        (ANISO, (256, 256)),
        ((0.8, 1.5), (192, 256)),
        ((1.0, 1.0), (160, 224)),
    ):
        cy, cx = shape[0] / 2, shape[1] / 2
        cases += [
            (
                f"disc shifted {spacing} {shape}",
                disc(shape, cx, cy, 30, spacing),
                disc(shape, cx + 3.3, cy - 2.1, 30, spacing),
                spacing,
            ),
            (
                f"disc dilated {spacing} {shape}",
                disc(shape, cx, cy, 30, spacing),
                disc(shape, cx, cy, 34.5, spacing),
                spacing,
            ),
            (
                f"ring shifted and dilated {spacing} {shape}",
                ring(shape, cx, cy, 22, 33, spacing),
                ring(shape, cx + 2.7, cy + 1.9, 21, 35, spacing),
                spacing,
            ),
            (
                f"ring nudged {spacing} {shape}",
                ring(shape, cx, cy, 22, 33, spacing),
                ring(shape, cx + 0.4, cy, 22, 33, spacing),
                spacing,
            ),
        ]
    return cases


RASTER_CASES = _raster_cases()


def _assert_agrees_with_anchors(a: np.ndarray, b: np.ndarray, spacing) -> None:
    """Overlap equal to 1e-12; distances within the tolerances derived in the module docstring."""
    ov = overlap_metrics(a, b)
    assert ov.dice == pytest.approx(mb.dc(a, b), abs=1e-12)
    assert ov.jaccard == pytest.approx(mb.jc(a, b), abs=1e-12)
    assert ov.sensitivity == pytest.approx(mb.sensitivity(a, b), abs=1e-12)
    assert ov.specificity == pytest.approx(mb.specificity(a, b), abs=1e-12)
    assert ov.ppv == pytest.approx(mb.precision(a, b), abs=1e-12)
    assert ov.dice == pytest.approx(sd.compute_dice_coefficient(b, a), abs=1e-12)

    ours = mask_distances(a, b, pixel_spacing_mm=spacing)
    diag = math.hypot(*spacing)
    half_px = max(spacing) / 2
    # MedPy: voxelspacing in array-axis order (dy, dx).
    assert abs(ours.hausdorff_mm - mb.hd(a, b, voxelspacing=spacing)) <= diag
    assert abs(ours.mean_surface_distance_mm - mb.assd(a, b, voxelspacing=spacing)) <= half_px
    pooled95 = mb.hd95(a, b, voxelspacing=spacing)
    lo = min(ours.hd95_a_to_b_mm, ours.hd95_b_to_a_mm)
    assert lo - diag <= pooled95 <= ours.hd95_mm + diag
    # surface-distance: (mask_gt, mask_pred); gt = b, pred = a.
    s = sd.compute_surface_distances(b, a, spacing_mm=spacing)
    assert abs(ours.hausdorff_mm - sd.compute_robust_hausdorff(s, 100)) <= diag
    assert abs(ours.hd95_mm - sd.compute_robust_hausdorff(s, 95)) <= diag
    gt_to_pred, pred_to_gt = sd.compute_average_surface_distance(s)
    assert abs(ours.mean_a_to_b_mm - pred_to_gt) <= half_px
    assert abs(ours.mean_b_to_a_mm - gt_to_pred) <= half_px
    w_gt, w_pred = s["surfel_areas_gt"].sum(), s["surfel_areas_pred"].sum()
    pooled_mean = (gt_to_pred * w_gt + pred_to_gt * w_pred) / (w_gt + w_pred)
    assert abs(ours.mean_surface_distance_mm - pooled_mean) <= half_px


@pytest.mark.parametrize("name,a,b,spacing", RASTER_CASES, ids=[c[0] for c in RASTER_CASES])
def test_raster_metrics_agree_with_medpy_and_surface_distance_up_to_the_definition_differences(name, a, b, spacing):
    _assert_agrees_with_anchors(a, b, spacing)


def test_raster_distances_of_identical_masks_are_zero():
    m = ring((128, 128), 64, 64, 15, 24, ANISO)
    res = mask_distances(m, m.copy(), pixel_spacing_mm=ANISO)
    assert res.hausdorff_mm < 1e-9 and res.mean_surface_distance_mm < 1e-9
    assert mb.hd(m, m, voxelspacing=ANISO) == 0.0


def test_raster_distances_flag_an_empty_mask_and_reject_a_shape_mismatch():
    m = disc((64, 64), 32, 32, 10, (1.0, 1.0))
    res = mask_distances(np.zeros_like(m), m, pixel_spacing_mm=(1.0, 1.0))
    assert math.isnan(res.hausdorff_mm) and res.flags == ("a_empty",)
    res = mask_distances(np.zeros_like(m), np.zeros_like(m), pixel_spacing_mm=(1.0, 1.0))
    assert set(res.flags) == {"a_empty", "b_empty", "both_empty"}
    with pytest.raises(ValueError, match=r"\(64, 64\).*\(64, 63\)"):
        mask_distances(m, m[:, :-1], pixel_spacing_mm=(1.0, 1.0))


def test_a_mask_touching_the_image_edge_is_closed_half_a_pixel_outside_it():
    m = np.zeros((20, 20), dtype=bool)
    m[:, :5] = True  # touches the top, bottom and left edges
    shifted = np.zeros_like(m)
    shifted[:, :7] = True
    res = mask_distances(m, shifted, pixel_spacing_mm=(1.0, 1.0))
    assert res.hausdorff_mm == pytest.approx(2.0)  # only the right side moves, by 2 pixels


def _sunnybrook_ring(shift_px=(0.0, 0.0)):
    base = ("scd-sunnybrook", "contourfiles", "SC-HF-I-1")
    endo = np.loadtxt(shared_path(*base, "i-contours", "IM-0001-0059-icontour-manual.txt"))
    epi = np.loadtxt(shared_path(*base, "o-contours", "IM-0001-0059-ocontour-manual.txt"))
    endo, epi = endo + shift_px, epi + shift_px
    shape = (256, 256)
    return endo, epi, polygon_to_mask(epi, shape) & ~polygon_to_mask(endo, shape)


def test_real_sunnybrook_contours_rasterised_and_shifted_agree_with_the_anchors():
    spacing = (1.367188, 1.367188)
    endo, epi, ref = _sunnybrook_ring()
    _, _, moved = _sunnybrook_ring((2.5, -1.5))
    assert ref.sum() > 500 and moved.sum() > 500
    _assert_agrees_with_anchors(moved, ref, spacing)
    # On the polygons themselves, a pure translation by (2.5, -1.5) px moves every point by |t| mm at most.
    t_mm = math.hypot(2.5 * spacing[1], 1.5 * spacing[0])
    t = np.array([2.5, -1.5])
    res = contour_distances([endo + t, epi + t], [endo, epi], pixel_spacing_mm=spacing)
    assert 0 < res.mean_surface_distance_mm < res.hausdorff_mm <= t_mm + 1e-9


# ---------------------------------------------------------------------------------------------------------------
# lv_agreement
# ---------------------------------------------------------------------------------------------------------------


def test_an_outward_epicardium_offset_shows_only_in_the_epicardium_and_myocardium():
    n, d = 720, 1.5
    endo, epi = mm_circle(50, 45, 18, n), mm_circle(50, 45, 26, n)
    reference = ContourSet(endocardium=endo, epicardium=epi, source="test")
    trainee = ContourSet(endocardium=endo.copy(), epicardium=mm_circle(50, 45, 26 + d, n), source="test")
    out = lv_agreement(trainee, reference, shape=(100, 100), pixel_spacing_mm=ANISO)
    assert set(out) == {"myocardium", "endocardium", "epicardium"}
    epi_out = out["epicardium"]
    lo, hi = d * math.cos(math.pi / n) - 1e-9, d + 1e-9
    for key in ("hausdorff_mm", "hd95_mm", "mean_surface_distance_mm"):
        assert lo <= epi_out[key] <= hi
    assert epi_out["dice"] < 1.0 and epi_out["flags"] == []
    endo_out = out["endocardium"]
    assert endo_out["dice"] == 1.0 and endo_out["jaccard"] == 1.0
    assert endo_out["hausdorff_mm"] < 1e-9 and endo_out["mean_surface_distance_mm"] < 1e-9
    myo = out["myocardium"]
    assert 0.5 < myo["dice"] < endo_out["dice"] and myo["sensitivity"] == 1.0 and myo["ppv"] < 1.0
    assert set(myo) == {"dice", "jaccard", "sensitivity", "specificity", "ppv", "npv", "flags"} | {
        "hausdorff_mm",
        "hd95_mm",
        "mean_surface_distance_mm",
    }
    # The ring boundary moved on its outer wall only: its HD is the epicardium's.
    assert myo["hausdorff_mm"] == pytest.approx(epi_out["hausdorff_mm"])
    for struct in out.values():
        assert all(type(v) is float for k, v in struct.items() if k != "flags")


def test_a_mask_only_contour_set_is_traced_at_sub_pixel_precision_against_the_exact_polygons():
    shape = (100, 100)
    endo, epi = mm_circle(50, 45, 18, 360), mm_circle(50, 45, 26, 360)
    myo = polygon_to_mask(epi, shape) & ~polygon_to_mask(endo, shape)
    reference = ContourSet(endocardium=endo, epicardium=epi, source="test")
    trainee = ContourSet(endocardium=None, epicardium=None, myocardium_mask=myo, source="mask")
    out = lv_agreement(trainee, reference, shape=shape, pixel_spacing_mm=ANISO)
    assert out["myocardium"]["dice"] == 1.0  # the same pixels
    half_px = 0.5 * max(ANISO)
    for name in ("endocardium", "epicardium"):
        assert out[name]["flags"] == []  # no internal flag reaches the user
        assert out[name]["dice"] == 1.0
        # the mask's iso-line at 0.5 lies half-way between pixel centres: within half a pixel of the polygon
        assert 0 < out[name]["hausdorff_mm"] <= half_px + 1e-9
        assert out[name]["mean_surface_distance_mm"] <= 0.3 * max(ANISO)
    swapped = lv_agreement(reference, trainee, shape=shape, pixel_spacing_mm=ANISO)
    for name in ("endocardium", "epicardium"):
        for key in ("hausdorff_mm", "hd95_mm", "mean_surface_distance_mm"):
            assert swapped[name][key] == pytest.approx(out[name][key], abs=1e-9)


def test_a_mask_without_a_hole_has_no_endocardium_and_gives_nan_distances_with_a_flag():
    shape = (80, 80)
    reference = ContourSet(endocardium=mm_circle(40, 36, 12, 180), epicardium=mm_circle(40, 36, 20, 180))
    solid = polygon_to_mask(mm_circle(40, 36, 20, 180), shape)
    trainee = ContourSet(endocardium=None, epicardium=None, myocardium_mask=solid)
    out = lv_agreement(trainee, reference, shape=shape, pixel_spacing_mm=ANISO)
    endo = out["endocardium"]
    assert endo["dice"] == 0.0 and math.isnan(endo["hausdorff_mm"])
    assert "trainee_empty" in endo["flags"] and "distances_from_masks" not in endo["flags"]
    assert out["epicardium"]["hausdorff_mm"] <= 0.5 * max(ANISO) + 1e-9  # traced mask against the exact polygon


def test_the_myocardium_distances_are_between_the_ring_boundaries():
    # Same endocardium (radius 10), epicardia of radius 16 and 18 (1 mm pixels): the ring boundaries differ by 2 mm
    # on the outer wall only. HD = 2; MSD pools both walls of both rings: 2 * (2 pi 16 + 2 pi 18) / (2 pi 54).
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)

    def circle(r):
        return np.c_[50 + r * np.cos(t), 50 + r * np.sin(t)]

    a = ContourSet(circle(10), circle(16))
    b = ContourSet(circle(10), circle(18))
    myo = lv_agreement(a, b, shape=(100, 100), pixel_spacing_mm=(1.0, 1.0))["myocardium"]
    assert myo["hausdorff_mm"] == pytest.approx(2.0, abs=0.01)
    assert myo["hd95_mm"] == pytest.approx(2.0, abs=0.01)
    assert myo["mean_surface_distance_mm"] == pytest.approx(2 * (16 + 18) / 54, abs=0.01)
