"""Tests of keras_wgan.data.tfds on tfds.testing.mock_data: images, labels, the offline probe."""

import logging
import socket

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from data_harness import one_line_error

from keras_wgan import data


def first_tfds_image(name):
    """The first uint8 image of the (mocked) tfds dataset, straight from tfds."""
    return next(iter(tfds.builder(name).as_dataset(split="train")))["image"].numpy()


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


def test_tfds_label_feature(online):
    with tfds.testing.mock_data(num_examples=12):
        pairs, info = data.from_tfds("mnist", labels=True)
        pairs = list(pairs.as_numpy_iterator())
        raw = [
            (e["image"], e["label"])
            for e in tfds.builder("mnist").as_dataset(split="train").as_numpy_iterator()
        ]
        batches, _ = data.load("mnist", batch_size=4, labels=True, seed=0)
        first_labels = next(iter(batches))[1]
        _, plain_info = data.load("mnist", batch_size=4)
        message = one_line_error(ValueError, data.load, "celeb_a", batch_size=4, labels=True)
    assert info.num_classes == 10 and info.class_names == tuple(str(k) for k in range(10))
    raw_labels = np.array([label for _, label in raw])
    assert info.class_counts == tuple(np.bincount(raw_labels, minlength=10))
    for (image, label), (raw_image, raw_label) in zip(pairs, raw, strict=True):
        assert label.dtype == np.int32 and label == raw_label
        np.testing.assert_allclose(image, raw_image / 127.5 - 1.0, atol=1e-6)
    assert batches.element_spec == (
        tf.TensorSpec([4, 28, 28, 1], tf.float32),
        tf.TensorSpec([4], tf.int32),
    )
    assert set(first_labels.numpy()) <= set(raw_labels)
    # Without labels: the class names are known from the builder, not counted.
    assert plain_info.num_classes == 10 and plain_info.class_counts is None
    assert message.startswith("labels=True but tfds dataset 'celeb_a' has no ClassLabel")


def tfds_case(tmp_path, monkeypatch):
    """Mocked mnist, not probed nor prepared, for the common checks (tests/test_data_sources.py)."""
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    with tfds.testing.mock_data(num_examples=12):
        yield "mnist", {}


CONFORMANCE_CASES = [(tfds_case, True)]


# ------------------------------------------------ the package's line, and only it
def _tfds_records(caplog):
    """The log records tfds itself wrote (absl's logger, from tfds's files)."""
    return [r.getMessage() for r in caplog.records if "tensorflow_datasets" in r.pathname]


@pytest.mark.parametrize(
    "dataset, guess",
    [
        ("fashon_mnist", "(did you mean fashion_mnist?)"),
        ("fashon_mnist:3.0.1", "(did you mean fashion_mnist?)"),
        ("Cifar", "(did you mean cifar10?)"),
        ("8gausians", "(did you mean 8gaussians or 25gaussians?)"),
    ],
)
def test_a_mistyped_name_is_one_line_naming_the_close_ones(dataset, guess, offline, caplog):
    caplog.set_level(logging.DEBUG, logger="absl")
    message = one_line_error(ValueError, data.load, dataset, batch_size=4)
    assert message.startswith(f"unknown dataset {dataset!r} {guess}: expected a built-in")
    assert _tfds_records(caplog) == []  # tfds's "Failed to load dataset ..." line
    assert offline == []  # tfds's names are its code's: no network


def test_a_name_close_to_none_or_a_path_has_no_guess(monkeypatch):
    assert data.base.similar_names("no_such_dataset_xyz") == []
    assert data.base.similar_names("data/fashon_mnist") == []  # a path, not a name
    monkeypatch.setattr(tfds, "list_builders", lambda **kwargs: 1 / 0)  # tfds broken
    assert data.base.similar_names("fashon_mnist") == []
    assert data.base.similar_names("circel") == ["circle"]


def test_offline_the_package_s_line_comes_alone(tmp_path, offline, download_calls, caplog):
    caplog.set_level(logging.DEBUG, logger="absl")
    with pytest.raises(data.DatasetUnavailableError, match="'mnist' could not be downloaded"):
        data.load("mnist", batch_size=8, data_dir=tmp_path / "tfds")
    assert _tfds_records(caplog) == []  # tfds's "Variant folder ... has no dataset_info.json"
    assert download_calls == []


def test_the_command_line_says_a_mistyped_or_offline_dataset_in_one_line(
    tmp_path, offline, download_calls, capsys
):
    from helpers import run_train_main

    for args, line in [
        (
            ["--dataset=fashon_mnist"],
            "error: unknown dataset 'fashon_mnist' (did you mean fashion_mnist?): expected",
        ),
        (
            ["--dataset=mnist", f"--data_dir={tmp_path}"],
            "error: --dataset 'mnist' could not be downloaded or found in data_dir",
        ),
    ]:
        code = run_train_main([*args, "--export_dir=", f"--output_dir={tmp_path / 'run'}"])
        errors = [e for e in capsys.readouterr().err.splitlines() if "error:" in e]
        assert code == 2 and len(errors) == 1, errors
        assert errors[0].split(": ", 1)[1].startswith(line), errors  # after the program's name
