"""The memorisation check on constructed cases whose share is known exactly.

Training samples on a grid of spacing 1 are each 1 from their nearest other
sample, so the threshold (the median of those distances) is 1; generated
samples that copy 30 training samples are at 0 from them and 70 far-away
ones are far from all: the share is 30 / 100. The evaluate command reports
the check in a classifier's features and draws the closest pairs.
"""

import json

import numpy as np
import pytest

from keras_wgan.evaluation import command, core, pictures
from keras_wgan.evaluation.metrics import memorisation_check
from keras_wgan.evaluation.metrics.memorisation import Memorisation


def grid(side):
    x, y = np.meshgrid(np.arange(side, dtype=float), np.arange(side, dtype=float))
    return np.stack([x.ravel(), y.ravel()], axis=1)


def test_copies_and_far_points_on_a_grid_give_the_share_of_copies():
    training = grid(10)  # 100 points, each 1 from its nearest other one
    rng = np.random.default_rng(0)
    copied = rng.choice(len(training), 30, replace=False)
    far = 100.0 + rng.uniform(0, 5, (70, 2))
    generated = np.concatenate([training[copied], far])
    result = memorisation_check(generated, training)
    assert result.threshold == 1.0
    assert result.share == 0.3
    assert result.nearest[:30].tolist() == copied.tolist()
    assert np.all(result.distance[:30] == 0.0) and np.all(result.distance[30:] > 90)


def test_copies_in_a_high_dimensional_feature_space_are_found():
    rng = np.random.default_rng(1)
    training = rng.normal(size=(500, 128))
    copied = rng.choice(500, 40, replace=False)
    generated = np.concatenate([training[copied], rng.normal(size=(60, 128)) + 10.0])
    result = memorisation_check(generated.astype("float32"), training)
    assert result.share == 0.4
    assert result.nearest[:40].tolist() == copied.tolist()
    assert result.distance[:40].max() < 1e-3 * result.threshold


def test_fresh_samples_of_the_data_score_about_a_half():
    # A held-out sample is as close to the training set as a training sample to the rest.
    rng = np.random.default_rng(2)
    result = memorisation_check(rng.normal(size=(3000, 8)), rng.normal(size=(3000, 8)))
    assert 0.45 < result.share < 0.56


def test_the_threshold_is_leave_one_out_so_duplicates_are_each_others_neighbours():
    training = np.repeat(np.arange(5.0)[:, None], 2, axis=0)  # every sample twice
    result = memorisation_check(training, training)
    assert result.threshold == 0.0 and result.share == 0.0  # strictly closer than 0: none


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="needs at least 2 samples"):
        memorisation_check(np.zeros((3, 2)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="must have the same number of features"):
        memorisation_check(np.zeros((3, 2)), np.zeros((4, 3)))


def test_the_core_searches_every_real_sample_it_holds_or_the_training_set_given():
    def features(images):
        return np.asarray(images, dtype="float64").reshape(len(images), -1)[:, :4]

    from keras_wgan.evaluation.feature_networks import FeatureNetwork

    network = FeatureNetwork(features=features, description="the first 4 pixels")
    rng = np.random.default_rng(3)
    pool = rng.uniform(-1, 1, (40, 4, 4, 1)).astype("float32")
    reference = core.Reference(
        pool[:20], spare=pool[20:], feature_network=network, metrics=["memorisation"]
    )
    assert len(reference.training_samples()) == 40
    generated = pool[[25, 30, 1, 2] + list(range(3, 19))]  # 2 copies from spare, 18 from real
    values = reference.measure(generated)
    assert values["memorisation"] == 1.0
    found = reference.details["memorisation"]
    assert found.nearest[:3].tolist() == [25, 30, 1]
    # Given a training set, the check searches it alone: 2 copies, and 18 fresh samples
    # of which some are nearer than the median by chance (about half of them).
    other = core.Reference(
        pool[:20], feature_network=network, metrics=["memorisation"], training=pool[20:]
    )
    expected = memorisation_check(features(generated), features(pool[20:]))
    assert other.measure(generated)["memorisation"] == expected.share < 1.0
    assert other.details["memorisation"].nearest[:2].tolist() == [5, 10]


def test_closest_pairs_puts_each_generated_image_before_its_nearest_training_image():
    rng = np.random.default_rng(4)
    training = rng.uniform(-1, 1, (6, 5, 5, 1)).astype("float32")
    generated = rng.uniform(-1, 1, (3, 5, 5, 1)).astype("float32")
    nearest, distance = np.array([4, 0, 2]), np.array([0.5, 0.1, 0.9])
    image = pictures.closest_pairs(generated, training, nearest, distance, count=2, scale=1)
    expected = pictures.picture(
        np.stack([generated[1], training[0], generated[0], training[4]]), scale=1, columns=8
    )
    assert np.array_equal(image[-expected.shape[0] :], expected)  # under the caption
    assert image.shape[0] > expected.shape[0]


def _images(n, seed=0):
    """28 x 28 uint8 images of 3 classes: a bright 8 x 8 square in one of 3 places, and noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    images = rng.integers(0, 60, (n, 28, 28, 1)).astype("uint8")
    for k in range(3):
        images[labels == k, 2 + 8 * k : 10 + 8 * k, 10:18] = 250
    return images, labels


def image_generator(sample):
    """A `command.Generator` of 28 x 28 grey images from 2-d latent vectors."""
    return command.Generator(sample, 2, (28, 28, 1), None, None, {})


def test_the_evaluate_command_reports_the_new_measures_and_draws_the_closest_pairs(tmp_path):
    images, labels = _images(120)
    np.savez(tmp_path / "data.npz", images=images, labels=labels)
    training = images.astype("float32") / 127.5 - 1.0

    def sample(latent):  # even samples copy a training image, odd ones are noise
        out = np.random.default_rng(5).uniform(-1, 1, (len(latent), 28, 28, 1))
        out[::2] = training[: len(out[::2])]
        return out.astype("float32")

    generator = image_generator(sample)
    pairs = tmp_path / "pairs.png"
    report = command.evaluate(
        generator,
        tmp_path / "data.npz",
        num_samples=60,  # the pool (2 x 60) holds every training image
        feature_network="classifier",
        classifier_path=tmp_path / "classifier.keras",
        closest_pairs=pairs,
    )
    result = report["metrics"]
    check = result["memorisation"]
    assert check["num_training"] == 120 and check["num_generated"] == 60
    assert check["value"] >= 0.5 and check["closest_pairs"] == str(pairs)
    for key in ("precision", "recall", "density", "coverage"):
        assert 0 <= result[key]["value"] and "real_vs_real" in result[key]
        assert result[key]["feature_network"] == result["fid"]["feature_network"]
    assert result["precision_floor"]["num_pairs"] == 1
    assert result["classifier_score"]["splits"] == 10
    assert 1.0 <= result["classifier_score"]["value"] <= 3.0
    assert "inception_score" not in result  # not InceptionV3
    json.dumps(report)
    from PIL import Image

    with Image.open(pairs) as png:
        assert png.format == "PNG" and png.size[0] == 8 * (3 * 28 + 1) + 1


def test_the_closest_pairs_need_a_feature_network(tmp_path):
    np.savez(tmp_path / "data.npz", images=_images(20)[0])
    generator = image_generator(lambda z: np.zeros((len(z), 28, 28, 1), "float32"))
    with pytest.raises(ValueError, match="--closest_pairs=.* needs images and a feature network"):
        command.evaluate(
            generator,
            tmp_path / "data.npz",
            num_samples=10,
            feature_network="none",
            closest_pairs=tmp_path / "pairs.png",
        )


def test_the_metric_has_no_floor_and_says_what_it_searched():
    metric = Memorisation()
    assert metric.floor_name is None and metric.against_training


def test_a_spare_set_too_small_for_the_floors_is_still_searched():
    from keras_wgan.evaluation.feature_networks import FeatureNetwork

    network = FeatureNetwork(
        features=lambda x: np.asarray(x, "float64").reshape(len(x), -1), description="pixels"
    )
    pool = np.random.default_rng(6).uniform(-1, 1, (30, 2, 2, 1)).astype("float32")
    reference = core.Reference(
        pool[:20], spare=pool[20:], feature_network=network, metrics=["memorisation"]
    )
    assert reference.spare is None  # 10 spare samples: no floors of 20 + 20
    assert len(reference.training_samples()) == 30
    reference.measure(pool[[25] * 20])
    assert set(reference.details["memorisation"].nearest.tolist()) == {25}
