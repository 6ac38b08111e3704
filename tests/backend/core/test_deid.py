"""De-identification on ingest, on real DICOM: nothing identifying remains, UIDs are replaced consistently."""

from __future__ import annotations

import io
import zipfile

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.cases.ingest import ingest_image
from backend.core.deid import UidMapper, deidentify
from tests.conftest import shared_path


def _all_values(ds: pydicom.Dataset) -> list[str]:
    out = []
    for elem in ds.iterall():
        if elem.VR not in ("OB", "OW", "OF", "SQ", "UN"):
            out.append(str(elem.value))
    return out


def _uids(ds: pydicom.Dataset) -> set[str]:
    return {str(e.value) for e in ds.iterall() if e.VR == "UI" and e.value}


def test_a_real_sunnybrook_frame_keeps_no_name_id_date_or_original_uid():
    path = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    original = pydicom.dcmread(path)
    ing = ingest_image([SimpleUploadedFile("59.dcm", path.read_bytes())])
    ds = pydicom.dcmread(io.BytesIO(ing.dicom_bytes))
    values = " ".join(_all_values(ds))
    assert str(original.PatientID) not in values
    assert str(ds.PatientName) == "ANONYMOUS" and ds.PatientIdentityRemoved == "YES"
    assert not [e for e in ds.iterall() if e.VR in ("DA", "DT", "TM")]
    assert not [e for e in ds.iterall() if e.tag.is_private]
    old_uids = {u for u in _uids(original) if not u.startswith("1.2.840.10008.")}
    assert old_uids and not (old_uids & _uids(ds))
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    # The analysis still reads it the same way (same pixels, same geometry).
    assert (ds.pixel_array == original.pixel_array).all()
    assert [float(v) for v in ds.PixelSpacing] == [float(v) for v in original.PixelSpacing]


def test_two_echoes_of_a_real_ge_series_share_one_new_series_uid():
    folder = shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")
    files = [
        p
        for p in sorted(folder.glob("*.dcm"))
        if abs(float(pydicom.dcmread(p, stop_before_pixels=True).SliceLocation) + 29.09) < 0.01
    ]
    assert len(files) == 12
    originals = [pydicom.dcmread(p, stop_before_pixels=True) for p in files]
    ing = ingest_image([SimpleUploadedFile(p.name, p.read_bytes()) for p in files])
    with zipfile.ZipFile(io.BytesIO(ing.dicom_bytes)) as z:
        echoes = [pydicom.dcmread(io.BytesIO(z.read(n))) for n in sorted(z.namelist())]
    assert len(echoes) == 12
    series = {e.SeriesInstanceUID for e in echoes}
    assert len(series) == 1 and series.pop() != originals[0].SeriesInstanceUID
    assert len({e.SOPInstanceUID for e in echoes}) == 12
    assert [float(e.EchoTime) for e in echoes] == sorted(float(o.EchoTime) for o in originals)
    for e in echoes:
        assert "PatientBirthDate" not in e and str(originals[0].PatientID) not in str(e.PatientID)
        assert (0x0043, 0x102F) not in e  # the GE private tag was read before and dropped


def test_uid_replacement_is_consistent_and_keeps_dicom_defined_uids():
    m = UidMapper("site-secret")
    assert m.uid("1.2.3.4") == m.uid("1.2.3.4") != m.uid("1.2.3.5")
    assert m.uid("1.2.3.4") != UidMapper("other-site").uid("1.2.3.4")
    assert m.uid("1.2.840.10008.5.1.4.1.1.4") == "1.2.840.10008.5.1.4.1.1.4"  # MR Image Storage
    assert m.uid("1.2.3.4").startswith("2.25.") and len(m.uid("1.2.3.4")) <= 64


def test_names_inside_sequences_are_removed():
    ds = pydicom.Dataset()
    ds.PatientID = "P1"
    item = pydicom.Dataset()
    item.PerformingPhysicianName = "Dr^Who"
    item.ReferencedSOPInstanceUID = "1.2.3"
    ds.RequestingServiceCodeSequence = [item]  # not in the removal list: only its content is cleaned
    deidentify(ds, UidMapper("s"))
    inner = ds.RequestingServiceCodeSequence[0]
    assert "PerformingPhysicianName" not in inner
    assert inner.ReferencedSOPInstanceUID != "1.2.3"
    assert ds.PatientID.startswith("MYOQA-")


@pytest.mark.django_db
def test_the_stored_case_dicom_is_the_deidentified_one(case, supervisor):
    from tests.backend.conftest import ApiClient

    r = ApiClient(supervisor).get(f"/api/cases/{case.pk}/dicom")
    data = b"".join(r.streaming_content)
    ds = pydicom.dcmread(io.BytesIO(data))
    assert ds.PatientIdentityRemoved == "YES" and "REAL-PATIENT-42" not in str(ds.PatientID)
