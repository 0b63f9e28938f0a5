"""The exact Wasserstein-1 distance between sample sets, and its noise floor.

A WGAN's critic estimates the Wasserstein-1 distance between the data and the
generator (Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017). That
estimate is only as good as the critic, so the package also solves the
optimal-transport problem between the two finite sets exactly, with POT
(Flamary et al., "POT: Python Optimal Transport", JMLR 2021). Two finite
sets of the *same* distribution are not at distance 0: `wasserstein1_floor`
measures that noise floor.

Metrics: `w1_exact` (low-dimensional points), `w1_pixel` (images, in pixel
space) and `w1_feature` (images, in a feature network's space), each beside
the critic's estimate (`w1_ratio`, `w1_pixel_ratio`, `w1_feature_ratio`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from keras_wgan.evaluation.metrics import base

__all__ = ["ExactW1", "FeatureW1", "PixelW1", "wasserstein1", "wasserstein1_floor"]

# Network-simplex iteration budget. POT's default (1e5) stops short of the optimum
# for 2000 x 2000 problems; 1e7 converges there.
_EMD_NUM_ITER_MAX = 10_000_000


def _subsample(samples: np.ndarray, max_samples: int | None, rng) -> np.ndarray:
    if max_samples is None or samples.shape[0] <= max_samples:
        return samples
    return samples[rng.choice(samples.shape[0], size=max_samples, replace=False)]


def wasserstein1(x, y, max_samples: int | None = None, *, seed: int = 0) -> float:
    """Exact Wasserstein-1 distance between two sets of samples.

    Solves the optimal-transport problem between the uniform distributions on the
    rows of `x` and of `y` with Euclidean ground cost (not squared Euclidean), using
    POT's network simplex (`ot.emd2`). This is the quantity a WGAN critic
    estimates, so it is the number to report beside the critic's estimate. Cost and
    memory grow as n*m; use `max_samples` to cap them. A finite sample of a
    distribution is not at distance 0 from another sample of it: compare with
    `wasserstein1_floor`.

    Args:
        x: Array [n, ...] of n samples; all axes after the first are flattened.
        y: Array [m, ...] of m samples with the same number of features as `x`;
            m may differ from n.
        max_samples: If set, each set larger than this is replaced by a random
            subset of `max_samples` samples (drawn without replacement).
        seed: Seed of the subsampling; unused when no set is subsampled.

    Returns:
        The W1 distance as a Python float.

    Raises:
        ValueError: If an input is not a non-empty numeric array with a batch axis
            and at least one feature axis, or the feature sizes differ.
        RuntimeError: If the network simplex stops before reaching the optimum.

    Example:
        >>> wasserstein1(np.array([[0.0]]), np.array([[1.0], [3.0]]))
        2.0
    """
    import ot  # POT imports TensorFlow when it is installed: only when a W1 is solved

    x = base.as_sample_matrix(x, "x")
    y = base.as_sample_matrix(y, "y")
    base.check_same_dim(x, y, "x", "y")
    if max_samples is not None and max_samples < 1:
        raise ValueError(
            f"`max_samples` must be a positive integer or None; received {max_samples!r}."
        )
    rng = np.random.default_rng(seed)
    x = _subsample(x, max_samples, rng)
    y = _subsample(y, max_samples, rng)
    # The "scipy" backend computes distances from coordinate differences
    # (scipy.spatial.distance.cdist); the default numpy path uses |x|^2 + |y|^2 - 2 x.y,
    # which loses about 1e-7 absolute to cancellation on nearby points.
    cost = ot.dist(x, y, metric="euclidean", backend="scipy")
    weights_x = np.full(x.shape[0], 1.0 / x.shape[0])
    weights_y = np.full(y.shape[0], 1.0 / y.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Reported through the log instead.
        distance, log = ot.emd2(weights_x, weights_y, cost, numItermax=_EMD_NUM_ITER_MAX, log=True)
    if log.get("warning"):
        raise RuntimeError(
            f"Exact W1 between {x.shape[0]} and {y.shape[0]} samples did not converge "
            f"({log['warning']}); pass a smaller `max_samples`."
        )
    return float(distance)


def wasserstein1_floor(
    sampler: Callable[[int, np.random.Generator], np.ndarray], n: int, seed: int = 0
) -> float:
    """W1 between two independent n-sample sets of the same distribution.

    Any generator is compared with this noise floor: even a perfect generator's n
    samples are at this distance (in expectation) from n real samples, and it
    shrinks only slowly with n in high dimension. Report the ratio
    `wasserstein1(generated, real) / wasserstein1_floor(sampler, n)` with the same
    n: a ratio near 1 means the generator cannot be told apart from the data at
    this sample size.

    Args:
        sampler: Function `sampler(n, rng) -> array [n, ...]` drawing n samples of
            the reference distribution with the numpy Generator `rng`.
        n: Number of samples in each of the two sets.
        seed: Seed of the Generator passed to `sampler` (both sets come from it).

    Returns:
        The W1 distance between the two sets, as a Python float.

    Example:
        >>> sampler = lambda n, rng: rng.normal(size=(n, 2))
        >>> floor = wasserstein1_floor(sampler, 500)
        >>> real = sampler(500, np.random.default_rng(1))
        >>> generated = np.random.default_rng(2).normal(0.3, 1.0, size=(500, 2))
        >>> ratio = wasserstein1(generated, real) / floor  # > 1: distinguishable.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`n` must be a positive integer; received {n!r}.")
    rng = np.random.default_rng(seed)
    return wasserstein1(sampler(int(n), rng), sampler(int(n), rng))


# ---------------------------------------------------------------------------
# The metrics.


@base.register
class ExactW1(base.Metric):
    """The exact W1 of low-dimensional samples (at most `max_exact_dim` numbers each).

    Its floor is averaged over many pairs of real sets (in 2-D it varies by
    about a third from pair to pair) and is named `w1_floor`.
    """

    name = "w1_exact"
    needs = base.POINTS
    critic_ratio = "w1_ratio"

    @property
    def floor_name(self):
        return "w1_floor"

    def compute(self, fake, real, reference, labels=None):
        return {self.name: wasserstein1(fake, real)}

    def describe(self, reference):
        n = len(reference.real)
        return {self.name: f"exact W1 (optimal transport, POT); {n} generated vs {n} real"}


@base.register
class PixelW1(base.Metric):
    """The exact W1 of images in pixel space, on the first `w1_samples` of each set."""

    name = "w1_pixel"
    needs = base.PIXELS
    critic_ratio = "w1_pixel_ratio"

    def compute(self, fake, real, reference, labels=None):
        w = reference.w1_samples
        return {self.name: wasserstein1(fake[:w], real[:w])}

    def describe(self, reference):
        w = reference.w1_samples
        return {self.name: f"exact W1 in pixel space (POT, Euclidean); {w} vs {w} images"}

    def report(self, entry, values, reference, counts):
        w = reference.w1_samples
        return {**entry, "num_generated": w, "num_real": w}


@base.register
class FeatureW1(base.Metric):
    """The exact W1 of images in a feature network's space, on the first `w1_samples`."""

    name = "w1_feature"
    needs = base.FEATURES
    critic_ratio = "w1_feature_ratio"

    def compute(self, fake, real, reference, labels=None):
        w = reference.w1_samples
        return {self.name: wasserstein1(fake[:w], real[:w])}

    def describe(self, reference):
        w = reference.w1_samples
        return {
            self.name: f"exact W1 on the features of "
            f"{reference.feature_network.description}; {w} vs {w} images"
        }

    def report(self, entry, values, reference, counts):
        w = reference.w1_samples
        return {
            **entry,
            "num_generated": w,
            "num_real": w,
            "feature_network": reference.feature_network.description,
        }
