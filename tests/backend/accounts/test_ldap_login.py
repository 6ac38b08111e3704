"""Hospital login against a real OpenLDAP directory (slapd, started and seeded by ``tests/backend/accounts/slapd.py``;
never a mock): people sign in through the app's own login API with their directory password; the supervisors'
and trainees' groups (groupOfNames) give the role on every login; a wrong password, and a person in neither
group, are refused with a sentence; local accounts keep working beside the directory. The settings are built from
the environment variables a site sets (``backend/config/ldap.py``), as in production."""

from __future__ import annotations

import contextlib
import subprocess

import pytest

from backend.accounts.models import Role, User
from backend.accounts.services import cohort_add_trainee, cohort_create
from tests.backend.accounts import slapd
from tests.backend.conftest import ApiClient

pytestmark = pytest.mark.django_db

ldap = pytest.importorskip("ldap", reason="python-ldap not installed (requirements-ldap.txt)")


@pytest.fixture(scope="module")
def directory():
    reason = slapd.missing()
    if reason:
        pytest.skip(reason)
    server = slapd.start()
    yield server
    server.stop()


def site_env(uri: str) -> dict[str, str]:
    """What a site puts in .env for its directory (README, "Deploy: hospital login")."""
    return {
        "MYOQA_LDAP_SERVER_URI": uri,
        "MYOQA_LDAP_BIND_DN": slapd.SERVICE_DN,
        "MYOQA_LDAP_BIND_PASSWORD": slapd.SERVICE_PW,
        "MYOQA_LDAP_USER_SEARCH_BASE": slapd.PEOPLE,
        "MYOQA_LDAP_USER_FILTER": "(uid=%(user)s)",
        "MYOQA_LDAP_GROUP_SEARCH_BASE": slapd.GROUPS,
        "MYOQA_LDAP_GROUP_TYPE": "groupOfNames",
        "MYOQA_LDAP_SUPERVISOR_GROUP": slapd.SUPERVISORS,
        "MYOQA_LDAP_TRAINEE_GROUP": slapd.TRAINEES,
        "MYOQA_LDAP_TIMEOUT_S": "3",
    }


def use_directory(settings, monkeypatch, uri: str) -> None:
    """Apply the settings ``backend/config/settings.py`` makes from the site's environment."""
    from backend.config.ldap import ldap_settings

    for k, v in site_env(uri).items():
        monkeypatch.setenv(k, v)
    for k, v in ldap_settings().items():
        setattr(settings, k, v)
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "backend.accounts.ldap.DirectoryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


@pytest.fixture
def hospital(settings, monkeypatch, directory):
    use_directory(settings, monkeypatch, directory.uri)
    return directory


def login(username: str, password: str):
    c = ApiClient()
    return c, c.post("/api/auth/login", {"username": username, "password": password})


def test_a_supervisor_signs_in_with_the_directory_and_gets_an_account(hospital):
    assert not User.objects.filter(username="sara.sup").exists()
    c, r = login("sara.sup", "sara-directory-pw")
    assert r.status_code == 200, r.json()
    assert r.json()["user"] == {**r.json()["user"], "username": "sara.sup", "role": "supervisor"}
    assert r.json()["user"]["full_name"] == "Sara Supervisor"
    assert c.get("/api/auth/me").json()["user"]["role"] == "supervisor"
    u = User.objects.get(username="sara.sup")
    assert u.role == Role.SUPERVISOR and u.email == "sara.sup@hospital.test"
    assert not u.has_usable_password()  # the password is the directory's, never stored here
    # A supervisor from the directory runs cohorts like any other.
    assert c.post("/api/cohorts/", {"name": "Directory class"}).status_code == 201


def test_a_trainee_signs_in_with_the_directory_as_a_trainee(hospital):
    c, r = login("tom.trainee", "tom-directory-pw")
    assert r.status_code == 200, r.json()
    assert r.json()["user"]["role"] == "trainee" and r.json()["user"]["full_name"] == "Tom Trainee"
    assert c.post("/api/cohorts/", {"name": "mine"}).status_code == 403
    # A second login finds the same account.
    login("tom.trainee", "tom-directory-pw")
    assert User.objects.filter(username="tom.trainee").count() == 1


def test_a_member_of_both_groups_is_a_supervisor(hospital):
    assert login("bea.both", "bea-directory-pw")[1].json()["user"]["role"] == "supervisor"


def test_a_wrong_directory_password_is_refused(hospital):
    _, r = login("sara.sup", "not-her-password")
    assert r.status_code == 400 and r.json()["detail"] == "Wrong username or password."
    _, r = login("nobody.here", "whatever")
    assert r.status_code == 400 and r.json()["detail"] == "Wrong username or password."
    assert not User.objects.filter(username__in=["sara.sup", "nobody.here"]).exists()


def test_a_person_in_neither_group_is_refused_with_a_reason_and_gets_no_account(hospital):
    _, r = login("olga.outsider", "olga-directory-pw")
    assert r.status_code == 400
    assert "neither MyoQA group" in r.json()["detail"] and "Ask your supervisor" in r.json()["detail"]
    assert not User.objects.filter(username="olga.outsider").exists()
    # ... and the right password is still needed to learn that.
    assert login("olga.outsider", "wrong")[1].json()["detail"] == "Wrong username or password."


def test_moving_a_person_between_groups_changes_their_role_at_the_next_login(hospital):
    assert login("max.mover", "max-directory-pw")[1].json()["user"]["role"] == "trainee"
    mover = f"uid=max.mover,{slapd.PEOPLE}"
    move = lambda src, dst: hospital.modify(  # noqa: E731
        f"dn: {src}\nchangetype: modify\ndelete: member\nmember: {mover}\n\n"
        f"dn: {dst}\nchangetype: modify\nadd: member\nmember: {mover}\n"
    )
    move(slapd.TRAINEES, slapd.SUPERVISORS)
    try:
        assert login("max.mover", "max-directory-pw")[1].json()["user"]["role"] == "supervisor"
        assert User.objects.get(username="max.mover").role == Role.SUPERVISOR
        # Taken out of both groups: refused, and the account keeps its last role but cannot sign in.
        hospital.modify(f"dn: {slapd.SUPERVISORS}\nchangetype: modify\ndelete: member\nmember: {mover}\n")
        _, r = login("max.mover", "max-directory-pw")
        assert r.status_code == 400 and "neither MyoQA group" in r.json()["detail"]
        hospital.modify(f"dn: {slapd.TRAINEES}\nchangetype: modify\nadd: member\nmember: {mover}\n")
        assert login("max.mover", "max-directory-pw")[1].json()["user"]["role"] == "trainee"
    finally:
        for group in (slapd.SUPERVISORS, slapd.TRAINEES):
            with contextlib.suppress(subprocess.CalledProcessError):  # not a member: nothing to undo
                hospital.modify(f"dn: {group}\nchangetype: modify\ndelete: member\nmember: {mover}\n")
        hospital.modify(f"dn: {slapd.TRAINEES}\nchangetype: modify\nadd: member\nmember: {mover}\n")


def test_a_deactivated_directory_account_is_refused_and_its_session_ends(hospital):
    sup, _ = login("sara.sup", "sara-directory-pw")
    tom, r = login("tom.trainee", "tom-directory-pw")
    cohort_id = sup.post("/api/cohorts/", {"name": "Directory class"}).json()["id"]
    assert sup.post(f"/api/cohorts/{cohort_id}/trainees", {"username": "tom.trainee"}).status_code == 200
    tom_id = r.json()["user"]["id"]
    row = sup.get("/api/cohorts/").json()[0]["trainees"][0]
    assert row["directory"] is True and row["is_active"] is True
    # A directory account's password is the directory's: MyoQA does not reset it.
    r = sup.post(f"/api/trainees/{tom_id}/password", {})
    assert r.status_code == 400 and "hospital directory" in r.json()["detail"]
    r = tom.post("/api/auth/password", {"old_password": "tom-directory-pw", "new_password": "violet-harbour-42"})
    assert r.status_code == 400 and "hospital directory" in r.json()["detail"]
    assert sup.patch(f"/api/trainees/{tom_id}/account", {"is_active": False}).json()["is_active"] is False
    assert tom.get("/api/auth/me").json()["user"] is None
    _, r = login("tom.trainee", "tom-directory-pw")
    assert r.status_code == 400 and "deactivated" in r.json()["detail"]
    sup.patch(f"/api/trainees/{tom_id}/account", {"is_active": True})
    assert login("tom.trainee", "tom-directory-pw")[1].status_code == 200


def test_local_accounts_keep_working_beside_the_directory(hospital, supervisor, trainee_a):
    assert login("alice", "pw-alice")[1].json()["user"]["role"] == "trainee"
    assert login("sup", "pw-sup")[1].json()["user"]["role"] == "supervisor"
    assert login("alice", "wrong")[1].json()["detail"] == "Wrong username or password."
    # A local supervisor enrols a directory trainee once they have signed in.
    login("tom.trainee", "tom-directory-pw")
    cohort = cohort_create(supervisor=supervisor, name="Mixed class")
    assert cohort_add_trainee(cohort=cohort, username="tom.trainee").username == "tom.trainee"


def test_an_unreachable_directory_is_said_so_and_local_accounts_still_sign_in(settings, monkeypatch, trainee_a):
    use_directory(settings, monkeypatch, f"ldap://127.0.0.1:{slapd.free_port()}")  # nothing listens there
    _, r = login("sara.sup", "sara-directory-pw")
    assert r.status_code == 400 and "directory could not be reached" in r.json()["detail"]
    assert login("alice", "pw-alice")[1].status_code == 200


def test_the_settings_refuse_an_incomplete_directory_configuration(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from backend.config.ldap import ldap_settings

    for k, v in site_env("ldap://127.0.0.1:1").items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MYOQA_LDAP_TRAINEE_GROUP")
    with pytest.raises(ImproperlyConfigured, match="MYOQA_LDAP_TRAINEE_GROUP must be set"):
        ldap_settings()
    monkeypatch.setenv("MYOQA_LDAP_TRAINEE_GROUP", slapd.TRAINEES)
    monkeypatch.setenv("MYOQA_LDAP_USER_FILTER", "(uid=alice)")
    with pytest.raises(ImproperlyConfigured, match=r"must contain %\(user\)s"):
        ldap_settings()
    monkeypatch.setenv("MYOQA_LDAP_USER_FILTER", "(uid=%(user)s)")
    monkeypatch.setenv("MYOQA_LDAP_GROUP_TYPE", "ldapGroups")
    with pytest.raises(ImproperlyConfigured, match="MYOQA_LDAP_GROUP_TYPE"):
        ldap_settings()
