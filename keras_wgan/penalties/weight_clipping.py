"""The original WGAN's weight clipping (Arjovsky et al., 2017), "clip"."""

import keras
from keras import ops

from keras_wgan import validation
from keras_wgan.options import Option
from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.no_term import no_penalty

__all__ = ["RMSPROP_EPSILON", "RMSPROP_RHO", "WeightClipping", "clip_weights", "rmsprop"]

#: RMSprop's settings for PyTorch's behaviour (see `rmsprop`).
RMSPROP_RHO = 0.99
RMSPROP_EPSILON = 1e-16


def clip_weights(critic, clip_value=0.01):
    """Clips every trainable weight of the critic to [-clip_value, clip_value].

    The original WGAN's Lipschitz constraint (Arjovsky et al., 2017,
    arXiv:1701.07875): with bounded weights the critic is K-Lipschitz for some
    K that depends on the architecture. Called after every critic update.

    Args:
        critic: a `keras.Model`.
        clip_value: the half-width c of the box, > 0.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> clip_weights(critic, 0.01)
    >>> bool(np.abs(critic.get_weights()[0]).max() <= 0.01)
    True
    """
    for variable in critic.trainable_variables:
        variable.assign(ops.clip(variable, -clip_value, clip_value))


def rmsprop(learning_rate=5e-5):
    """RMSprop as PyTorch computes it: the original WGAN's optimizer.

    Arjovsky et al. trained with PyTorch's `RMSprop(lr=5e-5)`, whose step is
    lr * g / (sqrt(v) + 1e-8) with v a moving average of g^2 of decay 0.99.
    Keras's RMSprop adds epsilon inside the root, lr * g / sqrt(v + epsilon),
    with defaults rho 0.9 and epsilon 1e-7, a floor of 3e-4 under the root:
    with critic weights clipped to 0.01 the generator's gradients are 1e-7 to
    1e-8, so the floor dominates and the generator barely moves.
    rho 0.99 is PyTorch's alpha, and epsilon 1e-16 puts PyTorch's floor,
    sqrt(1e-16) = 1e-8, under Keras's root: sqrt(v) + 1e-8 over
    sqrt(v + 1e-16) lies between 1 and sqrt(2) (the largest difference where
    sqrt(v) = 1e-8, negligible elsewhere), the closest Keras's formula comes.
    Both start the average v at 0.

    Args:
        learning_rate: a float or a `keras.optimizers.schedules` schedule.

    Returns:
        A new `keras.optimizers.RMSprop`.
    """
    return keras.optimizers.RMSprop(
        learning_rate=learning_rate, rho=RMSPROP_RHO, epsilon=RMSPROP_EPSILON
    )


@keras.saving.register_keras_serializable(package="keras_wgan")
class WeightClipping(PenaltyWrapper):
    """Weight clipping: no critic term; every critic weight clipped after each update.

    Its optimizer is the original WGAN's RMSprop(5e-5) as PyTorch computes it
    (`rmsprop`): momentum-based optimizers were unstable with clipping.

    Args:
        clip_value: the box [-c, c] for critic weights, 0.01 in Arjovsky et al.
        weight: the weight of the (zero) term, kept for a uniform interface.
    """

    name = "clip"
    options = {
        "clip_value": Option(
            "clip_value",
            0.01,
            "Weight clipping (penalty clip): the box [-c, c].",
            check=validation.positive,
        )
    }
    default_optimizer_name = "rmsprop"
    #: What a run with clipping takes in place of another method's recipe's
    #: optimizer settings: the original WGAN's RMSprop(5e-5) without decay; the
    #: Adam learning rates of the penalties' recipes are 20 to 200 times higher.
    recipe = dict(critic_learning_rate=5e-5, generator_learning_rate=5e-5, lr_decay="none")

    def __init__(self, clip_value=0.01, weight=10.0):
        super().__init__(no_penalty, weight, clip_value=clip_value)

    def constrain(self, critic):
        """Clips the critic's weights to [-clip_value, clip_value]."""
        clip_weights(critic, self.clip_value)

    def default_optimizer(self):
        return rmsprop(5e-5)
