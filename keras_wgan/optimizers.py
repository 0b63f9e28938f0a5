"""The WGAN's optimizers: the papers' defaults and resolving what `compile()` is given.

- `default_optimizer(penalty)`: the optimizer the papers' code uses with a
  Lipschitz method (Adam(1e-4, 0.5, 0.9) for the penalties, RMSprop(5e-5) for
  weight clipping).
- `rmsprop`: RMSprop as PyTorch computes it (the original WGAN's optimizer),
  kept by `keras_wgan.penalties.weight_clipping`, which uses it.
- `get(identifier, penalty)`: what `WassersteinGAN.compile()` makes of its
  `critic_optimizer=` and `generator_optimizer=`; `compile_config` and
  `from_compile_config` save and restore the two in a `.keras` file.
"""

import keras

from keras_wgan import penalties
from keras_wgan.penalties.weight_clipping import RMSPROP_EPSILON, RMSPROP_RHO, rmsprop

__all__ = ["RMSPROP_EPSILON", "RMSPROP_RHO", "compile_config", "default_optimizer",
           "from_compile_config", "get", "rmsprop"]

# The two optimizers of a WassersteinGAN, by their compile() keyword.
OPTIMIZERS = ("critic_optimizer", "generator_optimizer")


def default_optimizer(penalty):
    """The optimizer the papers' code uses with a Lipschitz method (a new instance each call).

    `penalties.get(penalty).default_optimizer()`: Adam(1e-4, beta_1=0.5,
    beta_2=0.9) for the penalties (the WGAN-GP released code's), RMSprop(5e-5)
    as PyTorch computes it (`rmsprop`) for weight clipping.

    Args:
        penalty: anything `penalties.get` takes (a name, a `LipschitzMethod`...).

    Returns:
        A new `keras.optimizers.Optimizer`.
    """
    return penalties.get(penalty).default_optimizer()


def get(identifier, penalty):
    """The optimizer for `identifier`, or the method's default one for None.

    Args:
        identifier: a `keras.optimizers.Optimizer`, its name or config, or None.
        penalty: the model's `LipschitzMethod`, whose `default_optimizer()`
            None stands for.

    Returns:
        A `keras.optimizers.Optimizer`.
    """
    if identifier is None:
        return penalty.default_optimizer()
    return keras.optimizers.get(identifier)


def compile_config(config, model):
    """A `WassersteinGAN`'s compile config: Keras's `config` with its two optimizers.

    Args:
        config: `keras.Model.get_compile_config()` of the model.
        model: the compiled `WassersteinGAN`.

    Returns:
        The config, without Keras's single `optimizer`, with `critic_optimizer`
        and `generator_optimizer` serialized.
    """
    config = dict(config)
    config.pop("optimizer", None)
    for name in OPTIMIZERS:
        config[name] = keras.saving.serialize_keras_object(getattr(model, name))
    return config


def from_compile_config(config):
    """The keywords of `WassersteinGAN.compile()` from a `compile_config`."""
    config = dict(config)
    for name in OPTIMIZERS:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    for name in ("loss", "loss_weights", "metrics", "weighted_metrics", "optimizer"):
        config.pop(name, None)
    return config
