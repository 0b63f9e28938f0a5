"""WGAN-GP's two-sided gradient penalty (Gulrajani et al., 2017), "gp"."""

import keras
from keras import ops

from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.gradients import gradient_norms, interpolate
from keras_wgan.penalties.options import TARGET

__all__ = ["GradientPenalty", "gradient_penalty"]


def gradient_penalty(
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
):
    """WGAN-GP's two-sided gradient penalty, mean (||grad f(x_hat)|| - target)^2.

    Gulrajani et al. (2017), "Improved Training of Wasserstein GANs",
    arXiv:1704.00028: the optimal critic has gradient norm 1 almost everywhere
    on the segments between coupled real and generated points, so the penalty
    pulls the norm towards 1 at random interpolates.

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional interpolation coefficients (see `interpolate`).
        seed: random seed for alpha when it is not given.
        real_output: unused (uniform penalty signature).
        fake_output: unused (uniform penalty signature).
        target: the Lipschitz constant aimed at, 1 by default.
        training: passed to the critic.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[3.0], [4.0]]), np.zeros(1)])
    >>> float(gradient_penalty(critic, np.zeros((8, 2)), np.ones((8, 2))))  # (5 - 1)^2
    16.0
    """
    del real_output, fake_output
    norms = gradient_norms(critic, interpolate(real, fake, alpha, seed), training)
    return ops.mean(ops.square(norms - target))


@keras.saving.register_keras_serializable(package="keras_wgan")
class GradientPenalty(PenaltyWrapper):
    """WGAN-GP: `gradient_penalty` with its weight and target.

    Args:
        weight: lambda, 10 in Gulrajani et al. (2017).
        target: the Lipschitz constant aimed at.
    """

    name = "gp"
    options = {"target": TARGET}
    second_order = True

    def __init__(self, weight=10.0, target=TARGET.default):
        super().__init__(gradient_penalty, weight, target=target)
