"""Hidden repeat cases: the service, the endpoint, what a trainee sees (nothing linking them) and repeatability."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import numpy as np
import pydicom
import pytest
from django.utils import timezone

from backend.accounts.models import Role
from backend.accounts.services import user_create
from backend.cases.models import Case, ReferenceKind
from backend.cases.repeat import RepeatTransform, index_map, inverse_transform_contours, transform_contours
from backend.cases.services import case_repeat_create, dataset_create
from backend.cmr.assessment import assess, to_json_ready
from backend.cmr.contours import ContourSet, contour_set_from_bytes
from backend.cmr.dicom import image_from_bytes
from backend.cmr.summary import evaluation_summary
from backend.core.storage import file_read
from backend.submissions.selectors import repeatability_list
from backend.submissions.services import evaluation_run
from tests.backend.conftest import ApiClient, grow, sav_upload

pytestmark = pytest.mark.django_db

TRANSFORMS = [t.value for t in RepeatTransform]


def image_of(case: Case):
    return image_from_bytes(file_read(case.image_file))


def submit(client: ApiClient, case_id: int, endo, epi):
    r = client.post("/api/submissions/", {"case": str(case_id), "contours": sav_upload(endo, epi)}, json=False)
    assert r.status_code == 201, r.content
    return evaluation_run(submission_id=r.json()["id"])


@pytest.fixture
def other_supervisor(db):
    return user_create(username="sup2", password="pw-sup2", role=Role.SUPERVISOR, full_name="Other Supervisor")


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_the_repeats_pixels_are_the_originals_turned_and_its_uids_differ(case, supervisor, transform):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform=transform)
    a, b = image_of(case), image_of(repeat)
    expected = {
        "none": a.pixels,
        "rotate90": np.rot90(a.pixels, k=-1),
        "rotate180": a.pixels[::-1, ::-1],
        "flip_horizontal": a.pixels[:, ::-1],
        "flip_vertical": a.pixels[::-1, :],
    }[transform]
    np.testing.assert_array_equal(b.pixels, expected)
    assert (repeat.rows, repeat.columns) == expected.shape
    dy, dx = a.pixel_spacing_mm
    assert b.pixel_spacing_mm == ((dx, dy) if transform == "rotate90" else (dy, dx))
    assert b.series_instance_uid != a.series_instance_uid
    assert not set(b.sop_instance_uids) & set(a.sop_instance_uids)
    assert repeat.repeat_of_id == case.pk and repeat.dataset_id == case.dataset_id


def test_the_repeats_dicom_carries_new_uids_a_new_patient_id_and_the_turned_pixels(case, supervisor):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform="rotate90")
    ds_a = pydicom.dcmread(io.BytesIO(file_read(case.dicom_file)))
    ds_b = pydicom.dcmread(io.BytesIO(file_read(repeat.dicom_file)))
    for kw in ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID", "PatientID"):
        assert str(ds_b.get(kw)) != str(ds_a.get(kw)), kw
    np.testing.assert_array_equal(ds_b.pixel_array, np.rot90(ds_a.pixel_array, k=-1))
    assert [float(v) for v in ds_b.PixelSpacing] == [float(v) for v in ds_a.PixelSpacing][::-1]


def test_two_repeats_of_one_case_get_different_uids(case, supervisor):
    r1 = case_repeat_create(user=supervisor, case=case, title="Slice A")
    r2 = case_repeat_create(user=supervisor, case=case, title="Slice B")
    assert image_of(r1).series_instance_uid != image_of(r2).series_instance_uid


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_the_reference_contours_are_turned_with_the_image(case, supervisor, transform):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform=transform)
    gold = contour_set_from_bytes(file_read(case.references.get(kind=ReferenceKind.GOLD_STANDARD).contours_file))
    moved = contour_set_from_bytes(file_read(repeat.references.get(kind=ReferenceKind.GOLD_STANDARD).contours_file))
    # A point of the repeat's contour lies on the pixel of the original the index map names.
    m = index_map(transform, (case.rows, case.columns))
    x, y = moved.endocardium[0]
    oi, oj, _ = m @ np.array([y, x, 1.0])
    np.testing.assert_allclose([oj, oi], gold.endocardium[0], atol=1e-9)
    back = inverse_transform_contours(moved, transform, (case.rows, case.columns))
    np.testing.assert_allclose(back.endocardium, gold.endocardium, atol=1e-9)


def test_a_mask_only_contour_set_turns_and_comes_back():
    mask = np.zeros((6, 9), dtype=bool)
    mask[1:3, 2:7] = True
    cs = ContourSet(endocardium=None, epicardium=None, myocardium_mask=mask, source="mask")
    for t in TRANSFORMS:
        there = transform_contours(cs, t, mask.shape)
        assert there.myocardium_mask is not None
        assert inverse_transform_contours(there, t, mask.shape).myocardium_mask.tolist() == mask.tolist()


def test_a_supervisor_makes_a_repeat_through_the_api(case, supervisor):
    r = ApiClient(supervisor).post(
        f"/api/cases/{case.pk}/repeat", {"title": "Apical slice 3", "transform": "flip_vertical"}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["title"] == "Apical slice 3"
    assert body["repeat_of"] == {"id": case.pk, "title": case.title}
    assert body["repeat_transform"] == "flip_vertical"


def test_a_trainee_cannot_make_repeats(case, trainee_a):
    r = ApiClient(trainee_a).post(f"/api/cases/{case.pk}/repeat", {"title": "Apical slice 3"})
    assert r.status_code == 403
    assert "supervisors" in r.json()["detail"]
    assert Case.objects.count() == 1


def test_it_checks_ownership(case, other_supervisor):
    dataset_create(user=other_supervisor, name="Theirs")
    r = ApiClient(other_supervisor).post(f"/api/cases/{case.pk}/repeat", {"title": "Apical slice 3"})
    assert r.status_code == 404
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "Synthetic mid-ventricular T1"}, "title"),
        ({"title": ""}, "title"),
        ({"title": "X", "transform": "rotate45"}, "transform"),
        ({"title": "X", "available_after": "next tuesday-ish"}, "available_after"),
    ],
)
def test_it_refuses_a_bad_repeat_with_a_sentence(case, supervisor, body, field):
    r = ApiClient(supervisor).post(f"/api/cases/{case.pk}/repeat", body)
    assert r.status_code == 400, r.content
    assert Case.objects.count() == 1
    assert len(json.dumps(r.json())) > 20


def test_a_repeat_of_a_repeat_is_refused(case, supervisor):
    repeat = case_repeat_create(user=supervisor, case=case, title="Slice A")
    r = ApiClient(supervisor).post(f"/api/cases/{repeat.pk}/repeat", {"title": "Slice B"})
    assert r.status_code == 400
    assert "original" in r.json()["detail"]


def test_available_after_reads_a_date_or_a_number_of_other_cases(case, supervisor):
    c = ApiClient(supervisor)
    r1 = c.post(f"/api/cases/{case.pk}/repeat", {"title": "A", "available_after": "2030-01-02T09:00:00Z"})
    r2 = c.post(f"/api/cases/{case.pk}/repeat", {"title": "B", "available_after": "after 3 other cases"})
    assert r1.status_code == r2.status_code == 201, (r1.content, r2.content)
    assert r1.json()["repeat_available_at"].startswith("2030-01-02T09:00:00")
    assert r2.json()["repeat_after_cases"] == 3 and r2.json()["repeat_available_at"] is None


def test_the_trainee_sees_the_repeat_as_an_ordinary_case_with_nothing_linking_it(case, supervisor, trainee_a):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform="none")
    orig_image = image_of(case)
    c = ApiClient(trainee_a)
    listing = c.get("/api/cases/").json()
    assert {x["id"] for x in listing} == {case.pk, repeat.pk}
    assert set(listing[0]) == set(listing[1])  # the same fields for both
    texts = [
        c.get(f"/api/cases/{repeat.pk}").content,
        c.get(f"/api/datasets/{case.dataset_id}/cases").content,
        c.get("/api/cases/").content,
    ]
    repeat_text = c.get(f"/api/cases/{repeat.pk}").content.decode()
    assert "repeat" not in repeat_text.lower()
    assert case.title not in repeat_text
    for t in texts:
        assert b"repeat" not in t.lower()
        assert case.pixel_sha256.encode() not in t
    dicom = b"".join(c.get(f"/api/cases/{repeat.pk}/dicom").streaming_content)
    for uid in (orig_image.series_instance_uid, *orig_image.sop_instance_uids):
        assert uid.encode() not in dicom
    assert case.title.encode() not in dicom
    pixels = c.get(f"/api/cases/{repeat.pk}/pixels")
    assert pixels.status_code == 200 and "repeat" not in str(pixels.headers).lower()


def test_a_repeat_with_a_later_date_is_hidden_until_then(case, supervisor, trainee_a, phantom):
    repeat = case_repeat_create(
        user=supervisor, case=case, title="Basal slice 7", available_at=timezone.now() + timedelta(days=1)
    )
    c = ApiClient(trainee_a)
    assert [x["id"] for x in c.get("/api/cases/").json()] == [case.pk]
    assert c.get(f"/api/cases/{repeat.pk}").status_code == 404
    r = c.post(
        "/api/submissions/",
        {"case": str(repeat.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    assert r.status_code in (400, 404)
    Case.objects.filter(pk=repeat.pk).update(repeat_available_at=timezone.now() - timedelta(seconds=1))
    assert {x["id"] for x in c.get("/api/cases/").json()} == {case.pk, repeat.pk}


def test_a_repeat_after_n_other_cases_comes_after_the_original_and_n_others(
    case, supervisor, trainee_a, phantom, tmp_path
):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", after_cases=1)
    other = case_repeat_create(user=supervisor, case=case, title="Some other case")  # shown at once
    c = ApiClient(trainee_a)
    seen = lambda: {x["id"] for x in c.get("/api/cases/").json()}  # noqa: E731
    assert seen() == {case.pk, other.pk}
    submit(c, other.pk, phantom.endocardium, phantom.epicardium)  # before the original: does not count
    submit(c, case.pk, phantom.endocardium, phantom.epicardium)
    assert seen() == {case.pk, other.pk}
    submit(c, other.pk, phantom.endocardium, phantom.epicardium)
    assert seen() == {case.pk, other.pk, repeat.pk}


def test_a_supervisor_sees_the_repeat_link_and_the_trainee_does_not(case, supervisor, trainee_a):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7")
    assert ApiClient(supervisor).get(f"/api/cases/{repeat.pk}").json()["repeat_of"]["id"] == case.pk
    assert "repeat_of" not in ApiClient(trainee_a).get(f"/api/cases/{repeat.pk}").json()


def _repeatability(supervisor, trainee):
    r = ApiClient(supervisor).get(f"/api/trainees/{trainee.pk}/repeatability")
    assert r.status_code == 200, r.content
    return r.json()["repeats"]


@pytest.mark.parametrize("transform", ["none", "rotate90", "flip_horizontal"])
def test_an_identical_second_contour_gives_dice_1_and_no_difference(case, supervisor, trainee_a, phantom, transform):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform=transform)
    c = ApiClient(trainee_a)
    submit(c, case.pk, phantom.endocardium, phantom.epicardium)
    assert _repeatability(supervisor, trainee_a) == []  # only the original so far
    there = transform_contours(
        ContourSet(phantom.endocardium, phantom.epicardium), transform, (case.rows, case.columns)
    )
    submit(c, repeat.pk, there.endocardium, there.epicardium)
    (row,) = _repeatability(supervisor, trainee_a)
    assert row["case_id"] == case.pk and row["repeat_case_id"] == repeat.pk and row["transform"] == transform
    assert row["dice"] == pytest.approx(1.0, abs=1e-9)
    assert row["abs_delta_wall_thickness_mm"] == pytest.approx(0.0, abs=1e-6)
    assert row["abs_delta_map"] == pytest.approx(0.0, abs=1e-6)
    assert row["map_quantity"] == "t1_ms"


def test_a_known_perturbation_gives_the_numbers_of_a_direct_call(case, supervisor, trainee_a, phantom):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform="rotate90")
    c = ApiClient(trainee_a)
    submit(c, case.pk, phantom.endocardium, phantom.epicardium)
    grown = grow(phantom.epicardium, phantom.centre, 2.0)
    there = transform_contours(ContourSet(phantom.endocardium, grown), "rotate90", (case.rows, case.columns))
    submit(c, repeat.pk, there.endocardium, there.epicardium)
    (row,) = _repeatability(supervisor, trainee_a)
    image = image_of(case)
    direct = evaluation_summary(
        to_json_ready(
            assess(
                image, ContourSet(phantom.endocardium, phantom.epicardium), ContourSet(phantom.endocardium, grown)
            ).payload
        )
    )
    assert row["dice"] == pytest.approx(
        direct["agreement"]["myocardium"]["dice"], abs=1e-4
    )  # the SAV stores float32 coordinates
    assert row["abs_delta_wall_thickness_mm"] == pytest.approx(
        abs(direct["delta"]["wall_thickness_mm"]), abs=1e-4
    )  # the SAV stores float32 coordinates
    assert row["abs_delta_map"] == pytest.approx(
        abs(direct["delta"]["map"]), abs=1e-4
    )  # the SAV stores float32 coordinates
    # By hand: the epicardium 2 px further out is 2 x 1.4-1.5 mm of wall thicker (the original is the thinner one).
    assert 2 * 1.4 - 0.2 <= row["abs_delta_wall_thickness_mm"] <= 2 * 1.5 + 0.2
    assert row["dice"] < 0.95


def test_the_repeatability_endpoint_checks_ownership(case, supervisor, trainee_a, trainee_b, other_supervisor):
    case_repeat_create(user=supervisor, case=case, title="Basal slice 7")
    assert ApiClient(trainee_b).get(f"/api/trainees/{trainee_a.pk}/repeatability").status_code == 404
    assert ApiClient(other_supervisor).get(f"/api/trainees/{trainee_a.pk}/repeatability").status_code == 404


def test_the_trainee_gets_their_own_repeatability_only_once_both_are_submitted(case, supervisor, trainee_a, phantom):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7")
    c = ApiClient(trainee_a)
    submit(c, case.pk, phantom.endocardium, phantom.epicardium)
    assert c.get(f"/api/trainees/{trainee_a.pk}/repeatability").json()["repeats"] == []
    submit(c, repeat.pk, phantom.endocardium, phantom.epicardium)
    (row,) = c.get(f"/api/trainees/{trainee_a.pk}/repeatability").json()["repeats"]
    assert row["case_title"] == case.title and row["repeat_title"] == "Basal slice 7"
    assert len(repeatability_list(user=supervisor, trainee=trainee_a)) == 1


def test_the_trainee_report_data_carries_the_repeatability(case, supervisor, trainee_a, phantom):
    from backend.progress.selectors import trainee_report_data

    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7")
    c = ApiClient(trainee_a)
    submit(c, case.pk, phantom.endocardium, phantom.epicardium)
    submit(c, repeat.pk, phantom.endocardium, phantom.epicardium)
    (row,) = trainee_report_data(trainee=trainee_a, reader=supervisor).repeatability
    assert row["repeat_case_id"] == repeat.pk and row["dice"] == pytest.approx(1.0)


def _position(ds, i: int, j: int, iop=None, ipp=None, spacing=None) -> np.ndarray:
    iop = [float(v) for v in (iop if iop is not None else ds.ImageOrientationPatient)]
    ipp = np.array([float(v) for v in (ipp if ipp is not None else ds.ImagePositionPatient)])
    dy, dx = (float(v) for v in (spacing if spacing is not None else ds.PixelSpacing))
    return ipp + j * dx * np.array(iop[:3]) + i * dy * np.array(iop[3:])


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_every_pixel_of_the_repeat_keeps_its_place_in_the_patient(case, supervisor, transform):
    repeat = case_repeat_create(user=supervisor, case=case, title="Basal slice 7", transform=transform)
    ds_a = pydicom.dcmread(io.BytesIO(file_read(case.dicom_file)))
    ds_b = pydicom.dcmread(io.BytesIO(file_read(repeat.dicom_file)))
    m = index_map(transform, (case.rows, case.columns))
    for i, j in [(0, 0), (0, 5), (7, 0), (repeat.rows - 1, repeat.columns - 1), (31, 17)]:
        oi, oj, _ = (m @ np.array([i, j, 1.0])).astype(int)
        np.testing.assert_allclose(_position(ds_b, i, j), _position(ds_a, oi, oj), atol=1e-4)
        assert ds_b.pixel_array[i, j] == ds_a.pixel_array[oi, oj]


@pytest.mark.parametrize("multiframe", [False, True])
def test_a_t2star_series_repeats_every_echo_turned(supervisor, dataset, phantom, tmp_path, multiframe):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backend.cases.services import case_create
    from backend.cmr.phantom import write_t2star_series

    files = write_t2star_series(tmp_path / "s", phantom, seed=4, multiframe=multiframe)
    case = case_create(
        user=supervisor,
        dataset=dataset,
        title="T2*",
        image_files=[SimpleUploadedFile(p.name, p.read_bytes()) for p in files],
        gold_standard=sav_upload(phantom.endocardium, phantom.epicardium),
    )
    repeat = case_repeat_create(user=supervisor, case=case, title="T2* again", transform="rotate90")
    a, b = image_of(case), image_of(repeat)
    assert a.pixels.ndim == 3 and b.echo_times_ms == a.echo_times_ms
    np.testing.assert_array_equal(b.pixels, np.rot90(a.pixels, k=-1, axes=(-2, -1)))
    assert not set(b.sop_instance_uids) & set(a.sop_instance_uids)
    if multiframe:
        ds_a = pydicom.dcmread(io.BytesIO(file_read(case.dicom_file)))
        ds_b = pydicom.dcmread(io.BytesIO(file_read(repeat.dicom_file)))

        def geometry(ds):
            sh = ds.SharedFunctionalGroupsSequence[0]
            frame = ds.PerFrameFunctionalGroupsSequence[0]
            return (
                sh.PlaneOrientationSequence[0].ImageOrientationPatient,
                frame.PlanePositionSequence[0].ImagePositionPatient,
                sh.PixelMeasuresSequence[0].PixelSpacing,
            )

        m = index_map("rotate90", (case.rows, case.columns))
        for i, j in [(0, 0), (3, 9)]:
            oi, oj, _ = (m @ np.array([i, j, 1.0])).astype(int)
            pa = _position(ds_a, oi, oj, *geometry(ds_a))
            np.testing.assert_allclose(_position(ds_b, i, j, *geometry(ds_b)), pa, atol=1e-4)
