"""The audit log: a view and a download are recorded with actor, object and time; a change with actor, object,
fields and time (django-auditlog); supervisors read and export it filtered by user and date; retention prunes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from backend.audit.models import AccessEvent
from backend.audit.services import audit_prune
from backend.submissions.services import evaluation_run, submission_create
from tests.backend.conftest import ApiClient, sav_upload

pytestmark = pytest.mark.django_db


def test_a_view_and_a_download_are_recorded_with_actor_object_and_time(supervisor, case, trainee_a, phantom):
    t0 = timezone.now()
    t = ApiClient(trainee_a)
    assert t.get(f"/api/cases/{case.pk}/pixels").status_code == 200
    r = t.get(f"/api/cases/{case.pk}/dicom")
    assert r.status_code == 200
    b"".join(r.streaming_content)
    sub = submission_create(trainee=trainee_a, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium))
    evaluation_run(submission_id=sub.pk)
    assert t.get(f"/api/submissions/{sub.pk}").status_code == 200
    assert t.get(f"/api/cases/{case.pk + 1000}/pixels").status_code == 404  # a refused read is no access
    events = list(AccessEvent.objects.order_by("at", "id"))
    assert [(e.actor_id, e.kind, e.action, e.object_id) for e in events] == [
        (trainee_a.pk, "image", "view", str(case.pk)),
        (trainee_a.pk, "image", "download", str(case.pk)),
        (trainee_a.pk, "result", "view", str(sub.pk)),
    ]
    assert all(t0 <= e.at <= timezone.now() for e in events)
    assert all(e.owner_id == supervisor.pk for e in events)  # the supervisor whose content it is
    assert events[2].subject_id == trainee_a.pk

    rows = ApiClient(supervisor).get("/api/audit/").json()
    access = [x for x in rows if x["entry"] == "access"]
    assert [(x["actor"], x["object_type"], x["action"]) for x in access][::-1] == [
        ("alice", "image", "view"),
        ("alice", "image", "download"),
        ("alice", "result", "view"),
    ]
    assert ApiClient(trainee_a).get("/api/audit/").status_code == 403


def test_a_change_is_recorded_with_actor_object_and_fields(supervisor, case):
    c = ApiClient(supervisor)
    assert c.patch(f"/api/cases/{case.pk}", {"title": "Renamed case"}).status_code == 200
    entry = LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor_id == supervisor.pk and entry.changes["title"] == [
        "Synthetic mid-ventricular T1",
        "Renamed case",
    ]
    rows = [x for x in c.get("/api/audit/").json() if x["entry"] == "change" and x["action"] == "update"]
    assert rows[0]["object_type"] == "case" and rows[0]["object_id"] == str(case.pk)
    assert rows[0]["changes"]["title"] == ["Synthetic mid-ventricular T1", "Renamed case"]
    assert rows[0]["actor"] == "sup"


def test_the_log_filters_by_user_and_date_and_exports_as_csv(supervisor, case, trainee_a):
    ApiClient(trainee_a).get(f"/api/cases/{case.pk}/pixels")
    c = ApiClient(supervisor)
    c.get(f"/api/cases/{case.pk}/pixels")
    mine = c.get(f"/api/audit/?user={trainee_a.pk}").json()
    assert mine and {x["actor"] for x in mine} == {"alice"}
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert c.get(f"/api/audit/?{urlencode({'since': later})}").json() == []
    assert c.get("/api/audit/?since=yesterday").status_code == 400
    r = c.get(f"/api/audit/export.csv?user={trainee_a.pk}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert [(x["actor"], x["object_type"], x["object_id"]) for x in rows] == [("alice", "image", str(case.pk))]


def test_entries_older_than_the_retention_are_pruned(supervisor, case, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    c = ApiClient(supervisor)
    c.get(f"/api/cases/{case.pk}/pixels")
    c.patch(f"/api/cases/{case.pk}", {"title": "New"})
    old = timezone.now() - timedelta(days=31)
    AccessEvent.objects.update(at=old)
    LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE).update(timestamp=old)
    n_changes = LogEntry.objects.count()
    c.get(f"/api/cases/{case.pk}/pixels")  # a new one, kept
    assert audit_prune() == (1, 1)
    assert AccessEvent.objects.count() == 1 and LogEntry.objects.count() == n_changes - 1
    assert audit_prune(days=0) == (0, 0)  # 0 keeps everything
    out = io.StringIO()
    call_command("prune_audit", "--days", "1", stdout=out)
    assert "Deleted 0 access events" in out.getvalue()


def test_deleting_a_trainee_removes_their_audit_entries(
    supervisor, cohort, case, trainee_a, django_capture_on_commit_callbacks
):
    ApiClient(trainee_a).get(f"/api/cases/{case.pk}/pixels")
    ApiClient(supervisor).get(f"/api/trainees/{trainee_a.pk}/history")
    assert AccessEvent.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert ApiClient(supervisor).delete(f"/api/trainees/{trainee_a.pk}").status_code == 200
    assert not AccessEvent.objects.exists()
    deletion = LogEntry.objects.filter(action=LogEntry.Action.DELETE, object_pk=str(trainee_a.pk)).get()
    assert deletion.actor_id == supervisor.pk  # who deleted the account stays on record


def test_every_route_that_serves_a_file_records_its_accesses():
    """A new download route (a view with the file renderers) is in the middleware's table, or this fails."""
    from backend.audit.middleware import ACCESS_ROUTES
    from backend.core.api import FILE_RENDERERS
    from tests.backend.test_isolation_every_endpoint import routes

    served = [
        r for r, view in routes() if view is not None and getattr(view, "renderer_classes", None) == FILE_RENDERERS
    ]
    assert len(served) >= 6
    assert [r for r in served if r not in ACCESS_ROUTES] == []
