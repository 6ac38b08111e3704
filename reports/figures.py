"""The reports' charts, drawn with matplotlib's object-oriented API on the Agg canvas (no pyplot state: safe in
worker threads), returned as PNG bytes. Colours are Okabe-Ito; tolerance regions are shaded green.

Every function takes plain numbers (already selected and computed by the caller), so the numbers a caption prints
are the numbers the chart shows.

Styling is applied with ``matplotlib.rc_context`` around each figure. rcParams are process-wide: two threads drawing
at once could see each other's context end and draw part of a chart in matplotlib's default style (cosmetic only;
Celery's prefork workers are processes, so this does not arise there).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Wedge
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from .style import BLUE, ERROR_KIND_COLOURS, GREY, ORANGE, SKY, TOL_FILL, VERMILLION, error_kind_label

DPI = 150
"""Raster resolution of the charts (dots per inch of the printed size)."""

_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.titlesize": 8.5,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e4e4e4",
    "grid.linewidth": 0.5,
    "axes.axisbelow": True,
    "lines.linewidth": 1.2,
}


def _map_tolerance_words(tol_map_ms: float | None) -> str:
    """``"tolerance ≤ 8.4"`` or, for a relative (T2* %) tolerance, ``"tolerance in % of the consensus"``."""
    return "tolerance in % of the consensus" if tol_map_ms is None else f"tolerance ≤ {tol_map_ms:.1f}"


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_RC):
        yield


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _as_float(values: Sequence[float | None]) -> np.ndarray:
    """A float array with NaN for None."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _running_median(y: np.ndarray, window: int) -> np.ndarray:
    out = np.full(y.shape, np.nan)
    for i in range(y.size):
        w = y[max(0, i - window + 1) : i + 1]
        w = w[np.isfinite(w)]
        if w.size:
            out[i] = np.median(w)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Trainee report
# ---------------------------------------------------------------------------------------------------------------
def learning_curves_png(
    dice: Sequence[float | None],
    hd95_mm: Sequence[float | None],
    abs_dmap_ms: Sequence[float | None],
    abs_dwt_mm: Sequence[float | None],
    within: Sequence[bool | None],
    *,
    tol_dice: float,
    tol_map_ms: float | None,
    tol_wt_mm: float,
    quantity: str,
    window: int = 5,
    width_in: float = 7.0,
) -> bytes:
    """Four learning curves over the submissions in time order (x = 1, 2, ...).

    Parameters
    ----------
    dice, hd95_mm, abs_dmap_ms, abs_dwt_mm : sequences of float or None, length n
        Myocardial Dice; HD95 (mm); ``|Δmap|`` (ms); ``|ΔWT|`` (mm); None where not measured.
    within : sequence of bool or None, length n
        Marker colour: green within every tolerance, vermillion outside, grey not judged.
    tol_dice, tol_map_ms, tol_wt_mm : float
        Tolerances (shaded: the acceptable region).
    quantity : str
        Map quantity's display name (``"T1"``).
    window : int
        Length of the running median drawn over the points.

    Returns
    -------
    bytes
        PNG.
    """
    n = len(dice)
    x = np.arange(1, n + 1)
    colours = [TOL_FILL if w is True else (VERMILLION if w is False else GREY) for w in within]
    panels = [
        (f"Myocardial Dice (tolerance ≥ {tol_dice:.3f})", "Dice", _as_float(dice), (tol_dice, 1.0)),
        ("HD95 (mm; no tolerance)", "HD95 (mm)", _as_float(hd95_mm), None),
        (
            f"|Δ{quantity}| (ms; {_map_tolerance_words(tol_map_ms)})",
            f"|Δ{quantity}| (ms)",
            _as_float(abs_dmap_ms),
            None if tol_map_ms is None else (0.0, tol_map_ms),
        ),
        (f"|ΔWT| (mm; tolerance ≤ {tol_wt_mm:.1f})", "|ΔWT| (mm)", _as_float(abs_dwt_mm), (0.0, tol_wt_mm)),
    ]
    with _style():
        fig = Figure(figsize=(width_in, 4.4), layout="constrained")
        axes = fig.subplots(2, 2, sharex=True)
        for i, (ax, (title, ylabel, y, band)) in enumerate(zip(axes.ravel(), panels, strict=True)):
            ax.set_title(title, loc="left")
            ax.set_ylabel(ylabel)
            ok = np.isfinite(y)
            if band is not None:
                ax.axhspan(band[0], band[1], color=TOL_FILL, alpha=0.13, lw=0)
                ax.axhline(band[1] if band[0] == 0.0 else band[0], color=TOL_FILL, lw=0.9, ls="--")
            if ok.any():
                ax.plot(x[ok], y[ok], color=GREY, lw=0.6, alpha=0.6, zorder=2)
                ax.scatter(
                    x[ok],
                    y[ok],
                    s=14,
                    c=[c for c, k in zip(colours, ok, strict=True) if k],
                    edgecolors="white",
                    linewidths=0.4,
                    zorder=3,
                )
                if ok.sum() >= 3:
                    ax.plot(x, _running_median(y, window), color=BLUE, lw=1.5, zorder=4)
                lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
                if i == 0:
                    lo = min(lo, tol_dice)
                    ax.set_ylim(max(0.0, lo - 0.03), min(1.0, hi + 0.02) + 0.005)
                else:
                    hi = max(hi, band[1]) if band is not None else hi
                    ax.set_ylim(0.0, hi * 1.12 + 1e-9)
            else:
                ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center", va="center", color=GREY)
        for ax in axes[1]:
            ax.set_xlabel("submission number (time order)")
            if n <= 12:
                ax.set_xticks(np.arange(1, n + 1))
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
        if n:
            axes[0, 0].set_xlim(0.5, n + 0.5)
        handles = [
            Patch(color=TOL_FILL, alpha=0.25, label="within tolerance"),
            Line2D([], [], color=BLUE, lw=1.5, label=f"running median of {window}"),
            Line2D([], [], ls="", marker="o", color=TOL_FILL, label="submission within every tolerance"),
            Line2D([], [], ls="", marker="o", color=VERMILLION, label="outside a tolerance"),
            Line2D([], [], ls="", marker="o", color=GREY, label="not judged"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False)
        return _png(fig)


def bland_altman_png(
    trainee: Sequence[float | None],
    consensus: Sequence[float | None],
    *,
    bias: float,
    loa_low: float,
    loa_high: float,
    tolerance_ms: float | None,
    quantity: str,
    width_in: float = 5.6,
) -> bytes:
    """Bland–Altman plot: ``trainee - consensus`` against their mean, with bias, limits and the tolerance band.

    Parameters
    ----------
    trainee, consensus : sequences of float, length n
        Paired myocardial means (ms); ``None`` (missing) is drawn as nothing, like NaN.
    bias, loa_low, loa_high : float
        From :func:`backend.cmr.reliability.bland_altman` (limits may be NaN with one pair).
    tolerance_ms : float
        Shaded ``±tolerance`` band.
    quantity : str
        ``"T1"``, ``"T2"``, ``"T2*"``.

    Returns
    -------
    bytes
        PNG.
    """
    t = np.asarray(trainee, dtype=float)
    c = np.asarray(consensus, dtype=float)
    mean, diff = (t + c) / 2.0, t - c
    with _style():
        fig = Figure(figsize=(width_in, 3.4), layout="constrained")
        ax = fig.add_subplot()
        if tolerance_ms is not None:
            ax.axhspan(
                -tolerance_ms, tolerance_ms, color=TOL_FILL, alpha=0.12, lw=0, label=f"tolerance ±{tolerance_ms:.1f} ms"
            )
        ax.axhline(0.0, color=GREY, lw=0.6)
        ax.scatter(
            mean, diff, s=22, color=BLUE, edgecolors="white", linewidths=0.5, zorder=3, label="case (latest submission)"
        )
        ax.axhline(bias, color=ORANGE, lw=1.4, label="bias (mean difference)")
        labels = [(bias, f"bias {bias:+.1f} ms", ORANGE)]
        if math.isfinite(loa_low) and math.isfinite(loa_high):
            ax.axhline(loa_low, color=VERMILLION, lw=1.0, ls="--", label="95 % limits of agreement")
            ax.axhline(loa_high, color=VERMILLION, lw=1.0, ls="--")
            labels += [
                (loa_high, f"+1.96 SD {loa_high:+.1f} ms", VERMILLION),
                (loa_low, f"−1.96 SD {loa_low:+.1f} ms", VERMILLION),
            ]
        spread = [abs(v) for v in (loa_low, loa_high, tolerance_ms or 0.0, *diff) if math.isfinite(v)]
        lim = 1.2 * max([*spread, 1.0])
        ax.set_ylim(-lim, lim)
        # Labels just right of the axes, at their line's height, nudged apart when closer than 7 % of the range.
        placed: list[float] = []
        for y, text, colour in sorted(labels, key=lambda r: r[0]):
            yy = y
            for p in placed:
                if abs(yy - p) < 0.14 * lim:
                    yy = p + 0.14 * lim
            placed.append(yy)
            ax.annotate(
                text,
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(1.015, yy),
                textcoords=("axes fraction", "data"),
                ha="left",
                va="center",
                fontsize=7,
                color=colour,
                annotation_clip=False,
            )
        mean = mean[np.isfinite(mean)]
        if mean.size:
            pad = max(5.0, 0.08 * float(np.ptp(mean)))
            ax.set_xlim(float(mean.min()) - pad, float(mean.max()) + pad)
        ax.set_xlabel(f"mean of trainee and consensus myocardial {quantity} (ms)")
        ax.set_ylabel(f"trainee − consensus {quantity} (ms)")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, frameon=False)
        return _png(fig)


def nice_range(values: Sequence[float | None], floor: float) -> float:
    """A symmetric colour range: the largest ``|value|`` rounded up to 1, 1.5, 2, 3 or 5 x 10^k, at least ``floor``."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    m = max(finite, default=0.0)
    if m <= floor:
        return floor
    p = 10.0 ** math.floor(math.log10(m))
    return next(f * p for f in (1.0, 1.5, 2.0, 3.0, 5.0, 10.0) if f * p >= m)


def _segment_span(index: int) -> tuple[float, float]:
    """Display angles (degrees, counter-clockwise from 3 o'clock) of segment ``index`` (0..5, the stored order):
    segment 1 spans [60, 120) centred on 12 o'clock, the next ones follow counter-clockwise
    (``backend.cmr.segments``)."""
    return 60.0 + 60.0 * index, 120.0 + 60.0 * index


def bullseye_png(
    titles: Sequence[str],
    names: Sequence[Sequence[str]],
    distance_mm: Sequence[Sequence[float | None]],
    delta_map: Sequence[Sequence[float | None]],
    *,
    quantity: str,
    unit: str = "ms",
    distance_range_mm: float = 3.0,
    cell_in: float = 2.25,
) -> bytes:
    """Bullseyes of the six mid-ventricular segments: one column per attempt, a row of the signed distance (mm) and,
    when any segment has one, a row of the map difference, each row with its colour bar.

    Parameters
    ----------
    titles : sequence of str, length c
        Column titles (case and attempt).
    names : sequences (length c) of 6 str
        Segment names in the stored order (segment 1 at 12 o'clock, then counter-clockwise as displayed).
    distance_mm : sequences (length c) of 6 float or None
        Stored extra (+) or missed (−) myocardium per segment (epicardium minus endocardium signed distance), mm.
    delta_map : sequences (length c) of 6 float or None
        Stored trainee - consensus myocardial mean per segment (``unit``).
    quantity, unit : str
        ``"T1"``, ``"ms"``.
    distance_range_mm : float
        Half range of the distance colours (beyond it: full colour, the bar's arrows).
    cell_in : float
        Width of one bullseye, inches.

    Returns
    -------
    bytes
        PNG. Blue: inside / lower; red: outside / higher; grey: no value.
    """
    c = len(titles)
    has_map = any(v is not None and math.isfinite(v) for vs in delta_map for v in vs)
    rows = [("distance", distance_mm, distance_range_mm, "myocardium (mm)\n− missed · + extra")]
    if has_map:
        map_rng = nice_range([v for vs in delta_map for v in vs], 5.0)
        rows.append(("map", delta_map, map_rng, f"Δ{quantity} ({unit})\n− lower · + higher"))
    cmap = matplotlib.colormaps["RdBu_r"]
    with _style():
        fig = Figure(figsize=(0.85 + cell_in * max(c, 1), 0.35 + 1.45 * len(rows)), layout="constrained")
        grid = fig.add_gridspec(len(rows), c + 1, width_ratios=[1.0] * c + [0.045])
        for r, (kind, values, rng, bar_label) in enumerate(rows):
            norm = Normalize(-rng, rng)
            for j in range(c):
                ax = fig.add_subplot(grid[r, j])
                ax.set_aspect("equal")
                ax.set_axis_off()
                ax.set_xlim(-2.3, 2.3)
                ax.set_ylim(-1.32, 1.32)
                for i, v in enumerate(values[j]):
                    a0, a1 = _segment_span(i)
                    ok = v is not None and math.isfinite(v)
                    face = cmap(norm(min(max(float(v), -rng), rng))) if v is not None and ok else "#d9d9d9"
                    ax.add_patch(Wedge((0.0, 0.0), 1.0, a0, a1, width=0.56, facecolor=face, edgecolor="white", lw=1.0))
                    mid = math.radians((a0 + a1) / 2.0)
                    strong = v is not None and ok and abs(float(v)) / rng > 0.6
                    ax.text(
                        0.72 * math.cos(mid),
                        0.72 * math.sin(mid),
                        "–" if not ok else f"{v:+.1f}",
                        ha="center",
                        va="center",
                        fontsize=5.9,
                        fontweight="bold",
                        color="white" if strong else "#1a1a1a",
                    )
                    cx = math.cos(mid)
                    ax.text(
                        1.1 * cx,
                        1.1 * math.sin(mid),
                        names[j][i],
                        ha="center" if abs(cx) < 0.1 else ("left" if cx > 0 else "right"),
                        va="center",
                        fontsize=6,
                        color="#333333",
                    )
                ax.text(
                    0.0, 0.0, "mm" if kind == "distance" else unit, ha="center", va="center", fontsize=6, color=GREY
                )
                if r == 0:
                    ax.set_title(titles[j], fontsize=7.5)
            cax = fig.add_subplot(grid[r, c])
            bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, extend="both")
            bar.set_label(bar_label, fontsize=6.5)
            bar.ax.tick_params(labelsize=6)
        return _png(fig)


def error_class_curve_png(
    curves: dict[str, list[tuple[int, int, int, float | None]]],
    *,
    width_in: float = 7.0,
) -> bytes:
    """The learning curve per error class: the share of attempts with the class, and its median size, per attempt
    index on a case.

    Parameters
    ----------
    curves : dict
        ``{kind: [(attempt_index, n_with_kind, n_assessed, median_size_mm or None), ...]}`` in the order to draw
        (kinds of ``backend.cmr.error_classes``).

    Returns
    -------
    bytes
        PNG (two panels sharing x; one line and colour per kind, legend below).
    """
    with _style():
        fig = Figure(figsize=(width_in, 2.7), layout="constrained")
        ax1, ax2 = fig.subplots(1, 2, sharex=True)
        ks = sorted({r[0] for rows in curves.values() for r in rows})
        totals: dict[int, int] = {}
        nudge = 0.05 if len(curves) > 1 else 0.0  # kinds side by side, so equal shares do not hide each other
        for j, (kind, rows) in enumerate(curves.items()):
            colour = ERROR_KIND_COLOURS.get(kind, GREY)
            k = np.array([r[0] for r in rows], dtype=float) + nudge * (j - (len(curves) - 1) / 2.0)
            share = np.array([100.0 * r[1] / r[2] if r[2] else np.nan for r in rows])
            size = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
            ax1.plot(k, share, "-o", color=colour, ms=3.2, label=error_kind_label(kind))
            ok = np.isfinite(size)
            ax2.plot(k[ok], size[ok], "-o", color=colour, ms=3.2)
            for r in rows:
                totals[r[0]] = r[2]
        ax1.set_title("Attempts with the error (%)", loc="left")
        ax1.set_ylim(0.0, 105.0)
        ax2.set_title("Its median size when present (mm)", loc="left")
        ax2.set_ylim(bottom=0.0)
        for ax in (ax1, ax2):
            ax.set_xlabel("attempt on the case (n: attempts assessed)")
            if ks:
                ax.set_xticks(ks, [f"{k}\nn={totals.get(k, 0)}" for k in ks])
                ax.set_xlim(min(ks) - 0.3, max(ks) + 0.3)
        fig.legend(*ax1.get_legend_handles_labels(), loc="outside lower center", ncol=4, frameon=False)
        return _png(fig)


# ---------------------------------------------------------------------------------------------------------------
# Cohort report
# ---------------------------------------------------------------------------------------------------------------
def box_plots_png(
    names: Sequence[str],
    dice: Sequence[Sequence[float | None]],
    hd95_mm: Sequence[Sequence[float | None]],
    dmap_ms: Sequence[Sequence[float | None]],
    dwt_mm: Sequence[Sequence[float | None]],
    *,
    tol_dice: float,
    tol_map_ms: float | None,
    tol_wt_mm: float,
    quantity: str,
    width_in: float = 7.0,
) -> bytes:
    """Horizontal box plots, one row per trainee, four panels (Dice, HD95, Δmap, ΔWT) sharing the names.

    Parameters
    ----------
    names : sequence of str, length t
        Trainee labels (top to bottom).
    dice, hd95_mm, dmap_ms, dwt_mm : sequences (length t) of sequences of float
        Each trainee's values (all their attempts); Δ values signed (trainee - consensus).
    tol_dice, tol_map_ms, tol_wt_mm : float
    quantity : str

    Returns
    -------
    bytes
        PNG; the height grows with the number of trainees (0.22 in per row).
    """
    t = len(names)
    height = 1.1 + 0.22 * max(t, 3)
    panels = [
        ("Dice", dice, (tol_dice, None)),
        ("HD95 (mm)", hd95_mm, None),
        (f"Δ{quantity} (ms)", dmap_ms, None if tol_map_ms is None else (-tol_map_ms, tol_map_ms)),
        ("ΔWT (mm)", dwt_mm, (-tol_wt_mm, tol_wt_mm)),
    ]
    with _style():
        fig = Figure(figsize=(width_in, height), layout="constrained")
        axes = fig.subplots(1, 4, sharey=True, gridspec_kw={"width_ratios": [1.1, 1, 1, 1]})
        pos = np.arange(t)[::-1] + 1.0
        for ax, (label, values, band) in zip(axes, panels, strict=True):
            data = [np.asarray([v for v in vs if v is not None and math.isfinite(v)], dtype=float) for vs in values]
            filled = [(p, d) for p, d in zip(pos, data, strict=True) if d.size]
            if band is not None:
                lo, hi = band
                if hi is None:
                    ax.axvspan(lo, 1.0, color=TOL_FILL, alpha=0.12, lw=0)
                    ax.axvline(lo, color=TOL_FILL, lw=1.0, ls="--")
                else:
                    ax.axvspan(lo, hi, color=TOL_FILL, alpha=0.12, lw=0)
                    ax.axvline(lo, color=TOL_FILL, lw=1.0, ls="--")
                    ax.axvline(hi, color=TOL_FILL, lw=1.0, ls="--")
                    ax.axvline(0.0, color=GREY, lw=0.5)
            if filled:
                ax.boxplot(
                    [d for _, d in filled],
                    positions=[p for p, _ in filled],
                    orientation="horizontal",
                    widths=0.6,
                    patch_artist=True,
                    showfliers=True,
                    boxprops={"facecolor": SKY, "edgecolor": "#333333", "linewidth": 0.6},
                    medianprops={"color": "#000000", "linewidth": 1.1},
                    whiskerprops={"linewidth": 0.6},
                    capprops={"linewidth": 0.6},
                    flierprops={"marker": "o", "markersize": 2.2, "markerfacecolor": VERMILLION, "markeredgewidth": 0},
                )
            ax.set_title(label, loc="left")
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        axes[0].set_yticks(pos, [str(n) for n in names])
        axes[0].set_ylim(0.4, t + 0.6)
        return _png(fig)


def class_learning_curve_png(
    stats: dict[str, list[tuple[int, float, float, float, int]]],
    *,
    tol_dice: float,
    tol_map_ms: float | None,
    tol_wt_mm: float,
    quantity: str,
    width_in: float = 7.0,
) -> bytes:
    """The class learning curve: median and inter-quartile band per attempt index on a case.

    Parameters
    ----------
    stats : dict
        ``{"dice"|"hd95"|"dmap"|"dwt": [(attempt_index, q25, median, q75, n), ...]}`` (``dmap``, ``dwt`` of
        absolute deltas).
    tol_dice, tol_map_ms, tol_wt_mm : float
    quantity : str

    Returns
    -------
    bytes
        PNG.
    """
    panels = [
        ("dice", f"Myocardial Dice (tolerance ≥ {tol_dice:.3f})", (tol_dice, 1.0)),
        ("hd95", "HD95 (mm; no tolerance)", None),
        (
            "dmap",
            f"|Δ{quantity}| (ms; {_map_tolerance_words(tol_map_ms)})",
            None if tol_map_ms is None else (0.0, tol_map_ms),
        ),
        ("dwt", f"|ΔWT| (mm; tolerance ≤ {tol_wt_mm:.1f})", (0.0, tol_wt_mm)),
    ]
    with _style():
        fig = Figure(figsize=(width_in, 4.4), layout="constrained")
        axes = fig.subplots(2, 2, sharex=True)
        for ax, (key, title, band) in zip(axes.ravel(), panels, strict=True):
            rows = stats.get(key) or []
            ax.set_title(title, loc="left")
            if band is not None:
                ax.axhspan(band[0], band[1], color=TOL_FILL, alpha=0.12, lw=0)
            if rows:
                k = np.array([r[0] for r in rows], dtype=float)
                q25, med, q75 = (np.array([r[i] for r in rows], dtype=float) for i in (1, 2, 3))
                ax.fill_between(k, q25, q75, color=SKY, alpha=0.45, lw=0)
                ax.plot(k, med, "-o", color=BLUE, ms=3.5)
                top = float(np.nanmax(q75))
                bottom = float(np.nanmin(q25))
                if key == "dice":
                    ax.set_ylim(max(0.0, min(bottom, tol_dice) - 0.03), 1.0)
                else:
                    hi = max(top, band[1] if band else 0.0)
                    ax.set_ylim(0.0, hi * 1.2 + 1e-9)
            else:
                ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center", va="center", color=GREY)
        ks = sorted({r[0] for rows in stats.values() for r in rows})
        counts = {r[0]: r[4] for r in stats.get("dice") or []}
        for ax in axes[1]:
            ax.set_xlabel("attempt on the case (n: submissions)")
            if ks:
                ax.set_xticks(ks, [f"{k}\nn={counts[k]}" if k in counts else str(k) for k in ks])
        handles = [
            Patch(color=TOL_FILL, alpha=0.25, label="within tolerance"),
            Patch(color=SKY, alpha=0.6, label="inter-quartile range"),
            Line2D([], [], color=BLUE, marker="o", ms=3.5, label="median"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
        return _png(fig)


def case_agreement_png(
    titles: Sequence[str],
    dice: Sequence[Sequence[float]],
    cv_percent: Sequence[float],
    *,
    tol_dice: float,
    quantity: str,
    width_in: float = 7.0,
) -> bytes:
    """Per case, across trainees (latest attempts): Dice box plots and the CV of the myocardial map mean.

    Parameters
    ----------
    titles : sequence of str, length c
    dice : sequences (length c) of sequences of float
        Each trainee's latest myocardial Dice on the case.
    cv_percent : sequence of float, length c
        CV (%) of the trainees' myocardial means on the case (NaN: fewer than 2 trainees).
    tol_dice : float
    quantity : str

    Returns
    -------
    bytes
        PNG; 0.2 in per case.
    """
    c = len(titles)
    height = 1.0 + 0.2 * max(c, 3)
    pos = np.arange(c)[::-1] + 1.0
    with _style():
        fig = Figure(figsize=(width_in, height), layout="constrained")
        ax1, ax2 = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.3, 1]})
        ax1.axvspan(tol_dice, 1.0, color=TOL_FILL, alpha=0.12, lw=0)
        ax1.axvline(tol_dice, color=TOL_FILL, lw=1.0, ls="--")
        data = [np.asarray([v for v in d if v is not None and math.isfinite(v)], dtype=float) for d in dice]
        filled = [(p, d) for p, d in zip(pos, data, strict=True) if d.size]
        if filled:
            ax1.boxplot(
                [d for _, d in filled],
                positions=[p for p, _ in filled],
                orientation="horizontal",
                widths=0.6,
                patch_artist=True,
                boxprops={"facecolor": SKY, "edgecolor": "#333333", "linewidth": 0.6},
                medianprops={"color": "#000000", "linewidth": 1.1},
                whiskerprops={"linewidth": 0.6},
                capprops={"linewidth": 0.6},
                flierprops={"marker": "o", "markersize": 2.2, "markerfacecolor": VERMILLION, "markeredgewidth": 0},
            )
        ax1.set_title("Myocardial Dice across trainees (latest attempt)", loc="left")
        cv = np.asarray(cv_percent, dtype=float)
        ok = np.isfinite(cv)
        ax2.barh(pos[ok], cv[ok], height=0.6, color=ORANGE)
        for p in pos[~ok]:
            ax2.text(0.0, p, " n < 2", va="center", fontsize=6, color=GREY)
        ax2.set_title(f"CV of {quantity} across trainees (%)", loc="left")
        ax2.set_xlim(0.0, (float(np.nanmax(cv)) * 1.15 if ok.any() else 1.0) + 1e-9)
        for ax in (ax1, ax2):
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax1.set_yticks(pos, [str(t) for t in titles])
        ax1.set_ylim(0.4, c + 0.6)
        return _png(fig)


def class_error_classes_png(
    kinds: Sequence[str],
    shares_percent: Sequence[float],
    counts: Sequence[str],
    *,
    width_in: float = 6.0,
) -> bytes:
    """Which error classes dominate the class: one horizontal bar per kind, the share of latest attempts with it.

    Parameters
    ----------
    kinds : sequence of str, length k
        Error class kinds, top to bottom.
    shares_percent : sequence of float, length k
        Share (%) of the class's latest attempts (one per trainee and case) that have the kind.
    counts : sequence of str, length k
        Printed at the end of each bar (``"7 / 12"``).

    Returns
    -------
    bytes
        PNG; 0.24 in per kind.
    """
    k = len(kinds)
    pos = np.arange(k)[::-1] + 1.0
    with _style():
        fig = Figure(figsize=(width_in, 0.7 + 0.24 * max(k, 2)), layout="constrained")
        ax = fig.add_subplot()
        ax.barh(pos, shares_percent, height=0.62, color=[ERROR_KIND_COLOURS.get(x, GREY) for x in kinds])
        for p, v, text in zip(pos, shares_percent, counts, strict=True):
            ax.text(v + 1.5, p, text, va="center", fontsize=6.5, color="#333333")
        ax.set_yticks(pos, [error_kind_label(x) for x in kinds])
        ax.set_xlim(0.0, 112.0)
        ax.set_ylim(0.4, k + 0.6)
        ax.set_xlabel("latest attempts with the error class (%)")
        ax.grid(axis="y", visible=False)
        return _png(fig)
