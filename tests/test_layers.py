"""PatchConv2D (the same layer as Conv2D, computed as patches x kernel) and
SampleLayerNormalization (WGAN-GP's layer norm)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_wgan import architectures
from keras_wgan.layers import (
    ConditionalBatchNormalization,
    PatchConv2D,
    SampleLayerNormalization,
    patch_conv2d,
)


def _pair(filters=6, kernel_size=5, strides=2, padding="same", input_shape=(4, 4, 3), **kwargs):
    """A Conv2D and a PatchConv2D with the same (random) weights."""
    conv = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, **kwargs)
    patch = PatchConv2D(
        filters, kernel_size, strides=strides, padding=padding, implementation="patches", **kwargs
    )
    conv.build((None, *input_shape))
    patch.build((None, *input_shape))
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=w.shape).astype("float32") for w in conv.get_weights()]
    conv.set_weights(weights)
    patch.set_weights(weights)
    return conv, patch


@pytest.mark.parametrize(
    "kernel_size, strides, padding, input_shape",
    [
        (5, 2, "same", (4, 4, 3)),  # kerasio's last critic convolution, smaller
        (5, 2, "same", (5, 7, 2)),  # odd sizes: uneven "same" padding
        (3, 1, "same", (4, 4, 2)),
        (3, 2, "valid", (7, 6, 2)),
        ((2, 3), (1, 2), "valid", (4, 5, 1)),
        (4, 4, "same", (3, 3, 2)),  # kernel larger than the padded-in part
    ],
)
def test_equals_conv2d_outputs_and_gradients(kernel_size, strides, padding, input_shape):
    conv, patch = _pair(
        kernel_size=kernel_size, strides=strides, padding=padding, input_shape=input_shape
    )
    x = tf.constant(np.random.default_rng(1).normal(size=(3, *input_shape)), tf.float32)
    np.testing.assert_allclose(patch(x).numpy(), conv(x).numpy(), rtol=1e-5, atol=1e-5)

    # The WGAN-GP critic update differentiates the layer twice: the penalty on
    # the input gradient's norm, then its gradient with respect to the weights.
    def penalty_grads(layer):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.nn.leaky_relu(layer(x), 0.2) ** 2)
            g = inner.gradient(y, x)
            penalty = tf.reduce_sum(tf.sqrt(tf.reduce_sum(g**2, [1, 2, 3]) + 1e-12))
        return [g] + outer.gradient(penalty, layer.trainable_variables)

    for got, want in zip(penalty_grads(patch), penalty_grads(conv)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)


def test_function_matches_a_hand_computed_valid_convolution():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    out = patch_conv2d(x, np.ones((3, 3, 1, 1), "float32"), padding="valid")
    # Sums of the four 3x3 windows of [[0..3], [4..7], [8..11], [12..15]].
    assert keras.ops.convert_to_numpy(out)[0, :, :, 0].tolist() == [[45.0, 54.0], [81.0, 90.0]]


def test_bfloat16_policy_computes_in_bfloat16():
    layer = PatchConv2D(4, 5, strides=2, padding="same", dtype="mixed_bfloat16")
    out = layer(np.zeros((2, 4, 4, 3), "float32"))
    assert out.dtype == "bfloat16" and tuple(out.shape) == (2, 2, 2, 4)


def test_config_round_trip_and_saving(tmp_path):
    layer = PatchConv2D(4, 5, strides=2, padding="same", implementation="conv")
    config = layer.get_config()
    assert config["implementation"] == "conv"
    assert PatchConv2D.from_config(config).implementation == "conv"

    _, critic = architectures.build("kerasio", (28, 28, 1))
    path = str(tmp_path / "critic.keras")
    critic.save(path)
    loaded = keras.models.load_model(path)
    assert any(isinstance(l, PatchConv2D) for l in loaded.layers)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x).numpy(), critic(x).numpy(), rtol=1e-5, atol=1e-6)


def test_auto_uses_patches_on_cpu_and_conv_where_not_applicable():
    x = tf.zeros((1, 4, 4, 2))
    no_gpu = not tf.config.list_physical_devices("GPU")
    assert PatchConv2D(3, 3, padding="same")._uses_patches(x) == no_gpu
    assert not PatchConv2D(3, 3, dilation_rate=2)._uses_patches(x)
    assert not PatchConv2D(3, 3, implementation="conv")._uses_patches(x)


def test_bad_arguments_say_what_was_received():
    with pytest.raises(ValueError, match="implementation must be one of .* received 'fast'"):
        PatchConv2D(3, 3, implementation="fast")
    layer = PatchConv2D(3, 3, dilation_rate=2, implementation="patches")
    with pytest.raises(ValueError, match="dilation_rate"):
        layer(np.zeros((1, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same', received 'causal'"):
        patch_conv2d(
            np.zeros((1, 4, 4, 1), "float32"), np.zeros((3, 3, 1, 1), "float32"), padding="causal"
        )


@pytest.mark.parametrize(
    "name, shape, patches",
    [
        ("kerasio", (28, 28, 1), [False, False, True, True]),  # 16, 8, 4 and 2 pixels wide
        ("dcgan", (32, 32, 3), [False, False, True]),  # 16, 8 and 4
        ("dcgan", (64, 64, 3), [False, False, False, True]),  # 32, 16, 8 and 4
    ],
)
def test_critics_compute_their_small_convolutions_as_patches(name, shape, patches):
    _, critic = architectures.build(name, shape)
    convs = [l for l in critic.layers if isinstance(l, keras.layers.Conv2D)]
    assert all(isinstance(c, PatchConv2D) for c in convs)
    if tf.config.list_physical_devices("GPU"):
        patches = [False] * len(convs)
    assert [c._uses_patches(tf.zeros((1, *c.input.shape[1:]))) for c in convs] == patches


def test_auto_limit_is_on_output_pixels():
    x = tf.zeros((1, 10, 10, 1))
    no_gpu = not tf.config.list_physical_devices("GPU")
    assert PatchConv2D(1, 3, strides=3, padding="same")._uses_patches(x) == no_gpu  # 4x4
    assert not PatchConv2D(1, 3, strides=2, padding="same")._uses_patches(x)  # 5x5


def test_sample_layer_norm_matches_wgan_gps_layernorm_by_hand():
    # tflib's Layernorm([1, 2, 3]): moments over channels, height and width of each
    # sample, epsilon 1e-5, then one scale and offset per channel.
    rng = np.random.default_rng(0)
    x = (
        rng.normal(size=(3, 4, 5, 6)) * rng.uniform(0.5, 3, size=(1, 4, 5, 6))
        + rng.normal(size=(1, 4, 5, 1))
    ).astype("float32")
    layer = SampleLayerNormalization()
    layer.build(x.shape)
    gamma, beta = rng.normal(size=6).astype("float32"), rng.normal(size=6).astype("float32")
    layer.set_weights([gamma, beta])
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    var = x.var(axis=(1, 2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * gamma + beta
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)
    assert [tuple(w.shape) for w in layer.weights] == [(6,), (6,)]


def test_sample_layer_norm_saves_and_follows_the_policy(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 3)), SampleLayerNormalization(epsilon=1e-3)])
    model.layers[0].set_weights([np.array([1.0, 2.0, 3.0], "float32"), np.ones(3, "float32")])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 3)).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)))
    assert loaded.layers[0].epsilon == 1e-3
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    layer = SampleLayerNormalization()
    y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert keras.backend.standardize_dtype(layer.gamma.dtype) == "float32"
    expected = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.cast(y, "float32")), expected, atol=0.05)


# ------------------------------------------------- ConditionalBatchNormalization

GAMMA = np.array([[1.0, 2.0, 0.5], [-1.0, 0.25, 3.0]], "float32")  # per class, per channel
BETA = np.array([[0.0, 1.0, -2.0], [0.5, -0.5, 4.0]], "float32")


def _conditional_norm(shape):
    layer = ConditionalBatchNormalization(2, epsilon=1e-3)
    layer.build([(None, *shape[1:]), (None,)])
    layer.gamma.assign(GAMMA)
    layer.beta.assign(BETA)
    return layer


@pytest.mark.parametrize("shape", [(4, 3), (4, 2, 2, 3)], ids=["features", "images"])
def test_conditional_batch_norm_by_hand(shape):
    x = np.random.default_rng(0).normal(2.0, 3.0, shape).astype("float32")
    labels = np.array([0, 1, 1, 0], "int32")
    layer = _conditional_norm(shape)
    axes = tuple(range(len(shape) - 1))
    broadcast = (-1,) + (1,) * (len(shape) - 2) + (3,)
    gamma, beta = GAMMA[labels].reshape(broadcast), BETA[labels].reshape(broadcast)
    # Training: the batch's statistics per channel, then each sample's class scale and offset.
    normalized = (x - x.mean(axis=axes)) / np.sqrt(x.var(axis=axes) + 1e-3)
    y = ops.convert_to_numpy(layer([x, labels], training=True))
    np.testing.assert_allclose(y, normalized * gamma + beta, rtol=1e-4, atol=1e-4)
    # Inference: the moving statistics (one update from mean 0, variance 1, momentum 0.99).
    mean = 0.01 * x.mean(axis=axes)
    variance = 0.99 + 0.01 * x.var(axis=axes)
    y = ops.convert_to_numpy(layer([x, labels], training=False))
    expected = (x - mean) / np.sqrt(variance + 1e-3) * gamma + beta
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_conditional_batch_norm_starts_as_batch_norm_and_saves(tmp_path):
    layer = ConditionalBatchNormalization(5)
    x = np.random.default_rng(1).normal(size=(6, 4, 4, 2)).astype("float32")
    labels = np.array([0, 4, 2, 2, 1, 3], "int32")
    plain = keras.layers.BatchNormalization(center=False, scale=False)
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer([x, labels], training=True)),
        ops.convert_to_numpy(plain(x, training=True)),
        atol=1e-6,
    )
    assert [tuple(w.shape) for w in (layer.gamma, layer.beta)] == [(5, 2), (5, 2)]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2

    config = layer.get_config()
    assert (config["num_classes"], config["momentum"], config["epsilon"]) == (5, 0.99, 1e-3)
    samples = keras.Input((4, 4, 2))
    label = keras.Input((), dtype="int32")
    model = keras.Model([samples, label], ConditionalBatchNormalization(5)([samples, label]))
    model.layers[-1].gamma.assign(np.arange(10, dtype="float32").reshape(5, 2))
    inputs = [ops.convert_to_tensor(x), ops.convert_to_tensor(labels)]
    model(inputs, training=True)  # move the statistics off their start
    model.save(tmp_path / "norm.keras")
    loaded = keras.models.load_model(tmp_path / "norm.keras")  # registered: no custom_objects
    assert isinstance(loaded.layers[-1], ConditionalBatchNormalization)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(loaded(inputs, training=False)),
        ops.convert_to_numpy(model(inputs, training=False)),
    )


def test_conditional_batch_norm_arguments_and_labels_out_of_range():
    with pytest.raises(ValueError, match="num_classes must be a positive integer, received 0"):
        ConditionalBatchNormalization(0)
    layer = ConditionalBatchNormalization(2)
    with pytest.raises(tf.errors.InvalidArgumentError):  # on CPU; see the docstring
        layer([np.ones((2, 3), "float32"), np.array([0, 2], "int32")], training=True)


def test_conditional_batch_norm_under_mixed_bfloat16():
    layer = ConditionalBatchNormalization(2, dtype="mixed_bfloat16")
    y = layer([np.ones((2, 2, 2, 3), "float32"), np.array([0, 1], "int32")], training=True)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert keras.backend.standardize_dtype(layer.gamma.dtype) == "float32"
