"""Smoke test of benchmarks/image_quality.py on a tiny synthetic Fashion-MNIST."""

import gzip
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The table's columns; beside FD: precision, recall, density, coverage, classifier score,
# memorisation.
HEADER = ["model", "seconds", "steps", "FD", "coverage", "SWD", "W1px"]
HEADER += ["prec", "recall", "dens", "kNNcov", "CS", "memo"]


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _fashion_like_idx_folder(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "fashion"
    data.mkdir()
    for prefix, n in (("train", 400), ("t10k", 100)):
        labels = rng.integers(0, 10, n)
        # Class-dependent blobs, so that the classifier has something to learn.
        images = rng.integers(0, 60, (n, 28, 28))
        for i, label in enumerate(labels):
            images[i, 2 * label : 2 * label + 8, 4:24] += 180
        _write_idx(data / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(data / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return data


def test_main_mode_prints_the_table(tmp_path):
    data = _fashion_like_idx_folder(tmp_path)
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "benchmarks", "image_quality.py"),
            f"--data_dir={data}",
            f"--output_dir={tmp_path / 'out'}",
            f"--classifier={tmp_path / 'classifier.keras'}",
            "--classifier_epochs=1",
            "--minutes=5",
            "--eval_every_minutes=5",
            "--max_steps=2",
            "--eval_samples=100",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("model"))
    assert header.split() == HEADER
    rows = json.loads(lines[-1])
    assert [row["model"] for row in rows] == [
        "real train",
        "blurred train",
        "uniform noise",
        "package",
        "reference",
    ]
    for row in rows[3:]:
        assert row["steps"] == 2 and row["seconds"] > 0
        assert row["fd"] > 0 and 0 <= row["coverage"] <= np.log(10) + 1e-6
    # The test images' own features: real training images are far closer than noise, by
    # every distance of the evaluation core.
    for metric in ("fd", "swd", "w1_pixel", "w1_feature"):
        assert rows[0][metric] < rows[2][metric], metric
    # Training images are in the training set: all "memorised"; noise is not.
    assert rows[0]["memorisation"] == 1.0 and rows[2]["memorisation"] < 0.5
    assert rows[0]["precision"] > rows[2]["precision"]
    for row in rows:
        assert 0 <= row["recall"] <= 1 and 0 <= row["knn_coverage"] <= 1
        assert row["density"] >= 0 and 1 <= row["classifier_score"] <= 10
    assert (tmp_path / "out" / "samples_package_vs_reference.png").exists()
    # Both generators are kept for later scoring.
    assert (tmp_path / "out" / "package" / "model.keras").exists()
    assert (tmp_path / "out" / "reference_generator.keras").exists()


def test_conditional_mode_adds_conditional_accuracy_and_intra_fid(tmp_path):
    data = _fashion_like_idx_folder(tmp_path)
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    command = [
        sys.executable,
        os.path.join(REPO, "benchmarks", "image_quality.py"),
        "--conditional",
        f"--data_dir={data}",
        f"--output_dir={tmp_path / 'out'}",
        f"--classifier={tmp_path / 'classifier.keras'}",
        "--classifier_epochs=1",
        "--minutes=5",
        "--eval_every_minutes=5",
        "--max_steps=2",
        "--eval_samples=100",
    ]
    refused = subprocess.run(
        [*command, "--conditionings=projection,bogus"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert refused.returncode == 2
    assert "conditionings: unknown 'bogus'" in refused.stderr
    out = subprocess.run(
        [*command, "--conditionings=projection,auxiliary"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("model"))
    assert header.split() == [*HEADER, "cond.", "acc.", "intra-FID"]
    rows = json.loads(lines[-1])
    assert [row["model"] for row in rows] == [
        "real train",
        "blurred train",
        "uniform noise",
        "cond projection",
        "cond auxiliary",
    ]
    for row in rows[3:]:
        assert row["steps"] == 2 and row["fd"] > 0
        assert 0 <= row["conditional_accuracy"] <= 1 and row["intra_fid"] > 0
    assert "conditional_accuracy" not in rows[0]
    for name in ("samples_projection.png", "samples_auxiliary.png", "samples_conditional.png"):
        assert (tmp_path / "out" / name).exists()

    # --resume continues the runs from their checkpoints; seconds count on.
    again = subprocess.run(
        [
            *command[:-2],
            "--max_steps=4",
            "--eval_samples=100",
            "--conditionings=projection",
            "--resume",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    resumed = json.loads(again.stdout.splitlines()[-1])[3]
    assert resumed["model"] == "cond projection" and resumed["steps"] == 4
    assert resumed["seconds"] > rows[3]["seconds"]


def _ablation(tmp_path, data, settings, *extra):
    """The ablation mode for 2 steps of `settings` on `tmp_path / data`, a fresh classifier."""
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "benchmarks", "image_quality.py"),
            "--ablation",
            f"--ablation_data={tmp_path / data}",
            f"--output_dir={tmp_path / 'out'}",
            f"--classifier={tmp_path / 'classifier.keras'}",
            "--classifier_epochs=1",
            "--steps=2",
            f"--settings={settings}",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_ablation_scores_the_ema_and_the_trained_generator_of_the_default_dcgan(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    images = rng.integers(0, 60, (200, 28, 28, 1))
    for i, label in enumerate(labels):
        images[i, 2 * label : 2 * label + 8, 4:24] += 180
    np.savez(tmp_path / "digits.npz", images=images.astype(np.uint8), labels=labels)
    out = _ablation(
        tmp_path, "digits.npz", "dcgan_cs3_lr2e-4_ema", f"--results={tmp_path / 'r.jsonl'}"
    )
    assert out.returncode == 0, out.stderr[-3000:]
    header = "FD in the features of keras_wgan MNIST 5k classifier"
    assert any(line.startswith(header) for line in out.stdout.splitlines())
    (row,) = json.loads(out.stdout.splitlines()[-1])
    assert row["steps"] == 2 and row["options"]["critic_steps"] == 3
    # The run's settings name the architecture the default resolved to (dcgan for 28x28).
    assert row["options"]["ema_decay"] == 0.999 and row["options"]["architecture"] == "dcgan"
    assert row["fd"] > 0 and row["fd_trained_generator"] > 0
    assert os.path.exists(row["samples"]) and os.path.exists(row["samples_trained_generator"])
    assert json.loads((tmp_path / "r.jsonl").read_text()) == row


def _emoji_like_set(tmp_path, per_subgroup=34):
    """A tiny emoji-like set: 3 groups of 2 subgroups (>= one step of 64 x 3), folder and .npz."""
    from PIL import Image

    rng = np.random.default_rng(0)
    class_names = ["animals", "faces", "flags"]
    subgroup_names = [f"sub{k}" for k in range(6)]
    folder = tmp_path / "emoji_tiny"
    images, groups, subgroups = [], [], []
    for subgroup in range(6):
        group = subgroup // 2
        colour = np.array([(subgroup * 40) % 256, 200 - group * 60, 50 + group * 80])
        for i in range(per_subgroup):
            image = np.full((32, 32, 3), 255, np.int64)
            top = 4 + (i % 4)
            image[top : top + 16, 6 + 2 * subgroup : 22 + 2 * subgroup] = colour
            image = np.clip(image + rng.integers(-20, 20, image.shape), 0, 255).astype(np.uint8)
            (folder / class_names[group]).mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / class_names[group] / f"{subgroup}_{i:03d}.png")
            images.append(image)
            groups.append(group)
            subgroups.append(subgroup)
    # The .npz holds the images in the folder's file order, as benchmarks/emoji_data.py writes.
    order = sorted(range(len(images)), key=lambda k: (groups[k], subgroups[k], k))
    np.savez(
        tmp_path / "emoji_tiny.npz",
        images=np.stack([images[k] for k in order]),
        labels=np.array([groups[k] for k in order], np.int32),
        class_names=np.array(class_names),
        subgroups=np.array([subgroups[k] for k in order], np.int32),
        subgroup_names=np.array(subgroup_names),
        emoji_names=np.array([f"emoji {k}" for k in order]),
    )
    return folder


def _run(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "benchmarks", "image_quality.py"),
            *args,
            f"--output_dir={tmp_path / 'out'}",
            f"--classifier={tmp_path / 'classifier.keras'}",
            "--classifier_epochs=2",
            "--minutes=5",
            "--eval_every_minutes=5",
            "--max_steps=2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
def test_emoji_main_mode_trains_the_package_and_both_references_on_the_folder(tmp_path):
    folder = _emoji_like_set(tmp_path)
    out = _run([f"--data={folder}"], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("model"))
    assert header.split() == [*HEADER, "KID"]
    # The real data's own group entropy is printed beside the generated images' coverage.
    real_entropy = -3 * (1 / 3) * np.log(1 / 3)
    assert any(f"real images {real_entropy:.3f} by their labels" in line for line in lines)
    rows = json.loads(lines[-1])
    assert [row["model"] for row in rows] == [
        "real flipped",
        "blurred real",
        "uniform noise",
        "package",
        "kerasio ref",
        "gan_cifar ref",
    ]
    for row in rows[3:]:
        assert row["steps"] == 2 and row["seconds"] > 0 and row["fd"] > 0
        # Coverage is over the 3 groups, not the 6 subgroups the classifier knows.
        assert 0 <= row["coverage"] <= np.log(3) + 1e-6
        assert np.isfinite(row["kid"])
    assert rows[0]["kid"] < rows[2]["kid"] and rows[0]["fd"] < rows[2]["fd"]
    out_dir = tmp_path / "out"
    assert (out_dir / "samples_package_vs_references.png").exists()
    assert (out_dir / "package" / "model.keras").exists()
    for name in ("kerasio", "gan_cifar"):
        assert (out_dir / f"reference_{name}_generator.keras").exists()
    # The package trained on the folder, as a user's folder is: 32x32 colour.
    settings = json.loads(next(line for line in lines if line.startswith("package settings"))[18:])
    assert settings["architecture"]


@pytest.mark.slow
def test_emoji_conditional_mode_reports_the_group_accuracy(tmp_path):
    folder = _emoji_like_set(tmp_path)
    out = _run([f"--data={folder}", "--conditional", "--conditionings=projection"], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = json.loads(out.stdout.splitlines()[-1])
    assert [row["model"] for row in rows][3:] == ["cond projection"]
    row = rows[3]
    assert 0 <= row["conditional_accuracy"] <= 1 and row["intra_fid"] > 0
    assert (tmp_path / "out" / "samples_conditional.png").exists()


@pytest.mark.slow
def test_ablation_on_an_emoji_npz_scores_in_the_subgroup_classifier_over_the_groups(tmp_path):
    _emoji_like_set(tmp_path)
    out = _ablation(tmp_path, "emoji_tiny.npz", "dcgan_cs3_lr2e-4_ada")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "trained the emoji_tiny subgroups classifier" in out.stdout
    # The classifier knows the 6 subgroups; the coverage is over the 3 groups.
    import keras

    assert keras.saving.load_model(tmp_path / "classifier.keras").output_shape[-1] == 6
    (row,) = json.loads(out.stdout.splitlines()[-1])
    assert 0 <= row["coverage"] <= np.log(3) + 1e-6 and row["fd"] > 0
    assert row["options"]["augment"] == "color,translation,cutout"
    assert row["options"]["augment_target"] == 0.6
    # 2 steps of 3 x 64 real images move p by at most 384 / 500,000.
    assert 0 <= row["options"]["augment_p"] <= 384 / 500_000 + 1e-6


def test_emoji_data_must_be_a_folder_with_its_npz(tmp_path):
    (tmp_path / "lonely").mkdir()
    out = _run([f"--data={tmp_path / 'lonely'}"], tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("error: data:") and out.stderr.count("\n") == 1


def _reference_wgan():
    spec = importlib.util.spec_from_file_location(
        "benchmarks_reference_wgan", os.path.join(REPO, "benchmarks", "reference_wgan.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gan_cifar_networks_are_those_of_gan_cifar_py():
    import keras

    reference_wgan = _reference_wgan()
    generator, critic = reference_wgan.gan_cifar_networks((32, 32, 3))
    dim = reference_wgan.DIM

    def of(model, kind):
        return [layer for layer in model.layers if type(layer) is kind]

    (dense,) = of(generator, keras.layers.Dense)
    assert dense.units == 4 * 4 * 4 * dim and generator.input_shape == (None, 128)
    deconvs = of(generator, keras.layers.Conv2DTranspose)
    assert [layer.filters for layer in deconvs] == [2 * dim, dim, 3]
    assert len(of(generator, keras.layers.BatchNormalization)) == 3  # after Dense, deconvs 1-2
    assert generator.output_shape == (None, 32, 32, 3)
    assert deconvs[-1].activation.__name__ == "tanh"
    convs = of(critic, keras.layers.Conv2D)
    assert [layer.filters for layer in convs] == [dim, 2 * dim, 4 * dim]
    assert not of(critic, keras.layers.BatchNormalization)  # no normalisation in the critic
    assert [layer.negative_slope for layer in of(critic, keras.layers.LeakyReLU)] == [0.2] * 3
    for layer in convs + deconvs:
        assert layer.kernel_size == (5, 5) and layer.strides == (2, 2)
    assert of(critic, keras.layers.Dense)[0].units == 1
    # At 64 px one block deeper, as gan_64x64.py: 8*DIM at 4x4.
    generator, critic = reference_wgan.gan_cifar_networks((64, 64, 3))
    assert of(generator, keras.layers.Dense)[0].units == 4 * 4 * 8 * dim
    assert [layer.filters for layer in of(critic, keras.layers.Conv2D)][-1] == 8 * dim
    assert generator.output_shape == (None, 64, 64, 3)


def test_gan_cifar_step_makes_five_critic_updates_on_their_own_batches():
    reference_wgan = _reference_wgan()
    model = reference_wgan.build_reference(sample_shape=(32, 32, 3), networks="gan_cifar")
    images = np.random.default_rng(0).integers(0, 256, (5 * 64, 32, 32, 3), np.uint8)
    model.fit(
        reference_wgan.reference_batches(images, batch_size=5 * 64), steps_per_epoch=1, verbose=0
    )
    assert int(model.d_optimizer.iterations.numpy()) == 5
    assert int(model.g_optimizer.iterations.numpy()) == 1
    assert float(model.d_optimizer.learning_rate.numpy()) == pytest.approx(1e-4)
    colour = reference_wgan.build_reference(sample_shape=(32, 32, 3))
    assert colour.generator.output_shape == (None, 32, 32, 3) and colour.d_steps == 3
