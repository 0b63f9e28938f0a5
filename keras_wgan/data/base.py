"""`DataSource`, the base class of every kind of training data, and the registry of them.

A data source is one kind of data (the toy distributions, an `.npz` file, a
folder of images, IDX files, tensorflow-datasets). It says which `dataset`
strings it reads (`recognises`), declares its own settings (`OPTIONS`, as
`keras_wgan.options.Option`) and opens a dataset into a raw pipeline and its
`DataInfo` (`open`). Defining a subclass with a `name` registers it;
`resolve` asks the registered sources, in order of `priority`, which one reads
a dataset string, once, and returns that source as an object that travels.

Adding a source is one module in this package (found by `sources()`, which
imports every module of `keras_wgan.data`) plus its test. This module imports
neither TensorFlow nor numpy: the names and options of the sources stay light.

Example:
>>> from keras_wgan.data import base
>>> source = base.resolve("8gaussians")
>>> source.name, source.dataset
('toy', '8gaussians')
>>> {"toy", "npz", "idx", "folder", "tfds"} <= {s.name for s in base.sources()}
True
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import numbers
import os
from typing import TYPE_CHECKING, Any, ClassVar

from keras_wgan import declarations, validation
from keras_wgan.options import Option

if TYPE_CHECKING:
    import tensorflow as tf

    from keras_wgan.data.info import DataInfo

__all__ = [
    "IMAGE_SIZE",
    "DataSource",
    "DatasetUnavailableError",
    "InvalidDataError",
    "NoLabelsError",
    "check_path",
    "options",
    "resolve",
    "size_pair",
    "source_class",
    "similar_names",
    "sources",
    "unknown_dataset_error",
]


class DatasetUnavailableError(RuntimeError):
    """A tensorflow-datasets dataset could neither be downloaded nor found on disk."""


class InvalidDataError(ValueError):
    """A data file or folder cannot be trained on (unreadable, corrupt, bad values)."""


class NoLabelsError(ValueError):
    """Labels (`labels=True`, class-conditional training) were asked of unlabelled data.

    Args:
        dataset: the dataset as given.
    """

    def __init__(self, dataset):
        super().__init__(
            f"labels=True but dataset {os.fspath(dataset)!r} has no class labels; expected "
            "labelled data: a tfds dataset with a 'label' feature, an .npz file with a "
            "'labels' array, IDX images with their labels file, or an image folder with one "
            "subfolder per class"
        )


def size_pair(image_size) -> tuple[int, int]:
    """`64` or `(64, 48)` -> `(height, width)`.

    Raises:
        ValueError: anything else, naming `image_size`.
    """

    def positive_int(value):
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0

    size = (image_size, image_size) if isinstance(image_size, numbers.Integral) else image_size
    if not isinstance(size, (tuple, list)) or len(size) != 2 or not all(map(positive_int, size)):
        raise ValueError(
            f"image_size must be a positive integer or (height, width), received {image_size!r}"
        )
    return int(size[0]), int(size[1])


def _check_image_size(name, value):
    """`Option` check of `image_size`: None, a positive int or (height, width)."""
    if value is not None:
        size_pair(value)
    return value


def check_path(name, value):
    """`Option` check of a path: None, a str or a path-like, returned as a str."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise validation.error(name, value, "a path")
    return os.fspath(value)


#: The setting of every source of images: the size they are resized to.
IMAGE_SIZE = Option(
    "image_size",
    None,
    "Resize images to this side (from Python also (height, width)).",
    check=_check_image_size,
    type=int,
)
#: The setting of the registry itself: which data.
DATASET = Option("dataset", "8gaussians", "The training data.", check=check_path)

_REGISTRY: dict[str, type[DataSource]] = {}
_DISCOVERED = False


class DataSource:
    """One kind of training data: recognises dataset strings and opens them.

    A subclass sets the class attributes below and implements `recognises`
    and `read`; defining it registers it under `name`.

    Attributes:
        name: the registry key, e.g. `"npz"`; `DataInfo.source` holds it.
        priority: sources are asked to recognise a dataset in increasing order.
        description: what `dataset` strings it reads, for messages and help,
            e.g. `"a .npz file"`.
        OPTIONS: the settings it takes, as `Option`s (passed to `open` by name).
        dataset: the dataset string this source object opens.

    Example:

        ```python
        class CsvSource(DataSource):
            name, priority, description = "csv", 25, "a .csv file of vectors"

            @classmethod
            def recognises(cls, dataset):
                return dataset.endswith(".csv")

            def read(self, *, labels=False, **unused):
                vectors = np.loadtxt(self.dataset, delimiter=",", dtype="float32")
                raw = tf.data.Dataset.from_tensor_slices(vectors)
                return raw, DataInfo.describe(self.dataset, raw, len(vectors),
                                              (vectors.min(), vectors.max()))
        ```
    """

    name: ClassVar[str] = ""
    priority: ClassVar[int] = 50
    description: ClassVar[str] = ""
    OPTIONS: ClassVar[tuple[Option, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            _REGISTRY[cls.name] = cls

    def __init__(self, dataset: str | os.PathLike) -> None:
        self.dataset = os.fspath(dataset)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dataset!r})"

    @classmethod
    def recognises(cls, dataset: str) -> bool:
        """Whether this source reads `dataset` (a string, not opened yet)."""
        raise NotImplementedError

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        """The dataset names this source knows by name, for "did you mean" in messages.

        () for a source of paths. Asked only when a dataset is unknown, so it
        may be slow.
        """
        return ()

    def read(self, *, labels: bool = False, **options: Any) -> tuple[tf.data.Dataset, DataInfo]:
        """The raw pipeline and its `DataInfo`; what `open` returns, without `DataInfo.source`.

        Args:
            labels: yield `(sample, int32 label)` pairs (`NoLabelsError` without labels).
            **options: the keywords of `open`; a source takes those it uses by
                name and ignores the others.
        """
        raise NotImplementedError

    def open(
        self,
        *,
        labels: bool = False,
        seed: int | None = None,
        image_size: int | tuple[int, int] | None = None,
        split: str = "train",
        data_dir: str | os.PathLike | None = None,
        channels: int | None = None,
        **options: Any,
    ) -> tuple[tf.data.Dataset, DataInfo]:
        """Opens the dataset: a raw (unbatched, unscaled) pipeline and its `DataInfo`.

        Samples are as stored (e.g. uint8 images; `pipeline.finish` scales
        them to float32 [-1, 1]). Nothing is read beyond what the checks need.

        Args:
            labels: yield `(sample, int32 label)` pairs.
            seed: seed of endless random data.
            image_size: a positive int or (height, width) to resize images to.
            split: the split of data that has several ("train", "test").
            data_dir: where tensorflow-datasets keeps its data.
            channels: 1 or 3 channels of decoded image files; None: from the first.
            **options: further keywords of a source's `read`.

        Returns:
            `(raw, info)`, `info.source` set to this source's `name`.

        Raises:
            NoLabelsError: `labels` asked of a source that yields no pairs.
        """
        if image_size is not None:
            size_pair(image_size)
        raw, info = self.read(
            labels=bool(labels),
            seed=seed,
            image_size=image_size,
            split=split,
            data_dir=data_dir,
            channels=channels,
            **options,
        )
        if labels and not isinstance(raw.element_spec, tuple):  # a source without labels
            raise NoLabelsError(self.dataset)
        return raw, dataclasses.replace(info, source=self.name)


def _discover() -> None:
    """Imports every module of this package once, so that each source registers itself.

    The registry's lazy part: a new source module needs no line anywhere else.
    """
    global _DISCOVERED
    if _DISCOVERED:
        return
    for module in declarations.module_names(__package__):
        importlib.import_module(module)
    _DISCOVERED = True


def sources() -> list[type[DataSource]]:
    """Every registered source class, in the order `resolve` asks them."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda source: (source.priority, source.name))


def source_class(name: str) -> type[DataSource]:
    """The registered source class called `name` (`DataInfo.source`).

    Raises:
        ValueError: no source has that name.
    """
    _discover()
    if name not in _REGISTRY:
        raise validation.error("source", name, validation.alternatives(sorted(_REGISTRY)))
    return _REGISTRY[name]


def unknown_dataset_error(dataset: str | os.PathLike) -> ValueError:
    """The one-line error for a dataset string that no source reads.

    It names the known dataset names closest to a mistyped one
    (`fashon_mnist`: "did you mean fashion_mnist?"), from every source's
    `known_names`.
    """
    name = os.fspath(dataset)
    kinds = [source.description for source in sources() if source.description]
    close = similar_names(name)
    said = " or ".join(filter(None, [", ".join(close[:-1]), close[-1]])) if close else ""
    guess = f" (did you mean {said}?)" if close else ""
    return ValueError(
        f"unknown dataset {name!r}{guess}: expected {', '.join(kinds[:-1])} or {kinds[-1]}"
    )


def similar_names(dataset: str, most: int = 3) -> list[str]:
    """The known dataset names (every source's `known_names`) a mistyped `dataset` is close to.

    A path (with a separator) is no mistyped name: []. A tfds version or
    config (`fashon_mnist:3.0.1`) is left out of the comparison.
    """
    if "/" in dataset or os.sep in dataset:
        return []
    known = {name for source in sources() for name in source.known_names()}
    stem = dataset.split(":")[0].strip().lower()
    return difflib.get_close_matches(stem, sorted(known), n=most, cutoff=0.8)


def resolve(dataset: str | os.PathLike | DataSource) -> DataSource:
    """The source object that reads `dataset`: the first registered source that recognises it.

    Args:
        dataset: a dataset string or path, or a `DataSource` (returned as it is).

    Returns:
        A `DataSource` instance for `dataset`.

    Raises:
        TypeError: `dataset` is neither a string nor a path.
        ValueError: no source reads it.
    """
    if isinstance(dataset, DataSource):
        return dataset
    name = os.fspath(dataset)
    for source in sources():
        if source.recognises(name):
            return source(name)
    raise unknown_dataset_error(name)


def options() -> tuple[Option, ...]:
    """The data layer's settings: `dataset` (its help listing every source), then each source's.

    An option several sources take (`image_size`) comes once.
    """
    kinds = "; ".join(source.description for source in sources() if source.description)
    found: dict[str, Any] = {
        "dataset": dataclasses.replace(DATASET, help=f"The training data: {kinds}.")
    }
    for source in sources():
        for option in source.OPTIONS:
            found.setdefault(option.name, option)
    return tuple(found.values())
