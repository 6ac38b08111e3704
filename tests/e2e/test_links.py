"""Browser end-to-end: every internal link on the trainee's and the supervisor's pages works (issue 9: attempt links
went to ``/submissions/undefined``). A case from a real Sunnybrook frame with its expert SAV and two evaluated
attempts by the trainee; ``links.mjs`` opens home, the case, the feedback, My progress / the trainee's page and the
cohort overview, and follows every internal link on each: no ``undefined`` in an href, no "not found"."""

from __future__ import annotations

import json
import time

from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import Role
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.services import case_create, dataset_create
from backend.submissions.models import EvaluationStatus, Submission
from backend.submissions.services import submission_create
from tests.conftest import shared_path
from tests.e2e.conftest import run_node


def _upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_every_link_on_the_trainee_and_supervisor_pages_opens_a_page(stack):
    dicom = shared_path("scd-sunnybrook", "dicoms", "SCD0000101", "59.dcm")
    expert = shared_path("scd-sunnybrook-sav", "expert", "SC-HF-I-1-059.sav")
    attempts = [
        shared_path("scd-sunnybrook-sav", "trainee", "SC-HF-I-1-059-epi_out.sav"),
        shared_path("scd-sunnybrook-sav", "trainee", "SC-HF-I-1-059-exact.sav"),
    ]
    sup = user_create(username="sup", password="sup-pass-1", role=Role.SUPERVISOR, full_name="Sara Supervisor")
    trainee = user_create(username="alice", password="alice-pass-1", role=Role.TRAINEE, full_name="Alice Trainee")
    cohort = cohort_create(supervisor=sup, name="E2E class")
    cohort_add_trainee(cohort=cohort, username=trainee.username)
    ds = dataset_create(user=sup, name="Sunnybrook cine", cohorts=[cohort])
    case = case_create(
        user=sup, dataset=ds, title="SC-HF-I-1 frame 59", image_files=[_upload(dicom)], gold_standard=_upload(expert)
    )
    subs = [submission_create(trainee=trainee, case=case, contours=_upload(p)) for p in attempts]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        states = set(Submission.objects.filter(pk__in=[s.pk for s in subs]).values_list("status", flat=True))
        if states <= {EvaluationStatus.DONE, EvaluationStatus.FAILED}:
            break
        time.sleep(0.5)
    assert states == {EvaluationStatus.DONE}, states
    ids = {
        "case": case.pk,
        "cohort": cohort.pk,
        "trainee": trainee.pk,
        "submissions": [s.pk for s in subs],
        "latest": subs[-1].pk,
    }
    r = run_node(
        "links.mjs",
        {
            "BASE_URL": stack,
            "SUPERVISOR": "sup",
            "SUPERVISOR_PASSWORD": "sup-pass-1",
            "TRAINEE": "alice",
            "TRAINEE_PASSWORD": "alice-pass-1",
            "IDS": json.dumps(ids),
        },
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "LINKS OK" in r.stdout
    print(r.stdout)  # the links followed on each page (pytest -s)
