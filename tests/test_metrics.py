"""Tests of the metrics' numpy functions and of keras_wgan.evaluation.feature_networks.

Expected values are known by hand (W1 of small sets, Frechet distance between
Gaussians) or are orderings that must hold (blur and brightness changes raise the
SWD; FID of real vs real is far below real vs noise). MNIST tests read
../shared/data/mnist_5k.npz from the project root and are skipped without it.
"""

from pathlib import Path

import numpy as np
import pytest

from keras_wgan.evaluation import feature_networks
from keras_wgan.evaluation.metrics import (
    frechet_distance,
    kernel_distance,
    sliced_wasserstein,
    wasserstein1,
    wasserstein1_floor,
)
from keras_wgan.evaluation.metrics.sliced import pyr_down, pyr_up

MNIST_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist_5k.npz"


@pytest.fixture(scope="module")
def mnist():
    """Shuffled MNIST (images uint8 [5000, 28, 28, 1], labels); the file is sorted by label."""
    if not MNIST_PATH.is_file():
        pytest.skip(f"MNIST sample not found at {MNIST_PATH}")
    data = np.load(MNIST_PATH)
    order = np.random.default_rng(0).permutation(len(data["labels"]))
    return data["images"][order], data["labels"][order]


def _to_float(images):
    return images.astype(np.float32) / 127.5 - 1.0


def _blur(images, sigma):
    ndimage = pytest.importorskip("scipy.ndimage")
    return ndimage.gaussian_filter(_to_float(images), sigma=(0, sigma, sigma, 0))


# ---------------------------------------------------------------------------
# wasserstein1 / wasserstein1_floor


def test_w1_point_masses_is_their_distance():
    assert wasserstein1([[0.0, 0.0]], [[3.0, 4.0]]) == pytest.approx(5.0, abs=1e-12)


def test_w1_1d_equal_sizes_is_mean_gap_of_sorted_samples():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=60), rng.exponential(size=60)
    expected = np.mean(np.abs(np.sort(x) - np.sort(y)))
    assert wasserstein1(x[:, None], y[:, None]) == pytest.approx(expected, abs=1e-9)


def test_w1_shifted_copy_is_length_of_shift():
    x = np.random.default_rng(1).normal(size=(200, 2))
    shift = np.array([0.3, -0.4])
    assert abs(wasserstein1(x, x + shift) - 0.5) < 1e-6
    assert abs(wasserstein1(x, x)) < 1e-12


def test_w1_sets_of_different_sizes():
    assert wasserstein1([[0.0]], [[1.0], [3.0]]) == pytest.approx(2.0, abs=1e-12)
    # Half of the mass moves 1, the other half 3 and 1 in halves: 0.5 * 1 + 0.25 * 3 + 0.25 * 1.
    four = [[1.0], [3.0], [5.0], [-1.0]]
    assert wasserstein1([[0.0], [2.0]], four) == pytest.approx(1.5, abs=1e-12)


def test_w1_uses_euclidean_not_squared_cost():
    # Euclidean: each point moves 1 and 3 -> W1 = 2; a squared cost would give (1 + 9) / 2 = 5.
    assert wasserstein1([[0.0], [0.0]], [[1.0], [3.0]]) == pytest.approx(2.0, abs=1e-12)
    assert wasserstein1([[0.0, 0.0]], [[0.0, 2.0]]) == pytest.approx(2.0, abs=1e-12)


def test_w1_flattens_non_batch_axes():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(30, 4, 4, 1)), rng.normal(size=(20, 4, 4, 1)).astype(np.float32)
    flat = wasserstein1(x.reshape(30, -1), y.reshape(20, -1))
    assert wasserstein1(x, y) == pytest.approx(flat, rel=1e-12)


def test_w1_max_samples_subsamples_both_sets():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(500, 2)), rng.normal(size=(300, 2)) + 3.0
    capped = wasserstein1(x, y, max_samples=100, seed=5)
    assert capped == wasserstein1(x, y, max_samples=100, seed=5)
    assert capped == pytest.approx(wasserstein1(x, y), rel=0.1)  # ~3 either way.


@pytest.mark.parametrize(
    "x, y, message",
    [
        (np.zeros(5), np.zeros((5, 1)), r"`x`.*shape \(5,\)"),
        (np.zeros((3, 2)), np.zeros((0, 2)), r"`y`.*at least one sample.*\(0, 2\)"),
        (np.zeros((3, 2)), np.zeros((3, 3)), r"same number of features.*2 and 3"),
        (np.float64(1.0), np.zeros((3, 1)), r"`x`.*scalar"),
        (np.array([["a"]]), np.zeros((1, 1)), r"`x` must be numeric"),
    ],
)
def test_w1_rejects_bad_inputs(x, y, message):
    with pytest.raises(ValueError, match=message):
        wasserstein1(x, y)


def test_w1_floor_is_positive_and_shrinks_with_n():
    sampler = lambda n, rng: rng.normal(size=(n, 2))  # noqa: E731
    floors = [wasserstein1_floor(sampler, n) for n in (20, 200, 1000)]
    assert floors[0] > floors[1] > floors[2] > 0.0
    assert wasserstein1_floor(sampler, 200, seed=0) == floors[1]  # Seeded: reproducible.


def test_w1_ratio_to_floor_separates_a_good_from_a_shifted_generator():
    sampler = lambda n, rng: rng.normal(size=(n, 2))  # noqa: E731
    n = 400
    floor = wasserstein1_floor(sampler, n)
    real = sampler(n, np.random.default_rng(10))
    good = sampler(n, np.random.default_rng(11))
    shifted = sampler(n, np.random.default_rng(12)) + np.array([1.0, 0.0])
    assert 0.7 < wasserstein1(good, real) / floor < 1.4
    assert wasserstein1(shifted, real) / floor > 4.0


# ---------------------------------------------------------------------------
# sliced_wasserstein


def test_pyramid_filters_match_progan_scipy_reference():
    ndimage = pytest.importorskip("scipy.ndimage")
    kernel = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).astype(np.float32)[None, :, :, None] / 256.0
    images = np.random.default_rng(0).uniform(-1, 1, size=(2, 16, 16, 3)).astype(np.float32)
    down = ndimage.convolve(images, kernel, mode="mirror")[:, ::2, ::2]
    np.testing.assert_allclose(pyr_down(images), down, atol=1e-6)
    zero_filled = np.zeros_like(images)
    zero_filled[:, ::2, ::2] = down
    up = ndimage.convolve(zero_filled, 4 * kernel, mode="mirror")
    np.testing.assert_allclose(pyr_up(down, 16, 16), up, atol=1e-6)


def test_swd_levels_follow_progan_rule():
    rng = np.random.default_rng(0)
    small = dict(num_descriptors=8, num_projections=16)
    images32 = rng.uniform(-1, 1, size=(10, 32, 32, 3)).astype(np.float32)
    result = sliced_wasserstein(images32, images32[::-1], **small)
    assert list(result.levels) == [32, 16]
    assert result.mean == pytest.approx(np.mean(list(result.levels.values())))
    # uint8 [n, h, w] (grey) is accepted too.
    images28 = rng.integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    assert list(sliced_wasserstein(images28, images28[::-1], **small).levels) == [28]
    with_14 = sliced_wasserstein(images28, images28[::-1], min_resolution=14, **small)
    assert list(with_14.levels) == [28, 14]
    odd = rng.uniform(-1, 1, size=(10, 33, 40, 1)).astype(np.float32)
    assert list(sliced_wasserstein(odd, odd[::-1], **small).levels) == [33, 17]


def test_swd_is_zero_for_identical_sets(mnist):
    images = mnist[0][:300]
    for min_resolution in (16, 14):
        result = sliced_wasserstein(images, images.copy(), min_resolution=min_resolution)
        assert all(abs(value) < 1e-9 for value in result.levels.values())


def test_swd_grows_with_brightness_shift_that_clips(mnist):
    images = mnist[0]
    real, other = images[:500], _to_float(images[500:1000])
    baseline = sliced_wasserstein(real, other).mean  # Two samples of real MNIST.
    brighter = sliced_wasserstein(real, np.clip(other + 0.3, -1, 1)).mean
    much_brighter = sliced_wasserstein(real, np.clip(other + 0.6, -1, 1)).mean
    assert baseline < brighter < much_brighter
    assert much_brighter > 1.5 * baseline
    # Each set is normalised per channel (as ProGAN), so an unclipped affine change is invisible.
    assert sliced_wasserstein(real, 0.5 * other + 0.2).mean == pytest.approx(baseline, rel=1e-3)


def test_swd_grows_with_blur_most_at_finest_level(mnist):
    images = mnist[0]
    real, other = images[:500], images[500:1000]
    finest = [
        sliced_wasserstein(real, candidate, min_resolution=14).levels[28]
        for candidate in (other, _blur(other, 0.5), _blur(other, 1.0), _blur(other, 2.0))
    ]
    assert finest[0] < finest[1] < finest[2] < finest[3]
    assert finest[2] > 3 * finest[0]
    blurred = sliced_wasserstein(real, _blur(other, 1.0), min_resolution=14)
    assert blurred.levels[28] > blurred.levels[14]


def test_swd_accepts_sets_of_different_sizes(mnist):
    images = mnist[0]
    same_size = sliced_wasserstein(images[:400], images[1000:1400]).mean
    different = sliced_wasserstein(images[:400], images[1000:1300]).mean
    assert 0.0 < different < 3 * same_size


@pytest.mark.parametrize(
    "x_shape, y_shape, kwargs, message",
    [
        ((4, 28, 28, 1), (4, 28, 28, 3), {}, r"same \[h, w, c\]"),
        ((4, 12, 12, 1), (4, 12, 12, 1), {}, r"12x12 are smaller than `min_resolution`=16"),
        ((4, 28, 28, 1), (4, 28, 28, 1), {"patch_size": 6}, r"`patch_size` must be a positive odd"),
        ((4, 28, 28, 1), (4, 28, 28, 1), {"min_resolution": 5}, r"`min_resolution` must be >="),
        ((28, 28), (4, 28, 28, 1), {}, r"`x` must be a non-empty batch of images"),
    ],
)
def test_swd_rejects_bad_inputs(x_shape, y_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sliced_wasserstein(np.zeros(x_shape, np.float32), np.zeros(y_shape, np.float32), **kwargs)


# ---------------------------------------------------------------------------
# frechet_distance / kernel_distance


def test_frechet_distance_of_commuting_gaussians_matches_closed_form():
    rng = np.random.default_rng(0)
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 1.0])
    mean_b = np.array([1.0, 0.0, -1.0])
    a = rng.normal(size=(20000, 3)) * np.sqrt(var_a)
    b = rng.normal(size=(20000, 3)) * np.sqrt(var_b) + mean_b
    expected = np.sum(mean_b**2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)  # = 3.3358
    assert frechet_distance(a, b) == pytest.approx(expected, abs=0.15)


def test_frechet_distance_of_non_commuting_gaussians_matches_closed_form():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(1)
    factor_a, factor_b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    cov_a, cov_b = factor_a @ factor_a.T + 0.5 * np.eye(4), factor_b @ factor_b.T + 0.5 * np.eye(4)
    assert np.abs(cov_a @ cov_b - cov_b @ cov_a).max() > 1.0  # Really non-commuting.
    mean_a, mean_b = np.zeros(4), np.array([1.0, -0.5, 0.25, 0.0])
    trace_term = np.trace(cov_a + cov_b - 2 * linalg.sqrtm(cov_a @ cov_b).real)
    expected = np.sum((mean_a - mean_b) ** 2) + trace_term
    a = rng.multivariate_normal(mean_a, cov_a, size=20000)
    b = rng.multivariate_normal(mean_b, cov_b, size=20000)
    # Sampling std of the estimate is ~0.08 here (measured over 10 seeds).
    assert frechet_distance(a, b) == pytest.approx(expected, abs=0.3)


def test_frechet_distance_of_identical_sets_is_zero():
    features = np.random.default_rng(2).normal(size=(500, 16)).astype(np.float32)
    assert frechet_distance(features, features) < 1e-8


def test_frechet_distance_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"`features_a` needs at least 2 samples"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"same number of features.*3 and 4"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


def test_kernel_distance_near_zero_for_same_distribution_positive_otherwise():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))
    shifted = rng.normal(size=(2000, 8)) + 0.3
    same = kernel_distance(a, b, num_subsets=20, subset_size=500)
    different = kernel_distance(a, shifted, num_subsets=20, subset_size=500)
    assert abs(same.mean) < 2 * same.std + 0.01
    assert different.mean > 10 * max(abs(same.mean), same.std)
    assert different.mean > 3 * different.std


# ---------------------------------------------------------------------------
# Feature networks


@pytest.fixture(scope="module")
def classifier(mnist):
    images, labels = mnist
    return feature_networks.train_feature_classifier(
        images[:2000], labels[:2000], epochs=5, seed=0, dataset_name="MNIST"
    )


def test_feature_classifier_reaches_held_out_accuracy(classifier, mnist):
    info = classifier.training_info
    assert info["num_train"] == 1600 and info["num_held_out"] == 400
    assert info["held_out_accuracy"] > 0.9  # Measured: ~0.93 (5 epochs on 1600 images).
    images, labels = mnist
    _, accuracy = classifier.evaluate(_to_float(images[4000:]), labels[4000:], verbose=0)
    assert accuracy > 0.9  # Never-seen images.


def test_classifier_fid_real_halves_far_below_noise_and_blur(classifier, mnist):
    images = mnist[0]
    features = lambda x: feature_networks.classifier_features(classifier, x)  # noqa: E731
    real_a, real_b = features(images[2000:3000]), features(images[3000:4000])
    assert real_a.shape == (1000, 128)
    noise = np.random.default_rng(0).uniform(-1, 1, size=(1000, 28, 28, 1)).astype(np.float32)
    fid_real = frechet_distance(real_a, real_b)
    fid_blur = frechet_distance(real_a, features(_blur(images[3000:4000], 1.0)))
    fid_noise = frechet_distance(real_a, features(noise))
    assert fid_real * 10 < fid_blur < fid_noise


def test_classifier_save_load_round_trip_and_description(classifier, mnist, tmp_path):
    path = tmp_path / "mnist_classifier.keras"
    feature_networks.save_feature_classifier(classifier, path)
    assert (tmp_path / "mnist_classifier.json").is_file()
    network = feature_networks.feature_network(str(path))
    images = mnist[0][:64]
    np.testing.assert_allclose(
        network.features(images),
        feature_networks.classifier_features(classifier, images),
        atol=1e-5,
    )
    assert network.description.startswith("keras_wgan MNIST classifier (128-d penultimate")
    assert "trained on 1600 labelled images" in network.description
    with pytest.raises(ValueError, match=r"must end in '.keras'"):
        feature_networks.save_feature_classifier(classifier, tmp_path / "model.h5")


def test_inception_without_weights_raises_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # An empty cache: nothing is downloaded.
    images = np.zeros((2, 28, 28, 1), np.uint8)
    with pytest.raises(RuntimeError, match=r"not in the Keras cache.*allow_download=False"):
        feature_networks.inception_features(images)
    with pytest.raises(RuntimeError, match=r"not in the Keras cache"):
        feature_networks.feature_network("inception")
    with pytest.raises(RuntimeError, match=r"does not exist"):
        feature_networks.inception_features(
            images, weights_path=tmp_path / "missing.h5", allow_download=True
        )


def test_inception_features_with_cached_weights():
    weights = feature_networks.cached_inception_weights()
    if not weights.is_file():
        pytest.skip(f"InceptionV3 weights not cached at {weights}; not downloading them")
    images = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28, 1), dtype=np.uint8)
    network = feature_networks.feature_network("inception")
    assert network.features(images).shape == (3, 2048)
    assert network.description == (
        "Keras InceptionV3 pool3 (2048-d, Keras ImageNet weights; not the TF 2015 graph of "
        "the papers' FID)"
    )
