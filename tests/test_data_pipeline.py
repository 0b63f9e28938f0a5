"""Tests of keras_wgan.data.pipeline: load()'s checks, shuffling and batching, unlabelled data."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from data_harness import indexed_images, one_line_error, write_image

from keras_wgan import data


@pytest.mark.parametrize("batch_size", [0, -3])
def test_load_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        data.load("8gaussians", batch_size=batch_size)


@pytest.mark.parametrize("image_size", [0, -3, 2.5, (0, 4), (4,), (4, 4, 4), True, "64"])
def test_load_rejects_bad_image_size(tmp_path, image_size, monkeypatch):
    download_calls = []
    monkeypatch.setattr(
        tfds.core.DatasetBuilder,
        "download_and_prepare",
        lambda self, *args, **kwargs: download_calls.append(self.name),
    )
    np.savez(tmp_path / "digits.npz", images=np.zeros((4, 8, 8), np.uint8))
    write_image(tmp_path / "folder" / "a.png", np.zeros((8, 8), np.uint8))
    expected = f"image_size must be a positive integer or (height, width), received {image_size!r}"
    for dataset in (tmp_path / "digits.npz", tmp_path / "folder", "mnist"):
        message = one_line_error(
            ValueError,
            data.load,
            str(dataset),
            batch_size=2,
            image_size=image_size,
            data_dir=tmp_path,
        )
        assert message == expected
    assert download_calls == []  # Refused before tfds is asked for anything.


def test_load_unknown_dataset():
    expected = r"unknown dataset 'xyz': expected a built-in 2-D distribution \(8gaussians"
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


def test_labels_of_unlabelled_data_are_a_clear_error(tmp_path):
    np.savez(tmp_path / "plain.npz", images=indexed_images(4))
    for dataset in (tmp_path / "plain.npz", "8gaussians"):
        message = one_line_error(ValueError, data.load, dataset, batch_size=2, labels=True)
        assert message.startswith("labels=True but dataset") and "has no class labels" in message
    _, info = data.load(tmp_path / "plain.npz", batch_size=2)
    assert (info.num_classes, info.class_names, info.class_counts) == (None, None, None)
    assert info.class_frequencies is None
