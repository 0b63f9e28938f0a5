"""The one evaluation core: real samples drawn once, their noise floors, and `measure`.

Every number the package reports about sample quality (the `Monitor` during
training, the evaluate command after it, the quality benchmarks) comes from
a `Reference`: the real side of the comparison, built once.

* The real set is drawn once (a random set of finite data, or fresh samples
  of a toy sampler: `real_sets.real_sample_set`, importable from here too) and
  every generated set is compared with the same one.
* The metrics are the registered `metrics.Metric`s that apply to the data
  (exact W1 of low-dimensional points; SWD and pixel W1 of images; FID,
  feature W1 and KID with a feature network; class entropy with a
  classifier; conditional accuracy and intra-FID of a conditional
  generator's labelled samples; precision, recall, density, coverage and
  the memorisation check with a feature network; the classifier score with
  a classifier, the Inception Score with an Inception network). The core
  names none of them: each says what it needs, how it computes its values
  and what its floor is.
* Two real sets of the same distribution are not at distance 0, so each
  distance is reported beside its noise floor: the mean over pairs of
  independent real sets (fresh sampler draws, or random disjoint halves of a
  pool of 2 n real samples). The floor of one pair is itself noisy (in 2-D it
  varies by about a third either way with how the samples fall between the
  modes), so the floors of low-dimensional data average `W1_FLOOR_PAIRS`
  pairs; high-dimensional floors vary far less from pair to pair and cost
  more, so those of images average `IMAGE_FLOOR_PAIRS`.
* `Reference.measure(generated)` computes the metrics and, given the
  critic's estimate, its ratios to the exact W1s and each metric's ratio to
  its floor.

Floors that depend only on the data (not on a feature network) are cached on
disk (see `floors`), so that the pairs are paid once per dataset and sample size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

from keras_wgan import validation
from keras_wgan.data import labels as class_labels
from keras_wgan.evaluation.floors import Floor, cache_directory, cache_file, read_cache, write_cache
from keras_wgan.evaluation.metrics import base, conditional
from keras_wgan.evaluation.networks import as_feature_network, classifier_function
from keras_wgan.evaluation.real_sets import MAX_READ, real_sample_set

__all__ = [
    "Floor",
    "Reference",
    "cache_directory",
    "classifier_function",
    "real_sample_set",
    "IMAGE_FLOOR_PAIRS",
    "MAX_EXACT_DIM",
    "MAX_READ",
    "MONITOR_W1_FLOOR_PAIRS",
    "W1_FLOOR_PAIRS",
    "W1_IMAGES",
]

MAX_EXACT_DIM = 64  # the exact W1 of vectors is computed up to this many numbers per sample
W1_FLOOR_PAIRS = 200  # pairs of real sets for the floors of low-dimensional data
# ...during training, where the floor is paid before the first step: 50 pairs leave
# its standard error near 5% at a quarter of the cost.
MONITOR_W1_FLOOR_PAIRS = 50
IMAGE_FLOOR_PAIRS = 5  # pairs of real sets for the floors of image metrics
W1_IMAGES = 2000  # generated vs real images of the exact pixel and feature W1, by default


class Reference:
    """The real side of every comparison: a real set drawn once, its floors, `measure`.

    Args:
        real: the fixed real set, an array [n, ...] (images [n, h, w, c], float
            in [-1, 1] or uint8 in [0, 255], mapped to [-1, 1] as `data.load`
            does; the same for `spare` and the generated samples).
        spare: more real samples, disjoint from `real`, at least as many: with
            them the floors are measured on random disjoint halves of
            `real` + `spare`. Ignored when `sampler` is given.
        sampler: a toy sampler `sampler(n, rng)`: the floors' sets are fresh
            draws of it.
        feature_network: images: a `feature_networks.FeatureNetwork` (or
            anything `feature_networks.feature_network` accepts) for the
            metrics of features (`fid`, `w1_feature`, `kid`).
        num_samples: images: the first this many samples of each set give the
            SWD, FID and KID (default: all).
        w1_samples: images: the first this many give `w1_pixel` and
            `w1_feature` (default: all).
        swd_samples: images: the first this many give the SWD (default:
            `num_samples`; its cost grows with it).
        metrics: names (or `metrics.Metric` objects) of the metrics to measure
            where they apply; default: every registered metric but the
            optional ones.
        add_metrics: names of metrics measured besides `metrics`, e.g.
            `("kid",)` (optional: its floor is costly).
        swd_options: keyword arguments of `metrics.sliced_wasserstein`.
        max_exact_dim: the exact W1 of vectors is measured up to this many numbers.
        seed: seed of the floors' pairs from `spare` (those of a sampler are
            the same for every seed), of the SWD and KID.
        cache: cache the floors that depend only on the data on disk.
        num_classes: K for a conditional generator: `measure(generated,
            labels=...)` then adds the metrics that need labels
            (`conditional_accuracy` with `classifier`, `intra_fid` with
            `feature_network` and `real_labels`).
        real_labels: the labels of `real`, int [n] in [0, K): the real
            samples of each class for `intra_fid`.
        classifier: what assigns generated samples to classes, for
            `class_entropy` and (with `num_classes`) `conditional_accuracy`:
            a `FeatureNetwork` with `classify` (the package's classifier,
            trained on the real labels), a `keras.Model` or `.keras` path of a
            classifier, or a function `samples -> class scores [n, K]`.
        min_class_samples: a class with fewer real or generated samples has
            no FID (NaN, listed by `too_few_classes`).
        inception_classifier: the Inception Score's ImageNet class
            probabilities [n, K], given as `classifier` is (e.g.
            `inception_classes.InceptionClassifier()`); None: no `inception_score`.
        training: the training samples the memorisation check searches
            (default: `real` + `spare`, drawn from the training data by the
            evaluate command and the Monitor); features computed once.

    Attributes:
        real: the real set.
        is_images: whether the samples are images [h, w, c].
        exact: whether the exact W1 of the vectors is measured.
        metrics: the `metrics.Metric`s that apply, in the registry's order.
        floors: `{name: Floor}` once `compute_floors` ran (else empty).
        descriptions: what each key of `measure` and `floors` is.
        details: what the last `measure` found besides numbers, by metric
            name (the memorisation check's nearest training samples).

    Example:

        ```python
        reference = Reference(real, spare=more_real)
        reference.compute_floors()
        reference.measure(generated)  # {"w1_exact": ..., "w1_floor_ratio": ...}
        ```
    """

    def __init__(
        self,
        real: ArrayLike,
        *,
        spare: np.ndarray | None = None,
        sampler: Callable[[int, np.random.Generator], ArrayLike] | None = None,
        feature_network: Any = None,
        num_samples: int | None = None,
        w1_samples: int | None = None,
        swd_samples: int | None = None,
        metrics: Sequence[str | base.Metric] | None = None,
        add_metrics: Sequence[str] = (),
        swd_options: dict[str, Any] | None = None,
        max_exact_dim: int = MAX_EXACT_DIM,
        seed: int = 0,
        cache: bool = True,
        num_classes: int | None = None,
        real_labels: ArrayLike | None = None,
        classifier: Any = None,
        min_class_samples: int | None = None,
        inception_classifier: Any = None,
        training: ArrayLike | None = None,
    ) -> None:
        self.real = np.ascontiguousarray(_as_samples(real, "real"))
        if self.real.ndim < 2 or len(self.real) < 2:
            raise ValueError(
                f"real must be an array [n >= 2, ...], received shape {self.real.shape}"
            )
        n = len(self.real)
        self.sampler = sampler
        given = None if spare is None else _as_samples(spare, "spare")
        self.spare = None if given is None or len(given) < n else given[:n]
        self._given_spare = given  # all of it: the memorisation check searches it too
        self.seed = int(seed)
        self.cache = bool(cache)
        self.is_images = self.real.ndim == 4
        self.exact = not self.is_images and int(np.prod(self.real.shape[1:])) <= max_exact_dim
        self.num_samples = min(n, num_samples or n)
        self.w1_samples = min(n, w1_samples or n)
        self.swd_samples = min(self.num_samples, swd_samples or self.num_samples)
        self.swd_options = dict(swd_options or {})
        self.feature_network = as_feature_network(feature_network) if self.is_images else None
        self.num_classes = class_labels.check_num_classes(num_classes)
        self.real_labels = None
        if real_labels is not None:
            if self.num_classes is None:
                raise ValueError("real_labels needs num_classes, received num_classes=None")
            self.real_labels = class_labels.check_labels(
                real_labels,
                self.num_classes,
                argument="real_labels",
                expected_length=n,
                expected_what="one label per sample of real",
            )
        self.min_class_samples = (
            conditional.MIN_CLASS_SAMPLES if min_class_samples is None else int(min_class_samples)
        )
        self.classify, self.classifier_description = classifier_function(classifier)
        self.inception_classify, self.inception_description = classifier_function(
            inception_classifier
        )
        self.training = None if training is None else _as_samples(training, "training")
        if self.training is not None and self.training.shape[1:] != self.real.shape[1:]:
            shape = self.training.shape
            raise ValueError(f"training must hold samples like real's; received shape {shape}")
        if metrics is None:
            metrics = [metric for metric in base.registered() if not metric.optional]
        chosen = {metric.name: metric for metric in map(base.get, [*metrics, *add_metrics])}
        order = [metric.name for metric in base.registered()]  # then unregistered ones
        self.metrics = [
            metric
            for metric in sorted(
                chosen.values(),
                key=lambda m: order.index(m.name) if m.name in order else len(order),
            )
            if metric.applies(self)
        ]
        self.floors: dict[str, Floor] = {}
        self.details: dict[str, Any] = {}
        self.descriptions = self._descriptions()
        self._features = None  # of real (+ spare), computed on first use
        self._training_features = None  # of `training`, computed on first use

    # ---------------------------------------------------------------- metrics
    def _descriptions(self):
        text = {}
        for metric in self.metrics:
            text.update(metric.describe(self))
        text["w1_critic_estimate"] = (
            "mean critic(real) - mean critic(generated), critic in inference mode"
        )
        for metric in self.metrics:
            if metric.critic_ratio is not None:
                text[metric.critic_ratio] = f"w1_critic_estimate / {metric.name}"
        return text

    def real_class_counts(self) -> np.ndarray | None:
        """Real samples of each class, int [K] (None without `real_labels`)."""
        if self.real_labels is None:
            return None
        return np.bincount(self.real_labels, minlength=self.num_classes or 0)

    def _features_of(self, samples):
        return np.asarray(self.feature_network.features(samples), dtype="float64")

    def _inputs(self, metrics, samples, features=None):
        """What each need of `metrics` gets from `samples`: `{need: array}`, computed once."""
        needs = {metric.needs for metric in metrics}
        inputs = {base.POINTS: samples, base.PIXELS: samples}
        if base.FEATURES in needs:
            if features is None:
                labelled = any(metric.needs_labels for metric in metrics)
                count = len(samples) if labelled else max(self.num_samples, self.w1_samples)
                features = self._features_of(samples[:count])
            inputs[base.FEATURES] = features
        if base.SCORES in needs:
            scores = self.classify(samples)
            inputs[base.SCORES] = base.class_scores(scores, len(samples), self.num_classes)
        if base.INCEPTION in needs:
            scores = self.inception_classify(samples)
            inputs[base.INCEPTION] = base.class_scores(scores, len(samples), None, "inception")
        return inputs

    def training_samples(self) -> np.ndarray:
        """The samples the memorisation check searches: `training`, else `real` + all of `spare`."""
        if self.training is not None:
            return self.training
        spare = self._given_spare
        return self.real if spare is None else np.concatenate([self.real, spare])

    def _training_inputs(self, need):
        """The training samples as a metric of `need` compares them (features computed once)."""
        if need != base.FEATURES:
            return self.training_samples()
        given, used = self._given_spare, 0 if self.spare is None else len(self.spare)
        if self.training is None and (given is None or len(given) == used):
            return self._real_features()  # real + spare, whose features the floors use too
        if self._training_features is None:
            self._training_features = self._features_of(self.training_samples())
        return self._training_features

    def measure(
        self,
        generated: ArrayLike,
        critic_estimate: float | None = None,
        labels: ArrayLike | None = None,
    ) -> dict[str, float]:
        """The metrics of a generated set against the real set, as a dict of floats.

        Args:
            generated: generated samples, as many as `real` holds (the metrics
                use the first `num_samples` / `w1_samples`), same shape per sample.
            critic_estimate: the critic's W1 estimate on these sets, if known:
                then each W1 metric's `critic_ratio` key (estimate / exact W1)
                is added.
            labels: a conditional generator's samples: the class each was
                generated for, int [len(generated)] (e.g.
                `conditional.evenly_spread_labels`); needs `num_classes`.

        Returns:
            The values of each metric in `metrics` (those that need labels
            only with `labels`: computed on the first m generated samples of
            each class, m the smallest class count), `w1_critic_estimate` and
            its ratios when given, and `<floor>_ratio` (metric / floor) for
            each floor measured whose metric has a `floor_ratio`.

        Raises:
            ValueError: generated samples of another shape than the real ones,
                labels of the wrong length or range, or labels without `num_classes`.
        """
        fake = _as_samples(generated, "generated")
        if fake.ndim < 2 or fake.shape[1:] != self.real.shape[1:]:
            raise ValueError(
                f"generated must hold samples of shape {self.real.shape[1:]}; "
                f"received shape {fake.shape}"
            )
        if labels is not None:
            if self.num_classes is None:
                raise ValueError(
                    "labels were given but the Reference has num_classes=None; "
                    "expected Reference(..., num_classes=K) for a conditional "
                    "generator"
                )
            labels = class_labels.check_labels(
                labels,
                self.num_classes,
                argument="labels",
                expected_length=len(fake),
                expected_what="one label per generated sample",
            )
        metrics = [
            metric for metric in self.metrics if labels is not None or not metric.needs_labels
        ]
        fake_inputs = self._inputs(metrics, fake)
        real_inputs = {base.POINTS: self.real, base.PIXELS: self.real}
        if base.FEATURES in fake_inputs:
            real_inputs[base.FEATURES] = self._real_features()[: len(self.real)]
        values = {}
        self.details = {}
        for metric in metrics:
            if metric.against_training:
                real = self._training_inputs(metric.needs)
            else:  # None for class scores: a property of the generated set
                real = real_inputs.get(metric.needs)
            values.update(
                metric.compute(
                    fake_inputs[metric.needs],
                    real,
                    self,
                    labels=labels if metric.needs_labels else None,
                )
            )
        if critic_estimate is not None:
            values["w1_critic_estimate"] = float(critic_estimate)
            for metric in metrics:
                if metric.critic_ratio is not None:
                    values[metric.critic_ratio] = _ratio(critic_estimate, values[metric.name])
        for metric in metrics:
            floor = None if metric.floor_name is None else self.floors.get(metric.floor_name)
            if floor is not None and metric.floor_ratio:
                values[f"{metric.floor_name}_ratio"] = _ratio(values[metric.name], floor.value)
        return values

    def too_few_classes(self, labels: ArrayLike) -> dict[int, tuple[int, int]]:
        """The classes without an FID for these labels: `{k: (num_real, num_generated)}`."""
        counts = self.real_class_counts()
        if counts is None or self.num_classes is None:
            raise ValueError("too_few_classes needs a Reference with num_classes and real_labels")
        _, m = conditional.balanced_indices(labels, self.num_classes)
        limit = max(2, self.min_class_samples)
        return {
            k: (int(counts[k]), m) for k in range(self.num_classes) if min(counts[k], m) < limit
        }

    # ----------------------------------------------------------------- floors
    def _real_features(self):
        if self._features is None:
            pool = self.real if self.spare is None else np.concatenate([self.real, self.spare])
            self._features = self._features_of(pool)
        return self._features

    def can_measure_floors(self) -> bool:
        """Whether there are real sets for the floors (a sampler, or `spare` samples)."""
        return self.sampler is not None or self.spare is not None

    def _pair(self, index):
        """The real sets of floor pair `index`: fresh draws, or random halves of the pool.

        Returns:
            (a, b, a_index, b_index): two real sets of len(real) samples, and
            their rows in real + spare (None for sampler draws).
        """
        n = len(self.real)
        if self.sampler is not None:
            # Pair i draws from default_rng(100000 + i) whatever the seed: the floor is a
            # property of the distribution and the set size (and cached as such).
            rng = np.random.default_rng(100000 + index)
            return (
                np.asarray(self.sampler(n, rng), "float32"),
                np.asarray(self.sampler(n, rng), "float32"),
                None,
                None,
            )
        order = np.random.default_rng([self.seed, 3, index]).permutation(2 * n)
        pool = np.concatenate([self.real, self.spare])
        return pool[order[:n]], pool[order[n:]], order[:n], order[n:]

    def _pair_inputs(self, metrics, index):
        """The inputs of `metrics` for the two real sets of floor pair `index`."""
        a, b, a_index, b_index = self._pair(index)
        if not any(metric.needs == base.FEATURES for metric in metrics):
            return self._inputs(metrics, a), self._inputs(metrics, b)
        features = self._real_features()
        fa = features[a_index] if a_index is not None else self._features_of(a)
        fb = features[b_index] if b_index is not None else self._features_of(b)
        return self._inputs(metrics, a, fa), self._inputs(metrics, b, fb)

    def compute_floors(self, num_pairs: int | None = None) -> dict[str, Floor]:
        """Measures the noise floors (once), the mean of each metric over pairs of real sets.

        Each metric with a floor is measured between the two real sets of
        each pair (of its `floor_pairs` first pairs, when it sets them).

        Args:
            num_pairs: pairs of real sets; default `W1_FLOOR_PAIRS` (200) for
                vectors, `IMAGE_FLOOR_PAIRS` (5) for images.

        Returns:
            `{metric.floor_name: Floor}` (empty when there are no real sets
            for floors or no metric has one); also kept in `floors`.
        """
        floored = [metric for metric in self.metrics if metric.floor_name is not None]
        if not self.can_measure_floors() or not floored:
            return self.floors
        if num_pairs is None:
            num_pairs = IMAGE_FLOOR_PAIRS if self.is_images else W1_FLOOR_PAIRS
        validation.integer("num_pairs", num_pairs, minimum=1)
        cacheable = [metric for metric in floored if metric.cache_floor]
        cache = self._cache_file(num_pairs, cacheable) if self.cache and cacheable else None
        cached = None if cache is None else read_cache(cache)
        if cached is not None and not all(metric.name in cached for metric in cacheable):
            cached = None
        fresh: dict[str, dict[str, list[float]]] = {}  # {metric: {key: [value of each pair]}}
        for index in range(num_pairs):
            metrics = [
                metric
                for metric in floored
                if not (cached and metric.cache_floor)
                and (metric.floor_pairs is None or index < metric.floor_pairs)
            ]
            if not metrics:
                continue
            inputs_a, inputs_b = self._pair_inputs(metrics, index)
            for metric in metrics:
                pair = metric.compute(inputs_a[metric.needs], inputs_b[metric.needs], self)
                for key, value in pair.items():
                    fresh.setdefault(metric.name, {}).setdefault(key, []).append(value)
        if cache is not None and not cached:
            write_cache(
                cache,
                {key: pairs for metric in cacheable for key, pairs in fresh[metric.name].items()},
            )
        values = dict(cached or {})
        for keys in fresh.values():
            values.update(keys)
        n = len(self.real)
        for metric in floored:
            name = cast(str, metric.floor_name)  # a floored metric has one
            for key, floor_key in [(metric.name, name)] + [(k, f"{k}_floor") for k in metric.also]:
                self.floors[floor_key] = floor = Floor.of(values[key], n)
                self.descriptions[floor_key] = metric.floor_description(key, n, floor.num_pairs)
            if metric.floor_ratio:
                self.descriptions[f"{name}_ratio"] = (
                    f"{metric.name} / {name} (1: as close as the data)"
                )
        return self.floors

    def _cache_file(self, num_pairs, metrics):
        """The cache file of the data-only floors of `metrics`."""
        if self.sampler is not None:  # the sampler's first draws stand for the sampler
            probe = np.asarray(self.sampler(64, np.random.default_rng(0)), "float64")
            data = b"sampler" + probe.tobytes()
        else:
            data = b"pool" + self.real.tobytes() + self.spare.tobytes()
        return cache_file(
            data,
            {
                "n": len(self.real),
                "pairs": num_pairs,
                "shape": list(self.real.shape[1:]),
                "seed": None if self.sampler is not None else self.seed,
                "k": self.num_samples,
                "w": self.w1_samples,
                "metrics": {metric.name: metric.cache_options(self) for metric in metrics},
            },
        )


def _as_samples(samples, name):
    """Samples as float32; uint8 images [n, h, w, c] mapped from [0, 255] to [-1, 1]."""
    array = np.asarray(samples)
    if array.dtype == np.uint8 and array.ndim == 4:
        return base.images_to_float(array, name)
    return np.asarray(array, dtype="float32")


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator > 0 else math.nan
