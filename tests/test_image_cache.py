"""An image folder decoded once (keras_wgan.data.image_cache): in memory, or on disk."""

import numpy as np
import pytest
import tensorflow as tf
from data_harness import image_bytes, write_image
from PIL import Image

from keras_wgan import data
from keras_wgan.data import image_cache


@pytest.fixture
def decodes(monkeypatch, tmp_path):
    """The files of every decoding pass, a fresh in-process cache, a cache directory in tmp."""
    monkeypatch.setattr(image_cache, "_DECODED", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    decode_into = image_cache._decode_into

    def counted(images, files, *args):
        calls.append([file.name for file in files])
        return decode_into(images, files, *args)

    monkeypatch.setattr(image_cache, "_decode_into", counted)
    return calls


def pictures(folder, n=6, size=(5, 7)):
    """`n` random colour PNGs and JPEGs of `size` (height, width) below `folder`."""
    rng = np.random.default_rng(0)
    arrays = rng.integers(0, 256, (n, *size, 3), dtype=np.uint8)
    for k, array in enumerate(arrays):
        write_image(folder / f"{k}.{'png' if k % 2 else 'jpg'}", array)
    return sorted(folder.iterdir())


def expected(files, image_size):
    """Each file decoded on its own, as training sees it: PIL's pixels, resized by tf."""
    out = []
    for file in files:
        with Image.open(file) as image:
            pixels = tf.constant(np.asarray(image.convert("RGB")))
        out.append(data.pipeline.resize(pixels, image_size).numpy())
    return np.stack(out).astype(np.float32) / 127.5 - 1.0


def every_image(dataset):
    return np.stack(list(dataset.as_numpy_iterator()))


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_the_same_images_as_decoding_each_file(tmp_path, monkeypatch, decodes, on_disk):
    if on_disk:
        monkeypatch.setattr(image_cache, "MEMORY_BOUND", 0)
    files = pictures(tmp_path / "pics")
    images, info = data.from_image_folder(tmp_path / "pics", image_size=(4, 3))
    # JPEG decoders differ by a level or two; PNGs are exact.
    np.testing.assert_allclose(every_image(images), expected(files, (4, 3)), atol=3 / 127.5)
    pngs = [k for k, file in enumerate(files) if file.suffix == ".png"]
    np.testing.assert_allclose(
        every_image(images)[pngs], expected([files[k] for k in pngs], (4, 3)), atol=1e-6
    )
    assert info.cached and info.sample_shape == (4, 3, 3)
    written = list((tmp_path / "cache" / "keras_wgan" / "images").glob("*.npy"))
    assert len(written) == int(on_disk)


def test_each_file_is_decoded_once_for_training_and_evaluation(tmp_path, decodes):
    files = pictures(tmp_path / "pics")
    batches, info = data.load(tmp_path / "pics", batch_size=2, seed=0, image_size=4)
    for _ in batches.take(10):  # 20 images: more than 3 passes over the 6
        pass
    data.load(tmp_path / "pics", batch_size=2, seed=1, image_size=4)  # opened again
    data.real_samples(info, 6)
    assert decodes == [[file.name for file in files]]
    # Other settings are other images: decoded again.
    data.load(tmp_path / "pics", batch_size=2, image_size=4, background="black")
    assert len(decodes) == 2


def test_a_large_folder_is_kept_on_disk_and_reused(tmp_path, monkeypatch, decodes):
    monkeypatch.setattr(image_cache, "MEMORY_BOUND", 100)  # 6 images of 5x7x3 = 630 bytes
    files = pictures(tmp_path / "pics")
    first, _ = data.from_image_folder(tmp_path / "pics")
    (cached,) = (tmp_path / "cache" / "keras_wgan" / "images").glob("*.npy")
    assert np.load(cached).shape == (6, 5, 7, 3)
    # As a new process would start: nothing decoded or checked in memory.
    monkeypatch.setattr(image_cache, "_DECODED", {})
    monkeypatch.setattr(data.folder, "_SCANNED_FOLDERS", {})
    checked = []
    check = data.folder._checked_image
    monkeypatch.setattr(
        data.folder, "_checked_image", lambda *args: checked.append(args) or check(*args)
    )
    again, _ = data.from_image_folder(tmp_path / "pics")
    np.testing.assert_array_equal(every_image(again), every_image(first))
    assert len(decodes) == 1 and not checked  # read back from the file, unchecked
    write_image(files[0], np.zeros((5, 7, 3), np.uint8))  # a changed file: decoded anew
    changed, _ = data.from_image_folder(tmp_path / "pics")
    assert len(decodes) == 2 and every_image(changed)[0].max() == -1.0
    assert len(checked) == 6  # the changed folder is checked again
    assert len(list(cached.parent.glob("*.npy"))) == 2
    assert not list(cached.parent.glob(".*"))  # no partial file left


def test_a_file_only_a_full_decode_finds_corrupt_is_named(tmp_path, monkeypatch, decodes):
    monkeypatch.setattr(data.folder, "_FULL_DECODE_LIMIT", 1)  # verified, not decoded, by PIL
    picture = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    write_image(tmp_path / "a.jpg", picture)
    content = image_bytes(picture, "JPEG")
    (tmp_path / "b.jpg").write_bytes(content[: len(content) // 2])
    with pytest.raises(data.InvalidDataError) as caught:
        data.from_image_folder(tmp_path)
    assert str(caught.value).startswith(f"'{tmp_path / 'b.jpg'}' is not a readable image file")
    assert not list((tmp_path / "cache").rglob("*"))
