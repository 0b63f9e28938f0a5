"""Generator and critic networks for Wasserstein GANs.

Every architecture here is a function ``fn(sample_shape, latent_dim=..., *,
spectral_norm=False, critic_norm=None, num_classes=None,
critic_conditioning="projection", **options)`` returning a
`(generator, critic)` pair of functional `keras.Model` objects:

* the generator maps `[batch, latent_dim]` float32 noise to
  `[batch, *sample_shape]` samples (image generators end in `tanh`, so
  pixels lie in `[-1, 1]`; the toy `mlp` ends linear);
* the critic maps `[batch, *sample_shape]` samples to `[batch, 1]` scores,
  with no sigmoid, because a Wasserstein critic outputs an unbounded score.

Why the rules below exist:

* The critic never uses batch normalisation. The gradient penalty of WGAN-GP
  penalises the gradient of each sample's score with respect to that sample;
  batch normalisation mixes the samples of a batch, so those per-sample
  gradients stop meaning anything. `critic_norm="layer"` adds per-sample
  layer normalisation instead, as the WGAN-GP paper recommends: WGAN-GP's
  own (`keras_wgan.layers.SampleLayerNormalization`: each sample over all
  its channels, height and width, epsilon 1e-5, a scale and an offset per
  channel), not Keras's default `LayerNormalization` (each pixel over its
  channels). Models saved before with Keras's layer still load.
* `spectral_norm=True` wraps every Dense/Conv layer of the critic in
  `keras.layers.SpectralNormalization`, the Lipschitz method of Miyato et
  al., in Keras's projected form: every call with `training=True` runs one
  power iteration and assigns W / sigma to the stored kernel, which the layer
  then uses, so no gradient flows through sigma (Miyato et al. differentiate
  through W / sigma(W)) and the optimizer updates the normalised kernel. The
  training step calls the critic with `training=True` in the critic pass,
  in the gradient penalty's (and the pairwise interpolates') pass and in the
  generator's pass, so the iteration and the renormalisation run in each of
  them, not once per critic update. With `training=False` the kernel is
  used as stored.
* The critic's last layer and the generator's last layers are created with
  `dtype="float32"`, so that under a `mixed_bfloat16` policy the scores
  (which feed the loss) and the samples stay float32.
* Only `keras.layers` and `keras.ops` are used, so the networks do not tie
  the package to the TensorFlow backend.

Class-conditional networks (`num_classes=K`; None, the default, builds the
unconditional networks, layer for layer as before):

* the generator takes `[noise, label]`: float32 noise ``[batch,
  latent_dim]` and int32 labels `[batch]`` in [0, K) (inputs named
  `"noise"` and `"label"`). `mlp` and `kerasio` concatenate a
  learned label embedding (min(K, `latent_dim`) values, as many as a
  one-hot label, which the keras.io conditional GAN example concatenates)
  to the noise; `dcgan`
  and `resnet` replace every batch normalisation of the generator by
  `keras_wgan.layers.ConditionalBatchNormalization` (a scale and offset
  per class), as the conditional generator of `gan_cifar_resnet.py`;
* the critic takes `[sample, label]` (inputs `"sample"` and
  `"label"`) and, with `critic_conditioning="projection"` (the
  default), returns one score `[batch, 1]`: linear(phi(x)) + <embed(y),
  phi(x)> (Miyato & Koyama 2018, "cGANs with projection discriminator"),
  with phi(x) the features the unconditional critic feeds its last Dense
  layer and embed a [K, features] table, computed as a bias-free Dense
  layer on the one-hot label so that `spectral_norm=True` wraps it in
  `SpectralNormalization` like every other critic layer (Miyato & Koyama
  normalise the embedding too). With `critic_conditioning="auxiliary"`
  (the AC-GAN form of `gan_cifar_resnet.py`) the critic returns the list
  `[scores [batch, 1], class logits [batch, K]]`, both float32, the logits
  a Dense layer on the same features; its `label` input is accepted, so
  that every conditional critic is called the same way, and unused;
* labels outside [0, K) are not checked inside the networks (an embedding
  lookup raises on CPUs and reads zeros on GPUs, a one-hot row is zero):
  the model, export and data entry points check them with
  `keras_wgan.labels.check_labels`.

`ARCHITECTURES` maps each name to its function, `build` picks one by
name, and `default_architecture` suggests a name for a sample shape.
"""

import math

import keras
from keras import layers

from keras_wgan import validation
from keras_wgan.labels import check_num_classes
from keras_wgan.layers import ConditionalBatchNormalization, PatchConv2D, SampleLayerNormalization

__all__ = [
    "ARCHITECTURES",
    "CRITIC_CONDITIONINGS",
    "build",
    "dcgan",
    "default_architecture",
    "kerasio",
    "mlp",
    "resnet",
]

_CRITIC_NORMS = (None, "layer")
CRITIC_CONDITIONINGS = ("projection", "auxiliary")
_DCGAN_SIZES = (28, 32, 64)
_IMAGE_CHANNELS = (1, 3)


# --------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------


def _positive_int(name, value):
    """Returns `value` as an int, or raises ValueError naming `name`."""
    return int(validation.integer(name, value, minimum=1))


def _sample_shape(sample_shape):
    """Returns `sample_shape` as a tuple of positive Python ints."""
    try:
        shape = tuple(int(d) for d in sample_shape)
        valid = len(shape) > 0 and all(
            d == s and d > 0 for d, s in zip(shape, sample_shape)
        )
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            "sample_shape must be a non-empty sequence of positive integers, "
            f"got {sample_shape!r}"
        )
    return shape


def _reject_shape(architecture, shape, expected):
    """Raises the ValueError for a sample shape an architecture cannot take."""
    raise ValueError(
        f"architecture {architecture!r} cannot take sample_shape {shape}: "
        f"expected {expected}"
    )


def _check_critic_norm(critic_norm):
    """Raises ValueError unless `critic_norm` is None or 'layer'."""
    validation.choice("critic_norm", critic_norm, _CRITIC_NORMS,
                      hint="batch normalisation is never used in a critic: it breaks the "
                      "per-sample gradient penalty")


def _check_conditioning(num_classes, critic_conditioning):
    """Returns `num_classes` checked (None or a positive int); checks `critic_conditioning`.

    `critic_conditioning` is checked even for unconditional networks, where
    it is not used.
    """
    if critic_conditioning not in CRITIC_CONDITIONINGS:
        raise ValueError(
            f"critic_conditioning must be 'projection' or 'auxiliary', got "
            f"{critic_conditioning!r}"
        )
    return check_num_classes(num_classes)


# --------------------------------------------------------------------------
# Shared building blocks
# --------------------------------------------------------------------------


def _critic_layer(layer, spectral_norm):
    """Returns a critic Dense/Conv layer, wrapped in spectral norm if asked.

    The wrapper takes the wrapped layer's dtype policy: it casts its output
    to its own input dtype, so a float32 head needs a float32 wrapper.
    """
    if spectral_norm:
        return layers.SpectralNormalization(layer, dtype=layer.dtype_policy)
    return layer


def _critic_norm(x, critic_norm):
    """Applies the critic's optional per-sample normalisation to `x`."""
    if critic_norm == "layer":
        return SampleLayerNormalization()(x)
    return x


def _critic_head(x, spectral_norm):
    """The critic's final float32 `Dense(1)`: one unbounded score."""
    return _critic_layer(layers.Dense(1, dtype="float32"), spectral_norm)(x)


def _tanh_output(x):
    """The image generator's final float32 `tanh` (pixels in [-1, 1])."""
    return layers.Activation("tanh", dtype="float32")(x)


def _models(noise, samples, critic_input, scores, generator_label=None, critic_label=None):
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


def _label_input(num_classes):
    """The int32 label input [batch] of a conditional network, None if unconditional."""
    return None if num_classes is None else keras.Input((), dtype="int32", name="label")


def _noise_with_label(noise, label, num_classes, latent_dim):
    """The noise, with a learned label embedding of min(K, latent_dim) values concatenated."""
    if label is None:
        return noise
    size = min(num_classes, latent_dim)  # As many values as a one-hot label, at most latent_dim.
    embedded = layers.Embedding(num_classes, size, name="label_embedding")(label)
    return layers.Concatenate()([noise, embedded])


def _generator_norm(x, label, num_classes):
    """The generator's batch norm: conditional (per-class scale and offset) if labelled."""
    if label is None:
        return layers.BatchNormalization()(x)
    return ConditionalBatchNormalization(num_classes)([x, label])


def _critic_output(features, label, num_classes, spectral_norm, critic_conditioning):
    """The critic's output from its features phi(x) [batch, F]: see the module docstring.

    Unconditional: `Dense(1)(phi)`. Projection: ``Dense(1)(phi) +
    <E[y], phi>`` with the [K, F] table E a bias-free Dense layer on
    one-hot(y). Auxiliary: `[Dense(1)(phi), Dense(K)(phi)]`.
    """
    scores = _critic_head(features, spectral_norm)
    if label is None:
        return scores
    if critic_conditioning == "auxiliary":
        logits = layers.Dense(num_classes, dtype="float32", name="class_logits")
        return [scores, _critic_layer(logits, spectral_norm)(features)]
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot",
                                      name="label_one_hot")(label)
    embedding = layers.Dense(features.shape[-1], use_bias=False, dtype="float32",
                             name="class_embedding")
    embedded = _critic_layer(embedding, spectral_norm)(one_hot)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, features])
    return layers.Add(dtype="float32", name="conditional_score")([scores, projection])


def _image_shape(architecture, sample_shape, sizes, channels=_IMAGE_CHANNELS):
    """Checks that `sample_shape` is a square image the architecture takes."""
    shape = _sample_shape(sample_shape)
    if (
        len(shape) != 3
        or shape[0] not in sizes
        or shape[1] != shape[0]
        or shape[2] not in channels
    ):
        size_text = "|".join(str(s) for s in sizes)
        channel_text = "|".join(str(c) for c in channels)
        _reject_shape(
            architecture, shape, f"({size_text}, same, {channel_text})"
        )
    return shape


# --------------------------------------------------------------------------
# mlp: the WGAN-GP paper's toy networks
# --------------------------------------------------------------------------


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
    shape = _sample_shape(sample_shape)
    latent_dim = _positive_int("latent_dim", latent_dim)
    units = _positive_int("units", units)
    depth = _positive_int("depth", depth)
    _check_critic_norm(critic_norm)
    num_classes = _check_conditioning(num_classes, critic_conditioning)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = _label_input(num_classes)
    x = _noise_with_label(noise, generator_label, num_classes, latent_dim)
    for _ in range(depth):
        x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(math.prod(shape), dtype="float32")(x)
    samples = layers.Reshape(shape, dtype="float32")(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = _label_input(num_classes)
    y = layers.Flatten()(critic_input)
    for _ in range(depth):
        y = _critic_layer(layers.Dense(units), spectral_norm)(y)
        y = _critic_norm(y, critic_norm)
        y = layers.ReLU()(y)
        if dropout:
            y = layers.Dropout(dropout)(y)
    scores = _critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return _models(noise, samples, critic_input, scores, generator_label, critic_label)


# --------------------------------------------------------------------------
# dcgan: DCGAN-style convolutional networks
# --------------------------------------------------------------------------


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
    shape = _image_shape("dcgan", sample_shape, _DCGAN_SIZES)
    latent_dim = _positive_int("latent_dim", latent_dim)
    filters = _positive_int("filters", filters)
    _check_critic_norm(critic_norm)
    num_classes = _check_conditioning(num_classes, critic_conditioning)
    size, _, channels = shape
    start = 7 if size == 28 else 4
    upsamplings = int(math.log2(size // start))

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = _label_input(num_classes)
    width = (8 if size == 64 else 4) * filters
    x = layers.Dense(start * start * width, use_bias=False)(noise)
    x = _generator_norm(x, generator_label, num_classes)
    x = layers.ReLU()(x)
    x = layers.Reshape((start, start, width))(x)
    for _ in range(upsamplings - 1):
        width //= 2
        x = layers.Conv2DTranspose(
            width, 5, strides=2, padding="same", use_bias=False
        )(x)
        x = _generator_norm(x, generator_label, num_classes)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 5, strides=2, padding="same")(x)
    samples = _tanh_output(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = _label_input(num_classes)
    y = critic_input
    widths = [filters, 2 * filters, 4 * filters] + ([8 * filters] if size == 64 else [])
    for width in widths:
        conv = PatchConv2D(width, 5, strides=2, padding="same")
        y = _critic_layer(conv, spectral_norm)(y)
        y = _critic_norm(y, critic_norm)
        y = layers.LeakyReLU(0.2)(y)
    y = layers.Flatten()(y)
    scores = _critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return _models(noise, samples, critic_input, scores, generator_label, critic_label)


# --------------------------------------------------------------------------
# kerasio: the keras.io WGAN-GP example's networks
# --------------------------------------------------------------------------


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
    shape = _sample_shape(sample_shape)
    if shape != (28, 28, 1):
        _reject_shape("kerasio", shape, "(28, 28, 1)")
    latent_dim = _positive_int("latent_dim", latent_dim)
    _check_critic_norm(critic_norm)
    num_classes = _check_conditioning(num_classes, critic_conditioning)

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = _label_input(num_classes)
    x = _noise_with_label(noise, generator_label, num_classes, latent_dim)
    x = layers.Dense(4 * 4 * 256, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((4, 4, 256))(x)
    x = _kerasio_upsample(x, 128, layers.LeakyReLU(0.2))
    x = _kerasio_upsample(x, 64, layers.LeakyReLU(0.2))
    x = _kerasio_upsample(x, 1, _tanh_output)
    samples = layers.Cropping2D((2, 2), dtype="float32")(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = _label_input(num_classes)
    y = layers.ZeroPadding2D((2, 2))(critic_input)
    for filters, dropout in ((64, False), (128, True), (256, True), (512, False)):
        conv = PatchConv2D(filters, (5, 5), strides=(2, 2), padding="same")
        y = _critic_layer(conv, spectral_norm)(y)
        y = _critic_norm(y, critic_norm)
        y = layers.LeakyReLU(0.2)(y)
        if dropout:
            y = layers.Dropout(0.3)(y)
    y = layers.Flatten()(y)
    y = layers.Dropout(0.2)(y)
    scores = _critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return _models(noise, samples, critic_input, scores, generator_label, critic_label)


# --------------------------------------------------------------------------
# resnet: the WGAN-GP paper's CIFAR-10 ResNet
# --------------------------------------------------------------------------


def _resnet_up_block(x, channels, label=None, num_classes=None):
    """Generator block: BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3 + shortcut.

    The shortcut is nearest-neighbour upsampling then a 1x1 convolution, as
    `UpsampleConv` in `gan_cifar_resnet.py`. With a label the batch norms
    are conditional.
    """
    shortcut = layers.UpSampling2D(2)(x)
    shortcut = layers.Conv2D(channels, 1)(shortcut)
    y = _generator_norm(x, label, num_classes)
    y = layers.ReLU()(y)
    y = layers.UpSampling2D(2)(y)
    y = layers.Conv2D(channels, 3, padding="same")(y)
    y = _generator_norm(y, label, num_classes)
    y = layers.ReLU()(y)
    y = layers.Conv2D(channels, 3, padding="same")(y)
    return layers.Add()([shortcut, y])


def _resnet_critic_first_block(x, channels, spectral_norm):
    """Critic's optimised first block: conv3x3-ReLU-conv3x3-meanpool.

    The shortcut is a 2x2 mean pool then a 1x1 convolution.
    """
    shortcut = layers.AveragePooling2D(2)(x)
    shortcut = _critic_layer(layers.Conv2D(channels, 1), spectral_norm)(shortcut)
    y = _critic_layer(layers.Conv2D(channels, 3, padding="same"), spectral_norm)(x)
    y = layers.ReLU()(y)
    y = _critic_layer(layers.Conv2D(channels, 3, padding="same"), spectral_norm)(y)
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
        shortcut = _critic_layer(layers.Conv2D(channels, 1), spectral_norm)(x)
        shortcut = layers.AveragePooling2D(2)(shortcut)
    y = x
    for _ in range(2):
        y = _critic_norm(y, critic_norm)
        y = layers.ReLU()(y)
        y = _critic_layer(layers.Conv2D(channels, 3, padding="same"), spectral_norm)(y)
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
    `.keras` files without `custom_objects`.

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
    shape = _image_shape("resnet", sample_shape, (32,))
    latent_dim = _positive_int("latent_dim", latent_dim)
    channels = _positive_int("channels", channels)
    _check_critic_norm(critic_norm)
    num_classes = _check_conditioning(num_classes, critic_conditioning)

    noise = keras.Input((latent_dim,), name="noise")
    generator_label = _label_input(num_classes)
    x = layers.Dense(4 * 4 * channels)(noise)
    x = layers.Reshape((4, 4, channels))(x)
    for _ in range(3):
        x = _resnet_up_block(x, channels, generator_label, num_classes)
    x = _generator_norm(x, generator_label, num_classes)
    x = layers.ReLU()(x)
    x = layers.Conv2D(shape[-1], 3, padding="same")(x)
    samples = _tanh_output(x)

    critic_input = keras.Input(shape, name="sample")
    critic_label = _label_input(num_classes)
    y = _resnet_critic_first_block(critic_input, channels, spectral_norm)
    for down in (True, False, False):
        y = _resnet_critic_block(y, channels, spectral_norm, critic_norm, down)
    y = layers.ReLU()(y)
    y = layers.GlobalAveragePooling2D()(y)
    scores = _critic_output(y, critic_label, num_classes, spectral_norm, critic_conditioning)
    return _models(noise, samples, critic_input, scores, generator_label, critic_label)


# --------------------------------------------------------------------------
# Choosing an architecture by name
# --------------------------------------------------------------------------

ARCHITECTURES = {
    "dcgan": dcgan,
    "kerasio": kerasio,
    "mlp": mlp,
    "resnet": resnet,
}


def build(name, sample_shape, latent_dim=None, **options):
    """Builds the `(generator, critic)` pair of the architecture `name`.

    Looks `name` up in `ARCHITECTURES` and calls it. `latent_dim=None`
    keeps the architecture's default (2 for `mlp`, 128 for the image
    networks). Every other keyword, such as `spectral_norm`,
    `critic_norm`, `num_classes`, `critic_conditioning` or an
    architecture's own width option, is passed through.

    Args:
        name: One of `'dcgan'`, `'kerasio'`, `'mlp'`, `'resnet'`.
        sample_shape: Shape of one sample, e.g. `(2,)` or `(32, 32, 3)`.
        latent_dim: Size of the noise vector, or None for the default.
        **options: Keyword arguments for the architecture function.

    Returns:
        A `(generator, critic)` pair of `keras.Model`.

    Raises:
        ValueError: For an unknown `name` or a shape or option the
            architecture rejects.

    Example:
        >>> generator, critic = build("mlp", (2,), units=16, spectral_norm=True)
        >>> generator.input.shape[-1]
        2
    """
    if name not in ARCHITECTURES:
        expected = ", ".join(repr(n) for n in sorted(ARCHITECTURES))
        raise ValueError(f"unknown architecture {name!r}: expected one of {expected}")
    if latent_dim is not None:
        options["latent_dim"] = latent_dim
    return ARCHITECTURES[name](sample_shape, **options)


def default_architecture(sample_shape):
    """Returns the default architecture name for a sample shape.

    Vectors (1-D sample shapes) get the toy `'mlp'`; images (3-D
    `(height, width, channels)` shapes) get `'dcgan'`, which still
    checks the image size when built.

    Args:
        sample_shape: Shape of one sample.

    Returns:
        `'mlp'` or `'dcgan'`.

    Raises:
        ValueError: If `sample_shape` is neither 1-D nor 3-D.

    Example:
        >>> default_architecture((2,)), default_architecture((28, 28, 1))
        ('mlp', 'dcgan')
    """
    shape = _sample_shape(sample_shape)
    if len(shape) == 1:
        return "mlp"
    if len(shape) == 3:
        return "dcgan"
    raise ValueError(
        f"no default architecture for sample_shape {shape}: expected a 1-D "
        "vector shape or a 3-D (height, width, channels) image shape"
    )
