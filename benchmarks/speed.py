"""Training-step throughput: the package's real path against a plain keras.io WGAN-GP step.

    python benchmarks/speed.py --architecture=kerasio --batch_size=64 --critic_steps=3
    python benchmarks/speed.py --dataset=path/to/digits.npz     # real 28x28x1 images

Two models train on the same networks (`architectures.build`) and
hyperparameters (Adam(1e-4, 0.5, 0.9), penalty weight 10, `critic_steps`
critic updates of `batch_size` samples per generator update):

* ours: what `training.train()` runs with its defaults, the data pipeline of
  `keras_wgan.data.load` (an `.npz` file, or the toy data for `mlp`) and
  `WassersteinGAN.fit`, with the default `mixed_precision="auto"` and
  `jit_compile="auto"`;
* the reference: the keras.io WGAN-GP example's training step written the
  plain way (`ReferenceWGAN`): float32, separate critic calls on the real and
  the generated batch, the penalty's input gradient by a nested
  `GradientTape`, the generator's forward pass inside the critic's tape,
  every convolution by the backend (`PatchConv2D` layers set to
  `implementation="conv"`, i.e. plain `Conv2D`), compiled the default way,
  fed from an in-memory `tf.data` pipeline.

Both run in the same process, in alternating blocks of `--block_steps` train
steps (ours, reference, ours, ...) after a warm-up, so that the load of a
shared machine falls on both alike. A callback records the wall time of every
train step (`steps_per_execution=1`); the table reports the median. The
machine's load average (`os.getloadavg`) is recorded before and after.

The FLOP count of a train step is TensorFlow's own: the `float_ops` of the
profiler (`tf.compat.v1.profiler`, the registered "flops" statistics of every
op: Conv2D, its two backprop ops, MatMul, BiasAdd, elementwise ops) summed
over the graph of the traced `train_step` with a static batch, i.e. the
forward, backward and double-backward passes of all critic updates and the
generator update. The share of the machine's peak is measured, not assumed:
the best rate of a few timed 2048x2048 `tf.linalg.matmul`s in float32 and in
bfloat16, in the same process before the training steps. On a machine shared
with other jobs the wall-clock peak is as disturbed as the step, and not
alike (a few short products against many long steps), so a second share is
reported in CPU time: the step's FLOPs per CPU second of the process against
the products' FLOPs per CPU second (`cpu_peak_share`). The last line printed
is one JSON object.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

# The reference lives beside this script (benchmarks/reference_wgan.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_wgan import reference_class  # noqa: E402

FLAGS = argparse.Namespace()  # the parsed command line, set by main()


def _parser():
    p = argparse.ArgumentParser(
        prog="python benchmarks/speed.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--architecture", default="kerasio", help="mlp, dcgan, kerasio or resnet.")
    p.add_argument("--batch_size", type=int, default=64, help="Samples per critic update.")
    p.add_argument(
        "--critic_steps", type=int, default=3, help="Critic updates per generator update."
    )
    p.add_argument(
        "--steps", type=int, default=12, help="Timed train steps of each model (after warm-up)."
    )
    p.add_argument(
        "--block_steps",
        type=int,
        default=3,
        help="Train steps per block; blocks of the two models alternate.",
    )
    p.add_argument("--warmup_steps", type=int, default=2, help="Untimed train steps first.")
    p.add_argument(
        "--image_shape",
        default=None,
        help="Sample shape as H,W,C (default: 28,28,1 for kerasio, 32,32,3 for "
        "dcgan and resnet, 2 for mlp).",
    )
    p.add_argument(
        "--dataset",
        default=None,
        help="An .npz of uint8 images for both (default: random images of the "
        "sample shape written to a temporary .npz, the step's cost does not "
        "depend on the pictures; 8gaussians for mlp).",
    )
    p.add_argument(
        "--mixed_precision",
        default="auto",
        help="Ours: auto (the default of training.train), float32 or mixed_bfloat16.",
    )
    p.add_argument("--no_reference", dest="reference", action="store_false", help="Time ours only.")
    p.add_argument(
        "--no_flops", dest="count_flops", action="store_false", help="Skip the FLOP count."
    )
    p.add_argument("--units", type=int, default=None, help="mlp: units per hidden layer.")
    p.add_argument("--filters", type=int, default=None, help="dcgan: base filters.")
    p.add_argument("--channels", type=int, default=None, help="resnet: channels.")
    return p


_DEFAULT_SHAPES = {"kerasio": (28, 28, 1), "dcgan": (32, 32, 3), "resnet": (32, 32, 3), "mlp": (2,)}


def count_flops(fn, *input_specs):
    """Floating-point operations of one call of `fn`, by TensorFlow's FLOP statistics.

    `fn` is traced with `tf.function` for the given `tf.TensorSpec`s (static
    shapes); nothing is executed. The count is the sum of the "flops"
    statistic TensorFlow registers for each op type (the one
    `tf.compat.v1.profiler`'s float_ops sums: 2 per multiply-add of
    Conv2D/MatMul and of their backprop ops, one per element of BiasAdd and
    elementwise ops) over the ops that run: those the function's outputs and
    side effects (variable updates) depend on. Gradient code builds ops that
    nothing uses (e.g. a tape's gradients into a generator whose variables it
    watched but was not asked about); TensorFlow prunes them before running,
    and so does this count.

    Example: a Dense(3) layer on a [4, 5] batch is 2*4*5*3 (MatMul) + 4*3
    (BiasAdd) = 132 FLOPs.
    """
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops

    graph = tf.function(fn).get_concrete_function(*input_specs).graph
    live, stack = set(), [t.op for t in graph.outputs] + list(graph.control_outputs)
    while stack:
        op = stack.pop()
        if op.name not in live:
            live.add(op.name)
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
    total = 0
    for op in graph.get_operations():
        if op.name not in live:
            continue
        try:
            value = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value
        except (ValueError, TypeError):  # no registered statistic
            continue
        total += value or 0
    return int(total)


class StepTimer:
    """A Keras callback recording the wall and CPU time of every train step (batch).

    The CPU time (`time.process_time`, all threads of the process) is the
    steadier measure on a machine shared with other jobs: it counts the work
    done, not the time waited for a core.
    """

    def __new__(cls):
        import keras

        class _StepTimer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.times, self.cpu_times = [], []

            def on_train_batch_begin(self, batch, logs=None):
                self._start = time.perf_counter(), time.process_time()

            def on_train_batch_end(self, batch, logs=None):
                self.times.append(time.perf_counter() - self._start[0])
                self.cpu_times.append(time.process_time() - self._start[1])

        return _StepTimer()


def _sample_shape():
    if FLAGS.image_shape:
        return tuple(int(d) for d in FLAGS.image_shape.split(","))
    return _DEFAULT_SHAPES[FLAGS.architecture]


def _dataset(shape, workdir):
    """Ours: a dataset string for data.load; and the in-memory array for the reference."""
    import numpy as np

    if len(shape) == 1:
        from keras_wgan import data

        return "8gaussians", data.TOY_DATASETS["8gaussians"](5000, 0)
    path = FLAGS.dataset
    if path is None:
        images = np.random.default_rng(0).integers(0, 256, (5000, *shape), dtype=np.uint8)
        path = os.path.join(workdir, "images.npz")
        np.savez(path, images=images)
    with np.load(path) as npz:
        images = npz[npz.files[0]] if len(npz.files) == 1 else npz["images"]
    return path, images.astype("float32") / 127.5 - 1.0


def _size_options():
    return {
        name: getattr(FLAGS, name)
        for name in ("units", "filters", "channels")
        if getattr(FLAGS, name) is not None
    }


def _ours(shape, dataset):
    """The package's real path: data.load, build_gan, compile, as training.train() does."""
    from keras_wgan import data, training

    precision = training.resolve_mixed_precision(FLAGS.mixed_precision, "gp")
    fit_batch = FLAGS.batch_size * FLAGS.critic_steps  # fresh_real_batches=True
    batches, info = data.load(dataset, batch_size=fit_batch, seed=0)
    gan = training.build_gan(
        info.sample_shape,
        architecture=FLAGS.architecture,
        critic_steps=FLAGS.critic_steps,
        penalty="gp",
        penalty_weight=10.0,
        mixed_precision=precision,
        seed=0,
        **_size_options(),
    )
    gan.compile(
        critic_optimizer=training.make_optimizer("adam", 1e-4, 0.5, 0.9),
        generator_optimizer=training.make_optimizer("adam", 1e-4, 0.5, 0.9),
    )
    return gan, batches, fit_batch, precision


def _reference(shape, images):
    import keras
    import tensorflow as tf

    from keras_wgan import architectures
    from keras_wgan.layers import PatchConv2D

    keras.mixed_precision.set_global_policy("float32")
    generator, critic = architectures.build(FLAGS.architecture, shape, **_size_options())
    for layer in critic.layers:  # the backend's convolution everywhere, as keras.io does
        if isinstance(layer, PatchConv2D):
            layer.implementation = "conv"
    latent_dim = generator.input_shape[-1]
    model = reference_class()(
        critic, generator, latent_dim, critic_steps=FLAGS.critic_steps, gp_weight=10.0
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
    )
    batches = (
        tf.data.Dataset.from_tensor_slices(images)
        .cache()
        .shuffle(5000, seed=0)
        .repeat()
        .batch(FLAGS.batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    return model, batches


def _run(model, batches, steps, timer=None):
    model.fit(
        batches,
        steps_per_epoch=steps,
        epochs=1,
        verbose=0,
        shuffle=False,
        callbacks=[timer] if timer is not None else [],
    )


def matmul_peak_gflops(precision, size=2048, repeats=5, products=3, clock=time.perf_counter):
    """The machine's matrix-product rate in GFLOP/s for a precision: the best of a few timings.

    The peak the training step's GFLOP/s is a share of. Each timing runs
    `products` products of two `size` x `size` matrices (2 * size**3 FLOPs
    each) after one untimed product; the best of `repeats` timings is the one
    least disturbed by other work on the machine.

    Args:
        precision: "float32", or "mixed_bfloat16" (bfloat16 matrices).
        size: the side of the square matrices.
        repeats: timings to take the best of.
        products: products per timing.
        clock: `time.perf_counter` for the rate per second of wall time;
            `time.process_time` for the rate per second of this process's
            CPU time (all threads), which other jobs on a shared machine do
            not lower: the peak the step's FLOPs per CPU second are a share of.

    Returns:
        The best rate in GFLOP/s (per CPU second with `time.process_time`).
    """
    import tensorflow as tf

    dtype = tf.bfloat16 if precision == "mixed_bfloat16" else tf.float32
    a = tf.cast(tf.random.stateless_normal((size, size), seed=(0, 1)), dtype)
    b = tf.cast(tf.random.stateless_normal((size, size), seed=(0, 2)), dtype)
    float(tf.linalg.matmul(a, b)[0, 0])  # warm-up; reading a value waits for the product
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(products):
            product = tf.linalg.matmul(a, b)
        float(product[0, 0])
        best = min(best, clock() - start)
    return 2.0 * size**3 * products / best / 1e9


def _rates(seconds, cpu_seconds, flops, precision, peaks, cpu_peaks):
    images = FLAGS.batch_size * FLAGS.critic_steps
    result = {
        "seconds_per_step": round(seconds, 4),
        "cpu_seconds_per_step": round(cpu_seconds, 4),
        "critic_images_per_s": round(images / seconds, 1),
        "generator_steps_per_s": round(1.0 / seconds, 3),
        "precision": precision,
    }
    if flops:
        gflops = flops / seconds / 1e9
        result.update(
            gflop_per_step=round(flops / 1e9, 2),
            gflops_per_s=round(gflops, 3),
            peak_share=round(gflops / peaks[precision], 3),
            cpu_peak_share=round(flops / cpu_seconds / 1e9 / cpu_peaks[precision], 3),
        )
    return result


def main(argv=None):
    """Runs the benchmark; `argv` are the command-line arguments (without the program)."""
    parser = _parser()
    vars(FLAGS).update(vars(parser.parse_args(argv)))
    for name in ("batch_size", "critic_steps", "steps", "block_steps"):
        if getattr(FLAGS, name) < 1:
            parser.error(f"--{name} must be >= 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    shape = _sample_shape()
    peaks, cpu_peaks = {}, {}
    if FLAGS.count_flops:  # the peaks the GFLOP/s are shares of, per second and per CPU second
        for p in ("float32", "mixed_bfloat16"):
            peaks[p] = round(matmul_peak_gflops(p), 1)
            cpu_peaks[p] = round(matmul_peak_gflops(p, clock=time.process_time), 1)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as workdir:
        dataset, images = _dataset(shape, workdir)
        ours, our_batches, fit_batch, precision = _ours(shape, dataset)
        models = {"ours": (ours, our_batches)}
        if FLAGS.reference:
            models["reference"] = _reference(shape, images)
        flops = {}
        if FLAGS.count_flops:
            flops["ours"] = count_flops(
                ours.train_step, tf.TensorSpec((fit_batch, *shape), tf.float32)
            )
            if FLAGS.reference:
                flops["reference"] = count_flops(
                    models["reference"][0].train_step,
                    tf.TensorSpec((FLAGS.batch_size, *shape), tf.float32),
                )
        for model, batches in models.values():  # warm-up: tracing and first steps
            if FLAGS.warmup_steps > 0:
                _run(model, batches, FLAGS.warmup_steps)
        timers = {name: StepTimer() for name in models}
        done = 0
        while done < FLAGS.steps:
            block = min(FLAGS.block_steps, FLAGS.steps - done)
            for name, (model, batches) in models.items():
                _run(model, batches, block, timers[name])
            done += block
    load_after = os.getloadavg()

    precisions = {"ours": precision, "reference": "float32"}
    results = {
        name: _rates(
            statistics.median(timers[name].times),
            statistics.median(timers[name].cpu_times),
            flops.get(name),
            precisions[name],
            peaks,
            cpu_peaks,
        )
        for name in models
    }
    print(
        f"{'model':<10} {'precision':<15} {'s/step':>8} {'CPU s':>6} {'critic img/s':>13} "
        f"{'gen steps/s':>12} {'GFLOP/step':>11} {'GFLOP/s':>8} {'of peak':>8} {'CPU-time':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<10} {r['precision']:<15} {r['seconds_per_step']:>8.3f} "
            f"{r['cpu_seconds_per_step']:>6.2f} "
            f"{r['critic_images_per_s']:>13.1f} {r['generator_steps_per_s']:>12.3f} "
            f"{r.get('gflop_per_step', float('nan')):>11.1f} "
            f"{r.get('gflops_per_s', float('nan')):>8.1f} "
            f"{r.get('peak_share', float('nan')):>8.1%} "
            f"{r.get('cpu_peak_share', float('nan')):>8.1%}"
        )
    summary = {
        "architecture": FLAGS.architecture,
        "sample_shape": list(shape),
        "batch_size": FLAGS.batch_size,
        "critic_steps": FLAGS.critic_steps,
        "steps": FLAGS.steps,
        "matmul_peak_gflops": peaks,
        "matmul_peak_gflops_per_cpu_second": cpu_peaks,
        **results.pop("ours"),
        "step_times": [round(t, 4) for t in timers["ours"].times],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }
    if "reference" in results:
        summary["reference"] = results["reference"]
        summary["reference"]["step_times"] = [round(t, 4) for t in timers["reference"].times]
        summary["ratio"] = round(
            results["reference"]["seconds_per_step"] / summary["seconds_per_step"], 3
        )
        summary["cpu_ratio"] = round(
            results["reference"]["cpu_seconds_per_step"] / summary["cpu_seconds_per_step"], 3
        )
        print(
            f"ratio ours/reference (critic images/s): {summary['ratio']:.2f}x wall-clock, "
            f"{summary['cpu_ratio']:.2f}x in CPU time per step"
        )
    if peaks:
        print(
            f"matrix-product peak of this machine: {peaks['float32']:.0f} GFLOP/s float32, "
            f"{peaks['mixed_bfloat16']:.0f} bfloat16; per CPU second "
            f"{cpu_peaks['float32']:.0f} and {cpu_peaks['mixed_bfloat16']:.0f} "
            "(the CPU-time share: FLOPs per CPU second of the step against these)"
        )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    sys.stdout.flush()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
