"""DICOM SEG and RTSTRUCT through the app: uploads wherever a SAV is, exports from the API, the commands.

Oracles: the same contours as an IDL SAV upload (the same evaluation), the stored image's UIDs (served by
``GET /api/cases/{id}/dicom``), pydicom / highdicom reading what the API serves, ``dciodvfy``; refusals counted in
rows and files before and after.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings

import numpy as np
import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from backend.cases.models import ReferenceContour
from backend.cmr.contours import ContourSet, lv_regions
from backend.cmr.dicom import read_image
from backend.cmr.dicom_contours import geometry_from_bytes, geometry_from_datasets, rtstruct_bytes, seg_bytes
from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.core.models import StoredFile
from backend.core.storage import file_read
from backend.submissions.models import EvaluationStatus, Submission
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, dicom_upload, grow, media_files, sav_upload
from tests.conftest import shared_path

pytestmark = pytest.mark.django_db
warnings.filterwarnings("ignore", category=UserWarning, module="pydicom")


def _case_geometry(client: ApiClient, case_id: int):
    r = client.get(f"/api/cases/{case_id}/dicom")
    assert r.status_code == 200
    return geometry_from_bytes(b"".join(r.streaming_content))


def _seg_upload(g, endo, epi, name="contours-seg.dcm", fractional=True) -> SimpleUploadedFile:
    cs = ContourSet(endo, epi)
    reg = lv_regions(cs, g.shape)
    data = seg_bytes(
        g,
        myocardium=reg.myocardium,
        cavity=reg.cavity,
        endocardium=endo if fractional else None,
        epicardium=epi if fractional else None,
    )
    return SimpleUploadedFile(name, data, content_type="application/dicom")


def _rt_upload(g, endo, epi, name="contours-rt.dcm") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, rtstruct_bytes(g, endocardium=endo, epicardium=epi), content_type="application/dicom"
    )


def _submit(client, case_id, upload):
    return client.post("/api/submissions/", {"case": str(case_id), "contours": upload}, json=False)


def _counts():
    return Submission.objects.count(), StoredFile.objects.count(), ReferenceContour.objects.count(), len(media_files())


def test_a_trainee_uploads_an_rtstruct_drawn_on_the_case_dicom_and_gets_the_sav_evaluation(case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    g = _case_geometry(c, case.pk)  # drawn on the downloaded, de-identified DICOM
    epi = grow(phantom.epicardium, phantom.centre, 2.0)
    r_rt = _submit(c, case.pk, _rt_upload(g, phantom.endocardium, epi))
    assert r_rt.status_code == 201, r_rt.content
    r_sav = _submit(c, case.pk, sav_upload(phantom.endocardium, epi))
    a, b = evaluation_run(submission_id=r_rt.json()["id"]), evaluation_run(submission_id=r_sav.json()["id"])
    assert a.status == b.status == EvaluationStatus.DONE, (a.error, b.error)
    for s in ("myocardium", "endocardium", "epicardium"):
        # The SAV holds float32 coordinates, the RTSTRUCT float64: the same to well under a micrometre.
        assert a.summary["agreement"][s]["dice"] == pytest.approx(b.summary["agreement"][s]["dice"], abs=1e-4)
        assert a.summary["agreement"][s]["hausdorff_mm"] == pytest.approx(
            b.summary["agreement"][s]["hausdorff_mm"], abs=1e-3
        )
    assert a.source_file.download_name.endswith(".dcm")


def test_a_seg_made_on_the_original_image_matches_the_de_identified_case(
    supervisor, dataset, trainee_a, phantom, tmp_path
):
    """The trainee segmented the scanner's file (original UIDs and Patient ID); the case stores it de-identified."""
    from backend.cases.services import case_create

    original = write_map_dicom(
        tmp_path / "orig" / "t1.dcm", t1_map_pixels(phantom, seed=11), phantom, quantity="t1", patient_id="REAL-42"
    )
    case = case_create(
        user=supervisor,
        dataset=dataset,
        title="T1",
        image_files=[SimpleUploadedFile("t1.dcm", original.read_bytes())],
        gold_standard=sav_upload(phantom.endocardium, phantom.epicardium, "gold.sav"),
    )
    g_orig = geometry_from_datasets(read_image(original).datasets)
    c = ApiClient(trainee_a)
    g_case = _case_geometry(c, case.pk)
    assert g_case.sop_instance_uids != g_orig.sop_instance_uids  # de-identified: the UIDs were replaced
    r = _submit(c, case.pk, _seg_upload(g_orig, phantom.endocardium, phantom.epicardium))
    assert r.status_code == 201, r.content
    sub = evaluation_run(submission_id=r.json()["id"])
    assert sub.status == EvaluationStatus.DONE
    assert sub.summary["agreement"]["myocardium"]["dice"] == 1.0
    assert sub.summary["agreement"]["epicardium"]["hausdorff_mm"] < 0.75 * 1.5
    # What is stored is de-identified (MyoQA's re-export of the contours on the stored image) and references it.
    stored = pydicom.dcmread(io.BytesIO(file_read(Submission.objects.get().source_file)))
    assert stored.PatientID != "REAL-42" and "REAL-42" not in str(stored)
    src = stored.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0]
    assert src.ReferencedSOPInstanceUID == g_case.sop_instance_uids[0]
    assert stored.FrameOfReferenceUID == g_case.frame_of_reference_uid


@pytest.mark.parametrize("bad", ["another_image", "no_rois", "malformed_seg", "another_grid"])
def test_a_bad_dicom_contour_upload_gets_a_400_with_a_clear_message_and_stores_nothing(
    case, trainee_a, phantom, tmp_path, bad
):
    c = ApiClient(trainee_a)
    g = _case_geometry(c, case.pk)
    if bad == "another_image":
        ph2 = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=12)
        p2 = write_map_dicom(tmp_path / "other" / "t1.dcm", t1_map_pixels(ph2, seed=12), ph2, quantity="t1")
        up = _seg_upload(geometry_from_datasets(read_image(p2).datasets), phantom.endocardium, phantom.epicardium)
        phrase = "was made on another image"
    elif bad == "no_rois":
        ds = pydicom.dcmread(
            io.BytesIO(rtstruct_bytes(g, endocardium=phantom.endocardium, epicardium=phantom.epicardium))
        )
        ds.StructureSetROISequence[0].ROIName = "Heart"
        ds.StructureSetROISequence[1].ROIName = "Spinal cord"
        buf = io.BytesIO()
        ds.save_as(buf)
        up = SimpleUploadedFile("rt.dcm", buf.getvalue())
        phrase = "no endocardium and no epicardium ROI: it holds ROI(s) 'Heart', 'Spinal cord'"
    elif bad == "malformed_seg":
        ds = pydicom.dcmread(io.BytesIO(_seg_upload(g, phantom.endocardium, phantom.epicardium).read()))
        ds.PixelData = ds.PixelData[:1000]
        buf = io.BytesIO()
        ds.save_as(buf)
        up = SimpleUploadedFile("seg.dcm", buf.getvalue())
        phrase = "is malformed"
    else:
        ph3 = lv_phantom(shape=(128, 128), pixel_spacing_mm=(1.4, 1.5), seed=13)
        p3 = write_map_dicom(tmp_path / "small" / "t1.dcm", t1_map_pixels(ph3, seed=13), ph3, quantity="t1")
        up = _seg_upload(geometry_from_datasets(read_image(p3).datasets), ph3.endocardium, ph3.epicardium)
        phrase = "is 128x128 pixels (rows x columns) but the image is 160x208"
    before = _counts()
    r = _submit(c, case.pk, up)
    assert r.status_code == 400, r.content
    assert phrase in r.json()["detail"] and r.json()["field"] == "contours"
    assert _counts() == before


def test_gold_standard_and_expert_contours_may_be_seg_or_rtstruct(supervisor, dataset, phantom, tmp_path):
    from backend.cases.services import case_create

    original = write_map_dicom(tmp_path / "o" / "t1.dcm", t1_map_pixels(phantom, seed=11), phantom, quantity="t1")
    g = geometry_from_datasets(read_image(original).datasets)
    case = case_create(
        user=supervisor,
        dataset=dataset,
        title="DICOM references",
        image_files=[SimpleUploadedFile("t1.dcm", original.read_bytes())],
        gold_standard=_seg_upload(g, phantom.endocardium, phantom.epicardium, "gold-seg.dcm"),
        experts=[_rt_upload(g, phantom.endocardium, grow(phantom.epicardium, phantom.centre, 1.0), "expert-rt.dcm")],
    )
    kinds = sorted(case.references.values_list("kind", flat=True))
    assert kinds == ["expert", "gold_standard"]
    gold = case.references.get(kind="gold_standard")
    assert gold.source_file.download_name.endswith(".dcm")


def test_a_gold_standard_seg_of_another_image_is_refused_and_no_case_is_stored(supervisor, dataset, phantom, tmp_path):
    from backend.cases.models import Case
    from backend.cases.services import case_create
    from backend.core.api import UploadError

    ph2 = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=21)
    other = write_map_dicom(tmp_path / "x" / "t1.dcm", t1_map_pixels(ph2, seed=21), ph2, quantity="t1")
    before = (Case.objects.count(), *_counts())
    with pytest.raises(UploadError, match="was made on another image") as exc:
        case_create(
            user=supervisor,
            dataset=dataset,
            title="wrong",
            image_files=[dicom_upload(phantom, tmp_path)],
            gold_standard=_seg_upload(
                geometry_from_datasets(read_image(other).datasets), phantom.endocardium, phantom.epicardium
            ),
        )
    assert exc.value.field == "gold_standard"
    assert (Case.objects.count(), *_counts()) == before


def _get_dicom(client, url):
    r = client.get(url)
    assert r.status_code == 200, getattr(r, "content", b"")[:300]
    assert r["Content-Type"] == "application/dicom" and "attachment" in r["Content-Disposition"]
    return r.content


def test_the_trainees_contours_and_the_consensus_export_as_seg_and_rtstruct_referencing_the_case_image(
    case, trainee_a, supervisor, trainee_b, phantom, tmp_path
):
    import highdicom as hd

    c = ApiClient(trainee_a)
    g = _case_geometry(c, case.pk)
    assert c.get(f"/api/cases/{case.pk}/reference.seg.dcm").status_code == 404  # not before submitting
    epi = grow(phantom.epicardium, phantom.centre, 1.5)
    sub = _submit(c, case.pk, sav_upload(phantom.endocardium, epi)).json()
    evaluation_run(submission_id=sub["id"])
    files = {
        "seg": _get_dicom(c, f"/api/submissions/{sub['id']}/contours.seg.dcm"),
        "rtstruct": _get_dicom(c, f"/api/submissions/{sub['id']}/contours.rtstruct.dcm"),
        "consensus-seg": _get_dicom(c, f"/api/submissions/{sub['id']}/consensus.seg.dcm"),
        "reference-rt": _get_dicom(c, f"/api/cases/{case.pk}/reference.rtstruct.dcm"),
    }
    seg = hd.seg.segread(io.BytesIO(files["seg"]))
    assert [u[2] for u in seg.get_source_image_uids()] == list(g.sop_instance_uids)
    assert seg.FrameOfReferenceUID == g.frame_of_reference_uid and seg.StudyInstanceUID == g.study_instance_uid
    assert [seg.get_segment_description(n).segment_label for n in (1, 2)] == ["Myocardium", "Left ventricle cavity"]
    rt = pydicom.dcmread(io.BytesIO(files["rtstruct"]))
    assert (
        rt.ROIContourSequence[0].ContourSequence[0].ContourImageSequence[0].ReferencedSOPInstanceUID
        == (g.sop_instance_uids[0])
    )
    # Read back by MyoQA: the trainee's own contours (RTSTRUCT exactly; SEG within its edge model) and the consensus.
    from backend.cmr.sav import read_contours

    for name, want_epi in (("rtstruct", epi), ("reference-rt", phantom.epicardium)):
        p = tmp_path / f"{name}.dcm"
        p.write_bytes(files[name])
        back = read_contours(p, image_shape=g.shape, geometry=g)
        np.testing.assert_allclose(back.epicardium, want_epi, atol=1e-5)
    p = tmp_path / "cs.dcm"
    p.write_bytes(files["consensus-seg"])
    cons = lv_regions(read_contours(p, image_shape=g.shape, geometry=g), g.shape)
    want = lv_regions(ContourSet(phantom.endocardium, phantom.epicardium), g.shape)
    assert np.array_equal(cons.myocardium, want.myocardium)
    # Ownership: the outsider sees none of it; the supervisor of the dataset sees all.
    b = ApiClient(trainee_b)
    assert b.get(f"/api/submissions/{sub['id']}/contours.seg.dcm").status_code == 404
    assert b.get(f"/api/cases/{case.pk}/reference.seg.dcm").status_code == 404
    s = ApiClient(supervisor)
    assert s.get(f"/api/submissions/{sub['id']}/contours.rtstruct.dcm").status_code == 200
    assert s.get(f"/api/cases/{case.pk}/reference.seg.dcm").status_code == 200
    assert c.get(f"/api/submissions/{sub['id']}/contours.png.dcm").status_code == 404  # only seg and rtstruct
    if shutil.which("dciodvfy"):
        for name, data in files.items():
            p = tmp_path / f"v-{name}.dcm"
            p.write_bytes(data)
            out = subprocess.run(["dciodvfy", str(p)], capture_output=True, text=True)
            errors = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.startswith("Error")]
            assert not errors, (name, errors)


def test_a_score_only_dataset_never_exports_the_consensus_to_trainees(case, trainee_a, phantom):
    case.dataset.feedback_mode = "score_only"
    case.dataset.save()
    c = ApiClient(trainee_a)
    sub = _submit(c, case.pk, sav_upload(phantom.endocardium, phantom.epicardium)).json()
    evaluation_run(submission_id=sub["id"])
    assert c.get(f"/api/submissions/{sub['id']}/consensus.rtstruct.dcm").status_code == 404
    assert c.get(f"/api/cases/{case.pk}/reference.rtstruct.dcm").status_code == 404
    assert c.get(f"/api/submissions/{sub['id']}/contours.rtstruct.dcm").status_code == 200


def test_export_contours_and_assess_commands_take_any_contour_file(tmp_path, capsys):
    dcm = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    sav = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    trainee = shared_path("scd-sunnybrook-sav", "trainee", "SC-HF-I-1-059-epi_out.sav")
    rt, seg, js = tmp_path / "ref.rt.dcm", tmp_path / "trainee.seg.dcm", tmp_path / "a.json"
    call_command("export_contours", image=[str(dcm)], contours=str(sav), format="rtstruct", out=str(rt))
    call_command("export_contours", image=[str(dcm)], contours=str(trainee), format="seg", out=str(seg))
    assert pydicom.dcmread(rt).Modality == "RTSTRUCT" and pydicom.dcmread(seg).Modality == "SEG"
    call_command("assess", image=[str(dcm)], trainee=str(trainee), reference=str(sav), json=str(js))
    import json

    want = json.loads(js.read_text())["agreement"]
    call_command("assess", image=[str(dcm)], trainee=str(seg), reference=str(rt), json=str(js))
    got = json.loads(js.read_text())["agreement"]
    for s in ("myocardium", "endocardium", "epicardium"):
        assert got[s]["dice"] == pytest.approx(want[s]["dice"], abs=0.02)
        assert got[s]["hausdorff_mm"] == pytest.approx(want[s]["hausdorff_mm"], abs=0.75 * 1.367188)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:  # a SAV file given as the image: one line, exit status 2
        call_command("export_contours", image=[str(sav)], contours=str(sav), format="seg", out=str(seg))
    assert exit_.value.code == 2 and capsys.readouterr().err.startswith("error: ")


def test_a_practice_upload_takes_an_rtstruct_drawn_on_the_trainees_own_image(trainee_a, phantom, tmp_path):
    image = write_map_dicom(tmp_path / "mine" / "t1.dcm", t1_map_pixels(phantom, seed=4), phantom, quantity="t1")
    g = geometry_from_datasets(read_image(image).datasets)
    r = ApiClient(trainee_a).post(
        "/api/practice/",
        {
            "image": SimpleUploadedFile("t1.dcm", image.read_bytes()),
            "contours": _rt_upload(g, phantom.endocardium, phantom.epicardium),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    np.testing.assert_allclose(np.array(r.json()["contours"]["epicardium"]), phantom.epicardium, atol=0.006)
    before = _counts()
    other = lv_phantom(shape=(160, 208), pixel_spacing_mm=(1.4, 1.5), seed=31)
    elsewhere = write_map_dicom(tmp_path / "x" / "t1.dcm", t1_map_pixels(other, seed=31), other, quantity="t1")
    r = ApiClient(trainee_a).post(
        "/api/practice/",
        {
            "image": SimpleUploadedFile("t1.dcm", image.read_bytes()),
            "contours": _rt_upload(
                geometry_from_datasets(read_image(elsewhere).datasets), phantom.endocardium, phantom.epicardium
            ),
        },
        json=False,
    )
    assert r.status_code == 400 and "was made on another image" in r.json()["detail"]
    assert _counts() == before


def test_a_replacement_gold_standard_may_be_an_rtstruct_of_the_case_image(case, supervisor, phantom):
    from backend.cases.services import case_reference_replace

    g = _case_geometry(ApiClient(supervisor), case.pk)
    epi = grow(phantom.epicardium, phantom.centre, 1.0)
    (new,) = case_reference_replace(
        user=supervisor, case=case, gold_standard=_rt_upload(g, phantom.endocardium, epi, "gold-v2.dcm")
    )
    assert new.kind == "gold_standard" and new.version == 2
    from backend.cmr.contours import contour_set_from_bytes

    np.testing.assert_allclose(contour_set_from_bytes(file_read(new.contours_file)).epicardium, epi, atol=1e-6)
