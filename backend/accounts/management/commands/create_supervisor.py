"""``python manage.py create_supervisor USERNAME --full-name "NAME"``: a local supervisor account (the first one on a
new site, or one for a site without a hospital directory).

The password is read from the environment variable named by ``--password-env`` (default
``MYOQA_SUPERVISOR_PASSWORD``; for scripted installs, so that it never appears in a process list or a shell
history) or, when that is unset, asked for twice at the terminal. The site's password rules
(``AUTH_PASSWORD_VALIDATORS``) apply. ``--promote`` makes an existing trainee account a supervisor instead (it
must not be in any cohort: a supervisor is never a trainee of a cohort). ``manage.py createsuperuser`` also makes
a supervisor (and a Django superuser).

Exit status 0 on success; 2 with one line on stderr when the username is taken, the password is refused, or no
password was given.
"""

from __future__ import annotations

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from backend.accounts.auth import password_check
from backend.accounts.models import Role, User


class Command(BaseCommand):
    help = "Create a local supervisor account (password from $MYOQA_SUPERVISOR_PASSWORD or asked for)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--full-name", default="", help="shown in reports and overviews")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            default="MYOQA_SUPERVISOR_PASSWORD",
            help="environment variable holding the password (default MYOQA_SUPERVISOR_PASSWORD); "
            "asked for at the terminal when unset",
        )
        parser.add_argument(
            "--promote", action="store_true", help="make an existing trainee (in no cohort) a supervisor"
        )

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"create_supervisor: {message}\n")
        sys.exit(2)

    def _password(self, env_name: str) -> str:
        password = os.environ.get(env_name, "")
        if password:
            return password
        if not sys.stdin.isatty():
            self._fail(f"no password: set {env_name} (or run this at a terminal to be asked for one)")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            self._fail("the two passwords differ")
        return first

    def handle(self, *args, **opts) -> None:
        username = opts["username"].strip()
        full_name = opts["full_name"].strip()
        first, _, last = full_name.rpartition(" ") if " " in full_name else (full_name, "", "")
        existing = User.objects.filter(username=username).first()
        if existing is not None and not opts["promote"]:
            self._fail(f"the username {username!r} is taken (use --promote to make that trainee a supervisor)")
        if existing is not None and existing.role == Role.SUPERVISOR:
            self._fail(f"{username!r} is a supervisor already")
        if existing is not None and existing.cohorts.exists():
            self._fail(f"{username!r} is a trainee in a cohort; remove them from their cohorts first")
        user = existing or User(username=username, first_name=first, last_name=last, email=opts["email"].strip())
        if existing is None:
            try:
                user.full_clean(exclude=["password"])
            except ValidationError as exc:
                self._fail(" ".join(exc.messages))
        password = self._password(opts["password_env"])
        try:
            password_check(password, user=user, field="password")
        except ValidationError as exc:
            self._fail(f"the password is refused: {' '.join(exc.messages)}")
        with transaction.atomic():
            user.role = Role.SUPERVISOR
            user.set_password(password)
            if full_name:
                user.first_name, user.last_name = first, last
            user.save()
        verb = "promoted to supervisor" if existing is not None else "created"
        self.stdout.write(f"Supervisor {user.username!r} ({user.full_name}) {verb}; they sign in at the MyoQA page.")
