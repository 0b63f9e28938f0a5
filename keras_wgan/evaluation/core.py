"""The one evaluation core: real samples drawn once, their noise floors, and `measure`.

Every number the package reports about sample quality -- the `Monitor` during
training, the `keras_wgan.evaluate` command after it, the quality benchmarks --
comes from a `Reference`: the real side of the comparison, built once.

* The real set is drawn once (a random set of finite data, or fresh samples
  of a toy sampler) and every generated set is compared with the same one.
* Two real sets of the same distribution are not at distance 0, so each
  distance is reported beside its noise floor: the mean over many pairs of
  independent real sets (fresh sampler draws, or random disjoint halves of a
  pool of 2 n real samples). The floor of one pair is itself noisy -- in 2-D
  (8gaussians) it varies by about a third either way with how the samples
  fall between the modes -- so the W1 floor of low-dimensional data is
  averaged over `W1_FLOOR_PAIRS` (200) pairs. High-dimensional floors vary
  far less from pair to pair (pixel W1 of 2,000 MNIST digits: 0.14%; SWD of
  256: 10%) and cost more, so images use `IMAGE_FLOOR_PAIRS` (5).
* `Reference.measure(generated)` computes the metrics that apply and, given
  the critic's estimate, their ratios to it and to the floors.
* Conditional generators: a Reference given `num_classes` (with the real
  set's `real_labels` and a `classifier`) also measures, from the labels the
  samples were generated for (`measure(generated, labels=...)`), the
  conditional accuracy and the FID per class and its mean (intra-FID), see
  `evaluation.conditional`.
* With a `classifier` (conditional or not), `class_entropy`: how evenly the
  generated samples spread over the classes it assigns them to.

The exact W1 (optimal transport with POT, Euclidean cost) is what the critic
of a WGAN estimates. For data of at most `MAX_EXACT_DIM` numbers per sample
it is `w1_exact`; for images it is computed both in pixel space (`w1_pixel`)
and in a feature network's space (`w1_feature`) on `W1_IMAGES` (2,000) vs
2,000 images by default, so a user sees whether the critic's number tracks
the true distance.

Floors that depend only on the data (not on a feature network) are cached on
disk (`cache_directory()`), keyed by a hash of the real samples and the
options, so that the 200 pairs are paid once per dataset and sample size.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from keras_wgan import validation

__all__ = ["Floor", "Reference", "cache_directory", "classifier_function", "floor_name",
           "real_sample_set",
           "swd_min_resolution",
           "MAX_EXACT_DIM", "MONITOR_W1_FLOOR_PAIRS", "W1_FLOOR_PAIRS", "IMAGE_FLOOR_PAIRS", "W1_IMAGES"]

MAX_EXACT_DIM = 64  # the exact W1 of vectors is computed up to this many numbers per sample
W1_FLOOR_PAIRS = 200  # pairs of real sets for the floors of low-dimensional data
# ...during training: the Monitor's floor is paid before the first step (200
# exact solves of 2000 x 2000 cost about 2 CPU-minutes, longer than training
# 8gaussians); 50 pairs leave its standard error near 5% and cost a quarter.
MONITOR_W1_FLOOR_PAIRS = 50
IMAGE_FLOOR_PAIRS = 5  # pairs of real sets for the floors of image metrics
W1_IMAGES = 2000  # generated vs real images of the exact pixel and feature W1, by default
MAX_READ = 20000  # finite data: examples read to draw a random real set from
_CACHE_VERSION = 1  # bump when a floor's definition changes


def swd_min_resolution(height, width, patch_size=7):
    """The coarsest SWD pyramid level for an image size: half the shorter side, at most 16.

    ProGAN stops its Laplacian pyramid at 16 px. For 28x28 MNIST that leaves a
    single level (28: the images themselves, no band-pass split); half the
    shorter side gives two, {28 band-pass, 14 low-pass}, so fine detail and
    coarse structure are measured apart. 32 -> {32, 16}, 64 -> {64, 32, 16}.
    Never below `patch_size`, so that a patch fits in every level.

    Args:
        height: image height.
        width: image width.
        patch_size: the SWD's patch side.

    Returns:
        The `min_resolution` to pass to `metrics.sliced_wasserstein`.
    """
    return max(patch_size, min(16, min(height, width) // 2))


def real_sample_set(dataset, n, seed=0, max_read=MAX_READ, labels=False):
    """A random set of `n` real samples of a dataset, as numpy float32 (and their labels).

    Toy data: fresh samples of the numpy sampler. Finite data: `n` examples
    drawn without replacement from the first `min(num_examples, max_read)`
    examples (files are often sorted, e.g. by label, so the first `n` would
    not be a fair sample); fewer than `n` if the data has fewer. With
    `labels` the samples are the same and come with their class labels
    (read with `data.load(..., labels=True)`).

    Args:
        dataset: a dataset string as for `data.load`, or its `DataInfo`.
        n: the number of samples wanted, >= 1.
        seed: seed of the draw.
        max_read: read at most this many examples of finite data.
        labels: also return the samples' labels (labelled data only).

    Returns:
        float32 array [min(n, available), *sample_shape], preprocessed as for
        training; with `labels`, `(samples, int32 labels [len(samples)])`.

    Raises:
        ValueError: `labels` asked of data without class labels.
    """
    from keras_wgan import data

    if isinstance(dataset, data.DataInfo):
        info, sampler = dataset, dataset.sampler
    elif os.fspath(dataset) in data.TOY_DATASETS:
        info, sampler = None, data.TOY_DATASETS[os.fspath(dataset)]
    else:  # Opened only to learn its size and shape; nothing is read yet.
        _, info = data.load(dataset, batch_size=1, repeat=False, cache=False, shuffle_buffer=0)
        sampler = info.sampler
    if sampler is not None:
        if labels:
            raise data.NoLabelsError(info.name if info else os.fspath(dataset))
        return sampler(int(n), np.random.default_rng([seed, 1]))
    read = min(info.num_examples or max_read, max_read)
    pool = data.real_samples(info, read)
    if labels:  # the same first `read` examples in source order, and their labels
        pool_labels = data.real_labels(info, read)
    order = np.random.default_rng([seed, 1]).permutation(len(pool))[: int(n)]
    return (pool[order], pool_labels[order].astype("int32")) if labels else pool[order]


def cache_directory():
    """Where the package caches what it computed once: `$XDG_CACHE_HOME/keras_wgan`.

    Returns:
        A `Path` (`~/.cache/keras_wgan` when `XDG_CACHE_HOME` is unset); not created here.
    """
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "keras_wgan"


class Floor(NamedTuple):
    """A noise floor: a metric between two real sets, averaged over pairs of sets.

    Attributes:
        value: the mean over the pairs.
        error: its standard error (NaN for a single pair).
        num_pairs: pairs of real sets averaged.
        num_per_set: samples in each set.
    """

    value: float
    error: float
    num_pairs: int
    num_per_set: int


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
            anything `feature_networks.feature_network` accepts) for `fid`,
            `w1_feature` (and `kid`).
        num_samples: images: the first this many samples of each set give the
            SWD, FID and KID (default: all).
        w1_samples: images: the first this many give `w1_pixel` and
            `w1_feature` (default: all).
        swd_samples: images: the first this many give the SWD (default:
            `num_samples`; its cost grows with it: 87 s for 10,000 against
            10,000 28x28 images on this project's 2 CPU cores, shared with a
            training run).
        kid: images with a feature network: also measure KID (costly floors:
            its floor is taken on one pair, KID being unbiased).
        swd_options: keyword arguments of `metrics.sliced_wasserstein`;
            `min_resolution` defaults to `swd_min_resolution(h, w)`, `seed` to `seed`.
        max_exact_dim: the exact W1 of vectors is measured up to this many numbers.
        seed: seed of the floors' pairs from `spare` (those of a sampler are
            the same for every seed), of the SWD and KID.
        cache: cache the floors that depend only on the data on disk.
        num_classes: K for a conditional generator: `measure(generated,
            labels=...)` then adds `conditional_accuracy` (with `classifier`)
            and `intra_fid` (with `feature_network` and `real_labels`).
        real_labels: the labels of `real`, int [n] in [0, K): the real
            samples of each class for `intra_fid`.
        classifier: what assigns generated samples to classes, for
            `class_entropy` and (with `num_classes`) `conditional_accuracy`:
            a `FeatureNetwork` with `classify` (the
            package's classifier, trained on the real labels), a
            `keras.Model` or `.keras` path of a classifier, or a function
            `samples -> class scores [n, K]`.
        min_class_samples: a class with fewer real or generated samples has
            no FID (NaN, listed by `too_few_classes`).

    Attributes:
        real: the real set.
        is_images: whether the samples are images [h, w, c].
        exact: whether the exact W1 of the vectors is measured.
        floors: `{name: Floor}` once `compute_floors` ran (else empty).
        descriptions: what each key of `measure` and `floors` is.
    """

    def __init__(self, real, *, spare=None, sampler=None, feature_network=None, num_samples=None,
                 w1_samples=None, swd_samples=None, kid=False, swd_options=None,
                 max_exact_dim=MAX_EXACT_DIM, seed=0, cache=True, num_classes=None, real_labels=None, classifier=None,
                 min_class_samples=None):
        from keras_wgan.data import labels as class_labels
        from keras_wgan.evaluation import conditional

        self.real = np.ascontiguousarray(_as_samples(real, "real"))
        if self.real.ndim < 2 or len(self.real) < 2:
            raise ValueError(f"real must be an array [n >= 2, ...], received shape "
                             f"{self.real.shape}")
        n = len(self.real)
        self.sampler = sampler
        self.spare = (None if spare is None or len(spare) < n
                      else _as_samples(spare[:n], "spare"))
        self.seed = int(seed)
        self.cache = bool(cache)
        self.is_images = self.real.ndim == 4
        self.exact = not self.is_images and int(np.prod(self.real.shape[1:])) <= max_exact_dim
        self.num_samples = min(n, num_samples or n)
        self.w1_samples = min(n, w1_samples or n)
        self.swd_samples = min(self.num_samples, swd_samples or self.num_samples)
        self.swd_options = dict(swd_options or {})
        if self.is_images:
            self.swd_options.setdefault("min_resolution", swd_min_resolution(*self.real.shape[1:3]))
            self.swd_options.setdefault("seed", self.seed)
        if feature_network is not None and not self.is_images:
            feature_network = None
        if feature_network is not None:
            from keras_wgan.evaluation import feature_networks

            if not isinstance(feature_network, feature_networks.FeatureNetwork):
                feature_network = feature_networks.feature_network(feature_network)
        self.feature_network = feature_network
        self.kid = bool(kid) and feature_network is not None
        self.num_classes = class_labels.check_num_classes(num_classes)
        self.real_labels = None
        if real_labels is not None:
            if self.num_classes is None:
                raise ValueError("real_labels needs num_classes, received num_classes=None")
            self.real_labels = class_labels.check_labels(
                real_labels, self.num_classes, argument="real_labels", expected_length=n,
                expected_what="one label per sample of real")
        self.min_class_samples = (conditional.MIN_CLASS_SAMPLES if min_class_samples is None
                                  else int(min_class_samples))
        self.classify, self.classifier_description = classifier_function(classifier)
        self.floors = {}
        self.descriptions = self._descriptions()
        self._features = None  # of real (+ spare), computed on first use

    # ---------------------------------------------------------------- metrics
    def _descriptions(self):
        n, k, w, s = len(self.real), self.num_samples, self.w1_samples, self.swd_samples
        text = {}
        if self.exact:
            text["w1_exact"] = f"exact W1 (optimal transport, POT); {n} generated vs {n} real"
        if self.is_images:
            text["swd"] = (f"sliced Wasserstein distance x1e3 (ProGAN), mean over pyramid levels "
                           f"down to {self.swd_options['min_resolution']} px; {s} vs {s} images")
            text["w1_pixel"] = f"exact W1 in pixel space (POT, Euclidean); {w} vs {w} images"
        if self.feature_network is not None:
            net = self.feature_network.description
            text["fid"] = f"Frechet distance on the features of {net}; {k} vs {k} images"
            text["w1_feature"] = f"exact W1 on the features of {net}; {w} vs {w} images"
            if self.kid:
                text["kid"] = f"kernel distance (KID) on the features of {net}; {k} vs {k} images"
        text["w1_critic_estimate"] = ("mean critic(real) - mean critic(generated), critic in "
                                      "inference mode")
        if self.classify is not None:
            text["class_entropy"] = (
                f"entropy (nats) of the classes {self.classifier_description} assigns to the "
                "generated samples; ln K when the K classes are equally frequent")
        if self.classify is not None and self.num_classes is not None:
            text["conditional_accuracy"] = (
                f"share of generated samples that {self.classifier_description} assigns to the "
                "class they were generated for; the same number of every class")
        if self.has_intra_fid:
            text["intra_fid"] = (
                f"mean over the classes of the Frechet distance between the generated and the "
                f"real samples of the class, on the features of "
                f"{self.feature_network.description}; real: the {n} real samples by label")
        for name in ("w1_exact", "w1_pixel", "w1_feature"):
            if name in text:
                suffix = name[len("w1_"):]
                key = "w1_ratio" if name == "w1_exact" else f"w1_{suffix}_ratio"
                text[key] = f"w1_critic_estimate / {name}"
        return text

    @property
    def has_intra_fid(self):
        """Whether `measure(..., labels=...)` gives the intra-FID (a feature network and real labels)."""
        return self.feature_network is not None and self.real_labels is not None

    def real_class_counts(self):
        """Real samples of each class, int [K] (None without `real_labels`)."""
        if self.real_labels is None:
            return None
        return np.bincount(self.real_labels, minlength=self.num_classes)

    def _features_of(self, samples):
        return np.asarray(self.feature_network.features(samples), dtype="float64")

    def _distances(self, fake, real):
        """The metrics of the samples themselves, of one set against another."""
        from keras_wgan.evaluation import metrics  # POT imports TensorFlow: only when measuring

        w, s = self.w1_samples, self.swd_samples
        values = {}
        if self.exact:
            values["w1_exact"] = metrics.wasserstein1(fake, real)
        if self.is_images:
            swd = metrics.sliced_wasserstein(fake[:s], real[:s], **self.swd_options)
            values["swd"] = swd.mean
            values.update({f"swd_{height}px": level for height, level in swd.levels.items()})
            values["w1_pixel"] = metrics.wasserstein1(fake[:w], real[:w])
        return values

    def _feature_distances(self, fake_features, real_features, with_kid=True):
        """The metrics of the feature network's features, of one set against another."""
        from keras_wgan.evaluation import metrics

        k, w = self.num_samples, self.w1_samples
        values = {"fid": metrics.frechet_distance(fake_features[:k], real_features[:k]),
                  "w1_feature": metrics.wasserstein1(fake_features[:w], real_features[:w])}
        if self.kid and with_kid:
            subset = min(1000, k)  # KID's usual 100 subsets of 1000; one if that is all
            kid = metrics.kernel_distance(real_features[:k], fake_features[:k],
                                          subset_size=subset,
                                          num_subsets=100 if subset < k else 1, seed=self.seed)
            values["kid"], values["kid_std"] = kid.mean, kid.std
        return values

    def measure(self, generated, critic_estimate=None, labels=None):
        """The metrics of a generated set against the real set, as a dict of floats.

        Args:
            generated: generated samples, as many as `real` holds (the metrics
                use the first `num_samples` / `w1_samples`), same shape per sample.
            critic_estimate: the critic's W1 estimate on these sets, if known:
                then the `*_ratio` keys (estimate / exact W1) are added.
            labels: a conditional generator's samples: the class each was
                generated for, int [len(generated)] (e.g.
                `conditional.evenly_spread_labels`); needs `num_classes`.

        Returns:
            `{"w1_exact" | "swd", "swd_<h>px", "w1_pixel", "fid", "w1_feature",
            "kid", "kid_std", "class_entropy": value}` (those that apply; the
            last with a classifier, on all generated samples), `w1_critic_estimate`
            and its ratios when given, and `<floor>_ratio` (metric / floor)
            for each floor measured (`w1_floor_ratio` for `w1_exact`). With
            `labels`: `conditional_accuracy` and `conditional_accuracy_class_<k>`
            (with a classifier), `intra_fid` and `intra_fid_class_<k>` (NaN
            for a class with too few samples; with a feature network and
            `real_labels`), on the first m generated samples of each class
            (m the smallest class count, `conditional.balanced_indices`).
        """
        fake = _as_samples(generated, "generated")
        if fake.ndim < 2 or fake.shape[1:] != self.real.shape[1:]:
            raise ValueError(f"generated must hold samples of shape {self.real.shape[1:]}; "
                             f"received shape {fake.shape}")
        if labels is not None and self.num_classes is None:
            raise ValueError("labels were given but the Reference has num_classes=None; expected "
                             "Reference(..., num_classes=K) for a conditional generator")
        values = self._distances(fake, self.real)
        fake_features = None
        if self.feature_network is not None:
            fake_features = self._features_of(fake[:max(self.num_samples, self.w1_samples)])
            values.update(self._feature_distances(fake_features, self._real_features()))
        scores = None
        if self.classify is not None:
            from keras_wgan.evaluation import metrics

            scores = np.asarray(self.classify(fake))
            if scores.ndim != 2 or len(scores) != len(fake) or (
                    self.num_classes is not None and scores.shape[1] != self.num_classes):
                classes = "K" if self.num_classes is None else self.num_classes
                raise ValueError(f"classifier gives scores of shape {scores.shape}; expected "
                                 f"[{len(fake)}, {classes}], one per class of the generator")
            values["class_entropy"] = metrics.class_entropy(scores)
        if labels is not None:
            values.update(self._conditional(fake, labels, fake_features, scores))
        if critic_estimate is not None:
            values["w1_critic_estimate"] = float(critic_estimate)
            for name, key in (("w1_exact", "w1_ratio"), ("w1_pixel", "w1_pixel_ratio"),
                              ("w1_feature", "w1_feature_ratio")):
                if name in values:
                    values[key] = _ratio(critic_estimate, values[name])
        for metric in list(values):
            floor = self.floors.get(floor_name(metric))
            if floor is not None and metric != "kid":
                values[f"{floor_name(metric)}_ratio"] = _ratio(values[metric], floor.value)
        return values

    def _conditional(self, fake, labels, fake_features, scores):
        """conditional_accuracy and intra_fid (with their per-class values) of labelled samples.

        `scores` are the classifier's scores of all of `fake` (None without a classifier).
        """
        from keras_wgan.data import labels as class_labels
        from keras_wgan.evaluation import conditional

        labels = class_labels.check_labels(labels, self.num_classes, argument="labels",
                                           expected_length=len(fake),
                                           expected_what="one label per generated sample")
        indices, _ = conditional.balanced_indices(labels, self.num_classes)
        fake, labels = fake[indices], labels[indices]
        values = {}
        if scores is not None:
            accuracy, per_class = conditional.conditional_accuracy(scores[indices], labels)
            values["conditional_accuracy"] = accuracy
            values.update({f"conditional_accuracy_class_{k}": float(v)
                           for k, v in enumerate(per_class)})
        if self.has_intra_fid:
            if fake_features is not None and len(fake_features) > indices.max():
                features = fake_features[indices]
            else:
                features = self._features_of(fake)
            result = conditional.intra_fid(features, labels, self._real_features()[:len(self.real)],
                                           self.real_labels, self.num_classes,
                                           self.min_class_samples)
            values["intra_fid"] = result.value
            values.update({f"intra_fid_class_{k}": float(v)
                           for k, v in enumerate(result.per_class)})
        return values

    def too_few_classes(self, labels):
        """The classes without an FID for these generated labels: `{k: (num_real, num_generated)}`."""
        from keras_wgan.evaluation import conditional

        _, m = conditional.balanced_indices(labels, self.num_classes)
        counts = self.real_class_counts()
        limit = max(2, self.min_class_samples)
        return {k: (int(counts[k]), m) for k in range(self.num_classes)
                if min(counts[k], m) < limit}

    # ----------------------------------------------------------------- floors
    def _real_features(self):
        if self._features is None:
            pool = self.real if self.spare is None else np.concatenate([self.real, self.spare])
            self._features = self._features_of(pool)
        return self._features

    def can_measure_floors(self):
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
            return (np.asarray(self.sampler(n, rng), "float32"),
                    np.asarray(self.sampler(n, rng), "float32"), None, None)
        order = np.random.default_rng([self.seed, 3, index]).permutation(2 * n)
        pool = np.concatenate([self.real, self.spare])
        return pool[order[:n]], pool[order[n:]], order[:n], order[n:]

    def compute_floors(self, num_pairs=None):
        """Measures the noise floors (once), the mean of each metric over pairs of real sets.

        Args:
            num_pairs: pairs of real sets; default `W1_FLOOR_PAIRS` (200) for
                vectors, `IMAGE_FLOOR_PAIRS` (5) for images.

        Returns:
            `{"<metric>_floor": Floor}` (empty when there are no real sets for
            floors or no metric applies); also kept in `floors`.
        """
        if not self.can_measure_floors() or not (self.exact or self.is_images):
            return self.floors
        if num_pairs is None:
            num_pairs = IMAGE_FLOOR_PAIRS if self.is_images else W1_FLOOR_PAIRS
        validation.integer("num_pairs", num_pairs, minimum=1)
        cached = self._read_cache(num_pairs)
        data_values = cached or {}
        feature_values = {}
        for index in range(num_pairs):
            a, b, a_index, b_index = self._pair(index)
            if not cached:
                for name, value in self._distances(a, b).items():
                    data_values.setdefault(name, []).append(value)
            if self.feature_network is not None:
                features = self._real_features()
                fa = features[a_index] if a_index is not None else self._features_of(a)
                fb = features[b_index] if b_index is not None else self._features_of(b)
                for name, value in self._feature_distances(fa, fb, index == 0).items():
                    feature_values.setdefault(name, []).append(value)
        if not cached:
            self._write_cache(num_pairs, data_values)
        n = len(self.real)
        for name, values in {**data_values, **feature_values}.items():
            if name.startswith("swd_") or name == "kid_std":
                continue  # per-level SWD and KID's spread: reported with the metric only
            values = np.asarray(values, dtype=np.float64)
            error = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 \
                else math.nan
            self.floors[floor_name(name)] = Floor(float(values.mean()), error, len(values), n)
        for name, floor in self.floors.items():
            metric = "w1_exact" if name == "w1_floor" else name[:-len("_floor")]
            self.descriptions[name] = (f"{metric} between two real sets of {n}, mean over "
                                       f"{floor.num_pairs} pairs of sets")
            if metric != "kid":
                self.descriptions[f"{name}_ratio"] = f"{metric} / {name} (1: as close as the data)"
        return self.floors

    # ------------------------------------------------------------------ cache
    def _cache_path(self, num_pairs):
        """The cache file of the data-only floors: a hash of the real sets and the options."""
        digest = hashlib.sha1()
        if self.sampler is not None:  # the sampler's first draws stand for the sampler
            probe = np.asarray(self.sampler(64, np.random.default_rng(0)), "float64")
            digest.update(b"sampler" + probe.tobytes())
        else:
            digest.update(b"pool" + self.real.tobytes() + self.spare.tobytes())
        options = {"version": _CACHE_VERSION, "n": len(self.real), "pairs": num_pairs,
                   "seed": None if self.sampler is not None else self.seed, "shape": list(self.real.shape[1:]), "exact": self.exact,
                   "k": self.num_samples, "w": self.w1_samples,
                   "swd": {k: v for k, v in sorted(self.swd_options.items())}}
        if self.swd_samples != self.num_samples:  # (keeps the older caches' keys otherwise)
            options["swd_samples"] = self.swd_samples
        digest.update(json.dumps(options, sort_keys=True).encode())
        return cache_directory() / "floors" / f"{digest.hexdigest()}.json"

    def _read_cache(self, num_pairs):
        if not self.cache:
            return None
        try:
            return json.loads(self._cache_path(num_pairs).read_text())
        except (OSError, ValueError):
            return None

    def _write_cache(self, num_pairs, values):
        if not self.cache:
            return
        path = self._cache_path(num_pairs)
        try:  # a cache that cannot be written only costs time
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(values))
            os.replace(temporary, path)
        except OSError:
            pass


def _as_samples(samples, name):
    """Samples as float32; uint8 images [n, h, w, c] mapped from [0, 255] to [-1, 1]."""
    array = np.asarray(samples)
    if array.dtype == np.uint8 and array.ndim == 4:
        from keras_wgan.evaluation import metrics  # the one numpy conversion of images

        return metrics._images_to_float(array, name)
    return np.asarray(array, dtype="float32")


def classifier_function(classifier):
    """`(classify, description)` of a classifier given as `Reference(classifier=...)` takes it.

    Args:
        classifier: None, a `FeatureNetwork` with `classify`, a `keras.Model`
            or `.keras` path of a classifier, or a function `samples -> scores [n, K]`.

    Returns:
        `(function samples -> class scores [n, K], description)`, or (None, None).
    """
    if classifier is None:
        return None, None
    if getattr(classifier, "classify", None) is not None:
        return classifier.classify, classifier.description
    if isinstance(classifier, (str, os.PathLike)) or hasattr(classifier, "layers"):
        from keras_wgan.evaluation import feature_networks

        network = feature_networks.feature_network(
            os.fspath(classifier) if isinstance(classifier, os.PathLike) else classifier)
        return network.classify, network.description
    if callable(classifier):
        return classifier, getattr(classifier, "description", "the given classifier")
    raise ValueError(f"classifier must be a FeatureNetwork, a keras.Model, a .keras path or a "
                     f"function samples -> class scores, received {classifier!r}")


def floor_name(metric):
    """The name of a metric's floor: `w1_floor` for `w1_exact`, else `<metric>_floor`."""
    return "w1_floor" if metric == "w1_exact" else f"{metric}_floor"


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator > 0 else math.nan
