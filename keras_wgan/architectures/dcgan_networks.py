"""DCGAN-style convolutional networks for small square images, "dcgan"."""

import math

import keras
from keras import layers

from keras_wgan import validation
from keras_wgan.architectures.base import Architecture, check_critic_norm
from keras_wgan.architectures.blocks import (
    check_conditioning,
    check_image_shape,
    critic_layer,
    critic_output,
    generator_norm,
    label_input,
    make_models,
    normalise_critic,
    positive_int,
    tanh_output,
)
from keras_wgan.layers import PatchConv2D
from keras_wgan.options import Option

__all__ = ["DCGAN", "dcgan"]

_DCGAN_SIZES = (28, 32, 64)


def dcgan(
    sample_shape,
    latent_dim=128,
    *,
    spectral_norm=False,
    critic_norm=None,
    filters=64,
    num_classes=None,
    critic_conditioning="projection",
):
    """Builds DCGAN-style convolutional networks for small square images.

    The generator projects the noise with a Dense layer to a 4x4 map (7x7 for
    28x28 images) of `4 * filters` features (`8 * filters` for 64x64
    images, as `DCGANGenerator` in the WGAN-GP code's `gan_64x64.py`),
    then applies batch
    normalisation and ReLU, stride-2 `Conv2DTranspose` 5x5 blocks (batch
    norm + ReLU) that halve the features while doubling the resolution, and a
    last stride-2 `Conv2DTranspose` to the image's channels with `tanh`.
    The critic applies stride-2 5x5 `Conv2D` blocks with
    `filters, 2 * filters, 4 * filters` features (and `8 * filters` for
    64x64 images), each followed by the optional layer normalisation and
    `LeakyReLU(0.2)`, then flattens and ends in `Dense(1)`. This follows
    the DCGAN networks of the WGAN-GP code's `gan_cifar.py` (32 px) and
    `gan_64x64.py` (64 px); for 28 px it is the 32 px network started at
    7x7 and one block shorter (`gan_mnist.py` instead crops 8x8 to 7x7
    after its first upsampling). The critic's
    convolutions are `keras_wgan.layers.PatchConv2D` (`Conv2D` computed
    as patches x kernel on CPUs where the output is at most 4x4 pixels).

    Args:
        sample_shape: `(size, size, channels)` with size 28, 32 or 64 and
            1 or 3 channels.
        latent_dim: Size of the generator's noise vector.
        spectral_norm: Wrap every critic Dense/Conv layer in
            `keras.layers.SpectralNormalization`.
        critic_norm: None, or `"layer"` for `SampleLayerNormalization` after
            each hidden critic convolution.
        filters: Base width: the critic's first convolution's filters.
        num_classes: None for an unconditional pair, or the number of classes
            K of a class-conditional one (see the module docstring).
        critic_conditioning: `"projection"` or `"auxiliary"`, how a
            conditional critic uses the label (unused when unconditional).

    Returns:
        A `(generator, critic)` pair of `keras.Model`.

    Raises:
        ValueError: If `sample_shape` is not one of the shapes above.

    Example:
        >>> generator, critic = dcgan((32, 32, 3), filters=8)
        >>> tuple(generator.output.shape)
        (None, 32, 32, 3)
    """
    shape = check_image_shape("dcgan", sample_shape, _DCGAN_SIZES)
    latent_dim = positive_int("latent_dim", latent_dim)
    filters = positive_int("filters", filters)
    check_critic_norm(critic_norm)
    num_classes = check_conditioning(num_classes, critic_conditioning)
    size, _, channels = shape
    start = 7 if size == 28 else 4
    upsamplings = int(math.log2(size // start))

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = label_input(num_classes)
    width = (8 if size == 64 else 4) * filters
    x = layers.Dense(start * start * width, use_bias=False)(noise)
    x = generator_norm(x, generator_label, num_classes)
    x = layers.ReLU()(x)
    x = layers.Reshape((start, start, width))(x)
    for _ in range(upsamplings - 1):
        width //= 2
        x = layers.Conv2DTranspose(width, 5, strides=2, padding="same", use_bias=False)(x)
        x = generator_norm(x, generator_label, num_classes)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 5, strides=2, padding="same")(x)
    samples = tanh_output(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = label_input(num_classes)
    y = critic_input
    widths = [filters, 2 * filters, 4 * filters] + ([8 * filters] if size == 64 else [])
    for width in widths:
        conv = PatchConv2D(width, 5, strides=2, padding="same")
        y = critic_layer(conv, spectral_norm)(y)
        y = normalise_critic(y, critic_norm)
        y = layers.LeakyReLU(0.2)(y)
    y = layers.Flatten()(y)
    scores = critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return make_models(noise, samples, critic_input, scores, generator_label, critic_label)


class DCGAN(Architecture):
    """`dcgan`: 28, 32 or 64 px images; the default for images."""

    name = "dcgan"
    latent_dim = 128
    default_rank = 3
    options = {
        "filters": Option(
            "filters",
            None,
            "dcgan: base number of filters.",
            check=validation.optional(validation.positive_integer),
            type=int,
        )
    }
    function = staticmethod(dcgan)
