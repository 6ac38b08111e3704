"""Parsing and de-identifying uploads, once, on ingest (shared by cases and submissions).

Uploads are copied into a private temporary folder (one sub-folder per file, under the user's own file name made
safe), read once by the analysis core's bounded reader (:func:`backend.cmr.dicom.read_image`, which returns the image
*and* the pydicom datasets it was built from; :func:`backend.cmr.sav.read_contours` for contours), and those same
datasets are de-identified (:func:`backend.core.deid.deidentify`) and serialised; the stored parsed image (the
``.npz``) carries the de-identified UIDs and Series Description, never the original header's. Errors are
:class:`backend.core.api.UploadError` naming the form field, with the analysis core's message.

Limits: ``MYOQA_MAX_UPLOAD_BYTES`` bounds the bytes copied and, inside the reader, the uncompressed bytes of every zip
member and deflated file; the frame, matrix and pixel-spacing bounds are the reader's (:mod:`backend.cmr.dicom`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from backend.cmr.contours import ContourSet
from backend.cmr.dicom import CMRImage, image_with_header_of, read_image
from backend.cmr.dicom_contours import ImageGeometry, geometry_from_bytes
from backend.cmr.errors import CMRError
from backend.core.api import UploadError
from backend.core.deid import UidMapper, deidentify


@dataclass(frozen=True)
class IngestedImage:
    """A validated, de-identified image upload.

    Attributes
    ----------
    image : CMRImage
        The parsed image, with the de-identified Series and SOP Instance UIDs and Series Description (what
        :func:`backend.cmr.dicom.image_to_bytes` stores).
    dicom_bytes : bytes
        The de-identified DICOM file, or a zip of the de-identified echo files (``echo-01.dcm`` ...).
    content_type, download_ext : str
    pixel_sha256 : str
        :func:`pixel_hash` of ``image``.
    patient_pseudonym : str
        The pseudonymised Patient ID (``MYOQA-`` + 12 hex digits).
    """

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


def _deidentified_bytes(ds: pydicom.Dataset, mapper: UidMapper, name: str, field: str) -> bytes:
    """De-identify ``ds`` in place and serialise it as a DICOM file (preamble, file meta).

    Raises
    ------
    UploadError
        Naming the file, whatever de-identification or writing raised (the header held something they cannot
        handle); nothing of the file is kept.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            deidentify(ds, mapper)
            buf = io.BytesIO()
            ds.save_as(buf, enforce_file_format=True)
    except Exception:  # noqa: BLE001 -- pydicom's writers raise anything on an odd header; the user gets a sentence
        raise UploadError(
            f"'{name}' was read, but its header could not be cleaned of the patient's details and "
            f"written again (it holds values in a form this site cannot rewrite); export the image again from the "
            f"scanner and upload that file.",
            field,
        ) from None
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
        No file, too large, or the analysis core's refusal (not DICOM, no Pixel Spacing, mixed series, a bound of
        :func:`backend.cmr.dicom.read_image`, ...), or a header that cannot be de-identified and written; each
        names the user's file. Nothing is stored by this function.
    """
    if not files:
        raise UploadError("Please choose the DICOM image (a file, several echo files, or a zip).", field)
    with tempfile.TemporaryDirectory(prefix="myoqa-upload-") as tmp:
        paths = _copy_uploads(files, Path(tmp), field, settings.CMR_MAX_UPLOAD_BYTES)
        try:
            read = read_image(paths if len(paths) > 1 else paths[0], max_bytes=settings.CMR_MAX_UPLOAD_BYTES)
        except CMRError as exc:
            raise UploadError(str(exc), field) from None
    # The datasets the image was built from, in its order (echo order): de-identified, then serialised and stored.
    mapper = UidMapper(settings.DEID_SECRET)
    pseudonym = mapper.patient_id(str(read.datasets[0].get("PatientID", "") or ""))
    blobs = [_deidentified_bytes(ds, mapper, name, field) for ds, name in zip(read.datasets, read.names, strict=True)]
    image = image_with_header_of(read.image, read.datasets)  # the new UIDs, no free text of the original header
    if len(blobs) == 1:
        return IngestedImage(image, blobs[0], "application/dicom", ".dcm", pixel_hash(image), pseudonym)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, blob in enumerate(blobs, 1):
            z.writestr(f"echo-{i:02d}.dcm", blob)
    return IngestedImage(image, buf.getvalue(), "application/zip", ".zip", pixel_hash(image), pseudonym)


def polygons_upload(data: Mapping[str, Any]) -> UploadedFile | None:
    """The JSON polygons of a request body as a contour upload (``contours.json``), or None when it has none.

    A JSON body ``{"endocardium": [[x, y], ...], "epicardium": [[x, y], ...]}`` (or multipart text fields of those
    names holding the JSON lists) becomes the same kind of upload as a file, so that it is read, validated, stored
    and evaluated by the same path as an IDL SAV file (:func:`ingest_contours`, which reads it with
    :func:`backend.cmr.sav.read_contours`).

    Parameters
    ----------
    data : mapping
        The request body (``request.data``).

    Returns
    -------
    UploadedFile or None
        None when neither wall is in ``data``.
    """
    if not isinstance(data, Mapping):
        raise UploadError(
            'The request body must be a JSON object such as {"endocardium": [[x, y], ...], "epicardium": [[x, y], '
            "...]}, or a multipart form with the image and contour files."
        )
    if "endocardium" not in data and "epicardium" not in data:
        return None
    body: dict[str, Any] = {}
    for wall in ("endocardium", "epicardium"):
        value = data.get(wall)
        if isinstance(value, str) and hasattr(data, "getlist"):  # a multipart text field holding the JSON list
            with contextlib.suppress(ValueError):  # not JSON: the reader refuses the string with its message
                value = json.loads(value)
        body[wall] = value
    # NaN / Infinity (only from a multipart text field) are written as such and refused by the reader with a message.
    raw = json.dumps(body).encode()
    return SimpleUploadedFile("contours.json", raw, content_type="application/json")


def contour_download_ext(raw: bytes) -> str:
    """The file extension of a stored contour upload, from its first bytes (``.sav``, ``.json``, ``.dcm`` ...)."""
    if raw[:2] == b"SR":
        return ".sav"
    if raw[128:132] == b"DICM":
        return ".dcm"
    if raw[:6] == b"\x93NUMPY":
        return ".npy"
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        return ".png"
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return ".json"
    return ".bin"


class _KnownUidMapper(UidMapper):
    """The site's UID mapping, except that the stored image's own (already de-identified) UIDs map to themselves."""

    def __init__(self, secret: str, known: set[str]) -> None:
        super().__init__(secret)
        self._known = known

    def uid(self, original: str) -> str:
        s = str(original).strip()
        return s if s in self._known else super().uid(s)


def _image_uids(geometry: ImageGeometry | None) -> set[str]:
    if geometry is None:
        return set()
    uids = {
        *geometry.sop_instance_uids,
        geometry.frame_of_reference_uid,
        geometry.study_instance_uid,
        geometry.series_instance_uid,
    }
    return uids - {""}


def image_geometry(dicom_bytes: bytes) -> ImageGeometry:
    """The geometry and UIDs of a stored (de-identified) image (one DICOM file or a zip of echo files), for checking
    DICOM SEG / RTSTRUCT uploads against it (:func:`ingest_contours`) and exporting contours on it."""
    return geometry_from_bytes(dicom_bytes)


def _deidentified_contours(
    upload: UploadedFile, cs: ContourSet, geometry: ImageGeometry | None, mapper: UidMapper, field: str
) -> None:
    """Replace an accepted DICOM SEG / RTSTRUCT upload's content by a de-identified file of the same contours.

    The file stored is MyoQA's own SEG or RTSTRUCT of the contours read (the
    writers :func:`backend.cmr.dicom_contours.seg_bytes` / :func:`~backend.cmr.dicom_contours.rtstruct_bytes`) on
    the stored image, so it references the stored image's UIDs and copies only its de-identified patient and study
    attributes: the de-identification profile would remove the very references (Source Image Sequence) and names
    (ROI Name) that make the file readable, and keeping them would keep the uploader's free text. Without the
    image's geometry the upload is de-identified by the profile instead (:func:`_deidentified_bytes`).
    """
    from backend.cmr.contours import lv_regions
    from backend.cmr.dicom_contours import rtstruct_bytes, seg_bytes

    if geometry is None:
        upload.seek(0)
        ds = pydicom.dcmread(io.BytesIO(upload.read()))
        blob = _deidentified_bytes(ds, mapper, upload_file_name(upload.name, "contours.dcm"), field)
    elif "RTSTRUCT" in cs.source and cs.has_polygons:
        assert cs.endocardium is not None and cs.epicardium is not None
        blob = rtstruct_bytes(
            geometry, endocardium=cs.endocardium, epicardium=cs.epicardium, series_description="Uploaded contours"
        )
    else:
        reg = lv_regions(cs, geometry.shape)
        blob = seg_bytes(
            geometry,
            myocardium=reg.myocardium,
            cavity=reg.cavity,
            endocardium=cs.endocardium if cs.has_polygons else None,
            epicardium=cs.epicardium if cs.has_polygons else None,
            series_description="Uploaded contours",
        )
    upload.file = io.BytesIO(blob)
    upload.size = len(blob)


def ingest_contours(
    upload: UploadedFile | None,
    *,
    image_shape: tuple[int, int],
    field: str,
    who: str = "contours",
    pixel_spacing_mm: tuple[float, float] | None = None,
    geometry: ImageGeometry | Callable[[], ImageGeometry] | None = None,
) -> ContourSet:
    """Validate a contour upload (IDL SAV, DICOM SEG / RTSTRUCT, JSON polygons, .npy or .png mask) against the image.

    A DICOM SEG or RTSTRUCT must reference the image ``geometry`` describes (the stored, de-identified image): a
    reference to the de-identified UIDs matches as it is, a reference to the scanner's original UIDs matches through
    the site's de-identification mapping (``MYOQA_DEID_SECRET``: the stored UIDs are HMACs of the originals, so the
    original's mapping equals the stored UID). An accepted DICOM upload's content is then replaced by a de-identified
    SEG / RTSTRUCT of the same contours on the stored image (:func:`_deidentified_contours`), so that what the caller
    stores holds no original header.

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
    geometry : ImageGeometry or a callable returning one, optional
        The stored image's geometry and UIDs (:func:`image_geometry`), for DICOM contour uploads (a callable is only
        called for one); without it an RTSTRUCT is refused and a SEG is only checked against the image's shape.

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
        raise UploadError(
            f"Please choose {whose} file (IDL SAV, DICOM SEG or RTSTRUCT, JSON polygons, or a .npy/.png mask).", field
        )
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
        if callable(geometry):
            with path.open("rb") as f:
                geometry = geometry() if f.read(132)[128:132] == b"DICM" else None
        known = _image_uids(geometry)
        mapper = _KnownUidMapper(settings.DEID_SECRET, known)
        try:
            cs = read_contours(
                path,
                image_shape=image_shape,
                names=settings.CMR_SAV_NAMES,
                max_bytes=limit,
                timeout_s=settings.CMR_PARSE_TIMEOUT_S,
                validate=pixel_spacing_mm is None,
                geometry=geometry,
                uid_alias=mapper.uid,
                dicom_names=settings.CMR_DICOM_CONTOUR_NAMES,
            )
            if pixel_spacing_mm is not None:
                validate_contour_set(cs, image_shape, pixel_spacing_mm=pixel_spacing_mm)
            if cs.source.startswith("DICOM "):
                _deidentified_contours(upload, cs, geometry, mapper, field)
        except CMRError as exc:
            raise UploadError(f"{who[0].upper()}{who[1:]}: {exc}", field) from None
        return cs
