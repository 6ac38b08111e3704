"""Inter-expert agreement on a case whose second expert is a known perturbation of the first."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backend.cmr.agreement_bands import case_agreement, pair_agreement, proposed_tolerances
from backend.cmr.contours import ContourSet
from backend.cmr.dicom import CMRImage, ImageKind
from tests.cmr.synthetic import circle

SHAPE, SPACING, C = (128, 128), (1.25, 1.25), (64.0, 64.0)
R_ENDO, R_EPI = 20.3, 28.3  # no pixel centre lies on these circles (nor on 29.3 px, nor on 28.8)


def _radius() -> np.ndarray:
    yy, xx = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]].astype(float)
    return np.hypot(xx - C[0], yy - C[1])


def t1_image() -> CMRImage:
    """Native T1 map: 1000 ms out to 28.8 px from the centre, 1600 ms beyond (blood-like tissue)."""
    return CMRImage(
        pixels=np.where(_radius() <= 28.8, 1000.0, 1600.0),
        pixel_spacing_mm=SPACING,
        kind=ImageKind.T1_MAP,
        echo_times_ms=None,
        field_strength_t=1.5,
        units="ms",
        manufacturer="",
        description="",
        series_instance_uid="1.2.3",
        sop_instance_uids=("1.2.3.4",),
    )


def expert(epi_px: float) -> ContourSet:
    return ContourSet(endocardium=circle(*C, R_ENDO, 720), epicardium=circle(*C, epi_px, 720))


def test_an_epicardium_one_pixel_out_gives_the_hand_computed_agreement():
    p = pair_agreement(t1_image(), expert(R_EPI), expert(R_EPI + 1.0))
    # Ring 1 lies inside ring 2: Dice = 2 A1 / (A1 + A2), A = pi (r_epi^2 - r_endo^2).
    a1, a2 = R_EPI**2 - R_ENDO**2, (R_EPI + 1) ** 2 - R_ENDO**2
    assert p["dice"] == pytest.approx(2 * a1 / (a1 + a2), abs=0.004)
    # The endocardia coincide; the epicardia are 1 px = 1.25 mm apart everywhere: the worse wall's HD95 is 1.25 mm.
    assert p["hd95_mm"] == pytest.approx(1.25, abs=0.02)
    # Mean wall thickness 8 px against 9 px: 1.25 mm.
    assert p["abs_delta_wall_thickness_mm"] == pytest.approx(1.25, abs=0.05)
    # T1: expert 2's ring takes in the pixels with centres 28.8 < r < 29.3 at 1600 ms (counted on the grid).
    r = _radius()
    ring2 = (r > R_ENDO) & (r < R_EPI + 1.0)
    n_out = ((r > 28.8) & ring2).sum()
    assert p["abs_delta_map"] == pytest.approx(600.0 * n_out / ring2.sum(), rel=1e-9)
    assert p["map_quantity"] == "t1_ms"


def test_identical_experts_agree_perfectly():
    p = pair_agreement(t1_image(), expert(R_EPI), expert(R_EPI))
    assert p["dice"] == 1.0 and p["hd95_mm"] == pytest.approx(0.0, abs=1e-9)
    assert p["abs_delta_map"] == 0.0 and p["abs_delta_wall_thickness_mm"] == pytest.approx(0.0, abs=1e-9)


def test_three_experts_give_every_pair_and_their_mean():
    img = t1_image()
    a = case_agreement(img, [expert(R_EPI), expert(R_EPI + 1.0), expert(R_EPI + 2.0)])
    assert [p["experts"] for p in a["pairs"]] == [[0, 1], [0, 2], [1, 2]]
    wt = [p["abs_delta_wall_thickness_mm"] for p in a["pairs"]]
    assert wt == pytest.approx([1.25, 2.5, 1.25], abs=0.06)
    assert a["mean"]["abs_delta_wall_thickness_mm"] == pytest.approx(np.mean(wt))
    assert a["n_experts"] == 3


def test_one_expert_is_not_agreement():
    with pytest.raises(ValueError, match="two or more"):
        case_agreement(t1_image(), [expert(R_EPI)])


def _case(q, dice, hd, dmap, dwt):
    m = {"dice": dice, "hd95_mm": hd, "abs_delta_map": dmap, "abs_delta_wall_thickness_mm": dwt}
    return {"n_experts": 2, "map_quantity": q, "pairs": [{"experts": [0, 1], **m}], "mean": m}


def test_the_proposal_is_the_median_over_cases_rounded_outwards():
    cases = [
        _case("t1_ms", d, h, t, w) for d, h, t, w in [(0.90, 2.0, 5.0, 1.0), (0.86, 3.1, 6.14, 1.2), (0.80, 9, 30, 3)]
    ]
    cases.append(_case("signal", 0.88, 2.5, None, 1.1))
    p = proposed_tolerances(cases)
    # Dice median of 0.90, 0.86, 0.80, 0.88 = 0.87 (down to 0.01); HD95 median 2.8 -> 2.8; |dWT| 1.15 -> 1.2;
    # |dT1| only from the three T1 cases: median 6.14 -> 6.2 (up to 0.1).
    assert p["tolerances"] == pytest.approx(
        {"tolerance_dice": 0.87, "tolerance_hd95_mm": 2.8, "tolerance_wall_thickness_mm": 1.2, "tolerance_t1_ms": 6.2}
    )
    t1 = next(b for b in p["basis"] if b["field"] == "tolerance_t1_ms")
    assert t1["n_cases"] == 3 and t1["max"] == 30 and t1["median"] == 6.14
    assert (p["n_cases"], p["n_pairs"], p["max_experts"], p["statistic"]) == (4, 4, 2, "median over cases")
    assert math.isclose(next(b for b in p["basis"] if b["field"] == "tolerance_dice")["p90"], 0.818, abs_tol=1e-9)


def test_no_cases_propose_nothing():
    assert proposed_tolerances([])["tolerances"] == {}
