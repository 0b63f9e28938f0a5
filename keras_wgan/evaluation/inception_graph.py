"""The papers' FID network: TensorFlow's 2015 Inception graph, fed as TTUR's `fid.py` feeds it.

Published FIDs (Heusel et al. 2017 and the papers after them) and Inception
Scores (Salimans et al. 2016) come from one file, `classify_image_graph_def.pb`
of `inception-2015-12-05.tgz` (TensorFlow's 2015 Inception v3 GraphDef),
through TTUR's `fid.py` and OpenAI's `inception_score` code (TF-GAN ships the
same weights). Keras's `InceptionV3(weights="imagenet")` is another training
of the architecture, with another resize, and its FIDs differ from the
papers'. The file cannot be downloaded here: the user gives its path
(`feature_network("/path/classify_image_graph_def.pb")`, the evaluate
command's `--feature_network=/path/classify_image_graph_def.pb`, or
`Monitor(feature_network=...)`).

How images go in, as in TTUR's `fid.py`:

* images [n, h, w, c], c = 1 or 3, uint8 in [0, 255] or float in [-1, 1],
  any size: grey images repeated to 3 channels, values mapped to [0, 255]
  and rounded to integers (what an 8-bit image file holds: the papers score
  saved PNGs), fed as float32 to `ExpandDims:0`, in batches of 50;
* the graph itself resizes them to 299 x 299 (its `ResizeBilinear`, TF1's
  bilinear resize without half-pixel centres) and maps them to [-1, 1];
* features: `pool_3:0`, [n, 1, 1, 2048] flattened to [n, 2048];
* class logits for the Inception Score: `pool_3` times the weight matrix of
  `softmax/logits/MatMul` ([2048, 1008]), without the bias, as OpenAI's
  `inception_score/model.py` (and so the papers' IS) computes them.

The graph holds ops TensorFlow removed from new graphs
(`BatchNormWithGlobalNormalization`, gone since GraphDef version 9). They run
only in a graph that keeps the file's old version: the graph is imported into
a `tf.Graph` of its own and run by a `tf.compat.v1.Session`, as TTUR runs it,
not traced into a `tf.function` (whose functions carry the current version
and refuse those ops).

Any GraphDef with the same tensor names is accepted (the tests use a small
stand-in); the description names the file and the start of its SHA-256, so
that a report says which file made its numbers.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from keras_wgan.evaluation.feature_networks import FeatureNetwork
from keras_wgan.evaluation.metrics.base import images_to_float

__all__ = [
    "BATCH_SIZE",
    "GRAPH_ARCHIVE_URL",
    "GRAPH_FILE",
    "INPUT",
    "LOGITS_MATMUL",
    "NAME",
    "POOL",
    "InceptionGraph",
    "graph_input",
    "graph_feature_network",
]

#: The file inside `GRAPH_ARCHIVE_URL` that papers compute FID and IS with.
GRAPH_FILE = "classify_image_graph_def.pb"
GRAPH_ARCHIVE_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
#: Images [n, h, w, 3], float32 in [0, 255]: the input TTUR's fid.py feeds.
INPUT = "ExpandDims:0"
#: The 2048-d features of FID.
POOL = "pool_3:0"
#: The op whose second input is the [2048, 1008] weight matrix of the class logits.
LOGITS_MATMUL = "softmax/logits/MatMul"
#: Images per run, TTUR's default.
BATCH_SIZE = 50
#: The short name printed beside an FID of this network.
NAME = "TF Inception 2015 graph"

_loaded: dict[tuple, InceptionGraph] = {}


def graph_input(images) -> np.ndarray:
    """Images as the graph takes them: float32 [n, h, w, 3], integers in [0, 255].

    Args:
        images: [n, h, w, c] with c = 1 or 3 (or [n, h, w]), uint8 in [0, 255]
            or float in [-1, 1].

    Returns:
        The images with grey repeated to RGB, mapped to [0, 255] and rounded.

    Raises:
        ValueError: another number of channels.
    """
    x = images_to_float(images, "images")
    if x.shape[-1] not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels; received shape {x.shape}")
    x = np.repeat(x, 3 // x.shape[-1], axis=-1)
    return np.clip(np.round((x + 1.0) * 127.5), 0.0, 255.0).astype(np.float32)


class InceptionGraph:
    """A GraphDef with the 2015 Inception graph's tensor names, ready to run.

    Args:
        path: the `.pb` file (a binary `GraphDef`).
        batch_size: images per run.

    Attributes:
        path: the file.
        sha256: the file's SHA-256, hex.
        dim: the width of the features (2048 for the real graph).
        logit_weights: the [dim, K] matrix of the class logits (K = 1008 for the
            real graph), or None if the graph has no `softmax/logits/MatMul`.

    Raises:
        ValueError: the file is not a GraphDef, or lacks `ExpandDims:0` or `pool_3:0`.
    """

    def __init__(self, path, batch_size: int = BATCH_SIZE):
        import tensorflow as tf
        from google.protobuf.message import DecodeError

        self.path = Path(path)
        content = self.path.read_bytes()
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.batch_size = int(batch_size)
        try:
            graph_def = tf.compat.v1.GraphDef.FromString(content)
        except DecodeError as error:
            raise ValueError(
                f"feature_network {str(path)!r} is not a TensorFlow GraphDef (.pb) file: "
                f"{error}; expected {GRAPH_FILE} from {GRAPH_ARCHIVE_URL}"
            ) from error
        nodes = {node.name: node for node in graph_def.node}
        for tensor in (INPUT, POOL):
            if tensor.split(":")[0] not in nodes:
                raise ValueError(
                    f"feature_network {str(path)!r} has no tensor {tensor!r}; expected "
                    f"{GRAPH_FILE} (TensorFlow's 2015 Inception graph, from "
                    f"{GRAPH_ARCHIVE_URL}) or a graph with its input {INPUT!r} (images "
                    f"[n, h, w, 3] in [0, 255]) and output {POOL!r}"
                )
        self.logit_weights = _logit_weights(nodes)
        self._graph = tf.Graph()
        with self._graph.as_default():
            # Mapped onto ExpandDims:0, whose batch of 1 then follows the input: TTUR, feeding
            # ExpandDims:0 itself, relaxes every shape of the graph by hand instead.
            self._images = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3], "images")
            (pool,) = tf.compat.v1.import_graph_def(
                graph_def,
                input_map={INPUT: self._images},
                return_elements=[POOL],
                name="inception",
            )
            self._features = tf.reshape(pool, [tf.shape(self._images)[0], -1])
        self._session = tf.compat.v1.Session(graph=self._graph)
        # The key and features of the last images.
        self._last: tuple[str | None, np.ndarray | None] = (None, None)
        self.dim = int(self.features(np.zeros((1, 8, 8, 3), np.uint8)).shape[1])

    def features(self, images) -> np.ndarray:
        """`pool_3` of the images, float32 [n, dim] (see the module docstring for the input)."""
        x = graph_input(images)
        key = hashlib.sha1(x.tobytes()).hexdigest() + str(x.shape)
        last_key, last_features = self._last
        if last_key == key and last_features is not None:  # FID and IS of the same images
            return last_features
        batches = [
            self._session.run(self._features, {self._images: x[start : start + self.batch_size]})
            for start in range(0, len(x), self.batch_size)
        ]
        features = np.concatenate(batches).astype(np.float32)
        self._last = (key, features)
        return features

    def logits(self, images) -> np.ndarray:
        """The class logits of the Inception Score, float32 [n, K]: `pool_3` @ W, no bias.

        Raises:
            ValueError: the graph has no `softmax/logits/MatMul` with a constant weight.
        """
        if self.logit_weights is None:
            raise ValueError(
                f"feature_network {str(self.path)!r} has no constant weight matrix behind "
                f"{LOGITS_MATMUL!r}, so no class logits for the Inception Score; expected "
                f"{GRAPH_FILE}"
            )
        return (self.features(images).astype(np.float64) @ self.logit_weights).astype(np.float32)

    @property
    def description(self) -> str:
        """What a report says of this network."""
        return (
            f"{NAME} {self.path.name} (sha256 {self.sha256[:12]}), pool_3 ({self.dim}-d), "
            "images fed as TTUR's fid.py feeds them; the papers' FID when the file is "
            f"{GRAPH_FILE} of inception-2015-12-05"
        )


def _logit_weights(nodes):
    """The constant [dim, K] weight of `softmax/logits/MatMul`, float64, or None."""
    import tensorflow as tf

    matmul = nodes.get(LOGITS_MATMUL)
    if matmul is None or len(matmul.input) < 2:
        return None
    node = nodes.get(matmul.input[1].split(":")[0].lstrip("^"))
    while node is not None and node.op == "Identity":  # a frozen variable's read
        node = nodes.get(node.input[0].split(":")[0])
    if node is None or node.op != "Const":
        return None
    return tf.make_ndarray(node.attr["value"].tensor).astype(np.float64)


def graph_feature_network(path) -> FeatureNetwork:
    """The `FeatureNetwork` of a 2015 Inception GraphDef file (loaded once per file).

    Args:
        path: the `.pb` file, e.g. `classify_image_graph_def.pb`.

    Returns:
        `FeatureNetwork` with `features` (pool_3), `logits` (the Inception
        Score's class logits, when the graph has them), `description` and
        `name`; no `classify`, the data's own classes being unknown to it.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a GraphDef with the graph's tensor names.

    Example:

        ```python
        net = graph_feature_network("classify_image_graph_def.pb")
        fid = frechet_distance(net.features(real), net.features(fake))
        ```
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"feature_network {str(path)!r}: no such file; expected {GRAPH_FILE} (extract it "
            f"from {GRAPH_ARCHIVE_URL} on a machine that can download it)"
        )
    stat = path.stat()
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _loaded:
        _loaded[key] = InceptionGraph(path)
    graph = _loaded[key]
    return FeatureNetwork(
        features=graph.features,
        description=graph.description,
        logits=graph.logits if graph.logit_weights is not None else None,
        name=NAME,
    )
