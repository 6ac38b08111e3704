from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from backend.cmr.reliability import bland_altman, coefficient_of_variation, coefficient_of_variation_per_target, icc_2_1
from tests.conftest import REPO

# pingouin 0.7 calls a pandas method pandas 3.1 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float
)


def _pingouin_icc2(x: np.ndarray) -> dict:
    pg = pytest.importorskip("pingouin")
    pd = pytest.importorskip("pandas")
    n, k = x.shape
    df = pd.DataFrame({"t": np.repeat(np.arange(n), k), "r": np.tile(np.arange(k), n), "s": x.ravel()})
    out = pg.intraclass_corr(data=df, targets="t", raters="r", ratings="s", nan_policy="omit")
    row = out.set_index("Type").loc["ICC(A,1)"]
    return {
        "icc": float(row["ICC"]),
        "f": float(row["F"]),
        "p": float(row["pval"]),
        "ci": [float(v) for v in row["CI95"]],
        "df2": int(row["df2"]),
    }


def test_it_reproduces_the_shrout_fleiss_worked_example():
    r = icc_2_1(SHROUT_FLEISS)
    assert round(r.icc, 2) == 0.29
    # Their Table 2 mean squares: BMS 11.24, EMS 1.02, so F = 11.03 on (5, 15) df.
    assert r.f == pytest.approx(11.24 / 1.02, rel=2e-3)
    assert (r.df1, r.df2, r.n, r.k) == (5, 15, 6, 4)
    assert r.ci_low < r.icc < r.ci_high
    assert r.flags == ()


def test_its_confidence_interval_matches_pingouin_on_the_worked_example():
    r = icc_2_1(SHROUT_FLEISS)
    ref = _pingouin_icc2(SHROUT_FLEISS)
    assert r.icc == pytest.approx(ref["icc"], abs=1e-12)
    assert r.f == pytest.approx(ref["f"], rel=1e-9)
    assert r.p == pytest.approx(ref["p"], rel=1e-6)
    # pingouin rounds its CI to 2 decimals
    assert r.ci_low == pytest.approx(ref["ci"][0], abs=0.0051)
    assert r.ci_high == pytest.approx(ref["ci"][1], abs=0.0051)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_it_matches_pingouin_on_random_ratings(seed):
    rng = np.random.default_rng(seed)
    n, k = 12, 5
    x = 1000 + rng.normal(0, 30, (n, 1)) + rng.normal(0, 8, (1, k)) + rng.normal(0, 12, (n, k))
    r = icc_2_1(x)
    ref = _pingouin_icc2(x)
    assert r.icc == pytest.approx(ref["icc"], abs=1e-10)
    assert r.p == pytest.approx(ref["p"], rel=1e-6, abs=1e-300)
    assert r.df2 == ref["df2"]
    assert r.ci_low == pytest.approx(ref["ci"][0], abs=0.0051)
    assert r.ci_high == pytest.approx(ref["ci"][1], abs=0.0051)


def test_it_drops_targets_with_a_missing_rating_as_pingouin_does():
    x = SHROUT_FLEISS.copy()
    x[1, 2] = np.nan
    r = icc_2_1(x)
    assert (r.n, r.n_dropped) == (5, 1)
    assert "rows_dropped" in r.flags
    assert r.icc == pytest.approx(icc_2_1(np.delete(SHROUT_FLEISS, 1, axis=0)).icc)
    assert r.icc == pytest.approx(_pingouin_icc2(x)["icc"], abs=1e-12)


@pytest.mark.parametrize(
    "x, flag",
    [
        (np.array([[1.0, 2.0, 3.0]]), "too_few_targets"),
        (np.array([[1.0], [2.0], [3.0]]), "too_few_raters"),
        (np.full((4, 3), 7.0), "no_variance"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "too_few_targets"),
        (np.empty((0, 3)), "too_few_targets"),
    ],
)
def test_it_returns_nan_with_a_flag_when_the_icc_is_undefined(x, flag):
    r = icc_2_1(x)
    assert math.isnan(r.icc) and math.isnan(r.ci_low) and math.isnan(r.ci_high)
    assert flag in r.flags
    assert not r.defined


def test_a_perfect_agreement_gives_one_and_flags_the_missing_interval():
    x = np.array([[1.0, 1.0], [2.0, 2.0], [5.0, 5.0]])
    r = icc_2_1(x)
    assert r.icc == pytest.approx(1.0)
    assert "ci_undefined" in r.flags


def test_a_rater_who_reads_every_target_high_lowers_the_absolute_agreement():
    rng = np.random.default_rng(3)
    base = rng.normal(1000, 40, 10)
    x = np.column_stack([base + rng.normal(0, 5, 10), base + rng.normal(0, 5, 10)])
    shifted = x.copy()
    shifted[:, 1] += 60
    assert icc_2_1(shifted).icc < icc_2_1(x).icc


def test_it_rejects_ratings_that_are_not_a_table():
    with pytest.raises(ValueError, match="2-D"):
        icc_2_1(np.arange(5.0))


def test_bland_altman_gives_the_hand_computed_bias_and_limits():
    # differences 0, 2, 4: mean 2, SD 2 (ddof=1), limits 2 -/+ 3.92
    r = bland_altman([10.0, 12.0, 14.0], [10.0, 10.0, 10.0])
    assert (r.bias, r.sd, r.n) == (pytest.approx(2.0), pytest.approx(2.0), 3)
    assert r.loa_low == pytest.approx(-1.92)
    assert r.loa_high == pytest.approx(5.92)
    assert r.flags == ()


def test_bland_altman_leaves_out_pairs_with_a_missing_value():
    r = bland_altman([10.0, np.nan, 14.0, 11.0], [9.0, 5.0, 13.0, np.inf])
    assert r.n == 2 and r.bias == pytest.approx(1.0) and r.sd == pytest.approx(0.0)
    assert "pairs_dropped" in r.flags


def test_bland_altman_is_nan_with_too_few_pairs():
    one = bland_altman([3.0], [1.0])
    assert one.bias == 2.0 and math.isnan(one.sd) and math.isnan(one.loa_low) and "single_pair" in one.flags
    none = bland_altman([], [])
    assert math.isnan(none.bias) and none.n == 0 and "no_pairs" in none.flags


def test_bland_altman_rejects_unpaired_input():
    with pytest.raises(ValueError, match="same length"):
        bland_altman([1.0, 2.0], [1.0])


def test_the_coefficient_of_variation_is_the_sample_sd_over_the_mean_in_percent():
    assert coefficient_of_variation([90.0, 100.0, 110.0]) == pytest.approx(10.0)
    assert coefficient_of_variation([90.0, np.nan, 110.0]) == pytest.approx(100 * np.std([90, 110], ddof=1) / 100)
    assert math.isnan(coefficient_of_variation([5.0]))
    assert math.isnan(coefficient_of_variation([-1.0, 1.0]))


def test_the_per_case_cv_is_taken_across_raters_of_each_row():
    x = np.array([[90.0, 100.0, 110.0], [1000.0, np.nan, 1000.0], [5.0, np.nan, np.nan]])
    cv = coefficient_of_variation_per_target(x)
    assert cv[0] == pytest.approx(10.0) and cv[1] == pytest.approx(0.0) and math.isnan(cv[2])


def test_the_reliability_module_never_imports_django():
    code = (
        "import sys\nimport backend.cmr.reliability\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\nassert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
