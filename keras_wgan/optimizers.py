"""The WGAN's optimizers: the papers' defaults and resolving what `compile()` is given.

- `default_optimizer(penalty)`: the optimizer the papers' code uses with a
  Lipschitz method (Adam(1e-4, 0.5, 0.9) for the penalties, RMSprop(5e-5) for
  weight clipping).
- `rmsprop`: RMSprop as PyTorch computes it (the original WGAN's optimizer),
  kept by `keras_wgan.penalties.weight_clipping`, which uses it.
- `LinearDecay`: a learning rate falling linearly to 0 over the run's
  generator steps, for both optimizers (`bind_generator_step`).
- `get(identifier, penalty)`: what `WassersteinGAN.compile()` makes of its
  `critic_optimizer=` and `generator_optimizer=`; `compile_config` and
  `from_compile_config` save and restore the two in a `.keras` file.
"""

import keras
from keras import ops

from keras_wgan import penalties, validation
from keras_wgan.penalties.weight_clipping import RMSPROP_EPSILON, RMSPROP_RHO, rmsprop

__all__ = [
    "LinearDecay",
    "RMSPROP_EPSILON",
    "RMSPROP_RHO",
    "bind_generator_step",
    "compile_config",
    "default_optimizer",
    "from_compile_config",
    "get",
    "linear_decay",
    "linear_decay_of",
    "rmsprop",
]

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


@keras.saving.register_keras_serializable(package="keras_wgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate falling linearly to 0 over the run's generator steps.

    lr(t) = initial_learning_rate * max(0, 1 - t / decay_steps) at generator
    step t (generator updates made), for the critic's optimizer as for the
    generator's: WGAN-GP's CIFAR-10 schedule, whose code decays both by the
    generator iteration. Keyed to the generator step, not to the optimizer's
    own `iterations`, a run resumed with another `critic_steps` or
    `train_steps` decays as one uninterrupted run with the new settings
    would: from the restored step towards 0 at the new `decay_steps`.

    `WassersteinGAN.compile()` binds the schedule to the generator step
    (`bind`); unbound, e.g. in an optimizer of another model, it counts the
    updates of its own optimizer.

    Args:
        initial_learning_rate: the rate at step 0, a finite number > 0.
        decay_steps: the generator step at which the rate reaches 0, >= 1.

    Example:
    >>> schedule = LinearDecay(1e-3, decay_steps=100)
    >>> round(float(schedule(25)), 8)
    0.00075
    """

    def __init__(self, initial_learning_rate, decay_steps):
        super().__init__()
        self.initial_learning_rate = float(
            validation.number(
                "initial_learning_rate", initial_learning_rate, minimum=0.0, strict=True
            )
        )
        self.decay_steps = int(validation.integer("decay_steps", decay_steps, minimum=1))
        self.step_counter = None

    def bind(self, step_counter):
        """Makes the schedule a function of `step_counter` (an integer variable) from now on."""
        self.step_counter = step_counter
        return self

    def __call__(self, step):
        if self.step_counter is not None:
            step = self.step_counter
        fraction = ops.minimum(ops.cast(step, "float32") / self.decay_steps, 1.0)
        return self.initial_learning_rate * (1.0 - fraction)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
        }


def linear_decay(learning_rate, decay_steps):
    """`LinearDecay(learning_rate, decay_steps)`, or `learning_rate` itself for no `decay_steps`.

    What a runner passes as an optimizer's learning rate: with `decay_steps`
    (the run's `train_steps`), both the critic's and the generator's rates
    fall to 0 at that generator step.
    """
    return LinearDecay(learning_rate, decay_steps) if decay_steps else learning_rate


def bind_generator_step(optimizer, generator_step):
    """Binds the optimizer's `LinearDecay`, if it has one, to the model's generator step.

    Args:
        optimizer: a `keras.optimizers.Optimizer`.
        generator_step: the integer variable counting generator updates (the
            generator optimizer's `iterations`).
    """
    schedule = linear_decay_of(optimizer)
    if schedule is not None:
        schedule.bind(generator_step)


def linear_decay_of(optimizer):
    """The optimizer's `LinearDecay` learning rate, or None."""
    # Keras keeps a schedule in `_learning_rate`; `learning_rate` returns its current value.
    schedule = getattr(optimizer, "_learning_rate", None)
    return schedule if isinstance(schedule, LinearDecay) else None
