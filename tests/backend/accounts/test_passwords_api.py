"""Passwords and account status: a user changes their own password (the site's validators apply), a supervisor
resets a trainee's password and deactivates / reactivates the account, only for trainees of their own cohorts;
``createsuperuser`` and ``create_supervisor`` make supervisors. Real PostgreSQL, CSRF enforced, real logins."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from backend.accounts.models import Role, User
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from tests.backend.conftest import ApiClient

pytestmark = pytest.mark.django_db

GOOD = "violet-harbour-42"  # passes Django's validators (length, not common, not numeric, not like the username)


def login(username: str, password: str):
    c = ApiClient()
    r = c.post("/api/auth/login", {"username": username, "password": password})
    return c, r


def test_a_user_changes_their_password_and_stays_signed_in(trainee_a):
    c, r = login("alice", "pw-alice")
    assert r.status_code == 200
    r = c.post("/api/auth/password", {"old_password": "pw-alice", "new_password": GOOD})
    assert r.status_code == 200, r.json()
    assert r.json()["user"]["username"] == "alice"
    assert c.get("/api/auth/me").json()["user"]["username"] == "alice"  # this session survives the change
    assert login("alice", "pw-alice")[1].status_code == 400
    assert login("alice", GOOD)[1].status_code == 200


def test_a_password_change_checks_the_current_password_and_the_sites_rules(trainee_a):
    c, _ = login("alice", "pw-alice")
    r = c.post("/api/auth/password", {"old_password": "nope", "new_password": GOOD})
    assert r.status_code == 400 and r.json()["field"] == "old_password"
    assert r.json()["detail"] == "Your current password is not right."
    # Django's validators, their own words back: too short, too common, all digits, too like the username.
    for bad, words in (
        ("short1", "too short"),
        ("password123", "too common"),
        ("83920174659", "entirely numeric"),
        ("alice-trainee", "too similar"),
    ):
        r = c.post("/api/auth/password", {"old_password": "pw-alice", "new_password": bad})
        assert r.status_code == 400 and r.json()["field"] == "new_password", bad
        assert words in r.json()["detail"], (bad, r.json())
    assert User.objects.get(username="alice").check_password("pw-alice")  # nothing was changed


def test_a_password_change_needs_a_session_and_csrf(trainee_a):
    assert ApiClient().post("/api/auth/password", {"old_password": "a", "new_password": GOOD}).status_code == 403
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(trainee_a)
    r = c.post(
        "/api/auth/password", {"old_password": "pw-alice", "new_password": GOOD}, content_type="application/json"
    )
    assert r.status_code == 403  # no X-CSRFToken
    assert User.objects.get(pk=trainee_a.pk).check_password("pw-alice")


def test_a_supervisor_resets_a_trainees_password_to_a_temporary_one(supervisor, trainee_a, cohort):
    alice, _ = login("alice", "pw-alice")
    r = ApiClient(supervisor).post(f"/api/trainees/{trainee_a.pk}/password", {})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["temporary"] is True and body["user"]["id"] == trainee_a.pk
    temp = body["password"]
    assert len(temp) == 14 and temp.count("-") == 2
    assert alice.get("/api/auth/me").json()["user"] is None  # the trainee's open session ended
    assert login("alice", "pw-alice")[1].status_code == 400
    c, r = login("alice", temp)
    assert r.status_code == 200
    assert c.post("/api/auth/password", {"old_password": temp, "new_password": GOOD}).status_code == 200


def test_a_supervisor_may_set_a_chosen_password_that_the_rules_accept(supervisor, trainee_a, cohort):
    c = ApiClient(supervisor)
    r = c.post(f"/api/trainees/{trainee_a.pk}/password", {"password": "12345"})
    assert r.status_code == 400 and "too short" in r.json()["detail"] and r.json()["field"] == "password"
    r = c.post(f"/api/trainees/{trainee_a.pk}/password", {"password": GOOD})
    assert r.status_code == 200 and r.json() == {**r.json(), "password": GOOD, "temporary": False}
    assert login("alice", GOOD)[1].status_code == 200


def test_only_the_trainees_own_supervisor_resets_or_deactivates(supervisor, trainee_a, trainee_b, cohort):
    other = user_create(username="sup2", password="pw", role=Role.SUPERVISOR)
    cohort_add_trainee(cohort=cohort_create(supervisor=other, name="Other class"), username="bob")
    for client, code in ((ApiClient(other), 404), (ApiClient(trainee_b), 403), (ApiClient(trainee_a), 403)):
        assert client.post(f"/api/trainees/{trainee_a.pk}/password", {}).status_code == code
        assert client.patch(f"/api/trainees/{trainee_a.pk}/account", {"is_active": False}).status_code == code
    # The supervisor's own trainees only: not the other supervisor's trainee, not a supervisor, not an unknown id.
    c = ApiClient(supervisor)
    for pk in (trainee_b.pk, other.pk, supervisor.pk, 10**9):
        assert c.post(f"/api/trainees/{pk}/password", {}).status_code == 404, pk
        assert c.patch(f"/api/trainees/{pk}/account", {"is_active": False}).status_code == 404, pk
    assert User.objects.get(pk=trainee_a.pk).check_password("pw-alice")
    assert User.objects.get(pk=trainee_b.pk).is_active and User.objects.get(pk=trainee_a.pk).is_active


def test_a_deactivated_trainee_cannot_sign_in_and_their_session_ends(supervisor, trainee_a, cohort):
    alice, _ = login("alice", "pw-alice")
    c = ApiClient(supervisor)
    r = c.patch(f"/api/trainees/{trainee_a.pk}/account", {"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert alice.get("/api/auth/me").json()["user"] is None
    assert alice.get("/api/cases/").status_code == 403
    _, r = login("alice", "pw-alice")
    assert r.status_code == 400 and "deactivated" in r.json()["detail"]
    _, r = login("alice", "wrong")  # a wrong password is not told whether the account exists or is deactivated
    assert r.json()["detail"] == "Wrong username or password."
    cohort_row = next(t for t in c.get("/api/cohorts/").json()[0]["trainees"] if t["id"] == trainee_a.pk)
    assert cohort_row["is_active"] is False and cohort_row["directory"] is False
    assert c.patch(f"/api/trainees/{trainee_a.pk}/account", {"is_active": True}).json()["is_active"] is True
    assert login("alice", "pw-alice")[1].status_code == 200


def test_bad_bodies_get_a_sentence(supervisor, trainee_a, cohort):
    c = ApiClient(supervisor)
    r = c.patch(f"/api/trainees/{trainee_a.pk}/account", {})
    assert r.status_code == 400 and r.json()["field"] == "is_active"
    r = c.patch(f"/api/trainees/{trainee_a.pk}/account", {"is_active": "maybe"})
    assert r.status_code == 400
    r = c.post("/api/auth/password", [1, 2])
    assert r.status_code == 400 and "JSON object" in r.json()["detail"]


def test_new_trainee_accounts_get_the_password_rules_too(supervisor, cohort):
    c = ApiClient(supervisor)
    r = c.post(f"/api/cohorts/{cohort.pk}/trainees", {"username": "carol", "password": "carol"})
    assert r.status_code == 400 and r.json()["field"] == "password" and "too short" in r.json()["detail"]
    assert not User.objects.filter(username="carol").exists()
    r = c.post(f"/api/cohorts/{cohort.pk}/trainees", {"username": "carol", "password": GOOD})
    assert r.status_code == 200 and User.objects.get(username="carol").is_trainee


def test_createsuperuser_makes_a_supervisor(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", GOOD)
    call_command("createsuperuser", "--noinput", "--username", "head", "--email", "head@hospital.lan", verbosity=0)
    head = User.objects.get(username="head")
    assert head.is_superuser and head.role == Role.SUPERVISOR and head.is_supervisor
    _, r = login("head", GOOD)
    assert r.status_code == 200 and r.json()["user"]["role"] == "supervisor"
    # ... and so does any other way of making a superuser.
    assert User.objects.create_superuser("head2", "h2@hospital.lan", GOOD).role == Role.SUPERVISOR


def test_create_supervisor_makes_a_local_supervisor_with_a_valid_password(monkeypatch):
    monkeypatch.setenv("MYOQA_SUPERVISOR_PASSWORD", GOOD)
    out = io.StringIO()
    call_command("create_supervisor", "drsmith", "--full-name", "Jane Smith", stdout=out)
    assert "created" in out.getvalue()
    u = User.objects.get(username="drsmith")
    assert u.role == Role.SUPERVISOR and u.full_name == "Jane Smith" and not u.is_superuser
    _, r = login("drsmith", GOOD)
    assert r.status_code == 200 and r.json()["user"]["role"] == "supervisor"


def test_create_supervisor_refuses_a_weak_password_a_missing_one_or_a_taken_username(monkeypatch, capsys, trainee_a):
    def run(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_:
            call_command("create_supervisor", *args)
        assert exit_.value.code == 2
        return capsys.readouterr().err

    monkeypatch.setenv("MYOQA_SUPERVISOR_PASSWORD", "123")
    err = run("weakling")
    assert "password is refused" in err and "too short" in err and "numeric" in err, err
    monkeypatch.setenv("MYOQA_SUPERVISOR_PASSWORD", GOOD)
    assert "is taken" in run("alice")
    monkeypatch.delenv("MYOQA_SUPERVISOR_PASSWORD")
    assert "no password" in run("nopass")
    assert not User.objects.filter(username__in=["weakling", "nopass"]).exists()
    assert User.objects.get(username="alice").role == Role.TRAINEE
