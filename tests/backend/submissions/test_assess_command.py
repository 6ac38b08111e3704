"""``manage.py assess`` on the real Sunnybrook cases, synthetic maps and series, and bad input.

Expected distances follow from each simulated trainee error's parameters (``cases.csv``), with tolerances derived
from geometry, not from this implementation's output:

* ``exact``: Dice 1 and every distance 0.
* ``shift`` by a vector s: for a translated closed curve the Hausdorff distance is |s| (the support point of the
  curve in the direction of s moves exactly |s| away from the original, and no point moves further); HD95 <= HD; the
  mean surface distance is the mean of |s . n| over the curve, 2/pi |s| = 0.64 |s| for a circle, between 0.5 and
  0.75 |s| for the LV's rounded shapes.
* ``epi_out`` / ``endo_in`` by a radial offset r: HD = r (the offset is along the normal wherever the radius is);
  MSD between 0.85 r and r (the radial and normal directions differ a little on a non-circular wall); the other
  wall is untouched: its distances 0, its region's Dice 1.
* ``rough``, independent Gaussian noise of SD sigma on every vertex: the MSD lies between 0.3 sigma and 0.9 sigma
  (the mean absolute normal displacement of a vertex is 0.8 sigma, and it shrinks between vertices and in the
  reference-to-trainee direction); the HD, the largest of ~100-200 vertex displacements, lies between 1.5 sigma
  and 4.5 sigma.
Distances are in mm: pixels x 1.367188 mm.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom, write_t2star_series
from backend.cmr.savwrite import write_sav
from tests.conftest import REPO, SHARED_DATA, shared_path


def _cases() -> list[dict]:
    f = SHARED_DATA / "scd-sunnybrook-sav" / "cases.csv"
    if not f.exists():
        return []
    return list(csv.DictReader(f.open()))


def run_assess(tmp_path: Path, image, trainee, reference, *extra: str) -> dict:
    out = tmp_path / "out.json"
    images = [str(p) for p in (image if isinstance(image, (list, tuple)) else [image])]
    call_command(
        "assess",
        "--image",
        *images,
        "--trainee",
        str(trainee),
        "--reference",
        str(reference),
        "--json",
        str(out),
        *extra,
        stdout=io.StringIO(),
    )
    return json.loads(out.read_text())


def _params(row: dict) -> dict:
    return {k: float(v) for k, v in (kv.split("=") for kv in row["params"].split(";"))} if row["params"] else {}


@pytest.mark.parametrize(
    "row",
    _cases()
    or [
        pytest.param(
            None, marks=pytest.mark.skip(reason=f"real data not available: {SHARED_DATA}/scd-sunnybrook-sav/cases.csv")
        )
    ],
    ids=lambda r: f"{Path(r['trainee_sav']).stem}" if r else "no-data",
)
def test_every_sunnybrook_trainee_file_gives_the_distances_its_error_implies(tmp_path, row):
    sav = shared_path("scd-sunnybrook-sav")
    p = run_assess(
        tmp_path, shared_path("scd-sunnybrook", row["dicom"]), sav / row["trainee_sav"], sav / row["expert_sav"]
    )
    assert p["image"]["pixel_spacing_mm"] == pytest.approx([float(row["pixel_spacing_mm"])] * 2, abs=1e-4)
    mm = float(row["pixel_spacing_mm"])
    a = p["agreement"]
    endo, epi, myo = a["endocardium"], a["epicardium"], a["myocardium"]
    kind, prm = row["error_kind"], _params(row)

    def dist(s):
        return s["hausdorff_mm"], s["hd95_mm"], s["mean_surface_distance_mm"]

    if kind == "exact":
        for s in (endo, epi):
            assert s["dice"] == 1.0 and s["jaccard"] == 1.0
            assert max(dist(s)) == pytest.approx(0.0, abs=1e-9)
        assert myo["dice"] == 1.0 and myo["sensitivity"] == 1.0 and myo["ppv"] == 1.0
        assert p["delta"]["wall_thickness_mm"] == pytest.approx(0.0, abs=1e-9)
        assert p["delta"]["map"] == pytest.approx(0.0, abs=1e-9)
    elif kind == "shift":
        s = math.hypot(prm["dx_px"], prm["dy_px"]) * mm
        for w in (endo, epi):
            hd, hd95, msd = dist(w)
            assert hd == pytest.approx(s, rel=0.02)
            assert 0.8 * s <= hd95 <= hd + 1e-9
            assert 0.5 * s <= msd <= 0.75 * s
        assert p["delta"]["wall_thickness_mm"] == pytest.approx(0.0, abs=0.15)  # a shift keeps the thickness
    elif kind in ("epi_out", "endo_in"):
        r = abs(prm.get("epi_radial_px", prm.get("endo_radial_px"))) * mm
        moved, kept = (epi, endo) if kind == "epi_out" else (endo, epi)
        hd, hd95, msd = dist(moved)
        assert hd == pytest.approx(r, rel=0.02)
        assert 0.85 * r <= msd <= r * 1.01
        # The untouched wall keeps its contour; its region may differ by the few pixels where the reference's
        # endocardium touches its epicardium (the cavity is clipped to each rater's own epicardium).
        assert kept["dice"] > 0.995 and max(dist(kept)) == pytest.approx(0.0, abs=1e-9)
        # Both errors thicken the wall by about r.
        assert 0.8 * r <= p["delta"]["wall_thickness_mm"] <= 1.1 * r
        assert myo["dice"] < 1.0
        if kind == "epi_out":
            assert myo["sensitivity"] == pytest.approx(1.0, abs=0.01) and myo["ppv"] < 1.0
        else:
            assert myo["ppv"] < 1.0
    elif kind == "rough":
        sigma = prm["noise_sd_px"] * mm
        for w in (endo, epi):
            hd, hd95, msd = dist(w)
            assert 0.3 * sigma <= msd <= 0.9 * sigma
            assert 1.5 * sigma <= hd <= 4.5 * sigma
            assert msd <= hd95 <= hd
    else:
        pytest.fail(f"unknown error kind {kind}")
    # Dice and Jaccard are tied by J = D / (2 - D) for every structure.
    for s in (endo, epi, myo):
        assert s["jaccard"] == pytest.approx(s["dice"] / (2 - s["dice"]), rel=1e-9)


def test_the_four_sav_layouts_of_one_frame_assess_alike(tmp_path):
    sav = shared_path("scd-sunnybrook-sav")
    image = shared_path("scd-sunnybrook", "dicoms", "SCD0000201", "60.dcm")
    points = sav / "expert" / "SC-HF-I-2-060.sav"
    struct = run_assess(tmp_path, image, sav / "layouts" / "SC-HF-I-2-060-struct.sav", points)
    assert struct["agreement"]["myocardium"]["dice"] == 1.0
    assert struct["agreement"]["epicardium"]["hausdorff_mm"] == pytest.approx(0, abs=1e-9)
    for layout in ("mask", "labels"):
        p = run_assess(tmp_path, image, sav / "layouts" / f"SC-HF-I-2-060-{layout}.sav", points)
        a = p["agreement"]
        # The masks were rasterised with another point-in-polygon rule: they differ only at pixel centres lying on
        # the contour; contours from masks (marching squares) stay within a pixel of the polygons.
        assert a["myocardium"]["dice"] > 0.97
        for w in ("endocardium", "epicardium"):
            assert a[w]["hausdorff_mm"] <= 1.367188 * (1 + 1e-9)  # at most one pixel
            assert a[w]["mean_surface_distance_mm"] < 0.5 * 1.367188
        assert p["trainee"]["wall_thickness"]["mean_mm"] == pytest.approx(
            p["consensus"]["wall_thickness"]["mean_mm"], abs=0.5 * 1.367188
        )


@pytest.fixture
def non_square_case(tmp_path):
    """A 160 x 224 synthetic T1 map with 1.2 x 1.6 mm pixels (dy x dx) and its contours as SAV in two layouts."""
    ph = lv_phantom(shape=(160, 224), pixel_spacing_mm=(1.2, 1.6), seed=3)
    dcm = write_map_dicom(tmp_path / "t1.dcm", t1_map_pixels(ph, noise_sd_ms=0.0, seed=3), ph, quantity="t1")
    points = tmp_path / "points.sav"
    write_sav(
        points,
        {
            "ENDO_X": ph.endocardium[:, 0].astype(np.float32),
            "ENDO_Y": ph.endocardium[:, 1].astype(np.float32),
            "EPI_X": ph.epicardium[:, 0].astype(np.float32),
            "EPI_Y": ph.epicardium[:, 1].astype(np.float32),
        },
    )
    mask = tmp_path / "mask.sav"
    write_sav(mask, {"MASK": ph.myocardium_mask().astype(np.uint8)})
    return ph, dcm, points, mask


def test_a_non_square_case_with_anisotropic_pixels_catches_any_transposition(tmp_path, non_square_case):
    ph, dcm, points, mask = non_square_case
    p = run_assess(tmp_path, dcm, points, points)
    assert (p["image"]["rows"], p["image"]["columns"]) == (160, 224)
    assert p["image"]["pixel_spacing_mm"] == [1.2, 1.6]
    assert p["agreement"]["myocardium"]["dice"] == 1.0
    # The phantom's wall is round in mm: its thickness in mm is the phantom's, whatever the pixel shape.
    assert p["consensus"]["wall_thickness"]["mean_mm"] == pytest.approx(ph.wall_mm, rel=0.1)
    assert p["consensus"]["map"]["quantity"] == "t1_ms"
    assert p["consensus"]["map"]["mean"] == pytest.approx(1000.0, abs=25.0)  # phantom myocardial T1
    m = run_assess(tmp_path, dcm, mask, points)
    assert m["agreement"]["myocardium"]["dice"] > 0.97
    assert m["agreement"]["epicardium"]["hausdorff_mm"] < 1.6


def test_a_t2star_series_is_fitted_and_graded_for_iron(tmp_path):
    ph = lv_phantom(seed=5)
    files = write_t2star_series(tmp_path / "series", ph, t2star_myocardium_ms=12.0, noise_sd=4.0, seed=5)
    sav = tmp_path / "c.sav"
    write_sav(sav, {"CONTOURS": {"ENDO": ph.endocardium.astype(np.float32), "EPI": ph.epicardium.astype(np.float32)}})
    p = run_assess(tmp_path, files, sav, sav)
    assert p["image"]["kind"] == "t2star_series" and len(p["image"]["echo_times_ms"]) == len(files)
    m = p["consensus"]["map"]
    assert m["quantity"] == "t2star_ms"
    # The myocardial T2* is the fit of the ROI-mean signal (Anderson 2001). The phantom blurs its edges (partial
    # volume with blood, T2* 150 ms), which lengthens the ROI fit, as on a scanner; the per-pixel median is robust.
    assert m["median"] == pytest.approx(12.0, rel=0.05)
    assert 12.0 <= m["mean"] <= 12.0 * 1.2
    assert m["r2star_per_s"] == pytest.approx(1000.0 / m["mean"])
    assert p["consensus"]["map"]["iron_grade"] == "moderate"  # 10-15 ms at 1.5 T (domain.md)


def test_the_real_shmolli_t1_map_and_ge_echo_series_load_through_assess(tmp_path):
    t1 = shared_path("tomato-shmolli-phantom", "ShMOLLI_192i_e11_T1MAP_14", "IM-0003-0002.dcm")
    ring = tmp_path / "ring.npy"
    yy, xx = np.mgrid[0:288, 0:384]
    r = np.hypot(yy - 144, xx - 180)
    np.save(ring, ((r >= 20) & (r < 28)).astype(np.uint8))
    p = run_assess(tmp_path, t1, ring, ring)
    assert p["image"]["kind"] == "t1_map" and p["image"]["field_strength_t"] == 3.0
    assert 100 < p["consensus"]["map"]["mean"] < 3000  # ms, inside the phantom
    ge = shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")
    ring2 = tmp_path / "ring2.npy"
    yy, xx = np.mgrid[0:256, 0:256]
    r = np.hypot(yy - 128, xx - 128)
    np.save(ring2, ((r >= 15) & (r < 25)).astype(np.uint8))
    p = run_assess(tmp_path, ge, ring2, ring2, "--slice-location", "-29.09")
    assert p["image"]["echo_times_ms"] == pytest.approx(
        [4.6, 9.212, 13.824, 18.436, 23.048, 27.66, 32.272, 36.884, 41.496, 46.108, 50.72, 55.332]
    )
    # 3 T: the 1.5 T iron thresholds are not applied.
    assert p["consensus"]["map"]["iron_grade"] is None
    no_grade = [w["message"] for w in p["warnings"] if w["code"] == "no_iron_grade"]
    assert no_grade and "3" in no_grade[0]
    assert 1 < p["consensus"]["map"]["mean"] < 200


INVALID = {
    "endo-outside-epi.sav": "not inside the epicardium",
    "mask-wrong-shape-128.sav": "128",
    "truncated.sav": "",
    "no-contour-variables.sav": "",
    "not-a-sav.sav": "PDF",
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_each_invalid_sav_exits_with_status_2_and_one_line_saying_what_is_wrong(name):
    sav = shared_path("scd-sunnybrook-sav")
    image = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    if name == "endo-outside-epi.sav":
        image = next(shared_path("scd-sunnybrook", "known_defect").rglob("*.dcm"))
    r = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "assess",
            "--image",
            str(image),
            "--trainee",
            str(sav / "invalid" / name),
            "--reference",
            str(sav / "expert" / "SC-HF-I-1-059.sav"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Trainee contours")
    assert INVALID[name] in lines[0]
    assert r.stdout == ""


def test_bad_images_and_choices_exit_with_status_2(tmp_path, non_square_case):
    _ph, dcm, points, _mask = non_square_case
    cases = [
        (["--image", str(points)], "DICOM"),  # a SAV file given as the image
        (["--image", str(tmp_path / "missing.dcm")], "not found"),
        (["--image", str(dcm), "--map", "t2star"], "multi-echo"),
    ]
    for args, phrase in cases:
        r = subprocess.run(
            [sys.executable, "manage.py", "assess", *args, "--trainee", str(points), "--reference", str(points)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and phrase in r.stderr, r.stderr


def test_the_overlay_png_is_written_with_the_image_aspect(tmp_path, non_square_case):
    from PIL import Image

    _ph, dcm, points, mask = non_square_case
    png = tmp_path / "o.png"
    run_assess(tmp_path, dcm, mask, points, "--overlay", str(png))
    im = Image.open(png)
    assert im.format == "PNG" and im.width >= 600
    arr = np.asarray(im.convert("RGB")).astype(int)
    # The discrepancy colours are present (mask vs polygons differ at a few boundary pixels at least).
    yellow = (abs(arr - [0xF0, 0xE4, 0x42]).sum(axis=2) < 60).sum()
    assert yellow > 100


def test_a_thin_expert_wall_is_accepted_with_a_warning_in_the_summary(tmp_path):
    # SC-HF-I-1 frame 59: the expert's septal endocardium runs along the epicardium (thin, infarcted wall). Drawn
    # exactly by the trainee it is accepted, with the contact length in mm, and within every tolerance.
    sav = shared_path("scd-sunnybrook-sav")
    image = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    p = run_assess(tmp_path, image, sav / "trainee" / "SC-HF-I-1-059-exact.sav", sav / "expert" / "SC-HF-I-1-059.sav")
    touch = [w for w in p["warnings"] if w["code"] == "walls_touch"]
    assert (len(touch) == 1 and "touches" in touch[0]["message"]) or "crosses" in touch[0]["message"]
    mm = float(re.search(r"over ([0-9.]+) mm", touch[0]["message"]).group(1))
    assert 5.0 < mm < 60.0  # a real thin septum, not one pixel and not the whole wall
    assert p["verdict"]["result"] == "within" and p["agreement"]["myocardium"]["dice"] == 1.0
