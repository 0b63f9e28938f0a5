"""ProGAN's drift term, which keeps the critic's scores near 0 (not a Lipschitz method)."""

from keras import ops

__all__ = ["drift_penalty"]


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
