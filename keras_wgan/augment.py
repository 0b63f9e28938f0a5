"""Differentiable augmentation of the critic's inputs (DiffAugment).

Zhao et al. (2020), "Differentiable Augmentation for Data-Efficient GAN
Training", augment real AND generated images with the same random,
differentiable transformations before every critic call, in the critic's
update and in the generator's: the critic then cannot memorise a small
training set, and the generator still receives gradients through the
augmentation. The operations and their ranges are those of the official
`DiffAugment_tf.py`:

* "translation": each image is shifted by a random whole number of pixels,
  independently per axis, uniform in [-s, s] with s = int(size * 0.125 + 0.5)
  (an eighth of the size, rounded half up: 4 at 28 and 32 px, 8 at 64); the
  pixels shifted in are 0 (the middle of the [-1, 1] image range).
* "cutout": a square of half the image size (int(size * 0.5 + 0.5) per axis),
  centred at a random pixel (the square may be cut by the border), is set to 0.
* "color": brightness (+ U[-0.5, 0.5)), saturation (the deviation from the
  pixel's channel mean times U[0, 2)) and contrast (the deviation from the
  image's mean times U[0.5, 1.5)); for RGB images only.

Every draw is per sample and stateless: a function of a seed tensor
(`model.step_seed`, as for the model's latent noise), so that a training
step is reproducible and restored training continues the same sequence.

Adaptive augmentation (Karras et al., 2020, "Training Generative Adversarial
Networks with Limited Data", StyleGAN2-ADA): with a `probability` p, each
augmentation of the policy is applied to each sample with probability p, and
p is steered during training towards a target of the overfitting heuristic
r = E[sign(D(real))] (`overfitting_sign`, `adjusted_probability`): a critic
that scores too many training images as real is memorising them, and more
augmentation hides them from it; where it does not, less augmentation keeps
the critic's view of the data undistorted.

Example:
>>> import tensorflow as tf
>>> images = tf.zeros([8, 32, 32, 3])
>>> augmented = diff_augment(images, "color,translation,cutout", seed=tf.constant([1, 2]))
>>> augmented.shape
TensorShape([8, 32, 32, 3])
"""

import tensorflow as tf
from keras import ops

from keras_wgan import validation

__all__ = [
    "ADA_SPEED_IMAGES",
    "POLICIES",
    "adjusted_probability",
    "check_policy",
    "check_target",
    "cutout",
    "diff_augment",
    "overfitting_sign",
    "parse_policy",
    "random_brightness",
    "random_contrast",
    "random_cutout",
    "random_saturation",
    "random_translation",
    "translate",
]

#: The augmentations a policy string may name, comma-separated, applied in its order.
POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125  # Shifts up to int(size * 0.125 + 0.5) pixels.
CUTOUT_RATIO = 0.5  # Squares of int(size * 0.5 + 0.5) pixels.
#: Adaptive augmentation's speed: the probability can go from 0 to 1 in this many
#: real images seen by the critic (StyleGAN2-ADA's `ada_kimg=500`).
ADA_SPEED_IMAGES = 500_000
# What a probability's draws fold into the seed, apart from the policy's positions
# (0, 1, 2...): the augmentations' own draws stay those of a call without a probability.
_APPLY_STREAM = 1_000


def _rounded_part(size: int, ratio: float) -> int:
    """`int(size * ratio + 0.5)`: the official code's pixel count for a fraction of a side."""
    return int(size * ratio + 0.5)


def parse_policy(policy):
    """The augmentations of a policy, as a tuple of names.

    Args:
        policy: None or "" (no augmentation), a comma-separated string such
            as "translation,cutout", or a sequence of names of `POLICIES`.

    Returns:
        A tuple of names, in the policy's order (empty: no augmentation).

    Raises:
        ValueError: an unknown or repeated name.
    """
    if policy is None:
        return ()
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = tuple(str(name).strip() for name in names if str(name).strip())
    for name in names:
        if name not in POLICIES:
            raise ValueError(
                f"augment {policy!r} names an unknown augmentation {name!r}; "
                f"expected comma-separated names of {', '.join(POLICIES)}"
            )
    if len(set(names)) != len(names):
        raise ValueError(
            f"augment {policy!r} repeats an augmentation; expected each of "
            f"{', '.join(POLICIES)} at most once"
        )
    return names


def check_policy(policy, sample_shape):
    """A policy checked against the samples it will augment, as a string or None.

    Args:
        policy: as for `parse_policy`.
        sample_shape: the shape of one sample, e.g. (28, 28, 1).

    Returns:
        The canonical policy string ("translation,cutout"), None for none.

    Raises:
        ValueError: a bad policy, an augmentation of samples that are not
            images [H, W, C], or "color" for images without 3 channels.
    """
    names = parse_policy(policy)
    if not names:
        return None
    sample_shape = tuple(sample_shape)
    if len(sample_shape) != 3:
        raise ValueError(
            f"augment={policy!r} applies to images [H, W, C], received samples "
            f"of shape {sample_shape}; expected augment=None for them"
        )
    if "color" in names and sample_shape[-1] != 3:
        raise ValueError(
            f"augment={policy!r}: 'color' needs RGB images [H, W, 3], received "
            f"samples of shape {sample_shape}; expected 'translation' and/or "
            "'cutout' for them"
        )
    return ",".join(names)


def diff_augment(x, policy, seed, probability=None):
    """Applies a policy's augmentations to a batch of images, differentiably.

    Args:
        x: images [B, H, W, C], a float tensor.
        policy: as for `parse_policy`.
        seed: an int32 or int64 tensor of shape [2], the stateless seed of
            this call (each augmentation folds in its position).
        probability: None (every augmentation on every sample), or a scalar
            p in [0, 1] (a float or a tensor, e.g. the adaptive one): each
            augmentation is applied to each sample independently with
            probability p, the others keep that step's input. Its draws come
            from a stream of their own, so that with p = 1 the output is that
            of `probability=None` and p = 0 returns `x` unchanged.

    Returns:
        The augmented images, with the shape and dtype of `x`.
    """
    x = tf.convert_to_tensor(x)
    functions = {"color": _random_color, "translation": random_translation, "cutout": random_cutout}
    for index, name in enumerate(parse_policy(policy)):
        augmented = functions[name](x, _fold(seed, index))
        if probability is None:
            x = augmented
        else:
            x = _some_samples(augmented, x, probability, _fold(_fold(seed, _APPLY_STREAM), index))
    return x


def _some_samples(augmented, x, probability, seed):
    """`augmented` where a per-sample U[0, 1) draw is below `probability`, else `x`.

    A selection, not a blend: a sample is exactly one or the other, and the
    gradient reaches `x` through the sample it shows.
    """
    draw = tf.random.stateless_uniform([tf.shape(x)[0]], seed)
    chosen = draw < tf.cast(probability, tf.float32)
    return tf.where(chosen[:, None, None, None], augmented, x)


# --------------------------------------------------------- adaptive probability
def check_target(target, policy):
    """The adaptive augmentation's target of `overfitting_sign`, checked: a float, or None (off).

    Args:
        target: None (the probability is 1: plain DiffAugment), or the target
            r in (0, 1) (StyleGAN2-ADA's 0.6).
        policy: the model's `augment` policy, which the probability applies to.

    Returns:
        `target` as a float, or None.

    Raises:
        ValueError: a target outside (0, 1), or a target without a policy.
    """
    if target is None:
        return None
    validation.open_fraction("augment_target", target)
    if not parse_policy(policy):
        raise ValueError(
            f"augment_target={target!r} sets the probability of the augment policy, received "
            f"augment={policy!r}; expected a policy (e.g. augment='translation,cutout') or "
            "augment_target=None"
        )
    return float(target)


def overfitting_sign(real_scores, fake_scores):
    """StyleGAN2-ADA's overfitting heuristic r = E[sign(D(real))], for a WGAN critic.

    A non-saturating discriminator's 0 separates "real" from "fake"; a
    Wasserstein critic's scores have no such zero (adding a constant to it
    changes nothing in the game). The sign is therefore taken against the
    midpoint of the mean real and the mean fake score: r is the share of
    training images scored above it minus the share below, and does not change
    when the critic is shifted or positively scaled. About 0 when the critic
    cannot tell real from fake, towards 1 when it ranks every training image
    above that midpoint (it has memorised them).

    Args:
        real_scores: the critic's scores of (augmented) real samples, [B] or [B, 1].
        fake_scores: its scores of generated samples of the same update.

    Returns:
        r, a float32 scalar tensor in [-1, 1].
    """
    real = ops.reshape(ops.cast(real_scores, "float32"), [-1])
    fake = ops.reshape(ops.cast(fake_scores, "float32"), [-1])
    midpoint = (ops.mean(real) + ops.mean(fake)) / 2.0
    return ops.mean(ops.sign(real - midpoint))


def adjusted_probability(p, r, target, batch_size, steps=1, speed_images=ADA_SPEED_IMAGES):
    """The augmentation probability after `steps` training steps measured `r`.

    p + sign(r - target) * batch_size * steps / speed_images, clipped to
    [0, 1]: p rises while the critic overfits (r above the target) and falls
    while it does not, at a rate that takes it from 0 to 1 in `speed_images`
    real images (StyleGAN2-ADA), whatever the batch size.

    Args:
        p: the current probability, a scalar.
        r: `overfitting_sign` over those steps, a scalar.
        target: the target of r, in (0, 1).
        batch_size: the real samples the critic saw per step (all replicas).
        steps: the steps since the last adjustment.
        speed_images: the real images in which p may go from 0 to 1.

    Returns:
        The new p, a float32 scalar tensor in [0, 1].
    """
    step = ops.cast(batch_size, "float32") * ops.cast(steps, "float32") / float(speed_images)
    direction = ops.sign(ops.cast(r, "float32") - ops.cast(target, "float32"))
    return ops.clip(ops.cast(p, "float32") + direction * step, 0.0, 1.0)


# ------------------------------------------------------------ translation
def translate(x, rows, cols):
    """Shifts each image by whole pixels, filling with 0.

    Pixel (i, j) of image b of the result is pixel (i - rows[b], j - cols[b])
    of `x`, or 0 where that lies outside the image (zero padding, as in
    DiffAugment). Differentiable with respect to `x`.

    Args:
        x: images [B, H, W, C].
        rows: int32 [B], the downward shift of each image.
        cols: int32 [B], the rightward shift of each image.

    Returns:
        The shifted images, shaped like `x`.
    """
    x = tf.convert_to_tensor(x)
    height, width = ops.shape(x)[1], ops.shape(x)[2]
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    # Index 0 and size + 1 of the padded axes are zeros: clipping sends every
    # pixel from outside the image there.
    row_index = tf.clip_by_value(
        tf.range(height)[None, :] - tf.cast(rows, tf.int32)[:, None] + 1, 0, height + 1
    )
    col_index = tf.clip_by_value(
        tf.range(width)[None, :] - tf.cast(cols, tf.int32)[:, None] + 1, 0, width + 1
    )
    shifted = tf.gather(padded, row_index, axis=1, batch_dims=1)  # [B, H, W + 2, C]
    return tf.gather(shifted, col_index, axis=2, batch_dims=1)  # [B, H, W, C]


def random_translation(x, seed, ratio=TRANSLATION_RATIO):
    """Shifts each image by up to a `ratio` of its size per axis (DiffAugment's translation).

    Args:
        x: images [B, H, W, C].
        seed: the stateless seed, int tensor [2].
        ratio: the largest shift is `int(size * ratio + 0.5)` pixels, as in
            the official code (0.125: 4 pixels at 28 and 32 px, 8 at 64).

    Returns:
        The translated images, shaped like `x`, with 0 where pixels came in.
    """
    x = tf.convert_to_tensor(x)
    batch = tf.shape(x)[0]
    max_rows = _rounded_part(ops.shape(x)[1], ratio)
    max_cols = _rounded_part(ops.shape(x)[2], ratio)
    rows = tf.random.stateless_uniform(
        [batch], _fold(seed, 0), -max_rows, max_rows + 1, dtype=tf.int32
    )
    cols = tf.random.stateless_uniform(
        [batch], _fold(seed, 1), -max_cols, max_cols + 1, dtype=tf.int32
    )
    return translate(x, rows, cols)


# ------------------------------------------------------------------ cutout
def cutout(x, centre_rows, centre_cols, size):
    """Sets a rectangle of each image to 0.

    The rectangle of image b covers rows `centre_rows[b] - size[0] // 2` to
    `centre_rows[b] - size[0] // 2 + size[0] - 1`, and the columns alike,
    clipped to the image. Differentiable with respect to `x` (a mask product).

    Args:
        x: images [B, H, W, C].
        centre_rows: int32 [B].
        centre_cols: int32 [B].
        size: (height, width) of the rectangle, Python ints.

    Returns:
        The images with the rectangles zeroed, shaped like `x`.
    """
    x = tf.convert_to_tensor(x)
    height, width = ops.shape(x)[1], ops.shape(x)[2]

    def inside(positions, length, centres):
        start = tf.cast(centres, tf.int32)[:, None] - length // 2
        return (positions[None, :] >= start) & (positions[None, :] < start + length)

    in_rows = inside(tf.range(height), size[0], centre_rows)  # [B, H]
    in_cols = inside(tf.range(width), size[1], centre_cols)  # [B, W]
    cut = in_rows[:, :, None] & in_cols[:, None, :]
    return x * ops.cast(~cut, x.dtype)[..., None]


def random_cutout(x, seed, ratio=CUTOUT_RATIO):
    """Zeroes a square of a `ratio` of the size per axis at a random place (DiffAugment's cutout).

    The centre is uniform over the image's rows (and columns), plus one
    more position past the end when the square's side is even, as in the
    official code; the square is clipped to the image.

    Args:
        x: images [B, H, W, C].
        seed: the stateless seed, int tensor [2].
        ratio: the square's side is `int(size * ratio + 0.5)`, as in the
            official code (0.5: 14 at 28 px, 16 at 32, 32 at 64).

    Returns:
        The images with the squares zeroed, shaped like `x`.
    """
    x = tf.convert_to_tensor(x)
    batch = tf.shape(x)[0]
    height, width = ops.shape(x)[1], ops.shape(x)[2]
    size = (_rounded_part(height, ratio), _rounded_part(width, ratio))
    rows = tf.random.stateless_uniform(
        [batch], _fold(seed, 0), 0, height + (1 - size[0] % 2), dtype=tf.int32
    )
    cols = tf.random.stateless_uniform(
        [batch], _fold(seed, 1), 0, width + (1 - size[1] % 2), dtype=tf.int32
    )
    return cutout(x, rows, cols, size)


# ------------------------------------------------------------------- color
def _magnitude(x, seed):
    """U[0, 1) per sample, [B, 1, 1, 1], in x's dtype."""
    draw = tf.random.stateless_uniform([tf.shape(x)[0], 1, 1, 1], seed)
    return ops.cast(draw, x.dtype)


def random_brightness(x, seed):
    """Adds U[-0.5, 0.5) per image."""
    return x + (_magnitude(x, seed) - 0.5)


def random_saturation(x, seed):
    """Scales each pixel's deviation from its channel mean by U[0, 2) per image."""
    mean = ops.mean(x, axis=3, keepdims=True)
    return (x - mean) * (_magnitude(x, seed) * 2.0) + mean


def random_contrast(x, seed):
    """Scales each image's deviation from its mean by U[0.5, 1.5)."""
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (_magnitude(x, seed) + 0.5) + mean


def _random_color(x, seed):
    x = random_brightness(x, _fold(seed, 0))
    x = random_saturation(x, _fold(seed, 1))
    return random_contrast(x, _fold(seed, 2))


def _fold(seed, value):
    """A new stateless seed from `seed` and an integer."""
    seed = tf.convert_to_tensor(seed)
    if seed.dtype not in (tf.int32, tf.int64):
        seed = tf.cast(seed, tf.int64)
    return tf.random.experimental.stateless_fold_in(seed, value)
