"""Lipschitz methods of the WGAN family: pure functions, one object per method, one registry.

The Kantorovich-Rubinstein dual of the 1-Wasserstein distance is a supremum
over 1-Lipschitz critics. A neural critic is kept (approximately) Lipschitz,
or regularised in its place, by a Lipschitz method, selectable by name
(`penalty=` in `WassersteinGAN`, `--penalty` on the command line). Each
method is one module of this package, holding:

- a pure function (`gradient_penalty`, ...) with the signature
  `fn(critic, real, fake, *, alpha=None, seed=None, real_output=None,
  fake_output=None, target=1.0, training=True)` returning an unweighted
  float32 scalar, with its paper;
- a serializable `LipschitzMethod` class beside it (the Keras losses pattern:
  `GradientPenalty` beside `gradient_penalty`, most of them a
  `PenaltyWrapper` of their function) that carries its weight and options,
  its `constrain(critic)` hook, its default optimizer and whether it
  differentiates an input gradient (`second_order`). Its class attributes
  declare it: `name` (the registry name), `options` (the constructor
  keywords it exposes as training settings, as `keras_wgan.options.Option`s)
  and, where it has one, `recipe` (the training settings a run with it takes
  in place of another method's recipe's, e.g. clipping's optimizer).

The registry is this package: every module's class that declares a `name`
is a method. `names()` and `setting_options()` read the declarations from
the source without importing TensorFlow (`keras_wgan.declarations`), for the
command line; every other name of the package (the classes, the functions,
`get`, `METHODS`) imports the methods, and so TensorFlow, on first use.
Imported once Keras is loaded, the package loads the methods at once (which
registers their classes for deserialization). `get()` resolves a name, a
config, an instance or a plain function into a method object, once.

A class-conditional critic is handed to every method as `bind_labels(critic,
labels)` (a `LabelledCritic`): a function of the samples alone, the labels
held fixed, scoring with the critic's score output; so every method works
with labels without knowing about them.

Example:
>>> from keras_wgan import penalties
>>> "gp" in penalties.names()
True
>>> penalties.get("gp", weight=5.0)
GradientPenalty(weight=5.0, target=1.0)
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from keras_wgan import declarations, lazy
from keras_wgan.penalties.options import TARGET, WEIGHT

if TYPE_CHECKING:
    from keras_wgan.options import Option
    from keras_wgan.penalties.base import LipschitzMethod

__all__ = [
    "declared",
    "deserialize",
    "from_model_options",
    "get",
    "names",
    "serialize",
    "setting_options",
]

# The modules a method's declarations may use (they import no TensorFlow).
_LIGHT = ("keras_wgan.options", "keras_wgan.validation", "keras_wgan.penalties.options")


@functools.cache
def declared() -> dict[str, dict[str, Any]]:
    """Each registered method's declarations, by name, read without importing TensorFlow.

    Returns:
        dict name -> {"class", "module", "doc", "name", "options", "recipe"},
        sorted by name; "options" maps each constructor keyword the method
        exposes as a setting to its `Option`, the weight first; "recipe" is
        what a run with the method takes in place of another method's
        recipe's settings (None: nothing).
    """
    found = {}
    for module in declarations.module_names(__name__):
        for entry in declarations.read(module, ("name", "options", "recipe"), _LIGHT):
            entry["options"] = {"weight": WEIGHT, **entry.get("options", {})}
            entry.setdefault("recipe", None)
            found[entry["name"]] = entry
    return dict(sorted(found.items()))


def names() -> tuple[str, ...]:
    """The registered methods' names, sorted: what `get` and `--penalty` take."""
    return tuple(declared())


def setting_options() -> tuple[Option, ...]:
    """Every method's setting options, each once: the weight, the target, then their own.

    `keras_wgan.settings` makes them fields of `TrainSettings`.
    """
    options = {WEIGHT.name: WEIGHT, TARGET.name: TARGET}
    for entry in declared().values():
        for option in entry["options"].values():
            options.setdefault(option.name, option)
    return tuple(options.values())


@functools.cache
def _public() -> dict[str, Any]:
    """Every public name of the method modules, importing them (and TensorFlow)."""
    public = {}
    for module_name in declarations.module_names(__name__):
        # The lazy face: the method modules, and TensorFlow with them, load on first use.
        module = importlib.import_module(module_name)
        public.update({name: getattr(module, name) for name in getattr(module, "__all__", ())})
    methods = {
        name: getattr(importlib.import_module(entry["module"]), entry["class"])
        for name, entry in declared().items()
    }
    public["METHODS"] = methods
    # The pure function of each name (weight clipping's term is `no_penalty`).
    public["PENALTIES"] = {name: cls().fn for name, cls in methods.items()}
    globals().update(public)  # later accesses skip __getattr__
    return public


__getattr__, __dir__ = lazy.attach(__name__, loaded=_public)


def get(
    identifier: str | dict[str, Any] | LipschitzMethod | Callable[..., Any], **options: Any
) -> LipschitzMethod:
    """The `LipschitzMethod` for a name, a config, an instance or a function.

    Args:
        identifier: a name of `names()` ("gp", "lp", "pairwise", ...); a
            config dict as `serialize` writes it; a `LipschitzMethod`
            (returned as it is); or a callable with the penalty signature,
            wrapped in a `PenaltyFunction`.
        **options: the method's constructor keywords (`weight`, `target`...),
            for a name or a callable.

    Returns:
        A `LipschitzMethod`.

    Raises:
        ValueError: for an unknown name or an option the method does not take.

    Example:
    >>> get("clip").default_optimizer_name
    'rmsprop'
    """
    public = _public()
    if isinstance(identifier, public["LipschitzMethod"]):
        if options:
            raise ValueError(
                f"penalty options {sorted(options)} cannot be applied to the "
                f"method object {identifier!r}; expected them in its constructor"
            )
        return identifier
    if isinstance(identifier, dict):
        return get(deserialize(identifier), **options)
    if isinstance(identifier, str):
        if identifier not in public["METHODS"]:
            raise ValueError(
                f"unknown penalty {identifier!r}: expected one of "
                f"{', '.join(map(repr, names()))}, a LipschitzMethod, its config, or a "
                "callable fn(critic, real, fake, **kwargs)"
            )
        return _build(public["METHODS"][identifier], identifier, options)
    if callable(identifier):
        return _build(
            public["PenaltyFunction"],
            getattr(identifier, "__name__", "function"),
            options,
            identifier,
        )
    raise ValueError(
        f"penalty must be a name, a config dict, a LipschitzMethod or a callable, "
        f"received {identifier!r}"
    )


def serialize(
    method: str | dict[str, Any] | LipschitzMethod | Callable[..., Any],
) -> dict[str, Any]:
    """A method's config, as `keras.saving.serialize_keras_object` writes it."""
    import keras  # the lazy face: Keras only when a method is serialized

    return keras.saving.serialize_keras_object(get(method))


def deserialize(config: dict[str, Any]) -> LipschitzMethod:
    """The method of a config that `serialize` (or a saved model) wrote.

    Raises:
        ValueError: when the config is not that of a `LipschitzMethod`.
    """
    import keras  # the lazy face: Keras only when a method is deserialized

    public = _public()  # loading the methods registers their classes with Keras
    method = keras.saving.deserialize_keras_object(config)
    if not isinstance(method, public["LipschitzMethod"]):
        raise ValueError(f"penalty config must describe a LipschitzMethod, received {config!r}")
    return method


def from_model_options(
    penalty: str | dict[str, Any] | LipschitzMethod | Callable[..., Any], **model_options: Any
) -> LipschitzMethod:
    """The method of `WassersteinGAN`'s keywords: penalty plus penalty_weight...

    The keywords are the methods' setting names (`setting_options()`:
    `penalty_weight`, `penalty_target`, `pairwise_interpolates`,
    `clip_value`); None means not given. Each goes to the constructor keyword
    it is declared for (`weight`, `target`, `interpolates`, `clip_value`)
    where the method declares it, and is ignored by the others. With a
    `LipschitzMethod` or a config, which carry their own options, giving any
    of them is an error.

    Raises:
        ValueError: for an unknown name or keyword, or keywords given with a method object.
    """
    known = [option.name for option in setting_options()]
    unknown = set(model_options) - set(known)
    if unknown:
        raise ValueError(f"unknown penalty keywords {sorted(unknown)}; expected {', '.join(known)}")
    given = {name: value for name, value in model_options.items() if value is not None}
    public = _public()
    if isinstance(penalty, dict):
        penalty = deserialize(penalty)
    if isinstance(penalty, public["LipschitzMethod"]):
        if given:
            raise ValueError(
                f"{', '.join(sorted(given))} cannot be combined with the method "
                f"object {penalty!r}; expected its options in its constructor"
            )
        return penalty
    if callable(penalty) and not isinstance(penalty, str):
        declared_options = {"weight": WEIGHT, **public["PenaltyFunction"].options}
    elif penalty in declared():
        declared_options = declared()[penalty]["options"]
    else:
        return get(penalty)  # raises for the unknown name
    options = {
        keyword: given[option.name]
        for keyword, option in declared_options.items()
        if option.name in given
    }
    return get(penalty, **options)


def _build(cls, name, options, *args):
    parameters = inspect.signature(cls.__init__).parameters
    accepted = [keyword for keyword in parameters if keyword not in ("self", "fn")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"penalty {name!r} takes no option {', '.join(unknown)}: expected {', '.join(accepted)}"
        )
    return cls(*args, **options)


if "keras" in sys.modules:
    # Imported beside Keras (by the model, a training run, a saved model's loading): the
    # methods cost nothing more to load now, and loading registers each class with Keras,
    # so that a saved model's penalty deserializes without this package being touched first.
    _public()
