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
  sets (`real_vs_real`) when the data holds enough images; with a classifier
  as the feature network, `class_entropy` (the entropy of the classes it
  assigns to the generated images: ln K when all K are equally frequent).

A conditional generator (a `.keras` WassersteinGAN with `num_classes`,
or an export whose `serving_default` also takes `label` int32 [None], with
`num_classes` in its metadata) is asked for labels evenly spread over the
classes (sample i gets class i mod K). Its samples get the unconditional
metrics above, and beside them `conditional_accuracy` (the share that the
package's classifier, trained on the real labels, assigns to the class they
were generated for) and `intra_fid` (the FID of each class, generated vs
real samples of that class, and their mean), on the same number of samples of
every class; a class with too few real samples is listed with its counts.

Feature networks (`--feature_network`): `inception` (InceptionV3 ImageNet
weights from the Keras cache or `--inception_weights`), `classifier` (the
package's small classifier trained on the `labels` array of an `.npz`
dataset, or on the labels of other labelled data, cached at
`--classifier_path`, by default
`~/.cache/keras_wgan/classifier-<file>-<content hash>.keras`), or a path to
a `.keras` classifier. By default: `classifier` for an `.npz` with
labels (and for any labelled data with a conditional generator), else
`inception` if its weights are cached, else FID/KID are left out.

Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from keras_wgan import cli, data
from keras_wgan.evaluation import core
from keras_wgan.evaluation.report import metrics_report

__all__ = [
    "MAX_EXACT_W1_SAMPLES",
    "MAX_MEMORY_BYTES",
    "Generator",
    "evaluate",
    "load_generator",
    "max_num_samples",
]

METADATA_PATH = os.path.join("assets.extra", "keras_wgan.json")
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


class EvaluationError(ValueError):
    """Bad input: reported in one line."""


class Generator(NamedTuple):
    """A generator to evaluate, however it was saved.

    Attributes:
        sample: `sample(latent) -> float32 [n, *sample_shape]` for latent [n, latent_dim];
            of a conditional generator `sample(latent, labels)`, labels int32 [n].
        latent_dim: width of the latent vectors.
        sample_shape: shape of one sample.
        value_range: (low, high) of the samples, or None (unbounded).
        dataset: the training data, if recorded.
        source: what was loaded, for the report.
        critic: `critic(samples) -> float32 [n, 1]` of a saved WassersteinGAN,
            else None (an export holds no critic): the critic's W1 estimate;
            of a conditional one `critic(samples, labels)`.
        num_classes: K of a conditional generator, None for an unconditional one.
        class_names: the K class names, if recorded.
    """

    sample: Callable[[np.ndarray], np.ndarray]
    latent_dim: int
    sample_shape: tuple
    value_range: tuple | None
    dataset: str | None
    source: dict
    critic: Callable[[np.ndarray], np.ndarray] | None = None
    num_classes: int | None = None
    class_names: tuple | None = None


# ------------------------------------------------------------------ loading
def load_generator(saved_model=None, checkpoint=None) -> Generator:
    """Loads an exported SavedModel version directory or a `.keras` WassersteinGAN."""
    if (saved_model is None) == (checkpoint is None):
        raise EvaluationError(
            "give exactly one of --saved_model=EXPORT/NAME/VERSION and --checkpoint=RUN.keras"
        )
    if saved_model is not None:
        return _load_saved_model(os.fspath(saved_model))
    return _load_checkpoint(os.fspath(checkpoint))


def _load_saved_model(path):
    import tensorflow as tf

    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise EvaluationError(
            f"--saved_model={path}: no saved_model.pb there (expected an "
            "export version directory such as exports/NAME/1)"
        )
    try:
        loaded = tf.saved_model.load(path)
    except Exception as error:  # Corrupt or incompatible SavedModel.
        raise EvaluationError(
            f"--saved_model={path}: cannot load: {cli.one_line(error)}"
        ) from error
    if "serving_default" not in loaded.signatures:
        raise EvaluationError(
            f"--saved_model={path}: no serving_default signature (found: "
            f"{', '.join(loaded.signatures) or 'none'})"
        )
    function = loaded.signatures["serving_default"]
    inputs = function.structured_input_signature[1]
    outputs = function.structured_outputs
    if "latent" not in inputs or "samples" not in outputs:
        raise EvaluationError(
            f"--saved_model={path}: serving_default must take 'latent' and "
            f"return 'samples' (takes {sorted(inputs)}, returns "
            f"{sorted(outputs)})"
        )
    metadata = {}
    metadata_path = os.path.join(path, METADATA_PATH)
    if os.path.isfile(metadata_path):
        try:
            with open(metadata_path) as f:
                metadata = json.load(f)
            if not isinstance(metadata, dict):
                raise ValueError(f"found a {type(metadata).__name__}")
        except ValueError as error:  # JSON and UTF-8 decoding errors included
            raise EvaluationError(
                f"--saved_model={path}: {metadata_path} is not a JSON object "
                f"({cli.one_line(error)}): expected the export's metadata"
            ) from error
    latent_dim = metadata.get("latent_dim") or inputs["latent"].shape[-1]
    sample_shape = metadata.get("sample_shape") or outputs["samples"].shape[1:]
    if latent_dim is None or None in list(sample_shape):
        raise EvaluationError(
            f"--saved_model={path}: no {METADATA_PATH} and the signature does "
            "not fix latent_dim and the sample shape"
        )

    num_classes = None
    if "label" in inputs:  # a conditional export: serving_default(latent, label)
        num_classes = metadata.get("num_classes")
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise EvaluationError(
                f"--saved_model={path}: serving_default takes 'label' but "
                f"{METADATA_PATH} has num_classes={num_classes!r}; expected "
                "the number of classes, a positive integer"
            )

    def sample(latent, labels=None):
        if num_classes is None:
            return function(latent=tf.constant(latent, tf.float32))["samples"].numpy()
        return function(
            latent=tf.constant(latent, tf.float32), label=tf.constant(labels, tf.int32)
        )["samples"].numpy()

    class_names = metadata.get("class_names") if num_classes is not None else None
    return Generator(
        sample=sample,
        latent_dim=int(latent_dim),
        sample_shape=tuple(int(d) for d in sample_shape),
        value_range=_range(metadata.get("value_range")),
        dataset=metadata.get("dataset"),
        source={
            "saved_model": path,
            "metadata": metadata_path if metadata else None,
            **{
                key: metadata[key]
                for key in ("model_name", "version", "generator_steps")
                if key in metadata
            },
        },
        num_classes=num_classes,
        class_names=None if class_names is None else tuple(class_names),
    )


def _load_checkpoint(path):
    import keras

    from keras_wgan import checkpointing

    try:
        model = checkpointing.load_keras_model(path, name="--checkpoint")
    except ValueError as error:
        raise EvaluationError(str(error)) from error
    generator = model.sampling_generator  # the EMA generator of a model with ema_decay
    sample_shape = tuple(int(d) for d in generator.output_shape[1:])
    num_classes = getattr(model, "num_classes", None)

    def inputs(x, labels):  # a conditional network takes [x, label], tensors only
        if num_classes is None:
            return x
        return [keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(labels, "int32")]

    def sample(latent, labels=None):
        return keras.ops.convert_to_numpy(generator(inputs(latent, labels), training=False))

    def critic(samples, labels=None):
        scores = model.critic(inputs(samples, labels), training=False)
        if isinstance(scores, (list, tuple)):  # an auxiliary-classifier critic: [scores, logits]
            scores = scores[0]
        return keras.ops.convert_to_numpy(scores)

    steps = model.generator_steps if model.generator_optimizer else None
    return Generator(
        sample=sample,
        latent_dim=int(model.latent_dim),
        sample_shape=sample_shape,
        value_range=(-1.0, 1.0) if len(sample_shape) == 3 else None,
        dataset=None,
        source={"checkpoint": path, "generator_steps": steps},
        critic=critic,
        num_classes=None if num_classes is None else int(num_classes),
    )


def _range(value):
    return None if value is None else (float(value[0]), float(value[1]))


# --------------------------------------------------------------- evaluating
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
        feature_network: None (automatic), "none", "inception", "classifier" or a
            `.keras` path; images only.
        classifier_path: where the "classifier" is cached.
        inception_weights: a local InceptionV3 no-top weights file.

    Returns:
        The report, a JSON-serialisable dict. For a conditional generator
        (`generator.num_classes`) its "metrics" also hold
        `conditional_accuracy` and `intra_fid` (images, with a feature
        network), with their per-class values; the generated samples' labels
        are evenly spread over the classes.

    Raises:
        ValueError: for bad input (`EvaluationError`), naming the flag.
    """
    from keras_wgan import data
    from keras_wgan.evaluation.core import real_sample_set
    from keras_wgan.evaluation.metrics.conditional import evenly_spread_labels

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
        np.random.default_rng([seed, 0])
        .standard_normal((num_samples, generator.latent_dim))
        .astype("float32")
    )
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
        _feature_network(
            feature_network,
            info,
            classifier_path,
            inception_weights,
            conditional=num_classes is not None,
        )
        if images
        else None
    )
    # The class entropy whenever the feature network is a classifier; a conditional
    # generator's accuracy needs one: the package's, trained on the real labels.
    classifier = network if network is not None and network.classify is not None else None
    if num_classes is not None and images and classifier is None:
        classifier = _classifier(info, classifier_path)
    reference = core.Reference(
        pool[:num_samples],
        spare=pool[num_samples:],
        sampler=info.sampler,
        feature_network=network,
        w1_samples=min(num_samples, core.W1_IMAGES),
        add_metrics=("kid",),
        seed=seed,
        num_classes=num_classes,
        classifier=classifier,
        real_labels=None if pool_labels is None else pool_labels[:num_samples],
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
        **counts,
        "metrics": metrics_report(
            reference, values, counts, labels=labels, class_names=info.class_names
        ),
        "feature_network": None if network is None else network.description,
    }
    if num_classes is not None:
        report["generator"]["num_classes"] = num_classes
    if info.name in data.TOY_MODES:
        covered, within = data.count_modes(fake, info.name)
        report["metrics"]["modes"] = {
            "covered": covered,
            "total": len(data.TOY_MODES[info.name].centres),
            "fraction_within_3_std": within,
            "num_generated": n,
        }
    return report


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


def _feature_network(choice, info, classifier_path, inception_weights, conditional=False):
    """The FeatureNetwork for --feature_network (None: FID and KID left out).

    With `conditional` (a conditional generator) the default is the classifier
    for any labelled data.
    """
    from keras_wgan.evaluation import feature_networks

    npz_labels = info.source == "npz" and info.labels is not None
    labelled = npz_labels or (conditional and info.num_classes is not None)
    if choice is None:
        cached = feature_networks._cached_inception_weights().is_file()
        choice = (
            "classifier" if labelled else ("inception" if cached or inception_weights else "none")
        )
    if choice == "none":
        return None
    if choice == "inception":
        try:
            return feature_networks.feature_network("inception", weights_path=inception_weights)
        except RuntimeError as error:
            raise EvaluationError(f"--feature_network=inception: {cli.one_line(error)}") from error
    if choice == "classifier":
        return _classifier(info, classifier_path)
    if str(choice).endswith(".keras"):
        if not os.path.isfile(choice):
            raise EvaluationError(f"--feature_network={choice}: no such file")
        return feature_networks.feature_network(str(choice))
    raise EvaluationError(
        f"--feature_network must be inception, classifier, none or a .keras "
        f"file, received {choice!r}"
    )


def _classifier(info, classifier_path):
    """The package's classifier of the data: loaded from its cache, or trained on the real labels.

    Trained on the `labels` array of an `.npz` (all its images, as
    before), else on up to `core.MAX_READ` labelled examples of other
    labelled data; cached at `classifier_path` (default
    `_default_classifier_path`).
    """
    from keras_wgan.evaluation import feature_networks

    path = Path(classifier_path or _default_classifier_path(info))
    if not path.is_file():
        if info.source == "npz" and info.labels is not None:
            images, labels = data.real_samples(info, info.num_examples), info.labels
        elif info.num_classes is not None:
            images, labels = core.real_sample_set(
                info, info.num_examples or core.MAX_READ, labels=True
            )
        else:
            raise EvaluationError(
                f"--feature_network=classifier needs labels to train on: --dataset="
                f"{info.name} is not an .npz file with a 'labels' array, and there is no "
                f"classifier at --classifier_path={path}"
            )
        model = feature_networks.train_feature_classifier(
            images, labels, dataset_name=Path(info.name).stem
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        feature_networks.save_feature_classifier(model, path)
    return feature_networks.feature_network(str(path))


def _default_classifier_path(info):
    """~/.cache/keras_wgan/classifier-<stem>-<hash>.keras: retrained if the data changes.

    The hash is of a file's content; of a folder or tfds name, of the name,
    the options it was opened with and its size.
    """
    name = info.name
    if os.path.isfile(name):
        digest = hashlib.sha1(Path(name).read_bytes()).hexdigest()[:12]
    else:
        key = json.dumps(
            [
                os.path.abspath(name) if os.path.exists(name) else name,
                info.load_options,
                info.num_examples,
            ],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return core.cache_directory() / f"classifier-{Path(name).stem}-{digest}.keras"
