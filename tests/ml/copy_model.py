"""A copy-the-trainee consensus model: a real ``.keras`` file in a real model folder (card included).

Its network is one 1x1 convolution that reads only the 4th channel (the trainee's mask) with logit +-8, so its output
is the trainee's ring. It lets the whole inference path (preprocessing, Keras, mapping back, post-processing, the
app's storage and queue) be tested without a trained network; trained networks are measured by ``python -m
ml.train`` (their model card).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def write_copy_trainee_model(folder: Path, version: str = "copy-trainee-test") -> Path:
    """Write a model folder whose network returns the trainee's mask (see the module docstring)."""
    return _write_one_channel_model(folder, version, channel=3)


def write_image_reading_model(folder: Path, version: str = "image-reading-test") -> Path:
    """Write a model folder whose network reads only the image (channel 0) and ignores the trainee's contour.

    On an image that is 1 in the myocardium and 0 elsewhere, its output is the true ring whatever the trainee drew:
    the behaviour the uncertainty check must accept, where it refuses the copy-the-trainee model.
    """
    return _write_one_channel_model(folder, version, channel=0)


def write_orientation_dependent_model(folder: Path, offset_px: int = 12, version: str = "orientation-test") -> Path:
    """Write a model folder that reads the image ``offset_px`` input pixels to the right of each pixel.

    Its answer depends on the image's orientation (a left-right flip moves it by twice the offset), as a network
    that has not learnt the anatomy does: the test-time passes disagree and the uncertainty check must abstain.
    """
    return _write_one_channel_model(folder, version, channel=0, offset_px=offset_px)


def _write_one_channel_model(folder: Path, version: str, *, channel: int, offset_px: int = 0) -> Path:
    import keras

    from ml.infer import CARD_FILE, MODEL_FILE
    from ml.postprocess import postprocessing_spec
    from ml.preprocess import preprocessing_spec

    folder.mkdir(parents=True, exist_ok=True)
    inp = keras.Input((224, 224, 4))
    width = 2 * offset_px + 1
    x = keras.layers.Conv2D(1, (1, width), padding="same", activation="sigmoid", name="copy")(inp)
    model = keras.Model(inp, keras.layers.Reshape((224, 224))(x))
    k = np.zeros((1, width, 4, 1), np.float32)
    k[0, width - 1, channel, 0] = 16.0
    model.get_layer("copy").set_weights([k, np.array([-8.0], np.float32)])
    model.save(folder / MODEL_FILE)
    card = {
        "version": version,
        "head": "unet",
        "width": 1.0,
        "parameters": int(model.count_params()),
        "preprocessing": preprocessing_spec(),
        "postprocessing": postprocessing_spec(),
        "holdout": {"patients": ["P2"], "overall": {"model": {"dice": 0.9, "hd_mm": 3.0, "msd_mm": 1.0}}},
        "cross_validation": [],
        "data": {"n_cases": 0, "image_kinds": ["magnitude", "t1_map", "t2_map"]},
        "inference_seconds": {"median": 0.01},
    }
    (folder / CARD_FILE).write_text(json.dumps(card))
    return folder
