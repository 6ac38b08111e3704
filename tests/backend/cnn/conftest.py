"""Fixtures of the automatic-consensus app: a model root per test and a registered copy-the-trainee model."""

from __future__ import annotations

import pytest

from tests.ml.copy_model import write_copy_trainee_model, write_image_reading_model


@pytest.fixture(autouse=True)
def _model_root(settings, tmp_path):
    settings.MODEL_ROOT = tmp_path / "models"


@pytest.fixture(scope="session")
def copy_model_folder(tmp_path_factory):
    return write_copy_trainee_model(tmp_path_factory.mktemp("trained") / "copy-trainee")


@pytest.fixture
def registered_model(db, copy_model_folder):
    from backend.cnn.services import model_register

    return model_register(folder=copy_model_folder)


@pytest.fixture(scope="session")
def image_model_folder(tmp_path_factory):
    return write_image_reading_model(tmp_path_factory.mktemp("trained") / "image-reading")


@pytest.fixture
def image_model(db, image_model_folder):
    """A registered model that reads only the image (it draws the true ring on a ring image, whatever the trainee
    drew; see tests/ml/copy_model.py)."""
    from backend.cnn.services import model_register

    return model_register(folder=image_model_folder)
