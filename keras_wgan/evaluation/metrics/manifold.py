"""Precision, recall, density and coverage: fidelity and diversity, from k-NN manifolds.

FID folds two questions into one number: are the generated samples like real
ones (fidelity), and do they cover what the data holds (diversity)? These
four answer them apart, in a feature space:

* precision and recall (Kynkaenniemi et al., "Improved Precision and Recall
  Metric for Assessing Generative Models", NeurIPS 2019): each real sample's
  ball reaches its k-th nearest real neighbour (k = 3, the paper's); the
  real manifold is the union of the balls. Precision is the share of
  generated samples inside it; recall, the share of real samples inside the
  generated samples' manifold, built the same way.
* density and coverage (Naeem et al., "Reliable Fidelity and Diversity
  Metrics for Generative Models", ICML 2020; k = 5, their recommendation):
  density counts the real balls around each generated sample (divided by k;
  1 on average for samples of the real distribution, above 1 where generated
  samples crowd the dense regions), so a few real outliers do not inflate
  it as they inflate precision; coverage is the share of real samples whose
  ball holds a generated sample, a recall that ignores generated outliers.

A sample inside a ball means strictly closer than its radius, as the
authors' `prdc` package computes it; the distances are those of
`neighbours`, computed in blocks in float64 (10,000 x 10,000 samples of 2048
numbers: see docs/experiments/prdc-speed.md).

Metric: `precision` with `recall`, `density` and `coverage`, each its own
entry in the evaluate report, measured on the first `num_samples` of each set
in any feature space (the package's classifier, InceptionV3, a user's
network); their floor is the values between two real sets.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from keras_wgan.evaluation.metrics import base, neighbours

__all__ = ["DENSITY_K", "PRECISION_K", "PRDC", "Manifold", "prdc"]

PRECISION_K = 3  # Kynkaenniemi et al.'s k for precision and recall
DENSITY_K = 5  # Naeem et al.'s k for density and coverage


class PRDC(NamedTuple):
    """Precision, recall, density and coverage of a generated set against a real set."""

    precision: float
    recall: float
    density: float
    coverage: float


def prdc(
    real_features, fake_features, *, precision_k: int = PRECISION_K, density_k: int = DENSITY_K
) -> PRDC:
    """Precision and recall (k-NN manifolds) and density and coverage of two feature sets.

    With `precision_k == density_k == k` the four numbers are those of the
    authors' `prdc.compute_prdc(real_features, fake_features, nearest_k=k)`.

    Args:
        real_features: [n, d] features of real samples; extra axes are flattened.
        fake_features: [m, d] features of generated samples.
        precision_k: k of the balls of precision and recall, in [1, min(n, m) - 1].
        density_k: k of the balls of density and coverage, in [1, n - 1].

    Returns:
        A `PRDC` of floats: precision, recall and coverage in [0, 1], density
        in [0, n / density_k].

    Raises:
        ValueError: sets of different widths, or a k the sets are too small for.

    Example:
    One generated outlier (10) leaves precision at 2/3 but, with its huge
    ball, makes recall 3/4; coverage, which uses the real balls only, says
    that the generated samples cover half of the real ones:

    >>> real = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> prdc(real, np.array([[0.25], [0.5], [10.0]]), precision_k=1, density_k=1)
    PRDC(precision=0.6666666666666666, recall=0.75, density=1.3333333333333333, coverage=0.5)
    """
    real = neighbours.as_features(real_features, "real_features")
    fake = neighbours.as_features(fake_features, "fake_features")
    base.check_same_dim(real, fake, "real_features", "fake_features")
    neighbours.check_k(precision_k, len(real), "precision_k", "real features")
    neighbours.check_k(precision_k, len(fake), "precision_k", "fake features")
    neighbours.check_k(density_k, len(real), "density_k", "real features")
    real_precision, real_density = neighbours.kth_neighbour_distances(
        real, (precision_k, density_k)
    )
    (fake_precision,) = neighbours.kth_neighbour_distances(fake, (precision_k,))
    in_real_manifold = np.zeros(len(fake), dtype=bool)
    density_count = np.zeros(len(fake), dtype=np.int64)
    in_fake_manifold = np.zeros(len(real), dtype=bool)
    nearest_fake = np.full(len(real), np.inf)
    for rows, columns, distance in neighbours.distance_blocks(real, fake):
        in_real_manifold[columns] |= (distance < real_precision[rows, None]).any(axis=0)
        density_count[columns] += (distance < real_density[rows, None]).sum(axis=0)
        in_fake_manifold[rows] |= (distance < fake_precision[None, columns]).any(axis=1)
        nearest_fake[rows] = np.minimum(nearest_fake[rows], distance.min(axis=1))
    return PRDC(
        precision=float(in_real_manifold.mean()),
        recall=float(in_fake_manifold.mean()),
        density=float(density_count.mean() / density_k),
        coverage=float((nearest_fake < real_density).mean()),
    )


@base.register
class Manifold(base.Metric):
    """`precision`, `recall`, `density`, `coverage` of the first `num_samples` features.

    Their floor is their values between one pair of real sets (costly: the
    same computation again), reported beside each as `real_vs_real`; no ratio.
    """

    name = "precision"
    also = ("recall", "density", "coverage")
    needs = base.FEATURES
    floor_pairs = 1
    floor_ratio = False
    symmetric = False  # precision of (a, b) is the recall of (b, a)
    similarity = True
    value_on_itself = 1.0

    def compute(self, fake, real, reference, labels=None):
        k = reference.num_samples
        return prdc(real[:k], fake[:k])._asdict()

    def describe(self, reference):
        k = reference.num_samples
        where = f"in the features of {reference.feature_network.description}; {k} vs {k} images"
        real_balls = (
            f"balls reaching each real image's k-th nearest real neighbour, k = {DENSITY_K}"
        )
        return {
            "precision": "share of generated images inside the real manifold (balls reaching "
            f"each real image's k-th nearest real neighbour, k = {PRECISION_K}), {where}",
            "recall": "share of real images inside the generated manifold (balls reaching "
            f"each generated image's k-th nearest generated neighbour, k = {PRECISION_K}), "
            f"{where}",
            "density": f"mean number of real balls around a generated image over k ({real_balls}); "
            f"1 for real images, {where}",
            "coverage": f"share of real images whose ball holds a generated image ({real_balls}), "
            f"{where}",
        }

    def report(self, entry, values, reference, counts):
        return base.features_entry(entry, reference, counts)
