"""How one `fit()` batch feeds the critic updates of a WGAN training step.

With `fresh_real_batches=True` (the default, as in Algorithm 1 of the WGAN-GP
paper) every critic update sees its own real batch: the batch that `fit()`
passes in holds `critic_steps` of them and is split in equal parts, so a
dataset for `critic_steps=5` and 64 samples per critic update is batched by
320. A batch whose size is known when the step is traced must divide evenly
(a ValueError says so otherwise). A batch of a size known only at run time,
such as the ragged last batch of `fit()` on numpy arrays, gives each critic
update size // critic_steps samples and leaves out the remainder (fewer than
`critic_steps` samples: one each, reused in turn). With
`fresh_real_batches=False` every critic update reuses the whole batch, as the
keras.io WGAN-GP example does.

The critic scores each critic update's real and generated samples in one
concatenated batch, and the penalties are per sample: a critic whose output
for a sample depends on the rest of the batch breaks both (`check_critic`).
"""

import warnings

import keras
from keras import ops

__all__ = ["check_critic", "real_batches", "samples_and_labels", "split_ragged"]


def check_critic(critic):
    """Warns when the critic contains BatchNormalization (its outputs mix the batch)."""
    if any(
        isinstance(layer, keras.layers.BatchNormalization) for layer in critic._flatten_layers()
    ):
        warnings.warn(
            "the critic contains BatchNormalization: its outputs then depend on "
            "the whole batch, which the per-sample Lipschitz penalties and the "
            "concatenated real/fake critic pass assume they do not; use "
            "LayerNormalization instead",
            stacklevel=3,
        )


def samples_and_labels(data, num_classes=None):
    """(samples float32, labels int32) of a `fit()` batch; labels None when unconditional.

    Args:
        data: the batch: x, or (x, y[, w]) (y ignored by an unconditional model).
        num_classes: the model's class count, None for an unconditional model.

    Raises:
        ValueError: when a conditional model receives samples without labels.
    """
    if num_classes is None:
        if isinstance(data, (tuple, list)):
            data = data[0]
        return ops.cast(data, "float32"), None
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise ValueError(
            f"a class-conditional WassersteinGAN (num_classes={num_classes}) trains "
            "on batches (samples, labels), received batches of samples only; expected "
            "e.g. keras_wgan.data.load(..., labels=True)"
        )
    return ops.cast(data[0], "float32"), ops.cast(data[1], "int32")


def real_batches(real, critic_steps, fresh=True):
    """The real batch of each of `critic_steps` critic updates (see the module docstring).

    Args:
        real: the `fit()` batch (samples or labels).
        critic_steps: the critic updates of the step.
        fresh: split the batch (True) or reuse it whole for every update.

    Raises:
        ValueError: when a batch of static size does not split evenly.
    """
    if not fresh:
        return [real] * critic_steps
    size = real.shape[0]
    if size is None:
        return split_ragged(real, critic_steps)
    if size % critic_steps:
        raise ValueError(
            f"the batch of {size} real samples cannot be split into critic_steps="
            f"{critic_steps} equal batches: batch the dataset by batch_size * "
            "critic_steps, or pass "
            "fresh_real_batches=False to reuse one batch for every critic update"
        )
    return ops.split(real, critic_steps, axis=0)


def split_ragged(real, parts):
    """`parts` equal batches of a batch of any size (see the module docstring).

    Part i holds samples i * n .. i * n + n - 1 with n = max(size // parts, 1),
    modulo the size: the remainder is left out, and a batch of fewer than
    `parts` samples gives one sample per part, reused in turn.
    """
    size = ops.shape(real)[0]
    per_part = ops.maximum(size // parts, 1)
    offsets = ops.arange(per_part)
    return [ops.take(real, (i * per_part + offsets) % size, axis=0) for i in range(parts)]
