"""The Inception Score's formula, pinned to cases computed by hand, and its two metrics.

IS = exp(E_x KL(p(y|x) || p(y))): 1 when every p(y|x) is uniform (each KL is
0), K when the samples are one-hot and evenly spread over K classes (each
KL is ln K), and for the two samples p = (0.9, 0.1), (0.3, 0.7), whose mean
is (0.6, 0.4):
KL_1 = 0.9 ln(0.9/0.6) + 0.1 ln(0.1/0.4) = 0.364919 - 0.138629 = 0.226289,
KL_2 = 0.3 ln(0.3/0.6) + 0.7 ln(0.7/0.4) = -0.207944 + 0.391731 = 0.183787,
IS = exp((0.226289 + 0.183787) / 2) = exp(0.205038) = 1.22757.
"""

import numpy as np
import pytest

from keras_wgan.evaluation import core, feature_networks, inception_classes, networks
from keras_wgan.evaluation.metrics import inception_score
from keras_wgan.evaluation.metrics.inception import SPLITS, as_probabilities


def test_uniform_class_probabilities_score_1():
    result = inception_score(np.full((50, 7), 1 / 7))
    assert result.mean == pytest.approx(1.0, abs=1e-12) and result.std == pytest.approx(0.0)


@pytest.mark.parametrize("num_classes", [2, 4, 10])
def test_one_hot_samples_evenly_spread_over_k_classes_score_k(num_classes):
    # 10 splits of num_classes samples, one of each class: p(y) is uniform in each.
    labels = np.arange(SPLITS * num_classes) % num_classes
    result = inception_score(np.eye(num_classes)[labels])
    assert result.mean == pytest.approx(num_classes, rel=1e-12) and result.std == 0.0


def test_two_samples_of_two_classes_by_hand():
    result = inception_score(np.array([[0.9, 0.1], [0.3, 0.7]]), splits=1)
    assert result.mean == pytest.approx(1.22757, rel=1e-5)


def test_mean_and_std_over_splits():
    # Split 1: uniform samples (score 1); split 2: one-hot, two classes evenly (score 2).
    p = np.array([[0.5, 0.5], [0.5, 0.5], [1.0, 0.0], [0.0, 1.0]])
    result = inception_score(p, splits=2)
    assert (result.mean, result.std) == pytest.approx((1.5, 0.5))
    # Splits as the authors' code cuts them: i * n // splits to (i + 1) * n // splits. Now
    # each holds (0.5, 0.5) and (1, 0) (or (0, 1)), mean (0.75, 0.25): the KLs are
    # 0.5 ln(2/3) + 0.5 ln 2 = 0.5 ln(4/3) and ln(4/3), so IS = exp(0.75 ln(4/3)) = (4/3)^0.75.
    result = inception_score(p[[0, 2, 1, 3]], splits=2)
    assert (result.mean, result.std) == pytest.approx(((4 / 3) ** 0.75, 0.0))


def test_as_probabilities_keeps_probabilities_and_softmaxes_logits():
    p = np.array([[0.2, 0.8], [1.0, 0.0]])
    np.testing.assert_allclose(as_probabilities(p), p)
    logits = np.array([[0.0, np.log(3.0)], [-5.0, -5.0]])
    np.testing.assert_allclose(as_probabilities(logits), [[0.25, 0.75], [0.5, 0.5]])


@pytest.mark.parametrize(
    "probabilities, splits, message",
    [
        (np.full((5, 2), 0.5), 6, r"`splits` must be in \[1, 5\]"),
        (np.array([[1.2, -0.2]]), 1, "must be non-negative with rows summing to 1"),
        (np.array([[0.2, 0.2]]), 1, "rows summing to 0.4"),
        (np.ones(3), 1, r"class probabilities \[n >= 1, K\]; received shape \(3,\)"),
        (np.full((5, 2), 0.5), 2.0, "`splits` must be an integer"),
    ],
)
def test_bad_input_is_refused(probabilities, splits, message):
    with pytest.raises(ValueError, match=message):
        inception_score(probabilities, splits=splits)


def one_hot_classifier(images):
    """Class 0 for dark images, 1 for bright ones: probabilities [n, 2]."""
    bright = np.asarray(images).reshape(len(images), -1).mean(axis=1) > 0
    return np.eye(2)[bright.astype(int)]


def images(n, rng):
    sign = np.where(np.arange(n) % 2, 1.0, -1.0)[:, None, None, None]
    return (0.5 * sign + rng.normal(0, 0.01, (n, 8, 8, 1))).astype("float32")


def test_the_core_reports_the_classifier_score_and_the_real_sets_score():
    rng = np.random.default_rng(0)
    real, spare = images(40, rng), images(40, rng)
    reference = core.Reference(real, spare=spare, classifier=one_hot_classifier, cache=False)
    assert "classifier_score" in [m.name for m in reference.metrics]
    assert "inception_score" not in [m.name for m in reference.metrics]  # no Inception network
    floors = reference.compute_floors()
    # The score of one real set: the first of the floors' pair (a random half of the pool).
    first_set = reference._pair(0)[0]
    expected = inception_score(one_hot_classifier(first_set)).mean
    assert floors["classifier_score_floor"].value == pytest.approx(expected)
    assert 1.0 < expected <= 2.0 and floors["classifier_score_floor"].num_pairs == 1
    all_dark = np.full((40, 8, 8, 1), -0.5, "float32")
    values = reference.measure(all_dark)
    assert values["classifier_score"] == pytest.approx(1.0)  # one class only
    assert values["classifier_score_std"] == pytest.approx(0.0)
    assert "classifier_score_floor_ratio" not in values
    assert reference.measure(images(40, rng))["classifier_score"] == pytest.approx(2.0)
    assert "not comparable with papers' IS" in reference.descriptions["classifier_score"]


def test_the_inception_score_runs_the_inception_network_on_299_x_299_rgb():
    import keras

    seen = []

    class StandIn(keras.Model):
        """Probabilities from the mean brightness; records the input shapes."""

        def call(self, x, training=False):
            seen.append(tuple(x.shape))
            bright = keras.ops.cast(keras.ops.mean(x, axis=(1, 2, 3)) > 0, "float32")
            return keras.ops.stack([1.0 - bright, bright], axis=1)

    inception = inception_classes.InceptionClassifier(model=StandIn(name="stand_in"))
    rng = np.random.default_rng(1)
    reference = core.Reference(images(60, rng), inception_classifier=inception, cache=False)
    values = reference.measure(images(60, rng))
    assert values["inception_score"] == pytest.approx(2.0)
    assert seen[0] == (50, 299, 299, 3) and seen[1] == (10, 299, 299, 3)  # batches of 50
    assert "stand_in" in reference.descriptions["inception_score"]


def test_the_top_weights_are_found_beside_the_given_file_or_in_the_keras_cache(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    given = tmp_path / "given" / "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert inception_classes.find_top_weights(given) is None
    cached = tmp_path / "keras" / "models" / inception_classes.TOP_WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert inception_classes.find_top_weights() == cached
    beside = given.parent / inception_classes.TOP_WEIGHTS_FILE
    beside.parent.mkdir()
    beside.write_bytes(b"")
    assert inception_classes.find_top_weights(given) == beside
    with pytest.raises(RuntimeError, match="with-top weights .* are not at"):
        inception_classes.InceptionClassifier(tmp_path / "missing.h5")


def test_the_evaluate_command_adds_the_inception_score_with_inceptionv3(tmp_path, monkeypatch):
    # No InceptionV3 weights here: a feature network that calls itself InceptionV3, and a
    # stand-in for the with-top network found beside the no-top weights file.
    from keras_wgan.evaluation import command
    from keras_wgan.evaluation.feature_networks import FeatureNetwork

    network = FeatureNetwork(
        features=lambda x: np.asarray(x).reshape(len(x), -1)[:, :8],
        description="InceptionV3 pool3 (a stand-in)",
        name=feature_networks.KERAS_INCEPTION,
    )
    monkeypatch.setattr(command, "choose_feature_network", lambda *args, **kwargs: network)
    found = []
    monkeypatch.setattr(
        inception_classes, "find_top_weights", lambda given: found.append(given) or tmp_path
    )

    class StandIn:
        description = "InceptionV3 ImageNet classifier (a stand-in)"

        def __init__(self, path):
            assert path == tmp_path

        def __call__(self, x):
            return one_hot_classifier(x)

    monkeypatch.setattr(inception_classes, "InceptionClassifier", StandIn)
    rng = np.random.default_rng(2)
    np.savez(tmp_path / "data.npz", images=np.round((images(80, rng) + 1) * 127.5).astype("uint8"))
    generator = command.Generator(
        sample=lambda z: images(len(z), np.random.default_rng(3)),
        latent_dim=2,
        sample_shape=(8, 8, 1),
        value_range=None,
        dataset=None,
        source={},
    )
    report = command.evaluate(
        generator, tmp_path / "data.npz", num_samples=40, inception_weights="w/notop.h5"
    )
    entry = report["metrics"]["inception_score"]
    assert found == ["w/notop.h5"]
    assert entry["value"] == pytest.approx(2.0) and entry["splits"] == 10
    assert entry["classifier"] == StandIn.description and "real_vs_real" in entry
    assert "classifier_score" not in report["metrics"]  # the feature network classifies nothing


def test_keras_inceptionv3_and_only_it_brings_its_imagenet_classifier(tmp_path, monkeypatch):
    # The network feature_network("inception") makes, its weights stood in for.
    monkeypatch.setattr(feature_networks, "_inception_model", lambda *args: None)
    monkeypatch.setattr(inception_classes, "find_top_weights", lambda given: tmp_path)
    monkeypatch.setattr(inception_classes, "InceptionClassifier", lambda path: ("top", path))
    keras_inception = feature_networks.feature_network("inception")
    assert networks.inception_classifier(keras_inception, "w.h5") == ("top", tmp_path)
    plain = feature_networks.FeatureNetwork(features=len, description="InceptionV3-like")
    assert networks.inception_classifier(plain, "w.h5") is None
    assert networks.inception_classifier(None) is None
    monkeypatch.setattr(inception_classes, "find_top_weights", lambda given: None)
    assert networks.inception_classifier(keras_inception, None) is None  # no with-top file
