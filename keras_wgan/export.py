"""Export a trained generator for TF Serving, phones and fine-tuning.

A trained generator must be deployable as it is, by tools that do not have
keras_wgan installed. `export_generator` writes, under
`<export_dir>/<model_name>/` (TF Serving's "model base path"):

* `<version>/`: a SavedModel in TF Serving's layout (numeric version
  directories), with two signatures:

  - `serving_default`: `latent` float32 [None, latent_dim] ->
    `samples` float32 [None, *sample_shape] (the generator's output, in the
    data's range) and, for images, `images` uint8 [None, H, W, C] (the
    value range mapped to 0-255 and rounded, ready to encode as PNG);
  - `generate`: `num_samples` int32 scalar and `seed` int64 scalar ->
    the same outputs, for latent vectors drawn inside the model by a
    stateless (Philox) normal generator seeded from `seed`: the same seed
    gives the same samples. `num_samples` must lie in [1, max_samples]
    (set at export) so that one request cannot allocate without bound.

  A class-conditional generator (one called as `generator([noise, label])`)
  is served with labels: `serving_default` also takes `label` int32
  [None] (one class per latent vector), and `generate` takes `label`, an
  int32 scalar: the class of every sample, or -1 for classes drawn at random
  (from `class_frequencies` in the metadata when the export was given them,
  else uniformly), and also returns them as `labels` int32 [None]. Labels
  outside [0, num_classes) (other than generate's -1) and a `label` batch
  that is not the `latent` batch are refused inside the graph by
  `tf.debugging.Assert` with a message naming `label` and the range, so
  TF Serving answers an error rather than samples of no class.

  `<version>/assets.extra/` holds `tf_serving_warmup_requests` (TF
  Serving replays these PredictionLog records at load, so the first real
  request is not slow) and `keras_wgan.json` (latent_dim, sample_shape,
  value range, num_classes, class_names and class_frequencies, training
  facts, package version, signatures, export time).
* `<model_name>.tflite` (float32) and optionally
  `<model_name>.float16.tflite` and `<model_name>.dynamic_int8.tflite`:
  the `serving_default` signature for the TFLite / LiteRT interpreter
  (`latent` and, conditional, `label`). The converter drops
  `tf.debugging.Assert`, so there the labels pass through a lookup in a
  [num_classes] table and a reshape to the latent batch: a label outside
  [0, num_classes) or a batch mismatch fails `invoke()` with TFLite's own
  `RuntimeError` ("gather index out of bounds", "RESHAPE ... failed"), which
  does not name `label`: apps that want a clear message check the labels
  before invoking.
  `generate` is not converted: its stateless random ops need TF Select
  ops that the pip interpreters cannot run, so an app draws the latent
  vectors itself.
* `<model_name>.keras`: the whole WassersteinGAN (both networks and both
  optimizers) for fine-tuning from Python.
* `<model_name>.json`: a copy of the metadata of the export that the
  `.tflite` and `.keras` files come from.

Why the writes are atomic: TF Serving polls the base path and loads any new
numeric directory it sees. A version is therefore written to a hidden
temporary directory (`.tmp-<version>-<pid>`, which TF Serving ignores
because it is not a number) and renamed into place only when complete; a
crash leaves no half-written version, and the temporary directory is removed
on any Python exception. A version that exists is never overwritten. The
files beside the versions (`.tflite`, `.keras`, `.json`) always
describe the most recent export and are replaced atomically (temporary file
`.tmp-<pid>-<name>` plus `os.replace`), so a reader sees either the old
or the new file; those of an earlier export that the latest did not write (a
quantization not asked for again, `tflite=False`...) are removed. The
temporary names of a killed export (`kill -9`, power loss) are removed by
the next export, once no process has their pid.

The SavedModel version is published before the TFLite conversions: a
conversion that fails leaves it exported, logs one line naming the variant
and the reason, and is recorded in `ExportResult.tflite_errors` and in the
metadata (`tflite_errors`). TFLite is converted from the float32
generator with every image-shaped layer output pinned to its static shape,
because the converter lost the shapes after `UpSampling2D` (see
`_TFLiteModule`).

What is TensorFlow's own (SavedModel signatures, TFLite conversion, TF
Serving's warmup format) lives in this module. It is also the command line
`python -m keras_wgan.export --checkpoint=model.keras --export_dir=exports`
for an existing `.keras` checkpoint.
"""

import dataclasses
import datetime
import functools
import json
import logging
import math
import os
import re
import shutil
import sys

from keras_wgan import cli, validation

if __name__ == "__main__" or os.path.basename(sys.argv[0]).startswith("keras-wgan-export"):
    # The command line: TensorFlow's own log lines off the console (set before its import).
    cli.quiet_tensorflow(cli.argv_verbosity(sys.argv[1:]))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "DEFAULT_MODEL_NAME",
    "ExportResult",
    "TFLITE_QUANTIZATIONS",
    "export_checkpoint",
    "export_generator",
    "main",
]

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "wgan"
_PROG = "keras_wgan.export"  # the program name in error lines
DEFAULT_MAX_SAMPLES = 1024
# Quantized TFLite variants on top of the float32 file that is always written.
TFLITE_QUANTIZATIONS = ("float16", "dynamic_int8")
WARMUP_FILENAME = "tf_serving_warmup_requests"
METADATA_FILENAME = "keras_wgan.json"
# Batch sizes of the serving_default warmup requests.
WARMUP_BATCH_SIZES = (1, 64)
# TF Serving's model names become directory names here: no path separators.
_MODEL_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Temporary names an export writes in the model directory (the pid is group 1).
_TEMP_DIR_PATTERN = re.compile(r"\.tmp-[0-9]+-([0-9]+)")  # .tmp-<version>-<pid>/
_TEMP_FILE_PATTERN = re.compile(r"\.tmp-([0-9]+)-.+")  # .tmp-<pid>-<file name>
# Keys the export computes from the model; `metadata` may not set them.
_COMPUTED_KEYS = ("model_name", "version", "latent_dim", "sample_shape", "num_classes",
                  "penalty",
                  "generator_steps", "keras_wgan_version", "tensorflow_version",
                  "keras_version", "max_samples", "signatures", "export_time", "tflite",
                  "tflite_errors")


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What `export_generator` wrote.

    Attributes:
        version: the SavedModel version number.
        model_dir: `<export_dir>/<model_name>`, TF Serving's model base path.
        saved_model_dir: `<model_dir>/<version>`, the SavedModel.
        metadata_path: `<saved_model_dir>/assets.extra/keras_wgan.json`.
        warmup_path: the TF Serving warmup file, or None when
            tensorflow-serving-api was not installed.
        tflite_paths: quantization ("float32", "float16", "dynamic_int8") ->
            path of the `.tflite` file written.
        keras_path: `<model_dir>/<model_name>.keras`, or None.
        side_metadata_path: `<model_dir>/<model_name>.json`.
        tflite_errors: quantization -> first line of the error, for each
            TFLite variant whose conversion failed (the SavedModel is
            exported all the same); empty when every conversion succeeded.
    """

    version: int
    model_dir: str
    saved_model_dir: str
    metadata_path: str
    warmup_path: str | None
    tflite_paths: dict
    keras_path: str | None
    side_metadata_path: str
    tflite_errors: dict = dataclasses.field(default_factory=dict)


def export_generator(model, export_dir, model_name=DEFAULT_MODEL_NAME, version=None, *,
                     metadata=None, max_samples=DEFAULT_MAX_SAMPLES, tflite=True,
                     tflite_quantization=(), save_keras=True):
    """Exports a WassersteinGAN's generator as a versioned SavedModel and TFLite files.

    Writes `<export_dir>/<model_name>/<version>/` (a SavedModel TF Serving
    can load, with the `serving_default` and `generate` signatures, warmup
    requests and `keras_wgan.json` metadata in `assets.extra/`), then the
    TFLite files, the `.keras` file and a metadata copy beside the version
    directories (see the module docstring for the layout and why each write is
    atomic). The Keras generator is called with `training=False`, so batch
    normalisation uses its moving statistics.

    A generator with two inputs, `generator([noise, label])`, is
    class-conditional and its signatures take labels (see the module
    docstring). Its number of classes K is `model.num_classes` when the
    model has that attribute, else it is read from the generator's label
    layer (the `input_dim` of its `label_embedding` Embedding, or the
    `num_classes` of its `ConditionalBatchNormalization` layers); the two
    must agree.

    Re-exporting: each call adds a new version (the next free number when
    `version` is None) and replaces the `.tflite`, `.keras` and `.json`
    files, which always describe the most recent export: those this export
    does not write (e.g. a quantization not asked for again) are removed.

    Args:
        model: a `keras_wgan.WassersteinGAN` (compiled or not).
        export_dir: the exports directory (created if needed), e.g. "exports".
        model_name: the model's name in TF Serving and its directory name:
            letters, digits, `_`, `-`, `.`, starting with a letter or
            digit (no path separators).
        version: the version number, an integer >= 1, or None for the next
            free version (1 when there is none). An existing version is an
            error, never overwritten.
        metadata: dict of training-side facts merged into `keras_wgan.json`
            (e.g. `{"dataset": "mnist", "architecture": "dcgan"}`); must be
            JSON-serialisable. `value_range` ([low, high]) sets the samples'
            range (default [-1, 1] for images, the generators' `tanh`, and
            None, unbounded, otherwise); for images it is the range mapped to
            0-255 in `images`. For a conditional generator,
            `class_names` (K strings; default `model.class_names` if the
            model has it, else "0"..."K-1") and `class_frequencies` (K
            non-negative numbers, normalised; default
            `model.class_frequencies` if the model has it, else None:
            uniform) are recorded, and the latter is how `generate` draws
            the classes for `label=-1`. Keys the export computes itself
            (latent_dim, sample_shape, num_classes, version,
            generator_steps...) are refused.
        max_samples: the largest `num_samples` the `generate` signature
            accepts, an integer >= 1.
        tflite: write the TFLite files. A conversion that fails does not
            fail the export (the SavedModel is already published): it is
            logged and recorded in `ExportResult.tflite_errors`.
        tflite_quantization: quantized TFLite variants to write besides the
            float32 one: a sequence of `"float16"` and `"dynamic_int8"`
            (or one comma-separated string).
        save_keras: write `<model_name>.keras` (the whole WassersteinGAN).

    Returns:
        An `ExportResult` with the version and the paths written.

    Raises:
        ValueError: for an invalid `model_name`, `version`, `max_samples`,
            `tflite_quantization` or `metadata` (class names or frequencies
            that are not K of them, or given for an unconditional generator),
            or a model that is not a WassersteinGAN.
        FileExistsError: if the version already exists.

    Example:
    >>> import keras_wgan, keras_wgan.export
    >>> generator, critic = keras_wgan.architectures.build("mlp", (2,), units=16)
    >>> gan = keras_wgan.WassersteinGAN(generator, critic)
    >>> result = keras_wgan.export.export_generator(
    ...     gan, "exports", model_name="toy", metadata={"dataset": "8gaussians"})
    >>> result.saved_model_dir  # doctest: +SKIP
    'exports/toy/1'
    """
    _check_model(model)
    quantizations = _check_arguments(model_name, version, max_samples, tflite_quantization)
    version = None if version is None else int(version)  # e.g. a numpy integer
    max_samples = int(max_samples)
    sample_shape = tuple(int(d) for d in model.generator.output_shape[1:])
    is_image = len(sample_shape) == 3
    metadata = _check_metadata(metadata)
    value_range = _value_range(metadata, is_image)
    conditioning = _conditioning(model, model.sampling_generator, metadata)
    num_classes = conditioning["num_classes"]
    metadata.update(conditioning)

    model_dir = os.path.join(os.fspath(export_dir), model_name)
    os.makedirs(model_dir, exist_ok=True)
    existing = _existing_versions(model_dir)
    if version is None:
        version = max(existing, default=0) + 1
    elif version in existing:
        raise FileExistsError(
            f"version {version} of model {model_name!r} already exists at "
            f"{existing[version]}: a version is never overwritten; pass version=None for "
            f"the next free version ({max(existing) + 1}) or remove that directory")

    _remove_stale_temporaries(model_dir)
    pid = os.getpid()
    temp_dir = os.path.join(model_dir, f".tmp-{version}-{pid}")
    saved_model_dir = os.path.join(model_dir, str(version))
    extra_dir = os.path.join(saved_model_dir, "assets.extra")
    metadata_path = os.path.join(extra_dir, METADATA_FILENAME)
    generator = float32_generator(model.sampling_generator)  # the average, if it has one
    image_range = value_range if is_image else None
    tflite_names = {}
    if tflite:
        for quantization in ("float32",) + quantizations:
            suffix = "" if quantization == "float32" else f".{quantization}"
            tflite_names[quantization] = f"{model_name}{suffix}.tflite"

    # 1. The SavedModel, published first: it is what TF Serving loads, and no
    # later step (a TFLite conversion that fails or crashes) may cost it.
    try:
        shutil.rmtree(temp_dir, ignore_errors=True)  # a killed run's, with a recycled pid
        module = _GeneratorModule(generator, model.latent_dim, image_range, max_samples,
                                  num_classes, conditioning["class_frequencies"])
        signatures = {"serving_default": module.serving_default, "generate": module.generate}
        tf.saved_model.save(module, temp_dir, signatures=signatures)
        temp_extra_dir = os.path.join(temp_dir, "assets.extra")
        os.makedirs(temp_extra_dir, exist_ok=True)
        wrote_warmup = _write_warmup_requests(
            os.path.join(temp_extra_dir, WARMUP_FILENAME), model_name, model.latent_dim,
            max_samples, num_classes)
        info = _metadata(model, model_name, version, sample_shape, value_range, metadata,
                         max_samples, signatures, tflite_names)
        with open(os.path.join(temp_extra_dir, METADATA_FILENAME), "w") as f:
            f.write(_json_text(info))
        _rename_version(temp_dir, saved_model_dir, version, model_name)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise

    # 2. The files beside the versions, to temporary names, then published.
    temp_files = {}  # final path -> temporary path
    tflite_errors = {}
    try:
        tflite_module = _TFLiteModule(generator, model.latent_dim, image_range, num_classes)
        for quantization, name in tflite_names.items():
            try:
                flatbuffer = _convert_tflite(tflite_module, quantization)
            except Exception as error:  # the SavedModel stays exported
                tflite_errors[quantization] = _first_line(error)
                logger.warning("TFLite %s conversion failed, so %s is not written (the "
                               "SavedModel version %d is exported): %s", quantization, name,
                               version, tflite_errors[quantization])
                continue
            final = os.path.join(model_dir, name)
            temp_files[final] = _temp_path(model_dir, name, pid)
            with open(temp_files[final], "wb") as f:
                f.write(flatbuffer)
        if tflite_errors:
            # The metadata says which files exist and why the others do not.
            info["tflite"] = {q: n for q, n in tflite_names.items() if q not in tflite_errors}
            info["tflite_errors"] = tflite_errors
            temp = _temp_path(extra_dir, METADATA_FILENAME, pid)
            temp_files[metadata_path] = temp
            with open(temp, "w") as f:
                f.write(_json_text(info))
        keras_path = None
        if save_keras:
            keras_path = os.path.join(model_dir, f"{model_name}.keras")
            temp_files[keras_path] = _temp_path(model_dir, f"{model_name}.keras", pid)
            model.save(temp_files[keras_path])
        side_metadata_path = os.path.join(model_dir, f"{model_name}.json")
        temp_files[side_metadata_path] = _temp_path(model_dir, f"{model_name}.json", pid)
        with open(temp_files[side_metadata_path], "w") as f:
            f.write(_json_text(info))

        for final, temp in temp_files.items():
            os.replace(temp, final)
        # Side files an earlier export wrote and this one did not would
        # describe an older version: remove them.
        for name in _side_file_names(model_name):
            path = os.path.join(model_dir, name)
            if path not in temp_files and os.path.exists(path):
                os.remove(path)
    except BaseException:
        for temp in temp_files.values():
            if os.path.exists(temp):
                os.remove(temp)
        raise

    result = ExportResult(
        version=version,
        model_dir=model_dir,
        saved_model_dir=saved_model_dir,
        metadata_path=metadata_path,
        warmup_path=os.path.join(extra_dir, WARMUP_FILENAME) if wrote_warmup else None,
        tflite_paths={q: os.path.join(model_dir, name) for q, name in tflite_names.items()
                      if q not in tflite_errors},
        keras_path=keras_path,
        side_metadata_path=side_metadata_path,
        tflite_errors=tflite_errors,
    )
    logger.info("exported %r version %d to %s", model_name, version, saved_model_dir)
    return result


def export_checkpoint(checkpoint, export_dir, **kwargs):
    """Loads a WassersteinGAN `.keras` checkpoint and exports its generator.

    The checkpoint is loaded with `keras.saving.load_model` (compiled, so the
    generator's optimizer step count reaches the metadata), then passed to
    `export_generator`.

    Args:
        checkpoint: path of a `.keras` file saved by `WassersteinGAN.save`.
        export_dir: the exports directory.
        **kwargs: passed to `export_generator` (model_name, version,
            metadata, max_samples, tflite_quantization...).

    Returns:
        The `ExportResult` of `export_generator`.

    Raises:
        FileNotFoundError: if `checkpoint` is not an existing file.
        ValueError: if it is not a valid `.keras` file (not a zip archive, or
            a damaged one), cannot be loaded (e.g. safe mode refuses code in
            it), holds no WassersteinGAN, or for the errors of
            `export_generator`.

    Example:
    >>> result = export_checkpoint("runs/mnist/model.keras", "exports",
    ...                            model_name="mnist")  # doctest: +SKIP
    """
    checkpoint = os.fspath(checkpoint)
    if not os.path.isfile(checkpoint):
        raise FileNotFoundError(f"checkpoint {checkpoint!r} does not exist: expected a "
                                ".keras file saved by WassersteinGAN.save()")
    if not checkpoint.endswith(".keras"):
        raise ValueError(f"checkpoint {checkpoint!r} is not a .keras file: expected a "
                         ".keras file saved by WassersteinGAN.save()")
    # Check the arguments before the slow load.
    _check_arguments(kwargs.get("model_name", DEFAULT_MODEL_NAME), kwargs.get("version"),
                     kwargs.get("max_samples", DEFAULT_MAX_SAMPLES),
                     kwargs.get("tflite_quantization", ()))
    _check_metadata(kwargs.get("metadata"))
    from keras_wgan import checkpointing

    model = checkpointing.load_keras_model(checkpoint)
    return export_generator(model, export_dir, **kwargs)


def float32_generator(generator):
    """The generator computing in float32: itself, or a float32 copy of a mixed-precision one.

    A generator trained under `mixed_bfloat16` computes in bfloat16, which the
    TFLite converter cannot convert and CPUs without bfloat16 units run slowly;
    its weights are float32 already, so the export serves a copy built with
    float32 layers and the same weights.
    """
    if all(layer.dtype_policy.compute_dtype == "float32"
           for layer in generator._flatten_layers()):
        return generator
    config = _float32_config(generator.get_config())
    copy = generator.__class__.from_config(config)
    copy.set_weights(generator.get_weights())
    return copy


def _float32_config(value):
    """A layer config with every mixed-precision dtype policy made float32."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
            return dict(value, config=dict(value["config"], name="float32"))
        return {key: _float32_config(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_float32_config(item) for item in value]
    if value in ("mixed_bfloat16", "mixed_float16"):
        return "float32"
    return value


# ----------------------------------------------------------------- the module
def _outputs(generator, latent, image_range, label=None):
    """The signatures' outputs: {"samples"} and, for images, {"images"} in uint8.

    `label` None calls an unconditional generator on `latent`; otherwise the
    conditional generator is called as `generator([latent, label])`.
    """
    inputs = latent if label is None else [latent, label]
    samples = tf.cast(generator(inputs, training=False), tf.float32)
    result = {"samples": samples}
    if image_range is not None:
        low, high = image_range
        scaled = tf.round((samples - low) * (255.0 / (high - low)))
        result["images"] = tf.cast(tf.clip_by_value(scaled, 0.0, 255.0), tf.uint8)
    return result


def _runtime_rank(tensor):
    """The rank of `tensor` counted at run time.

    Grappler folds `tf.size(tf.shape(x))` into the signature's static
    rank, so a loaded signature called with another rank would pass a check
    written that way; counting the dimensions through a mask it cannot fold
    does not.
    """
    shape = tf.shape(tensor)
    return tf.size(tf.boolean_mask(shape, shape >= 0))


def _label_guard(label, batch_size, num_classes):
    """`label` reshaped to [batch_size] and looked up in a [num_classes] table: itself.

    What refuses bad labels where `tf.debugging.Assert` is gone (the
    TFLite converter drops it): the reshape fails when the label count is
    not the latent batch, and the lookup (a GATHER, which checks its indices
    in TFLite) fails for a label outside [0, num_classes), where
    `keras.ops.take` in the generator would wrap -1 to the last class.
    """
    label = tf.reshape(label, tf.reshape(batch_size, [1]))
    return tf.gather(tf.range(num_classes, dtype=tf.int32), label)


def _checked_label(label, batch_size, num_classes):
    """`label` int32 [batch_size], after in-graph checks that refuse bad labels.

    The SavedModel side: `tf.debugging.Assert` with messages naming
    `label` and what is expected (TF Serving returns them as errors), then
    `_label_guard`.
    """
    rank = _runtime_rank(label)
    shape_ok = tf.logical_and(tf.equal(rank, 1), tf.equal(tf.size(label), batch_size))
    shape_check = tf.debugging.Assert(shape_ok, [
        "label must be an int32 tensor [batch] holding one class label per latent vector, "
        "received shape:", tf.shape(label), "for a latent batch of", batch_size])
    # The range check (and the boolean_mask of its message, which fails on other shapes)
    # runs only once the shape check has passed: unordered, either could fail first.
    with tf.control_dependencies([shape_check]):
        flat = tf.reshape(label, [-1])
        in_range = tf.logical_and(flat >= 0, flat < num_classes)
        range_check = tf.debugging.Assert(tf.reduce_all(in_range), [
            f"label must hold class labels in [0, {num_classes}) (num_classes={num_classes}), "
            "received out-of-range labels:", tf.boolean_mask(flat, tf.logical_not(in_range))])
    with tf.control_dependencies([shape_check, range_check]):
        return _label_guard(label, batch_size, num_classes)


def _class_logits(num_classes, class_frequencies):
    """float32 [1, K] logits of the classes `generate` draws for label -1."""
    if class_frequencies is None:
        return tf.zeros([1, num_classes], tf.float32)
    frequencies = np.asarray(class_frequencies, np.float64)
    with np.errstate(divide="ignore"):
        logits = np.where(frequencies > 0, np.log(frequencies), -np.inf)
    return tf.constant(logits[None], tf.float32)


class _GeneratorModule(tf.Module):
    """The generator's variables and the two serving functions, for tf.saved_model.save.

    With `num_classes` (a conditional generator) both functions also take a
    `label` (see the module docstring); `class_frequencies` ([K] or None:
    uniform) is how `generate` draws the classes for label -1.
    """

    def __init__(self, generator, latent_dim, image_range, max_samples, num_classes=None,
                 class_frequencies=None):
        super().__init__(name="generator_export")
        self._generator_variables = [_tf_variable(v) for v in generator.variables]
        latent_dim = int(latent_dim)

        def checked_latent(latent):
            # The signature checks the dtype, but TensorFlow checks no shape
            # when a loaded signature is called: a rank-1 latent failed deep in
            # the generator ("slice index out of bounds"). Say clearly what is
            # expected. The rank is counted at run time (`_runtime_rank`); and
            # the generator's input is the tf.cond's output (a data
            # dependency, not a control one), ensure_shape as the backstop.
            shape = tf.shape(latent)
            valid = tf.logical_and(tf.equal(_runtime_rank(latent), 2),
                                   tf.reduce_all(tf.equal(shape[-1:], latent_dim)))

            def accept():
                return tf.ensure_shape(latent, [None, latent_dim])

            def refuse():
                check = tf.debugging.Assert(False, [
                    f"latent must be a [batch, latent_dim] float32 tensor with "
                    f"latent_dim={latent_dim}, received shape:", shape])
                with tf.control_dependencies([check]):
                    return tf.zeros([0, latent_dim], tf.float32)

            return tf.cond(valid, accept, refuse)

        def generated_latent(num_samples, seed):
            in_range = tf.logical_and(num_samples >= 1, num_samples <= max_samples)
            check = tf.debugging.Assert(in_range, [
                f"num_samples must be in [1, {max_samples}] (max_samples set at export), "
                "received:", num_samples])
            with tf.control_dependencies([check]):
                shape = tf.stack([num_samples, latent_dim])
            return tf.random.stateless_normal(
                shape, seed=tf.stack([seed, tf.constant(0, tf.int64)]), alg="philox")

        latent_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="latent")
        generate_specs = [tf.TensorSpec([], tf.int32, name="num_samples"),
                          tf.TensorSpec([], tf.int64, name="seed")]
        if num_classes is None:
            def serving_default(latent):
                return _outputs(generator, checked_latent(latent), image_range)

            def generate(num_samples, seed):
                return _outputs(generator, generated_latent(num_samples, seed), image_range)

            self.serving_default = tf.function(serving_default, input_signature=[latent_spec])
            self.generate = tf.function(generate, input_signature=generate_specs)
            return

        num_classes = int(num_classes)
        logits = _class_logits(num_classes, class_frequencies)

        def conditional_serving_default(latent, label):
            latent = checked_latent(latent)
            label = _checked_label(label, tf.shape(latent)[0], num_classes)
            return _outputs(generator, latent, image_range, label)

        def conditional_generate(num_samples, seed, label):
            valid = tf.logical_and(label >= -1, label < num_classes)
            check = tf.debugging.Assert(valid, [
                f"label must be -1 (classes drawn at random) or a class in [0, {num_classes}) "
                f"(num_classes={num_classes}), received:", label])
            latent = generated_latent(num_samples, seed)
            # The classes come from their own stream of the seed: the same
            # seed gives the same latent vectors whatever the label.
            drawn = tf.random.stateless_categorical(
                logits, num_samples, seed=tf.stack([seed, tf.constant(1, tf.int64)]),
                dtype=tf.int32)[0]
            with tf.control_dependencies([check]):
                labels = tf.where(label < 0, drawn, tf.fill([num_samples], label))
            labels = _label_guard(labels, num_samples, num_classes)
            result = _outputs(generator, latent, image_range, labels)
            result["labels"] = labels
            return result

        label_spec = tf.TensorSpec([None], tf.int32, name="label")
        self.serving_default = tf.function(conditional_serving_default,
                                           input_signature=[latent_spec, label_spec])
        self.generate = tf.function(conditional_generate, input_signature=generate_specs + [
            tf.TensorSpec([], tf.int32, name="label")])


class _TFLiteModule(tf.Module):
    """The `serving_default` function as the TFLite converter needs it.

    The converter re-infers every shape and loses the height and width after
    Keras' `UpSampling2D` (`tf.repeat` on a tensor of unknown batch size):
    its `Conv2D` then has no builtin TFLite kernel (kerasio and resnet
    failed). The generator is therefore called through `_static_shapes`,
    which pins each image-shaped layer output to its known
    [batch, H, W, C] shape; the batch stays free. A conditional generator's
    labels go through `_label_guard`, the check that survives conversion.
    """

    def __init__(self, generator, latent_dim, image_range, num_classes=None):
        super().__init__(name="generator_tflite")
        self._generator_variables = [_tf_variable(v) for v in generator.variables]
        static = _static_shapes(generator)
        latent_spec = tf.TensorSpec([None, int(latent_dim)], tf.float32, name="latent")
        if num_classes is None:
            self.serving_default = tf.function(
                lambda latent: _outputs(static, latent, image_range),
                input_signature=[latent_spec])
            return

        def serving_default(latent, label):
            label = _label_guard(label, tf.shape(latent)[0], int(num_classes))
            return _outputs(static, latent, image_range, label)

        self.serving_default = tf.function(serving_default, input_signature=[
            latent_spec, tf.TensorSpec([None], tf.int32, name="label")])


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

    return keras.models.clone_model(generator, clone_function=lambda layer: layer,
                                    call_function=call)


def _tf_variable(variable):
    """The tf.Variable holding a Keras variable's value."""
    value = variable.value if isinstance(variable, keras.Variable) else variable
    if not isinstance(value, tf.Variable):
        raise ValueError(f"generator variable {variable.path!r} is not backed by a "
                         "tf.Variable: export needs the TensorFlow backend")
    return value


def _metadata(model, model_name, version, sample_shape, value_range, training_metadata,
              max_samples, signatures, tflite_names):
    """The contents of keras_wgan.json: the model's facts and the training-side fields."""
    info = {"dataset": None, "architecture": None}
    info.update(training_metadata)
    info.update(
        model_name=model_name,
        version=version,
        latent_dim=int(model.latent_dim),
        sample_shape=list(sample_shape),
        value_range=value_range,
        penalty=model.penalty.name,
        generator_steps=model.generator_steps,
        keras_wgan_version=_package_version(),
        tensorflow_version=tf.__version__,
        keras_version=keras.__version__,
        max_samples=max_samples,
        signatures=_describe_signatures(signatures),
        export_time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        tflite=tflite_names,
    )
    return info


def _describe_signatures(functions):
    """{signature: {"inputs"|"outputs": {name: {"dtype", "shape"}}}} for the metadata."""
    def describe(spec):
        return {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}

    described = {}
    for key, function in functions.items():
        concrete = function.get_concrete_function()
        described[key] = {
            "inputs": {spec.name: describe(spec) for spec in function.input_signature},
            "outputs": {name: describe(spec)
                        for name, spec in sorted(concrete.structured_outputs.items())},
        }
    return described


# ------------------------------------------------------------- TF Serving bits
def _serving_apis():
    """(predict_pb2, prediction_log_pb2) of tensorflow-serving-api (ImportError if absent)."""
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    return predict_pb2, prediction_log_pb2


def _write_warmup_requests(path, model_name, latent_dim, max_samples, num_classes=None):
    """Writes TF Serving's warmup file: PredictionLog records in a TFRecord.

    Requests: `serving_default` with batches of `WARMUP_BATCH_SIZES` latent
    vectors (and random labels in [0, num_classes) for a conditional
    generator), and one `generate` call (label -1, random classes, when
    conditional). Returns False (and logs a warning) without
    tensorflow-serving-api, the optional `serving` extra.
    """
    try:
        predict_pb2, prediction_log_pb2 = _serving_apis()
    except ImportError:
        logger.warning("tensorflow-serving-api is not installed (pip install "
                       "'keras-wgan[serving]'): exporting without %s, so TF Serving's "
                       "first requests will be slow", WARMUP_FILENAME)
        return False
    rng = np.random.default_rng(0)
    requests = []
    for batch_size in WARMUP_BATCH_SIZES:
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
        tf.make_tensor_proto(min(max(WARMUP_BATCH_SIZES), max_samples), dtype=tf.int32))
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(0, dtype=tf.int64))
    if num_classes is not None:
        request.inputs["label"].CopyFrom(tf.make_tensor_proto(-1, dtype=tf.int32))
    requests.append(request)
    with tf.io.TFRecordWriter(path) as writer:
        for request in requests:
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return True


def _convert_tflite(module, quantization):
    """The TFLite flatbuffer (bytes) of a `_TFLiteModule`'s `serving_default`.

    "float32": no optimisation; "float16": weights stored as float16;
    "dynamic_int8": dynamic-range quantisation (int8 weights, float
    activations; no representative data needed). The weights are the plain
    tf.Variables the module tracks: with the Keras variables tracked instead,
    the converter keeps them as uninitialised resource variables
    (VAR_HANDLE ops) and the interpreter returns NaN.
    """
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.serving_default.get_concrete_function()], module)
    if quantization == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantization == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


# --------------------------------------------------------------- file system
def _existing_versions(model_dir):
    """{version number: path} of the numeric directories TF Serving would load."""
    versions = {}
    for name in os.listdir(model_dir):
        path = os.path.join(model_dir, name)
        if re.fullmatch(r"[0-9]+", name) and os.path.isdir(path):
            versions[int(name)] = path
    return versions


def _side_file_names(model_name):
    """Every file an export may write beside the version directories."""
    names = [f"{model_name}.tflite", f"{model_name}.keras", f"{model_name}.json"]
    names += [f"{model_name}.{quantization}.tflite" for quantization in TFLITE_QUANTIZATIONS]
    return names


def _temp_path(directory, name, pid):
    """A hidden temporary name beside `name` (keeps the suffix: Keras checks it)."""
    return os.path.join(directory, f".tmp-{pid}-{name}")


def _remove_stale_temporaries(model_dir):
    """Removes the temporary directories and files of exports whose process is gone.

    A killed export (`kill -9`, power loss) cannot clean up after itself;
    its temporary names carry its pid, so the next export removes those whose
    process no longer exists, and never a running export's. (Exports into one
    model directory are assumed to run on one machine, as the chief does.)
    """
    for name in os.listdir(model_dir):
        path = os.path.join(model_dir, name)
        is_dir = os.path.isdir(path) and not os.path.islink(path)
        match = (_TEMP_DIR_PATTERN if is_dir else _TEMP_FILE_PATTERN).fullmatch(name)
        if match is None or _process_exists(int(match.group(1))):
            continue
        try:
            if is_dir:
                shutil.rmtree(path)
            else:
                os.remove(path)
        except FileNotFoundError:  # another export removed it first
            continue
        logger.info("removed %s, left by export process %s that no longer runs", path,
                    match.group(1))


def _process_exists(pid):
    """Whether a process with this pid runs on this machine (True when unsure)."""
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: another user's process
        return True
    return True


def _json_text(info):
    return json.dumps(info, indent=2, sort_keys=True) + "\n"


def _first_line(error):
    """"Type: first line of the message", without the TFLite converter's locations."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    # The converter's lines read "<stage>.<location>: error: loc(...): <what>".
    if "error: " in line:
        line = line.rsplit("error: ", 1)[1]
    line = re.sub(r"^loc\(.*\):\s+", "", line)
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def _rename_version(temp_dir, saved_model_dir, version, model_name):
    """Moves the finished SavedModel to its version directory, never over another."""
    if os.path.exists(saved_model_dir):
        raise FileExistsError(f"version {version} of model {model_name!r} appeared at "
                              f"{saved_model_dir} during the export: not overwriting it")
    try:
        os.rename(temp_dir, saved_model_dir)
    except OSError as error:  # e.g. another export renamed the same version first
        raise FileExistsError(f"cannot publish version {version} of model {model_name!r} "
                              f"at {saved_model_dir}: {error}") from error


# ------------------------------------------------------------------- checks
def _check_model(model):
    from keras_wgan.model import WassersteinGAN

    if not isinstance(model, WassersteinGAN):
        raise ValueError(f"model must be a keras_wgan.WassersteinGAN, received "
                         f"{type(model).__name__}")


def _check_arguments(model_name, version, max_samples, tflite_quantization):
    """Checks export_generator's plain arguments; returns the quantizations as a tuple."""
    _check_model_name(model_name)
    if version is not None:
        _check_int("version", version, minimum=1,
                   why="TF Serving's version directories are numbered from 1")
    _check_int("max_samples", max_samples, minimum=1,
               why="the largest num_samples the generate signature accepts")
    return _check_quantizations(tflite_quantization)


def _check_model_name(model_name):
    if not isinstance(model_name, str) or not _MODEL_NAME_PATTERN.fullmatch(model_name):
        raise ValueError(
            f"model_name must be a plain name of letters, digits, '_', '-' and '.' starting "
            f"with a letter or digit (it names a directory: no path separators), "
            f"received {model_name!r}")


def _check_int(name, value, minimum, why):
    validation.integer(name, value, minimum=minimum, hint=why)


def _check_quantizations(quantizations):
    if isinstance(quantizations, str):
        quantizations = [q for q in quantizations.split(",") if q]
    quantizations = tuple(quantizations or ())
    for quantization in quantizations:
        if quantization not in TFLITE_QUANTIZATIONS:
            raise ValueError(
                f"tflite_quantization: unknown quantization {quantization!r}, expected any "
                f"of {', '.join(TFLITE_QUANTIZATIONS)} (float32 is always written)")
    return tuple(dict.fromkeys(quantizations))  # unique, in order


def _value_range(metadata, is_image):
    """[low, high] of the samples from metadata["value_range"], or the default."""
    default = [-1.0, 1.0] if is_image else None
    if not metadata or metadata.get("value_range") is None:
        if is_image:
            return default
        return None
    value_range = metadata["value_range"]
    try:
        low, high = (float(v) for v in value_range)
        valid = math.isfinite(low) and math.isfinite(high) and low < high
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"metadata['value_range'] must be [low, high] with finite "
                         f"low < high, received {value_range!r}")
    return [low, high]


def _check_metadata(metadata):
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) for k in metadata):
        raise ValueError(f"metadata must be a dict with string keys, received {metadata!r}")
    for key in _COMPUTED_KEYS:
        if key in metadata:
            raise ValueError(f"metadata[{key!r}] (received {metadata[key]!r}) is computed by "
                             "the export from the model: leave it out")
    try:
        json.dumps(metadata)
    except (TypeError, ValueError) as error:
        raise ValueError(f"metadata must be JSON-serialisable ({error}), received "
                         f"{metadata!r}") from error
    return dict(metadata)


def _conditioning(model, generator, metadata):
    """{"num_classes", "class_names", "class_frequencies"} of the export, checked.

    K is `model.num_classes` if the model has it, else it is read from the
    generator's label layer (`_generator_num_classes`); a generator with one
    input is unconditional (all three None). Class names and frequencies come
    from `metadata`, else from the model's attributes of those names.

    Raises:
        ValueError: for a K that the generator contradicts, or class names or
            frequencies that are not K of them, or given for an unconditional
            generator.
    """
    from keras_wgan import labels

    conditional = len(generator.inputs) == 2
    declared = labels.check_num_classes(getattr(model, "num_classes", None),
                                        argument="model.num_classes")
    if not conditional:
        if declared is not None:
            raise ValueError(f"model.num_classes is {declared} but its generator takes only "
                             "latent vectors; expected a generator called as "
                             "generator([noise, label])")
        for key in ("class_names", "class_frequencies"):
            if metadata.get(key) is not None:
                raise ValueError(f"metadata[{key!r}] (received {metadata[key]!r}) is for a "
                                 "class-conditional generator; this one takes only latent "
                                 "vectors: leave it out")
        return {"num_classes": None, "class_names": None, "class_frequencies": None}
    found = _generator_num_classes(generator)
    if declared is not None and found is not None and declared != found:
        raise ValueError(f"model.num_classes is {declared} but the generator's label layer "
                         f"has {found} classes; expected the same number")
    num_classes = declared if declared is not None else found
    if num_classes is None:
        raise ValueError("model has no num_classes and its generator's label layer was not "
                         "found (no label_embedding Embedding nor ConditionalBatchNormalization"
                         "); expected a model with num_classes for a conditional generator")
    names = metadata.get("class_names")
    if names is None:
        names = getattr(model, "class_names", None)
    if names is None:
        names = [str(k) for k in range(num_classes)]
    if isinstance(names, str) or not all(isinstance(n, str) for n in names) \
            or len(names) != num_classes:
        raise ValueError(f"class_names must be {num_classes} strings (num_classes="
                         f"{num_classes}), received {names!r}")
    frequencies = metadata.get("class_frequencies")
    if frequencies is None:
        frequencies = getattr(model, "class_frequencies", None)
    if frequencies is not None:
        frequencies = _check_frequencies(frequencies, num_classes)
    return {"num_classes": num_classes, "class_names": list(names),
            "class_frequencies": frequencies}


def _check_frequencies(frequencies, num_classes):
    """The class frequencies as K floats summing to 1 (ValueError if they cannot be)."""
    try:
        array = np.asarray(frequencies, np.float64)
        valid = (array.shape == (num_classes,) and bool(np.all(np.isfinite(array)))
                 and bool(np.all(array >= 0)) and array.sum() > 0)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"class_frequencies must be {num_classes} finite non-negative numbers "
                         f"with a positive sum (num_classes={num_classes}), received "
                         f"{frequencies!r}")
    return [float(f) for f in array / array.sum()]


def _generator_num_classes(generator):
    """K read from a conditional generator's label layer, or None if it has none.

    The label layers of `keras_wgan.architectures`: the `label_embedding`
    Embedding (mlp, kerasio) and the `ConditionalBatchNormalization` layers
    (dcgan, resnet).
    """
    from keras_wgan.layers import ConditionalBatchNormalization

    found = set()
    for layer in generator._flatten_layers():
        if isinstance(layer, ConditionalBatchNormalization):
            found.add(int(layer.num_classes))
        elif isinstance(layer, keras.layers.Embedding) and layer.name == "label_embedding":
            found.add(int(layer.input_dim))
    if len(found) > 1:
        raise ValueError(f"the generator's label layers disagree on the number of classes "
                         f"({sorted(found)}); expected one number of classes")
    return found.pop() if found else None


def _package_version():
    import keras_wgan

    return keras_wgan.__version__


# ---------------------------------------------------------------- the CLI
def _define_flags():
    from absl import flags

    flags.DEFINE_string("checkpoint", None, "A .keras file saved by WassersteinGAN.save().")
    flags.DEFINE_string("export_dir", "exports", "The exports directory.")
    flags.DEFINE_string("model_name", DEFAULT_MODEL_NAME,
                        "The model's name in TF Serving and its directory under export_dir.")
    flags.DEFINE_integer("version", None, "Version number; default: the next free one.")
    flags.DEFINE_list("tflite_quantization", [],
                      f"Quantized TFLite variants besides float32: any of "
                      f"{','.join(TFLITE_QUANTIZATIONS)}.")
    flags.DEFINE_integer("max_samples", DEFAULT_MAX_SAMPLES,
                         "Largest num_samples of the generate signature.")
    flags.DEFINE_string("dataset", None, "Dataset name recorded in the metadata.")
    flags.DEFINE_string("architecture", None, "Architecture name recorded in the metadata.")
    flags.DEFINE_list("class_names", None,
                      "Class names of a conditional generator, comma-separated, recorded in "
                      "the metadata (default: the model's, else 0...K-1).")
    flags.mark_flag_as_required("checkpoint")


def main(argv):
    """Exports the generator of a `.keras` checkpoint (`python -m keras_wgan.export`).

    Reads the flags defined by `run` (`--checkpoint`, `--export_dir`,
    `--model_name`, `--version`, `--tflite_quantization`,
    `--max_samples`, `--dataset`, `--architecture`, `--class_names`), calls
    `export_checkpoint` and prints the paths written. An invalid argument
    prints one line on stderr and exits with status 2 (as training and
    evaluation do), without a traceback.

    Args:
        argv: the remaining command-line arguments (must be only the program).

    Returns:
        The exit status: 0 on success, 2 on an invalid argument.

    Example:
        python -m keras_wgan.export --checkpoint=runs/mnist/model.keras \\
            --export_dir=exports --model_name=mnist \\
            --tflite_quantization=float16,dynamic_int8
    """
    from absl import flags
    from absl import logging as absl_logging

    FLAGS = flags.FLAGS
    if not FLAGS["verbosity"].present:
        # TensorFlow logs much at INFO while saving and converting: show
        # warnings and errors unless --verbosity asks for more.
        absl_logging.set_verbosity(absl_logging.WARNING)
    if len(argv) > 1:
        return _fail(f"unexpected arguments {argv[1:]}: expected only --flags")
    metadata = {key: getattr(FLAGS, key) for key in ("dataset", "architecture", "class_names")
                if getattr(FLAGS, key) is not None}
    try:
        result = export_checkpoint(
            FLAGS.checkpoint, FLAGS.export_dir, model_name=FLAGS.model_name,
            version=FLAGS.version, metadata=metadata, max_samples=FLAGS.max_samples,
            tflite_quantization=FLAGS.tflite_quantization)
    except (ValueError, OSError) as error:
        return _fail(error)
    print(f"exported {FLAGS.model_name!r} version {result.version}:")
    print(f"  SavedModel: {result.saved_model_dir}")
    for quantization, path in result.tflite_paths.items():
        print(f"  TFLite ({quantization}): {path}")
    for quantization, error in result.tflite_errors.items():
        print(f"  TFLite ({quantization}): not written, the conversion failed: {error}")
    if result.keras_path:
        print(f"  Keras: {result.keras_path}")
    return 0


def _fail(error):
    """Prints the error on one line of stderr; returns the exit status 2."""
    return cli.fail(error, prog=_PROG)


def run():
    """Entry point of `python -m keras_wgan.export` and `keras-wgan-export`."""
    from absl import app, flags

    _define_flags()
    flags.FLAGS["verbosity"].help += cli.VERBOSITY_HELP
    app.run(main, flags_parser=functools.partial(cli.parse_flags, prog=_PROG))


if __name__ == "__main__":
    run()
