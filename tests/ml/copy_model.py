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
    import keras

    from ml.infer import CARD_FILE, MODEL_FILE
    from ml.postprocess import postprocessing_spec
    from ml.preprocess import preprocessing_spec

    folder.mkdir(parents=True, exist_ok=True)
    inp = keras.Input((224, 224, 4))
    x = keras.layers.Conv2D(1, 1, activation="sigmoid", name="copy")(inp)
    model = keras.Model(inp, keras.layers.Reshape((224, 224))(x))
    k = np.zeros((1, 1, 4, 1), np.float32)
    k[0, 0, 3, 0] = 16.0
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
        "data": {"n_cases": 0},
        "inference_seconds": {"median": 0.01},
    }
    (folder / CARD_FILE).write_text(json.dumps(card))
    return folder
