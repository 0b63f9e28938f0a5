"""Conditional metrics: conditional accuracy and intra-FID, in the core, the Monitor, evaluate.

The numbers are checked against cases known by hand: a stand-in classifier
that is a fixed function of the pixels, and features whose per-class means
and covariances give each class's FID in closed form.
"""

import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import architectures
from keras_wgan.evaluation import command, conditional, core
from keras_wgan.evaluation.feature_networks import FeatureNetwork
from keras_wgan.evaluation.monitor import Monitor

SIZE = 16  # 16 x 16 images: the smallest whose SWD pyramid holds a 7 x 7 patch
NUM_CLASSES = 3
PER_CLASS = 8
# Two feature coordinates per image: a base pattern with known covariance, per class.
BASE = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]] * (PER_CLASS // 4))
TRACE = float(np.trace(np.cov(BASE, rowvar=False)))  # the base's covariance trace
CENTRES = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Floors and classifiers are computed here, not read from the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def images_of(features, codes):
    """Images whose pixels 0 and 1 are `features` and pixel 2 is the class code."""
    images = np.zeros((len(features), SIZE, SIZE, 1), "float32")
    images[:, 0, 0, 0], images[:, 0, 1, 0] = features[:, 0], features[:, 1]
    images[:, 0, 2, 0] = codes
    return images


def first_two_pixels(images):
    return np.asarray(images, np.float64).reshape(len(images), -1)[:, :2]


def code_classifier(images):
    """Scores [n, K]: class k scores -|pixel 2 - k|, so the nearest class code wins."""
    code = np.asarray(images).reshape(len(images), -1)[:, 2:3]
    return -np.abs(code - np.arange(NUM_CLASSES))


FEATURES = FeatureNetwork(first_two_pixels, "the first two pixels")


def real_set():
    features = np.concatenate([BASE + centre for centre in CENTRES])
    labels = np.repeat(np.arange(NUM_CLASSES), PER_CLASS)
    return images_of(features, labels), labels


def test_evenly_spread_labels_give_every_class_the_same_number():
    labels = conditional.evenly_spread_labels(30, 10)
    assert labels.dtype == np.int32 and labels[:12].tolist() == [*range(10), 0, 1]
    assert np.bincount(labels).tolist() == [3] * 10
    indices, m = conditional.balanced_indices(conditional.evenly_spread_labels(25, 10), 10)
    assert m == 2 and len(indices) == 20  # the first 2 of each class
    with pytest.raises(ValueError, match="labels holds no sample of class 2"):
        conditional.balanced_indices([0, 1, 0], 3)


def test_conditional_accuracy_of_a_fixed_classifier_is_the_share_it_recognises():
    labels = conditional.evenly_spread_labels(12, NUM_CLASSES)
    codes = labels.astype("float32")
    codes[[0, 3, 4]] = [1, 2, 2]  # two samples of class 0 and one of class 1 made wrong
    images = images_of(np.zeros((12, 2)), codes)
    accuracy, per_class = conditional.conditional_accuracy(code_classifier(images), labels)
    assert accuracy == 9 / 12
    assert per_class.tolist() == [0.5, 0.75, 1.0]


def test_intra_fid_is_the_mean_of_closed_form_per_class_fids():
    # Class k generated: the real pattern scaled by s_k and shifted by d_k; same mean
    # otherwise. FID_k = |d_k|^2 + (1 - s_k)^2 Tr(S), S the pattern's covariance.
    real, real_labels = real_set()
    scales, shifts = [1.0, 2.0, 0.5], np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    fake_labels = conditional.evenly_spread_labels(NUM_CLASSES * PER_CLASS, NUM_CLASSES)
    features = np.zeros((len(fake_labels), 2))
    for k in range(NUM_CLASSES):
        features[fake_labels == k] = BASE * scales[k] + CENTRES[k] + shifts[k]
    expected = [np.sum(shifts[k] ** 2) + (1 - scales[k]) ** 2 * TRACE for k in range(3)]
    assert expected == pytest.approx([25.0, TRACE, 2.0 + 0.25 * TRACE])

    result = conditional.intra_fid(features, fake_labels, first_two_pixels(real), real_labels,
                                   NUM_CLASSES)
    assert result.per_class == pytest.approx(expected, abs=1e-6)
    assert result.value == pytest.approx(np.mean(expected), abs=1e-6)
    assert result.too_few == {}

    # Through the core: the same numbers, and the classifier's accuracy beside them.
    reference = core.Reference(real, feature_network=FEATURES, num_classes=NUM_CLASSES,
                               real_labels=real_labels, classifier=code_classifier, cache=False)
    fake = images_of(features, fake_labels)
    values = reference.measure(fake, labels=fake_labels)
    assert values["intra_fid"] == pytest.approx(np.mean(expected), abs=1e-6)
    assert [values[f"intra_fid_class_{k}"] for k in range(3)] == pytest.approx(expected, abs=1e-6)
    assert values["conditional_accuracy"] == 1.0
    # The unconditional FID of the same samples is there too, and knows nothing of classes.
    assert values["fid"] == pytest.approx(
        core.Reference(real, feature_network=FEATURES, cache=False).measure(fake)["fid"])
    assert {"conditional_accuracy", "intra_fid"} <= set(reference.descriptions)
    # Without labels: the unconditional keys only.
    assert not any(key.startswith(("intra_fid", "conditional")) for key in reference.measure(fake))


def test_a_class_with_too_few_real_samples_is_reported_not_dropped():
    real, real_labels = real_set()
    keep = np.concatenate([np.flatnonzero(real_labels != 2), [np.flatnonzero(real_labels == 2)[0]]])
    real, real_labels = real[keep], real_labels[keep]  # one real sample of class 2
    reference = core.Reference(real, feature_network=FEATURES, num_classes=NUM_CLASSES,
                               real_labels=real_labels, cache=False)
    fake_labels = conditional.evenly_spread_labels(12, NUM_CLASSES)
    fake = images_of(np.zeros((12, 2)), fake_labels)
    for k in range(NUM_CLASSES):  # generated = the first 4 real patterns of the class + (1, 0)
        fake[fake_labels == k, 0, :2, 0] = BASE[:4] + CENTRES[k] + [1.0, 0.0]
    values = reference.measure(fake, labels=fake_labels)
    assert math.isnan(values["intra_fid_class_2"])
    assert reference.too_few_classes(fake_labels) == {2: (1, 4)}
    assert values["intra_fid"] == pytest.approx(
        np.mean([values["intra_fid_class_0"], values["intra_fid_class_1"]]))
    assert "conditional_accuracy" not in values  # no classifier given


def test_reference_refuses_labels_without_num_classes_and_bad_labels():
    real, real_labels = real_set()
    with pytest.raises(ValueError, match="num_classes=None"):
        core.Reference(real, cache=False).measure(real, labels=real_labels)
    reference = core.Reference(real, num_classes=NUM_CLASSES, classifier=code_classifier,
                               cache=False)
    with pytest.raises(ValueError, match=r"labels holds 8 labels >= 3"):
        reference.measure(real, labels=np.where(real_labels == 2, 3, real_labels))
    with pytest.raises(ValueError, match="real_labels holds 2 labels for 24"):
        core.Reference(real, num_classes=NUM_CLASSES, real_labels=[0, 1], cache=False)
