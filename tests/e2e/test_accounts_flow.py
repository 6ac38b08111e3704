"""Browser end-to-end: a supervisor resets a trainee's password (the temporary one shown once), the trainee signs
in with it and changes it under My account (the site's password rules refuse a weak one with their message), the
supervisor deactivates and reactivates the account (``accounts.mjs``; real Django, PostgreSQL, the proxy and
Chromium)."""

from __future__ import annotations

from backend.accounts.models import Role, User
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from tests.e2e.conftest import run_node


def test_a_supervisor_resets_and_deactivates_a_trainee_who_changes_their_password(stack):
    user_create(username="sup", password="sup-pass-1", role=Role.SUPERVISOR, full_name="Sara Supervisor")
    trainee = user_create(username="alice", password="alice-pass-1", role=Role.TRAINEE, full_name="Alice Trainee")
    cohort_add_trainee(
        cohort=cohort_create(supervisor=User.objects.get(username="sup"), name="E2E class"), username="alice"
    )
    r = run_node(
        "accounts.mjs",
        {
            "BASE_URL": stack,
            "SUPERVISOR": "sup",
            "SUPERVISOR_PASSWORD": "sup-pass-1",
            "TRAINEE": "alice",
            "TRAINEE_PASSWORD": "alice-pass-1",
            "TRAINEE_ID": str(trainee.pk),
            "NEW_PASSWORD": "violet-harbour-42",
        },
        timeout=180,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ACCOUNTS OK" in r.stdout
    assert User.objects.get(pk=trainee.pk).check_password("violet-harbour-42")
    assert User.objects.get(pk=trainee.pk).is_active
    print(r.stdout)
