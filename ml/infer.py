"""Inference: the automatic consensus of one image given a trainee's contours.

A model folder (written by :mod:`ml.train`) holds ``model.keras`` and ``model_card.json``. :func:`get_predictor`
loads it once per process and keeps it (a Celery worker child loads it in ``worker_process_init``, after the fork:
architecture convention 5). The preprocessing and post-processing constants recorded in the card are checked against
this code's, so a model is never used with a preprocessing it was not trained with.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from backend.cmr.contours import ContourSet

from .postprocess import ConsensusContours, contours_from_probability
from .preprocess import Geometry, model_input, output_to_image, preprocessing_spec

MODEL_FILE = "model.keras"
CARD_FILE = "model_card.json"


class ModelNotUsable(RuntimeError):
    """A model folder that cannot be used (missing files, another preprocessing, a broken file)."""


@dataclass(frozen=True)
class Prediction:
    """One automatic consensus.

    Attributes
    ----------
    consensus : ConsensusContours
        Contours (image pixel coordinates), post-processing flags and confidence.
    probability_224 : ndarray of float32, shape (224, 224)
        The network's myocardium probability on its input grid.
    geometry : Geometry
        The crop the input was taken from.
    seconds : float
        Wall time of preprocessing + network + post-processing.
    """

    consensus: ConsensusContours
    probability_224: np.ndarray
    geometry: Geometry
    seconds: float

    @cached_property
    def probability(self) -> np.ndarray:
        """The probability mapped onto the image grid, float32 ``(rows, columns)`` (made on first use only: the
        contours do not need it)."""
        return output_to_image(self.probability_224, self.geometry)


class Predictor:
    """A consensus model ready for inference.

    Parameters
    ----------
    model : keras.Model
        From :func:`ml.model.build_model` (trained) or :func:`ml.model.load_model`.
    card : dict, optional
        Its model card (``version`` etc.); empty for a model being trained.
    """

    def __init__(self, model, card: dict | None = None) -> None:
        import tensorflow as tf

        self.model = model
        self.card = dict(card or {})
        self._lock = threading.Lock()
        # One traced graph for any batch size (eager calls re-dispatch every layer on each image).
        self._forward = tf.function(
            lambda x: model(x, training=False),
            reduce_retracing=True,
            input_signature=[tf.TensorSpec((None, 224, 224, 4), tf.float32)],
        )

    @classmethod
    def load(cls, folder: str | Path) -> Predictor:
        """Load a model folder written by :mod:`ml.train` and warm it up.

        Parameters
        ----------
        folder : path
            A folder with ``model.keras`` and ``model_card.json``.

        Returns
        -------
        Predictor

        Raises
        ------
        ModelNotUsable
            A file is missing or unreadable, or the card's preprocessing differs from this code's.
        """
        from .model import load_model

        folder = Path(folder)
        card_path = folder / CARD_FILE
        try:
            card = json.loads(card_path.read_text())
        except (OSError, ValueError) as exc:
            raise ModelNotUsable(f"cannot read the model card {card_path}: {exc}") from exc
        if card.get("preprocessing") != preprocessing_spec():
            raise ModelNotUsable(
                f"the model in {folder} was trained with another preprocessing "
                f"({card.get('preprocessing')}); retrain it with this version"
            )
        try:
            model = load_model(folder / MODEL_FILE)
        except (OSError, ValueError) as exc:
            raise ModelNotUsable(f"cannot load {folder / MODEL_FILE}: {exc}") from exc
        p = cls(model, card)
        p.predict_probability(np.zeros((1, 224, 224, 4), np.float32))  # build the graph once (warm-up)
        return p

    def predict_probability(self, x: np.ndarray) -> np.ndarray:
        """The network on a batch of inputs.

        Parameters
        ----------
        x : ndarray of float32, shape (n, 224, 224, 4)

        Returns
        -------
        ndarray of float32, shape (n, 224, 224), values in 0..1
        """
        with self._lock:
            return np.asarray(self._forward(np.asarray(x, dtype=np.float32)), dtype=np.float32)

    def predict(self, frame: np.ndarray, trainee: ContourSet, *, pixel_spacing_mm: tuple[float, float]) -> Prediction:
        """The automatic consensus of one image.

        Parameters
        ----------
        frame : ndarray, shape (rows, columns)
            The display frame (a map in ms, a cine frame, the first echo).
        trainee : ContourSet
            The trainee's contours (the 4th channel and the crop's centre).
        pixel_spacing_mm : (dy, dx), mm

        Returns
        -------
        Prediction

        Raises
        ------
        backend.cmr.errors.InvalidContourError
            The trainee's contour set lacks a wall, or the network found no plausible myocardium.
        """
        t0 = time.perf_counter()
        x, g = model_input(frame, trainee, pixel_spacing_mm=pixel_spacing_mm)
        p224 = self.predict_probability(x[None])[0]
        cc = contours_from_probability(p224, geometry=g)
        return Prediction(consensus=cc, probability_224=p224, geometry=g, seconds=time.perf_counter() - t0)


_CACHE: dict[str, Predictor] = {}
_CACHE_LOCK = threading.Lock()


def get_predictor(folder: str | Path) -> Predictor:
    """The predictor of a model folder, loaded once per process and kept.

    Parameters
    ----------
    folder : path

    Returns
    -------
    Predictor

    Raises
    ------
    ModelNotUsable
    """
    key = str(Path(folder).resolve())
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Predictor.load(key)
        return _CACHE[key]


def loaded_models() -> list[str]:
    """Folders of the models this process has loaded (for tests and the worker's log)."""
    return sorted(_CACHE)
