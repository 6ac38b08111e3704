"""Writes for users and cohorts (services: keyword-only, ``full_clean`` before ``save``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Cohort, Role, User


def user_create(*, username: str, password: str, role: Role, full_name: str = "") -> User:
    """Create a user; ``full_name`` is split into first and last name at the last space.

    Raises
    ------
    ValidationError
        Username taken or invalid, or an empty password.
    """
    if not password:
        raise ValidationError("A password is required.")
    first, _, last = full_name.strip().rpartition(" ") if " " in full_name.strip() else (full_name.strip(), "", "")
    user = User(username=username.strip(), role=role, first_name=first, last_name=last)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def cohort_create(*, supervisor: User, name: str) -> Cohort:
    """Create a cohort run by ``supervisor``."""
    if not supervisor.is_supervisor:
        raise ValidationError("Only supervisors create cohorts.")
    if Cohort.objects.filter(supervisor=supervisor, name=name.strip()).exists():
        raise ValidationError(f"You already have a cohort named {name.strip()!r}.")
    cohort = Cohort(supervisor=supervisor, name=name.strip())
    cohort.full_clean()
    cohort.save()
    return cohort


@transaction.atomic
def cohort_add_trainee(
    *, cohort: Cohort, username: str, full_name: str = "", password: str = "", password_rules: bool = False
) -> User:
    """Add a trainee to a cohort, creating the account when the username is new (``password_rules``: its password
    must pass the site's ``AUTH_PASSWORD_VALIDATORS``, as the API requires).

    A trainee belongs to one supervisor's cohorts: an existing trainee who is in a cohort of another supervisor is
    refused (that supervisor removes them first), so that no supervisor reaches another's trainees, and their work,
    by enrolling a username. The other supervisor's name is not told.

    Raises
    ------
    ValidationError
        The username belongs to a supervisor, or to a trainee of another supervisor's cohort, or a new account has
        no password (or, with ``password_rules``, one the validators refuse).
    """
    name = username.strip()
    user = User.objects.filter(username=name).first()
    if user is None:
        if password_rules and password:
            from .auth import password_check

            password_check(password, user=User(username=name, first_name=full_name), field="password")
        user = user_create(username=username, password=password, role=Role.TRAINEE, full_name=full_name)
    elif not user.is_trainee:
        raise ValidationError({"username": f"{name!r} is a supervisor account, not a trainee."})
    elif user.cohorts.exclude(supervisor_id=cohort.supervisor_id).exists():
        raise ValidationError(
            {
                "username": f"{name!r} is a trainee in another supervisor's cohort; they can be enrolled here once "
                "that supervisor has removed them, or choose a new username."
            }
        )
    cohort.trainees.add(user)
    return user


def cohort_remove_trainee(*, cohort: Cohort, user: User) -> None:
    """Remove a trainee from a cohort (their submissions stay)."""
    cohort.trainees.remove(user)


def cohort_update(*, cohort: Cohort, name: str | None = None, archived: bool | None = None) -> Cohort:
    """Rename a cohort, or archive it (hidden from its trainees, kept in reports and exports) or bring it back.

    Raises
    ------
    ValidationError
        A blank name or one the supervisor already uses.
    """
    from django.utils import timezone

    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": "Give the cohort a name."})
        if Cohort.objects.filter(supervisor_id=cohort.supervisor_id, name=name).exclude(pk=cohort.pk).exists():
            raise ValidationError({"name": f"You already have a cohort named {name!r}."})
        cohort.name = name
    if archived is not None:
        cohort.archived_at = (cohort.archived_at or timezone.now()) if archived else None
    cohort.full_clean()
    cohort.save()
    return cohort
