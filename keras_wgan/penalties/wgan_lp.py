"""WGAN-LP's one-sided gradient penalty (Petzka et al., 2018), "lp"."""

import keras
from keras import ops

from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.gradients import gradient_norms, interpolate
from keras_wgan.penalties.options import TARGET

__all__ = ["LipschitzPenalty", "lipschitz_penalty"]


def lipschitz_penalty(
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
    """WGAN-LP's one-sided penalty, mean max(0, ||grad f(x_hat)|| - target)^2.

    Petzka, Fischer and Lukovnikov (2018), "On the regularization of
    Wasserstein GANs", arXiv:1709.08894: the Lipschitz constraint only bounds
    the gradient from above, so only norms above the target are penalised.

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
    >>> critic.set_weights([np.array([[0.3], [0.4]]), np.zeros(1)])
    >>> float(lipschitz_penalty(critic, np.zeros((8, 2)), np.ones((8, 2))))  # ||w|| < 1
    0.0
    """
    del real_output, fake_output
    norms = gradient_norms(critic, interpolate(real, fake, alpha, seed), training)
    return ops.mean(ops.square(ops.relu(norms - target)))


@keras.saving.register_keras_serializable(package="keras_wgan")
class LipschitzPenalty(PenaltyWrapper):
    """WGAN-LP: `lipschitz_penalty` with its weight and target.

    Args:
        weight: lambda, 10 as for WGAN-GP.
        target: the Lipschitz constant aimed at.
    """

    name = "lp"
    options = {"target": TARGET}
    second_order = True

    def __init__(self, weight=10.0, target=TARGET.default):
        super().__init__(lipschitz_penalty, weight, target=target)
