"""The zero-centred gradient penalty of Thanh-Tung et al. (2019), "gp0"."""

import keras
from keras import ops

from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.gradients import interpolate, squared_gradient_norms

__all__ = ["ZeroCentredGradientPenalty", "zero_centred_gradient_penalty"]


def zero_centred_gradient_penalty(
    critic,
    real,
    fake,
    *,
    alpha=None,
    seed=None,
    real_output=None,
    fake_output=None,
    target=None,
    training=True,
):
    """The zero-centred gradient penalty, mean ||grad f(x_hat)||^2 at interpolates.

    Thanh-Tung, Tran and Venkatesh (2019), "Improving Generalization and
    Stability of Generative Adversarial Networks", ICLR 2019,
    arXiv:1902.03984 (GAN-0GP): WGAN-GP's 1-centred penalty makes the critic
    steep everywhere between the data and the samples, which lets it overfit
    the training points; pulling the gradient towards 0 on the same segments
    instead keeps it smooth (and, they prove, the game convergent) while the
    Wasserstein loss still pushes the generator.

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional interpolation coefficients (see `interpolate`).
        seed: random seed for alpha when it is not given.
        real_output: unused (uniform penalty signature).
        fake_output: unused (uniform penalty signature).
        target: unused (the centre is 0).
        training: passed to the critic.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[3.0], [4.0]]), np.zeros(1)])
    >>> float(zero_centred_gradient_penalty(critic, np.zeros((8, 2)), np.ones((8, 2))))
    25.0
    """
    del real_output, fake_output, target
    x_hat = interpolate(real, fake, alpha, seed)
    return ops.mean(squared_gradient_norms(critic, x_hat, training))


@keras.saving.register_keras_serializable(package="keras_wgan")
class ZeroCentredGradientPenalty(PenaltyWrapper):
    """GAN-0GP: `zero_centred_gradient_penalty` with its weight.

    Args:
        weight: lambda, 10 (WGAN-GP's; the gradpen weight of the authors'
            toy scripts, whose value the paper tunes per experiment).
    """

    name = "gp0"
    second_order = True

    def __init__(self, weight=10.0):
        super().__init__(zero_centred_gradient_penalty, weight)
