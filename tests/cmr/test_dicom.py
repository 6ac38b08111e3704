"""backend.cmr.dicom: loading maps, magnitude frames and multi-echo series, and refusing bad uploads.

Real data is read by path from ../shared/data (see each folder's README); synthetic data comes from
backend.cmr.phantom, written to tmp_path.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid
from scipy import ndimage

from backend.cmr import phantom
from backend.cmr.dicom import CMRImage, ImageKind, load_image
from backend.cmr.errors import InvalidImageError
from tests.conftest import shared_path

GE_TES = (4.6, 9.212, 13.824, 18.436, 23.048, 27.66, 32.272, 36.884, 41.496, 46.108, 50.72, 55.332)  # README


def _refusal(source, **kw) -> str:
    with pytest.raises(InvalidImageError) as exc:
        load_image(source, **kw)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


@pytest.fixture(scope="module")
def ph() -> phantom.LVPhantom:
    return phantom.lv_phantom()


@pytest.fixture
def t1_file(tmp_path, ph) -> Path:
    return phantom.write_map_dicom(tmp_path / "t1.dcm", phantom.t1_map_pixels(ph), ph)


def _ge_slice_files(folder: Path, location: float) -> list[Path]:
    out = []
    for p in sorted(folder.iterdir()):
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        if abs(float(ds.SliceLocation) - location) < 0.01:
            out.append(p)
    return out


# --------------------------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------------------------
def test_a_sunnybrook_cine_frame_loads_as_a_magnitude_image():
    path = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    im = load_image(path)
    assert im.kind is ImageKind.MAGNITUDE
    assert im.shape == (256, 256) and im.pixels.shape == (256, 256)
    assert im.pixel_spacing_mm == pytest.approx((1.367188, 1.367188))
    assert im.field_strength_t == pytest.approx(1.5)
    assert im.units == "a.u." and im.echo_times_ms is None
    assert im.manufacturer == "GE MEDICAL SYSTEMS"
    assert im.pixels.dtype == np.float64 and not im.pixels.flags.writeable
    np.testing.assert_array_equal(im.pixels, pydicom.dcmread(path).pixel_array)
    assert im.display_frame() is im.pixels


def test_the_shmolli_t1_map_loads_in_ms_with_its_geometry():
    path = shared_path("tomato-shmolli-phantom", "ShMOLLI_192i_e11_T1MAP_14", "IM-0003-0002.dcm")
    im = load_image(path)
    assert im.kind is ImageKind.T1_MAP and im.units == "ms"
    assert (im.rows, im.columns) == (288, 384)
    assert im.pixel_spacing_mm == (0.9375, 0.9375)
    assert im.field_strength_t == pytest.approx(3.0)
    assert im.manufacturer == "SIEMENS" and "ShMOLLI T1 Map" in im.description
    assert im.pixels.min() >= 0 and im.pixels.max() <= 4000  # README: range 0-4000 ms
    # The central gel block with its nine vials (columns 135-245, rows 110-225; see README): plausible T1s.
    block = im.pixels[110:225, 135:245]
    assert 200 < np.median(block[block > 0]) < 2500


def test_the_shmolli_t1_map_agrees_with_the_scanners_own_fit_parameters():
    """Cross-check against the FITPARAMS series: the Look-Locker correction T1 = T1* (B/A - 1) (Deichmann & Haase
    1992) from the scanner's A, B and T1* maps must reproduce the T1 map where the fit is good (R^2 map)."""
    t1 = load_image(shared_path("tomato-shmolli-phantom", "ShMOLLI_192i_e11_T1MAP_14", "IM-0003-0002.dcm")).pixels
    fit = shared_path("tomato-shmolli-phantom", "ShMOLLI_192i_e11_FITPARAMS_15")
    # These are labelled ImageType ...\P\... and are not maps MyoQA knows: they load only when asked for.
    r2x4000, a, b, t1star = (
        load_image(fit / f"IM-0004-000{k}.dcm", kind=ImageKind.MAGNITUDE).pixels for k in (1, 2, 3, 4)
    )
    good = (r2x4000 > 3900) & (a > 50) & (t1 > 0) & (t1 < 4000)
    assert good.sum() > 10_000
    ratio = (t1star * (b / np.where(a > 0, a, 1) - 1))[good] / t1[good]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.01)
    assert np.mean(np.abs(ratio - 1) < 0.03) > 0.95


def test_the_shmolli_map_folder_with_its_colour_copy_is_refused_as_two_images():
    msg = _refusal(shared_path("tomato-shmolli-phantom", "ShMOLLI_192i_e11_T1MAP_14"))
    assert "2 images of one slice" in msg and "IM-0003-0001.dcm" in msg


def test_a_raw_shmolli_inversion_image_is_not_taken_for_a_t1_map():
    folder = shared_path("tomato-shmolli-phantom", "ShMOLLI_192i_e11_12")
    im = load_image(folder / "IM-0001-0001.dcm")
    assert im.kind is ImageKind.MAGNITUDE and im.units == "a.u."
    msg = _refusal(folder)
    assert "inversion time" in msg and "T1 map" in msg


def test_the_ge_twelve_echo_series_loads_one_slice_sorted_by_echo_time():
    folder = shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")
    im = load_image(folder, slice_location=-29.09)
    assert im.kind is ImageKind.T2STAR_SERIES
    assert im.echo_times_ms == GE_TES
    assert im.pixels.shape == (12, 256, 256)
    assert im.pixel_spacing_mm == (1.5, 1.5) and im.field_strength_t == pytest.approx(3.0)
    assert im.slice_location_mm == pytest.approx(-29.09, abs=0.01)
    assert len(set(im.sop_instance_uids)) == 12
    # Each plane is the file with that echo time at that slice.
    for k in (0, 7):
        match = [
            p
            for p in _ge_slice_files(folder, -29.09)
            if abs(float(pydicom.dcmread(p, stop_before_pixels=True).EchoTime) - GE_TES[k]) < 1e-6
        ]
        np.testing.assert_array_equal(im.pixels[k], pydicom.dcmread(match[0]).pixel_array)
    # Kidney/abdomen signal decays with echo time.
    body = im.pixels[0] > np.percentile(im.pixels[0], 75)
    means = im.pixels[:, body].mean(axis=1)
    assert means[0] > means[5] > means[11]


def test_the_ge_folder_of_five_slices_is_refused_listing_the_slice_locations():
    msg = _refusal(shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices"))
    assert "5 slice locations" in msg
    for loc in ("-39.04", "-34.07", "-29.09", "-24.11", "-19.13"):
        assert loc in msg


def test_a_slice_location_that_is_not_in_the_upload_is_refused():
    msg = _refusal(shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices"), slice_location=-10.0)
    assert "No image lies at slice location -10 mm" in msg


def test_the_ge_real_and_imaginary_images_alone_are_refused():
    msg = _refusal(shared_path("ukat-r2star-ge-multiecho", "series16_real_imag_slice3"))
    assert "no magnitude images" in msg and "real" in msg and "imaginary" in msg and "(0043,102F)" in msg


def test_ge_magnitude_images_mixed_with_real_and_imaginary_keep_the_twelve_magnitudes():
    root = shared_path("ukat-r2star-ge-multiecho")
    mags = _ge_slice_files(root / "series16_magnitude_5slices", -29.09)
    assert len(mags) == 12
    im = load_image([*mags, root / "series16_real_imag_slice3"])
    assert im.echo_times_ms == GE_TES
    ref = load_image(root / "series16_magnitude_5slices", slice_location=-29.09)
    np.testing.assert_array_equal(im.pixels, ref.pixels)
    assert im.pixels.min() >= 0  # real/imaginary images have negative values


# --------------------------------------------------------------------------------------------------------------
# Synthetic maps
# --------------------------------------------------------------------------------------------------------------
def test_a_t1_map_stored_with_rescale_slope_and_intercept_comes_back_in_ms(tmp_path, ph):
    t1 = phantom.t1_map_pixels(ph)
    path = phantom.write_map_dicom(tmp_path / "t1.dcm", t1, ph, rescale_slope=0.5, rescale_intercept=-100.0)
    stored = pydicom.dcmread(path).pixel_array
    assert np.abs(stored - t1).max() > 100  # the stored values are not ms: the rescale matters
    im = load_image(path)
    assert im.kind is ImageKind.T1_MAP and im.units == "ms"
    assert np.abs(im.pixels - t1).max() <= 0.25 + 1e-9  # half a quantisation step of 0.5 ms


def test_a_t1_map_with_a_real_world_value_mapping_uses_it_over_the_rescale(tmp_path, ph):
    t1 = phantom.t1_map_pixels(ph)
    path = phantom.write_map_dicom(
        tmp_path / "t1.dcm", t1, ph, use_rwvm=True, rescale_slope=0.25, rescale_intercept=-50.0
    )
    ds = pydicom.dcmread(path)
    assert float(ds.RescaleSlope) == 1.0 and float(ds.RescaleIntercept) == 0.0
    im = load_image(path)
    assert im.kind is ImageKind.T1_MAP
    assert np.abs(im.pixels - t1).max() <= 0.125 + 1e-9


def test_a_real_world_value_lut_is_applied(tmp_path, ph):
    t1 = phantom.t1_map_pixels(ph)
    path = phantom.write_map_dicom(tmp_path / "t1.dcm", t1, ph, use_rwvm=True, rescale_slope=1.0)
    ds = pydicom.dcmread(path)
    item = ds.RealWorldValueMappingSequence[0]
    del item.RealWorldValueSlope, item.RealWorldValueIntercept
    item[0x00409211] = DataElement(0x00409211, "US", 4095)
    item.RealWorldValueLUTData = [2.0 * i + 5.0 for i in range(4096)]
    ds.save_as(path)
    im = load_image(path)
    stored = np.minimum(ds.pixel_array, 4095)
    np.testing.assert_allclose(im.pixels, 2.0 * stored + 5.0)


def test_a_real_world_value_mapping_in_seconds_is_converted_to_ms(tmp_path, ph):
    t1 = phantom.t1_map_pixels(ph)
    path = phantom.write_map_dicom(tmp_path / "t1.dcm", t1, ph, use_rwvm=True, rescale_slope=1.0)
    ds = pydicom.dcmread(path)
    item = ds.RealWorldValueMappingSequence[0]
    item.RealWorldValueSlope = 0.001
    item.MeasurementUnitsCodeSequence[0].CodeValue = "s"
    ds.save_as(path)
    np.testing.assert_allclose(load_image(path).pixels, ds.pixel_array.astype(float), atol=1e-9)


def test_a_non_square_map_with_unequal_spacing_keeps_its_orientation(tmp_path):
    ph = phantom.lv_phantom(shape=(192, 256), pixel_spacing_mm=(1.2, 1.5), seed=4)
    t1 = phantom.t1_map_pixels(ph)
    im = load_image(phantom.write_map_dicom(tmp_path / "t1.dcm", t1, ph))
    assert im.shape == (192, 256) and (im.rows, im.columns) == (192, 256)
    assert im.pixel_spacing_mm == (1.2, 1.5)
    assert np.abs(im.pixels - t1).max() <= 0.5
    # The myocardium is where the phantom says it is.
    myo = ndimage.binary_erosion(ph.myocardium_mask(), iterations=1)
    assert np.mean(im.pixels[myo]) == pytest.approx(1000, abs=15)


def test_a_t2_map_is_detected_and_a_field_strength_in_gauss_is_converted(tmp_path, ph):
    path = phantom.write_map_dicom(
        tmp_path / "t2.dcm", phantom.t2_map_pixels(ph), ph, quantity="t2", field_strength_t=15000
    )
    im = load_image(path)
    assert im.kind is ImageKind.T2_MAP and im.units == "ms"
    assert im.field_strength_t == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("image_type", "description", "expected"),
    [
        (["ORIGINAL", "PRIMARY", "M", "NONE"], "MOLLI_T1MAP", ImageKind.T1_MAP),
        (["DERIVED", "PRIMARY", "M", "NONE"], "ShMOLLI native", ImageKind.T1_MAP),
        (["DERIVED", "PRIMARY", "M", "NONE"], "SASHA", ImageKind.T1_MAP),
        (["ORIGINAL", "PRIMARY", "M", "NONE"], "MOLLI 5(3)3", ImageKind.MAGNITUDE),
        (["DERIVED", "PRIMARY", "T2 MAP", "NONE"], "", ImageKind.T2_MAP),
        (["ORIGINAL", "PRIMARY", "M", "NONE"], "t2map_flash", ImageKind.T2_MAP),
        (["ORIGINAL", "PRIMARY", "M", "NONE"], "T2* multi echo", ImageKind.MAGNITUDE),
        (["ORIGINAL", "PRIMARY", "M", "NONE"], "T2STAR_MAPPING BH", ImageKind.MAGNITUDE),
        (["ORIGINAL", "PRIMARY", "M", "NONE"], "R2* Mapping", ImageKind.MAGNITUDE),
        (["ORIGINAL", "PRIMARY", "CARDIAC", "NONE"], "", ImageKind.MAGNITUDE),
    ],
)
def test_the_kind_is_detected_from_image_type_and_description(tmp_path, ph, image_type, description, expected):
    path = phantom.write_map_dicom(
        tmp_path / "x.dcm", phantom.cine_frame_pixels(ph), ph, quantity="magnitude", series_description=description
    )
    ds = pydicom.dcmread(path)
    ds.ImageType = image_type
    ds.save_as(path)
    im = load_image(path)
    assert im.kind is expected
    assert im.units == ("ms" if expected in (ImageKind.T1_MAP, ImageKind.T2_MAP) else "a.u.")


def test_a_scanner_t2star_map_is_refused_and_is_not_a_t2_map(tmp_path, ph):
    path = phantom.write_map_dicom(
        tmp_path / "x.dcm", phantom.cine_frame_pixels(ph), ph, quantity="magnitude", series_description="T2* MAP"
    )
    msg = _refusal(path)
    assert "T2*/R2* map" in msg and "multi-echo images" in msg


def test_an_unlabelled_image_is_taken_as_the_map_the_caller_expects(tmp_path, ph):
    t1 = phantom.t1_map_pixels(ph)
    path = phantom.write_map_dicom(tmp_path / "x.dcm", t1, ph, quantity="magnitude", series_description="")
    im = load_image(path, kind=ImageKind.T1_MAP)
    assert im.kind is ImageKind.T1_MAP and im.units == "ms"


def test_a_t2_map_is_refused_when_a_t1_map_is_expected(tmp_path, ph):
    path = phantom.write_map_dicom(tmp_path / "t2.dcm", phantom.t2_map_pixels(ph), ph, quantity="t2")
    msg = _refusal(path, kind=ImageKind.T1_MAP)
    assert "Expected a T1 map" in msg and "T2 map" in msg


def test_the_pixels_cannot_be_modified(t1_file):
    im = load_image(t1_file)
    assert isinstance(im, CMRImage)
    with pytest.raises(ValueError):
        im.pixels[0, 0] = 1.0


# --------------------------------------------------------------------------------------------------------------
# Synthetic echo series
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("multiframe", [False, True])
def test_a_t2star_series_written_out_of_order_loads_sorted_by_echo_time(tmp_path, ph, multiframe):
    tes = (6.5, 2.0, 11.0, 4.25)
    phantom.write_t2star_series(tmp_path / "s", ph, echo_times_ms=tes, multiframe=multiframe, noise_sd=2.0)
    im = load_image(tmp_path / "s")
    assert im.kind is ImageKind.T2STAR_SERIES and im.units == "a.u."
    assert im.echo_times_ms == (2.0, 4.25, 6.5, 11.0)
    assert im.pixels.shape == (4, 192, 256) and im.pixel_spacing_mm == (1.4, 1.4)
    assert len(im.sop_instance_uids) == (1 if multiframe else 4)
    myo = ndimage.binary_erosion(ph.myocardium_mask(), iterations=1)
    means = im.pixels[:, myo].mean(axis=1)
    assert np.all(np.diff(means) < 0)  # planes follow the echo times
    assert np.array_equal(im.display_frame(), im.pixels[0])


def test_a_zip_of_a_series_loads_and_ignores_system_files(tmp_path, ph):
    files = phantom.write_t2star_series(tmp_path / "s", ph)
    archive = tmp_path / "series.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, f"export/{f.name}")
        zf.writestr("__MACOSX/export/._IM-0001-0001.dcm", b"\x00\x05\x16\x07junk")
        zf.writestr("export/DICOMDIR", b"not an image")
    im = load_image(archive)
    assert im.echo_times_ms == phantom.DEFAULT_ECHO_TIMES_MS
    np.testing.assert_array_equal(im.pixels, load_image(tmp_path / "s").pixels)


def test_ge_style_real_and_imaginary_images_in_the_series_are_dropped(tmp_path, ph):
    phantom.write_t2star_series(tmp_path / "ge", ph, ge_real_imag=True, echo_times_ms=(2.0, 5.0, 8.0))
    im = load_image(tmp_path / "ge")
    assert im.echo_times_ms == (2.0, 5.0, 8.0) and im.manufacturer == "GE MEDICAL SYSTEMS"
    assert im.pixels.min() >= 0


@pytest.mark.parametrize("encoding", ["UN bytes", "IS string", "US integer"])
def test_the_ge_image_type_tag_is_read_whatever_its_encoding(tmp_path, ph, encoding):
    files = phantom.write_t2star_series(tmp_path / "ge", ph, ge_real_imag=True, echo_times_ms=(2.0, 5.0))
    for f in files:
        ds = pydicom.dcmread(f)
        value = int(ds[0x0043, 0x102F].value)
        tag = 0x0043102F
        if encoding == "UN bytes":  # e.g. an anonymiser dropped the private creator: pydicom cannot decode it
            del ds[0x00430010]
            ds[tag] = DataElement(tag, "UN", value.to_bytes(2, "little", signed=True))
        elif encoding == "IS string":
            ds[tag] = DataElement(tag, "IS", str(value))
        else:
            ds[tag] = DataElement(tag, "US", value)
        ds.save_as(f)
    if encoding == "UN bytes":
        assert isinstance(pydicom.dcmread(files[0])[0x0043, 0x102F].value, bytes)
    im = load_image(tmp_path / "ge")
    assert im.pixels.shape[0] == 2 and im.pixels.min() >= 0


def test_phase_images_are_dropped_by_image_type_when_there_is_no_ge_tag(tmp_path, ph):
    uid = generate_uid()
    mags = phantom.write_t2star_series(tmp_path / "m", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid)
    phases = phantom.write_t2star_series(tmp_path / "p", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid)
    for f in phases:
        ds = pydicom.dcmread(f)
        ds.ImageType = ["ORIGINAL", "PRIMARY", "P", "NONE"]
        ds.save_as(f)
    im = load_image([*mags, *phases])
    np.testing.assert_array_equal(im.pixels, load_image(tmp_path / "m").pixels)


# --------------------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------------------
def test_it_refuses_a_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("endocardium drawn by trainee 3\n")
    msg = _refusal(path)
    assert "'notes.txt' is not a DICOM file" in msg and "text file" in msg


def test_it_refuses_pdf_bytes_named_like_dicom(tmp_path):
    path = tmp_path / "report.dcm"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    msg = _refusal(path)
    assert "'report.dcm' is not a DICOM file" in msg and "PDF" in msg


def test_it_refuses_a_dicom_file_without_pixel_data(t1_file):
    ds = pydicom.dcmread(t1_file)
    del ds.PixelData
    ds.save_as(t1_file)
    assert "without pixel data" in _refusal(t1_file)


def test_it_refuses_a_file_without_pixel_spacing(t1_file):
    ds = pydicom.dcmread(t1_file)
    del ds.PixelSpacing
    ds.save_as(t1_file)
    msg = _refusal(t1_file)
    assert "no Pixel Spacing (0028,0030)" in msg and "mm" in msg


def test_it_refuses_a_colour_image(t1_file):
    ds = pydicom.dcmread(t1_file)
    rgb = np.repeat((ds.pixel_array // 16).astype(np.uint8)[..., None], 3, axis=2)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = rgb.tobytes()
    ds.save_as(t1_file)
    msg = _refusal(t1_file)
    assert "colour image (RGB, 3 samples per pixel)" in msg


def test_it_refuses_files_of_two_series(tmp_path, ph):
    phantom.write_t2star_series(tmp_path / "a", ph, echo_times_ms=(2.0, 5.0))
    phantom.write_t2star_series(tmp_path / "b", ph, echo_times_ms=(8.0, 11.0))
    msg = _refusal([tmp_path / "a", tmp_path / "b"])
    assert "mixes 2 series" in msg and "upload the files of one series only" in msg


def test_it_refuses_echoes_of_different_image_sizes(tmp_path, ph):
    uid = generate_uid()
    small = phantom.lv_phantom(shape=(160, 200), pixel_spacing_mm=(1.6, 1.6))
    phantom.write_t2star_series(tmp_path / "a", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid)
    phantom.write_t2star_series(tmp_path / "b", small, echo_times_ms=(8.0, 11.0), series_instance_uid=uid)
    msg = _refusal([tmp_path / "a", tmp_path / "b"])
    assert "do not share one image grid" in msg
    assert "192 x 256 pixels at 1.4 x 1.4 mm" in msg and "160 x 200 pixels at 1.6 x 1.6 mm" in msg


def test_it_refuses_two_images_with_the_same_echo_time(tmp_path, ph):
    uid = generate_uid()
    phantom.write_t2star_series(tmp_path / "a", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid)
    phantom.write_t2star_series(tmp_path / "b", ph, echo_times_ms=(5.0, 8.0), series_instance_uid=uid)
    msg = _refusal([tmp_path / "a", tmp_path / "b"])
    assert "2 images share the echo time 5 ms" in msg


def test_it_refuses_several_slices_unless_one_is_chosen(tmp_path, ph):
    uid = generate_uid()
    phantom.write_t2star_series(tmp_path / "a", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid)
    phantom.write_t2star_series(
        tmp_path / "b", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid, slice_location_mm=-8.0, seed=1
    )
    assert "2 slice locations (-8.00, 0.00 mm)" in _refusal([tmp_path / "a", tmp_path / "b"])
    im = load_image([tmp_path / "a", tmp_path / "b"], slice_location=-8.0)
    np.testing.assert_array_equal(im.pixels, load_image(tmp_path / "b").pixels)


def test_it_refuses_a_multi_frame_file_with_one_echo_time(tmp_path, ph):
    path = phantom.write_t2star_series(tmp_path / "mf.dcm", ph, echo_times_ms=(5.0, 5.0, 5.0), multiframe=True)[0]
    msg = _refusal(path)
    assert "multi-frame file with 3 frames but not a multi-echo series" in msg


def test_it_refuses_a_series_when_one_map_is_expected(tmp_path, ph):
    phantom.write_t2star_series(tmp_path / "s", ph, echo_times_ms=(2.0, 5.0))
    assert "Expected a T1 map but the upload is a multi-echo T2* series of 2 echoes" in _refusal(
        tmp_path / "s", kind=ImageKind.T1_MAP
    )


def test_it_refuses_an_empty_folder(tmp_path):
    (tmp_path / "upload").mkdir()
    assert "The folder 'upload' holds no files" in _refusal(tmp_path / "upload")


def test_it_refuses_more_files_than_allowed(tmp_path, ph):
    phantom.write_t2star_series(tmp_path / "s", ph, echo_times_ms=(2.0, 4.0, 6.0, 8.0))
    assert "4 files, more than the 3 allowed" in _refusal(tmp_path / "s", max_files=3)


def test_it_refuses_a_zip_with_a_path_traversal(tmp_path, t1_file):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(t1_file, "../../etc/t1.dcm")
    msg = _refusal(archive)
    assert "unsafe path '../../etc/t1.dcm'" in msg


def test_it_refuses_a_zip_that_inflates_past_the_size_bound(tmp_path, t1_file):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(t1_file, "t1.dcm")
        zf.writestr("padding.dcm", b"\x00" * 3_000_000)  # compresses to a few kB
    assert archive.stat().st_size < 200_000
    msg = _refusal(archive, max_bytes=2_000_000)
    assert "(uncompressed), more than the 2.0 MB allowed" in msg


def test_it_names_a_stray_file_in_a_folder(tmp_path, ph):
    files = phantom.write_t2star_series(tmp_path / "s", ph, echo_times_ms=(2.0, 5.0))
    shutil.copy(files[0], tmp_path / "s" / "copy.dcm")  # the same SOP instance twice is harmless
    (tmp_path / "s" / "contours.sav").write_bytes(b"SR\x00\x04\x00\x00\x00\x0a")
    msg = _refusal(tmp_path / "s")
    assert "'contours.sav' is not a DICOM file" in msg and "IDL SAV" in msg
    (tmp_path / "s" / "contours.sav").unlink()
    assert load_image(tmp_path / "s").echo_times_ms == (2.0, 5.0)


def test_an_enhanced_file_without_pixel_spacing_anywhere_is_refused(tmp_path, ph):
    path = phantom.write_t2star_series(tmp_path / "mf.dcm", ph, echo_times_ms=(2.0, 5.0), multiframe=True)[0]
    ds = pydicom.dcmread(path)
    del ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence
    ds.save_as(path)
    assert "no Pixel Spacing" in _refusal(path)


def test_per_frame_echo_times_without_an_mr_echo_sequence_are_read(tmp_path, ph):
    path = phantom.write_t2star_series(tmp_path / "mf.dcm", ph, echo_times_ms=(2.0, 5.0, 9.0), multiframe=True)[0]
    ds = pydicom.dcmread(path)
    for item in ds.PerFrameFunctionalGroupsSequence:
        te = float(item.MREchoSequence[0].EffectiveEchoTime)
        del item.MREchoSequence
        private = Dataset()
        private.EchoTime = str(te)
        item.MRTimingAndRelatedParametersSequence = DicomSequence([private])
    ds.save_as(path)
    assert load_image(path).echo_times_ms == (2.0, 5.0, 9.0)


def test_a_bare_dataset_without_preamble_or_file_meta_is_read_as_implicit_little_endian(tmp_path, t1_file):
    ds = pydicom.dcmread(t1_file)
    buf = DicomFileLike(io.BytesIO())
    buf.is_little_endian, buf.is_implicit_VR = True, True
    write_dataset(buf, ds)  # no 128-byte preamble, no "DICM", no group 0002: as old ACR-NEMA-style exports
    bare = tmp_path / "bare"
    bare.write_bytes(buf.parent.getvalue())
    assert bare.read_bytes()[:2] == b"\x08\x00"
    np.testing.assert_array_equal(load_image(bare).pixels, load_image(t1_file).pixels)


# --------------------------------------------------------------------------------------------------------------
# Messages a user sees: what was wrong and what to do, never pydicom's or Python's internals

_INTERNALS = ("struct", "Error", "Exception", "group 0028", "slice_location", "BytesLength", "Value Representation")


def _plain_refusal(source, **kw) -> str:
    msg = _refusal(source, **kw)
    for word in _INTERNALS:
        assert word not in msg, msg
    return msg


def test_it_explains_a_damaged_dicom_header_without_internal_names(t1_file):
    t1_file.write_bytes(t1_file.read_bytes()[:152])  # cut inside the file meta: pydicom raises struct.error
    msg = _plain_refusal(t1_file)
    assert "'t1.dcm' is a damaged DICOM file: it is truncated or its header cannot be read" in msg
    assert "upload the complete file" in msg


def test_it_says_how_much_pixel_data_a_truncated_file_lacks(t1_file):
    data = t1_file.read_bytes()
    t1_file.write_bytes(data[: len(data) // 3])
    msg = _plain_refusal(t1_file)
    assert "'t1.dcm' is truncated: its pixel data holds" in msg and "bytes that 192 x 256 pixels need" in msg
    assert "uncompressed" not in msg  # the file is not compressed: that advice would mislead


def test_a_file_cut_before_its_image_is_called_cut_short(t1_file):
    t1_file.write_bytes(t1_file.read_bytes()[:200])
    msg = _plain_refusal(t1_file)
    assert "'t1.dcm' is a DICOM file without pixel data, probably cut short" in msg
    assert "SOP class" not in msg


def test_several_slices_are_refused_with_an_action_the_web_app_offers(tmp_path, ph):
    uid = generate_uid()
    phantom.write_t2star_series(tmp_path / "a", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid)
    phantom.write_t2star_series(
        tmp_path / "b", ph, echo_times_ms=(2.0, 5.0), series_instance_uid=uid, slice_location_mm=-8.0, seed=1
    )
    msg = _plain_refusal([tmp_path / "a", tmp_path / "b"])
    assert "upload the images of one slice only (for a T2* series, the echoes of that one slice)" in msg
    assert "choose" not in msg


def test_it_explains_a_damaged_zip_without_zipfile_internals(tmp_path):
    archive = tmp_path / "echoes.zip"
    archive.write_bytes(b"PK\x03\x04" + bytes(100))
    msg = _plain_refusal(archive)
    assert "'echoes.zip' is not a readable zip archive (it is damaged, or not a zip file)" in msg
    assert "File is not a zip file" not in msg


def test_a_source_that_is_not_a_path_is_a_programming_error_not_a_users():
    with pytest.raises(TypeError, match="a path or a list of paths"):
        load_image(42)


# --------------------------------------------------------------------------------------------------------------
# One bounded reading (issue 13): the datasets used come back with the image; bounds before allocation


def test_read_image_returns_the_datasets_it_used_in_echo_order_without_the_dropped_ones(tmp_path, ph):
    from backend.cmr.dicom import read_image

    phantom.write_t2star_series(tmp_path / "ge", ph, ge_real_imag=True, echo_times_ms=(8.0, 2.0, 5.0))
    read = read_image(tmp_path / "ge")
    assert [float(ds.EchoTime) for ds in read.datasets] == [2.0, 5.0, 8.0]
    assert tuple(str(ds.SOPInstanceUID) for ds in read.datasets) == read.image.sop_instance_uids
    assert list(read.by_sop_instance_uid) == list(read.image.sop_instance_uids)
    assert len(read.names) == 3 and all(name.endswith(".dcm") for name in read.names)


def test_the_stored_identity_is_taken_from_the_datasets_given(tmp_path, t1_file):
    from backend.cmr.dicom import image_with_header_of, read_image

    read = read_image(t1_file)
    copy = pydicom.dcmread(t1_file)
    copy.SeriesInstanceUID, copy.SOPInstanceUID, copy.SeriesDescription = "2.25.1", "2.25.2", "T1 MAP"
    copy.ImageComments = "free text"
    image = image_with_header_of(read.image, [copy])
    assert (image.series_instance_uid, image.sop_instance_uids, image.description) == ("2.25.1", ("2.25.2",), "T1 MAP")
    np.testing.assert_array_equal(image.pixels, read.image.pixels)


@pytest.mark.parametrize("spacing", [(1e308, 1e308), (1e-300, 1.0), (0.04, 1.0), (1.0, 10.5)])
def test_a_pixel_spacing_outside_the_range_of_an_mr_image_is_refused(tmp_path, ph, spacing):
    path = phantom.write_map_dicom(tmp_path / "t1.dcm", phantom.t1_map_pixels(ph), ph)
    ds = pydicom.dcmread(path)
    ds.PixelSpacing = [f"{spacing[0]:.6g}", f"{spacing[1]:.6g}"]
    ds.save_as(path)
    assert "outside the 0.05 to 10 mm per pixel of an MR image" in _plain_refusal(path)


@pytest.mark.parametrize("spacing", [(0.05, 0.05), (10.0, 10.0)])
def test_the_pixel_spacing_bounds_themselves_are_accepted(tmp_path, ph, spacing):
    path = phantom.write_map_dicom(tmp_path / "t1.dcm", phantom.t1_map_pixels(ph), ph)
    ds = pydicom.dcmread(path)
    ds.PixelSpacing = [str(spacing[0]), str(spacing[1])]
    ds.save_as(path)
    assert load_image(path).pixel_spacing_mm == spacing


def test_system_files_in_a_zip_count_in_the_byte_budget(tmp_path, t1_file):
    archive = tmp_path / "series.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(t1_file, "t1.dcm")
        zf.writestr("__MACOSX/._t1.dcm", b"\x00" * 3_000_000)
    assert "(uncompressed), more than the 2.0 MB allowed" in _plain_refusal(archive, max_bytes=2_000_000)


def test_frames_beyond_the_frame_bound_are_refused_before_they_are_described(tmp_path, ph):
    path = phantom.write_t2star_series(tmp_path / "mf.dcm", ph, echo_times_ms=(2.0, 5.0, 9.0), multiframe=True)[0]
    msg = _plain_refusal(path, max_frames=2)
    assert "more than 2 images (frames) ('mf.dcm' alone declares 3 frames)" in msg
