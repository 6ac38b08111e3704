"""Benchmark the agreement metrics against MedPy and DeepMind surface-distance, all measured in the same run.

Run: ``.venv/bin/python bench/bench_metrics.py [--quick]``

For a realistic mid-ventricular LV ring (endocardium 22 mm, epicardium 31 mm in radius) on a 256x256 image
(1.367 mm pixels, as Sunnybrook) and on a 512x512 image of the same field of view (0.684 mm pixels), a trainee ring
shifted by (1.6, -1.1) mm and dilated (21 / 33 mm) is compared with the reference ring:

* **raster input** -- what a pair of masks costs each library:
  ours = :func:`overlap_metrics` (Dice, Jaccard, ...) + :func:`mask_distances` (HD, HD95, MSD);
  MedPy = ``dc + hd + hd95 + assd``;
  surface-distance = ``compute_surface_distances + compute_dice_coefficient + compute_robust_hausdorff(100)
  + compute_robust_hausdorff(95) + compute_average_surface_distance``;
* **contour input** -- :func:`contour_distances` on the endocardial and on the epicardial polygons (what
  :func:`lv_agreement` does for polygon sets), and the whole :func:`lv_agreement`. No anchor takes polygons.

Times are the best of several repeats (``timeit``), in ms; ratio = anchor time / our time (> 1: we are faster).
The metric values are printed side by side; they differ by definition (see ``tests/cmr/test_metrics.py``):
MedPy's HD95 pools both directions, and the anchors measure between pixel points, we between sub-pixel contours.
"""

from __future__ import annotations

import sys
import timeit
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.cmr.contours import ContourSet
from backend.cmr.metrics import (
    DEFAULT_STEP_MM,
    contour_distances,
    lv_agreement,
    mask_distances,
    overlap_metrics,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import surface_distance as sd
    from medpy.metric import binary as mb

warnings.filterwarnings("ignore", category=DeprecationWarning)

REF_RADII_MM = (22.0, 31.0)
TRAINEE_RADII_MM = (21.0, 33.0)
TRAINEE_SHIFT_MM = (1.6, -1.1)  # (x, y)


def disc(shape, centre_mm, r_mm, spacing):
    """Pixel centres within ``r_mm`` of ``centre_mm`` (x, y in mm)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.hypot(xx * spacing[1] - centre_mm[0], yy * spacing[0] - centre_mm[1]) < r_mm


def ring_mask(shape, centre_mm, radii, spacing):
    return disc(shape, centre_mm, radii[1], spacing) & ~disc(shape, centre_mm, radii[0], spacing)


def circle_px(centre_mm, r_mm, spacing, step_px=0.5):
    """A polygon with a vertex every ~half pixel (as hand-drawn Sunnybrook contours), pixel (x, y)."""
    n = int(np.ceil(2 * np.pi * r_mm / min(spacing) / step_px))
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack(
        [(centre_mm[0] + r_mm * np.cos(t)) / spacing[1], (centre_mm[1] + r_mm * np.sin(t)) / spacing[0]]
    )


def best_ms(funcs: dict, repeat: int, budget_s: float) -> dict:
    """Best time per call (ms) of each function, measured in interleaved rounds."""
    number = {}
    for name, f in funcs.items():
        t = timeit.timeit(f, number=1)
        number[name] = max(1, int(budget_s / repeat / max(t, 1e-6)))
    best = {name: float("inf") for name in funcs}
    for _ in range(repeat):
        for name, f in funcs.items():
            best[name] = min(best[name], timeit.timeit(f, number=number[name]) / number[name])
    return {name: 1e3 * v for name, v in best.items()}


def raster_case(size: int, repeat: int, budget_s: float):
    spacing = (1.367188 * 256 / size,) * 2
    shape = (size, size)
    centre = (size / 2 * spacing[1], size / 2 * spacing[0])
    ref = ring_mask(shape, centre, REF_RADII_MM, spacing)
    moved = (centre[0] + TRAINEE_SHIFT_MM[0], centre[1] + TRAINEE_SHIFT_MM[1])
    tr = ring_mask(shape, moved, TRAINEE_RADII_MM, spacing)

    def ours():
        ov = overlap_metrics(tr, ref)
        dist = mask_distances(tr, ref, pixel_spacing_mm=spacing)
        return ov.dice, ov.jaccard, dist.hausdorff_mm, dist.hd95_mm, dist.mean_surface_distance_mm

    def medpy():
        return (
            mb.dc(tr, ref),
            mb.jc(tr, ref),
            mb.hd(tr, ref, voxelspacing=spacing),
            mb.hd95(tr, ref, voxelspacing=spacing),
            mb.assd(tr, ref, voxelspacing=spacing),
        )

    def deepmind():
        s = sd.compute_surface_distances(ref, tr, spacing_mm=spacing)
        dice = sd.compute_dice_coefficient(ref, tr)
        hd = sd.compute_robust_hausdorff(s, 100)
        hd95 = sd.compute_robust_hausdorff(s, 95)
        g2p, p2g = sd.compute_average_surface_distance(s)
        wg, wp = s["surfel_areas_gt"].sum(), s["surfel_areas_pred"].sum()
        return dice, float("nan"), hd, hd95, (g2p * wg + p2g * wp) / (wg + wp)

    times = best_ms({"ours": ours, "medpy": medpy, "surface-distance": deepmind}, repeat, budget_s)
    values = {"ours": ours(), "medpy": medpy(), "surface-distance": deepmind()}

    # Contour path on polygons of the same rings.
    ref_endo, ref_epi = (circle_px(centre, r, spacing) for r in REF_RADII_MM)
    tr_endo, tr_epi = (circle_px(moved, r, spacing) for r in TRAINEE_RADII_MM)
    ref_set = ContourSet(endocardium=ref_endo, epicardium=ref_epi)
    tr_set = ContourSet(endocardium=tr_endo, epicardium=tr_epi)

    def contours():
        e = contour_distances(tr_endo, ref_endo, pixel_spacing_mm=spacing)
        o = contour_distances(tr_epi, ref_epi, pixel_spacing_mm=spacing)
        return e, o

    def agreement():
        return lv_agreement(tr_set, ref_set, shape=shape, pixel_spacing_mm=spacing)

    ctimes = best_ms({"contour_distances (endo + epi)": contours, "lv_agreement": agreement}, repeat, budget_s)
    e, o = contours()
    return spacing, times, values, ctimes, (e, o, len(ref_endo) + len(ref_epi))


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    repeat, budget = (3, 0.3) if quick else (7, 1.5)
    print(f"MyoQA agreement metrics benchmark (best of {repeat} rounds; step_mm = {DEFAULT_STEP_MM})")
    print(f"reference ring {REF_RADII_MM} mm; trainee ring {TRAINEE_RADII_MM} mm shifted {TRAINEE_SHIFT_MM} mm\n")
    for size in (256, 512):
        spacing, times, values, ctimes, (e, o, n_vertices) = raster_case(size, repeat, budget)
        print(f"== raster input: two ring masks {size}x{size}, pixel {spacing[0]:.4f} mm ==")
        print(
            f"{'library':18s} {'time ms':>9s} {'ratio':>7s}   {'Dice':>7s} {'Jaccard':>7s} {'HD mm':>7s} "
            f"{'HD95 mm':>8s} {'MSD mm':>7s}"
        )
        for name in ("ours", "medpy", "surface-distance"):
            ratio = times[name] / times["ours"]
            v = values[name]
            jac = f"{v[1]:7.4f}" if v[1] == v[1] else f"{'-':>7s}"  # surface-distance has no Jaccard
            print(f"{name:18s} {times[name]:9.3f} {ratio:7.2f}   {v[0]:7.4f} {jac} {v[2]:7.3f} {v[3]:8.3f} {v[4]:7.3f}")
        print(
            "  (ratio = that library's time / ours; MedPy HD95 pools both directions, ours and surface-distance"
            " take the larger directed one)"
        )
        print(f"== contour input: the same rings as polygons ({n_vertices} vertices) ==")
        for name, t in ctimes.items():
            print(f"{name:32s} {t:9.3f} ms")
        print(
            f"  endocardium HD {e.hausdorff_mm:.3f} / HD95 {e.hd95_mm:.3f} / MSD {e.mean_surface_distance_mm:.3f} mm;"
            f" epicardium HD {o.hausdorff_mm:.3f} / HD95 {o.hd95_mm:.3f} / MSD {o.mean_surface_distance_mm:.3f} mm\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
