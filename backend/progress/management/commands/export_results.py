"""``python manage.py export_results --cohort NAME --out FILE.csv`` (or ``--dataset NAME``, ``--trainee USERNAME``).

The CSV of every result in scope (one row per submission, every number of its evaluation summary; the columns of
:data:`backend.progress.exports.COLUMNS`). A cohort or dataset name that several supervisors use needs
``--supervisor USERNAME``.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import Cohort, User
from backend.cases.models import Dataset
from backend.progress.exports import export_results


class Command(BaseCommand):
    help = "Export results as CSV: one row per submission with every number of its evaluation summary."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--cohort", help="the cohort's name")
        scope.add_argument("--dataset", help="the dataset's name")
        scope.add_argument("--trainee", help="the trainee's username")
        parser.add_argument("--supervisor", help="the supervisor's username, when several use the name")
        parser.add_argument("--out", required=True, help="the CSV file to write ('-' for standard output)")

    def handle(self, *args, cohort=None, dataset=None, trainee=None, supervisor=None, out=None, **options):
        sup = None
        if supervisor:
            sup = User.objects.filter(username=supervisor).first()
            if sup is None or not sup.is_supervisor:
                raise CommandError(f"There is no supervisor with the username {supervisor!r}.")
        scope: dict = {}
        if cohort is not None:
            scope["cohort"] = self._one(Cohort.objects.filter(name=cohort), "cohort", cohort, sup, "supervisor")
        elif dataset is not None:
            scope["dataset"] = self._one(Dataset.objects.filter(name=dataset), "dataset", dataset, sup, "created_by")
        else:
            t = User.objects.filter(username=trainee).first()
            if t is None or not t.is_trainee:
                raise CommandError(f"There is no trainee with the username {trainee!r}.")
            scope["trainee"] = t
        text = export_results(reader=sup, **scope)
        n = max(text.count("\n") - 1, 0)
        if out == "-":
            self.stdout.write(text, ending="")
            return
        Path(out).write_text(text, encoding="utf-8")
        self.stderr.write(f"Wrote {n} results to {out}.")

    @staticmethod
    def _one(qs, what: str, name: str, sup: User | None, owner_field: str):
        if sup is not None:
            qs = qs.filter(**{owner_field: sup})
        found = list(qs[:2])
        if not found:
            raise CommandError(f"There is no {what} named {name!r}" + (f" of {sup.username}." if sup else "."))
        if len(found) > 1:
            raise CommandError(f"Several supervisors have a {what} named {name!r}: add --supervisor USERNAME.")
        return found[0]
