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
from tests.conftest import shared_path

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
    assert (
        mine == "Please choose your contours file (IDL SAV, DICOM SEG or RTSTRUCT, JSON polygons, or a .npy/.png mask)."
    )
    gold = _message(
        lambda: ingest_contours(None, image_shape=(256, 256), field="gold_standard", who="gold-standard contours")
    )
    assert (
        gold
        == "Please choose the gold-standard contours file (IDL SAV, DICOM SEG or RTSTRUCT, JSON polygons, or a .npy/.png mask)."
    )


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


# --------------------------------------------------------------------------------------------------------------
# Damaged and hostile uploads (issue 13): each is refused with a sentence naming the user's file, never a 500.
# Inputs are made here from the real files in ../shared/data (Sunnybrook cine frame: Explicit VR Little Endian,
# 256 x 256 x 16 bit, 131 kB; GE multi-echo magnitude series: Implicit VR Little Endian).

SUNNYBROOK = ("scd-sunnybrook", "dicoms", "SCD0000101", "219.dcm")
GE_FOLDER = ("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")


def sunnybrook_bytes() -> bytes:
    return shared_path(*SUNNYBROOK).read_bytes()


def ge_echo_files(n: int = 3) -> list[tuple[str, bytes]]:
    """The first ``n`` echoes (by echo time) of the GE series' slice nearest the first file's, as (name, bytes)."""
    folder = shared_path(*GE_FOLDER)
    headers = [(p, pydicom.dcmread(p, stop_before_pixels=True)) for p in sorted(folder.iterdir())]
    loc = float(headers[0][1].SliceLocation)
    same = sorted((float(h.EchoTime), p) for p, h in headers if abs(float(h.SliceLocation) - loc) < 0.01)
    return [(p.name, p.read_bytes()) for _, p in same[:n]]


def with_header(data: bytes, **changes) -> bytes:
    """``data`` re-written by pydicom with header attributes set as given, valid or not (None deletes one)."""
    ds = pydicom.dcmread(io.BytesIO(data))
    with pydicom.config.disable_value_validation():
        for keyword, value in changes.items():
            if value is None:
                delattr(ds, keyword)
            else:
                setattr(ds, keyword, value)
        buf = io.BytesIO()
        ds.save_as(buf)
    return buf.getvalue()


def with_raw_value(data: bytes, group: int, element: int, value: bytes) -> bytes:
    """Replace an element's value bytes (and its length) as written, even when odd-length or not of its VR.

    The element is found by its tag; Explicit VR (short form: 2-byte length after the VR) or Implicit VR (4-byte
    length after the tag) Little Endian, as the file is written.
    """
    tag = group.to_bytes(2, "little") + element.to_bytes(2, "little")
    i = data.find(tag, 132)
    assert i > 0, (hex(group), hex(element))
    if data[i + 4 : i + 6].isalpha() and data[i + 4 : i + 6].isupper():  # explicit VR, short form
        start, size = i + 6, 2
    else:
        start, size = i + 4, 4
    old = int.from_bytes(data[start : start + size], "little")
    return data[:start] + len(value).to_bytes(size, "little") + value + data[start + size + old :]


def zip_of(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def damaged_deflate_zip() -> bytes:
    """A zip whose only member's deflate stream is overwritten in its middle: zipfile raises ``zlib.error``."""
    data = bytearray(zip_of([("frame.dcm", sunnybrook_bytes())]))
    start = 30 + len("frame.dcm")  # local file header, then the compressed stream
    data[start + 200 : start + 240] = b"\xff" * 40
    return bytes(data)


def garbage_vr() -> bytes:
    data = sunnybrook_bytes()
    i = data.find(b"\x08\x00\x60\x00CS", 132)  # Modality
    return data[: i + 4] + b"ZZ" + data[i + 6 :]  # pydicom: NotImplementedError (unknown VR)


def group_0002_in_dataset() -> bytes:
    """Source Application Entity Title (0002,0016) written as the first element of the data set itself (pydicom
    refuses to write that, a faulty tool does not)."""
    data = sunnybrook_bytes()
    meta_end = 132 + 12 + int.from_bytes(data[140:144], "little")  # (0002,0000) UL group length, then the group
    first = meta_end + 12  # after (0008,0000) UL: pydicom reads on into the data set
    assert data[meta_end : meta_end + 6] == b"\x08\x00\x00\x00UL"
    return data[:first] + b"\x02\x00\x16\x00AE\x08\x00PLANTED " + data[first:]


def ge_series_with_echo_time(value: str) -> list[tuple[str, bytes]]:
    files = ge_echo_files(3)
    name, data = files[1]
    return [files[0], (name, with_raw_value(data, 0x0018, 0x0081, value.encode())), files[2]]


# Each case: the uploads (name, bytes) and a phrase the refusal must hold; every refusal names the (first) file.
BAD_UPLOADS = {
    "damaged_deflate_stream_in_a_zip_member": (
        lambda: [("series.zip", damaged_deflate_zip())],
        "'frame.dcm' in the zip archive 'series.zip' cannot be extracted",
    ),
    "garbage_vr_byte": (lambda: [("scan.dcm", garbage_vr())], "'scan.dcm' is a damaged DICOM file"),
    "echo_time_abc_in_one_file": (
        lambda: [("scan.dcm", with_raw_value(sunnybrook_bytes(), 0x0018, 0x0081, b"abc "))],
        "'scan.dcm' has an Echo Time of 'abc', which is not a number",
    ),
    "echo_time_abc_in_a_series": (lambda: ge_series_with_echo_time("abc "), "has an Echo Time of 'abc'"),
    "odd_length_rows": (
        lambda: [("scan.dcm", with_raw_value(sunnybrook_bytes(), 0x0028, 0x0010, b"\x00\x01\x00"))],
        "'scan.dcm' is a damaged DICOM file",
    ),
    "odd_length_samples_per_pixel": (
        lambda: [("scan.dcm", with_raw_value(sunnybrook_bytes(), 0x0028, 0x0002, b"\x01\x00\x00"))],
        "'scan.dcm' is a damaged DICOM file",
    ),
    "two_values_of_samples_per_pixel": (
        lambda: [("scan.dcm", with_raw_value(sunnybrook_bytes(), 0x0028, 0x0002, b"\x01\x00\x01\x00"))],
        "'scan.dcm' has an invalid Samples per Pixel (several values); expected one whole number",
    ),
    "group_0002_element_inside_the_dataset": (
        lambda: [("scan.dcm", group_0002_in_dataset())],
        "'scan.dcm' has file meta or command elements (group 0002 or 0000) inside its image data set",
    ),
    "pixel_spacing_1e308": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), PixelSpacing=["1e308", "1e308"]))],
        "'scan.dcm' has a Pixel Spacing of 1e+308 x 1e+308 mm, outside the 0.05 to 10 mm per pixel",
    ),
    "pixel_spacing_1e-300": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), PixelSpacing=["1e-300", "1.3"]))],
        "'scan.dcm' has a Pixel Spacing of 1e-300 x 1.3 mm, outside the 0.05 to 10 mm per pixel",
    ),
    "rescale_slope_infinite": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), RescaleSlope="inf", RescaleIntercept="0"))],
        "'scan.dcm' has an invalid Rescale Slope ('inf'); expected a finite number",
    ),
    "rescale_slope_overflowing": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), RescaleSlope="1e308", RescaleIntercept="0"))],
        "The pixel values of 'scan.dcm' are not all finite numbers after its rescale",
    ),
    "rows_below_the_matrix_bound": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), Rows=8))],
        "'scan.dcm' has an image of 8 x 256 pixels; expected an MR image of 16 to 4096 rows and columns",
    ),
    "burned_in_annotation": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), BurnedInAnnotation="YES"))],
        "'scan.dcm': this image has text burned into its pixels (Burned In Annotation = YES), which may identify "
        "the patient; export it without annotations.",
    ),
    "number_of_frames_bomb": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), NumberOfFrames=3_000_000))],
        "The upload holds more than 2048 images (frames) ('scan.dcm' alone declares 3000000 frames)",
    ),
    "number_of_frames_beyond_the_pixel_data": (
        lambda: [("scan.dcm", with_header(sunnybrook_bytes(), NumberOfFrames=40))],
        "'scan.dcm' is truncated: its pixel data holds 131072 of the 5242880 bytes that 256 x 256 pixels in 40 "
        "frames need",
    ),
}


def bad_upload(key: str) -> tuple[list[SimpleUploadedFile], str]:
    make, phrase = BAD_UPLOADS[key]
    return [SimpleUploadedFile(name, data) for name, data in make()], phrase


@pytest.mark.parametrize("key", sorted(BAD_UPLOADS))
def test_a_damaged_or_hostile_image_is_refused_in_a_sentence_naming_the_file(key):
    uploads, phrase = bad_upload(key)
    msg = _message(lambda: ingest_image(uploads))
    assert phrase in msg
    assert "\n" not in msg and not re.search(r"\b(zlib|struct|pydicom|NotImplemented|Traceback)\b", msg), msg


@pytest.mark.parametrize("preamble", [bytes(128), b"PK\x03\x04" + bytes(124)], ids=["zeros", "zip-like"])
@pytest.mark.parametrize("name", ["scan.zip", "SCAN.ZIP"])
def test_a_dicom_file_named_like_a_zip_is_read_as_dicom_and_deidentified(name, preamble):
    ing = ingest_image([SimpleUploadedFile(name, preamble + sunnybrook_bytes()[128:])])
    assert ing.content_type == "application/dicom" and ing.image.shape == (256, 256)
    assert pydicom.dcmread(io.BytesIO(ing.dicom_bytes)).PatientIdentityRemoved == "YES"


def test_a_deflated_dicom_is_read_and_its_deidentified_copy_reads_back():
    ds = pydicom.dcmread(io.BytesIO(sunnybrook_bytes()))
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=True)
    plain = ingest_image([SimpleUploadedFile("plain.dcm", buf.getvalue())])
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    buf = io.BytesIO()
    ds.save_as(buf)
    ing = ingest_image([SimpleUploadedFile("deflated.dcm", buf.getvalue())])
    np.testing.assert_array_equal(ing.image.pixels, plain.image.pixels)
    assert pydicom.dcmread(io.BytesIO(ing.dicom_bytes)).Rows == 256


def test_a_damaged_deflated_dicom_is_refused_naming_the_file():
    ds = pydicom.dcmread(io.BytesIO(sunnybrook_bytes()))
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    buf = io.BytesIO()
    ds.save_as(buf)
    data = bytearray(buf.getvalue())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    msg = _message(lambda: ingest_image([SimpleUploadedFile("deflated.dcm", bytes(data))]))
    assert msg.startswith("'deflated.dcm' ") and "export it again" in msg
    cut = _message(lambda: ingest_image([SimpleUploadedFile("cut.dcm", bytes(data[: len(data) // 3]))]))
    assert cut.startswith("'cut.dcm' is a damaged DICOM file")


def test_the_stored_image_carries_the_new_uids_and_no_free_text_of_the_original_header():
    from backend.cmr.dicom import image_from_bytes, image_to_bytes

    original = pydicom.dcmread(io.BytesIO(sunnybrook_bytes()))
    planted = with_header(sunnybrook_bytes(), ImageComments="PLANTED-COMMENT Jane Doe", SeriesDescription="CINE SAX")
    ing = ingest_image([SimpleUploadedFile("scan.dcm", planted)])
    served = pydicom.dcmread(io.BytesIO(ing.dicom_bytes))
    stored = image_to_bytes(ing.image)
    back = image_from_bytes(stored)
    assert back.series_instance_uid == str(served.SeriesInstanceUID) != str(original.SeriesInstanceUID)
    assert back.sop_instance_uids == (str(served.SOPInstanceUID),)
    assert back.description == str(served.get("SeriesDescription", "") or "")
    with zipfile.ZipFile(io.BytesIO(stored)) as z:
        meta = z.read("meta.npy")
    for secret in (b"PLANTED-COMMENT", b"Jane Doe", str(original.SOPInstanceUID).encode()):
        assert secret not in meta


def test_the_echoes_of_a_series_are_stored_in_echo_order_under_their_new_uids():
    files = ge_echo_files(3)
    ing = ingest_image([SimpleUploadedFile(name, data) for name, data in reversed(files)])
    with zipfile.ZipFile(io.BytesIO(ing.dicom_bytes)) as z:
        served = [pydicom.dcmread(io.BytesIO(z.read(n))) for n in sorted(z.namelist())]
    assert [float(ds.EchoTime) for ds in served] == list(ing.image.echo_times_ms)
    assert ing.image.sop_instance_uids == tuple(str(ds.SOPInstanceUID) for ds in served)
    originals = {str(pydicom.dcmread(io.BytesIO(d)).SOPInstanceUID) for _, d in files}
    assert not originals & set(ing.image.sop_instance_uids)
