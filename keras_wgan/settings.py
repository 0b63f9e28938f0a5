"""Every training setting, declared once: its name, default, help text, flag kind and check.

`TrainSettings` is the configuration of a training run. `training.train()`
takes its fields as keyword arguments, `train_main.py` generates one absl
flag per field (same name, default and help), the recipes
(`keras_wgan.recipes`) are partial dicts of its fields, and the README's flag
table is generated from it (`markdown_table`). A setting left None takes the
dataset's recipe when training starts.

The settings are checked when a `TrainSettings` is made, each by the check
declared with it (the shared checks of `keras_wgan.validation`), so that a
typo fails in a second instead of after training. This module imports
neither TensorFlow nor Keras: `--help` stays fast. The few checks that need a
registry of the package (the penalty, architecture, export names) import it
when they run.

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
import types
import typing

from keras_wgan import validation

__all__ = ["CRITIC_CONDITIONINGS", "MIXED_PRECISION", "STRATEGIES", "TrainSettings",
           "check_critic_dropout", "check_mixed_precision", "check_partial",
           "check_size_options", "describe", "flag_kind", "make",
           "markdown_table", "names"]

#: The precision settings; "auto" resolves to one of the others (`training.resolve_mixed_precision`).
MIXED_PRECISION = ("auto", "float32", "mixed_bfloat16")
#: The `tf.distribute` strategies of `keras_wgan.distribute.make_strategy`.
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
#: How a conditional critic takes the label (`keras_wgan.architectures.CRITIC_CONDITIONINGS`).
CRITIC_CONDITIONINGS = ("projection", "auxiliary")
#: Each architecture's size options (the others do not apply to it).
SIZE_OPTIONS = {"mlp": ("units", "depth"), "dcgan": ("filters",), "resnet": ("channels",),
                "kerasio": ()}
#: The architectures whose critic takes `critic_dropout` (kerasio's has its own, fixed).
DROPOUT_ARCHITECTURES = ("mlp",)
_FLOAT16 = ("mixed_float16", "float16")


# ------------------------------------------------------------------ checks
def _maybe(check):
    """`check`, for a setting whose None means "the recipe's" (or "off")."""
    def maybe(name, value):
        return value if value is None else check(name, value)
    return maybe


def _positive(name, value):
    return validation.integer(name, value, minimum=1)


def _non_negative(name, value):
    return validation.number(name, value, minimum=0.0)


def _rate(name, value):
    return validation.number(name, value, minimum=0.0, strict=True)


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


def _architecture(name, value):
    if value is None:
        return None
    from keras_wgan import architectures  # imports Keras: only when one is named

    return validation.choice(name, value, tuple(sorted(architectures.ARCHITECTURES)))


def _critic_norm(name, value):
    if value is not None:
        from keras_wgan import architectures

        architectures._check_critic_norm(value)
    return value


def _penalty(name, value):
    """A penalty name that `keras_wgan.penalties.get` knows, or a callable."""
    if value is None or callable(value):
        return value
    from keras_wgan import penalties  # imports Keras: only when one is named

    try:
        penalties.get(value)
    except ValueError:
        raise validation.error(name, value, validation.alternatives(penalties.PENALTIES)) from None
    return value


def _model_name(name, value):
    if value is not None:
        from keras_wgan import export  # its own rule for the names it writes

        export._check_model_name(value)
    return value


def _quantizations(name, value):
    """The quantized TFLite variants as a tuple of unique names ("a,b" is accepted)."""
    if not value:
        return ()
    from keras_wgan import export

    return export._check_quantizations(value)


def check_mixed_precision(name, value, why=None):
    """A `MIXED_PRECISION` name; float16 is refused, saying `why` (a generic reason if None).

    Returns:
        `value`.
    """
    if value in _FLOAT16:
        why = why or ("float16 needs loss scaling, which the WGAN training step does not do "
                      "(and with a gradient penalty, a second derivative, it over- or underflows)")
        raise ValueError(f"{name}={value!r} is not supported: {why}; use 'mixed_bfloat16' "
                         "(same speed-up where bfloat16 units exist, no loss scaling) or "
                         "'float32'")
    return validation.choice(name, value, MIXED_PRECISION)


def _jit_compile(name, value):
    """True, False or "auto" from a bool or the strings "auto", "true", "false"."""
    if isinstance(value, bool) or value == "auto":
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise validation.error(name, value, "'auto', True or False")


def check_size_options(architecture, sizes):
    """Checks an architecture's name, then that the given sizes are its own.

    Args:
        architecture: an architecture name.
        sizes: dict of size option name (units, depth, filters, channels) -> value or None.
    """
    _architecture("architecture", architecture)
    accepted = SIZE_OPTIONS.get(architecture, ())
    for name, value in sizes.items():
        if value is not None and name not in accepted:
            raise ValueError(f"{name}={value} does not apply to architecture {architecture!r}"
                             f" (its size options: {', '.join(accepted) or 'none'})")


def check_critic_dropout(architecture, rate):
    """Refuses a critic dropout rate > 0 for an architecture that does not take one.

    Raises:
        ValueError: naming the architecture and those that take it.
    """
    if rate and architecture not in DROPOUT_ARCHITECTURES:
        own = (" (its critic has its own fixed dropout, 0.3 and 0.2)" if architecture == "kerasio"
               else "")
        raise ValueError(f"critic_dropout={rate} does not apply to architecture "
                         f"{architecture!r}{own}; expected 0, or architecture "
                         f"{' or '.join(map(repr, DROPOUT_ARCHITECTURES))}")


def _setting(default, help, check=None, *, choices=None):
    """A field of `TrainSettings`: its default, help text, check and (enum flags) choices."""
    return dataclasses.field(default=default,
                             metadata={"help": help, "check": check, "choices": choices})


# ---------------------------------------------------------------- settings
@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """The settings of a training run (`training.train()`), checked when made.

    The fields, their defaults and their help are listed below (generated
    from the declarations); None means "the dataset's recipe" unless the help
    says otherwise. A bad setting raises ValueError naming it, what was
    received and what is allowed. Make a changed copy with
    `dataclasses.replace`, which checks again.
    """

    # Data.
    dataset: str = _setting(
        "8gaussians", "A built-in 2-D distribution (8gaussians, 25gaussians, swissroll, "
        "circle), a .npz file (array 'images' or its only array), a folder of images, an IDX "
        "images file (*-idx3-ubyte[.gz]) or a folder of IDX files (its train split; the test "
        "split by the path of its t10k-images file), or a "
        "tensorflow-datasets name (mnist, fashion_mnist, cifar10, celeb_a...).", _path)
    data_dir: str | None = _setting(None, "tensorflow-datasets data directory.", _path)
    image_size: int | None = _setting(
        None, "Resize images to this side (from Python also (height, width)).")
    conditional: bool = _setting(
        False, "Train class-conditionally on the data's labels (tfds label, .npz labels, IDX "
        "labels, class subfolders).")
    # Networks.
    architecture: str | None = _setting(
        None, "mlp, dcgan, kerasio or resnet (default: mlp for vectors, dcgan for images).",
        _architecture)
    latent_dim: int | None = _setting(None, "Width of the latent vectors.", _maybe(_positive))
    units: int | None = _setting(None, "mlp: units per hidden layer.", _maybe(_positive))
    depth: int | None = _setting(None, "mlp: hidden layers.", _maybe(_positive))
    filters: int | None = _setting(None, "dcgan: base number of filters.", _maybe(_positive))
    channels: int | None = _setting(None, "resnet: channels of the residual blocks.",
                                    _maybe(_positive))
    spectral_norm: bool = _setting(False, "Spectral normalisation of the critic's layers.")
    critic_norm: str | None = _setting(
        None, "Normalisation in the critic: layer, or none (never batch).",
        _critic_norm, choices=("layer",))
    critic_conditioning: str = _setting(
        "projection", "With --conditional: how the critic takes the label, projection (Miyato "
        "& Koyama 2018) or auxiliary (an auxiliary classifier, as gan_cifar_resnet.py).",
        _one_of(*CRITIC_CONDITIONINGS), choices=CRITIC_CONDITIONINGS)
    critic_dropout: float = _setting(
        0.0, "mlp: rate of a Dropout after each hidden critic layer, in [0, 1) (ctgan needs "
        "one, e.g. 0.5; the kerasio critic has its own).",
        lambda name, value: validation.number(name, value, 0.0, below=1.0))
    # The Lipschitz method.
    penalty: str | None = _setting(
        None, "The Lipschitz method, a name of keras_wgan.penalties: gp, lp, pairwise, clip, "
        "none, gp0, r1, wgan_div or ctgan.", _penalty)
    penalty_weight: float | None = _setting(
        None, "lambda, the penalty's weight (default: the recipe's with the recipe's penalty, "
        "else the method's own, e.g. k = 2 for wgan_div).", _maybe(_non_negative))
    penalty_target: float = _setting(1.0, "The Lipschitz constant the penalties aim at.",
                                     _non_negative)
    pairwise_interpolates: bool = _setting(
        False, "Pairwise penalty: also pairs with random interpolates.")
    clip_value: float = _setting(0.01, "Weight clipping (penalty clip): the box [-c, c].", _rate)
    drift_weight: float = _setting(0.0, "ProGAN's drift term weight (e.g. 0.001).",
                                   _non_negative)
    # The training game.
    critic_steps: int | None = _setting(None, "Critic updates per generator update.",
                                        _maybe(_positive))
    fresh_real_batches: bool = _setting(
        True, "A new real batch for every critic update (else one batch reused).")
    original_schedule: bool = _setting(
        False, "The original WGAN's bursts of 100 critic updates (first 25 and every 500th "
        "generator update).")
    batch_size: int | None = _setting(None, "Samples per critic update.", _maybe(_positive))
    train_steps: int | None = _setting(None, "Generator updates in all.", _maybe(_positive))
    epochs: int | None = _setting(None, "Passes over finite data (overrides --train_steps).",
                                  _maybe(_positive))
    steps_per_epoch: int | None = _setting(
        None, "Generator updates per epoch (pictures, logs and checkpoints per epoch; default: "
        "a pass over finite data, or a tenth of --train_steps).", _maybe(_positive))
    optimizer: str | None = _setting(
        None, "Optimizer of both networks (default: rmsprop for clip, else adam).",
        _maybe(_one_of("adam", "rmsprop")), choices=("adam", "rmsprop"))
    critic_learning_rate: float | None = _setting(None, "Critic learning rate.", _maybe(_rate))
    generator_learning_rate: float | None = _setting(None, "Generator learning rate.",
                                                     _maybe(_rate))
    beta_1: float | None = _setting(None, "Adam beta_1.", _maybe(validation.beta))
    beta_2: float | None = _setting(None, "Adam beta_2.", _maybe(validation.beta))
    lr_decay: str | None = _setting(
        None, "Learning-rate decay: linear (to 0 at the last step) or none.",
        _maybe(_one_of("linear", "none")), choices=("linear", "none"))
    seed: int = _setting(0, "Seed of weights, noise and data order.",
                         lambda name, value: validation.integer(name, value, minimum=0))
    # Distribution and fault tolerance.
    strategy: str = _setting("default", "tf.distribute strategy (see the README's Scale out "
                             "section).", _one_of(*STRATEGIES), choices=STRATEGIES)
    tpu: str | None = _setting(
        None, "With --strategy=tpu: the TPU's name or address ('local' on a TPU VM).")
    cpu_devices: int | None = _setting(
        None, "With --strategy=mirrored and no GPU: split the CPU into N logical devices.",
        _maybe(_positive))
    checkpoint_dir: str | None = _setting(
        None, "Checkpoints (default <output_dir>/checkpoints; storage every worker reaches "
        "for multi_worker).", _path)
    checkpoint_every_steps: int | None = _setting(
        1000, "Save a checkpoint every N generator steps, and at every epoch end (from "
        "Python, None: at epoch ends only).",
        lambda name, value: validation.integer(name, value, minimum=1, optional=True,
                                               hint="None: at epoch ends only"))
    keep_checkpoints: int = _setting(3, "How many checkpoints to keep.", _positive)
    # Speed.
    mixed_precision: str = _setting(
        "auto", "Compute precision: auto is mixed_bfloat16 where the hardware has bfloat16 "
        "units (x86 AVX512_BF16/AMX, GPU compute capability >= 8.0), else float32. "
        "Variables, scores, losses and penalty values stay float32; the layers, and so the "
        "penalty's input gradient, compute in bfloat16. (float16 is not offered: its loss "
        "scaling collapses with a gradient penalty.)", check_mixed_precision,
        choices=MIXED_PRECISION)
    jit_compile: str = _setting(
        "auto", "XLA-compile the training step; auto: on for a single GPU, off on CPU and "
        "under tf.distribute.", _jit_compile, choices=("auto", "true", "false"))
    # Outputs.
    output_dir: str | None = _setting(
        None, "Checkpoints, sample pictures and TensorBoard logs (default runs/<model_name>).",
        _path)
    export_dir: str | None = _setting("exports", "Export the generator here ('' for no "
                                      "export).", _export_dir)
    model_name: str | None = _setting(None, "Name of the exported model (default: the "
                                      "dataset's).", _model_name)
    tflite_quantization: tuple = _setting(
        (), "Quantized TFLite variants to export besides float32: float16, dynamic_int8.",
        _quantizations)
    sample_every_epochs: int = _setting(1, "Write a sample picture every N epochs.", _positive)
    verbose: int = _setting(2, "Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per "
                            "epoch.", _one_of(0, 1, 2))
    monitor_every_epochs: int = _setting(
        1, "Measure samples every N epochs (0: never): exact W1 beside the critic's estimate "
        "and W1 / noise floor for 2-D data, SWD for images; into the logs and "
        "<output_dir>/logs/monitor.",
        lambda name, value: validation.integer(name, value, minimum=0, hint="0: no monitoring"))
    ema_decay: float | None = _setting(
        None, "Decay of an average of the generator's weights that the pictures, monitoring "
        "and export use (e.g. 0.999; default: off).",
        _maybe(lambda name, value: validation.number(name, value, 0.0, below=1.0)))
    augment: str | None = _setting(
        None, "DiffAugment policy for images: translation, cutout and (RGB only) color, "
        "comma-separated, e.g. translation,cutout (default: off).")

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check = field.metadata["check"]
            if check is not None:
                object.__setattr__(self, field.name, check(field.name, getattr(self, field.name)))
        if self.architecture is not None:
            check_size_options(self.architecture, {name: getattr(self, name) for name in
                                                   ("units", "depth", "filters", "channels")})
            check_critic_dropout(self.architecture, self.critic_dropout)


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
        raise TypeError(f"{caller} got unexpected keyword argument(s) "
                        f"{', '.join(map(repr, unknown))}"
                        f"{f' (did you mean {close[0]!r}?)' if close else ''}; the settings "
                        "are the fields of keras_wgan.settings.TrainSettings")
    if isinstance(settings, TrainSettings):
        return dataclasses.replace(settings, **overrides)
    if settings is not None:
        if "dataset" in overrides:
            raise TypeError(f"{caller} got the dataset twice: {settings!r} and "
                            f"dataset={overrides['dataset']!r}")
        overrides["dataset"] = settings
    return TrainSettings(**overrides)


def check_partial(config, what, extra=()):
    """Checks that every key of a partial configuration (a recipe) is a setting.

    Args:
        config: dict of setting name -> value.
        what: how the message names the configuration.
        extra: keys allowed besides the settings (e.g. a recipe's "tuned").

    Raises:
        ValueError: naming the keys that are no setting.
    """
    unknown = sorted(set(config) - set(names()) - set(extra))
    if unknown:
        raise ValueError(f"{what} has keys that are no setting of TrainSettings: "
                         f"{', '.join(unknown)}")


def flag_kind(field):
    """The absl flag kind of a field: "boolean", "integer", "float", "string", "enum" or "list"."""
    if field.metadata["choices"] is not None:
        return "enum"
    annotation = field.type
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return {bool: "boolean", int: "integer", float: "float", str: "string",
            tuple: "list"}[annotation]


def flag_default_text(value):
    """A default as the command line writes it (the README's table)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def markdown_table():
    """The README's flag table: one row per setting, with its default and help."""
    rows = ["| flag | default | meaning |", "| --- | --- | --- |"]
    for field in dataclasses.fields(TrainSettings):
        default = flag_default_text(field.default)
        rows.append(f"| `--{field.name}` | {f'`{default}`' if default else ''} | "
                    f"{field.metadata['help'].replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def describe(indent=8):
    """The settings as docstring lines, "name (default D): help", wrapped at 100 columns.

    `TrainSettings`' Attributes and `training.train()`'s Args are generated
    from it, so that the docstrings never disagree with the declarations.
    """
    lines = []
    for field in dataclasses.fields(TrainSettings):
        lines += textwrap.wrap(f"{field.name} (default {field.default!r}): "
                               f"{field.metadata['help']}", width=100,
                               initial_indent=" " * indent, subsequent_indent=" " * (indent + 4),
                               break_on_hyphens=False)
    return "\n".join(lines) + "\n"


TrainSettings.__doc__ = TrainSettings.__doc__.rstrip() + "\n\n    Attributes:\n" + describe(8)


if __name__ == "__main__":  # prints the README's flag table
    print(markdown_table(), end="")
