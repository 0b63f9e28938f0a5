"""Images with transparency composited onto the background (keras_wgan.data.alpha)."""

import numpy as np
import pytest
from data_harness import one_line_error
from PIL import Image

from keras_wgan import data
from keras_wgan.data import alpha
from keras_wgan.settings import TrainSettings

RED, GREEN, WHITE = (255, 0, 0), (0, 255, 0), (255, 255, 255)


def loaded(dataset, **options):
    """Every image of a folder or .npz as uint8 0..255, in order."""
    batches, _ = data.load(dataset, batch_size=1, repeat=False, shuffle_buffer=0, **options)
    return np.concatenate(
        [np.round((b + 1.0) * 127.5).astype(int) for b in batches.as_numpy_iterator()]
    )


def hidden_red(size=6):
    """RGBA: red everywhere, transparent but for an opaque green 2x2 square at the top left."""
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = RED
    rgba[:2, :2] = (*GREEN, 255)
    return rgba


def test_a_transparent_png_hiding_red_loads_white(tmp_path):
    for name in ("a.png", "b.png"):
        Image.fromarray(hidden_red(), "RGBA").save(tmp_path / name)
    images = loaded(tmp_path)
    assert images.shape == (2, 6, 6, 3)
    assert (images[:, :2, :2] == GREEN).all()
    background = np.ones((6, 6), bool)
    background[:2, :2] = False
    assert (images[:, background] == WHITE).all()  # not the red the pixels hide


def test_a_palette_png_and_gif_with_a_transparent_entry(tmp_path):
    indices = np.zeros((4, 4), np.uint8)
    indices[2:] = 1  # bottom half: entry 1 (green); top half: entry 0 (red), transparent
    picture = Image.fromarray(indices, "P")
    picture.putpalette([*RED, *GREEN] + [0] * 762)
    for image_format in ("png", "gif"):
        folder = tmp_path / image_format
        folder.mkdir()
        for name in ("a", "b"):
            picture.save(folder / f"{name}.{image_format}", transparency=0)
        images = loaded(folder)
        assert (images[:, :2] == WHITE).all() and (images[:, 2:] == GREEN).all(), image_format


def test_a_webp_with_alpha_and_the_background_colours(tmp_path):
    rgba = hidden_red()
    rgba[4:, 4:, 3] = 128  # half transparent: half the background
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.webp", lossless=True)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "b.png")
    for background, colour in (("white", WHITE), ("black", (0, 0, 0)), ("#2040C0", (32, 64, 192))):
        images = loaded(tmp_path, background=background)
        assert (images[:, 2, 2] == colour).all(), background
        assert (images[:, :2, :2] == GREEN).all()
        half = np.round(128 / 255 * np.array(RED) + 127 / 255 * np.array(colour))
        np.testing.assert_allclose(images[:, 5, 5], [half, half], atol=1)


def test_grey_images_with_alpha_take_the_backgrounds_grey_level(tmp_path):
    la = np.zeros((4, 4, 2), np.uint8)
    la[..., 0] = 100
    la[:2, :, 1] = 255  # top half opaque grey 100, bottom transparent
    for name in ("a.png", "b.png"):
        Image.fromarray(la, "LA").save(tmp_path / name)
    images = loaded(tmp_path, background="#ff0000")
    assert images.shape == (2, 4, 4, 1)
    assert (images[:, :2] == 100).all() and (images[:, 2:] == 76).all()  # red's luma 0.299 * 255
    np.savez(tmp_path / "la.npz", images=np.stack([la, la]))
    np.testing.assert_array_equal(loaded(str(tmp_path / "la.npz"), background="#ff0000"), images)


def test_npz_arrays_of_four_channels_are_rgba(tmp_path):
    rgba = np.stack([hidden_red(), hidden_red()])
    np.savez(tmp_path / "icons.npz", images=rgba)
    images = loaded(str(tmp_path / "icons.npz"))
    assert images.shape == (2, 6, 6, 3)
    assert (images[:, :2, :2] == GREEN).all() and (images[:, 5, 5] == WHITE).all()
    # Float arrays: the alpha in the colours' range ([0, 1] here).
    np.savez(tmp_path / "floats.npz", images=rgba.astype(np.float32) / 255.0)
    np.testing.assert_array_equal(loaded(str(tmp_path / "floats.npz")), images)
    black = loaded(str(tmp_path / "icons.npz"), background="black")
    assert (black[:, 5, 5] == 0).all()
    _, info = data.from_npz(tmp_path / "icons.npz", image_size=3)
    assert info.sample_shape == (3, 3, 3)


def test_a_bad_background_is_refused_in_one_line(tmp_path):
    Image.fromarray(hidden_red(), "RGBA").save(tmp_path / "a.png")
    expected = "background must be 'white', 'black' or a hex colour '#rrggbb', received 'red'"
    assert one_line_error(ValueError, data.from_image_folder, tmp_path, background="red") == (
        expected
    )
    assert one_line_error(ValueError, TrainSettings, background="red") == expected
    assert one_line_error(ValueError, alpha.background_rgb, "#12345") == expected.replace(
        "'red'", "'#12345'"
    )
    assert TrainSettings(background="#A0B0C0").background == "#a0b0c0"


def test_composite_refuses_images_without_alpha():
    with pytest.raises(ValueError, match="alpha as the last of 2 or 4 channels"):
        alpha.composite(np.zeros((2, 2, 3), np.uint8), "white")


def test_files_decoded_in_different_ways_keep_their_order(tmp_path):
    indices = np.zeros((4, 4), np.uint8)
    gif = Image.fromarray(indices, "P")
    gif.putpalette([*RED] + [0] * 765)
    gif.save(tmp_path / "0.gif", transparency=0)  # all transparent: PIL decodes it
    Image.fromarray(np.full((4, 4, 3), 10, np.uint8)).save(tmp_path / "1.png")  # opaque
    Image.fromarray(hidden_red(4), "RGBA").save(tmp_path / "2.png")  # alpha: tf.io
    Image.fromarray(np.full((4, 4, 3), 30, np.uint8)).save(tmp_path / "3.png")
    images = loaded(tmp_path, background="black")
    assert (images[0] == 0).all() and (images[1] == 10).all() and (images[3] == 30).all()
    assert (images[2, :2, :2] == GREEN).all() and (images[2, 3, 3] == 0).all()
