"""`export_generator`: every registered format of a trained generator, published atomically.

Writes, under `<export_dir>/<model_name>/` (TF Serving's "model base path"),
the SavedModel version directory first (`keras_wgan.export.saved_model`:
what TF Serving loads, so that no later step may cost it), then the files of
the other formats beside the versions (`keras_wgan.export.tflite`,
`keras_wgan.export.keras_file`) and `<model_name>.json`, a copy of the
metadata of the export they come from. How each write is made atomic:
`keras_wgan.export.publish`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Sequence
from typing import Any

from keras_wgan import checkpointing, run_directory, saving, validation
from keras_wgan.export import base, graph, publish
from keras_wgan.export import metadata as metadata_lib
from keras_wgan.export.options import (
    DEFAULT_MAX_SAMPLES,
    DEFAULT_MODEL_NAME,
    check_max_samples,
    check_max_samples_bound,
    check_model_name,
    check_quantizations,
    max_samples_bound,
)
from keras_wgan.export.saved_model import WARMUP_FILENAME
from keras_wgan.model import WassersteinGAN

__all__ = ["ExportResult", "check_arguments", "export_checkpoint", "export_generator"]

logger = logging.getLogger(__name__)


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
        files: format name -> {variant: path} of every file written.
        errors: format name -> {variant: first line of the error} of the
            variants that failed without failing the export.
    """

    version: int
    model_dir: str
    saved_model_dir: str
    metadata_path: str
    warmup_path: str | None
    tflite_paths: dict[str, str]
    keras_path: str | None
    side_metadata_path: str
    tflite_errors: dict[str, str] = dataclasses.field(default_factory=dict)
    files: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    errors: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)


def export_generator(
    model: WassersteinGAN,
    export_dir: str | os.PathLike,
    model_name: str = DEFAULT_MODEL_NAME,
    version: int | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    tflite: bool = True,
    tflite_quantization: str | Sequence[str] | None = (),
    save_keras: bool = True,
    **format_settings: Any,
) -> ExportResult:
    """Exports a WassersteinGAN's generator as a versioned SavedModel, TFLite and `.keras` files.

    Writes `<export_dir>/<model_name>/<version>/` (a SavedModel TF Serving
    can load, with the `serving_default`, `generate` and `generate_truncated`
    signatures, warmup requests and `keras_wgan.json` metadata in
    `assets.extra/`), then the
    TFLite files, the `.keras` file and a metadata copy beside the version
    directories: every registered `keras_wgan.export.base.ExportFormat`. The
    generator served is the model's sampling generator (the average one, if
    it keeps one) computing in float32, called with `training=False`.

    A class-conditional model (`model.num_classes` set) is exported with
    signatures that take labels (`keras_wgan.export.saved_model`).

    Re-exporting: each call adds a new version (the next free number when
    `version` is None) and replaces the files beside the versions, which
    always describe the most recent export: those this export does not write
    (e.g. a quantization not asked for again) are removed.

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
            0-255 in `images`. For a conditional generator, `class_names`
            (K strings; default `model.class_names` if the model has it, else
            "0"..."K-1") and `class_frequencies` (K non-negative numbers,
            normalised; default `model.class_frequencies`, else None:
            uniform) are recorded, and the latter is how `generate` draws the
            classes for `label=-1`. Keys the export computes itself
            (latent_dim, sample_shape, num_classes, version,
            generator_steps...) are refused.
        max_samples: the largest batch one request may ask for: the
            `latent` batch of `serving_default` and the `num_samples` of
            `generate`; an integer >= 1, at most what one 2 GiB protobuf
            message of requests or responses of this model can hold.
        tflite: write the TFLite files. A conversion that fails does not
            fail the export (the SavedModel is already published): it is
            logged and recorded in `ExportResult.tflite_errors`.
        tflite_quantization: quantized TFLite variants to write besides the
            float32 one: a sequence of `"float16"` and `"dynamic_int8"`
            (or one comma-separated string).
        save_keras: write `<model_name>.keras` (the whole WassersteinGAN).
        **format_settings: settings of other registered formats, which read
            them from `ExportJob.settings`.

    Returns:
        An `ExportResult` with the version and the paths written.

    Raises:
        ValueError: for an invalid `model_name`, `version`, `max_samples`,
            `tflite_quantization` or `metadata` (class names or frequencies
            that are not K of them, or given for an unconditional generator),
            or a model that is not a WassersteinGAN.
        FileExistsError: if the version already exists.

    An exception raised while writing (`KeyboardInterrupt` included) leaves no
    temporary file and carries `export_published`, the tuple of the paths
    published before it, so that a caller can say what exists.

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
    quantizations = check_arguments(model_name, version, max_samples, tflite_quantization)
    training_metadata = metadata_lib.check(metadata)
    sample_shape = tuple(int(d) for d in model.generator.output_shape[1:])
    is_image = len(sample_shape) == 3
    value_range = metadata_lib.value_range(training_metadata, is_image)
    conditioning = metadata_lib.conditioning(model, training_metadata)
    training_metadata.update(conditioning, value_range=value_range)
    check_max_samples_bound(
        "max_samples",
        max_samples,
        max_samples_bound(
            model.latent_dim,
            math.prod(sample_shape),
            is_image,
            conditioning["num_classes"] is not None,
        ),
    )

    model_dir = os.path.join(os.fspath(export_dir), model_name)
    try:
        os.makedirs(model_dir, exist_ok=True)
    except OSError as error:
        if not run_directory.is_no_space(error):
            raise
        raise _no_space(error, f"the directory {model_name}", os.fspath(export_dir)) from error
    version = _free_version(model_dir, model_name, version)
    # A killed export's temporaries, never a running one's: exports into one
    # model directory are assumed to run on one machine, as the chief does.
    run_directory.remove_stale_temporaries(
        model_dir, files=publish.TEMPORARY_FILES, directories=publish.TEMPORARY_DIRECTORIES
    )

    job = base.ExportJob(
        model=model,
        generator=graph.float32_generator(model.sampling_generator),
        model_name=model_name,
        version=version,
        model_dir=model_dir,
        saved_model_dir=os.path.join(model_dir, str(version)),
        latent_dim=int(model.latent_dim),
        sample_shape=sample_shape,
        image_range=value_range if is_image else None,
        num_classes=conditioning["num_classes"],
        class_frequencies=conditioning["class_frequencies"],
        max_samples=int(max_samples),
        settings={
            "tflite": tflite,
            "tflite_quantization": quantizations,
            "save_keras": save_keras,
            **format_settings,
        },
        metadata={},
    )
    formats = base.formats()
    plans = {f.name: f.planned(job) for f in formats}
    job.metadata = metadata_lib.build(job, training_metadata)
    for f in formats:
        job.metadata.update(f.describe(job, plans[f.name], {}))

    publisher = publish.Publisher(model_dir, model_name)
    written, errors = {}, {}
    try:
        for f in formats:
            written[f.name], errors[f.name] = _write(f, job, plans[f.name], publisher)
        metadata_path = os.path.join(
            job.saved_model_dir, "assets.extra", metadata_lib.METADATA_FILENAME
        )
        if any(errors.values()):
            # The metadata says which files exist and why the others do not.
            for f in formats:
                job.metadata.update(f.describe(job, written[f.name], errors[f.name]))
            publisher.writing = metadata_lib.METADATA_FILENAME
            metadata_lib.write(publisher.stage(metadata_path), job.metadata)
        side_metadata_path = os.path.join(model_dir, f"{model_name}.json")
        publisher.writing = os.path.basename(side_metadata_path)
        metadata_lib.write(publisher.stage(side_metadata_path), job.metadata)
        publisher.publish_files()
        # Files an earlier export wrote and this one did not describe an older version.
        publisher.remove_others([name for f in formats for name in f.file_names(model_name)])
    except BaseException as error:
        publisher.discard()
        # The export command reads export_published to say which files exist.
        published = tuple(publisher.published)
        if run_directory.is_no_space(error):
            needed = sum(f.estimated_bytes(job, plans[f.name]) for f in formats)
            stopped = _no_space(error, publisher.writing, model_dir, needed, published)
            stopped.export_published = published
            raise stopped from error
        error.export_published = published  # type: ignore[attr-defined]
        raise

    warmup_path = os.path.join(job.saved_model_dir, "assets.extra", WARMUP_FILENAME)
    result = ExportResult(
        version=version,
        model_dir=model_dir,
        saved_model_dir=job.saved_model_dir,
        metadata_path=metadata_path,
        warmup_path=warmup_path if os.path.isfile(warmup_path) else None,
        tflite_paths=written.get("tflite", {}),
        keras_path=written.get("keras", {}).get("keras"),
        side_metadata_path=side_metadata_path,
        tflite_errors=errors.get("tflite", {}),
        files=written,
        errors={name: e for name, e in errors.items() if e},
    )
    logger.info("exported %r version %d to %s", model_name, version, job.saved_model_dir)
    return result


def _write(export_format, job, plan, publisher):
    """Writes one format's variants; ({variant: path} written, {variant: error line})."""
    written, errors = {}, {}
    for variant, final in plan.items():
        if export_format.publishes_version:
            temp, final = publisher.version_directory(job.version)
            publisher.writing = f"the SavedModel version {job.version}"
            export_format.write(job, variant, temp)
            publisher.publish_version(final)
            written[variant] = final
            continue
        temp = publisher.stage(final)  # removed by discard() whatever stops the export
        publisher.writing = os.path.basename(final)
        try:
            export_format.write(job, variant, temp)
        except Exception as error:
            # A full disk fails every later file too: it ends the export.
            if not export_format.tolerates_failure or run_directory.is_no_space(error):
                raise
            publisher.unstage(final)
            errors[variant] = export_format.failure_message(error)
            logger.warning(
                "%s %s failed, so %s is not written (the SavedModel version %d is exported): %s",
                export_format.name,
                variant,
                os.path.basename(final),
                job.version,
                errors[variant],
            )
            continue
        written[variant] = final
    return written, errors


def _no_space(error, what, model_dir, needed=None, published=()):
    """The one-line `NoSpaceLeft` of an export the disk stopped.

    It names the directory that filled: the export's, or the one the error
    names when that lies elsewhere (e.g. the TFLite converter's temporary
    directory).
    """
    directory = model_dir
    path = run_directory.failed_path(error)
    if path is not None:
        inside = os.path.commonpath([os.path.abspath(path), os.path.abspath(model_dir)])
        if inside != os.path.abspath(model_dir):
            directory = os.path.dirname(path) or "."
    then = "free some space there and export again"
    if published:
        then = (
            f"{', '.join(published)} was published whole before it, without the files "
            f"beside the versions; {then}"
        )
    return run_directory.no_space_error(
        what, directory, needed, then=then, needs="the export needs"
    )


def _free_version(model_dir, model_name, version):
    """`version`, or the next free one if None (FileExistsError if it exists)."""
    existing = publish.existing_versions(model_dir)
    if version is None:
        return max(existing, default=0) + 1
    version = int(version)  # e.g. a numpy integer
    if version in existing:
        raise FileExistsError(
            f"version {version} of model {model_name!r} already exists at "
            f"{existing[version]}: a version is never overwritten; pass version=None for "
            f"the next free version ({max(existing) + 1}) or remove that directory"
        )
    return version


def export_checkpoint(
    checkpoint: str | os.PathLike, export_dir: str | os.PathLike, **kwargs: Any
) -> ExportResult:
    """Loads a WassersteinGAN `.keras` checkpoint and exports its generator.

    The checkpoint is loaded with `keras_wgan.checkpointing.load_keras_model`
    (compiled, so the generator's optimizer step count reaches the metadata),
    then passed to `export_generator`.

    Args:
        checkpoint: path of a `.keras` file saved by `WassersteinGAN.save`,
            or of a training run's output_dir holding `model.keras`.
        export_dir: the exports directory.
        **kwargs: passed to `export_generator` (model_name, version,
            metadata, max_samples, tflite_quantization...).

    Returns:
        The `ExportResult` of `export_generator`.

    Raises:
        FileNotFoundError: if `checkpoint` is not an existing file.
        ValueError: if it is a directory without `model.keras`, not a valid
            `.keras` file (not a zip archive, or a damaged one), cannot be
            loaded (e.g. safe mode refuses code in it), holds no
            WassersteinGAN, or for the errors of
            `export_generator`.

    Example:
    >>> result = export_checkpoint("runs/mnist/model.keras", "exports",
    ...                            model_name="mnist")  # doctest: +SKIP
    """
    checkpoint = saving.keras_file(checkpoint)
    if not os.path.isfile(checkpoint):
        raise FileNotFoundError(
            f"checkpoint {checkpoint!r} does not exist: expected a "
            ".keras file saved by WassersteinGAN.save(), or a training run's output_dir "
            f"holding {saving.RUN_MODEL_FILE}"
        )
    if not checkpoint.endswith(".keras"):
        raise ValueError(
            f"checkpoint {checkpoint!r} is not a .keras file: expected a "
            ".keras file saved by WassersteinGAN.save()"
        )
    # Check the arguments before the slow load.
    check_arguments(
        kwargs.get("model_name", DEFAULT_MODEL_NAME),
        kwargs.get("version"),
        kwargs.get("max_samples", DEFAULT_MAX_SAMPLES),
        kwargs.get("tflite_quantization", ()),
    )
    metadata_lib.check(kwargs.get("metadata"))
    model = checkpointing.load_keras_model(checkpoint)
    return export_generator(model, export_dir, **kwargs)


def check_arguments(
    model_name: str,
    version: int | None,
    max_samples: int,
    tflite_quantization: str | Sequence[str] | None,
) -> tuple[str, ...]:
    """Checks export_generator's plain arguments; returns the quantizations as a tuple.

    Raises:
        ValueError: naming the argument at fault.
    """
    check_model_name("model_name", model_name)
    if version is not None:
        validation.integer(
            "version",
            version,
            minimum=1,
            hint="TF Serving's version directories are numbered from 1",
        )
    check_max_samples("max_samples", max_samples)
    return check_quantizations("tflite_quantization", tflite_quantization)


def _check_model(model):
    if not isinstance(model, WassersteinGAN):
        raise ValueError(
            f"model must be a keras_wgan.WassersteinGAN, received {type(model).__name__}"
        )
