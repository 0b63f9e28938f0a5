"""The speed benchmark (benchmarks/speed.py): its FLOP counter, its peak, its reference."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


benchmark = load_script("speed")


def test_benchmark_runs_end_to_end_and_ends_with_a_json_line(capsys):
    assert (
        benchmark.main(
            [
                "--architecture=mlp",
                "--units=8",
                "--batch_size=8",
                "--critic_steps=2",
                "--steps=2",
                "--block_steps=1",
                "--warmup_steps=1",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in (
        "critic_images_per_s",
        "generator_steps_per_s",
        "gflops_per_s",
        "gflop_per_step",
        "load_average_before",
        "ratio",
        "cpu_ratio",
    ):
        assert key in result, key
    for key in ("critic_images_per_s", "generator_steps_per_s", "gflops_per_s"):
        assert result["reference"][key] > 0
    assert result["critic_images_per_s"] > 0 and result["ratio"] > 0
    assert len(result["step_times"]) == 2
    peaks = result["matmul_peak_gflops"]  # measured on this machine, not assumed
    assert peaks["float32"] > 0 and peaks["mixed_bfloat16"] > 0
    assert result["peak_share"] == pytest.approx(
        result["gflops_per_s"] / peaks[result["precision"]], abs=2e-3
    )
    cpu_peaks = result["matmul_peak_gflops_per_cpu_second"]
    assert cpu_peaks["float32"] > 0 and cpu_peaks["mixed_bfloat16"] > 0
    cpu_rate = result["gflop_per_step"] / result["cpu_seconds_per_step"]
    assert result["cpu_peak_share"] == pytest.approx(
        cpu_rate / cpu_peaks[result["precision"]], rel=0.05, abs=2e-3
    )


def test_reference_computes_every_convolution_the_plain_way(monkeypatch):
    from keras_wgan.layers import PatchConv2D

    monkeypatch.setattr(
        benchmark, "FLAGS", benchmark._parser().parse_args(["--architecture=kerasio"])
    )
    images = np.zeros((8, 28, 28, 1), "float32")
    model, _ = benchmark._reference((28, 28, 1), images)
    convs = [l for l in model.discriminator.layers if isinstance(l, PatchConv2D)]
    assert len(convs) == 4
    x = tf.zeros((1, 4, 4, 256))
    assert not any(c._uses_patches(x) for c in convs)


def test_count_flops_of_a_dense_layer_is_the_analytic_count():
    layer = keras.layers.Dense(3)
    layer.build((None, 5))
    # MatMul 2 * 4 * 5 * 3 and BiasAdd 4 * 3.
    assert benchmark.count_flops(layer, tf.TensorSpec((4, 5), tf.float32)) == 132


def test_count_flops_leaves_out_ops_nothing_uses():
    layer = keras.layers.Dense(3)
    layer.build((None, 5))

    def fn(x):
        layer(x * 2.0)  # unused: pruned before running, not counted
        return layer(x)

    assert benchmark.count_flops(fn, tf.TensorSpec((4, 5), tf.float32)) == 132


def test_matmul_peak_is_measured_for_both_precisions_and_both_clocks():
    import time

    for precision in ("float32", "mixed_bfloat16"):
        for clock in (time.perf_counter, time.process_time):
            peak = benchmark.matmul_peak_gflops(
                precision, size=256, repeats=2, products=2, clock=clock
            )
            assert np.isfinite(peak) and peak > 0, (precision, clock)


def test_default_images_are_made_not_read_from_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "FLAGS", benchmark._parser().parse_args([]))
    path, images = benchmark._dataset((28, 28, 1), str(tmp_path))
    assert Path(path).parent == tmp_path
    assert images.shape == (5000, 28, 28, 1) and images.min() >= -1 and images.max() <= 1


def test_the_benchmark_is_a_script_not_a_module_of_the_package():
    # (Not find_spec: an editable install of another checkout may still map the name.)
    assert not (ROOT / "keras_wgan" / "benchmark.py").exists()
    assert (ROOT / "benchmarks" / "speed.py").is_file()


def test_toy_quality_script_reports_the_ratio_with_its_error(tmp_path):
    # A subprocess: the script defines absl flags that train_main also defines.
    # 1100 samples: more than one request to serving_default may hold (max_samples 1024).
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(root))
    done = subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks" / "toy_quality.py"),
            "--datasets=8gaussians",
            "--train_steps=3",
            "--batch_size=16",
            "--samples=1100",
            "--eval_seeds=2",
            "--floor_seeds=3",
            f"--output_dir={tmp_path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])["8gaussians"]
    assert result["eval_seeds"] == 2 and result["floor_seeds"] == 3
    assert result["floor"] > 0 and result["floor_error"] > 0 and result["w1"] > 0
    assert result["ratio"] == pytest.approx(result["w1"] / result["floor"])
    assert result["ratio_error"] > 0 and len(result["ratio_per_seed"]) == 2
    assert result["generator_steps"] == 3


def test_truncation_script_scores_each_threshold_with_the_core(tmp_path, monkeypatch, capsys):
    from keras_wgan import WassersteinGAN, architectures
    from keras_wgan.evaluation.metrics import base

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 90)
    images = rng.integers(0, 60, (90, 28, 28, 1))
    for i, label in enumerate(labels):  # class-dependent blobs, for the classifier to learn
        images[i, 6 * label : 6 * label + 8, 4:24] += 180
    np.savez(tmp_path / "data.npz", images=images.astype(np.uint8), labels=labels)
    keras.utils.set_random_seed(0)
    generator, critic = architectures.build("dcgan", (28, 28, 1), latent_dim=8, filters=4)
    gan = WassersteinGAN(generator, critic, seed=0)
    gan.compile()
    gan.save(tmp_path / "gan.keras")

    class Precision(base.Metric):  # a stand-in: the script reads the core's "precision"
        name, needs = "precision", base.FEATURES

        def compute(self, fake, real, reference, labels=None):
            return {"precision": float(len(fake)) / 1000.0}

        def describe(self, reference):
            return {"precision": "a stand-in"}

    monkeypatch.setitem(base._REGISTRY, "precision", Precision())
    script = load_script("truncation")
    script.main(
        [
            f"--data={tmp_path / 'data.npz'}",
            f"--checkpoint={tmp_path / 'gan.keras'}",
            "--num_samples=60",
            f"--classifier={tmp_path / 'classifier.keras'}",
            "--classifier_epochs=1",
            "--thresholds=none,1",
        ]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    table = lines[lines.index(next(line for line in lines if line.split()[0] == "truncation")) :]
    assert table[0].split() == ["truncation", "FD", "precision", "recall", "coverage"]
    assert [row.split()[:1] + row.split()[2:4] for row in table[1:3]] == [
        ["none", "0.060", "-"],
        ["1", "0.060", "-"],
    ]
    result = json.loads(lines[-1])
    assert [row["truncation"] for row in result["rows"]] == [None, 1.0]
    assert all(row["fd"] > 0 and row["recall"] is None for row in result["rows"])
    assert result["generator_steps"] == 0 and result["num_samples"] == 60
