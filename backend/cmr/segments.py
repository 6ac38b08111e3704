"""Myocardial sectors: six 60-degree sectors around the LV centre, named by the AHA model when possible.

Convention (documented here, used by :mod:`backend.cmr.wall` and the reports):

* Angles are measured on the image **as displayed** (row 0 at the top), counter-clockwise from the +x axis
  (3 o'clock): ``theta = atan2(-(y - cy), x - cx)`` in degrees, in [0, 360).
* The centre is the area centroid of the endocardial polygon (the LV cavity).
* **With the anterior right-ventricular insertion point** (the AHA anchor, Cerqueira et al., Circulation 2002;
  105:539-542), the six mid-ventricular segments follow counter-clockwise from it, in a standard short-axis view
  (RV on the image's left): anteroseptal (8), inferoseptal (9), inferior (10), inferolateral (11),
  anterolateral (12), anterior (7). Results are returned in AHA order 7..12 (anterior first).
* **Without it**, sectors are numbered 1..6, not named: the same construction with the anchor assumed at 120 degrees
  (the usual position of the anterior insertion point, upper left). Sector 1 spans display angles [60, 120)
  (centred on 12 o'clock), sector 2 [120, 180), sector 3 [180, 240), sector 4 [240, 300), sector 5 [300, 360),
  sector 6 [0, 60). In a standard view, numbered sector *k* lies where AHA mid segment 6 + *k* would be; the names
  are withheld because the orientation of the image is not known.

bakhshali et al. (2024) divide the mid-ventricular myocardium into 6 sectors of 60 degrees (domain.md, "Segments").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AHA_MID_SEGMENTS: tuple[str, ...] = (
    "anterior",
    "anteroseptal",
    "inferoseptal",
    "inferior",
    "inferolateral",
    "anterolateral",
)
"""Names of AHA segments 7..12 (mid-ventricular), in AHA order."""

AHA_MID_NUMBERS: tuple[int, ...] = (7, 8, 9, 10, 11, 12)

NUMBERED_SECTORS: tuple[str, ...] = tuple(f"sector {k}" for k in range(1, 7))
"""Names used when no RV insertion point anchors the sectors."""

DEFAULT_ANCHOR_DEG = 120.0
"""Assumed angle of the anterior RV insertion point when none is given (upper left of the LV as displayed)."""


@dataclass(frozen=True)
class SectorScheme:
    """How the six sectors of one contour set are laid out.

    Attributes
    ----------
    centre : (x, y)
        LV centre in pixel coordinates.
    anchor_deg : float
        Display angle (degrees, counter-clockwise from 3 o'clock) of the sector boundary between sector 1 (anterior)
        and sector 2 (anteroseptal).
    names : tuple of 6 str
        AHA names ("anterior", ...) when anchored on an RV insertion point, else "sector 1" ... "sector 6".
    named : bool
        True when anchored on a given RV insertion point.
    """

    centre: tuple[float, float]
    anchor_deg: float
    names: tuple[str, ...]
    named: bool


def polygon_centroid(points: np.ndarray) -> tuple[float, float]:
    """Area centroid of a closed polygon (shoelace), in pixel coordinates ``(x, y)``.

    Parameters
    ----------
    points : ndarray, shape (N, 2)

    Returns
    -------
    (x, y) : tuple of float
        Falls back to the vertex mean for a polygon of zero area.
    """
    x, y = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    a = cross.sum() / 2.0
    if abs(a) < 1e-12:
        return float(x.mean()), float(y.mean())
    return float(((x + x1) * cross).sum() / (6 * a)), float(((y + y1) * cross).sum() / (6 * a))


def display_angle_deg(points: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Display angle of points around a centre, degrees in [0, 360), counter-clockwise from 3 o'clock.

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates (y grows downwards, as displayed).
    centre : (x, y)

    Returns
    -------
    ndarray, shape (N,)
    """
    return np.degrees(np.arctan2(-(points[:, 1] - centre[1]), points[:, 0] - centre[0])) % 360.0


def sector_scheme(endocardium: np.ndarray, rv_insertion: tuple[float, float] | None = None) -> SectorScheme:
    """Lay out the six sectors for one contour set.

    Parameters
    ----------
    endocardium : ndarray, shape (N, 2)
        Endocardial polygon; its area centroid is the LV centre.
    rv_insertion : (x, y) or None
        Anterior RV insertion point in pixel coordinates. When given, sectors carry AHA mid-ventricular names.

    Returns
    -------
    SectorScheme
    """
    centre = polygon_centroid(endocardium)
    if rv_insertion is None:
        return SectorScheme(centre, DEFAULT_ANCHOR_DEG, NUMBERED_SECTORS, False)
    anchor = float(display_angle_deg(np.asarray([rv_insertion], float), centre)[0])
    return SectorScheme(centre, anchor, AHA_MID_SEGMENTS, True)


def sector_index(points: np.ndarray, scheme: SectorScheme) -> np.ndarray:
    """Sector of each point, 0..5 in AHA order (0 = anterior / sector 1, 1 = anteroseptal / sector 2, ...).

    Parameters
    ----------
    points : ndarray, shape (N, 2)
        ``(x, y)`` pixel coordinates.
    scheme : SectorScheme

    Returns
    -------
    ndarray of int, shape (N,)

    Notes
    -----
    Counter-clockwise from the anchor (as displayed) come anteroseptal, inferoseptal, inferior, inferolateral,
    anterolateral, anterior, each 60 degrees wide; index ``(floor(offset / 60) + 1) % 6`` puts anterior first.
    """
    offset = (display_angle_deg(points, scheme.centre) - scheme.anchor_deg) % 360.0
    k = np.minimum((offset // 60.0).astype(int), 5)
    return (k + 1) % 6
