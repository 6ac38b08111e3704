"""Reading trainee contours: IDL SAV (real GDL/IDL files by path), Sunnybrook text, .npy and .png masks; the size,
decompression, time and memory bounds of the SAV parse; the messages a trainee sees."""

from __future__ import annotations

import io
import os
import pickle
import re
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.io import readsav

from backend.cmr import sav
from backend.cmr.contours import ContourSet, lv_regions
from backend.cmr.errors import InvalidContourError
from backend.cmr.sav import (
    DEFAULT_NAME_PATTERNS,
    describe_variables,
    merge_name_patterns,
    read_contour_text,
    read_contours,
    read_sav_variables,
)
from backend.cmr.savwrite import sav_bytes, write_sav
from tests.conftest import shared_path

SHAPE = (256, 256)


def _sunnybrook_text(case: str, instance: int) -> tuple[Path, Path]:
    base = shared_path("scd-sunnybrook", "contourfiles", case)
    return (
        base / "i-contours" / f"IM-0001-{instance:04d}-icontour-manual.txt",
        base / "o-contours" / f"IM-0001-{instance:04d}-ocontour-manual.txt",
    )


def _expert(case: str = "SC-HF-I-2", instance: int = 60) -> Path:
    return shared_path("scd-sunnybrook-sav", "expert", f"{case}-{instance:03d}.sav")


def _reference_regions():
    cs = read_contours(_expert(), image_shape=SHAPE)
    return cs, lv_regions(cs, SHAPE)


# ---------------------------------------------------------------------------------------------------------------
# Real files: expert, trainee, layouts, invalid


def test_every_expert_and_trainee_sav_reads_as_points_inside_a_256_image():
    files = sorted(shared_path("scd-sunnybrook-sav", "expert").glob("*.sav")) + sorted(
        shared_path("scd-sunnybrook-sav", "trainee").glob("*.sav")
    )
    assert len(files) == 18 + 36
    for f in files:
        cs = read_contours(f, image_shape=SHAPE)
        assert cs.has_polygons, f.name
        assert cs.source == "SAV contours (ENDO_X, ENDO_Y; EPI_X, EPI_Y)", f.name
        for pts in (cs.endocardium, cs.epicardium):
            assert pts.ndim == 2 and pts.shape[1] == 2 and len(pts) >= 30, f.name
            assert pts.min() >= 0 and pts.max() < 256, f.name


def test_the_expert_sav_equals_the_sunnybrook_text_contours_of_the_same_frame():
    for f in sorted(shared_path("scd-sunnybrook-sav", "expert").glob("*.sav")):
        case, instance = f.stem.rsplit("-", 1)
        endo_txt, epi_txt = _sunnybrook_text(case, int(instance))
        from_sav = read_contours(f, image_shape=SHAPE)
        from_text = read_contour_text(endo_txt, epi_txt, image_shape=SHAPE)
        np.testing.assert_allclose(from_sav.endocardium, from_text.endocardium, rtol=0, atol=1e-5, err_msg=f.name)
        np.testing.assert_allclose(from_sav.epicardium, from_text.epicardium, rtol=0, atol=1e-5, err_msg=f.name)
    endo_txt, _ = _sunnybrook_text("SC-HF-I-1", 59)
    first = endo_txt.read_text().split()
    assert read_contours(_expert("SC-HF-I-1", 59), image_shape=SHAPE).endocardium[0].tolist() == [
        float(first[0]),
        float(first[1]),
    ]


def test_the_four_layouts_of_one_frame_give_the_same_lv():
    points, ref = _reference_regions()
    layouts = shared_path("scd-sunnybrook-sav", "layouts")
    struct_cs = read_contours(layouts / "SC-HF-I-2-060-struct.sav", image_shape=SHAPE)
    assert struct_cs.source == "SAV contours (CONTOURS.ENDO; CONTOURS.EPI)"
    np.testing.assert_array_equal(struct_cs.endocardium, points.endocardium)
    np.testing.assert_array_equal(struct_cs.epicardium, points.epicardium)

    mask_cs = read_contours(layouts / "SC-HF-I-2-060-mask.sav", image_shape=SHAPE)
    labels_cs = read_contours(layouts / "SC-HF-I-2-060-labels.sav", image_shape=SHAPE)
    assert not mask_cs.has_polygons and mask_cs.cavity_mask is None
    assert labels_cs.cavity_mask is not None and "labels" in labels_cs.source
    for cs in (mask_cs, labels_cs):
        got = lv_regions(cs, SHAPE)
        # make_sav rasterised with matplotlib's Path.contains_points, we rasterise with skimage's pixel-centre
        # test: they disagree only on pixel centres lying exactly on a contour edge (Sunnybrook's half-pixel
        # steps put some there: 25 of 975 myocardium pixels on this frame).
        for ours, theirs in ((ref.myocardium, got.myocardium), (ref.cavity, got.cavity)):
            rows, cols = np.nonzero(ours != theirs)
            assert len(rows) <= 40, cs.source
            centres = np.column_stack([cols, rows]).astype(float)
            assert np.all(_distance_to_walls(centres, points) < 1e-9), cs.source
    assert ref.myocardium.sum() > 900


def _distance_to_walls(p: np.ndarray, cs: ContourSet) -> np.ndarray:
    """Distance of each point (x, y) to the nearest edge of either wall, in pixels."""
    best = np.full(len(p), np.inf)
    for poly in (cs.endocardium, cs.epicardium):
        a, b = poly, np.roll(poly, -1, axis=0)
        ab = b - a
        t = np.clip(((p[:, None, :] - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
        q = a + t[..., None] * ab
        best = np.minimum(best, np.hypot(*(p[:, None, :] - q).transpose(2, 0, 1)).min(axis=1))
    return best


def test_the_mask_layouts_equal_make_savs_own_rasterisation_exactly():
    path = pytest.importorskip("matplotlib.path")
    points, _ = _reference_regions()
    rr, cc = np.mgrid[0:256, 0:256]
    centres = np.column_stack([cc.ravel(), rr.ravel()])
    cavity = path.Path(points.endocardium).contains_points(centres).reshape(SHAPE)
    whole = path.Path(points.epicardium).contains_points(centres).reshape(SHAPE)
    layouts = shared_path("scd-sunnybrook-sav", "layouts")
    np.testing.assert_array_equal(
        read_contours(layouts / "SC-HF-I-2-060-mask.sav", image_shape=SHAPE).myocardium_mask, whole & ~cavity
    )
    labels = read_contours(layouts / "SC-HF-I-2-060-labels.sav", image_shape=SHAPE)
    np.testing.assert_array_equal(labels.myocardium_mask, whole & ~cavity)
    np.testing.assert_array_equal(labels.cavity_mask, cavity)


@pytest.mark.parametrize(
    "name, phrase",
    [
        ("endo-outside-epi.sav", "The endocardium is not inside the epicardium"),
        ("mask-wrong-shape-128.sav", "The mask variable MASK is 128x128 (rows x columns) but the image is 256x256"),
        ("no-contour-variables.sav", "No contour variables were found in the SAV file; it holds F32: float32 scalar."),
        ("not-a-sav.sav", "it starts with '%PDF-1.4' (a PDF document)"),
        ("truncated.sav", "The SAV file is truncated or damaged"),
    ],
)
def test_each_invalid_file_is_refused_with_its_own_message(name, phrase):
    with pytest.raises(InvalidContourError) as err:
        read_contours(shared_path("scd-sunnybrook-sav", "invalid", name), image_shape=SHAPE)
    message = str(err.value)
    assert phrase in message
    assert "\n" not in message


def test_the_no_contour_message_says_which_names_were_expected():
    with pytest.raises(InvalidContourError) as err:
        read_contours(shared_path("scd-sunnybrook-sav", "invalid", "no-contour-variables.sav"), image_shape=SHAPE)
    for name in ("ENDO_X/ENDO_Y", "EPI_X/EPI_Y", "CONTOURS", "MASK", "LABELS"):
        assert name in str(err.value)


# ---------------------------------------------------------------------------------------------------------------
# Real IDL files without contours (scipy's test data)


@pytest.mark.parametrize(
    "name, listed",
    [
        ("scalar_float32.sav", "F32: float32 scalar"),
        ("scalar_string.sav", "S: string"),
        ("array_float32_2d.sav", "ARRAY2D: float32 (22, 12)"),
        ("array_float32_pointer_1d.sav", "ARRAY1D: pointer array (123,)"),
        ("struct_arrays.sav", "ARRAYS: structure {A: int16 (3,), B: float32 (4,), C: complex64 (2,)"),
        ("struct_scalars_replicated.sav", "SCALARS_REP: structure array (5,) {A: int16 scalar"),
        ("null_pointer.sav", "POINT: null pointer; CHECK: int16 scalar"),
    ],
)
def test_real_idl_files_without_contours_are_refused_listing_their_variables(name, listed):
    with pytest.raises(InvalidContourError, match="No contour variables") as err:
        read_contours(shared_path("scipy-idl-sav", name), image_shape=SHAPE)
    assert listed in str(err.value)


def test_every_real_idl_file_either_parses_or_is_refused_cleanly():
    files = sorted(shared_path("scipy-idl-sav").glob("*.sav"))
    assert len(files) == 47
    for f in files:
        variables = read_sav_variables(f)
        assert variables and all(k == k.upper() for k in variables), f.name
        with pytest.raises(InvalidContourError):
            read_contours(f, image_shape=SHAPE)


def test_the_compressed_idl_file_reads_through_the_bounded_inflation_like_scipy():
    path = shared_path("scipy-idl-sav", "various_compressed.sav")
    assert path.read_bytes()[:4] == sav.SAV_COMPRESSED_MAGIC
    ours = read_sav_variables(path)
    theirs = readsav(str(path), python_dict=True)
    assert sorted(ours) == sorted(k.upper() for k in theirs)
    np.testing.assert_array_equal(ours["ARRAY5D"], theirs["array5d"])
    assert ours["F32"] == theirs["f32"] and ours["I8U"] == theirs["i8u"]
    np.testing.assert_array_equal(ours["ARRAYS"][0]["B"], theirs["arrays"][0]["B"])
    # The same file with a bound below its inflated size (about 3.6 kB) is refused by our inflater.
    with pytest.raises(InvalidContourError, match="expands to more than"):
        read_sav_variables(path, max_uncompressed_bytes=2_000)


def test_inflating_a_compressed_file_gives_the_uncompressed_file_scipy_reads(tmp_path):
    path = shared_path("scipy-idl-sav", "various_compressed.sav")
    n = sav._inflate_sav(path, tmp_path / "plain.sav", 10_000_000)
    assert n == (tmp_path / "plain.sav").stat().st_size
    assert (tmp_path / "plain.sav").read_bytes()[:4] == sav.SAV_MAGIC
    np.testing.assert_array_equal(readsav(str(tmp_path / "plain.sav"))["array5d"], readsav(str(path))["array5d"])


# ---------------------------------------------------------------------------------------------------------------
# Bounds: size, decompression, time, memory


def _zlib_bomb(path: Path, inflated_mb: int) -> None:
    """A compressed SAV file whose one VARIABLE record (a byte array of zeros) inflates to ``inflated_mb`` MiB."""
    n = inflated_mb << 20
    head = (
        struct.pack(">l", 4)
        + b"BOMB"
        + struct.pack(">ll", 1, 4)
        + struct.pack(">" + "l" * 16, 8, 1, n, n, 1, 0, 0, 8, n, 1, 1, 1, 1, 1, 1, 1)
        + struct.pack(">ll", 7, n)
    )
    comp = zlib.compressobj(9)
    body = comp.compress(head)
    zeros = bytes(1 << 20)
    for _ in range(inflated_mb):
        body += comp.compress(zeros)
    body += comp.flush()
    out = b"SR\x00\x06" + struct.pack(">lIIl", 2, 4 + 16 + len(body), 0, 0) + body + struct.pack(">lIIl", 6, 0, 0, 0)
    path.write_bytes(out)


def test_a_zlib_bomb_is_refused_at_the_bound(tmp_path):
    bomb = tmp_path / "bomb.sav"
    _zlib_bomb(bomb, 64)
    assert bomb.stat().st_size < 100_000
    start = time.perf_counter()
    with pytest.raises(InvalidContourError, match=re.escape("expands to more than 1.0 MB")):
        read_contours(bomb, image_shape=SHAPE, max_uncompressed_bytes=1_000_000)
    assert time.perf_counter() - start < 5


def test_the_bounded_inflation_never_holds_more_than_one_step_in_memory(tmp_path):
    bomb = tmp_path / "bomb.sav"
    _zlib_bomb(bomb, 64)
    tracemalloc.start()
    try:
        with pytest.raises(sav._SavError, match="expands to more than"):
            sav._inflate_sav(bomb, tmp_path / "out.sav", 16 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # 64 MiB declared, 16 MiB allowed, a few MiB held at once
    assert (tmp_path / "out.sav").stat().st_size <= 16 << 20


def test_a_damaged_compressed_record_is_refused(tmp_path):
    good = sav_bytes({"ENDO_X": np.arange(50, dtype=np.float32)}, compress=True)
    bad = bytearray(good)
    bad[40:60] = b"\xff" * 20
    (tmp_path / "bad.sav").write_bytes(bytes(bad))
    with pytest.raises(InvalidContourError, match="damaged"):
        read_sav_variables(tmp_path / "bad.sav")
    (tmp_path / "cut.sav").write_bytes(good[: len(good) // 2])
    with pytest.raises(InvalidContourError, match="truncated or damaged"):
        read_sav_variables(tmp_path / "cut.sav")


def test_a_file_over_max_bytes_is_refused_before_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(sav, "_run_isolated", fail)
    with pytest.raises(InvalidContourError, match=r"The contour file is 6\d kB, over the 10 kB limit"):
        read_contours(
            shared_path("scd-sunnybrook-sav", "layouts", "SC-HF-I-2-060-mask.sav"), image_shape=SHAPE, max_bytes=10_000
        )


def test_a_parse_over_the_time_limit_is_stopped(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(60)

    monkeypatch.setattr(sav, "_readsav", hang)  # the forked child inherits the patched module
    start = time.perf_counter()
    with pytest.raises(InvalidContourError, match=re.escape("took longer than 0.3 s and was stopped")):
        read_contours(_expert(), image_shape=SHAPE, timeout_s=0.3)
    assert time.perf_counter() - start < 3


def test_a_file_declaring_two_billion_structure_records_fails_in_the_child_not_the_worker(tmp_path):
    data = bytearray(sav_bytes({"S": {"A": np.zeros(3, np.float32)}}))
    at = data.index(struct.pack(">ll", 8, 36))  # TYPEDESC of a structure: typecode 8, flags array | struct
    data[at + 20 : at + 24] = struct.pack(">l", 2**31 - 1)  # its ARRAY_DESC's nelements
    (tmp_path / "huge.sav").write_bytes(bytes(data))
    start = time.perf_counter()
    with pytest.raises(InvalidContourError, match="declares more data than can be read"):
        read_sav_variables(tmp_path / "huge.sav")
    assert time.perf_counter() - start < 5


def _is_daemonic() -> bool:
    import multiprocessing

    return multiprocessing.current_process().daemon


def _read_in_pool_worker(path: str, timeout_s: float) -> str:
    try:
        cs = read_contours(path, image_shape=SHAPE, timeout_s=timeout_s)
        return f"{len(cs.endocardium)} {len(cs.epicardium)}"
    except InvalidContourError as exc:
        return str(exc)


def test_the_bounded_parse_works_inside_a_daemonic_worker_process_like_a_celery_prefork_child(monkeypatch):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:  # pool workers are daemonic: multiprocessing refuses them children of its own
        assert pool.apply(_is_daemonic) is True
        assert pool.apply(_read_in_pool_worker, (str(_expert()), 10.0)) == "285 353"
    monkeypatch.setattr(sav, "_readsav", lambda *a, **k: time.sleep(60))
    with ctx.Pool(1) as pool:
        assert "took longer than 0.2 s" in pool.apply(_read_in_pool_worker, (str(_expert()), 0.2))


def test_a_crashing_parser_is_reported_not_propagated(monkeypatch):
    monkeypatch.setattr(sav, "_readsav", lambda *a, **k: os.kill(os.getpid(), 9))
    with pytest.raises(InvalidContourError, match="Reading the SAV file stopped unexpectedly") as err:
        read_sav_variables(_expert())
    assert "signal" not in str(err.value)


def test_the_parse_prints_nothing(capfd):
    read_sav_variables(shared_path("scipy-idl-sav", "various_compressed.sav"))
    read_contours(_expert(), image_shape=SHAPE)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_the_parse_result_unpickler_refuses_anything_but_numpy_data():
    ok = pickle.dumps(
        {
            "A": np.arange(3, dtype=">f4"),
            "S": np.rec.array([(1, 2.0)], names="X,Y"),
            "C": np.complex64(1 + 2j),
            "N": None,
            "T": b"text",
        }
    )
    assert sorted(sav._ResultUnpickler(io.BytesIO(ok)).load()) == ["A", "C", "N", "S", "T"]
    evil = pickle.dumps(os.getcwd)
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        sav._ResultUnpickler(io.BytesIO(evil)).load()


def test_other_files_are_refused_saying_what_they_start_with(tmp_path):
    (tmp_path / "empty.sav").write_bytes(b"")
    with pytest.raises(InvalidContourError, match="empty"):
        read_contours(tmp_path / "empty.sav", image_shape=SHAPE)
    (tmp_path / "img.sav").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    with pytest.raises(InvalidContourError, match=r"starts with '\\xff\\xd8\\xff\\xe0.*' \(a JPEG image\)"):
        read_contours(tmp_path / "img.sav", image_shape=SHAPE)
    (tmp_path / "sr.sav").write_bytes(b"SR\x00\x05" + bytes(100))
    with pytest.raises(InvalidContourError, match="unknown record format 0005"):
        read_contours(tmp_path / "sr.sav", image_shape=SHAPE)
    (tmp_path / "dicom.sav").write_bytes(bytes(128) + b"DICM" + bytes(100))
    with pytest.raises(InvalidContourError, match=r"DICOM file.*upload it as the image"):
        read_contours(tmp_path / "dicom.sav", image_shape=SHAPE)


# ---------------------------------------------------------------------------------------------------------------
# Layouts and messages, with files written by our writer


def _walls() -> tuple[np.ndarray, np.ndarray]:
    cs = read_contours(_expert(), image_shape=SHAPE)
    return cs.endocardium, cs.epicardium


def test_endocardium_and_epicardium_arrays_at_top_level_are_read_as_n_by_2_or_2_by_n(tmp_path):
    endo, epi = _walls()
    write_sav(tmp_path / "a.sav", {"ENDOCARDIUM": endo.astype(np.float32), "EPICARDIUM": epi.T.astype(np.float32)})
    cs = read_contours(tmp_path / "a.sav", image_shape=SHAPE)
    np.testing.assert_array_equal(cs.endocardium, endo)
    np.testing.assert_array_equal(cs.epicardium, epi)
    assert cs.source == "SAV contours (ENDOCARDIUM; EPICARDIUM)"


def test_a_structure_with_any_name_and_lower_case_fields_is_searched(tmp_path):
    endo, epi = _walls()
    result = {"endo_x": endo[:, 0], "endo_y": endo[:, 1], "Epi": epi.astype(np.float32)}
    write_sav(tmp_path / "s.sav", {"RESULT": result, "F": np.float32(1)})
    cs = read_contours(tmp_path / "s.sav", image_shape=SHAPE)
    np.testing.assert_array_equal(cs.endocardium, endo)
    np.testing.assert_array_equal(cs.epicardium, epi)
    assert cs.source == "SAV contours (RESULT.ENDO_X, RESULT.ENDO_Y; RESULT.EPI)"


def test_polygons_are_preferred_to_a_mask_in_the_same_file(tmp_path):
    endo, epi = _walls()
    write_sav(
        tmp_path / "both.sav",
        {"MASK": np.zeros((5, 5), np.uint8), "ENDO": endo.astype(np.float32), "EPI": epi.astype(np.float32)},
    )
    cs = read_contours(tmp_path / "both.sav", image_shape=SHAPE)
    assert cs.has_polygons and cs.myocardium_mask is None


def test_the_site_names_hook_reads_its_own_variable_names(tmp_path):
    endo, epi = _walls()
    path = tmp_path / "site.sav"
    write_sav(path, {"LV_INNER": endo.T.astype(np.float32), "LV_OUTER": epi.astype(np.float32)})
    with pytest.raises(InvalidContourError) as err:
        read_contours(path, image_shape=SHAPE)
    assert f"LV_INNER: float32 (2, {len(endo)}); LV_OUTER: float32 ({len(epi)}, 2)" in str(err.value)
    cs = read_contours(path, image_shape=SHAPE, names={"endo": "lv_inner", "epi": ["LV_OUTER"]})
    np.testing.assert_array_equal(cs.endocardium, endo)
    np.testing.assert_array_equal(cs.epicardium, epi)


def test_site_names_come_first_and_take_a_default_name_from_another_structure():
    merged = merge_name_patterns({"mask": ["ROI"], "endo": "LV_INNER"})
    assert merged["endo"][:2] == ("LV_INNER", "ENDO")
    assert merged["mask"][0] == "ROI"
    assert "ROI" not in merged["contours"]
    assert merged["epi"] == DEFAULT_NAME_PATTERNS["epi"]
    with pytest.raises(ValueError, match="unknown contour name key"):
        merge_name_patterns({"endocardium": "X"})
    with pytest.raises(ValueError, match="unknown contour name key"):
        read_contours(_expert(), image_shape=SHAPE, names={"inner": "X"})


def test_only_one_wall_is_refused_naming_the_missing_one(tmp_path):
    endo, _ = _walls()
    write_sav(tmp_path / "one.sav", {"ENDO_X": endo[:, 0].astype(np.float32), "ENDO_Y": endo[:, 1].astype(np.float32)})
    with pytest.raises(
        InvalidContourError, match=r"Only the endocardium was found \(ENDO_X, ENDO_Y\); the epicardium is missing"
    ):
        read_contours(tmp_path / "one.sav", image_shape=SHAPE)


def test_an_x_without_its_y_is_refused(tmp_path):
    endo, epi = _walls()
    write_sav(tmp_path / "x.sav", {"ENDO_X": endo[:, 0], "EPI_X": epi[:, 0], "EPI_Y": epi[:, 1]})
    with pytest.raises(InvalidContourError, match="The file has ENDO_X but no ENDO_Y"):
        read_contours(tmp_path / "x.sav", image_shape=SHAPE)
    write_sav(tmp_path / "len.sav", {"ENDO_X": endo[:, 0], "ENDO_Y": endo[:-3, 1], "EPI": epi.astype(np.float32)})
    with pytest.raises(InvalidContourError, match=f"ENDO_X has {len(endo)} values but ENDO_Y has {len(endo) - 3}"):
        read_contours(tmp_path / "len.sav", image_shape=SHAPE)


def test_too_few_points_and_points_outside_the_image_are_refused(tmp_path):
    _, epi = _walls()
    write_sav(tmp_path / "few.sav", {"ENDO": np.array([[10, 10], [12, 10]], np.float32), "EPI": epi.astype(np.float32)})
    with pytest.raises(InvalidContourError, match="has 2 distinct point"):
        read_contours(tmp_path / "few.sav", image_shape=SHAPE)
    endo, epi = _walls()
    write_sav(tmp_path / "out.sav", {"ENDO": (endo + 200).astype(np.float32), "EPI": (epi + 200).astype(np.float32)})
    with pytest.raises(InvalidContourError, match="leaves the image"):
        read_contours(tmp_path / "out.sav", image_shape=SHAPE)
    cs = read_contours(tmp_path / "out.sav", image_shape=SHAPE, validate=False)
    assert cs.endocardium.max() > 256


def test_a_point_array_of_the_wrong_shape_is_refused(tmp_path):
    write_sav(tmp_path / "w.sav", {"ENDO": np.ones((3, 40), np.float32), "EPI": np.ones((40, 2), np.float32)})
    with pytest.raises(InvalidContourError, match=r"ENDO has shape \(3, 40\); expected an array of \(x, y\) points"):
        read_contours(tmp_path / "w.sav", image_shape=SHAPE)


def test_a_transposed_mask_of_a_non_square_image_is_refused_with_a_hint(tmp_path):
    _, ref = _reference_regions()
    mask = ref.myocardium[:, :200].T.astype(np.uint8)  # (200, 256): IDL bytarr(rows, columns) for a 256 x 200 image
    write_sav(tmp_path / "t.sav", {"MASK": mask})
    with pytest.raises(
        InvalidContourError,
        match=r"is 200x256 \(rows x columns\) but the image is 256x200.*looks transposed.*"
        r"bytarr\(200, 256\)",
    ):
        read_contours(tmp_path / "t.sav", image_shape=(256, 200))


def test_mask_values_other_than_binary_or_labels_are_refused(tmp_path):
    write_sav(tmp_path / "v.sav", {"ROI": (np.arange(256 * 256) % 5).reshape(SHAPE).astype(np.uint8)})
    with pytest.raises(InvalidContourError, match="has the values 0, 1, 2, 3, 4; expected 0/1 or 0/255"):
        read_contours(tmp_path / "v.sav", image_shape=SHAPE)


def test_an_empty_mask_is_refused(tmp_path):
    write_sav(tmp_path / "e.sav", {"MASK": np.zeros(SHAPE, np.uint8)})
    with pytest.raises(InvalidContourError, match="mask is empty"):
        read_contours(tmp_path / "e.sav", image_shape=SHAPE)


def test_without_an_image_shape_a_mask_of_any_shape_is_returned_unvalidated(tmp_path):
    write_sav(tmp_path / "m.sav", {"MASK": np.eye(7, 9, dtype=np.uint8) * 255})
    cs = read_contours(tmp_path / "m.sav", image_shape=None)
    assert cs.myocardium_mask.shape == (7, 9) and cs.myocardium_mask.sum() == 7


def test_describe_variables_lists_names_types_and_numpy_shapes():
    variables = {
        "endo_x": np.zeros(143, ">f4"),
        "CONTOURS": np.rec.array(
            [(np.zeros((143, 2), ">f4"), np.zeros((160, 2), ">f4"))], dtype=[("ENDO", object), ("EPI", object)]
        ),
        "F": np.float32(1),
    }
    assert describe_variables(variables) == (
        "ENDO_X: float32 (143,); CONTOURS: structure {ENDO: float32 (143, 2), EPI: float32 (160, 2)}; F: float32 scalar"
    )
    assert describe_variables({}) == "no variables"
    assert describe_variables({f"V{i}": np.int16(i) for i in range(15)}, limit=3).endswith("and 12 more")


# ---------------------------------------------------------------------------------------------------------------
# Sunnybrook text, .npy and .png masks


def test_a_single_text_contour_is_refused_asking_for_both_walls():
    endo_txt, _ = _sunnybrook_text("SC-HF-I-1", 59)
    with pytest.raises(InvalidContourError, match=r"single text contour \(210 'x y' points.*endocardium.*epicardium"):
        read_contours(endo_txt, image_shape=SHAPE)


def test_a_text_contour_with_a_bad_line_is_refused_with_its_line_number(tmp_path):
    (tmp_path / "i.txt").write_text("10 10\n20 10\n20 oops\n")
    (tmp_path / "o.txt").write_text("5 5\n30 5\n30 30\n5 30\n")
    with pytest.raises(InvalidContourError, match=re.escape("Line 3 of the endocardium text file i.txt is '20 oops'")):
        read_contour_text(tmp_path / "i.txt", tmp_path / "o.txt")
    (tmp_path / "i.txt").write_text("# inner\n10 10\n\n20, 10\n20 20\n")
    cs = read_contour_text(tmp_path / "i.txt", tmp_path / "o.txt", image_shape=(40, 40))
    assert cs.endocardium.tolist() == [[10, 10], [20, 10], [20, 20]]


def _mask_variants() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    _, ref = _reference_regions()
    myo, cav = ref.myocardium, ref.cavity
    return {
        "binary": (myo.astype(np.uint8), myo, None),
        "0-255": (myo.astype(np.uint8) * 255, myo, None),
        "labels": (cav.astype(np.uint8) + 2 * myo.astype(np.uint8), myo, cav),
        "bool": (myo, myo, None),
    }


@pytest.mark.parametrize("kind", ["binary", "0-255", "labels", "bool"])
def test_npy_masks_are_read_like_sav_masks(tmp_path, kind):
    arr, myo, cav = _mask_variants()[kind]
    np.save(tmp_path / "m.npy", arr)
    cs = read_contours(tmp_path / "m.npy", image_shape=SHAPE)
    np.testing.assert_array_equal(cs.myocardium_mask, myo)
    if cav is None:
        assert cs.cavity_mask is None
    else:
        np.testing.assert_array_equal(cs.cavity_mask, cav)


def test_npy_masks_of_the_wrong_shape_or_with_objects_are_refused(tmp_path):
    np.save(tmp_path / "small.npy", np.ones((128, 128), np.uint8))
    with pytest.raises(InvalidContourError, match=r"128x128 \(rows x columns\) but the image is 256x256"):
        read_contours(tmp_path / "small.npy", image_shape=SHAPE)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InvalidContourError, match="holds Python objects"):
        read_contours(tmp_path / "obj.npy", image_shape=SHAPE)


def test_npy_headers_declaring_too_much_or_more_than_the_file_holds_are_refused_before_loading(tmp_path):
    with open(tmp_path / "huge.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (100_000, 100_000)})
        f.write(bytes(64))
    with pytest.raises(InvalidContourError, match=r"declares 10000.0 MB of data \(100000x100000 uint8\)"):
        read_contours(tmp_path / "huge.npy", image_shape=SHAPE)
    np.save(tmp_path / "ok.npy", np.ones(SHAPE, np.uint8))
    (tmp_path / "cut.npy").write_bytes((tmp_path / "ok.npy").read_bytes()[:5000])
    with pytest.raises(
        InvalidContourError, match=re.escape("The .npy file is truncated: its header declares 65536 bytes")
    ):
        read_contours(tmp_path / "cut.npy", image_shape=SHAPE)


@pytest.mark.parametrize("kind, mode", [("binary", "L"), ("0-255", "L"), ("0-255", "1"), ("labels", "P")])
def test_png_masks_in_grey_bilevel_or_palette_are_read_like_sav_masks(tmp_path, kind, mode):
    arr, myo, cav = _mask_variants()[kind]
    if mode == "1":
        img = Image.fromarray(arr).convert("1")
    elif mode == "P":
        img = Image.fromarray(arr, mode="L").convert("P")
        img.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * 759)
        img = Image.frombytes("P", img.size, arr.tobytes())
        img.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * 759)
    else:
        img = Image.fromarray(arr, mode="L")
    img.save(tmp_path / "m.png")
    with Image.open(tmp_path / "m.png") as check:
        assert check.mode == mode
    cs = read_contours(tmp_path / "m.png", image_shape=SHAPE)
    np.testing.assert_array_equal(cs.myocardium_mask, myo)
    if cav is not None:
        np.testing.assert_array_equal(cs.cavity_mask, cav)


def test_png_masks_of_the_wrong_shape_or_in_colour_are_refused(tmp_path):
    Image.fromarray(np.zeros((100, 120), np.uint8)).save(tmp_path / "small.png")
    with pytest.raises(InvalidContourError, match=r"100x120 \(rows x columns\) but the image is 256x256"):
        read_contours(tmp_path / "small.png", image_shape=SHAPE)
    rgb = np.zeros((256, 256, 3), np.uint8)
    rgb[10:20, 10:20, 0] = 255
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    with pytest.raises(InvalidContourError, match="in colour"):
        read_contours(tmp_path / "rgb.png", image_shape=SHAPE)
    (tmp_path / "cut.png").write_bytes((tmp_path / "rgb.png").read_bytes()[:60])
    with pytest.raises(InvalidContourError, match=re.escape("PNG mask cut.png is truncated or damaged")):
        read_contours(tmp_path / "cut.png", image_shape=SHAPE)


def test_a_contour_set_from_a_mask_has_no_polygons():
    cs = read_contours(shared_path("scd-sunnybrook-sav", "layouts", "SC-HF-I-2-060-mask.sav"), image_shape=SHAPE)
    assert isinstance(cs, ContourSet) and not cs.has_polygons
    assert cs.myocardium_mask.dtype == bool and cs.myocardium_mask.shape == SHAPE


# ---------------------------------------------------------------------------------------------------------------
# Messages a trainee sees: what was wrong and what was expected, never the parser's internals

_INTERNALS = re.compile(
    r"struct\.error|Traceback|RECTYPE|_SavError|\b\w*(Error|Exception)\b|\bEOF\b|Error -\d|signal \d|exit status"
    r"|myoqa-|/tmp/|contours\.upload|\bdtype\b|<U\d|complex64|float64 values",
)


def _trainee_message(path, **kw) -> str:
    with pytest.raises(InvalidContourError) as err:
        read_contours(path, image_shape=SHAPE, **kw)
    msg = str(err.value)
    assert "\n" not in msg
    assert not _INTERNALS.search(msg), msg
    assert not re.search(r"\b([A-Za-z]+)\s+\1\b", msg, re.IGNORECASE), f"doubled word in: {msg}"
    return msg


def test_it_explains_a_truncated_sav_without_internal_names(tmp_path):
    good = _expert().read_bytes()
    files = {
        "shared": shared_path("scd-sunnybrook-sav", "invalid", "truncated.sav"),
        "half": tmp_path / "half.sav",
        "magic-only": tmp_path / "magic-only.sav",
    }
    files["half"].write_bytes(good[: len(good) // 2])
    files["magic-only"].write_bytes(sav.SAV_MAGIC)
    for name, path in files.items():
        msg = _trainee_message(path)
        assert "The SAV file is truncated or damaged" in msg, name
        assert "it ends in the middle of a record" in msg and "save it again from IDL" in msg, name


def test_it_explains_a_sav_with_garbage_records_without_internal_names(tmp_path):
    path = tmp_path / "garbage-records.sav"
    path.write_bytes(sav.SAV_MAGIC + np.random.default_rng(3).bytes(500))
    msg = _trainee_message(path)
    assert "truncated or damaged" in msg and "not valid IDL SAV records" in msg


def test_it_describes_garbage_bytes_named_sav_by_their_first_bytes(tmp_path):
    path = tmp_path / "contours.sav"
    path.write_bytes(b"\x18\x82garbage" + bytes(range(256)))
    msg = _trainee_message(path)
    assert msg.startswith("The file is not a contour file: it starts with '\\x18\\x82garbag'")
    assert "expected an IDL SAV file" in msg


def test_it_says_an_empty_file_is_empty(tmp_path):
    (tmp_path / "empty.sav").write_bytes(b"")
    assert "The contour file is empty (0 bytes)" in _trainee_message(tmp_path / "empty.sav")


def test_it_names_the_variable_of_a_wrong_type_or_shape_and_what_was_expected(tmp_path):
    vec = np.arange(5, dtype=np.float32)
    cases = {
        "endo-x-2d.sav": (
            {"ENDO_X": np.zeros((3, 4), np.float32), "ENDO_Y": vec, "EPI_X": vec, "EPI_Y": vec},
            "The variable ENDO_X has shape (3, 4); expected a vector of coordinates (IDL fltarr(N)).",
        ),
        "endo-3-columns.sav": (
            {"ENDO": np.zeros((5, 3), np.float32), "EPI": np.zeros((5, 3), np.float32)},
            "The variable ENDO has shape (5, 3); expected an array of (x, y) points",
        ),
        "mask-3d.sav": (
            {"MASK": np.zeros((3, 4, 5), np.uint8)},
            "The mask variable MASK is 3x4x5 (3-D); expected a 2-D image of rows x columns (IDL bytarr(columns, rows)).",
        ),
        "x-length.sav": (
            {"ENDO_X": vec[:4], "ENDO_Y": vec, "EPI_X": vec, "EPI_Y": vec},
            "ENDO_X has 4 values but ENDO_Y has 5",
        ),
    }
    for name, (variables, phrase) in cases.items():
        write_sav(tmp_path / name, variables)
        assert phrase in _trainee_message(tmp_path / name), name


def test_it_names_a_mask_file_of_the_wrong_shape_once_by_its_own_name(tmp_path):
    Image.fromarray(np.zeros((128, 128), np.uint8)).save(tmp_path / "my-mask.png")
    np.save(tmp_path / "my-mask.npy", np.zeros((128, 128), np.uint8))
    for name in ("my-mask.png", "my-mask.npy"):
        msg = _trainee_message(tmp_path / name)
        assert f"The mask in {name} is 128x128 (rows x columns) but the image is 256x256" in msg
        assert "mask mask" not in msg


def test_it_explains_a_damaged_png_mask_without_the_path_on_the_server(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((256, 256), np.uint8)).save(buf, "PNG")
    (tmp_path / "cut.png").write_bytes(buf.getvalue()[:30])
    msg = _trainee_message(tmp_path / "cut.png")
    assert "The PNG mask cut.png is truncated or damaged" in msg
    assert str(tmp_path) not in msg and "cannot identify" not in msg


def test_it_explains_a_truncated_npy_header_without_numpy_internals(tmp_path):
    buf = io.BytesIO()
    np.save(buf, np.zeros((256, 256), np.uint8))
    (tmp_path / "cut.npy").write_bytes(buf.getvalue()[:20])
    msg = _trainee_message(tmp_path / "cut.npy")
    assert "The .npy file cut.npy is truncated or damaged: its header cannot be read" in msg


def test_it_says_in_words_what_a_non_numeric_npy_mask_holds(tmp_path):
    np.save(tmp_path / "complex.npy", np.zeros((256, 256), np.complex64))
    np.save(tmp_path / "text.npy", np.full((256, 256), "a"))
    assert "The mask in complex.npy holds complex numbers; expected a 2-D mask of numbers" in _trainee_message(
        tmp_path / "complex.npy"
    )
    assert "The mask in text.npy holds text" in _trainee_message(tmp_path / "text.npy")


def test_it_explains_a_damaged_compressed_record_without_zlib_internals(tmp_path):
    body = b"this is not a zlib stream"
    record = struct.pack(">lII", 2, 4 + 16 + len(body), 0) + bytes(4) + body  # a VARIABLE record, then its body
    (tmp_path / "bad.sav").write_bytes(sav.SAV_COMPRESSED_MAGIC + record + struct.pack(">lII", 6, 0, 0) + bytes(4))
    msg = _trainee_message(tmp_path / "bad.sav")
    assert "The compressed SAV file is damaged: one of its records does not decompress" in msg


def test_a_variable_of_the_wrong_kind_is_described_in_words(tmp_path):
    write_sav(
        tmp_path / "scalars.sav",
        {
            "ENDO_X": np.int16(3),
            "ENDO_Y": np.arange(5, dtype=np.float32),
            "EPI_X": np.float32(1),
            "EPI_Y": np.float32(2),
        },
    )
    msg = _trainee_message(tmp_path / "scalars.sav")
    assert "The variable ENDO_X is a single number; expected a vector of coordinates (IDL fltarr(N))." in msg
    write_sav(tmp_path / "points.sav", {"ENDO": np.float32(1), "EPI": np.float32(2)})
    assert "The variable ENDO is a single number; expected an array of (x, y) points" in _trainee_message(
        tmp_path / "points.sav"
    )
    assert sav._describe_value(3) == "integer scalar" and sav._describe_value(2.5) == "floating-point scalar"
    assert sav._a("int16 scalar") == "an int16 scalar" and sav._a("uint8 (2, 2)") == "a uint8 (2, 2)"
