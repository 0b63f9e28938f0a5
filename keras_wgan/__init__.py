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

from keras_wgan import lazy

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
_ATTRIBUTES = {"WassersteinGAN": "model", "default_optimizer": "model"}

__all__ = ["WassersteinGAN", "default_optimizer", *_SUBMODULES, "__version__"]

__getattr__, __dir__ = lazy.attach(__name__, _SUBMODULES, _ATTRIBUTES)
