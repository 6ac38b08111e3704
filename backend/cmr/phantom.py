"""Synthetic short-axis data for the demo, the tests and the benchmarks: an LV phantom, its T1/T2 maps, cine-like
magnitude frames and multi-echo T2* series, written as DICOM with realistic headers.

Everything here is fully synthetic: no patient data, PatientName ``SYNTHETIC^PHANTOM``, InstitutionName ``MyoQA
synthetic``, UIDs from :func:`pydicom.uid.generate_uid`.

Geometry: standard short-axis display (anterior up, the right ventricle on the image's left), so the anterior RV
insertion lies upper-left of the LV. Contours are circular *in mm* (an anisotropic pixel spacing makes them
elliptical in pixels), perturbed by low-order Fourier terms so they are smooth but not perfectly regular. The default
image is 192 x 256 (non-square) so that a row/column transposition anywhere downstream changes the result.

Tissue values (defaults, 1.5 T, native): myocardium T1 1000 ms and blood 1580 ms (domain.md: median myocardial T1
about 1026 ms; blood longer), liver about 580 ms, myocardium T2 50 ms (domain.md: about 51 ms), myocardium T2* 25 ms
(above the 20 ms iron threshold, domain.md), Rician magnitude noise ``|S + n1 + i n2|`` (Gudbjartsson & Patz 1995).

Sources: DICOM PS3.3 A.4 (MR Image), A.36 (Enhanced MR Image), C.7.6.16 (functional groups), C.7.6.16.2.11
(Real World Value Mapping); GE private dictionary ``GEMS_PARM_01`` (0043,xx2F) image type 0/1/2/3 =
magnitude/phase/real/imaginary (pydicom ``_private_dict``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    EnhancedMRImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    generate_uid,
)
from scipy import ndimage

from .contours import polygon_to_mask

__all__ = [
    "DEFAULT_ECHO_TIMES_MS",
    "LVPhantom",
    "Tissue",
    "cine_frame_pixels",
    "lv_phantom",
    "t1_map_pixels",
    "t2_map_pixels",
    "tissue_labels",
    "write_map_dicom",
    "write_t2star_series",
]

#: 8 echoes, 2.0 to 17.75 ms (abedi: 12 echoes 1.8-17.9 ms; bakhshali: 8 echoes 2.97-21.68 ms).
DEFAULT_ECHO_TIMES_MS: tuple[float, ...] = tuple(round(2.0 + 2.25 * k, 2) for k in range(8))

_SYN_INSTITUTION = "MyoQA synthetic"
_SYN_PATIENT = "SYNTHETIC^PHANTOM"


class Tissue:
    """Integer labels of :func:`tissue_labels`."""

    AIR = 0
    BODY = 1
    LIVER = 2
    LUNG = 3
    RV_BLOOD = 4
    MYOCARDIUM = 5
    LV_BLOOD = 6


@dataclass
class LVPhantom:
    """A synthetic left ventricle on a short-axis image grid.

    Attributes
    ----------
    shape : (rows, cols)
    pixel_spacing_mm : (dy, dx)
        mm per row and per column, as DICOM Pixel Spacing.
    endocardium : ndarray, shape (N, 2)
        Closed polygon ``(x=col, y=row)`` in pixel coordinates, first point not repeated.
    epicardium : ndarray, shape (M, 2)
        Same convention; encloses the endocardium.
    centre : (x, y)
        LV centre in pixel coordinates.
    rv_insertion : (x, y)
        Anterior RV insertion point on the epicardium (upper-left of the LV).
    endo_radius_mm, wall_mm : float
        Nominal endocardial radius and wall thickness used to draw it.
    """

    shape: tuple[int, int]
    pixel_spacing_mm: tuple[float, float]
    endocardium: np.ndarray
    epicardium: np.ndarray
    centre: tuple[float, float]
    rv_insertion: tuple[float, float]
    endo_radius_mm: float = 25.0
    wall_mm: float = 8.0

    def cavity_mask(self) -> np.ndarray:
        """Bool ``(rows, cols)``: pixel centres inside the endocardium."""
        return polygon_to_mask(self.endocardium, self.shape)

    def epicardial_mask(self) -> np.ndarray:
        """Bool ``(rows, cols)``: pixel centres inside the epicardium."""
        return polygon_to_mask(self.epicardium, self.shape)

    def myocardium_mask(self) -> np.ndarray:
        """Bool ``(rows, cols)``: the ring between the two contours."""
        return self.epicardial_mask() & ~self.cavity_mask()


def _radius_profile(theta: np.ndarray, base: float, eccentricity: float, rng: np.random.Generator) -> np.ndarray:
    phase2 = rng.uniform(0, np.pi)
    r = 1.0 + eccentricity * np.cos(2 * (theta - phase2))
    for k in (3, 4, 5):
        r += rng.normal(0.0, 0.012) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    return base * r


def lv_phantom(
    shape: tuple[int, int] = (192, 256),
    pixel_spacing_mm: tuple[float, float] = (1.4, 1.4),
    centre: tuple[float, float] | None = None,
    endo_radius_mm: float = 25.0,
    wall_mm: float = 8.0,
    eccentricity: float = 0.1,
    n_points: int = 120,
    seed: int = 0,
) -> LVPhantom:
    """Make a smooth, slightly irregular LV: endocardium and epicardium polygons, centre and RV insertion.

    Parameters
    ----------
    shape : (rows, cols)
        Image grid; the non-square default catches transpositions.
    pixel_spacing_mm : (dy, dx)
        mm per row, mm per column.
    centre : (x, y), optional
        LV centre in pixels; default the image centre ``(cols / 2, rows / 2)``.
    endo_radius_mm : float
        Mean endocardial radius in mm.
    wall_mm : float
        Mean wall thickness in mm (varies by about +-15 % around the ring).
    eccentricity : float
        Relative amplitude of the 2nd Fourier term (0 gives a near-circle in mm).
    n_points : int
        Points per contour.
    seed : int
        Random seed of the low-order perturbation (same seed, same phantom).

    Returns
    -------
    LVPhantom

    Raises
    ------
    ValueError
        Non-positive sizes, or an epicardium that does not fit inside the image.
    """
    rows, cols = int(shape[0]), int(shape[1])
    dy, dx = float(pixel_spacing_mm[0]), float(pixel_spacing_mm[1])
    if rows < 8 or cols < 8 or dy <= 0 or dx <= 0 or endo_radius_mm <= 0 or wall_mm <= 0 or n_points < 8:
        raise ValueError("lv_phantom needs a grid of at least 8 x 8, positive spacing, radius, wall and >= 8 points")
    cx, cy = (cols / 2.0, rows / 2.0) if centre is None else (float(centre[0]), float(centre[1]))
    rng = np.random.default_rng(seed)
    theta = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
    r_endo = _radius_profile(theta, endo_radius_mm, eccentricity, rng)
    wall = wall_mm * (1.0 + 0.15 * np.cos(theta - rng.uniform(0, 2 * np.pi)) + rng.normal(0, 0.03) * np.cos(2 * theta))
    r_epi = r_endo + np.maximum(wall, 0.3 * wall_mm)

    def to_px(r: np.ndarray) -> np.ndarray:
        # theta counter-clockwise with y up (anterior); rows grow downwards.
        return np.column_stack([cx + r * np.cos(theta) / dx, cy - r * np.sin(theta) / dy])

    endo, epi = to_px(r_endo), to_px(r_epi)
    if epi[:, 0].min() < 0 or epi[:, 1].min() < 0 or epi[:, 0].max() > cols - 1 or epi[:, 1].max() > rows - 1:
        raise ValueError(f"the epicardium does not fit in a {rows} x {cols} image at centre {(cx, cy)}")

    # Anterior RV insertion: the most anterior epicardial point that touches the RV blood pool (see tissue_labels).
    rv_c, rv_ax = _rv_ellipse(endo_radius_mm + wall_mm)
    u, v = r_epi * np.cos(theta), r_epi * np.sin(theta)
    inside_rv = ((u - rv_c[0]) / (rv_ax[0] * 1.05)) ** 2 + ((v - rv_c[1]) / (rv_ax[1] * 1.05)) ** 2 <= 1.0
    upper = inside_rv & (theta > 0) & (theta < np.pi)
    k = int(np.argmin(np.where(upper, theta, np.inf))) if upper.any() else int(np.argmin(np.abs(theta - 2 * np.pi / 3)))
    return LVPhantom(
        shape=(rows, cols),
        pixel_spacing_mm=(dy, dx),
        endocardium=endo,
        epicardium=epi,
        centre=(cx, cy),
        rv_insertion=(float(epi[k, 0]), float(epi[k, 1])),
        endo_radius_mm=float(endo_radius_mm),
        wall_mm=float(wall_mm),
    )


def _rv_ellipse(r_lv: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """RV blood pool ellipse in mm relative to the LV centre (u right, v up): centre and semi-axes."""
    return (-1.05 * r_lv, 0.15 * r_lv), (0.85 * r_lv, 1.45 * r_lv)


def tissue_labels(ph: LVPhantom) -> np.ndarray:
    """Label image of the phantom's tissues (see :class:`Tissue`).

    Parameters
    ----------
    ph : LVPhantom

    Returns
    -------
    ndarray of uint8, shape (rows, cols)
        Air outside an elliptical body; liver below-left, lung right, RV blood pool left of the LV (a crescent
        around the septum), the myocardium ring and the LV blood pool from the phantom's polygons.
    """
    rows, cols = ph.shape
    dy, dx = ph.pixel_spacing_mm
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
    # mm relative to the LV centre, u to the right, v up.
    u = (xx - ph.centre[0]) * dx
    v = (ph.centre[1] - yy) * dy
    # Body: ellipse about the image centre.
    ub = (xx - (cols - 1) / 2.0) * dx
    vb = ((rows - 1) / 2.0 - yy) * dy
    lab = np.zeros(ph.shape, dtype=np.uint8)
    body = (ub / (0.47 * cols * dx)) ** 2 + (vb / (0.45 * rows * dy)) ** 2 <= 1.0
    lab[body] = Tissue.BODY
    r_lv = ph.endo_radius_mm + ph.wall_mm
    liver = ((u + 1.6 * r_lv) / (2.2 * r_lv)) ** 2 + ((v + 2.4 * r_lv) / (1.1 * r_lv)) ** 2 <= 1.0
    lab[liver & body] = Tissue.LIVER
    lung = ((u - 2.0 * r_lv) / (0.9 * r_lv)) ** 2 + ((v - 0.6 * r_lv) / (1.5 * r_lv)) ** 2 <= 1.0
    lab[lung & body] = Tissue.LUNG
    (rc_u, rc_v), (ra_u, ra_v) = _rv_ellipse(r_lv)
    rv = ((u - rc_u) / ra_u) ** 2 + ((v - rc_v) / ra_v) ** 2 <= 1.0
    lab[rv & body] = Tissue.RV_BLOOD
    epi = ph.epicardial_mask()
    cav = ph.cavity_mask()
    lab[epi] = Tissue.MYOCARDIUM
    lab[cav] = Tissue.LV_BLOOD
    return lab


def _value_image(lab: np.ndarray, values: dict[int, float]) -> np.ndarray:
    lut = np.zeros(7, dtype=np.float64)
    for k, val in values.items():
        lut[k] = val
    return lut[lab]


def _map_pixels(
    ph: LVPhantom, values: dict[int, float], noise_sd: float, seed: int, *, lung_noise_factor: float = 3.0
) -> np.ndarray:
    lab = tissue_labels(ph)
    img = ndimage.gaussian_filter(_value_image(lab, values), sigma=0.5)  # mild partial volume at edges
    rng = np.random.default_rng(seed)
    sd = np.where(lab == Tissue.LUNG, noise_sd * lung_noise_factor, noise_sd)
    img = img + rng.normal(0.0, 1.0, size=img.shape) * sd
    img[lab == Tissue.AIR] = 0.0  # scanners write 0 where the fit is masked out
    return np.clip(img, 0.0, None)


def t1_map_pixels(
    ph: LVPhantom,
    *,
    t1_myocardium_ms: float = 1000.0,
    t1_blood_ms: float = 1580.0,
    t1_background_ms: float = 1100.0,
    t1_liver_ms: float = 580.0,
    t1_lung_ms: float = 1250.0,
    noise_sd_ms: float = 40.0,
    seed: int = 0,
) -> np.ndarray:
    """A native T1 map of the phantom (1.5 T-like values).

    Parameters
    ----------
    ph : LVPhantom
    t1_myocardium_ms, t1_blood_ms : float
        Myocardium and blood pool (LV and RV) T1 in ms.
    t1_background_ms : float
        Other body tissue (chest wall, muscle) in ms.
    t1_liver_ms, t1_lung_ms : float
        Liver and lung in ms (lung noise is three times ``noise_sd_ms``).
    noise_sd_ms : float
        Gaussian noise SD in ms (fit noise).
    seed : int

    Returns
    -------
    ndarray of float64, shape (rows, cols), ms
        0 outside the body; edges slightly blurred (sigma 0.5 px); never negative.
    """
    return _map_pixels(
        ph,
        {
            Tissue.BODY: t1_background_ms,
            Tissue.LIVER: t1_liver_ms,
            Tissue.LUNG: t1_lung_ms,
            Tissue.RV_BLOOD: t1_blood_ms,
            Tissue.MYOCARDIUM: t1_myocardium_ms,
            Tissue.LV_BLOOD: t1_blood_ms,
        },
        noise_sd_ms,
        seed,
    )


def t2_map_pixels(
    ph: LVPhantom,
    *,
    t2_myocardium_ms: float = 50.0,
    t2_blood_ms: float = 220.0,
    t2_background_ms: float = 45.0,
    t2_liver_ms: float = 35.0,
    t2_lung_ms: float = 60.0,
    noise_sd_ms: float = 3.0,
    seed: int = 0,
) -> np.ndarray:
    """A T2 map of the phantom (T2-prepared SSFP-like values at 1.5 T).

    Parameters
    ----------
    ph : LVPhantom
    t2_myocardium_ms, t2_blood_ms, t2_background_ms, t2_liver_ms, t2_lung_ms : float
        T2 per tissue in ms (domain.md: myocardial T2 about 51 ms).
    noise_sd_ms : float
        Gaussian noise SD in ms (three times higher in lung).
    seed : int

    Returns
    -------
    ndarray of float64, shape (rows, cols), ms
        0 outside the body; never negative.
    """
    return _map_pixels(
        ph,
        {
            Tissue.BODY: t2_background_ms,
            Tissue.LIVER: t2_liver_ms,
            Tissue.LUNG: t2_lung_ms,
            Tissue.RV_BLOOD: t2_blood_ms,
            Tissue.MYOCARDIUM: t2_myocardium_ms,
            Tissue.LV_BLOOD: t2_blood_ms,
        },
        noise_sd_ms,
        seed,
    )


def cine_frame_pixels(
    ph: LVPhantom,
    *,
    blood: float = 450.0,
    myocardium: float = 160.0,
    background: float = 220.0,
    liver: float = 140.0,
    lung: float = 15.0,
    noise_sd: float = 10.0,
    seed: int = 0,
) -> np.ndarray:
    """A bright-blood (SSFP-like) magnitude frame: bright blood pools, darker myocardium.

    Parameters
    ----------
    ph : LVPhantom
    blood, myocardium, background, liver, lung : float
        Noise-free signal per tissue (a.u.); air is 0.
    noise_sd : float
        SD of each of the two Gaussian channels of the Rician noise.
    seed : int

    Returns
    -------
    ndarray of float64, shape (rows, cols), a.u., non-negative
    """
    lab = tissue_labels(ph)
    s = ndimage.gaussian_filter(
        _value_image(
            lab,
            {
                Tissue.BODY: background,
                Tissue.LIVER: liver,
                Tissue.LUNG: lung,
                Tissue.RV_BLOOD: blood,
                Tissue.MYOCARDIUM: myocardium,
                Tissue.LV_BLOOD: blood,
            },
        ),
        sigma=0.7,
    )
    rng = np.random.default_rng(seed)
    return np.abs(s + noise_sd * (rng.normal(size=s.shape) + 1j * rng.normal(size=s.shape)))


# --------------------------------------------------------------------------------------------------------------
# DICOM writing
# --------------------------------------------------------------------------------------------------------------
def _ds(v: float) -> str:
    """A DS string of at most 16 characters."""
    for digits in (10, 8, 6):
        s = f"{v:.{digits}g}"
        if len(s) <= 16:
            return s
    return f"{v:.4e}"


def _orientation() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A plausible oblique short-axis orientation (row direction, column direction, normal), orthonormal."""
    r = np.array([0.70, 0.62, -0.35])
    r /= np.linalg.norm(r)
    c = np.array([-0.45, 0.75, 0.48])
    c -= (c @ r) * r
    c /= np.linalg.norm(c)
    return r, c, np.cross(r, c)


def _geometry_of(geometry: LVPhantom | Sequence[float]) -> tuple[float, float]:
    if isinstance(geometry, LVPhantom):
        return geometry.pixel_spacing_mm
    dy, dx = (float(v) for v in geometry)
    return dy, dx


def _base_dataset(
    *,
    sop_class: UID,
    rows: int,
    cols: int,
    spacing: tuple[float, float],
    manufacturer: str,
    field_strength_t: float,
    series_description: str,
    series_instance_uid: str | None,
    study_instance_uid: str | None,
    frame_of_reference_uid: str | None,
    patient_id: str,
    series_number: int,
    instance_number: int,
    slice_location_mm: float,
    image_type: Sequence[str],
    study_date: str | None,
    plane_in_root: bool = True,
) -> tuple[Dataset, np.ndarray]:
    """A dataset with file meta, patient/study/series/equipment/frame-of-reference/plane/image-pixel attributes
    (no pixel data yet), and the Image Position (Patient) of its first pixel in mm."""
    sop_uid = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "MYOQA_SYN_1"

    ds = Dataset()
    ds.file_meta = meta
    date = study_date or _dt.date.today().strftime("%Y%m%d")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = list(image_type)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = "120000.000000"
    ds.AccessionNumber = ""
    ds.Modality = "MR"
    ds.Manufacturer = manufacturer
    ds.InstitutionName = _SYN_INSTITUTION
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "MyoQA synthetic cardiac MR"
    ds.SeriesDescription = series_description
    ds.ManufacturerModelName = "MyoQA phantom"
    ds.PatientName = _SYN_PATIENT
    ds.PatientID = patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.BodyPartExamined = "HEART"
    ds.SliceThickness = "8"
    ds.MagneticFieldStrength = _ds(field_strength_t)
    ds.ImagingFrequency = _ds(42.577478 * field_strength_t)
    ds.ImagedNucleus = "1H"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = study_instance_uid or generate_uid()
    ds.SeriesInstanceUID = series_instance_uid or generate_uid()
    ds.StudyID = "1"
    ds.SeriesNumber = str(series_number)
    ds.InstanceNumber = str(instance_number)
    ds.FrameOfReferenceUID = frame_of_reference_uid or generate_uid()
    ds.PositionReferenceIndicator = ""
    r, c, n = _orientation()
    dy, dx = spacing
    centre_pt = n * slice_location_mm
    ipp = centre_pt - r * dx * (cols / 2.0) - c * dy * (rows / 2.0)
    if plane_in_root:
        ds.ImagePositionPatient = [_ds(float(v)) for v in ipp]
        ds.ImageOrientationPatient = [_ds(float(v)) for v in (*r, *c)]
        ds.SliceLocation = _ds(slice_location_mm)
        ds.PixelSpacing = [_ds(dy), _ds(dx)]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    return ds, ipp


def _save(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


_QUANTITY = {
    "t1": ("T1", ["DERIVED", "PRIMARY", "T1 MAP", "NONE"], "MOLLI T1 MAP (MyoQA synthetic)"),
    "t2": ("T2", ["DERIVED", "PRIMARY", "T2 MAP", "NONE"], "T2 MAP (MyoQA synthetic)"),
    "magnitude": (None, ["ORIGINAL", "PRIMARY", "M", "NONE"], "CINE SAX (MyoQA synthetic)"),
}


def write_map_dicom(
    path: str | PathLike,
    pixels_ms: np.ndarray,
    geometry: LVPhantom | Sequence[float],
    *,
    quantity: str = "t1",
    field_strength_t: float = 1.5,
    use_rwvm: bool = False,
    rescale_slope: float = 1.0,
    rescale_intercept: float = 0.0,
    manufacturer: str = "SIEMENS",
    series_description: str | None = None,
    series_instance_uid: str | None = None,
    study_instance_uid: str | None = None,
    patient_id: str = "MYOQA-SYN-0001",
    instance_number: int = 1,
    slice_location_mm: float = 0.0,
    echo_time_ms: float | None = None,
    study_date: str | None = None,
) -> Path:
    """Write one single-frame MR Image Storage file holding a T1/T2 map (or a magnitude frame).

    Stored values are ``uint16`` with ``stored * slope + intercept = value``; ``value`` is in ms for maps.
    With ``use_rwvm`` the slope and intercept go into a Real World Value Mapping Sequence (0040,9096) with unit
    ``ms`` (UCUM), and Rescale Slope/Intercept are written as 1/0, as some vendors do: a reader that ignores the RWVM
    gets the stored values, not ms.

    Parameters
    ----------
    path : path
        Output file (parent folders are created).
    pixels_ms : ndarray, shape (rows, cols)
        Values in ms for ``quantity`` "t1"/"t2"; a.u. for "magnitude".
    geometry : LVPhantom or (dy, dx)
        Pixel spacing source, mm.
    quantity : {"t1", "t2", "magnitude"}
        Sets ImageType (``DERIVED\\PRIMARY\\T1 MAP\\NONE``, ``...\\T2 MAP\\...``,
        ``ORIGINAL\\PRIMARY\\M\\NONE``) and the default SeriesDescription.
    field_strength_t : float
        Magnetic Field Strength in tesla.
    use_rwvm : bool
        Write the value mapping as RWVM instead of Rescale Slope/Intercept.
    rescale_slope, rescale_intercept : float
        The mapping ``value = stored * slope + intercept``; stored values are rounded and clipped to 0..65535.
    manufacturer : str
    series_description : str, optional
    series_instance_uid, study_instance_uid : str, optional
        Generated when not given.
    patient_id : str
    instance_number : int
    slice_location_mm : float
        Slice Location; the Image Position lies on the slice normal at this distance.
    echo_time_ms : float, optional
        Echo Time to write (magnitude frames); maps have none.
    study_date : str, optional
        ``YYYYMMDD``; today when not given.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        Unknown quantity, non-2-D pixels, zero slope.
    """
    if quantity not in _QUANTITY:
        raise ValueError(f"quantity must be one of {sorted(_QUANTITY)}, got {quantity!r}")
    arr = np.asarray(pixels_ms, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"pixels_ms must be 2-D (rows, cols), got shape {arr.shape}")
    if rescale_slope == 0:
        raise ValueError("rescale_slope must not be 0")
    label, image_type, default_desc = _QUANTITY[quantity]
    rows, cols = arr.shape
    ds, _ = _base_dataset(
        sop_class=MRImageStorage,
        rows=rows,
        cols=cols,
        spacing=_geometry_of(geometry),
        manufacturer=manufacturer,
        field_strength_t=field_strength_t,
        series_description=series_description if series_description is not None else default_desc,
        series_instance_uid=series_instance_uid,
        study_instance_uid=study_instance_uid,
        frame_of_reference_uid=None,
        patient_id=patient_id,
        series_number=20 if label else 10,
        instance_number=instance_number,
        slice_location_mm=slice_location_mm,
        image_type=image_type,
        study_date=study_date,
    )
    ds.ScanningSequence = "GR"
    ds.SequenceVariant = "SS"
    ds.MRAcquisitionType = "2D"
    if echo_time_ms is not None:
        ds.EchoTime = _ds(echo_time_ms)
    stored = np.clip(np.rint((arr - rescale_intercept) / rescale_slope), 0, 65535).astype(np.uint16)
    ds.PixelRepresentation = 0
    if use_rwvm:
        ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "1", "0", "US"
        item = Dataset()
        item.add_new(0x00409216, "US", 0)  # RealWorldValueFirstValueMapped (VR US for unsigned pixels)
        item.add_new(0x00409211, "US", 65535)  # RealWorldValueLastValueMapped
        item.RealWorldValueIntercept = float(rescale_intercept)
        item.RealWorldValueSlope = float(rescale_slope)
        item.LUTExplanation = f"{label or 'Signal'} ({'ms' if label else 'a.u.'})"
        item.LUTLabel = label or "SIGNAL"
        unit = Dataset()
        unit.CodeValue = "ms" if label else "1"
        unit.CodingSchemeDesignator = "UCUM"
        unit.CodeMeaning = "millisecond" if label else "no units"
        item.MeasurementUnitsCodeSequence = DicomSequence([unit])
        ds.RealWorldValueMappingSequence = DicomSequence([item])
    else:
        ds.RescaleSlope, ds.RescaleIntercept = _ds(rescale_slope), _ds(rescale_intercept)
        ds.RescaleType = "MS" if label else "US"
    vals = arr[arr > 0]
    centre = float(np.median(vals)) if vals.size else 1.0
    ds.WindowCenter, ds.WindowWidth = _ds(centre), _ds(max(2 * centre, 1.0))
    ds.PixelData = stored.tobytes()
    return _save(ds, Path(path))


def write_t2star_series(
    folder_or_file: str | PathLike,
    ph: LVPhantom,
    *,
    t2star_myocardium_ms: float = 25.0,
    t2star_blood_ms: float = 150.0,
    t2star_liver_ms: float = 20.0,
    t2star_background_ms: float = 30.0,
    echo_times_ms: Sequence[float] = DEFAULT_ECHO_TIMES_MS,
    s0: float = 500.0,
    noise_sd: float = 8.0,
    rician: bool = True,
    multiframe: bool = False,
    ge_real_imag: bool = False,
    field_strength_t: float = 1.5,
    manufacturer: str | None = None,
    series_instance_uid: str | None = None,
    slice_location_mm: float = 0.0,
    seed: int = 0,
) -> list[Path]:
    """Write a multi-echo gradient-echo (T2*) series of the phantom.

    Signal per tissue ``S(TE) = S0_tissue * exp(-TE / T2*_tissue)``, with ``S0`` = ``s0`` for the myocardium,
    1.6 ``s0`` for blood, 0.8 ``s0`` for liver, 0.9 ``s0`` for other tissue, 0.05 ``s0`` for lung (T2* 2 ms), 0 in air;
    edges blurred (sigma 0.6 px). Rician noise ``|S e^{i phi} + n1 + i n2|`` with a smooth phase ``phi`` that
    also drifts with TE (off-resonance); Gaussian ``S + n`` (clipped at 0) when ``rician`` is False.

    Parameters
    ----------
    folder_or_file : path
        A folder for single-frame files ``IM-0001-0001.dcm``... (created), or with ``multiframe`` a ``.dcm`` file
        (a folder gets ``T2STAR-MF.dcm``).
    ph : LVPhantom
    t2star_myocardium_ms, t2star_blood_ms, t2star_liver_ms, t2star_background_ms : float
        T2* per tissue in ms.
    echo_times_ms : sequence of float
        Echo times in ms (written in this order; readers sort them).
    s0 : float
        Myocardial signal at TE = 0 (a.u.).
    noise_sd : float
        SD of each noise channel (a.u.).
    rician : bool
    multiframe : bool
        One Enhanced MR Image Storage file: PixelSpacing, orientation and rescale in the shared functional groups;
        per frame the Plane Position, MR Echo (EffectiveEchoTime) and MR Image Frame Type (MAGNITUDE).
    ge_real_imag : bool
        GE style: Manufacturer ``GE MEDICAL SYSTEMS``, signed 16-bit pixels, and for every echo a magnitude, a real
        and an imaginary image in the same series, told apart by the private tag (0043,102F) (creator
        ``GEMS_PARM_01``) = 0/2/3. ImageType is ``ORIGINAL\\PRIMARY\\OTHER`` for all three, as on the scanner.
    field_strength_t : float
    manufacturer : str, optional
        Default ``SIEMENS`` (``GE MEDICAL SYSTEMS`` with ``ge_real_imag``).
    series_instance_uid : str, optional
        Reuse a UID, e.g. to write two slices of one series into one folder.
    slice_location_mm : float
    seed : int

    Returns
    -------
    list of Path
        The files written (magnitude images first, in echo order).

    Raises
    ------
    ValueError
        Fewer than 2 echo times, non-positive echo times, or ``multiframe`` together with ``ge_real_imag``.
    """
    tes = [float(t) for t in echo_times_ms]
    if len(tes) < 2 or min(tes) <= 0:
        raise ValueError("write_t2star_series needs at least 2 positive echo times")
    if multiframe and ge_real_imag:
        raise ValueError("multiframe and ge_real_imag cannot be combined")
    manufacturer = manufacturer or ("GE MEDICAL SYSTEMS" if ge_real_imag else "SIEMENS")
    lab = tissue_labels(ph)
    s0_map = _value_image(
        lab,
        {
            Tissue.BODY: 0.9 * s0,
            Tissue.LIVER: 0.8 * s0,
            Tissue.LUNG: 0.05 * s0,
            Tissue.RV_BLOOD: 1.6 * s0,
            Tissue.MYOCARDIUM: s0,
            Tissue.LV_BLOOD: 1.6 * s0,
        },
    )
    r2_map = _value_image(
        lab,
        {
            Tissue.AIR: 0.0,
            Tissue.BODY: 1.0 / t2star_background_ms,
            Tissue.LIVER: 1.0 / t2star_liver_ms,
            Tissue.LUNG: 1.0 / 2.0,
            Tissue.RV_BLOOD: 1.0 / t2star_blood_ms,
            Tissue.MYOCARDIUM: 1.0 / t2star_myocardium_ms,
            Tissue.LV_BLOOD: 1.0 / t2star_blood_ms,
        },
    )
    rows, cols = ph.shape
    yy, xx = np.mgrid[0:rows, 0:cols] / np.array([rows, cols]).reshape(2, 1, 1)
    phase0 = 0.8 * np.pi * (xx - 0.5) + 0.4 * np.pi * (yy - 0.5) ** 2
    off_res_hz = 15.0 * (yy - 0.5) + 8.0 * (xx - 0.5)
    rng = np.random.default_rng(seed)
    echoes: list[np.ndarray] = []  # complex noisy signal per echo
    for te in tes:
        s = ndimage.gaussian_filter(s0_map * np.exp(-te * r2_map), sigma=0.6)
        phi = phase0 + 2 * np.pi * off_res_hz * te / 1000.0
        z = s * np.exp(1j * phi)
        if rician:
            z = z + noise_sd * (rng.normal(size=s.shape) + 1j * rng.normal(size=s.shape))
        else:
            z = (np.maximum(s + noise_sd * rng.normal(size=s.shape), 0.0)) * np.exp(1j * phi)
        echoes.append(z)

    out = Path(folder_or_file)
    uid = series_instance_uid or generate_uid()
    study_uid, for_uid = generate_uid(), generate_uid()
    common = {
        "rows": rows,
        "cols": cols,
        "spacing": ph.pixel_spacing_mm,
        "manufacturer": manufacturer,
        "field_strength_t": field_strength_t,
        "series_description": "T2* MULTI-ECHO GRE (MyoQA synthetic)",
        "series_instance_uid": uid,
        "study_instance_uid": study_uid,
        "frame_of_reference_uid": for_uid,
        "patient_id": "MYOQA-SYN-0001",
        "series_number": 30,
        "slice_location_mm": slice_location_mm,
        "study_date": None,
    }
    if multiframe:
        path = out if out.suffix.lower() == ".dcm" else out / "T2STAR-MF.dcm"
        return [_write_multiframe(path, echoes, tes, common)]

    paths: list[Path] = []
    components = [(0, np.abs)] + ([(2, np.real), (3, np.imag)] if ge_real_imag else [])
    n = 0
    for comp, fn in components:
        for k, (te, z) in enumerate(zip(tes, echoes, strict=True)):
            n += 1
            ds, _ = _base_dataset(
                sop_class=MRImageStorage,
                instance_number=n,
                image_type=["ORIGINAL", "PRIMARY", "OTHER"] if ge_real_imag else ["ORIGINAL", "PRIMARY", "M", "NONE"],
                **common,  # type: ignore[arg-type]
            )
            ds.ScanningSequence = "GR"
            ds.SequenceVariant = "SP"
            ds.MRAcquisitionType = "2D"
            ds.EchoTime = _ds(te)
            ds.EchoNumbers = str(k + 1)
            ds.RepetitionTime = _ds(max(tes) + 5.0)
            ds.FlipAngle = "20"
            vals = np.rint(fn(z))
            if ge_real_imag:
                ds.PixelRepresentation = 1
                stored = np.clip(vals, -32768, 32767).astype(np.int16)
                block = ds.private_block(0x0043, "GEMS_PARM_01", create=True)
                block.add_new(0x2F, "SS", comp)
            else:
                ds.PixelRepresentation = 0
                stored = np.clip(vals, 0, 65535).astype(np.uint16)
            top = max(float(np.percentile(np.abs(vals), 99)), 1.0)
            ds.WindowCenter, ds.WindowWidth = _ds(top / 2 if comp == 0 else 0.0), _ds(top if comp == 0 else 2 * top)
            ds.PixelData = stored.tobytes()
            paths.append(_save(ds, out / f"IM-0001-{n:04d}.dcm"))
    return paths


def _write_multiframe(path: Path, echoes: list[np.ndarray], tes: list[float], common: dict) -> Path:
    ds, ipp = _base_dataset(
        sop_class=EnhancedMRImageStorage,
        instance_number=1,
        image_type=["ORIGINAL", "PRIMARY", "T2_STAR", "NONE"],
        plane_in_root=False,
        **common,
    )
    r, c, _ = _orientation()
    dy, dx = common["spacing"]
    ds.NumberOfFrames = str(len(tes))
    ds.PixelRepresentation = 0
    ds.ContentQualification = "RESEARCH"
    ds.ImageComments = "Synthetic multi-echo GRE for T2* (MyoQA)"

    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = [_ds(dy), _ds(dx)]
    pm.SliceThickness = "8"
    shared.PixelMeasuresSequence = DicomSequence([pm])
    po = Dataset()
    po.ImageOrientationPatient = [_ds(float(v)) for v in (*r, *c)]
    shared.PlaneOrientationSequence = DicomSequence([po])
    pvt = Dataset()
    pvt.RescaleIntercept, pvt.RescaleSlope, pvt.RescaleType = "0", "1", "US"
    shared.PixelValueTransformationSequence = DicomSequence([pvt])
    ds.SharedFunctionalGroupsSequence = DicomSequence([shared])

    per_frame = []
    for k, te in enumerate(tes):
        item = Dataset()
        fc = Dataset()
        fc.FrameAcquisitionNumber = k + 1
        fc.DimensionIndexValues = [1, k + 1]
        fc.InStackPositionNumber = 1
        item.FrameContentSequence = DicomSequence([fc])
        pp = Dataset()
        pp.ImagePositionPatient = [_ds(float(v)) for v in ipp]
        item.PlanePositionSequence = DicomSequence([pp])
        me = Dataset()
        me.EffectiveEchoTime = float(te)
        item.MREchoSequence = DicomSequence([me])
        ft = Dataset()
        ft.FrameType = ["ORIGINAL", "PRIMARY", "T2_STAR", "NONE"]
        ft.PixelPresentation = "MONOCHROME"
        ft.VolumetricProperties = "VOLUME"
        ft.VolumeBasedCalculationTechnique = "NONE"
        ft.ComplexImageComponent = "MAGNITUDE"
        ft.AcquisitionContrast = "T2_STAR"
        item.MRImageFrameTypeSequence = DicomSequence([ft])
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = DicomSequence(per_frame)
    stored = np.clip(np.rint(np.abs(np.stack(echoes))), 0, 65535).astype(np.uint16)
    ds.PixelData = stored.tobytes()
    return _save(ds, path)
