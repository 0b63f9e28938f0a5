"""Lipschitz methods of the WGAN family: pure functions, and one object per method.

The Kantorovich-Rubinstein dual of the 1-Wasserstein distance is a supremum
over 1-Lipschitz critics. A neural critic is kept (approximately) Lipschitz,
or regularised in its place, in one of these ways, each selectable by name
(`penalty=` in `WassersteinGAN`, `--penalty` on the command line), one file
each:

- "gp": the two-sided gradient penalty of WGAN-GP, E[(||grad f(x_hat)|| - 1)^2]
  at random interpolates x_hat (Gulrajani et al., 2017, arXiv:1704.00028).
- "lp": the one-sided Lipschitz penalty of WGAN-LP, E[max(0, ||grad f|| - 1)^2]
  at the same points (Petzka et al., 2018, arXiv:1709.08894).
- "pairwise": the founding article's penalty on the Lipschitz condition
  itself over random pairs (x, y): E[max(0, |f(x) - f(y)| / ||x - y|| - 1)^2],
  zero wherever |f(x) - f(y)| <= ||x - y||. It needs no second derivative.
- "clip": weight clipping to [-c, c] after each critic update (Arjovsky et
  al., 2017, arXiv:1701.07875); its penalty term is zero.
- "none": no term, for a critic that is Lipschitz by construction, e.g. with
  spectral normalisation (Miyato et al., 2018, arXiv:1802.05957).
- "gp0": the zero-centred gradient penalty E[||grad f(x_hat)||^2]
  (Thanh-Tung et al., 2019, arXiv:1902.03984).
- "r1": gamma/2 E_real[||grad f(x)||^2] on real samples only (Mescheder et
  al., 2018, arXiv:1801.04406).
- "wgan_div": the Wasserstein divergence's k E[||grad f||^p], k = 2, p = 6
  (Wu et al., 2018, arXiv:1712.01026).
- "ctgan": CT-GAN's gradient penalty plus a consistency term on two dropout
  passes over the real batch (Wei et al., 2018, arXiv:1803.01541).

Each method is a pure function (`gradient_penalty`, ...) with the signature
`fn(critic, real, fake, *, alpha=None, seed=None, real_output=None,
fake_output=None, target=1.0, training=True)` returning an unweighted float32
scalar, and beside it a serializable `LipschitzMethod` class (the Keras losses
pattern: `GradientPenalty` beside `gradient_penalty`) that carries its options
and weight, its `constrain(critic)` hook, its default optimizer and whether
it differentiates an input gradient (`second_order`). `get()` resolves a name,
a config, an instance or a plain function into such an object, once.

A class-conditional critic is handed to every method as `bind_labels(critic,
labels)` (a `LabelledCritic`): a function of the samples alone, the labels
held fixed, scoring with the critic's score output; so every method works
with labels without knowing about them.
"""

import inspect

import keras

from keras_wgan.penalties.base import (LabelledCritic, LipschitzMethod, PenaltyFunction,
                                       bind_labels)
from keras_wgan.penalties.ctgan import (ConsistencyTerm, consistency_term, ctgan_penalty,
                                        feature_model)
from keras_wgan.penalties.drift import drift_penalty
from keras_wgan.penalties.gradient_penalty import GradientPenalty, gradient_penalty
from keras_wgan.penalties.gradients import (EPSILON, gradient_norms, input_gradient, interpolate,
                                            squared_gradient_norms)
from keras_wgan.penalties.lipschitz_penalty import LipschitzPenalty, lipschitz_penalty
from keras_wgan.penalties.no_penalty import NoPenalty, no_penalty
from keras_wgan.penalties.pairwise import (MIN_PAIR_DISTANCE, PairwiseLipschitzPenalty,
                                           pairwise_lipschitz_penalty)
from keras_wgan.penalties.r1 import R1Penalty, r1_penalty
from keras_wgan.penalties.wgan_div import WassersteinDivergence, wasserstein_div_penalty
from keras_wgan.penalties.weight_clipping import WeightClipping, clip_weights, rmsprop
from keras_wgan.penalties.zero_centred import (ZeroCentredGradientPenalty,
                                               zero_centred_gradient_penalty)

__all__ = [
    "ConsistencyTerm", "GradientPenalty", "LabelledCritic", "LipschitzMethod",
    "LipschitzPenalty", "METHODS", "NoPenalty", "PENALTIES", "PairwiseLipschitzPenalty",
    "PenaltyFunction", "R1Penalty", "WassersteinDivergence", "WeightClipping",
    "ZeroCentredGradientPenalty", "bind_labels", "clip_weights", "consistency_term",
    "ctgan_penalty", "drift_penalty", "feature_model", "from_model_options", "get",
    "gradient_norms", "gradient_penalty", "input_gradient", "interpolate", "lipschitz_penalty",
    "no_penalty", "pairwise_lipschitz_penalty", "r1_penalty", "rmsprop",
    "squared_gradient_norms", "wasserstein_div_penalty", "zero_centred_gradient_penalty",
]

#: The method classes by name: what `get(name)` builds.
METHODS = {cls.name: cls for cls in (
    GradientPenalty, LipschitzPenalty, PairwiseLipschitzPenalty, WeightClipping, NoPenalty,
    ZeroCentredGradientPenalty, R1Penalty, WassersteinDivergence, ConsistencyTerm)}

#: The pure function of each name (weight clipping's term is `no_penalty`; it
#: clips in `WeightClipping.constrain`).
PENALTIES = {
    "gp": gradient_penalty,
    "lp": lipschitz_penalty,
    "pairwise": pairwise_lipschitz_penalty,
    "clip": no_penalty,
    "none": no_penalty,
    "gp0": zero_centred_gradient_penalty,
    "r1": r1_penalty,
    "wgan_div": wasserstein_div_penalty,
    "ctgan": ctgan_penalty,
}

# WassersteinGAN's keywords of the first releases, and the method option each sets.
_MODEL_OPTIONS = {"penalty_weight": "weight", "penalty_target": "target",
                  "pairwise_interpolates": "interpolates", "clip_value": "clip_value"}


def get(identifier, **options):
    """The `LipschitzMethod` for a name, a config, an instance or a function.

    Args:
        identifier: a name of `METHODS` ("gp", "lp", "pairwise", "clip",
            "none", "gp0", "r1", "wgan_div", "ctgan"); a config dict as
            `keras.saving.serialize_keras_object` writes it; a
            `LipschitzMethod` (returned as it is); or a callable with the
            penalty signature, wrapped in a `PenaltyFunction`.
        **options: the method's options (`weight`, `target`...), for a name
            or a callable.

    Returns:
        A `LipschitzMethod`.

    Raises:
        ValueError: for an unknown name or an option the method does not take.

    Example:
    >>> get("gp", weight=5.0)
    GradientPenalty(weight=5.0, target=1.0)
    >>> get("clip").default_optimizer_name
    'rmsprop'
    """
    if isinstance(identifier, LipschitzMethod):
        if options:
            raise ValueError(f"penalty options {sorted(options)} cannot be applied to the "
                             f"method object {identifier!r}; expected them in its constructor")
        return identifier
    if isinstance(identifier, dict):
        return get(keras.saving.deserialize_keras_object(identifier), **options)
    if isinstance(identifier, str):
        if identifier not in METHODS:
            raise ValueError(
                f"unknown penalty {identifier!r}: expected one of "
                f"{', '.join(map(repr, METHODS))}, a LipschitzMethod, its config, or a "
                "callable fn(critic, real, fake, **kwargs)")
        return _build(METHODS[identifier], identifier, options)
    if callable(identifier):
        return _build(PenaltyFunction, getattr(identifier, "__name__", "function"), options,
                      identifier)
    raise ValueError(f"penalty must be a name, a config dict, a LipschitzMethod or a callable, "
                     f"received {identifier!r}")


def from_model_options(penalty, **model_options):
    """The method of `WassersteinGAN`'s first keywords: penalty plus penalty_weight...

    `penalty_weight`, `penalty_target`, `pairwise_interpolates` and
    `clip_value` (None: not given) go to the method's `weight`, `target`,
    `interpolates` and `clip_value` where the method has that option, and are
    ignored by the others, as they always were. With a `LipschitzMethod` or a
    config, which carry their own options, giving any of them is an error.

    Raises:
        ValueError: for an unknown name, or keywords given with a method object.
    """
    given = {name: value for name, value in model_options.items() if value is not None}
    unknown = set(model_options) - set(_MODEL_OPTIONS)
    if unknown:
        raise ValueError(f"unknown penalty keywords {sorted(unknown)}; expected "
                         f"{', '.join(_MODEL_OPTIONS)}")
    if isinstance(penalty, dict):
        penalty = keras.saving.deserialize_keras_object(penalty)
    if isinstance(penalty, LipschitzMethod):
        if given:
            raise ValueError(f"{', '.join(sorted(given))} cannot be combined with the method "
                             f"object {penalty!r}; expected its options in its constructor")
        return penalty
    cls = PenaltyFunction if callable(penalty) and not isinstance(penalty, str) else (
        METHODS.get(penalty))
    if cls is None:
        return get(penalty)  # raises for the unknown name
    accepted = _options_of(cls)
    options = {_MODEL_OPTIONS[name]: value for name, value in given.items()
               if _MODEL_OPTIONS[name] in accepted}
    return get(penalty, **options)


def _options_of(cls):
    """The keyword options of a method class's constructor."""
    parameters = inspect.signature(cls.__init__).parameters
    return [name for name in parameters if name not in ("self", "fn")]


def _build(cls, name, options, *args):
    accepted = _options_of(cls)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"penalty {name!r} takes no option {', '.join(unknown)}: expected "
                         f"{', '.join(accepted)}")
    return cls(*args, **options)
