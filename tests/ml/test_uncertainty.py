"""The automatic consensus knows when it does not know: test-time passes, hint following, abstention.

Oracles: two real ``.keras`` models with known behaviour (tests/ml/copy_model.py): one returns the trainee's contour
whatever the image shows (it must abstain: its consensus follows a moved hint one for one), one reads only the image
(on an image that is 1 in the myocardium it returns the true ring whatever the trainee drew: it must be accepted).
"""

from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.contours import ContourSet, lv_regions
from backend.cmr.errors import InvalidContourError
from backend.cmr.metrics import overlap_metrics
from ml.infer import MAX_HINT_FOLLOWING, MAX_UNCERTAINTY_MM, Predictor, uncertainty_spec
from tests.ml.copy_model import (
    write_copy_trainee_model,
    write_image_reading_model,
    write_orientation_dependent_model,
)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    base = tmp_path_factory.mktemp("unc")
    return (
        Predictor.load(write_copy_trainee_model(base / "copy")),
        Predictor.load(write_image_reading_model(base / "image")),
    )


def _ring_image(lv):
    """An image that is 1 in the phantom's myocardium and 0 elsewhere."""
    return lv_regions(ContourSet(lv.endocardium, lv.epicardium), lv.shape).myocardium.astype(float)


def _shifted(lv, dx, dy):
    d = np.array([dx, dy], float)
    return ContourSet(endocardium=lv.endocardium + d, epicardium=lv.epicardium + d)


def test_a_model_that_copies_the_trainee_abstains_and_says_why(models, lv):
    copy, _ = models
    p = copy.predict(_ring_image(lv), _shifted(lv, 4, 0), pixel_spacing_mm=lv.pixel_spacing_mm)
    u = p.uncertainty
    # A copy follows a moved hint one for one (the measure is scaled so that a copy scores 1).
    assert u.hint_following == pytest.approx(1.0, abs=0.2)
    assert u.hint_following > MAX_HINT_FOLLOWING
    assert u.abstain_reason.startswith("No automatic consensus here")
    assert "follows your own contour" in u.abstain_reason


def test_a_model_that_reads_the_image_is_trusted_and_ignores_a_wrong_hint(models, lv):
    _, image = models
    truth = lv_regions(ContourSet(lv.endocardium, lv.epicardium), lv.shape).myocardium
    p = image.predict(_ring_image(lv), _shifted(lv, 4, -3), pixel_spacing_mm=lv.pixel_spacing_mm)
    u = p.uncertainty
    assert u.abstain_reason == ""
    assert u.hint_following < 0.1
    assert u.endocardium_mm < MAX_UNCERTAINTY_MM and u.epicardium_mm < MAX_UNCERTAINTY_MM
    got = lv_regions(p.consensus.contours, lv.shape).myocardium
    assert overlap_metrics(got, truth).dice > 0.9


def test_a_model_whose_answer_depends_on_the_orientation_abstains(lv, tmp_path):
    p = Predictor.load(write_orientation_dependent_model(tmp_path / "orient", offset_px=12))
    r = p.predict(_ring_image(lv), _shifted(lv, 0, 0), pixel_spacing_mm=lv.pixel_spacing_mm)
    u = r.uncertainty
    # The left-right pass lands 24 input pixels from the others: the passes disagree by more than the threshold.
    assert max(u.endocardium_mm, u.epicardium_mm) > MAX_UNCERTAINTY_MM
    assert "unsure of the" in u.abstain_reason


def test_an_empty_hint_is_refused_before_the_network_runs(models, lv):
    copy, _ = models
    with pytest.raises(InvalidContourError):
        copy.predict(_ring_image(lv), ContourSet(None, None), pixel_spacing_mm=lv.pixel_spacing_mm)


def test_the_card_records_the_method_and_thresholds():
    spec = uncertainty_spec()
    assert spec["max_uncertainty_mm"] == MAX_UNCERTAINTY_MM and spec["max_hint_following"] == MAX_HINT_FOLLOWING
    assert "test-time augmentation" in spec["method"]
