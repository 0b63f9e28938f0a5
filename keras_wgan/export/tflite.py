"""The TFLite format: the `serving_default` signature for the TFLite / LiteRT interpreter.

`<model_name>.tflite` (float32) and, if asked for, `<model_name>.float16.tflite`
and `<model_name>.dynamic_int8.tflite`, beside the version directories. Each
takes `latent` and, for a conditional generator, `label`. The converter drops
`tf.debugging.Assert`, so there the labels pass through a lookup in a
[num_classes] table and a reshape to the latent batch: a label outside
[0, num_classes) or a batch mismatch fails `invoke()` with TFLite's own
`RuntimeError` ("gather index out of bounds", "RESHAPE ... failed"), which
does not name `label`: apps that want a clear message check the labels
before invoking. For the same reason the TFLite files refuse neither a batch
above max_samples nor non-finite latents: an app runs them in its own
memory. `generate` is not converted: its stateless random ops need
TF Select ops that the pip interpreters cannot run, so an app draws the latent
vectors itself.

A conversion that fails does not fail the export (the SavedModel is published
by then): it is logged in one line, recorded in `ExportResult.errors` and in
the metadata (`tflite_errors`).
"""

from __future__ import annotations

import logging
import os
import re

import keras
import tensorflow as tf

from keras_wgan.export import graph
from keras_wgan.export.base import ExportFormat, ExportJob, register
from keras_wgan.export.options import TFLITE_QUANTIZATIONS

__all__ = ["TFLiteFormat", "convert"]

logger = logging.getLogger(__name__)


@register
class TFLiteFormat(ExportFormat):
    """The float32 TFLite file and the quantized variants asked for (`tflite_quantization`).

    Settings: `tflite` (False: none is written) and `tflite_quantization`
    (the variants besides float32).
    """

    name = "tflite"
    tolerates_failure = True

    def planned(self, job: ExportJob) -> dict[str, str]:
        if not job.settings.get("tflite", True):
            return {}
        quantizations = ("float32",) + tuple(job.settings.get("tflite_quantization", ()))
        return {
            q: os.path.join(job.model_dir, _file_name(job.model_name, q)) for q in quantizations
        }

    def file_names(self, model_name: str) -> list[str]:
        return [_file_name(model_name, q) for q in ("float32",) + TFLITE_QUANTIZATIONS]

    def estimated_bytes(self, job: ExportJob, plan: dict[str, str]) -> int:
        # The weights at 4, 2 or 1 byte a number, and a few KB of graph.
        numbers = job.model.sampling_generator.count_params()
        width = {"float32": 4, "float16": 2, "dynamic_int8": 1}
        return sum(numbers * width.get(q, 4) + 8192 for q in plan)

    def write(self, job: ExportJob, variant: str, path: str) -> None:
        if "tflite" not in job.cache:
            job.cache["tflite"] = _TFLiteModule(
                job.generator, job.latent_dim, job.image_range, job.num_classes
            )
        flatbuffer = convert(job.cache["tflite"], variant)
        with open(path, "wb") as f:
            f.write(flatbuffer)

    def failure_message(self, error: BaseException) -> str:
        """ "Type: first line of the message", without the converter's locations."""
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        line = lines[0] if lines else ""
        # The converter's lines read "<stage>.<location>: error: loc(...): <what>".
        if "error: " in line:
            line = line.rsplit("error: ", 1)[1]
        line = re.sub(r"^loc\(.*\):\s+", "", line)
        return f"{type(error).__name__}: {line}" if line else type(error).__name__

    def describe(self, job, written, errors):
        entries = {"tflite": {q: os.path.basename(p) for q, p in written.items()}}
        if errors:
            entries["tflite_errors"] = dict(errors)
        return entries


def _file_name(model_name, quantization):
    suffix = "" if quantization == "float32" else f".{quantization}"
    return f"{model_name}{suffix}.tflite"


class _TFLiteModule(tf.Module):
    """The `serving_default` function as the TFLite converter needs it.

    The converter re-infers every shape and loses the height and width after
    Keras' `UpSampling2D` (`tf.repeat` on a tensor of unknown batch size):
    its `Conv2D` then has no builtin TFLite kernel (kerasio and resnet
    failed). The generator is therefore called through `_static_shapes`,
    which pins each image-shaped layer output to its known
    [batch, H, W, C] shape; the batch stays free. A conditional generator's
    labels go through `graph.label_guard`, the check that survives conversion.
    """

    def __init__(self, generator, latent_dim, image_range, num_classes=None):
        super().__init__(name="generator_tflite")
        self._generator_variables = [graph.tf_variable(v) for v in generator.variables]
        static = _static_shapes(generator)
        latent_spec = tf.TensorSpec([None, int(latent_dim)], tf.float32, name="latent")
        if num_classes is None:
            self.serving_default = tf.function(
                lambda latent: graph.outputs(static, latent, image_range),
                input_signature=[latent_spec],
            )
            return

        def serving_default(latent, label):
            label = graph.label_guard(label, tf.shape(latent)[0], int(num_classes))
            return graph.outputs(static, latent, image_range, label)

        self.serving_default = tf.function(
            serving_default,
            input_signature=[latent_spec, tf.TensorSpec([None], tf.int32, name="label")],
        )


class _PinShape(keras.layers.Layer):
    """Reshapes to `[-1, *inner_shape]`: the same tensor, with a static inner shape."""

    def __init__(self, inner_shape, **kwargs):
        super().__init__(**kwargs)
        self.inner_shape = tuple(inner_shape)

    def call(self, x):
        return keras.ops.reshape(x, (-1,) + self.inner_shape)


def _static_shapes(generator):
    """The generator, its layers shared, with every rank >= 3 output's inner shape pinned."""

    def pin(tensor):
        inner = tuple(tensor.shape[1:])
        if len(inner) < 2 or None in inner:
            return tensor
        return _PinShape(inner, dtype=tensor.dtype)(tensor)

    def call(layer, *args, **kwargs):
        return keras.tree.map_structure(pin, layer(*args, **kwargs))

    return keras.models.clone_model(
        generator, clone_function=lambda layer: layer, call_function=call
    )


def convert(module, quantization):
    """The TFLite flatbuffer (bytes) of a `_TFLiteModule`'s `serving_default`.

    "float32": no optimisation; "float16": weights stored as float16;
    "dynamic_int8": dynamic-range quantisation (int8 weights, float
    activations; no representative data needed). The weights are the plain
    tf.Variables the module tracks: with the Keras variables tracked instead,
    the converter keeps them as uninitialised resource variables
    (VAR_HANDLE ops) and the interpreter returns NaN.
    """
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.serving_default.get_concrete_function()], module
    )
    if quantization == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantization == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()
