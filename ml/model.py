"""The consensus CNN: a VGG-16 encoder on four channels, with the paper's dense head or a U-Net decoder.

* **Encoder** (Simonyan & Zisserman 2015, configuration D): 13 3x3 convolutions with ReLU in five blocks of
  (64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512) filters, each block followed by 2x2 max
  pooling; trained from scratch (eriksen sec. VI-B), input 224 x 224 x 4. The layer names are those of
  ``keras.applications.VGG16`` (``block1_conv1`` ...), and at ``width=1`` the encoder has the same layers and
  parameters as ``keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 4))``
  (tests/ml check it). ``width`` scales every block's filters (0.25 gives 16 ... 128), for CPU-sized runs.
* **Dense head, the paper's** (eriksen sec. VI-B): the classification block replaced by global average pooling,
  "a normalization layer that squashes the input values between 0 to 1" (here ``UnitNormalization``: the pooled
  ReLU features are non-negative, so their L2-normalised values lie in 0..1), and a fully connected layer of
  50,176 = 224 x 224 units (sigmoid), reshaped to 224 x 224. Loss MAE; Nadam, learning rate 0.004, beta1 0.9,
  beta2 0.999.
* **U-Net head** (Ronneberger et al. 2015; the encoder-decoders that t1-t2-mapping-segmentation found far better
  for mapping segmentation): from ``block5_conv3`` (14 x 14) up to 224 x 224 in four 2x up-sampling stages, each
  concatenated with the encoder's last convolution at that scale (``block4_conv3``, ``block3_conv3``,
  ``block2_conv2``, ``block1_conv2``) and followed by two 3x3 convolutions with batch normalisation, with half
  the encoder's filters at that scale (32 ... 256 at width 1: the decoder at full resolution dominates the cost, and
  half keeps one image under 0.5 s on two CPU cores); a 1x1
  convolution gives a correction logit, added to a *prior* logit from the trainee's own mask (a trainable 1x1
  convolution of the input initialised to +2 inside the trainee's myocardium and -2 outside), then a sigmoid: the
  network starts from the trainee's contour and learns where the experts differ (from scratch it otherwise spends
  its first epochs predicting background everywhere). Loss: binary cross-entropy, whose probabilities are
  calibrated, so the 0.5 iso-line is the most likely wall under positional uncertainty (a soft Dice + cross-entropy
  loss widened the predicted ring by 65 % on held-out frames: soft Dice rewards over-segmentation when the wall's
  position is uncertain); Nadam, learning rate 0.001 (0.004 diverges with the decoder's batch normalisation on a
  few samples), beta1 0.9, beta2 0.999.

Both output the probability that each of the 224 x 224 input pixels is myocardium.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HEADS = ("dense", "unet")
DEFAULT_HEAD = "unet"
DEFAULT_HEAD_REASON = (
    "measured on held-out Sunnybrook SC-HF-I-2 (trained on SC-HF-I-1 + 18 phantoms, width 0.25, CPU, 2026-12-01), "
    "over 63 simulated trainee inputs: U-Net consensus vs experts Dice 0.825, HD 4.0 mm; the paper's dense head "
    "Dice 0.645, HD 8.5 mm, and its output did not depend on the trainee's contour (global pooling keeps no "
    "position), so it can only draw an average shape."
)
VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
"""(filters, convolutions) of each VGG-16 block (configuration D)."""

OPTIMISER = {
    "dense": {"learning_rate": 0.004, "beta_1": 0.9, "beta_2": 0.999},
    "unet": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999},
}
LOSS = {"dense": "mae", "unet": "binary_crossentropy"}


PRIOR_LOGIT = 2.0
"""U-Net head: the initial logit is +2 inside the trainee's myocardium and -2 outside (p = 0.88 / 0.12)."""


def _keras():
    import keras

    return keras


def _filters(base: int, width: float) -> int:
    return max(4, round(base * width))


def vgg16_encoder(inputs, *, width: float = 1.0) -> tuple[object, list]:
    """VGG-16's 13 convolutions and 5 poolings on ``inputs``.

    Parameters
    ----------
    inputs : keras tensor, shape (batch, 224, 224, 4)
    width : float
        Filter multiplier (1.0 = the paper's VGG-16).

    Returns
    -------
    (pooled, skips)
        ``pooled`` the output of ``block5_pool`` (7 x 7); ``skips`` the last convolution of each block, from
        ``block1_conv2`` (224 x 224) to ``block5_conv3`` (14 x 14).
    """
    layers = _keras().layers
    x, skips = inputs, []
    for b, (base, n) in enumerate(VGG16_BLOCKS, start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(_filters(base, width), 3, padding="same", activation="relu", name=f"block{b}_conv{i}")(x)
        skips.append(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)
    return x, skips


def _conv_bn(x, filters: int, name: str):
    layers = _keras().layers
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_model(head: str = "unet", *, width: float = 1.0, size: int = 224):
    """Build (uncompiled) the consensus CNN.

    Parameters
    ----------
    head : {"dense", "unet"}
        The paper's global-average-pooling + dense head, or the U-Net decoder.
    width : float
        Filter multiplier of the encoder (and decoder); 1.0 is the paper's VGG-16.
    size : int
        Input side in pixels; 224 in the paper (a multiple of 32).

    Returns
    -------
    keras.Model
        Input ``(batch, size, size, 4)`` float32; output ``(batch, size, size)`` float32 in 0..1.

    Raises
    ------
    ValueError
        Unknown head, a non-positive width, or a size that is not a multiple of 32.
    """
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; choose one of {', '.join(HEADS)}")
    if not width > 0:
        raise ValueError(f"width must be > 0, got {width}")
    if size % 32:
        raise ValueError(f"the input side must be a multiple of 32 (five 2x poolings), got {size}")
    keras = _keras()
    layers = keras.layers
    inputs = keras.Input((size, size, 4), name="image_rgb_and_trainee_mask")
    pooled, skips = vgg16_encoder(inputs, width=width)
    if head == "dense":
        x = layers.GlobalAveragePooling2D(name="gap")(pooled)
        x = layers.UnitNormalization(name="squash_0_1")(x)
        x = layers.Dense(size * size, activation="sigmoid", name="pixels")(x)
        out = layers.Reshape((size, size), name="mask")(x)
    else:
        x = skips[-1]
        for b in (4, 3, 2, 1):
            f = _filters(VGG16_BLOCKS[b - 1][0] // 2, width)
            x = layers.UpSampling2D(2, interpolation="bilinear", name=f"up{b}")(x)
            x = layers.Concatenate(name=f"skip{b}")([x, skips[b - 1]])
            x = _conv_bn(x, f, f"dec{b}a")
            x = _conv_bn(x, f, f"dec{b}b")
        # Logit = decoder correction + a prior from the trainee's own contour (the 4th input channel), so the
        # network starts from the trainee's mask and learns where the experts differ from it.
        correction = layers.Conv2D(1, 1, name="correction")(x)
        prior = layers.Conv2D(1, 1, name="trainee_prior")(inputs)
        x = layers.Add(name="logit")([correction, prior])
        x = layers.Activation("sigmoid", name="pixels")(x)
        out = layers.Reshape((size, size), name="mask")(x)
    model = keras.Model(inputs, out, name=f"myoqa_vgg16_{head}")
    if head == "unet":
        import numpy as np

        kernel = np.zeros((1, 1, 4, 1), dtype="float32")
        kernel[0, 0, 3, 0] = 2 * PRIOR_LOGIT
        model.get_layer("trainee_prior").set_weights([kernel, np.array([-PRIOR_LOGIT], dtype="float32")])
    return model


def pack_targets(y, w=None):
    """Target and per-pixel weight side by side, the form the compiled loss expects.

    Keras passes one ``y_true`` to the loss; the weight (0 where a pixel is not labelled, e.g. outside the known
    part of a cavity-only case) travels with it as the right half of a ``(n, size, 2 size)`` array.

    Parameters
    ----------
    y : ndarray, shape (n, size, size), values 0..1
    w : ndarray, shape (n, size, size), optional
        Default 1 everywhere.

    Returns
    -------
    ndarray of float32, shape (n, size, 2 size)
    """
    import numpy as np

    y = np.asarray(y, dtype=np.float32)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=np.float32)
    return np.concatenate([y, w], axis=-1)


def _masked(kind: str):
    """The head's loss averaged over the labelled pixels only (``y_true`` from :func:`pack_targets`)."""
    keras = _keras()
    ops = keras.ops

    def loss(y_true, y_pred):
        size = ops.shape(y_pred)[-1]
        t, w = y_true[..., :size], y_true[..., size:]
        if kind == "mae":
            per = ops.abs(t - y_pred)
        else:
            p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
            per = -(t * ops.log(p) + (1 - t) * ops.log(1 - p))
        return ops.sum(per * w, axis=(1, 2)) / ops.maximum(ops.sum(w, axis=(1, 2)), 1.0)

    loss.__name__ = f"masked_{kind}"
    return loss


def compile_model(model, head: str, *, learning_rate: float | None = None):
    """Compile with the head's loss and Nadam settings (see the module docstring).

    Parameters
    ----------
    model : keras.Model from :func:`build_model`
    head : {"dense", "unet"}
    learning_rate : float, optional
        Override the head's default learning rate.

    Returns
    -------
    keras.Model
        The same model, compiled with the head's loss masked to the labelled pixels: fit it with
        ``pack_targets(y, w)``.
    """
    keras = _keras()
    opt = dict(OPTIMISER[head])
    if learning_rate is not None:
        opt["learning_rate"] = float(learning_rate)
    model.compile(optimizer=keras.optimizers.Nadam(**opt), loss=_masked(LOSS[head]))
    return model


def load_model(path: str | os.PathLike):
    """Load a ``.keras`` file written by :mod:`ml.train` (no compilation: inference only).

    Parameters
    ----------
    path : path of the ``.keras`` file

    Returns
    -------
    keras.Model

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not a Keras model file.
    """
    keras = _keras()
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    return keras.models.load_model(path, compile=False)
