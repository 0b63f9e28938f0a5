"""The per-dataset defaults: complete, accepted by train(), independent copies, trainable."""

import dataclasses

import keras
import pytest

import keras_wgan
from keras_wgan import recipes, training

TOY_NAMES = ("8gaussians", "25gaussians", "swissroll")


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_recipe_is_complete_and_valid(name):
    config = recipes.recipe(name)
    assert config["architecture"] == "mlp" and config["tuned"] is True
    assert config["penalty"] in keras_wgan.penalties.names()
    for key in ("critic_steps", "batch_size", "train_steps", "latent_dim", "units", "depth"):
        assert isinstance(config[key], int) and config[key] >= 1, key
    for key in ("critic_learning_rate", "generator_learning_rate"):
        assert 0 < config[key] < 1, key
    assert 0 <= config["beta_1"] < 1 and 0 <= config["beta_2"] < 1
    assert config["penalty_weight"] >= 0 and config["lr_decay"] in ("none", "linear")


@pytest.mark.parametrize("name", TOY_NAMES + ("mnist",))
def test_every_recipe_key_is_a_train_argument(name):
    parameters = {field.name for field in dataclasses.fields(training.TrainSettings)}
    assert set(recipes.recipe(name)) - {"tuned"} <= parameters


def test_unknown_names_get_the_default_of_their_kind():
    assert recipes.recipe("no-such-dataset") == recipes.DEFAULT_RECIPE
    assert recipes.recipe("circle")["architecture"] == "mlp"
    images = recipes.recipe("digits.npz", kind="images")
    assert images == recipes.DEFAULT_IMAGE_RECIPE and images["architecture"] is None
    with pytest.raises(ValueError, match="kind must be 'points' or 'images', received 'x'"):
        recipes.recipe("a", kind="x")


def test_image_recipe_is_the_measured_one():
    # docs/experiments/image-quality.md, section 2: 3 critic steps and Adam(2e-4, 0.5, 0.9),
    # as keras.io's
    for config in (recipes.recipe("mnist"), recipes.recipe("digits.npz", kind="images")):
        assert (config["penalty"], config["penalty_weight"], config["critic_steps"]) == (
            "gp",
            10.0,
            3,
        )
        assert config["batch_size"] == 64 and config["tuned"] is True
        assert (config["critic_learning_rate"], config["generator_learning_rate"]) == (2e-4, 2e-4)
        assert (config["beta_1"], config["beta_2"], config["lr_decay"]) == (0.5, 0.9, "none")


def test_recipes_are_independent_copies():
    first = recipes.recipe("8gaussians")
    first["units"] = 1
    assert recipes.recipe("8gaussians")["units"] != 1
    assert recipes.TOY_RECIPES["8gaussians"]["units"] != 1
    unknown = recipes.recipe("unknown")
    unknown["units"] = 1
    assert recipes.DEFAULT_RECIPE["units"] != 1


def test_linear_decay_reaches_zero_at_the_last_update():
    optimizer = training.make_optimizer("adam", 1e-3, 0.5, 0.9, decay_steps=1000)
    schedule = optimizer._learning_rate
    assert float(schedule(0)) == pytest.approx(1e-3)
    assert float(schedule(500)) == pytest.approx(5e-4, rel=1e-3)
    assert float(schedule(1000)) == pytest.approx(0.0, abs=1e-12)


def test_train_uses_the_recipe_for_what_it_is_not_given(tmp_path):
    result = training.train(
        "8gaussians",
        train_steps=3,
        units=8,
        batch_size=16,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
    )
    settings = result.settings
    assert (settings["penalty"], settings["penalty_weight"], settings["depth"]) == (
        "pairwise",
        10.0,
        3,
    )
    assert result.model.penalty.name == "pairwise" and result.model.critic_steps == 5
    # linear decay over train_steps (generator) and train_steps * critic_steps (critic)
    assert float(result.model.generator_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)


def test_rmsprop_by_name_is_pytorchs():
    optimizer = training.make_optimizer("rmsprop", 5e-5, 0.5, 0.9)
    config = optimizer.get_config()
    assert (config["rho"], config["epsilon"]) == (0.99, 1e-16)


def test_a_clip_run_takes_the_original_wgans_optimizer_not_the_recipes():
    config = recipes.recipe("8gaussians", penalty="clip")
    assert (config["critic_learning_rate"], config["generator_learning_rate"]) == (5e-5, 5e-5)
    assert config["lr_decay"] == "none" and config["penalty"] == "clip"
    assert config["tuned"] is False
    # Another gradient-type penalty keeps the recipe's Adam settings.
    assert recipes.recipe("8gaussians", penalty="gp")["critic_learning_rate"] == 1e-3


def test_a_recipes_penalty_weight_applies_only_to_its_own_penalty():
    assert recipes.recipe("25gaussians", penalty="pairwise")["penalty_weight"] == 10.0
    assert recipes.recipe("25gaussians")["tuned"] is True
    for penalty in ("wgan_div", "r1", "clip", keras_wgan.penalties.GradientPenalty(weight=3.0)):
        config = recipes.recipe("25gaussians", penalty=penalty)
        # None: the method's own default (WGAN-div's k = 2...), or the object's own weight.
        assert config["penalty_weight"] is None and config["penalty"] is penalty
        assert config["tuned"] is False
    # Only clip swaps the optimizer settings.
    assert recipes.recipe("25gaussians", penalty="wgan_div")["critic_learning_rate"] == 1e-3
    assert recipes.recipe("mnist", penalty="r1")["penalty_weight"] is None


def test_train_with_clip_uses_rmsprop_5e5_without_decay(tmp_path):
    result = training.train(
        "8gaussians",
        penalty="clip",
        train_steps=3,
        units=8,
        batch_size=16,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
    )
    assert (result.settings["critic_learning_rate"], result.settings["lr_decay"]) == (5e-5, "none")
    for optimizer in (result.model.critic_optimizer, result.model.generator_optimizer):
        assert isinstance(optimizer, keras.optimizers.RMSprop)
        assert float(optimizer.learning_rate) == pytest.approx(5e-5)  # not decayed
        assert (optimizer.rho, optimizer.epsilon) == (0.99, 1e-16)
    # An explicit decay is still honoured.
    decayed = training.train(
        "8gaussians",
        penalty="clip",
        train_steps=3,
        units=8,
        batch_size=16,
        lr_decay="linear",
        output_dir=tmp_path / "d",
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
    )
    assert float(decayed.model.generator_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)


def test_resnet_gets_gan_cifar_resnets_recipe():
    for config in (
        recipes.recipe("cifar10", architecture="resnet"),
        recipes.recipe("pictures.npz", kind="images", architecture="resnet"),
    ):
        assert config["architecture"] == "resnet"
        assert (config["critic_learning_rate"], config["generator_learning_rate"]) == (2e-4, 2e-4)
        assert (config["beta_1"], config["beta_2"], config["lr_decay"]) == (0.0, 0.9, "linear")
        assert (config["critic_steps"], config["batch_size"], config["penalty"]) == (5, 64, "gp")
    assert recipes.recipe("cifar10", architecture="dcgan") == recipes.IMAGE_RECIPES["cifar10"]
    assert recipes.recipe("8gaussians", architecture="resnet") == recipes.TOY_RECIPES["8gaussians"]


def test_train_with_resnet_takes_the_resnet_recipe(tmp_path):
    import numpy as np

    images = np.random.default_rng(0).integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    np.savez(tmp_path / "pictures.npz", x=images)
    result = training.train(
        tmp_path / "pictures.npz",
        architecture="resnet",
        channels=2,
        penalty="none",
        critic_steps=1,
        sample_every_epochs=1000,
        latent_dim=8,
        batch_size=2,
        train_steps=1,
        output_dir=tmp_path / "run",
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
        mixed_precision="float32",
    )
    settings = result.settings
    assert (settings["critic_learning_rate"], settings["beta_1"], settings["lr_decay"]) == (
        2e-4,
        0.0,
        "linear",
    )
    assert result.model.critic_optimizer.beta_1 == 0.0
