"""``python manage.py seed_demo``: demo accounts, a cohort, a dataset of synthetic T1-map cases, and attempts.

Idempotent: does nothing when the demo supervisor exists. Every case goes through the same upload path as a real
one (validation, de-identification, storage); every attempt is evaluated by the same service as the worker's.
The trainees' attempts improve over the weeks (smaller epicardial and endocardial errors), so the overview and
the reports have a learning curve to show.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.services import case_create, dataset_create
from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.cmr.savwrite import sav_bytes

DEMO_ACCOUNTS = (
    ("supervisor", "supervisor-demo", Role.SUPERVISOR, "Dr Sam Supervisor"),
    ("trainee1", "trainee1-demo", Role.TRAINEE, "Dr Ada Trainee"),
    ("trainee2", "trainee2-demo", Role.TRAINEE, "Dr Ben Trainee"),
)
# Classmates with earlier attempts, so the class report has a class to show (same password rule: <name>-demo).
CLASSMATES = (
    ("trainee3", "Dr Cleo Trainee", 0.1),
    ("trainee4", "Dr Dev Trainee", 0.45),
    ("trainee5", "Dr Eva Trainee", 0.3),
    ("trainee6", "Dr Finn Trainee", 0.05),
)


def _sav(endo: np.ndarray, epi: np.ndarray) -> bytes:
    return sav_bytes(
        {
            "ENDO_X": endo[:, 0].astype(np.float32),
            "ENDO_Y": endo[:, 1].astype(np.float32),
            "EPI_X": epi[:, 0].astype(np.float32),
            "EPI_Y": epi[:, 1].astype(np.float32),
        }
    )


def _radial(p: np.ndarray, centre, offset) -> np.ndarray:
    v = p - np.asarray(centre)
    r = np.hypot(v[:, 0], v[:, 1])
    return np.asarray(centre) + v * ((r + offset) / r)[:, None]


def attempt_contours(ph, skill: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A trainee-like attempt: epicardium too far out, endocardium drawn inside the trabeculae, some wobble.

    ``skill`` 0 (novice) .. 1 (expert) scales the errors (pixels): epicardial offset up to 3 px, endocardial up to
    2 px, smooth wobble up to 0.8 px.
    """
    err = 1.0 - skill
    t = np.linspace(0, 2 * np.pi, len(ph.epicardium), endpoint=False)
    lateral = 0.5 * (1 + np.cos(t + rng.uniform(0, 2 * np.pi)))
    epi = _radial(ph.epicardium, ph.centre, err * (1.0 + 2.0 * lateral) + rng.normal(0, 0.15))
    te = np.linspace(0, 2 * np.pi, len(ph.endocardium), endpoint=False)
    wobble = sum(rng.normal(0, 0.8 * err + 0.05) * np.cos(k * te + rng.uniform(0, 6.3)) for k in range(2, 5))
    endo = _radial(ph.endocardium, ph.centre, -2.0 * err * rng.uniform(0.5, 1.0) + wobble)
    return endo, epi


class Command(BaseCommand):
    help = "Create the demo accounts, cohort, synthetic T1-map dataset and some trainee attempts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=4)
        parser.add_argument("--attempts", type=int, default=3, help="attempts per trainee and case")

    def handle(self, *args, **opt) -> None:
        from backend.submissions.models import Submission
        from backend.submissions.services import evaluation_run, submission_create

        if User.objects.filter(username="supervisor").exists():
            self.stdout.write("Demo data already present.")
            return
        users = {u: user_create(username=u, password=p, role=r, full_name=n) for u, p, r, n in DEMO_ACCOUNTS}
        users.update(
            {u: user_create(username=u, password=f"{u}-demo", role=Role.TRAINEE, full_name=n) for u, n, _ in CLASSMATES}
        )
        cohort = cohort_create(supervisor=users["supervisor"], name="Demo cohort 2026")
        skills = {"trainee1": 0.35, "trainee2": 0.2, **{u: s for u, _, s in CLASSMATES}}
        for t in skills:
            cohort_add_trainee(cohort=cohort, username=t)
        ds = dataset_create(
            user=users["supervisor"],
            name="Native T1 mapping (synthetic, 1.5 T)",
            cohorts=[cohort],
            description="Synthetic MOLLI-like native T1 maps with gold-standard contours.",
        )
        rng = np.random.default_rng(2026)
        now = timezone.now()
        with tempfile.TemporaryDirectory() as tmp:
            for k in range(opt["cases"]):
                ph = lv_phantom(seed=100 + k, wall_mm=7.0 + k % 3)
                dcm = write_map_dicom(
                    Path(tmp) / f"case{k}.dcm",
                    t1_map_pixels(ph, seed=100 + k),
                    ph,
                    quantity="t1",
                    patient_id=f"SYN-{k:03d}",
                )
                case = case_create(
                    user=users["supervisor"],
                    dataset=ds,
                    title=f"Mid-ventricular T1, case {k + 1}",
                    image_files=[SimpleUploadedFile(dcm.name, dcm.read_bytes())],
                    gold_standard=SimpleUploadedFile("gold.sav", _sav(ph.endocardium, ph.epicardium)),
                )
                for ti, (t, base) in enumerate(skills.items()):
                    for a in range(opt["attempts"]):
                        skill = min(0.97, base + 0.25 * a + rng.uniform(0, 0.1))
                        endo, epi = attempt_contours(ph, skill, rng)
                        with transaction.atomic():
                            sub = submission_create(
                                trainee=users[t], case=case, contours=SimpleUploadedFile("attempt.sav", _sav(endo, epi))
                            )
                        when = now - timedelta(days=7 * (opt["attempts"] - a) + 2 * k + ti, hours=3 * ti)
                        Submission.objects.filter(pk=sub.pk).update(created_at=when)
                        evaluation_run(submission_id=sub.pk)
        self.stdout.write(self.style.SUCCESS("Demo data created."))
