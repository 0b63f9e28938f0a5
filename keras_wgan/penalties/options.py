"""The options every Lipschitz method shares, declared once: its weight and its target.

A method class lists the options it exposes as settings in its `options`
class attribute (constructor keyword -> `keras_wgan.options.Option`); the
weight, which every method has, is added by the registry. This module
imports neither TensorFlow nor Keras (see `keras_wgan.declarations`).
"""

from keras_wgan import validation
from keras_wgan.options import Option

__all__ = ["TARGET", "WEIGHT"]

WEIGHT = Option(
    "penalty_weight",
    None,
    "lambda, the penalty's weight (default: the recipe's with the "
    "recipe's penalty, else the method's own, e.g. k = 2 for wgan_div).",
    check=validation.optional(validation.non_negative),
    type=float,
)
TARGET = Option(
    "penalty_target",
    1.0,
    "The Lipschitz constant the penalties aim at.",
    check=validation.non_negative,
)
