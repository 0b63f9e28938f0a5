"""The common finish of every source: scaling to [-1, 1], caching, shuffling, batching.

`load` turns a dataset, named by one string, into the pipeline the training
loop consumes: opened once by its source (`base.resolve`), cached, shuffled,
repeated, batched with a fixed batch size, prefetched. Finite data stays uint8
through the cache (a quarter of the memory of float32) and is scaled to
[-1, 1] after batching. `real_samples` and `real_labels` give evaluation code
the same data as numpy.

TensorFlow is imported inside the functions that build pipelines: the
registry imports every module of this package for the sources' names and
options, which must stay light.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from keras_wgan.data.base import InvalidDataError, NoLabelsError, resolve, size_pair, source_class
from keras_wgan.data.info import DataInfo

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "check_dtype",
    "finish",
    "float_images_to_unit_range",
    "load",
    "paired_with_labels",
    "real_labels",
    "real_samples",
    "resize",
    "resized",
    "scale_samples",
    "to_unit_range",
]

_RANGE_TOLERANCE = 1e-5  # Float rounding allowed beyond [0, 1] or [-1, 1] by float images.


def check_dtype(dtype: tf.DType, where: str) -> None:
    """Refuses samples that are neither uint8 images nor floats, naming `where`."""
    if dtype.name != "uint8" and not dtype.is_floating:
        raise ValueError(
            f"{where}: samples of dtype {dtype.name} are not supported; "
            "use uint8 images (0-255) or float values"
        )


def resize(image: tf.Tensor, image_size) -> tf.Tensor:
    """Antialiased bilinear resize; uint8 images are rounded back to uint8 (compact cache)."""
    import tensorflow as tf

    resized_image = tf.image.resize(image, size_pair(image_size), antialias=True)
    if image.dtype == tf.uint8:
        return tf.saturate_cast(tf.round(resized_image), tf.uint8)
    return resized_image


def resized(raw: tf.data.Dataset, image_size) -> tf.data.Dataset:
    """`raw` with every image resized to `image_size`; unchanged when that is None."""
    import tensorflow as tf

    if image_size is None:
        return raw
    return raw.map(lambda image: resize(image, image_size), num_parallel_calls=tf.data.AUTOTUNE)


def float_images_to_unit_range(
    images: np.ndarray, low: float, high: float, where: str
) -> np.ndarray:
    """Float32 images with values in [`low`, `high`] -> the same images in [-1, 1].

    Images in [0, 1] become `2 x - 1` (as uint8 0..255 become `x / 127.5 - 1`),
    images in [-1, 1] stay as they are, anything else is an `InvalidDataError`:
    a tanh generator cannot leave [-1, 1]. Values up to `_RANGE_TOLERANCE`
    beyond a bound (float rounding) are clipped to it.
    """
    if low >= -_RANGE_TOLERANCE and high <= 1.0 + _RANGE_TOLERANCE:
        return np.clip(images, 0.0, 1.0) * 2.0 - 1.0
    if low >= -1.0 - _RANGE_TOLERANCE and high <= 1.0 + _RANGE_TOLERANCE:
        return np.clip(images, -1.0, 1.0)
    raise InvalidDataError(
        f"float images of {where} range over [{low:g}, {high:g}], outside [-1, 1] (the range "
        "of the tanh generator); store uint8 images (0..255), or float images in [0, 1] or "
        "[-1, 1] (e.g. x / 255 for values 0..255)"
    )


def to_unit_range(x: tf.Tensor) -> tf.Tensor:
    """uint8 0..255 -> float32 [-1, 1] (x / 127.5 - 1); float values -> float32 unchanged."""
    import tensorflow as tf

    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 127.5 - 1.0
    return tf.cast(x, tf.float32)


def scale_samples(samples, *labels):
    """`to_unit_range` of samples, or of the samples of (samples, labels) pairs."""
    return (to_unit_range(samples), *labels) if labels else to_unit_range(samples)


def finish(raw: tf.data.Dataset, info: DataInfo) -> tuple[tf.data.Dataset, DataInfo]:
    """The public form of a raw source: samples scaled to float32 (labels left as they are)."""
    import tensorflow as tf

    return raw.map(scale_samples, num_parallel_calls=tf.data.AUTOTUNE), info


def paired_with_labels(raw: tf.data.Dataset, info: DataInfo) -> tf.data.Dataset:
    """`(sample, label)` pairs of a local source whose `info.labels` are known.

    Raises:
        NoLabelsError: `info.labels` is None.
    """
    import tensorflow as tf

    if info.labels is None:
        raise NoLabelsError(info.name)
    return tf.data.Dataset.zip((raw, tf.data.Dataset.from_tensor_slices(info.labels)))


def load(
    dataset,
    *,
    batch_size: int,
    data_dir=None,
    image_size=None,
    seed: int | None = None,
    shuffle_buffer: int = 10000,
    cache: bool = True,
    repeat: bool = True,
    labels: bool = False,
    background: str = "white",
) -> tuple[tf.data.Dataset, DataInfo]:
    """The training pipeline for a dataset named by one string (or its resolved source).

    `dataset` is resolved once into the registered source that reads it
    (`base.resolve`: in order a toy name of `TOY_DATASETS`, a path ending in
    `.npz`, an IDX images file or a folder of IDX files, an existing folder
    of images, else a tensorflow-datasets name). Finite data is cached in memory (as stored,
    e.g. uint8; an image folder's files are decoded once into memory, or into
    a file when they are too many: `keras_wgan.data.image_cache`) and
    shuffled; toy data is fresh random samples already. The
    result is repeated, batched with `drop_remainder=True` (a static batch
    dimension), scaled to float32 [-1, 1] and prefetched.

    Images are brought to [-1, 1], the range of the generator's `tanh`, by
    one rule: uint8 images (files, tfds, `.npz`) are scaled from 0..255 by
    `x / 127.5 - 1`; float images of an `.npz` whose values all lie in
    [0, 1] are mapped by `2 x - 1`; other float images must lie in [-1, 1]
    and are used as they are (both to within 1e-5 of float rounding); float
    images with values beyond [-1, 1], e.g. 0..255, are refused with the range
    found. Vectors [N, D] (kind `'points'`) are used at any scale. NaN or
    infinite values in an `.npz` are refused. All of this, and whether every
    file of an image folder decodes, is checked here, before training starts.

    A folder of IDX files (MNIST's standard files) gives its train split;
    the test split is reached with the path of its
    `t10k-images-idx3-ubyte[.gz]` file.

    With `labels=True` (class-conditional training) every element is a
    pair `(samples, labels)`: the same sample batches, with the int32
    class label [batch_size] of each sample, shuffled and batched together.
    The labels are tfds's `label` feature, an `.npz` file's `labels`
    array, the IDX labels file, or the class subfolders of an image folder
    (see `DataInfo.num_classes`, `class_names`, `class_counts`).

    Args:
        dataset: toy name, `.npz` path, IDX file or folder, image folder, or tfds
            name (str or path), or a `DataSource` from `resolve`.
        batch_size: samples per batch, >= 1.
        data_dir: tfds data directory (tfds names only).
        image_size: a positive int or (height, width) to resize images to.
        seed: seed of the toy sampler or of the shuffle; None is non-reproducible.
        shuffle_buffer: shuffle buffer size for finite data; below 2 disables shuffling.
        cache: cache finite data in memory before shuffling.
        repeat: repeat forever (training); False gives one pass.
        labels: yield `(samples, labels)` batches; False (the default) yields samples.
        background: the colour images with transparency are composited onto
            (image files, `.npz` arrays of 2 or 4 channels): `"white"`,
            `"black"` or `"#rrggbb"` (`keras_wgan.data.alpha`).

    Returns:
        `(dataset, info)`: a `tf.data.Dataset` of float32 batches
        `[batch_size, *info.sample_shape]` (with `labels`: pairs of such a
        batch and its int32 labels `[batch_size]`), and the `DataInfo`.

    Raises:
        ValueError: bad `batch_size` or `image_size`, unknown dataset, fewer
            examples than `batch_size` without `repeat`, a problem with the
            data, or `labels` asked of data without class labels or with bad ones.
        InvalidDataError: (a ValueError) an unreadable `.npz` or image file, an
            `.npz` without arrays, non-finite values, float images outside [-1, 1].
        FileNotFoundError: a `.npz` path that does not exist.
        DatasetUnavailableError: a tfds dataset that can be neither found nor
            downloaded (within seconds when no download host can be reached).

    Example:

        ```python
        batches, info = load("mnist", batch_size=64, seed=0)
        batches.element_spec.shape  # TensorShape([64, 28, 28, 1])
        ```
    """
    integral = isinstance(batch_size, numbers.Integral) and not isinstance(batch_size, bool)
    if not integral or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got batch_size={batch_size!r}")
    import tensorflow as tf

    raw, info = resolve(dataset).open(
        data_dir=data_dir,
        image_size=image_size,
        seed=seed,
        labels=bool(labels),
        background=background,
    )
    if info.num_examples is not None:
        if not repeat and info.num_examples < batch_size:
            raise ValueError(
                f"dataset {info.name!r} has {info.num_examples} examples, fewer than "
                f"batch_size={batch_size}: without repeat there would be no full batch"
            )
        if cache and not info.cached:
            raw = raw.cache()
        if shuffle_buffer > 1:
            raw = raw.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        if repeat:
            raw = raw.repeat()
    batches = raw.batch(int(batch_size), drop_remainder=True)
    sample_spec = batches.element_spec[0] if labels else batches.element_spec
    if sample_spec.dtype != tf.float32:
        batches = batches.map(scale_samples, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE), info


def _reopen(info: DataInfo, labels: bool = False) -> tf.data.Dataset:
    """The raw pipeline of the data `info` describes, opened again as it was."""
    source = source_class(info.source)(info.name) if info.source else resolve(info.name)
    return source.open(labels=labels, **info.load_options)[0]


def real_samples(dataset, n: int, seed: int | None = None) -> np.ndarray:
    """`n` true samples as numpy, for evaluation code.

    For toy data, fresh samples from the numpy sampler. For finite data, the
    first `n` examples in the source's own (unshuffled) order, preprocessed
    exactly as for training (same resizing, scaled to [-1, 1]).

    Args:
        dataset: a dataset string as for `load`, or the `DataInfo` that `load` returned.
        n: number of samples.
        seed: seed of the toy sampler; unused for finite data.

    Returns:
        float32 array `[n, *sample_shape]`.

    Raises:
        ValueError: the dataset has fewer than `n` examples.

    Example:
        >>> batches, info = load("25gaussians", batch_size=256)
        >>> real_samples(info, 1000, seed=0).shape
        (1000, 2)
    """
    if isinstance(dataset, DataInfo):
        info = dataset
        if info.sampler is not None:
            return info.sampler(n, np.random.default_rng(seed))
        raw = _reopen(info)
    else:
        raw, info = resolve(dataset).open()
        if info.sampler is not None:
            return info.sampler(n, np.random.default_rng(seed))
    if info.num_examples is not None and info.num_examples < n:
        raise ValueError(
            f"dataset {info.name!r} has only {info.num_examples} examples, {n} requested"
        )
    samples = next(iter(raw.take(n).batch(n).map(to_unit_range)))
    return samples.numpy()


def real_labels(dataset, n: int) -> np.ndarray:
    """The class labels of the first `n` examples, in the order of `real_samples`.

    Args:
        dataset: a dataset string as for `load`, or the `DataInfo` that `load` returned.
        n: number of labels, at most the number of examples.

    Returns:
        int32 array `[n]`: `info.labels[:n]` where the source has them in
        `DataInfo`, else read through the pipeline (tfds).

    Raises:
        NoLabelsError: the data has no class labels.
    """
    info = dataset if isinstance(dataset, DataInfo) else resolve(dataset).open()[1]
    if info.num_classes is None:
        raise NoLabelsError(info.name)
    if info.labels is not None:
        return info.labels[:n]
    raw = _reopen(info, labels=True)
    return np.concatenate([y.numpy() for _, y in raw.take(n).batch(4096)]).astype(np.int32)
