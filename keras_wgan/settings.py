"""Every training setting, declared once by its owner, composed into `TrainSettings`.

`TrainSettings` is the configuration of a training run. `training.train()`
takes its fields as keyword arguments, `train_main.py` generates one absl
flag per field (same name, default and help), the recipes
(`keras_wgan.recipes`) are partial dicts of its fields, and the documentation's flag
table is generated from it (`markdown_table`). A setting left None takes the
dataset's recipe when training starts.

Each field is a `keras_wgan.options.Option`. The runner's own settings are
declared here; a Lipschitz method's options (`penalty_target`,
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
import os
import textwrap

from keras_wgan import architectures, penalties, validation
from keras_wgan.architectures.base import CRITIC_CONDITIONINGS, check_critic_norm
from keras_wgan.distribute import STRATEGIES
from keras_wgan.export import options as export_options
from keras_wgan.options import Option

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

#: The precision settings; "auto" resolves to one of the others
#: (`training.resolve_mixed_precision`).
MIXED_PRECISION = ("auto", "float32", "mixed_bfloat16")
_FLOAT16 = ("mixed_float16", "float16")


# ------------------------------------------------------------------ checks
def _penalty(name, value):
    """A registered method's name; a method object, its config or a function pass (Python only)."""
    if value is None or not isinstance(value, str):
        return value
    return validation.choice(name, value, penalties.names())


def _one_of(*choices, hint=None):
    def one_of(name, value):
        return validation.choice(name, value, choices, hint=hint)

    return one_of


def _path(name, value):
    """A path as a str (a `pathlib.Path` is accepted); None stays None."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise validation.error(name, value, "a path")
    return os.fspath(value)


def _export_dir(name, value):
    """A path, or None (or "", as `--export_dir=` says it) for no export."""
    return _path(name, value) or None


def check_mixed_precision(name, value, why=None):
    """A `MIXED_PRECISION` name; float16 is refused, saying `why` (a generic reason if None).

    Returns:
        `value`.
    """
    if value in _FLOAT16:
        why = why or (
            "float16 needs loss scaling, which the WGAN training step does not do "
            "(and with a gradient penalty, a second derivative, it over- or underflows)"
        )
        raise ValueError(
            f"{name}={value!r} is not supported: {why}; use 'mixed_bfloat16' "
            "(same speed-up where bfloat16 units exist, no loss scaling) or "
            "'float32'"
        )
    return validation.choice(name, value, MIXED_PRECISION)


def _or(words):
    """Words as a sentence's list: "a, b or c"."""
    words = list(words)
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


def _jit_compile(name, value):
    """True, False or "auto" from a bool or the strings "auto", "true", "false"."""
    if isinstance(value, bool) or value == "auto":
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise validation.error(name, value, "'auto', True or False")


# ---------------------------------------------------------------- settings
_SIZE = validation.optional(validation.positive_integer)
_DEFAULT_BY_RANK = {entry["default_rank"]: name for name, entry in architectures.declared().items()}

_DATA = (
    Option(
        "dataset",
        "8gaussians",
        "A built-in 2-D distribution (8gaussians, 25gaussians, "
        "swissroll, circle), a .npz file (array 'images' or its only array), a folder of "
        "images, an IDX images file (*-idx3-ubyte[.gz]) or a folder of IDX files (its train "
        "split; the test split by the path of its t10k-images file), or a tensorflow-datasets "
        "name (mnist, fashion_mnist, cifar10, celeb_a...).",
        check=_path,
    ),
    Option("data_dir", None, "tensorflow-datasets data directory.", check=_path, type=str),
    Option(
        "image_size",
        None,
        "Resize images to this side (from Python also (height, width)).",
        type=int,
    ),
    Option(
        "conditional",
        False,
        "Train class-conditionally on the data's labels (tfds label, "
        ".npz labels, IDX labels, class subfolders).",
    ),
)
_NETWORKS = (
    Option(
        "architecture",
        None,
        f"{_or(architectures.names())} (default: {_DEFAULT_BY_RANK.get(1)} for vectors, "
        f"{_DEFAULT_BY_RANK.get(3)} for images).",
        check=validation.optional(
            lambda name, value: validation.choice(name, value, architectures.names())
        ),
        type=str,
    ),
    Option("latent_dim", None, "Width of the latent vectors.", check=_SIZE, type=int),
    *architectures.setting_options(),
    Option("spectral_norm", False, "Spectral normalisation of the critic's layers."),
    Option(
        "critic_norm",
        None,
        "Normalisation in the critic: layer, or none (never batch).",
        check=lambda name, value: check_critic_norm(value),
        choices=("layer",),
        type=str,
    ),
    Option(
        "critic_conditioning",
        "projection",
        "With --conditional: how the critic takes the "
        "label, projection (Miyato & Koyama 2018) or auxiliary (an auxiliary classifier, as "
        "gan_cifar_resnet.py).",
        check=_one_of(*CRITIC_CONDITIONINGS),
        choices=CRITIC_CONDITIONINGS,
    ),
)
_LIPSCHITZ = (
    Option(
        "penalty",
        None,
        f"The Lipschitz method, a name of keras_wgan.penalties: {_or(penalties.names())}.",
        check=_penalty,
        type=str,
    ),
    *penalties.setting_options(),
    Option(
        "drift_weight",
        0.0,
        "ProGAN's drift term weight (e.g. 0.001).",
        check=validation.non_negative,
    ),
)
_GAME = (
    Option("critic_steps", None, "Critic updates per generator update.", check=_SIZE, type=int),
    Option(
        "fresh_real_batches",
        True,
        "A new real batch for every critic update (else one batch reused).",
    ),
    Option(
        "original_schedule",
        False,
        "The original WGAN's bursts of 100 critic updates "
        "(first 25 and every 500th generator update).",
    ),
    Option("batch_size", None, "Samples per critic update.", check=_SIZE, type=int),
    Option("train_steps", None, "Generator updates in all.", check=_SIZE, type=int),
    Option(
        "epochs", None, "Passes over finite data (overrides --train_steps).", check=_SIZE, type=int
    ),
    Option(
        "steps_per_epoch",
        None,
        "Generator updates per epoch (pictures, logs and "
        "checkpoints per epoch; default: a pass over finite data, or a tenth of "
        "--train_steps).",
        check=_SIZE,
        type=int,
    ),
    Option(
        "optimizer",
        None,
        "Optimizer of both networks (default: rmsprop for clip, else adam).",
        check=validation.optional(_one_of("adam", "rmsprop")),
        choices=("adam", "rmsprop"),
        type=str,
    ),
    Option(
        "critic_learning_rate",
        None,
        "Critic learning rate.",
        check=validation.optional(validation.positive),
        type=float,
    ),
    Option(
        "generator_learning_rate",
        None,
        "Generator learning rate.",
        check=validation.optional(validation.positive),
        type=float,
    ),
    Option("beta_1", None, "Adam beta_1.", check=validation.optional(validation.beta), type=float),
    Option("beta_2", None, "Adam beta_2.", check=validation.optional(validation.beta), type=float),
    Option(
        "lr_decay",
        None,
        "Learning-rate decay: linear (to 0 at the last step) or none.",
        check=validation.optional(_one_of("linear", "none")),
        choices=("linear", "none"),
        type=str,
    ),
    Option(
        "seed",
        0,
        "Seed of weights, noise and data order.",
        check=lambda name, value: validation.integer(name, value, minimum=0),
    ),
)
_DISTRIBUTION = (
    Option(
        "strategy",
        "default",
        "tf.distribute strategy (see docs/guides/scaling-out.md).",
        check=_one_of(*STRATEGIES),
        choices=STRATEGIES,
    ),
    Option(
        "tpu",
        None,
        "With --strategy=tpu: the TPU's name or address ('local' on a TPU VM).",
        type=str,
    ),
    Option(
        "cpu_devices",
        None,
        "With --strategy=mirrored and no GPU: split the CPU into N logical devices.",
        check=_SIZE,
        type=int,
    ),
    Option(
        "checkpoint_dir",
        None,
        "Checkpoints (default <output_dir>/checkpoints; storage "
        "every worker reaches for multi_worker).",
        check=_path,
        type=str,
    ),
    Option(
        "checkpoint_every_steps",
        1000,
        "Save a checkpoint every N generator steps, and at "
        "every epoch end (from Python, None: at epoch ends only).",
        check=lambda name, value: validation.integer(
            name, value, minimum=1, optional=True, hint="None: at epoch ends only"
        ),
    ),
    Option(
        "keep_checkpoints", 3, "How many checkpoints to keep.", check=validation.positive_integer
    ),
)
_SPEED = (
    Option(
        "mixed_precision",
        "auto",
        "Compute precision: auto is mixed_bfloat16 where the "
        "hardware has bfloat16 units (x86 AVX512_BF16/AMX, GPU compute capability >= 8.0), "
        "else float32. Variables, scores, losses and penalty values stay float32; the "
        "layers, and so the penalty's input gradient, compute in bfloat16. (float16 is not "
        "offered: its loss scaling collapses with a gradient penalty.)",
        check=check_mixed_precision,
        choices=MIXED_PRECISION,
    ),
    Option(
        "jit_compile",
        "auto",
        "XLA-compile the training step; auto: on for a single GPU, "
        "off on CPU and under tf.distribute.",
        check=_jit_compile,
        choices=("auto", "true", "false"),
    ),
)
_OUTPUTS = (
    Option(
        "output_dir",
        None,
        "Checkpoints, sample pictures and TensorBoard logs (default runs/<model_name>).",
        check=_path,
        type=str,
    ),
    Option(
        "export_dir", "exports", "Export the generator here ('' for no export).", check=_export_dir
    ),
    export_options.MODEL_NAME,
    export_options.TFLITE_QUANTIZATION,
    Option(
        "sample_every_epochs",
        1,
        "Write a sample picture every N epochs.",
        check=validation.positive_integer,
    ),
    Option(
        "verbose",
        2,
        "Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per epoch.",
        check=_one_of(0, 1, 2),
    ),
    Option(
        "monitor_every_epochs",
        1,
        "Measure samples every N epochs (0: never): exact W1 "
        "beside the critic's estimate and W1 / noise floor for 2-D data, SWD for images; "
        "into the logs and <output_dir>/logs/monitor.",
        check=lambda name, value: validation.integer(
            name, value, minimum=0, hint="0: no monitoring"
        ),
    ),
    Option(
        "ema_decay",
        None,
        "Decay of an average of the generator's weights that the "
        "pictures, monitoring and export use (e.g. 0.999; default: off).",
        check=validation.optional(validation.fraction),
        type=float,
    ),
    Option(
        "augment",
        None,
        "DiffAugment policy for images: translation, cutout and (RGB only) "
        "color, comma-separated, e.g. translation,cutout (default: off).",
        type=str,
    ),
)

#: Every setting, in the order of the flags and the docs: the runner's, with the
#: registered architectures' and Lipschitz methods' own among them.
OPTIONS = (*_DATA, *_NETWORKS, *_LIPSCHITZ, *_GAME, *_DISTRIBUTION, *_SPEED, *_OUTPUTS)


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


TrainSettings.__doc__ = TrainSettings.__doc__.rstrip() + "\n\n    Attributes:\n" + describe(8)


if __name__ == "__main__":  # prints the flag table of docs/guides/command-line.md
    print(markdown_table(), end="")
