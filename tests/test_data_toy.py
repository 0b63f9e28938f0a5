"""Tests of keras_wgan.data.toy: the 2-D distributions, their TF stream and mode counting."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import data

N = 20000  # Toy samples per statistical check.


def numpy_samples(name, n=N, seed=0):
    return data.TOY_DATASETS[name](n, np.random.default_rng(seed))


def tf_samples(name, n=N, seed=0):
    return next(iter(data.toy_dataset(name, seed=seed).batch(n))).numpy()


def nearest_mode(samples, centres):
    distances = np.linalg.norm(samples[:, None, :] - centres[None], axis=-1)
    return distances.argmin(axis=1), distances.min(axis=1)


# Centres and std worked out by hand from the paper's gan_toy.py.
_D = 2.0 / math.sqrt(2.0)
HAND_MODES = {
    "8gaussians": (
        np.array([(2, 0), (-2, 0), (0, 2), (0, -2), (_D, _D), (_D, -_D), (-_D, _D), (-_D, -_D)])
        / 1.414,
        0.02 / 1.414,
    ),
    "25gaussians": (
        np.array([(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)]) / 2.828,
        0.05 / 2.828,
    ),
}


@pytest.mark.parametrize("name", sorted(HAND_MODES))
def test_mixture_sampler_matches_paper(name):
    centres, std = HAND_MODES[name]
    np.testing.assert_allclose(data.TOY_MODES[name].centres, centres, atol=1e-12)
    assert data.TOY_MODES[name].std == pytest.approx(std)

    samples = numpy_samples(name)
    assert samples.shape == (N, 2) and samples.dtype == np.float32
    mode, distance = nearest_mode(samples, centres)
    assert distance.max() <= 5 * std * math.sqrt(2)  # Every sample is close to a centre.
    frequencies = np.bincount(mode, minlength=len(centres)) / N
    p = 1 / len(centres)
    np.testing.assert_allclose(frequencies, p, atol=5 * math.sqrt(p * (1 - p) / N))
    residual = samples - centres[mode]
    np.testing.assert_allclose(residual.mean(axis=0), 0.0, atol=5 * std / math.sqrt(N))
    np.testing.assert_allclose(residual.std(axis=0), std, rtol=0.03)
    assert np.abs(samples).max() <= data.TOY_DATASETS[name].bound


def test_8gaussians_centres_on_circle():
    centres = data.TOY_MODES["8gaussians"].centres
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2 / 1.414)
    angles = np.sort(np.degrees(np.arctan2(centres[:, 1], centres[:, 0])) % 360)
    np.testing.assert_allclose(angles, np.arange(0, 360, 45), atol=1e-9)


def test_swissroll_noise_free_formula():
    sampler = data.TOY_DATASETS["swissroll"]
    u = np.linspace(0.0, 1.0, 1001)
    points = sampler.transform(u, np.zeros((len(u), 2)), np)  # z = 0: no noise.
    t = 1.5 * np.pi * (1 + 2 * u)
    np.testing.assert_allclose(np.linalg.norm(points, axis=1) * 7.5, t, rtol=1e-12)
    curve = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    np.testing.assert_allclose(points * 7.5, curve, atol=1e-12)
    assert t.min() == pytest.approx(1.5 * np.pi) and t.max() == pytest.approx(4.5 * np.pi)


def test_swissroll_sampler_statistics():
    samples = numpy_samples("swissroll").astype(np.float64)
    radius = np.linalg.norm(samples, axis=1) * 7.5
    # t is uniform on [1.5 pi, 4.5 pi]: mean 3 pi, std pi / sqrt(3); noise 0.25 barely changes |p|.
    tolerance = 5 * (np.pi / math.sqrt(3)) / math.sqrt(N) + 0.02
    assert radius.mean() == pytest.approx(3 * np.pi, abs=tolerance)
    assert radius.min() > 1.5 * np.pi - 5 * 0.25 and radius.max() < 4.5 * np.pi + 5 * 0.25
    # The noise: offset from the noise-free point of the same t is N(0, 0.25^2) per coordinate.
    rng = np.random.default_rng(1)
    u, z = rng.random(N), rng.standard_normal((N, 2))
    transform = data.TOY_DATASETS["swissroll"].transform
    noise = transform(u, z, np) - transform(u, np.zeros_like(z), np)
    np.testing.assert_allclose(noise * 7.5, 0.25 * z, atol=1e-12)


def test_circle_sampler():
    samples = numpy_samples("circle")
    np.testing.assert_allclose(np.linalg.norm(samples, axis=1), 1.0, atol=1e-6)
    quadrant = (samples[:, 0] > 0) * 2 + (samples[:, 1] > 0)
    np.testing.assert_allclose(np.bincount(quadrant) / N, 0.25, atol=5 * math.sqrt(0.25 * 0.75 / N))


@pytest.mark.parametrize("name", sorted(data.TOY_DATASETS))
def test_toy_dataset_matches_numpy_sampler(name):
    reference = numpy_samples(name).astype(np.float64)
    samples = tf_samples(name).astype(np.float64)
    scale = reference.std(axis=0).max()
    # Difference of two independent means: std scale * sqrt(2 / N).
    np.testing.assert_allclose(
        samples.mean(axis=0), reference.mean(axis=0), atol=5 * scale * math.sqrt(2 / N)
    )
    np.testing.assert_allclose(np.cov(samples.T), np.cov(reference.T), atol=0.05 * scale**2)
    if name in data.TOY_MODES:
        centres = data.TOY_MODES[name].centres
        counts = [
            np.bincount(nearest_mode(s, centres)[0], minlength=len(centres)) / N
            for s in (samples, reference)
        ]
        p = 1 / len(centres)
        np.testing.assert_allclose(counts[0], counts[1], atol=5 * math.sqrt(2 * p * (1 - p) / N))
        assert data.count_modes(samples, name) == (len(centres), pytest.approx(0.989, abs=0.005))


def test_toy_dataset_is_infinite_reproducible_and_fresh():
    dataset = data.toy_dataset("8gaussians", seed=3)
    assert dataset.element_spec == tf.TensorSpec([2], tf.float32)
    assert dataset.cardinality() == tf.data.INFINITE_CARDINALITY
    first = tf_samples("8gaussians", n=3000, seed=3)
    np.testing.assert_array_equal(first, tf_samples("8gaussians", n=3000, seed=3))
    assert not np.allclose(first, tf_samples("8gaussians", n=3000, seed=4))
    assert len(np.unique(first, axis=0)) == len(first)  # No chunk of 1024 repeats.


def test_count_modes():
    samples = numpy_samples("25gaussians")
    covered, fraction = data.count_modes(samples, "25gaussians")
    assert covered == 25
    assert fraction == pytest.approx(1 - math.exp(-4.5), abs=0.005)  # Rayleigh: P(r <= 3 std).
    centres, std = data.TOY_MODES["25gaussians"]
    assert data.count_modes(np.repeat(centres[:3], 10, axis=0), "25gaussians") == (3, 1.0)
    half_off = np.concatenate([centres[:5], centres[:5] + 10 * std])
    assert data.count_modes(half_off, "25gaussians") == (5, 0.5)
    assert data.count_modes(np.full((4, 2), 100.0), "25gaussians") == (0, 0.0)
    with pytest.raises(ValueError, match="swissroll"):
        data.count_modes(samples, "swissroll")


def test_toy_load_and_info():
    batches, info = data.load("swissroll", batch_size=64, seed=0)
    assert batches.element_spec == tf.TensorSpec([64, 2], tf.float32)
    assert info.kind == "points" and info.sample_shape == (2,) and info.num_examples is None
    assert info.sampler is data.TOY_DATASETS["swissroll"]
    batch = next(iter(batches)).numpy()
    low, high = info.value_range
    assert low <= batch.min() and batch.max() <= high
    np.testing.assert_array_equal(
        data.real_samples(info, 5, seed=2), numpy_samples("swissroll", 5, seed=2)
    )


def toy_case(tmp_path, monkeypatch):
    """The toy data for the common checks of every source (tests/test_data_sources.py)."""
    yield "8gaussians", {}


CONFORMANCE_CASES = [(toy_case, False)]
