"""Tests of backend.cmr.relaxometry: ROI statistics, T2* fits (ROI and per pixel), iron grades.

Synthetic data follow S(TE) = k exp(-TE / T2*) (bakhshali eq. 1). Noise is added to the real and imaginary channels
and the magnitude taken (Rician), as in a magnitude image. Echo times: abedi's heart protocol (12 echoes,
1.8-17.9 ms) and bakhshali's (8 echoes, 2.97-21.68 ms). Run with ``-s`` to see the phantom error tables.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeWarning, curve_fit

from backend.cmr.errors import CMRError, FitError
from backend.cmr.relaxometry import (
    DEFAULT_IRON_THRESHOLDS,
    T2STAR_MODELS,
    IronGradeTable,
    IronThresholds,
    estimate_noise_floor,
    fit_t2star,
    iron_grade,
    iron_grade_table_from_dict,
    roi_signal,
    roi_statistics,
    t2star_map,
)
from tests.conftest import shared_path

TE_ABEDI_HEART = np.linspace(1.8, 17.9, 12)  # abedi sec. 3: 12 echoes, TE 1.8-17.9 ms
TE_BAKHSHALI = np.linspace(2.97, 21.68, 8)  # bakhshali: 8 echoes, TE 2.97-21.68 ms
RANGES_MS = ((3.0, 10.0), (10.0, 20.0), (20.0, 40.0), (40.0, 60.0))


def rician(clean: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """|S + n1 + i n2| with n1, n2 ~ N(0, sigma)."""
    return np.abs(clean + rng.normal(0.0, sigma, clean.shape) + 1j * rng.normal(0.0, sigma, clean.shape))


def decay(te: np.ndarray, t2star: np.ndarray | float, s0: float = 1000.0) -> np.ndarray:
    """Noiseless S0 exp(-TE/T2*); echoes along axis 0."""
    t2 = np.asarray(t2star, dtype=float)
    return s0 * np.exp(-te.reshape((-1,) + (1,) * t2.ndim) / t2)


# ----------------------------------------------------------------------------------------------------------------
# roi_statistics
# ----------------------------------------------------------------------------------------------------------------
def test_roi_statistics_match_numpy_and_leave_out_non_finite_pixels():
    values = np.arange(100, dtype=float).reshape(10, 10) * 1.5 + 900.0
    values[2, 3] = np.nan
    values[2, 4] = np.inf
    mask = np.zeros((10, 10), dtype=bool)
    mask[2:7, 3:9] = True
    st = roi_statistics(values, mask)
    inside = values[mask]
    inside = inside[np.isfinite(inside)]
    assert st.n_pixels == 28 == inside.size
    assert st.mean == pytest.approx(inside.mean())
    assert st.sd == pytest.approx(inside.std(ddof=1))
    assert st.median == pytest.approx(np.median(inside))
    q25, q75 = np.percentile(inside, [25, 75])
    assert st.iqr == pytest.approx(q75 - q25)
    assert st.flags == ("non_finite_excluded",)
    assert st.as_dict()["n_pixels"] == 28 and set(st.as_dict()) == {"mean", "sd", "median", "iqr", "n_pixels", "flags"}


def test_an_empty_roi_gives_nan_statistics_and_the_empty_roi_flag_never_zero():
    values = np.full((8, 8), 1000.0)
    for mask in (np.zeros((8, 8), dtype=bool), np.isnan(np.where(np.eye(8, dtype=bool), np.nan, 0.0))):
        if mask.any():
            values = np.where(mask, np.nan, values)  # an ROI whose pixels are all NaN is empty too
        st = roi_statistics(values, mask)
        assert st.n_pixels == 0
        assert all(math.isnan(v) for v in (st.mean, st.sd, st.median, st.iqr))
        assert "empty_roi" in st.flags


def test_a_single_pixel_roi_has_a_mean_but_no_sd():
    mask = np.zeros((4, 4), dtype=bool)
    mask[1, 2] = True
    st = roi_statistics(np.full((4, 4), 42.0), mask)
    assert st.mean == 42.0 and st.iqr == 0.0 and math.isnan(st.sd) and "single_pixel" in st.flags


def test_a_mask_of_another_shape_is_refused_with_both_shapes():
    with pytest.raises(ValueError, match=r"\(10, 12\).*\(10, 10\)"):
        roi_statistics(np.zeros((10, 12)), np.ones((10, 10), dtype=bool))


# ----------------------------------------------------------------------------------------------------------------
# roi_signal and estimate_noise_floor
# ----------------------------------------------------------------------------------------------------------------
def test_roi_signal_is_the_mean_per_echo_over_pixels_finite_in_every_echo():
    rng = np.random.default_rng(0)
    echoes = rng.uniform(100, 200, (5, 6, 7))
    echoes[3, 2, 2] = np.nan
    mask = np.zeros((6, 7), dtype=bool)
    mask[1:4, 1:4] = True
    expected_mask = mask.copy()
    expected_mask[2, 2] = False  # NaN in echo 3: left out of every echo
    assert np.allclose(roi_signal(echoes, mask), [echoes[i][expected_mask].mean() for i in range(5)])
    with pytest.raises(FitError, match="empty"):
        roi_signal(echoes, np.zeros((6, 7), dtype=bool))
    with pytest.raises(ValueError, match="mask"):
        roi_signal(echoes, np.ones((7, 6), dtype=bool))


def test_the_noise_floor_is_the_mean_background_magnitude_of_the_emptiest_corners():
    rng = np.random.default_rng(1)
    sigma = 10.0
    clean = np.zeros((3, 256, 256))
    clean[:, 40:216, 40:216] = 500.0
    clean[:, :20, :20] = 800.0  # anatomy in one corner must not raise the estimate
    echoes = rician(clean, sigma, rng)
    # Mean of a Rayleigh variable: sigma sqrt(pi/2) (Gudbjartsson & Patz 1995); 512 pixels -> ~1.6 % standard error.
    assert estimate_noise_floor(echoes) == pytest.approx(sigma * math.sqrt(math.pi / 2), rel=0.06)
    assert estimate_noise_floor(np.zeros((2, 64, 64))) == 0.0


# ----------------------------------------------------------------------------------------------------------------
# fit_t2star: exactness, recovery, validation
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", T2STAR_MODELS)
def test_every_model_gives_the_exact_t2star_of_a_noiseless_decay(model):
    fit = fit_t2star(TE_ABEDI_HEART, decay(TE_ABEDI_HEART, 12.3), model=model)
    assert fit.t2star_ms == pytest.approx(12.3, rel=1e-6)
    assert fit.r2star_per_s == pytest.approx(1000.0 / 12.3, rel=1e-6)
    assert fit.k == pytest.approx(1000.0, rel=1e-6)
    assert fit.offset == pytest.approx(0.0, abs=1e-3)
    assert fit.n_echoes_used == 12 and fit.r_squared == pytest.approx(1.0)
    assert fit.model == model


def test_echoes_given_out_of_order_are_sorted_and_reported_by_their_input_index():
    te = TE_BAKHSHALI[::-1].copy()
    fit = fit_t2star(te, decay(te, 8.0), model="nlls")
    assert fit.t2star_ms == pytest.approx(8.0, rel=1e-6)
    assert fit.echoes_used == tuple(range(7, -1, -1))  # input index of the echoes in TE order


def test_the_offset_model_recovers_the_constant_and_the_others_do_not_fit_it():
    te = TE_ABEDI_HEART
    rng = np.random.default_rng(2)
    signal = decay(te, 6.0) + 60.0 + rng.normal(0, 1.0, te.size)
    fit = fit_t2star(te, signal, model="offset")
    assert fit.offset == pytest.approx(60.0, rel=0.05)
    assert fit.t2star_ms == pytest.approx(6.0, rel=0.03)
    plain = fit_t2star(te, signal, model="nlls")
    assert plain.t2star_ms > 6.0 * 1.1  # a constant floor read as slow decay: why the offset/truncation models exist


@pytest.mark.parametrize("model", T2STAR_MODELS)
def test_each_model_recovers_t2star_from_a_noisy_roi_mean(model):
    # ROI mean of 200 pixels at SNR 30 per pixel: noise ~0.24 % of S0 per echo; T2* 25 ms decays to 49 % by the last
    # echo, far from the noise floor. Standard error of T2* here is ~1 %, so 4 % is a safe bound for one seed.
    rng = np.random.default_rng(3)
    pixels = rician(decay(TE_ABEDI_HEART, np.full(200, 25.0)), 1000.0 / 30, rng)
    fit = fit_t2star(TE_ABEDI_HEART, pixels.mean(axis=1), model=model)
    assert fit.t2star_ms == pytest.approx(25.0, rel=0.04)
    assert fit.r_squared > 0.99


def test_truncation_drops_the_echoes_below_the_noise_floor_cut_and_says_so():
    te = TE_ABEDI_HEART
    floor = 20.0
    signal = decay(te, 4.0) + floor  # a decay that settles on the floor
    fit = fit_t2star(te, signal, noise_floor=floor, floor_factor=3.0)
    first_below = int(np.flatnonzero(signal < 3.0 * floor)[0])
    assert fit.echoes_used[-1] < first_below
    assert "truncated" in fit.flags and fit.noise_floor == floor
    assert fit.t2star_ms < fit_t2star(te, signal, model="nlls").t2star_ms
    # Without a given floor the floor is estimated from the curve's own plateau (offset fit) and still cut.
    est = fit_t2star(te, signal)
    assert "noise_floor_estimated" in est.flags and est.noise_floor == pytest.approx(floor, rel=0.2)
    assert est.n_echoes_used < 12


def test_truncation_keeps_every_echo_of_a_clean_slow_decay():
    fit = fit_t2star(TE_ABEDI_HEART, decay(TE_ABEDI_HEART, 35.0), noise_floor=5.0)
    assert fit.n_echoes_used == 12 and "truncated" not in fit.flags


def test_truncation_drops_late_echoes_until_r_squared_reaches_the_threshold():
    te = TE_ABEDI_HEART
    signal = decay(te, 10.0)
    signal[-3:] *= [1.3, 1.6, 2.0]  # late echoes bent upwards (e.g. by a floor nobody measured)
    fit = fit_t2star(te, signal, r2_threshold=0.995)
    assert fit.n_echoes_used <= 9 and fit.r_squared >= 0.995
    assert fit.t2star_ms == pytest.approx(10.0, rel=1e-3)


@pytest.mark.parametrize("model", T2STAR_MODELS)
@pytest.mark.parametrize("signal", [np.full(8, 500.0), np.linspace(400, 600, 8)], ids=["flat", "rising"])
def test_a_signal_that_does_not_decay_gives_an_infinite_t2star_with_a_flag(model, signal):
    fit = fit_t2star(TE_BAKHSHALI, signal, model=model)
    assert math.isinf(fit.t2star_ms) and fit.r2star_per_s == 0.0
    assert "non_decaying" in fit.flags


@pytest.mark.parametrize(
    ("te", "signal", "kwargs", "message"),
    [
        ([2, 4, 6], [100, 50], {}, "3 echo times but 2 signal"),
        ([2, 4], [100, 50], {}, "at least 3 echoes"),
        ([2, 4, 6], [100, 50, 25], {"model": "offset", "min_echoes": 2}, "at least 4 echoes"),
        ([2, 4, 4, 8], [100, 50, 40, 12], {}, "distinct; 4 ms"),
        ([2, 4, 6], [100, float("nan"), 25], {}, "finite"),
        ([2, 4, 6], [100, 0.0, 25], {}, "positive"),
        ([-2, 4, 6], [100, 50, 25], {}, "positive"),
        ([0.002, 0.004, 0.006], [100, 50, 25], {}, "looks like seconds"),
        ([2, 4, 6], [100, 50, 25], {"model": "biexponential"}, "Unknown T2. model"),
        ([2, 4, 6], [100, 50, 25], {"noise_floor": -1.0}, "noise_floor"),
        ([2, 4, 6], [100, 50, 25], {"min_echoes": 1}, "min_echoes"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(te, signal, kwargs, message):
    with pytest.raises(FitError, match=message) as info:
        fit_t2star(te, signal, **kwargs)
    assert isinstance(info.value, CMRError)


# ----------------------------------------------------------------------------------------------------------------
# t2star_map
# ----------------------------------------------------------------------------------------------------------------
def test_the_vectorised_map_matches_per_pixel_curve_fit():
    # Tolerance: both minimise the same sum of squares; what remains is the stopping rule (5 Gauss-Newton steps
    # here, curve_fit's xtol/ftol 1.5e-8). 1e-3 relative is 0.02 ms at 20 ms, five times finer than the 0.1 ms a
    # T2* is reported to; in practice the median is ~1e-7.
    rng = np.random.default_rng(4)
    t2 = rng.uniform(3.0, 60.0, (32, 32))
    echoes = rician(decay(TE_BAKHSHALI, t2), 1000.0 / 50, rng)  # SNR 50 at TE = 0
    result = t2star_map(echoes, TE_BAKHSHALI)
    assert result.t2star_ms.shape == (32, 32) and result.s0.shape == (32, 32)

    def model(te, k, r):
        return k * np.exp(-r * te)

    rel = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        for i, j in np.ndindex(32, 32):
            y = echoes[:, i, j]
            try:
                (_k, r), _ = curve_fit(model, TE_BAKHSHALI, y, p0=(y[0] * 1.5, 1.0 / 20.0), maxfev=2000)
            except RuntimeError:
                continue
            if result.valid[i, j] and r > 0:
                rel.append(abs(result.t2star_ms[i, j] - 1.0 / r) * r)
    rel = np.asarray(rel)
    assert rel.size > 0.95 * 32 * 32
    assert np.median(rel) < 1e-3
    assert np.percentile(rel, 95) < 1e-3


def test_the_map_leaves_pixels_outside_the_mask_or_below_min_signal_as_nan():
    rng = np.random.default_rng(5)
    t2 = np.full((16, 16), 20.0)
    clean = decay(TE_ABEDI_HEART, t2)
    clean[:, :, 12:] = 0.0  # background
    echoes = rician(clean, 5.0, rng)
    mask = np.ones((16, 16), dtype=bool)
    mask[:4] = False
    result = t2star_map(echoes, TE_ABEDI_HEART, mask=mask, min_signal=100.0)
    assert np.all(np.isnan(result.t2star_ms[:4])) and not result.valid[:4].any()
    assert np.all(np.isnan(result.t2star_ms[:, 12:]))  # background: below min_signal
    assert result.valid[4:, :12].all()
    assert np.allclose(result.t2star_ms[4:, :12], 20.0, rtol=0.05)
    assert "low_signal_pixels" in result.flags
    assert result.n_valid == 12 * 12
    assert np.allclose(result.r2star_per_s[4:, :12], 1000.0 / result.t2star_ms[4:, :12])


def test_implausible_or_non_decaying_pixels_are_invalid_not_clipped():
    echoes = decay(TE_ABEDI_HEART, np.array([[20.0, 0.2], [5000.0, 30.0]]))
    echoes[:, 1, 1] = 500.0  # flat: no decay
    result = t2star_map(echoes, TE_ABEDI_HEART)
    assert result.t2star_ms[0, 0] == pytest.approx(20.0, rel=1e-6)
    assert result.valid.tolist() == [[True, False], [False, False]]
    assert np.isnan(result.t2star_ms[0, 1]) and np.isnan(result.t2star_ms[1, 0]) and np.isnan(result.t2star_ms[1, 1])
    assert "out_of_range_pixels" in result.flags


def test_the_map_refuses_mismatched_inputs():
    with pytest.raises(FitError, match="12 echo images but 8 echo times"):
        t2star_map(np.ones((12, 4, 4)), TE_BAKHSHALI)
    with pytest.raises(FitError, match="mask"):
        t2star_map(np.ones((8, 4, 4)), TE_BAKHSHALI, mask=np.ones((4, 5), dtype=bool))
    with pytest.raises(FitError, match="seconds"):
        t2star_map(np.ones((8, 4, 4)), TE_BAKHSHALI / 1000.0)


# ----------------------------------------------------------------------------------------------------------------
# Phantoms with known T2*: bias and error per range, per method
# ----------------------------------------------------------------------------------------------------------------
def _roi_phantom_errors(snr: float, seed: int) -> dict[str, dict[tuple[float, float], np.ndarray]]:
    """Relative errors of ROI fits: per range, 4 T2* values x 3 noise draws; ROI of 14 x 14 = 196 pixels on a
    48 x 48 image whose background (pure Rician noise) gives the noise floor."""
    rng = np.random.default_rng(seed)
    sigma = 1000.0 / snr
    mask = np.zeros((48, 48), dtype=bool)
    mask[17:31, 17:31] = True
    methods = ("loglinear", "nlls", "offset", "truncation")
    out: dict[str, dict[tuple[float, float], list[float]]] = {m: {r: [] for r in RANGES_MS} for m in methods}
    for lo, hi in RANGES_MS:
        for t2 in lo + (np.arange(4) + 0.5) * (hi - lo) / 4:
            for _ in range(3):
                clean = np.zeros((12, 48, 48))
                clean[:, mask] = decay(TE_ABEDI_HEART, np.full(int(mask.sum()), t2))
                echoes = rician(clean, sigma, rng)
                signal = roi_signal(echoes, mask)
                floor = estimate_noise_floor(echoes)
                for m in methods:
                    fit = fit_t2star(TE_ABEDI_HEART, signal, model=m, noise_floor=floor if m == "truncation" else None)
                    out[m][(lo, hi)].append(fit.t2star_ms / t2 - 1.0)
    return {m: {r: np.asarray(v) for r, v in d.items()} for m, d in out.items()}


def _print_table(title: str, errors: dict[str, dict[tuple[float, float], np.ndarray]], stat: str) -> None:
    print(f"\n{title}")
    print(f"{'method':<12}" + "".join(f"{f'{lo:g}-{hi:g} ms':>26}" for lo, hi in RANGES_MS))
    for m, d in errors.items():
        cells = []
        for r in RANGES_MS:
            e = d[r]
            e = e[np.isfinite(e)]
            if stat == "roi":
                cells.append(f"bias {np.mean(e) * 100:+5.1f}% max {np.max(np.abs(e)) * 100:4.1f}%")
            else:
                cells.append(f"bias {np.median(e) * 100:+5.1f}% MAE {np.median(np.abs(e)) * 100:4.1f}%")
        print(f"{m:<12}" + "".join(f"{c:>26}" for c in cells))


@pytest.mark.parametrize("snr", [20, 40])
def test_roi_fits_of_rician_phantoms_recover_t2star_and_truncation_removes_the_floor_bias(snr):
    err = _roi_phantom_errors(snr, seed=snr)
    _print_table(
        f"ROI fits, SNR {snr} at TE 0, 196-pixel ROI, 12 echoes 1.8-17.9 ms: relative error of T2* "
        f"(bias = mean, max = largest |error| of 12 fits)",
        err,
        "roi",
    )
    trunc, nlls, loglin, offset = err["truncation"], err["nlls"], err["loglinear"], err["offset"]
    # 10-60 ms: the signal stays well above the floor; the ROI mean's noise (sigma / 14 per echo) gives a T2*
    # standard error of ~1 % (SNR 20), so every single fit within 5 % is a ~4-SD bound.
    for r in RANGES_MS[1:]:
        assert np.max(np.abs(trunc[r])) < 0.05
        assert np.max(np.abs(nlls[r])) < 0.05
    # 3-10 ms: the late echoes sit on the Rician floor (mean sigma sqrt(pi/2), not 0). Plain NLLS reads the floor
    # as slow decay and overestimates T2*; truncation at the floor removes most of that bias.
    short = RANGES_MS[0]
    assert np.max(np.abs(trunc[short])) < 0.06
    assert abs(np.mean(trunc[short])) < 0.5 * np.mean(nlls[short])
    assert np.mean(loglin[short]) >= np.mean(nlls[short]) > 0  # S^2 weights do not undo the floor either
    if snr == 20:
        assert np.mean(nlls[short]) > 0.04
    # The offset model absorbs the floor, but at long T2* the decay over 18 ms is too shallow to separate k from C.
    assert np.mean(offset[RANGES_MS[-1]]) < np.mean(trunc[RANGES_MS[-1]])


def test_per_pixel_maps_of_a_rician_phantom_have_small_bias_in_every_range():
    snr = 20.0
    rng = np.random.default_rng(6)
    t2 = np.concatenate([rng.uniform(lo, hi, (16, 64)) for lo, hi in RANGES_MS])  # 4 bands of 16 x 64 pixels
    sigma = 1000.0 / snr
    echoes = rician(decay(TE_ABEDI_HEART, t2), sigma, rng)
    floor = sigma * math.sqrt(math.pi / 2)
    maps = {
        "loglinear": t2star_map(echoes, TE_ABEDI_HEART, n_iterations=0),
        "nlls": t2star_map(echoes, TE_ABEDI_HEART),
        "nlls+floor": t2star_map(echoes, TE_ABEDI_HEART, noise_floor=floor),
    }
    err = {
        name: {
            r: (m.t2star_ms[16 * i : 16 * i + 16] / t2[16 * i : 16 * i + 16] - 1.0).ravel()
            for i, r in enumerate(RANGES_MS)
        }
        for name, m in maps.items()
    }
    _print_table(
        f"Per-pixel maps, SNR {snr:g} at TE 0, 1024 pixels per range: relative error of T2* "
        f"(bias = median, MAE = median |error|)",
        err,
        "map",
    )
    for r in RANGES_MS:
        assert np.isfinite(err["nlls"][r]).mean() > 0.99
    # Per pixel the noise is 14x that of a 196-pixel ROI: the median absolute error grows to ~5-12 % (from the
    # curvature information of 12 echoes at SNR 20), while the median bias stays small except at the shortest T2*.
    for r in RANGES_MS[1:]:
        assert abs(np.nanmedian(err["nlls"][r])) < 0.03
        assert np.nanmedian(np.abs(err["nlls"][r])) < 0.15
    assert abs(np.nanmedian(err["nlls"][RANGES_MS[0]])) < 0.08
    # Log-linear (S^2 weights) overweights the floor-biased late echoes less than unweighted would, but NLLS still
    # beats it at short T2*.
    assert np.nanmedian(err["loglinear"][RANGES_MS[0]]) > np.nanmedian(err["nlls"][RANGES_MS[0]])


# ----------------------------------------------------------------------------------------------------------------
# Real GE 3 T multi-echo data (UKAT, kidney/abdomen)
# ----------------------------------------------------------------------------------------------------------------
GE_TES = (4.6, 9.212, 13.824, 18.436, 23.048, 27.66, 32.272, 36.884, 41.496, 46.108, 50.72, 55.332)


@pytest.fixture(scope="module")
def ge_slice() -> tuple[np.ndarray, np.ndarray]:
    """The 12 magnitude echoes of SliceLocation -29.09 as (echoes (12, 256, 256), TE (12,)), read with pydicom."""
    import pydicom

    folder = shared_path("ukat-r2star-ge-multiecho", "series16_magnitude_5slices")
    selected = []
    for path in sorted(folder.glob("*.dcm")):
        head = pydicom.dcmread(path, stop_before_pixels=True)
        image_type = head.get((0x0043, 0x102F))
        if abs(float(head.SliceLocation) + 29.09) < 0.01 and (image_type is None or int(image_type.value) == 0):
            selected.append(path)
    datasets = sorted((pydicom.dcmread(p) for p in selected), key=lambda d: float(d.EchoTime))
    echoes = np.stack(
        [
            d.pixel_array.astype(float) * float(getattr(d, "RescaleSlope", 1) or 1)
            + float(getattr(d, "RescaleIntercept", 0) or 0)
            for d in datasets
        ]
    )
    return echoes, np.array([float(d.EchoTime) for d in datasets])


# Liver (image left, above the right kidney): homogeneous, T2* ~ 19 ms at 3 T. Kidney: the right kidney's
# interpolar region, a mix of cortex and medulla (per-pixel T2* ~ 15-50 ms).
GE_ROIS = {"liver": (slice(72, 88), slice(52, 68)), "kidney": (slice(124, 140), slice(72, 88))}


def _roi_mask(name: str) -> np.ndarray:
    mask = np.zeros((256, 256), dtype=bool)
    mask[GE_ROIS[name]] = True
    return mask


def test_the_ge_slice_has_twelve_echoes_at_the_documented_times(ge_slice):
    echoes, te = ge_slice
    assert echoes.shape == (12, 256, 256)
    assert np.allclose(te, GE_TES, atol=1e-3)


@pytest.mark.parametrize("roi", sorted(GE_ROIS))
def test_every_model_fits_a_plausible_and_consistent_t2star_to_a_real_abdominal_roi(ge_slice, roi):
    echoes, te = ge_slice
    signal = roi_signal(echoes, _roi_mask(roi))
    floor = estimate_noise_floor(echoes)
    # Background corners: ~7 a.u.; the ROI's last echo: ~100 or more, above the 3x floor cut of the truncation model.
    assert 0 < 3 * floor < signal[-1]
    fits = {m: fit_t2star(te, signal, model=m, noise_floor=floor if m == "truncation" else None) for m in T2STAR_MODELS}
    t2 = np.array([f.t2star_ms for f in fits.values()])
    print(
        f"\nGE 3 T {roi} ROI: "
        + ", ".join(
            f"{m} {f.t2star_ms:.2f} ms ({f.n_echoes_used} echoes, R2 {f.r_squared:.4f})" for m, f in fits.items()
        )
    )
    # Abdominal T2* at 3 T: liver ~15-30 ms, kidney ~20-60 ms. The models differ only in how they treat late echoes,
    # which are above the floor here, so they agree to within 5 % of their median (truncation drops the liver's
    # last 3 echoes for R^2 < 0.995: real decay is not perfectly mono-exponential).
    assert np.all(np.isfinite(t2)) and np.all((t2 > 10) & (t2 < 100))
    assert np.max(np.abs(t2 / np.median(t2) - 1)) < 0.05


def test_the_per_pixel_map_of_the_real_slice_agrees_with_the_roi_fit(ge_slice):
    echoes, te = ge_slice
    result = t2star_map(echoes, te)
    assert result.t2star_ms.shape == (256, 256)
    assert result.n_valid > 0.5 * 256 * 256  # background pixels may be invalid; the body is not
    for roi in ("liver", "kidney"):
        mask = _roi_mask(roi)
        st = roi_statistics(result.t2star_ms, mask)
        fit = fit_t2star(te, roi_signal(echoes, mask), model="nlls")
        print(
            f"\nGE 3 T {roi}: map median {st.median:.2f} ms (IQR {st.iqr:.2f}, {st.n_pixels} px), "
            f"ROI fit {fit.t2star_ms:.2f} ms"
        )
        assert st.n_pixels == mask.sum()
        # The median of per-pixel fits and the fit of the mean signal are different estimators: they coincide for a
        # homogeneous tissue and differ by the T2* spread (the mean signal weights long T2* more) in a mixed one.
        # 5 % covers both ROIs here (liver ~1 %, kidney ~0.3 %).
        assert st.median == pytest.approx(fit.t2star_ms, rel=0.05)


# ----------------------------------------------------------------------------------------------------------------
# Iron grades
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("t2star", "grade"),
    [
        (25.0, "normal"),
        (20.0001, "normal"),
        (20.0, "mild"),
        (19.96, "mild"),
        (15.0001, "mild"),
        (15.0, "moderate"),
        (10.0, "moderate"),
        (9.99, "severe"),
        (0.3, "severe"),
    ],
)
def test_heart_grades_at_1_5_t_follow_the_documented_boundaries(t2star, grade):
    result = iron_grade(t2star, field_strength_t=1.5)
    assert result.grade == grade
    assert result.thresholds_used is not None and "normal > 20 ms" in result.thresholds_used


def test_the_grade_uses_the_unrounded_value():
    assert round(19.96, 1) == 20.0 and round(20.04, 0) == 20.0
    assert iron_grade(19.96, field_strength_t=1.5).grade == "mild"  # displays as 20.0 ms, but is below 20
    assert iron_grade(20.04, field_strength_t=1.5).grade == "normal"  # displays as 20 ms, but is above 20


def test_liver_grades_start_at_mild_because_no_normal_threshold_is_configured():
    assert iron_grade(4.0, field_strength_t=1.5, organ="liver").grade == "moderate"
    assert iron_grade(2.1, field_strength_t=1.5, organ="liver").grade == "severe"
    assert iron_grade(2.0, field_strength_t=1.5, organ="liver").grade == "very_severe"
    top = iron_grade(25.0, field_strength_t=1.5, organ="liver")
    assert top.grade == "mild" and "normal_not_configured" in top.flags and "may also be normal" in top.reason


def test_at_3_t_the_default_table_gives_no_grade_and_says_why():
    result = iron_grade(8.0, field_strength_t=3.0)
    assert result.grade is None
    assert "no thresholds configured for heart at 3 T; 1.5 T thresholds are not applied at 3 T" in result.reason
    assert "no_thresholds_for_field" in result.flags


def test_the_field_strength_must_match_within_a_quarter_tesla_and_be_known():
    assert iron_grade(25.0, field_strength_t=1.494).grade == "normal"  # DICOM often stores 1.494 T
    assert iron_grade(25.0, field_strength_t=1.75).grade == "normal"
    assert iron_grade(25.0, field_strength_t=1.8).grade is None
    unknown = iron_grade(25.0, field_strength_t=None)
    assert unknown.grade is None and "field_strength_unknown" in unknown.flags
    with pytest.raises(ValueError, match="field strength"):
        iron_grade(25.0, field_strength_t=-1.5)


@pytest.mark.parametrize("value", [math.inf, math.nan, 0.0, -3.0])
def test_a_non_finite_or_non_positive_t2star_is_not_graded(value):
    result = iron_grade(value, field_strength_t=1.5)
    assert result.grade is None and result.flags


def test_a_custom_3_t_table_built_from_a_plain_dict_is_applied_at_3_t():
    table = iron_grade_table_from_dict(
        {
            "heart": {
                "1.5": [[20, "normal"], [15, "mild"], [10, "moderate", ">="], [0, "severe"]],
                3.0: {"bands": [[12.5, "normal"], [8.0, "mild"], [5.0, "moderate"], [0, "severe"]], "source": "local"},
            },
        }
    )
    assert iron_grade(13.0, field_strength_t=3.0, table=table).grade == "normal"
    assert iron_grade(12.5, field_strength_t=3.0, table=table).grade == "mild"
    assert iron_grade(4.0, field_strength_t=2.89, table=table).grade == "severe"
    assert iron_grade(13.0, field_strength_t=1.5, table=table).grade == "moderate"
    assert "local" in iron_grade(13.0, field_strength_t=3.0, table=table).thresholds_used
    assert iron_grade(13.0, field_strength_t=3.0, table=table, organ="liver").grade is None
    assert iron_grade(13.0, field_strength_t=3.0).grade is None  # the default table is unchanged


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"heart": {"1.5": [[20, "fine"], [0, "severe"]]}}, "unknown grade 'fine'"),
        ({"heart": {"1.5": [[10, "normal"], [20, "mild"], [0, "severe"]]}}, "strictly decrease"),
        ({"heart": {"1.5": [[20, "normal"], [10, "mild"]]}}, "last band must be '> 0'"),
        ({"heart": {"1.5": [[20, "mild"], [10, "normal"], [0, "severe"]]}}, "least to most severe"),
        ({"heart": {"1.5": [[20, "normal"], [10, "mild", "=>"], [0, "severe"]]}}, "op"),
        ({"heart": {"1.5": [[-5, "normal"], [0, "severe"]]}}, ">= 0"),
        ({"heart": {"high": [[20, "normal"], [0, "severe"]]}}, "not a number of tesla"),
        ({"spleen": {"1.5": [[20, "normal"], [0, "severe"]]}}, "organ must be one of"),
        ({"heart": {"1.5": [[20, "normal"], [0, "severe"]], "1.6": [[20, "normal"], [0, "severe"]]}}, "within 0.5 T"),
        ({"heart": {"1.5": {"band": []}}}, "'bands'"),
        ({"heart": {"1.5": []}}, "at least one"),
        ({"heart": [[20, "normal"]]}, "must map field strength"),
        ([["heart", 1.5]], "must be a mapping"),
    ],
)
def test_an_invalid_table_is_refused_with_a_message_naming_the_fault(data, message):
    with pytest.raises(ValueError, match=message):
        iron_grade_table_from_dict(data)


def test_the_default_table_holds_only_the_1_5_t_values_with_their_source():
    assert isinstance(DEFAULT_IRON_THRESHOLDS, IronGradeTable)
    assert {(e.organ, e.field_strength_t) for e in DEFAULT_IRON_THRESHOLDS.thresholds} == {
        ("heart", 1.5),
        ("liver", 1.5),
    }
    heart = DEFAULT_IRON_THRESHOLDS.lookup("heart", 1.5)
    assert isinstance(heart, IronThresholds) and "abedi" in heart.source
    assert [b[:2] for b in heart.bands] == [(20.0, "normal"), (15.0, "mild"), (10.0, "moderate"), (0.0, "severe")]
    liver = DEFAULT_IRON_THRESHOLDS.lookup("liver", 1.5)
    assert [b[:2] for b in liver.bands] == [(5.2, "mild"), (3.1, "moderate"), (2.1, "severe"), (0.0, "very_severe")]
