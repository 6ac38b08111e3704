"""The discrepancy overlay: rendered once per submission and audience, one file and one row, served per mode."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from backend.cases.models import FeedbackMode
from backend.config.celery_app import app
from backend.core.models import StoredFile
from backend.core.storage import file_read
from backend.submissions.models import OverlayMode, Submission
from backend.submissions.services import evaluation_run, overlay_get_or_render
from tests.backend.conftest import ApiClient, grow, media_files, sav_upload


def evaluated(client: ApiClient, case, phantom) -> Submission:
    r = client.post(
        "/api/submissions/",
        {
            "case": str(case.pk),
            "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, 2)),
        },
        json=False,
    )
    assert r.status_code == 201, r.content
    return evaluation_run(submission_id=r.json()["id"])


def overlay_files() -> list[StoredFile]:
    return list(StoredFile.objects.filter(content_type="image/png"))


@pytest.fixture
def purged_queue():
    app.control.purge()
    yield
    app.control.purge()


def test_two_requests_rendering_at_once_store_one_file_and_one_row(
    transactional_db, purged_queue, case, trainee_a, phantom
):
    sub = evaluated(ApiClient(trainee_a), case, phantom)
    before = len(media_files())
    start = threading.Barrier(2)

    def render(_: int) -> str:
        try:
            s = Submission.objects.select_related("case", "case__dataset").get(pk=sub.pk)
            start.wait()
            f = overlay_get_or_render(submission=s)
            assert f is not None
            return str(f.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as ex:
        ids = set(ex.map(render, range(2)))
    assert len(ids) == 1
    assert [str(f.pk) for f in overlay_files()] == list(ids)
    assert len(media_files()) == before + 1


@pytest.mark.django_db
def test_a_second_request_reads_the_stored_overlay(case, trainee_a, phantom):
    sub = evaluated(ApiClient(trainee_a), case, phantom)
    first = overlay_get_or_render(submission=sub)
    again = overlay_get_or_render(submission=Submission.objects.get(pk=sub.pk))
    assert first is not None and again is not None and first.pk == again.pk
    assert len(overlay_files()) == 1


@pytest.mark.django_db
def test_an_overlay_rendered_in_reveal_mode_is_not_served_after_the_switch_to_score_only(
    case, dataset, trainee_a, phantom, django_capture_on_commit_callbacks
):
    c = ApiClient(trainee_a)
    sub = evaluated(c, case, phantom)
    revealed = c.get(f"/api/submissions/{sub.pk}/overlay.png")
    assert revealed.status_code == 200
    revealed_png = b"".join(revealed.streaming_content)
    sub.refresh_from_db()
    assert sub.overlay_mode == OverlayMode.REVEAL
    old = sub.overlay_file
    assert old is not None

    dataset.feedback_mode = FeedbackMode.SCORE_ONLY
    dataset.save()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.get(f"/api/submissions/{sub.pk}/overlay.png")
    assert r.status_code == 200
    own_png = b"".join(r.streaming_content)
    assert own_png != revealed_png
    sub.refresh_from_db()
    assert sub.overlay_mode == OverlayMode.OWN_CONTOURS
    # the reveal overlay is gone (row and file): one overlay per submission
    assert not StoredFile.objects.filter(pk=old.pk).exists()
    assert [f.pk for f in overlay_files()] == [sub.overlay_file_id]
    assert len([p for p in media_files() if p.read_bytes() == revealed_png]) == 0


@pytest.mark.django_db
def test_the_score_only_overlay_draws_only_the_trainees_contours(case, trainee_a, phantom):
    sub = evaluated(ApiClient(trainee_a), case, phantom)
    reveal = overlay_get_or_render(submission=sub, reveal=True)
    assert reveal is not None
    reveal_png = file_read(reveal)
    own = overlay_get_or_render(submission=Submission.objects.get(pk=sub.pk), reveal=False)
    assert own is not None and file_read(own) != reveal_png


@pytest.mark.django_db
def test_no_overlay_is_rendered_before_the_evaluation_is_done(case, trainee_a, phantom):
    c = ApiClient(trainee_a)
    r = c.post(
        "/api/submissions/",
        {"case": str(case.pk), "contours": sav_upload(phantom.endocardium, phantom.epicardium)},
        json=False,
    )
    assert overlay_get_or_render(submission=Submission.objects.get(pk=r.json()["id"])) is None
    assert overlay_files() == []
