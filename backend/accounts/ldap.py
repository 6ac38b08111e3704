"""Hospital login: users sign in with their directory account (LDAP / Active Directory, django-auth-ldap).

The directory decides who may sign in and in which role, on every login: a member of the supervisors' group
(``LDAP_SUPERVISOR_GROUP``, a group DN) is a supervisor, else a member of the trainees' group
(``LDAP_TRAINEE_GROUP``) a trainee; a member of neither is refused with a message saying so, and no account is
created for them. The first login creates the MyoQA account (username, first and last name, e-mail from the
directory; no local password: it is the directory's); later logins update the name and the role, so moving a
person between the groups changes their role at their next login. A MyoQA account a supervisor deactivated stays
refused whatever the directory says, and its open sessions end.

Only used when ``MYOQA_LDAP_SERVER_URI`` is set (``backend/config/ldap.py`` reads the settings); the local
accounts (``ModelBackend``) keep working beside it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import LDAPGroupQuery

from .auth import DEACTIVATED, LOGIN_REFUSED_ATTR
from .models import Role, User

NOT_IN_A_GROUP = (
    "Your hospital account is in neither MyoQA group (supervisors or trainees), so it cannot sign in here yet. "
    "Ask your supervisor or the IT department to add you to the right group."
)
DIRECTORY_DOWN = (
    "The hospital directory could not be reached to check your password. Please try again in a few minutes; "
    "if it keeps failing, tell the IT department."
)


class LoginRefused(PermissionDenied):
    """A login with the right password that is refused all the same; the message says why, to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refuse(request: Any, message: str) -> LoginRefused:
    """The exception to raise, with ``message`` kept on the request (Django's ``authenticate`` swallows it and
    ``auth.user_authenticate`` reads it)."""
    if request is not None:
        setattr(request, LOGIN_REFUSED_ATTR, message)
    return LoginRefused(message)


def directory_role(ldap_user: Any) -> Role | None:
    """The role the directory gives a bound user: supervisor, trainee, or None (in neither group).

    Parameters
    ----------
    ldap_user : django_auth_ldap.backend._LDAPUser
        The user, bound (password checked); group membership is looked up with the service account.
    """
    # Settings that exist only where a directory is configured (backend/config/ldap.py).
    supervisors, trainees = (getattr(settings, name) for name in ("LDAP_SUPERVISOR_GROUP", "LDAP_TRAINEE_GROUP"))
    if LDAPGroupQuery(supervisors).resolve(ldap_user):
        return Role.SUPERVISOR
    if LDAPGroupQuery(trainees).resolve(ldap_user):
        return Role.TRAINEE
    return None


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend with MyoQA's roles and refusals (see the module's docstring)."""

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        """The account of a user whose directory password was right, with the role from the directory.

        Raises
        ------
        LoginRefused
            The user is in neither group (no account is created), or their account was deactivated in MyoQA.
        """
        request = getattr(ldap_user, "_request", None)
        role = directory_role(ldap_user)
        if role is None:
            raise refuse(request, NOT_IN_A_GROUP)
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and not user.is_active:
            raise refuse(request, DEACTIVATED)
        user.role = role
        return user, built

    def get_user(self, user_id: int) -> User | None:
        """The signed-in user of a session, or None once their account is deactivated (the session ends)."""
        user = super().get_user(user_id)
        if user is None or not user.is_active:
            return None
        return user


def _directory_unreachable(sender: Any, context: str, user: Any, request: Any = None, **kwargs: Any) -> None:
    """django-auth-ldap reports an LDAP error (server down, timeout): the login page says so."""
    unreachable = context in ("authenticate", "search_for_user_dn")
    if request is not None and unreachable and not hasattr(request, LOGIN_REFUSED_ATTR):
        setattr(request, LOGIN_REFUSED_ATTR, DIRECTORY_DOWN)


ldap_error.connect(_directory_unreachable, sender=DirectoryBackend, dispatch_uid="myoqa-ldap-error")
