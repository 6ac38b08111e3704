"""backend.cmr.phantom: the synthetic LV, its maps and series, and the DICOM headers written for them."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.uid import EnhancedMRImageStorage, ExplicitVRLittleEndian, MRImageStorage
from scipy import ndimage

from backend.cmr import phantom
from backend.cmr.contours import polygon_area


@pytest.fixture(scope="module")
def ph() -> phantom.LVPhantom:
    return phantom.lv_phantom()


def _inner(mask: np.ndarray) -> np.ndarray:
    return ndimage.binary_erosion(mask, iterations=1)


def test_the_default_phantom_is_non_square_with_two_nested_contours(ph):
    assert ph.shape == (192, 256) and ph.pixel_spacing_mm == (1.4, 1.4)
    assert ph.endocardium.shape == (120, 2) and ph.epicardium.shape == (120, 2)
    assert ph.centre == (128.0, 96.0)
    cavity, epi = ph.cavity_mask(), ph.epicardial_mask()
    assert cavity.any() and not np.any(cavity & ~epi)
    assert ph.myocardium_mask().sum() == epi.sum() - cavity.sum()


def test_the_contours_have_the_requested_size_in_mm():
    ph = phantom.lv_phantom(endo_radius_mm=22.0, wall_mm=9.0, pixel_spacing_mm=(1.2, 1.5), seed=2)
    r_endo = np.sqrt(polygon_area(ph.endocardium, ph.pixel_spacing_mm) / np.pi)
    r_epi = np.sqrt(polygon_area(ph.epicardium, ph.pixel_spacing_mm) / np.pi)
    assert r_endo == pytest.approx(22.0, rel=0.05)
    assert r_epi - r_endo == pytest.approx(9.0, rel=0.15)


def test_anisotropic_spacing_keeps_the_ventricle_round_in_mm():
    ph = phantom.lv_phantom(pixel_spacing_mm=(1.0, 2.0), eccentricity=0.0)
    width_px = np.ptp(ph.epicardium[:, 0])
    height_px = np.ptp(ph.epicardium[:, 1])
    assert height_px / width_px == pytest.approx(2.0, rel=0.1)  # rows are twice as fine as columns
    assert width_px * 2.0 == pytest.approx(height_px * 1.0, rel=0.1)


def test_the_same_seed_gives_the_same_phantom_and_another_seed_a_different_one():
    a, b, c = phantom.lv_phantom(seed=7), phantom.lv_phantom(seed=7), phantom.lv_phantom(seed=8)
    np.testing.assert_array_equal(a.endocardium, b.endocardium)
    assert not np.allclose(a.endocardium, c.endocardium)


def test_the_anterior_rv_insertion_is_on_the_epicardium_upper_left_next_to_the_rv(ph):
    x, y = ph.rv_insertion
    assert x < ph.centre[0] and y < ph.centre[1]
    assert np.min(np.hypot(*(ph.epicardium - [x, y]).T)) < 1e-9
    labels = phantom.tissue_labels(ph)
    r, c = round(y), round(x)
    near = labels[max(r - 3, 0) : r + 4, max(c - 3, 0) : c + 4]
    assert np.any(near == phantom.Tissue.RV_BLOOD)


def test_a_phantom_that_does_not_fit_the_image_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        phantom.lv_phantom(shape=(40, 40), pixel_spacing_mm=(1.0, 1.0))


def test_the_t1_map_has_the_requested_tissue_values_and_noise(ph):
    t1 = phantom.t1_map_pixels(ph, t1_myocardium_ms=950.0, t1_blood_ms=1600.0, noise_sd_ms=30.0, seed=3)
    assert t1.shape == ph.shape and t1.dtype == np.float64
    myo = _inner(ph.myocardium_mask())
    blood = _inner(_inner(ph.cavity_mask()))
    se = 30.0 / np.sqrt(myo.sum())
    assert abs(t1[myo].mean() - 950.0) < 5 * se + 5.0  # + a little partial volume at the ring's edges
    assert t1[blood].mean() == pytest.approx(1600.0, abs=5.0)
    assert t1[blood].std() == pytest.approx(30.0, rel=0.15)
    labels = phantom.tissue_labels(ph)
    assert np.all(t1[labels == phantom.Tissue.AIR] == 0) and t1.min() >= 0
    assert np.median(t1[labels == phantom.Tissue.LIVER]) == pytest.approx(580.0, abs=10.0)


def test_a_cine_frame_has_bright_blood_and_darker_myocardium(ph):
    img = phantom.cine_frame_pixels(ph)
    ratio = img[ph.cavity_mask()].mean() / img[ph.myocardium_mask()].mean()
    assert 1.9 < ratio < 3.5  # as in the Sunnybrook cine frames (README: 1.91-3.16)


def test_a_written_t1_map_has_realistic_synthetic_headers(tmp_path):
    ph = phantom.lv_phantom(pixel_spacing_mm=(1.2, 1.5))
    t1 = phantom.t1_map_pixels(ph)
    path = phantom.write_map_dicom(tmp_path / "sub" / "t1.dcm", t1, ph, rescale_slope=0.5, rescale_intercept=-100.0)
    raw = path.read_bytes()
    assert raw[128:132] == b"DICM"
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.SOPClassUID == MRImageStorage and ds.Modality == "MR"
    assert list(ds.ImageType) == ["DERIVED", "PRIMARY", "T1 MAP", "NONE"]
    assert "T1 MAP" in ds.SeriesDescription and "synthetic" in ds.SeriesDescription
    assert str(ds.PatientName) == "SYNTHETIC^PHANTOM" and ds.PatientID.startswith("MYOQA-SYN-")
    assert ds.InstitutionName == "MyoQA synthetic"
    assert [float(v) for v in ds.PixelSpacing] == [1.2, 1.5]
    assert (ds.Rows, ds.Columns) == (192, 256)
    assert float(ds.MagneticFieldStrength) == 1.5 and float(ds.SliceThickness) == 8.0
    iop = np.asarray(ds.ImageOrientationPatient, dtype=float)
    assert np.linalg.norm(iop[:3]) == pytest.approx(1, abs=1e-6) and abs(iop[:3] @ iop[3:]) < 1e-6
    normal = np.cross(iop[:3], iop[3:])
    assert np.asarray(ds.ImagePositionPatient, dtype=float) @ normal == pytest.approx(float(ds.SliceLocation), abs=1e-3)
    stored = ds.pixel_array
    assert stored.dtype == np.uint16
    value = stored * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert np.abs(value - t1).max() <= 0.25 + 1e-9


def test_a_map_written_with_rwvm_carries_the_mapping_in_ms(tmp_path, ph):
    path = phantom.write_map_dicom(
        tmp_path / "t2.dcm", phantom.t2_map_pixels(ph), ph, quantity="t2", use_rwvm=True, rescale_slope=0.1
    )
    ds = pydicom.dcmread(path)
    item = ds.RealWorldValueMappingSequence[0]
    assert item.MeasurementUnitsCodeSequence[0].CodeValue == "ms"
    assert float(item.RealWorldValueSlope) == pytest.approx(0.1)
    assert list(ds.ImageType)[2] == "T2 MAP"


def test_a_t2star_series_decays_with_the_requested_myocardial_t2star(tmp_path, ph):
    tes = phantom.DEFAULT_ECHO_TIMES_MS
    files = phantom.write_t2star_series(tmp_path / "s", ph, t2star_myocardium_ms=18.0, noise_sd=4.0)
    assert len(files) == len(tes) and 8 <= len(tes) <= 12 and max(tes) < 20
    datasets = [pydicom.dcmread(f) for f in files]
    assert [float(d.EchoTime) for d in datasets] == list(tes)
    assert len({d.SeriesInstanceUID for d in datasets}) == 1 and len({d.SOPInstanceUID for d in datasets}) == 8
    myo = _inner(ph.myocardium_mask())
    means = np.array([d.pixel_array[myo].mean() for d in datasets])
    slope = np.polyfit(tes, np.log(means), 1)[0]
    assert -1.0 / slope == pytest.approx(18.0, rel=0.1)


def test_the_magnitude_noise_is_rician(tmp_path, ph):
    files = phantom.write_t2star_series(tmp_path / "s", ph, echo_times_ms=(2.0, 4.0), noise_sd=20.0)
    air = _inner(phantom.tissue_labels(ph) == phantom.Tissue.AIR)
    # In air the magnitude of complex Gaussian noise is Rayleigh: mean = sigma * sqrt(pi / 2).
    assert pydicom.dcmread(files[0]).pixel_array[air].mean() == pytest.approx(20.0 * np.sqrt(np.pi / 2), rel=0.05)


def test_ge_style_series_hold_magnitude_real_and_imaginary_images_told_apart_by_the_private_tag(tmp_path, ph):
    files = phantom.write_t2star_series(tmp_path / "ge", ph, echo_times_ms=(2.0, 5.0), ge_real_imag=True)
    assert len(files) == 6
    datasets = [pydicom.dcmread(f) for f in files]
    for ds in datasets:
        assert ds[0x0043, 0x0010].value == "GEMS_PARM_01"
        assert ds[0x0043, 0x102F].VR == "SS"
        assert ds.Manufacturer == "GE MEDICAL SYSTEMS" and ds.PixelRepresentation == 1
        assert list(ds.ImageType) == ["ORIGINAL", "PRIMARY", "OTHER"]
    by_type = {(int(d[0x0043, 0x102F].value), float(d.EchoTime)): d.pixel_array.astype(float) for d in datasets}
    assert sorted({k[0] for k in by_type}) == [0, 2, 3]
    for te in (2.0, 5.0):
        mag, re, im = by_type[(0, te)], by_type[(2, te)], by_type[(3, te)]
        assert re.min() < 0
        # each stored value is rounded separately: at most 0.5 on the magnitude plus 0.5 * sqrt(2) from re and im
        assert np.abs(np.hypot(re, im) - mag).max() <= 0.5 + 0.5 * np.sqrt(2)


def test_a_multiframe_series_is_one_enhanced_mr_file_with_per_frame_echo_times(tmp_path, ph):
    tes = (2.0, 6.0, 10.0)
    (path,) = phantom.write_t2star_series(tmp_path / "t2s.dcm", ph, echo_times_ms=tes, multiframe=True)
    assert path.name == "t2s.dcm"
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == EnhancedMRImageStorage and int(ds.NumberOfFrames) == 3
    assert "PixelSpacing" not in ds
    assert [float(v) for v in ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing] == [1.4, 1.4]
    assert [float(i.MREchoSequence[0].EffectiveEchoTime) for i in ds.PerFrameFunctionalGroupsSequence] == list(tes)
    assert ds.pixel_array.shape == (3, 192, 256)


def test_a_series_needs_two_echoes(tmp_path, ph):
    with pytest.raises(ValueError, match="at least 2"):
        phantom.write_t2star_series(tmp_path / "s", ph, echo_times_ms=(5.0,))
