"""Images stored as files below a folder (PNG, JPEG, BMP, GIF, WebP), labelled by class subfolders.

Every file is checked up front with PIL, so that a corrupt one is named before
training starts, then decoded once (`keras_wgan.data.image_cache`): training
reads the decoded images as it reads an `.npz` file. Images with transparency
are composited onto the `background` colour (`keras_wgan.data.alpha`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keras_wgan.data import image_cache, pipeline
from keras_wgan.data import labels as class_labels
from keras_wgan.data.alpha import BACKGROUND
from keras_wgan.data.base import IMAGE_SIZE, DataSource, InvalidDataError, size_pair
from keras_wgan.data.info import DataInfo

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["IMAGE_EXTENSIONS", "FolderSource", "from_image_folder"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
# PIL names of the formats read: tf.io decodes them (WebP, and GIFs with transparency, PIL).
_IMAGE_FORMATS = ("PNG", "JPEG", "MPO", "BMP", "GIF", "WEBP")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")  # PIL modes with an alpha channel.
# PIL modes of the BMP files tf.io decodes right: 1-bit BMPs fail in DecodeImage, and palette
# BMPs decode to their palette indices as grey levels. The other formats decode in every mode.
_TF_BMP_MODES = {"L": "8-bit grayscale", "RGB": "24-bit RGB", "RGBA": "32-bit RGBA"}
_BMP_MODE_NAMES = {"1": "1-bit", "P": "palette"}
_FULL_DECODE_LIMIT = 2000  # Image folders up to this many files are decoded in full up front.


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


def _checked_image(file: Path, decode: bool) -> tuple[tuple[int, int], str, int]:
    """`((width, height), mode, plan)` of an image file, once it is known that it decodes.

    `plan` is how `image_cache` decodes it: `image_cache.OPAQUE`, `TF_ALPHA`
    (an alpha channel or a transparent palette entry or colour, decoded by
    tf.io with alpha) or `PIL_ALPHA` (a WebP, or a GIF with a transparent
    entry, which tf.io decodes without alpha: decoded by PIL).

    Reads the file with PIL: with `decode` all its pixels, else only what
    `verify` checks (the whole structure and checksums of a PNG, the headers
    of other formats), which is fast enough for folders of 100k files.

    Raises:
        InvalidDataError: the file is not a PNG, JPEG, BMP, GIF or WebP image, is a
            BMP of a kind tf.io cannot decode right (1-bit, palette), or is corrupt.
    """
    from PIL import Image

    try:
        with Image.open(file) as image:
            size, mode, image_format = image.size, image.mode, image.format
            transparent = mode in _ALPHA_MODES or "transparency" in image.info
            if image_format not in _IMAGE_FORMATS:
                raise InvalidDataError(
                    f"'{file}' is a {image_format} image, which tf.io cannot decode; "
                    "expected PNG, JPEG, BMP, GIF or WebP files"
                )
            if image_format == "BMP" and mode not in _TF_BMP_MODES:
                raise InvalidDataError(
                    f"'{file}' is a {_BMP_MODE_NAMES.get(mode, mode)} BMP image (PIL mode "
                    f"{mode!r}), which tf.io cannot decode right; expected BMP images of "
                    f"{', '.join(_TF_BMP_MODES.values())}: convert it, e.g. to PNG"
                )
            if decode:
                image.load()
            else:
                image.verify()
    except InvalidDataError:
        raise
    except Exception as error:  # PIL: OSError, SyntaxError, ValueError, struct.error, ...
        raise image_cache.unreadable(file, error) from error
    if image_format == "WEBP" or (transparent and image_format == "GIF"):
        return size, mode, image_cache.PIL_ALPHA
    return size, mode, image_cache.TF_ALPHA if transparent else image_cache.OPAQUE


_GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "F")  # PIL modes decoded to 1 channel.


def _first_mode(files: list[Path], content: tuple) -> str:
    """The PIL mode of the first file, which decides the channels when they are not given."""
    from PIL import Image

    try:
        with Image.open(files[0]) as image:
            return image.mode
    except Exception:  # A bad file: the scan names it.
        return _scan_images(files, content)[0]


_SCANNED_FOLDERS: dict = {}  # Files (with sizes and times) -> what _scan_images found.


def _scan_images(files: list[Path], content: tuple) -> tuple[str, dict, np.ndarray]:
    """Checks every image file, so that a bad one is named before training starts.

    Small folders (up to `_FULL_DECODE_LIMIT` files) are decoded in full,
    larger ones verified (see `_checked_image`). The result is kept for the
    same files with the same sizes and modification times (`content`, from
    `image_cache.content_key`), as training opens its data several times.

    Returns:
        `(mode, sizes, plans)`: the PIL mode of the first file, a dict from
        each distinct `(width, height)` to the first file of that size, and
        how each file is decoded (int8 codes of `image_cache`).
    """
    decode = len(files) <= _FULL_DECODE_LIMIT
    key = (decode, content)
    if key not in _SCANNED_FOLDERS:
        sizes: dict[tuple[int, int], Path] = {}
        first_mode, plans = None, np.empty(len(files), np.int8)
        for k, file in enumerate(files):
            size, mode, plans[k] = _checked_image(file, decode)
            first_mode = first_mode or mode
            sizes.setdefault(size, file)
        _SCANNED_FOLDERS.clear()  # Keep one folder: a key holds every file name.
        _SCANNED_FOLDERS[key] = first_mode, sizes, plans
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


class FolderSource(DataSource):
    """A folder of image files, labelled by its class subfolders when it has them."""

    name = "folder"
    priority = 40
    description = "a folder of images (one subfolder per class for labels)"
    OPTIONS = (IMAGE_SIZE, BACKGROUND)

    @classmethod
    def recognises(cls, dataset: str) -> bool:
        return os.path.isdir(dataset)

    def read(
        self,
        *,
        labels: bool = False,
        image_size=None,
        channels: int | None = None,
        background: str = "white",
        **unused,
    ) -> tuple[tf.data.Dataset, DataInfo]:
        folder = Path(self.dataset)
        files = _image_files(folder)
        if channels not in (None, 1, 3):
            raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
        background = BACKGROUND.checked(background)
        content = image_cache.content_key(files)
        if channels is None:  # From the first image.
            channels = 1 if _first_mode(files, content) in _GREY_MODES else 3

        def scan():  # Only when the images are not decoded already.
            _, sizes, plans = _scan_images(files, content)
            if image_size is None and len(sizes) > 1:
                (w0, h0), (w1, h1) = list(sizes)[:2]
                first, other = list(sizes.values())[:2]
                raise ValueError(
                    f"images below '{folder}' differ in size ('{first}' is {h0}x{w0}, "
                    f"'{other}' is {h1}x{w1}): pass image_size to resize them all"
                )
            if image_size is None:
                ((width, height),) = sizes
                return plans, (height, width, channels)
            return plans, (*size_pair(image_size), channels)

        images = image_cache.decoded(
            files,
            content,
            image_size=image_size,
            channels=channels,
            background=background,
            scan=scan,
        )
        raw = image_cache.dataset(images)
        info = DataInfo.describe(
            str(folder),
            raw,
            len(files),
            image_size=image_size,
            channels=channels,
            background=background,
        )
        info = dataclasses.replace(info, cached=True)  # Decoded once, in memory or on disk.
        classes = _class_folders(folder, files)
        if classes is not None:
            names, label_array = classes
            info = dataclasses.replace(
                info,
                **class_labels.label_fields(
                    label_array, names, f"labels of '{folder}'", len(files), required=labels
                ),
            )
        return (pipeline.paired_with_labels(raw, info) if labels else raw), info


def from_image_folder(
    path: str | os.PathLike,
    image_size: int | tuple[int, int] | None = None,
    channels: int | None = None,
    labels: bool = False,
    background: str = "white",
) -> tuple[tf.data.Dataset, DataInfo]:
    """Images stored as files below a folder, scaled to [-1, 1], and their classes.

    Takes every .png, .jpg, .jpeg, .bmp, .gif (first frame) and .webp file
    below `path`, recursively, in sorted path order, decoded with `tf.io`
    (WebP files, and GIF files with a transparent entry, with PIL).
    Images with transparency (an alpha channel, a transparent palette entry
    or colour) are composited onto `background`. Each file is decoded (and
    resized) once, into memory when the images fit in
    `image_cache.MEMORY_BOUND` bytes, else into a `.npy` file of the cache
    directory that later runs on the same files reuse.
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
        background: the colour transparent pixels are composited onto:
            `"white"`, `"black"` or `"#rrggbb"`.

    Returns:
        `(dataset, info)`: a finite, unbatched `tf.data.Dataset` of float32
        [H, W, channels] images (`(image, label)` pairs with `labels`), and
        its `DataInfo`.

    Raises:
        FileNotFoundError: `path` does not exist.
        NotADirectoryError: `path` is not a folder.
        InvalidDataError: a file that is corrupt, not a PNG, JPEG, BMP, GIF or WebP
            image, or a 1-bit or palette BMP (which tf.io cannot decode right).
        ValueError: no image files, sizes differ without `image_size`, bad
            `channels`, `image_size` or `background`, or `labels` without
            class subfolders.

    Example:

        ```python
        faces, info = from_image_folder("data/faces", image_size=64, channels=3)
        ```
    """
    return pipeline.finish(
        *FolderSource(path).open(
            image_size=image_size, channels=channels, labels=labels, background=background
        )
    )
