"""Evaluation of Wasserstein GANs, during and after training (TF-GAN's `eval/`).

* `core`: the one evaluation core: the real side of every comparison
  (`Reference`: real samples drawn once, their noise floors averaged over many
  pairs of real sets) and `Reference.measure(generated)`.
* `real_sets`: the random set of real samples a comparison is made with.
* `networks`: the feature network and classifier of an evaluation, from what
  the caller named (a name, a `.keras` path, a model or a function).
* `metrics`: the metric registry (`metrics.Metric`, one module per family:
  exact W1, SWD, FID, KID, class entropy, conditional accuracy and
  intra-FID, precision/recall/density/coverage, the Inception Score and the
  classifier score, the memorisation check), each with its plain numpy function.
* `floors`: the noise floors' record (`Floor`) and their disk cache.
* `feature_networks`: the networks whose features FID, KID and the feature W1 use.
* `inception_classes`: InceptionV3's ImageNet class probabilities, for the Inception Score.
* `inception_graph`: TensorFlow's 2015 Inception graph, the network of the
  papers' FID and Inception Score, from a file the user gives.
* `monitor`: `Monitor`, the Keras callback that measures during training.
* `pictures`: sample grids with captions, scatter plots, latent interpolation strips.
* `report`: the evaluate command's report of the metrics, and the Monitor's
  plot of the critic's estimate beside the exact W1.
* `generators`: a saved generator (an export or a `.keras` WassersteinGAN)
  loaded as plain numpy functions (`load_generator`).
* `command`: `evaluate()`, what the `keras_wgan.evaluation` command line measures.

Like `keras_wgan` itself, the submodules are imported on first use (PEP 562),
so `import keras_wgan.evaluation` loads neither TensorFlow nor Keras.
"""

from keras_wgan import lazy

_SUBMODULES = (
    "command",
    "core",
    "feature_networks",
    "floors",
    "generators",
    "inception_classes",
    "inception_graph",
    "metrics",
    "monitor",
    "networks",
    "pictures",
    "real_sets",
    "report",
)
_ATTRIBUTES = {"Monitor": "monitor", "Reference": "core", "evaluate": "command"}

__all__ = [*_SUBMODULES, *_ATTRIBUTES]

__getattr__, __dir__ = lazy.attach(__name__, _SUBMODULES, _ATTRIBUTES)
