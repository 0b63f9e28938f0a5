"""The interface of a Lipschitz method: `LipschitzMethod`; `PenaltyFunction` wraps a function.

A method is resolved once (`keras_wgan.penalties.get`) into an object that
carries its options and its config, in the pattern of Keras's losses
(`MeanSquaredError` beside `mean_squared_error`, `PenaltyWrapper` as
`LossFunctionWrapper`). The training step calls it
and multiplies by its `weight`, and calls `constrain(critic)` after every
critic update; it never asks which method it has.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from keras import ops

from keras_wgan import validation
from keras_wgan.options import Option
from keras_wgan.penalties.options import TARGET

__all__ = ["LabelledCritic", "LipschitzMethod", "PenaltyFunction", "PenaltyWrapper", "bind_labels"]


class LabelledCritic:
    """A class-conditional critic with its labels bound: `x -> score of critic([x, labels])`.

    Every Lipschitz method calls its critic as `critic(x, training=...)` on a
    batch of samples. For a conditional critic the training step passes this
    wrapper instead, so that each method differentiates with respect to the
    sample with the label held fixed, and no method needs to know about
    labels. The score is the critic's output, or its first output for an
    auxiliary-classifier critic (`[scores, logits]`): only the score enters
    the Lipschitz terms.

    A batch of k times as many samples as labels (WGAN-div's one pass over
    `concatenate([real, fake])`, real and fake sharing the labels) is scored
    with the labels repeated k times.

    Args:
        critic: a conditional critic, called as `critic([samples, labels])`.
        labels: int32 [B], the class of each sample of the batches scored.
    """

    def __init__(self, critic, labels):
        self.critic = critic
        self.labels = ops.cast(labels, "int32")

    def labels_for(self, x):
        """The labels of a batch `x` of B or k * B samples, [len(x)]."""
        repeats = tf.shape(x)[0] // tf.shape(self.labels)[0]
        return tf.tile(self.labels, [repeats])

    def bind(self, model):
        """`model` (another model on the critic's inputs) with the same labels bound."""

        def call(x, training=True):
            x = ops.convert_to_tensor(x)
            return model([x, self.labels_for(x)], training=training)

        return call

    def __call__(self, x, training=True):
        x = ops.convert_to_tensor(x)  # the critic takes tensors only in its list of inputs
        outputs = self.critic([x, self.labels_for(x)], training=training)
        return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def bind_labels(critic, labels):
    """The critic to hand a Lipschitz method: `LabelledCritic(critic, labels)`.

    Returns `critic` itself when `labels` is None (an unconditional model).
    """
    return critic if labels is None else LabelledCritic(critic, labels)


class LipschitzMethod:
    """Base class of the Lipschitz methods: a critic term, a constraint, an optimizer.

    A method is called for its unweighted term, which the training step
    multiplies by `weight`; `constrain(critic)` runs after every critic
    update. A subclass sets `name` (its registry name, e.g. "gp"),
    `options` (the constructor keywords it exposes as training settings,
    keyword -> `keras_wgan.options.Option`), `recipe` (if it has one),
    `second_order` (True when the term differentiates the critic's input
    gradient, so that training differentiates twice), and overrides
    `__call__`. Most methods are a pure
    function with fixed keywords: they subclass `PenaltyWrapper` instead.

    Args:
        weight: the term's weight in the critic loss (lambda), >= 0.
    """

    name: str | None = None
    options: dict[str, Option] = {}
    #: Settings a run with this method takes in place of another method's
    #: recipe's (`keras_wgan.recipes.recipe`); None: nothing.
    recipe: dict[str, Any] | None = None
    second_order = False
    #: The `keras_wgan.training.make_optimizer` name of `default_optimizer()`.
    default_optimizer_name = "adam"

    def __init__(self, weight=10.0):
        self.weight = float(validation.non_negative("weight", weight))

    def __call__(
        self,
        critic,
        real,
        fake,
        *,
        alpha=None,
        real_output=None,
        fake_output=None,
        seed=None,
        training=True,
    ):
        """The unweighted term, a float32 scalar.

        Args:
            critic: the critic, mapping [B, ...] to [B, 1].
            real: real samples, [B, ...].
            fake: generated samples, same shape.
            alpha: optional interpolation coefficients [B] (see `interpolate`).
            real_output: the critic's outputs on `real`, if already computed.
            fake_output: the critic's outputs on `fake`, if already computed.
            seed: random seed for alpha when it is not given.
            training: passed to the critic.
        """
        raise NotImplementedError

    def constrain(self, critic):
        """Called after every critic update; a penalty does nothing here."""
        del critic

    def check_critic(self, critic):
        """Raises ValueError for a critic the method cannot work with (none here)."""
        del critic

    def default_optimizer(self):
        """The optimizer the method's paper trains with, a new instance.

        Gradient penalties and spectral normalisation: Adam(1e-4, beta_1=0.5,
        beta_2=0.9), the WGAN-GP released code's (gan_mnist.py, gan_cifar.py,
        gan_toy.py); Algorithm 1 of the paper states beta_1 = 0, beta_2 = 0.9,
        which its ResNet code (gan_cifar_resnet.py) uses with learning rate 2e-4.
        """
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)

    def get_config(self):
        return {"weight": self.weight}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        options = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({options})"


class PenaltyWrapper(LipschitzMethod):
    """A method that is a pure penalty function called with fixed keywords.

    The pattern of Keras's `LossFunctionWrapper`: the wrapper carries the
    call, the checks and the config, so that a method class is its
    docstring, its declarations and a short `__init__` passing its function:

        class GradientPenalty(PenaltyWrapper):
            name = "gp"
            options = {"target": TARGET}

            def __init__(self, weight=10.0, target=1.0):
                super().__init__(gradient_penalty, weight, target=target)

    Args:
        fn: `fn(critic, real, fake, *, alpha, seed, real_output, fake_output,
            training, **fn_options)` returning a scalar.
        weight: the term's weight in the critic loss.
        **fn_options: the function's other keywords, which are the method's
            options and its config. Those declared in `options` are checked
            by their `Option`'s check (and made bool or float by its type).
    """

    def __init__(self, fn, weight=10.0, **fn_options):
        super().__init__(weight)
        self.fn = fn
        self.fn_options = {}
        for keyword, value in fn_options.items():
            option = self.options.get(keyword)
            if option is not None:
                value = value if option.check is None else option.check(keyword, value)
                value = option.type(value) if option.type in (bool, float) else value
            self.fn_options[keyword] = value
            setattr(self, keyword, value)

    def __call__(
        self,
        critic,
        real,
        fake,
        *,
        alpha=None,
        real_output=None,
        fake_output=None,
        seed=None,
        training=True,
    ):
        return ops.cast(
            self.fn(
                critic,
                real,
                fake,
                alpha=alpha,
                seed=seed,
                real_output=real_output,
                fake_output=fake_output,
                training=training,
                **self.fn_options,
            ),
            "float32",
        )

    def get_config(self):
        return {"weight": self.weight, **self.fn_options}


@keras.saving.register_keras_serializable(package="keras_wgan")
class PenaltyFunction(PenaltyWrapper):
    """A user's penalty function as a Lipschitz method.

    The function has the signature of the package's penalty functions,
    `fn(critic, real, fake, *, alpha, real_output, fake_output, target,
    training)` (extra keywords through `**kwargs`), and returns a scalar. It
    saves with the model when Keras can serialize it (a registered or
    module-level function; not a lambda).

    Args:
        fn: the function.
        weight: its weight in the critic loss.
        target: passed to the function as `target=`.
    """

    options = {"target": TARGET}

    def __init__(self, fn, weight=10.0, target=TARGET.default):
        if not callable(fn):
            raise ValueError(f"fn must be callable, received {fn!r}")
        super().__init__(fn, weight, target=target)
        self.name = getattr(fn, "__name__", type(fn).__name__)

    def __call__(
        self,
        critic,
        real,
        fake,
        *,
        alpha=None,
        real_output=None,
        fake_output=None,
        seed=None,
        training=True,
    ):
        del seed  # a user's function need not take `seed`
        return ops.cast(
            self.fn(
                critic,
                real,
                fake,
                alpha=alpha,
                real_output=real_output,
                fake_output=fake_output,
                target=self.target,
                training=training,
            ),
            "float32",
        )

    def get_config(self):
        return {"fn": keras.saving.serialize_keras_object(self.fn), **super().get_config()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["fn"] = keras.saving.deserialize_keras_object(config["fn"])
        return cls(**config)
