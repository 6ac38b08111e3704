"""Consensus model endpoints: supervisors list them, read the card, activate one; trainees cannot."""

from __future__ import annotations

import json
import shutil

import pytest

from backend.cnn.models import ConsensusModel
from backend.cnn.services import ModelError, model_register
from tests.backend.conftest import ApiClient


def test_a_registered_model_is_copied_under_the_model_root_and_inactive(registered_model, settings):
    m = registered_model
    assert not m.is_active and m.version == "copy-trainee-test" and m.head == "unet"
    assert (settings.MODEL_ROOT / m.folder / "model.keras").is_file()
    assert model_register(folder=settings.MODEL_ROOT / m.folder).pk == m.pk  # registering again is a no-op


def test_a_supervisor_sees_the_card_and_activates_the_model(registered_model, supervisor):
    c = ApiClient(supervisor)
    listed = c.get("/api/consensus-models/").json()
    assert [m["version"] for m in listed] == ["copy-trainee-test"] and listed[0]["is_active"] is False
    assert listed[0]["accuracy"]["dice"] == pytest.approx(0.9)
    assert listed[0]["accuracy"]["basis"] == "held-out patients P2"
    card = c.get(f"/api/consensus-models/{registered_model.pk}").json()
    assert card["card"]["preprocessing"]["input_size"] == 224
    assert card["summary_markdown"].startswith("# Consensus model copy-trainee-test")
    r = c.post(f"/api/consensus-models/{registered_model.pk}/activate")
    assert r.status_code == 200 and r.json()["is_active"] and r.json()["activated_by"] == "sup"
    ds = c.post("/api/datasets/", {"name": "CNN", "consensus_source": "automatic"}).json()
    assert ds["automatic_consensus_available"] is True
    assert c.post("/api/consensus-models/deactivate").status_code == 204
    assert not ConsensusModel.objects.filter(is_active=True).exists()


def test_only_one_model_is_active_at_a_time(registered_model, copy_model_folder, supervisor, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(copy_model_folder, other)
    card = json.loads((other / "model_card.json").read_text())
    card["version"] = "copy-trainee-second"
    (other / "model_card.json").write_text(json.dumps(card))
    second = model_register(folder=other)
    c = ApiClient(supervisor)
    c.post(f"/api/consensus-models/{registered_model.pk}/activate")
    c.post(f"/api/consensus-models/{second.pk}/activate")
    assert list(ConsensusModel.objects.filter(is_active=True).values_list("version", flat=True)) == [
        "copy-trainee-second"
    ]


def test_it_checks_ownership(registered_model, trainee_a, trainee_b):
    for user in (trainee_a, trainee_b):
        c = ApiClient(user)
        assert c.get("/api/consensus-models/").status_code == 403
        assert c.get(f"/api/consensus-models/{registered_model.pk}").status_code == 404
        assert c.post(f"/api/consensus-models/{registered_model.pk}/activate").status_code == 404
        assert c.post("/api/consensus-models/deactivate").status_code == 403
    assert not ConsensusModel.objects.get(pk=registered_model.pk).is_active


def test_a_folder_without_a_model_or_with_another_preprocessing_is_refused(copy_model_folder, tmp_path, db):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="Cannot read the model card"):
        model_register(folder=empty)
    bad = tmp_path / "bad"
    shutil.copytree(copy_model_folder, bad)
    card = json.loads((bad / "model_card.json").read_text())
    card["preprocessing"]["input_size"] = 256
    (bad / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="another preprocessing"):
        model_register(folder=bad)
    assert not ConsensusModel.objects.exists()


def test_the_register_command_registers_and_activates(copy_model_folder, db):
    from django.core.management import call_command

    call_command("register_model", str(copy_model_folder), "--activate")
    assert ConsensusModel.objects.get(is_active=True).version == "copy-trainee-test"


def _variant(copy_model_folder, tmp_path, version, **card_changes):
    folder = tmp_path / version
    shutil.copytree(copy_model_folder, folder)
    card = json.loads((folder / "model_card.json").read_text())
    card["version"] = version
    card.update(card_changes)
    (folder / "model_card.json").write_text(json.dumps(card))
    return model_register(folder=folder)


def test_a_model_without_a_held_out_evaluation_cannot_be_activated(copy_model_folder, supervisor, tmp_path):
    m = _variant(
        copy_model_folder,
        tmp_path,
        "not-evaluated",
        holdout=None,
        cross_validation=[{"fold": 1, "model_vs_expert": {"dice": 0.95, "hd_mm": 2.0, "msd_mm": 0.5}}],
    )
    c = ApiClient(supervisor)
    listed = {x["version"]: x for x in c.get("/api/consensus-models/").json()}
    assert "no held-out evaluation" in listed["not-evaluated"]["activation_refusal"]
    r = c.post(f"/api/consensus-models/{m.pk}/activate")
    assert r.status_code == 400
    assert "no held-out evaluation" in r.json()["detail"]
    assert not ConsensusModel.objects.filter(is_active=True).exists()


def test_a_held_out_dice_below_the_site_minimum_is_refused_and_the_minimum_is_a_setting(
    copy_model_folder, supervisor, tmp_path, settings
):
    weak = {"patients": ["P9"], "overall": {"model": {"dice": 0.80, "hd_mm": 6.0, "msd_mm": 2.0}}}
    m = _variant(copy_model_folder, tmp_path, "weak", holdout=weak)
    c = ApiClient(supervisor)
    r = c.post(f"/api/consensus-models/{m.pk}/activate")
    assert r.status_code == 400
    assert "Dice 0.800" in r.json()["detail"] and "minimum of 0.85" in r.json()["detail"]
    settings.CONSENSUS_MIN_HELDOUT_DICE = 0.75  # a site that accepts less
    assert c.post(f"/api/consensus-models/{m.pk}/activate").status_code == 200
    assert ConsensusModel.objects.get(is_active=True).version == "weak"


def test_the_register_command_refuses_to_activate_an_unevaluated_model(copy_model_folder, tmp_path, db):
    from django.core.management import CommandError, call_command

    folder = tmp_path / "unevaluated"
    shutil.copytree(copy_model_folder, folder)
    card = json.loads((folder / "model_card.json").read_text())
    card.update(version="unevaluated", holdout=None)
    (folder / "model_card.json").write_text(json.dumps(card))
    with pytest.raises((CommandError, ModelError), match="no held-out evaluation"):
        call_command("register_model", str(folder), "--activate")
    assert not ConsensusModel.objects.filter(is_active=True).exists()


def test_a_model_that_abstains_on_most_held_out_images_is_refused_whatever_its_dice(
    copy_model_folder, supervisor, tmp_path
):
    shy = {
        "patients": ["P9"],
        "overall": {"model": {"dice": 0.95, "hd_mm": 2.0, "msd_mm": 0.5}, "abstention_rate": 0.8},
    }
    m = _variant(copy_model_folder, tmp_path, "shy", holdout=shy)
    r = ApiClient(supervisor).post(f"/api/consensus-models/{m.pk}/activate")
    assert r.status_code == 400 and "no consensus for 80 %" in r.json()["detail"]
