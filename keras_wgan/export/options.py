"""The export's settings, declared once: model name, TFLite quantizations, max_samples.

Light on purpose (no TensorFlow, no Keras): `keras_wgan.settings` composes the
training flags from these declarations and the export command line defines
its flags from them, and both must answer `--help` at once.

Example:
>>> from keras_wgan.export import options
>>> options.check_quantizations("tflite_quantization", "float16,dynamic_int8")
('float16', 'dynamic_int8')
>>> options.MODEL_NAME.checked("mnist")
'mnist'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from keras_wgan import validation
from keras_wgan.options import Option

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "DEFAULT_MODEL_NAME",
    "MAX_MAX_SAMPLES",
    "MAX_REQUEST_BYTES",
    "MAX_SAMPLES",
    "MODEL_NAME",
    "OPTIONS",
    "TFLITE_QUANTIZATION",
    "TFLITE_QUANTIZATIONS",
    "check_max_samples_bound",
    "max_samples_bound",
    "check_max_samples",
    "check_model_name",
    "check_quantizations",
]

DEFAULT_MODEL_NAME = "wgan"
DEFAULT_MAX_SAMPLES = 1024
# The largest protobuf message, hence the largest TF Serving request or response.
MAX_REQUEST_BYTES = 2**31 - 1
# A request of n samples carries at least one float32 of latent and returns one of sample.
MAX_MAX_SAMPLES = MAX_REQUEST_BYTES // 8
# Quantized TFLite variants on top of the float32 file that is always written.
TFLITE_QUANTIZATIONS = ("float16", "dynamic_int8")
# TF Serving's model names become directory names here: no path separators.
_MODEL_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_model_name(name: str, value: object) -> str:
    """Checks a model name: letters, digits, `_`, `-`, `.`, starting with a letter or digit.

    Args:
        name: the argument's name, for the message.
        value: the model name; it names a directory, so it holds no path separator.

    Returns:
        `value`.

    Raises:
        ValueError: naming `name`, the value and what is allowed.
    """
    if not isinstance(value, str) or not _MODEL_NAME_PATTERN.fullmatch(value):
        raise validation.error(
            name,
            value,
            "a plain name of letters, digits, '_', '-' and '.' starting with a letter or digit",
            "it names a directory: no path separators",
        )
    return value


def check_quantizations(name: str, value: str | Iterable[str] | None) -> tuple[str, ...]:
    """The quantized TFLite variants as a tuple of unique names, in order.

    Args:
        name: the argument's name, for the message.
        value: a sequence of `TFLITE_QUANTIZATIONS` names, one comma-separated
            string of them, or None / empty for none.

    Returns:
        A tuple of unique names.

    Raises:
        ValueError: for an unknown name.
    """
    if isinstance(value, str):
        value = [q for q in value.split(",") if q]
    quantizations = tuple(value or ())
    for quantization in quantizations:
        if quantization not in TFLITE_QUANTIZATIONS:
            raise ValueError(
                f"{name}: unknown quantization {quantization!r}, expected any of "
                f"{', '.join(TFLITE_QUANTIZATIONS)} (float32 is always written)"
            )
    return tuple(dict.fromkeys(quantizations))


def check_max_samples(name: str, value: object) -> int:
    """Checks the largest batch one request may ask for: an integer in [1, `MAX_MAX_SAMPLES`].

    The export narrows the bound by the model's sizes (`max_samples_bound`)
    once the model is known.
    """
    checked = validation.integer(
        name, value, minimum=1, hint="the largest batch of one request to the exported model"
    )
    return check_max_samples_bound(name, checked, MAX_MAX_SAMPLES)


def check_max_samples_bound(name: str, value: int, bound: int) -> int:
    """`value` if it is at most `bound`, else a ValueError saying why there is a bound."""
    if value > bound:
        raise validation.error(
            name,
            value,
            f"an integer in [1, {bound}]",
            "a request of max_samples latent vectors and its response must "
            "each fit in one 2 GiB protobuf message",
        )
    return int(value)


def max_samples_bound(latent_dim: int, sample_size: int, is_image: bool, conditional: bool) -> int:
    """The largest max_samples whose request and response fit in one protobuf message.

    Args:
        latent_dim: float32 numbers of latent per sample (the request).
        sample_size: float32 numbers per sample (the response's `samples`).
        is_image: the response also holds `images`, one byte per number.
        conditional: an int32 label travels with each sample.

    Returns:
        `MAX_REQUEST_BYTES` divided by the bytes one sample costs.

    Example:
    >>> max_samples_bound(128, 28 * 28, is_image=True, conditional=False)
    484540
    """
    per_sample = (
        4 * int(latent_dim)
        + 4 * int(sample_size)
        + (int(sample_size) if is_image else 0)
        + (4 if conditional else 0)
    )
    return MAX_REQUEST_BYTES // per_sample


def _optional_model_name(name: str, value: object) -> str | None:
    """None, or a name that can name one directory (`runs/<model_name>` of a training run).

    The stricter TF Serving name (`check_model_name`) is asked of it when the
    run exports (`keras_wgan.runs.run_directories`): a run without an export
    may be named in any script.
    """
    if value is None:
        return None
    if not isinstance(value, str) or value in ("", ".", "..") or any(c in value for c in "/\\\0"):
        return check_model_name(name, value)  # refuses it, saying what a model name may hold
    return value


MODEL_NAME = Option(
    "model_name",
    None,
    "Name of the exported model in TF Serving and its directory under "
    "export_dir (default: the dataset's; the export command's: wgan).",
    _optional_model_name,
    type=str,
)
TFLITE_QUANTIZATION = Option(
    "tflite_quantization",
    (),
    f"Quantized TFLite variants to export besides float32: {', '.join(TFLITE_QUANTIZATIONS)}.",
    check_quantizations,
    type=tuple,
)
MAX_SAMPLES = Option(
    "max_samples",
    DEFAULT_MAX_SAMPLES,
    "The largest batch one request to the exported "
    "SavedModel may ask for: serving_default's latent batch and generate's num_samples "
    "(recorded in the metadata).",
    check_max_samples,
    type=int,
)
# Every export setting; training takes model_name and tflite_quantization.
OPTIONS = (MODEL_NAME, TFLITE_QUANTIZATION, MAX_SAMPLES)
