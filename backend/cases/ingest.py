"""Parsing and de-identifying uploads, once, on ingest (shared by cases and submissions).

Uploads are copied into a private temporary folder under generated names, validated by the analysis core
(:func:`backend.cmr.dicom.load_image`, :func:`backend.cmr.sav.read_contours`), and the images actually used are
de-identified (:mod:`backend.core.deid`) before anything is stored. Errors are
:class:`backend.core.api.UploadError` naming the form field, with the analysis core's message.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from pydicom.errors import InvalidDicomError

from backend.cmr.contours import ContourSet
from backend.cmr.dicom import CMRImage, load_image
from backend.cmr.errors import CMRError
from backend.core.api import UploadError
from backend.core.deid import UidMapper, deidentify


@dataclass(frozen=True)
class IngestedImage:
    """A validated, de-identified image upload."""

    image: CMRImage
    dicom_bytes: bytes
    content_type: str
    download_ext: str
    pixel_sha256: str
    patient_pseudonym: str = ""


def pixel_hash(image: CMRImage) -> str:
    """SHA-256 of the image's float64 pixel array (all echoes), to recognise the same image after de-identification."""
    return hashlib.sha256(np.ascontiguousarray(image.pixels, dtype=np.float64).tobytes()).hexdigest()


_UNSAFE_NAME_CHARS = re.compile(r"[^\w .()+-]")


def upload_file_name(name: str | None, fallback: str) -> str:
    """The uploaded file's own name, safe to use as a file name, so that messages name the file the user chose.

    Parameters
    ----------
    name : str or None
        ``UploadedFile.name`` (the browser's name for it; Django already drops any folder part).
    fallback : str
        Used when the name is missing or nothing of it is safe.

    Returns
    -------
    str
        The base name with characters other than letters, digits, ``space . ( ) + - _`` replaced by ``_``, no
        leading dots, at most 120 bytes in UTF-8 (the extension kept), a ``.zip`` extension in lower case.
    """
    base = Path(str(name or "").replace("\\", "/")).name
    safe = _UNSAFE_NAME_CHARS.sub("_", base).lstrip(". ")
    if not safe.strip("_ "):
        return fallback
    stem, dot, ext = safe.rpartition(".")
    if dot and ext.lower() == "zip":
        safe = f"{stem}.zip"
    if len(safe.encode()) > 120:
        keep = Path(safe).suffix[:16]
        head = safe[: len(safe) - len(keep)]
        while len((head + keep).encode()) > 120:
            head = head[:-1]
        safe = head + keep
    return safe


def _copy_uploads(files: Sequence[UploadedFile], folder: Path, field: str, limit: int) -> list[Path]:
    paths, total = [], 0
    for i, f in enumerate(files):
        # One folder per file: two uploads may share a name, and the analysis core names the file in its messages.
        sub = folder / f"{i:04d}"
        sub.mkdir()
        p = sub / upload_file_name(f.name, f"{field}-{i + 1}.dcm")
        with p.open("wb") as out:
            for chunk in f.chunks():
                total += len(chunk)
                if total > limit:
                    raise UploadError(f"The upload is larger than the limit of {limit // 1_000_000} MB.", field)
                out.write(chunk)
        paths.append(p)
    return paths


def _dcmread(data: bytes) -> pydicom.Dataset:
    """Parse DICOM bytes; a bare dataset without the 128-byte preamble too (load_image accepts those)."""
    try:
        return pydicom.dcmread(io.BytesIO(data))
    except InvalidDicomError:
        return pydicom.dcmread(io.BytesIO(data), force=True)


def _datasets(paths: Iterable[Path]) -> Iterable[pydicom.Dataset]:
    for p in paths:
        with p.open("rb") as fh:
            head = fh.read(4)
        if head == b"PK\x03\x04" or (head[:2] == b"PK" and p.suffix.lower() == ".zip"):  # as load_image decides
            with zipfile.ZipFile(p) as z:
                for info in z.infolist():
                    if info.is_dir():
                        continue
                    try:
                        yield _dcmread(z.read(info))
                    except Exception:  # noqa: BLE001 -- non-DICOM members were already judged harmless by load_image
                        continue
        else:
            yield _dcmread(p.read_bytes())


def _deidentified_bytes(ds: pydicom.Dataset, mapper: UidMapper) -> bytes:
    deidentify(ds, mapper)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def ingest_image(files: Sequence[UploadedFile], *, field: str = "image") -> IngestedImage:
    """Validate an image upload (one DICOM, several echo files, or a zip) and de-identify it.

    Parameters
    ----------
    files : sequence of UploadedFile
    field : str
        Form field name, for error messages.

    Returns
    -------
    IngestedImage
        The de-identified DICOM (one file) or a zip of the de-identified echo files, with the parsed image.

    Raises
    ------
    UploadError
        No file, too large, or the analysis core's refusal (not DICOM, no Pixel Spacing, mixed series, ...).
    """
    if not files:
        raise UploadError("Please choose the DICOM image (a file, several echo files, or a zip).", field)
    with tempfile.TemporaryDirectory(prefix="myoqa-upload-") as tmp:
        paths = _copy_uploads(files, Path(tmp), field, settings.CMR_MAX_UPLOAD_BYTES)
        try:
            image = load_image(paths if len(paths) > 1 else paths[0], max_bytes=settings.CMR_MAX_UPLOAD_BYTES)
        except CMRError as exc:
            raise UploadError(str(exc), field) from None
        used = set(image.sop_instance_uids)
        mapper = UidMapper(settings.DEID_SECRET)
        kept = [ds for ds in _datasets(paths) if str(ds.get("SOPInstanceUID", "")) in used]
    if not kept:
        raise UploadError(
            "The image was checked but its files could not be read a second time to remove the patient's details; "
            "upload it again.",
            field,
        )
    kept.sort(key=lambda ds: float(ds.get("EchoTime", 0) or 0))
    pseudonym = mapper.patient_id(str(kept[0].get("PatientID", "")))
    if len(kept) == 1:
        return IngestedImage(
            image, _deidentified_bytes(kept[0], mapper), "application/dicom", ".dcm", pixel_hash(image), pseudonym
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, ds in enumerate(kept, 1):
            z.writestr(f"echo-{i:02d}.dcm", _deidentified_bytes(ds, mapper))
    return IngestedImage(image, buf.getvalue(), "application/zip", ".zip", pixel_hash(image), pseudonym)


def ingest_contours(
    upload: UploadedFile | None,
    *,
    image_shape: tuple[int, int],
    field: str,
    who: str = "contours",
    pixel_spacing_mm: tuple[float, float] | None = None,
) -> ContourSet:
    """Validate a contour upload (IDL SAV, .npy or .png mask) against the image's shape.

    Parameters
    ----------
    upload : UploadedFile or None
    image_shape : (rows, columns)
    field : str
        Form field name, for error messages.
    who : str
        Whose contours, for messages ("Gold-standard contours", ...).
    pixel_spacing_mm : (dy, dx) or None
        The image's pixel spacing, so that a refusal of crossing walls gives its lengths in mm.

    Returns
    -------
    ContourSet
        Validated (endocardium inside epicardium, inside the image, mask shape equal to the image's).

    Raises
    ------
    UploadError
        Missing, too large, or the analysis core's message (e.g. the SAV variables found, with their shapes).
    """
    from backend.cmr.contours import validate_contour_set
    from backend.cmr.sav import read_contours

    whose = who if who.lower().startswith("your ") else f"the {who}"
    if upload is None:
        raise UploadError(f"Please choose {whose} file (IDL SAV, or a .npy/.png mask).", field)
    limit = settings.CMR_MAX_CONTOUR_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadError(
            f"{whose[0].upper()}{whose[1:]} file is larger than the limit of {limit // 1_000_000} MB.", field
        )
    with tempfile.TemporaryDirectory(prefix="myoqa-contours-") as tmp:
        path = Path(tmp) / upload_file_name(upload.name, "contours")
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            cs = read_contours(
                path,
                image_shape=image_shape,
                names=settings.CMR_SAV_NAMES,
                max_bytes=limit,
                timeout_s=settings.CMR_PARSE_TIMEOUT_S,
                validate=pixel_spacing_mm is None,
            )
            if pixel_spacing_mm is not None:
                validate_contour_set(cs, image_shape, pixel_spacing_mm=pixel_spacing_mm)
            return cs
        except CMRError as exc:
            raise UploadError(f"{who[0].upper()}{who[1:]}: {exc}", field) from None
