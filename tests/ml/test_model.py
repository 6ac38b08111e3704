"""The consensus CNN's architecture: the paper's VGG-16 four-channel model and the U-Net head."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from ml.model import build_model, compile_model  # noqa: E402


@pytest.mark.filterwarnings("ignore:This model usually expects")
def test_the_encoder_at_width_1_has_the_layers_and_parameters_of_keras_vgg16_on_four_channels():
    ref = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 4))
    ours = build_model("dense", width=1.0)
    ref_convs = {layer.name: layer.kernel.shape for layer in ref.layers if isinstance(layer, keras.layers.Conv2D)}
    our_convs = {layer.name: layer.kernel.shape for layer in ours.layers if isinstance(layer, keras.layers.Conv2D)}
    assert our_convs == ref_convs and len(ref_convs) == 13
    encoder_params = sum(
        int(np.prod(layer.kernel.shape)) + int(np.prod(layer.bias.shape))
        for layer in ours.layers
        if layer.name in ref_convs
    )
    assert encoder_params == ref.count_params()


def test_the_dense_head_is_the_papers_pooling_squash_and_50176_units():
    m = compile_model(build_model("dense", width=0.25), "dense")
    names = [layer.name for layer in m.layers]
    assert names[-4:] == ["gap", "squash_0_1", "pixels", "mask"]
    assert m.get_layer("pixels").units == 224 * 224 == 50176
    assert m.output.shape[1:] == (224, 224)
    opt = m.optimizer
    assert type(opt).__name__ == "Nadam"
    assert float(opt.learning_rate) == pytest.approx(0.004)
    assert opt.beta_1 == pytest.approx(0.9) and opt.beta_2 == pytest.approx(0.999)
    assert m.loss.__name__ == "masked_mae"
    # The squash layer maps the pooled (non-negative) features into 0..1.
    sq = m.get_layer("squash_0_1")(np.abs(np.random.default_rng(0).normal(size=(2, 128))).astype("float32"))
    assert float(np.min(sq)) >= 0.0 and float(np.max(sq)) <= 1.0


def test_the_unet_head_starts_from_the_trainees_mask():
    m = build_model("unet", width=0.125)
    x = np.zeros((1, 224, 224, 4), np.float32)
    x[0, 80:140, 80:140, 3] = 1.0
    p = np.asarray(m(x, training=False))[0]
    assert p.shape == (224, 224)
    assert np.all((p >= 0) & (p <= 1))
    # Untrained, the decoder's correction is small next to the prior: inside the trainee's mask p > 0.5, outside < 0.5.
    assert np.mean(p[90:130, 90:130] > 0.5) > 0.95 and np.mean(p[:40, :40] < 0.5) > 0.95


@pytest.mark.parametrize(
    "kwargs, message",
    [({"head": "resnet"}, "unknown head"), ({"width": 0}, "width"), ({"size": 200}, "multiple of 32")],
)
def test_it_refuses_an_unknown_head_a_zero_width_and_a_bad_size(kwargs, message):
    args = {"head": "unet", **kwargs}
    with pytest.raises(ValueError, match=message):
        build_model(args.pop("head"), **args)
