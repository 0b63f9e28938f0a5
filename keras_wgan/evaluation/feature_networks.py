"""Feature networks for the Frechet (FID) and kernel (KID) distances.

FID and KID compare two image sets through the activations of a fixed network
(`keras_wgan.evaluation.metrics.frechet_distance` / `kernel_distance`), so a number is
meaningful only together with the network that produced the features and the
sample sizes. Three networks are provided:

* TensorFlow's 2015 Inception graph (`classify_image_graph_def.pb`, given by
  its path), fed as TTUR's `fid.py` feeds it: the network of the FIDs and
  Inception Scores papers report (`inception_graph`).
* InceptionV3's 2048-d pool3 features with Keras's ImageNet weights, via
  `keras.applications.InceptionV3`: the architecture of the FID of Heusel et
  al. (NeurIPS 2017) and KID of Binkowski et al. (ICLR 2018), but other
  weights and another resize, so its FIDs are comparable with each other,
  not with the papers'. The weights are only read from a local file unless a
  download is explicitly allowed, so evaluation never reaches the network by
  surprise.
* A small convolutional classifier that the package trains on a labelled data set
  (e.g. MNIST), whose penultimate 128-d layer serves as the feature space: the
  usual choice for small grey images, where ImageNet features say little. It is
  saved to a `.keras` file (plus a JSON file describing its training) so that
  evaluations reuse the same network.

`feature_network` wraps either one in a callable with a human-readable
description, for reports ("FID 3.2 with <description>, 2000 vs 2000 samples").
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np

from keras_wgan.evaluation.metrics.base import images_to_float

__all__ = [
    "FeatureNetwork",
    "feature_network",
    "train_feature_classifier",
    "save_feature_classifier",
    "load_feature_classifier",
    "cached_inception_weights",
    "classifier_features",
    "inception_features",
]

# Name of the classifier layer whose output is used as features.
FEATURES_LAYER = "features"
FEATURE_DIM = 128
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_SIZE = 299
#: `FeatureNetwork.name` of Keras's InceptionV3 (`feature_network("inception")`).
KERAS_INCEPTION = "Keras InceptionV3"
INCEPTION_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"

_inception_models: dict[str, keras.Model] = {}


class FeatureNetwork(NamedTuple):
    """A feature extractor and what to call it in a report.

    Attributes:
        features: Function `features(images) -> np.ndarray [n, dim]`; images NHWC,
            uint8 in [0, 255] or float in [-1, 1].
        description: Human-readable name of the network, its feature layer and
            training, e.g. "InceptionV3 pool3 (2048-d, ImageNet weights)".
        classify: For a classifier, `classify(images) -> np.ndarray [n, num_classes]`,
            its class scores (the conditional accuracy of conditional generators);
            None for InceptionV3.
        logits: For an ImageNet network whose classes are not the data's (the TF
            2015 Inception graph), `logits(images) -> np.ndarray [n, K]`, the class
            logits of the Inception Score; None otherwise.
        name: A short name, printed beside its FID where the description is too
            long (a log line); None: the description.
    """

    features: Callable[[np.ndarray], np.ndarray]
    description: str
    classify: Callable[[np.ndarray], np.ndarray] | None = None
    logits: Callable[[np.ndarray], np.ndarray] | None = None
    name: str | None = None


# ---------------------------------------------------------------------------
# The package's own classifier.


def train_feature_classifier(
    images,
    labels,
    *,
    epochs: int = 5,
    batch_size: int = 64,
    held_out_fraction: float = 0.2,
    seed: int = 0,
    dataset_name: str = "",
    verbose: int = 0,
) -> keras.Model:
    """Trains a small convolutional classifier whose penultimate layer gives features.

    Architecture: two 3x3 convolutions (32 and 64 filters, ReLU, 2x2 max-pooling),
    a 128-unit ReLU layer named "features", dropout and a softmax over the classes.
    A random `held_out_fraction` of the images is kept out of training and used to
    measure the accuracy, which is stored with the other training facts in the
    model's `training_info` dict (and in the JSON file written by
    `save_feature_classifier`). Calls
    `keras.utils.set_random_seed(seed)`, which seeds Python, numpy and the backend.

    Args:
        images: Images [n, h, w, c] (or [n, h, w]), uint8 in [0, 255] or float in [-1, 1].
        labels: Integer class labels [n], 0 .. num_classes - 1.
        epochs: Training epochs (Adam, learning rate 1e-3).
        batch_size: Training batch size.
        held_out_fraction: Fraction of the images held out to measure the accuracy;
            in (0, 1).
        seed: Seed of the held-out split, the initial weights and the shuffling.
        dataset_name: Name of the training data (e.g. "MNIST") for descriptions.
        verbose: Keras `fit` verbosity.

    Returns:
        The trained `keras.Model` (input images float in [-1, 1]); its
        `training_info` dict holds "dataset_name", "num_train", "num_held_out",
        "held_out_accuracy", "num_classes", "epochs", "image_shape" and "feature_dim".

    Example:

        ```python
        data = np.load("mnist_5k.npz")
        model = train_feature_classifier(data["images"], data["labels"], dataset_name="MNIST")
        model.training_info["held_out_accuracy"]  # about 0.97
        save_feature_classifier(model, "mnist_classifier.keras")
        ```
    """
    x = images_to_float(images, "images")
    y = np.asarray(labels)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(
            f"`labels` must be non-negative integers of shape [{x.shape[0]}] (one per image); "
            f"received dtype {y.dtype} and shape {y.shape}."
        )
    if not 0.0 < held_out_fraction < 1.0:
        raise ValueError(f"`held_out_fraction` must be in (0, 1); received {held_out_fraction!r}.")
    num_held_out = int(round(held_out_fraction * x.shape[0]))
    if not 0 < num_held_out < x.shape[0]:
        raise ValueError(
            f"`held_out_fraction`={held_out_fraction} of {x.shape[0]} images leaves no "
            "training or no held-out images; pass more images."
        )
    num_classes = int(y.max()) + 1

    keras.utils.set_random_seed(seed)
    order = np.random.default_rng(seed).permutation(x.shape[0])
    held_out, train = order[:num_held_out], order[num_held_out:]

    inputs = keras.Input(shape=x.shape[1:])
    h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(h)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(FEATURE_DIM, activation="relu", name=FEATURES_LAYER)(h)
    h = keras.layers.Dropout(0.3)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(h)
    model = keras.Model(inputs, outputs, name="keras_wgan_feature_classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x[train], y[train], epochs=epochs, batch_size=batch_size, verbose=verbose)
    _, accuracy = model.evaluate(x[held_out], y[held_out], batch_size=256, verbose=0)
    model.training_info = {
        "dataset_name": dataset_name,
        "num_train": int(train.size),
        "num_held_out": int(held_out.size),
        "held_out_accuracy": float(accuracy),
        "num_classes": num_classes,
        "epochs": int(epochs),
        "image_shape": list(x.shape[1:]),
        "feature_dim": FEATURE_DIM,
    }
    return model


def _info_path(path) -> Path:
    return Path(path).with_suffix(".json")


def save_feature_classifier(model: keras.Model, path) -> None:
    """Saves a trained classifier to a `.keras` file and its training facts beside it.

    The model goes to `path` (Keras format); its `training_info` dict, if any,
    goes to the same path with suffix `.json` so that reports made after
    `load_feature_classifier` can still say how the network was trained.

    Args:
        model: A model from `train_feature_classifier` (or any Keras classifier).
        path: Destination file; must end in ".keras".

    Returns:
        None.

    Example:

        ```python
        save_feature_classifier(model, "checkpoints/mnist_classifier.keras")
        ```
    """
    if not str(path).endswith(".keras"):
        raise ValueError(f"`path` must end in '.keras'; received {str(path)!r}.")
    model.save(path)
    info = getattr(model, "training_info", None)
    if info is not None:
        _info_path(path).write_text(json.dumps(dict(info), indent=2) + "\n")


def load_feature_classifier(path) -> keras.Model:
    """Loads a classifier saved by `save_feature_classifier`.

    Restores the model and, when the JSON file beside it exists, its
    `training_info` dict.

    Args:
        path: The ".keras" file written by `save_feature_classifier`.

    Returns:
        The `keras.Model`, with `training_info` set (None if no JSON file).

    Example:

        ```python
        model = load_feature_classifier("checkpoints/mnist_classifier.keras")
        real_features = classifier_features(model, real_images)
        ```
    """
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"No feature classifier at {str(path)!r}; train one with train_feature_classifier."
        )
    model = keras.saving.load_model(path)
    info_path = _info_path(path)
    model.training_info = json.loads(info_path.read_text()) if info_path.is_file() else None
    return model


def _predict_in_batches(
    model: keras.Model, x: np.ndarray, batch_size: int, preprocess=None
) -> np.ndarray:
    """Runs `model` eagerly on `x` in batches (no per-call tf.function retracing)."""
    outputs = []
    for start in range(0, x.shape[0], batch_size):
        batch = x[start : start + batch_size]
        if preprocess is not None:
            batch = preprocess(batch)
        outputs.append(keras.ops.convert_to_numpy(model(batch, training=False)))
    return np.concatenate(outputs).astype(np.float32)


def _features_layer(model: keras.Model) -> keras.layers.Layer:
    """The layer named "features" if `model` has one, else its second-to-last layer."""
    names = [layer.name for layer in model.layers]
    return model.get_layer(FEATURES_LAYER) if FEATURES_LAYER in names else model.layers[-2]


def classifier_features(model: keras.Model, images, *, batch_size: int = 256) -> np.ndarray:
    """Penultimate-layer features of a classifier for a batch of images.

    Uses the layer named "features" (as built by `train_feature_classifier`), or
    else the second-to-last layer of `model`.

    Args:
        model: The classifier.
        images: Images [n, h, w, c] (or [n, h, w]) of the classifier's input shape,
            uint8 in [0, 255] or float in [-1, 1].
        batch_size: Images per forward pass.

    Returns:
        Float32 features [n, feature_dim].

    Example:

        ```python
        frechet_distance(classifier_features(model, real), classifier_features(model, fake))
        ```
    """
    extractor = keras.Model(model.input, _features_layer(model).output)
    x = images_to_float(images, "images")
    return _predict_in_batches(extractor, x, batch_size)


# ---------------------------------------------------------------------------
# InceptionV3.


def cached_inception_weights() -> Path:
    """Where `keras.utils.get_file` keeps the no-top InceptionV3 weights."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "models" / INCEPTION_WEIGHTS_FILE


def _inception_model(weights_path, allow_download: bool) -> keras.Model:
    """Builds (once per weights source) InceptionV3 without top, global-average pooled."""
    path = Path(weights_path) if weights_path is not None else cached_inception_weights()
    if path.is_file():
        weights, key = str(path), str(path)
    elif allow_download and weights_path is None:
        weights, key = "imagenet", "imagenet"
    elif weights_path is not None:
        raise RuntimeError(
            f"InceptionV3 weights file {str(path)!r} does not exist; pass the path of a local "
            f"copy of {INCEPTION_WEIGHTS_FILE} (from {INCEPTION_WEIGHTS_URL})."
        )
    else:
        raise RuntimeError(
            f"InceptionV3 ImageNet weights are not in the Keras cache ({str(path)!r}) and "
            f"allow_download=False. Put a copy of {INCEPTION_WEIGHTS_FILE} there (from "
            f"{INCEPTION_WEIGHTS_URL}), pass weights_path=..., or pass allow_download=True on a "
            "machine with internet access; or use the package's own classifier "
            "(train_feature_classifier)."
        )
    if key not in _inception_models:
        try:
            _inception_models[key] = keras.applications.InceptionV3(
                include_top=False,
                weights=weights,
                pooling="avg",
                input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
            )
        except Exception as error:  # Download failure, corrupt or mismatched file.
            raise RuntimeError(
                f"Could not load InceptionV3 ImageNet weights from {weights!r}: {error}"
            ) from error
    return _inception_models[key]


def inception_features(
    images, *, batch_size: int = 50, weights_path=None, allow_download: bool = False
) -> np.ndarray:
    """InceptionV3 pool3 features (2048-d, ImageNet weights), as used by FID and KID.

    Images are resized bilinearly to 299x299, grey images repeated to RGB, and
    passed through `keras.applications.inception_v3.preprocess_input`. Note the
    Keras weights and resizing differ from the original TF 2015 FID graph, so
    values are comparable with each other but not with published FIDs (for those,
    `inception_graph`).

    Args:
        images: Images [n, h, w, c] with c = 1 or 3 (or [n, h, w]), uint8 in
            [0, 255] or float in [-1, 1].
        batch_size: Images per forward pass.
        weights_path: A local copy of the no-top weights file; by default the Keras
            cache (`$KERAS_HOME` or `~/.keras`, subfolder "models").
        allow_download: If True and the cache lacks the weights, let Keras download
            them (about 87 MB).

    Returns:
        Float32 features [n, 2048].

    Raises:
        RuntimeError: If the weights are not available (with how to provide them).

    Example:

        ```python
        fid = frechet_distance(inception_features(real), inception_features(fake))
        ```
    """
    x = images_to_float(images, "images")
    if x.shape[-1] not in (1, 3):
        raise ValueError(f"`images` must have 1 or 3 channels; received shape {x.shape}.")
    model = _inception_model(weights_path, allow_download)
    return _predict_in_batches(model, x, batch_size, inception_input)


def inception_input(batch):
    """Images in [-1, 1], 1 or 3 channels, as Keras's InceptionV3 takes them.

    Grey repeated to RGB, resized bilinearly to 299 x 299, scaled by
    `keras.applications.inception_v3.preprocess_input`: the features of FID
    and KID and the class probabilities of the Inception Score see the same
    input.
    """
    batch = np.repeat(batch, 3 // batch.shape[-1], axis=-1)
    batch = keras.ops.image.resize(
        batch, (INCEPTION_SIZE, INCEPTION_SIZE), interpolation="bilinear"
    )
    return keras.applications.inception_v3.preprocess_input((batch + 1.0) * 127.5)


# ---------------------------------------------------------------------------
# One entry point for reports.


def feature_network(name_or_model, **inception_kwargs) -> FeatureNetwork:
    """Returns a feature extractor and its description from a name, a path or a model.

    Args:
        name_or_model: "inception" for Keras's InceptionV3 pool3; a path to a
            ".pb" file, TensorFlow's 2015 Inception graph
            (`inception_graph.graph_feature_network`, the papers' FID); a path
            to a ".keras" file saved by `save_feature_classifier`; or a
            `keras.Model` classifier.
        **inception_kwargs: Passed to `inception_features` (`weights_path`,
            `allow_download`, `batch_size`) for "inception".

    Returns:
        `FeatureNetwork(features, description)`.

    Example:

        ```python
        net = feature_network("checkpoints/mnist_classifier.keras")
        fid = frechet_distance(net.features(real), net.features(fake))
        print(f"FID {fid:.2f} ({net.description}; {len(real)} vs {len(fake)} samples)")
        ```
    """
    if isinstance(name_or_model, str) and name_or_model.lower() == "inception":
        # Fails now, with the clear error, if the weights are unavailable.
        _inception_model(
            inception_kwargs.get("weights_path"), inception_kwargs.get("allow_download", False)
        )
        return FeatureNetwork(
            features=lambda images: inception_features(images, **inception_kwargs),
            description=(
                "Keras InceptionV3 pool3 (2048-d, Keras ImageNet weights; not the TF 2015 "
                "graph of the papers' FID)"
            ),
            name=KERAS_INCEPTION,
        )
    if isinstance(name_or_model, (str, os.PathLike)) and str(name_or_model).endswith(".pb"):
        from keras_wgan.evaluation import inception_graph  # imports this module

        return inception_graph.graph_feature_network(name_or_model)
    if isinstance(name_or_model, keras.Model):
        model = name_or_model
    elif isinstance(name_or_model, (str, os.PathLike)) and str(name_or_model).endswith(".keras"):
        model = load_feature_classifier(name_or_model)
    else:
        raise ValueError(
            "`name_or_model` must be 'inception', a path to a '.pb' Inception graph, a path "
            f"to a '.keras' classifier or a keras.Model; received {name_or_model!r}."
        )
    dim = _features_layer(model).output.shape[-1]
    info = getattr(model, "training_info", None)
    dataset = f"{info['dataset_name']} " if info and info.get("dataset_name") else ""
    if info:
        training = (
            f"trained on {info['num_train']} labelled images, held-out accuracy "
            f"{info['held_out_accuracy']:.3f} on {info['num_held_out']}"
        )
    else:
        training = "training unknown"
    description = f"keras_wgan {dataset}classifier ({dim}-d penultimate layer, {training})"
    return FeatureNetwork(
        features=lambda images: classifier_features(model, images),
        description=description,
        classify=lambda images: _predict_in_batches(model, images_to_float(images, "images"), 256),
        name=f"keras_wgan {dataset}classifier",
    )
