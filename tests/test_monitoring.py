"""Monitoring (keras_wgan.monitoring.Monitor) and the evaluation command line.

The Monitor's numbers are checked against a recomputation made independently
at the same moment of training, from the model and the Monitor's fixed
samples; the evaluation CLI against generators whose W1 to the data is known.
"""

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import architectures, data, metrics, training
from keras_wgan.model import WassersteinGAN
from keras_wgan.monitoring import Monitor, swd_min_resolution

ROOT = Path(__file__).resolve().parents[1]
MNIST_PATH = ROOT.parent / "shared" / "data" / "mnist_5k.npz"
TOY_KEYS = {"w1_exact", "w1_critic_estimate", "w1_ratio", "w1_floor_ratio"}


def read_events(log_dir):
    """{tag: [(step, value or plugin name)]} of every event file below log_dir."""
    found = {}
    for path in glob.glob(os.path.join(str(log_dir), "**", "events.out.tfevents.*"),
                          recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                array = tf.make_ndarray(value.tensor) if value.HasField("tensor") else None
                item = float(array) if plugin == "scalars" and array is not None else array
                found.setdefault(value.tag, []).append((event.step, item))
    return found


class Recompute(keras.callbacks.Callback):
    """After the Monitor, recomputes its values from the model and its fixed samples."""

    def __init__(self, monitor):
        super().__init__()
        self.monitor = monitor
        self.expected, self.seen = [], []
        self.fixed = None

    def on_epoch_end(self, epoch, logs=None):
        latent, real = self.monitor.latent, self.monitor.real
        if self.fixed is None:
            self.fixed = (latent.copy(), real.copy())
        assert np.array_equal(latent, self.fixed[0]) and np.array_equal(real, self.fixed[1])
        fake = self.model.generator.predict(latent, verbose=0)
        estimate = (np.mean(self.model.critic.predict(real, verbose=0), dtype=np.float64)
                    - np.mean(self.model.critic.predict(fake, verbose=0), dtype=np.float64))
        self.expected.append({"fake": fake, "w1_critic_estimate": estimate})
        self.seen.append(dict(logs))


def test_monitor_toy_fit_logs_exact_w1_beside_the_critic_estimate(tmp_path):
    keras.utils.set_random_seed(0)
    batches, info = data.load("8gaussians", batch_size=16 * 2, seed=0)
    generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
    gan = WassersteinGAN(generator, critic, critic_steps=2, seed=0)
    gan.compile()
    monitor = Monitor(info, num_samples=300, log_dir=tmp_path / "monitor", seed=3)
    recompute = Recompute(monitor)
    history = gan.fit(batches, epochs=2, steps_per_epoch=3, verbose=0, callbacks=[
        monitor, recompute, keras.callbacks.TensorBoard(str(tmp_path / "keras"))])

    floor = metrics.wasserstein1_floor(info.sampler, 300, seed=3)
    assert monitor.floors == {"w1_floor": pytest.approx(floor, rel=1e-12)}
    assert monitor.real.shape == (300, 2) and monitor.latent.shape == (300, 2)
    for epoch, expected in enumerate(recompute.expected):
        w1 = metrics.wasserstein1(expected["fake"], monitor.real)
        estimate = expected["w1_critic_estimate"]
        logged = {key: history.history[key][epoch] for key in TOY_KEYS}
        assert logged["w1_exact"] == pytest.approx(w1, rel=1e-6)
        assert logged["w1_critic_estimate"] == pytest.approx(estimate, rel=1e-5, abs=1e-6)
        assert logged["w1_ratio"] == pytest.approx(estimate / w1, rel=1e-5, abs=1e-6)
        assert logged["w1_floor_ratio"] == pytest.approx(w1 / floor, rel=1e-6)
        assert TOY_KEYS <= set(recompute.seen[epoch])  # later callbacks see them
    assert [r["step"] for r in monitor.records] == [3, 6]

    events = read_events(tmp_path / "monitor")
    assert [step for step, _ in events["w1_exact"]] == [3, 6]
    assert [value for _, value in events["w1_exact"]] == pytest.approx(
        history.history["w1_exact"], rel=1e-6)
    assert events["w1_floor"][0][1] == pytest.approx(floor, rel=1e-6)
    assert {"w1_ratio", "w1_floor_ratio", "w1_critic_estimate", "samples",
            "generator_outputs", "monitor"} <= set(events)
    picture = tf.image.decode_png(events["samples"][-1][1][2]).numpy()  # [w, h, png]
    assert picture.shape == (480, 480, 3)
    # Keras' TensorBoard callback, after the Monitor, logged the values too.
    keras_events = read_events(tmp_path / "keras")
    assert [v for _, v in keras_events["epoch_w1_exact"]] == pytest.approx(
        history.history["w1_exact"], rel=1e-6)


def _image_data(n):
    if MNIST_PATH.is_file():
        images = np.load(MNIST_PATH)["images"]  # sorted by label: shuffle first
        images = images[np.random.default_rng(0).permutation(len(images))[:n]]
    else:
        images = np.random.default_rng(0).integers(0, 256, (n, 28, 28, 1), dtype="uint8")
    return images.astype("float32") / 127.5 - 1.0


def test_monitor_images_logs_swd_fid_and_a_picture(tmp_path):
    keras.utils.set_random_seed(0)
    images = _image_data(64)
    generator, critic = architectures.build("dcgan", (28, 28, 1), latent_dim=8, filters=4)
    gan = WassersteinGAN(generator, critic, critic_steps=1, seed=0)
    gan.compile()
    inputs = keras.Input((28, 28, 1))
    features = keras.layers.Dense(4, name="features")(keras.layers.Flatten()(inputs))
    classifier = keras.Model(inputs, keras.layers.Dense(3)(features))
    swd = {"num_descriptors": 8, "num_projections": 32}
    monitor = Monitor(images, num_samples=32, log_dir=tmp_path, feature_network=classifier,
                      swd_options=swd)
    recompute = Recompute(monitor)
    history = gan.fit(images, batch_size=16, epochs=1, steps_per_epoch=2, verbose=0,
                      callbacks=[monitor, recompute])

    assert swd_min_resolution(28, 28) == 14
    assert {"swd", "fid", "w1_critic_estimate"} <= set(history.history)
    assert "w1_exact" not in history.history  # 784 numbers per sample: no exact W1
    fake = recompute.expected[0]["fake"]
    expected_swd = metrics.sliced_wasserstein(fake, monitor.real, min_resolution=14, seed=0,
                                              **swd).mean
    assert history.history["swd"][0] == pytest.approx(expected_swd, rel=1e-6)
    assert history.history["w1_critic_estimate"][0] == pytest.approx(
        recompute.expected[0]["w1_critic_estimate"], rel=1e-5, abs=1e-6)
    assert set(monitor.floors) == {"swd_floor"}  # 64 images: two disjoint sets of 32
    assert "keras_wgan classifier (4-d penultimate layer" in monitor.descriptions["fid"]
    events = read_events(tmp_path)
    assert {"swd", "fid", "swd_floor", "samples", "generator_outputs"} <= set(events)
    png = events["samples"][0][1][2]
    assert tf.image.decode_png(png).shape[-1] == 3


def test_train_wires_the_monitor_before_tensorboard(tmp_path):
    result = training.train("circle", train_steps=4, steps_per_epoch=2, units=8, depth=1,
                            batch_size=8, output_dir=tmp_path, export_dir=None, verbose=0)
    assert len(result.history["w1_exact"]) == 2
    keras_events = read_events(tmp_path / "logs" / "train")
    assert [v for _, v in keras_events["epoch_w1_floor_ratio"]] == pytest.approx(
        result.history["w1_floor_ratio"], rel=1e-6)
    monitor_events = read_events(tmp_path / "logs" / "monitor")
    assert [step for step, _ in monitor_events["w1_exact"]] == [2, 4]

    off = training.train("circle", train_steps=2, steps_per_epoch=2, units=8, depth=1,
                         batch_size=8, output_dir=tmp_path / "off", export_dir=None, verbose=0,
                         monitor_every_epochs=0)
    assert "w1_exact" not in off.history
    assert not (tmp_path / "off" / "logs" / "monitor").exists()
