from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command


def test_the_demo_case_assesses_with_a_realistic_t1_and_a_visible_epicardial_error(tmp_path):
    call_command("make_demo_case", "--out", str(tmp_path), stdout=io.StringIO())
    assert {p.name for p in tmp_path.iterdir()} >= {"t1map.dcm", "consensus.sav", "trainee.sav"}
    out = tmp_path / "a.json"
    call_command(
        "assess",
        "--image",
        str(tmp_path / "t1map.dcm"),
        "--trainee",
        str(tmp_path / "trainee.sav"),
        "--reference",
        str(tmp_path / "consensus.sav"),
        "--json",
        str(out),
        "--overlay",
        str(tmp_path / "o.png"),
        stdout=io.StringIO(),
    )
    p = json.loads(out.read_text())
    assert p["image"]["kind"] == "t1_map" and p["consensus"]["map"]["quantity"] == "t1_ms"
    # Native myocardial T1 at 1.5 T is about 1000 ms (domain.md: median ~1026 ms); the phantom uses 1000 ms.
    assert p["consensus"]["map"]["mean"] == pytest.approx(1000, abs=40)
    # The trainee pushed the epicardium outward by up to 2 px (2.8 mm): the wall is thicker and includes fat/blood.
    assert 0 < p["delta"]["wall_thickness_mm"] < 2.8
    assert 1.4 < p["agreement"]["epicardium"]["hausdorff_mm"] <= 2.8 * 1.05
    assert p["agreement"]["endocardium"]["hausdorff_mm"] < p["agreement"]["epicardium"]["hausdorff_mm"]
    assert (tmp_path / "o.png").read_bytes()[:4] == b"\x89PNG"
