"""Wasserstein losses pinned to numbers computed by hand."""

import numpy as np
import pytest

from keras_wgan import losses

REAL = [-5.0, 1.4, 12.5, 2.7]  # mean 2.9
FAKE = [10.0, 4.4, -5.5, 3.6]  # mean 3.125


def test_critic_loss_is_mean_fake_minus_mean_real():
    assert float(losses.critic_loss(REAL, FAKE)) == pytest.approx(0.225, abs=1e-6)


def test_generator_loss_is_minus_mean_fake():
    assert float(losses.generator_loss(FAKE)) == pytest.approx(-3.125, abs=1e-6)


def test_estimate_is_minus_critic_loss_and_accepts_column_vectors():
    real = np.array(REAL, "float32")[:, None]
    fake = np.array(FAKE, "float32")[:, None]
    assert float(losses.wasserstein_estimate(real, fake)) == pytest.approx(-0.225, abs=1e-6)


def test_losses_are_float32_for_bfloat16_outputs():
    import keras

    fake = keras.ops.cast(np.array(FAKE), "bfloat16")
    assert str(keras.ops.dtype(losses.generator_loss(fake))) == "float32"
