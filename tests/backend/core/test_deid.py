"""De-identification on ingest, on real DICOM: nothing identifying remains, UIDs are replaced consistently."""

from __future__ import annotations

import io
import zipfile

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

from backend.cases.ingest import ingest_image
from backend.cmr.errors import CMRError
from backend.core.deid import BurnedInAnnotationError, UidMapper, deidentify
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
    assert not [e for e in ds.iterall() if e.VR in ("DA", "DT", "TM") and not e.is_empty]  # Z: kept empty
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


def test_two_uploads_of_one_image_get_the_same_new_uids_and_patient_pseudonym():
    path = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    original = pydicom.dcmread(path, stop_before_pixels=True)
    first, second = (
        pydicom.dcmread(io.BytesIO(ingest_image([SimpleUploadedFile("59.dcm", path.read_bytes())]).dicom_bytes))
        for _ in range(2)
    )
    for kw in ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID", "FrameOfReferenceUID", "PatientID"):
        assert first[kw].value == second[kw].value != original[kw].value
    assert first.SOPClassUID == original.SOPClassUID == "1.2.840.10008.5.1.4.1.1.4"  # DICOM-defined: kept
    assert first.file_meta.TransferSyntaxUID == pydicom.dcmread(path).file_meta.TransferSyntaxUID


def test_the_patient_pseudonym_is_stable_per_site_and_reveals_nothing():
    m = UidMapper("site-secret")
    assert m.patient_id("REAL-PATIENT-42") == m.patient_id("REAL-PATIENT-42") != m.patient_id("REAL-PATIENT-43")
    assert m.patient_id("REAL-PATIENT-42") != UidMapper("other-site").patient_id("REAL-PATIENT-42")
    assert m.patient_id("REAL-PATIENT-42").startswith("MYOQA-") and "42" not in m.patient_id("REAL-PATIENT-42")[:6]


def test_an_image_with_burned_in_text_is_refused_and_left_unchanged():
    ds = pydicom.dcmread(shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm"))
    ds.BurnedInAnnotation = "YES"
    before = ds.to_json_dict()
    with pytest.raises(BurnedInAnnotationError) as err:
        deidentify(ds, UidMapper("s"))
    assert isinstance(err.value, CMRError)
    assert str(err.value) == (
        "This image has text burned into its pixels (Burned In Annotation = YES), which may identify the patient; "
        "export it from the scanner without annotations."
    )
    assert ds.to_json_dict() == before
    ds.BurnedInAnnotation = "NO"
    assert deidentify(ds, UidMapper("s")).BurnedInAnnotation == "NO"


@pytest.mark.django_db
def test_an_upload_with_burned_in_text_gets_a_400_and_stores_nothing(supervisor, dataset):
    from backend.cases.models import Case
    from tests.backend.conftest import ApiClient, media_files

    ds = pydicom.dcmread(shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm"))
    ds.BurnedInAnnotation = "YES"
    buf = io.BytesIO()
    ds.save_as(buf)
    sav = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    r = ApiClient(supervisor).post(
        "/api/cases/",
        {
            "dataset": str(dataset.pk),
            "title": "burned in",
            "image": SimpleUploadedFile("59.dcm", buf.getvalue()),
            "gold_standard": SimpleUploadedFile("e.sav", sav.read_bytes()),
        },
        json=False,
    )
    assert r.status_code == 400 and "Burned In Annotation = YES" in r.json()["detail"]
    assert not Case.objects.exists() and media_files() == []


def test_file_meta_elements_inside_the_dataset_and_undecodable_elements_are_removed():
    ds = pydicom.dcmread(shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm"))
    ds.add_new(0x00020016, "AE", "SOURCE-AE")  # a group-0002 element where it does not belong
    ds[0x00191010] = RawDataElement(Tag(0x00191010), "LO", 4, b"1234", 0, False, True)  # private
    ds[0x00180015] = RawDataElement(Tag(0x00180015), "ZZ", 4, b"CHST", 0, False, True)  # a garbage VR
    deidentify(ds, UidMapper("s"))
    assert all(e.tag.group != 0x0002 for e in ds) and 0x00180015 not in ds and 0x00191010 not in ds
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    assert b"SOURCE-AE" not in buf.getvalue() and b"CHST" not in buf.getvalue()
