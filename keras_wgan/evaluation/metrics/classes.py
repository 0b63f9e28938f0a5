"""Class coverage: the entropy of the classes a classifier assigns to generated samples.

A mode collapse onto a few classes lowers it: ln K when the K classes are
equally frequent, 0 when every sample falls in one class.

Metric: `class_entropy`, with any classifier (the generated samples alone).
"""

from __future__ import annotations

import numpy as np

from keras_wgan.evaluation.metrics import base

__all__ = ["ClassEntropy", "class_entropy"]


def class_entropy(scores) -> float:
    """The entropy (nats) of the classes a classifier assigns to a set of samples.

    Each sample is assigned its highest-scoring class; the result is the
    entropy of the share of samples in each class: ln K when the K classes
    are equally frequent, 0 when every sample falls in one class. On data
    with balanced classes (MNIST, Fashion-MNIST: ln 10 = 2.303), a generator
    that drops or favours classes scores lower.

    Args:
        scores: class scores (logits or probabilities) [n, K], n >= 1.

    Returns:
        The entropy as a Python float, in [0, ln K].
    """
    scores = np.asarray(scores)
    if scores.ndim != 2 or not len(scores) or scores.shape[1] < 1:
        raise ValueError(
            f"scores must be class scores [n >= 1, K >= 1]; received shape {scores.shape}"
        )
    counts = np.bincount(np.argmax(scores, axis=1), minlength=scores.shape[1])
    share = counts[counts > 0] / counts.sum()
    return float(max(-(share * np.log(share)).sum(), 0.0))


@base.register
class ClassEntropy(base.Metric):
    """`class_entropy` of all generated samples; no floor (it needs no real set)."""

    name = "class_entropy"
    needs = base.SCORES
    symmetric = False
    has_floor = False

    def compute(self, fake, real, reference, labels=None):
        return {self.name: class_entropy(fake)}

    def describe(self, reference):
        return {
            self.name: f"entropy (nats) of the classes {reference.classifier_description} "
            "assigns to the generated samples; ln K when the K classes are "
            "equally frequent"
        }

    def report(self, entry, values, reference, counts):
        entry = {key: value for key, value in entry.items() if key != "num_real"}
        return {**entry, "classifier": reference.classifier_description}
