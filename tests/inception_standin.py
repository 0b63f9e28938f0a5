"""A small stand-in for TensorFlow's 2015 Inception graph, with its tensor names and old ops.

`classify_image_graph_def.pb` cannot be downloaded in the tests; this writes a
GraphDef wired as it is: `DecodeJpeg/contents` -> `DecodeJpeg` -> `Cast` ->
`ExpandDims` (batch 1) -> `ResizeBilinear` (to `SIZE` x `SIZE`, TF1's resize)
-> `Sub` (128) -> `Mul` (1/128) -> a convolution -> a
`BatchNormWithGlobalNormalization` (an op removed from GraphDefs since version
9, as in the real file, whose old version is kept) -> ReLU -> `pool_3`
(average over the image, [1, 1, 1, DIM]) -> `pool_3/_reshape` ([1, DIM]) ->
`softmax/logits/MatMul` (weights `softmax/weights`) -> `softmax/logits` (bias)
-> `softmax`. `_output_shapes` are recorded with batch 1, as in a graph
exported with its shapes. `direct_features` computes `pool_3` of the same
constants without the graph.
"""

import numpy as np
import tensorflow as tf

SIZE = 299
DIM = 6
NUM_CLASSES = 5
EPSILON = 1e-3
PRODUCER = 8  # BatchNormWithGlobalNormalization exists up to GraphDef version 8


def constants(seed=0):
    """The stand-in's weights: {name: array}."""
    rng = np.random.default_rng(seed)
    return {
        "kernel": rng.normal(size=(3, 3, 3, DIM)).astype(np.float32) * 0.3,
        "mean": rng.normal(size=DIM).astype(np.float32) * 0.1,
        "variance": rng.uniform(0.5, 2.0, DIM).astype(np.float32),
        "beta": rng.normal(size=DIM).astype(np.float32) * 0.1,
        "gamma": rng.uniform(0.5, 1.5, DIM).astype(np.float32),
        "weights": rng.normal(size=(DIM, NUM_CLASSES)).astype(np.float32),
        "biases": rng.normal(size=NUM_CLASSES).astype(np.float32),
    }


def write(path, seed=0):
    """Writes the stand-in GraphDef to `path`; returns its `constants(seed)`."""
    c = constants(seed)
    graph = tf.Graph()
    with graph.as_default():
        contents = tf.compat.v1.placeholder(tf.string, [], name="DecodeJpeg/contents")
        decoded = tf.io.decode_jpeg(contents, channels=3, name="DecodeJpeg")
        cast = tf.cast(decoded, tf.float32, name="Cast")
        expanded = tf.expand_dims(cast, 0, name="ExpandDims")
        resized = tf.compat.v1.image.resize_bilinear(expanded, [SIZE, SIZE], name="ResizeBilinear")
        scaled = tf.multiply(tf.subtract(resized, 128.0, name="Sub"), 1.0 / 128.0, name="Mul")
        conv = tf.nn.conv2d(
            scaled, tf.constant(c["kernel"], name="conv/kernel"), 4, "VALID", name="conv/Conv2D"
        )
        for name in ("mean", "variance", "beta", "gamma"):
            tf.constant(c[name], name=f"conv/batchnorm/{name}")
        normalized = tf.identity(conv, name="conv/batchnorm")  # the op is set below
        relu = tf.nn.relu(normalized, name="conv/relu")
        pool = tf.reduce_mean(relu, [1, 2], keepdims=True, name="pool_3")
        flat = tf.reshape(pool, [1, DIM], name="pool_3/_reshape")
        matmul = tf.matmul(flat, tf.constant(c["weights"], name="softmax/weights"))
        matmul = tf.identity(matmul, name="softmax/logits/MatMul")  # the op is set below
        logits = tf.nn.bias_add(matmul, tf.constant(c["biases"], name="softmax/biases"))
        tf.nn.softmax(tf.identity(logits, name="softmax/logits"), name="softmax")
    graph_def = graph.as_graph_def(add_shapes=True)
    nodes = {node.name: node for node in graph_def.node}
    # The real graph's batch normalisation, an op no new graph may hold.
    norm = nodes["conv/batchnorm"]
    norm.op = "BatchNormWithGlobalNormalization"
    del norm.input[:]
    norm.input.extend(
        ["conv/Conv2D"] + [f"conv/batchnorm/{n}" for n in ("mean", "variance", "beta", "gamma")]
    )
    norm.attr["variance_epsilon"].f = EPSILON
    norm.attr["scale_after_normalization"].b = True
    # softmax/logits/MatMul is the MatMul itself, its second input the weights.
    product = nodes["softmax/logits/MatMul"]
    inner = nodes[product.input[0]]
    product.op, product.input[:] = "MatMul", list(inner.input)
    for key in ("transpose_a", "transpose_b"):
        product.attr[key].b = False
    graph_def.node.remove(inner)
    graph_def.versions.producer = PRODUCER
    with open(path, "wb") as f:
        f.write(graph_def.SerializeToString())
    return c


def direct_features(images_0_255, c):
    """`pool_3` of float images in [0, 255] [n, h, w, 3], computed without the graph."""
    x = tf.compat.v1.image.resize_bilinear(tf.constant(images_0_255, tf.float32), [SIZE, SIZE])
    x = (x - 128.0) * (1.0 / 128.0)
    conv = tf.nn.conv2d(x, c["kernel"], 4, "VALID").numpy().astype(np.float64)
    normalized = (conv - c["mean"]) / np.sqrt(c["variance"] + EPSILON) * c["gamma"] + c["beta"]
    return np.maximum(normalized, 0.0).mean(axis=(1, 2))
