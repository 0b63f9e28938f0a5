"""What a class-conditional `WassersteinGAN` adds: checks, label draws, the auxiliary terms.

Class-conditional training (`num_classes=K`): `fit()` batches are
`(samples, labels)` (`data.load(..., labels=True)`), the labels split with the
samples into the critic updates' real batches. Each critic update generates
its fake batch for the labels of its real batch, so real and generated
samples of each pair share a label, and scores both as `critic([x, labels])`;
the generator update generates for the labels of the first real batch. The
Lipschitz methods get the critic with the labels bound
(`penalties.bind_labels`): they differentiate with respect to the sample, the
label held fixed.

An auxiliary-classifier critic (outputs `[scores, logits]`) adds the
cross-entropy of its logits to the critic loss (on the real batch, weight
`classifier_weight`, `ACGAN_SCALE`) and to the generator loss (on the
generated batch, `generator_classifier_weight`, `ACGAN_SCALE_G`); only its
scores enter the Wasserstein terms and the penalties (Gulrajani et al., 2017,
gan_cifar_resnet.py).
"""

import keras
import numpy as np
from keras import ops

from keras_wgan.data import labels as labels_lib

__all__ = [
    "ACGAN_SCALE",
    "ACGAN_SCALE_G",
    "accuracy",
    "check_networks",
    "class_frequencies",
    "cross_entropy",
    "draw_labels",
    "scores",
]

#: The auxiliary classifier's weights in the critic and the generator losses
#: (gan_cifar_resnet.py of the WGAN-GP code: ACGAN_SCALE, ACGAN_SCALE_G).
ACGAN_SCALE, ACGAN_SCALE_G = 1.0, 0.1


def check_networks(generator, critic, num_classes):
    """Raises ValueError when the networks' inputs do not match `num_classes`.

    An unconditional model (`num_classes=None`) takes networks of one input; a
    conditional one a generator called as `generator([noise, label])` and a
    critic as `critic([sample, label])`, whose auxiliary logits, if any, have
    `num_classes` classes.
    """
    expected = 1 if num_classes is None else 2
    for name, network, form in (
        ("generator", generator, "[noise, label]"),
        ("critic", critic, "[sample, label]"),
    ):
        inputs = len(getattr(network, "inputs", None) or [None])
        if inputs != expected:
            what = (
                "an unconditional network of one input"
                if num_classes is None
                else f"a conditional network called as {name}({form})"
            )
            raise ValueError(
                f"{name} has {inputs} inputs but num_classes={num_classes}; expected {what} "
                f"(architectures.build(..., num_classes={num_classes}))"
            )
    if num_classes is not None and len(critic.outputs) == 2:
        width = critic.outputs[1].shape[-1]
        if width != num_classes:
            raise ValueError(
                f"num_classes={num_classes} but the auxiliary critic's logits have "
                f"{width} classes; expected the same class count"
            )


def class_frequencies(frequencies, num_classes):
    """Normalised class frequencies, float64 [K] (uniform if None); None if unconditional.

    Raises:
        ValueError: for frequencies without `num_classes`, or not K
            non-negative finite numbers with a positive sum.
    """
    if num_classes is None:
        if frequencies is not None:
            raise ValueError(
                f"class_frequencies needs num_classes, received {frequencies!r} "
                "with num_classes=None"
            )
        return None
    if frequencies is None:
        return np.full([num_classes], 1.0 / num_classes)
    array = np.asarray(frequencies, dtype="float64")
    if (
        array.shape != (num_classes,)
        or not np.all(np.isfinite(array))
        or np.any(array < 0)
        or array.sum() <= 0
    ):
        raise ValueError(
            f"class_frequencies must be {num_classes} non-negative numbers with a "
            f"positive sum (one per class), received {frequencies!r}"
        )
    return array / array.sum()


def draw_labels(num_samples, labels, seed, num_classes, frequencies):
    """The checked labels of `num_samples` samples, int32 numpy [num_samples].

    Args:
        num_samples: how many labels.
        labels: an int (every sample), integers [num_samples] in
            [0, num_classes), or None: drawn from `frequencies` with `seed`.
        seed: integer seed of the drawn labels (None: a random one).
        num_classes: the class count; None for an unconditional model,
            which refuses labels.
        frequencies: the normalised class frequencies (`class_frequencies`).

    Returns:
        The labels, or None for an unconditional model.

    Raises:
        ValueError: for labels given to an unconditional model, outside
            [0, num_classes) or of another length.
    """
    if num_classes is None:
        if labels is not None:
            raise ValueError(
                f"labels must be None for an unconditional WassersteinGAN "
                f"(num_classes=None), received {labels!r}"
            )
        return None
    if labels is None:
        rng = np.random.default_rng(seed)
        return rng.choice(num_classes, num_samples, p=frequencies).astype("int32")
    if np.ndim(labels) == 0:
        labels = np.full([num_samples], labels)
    return labels_lib.check_labels(
        labels, num_classes, argument="labels", expected_length=num_samples
    )


def scores(outputs):
    """The critic's scores: its output, or the first of an auxiliary critic's [scores, logits]."""
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def cross_entropy(labels, logits):
    """Mean sparse softmax cross-entropy of the auxiliary classifier's logits, float32."""
    return ops.mean(
        keras.losses.sparse_categorical_crossentropy(
            labels, ops.cast(logits, "float32"), from_logits=True
        )
    )


def accuracy(labels, logits):
    """The share of samples whose largest logit is their label."""
    predicted = ops.cast(ops.argmax(logits, axis=-1), "int32")
    return ops.mean(ops.cast(ops.equal(predicted, ops.cast(labels, "int32")), "float32"))
