"""The memorisation check: how many generated samples sit on top of a training sample.

A generator trained on a few thousand images can learn to reproduce some of
them; FID and precision reward that. The check finds, in a feature space,
each generated sample's nearest training sample, and compares the distance
with how far training samples are from each other: the threshold is the
median, over the training samples, of the distance to the nearest *other*
training sample (leave-one-out). The share of generated samples closer than
that threshold is about 0.5 for fresh samples of the data (a held-out real
sample is as close to the training set as a training sample is to the
rest), lower for samples off the data, and towards 1 for a generator that
copies training samples.

Metric: `memorisation` (that share) with `memorisation_threshold` and
`memorisation_median_distance` (the median distance of a generated sample to
its nearest training sample), on the first `num_samples` generated samples
against every training sample (`core.Reference.training_samples`). The
nearest training sample of each is kept in `Reference.details`, and the
evaluate command can draw the closest pairs (`pictures.closest_pairs`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from keras_wgan.evaluation.metrics import base, neighbours

__all__ = ["Memorisation", "MemorisationResult", "memorisation_check"]


class MemorisationResult(NamedTuple):
    """The memorisation check of a generated set against a training set.

    Attributes:
        share: the share of generated samples closer to a training sample
            than `threshold`.
        threshold: the median over training samples of the distance to the
            nearest other training sample.
        nearest: for each generated sample, the index of its nearest training
            sample, int64 [m].
        distance: its distance, float64 [m].
    """

    share: float
    threshold: float
    nearest: np.ndarray
    distance: np.ndarray


def memorisation_check(fake_features, training_features) -> MemorisationResult:
    """Each generated sample's nearest training sample, and the share closer than usual.

    Args:
        fake_features: [m, d] features of generated samples; extra axes flattened.
        training_features: [n, d] features of the training samples, n >= 2.

    Returns:
        A `MemorisationResult`. A generated sample counts when its distance is
        strictly below the threshold; duplicates in the training set are each
        other's nearest neighbour at distance 0.

    Raises:
        ValueError: sets of different widths, or fewer than 2 training samples.

    Example:
    >>> training = np.array([[0.0], [1.0], [2.0], [3.0]])  # every sample 1 from the next
    >>> memorisation_check(np.array([[1.0], [5.0], [9.0]]), training).share  # only the copy of 1.0
    0.3333333333333333
    """
    fake = neighbours.as_features(fake_features, "fake_features")
    training = neighbours.as_features(training_features, "training_features")
    base.check_same_dim(fake, training, "fake_features", "training_features")
    if len(training) < 2:
        raise ValueError(
            "`training_features` needs at least 2 samples for a nearest other sample; "
            f"received {len(training)}"
        )
    (leave_one_out,) = neighbours.kth_neighbour_distances(training, (1,))
    threshold = float(np.median(leave_one_out))
    nearest, distance = neighbours.nearest(fake, training)
    return MemorisationResult(float((distance < threshold).mean()), threshold, nearest, distance)


@base.register
class Memorisation(base.Metric):
    """`memorisation` of the first `num_samples` generated samples against the training samples.

    Its values between two real sets are ~0.5 by construction, so it has no
    floor; the report says what the threshold was and how many training
    samples were searched.
    """

    name = "memorisation"
    needs = base.FEATURES
    against_training = True
    has_floor = False
    symmetric = False
    similarity = True
    value_on_itself = 1.0

    def compute(self, fake, real, reference, labels=None):
        result = memorisation_check(fake[: reference.num_samples], real)
        reference.details[self.name] = result
        return {
            self.name: result.share,
            f"{self.name}_threshold": result.threshold,
            f"{self.name}_median_distance": float(np.median(result.distance)),
        }

    def describe(self, reference):
        where = f"in the features of {reference.feature_network.description}"
        return {
            self.name: "share of generated images closer to their nearest training image than "
            "the median distance of a training image to its nearest other training image "
            f"(about 0.5 for fresh real images, towards 1 for copies), {where}",
            f"{self.name}_threshold": "median distance of a training image to its nearest other "
            f"training image, {where}",
            f"{self.name}_median_distance": "median distance of a generated image to its "
            f"nearest training image, {where}",
        }

    def report(self, entry, values, reference, counts):
        return {
            **{key: value for key, value in entry.items() if key != "num_real"},
            "num_generated": min(reference.num_samples, counts["num_generated"]),
            "num_training": len(reference.training_samples()),
            "threshold": values[f"{self.name}_threshold"],
            "median_distance": values[f"{self.name}_median_distance"],
            "feature_network": reference.feature_network.description,
        }
