"""The feature network and the classifier of an evaluation, from what the caller named.

* `as_feature_network` and `classifier_function` turn what
  `core.Reference(feature_network=..., classifier=...)` accepts (a
  `FeatureNetwork`, a `.keras` path, a `keras.Model`, a function) into the
  objects the metrics call.
* `choose_feature_network` resolves the evaluate command's `--feature_network`
  (`inception`, `classifier`, `none`, a `.keras` path, a `.pb` path of
  TensorFlow's 2015 Inception graph, or None: automatic);
  `data_classifier` is the package's classifier of a dataset, trained on its
  real labels once and cached at `default_classifier_path` (or a given path).

`feature_networks` loads TensorFlow, so it is imported only where a network is
built: importing this module (and `core`) stays light.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from keras_wgan import cli, data
from keras_wgan.evaluation.floors import cache_directory
from keras_wgan.evaluation.generators import EvaluationError
from keras_wgan.evaluation.real_sets import MAX_READ, real_sample_set

__all__ = [
    "as_feature_network",
    "choose_feature_network",
    "classifier_function",
    "data_classifier",
    "default_classifier_path",
    "inception_classifier",
]


def as_feature_network(network):
    """A `FeatureNetwork` of what `Reference(feature_network=...)` takes (None: none).

    Args:
        network: None, a `feature_networks.FeatureNetwork`, or anything
            `feature_networks.feature_network` accepts ("inception", a
            `.pb` Inception graph, a `.keras` path, a `keras.Model`).

    Returns:
        The `FeatureNetwork`, or None.
    """
    if network is None:
        return None
    # Imported here: feature networks import TensorFlow, needed only with a network.
    from keras_wgan.evaluation import feature_networks

    if isinstance(network, feature_networks.FeatureNetwork):
        return network
    return feature_networks.feature_network(network)


def classifier_function(classifier):
    """`(classify, description)` of a classifier given as `Reference(classifier=...)` takes it.

    Args:
        classifier: None, a `FeatureNetwork` with `classify`, a `keras.Model`
            or `.keras` path of a classifier, or a function `samples -> scores [n, K]`.

    Returns:
        `(function samples -> class scores [n, K], description)`, or (None, None).

    Raises:
        ValueError: `classifier` is none of these.
    """
    if classifier is None:
        return None, None
    if getattr(classifier, "classify", None) is not None:
        return classifier.classify, classifier.description
    if isinstance(classifier, (str, os.PathLike)) or hasattr(classifier, "layers"):
        # Imported here: feature networks import TensorFlow, needed only with a network.
        from keras_wgan.evaluation import feature_networks

        network = feature_networks.feature_network(
            os.fspath(classifier) if isinstance(classifier, os.PathLike) else classifier
        )
        return network.classify, network.description
    if callable(classifier):
        return classifier, getattr(classifier, "description", "the given classifier")
    raise ValueError(
        f"classifier must be a FeatureNetwork, a keras.Model, a .keras path or a "
        f"function samples -> class scores, received {classifier!r}"
    )


def choose_feature_network(choice, info, classifier_path, inception_weights, conditional=False):
    """The `FeatureNetwork` for `--feature_network` (None: FID and KID left out).

    Args:
        choice: "inception", "classifier", "none", a `.keras` path, a `.pb`
            path (TensorFlow's 2015 Inception graph, `inception_graph`), or None
            (automatic: the classifier for an `.npz` with labels, and with
            `conditional` for any labelled data; else InceptionV3 if its weights
            are cached or given; else none).
        info: the `DataInfo` of the real data.
        classifier_path: where the "classifier" is cached (None: the default).
        inception_weights: a local InceptionV3 no-top weights file, or None.
        conditional: whether the generator is conditional.

    Returns:
        The `FeatureNetwork`, or None.

    Raises:
        EvaluationError: an unknown choice, a missing file or missing weights.
    """
    # Imported here: feature networks import TensorFlow, needed only for images.
    from keras_wgan.evaluation import feature_networks

    npz_labels = info.source == "npz" and info.labels is not None
    labelled = npz_labels or (conditional and info.num_classes is not None)
    if choice is None:
        cached = feature_networks.cached_inception_weights().is_file()
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
        return data_classifier(info, classifier_path)
    if str(choice).endswith((".keras", ".pb")):
        if not os.path.isfile(choice):
            raise EvaluationError(f"--feature_network={choice}: no such file")
        try:
            return feature_networks.feature_network(str(choice))
        except ValueError as error:
            raise EvaluationError(f"--feature_network={choice}: {cli.one_line(error)}") from error
    raise EvaluationError(
        f"--feature_network must be inception, classifier, none, a .keras classifier "
        f"or a .pb Inception graph file, received {choice!r}"
    )


def inception_classifier(network, inception_weights=None):
    """What gives the Inception Score's ImageNet class scores beside `network`, or None.

    Only an ImageNet network has the Inception Score's classes: the TF 2015
    graph (its `logits`, as the papers' IS), or Keras's InceptionV3 with its
    ImageNet top when that weights file is on disk (found beside
    `inception_weights` or in the Keras cache; never downloaded). Any other
    feature network, or None: None (no `inception_score`).

    Returns:
        A value for `core.Reference(inception_classifier=...)`, or None.
    """
    if network is None:
        return None
    if network.logits is not None:
        return network._replace(classify=network.logits)
    # Imported here: feature networks import TensorFlow, needed only for images.
    from keras_wgan.evaluation import feature_networks, inception_classes

    if network.name != feature_networks.KERAS_INCEPTION:
        return None
    top = inception_classes.find_top_weights(inception_weights)
    return None if top is None else inception_classes.InceptionClassifier(top)


def data_classifier(info, classifier_path):
    """The package's classifier of the data: loaded from its cache, or trained on the real labels.

    Trained on the `labels` array of an `.npz` (all its images), else on up
    to `real_sets.MAX_READ` labelled examples of other labelled data, then
    saved, so that later evaluations of the same data reuse the same network.

    Args:
        info: the `DataInfo` of the real data.
        classifier_path: where the classifier is cached (None:
            `default_classifier_path(info)`).

    Returns:
        The classifier's `FeatureNetwork` (with `classify`).

    Raises:
        EvaluationError: no classifier there and no labels to train one on.
    """
    # Imported here: feature networks import TensorFlow, needed only for images.
    from keras_wgan.evaluation import feature_networks

    path = Path(classifier_path or default_classifier_path(info))
    if not path.is_file():
        if info.source == "npz" and info.labels is not None:
            images, labels = data.real_samples(info, info.num_examples), info.labels
        elif info.num_classes is not None:
            images, labels = real_sample_set(info, info.num_examples or MAX_READ, labels=True)
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


def default_classifier_path(info):
    """~/.cache/keras_wgan/classifier-<stem>-<hash>.keras: a new classifier when the data changes.

    The hash is of a file's content; of a folder or tfds name, of the name,
    the options it was opened with and its size.

    Args:
        info: the `DataInfo` of the real data.

    Returns:
        The `Path` (under `floors.cache_directory()`).
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
    return cache_directory() / f"classifier-{Path(name).stem}-{digest}.keras"
