"""The sliced Wasserstein distance (SWD) of images on Laplacian-pyramid patches.

The patch-based SWD of Karras et al., "Progressive Growing of GANs for
Improved Quality, Stability, and Variation", ICLR 2018: Laplacian pyramid,
7x7 neighbourhoods, random projections; reported x1e3 per pyramid level and
averaged over the levels. The finest level measures fine detail (edges,
blur), the coarsest (the low-pass residual) large-scale structure and colour.

Metric: `swd` (the mean over levels) with `swd_<h>px` per level.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from keras_wgan.evaluation.metrics import base

__all__ = [
    "SlicedWasserstein",
    "SlicedWassersteinResult",
    "pyr_down",
    "pyr_up",
    "sliced_wasserstein",
    "swd_min_resolution",
]

# ProGAN's 5x5 Gaussian [1, 4, 6, 4, 1] / 16 (applied separably), as cv2.pyrDown.
_PYRAMID_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0], dtype=np.float32) / 16.0


class SlicedWassersteinResult(NamedTuple):
    """SWD x 1e3 per pyramid level and averaged over levels.

    Attributes:
        levels: Dict from each level's image height (finest first, e.g. {32: ..., 16: ...})
            to the SWD x 1e3 of that level.
        mean: Mean of the per-level values (ProGAN's `SWDx1e3_avg`).
    """

    levels: dict
    mean: float


def _blur(images: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Separable 5-tap filter over the H and W axes of NHWC images, mirror borders."""
    pad = len(taps) // 2
    for axis in (1, 2):
        pad_width = [(0, 0)] * 4
        pad_width[axis] = (pad, pad)
        padded = np.pad(images, pad_width, mode="reflect")  # == scipy.ndimage "mirror"
        size = images.shape[axis]
        window = [slice(None)] * 4
        shifted = []
        for i in range(len(taps)):
            window[axis] = slice(i, i + size)
            shifted.append(taps[i] * padded[tuple(window)])
        images = sum(shifted)
    return images


def pyr_down(images: np.ndarray) -> np.ndarray:
    """Blurs and keeps every other row and column (cv2.pyrDown); odd sides round up."""
    return _blur(images, _PYRAMID_TAPS)[:, ::2, ::2]


def pyr_up(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Zero-upsamples by 2, blurs with 4x the kernel (cv2.pyrUp), crops to height x width."""
    n, h, w, c = images.shape
    upsampled = np.zeros((n, 2 * h, 2 * w, c), dtype=images.dtype)
    upsampled[:, ::2, ::2] = images
    return _blur(upsampled, 2.0 * _PYRAMID_TAPS)[:, :height, :width]


def _laplacian_pyramid(images: np.ndarray, num_levels: int) -> list[np.ndarray]:
    """Band-pass levels, finest first; the last level is the low-pass residual."""
    pyramid = [images]
    for _ in range(1, num_levels):
        finer = pyramid[-1]
        coarser = pyr_down(finer)
        pyramid[-1] = finer - pyr_up(coarser, finer.shape[1], finer.shape[2])
        pyramid.append(coarser)
    return pyramid


def _pyramid_shapes(height: int, width: int, min_resolution: int) -> list[tuple[int, int]]:
    """Level sizes: halve (rounding up) while the shorter side is >= min_resolution."""
    shapes = []
    while min(height, width) >= min_resolution:
        shapes.append((height, width))
        height, width = math.ceil(height / 2), math.ceil(width / 2)
    return shapes


def _patch_descriptors(
    level: np.ndarray, rows: np.ndarray, cols: np.ndarray, patch_size: int
) -> np.ndarray:
    """Normalised patch descriptors [n * k, patch_size^2 * c] centred at (rows, cols) [n, k].

    Each channel is normalised to zero mean and unit variance over all the set's
    patches (ProGAN's finalize_descriptors); a constant channel is only centred.
    """
    offsets = np.arange(patch_size) - patch_size // 2
    image_index = np.arange(level.shape[0])[:, None, None, None]
    patches = level[
        image_index,
        rows[:, :, None, None] + offsets[None, None, :, None],
        cols[:, :, None, None] + offsets[None, None, None, :],
    ]  # [n, k, patch, patch, c]
    patches = patches.reshape(-1, patch_size, patch_size, level.shape[-1])
    patches = patches - patches.mean(axis=(0, 1, 2), keepdims=True)
    std = patches.std(axis=(0, 1, 2), keepdims=True)
    patches = patches / np.where(std > 0, std, 1.0)
    return patches.reshape(patches.shape[0], -1)


def _sorted_w1_1d(sorted_a: np.ndarray, sorted_b: np.ndarray) -> np.ndarray:
    """W1 between the 1-D empirical distributions in each row of two row-sorted arrays.

    Rows of `sorted_a` [p, n] and `sorted_b` [p, m] are compared through their
    quantile functions, which are constant between the breakpoints i/n and j/m;
    for n == m this is `mean(|sorted_a - sorted_b|)`.
    """
    n, m = sorted_a.shape[1], sorted_b.shape[1]
    if n == m:  # Same quantile breakpoints: skip the (slower) general gather.
        return np.abs(sorted_a - sorted_b).mean(axis=1)
    breakpoints = np.union1d(np.arange(1, n + 1) / n, np.arange(1, m + 1) / m)
    widths = np.diff(breakpoints, prepend=0.0)
    midpoints = breakpoints - widths / 2
    index_a = np.minimum((midpoints * n).astype(np.int64), n - 1)
    index_b = np.minimum((midpoints * m).astype(np.int64), m - 1)
    return np.abs(sorted_a[:, index_a] - sorted_b[:, index_b]) @ widths


def _sliced_w1(
    desc_x: np.ndarray, desc_y: np.ndarray, num_projections: int, rng, chunk: int = 128
) -> float:
    """Mean over random unit directions of the 1-D W1 between projected descriptors."""
    directions = rng.standard_normal((num_projections, desc_x.shape[1])).astype(np.float32)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    total = 0.0
    for start in range(0, num_projections, chunk):  # Bounds memory at chunk x n floats.
        block = directions[start : start + chunk]
        proj_x = np.sort(block @ desc_x.T, axis=1)
        proj_y = np.sort(block @ desc_y.T, axis=1)
        total += float(_sorted_w1_1d(proj_x, proj_y).sum())
    return total / num_projections


def sliced_wasserstein(
    x,
    y,
    *,
    num_descriptors: int = 128,
    patch_size: int = 7,
    num_projections: int = 512,
    min_resolution: int = 16,
    seed: int = 0,
) -> SlicedWassersteinResult:
    """ProGAN's sliced Wasserstein distance between two sets of images, per pyramid level.

    Follows Karras et al. (ICLR 2018, progressive_growing_of_gans/metrics/
    sliced_wasserstein.py): both sets are decomposed into Laplacian pyramids with
    the 5x5 Gaussian [1, 4, 6, 4, 1]/16; at each level, `num_descriptors` random
    `patch_size` x `patch_size` neighbourhoods are cut from every image; each set's
    descriptors are normalised per channel (zero mean, unit std over that set); and
    the sliced W1 between the two descriptor sets is averaged over
    `num_projections` random unit directions (ProGAN: 4 repeats x 128). Values are
    multiplied by 1e3, as ProGAN reports them. The finest level measures fine
    detail (edges, blur); the coarsest (the low-pass residual) measures large-scale
    structure and colour.

    Levels: the image size, then repeated halving (rounding up) while the shorter
    side is >= `min_resolution`: ProGAN's rule, extended to sizes that are not
    powers of two instead of padding. So 32x32 gives levels {32, 16} and 28x28
    MNIST gives a single level {28} (the images themselves); pass
    `min_resolution=14` for {28 band-pass, 14 low-pass} on MNIST.

    Differences from ProGAN, both deliberate: the patch positions and directions
    come from `seed` and are shared by the two sets (common random numbers), so
    `sliced_wasserstein(x, x)` is exactly 0 and two models scored with the same
    seed see the same noise; and the sets may differ in size (the 1-D W1 is taken
    between quantile functions). Because each set is normalised separately, the SWD
    is blind to a per-channel affine change of the pixel values (e.g. a brightness
    offset that does not clip).

    Args:
        x: Images [n, h, w, c] (or [n, h, w]), uint8 in [0, 255] or float in [-1, 1].
        y: Images of the same h, w and c; the number of images may differ.
        num_descriptors: Neighbourhoods cut from each image at each level.
        patch_size: Side of the square neighbourhoods; odd.
        num_projections: Random directions of the sliced W1.
        min_resolution: Smallest shorter side a pyramid level may have; at least
            `patch_size`.
        seed: Seed of the patch positions and projection directions.

    Returns:
        `SlicedWassersteinResult(levels={height: swd_x1e3, ...}, mean=...)`.

    Example:

        ```python
        result = sliced_wasserstein(real_images, generated_images)
        result.levels  # e.g. {32: 12.3, 16: 8.1}
        result.mean
        ```
    """
    x = base.images_to_float(x, "x")
    y = base.images_to_float(y, "y")
    if x.shape[1:] != y.shape[1:]:
        raise ValueError(
            "`x` and `y` must hold images of the same [h, w, c]; "
            f"received {x.shape[1:]} and {y.shape[1:]}."
        )
    if patch_size < 1 or patch_size % 2 == 0:
        raise ValueError(f"`patch_size` must be a positive odd integer; received {patch_size!r}.")
    if min_resolution < patch_size:
        raise ValueError(
            f"`min_resolution` must be >= `patch_size` ({patch_size}) so patches fit in every "
            f"level; received {min_resolution!r}."
        )
    for name, value in (("num_descriptors", num_descriptors), ("num_projections", num_projections)):
        if value < 1:
            raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
    shapes = _pyramid_shapes(x.shape[1], x.shape[2], min_resolution)
    if not shapes:
        raise ValueError(
            f"Images of size {x.shape[1]}x{x.shape[2]} are smaller than `min_resolution`="
            f"{min_resolution}; pass a smaller `min_resolution` (>= `patch_size`={patch_size})."
        )

    rng = np.random.default_rng(seed)
    max_images = max(x.shape[0], y.shape[0])
    radius = patch_size // 2
    levels = {}
    for (height, width), level_x, level_y in zip(
        shapes,
        _laplacian_pyramid(x, len(shapes)),
        _laplacian_pyramid(y, len(shapes)),
        strict=True,
    ):
        rows = rng.integers(radius, height - radius, size=(max_images, num_descriptors))
        cols = rng.integers(radius, width - radius, size=(max_images, num_descriptors))
        desc_x = _patch_descriptors(level_x, rows[: x.shape[0]], cols[: x.shape[0]], patch_size)
        desc_y = _patch_descriptors(level_y, rows[: y.shape[0]], cols[: y.shape[0]], patch_size)
        levels[height] = 1e3 * _sliced_w1(desc_x, desc_y, num_projections, rng)
    return SlicedWassersteinResult(levels=levels, mean=float(np.mean(list(levels.values()))))


def swd_min_resolution(height, width, patch_size=7):
    """The coarsest SWD pyramid level for an image size: half the shorter side, at most 16.

    ProGAN stops its Laplacian pyramid at 16 px. For 28x28 MNIST that leaves a
    single level (28: the images themselves, no band-pass split); half the
    shorter side gives two, {28 band-pass, 14 low-pass}, so fine detail and
    coarse structure are measured apart. 32 -> {32, 16}, 64 -> {64, 32, 16}.
    Never below `patch_size`, so that a patch fits in every level.

    Args:
        height: image height.
        width: image width.
        patch_size: the SWD's patch side.

    Returns:
        The `min_resolution` to pass to `sliced_wasserstein`.
    """
    return max(patch_size, min(16, min(height, width) // 2))


@base.register
class SlicedWasserstein(base.Metric):
    """`swd` and `swd_<h>px` of images, on the first `swd_samples` of each set.

    Its options are the Reference's `swd_options` (keyword arguments of
    `sliced_wasserstein`); `min_resolution` defaults to `swd_min_resolution`
    of the image size and `seed` to the Reference's seed. The floor is that
    of the mean over the levels.
    """

    name = "swd"
    needs = base.PIXELS

    def options(self, reference):
        """The keyword arguments of `sliced_wasserstein` for this Reference."""
        height, width = reference.real.shape[1:3]
        return {
            "min_resolution": swd_min_resolution(height, width),
            "seed": reference.seed,
            **reference.swd_options,
        }

    def cache_options(self, reference):
        return {
            "options": dict(sorted(self.options(reference).items())),
            "samples": reference.swd_samples,
        }

    def compute(self, fake, real, reference, labels=None):
        s = reference.swd_samples
        result = sliced_wasserstein(fake[:s], real[:s], **self.options(reference))
        return {
            self.name: result.mean,
            **{f"swd_{height}px": level for height, level in result.levels.items()},
        }

    def describe(self, reference):
        s = reference.swd_samples
        return {
            self.name: f"sliced Wasserstein distance x1e3 (ProGAN), mean over pyramid levels "
            f"down to {self.options(reference)['min_resolution']} px; "
            f"{s} vs {s} images"
        }

    def report(self, entry, values, reference, counts):
        s = base.compared(min(reference.num_samples, reference.swd_samples), counts)
        levels = {
            key[len("swd_") : -len("px")]: value
            for key, value in values.items()
            if key.startswith("swd_") and key.endswith("px")
        }
        return {
            **entry,
            "num_generated": s,
            "num_real": s,
            "levels": levels,
            "min_resolution": self.options(reference)["min_resolution"],
        }
