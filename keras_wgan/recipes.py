"""Default hyperparameters per dataset ("recipes"), chosen by measurement.

PROVISIONAL: tuning in progress; the measurements are filled in below when done.
"""

import copy

import keras

__all__ = ["DEFAULT_RECIPE", "IMAGE_RECIPES", "LR_DECAYS", "TOY_KEYS", "TOY_RECIPES",
           "finalize", "optimizers", "recipe"]

#: Learning-rate schedules a recipe may name: constant, or linear decay to 0
#: over the whole training (WGAN-GP's CIFAR-10 code).
LR_DECAYS = ("none", "linear")

#: The keys every recipe has.
TOY_KEYS = ("architecture", "penalty", "penalty_weight", "pairwise_interpolates",
            "critic_steps", "batch_size", "critic_lr", "generator_lr", "beta_1", "beta_2",
            "lr_decay", "generator_ema", "train_steps", "latent_dim", "units", "depth")

_PAPER_TOY = dict(
    architecture="mlp", penalty="gp", penalty_weight=0.1, pairwise_interpolates=False,
    critic_steps=5, batch_size=256, critic_lr=1e-4, generator_lr=1e-4, beta_1=0.5,
    beta_2=0.9, lr_decay="none", generator_ema=0.0, train_steps=5000, latent_dim=2,
    units=512, depth=3, tuned=True,
)

TOY_RECIPES = {name: dict(_PAPER_TOY) for name in ("8gaussians", "25gaussians", "swissroll")}

DEFAULT_RECIPE = dict(_PAPER_TOY)

_IMAGE = dict(
    architecture="dcgan", penalty="gp", penalty_weight=10.0, pairwise_interpolates=False,
    critic_steps=5, batch_size=64, critic_lr=1e-4, generator_lr=1e-4, beta_1=0.5,
    beta_2=0.9, lr_decay="none", generator_ema=0.0, train_steps=20000, latent_dim=128,
    tuned=False,
)
IMAGE_RECIPES = {name: dict(_IMAGE) for name in ("mnist", "fashion_mnist")}


def recipe(dataset_name):
    """The default hyperparameters of a dataset, as a new dict (safe to modify).

    Args:
        dataset_name: a toy name ("8gaussians", "25gaussians", "swissroll"), an
            image dataset name ("mnist", "fashion_mnist"), or anything else (None,
            a path...) for the generic default.

    Returns:
        A deep copy of the recipe: keys `TOY_KEYS` (image recipes have no
        units/depth) plus "tuned" (False when nobody measured the values).
    """
    table = {**TOY_RECIPES, **IMAGE_RECIPES}
    return copy.deepcopy(table.get(dataset_name, DEFAULT_RECIPE))


def _adam(lr, config, decay_steps, use_ema=False):
    if config["lr_decay"] == "linear":
        lr = keras.optimizers.schedules.PolynomialDecay(
            lr, decay_steps=decay_steps, end_learning_rate=0.0, power=1.0)
    elif config["lr_decay"] != "none":
        raise ValueError(f"lr_decay must be one of {LR_DECAYS}, got {config['lr_decay']!r}")
    options = {}
    if use_ema:
        options = dict(use_ema=True, ema_momentum=config["generator_ema"])
    return keras.optimizers.Adam(learning_rate=lr, beta_1=config["beta_1"],
                                 beta_2=config["beta_2"], **options)


def optimizers(config):
    """`WassersteinGAN.compile()` arguments for a recipe: the two Adam optimizers.

    With `lr_decay="linear"` each rate falls linearly to 0 over training: the
    generator makes `train_steps` updates, the critic `train_steps *
    critic_steps`. With `generator_ema > 0` the generator optimizer keeps an
    exponential moving average of the generator weights (Keras' `use_ema`);
    call `finalize(gan)` after training to sample from the average.

    Returns:
        {"critic_optimizer": ..., "generator_optimizer": ...}
    """
    steps = config["train_steps"]
    return {
        "critic_optimizer": _adam(config["critic_lr"], config,
                                  steps * config["critic_steps"]),
        "generator_optimizer": _adam(config["generator_lr"], config, steps,
                                     use_ema=config.get("generator_ema", 0.0) > 0),
    }


def finalize(gan):
    """After training, writes the generator's EMA weights (if kept) into the generator.

    `fit()` finalizes only `model.optimizer`, which a WassersteinGAN does not
    use, so this must be called explicitly. A no-op without EMA.
    """
    if getattr(gan.generator_optimizer, "use_ema", False):
        gan.generator_optimizer.finalize_variable_values(gan.generator.trainable_variables)
