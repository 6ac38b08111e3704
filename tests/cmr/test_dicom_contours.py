"""DICOM SEG and RTSTRUCT contours: written by MyoQA and by independent writers (highdicom, rt-utils), read back.

Oracles: the IDL SAV expert contours of the real Sunnybrook frames (and a synthetic non-square phantom), compared
through the same agreement metrics as a submission (``assess`` + ``evaluation_summary``); the pixel positions an
independent writer traced from a known mask; pydicom / highdicom reading our files; ``dciodvfy`` (dicom3tools)
validating them against the standard's IODs.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest

from backend.cmr.assessment import assess, to_json_ready
from backend.cmr.contours import ContourSet, lv_regions, polygon_to_mask
from backend.cmr.dicom import read_image
from backend.cmr.dicom_contours import (
    LV_CAVITY_CODE,
    MYOCARDIUM_CODE,
    geometry_from_bytes,
    geometry_from_datasets,
    merge_dicom_names,
    read_dicom_contours,
    rtstruct_bytes,
    seg_bytes,
)
from backend.cmr.errors import InvalidContourError
from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.cmr.sav import read_contours
from backend.cmr.summary import DEFAULT_TOLERANCES, evaluation_summary
from backend.core.deid import UidMapper, deidentify
from tests.conftest import shared_path

warnings.filterwarnings("ignore", category=UserWarning, module="pydicom")


def _agreement(image, trainee: ContourSet, reference: ContourSet) -> dict:
    payload = to_json_ready(assess(image, trainee, reference).payload)
    return evaluation_summary(payload, DEFAULT_TOLERANCES)["agreement"]


def _deidentified(path: Path, secret: str = "test-secret") -> bytes:
    """The frame as MyoQA stores it: de-identified, UIDs replaced consistently (the real app path)."""
    ds = pydicom.dcmread(str(path))
    deidentify(ds, UidMapper(secret))
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.fixture
def phantom_case(tmp_path):
    """A non-square (160 x 208) synthetic T1 map, its DICOM geometry and its exact contours."""
    ph = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=5)
    p = write_map_dicom(tmp_path / "t1.dcm", t1_map_pixels(ph, seed=5), ph, quantity="t1")
    read = read_image(p)
    cs = ContourSet(ph.endocardium, ph.epicardium, source="phantom")
    return read.image, geometry_from_datasets(read.datasets), cs


def test_an_rtstruct_round_trip_gives_back_the_polygons_exactly(phantom_case, tmp_path):
    image, g, cs = phantom_case
    p = _write(tmp_path, "rt.dcm", rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium))
    back = read_contours(p, image_shape=g.shape, geometry=g)
    assert "RTSTRUCT" in back.source
    np.testing.assert_allclose(back.endocardium, cs.endocardium, atol=1e-6)
    np.testing.assert_allclose(back.epicardium, cs.epicardium, atol=1e-6)
    agree = _agreement(image, back, cs)
    assert agree["myocardium"]["dice"] == 1.0 and agree["epicardium"]["hausdorff_mm"] == pytest.approx(0, abs=1e-6)


def test_a_seg_round_trip_gives_back_the_masks_pixel_for_pixel(phantom_case, tmp_path):
    _, g, cs = phantom_case
    reg = lv_regions(cs, g.shape)
    p = _write(tmp_path, "seg.dcm", seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity))
    back = read_contours(p, image_shape=g.shape, geometry=g)
    assert "SEG" in back.source
    assert np.array_equal(back.myocardium_mask, reg.myocardium) and np.array_equal(back.cavity_mask, reg.cavity)
    # Not transposed: the 160 x 208 masks keep their rows and columns.
    assert back.myocardium_mask.shape == (160, 208)


def _sunnybrook_frames():
    root = shared_path("scd-sunnybrook-sav")
    rows = list(csv.DictReader((root / "cases.csv").open()))
    seen, out = set(), []
    for r in rows:
        if r["expert_sav"] not in seen:
            seen.add(r["expert_sav"])
            out.append((shared_path("scd-sunnybrook", r["dicom"]), root / r["expert_sav"]))
    return out


def test_sav_to_seg_and_rtstruct_give_the_savs_agreement_on_every_real_frame(tmp_path):
    """All 18 expert frames: the (fractional) SEG within Dice 0.98 / HD 0.75 px of the SAV, RTSTRUCT exact."""
    frames = _sunnybrook_frames()
    assert len(frames) == 18
    worst_dice, worst_hd_px = 1.0, 0.0
    bin_dice, bin_hd = 1.0, 0.0  # the BINARY SEG, for the record: the same masks, traced back by marching squares
    for dcm, sav in frames:
        stored = _deidentified(dcm)
        g = geometry_from_bytes(stored)
        image = read_image(_write(tmp_path, "img.dcm", stored)).image
        cs = read_contours(sav, image_shape=g.shape)
        reg = lv_regions(cs, g.shape)
        seg = read_contours(
            _write(
                tmp_path,
                "s.dcm",
                seg_bytes(
                    g,
                    myocardium=reg.myocardium,
                    cavity=reg.cavity,
                    endocardium=cs.endocardium,
                    epicardium=cs.epicardium,
                ),
            ),
            image_shape=g.shape,
            geometry=g,
        )
        binary = read_contours(
            _write(tmp_path, "b.dcm", seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity)),
            image_shape=g.shape,
            geometry=g,
        )
        assert np.array_equal(binary.myocardium_mask, reg.myocardium) and np.array_equal(binary.cavity_mask, reg.cavity)
        bin_agree = _agreement(image, binary, cs)
        bin_dice = min(bin_dice, min(bin_agree[s]["dice"] for s in bin_agree))
        bin_hd = max(bin_hd, max(bin_agree[s]["hausdorff_mm"] for s in bin_agree) / min(g.pixel_spacing_mm))
        rt = read_contours(
            _write(tmp_path, "r.dcm", rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium)),
            image_shape=g.shape,
            geometry=g,
        )
        assert np.array_equal(rt.endocardium, cs.endocardium) and np.array_equal(rt.epicardium, cs.epicardium)
        # Exact: the same numbers as the SAV compared with itself (Dice 1; distances 0 up to float rounding).
        exact, itself = _agreement(image, rt, cs), _agreement(image, cs, cs)
        assert exact == itself, sav.name
        assert all(exact[s]["dice"] == 1.0 and exact[s]["hausdorff_mm"] < 1e-9 for s in exact), sav.name
        agree = _agreement(image, seg, cs)
        for s in ("myocardium", "endocardium", "epicardium"):
            worst_dice = min(worst_dice, agree[s]["dice"])
            worst_hd_px = max(worst_hd_px, agree[s]["hausdorff_mm"] / min(g.pixel_spacing_mm))
    print(
        f"SAV -> SEG (fractional) -> MyoQA over 18 frames: worst Dice {worst_dice:.4f}, worst HD {worst_hd_px:.3f} px; "
        f"binary SEG: worst Dice {bin_dice:.4f}, worst HD {bin_hd:.3f} px"
    )
    assert worst_dice >= 0.98 and worst_hd_px <= 0.75


def test_a_seg_written_by_highdicom_from_a_mask_is_read_by_its_codes(tmp_path):
    """An independent SEG: FRACTIONAL, labels MyoQA does not know, recognised by their SNOMED CT codes alone."""
    import highdicom as hd
    from pydicom.sr.coding import Code

    dcm, sav = _sunnybrook_frames()[3]
    stored = _deidentified(dcm)
    src = pydicom.dcmread(io.BytesIO(stored))
    src.PatientBirthDate = ""  # Sunnybrook's 00000000 is no date; highdicom refuses to copy it
    g = geometry_from_bytes(stored)
    reg = lv_regions(read_contours(sav, image_shape=g.shape), g.shape)
    category = Code("91723000", "SCT", "Anatomical Structure")
    desc = [
        hd.seg.SegmentDescription(
            segment_number=n,
            segment_label=label,
            segmented_property_category=category,
            segmented_property_type=Code(*code),
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
        )
        for n, label, code in ((1, "Structure A", LV_CAVITY_CODE), (2, "Structure B", MYOCARDIUM_CODE))
    ]
    seg = hd.seg.Segmentation(
        source_images=[src],
        pixel_array=np.stack([reg.cavity, reg.myocardium], axis=-1).astype(np.float32)[None],
        segmentation_type=hd.seg.SegmentationTypeValues.FRACTIONAL,
        segment_descriptions=desc,
        series_instance_uid=hd.UID(),
        series_number=5,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="test",
        manufacturer_model_name="test",
        software_versions="1",
        device_serial_number="1",
    )
    p = tmp_path / "hd.dcm"
    seg.save_as(p)
    back = read_contours(p, image_shape=g.shape, geometry=g)
    assert np.array_equal(back.myocardium_mask, reg.myocardium) and np.array_equal(back.cavity_mask, reg.cavity)


def test_an_rtstruct_written_by_rt_utils_from_a_mask_is_read_onto_the_masks_pixels(tmp_path):
    """rt-utils traces each mask's boundary pixel centres (OpenCV): every point read must be one of them."""
    rt_utils = pytest.importorskip("rt_utils", reason="rt-utils (requirements-dev.txt) is not installed")
    dcm, sav = _sunnybrook_frames()[7]
    series = tmp_path / "series"
    series.mkdir()
    (series / "img.dcm").write_bytes(_deidentified(dcm))
    g = geometry_from_bytes((series / "img.dcm").read_bytes())
    reg = lv_regions(read_contours(sav, image_shape=g.shape), g.shape)
    rt = rt_utils.RTStructBuilder.create_new(dicom_series_path=str(series))
    rt.add_roi(mask=reg.cavity[:, :, None], name="LV endo")
    rt.add_roi(mask=reg.whole[:, :, None], name="LV epi")
    rt.save(str(tmp_path / "rtu.dcm"))
    back = read_contours(tmp_path / "rtu.dcm", image_shape=g.shape, geometry=g)
    for poly, mask in ((back.endocardium, reg.cavity), (back.epicardium, reg.whole)):
        centres = np.round(poly).astype(int)
        assert np.abs(poly - centres).max() < 1e-4  # on pixel centres (DS rounding only)
        assert mask[centres[:, 1], centres[:, 0]].all()  # x = column, y = row: each is a pixel of the mask
        traced = polygon_to_mask(poly, g.shape)
        assert 2 * (traced & mask).sum() / (traced.sum() + mask.sum()) > 0.95


def test_exported_files_read_back_with_pydicom_and_highdicom_and_reference_the_image(tmp_path):
    import highdicom as hd

    dcm, sav = _sunnybrook_frames()[0]
    stored = _deidentified(dcm)
    g = geometry_from_bytes(stored)
    cs = read_contours(sav, image_shape=g.shape)
    reg = lv_regions(cs, g.shape)
    seg = hd.seg.segread(io.BytesIO(seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity)))
    assert seg.StudyInstanceUID == g.study_instance_uid and seg.FrameOfReferenceUID == g.frame_of_reference_uid
    assert [u[2] for u in seg.get_source_image_uids()] == list(g.sop_instance_uids)
    assert seg.get_segment_numbers(segmented_property_type=hd.sr.CodedConcept(*MYOCARDIUM_CODE)) == [1]
    assert seg.get_segment_description(2).segment_label == "Left ventricle cavity"
    assert seg.get_segment_description(2).segmented_property_type.value == "87878005"
    rt = pydicom.dcmread(io.BytesIO(rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium)))
    assert [r.ROIName for r in rt.StructureSetROISequence] == ["Endocardium", "Epicardium"]
    for rc in rt.ROIContourSequence:
        (c,) = rc.ContourSequence
        assert c.ContourGeometricType == "CLOSED_PLANAR"
        assert c.ContourImageSequence[0].ReferencedSOPInstanceUID == g.sop_instance_uids[0]
    assert rt.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID == g.frame_of_reference_uid
    assert rt.StudyInstanceUID == g.study_instance_uid


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy is not installed (Debian package dicom3tools)")
def test_exported_seg_and_rtstruct_pass_dciodvfy_without_errors(tmp_path):
    dcm, sav = _sunnybrook_frames()[5]
    stored = _deidentified(dcm)
    g = geometry_from_bytes(stored)
    cs = read_contours(sav, image_shape=g.shape)
    reg = lv_regions(cs, g.shape)
    for name, data in (
        ("seg.dcm", seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity)),
        (
            "seg-fractional.dcm",
            seg_bytes(
                g, myocardium=reg.myocardium, cavity=reg.cavity, endocardium=cs.endocardium, epicardium=cs.epicardium
            ),
        ),
        ("seg-auto.dcm", seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity, algorithm="CNN v3")),
        ("rt.dcm", rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium)),
    ):
        out = subprocess.run(["dciodvfy", str(_write(tmp_path, name, data))], capture_output=True, text=True)
        lines = (out.stdout + out.stderr).splitlines()
        errors = [ln for ln in lines if ln.startswith("Error")]
        assert not errors, (name, errors)
        assert any(ln.strip() in ("Segmentation", "RTStructureSet") for ln in lines), lines


# ----------------------------------------------------------------------------------------------------------------------
# Refusals: clear messages


def test_a_seg_or_rtstruct_of_another_image_is_refused_by_its_references(phantom_case, tmp_path):
    _, g, cs = phantom_case
    reg = lv_regions(cs, g.shape)
    other = tmp_path / "other"
    ph2 = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=6)
    g2 = geometry_from_datasets(read_image(write_map_dicom(other / "t1.dcm", t1_map_pixels(ph2), ph2)).datasets)
    seg = _write(tmp_path, "s.dcm", seg_bytes(g2, myocardium=reg.myocardium, cavity=reg.cavity))
    rt = _write(tmp_path, "r.dcm", rtstruct_bytes(g2, endocardium=cs.endocardium, epicardium=cs.epicardium))
    for p, kind in ((seg, "SEG"), (rt, "RTSTRUCT")):
        with pytest.raises(InvalidContourError, match=f"This (DICOM )?{kind} was made on another image"):
            read_contours(p, image_shape=g.shape, geometry=g)


def test_a_file_made_on_the_original_image_matches_its_de_identified_copy_through_the_uid_mapping(tmp_path):
    dcm, sav = _sunnybrook_frames()[2]
    original = geometry_from_datasets([pydicom.dcmread(str(dcm))])
    stored = geometry_from_bytes(_deidentified(dcm, "site-secret"))
    cs = read_contours(sav, image_shape=stored.shape)
    p = _write(tmp_path, "r.dcm", rtstruct_bytes(original, endocardium=cs.endocardium, epicardium=cs.epicardium))
    with pytest.raises(InvalidContourError, match="another image"):
        read_contours(p, image_shape=stored.shape, geometry=stored)
    back = read_contours(p, image_shape=stored.shape, geometry=stored, uid_alias=UidMapper("site-secret").uid)
    assert np.array_equal(back.endocardium, cs.endocardium)
    with pytest.raises(InvalidContourError, match="another image"):  # another site's secret: no match
        read_contours(p, image_shape=stored.shape, geometry=stored, uid_alias=UidMapper("other-site").uid)


def test_a_seg_on_another_pixel_grid_is_refused(phantom_case, tmp_path):
    _, g, cs = phantom_case
    reg = lv_regions(cs, g.shape)
    p = _write(tmp_path, "s.dcm", seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity))
    with pytest.raises(InvalidContourError, match=r"is 160x208 pixels .* but the image is 208x160"):
        read_contours(p, image_shape=(208, 160))


def test_an_rtstruct_without_the_needed_rois_lists_what_it_holds(phantom_case, tmp_path):
    _, g, cs = phantom_case
    ds = pydicom.dcmread(io.BytesIO(rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium)))
    ds.StructureSetROISequence[0].ROIName = "Heart"
    ds.StructureSetROISequence[1].ROIName = "Lung"
    p = tmp_path / "r.dcm"
    ds.save_as(p)
    with pytest.raises(
        InvalidContourError, match=r"no endocardium and no epicardium ROI: it holds ROI\(s\) 'Heart', 'Lung'"
    ):
        read_contours(p, image_shape=g.shape, geometry=g)
    # ... which a site's own names fix (configurable like the SAV variable names).
    back = read_contours(
        p, image_shape=g.shape, geometry=g, dicom_names={"endocardium": "HEART", "epicardium": ["lung"]}
    )
    assert back.has_polygons


@pytest.mark.parametrize("damage", ["truncated", "no_segments", "pixels_short", "not_contours"])
def test_a_malformed_seg_is_refused_with_a_sentence(phantom_case, tmp_path, damage):
    _, g, cs = phantom_case
    reg = lv_regions(cs, g.shape)
    data = seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity)
    if damage == "truncated":
        data = data[:300]
    else:
        ds = pydicom.dcmread(io.BytesIO(data))
        if damage == "no_segments":
            del ds.SegmentSequence
        elif damage == "pixels_short":
            ds.PixelData = ds.PixelData[: len(ds.PixelData) // 3]
        else:
            ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
        buf = io.BytesIO()
        ds.save_as(buf)
        data = buf.getvalue()
    phrase = {
        "truncated": "damaged or truncated|is malformed",
        "no_segments": "no Segment Sequence",
        "pixels_short": "pixel data cannot be decoded",
        "not_contours": "upload it as the image",
    }[damage]
    with pytest.raises(InvalidContourError, match=phrase):
        read_contours(_write(tmp_path, "s.dcm", data), image_shape=g.shape, geometry=g)


def test_an_rtstruct_contour_off_the_images_plane_is_refused(phantom_case, tmp_path):
    _, g, cs = phantom_case
    ds = pydicom.dcmread(io.BytesIO(rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium)))
    c = ds.ROIContourSequence[0].ContourSequence[0]
    pts = np.asarray([float(v) for v in c.ContourData]).reshape(-1, 3)
    normal = np.cross(np.asarray(g.orientation[:3]), np.asarray(g.orientation[3:]))
    c.ContourData = [f"{v:.6f}" for v in (pts + 12.0 * normal).ravel()]
    p = tmp_path / "r.dcm"
    ds.save_as(p)
    with pytest.raises(InvalidContourError, match=r"12\.0 mm off its plane"):
        read_contours(p, image_shape=g.shape, geometry=g)


def test_an_rtstruct_needs_the_image(phantom_case, tmp_path):
    _, g, cs = phantom_case
    p = _write(tmp_path, "r.dcm", rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium))
    with pytest.raises(InvalidContourError, match="can only be read with the DICOM image"):
        read_dicom_contours(p, image_shape=g.shape)


def test_site_names_come_first_and_unknown_keys_are_a_configuration_error():
    merged = merge_dicom_names({"myocardium": ["LV_WALL_2"], "endocardium": "MYO"})
    assert merged["myocardium"][0] == "LV_WALL_2" and "MYO" not in merged["myocardium"]
    assert merged["endocardium"][0] == "MYO"
    with pytest.raises(ValueError, match="unknown DICOM contour name key"):
        merge_dicom_names({"cavity": "X"})


@pytest.mark.parametrize("multiframe", [False, True], ids=["echo-files-zip", "one-multiframe-file"])
def test_a_t2star_series_exports_and_reads_back_on_its_echoes(tmp_path, multiframe):
    """An echo series (8 files, stored as a zip; or one enhanced multi-frame file): both writers reference it."""
    import zipfile

    from backend.cmr.phantom import write_t2star_series

    ph = lv_phantom(shape=(96, 128), pixel_spacing_mm=(1.5, 1.5), seed=3)
    cs = ContourSet(ph.endocardium, ph.epicardium)
    folder = tmp_path / "t2s"
    write_t2star_series(folder / "mf.dcm" if multiframe else folder, ph, multiframe=multiframe)
    paths = sorted(folder.rglob("*.dcm"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # the stored form of an echo series
        for i, p in enumerate(paths, 1):
            z.writestr(f"echo-{i:02d}.dcm", p.read_bytes())
    g = geometry_from_bytes(buf.getvalue() if len(paths) > 1 else paths[0].read_bytes())
    assert len(g.sop_instance_uids) == (1 if multiframe else 8)
    reg = lv_regions(cs, g.shape)
    seg = seg_bytes(
        g, myocardium=reg.myocardium, cavity=reg.cavity, endocardium=cs.endocardium, epicardium=cs.epicardium
    )
    rt = rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium)
    back_rt = read_contours(_write(tmp_path, "rt.dcm", rt), image_shape=g.shape, geometry=g)
    np.testing.assert_allclose(back_rt.epicardium, cs.epicardium, atol=1e-6)
    back_seg = lv_regions(read_contours(_write(tmp_path, "seg.dcm", seg), image_shape=g.shape, geometry=g), g.shape)
    assert np.array_equal(back_seg.myocardium, reg.myocardium)
    if shutil.which("dciodvfy"):
        for p in (tmp_path / "rt.dcm", tmp_path / "seg.dcm"):
            out = subprocess.run(["dciodvfy", str(p)], capture_output=True, text=True)
            assert not [ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("Error")], p.name


def test_mutated_seg_and_rtstruct_files_are_read_or_refused_with_a_sentence_never_an_exception(phantom_case, tmp_path):
    """200 random byte mutations (overwrite, truncate, insert) of each file: InvalidContourError or a contour set."""
    _, g, cs = phantom_case
    reg = lv_regions(cs, g.shape)
    originals = {
        "seg": seg_bytes(g, myocardium=reg.myocardium, cavity=reg.cavity),
        "rt": rtstruct_bytes(g, endocardium=cs.endocardium, epicardium=cs.epicardium),
    }
    rng = np.random.default_rng(7)
    refused = 0
    for name, data in originals.items():
        for _ in range(200):
            b = bytearray(data)
            at = int(rng.integers(132, len(b)))
            op = rng.integers(3)
            if op == 0:
                b[at : at + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
            elif op == 1:
                b = b[:at]
            else:
                b[at:at] = rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8).tobytes()
            p = _write(tmp_path, f"{name}.dcm", bytes(b))
            try:
                read_contours(p, image_shape=g.shape, geometry=g)
            except InvalidContourError as exc:
                refused += 1
                assert str(exc) and "Traceback" not in str(exc)
    assert refused > 50
