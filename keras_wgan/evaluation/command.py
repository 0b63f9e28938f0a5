"""Measure a trained generator against its data, as a JSON report (`evaluate()`).

Its command line is `keras_wgan.cli.evaluate`:

    python -m keras_wgan.evaluation --saved_model=exports/8gaussians/1
    python -m keras_wgan.evaluation --checkpoint=run.keras --dataset=25gaussians
    python -m keras_wgan.evaluation --saved_model=exports/mnist_5k/1 \\
        --dataset=../shared/data/mnist_5k.npz --feature_network=classifier

The generator is an exported SavedModel version directory (its
`serving_default` signature: `latent` float32 [None, latent_dim] ->
`samples` float32 [None, *sample_shape]; metadata in
`assets.extra/keras_wgan.json`) or a saved `WassersteinGAN` (`.keras`).
`--num_samples` latent vectors are drawn with `--seed` and compared with as
many real samples (a random set of finite data; fresh samples of a toy); at
most `max_num_samples(sample_shape, latent_dim)`, what the metrics can hold.

Reported, with the sample counts behind each number:

* 2-D toys (and any data of at most 64 numbers per sample): the exact W1
  (optimal transport), its noise floor (two real sets of the same size) and
  their ratio; for `8gaussians`/`25gaussians` the modes covered and the
  fraction of samples within 3 std of a mode.
* images: the sliced Wasserstein distance (ProGAN, x1e3), and the Frechet
  (FID) and kernel (KID) distances on a feature network's features, with the
  network's description, plus the same distances between two disjoint real
  sets (`real_vs_real`) when the data holds enough images; precision,
  recall (k = 3), density and coverage (k = 5) in the same features, with
  their values between two real sets; the memorisation check (the share of
  generated images closer to a training image than training images are to
  each other, about 0.5 for fresh real images; `closest_pairs` draws the
  closest pairs); with a classifier as the feature network, `class_entropy`
  (the entropy of the classes it assigns to the generated images: ln K when
  all K are equally frequent) and `classifier_score` (the Inception Score's
  formula with that classifier); with an ImageNet network as the feature
  network (`networks.inception_classifier`: the TF 2015 graph, or Keras's
  InceptionV3 with its with-top weights found), `inception_score`.

A conditional generator (a `.keras` WassersteinGAN with `num_classes`,
or an export whose `serving_default` also takes `label` int32 [None], with
`num_classes` in its metadata) is asked for labels evenly spread over the
classes (sample i gets class i mod K). Its samples get the unconditional
metrics above, and beside them `conditional_accuracy` (the share that the
package's classifier, trained on the real labels, assigns to the class they
were generated for) and `intra_fid` (the FID of each class, generated vs
real samples of that class, and their mean), on the same number of samples of
every class; a class with too few real samples is listed with its counts.

Feature networks (`--feature_network`): the path of TensorFlow's 2015
Inception graph `classify_image_graph_def.pb` (the network of the papers'
FID, `inception_graph`), `inception` (Keras's InceptionV3 ImageNet weights
from the Keras cache or `--inception_weights`: not the papers' numbers),
`classifier` (the package's small classifier trained on the `labels` array
of an `.npz` dataset, or on the labels of other labelled data, cached at
`--classifier_path`, by default
`~/.cache/keras_wgan/classifier-<file>-<content hash>.keras`), or a path to
a `.keras` classifier. By default: `classifier` for an `.npz` with
labels (and for any labelled data with a conditional generator), else
`inception` if its weights are cached, else FID/KID are left out.

Bad input ends with one line on stderr and exit code 2.

The generator is loaded by `generators.load_generator` and the feature
network chosen by `networks.choose_feature_network`; both names (and
`Generator`, `EvaluationError`) are importable from here too.
"""

from __future__ import annotations

import os

import numpy as np

from keras_wgan import cli, data
from keras_wgan import truncation as truncation_lib
from keras_wgan.evaluation import core, pictures
from keras_wgan.evaluation.generators import EvaluationError, Generator, load_generator
from keras_wgan.evaluation.metrics.conditional import evenly_spread_labels
from keras_wgan.evaluation.networks import (
    choose_feature_network,
    data_classifier,
    inception_classifier,
)
from keras_wgan.evaluation.real_sets import real_sample_set
from keras_wgan.evaluation.report import metrics_report

__all__ = [
    "DEFAULT_NUM_SAMPLES",
    "MAX_EXACT_W1_SAMPLES",
    "MAX_MEMORY_BYTES",
    "EvaluationError",
    "check_truncation",
    "Generator",
    "evaluate",
    "load_generator",
    "max_num_samples",
]

MAX_EXACT_DIM = core.MAX_EXACT_DIM
# Exact W1 (POT's network simplex) holds an n x n float64 cost matrix and as
# large a transport plan: 1.6 GB at 10,000 samples, and about a minute of CPU
# (its time grows as n^2: 2000 samples take half a second).
MAX_EXACT_W1_SAMPLES = 10_000
# The memory the other metrics may hold at once (the samples, the SWD's patch
# descriptors and projections): beyond it, --num_samples is refused.
MAX_MEMORY_BYTES = 4 * 2**30
# SWD (metrics.sliced_wasserstein's defaults): 128 patches of 7 x 7 pixels per
# image and pyramid level, projected in chunks of 128 directions.
_SWD_DESCRIPTORS = 128
_SWD_PATCH_PIXELS = 7 * 7
_SWD_PROJECTIONS = 128
_BATCH = 500
#: Samples compared when `num_samples` is not given.
DEFAULT_NUM_SAMPLES = 2000


def max_num_samples(sample_shape, latent_dim) -> int:
    """The largest `num_samples` the metrics of `evaluate` can compute for this shape.

    Data of at most `MAX_EXACT_DIM` numbers per sample get the exact W1, whose
    cost matrix and transport plan are n x n float64: `MAX_EXACT_W1_SAMPLES`.
    Otherwise the estimated memory per sample must fit `MAX_MEMORY_BYTES`:
    the float32 latent vectors, generated samples and twice as many real ones,
    and for images the SWD's working set, measured at about 0.3 MB per 28x28x1
    image, 0.5 MB per 32x32x3 and 0.7 MB per 64x64x3 (copies of the Laplacian
    pyramids, 128 patch descriptors of 7 x 7 x channels per image, and their
    projections on 128 directions at a time); this estimate is above those.

    Args:
        sample_shape: the shape of one sample.
        latent_dim: the width of the latent vectors.

    Returns:
        The bound, an int >= 1.
    """
    size = int(np.prod(sample_shape))
    if size <= MAX_EXACT_DIM:
        return MAX_EXACT_W1_SAMPLES
    # float32 latent, generated, real and spare, and a pair of real sets for the floors
    per_sample = 4 * (latent_dim + 5 * size)
    if len(sample_shape) == 3:  # images: the SWD
        channels = int(sample_shape[-1])
        per_sample += 4 * (
            _SWD_DESCRIPTORS * (3 * _SWD_PATCH_PIXELS * channels + 4 * _SWD_PROJECTIONS) + 12 * size
        )
    return max(1, MAX_MEMORY_BYTES // per_sample)


def evaluate(
    generator: Generator,
    dataset=None,
    *,
    num_samples=None,
    seed=0,
    feature_network=None,
    classifier_path=None,
    inception_weights=None,
    closest_pairs=None,
    truncation=None,
) -> dict:
    """Measures a generator against a dataset.

    Args:
        generator: from `load_generator`.
        dataset: a dataset string as for `data.load`; None: the one in the
            generator's metadata.
        num_samples: generated samples, and real ones (fewer if the data has
            fewer); at most `max_num_samples(generator.sample_shape, generator.latent_dim)`.
            None: `DEFAULT_NUM_SAMPLES` (2000), or that maximum if it is smaller.
        seed: seed of the latent vectors, the real set, the floors and SWD.
        feature_network: None (automatic), "none", "inception", "classifier", a
            `.keras` path or a `.pb` path (TensorFlow's 2015 Inception graph);
            images only.
        classifier_path: where the "classifier" is cached.
        inception_weights: a local InceptionV3 no-top weights file; the
            with-top file beside it (or in the Keras cache) gives the
            Inception Score when the feature network is InceptionV3.
        closest_pairs: images, with a feature network: write a PNG of the
            generated images closest to a training image, each beside it, here.
        truncation: BigGAN's truncation trick for the generated samples
            (`keras_wgan.truncation`): latent entries beyond this threshold
            redrawn within it; None or 0: off.

    Returns:
        The report, a JSON-serialisable dict. For a conditional generator
        (`generator.num_classes`) its "metrics" also hold
        `conditional_accuracy` and `intra_fid` (images, with a feature
        network), with their per-class values; the generated samples' labels
        are evenly spread over the classes.

    Raises:
        ValueError: for bad input (`EvaluationError`), naming the flag.
    """
    limit = max_num_samples(generator.sample_shape, generator.latent_dim)
    if num_samples is None:
        num_samples = min(DEFAULT_NUM_SAMPLES, limit)
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 2:
        raise EvaluationError(f"--num_samples must be an integer >= 2, received {num_samples!r}")
    if num_samples > limit:
        what = (
            "the exact W1 holds two n x n float64 matrices"
            if limit == MAX_EXACT_W1_SAMPLES
            else f"the metrics may hold {MAX_MEMORY_BYTES / 2**30:g} GiB"
        )
        raise EvaluationError(
            f"--num_samples={num_samples} is too large for samples of shape "
            f"{tuple(generator.sample_shape)}: expected at most {limit} samples "
            f"({what})"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise EvaluationError(f"--seed must be an integer >= 0, received {seed!r}")
    truncation = check_truncation(truncation)
    dataset = dataset if dataset is not None else generator.dataset
    if dataset is None:
        raise EvaluationError("--dataset is needed: the generator does not record its data")
    dataset = os.fspath(dataset)
    try:
        _, info = data.load(dataset, batch_size=1, repeat=False, cache=False, shuffle_buffer=0)
    except (FileNotFoundError, NotADirectoryError, data.DatasetUnavailableError) as error:
        raise EvaluationError(f"--dataset={dataset}: {cli.one_line(error)}") from error
    except ValueError as error:
        raise EvaluationError(f"--dataset={dataset}: {cli.one_line(error)}") from error
    if tuple(info.sample_shape) != tuple(generator.sample_shape):
        raise EvaluationError(
            f"the generator makes samples of shape {generator.sample_shape} "
            f"but --dataset={dataset} has samples of shape "
            f"{tuple(info.sample_shape)}"
        )

    num_classes = generator.num_classes
    if num_classes is not None:
        _check_conditional_data(num_classes, info, dataset, num_samples)
    latent = (
        np.random.default_rng([int(seed), 0])
        .standard_normal((num_samples, generator.latent_dim))
        .astype("float32")
    )
    if truncation is not None:
        rng = np.random.default_rng([int(seed), 4])
        latent = truncation_lib.truncate_numpy(latent, truncation, rng)
    labels = None if num_classes is None else evenly_spread_labels(num_samples, num_classes)
    fake = _in_batches(generator.sample, latent, labels).astype("float32")
    images = info.kind == "images"
    if images and generator.value_range not in (None, (-1.0, 1.0)):
        low, high = generator.value_range  # Metrics take images in [-1, 1].
        fake = (fake - low) * (2.0 / (high - low)) - 1.0
    # Twice as many real samples when the data has them: the floors' pairs of real sets.
    size = num_samples if info.sampler else 2 * num_samples
    if num_classes is None:
        pool, pool_labels = real_sample_set(info, size, seed=seed), None
    else:
        pool, pool_labels = real_sample_set(info, size, seed=seed, labels=True)
    network = (
        choose_feature_network(
            feature_network,
            info,
            classifier_path,
            inception_weights,
            conditional=num_classes is not None,
        )
        if images
        else None
    )
    if closest_pairs is not None and network is None:
        raise EvaluationError(
            f"--closest_pairs={closest_pairs} needs images and a feature network "
            "(--feature_network); the memorisation check runs in its features"
        )
    # The class entropy whenever the feature network is a classifier; a conditional
    # generator's accuracy needs one: the package's, trained on the real labels.
    classifier = network if network is not None and network.classify is not None else None
    if num_classes is not None and images and classifier is None:
        classifier = data_classifier(info, classifier_path)
    reference = core.Reference(
        pool[:num_samples],
        spare=pool[num_samples:],
        sampler=info.sampler,
        feature_network=network,
        w1_samples=min(num_samples, core.W1_IMAGES),
        add_metrics=("kid",),
        seed=int(seed),
        num_classes=num_classes,
        classifier=classifier,
        real_labels=None if pool_labels is None else pool_labels[:num_samples],
        inception_classifier=inception_classifier(network, inception_weights),
    )
    reference.compute_floors()
    estimate = None
    if generator.critic is not None:
        w = reference.w1_samples if images else len(reference.real)
        real_labels = reference.real_labels
        real_scores = _in_batches(
            generator.critic, reference.real[:w], None if real_labels is None else real_labels[:w]
        )
        fake_scores = _in_batches(
            generator.critic, fake[:w], None if labels is None else labels[:w]
        )
        estimate = float(np.mean(real_scores) - np.mean(fake_scores))
    values = reference.measure(fake, critic_estimate=estimate, labels=labels)
    n, m = len(fake), len(reference.real)
    counts = {"num_generated": n, "num_real": m}
    report = {
        "generator": {
            "latent_dim": generator.latent_dim,
            "sample_shape": list(generator.sample_shape),
            "value_range": generator.value_range,
            **generator.source,
        },
        "dataset": dataset,
        "kind": info.kind,
        "seed": seed,
        "truncation": truncation,
        **counts,
        "metrics": metrics_report(
            reference, values, counts, labels=labels, class_names=info.class_names
        ),
        "feature_network": None if network is None else network.description,
    }
    if num_classes is not None:
        report["generator"]["num_classes"] = num_classes
    if closest_pairs is not None:
        found = reference.details["memorisation"]
        image = pictures.closest_pairs(
            fake[: len(found.nearest)],
            reference.training_samples(),
            found.nearest,
            found.distance,
            threshold=found.threshold,
        )
        pictures.save_png(image, closest_pairs)
        report["metrics"]["memorisation"]["closest_pairs"] = os.fspath(closest_pairs)
    if info.name in data.TOY_MODES:
        covered, within = data.count_modes(fake, info.name)
        report["metrics"]["modes"] = {
            "covered": covered,
            "total": len(data.TOY_MODES[info.name].centres),
            "fraction_within_3_std": within,
            "num_generated": n,
        }
    return report


def check_truncation(truncation) -> float | None:
    """`--truncation` checked (`truncation.check`): the threshold, or None for off.

    Raises:
        EvaluationError: not None, 0 or a finite number > 0.
    """
    try:
        return truncation_lib.check("truncation", truncation)
    except ValueError as error:
        raise EvaluationError(f"--{error}") from error


def _in_batches(function, x, labels=None):
    """`function(x)` (or `function(x, labels)` when labels are given) in batches, float64."""
    return np.concatenate(
        [
            np.asarray(
                function(x[i : i + _BATCH], *(() if labels is None else (labels[i : i + _BATCH],))),
                np.float64,
            )
            for i in range(0, len(x), _BATCH)
        ]
    )


def _check_conditional_data(num_classes, info, dataset, num_samples):
    """A conditional generator needs labelled data of as many classes, and a sample of each."""
    if info.num_classes is None:
        raise EvaluationError(
            f"--dataset={dataset} has no class labels but the generator is conditional "
            f"({num_classes} classes); expected labelled data (an .npz with 'labels', IDX images "
            "with their labels file, an image folder of class subfolders, a tfds dataset with "
            "a 'label' feature)"
        )
    if info.num_classes != num_classes:
        raise EvaluationError(
            f"--dataset={dataset} has {info.num_classes} classes but the generator is "
            f"conditional on {num_classes}; expected the data it was trained on"
        )
    if num_samples < num_classes:
        raise EvaluationError(
            f"--num_samples={num_samples} is fewer than the generator's {num_classes} classes; "
            "expected at least one sample per class"
        )
