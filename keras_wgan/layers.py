"""Layers of keras_wgan's networks that Keras does not have as such.

`SampleLayerNormalization` is the layer normalisation of the WGAN-GP code
(tflib's `Layernorm`): each sample is normalised over all its values
(channels, height and width of an image), with one scale and offset per
channel. Keras's `LayerNormalization()` normalises each pixel over its
channels only, and `LayerNormalization(axis=[1, 2, 3])` has a scale and
offset per (height, width, channel).

`PatchConv2D` is `keras.layers.Conv2D` (same weights, configuration and
outputs) computed as one matrix product of image patches with the kernel
("im2col") instead of by the backend's convolution, where that is faster: on
CPUs, for outputs of a few pixels, such as the last two convolutions of the
keras.io WGAN-GP critic (8x8x128 -> 4x4x256 and 4x4x256 -> 2x2x512, 5x5
kernels, stride 2). oneDNN's convolution kernels are tuned for wide images;
on these small ones its weight-gradient kernel reaches a quarter of the
machine's bfloat16 matrix-product throughput. A WGAN-GP critic update
differentiates every convolution three times (forward, the penalty's input
gradient, and its double backward), so a faster form pays off on every pass.
The patches are gathered with `take`; the gather's adjoint is written as a
gather too, and each is the other's gradient, so that no derivative needs a
segment sum or a transpose (`python benchmarks/speed.py` compares the two).

`ConditionalBatchNormalization` is the class-conditional batch
normalisation of the conditional generators (de Vries et al. 2017; the
`cond_batchnorm` of WGAN-GP's `gan_cifar_resnet.py`, Miyato & Koyama 2018):
batch normalisation without its own scale and offset, then a scale gamma[y]
and an offset beta[y] looked up by each sample's class y.

Everything is written with `keras.ops` (`ops.custom_gradient` included), so
it runs on any Keras backend.
"""

import math

import keras
import numpy as np
from keras import ops

__all__ = [
    "ConditionalBatchNormalization",
    "PatchConv2D",
    "SampleLayerNormalization",
    "patch_conv2d",
    "patch_indices",
]

IMPLEMENTATIONS = ("auto", "conv", "patches")

#: "auto" computes patches x kernel for outputs of at most this many pixels
#: per image, where it is the faster form on CPUs; larger outputs use the
#: backend's convolution.
AUTO_MAX_OUTPUT_PIXELS = 16


def _output_size(size, kernel, stride, padding):
    if padding == "same":
        return math.ceil(size / stride)
    return (size - kernel) // stride + 1


def patch_indices(height, width, kernel_size, strides, padding):
    """Where each patch value comes from, for `patch_conv2d`.

    Returns:
        `(indices, out_h, out_w)`: indices is an int32 array of `out_h *
        out_w * kh * kw` positions into the input's `height * width` pixels
        (row-major), in the order (output row, output column, kernel row,
        kernel column); the padding positions of a "same" convolution (the
        extra row or column at the bottom and right, as the convolution pads)
        point to `height * width`, a zero pixel.
    """
    kh, kw = kernel_size
    sh, sw = strides
    out_h = _output_size(height, kh, sh, padding)
    out_w = _output_size(width, kw, sw, padding)
    top = left = 0
    if padding == "same":
        top = max((out_h - 1) * sh + kh - height, 0) // 2
        left = max((out_w - 1) * sw + kw - width, 0) // 2
    rows = np.arange(out_h)[:, None, None, None] * sh - top + np.arange(kh)[None, None, :, None]
    cols = np.arange(out_w)[None, :, None, None] * sw - left + np.arange(kw)[None, None, None, :]
    rows, cols = np.broadcast_arrays(rows, cols)
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    indices = np.where(inside, rows * width + cols, height * width)
    return indices.reshape(-1).astype("int32"), out_h, out_w


def patch_conv2d(inputs, kernel, strides=(1, 1), padding="valid"):
    """A 2-D convolution (channels last, no dilation) as patches x kernel.

    Equal to `keras.ops.conv(inputs, kernel, strides, padding)` up to float
    rounding: the `Ho * Wo` patches of `kh x kw x C` values (zeros where the
    convolution pads) are gathered with one `take` into a `[B * Ho * Wo, kh *
    kw * C]` matrix, and one matrix product with the kernel reshaped to `[kh *
    kw * C, filters]` gives the outputs. The gather's gradient is a
    gather too (see `_patch_extractor`). The patch matrix is about `kh * kw /
    (sh * sw)` times larger than the input, so this is meant for small images.

    Args:
        inputs: a `[B, H, W, C]` tensor with static H, W and C.
        kernel: a `[kh, kw, C, filters]` tensor.
        strides: an int or a pair of ints.
        padding: "valid" or "same".

    Returns:
        The `[B, Ho, Wo, filters]` outputs.

    Example:
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> k = np.ones((3, 3, 1, 1), "float32")
    >>> ops.convert_to_numpy(patch_conv2d(x, k, padding="valid"))[0, :, :, 0].tolist()
    [[45.0, 54.0], [81.0, 90.0]]
    """
    if isinstance(strides, int):
        strides = (strides, strides)
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', received {padding!r}")
    kh, kw, channels, filters = kernel.shape
    height, width = inputs.shape[1], inputs.shape[2]
    if height is None or width is None:
        raise ValueError(
            f"patch_conv2d needs static input height and width, received shape {inputs.shape}"
        )
    indices, out_h, out_w = patch_indices(height, width, (kh, kw), tuple(strides), padding)
    extract = _patch_extractor(indices, height * width, channels)
    patches = extract(ops.reshape(inputs, (-1, height * width, channels)))
    patches = ops.reshape(patches, (-1, kh * kw * channels))
    outputs = ops.matmul(patches, ops.reshape(kernel, (kh * kw * channels, filters)))
    return ops.reshape(outputs, (-1, out_h, out_w, filters))


def _take_with_zero(values, indices):
    """values[:, indices] along axis 1, where index len(values[0]) is a zero row."""
    values = ops.concatenate([values, ops.zeros_like(values[:, :1])], axis=1)
    return ops.take(values, indices, axis=1)


def _patch_extractor(indices, num_pixels, channels):
    """The gather of patch values from pixels, and its adjoint, each the other's gradient.

    `extract` maps pixels [B, num_pixels, C] to patch values [B, len(indices),
    C]. Its adjoint `scatter` adds each patch value back onto its pixel; it is
    written as a gather too (every pixel lists the patch slots that use it,
    padded with a zero slot), so that no derivative of any order (the
    penalty's double backward takes three) needs a segment sum or a transpose.
    """
    uses = [[] for _ in range(num_pixels)]
    for slot, pixel in enumerate(indices):
        if pixel < num_pixels:
            uses[pixel].append(slot)
    most = max(len(u) for u in uses)
    inverse = np.full((num_pixels, most), len(indices), "int32")
    for pixel, slots in enumerate(uses):
        inverse[pixel, : len(slots)] = slots
    inverse = inverse.reshape(-1)

    @ops.custom_gradient
    def extract(pixels):
        def grad(*args, upstream=None):
            return scatter(args[0] if upstream is None else upstream)

        return _take_with_zero(pixels, indices), grad

    @ops.custom_gradient
    def scatter(patch_values):
        def grad(*args, upstream=None):
            return extract(args[0] if upstream is None else upstream)

        gathered = _take_with_zero(patch_values, inverse)
        return ops.sum(ops.reshape(gathered, (-1, num_pixels, most, channels)), axis=2), grad

    return extract


@keras.saving.register_keras_serializable(package="keras_wgan")
class PatchConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` computed as patches x kernel where that is faster.

    The same layer as `Conv2D` (weights, config, outputs up to float
    rounding); only `convolution_op` differs. Use it for convolutions with
    small outputs and large kernels on a CPU (see the module docstring).

    Args:
        *args, **kwargs: those of `keras.layers.Conv2D`.
        implementation: "patches" (always the matrix product; needs
            channels-last data, dilation 1, groups 1 and a static input
            size), "conv" (always the backend's convolution, i.e. plain
            `Conv2D`), or "auto" (the default: "patches" where it applies and
            no GPU is visible, since cuDNN's convolutions are fast on GPUs).

    Example:
    >>> layer = PatchConv2D(8, 5, strides=2, padding="same")
    >>> tuple(layer(np.zeros((2, 4, 4, 3), "float32")).shape)
    (2, 2, 2, 8)
    """

    def __init__(self, *args, implementation="auto", **kwargs):
        super().__init__(*args, **kwargs)
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"implementation must be one of {IMPLEMENTATIONS}, received {implementation!r}"
            )
        self.implementation = implementation

    def _uses_patches(self, inputs):
        applicable = (
            self.data_format == "channels_last"
            and tuple(self.dilation_rate) == (1, 1)
            and self.groups == 1
            and inputs.shape[1] is not None
            and inputs.shape[2] is not None
        )
        if self.implementation == "patches":
            if not applicable:
                raise ValueError(
                    "PatchConv2D(implementation='patches') needs channels_last data, "
                    "dilation_rate 1, groups 1 and a static input size; received "
                    f"data_format={self.data_format!r}, dilation_rate={self.dilation_rate}, "
                    f"groups={self.groups}, input shape {inputs.shape}"
                )
            return True
        if self.implementation == "conv":
            return False
        if not applicable or _gpu_visible():
            return False
        _, out_h, out_w = patch_indices(
            inputs.shape[1], inputs.shape[2], self.kernel_size, tuple(self.strides), self.padding
        )
        return out_h * out_w <= AUTO_MAX_OUTPUT_PIXELS

    def convolution_op(self, inputs, kernel):
        if self._uses_patches(inputs):
            return patch_conv2d(inputs, kernel, self.strides, self.padding)
        return super().convolution_op(inputs, kernel)

    def get_config(self):
        return {**super().get_config(), "implementation": self.implementation}


def _gpu_visible():
    """Whether the backend sees a GPU (TensorFlow and JAX; False for others)."""
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    return False


@keras.saving.register_keras_serializable(package="keras_wgan")
class SampleLayerNormalization(keras.layers.Layer):
    """Layer normalisation over all of a sample's values, scaled per channel.

    y = (x - mean) / sqrt(var + epsilon) * gamma[c] + beta[c], where mean and
    var are over all non-batch axes of one sample (for images: channels,
    height and width) and c is the channel (last axis). This is WGAN-GP's
    layer norm (tflib `Layernorm` with `norm_axes=[1, 2, 3]`, epsilon 1e-5,
    per-channel offset and scale, in gan_cifar_resnet.py and gan_64x64.py);
    on [batch, features] inputs it is `LayerNormalization(epsilon=1e-5)`.
    It works per sample, so unlike batch normalisation it keeps the
    per-sample gradient penalties meaningful. The statistics are computed in
    float32 (also under a bfloat16 policy).

    Args:
        epsilon: added to the variance, 1e-5 as in WGAN-GP.
        **kwargs: those of `keras.layers.Layer` (`name`, `dtype`...).

    Example:
    >>> layer = SampleLayerNormalization()
    >>> y = ops.convert_to_numpy(layer(np.arange(8, dtype="float32").reshape(1, 2, 2, 2)))
    >>> round(float(y.mean()), 6), round(float(y.std()), 4)
    (0.0, 1.0)
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"epsilon must be a number >= 0, received {epsilon!r}")
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                "SampleLayerNormalization needs inputs [batch, ..., channels] with "
                f"a known number of channels, received shape {input_shape}"
            )
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=channels, initializer="zeros", name="beta")

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        axes = list(range(1, len(x.shape)))
        mean, variance = ops.moments(x, axes=axes, keepdims=True)
        y = (x - mean) * ops.rsqrt(variance + self.epsilon)
        y = y * ops.cast(self.gamma, "float32") + ops.cast(self.beta, "float32")
        return ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_wgan")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalisation with a scale and an offset per class.

    y = BN(x) * gamma[label] + beta[label], where BN normalises each
    channel (last axis) with the batch's statistics in training and the
    moving averages in inference, as `keras.layers.BatchNormalization` with
    `center=False, scale=False` (the layer holds one, with its moving
    statistics), and gamma, beta are [num_classes, channels] tables, gamma
    initialised to 1 and beta to 0 (so that before training every class is
    plain batch normalisation). This is the conditional batch norm of the
    conditional generators of WGAN-GP's CIFAR-10 ResNet and of Miyato &
    Koyama (2018). It mixes the samples of a batch, so it belongs in
    generators, never in a critic.

    Labels must lie in [0, num_classes): an index outside reads out of the
    table (an error on CPUs, zeros on GPUs); the entry points check them
    (`keras_wgan.data.labels.check_labels`).

    Args:
        num_classes: the number of classes K.
        momentum, epsilon: those of `keras.layers.BatchNormalization`
            (its defaults, as the unconditional generators use).
        **kwargs: those of `keras.layers.Layer` (`name`, `dtype`...).

    Call arguments:
        inputs: `[x, labels]`: x of shape [batch, ..., channels] (e.g.
            [batch, features] or [batch, height, width, channels]) and the
            integer labels [batch].
        training: batch statistics (and moving-average updates) if True.

    Example:
    >>> layer = ConditionalBatchNormalization(3)
    >>> y = layer([np.ones((2, 4, 4, 8), "float32"), np.array([0, 2])])
    >>> tuple(y.shape), [tuple(w.shape) for w in (layer.gamma, layer.beta)]
    ((2, 4, 4, 8), [(3, 8), (3, 8)])
    """

    def __init__(self, num_classes, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive integer, received {num_classes!r}")
        self.num_classes = num_classes
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.normalization = keras.layers.BatchNormalization(
            momentum=momentum,
            epsilon=epsilon,
            center=False,
            scale=False,
            dtype=self.dtype_policy,
            name="normalization",
        )

    def build(self, input_shape):
        x_shape = input_shape[0]
        if len(x_shape) < 2 or x_shape[-1] is None:
            raise ValueError(
                "ConditionalBatchNormalization needs inputs [x, labels] with x of "
                "shape [batch, ..., channels] and a known number of channels, "
                f"received shapes {input_shape}"
            )
        self.normalization.build(x_shape)
        table = (self.num_classes, x_shape[-1])
        self.gamma = self.add_weight(shape=table, initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=table, initializer="zeros", name="beta")

    def call(self, inputs, training=None):
        x, labels = inputs
        normalized = self.normalization(x, training=training)
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        # [batch, channels] -> [batch, 1, ..., 1, channels], to broadcast over x.
        shape = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        gamma = ops.reshape(ops.take(self.gamma, labels, axis=0), shape)
        beta = ops.reshape(ops.take(self.beta, labels, axis=0), shape)
        dtype = normalized.dtype
        return normalized * ops.cast(gamma, dtype) + ops.cast(beta, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }
