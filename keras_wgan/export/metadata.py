"""`keras_wgan.json`: what an export records about its model, checked, written and read.

The file sits in each version's `assets.extra/` and, as `<model_name>.json`,
beside the versions (a copy describing the newest export). It holds
latent_dim, sample_shape, value_range, num_classes, class_names and
class_frequencies, the training facts given by the caller (dataset,
architecture...), max_samples, the signatures, the files written, the
package's, TensorFlow's and Keras' versions and the export time.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_wgan import __version__
from keras_wgan.data import labels

__all__ = [
    "COMPUTED_KEYS",
    "METADATA_FILENAME",
    "build",
    "check",
    "conditioning",
    "json_text",
    "read",
    "value_range",
    "write",
]

METADATA_FILENAME = "keras_wgan.json"
# Keys the export computes from the model; the caller's metadata may not set them.
COMPUTED_KEYS = (
    "model_name",
    "version",
    "latent_dim",
    "sample_shape",
    "num_classes",
    "penalty",
    "generator_steps",
    "keras_wgan_version",
    "tensorflow_version",
    "keras_version",
    "max_samples",
    "signatures",
    "export_time",
    "tflite",
    "tflite_errors",
)


def check(metadata: dict | None) -> dict:
    """The caller's metadata as a new dict, checked.

    Raises:
        ValueError: if it is not a JSON-serialisable dict with string keys, or
            sets a key the export computes (`COMPUTED_KEYS`).
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) for k in metadata):
        raise ValueError(f"metadata must be a dict with string keys, received {metadata!r}")
    for key in COMPUTED_KEYS:
        if key in metadata:
            raise ValueError(
                f"metadata[{key!r}] (received {metadata[key]!r}) is computed by "
                "the export from the model: leave it out"
            )
    try:
        json.dumps(metadata)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"metadata must be JSON-serialisable ({error}), received {metadata!r}"
        ) from error
    return dict(metadata)


def value_range(metadata: dict, is_image: bool) -> list | None:
    """[low, high] of the samples from metadata["value_range"], else the default.

    The default is [-1, 1] for images (the generators' `tanh`) and None,
    unbounded, otherwise.

    Raises:
        ValueError: for a range that is not two finite numbers low < high.
    """
    given = metadata.get("value_range") if metadata else None
    if given is None:
        return [-1.0, 1.0] if is_image else None
    try:
        low, high = (float(v) for v in given)
        valid = math.isfinite(low) and math.isfinite(high) and low < high
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            f"metadata['value_range'] must be [low, high] with finite "
            f"low < high, received {given!r}"
        )
    return [low, high]


def conditioning(model: Any, metadata: dict) -> dict:
    """{"num_classes", "class_names", "class_frequencies"} of the export, checked.

    K is the model's `num_classes` (None: unconditional, all three None).
    Class names and frequencies come from `metadata`, else from the model's
    attributes of those names; names default to "0"..."K-1", frequencies to
    None (uniform).

    Raises:
        ValueError: for class names or frequencies that are not K of them, or
            given for an unconditional model.
    """
    num_classes = labels.check_num_classes(
        getattr(model, "num_classes", None), argument="model.num_classes"
    )
    if num_classes is None:
        for key in ("class_names", "class_frequencies"):
            if metadata.get(key) is not None:
                raise ValueError(
                    f"metadata[{key!r}] (received {metadata[key]!r}) is for a "
                    "class-conditional generator; this one takes only latent "
                    "vectors: leave it out"
                )
        return {"num_classes": None, "class_names": None, "class_frequencies": None}
    names = metadata.get("class_names")
    if names is None:
        names = getattr(model, "class_names", None)
    if names is None:
        names = [str(k) for k in range(num_classes)]
    if (
        isinstance(names, str)
        or not all(isinstance(n, str) for n in names)
        or len(names) != num_classes
    ):
        raise ValueError(
            f"class_names must be {num_classes} strings (num_classes="
            f"{num_classes}), received {names!r}"
        )
    frequencies = metadata.get("class_frequencies")
    if frequencies is None:
        frequencies = getattr(model, "class_frequencies", None)
    if frequencies is not None:
        frequencies = _check_frequencies(frequencies, num_classes)
    return {
        "num_classes": num_classes,
        "class_names": list(names),
        "class_frequencies": frequencies,
    }


def _check_frequencies(frequencies, num_classes):
    """The class frequencies as K floats summing to 1 (ValueError if they cannot be)."""
    try:
        array = np.asarray(frequencies, np.float64)
        valid = (
            array.shape == (num_classes,)
            and bool(np.all(np.isfinite(array)))
            and bool(np.all(array >= 0))
            and array.sum() > 0
        )
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            f"class_frequencies must be {num_classes} finite non-negative numbers "
            f"with a positive sum (num_classes={num_classes}), received "
            f"{frequencies!r}"
        )
    return [float(f) for f in array / array.sum()]


def build(job: Any, training_metadata: dict) -> dict:
    """The model's facts and the caller's training-side fields, before the formats' entries."""
    info: dict[str, Any] = {"dataset": None, "architecture": None}
    info.update(training_metadata)
    model = job.model
    info.update(
        model_name=job.model_name,
        version=job.version,
        latent_dim=int(job.latent_dim),
        sample_shape=list(job.sample_shape),
        penalty=model.penalty.name,
        generator_steps=model.generator_steps,
        keras_wgan_version=__version__,
        tensorflow_version=tf.__version__,
        keras_version=keras.__version__,
        max_samples=job.max_samples,
        export_time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )
    return info


def json_text(info: dict) -> str:
    """The metadata as the file holds it: indented JSON, sorted keys, a final newline."""
    return json.dumps(info, indent=2, sort_keys=True) + "\n"


def write(path: str, info: dict) -> None:
    """Writes `info` as JSON to `path`."""
    with open(path, "w") as f:
        f.write(json_text(info))


def read(path: str | os.PathLike) -> dict:
    """The metadata in the file `path`.

    Raises:
        ValueError: naming the file, if it is not a JSON object.
        OSError: if it cannot be read.
    """
    with open(path) as f:
        return json.load(f)
