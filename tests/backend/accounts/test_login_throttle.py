"""Login throttling (django-axes, backend/accounts/throttle.py): 5 failed logins of a username from one address
lock it there for 15 minutes (the settings' defaults); the answer is a 429 that says until when, with Retry-After;
the right password is refused during the lock-out; other usernames and addresses are not affected; the lock-out
ends by itself after the cool-off, or when a supervisor resets the trainee's password. Real PostgreSQL (axes'
attempts table), real logins through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.backend.conftest import ApiClient

pytestmark = pytest.mark.django_db


def attempt(username: str, password: str, ip: str = "10.1.2.3"):
    """One login as the proxy forwards it (it sets X-Forwarded-For to the client's address)."""
    return ApiClient().post("/api/auth/login", {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=ip)


def test_the_settings_lock_after_five_failures_for_fifteen_minutes(settings):
    assert settings.AXES_ENABLED and settings.AXES_FAILURE_LIMIT == 5
    cool_off = settings.AXES_COOLOFF_TIME
    assert cool_off == timedelta(minutes=15)


def test_five_failures_lock_the_username_and_the_answer_says_until_when(trainee_a):
    for _ in range(4):
        r = attempt("alice", "wrong")
        assert r.status_code == 400 and r.json()["detail"] == "Wrong username or password."
    r = attempt("alice", "wrong")  # the fifth
    assert r.status_code == 429
    body = r.json()
    assert "Too many failed sign-ins (5 in a row)" in body["detail"] and "15 minutes" in body["detail"]
    until = timezone.datetime.fromisoformat(body["locked_until"])
    assert timedelta(minutes=14) < until - timezone.now() <= timedelta(minutes=15)
    assert f"after {until:%H:%M} UTC" in body["detail"]
    assert 14 * 60 < int(r["Retry-After"]) <= 15 * 60
    # The right password is refused while locked, and the lock-out is not extended by trying.
    r = attempt("alice", "pw-alice")
    assert r.status_code == 429 and r.json()["locked_until"] == body["locked_until"]
    # Another address, and another username from this address, are not locked.
    assert attempt("alice", "pw-alice", ip="10.9.9.9").status_code == 200
    assert attempt("bob", "wrong").status_code == 400


def test_a_success_before_the_limit_starts_the_count_again(trainee_a):
    for _ in range(4):
        assert attempt("alice", "wrong").status_code == 400
    assert attempt("alice", "pw-alice").status_code == 200
    for _ in range(4):
        assert attempt("alice", "wrong").status_code == 400
    assert attempt("alice", "pw-alice").status_code == 200


def test_the_lock_out_ends_after_the_cool_off(trainee_a):
    for _ in range(5):
        attempt("alice", "wrong")
    assert attempt("alice", "pw-alice").status_code == 429
    # 15 minutes later (the attempts' time moved back in the real table):
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert attempt("alice", "pw-alice").status_code == 200


def test_a_supervisors_password_reset_lifts_the_lock_out(supervisor, trainee_a, cohort):
    for _ in range(5):
        attempt("alice", "wrong")
    assert attempt("alice", "pw-alice").status_code == 429
    temp = ApiClient(supervisor).post(f"/api/trainees/{trainee_a.pk}/password", {}).json()["password"]
    assert attempt("alice", temp).status_code == 200


def test_the_limit_and_the_cool_off_come_from_the_settings(settings, trainee_a):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=3)
    assert attempt("alice", "wrong").status_code == 400
    r = attempt("alice", "wrong")
    assert r.status_code == 429 and "(2 in a row)" in r.json()["detail"] and "3 minutes" in r.json()["detail"]
