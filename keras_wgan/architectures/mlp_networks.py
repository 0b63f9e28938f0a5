"""The WGAN-GP paper's fully connected toy networks, "mlp"."""

import math

import keras
from keras import layers

from keras_wgan import validation
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
)
from keras_wgan.options import Option

__all__ = ["MLP", "mlp"]


def mlp(
    sample_shape,
    latent_dim=2,
    *,
    spectral_norm=False,
    critic_norm=None,
    units=512,
    depth=3,
    num_classes=None,
    critic_conditioning="projection",
    dropout=0.0,
):
    """Builds the WGAN-GP paper's fully connected toy generator and critic.

    The generator is `depth` ReLU Dense layers of `units` followed by a
    linear Dense layer to `prod(sample_shape)` values, reshaped to
    `sample_shape`. The critic flattens its input, applies `depth` ReLU
    Dense layers of `units` (each followed by layer normalisation when
    `critic_norm="layer"`) and ends in `Dense(1)`. With the defaults these
    are the 8-Gaussians / 25-Gaussians / Swiss-roll networks of Gulrajani et
    al. (2017), whose noise has 2 dimensions. Any sample shape is accepted.

    Args:
        sample_shape: Shape of one sample, e.g. `(2,)`.
        latent_dim: Size of the generator's noise vector.
        spectral_norm: Wrap every critic Dense layer in
            `keras.layers.SpectralNormalization`.
        critic_norm: None, or `"layer"` for `SampleLayerNormalization` after
            each hidden critic Dense layer.
        units: Width of every hidden layer.
        depth: Number of hidden layers in each network.
        num_classes: None for an unconditional pair, or the number of classes
            K of a class-conditional one (see the module docstring).
        critic_conditioning: `"projection"` or `"auxiliary"`, how a
            conditional critic uses the label (unused when unconditional).
        dropout: Rate of a `Dropout` after each hidden critic layer, in
            [0, 1); 0 (the default) adds none. CT-GAN needs it.

    Returns:
        A `(generator, critic)` pair of `keras.Model`.

    Example:
        >>> generator, critic = mlp((2,), units=16)
        >>> tuple(generator.output.shape), tuple(critic.output.shape)
        ((None, 2), (None, 1))
    """
    shape = check_sample_shape(sample_shape)
    latent_dim = positive_int("latent_dim", latent_dim)
    units = positive_int("units", units)
    depth = positive_int("depth", depth)
    check_critic_norm(critic_norm)
    num_classes = check_conditioning(num_classes, critic_conditioning)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = label_input(num_classes)
    x = noise_with_label(noise, generator_label, num_classes, latent_dim)
    for _ in range(depth):
        x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(math.prod(shape), dtype="float32")(x)
    samples = layers.Reshape(shape, dtype="float32")(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = label_input(num_classes)
    y = layers.Flatten()(critic_input)
    for _ in range(depth):
        y = critic_layer(layers.Dense(units), spectral_norm)(y)
        y = normalise_critic(y, critic_norm)
        y = layers.ReLU()(y)
        if dropout:
            y = layers.Dropout(dropout)(y)
    scores = critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return make_models(noise, samples, critic_input, scores, generator_label, critic_label)


class MLP(Architecture):
    """`mlp`: any sample shape; the default for vectors."""

    name = "mlp"
    latent_dim = 2
    default_rank = 1
    options = {
        "units": Option(
            "units",
            None,
            "mlp: units per hidden layer.",
            check=validation.optional(validation.positive_integer),
            type=int,
        ),
        "depth": Option(
            "depth",
            None,
            "mlp: hidden layers.",
            check=validation.optional(validation.positive_integer),
            type=int,
        ),
        "dropout": Option(
            "critic_dropout",
            0.0,
            "mlp: rate of a Dropout after each hidden critic layer, in [0, 1) "
            "(ctgan needs one, e.g. 0.5; the kerasio critic has its own).",
            check=validation.fraction,
        ),
    }
    function = staticmethod(mlp)
