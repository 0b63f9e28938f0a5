"""InceptionV3's ImageNet class probabilities: the classifier of the Inception Score.

The Inception Score needs InceptionV3 *with* its ImageNet top (the 1000-way
softmax), whose Keras weights file,
`inception_v3_weights_tf_dim_ordering_tf_kernels.h5`, is another file than
the no-top one the FID's features use. The rules are those of the features'
weights: the file is read from the Keras cache (`$KERAS_HOME/models` or
`~/.keras/models`) or from beside the no-top file given as
`--inception_weights`, and never downloaded (`find_top_weights`).

Keras's InceptionV3 weights give Inception Scores close to, but not equal
to, those of the 2015 TensorFlow graph the papers used; see
docs/guides/evaluation.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["TOP_WEIGHTS_FILE", "InceptionClassifier", "find_top_weights"]

TOP_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
_BATCH = 50


def find_top_weights(no_top_weights=None) -> Path | None:
    """The with-top InceptionV3 weights file, if it is on this machine.

    Args:
        no_top_weights: the no-top weights file given for the features
            (`--inception_weights`), whose folder is searched first.

    Returns:
        Its path, or None when neither that folder nor the Keras cache holds it.
    """
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    folders = [Path(keras_home) / "models"]
    if no_top_weights is not None:
        folders.insert(0, Path(no_top_weights).parent)
    for folder in folders:
        if (folder / TOP_WEIGHTS_FILE).is_file():
            return folder / TOP_WEIGHTS_FILE
    return None


class InceptionClassifier:
    """A callable `images -> ImageNet class probabilities [n, 1000]` of InceptionV3.

    Images (NHWC, uint8 in [0, 255] or float in [-1, 1], 1 or 3 channels)
    are repeated to RGB, resized bilinearly to 299 x 299 and passed through
    `keras.applications.inception_v3.preprocess_input`, as the features of
    FID are, in batches of 50.

    Args:
        weights_path: the with-top weights file (`find_top_weights`).
        model: instead of building InceptionV3, a Keras classifier of 299 x
            299 x 3 images to probabilities (a stand-in in tests).

    Attributes:
        description: what the report calls the network.
    """

    def __init__(self, weights_path=None, *, model=None):
        import keras

        if model is None:
            path = Path(weights_path) if weights_path is not None else find_top_weights()
            if path is None or not path.is_file():
                raise RuntimeError(
                    f"InceptionV3 with-top weights {TOP_WEIGHTS_FILE} are not at "
                    f"{weights_path or 'the Keras cache'}; put a copy there (from "
                    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/)"
                )
            try:
                model = keras.applications.InceptionV3(include_top=True, weights=str(path))
            except Exception as error:  # a corrupt or mismatched file
                raise RuntimeError(f"could not load InceptionV3 from {path}: {error}") from error
            self.description = "InceptionV3 ImageNet classifier (1000 classes, Keras weights)"
        else:
            self.description = f"{model.name} (a stand-in for InceptionV3's ImageNet classifier)"
        self.model = model

    def __call__(self, images) -> np.ndarray:
        import keras

        # Imported here: this module is read without TensorFlow (find_top_weights).
        from keras_wgan.evaluation.feature_networks import inception_input
        from keras_wgan.evaluation.metrics.base import images_to_float

        x = images_to_float(images, "images")
        if x.shape[-1] not in (1, 3):
            raise ValueError(f"`images` must have 1 or 3 channels; received shape {x.shape}")
        outputs = []
        for start in range(0, len(x), _BATCH):
            batch = inception_input(x[start : start + _BATCH])
            outputs.append(keras.ops.convert_to_numpy(self.model(batch, training=False)))
        return np.concatenate(outputs).astype(np.float64)
