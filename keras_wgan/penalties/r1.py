"""The R1 regulariser of Mescheder et al. (2018), "r1"."""

import keras
from keras import ops

from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.gradients import squared_gradient_norms

__all__ = ["R1Penalty", "r1_penalty"]


def r1_penalty(
    critic,
    real,
    fake=None,
    *,
    alpha=None,
    seed=None,
    real_output=None,
    fake_output=None,
    target=None,
    training=True,
):
    """R1, half the mean squared gradient norm on real samples: 1/2 E_real ||grad f(x)||^2.

    Mescheder, Geiger and Nowozin (2018), "Which Training Methods for GANs do
    actually Converge?", ICML 2018, arXiv:1801.04406: penalising the critic's
    gradient on the data alone makes the game locally convergent where
    unregularised (and WGAN-GP) training can oscillate. The paper's term is
    gamma/2 E_real ||grad f||^2; this returns the 1/2 E part, and the method's
    weight is gamma.

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...], the only points penalised.
        fake: unused (uniform penalty signature).
        alpha: unused.
        seed: unused.
        real_output: unused.
        fake_output: unused.
        target: unused (the centre is 0).
        training: passed to the critic.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[3.0], [4.0]]), np.zeros(1)])
    >>> float(r1_penalty(critic, np.zeros((8, 2)), None))  # ||w||^2 / 2
    12.5
    """
    del fake, alpha, seed, real_output, fake_output, target
    real = ops.convert_to_tensor(real, "float32")
    return 0.5 * ops.mean(squared_gradient_norms(critic, real, training))


@keras.saving.register_keras_serializable(package="keras_wgan")
class R1Penalty(PenaltyWrapper):
    """R1: `r1_penalty` weighted by gamma.

    The term is the paper's gamma/2 E_real ||grad f||^2, with `weight` as
    gamma. The authors' released code (GAN_stability, `compute_grad2` and
    `reg_param`) computes `reg_param * E_real ||grad f||^2`, without the 1/2:
    its `reg_param` 10 regularises as `weight=20` does here.

    Args:
        weight: gamma, 10 (the paper's CelebA-HQ and LSUN experiments).
    """

    name = "r1"
    second_order = True

    def __init__(self, weight=10.0):
        super().__init__(r1_penalty, weight)
