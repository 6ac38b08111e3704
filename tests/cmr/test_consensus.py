from __future__ import annotations

import numpy as np
import pytest

from backend.cmr.consensus import consensus, majority_vote
from backend.cmr.contours import ContourSet, polygon_area
from tests.cmr.synthetic import circle


def test_majority_vote_needs_strictly_more_than_half():
    a = np.array([[1, 1, 0, 0]], bool)
    b = np.array([[1, 0, 1, 0]], bool)
    c = np.array([[1, 0, 0, 0]], bool)
    assert majority_vote([a, b, c]).tolist() == [[True, False, False, False]]
    # Tie (2 of 4, or 1 of 2) is excluded: two raters give their intersection.
    assert majority_vote([a, b]).tolist() == [[True, False, False, False]]
    with pytest.raises(ValueError, match="same shape"):
        majority_vote([a, np.zeros((2, 2), bool)])


def _rater(dx, dy, r_endo, r_epi):
    return ContourSet(circle(64 + dx, 48 + dy, r_endo), circle(64 + dx, 48 + dy, r_epi))


def test_majority_consensus_of_three_raters_is_a_valid_ring_between_them():
    sets = [_rater(-1, 0, 14, 21), _rater(1, 0, 14, 21), _rater(0, 0, 15, 22)]
    c = consensus(sets, (96, 128), method="majority")
    assert c.n_raters == 3 and not c.flags
    assert polygon_area(c.contours.endocardium) < polygon_area(c.contours.epicardium)
    assert np.array_equal(c.regions.myocardium, c.regions.whole & ~c.regions.cavity)
    assert np.pi * 20**2 < polygon_area(c.contours.epicardium) < np.pi * 22.5**2


def test_staple_downweights_an_outlier_rater():
    good = [_rater(0, 0, 14, 21), _rater(0.5, 0, 14, 21), _rater(0, 0.5, 14, 21)]
    outlier = _rater(6, 0, 10, 26)
    c = consensus([*good, outlier], (96, 128), method="staple")
    assert len(c.rater_sensitivity) == 4
    # The outlier's myocardium disagrees most: its sensitivity (or specificity) is the lowest.
    score = np.array(c.rater_sensitivity) + np.array(c.rater_specificity)
    assert int(np.argmin(score)) == 3
    # The consensus stays close to the three agreeing raters.
    assert abs(polygon_area(c.contours.epicardium) - np.pi * 21**2) < 0.06 * np.pi * 21**2


def test_staple_result_does_not_depend_on_the_image_size():
    sets = [_rater(0, 0, 14, 21), _rater(1, 0, 14, 22), _rater(0, 1, 13, 21)]
    small = consensus(sets, (96, 128), method="staple")
    big = consensus(sets, (400, 500), method="staple")
    assert small.regions.myocardium.sum() == big.regions.myocardium[:96, :128].sum()


def test_consensus_refuses_unknown_methods_and_staple_with_one_rater():
    with pytest.raises(ValueError, match="unknown consensus method"):
        consensus([_rater(0, 0, 14, 21)], (96, 128), method="mean")
    with pytest.raises(ValueError, match="two raters"):
        consensus([_rater(0, 0, 14, 21)], (96, 128), method="staple")
