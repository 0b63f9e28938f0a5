"""Smoke test of benchmarks/image_quality.py on a tiny synthetic Fashion-MNIST."""

import gzip
import json
import os
import subprocess
import sys

import numpy as np

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


def test_ablation_scores_the_ema_and_the_trained_generator_of_the_default_dcgan(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    images = rng.integers(0, 60, (200, 28, 28, 1))
    for i, label in enumerate(labels):
        images[i, 2 * label : 2 * label + 8, 4:24] += 180
    np.savez(tmp_path / "digits.npz", images=images.astype(np.uint8), labels=labels)
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "benchmarks", "image_quality.py"),
            "--ablation",
            f"--ablation_data={tmp_path / 'digits.npz'}",
            f"--output_dir={tmp_path / 'out'}",
            f"--classifier={tmp_path / 'classifier.keras'}",
            "--classifier_epochs=1",
            "--steps=2",
            "--settings=dcgan_cs3_lr2e-4_ema",
            f"--results={tmp_path / 'r.jsonl'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
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
