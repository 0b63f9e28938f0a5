"""Default hyperparameters per dataset ("recipes"): partial training configurations.

A recipe is a plain dict of fields of `keras_wgan.settings.TrainSettings` (and
so of keyword arguments of `keras_wgan.training.train()` and flags of
`train_main.py`): the Lipschitz method (`penalty`, `penalty_weight`,
`pairwise_interpolates`), `critic_steps`, the architecture (`architecture`,
`latent_dim`, `units`, `depth`), `batch_size` (samples per critic update), the
optimizers (`critic_learning_rate`, `generator_learning_rate`, `beta_1`,
`beta_2`, `lr_decay`) and `train_steps` (generator updates); `train()` takes
every setting the caller leaves None from the recipe. One more key, `tuned`,
says whether the values were measured. Every recipe's keys are checked against
`TrainSettings` when this module is imported.

The toy recipes (8gaussians, 25gaussians, swissroll) were tuned by measurement
with `benchmarks/toy_quality.py`; the image recipe by measurement on 28x28
grayscale digits (docs/image_quality.md, section 2), which cifar10 and celeb_a
take unmeasured (`tuned=False`). How each was chosen, with the measurements:
docs/recipes.md.

A recipe's penalty options (`penalty_weight`) are for its own penalty: a run
with another penalty gets `penalty_weight=None`, that is the method's own
default (WGAN-div's k = 2, R1's gamma...), and `tuned=False`. Its optimizer
settings are for its own penalty too. A run with `penalty="clip"` on a
recipe of another penalty takes the original WGAN's instead
(`CLIP_OPTIMIZER`: learning rate 5e-5 for both networks, no decay, and
`train()` picks RMSprop for clipping): the Adam learning rates of 1e-3 or
1e-4 of the penalty recipes are 20 to 200 times the original's. Other
penalties keep the recipe's optimizer.
"""

import copy

from keras_wgan import settings as _settings

__all__ = ["CLIP_OPTIMIZER", "DEFAULT_IMAGE_RECIPE", "DEFAULT_RECIPE", "IMAGE_RECIPES",
           "RECIPE_KEYS", "RESNET_RECIPE", "TOY_RECIPES", "recipe"]

#: The keys every recipe has (image recipes leave out the mlp's units and depth).
RECIPE_KEYS = ("architecture", "penalty", "penalty_weight", "pairwise_interpolates",
               "critic_steps", "batch_size", "critic_learning_rate", "generator_learning_rate",
               "beta_1", "beta_2", "lr_decay", "train_steps", "latent_dim", "tuned")

_TOY = dict(
    architecture="mlp", penalty="pairwise", penalty_weight=10.0, pairwise_interpolates=False,
    critic_steps=5, batch_size=256, critic_learning_rate=1e-3, generator_learning_rate=1e-3,
    beta_1=0.5, beta_2=0.9, lr_decay="linear", train_steps=4000, latent_dim=2, units=256,
    depth=3, tuned=True,
)

TOY_RECIPES = {
    "8gaussians": dict(_TOY, batch_size=512, train_steps=2000),
    "25gaussians": dict(_TOY, train_steps=6000),
    "swissroll": dict(_TOY, train_steps=4000),
}

#: For any other vector data (e.g. "circle", a .npz of vectors): the toy recipe, untuned.
DEFAULT_RECIPE = dict(_TOY, tuned=False)

#: For images: measured on 28x28 grayscale (docs/image_quality.md, section 2).
#: The architecture is left to the data's shape (dcgan for 28, 32 and 64 px).
DEFAULT_IMAGE_RECIPE = dict(
    architecture=None, penalty="gp", penalty_weight=10.0, pairwise_interpolates=False,
    critic_steps=3, batch_size=64, critic_learning_rate=2e-4, generator_learning_rate=2e-4,
    beta_1=0.5, beta_2=0.9, lr_decay="none", train_steps=20000, latent_dim=128, tuned=True,
)
IMAGE_RECIPES = {name: dict(DEFAULT_IMAGE_RECIPE, tuned=name in ("mnist", "fashion_mnist"))
                 for name in ("mnist", "fashion_mnist", "cifar10", "celeb_a")}


#: For the `resnet` architecture: gan_cifar_resnet.py's (unconditional) settings,
#: untuned here: Adam(2e-4, beta_1=0, beta_2=0.9) for both networks, both
#: decayed linearly to 0, 5 critic steps of batch 64, lambda 10, 100000
#: generator steps. One difference remains: the reference's generator update
#: uses a batch of 2 x 64 (GEN_BS_MULTIPLE), this package's the critic's 64.
RESNET_RECIPE = dict(
    architecture="resnet", penalty="gp", penalty_weight=10.0, pairwise_interpolates=False,
    critic_steps=5, batch_size=64, critic_learning_rate=2e-4, generator_learning_rate=2e-4,
    beta_1=0.0, beta_2=0.9, lr_decay="linear", train_steps=100000, latent_dim=128,
    tuned=False,
)

#: What `recipe(..., penalty="clip")` sets when the recipe is another penalty's:
#: the original WGAN's RMSprop(5e-5) without decay (Arjovsky et al., 2017).
CLIP_OPTIMIZER = dict(critic_learning_rate=5e-5, generator_learning_rate=5e-5,
                      lr_decay="none")


def recipe(dataset_name, kind="points", *, architecture=None, penalty=None):
    """The default hyperparameters of a dataset, as a new dict (safe to modify).

    Args:
        dataset_name: a toy name ("8gaussians", "25gaussians", "swissroll"), an
            image dataset name ("mnist", ...), or anything else (a path...).
        kind: for a name without a recipe, what its samples are: "points"
            (vectors: the generic toy recipe) or "images".
        architecture: the architecture the run uses, if chosen: images with
            "resnet" get `RESNET_RECIPE`.
        penalty: the penalty the run uses, if chosen (a name, or a method
            object or function). Another than the recipe's gets
            `penalty_weight=None` (the method's default) and `tuned=False`;
            "clip" also replaces the optimizer settings by `CLIP_OPTIMIZER`.

    Returns:
        A deep copy of the recipe (keys `RECIPE_KEYS`, plus units and depth
        for vectors).

    Example:
    >>> recipe("8gaussians")["penalty"]
    'pairwise'
    >>> recipe("digits.npz", kind="images")["penalty"]
    'gp'
    >>> recipe("cifar10", architecture="resnet")["critic_learning_rate"]
    0.0002
    >>> recipe("8gaussians", penalty="clip")["critic_learning_rate"]
    5e-05
    >>> print(recipe("25gaussians", penalty="wgan_div")["penalty_weight"])
    None
    """
    if kind not in ("points", "images"):
        raise ValueError(f"kind must be 'points' or 'images', received {kind!r}")
    table = {**TOY_RECIPES, **IMAGE_RECIPES}
    default = DEFAULT_IMAGE_RECIPE if kind == "images" else DEFAULT_RECIPE
    result = table.get(dataset_name, default)
    if architecture == "resnet" and result["architecture"] is None:  # an image recipe
        result = RESNET_RECIPE
    result = copy.deepcopy(result)
    if penalty is not None and penalty != result["penalty"]:  # a method object is another
        result.update(penalty=penalty, penalty_weight=None, tuned=False)
        if penalty == "clip":
            result.update(CLIP_OPTIMIZER)
    return result


def _check_recipes():
    """Every recipe is a partial TrainSettings (plus `tuned`): a typo fails at import."""
    named = {**{f"TOY_RECIPES[{k!r}]": v for k, v in TOY_RECIPES.items()},
             **{f"IMAGE_RECIPES[{k!r}]": v for k, v in IMAGE_RECIPES.items()},
             "DEFAULT_RECIPE": DEFAULT_RECIPE, "DEFAULT_IMAGE_RECIPE": DEFAULT_IMAGE_RECIPE,
             "RESNET_RECIPE": RESNET_RECIPE, "CLIP_OPTIMIZER": CLIP_OPTIMIZER}
    for what, config in named.items():
        _settings.check_partial(config, f"recipe {what}", extra=("tuned",))


_check_recipes()
