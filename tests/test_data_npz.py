"""Tests of keras_wgan.data.npz: arrays of an .npz file, their value rule, labels and errors."""

import os
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from data_harness import image_index, indexed_images, one_line_error

from keras_wgan import data

MNIST_NPZ = (Path(__file__).parents[1] / "../shared/data/mnist_5k.npz").resolve()


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
    message = one_line_error(ValueError, data.load, str(tmp_path / "bad.npz"), batch_size=2)
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
    message = one_line_error(ValueError, data.load, str(tmp_path / "bytes.npz"), batch_size=2)
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


def test_npz_labels_come_with_their_images_through_load(tmp_path):
    labels = np.array([2, 0, 1, 2, 2, 0, 1, 2, 0, 2, 1, 2])
    np.savez(
        tmp_path / "digits.npz",
        images=indexed_images(12),
        labels=labels,
        class_names=np.array(["zero", "one", "two"]),
    )
    # Six samples per step: two critic steps of three, as training batches them.
    batches, info = data.load(tmp_path / "digits.npz", batch_size=6, seed=0, labels=True)
    assert batches.element_spec == (
        tf.TensorSpec([6, 4, 4, 1], tf.float32),
        tf.TensorSpec([6], tf.int32),
    )
    assert info.num_classes == 3 and info.class_names == ("zero", "one", "two")
    assert info.class_counts == (3, 3, 6)
    np.testing.assert_allclose(info.class_frequencies, [0.25, 0.25, 0.5])
    np.testing.assert_array_equal(info.labels, labels)
    seen = []
    for images, batch_labels in batches.take(4).as_numpy_iterator():
        index = image_index(images)
        np.testing.assert_array_equal(batch_labels, labels[index])  # shuffled together
        seen.extend(index)
    assert sorted(seen[:12]) == list(range(12)) and seen[:12] != list(range(12))

    # Without labels=True: today's batches of images; the info still knows the classes.
    batches, plain_info = data.load(tmp_path / "digits.npz", batch_size=6, seed=0)
    assert batches.element_spec == tf.TensorSpec([6, 4, 4, 1], tf.float32)
    assert plain_info.num_classes == 3

    # Any other name for the images, labels [N, 1] as keras.datasets stores them.
    np.savez(tmp_path / "x.npz", x=indexed_images(4), labels=np.arange(4)[:, None] % 2)
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
        (np.array([0, 1, 2, 3, 0, 1]), np.array(["a", "b", "c"]), "holds 1 label >= 3 (e.g. 3)"),
    ],
    ids=["length", "negative", "float", "strings", "bool", "2-D", "beyond class_names"],
)
def test_npz_bad_labels_are_refused_in_one_line_naming_the_file(
    tmp_path, labels, class_names, problem
):
    arrays = {"images": indexed_images(6), "labels": labels}
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


def test_npz_labels_of_an_unmeant_class_count_are_refused_before_any_table_is_built(tmp_path):
    path = tmp_path / "ids.npz"
    np.savez(path, images=indexed_images(2), labels=np.array([0, 2**31 - 1]))
    message = one_line_error(ValueError, data.load, path, batch_size=2, labels=True)
    assert message.startswith(f"array 'labels' of '{path}': 2147483648 classes, more than the 2 ")
    batches, info = data.load(path, batch_size=2)  # unconditional: unlabelled
    assert info.num_classes is None and next(iter(batches)).shape == (2, 4, 4, 1)


def test_random_bytes_are_not_a_valid_npz_file(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(bytes(range(7, 256)) * 4)
    message = one_line_error(data.InvalidDataError, data.load, path, batch_size=2)
    assert message == (
        f"'{path}' is not a valid .npz file: not a zip archive (it begins with "
        "bytes 0708090a); expected an archive written by np.savez"
    )


def test_a_fifo_named_npz_is_not_a_regular_file(tmp_path):
    path = tmp_path / "x.npz"
    os.mkfifo(path)
    message = one_line_error(data.InvalidDataError, data.load, path, batch_size=2)
    assert message == (
        f"'{path}' is not a regular file (a FIFO); expected an .npz file written by np.savez"
    )


def npz_case(tmp_path, monkeypatch):
    """Labelled images for the common checks of every source (tests/test_data_sources.py)."""
    np.savez(tmp_path / "digits.npz", images=indexed_images(10), labels=np.arange(10) % 3)
    yield str(tmp_path / "digits.npz"), {}


def npz_points_case(tmp_path, monkeypatch):
    """Vectors of any scale, unlabelled."""
    points = np.random.default_rng(0).normal(size=(10, 3)).astype("float32") * 5
    np.savez(tmp_path / "points.npz", points)
    yield str(tmp_path / "points.npz"), {}


CONFORMANCE_CASES = [(npz_case, True), (npz_points_case, False)]
