"""Default hyperparameters per dataset ("recipes"): partial training configurations.

A recipe is a plain dict of fields of `keras_wgan.settings.TrainSettings` (and
so of keyword arguments of `keras_wgan.training.train()` and flags of
`train_main.py`): the Lipschitz method (`penalty`, `penalty_weight`,
`pairwise_interpolates`), `critic_steps`, the architecture (`architecture`,
`latent_dim`, `units`, `depth`), `batch_size` (samples per critic update), the
optimizers (`critic_learning_rate`, `generator_learning_rate`, `beta_1`,
`beta_2`, `lr_decay`) and `train_steps` (generator updates); `train()` takes
every setting the caller leaves None from the recipe. One more key, `tuned`,
says whether the values were measured. Every recipe, those the Lipschitz
methods and architectures declare included, is checked against
`TrainSettings` (its keys and values) when this module is imported.

The toy recipes (8gaussians, 25gaussians, swissroll) were tuned by measurement
with `benchmarks/toy_quality.py`; the image recipe by measurement on 28x28
grayscale digits (docs/experiments/image-quality.md, section 2), and checked
on colour, a folder of 3,655 emoji at 32 and 64 px, against two plain
WGAN-GP references at equal time (section 6); cifar10 and celeb_a take it
unmeasured on their own data (`tuned=False`). How each was chosen, with the measurements:
docs/experiments/recipes.md.

A recipe's penalty options (`penalty_weight`) are for its own penalty: a run
with another penalty gets `penalty_weight=None`, that is the method's own
default (WGAN-div's k = 2, R1's gamma...), and `tuned=False`. Its optimizer
settings are for its own penalty too, unless the other method declares a
recipe of its own (`LipschitzMethod.recipe`): weight clipping takes the
original WGAN's optimizer settings, and `train()` picks RMSprop for it. An
architecture may declare a recipe too (`Architecture.recipe`, e.g.
`resnet`'s), which replaces an image recipe that leaves the architecture to
the data's shape.
"""

import copy

from keras_wgan import architectures, penalties
from keras_wgan import settings as _settings

__all__ = [
    "DEFAULT_IMAGE_RECIPE",
    "DEFAULT_RECIPE",
    "IMAGE_RECIPES",
    "TOY_RECIPES",
    "kind_of",
    "recipe",
]

_TOY = dict(
    architecture="mlp",
    penalty="pairwise",
    penalty_weight=10.0,
    pairwise_interpolates=False,
    critic_steps=5,
    batch_size=256,
    critic_learning_rate=1e-3,
    generator_learning_rate=1e-3,
    beta_1=0.5,
    beta_2=0.9,
    lr_decay="linear",
    train_steps=4000,
    latent_dim=2,
    units=256,
    depth=3,
    tuned=True,
)

TOY_RECIPES = {
    "8gaussians": dict(_TOY, batch_size=512, train_steps=2000),
    "25gaussians": dict(_TOY, train_steps=6000),
    "swissroll": dict(_TOY, train_steps=4000),
}

#: For any other vector data (e.g. "circle", a .npz of vectors): the toy recipe, untuned.
DEFAULT_RECIPE = dict(_TOY, tuned=False)

#: For images: measured on 28x28 grayscale (docs/experiments/image-quality.md, section 2).
#: The architecture is left to the data's shape (dcgan for 28, 32 and 64 px).
DEFAULT_IMAGE_RECIPE = dict(
    architecture=None,
    penalty="gp",
    penalty_weight=10.0,
    pairwise_interpolates=False,
    critic_steps=3,
    batch_size=64,
    critic_learning_rate=2e-4,
    generator_learning_rate=2e-4,
    beta_1=0.5,
    beta_2=0.9,
    lr_decay="none",
    train_steps=20000,
    latent_dim=128,
    tuned=True,
)
IMAGE_RECIPES = {
    name: dict(DEFAULT_IMAGE_RECIPE, tuned=name in ("mnist", "fashion_mnist"))
    for name in ("mnist", "fashion_mnist", "cifar10", "celeb_a")
}


def kind_of(dataset_name):
    """What the samples of a dataset with a recipe of its own are: "points" or "images".

    Returns:
        "points" for a toy recipe's name, "images" for an image recipe's, None
        for any other name (its recipe depends on its data's kind).

    Example:
    >>> kind_of("mnist"), kind_of("digits.npz")
    ('images', None)
    """
    if dataset_name in TOY_RECIPES:
        return "points"
    return "images" if dataset_name in IMAGE_RECIPES else None


def recipe(dataset_name, kind="points", *, architecture=None, penalty=None):
    """The default hyperparameters of a dataset, as a new dict (safe to modify).

    Args:
        dataset_name: a toy name ("8gaussians", "25gaussians", "swissroll"), an
            image dataset name ("mnist", ...), or anything else (a path...).
        kind: for a name without a recipe, what its samples are: "points"
            (vectors: the generic toy recipe) or "images".
        architecture: the architecture the run uses, if chosen: one that
            declares a recipe (`resnet`) gets it in place of an image recipe.
        penalty: the penalty the run uses, if chosen (a name, or a method
            object or function). Another than the recipe's gets
            `penalty_weight=None` (the method's default) and `tuned=False`,
            and the method's own recipe where it declares one (clipping's
            optimizer settings).

    Returns:
        A deep copy of the recipe: a partial `TrainSettings` plus "tuned".

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
    own = architectures.declared().get(architecture, {}).get("recipe")
    if own is not None and result["architecture"] is None:  # an image recipe
        result = own
    result = copy.deepcopy(result)
    if penalty is not None and penalty != result["penalty"]:  # a method object is another
        result.update(penalty=penalty, penalty_weight=None, tuned=False)
        if isinstance(penalty, str) and penalty in penalties.declared():
            result.update(penalties.declared()[penalty]["recipe"] or {})
    return result


def _check_recipes():
    """Every recipe, declared ones included, is a partial TrainSettings (plus `tuned`).

    A typo fails at import.
    """
    named = {
        **{f"TOY_RECIPES[{k!r}]": v for k, v in TOY_RECIPES.items()},
        **{f"IMAGE_RECIPES[{k!r}]": v for k, v in IMAGE_RECIPES.items()},
        "DEFAULT_RECIPE": DEFAULT_RECIPE,
        "DEFAULT_IMAGE_RECIPE": DEFAULT_IMAGE_RECIPE,
        **{
            f"architecture {name!r}": entry["recipe"]
            for name, entry in architectures.declared().items()
            if entry["recipe"]
        },
        **{
            f"penalty {name!r}": entry["recipe"]
            for name, entry in penalties.declared().items()
            if entry["recipe"]
        },
    }
    for what, config in named.items():
        _settings.check_partial(config, f"recipe {what}", extra=("tuned",))


_check_recipes()
