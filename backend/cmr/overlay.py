"""Overlay PNG: the image with the trainee's and the reference's contours and where they disagree.

Colours are from the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies):
trainee contours yellow, reference contours sky blue (dashed), myocardium only in the trainee's contour
("over-contoured") vermillion, myocardium only in the reference's ("missed") bluish green. A legend names them.
The image is shown with an automatic window (1st to 99th percentile of the displayed region), at its true aspect
ratio (pixel spacing ``dy / dx``), cropped around the left ventricle by default.

Rendering uses matplotlib's object-oriented API with the Agg canvas (no pyplot state: safe in worker threads).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .contours import LVRegions, Spacing

TRAINEE_COLOUR = "#F0E442"
REFERENCE_COLOUR = "#56B4E9"
OVER_COLOUR = "#D55E00"
MISSED_COLOUR = "#009E73"


def auto_window(image: np.ndarray, region: np.ndarray | None = None) -> tuple[float, float]:
    """Display window (low, high) from the 1st and 99th percentiles of the finite pixels (of ``region`` if given).

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
    region : ndarray of bool, same shape, or None

    Returns
    -------
    (low, high) : floats in the image's units, ``high > low``.
    """
    vals = image[region] if region is not None else image
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(vals, [1.0, 99.0])
    if hi <= lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def _rgba(hex_colour: str, alpha: float) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)] + [alpha])


def render_overlay(
    image: np.ndarray,
    *,
    pixel_spacing_mm: Spacing,
    trainee: tuple[np.ndarray | None, np.ndarray | None],
    trainee_regions: LVRegions,
    reference: tuple[np.ndarray | None, np.ndarray | None] | None = None,
    reference_regions: LVRegions | None = None,
    crop_margin_mm: float | None = 30.0,
    title: str | None = None,
    units: str = "",
    out: str | Path | None = None,
    width_px: int = 640,
) -> bytes:
    """Render the discrepancy overlay as a PNG.

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
        The display frame (a map in ms, or signal).
    pixel_spacing_mm : (dy, dx)
    trainee : (endocardium, epicardium)
        The trainee's polygons, ``(N, 2)`` ``(x, y)`` pixel coordinates (either may be None).
    trainee_regions : LVRegions
        The trainee's rasterised regions.
    reference, reference_regions : optional
        The consensus polygons and regions; without them only the trainee's contours are drawn ("score only" or
        practice mode without a consensus).
    crop_margin_mm : float or None
        Crop to the union of the whole-LV masks plus this margin (mm); None shows the whole image.
    title : str, optional
    units : str
        Unit of the image values, shown on the colour bar (e.g. "ms").
    out : path, optional
        Also write the PNG there.
    width_px : int
        Approximate width of the PNG in pixels.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    dy, dx = pixel_spacing_mm
    rows, cols = image.shape
    union = trainee_regions.whole.copy()
    if reference_regions is not None:
        union |= reference_regions.whole
    r0, r1, c0, c1 = 0, rows, 0, cols
    if crop_margin_mm is not None and union.any():
        rr, cc = np.nonzero(union)
        my, mx = int(np.ceil(crop_margin_mm / dy)), int(np.ceil(crop_margin_mm / dx))
        r0, r1 = max(rr.min() - my, 0), min(rr.max() + my + 1, rows)
        c0, c1 = max(cc.min() - mx, 0), min(cc.max() + mx + 1, cols)
    view = image[r0:r1, c0:c1]
    lo, hi = auto_window(view)
    extent = (c0 - 0.5, c1 - 0.5, r1 - 0.5, r0 - 0.5)

    aspect = ((r1 - r0) * dy) / ((c1 - c0) * dx)
    w_in = width_px / 100.0
    ax_w = 0.96 * w_in
    ax_h = ax_w * aspect
    top_in, bottom_in = (0.5 if title else 0.3), 0.55
    h_in = ax_h + top_in + bottom_in
    fig = Figure(figsize=(w_in, h_in), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, bottom_in / h_in, ax_w / w_in, ax_h / h_in))
    ax.imshow(view, cmap="gray", vmin=lo, vmax=hi, extent=extent, aspect=dy / dx, interpolation="nearest")
    handles: list[Artist] = []
    if reference_regions is not None:
        over = trainee_regions.myocardium & ~reference_regions.myocardium
        missed = reference_regions.myocardium & ~trainee_regions.myocardium
        layer = np.zeros((r1 - r0, c1 - c0, 4))
        layer[over[r0:r1, c0:c1]] = _rgba(OVER_COLOUR, 0.55)
        layer[missed[r0:r1, c0:c1]] = _rgba(MISSED_COLOUR, 0.55)
        ax.imshow(layer, extent=extent, aspect=dy / dx, interpolation="nearest")
        handles += [
            Patch(color=OVER_COLOUR, alpha=0.7, label=f"over-contoured ({int(over.sum())} px)"),
            Patch(color=MISSED_COLOUR, alpha=0.7, label=f"missed ({int(missed.sum())} px)"),
        ]

    def draw(polys, colour, style):
        for p in polys:
            if p is not None and len(p) >= 3:
                q = np.vstack([p, p[:1]])
                ax.plot(q[:, 0], q[:, 1], style, color=colour, linewidth=1.6)

    draw(trainee, TRAINEE_COLOUR, "-")
    handles.insert(0, Line2D([], [], color=TRAINEE_COLOUR, linewidth=2, label="trainee contours"))
    if reference is not None:
        draw(reference, REFERENCE_COLOUR, "--")
        handles.insert(
            1, Line2D([], [], color=REFERENCE_COLOUR, linewidth=2, linestyle="--", label="consensus contours")
        )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    window = f"window {lo:.0f}-{hi:.0f} {units}".strip()
    ax.set_title((title + "\n" if title else "") + window, fontsize=9)
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=9, frameon=False, borderaxespad=0.2)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    png = buf.getvalue()
    if out is not None:
        Path(out).write_bytes(png)
    return png
