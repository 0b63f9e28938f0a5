"""A package face that imports its modules on first use (PEP 562).

`import keras_wgan` and its packages' faces (`keras_wgan.data`,
`keras_wgan.evaluation`, `keras_wgan.export`, the registries
`keras_wgan.penalties` and `keras_wgan.architectures`) load neither
TensorFlow nor Keras, so that the command lines answer `--help` at once:
each face lists its submodules and the names it offers from them (or, for a
registry, a function that imports its modules and returns their names), and
`attach` makes the module's `__getattr__` and `__dir__`, which import a
submodule when one of those names is first asked for.

Example:
>>> from keras_wgan import lazy
>>> getattr_, dir_ = lazy.attach("keras_wgan.export", attributes={"base": "base"})
>>> "base" in dir_()
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str,
    submodules: Iterable[str] = (),
    attributes: Mapping[str, str] | None = None,
    *,
    loaded: Callable[[], Mapping[str, Any]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of a package face that imports on first use.

    Args:
        package: the package's dotted name (the face's `__name__`).
        submodules: the submodules offered as attributes, by their name in the package.
        attributes: the other names offered, each mapped to the submodule (its
            name in the package) that defines it. A name is looked up once:
            its value is then set on the package, so later accesses skip
            `__getattr__`.
        loaded: for names known only once modules are imported (a registry's
            classes): a function that imports them and returns {name: value};
            called when a name that is neither of the above is asked for.

    Returns:
        `(__getattr__, __dir__)`, to assign at the face's top level.
    """
    submodules = frozenset(submodules)
    attributes = dict(attributes or {})
    lazy_names = submodules | set(attributes)

    def __getattr__(name: str) -> Any:
        """Imports a submodule, or the module of one of the names offered, when first asked for.

        Raises:
            AttributeError: `name` is neither a submodule nor a name offered.
        """
        # Imports at call time are what a lazy face is for: its modules import TensorFlow.
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in attributes:
            value = getattr(importlib.import_module(f"{package}.{attributes[name]}"), name)
            setattr(sys.modules[package], name, value)
            return value
        if loaded is not None and not name.startswith("__") and name in loaded():
            return loaded()[name]
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        """The module's names, those not imported yet included."""
        names = set(vars(sys.modules[package])) | lazy_names
        return sorted(names | set(loaded()) if loaded is not None else names)

    return __getattr__, __dir__
