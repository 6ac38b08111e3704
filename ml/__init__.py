"""The automatic "expert consensus": a Keras VGG-16 four-channel CNN (eriksen sec. VI). No Django here.

``preprocess`` (image + trainee contour -> 224 x 224 x 4, and back), ``model`` (VGG-16 encoder, the paper's dense
head, a U-Net head), ``data`` (cases, simulated trainees, phantoms, folds by patient), ``postprocess`` (probability ->
contours), ``train`` (the ``python -m ml.train`` command and :func:`ml.train.train`), ``infer`` (a loaded model),
``evaluate`` (trainee vs expert and model vs expert per error kind).
"""
