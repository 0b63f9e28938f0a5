"""Where the package keeps what it computed once and can compute again.

One root, `$XDG_CACHE_HOME/keras_wgan` (`~/.cache/keras_wgan` when
`XDG_CACHE_HOME` is unset or empty), for every cache: the decoded image
folders (`images/`, `keras_wgan.data.image_cache`) and the evaluation's
noise floors (`keras_wgan.evaluation.floors`). Deleting it loses nothing a
user trained. This module imports nothing of the package, so that data and
evaluation can both use it.
"""

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """`$XDG_CACHE_HOME/keras_wgan`, or `~/.cache/keras_wgan`; not created here.

    Example:
    >>> cache_root().name
    'keras_wgan'
    """
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "keras_wgan"
