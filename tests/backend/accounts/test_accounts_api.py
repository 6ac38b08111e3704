from __future__ import annotations

import pytest

from backend.accounts.models import User
from backend.submissions.models import Submission
from tests.backend.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_login_with_csrf_sets_a_session_and_wrong_passwords_get_a_clear_message(trainee_a):
    c = ApiClient()
    bad = c.post("/api/auth/login", {"username": "alice", "password": "nope"})
    assert bad.status_code == 400 and bad.json()["detail"] == "Wrong username or password."
    ok = c.post("/api/auth/login", {"username": "alice", "password": "pw-alice"})
    assert ok.status_code == 200 and ok.json()["user"]["role"] == "trainee"
    assert c.get("/api/auth/me").json()["user"]["username"] == "alice"
    assert c.post("/api/auth/logout").status_code == 204
    assert c.get("/api/auth/me").json()["user"] is None


def test_a_supervisor_creates_a_cohort_and_adds_trainees(supervisor, trainee_a):
    c = ApiClient(supervisor)
    r = c.post("/api/cohorts/", {"name": "Autumn class"})
    assert r.status_code == 201
    cid = r.json()["id"]
    r = c.post(
        f"/api/cohorts/{cid}/trainees", {"username": "carol", "full_name": "Carol New", "password": "amber-lantern-7"}
    )
    assert r.status_code == 200 and [t["username"] for t in r.json()["trainees"]] == ["carol"]
    assert User.objects.get(username="carol").is_trainee
    r = c.post(f"/api/cohorts/{cid}/trainees", {"username": "alice"})
    assert {t["username"] for t in r.json()["trainees"]} == {"alice", "carol"}
    r = c.post(f"/api/cohorts/{cid}/trainees", {"username": "sup"})
    assert r.status_code == 400 and "supervisor" in r.json()["detail"]
    assert c.post("/api/cohorts/", {"name": "Autumn class"}).status_code == 400
    r = c.delete(f"/api/cohorts/{cid}/trainees/{trainee_a.pk}")
    assert [t["username"] for t in r.json()["trainees"]] == ["carol"]


def test_trainees_cannot_create_cohorts_or_manage_them(trainee_a, cohort):
    c = ApiClient(trainee_a)
    assert c.post("/api/cohorts/", {"name": "mine"}).status_code == 403
    assert c.post(f"/api/cohorts/{cohort.pk}/trainees", {"username": "x", "password": "y"}).status_code == 404
    assert [x["name"] for x in c.get("/api/cohorts/").json()] == ["CMR class 2026"]


def test_it_checks_ownership(cohort, trainee_b, db):
    from backend.accounts.models import Role
    from backend.accounts.services import user_create

    other_sup = user_create(username="sup2", password="pw", role=Role.SUPERVISOR)
    for client in (ApiClient(trainee_b), ApiClient(other_sup)):
        assert client.get(f"/api/cohorts/{cohort.pk}/overview").status_code == 404
        assert client.delete(f"/api/cohorts/{cohort.pk}/trainees/1").status_code == 404
        assert client.get("/api/cohorts/").json() == []


def test_the_overview_shows_latest_and_best_per_trainee_and_case(cohort, case, trainee_a, supervisor, phantom):
    from backend.submissions.services import evaluation_run
    from tests.backend.conftest import grow, sav_upload

    a = ApiClient(trainee_a)
    ids = []
    for px in (2.5, 0.0, 1.0):
        r = a.post(
            "/api/submissions/",
            {
                "case": str(case.pk),
                "contours": sav_upload(phantom.endocardium, grow(phantom.epicardium, phantom.centre, px)),
            },
            json=False,
        )
        ids.append(r.json()["id"])
        evaluation_run(submission_id=ids[-1])
    ov = ApiClient(supervisor).get(f"/api/cohorts/{cohort.pk}/overview").json()
    assert [c["id"] for c in ov["cases"]] == [case.pk]
    cell = ov["rows"][0]["cells"][0]
    assert ov["rows"][0]["trainee"]["username"] == "alice"
    assert cell["attempts"] == 3
    assert cell["latest"]["id"] == ids[2] and cell["best"]["id"] == ids[1]
    assert cell["best"]["dice"] == 1.0 and cell["best"]["verdict"]["result"] == "within"
    # The first attempt (epicardium 2.5 px out) failed: the cell says which tolerance and by how much.
    first = Submission.objects.get(pk=ids[0]).summary["verdict"]
    assert first["result"] == "outside" and "wall_thickness" in first["failed"]
    hist = ApiClient(supervisor).get(f"/api/trainees/{trainee_a.pk}/history").json()
    assert [s["id"] for s in hist["submissions"]] == ids
    assert hist["submissions"][0]["verdict"] == first
