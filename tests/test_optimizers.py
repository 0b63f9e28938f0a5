"""Tests for keras_wgan.optimizers: the papers' defaults and the linear decay by generator step."""

import keras
import pytest
import tensorflow as tf
from helpers import point_batches, small_gan

from keras_wgan import checkpointing, optimizers, saving

# fit() on a tf.data.Dataset warns that its default shuffle=True is ignored.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")


def _gan(critic_steps, decay_steps, learning_rate=1e-3):
    gan = small_gan(critic_steps=critic_steps)
    gan.compile(
        critic_optimizer=keras.optimizers.Adam(optimizers.linear_decay(learning_rate, decay_steps)),
        generator_optimizer=keras.optimizers.Adam(
            optimizers.linear_decay(learning_rate, decay_steps)
        ),
    )
    return gan


class _LearningRates(keras.callbacks.Callback):
    """(generator step, critic rate, generator rate) before every fit() step."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rows.append(
            (
                self.model.generator_steps,
                float(self.model.critic_optimizer.learning_rate),
                float(self.model.generator_optimizer.learning_rate),
            )
        )


def test_linear_decay_falls_to_zero_at_decay_steps():
    schedule = optimizers.LinearDecay(1e-3, decay_steps=100)
    for step, expected in ((0, 1e-3), (25, 7.5e-4), (99, 1e-5), (100, 0.0), (150, 0.0)):
        assert float(schedule(step)) == pytest.approx(expected, rel=1e-5, abs=1e-12), step
    assert optimizers.linear_decay(1e-3, None) == 1e-3
    with pytest.raises(ValueError, match="decay_steps must be an integer >= 1, received 0"):
        optimizers.LinearDecay(1e-3, 0)


def test_linear_decay_serializes_and_an_unbound_one_counts_its_optimizer_s_updates():
    schedule = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(optimizers.LinearDecay(2e-3, decay_steps=4))
    )
    assert (schedule.initial_learning_rate, schedule.decay_steps) == (2e-3, 4)
    optimizer = keras.optimizers.SGD(schedule)
    variable = keras.Variable(1.0)
    optimizer.apply_gradients([(tf.constant(1.0), variable)])  # at update 0: rate 2e-3
    optimizer.apply_gradients([(tf.constant(1.0), variable)])  # at update 1: rate 1.5e-3
    assert float(variable.numpy()) == pytest.approx(1.0 - 2e-3 - 1.5e-3)
    assert float(optimizer.learning_rate) == pytest.approx(1e-3)


def test_both_rates_follow_the_generator_step_in_a_model_and_its_keras_file(tmp_path):
    gan = _gan(critic_steps=5, decay_steps=40)
    gan.generator_optimizer.iterations.assign(10)  # the critic's own counter stays at 0
    assert float(gan.critic_optimizer.learning_rate) == pytest.approx(7.5e-4)
    assert float(gan.generator_optimizer.learning_rate) == pytest.approx(7.5e-4)
    gan.save(tmp_path / "model.keras")
    loaded = saving.load_keras_model(tmp_path / "model.keras")
    assert loaded.generator_steps == 10
    assert float(loaded.critic_optimizer.learning_rate) == pytest.approx(7.5e-4)


def test_a_run_resumed_with_other_critic_and_train_steps_decays_as_an_uninterrupted_one(tmp_path):
    # 20 generator steps of 5 critic updates, then resumed to 40 steps of 1: the critic
    # must not stay frozen at 0 (its 100 updates are past a decay over 40 updates).
    first = _gan(critic_steps=5, decay_steps=20)
    run = checkpointing.resume(
        first, tmp_path, point_batches(400, 8 * 5), train_steps=20, steps_per_epoch=20
    )
    first.fit(run.dataset, callbacks=run.callbacks, verbose=0, **run.fit_kwargs())
    assert int(first.critic_optimizer.iterations) == 100
    assert float(first.critic_optimizer.learning_rate) == 0.0

    resumed = _gan(critic_steps=1, decay_steps=40)
    rates = _LearningRates()
    run = checkpointing.resume(
        resumed, tmp_path, point_batches(400, 8 * 1), train_steps=40, steps_per_epoch=20
    )
    assert run.step == 20
    resumed.fit(run.dataset, callbacks=[*run.callbacks, rates], verbose=0, **run.fit_kwargs())
    assert [row[0] for row in rates.rows] == list(range(20, 40))
    for step, critic_rate, generator_rate in rates.rows:
        expected = 1e-3 * (1 - step / 40)  # an uninterrupted 40-step run's rate at this step
        assert critic_rate == pytest.approx(expected, rel=1e-5), step
        assert generator_rate == pytest.approx(expected, rel=1e-5), step
    assert rates.rows[10] == pytest.approx((30, 2.5e-4, 2.5e-4))
