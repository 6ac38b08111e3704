"""Agreement between observers: intraclass correlation, Bland–Altman limits and the coefficient of variation.

ICC(2,1) (:func:`icc_2_1`)
    Shrout & Fleiss (1979) case 2, single rater: every target is rated by the same k raters, who are a random
    sample of raters; **absolute agreement** (a rater who reads every case 10 ms high lowers the ICC). McGraw &
    Wong (1996) call it ICC(A,1). From the two-way ANOVA without replication of an ``(n targets, k raters)`` table
    with mean squares ``BMS`` (between targets, df ``n - 1``), ``JMS`` (between raters / judges, df ``k - 1``) and
    ``EMS`` (residual, df ``(n - 1)(k - 1)``)::

        ICC(2,1) = (BMS - EMS) / (BMS + (k - 1) EMS + k (JMS - EMS) / n)

    The F test of ``ICC = 0`` is ``F = BMS / EMS`` on ``(n - 1, (n - 1)(k - 1))`` degrees of freedom. The 95 % CI
    is Shrout & Fleiss's (their eq. for case 2, McGraw & Wong Table 7 "A,1") with Satterthwaite's approximate
    degrees of freedom ``v``::

        v = (k-1)(n-1) [k ICC Fj + n (1 + (k-1) ICC) - k ICC]^2
            / [(n-1) k^2 ICC^2 Fj^2 + (n (1 + (k-1) ICC) - k ICC)^2],          Fj = JMS / EMS
        F* = F_{1-a/2}(n-1, v):  lower = n (BMS - F* EMS) / (F* (k JMS + (kn - k - n) EMS) + n BMS)
        F* = F_{1-a/2}(v, n-1):  upper = n (F* BMS - EMS) / (k JMS + (kn - k - n) EMS + n F* BMS)

    the formula pingouin's ``intraclass_corr`` uses for "ICC2" (``tests/cmr/test_reliability.py`` checks ours
    against it and against Shrout & Fleiss's worked example, Table 2: ICC(2,1) = 0.29).

    **Missing ratings**: a target (row) with any non-finite rating is **dropped** (listwise deletion, as
    pingouin's ``nan_policy="omit"``); ``n`` counts the rows used, ``n_dropped`` the rows left out, and the flag
    ``"rows_dropped"`` says so. The ICC is undefined (NaN, never a made-up 0) with fewer than 2 complete targets
    (``"too_few_targets"``), fewer than 2 raters (``"too_few_raters"``) or no variance at all
    (``"no_variance"``: every rating equal); the CI alone is NaN when its formula breaks down (``"ci_undefined"``,
    e.g. a perfect ICC of 1 with ``EMS = 0``).

Bland–Altman (:func:`bland_altman`)
    Bland & Altman (Lancet 1986): differences ``d = a - b``; bias ``mean(d)``; SD of ``d`` with ``ddof=1``; 95 %
    limits of agreement ``bias ± 1.96 SD``. Pairs where either value is non-finite are left out.

Coefficient of variation (:func:`coefficient_of_variation`, :func:`coefficient_of_variation_per_target`)
    ``100 · SD / |mean|`` in %, SD with ``ddof=1``, over the finite values; NaN with fewer than 2 finite values or
    a zero mean. Per target: across the raters of each row (e.g. the myocardial T1 of one case across trainees).

Sources: Shrout PE, Fleiss JL, Psychol Bull 86:420-428 (1979); McGraw KO, Wong SP, Psychol Methods 1:30-46 (1996);
Bland JM, Altman DG, Lancet 1:307-310 (1986).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

_NAN = float("nan")

LOA_Z = 1.96
"""Multiplier of the SD of the differences for the 95 % limits of agreement (Bland & Altman 1986)."""


Values = np.ndarray | Sequence[float | None]
"""Measurements: an array, or a sequence in which ``None`` means missing (read as NaN)."""


@dataclass(frozen=True)
class ICCResult:
    """ICC(2,1) of a targets x raters table, with its F test and 95 % confidence interval.

    Attributes
    ----------
    icc : float
        ICC(2,1) (absolute agreement, single rater); NaN when undefined (see ``flags``).
    ci_low, ci_high : float
        95 % confidence interval (Shrout & Fleiss / McGraw & Wong F-based); NaN when undefined.
    f : float
        ``BMS / EMS``; ``inf`` when ``EMS == 0 < BMS``.
    df1, df2 : int
        Degrees of freedom of ``f``: ``n - 1`` and ``(n - 1)(k - 1)``.
    p : float
        One-sided p-value of ``f`` (H0: ICC = 0).
    n : int
        Targets used (complete rows).
    k : int
        Raters (columns).
    n_dropped : int
        Targets left out because one of their ratings was missing (non-finite).
    flags : tuple of str
        ``"rows_dropped"``, ``"too_few_targets"``, ``"too_few_raters"``, ``"no_variance"``, ``"ci_undefined"``.
    """

    icc: float
    ci_low: float
    ci_high: float
    f: float
    df1: int
    df2: int
    p: float
    n: int
    k: int
    n_dropped: int = 0
    flags: tuple[str, ...] = field(default=())

    @property
    def defined(self) -> bool:
        """Whether ``icc`` is a number."""
        return math.isfinite(self.icc)


@dataclass(frozen=True)
class BlandAltman:
    """Bland–Altman agreement of paired measurements ``a`` and ``b`` (differences ``a - b``).

    Attributes
    ----------
    bias : float
        Mean difference, in the measurements' unit; NaN without pairs.
    sd : float
        SD of the differences (``ddof=1``); NaN with fewer than 2 pairs.
    loa_low, loa_high : float
        ``bias -/+ 1.96 sd``; NaN with fewer than 2 pairs.
    n : int
        Pairs used (both values finite).
    flags : tuple of str
        ``"pairs_dropped"`` (a non-finite value left a pair out), ``"no_pairs"``, ``"single_pair"``.
    """

    bias: float
    sd: float
    loa_low: float
    loa_high: float
    n: int
    flags: tuple[str, ...] = field(default=())


def _undefined_icc(n: int, k: int, n_dropped: int, flags: list[str]) -> ICCResult:
    return ICCResult(
        icc=_NAN,
        ci_low=_NAN,
        ci_high=_NAN,
        f=_NAN,
        df1=max(n - 1, 0),
        df2=max((n - 1) * (k - 1), 0),
        p=_NAN,
        n=n,
        k=k,
        n_dropped=n_dropped,
        flags=tuple(flags),
    )


def icc_2_1(ratings: np.ndarray, alpha: float = 0.05) -> ICCResult:
    """ICC(2,1): two-way random effects, absolute agreement, single rater (Shrout & Fleiss 1979).

    Parameters
    ----------
    ratings : array_like, shape (n_targets, k_raters)
        One value per target and rater, e.g. the myocardial T1 (ms) of each case (row) by each trainee (column).
        Rows with a non-finite value are dropped (module docstring).
    alpha : float
        ``1 - alpha`` is the confidence level of the interval (default 0.05: a 95 % CI).

    Returns
    -------
    ICCResult
        NaN values with flags when undefined; never raises for too little data.

    Raises
    ------
    ValueError
        ``ratings`` is not two-dimensional.
    """
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"ratings must be a 2-D (n_targets, k_raters) array, got shape {x.shape}")
    flags: list[str] = []
    complete = np.all(np.isfinite(x), axis=1)
    n_dropped = int((~complete).sum())
    if n_dropped:
        flags.append("rows_dropped")
    x = x[complete]
    n, k = x.shape
    if k < 2:
        flags.append("too_few_raters")
    if n < 2:
        flags.append("too_few_targets")
    if n < 2 or k < 2:
        return _undefined_icc(n, k, n_dropped, flags)

    grand = x.mean()
    ss_rows = k * np.sum((x.mean(axis=1) - grand) ** 2)
    ss_cols = n * np.sum((x.mean(axis=0) - grand) ** 2)
    ss_err = max(float(np.sum((x - grand) ** 2) - ss_rows - ss_cols), 0.0)
    df1, dfj, df2 = n - 1, k - 1, (n - 1) * (k - 1)
    bms, jms, ems = ss_rows / df1, ss_cols / dfj, ss_err / df2
    # Round-off: a residual below 1e-12 of the total is zero (an exactly additive table).
    if ems <= 1e-12 * max(bms, jms, 1e-300):
        ems = 0.0
    denom = bms + (k - 1) * ems + k * (jms - ems) / n
    if denom <= 0.0:
        flags.append("no_variance")
        return _undefined_icc(n, k, n_dropped, flags)
    icc = (bms - ems) / denom
    with np.errstate(divide="ignore", invalid="ignore"):
        f_stat = bms / ems if ems > 0 else (math.inf if bms > 0 else _NAN)
    p = float(stats.f.sf(f_stat, df1, df2)) if math.isfinite(f_stat) else (0.0 if f_stat == math.inf else _NAN)

    lo = hi = _NAN
    if ems > 0:
        fj = jms / ems
        c = n * (1 + (k - 1) * icc) - k * icc
        vn = df2 * (k * icc * fj + c) ** 2
        vd = df1 * k**2 * icc**2 * fj**2 + c**2
        v = vn / vd if vd > 0 else _NAN
        if math.isfinite(v) and v > 0:
            f_u = stats.f.ppf(1 - alpha / 2, df1, v)
            f_l = stats.f.ppf(1 - alpha / 2, v, df1)
            w = k * jms + (k * n - k - n) * ems
            lo = n * (bms - f_u * ems) / (f_u * w + n * bms)
            hi = n * (f_l * bms - ems) / (w + n * f_l * bms)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo = hi = _NAN
        flags.append("ci_undefined")
    return ICCResult(
        icc=float(icc),
        ci_low=float(lo),
        ci_high=float(hi),
        f=float(f_stat),
        df1=df1,
        df2=df2,
        p=p,
        n=n,
        k=k,
        n_dropped=n_dropped,
        flags=tuple(flags),
    )


def bland_altman(a: Values, b: Values) -> BlandAltman:
    """Bias and 95 % limits of agreement of ``a`` against ``b`` (Bland & Altman 1986).

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Paired measurements in the same unit (e.g. a trainee's and the consensus's myocardial T1, ms); ``None``
        reads as NaN (missing). The differences are ``a - b``: a positive bias means ``a`` reads higher.

    Returns
    -------
    BlandAltman
        ``bias = mean(a - b)``, ``sd`` with ``ddof=1``, limits ``bias ± 1.96 sd``; pairs with a non-finite value
        are left out; NaN (with a flag) where too few pairs remain.

    Raises
    ------
    ValueError
        ``a`` and ``b`` differ in shape or are not one-dimensional.
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"a and b must be 1-D arrays of the same length, got shapes {x.shape} and {y.shape}")
    keep = np.isfinite(x) & np.isfinite(y)
    flags: list[str] = ["pairs_dropped"] if not keep.all() else []
    d = x[keep] - y[keep]
    n = int(d.size)
    if n == 0:
        return BlandAltman(_NAN, _NAN, _NAN, _NAN, 0, (*flags, "no_pairs"))
    bias = float(d.mean())
    if n == 1:
        return BlandAltman(bias, _NAN, _NAN, _NAN, 1, (*flags, "single_pair"))
    sd = float(d.std(ddof=1))
    return BlandAltman(bias, sd, bias - LOA_Z * sd, bias + LOA_Z * sd, n, tuple(flags))


def coefficient_of_variation(values: Values) -> float:
    """Coefficient of variation ``100 · SD / |mean|`` (%), SD with ``ddof=1``, over the finite values.

    Parameters
    ----------
    values : array_like
        Measurements on a ratio scale (e.g. T1 in ms). Non-finite values are ignored.

    Returns
    -------
    float
        In %; NaN with fewer than 2 finite values or a mean of 0.
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size < 2:
        return _NAN
    m = float(v.mean())
    if m == 0.0:
        return _NAN
    return float(100.0 * v.std(ddof=1) / abs(m))


def coefficient_of_variation_per_target(ratings: np.ndarray) -> np.ndarray:
    """CV (%) of each row across raters, e.g. each case's myocardial T1 across trainees.

    Parameters
    ----------
    ratings : array_like, shape (n_targets, k_raters)
        Non-finite entries (a rater who did not rate the target) are ignored row by row.

    Returns
    -------
    ndarray of float, shape (n_targets,)
        :func:`coefficient_of_variation` of each row; NaN where a row has fewer than 2 finite values.

    Raises
    ------
    ValueError
        ``ratings`` is not two-dimensional.
    """
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"ratings must be a 2-D (n_targets, k_raters) array, got shape {x.shape}")
    return np.array([coefficient_of_variation(row) for row in x], dtype=float)
