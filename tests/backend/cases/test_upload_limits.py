"""Upload bounds (issue 13): hostile images are refused with a 400 naming the file, before anything large is
allocated, through both upload endpoints, leaving no row and no file behind.

Resource tests assert memory (``tracemalloc`` peak), never time: speed goals belong to ``bench/``.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
import zlib

import pydicom
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom.encaps import encapsulate

from backend.cases.ingest import ingest_image
from backend.cmr.phantom import lv_phantom
from backend.core.api import UploadError
from tests.backend.cases.test_ingest import BAD_UPLOADS, bad_upload, sunnybrook_bytes, with_header
from tests.backend.conftest import media_files, sav_upload

MB = 1_000_000


def stored_rows() -> int:
    """Rows of every model that an upload writes (cases, references, submissions, evaluations, stored files)."""
    return sum(
        m.objects.count() for label in ("cases", "submissions", "core") for m in apps.get_app_config(label).get_models()
    )


def refusal(fn) -> str:
    with pytest.raises(UploadError) as err:
        fn()
    return str(err.value)


def _gold():
    ph = lv_phantom(shape=(256, 256), pixel_spacing_mm=(1.37, 1.37), seed=3)
    return sav_upload(ph.endocardium, ph.epicardium, "gold.sav")


def post_case(api, supervisor, dataset, uploads):
    return api(supervisor).post(
        "/api/cases/", {"dataset": dataset.pk, "title": "t", "image": uploads, "gold_standard": _gold()}, json=False
    )


def post_practice(api, trainee, uploads):
    return api(trainee).post("/api/practice/", {"image": uploads, "contours": _gold()}, json=False)


def assert_refused_naming(response, name: str, phrase: str = "") -> None:
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert f"'{name}" in detail and phrase in detail, detail
    assert "Error" not in detail and "Traceback" not in detail


@pytest.mark.parametrize("endpoint", ["cases", "practice"])
@pytest.mark.parametrize("key", sorted(BAD_UPLOADS))
def test_every_hostile_image_is_a_400_naming_the_file_with_no_row_or_file_left(
    api, supervisor, trainee_a, dataset, endpoint, key
):
    uploads, phrase = bad_upload(key)
    rows, files = stored_rows(), len(media_files())
    r = post_case(api, supervisor, dataset, uploads) if endpoint == "cases" else post_practice(api, trainee_a, uploads)
    assert_refused_naming(r, "", phrase)
    assert stored_rows() == rows and len(media_files()) == files


def test_the_number_of_frames_bomb_is_refused_before_any_pixel_is_allocated():
    data = with_header(sunnybrook_bytes(), NumberOfFrames=3_000_000)  # 131 kB declaring 393 GB of pixels
    upload = SimpleUploadedFile("bomb.dcm", data)
    tracemalloc.start()
    try:
        msg = refusal(lambda: ingest_image([upload]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert msg.startswith("The upload holds more than 2048 images (frames) ('bomb.dcm' alone declares 3000000")
    assert peak < 5 * MB, f"{peak / MB:.1f} MB"


def test_frames_that_fit_the_frame_bound_but_not_the_file_are_refused_before_allocation():
    data = with_header(sunnybrook_bytes(), NumberOfFrames=2000)  # 2000 x 128 kB = 262 MB declared, 131 kB present
    tracemalloc.start()
    try:
        msg = refusal(lambda: ingest_image([SimpleUploadedFile("frames.dcm", data)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "'frames.dcm' is truncated: its pixel data holds 131072 of the 262144000 bytes" in msg
    assert peak < 5 * MB, f"{peak / MB:.1f} MB"


def test_compressed_pixel_data_declaring_more_than_the_budget_is_refused_before_decoding(settings):
    ds = pydicom.dcmread(io.BytesIO(sunnybrook_bytes()))
    ds.file_meta.TransferSyntaxUID = pydicom.uid.RLELossless
    ds.NumberOfFrames = 2000  # 262 MB decoded from a few bytes of fragments
    ds.PixelData = encapsulate([b"\x00" * 64] * 4)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    buf = io.BytesIO()
    ds.save_as(buf)
    msg = refusal(lambda: ingest_image([SimpleUploadedFile("rle.dcm", buf.getvalue())]))
    assert msg.startswith("'rle.dcm' declares compressed pixel data that decodes to 262.1 MB, more than")


def deflate_bomb(inflated_pixel_bytes: int) -> bytes:
    """A Deflated Explicit VR Little Endian file: the Sunnybrook header, then Pixel Data of ``inflated_pixel_bytes``
    zeros, deflated in 1 MB chunks (never held whole)."""
    ds = pydicom.dcmread(io.BytesIO(sunnybrook_bytes()))
    del ds.PixelData
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    plain = io.BytesIO()
    ds.save_as(plain)  # header only, deflated
    raw = plain.getvalue()
    meta_end = 132 + 12 + int.from_bytes(raw[140:144], "little")
    header = zlib.decompress(raw[meta_end:], -zlib.MAX_WBITS)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [raw[:meta_end], deflater.compress(header)]
    parts.append(deflater.compress(b"\xe0\x7f\x10\x00OW\x00\x00" + inflated_pixel_bytes.to_bytes(4, "little")))
    chunk = bytes(MB)
    for _ in range(inflated_pixel_bytes // MB):
        parts.append(deflater.compress(chunk))
    parts.append(deflater.flush())
    return b"".join(parts)


def test_a_deflated_dicom_inflating_past_the_upload_limit_is_refused_without_inflating_it_whole(settings):
    data = deflate_bomb(300 * MB)
    assert len(data) < 400_000  # ~300 kB on disk (the measured file was 293 kB)
    upload = SimpleUploadedFile("deflated.dcm", data)
    tracemalloc.start()
    try:
        msg = refusal(lambda: ingest_image([upload]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    limit = settings.CMR_MAX_UPLOAD_BYTES / MB
    assert msg.startswith(f"'deflated.dcm' is a deflated DICOM file that inflates to more than {limit:.1f} MB")
    assert peak < 16 * MB, f"{peak / MB:.1f} MB"


def streamed_zip(members: list[tuple[str, int]], real: list[tuple[str, bytes]]) -> bytes:
    """A zip with members of ``size`` zero bytes (written in 1 MB chunks) and the ``real`` members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in real:
            z.writestr(name, data)
        for name, size in members:
            with z.open(name, "w", force_zip64=True) as m:
                for _ in range(size // MB):
                    m.write(bytes(MB))
    return buf.getvalue()


def test_system_files_in_a_zip_count_in_the_upload_budget_and_are_never_read(settings):
    data = streamed_zip(
        [("__MACOSX/._frame.dcm", 150 * MB), (".DS_Store", 150 * MB)], [("frame.dcm", sunnybrook_bytes())]
    )
    assert len(data) < 2 * MB
    upload = SimpleUploadedFile("series.zip", data)
    tracemalloc.start()
    try:
        msg = refusal(lambda: ingest_image([upload]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert msg.startswith("The upload is 300.1 MB (uncompressed), more than the 200.0 MB allowed")
    assert peak < 8 * MB, f"{peak / MB:.1f} MB"


def test_a_zip_with_small_system_files_is_still_accepted():
    data = streamed_zip(
        [], [("frame.dcm", sunnybrook_bytes()), ("__MACOSX/._frame.dcm", b"\x00" * 4096), (".DS_Store", b"x")]
    )
    assert ingest_image([SimpleUploadedFile("series.zip", data)]).image.shape == (256, 256)


@pytest.mark.parametrize("endpoint", ["cases", "practice"])
def test_the_bombs_are_400s_naming_the_file_through_the_api(api, supervisor, trainee_a, dataset, endpoint):
    bombs = {
        "frames.dcm": with_header(sunnybrook_bytes(), NumberOfFrames=3_000_000),
        "deflated.dcm": deflate_bomb(300 * MB),
    }
    for name, data in bombs.items():
        rows, files = stored_rows(), len(media_files())
        uploads = [SimpleUploadedFile(name, data)]
        r = (
            post_case(api, supervisor, dataset, uploads)
            if endpoint == "cases"
            else post_practice(api, trainee_a, uploads)
        )
        assert_refused_naming(r, name)
        assert stored_rows() == rows and len(media_files()) == files


def test_an_accepted_upload_stores_the_new_uids_in_the_parsed_image(api, supervisor, dataset):
    from backend.cases.models import Case
    from backend.cmr.dicom import image_from_bytes
    from backend.core.storage import file_read

    original = pydicom.dcmread(io.BytesIO(sunnybrook_bytes()))
    planted = with_header(sunnybrook_bytes(), ImageComments="PLANTED-COMMENT")
    r = post_case(api, supervisor, dataset, [SimpleUploadedFile("frame.dcm", planted)])
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    served = pydicom.dcmread(io.BytesIO(file_read(case.dicom_file)))
    stored = image_from_bytes(file_read(case.image_file))
    assert stored.series_instance_uid == str(served.SeriesInstanceUID) != str(original.SeriesInstanceUID)
    assert stored.sop_instance_uids == (str(served.SOPInstanceUID),)
    assert b"PLANTED-COMMENT" not in zipfile.ZipFile(io.BytesIO(file_read(case.image_file))).read("meta.npy")
