"""``python manage.py report trainee --user NAME --out FILE.pdf`` / ``report cohort --cohort NAME --out FILE.pdf``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import Cohort, User
from backend.progress.models import ReportJob, ReportKind
from backend.progress.services import render_report


class Command(BaseCommand):
    help = "Write a trainee's or a cohort's training-progress report (PDF) for accreditation."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=["trainee", "cohort"])
        parser.add_argument("--user", help="the trainee's username (trainee report)")
        parser.add_argument("--cohort", help="the cohort's name (cohort report)")
        parser.add_argument("--out", required=True, help="output PDF path")

    def handle(self, *args, **opt) -> None:
        if opt["kind"] == "trainee":
            trainee = User.objects.filter(username=opt["user"] or "").first()
            if trainee is None or not trainee.is_trainee:
                raise CommandError(f"No trainee with username {opt['user']!r}.", returncode=2)
            job = ReportJob(kind=ReportKind.TRAINEE, trainee=trainee)
        else:
            cohorts = list(Cohort.objects.filter(name=opt["cohort"] or "").select_related("supervisor"))
            if len(cohorts) != 1:
                raise CommandError(
                    f"{len(cohorts)} cohorts are named {opt['cohort']!r}; expected exactly one.", returncode=2
                )
            job = ReportJob(kind=ReportKind.COHORT, cohort=cohorts[0])
        pdf = render_report(job)
        Path(opt["out"]).write_bytes(pdf)
        self.stdout.write(f"Report written to {opt['out']} ({len(pdf) // 1024} KiB)")
