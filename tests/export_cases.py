"""What the export test files share: a small trained model and the command-line runner."""

import os
import subprocess

import keras
import numpy as np

from keras_wgan import WassersteinGAN, architectures

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def subprocess_env():
    """The environment of a command run by a test: this worktree's package, TF's logs off."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO)
    return env


def run(args, **kwargs):
    """Runs a command, capturing its output as text."""
    return subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)


def numeric_dirs(model_dir):
    """The version numbers under `model_dir`, sorted."""
    return sorted(int(n) for n in os.listdir(model_dir) if n.isdigit())
