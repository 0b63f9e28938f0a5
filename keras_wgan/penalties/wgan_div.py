"""The Wasserstein divergence of Wu et al. (2018), "wgan_div"."""

import keras
from keras import ops

from keras_wgan import validation
from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.gradients import squared_gradient_norms

__all__ = ["WassersteinDivergence", "wasserstein_div_penalty"]


def wasserstein_div_penalty(
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
    power=6.0,
):
    """WGAN-div's term, E ||grad f||^p over the real and the generated samples together.

    Wu, Huang, Thoma, Acharya and Van Gool (2018), "Wasserstein Divergence for
    GANs", ECCV 2018, arXiv:1712.01026: the critic maximises
    E_real[f] - E_fake[f] - k E_u[||grad f||^p], a divergence (W_{k,p}) that
    needs no Lipschitz constraint at all; k = 2, p = 6 worked best. The
    gradient is taken at the real and at the generated samples, as the
    PyTorch-GAN (eriklindernoren, implementations/wgan_div) and bojone/gan
    (Keras, wgan_div.py) implementations do: k/2 (E_real ||grad f||^p +
    E_fake ||grad f||^p). The authors' released code takes it at random
    interpolates between real and generated samples instead, as WGAN-GP
    does. This function returns (E_real + E_fake) / 2; the method's weight is k.

    Sign: the paper writes the objective the critic minimises as
    E_real[f] - E_fake[f] + k E||grad f||^p (bojone's code trains so); this
    package's critic minimises E_fake[f] - E_real[f] + k E||grad f||^p, as
    PyTorch-GAN does. The two are the same game for f and -f, since the
    term depends on ||grad f|| only.

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: unused (no interpolates).
        seed: unused.
        real_output: unused.
        fake_output: unused.
        target: unused.
        training: passed to the critic.
        power: p, 6 in the paper.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[0.0], [2.0]]), np.zeros(1)])
    >>> float(wasserstein_div_penalty(critic, np.zeros((4, 2)), np.ones((4, 2))))  # 2^6
    64.0
    """
    del alpha, seed, real_output, fake_output, target
    real = ops.convert_to_tensor(real, "float32")
    fake = ops.convert_to_tensor(fake, "float32")
    # One gradient pass over both batches (the critic is per sample); each half is a mean.
    squared = squared_gradient_norms(critic, ops.concatenate([real, fake], axis=0), training)
    return ops.mean(ops.power(squared, power / 2.0))


@keras.saving.register_keras_serializable(package="keras_wgan")
class WassersteinDivergence(PenaltyWrapper):
    """WGAN-div: `wasserstein_div_penalty` weighted by k.

    Args:
        weight: k, 2 in Wu et al. (2018).
        power: p, 6 in Wu et al. (2018).
    """

    name = "wgan_div"
    second_order = True

    def __init__(self, weight=2.0, power=6.0):
        super().__init__(
            wasserstein_div_penalty,
            weight,
            power=float(validation.number("power", power, minimum=1.0)),
        )
