"""Pictures for a person: enlarged grids, caption strips, latent interpolation strips."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_wgan import WassersteinGAN, architectures, callbacks, training
from keras_wgan.evaluation import pictures


def test_grid_size_follows_the_enlargement_and_the_layout():
    images = np.random.default_rng(0).uniform(-1, 1, (10, 28, 28, 1)).astype("float32")
    grid = pictures.image_grid(images, columns=4, padding=1, scale=3, separator=128)
    assert grid.shape == (3 * (84 + 1) + 1, 4 * (84 + 1) + 1, 3)
    # The sixth image (row 1, column 1), each pixel a 3x3 block.
    cell = grid[1 + 85 : 1 + 85 + 84, 1 + 85 : 1 + 85 + 84, 0]
    expected = np.round((images[5, :, :, 0] + 1) / 2 * 255)
    np.testing.assert_array_equal(cell, np.kron(expected, np.ones((3, 3))))
    assert (grid[0] == 128).all() and (grid[85] == 128).all()  # the separators


@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3), (64, 1)])
def test_picture_enlarges_small_images_to_a_readable_size(size, channels):
    grid = pictures.picture(np.zeros((16, size, size, channels)))
    scale = pictures.readable_scale(size, size)
    assert scale * size >= 64
    assert (
        grid.shape
        == pictures.image_grid(np.zeros((16, size, size, channels)), padding=1, scale=scale).shape
    )


def test_caption_strip_is_drawn_above_and_shows_its_text():
    images = np.full((4, 28, 28, 1), -1.0, "float32")
    plain = pictures.picture(images)
    one = pictures.picture(images, caption=pictures.caption_lines(40, {"swd": 12.3}))
    other = pictures.picture(images, caption=pictures.caption_lines(60, {"swd": 12.3}))
    strip = one.shape[0] - plain.shape[0]
    assert strip > 10 and one.shape[1] == plain.shape[1]
    np.testing.assert_array_equal(one[strip:], plain)  # the picture itself unchanged
    text = one[: strip - 1]  # the strip without its rule
    assert (text < 128).any() and (text == 255).mean() > 0.5  # dark text on white
    assert not np.array_equal(text, other[: strip - 1])  # different text, different pixels
    np.testing.assert_array_equal(
        one, pictures.picture(images, caption=pictures.caption_lines(40, {"swd": 12.3}))
    )


def test_scatter_plot_gets_the_same_caption():
    points = np.random.default_rng(0).normal(size=(50, 2))
    plain = pictures.picture(points)
    captioned = pictures.picture(points, caption=["generator step 7"])
    assert captioned.shape[0] > plain.shape[0] == plain.shape[1] == captioned.shape[1] == 480
    np.testing.assert_array_equal(captioned[-480:], plain)


def test_a_diverged_generator_is_drawn_without_numpy_warnings():
    """NaN, infinite and huge samples (a run whose loss blew up) draw cleanly, finite ones kept."""
    points = np.array(
        [[0.5, 0.5], [np.nan, 0.0], [np.inf, -np.inf], [1e30, 3e38], [0.0, np.nan]], dtype="float32"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot = pictures.scatter_plot(points, bounds=(-1.0, 1.0), size=21, dot=0)
        fitted = pictures.scatter_plot(points[:3], size=21, dot=0)  # bounds of the finite ones
        blank = pictures.scatter_plot(np.full((3, 2), np.nan), size=21)
        images = np.full((2, 4, 4, 1), np.nan, dtype="float32")
        images[1, ..., 0] = [[np.inf, -np.inf, 0.0, 1.0]] * 4
        grid = pictures.image_grid(images, columns=2, padding=0)

    def coloured(canvas):  # the generated points' colour; the axes and background are grey
        return canvas[..., 0] != canvas[..., 2]

    assert np.argwhere(coloured(plot)).tolist() == [[5, 15]]  # (0.5, 0.5): row 20 - 15
    assert coloured(fitted).sum() == 1
    assert (blank == 255).sum() > 0.9 * blank.size  # nothing drawn but the axes
    assert np.all(grid[:, :4] == 0)  # NaN pixels: black
    np.testing.assert_array_equal(grid[0, 4:, 0], [255, 0, 128, 255])  # inf clipped, 0 mid-grey


def test_caption_lines_show_the_step_and_the_main_metrics_in_order():
    logs = {
        "fid": 152.71,
        "generator_loss": 3.0,
        "w1_exact": 4.567,
        "wasserstein_estimate": 0.5,
        "w1_critic_estimate": 0.1234,
        "w1_floor_ratio": 1.83,
        "swd": float("nan"),
    }
    assert pictures.caption_lines(40, logs, epoch=2) == [
        "generator step 40, epoch 2",
        "critic W1 0.123   exact W1 4.57   W1/floor 1.83   SWD nan   FID 153",
    ]
    assert pictures.caption_lines(3, {"wasserstein_estimate": 0.5}) == [
        "generator step 3",
        "critic W1 0.5",
    ]
    # Images: the exact pixel W1; a conditional model: how often it makes the class asked for.
    assert pictures.caption_lines(
        5, {"w1_pixel": 12.09, "swd": 23.57, "conditional_accuracy": 0.906}
    ) == ["generator step 5", "pixel W1 12.1   SWD 23.6   class accuracy 0.906"]


def test_long_captions_wrap_to_the_picture_width():
    narrow = np.zeros((40, 120, 3), "uint8")
    line = "   ".join(f"metric{i} 0.123" for i in range(8))
    captioned = pictures.with_caption(narrow, [line])
    single = pictures.with_caption(narrow, ["metric0 0.123"])
    assert captioned.shape[1] == 120 and captioned.shape[0] > single.shape[0] + 40


def tiny_generator(latent_dim=3):
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(
        16 * 16 * 3,
        kernel_initializer=keras.initializers.RandomNormal(stddev=1.0),
        activation="tanh",
    )
    return keras.Sequential([keras.Input((latent_dim,)), dense, keras.layers.Reshape((16, 16, 3))])


def test_interpolation_strip_ends_are_the_generator_images_of_the_two_latents():
    generator = tiny_generator()
    ends = np.random.default_rng(1).normal(size=(2, 2, 3)).astype("float32")
    strip = pictures.interpolation_strip(generator, steps=5, ends=ends, scale=2)
    assert strip.shape == (2 * 33 + 1, 5 * 33 + 1, 3)

    def cell(row, column):
        return strip[1 + 33 * row : 33 * (row + 1), 1 + 33 * column : 33 * (column + 1)]

    for row in range(2):
        for column, end in ((0, 0), (4, 1)):
            alone = pictures.image_grid(
                generator.predict(ends[row, end : end + 1], verbose=0), padding=1, scale=2
            )[1:-1, 1:-1]
            np.testing.assert_allclose(cell(row, column), alone, atol=1)
        assert np.abs(cell(row, 2).astype(int) - cell(row, 0)).max() > 8  # it moves
    np.testing.assert_array_equal(  # seeded: reproducible; another seed, other pairs
        pictures.interpolation_strip(generator, pairs=2, steps=4, seed=5),
        pictures.interpolation_strip(generator, pairs=2, steps=4, seed=5),
    )
    assert not np.array_equal(
        pictures.interpolation_strip(generator, pairs=2, steps=4, seed=5),
        pictures.interpolation_strip(generator, pairs=2, steps=4, seed=6),
    )


def test_a_conditional_interpolation_strip_holds_one_class_per_row():
    generator, _ = architectures.build(
        "mlp", (4, 4, 1), latent_dim=3, units=8, depth=1, num_classes=3
    )
    ends = np.random.default_rng(1).normal(size=(2, 2, 3)).astype("float32")
    rows = np.array([2, 0], dtype="int32")
    strip = pictures.interpolation_strip(generator, steps=3, ends=ends, scale=2, labels=rows)
    size = 4 * 2 + 1
    for row, label in enumerate(rows):
        first = strip[1 + size * row : size * (row + 1), 1:size]
        alone = generator.predict([ends[row, :1], np.array([label], "int32")], verbose=0)
        np.testing.assert_allclose(
            first, pictures.image_grid(alone, padding=1, scale=2)[1:-1, 1:-1], atol=1
        )
    with pytest.raises(ValueError, match="labels must hold one class per row"):
        pictures.interpolation_strip(generator, steps=3, ends=ends, labels=[1])


def test_slerp_keeps_the_norm_of_normal_latents_and_lerp_does_not():
    ends = np.array([[[3.0, 0.0], [0.0, 3.0]]])
    slerp = pictures.interpolation_latents(2, steps=5, ends=ends)
    lerp = pictures.interpolation_latents(2, steps=5, ends=ends, method="lerp")
    np.testing.assert_allclose(np.linalg.norm(slerp, axis=-1), 3.0, rtol=1e-6)
    np.testing.assert_allclose(lerp[0, 2], [1.5, 1.5])
    np.testing.assert_array_equal(slerp[:, [0, -1]], ends)
    with pytest.raises(ValueError, match="method must be 'slerp' or 'lerp', received 'cubic'"):
        pictures.interpolation_latents(2, method="cubic")


def test_sample_pictures_writes_a_captioned_grid_and_an_interpolation_strip(tmp_path):
    generator, critic = architectures.build("dcgan", (28, 28, 1), latent_dim=8, filters=4)
    gan = WassersteinGAN(generator, critic, critic_steps=1, seed=0)
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    writer = callbacks.SamplePictures(tmp_path / "samples", num_samples=16)
    gan.fit(
        tf.data.Dataset.from_tensor_slices(images).batch(4), epochs=1, verbose=0, callbacks=[writer]
    )
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [
        "interp_0001.png",
        "samples_0001.png",
    ]
    for path in (tmp_path / "samples").iterdir():
        with Image.open(path) as image:
            image.verify()
            assert image.format == "PNG"
    grid = np.asarray(Image.open(tmp_path / "samples" / "samples_0001.png"))
    plain = pictures.picture(gan.sampling_generator.predict(writer._latent, verbose=0))
    assert grid.shape[1] == plain.shape[1] and grid.shape[0] > plain.shape[0]  # the caption


def test_training_captions_the_samples_with_the_monitor_metrics(tmp_path, monkeypatch):
    seen = []
    caption_lines = pictures.caption_lines
    monkeypatch.setattr(
        pictures,
        "caption_lines",
        lambda step, logs, **kwargs: seen.append(dict(logs)) or caption_lines(step, logs, **kwargs),
    )
    training.train(
        "8gaussians",
        train_steps=2,
        steps_per_epoch=2,
        units=8,
        depth=1,
        batch_size=16,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
    )
    assert len(seen) == 1 and {"w1_exact", "wasserstein_estimate"} <= set(seen[0])


def test_the_interpolation_strip_samples_from_the_ema_generator(tmp_path, monkeypatch):
    generator, critic = architectures.build("dcgan", (28, 28, 1), latent_dim=8, filters=4)
    gan = WassersteinGAN(generator, critic, critic_steps=1, seed=0, ema_decay=0.5)
    gan.compile()
    writer = callbacks.SamplePictures(tmp_path, num_samples=4)
    writer.set_model(gan)
    writer.on_train_begin()
    seen = []
    monkeypatch.setattr(
        pictures,
        "interpolation_strip",
        lambda generator, **kwargs: seen.append(generator.name) or np.zeros((1, 1, 3)),
    )
    monkeypatch.setattr(pictures, "save_png", lambda *args: None)
    writer.write(1)
    assert seen == [gan.ema_generator.name] and gan.ema_generator is not gan.generator
