"""Default hyperparameters per dataset (provisional: the WGAN-GP paper's toy recipe)."""

import copy

_TOY = dict(architecture="mlp", penalty="gp", penalty_weight=0.1, critic_steps=5,
            batch_size=256, critic_learning_rate=1e-4, generator_learning_rate=1e-4,
            beta_1=0.5, beta_2=0.9, lr_decay="none", train_steps=5000, latent_dim=2)
_IMAGES = dict(penalty="gp", penalty_weight=10.0, critic_steps=5, batch_size=64,
               critic_learning_rate=1e-4, generator_learning_rate=1e-4, beta_1=0.5, beta_2=0.9,
               lr_decay="none", train_steps=10000)
TOY_RECIPES = {name: dict(_TOY) for name in ("8gaussians", "25gaussians", "swissroll", "circle")}


def recipe(dataset_name):
    return copy.deepcopy(TOY_RECIPES.get(dataset_name, _IMAGES))
