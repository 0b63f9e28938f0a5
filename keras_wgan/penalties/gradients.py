"""What the gradient penalties share: interpolates, the critic's input gradient and its norms.

The input gradient is taken with `tf.GradientTape`, recorded so that the outer
tape of the training step differentiates it again (the second derivative that
every gradient penalty needs).
"""

import keras
import tensorflow as tf
from keras import ops

__all__ = ["EPSILON", "gradient_norms", "input_gradient", "interpolate", "squared_gradient_norms"]

# Inside the square root of every norm: keeps the gradient of the norm finite
# where the norm is zero (the gradient of sqrt at 0 is infinite).
EPSILON = 1e-12


def input_gradient(fn, x):
    """Gradient of sum(fn(x)) with respect to x, recorded for a second derivative.

    For a critic whose outputs depend each on its own sample only (no batch
    normalisation), row i of the result is the gradient of f at x[i].

    Args:
        fn: callable mapping a batch to per-sample outputs.
        x: the batch, a float tensor.

    Returns:
        A tensor shaped like `x`, in float32.
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(fn(x), tf.float32)
    return tf.cast(tape.gradient(y, x), tf.float32)


def interpolate(real, fake, alpha=None, seed=None):
    """Random points on the segments between paired real and fake samples.

    x_hat = real + alpha * (fake - real), with one alpha ~ U[0, 1] per sample,
    broadcast over all non-batch axes (shape [B, 1, ..., 1]).

    Args:
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional coefficients, [B] or [B, 1, ..., 1]; drawn if None.
        seed: a `keras.random` seed (int or `SeedGenerator`) used when alpha
            is None.

    Returns:
        The interpolates, shaped like `real`.

    Example:
    >>> from keras import ops
    >>> ops.convert_to_numpy(interpolate([[0.0, 0.0]], [[2.0, 4.0]], alpha=[0.5])).tolist()
    [[1.0, 2.0]]
    """
    real = ops.convert_to_tensor(real, "float32")
    fake = ops.convert_to_tensor(fake, "float32")
    broadcast_shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    if alpha is None:
        alpha = keras.random.uniform(broadcast_shape, seed=seed)
    alpha = ops.reshape(ops.cast(alpha, "float32"), broadcast_shape)
    return real + alpha * (fake - real)


def squared_gradient_norms(critic, x, training=True):
    """Per-sample squared norms ||grad f(x)||^2 over all non-batch axes, float32 [B].

    Args:
        critic: a callable (typically a `keras.Model`) mapping [B, ...] to [B, 1].
        x: the points, [B, ...].
        training: passed to the critic (spectral normalisation and dropout
            need `training=True` during training).
    """
    grads = input_gradient(lambda v: critic(v, training=training), x)
    grads = ops.reshape(grads, (ops.shape(grads)[0], -1))
    return ops.sum(ops.square(grads), axis=1)


def gradient_norms(critic, x, training=True):
    """Per-sample norms of the critic's gradient at x, over all non-batch axes.

    Args:
        critic: a callable (typically a `keras.Model`) mapping [B, ...] to [B, 1].
        x: the points, [B, ...].
        training: passed to the critic (spectral normalisation and dropout
            need `training=True` during training).

    Returns:
        float32 [B], sqrt(sum of squared partial derivatives + EPSILON).
    """
    return ops.sqrt(squared_gradient_norms(critic, x, training) + EPSILON)
