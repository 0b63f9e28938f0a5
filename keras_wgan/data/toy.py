"""The 2-D toy distributions: numpy samplers, an endless TF stream, mode counting, the source.

The distributions of the WGAN-GP paper (`8gaussians`, `25gaussians`,
`swissroll`) and the unit `circle` (mass on a curve, the WGAN paper's
motivating example). Training draws fresh samples with stateless TF random ops
(`toy_dataset`), so that no sample is ever repeated; evaluation draws from
numpy samplers of the very same distributions (`TOY_DATASETS`), and counts the
modes a generator covers (`TOY_MODES`, `count_modes`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from keras_wgan.data.base import DataSource, NoLabelsError
from keras_wgan.data.info import DataInfo

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "TOY_DATASETS",
    "TOY_MODES",
    "ToyModes",
    "ToySampler",
    "ToySource",
    "count_modes",
    "toy_dataset",
]

_TOY_CHUNK = 1024  # Toy samples generated per map call.
_NOISE_STDS_IN_BOUND = 6.0  # Toy value ranges hold the noise up to 6 std.


class ToyModes(NamedTuple):
    """Mode centres (after scaling) and per-coordinate noise std of a toy mixture."""

    centres: np.ndarray  # float64 [K, 2]
    std: float


@dataclasses.dataclass(frozen=True)
class ToySampler:
    """A 2-D toy distribution, sampled with numpy by calling it.

    Each distribution is a fixed map `transform(u, z, xp)` from one uniform
    draw `u` in [0, 1) (shape [n]) and one standard-normal draw `z`
    (shape [n, 2]) to points [n, 2], written once for both array namespaces
    `xp`: numpy here, `tf.experimental.numpy` in `toy_dataset`. Both
    samplers therefore produce exactly the same distribution. Passing
    `z = 0` gives the noise-free shape.

    Attributes:
        name: the key in `TOY_DATASETS`.
        transform: `(u, z, xp) -> points`, see above.
        bound: every coordinate lies in [-bound, bound] up to 6 std of noise.
    """

    name: str
    transform: Callable[[Any, Any, Any], Any]
    bound: float

    def __call__(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Draws `n` fresh samples as float32 [n, 2]; `rng` is a Generator or a seed."""
        rng = np.random.default_rng(rng)
        u = rng.random(n)
        z = rng.standard_normal((n, 2))
        return np.asarray(self.transform(u, z, np), dtype=np.float32)


def _mixture_transform(modes: ToyModes) -> Callable:
    """Returns the draw -> point map of an equal-weight isotropic Gaussian mixture."""
    centres = modes.centres.astype(np.float32)
    num_modes = len(centres)

    def transform(u, z, xp):
        # Mode k = floor(u * K) is uniform over the K modes, like random.choice.
        k = xp.minimum(xp.floor(u * num_modes), num_modes - 1)
        return xp.take(centres, xp.asarray(k, dtype=xp.int32), axis=0) + modes.std * z

    return transform


def _swissroll_transform(u, z, xp):
    """The paper's swiss roll: sklearn's make_swiss_roll(noise=0.25)[:, [0, 2]] / 7.5."""
    t = 1.5 * math.pi * (1.0 + 2.0 * u)
    roll = xp.stack([t * xp.cos(t), t * xp.sin(t)], axis=-1)
    return (roll + 0.25 * z) / 7.5


def _circle_transform(u, z, xp):
    """Uniform on the unit circle, without noise (`z` is unused)."""
    del z
    angle = 2.0 * math.pi * u
    return xp.stack([xp.cos(angle), xp.sin(angle)], axis=-1)


def _mixture_sampler(name: str, modes: ToyModes) -> ToySampler:
    bound = float(np.abs(modes.centres).max() + _NOISE_STDS_IN_BOUND * modes.std)
    return ToySampler(name, _mixture_transform(modes), bound)


_DIAGONAL = 1.0 / np.sqrt(2.0)
# As in gan_toy.py of the WGAN-GP paper: centres, noise std, then "/= 1.414"
# (8gaussians) or "/= 2.828" (25gaussians) applied to centre and noise alike.
TOY_MODES: dict[str, ToyModes] = {
    "8gaussians": ToyModes(
        centres=2.0
        * np.array(
            [
                (1.0, 0.0),
                (-1.0, 0.0),
                (0.0, 1.0),
                (0.0, -1.0),
                (_DIAGONAL, _DIAGONAL),
                (_DIAGONAL, -_DIAGONAL),
                (-_DIAGONAL, _DIAGONAL),
                (-_DIAGONAL, -_DIAGONAL),
            ]
        )
        / 1.414,
        std=0.02 / 1.414,
    ),
    "25gaussians": ToyModes(
        centres=np.array([(2.0 * x, 2.0 * y) for x in range(-2, 3) for y in range(-2, 3)]) / 2.828,
        std=0.05 / 2.828,
    ),
}

TOY_DATASETS: dict[str, ToySampler] = {
    "8gaussians": _mixture_sampler("8gaussians", TOY_MODES["8gaussians"]),
    "25gaussians": _mixture_sampler("25gaussians", TOY_MODES["25gaussians"]),
    "swissroll": ToySampler(
        "swissroll", _swissroll_transform, (4.5 * math.pi + _NOISE_STDS_IN_BOUND * 0.25) / 7.5
    ),
    "circle": ToySampler("circle", _circle_transform, 1.0),
}


def _toy_sampler(name: str) -> ToySampler:
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown toy dataset {name!r}: expected one of {', '.join(TOY_DATASETS)}")
    return TOY_DATASETS[name]


def count_modes(samples, name: str, num_std: float = 3.0) -> tuple[int, float]:
    """Counts the modes of a toy mixture that samples cover, and how many samples are near one.

    Each sample is assigned to its nearest mode centre. It is "near" that mode
    when its Euclidean distance to the centre is at most `num_std * std`,
    with `std` the per-coordinate noise std of the mixture (the convention of
    VEEGAN and PacGAN for high-quality samples). The distance of a true sample
    to its centre is Rayleigh distributed, so a fraction
    `1 - exp(-num_std**2 / 2)` of true samples is near (98.9% for 3 std).
    A mode counts as covered when at least one sample is near it.

    Args:
        samples: array-like [n, 2], e.g. generator output.
        name: a key of `TOY_MODES` (`8gaussians` or `25gaussians`).
        num_std: radius of "near", in noise standard deviations.

    Returns:
        `(modes_covered, fraction_within)`: the number of covered modes and the
        fraction of samples near some mode.

    Raises:
        ValueError: `name` has no modes, or `samples` is not [n, 2].

    Example:
        >>> samples = TOY_DATASETS["8gaussians"](10000, np.random.default_rng(0))
        >>> covered, fraction = count_modes(samples, "8gaussians")
        >>> covered, round(fraction, 2)
        (8, 0.99)
    """
    if name not in TOY_MODES:
        raise ValueError(f"{name!r} has no modes to count: expected one of {', '.join(TOY_MODES)}")
    centres, std = TOY_MODES[name]
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must have shape [n, 2], got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    near = distances.min(axis=1) <= num_std * std
    modes_covered = len(np.unique(nearest[near]))
    fraction_within = float(near.mean()) if len(samples) else 0.0
    return modes_covered, fraction_within


def toy_dataset(name: str, seed: int | None = None) -> tf.data.Dataset:
    """An infinite dataset of fresh samples of a 2-D toy distribution.

    Samples come from stateless TF random ops, 1024 per map call then unbatched,
    so the stream is reproducible for a given `seed` and never repeats a
    sample. The distribution is exactly that of the numpy sampler
    `TOY_DATASETS[name]` (the two share one transform).

    Args:
        name: a key of `TOY_DATASETS`.
        seed: integer seed; None draws a random one now (each iteration over the
            returned dataset then replays the same stream).

    Returns:
        An infinite, unbatched `tf.data.Dataset` of float32 [2] points.

    Raises:
        ValueError: `name` is not a toy dataset.

    Example:
        >>> points = next(iter(toy_dataset("8gaussians", seed=0).batch(256)))
        >>> tuple(points.shape)
        (256, 2)
    """
    import tensorflow as tf  # Here, not at the top: the registry imports this module.
    import tensorflow.experimental.numpy as tnp

    transform = _toy_sampler(name).transform
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
    base_seed = tf.constant(seed, tf.int64)

    def chunk(index):
        seeds = tf.random.experimental.stateless_split(tf.stack([base_seed, index]), num=2)
        u = tf.random.stateless_uniform([_TOY_CHUNK], seed=seeds[0])
        z = tf.random.stateless_normal([_TOY_CHUNK, 2], seed=seeds[1])
        return tf.cast(transform(u, z, tnp), tf.float32)

    return tf.data.Dataset.counter().map(chunk, num_parallel_calls=tf.data.AUTOTUNE).unbatch()


class ToySource(DataSource):
    """The 2-D toy distributions, named by their key in `TOY_DATASETS`: endless fresh samples."""

    name = "toy"
    priority = 10
    description = f"a built-in 2-D distribution ({', '.join(TOY_DATASETS)})"

    @classmethod
    def recognises(cls, dataset: str) -> bool:
        return dataset in TOY_DATASETS

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        return tuple(TOY_DATASETS)

    def read(
        self, *, labels: bool = False, seed: int | None = None, image_size=None, **unused
    ) -> tuple[tf.data.Dataset, DataInfo]:
        if image_size is not None:
            raise ValueError(f"image_size does not apply to the 2-D toy dataset {self.dataset!r}")
        if labels:
            raise NoLabelsError(self.dataset)
        sampler = TOY_DATASETS[self.dataset]
        info = DataInfo(
            self.dataset, "points", (2,), (-sampler.bound, sampler.bound), None, sampler
        )
        return toy_dataset(self.dataset, seed), info
