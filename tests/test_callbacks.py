"""Callbacks: sample pictures and the original WGAN critic schedule."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_wgan import WassersteinGAN, architectures, callbacks, pictures


def gan_for(shape, **kwargs):
    name = "mlp" if len(shape) == 1 else "dcgan"
    options = {"units": 8, "depth": 1} if name == "mlp" else {"filters": 4}
    generator, critic = architectures.build(name, shape, **options)
    gan = WassersteinGAN(generator, critic, seed=0, **kwargs)
    gan.compile()
    return gan


def test_sample_pictures_writes_a_scatter_plot_per_epoch(tmp_path):
    gan = gan_for((2,), critic_steps=1)
    real = np.random.default_rng(0).normal(size=(100, 2)).astype("float32")
    writer = callbacks.SamplePictures(tmp_path, num_samples=50, real=real, every_epochs=2)
    data = tf.data.Dataset.from_tensor_slices(real).batch(10, drop_remainder=True)
    gan.fit(data, epochs=4, verbose=0, callbacks=[writer])
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["samples_0002.png",
                                                             "samples_0004.png"]
    image = np.asarray(Image.open(writer.written[-1]))
    assert image.shape == (480, 480, 3)
    assert (image == (230, 110, 20)).all(axis=-1).any()  # generated points drawn
    assert (image == (170, 170, 170)).all(axis=-1).any()  # real points drawn


def test_image_grid_places_each_image():
    images = np.stack([np.full((4, 4, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = pictures.image_grid(images, columns=2, padding=1)
    assert grid.shape == (1 + 2 * 5, 1 + 2 * 5, 3)
    assert (grid[1:5, 1:5] == 0).all() and (grid[1:5, 6:10] == 128).all()
    assert (grid[6:10, 1:5] == 255).all()


def test_picture_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"shape \(3, 5\)"):
        pictures.picture(np.zeros((3, 5)))


def test_original_schedule_bursts_of_critic_updates():
    gan = gan_for((2,), critic_steps=5, penalty="clip")
    schedule = callbacks.OriginalCriticSchedule(burst_critic_updates=20,
                                                first_generator_updates=2, every=5)
    # Generator updates 0, 1 and 5 start with bursts of 20 critic updates (4 fit steps).
    steps = schedule.fit_steps(0, 7, critic_steps=5)
    assert steps == 7 + 3 * 3
    data = tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).normal(size=(5 * 4 * steps, 2)).astype("float32")).batch(20)
    gan.fit(data, epochs=1, verbose=0, callbacks=[schedule])
    assert int(gan.generator_optimizer.iterations) == 7
    assert int(gan.critic_optimizer.iterations) == 5 * steps  # 3 * 20 + 4 * 5 = 80
    assert 5 * steps == 3 * 20 + 4 * 5
