"""The SavedModel format: a TF Serving version directory with its signatures and warmup.

`<model_dir>/<version>/` holds a SavedModel with three signatures:

- `serving_default`: `latent` float32 [None, latent_dim] -> `samples`
  float32 [None, *sample_shape] (the generator's output, in the data's range)
  and, for images, `images` uint8 [None, H, W, C] (the value range mapped to
  0-255 and rounded, ready to encode as PNG). A batch above max_samples (set
  at export, recorded in the metadata) or a latent that is not finite is
  refused with an InvalidArgument error saying so, so that one request
  cannot take the server's memory;
- `generate`: `num_samples` int32 scalar and `seed` int64 scalar -> the
  same outputs, for latent vectors drawn inside the model by a stateless
  (Philox) normal generator seeded from `seed`: the same seed gives the same
  samples. `num_samples` must lie in [1, max_samples] (set at export) so that
  one request cannot allocate without bound;
- `generate_truncated`: `generate`'s inputs and `truncation` float32 scalar
  -> the same outputs, for those latent vectors with BigGAN's truncation
  trick (`keras_wgan.truncation`): every entry beyond the threshold redrawn
  within it, from uniforms of the seed's own stream, so the same seed and
  threshold give the same samples and entries within the threshold are those
  of `generate`; 0 is no truncation (then the samples are `generate`'s), and
  a negative or non-finite threshold is refused. A signature of its own, so
  that `generate`'s inputs, and so every existing request, stay as they were
  (a SavedModel input with a default is optional for TF Serving, but a
  Python caller of `tf.saved_model.load(...).signatures` must pass every
  input).

A class-conditional generator is served with labels: `serving_default` also
takes `label` int32 [None] (one class per latent vector), and `generate`
(and `generate_truncated`) takes `label`, an int32 scalar: the class of every
sample, or -1 for classes drawn at random (from `class_frequencies` in the
metadata when the export was given them, else uniformly), and also returns
them as `labels` int32 [None].
Labels outside [0, num_classes) (other than generate's -1) and a `label`
batch that is not the `latent` batch are refused inside the graph by
`tf.debugging.Assert` with a message naming `label` and the range, so TF
Serving answers an error rather than samples of no class.

`assets.extra/` holds `tf_serving_warmup_requests` (PredictionLog records
TF Serving replays at load, so that the first real request is not slow; they
need the optional `serving` extra, tensorflow-serving-api) and
`keras_wgan.json` (`keras_wgan.export.metadata`).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import tensorflow as tf

from keras_wgan import truncation as truncation_lib
from keras_wgan.export import graph
from keras_wgan.export import metadata as metadata_lib
from keras_wgan.export.base import ExportFormat, ExportJob, register, variable_bytes

__all__ = [
    "WARMUP_BATCH_SIZES",
    "WARMUP_FILENAME",
    "SavedModelFormat",
    "serving_apis",
    "write_warmup_requests",
]

logger = logging.getLogger(__name__)

WARMUP_FILENAME = "tf_serving_warmup_requests"
# Batch sizes of the serving_default warmup requests.
WARMUP_BATCH_SIZES = (1, 64)
# Whether this process has said that the warmup requests need the serving extra.
_told_no_serving_api = False


@register
class SavedModelFormat(ExportFormat):
    """The versioned SavedModel TF Serving loads, published before any other file."""

    name = "saved_model"
    publishes_version = True

    def planned(self, job: ExportJob) -> dict[str, str]:
        return {"saved_model": job.saved_model_dir}

    def estimated_bytes(self, job: ExportJob, plan: dict[str, str]) -> int:
        # The generator's float32 variables, and about 64 KB of graph, warmup and metadata.
        return (variable_bytes(job.model.sampling_generator.weights) + 65536) * len(plan)

    def module(self, job: ExportJob) -> tf.Module:
        """The `tf.Module` holding the generator's variables and the three signatures."""
        if "saved_model" not in job.cache:
            job.cache["saved_model"] = _GeneratorModule(
                job.generator,
                job.latent_dim,
                job.image_range,
                job.max_samples,
                job.num_classes,
                job.class_frequencies,
            )
        return job.cache["saved_model"]

    def signatures(self, job: ExportJob) -> dict:
        module = self.module(job)
        return {
            "serving_default": module.serving_default,
            "generate": module.generate,
            "generate_truncated": module.generate_truncated,
        }

    def describe(self, job, written, errors):
        return {"signatures": _describe_signatures(self.signatures(job))}

    def write(self, job: ExportJob, variant: str, path: str) -> None:
        """Writes the SavedModel, its warmup requests and `keras_wgan.json` into `path`."""
        tf.saved_model.save(self.module(job), path, signatures=self.signatures(job))
        extra_dir = os.path.join(path, "assets.extra")
        os.makedirs(extra_dir, exist_ok=True)
        write_warmup_requests(
            os.path.join(extra_dir, WARMUP_FILENAME),
            job.model_name,
            job.latent_dim,
            job.max_samples,
            job.num_classes,
        )
        metadata_lib.write(os.path.join(extra_dir, metadata_lib.METADATA_FILENAME), job.metadata)


def _class_logits(num_classes, class_frequencies):
    """float32 [1, K] logits of the classes `generate` draws for label -1."""
    if class_frequencies is None:
        return tf.zeros([1, num_classes], tf.float32)
    frequencies = np.asarray(class_frequencies, np.float64)
    with np.errstate(divide="ignore"):
        logits = np.where(frequencies > 0, np.log(frequencies), -np.inf)
    return tf.constant(logits[None], tf.float32)


class _GeneratorModule(tf.Module):
    """The generator's variables and the three serving functions, for tf.saved_model.save.

    With `num_classes` (a conditional generator) every function also takes a
    `label` (see the module docstring); `class_frequencies` ([K] or None:
    uniform) is how `generate` draws the classes for label -1.
    """

    def __init__(
        self,
        generator,
        latent_dim,
        image_range,
        max_samples,
        num_classes=None,
        class_frequencies=None,
    ):
        super().__init__(name="generator_export")
        self._generator_variables = [graph.tf_variable(v) for v in generator.variables]
        latent_dim = int(latent_dim)

        def checked_latent(latent):
            # The signature checks the dtype, but TensorFlow checks no shape
            # when a loaded signature is called: a rank-1 latent failed deep in
            # the generator ("slice index out of bounds"). Say clearly what is
            # expected. The rank is counted at run time (`graph.runtime_rank`); and
            # the generator's input is the tf.cond's output (a data
            # dependency, not a control one), ensure_shape as the backstop.
            shape = tf.shape(latent)
            valid = tf.logical_and(
                tf.equal(graph.runtime_rank(latent), 2),
                tf.reduce_all(tf.equal(shape[-1:], latent_dim)),
            )

            def accept():
                return tf.ensure_shape(latent, [None, latent_dim])

            def refuse():
                check = tf.debugging.Assert(
                    False,
                    [
                        f"latent must be a [batch, latent_dim] float32 tensor with "
                        f"latent_dim={latent_dim}, received shape:",
                        shape,
                    ],
                )
                with tf.control_dependencies([check]):
                    return tf.zeros([0, latent_dim], tf.float32)

            latent = tf.cond(valid, accept, refuse)
            # One request may not allocate without bound, nor turn NaN into samples.
            batch = tf.shape(latent)[0]
            batch_check = tf.debugging.Assert(
                batch <= max_samples,
                [
                    f"latent batch must be at most max_samples={max_samples} (set at export), "
                    "received a batch of:",
                    batch,
                ],
            )
            with tf.control_dependencies([batch_check]):
                finite_check = tf.debugging.Assert(
                    tf.reduce_all(tf.math.is_finite(latent)),
                    ["latent must hold finite numbers (no NaN or infinity)"],
                )
            with tf.control_dependencies([batch_check, finite_check]):
                return tf.identity(latent)

        def generated_latent(num_samples, seed):
            in_range = tf.logical_and(num_samples >= 1, num_samples <= max_samples)
            check = tf.debugging.Assert(
                in_range,
                [
                    f"num_samples must be in [1, {max_samples}] (max_samples set at export), "
                    "received:",
                    num_samples,
                ],
            )
            with tf.control_dependencies([check]):
                shape = tf.stack([num_samples, latent_dim])
            return tf.random.stateless_normal(
                shape, seed=tf.stack([seed, tf.constant(0, tf.int64)]), alg="philox"
            )

        def truncated_latent(num_samples, seed, truncation):
            # Stream 0 of the seed is the latent, 1 the drawn labels, 2 the redraws' uniforms.
            latent = generated_latent(num_samples, seed)
            check = tf.debugging.Assert(
                tf.logical_and(tf.math.is_finite(truncation), truncation >= 0.0),
                [
                    "truncation must be a finite number > 0 (0: no truncation), received:",
                    truncation,
                ],
            )
            with tf.control_dependencies([check]):
                latent = tf.identity(latent)
            uniform = tf.random.stateless_uniform(
                tf.shape(latent), seed=tf.stack([seed, tf.constant(2, tf.int64)]), alg="philox"
            )
            return tf.cond(
                truncation > 0.0,
                lambda: truncation_lib.truncate(latent, truncation, uniform),
                lambda: latent,
            )

        latent_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="latent")
        generate_specs = [
            tf.TensorSpec([], tf.int32, name="num_samples"),
            tf.TensorSpec([], tf.int64, name="seed"),
        ]
        truncation_spec = tf.TensorSpec([], tf.float32, name="truncation")
        if num_classes is None:

            def serving_default(latent):
                return graph.outputs(generator, checked_latent(latent), image_range)

            def generate(num_samples, seed):
                return graph.outputs(generator, generated_latent(num_samples, seed), image_range)

            def generate_truncated(num_samples, seed, truncation):
                latent = truncated_latent(num_samples, seed, truncation)
                return graph.outputs(generator, latent, image_range)

            self.serving_default = tf.function(serving_default, input_signature=[latent_spec])
            self.generate = tf.function(generate, input_signature=generate_specs)
            self.generate_truncated = tf.function(
                generate_truncated, input_signature=[*generate_specs, truncation_spec]
            )
            return

        num_classes = int(num_classes)
        logits = _class_logits(num_classes, class_frequencies)

        def conditional_serving_default(latent, label):
            latent = checked_latent(latent)
            label = graph.checked_label(label, tf.shape(latent)[0], num_classes)
            return graph.outputs(generator, latent, image_range, label)

        def conditional_outputs(num_samples, seed, label, latent):
            valid = tf.logical_and(label >= -1, label < num_classes)
            check = tf.debugging.Assert(
                valid,
                [
                    f"label must be -1 (classes drawn at random) or a class in [0, {num_classes}) "
                    f"(num_classes={num_classes}), received:",
                    label,
                ],
            )
            # The classes come from their own stream of the seed: the same
            # seed gives the same latent vectors whatever the label.
            drawn = tf.random.stateless_categorical(
                logits, num_samples, seed=tf.stack([seed, tf.constant(1, tf.int64)]), dtype=tf.int32
            )[0]
            with tf.control_dependencies([check]):
                labels = tf.where(label < 0, drawn, tf.fill([num_samples], label))
            labels = graph.label_guard(labels, num_samples, num_classes)
            result = graph.outputs(generator, latent, image_range, labels)
            result["labels"] = labels
            return result

        def conditional_generate(num_samples, seed, label):
            latent = generated_latent(num_samples, seed)
            return conditional_outputs(num_samples, seed, label, latent)

        def conditional_generate_truncated(num_samples, seed, label, truncation):
            latent = truncated_latent(num_samples, seed, truncation)
            return conditional_outputs(num_samples, seed, label, latent)

        label_spec = tf.TensorSpec([None], tf.int32, name="label")
        class_spec = tf.TensorSpec([], tf.int32, name="label")
        self.serving_default = tf.function(
            conditional_serving_default, input_signature=[latent_spec, label_spec]
        )
        self.generate = tf.function(
            conditional_generate, input_signature=[*generate_specs, class_spec]
        )
        self.generate_truncated = tf.function(
            conditional_generate_truncated,
            input_signature=[*generate_specs, class_spec, truncation_spec],
        )


def _describe_signatures(functions):
    """{signature: {"inputs"|"outputs": {name: {"dtype", "shape"}}}} for the metadata."""

    def describe(spec):
        return {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}

    described = {}
    for key, function in functions.items():
        concrete = function.get_concrete_function()
        described[key] = {
            "inputs": {spec.name: describe(spec) for spec in function.input_signature},
            "outputs": {
                name: describe(spec) for name, spec in sorted(concrete.structured_outputs.items())
            },
        }
    return described


def serving_apis():
    """(predict_pb2, prediction_log_pb2) of tensorflow-serving-api (ImportError if absent)."""
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    return predict_pb2, prediction_log_pb2


def write_warmup_requests(path, model_name, latent_dim, max_samples, num_classes=None):
    """Writes TF Serving's warmup file: PredictionLog records in a TFRecord.

    Requests: `serving_default` with batches of `WARMUP_BATCH_SIZES` latent
    vectors (and random labels in [0, num_classes) for a conditional
    generator), and one `generate` call (label -1, random classes, when
    conditional). Returns False without tensorflow-serving-api, the optional
    `serving` extra (`pip install 'keras-wgan[serving]'`): a default install
    exports without warmup, which the process says once, in one INFO line.
    """
    global _told_no_serving_api
    try:
        predict_pb2, prediction_log_pb2 = serving_apis()
    except ImportError:
        if not _told_no_serving_api:
            _told_no_serving_api = True
            logger.info(
                "exporting without TF Serving warmup requests, so a server's first "
                "requests are slower: pip install 'keras-wgan[serving]' "
                "(tensorflow-serving-api) adds them"
            )
        return False
    rng = np.random.default_rng(0)
    requests = []
    for batch_size in (min(size, max_samples) for size in WARMUP_BATCH_SIZES):
        request = predict_pb2.PredictRequest()
        request.model_spec.name = model_name
        request.model_spec.signature_name = "serving_default"
        latent = rng.standard_normal((batch_size, latent_dim)).astype(np.float32)
        request.inputs["latent"].CopyFrom(tf.make_tensor_proto(latent))
        if num_classes is not None:
            label = rng.integers(0, num_classes, batch_size).astype(np.int32)
            request.inputs["label"].CopyFrom(tf.make_tensor_proto(label))
        requests.append(request)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = "generate"
    request.inputs["num_samples"].CopyFrom(
        tf.make_tensor_proto(min(max(WARMUP_BATCH_SIZES), max_samples), dtype=tf.int32)
    )
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(0, dtype=tf.int64))
    if num_classes is not None:
        request.inputs["label"].CopyFrom(tf.make_tensor_proto(-1, dtype=tf.int32))
    requests.append(request)
    with tf.io.TFRecordWriter(path) as writer:
        for request in requests:
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return True
