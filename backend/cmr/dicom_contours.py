"""Left-ventricle contours as DICOM: read and write DICOM Segmentation (SEG) and RT Structure Set (RTSTRUCT) objects.

Reading (:func:`read_dicom_contours`, reached through :func:`backend.cmr.sav.read_contours`, which dispatches on
the ``DICM`` marker at byte 128):

* **SEG** (SOP Class 1.2.840.10008.5.1.4.1.1.66.4; BINARY, FRACTIONAL or LABELMAP): the segments are recognised by
  their label or their Segmented Property Type code (:data:`DEFAULT_DICOM_NAMES`, extended by a site like the SAV
  variable names, see :func:`merge_dicom_names`): a *myocardium* segment (the ring), an *endocardium* segment (the
  LV cavity, the region the endocardium encloses) and/or an *epicardium* segment (the whole LV, the region the
  epicardium encloses). They become a :class:`~backend.cmr.contours.ContourSet` of masks (myocardium, cavity),
  traced to sub-pixel contours downstream like a SAV mask (marching squares at 0.5).
* **RTSTRUCT** (SOP Class 1.2.840.10008.5.1.4.1.1.481.3): ROIs recognised by ROI name (or an RT ROI Identification
  Code) as the *endocardium* and the *epicardium* (or one *myocardium* ROI holding both contours: the larger is the
  epicardium); each ``CLOSED_PLANAR`` contour on the image's plane is mapped from patient coordinates (mm) to pixel
  coordinates with the image's Image Position / Orientation (Patient) and Pixel Spacing, rounded to 1e-6 px.

Both are checked against the image they are read for (:class:`ImageGeometry`): the SOP Instance UIDs they reference
(Referenced Series / Contour Image / Source Image sequences) must include the image's (directly, or through
``uid_alias``: the de-identification's UID mapping, so that a file made on the scanner's original image matches the
de-identified copy the site stores); without any image reference the Frame of Reference UID must match and the
frames / contours must lie on the image's plane; a SEG's Rows x Columns must equal the image's.

Writing: :func:`seg_bytes` (highdicom ``Segmentation``, BINARY, two segments: "Myocardium", SCT 49848007 "Left
Ventricle Myocardium", and "Left ventricle cavity", SCT 87878005 "Left ventricle", both in the category SCT 91723000
"Anatomical Structure" -- DICOM CID 7150 Segmentation Property Categories; 87878005 is in CID 7151 Segmentation
Property Types, 49848007 in CID 12305, as listed by ``pydicom.sr.codedict.codes.SCT.LeftVentricleMyocardium`` and
``codes.SCT.LeftVentricle``) and :func:`rtstruct_bytes` (pydicom; ROIs "Endocardium" and "Epicardium" as
``CLOSED_PLANAR`` contours in patient coordinates). Both reference the image's Study, Series and SOP Instance UIDs and
its Frame of Reference UID, and pass ``dciodvfy`` (dicom3tools) without errors.

Geometry (``../shared/docs/domain.md``; PS3.3 C.7.6.2.1.1): the patient position of pixel (x = column, y = row) is
``IPP + x * dx * row_dir + y * dy * col_dir``, with ``row_dir`` = IOP[0:3] (the direction of increasing column),
``col_dir`` = IOP[3:6], and Pixel Spacing ``[dy, dx]``.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pydicom.valuerep import format_number_as_ds

from .contours import ContourSet, as_polygon, polygon_area, validate_contour_set
from .errors import InvalidContourError

__all__ = [
    "DEFAULT_DICOM_NAMES",
    "LV_CAVITY_CODE",
    "MYOCARDIUM_CODE",
    "RTSTRUCT_SOP_CLASS",
    "SEG_SOP_CLASS",
    "ImageGeometry",
    "geometry_from_bytes",
    "geometry_from_datasets",
    "geometry_from_paths",
    "merge_dicom_names",
    "polygon_probability",
    "read_dicom_contours",
    "rtstruct_bytes",
    "seg_bytes",
]

SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
"""Segmentation Storage."""
RTSTRUCT_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
"""RT Structure Set Storage."""

ANATOMICAL_STRUCTURE_CODE = ("91723000", "SCT", "Anatomical Structure")
"""Segmented Property Category of both segments (CID 7150)."""
MYOCARDIUM_CODE = ("49848007", "SCT", "Left Ventricle Myocardium")
"""Segmented Property Type of the myocardium segment (SNOMED CT; pydicom ``codes.SCT.LeftVentricleMyocardium``)."""
LV_CAVITY_CODE = ("87878005", "SCT", "Left ventricle")
"""Segmented Property Type of the LV cavity segment (SNOMED CT, CID 7151; ``codes.SCT.LeftVentricle``)."""

DEFAULT_DICOM_NAMES: dict[str, tuple[str, ...]] = {
    "myocardium": (
        "MYOCARDIUM",
        "LV MYOCARDIUM",
        "LEFT VENTRICLE MYOCARDIUM",
        "LEFT VENTRICULAR MYOCARDIUM",
        "MYOCARDIUM OF LEFT VENTRICLE",
        "MYO",
        "LV MYO",
        "LVMYO",
        "LV WALL",
        "SCT:49848007",
        "SCT:74281007",
    ),
    "endocardium": (
        "ENDOCARDIUM",
        "LV ENDOCARDIUM",
        "ENDO",
        "LV ENDO",
        "LVENDO",
        "ENDOCARDIAL CONTOUR",
        "I CONTOUR",
        "LEFT VENTRICLE CAVITY",
        "LV CAVITY",
        "LV BLOOD POOL",
        "BLOOD POOL",
        "LV BLOODPOOL",
        "LEFT VENTRICLE",
        "LV",
        "SCT:87878005",
    ),
    "epicardium": (
        "EPICARDIUM",
        "LV EPICARDIUM",
        "EPI",
        "LV EPI",
        "LVEPI",
        "EPICARDIAL CONTOUR",
        "O CONTOUR",
        "LV EPICARDIAL REGION",
        "WHOLE LV",
        "LV WHOLE",
        "SCT:6871001",
    ),
}
"""Segment labels / ROI names (compared ignoring case, spaces, ``_ - .``) and codes (``SCHEME:VALUE``) per structure.

``myocardium``: the ring (SEG segment, or an RTSTRUCT ROI with both contours); ``endocardium``: the endocardial
contour (RTSTRUCT) or the LV cavity it encloses (SEG); ``epicardium``: the epicardial contour or the whole LV it
encloses. A label is matched before a code, so a segment labelled "Left ventricle cavity" with the code of the
left ventricle is the cavity. A site adds its own names with ``MYOQA_DICOM_CONTOUR_NAMES``
(:func:`merge_dicom_names`).
"""

_SPECIAL = re.compile(r"[^A-Z0-9:]")

PLANE_TOLERANCE_MM = 0.5
"""Largest distance of a contour point (or a SEG frame) from the image's plane, beyond half the slice thickness."""


def _norm(name: object) -> str:
    return _SPECIAL.sub("", str(name).upper())


def merge_dicom_names(names: Mapping[str, str | Iterable[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """Merge a site's segment / ROI names and codes over :data:`DEFAULT_DICOM_NAMES`.

    Parameters
    ----------
    names : mapping, optional
        Keys ``myocardium``, ``endocardium``, ``epicardium``; a value is one name or a list, e.g.
        ``{"endocardium": ["LV_INNER", "SCT:12345"]}``.

    Returns
    -------
    dict of str to tuple of str
        Site names first; a default that the site assigned to another key is dropped from its default key.

    Raises
    ------
    ValueError
        An unknown key or an empty name (a configuration error).
    """
    if not names:
        return dict(DEFAULT_DICOM_NAMES)
    unknown = sorted(set(names) - set(DEFAULT_DICOM_NAMES))
    if unknown:
        raise ValueError(f"unknown DICOM contour name key(s) {unknown}; valid keys: {sorted(DEFAULT_DICOM_NAMES)}")
    site: dict[str, tuple[str, ...]] = {}
    for key, value in names.items():
        items = (value,) if isinstance(value, str) else tuple(value)
        if not items or any(not str(v).strip() for v in items):
            raise ValueError(f"empty DICOM contour name for key {key!r}")
        site[key] = tuple(str(v) for v in items)
    taken = {_norm(v) for vs in site.values() for v in vs}
    out = {}
    for key, defaults in DEFAULT_DICOM_NAMES.items():
        own = site.get(key, ())
        out[key] = own + tuple(d for d in defaults if _norm(d) not in taken)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Geometry


@dataclass(frozen=True)
class ImageGeometry:
    """Where an image lies in the patient, and its identity, for checking and mapping DICOM contours.

    Attributes
    ----------
    rows, columns : int
    pixel_spacing_mm : (dy, dx)
        Pixel Spacing ``[row spacing, column spacing]`` in mm.
    position_mm : (3,) tuple of float
        Image Position (Patient) of the centre of the first (top-left) pixel, mm.
    orientation : (6,) tuple of float
        Image Orientation (Patient): the row direction cosines (increasing column), then the column direction cosines.
    sop_instance_uids : tuple of str
        The image's SOP Instance UID(s) (one per echo file of a series; one for a single or multi-frame file).
    sop_class_uid, study_instance_uid, series_instance_uid, frame_of_reference_uid : str
    slice_thickness_mm : float or None
    geometry_assumed : bool
        True when the image had no Image Position / Orientation (Patient): the identity orientation at the origin was
        assumed (an RTSTRUCT then holds pixel positions in mm on that plane).
    datasets : tuple of pydicom Dataset
        The image's headers (pixel data included), for writers that copy patient and study attributes.
    """

    rows: int
    columns: int
    pixel_spacing_mm: tuple[float, float]
    position_mm: tuple[float, float, float]
    orientation: tuple[float, float, float, float, float, float]
    sop_instance_uids: tuple[str, ...]
    sop_class_uid: str
    study_instance_uid: str
    series_instance_uid: str
    frame_of_reference_uid: str
    slice_thickness_mm: float | None = None
    geometry_assumed: bool = False
    datasets: tuple[Dataset, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``."""
        return (self.rows, self.columns)

    def _axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        o = np.asarray(self.orientation, dtype=np.float64)
        r, c = o[:3], o[3:]
        n = np.cross(r, c)
        return np.asarray(self.position_mm, dtype=np.float64), r, c, n

    def to_patient(self, xy: np.ndarray) -> np.ndarray:
        """Pixel ``(x, y)`` (x = column, y = row) to patient coordinates in mm.

        Parameters
        ----------
        xy : ndarray, shape (N, 2)

        Returns
        -------
        ndarray, shape (N, 3)
        """
        p0, r, c, _ = self._axes()
        dy, dx = self.pixel_spacing_mm
        xy = np.asarray(xy, dtype=np.float64)
        return p0 + np.outer(xy[:, 0] * dx, r) + np.outer(xy[:, 1] * dy, c)

    def to_pixel(self, points_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Patient coordinates (mm) to pixel ``(x, y)`` and the signed distance from the image's plane (mm).

        Parameters
        ----------
        points_mm : ndarray, shape (N, 3)

        Returns
        -------
        xy : ndarray, shape (N, 2)
        off_plane_mm : ndarray, shape (N,)
        """
        p0, r, c, n = self._axes()
        dy, dx = self.pixel_spacing_mm
        v = np.asarray(points_mm, dtype=np.float64) - p0
        # The direction cosines are unit and orthogonal up to the precision of their DS strings: solve exactly.
        basis = np.stack([r * dx, c * dy, n], axis=1)
        sol = np.linalg.solve(basis, v.T).T
        return sol[:, :2], sol[:, 2] * float(np.linalg.norm(n))

    def plane_tolerance_mm(self) -> float:
        """How far a point may lie from the image's plane: half the slice thickness, at least 0.5 mm."""
        half = 0.5 * self.slice_thickness_mm if self.slice_thickness_mm else 0.0
        return max(half, PLANE_TOLERANCE_MM)


def _first(ds: Dataset, keyword: str) -> Any:
    """An attribute from the top level, else the shared then the first per-frame functional group."""
    if keyword in ds:
        return ds.get(keyword)
    groups = {
        "ImageOrientationPatient": "PlaneOrientationSequence",
        "ImagePositionPatient": "PlanePositionSequence",
        "PixelSpacing": "PixelMeasuresSequence",
        "SliceThickness": "PixelMeasuresSequence",
    }
    seq = groups.get(keyword)
    for fg_name in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        fg = ds.get(fg_name)
        if seq and fg:
            item = fg[0]
            if seq in item and item.get(seq) and keyword in item.get(seq)[0]:
                return item.get(seq)[0].get(keyword)
    return None


def _floats(v: Any, n: int) -> tuple[float, ...] | None:
    try:
        out = tuple(float(x) for x in v)
    except (TypeError, ValueError):
        return None
    return out if len(out) == n and all(np.isfinite(out)) else None


def geometry_from_datasets(datasets: Sequence[Dataset]) -> ImageGeometry:
    """The geometry and identity of an image from its DICOM header(s).

    Parameters
    ----------
    datasets : sequence of pydicom Dataset
        One image file, or the echo files of one series (same plane).

    Returns
    -------
    ImageGeometry

    Raises
    ------
    InvalidContourError
        No Rows / Columns / Pixel Spacing.
    """
    if not datasets:
        raise InvalidContourError("No image was given to check the DICOM contours against.")
    ds = datasets[0]
    try:
        rows, cols = int(ds.Rows), int(ds.Columns)
    except (AttributeError, TypeError, ValueError):
        raise InvalidContourError("The image has no Rows / Columns; the DICOM contours cannot be checked.") from None
    spacing = _floats(_first(ds, "PixelSpacing") or (), 2)
    if spacing is None or min(spacing) <= 0:
        raise InvalidContourError("The image has no Pixel Spacing; the DICOM contours cannot be placed on it.")
    ipp = _floats(_first(ds, "ImagePositionPatient") or (), 3)
    iop = _floats(_first(ds, "ImageOrientationPatient") or (), 6)
    assumed = ipp is None or iop is None
    thickness = _floats([_first(ds, "SliceThickness")] if _first(ds, "SliceThickness") is not None else [], 1)
    return ImageGeometry(
        rows=rows,
        columns=cols,
        pixel_spacing_mm=(spacing[0], spacing[1]),
        position_mm=ipp if ipp is not None else (0.0, 0.0, 0.0),  # type: ignore[arg-type]
        orientation=iop if iop is not None else (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),  # type: ignore[arg-type]
        sop_instance_uids=tuple(str(d.get("SOPInstanceUID", "")) for d in datasets if d.get("SOPInstanceUID")),
        sop_class_uid=str(ds.get("SOPClassUID", "")),
        study_instance_uid=str(ds.get("StudyInstanceUID", "")),
        series_instance_uid=str(ds.get("SeriesInstanceUID", "")),
        frame_of_reference_uid=str(ds.get("FrameOfReferenceUID", "")),
        slice_thickness_mm=thickness[0] if thickness else None,
        geometry_assumed=assumed,
        datasets=tuple(datasets),
    )


def geometry_from_bytes(data: bytes) -> ImageGeometry:
    """The geometry of a stored image: one DICOM file, or a zip of echo files (``echo-01.dcm`` ...).

    Parameters
    ----------
    data : bytes

    Returns
    -------
    ImageGeometry
    """
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = sorted(n for n in z.namelist() if not n.endswith("/"))
            datasets = [pydicom.dcmread(io.BytesIO(z.read(n)), force=True) for n in names]
    else:
        datasets = [pydicom.dcmread(io.BytesIO(data), force=True)]
    return geometry_from_datasets(datasets)


def geometry_from_paths(paths: Sequence[str | Path]) -> ImageGeometry:
    """The geometry of an image given as DICOM file path(s) (the ``assess`` command's ``--image``)."""
    datasets = []
    for p in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            datasets.append(pydicom.dcmread(str(p), force=True))
    return geometry_from_datasets(datasets)


# ---------------------------------------------------------------------------------------------------------------------
# Reading


def _code_key(item: Dataset | None) -> str:
    if item is None:
        return ""
    return _norm(f"{item.get('CodingSchemeDesignator', '')}:{item.get('CodeValue', '')}")


def _match(label: str, codes: Sequence[str], names: Mapping[str, tuple[str, ...]]) -> str | None:
    """The structure a segment / ROI is, by its label first, then by its codes."""
    lab = _norm(label)
    for key, cands in names.items():
        if lab and lab in {_norm(c) for c in cands if ":" not in c}:
            return key
    for key, cands in names.items():
        wanted = {_norm(c) for c in cands if ":" in c}
        if any(c and c in wanted for c in codes):
            return key
    return None


def _names_words(names: Mapping[str, tuple[str, ...]], key: str, n: int = 4) -> str:
    return ", ".join(f"'{c.title()}'" for c in [c for c in names[key] if ":" not in c][:n])


class _Refs:
    """A file's image references, compared with the image's UIDs (directly or through the de-identification)."""

    def __init__(self, geometry: ImageGeometry, uid_alias: Callable[[str], str] | None) -> None:
        self.g = geometry
        self.alias = uid_alias
        self.uids = set(geometry.sop_instance_uids)

    def is_image(self, uid: str) -> bool:
        uid = str(uid).strip()
        return bool(uid) and (uid in self.uids or (self.alias is not None and self.alias(uid) in self.uids))

    def same_frame_of_reference(self, uid: str) -> bool:
        want, uid = self.g.frame_of_reference_uid, str(uid).strip()
        return bool(uid and want) and (uid == want or (self.alias is not None and self.alias(uid) == want))


def _another_image(kind: str, refs: Sequence[str], g: ImageGeometry) -> InvalidContourError:
    shown = ", ".join(sorted(set(refs))[:3]) + (" ..." if len(set(refs)) > 3 else "")
    return InvalidContourError(
        f"This {kind} was made on another image: it references image {shown}, not this case's image "
        f"({g.sop_instance_uids[0] if g.sop_instance_uids else 'no UID'}). Draw the contours on this case's DICOM "
        "(download it from the case page) and export them again."
    )


def _dcmread(path: Path) -> Dataset:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom.dcmread(str(path))
    except Exception:  # noqa: BLE001 -- pydicom raises many types on a damaged file; the user gets a sentence
        raise InvalidContourError(
            f"The DICOM file {path.name} is damaged or truncated: its header cannot be read; export the "
            "segmentation again and upload the complete file."
        ) from None


def read_dicom_contours(
    path: str | Path,
    *,
    image_shape: tuple[int, int] | None,
    geometry: ImageGeometry | None = None,
    uid_alias: Callable[[str], str] | None = None,
    names: Mapping[str, str | Iterable[str]] | None = None,
    max_uncompressed_bytes: int = 100_000_000,
    validate: bool = True,
) -> ContourSet:
    """Read LV contours from a DICOM SEG or RTSTRUCT file, checked against the image they are for.

    Parameters
    ----------
    path : str or Path
        The file (its size already bounded by the caller).
    image_shape : (rows, columns) or None
        The image's shape; a SEG must have it.
    geometry : ImageGeometry, optional
        The image's geometry and UIDs. Required for an RTSTRUCT (patient coordinates) and for the reference check;
        without it a SEG is read on its pixel grid alone.
    uid_alias : callable, optional
        Maps a UID of the original (scanner) image to the stored image's UID (the de-identification mapping).
    names : mapping, optional
        Site names merged over :data:`DEFAULT_DICOM_NAMES`.
    max_uncompressed_bytes : int
        Bound on the decoded SEG pixel data, in bytes.
    validate : bool
        Run :func:`~backend.cmr.contours.validate_contour_set` when ``image_shape`` is given.

    Returns
    -------
    ContourSet
        SEG: ``myocardium_mask`` and (when given) ``cavity_mask``, ``(rows, columns)`` bool. RTSTRUCT: the two
        polygons ``(N, 2)`` in ``(x, y)`` pixel coordinates.

    Raises
    ------
    InvalidContourError
        Damaged file, not a SEG / RTSTRUCT, made on another image, another frame of reference, another pixel grid,
        no recognised segment / ROI (the ones found are listed), a contour off the image's plane, empty masks, or a
        validation failure.
    """
    p = Path(path)
    merged = merge_dicom_names(names)
    ds = _dcmread(p)
    sop_class = str(ds.get("SOPClassUID", "") or getattr(ds.get("file_meta", None), "MediaStorageSOPClassUID", ""))
    if sop_class in (SEG_SOP_CLASS, RTSTRUCT_SOP_CLASS):
        kind = "DICOM SEG" if sop_class == SEG_SOP_CLASS else "RTSTRUCT"
        if sop_class == RTSTRUCT_SOP_CLASS and geometry is None:
            raise InvalidContourError(
                "An RTSTRUCT holds its contours in patient coordinates (mm); it can only be read with the DICOM "
                "image it was drawn on."
            )
        try:
            if sop_class == SEG_SOP_CLASS:
                cs = _read_seg(ds, image_shape, geometry, uid_alias, merged, max_uncompressed_bytes)
            else:
                assert geometry is not None
                cs = _read_rtstruct(ds, geometry, uid_alias, merged)
        except InvalidContourError:
            raise
        except Exception:  # noqa: BLE001 -- an attribute of an unexpected form anywhere: a sentence, never a 500
            raise InvalidContourError(
                f"The {kind} is malformed: an attribute it needs has a value of the wrong form; export it again from "
                "the program that made it."
            ) from None
    else:
        what = pydicom.uid.UID(sop_class).name if sop_class else "a DICOM object of no stated kind"
        raise InvalidContourError(
            f"This is a DICOM file ({what}), not contours: upload it as the image, not as the contours; contours as "
            "DICOM are a SEG (segmentation) or an RTSTRUCT (structure set) of the endocardium and epicardium."
        )
    if validate and image_shape is not None:
        validate_contour_set(cs, image_shape)
    return cs


def _seg_frames(ds: Dataset, what: str, max_bytes: int) -> np.ndarray:
    try:
        n = int(ds.get("NumberOfFrames", 1) or 1)
        rows, cols = int(ds.Rows), int(ds.Columns)
        bits = int(ds.get("BitsAllocated", 1))
    except (AttributeError, TypeError, ValueError):
        raise InvalidContourError(
            f"The {what} is malformed: it has no valid Rows, Columns or Number of Frames."
        ) from None
    if n < 1 or rows < 1 or cols < 1:
        raise InvalidContourError(f"The {what} is malformed: it declares {n} frame(s) of {rows}x{cols} pixels.")
    if n * rows * cols * max(bits // 8, 1) > max_bytes:
        raise InvalidContourError(
            f"The {what} declares {n} frames of {rows}x{cols} pixels, over the size limit of a contour file."
        )
    if "PixelData" not in ds:
        raise InvalidContourError(f"The {what} is malformed: it has no pixel data (no segment masks).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(ds.pixel_array)
    except Exception:  # noqa: BLE001 -- pydicom's decoders raise many types; the user gets a sentence
        raise InvalidContourError(
            f"The {what} is malformed: its pixel data cannot be decoded (truncated, or not the size its header "
            "declares)."
        ) from None
    return arr.reshape(n, rows, cols)


def _seg_segment_codes(item: Dataset) -> list[str]:
    out = []
    for seq in ("SegmentedPropertyTypeCodeSequence", "AnatomicRegionSequence"):
        for code in item.get(seq) or []:
            out.append(_code_key(code))
    return out


def _read_seg(
    ds: Dataset,
    image_shape: tuple[int, int] | None,
    geometry: ImageGeometry | None,
    uid_alias: Callable[[str], str] | None,
    names: Mapping[str, tuple[str, ...]],
    max_bytes: int,
) -> ContourSet:
    what = "DICOM SEG"
    segments = ds.get("SegmentSequence") or []
    if not segments:
        raise InvalidContourError(f"The {what} is malformed: it has no Segment Sequence (no segments are described).")
    found: dict[str, int] = {}
    described = []
    for item in segments:
        try:
            number = int(item.SegmentNumber)
        except (AttributeError, TypeError, ValueError):
            raise InvalidContourError(f"The {what} is malformed: a segment has no Segment Number.") from None
        label = str(item.get("SegmentLabel", "") or "")
        codes = _seg_segment_codes(item)
        meaning = ""
        if item.get("SegmentedPropertyTypeCodeSequence"):
            meaning = str(item.SegmentedPropertyTypeCodeSequence[0].get("CodeMeaning", ""))
        described.append(f"{number} '{label or meaning or '?'}'")
        key = _match(label, codes, names)
        if key is not None and key not in found:
            found[key] = number
    if "myocardium" not in found and "epicardium" not in found:
        raise InvalidContourError(
            f"The {what} has no myocardium segment: it holds segment(s) {', '.join(described)}; expected a segment "
            f"labelled like {_names_words(names, 'myocardium')} (or coded SCT 49848007), or the whole LV "
            f"({_names_words(names, 'epicardium')}) with the LV cavity. A site adds its own labels with "
            "MYOQA_DICOM_CONTOUR_NAMES."
        )
    if "myocardium" not in found and "endocardium" not in found:
        raise InvalidContourError(
            f"The {what} has an epicardial (whole LV) segment but no LV cavity or myocardium segment: it holds "
            f"segment(s) {', '.join(described)}."
        )
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    want = image_shape or (geometry.shape if geometry is not None else None)
    if want is not None and (rows, cols) != tuple(want):
        raise InvalidContourError(
            f"The {what} is {rows}x{cols} pixels (rows x columns) but the image is {want[0]}x{want[1]}: it was made on "
            "another image (or resampled); segment this case's image."
        )
    frames = _seg_frames(ds, what, max_bytes)
    seg_type = str(ds.get("SegmentationType", "BINARY")).upper()
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    shared = (ds.get("SharedFunctionalGroupsSequence") or [None])[0]
    n = frames.shape[0]
    if seg_type != "LABELMAP" and len(per_frame) != n:
        raise InvalidContourError(
            f"The {what} is malformed: it has {n} frame(s) but {len(per_frame)} per-frame description(s)."
        )

    def frame_segment(i: int) -> int | None:
        item = per_frame[i] if i < len(per_frame) else None
        for src in (item, shared):
            if src is not None and src.get("SegmentIdentificationSequence"):
                return int(src.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        return None

    def frame_sources(i: int) -> list[str]:
        item = per_frame[i] if i < len(per_frame) else None
        out = []
        for src in (item, shared):
            for der in (src.get("DerivationImageSequence") or []) if src is not None else []:
                for s in der.get("SourceImageSequence") or []:
                    out.append(str(s.get("ReferencedSOPInstanceUID", "")))
        return out

    def frame_position(i: int) -> tuple[float, ...] | None:
        item = per_frame[i] if i < len(per_frame) else None
        for src in (item, shared):
            if src is not None and src.get("PlanePositionSequence"):
                return _floats(src.PlanePositionSequence[0].get("ImagePositionPatient") or (), 3)
        return None

    keep = list(range(n))
    if geometry is not None:
        refs = _Refs(geometry, uid_alias)
        top = [
            str(inst.get("ReferencedSOPInstanceUID", ""))
            for ser in ds.get("ReferencedSeriesSequence") or []
            for inst in ser.get("ReferencedInstanceSequence") or []
        ]
        per = [frame_sources(i) for i in range(n)]
        all_refs = [r for r in top + [u for us in per for u in us] if r]
        if all_refs and not any(refs.is_image(r) for r in all_refs):
            raise _another_image(what, all_refs, geometry)
        for_uid = str(ds.get("FrameOfReferenceUID", "") or "")
        if not all_refs:
            if not refs.same_frame_of_reference(for_uid):
                raise InvalidContourError(
                    f"The {what} does not say which image it was made on (no referenced image) and its Frame of "
                    "Reference is not this image's; segment this case's DICOM and export it again."
                )
        elif for_uid and geometry.frame_of_reference_uid and not refs.same_frame_of_reference(for_uid):
            raise InvalidContourError(
                f"The {what} is in another frame of reference than this case's image (Frame of Reference UID "
                f"{for_uid}); it was made on another scan."
            )
        if any(per):  # frames that name their source: those of this image
            keep = [i for i in range(n) if any(refs.is_image(u) for u in per[i])]
        elif n > 1 and not geometry.geometry_assumed:  # a multi-slice SEG without sources: the frames on this plane
            on_plane = []
            for i in range(n):
                pos = frame_position(i)
                if pos is None:
                    on_plane.append(i)
                    continue
                _, off = geometry.to_pixel(np.asarray([pos]))
                if abs(off[0]) <= geometry.plane_tolerance_mm():
                    on_plane.append(i)
            keep = on_plane
        if not keep:
            raise _another_image(what, all_refs, geometry)

    shape = (rows, cols)
    masks: dict[str, np.ndarray] = {}
    fractions: dict[str, np.ndarray] = {}
    full = float(ds.get("MaximumFractionalValue", 255) or 255)
    for key, number in found.items():
        m = np.zeros(shape, dtype=bool)
        f = np.zeros(shape, dtype=np.float64)
        for i in keep:
            if seg_type == "LABELMAP":
                m |= frames[i] == number
            elif frame_segment(i) == number:
                if seg_type == "FRACTIONAL":
                    f = np.maximum(f, np.clip(frames[i] / full, 0.0, 1.0))
                    m |= frames[i] >= 0.5 * full
                else:
                    m |= frames[i] > 0
        masks[key] = m
        fractions[key] = f
    if (
        seg_type == "FRACTIONAL"
        and "endocardium" in found
        and ("myocardium" in found or "epicardium" in found)
        and any(((f > 0) & (f < 1)).any() for f in fractions.values())
    ):
        # Fractions (probability or occupancy): the walls are the iso-contours at 50 % (polygon_probability); the
        # masks are kept, so the regions are the 50 % threshold of each segment, pixel for pixel.
        cav_f = fractions["endocardium"]
        whole_f = np.maximum(cav_f, fractions["myocardium"]) if "myocardium" in found else fractions["epicardium"]
        endo = _fraction_contour(cav_f, "endocardium")
        epi = _fraction_contour(whole_f, "epicardium")
        if endo is not None and epi is not None:
            source = "DICOM SEG (fractional, traced at 50 %): segment(s) " + ", ".join(
                f"{k} = {v}" for k, v in sorted(found.items(), key=lambda kv: kv[1])
            )
            return ContourSet(endo, epi, source=source)
    for key, m in masks.items():
        if not m.any():
            raise InvalidContourError(
                f"The {key} segment of the {what} is empty on this image: no pixel is marked."
                if key != "endocardium"
                else f"The LV cavity segment of the {what} is empty on this image: no pixel is marked."
            )
    cavity = masks.get("endocardium")
    if "myocardium" in masks:
        myo = masks["myocardium"]
        if cavity is not None:
            myo = myo & ~cavity
    else:
        assert cavity is not None
        myo = masks["epicardium"] & ~cavity
    source = f"DICOM SEG ({seg_type.lower()}): segment(s) " + ", ".join(
        f"{k} = {v}" for k, v in sorted(found.items(), key=lambda kv: kv[1])
    )
    return ContourSet(None, None, myocardium_mask=myo, cavity_mask=cavity, source=source)


def _roi_codes(obs: Dataset | None) -> list[str]:
    if obs is None:
        return []
    return [_code_key(c) for c in obs.get("RTROIIdentificationCodeSequence") or []]


def _read_rtstruct(
    ds: Dataset,
    geometry: ImageGeometry,
    uid_alias: Callable[[str], str] | None,
    names: Mapping[str, tuple[str, ...]],
) -> ContourSet:
    what = "RTSTRUCT"
    refs = _Refs(geometry, uid_alias)
    rois = ds.get("StructureSetROISequence") or []
    if not rois:
        raise InvalidContourError(f"The {what} has no ROIs (its Structure Set ROI Sequence is empty).")
    observations = {}
    for obs in ds.get("RTROIObservationsSequence") or []:
        with_number = obs.get("ReferencedROINumber")
        if with_number is not None:
            observations[int(with_number)] = obs
    found: dict[str, int] = {}
    roi_for: dict[int, str] = {}
    listed = []
    for roi in rois:
        try:
            number = int(roi.ROINumber)
        except (AttributeError, TypeError, ValueError):
            raise InvalidContourError(f"The {what} is malformed: an ROI has no ROI Number.") from None
        name = str(roi.get("ROIName", "") or "")
        listed.append(f"'{name}'" if name else f"#{number}")
        roi_for[number] = str(roi.get("ReferencedFrameOfReferenceUID", "") or "")
        key = _match(name, _roi_codes(observations.get(number)), names)
        if key is not None and key not in found:
            found[key] = number
    has_walls = "endocardium" in found and "epicardium" in found
    if not has_walls and "myocardium" not in found:
        missing = [w for w in ("endocardium", "epicardium") if w not in found]
        raise InvalidContourError(
            f"The {what} has no {' and no '.join(missing)} ROI: it holds ROI(s) {', '.join(listed)}; expected ROIs "
            f"named like {_names_words(names, 'endocardium', 3)} and {_names_words(names, 'epicardium', 3)} (a site "
            "adds its own names with MYOQA_DICOM_CONTOUR_NAMES)."
        )
    contours_of: dict[int, list[Dataset]] = {}
    for rc in ds.get("ROIContourSequence") or []:
        try:
            contours_of[int(rc.ReferencedROINumber)] = list(rc.get("ContourSequence") or [])
        except (AttributeError, TypeError, ValueError):
            raise InvalidContourError(f"The {what} is malformed: an ROI contour names no ROI number.") from None
    all_refs = [
        str(img.get("ReferencedSOPInstanceUID", ""))
        for items in contours_of.values()
        for c in items
        for img in c.get("ContourImageSequence") or []
    ]
    all_refs = [r for r in all_refs if r]
    if all_refs and not any(refs.is_image(r) for r in all_refs):
        raise _another_image(what, all_refs, geometry)
    for_uids = {roi_for.get(n, "") for n in found.values()} | {str(ds.get("FrameOfReferenceUID", "") or "")}
    for_uids.discard("")
    if geometry.frame_of_reference_uid and for_uids and not any(refs.same_frame_of_reference(u) for u in for_uids):
        raise InvalidContourError(
            f"The {what} is in another frame of reference than this case's image (Frame of Reference UID "
            f"{sorted(for_uids)[0]}); it was drawn on another scan."
        )
    if not all_refs and not for_uids:
        raise InvalidContourError(
            f"The {what} does not say which image it was drawn on (no contour image and no frame of reference)."
        )

    def polygons(key: str) -> list[np.ndarray]:
        number = found[key]
        out = []
        for c in contours_of.get(number, []):
            kind = str(c.get("ContourGeometricType", "") or "").upper()
            imgs = [str(i.get("ReferencedSOPInstanceUID", "")) for i in c.get("ContourImageSequence") or []]
            if imgs and not any(refs.is_image(u) for u in imgs):
                continue  # a contour of another slice
            try:
                pts = np.asarray([float(v) for v in c.ContourData], dtype=np.float64)
            except (AttributeError, TypeError, ValueError):
                raise InvalidContourError(
                    f"The {what} is malformed: a contour of the {key} ROI has no valid Contour Data."
                ) from None
            if len(pts) % 3 or len(pts) == 0:
                raise InvalidContourError(
                    f"The {what} is malformed: a contour of the {key} ROI has {len(pts)} coordinates, not a "
                    "multiple of 3 (x, y, z)."
                )
            xy, off = geometry.to_pixel(pts.reshape(-1, 3))
            tol = geometry.plane_tolerance_mm()
            if np.abs(off).max() > tol:
                if imgs:
                    raise InvalidContourError(
                        f"A contour of the {key} ROI references this image but lies {np.abs(off).max():.1f} mm off "
                        f"its plane (at most {tol:.1f} mm); the RTSTRUCT's coordinates do not match the image."
                    )
                continue  # another slice of the same frame of reference
            if kind != "CLOSED_PLANAR":
                raise InvalidContourError(
                    f"The {key} contour of the {what} is {kind or 'of no stated type'}; it must be a closed contour "
                    "(CLOSED_PLANAR)."
                )
            out.append(np.round(xy, 6))
        return out

    source = "DICOM RTSTRUCT: ROI(s) " + ", ".join(f"{k} = {v}" for k, v in found.items())
    if has_walls:
        walls = {}
        for key in ("endocardium", "epicardium"):
            polys = polygons(key)
            if not polys:
                raise InvalidContourError(
                    f"The {key} ROI of the {what} has no contour on this image (it may be drawn on other slices)."
                )
            walls[key] = as_polygon(max(polys, key=polygon_area), name=key)
        return ContourSet(walls["endocardium"], walls["epicardium"], source=source)
    polys = sorted(polygons("myocardium"), key=polygon_area)
    if len(polys) < 2:
        raise InvalidContourError(
            f"The myocardium ROI of the {what} has {len(polys)} contour(s) on this image; it needs two (the "
            "endocardium inside the epicardium), or give them as separate Endocardium and Epicardium ROIs."
        )
    return ContourSet(
        as_polygon(polys[-2], name="endocardium"), as_polygon(polys[-1], name="epicardium"), source=source
    )


# ---------------------------------------------------------------------------------------------------------------------
# Writing


def _now() -> tuple[str, str]:
    t = datetime.now(UTC)
    return t.strftime("%Y%m%d"), t.strftime("%H%M%S")


EDGE_UNCERTAINTY_PX = 1.0
"""Half-width of the fractional edge a SEG is written with: a pixel centre ``d`` px inside the contour (negative:
outside) holds ``0.5 + d / (2 * EDGE_UNCERTAINTY_PX)``, clipped to 0..1 (:func:`polygon_probability`)."""


def polygon_probability(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Per pixel: the probability that its centre is inside a closed polygon whose position is uncertain by +-1 px.

    With the contour's position uniformly uncertain by :data:`EDGE_UNCERTAINTY_PX`, a pixel centre at signed
    distance ``d`` (px; positive inside) is inside with probability ``0.5 + d / 2``, clipped to 0..1. Then

    * above 0.5 exactly at the pixel centres inside the polygon (:func:`backend.cmr.contours.polygon_to_mask`; a
      centre on the polygon keeps its side, at 128/255 or 127/255), so a 50 % threshold gives MyoQA's mask;
    * the iso-line at 0.5 is the polygon itself: along any grid edge that crosses it the signed distance is linear
      for a straight side (and never clipped, distance being 1-Lipschitz), so marching squares recovers the side
      exactly, up to the 1/255 quantisation (0.008 px) and the rounding of corners.

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates.
    shape : (rows, columns)

    Returns
    -------
    ndarray of float64, shape (rows, columns)
        Values in 0..1, quantised to k / 255.
    """
    from scipy import ndimage

    from .contours import _dist_to_polygon, polygon_to_mask

    inside = polygon_to_mask(points, shape)
    band = ndimage.binary_dilation(inside, iterations=2) & ~ndimage.binary_erosion(inside, iterations=2)
    rr, cc = np.nonzero(band)
    d = _dist_to_polygon(np.column_stack([cc, rr]).astype(np.float64), np.asarray(points, dtype=np.float64))
    d = np.where(inside[rr, cc], d, -d)
    out = inside.astype(np.float64)
    out[rr, cc] = np.clip(0.5 + d / (2 * EDGE_UNCERTAINTY_PX), 0.0, 1.0)
    q = np.round(out * 255)
    q = np.where(inside, np.maximum(q, 128), np.minimum(q, 127))  # the side of a centre on the polygon is kept
    return q / 255.0


def _fraction_contour(fraction: np.ndarray, name: str) -> np.ndarray | None:
    """The largest closed iso-contour at 0.5 of a fractional map, as an ``(x, y)`` polygon."""
    from skimage import measure

    if not (fraction >= 0.5).any():
        return None
    padded = np.pad(fraction, 1)
    best = None
    for c in measure.find_contours(padded, 0.5):
        if len(c) < 4:
            continue
        poly = np.column_stack([c[:-1, 1] - 1, c[:-1, 0] - 1])
        if best is None or polygon_area(poly) > polygon_area(best):
            best = poly
    return None if best is None else as_polygon(best, name=name)


def _valid_dates(src: Dataset) -> Dataset:
    """A copy of ``src`` whose DA / TM values that do not parse (e.g. a birth date ``00000000``) are emptied.

    highdicom copies the patient and study dates into the SEG and refuses values that are not dates.
    """
    import copy

    from pydicom.valuerep import DA, TM

    out = copy.deepcopy(src)
    for elem in list(out.iterall()):
        if elem.VR not in ("DA", "TM") or not elem.value:
            continue
        try:
            (DA if elem.VR == "DA" else TM)(str(elem.value))
        except (ValueError, TypeError):
            elem.value = ""
    return out


def seg_bytes(
    geometry: ImageGeometry,
    *,
    myocardium: np.ndarray,
    cavity: np.ndarray,
    endocardium: np.ndarray | None = None,
    epicardium: np.ndarray | None = None,
    fractional: bool = True,
    series_description: str = "MyoQA contours",
    content_label: str = "MYOQA",
    software_version: str = "MyoQA",
    algorithm: str | None = None,
) -> bytes:
    """A DICOM SEG (BINARY) of the myocardium and the LV cavity on the image, written with highdicom.

    Parameters
    ----------
    geometry : ImageGeometry
        The (de-identified) image, with its datasets.
    myocardium, cavity : ndarray of bool, shape (rows, columns)
        The myocardium ring and the LV cavity (pixel centres inside, :func:`backend.cmr.contours.lv_regions`).
    endocardium, epicardium : ndarray, shape (N, 2), optional
        The polygons the masks came from. Given (and ``fractional``), the SEG is FRACTIONAL with Fractional Type
        PROBABILITY (:func:`polygon_probability`: 0..255, above 50 % exactly on the masks' pixels, the contours
        themselves at 50 %), from which a reader gets the masks by a threshold and the contours back to about 0.01
        px; else BINARY from the masks (traced back by marching squares, within about 1 px).
    fractional : bool
        Write FRACTIONAL (PROBABILITY) when the polygons are given (default); False: BINARY.
    series_description : str
    content_label : str
        Content Label (a DICOM CS: upper case, digits, ``_`` and space, at most 16 characters).
    software_version : str
    algorithm : str, optional
        The name of an automatic consensus's model: the segments' algorithm type is then AUTOMATIC (else MANUAL).

    Returns
    -------
    bytes
        The SEG file (Explicit VR Little Endian), referencing the image's Study, Series, SOP Instance and Frame of
        Reference UIDs; segment 1 "Myocardium" (SCT 49848007), segment 2 "Left ventricle cavity" (SCT 87878005).

    Raises
    ------
    InvalidContourError
        The masks are not of the image's shape, or empty.
    """
    import highdicom as hd
    from pydicom.sr.coding import Code

    shape = geometry.shape
    for name, m in (("myocardium", myocardium), ("LV cavity", cavity)):
        if m.shape != shape:
            raise InvalidContourError(f"The {name} mask is {m.shape}, not the image's {shape}.")
        if not m.any():
            raise InvalidContourError(f"The {name} is empty; there is nothing to export.")
    src = _valid_dates(geometry.datasets[0])
    category = Code(*ANATOMICAL_STRUCTURE_CODE)
    if algorithm:
        algo_type = hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC
        ident = hd.AlgorithmIdentificationSequence(
            name=algorithm[:64], version=software_version[:64], family=Code("123109", "DCM", "Manual Processing")
        )
    else:
        algo_type, ident = hd.seg.SegmentAlgorithmTypeValues.MANUAL, None
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=1,
            segment_label="Myocardium",
            segmented_property_category=category,
            segmented_property_type=Code(*MYOCARDIUM_CODE),
            algorithm_type=algo_type,
            algorithm_identification=ident,
            tracking_uid=hd.UID(),
            tracking_id="LV myocardium",
        ),
        hd.seg.SegmentDescription(
            segment_number=2,
            segment_label="Left ventricle cavity",
            segmented_property_category=category,
            segmented_property_type=Code(*LV_CAVITY_CODE),
            algorithm_type=algo_type,
            algorithm_identification=ident,
            tracking_uid=hd.UID(),
            tracking_id="LV cavity",
        ),
    ]
    n_frames = int(src.get("NumberOfFrames", 1) or 1)
    seg_type = hd.seg.SegmentationTypeValues.BINARY
    extra: dict[str, Any] = {}
    stack: np.ndarray
    if fractional and endocardium is not None and epicardium is not None:
        p_endo = polygon_probability(endocardium, shape)
        p_epi = polygon_probability(epicardium, shape)
        cav = np.minimum(p_endo, p_epi)  # fuzzy "inside both": the cavity is clipped to the epicardium (lv_regions)
        myo = np.minimum(p_epi, 1.0 - p_endo)  # inside the epicardium, outside the endocardium
        if not (np.array_equal(cav > 0.5, cavity) and np.array_equal(myo > 0.5, myocardium)):
            raise InvalidContourError("The masks given are not those of the polygons given.")
        stack = np.stack([myo, cav], axis=-1)[None].astype(np.float32)
        seg_type = hd.seg.SegmentationTypeValues.FRACTIONAL
        extra = {"fractional_type": hd.seg.SegmentationFractionalTypeValues.PROBABILITY, "max_fractional_value": 255}
    else:
        stack = np.stack([myocardium, cavity], axis=-1).astype(np.uint8)[None]
    if n_frames > 1:  # a multi-frame source (the echoes of one slice): one frame, placed by its plane position
        extra["plane_positions"] = [
            hd.PlanePositionSequence(
                coordinate_system=hd.CoordinateSystemNames.PATIENT, image_position=geometry.position_mm
            )
        ]
    hd_log = logging.getLogger("highdicom")
    level = hd_log.level
    hd_log.setLevel(max(level, logging.WARNING))  # highdicom logs every module it copies at INFO
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seg = hd.seg.Segmentation(
                source_images=[src],
                pixel_array=stack,
                segmentation_type=seg_type,
                segment_descriptions=descriptions,
                series_instance_uid=hd.UID(),
                series_number=9901,
                sop_instance_uid=hd.UID(),
                instance_number=1,
                manufacturer="MyoQA",
                manufacturer_model_name="MyoQA",
                software_versions=software_version,
                device_serial_number="MyoQA",
                series_description=series_description[:64],
                content_label=re.sub(r"[^A-Z0-9_ ]", "_", content_label.upper())[:16] or "MYOQA",
                content_description="LV myocardium and cavity (MyoQA)",
                omit_empty_frames=False,
                **extra,
            )
            buf = io.BytesIO()
            seg.save_as(buf)
    finally:
        hd_log.setLevel(level)
    return buf.getvalue()


def _ds_values(values: Iterable[float]) -> list[str]:
    return [format_number_as_ds(float(v)) for v in values]


_ROI_COLOURS = {"Endocardium": [255, 64, 64], "Epicardium": [64, 160, 255]}


def rtstruct_bytes(
    geometry: ImageGeometry,
    *,
    endocardium: np.ndarray,
    epicardium: np.ndarray,
    series_description: str = "MyoQA contours",
    label: str = "MYOQA",
    software_version: str = "MyoQA",
    generation: str = "MANUAL",
) -> bytes:
    """An RT Structure Set of the endocardium and epicardium as CLOSED_PLANAR contours on the image (pydicom).

    Parameters
    ----------
    geometry : ImageGeometry
        The (de-identified) image, with its datasets.
    endocardium, epicardium : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates.
    series_description : str
    label : str
        Structure Set Label (at most 16 characters).
    software_version : str
    generation : str
        ROI Generation Algorithm: ``"MANUAL"``, ``"SEMIAUTOMATIC"`` or ``"AUTOMATIC"``.

    Returns
    -------
    bytes
        The RTSTRUCT file (Explicit VR Little Endian), referencing the image's Study, Series, SOP Instance and Frame
        of Reference UIDs; ROI 1 "Endocardium", ROI 2 "Epicardium".
    """
    src = _valid_dates(geometry.datasets[0]) if geometry.datasets else Dataset()
    date, time = _now()
    sop_uid = generate_uid()
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.UID(RTSTRUCT_SOP_CLASS)
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.InstanceCreationDate, ds.InstanceCreationTime = date, time
    ds.SOPClassUID = RTSTRUCT_SOP_CLASS
    ds.SOPInstanceUID = sop_uid
    # Patient and General Study: copied from the (de-identified) image, empty where it has none (type 2).
    for kw in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex"):
        setattr(ds, kw, src.get(kw, "") or "")
    ds.StudyInstanceUID = geometry.study_instance_uid or generate_uid()
    for kw in ("StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber"):
        setattr(ds, kw, src.get(kw, "") or "")
    # RT Series, General Equipment, Frame of Reference
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 9902
    ds.SeriesDescription = series_description[:64]
    ds.OperatorsName = ""
    ds.Manufacturer = "MyoQA"
    ds.ManufacturerModelName = "MyoQA"
    ds.SoftwareVersions = software_version[:64]
    ds.FrameOfReferenceUID = geometry.frame_of_reference_uid or generate_uid()
    ds.PositionReferenceIndicator = ""
    # Structure Set
    ds.StructureSetLabel = label[:16] or "MYOQA"
    ds.StructureSetName = "LV contours"
    ds.StructureSetDate, ds.StructureSetTime = date, time
    sop_class = geometry.sop_class_uid or "1.2.840.10008.5.1.4.1.1.4"
    image_uid = geometry.sop_instance_uids[0] if geometry.sop_instance_uids else ""

    def contour_image() -> Dataset:
        item = Dataset()
        item.ReferencedSOPClassUID = sop_class
        item.ReferencedSOPInstanceUID = image_uid
        return item

    series = Dataset()
    series.SeriesInstanceUID = geometry.series_instance_uid
    series.ContourImageSequence = DicomSequence([contour_image()])
    study = Dataset()
    study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management (as PS3.3 C.8.8.5 asks)
    study.ReferencedSOPInstanceUID = ds.StudyInstanceUID
    study.RTReferencedSeriesSequence = DicomSequence([series])
    frame = Dataset()
    frame.FrameOfReferenceUID = ds.FrameOfReferenceUID
    frame.RTReferencedStudySequence = DicomSequence([study])
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([frame])
    rois, contours, observations = [], [], []
    for number, (name, poly) in enumerate((("Endocardium", endocardium), ("Epicardium", epicardium)), start=1):
        pts = as_polygon(np.asarray(poly, dtype=np.float64), name=name.lower())
        roi = Dataset()
        roi.ROINumber = number
        roi.ReferencedFrameOfReferenceUID = ds.FrameOfReferenceUID
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = generation
        rois.append(roi)
        c = Dataset()
        c.ContourImageSequence = DicomSequence([contour_image()])
        c.ContourGeometricType = "CLOSED_PLANAR"
        c.NumberOfContourPoints = len(pts)
        c.ContourNumber = 1
        c.ContourData = _ds_values(geometry.to_patient(pts).ravel())
        rc = Dataset()
        rc.ROIDisplayColor = _ROI_COLOURS[name]
        rc.ContourSequence = DicomSequence([c])
        rc.ReferencedROINumber = number
        contours.append(rc)
        obs = Dataset()
        obs.ObservationNumber = number
        obs.ReferencedROINumber = number
        obs.ROIObservationLabel = name
        obs.RTROIInterpretedType = "ORGAN"
        obs.ROIInterpreter = ""
        observations.append(obs)
    ds.StructureSetROISequence = DicomSequence(rois)
    ds.ROIContourSequence = DicomSequence(contours)
    ds.RTROIObservationsSequence = DicomSequence(observations)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
