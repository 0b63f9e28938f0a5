"""What every architecture declares, and the checks of the options they share.

An architecture is a function `fn(sample_shape, latent_dim=..., *,
spectral_norm=False, critic_norm=None, num_classes=None,
critic_conditioning="projection", **options)` returning a `(generator,
critic)` pair of `keras.Model`, registered by a subclass of `Architecture`
in its own module of `keras_wgan.architectures`. The subclass's class
attributes are its declarations, read without importing TensorFlow
(`keras_wgan.declarations`) for the command line. This module imports
neither TensorFlow nor Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keras_wgan import validation
from keras_wgan.options import Option

__all__ = [
    "Architecture",
    "CRITIC_CONDITIONINGS",
    "CRITIC_NORMS",
    "check_critic_norm",
    "check_sample_shape",
]

#: The critic normalisations: none, or per-sample layer normalisation.
CRITIC_NORMS = (None, "layer")
#: How a conditional critic takes the label: a projection or an auxiliary classifier.
CRITIC_CONDITIONINGS = ("projection", "auxiliary")


def check_critic_norm(critic_norm):
    """Returns `critic_norm` if it is None or "layer", else raises ValueError naming it."""
    return validation.choice(
        "critic_norm",
        critic_norm,
        CRITIC_NORMS,
        hint="batch normalisation is never used in a critic: it breaks "
        "the per-sample gradient penalty",
    )


def check_sample_shape(sample_shape):
    """Returns `sample_shape` as a tuple of positive Python ints."""
    try:
        shape = tuple(int(d) for d in sample_shape)
        valid = len(shape) > 0 and all(
            d == s and d > 0 for d, s in zip(shape, sample_shape, strict=False)
        )
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            f"sample_shape must be a non-empty sequence of positive integers, got {sample_shape!r}"
        )
    return shape


class Architecture:
    """A registered pair of networks: its declarations and its function.

    Class attributes (the declarations):
        name: the registry name (`--architecture`).
        options: the function's own keywords that are training settings,
            keyword -> `keras_wgan.options.Option` (whose default is None,
            "the architecture's", for a size; the function's default applies).
        latent_dim: the default width of the noise (the function's default).
        default_rank: the sample rank (1: vectors, 3: images) for which this
            is the default architecture, or None.
        recipe: training settings for this architecture that replace an
            image recipe leaving the architecture to the data (a partial
            `TrainSettings`, plus "tuned"), or None.
        function: the builder, `staticmethod(fn)`.
    """

    name: str | None = None
    options: dict[str, Option] = {}
    latent_dim: int = 128
    default_rank: int | None = None
    recipe: dict[str, Any] | None = None
    function: Callable[..., tuple[Any, Any]] | None = None
