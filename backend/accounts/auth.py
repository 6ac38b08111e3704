"""Services for signing in and for accounts' passwords and status (keyword-only, typed; the views stay thin).

* :func:`user_authenticate`: a login through every configured backend (the throttle, the hospital directory when
  configured, the local accounts), with a sentence for each way it can fail;
* :func:`user_change_password`: a user changes their own local password (current one checked, the site's
  ``AUTH_PASSWORD_VALIDATORS`` applied);
* :func:`trainee_password_reset` and :func:`trainee_set_active`: what a supervisor does for a trainee of their
  cohorts (the views check that the trainee is one: ``selectors.trainee_get``);
* :func:`password_check`: the validators' messages as one 400.

Accounts that sign in with the hospital directory have no local password (django-auth-ldap gives them an unusable
one): their password is changed in the directory, never here.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .models import Role, User

LOGIN_REFUSED_ATTR = "myoqa_login_refused"
"""The request attribute on which a backend leaves why it refused a login with the right password."""

WRONG_CREDENTIALS = "Wrong username or password."
DEACTIVATED = "This account has been deactivated. Ask your supervisor to reactivate it."
DIRECTORY_ACCOUNT = (
    "This account signs in with the hospital directory: its password is changed there (ask the IT department), "
    "not in MyoQA."
)

# Letters and digits that cannot be misread for one another (no 0/O, 1/l/I).
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class LoginFailed(Exception):
    """A login that did not succeed; ``message`` is the sentence for the user, ``locked_out`` set by the throttle."""

    def __init__(self, message: str, *, locked_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked_out = locked_out


def is_directory_account(user: User) -> bool:
    """Whether ``user`` signs in with the hospital directory (no local password)."""
    return not user.has_usable_password()


def user_authenticate(*, request: HttpRequest, username: str, password: str) -> User:
    """The user with these credentials, through every configured backend.

    Parameters
    ----------
    request : HttpRequest
        Django's request (not DRF's wrapper): the throttle and the directory backend mark it.

    Raises
    ------
    LoginFailed
        Locked out by the throttle (``locked_out``), refused by the directory (in neither group, or the directory
        cannot be reached), the account deactivated (only said to someone who gave its right password), or a wrong
        username or password.
    """
    user = authenticate(request, username=username, password=password)
    if user is not None:
        return user
    if getattr(request, "axes_locked_out", False):
        raise LoginFailed("Too many failed sign-ins.", locked_out=True)
    refused = getattr(request, LOGIN_REFUSED_ATTR, None)
    if refused:
        raise LoginFailed(refused)
    local = User.objects.filter(username=username).first()
    if local is not None and not local.is_active and local.check_password(password):
        raise LoginFailed(DEACTIVATED)
    raise LoginFailed(WRONG_CREDENTIALS)


def password_check(password: str, *, user: User, field: str) -> None:
    """Apply the site's password validators (``AUTH_PASSWORD_VALIDATORS``) to ``password`` for ``user``.

    Raises
    ------
    ValidationError
        ``{field: "all the validators' messages, in one sentence each"}``.
    """
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: " ".join(exc.messages)}) from None


def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """Change ``user``'s own local password.

    Raises
    ------
    ValidationError
        A directory account, a wrong current password, the same password again, or one the validators refuse.
    """
    if is_directory_account(user):
        raise ValidationError(DIRECTORY_ACCOUNT)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "Your current password is not right."})
    if new_password == old_password:
        raise ValidationError({"new_password": "The new password is the same as the current one."})
    password_check(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def temporary_password() -> str:
    """A random password to hand to a trainee: 3 groups of 4 unambiguous letters and digits (about 69 bits)."""
    return "-".join("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))


def _require_trainee(trainee: User) -> None:
    if trainee.role != Role.TRAINEE:
        raise ValidationError("Only trainees' accounts are managed here.")


def trainee_password_reset(*, trainee: User, password: str = "") -> str:
    """Set a trainee's password: ``password`` if given, else a temporary one; their open sessions end and any
    lock-out of their username is lifted.

    Returns
    -------
    str
        The password set (shown once to the supervisor, who hands it over; the trainee then changes it).

    Raises
    ------
    ValidationError
        Not a trainee, a directory account, or a password the validators refuse.
    """
    _require_trainee(trainee)
    if is_directory_account(trainee):
        raise ValidationError(DIRECTORY_ACCOUNT)
    if password:
        password_check(password, user=trainee, field="password")
    else:
        password = temporary_password()
    trainee.set_password(password)  # a new password hash: the sessions made with the old one no longer verify
    trainee.save(update_fields=["password"])
    from axes.utils import reset

    reset(username=trainee.username)
    return password


def trainee_set_active(*, trainee: User, active: bool) -> User:
    """Deactivate a trainee's account (no login, open sessions end, their work stays) or reactivate it.

    Raises
    ------
    ValidationError
        Not a trainee.
    """
    _require_trainee(trainee)
    trainee.is_active = active
    trainee.save(update_fields=["is_active"])
    return trainee
