"""The pure-Python IDL SAV writer: round trips through scipy.io.readsav, GDL ``RESTORE``, and our reader reading
GDL-written files of a non-square image in every layout (which catches any transposition)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.io import readsav

from backend.cmr.contours import lv_regions
from backend.cmr.sav import read_contours, read_sav_variables
from backend.cmr.savwrite import sav_bytes, write_sav
from tests.conftest import REPO

GDL = shutil.which("gdl") or ("/usr/bin/gdl" if Path("/usr/bin/gdl").exists() else None)
needs_gdl = pytest.mark.skipif(GDL is None, reason="GDL (Debian gnudatalanguage) is not installed on this machine")

ROWS, COLS = 160, 224  # non-square on purpose: a transposition shows up as a shape or position error


def _ring(cx: float, cy: float, r: float, n: int, wobble: float = 0.0) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rr = r * (1 + wobble * np.sin(3 * t))
    return np.column_stack([cx + rr * np.cos(t), cy + 0.8 * rr * np.sin(t)])


def _walls() -> tuple[np.ndarray, np.ndarray]:
    """An off-centre LV (x near the right edge, y near the top) on a 160 x 224 image, rounded like make_sav does."""
    endo = np.round(_ring(150.3, 55.7, 18.0, 90, 0.1), 4).astype(np.float32).astype(np.float64)
    epi = np.round(_ring(151.1, 56.2, 28.0, 120, 0.05), 4).astype(np.float32).astype(np.float64)
    return endo, epi


def _gdl(script: str, tmp_path: Path) -> str:
    pro = tmp_path / "check.pro"
    pro.write_text(script + "\nexit\n")
    r = subprocess.run([GDL, "-quiet", str(pro)], capture_output=True, text=True, timeout=60)
    return r.stdout


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7,), (3, 5)])
def test_every_supported_type_and_shape_reads_back_identically_with_scipy(tmp_path, dtype, shape):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        value = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    else:
        value = (rng.standard_normal(shape) * 1e3).astype(dtype)
    path = tmp_path / "v.sav"
    write_sav(path, {"v": value})
    got = readsav(str(path), python_dict=True)["v"]
    assert np.asarray(got).dtype.newbyteorder("=") == np.dtype(dtype)
    assert np.asarray(got).shape == shape
    np.testing.assert_array_equal(np.asarray(got), value)


def test_a_rows_by_columns_mask_comes_back_with_the_same_shape_and_pixels(tmp_path):
    mask = np.zeros((ROWS, COLS), np.uint8)
    mask[10:20, 200:210] = 1
    write_sav(tmp_path / "m.sav", {"MASK": mask})
    got = readsav(str(tmp_path / "m.sav"), python_dict=True)["mask"]
    assert got.shape == (ROWS, COLS)
    np.testing.assert_array_equal(got, mask)


def test_a_boolean_mask_is_written_as_idl_bytes(tmp_path):
    write_sav(tmp_path / "b.sav", {"MASK": np.eye(4, 6, dtype=bool)})
    got = readsav(str(tmp_path / "b.sav"), python_dict=True)["mask"]
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, np.eye(4, 6, dtype=np.uint8))


def test_a_structure_of_arrays_reads_back_as_a_one_record_recarray_with_upper_case_fields(tmp_path):
    endo, epi = _walls()
    labels = np.arange(12, dtype=np.int16).reshape(3, 4) - 6
    write_sav(
        tmp_path / "s.sav",
        {
            "CONTOURS": {
                "ENDO": endo.astype(np.float32),
                "EPI": epi.astype(np.float32),
                "LAB": labels,
                "WEIGHT": np.float64(0.25),
                "N": np.int32(-3),
            }
        },
    )
    got = readsav(str(tmp_path / "s.sav"), python_dict=True)["contours"]
    assert got.shape == (1,)
    assert got.dtype.names == ("ENDO", "EPI", "LAB", "WEIGHT", "N")
    np.testing.assert_array_equal(got[0]["ENDO"], endo.astype(np.float32))
    np.testing.assert_array_equal(got[0]["EPI"], epi.astype(np.float32))
    np.testing.assert_array_equal(got[0]["LAB"], labels)
    assert got[0]["WEIGHT"] == 0.25 and got[0]["N"] == -3


def test_a_compressed_file_reads_back_with_scipy_and_with_the_bounded_reader(tmp_path):
    mask = (np.arange(ROWS * COLS).reshape(ROWS, COLS) % 7 == 0).astype(np.uint8)
    endo, _ = _walls()
    data = sav_bytes({"MASK": mask, "C": {"ENDO": endo.astype(np.float32)}}, compress=True)
    assert data[:4] == b"SR\x00\x06"
    assert len(data) < mask.nbytes / 4
    (tmp_path / "c.sav").write_bytes(data)
    ours = read_sav_variables(tmp_path / "c.sav")
    theirs = readsav(str(tmp_path / "c.sav"), python_dict=True)
    np.testing.assert_array_equal(ours["MASK"], mask)
    np.testing.assert_array_equal(theirs["mask"], mask)
    np.testing.assert_array_equal(ours["C"][0]["ENDO"], endo.astype(np.float32))


def test_it_refuses_what_idl_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        sav_bytes({"A": np.arange(3, dtype=np.int64)})
    with pytest.raises(TypeError, match="complex"):
        sav_bytes({"A": np.ones(3, dtype=np.complex64)})
    with pytest.raises(ValueError, match="identifier"):
        sav_bytes({"2BAD": np.ones(3, np.float32)})
    with pytest.raises(ValueError, match="empty"):
        sav_bytes({"A": np.ones((0, 2), np.float32)})
    with pytest.raises(ValueError, match="twice"):
        sav_bytes({"A": np.ones(2, np.float32), "a": np.ones(2, np.float32)})
    with pytest.raises(TypeError, match="nested"):
        sav_bytes({"S": {"T": {"U": np.ones(2, np.float32)}}})
    with pytest.raises(ValueError, match="at least one"):
        sav_bytes({})


@needs_gdl
def test_gdl_restores_a_file_we_wrote_with_idl_dimensions_and_values(tmp_path):
    mask = np.zeros((ROWS, COLS), np.uint8)
    mask[3, 200] = 7  # numpy [row, col] == IDL [col, row]
    endo, epi = _walls()
    write_sav(
        tmp_path / "w.sav",
        {
            "MASK": mask,
            "CONTOURS": {"ENDO": endo.astype(np.float32), "EPI": epi.astype(np.float32)},
            "I16": np.array([-32768, -2, 7000], np.int16),
            "L": np.int32(-100000),
            "D": np.float64(-2.25),
            "B": np.uint8(200),
        },
    )
    out = _gdl(
        f"""restore, '{tmp_path / "w.sav"}'
print, size(mask, /dimensions)
print, mask[200, 3], total(mask)
print, size(contours.endo, /dimensions)
print, contours.endo[0, 5], contours.endo[1, 5], contours.epi[0, 119], format='(3F12.4)'
print, i16
print, l, d, b, format='(I0, 1X, F0.4, 1X, I0)'""",
        tmp_path,
    )
    lines = [ln.split() for ln in out.strip().splitlines()]
    assert lines[0] == [str(COLS), str(ROWS)]  # IDL sees bytarr(columns, rows)
    assert [float(v) for v in lines[1]] == [7.0, 7.0]
    assert lines[2] == ["2", str(len(endo))]  # IDL sees fltarr(2, N)
    np.testing.assert_allclose([float(v) for v in lines[3]], [endo[5, 0], endo[5, 1], epi[119, 0]], atol=1e-4)
    assert lines[4] == ["-32768", "-2", "7000"]
    assert lines[5] == ["-100000", "-2.2500", "200"]


@needs_gdl
def test_gdl_restores_a_compressed_file_we_wrote(tmp_path):
    write_sav(tmp_path / "c.sav", {"ENDO_X": np.array([1.5, 2.5, 3.5], np.float32)}, compress=True)
    out = _gdl(f"restore, '{tmp_path / 'c.sav'}'\nprint, endo_x, format='(3F6.2)'", tmp_path)
    assert out.split() == ["1.50", "2.50", "3.50"]


def _make_sav_module():
    tool = REPO.parent / "shared" / "tools" / "make_sav.py"
    if not tool.exists():
        pytest.skip(f"GDL writer not available: {tool}")
    spec = importlib.util.spec_from_file_location("shared_make_sav", tool)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("shared_make_sav", module)
    spec.loader.exec_module(module)
    return module


@needs_gdl
def test_our_reader_gets_the_same_lv_from_gdl_files_of_a_non_square_image_in_every_layout(tmp_path):
    make_sav = _make_sav_module()
    endo, epi = _walls()
    shape = (ROWS, COLS)
    truth = lv_regions(_polygon_set(endo, epi), shape)
    for layout in ("points", "struct", "endoepi", "mask", "labels", "roi255"):
        path = tmp_path / f"{layout}.sav"
        make_sav.write_sav(str(path), layout, shape, endo, epi)
        cs = read_contours(path, image_shape=shape)
        got = lv_regions(cs, shape)
        if layout in ("points", "struct", "endoepi"):
            assert cs.has_polygons, layout
            np.testing.assert_allclose(cs.endocardium, endo, atol=1e-4, err_msg=layout)
            np.testing.assert_allclose(cs.epicardium, epi, atol=1e-4, err_msg=layout)
            np.testing.assert_array_equal(got.myocardium, truth.myocardium, err_msg=layout)
        else:
            assert cs.myocardium_mask.shape == shape, layout
            # make_sav rasterises with matplotlib Path.contains_points, we with skimage's pixel-centre test:
            # they may disagree on a centre lying on an edge, never on hundreds of pixels as a transposition would.
            assert (got.myocardium != truth.myocardium).sum() <= 2, layout
            assert (got.cavity != truth.cavity).sum() <= 2, layout
        assert truth.myocardium.sum() > 500


def _polygon_set(endo: np.ndarray, epi: np.ndarray):
    from backend.cmr.contours import ContourSet

    return ContourSet(endo, epi, source="test polygons")
