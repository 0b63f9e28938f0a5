"""Wasserstein losses on critic outputs.

The critic f of a WGAN has no sigmoid and its losses have no logarithm: by the
Kantorovich-Rubinstein duality, W1(P_real, P_fake) = sup over 1-Lipschitz f of
E_real[f] - E_fake[f] (Arjovsky et al., 2017, "Wasserstein GAN",
arXiv:1701.07875). The critic maximises that difference, the generator
minimises it; the difference itself is the running estimate of the distance.

All functions are written with `keras.ops` so that they run on any Keras
backend, and compute in float32 whatever the dtype of the critic's outputs.
"""

from keras import ops

__all__ = ["critic_loss", "generator_loss", "wasserstein_estimate"]


def wasserstein_estimate(real_output, fake_output):
    """The critic's estimate of W1: mean f(real) - mean f(fake).

    Args:
        real_output: critic outputs on real samples, shape [B] or [B, 1].
        fake_output: critic outputs on generated samples, shape [B'] or [B', 1].

    Returns:
        A float32 scalar.

    Example:
    >>> float(wasserstein_estimate([[3.0], [1.0]], [[0.5], [-0.5]]))
    2.0
    """
    real_output = ops.cast(real_output, "float32")
    fake_output = ops.cast(fake_output, "float32")
    return ops.mean(real_output) - ops.mean(fake_output)


def critic_loss(real_output, fake_output):
    """The critic's loss, mean f(fake) - mean f(real) (minus the estimate).

    Minimising it maximises the critic's estimate of the Wasserstein distance.

    Args:
        real_output: critic outputs on real samples.
        fake_output: critic outputs on generated samples.

    Returns:
        A float32 scalar.

    Example:
    >>> round(float(critic_loss([-5.0, 1.4, 12.5, 2.7], [10.0, 4.4, -5.5, 3.6])), 3)
    0.225
    """
    return -wasserstein_estimate(real_output, fake_output)


def generator_loss(fake_output):
    """The generator's loss, -mean f(fake).

    The real samples' term of the estimate does not depend on the generator,
    so minimising -mean f(fake) minimises the estimated distance.

    Args:
        fake_output: critic outputs on generated samples.

    Returns:
        A float32 scalar.

    Example:
    >>> float(generator_loss([10.0, 4.4, -5.5, 3.6]))
    -3.125
    """
    return -ops.mean(ops.cast(fake_output, "float32"))
