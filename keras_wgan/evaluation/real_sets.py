"""The real set of an evaluation: a random set of real samples of a dataset, drawn once.

`core.Reference`, the `Monitor` and the evaluate command compare every
generated set with such a set (`real_sample_set`), and its pairs for the
noise floors come from a set twice as large.
"""

from __future__ import annotations

import os

import numpy as np

from keras_wgan import data

__all__ = ["MAX_READ", "real_sample_set"]

MAX_READ = 20000  # finite data: examples read to draw a random real set from


def real_sample_set(dataset, n, seed=0, max_read=MAX_READ, labels=False):
    """A random set of `n` real samples of a dataset, as numpy float32 (and their labels).

    Toy data: fresh samples of the numpy sampler. Finite data: `n` examples
    drawn without replacement from the first `min(num_examples, max_read)`
    examples (files are often sorted, e.g. by label, so the first `n` would
    not be a fair sample); fewer than `n` if the data has fewer. With
    `labels` the samples are the same and come with their class labels
    (read with `data.load(..., labels=True)`).

    Args:
        dataset: a dataset string as for `data.load`, or its `DataInfo`.
        n: the number of samples wanted, >= 1.
        seed: seed of the draw.
        max_read: read at most this many examples of finite data.
        labels: also return the samples' labels (labelled data only).

    Returns:
        float32 array [min(n, available), *sample_shape], preprocessed as for
        training; with `labels`, `(samples, int32 labels [len(samples)])`.

    Raises:
        ValueError: `labels` asked of data without class labels.
    """
    if isinstance(dataset, data.DataInfo):
        info, sampler = dataset, dataset.sampler
    elif os.fspath(dataset) in data.TOY_DATASETS:
        info, sampler = None, data.TOY_DATASETS[os.fspath(dataset)]
    else:  # Opened only to learn its size and shape; nothing is read yet.
        _, info = data.load(dataset, batch_size=1, repeat=False, cache=False, shuffle_buffer=0)
        sampler = info.sampler
    if sampler is not None:
        if labels:
            raise data.NoLabelsError(info.name if info else os.fspath(dataset))
        return sampler(int(n), np.random.default_rng([seed, 1]))
    read = min(info.num_examples or max_read, max_read)
    pool = data.real_samples(info, read)
    if labels:  # the same first `read` examples in source order, and their labels
        pool_labels = data.real_labels(info, read)
    order = np.random.default_rng([seed, 1]).permutation(len(pool))[: int(n)]
    return (pool[order], pool_labels[order].astype("int32")) if labels else pool[order]
