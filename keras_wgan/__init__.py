"""keras_wgan: Wasserstein GANs for TensorFlow/Keras.

A `keras.Model` whose `train_step` runs several critic updates under a
Lipschitz constraint (weight clipping, WGAN-GP, WGAN-LP, the pairwise
Lipschitz penalty, spectral normalisation) and then a generator update,
driven by `model.fit()`.
"""

__version__ = "0.1.0"

from keras_wgan import architectures, checkpointing, data, distribute, losses, penalties
from keras_wgan.model import WassersteinGAN, default_optimizer

__all__ = [
    "WassersteinGAN",
    "architectures",
    "checkpointing",
    "data",
    "default_optimizer",
    "distribute",
    "losses",
    "penalties",
    "__version__",
]
