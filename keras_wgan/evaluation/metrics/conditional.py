"""Metrics of class-conditional generators: conditional accuracy and intra-FID.

A conditional generator is asked for samples of given classes; two numbers say
whether it delivers them:

* `conditional_accuracy`: the share of generated samples that a classifier
  trained on the real labels assigns to the class they were generated for
  (1: every sample is recognised as its class; 1/K: labels ignored).
* `intra_fid` (Miyato & Koyama 2018): the Frechet distance between the
  generated and the real samples of each class k, in a feature network's
  space, and the mean over the classes. A generator that draws good samples
  of the wrong class has a low FID but a high intra-FID.

Labels of generated samples are evenly spread over the classes
(`evenly_spread_labels`: sample i gets class i mod K), and the metrics use the
same number m of generated samples of every class -- the first m of each, m
the smallest class count (`balanced_indices`) -- so that each class weighs the
same whatever the data's class frequencies. With `evenly_spread_labels` that
is the first K * (n // K) samples, n // K per class.

A class with fewer than `min_class_samples` real (or generated) samples has no
FID: its value is NaN and `too_few` names it with its counts; the mean is
over the other classes (NaN if none is left).

Metrics (measured by `core.Reference.measure(generated, labels=...)` with the
Reference's classifier and feature network): `conditional_accuracy` and
`intra_fid`, each with its value per class (`conditional_accuracy_class_<k>`,
`intra_fid_class_<k>`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from keras_wgan.data import labels as class_labels
from keras_wgan.evaluation.metrics import base
from keras_wgan.evaluation.metrics.frechet import frechet_distance

__all__ = [
    "ConditionalAccuracy",
    "IntraFID",
    "IntraFid",
    "MIN_CLASS_SAMPLES",
    "balanced_indices",
    "conditional_accuracy",
    "evenly_spread_labels",
    "intra_fid",
]

# A covariance needs two samples; a class with fewer real or generated samples has no FID.
MIN_CLASS_SAMPLES = 2


def evenly_spread_labels(num_samples, num_classes):
    """Labels for generated samples, evenly spread over the classes: sample i gets i mod K.

    Every class gets `num_samples // num_classes` samples, the first
    `num_samples % num_classes` classes one more.

    Args:
        num_samples: how many labels, >= 0.
        num_classes: K, >= 1.

    Returns:
        int32 array [num_samples].
    """
    return (np.arange(int(num_samples)) % int(num_classes)).astype("int32")


def balanced_indices(labels, num_classes, argument="labels"):
    """The same number of samples of every class: the first m of each, m the smallest count.

    Args:
        labels: int labels [n] in [0, K).
        num_classes: K.
        argument: how errors name `labels`.

    Returns:
        (indices, m): int array [K * m] of positions in `labels`, class by class
        (the m of class 0 first), and m.

    Raises:
        ValueError: some class has no sample at all.
    """
    labels = class_labels.check_labels(labels, num_classes, argument=argument)
    counts = np.bincount(labels, minlength=num_classes)
    if counts.min() == 0:
        missing = [int(k) for k in np.flatnonzero(counts == 0)]
        raise ValueError(
            f"{argument} holds no sample of class {missing[0]} ({len(missing)} of "
            f"{num_classes} classes missing); expected every class at least once, "
            "e.g. evenly_spread_labels(n, num_classes) with n >= num_classes"
        )
    m = int(counts.min())
    indices = np.concatenate([np.flatnonzero(labels == k)[:m] for k in range(num_classes)])
    return indices, m


def conditional_accuracy(scores, labels):
    """The share of samples whose highest-scoring class is the class they were generated for.

    Args:
        scores: class scores (logits or probabilities) [n, K] of a classifier
            trained on the real labels.
        labels: the classes the samples were generated for, int [n].

    Returns:
        (accuracy, per_class): the share over all n samples, and the share
        over the samples of each class k, float64 [K] (NaN for a class with
        no sample).
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    if scores.ndim != 2 or len(scores) != len(labels) or not len(labels):
        raise ValueError(
            f"scores must be class scores [n, K] for n = {len(labels)} labels; "
            f"received shape {scores.shape}"
        )
    correct = np.argmax(scores, axis=1) == labels
    num_classes = scores.shape[1]
    per_class = np.array(
        [
            correct[labels == k].mean() if np.any(labels == k) else math.nan
            for k in range(num_classes)
        ]
    )
    return float(correct.mean()), per_class


class IntraFID(NamedTuple):
    """The FID of each class and their mean.

    Attributes:
        value: the mean of `per_class` over the classes measured (NaN if none).
        per_class: float64 [K], NaN for a class with too few samples.
        too_few: `{k: (num_real, num_generated)}` of the classes not measured.
    """

    value: float
    per_class: np.ndarray
    too_few: dict


def intra_fid(
    fake_features,
    fake_labels,
    real_features,
    real_labels,
    num_classes,
    min_class_samples=MIN_CLASS_SAMPLES,
):
    """The Frechet distance per class (generated of class k vs real of class k) and its mean.

    Args:
        fake_features: features [n, d] of the generated samples.
        fake_labels: the classes they were generated for, int [n].
        real_features: features [m, d] of real samples.
        real_labels: their labels, int [m].
        num_classes: K.
        min_class_samples: a class with fewer real or generated samples has no FID.

    Returns:
        An `IntraFID`.
    """
    fake_labels = np.asarray(fake_labels)
    real_labels = np.asarray(real_labels)
    per_class = np.full(num_classes, math.nan)
    too_few = {}
    for k in range(num_classes):
        fake_k, real_k = fake_features[fake_labels == k], real_features[real_labels == k]
        if min(len(fake_k), len(real_k)) < max(2, min_class_samples):
            too_few[k] = (len(real_k), len(fake_k))
            continue
        per_class[k] = frechet_distance(fake_k, real_k)
    measured = per_class[np.isfinite(per_class)]
    return IntraFID(float(measured.mean()) if len(measured) else math.nan, per_class, too_few)


@base.register
class ConditionalAccuracy(base.Metric):
    """`conditional_accuracy` of labelled generated samples, with the Reference's classifier."""

    name = "conditional_accuracy"
    needs = base.SCORES
    symmetric = False
    needs_labels = True

    def compute(self, fake, real, reference, labels=None):
        indices, _ = balanced_indices(labels, reference.num_classes)
        accuracy, per_class = conditional_accuracy(fake[indices], labels[indices])
        return {
            self.name: accuracy,
            **{f"{self.name}_class_{k}": float(value) for k, value in enumerate(per_class)},
        }

    def describe(self, reference):
        return {
            self.name: f"share of generated samples that {reference.classifier_description} "
            "assigns to the class they were generated for; the same number of "
            "every class"
        }

    def report(self, entry, values, reference, counts, labels=None, class_names=None):
        return {
            **_balanced_entry(entry, reference, labels),
            "per_class": _per_class(values, self.name, class_names),
            "classifier": reference.classifier_description,
        }


@base.register
class IntraFid(base.Metric):
    """`intra_fid` of labelled generated samples against the real samples of each class."""

    name = "intra_fid"
    needs = base.FEATURES
    needs_labels = True

    def applies(self, reference):
        return super().applies(reference) and reference.real_labels is not None

    def compute(self, fake, real, reference, labels=None):
        indices, _ = balanced_indices(labels, reference.num_classes)
        result = intra_fid(
            fake[indices],
            labels[indices],
            real,
            reference.real_labels,
            reference.num_classes,
            reference.min_class_samples,
        )
        return {
            self.name: result.value,
            **{f"{self.name}_class_{k}": float(value) for k, value in enumerate(result.per_class)},
        }

    def describe(self, reference):
        return {
            self.name: f"mean over the classes of the Frechet distance between the generated "
            f"and the real samples of the class, on the features of "
            f"{reference.feature_network.description}; real: the "
            f"{len(reference.real)} real samples by label"
        }

    def report(self, entry, values, reference, counts, labels=None, class_names=None):
        real = reference.real_class_counts()
        too_few = reference.too_few_classes(labels)
        return {
            **_balanced_entry(entry, reference, labels),
            "value": _finite(entry["value"]),
            "per_class": _per_class(values, self.name, class_names),
            "num_real_per_class": {name: int(real[k]) for k, name in enumerate(class_names)},
            "classes_with_too_few_samples": {
                class_names[k]: {"num_real": num_real, "num_generated": num_generated}
                for k, (num_real, num_generated) in too_few.items()
            },
            "min_class_samples": max(2, reference.min_class_samples),
            "feature_network": reference.feature_network.description,
        }


def _balanced_entry(entry, reference, labels):
    """A report entry with the generated samples measured: the same number m of each class."""
    _, m = balanced_indices(labels, reference.num_classes)
    return {
        "value": entry["value"],
        "num_generated": m * reference.num_classes,
        "num_generated_per_class": m,
        "what": entry["what"],
    }


def _finite(value):
    """`value`, or None if it is not finite (JSON has no NaN)."""
    return value if np.isfinite(value) else None


def _per_class(values, name, class_names):
    """`{class name: value}` of the `<name>_class_<k>` values."""
    return {label: _finite(values[f"{name}_class_{k}"]) for k, label in enumerate(class_names)}
