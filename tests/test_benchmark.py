"""The speed work: the benchmark, its FLOP counter, mixed precision and jit_compile."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import benchmark, data, penalties, training


def test_benchmark_runs_end_to_end_and_ends_with_a_json_line(capsys):
    assert benchmark.main(["--architecture=mlp", "--units=8", "--batch_size=8",
                           "--critic_steps=2", "--steps=2", "--block_steps=1",
                           "--warmup_steps=1"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("critic_images_per_s", "generator_steps_per_s", "gflops_per_s",
                "gflop_per_step", "load_average_before", "ratio", "cpu_ratio"):
        assert key in result, key
    for key in ("critic_images_per_s", "generator_steps_per_s", "gflops_per_s"):
        assert result["reference"][key] > 0
    assert result["critic_images_per_s"] > 0 and result["ratio"] > 0
    assert len(result["step_times"]) == 2


def test_reference_computes_every_convolution_the_plain_way(monkeypatch):
    from keras_wgan.layers import PatchConv2D

    monkeypatch.setattr(benchmark, "FLAGS", benchmark._parser().parse_args(
        ["--architecture=kerasio"]))
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


def _toy_gan(mixed_precision, **options):
    return training.build_gan((2,), architecture="mlp", units=16, depth=2, critic_steps=2,
                              penalty="gp", seed=0, mixed_precision=mixed_precision, **options)


def test_mixed_bfloat16_step_keeps_scores_penalty_and_weights_float32():
    gan = _toy_gan("mixed_bfloat16")
    assert keras.mixed_precision.global_policy().name == "float32"  # left as it was
    assert gan.critic.layers[2].compute_dtype == "bfloat16"
    x = tf.random.normal((8, 2))
    assert gan.critic(x).dtype == tf.float32
    assert gan.generator(tf.random.normal((8, 2))).dtype == tf.float32
    assert penalties.gradient_penalty(gan.critic, x, x + 1.0).dtype == tf.float32
    gan.compile()
    batches, _ = data.load("8gaussians", batch_size=16, seed=0)
    history = gan.fit(batches, steps_per_epoch=3, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name
    assert history.history["penalty"][0] > 0
    variables = gan.critic.variables + gan.generator.variables
    assert variables and all(v.dtype == "float32" for v in variables)
    assert all(np.all(np.isfinite(v.numpy())) for v in variables)


@pytest.mark.parametrize("penalty", ["gp", "lp"])
def test_float16_with_a_gradient_penalty_is_refused(penalty, tmp_path):
    with pytest.raises(ValueError, match="not supported: with a gradient penalty.*loss scaling"):
        training.resolve_mixed_precision("mixed_float16", penalty)
    with pytest.raises(ValueError, match="mixed_float16"):
        training.train("8gaussians", penalty=penalty, mixed_precision="mixed_float16",
                       train_steps=1, output_dir=tmp_path, export_dir=None, verbose=0)


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="mixed_precision must be one of auto"):
        training.resolve_mixed_precision("bfloat16")


def test_auto_precision_follows_the_cpu_flags(tmp_path, monkeypatch):
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    with_bf16 = tmp_path / "cpuinfo_bf16"
    with_bf16.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16\n")
    without = tmp_path / "cpuinfo"
    without.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n")
    assert training.bfloat16_supported(str(with_bf16))
    assert not training.bfloat16_supported(str(without))
    assert not training.bfloat16_supported(str(tmp_path / "missing"))
    monkeypatch.setattr(training, "bfloat16_supported", lambda: False)
    assert training.resolve_mixed_precision("auto") == "float32"
    monkeypatch.setattr(training, "bfloat16_supported", lambda: True)
    assert training.resolve_mixed_precision("auto") == "mixed_bfloat16"
    assert training.resolve_mixed_precision("float32") == "float32"


def test_compile_keeps_keras_auto_jit_compile():
    gan = _toy_gan("float32")
    gan.compile()
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert gan.jit_compile is on_gpu  # Keras' "auto": XLA on a GPU, not on CPU


def test_explicit_jit_compile_trains_a_tiny_model():
    gan = _toy_gan("float32")
    gan.compile(jit_compile=True)
    assert gan.jit_compile is True
    batches, _ = data.load("8gaussians", batch_size=16, seed=0)
    history = gan.fit(batches, steps_per_epoch=2, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert int(gan.critic_optimizer.iterations) == 4


def test_train_main_flags_map_one_to_one_onto_train():
    from keras_wgan import train_main

    keywords = [name for name, p in inspect.signature(training.train).parameters.items()]
    assert sorted(train_main.TRAIN_FLAGS) == sorted(keywords)
    assert train_main.FLAGS["mixed_precision"].default == "auto"
    assert train_main.FLAGS["jit_compile"].default == "auto"


def test_toy_quality_script_reports_the_ratio_with_its_error(tmp_path):
    # A subprocess: the script defines absl flags that train_main also defines.
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(root))
    done = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "toy_quality.py"), "--datasets=8gaussians",
         "--train_steps=3", "--batch_size=16", "--samples=200", "--eval_seeds=2",
         "--floor_seeds=3", f"--output_dir={tmp_path}"],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])["8gaussians"]
    assert result["eval_seeds"] == 2 and result["floor_seeds"] == 3
    assert result["floor"] > 0 and result["floor_error"] > 0 and result["w1"] > 0
    assert result["ratio"] == pytest.approx(result["w1"] / result["floor"])
    assert result["ratio_error"] > 0 and len(result["ratio_per_seed"]) == 2
    assert result["generator_steps"] == 3
