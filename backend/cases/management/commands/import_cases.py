"""``python manage.py import_cases``: load a folder of real cases (images + expert SAV contours) into a dataset.

Layout understood (that of the Sunnybrook Cardiac Data copy and its SAV versions)::

    DICOMS/link.csv                 patient_id,original_id   (e.g. SCD0000101,SC-HF-I-1)
    DICOMS/dicoms/<patient_id>/<instance>.dcm
    CONTOURS/expert/<original_id>-<instance, 3 digits>.sav   (or .dcm: a DICOM SEG / RTSTRUCT; or .json polygons)

Each expert contour file becomes one case with that file as its gold standard; every upload goes through the same
validation and de-identification as a web upload. Cases whose files are refused are reported and skipped.
Example::

    python manage.py import_cases ../shared/data/scd-sunnybrook ../shared/data/scd-sunnybrook-sav \\
        --dataset "Sunnybrook cine (real)" --supervisor supervisor --cohort "Demo cohort 2026"
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from backend.accounts.models import Cohort, User
from backend.cases.models import Dataset
from backend.cases.rv_insertion import case_rv_insertion_estimate
from backend.cases.services import case_create, dataset_create
from backend.cmr.errors import CMRError

SAV_NAME = re.compile(r"^(?P<case>.+)-(?P<instance>\d{3,})\.(sav|dcm|json)$", re.IGNORECASE)


class Command(BaseCommand):
    help = "Import real cases (DICOM + expert SAV) into a dataset, e.g. the Sunnybrook frames."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dicoms", type=Path, help="folder with link.csv and dicoms/<patient_id>/<n>.dcm")
        parser.add_argument("contours", type=Path, help="folder with expert/<case>-<nnn>.sav")
        parser.add_argument("--dataset", required=True, help="dataset name (created when new)")
        parser.add_argument("--supervisor", required=True, help="username of the supervisor who owns the dataset")
        parser.add_argument("--cohort", default=None, help="give the dataset to this cohort of the supervisor")
        parser.add_argument(
            "--limit", type=int, default=None, help="consider only the first N SAV files (sorted by name)"
        )

    def handle(self, *args, **opt) -> None:
        sup = User.objects.filter(username=opt["supervisor"]).first()
        if sup is None or not sup.is_supervisor:
            raise CommandError(f"No supervisor named {opt['supervisor']!r}.")
        link = opt["dicoms"] / "link.csv"
        if not link.exists():
            raise CommandError(f"{link} not found: expected link.csv (patient_id,original_id) in the DICOM folder.")
        patients = {r["original_id"]: r["patient_id"] for r in csv.DictReader(link.open())}
        cohorts = list(Cohort.objects.filter(supervisor=sup, name=opt["cohort"])) if opt["cohort"] else []
        if opt["cohort"] and not cohorts:
            raise CommandError(f"{sup.username} has no cohort named {opt['cohort']!r}.")
        dataset = Dataset.objects.filter(created_by=sup, name=opt["dataset"]).first() or dataset_create(
            user=sup, name=opt["dataset"], cohorts=cohorts, description="Imported with manage.py import_cases"
        )
        done = skipped = 0
        expert = sorted(p for p in (opt["contours"] / "expert").glob("*") if SAV_NAME.match(p.name))
        for sav in expert[: opt["limit"]]:
            m = SAV_NAME.match(sav.name)
            patient = patients.get(m["case"]) if m else None
            dcm = opt["dicoms"] / "dicoms" / str(patient) / f"{int(m['instance'])}.dcm" if m and patient else None
            if m is None or dcm is None or not dcm.exists():
                self.stderr.write(f"skipped {sav.name}: no matching DICOM")
                skipped += 1
                continue
            title = f"{m['case']} frame {int(m['instance'])}"
            if dataset.cases.filter(title=title).exists():
                continue
            try:
                case = case_create(
                    user=sup,
                    dataset=dataset,
                    title=title,
                    image_files=[SimpleUploadedFile(dcm.name, dcm.read_bytes())],
                    gold_standard=SimpleUploadedFile(sav.name, sav.read_bytes()),
                )
                case_rv_insertion_estimate(case=case)  # unconfirmed: a supervisor confirms it on the case page
                done += 1
            except CMRError as exc:
                self.stderr.write(f"skipped {sav.name}: {exc}")
                skipped += 1
        self.stdout.write(f"Imported {done} case(s) into {dataset.name!r}; {skipped} skipped.")
