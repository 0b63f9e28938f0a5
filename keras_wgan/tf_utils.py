"""The TensorFlow-specific pieces of keras_wgan, kept in one place.

Everything else in the package's math (losses, penalties, networks) is written
with `keras.ops` and `keras.layers`. What is TensorFlow's own lives here: the
input gradient taken with `tf.GradientTape` (which the outer tape of the
training step differentiates again), the replica context of `tf.distribute`,
and stateless random numbers whose seed is a function of (seed, stream, step,
replica), so that every replica draws different noise and a restored
checkpoint draws exactly the noise an uninterrupted run would have drawn.
"""

import numpy as np
import tensorflow as tf

__all__ = ["input_gradient", "num_replicas", "replica_id", "step_logs", "step_seed",
           "variable_value"]


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


def variable_value(variable):
    """The value of a Keras or tf variable as numpy, also of a distributed one.

    `int(variable)` fails for the `MirroredVariable` behind a Keras variable
    created under a `tf.distribute` strategy; this reads it (outside a
    replica context: in callbacks, after fit).
    """
    value = getattr(variable, "value", variable)
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def num_replicas():
    """The number of replicas training in sync (1 outside tf.distribute)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """This replica's index in its sync group (0 outside tf.distribute)."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def step_logs(logs):
    """The logs a train or test step returns, in the shape `fit()` can reduce.

    Under MultiWorkerMirroredStrategy with several workers, Keras reduces a
    step's outputs with `strategy.reduce(MEAN, value, axis=0)`, which fails on
    scalars ("Invalid reduction dimension 0", tensorflow/tensorflow#72388).
    There, and only there, each value is returned with shape [1]: the
    reduction averages over replicas and that axis and gives back a scalar,
    so History and progress bars still show plain numbers.

    Args:
        logs: dict of metric name -> scalar tensor.

    Returns:
        The same dict, reshaped to [1] under multi-worker training.
    """
    if not _multi_worker(tf.distribute.get_strategy()):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def _multi_worker(strategy):
    """Whether Keras reduces step outputs across workers (the test Keras itself makes)."""
    extended = strategy.extended
    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and getattr(extended, "_in_multi_worker_mode", lambda: False)())


def step_seed(seed, stream, counter):
    """A stateless seed, unique per (seed, stream, counter, replica).

    Args:
        seed: the model's integer seed.
        stream: an integer naming what the numbers are for (latent noise of
            the critic, of the generator, interpolation coefficients...).
        counter: an integer tensor that advances every update, e.g. an
            optimizer's `iterations`, so that restored training continues
            the same random sequence.

    Returns:
        An int32 tensor of shape [2], for `tf.random.stateless_*` ops.
    """
    base = tf.constant([seed % (2**31 - 1), stream], dtype=tf.int32)
    folded = tf.random.experimental.stateless_fold_in(base, tf.cast(counter, tf.int64))
    return tf.random.experimental.stateless_fold_in(folded, replica_id())
