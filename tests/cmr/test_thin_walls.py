"""Thin walls are anatomy, not an error: an endocardium that touches or crosses the epicardium over a short length is
accepted with a warning; half an endocardium outside is still refused; ring masks and labels keep their cavity.

The thin walls are made from the shared Sunnybrook expert frames: the endocardium is moved radially out, over a
limited arc, onto the epicardium and 0.3 px beyond it.
"""

from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.contours import (
    MAX_OUTSIDE_SHARE,
    ContourSet,
    contour_warnings,
    lv_regions,
    perimeter,
    validate_contour_set,
)
from backend.cmr.errors import InvalidContourError
from backend.cmr.metrics import lv_agreement
from backend.cmr.sav import read_contours
from backend.cmr.segments import display_angle_deg, polygon_centroid
from tests.conftest import shared_path

SHAPE = (256, 256)
PX = 1.367188
SPACING = (PX, PX)


def _expert(name: str = "SC-HF-I-2-060") -> ContourSet:
    return read_contours(shared_path("scd-sunnybrook-sav", "expert", f"{name}.sav"), image_shape=SHAPE)


def thin_wall(cs: ContourSet, centre_deg: float, contact_mm: float, beyond_px: float = 0.3):
    """Move the endocardial points within an arc out onto the epicardium (+ ``beyond_px``); returns the new set and
    the length (mm) of the moved run."""
    endo, epi = cs.endocardium.copy(), cs.epicardium
    c = np.array(polygon_centroid(endo))
    ang = display_angle_deg(endo, tuple(c))
    epi_ang = display_angle_deg(epi, tuple(c))
    epi_r = np.hypot(*(epi - c).T)
    order = np.argsort(epi_ang)
    # half-width of the arc in degrees from the endocardial radius there
    r_endo = float(np.median(np.hypot(*(endo - c).T)))
    half = np.degrees(contact_mm / PX / r_endo) / 2
    sel = np.abs((ang - centre_deg + 180) % 360 - 180) <= half
    u = (endo[sel] - c) / np.hypot(*(endo[sel] - c).T)[:, None]
    r_target = np.interp(ang[sel], epi_ang[order], epi_r[order], period=360) + beyond_px
    endo[sel] = c + u * r_target[:, None]
    idx = np.nonzero(sel)[0]
    run = endo[idx]
    run_mm = perimeter(run, SPACING) - np.hypot(*((run[-1] - run[0]) * PX))  # open path through the moved points
    return ContourSet(endo, epi.copy(), source="thin wall"), float(run_mm)


@pytest.mark.parametrize(("centre_deg", "contact_mm"), [(180, 2.5), (0, 5.0), (270, 8.0), (90, 10.0)])
def test_a_thin_wall_is_accepted_with_a_warning_that_gives_the_contact_length(centre_deg, contact_mm):
    expert = _expert()
    cs, run_mm = thin_wall(expert, centre_deg, contact_mm)
    validate_contour_set(cs, SHAPE, pixel_spacing_mm=SPACING)  # accepted
    warnings = contour_warnings(cs, SHAPE, SPACING)
    assert [w.code for w in warnings] == ["walls_touch"]
    w = warnings[0]
    # the moved run plus, at each end, the last 0.8 px of the radial step (0.3 px outside, 0.5 px within the
    # contact tolerance), within a pixel
    assert abs(w.length_mm - (run_mm + 2 * (0.3 + 0.5) * PX)) <= PX
    assert f"{w.length_mm:.1f} mm" in w.message and "cavity is clipped to the epicardium" in w.message
    # the cavity is clipped, the metrics stay sane: close to those of the unmodified expert contour
    reg = lv_regions(cs, SHAPE)
    assert not (reg.cavity & ~reg.whole).any()
    out = lv_agreement(cs, expert, shape=SHAPE, pixel_spacing_mm=SPACING)
    assert out["epicardium"]["dice"] == 1.0 and out["epicardium"]["hausdorff_mm"] == 0.0
    assert out["endocardium"]["dice"] > 0.95 and out["myocardium"]["dice"] > 0.85
    assert out["endocardium"]["mean_surface_distance_mm"] < 0.75  # only the moved arc differs


@pytest.mark.parametrize("layout", ["mask", "labels"])
def test_a_thin_wall_given_as_a_ring_mask_or_labels_keeps_its_cavity(layout):
    expert = _expert()
    cs, _ = thin_wall(expert, 180, 8.0)
    reg = lv_regions(cs, SHAPE)
    if layout == "mask":
        masked = ContourSet(None, None, myocardium_mask=reg.myocardium)
    else:
        masked = ContourSet(None, None, myocardium_mask=reg.myocardium, cavity_mask=reg.cavity)
    got = lv_regions(masked, SHAPE)
    assert got.cavity.sum() >= 0.98 * reg.cavity.sum()
    out = lv_agreement(masked, cs, shape=SHAPE, pixel_spacing_mm=SPACING)
    assert out["endocardium"]["flags"] == [] and out["endocardium"]["dice"] > 0.98
    # was 13.7 mm when the cavity leaked; where the ring is open the cavity is closed along its convex hull
    assert out["epicardium"]["hausdorff_mm"] <= 3.6 * PX
    assert [w.code for w in contour_warnings(masked, SHAPE, SPACING)] == ["walls_touch"]


def test_the_real_expert_frame_with_touching_walls_keeps_its_cavity_as_a_mask():
    expert = _expert("SC-HF-I-1-059")
    reg = lv_regions(expert, SHAPE)
    masked = ContourSet(None, None, myocardium_mask=reg.myocardium)
    out = lv_agreement(masked, expert, shape=SHAPE, pixel_spacing_mm=SPACING)
    assert out["endocardium"]["flags"] == [] and out["endocardium"]["dice"] > 0.98  # was: empty cavity
    assert out["epicardium"]["hausdorff_mm"] <= 3.6 * PX  # was 14.1 mm; the hull chord across a 25 mm break


def test_half_an_endocardium_outside_the_epicardium_is_still_refused_in_mm_and_percent():
    expert = _expert()
    c = np.array(polygon_centroid(expert.endocardium))
    endo = expert.endocardium.copy()
    right = endo[:, 0] > c[0]
    endo[right] = c + (endo[right] - c) * 2.0  # half the endocardium far outside
    with pytest.raises(InvalidContourError, match=r"not inside the epicardium: \d+ % of its length \(.* mm\)"):
        validate_contour_set(ContourSet(endo, expert.epicardium), SHAPE, pixel_spacing_mm=SPACING)


def test_the_shared_invalid_file_is_still_refused():
    path = shared_path("scd-sunnybrook-sav", "invalid", "endo-outside-epi.sav")
    with pytest.raises(InvalidContourError, match="The endocardium is not inside the epicardium"):
        read_contours(path, image_shape=SHAPE)
    cs = read_contours(path, image_shape=SHAPE, validate=False)
    from backend.cmr.contours import wall_contact

    assert wall_contact(cs.endocardium, cs.epicardium, SPACING).outside_share > 4 * MAX_OUTSIDE_SHARE


def test_an_ordinary_expert_frame_gives_no_warning():
    assert contour_warnings(_expert("SC-HF-I-2-060"), SHAPE, SPACING) == []
