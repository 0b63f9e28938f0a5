"""Sample-quality metrics for Wasserstein GANs, as plain functions of numpy arrays.

A WGAN's critic estimates the Wasserstein-1 distance between the data and the
generator (Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017). That
estimate is only as good as the critic, so this module also measures the
distance that the critic is trying to estimate, plus the image metrics used in
the literature:

* `wasserstein1` -- the exact W1 distance between two finite sample sets,
  solved as an optimal-transport linear programme with POT (Flamary et al.,
  "POT: Python Optimal Transport", JMLR 2021). Two sample sets of the *same*
  distribution are not at distance 0, so `wasserstein1_floor` measures that
  noise floor; report `wasserstein1(generated, real) / floor`.
* `sliced_wasserstein` -- the patch-based sliced Wasserstein distance (SWD)
  of Karras et al., "Progressive Growing of GANs for Improved Quality,
  Stability, and Variation", ICLR 2018 (Laplacian pyramid, 7x7 neighbourhoods,
  random projections; reported x1e3 per pyramid level).
* `frechet_distance` -- the Frechet distance between Gaussians fitted to two
  feature sets: FID when the features come from InceptionV3 (Heusel et al.,
  "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
  Equilibrium", NeurIPS 2017).
* `kernel_distance` -- the kernel inception distance (KID), an unbiased
  polynomial-kernel MMD^2 (Binkowski et al., "Demystifying MMD GANs", ICLR 2018).
* `class_entropy` -- how evenly a classifier spreads generated samples over
  the classes (the entropy of its predicted labels; ln K for K equally
  frequent classes): a mode collapse onto a few classes lowers it.

The feature networks for FID and KID are in `keras_wgan.evaluation.feature_networks`.
Only numpy and POT are used here; no TensorFlow graph is built.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, NamedTuple

import numpy as np
import ot

__all__ = [
    "wasserstein1",
    "wasserstein1_floor",
    "sliced_wasserstein",
    "SlicedWassersteinResult",
    "frechet_distance",
    "kernel_distance",
    "KernelDistanceResult",
    "class_entropy",
]

# Network-simplex iteration budget. POT's default (1e5) stops short of the optimum
# for 2000 x 2000 problems; 1e7 converges there in about a second.
_EMD_NUM_ITER_MAX = 10_000_000

# ProGAN's 5x5 Gaussian [1, 4, 6, 4, 1] / 16 (applied separably), as cv2.pyrDown.
_PYRAMID_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0], dtype=np.float32) / 16.0


# ---------------------------------------------------------------------------
# Input validation and conversion.


def _as_sample_matrix(samples, name: str) -> np.ndarray:
    """Returns `samples` as a float64 [n, d] matrix, flattening non-batch axes."""
    array = np.asarray(samples)
    if array.ndim == 0:
        raise ValueError(
            f"`{name}` must be an array of samples with a leading batch axis; "
            f"received a scalar ({array!r})."
        )
    if array.ndim == 1:
        raise ValueError(
            f"`{name}` must have a leading batch axis and at least one feature axis, "
            f"e.g. shape [n, d] or [n, h, w, c]; received shape {array.shape}. "
            f"For 1-D samples pass `{name}[:, None]`."
        )
    if array.shape[0] == 0 or array[0].size == 0:
        raise ValueError(
            f"`{name}` must hold at least one sample with at least one feature; "
            f"received shape {array.shape}."
        )
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"`{name}` must be numeric; received dtype {array.dtype}.")
    return array.reshape(array.shape[0], -1).astype(np.float64)


def _check_same_dim(x: np.ndarray, y: np.ndarray, x_name: str, y_name: str) -> None:
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"`{x_name}` and `{y_name}` must have the same number of features per "
            f"sample; received {x.shape[1]} and {y.shape[1]} (after flattening all "
            "but the batch axis)."
        )


def _images_to_float(images, name: str) -> np.ndarray:
    """Returns images as float32 NHWC in [-1, 1].

    uint8 images are mapped from [0, 255] to [-1, 1]; float images are assumed to
    be in [-1, 1] already (the generator's output range) and kept as they are.
    A 3-D [n, h, w] array is read as single-channel images.
    """
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or array.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be a non-empty batch of images, shape [n, h, w, c] "
            f"(or [n, h, w] for grey images); received shape {array.shape}."
        )
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 127.5 - 1.0
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"`{name}` must be uint8 in [0, 255] or float in [-1, 1]; "
            f"received dtype {array.dtype}."
        )
    return array.astype(np.float32)


def _subsample(samples: np.ndarray, max_samples: int | None, rng) -> np.ndarray:
    if max_samples is None or samples.shape[0] <= max_samples:
        return samples
    return samples[rng.choice(samples.shape[0], size=max_samples, replace=False)]


# ---------------------------------------------------------------------------
# Exact Wasserstein-1.


def wasserstein1(x, y, max_samples: int | None = None, *, seed: int = 0) -> float:
    """Exact Wasserstein-1 distance between two sets of samples.

    Solves the optimal-transport problem between the uniform distributions on the
    rows of `x` and of `y` with Euclidean ground cost (not squared Euclidean), using
    POT's network simplex (`ot.emd2`). This is the quantity a WGAN critic
    estimates, so it is the number to report beside the critic's estimate. Cost and
    memory grow as n*m (a 2000 x 2000 problem takes about a second); use
    `max_samples` to cap them. A finite sample of a distribution is not at distance
    0 from another sample of it: compare with `wasserstein1_floor`.

    Args:
        x: Array [n, ...] of n samples; all axes after the first are flattened.
        y: Array [m, ...] of m samples with the same number of features as `x`;
            m may differ from n.
        max_samples: If set, each set larger than this is replaced by a random
            subset of `max_samples` samples (drawn without replacement).
        seed: Seed of the subsampling; unused when no set is subsampled.

    Returns:
        The W1 distance as a Python float.

    Raises:
        ValueError: If an input is not a non-empty numeric array with a batch axis
            and at least one feature axis, or the feature sizes differ.
        RuntimeError: If the network simplex stops before reaching the optimum.

    Example:
        >>> wasserstein1(np.array([[0.0]]), np.array([[1.0], [3.0]]))
        2.0
    """
    x = _as_sample_matrix(x, "x")
    y = _as_sample_matrix(y, "y")
    _check_same_dim(x, y, "x", "y")
    if max_samples is not None and max_samples < 1:
        raise ValueError(
            f"`max_samples` must be a positive integer or None; received {max_samples!r}."
        )
    rng = np.random.default_rng(seed)
    x = _subsample(x, max_samples, rng)
    y = _subsample(y, max_samples, rng)
    # The "scipy" backend computes distances from coordinate differences
    # (scipy.spatial.distance.cdist); the default numpy path uses |x|^2 + |y|^2 - 2 x.y,
    # which loses about 1e-7 absolute to cancellation on nearby points.
    cost = ot.dist(x, y, metric="euclidean", backend="scipy")
    weights_x = np.full(x.shape[0], 1.0 / x.shape[0])
    weights_y = np.full(y.shape[0], 1.0 / y.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Reported through the log instead.
        distance, log = ot.emd2(weights_x, weights_y, cost, numItermax=_EMD_NUM_ITER_MAX, log=True)
    if log.get("warning"):
        raise RuntimeError(
            f"Exact W1 between {x.shape[0]} and {y.shape[0]} samples did not converge "
            f"({log['warning']}); pass a smaller `max_samples`."
        )
    return float(distance)


def wasserstein1_floor(
    sampler: Callable[[int, np.random.Generator], np.ndarray], n: int, seed: int = 0
) -> float:
    """W1 between two independent n-sample sets of the same distribution.

    Any generator is compared with this noise floor: even a perfect generator's n
    samples are at this distance (in expectation) from n real samples, and it
    shrinks only slowly with n in high dimension. Report the ratio
    `wasserstein1(generated, real) / wasserstein1_floor(sampler, n)` with the same
    n: a ratio near 1 means the generator cannot be told apart from the data at
    this sample size.

    Args:
        sampler: Function `sampler(n, rng) -> array [n, ...]` drawing n samples of
            the reference distribution with the numpy Generator `rng`.
        n: Number of samples in each of the two sets.
        seed: Seed of the Generator passed to `sampler` (both sets come from it).

    Returns:
        The W1 distance between the two sets, as a Python float.

    Example:
        >>> sampler = lambda n, rng: rng.normal(size=(n, 2))
        >>> floor = wasserstein1_floor(sampler, 500)
        >>> real = sampler(500, np.random.default_rng(1))
        >>> generated = np.random.default_rng(2).normal(0.3, 1.0, size=(500, 2))
        >>> ratio = wasserstein1(generated, real) / floor  # > 1: distinguishable.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`n` must be a positive integer; received {n!r}.")
    rng = np.random.default_rng(seed)
    return wasserstein1(sampler(int(n), rng), sampler(int(n), rng))


# ---------------------------------------------------------------------------
# Sliced Wasserstein distance on Laplacian-pyramid patches (ProGAN).


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


def _pyr_down(images: np.ndarray) -> np.ndarray:
    """Blurs and keeps every other row and column (cv2.pyrDown); odd sides round up."""
    return _blur(images, _PYRAMID_TAPS)[:, ::2, ::2]


def _pyr_up(images: np.ndarray, height: int, width: int) -> np.ndarray:
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
        coarser = _pyr_down(finer)
        pyramid[-1] = finer - _pyr_up(coarser, finer.shape[1], finer.shape[2])
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
    side is >= `min_resolution` -- ProGAN's rule, extended to sizes that are not
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
    x = _images_to_float(x, "x")
    y = _images_to_float(y, "y")
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
        shapes, _laplacian_pyramid(x, len(shapes)), _laplacian_pyramid(y, len(shapes))
    ):
        rows = rng.integers(radius, height - radius, size=(max_images, num_descriptors))
        cols = rng.integers(radius, width - radius, size=(max_images, num_descriptors))
        desc_x = _patch_descriptors(level_x, rows[: x.shape[0]], cols[: x.shape[0]], patch_size)
        desc_y = _patch_descriptors(level_y, rows[: y.shape[0]], cols[: y.shape[0]], patch_size)
        levels[height] = 1e3 * _sliced_w1(desc_x, desc_y, num_projections, rng)
    return SlicedWassersteinResult(levels=levels, mean=float(np.mean(list(levels.values()))))


# ---------------------------------------------------------------------------
# Feature-space distances (FID, KID).


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0)."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def frechet_distance(features_a, features_b) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (FID on Inception features).

    Computes `|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))` from the sample
    means and covariances. The trace of the matrix square root is taken as the sum
    of the square roots of the eigenvalues of the symmetric PSD matrix
    `S_a^(1/2) S_b S_a^(1/2)` (which has the eigenvalues of `S_a S_b`), so no
    complex residue or non-symmetric `sqrtm` is involved. The estimate is biased
    upwards for finite samples (more so for high-dimensional features): compare
    values computed with the same feature network and sample sizes only.

    Args:
        features_a: Array [n, d] of features (n >= 2); extra axes are flattened.
        features_b: Array [m, d] of features of the other set (m >= 2).

    Returns:
        The Frechet distance as a Python float (tiny negative round-off clipped to 0).

    Example:

        ```python
        real = classifier_features(model, real_images)
        fake = classifier_features(model, generated_images)
        frechet_distance(real, fake)
        ```
    """
    a = _as_sample_matrix(features_a, "features_a")
    b = _as_sample_matrix(features_b, "features_b")
    _check_same_dim(a, b, "features_a", "features_b")
    for name, features in (("features_a", a), ("features_b", b)):
        if features.shape[0] < 2:
            raise ValueError(
                f"`{name}` needs at least 2 samples for a covariance; "
                f"received {features.shape[0]}."
            )
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    sqrt_a = _sqrtm_psd(cov_a)
    product = sqrt_a @ cov_b @ sqrt_a
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    mean_term = np.sum((a.mean(axis=0) - b.mean(axis=0)) ** 2)
    return float(max(mean_term + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt, 0.0))


class KernelDistanceResult(NamedTuple):
    """KID: mean and standard deviation over subsets of the unbiased MMD^2 estimate."""

    mean: float
    std: float


def _cubic_kernel(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """k(u, v) = (u.v / d + 1)^3 for all row pairs (cubed by multiplication: faster than **)."""
    k = u @ v.T / u.shape[1] + 1.0
    return k * k * k


def kernel_distance(
    features_a, features_b, *, num_subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> KernelDistanceResult:
    """Kernel distance (KID): unbiased MMD^2 with the cubic polynomial kernel.

    Uses `k(u, v) = (u.v / d + 1)^3` as Binkowski et al. (ICLR 2018). For each of
    `num_subsets` rounds, `subset_size` samples are drawn without replacement from
    each set and the unbiased MMD^2 estimate is computed; the mean and standard
    deviation over rounds are returned. Unlike FID the estimate is unbiased, so it
    is ~0 (and can be slightly negative) for two samples of one distribution.

    Args:
        features_a: Array [n, d] of features; extra axes are flattened.
        features_b: Array [m, d] of features of the other set.
        num_subsets: Number of random subsets averaged.
        subset_size: Samples per subset from each set; capped at min(n, m), >= 2.
        seed: Seed of the subset draws.

    Returns:
        `KernelDistanceResult(mean, std)` of the MMD^2 estimates over subsets.

    Example:

        ```python
        kid = kernel_distance(real_features, fake_features, num_subsets=50)
        print(f"KID = {kid.mean:.4f} +- {kid.std:.4f}")
        ```
    """
    a = _as_sample_matrix(features_a, "features_a")
    b = _as_sample_matrix(features_b, "features_b")
    _check_same_dim(a, b, "features_a", "features_b")
    size = min(subset_size, a.shape[0], b.shape[0])
    if size < 2:
        raise ValueError(
            f"`kernel_distance` needs subsets of at least 2 samples; got subset_size={subset_size} "
            f"with {a.shape[0]} and {b.shape[0]} samples."
        )
    if num_subsets < 1:
        raise ValueError(f"`num_subsets` must be a positive integer; received {num_subsets!r}.")
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(num_subsets):
        sa = a[rng.choice(a.shape[0], size, replace=False)]
        sb = b[rng.choice(b.shape[0], size, replace=False)]
        k_aa, k_bb, k_ab = _cubic_kernel(sa, sa), _cubic_kernel(sb, sb), _cubic_kernel(sa, sb)
        within = (k_aa.sum() - np.trace(k_aa) + k_bb.sum() - np.trace(k_bb)) / (size * (size - 1))
        estimates.append(within - 2.0 * k_ab.mean())
    return KernelDistanceResult(mean=float(np.mean(estimates)), std=float(np.std(estimates)))


# ---------------------------------------------------------------------------
# Class coverage.


def class_entropy(scores) -> float:
    """The entropy (nats) of the classes a classifier assigns to a set of samples.

    Each sample is assigned its highest-scoring class; the result is the
    entropy of the share of samples in each class: ln K when the K classes
    are equally frequent, 0 when every sample falls in one class. On data
    with balanced classes (MNIST, Fashion-MNIST: ln 10 = 2.303), a generator
    that drops or favours classes scores lower.

    Args:
        scores: class scores (logits or probabilities) [n, K], n >= 1.

    Returns:
        The entropy as a Python float, in [0, ln K].
    """
    scores = np.asarray(scores)
    if scores.ndim != 2 or not len(scores) or scores.shape[1] < 1:
        raise ValueError(f"scores must be class scores [n >= 1, K >= 1]; received shape "
                         f"{scores.shape}")
    counts = np.bincount(np.argmax(scores, axis=1), minlength=scores.shape[1])
    share = counts[counts > 0] / counts.sum()
    return float(max(-(share * np.log(share)).sum(), 0.0))
