"""Tests of keras_wgan.data.folder: image files below a folder, their check and class folders."""

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from data_harness import image_bytes, image_index, indexed_images, one_line_error, write_image
from PIL import Image

from keras_wgan import data


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
    check = data.folder._checked_image
    monkeypatch.setattr(
        data.folder, "_checked_image", lambda *args: checked.append(args) or check(*args)
    )
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
    monkeypatch.setattr(data.folder, "_FULL_DECODE_LIMIT", 1)
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


def test_image_folder_with_one_subfolder_per_class(tmp_path):
    pictures = indexed_images(5, size=3)
    # Sorted class names; images at any depth below their class folder.
    files = ["dog/1.png", "cat/0.png", "dog/puppies/2.png", "cat/3.png", "emu/4.png"]
    for name in files:  # Each image holds the index in its file name.
        write_image(tmp_path / "pets" / name, pictures[int(Path(name).stem)])
    images, info = data.from_image_folder(tmp_path / "pets", labels=True)
    assert info.class_names == ("cat", "dog", "emu") and info.num_classes == 3
    assert info.class_counts == (2, 2, 1)
    pairs = [(int(image_index(image[None])[0]), int(label)) for image, label in images]
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


@pytest.mark.parametrize("mode, what", [("1", "1-bit"), ("P", "palette")])
@pytest.mark.parametrize("decode_limit", [2000, 1], ids=["decoded", "verified"])
def test_bmp_modes_tf_cannot_read_are_refused_up_front(
    tmp_path, monkeypatch, mode, what, decode_limit
):
    monkeypatch.setattr(data.folder, "_FULL_DECODE_LIMIT", decode_limit)
    picture = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    write_image(tmp_path / "a.bmp", picture)
    Image.fromarray(picture).convert(mode).save(tmp_path / "b.bmp")
    message = one_line_error(data.InvalidDataError, data.load, tmp_path, batch_size=2)
    assert message.startswith(f"'{tmp_path / 'b.bmp'}' is a {what} BMP image (PIL mode {mode!r})")
    assert "convert it" in message


@pytest.mark.parametrize(
    "image_format, modes",
    [
        ("BMP", ("L", "RGB", "RGBA")),
        ("PNG", ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")),
        ("JPEG", ("L", "RGB")),
        ("GIF", ("L", "P", "RGB")),
    ],
)
def test_every_mode_the_check_accepts_decodes_to_the_picture_pil_sees(
    tmp_path, image_format, modes
):
    picture = np.random.default_rng(1).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    for mode in modes:
        folder = tmp_path / mode.replace(";", "_")
        folder.mkdir()
        image = Image.fromarray(picture)
        image = image.convert("L").convert("I;16") if mode == "I;16" else image.convert(mode)
        image.save(folder / f"a.{image_format.lower()}", image_format)
        image.save(folder / f"b.{image_format.lower()}", image_format)
        batches, info = data.load(folder, batch_size=2, repeat=False, shuffle_buffer=0)
        with Image.open(folder / f"a.{image_format.lower()}") as saved:
            channels = info.sample_shape[-1]
            pil = saved.convert("RGB" if channels == 3 else "L")
            expected = np.asarray(pil, np.float32).reshape(info.sample_shape) / 127.5 - 1.0
        if image_format != "JPEG" and mode != "I;16":  # lossless, 8 bits
            np.testing.assert_allclose(
                next(iter(batches)).numpy()[0],
                expected,
                atol=1e-6,
                err_msg=f"{image_format} {mode}",
            )
        else:
            assert next(iter(batches)).shape == (2, *info.sample_shape)


def folder_case(tmp_path, monkeypatch):
    """Class subfolders of PNGs, resized, for the common checks (tests/test_data_sources.py)."""
    for k, picture in enumerate(indexed_images(8, size=6)):
        write_image(tmp_path / "pets" / ("cat", "dog")[k % 2] / f"{k}.png", picture)
    yield str(tmp_path / "pets"), {"image_size": (4, 3)}


CONFORMANCE_CASES = [(folder_case, True)]
