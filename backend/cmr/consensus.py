"""Consensus of several raters' contours: majority vote and STAPLE.

Both work per region: the LV cavity (inside the endocardium) and the whole LV (inside the epicardium) are fused
separately, and the consensus myocardium is ``whole & ~cavity``, so the consensus is always a ring with an
endocardium inside its epicardium. Consensus contours are extracted with marching squares at 0.5 (largest region).

* **Majority vote**: a pixel belongs to the consensus when *strictly more than half* of the N raters include it
  (count > N / 2). Tie rule: with an even N, a pixel chosen by exactly N / 2 raters is **excluded** (the vote
  needs a majority, not a plurality), so two raters give their intersection.
* **STAPLE** (Warfield, Zou & Wells, IEEE TMI 2004; SimpleITK ``STAPLEImageFilter``): expectation-maximisation of
  each rater's sensitivity and specificity and of the hidden true segmentation; the consensus is the pixels whose
  posterior probability is >= 0.5. STAPLE's prior (the foreground fraction) depends on the field of view, so it runs
  inside a **fixed region**: the bounding box of all raters' whole-LV masks plus ``margin_px`` pixels on every side
  (architecture.md, "Pitfalls"). Sensitivity and specificity are reported per rater for the myocardium.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .contours import ContourSet, LVRegions, lv_regions, mask_to_contour


@dataclass(frozen=True)
class Consensus:
    """A fused contour set.

    Attributes
    ----------
    regions : LVRegions
        Consensus cavity, myocardium and whole-LV masks, shape (rows, columns).
    contours : ContourSet
        Consensus endocardium and epicardium (marching squares of the regions) and the myocardium mask.
    method : str
        ``"majority"`` or ``"staple"``.
    n_raters : int
    rater_sensitivity, rater_specificity : tuple of float, or None
        STAPLE's estimates for the myocardium, one per rater, in input order (None for majority vote).
    flags : tuple of str
    """

    regions: LVRegions
    contours: ContourSet
    method: str
    n_raters: int
    rater_sensitivity: tuple[float, ...] | None = None
    rater_specificity: tuple[float, ...] | None = None
    flags: tuple[str, ...] = field(default=())


def majority_vote(masks: Sequence[np.ndarray]) -> np.ndarray:
    """Strict majority vote of binary masks.

    Parameters
    ----------
    masks : sequence of N bool arrays, all of shape (rows, columns)

    Returns
    -------
    ndarray of bool, shape (rows, columns)
        True where more than N / 2 masks are True (ties excluded).

    Raises
    ------
    ValueError
        No masks, or masks of different shapes.
    """
    if len(masks) == 0:
        raise ValueError("majority_vote needs at least one mask")
    shapes = {np.shape(m) for m in masks}
    if len(shapes) != 1:
        raise ValueError(f"all masks must have the same shape; got {sorted(shapes)}")
    count = np.zeros(np.shape(masks[0]), dtype=np.int32)
    for m in masks:
        count += np.asarray(m, dtype=bool)
    return 2 * count > len(masks)


def _staple(masks: Sequence[np.ndarray], box: tuple[slice, slice]) -> tuple[np.ndarray, list[float], list[float]]:
    import SimpleITK as sitk

    images = [sitk.GetImageFromArray(np.ascontiguousarray(m[box], dtype=np.uint8)) for m in masks]
    f = sitk.STAPLEImageFilter()
    f.SetForegroundValue(1.0)
    f.SetMaximumIterations(200)
    prob = sitk.GetArrayFromImage(f.Execute(images))
    out = np.zeros(np.shape(masks[0]), dtype=bool)
    out[box] = prob >= 0.5
    return out, list(f.GetSensitivity()), list(f.GetSpecificity())


def _largest_component(mask: np.ndarray) -> np.ndarray:
    from scipy import ndimage

    lab, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = np.bincount(lab.ravel())[1:]
    return lab == (1 + int(np.argmax(sizes)))


def consensus(
    contour_sets: Sequence[ContourSet], shape: tuple[int, int], *, method: str = "majority", margin_px: int = 10
) -> Consensus:
    """Fuse N raters' contour sets into one consensus.

    Parameters
    ----------
    contour_sets : sequence of ContourSet
        At least one rater (majority vote) or two (STAPLE); polygons or masks.
    shape : (rows, columns)
        The image's shape.
    method : {"majority", "staple"}
    margin_px : int
        STAPLE only: margin of the fixed region around the union of the raters' whole-LV masks, pixels.

    Returns
    -------
    Consensus

    Raises
    ------
    ValueError
        Unknown method, no raters, or STAPLE with fewer than two raters.
    """
    if method not in ("majority", "staple"):
        raise ValueError(f"unknown consensus method {method!r}; expected 'majority' or 'staple'")
    if not contour_sets:
        raise ValueError("a consensus needs at least one contour set")
    regs = [lv_regions(cs, shape) for cs in contour_sets]
    sens = spec = None
    if method == "majority":
        cavity = majority_vote([r.cavity for r in regs])
        whole = majority_vote([r.whole for r in regs])
    else:
        if len(regs) < 2:
            raise ValueError("STAPLE needs at least two raters")
        union = np.logical_or.reduce([r.whole | r.cavity for r in regs])
        rows, cols = np.nonzero(union)
        if len(rows) == 0:
            raise ValueError("all raters' masks are empty")
        box = (
            slice(max(rows.min() - margin_px, 0), rows.max() + margin_px + 1),
            slice(max(cols.min() - margin_px, 0), cols.max() + margin_px + 1),
        )
        cavity, _, _ = _staple([r.cavity for r in regs], box)
        whole, _, _ = _staple([r.whole for r in regs], box)
        _, sens, spec = _staple([r.myocardium for r in regs], box)
    flags = []
    whole = _largest_component(whole)
    cavity = _largest_component(cavity & whole)
    if not cavity.any() or not whole.any():
        flags.append("empty_consensus")
    myo = whole & ~cavity
    regions = LVRegions(cavity=cavity, myocardium=myo, whole=whole)
    endo, epi = mask_to_contour(cavity), mask_to_contour(whole)
    cs = ContourSet(
        endocardium=endo,
        epicardium=epi,
        myocardium_mask=myo,
        cavity_mask=cavity,
        source=f"consensus:{method}:{len(regs)}",
    )
    return Consensus(
        regions=regions,
        contours=cs,
        method=method,
        n_raters=len(regs),
        rater_sensitivity=None if sens is None else tuple(sens),
        rater_specificity=None if spec is None else tuple(spec),
        flags=tuple(flags),
    )
