"""Sizes and CPU latency of exported generators: SavedModel vs TFLite.

Builds two generators with untrained weights (size and latency do not depend
on training), exports each with `keras_wgan.export.export_generator` (all
TFLite quantizations) into a temporary directory, and prints one table row
per (model, format): the file size and the median time to generate 64
samples through `serving_default`, for the SavedModel loaded with
`tf.saved_model.load` and for each `.tflite` file run by the LiteRT
interpreter (`ai_edge_litert`).

Models:
* mlp: the WGAN-GP toy networks (units=512, depth=3, latent 2, 2-D samples);
* dcgan: 28x28x1 images (filters=64, latent 128).

Run from the repository root:

    python benchmarks/export_latency.py [--repeats=20] [--budget_seconds=3]
        [--batch_size=64] [--threads=N]

Each format is timed for at most `--budget_seconds` (at least 3 calls):
the dynamic-int8 dcgan takes seconds per call here (its TRANSPOSE_CONV
layers run with int8 weights on float activations, far slower than float),
so the whole run stays within a few minutes.
"""

import os
import statistics
import sys
import tempfile
import time

from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter  # noqa: E402

from keras_wgan import WassersteinGAN, architectures  # noqa: E402
from keras_wgan.export import TFLITE_QUANTIZATIONS, export_generator  # noqa: E402

flags.DEFINE_integer("repeats", 20, "Most timed calls per format (after one warmup call).")
flags.DEFINE_float(
    "budget_seconds", 3.0, "Stop timing a format after this long (but time at least 3 calls)."
)
flags.DEFINE_integer("batch_size", 64, "Samples per call.")
flags.DEFINE_integer(
    "threads",
    len(os.sched_getaffinity(0)),
    "Threads for TensorFlow's ops and for the TFLite interpreter.",
)
FLAGS = flags.FLAGS

MODELS = {
    "mlp": dict(sample_shape=(2,), latent_dim=2, units=512, depth=3),
    "dcgan": dict(sample_shape=(28, 28, 1), latent_dim=128, filters=64),
}


def median_ms(fn, repeats, budget_seconds):
    """Median wall time of fn() in ms and the calls timed, after one untimed call.

    Times `repeats` calls, or fewer (at least 3) once `budget_seconds` have
    passed: some formats take seconds per call.
    """
    fn()
    times = []
    while len(times) < repeats and (len(times) < 3 or sum(times) < budget_seconds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), len(times)


def directory_size(path):
    return sum(
        os.path.getsize(os.path.join(root, name))
        for root, _, names in os.walk(path)
        for name in names
    )


def benchmark(name, options, export_dir):
    """(generator parameters, rows (format, size in bytes, median ms, calls timed))."""
    options = dict(options)
    sample_shape = options.pop("sample_shape")
    generator, critic = architectures.build(name, sample_shape, **options)
    gan = WassersteinGAN(generator, critic, seed=0)
    result = export_generator(
        gan, export_dir, model_name=name, tflite_quantization=TFLITE_QUANTIZATIONS, save_keras=False
    )
    latent = (
        np.random.default_rng(0)
        .standard_normal((FLAGS.batch_size, gan.latent_dim))
        .astype(np.float32)
    )
    timing = dict(repeats=FLAGS.repeats, budget_seconds=FLAGS.budget_seconds)

    serve = tf.saved_model.load(result.saved_model_dir).signatures["serving_default"]
    latent_tensor = tf.constant(latent)
    rows = [
        (
            "SavedModel",
            directory_size(result.saved_model_dir),
            *median_ms(lambda: serve(latent=latent_tensor), **timing),
        )
    ]
    for quantization, path in result.tflite_paths.items():
        interpreter = Interpreter(model_path=path, num_threads=FLAGS.threads)
        runner = interpreter.get_signature_runner("serving_default")
        rows.append(
            (
                f"TFLite {quantization}",
                os.path.getsize(path),
                *median_ms(lambda runner=runner: runner(latent=latent), **timing),
            )
        )
    return gan.generator.count_params(), rows


def main(argv):
    del argv
    tf.config.threading.set_intra_op_parallelism_threads(FLAGS.threads)
    tf.config.threading.set_inter_op_parallelism_threads(FLAGS.threads)
    print(
        f"TensorFlow {tf.__version__}, {FLAGS.threads} threads, batch of "
        f"{FLAGS.batch_size} samples, median of up to {FLAGS.repeats} calls",
        flush=True,
    )
    print(
        f"{'model':<6} {'params':>10} {'format':<20} {'size MiB':>9} {'median ms':>10} "
        f"{'calls':>5}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as export_dir:
        for name, options in MODELS.items():
            params, rows = benchmark(name, options, export_dir)
            for fmt, size, ms, calls in rows:
                print(
                    f"{name:<6} {params:>10,} {fmt:<20} {size / 2**20:>9.3f} {ms:>10.1f} "
                    f"{calls:>5}",
                    flush=True,
                )


if __name__ == "__main__":
    app.run(main)
