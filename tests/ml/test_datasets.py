"""Training data for the consensus CNN: the shared Sunnybrook layouts, the endocardium-mask correction, cavity-only
targets, synthetic maps of real anatomy, the heavy hint mix and the masked loss.

Oracles: SC-HF-I-1's expert polygons (text) rasterised by the SegNetCMR rule described in the scd-sunnybrook-more
README, then traced back; hand geometry (a disk) for the cavity target; numpy for the masked cross-entropy.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from backend.cmr.contours import ContourSet, polygon_to_mask
from backend.cmr.metrics import contour_distances
from ml.data import Case, build_samples, cavity_target
from ml.datasets import load_png_layout, load_text_contour_layout, mask_to_endocardium, synthetic_map_from_anatomy
from ml.preprocess import Geometry
from tests.conftest import shared_path


def _segnetcmr_mask(poly: np.ndarray, shape) -> np.ndarray:
    """The rasterisation of the README: pixel [int(y), int(x)] for each point, then the holes filled."""
    m = np.zeros(shape, bool)
    m[poly[:, 1].astype(int), poly[:, 0].astype(int)] = True
    return ndimage.binary_fill_holes(m)


def test_the_endocardium_traced_from_a_segnetcmr_mask_lies_on_the_expert_polygon():
    cases = [c for c in load_text_contour_layout(shared_path("scd-sunnybrook")) if c.patient == "SC-HF-I-1"]
    assert len(cases) >= 9
    fixed, raw = [], []
    for c in cases:
        poly = c.experts[0].endocardium
        mask = _segnetcmr_mask(poly, np.shape(c.frame))
        traced = mask_to_endocardium(mask)
        d = contour_distances([traced], [poly], pixel_spacing_mm=(1.0, 1.0), step_mm=0.1)
        fixed.append(d.mean_surface_distance_mm)
        from skimage import measure

        naive = max(measure.find_contours(mask.astype(float), 0.5), key=len)[:, ::-1]
        raw.append(
            contour_distances([naive], [poly], pixel_spacing_mm=(1.0, 1.0), step_mm=0.1).mean_surface_distance_mm
        )
    # In pixels (spacing 1): the correction brings the traced wall to within a third of a pixel on average, and
    # closer than the uncorrected iso-line.
    assert np.mean(fixed) < 0.35 and np.mean(fixed) < np.mean(raw)


def test_the_png_layout_gives_myocardium_and_cavity_cases_of_the_good_patients_only():
    cases = load_png_layout(shared_path("scd-sunnybrook-more"), patients=["SC-HF-I-7", "SC-N-6"])
    assert {c.patient for c in cases} == {"SC-HF-I-7"}  # SC-N-6 is the known defect: never truth
    full = [c for c in cases if c.labelled == "myocardium"]
    cav = [c for c in cases if c.labelled == "cavity"]
    assert len(full) == 7 and len(cav) == 16 - 7  # link.csv: 16 frames, 7 o-contours
    for c in full:
        e = c.experts[0]
        shape = np.shape(c.frame)
        endo, epi = polygon_to_mask(e.endocardium, shape), polygon_to_mask(e.epicardium, shape)
        assert (endo & ~epi).sum() <= 0.04 * endo.sum()  # the endocardium lies inside the epicardium
        # Blood is brighter than myocardium in cine SSFP (the README's myo_ratio is 1.37-5.29).
        assert c.frame[endo].mean() > 1.3 * c.frame[epi & ~endo].mean()
    assert all(c.pixel_spacing_mm == (1.32, 1.32) for c in cases)


def test_a_cavity_target_labels_the_cavity_a_band_outside_it_and_far_pixels_only():
    g = Geometry(centre_xy=(100.0, 100.0), fov_mm=112.0, pixel_spacing_mm=(1.0, 1.0), image_shape=(200, 200))
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    endo = np.column_stack([100 + 20 * np.cos(t), 100 + 20 * np.sin(t)])  # radius 20 mm
    y, w = cavity_target(endo, g)
    px = 112.0 / 224  # 0.5 mm per input pixel
    v, u = np.mgrid[0:224, 0:224]
    r_mm = np.hypot(u - 111.5, v - 111.5) * px
    assert (y[r_mm < 19] == 0).all() and (w[r_mm < 19] == 1).all()  # the cavity is not myocardium
    band = (r_mm > 21) & (r_mm < 21.5)
    assert (y[band] == 1).all() and (w[band] == 1).all()  # 1-2 mm outside: myocardium
    unknown = (r_mm > 24) & (r_mm < 48)
    assert (w[unknown] == 0).all()  # the epicardium is unknown: not labelled
    assert (w[r_mm > 51] == 1).all() and (y[r_mm > 51] == 0).all()  # more than 30 mm out: not LV myocardium


def test_the_masked_loss_ignores_unlabelled_pixels():
    from ml.model import _masked, pack_targets

    rng = np.random.default_rng(0)
    y = (rng.random((2, 8, 8)) > 0.5).astype(np.float32)
    w = (rng.random((2, 8, 8)) > 0.3).astype(np.float32)
    p = rng.uniform(0.05, 0.95, (2, 8, 8)).astype(np.float32)
    got = np.asarray(_masked("binary_crossentropy")(pack_targets(y, w), p))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    want = (bce * w).sum(axis=(1, 2)) / w.sum(axis=(1, 2))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # Changing the prediction where w == 0 changes nothing.
    p2 = np.where(w == 0, 0.5, p).astype(np.float32)
    np.testing.assert_allclose(np.asarray(_masked("binary_crossentropy")(pack_targets(y, w), p2)), got, rtol=1e-5)


def test_the_heavy_hint_mix_and_synthetic_maps(lv):
    expert = ContourSet(lv.endocardium, lv.epicardium)
    base = Case(frame=np.ones(lv.shape), pixel_spacing_mm=lv.pixel_spacing_mm, experts=(expert,), patient="p", name="x")
    t1 = synthetic_map_from_anatomy(base, "t1_map", np.random.default_rng(1))
    myo = polygon_to_mask(lv.epicardium, lv.shape) & ~polygon_to_mask(lv.endocardium, lv.shape)
    cav = polygon_to_mask(lv.endocardium, lv.shape)
    assert 900 < np.median(t1.frame[myo]) < 1150 and 1400 < np.median(t1.frame[cav]) < 1750  # domain.md, 1.5 T
    s = build_samples([t1] * 25, variants=4, seed=3, heavy_hints=True)
    kinds = set(s.kind.tolist())
    assert {"empty", "random"} <= kinds  # the model also sees hints with no information
    empty = s.x[s.kind == "empty"]
    assert (empty[..., 3] == 0).all() and empty[..., 0].max() > 0


def test_an_unknown_map_kind_is_refused(lv):
    base = Case(
        frame=np.ones(lv.shape),
        pixel_spacing_mm=lv.pixel_spacing_mm,
        experts=(ContourSet(lv.endocardium, lv.epicardium),),
        patient="p",
        name="x",
    )
    with pytest.raises(ValueError, match="unknown map kind"):
        synthetic_map_from_anatomy(base, "t2star", np.random.default_rng(0))
