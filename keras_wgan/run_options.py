"""The options the training runner owns, in the groups of the flag table.

`keras_wgan.settings` composes `TrainSettings` (and so the flags, `train()`'s
keywords and the docs' flag table) from these groups, in this order: `DATA`,
`NETWORKS`, `LIPSCHITZ`, `GAME`, `DISTRIBUTION`, `SPEED`, `OUTPUTS`. The
runner declares its own options here, each with its check; the registered
architectures' size options (`keras_wgan.architectures.setting_options()`),
the Lipschitz methods' (`keras_wgan.penalties.setting_options()`) and the
export's (`keras_wgan.export.options`) are declared by their owners and
take their place in the groups. Like every declaration, this module imports
neither TensorFlow nor Keras.

Example:
>>> from keras_wgan import run_options
>>> [option.name for option in run_options.SPEED]
['mixed_precision', 'jit_compile']
>>> run_options.check_mixed_precision("mixed_precision", "mixed_bfloat16")
'mixed_bfloat16'
"""

import os

from keras_wgan import architectures, penalties, truncation, validation
from keras_wgan.architectures.base import CRITIC_CONDITIONINGS, check_critic_norm
from keras_wgan.data.alpha import BACKGROUND
from keras_wgan.distribute import STRATEGIES
from keras_wgan.export import options as export_options
from keras_wgan.options import Option

__all__ = [
    "DATA",
    "DISTRIBUTION",
    "GAME",
    "LIPSCHITZ",
    "MIXED_PRECISION",
    "NETWORKS",
    "OUTPUTS",
    "SPEED",
    "check_mixed_precision",
]

#: The precision settings; "auto" resolves to one of the others
#: (`training.resolve_mixed_precision`).
MIXED_PRECISION = ("auto", "float32", "mixed_bfloat16")

#: The fewest generator steps of a default epoch over finite data
#: (`keras_wgan.training._schedule` says why).
MIN_EPOCH_STEPS = 250
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

DATA = (
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
    BACKGROUND,  # Declared by the image sources (keras_wgan.data.alpha).
    Option(
        "conditional",
        False,
        "Train class-conditionally on the data's labels (tfds label, "
        ".npz labels, IDX labels, class subfolders).",
    ),
)
NETWORKS = (
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
LIPSCHITZ = (
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
GAME = (
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
        f"checkpoints per epoch; default: a pass over finite data but at least {MIN_EPOCH_STEPS}, "
        "or a tenth of --train_steps if less or if the data is endless).",
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
DISTRIBUTION = (
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
SPEED = (
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
OUTPUTS = (
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
        "sample_truncation",
        None,
        "BigGAN's truncation trick for the sample pictures: latent entries beyond "
        "this threshold are redrawn within it (e.g. 1.0; default: off).",
        check=truncation.check,
        type=float,
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
        "ema_warmup",
        False,
        "With --ema_decay: average with min(decay, (1 + t) / (10 + t)) at generator "
        "step t, so that the early average is not mostly the random initial weights.",
    ),
    Option(
        "augment",
        None,
        "DiffAugment policy for images: translation, cutout and (RGB only) "
        "color, comma-separated, e.g. translation,cutout (default: off).",
        type=str,
    ),
    Option(
        "augment_target",
        None,
        "With --augment: apply each augmentation with a probability that starts at 0 "
        "and adapts so that the critic's overfitting measure r (the share of real images "
        "scored above the midpoint of the mean real and fake scores, minus the share "
        "below) stays near this target (StyleGAN2-ADA; e.g. 0.6; default: off, always "
        "augment).",
        check=validation.optional(validation.open_fraction),
        type=float,
    ),
)
