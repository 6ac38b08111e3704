"""Layout crossing: the same contours given as points, a structure, a myocardium mask or labels agree with themselves.

Each expert and trainee contour set of the shared Sunnybrook pairs (``scd-sunnybrook-sav/cases.csv``) is built in
the four SAV layouts (``points`` and ``mask`` through real SAV files and the parser, ``struct`` and ``labels`` in
memory) and compared in every combination with :func:`lv_agreement`; the numbers must stay within the sub-pixel
bounds of the polygon-to-polygon result (issue 9, item 2): a mask side is traced at level 0.5 (half-way between
pixel centres), the polygon side stays exact.

Measured on the 36 pairs x 16 combinations (before this change, as soon as one side was a mask both sides were
rasterised and ``exact`` against a mask of the GDL layout file gave HD 1.37 mm = 1 px):

* a polygon against its own pixel-centre mask (``skimage.draw.polygon`` semantics): HD95 <= 0.5 px and MSD <= 0.24 px
  on every Sunnybrook wall; HD <= 0.71 px on 31 of the 36 walls and 1.0 px on 5, where the expert's contour has a
  one-vertex spike of 0.7 px whose tip is a pixel centre that the rasteriser leaves outside (the mask cannot hold a
  feature thinner than a pixel). Random smooth polygons: HD <= 0.51 px, MSD <= 0.21 px.
"""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pytest

from backend.cmr.contours import ContourSet, contour_warnings, lv_regions, mask_to_contour, polygon_to_mask
from backend.cmr.metrics import contour_distances, lv_agreement
from backend.cmr.sav import read_contours
from backend.cmr.savwrite import write_sav
from tests.conftest import shared_path

SHAPE = (256, 256)
LAYOUTS = ("points", "struct", "mask", "labels")
DIST_KEYS = ("hausdorff_mm", "hd95_mm", "mean_surface_distance_mm")


def _cases() -> list[dict]:
    with open(shared_path("scd-sunnybrook-sav", "cases.csv"), newline="") as f:
        return list(csv.DictReader(f))


def _read(rel: str) -> ContourSet:
    return read_contours(shared_path("scd-sunnybrook-sav", rel), image_shape=SHAPE, validate=False)


def in_layout(cs: ContourSet, layout: str, tmp_path) -> ContourSet:
    """The polygon set ``cs`` in one SAV layout (``points`` and ``mask`` written as real SAV files and parsed)."""
    reg = lv_regions(cs, SHAPE)
    if layout == "points":
        path = tmp_path / "points.sav"
        e, o = cs.endocardium.astype(np.float32), cs.epicardium.astype(np.float32)
        write_sav(path, {"ENDO_X": e[:, 0], "ENDO_Y": e[:, 1], "EPI_X": o[:, 0], "EPI_Y": o[:, 1]})
        return read_contours(path, image_shape=SHAPE)
    if layout == "struct":
        return ContourSet(cs.endocardium.copy(), cs.epicardium.copy(), source="struct")
    if layout == "mask":
        path = tmp_path / "mask.sav"
        write_sav(path, {"MASK": reg.myocardium.astype(np.uint8)})
        out = read_contours(path, image_shape=SHAPE)
        assert out.myocardium_mask is not None and out.endocardium is None
        return out
    labels = np.zeros(SHAPE, np.uint8)
    labels[reg.cavity] = 1
    labels[reg.myocardium] = 2
    return ContourSet(None, None, myocardium_mask=labels == 2, cavity_mask=labels == 1, source="labels")


def test_a_polygon_against_its_own_mask_is_within_half_a_pixel_except_at_sub_pixel_spikes():
    worst = {"hd": 0.0, "hd95": 0.0, "msd": 0.0}
    over = 0
    for rel in sorted({c["expert_sav"] for c in _cases()}):
        e = _read(rel)
        for poly in (e.endocardium, e.epicardium):
            d = contour_distances(poly, mask_to_contour(polygon_to_mask(poly, SHAPE)), pixel_spacing_mm=(1.0, 1.0))
            worst["hd"] = max(worst["hd"], d.hausdorff_mm)
            worst["hd95"] = max(worst["hd95"], d.hd95_mm)
            worst["msd"] = max(worst["msd"], d.mean_surface_distance_mm)
            over += d.hausdorff_mm > 0.75
    # Sunnybrook points lie on 0.5 px steps: a one-vertex spike to a pixel centre left outside is 1 px from the
    # traced mask (5 of the 36 walls); everywhere else the traced mask is within half a pixel.
    assert worst["hd"] <= 1.0 + 1e-9 and over <= 5
    assert worst["hd95"] <= 0.5 + 1e-9
    assert worst["msd"] <= 0.3


def test_random_smooth_polygons_against_their_own_masks_meet_the_sub_pixel_bounds():
    rng = np.random.default_rng(9)
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    for _ in range(100):
        r = rng.uniform(8, 30) * (
            1 + sum(rng.uniform(-0.15, 0.15) / k * np.cos(k * t + rng.uniform(0, 6.3)) for k in range(2, 6))
        )
        cx, cy = rng.uniform(40, 60, 2)
        poly = np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])
        d = contour_distances(poly, mask_to_contour(polygon_to_mask(poly, (100, 100))), pixel_spacing_mm=(1.0, 1.0))
        assert d.hausdorff_mm <= 0.75 and d.mean_surface_distance_mm <= 0.3


def test_every_layout_against_every_layout_stays_within_the_sub_pixel_bounds_of_the_polygons(tmp_path):
    worst_dev = dict.fromkeys(DIST_KEYS, 0.0)
    worst_dice = 0.0
    for c in _cases():
        px = float(c["pixel_spacing_mm"])
        spacing = (px, px)
        expert, trainee = _read(c["expert_sav"]), _read(c["trainee_sav"])
        base = lv_agreement(trainee, expert, shape=SHAPE, pixel_spacing_mm=spacing)
        # SC-HF-I-1 frame 59: the expert's septal wall is thinner than a pixel over about 25 mm, so its ring mask is
        # open there; the cavity is then closed along the ring's convex hull, up to 3.5 px off the drawn contour
        touching = bool(contour_warnings(expert, SHAPE, spacing) or contour_warnings(trainee, SHAPE, spacing))
        t_sets = {name: in_layout(trainee, name, tmp_path) for name in LAYOUTS}
        r_sets = {name: in_layout(expert, name, tmp_path) for name in LAYOUTS}
        for lt, lr in itertools.product(LAYOUTS, LAYOUTS):
            out = lv_agreement(t_sets[lt], r_sets[lr], shape=SHAPE, pixel_spacing_mm=spacing)
            masks = (lt in ("mask", "labels")) + (lr in ("mask", "labels"))
            for struct in ("myocardium", "endocardium", "epicardium"):
                assert out[struct]["flags"] == base[struct]["flags"], (c["trainee_sav"], lt, lr, struct)
                dev = abs(out[struct]["dice"] - base[struct]["dice"])
                worst_dice = max(worst_dice, dev)
                assert dev <= 0.02, (c["trainee_sav"], lt, lr, struct)
            for struct in ("endocardium", "epicardium"):
                for key in DIST_KEYS:
                    ref = base[struct][key]
                    dev = abs(out[struct][key] - ref)
                    worst_dev[key] = max(worst_dev[key], dev / px)
                    # item 2: 0.75 px + 2 % of the polygon value per mask side; HD may reach 1 px at the
                    # Sunnybrook spikes (see the module docstring)
                    per_side = 1.0 if key == "hausdorff_mm" else 0.75
                    if touching:
                        per_side = 1.0 if key == "mean_surface_distance_mm" else 3.6
                    assert dev <= masks * (per_side * px + 0.02 * ref) + 1e-9, (c["trainee_sav"], lt, lr, struct, key)
            if c["error_kind"] == "exact" and masks and not touching:
                assert out["myocardium"]["dice"] >= 0.98
                for struct in ("endocardium", "epicardium"):
                    assert out[struct]["hd95_mm"] <= 0.75 * px
                    assert out[struct]["hausdorff_mm"] <= 1.0 * px + 1e-9
            if masks:
                swap = lv_agreement(r_sets[lr], t_sets[lt], shape=SHAPE, pixel_spacing_mm=spacing)
                for struct in ("endocardium", "epicardium"):
                    for key in DIST_KEYS:
                        assert swap[struct][key] == pytest.approx(out[struct][key], abs=1e-9)
    print(f"worst deviation from polygon-to-polygon (px): {worst_dev}, Dice {worst_dice:.4f}")
    assert all(math.isfinite(v) for v in worst_dev.values())


def test_the_gdl_layout_files_of_the_shared_frame_give_an_exact_trainee_half_a_pixel_at_most():
    expert = _read("expert/SC-HF-I-2-060.sav")
    px = 1.367188
    for rel in ("layouts/SC-HF-I-2-060-mask.sav", "layouts/SC-HF-I-2-060-labels.sav"):
        mask_set = read_contours(shared_path("scd-sunnybrook-sav", rel), image_shape=SHAPE)
        for t, r in ((expert, mask_set), (mask_set, expert)):
            out = lv_agreement(t, r, shape=SHAPE, pixel_spacing_mm=(px, px))
            assert out["myocardium"]["dice"] >= 0.98
            for struct in ("endocardium", "epicardium"):
                assert out[struct]["hausdorff_mm"] <= 0.5 * px + 1e-6  # was 1.37 mm (1 px) before
                assert out[struct]["mean_surface_distance_mm"] <= 0.3 * px
