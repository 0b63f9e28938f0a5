"""keras_wgan: Wasserstein GANs for TensorFlow/Keras.

A `keras.Model` whose `train_step` runs several critic updates under a
Lipschitz constraint (weight clipping, WGAN-GP, WGAN-LP, the pairwise
Lipschitz penalty, spectral normalisation) and then a generator update,
driven by `model.fit()`.

`import keras_wgan` loads neither TensorFlow nor Keras: the submodules and
`WassersteinGAN` are imported on first use (PEP 562), so that the command
lines answer `--help` at once and `keras_wgan.__version__` costs nothing.

Example:
>>> import keras_wgan
>>> gan = keras_wgan.WassersteinGAN  # imports keras_wgan.model (and TensorFlow) now
"""

import importlib

__version__ = "0.1.0"

# The public submodules, imported on first attribute access.
_SUBMODULES = (
    "architectures",
    "augment",
    "checkpointing",
    "data",
    "distribute",
    "ema",
    "evaluation",
    "export",
    "losses",
    "penalties",
    "recipes",
    "settings",
    "training",
    "validation",
)
# Names of other modules that the package itself offers, and their module.
_ATTRIBUTES = {"WassersteinGAN": "keras_wgan.model", "default_optimizer": "keras_wgan.model"}

__all__ = ["WassersteinGAN", "default_optimizer", *_SUBMODULES, "__version__"]


def __getattr__(name):
    """Imports a submodule or `WassersteinGAN`/`default_optimizer` when first asked for.

    Args:
        name: the attribute asked for.

    Returns:
        The submodule, or the object of `keras_wgan.model`.

    Raises:
        AttributeError: `name` is none of `__all__`.
    """
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _ATTRIBUTES:
        value = getattr(importlib.import_module(_ATTRIBUTES[name]), name)
        globals()[name] = value  # later accesses skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    """The module's names, those not imported yet included."""
    return sorted(set(globals()) | set(__all__))
