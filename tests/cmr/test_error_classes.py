"""Error classes: the right kind, size and sectors on rings with known errors and on the shared Sunnybrook frames."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter

import numpy as np
import pytest

from backend.cmr.contours import polygon_to_mask
from backend.cmr.error_classes import classify_errors
from backend.cmr.segments import sector_scheme
from tests.conftest import shared_path

SHAPE = (120, 120)
C = np.array([60.0, 60.0])


def ring(r: float, n: int = 720, centre=C, wobble=None) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rr = r + (wobble(t) if wobble is not None else 0.0)
    return np.c_[centre[0] + rr * np.cos(t), centre[1] + rr * np.sin(t)]


CONSENSUS = (ring(15), ring(23))


def classify(trainee, consensus=CONSENSUS, spacing=(1.0, 1.0), **kw):
    return classify_errors(
        trainee, consensus, shape=SHAPE, pixel_spacing_mm=spacing, scheme=sector_scheme(consensus[0]), **kw
    )


def kinds(classes) -> set[tuple[str, str]]:
    return {(c.kind, c.structure) for c in classes}


def test_an_exact_contour_has_no_error_class():
    assert classify((ring(15), ring(23))) == []


def test_an_epicardium_drawn_outside_is_reported_with_its_size_and_every_sector():
    (e,) = classify((ring(15), ring(25)))
    assert (e.kind, e.structure) == ("epicardium_outside", "epicardium")
    assert e.size_mm == pytest.approx(2.0, abs=0.02) and len(e.sectors) == 6
    assert "epicardial fat" in e.explanation and "2.0 mm all the way round" in e.explanation


def test_an_endocardium_drawn_inside_is_trabeculae_in_the_myocardium():
    (e,) = classify((ring(12.5), ring(23)), spacing=(1.2, 1.2))
    assert (e.kind, e.structure) == ("endocardium_inside", "endocardium")
    assert e.size_mm == pytest.approx(2.5 * 1.2, abs=0.03)
    assert "trabeculae" in e.explanation


def test_a_shift_of_both_walls_is_one_shift_and_nothing_else():
    d = np.array([3.0, -2.0])  # px; 1.5 x 1.2 mm pixels (dy, dx): 3.6 mm right, 3.0 mm up
    (e,) = classify((ring(15) + d, ring(23) + d), spacing=(1.5, 1.2))
    assert (e.kind, e.structure) == ("shift", "both")
    assert e.size_mm == pytest.approx(math.hypot(3.0 * 1.2, 2.0 * 1.5), rel=0.01)
    assert "up and to the right" in e.explanation


def test_a_wobbly_contour_is_irregular_with_its_rms():
    # 24 lobes of 0.8 mm on a 23 mm circle: wavelength 6 mm, under the 12 mm cutoff; RMS = 0.8 / sqrt(2).
    classes = classify((ring(15), ring(23, wobble=lambda t: 0.8 * np.sin(24 * t))))
    (e,) = [c for c in classes if c.kind == "irregular"]
    assert e.structure == "epicardium" and e.size_mm == pytest.approx(0.8 / math.sqrt(2), rel=0.05)
    assert kinds(classes) == {("irregular", "epicardium")}


def test_a_local_bulge_is_an_extra_region_in_its_sector_only():
    scheme = sector_scheme(ring(15))

    # The endocardium pulled in by 3 mm over exactly one sector (sector 1 spans display angles 60-120 degrees).
    def inward(t):
        disp = np.degrees(np.mod(-t, 2 * np.pi))  # display angle (row 0 on top)
        return np.where((disp >= 65) & (disp <= 115), -3.0, 0.0)

    classes = classify((ring(15, wobble=inward), ring(23)))
    region = [c for c in classes if c.kind == "extra_region"]
    assert len(region) == 1 and region[0].structure == "endocardium"
    assert region[0].sectors == (scheme.names[0],) and region[0].size_mm > 1.5
    assert not any(c.kind == "endocardium_inside" for c in classes)  # regional, not all the way round


def test_the_consequence_is_computed_from_the_image():
    # Myocardium 1000 ms, blood 1600 ms: pulling the endocardium in by 2 px adds n_c blood pixels to n myocardium
    # pixels, so the mean rises by 600 n_c / n (hand formula), and the sentence gives it.
    t1 = np.where(polygon_to_mask(ring(15), SHAPE), 1600.0, 1000.0)
    trainee = (ring(13), ring(23))
    (e,) = classify(trainee, map_ms=t1, quantity_name="T1")
    whole = polygon_to_mask(trainee[1], SHAPE)
    myo = whole & ~polygon_to_mask(trainee[0], SHAPE)
    n_c = int((myo & polygon_to_mask(ring(15), SHAPE)).sum())
    assert e.map_effect == pytest.approx(600.0 * n_c / int(myo.sum()), rel=1e-9)
    assert f"T1 by {e.map_effect:+.0f} ms" in e.explanation


@pytest.fixture(scope="module")
def sunnybrook_frames():
    from backend.cmr.dicom import load_image
    from backend.cmr.sav import read_contours

    sav = shared_path("scd-sunnybrook-sav")
    with open(sav / "cases.csv") as fh:
        rows = list(csv.DictReader(fh))
    frames, seen = [], set()
    for r in rows:
        if r["expert_sav"] in seen:
            continue
        seen.add(r["expert_sav"])
        img = load_image(shared_path("scd-sunnybrook", r["dicom"]))
        shape = (img.rows, img.columns)
        frames.append((img, read_contours(sav / r["expert_sav"], image_shape=shape)))
    return frames


EXPECTED = {
    "exact": set(),
    "shift": {("shift", "both")},
    "epi_out": {("epicardium_outside", "epicardium")},
    "endo_in": {("endocardium_inside", "endocardium")},
    "rough": {("irregular", "endocardium"), ("irregular", "epicardium")},
}


def test_the_simulated_trainee_errors_of_the_shared_frames_get_their_class_and_size(sunnybrook_frames):
    from ml.data import simulate_trainee

    rng = np.random.default_rng(7)
    confusion: dict[str, Counter] = {}
    ratios: list[float] = []
    for img, expert in sunnybrook_frames:
        shape, sp = (img.rows, img.columns), img.pixel_spacing_mm
        scheme = sector_scheme(expert.endocardium)
        for kind in (*EXPECTED, "trabeculae", "warp"):
            t = simulate_trainee(expert, kind, rng, image_shape=shape)
            classes = classify_errors(
                (t.endocardium, t.epicardium),
                (expert.endocardium, expert.epicardium),
                shape=shape,
                pixel_spacing_mm=sp,
                scheme=scheme,
            )
            confusion.setdefault(kind, Counter())[frozenset(kinds(classes))] += 1
            if kind == "shift":
                dx, dy = (float(v) for v in re.findall(r"d[xy]=(-?[0-9.]+)", t.source))
                (e,) = classes
                assert e.size_mm == pytest.approx(math.hypot(dx * sp[1], dy * sp[0]), rel=0.02)
            elif kind in ("epi_out", "endo_in"):
                radial_mm = float(re.search(r"([0-9.]+)px", t.source).group(1)) * sp[0]
                (e,) = classes
                # The class is sized by the distance between the walls, which a radial move of a non-circular
                # wall makes shorter than the move itself (most where the wall is concave).
                assert 0.7 * radial_mm <= e.size_mm <= 1.01 * radial_mm
                ratios.append(e.size_mm / radial_mm)
    assert float(np.median(ratios)) >= 0.93  # measured 0.95: the normal distance of a radial move
    n = len(sunnybrook_frames)
    for kind, want in EXPECTED.items():
        assert confusion[kind] == Counter({frozenset(want): n}), (kind, confusion[kind])
    # Trabeculae: a bulge of 2-4 px over 60-120 degrees is an extra region on the endocardium (myocardium added);
    # the smallest bulges stay under the 1.5 mm region tolerance.
    trab = sum(c for k, c in confusion["trabeculae"].items() if ("extra_region", "endocardium") in k)
    assert trab >= 0.8 * n
    assert all(not k or ("extra_region", "endocardium") in k for k in confusion["trabeculae"])
    # A smooth warp of both walls moves the ring as a whole: it is (at least) a shift.
    assert sum(c for k, c in confusion["warp"].items() if ("shift", "both") in k) >= 0.8 * n


def test_the_bullseye_segments_match_a_hand_computation():
    from backend.cmr.error_classes import segment_discrepancy

    scheme = sector_scheme(ring(15))

    # The epicardium 2 mm out between display angles 70 and 110 degrees, inside sector 1 (60-120). Along the
    # sector's epicardium: a 40-degree arc at radius 25 at +2 mm, two radial steps of 2 mm at a mean of +1 mm, and
    # 20 degrees of arc at radius 23 at 0; its endocardium (60 degrees at radius 15) is at 0. Arc-length means:
    arc_out, steps, arc_rest, endo = np.radians(40) * 25, 2 * 2.0, np.radians(20) * 23, np.radians(60) * 15
    epi_mean = (2.0 * arc_out + 1.0 * steps) / (arc_out + steps + arc_rest)
    pooled_mean = (2.0 * arc_out + 1.0 * steps) / (arc_out + steps + arc_rest + endo)

    def outward(t):
        disp = np.degrees(np.mod(-t, 2 * np.pi))
        return np.where((disp > 70) & (disp < 110), 2.0, 0.0)

    t1 = np.full(SHAPE, 1000.0)
    t1[:, :60] = 1100.0  # the left half of the image is 100 ms longer
    segs = segment_discrepancy(
        (ring(15, n=7200), ring(23, n=7200, wobble=outward)),
        CONSENSUS,
        shape=SHAPE,
        pixel_spacing_mm=(1.0, 1.0),
        scheme=scheme,
        map_ms=t1,
    )
    assert [s.name for s in segs] == list(scheme.names)
    assert segs[0].epicardium_mm == pytest.approx(epi_mean, abs=0.02) and segs[0].endocardium_mm == pytest.approx(
        0.0, abs=1e-3
    )
    assert segs[0].signed_distance_mm == pytest.approx(pooled_mean, abs=0.02)
    for s in segs[1:]:
        assert abs(s.signed_distance_mm) < 0.05
    # The map difference of sector 1 by hand: the trainee's added pixels in that sector against the consensus's.
    from backend.cmr.segments import sector_index

    yy, xx = np.mgrid[0:120, 0:120]
    seg = sector_index(np.c_[xx.ravel(), yy.ravel()].astype(float), scheme).reshape(SHAPE)
    t_myo = polygon_to_mask(ring(23, n=7200, wobble=outward), SHAPE) & ~polygon_to_mask(ring(15, n=7200), SHAPE)
    c_myo = polygon_to_mask(CONSENSUS[1], SHAPE) & ~polygon_to_mask(CONSENSUS[0], SHAPE)
    want = t1[t_myo & (seg == 0)].mean() - t1[c_myo & (seg == 0)].mean()
    assert segs[0].delta_map == pytest.approx(want, abs=1e-9)
    assert segs[3].delta_map == pytest.approx(t1[t_myo & (seg == 3)].mean() - t1[c_myo & (seg == 3)].mean(), abs=1e-9)


def test_a_thickened_wall_shows_as_extra_myocardium_in_every_segment_and_cannot_cancel():
    from backend.cmr.error_classes import segment_discrepancy

    # Endocardium 1.5 mm in and epicardium 1.5 mm out: the walls' pooled signed distance nearly cancels
    # (-1.5 * 15 + 1.5 * 23 weighted), but the myocardium extends 3 mm further in every segment.
    segs = segment_discrepancy(
        (ring(13.5), ring(24.5)),
        CONSENSUS,
        shape=SHAPE,
        pixel_spacing_mm=(1.0, 1.0),
        scheme=sector_scheme(CONSENSUS[0]),
    )
    for s in segs:
        assert s.myocardium_excess_mm == pytest.approx(3.0, abs=0.05)
        assert abs(s.signed_distance_mm) < 0.5
