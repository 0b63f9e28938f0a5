"""Lipschitz constraints of the WGAN family, as pure functions.

The Kantorovich-Rubinstein dual of the 1-Wasserstein distance is a supremum
over 1-Lipschitz critics. A neural critic is kept (approximately) Lipschitz in
one of these ways, each selectable by name (`penalty=` in `WassersteinGAN`,
`--penalty` on the command line):

- "gp": the two-sided gradient penalty of WGAN-GP, E[(||grad f(x_hat)|| - 1)^2]
  at random interpolates x_hat (Gulrajani et al., 2017, arXiv:1704.00028).
- "lp": the one-sided Lipschitz penalty of WGAN-LP, E[max(0, ||grad f|| - 1)^2]
  at the same points (Petzka et al., 2018, arXiv:1709.08894).
- "pairwise": the founding article's penalty on the Lipschitz condition
  itself over random pairs (x, y): E[max(0, |f(x) - f(y)| / ||x - y|| - 1)^2],
  zero wherever |f(x) - f(y)| <= ||x - y||. It needs no second derivative.
- "clip": weight clipping to [-c, c] after each critic update (Arjovsky et
  al., 2017, arXiv:1701.07875); its penalty term is zero.
- "none": no term, for a critic that is Lipschitz by construction, e.g. with
  spectral normalisation (Miyato et al., 2018, arXiv:1802.05957).

Every penalty has the same signature,
`fn(critic, real, fake, *, alpha=None, seed=None, real_output=None,
fake_output=None, target=1.0, training=True)`, and returns an unweighted
float32 scalar; the training step multiplies it by `penalty_weight`.
`real_output` and `fake_output` are the critic's outputs on `real` and `fake`
when the caller has them already (the pairwise penalty reuses them); the
gradient penalties ignore them.
"""

import keras
from keras import ops

from keras_wgan import tf_utils

__all__ = [
    "PENALTIES",
    "clip_weights",
    "drift_penalty",
    "get",
    "gradient_norms",
    "gradient_penalty",
    "interpolate",
    "lipschitz_penalty",
    "no_penalty",
    "pairwise_lipschitz_penalty",
]

# Inside the square root of every norm: keeps the gradient of the norm finite
# where the norm is zero (the gradient of sqrt at 0 is infinite).
EPSILON = 1e-12

#: The pairwise penalty leaves out pairs closer than this fraction of the
#: batch's mean real-fake distance (see `pairwise_lipschitz_penalty`).
MIN_PAIR_DISTANCE = 0.01


def interpolate(real, fake, alpha=None, seed=None):
    """Random points on the segments between paired real and fake samples.

    x_hat = real + alpha * (fake - real), with one alpha ~ U[0, 1] per sample,
    broadcast over all non-batch axes (shape [B, 1, ..., 1]).

    Args:
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional coefficients, [B] or [B, 1, ..., 1]; drawn if None.
        seed: a `keras.random` seed (int or `SeedGenerator`) used when alpha
            is None.

    Returns:
        The interpolates, shaped like `real`.

    Example:
    >>> from keras import ops
    >>> ops.convert_to_numpy(interpolate([[0.0, 0.0]], [[2.0, 4.0]], alpha=[0.5])).tolist()
    [[1.0, 2.0]]
    """
    real = ops.convert_to_tensor(real, "float32")
    fake = ops.convert_to_tensor(fake, "float32")
    broadcast_shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    if alpha is None:
        alpha = keras.random.uniform(broadcast_shape, seed=seed)
    alpha = ops.reshape(ops.cast(alpha, "float32"), broadcast_shape)
    return real + alpha * (fake - real)


def gradient_norms(critic, x, training=True):
    """Per-sample norms of the critic's gradient at x, over all non-batch axes.

    Args:
        critic: a callable (typically a `keras.Model`) mapping [B, ...] to [B, 1].
        x: the points, [B, ...].
        training: passed to the critic (spectral normalisation and dropout
            need `training=True` during training).

    Returns:
        float32 [B], sqrt(sum of squared partial derivatives + EPSILON).
    """
    grads = tf_utils.input_gradient(lambda v: critic(v, training=training), x)
    grads = ops.reshape(grads, (ops.shape(grads)[0], -1))
    return ops.sqrt(ops.sum(ops.square(grads), axis=1) + EPSILON)


def gradient_penalty(critic, real, fake, *, alpha=None, seed=None, real_output=None,
                     fake_output=None, target=1.0, training=True):
    """WGAN-GP's two-sided gradient penalty, mean (||grad f(x_hat)|| - target)^2.

    Gulrajani et al. (2017), "Improved Training of Wasserstein GANs": the
    optimal critic has gradient norm 1 almost everywhere on the segments
    between coupled real and generated points, so the penalty pulls the norm
    towards 1 at random interpolates.

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional interpolation coefficients (see `interpolate`).
        seed: random seed for alpha when it is not given.
        real_output: unused (uniform penalty signature).
        fake_output: unused (uniform penalty signature).
        target: the Lipschitz constant aimed at, 1 by default.
        training: passed to the critic.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[3.0], [4.0]]), np.zeros(1)])
    >>> float(gradient_penalty(critic, np.zeros((8, 2)), np.ones((8, 2))))  # (5 - 1)^2
    16.0
    """
    del real_output, fake_output
    norms = gradient_norms(critic, interpolate(real, fake, alpha, seed), training)
    return ops.mean(ops.square(norms - target))


def lipschitz_penalty(critic, real, fake, *, alpha=None, seed=None, real_output=None,
                      fake_output=None, target=1.0, training=True):
    """WGAN-LP's one-sided penalty, mean max(0, ||grad f(x_hat)|| - target)^2.

    Petzka, Fischer and Lukovnikov (2018), "On the regularization of
    Wasserstein GANs": the Lipschitz constraint only bounds the gradient from
    above, so only norms above the target are penalised.

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional interpolation coefficients (see `interpolate`).
        seed: random seed for alpha when it is not given.
        real_output: unused (uniform penalty signature).
        fake_output: unused (uniform penalty signature).
        target: the Lipschitz constant aimed at, 1 by default.
        training: passed to the critic.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[0.3], [0.4]]), np.zeros(1)])
    >>> float(lipschitz_penalty(critic, np.zeros((8, 2)), np.ones((8, 2))))  # ||w|| < 1
    0.0
    """
    del real_output, fake_output
    norms = gradient_norms(critic, interpolate(real, fake, alpha, seed), training)
    return ops.mean(ops.square(ops.relu(norms - target)))


def pairwise_lipschitz_penalty(critic, real, fake, *, alpha=None, seed=None,
                               real_output=None, fake_output=None, target=1.0,
                               training=True, interpolates=False):
    """The Lipschitz condition itself, penalised on random pairs of points.

    The founding article's most direct reading of a soft Lipschitz
    constraint: for pairs (x, y), zero when |f(x) - f(y)| <= target * ||x - y||
    and a squared hinge on the violation otherwise,
    mean max(0, |f(x) - f(y)| / ||x - y|| - target)^2. The pairs are the
    aligned (real[i], fake[i]); with `interpolates=True` also
    (real[i], x_hat[i]) and (x_hat[i], fake[i]) for a random interpolate
    x_hat[i] between them, which probes the critic at shorter distances. It
    uses only critic outputs, so unlike the gradient penalties it needs no
    second-order derivative and costs about as much as one more forward pass.

    Pairs closer than `MIN_PAIR_DISTANCE` (1%) of the batch's mean
    ||real[i] - fake[i]|| are left out (they count as zero). Over such a
    distance the quotient measures the critic's noise, not its slope: with
    dropout (as in the keras.io critic) f(x) and f(y) are evaluated with
    different random masks, and |f(x) - f(y)| / ||x - y|| grows without
    bound as the points meet (an interpolate with alpha near 0 or 1, or a
    generated sample equal to its real partner; measured 5e5 at alpha 1e-6
    and 1e8 at 0). With the cut the quotient of a kept pair is at most
    |f(x) - f(y)| divided by 1% of the batch's scale, and the penalty of a
    deterministic critic loses only the pairs a hundred times closer than
    typical (about 2% of the interpolate pairs, alpha or 1 - alpha below
    0.01). The cut is not differentiated (the scale is a constant of the step).

    Args:
        critic: the critic, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape.
        alpha: optional interpolation coefficients (with `interpolates`).
        seed: random seed for alpha when it is not given.
        real_output: the critic's outputs on `real`, if already computed.
        fake_output: the critic's outputs on `fake`, if already computed.
        target: the Lipschitz constant aimed at, 1 by default.
        training: passed to the critic.
        interpolates: also penalise pairs with a random interpolate.

    Returns:
        A float32 scalar.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> critic.set_weights([np.array([[0.0], [2.0]]), np.zeros(1)])
    >>> # One pair, (0, 0) and (0, 1): |f(x) - f(y)| / ||x - y|| = 2, so (2 - 1)^2.
    >>> float(pairwise_lipschitz_penalty(critic, [[0.0, 0.0]], [[0.0, 1.0]]))
    1.0
    """
    real = ops.convert_to_tensor(real, "float32")
    fake = ops.convert_to_tensor(fake, "float32")
    if real_output is None:
        real_output = critic(real, training=training)
    if fake_output is None:
        fake_output = critic(fake, training=training)
    pairs = [(real, fake, real_output, fake_output)]
    if interpolates:
        x_hat = interpolate(real, fake, alpha, seed)
        hat_output = critic(x_hat, training=training)
        pairs += [(real, x_hat, real_output, hat_output), (x_hat, fake, hat_output, fake_output)]
    scale = ops.mean(ops.sqrt(_squared_distances(real, fake)))
    min_distance = ops.stop_gradient(MIN_PAIR_DISTANCE * scale)
    terms = [_pair_violation(*pair, target=target, min_distance=min_distance) for pair in pairs]
    return ops.mean(ops.concatenate(terms, axis=0))


def _squared_distances(x, y):
    """||x[i] - y[i]||^2 over all non-batch axes, [B]."""
    return ops.sum(ops.square(ops.reshape(x - y, (ops.shape(x)[0], -1))), axis=1)


def _pair_violation(x, y, fx, fy, target, min_distance=0.0):
    """Squared hinge of |f(x) - f(y)| / ||x - y|| - target, per pair.

    Pairs not farther apart than `min_distance` give 0 (also in the gradient).
    """
    batch = ops.shape(x)[0]
    squared = _squared_distances(x, y)
    kept = squared > ops.square(min_distance)
    distance = ops.where(kept, ops.sqrt(squared + EPSILON), 1.0)
    difference = ops.abs(ops.reshape(ops.cast(fx, "float32") - ops.cast(fy, "float32"), (batch,)))
    return ops.where(kept, ops.square(ops.relu(difference / distance - target)), 0.0)


def no_penalty(critic, real, fake, **kwargs):
    """No Lipschitz term (for weight clipping or a spectrally normalised critic).

    Returns:
        A float32 zero scalar.
    """
    del critic, real, fake, kwargs
    return ops.zeros((), "float32")


def drift_penalty(real_output):
    """ProGAN's drift term, mean f(real)^2, which keeps the critic's scores near 0.

    Karras et al. (2018), "Progressive Growing of GANs", arXiv:1710.10196,
    weight eps = 0.001. Without it the critic's outputs can drift freely,
    since W1's dual is invariant to adding a constant to f.

    Args:
        real_output: the critic's outputs on real samples.

    Returns:
        A float32 scalar.
    """
    return ops.mean(ops.square(ops.cast(real_output, "float32")))


def clip_weights(critic, clip_value=0.01):
    """Clips every trainable weight of the critic to [-clip_value, clip_value].

    The original WGAN's Lipschitz constraint (Arjovsky et al., 2017): with
    bounded weights the critic is K-Lipschitz for some K that depends on the
    architecture. Called after every critic update.

    Args:
        critic: a `keras.Model`.
        clip_value: the half-width c of the box, > 0.

    Example:
    >>> import keras
    >>> import numpy as np
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> clip_weights(critic, 0.01)
    >>> bool(np.abs(critic.get_weights()[0]).max() <= 0.01)
    True
    """
    for variable in critic.trainable_variables:
        variable.assign(ops.clip(variable, -clip_value, clip_value))


PENALTIES = {
    "gp": gradient_penalty,
    "lp": lipschitz_penalty,
    "pairwise": pairwise_lipschitz_penalty,
    "clip": no_penalty,
    "none": no_penalty,
}


def get(name):
    """The penalty function called `name` (see `PENALTIES`), or `name` if callable.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if callable(name):
        return name
    if name not in PENALTIES:
        raise ValueError(
            f"unknown penalty {name!r}: expected one of {', '.join(map(repr, PENALTIES))} "
            "or a callable fn(critic, real, fake, **kwargs)")
    return PENALTIES[name]
