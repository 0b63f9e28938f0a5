"""Argument checks shared by the package, with one message format.

Every check raises a `ValueError` whose message starts with the argument's
name and says what was expected and what was received:

    "<name> must be <expected> (<hint>), received <value!r>"

so that the command lines can show it as `--<name> ...` on one line. Each
check returns the value it accepted, so that it can be used inline. This
module imports neither TensorFlow nor Keras.

Example:
>>> from keras_wgan import validation
>>> validation.integer("batch_size", 64, minimum=1)
64
>>> try:
...     validation.number("learning_rate", 0.0, minimum=0.0, strict=True)
... except ValueError as error:
...     print(error)
learning_rate must be a finite number > 0, received 0.0
"""

import math
import numbers

__all__ = [
    "alternatives",
    "beta",
    "first_line",
    "choice",
    "error",
    "fraction",
    "integer",
    "non_negative",
    "number",
    "open_fraction",
    "optional",
    "positive",
    "positive_integer",
]


def error(name, value, expected, hint=None):
    """The `ValueError` of the package's one message format.

    Args:
        name: the argument's name (the command lines show it as `--name`).
        value: what was received.
        expected: what is allowed, e.g. "an integer >= 1".
        hint: why, or what a special value means, shown in parentheses.

    Returns:
        A `ValueError` (to raise).
    """
    hint = f" ({hint})" if hint else ""
    return ValueError(f"{name} must be {expected}{hint}, received {value!r}")


def integer(name, value, minimum=None, *, optional=False, hint=None):
    """Checks that `value` is an integer (not a bool) >= `minimum`.

    Args:
        name: the argument's name.
        value: the value to check.
        minimum: the smallest value allowed (None: any integer).
        optional: None is allowed too (and said so in the message).
        hint: see `error`.

    Returns:
        `value`.
    """
    if optional and value is None:
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or (minimum is not None and value < minimum)
    ):
        expected = "an integer" + ("" if minimum is None else f" >= {minimum}")
        raise error(name, value, ("None or " if optional else "") + expected, hint)
    return value


def number(name, value, minimum=None, *, strict=False, below=None, hint=None):
    """Checks that `value` is a finite real number (not a bool) in a range.

    Args:
        name: the argument's name.
        value: the value to check.
        minimum: the lower bound (None: none).
        strict: `value` must be greater than `minimum`, not equal to it.
        below: an exclusive upper bound (None: none); with one, the range is
            said as an interval, e.g. "a number in [0, 1)".
        hint: see `error`.

    Returns:
        `value`.
    """
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
    ok = ok and (minimum is None or value > minimum or (not strict and value == minimum))
    ok = ok and (below is None or value < below)
    if not ok:
        if below is not None:
            low = "(-inf" if minimum is None else f"{'(' if strict else '['}{minimum:g}"
            expected = f"a number in {low}, {below:g})"
        elif minimum is not None:
            expected = f"a finite number {'>' if strict else '>='} {minimum:g}"
        else:
            expected = "a finite number"
        raise error(name, value, expected, hint)
    return value


def beta(name, value):
    """Adam's decay rates: in [0, 1) (1 never forgets, and its bias correction divides by 0)."""
    return number(name, value, 0.0, below=1.0)


def alternatives(choices):
    """The allowed values said in words: "'a' or 'b'", "one of 'a', 'b', 'c'"."""
    words = [repr(c) for c in choices]
    if len(words) <= 2:
        return " or ".join(words)
    return "one of " + ", ".join(words)


def choice(name, value, choices, *, hint=None):
    """Checks that `value` is one of `choices` (None among them if allowed).

    Returns:
        `value`.
    """
    if isinstance(value, bool) or value not in tuple(choices):
        raise error(name, value, alternatives(choices), hint)
    return value


# Checks in the `check(name, value)` form of `keras_wgan.options.Option`.
def positive_integer(name, value):
    """An integer >= 1."""
    return integer(name, value, minimum=1)


def non_negative(name, value):
    """A finite number >= 0."""
    return number(name, value, minimum=0.0)


def positive(name, value):
    """A finite number > 0."""
    return number(name, value, minimum=0.0, strict=True)


def optional(check):
    """`check`, for a setting whose None means "the recipe's" (or "off"): None passes."""

    def optional_check(name, value):
        return value if value is None else check(name, value)

    return optional_check


def fraction(name, value):
    """A number in [0, 1), e.g. a dropout rate or a decay."""
    return number(name, value, 0.0, below=1.0)


def open_fraction(name, value):
    """A number in (0, 1), e.g. a target share that 0 and 1 would make unreachable."""
    return number(name, value, 0.0, strict=True, below=1.0)


def first_line(error, limit=160):
    """The first line of an error's message ("" for none), cut to `limit` characters.

    For the package's one-line reports of an error raised elsewhere.
    """
    line = (str(error).strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[:limit] + "..."
