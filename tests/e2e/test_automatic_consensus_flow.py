"""Browser end-to-end of the automatic consensus: a supervisor activates a consensus model from its card; a trainee's
upload to a case no expert contoured is contoured by the CNN on the ``ml`` queue and the feedback names the model and
its held-out accuracy. The model is the one MyoQA ships (``ml/models/default``, ``settings.DEFAULT_CONSENSUS_MODEL``),
on a frame of a patient it was never trained on (SC-HF-I-2 is held out). Screenshots in ``test-artifacts/e2e/``."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import Role
from backend.accounts.services import cohort_add_trainee, cohort_create, user_create
from backend.cases.services import case_create, dataset_create
from backend.cnn.models import ConsensusModel
from backend.cnn.services import model_register
from tests.conftest import shared_path
from tests.e2e.conftest import ARTIFACTS, run_node


def test_a_supervisor_activates_a_model_and_a_trainee_is_compared_with_it(stack, settings, tmp_path):
    settings.MODEL_ROOT = tmp_path / "models"
    dicom = shared_path("scd-sunnybrook", "dicoms", "SCD0000201", "60.dcm")
    trainee_sav = shared_path("scd-sunnybrook-sav", "layouts", "SC-HF-I-2-060-struct.sav")
    sup = user_create(username="sup", password="sup-pass-1", role=Role.SUPERVISOR, full_name="Sara Supervisor")
    trainee = user_create(username="alice", password="alice-pass-1", role=Role.TRAINEE, full_name="Alice Trainee")
    cohort = cohort_create(supervisor=sup, name="E2E class")
    cohort_add_trainee(cohort=cohort, username=trainee.username)
    ds = dataset_create(user=sup, name="Uncontoured cine", cohorts=[cohort], consensus_source="automatic")
    case = case_create(
        user=sup,
        dataset=ds,
        title="SC-HF-I-2 frame 60, no expert",
        image_files=[SimpleUploadedFile("60.dcm", dicom.read_bytes())],
    )
    shipped = settings.DEFAULT_CONSENSUS_MODEL
    assert (shipped / "model_card.json").is_file(), f"the shipped consensus model is missing from {shipped}"
    assert "SC-HF-I-2" in json.loads((shipped / "model_card.json").read_text())["holdout"]["patients"]
    m = model_register(folder=shipped)
    from backend.cnn.services import activation_refusal

    refusal = activation_refusal(m.card)
    if refusal:
        # The shipped model is below this site's minimum (its card says so, and the app refuses it: tests/backend/cnn).
        # This site accepts it at its own held-out Dice, so the path can be seen end to end.
        assert "this site's m" in refusal  # minimum Dice or maximum abstention
        overall = m.card["holdout"]["overall"]
        settings.CONSENSUS_MIN_HELDOUT_DICE = float(overall["model"]["dice"])
        settings.CONSENSUS_MAX_HELDOUT_ABSTENTION = float(overall["abstention_rate"])
        assert activation_refusal(m.card) == ""
    r = run_node(
        "consensus.mjs",
        {
            "BASE_URL": stack,
            "SUPERVISOR": "sup",
            "SUPERVISOR_PASSWORD": "sup-pass-1",
            "TRAINEE": "alice",
            "TRAINEE_PASSWORD": "alice-pass-1",
            "MODEL_ID": str(m.pk),
            "MODEL_VERSION": m.version,
            "CASE_TITLE": case.title,
            "TRAINEE_SAV": str(trainee_sav),
        },
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "E2E OK" in r.stdout
    assert ConsensusModel.objects.get(pk=m.pk).is_active
    sub = case.submissions.get()
    outcome = json.loads(r.stdout.split("E2E OK ", 1)[1].splitlines()[0])["outcome"]
    if outcome == "consensus":
        assert sub.consensus_model_id == m.pk and sub.reference.kind == "automatic"
    else:  # the model abstained: nothing stored as the consensus, and the attempt is not scored
        assert sub.reference is None and sub.summary["verdict"]["result"] == "not_assessed"
    for name in ("supervisor-consensus-models.png", "supervisor-model-card.png", "trainee-automatic-feedback.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
