"""The Inception Score, and the same formula with any classifier (the "classifier score").

Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016:
IS = exp(E_x KL(p(y|x) || p(y))), p(y|x) a classifier's class probabilities
of a generated sample and p(y) their mean over the samples. It is high when
each sample is confidently one class (sharp p(y|x)) and the classes are
evenly used (flat p(y)): 1 at worst, K (the number of classes) at best. As in
the authors' code the samples are cut into 10 splits, the score is computed
on each and their mean and standard deviation are reported.

Two metrics, one formula:

* `inception_score`, with an Inception network's ImageNet probabilities
  (`core.Reference(inception_classifier=...)`; the evaluate command uses
  InceptionV3 with its ImageNet top when its weights are found, see
  `inception_classes`). Only the papers' network (the 2015 TensorFlow graph)
  gives numbers comparable with the papers'; Keras's InceptionV3 weights give
  close but different ones.
* `classifier_score`, with the Reference's classifier (the package's
  classifier trained on the data's labels, or a user's): named apart so that
  nobody compares it with a paper's IS. On ten balanced classes it reaches
  10 for perfect samples.

Each has a floor: the score of one set of real samples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from keras_wgan.evaluation.metrics import base

__all__ = [
    "SPLITS",
    "ClassifierScore",
    "InceptionScore",
    "InceptionScoreResult",
    "as_probabilities",
    "inception_score",
]

SPLITS = 10  # the authors' number of splits


class InceptionScoreResult(NamedTuple):
    """The mean and standard deviation (ddof 0, as the authors') of the score over the splits."""

    mean: float
    std: float


def as_probabilities(scores) -> np.ndarray:
    """Class probabilities of class scores: as they are if they are, else a softmax of them.

    Scores whose rows are non-negative and sum to 1 (within 1e-3) are taken
    as probabilities (and renormalised); any others as logits.

    Example:
    >>> as_probabilities([[0.0, np.log(3.0)]])
    array([[0.25, 0.75]])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or not len(scores) or scores.shape[1] < 1:
        raise ValueError(
            f"scores must be class scores [n >= 1, K >= 1]; received shape {scores.shape}"
        )
    sums = scores.sum(axis=1, keepdims=True)
    if np.all(scores >= 0) and np.allclose(sums, 1.0, rtol=0, atol=1e-3):
        return scores / sums
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def inception_score(probabilities, splits: int = SPLITS) -> InceptionScoreResult:
    """exp(E_x KL(p(y|x) || p(y))) on each of `splits` consecutive splits; mean and std.

    The splits are those of the authors' code: split i holds samples
    `i * n // splits` to `(i + 1) * n // splits`. A zero probability adds
    nothing to the KL divergence (0 log 0 = 0).

    Args:
        probabilities: p(y|x) of each sample, [n, K], rows summing to 1.
        splits: the number of splits, in [1, n].

    Returns:
        `InceptionScoreResult(mean, std)`.

    Example:
    >>> inception_score(np.eye(4)[[0, 1, 2, 3] * 5], splits=5)  # one-hot, 4 classes evenly
    InceptionScoreResult(mean=4.0, std=0.0)
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or not len(p):
        raise ValueError(
            f"`probabilities` must be class probabilities [n >= 1, K]; received shape {p.shape}"
        )
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-3):
        raise ValueError(
            "`probabilities` must be non-negative with rows summing to 1; received rows "
            f"summing to {p.sum(axis=1).min():.4g}..{p.sum(axis=1).max():.4g} "
            f"(minimum {p.min():.4g}); pass logits through as_probabilities"
        )
    if isinstance(splits, bool) or not isinstance(splits, (int, np.integer)):
        raise ValueError(f"`splits` must be an integer; received {splits!r}")
    if not 1 <= splits <= len(p):
        raise ValueError(f"`splits` must be in [1, {len(p)}] (one sample each); received {splits}")
    n = len(p)
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        positive = part > 0
        terms = np.zeros_like(part)
        terms[positive] = part[positive] * (
            np.log(part[positive]) - np.log(np.broadcast_to(marginal, part.shape)[positive])
        )
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return InceptionScoreResult(float(np.mean(scores)), float(np.std(scores)))


class _SplitScore(base.Metric):
    """The score of the first `num_samples` generated samples (fewer splits if fewer samples)."""

    floor_pairs = 1
    floor_ratio = False
    symmetric = False
    similarity = True

    what = ""  # the describe text's head
    network_description = ""  # the Reference's attribute that describes the classifier

    def network(self, reference) -> str:
        """The description of the classifier whose probabilities are scored."""
        return getattr(reference, self.network_description)

    def describe(self, reference):
        return {
            self.name: f"{self.what} with the class probabilities of {self.network(reference)}, "
            f"mean over {SPLITS} splits of {reference.num_samples} generated images"
        }

    def compute(self, fake, real, reference, labels=None):
        probabilities = as_probabilities(fake)[: reference.num_samples]
        score = inception_score(probabilities, min(SPLITS, len(probabilities)))
        return {self.name: score.mean, f"{self.name}_std": score.std}

    def floor_description(self, key, num_per_set, num_pairs):
        return f"{key} of a set of {num_per_set} real images (mean over {num_pairs} sets)"

    def report(self, entry, values, reference, counts):
        k = min(reference.num_samples, counts["num_generated"])
        return {
            "value": entry["value"],
            "std": values[f"{self.name}_std"],
            "num_generated": k,
            "splits": min(SPLITS, k),
            "what": entry["what"],
            "classifier": self.network(reference),
        }


@base.register
class ClassifierScore(_SplitScore):
    """`classifier_score`: the Inception Score's formula with the Reference's classifier."""

    name, needs, network_description = "classifier_score", base.SCORES, "classifier_description"
    what = "the Inception Score's formula (not comparable with papers' IS; 1 to K)"


@base.register
class InceptionScore(_SplitScore):
    """`inception_score`: with the Reference's Inception network's ImageNet probabilities."""

    name, needs, network_description = "inception_score", base.INCEPTION, "inception_description"
    what = "Inception Score"
