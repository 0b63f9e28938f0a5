"""The building blocks the architectures share: argument checks, critic layers, label inputs.

Every builder of `keras_wgan.architectures` assembles its networks from
these, so that the rules of the package's networks hold in one place: the
critic's optional spectral normalisation and per-sample layer
normalisation, its float32 head, the conditional inputs and the projection
or auxiliary-classifier critic output (see `keras_wgan.architectures`).
"""

import keras
from keras import layers

from keras_wgan import validation
from keras_wgan.architectures.base import CRITIC_CONDITIONINGS, check_sample_shape
from keras_wgan.data.labels import check_num_classes
from keras_wgan.layers import ConditionalBatchNormalization, SampleLayerNormalization

__all__ = [
    "IMAGE_CHANNELS",
    "check_conditioning",
    "check_image_shape",
    "critic_head",
    "critic_layer",
    "critic_output",
    "generator_norm",
    "label_input",
    "make_models",
    "noise_with_label",
    "normalise_critic",
    "positive_int",
    "reject_shape",
    "tanh_output",
]

#: The channels of the images the convolutional architectures take.
IMAGE_CHANNELS = (1, 3)


def positive_int(name, value):
    """Returns `value` as an int, or raises ValueError naming `name`."""
    return int(validation.integer(name, value, minimum=1))


def reject_shape(architecture, shape, expected):
    """Raises the ValueError for a sample shape an architecture cannot take."""
    raise ValueError(
        f"architecture {architecture!r} cannot take sample_shape {shape}: expected {expected}"
    )


def check_conditioning(num_classes, critic_conditioning):
    """Returns `num_classes` checked (None or a positive int); checks `critic_conditioning`.

    `critic_conditioning` is checked even for unconditional networks, where
    it is not used.
    """
    if critic_conditioning not in CRITIC_CONDITIONINGS:
        raise ValueError(
            f"critic_conditioning must be 'projection' or 'auxiliary', got {critic_conditioning!r}"
        )
    return check_num_classes(num_classes)


def critic_layer(layer, spectral_norm):
    """Returns a critic Dense/Conv layer, wrapped in spectral norm if asked.

    The wrapper takes the wrapped layer's dtype policy: it casts its output
    to its own input dtype, so a float32 head needs a float32 wrapper.
    """
    if spectral_norm:
        return layers.SpectralNormalization(layer, dtype=layer.dtype_policy)
    return layer


def normalise_critic(x, critic_norm):
    """Applies the critic's optional per-sample normalisation to `x`."""
    if critic_norm == "layer":
        return SampleLayerNormalization()(x)
    return x


def critic_head(x, spectral_norm):
    """The critic's final float32 `Dense(1)`: one unbounded score."""
    return critic_layer(layers.Dense(1, dtype="float32"), spectral_norm)(x)


def tanh_output(x):
    """The image generator's final float32 `tanh` (pixels in [-1, 1])."""
    return layers.Activation("tanh", dtype="float32")(x)


def make_models(noise, samples, critic_input, scores, generator_label=None, critic_label=None):
    """Wraps the two graphs as the `(generator, critic)` models.

    With labels the models take `[noise, label]` and `[sample, label]`.
    """
    if generator_label is not None:
        noise = [noise, generator_label]
    if critic_label is not None:
        critic_input = [critic_input, critic_label]
    return (
        keras.Model(noise, samples, name="generator"),
        keras.Model(critic_input, scores, name="critic"),
    )


def label_input(num_classes):
    """The int32 label input [batch] of a conditional network, None if unconditional."""
    return None if num_classes is None else keras.Input((), dtype="int32", name="label")


def noise_with_label(noise, label, num_classes, latent_dim):
    """The noise, with a learned label embedding of min(K, latent_dim) values concatenated."""
    if label is None:
        return noise
    size = min(num_classes, latent_dim)  # As many values as a one-hot label, at most latent_dim.
    embedded = layers.Embedding(num_classes, size, name="label_embedding")(label)
    return layers.Concatenate()([noise, embedded])


def generator_norm(x, label, num_classes):
    """The generator's batch norm: conditional (per-class scale and offset) if labelled."""
    if label is None:
        return layers.BatchNormalization()(x)
    return ConditionalBatchNormalization(num_classes)([x, label])


def critic_output(features, label, num_classes, spectral_norm, critic_conditioning):
    """The critic's output from its features phi(x) [batch, F]: see the module docstring.

    Unconditional: `Dense(1)(phi)`. Projection: ``Dense(1)(phi) +
    <E[y], phi>`` with the [K, F] table E a bias-free Dense layer on
    one-hot(y). Auxiliary: `[Dense(1)(phi), Dense(K)(phi)]`.
    """
    scores = critic_head(features, spectral_norm)
    if label is None:
        return scores
    if critic_conditioning == "auxiliary":
        logits = layers.Dense(num_classes, dtype="float32", name="class_logits")
        return [scores, critic_layer(logits, spectral_norm)(features)]
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot", name="label_one_hot")(
        label
    )
    embedding = layers.Dense(
        features.shape[-1], use_bias=False, dtype="float32", name="class_embedding"
    )
    embedded = critic_layer(embedding, spectral_norm)(one_hot)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, features])
    return layers.Add(dtype="float32", name="conditional_score")([scores, projection])


def check_image_shape(architecture, sample_shape, sizes, channels=IMAGE_CHANNELS):
    """Checks that `sample_shape` is a square image the architecture takes."""
    shape = check_sample_shape(sample_shape)
    if len(shape) != 3 or shape[0] not in sizes or shape[1] != shape[0] or shape[2] not in channels:
        size_text = "|".join(str(s) for s in sizes)
        channel_text = "|".join(str(c) for c in channels)
        reject_shape(architecture, shape, f"({size_text}, same, {channel_text})")
    return shape
