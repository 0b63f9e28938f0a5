"""Nearest-neighbour distances of feature sets, block by block: what PRDC and memorisation share.

Precision, recall, density and coverage (`manifold`) and the memorisation
check (`memorisation`) compare every sample of one set with every sample of
another. The n x m distance matrix is never held: distances are computed
`BLOCK` x `BLOCK` at a time, in float64, as scikit-learn's
`euclidean_distances` computes them (which the reference `prdc` package
calls): `sqrt(max(|x|^2 + |y|^2 - 2 x.y, 0))`, a matrix product per block,
with a sample's distance to itself set to exactly 0. Beyond the inputs, the
memory is a few blocks (32 MB each) and a few numbers per sample, so 10,000 x
10,000 features of 2048 numbers fit in a few hundred MB.

k-NN radii depend on one set only: they are kept (`_RADII`, keyed by a hash
of the set's bytes), so the Monitor's fixed real set and the evaluate
command's floors pay them once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from keras_wgan.evaluation.metrics import base

__all__ = ["BLOCK", "check_k", "distance_blocks", "kth_neighbour_distances", "nearest"]

# Rows and columns of one block of distances (32 MB of float64): smaller blocks make
# slower matrix products (1024: about 1.3 times the time of 2048 here, 512: 4 times).
BLOCK = 2048
_RADII: OrderedDict = OrderedDict()  # (hash of a set, ks) -> radii, the last few sets
_RADII_KEPT = 4


def as_features(features, name: str) -> np.ndarray:
    """`features` as a C-contiguous float64 [n, d] matrix (see `base.as_sample_matrix`)."""
    return np.ascontiguousarray(base.as_sample_matrix(features, name))


def check_k(k, num_samples: int, argument: str, what: str) -> int:
    """`k` as an int, checked: a k-th nearest other sample needs k + 1 samples.

    Args:
        k: the number of neighbours asked for.
        num_samples: the samples of the set the radii are taken in.
        argument: the name of `k` in errors.
        what: what the set is, for errors ("real features").

    Raises:
        ValueError: `k` is not an integer in [1, num_samples - 1].
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`{argument}` must be an integer >= 1; received {k!r}")
    if k > num_samples - 1:
        raise ValueError(
            f"`{argument}`={k} needs at least {k + 1} samples (a k-th nearest other sample) "
            f"but the {what} hold {num_samples}; expected {argument} <= {num_samples - 1}"
        )
    return int(k)


def _squared_norms(x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", x, x)


def distance_blocks(
    x: np.ndarray, y: np.ndarray, *, upper: bool = False, squared: bool = False
) -> Iterator[tuple[slice, slice, np.ndarray]]:
    """The Euclidean distances of the rows of `x` to those of `y`, one block at a time.

    Args:
        x: float64 [n, d].
        y: float64 [m, d]; with `upper`, `x` itself.
        upper: `y` is `x`: only the blocks on and above the diagonal, each
            sample's distance to itself exactly 0.
        squared: yield squared distances (cheaper where only their order matters).

    Yields:
        `(rows, columns, distances)`: slices of `x` and `y` and the float64
        block of distances between those rows.
    """
    x_norms = _squared_norms(x)
    y_norms = x_norms if upper else _squared_norms(y)
    for start in range(0, len(x), BLOCK):
        rows = slice(start, min(start + BLOCK, len(x)))
        for column in range(start if upper else 0, len(y), BLOCK):
            columns = slice(column, min(column + BLOCK, len(y)))
            block = x[rows] @ y[columns].T
            block *= -2.0
            block += x_norms[rows, None]
            block += y_norms[None, columns]
            np.maximum(block, 0.0, out=block)
            if upper and column == start:
                np.fill_diagonal(block, 0.0)
            if not squared:
                np.sqrt(block, out=block)
            yield rows, columns, block


def _smallest(values: np.ndarray, count: int, overwrite: bool = False) -> np.ndarray:
    """The `count` smallest of each row (in no order), or the row itself if shorter.

    Partitions a C-ordered copy (a transposed block's rows are strided: about 5
    times slower), or `values` itself with `overwrite`.
    """
    if values.shape[1] <= count:
        return values
    if not (overwrite and values.flags.c_contiguous):
        values = np.array(values, order="C")
    values.partition(count - 1, axis=1)
    return values[:, :count]


def kth_neighbour_distances(features, ks) -> np.ndarray:
    """Each sample's distance to its k-th nearest other sample of the set, for each k.

    The (k + 1)-th smallest distance from a sample to the samples of the set,
    itself included at 0, as the `prdc` package defines it: a duplicate of a
    sample is a neighbour at distance 0. Each block of the upper triangle
    serves its rows and its columns, so the set's n x n distances cost n^2 / 2
    multiply-adds per feature.

    Args:
        features: [n, d].
        ks: the numbers of neighbours, each in [1, n - 1].

    Returns:
        float64 [len(ks), n].

    Example:
    >>> kth_neighbour_distances(np.array([[0.0], [1.0], [3.0]]), [1, 2])
    array([[1., 1., 2.],
           [3., 2., 3.]])
    """
    x = as_features(features, "features")
    ks = tuple(check_k(k, len(x), "k", "features") for k in ks)
    key = (hashlib.blake2b(x.data, digest_size=20).hexdigest(), x.shape, ks)
    if key in _RADII:
        _RADII.move_to_end(key)
        return _RADII[key].copy()
    count = max(ks) + 1
    best = np.full((len(x), count), np.inf)
    for rows, columns, block in distance_blocks(x, x, upper=True, squared=True):
        if rows != columns:  # the block below the diagonal: this one transposed
            best[columns] = _smallest(
                np.concatenate([best[columns], _smallest(block.T, count)], 1), count
            )
        smallest = _smallest(block, count, overwrite=True)
        best[rows] = _smallest(np.concatenate([best[rows], smallest], 1), count)
    best.sort(axis=1)
    radii = np.sqrt(best[:, list(ks)].T)  # sqrt is monotone: the k-th of the distances
    _RADII[key] = radii
    while len(_RADII) > _RADII_KEPT:
        _RADII.popitem(last=False)
    return radii.copy()


def nearest(queries, samples) -> tuple[np.ndarray, np.ndarray]:
    """For each query, its nearest sample (the first of equally near ones) and the distance.

    Args:
        queries: [m, d].
        samples: [n, d].

    Returns:
        `(index int64 [m], distance float64 [m])`.

    Example:
    >>> nearest(np.array([[0.9], [5.0]]), np.array([[0.0], [1.0], [3.0]]))
    (array([1, 2]), array([0.1, 2. ]))
    """
    q = as_features(queries, "queries")
    x = as_features(samples, "samples")
    base.check_same_dim(q, x, "queries", "samples")
    index = np.zeros(len(q), dtype=np.int64)
    distance = np.full(len(q), np.inf)
    for rows, columns, block in distance_blocks(q, x, squared=True):
        where = np.argmin(block, axis=1)
        value = block[np.arange(len(block)), where]
        closer = value < distance[rows]
        index[rows] = np.where(closer, where + columns.start, index[rows])
        distance[rows] = np.where(closer, value, distance[rows])
    return index, np.sqrt(distance)
