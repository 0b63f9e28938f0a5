"""No Lipschitz term, for a critic Lipschitz by construction, "none"."""

import keras
from keras import ops

from keras_wgan.penalties.base import PenaltyWrapper

__all__ = ["NoPenalty", "no_penalty"]


def no_penalty(critic, real, fake, **kwargs):
    """No Lipschitz term (for weight clipping or a spectrally normalised critic).

    Returns:
        A float32 zero scalar.
    """
    del critic, real, fake, kwargs
    return ops.zeros((), "float32")


@keras.saving.register_keras_serializable(package="keras_wgan")
class NoPenalty(PenaltyWrapper):
    """No term: for a critic that is Lipschitz by construction.

    E.g. with spectral normalisation (Miyato et al., 2018, arXiv:1802.05957,
    `spectral_norm=True` in `keras_wgan.architectures`).

    Args:
        weight: the weight of the (zero) term, kept for a uniform interface.
    """

    name = "none"

    def __init__(self, weight=10.0):
        super().__init__(no_penalty, weight)
