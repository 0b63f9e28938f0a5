"""The keras.io WGAN-GP example's networks, "kerasio"."""

import keras
from keras import layers

from keras_wgan.architectures.base import Architecture, check_critic_norm, check_sample_shape
from keras_wgan.architectures.blocks import (
    check_conditioning,
    critic_layer,
    critic_output,
    label_input,
    make_models,
    noise_with_label,
    normalise_critic,
    positive_int,
    reject_shape,
    tanh_output,
)
from keras_wgan.layers import PatchConv2D

__all__ = ["KerasIO", "kerasio"]


def _kerasio_upsample(x, filters, activation):
    """The keras.io example's generator `upsample_block` as used there."""
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return activation(x)


def kerasio(
    sample_shape=(28, 28, 1),
    latent_dim=128,
    *,
    spectral_norm=False,
    critic_norm=None,
    num_classes=None,
    critic_conditioning="projection",
):
    """Builds exactly the networks of the keras.io WGAN-GP example.

    These are the generator and discriminator of keras-io's
    `examples/generative/wgan_gp.py` (Fashion-MNIST). The critic zero-pads
    the 28x28x1 input to 32x32, applies four 5x5 stride-2 `Conv2D` blocks
    (64, 128, 256, 512 filters, with bias, `LeakyReLU(0.2)`, `Dropout(0.3)`
    after the second and third), flattens, applies `Dropout(0.2)` and ends
    in `Dense(1)`: 4,305,409 parameters. The generator is
    `Dense(4*4*256, use_bias=False)`, batch norm, `LeakyReLU(0.2)`,
    reshape to 4x4x256, then three blocks of `UpSampling2D`, 3x3 `Conv2D`
    without bias and batch norm (128, 64, 1 filters; `LeakyReLU(0.2)` on the
    first two, `tanh` on the last, which keeps its batch norm as in the
    example), and crops 32x32 to 28x28: 910,660 parameters (8,578 of them
    non-trainable batch-norm statistics) for the default latent size 128.
    With the defaults the networks are the example's; `spectral_norm` and
    `critic_norm` change the critic as in the other architectures. The
    critic's convolutions are `keras_wgan.layers.PatchConv2D`: the same
    `Conv2D` layers, of which the last two (8x8 -> 4x4 and 4x4 -> 2x2
    pixels) are computed as one matrix product of patches on CPUs, where that
    is faster.

    Args:
        sample_shape: Must be `(28, 28, 1)`.
        latent_dim: Size of the generator's noise vector (the example's 128).
        spectral_norm: Wrap every critic Dense/Conv layer in
            `keras.layers.SpectralNormalization`.
        critic_norm: None, or `"layer"` for `SampleLayerNormalization` after
            each critic convolution.
        num_classes: None for an unconditional pair, or the number of classes
            K of a class-conditional one (see the module docstring).
        critic_conditioning: `"projection"` or `"auxiliary"`, how a
            conditional critic uses the label (unused when unconditional).

    Returns:
        A `(generator, critic)` pair of `keras.Model`.

    Raises:
        ValueError: If `sample_shape` is not `(28, 28, 1)`.

    Example:
        >>> generator, critic = kerasio((28, 28, 1))
        >>> critic.count_params()
        4305409
    """
    shape = check_sample_shape(sample_shape)
    if shape != (28, 28, 1):
        reject_shape("kerasio", shape, "(28, 28, 1)")
    latent_dim = positive_int("latent_dim", latent_dim)
    check_critic_norm(critic_norm)
    num_classes = check_conditioning(num_classes, critic_conditioning)

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = label_input(num_classes)
    x = noise_with_label(noise, generator_label, num_classes, latent_dim)
    x = layers.Dense(4 * 4 * 256, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((4, 4, 256))(x)
    x = _kerasio_upsample(x, 128, layers.LeakyReLU(0.2))
    x = _kerasio_upsample(x, 64, layers.LeakyReLU(0.2))
    x = _kerasio_upsample(x, 1, tanh_output)
    samples = layers.Cropping2D((2, 2), dtype="float32")(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = label_input(num_classes)
    y = layers.ZeroPadding2D((2, 2))(critic_input)
    for filters, dropout in ((64, False), (128, True), (256, True), (512, False)):
        conv = PatchConv2D(filters, (5, 5), strides=(2, 2), padding="same")
        y = critic_layer(conv, spectral_norm)(y)
        y = normalise_critic(y, critic_norm)
        y = layers.LeakyReLU(0.2)(y)
        if dropout:
            y = layers.Dropout(0.3)(y)
    y = layers.Flatten()(y)
    y = layers.Dropout(0.2)(y)
    scores = critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return make_models(noise, samples, critic_input, scores, generator_label, critic_label)


class KerasIO(Architecture):
    """`kerasio`: 28x28x1 images, the example's networks exactly."""

    name = "kerasio"
    latent_dim = 128
    function = staticmethod(kerasio)
