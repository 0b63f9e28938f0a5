"""Shared helpers of the data tests, and the conformance checks every data source passes.

`check_source` runs one dataset through the checks every registered
`DataSource` must pass: what `resolve` picks, the shape, dtype and value range
of the samples, the `DataInfo` fields, labels in range with `labels=True`, and
the same batches for the same seed. Each source's test makes tiny data for it.
"""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_wgan import data


def write_image(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def image_bytes(array, image_format):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, image_format)
    return buffer.getvalue()


def one_line_error(error_type, call, *args, **kwargs):
    """The message of the ``error_type`` that ``call`` raises, checked to be one line."""
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


def indexed_images(n, size=4):
    """uint8 images [n, size, size] whose every pixel is 10 * the image's index."""
    return np.repeat(np.arange(n, dtype=np.uint8)[:, None, None] * 10, size * size).reshape(
        n, size, size
    )


def image_index(batch):
    """Back from a [-1, 1] batch of ``indexed_images`` to the images' indices."""
    return np.round((batch[:, 0, 0, 0] + 1.0) * 127.5 / 10).astype(int)


def _batches(dataset, batch_size, labels, options, count=2):
    batches, info = data.load(dataset, batch_size=batch_size, seed=0, labels=labels, **options)
    return (
        [
            tuple(np.asarray(part) for part in batch) if labels else np.asarray(batch)
            for batch in batches.take(count).as_numpy_iterator()
        ],
        batches,
        info,
    )


def check_source(dataset, source, *, labels=False, batch_size=4, **options):
    """Runs `dataset` through the checks every registered data source passes.

    Args:
        dataset: a dataset string the test has made (tiny data).
        source: the `name` of the source that must read it.
        labels: check the labelled pipeline (`labels=True`) too.
        batch_size: the batch size of the checks, at most the number of examples.
        **options: keywords of `data.load` (`image_size`, `data_dir`).

    Returns:
        The `DataInfo` of `data.load(dataset, labels=labels)`, for checks of the source's own.
    """
    resolved = data.resolve(dataset)
    assert resolved.name == source and resolved.dataset == str(dataset)
    assert type(resolved) in data.sources()

    first, batches, info = _batches(dataset, batch_size, labels, options)
    second, _, _ = _batches(dataset, batch_size, labels, options)
    assert info.name == str(dataset) and info.source == source
    assert info.kind == ("images" if len(info.sample_shape) == 3 else "points")
    assert info.num_examples is None or info.num_examples >= batch_size
    assert (info.sampler is not None) == (info.num_examples is None)
    sample_spec = tf.TensorSpec([batch_size, *info.sample_shape], tf.float32)
    if labels:
        assert batches.element_spec == (sample_spec, tf.TensorSpec([batch_size], tf.int32))
    else:
        assert batches.element_spec == sample_spec

    # Values: float32 in the range DataInfo gives ([-1, 1] for images).
    samples = np.concatenate([batch[0] if labels else batch for batch in first])
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    low, high = info.value_range
    if info.kind == "images":
        assert (low, high) == (-1.0, 1.0)
    assert low - 1e-6 <= samples.min() and samples.max() <= high + 1e-6

    # The same seed gives the same batches.
    for one, other in zip(first, second, strict=True):
        for part, again in zip(
            one if labels else (one,), other if labels else (other,), strict=True
        ):
            np.testing.assert_array_equal(part, again)

    # Evaluation's view: the first examples in source order, as training scales them.
    n = batch_size if info.num_examples is None else min(info.num_examples, 3 * batch_size)
    real = data.real_samples(info, n, seed=0)
    assert real.shape == (n, *info.sample_shape) and real.dtype == np.float32
    assert low - 1e-6 <= real.min() and real.max() <= high + 1e-6

    if labels:
        k = info.num_classes
        assert isinstance(k, int) and k >= 2
        assert info.class_names is not None and len(info.class_names) == k
        assert info.class_counts is not None and sum(info.class_counts) == info.num_examples
        batch_labels = np.concatenate([batch[1] for batch in first])
        assert ((0 <= batch_labels) & (batch_labels < k)).all()
        real_labels = data.real_labels(info, n)
        assert real_labels.shape == (n,) and real_labels.dtype == np.int32
        assert ((0 <= real_labels) & (real_labels < k)).all()
        # The labels evaluation reads are those the pipeline pairs with the same examples.
        pairs, _ = data.resolve(dataset).open(labels=True, **options)
        in_order = np.array([int(label) for _, label in pairs.take(n).as_numpy_iterator()])
        np.testing.assert_array_equal(real_labels, in_order)
    elif info.num_classes is None:
        with pytest.raises(data.NoLabelsError):
            data.load(dataset, batch_size=batch_size, labels=True, **options)
    return info
