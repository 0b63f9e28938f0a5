"""`DataInfo`: what a training pipeline yields, for the model builder and evaluation code."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["DataInfo"]


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
            `image_size`), so that `real_samples` can reopen the same data.
        labels: the class labels of the examples, an int32 numpy array
            [num_examples] in the source's order, where the source has them
            (IDX label files, an `.npz` `labels` array, an image folder of
            class subfolders); None otherwise (also for tfds, whose labels come
            through the pipeline of `load(..., labels=True)` and `real_labels`).
        num_classes: the number of classes K of labelled data (labels lie in
            [0, K)), None for unlabelled data.
        class_names: K class names: tfds's `ClassLabel` names, an `.npz`
            `class_names` array, the sorted subfolder names of an image
            folder, else `"0"`, `"1"`, ...; None for unlabelled data.
        class_counts: examples per class, K ints; None for unlabelled data,
            and for tfds data opened without `labels=True` (counting its
            labels takes a pass over the data).
        source: the `name` of the `DataSource` that opened the data
            (`"toy"`, `"npz"`, `"idx"`, `"folder"`, `"tfds"`).
        cached: the raw pipeline reads samples decoded already, from memory
            or a local file (an image folder, `keras_wgan.data.image_cache`):
            `load` adds no cache of its own.
    """

    name: str
    kind: str
    sample_shape: tuple
    value_range: tuple | None
    num_examples: int | None
    # A `keras_wgan.data.toy.ToySampler`: (n, numpy Generator) -> samples.
    sampler: Callable[[int, np.random.Generator], np.ndarray] | None = None
    load_options: dict = dataclasses.field(default_factory=dict)
    labels: np.ndarray | None = dataclasses.field(default=None, compare=False, repr=False)
    num_classes: int | None = None
    class_names: tuple | None = None
    class_counts: tuple | None = dataclasses.field(default=None, compare=False)
    source: str | None = None
    cached: bool = dataclasses.field(default=False, compare=False)

    @classmethod
    def describe(
        cls,
        name: str,
        raw: tf.data.Dataset,
        num_examples: int | None,
        value_range=(-1.0, 1.0),
        **load_options,
    ) -> DataInfo:
        """The `DataInfo` of a raw pipeline of samples (rank 3: images, else points).

        Args:
            name: the dataset as given.
            raw: the unbatched pipeline of samples.
            num_examples: its length, None if endless.
            value_range: `(low, high)` of its values once scaled.
            **load_options: the keywords that reopen the same data.
        """
        spec = raw.element_spec
        return cls(
            name=name,
            kind="images" if spec.shape.rank == 3 else "points",
            sample_shape=tuple(spec.shape.as_list()),
            value_range=value_range,
            num_examples=num_examples,
            load_options=load_options,
        )

    @property
    def class_frequencies(self) -> np.ndarray | None:
        """The share of examples in each class, float64 [K] summing to 1 (None if unknown).

        For drawing labels like the data: `rng.choice(K, n, p=info.class_frequencies)`.
        """
        if self.class_counts is None or not sum(self.class_counts):
            return None
        counts = np.asarray(self.class_counts, dtype=np.float64)
        return counts / counts.sum()
