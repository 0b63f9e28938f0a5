"""Tests of keras_wgan.data: toy distributions, tfds, .npz and image-folder sources, load()."""

import io
import math
import socket
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


def image_bytes(array, image_format):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, image_format)
    return buffer.getvalue()


def one_line_error(error_type, call, *args, **kwargs):
    """The message of the ``error_type`` that ``call`` raises, checked to be one line."""
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


class _Connection:
    def close(self):
        pass


@pytest.fixture
def online(monkeypatch):
    """Every TCP connection succeeds at once: the download probe sees a network."""
    connections = []

    def connect(address, timeout=None, *args, **kwargs):
        connections.append((address, timeout))
        return _Connection()

    monkeypatch.setattr(socket, "create_connection", connect)
    return connections


@pytest.fixture
def offline(monkeypatch):
    """Every TCP connection fails (as without DNS); records the attempts."""
    connections = []

    def connect(address, timeout=None, *args, **kwargs):
        connections.append((address, timeout))
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", connect)
    return connections


@pytest.fixture
def download_calls(monkeypatch):
    """Replaces tfds's download_and_prepare by a recorder that fails like tfds offline."""
    calls = []

    def download_and_prepare(self, *args, **kwargs):
        calls.append(self.name)
        raise ConnectionError("Failed to resolve 'storage.googleapis.com'\n(more detail)")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download_and_prepare)
    return calls


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
def test_tfds_mocked(name, image_size, shape, online):
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


def test_celeb_a_centre_crop(online):
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


def test_tfds_download_failure_is_one_line(tmp_path, online, download_calls):
    # The probe finds a network, then the download fails (without tfds's retries).
    with pytest.raises(data.DatasetUnavailableError, match="could not be downloaded") as caught:
        data.load("mnist", batch_size=8, data_dir=tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "ConnectionError" in message and "--dataset=" in message
    assert "Failed to resolve" in message  # tfds's own error, not the probe's.
    assert isinstance(caught.value, RuntimeError)
    assert download_calls == ["mnist"]
    assert online and all(timeout <= 5 for _, timeout in online)


def test_tfds_offline_fails_before_downloading(tmp_path, offline, download_calls):
    # Offline, tfds would retry for minutes: the probe answers before any download.
    message = one_line_error(
        data.DatasetUnavailableError, data.load, "mnist", batch_size=8, data_dir=tmp_path
    )
    assert download_calls == []
    assert offline and all(timeout is not None and timeout <= 5 for _, timeout in offline)
    assert ("storage.googleapis.com", 443) in [address for address, _ in offline]
    assert "'mnist' could not be downloaded" in message and str(tmp_path) in message
    assert "cannot connect to storage.googleapis.com:443" in message
    assert "Name or service not known" in message and "--dataset=" in message


def test_tfds_offline_probe_uses_the_proxy(tmp_path, offline, download_calls, monkeypatch):
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://proxy.example:3128")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(data.DatasetUnavailableError, match="proxy.example:3128"):
        data.load("cifar10", batch_size=8, data_dir=tmp_path)
    assert [address for address, _ in offline] == [("proxy.example", 3128)]
    assert download_calls == []


def test_tfds_prepared_dataset_needs_no_network(offline, monkeypatch):
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    with tfds.testing.mock_data(num_examples=4):
        batches, info = data.load("mnist", batch_size=2, seed=0)
        assert next(iter(batches)).shape == (2, 28, 28, 1)
    assert offline == []  # Not even probed.


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


def _damaged_npz(path, damage):
    np.savez(path, images=np.arange(4 * 8 * 8, dtype=np.uint8).reshape(4, 8, 8))
    content = path.read_bytes()
    if damage == "empty":
        content = b""
    elif damage == "truncated":
        content = content[: len(content) // 2]
    else:  # One flipped byte inside the stored array: a CRC error when it is read.
        middle = len(content) // 2
        content = content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :]
    path.write_bytes(content)


@pytest.mark.parametrize(
    "damage, problem",
    [
        ("empty", "empty file, 0 bytes"),
        ("truncated", "truncated or corrupt zip: BadZipFile"),
        ("corrupt", "array 'images' cannot be read: BadZipFile: Bad CRC-32"),
    ],
)
def test_npz_unreadable_file_is_named(tmp_path, damage, problem):
    path = tmp_path / "x.npz"
    _damaged_npz(path, damage)
    message = one_line_error(ValueError, data.load, str(path), batch_size=2)
    assert message.startswith(f"'{path}' is not a readable .npz file ({problem}")
    with pytest.raises(data.InvalidDataError):  # The ValueError subclass for bad data.
        data.from_npz(path)


def test_npz_without_arrays(tmp_path):
    np.savez(tmp_path / "nothing.npz")
    message = one_line_error(ValueError, data.load, str(tmp_path / "nothing.npz"), batch_size=2)
    assert message.startswith(f"'{tmp_path / 'nothing.npz'}' holds no arrays; expected an array")
    assert "'images'" in message and "single array" in message and "several" not in message
    np.savez(tmp_path / "no_samples.npz", images=np.zeros((0, 4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"holds no samples \(shape \(0, 4, 4, 1\)\)"):
        data.load(str(tmp_path / "no_samples.npz"), batch_size=2)


@pytest.mark.parametrize("shape", [(5, 4, 4), (5, 2)], ids=["images", "points"])
def test_npz_refuses_non_finite_values(tmp_path, shape):
    values = np.zeros(shape, np.float32)
    values.flat[3], values.flat[7], values.flat[8] = np.nan, np.inf, -np.inf
    np.savez(tmp_path / "bad.npz", samples=values)
    message = one_line_error(
        ValueError, data.load, str(tmp_path / "bad.npz"), batch_size=2
    )
    assert message.startswith(f"array 'samples' of '{tmp_path / 'bad.npz'}' holds 3 non-finite")
    assert f"out of {values.size}" in message
    # float64 values beyond float32's range would become inf too.
    np.savez(tmp_path / "huge.npz", samples=np.full(shape, 1e39))
    with pytest.raises(ValueError, match=f"holds {values.size} non-finite"):
        data.from_npz(tmp_path / "huge.npz")


def test_npz_float_image_range_rule(tmp_path):
    rng = np.random.default_rng(0)
    # Floats in [0, 255] cannot be matched by a tanh generator: refused, saying what to do.
    bytes_range = np.linspace(0, 255, 6 * 16, dtype=np.float32).reshape(6, 4, 4)
    np.savez(tmp_path / "bytes.npz", images=bytes_range)
    message = one_line_error(
        ValueError, data.load, str(tmp_path / "bytes.npz"), batch_size=2
    )
    assert f"'{tmp_path / 'bytes.npz'}'" in message and "outside [-1, 1]" in message
    assert "range over [0, 255]" in message
    assert "x / 255" in message and "uint8" in message
    np.savez(tmp_path / "wide.npz", images=np.linspace(-1.5, 0.5, 6 * 16).reshape(6, 4, 4))
    with pytest.raises(ValueError, match=r"range over \[-1.5, 0.5\]"):
        data.from_npz(tmp_path / "wide.npz")

    # Floats in [0, 1] are mapped to [-1, 1] like uint8 images; [-1, 1] ones are kept.
    unit = rng.uniform(0, 1, (6, 4, 4, 3)).astype(np.float32)
    unit[0, 0, 0] = [0.0, 1.0, 1.0 + 1e-7]  # Float rounding just above 1 is tolerated.
    signed = unit * 2 - 1
    for name, images in [("unit", unit), ("signed", signed)]:
        np.savez(tmp_path / f"{name}.npz", images=images)
        samples, info = data.from_npz(tmp_path / f"{name}.npz")
        loaded = np.stack(list(samples.as_numpy_iterator()))
        np.testing.assert_allclose(loaded, np.clip(signed, -1, 1), atol=1e-6)
        assert info.value_range == (-1.0, 1.0) and info.kind == "images"
        assert loaded.min() == -1.0 and loaded.max() == 1.0
    batch = next(iter(data.load(str(tmp_path / "unit.npz"), batch_size=6, seed=0)[0])).numpy()
    assert -1.0 <= batch.min() < -0.9 and 0.9 < batch.max() <= 1.0

    # Vectors are not images: any finite scale is used as it is.
    points = rng.uniform(0, 255, (6, 2)).astype(np.float32)
    np.savez(tmp_path / "points.npz", points=points)
    samples, info = data.from_npz(tmp_path / "points.npz")
    np.testing.assert_array_equal(np.stack(list(samples.as_numpy_iterator())), points)
    assert info.kind == "points" and info.value_range == (points.min(), points.max())


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
    message = one_line_error(ValueError, data.load, str(tmp_path), batch_size=2)
    assert f"images below '{tmp_path}' differ in size" in message
    assert f"'{tmp_path / 'large.png'}' is 8x6" in message and "is 4x4" in message
    assert "pass image_size" in message
    images, info = data.from_image_folder(tmp_path, image_size=5)
    assert info.sample_shape == (5, 5, 3) and len(list(images)) == 2


@pytest.mark.parametrize("image_size", [None, 4])
@pytest.mark.parametrize(
    "bad_name, damage",
    [
        ("c.png", "garbage"),
        ("c.png", "truncated"),
        ("c.jpg", "truncated"),  # PIL's verify() does not see this: only a full decode.
        ("sub/c.gif", "truncated"),
    ],
)
def test_image_folder_names_a_corrupt_file(tmp_path, bad_name, damage, image_size):
    pictures = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    write_image(tmp_path / "a.png", pictures[0])
    write_image(tmp_path / "d.png", pictures[1])
    image_format = {".png": "PNG", ".jpg": "JPEG", ".gif": "GIF"}[Path(bad_name).suffix]
    content = image_bytes(pictures[2], image_format)
    content = b"not an image" * 20 if damage == "garbage" else content[: len(content) // 2]
    (tmp_path / bad_name).parent.mkdir(exist_ok=True)
    (tmp_path / bad_name).write_bytes(content)
    message = one_line_error(
        ValueError, data.load, str(tmp_path), batch_size=2, image_size=image_size
    )
    assert message.startswith(f"'{tmp_path / bad_name}' is not a readable image file (")


def test_image_folder_is_checked_once_per_content(tmp_path, monkeypatch):
    checked = []
    check = data._checked_image
    monkeypatch.setattr(data, "_checked_image", lambda *args: checked.append(args) or check(*args))
    for name in ("a.png", "b.png"):
        write_image(tmp_path / name, np.zeros((4, 4, 3), np.uint8))
    data.load(str(tmp_path), batch_size=2)
    data.load(str(tmp_path), batch_size=2, image_size=2)  # As training opens it again.
    assert [file.name for file, decode in checked] == ["a.png", "b.png"]
    assert all(decode for _, decode in checked)  # A small folder: decoded in full.
    write_image(tmp_path / "b.png", np.zeros((4, 6, 3), np.uint8))  # Changed: checked again.
    data.load(str(tmp_path), batch_size=2, image_size=2)
    assert len(checked) == 4


def test_image_folder_check_of_large_folders(tmp_path, monkeypatch):
    # Above the full-decode limit, every file is still opened and verified.
    monkeypatch.setattr(data, "_FULL_DECODE_LIMIT", 1)
    picture = np.zeros((8, 8, 3), np.uint8)
    write_image(tmp_path / "a.png", picture)
    write_image(tmp_path / "b.png", picture)
    images, info = data.from_image_folder(tmp_path)
    assert info.num_examples == 2 and len(list(images)) == 2
    content = image_bytes(picture, "PNG")
    (tmp_path / "b.png").write_bytes(content[: len(content) - 20])  # Cut inside IEND.
    with pytest.raises(ValueError, match="b.png' is not a readable image file"):
        data.from_image_folder(tmp_path, image_size=4)
    # A format that PIL reads but tf.io does not, under an image extension.
    (tmp_path / "b.png").write_bytes(image_bytes(picture, "TIFF"))
    message = one_line_error(ValueError, data.from_image_folder, tmp_path)
    assert message.startswith(f"'{tmp_path / 'b.png'}' is a TIFF image, which tf.io cannot")


# ---------------------------------------------------------------- load()


@pytest.mark.parametrize("batch_size", [0, -3])
def test_load_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        data.load("8gaussians", batch_size=batch_size)


@pytest.mark.parametrize("image_size", [0, -3, 2.5, (0, 4), (4,), (4, 4, 4), True, "64"])
def test_load_rejects_bad_image_size(tmp_path, image_size, download_calls):
    np.savez(tmp_path / "digits.npz", images=np.zeros((4, 8, 8), np.uint8))
    write_image(tmp_path / "folder" / "a.png", np.zeros((8, 8), np.uint8))
    expected = f"image_size must be a positive integer or (height, width), received {image_size!r}"
    for dataset in (tmp_path / "digits.npz", tmp_path / "folder", "mnist"):
        message = one_line_error(
            ValueError, data.load, str(dataset), batch_size=2, image_size=image_size,
            data_dir=tmp_path,
        )
        assert message == expected
    assert download_calls == []  # Refused before tfds is asked for anything.


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


# ---------------------------------------------------------------- labels


def _indexed_images(n, size=4):
    """uint8 images [n, size, size] whose every pixel is 10 * the image's index."""
    return np.repeat(np.arange(n, dtype=np.uint8)[:, None, None] * 10, size * size).reshape(
        n, size, size)


def _image_index(batch):
    """Back from a [-1, 1] batch of ``_indexed_images`` to the images' indices."""
    return np.round((batch[:, 0, 0, 0] + 1.0) * 127.5 / 10).astype(int)


def test_npz_labels_come_with_their_images_through_load(tmp_path):
    labels = np.array([2, 0, 1, 2, 2, 0, 1, 2, 0, 2, 1, 2])
    np.savez(tmp_path / "digits.npz", images=_indexed_images(12), labels=labels,
             class_names=np.array(["zero", "one", "two"]))
    # Six samples per step: two critic steps of three, as training batches them.
    batches, info = data.load(tmp_path / "digits.npz", batch_size=6, seed=0, labels=True)
    assert batches.element_spec == (tf.TensorSpec([6, 4, 4, 1], tf.float32),
                                    tf.TensorSpec([6], tf.int32))
    assert info.num_classes == 3 and info.class_names == ("zero", "one", "two")
    assert info.class_counts == (3, 3, 6)
    np.testing.assert_allclose(info.class_frequencies, [0.25, 0.25, 0.5])
    np.testing.assert_array_equal(info.labels, labels)
    seen = []
    for images, batch_labels in batches.take(4).as_numpy_iterator():
        index = _image_index(images)
        np.testing.assert_array_equal(batch_labels, labels[index])  # shuffled together
        seen.extend(index)
    assert sorted(seen[:12]) == list(range(12)) and seen[:12] != list(range(12))

    # Without labels=True: today's batches of images; the info still knows the classes.
    batches, plain_info = data.load(tmp_path / "digits.npz", batch_size=6, seed=0)
    assert batches.element_spec == tf.TensorSpec([6, 4, 4, 1], tf.float32)
    assert plain_info.num_classes == 3

    # Any other name for the images, labels [N, 1] as keras.datasets stores them.
    np.savez(tmp_path / "x.npz", x=_indexed_images(4), labels=np.arange(4)[:, None] % 2)
    pairs, info = data.from_npz(tmp_path / "x.npz", labels=True)
    assert [int(label) for _, label in pairs] == [0, 1, 0, 1]
    assert info.num_classes == 2 and info.class_names == ("0", "1")


@pytest.mark.parametrize(
    "labels, class_names, problem",
    [
        (np.arange(5) % 2, None, "holds 5 labels for 6 samples"),
        (np.array([0, 1, -1, 0, 1, 0]), None, "holds 1 negative label (e.g. -1)"),
        (np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]), None, "has dtype float64"),
        (np.array(["a", "b", "a", "b", "a", "b"]), None, "has dtype <U1"),
        (np.ones(6, bool), None, "has dtype bool"),
        (np.zeros((6, 2), int), None, "has shape (6, 2)"),
        (np.array([0, 1, 2, 3, 0, 1]), np.array(["a", "b", "c"]),
         "holds 1 label >= 3 (e.g. 3)"),
    ],
    ids=["length", "negative", "float", "strings", "bool", "2-D", "beyond class_names"],
)
def test_npz_bad_labels_are_refused_in_one_line_naming_the_file(tmp_path, labels, class_names,
                                                                 problem):
    arrays = {"images": _indexed_images(6), "labels": labels}
    if class_names is not None:
        arrays["class_names"] = class_names
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    message = one_line_error(ValueError, data.load, path, batch_size=2, labels=True)
    assert message.startswith(f"array 'labels' of '{path}' ")
    assert problem in message and "expected integer class labels" in message
    # Unconditional training on the same file works as before labels were read.
    batches, info = data.load(path, batch_size=2)
    assert info.num_classes is None and next(iter(batches)).shape == (2, 4, 4, 1)


def test_labels_of_unlabelled_data_are_a_clear_error(tmp_path):
    np.savez(tmp_path / "plain.npz", images=_indexed_images(4))
    for dataset in (tmp_path / "plain.npz", "8gaussians"):
        message = one_line_error(ValueError, data.load, dataset, batch_size=2, labels=True)
        assert message.startswith("labels=True but dataset") and "has no class labels" in message
    _, info = data.load(tmp_path / "plain.npz", batch_size=2)
    assert (info.num_classes, info.class_names, info.class_counts) == (None, None, None)
    assert info.class_frequencies is None


def test_image_folder_with_one_subfolder_per_class(tmp_path):
    pictures = _indexed_images(5, size=3)
    # Sorted class names; images at any depth below their class folder.
    files = ["dog/1.png", "cat/0.png", "dog/puppies/2.png", "cat/3.png", "emu/4.png"]
    for name in files:  # Each image holds the index in its file name.
        write_image(tmp_path / "pets" / name, pictures[int(Path(name).stem)])
    images, info = data.from_image_folder(tmp_path / "pets", labels=True)
    assert info.class_names == ("cat", "dog", "emu") and info.num_classes == 3
    assert info.class_counts == (2, 2, 1)
    pairs = [(int(_image_index(image[None])[0]), int(label)) for image, label in images]
    # Sorted path order: cat/0, cat/3, dog/1, dog/puppies/2, emu/4.
    assert pairs == [(0, 0), (3, 0), (1, 1), (2, 1), (4, 2)]
    batches, _ = data.load(tmp_path / "pets", batch_size=2, labels=True, seed=0)
    assert batches.element_spec[1] == tf.TensorSpec([2], tf.int32)

    # One subfolder (CelebA's img_align_celeba), or images beside folders: unlabelled.
    write_image(tmp_path / "faces" / "img_align_celeba" / "a.png", pictures[0])
    write_image(tmp_path / "faces" / "img_align_celeba" / "b.png", pictures[1])
    write_image(tmp_path / "mixed" / "a.png", pictures[0])
    write_image(tmp_path / "mixed" / "sub" / "b.png", pictures[1])
    write_image(tmp_path / "mixed" / "other" / "c.png", pictures[1])
    for folder in ("faces", "mixed"):
        _, info = data.from_image_folder(tmp_path / folder)
        assert info.num_classes is None and info.labels is None
        with pytest.raises(ValueError, match="has no class labels"):
            data.load(tmp_path / folder, batch_size=1, labels=True)


def test_tfds_label_feature(online):
    with tfds.testing.mock_data(num_examples=12):
        pairs, info = data.from_tfds("mnist", labels=True)
        pairs = list(pairs.as_numpy_iterator())
        raw = [(e["image"], e["label"]) for e in tfds.builder("mnist").as_dataset(split="train")
               .as_numpy_iterator()]
        batches, _ = data.load("mnist", batch_size=4, labels=True, seed=0)
        first_labels = next(iter(batches))[1]
        _, plain_info = data.load("mnist", batch_size=4)
        message = one_line_error(ValueError, data.load, "celeb_a", batch_size=4, labels=True)
    assert info.num_classes == 10 and info.class_names == tuple(str(k) for k in range(10))
    raw_labels = np.array([label for _, label in raw])
    assert info.class_counts == tuple(np.bincount(raw_labels, minlength=10))
    for (image, label), (raw_image, raw_label) in zip(pairs, raw):
        assert label.dtype == np.int32 and label == raw_label
        np.testing.assert_allclose(image, raw_image / 127.5 - 1.0, atol=1e-6)
    assert batches.element_spec == (tf.TensorSpec([4, 28, 28, 1], tf.float32),
                                    tf.TensorSpec([4], tf.int32))
    assert set(first_labels.numpy()) <= set(raw_labels)
    # Without labels: the class names are known from the builder, not counted.
    assert plain_info.num_classes == 10 and plain_info.class_counts is None
    assert message.startswith("labels=True but tfds dataset 'celeb_a' has no ClassLabel")
