"""The truncation trick of BigGAN: latent entries beyond a threshold redrawn within it.

Brock et al. (ICLR 2019, section 3.1) sample the latent vector from a
truncated normal: each entry of z ~ N(0, I) whose absolute value exceeds a
threshold t is redrawn until it falls within [-t, t]. A smaller t trades
diversity for quality (samples nearer the mode of the generator's
distribution); `benchmarks/truncation.py` measures the trade-off.

Redrawing an entry until it is within the threshold gives it the normal
distribution conditioned on |z| <= t. `truncate` draws from that conditional
distribution directly, by inverting its distribution function: each entry
beyond the threshold becomes sqrt(2) * erfinv((2u - 1) * erf(t / sqrt(2)))
for a uniform u. The result has the distribution of the redraw loop, costs
one draw whatever the threshold (a loop of redraws takes 1 / P(|z| <= t)
rounds on average: 125 at t = 0.01) and runs unchanged in a graph; entries
already within the threshold keep their values, so a seed gives the same
vector with and without truncation wherever the entries are small.

Every sampler of the package takes the same `truncation` argument:
`WassersteinGAN.generate(..., truncation=)`, the sample pictures
(`--sample_truncation`), the evaluate command (`--truncation`) and the
export's `generate_truncated` signature. `None` or 0 turns it off; anything
else must be a finite number > 0. This module imports Keras only when a
latent is truncated, so that the option declarations stay light.

Example:
>>> import numpy as np
>>> from keras_wgan import truncation
>>> rng = np.random.default_rng(0)
>>> z = truncation.truncate_numpy(rng.standard_normal((1000, 8)), 1.0, rng)
>>> bool(np.abs(z).max() <= 1.0)
True
>>> truncation.check("truncation", 0) is None
True
"""

from __future__ import annotations

import math

import numpy as np

from keras_wgan import validation

__all__ = ["check", "truncate", "truncate_numpy"]


def check(name: str, value) -> float | None:
    """A truncation threshold: None or 0 (off, returned as None), or a finite number > 0.

    Args:
        name: the argument's name, for the error.
        value: the threshold.

    Returns:
        The threshold as a float, or None for off.

    Raises:
        ValueError: `value` is a bool, negative, not finite or not a number.
    """
    if value is None or (not isinstance(value, bool) and value == 0):
        return None
    return float(validation.number(name, value, 0.0, strict=True, hint="None or 0: no truncation"))


def truncate(latent, threshold, uniform):
    """`latent` with every entry beyond `threshold` redrawn from N(0, 1) restricted to it.

    A function of its inputs only (no random state), in `keras.ops`: the
    caller draws `uniform` from its own seeded stream, so a seeded sampler
    stays reproducible, in eager code and in a graph alike.

    Args:
        latent: latent vectors, a float tensor or array (draws of N(0, 1)).
        threshold: the threshold t > 0 (a float, or a scalar tensor in a graph).
        uniform: uniform draws in [0, 1), of the shape of `latent`, independent
            of it; the entries beyond the threshold are made from them.

    Returns:
        A tensor of `latent`'s shape and dtype, every entry in [-t, t]:
        the entries of `latent` within the threshold unchanged, the others
        sqrt(2) * erfinv((2u - 1) * erf(t / sqrt(2))), the inverse of the
        truncated normal's distribution function at u (computed in float64).
    """
    from keras import ops

    latent = ops.convert_to_tensor(latent)
    z = ops.cast(latent, "float64")
    t = ops.cast(threshold, "float64")
    u = ops.cast(uniform, "float64")
    mass = ops.erf(t / math.sqrt(2.0))  # P(|z| <= t)
    redrawn = ops.clip(math.sqrt(2.0) * ops.erfinv((2.0 * u - 1.0) * mass), -t, t)
    return ops.cast(ops.where(ops.abs(z) > t, redrawn, z), latent.dtype)


def truncate_numpy(latent, threshold, rng: np.random.Generator) -> np.ndarray:
    """`truncate` for numpy latent vectors, its uniform draws from `rng`.

    Args:
        latent: latent vectors, a numpy array.
        threshold: the threshold (checked by `check`; None or 0: `latent` returned as is).
        rng: the generator of the uniform draws; give one independent of the
            one that drew `latent` (e.g. another stream of the same seed).

    Returns:
        A numpy array of `latent`'s shape and dtype.
    """
    threshold = check("truncation", threshold)
    latent = np.asarray(latent)
    if threshold is None:
        return latent
    from keras import ops

    uniform = rng.random(latent.shape)
    return ops.convert_to_numpy(truncate(latent, threshold, uniform))
