"""Hidden repeat cases: the geometry of a repeat (rotated or flipped image, contours mapped with it) and its DICOM.

A repeat shows the same pixels as its original under another name, optionally rotated or flipped. Every transform
is an index map: pixel ``(i', j')`` of the repeat is pixel ``(i, j) = M (i', j', 1)`` of the original, with ``M`` a
3 x 3 integer affine (rows, columns). Pixel centres are at integer coordinates (as
:func:`backend.cmr.contours.polygon_to_mask` rasterises), so contours, given as ``(x, y) = (column, row)``, map by
the same affine exactly.
"""

from __future__ import annotations

import io
import secrets
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
from django.conf import settings
from django.db import models
from pydicom.uid import ExplicitVRLittleEndian

from backend.cmr.contours import ContourSet
from backend.cmr.dicom import CMRImage, image_with_header_of, read_image
from backend.core.deid import UidMapper, deidentify


class RepeatTransform(models.TextChoices):
    """How a repeat's image is turned relative to its original's (as displayed: rows down, columns right)."""

    NONE = "none", "Unchanged"
    ROTATE90 = "rotate90", "Rotated 90 degrees clockwise"
    ROTATE180 = "rotate180", "Rotated 180 degrees"
    FLIP_HORIZONTAL = "flip_horizontal", "Mirrored left to right"
    FLIP_VERTICAL = "flip_vertical", "Mirrored top to bottom"


def index_map(transform: str, shape: tuple[int, int]) -> np.ndarray:
    """The affine taking a repeat's pixel ``(row, col, 1)`` to the original's.

    Parameters
    ----------
    transform : RepeatTransform value
    shape : (rows, columns) of the original

    Returns
    -------
    ndarray of float, shape (3, 3)
    """
    r, c = shape
    return {
        RepeatTransform.NONE: np.eye(3),
        # clockwise: new[i', j'] = old[R - 1 - j', i']
        RepeatTransform.ROTATE90: np.array([[0, -1, r - 1], [1, 0, 0], [0, 0, 1]], dtype=float),
        RepeatTransform.ROTATE180: np.array([[-1, 0, r - 1], [0, -1, c - 1], [0, 0, 1]], dtype=float),
        RepeatTransform.FLIP_HORIZONTAL: np.array([[1, 0, 0], [0, -1, c - 1], [0, 0, 1]], dtype=float),
        RepeatTransform.FLIP_VERTICAL: np.array([[-1, 0, r - 1], [0, 1, 0], [0, 0, 1]], dtype=float),
    }[RepeatTransform(transform)]


def transformed_shape(transform: str, shape: tuple[int, int]) -> tuple[int, int]:
    """``(rows, columns)`` of the repeat of an original of ``shape``."""
    return (shape[1], shape[0]) if transform == RepeatTransform.ROTATE90 else (shape[0], shape[1])


def transform_array(a: np.ndarray, transform: str) -> np.ndarray:
    """The repeat's pixels (or mask) from the original's; the last two axes are rows and columns."""
    t = RepeatTransform(transform)
    if t == RepeatTransform.ROTATE90:
        out = np.rot90(a, k=-1, axes=(-2, -1))
    elif t == RepeatTransform.ROTATE180:
        out = np.rot90(a, k=2, axes=(-2, -1))
    elif t == RepeatTransform.FLIP_HORIZONTAL:
        out = np.flip(a, axis=-1)
    elif t == RepeatTransform.FLIP_VERTICAL:
        out = np.flip(a, axis=-2)
    else:
        out = a
    return np.ascontiguousarray(out)


def inverse_transform_array(a: np.ndarray, transform: str) -> np.ndarray:
    """The original's pixels (or mask) from the repeat's (inverse of :func:`transform_array`)."""
    if transform == RepeatTransform.ROTATE90:
        return np.ascontiguousarray(np.rot90(a, k=1, axes=(-2, -1)))
    return transform_array(a, transform)  # the others are their own inverse


def _map_points(points: np.ndarray | None, m: np.ndarray) -> np.ndarray | None:
    if points is None:
        return None
    p = np.asarray(points, dtype=float)
    rc1 = np.column_stack([p[:, 1], p[:, 0], np.ones(len(p))])
    out = rc1 @ m.T
    return np.column_stack([out[:, 1], out[:, 0]])


def transform_contours(cs: ContourSet, transform: str, shape: tuple[int, int]) -> ContourSet:
    """An original's contour set drawn on the repeat (``shape``: the original's ``(rows, columns)``)."""
    to_repeat = np.linalg.inv(index_map(transform, shape))
    return ContourSet(
        endocardium=_map_points(cs.endocardium, to_repeat),
        epicardium=_map_points(cs.epicardium, to_repeat),
        myocardium_mask=None if cs.myocardium_mask is None else transform_array(cs.myocardium_mask, transform),
        cavity_mask=None if cs.cavity_mask is None else transform_array(cs.cavity_mask, transform),
        source=cs.source,
    )


def inverse_transform_contours(cs: ContourSet, transform: str, shape: tuple[int, int]) -> ContourSet:
    """A contour set drawn on the repeat, mapped back onto the original (``shape``: the original's)."""
    to_original = index_map(transform, shape)
    return ContourSet(
        endocardium=_map_points(cs.endocardium, to_original),
        epicardium=_map_points(cs.epicardium, to_original),
        myocardium_mask=None if cs.myocardium_mask is None else inverse_transform_array(cs.myocardium_mask, transform),
        cavity_mask=None if cs.cavity_mask is None else inverse_transform_array(cs.cavity_mask, transform),
        source=cs.source,
    )


def moved_geometry(
    transform: str,
    shape: tuple[int, int],
    spacing: tuple[float, float],
    iop: Sequence[float] | None,
    ipp: Sequence[float] | None,
) -> tuple[tuple[float, float], list[float] | None, list[float] | None]:
    """Pixel Spacing, Image Orientation and Image Position (Patient) of the repeat, so every pixel keeps its place.

    Parameters
    ----------
    transform : RepeatTransform value
    shape : (rows, columns) of the original
    spacing : (dy, dx) of the original, mm
    iop : the original's row and column direction cosines (6 values), or None
    ipp : the original's position of the first pixel's centre (3 values, mm), or None

    Returns
    -------
    ((dy, dx), iop or None, ipp or None)
        The repeat's; the position needs the orientation (None without it).
    """
    dy, dx = spacing
    new_spacing = (dx, dy) if transform == RepeatTransform.ROTATE90 else (dy, dx)
    if iop is None or len(iop) != 6:
        return new_spacing, None, None
    row_dir, col_dir = np.array([float(v) for v in iop[:3]]), np.array([float(v) for v in iop[3:]])
    origin = np.zeros(3) if ipp is None else np.array([float(v) for v in ipp])
    m = index_map(transform, shape)

    def pos(i: float, j: float) -> np.ndarray:
        oi, oj, _ = m @ np.array([i, j, 1.0])
        return origin + oj * dx * row_dir + oi * dy * col_dir

    p00 = pos(0, 0)
    new_row = (pos(0, 1) - p00) / new_spacing[1]
    new_col = (pos(1, 0) - p00) / new_spacing[0]
    new_iop = [round(float(v), 8) for v in (*new_row, *new_col)]
    return new_spacing, new_iop, None if ipp is None else [round(float(v), 6) for v in p00]


def _geometry_items(ds: pydicom.Dataset, inner: str) -> list[pydicom.Dataset]:
    """The items of ``inner`` (e.g. ``PlanePositionSequence``) in the shared and per-frame functional groups."""
    items: list[pydicom.Dataset] = []
    for seq in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        for group in ds.get(seq) or []:
            items.extend(group.get(inner) or [])
    return items


def _spacing_of(item: pydicom.Dataset | None) -> tuple[float, float]:
    sp = None if item is None else item.get("PixelSpacing")
    return (float(sp[0]), float(sp[1])) if sp is not None and len(sp) == 2 else (1.0, 1.0)


def _move(item: pydicom.Dataset, transform: str, shape, spacing, iop, *, position: bool, orientation: bool) -> None:
    """Write the moved geometry into ``item`` (only the attributes it already has)."""
    new_spacing, new_iop, new_ipp = moved_geometry(
        transform, shape, spacing, iop, item.get("ImagePositionPatient") if position else None
    )
    if item.get("PixelSpacing") is not None:
        item.PixelSpacing = [f"{new_spacing[0]:.10g}", f"{new_spacing[1]:.10g}"]
    if orientation and new_iop is not None and item.get("ImageOrientationPatient") is not None:
        item.ImageOrientationPatient = new_iop
    if position and new_ipp is not None:
        item.ImagePositionPatient = new_ipp


def _transform_dataset(ds: pydicom.Dataset, transform: str) -> None:
    """Rotate or flip the pixel data of ``ds`` (decoded, written uncompressed) and its geometry, in place.

    Classic files carry Pixel Spacing, Image Orientation and Position (Patient) at the top level; enhanced
    multi-frame files in the functional groups (spacing and orientation usually shared, a position per frame).
    """
    if transform == RepeatTransform.NONE:
        return
    shape = (int(ds.Rows), int(ds.Columns))
    arr = ds.pixel_array
    new = transform_array(arr, transform)
    ds.PixelData = new.astype(arr.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OW" if int(ds.BitsAllocated) > 8 else "OB"
    ds.Rows, ds.Columns = transformed_shape(transform, shape)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    # Read every old value first, then write.
    measures = _geometry_items(ds, "PixelMeasuresSequence")
    orients = _geometry_items(ds, "PlaneOrientationSequence")
    positions = _geometry_items(ds, "PlanePositionSequence")
    fg_spacing = _spacing_of(measures[0]) if measures else _spacing_of(ds)
    fg_iop = next((list(o.ImageOrientationPatient) for o in orients if o.get("ImageOrientationPatient")), None)
    fg_iop = fg_iop or (list(ds.ImageOrientationPatient) if ds.get("ImageOrientationPatient") else None)
    top_iop = list(ds.ImageOrientationPatient) if ds.get("ImageOrientationPatient") else None
    for it in positions:
        _move(it, transform, shape, fg_spacing, fg_iop, position=True, orientation=False)
    for it in orients:
        _move(it, transform, shape, fg_spacing, list(it.ImageOrientationPatient), position=False, orientation=True)
    for it in measures:
        _move(it, transform, shape, _spacing_of(it), None, position=False, orientation=False)
    _move(ds, transform, shape, _spacing_of(ds), top_iop, position=True, orientation=True)


def repeat_dicom(dicom_bytes: bytes, content_type: str, transform: str) -> tuple[bytes, CMRImage]:
    """A repeat's DICOM from its original's stored (de-identified) DICOM, and the image read back from it.

    Every UID is replaced again under a fresh salt (the site's mapper maps one UID to one UID, so without the salt
    the repeat would carry its original's UIDs), the Patient ID gets a fresh pseudonym, and the pixels and geometry
    are turned by ``transform``. The image is read back from the written bytes by the same bounded reader as an
    upload, so the stored ``.npz`` and the downloadable DICOM agree (a trainee who submits the repeat's DICOM with
    their contours is recognised).

    Returns
    -------
    (bytes, CMRImage)
        The DICOM (one file, or a zip of echo files like the original) and its image.
    """
    if content_type == "application/zip":
        with zipfile.ZipFile(io.BytesIO(dicom_bytes)) as z:
            members = [(n, z.read(n)) for n in sorted(z.namelist())]
    else:
        members = [("image.dcm", dicom_bytes)]
    mapper = UidMapper(f"{settings.DEID_SECRET}:repeat:{secrets.token_hex(16)}")
    out: list[tuple[str, bytes]] = []
    datasets = []
    for name, blob in members:
        ds = pydicom.dcmread(io.BytesIO(blob))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            deidentify(ds, mapper)
            _transform_dataset(ds, transform)
            buf = io.BytesIO()
            ds.save_as(buf, enforce_file_format=True)
        out.append((name, buf.getvalue()))
        datasets.append(ds)
    with tempfile.TemporaryDirectory(prefix="myoqa-repeat-") as tmp:
        paths: list[Path] = []
        for name, blob in out:
            p = Path(tmp) / Path(name).name
            p.write_bytes(blob)
            paths.append(p)
        read = read_image(paths if len(paths) > 1 else paths[0], max_bytes=settings.CMR_MAX_UPLOAD_BYTES)
    image = image_with_header_of(read.image, read.datasets)
    if len(out) == 1:
        return out[0][1], image
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in out:
            z.writestr(name, blob)
    return zbuf.getvalue(), image


def repeat_uids(image: CMRImage) -> Sequence[str]:
    """Every UID of an image that a trainee could compare (series and instances)."""
    return [image.series_instance_uid, *image.sop_instance_uids]
