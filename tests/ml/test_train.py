"""The training command: a tiny configuration for a few steps on the CPU, its model folder and card."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("keras")

from ml.infer import ModelNotUsable, Predictor
from ml.train import main


def test_the_command_trains_a_tiny_model_with_folds_by_patient_and_writes_its_card(tmp_path, capsys):
    out = tmp_path / "tiny"
    rc = main(
        [
            "--phantoms",
            "4",
            "--head",
            "unet",
            "--width",
            "0.0625",
            "--folds",
            "2",
            "--epochs",
            "1",
            "--pretrain-epochs",
            "1",
            "--variants",
            "2",
            "--batch-size",
            "4",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "[100.0 %]" in printed and "Cross-validation (by patient)" in printed
    assert "pre-training on phantoms" in printed
    card = json.loads((out / "model_card.json").read_text())
    assert (out / "model.keras").is_file() and (out / "model_card.md").read_text().startswith("# Consensus model")
    folds = card["cross_validation"]
    assert len(folds) == 2
    assert not set(folds[0]["validation_patients"]) & set(folds[1]["validation_patients"])
    assert card["data"]["n_phantom_cases"] == 4 and card["data"]["split"].startswith("by patient")
    assert card["head"] == "unet" and card["optimiser"]["name"] == "Nadam"
    assert card["libraries"]["tensorflow"] and card["libraries"]["keras"]
    assert card["training_seconds"] > 0 and card["inference_seconds"]["median"] > 0
    assert len(card["loss_curve"]) == 1 and np.isfinite(card["loss_curve"][0])
    # The written model loads and runs.
    p = Predictor.load(out)
    assert p.predict_probability(np.zeros((2, 224, 224, 4), np.float32)).shape == (2, 224, 224)


def test_the_command_refuses_missing_data_with_status_2(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m")]) == 2
    assert "link.csv" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "m")]) == 2
    assert "no training cases" in capsys.readouterr().err


def test_a_model_made_with_another_preprocessing_is_refused(copy_trainee_model, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(copy_trainee_model, bad)
    card = json.loads((bad / "model_card.json").read_text())
    card["preprocessing"]["fov_factor"] = 3.0
    (bad / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ModelNotUsable, match="another preprocessing"):
        Predictor.load(bad)
