"""Tiny synthetic geometry for tests: circles and ellipses with analytically known areas and distances."""

from __future__ import annotations

import numpy as np


def circle(cx: float, cy: float, r: float, n: int = 360, *, ry: float | None = None) -> np.ndarray:
    """Closed polygon (N, 2) in (x, y) pixel coordinates: a circle (or ellipse with vertical radius ``ry``)."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.column_stack([cx + r * np.cos(t), cy + (ry if ry is not None else r) * np.sin(t)])
