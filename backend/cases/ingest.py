"""Parsing and de-identifying uploads, once, on ingest (shared by cases and submissions).

Uploads are copied into a private temporary folder under generated names, validated by the analysis core
(:func:`backend.cmr.dicom.load_image`, :func:`backend.cmr.sav.read_contours`), and the images actually used are
de-identified (:mod:`backend.core.deid`) before anything is stored. Errors are
:class:`backend.core.api.UploadError` naming the form field, with the analysis core's message.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pydicom
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

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


def _copy_uploads(files: Sequence[UploadedFile], folder: Path, field: str, limit: int) -> list[Path]:
    paths, total = [], 0
    for i, f in enumerate(files):
        suffix = ".zip" if str(f.name).lower().endswith(".zip") else ".dcm"
        p = folder / f"{field}-{i:04d}{suffix}"
        with p.open("wb") as out:
            for chunk in f.chunks():
                total += len(chunk)
                if total > limit:
                    raise UploadError(f"The upload is larger than the limit of {limit // 1_000_000} MB.", field)
                out.write(chunk)
        paths.append(p)
    return paths


def _datasets(paths: Iterable[Path]) -> Iterable[pydicom.Dataset]:
    for p in paths:
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as z:
                for info in z.infolist():
                    if info.is_dir():
                        continue
                    try:
                        yield pydicom.dcmread(io.BytesIO(z.read(info)))
                    except Exception:  # non-DICOM members were already judged harmless by load_image
                        continue
        else:
            yield pydicom.dcmread(p)


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
        raise UploadError("The image could not be read again for de-identification.", field)
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
    upload: UploadedFile | None, *, image_shape: tuple[int, int], field: str, who: str = "contours"
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

    Returns
    -------
    ContourSet
        Validated (endocardium inside epicardium, inside the image, mask shape equal to the image's).

    Raises
    ------
    UploadError
        Missing, too large, or the analysis core's message (e.g. the SAV variables found, with their shapes).
    """
    from backend.cmr.sav import read_contours

    if upload is None:
        raise UploadError(f"Please choose the {who} file (IDL SAV, or a .npy/.png mask).", field)
    limit = settings.CMR_MAX_CONTOUR_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadError(f"The {who} file is larger than the limit of {limit // 1_000_000} MB.", field)
    with tempfile.TemporaryDirectory(prefix="myoqa-contours-") as tmp:
        path = Path(tmp) / "contours.upload"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            return read_contours(
                path,
                image_shape=image_shape,
                names=settings.CMR_SAV_NAMES,
                max_bytes=limit,
                timeout_s=settings.CMR_PARSE_TIMEOUT_S,
            )
        except CMRError as exc:
            raise UploadError(f"{who[0].upper()}{who[1:]}: {exc}", field) from None
