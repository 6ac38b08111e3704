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

HINT_SHIFT_MM = 3.0
"""Test-time hint perturbation: the trainee's channel is moved by this much (both axes) in two of the passes."""
MAX_UNCERTAINTY_MM = 1.5
"""Abstain when a contour's test-time spread (mean boundary displacement between passes) exceeds this, mm."""
MAX_HINT_FOLLOWING = 0.5
"""Abstain when the consensus follows a moved hint by more than this fraction of the move (it copies the trainee)."""


def uncertainty_spec() -> dict:
    """How the uncertainty is measured and when the model abstains, for the model card."""
    return {
        "method": "test-time augmentation: 5 passes (as given, left-right flip, up-down flip, trainee channel moved "
        f"by +/-{HINT_SHIFT_MM:g} mm on both axes); the consensus is drawn from the mean probability",
        "per_contour": "mean boundary displacement between each pass and the mean (symmetric-difference area / "
        "perimeter), mm, for the endocardium (cavity) and the epicardium (whole LV)",
        "hint_following": "how far the consensus moves when the trainee's channel moves, as a fraction of the move "
        "(0 = the image decides, 1 = a copy of the trainee's contour)",
        "max_uncertainty_mm": MAX_UNCERTAINTY_MM,
        "max_hint_following": MAX_HINT_FOLLOWING,
        "why": "flips test whether the image evidence fixes the wall; moving the hint tests whether the model "
        "copies the trainee (the failure a single pass cannot see); five passes fit one batch within 0.3 s on 2 cores",
    }


@dataclass(frozen=True)
class Uncertainty:
    """How sure the model is of one consensus.

    Attributes
    ----------
    endocardium_mm, epicardium_mm : float
        Mean boundary displacement between the test-time passes and their mean, mm (inf when a pass found no ring).
    hint_following : float
        Fraction of a moved hint that the consensus followed (0..1, can exceed 1).
    abstain_reason : str
        Empty when the consensus may be used; otherwise a sentence for the trainee.
    """

    endocardium_mm: float
    epicardium_mm: float
    hint_following: float
    abstain_reason: str = ""

    def as_dict(self) -> dict:
        """JSON-ready form (non-finite values as None)."""

        def f(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "endocardium_mm": f(self.endocardium_mm),
            "epicardium_mm": f(self.epicardium_mm),
            "hint_following": f(self.hint_following),
            "abstain_reason": self.abstain_reason,
        }


def _regions(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cavity, whole LV) of a probability map on the input grid: the largest ring's filled region and its hole."""
    from scipy import ndimage

    m = p >= 0.5
    lab, n = ndimage.label(m)
    if n == 0:
        z = np.zeros_like(m)
        return z, z
    sizes = ndimage.sum(m, lab, range(1, n + 1))
    ring = lab == (1 + int(np.argmax(sizes)))
    whole = ndimage.binary_fill_holes(ring)
    return whole & ~ring, whole


def _displacement(a: np.ndarray, b: np.ndarray, px_mm: float) -> float:
    """Mean boundary displacement between two regions: |a xor b| / perimeter of b, in mm (inf if b is empty)."""
    from scipy import ndimage

    if not b.any():
        return float("inf")
    perimeter = int(b.sum() - ndimage.binary_erosion(b).sum())
    return float(np.logical_xor(a, b).sum()) / max(perimeter, 1) * px_mm


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
    uncertainty : Uncertainty or None
        The test-time-augmentation spread (None when predicted with ``uncertainty=False``).
    """

    consensus: ConsensusContours
    probability_224: np.ndarray
    geometry: Geometry
    seconds: float
    uncertainty: Uncertainty | None = None

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

    def predict(
        self,
        frame: np.ndarray,
        trainee: ContourSet,
        *,
        pixel_spacing_mm: tuple[float, float],
        uncertainty: bool = True,
    ) -> Prediction:
        """The automatic consensus of one image, with its uncertainty.

        Parameters
        ----------
        frame : ndarray, shape (rows, columns)
            The display frame (a map, a cine frame).
        trainee : ContourSet
            The trainee's contours (the 4th channel and the crop's centre).
        pixel_spacing_mm : (dy, dx), mm
        uncertainty : bool
            Run the five test-time passes of :func:`uncertainty_spec` (default) or the network once.

        Returns
        -------
        Prediction
            ``uncertainty.abstain_reason`` is set when the consensus must not be used (see
            :data:`MAX_UNCERTAINTY_MM`, :data:`MAX_HINT_FOLLOWING`); the contours are still returned for inspection.

        Raises
        ------
        backend.cmr.errors.InvalidContourError
            The trainee's contour set lacks a wall (an empty hint), or the network found no plausible myocardium.
        """
        t0 = time.perf_counter()
        x, g = model_input(frame, trainee, pixel_spacing_mm=pixel_spacing_mm)
        if not uncertainty:
            p224 = self.predict_probability(x[None])[0]
            cc = contours_from_probability(p224, geometry=g)
            return Prediction(consensus=cc, probability_224=p224, geometry=g, seconds=time.perf_counter() - t0)
        px_mm = g.fov_mm / g.size
        s = max(1, round(HINT_SHIFT_MM / px_mm))
        moved = [np.roll(x, (s, s), axis=(0, 1)), np.roll(x, (-s, -s), axis=(0, 1))]
        batch = [x, x[:, ::-1], x[::-1]]
        for m in moved:
            b = x.copy()
            b[..., 3] = m[..., 3]
            batch.append(b)
        out = self.predict_probability(np.stack(batch))
        passes = [out[0], out[1][:, ::-1], out[2][::-1], out[3], out[4]]
        p224 = np.mean(passes, axis=0).astype(np.float32)
        cav0, whole0 = _regions(p224)
        regions = [_regions(p) for p in passes]
        endo_u = float(np.mean([_displacement(c, cav0, px_mm) for c, _ in regions]))
        epi_u = float(np.mean([_displacement(w, whole0, px_mm) for _, w in regions]))
        # Following: the region under a moved hint against the region under the hint as given, per mm of the move. A
        # region translated by L has a mean boundary displacement (xor area / perimeter) of (2 / pi) L, so a copy of the
        # hint scores 1.
        shift_mm = s * px_mm * np.sqrt(2) * 2 / np.pi
        follow = float(
            np.mean(
                [
                    _displacement(regions[k][1], regions[0][1], px_mm) / shift_mm
                    + _displacement(regions[k][0], regions[0][0], px_mm) / shift_mm
                    for k in (3, 4)
                ]
            )
            / 2
        )
        reasons = []
        for name, u in (("endocardium", endo_u), ("epicardium", epi_u)):
            if not u <= MAX_UNCERTAINTY_MM:
                reasons.append(
                    f"it is unsure of the {name} (its passes differ by "
                    + (f"{u:.1f} mm" if np.isfinite(u) else "more than a ring")
                    + f", more than {MAX_UNCERTAINTY_MM:g} mm)"
                )
        if not follow <= MAX_HINT_FOLLOWING:
            reasons.append(
                f"it follows your own contour instead of the image ({100 * min(follow, 9.99):.0f} % of a move)"
            )
        reason = ("No automatic consensus here: " + "; ".join(reasons) + ".") if reasons else ""
        unc = Uncertainty(endo_u, epi_u, follow, reason)
        cc = contours_from_probability(p224, geometry=g)
        return Prediction(
            consensus=cc, probability_224=p224, geometry=g, seconds=time.perf_counter() - t0, uncertainty=unc
        )


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
