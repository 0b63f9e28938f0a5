"""`ExportFormat`, the base class of what an export writes, and the registry of formats.

An export writes one SavedModel version directory (the format whose
`publishes_version` is True, published first: it is what TF Serving loads)
and files beside the version directories (TFLite files, the `.keras` file),
each format in its own module. A format says which files it will write for an
export (`planned`), writes one of them to the path it is given (`write`),
and adds what a reader should know to the metadata (`describe`).
`keras_wgan.export.export_generator` composes the registered formats; it never
names one.

Adding a format: a module of this package with a subclass of `ExportFormat`
decorated with `@register`, and its test (the shared conformance check in
tests/test_export_formats.py runs it too). The registry imports every module
of the package on first use, so the new module needs no line elsewhere.

Example:
>>> from keras_wgan.export import base
>>> {"saved_model", "tflite", "keras"} <= set(base.names())
True
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from typing import Any, ClassVar

import numpy as np

from keras_wgan import declarations

__all__ = [
    "ExportFormat",
    "ExportJob",
    "formats",
    "get",
    "names",
    "register",
    "variable_bytes",
]

_FORMATS: dict[str, ExportFormat] = {}


@dataclasses.dataclass
class ExportJob:
    """What every format of one export reads: the model, resolved once, and where to write.

    Attributes:
        model: the `keras_wgan.WassersteinGAN`.
        generator: the generator served, computing in float32 (the average
            generator of a model that keeps one).
        model_name: the model's name in TF Serving and its directory name.
        version: the SavedModel version number.
        model_dir: `<export_dir>/<model_name>`, TF Serving's model base path.
        saved_model_dir: `<model_dir>/<version>`.
        latent_dim: width of the latent vectors.
        sample_shape: shape of one sample.
        image_range: [low, high] mapped to 0-255 in `images`, or None (not images).
        num_classes: K of a class-conditional generator, None otherwise.
        class_frequencies: how `generate` draws the classes for label -1
            (K numbers summing to 1), or None: uniformly.
        max_samples: the largest batch one request may ask for.
        settings: the formats' keyword settings (`tflite`,
            `tflite_quantization`, `save_keras`...).
        metadata: the contents of `keras_wgan.json`, completed by the formats.
        cache: objects a format builds once and reuses between its methods.
    """

    model: Any
    generator: Any
    model_name: str
    version: int
    model_dir: str
    saved_model_dir: str
    latent_dim: int
    sample_shape: tuple
    image_range: list | None
    num_classes: int | None
    class_frequencies: list | None
    max_samples: int
    settings: dict
    metadata: dict
    cache: dict = dataclasses.field(default_factory=dict)


class ExportFormat:
    """One kind of file an export writes.

    Subclasses set `name` and implement `planned`, `write` and, if they
    add to the metadata, `describe`.

    Attributes:
        name: the format's registry name.
        publishes_version: the format writes the version directory itself
            (the SavedModel); every other format writes files beside it.
        tolerates_failure: a variant that fails to write is recorded in the
            result and the metadata, and the export goes on (the SavedModel
            is published by then); otherwise the error ends the export.
    """

    name: ClassVar[str] = ""
    publishes_version: ClassVar[bool] = False
    tolerates_failure: ClassVar[bool] = False

    def planned(self, job: ExportJob) -> dict[str, str]:
        """{variant: final path} of what this export will write; empty when it is off."""
        raise NotImplementedError

    def file_names(self, model_name: str) -> list[str]:
        """Every file name this format may write beside the versions (removed when not
        written again, so that those files always describe the newest export)."""
        return []

    def write(self, job: ExportJob, variant: str, path: str) -> None:
        """Writes `variant` to `path` (a temporary name, published by the caller)."""
        raise NotImplementedError

    def estimated_bytes(self, job: ExportJob, plan: dict[str, str]) -> int:
        """About how many bytes the variants of `plan` take on disk, for a full disk's message.

        The default, 0, says nothing; a format whose files grow with the
        model says how (from `job.model`'s weights, say).
        """
        return 0

    def failure_message(self, error: BaseException) -> str:
        """The one line recorded for a variant that failed (`tolerates_failure`)."""
        line = " ".join(str(error).split())
        return f"{type(error).__name__}: {line}" if line else type(error).__name__

    def describe(
        self, job: ExportJob, written: dict[str, str], errors: dict[str, str]
    ) -> dict[str, Any]:
        """Entries for `keras_wgan.json`, given the variants written and those that failed."""
        return {}


def variable_bytes(variables) -> int:
    """The bytes the values of `variables` (Keras or TensorFlow variables) take."""
    return sum(
        math.prod(int(d) for d in v.shape) * np.dtype(getattr(v.dtype, "name", v.dtype)).itemsize
        for v in variables
    )


def register(cls: type[ExportFormat]) -> type[ExportFormat]:
    """Class decorator: registers an instance of `cls` under `cls.name`.

    Raises:
        ValueError: if the name is empty or already taken.
    """
    if not cls.name or cls.name in _FORMATS:
        raise ValueError(
            f"export format name must be new and non-empty, received "
            f"{cls.name!r} (registered: {', '.join(_FORMATS)})"
        )
    _FORMATS[cls.name] = cls()
    return cls


def _load_builtin() -> None:
    """Imports every module of the package, which registers the formats they define."""
    for module in declarations.module_names("keras_wgan.export"):
        importlib.import_module(module)


def formats() -> list[ExportFormat]:
    """Every registered format, the version-publishing one first."""
    _load_builtin()
    return sorted(_FORMATS.values(), key=lambda f: not f.publishes_version)


def names() -> list[str]:
    """The names of the registered formats."""
    return [f.name for f in formats()]


def get(name: str) -> ExportFormat:
    """The registered format `name`.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    _load_builtin()
    if name not in _FORMATS:
        raise ValueError(f"export format must be one of {', '.join(_FORMATS)}, received {name!r}")
    return _FORMATS[name]
