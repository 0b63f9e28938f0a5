"""Every training setting, declared once by its owner, composed into `TrainSettings`.

`TrainSettings` is the configuration of a training run. `training.train()`
takes its fields as keyword arguments, `train_main.py` generates one absl
flag per field (same name, default and help), the recipes
(`keras_wgan.recipes`) are partial dicts of its fields, and the documentation's flag
table is generated from it (`markdown_table`). A setting left None takes the
dataset's recipe when training starts.

Each field is a `keras_wgan.options.Option`. The runner's own settings are
declared in `keras_wgan.run_options`; a Lipschitz method's options (`penalty_target`,
`pairwise_interpolates`, `clip_value`...) by the method
(`keras_wgan.penalties.setting_options()`), and an architecture's size
options (`units`, `depth`, `filters`, `channels`, `critic_dropout`) by the
architecture (`keras_wgan.architectures.setting_options()`): a new method or
architecture brings its settings with it.

The settings are checked when a `TrainSettings` is made, each by the check
declared with it (the shared checks of `keras_wgan.validation`), so that a
typo fails in a second instead of after training. This module imports
neither TensorFlow nor Keras: `--help` stays fast (the registries' names and
declarations are read without importing their modules); the export's
settings come from its light `keras_wgan.export.options`.

Example:
>>> from keras_wgan.settings import TrainSettings
>>> settings = TrainSettings(dataset="25gaussians", train_steps=100)
>>> settings.train_steps, settings.verbose
(100, 2)
>>> try:
...     TrainSettings(batch_size=0)
... except ValueError as error:
...     print(error)
batch_size must be an integer >= 1, received 0
"""

import dataclasses
import difflib
import textwrap

from keras_wgan import architectures, run_options
from keras_wgan.architectures.base import CRITIC_CONDITIONINGS
from keras_wgan.distribute import STRATEGIES
from keras_wgan.run_options import MIXED_PRECISION, check_mixed_precision

__all__ = [
    "CRITIC_CONDITIONINGS",
    "MIXED_PRECISION",
    "OPTIONS",
    "STRATEGIES",
    "TrainSettings",
    "check_mixed_precision",
    "check_partial",
    "describe",
    "flag_kind",
    "make",
    "markdown_table",
    "names",
]

#: Every setting, in the order of the flags and the docs: the runner's, with the
#: registered architectures' and Lipschitz methods' own among them.
OPTIONS = (
    *run_options.DATA,
    *run_options.NETWORKS,
    *run_options.LIPSCHITZ,
    *run_options.GAME,
    *run_options.DISTRIBUTION,
    *run_options.SPEED,
    *run_options.OUTPUTS,
)


def _post_init(self):
    for field in dataclasses.fields(self):
        check = field.metadata["check"]
        if check is not None:
            object.__setattr__(self, field.name, check(field.name, getattr(self, field.name)))
    if self.architecture is not None:
        architectures.check_options(
            self.architecture,
            {option.name: getattr(self, option.name) for option in architectures.setting_options()},
        )


def _field(option):
    annotation = option.type if option.default is not None else option.type | None
    return (
        option.name,
        annotation,
        dataclasses.field(
            default=option.default,
            metadata={
                "help": option.help,
                "check": option.check,
                "choices": option.choices,
                "option": option,
            },
        ),
    )


_DOC = """The settings of a training run (`training.train()`), checked when made.

    The fields, their defaults and their help are listed below (generated
    from the declarations, `OPTIONS`); None means "the dataset's recipe"
    unless the help says otherwise. A bad setting raises ValueError naming
    it, what was received and what is allowed. Make a changed copy with
    `dataclasses.replace`, which checks again.
    """

TrainSettings = dataclasses.make_dataclass(
    "TrainSettings",
    [_field(option) for option in OPTIONS],
    frozen=True,
    namespace={"__post_init__": _post_init, "__doc__": _DOC},
)
TrainSettings.__module__ = __name__


# --------------------------------------------------------------- the users
def names():
    """The settings' names, in declaration order."""
    return tuple(field.name for field in dataclasses.fields(TrainSettings))


def make(settings=None, overrides=None, caller="train()"):
    """A checked `TrainSettings` from a base and keyword overrides.

    Args:
        settings: None (the defaults), a `TrainSettings`, or the dataset (a
            name or path: `make("mnist")` is `make(overrides={"dataset": "mnist"})`).
        overrides: dict of setting name -> value.
        caller: how the messages name the function that was called.

    Returns:
        A `TrainSettings`.

    Raises:
        TypeError: for a name that is no setting, or the dataset given twice.
        ValueError: for a bad value (see `TrainSettings`).
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(names()))
    if unknown:
        close = difflib.get_close_matches(unknown[0], names(), n=1)
        raise TypeError(
            f"{caller} got unexpected keyword argument(s) "
            f"{', '.join(map(repr, unknown))}"
            f"{f' (did you mean {close[0]!r}?)' if close else ''}; the settings "
            "are the fields of keras_wgan.settings.TrainSettings"
        )
    if isinstance(settings, TrainSettings):
        return dataclasses.replace(settings, **overrides)
    if settings is not None:
        if "dataset" in overrides:
            raise TypeError(
                f"{caller} got the dataset twice: {settings!r} and dataset={overrides['dataset']!r}"
            )
        overrides["dataset"] = settings
    return TrainSettings(**overrides)


def check_partial(config, what, extra=()):
    """Checks a partial configuration (a recipe): every key a setting, every value valid.

    Args:
        config: dict of setting name -> value.
        what: how the message names the configuration.
        extra: keys allowed besides the settings (e.g. a recipe's "tuned").

    Raises:
        ValueError: naming the keys that are no setting, or the bad value.
    """
    unknown = sorted(set(config) - set(names()) - set(extra))
    if unknown:
        raise ValueError(
            f"{what} has keys that are no setting of TrainSettings: {', '.join(unknown)}"
        )
    try:
        TrainSettings(**{name: value for name, value in config.items() if name not in extra})
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from None


def flag_kind(field):
    """The absl flag kind of a field: "boolean", "integer", "float", "string", "enum" or "list"."""
    return field.metadata["option"].kind


def flag_default_text(value):
    """A default as the command line writes it (the flag table of the docs)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def markdown_table():
    """The documentation's flag table: one row per setting, with its default and help.

    `<` and `>` are written as HTML entities, so that a help text's
    `<output_dir>` shows in the docs site instead of being read as a tag.
    """
    rows = ["| flag | default | meaning |", "| --- | --- | --- |"]
    for field in dataclasses.fields(TrainSettings):
        default = flag_default_text(field.default)
        rows.append(
            f"| `--{field.name}` | {f'`{default}`' if default else ''} | "
            f"{_markdown_text(field.metadata['help'])} |"
        )
    return "\n".join(rows) + "\n"


def _markdown_text(text):
    """`text` for a Markdown table cell: no column bar, no angle bracket read as HTML."""
    return text.replace("|", "/").replace("<", "&lt;").replace(">", "&gt;")


def describe(indent=8):
    """The settings as docstring lines, "name (default D): help", wrapped at 100 columns.

    `TrainSettings`' Attributes and `training.train()`'s Args are generated
    from it, so that the docstrings never disagree with the declarations.
    """
    lines = []
    for field in dataclasses.fields(TrainSettings):
        lines += textwrap.wrap(
            f"{field.name} (default {field.default!r}): {field.metadata['help']}",
            width=100,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + 4),
            break_on_hyphens=False,
        )
    return "\n".join(lines) + "\n"


TrainSettings.__doc__ = (
    (TrainSettings.__doc__ or "").rstrip() + "\n\n    Attributes:\n" + describe(8)
)


if __name__ == "__main__":  # prints the flag table of docs/guides/command-line.md
    print(markdown_table(), end="")
