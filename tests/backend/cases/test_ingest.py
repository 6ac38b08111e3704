"""backend.cases.ingest: uploads validated once, and messages that name the user's own file, never a temporary one."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_dataset

from backend.cases.ingest import ingest_contours, ingest_image, upload_file_name
from backend.cmr.phantom import lv_phantom, write_t2star_series
from backend.core.api import UploadError
from tests.backend.conftest import dicom_upload

_INTERNAL = re.compile(r"contours\.upload|image-\d{4}|myoqa-|/tmp/|mask mask|the your|\w*Error\b")


def _message(fn) -> str:
    with pytest.raises(UploadError) as err:
        fn()
    msg = str(err.value)
    assert not _INTERNAL.search(msg), msg
    return msg


def _png(shape: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.zeros(shape, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_it_names_the_users_contour_file_not_the_temporary_one():
    upload = SimpleUploadedFile("my mask (v2).png", _png((128, 128)))
    msg = _message(lambda: ingest_contours(upload, image_shape=(256, 256), field="contours", who="your contours"))
    assert msg.startswith("Your contours: The mask in my mask (v2).png is 128x128 (rows x columns)")


def test_it_explains_a_truncated_sav_upload_without_internal_names():
    upload = SimpleUploadedFile("contours.sav", b"SR\x00\x04\x00\x00\x00")
    msg = _message(lambda: ingest_contours(upload, image_shape=(256, 256), field="contours", who="your contours"))
    assert "The SAV file is truncated or damaged and could not be read (it ends in the middle of a record)" in msg
    assert "struct" not in msg


def test_it_asks_for_a_missing_contour_file_in_plain_words():
    mine = _message(lambda: ingest_contours(None, image_shape=(256, 256), field="contours", who="your contours"))
    assert mine == "Please choose your contours file (IDL SAV, or a .npy/.png mask)."
    gold = _message(
        lambda: ingest_contours(None, image_shape=(256, 256), field="gold_standard", who="gold-standard contours")
    )
    assert gold == "Please choose the gold-standard contours file (IDL SAV, or a .npy/.png mask)."


def test_it_names_the_users_image_file_not_the_temporary_one():
    msg = _message(lambda: ingest_image([SimpleUploadedFile("scan 12.dcm", b"hello, not DICOM")]))
    assert msg.startswith("'scan 12.dcm' is not a DICOM file (it looks like a text file)")


def test_two_uploads_with_the_same_name_are_both_read(tmp_path):
    ph = lv_phantom()
    files = write_t2star_series(tmp_path / "s", ph, echo_times_ms=(2.0, 5.0, 8.0))
    uploads = [SimpleUploadedFile("echo.dcm", p.read_bytes()) for p in files]
    image = ingest_image(uploads).image
    assert image.pixels.shape[0] == 3


def test_a_zip_of_echoes_without_the_zip_extension_is_read_and_deidentified(tmp_path):
    ph = lv_phantom()
    files = write_t2star_series(tmp_path / "s", ph, echo_times_ms=(2.0, 5.0, 8.0))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in files:
            z.write(p, p.name)
    ingested = ingest_image([SimpleUploadedFile("echoes", buf.getvalue())])
    with zipfile.ZipFile(io.BytesIO(ingested.dicom_bytes)) as z:
        assert len(z.namelist()) == 3


def test_an_image_without_the_dicom_preamble_is_deidentified_too(tmp_path):
    upload = dicom_upload(lv_phantom(), tmp_path)
    ds = pydicom.dcmread(io.BytesIO(upload.read()))
    buf = DicomFileLike(io.BytesIO())
    buf.is_little_endian, buf.is_implicit_VR = True, True
    write_dataset(buf, ds)  # no 128-byte preamble, no "DICM", no group 0002: as old ACR-NEMA-style exports
    data = buf.parent.getvalue()
    assert data[:2] == b"\x08\x00"
    ingested = ingest_image([SimpleUploadedFile("bare.dcm", data)])
    assert pydicom.dcmread(io.BytesIO(ingested.dicom_bytes)).PatientID != "REAL-PATIENT-42"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("59.dcm", "59.dcm"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Series.ZIP", "Series.zip"),
        (".hidden.sav", "hidden.sav"),
        ("a<b>|c?.sav", "a_b__c_.sav"),
        ("", "fallback"),
        (None, "fallback"),
        ("???", "fallback"),
    ],
)
def test_upload_file_names_keep_the_users_base_name_made_safe(name, expected):
    assert upload_file_name(name, "fallback") == expected


def test_a_long_upload_file_name_is_cut_to_120_bytes_keeping_its_extension():
    safe = upload_file_name("é" * 200 + ".dcm", "x")
    assert safe.endswith(".dcm") and len(safe.encode()) <= 120
