"""The Frechet distance between Gaussians fitted to two feature sets (FID).

FID when the features come from InceptionV3 (Heusel et al., "GANs Trained by
a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", NeurIPS
2017); the package's feature networks are in
`keras_wgan.evaluation.feature_networks`.

Metric: `fid`, on the first `num_samples` of each set.
"""

from __future__ import annotations

import numpy as np

from keras_wgan.evaluation.metrics import base

__all__ = ["FrechetDistance", "frechet_distance"]


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0)."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def frechet_distance(features_a, features_b) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (FID on Inception features).

    Computes `|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))` from the sample
    means and covariances. The trace of the matrix square root is taken as the sum
    of the square roots of the eigenvalues of the symmetric PSD matrix
    `S_a^(1/2) S_b S_a^(1/2)` (which has the eigenvalues of `S_a S_b`), so no
    complex residue or non-symmetric `sqrtm` is involved. The estimate is biased
    upwards for finite samples (more so for high-dimensional features): compare
    values computed with the same feature network and sample sizes only.

    Args:
        features_a: Array [n, d] of features (n >= 2); extra axes are flattened.
        features_b: Array [m, d] of features of the other set (m >= 2).

    Returns:
        The Frechet distance as a Python float (tiny negative round-off clipped to 0).

    Example:

        ```python
        real = classifier_features(model, real_images)
        fake = classifier_features(model, generated_images)
        frechet_distance(real, fake)
        ```
    """
    a = base.as_sample_matrix(features_a, "features_a")
    b = base.as_sample_matrix(features_b, "features_b")
    base.check_same_dim(a, b, "features_a", "features_b")
    for name, features in (("features_a", a), ("features_b", b)):
        if features.shape[0] < 2:
            raise ValueError(
                f"`{name}` needs at least 2 samples for a covariance; received {features.shape[0]}."
            )
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    sqrt_a = _sqrtm_psd(cov_a)
    product = sqrt_a @ cov_b @ sqrt_a
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    mean_term = np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2)
    return float(max(mean_term + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt, 0.0))


@base.register
class FrechetDistance(base.Metric):
    """`fid`: the Frechet distance of the feature network's features."""

    name = "fid"
    needs = base.FEATURES

    def compute(self, fake, real, reference, labels=None):
        k = reference.num_samples
        return {self.name: frechet_distance(fake[:k], real[:k])}

    def describe(self, reference):
        k = reference.num_samples
        return {
            self.name: f"Frechet distance on the features of "
            f"{reference.feature_network.description}; {k} vs {k} images"
        }

    def report(self, entry, values, reference, counts):
        return base.features_entry(entry, reference, counts)
