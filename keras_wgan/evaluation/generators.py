"""The generator that `evaluate()` measures, loaded however it was saved (`load_generator`).

Two forms are read:

* an exported SavedModel version directory: its `serving_default` signature
  takes `latent` float32 [None, latent_dim] (and, when conditional, `label`
  int32 [None]) and returns `samples` float32 [None, *sample_shape]; its
  metadata (`latent_dim`, `sample_shape`, `value_range`, `dataset`,
  `num_classes`, ...) is in `assets.extra/keras_wgan.json`;
* a saved `WassersteinGAN` (`.keras`), whose sampling generator (the EMA one
  when the model keeps one) and critic are both used.

Either becomes a `Generator`, plain functions of numpy arrays, so that
`evaluate()` does not care which form it was.

Example:

    ```python
    generator = load_generator(saved_model="exports/8gaussians/1")
    generator.sample(np.zeros((4, generator.latent_dim), "float32"))
    ```
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from keras_wgan import cli

__all__ = ["METADATA_PATH", "EvaluationError", "Generator", "load_generator"]

METADATA_PATH = os.path.join("assets.extra", "keras_wgan.json")


class EvaluationError(ValueError):
    """Bad input to the evaluation, naming its flag: the command reports it in one line."""


class Generator(NamedTuple):
    """A generator to evaluate, however it was saved.

    Attributes:
        sample: `sample(latent) -> float32 [n, *sample_shape]` for latent [n, latent_dim];
            of a conditional generator `sample(latent, labels)`, labels int32 [n].
        latent_dim: width of the latent vectors.
        sample_shape: shape of one sample.
        value_range: (low, high) of the samples, or None (unbounded).
        dataset: the training data, if recorded.
        source: what was loaded, for the report.
        critic: `critic(samples) -> float32 [n, 1]` of a saved WassersteinGAN,
            else None (an export holds no critic): the critic's W1 estimate;
            of a conditional one `critic(samples, labels)`.
        num_classes: K of a conditional generator, None for an unconditional one.
        class_names: the K class names, if recorded.
    """

    sample: Callable[[np.ndarray], np.ndarray]
    latent_dim: int
    sample_shape: tuple
    value_range: tuple | None
    dataset: str | None
    source: dict
    critic: Callable[[np.ndarray], np.ndarray] | None = None
    num_classes: int | None = None
    class_names: tuple | None = None


def load_generator(saved_model=None, checkpoint=None) -> Generator:
    """Loads an exported SavedModel version directory or a `.keras` WassersteinGAN.

    Args:
        saved_model: an export version directory (holding `saved_model.pb`).
        checkpoint: a `.keras` file of a saved `WassersteinGAN`, or a training
            run's output_dir holding `model.keras`.

    Returns:
        The `Generator`.

    Raises:
        EvaluationError: not exactly one of the two given, or what was given
            cannot be loaded as a generator.
    """
    if (saved_model is None) == (checkpoint is None):
        raise EvaluationError(
            "give exactly one of --saved_model=EXPORT/NAME/VERSION and --checkpoint=RUN.keras"
        )
    if saved_model is not None:
        return _load_saved_model(os.fspath(saved_model))
    return _load_checkpoint(os.fspath(checkpoint))


def _load_saved_model(path):
    """The `Generator` of an export version directory."""
    import tensorflow as tf  # here: importing this module must not load TensorFlow

    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise EvaluationError(
            f"--saved_model={path}: no saved_model.pb there (expected an "
            "export version directory such as exports/NAME/1)"
        )
    try:
        loaded = tf.saved_model.load(path)
    except Exception as error:  # Corrupt or incompatible SavedModel.
        raise EvaluationError(
            f"--saved_model={path}: cannot load: {cli.one_line(error)}"
        ) from error
    if "serving_default" not in loaded.signatures:
        raise EvaluationError(
            f"--saved_model={path}: no serving_default signature (found: "
            f"{', '.join(loaded.signatures) or 'none'})"
        )
    function = loaded.signatures["serving_default"]
    inputs = function.structured_input_signature[1]
    outputs = function.structured_outputs
    if "latent" not in inputs or "samples" not in outputs:
        raise EvaluationError(
            f"--saved_model={path}: serving_default must take 'latent' and "
            f"return 'samples' (takes {sorted(inputs)}, returns "
            f"{sorted(outputs)})"
        )
    metadata = {}
    metadata_path = os.path.join(path, METADATA_PATH)
    if os.path.isfile(metadata_path):
        try:
            with open(metadata_path) as f:
                metadata = json.load(f)
            if not isinstance(metadata, dict):
                raise ValueError(f"found a {type(metadata).__name__}")
        except ValueError as error:  # JSON and UTF-8 decoding errors included
            raise EvaluationError(
                f"--saved_model={path}: {metadata_path} is not a JSON object "
                f"({cli.one_line(error)}): expected the export's metadata"
            ) from error
    latent_dim = metadata.get("latent_dim") or inputs["latent"].shape[-1]
    sample_shape = metadata.get("sample_shape") or outputs["samples"].shape[1:]
    if latent_dim is None or None in list(sample_shape):
        raise EvaluationError(
            f"--saved_model={path}: no {METADATA_PATH} and the signature does "
            "not fix latent_dim and the sample shape"
        )

    num_classes = None
    if "label" in inputs:  # a conditional export: serving_default(latent, label)
        num_classes = metadata.get("num_classes")
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise EvaluationError(
                f"--saved_model={path}: serving_default takes 'label' but "
                f"{METADATA_PATH} has num_classes={num_classes!r}; expected "
                "the number of classes, a positive integer"
            )

    def sample(latent, labels=None):
        if num_classes is None:
            return function(latent=tf.constant(latent, tf.float32))["samples"].numpy()
        return function(
            latent=tf.constant(latent, tf.float32), label=tf.constant(labels, tf.int32)
        )["samples"].numpy()

    class_names = metadata.get("class_names") if num_classes is not None else None
    return Generator(
        sample=sample,
        latent_dim=int(latent_dim),
        sample_shape=tuple(int(d) for d in sample_shape),
        value_range=_range(metadata.get("value_range")),
        dataset=metadata.get("dataset"),
        source={
            "saved_model": path,
            "metadata": metadata_path if metadata else None,
            **{
                key: metadata[key]
                for key in ("model_name", "version", "generator_steps")
                if key in metadata
            },
        },
        num_classes=num_classes,
        class_names=None if class_names is None else tuple(class_names),
    )


def _load_checkpoint(path):
    """The `Generator` of a `.keras` WassersteinGAN."""
    # Imported here: both load Keras, which importing this module must not.
    import keras

    from keras_wgan import checkpointing, saving

    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise EvaluationError(
            f"--checkpoint={path} is an exported SavedModel version directory, not a "
            f"checkpoint: pass it as --saved_model={path}"
        )
    try:
        path = saving.keras_file(path, name="--checkpoint")  # a run's directory: its model.keras
        model = checkpointing.load_keras_model(path, name="--checkpoint")
    except ValueError as error:
        raise EvaluationError(str(error)) from error
    generator = model.sampling_generator  # the EMA generator of a model with ema_decay
    sample_shape = tuple(int(d) for d in generator.output_shape[1:])
    num_classes = getattr(model, "num_classes", None)

    def inputs(x, labels):  # a conditional network takes [x, label], tensors only
        if num_classes is None:
            return x
        return [keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(labels, "int32")]

    def sample(latent, labels=None):
        return keras.ops.convert_to_numpy(generator(inputs(latent, labels), training=False))

    def critic(samples, labels=None):
        scores = model.critic(inputs(samples, labels), training=False)
        if isinstance(scores, (list, tuple)):  # an auxiliary-classifier critic: [scores, logits]
            scores = scores[0]
        return keras.ops.convert_to_numpy(scores)

    steps = model.generator_steps if model.generator_optimizer else None
    return Generator(
        sample=sample,
        latent_dim=int(model.latent_dim),
        sample_shape=sample_shape,
        value_range=(-1.0, 1.0) if len(sample_shape) == 3 else None,
        dataset=None,
        source={"checkpoint": path, "generator_steps": steps},
        critic=critic,
        num_classes=None if num_classes is None else int(num_classes),
    )


def _range(value):
    return None if value is None else (float(value[0]), float(value[1]))
