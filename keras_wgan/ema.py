"""An exponential moving average (EMA) of the generator's weights.

Averaging the generator's weights over the last few thousand updates smooths
out the oscillations of the adversarial game (Yazici et al., 2019, "The
Unusual Effectiveness of Averaging in GAN Training"; ProGAN, StyleGAN and
BigGAN sample from such an average). The average lives in a second
generator, a clone of the trained one (same architecture, its own
variables), updated after every generator update:

    w_ema <- decay * w_ema + (1 - decay) * w

for the trainable weights; non-trainable weights (batch-normalisation
statistics) are copied. The trained generator itself is never changed.

Under a `tf.distribute` strategy the update runs where the optimizer's does:
in a merge call, each device's copy of an average updated from that device's
copy of the weights (`distribution.extended.update`), so that the average
stays mirrored like the weights it follows.

Example:
>>> import keras
>>> generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
>>> average = clone_generator(generator)
>>> update(average, generator, decay=0.999)
"""

import keras
import tensorflow as tf
from keras import ops

__all__ = ["check_warmup", "clone_generator", "effective_decay", "update"]


def clone_generator(generator, name=None):
    """A copy of a generator with its own variables, set to the same values.

    Args:
        generator: a built `keras.Model` (functional or sequential; a
            subclassed model needs `get_config`).
        name: the copy's name (default: the generator's with "_ema").

    Returns:
        A `keras.Model` of the same architecture, not trainable (no optimizer
        or `trainable_weights` list sees it).
    """
    clone = keras.models.clone_model(generator)
    if not clone.built:
        clone.build(generator.input_shape)
    clone.set_weights(generator.get_weights())
    clone.trainable = False
    clone.name = name or f"{generator.name}_ema"
    return clone


def check_warmup(warmup, decay):
    """`ema_warmup` checked against `ema_decay`: a warm-up needs an average to warm up.

    Raises:
        ValueError: `warmup` true without a decay (it would change nothing).
    """
    if warmup and decay is None:
        raise ValueError(
            f"ema_warmup: warms up the average of the generator's weights, received "
            f"ema_warmup={warmup!r} with ema_decay=None; expected an ema_decay (e.g. 0.999) "
            "or ema_warmup=False"
        )
    return bool(warmup)


def effective_decay(decay, step=None, warmup=False):
    """The decay of one update: `decay`, or with warm-up min(decay, (1 + t) / (10 + t)).

    The warm-up (as `tf.train.ExponentialMovingAverage(num_updates=t)`) lets
    the average forget the random initial weights quickly in the first
    updates and reach `decay` after about 10 / (1 - decay) updates.

    Args:
        decay: the decay in [0, 1).
        step: the number of generator updates made, including this one (a
            tensor); only read with `warmup`.
        warmup: whether to warm up.

    Returns:
        A float32 scalar tensor.
    """
    decay = ops.convert_to_tensor(decay, "float32")
    if not warmup:
        return decay
    step = ops.cast(step, "float32")
    return ops.minimum(decay, (1.0 + step) / (10.0 + step))


def update(average, model, decay):
    """One EMA update of `average`'s weights towards `model`'s.

    Trainable weights of `model` are averaged, w_ema <- decay * w_ema +
    (1 - decay) * w; its other weights are copied. Works in a replica
    context of a `tf.distribute` strategy (inside `train_step`) and outside.

    Args:
        average: the clone made by `clone_generator(model)`.
        model: the trained generator.
        decay: a float or float32 scalar tensor in [0, 1].
    """
    trainable = {id(variable) for variable in model.trainable_weights}
    pairs = [
        (target, source, id(source) in trainable)
        for target, source in zip(average.weights, model.weights)
    ]
    decay = ops.convert_to_tensor(decay, "float32")

    def apply(distribution, pairs, decay):
        for target, source, averaged in pairs:
            distribution.extended.update(
                _tf_variable(target),
                _assign,
                args=(_tf_variable(source), decay, averaged),
                group=False,
            )

    tf.__internal__.distribute.interim.maybe_merge_call(
        apply, tf.distribute.get_strategy(), pairs, decay
    )


def _assign(target, source, decay, averaged):
    source = tf.cast(source, target.dtype)
    if not averaged:
        return target.assign(source)
    decay = tf.cast(decay, target.dtype)
    return target.assign(decay * target + (1.0 - decay) * source)


def _tf_variable(variable):
    """The tf.Variable (a MirroredVariable under a strategy) behind a Keras variable."""
    return variable.value if isinstance(variable, keras.Variable) else variable
