"""Tests of keras_wgan.data.idx (the IDX file format) and of IDX data in keras_wgan.data."""

import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_wgan import data, training
from keras_wgan.data import idx


def idx_bytes(array, code=0x08):
    """An IDX file's bytes written by hand: magic, big-endian dims, big-endian values."""
    dtype = idx.DTYPES[code]
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + np.asarray(array, dtype=dtype).tobytes()


def write_bytes(path, payload):
    path.write_bytes(gzip.compress(payload) if path.name.endswith(".gz") else payload)
    return path


def images_and_labels(n=6, height=5, width=4, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 256, (n, height, width), dtype=np.uint8),
        rng.integers(0, 10, n, dtype=np.uint8),
    )


def mnist_folder(folder, n_train=6, n_test=3):
    """A folder with the standard four MNIST files (gzip), tiny."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = images_and_labels(n, seed=seed)
        write_bytes(folder / f"{split}-images-idx3-ubyte.gz", idx_bytes(images))
        write_bytes(folder / f"{split}-labels-idx1-ubyte.gz", idx_bytes(labels))
        arrays[split] = images, labels
    return arrays


# ------------------------------------------------------------ the format
@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])
def test_read_gives_back_the_array_exactly(tmp_path, name):
    images, _ = images_and_labels()
    path = write_bytes(tmp_path / name, idx_bytes(images))
    array = idx.read(path)
    assert array.dtype == np.uint8 and array.shape == (6, 5, 4)
    np.testing.assert_array_equal(array, images)


@pytest.mark.parametrize("code", sorted(idx.DTYPES))
def test_read_decodes_every_dtype_big_endian(tmp_path, code):
    values = np.arange(-3, 9).reshape(3, 4) if code != 0x08 else np.arange(12).reshape(3, 4)
    path = write_bytes(tmp_path / "x-idx2-ubyte", idx_bytes(values, code))
    array = idx.read(path)
    assert array.dtype == idx.DTYPES[code].newbyteorder("=")
    np.testing.assert_array_equal(array, values)


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_write_then_read_round_trips(tmp_path, name):
    images, _ = images_and_labels()
    idx.write(tmp_path / name, images)
    assert (tmp_path / name).read_bytes()[:2] == (
        b"\x1f\x8b" if name.endswith(".gz") else b"\x00\x00"
    )
    np.testing.assert_array_equal(idx.read(tmp_path / name), images)
    # What write() wrote is the hand-made format.
    payload = (tmp_path / name).read_bytes()
    if name.endswith(".gz"):
        payload = gzip.decompress(payload)
    assert payload == idx_bytes(images)


def _one_line_error(path, match):
    with pytest.raises(ValueError, match=match) as caught:
        idx.read(path, argument="dataset")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"dataset '{path}'")
    return message


def test_bad_magic_is_refused(tmp_path):
    path = write_bytes(tmp_path / "x-idx3-ubyte", b"\x01\x02\x08\x03" + bytes(100))
    _one_line_error(path, "not an IDX file: magic number 0x01020803")
    unknown_code = write_bytes(tmp_path / "y-idx3-ubyte", b"\x00\x00\x07\x01" + bytes(8))
    _one_line_error(unknown_code, "not an IDX file")


def test_truncated_files_are_refused(tmp_path):
    images, _ = images_and_labels()
    payload = idx_bytes(images)
    _one_line_error(
        write_bytes(tmp_path / "a-idx3-ubyte", payload[:-1]),
        r"is truncated: 135 bytes .*expected 136 bytes",
    )
    _one_line_error(write_bytes(tmp_path / "b-idx3-ubyte.gz", payload[:10]), "truncated header")
    _one_line_error(write_bytes(tmp_path / "c-idx3-ubyte", payload[:3]), "is truncated")
    _one_line_error(write_bytes(tmp_path / "d-idx3-ubyte", payload + b"\x00"), "has extra bytes")
    damaged_gzip = tmp_path / "e-idx3-ubyte.gz"
    damaged_gzip.write_bytes(gzip.compress(payload)[:-20])
    _one_line_error(damaged_gzip, "damaged gzip file")


def test_images_and_labels_that_differ_in_number_are_refused(tmp_path):
    images, labels = images_and_labels()
    images_path = write_bytes(tmp_path / "train-images-idx3-ubyte", idx_bytes(images))
    write_bytes(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels[:-1]))
    with pytest.raises(ValueError, match=r"labels of shape \(5,\) for the 6 images") as caught:
        idx.load(images_path)
    assert "\n" not in str(caught.value)


def test_load_finds_the_labels_and_the_splits_of_a_folder(tmp_path):
    arrays = mnist_folder(tmp_path)
    for split, key in (("train", "train"), ("test", "t10k"), ("t10k", "t10k")):
        images, labels = idx.load(tmp_path, split=split)
        np.testing.assert_array_equal(images, arrays[key][0])
        np.testing.assert_array_equal(labels, arrays[key][1])
    images, labels = idx.load(tmp_path / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(labels, arrays["t10k"][1])
    with pytest.raises(ValueError, match="split 'validation'"):
        idx.load(tmp_path, split="validation")


def test_images_without_labels_load_with_labels_none(tmp_path):
    images, _ = images_and_labels()
    path = write_bytes(tmp_path / "digits-images-idx3-ubyte", idx_bytes(images))
    loaded, labels = idx.load(path)
    assert labels is None
    np.testing.assert_array_equal(loaded, images)


def test_a_folder_with_two_kinds_of_train_files_asks_for_a_file(tmp_path):
    images, _ = images_and_labels()
    write_bytes(tmp_path / "emnist-digits-train-images-idx3-ubyte", idx_bytes(images))
    write_bytes(tmp_path / "emnist-letters-train-images-idx3-ubyte", idx_bytes(images))
    with pytest.raises(ValueError, match="must hold one 'train-images-idx3-ubyte"):
        idx.load(tmp_path)


# ----------------------------------------------------- through data.load
def test_data_load_reads_an_idx_folder_like_an_npz_of_uint8(tmp_path):
    arrays = mnist_folder(tmp_path / "fashion")
    batches, info = data.load(tmp_path / "fashion", batch_size=6, shuffle_buffer=0, repeat=False)
    assert info.kind == "images" and info.sample_shape == (5, 4, 1)
    assert info.num_examples == 6 and info.value_range == (-1.0, 1.0)
    np.testing.assert_array_equal(info.labels, arrays["train"][1])
    batch = next(iter(batches)).numpy()
    # The same images through the .npz path give the same batch.
    np.savez(tmp_path / "same.npz", images=arrays["train"][0])
    npz_batch = next(
        iter(data.load(tmp_path / "same.npz", batch_size=6, shuffle_buffer=0, repeat=False)[0])
    ).numpy()
    np.testing.assert_array_equal(batch, npz_batch)
    np.testing.assert_allclose(batch[..., 0], arrays["train"][0] / 127.5 - 1.0, atol=1e-6)


def test_data_reaches_the_test_split_and_reopens_it(tmp_path):
    arrays = mnist_folder(tmp_path)
    _, info = data.load(tmp_path / "t10k-images-idx3-ubyte.gz", batch_size=3)
    assert info.num_examples == 3
    np.testing.assert_array_equal(info.labels, arrays["t10k"][1])
    _, info = data.from_idx(tmp_path, split="test", image_size=8)
    assert info.sample_shape == (8, 8, 1)
    # real_samples reopens the same split.
    assert data.real_samples(info, 3).shape == (3, 8, 8, 1)


def test_data_load_of_a_damaged_idx_file_names_the_dataset(tmp_path):
    path = write_bytes(tmp_path / "train-images-idx3-ubyte", b"\x00\x00\x08\x03" + bytes(6))
    with pytest.raises(
        ValueError,
        match=r"^dataset '.*train-images-idx3-ubyte' has a "
        "truncated header",
    ):
        data.load(path, batch_size=1)


# ------------------------------------------- through training and the CLI
def test_train_on_an_idx_folder_with_ema_and_augment(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    (tmp_path / "digits").mkdir()
    idx.write(tmp_path / "digits" / "train-images-idx3-ubyte.gz", images)
    idx.write(tmp_path / "digits" / "train-labels-idx1-ubyte.gz", np.arange(16, dtype=np.uint8))
    result = training.train(
        tmp_path / "digits",
        architecture="dcgan",
        filters=4,
        batch_size=2,
        critic_steps=2,
        train_steps=2,
        steps_per_epoch=2,
        output_dir=tmp_path / "run",
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
        mixed_precision="float32",
        ema_decay=0.9,
        augment="translation,cutout",
    )
    assert result.generator_steps == 2 and result.info.num_examples == 16
    assert result.model.ema_decay == 0.9 and result.model.ema_generator is not None
    assert result.model.augment == "translation,cutout"
    assert (tmp_path / "run" / "samples" / "samples_0001.png").exists()


def test_cli_refuses_a_bad_ema_decay_on_one_line(tmp_path):
    root = Path(__file__).resolve().parents[1]
    idx.write(tmp_path / "train-images-idx3-ubyte", np.zeros((8, 28, 28), np.uint8))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(root))
    flags = [
        f"--dataset={tmp_path}",
        "--ema_decay=1.5",
        "--train_steps=1",
        "--batch_size=1",
        "--critic_steps=1",
        "--export_dir=",
        f"--output_dir={tmp_path / 'run'}",
    ]
    done = subprocess.run(
        [sys.executable, str(root / "train_main.py"), *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and "--ema_decay must be a number" in lines[0]
    assert "Traceback" not in done.stderr


def test_data_load_yields_idx_labels_with_their_images(tmp_path):
    arrays = mnist_folder(tmp_path / "digits", n_train=12)  # at least as many as the classes
    images, labels = arrays["train"]
    batches, info = data.load(tmp_path / "digits", batch_size=3, seed=0, labels=True)
    assert info.num_classes == int(labels.max()) + 1
    assert info.class_names == tuple(str(k) for k in range(info.num_classes))
    assert info.class_counts == tuple(np.bincount(labels, minlength=info.num_classes))
    assert info.labels.dtype == np.int32
    for batch, batch_labels in batches.take(4).as_numpy_iterator():
        assert batch.shape == (3, 5, 4, 1) and batch_labels.dtype == np.int32
        # Each label stays with its image through the shuffle.
        index = [
            int(np.argmin(np.abs(images / 127.5 - 1.0 - b[..., 0]).sum(axis=(1, 2)))) for b in batch
        ]
        np.testing.assert_array_equal(batch_labels, labels[index])
    # Images without a labels file have no classes.
    idx.write(tmp_path / "alone-images-idx3-ubyte", images)
    _, info = data.load(tmp_path / "alone-images-idx3-ubyte", batch_size=3)
    assert info.num_classes is None
    with pytest.raises(ValueError, match="has no class labels"):
        data.load(tmp_path / "alone-images-idx3-ubyte", batch_size=3, labels=True)


def test_a_magic_number_with_the_wrong_number_of_dimensions_is_named(tmp_path):
    # Magic 0x00000808: uint8 with 8 dimensions, of an images file with 3 (200 x 28 x 28).
    path = write_bytes(
        tmp_path / "bad-images-idx3-ubyte", idx_bytes(np.zeros((200, 28, 28), np.uint8))
    )
    payload = bytearray(path.read_bytes())
    payload[3] = 8
    path.write_bytes(bytes(payload))
    message = _one_line_error(path, "magic number")
    assert message == (
        f"dataset '{path}' is not an IDX file of 3 dimensions: its magic number "
        "0x00000808 says 8; expected the magic number 0x00000803 of an idx3 file"
    )


def idx_case(tmp_path, monkeypatch):
    """Labelled IDX images, resized, for the common checks (tests/test_data_sources.py)."""
    idx.write(tmp_path / "train-images-idx3-ubyte.gz", images_and_labels(10)[0])
    idx.write(tmp_path / "train-labels-idx1-ubyte.gz", (np.arange(10) % 4).astype("uint8"))
    yield str(tmp_path), {"image_size": 4}


CONFORMANCE_CASES = [(idx_case, True)]
