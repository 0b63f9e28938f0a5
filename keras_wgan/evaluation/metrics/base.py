"""The metric extension point: the `Metric` base class, its registry and the input checks.

A `Metric` says what it compares (`needs`: the samples themselves when they
are low-dimensional points or images, a feature network's features, a
classifier's class scores, or an Inception network's ImageNet class
probabilities; `needs_labels` for a conditional generator's labels; with
`against_training`, the training samples rather than the real set), how it
computes its values from a generated and a real set, and its
noise-floor policy: whether the metric between two real sets is measured, on
how many pairs of sets, and whether `measure` reports the ratio to it. The
evaluation core (`keras_wgan.evaluation.core.Reference`) iterates the
registry and names no metric.

Adding a metric is one file in this package, defining a subclass decorated
with `@register`, plus its test; the package imports every module in it, and
the conformance harness (`tests/test_metric_conformance.py`) checks it.

Example, a file `keras_wgan/evaluation/metrics/mean_gap.py`:

    ```python
    import numpy as np

    from keras_wgan.evaluation.metrics import base

    @base.register
    class MeanGap(base.Metric):
        # The distance between the mean generated and the mean real sample.
        name = "mean_gap"
        needs = base.POINTS

        def compute(self, fake, real, reference, labels=None):
            fake = base.as_sample_matrix(fake, "fake")
            real = base.as_sample_matrix(real, "real")
            base.check_same_dim(fake, real, "fake", "real")
            return {self.name: float(np.linalg.norm(fake.mean(0) - real.mean(0)))}

        def describe(self, reference):
            return {self.name: "distance between the mean generated and real samples"}
    ```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from keras_wgan.evaluation.core import Reference

__all__ = [
    "FEATURES",
    "INCEPTION",
    "NEEDS",
    "PIXELS",
    "POINTS",
    "SCORES",
    "Metric",
    "as_sample_matrix",
    "check_same_dim",
    "class_scores",
    "compared",
    "features_entry",
    "get",
    "images_to_float",
    "register",
    "registered",
]

POINTS = "points"  # low-dimensional samples, compared as they are (the exact W1)
PIXELS = "pixels"  # images [n, h, w, c] in [-1, 1]
FEATURES = "features"  # a feature network's features of images
SCORES = "scores"  # a classifier's class scores [n, K] of the generated samples
# an Inception network's ImageNet class probabilities [n, K] of the generated images
INCEPTION = "inception"
# also the order in which the core reports them
NEEDS = (POINTS, PIXELS, FEATURES, SCORES, INCEPTION)

_REGISTRY: dict[str, Metric] = {}


class Metric:
    """One metric of sample quality, as the evaluation core applies it.

    Subclasses set the class attributes and implement `compute` and `describe`.

    Attributes:
        name: the key of the metric's main value in `Reference.measure`.
        also: further keys of `compute`'s values that the evaluate report lists
            as entries of their own, each with its floor (recall, density
            and coverage beside precision).
        needs: what it compares, one of `NEEDS`.
        needs_labels: measured only for a conditional generator's labelled samples.
        against_training: compares the generated samples with the training
            samples (`Reference.training_samples`: by default every real sample
            the Reference holds) instead of the real set, e.g. to find copies.
        optional: measured only when asked for (`Reference(add_metrics=[name])`),
            e.g. because its floor is costly.
        has_floor: whether its noise floor (the metric between two real sets) is measured.
        floor_pairs: pairs of real sets the floor averages: None for the
            Reference's number, or a fixed number (1 for an unbiased metric).
        floor_ratio: whether `measure` adds `<floor_name>_ratio` (value / floor);
            meaningless when the floor is ~0.
        critic_ratio: the key of `critic_estimate / value` (the W1 metrics), or None.
        symmetric: whether swapping the generated and the real set leaves the value
            unchanged (False for a property of the generated set alone).
        similarity: whether the value grows as the generated set comes closer
            to the real one (precision, recall), where a distance falls.
        exact_on_itself: whether a set against itself gives exactly
            `value_on_itself` (False for an unbiased estimate, which is 0 in
            expectation over independent sets of one distribution instead).
        value_on_itself: the value of a set against itself: 0 for a distance,
            1 for a share such as precision.
    """

    name: str = ""
    also: tuple[str, ...] = ()
    needs: str = POINTS
    needs_labels: bool = False
    against_training: bool = False
    optional: bool = False
    has_floor: bool = True
    floor_pairs: int | None = None
    floor_ratio: bool = True
    critic_ratio: str | None = None
    symmetric: bool = True
    similarity: bool = False
    exact_on_itself: bool = True
    value_on_itself: float = 0.0

    @property
    def floor_name(self) -> str | None:
        """The key of the floor in `Reference.floors`, or None without a floor."""
        return f"{self.name}_floor" if self.has_floor and not self.needs_labels else None

    @property
    def cache_floor(self) -> bool:
        """Whether the floor depends on the data alone, so it may be cached on disk."""
        return self.needs in (POINTS, PIXELS)

    def applies(self, reference: Reference) -> bool:
        """Whether the metric can be measured with this Reference.

        Args:
            reference: the `core.Reference`.

        Returns:
            True when what it `needs` is there (and its labels, if it needs them).
        """
        available = {
            POINTS: reference.exact,
            PIXELS: reference.is_images,
            FEATURES: reference.feature_network is not None,
            SCORES: reference.classify is not None,
            INCEPTION: reference.inception_classify is not None,
        }[self.needs]
        return available and (not self.needs_labels or reference.num_classes is not None)

    def cache_options(self, reference: Reference) -> dict[str, Any]:
        """What, besides the real sets, a cached floor depends on (part of the cache key)."""
        return {}

    def floor_description(self, key: str, num_per_set: int, num_pairs: int) -> str:
        """What the floor of `key` (the metric's name or one of `also`) is."""
        return f"{key} between two real sets of {num_per_set}, mean over {num_pairs} pairs of sets"

    def compute(
        self,
        fake: np.ndarray,
        real: np.ndarray | None,
        reference: Reference,
        labels: np.ndarray | None = None,
    ) -> dict[str, float]:
        """The metric's values, of a generated set against a real set.

        Args:
            fake: the generated set, as `needs` says (samples, features or scores).
            real: the real set in the same form (the training samples with
                `against_training`; None for `SCORES` and `INCEPTION`).
            reference: the `core.Reference` (sample counts and options).
            labels: with `needs_labels`, the classes `fake` was generated for.

        Returns:
            `{key: value}`, the main value under `name`.
        """
        raise NotImplementedError

    def describe(self, reference: Reference) -> dict[str, str]:
        """What each key `compute` returns is, with the sample counts: `{key: text}`."""
        raise NotImplementedError

    def report(
        self,
        entry: dict[str, Any],
        values: dict[str, float],
        reference: Reference,
        counts: dict[str, int],
        labels: np.ndarray | None = None,
        class_names: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The metric's entry in the evaluate command's report.

        Args:
            entry: `{"value": main value, "num_generated": n, "num_real": m,
                "what": description}`.
            values: the dict `Reference.measure` returned.
            reference: the `core.Reference`.
            counts: `{"num_generated": n, "num_real": m}`, the sets' sizes.
            labels: with `needs_labels`, the classes the samples were generated for.
            class_names: with `needs_labels`, the name of each class.

        Returns:
            The entry, with the numbers of samples the metric compared; by
            default as it is.
        """
        return entry

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, needs={self.needs!r})"


def register(cls: type[Metric]) -> type[Metric]:
    """Class decorator: registers an instance of a `Metric` subclass under its `name`.

    Raises:
        ValueError: the class is no `Metric`, has no name or an unknown `needs`,
            or another metric has its name.
    """
    if not (isinstance(cls, type) and issubclass(cls, Metric)):
        raise ValueError(f"register takes a Metric subclass, received {cls!r}")
    if not cls.name or cls.needs not in NEEDS:
        raise ValueError(
            f"{cls.__name__} must set name (received {cls.name!r}) and needs, one "
            f"of {NEEDS} (received {cls.needs!r})"
        )
    if cls.name in _REGISTRY and type(_REGISTRY[cls.name]) is not cls:
        raise ValueError(
            f"a metric named {cls.name!r} is registered already: "
            f"{type(_REGISTRY[cls.name]).__name__}"
        )
    _REGISTRY[cls.name] = cls()
    return cls


def registered() -> list[Metric]:
    """Every registered metric, in the order of `NEEDS` (labelled ones last within a need)."""
    return sorted(_REGISTRY.values(), key=lambda m: (NEEDS.index(m.needs), m.needs_labels))


def get(name: str | Metric) -> Metric:
    """The registered metric called `name`.

    Raises:
        ValueError: no metric has that name; the message lists those that exist.
    """
    if isinstance(name, Metric):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown metric {name!r}; expected one of {sorted(_REGISTRY)}") from None


def compared(limit, counts):
    """How many samples of each set a metric on the first `limit` of each compared."""
    return min(limit, counts["num_generated"], counts["num_real"])


def features_entry(entry, reference, counts) -> dict:
    """A report entry of a metric of the first `num_samples` features of each set.

    Returns:
        `entry` with the numbers of samples compared and the feature network.
    """
    k = compared(reference.num_samples, counts)
    return {
        **entry,
        "num_generated": k,
        "num_real": k,
        "feature_network": reference.feature_network.description,
    }


# ---------------------------------------------------------------------------
# Input checks and conversions shared by the metrics.


def as_sample_matrix(samples, name: str) -> np.ndarray:
    """Returns `samples` as a float64 [n, d] matrix, flattening non-batch axes.

    float64 samples are not copied (a view): callers must not write into it.

    Raises:
        ValueError: a scalar, a 1-D array, an empty set or non-numeric data, named `name`.
    """
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
    return np.asarray(array.reshape(array.shape[0], -1), dtype=np.float64)


def check_same_dim(x: np.ndarray, y: np.ndarray, x_name: str, y_name: str) -> None:
    """Raises a ValueError naming both arguments when [n, d] `x` and `y` differ in d."""
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"`{x_name}` and `{y_name}` must have the same number of features per "
            f"sample; received {x.shape[1]} and {y.shape[1]} (after flattening all "
            "but the batch axis)."
        )


def images_to_float(images, name: str) -> np.ndarray:
    """Returns images as float32 NHWC in [-1, 1].

    uint8 images are mapped from [0, 255] to [-1, 1]; float images are taken
    to be in [-1, 1] already (the generator's output range) and kept as they
    are. A 3-D [n, h, w] array is read as single-channel images.

    Raises:
        ValueError: not a non-empty batch of images, or neither uint8 nor float.
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
            f"`{name}` must be uint8 in [0, 255] or float in [-1, 1]; received dtype {array.dtype}."
        )
    return array.astype(np.float32)


def class_scores(scores, num_samples: int, num_classes=None, what="classifier") -> np.ndarray:
    """A classifier's output as an array, checked: one row of K class scores per sample.

    Args:
        scores: what the classifier returned for `num_samples` samples.
        num_samples: how many samples it was given.
        num_classes: K when the generator has classes (None: any K).
        what: the classifier's name in errors.

    Raises:
        ValueError: not [num_samples, K].
    """
    scores = np.asarray(scores)
    if (
        scores.ndim != 2
        or len(scores) != num_samples
        or (num_classes is not None and scores.shape[1] != num_classes)
    ):
        classes = "K" if num_classes is None else num_classes
        raise ValueError(
            f"{what} gives scores of shape {scores.shape}; expected [{num_samples}, "
            f"{classes}], one per class" + ("" if num_classes is None else " of the generator")
        )
    return scores
