"""Tests of keras_wgan.data: toy distributions, tfds, .npz and image-folder sources, load()."""

import math
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from keras_wgan import data

MNIST_NPZ = (Path(__file__).parents[1] / "../shared/data/mnist_5k.npz").resolve()
N = 20000  # Toy samples per statistical check.


def numpy_samples(name, n=N, seed=0):
    return data.TOY_DATASETS[name](n, np.random.default_rng(seed))


def tf_samples(name, n=N, seed=0):
    return next(iter(data.toy_dataset(name, seed=seed).batch(n))).numpy()


def nearest_mode(samples, centres):
    distances = np.linalg.norm(samples[:, None, :] - centres[None], axis=-1)
    return distances.argmin(axis=1), distances.min(axis=1)


def first_tfds_image(name):
    """The first uint8 image of the (mocked) tfds dataset, straight from tfds."""
    return next(iter(tfds.builder(name).as_dataset(split="train")))["image"].numpy()


def write_image(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


# ---------------------------------------------------------------- toy data


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


# ---------------------------------------------------------------- tfds


@pytest.mark.parametrize(
    "name, image_size, shape",
    [
        ("mnist", None, (28, 28, 1)),
        ("cifar10", None, (32, 32, 3)),
        ("mnist", 16, (16, 16, 1)),
        ("cifar10", (24, 20), (24, 20, 3)),
        ("celeb_a", None, (64, 64, 3)),  # Centre crop 140x140, then 64x64.
    ],
)
def test_tfds_mocked(name, image_size, shape):
    with tfds.testing.mock_data(num_examples=12):
        images, info = data.from_tfds(name, image_size=image_size)
        first = next(iter(images)).numpy()
        batches, load_info = data.load(name, batch_size=8, image_size=image_size, seed=0)
        batch = next(iter(batches)).numpy()
        raw = first_tfds_image(name)
    assert info == load_info
    assert info.kind == "images" and info.sample_shape == shape and info.num_examples == 12
    assert info.value_range == (-1.0, 1.0)
    assert first.shape == shape and first.dtype == np.float32
    assert batches.element_spec == tf.TensorSpec([8, *shape], tf.float32)
    assert batch.shape == (8, *shape) and -1.0 <= batch.min() and batch.max() <= 1.0
    if image_size is None and name != "celeb_a":
        np.testing.assert_allclose(first, raw / 127.5 - 1.0, atol=1e-6)


def test_celeb_a_centre_crop():
    with tfds.testing.mock_data(num_examples=2):
        # image_size equal to the crop: no resampling.
        images, _ = data.from_tfds("celeb_a", image_size=140)
        first = next(iter(images)).numpy()
        raw = first_tfds_image("celeb_a")
    assert raw.shape == (218, 178, 3)
    np.testing.assert_allclose(first, raw[39:179, 19:159] / 127.5 - 1.0, atol=1e-6)


def test_tfds_not_prepared_without_download(tmp_path):
    with pytest.raises(data.DatasetUnavailableError) as caught:
        data.from_tfds("mnist", data_dir=tmp_path, download=False)
    message = str(caught.value)
    assert "\n" not in message
    assert "'mnist'" in message and str(tmp_path) in message
    assert "--dataset=path/to/images.npz" in message


def test_tfds_download_failure_is_one_line(tmp_path, monkeypatch):
    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve 'storage.googleapis.com'\n(more detail)")

    # Simulates having no network without waiting for tfds's download retries.
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(data.DatasetUnavailableError, match="could not be downloaded") as caught:
        data.load("mnist", batch_size=8, data_dir=tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "ConnectionError" in message and "--dataset=" in message
    assert isinstance(caught.value, RuntimeError)


# ---------------------------------------------------------------- npz


@pytest.mark.skipif(not MNIST_NPZ.exists(), reason=f"shared MNIST sample {MNIST_NPZ} is absent")
def test_npz_mnist():
    with np.load(MNIST_NPZ) as archive:
        first_image = archive["images"][0]
    images, info = data.from_npz(MNIST_NPZ)
    np.testing.assert_allclose(next(iter(images)).numpy(), first_image / 127.5 - 1.0, atol=1e-6)
    assert info.kind == "images" and info.sample_shape == (28, 28, 1) and info.num_examples == 5000
    batches, _ = data.load(str(MNIST_NPZ), batch_size=32, seed=0)
    batch = next(iter(batches)).numpy()
    assert batch.shape == (32, 28, 28, 1) and batch.dtype == np.float32
    assert -1.0 <= batch.min() and batch.max() <= 1.0 and batch.min() < -0.99 and batch.max() > 0.99
    truth = data.real_samples(str(MNIST_NPZ), 2)
    np.testing.assert_allclose(truth[0], first_image / 127.5 - 1.0, atol=1e-6)


def test_npz_single_array_of_any_name(tmp_path):
    vectors = np.random.default_rng(0).uniform(-3, 3, (10, 5))
    np.savez(tmp_path / "vectors.npz", features=vectors)
    samples, info = data.from_npz(tmp_path / "vectors.npz")
    loaded = np.stack(list(samples.as_numpy_iterator()))
    np.testing.assert_allclose(loaded, vectors, rtol=1e-6)  # Float arrays are used as they are.
    assert info.kind == "points" and info.sample_shape == (5,)
    assert info.value_range == pytest.approx((vectors.min(), vectors.max()))

    grey = np.random.default_rng(1).integers(0, 256, (6, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "grey.npz", digits=grey)
    images, info = data.from_npz(tmp_path / "grey.npz", image_size=4)
    assert info.sample_shape == (4, 4, 1) and images.element_spec.shape == (4, 4, 1)


def test_npz_errors(tmp_path):
    np.savez(tmp_path / "two.npz", a=np.zeros((2, 3)), b=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="a, b"):
        data.from_npz(tmp_path / "two.npz")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        data.from_npz(tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        data.load(str(tmp_path / "missing.npz"), batch_size=4)


# ---------------------------------------------------------------- image folder


def test_image_folder_rgb(tmp_path):
    rng = np.random.default_rng(0)
    pictures = rng.integers(0, 256, (3, 6, 5, 3), dtype=np.uint8)
    write_image(tmp_path / "b.png", pictures[1])
    write_image(tmp_path / "a.png", pictures[0])
    write_image(tmp_path / "sub" / "c.bmp", pictures[2])
    (tmp_path / "notes.txt").write_text("not an image")
    images, info = data.from_image_folder(tmp_path)
    loaded = np.stack(list(images.as_numpy_iterator()))
    # In sorted path order: a.png, b.png, sub/c.bmp.
    np.testing.assert_allclose(loaded, pictures / 127.5 - 1.0, atol=1e-6)
    assert info.sample_shape == (6, 5, 3) and info.num_examples == 3 and info.kind == "images"

    grey, _ = data.from_image_folder(tmp_path, image_size=4, channels=1)
    assert grey.element_spec.shape == (4, 4, 1)


def test_image_folder_grayscale_and_load(tmp_path):
    pictures = np.random.default_rng(1).integers(0, 256, (5, 7, 7), dtype=np.uint8)
    for index, picture in enumerate(pictures):
        write_image(tmp_path / f"{index}.png", picture)
    images, info = data.from_image_folder(tmp_path)
    assert info.sample_shape == (7, 7, 1)
    loaded = np.stack(list(images.as_numpy_iterator()))
    np.testing.assert_allclose(loaded[..., 0], pictures / 127.5 - 1.0, atol=1e-6)

    batches, _ = data.load(str(tmp_path), batch_size=2, repeat=False, seed=0)
    # drop_remainder=True: a static batch dimension.
    assert batches.element_spec == tf.TensorSpec([2, 7, 7, 1], tf.float32)
    assert len(list(batches)) == 2  # 5 examples -> 2 full batches, the remainder dropped.


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        data.from_image_folder(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no image files"):
        data.from_image_folder(tmp_path)
    write_image(tmp_path / "small.png", np.zeros((4, 4, 3), np.uint8))
    write_image(tmp_path / "large.png", np.zeros((8, 6, 3), np.uint8))
    with pytest.raises(ValueError, match="image_size"):
        data.from_image_folder(tmp_path)
    images, info = data.from_image_folder(tmp_path, image_size=5)
    assert info.sample_shape == (5, 5, 3) and len(list(images)) == 2


# ---------------------------------------------------------------- load()


@pytest.mark.parametrize("batch_size", [0, -3])
def test_load_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        data.load("8gaussians", batch_size=batch_size)


def test_load_unknown_dataset():
    expected = r"unknown dataset 'xyz': expected one of the built-in 2-D distributions \(8gaussians"
    with pytest.raises(ValueError, match=expected):
        data.load("xyz", batch_size=4)


def test_load_shuffles_one_epoch_without_loss(tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(12, 1)
    np.savez(tmp_path / "values.npz", images=values)
    batches, info = data.load(str(tmp_path / "values.npz"), batch_size=12, repeat=False, seed=0)
    epoch = next(iter(batches)).numpy()
    assert sorted(epoch[:, 0]) == list(values[:, 0])
    assert not np.array_equal(epoch, values)
    with pytest.raises(ValueError, match="fewer than batch_size=13"):
        data.load(str(tmp_path / "values.npz"), batch_size=13, repeat=False)
    repeated, _ = data.load(str(tmp_path / "values.npz"), batch_size=5, seed=0)
    assert len(list(repeated.take(7))) == 7  # Repeats forever.
