"""Fixtures of the consensus-CNN tests: small phantoms and the copy-the-trainee model (tests/ml/copy_model.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ml.copy_model import write_copy_trainee_model

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def copy_trainee_model(tmp_path_factory) -> Path:
    return write_copy_trainee_model(tmp_path_factory.mktemp("models") / "copy-trainee")


@pytest.fixture
def lv():
    from backend.cmr.phantom import lv_phantom

    return lv_phantom(shape=(176, 208), pixel_spacing_mm=(1.3, 1.5), seed=5)
