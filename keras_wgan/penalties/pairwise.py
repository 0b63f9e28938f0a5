"""The founding article's pairwise Lipschitz penalty, "pairwise"."""

import keras
from keras import ops

from keras_wgan.options import Option
from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.gradients import EPSILON, interpolate
from keras_wgan.penalties.options import TARGET

__all__ = ["MIN_PAIR_DISTANCE", "PairwiseLipschitzPenalty", "pairwise_lipschitz_penalty"]

#: The pairwise penalty leaves out pairs closer than this fraction of the
#: batch's mean real-fake distance (see `pairwise_lipschitz_penalty`).
MIN_PAIR_DISTANCE = 0.01


def pairwise_lipschitz_penalty(
    critic,
    real,
    fake,
    *,
    alpha=None,
    seed=None,
    real_output=None,
    fake_output=None,
    target=1.0,
    training=True,
    interpolates=False,
):
    """The Lipschitz condition itself, penalised on random pairs of points.

    The founding article's most direct reading of a soft Lipschitz
    constraint: for pairs (x, y), zero when |f(x) - f(y)| <= target * ||x - y||
    and a squared hinge on the violation otherwise,
    mean max(0, |f(x) - f(y)| / ||x - y|| - target)^2. The pairs are the
    aligned (real[i], fake[i]); with `interpolates=True` also
    (real[i], x_hat[i]) and (x_hat[i], fake[i]) for a random interpolate
    x_hat[i] between them, which probes the critic at shorter distances. It
    uses only critic outputs, so unlike the gradient penalties it needs no
    second-order derivative and costs about as much as one more forward pass.

    Pairs closer than `MIN_PAIR_DISTANCE` (1%) of the batch's mean
    ||real[i] - fake[i]|| are left out (they count as zero). Over such a
    distance the quotient measures the critic's noise, not its slope: with
    dropout (as in the keras.io critic) f(x) and f(y) are evaluated with
    different random masks, and |f(x) - f(y)| / ||x - y|| grows without
    bound as the points meet (an interpolate with alpha near 0 or 1, or a
    generated sample equal to its real partner). With the cut the quotient of a kept pair is at most
    |f(x) - f(y)| divided by 1% of the batch's scale, and the penalty of a
    deterministic critic loses only the pairs a hundred times closer than
    typical (about 2% of the interpolate pairs, alpha or 1 - alpha below
    0.01). The cut is not differentiated (the scale is a constant of the step).

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional interpolation coefficients (with `interpolates`).
        seed: random seed for alpha when it is not given.
        real_output: the critic's outputs on `real`, if already computed.
        fake_output: the critic's outputs on `fake`, if already computed.
        target: the Lipschitz constant aimed at, 1 by default.
        training: passed to the critic.
        interpolates: also penalise pairs with a random interpolate.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[0.0], [2.0]]), np.zeros(1)])
    >>> # One pair, (0, 0) and (0, 1): |f(x) - f(y)| / ||x - y|| = 2, so (2 - 1)^2.
    >>> float(pairwise_lipschitz_penalty(critic, [[0.0, 0.0]], [[0.0, 1.0]]))
    1.0
    """
    real = ops.convert_to_tensor(real, "float32")
    fake = ops.convert_to_tensor(fake, "float32")
    if real_output is None:
        real_output = critic(real, training=training)
    if fake_output is None:
        fake_output = critic(fake, training=training)
    pairs = [(real, fake, real_output, fake_output)]
    if interpolates:
        x_hat = interpolate(real, fake, alpha, seed)
        hat_output = critic(x_hat, training=training)
        pairs += [(real, x_hat, real_output, hat_output), (x_hat, fake, hat_output, fake_output)]
    scale = ops.mean(ops.sqrt(_squared_distances(real, fake)))
    min_distance = ops.stop_gradient(MIN_PAIR_DISTANCE * scale)
    terms = [_pair_violation(*pair, target=target, min_distance=min_distance) for pair in pairs]
    return ops.mean(ops.concatenate(terms, axis=0))


def _squared_distances(x, y):
    """||x[i] - y[i]||^2 over all non-batch axes, [B]."""
    return ops.sum(ops.square(ops.reshape(x - y, (ops.shape(x)[0], -1))), axis=1)


def _pair_violation(x, y, fx, fy, target, min_distance=0.0):
    """Squared hinge of |f(x) - f(y)| / ||x - y|| - target, per pair.

    Pairs not farther apart than `min_distance` give 0 (also in the gradient).
    """
    batch = ops.shape(x)[0]
    squared = _squared_distances(x, y)
    kept = squared > ops.square(min_distance)
    distance = ops.where(kept, ops.sqrt(squared + EPSILON), 1.0)
    difference = ops.abs(ops.reshape(ops.cast(fx, "float32") - ops.cast(fy, "float32"), (batch,)))
    return ops.where(kept, ops.square(ops.relu(difference / distance - target)), 0.0)


@keras.saving.register_keras_serializable(package="keras_wgan")
class PairwiseLipschitzPenalty(PenaltyWrapper):
    """The pairwise penalty: `pairwise_lipschitz_penalty` with its options.

    Args:
        weight: lambda, 10 (the founding article's, tuned on the toy data).
        target: the Lipschitz constant aimed at.
        interpolates: also penalise pairs with a random interpolate.
    """

    name = "pairwise"
    options = {
        "target": TARGET,
        "interpolates": Option(
            "pairwise_interpolates", False, "Pairwise penalty: also pairs with random interpolates."
        ),
    }

    def __init__(self, weight=10.0, target=TARGET.default, interpolates=False):
        super().__init__(
            pairwise_lipschitz_penalty, weight, target=target, interpolates=interpolates
        )
