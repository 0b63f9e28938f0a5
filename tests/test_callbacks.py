"""Callbacks: sample pictures and the original WGAN critic schedule."""

import errno
import os

import numpy as np
import pytest
import tensorflow as tf
from helpers import small_gan
from PIL import Image

from keras_wgan import callbacks, optimizers, run_directory
from keras_wgan.evaluation import pictures


def test_sample_pictures_writes_a_scatter_plot_per_epoch(tmp_path):
    gan = small_gan((2,), compiled=True, critic_steps=1)
    real = np.random.default_rng(0).normal(size=(100, 2)).astype("float32")
    writer = callbacks.SamplePictures(tmp_path, num_samples=50, real=real, every_epochs=2)
    data = tf.data.Dataset.from_tensor_slices(real).batch(10, drop_remainder=True)
    gan.fit(data, epochs=4, verbose=0, callbacks=[writer])
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["samples_0002.png", "samples_0004.png"]
    image = np.asarray(Image.open(writer.written[-1]))
    assert image.shape[0] > 480 and image.shape[1:] == (480, 3)  # the plot under a caption
    assert (image == (230, 110, 20)).all(axis=-1).any()  # generated points drawn
    assert (image == (170, 170, 170)).all(axis=-1).any()  # real points drawn


def test_sample_pictures_on_a_full_disk_name_the_folder_and_leave_no_temporary(
    tmp_path, monkeypatch
):
    gan = small_gan((2,), compiled=True, critic_steps=1)
    writer = callbacks.SamplePictures(tmp_path, num_samples=10)
    writer.set_model(gan)
    writer.on_train_begin()

    def save_on_a_full_disk(array, path):
        with open(f"{path}.tmp-{os.getpid()}", "wb") as file:  # save_png's temporary name
            file.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(callbacks.pictures, "save_png", save_on_a_full_disk)
    with pytest.raises(
        run_directory.NoSpaceLeft,
        match=rf"^no space left on device in "
        rf"{tmp_path}: the picture "
        "samples_0001.png could not be",
    ):
        writer.write(1)
    assert list(tmp_path.iterdir()) == []


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
    gan = small_gan((2,), compiled=True, critic_steps=5, penalty="clip")
    schedule = callbacks.OriginalCriticSchedule(
        burst_critic_updates=20, first_generator_updates=2, every=5
    )
    # Generator updates 0, 1 and 5 start with bursts of 20 critic updates (4 fit steps).
    steps = schedule.fit_steps(0, 7, critic_steps=5)
    assert steps == 7 + 3 * 3
    data = tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).normal(size=(5 * 4 * steps, 2)).astype("float32")
    ).batch(20)
    gan.fit(data, epochs=1, verbose=0, callbacks=[schedule])
    assert int(gan.generator_optimizer.iterations) == 7
    assert int(gan.critic_optimizer.iterations) == 5 * steps  # 3 * 20 + 4 * 5 = 80
    assert 5 * steps == 3 * 20 + 4 * 5


def test_original_schedule_counts_its_critic_updates():
    schedule = callbacks.OriginalCriticSchedule()
    # 2000 generator updates: bursts at 0..24, 500, 1000, 1500, each 20 fit steps of 5.
    assert schedule.critic_updates(0, 2000, critic_steps=5) == 5 * (2000 + 28 * 19)
    assert schedule.fit_steps(0, 2000, critic_steps=5) == 2000 + 28 * 19
    for first, last in ((0, 1), (3, 30), (499, 1001), (30, 499)):
        expected = sum(100 if schedule.in_burst(g) else 5 for g in range(first, last))
        assert schedule.critic_updates(first, last, critic_steps=5) == expected


def schedule_run(gan, data, fit_steps):
    schedule = callbacks.OriginalCriticSchedule(
        burst_critic_updates=20, first_generator_updates=2, every=5
    )
    gan.fit(data.take(fit_steps), epochs=1, verbose=0, callbacks=[schedule])


def test_original_schedule_resumed_mid_burst_does_what_an_uninterrupted_run_does():
    # 7 generator updates, bursts at 0, 1 and 5: 16 fit steps. A new callback (as
    # after a restart) continues from the optimizers' counters, not from its own.
    x = np.random.default_rng(0).normal(size=(16 * 20, 2)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(x).batch(20)
    runs = []
    for interruptions in ((), (13,)):  # in the burst of generator update 5
        tf.keras.utils.set_random_seed(0)
        gan = small_gan((2,), compiled=True, critic_steps=5, penalty="clip")
        done = 0
        for stop in interruptions + (16,):
            schedule_run(gan, data.skip(done), stop - done)
            done = stop
        runs.append(gan)
    uninterrupted, resumed = runs
    for gan in runs:
        assert int(gan.generator_optimizer.iterations) == 7
        assert int(gan.critic_optimizer.iterations) == 3 * 20 + 4 * 5
    for a, b in zip(uninterrupted.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def train_clipped(tmp_path, data_file, train_steps, name="run", lr_decay="linear"):
    from keras_wgan import training

    return training.train(
        data_file,
        architecture="mlp",
        units=8,
        depth=1,
        penalty="clip",
        original_schedule=True,
        critic_steps=5,
        batch_size=4,
        train_steps=train_steps,
        steps_per_epoch=100,
        lr_decay=lr_decay,
        output_dir=tmp_path / name,
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
        sample_every_epochs=1000,
        mixed_precision="float32",
    )


def test_train_decays_both_rates_by_the_generator_step_under_the_original_schedule(tmp_path):
    data_file = tmp_path / "points.npz"
    np.savez(data_file, x=np.random.default_rng(0).normal(size=(4000, 2)).astype("float32"))
    result = train_clipped(tmp_path, data_file, train_steps=3)
    critic = result.model.critic_optimizer
    assert int(critic.iterations) == 3 * 100  # generator updates 0, 1, 2 are bursts
    for optimizer in (critic, result.model.generator_optimizer):
        assert optimizers.linear_decay_of(optimizer).decay_steps == 3
    initial = optimizers.linear_decay_of(critic).initial_learning_rate
    result.model.generator_optimizer.iterations.assign(2)  # during generator update 2
    assert float(critic.learning_rate) == pytest.approx(initial * (1 - 2 / 3), rel=1e-5)


def test_train_resumed_with_the_original_schedule_reads_the_data_an_uninterrupted_run_reads(
    tmp_path,
):
    # Generator updates 0 and 1 take 20 fit steps (batches) each: the resumed run
    # skips the 40 batches consumed, not 2.
    data_file = tmp_path / "points.npz"
    np.savez(data_file, x=np.random.default_rng(0).normal(size=(4000, 2)).astype("float32"))
    whole = train_clipped(tmp_path, data_file, 3, "whole", lr_decay="none")
    train_clipped(tmp_path, data_file, 2, "resumed", lr_decay="none")
    resumed = train_clipped(tmp_path, data_file, 3, "resumed", lr_decay="none")
    assert resumed.initial_step == 2
    for optimizer in ("critic_optimizer", "generator_optimizer"):
        assert int(getattr(resumed.model, optimizer).iterations) == int(
            getattr(whole.model, optimizer).iterations
        )
    for a, b in zip(whole.model.get_weights(), resumed.model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
