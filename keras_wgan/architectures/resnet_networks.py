"""The WGAN-GP paper's CIFAR-10 ResNet, "resnet"."""

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
from keras_wgan.options import Option

__all__ = ["ResNet", "resnet"]


def _resnet_up_block(x, channels, label=None, num_classes=None):
    """Generator block: BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3 + shortcut.

    The shortcut is nearest-neighbour upsampling then a 1x1 convolution, as
    `UpsampleConv` in `gan_cifar_resnet.py`. With a label the batch norms
    are conditional.
    """
    shortcut = layers.UpSampling2D(2)(x)
    shortcut = layers.Conv2D(channels, 1)(shortcut)
    y = generator_norm(x, label, num_classes)
    y = layers.ReLU()(y)
    y = layers.UpSampling2D(2)(y)
    y = layers.Conv2D(channels, 3, padding="same")(y)
    y = generator_norm(y, label, num_classes)
    y = layers.ReLU()(y)
    y = layers.Conv2D(channels, 3, padding="same")(y)
    return layers.Add()([shortcut, y])


def _resnet_critic_first_block(x, channels, spectral_norm):
    """Critic's optimised first block: conv3x3-ReLU-conv3x3-meanpool.

    The shortcut is a 2x2 mean pool then a 1x1 convolution.
    """
    shortcut = layers.AveragePooling2D(2)(x)
    shortcut = critic_layer(layers.Conv2D(channels, 1), spectral_norm)(shortcut)
    y = critic_layer(layers.Conv2D(channels, 3, padding="same"), spectral_norm)(x)
    y = layers.ReLU()(y)
    y = critic_layer(layers.Conv2D(channels, 3, padding="same"), spectral_norm)(y)
    y = layers.AveragePooling2D(2)(y)
    return layers.Add()([shortcut, y])


def _resnet_critic_block(x, channels, spectral_norm, critic_norm, down):
    """Critic block: [norm]-ReLU-conv3x3-[norm]-ReLU-conv3x3 (+ meanpool).

    With `down` the block ends in a 2x2 mean pool and the shortcut is a 1x1
    convolution then a mean pool (`ConvMeanPool`); otherwise the shortcut is
    the identity. The optional layer norms sit where the original code's
    `Normalize` calls are.
    """
    shortcut = x
    if down:
        shortcut = critic_layer(layers.Conv2D(channels, 1), spectral_norm)(x)
        shortcut = layers.AveragePooling2D(2)(shortcut)
    y = x
    for _ in range(2):
        y = normalise_critic(y, critic_norm)
        y = layers.ReLU()(y)
        y = critic_layer(layers.Conv2D(channels, 3, padding="same"), spectral_norm)(y)
    if down:
        y = layers.AveragePooling2D(2)(y)
    return layers.Add()([shortcut, y])


def resnet(
    sample_shape,
    latent_dim=128,
    *,
    spectral_norm=False,
    critic_norm=None,
    channels=128,
    num_classes=None,
    critic_conditioning="projection",
):
    """Builds the WGAN-GP paper's CIFAR-10 ResNet generator and critic.

    These follow `gan_cifar_resnet.py` of igul222/improved_wgan_training
    (unconditional). The generator maps the noise with a Dense layer to a
    4x4x`channels` map, applies three up residual blocks (4 -> 8 -> 16 ->
    32) and ends in batch norm, ReLU, a 3x3 convolution to the image's
    channels and `tanh`. The critic applies the optimised first block
    (32 -> 16), one down residual block (16 -> 8), two residual blocks with
    identity shortcuts, ReLU, a global mean pool over space and `Dense(1)`.
    The blocks are functional sub-graphs of Keras layers (and, with
    `critic_norm="layer"`, `SampleLayerNormalization`, registered when
    `keras_wgan` is imported), so the models save to and load from
    `.keras` files without `custom_objects`. In a conditional generator
    every batch norm is conditional, the one before the output included;
    the reference's conditional generator keeps that last one unconditional
    (`Normalize('Generator.OutputN', output)` without labels).

    Args:
        sample_shape: `(32, 32, channels)` with 1 or 3 channels.
        latent_dim: Size of the generator's noise vector.
        spectral_norm: Wrap every critic Dense/Conv layer in
            `keras.layers.SpectralNormalization`.
        critic_norm: None, or `"layer"` for `SampleLayerNormalization` before
            each ReLU of the critic's residual blocks (the original code's
            normalisation points).
        channels: Feature maps in every block of both networks.
        num_classes: None for an unconditional pair, or the number of classes
            K of a class-conditional one (see the module docstring).
        critic_conditioning: `"projection"` or `"auxiliary"`, how a
            conditional critic uses the label (unused when unconditional).

    Returns:
        A `(generator, critic)` pair of `keras.Model`.

    Raises:
        ValueError: If `sample_shape` is not `(32, 32, 1|3)`.

    Example:
        >>> generator, critic = resnet((32, 32, 3), channels=16)
        >>> tuple(critic.output.shape)
        (None, 1)
    """
    shape = check_image_shape("resnet", sample_shape, (32,))
    latent_dim = positive_int("latent_dim", latent_dim)
    channels = positive_int("channels", channels)
    check_critic_norm(critic_norm)
    num_classes = check_conditioning(num_classes, critic_conditioning)

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = label_input(num_classes)
    x = layers.Dense(4 * 4 * channels)(noise)
    x = layers.Reshape((4, 4, channels))(x)
    for _ in range(3):
        x = _resnet_up_block(x, channels, generator_label, num_classes)
    x = generator_norm(x, generator_label, num_classes)
    x = layers.ReLU()(x)
    x = layers.Conv2D(shape[-1], 3, padding="same")(x)
    samples = tanh_output(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = label_input(num_classes)
    y = _resnet_critic_first_block(critic_input, channels, spectral_norm)
    for down in (True, False, False):
        y = _resnet_critic_block(y, channels, spectral_norm, critic_norm, down)
    y = layers.ReLU()(y)
    y = layers.GlobalAveragePooling2D()(y)
    scores = critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return make_models(noise, samples, critic_input, scores, generator_label, critic_label)


class ResNet(Architecture):
    """`resnet`: 32x32 images, with its own recipe.

    Its recipe is gan_cifar_resnet.py's (unconditional) settings, untuned
    here: Adam(2e-4, beta_1=0, beta_2=0.9) for both networks, both decayed
    linearly to 0, 5 critic steps of batch 64, lambda 10, 100000 generator
    steps. One difference remains: the reference's generator update uses a
    batch of 2 x 64 (GEN_BS_MULTIPLE), this package's the critic's 64.
    """

    name = "resnet"
    latent_dim = 128
    options = {
        "channels": Option(
            "channels",
            None,
            "resnet: channels of the residual blocks.",
            check=validation.optional(validation.positive_integer),
            type=int,
        )
    }
    recipe = dict(
        architecture="resnet",
        penalty="gp",
        penalty_weight=10.0,
        pairwise_interpolates=False,
        critic_steps=5,
        batch_size=64,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        beta_1=0.0,
        beta_2=0.9,
        lr_decay="linear",
        train_steps=100000,
        latent_dim=128,
        tuned=False,
    )
    function = staticmethod(resnet)
