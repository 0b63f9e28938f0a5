"""IDX files, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST, and the IDX source.

An IDX file (LeCun et al., http://yann.lecun.com/exdb/mnist/) is one array:
a 4-byte magic number (two zero bytes, a dtype code, the number of
dimensions), each dimension as a big-endian uint32, then the values in C
order, big-endian. The dtype codes are 0x08 uint8, 0x09 int8, 0x0B int16,
0x0C int32, 0x0D float32 and 0x0E float64. Images come as
`*-images-idx3-ubyte` ([N, H, W] uint8) beside their labels
`*-labels-idx1-ubyte` ([N] uint8), each optionally gzip-compressed (`.gz`,
recognised by its content, not by its name).

A folder holding the standard pair of splits (`train-images-idx3-ubyte.gz`,
`train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
`t10k-labels-idx1-ubyte.gz`) reads as its `train` split; `split="test"`
(or `"t10k"`) reads the other one, and so does a path to the t10k images
file itself.

Example:

```python
images, labels = load("/data/fashion-mnist")                # train: [60000, 28, 28], [60000]
images, labels = load("/data/fashion-mnist", split="test")  # [10000, 28, 28], [10000]
```
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keras_wgan.data import labels as class_labels
from keras_wgan.data import pipeline
from keras_wgan.data.base import IMAGE_SIZE, DataSource
from keras_wgan.data.info import DataInfo

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "DTYPES",
    "IDXFormatError",
    "IdxSource",
    "find_images",
    "from_idx",
    "is_idx_source",
    "labels_path",
    "load",
    "read",
    "write",
]

#: IDX dtype code -> numpy dtype (big-endian, as stored).
DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
#: The file name of an IDX images or labels file: ...-idx3-ubyte, ...idx1-ubyte.gz...
_IDX_NAME = re.compile(r"[-.]idx(\d)-ubyte(\.gz)?$")
#: Split names as they appear in the standard file names.
_SPLITS = {"train": "train", "test": "t10k", "t10k": "t10k"}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXFormatError(ValueError):
    """A file is not a valid IDX file, or an images file and its labels disagree."""


def _error(argument, path, problem, expected):
    return IDXFormatError(f"{argument} '{os.fspath(path)}' {problem}; expected {expected}")


def _read_bytes(path, argument):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{argument} '{path}' does not exist or is not a file; "
            "expected an IDX file (e.g. train-images-idx3-ubyte.gz)"
        )
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError.
        reason = " ".join(str(error).split()) or type(error).__name__
        raise _error(
            argument,
            path,
            f"is a damaged gzip file ({reason})",
            "a complete gzip-compressed IDX file",
        ) from None


def read(path: str | os.PathLike, *, argument: str = "path") -> np.ndarray:
    """Reads one IDX file (plain or gzip-compressed) into a numpy array.

    Args:
        path: the file.
        argument: the name the error messages give the path (e.g. "dataset").

    Returns:
        A numpy array with the file's shape and dtype, in native byte order
        (uint8 for the ubyte files of MNIST and its kin).

    Raises:
        FileNotFoundError: `path` is not a file.
        IDXFormatError (a ValueError): bad magic number, unknown dtype code, a
            number of dimensions other than the name's (`idx3`: 3), truncated
            header or data, or bytes after the data.
    """
    data = _read_bytes(path, argument)
    if len(data) < 4:
        raise _error(
            argument,
            path,
            f"is truncated: {len(data)} bytes, too short for the 4-byte magic number",
            "an IDX file",
        )
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in DTYPES:
        raise _error(
            argument,
            path,
            f"is not an IDX file: magic number 0x{data[:4].hex()}",
            "two zero bytes, a dtype code (0x08 uint8, 0x09 int8, 0x0B int16, "
            "0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions",
        )
    named = _IDX_NAME.search(Path(path).name)
    if named and int(named.group(1)) != ndim:  # e.g. an idx3 file whose magic says 8 dimensions
        rank = int(named.group(1))
        raise _error(
            argument,
            path,
            f"is not an IDX file of {rank} dimensions: its magic number "
            f"0x{data[:4].hex()} says {ndim}",
            f"the magic number 0x0000{code:02x}{rank:02x} of an idx{rank} file",
        )
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise _error(
            argument,
            path,
            f"has a truncated header: {ndim} dimensions need "
            f"{header} bytes, the file has {len(data)}",
            "an IDX file",
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = DTYPES[code]
    expected_bytes = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected_bytes:
        problem = "is truncated" if len(data) < expected_bytes else "has extra bytes"
        raise _error(
            argument,
            path,
            f"{problem}: {len(data)} bytes for an array of shape {tuple(shape)} of {dtype.name}",
            f"{expected_bytes} bytes",
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write(path: str | os.PathLike, array) -> None:
    """Writes a numpy array as an IDX file, gzip-compressed if `path` ends in ".gz".

    Args:
        path: the file to write.
        array: an array of at least one dimension and a dtype of `DTYPES`.
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in DTYPES.items()}
    if array.dtype not in codes or array.ndim == 0:
        raise ValueError(
            f"array of dtype {array.dtype} and shape {array.shape} cannot be "
            "written as IDX; expected uint8, int8, int16, int32, float32 or "
            "float64 with at least one dimension"
        )
    code = codes[array.dtype]
    payload = (
        struct.pack(">HBB", 0, code, array.ndim)
        + struct.pack(f">{array.ndim}I", *array.shape)
        + np.ascontiguousarray(array, dtype=DTYPES[code]).tobytes()
    )
    if os.fspath(path).endswith(".gz"):
        payload = gzip.compress(payload)
    Path(path).write_bytes(payload)


def labels_path(images_path: str | os.PathLike) -> Path | None:
    """The labels file beside an images file, or None when there is none.

    `train-images-idx3-ubyte.gz` -> `train-labels-idx1-ubyte.gz` (or the
    uncompressed name if only that exists).
    """
    images_path = Path(images_path)
    stem = _IDX_NAME.sub("", images_path.name)
    stem = re.sub(r"images$", "labels", stem)
    match = _IDX_NAME.search(images_path.name)
    if match is None:
        return None
    separator = match.group(0)[0]
    for suffix in (".gz", ""):
        candidate = images_path.with_name(f"{stem}{separator}idx1-ubyte{suffix}")
        if candidate.is_file():
            return candidate
    return None


def find_images(folder: str | os.PathLike, split: str = "train", *, argument: str = "path") -> Path:
    """The images file of a split in a folder of IDX files.

    Args:
        folder: a folder holding e.g. `train-images-idx3-ubyte.gz` and
            `t10k-images-idx3-ubyte.gz` (any prefix, such as EMNIST's
            `emnist-digits-`, is allowed if it is the only one).
        split: "train", or "test" / "t10k".
        argument: the name error messages give the folder.

    Returns:
        The path of the images file.

    Raises:
        ValueError: unknown split, or no or several matching files.
    """
    if split not in _SPLITS:
        raise ValueError(
            f"split {split!r} is not an IDX split; expected one of {', '.join(_SPLITS)}"
        )
    folder = Path(folder)
    pattern = re.compile(rf"{_SPLITS[split]}-images[-.]idx3-ubyte(\.gz)?$")
    found = sorted(p for p in folder.iterdir() if pattern.search(p.name) and p.is_file())
    # The same file compressed and not: take the compressed one.
    names = {_IDX_NAME.sub("", p.name): p for p in found}
    if len(names) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise ValueError(
            f"{argument} '{folder}' must hold one "
            f"'{_SPLITS[split]}-images-idx3-ubyte[.gz]' file for split {split!r} "
            f"(found: {listed}); expected a folder with the standard files, or "
            "a path to the images file"
        )
    stem = next(iter(names))
    candidates = [p for p in found if _IDX_NAME.sub("", p.name) == stem]
    return next((p for p in candidates if p.name.endswith(".gz")), candidates[0])


def is_idx_source(path: str | os.PathLike) -> bool:
    """Whether `path` names an IDX file or a folder holding an IDX images file."""
    path = Path(path)
    if _IDX_NAME.search(path.name):
        return True
    if not path.is_dir():
        return False
    return any(re.search(r"images[-.]idx3-ubyte(\.gz)?$", p.name) for p in path.iterdir())


def load(
    path: str | os.PathLike, split: str = "train", *, argument: str = "path"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Images and labels from an IDX images file or a folder of IDX files.

    Args:
        path: an images file (`*-idx3-ubyte[.gz]`; its `*-idx1-ubyte[.gz]`
            labels are found beside it) or a folder with the standard files.
        split: for a folder, "train" (default) or "test" / "t10k"; ignored
            for a file.
        argument: the name error messages give the path.

    Returns:
        `(images, labels)`: the images array (e.g. uint8 [N, H, W]) and the
        labels array [N], or None when there is no labels file.

    Raises:
        FileNotFoundError: `path` does not exist.
        IDXFormatError (a ValueError): a damaged file, or images and labels
            that differ in number.
        ValueError: a folder without exactly one images file of the split.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{argument} '{path}' does not exist; expected an IDX images "
            "file or a folder of IDX files"
        )
    images_file = find_images(path, split, argument=argument) if path.is_dir() else path
    images = read(images_file, argument=argument)
    labels_file = labels_path(images_file) if _IDX_NAME.search(images_file.name) else None
    if labels_file is None:
        return images, None
    labels = read(labels_file, argument=argument)
    if labels.ndim != 1 or len(labels) != len(images):
        raise _error(
            argument,
            labels_file,
            f"holds labels of shape {labels.shape} for the {len(images)} images of '{images_file}'",
            f"[{len(images)}] labels",
        )
    return images, labels


class IdxSource(DataSource):
    """An IDX images file or a folder of IDX files, with the labels file beside the images."""

    name = "idx"
    priority = 30
    description = (
        "an IDX images file (*-idx3-ubyte[.gz]) or a folder of IDX files (its train "
        "split; the test split by the path of its t10k-images file)"
    )
    OPTIONS = (IMAGE_SIZE,)

    @classmethod
    def recognises(cls, dataset: str) -> bool:
        return is_idx_source(dataset)

    def read(
        self, *, labels: bool = False, image_size=None, split: str = "train", **unused
    ) -> tuple[tf.data.Dataset, DataInfo]:
        import tensorflow as tf  # Here, not at the top: the registry imports this module.

        path = self.dataset
        images, label_array = load(path, split, argument="dataset")
        pipeline.check_dtype(tf.as_dtype(images.dtype), f"dataset '{path}'")
        if images.ndim == 3:  # [N, H, W] grayscale images.
            images = images[..., np.newaxis]
        if images.ndim != 4:
            raise ValueError(
                f"dataset '{path}' holds an array of shape {images.shape}; expected "
                "images [N, H, W] or [N, H, W, C] (an idx3-ubyte images file)"
            )
        value_range: tuple[float, float] | None
        if images.dtype == np.uint8:
            value_range = (-1.0, 1.0)
        else:  # Floats are used as they are, as from an .npz file.
            images = images.astype(np.float32)
            value_range = (float(images.min()), float(images.max())) if images.size else None
        raw = pipeline.resized(tf.data.Dataset.from_tensor_slices(images), image_size)
        info = DataInfo.describe(
            str(path), raw, len(images), value_range, image_size=image_size, split=split
        )
        if label_array is not None:
            info = dataclasses.replace(
                info,
                **class_labels.label_fields(
                    label_array, None, f"labels of dataset '{path}'", len(images), required=labels
                ),
            )
        return (pipeline.paired_with_labels(raw, info) if labels else raw), info


def from_idx(
    path: str | os.PathLike,
    split: str = "train",
    image_size: int | tuple[int, int] | None = None,
    labels: bool = False,
) -> tuple[tf.data.Dataset, DataInfo]:
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
    return pipeline.finish(*IdxSource(path).open(split=split, image_size=image_size, labels=labels))
