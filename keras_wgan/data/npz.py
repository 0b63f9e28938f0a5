"""Samples stored in an `.npz` file (`np.savez`), with their class labels."""

from __future__ import annotations

import dataclasses
import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keras_wgan.data import alpha, pipeline
from keras_wgan.data import labels as class_labels
from keras_wgan.data.alpha import BACKGROUND
from keras_wgan.data.base import IMAGE_SIZE, DataSource, InvalidDataError
from keras_wgan.data.info import DataInfo
from keras_wgan.validation import first_line

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["NpzSource", "from_npz"]


def _unreadable_npz(path: Path, problem: str, error: BaseException | None = None):
    """The one-line error for an `.npz` file that numpy cannot read."""
    reason = f": {type(error).__name__}: {first_line(error)}" if error is not None else ""
    return InvalidDataError(
        f"'{path}' is not a readable .npz file ({problem}{reason}); "
        "expected an archive written by np.savez"
    )


# Errors of np.load and NpzFile reads on a damaged file: short reads, bad zip
# structure or CRC, bad deflate data, bad .npy headers, pickled objects.
_NPZ_READ_ERRORS = (EOFError, OSError, ValueError, zipfile.BadZipFile, zlib.error)


_NPZ_LABEL_ARRAYS = ("labels", "class_names")  # Arrays of an .npz that are not samples.
_ZIP_MAGIC = b"PK"  # The first bytes of every zip archive, and so of every .npz file.
_NPY_MAGIC = b"\x93NUMPY"  # A .npy file (np.save), refused below with its own message.
_FILE_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _read_arrays(path: Path) -> tuple[str, np.ndarray, dict]:
    """`(key, samples, label_arrays)` of an `.npz` file, each unreadable case in one line."""
    if not path.exists():
        raise FileNotFoundError(f"no such .npz file: '{path}'")
    if not path.is_file():
        kind = _FILE_KINDS.get(stat.S_IFMT(path.stat().st_mode), "not a file")
        raise InvalidDataError(
            f"'{path}' is not a regular file ({kind}); expected an .npz file written by np.savez"
        )
    if path.stat().st_size == 0:
        raise _unreadable_npz(path, "empty file, 0 bytes")
    with open(path, "rb") as file:
        head = file.read(6)
    if not head.startswith((_ZIP_MAGIC, _NPY_MAGIC)):  # np.load would try to unpickle it
        raise InvalidDataError(
            f"'{path}' is not a valid .npz file: not a zip archive (it begins "
            f"with bytes {head[:4].hex()}); expected an archive written by "
            "np.savez"
        )
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
                f"'{path}' holds no arrays; expected an array named 'images' or a single "
                "array of any name, e.g. np.savez(path, images=images)"
            )
        else:
            raise ValueError(
                f"'{path}' holds several arrays ({', '.join(names)}) and none is named "
                "'images'; name the training array 'images'"
            )
        label_arrays = {}
        try:
            array = archive[key]
            for name in _NPZ_LABEL_ARRAYS:
                if name in names and name != key:
                    label_arrays[name] = archive[name]
        except _NPZ_READ_ERRORS as error:
            raise _unreadable_npz(path, f"array {key!r} cannot be read", error) from error
    return key, array, label_arrays


def _checked_samples(array: np.ndarray, where: str, image_size) -> tuple[np.ndarray, tuple]:
    """`(samples, value_range)`: images [N, H, W, C] (uint8, or float in [-1, 1]) or vectors."""
    if array.ndim == 3:  # [N, H, W] grayscale images.
        array = array[..., np.newaxis]
    if array.ndim not in (2, 4):
        raise ValueError(
            f"{where} has shape {array.shape}: expected images [N, H, W], [N, H, W, C] "
            "(C = 2 or 4: grey or RGB with alpha last, composited onto the background) "
            "or vectors [N, D]"
        )
    if array.ndim == 2 and image_size is not None:
        raise ValueError(f"image_size is given but {where} holds vectors of shape {array.shape}")
    if array.size == 0:
        raise InvalidDataError(f"{where} holds no samples (shape {array.shape})")
    if array.dtype == np.uint8:
        return array, (-1.0, 1.0)
    with np.errstate(over="ignore"):  # Values beyond float32 become inf: refused below.
        array = array.astype(np.float32)
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise InvalidDataError(
            f"{where} holds {bad} non-finite value{'s' * (bad > 1)} (NaN or inf in float32) "
            f"out of {array.size}; replace them (e.g. np.nan_to_num) or drop those samples"
        )
    low, high = float(array.min()), float(array.max())
    if array.ndim == 2:  # Vectors of any scale are used as they are.
        return array, (low, high)
    return pipeline.float_images_to_unit_range(array, low, high, where), (-1.0, 1.0)


class NpzSource(DataSource):
    """An `.npz` file: its array `images` (or its only array), with its `labels`."""

    name = "npz"
    priority = 20
    description = "a .npz file (array 'images' or its only array, optional 'labels')"
    OPTIONS = (IMAGE_SIZE, BACKGROUND)

    @classmethod
    def recognises(cls, dataset: str) -> bool:
        return dataset.lower().endswith(".npz")

    def read(
        self, *, labels: bool = False, image_size=None, background: str = "white", **unused
    ) -> tuple[tf.data.Dataset, DataInfo]:
        import tensorflow as tf  # Here, not at the top: the registry imports this module.

        path = Path(self.dataset)
        background = BACKGROUND.checked(background)
        key, array, label_arrays = _read_arrays(path)
        where = f"array {key!r} of '{path}'"
        pipeline.check_dtype(tf.as_dtype(array.dtype), where)
        array, value_range = _checked_samples(array, where, image_size)
        raw = tf.data.Dataset.from_tensor_slices(array)
        if array.ndim == 4 and array.shape[-1] in (2, 4):  # Alpha last: composited.
            raw = raw.map(
                lambda image: alpha.composite(image, background),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        raw = pipeline.resized(raw, image_size)
        info = DataInfo.describe(
            str(path), raw, len(array), value_range, image_size=image_size, background=background
        )
        if "labels" in label_arrays:
            info = dataclasses.replace(
                info,
                **class_labels.label_fields(
                    label_arrays["labels"],
                    label_arrays.get("class_names"),
                    f"array 'labels' of '{path}'",
                    len(array),
                    required=labels,
                ),
            )
        return (pipeline.paired_with_labels(raw, info) if labels else raw), info


def from_npz(
    path: str | os.PathLike,
    image_size: int | tuple[int, int] | None = None,
    labels: bool = False,
    background: str = "white",
) -> tuple[tf.data.Dataset, DataInfo]:
    """Samples stored in an `.npz` file, images scaled to [-1, 1], and their labels.

    Uses the array named `images`, or the file's only array (apart from
    `labels` and `class_names`). An array `labels` holds the class
    labels: integers in [0, K), one per sample ([N], or [N, 1]), with K
    the length of an optional array `class_names` of strings, else the
    largest label + 1. With `labels=True` bad labels (another length,
    negative, too large, floats) are refused; without, a file with bad
    labels is used unlabelled. Images
    ([N, H, W] or [N, H, W, C]; [N, H, W] gets a channel axis) follow the rule
    of `load`: uint8 values 0..255 are mapped to `x / 127.5 - 1`; float
    images must lie in [0, 1] (mapped to `2 x - 1`) or in [-1, 1] (used as
    they are). Vectors [N, D] of floats are used as they are, at any scale.
    NaN or infinite values are refused. Images of 4 channels are RGBA, of 2
    channels grey and alpha: they are composited onto `background`
    (`keras_wgan.data.alpha`) and train as RGB or grey images; the alpha is
    in the range of the colours (0..255 for uint8, [0, 1] or [-1, 1] for
    floats, the lowest value transparent).

    Args:
        path: path of the `.npz` file.
        image_size: int or (height, width) to resize images to; None keeps the size.
        labels: also yield each sample's int32 label (the file must have them).
        background: the colour of composited transparent pixels: `"white"`,
            `"black"` or `"#rrggbb"`.

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
    return pipeline.finish(
        *NpzSource(path).open(image_size=image_size, labels=labels, background=background)
    )
