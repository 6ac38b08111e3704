"""Benchmark: latency of the automatic consensus per image, the model loaded, against Keras's own VGG-16.

Run from the repository root (no other load on the machine, for honest numbers)::

    .venv/bin/python bench/bench_consensus.py            # both heads at width 1 (the paper's) and 0.25
    .venv/bin/python bench/bench_consensus.py --repeat 10

For each head and width: the whole pipeline on a real Sunnybrook frame (or a phantom without ../shared/data) split
into preprocessing (:func:`ml.preprocess.model_input`), the network (:meth:`ml.infer.Predictor.predict_probability`,
traced once) and post-processing (:func:`ml.preprocess.output_to_image` + :func:`ml.postprocess.contours_from_probability`
on the expert's ring, since untrained weights give no ring). The anchor, measured in the same run: a forward pass of
``keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 4))``, the paper's encoder in
Keras's own implementation (eager call, as Keras users run it). Goal: under 0.5 s per image on 2 CPU cores.
Medians of ``--repeat`` runs after two warm-ups.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from backend.cmr.contours import ContourSet


def _case():
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "scd-sunnybrook"
    if shared.exists():
        from ml.data import load_sunnybrook_layout

        c = load_sunnybrook_layout(shared, patients=["SC-HF-I-2"])[0]
        return c.frame, c.pixel_spacing_mm, c.experts[0], c.name
    from backend.cmr.phantom import lv_phantom, t1_map_pixels

    lv = lv_phantom()
    return t1_map_pixels(lv), lv.pixel_spacing_mm, ContourSet(lv.endocardium, lv.epicardium), "phantom"


def _median(fn, repeat: int) -> float:
    fn()
    fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--widths", default="1.0,0.25")
    a = ap.parse_args()
    import keras
    import tensorflow as tf

    from ml.infer import Predictor
    from ml.model import build_model
    from ml.postprocess import contours_from_probability
    from ml.preprocess import model_input, output_to_image, ring_on_input

    frame, spacing, trainee, name = _case()
    x, g = model_input(frame, trainee, pixel_spacing_mm=spacing)
    ring = ring_on_input(trainee, g)
    anchor_model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 4))
    anchor = _median(lambda: np.asarray(anchor_model(x[None], training=False)), a.repeat)
    pre = _median(lambda: model_input(frame, trainee, pixel_spacing_mm=spacing), a.repeat)
    post = _median(lambda: (contours_from_probability(ring, geometry=g), output_to_image(ring, g)), a.repeat)
    print(
        f"image: {name} {frame.shape}; TensorFlow {tf.__version__}, {os.cpu_count()} CPU(s), "
        f"GPU: {[d.name for d in tf.config.list_physical_devices('GPU')] or 'none'}"
    )
    print(f"anchor keras.applications.VGG16 encoder forward: {anchor * 1000:.0f} ms")
    print(f"preprocessing {pre * 1000:.1f} ms, post-processing {post * 1000:.1f} ms")
    print(f"{'head':6} {'width':>5} {'params':>11} {'network ms':>11} {'total ms':>9} {'total/anchor':>13} goal<500ms")
    for head in ("dense", "unet"):
        for w in (float(v) for v in a.widths.split(",")):
            p = Predictor(build_model(head, width=w))
            net = _median(lambda p=p: p.predict_probability(x[None]), a.repeat)
            total = pre + net + post
            print(
                f"{head:6} {w:5.2f} {p.model.count_params():11,d} {net * 1000:11.0f} {total * 1000:9.0f} "
                f"{total / anchor:13.2f} {'yes' if total < 0.5 else 'NO'}"
            )


if __name__ == "__main__":
    main()
