"""Noise floors: a metric between two real sets, averaged over pairs, and their disk cache.

Two real sets of one distribution are not at distance 0; `Floor` records the
mean of a metric over pairs of real sets, with its standard error. Floors
that depend only on the data are cached on disk (`cache_directory()`) under a
hash of the real samples and the options (`cache_file`), so that the pairs
are paid once per dataset and sample size.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from keras_wgan import caches

__all__ = ["Floor", "cache_directory", "cache_file", "read_cache", "write_cache"]

_CACHE_VERSION = 2  # bump when a floor's definition or the cache key changes


class Floor(NamedTuple):
    """A noise floor: a metric between two real sets, averaged over pairs of sets.

    Attributes:
        value: the mean over the pairs.
        error: its standard error (NaN for a single pair).
        num_pairs: pairs of real sets averaged.
        num_per_set: samples in each set.
    """

    value: float
    error: float
    num_pairs: int
    num_per_set: int

    @classmethod
    def of(cls, values, num_per_set):
        """The floor of a metric's values on each pair of real sets of `num_per_set` samples.

        Example:
        >>> Floor.of([1.0, 3.0], 10)
        Floor(value=2.0, error=1.0, num_pairs=2, num_per_set=10)
        """
        values = np.asarray(values, dtype=np.float64)
        error = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.nan
        return cls(float(values.mean()), error, len(values), int(num_per_set))


def cache_directory():
    """Where the package caches what it computed once: `$XDG_CACHE_HOME/keras_wgan`.

    Returns:
        A `Path` (`~/.cache/keras_wgan` when `XDG_CACHE_HOME` is unset); not created here.
    """
    return caches.cache_root()


def cache_file(data, options):
    """The cache file of floors: a hash of the real data and of the options.

    Args:
        data: bytes standing for the real sets.
        options: a JSON-serialisable dict of everything else the floors depend on.

    Returns:
        A `Path` under `cache_directory() / "floors"`.
    """
    digest = hashlib.sha1(data)
    digest.update(json.dumps({"version": _CACHE_VERSION, **options}, sort_keys=True).encode())
    return cache_directory() / "floors" / f"{digest.hexdigest()}.json"


def read_cache(path):
    """The `{key: [value of each pair]}` cached in `path`, or None if unreadable."""
    try:
        values = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return values if isinstance(values, dict) else None


def write_cache(path, values):
    """Writes `{key: [value of each pair]}` to `path` atomically; a failure only costs time."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(values))
        os.replace(temporary, path)
    except OSError:
        pass
