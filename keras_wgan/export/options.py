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

from keras_wgan import validation
from keras_wgan.options import Option

__all__ = ["DEFAULT_MAX_SAMPLES", "DEFAULT_MODEL_NAME", "MAX_SAMPLES", "MODEL_NAME", "OPTIONS",
           "TFLITE_QUANTIZATION", "TFLITE_QUANTIZATIONS",
           "check_max_samples", "check_model_name", "check_quantizations"]

DEFAULT_MODEL_NAME = "wgan"
DEFAULT_MAX_SAMPLES = 1024
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
            name, value, "a plain name of letters, digits, '_', '-' and '.' starting with a "
            "letter or digit", "it names a directory: no path separators")
    return value


def check_quantizations(name: str, value: object) -> tuple:
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
                f"{', '.join(TFLITE_QUANTIZATIONS)} (float32 is always written)")
    return tuple(dict.fromkeys(quantizations))


def check_max_samples(name: str, value: object) -> int:
    """Checks the largest batch one request may ask for: an integer >= 1."""
    validation.integer(name, value, minimum=1,
                       hint="the largest num_samples the generate signature accepts")
    return int(value)


def _optional_model_name(name: str, value: object) -> str | None:
    return None if value is None else check_model_name(name, value)


MODEL_NAME = Option(
    "model_name", None, "Name of the exported model in TF Serving and its directory under "
    "export_dir (default: the dataset's; the export command's: wgan).", _optional_model_name,
    type=str)
TFLITE_QUANTIZATION = Option(
    "tflite_quantization", (), "Quantized TFLite variants to export besides float32: "
    f"{', '.join(TFLITE_QUANTIZATIONS)}.", check_quantizations, type=tuple)
MAX_SAMPLES = Option(
    "max_samples", DEFAULT_MAX_SAMPLES, "The largest batch one request to the exported "
    "SavedModel may ask for: generate's num_samples (recorded in the metadata).",
    check_max_samples, type=int)
# Every export setting; training takes model_name and tflite_quantization.
OPTIONS = (MODEL_NAME, TFLITE_QUANTIZATION, MAX_SAMPLES)
