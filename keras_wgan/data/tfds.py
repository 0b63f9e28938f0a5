"""Images of tensorflow-datasets, with their labels, and the probe that fails fast offline.

tfds retries a failed download for minutes; before it downloads, this source
probes the download hosts (or the proxy) for seconds, so that a machine without
network gets one line saying so. tensorflow-datasets and TensorFlow are imported
when a dataset is opened: the registry imports this module for its options.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import socket
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING

import numpy as np

from keras_wgan.data import pipeline
from keras_wgan.data.base import (
    IMAGE_SIZE,
    DatasetUnavailableError,
    DataSource,
    check_path,
    unknown_dataset_error,
)
from keras_wgan.data.info import DataInfo
from keras_wgan.options import Option
from keras_wgan.validation import first_line

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["CELEBA_CROP", "CELEBA_IMAGE_SIZE", "DATA_DIR", "TfdsSource", "from_tfds"]

CELEBA_CROP = 140  # The usual centre crop of the 178x218 CelebA faces.
CELEBA_IMAGE_SIZE = 64
_TFDS_GCS_URL = "https://storage.googleapis.com/tfds-data"  # tfds's prepared copies (gs://).
_PROBE_TIMEOUT = 3.0  # Seconds to wait for a download host to accept a connection.


#: This source's own setting.
DATA_DIR = Option(
    "data_dir", None, "tensorflow-datasets data directory.", check=check_path, type=str
)


def _unavailable_error(name, data_dir, cause: BaseException) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"dataset {name!r} could not be downloaded or found in data_dir '{os.fspath(data_dir)}' "
        f"({type(cause).__name__}: {first_line(cause)}); to train on local files instead, "
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


@contextlib.contextmanager
def _quiet_tfds():
    """tfds's own log lines below ERROR dropped while a name is looked up in tfds.

    A name tfds does not know makes it log "Failed to load dataset ... from
    files", a data_dir without the data "Variant folder ... has no
    dataset_info.json": this source says what is wrong in its own one line
    right after, so those lines would only come before it. tfds logs through
    absl, i.e. the Python logger "absl".
    """
    import tensorflow_datasets as tfds

    root = os.path.join(os.path.dirname(os.path.realpath(tfds.__file__)), "")

    def keep(record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not os.path.realpath(record.pathname).startswith(
            root
        )

    logger = logging.getLogger("absl")
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def _tfds_class_label(builder):
    """The `ClassLabel` feature `label` of a tfds builder, or None."""
    import tensorflow_datasets as tfds

    features = builder.info.features
    feature = features["label"] if "label" in features.keys() else None
    return feature if isinstance(feature, tfds.features.ClassLabel) else None


def _tfds_class_counts(builder, split, num_classes) -> tuple:
    """Examples per class of a tfds split: one pass over the labels, images not decoded."""
    import tensorflow_datasets as tfds

    examples = builder.as_dataset(
        split=split, shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()}
    )
    counts = np.zeros(num_classes, np.int64)
    for chunk in examples.map(lambda example: example["label"]).batch(4096).as_numpy_iterator():
        counts += np.bincount(chunk, minlength=num_classes)[:num_classes]
    return tuple(int(c) for c in counts)


class TfdsSource(DataSource):
    """A tensorflow-datasets name: its `image` feature, and its `label` with `labels=True`.

    Recognises every string no other source took (it is asked last); a name
    tfds does not know is an unknown dataset.
    """

    name = "tfds"
    priority = 100
    description = "a tensorflow-datasets name (mnist, fashion_mnist, cifar10, celeb_a...)"
    OPTIONS = (DATA_DIR, IMAGE_SIZE)

    @classmethod
    def recognises(cls, dataset: str) -> bool:
        return True

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        """tfds's registered builders (its own code: no network needed); () without tfds."""
        try:
            import tensorflow_datasets as tfds

            return tuple(tfds.list_builders(with_community_datasets=False))
        except Exception:  # noqa: BLE001 - only a suggestion is lost
            return ()

    def read(
        self,
        *,
        labels=False,
        split="train",
        data_dir=None,
        image_size=None,
        download=True,
        **unused,
    ):
        import tensorflow as tf  # Here, not at the top: the registry imports this module.
        import tensorflow_datasets as tfds

        name = self.dataset
        with _quiet_tfds():
            try:
                builder = tfds.builder(name, data_dir=data_dir)
            except ValueError as error:  # DatasetNotFoundError, or not even a dataset name.
                raise unknown_dataset_error(name) from error
            prepared = builder.is_prepared()
        if download:
            if not prepared:  # Fail at once, not after minutes of retries.
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
        pipeline.check_dtype(examples.element_spec["image"].dtype, f"tfds dataset {name!r}")

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
            return image if image_size is None else pipeline.resize(image, image_size)

        raw = examples.map(image_only, num_parallel_calls=tf.data.AUTOTUNE)
        cardinality = int(raw.cardinality())
        info = DataInfo.describe(
            name,
            raw,
            cardinality if cardinality >= 0 else None,
            data_dir=data_dir,
            image_size=image_size,
            split=split,
        )
        if class_label is not None:
            info = dataclasses.replace(
                info, num_classes=int(class_label.num_classes), class_names=tuple(class_label.names)
            )
        if labels:
            if class_label is None:
                raise ValueError(
                    f"labels=True but tfds dataset {name!r} has no ClassLabel feature 'label' "
                    f"(its features: {', '.join(builder.info.features)}); expected a dataset "
                    "with class labels, such as mnist or cifar10"
                )
            counts = _tfds_class_counts(builder, split, info.num_classes)
            info = dataclasses.replace(info, class_counts=counts)
            raw = examples.map(
                lambda example: (image_only(example), tf.cast(example["label"], tf.int32)),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        return raw, info


def from_tfds(
    name: str,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    image_size: int | tuple[int, int] | None = None,
    download: bool = True,
    labels: bool = False,
) -> tuple[tf.data.Dataset, DataInfo]:
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
    return pipeline.finish(
        *TfdsSource(name).open(
            split=split, data_dir=data_dir, image_size=image_size, download=download, labels=labels
        )
    )
