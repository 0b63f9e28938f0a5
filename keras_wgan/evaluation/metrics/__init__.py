"""Sample-quality metrics: plain numpy functions, and the registry the evaluation core runs.

One module per metric family, each holding its numpy function(s) and its
registered `base.Metric` subclass(es):

* `wasserstein`: `wasserstein1`, the exact W1 (optimal transport, POT), the
  distance a WGAN's critic estimates, and `wasserstein1_floor`, its noise
  floor; metrics `w1_exact`, `w1_pixel`, `w1_feature`.
* `sliced`: `sliced_wasserstein`, ProGAN's SWD on Laplacian-pyramid patches; `swd`.
* `frechet`: `frechet_distance`, FID on Inception features; `fid`.
* `kernel`: `kernel_distance`, KID, an unbiased polynomial-kernel MMD^2; `kid`.
* `classes`: `class_entropy`, how evenly a classifier spreads generated
  samples over the classes; `class_entropy`.
* `conditional`: `conditional_accuracy` and `intra_fid` of class-conditional
  generators.
* `manifold`: `prdc`, precision and recall (k-NN manifolds, k = 3) and
  density and coverage (k = 5) of two feature sets; `precision` with
  `recall`, `density`, `coverage`.
* `inception`: `inception_score`, exp E KL(p(y|x) || p(y)) over 10
  splits; `inception_score` with an Inception network, `classifier_score`
  with any classifier.
* `memorisation`: `memorisation_check`, the share of generated samples nearer a
  training sample than training samples are to each other; `memorisation`.
* `neighbours`: the blocked nearest-neighbour distances the last two share.

Importing this package imports every module in it, so a new metric is one
file here (a `base.Metric` subclass decorated with `base.register`) plus its
test; `registered()` lists them and `get(name)` finds one. Numpy only: POT
(which imports TensorFlow) is imported when a W1 is solved.

Example:
>>> float(frechet_distance(np.eye(3), np.eye(3)))
0.0
>>> {"w1_exact", "swd", "fid", "kid"} <= {metric.name for metric in registered()}
True
"""

import importlib

import numpy as np  # noqa: F401 (the doctest's np)

from keras_wgan import declarations
from keras_wgan.evaluation.metrics import base
from keras_wgan.evaluation.metrics.base import Metric, get, register, registered
from keras_wgan.evaluation.metrics.classes import class_entropy
from keras_wgan.evaluation.metrics.frechet import frechet_distance
from keras_wgan.evaluation.metrics.inception import inception_score
from keras_wgan.evaluation.metrics.kernel import KernelDistanceResult, kernel_distance
from keras_wgan.evaluation.metrics.manifold import PRDC, prdc
from keras_wgan.evaluation.metrics.memorisation import memorisation_check
from keras_wgan.evaluation.metrics.sliced import SlicedWassersteinResult, sliced_wasserstein
from keras_wgan.evaluation.metrics.wasserstein import wasserstein1, wasserstein1_floor

__all__ = [
    "KernelDistanceResult",
    "Metric",
    "PRDC",
    "SlicedWassersteinResult",
    "base",
    "class_entropy",
    "frechet_distance",
    "get",
    "inception_score",
    "kernel_distance",
    "memorisation_check",
    "prdc",
    "register",
    "registered",
    "sliced_wasserstein",
    "wasserstein1",
    "wasserstein1_floor",
]

# Every module of the package registers its metrics when imported.
for _module in declarations.module_names(__name__):
    importlib.import_module(_module)
