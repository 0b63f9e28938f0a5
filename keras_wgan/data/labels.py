"""Class labels of conditional WGANs: one check of label arrays for every entry point.

A class-conditional WGAN takes one integer label in [0, K) per sample (K the
number of classes). Labels come from the data (`label_fields` describes a
source's labels for its `DataInfo`) and from users (`generate(labels=...)`, the
exported signatures); `check_labels` refuses bad ones up front, in one line,
before they reach a network: on a GPU an out-of-range index into an embedding
gives zeros instead of an error.

Numpy only, so it can be imported without TensorFlow.

Example:
>>> check_labels([0, 2, 1], num_classes=3).tolist()
[0, 2, 1]
>>> class_counts(np.array([0, 2, 2]), 4)
(1, 0, 2, 0)
"""

import logging
import numbers

import numpy as np

__all__ = ["MAX_CLASSES", "check_labels", "check_num_classes", "class_counts", "label_fields"]

#: The most classes a dataset's labels may make: a larger count is taken for a labelling
#: mistake (e.g. labels that are ids), not for classes to condition on.
MAX_CLASSES = 10_000
_log = logging.getLogger("keras_wgan")


def check_num_classes(num_classes, argument: str = "num_classes") -> int | None:
    """Returns `num_classes` as an int: None (unconditional) or a positive integer.

    Raises:
        ValueError: anything else, naming `argument`.
    """
    if num_classes is None:
        return None
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, numbers.Integral)
        or num_classes < 1
    ):
        raise ValueError(
            f"{argument} must be None (unconditional) or a positive integer, got {num_classes!r}"
        )
    return int(num_classes)


def check_labels(
    labels,
    num_classes: int | None = None,
    *,
    argument: str = "labels",
    expected_length: int | None = None,
    expected_what: str = "one label per sample",
) -> np.ndarray:
    """Checks class labels and returns them as an int32 array [N].

    Labels must be integers (an integer dtype: floats and booleans are
    refused, even 3.0), one axis (`[N]`, or `[N, 1]` as Keras's datasets
    store them, which is flattened), not negative, and below `num_classes`
    when that is given.

    Args:
        labels: array-like of labels.
        num_classes: K, or None to check only that labels are >= 0.
        argument: how the message names the labels, e.g. `"labels"` or
            `"array 'labels' of 'digits.npz'"`.
        expected_length: the number of labels required (e.g. of images), or None.
        expected_what: what the length refers to, for the message.

    Returns:
        The labels as a new int32 numpy array of shape [N].

    Raises:
        ValueError: one line starting with `argument`, saying what was
            received and what is expected.
    """
    array = np.asarray(labels)
    range_text = f"in [0, {num_classes})" if num_classes is not None else ">= 0"
    expected = f"expected integer class labels {range_text}, {expected_what}"
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{argument} has shape {array.shape}; {expected} (shape [N])")
    if not np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        raise ValueError(
            f"{argument} has dtype {array.dtype}, not an integer dtype; {expected} "
            "(e.g. labels.astype('int32') if the values are whole numbers)"
        )
    if expected_length is not None and len(array) != expected_length:
        raise ValueError(
            f"{argument} holds {len(array)} labels for {expected_length} samples; {expected}"
        )
    if array.size:
        low, high = array.min(), array.max()
        if low < 0:
            count = int(np.count_nonzero(array < 0))
            raise ValueError(
                f"{argument} holds {count} negative label{'s' * (count > 1)} "
                f"(e.g. {int(low)}); {expected}"
            )
        if num_classes is not None and high >= num_classes:
            count = int(np.count_nonzero(array >= num_classes))
            raise ValueError(
                f"{argument} holds {count} label{'s' * (count > 1)} >= "
                f"{num_classes} (e.g. {int(high)}); {expected}"
            )
        if high > np.iinfo(np.int32).max:
            raise ValueError(f"{argument} holds label {int(high)}, beyond int32; {expected}")
    return array.astype(np.int32)


def class_counts(labels, num_classes: int) -> tuple[int, ...]:
    """How many of `labels` (checked int labels) fall in each of the `num_classes` classes.

    Returns:
        A tuple of `num_classes` ints.
    """
    return tuple(int(c) for c in np.bincount(np.asarray(labels), minlength=num_classes))


def label_fields(labels, class_names, where: str, num_examples: int, required: bool) -> dict:
    """The `DataInfo` fields of a local source's labels, checked.

    Labels must be integers in [0, K), one per example, with K the number
    of `class_names` if given, else the largest label + 1; K is at most
    `MAX_CLASSES`, and with `required` at most the number of examples and
    at least 2.
    With `required`, classes without examples are named in a logged warning.

    Args:
        labels: the source's label array.
        class_names: K names, a 1-D array of strings, or None (then `"0"`, `"1"`...).
        where: how messages name the labels, e.g. `"array 'labels' of 'x.npz'"`.
        num_examples: the number of examples, one label each.
        required: whether labels were asked for; if not, bad labels leave the
            data unlabelled (`{}`) instead of raising.

    Returns:
        A dict of `labels`, `num_classes`, `class_names` and `class_counts`
        (`dataclasses.replace(info, **fields)`), or `{}`.

    Raises:
        ValueError: bad labels or class names, or a class count out of
            bounds, when `required`, in one line starting with `where`.
    """
    try:
        if class_names is not None:
            names = np.asarray(class_names)
            if names.ndim != 1 or names.size == 0 or names.dtype.kind not in "US":
                raise ValueError(
                    f"{where.replace('labels', 'class_names')} has dtype {names.dtype} and shape "
                    f"{names.shape}; expected a non-empty 1-D array of strings, one per class"
                )
            class_names = tuple(str(name) for name in names)
        checked = check_labels(
            labels,
            None if class_names is None else len(class_names),
            argument=where,
            expected_length=num_examples,
            expected_what="one per image",
        )
        num_classes = len(class_names) if class_names is not None else int(checked.max()) + 1
        _check_class_count(num_classes, num_examples, where, required)
    except ValueError:
        if required:
            raise
        return {}
    if class_names is None:
        class_names = tuple(str(k) for k in range(num_classes))
    counts = class_counts(checked, num_classes)
    empty = [name for name, count in zip(class_names, counts, strict=True) if not count]
    if required and empty:
        shown = ", ".join(empty[:5]) + (", ..." if len(empty) > 5 else "")
        _log.warning(
            "%s: %d of %d classes have no examples (%s); the model still makes a "
            "class for each: remap the labels to 0..K-1 to drop them",
            where,
            len(empty),
            num_classes,
            shown,
        )
    return dict(
        labels=checked, num_classes=num_classes, class_names=class_names, class_counts=counts
    )


def _check_class_count(num_classes: int, num_examples: int, where: str, required: bool) -> None:
    """Refuses a class count that cannot be meant: above `MAX_CLASSES`, and with `required`
    (classes to condition on) above the number of examples or below two."""
    limit = min(num_examples, MAX_CLASSES) if required else MAX_CLASSES
    if num_classes > limit:
        bound = (
            f"more than the {num_examples} examples"
            if num_classes > num_examples
            else f"more than {MAX_CLASSES}"
        )
        raise ValueError(
            f"{where}: {num_classes} classes, {bound}; expected class labels 0..K-1 with "
            f"K <= {limit}: remap them, e.g. np.unique(labels, return_inverse=True)[1]"
        )
    if required and num_classes < 2:
        raise ValueError(
            f"{where}: {num_classes} class; class-conditional training "
            "(labels=True) needs at least two classes"
        )
