"""What the test files share: small GANs, critics with known gradients, toy batches, runners.

The conformance checks of the registries are in `harness.py` and
`data_harness.py`; this module holds the building blocks the other test
files would otherwise each write for themselves.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_wgan import WassersteinGAN, architectures
from keras_wgan.cli import train

REPO = Path(__file__).resolve().parents[1]

# Each architecture's tiny size: networks that build and train in well under a second.
SMALL_SIZES = {"mlp": {"units": 8, "depth": 1}, "dcgan": {"filters": 4}}


# ------------------------------------------------------------------ models
def small_gan(
    sample_shape=(2,),
    *,
    seed=0,
    num_classes=None,
    networks=None,
    generator=None,
    critic=None,
    critic_steps=2,
    compiled=False,
    **model_options,
):
    """A WassersteinGAN of tiny networks whose weights are drawn from `seed`.

    The networks are the mlp for 1-D samples and the dcgan for images, at
    `SMALL_SIZES` updated by `networks` (keywords of `architectures.build`);
    `generator` or `critic` replace the built one. `model_options` go to
    WassersteinGAN (penalty, ema_decay, ...); `compiled` compiles it with the
    default optimizers.
    """
    keras.utils.set_random_seed(seed)
    name = "mlp" if len(sample_shape) == 1 else "dcgan"
    built_generator, built_critic = architectures.build(
        name, sample_shape, num_classes=num_classes, **{**SMALL_SIZES[name], **(networks or {})}
    )
    gan = WassersteinGAN(
        generator or built_generator,
        critic or built_critic,
        critic_steps=critic_steps,
        seed=seed,
        num_classes=num_classes,
        **model_options,
    )
    if compiled:
        gan.compile()
    return gan


def trained_mlp(num_classes=None):
    """A 2-D mlp WassersteinGAN (units=16); unconditional, trained one step (its metadata
    counts one generator step); conditional, untrained."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    generator, critic = architectures.build("mlp", (2,), units=16, num_classes=num_classes)
    gan = WassersteinGAN(generator, critic, critic_steps=1, seed=0, num_classes=num_classes)
    gan.compile()
    if num_classes is None:
        gan.fit(rng.normal(size=(8, 2)).astype("float32"), batch_size=8, epochs=1, verbose=0)
    return gan


def linear_critic(weights, input_shape=None):
    """f(x) = w . flatten(x) + 0.7: a critic with a known, constant gradient `weights`."""
    weights = np.asarray(weights, "float32")
    input_shape = input_shape or weights.shape
    critic = keras.Sequential(
        [keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    critic.set_weights([weights.reshape(-1, 1), np.array([0.7], "float32")])
    return critic


def class_linear_critic(weights, auxiliary=False):
    """critic([x, y]) = weights[y] . x for 2-D x, one row of `weights` per class.

    With `auxiliary`, the critic also outputs class logits, which must not
    enter the penalties.
    """
    weights = np.asarray(weights, "float32")
    num_classes = len(weights)
    sample = keras.Input((2,), name="sample")
    label = keras.Input((), dtype="int32", name="label")
    one_hot = keras.layers.CategoryEncoding(num_classes, output_mode="one_hot")(label)
    weight = keras.layers.Dense(2, use_bias=False, name="class_weight")(one_hot)
    score = keras.layers.Dot(axes=1)([weight, sample])
    outputs = score
    if auxiliary:
        outputs = [score, keras.layers.Dense(num_classes, kernel_initializer="ones")(sample)]
    critic = keras.Model([sample, label], outputs)
    critic.get_layer("class_weight").set_weights([weights])
    return critic


def point_batches(n, batch, seed=0):
    """`n` standard normal 2-D points in batches of `batch` (the rest dropped), repeated."""
    points = np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(points).batch(batch, drop_remainder=True).repeat()


# ------------------------------------------------------------ command lines
# TensorFlow's C++ logging writes a few lines to stderr when it is imported,
# whatever TF_CPP_MIN_LOG_LEVEL says: they are not the program's output.
_TF_LOG_LINE = re.compile(r"^(WARNING: All log messages before absl|[IWEF]\d{4} )")


def program_lines(stderr):
    """The lines of stderr that the program wrote (TensorFlow's own log lines dropped)."""
    return [line for line in stderr.splitlines() if not _TF_LOG_LINE.match(line)]


def run_train_main(args):
    """Runs the training command (`keras_wgan.cli.train`) in this process on `args`; its exit code.

    The flags are parsed on their own `FlagValues`, as the command line parses
    them, so each call starts from the defaults.
    """
    return train.main(list(args))


def train_main_reports(args, capsys):
    """Runs the training command in this process; returns (exit code, its one-line reports).

    The reports are the stderr lines "<program>: error: ..." and "<program>:
    training interrupted ...", without "<program>: ".
    """
    code = run_train_main(args)
    lines = [
        line.split(": ", 1)[1]
        for line in capsys.readouterr().err.splitlines()
        if ": error: " in line or ": training interrupted " in line
    ]
    return code, lines


def subprocess_env():
    """The environment of a command run by a test: this worktree's package, TF's logs off."""
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(REPO))


def run(args, **kwargs):
    """Runs a command, capturing its output as text."""
    return subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)


def dead_pid():
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def load_script(name):
    """benchmarks/<name>.py as a module: the scripts are not part of the package."""
    spec = importlib.util.spec_from_file_location(
        f"benchmarks_{name}", REPO / "benchmarks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numeric_dirs(model_dir):
    """The version numbers under `model_dir`, sorted."""
    return sorted(int(n) for n in os.listdir(model_dir) if n.isdigit())
