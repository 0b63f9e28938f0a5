"""Default hyperparameters per dataset ("recipes"), chosen by measurement.

A recipe is a plain dict of keyword arguments of `keras_wgan.training.train()`
(and so of flags of `train_main.py`): the WassersteinGAN options (`penalty`,
`penalty_weight`, `pairwise_interpolates`, `critic_steps`), the architecture
(`architecture`, `latent_dim`, `units`, `depth`), `batch_size` (samples per
critic update), the optimizers (`critic_learning_rate`,
`generator_learning_rate`, `beta_1`, `beta_2`, `lr_decay`) and `train_steps`
(generator updates); `train()` takes every value the caller leaves None from
the recipe. `tuned` says whether the values were measured.

How the toy recipes were chosen (issue #3; `benchmarks/toy_quality.py`).
Quality is the exact W1 (Euclidean cost, `ot.emd2`) between 2000 generated
and 2000 true samples divided by the W1 between two independent sets of 2000
true samples (the noise floor), as mean W1 / mean floor over 5 evaluation
seeds (3 for the pruning runs). Floors (5 seeds): 8gaussians 0.059 (0.032 to
0.093 by seed: it is mostly how 2000 samples split between the 8 modes),
25gaussians 0.057 (3 seeds), swissroll 0.061 (0.068 for 3 seeds). The WGAN-GP paper's
recipe (3x512, gp lambda 0.1, Adam(1e-4, 0.5, 0.9), 5000 steps, 9-13 min)
scored 1.75 / 2.02 (20 of 25 modes) / 1.35.

* The pairwise Lipschitz penalty (lambda 10) beats the gradient penalty and is
  cheaper: on 25gaussians (3x256, lr 1e-3 decayed, 2000 steps) gp lambda 0.1
  scored 2.12 (25/25 modes, 49% of samples within 3 std) at 42 ms/step,
  gp lambda 1 3.97 (20/25) at 55 ms/step, pairwise lambda 10 1.56 (25/25,
  71%) at 27 ms/step (same machine load, ~5 on 2 cores).
* Learning rate 1e-3 decayed linearly to 0 over training: the end of the decay
  is what sharpens the modes (25gaussians, 6000 steps: 24/25 modes and 32%
  within 3 std at step 2000, 70% at 4000, 25/25 and 93% at 6000).
* Longer training helps the 25 modes: 1.56 after 2000 steps, 1.29 after 6000.
* pairwise lambda 30: 1.43 at 2000 steps, 1.29 at 8000 (no better than lambda
  10 at 6000); pairwise_interpolates=True: 1.53 vs 1.56, at a higher cost.
* 3x256 networks instead of 3x512: about 2-3x cheaper per step; with the
  saved time spent on steps they reach the goal.
* 8gaussians, where the remaining error is the mass per mode (94-97% of
  samples already lie within 3 std of a centre): batch 256 scored 1.34 after
  2000 steps and 1.35 after 4000; batch 512 (2000 steps) 1.26.
* Generator EMA (Keras `use_ema`, momentum 0.999) hurt badly: 8gaussians
  2.13, 7/8 modes, 1.4% within 3 std (averaged weights blur the sharp
  latent-to-mode transitions), so the package keeps no generator average.

Measured results of the chosen recipes (5 evaluation seeds except where
noted; each from one training seed, and run-to-run spread is about 0.1):
  8gaussians  1.26, 8/8 modes, 95% within 3 std; 2000 steps of batch 512
  25gaussians 1.29 (3 seeds), 25/25 modes, 93% within 3 std; 6000 steps
  swissroll   1.13 (1.04 after 2000 steps, 3 seeds); 4000 steps
These floors from 3 to 5 pairs of sets are noisy (one pair's floor varies by
about a third either way). `benchmarks/toy_quality.py` now divides the mean
W1 over 20 sample sets by the mean floor of 200 pairs (8gaussians 0.058,
25gaussians 0.071, swissroll 0.068); with the bfloat16 default it measured
1.22 +- 0.07 (8/8 modes), 1.02 +- 0.03 (25/25) and 1.03 +- 0.04 in 45, 84
and 52 s of training on the idle 2-core CPU. Keeping the critic's learning
rate constant while the generator's decays gave 8gaussians 1.13, 1.13 and
1.22 over three training seeds (100 sample sets) against 1.23 and 1.17 for
the recipe: within the seed-to-seed spread, so the recipe is unchanged.
Speed with XLA (`jit_compile=True`, `steps_per_execution=50`) at a load
average of ~10 on the 2 cores: 36 ms/step at batch 256 (213 s for
25gaussians' 6000 steps), 68 ms/step at batch 512 (136 s for 8gaussians);
27 ms/step at batch 256 at load ~5. The paper recipe took 110-124 ms/step.

The image recipe was measured on 28x28 grayscale digits (mnist_5k, dcgan,
1000 generator steps; docs/image_quality.md, section 2): 3 critic steps and
Adam(2e-4, 0.5, 0.9) for both networks, as the keras.io WGAN-GP example
(the WGAN-GP released code's 5 and 1e-4 trained far worse at equal steps).
The `resnet` architecture gets `RESNET_RECIPE`, gan_cifar_resnet.py's.

A recipe's optimizer settings are for its own penalty. A run with
`penalty="clip"` on a recipe of another penalty takes the original WGAN's
instead (`CLIP_OPTIMIZER`: learning rate 5e-5 for both networks, no decay,
and `train()` picks RMSprop for clipping): the Adam learning rates of 1e-3
or 1e-4 of the penalty recipes are 20 to 200 times the original's.
"""

import copy

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
IMAGE_RECIPES = {name: dict(DEFAULT_IMAGE_RECIPE)
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
        penalty: the penalty the run uses, if chosen: "clip" on a recipe of
            another penalty replaces its optimizer settings by
            `CLIP_OPTIMIZER` (and the recipe is then `tuned=False`).

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
    """
    if kind not in ("points", "images"):
        raise ValueError(f"kind must be 'points' or 'images', received {kind!r}")
    table = {**TOY_RECIPES, **IMAGE_RECIPES}
    default = DEFAULT_IMAGE_RECIPE if kind == "images" else DEFAULT_RECIPE
    result = table.get(dataset_name, default)
    if architecture == "resnet" and result["architecture"] is None:  # an image recipe
        result = RESNET_RECIPE
    result = copy.deepcopy(result)
    if penalty == "clip" and result["penalty"] != "clip":
        result.update(CLIP_OPTIMIZER, penalty="clip", tuned=False)
    return result
