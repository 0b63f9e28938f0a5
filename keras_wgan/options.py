"""`Option`: one setting, declared once by the thing that owns it.

A Lipschitz method, an architecture, a data source, an export format or the
runner declares each of its settings as an `Option` (name, default, help,
check, choices). `keras_wgan.settings` composes `TrainSettings`, the command
line's flags and `train()`'s keywords from these declarations, so that no
list of names is written twice. This module imports neither TensorFlow nor
Keras: declarations must stay importable for an instant `--help`.

Example:
>>> from keras_wgan.options import Option
>>> from keras_wgan import validation
>>> steps = Option("critic_steps", 5, "Critic updates per generator update.",
...                check=lambda name, value: validation.integer(name, value, minimum=1))
>>> steps.checked(3)
3
>>> steps.kind
'integer'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["Option"]

_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string", tuple: "list"}


@dataclasses.dataclass(frozen=True)
class Option:
    """A setting's declaration.

    Attributes:
        name: the keyword of `train()` and the flag's name (`--name`).
        default: its value when not given; None usually means "the recipe's".
        help: one or two sentences for `--help`, the docs and the docstrings.
        check: `check(name, value) -> value`, raising `ValueError` in the
            package's message format (`keras_wgan.validation`); None: no check.
        choices: for a setting with a closed set of string values: them.
        type: the value's Python type (bool, int, float, str or tuple),
            which picks the flag's kind; inferred from `default` when None.
    """

    name: str
    default: Any
    help: str
    check: Callable[[str, Any], Any] | None = None
    choices: tuple | None = None
    type: type | None = None

    def __post_init__(self) -> None:
        if self.type is None:
            if self.default is None:
                raise ValueError(f"Option {self.name!r}: give type= when the default is None")
            object.__setattr__(self, "type", type(self.default))
        if self.type not in _KINDS:
            raise ValueError(
                f"Option {self.name!r}: type must be one of "
                f"{', '.join(t.__name__ for t in _KINDS)}, received {self.type!r}"
            )

    @property
    def kind(self) -> str:
        """The absl flag kind: "boolean", "integer", "float", "string", "list" or "enum"."""
        if self.choices is not None:
            return "enum"
        assert self.type is not None  # set by __post_init__
        return _KINDS[self.type]

    def checked(self, value: Any) -> Any:
        """`value` after this option's check (unchanged when it has none)."""
        return value if self.check is None else self.check(self.name, value)
