"""The per-dataset default hyperparameters: complete, valid, independent copies, trainable."""

import inspect

import keras
import numpy as np
import pytest

import keras_wgan
from keras_wgan import recipes

TOY_NAMES = ("8gaussians", "25gaussians", "swissroll")
MODEL_KEYS = ("critic_steps", "penalty", "penalty_weight", "pairwise_interpolates")
ARCHITECTURE_KEYS = ("latent_dim", "units", "depth")


def _model_parameters():
    return set(inspect.signature(keras_wgan.WassersteinGAN.__init__).parameters)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_recipe_is_complete_and_valid(name):
    config = recipes.recipe(name)
    assert set(recipes.TOY_KEYS) <= set(config)
    assert config["architecture"] == "mlp"
    assert config["penalty"] in keras_wgan.penalties.PENALTIES
    assert set(MODEL_KEYS) <= _model_parameters()
    for key in ("critic_steps", "batch_size", "train_steps", "latent_dim", "units", "depth"):
        assert isinstance(config[key], int) and config[key] >= 1, key
    for key in ("critic_lr", "generator_lr"):
        assert 0 < config[key] < 1, key
    assert 0 <= config["beta_1"] < 1 and 0 <= config["beta_2"] < 1
    assert config["penalty_weight"] >= 0
    assert config["lr_decay"] in recipes.LR_DECAYS
    assert 0 <= config["generator_ema"] < 1


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_recipe_keys_are_accepted_by_the_library(name):
    config = recipes.recipe(name)
    generator, critic = keras_wgan.architectures.build(
        config["architecture"], (2,), **{k: config[k] for k in ARCHITECTURE_KEYS})
    gan = keras_wgan.WassersteinGAN(generator, critic, seed=0,
                                    **{k: config[k] for k in MODEL_KEYS})
    gan.compile(**recipes.optimizers(config))
    assert gan.latent_dim == config["latent_dim"]
    assert gan.critic_steps == config["critic_steps"]


def test_unknown_dataset_gets_the_generic_default():
    assert recipes.recipe("no-such-dataset") == recipes.recipe(None) == recipes.DEFAULT_RECIPE
    assert recipes.recipe("circle")["architecture"] == "mlp"


def test_image_recipe():
    config = recipes.recipe("mnist")
    assert config["architecture"] == "dcgan"
    assert config["penalty"] == "gp" and config["penalty_weight"] == 10.0
    assert config["critic_steps"] == 5 and config["batch_size"] == 64
    assert (config["critic_lr"], config["beta_1"], config["beta_2"]) == (1e-4, 0.5, 0.9)
    assert config["tuned"] is False


def test_recipes_are_independent_copies():
    first = recipes.recipe("8gaussians")
    first["units"] = 1
    first["penalty"] = "clip"
    second = recipes.recipe("8gaussians")
    assert second["units"] != 1 and second["penalty"] != "clip"
    assert recipes.TOY_RECIPES["8gaussians"]["units"] != 1
    unknown = recipes.recipe("unknown")
    unknown["units"] = 1
    assert recipes.DEFAULT_RECIPE["units"] != 1


def test_optimizers_follow_the_recipe():
    config = recipes.recipe("8gaussians")
    optimizers = recipes.optimizers(config)
    critic, generator = optimizers["critic_optimizer"], optimizers["generator_optimizer"]
    assert isinstance(critic, keras.optimizers.Adam)
    assert critic.beta_1 == pytest.approx(config["beta_1"])
    if config["lr_decay"] == "linear":
        schedule = critic.learning_rate if callable(critic.learning_rate) else critic._learning_rate
        # The critic makes critic_steps updates per generator step: its rate
        # reaches 0 after train_steps * critic_steps updates.
        total = config["train_steps"] * config["critic_steps"]
        assert float(schedule(0)) == pytest.approx(config["critic_lr"])
        assert float(schedule(total)) == pytest.approx(0.0, abs=1e-12)
        assert float(schedule(total // 2)) == pytest.approx(config["critic_lr"] / 2, rel=1e-3)
    assert generator.use_ema == (config["generator_ema"] > 0)


def test_short_training_with_the_8gaussians_recipe():
    config = recipes.recipe("8gaussians")
    config.update(units=16, train_steps=20, batch_size=32)
    keras.utils.set_random_seed(0)
    generator, critic = keras_wgan.architectures.build(
        "mlp", (2,), **{k: config[k] for k in ARCHITECTURE_KEYS})
    gan = keras_wgan.WassersteinGAN(generator, critic, seed=0,
                                    **{k: config[k] for k in MODEL_KEYS})
    gan.compile(**recipes.optimizers(config))
    data, _ = keras_wgan.data.load("8gaussians",
                                   batch_size=config["batch_size"] * config["critic_steps"],
                                   seed=0)
    history = gan.fit(data, steps_per_epoch=config["train_steps"], epochs=1, verbose=0)
    assert int(gan.generator_optimizer.iterations) == config["train_steps"]
    assert np.isfinite(history.history["critic_loss"][-1])
    recipes.finalize(gan)
    samples = gan.generate(64, seed=0)
    assert samples.shape == (64, 2) and np.all(np.isfinite(samples))
