"""The WassersteinGAN model: the training step, its options, saving and resuming."""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import small_gan

from keras_wgan import WassersteinGAN, architectures, penalties

# This file's GAN: an mlp of two layers of 16 units, three critic steps, seed 1.
mlp_gan = functools.partial(small_gan, networks={"units": 16, "depth": 2}, critic_steps=3, seed=1)


def points(n, seed=0, loc=0.0):
    return (np.random.default_rng(seed).normal(size=(n, 2)) * 0.5 + loc).astype("float32")


def dataset(x, batch):
    return tf.data.Dataset.from_tensor_slices(x).batch(batch, drop_remainder=True)


def weights_of(gan):
    return [np.array(w) for w in gan.generator.get_weights() + gan.critic.get_weights()]


@pytest.mark.parametrize("penalty", ["gp", "lp", "pairwise", "clip", "none"])
def test_one_fit_step_makes_critic_steps_critic_updates_and_one_generator_update(penalty):
    gan = mlp_gan(penalty=penalty, critic_steps=3)
    gan.compile()
    before = weights_of(gan)
    history = gan.fit(dataset(points(3 * 8 * 4), 3 * 8), epochs=1, verbose=0)
    assert int(gan.critic_optimizer.iterations) == 3 * 4
    assert int(gan.generator_optimizer.iterations) == 4
    assert set(history.history) == {
        "critic_loss",
        "generator_loss",
        "wasserstein_estimate",
        "penalty",
    }
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert history.history["wasserstein_estimate"][-1] == pytest.approx(
        -history.history["critic_loss"][-1]
    )
    assert any(not np.allclose(a, b) for a, b in zip(before, weights_of(gan), strict=True))


def test_default_optimizers_follow_the_papers():
    gan = mlp_gan(penalty="gp")
    gan.compile()
    adam = gan.critic_optimizer
    assert isinstance(adam, keras.optimizers.Adam)
    assert (float(adam.learning_rate), adam.beta_1, adam.beta_2) == pytest.approx((1e-4, 0.5, 0.9))
    assert gan.generator_optimizer is not adam
    clip = mlp_gan(penalty="clip")
    clip.compile()
    assert isinstance(clip.critic_optimizer, keras.optimizers.RMSprop)
    assert float(clip.critic_optimizer.learning_rate) == pytest.approx(5e-5)
    assert gan.optimizer is None  # no stray third optimizer


def test_clipping_optimizer_is_pytorchs_rmsprop():
    # PyTorch's RMSprop (the original WGAN's): alpha 0.99 and eps 1e-8 outside the
    # root; Keras adds epsilon inside the root, so sqrt(1e-16) is the same floor.
    clip = mlp_gan(penalty="clip")
    clip.compile()
    for optimizer in (clip.critic_optimizer, clip.generator_optimizer):
        config = optimizer.get_config()
        assert (config["rho"], config["epsilon"], config["momentum"], config["centered"]) == (
            0.99,
            1e-16,
            0.0,
            False,
        )
        assert float(optimizer.learning_rate) == pytest.approx(5e-5)


def test_clipped_wgan_makes_progress_on_8gaussians():
    # With weights clipped to 0.01 the generator's gradients are 1e-7 to 1e-8: Keras's
    # default RMSprop (epsilon 1e-7 inside the root) shrinks its steps ~1000x and the
    # generator stays where it started (measured W1 1.249 -> 1.247 after 300 steps).
    from keras_wgan import data
    from keras_wgan.evaluation import metrics

    keras.utils.set_random_seed(0)
    batches, info = data.load("8gaussians", batch_size=5 * 64, seed=0)
    generator, critic = architectures.build("mlp", (2,), units=32, depth=2)
    gan = WassersteinGAN(generator, critic, critic_steps=5, penalty="clip", seed=0)
    gan.compile()
    real = info.sampler(1000, 1)
    before = metrics.wasserstein1(gan.generate(1000, seed=0), real)
    gan.fit(batches, steps_per_epoch=300, epochs=1, verbose=0)
    after = metrics.wasserstein1(gan.generate(1000, seed=0), real)
    assert after < 0.85 * before, (before, after)


def test_compile_refuses_a_single_optimizer():
    with pytest.raises(ValueError, match="optimizer=.*critic_optimizer="):
        mlp_gan().compile(optimizer="adam")


def test_fresh_real_batches_split_the_incoming_batch():
    seen = []

    def recording_penalty(critic, real, fake, **kwargs):
        seen.append(np.array(real))
        return penalties.no_penalty(critic, real, fake)

    gan = mlp_gan(penalty=recording_penalty, critic_steps=3)
    gan.compile(run_eagerly=True)
    batch = points(12)
    gan.train_step(tf.constant(batch))
    np.testing.assert_array_equal(np.concatenate(seen), batch)

    seen.clear()
    reuse = mlp_gan(penalty=recording_penalty, critic_steps=3, fresh_real_batches=False)
    reuse.compile(run_eagerly=True)
    reuse.train_step(tf.constant(batch))
    assert len(seen) == 3 and all(np.array_equal(s, batch) for s in seen)


def test_indivisible_batch_says_what_to_do():
    gan = mlp_gan(critic_steps=3)
    gan.compile()
    with pytest.raises(ValueError, match="batch of 10 .*critic_steps=3"):
        gan.fit(dataset(points(20), 10), epochs=1, verbose=0)


def test_weight_clipping_keeps_every_critic_weight_in_the_box():
    gan = mlp_gan(penalty="clip", clip_value=0.01)
    gan.compile(critic_optimizer=keras.optimizers.RMSprop(1e-2))
    gan.fit(dataset(points(96), 24), epochs=1, verbose=0)
    assert max(np.abs(w).max() for w in gan.critic.get_weights()) <= 0.01 + 1e-7


def test_drift_term_enters_the_critic_loss():
    # The drift term shows in the gradient: the same SGD step with and without it
    # differs (Adam's first step, about lr * sign(gradient), would hide it).
    results = []
    for drift in (0.0, 1.0):
        gan = mlp_gan(penalty="none", critic_steps=1, drift_weight=drift)
        gan.critic.set_weights([np.full_like(w, 0.1) for w in gan.critic.get_weights()])
        # SGD, not Adam: Adam's first step is lr * sign(gradient), which the drift term
        # changes or not depending on the generator's random weights (test order).
        gan.compile(critic_optimizer=keras.optimizers.SGD(0.1))
        gan.train_step(tf.constant(points(8)))
        results.append(gan.critic.get_weights()[0])
    assert not np.allclose(results[0], results[1])


def test_same_seed_same_training_different_seed_different_training():
    def train(seed):
        keras.utils.set_random_seed(0)  # same initial weights
        gan = mlp_gan(seed=seed)
        gan.compile()
        gan.fit(dataset(points(72), 24), epochs=1, verbose=0)
        return weights_of(gan)

    a, b, c = train(5), train(5), train(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert any(not np.allclose(x, y) for x, y in zip(a, c, strict=True))


def test_save_load_round_trips_and_training_continues_identically(tmp_path):
    keras.utils.set_random_seed(0)
    data = dataset(points(24 * 4), 24)
    gan = mlp_gan(penalty="gp", critic_steps=3, penalty_weight=5.0)
    gan.compile(generator_optimizer=keras.optimizers.Adam(3e-4, beta_1=0.0))
    gan.fit(data, epochs=1, verbose=0)
    path = tmp_path / "run.keras"
    gan.save(path)
    restored = keras.models.load_model(path)

    assert isinstance(restored, WassersteinGAN)
    assert (restored.critic_steps, restored.penalty.name, restored.penalty_weight) == (3, "gp", 5.0)
    assert float(restored.generator_optimizer.learning_rate) == pytest.approx(3e-4)
    for optimizer in ("critic_optimizer", "generator_optimizer"):
        saved = [np.array(v) for v in getattr(gan, optimizer).variables]
        loaded = [np.array(v) for v in getattr(restored, optimizer).variables]
        assert len(saved) == len(loaded) > 2  # iterations, learning rate, Adam moments
        assert all(np.array_equal(x, y) for x, y in zip(saved, loaded, strict=True))

    gan.fit(data, epochs=1, verbose=0)
    restored.fit(data, epochs=1, verbose=0)
    assert int(restored.generator_optimizer.iterations) == 8
    for x, y in zip(weights_of(gan), weights_of(restored), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


def test_call_runs_the_generator_and_generate_is_seeded():
    gan = mlp_gan()
    z = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    np.testing.assert_allclose(gan(z), gan.generator(z), rtol=1e-6)
    assert gan.built
    a, b, c = gan.generate(7, seed=3), gan.generate(7, seed=3), gan.generate(7, seed=4)
    assert a.shape == (7, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_spectral_norm_critic_updates_its_power_iteration_during_training():
    generator, critic = architectures.build("mlp", (2,), units=16, depth=2, spectral_norm=True)
    gan = WassersteinGAN(generator, critic, critic_steps=2, penalty="none", seed=0)
    gan.compile()
    u_before = [np.array(v) for v in critic.non_trainable_variables]
    gan.fit(dataset(points(32), 16), epochs=1, verbose=0)
    u_after = [np.array(v) for v in critic.non_trainable_variables]
    assert u_before and all(not np.allclose(a, b) for a, b in zip(u_before, u_after, strict=True))


def test_evaluate_reports_the_estimate():
    gan = mlp_gan()
    gan.compile()
    result = gan.evaluate(dataset(points(64), 32), verbose=0, return_dict=True)
    assert {"critic_loss", "wasserstein_estimate", "generator_loss"} <= set(result)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"critic_steps": 0}, "critic_steps must be an integer >= 1, received 0"),
        ({"penalty": "foo"}, "unknown penalty 'foo'"),
        ({"penalty_weight": -1.0}, "penalty_weight must be a finite number >= 0, received -1.0"),
        ({"clip_value": 0.0}, "clip_value must be a finite number > 0"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp_gan(**kwargs)


def test_batch_normalised_critic_is_warned_about():
    generator, _ = architectures.build("mlp", (2,), units=8)
    critic = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(4),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    with pytest.warns(UserWarning, match="BatchNormalization"):
        WassersteinGAN(generator, critic)


def test_learns_the_mean_of_a_shifted_gaussian():
    # An independently known answer: the generator's mean must move to the data's.
    keras.utils.set_random_seed(0)
    target = np.array([2.0, -1.0], "float32")
    data = dataset(points(5 * 64 * 50, loc=target), 5 * 64).repeat()
    gan = mlp_gan(penalty="gp", critic_steps=5, penalty_weight=1.0)
    gan.compile(
        critic_optimizer=keras.optimizers.Adam(1e-3, 0.5, 0.9),
        generator_optimizer=keras.optimizers.Adam(1e-3, 0.5, 0.9),
    )
    gan.fit(data, steps_per_epoch=1000, epochs=1, verbose=0)
    mean = gan.generate(2000, seed=0).mean(axis=0)
    np.testing.assert_allclose(mean, target, atol=0.3)


@pytest.mark.parametrize("samples, critic_updates", [(22, 9), (20, 9), (7, 6)])
def test_fit_on_numpy_handles_a_ragged_last_batch(samples, critic_updates):
    # Batches of 9, 9 and 4 (split 1+1+1, one sample left out) or 2 (too few for 3
    # critic updates: samples are reused); 7 samples in batches of 6 and 1.
    gan = mlp_gan(critic_steps=3)
    gan.compile()
    history = gan.fit(points(samples), batch_size=6 if samples == 7 else 9, epochs=1, verbose=0)
    assert int(gan.critic_optimizer.iterations) == critic_updates
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_ragged_split_leaves_out_the_remainder_or_reuses_samples():
    from keras_wgan.batches import split_ragged

    batch = points(8)
    parts = [np.array(p) for p in split_ragged(tf.constant(batch), 3)]
    assert [len(p) for p in parts] == [2, 2, 2]
    np.testing.assert_array_equal(np.concatenate(parts), batch[:6])
    parts = [np.array(p) for p in split_ragged(tf.constant(batch[:2]), 3)]
    np.testing.assert_array_equal(np.concatenate(parts), batch[[0, 1, 0]])


def test_evaluate_draws_new_latent_vectors_per_batch_and_the_same_per_call():
    gan = mlp_gan()
    gan.compile()
    batch = points(32)
    data = dataset(np.concatenate([batch, batch]), 32)  # two identical batches

    class PerBatch(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            self.values = []

        def on_test_batch_end(self, batch, logs=None):
            self.values.append(float(logs["wasserstein_estimate"]))  # running mean

    recorder = PerBatch()
    gan.evaluate(data, verbose=0, callbacks=[recorder])
    first = recorder.values
    assert first[0] != pytest.approx(first[1], rel=1e-6)  # other latent vectors
    gan.evaluate(data, verbose=0, callbacks=[recorder])
    assert recorder.values == first  # deterministic: the same at every call


def test_a_method_object_is_the_penalty_and_round_trips(tmp_path):
    gan = mlp_gan(penalty=penalties.GradientPenalty(weight=4.0, target=2.0), critic_steps=2)
    assert gan.penalty_weight == 4.0
    restored = WassersteinGAN.from_config(gan.get_config())
    assert isinstance(restored.penalty, penalties.GradientPenalty)
    assert restored.penalty.get_config() == {"weight": 4.0, "target": 2.0}
    with pytest.raises(ValueError, match="penalty_weight cannot be combined with the method"):
        mlp_gan(penalty=penalties.GradientPenalty(), penalty_weight=1.0)


def test_legacy_keywords_build_the_method_they_apply_to():
    gan = mlp_gan(
        penalty="pairwise", penalty_weight=3.0, pairwise_interpolates=True, clip_value=0.5
    )
    assert isinstance(gan.penalty, penalties.PairwiseLipschitzPenalty)
    assert (gan.penalty.weight, gan.penalty.interpolates) == (3.0, True)
    clip = mlp_gan(penalty="clip", clip_value=0.05, pairwise_interpolates=True)
    assert clip.penalty.get_config() == {"clip_value": 0.05, "weight": 10.0}
    assert isinstance(keras_wgan_default_optimizer("clip"), keras.optimizers.RMSprop)


def keras_wgan_default_optimizer(penalty):
    from keras_wgan import default_optimizer

    return default_optimizer(penalty)


def test_keras_files_with_the_old_penalty_config_still_load(tmp_path):
    # Before the penalty was an object, get_config() stored its name and four options.
    import json
    import zipfile

    gan = mlp_gan(penalty="gp")
    gan.compile()
    new = tmp_path / "new.keras"
    gan.save(new)
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(new) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(content)
                config["config"].update(
                    penalty="pairwise",
                    penalty_weight=3.0,
                    penalty_target=1.5,
                    pairwise_interpolates=True,
                    clip_value=0.01,
                )
                content = json.dumps(config).encode()
            target.writestr(item, content)
    restored = keras.models.load_model(old)
    assert isinstance(restored.penalty, penalties.PairwiseLipschitzPenalty)
    assert restored.penalty.get_config() == {"weight": 3.0, "target": 1.5, "interpolates": True}
    assert isinstance(keras.models.load_model(new).penalty, penalties.GradientPenalty)


def test_train_step_calls_the_methods_term_and_constraint_for_every_critic_update():
    class Counting(penalties.LipschitzMethod):
        name = "counting"

        def __init__(self, weight=10.0):
            super().__init__(weight)
            self.calls = self.constraints = 0

        def __call__(self, critic, real, fake, **kwargs):
            self.calls += 1
            return penalties.no_penalty(critic, real, fake)

        def constrain(self, critic):
            self.constraints += 1

    method = Counting()
    gan = mlp_gan(penalty=method, critic_steps=3)
    gan.compile(run_eagerly=True)
    gan.train_step(tf.constant(points(12)))
    assert (method.calls, method.constraints) == (3, 3)
