"""Monitoring (keras_wgan.evaluation.monitor.Monitor) and the evaluation command line.

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

from keras_wgan import architectures, data, training
from keras_wgan.evaluation import metrics
from keras_wgan.evaluation.metrics.inception import as_probabilities
from keras_wgan.evaluation.metrics.sliced import swd_min_resolution
from keras_wgan.evaluation.monitor import Monitor
from keras_wgan.model import WassersteinGAN

ROOT = Path(__file__).resolve().parents[1]
MNIST_PATH = ROOT.parent / "shared" / "data" / "mnist_5k.npz"
PNG = b"\x89PNG\r\n\x1a\n"
TOY_KEYS = {"w1_exact", "w1_critic_estimate", "w1_ratio", "w1_floor_ratio"}


def read_events(log_dir):
    """{tag: [(step, value or plugin name)]} of every event file below log_dir."""
    found = {}
    for path in glob.glob(
        os.path.join(str(log_dir), "**", "events.out.tfevents.*"), recursive=True
    ):
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
        estimate = np.mean(self.model.critic.predict(real, verbose=0), dtype=np.float64) - np.mean(
            self.model.critic.predict(fake, verbose=0), dtype=np.float64
        )
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
    history = gan.fit(
        batches,
        epochs=2,
        steps_per_epoch=3,
        verbose=0,
        callbacks=[
            monitor,
            recompute,
            keras.callbacks.TensorBoard(str(tmp_path / "keras")),
            keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        ],
    )

    # The floor is the mean over 50 pairs of independent sets (not one noisy pair).
    pairs = [np.random.default_rng(100000 + i) for i in range(50)]
    floor = np.mean(
        [metrics.wasserstein1(info.sampler(300, rng), info.sampler(300, rng)) for rng in pairs]
    )
    assert monitor.floors == {"w1_floor": pytest.approx(floor, rel=1e-9)}
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
        history.history["w1_exact"], rel=1e-6
    )
    assert events["w1_floor"][0][1] == pytest.approx(floor, rel=1e-6)
    assert (tmp_path / "monitor" / "critic_vs_exact_w1.png").read_bytes()[:8] == PNG
    assert {
        "w1_ratio",
        "w1_floor_ratio",
        "w1_critic_estimate",
        "samples",
        "generator_outputs",
        "monitor",
    } <= set(events)
    picture = tf.image.decode_png(events["samples"][-1][1][2]).numpy()  # [w, h, png]
    assert picture.shape == (480, 480, 3)
    # Keras' TensorBoard and CSVLogger callbacks, after the Monitor, logged the values too.
    header, *rows = (tmp_path / "log.csv").read_text().splitlines()
    assert TOY_KEYS <= set(header.split(",")) and len(rows) == 2
    keras_events = read_events(tmp_path / "keras")
    assert [v for _, v in keras_events["epoch_w1_exact"]] == pytest.approx(
        history.history["w1_exact"], rel=1e-6
    )


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
    monitor = Monitor(
        images, num_samples=32, log_dir=tmp_path, feature_network=classifier, swd_options=swd
    )
    recompute = Recompute(monitor)
    history = gan.fit(
        images,
        batch_size=16,
        epochs=2,
        steps_per_epoch=1,
        verbose=0,
        callbacks=[monitor, recompute],
    )

    assert swd_min_resolution(28, 28) == 14
    assert {"swd", "fid", "w1_critic_estimate"} <= set(history.history)
    assert "w1_exact" not in history.history  # 784 numbers per sample: no exact W1
    fake = recompute.expected[0]["fake"]
    expected_swd = metrics.sliced_wasserstein(
        fake, monitor.real, min_resolution=14, seed=0, **swd
    ).mean
    assert history.history["swd"][0] == pytest.approx(expected_swd, rel=1e-6)
    assert history.history["w1_critic_estimate"][0] == pytest.approx(
        recompute.expected[0]["w1_critic_estimate"], rel=1e-5, abs=1e-6
    )
    # The exact W1 in pixel and in feature space beside the critic's estimate.
    w1_pixel = metrics.wasserstein1(fake, monitor.real)
    real_features = monitor.feature_network.features(monitor.real)
    w1_feature = metrics.wasserstein1(monitor.feature_network.features(fake), real_features)
    assert history.history["w1_pixel"][0] == pytest.approx(w1_pixel, rel=1e-6)
    assert history.history["w1_feature"][0] == pytest.approx(w1_feature, rel=1e-5)
    assert history.history["w1_pixel_ratio"][0] == pytest.approx(
        history.history["w1_critic_estimate"][0] / w1_pixel, rel=1e-6
    )
    # The feature network is a classifier: how evenly it spreads the samples over its classes.
    expected_entropy = metrics.class_entropy(monitor.feature_network.classify(fake))
    assert history.history["class_entropy"][0] == pytest.approx(expected_entropy, rel=1e-6)
    # Precision, recall, density, coverage and the memorisation check in the same features,
    # the classifier score with the same classifier: from the same core, each epoch.
    real_32 = real_features[:32]
    expected = metrics.prdc(real_32, monitor.feature_network.features(fake)[:32])
    for key, value in expected._asdict().items():
        assert history.history[key][0] == pytest.approx(value, abs=1e-9)
    memorised = metrics.memorisation_check(
        monitor.feature_network.features(fake)[:32],
        monitor.feature_network.features(monitor.reference.training_samples()),
    )
    assert history.history["memorisation"][0] == pytest.approx(memorised.share, abs=1e-9)
    # (the classifier's logits, through a softmax)
    scores = as_probabilities(monitor.feature_network.classify(fake))
    assert history.history["classifier_score"][0] == pytest.approx(
        metrics.inception_score(scores[:32]).mean, rel=1e-6
    )
    assert set(monitor.floors) == {
        "swd_floor",
        "fid_floor",
        "w1_pixel_floor",
        "w1_feature_floor",
        "precision_floor",
        "recall_floor",
        "density_floor",
        "coverage_floor",
        "classifier_score_floor",
    }  # 64 images: 2 sets of 32
    assert monitor.reference.floors["w1_pixel_floor"].num_pairs == 5
    assert "keras_wgan classifier (4-d penultimate layer" in monitor.descriptions["fid"]
    events = read_events(tmp_path)
    assert {
        "swd",
        "fid",
        "swd_floor",
        "fid_floor",
        "samples",
        "generator_outputs",
        "w1_pixel",
        "w1_feature",
        "w1_pixel_ratio",
        "w1_feature_ratio",
        "class_entropy",
        "precision",
        "recall",
        "density",
        "coverage",
        "memorisation",
        "classifier_score",
    } <= set(events)
    assert [step for step, _ in events["w1_pixel"]] == [1, 2]
    # The plot of the critic's estimate beside the exact W1: a valid PNG, one panel each.
    from PIL import Image

    with Image.open(tmp_path / "critic_vs_exact_w1.png") as plot:
        plot.verify()
    with Image.open(tmp_path / "critic_vs_exact_w1.png") as plot:
        assert plot.format == "PNG" and plot.size == (640, 2 * 240)
    png = events["samples"][0][1][2]
    assert tf.image.decode_png(png).shape[-1] == 3


def test_train_wires_the_monitor_before_tensorboard(tmp_path):
    result = training.train(
        "circle",
        train_steps=4,
        steps_per_epoch=2,
        units=8,
        depth=1,
        batch_size=8,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
    )
    assert len(result.history["w1_exact"]) == 2
    keras_events = read_events(tmp_path / "logs" / "train")
    assert [v for _, v in keras_events["epoch_w1_floor_ratio"]] == pytest.approx(
        result.history["w1_floor_ratio"], rel=1e-6
    )
    monitor_events = read_events(tmp_path / "logs" / "monitor")
    assert [step for step, _ in monitor_events["w1_exact"]] == [2, 4]

    off = training.train(
        "circle",
        train_steps=2,
        steps_per_epoch=2,
        units=8,
        depth=1,
        batch_size=8,
        output_dir=tmp_path / "off",
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
    )
    assert "w1_exact" not in off.history
    assert not (tmp_path / "off" / "logs" / "monitor").exists()


# ------------------------------------------------------------------ evaluate
def save_generator(directory, fn, latent_dim, sample_shape, dataset):
    """A SavedModel with the export's contract: serving_default latent -> samples, metadata."""
    module = tf.Module()
    module.serving_default = tf.function(
        lambda latent: {"samples": fn(latent)},
        input_signature=[tf.TensorSpec([None, latent_dim], tf.float32, name="latent")],
    )
    tf.saved_model.save(
        module, str(directory), signatures={"serving_default": module.serving_default}
    )
    (directory / "assets.extra").mkdir(exist_ok=True)
    (directory / "assets.extra" / "keras_wgan.json").write_text(
        json.dumps(
            {
                "latent_dim": latent_dim,
                "sample_shape": list(sample_shape),
                "value_range": None,
                "dataset": dataset,
            }
        )
    )
    return directory


def run_evaluate(capsys, *args):
    from keras_wgan.cli import evaluate

    code = evaluate.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_cli_point_mass_on_8gaussians(tmp_path):
    # Every 8gaussians mode is at distance 2 / 1.414 from the origin (noise std 0.014):
    # moving a point mass at the origin onto the data costs that distance per unit mass.
    export = save_generator(tmp_path / "toy" / "1", lambda z: z * 0.0, 2, (2,), "8gaussians")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_wgan.evaluation",
            f"--saved_model={export}",
            "--num_samples=400",
            f"--output={tmp_path / 'report.json'}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report == json.loads((tmp_path / "report.json").read_text())
    assert report["dataset"] == "8gaussians" and report["generator"]["saved_model"] == str(export)
    assert (report["num_generated"], report["num_real"]) == (400, 400)
    result = report["metrics"]
    assert result["w1_exact"]["value"] == pytest.approx(2 / 1.414, abs=2e-3)
    assert (result["w1_exact"]["num_generated"], result["w1_exact"]["num_real"]) == (400, 400)
    assert result["w1_floor"]["num_per_set"] == 400 and 0 < result["w1_floor"]["value"] < 0.5
    assert result["w1_floor_ratio"]["value"] == pytest.approx(
        result["w1_exact"]["value"] / result["w1_floor"]["value"]
    )
    assert result["modes"] == {
        "covered": 0,
        "total": 8,
        "fraction_within_3_std": 0.0,
        "num_generated": 400,
    }


def test_evaluate_shifted_circle_is_at_the_length_of_the_shift(tmp_path, capsys):
    # Uniform on the unit circle (angle = 2 pi Phi(z)), shifted by d = (3, 4): W1 = |d| = 5
    # between the distributions; the samples' W1 is within the noise floor of it.
    def shifted_circle(latent):
        angle = np.pi * (1.0 + tf.math.erf(latent[:, 0] / np.sqrt(2.0)))
        return tf.stack([tf.cos(angle) + 3.0, tf.sin(angle) + 4.0], axis=1)

    export = save_generator(tmp_path / "circle" / "1", shifted_circle, 1, (2,), "circle")
    code, out, _ = run_evaluate(capsys, f"--saved_model={export}", "--num_samples=500")
    assert code == 0
    result = json.loads(out)["metrics"]
    assert 5.0 - 0.05 < result["w1_exact"]["value"] < 5.0 + result["w1_floor"]["value"] + 0.05
    assert "modes" not in result  # the circle has no modes


def test_evaluate_point_mass_on_npz_vectors_is_the_mean_distance(tmp_path, capsys):
    points = np.random.default_rng(5).normal(size=(300, 3)).astype("float32")
    np.savez(tmp_path / "points.npz", points)
    centre = np.array([1.0, -2.0, 0.5], "float32")
    export = save_generator(
        tmp_path / "mass" / "3", lambda z: z[:, :3] * 0.0 + centre, 4, (3,), None
    )
    code, out, _ = run_evaluate(
        capsys,
        f"--saved_model={export}",
        f"--dataset={tmp_path / 'points.npz'}",
        "--num_samples=300",
    )
    assert code == 0
    report = json.loads(out)
    expected = np.linalg.norm(points.astype(np.float64) - centre, axis=1).mean()
    assert report["metrics"]["w1_exact"]["value"] == pytest.approx(expected, rel=1e-6)
    assert report["num_real"] == 300 and "w1_floor" not in report["metrics"]  # < 2 x 300 points


def test_evaluate_checkpoint_images_swd_fid_kid_with_a_classifier(tmp_path, capsys):
    images = np.round((_image_data(120) + 1.0) * 127.5).astype("uint8")
    np.savez(tmp_path / "digits.npz", images=images, labels=np.arange(120) % 3)
    generator, critic = architectures.build("dcgan", (28, 28, 1), latent_dim=8, filters=4)
    gan = WassersteinGAN(generator, critic, seed=0)
    gan.compile()
    gan.save(tmp_path / "run.keras")
    classifier = tmp_path / "cache" / "digits.keras"
    code, out, err = run_evaluate(
        capsys,
        f"--checkpoint={tmp_path / 'run.keras'}",
        f"--dataset={tmp_path / 'digits.npz'}",
        "--num_samples=40",
        "--feature_network=classifier",
        f"--classifier_path={classifier}",
    )
    assert code == 0, err
    report = json.loads(out)
    result = report["metrics"]
    assert classifier.is_file() and classifier.with_suffix(".json").is_file()
    assert "classifier" in report["feature_network"]
    assert "held-out accuracy" in report["feature_network"]
    assert result["swd"]["min_resolution"] == 14 and set(result["swd"]["levels"]) == {"28", "14"}
    for name in ("swd", "fid", "kid"):
        assert (result[name]["num_generated"], result[name]["num_real"]) == (40, 40)
        assert "real_vs_real" in result[name]  # 120 images: two disjoint sets of 40
    assert result["fid"]["value"] > result["fid"]["real_vs_real"]
    assert (result["kid"]["subset_size"], result["kid"]["num_subsets"]) == (40, 1)
    assert "w1_exact" not in result
    # A checkpoint has its critic: its estimate beside the exact W1 in pixel and feature space.
    for name in ("w1_pixel", "w1_feature", "w1_pixel_floor", "w1_feature_floor"):
        assert result[name]["value"] > 0, name
    assert result["w1_pixel_ratio"]["value"] == pytest.approx(
        result["w1_critic_estimate"]["value"] / result["w1_pixel"]["value"]
    )
    assert result["w1_feature_ratio"]["value"] == pytest.approx(
        result["w1_critic_estimate"]["value"] / result["w1_feature"]["value"]
    )
    assert result["fid_floor"]["num_pairs"] == 5


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give exactly one of --saved_model"),
        (["--saved_model=nowhere", "--checkpoint=x.keras"], "give exactly one of"),
        (["--saved_model=nowhere"], "--saved_model=nowhere: no saved_model.pb there"),
        (["--checkpoint=missing.keras"], "--checkpoint 'missing.keras' does not exist"),
        (["--num_samples=many"], "flag --num_samples=many: invalid literal for int()"),
        (["--bogus=1"], "Unknown command line flag 'bogus'"),
    ],
)
def test_evaluate_bad_arguments_fail_in_one_line(args, message, capsys):
    code, out, err = run_evaluate(capsys, *args)
    errors = [line for line in err.splitlines() if "error:" in line]
    assert code == 2 and out == ""
    assert len(errors) == 1 and message in errors[0], err


def test_evaluate_bad_input_for_the_generator_fails_in_one_line(tmp_path, capsys):
    export = save_generator(tmp_path / "toy" / "1", lambda z: z * 0.0, 2, (2,), None)
    images = tmp_path / "digits.npz"
    np.savez(images, images=np.zeros((10, 28, 28, 1), "uint8"))
    cases = [
        ([], "--dataset is needed"),
        ([f"--dataset={images}"], "makes samples of shape (2,) but --dataset="),
        (["--dataset=8gaussians", "--num_samples=1"], "--num_samples must be an integer >= 2"),
        (["--dataset=no_such.npz"], "--dataset=no_such.npz: no such .npz file"),
    ]
    for args, message in cases:
        code, out, err = run_evaluate(capsys, f"--saved_model={export}", *args)
        errors = [line for line in err.splitlines() if "error:" in line]
        assert code == 2 and len(errors) == 1 and message in errors[0], (args, err)


def test_evaluate_entry_point_exits_2_without_traceback(monkeypatch, capsys):
    from keras_wgan.cli import evaluate

    monkeypatch.setattr(sys, "argv", ["keras-wgan-evaluate", "--saved_model=nowhere"])
    with pytest.raises(SystemExit) as exit_info:
        evaluate.run()
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and out == ""
    assert err.strip().splitlines() == [
        "keras_wgan.evaluation: error: --saved_model=nowhere: no saved_model.pb there (expected "
        "an export version directory such as exports/NAME/1)"
    ]
