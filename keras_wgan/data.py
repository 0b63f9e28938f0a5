"""Training data for Wasserstein GANs, as `tf.data` pipelines of samples (and labels).

A WGAN only needs samples of the target distribution, so every source here
yields bare float32 tensors by default; a class-conditional WGAN also needs
each sample's class, which labelled sources yield with `labels=True` as
`(sample, int32 label)` pairs (`DataInfo` gives `num_classes`,
`class_names` and `class_counts`). The sources:

* the 2-D toy distributions of the WGAN-GP paper (`8gaussians`,
  `25gaussians`, `swissroll`) and the unit `circle` (mass on a curve, the
  WGAN paper's motivating example), drawn fresh with TF random ops so that no
  sample is ever repeated, plus numpy samplers of the very same distributions
  for evaluation (`TOY_DATASETS`, `TOY_MODES`, `count_modes`);
* images from tensorflow-datasets (`from_tfds`), from an `.npz` file
  (`from_npz`) or from a folder of image files (`from_image_folder`),
  scaled to [-1, 1] to match a tanh generator (the rule is in `load`),
  labelled by tfds's `label` feature, an `.npz` file's `labels`
  array or one subfolder per class;
* images of IDX files (`from_idx`, MNIST's format) with their labels file.

`load` turns any of these, named by one string, into the pipeline the
training loop consumes: cached, shuffled, repeated, batched with a fixed batch
size, prefetched. Finite data stays uint8 through the cache (a quarter of the
memory of float32) and is scaled to [-1, 1] after batching.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import socket
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from keras_wgan import idx
from keras_wgan import labels as class_labels

__all__ = [
    "TOY_DATASETS",
    "TOY_MODES",
    "DataInfo",
    "DatasetUnavailableError",
    "InvalidDataError",
    "ToyModes",
    "ToySampler",
    "count_modes",
    "from_idx",
    "from_image_folder",
    "from_npz",
    "from_tfds",
    "load",
    "real_samples",
    "toy_dataset",
]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
CELEBA_CROP = 140  # The usual centre crop of the 178x218 CelebA faces.
CELEBA_IMAGE_SIZE = 64
_TOY_CHUNK = 1024  # Toy samples generated per map call.
_NOISE_STDS_IN_BOUND = 6.0  # Toy value ranges hold the noise up to 6 std.
_TFDS_GCS_URL = "https://storage.googleapis.com/tfds-data"  # tfds's prepared copies (gs://).
_PROBE_TIMEOUT = 3.0  # Seconds to wait for a download host to accept a connection.
_RANGE_TOLERANCE = 1e-5  # Float rounding allowed beyond [0, 1] or [-1, 1] by float images.
_TF_IMAGE_FORMATS = ("PNG", "JPEG", "MPO", "BMP", "GIF")  # PIL names of what tf.io decodes.
_FULL_DECODE_LIMIT = 2000  # Image folders up to this many files are decoded in full up front.


class DatasetUnavailableError(RuntimeError):
    """A tensorflow-datasets dataset could neither be downloaded nor found on disk."""


class InvalidDataError(ValueError):
    """A data file or folder cannot be trained on (unreadable, corrupt, bad values)."""


# --------------------------------------------------------------------------
# 2-D toy distributions.
# --------------------------------------------------------------------------


class ToyModes(NamedTuple):
    """Mode centres (after scaling) and per-coordinate noise std of a toy mixture."""

    centres: np.ndarray  # float64 [K, 2]
    std: float


@dataclasses.dataclass(frozen=True)
class ToySampler:
    """A 2-D toy distribution, sampled with numpy by calling it.

    Each distribution is a fixed map `transform(u, z, xp)` from one uniform
    draw `u` in [0, 1) (shape [n]) and one standard-normal draw `z`
    (shape [n, 2]) to points [n, 2], written once for both array namespaces
    `xp`: numpy here, `tf.experimental.numpy` in `toy_dataset`. Both
    samplers therefore produce exactly the same distribution. Passing
    `z = 0` gives the noise-free shape.

    Attributes:
        name: the key in `TOY_DATASETS`.
        transform: `(u, z, xp) -> points`, see above.
        bound: every coordinate lies in [-bound, bound] up to 6 std of noise.
    """

    name: str
    transform: Callable[[Any, Any, Any], Any]
    bound: float

    def __call__(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Draws `n` fresh samples as float32 [n, 2]; `rng` is a Generator or a seed."""
        rng = np.random.default_rng(rng)
        u = rng.random(n)
        z = rng.standard_normal((n, 2))
        return np.asarray(self.transform(u, z, np), dtype=np.float32)


def _mixture_transform(modes: ToyModes) -> Callable:
    """Returns the draw -> point map of an equal-weight isotropic Gaussian mixture."""
    centres = modes.centres.astype(np.float32)
    num_modes = len(centres)

    def transform(u, z, xp):
        # Mode k = floor(u * K) is uniform over the K modes, like random.choice.
        k = xp.minimum(xp.floor(u * num_modes), num_modes - 1)
        return xp.take(centres, xp.asarray(k, dtype=xp.int32), axis=0) + modes.std * z

    return transform


def _swissroll_transform(u, z, xp):
    """The paper's swiss roll: sklearn's make_swiss_roll(noise=0.25)[:, [0, 2]] / 7.5."""
    t = 1.5 * math.pi * (1.0 + 2.0 * u)
    roll = xp.stack([t * xp.cos(t), t * xp.sin(t)], axis=-1)
    return (roll + 0.25 * z) / 7.5


def _circle_transform(u, z, xp):
    """Uniform on the unit circle, without noise (`z` is unused)."""
    del z
    angle = 2.0 * math.pi * u
    return xp.stack([xp.cos(angle), xp.sin(angle)], axis=-1)


def _mixture_sampler(name: str, modes: ToyModes) -> ToySampler:
    bound = float(np.abs(modes.centres).max() + _NOISE_STDS_IN_BOUND * modes.std)
    return ToySampler(name, _mixture_transform(modes), bound)


_DIAGONAL = 1.0 / np.sqrt(2.0)
# As in gan_toy.py of the WGAN-GP paper: centres, noise std, then "/= 1.414"
# (8gaussians) or "/= 2.828" (25gaussians) applied to centre and noise alike.
TOY_MODES: dict[str, ToyModes] = {
    "8gaussians": ToyModes(
        centres=2.0
        * np.array(
            [
                (1.0, 0.0),
                (-1.0, 0.0),
                (0.0, 1.0),
                (0.0, -1.0),
                (_DIAGONAL, _DIAGONAL),
                (_DIAGONAL, -_DIAGONAL),
                (-_DIAGONAL, _DIAGONAL),
                (-_DIAGONAL, -_DIAGONAL),
            ]
        )
        / 1.414,
        std=0.02 / 1.414,
    ),
    "25gaussians": ToyModes(
        centres=np.array([(2.0 * x, 2.0 * y) for x in range(-2, 3) for y in range(-2, 3)]) / 2.828,
        std=0.05 / 2.828,
    ),
}

TOY_DATASETS: dict[str, ToySampler] = {
    "8gaussians": _mixture_sampler("8gaussians", TOY_MODES["8gaussians"]),
    "25gaussians": _mixture_sampler("25gaussians", TOY_MODES["25gaussians"]),
    "swissroll": ToySampler(
        "swissroll", _swissroll_transform, (4.5 * math.pi + _NOISE_STDS_IN_BOUND * 0.25) / 7.5
    ),
    "circle": ToySampler("circle", _circle_transform, 1.0),
}


def _toy_sampler(name: str) -> ToySampler:
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown toy dataset {name!r}: expected one of {', '.join(TOY_DATASETS)}")
    return TOY_DATASETS[name]


def count_modes(samples, name: str, num_std: float = 3.0) -> tuple[int, float]:
    """Counts the modes of a toy mixture that samples cover, and how many samples are near one.

    Each sample is assigned to its nearest mode centre. It is "near" that mode
    when its Euclidean distance to the centre is at most `num_std * std`,
    with `std` the per-coordinate noise std of the mixture (the convention of
    VEEGAN and PacGAN for high-quality samples). The distance of a true sample
    to its centre is Rayleigh distributed, so a fraction
    `1 - exp(-num_std**2 / 2)` of true samples is near (98.9% for 3 std).
    A mode counts as covered when at least one sample is near it.

    Args:
        samples: array-like [n, 2], e.g. generator output.
        name: a key of `TOY_MODES` (`8gaussians` or `25gaussians`).
        num_std: radius of "near", in noise standard deviations.

    Returns:
        `(modes_covered, fraction_within)`: the number of covered modes and the
        fraction of samples near some mode.

    Raises:
        ValueError: `name` has no modes, or `samples` is not [n, 2].

    Example:
        >>> samples = TOY_DATASETS["8gaussians"](10000, np.random.default_rng(0))
        >>> covered, fraction = count_modes(samples, "8gaussians")
        >>> covered, round(fraction, 2)
        (8, 0.99)
    """
    if name not in TOY_MODES:
        raise ValueError(f"{name!r} has no modes to count: expected one of {', '.join(TOY_MODES)}")
    centres, std = TOY_MODES[name]
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must have shape [n, 2], got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    near = distances.min(axis=1) <= num_std * std
    modes_covered = len(np.unique(nearest[near]))
    fraction_within = float(near.mean()) if len(samples) else 0.0
    return modes_covered, fraction_within


def toy_dataset(name: str, seed: int | None = None) -> tf.data.Dataset:
    """An infinite dataset of fresh samples of a 2-D toy distribution.

    Samples come from stateless TF random ops, 1024 per map call then unbatched,
    so the stream is reproducible for a given `seed` and never repeats a
    sample. The distribution is exactly that of the numpy sampler
    `TOY_DATASETS[name]` (the two share one transform).

    Args:
        name: a key of `TOY_DATASETS`.
        seed: integer seed; None draws a random one now (each iteration over the
            returned dataset then replays the same stream).

    Returns:
        An infinite, unbatched `tf.data.Dataset` of float32 [2] points.

    Raises:
        ValueError: `name` is not a toy dataset.

    Example:
        >>> points = next(iter(toy_dataset("8gaussians", seed=0).batch(256)))
        >>> tuple(points.shape)
        (256, 2)
    """
    transform = _toy_sampler(name).transform
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
    base_seed = tf.constant(seed, tf.int64)

    def chunk(index):
        seeds = tf.random.experimental.stateless_split(tf.stack([base_seed, index]), num=2)
        u = tf.random.stateless_uniform([_TOY_CHUNK], seed=seeds[0])
        z = tf.random.stateless_normal([_TOY_CHUNK, 2], seed=seeds[1])
        return tf.cast(transform(u, z, tnp), tf.float32)

    return tf.data.Dataset.counter().map(chunk, num_parallel_calls=tf.data.AUTOTUNE).unbatch()


# --------------------------------------------------------------------------
# Metadata and shared image preprocessing.
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DataInfo:
    """What a training pipeline yields, for the model builder and evaluation code.

    Attributes:
        name: the dataset as given (toy name, .npz path, folder, tfds name).
        kind: `'points'` (vectors [D]) or `'images'` ([H, W, C]).
        sample_shape: shape of one sample, e.g. `(2,)` or `(28, 28, 1)`.
        value_range: `(low, high)` of the values: (-1.0, 1.0) for images,
            a box holding a toy distribution, the observed range of float vectors.
        num_examples: number of examples, None for infinite toy data.
        sampler: the numpy `ToySampler` for toy data (fresh true samples for
            evaluation), None otherwise.
        load_options: keyword arguments the data was opened with (`data_dir`,
            `image_size`), so `real_samples` can reopen the same data.
        labels: the class labels of the examples, an int32 numpy array
            [num_examples] in the source's order, where the source has them
            (IDX label files, an `.npz` `labels` array, an image folder of
            class subfolders); None otherwise (also for tfds, whose labels come
            through the pipeline of `load(..., labels=True)` only).
        num_classes: the number of classes K of labelled data (labels lie in
            [0, K)), None for unlabelled data.
        class_names: K class names: tfds's `ClassLabel` names, an `.npz`
            `class_names` array, the sorted subfolder names of an image
            folder, else `"0"`, `"1"`, ...; None for unlabelled data.
        class_counts: examples per class, K ints; None for unlabelled data,
            and for tfds data opened without `labels=True` (counting its
            labels takes a pass over the data).
    """

    name: str
    kind: str
    sample_shape: tuple
    value_range: tuple | None
    num_examples: int | None
    sampler: ToySampler | None = None
    load_options: dict = dataclasses.field(default_factory=dict)
    labels: np.ndarray | None = dataclasses.field(default=None, compare=False, repr=False)
    num_classes: int | None = None
    class_names: tuple | None = None
    class_counts: tuple | None = dataclasses.field(default=None, compare=False)

    @property
    def class_frequencies(self) -> np.ndarray | None:
        """The share of examples in each class, float64 [K] summing to 1 (None if unknown).

        For drawing labels like the data: `rng.choice(K, n, p=info.class_frequencies)`.
        """
        if self.class_counts is None or not sum(self.class_counts):
            return None
        counts = np.asarray(self.class_counts, dtype=np.float64)
        return counts / counts.sum()


def _size_pair(image_size) -> tuple[int, int]:
    """`64` or `(64, 48)` -> `(height, width)`; anything else is a ValueError."""

    def positive_int(value):
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0

    size = (image_size, image_size) if isinstance(image_size, numbers.Integral) else image_size
    if not isinstance(size, (tuple, list)) or len(size) != 2 or not all(map(positive_int, size)):
        raise ValueError(
            f"image_size must be a positive integer or (height, width), received {image_size!r}"
        )
    return int(size[0]), int(size[1])


def _check_image_size(image_size) -> None:
    """Validates `image_size` (None or as for `_size_pair`) before any data is read."""
    if image_size is not None:
        _size_pair(image_size)


def _check_dtype(dtype: tf.DType, where: str) -> None:
    if dtype != tf.uint8 and not dtype.is_floating:
        raise ValueError(
            f"{where}: samples of dtype {dtype.name} are not supported; "
            "use uint8 images (0-255) or float values"
        )


def _resize(image: tf.Tensor, image_size) -> tf.Tensor:
    """Antialiased bilinear resize; uint8 images are rounded back to uint8 (compact cache)."""
    resized = tf.image.resize(image, _size_pair(image_size), antialias=True)
    if image.dtype == tf.uint8:
        return tf.saturate_cast(tf.round(resized), tf.uint8)
    return resized


def _float_images_to_unit_range(images: np.ndarray, low: float, high: float, where: str):
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


def _to_unit_range(x: tf.Tensor) -> tf.Tensor:
    """uint8 0..255 -> float32 [-1, 1] (x / 127.5 - 1); float values -> float32 unchanged."""
    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 127.5 - 1.0
    return tf.cast(x, tf.float32)


def _scale_samples(samples, *labels):
    """`_to_unit_range` of samples, or of the samples of (samples, labels) pairs."""
    return (_to_unit_range(samples), *labels) if labels else _to_unit_range(samples)


def _finish(raw: tf.data.Dataset, info: DataInfo) -> tuple[tf.data.Dataset, DataInfo]:
    """Public form of a raw source: samples scaled to float32 (labels left as they are)."""
    return raw.map(_scale_samples, num_parallel_calls=tf.data.AUTOTUNE), info


def _label_fields(labels, class_names, where: str, num_examples: int, required: bool) -> dict:
    """The `DataInfo` fields of a local source's labels, checked.

    Labels must be integers in [0, K), one per example, with K the number
    of `class_names` if given, else the largest label + 1. Bad labels
    raise a one-line ValueError naming `where` when `required` (labels
    asked for); otherwise the data is used unlabelled, as before labels
    were read.
    """
    try:
        if class_names is not None:
            names = np.asarray(class_names)
            if names.ndim != 1 or names.size == 0 or names.dtype.kind not in "US":
                raise ValueError(
                    f"{where.replace('labels', 'class_names')} has dtype {names.dtype} and shape "
                    f"{names.shape}; expected a non-empty 1-D array of strings, one per class"
                )
            class_names = tuple(str(name) for name in names)
        checked = class_labels.check_labels(
            labels,
            None if class_names is None else len(class_names),
            argument=where,
            expected_length=num_examples,
            expected_what="one per image",
        )
    except ValueError:
        if required:
            raise
        return {}
    num_classes = len(class_names) if class_names is not None else int(checked.max()) + 1
    if class_names is None:
        class_names = tuple(str(k) for k in range(num_classes))
    return dict(
        labels=checked,
        num_classes=num_classes,
        class_names=class_names,
        class_counts=class_labels.class_counts(checked, num_classes),
    )


def _no_labels_error(info: DataInfo) -> ValueError:
    return ValueError(
        f"labels=True but dataset {info.name!r} has no class labels; expected labelled data: "
        "a tfds dataset with a 'label' feature, an .npz file with a 'labels' array, IDX "
        "images with their labels file, or an image folder with one subfolder per class"
    )


def _paired_with_labels(raw: tf.data.Dataset, info: DataInfo) -> tf.data.Dataset:
    """`(sample, label)` pairs of a local source whose `info.labels` are known."""
    if info.labels is None:
        raise _no_labels_error(info)
    return tf.data.Dataset.zip((raw, tf.data.Dataset.from_tensor_slices(info.labels)))


def _source_info(
    name: str,
    raw: tf.data.Dataset,
    num_examples: int | None,
    value_range=(-1.0, 1.0),
    **load_options,
) -> DataInfo:
    """DataInfo of a finite raw source; `load_options` are what `_open` needs to reopen it."""
    spec = raw.element_spec
    return DataInfo(
        name=name,
        kind="images" if spec.shape.rank == 3 else "points",
        sample_shape=tuple(spec.shape.as_list()),
        value_range=value_range,
        num_examples=num_examples,
        load_options=load_options,
    )


# --------------------------------------------------------------------------
# tensorflow-datasets.
# --------------------------------------------------------------------------


def _first_line(error: BaseException, limit: int = 160) -> str:
    """The first line of an error's message, cut to `limit` characters: for one-line errors."""
    line = (str(error).strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[:limit] + "..."


def _unknown_dataset_error(name: str) -> ValueError:
    return ValueError(
        f"unknown dataset {name!r}: expected one of the built-in 2-D distributions "
        f"({', '.join(TOY_DATASETS)}), a .npz file, a folder of images, "
        "or a tensorflow-datasets name"
    )


def _unavailable_error(name: str, data_dir, cause: BaseException) -> DatasetUnavailableError:
    reason = _first_line(cause)
    return DatasetUnavailableError(
        f"dataset {name!r} could not be downloaded or found in data_dir '{os.fspath(data_dir)}' "
        f"({type(cause).__name__}: {reason}); to train on local files instead, "
        "pass --dataset=path/to/images.npz or --dataset=path/to/image_folder"
    )


def _download_hosts(builder) -> list[tuple[str, int]]:
    """`(host, port)` pairs a download of `builder` would connect to; [] when unknown.

    These are the hosts of the dataset's registered download URLs and of
    tfds's own copies on GCS (which tfds tries first), or the proxy that
    `requests` would use for them. Datasets without registered URLs, or
    with a manual download step, give [] (no probe: they may need no network).
    """
    urls = list(builder.url_infos or ())
    if not urls or getattr(builder, "MANUAL_DOWNLOAD_INSTRUCTIONS", None):
        return []
    urls.append(_TFDS_GCS_URL)
    proxies = urllib.request.getproxies()
    hosts = []
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        proxy = proxies.get(parts.scheme) or proxies.get("all")
        if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
            parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if not parts.hostname:
            continue
        host = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        if host not in hosts:
            hosts.append(host)
    return hosts


def _offline_error(hosts, timeout: float = _PROBE_TIMEOUT) -> ConnectionError | None:
    """None if one of `hosts` accepts a TCP connection within `timeout` s, else why not.

    tfds retries a failed download for minutes (urllib3 retries with backoff)
    before it gives up; this probe tells within seconds that there is no network.
    """
    last_error = None
    for host, port in hosts:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            return None
        except OSError as error:
            last_error = error
    if last_error is None:  # No hosts to probe.
        return None
    names = ", ".join(f"{host}:{port}" for host, port in hosts)
    return ConnectionError(f"cannot connect to {names} ({last_error})")


def _tfds_class_label(builder):
    """The `ClassLabel` feature `label` of a tfds builder, or None."""
    import tensorflow_datasets as tfds

    features = builder.info.features
    feature = features["label"] if "label" in features.keys() else None
    return feature if isinstance(feature, tfds.features.ClassLabel) else None


def _tfds_class_counts(builder, split, num_classes) -> tuple:
    """Examples per class of a tfds split: one pass over the labels, images not decoded."""
    import tensorflow_datasets as tfds

    examples = builder.as_dataset(split=split, shuffle_files=False,
                                  decoders={"image": tfds.decode.SkipDecoding()})
    counts = np.zeros(num_classes, np.int64)
    for chunk in examples.map(lambda example: example["label"]).batch(4096).as_numpy_iterator():
        counts += np.bincount(chunk, minlength=num_classes)[:num_classes]
    return tuple(int(c) for c in counts)


def _tfds_source(name, split="train", data_dir=None, image_size=None, download=True,
                 labels=False):
    import tensorflow_datasets as tfds  # Imported here: toy and local data do not need it.

    _check_image_size(image_size)
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except ValueError as error:  # DatasetNotFoundError, or not even a dataset name.
        raise _unknown_dataset_error(name) from error
    if download:
        if not builder.is_prepared():  # Fail at once, not after minutes of retries.
            offline = _offline_error(_download_hosts(builder))
            if offline is not None:
                raise _unavailable_error(name, builder.data_dir_root, offline)
        try:
            builder.download_and_prepare()
        except Exception as error:  # No network, missing package, manual download...
            raise _unavailable_error(name, builder.data_dir_root, error) from error
    try:
        examples = builder.as_dataset(split=split, shuffle_files=False)
    except AssertionError as error:  # tfds: "could not find data in <data_dir>".
        raise _unavailable_error(name, builder.data_dir_root, error) from error
    if not isinstance(examples.element_spec, dict) or "image" not in examples.element_spec:
        raise ValueError(f"tfds dataset {name!r} has no 'image' feature")
    _check_dtype(examples.element_spec["image"].dtype, f"tfds dataset {name!r}")

    is_celeb_a = builder.name == "celeb_a"
    if is_celeb_a and image_size is None:
        image_size = CELEBA_IMAGE_SIZE
    static_shape = examples.element_spec["image"].shape
    if image_size is None and not static_shape[:2].is_fully_defined():
        raise ValueError(f"images of tfds dataset {name!r} vary in size: pass image_size")

    class_label = _tfds_class_label(builder)

    def image_only(example):
        image = example["image"]
        if is_celeb_a:  # Centre crop to the face, as in the WGAN/DCGAN CelebA setups.
            image = tf.image.resize_with_crop_or_pad(image, CELEBA_CROP, CELEBA_CROP)
        return image if image_size is None else _resize(image, image_size)

    raw = examples.map(image_only, num_parallel_calls=tf.data.AUTOTUNE)
    cardinality = int(raw.cardinality())
    info = _source_info(
        name,
        raw,
        cardinality if cardinality >= 0 else None,
        data_dir=data_dir,
        image_size=image_size,
        split=split,
    )
    if class_label is not None:
        info = dataclasses.replace(info, num_classes=int(class_label.num_classes),
                                   class_names=tuple(class_label.names))
    if labels:
        if class_label is None:
            raise ValueError(
                f"labels=True but tfds dataset {name!r} has no ClassLabel feature 'label' "
                f"(its features: {', '.join(builder.info.features)}); expected a dataset with "
                "class labels, such as mnist or cifar10"
            )
        counts = _tfds_class_counts(builder, split, info.num_classes)
        info = dataclasses.replace(info, class_counts=counts)
        raw = examples.map(
            lambda example: (image_only(example), tf.cast(example["label"], tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return raw, info


def from_tfds(name: str, split: str = "train", data_dir=None, image_size=None, download=True,
              labels=False):
    """Images of a tensorflow-datasets dataset, scaled to [-1, 1], with or without labels.

    Loads `name` with the tfds builder API (download and prepare unless
    `download=False`, then read `split`) and keeps the `image`
    feature, and with `labels=True` the `label` feature too (a
    `ClassLabel`: `info.num_classes` and `info.class_names` come from
    the builder's info, `info.class_counts` from one pass over the labels).
    `celeb_a` is centre-cropped to 140x140 and resized to 64x64
    unless `image_size` says otherwise. Examples come in the dataset's own,
    unshuffled order.

    Args:
        name: a tfds name, e.g. `mnist`, `fashion_mnist`, `cifar10`, `celeb_a`.
        split: a tfds split, e.g. `train` or `train[:10%]`.
        data_dir: tfds data directory; None means tfds's default (~/tensorflow_datasets).
        image_size: int or (height, width) to resize to (antialiased bilinear); None keeps the size.
        download: whether tfds may download and prepare the data if absent.
        labels: also yield each image's int32 class label.

    Returns:
        `(dataset, info)`: a finite, unbatched `tf.data.Dataset` of float32
        [H, W, C] images in [-1, 1] (`(image, label)` pairs with `labels`),
        and its `DataInfo`.

    Raises:
        ValueError: tfds does not know `name`, it has no `image` feature, or
            `labels` is asked of a dataset without a `ClassLabel` `label`.
        DatasetUnavailableError: the data is neither in `data_dir` nor downloadable.

    Example:

        ```python
        images, info = from_tfds("cifar10", image_size=64)  # info.sample_shape == (64, 64, 3)
        ```
    """
    return _finish(*_tfds_source(name, split, data_dir, image_size, download, labels))


# --------------------------------------------------------------------------
# Local files.
# --------------------------------------------------------------------------


def _unreadable_npz(path: Path, problem: str, error: BaseException | None = None):
    """The one-line error for an `.npz` file that numpy cannot read."""
    reason = f": {type(error).__name__}: {_first_line(error)}" if error is not None else ""
    return InvalidDataError(
        f"'{path}' is not a readable .npz file ({problem}{reason}); "
        "expected an archive written by np.savez"
    )


# Errors of np.load and NpzFile reads on a damaged file: short reads, bad zip
# structure or CRC, bad deflate data, bad .npy headers, pickled objects.
_NPZ_READ_ERRORS = (EOFError, OSError, ValueError, zipfile.BadZipFile, zlib.error)


_NPZ_LABEL_ARRAYS = ("labels", "class_names")  # Arrays of an .npz that are not samples.


def _npz_source(path, image_size=None, labels=False):
    _check_image_size(image_size)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such .npz file: '{path}'")
    if path.stat().st_size == 0:
        raise _unreadable_npz(path, "empty file, 0 bytes")
    try:
        archive = np.load(path, allow_pickle=False)
    except zipfile.BadZipFile as error:
        raise _unreadable_npz(path, "truncated or corrupt zip", error) from error
    except _NPZ_READ_ERRORS as error:
        raise _unreadable_npz(path, "not a zip archive", error) from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"'{path}' is not an .npz archive (use np.savez to write one)")
    with archive:
        names = list(archive.files)
        samples = [name for name in names if name not in _NPZ_LABEL_ARRAYS]
        if "images" in names:
            key = "images"
        elif len(names) == 1:
            key = names[0]
        elif len(samples) == 1:  # e.g. np.savez(path, x=images, labels=labels)
            key = samples[0]
        elif not names:
            raise InvalidDataError(
                f"'{path}' holds no arrays; expected an array named 'images' or a single array "
                "of any name, e.g. np.savez(path, images=images)"
            )
        else:
            raise ValueError(
                f"'{path}' holds several arrays ({', '.join(names)}) and none is named 'images'; "
                "name the training array 'images'"
            )
        label_arrays = {}
        try:
            array = archive[key]
            for name in _NPZ_LABEL_ARRAYS:
                if name in names and name != key:
                    label_arrays[name] = archive[name]
        except _NPZ_READ_ERRORS as error:
            raise _unreadable_npz(path, f"array {key!r} cannot be read", error) from error

    _check_dtype(tf.as_dtype(array.dtype), f"array {key!r} of '{path}'")
    if array.ndim == 3:  # [N, H, W] grayscale images.
        array = array[..., np.newaxis]
    if array.ndim not in (2, 4):
        raise ValueError(
            f"array {key!r} of '{path}' has shape {array.shape}: expected images "
            "[N, H, W], [N, H, W, C] or vectors [N, D]"
        )
    if array.ndim == 2 and image_size is not None:
        raise ValueError(f"image_size is given but '{path}' holds vectors of shape {array.shape}")
    if array.size == 0:
        raise InvalidDataError(f"array {key!r} of '{path}' holds no samples (shape {array.shape})")
    value_range = (-1.0, 1.0)
    if array.dtype != np.uint8:
        with np.errstate(over="ignore"):  # Values beyond float32 become inf: refused below.
            array = array.astype(np.float32)
        bad = int(np.count_nonzero(~np.isfinite(array)))
        if bad:
            raise InvalidDataError(
                f"array {key!r} of '{path}' holds {bad} non-finite value{'s' * (bad > 1)} (NaN or "
                f"inf in float32) out of {array.size}; replace them (e.g. np.nan_to_num) or drop "
                "those samples"
            )
        low, high = float(array.min()), float(array.max())
        if array.ndim == 2:  # Vectors of any scale are used as they are.
            value_range = (low, high)
        else:
            array = _float_images_to_unit_range(array, low, high, f"array {key!r} of '{path}'")

    raw = tf.data.Dataset.from_tensor_slices(array)
    if image_size is not None:
        raw = raw.map(lambda image: _resize(image, image_size), num_parallel_calls=tf.data.AUTOTUNE)
    info = _source_info(str(path), raw, len(array), value_range, image_size=image_size)
    if "labels" in label_arrays:
        info = dataclasses.replace(info, **_label_fields(
            label_arrays["labels"], label_arrays.get("class_names"),
            f"array 'labels' of '{path}'", len(array), required=labels))
    return (_paired_with_labels(raw, info) if labels else raw), info


def from_npz(path, image_size=None, labels=False):
    """Samples stored in an `.npz` file, images scaled to [-1, 1], and their labels.

    Uses the array named `images`, or the file's only array (apart from
    `labels` and `class_names`). An array `labels` holds the class
    labels: integers in [0, K), one per sample ([N], or [N, 1]), with K
    the length of an optional array `class_names` of strings, else the
    largest label + 1. With `labels=True` bad labels (another length,
    negative, too large, floats) are refused; without, a file with bad
    labels is used unlabelled, as before labels were read. Images
    ([N, H, W] or [N, H, W, C]; [N, H, W] gets a channel axis) follow the rule
    of `load`: uint8 values 0..255 are mapped to `x / 127.5 - 1`; float
    images must lie in [0, 1] (mapped to `2 x - 1`) or in [-1, 1] (used as
    they are). Vectors [N, D] of floats are used as they are, at any scale.
    NaN or infinite values are refused.

    Args:
        path: path of the `.npz` file.
        image_size: int or (height, width) to resize images to; None keeps the size.
        labels: also yield each sample's int32 label (the file must have them).

    Returns:
        `(dataset, info)`: a finite, unbatched `tf.data.Dataset` of float32
        samples in file order (`(sample, label)` pairs with `labels`), and
        its `DataInfo` (`num_classes`, `class_names`... when labelled).

    Raises:
        FileNotFoundError: `path` does not exist.
        InvalidDataError: an unreadable file, no arrays or samples, non-finite
            values, or float images outside [-1, 1].
        ValueError: several arrays and none named `images`, an unusable shape
            or dtype, or with `labels`: no or bad labels.

    Example:

        ```python
        np.savez("digits.npz", images=uint8_images, labels=digits)  # [N, 28, 28], [N]
        images, info = from_npz("digits.npz")  # info.sample_shape == (28, 28, 1)
        pairs, info = from_npz("digits.npz", labels=True)  # info.num_classes == 10
        ```
    """
    return _finish(*_npz_source(path, image_size, labels))


def _idx_source(path, image_size=None, split="train", labels=False):
    """An IDX images file (or a folder of IDX files), as arrays like those of an .npz file."""
    images, label_array = idx.load(path, split, argument="dataset")
    _check_dtype(tf.as_dtype(images.dtype), f"dataset '{path}'")
    if images.ndim == 3:  # [N, H, W] grayscale images.
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"dataset '{path}' holds an array of shape {images.shape}; expected "
                         "images [N, H, W] or [N, H, W, C] (an idx3-ubyte images file)")
    if images.dtype == np.uint8:
        value_range = (-1.0, 1.0)
    else:  # Floats are used as they are, as from an .npz file.
        images = images.astype(np.float32)
        value_range = (float(images.min()), float(images.max())) if images.size else None
    raw = tf.data.Dataset.from_tensor_slices(images)
    if image_size is not None:
        raw = raw.map(lambda image: _resize(image, image_size), num_parallel_calls=tf.data.AUTOTUNE)
    info = _source_info(str(path), raw, len(images), value_range, image_size=image_size,
                        split=split)
    if label_array is not None:
        info = dataclasses.replace(info, **_label_fields(
            label_array, None, f"labels of dataset '{path}'", len(images), required=labels))
    return (_paired_with_labels(raw, info) if labels else raw), info


def from_idx(path, split="train", image_size=None, labels=False):
    """Images of IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST), scaled to [-1, 1].

    `path` is an images file `*-images-idx3-ubyte[.gz]` or a folder
    holding the standard files `train-images-idx3-ubyte.gz`,
    `t10k-images-idx3-ubyte.gz` and their labels; a folder gives its
    `split` (the test split is `split="test"`, or the path of the t10k
    images file). uint8 images are scaled like those of `from_npz`; the
    labels `*-labels-idx1-ubyte[.gz]` beside the images are in
    `info.labels` (K classes named `"0"` ... `"K-1"`, K the largest
    label + 1), and are yielded with `labels=True`.

    Args:
        path: an IDX images file or a folder of IDX files.
        split: for a folder: "train" or "test" (also "t10k").
        image_size: int or (height, width) to resize images to; None keeps the size.
        labels: also yield each image's int32 label (a labels file must be there).

    Returns:
        `(dataset, info)`: a finite, unbatched `tf.data.Dataset` of float32
        [H, W, 1] images in file order (`(image, label)` pairs with
        `labels`), and its `DataInfo` (with `labels`).

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: a damaged IDX file (`idx.IDXFormatError`), labels that do
            not match the images in number, or no images file for `split`.

    Example:

        ```python
        images, info = from_idx("data/fashion-mnist")  # 60000 images, info.labels [60000]
        ```
    """
    return _finish(*_idx_source(path, image_size, split, labels))


def _image_files(folder: Path) -> list[Path]:
    if not folder.exists():
        raise FileNotFoundError(f"no such image folder: '{folder}'")
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder of images: '{folder}'")
    files = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )
    if not files:
        raise ValueError(f"no image files ({', '.join(IMAGE_EXTENSIONS)}) found below '{folder}'")
    return files


def _checked_image(file: Path, decode: bool) -> tuple[tuple[int, int], str]:
    """`((width, height), mode)` of an image file, once it is known that tf.io can decode it.

    Reads the file with PIL: with `decode` all its pixels, else only what
    `verify` checks (the whole structure and checksums of a PNG, the headers
    of other formats), which is fast enough for folders of 100k files.

    Raises:
        InvalidDataError: the file is not a PNG, JPEG, BMP or GIF image, or is corrupt.
    """
    from PIL import Image

    try:
        with Image.open(file) as image:
            size, mode, image_format = image.size, image.mode, image.format
            if image_format not in _TF_IMAGE_FORMATS:
                raise InvalidDataError(
                    f"'{file}' is a {image_format} image, which tf.io cannot decode; "
                    "expected PNG, JPEG, BMP or GIF files"
                )
            if decode:
                image.load()
            else:
                image.verify()
    except InvalidDataError:
        raise
    except Exception as error:  # PIL: OSError, SyntaxError, ValueError, struct.error, ...
        raise InvalidDataError(
            f"'{file}' is not a readable image file ({type(error).__name__}: "
            f"{_first_line(error)}); remove or replace it"
        ) from error
    return size, mode


_SCANNED_FOLDERS: dict = {}  # Files (with sizes and times) -> what _scan_images found.


def _scan_images(files: list[Path]) -> tuple[str, dict]:
    """Checks every image file, so that a bad one is named before training starts.

    Small folders (up to `_FULL_DECODE_LIMIT` files) are decoded in full,
    larger ones verified (see `_checked_image`). The result is kept for the
    same files with the same sizes and modification times, as training opens
    its data several times.

    Returns:
        `(mode, sizes)`: the PIL mode of the first file, and a dict from each
        distinct `(width, height)` to the first file of that size.
    """
    decode = len(files) <= _FULL_DECODE_LIMIT
    stats = [file.stat() for file in files]
    key = (decode, *((str(file), st.st_size, st.st_mtime_ns) for file, st in zip(files, stats)))
    if key not in _SCANNED_FOLDERS:
        first_mode, sizes = None, {}
        for file in files:
            size, mode = _checked_image(file, decode)
            first_mode = first_mode or mode
            sizes.setdefault(size, file)
        _SCANNED_FOLDERS.clear()  # Keep one folder: a key holds every file name.
        _SCANNED_FOLDERS[key] = first_mode, sizes
    return _SCANNED_FOLDERS[key]


def _class_folders(folder: Path, files: list[Path]) -> tuple[tuple, np.ndarray] | None:
    """`(class_names, labels)` of an image folder with one subfolder per class, else None.

    A folder is labelled when no image lies directly in it and its images
    lie in at least two subfolders: the class names are those subfolders'
    names, sorted, and an image's label is the index of the subfolder it is
    below (at any depth). A folder of images, or a single subfolder of
    them (e.g. CelebA's img_align_celeba), is unlabelled.
    """
    tops = [file.relative_to(folder).parts for file in files]
    if any(len(parts) == 1 for parts in tops):
        return None
    names = tuple(sorted({parts[0] for parts in tops}))
    if len(names) < 2:
        return None
    index = {name: k for k, name in enumerate(names)}
    return names, np.array([index[parts[0]] for parts in tops], np.int32)


def _folder_source(path, image_size=None, channels=None, labels=False):
    _check_image_size(image_size)
    folder = Path(path)
    files = _image_files(folder)
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
    first_mode, sizes = _scan_images(files)
    if channels is None:  # From the first image.
        channels = 1 if first_mode in ("1", "L", "LA", "I", "I;16", "F") else 3
    if image_size is None and len(sizes) > 1:
        (w0, h0), (w1, h1) = list(sizes)[:2]
        first, other = list(sizes.values())[:2]
        raise ValueError(
            f"images below '{folder}' differ in size ('{first}' is {h0}x{w0}, "
            f"'{other}' is {h1}x{w1}): pass image_size to resize them all"
        )
    if image_size is None:
        (width, height), = sizes
        shape = (height, width, channels)
    else:
        shape = (*_size_pair(image_size), channels)

    def decode(file):
        # channels=3 decodes every format (GIF and BMP cannot decode to 1 channel);
        # rgb_to_grayscale on uint8 gives back a grayscale file's values exactly.
        image = tf.io.decode_image(tf.io.read_file(file), channels=3, expand_animations=False)
        if channels == 1:
            image = tf.image.rgb_to_grayscale(image)
        if image_size is not None:
            image = _resize(image, image_size)
        return tf.ensure_shape(image, shape)

    raw = tf.data.Dataset.from_tensor_slices([str(f) for f in files])
    raw = raw.map(decode, num_parallel_calls=tf.data.AUTOTUNE)
    info = _source_info(str(folder), raw, len(files), image_size=image_size, channels=channels)
    classes = _class_folders(folder, files)
    if classes is not None:
        names, label_array = classes
        info = dataclasses.replace(info, **_label_fields(
            label_array, names, f"labels of '{folder}'", len(files), required=True))
    return (_paired_with_labels(raw, info) if labels else raw), info


def from_image_folder(path, image_size=None, channels=None, labels=False):
    """Images stored as files below a folder, scaled to [-1, 1], and their classes.

    Takes every .png, .jpg, .jpeg, .bmp and .gif file (first frame) below
    `path`, recursively, in sorted path order, decoded with `tf.io`.
    A folder with one subfolder per class (no image directly in `path`,
    images in at least two subfolders, at any depth below them) is
    labelled: the classes are the sorted subfolder names
    (`info.class_names`), and `labels=True` yields each image's class
    index with it. Every
    file is checked up front with PIL, so that a corrupt one is named before
    training starts: decoded in full in folders of up to 2000 files, else
    checked with `verify` (all of a PNG, the headers of other formats).
    Without `image_size` all images must have the same size.

    Args:
        path: the folder.
        image_size: int or (height, width) to resize every image to; required if sizes differ.
        channels: 1 (grayscale) or 3 (RGB); None takes it from the first image.
        labels: also yield each image's int32 class label (class subfolders needed).

    Returns:
        `(dataset, info)`: a finite, unbatched `tf.data.Dataset` of float32
        [H, W, channels] images (`(image, label)` pairs with `labels`), and
        its `DataInfo`.

    Raises:
        FileNotFoundError: `path` does not exist.
        NotADirectoryError: `path` is not a folder.
        InvalidDataError: a file that is corrupt or not a PNG, JPEG, BMP or GIF image.
        ValueError: no image files, sizes differ without `image_size`, bad
            `channels` or `image_size`, or `labels` without class subfolders.

    Example:

        ```python
        faces, info = from_image_folder("data/faces", image_size=64, channels=3)
        ```
    """
    return _finish(*_folder_source(path, image_size, channels, labels))


# --------------------------------------------------------------------------
# One entry point for the training loop.
# --------------------------------------------------------------------------


def _open(dataset, *, data_dir=None, image_size=None, seed=None, split="train", channels=None,
          labels=False):
    """Resolves a dataset string to its raw (unscaled, unbatched) source and DataInfo.

    With `labels` the source yields `(sample, int32 label)` pairs.
    """
    name = os.fspath(dataset)
    if name in TOY_DATASETS:
        if image_size is not None:
            raise ValueError(f"image_size does not apply to the 2-D toy dataset {name!r}")
        sampler = TOY_DATASETS[name]
        info = DataInfo(name, "points", (2,), (-sampler.bound, sampler.bound), None, sampler)
        if labels:
            raise _no_labels_error(info)
        return toy_dataset(name, seed), info
    if name.lower().endswith(".npz"):
        return _npz_source(name, image_size, labels)
    if idx.is_idx_source(name):
        return _idx_source(name, image_size, split, labels)
    if os.path.isdir(name):
        return _folder_source(name, image_size, channels, labels)
    return _tfds_source(name, split, data_dir, image_size, labels=labels)


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
):
    """The training pipeline for a dataset named by one string.

    `dataset` is resolved, in this order, as a toy name of `TOY_DATASETS`,
    a path ending in `.npz`, an existing folder of images, or a
    tensorflow-datasets name. Finite data is cached in memory (as stored,
    e.g. uint8) and shuffled; toy data is fresh random samples already. The
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

    An IDX images file (`*-idx3-ubyte[.gz]`) or a folder of IDX files
    (MNIST's standard files) is read with `from_idx` before the image
    folders are tried: a folder gives its train split, the test split is
    reached with the path of its `t10k-images-idx3-ubyte[.gz]` file.

    With `labels=True` (class-conditional training) every element is a
    pair `(samples, labels)`: the same sample batches, with the int32
    class label [batch_size] of each sample, shuffled and batched together.
    The labels are tfds's `label` feature, an `.npz` file's `labels`
    array, the IDX labels file, or the class subfolders of an image folder
    (see `DataInfo.num_classes`, `class_names`, `class_counts`).

    Args:
        dataset: toy name, `.npz` path, image folder, or tfds name (str or path).
        batch_size: samples per batch, >= 1.
        data_dir: tfds data directory (tfds names only).
        image_size: a positive int or (height, width) to resize images to.
        seed: seed of the toy sampler or of the shuffle; None is non-reproducible.
        shuffle_buffer: shuffle buffer size for finite data; below 2 disables shuffling.
        cache: cache finite data in memory before shuffling.
        repeat: repeat forever (training); False gives one pass.
        labels: yield `(samples, labels)` batches; False (the default) yields samples.

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
    raw, info = _open(dataset, data_dir=data_dir, image_size=image_size, seed=seed,
                      labels=bool(labels))
    if info.num_examples is not None:
        if not repeat and info.num_examples < batch_size:
            raise ValueError(
                f"dataset {info.name!r} has {info.num_examples} examples, fewer than "
                f"batch_size={batch_size}: without repeat there would be no full batch"
            )
        if cache:
            raw = raw.cache()
        if shuffle_buffer > 1:
            raw = raw.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        if repeat:
            raw = raw.repeat()
    batches = raw.batch(int(batch_size), drop_remainder=True)
    sample_spec = batches.element_spec[0] if labels else batches.element_spec
    if sample_spec.dtype != tf.float32:
        batches = batches.map(_scale_samples, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE), info


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
        raw = None if info.sampler is not None else _open(info.name, **info.load_options)[0]
    else:
        raw, info = _open(dataset)
    if info.sampler is not None:
        return info.sampler(n, np.random.default_rng(seed))
    if info.num_examples is not None and info.num_examples < n:
        raise ValueError(
            f"dataset {info.name!r} has only {info.num_examples} examples, {n} requested"
        )
    samples = next(iter(raw.take(n).batch(n).map(_to_unit_range)))
    return samples.numpy()
