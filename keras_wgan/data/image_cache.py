"""Image files decoded once, into an array that training reads as it reads an `.npz` file.

A folder of image files is decoded (and composited onto its background, and
resized) once, in a parallel `tf.data` pass, into one uint8 array
[N, H, W, C]. Training, the evaluation's real samples and every later opening
of the same files in the process read that array: no file is decoded twice,
and a step costs what a step from an `.npz` file costs.

tf.data reads the array in slices of `_CHUNK` images through a generator
(`tf.data.Dataset.from_generator`), which keeps one copy of it: slicing a
tensor instead (`from_tensor_slices`) holds two or three while training, for
a read that costs under a millisecond per batch either way.

Where the array lives depends on its size:

* up to `MEMORY_BOUND` bytes (1 GiB; 100,000 images of 32x32x3 take 0.3 GB,
  of 64x64x3 1.2 GB): in memory, kept for the last folder opened in the
  process;
* above: a `.npy` file in the cache directory (`$XDG_CACHE_HOME/keras_wgan/images`,
  else `~/.cache/keras_wgan/images`), read through a memory map. Its name is a
  hash of the files (paths, sizes, modification times) and of the decoding's
  settings, so a later process on the same files (a resumed run, the evaluate
  command) reads it instead of checking and decoding them; a changed file
  makes a new one.
  Delete the folder to reclaim the space.

This module imports TensorFlow only inside its functions (the registry imports
every module of the package).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keras_wgan import caches
from keras_wgan.data import alpha, pipeline
from keras_wgan.data.base import InvalidDataError, size_pair
from keras_wgan.validation import first_line

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "MEMORY_BOUND",
    "OPAQUE",
    "PIL_ALPHA",
    "TF_ALPHA",
    "cache_directory",
    "content_key",
    "dataset",
    "decoded",
    "unreadable",
]

#: Decoded folders up to this many bytes stay in memory; larger ones go to a `.npy` file.
MEMORY_BOUND = 2**30
# How each file is decoded (the codes of folder._checked_image).
OPAQUE = 0  # tf.io, 3 channels: no transparency.
TF_ALPHA = 1  # tf.io with alpha (PNG, BMP), composited onto the background.
PIL_ALPHA = 2  # PIL (WebP; GIF with a transparent entry, which tf.io decodes without alpha).
_CHUNK = 256  # Images decoded per tf.data batch, and read per memory-map slice.
_FORMAT = 1  # The version of the cached files' layout, part of their name.
_DECODED: dict = {}  # The last folder decoded in this process: key -> array.


def cache_directory() -> Path:
    """Where large decoded folders are kept: `$XDG_CACHE_HOME/keras_wgan/images`."""
    return caches.cache_root() / "images"


def content_key(files: list[Path]) -> tuple:
    """What identifies a folder's content: each file's path, size and modification time."""
    stats = [file.stat() for file in files]
    return tuple(
        (str(file), st.st_size, st.st_mtime_ns) for file, st in zip(files, stats, strict=True)
    )


def decoded(
    files: list[Path],
    content: tuple,
    *,
    image_size,
    channels: int,
    background: str,
    scan: Callable[[], tuple[np.ndarray, tuple[int, int, int]]],
) -> np.ndarray:
    """Every file decoded to uint8 [N, H, W, channels], once per content and settings.

    Looked up first in this process, then (for a folder too large for
    memory) in the cache directory; only when both miss are the files
    checked (`scan`) and decoded. A file found there was written after the
    same files passed the same check.

    Args:
        files: the image files, in order.
        content: `content_key(files)`.
        image_size: what images are resized to (None: kept as they are).
        channels: 1 or 3.
        background: the colour transparent pixels are composited onto.
        scan: checks the files; returns how each is decoded (`OPAQUE`,
            `TF_ALPHA`, `PIL_ALPHA`, int8 [N]) and the decoded shape
            `(height, width, channels)`.

    Returns:
        A numpy array in memory, or a read-only memory map of a `.npy` file
        when it is larger than `MEMORY_BOUND` bytes.

    Raises:
        InvalidDataError: a file that tf.io (or PIL) cannot decode, named;
            and whatever `scan` raises.
    """
    size = None if image_size is None else list(size_pair(image_size))
    settings = {"image_size": size, "channels": channels, "background": background}
    key = json.dumps([_FORMAT, settings, content], default=str)
    if key in _DECODED:
        return _DECODED[key]
    _DECODED.clear()  # Keep one folder's images: let the last one go first.
    path = cache_directory() / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.npy"
    if path.is_file():
        images = np.load(path, mmap_mode="r")
    else:
        plans, shape = scan()
        if len(files) * math.prod(shape) <= MEMORY_BOUND:
            images = np.empty((len(files), *shape), np.uint8)
            _decode_into(images, files, plans, shape, image_size, background)
        else:
            images = _decoded_on_disk(path, files, plans, shape, image_size, background)
    _DECODED[key] = images
    return images


def _decoded_on_disk(path, files, plans, shape, image_size, background) -> np.ndarray:
    """Decodes into the `.npy` file `path`, written whole or not at all; its memory map."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    images = np.lib.format.open_memmap(
        partial, mode="w+", dtype=np.uint8, shape=(len(files), *shape)
    )
    try:
        _decode_into(images, files, plans, shape, image_size, background)
        images.flush()
        del images
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return np.load(path, mmap_mode="r")


def dataset(images: np.ndarray) -> tf.data.Dataset:
    """The decoded images as a `tf.data.Dataset` of uint8 [H, W, C], in order.

    Read in slices of `_CHUNK` images by a generator: no copy of an array in
    memory, and no more than a slice of a memory map in memory at a time.
    """
    import tensorflow as tf

    def slices():
        for start in range(0, len(images), _CHUNK):
            yield np.asarray(images[start : start + _CHUNK])

    spec = tf.TensorSpec([None, *images.shape[1:]], tf.uint8)
    return tf.data.Dataset.from_generator(slices, output_signature=spec).unbatch()


def _decode_into(images, files, plans, shape, image_size, background) -> None:
    """Fills `images` with the decoded files: a parallel tf.data pass per way of decoding."""
    import tensorflow as tf

    readers = {
        OPAQUE: _opaque,
        TF_ALPHA: lambda file: alpha.composite(_tf_rgba(file), background),
        PIL_ALPHA: lambda file: alpha.composite(_pil_rgba(file), background),
    }
    for plan, read in readers.items():
        (indices,) = np.nonzero(np.asarray(plans) == plan)
        if not len(indices):
            continue

        def decode(file, read=read):
            image = read(file)
            if shape[-1] == 1:  # rgb_to_grayscale gives back a grey file's values exactly.
                image = tf.image.rgb_to_grayscale(image)
            if image_size is not None:
                image = pipeline.resize(image, image_size)
            return tf.ensure_shape(image, shape)

        batches = (
            tf.data.Dataset.from_tensor_slices([str(files[k]) for k in indices])
            .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(_CHUNK)
            .prefetch(2)
        )
        iterator = iter(batches)
        for start in range(0, len(indices), _CHUNK):
            chunk = indices[start : start + _CHUNK]
            try:
                images[chunk] = next(iterator).numpy()
            except tf.errors.OpError as error:
                raise _undecodable([files[k] for k in chunk], error) from None


def _opaque(file):
    import tensorflow as tf

    # channels=3 decodes every format (GIF and BMP cannot decode to 1 channel).
    return tf.io.decode_image(tf.io.read_file(file), channels=3, expand_animations=False)


def _tf_rgba(file):
    import tensorflow as tf

    return tf.io.decode_image(tf.io.read_file(file), channels=4, expand_animations=False)


def _pil_rgba(file):
    """RGBA uint8 of a file PIL decodes (its first frame), inside a tf.data map."""
    import tensorflow as tf

    def read(name):
        from PIL import Image

        with Image.open(name.decode()) as image:
            return np.asarray(image.convert("RGBA"))

    image = tf.numpy_function(read, [file], tf.uint8, stateful=False)
    image.set_shape([None, None, 4])
    return image


def unreadable(file: Path, error: Exception) -> InvalidDataError:
    """The one-line error for an image file that does not decode."""
    return InvalidDataError(
        f"'{file}' is not a readable image file ({type(error).__name__}: "
        f"{first_line(error)}); remove or replace it"
    )


def _undecodable(files: list[Path], error: Exception) -> InvalidDataError:
    """The one-line error for a chunk of files that tf.io failed on: the file PIL fails on too."""
    from PIL import Image

    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
        except Exception as pil_error:  # PIL: OSError, SyntaxError, ValueError, ...
            return unreadable(file, pil_error)
    return InvalidDataError(
        f"one of the {len(files)} files from '{files[0]}' to '{files[-1]}' does not decode "
        f"with tf.io ({type(error).__name__}: {first_line(error)}); remove or replace it"
    )
