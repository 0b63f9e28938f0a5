"""The papers' FID network (TensorFlow's 2015 Inception graph) through a stand-in with its names."""

import json
import types

import inception_standin
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan.cli import evaluate as evaluate_cli
from keras_wgan.evaluation import core, feature_networks, inception_graph, metrics, networks
from keras_wgan.evaluation.generators import EvaluationError


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """(path, constants) of the stand-in graph."""
    path = tmp_path_factory.mktemp("graph") / "classify_image_graph_def.pb"
    return path, inception_standin.write(path)


def probe_graph(path):
    """A graph whose pool_3 is the mean of each channel of what ExpandDims:0 receives."""
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [1, None, None, 3], name="ExpandDims")
        tf.reduce_mean(images, [1, 2], keepdims=True, name="pool_3")
    path.write_bytes(graph.as_graph_def().SerializeToString())
    return path


def test_features_are_the_graphs_pool_3_computed_directly(standin):
    path, constants = standin
    network = feature_networks.feature_network(str(path))
    images = np.random.default_rng(0).integers(0, 256, (57, 28, 28, 1), dtype=np.uint8)
    features = network.features(images)  # two batches of the graph, 50 and 7
    assert features.shape == (57, inception_standin.DIM) and features.dtype == np.float32
    rgb = np.repeat(images, 3, -1).astype(np.float32)
    direct = inception_standin.direct_features(rgb, constants)
    np.testing.assert_allclose(features, direct, rtol=1e-5, atol=1e-6)
    # Float images in [-1, 1] are the same images.
    np.testing.assert_array_equal(network.features(images / 127.5 - 1.0), features)


def test_logits_are_pool_3_times_the_softmax_weights_without_the_bias(standin):
    # As OpenAI's inception_score/model.py and so the papers' Inception Score.
    path, constants = standin
    network = feature_networks.feature_network(str(path))
    images = np.random.default_rng(1).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    direct = inception_standin.direct_features(images.astype(np.float32), constants)
    np.testing.assert_allclose(
        network.logits(images), direct @ constants["weights"], rtol=1e-5, atol=1e-5
    )
    assert network.classify is None  # its classes are not the data's


def test_images_go_in_as_ttur_feeds_them(tmp_path):
    # The probe's features are the mean input value of each channel: grey repeated to
    # RGB, [-1, 1] mapped to [0, 255] and rounded, any image size.
    network = inception_graph.graph_feature_network(probe_graph(tmp_path / "probe.pb"))
    grey = np.full((3, 5, 7, 1), [[[[-1.0]]], [[[0.0]]], [[[1.0]]]], np.float32)
    np.testing.assert_array_equal(network.features(grey), [[0] * 3, [128] * 3, [255] * 3])
    rgb = np.zeros((1, 40, 30, 3), np.uint8) + np.array([17, 200, 3], np.uint8)
    np.testing.assert_array_equal(network.features(rgb), [[17, 200, 3]])
    assert network.logits is None  # no softmax/logits/MatMul in the probe


def test_the_description_names_the_file_and_its_hash(standin):
    path, _ = standin
    network = feature_networks.feature_network(str(path))
    assert network.name == "TF Inception 2015 graph"
    assert network.description.startswith(
        f"TF Inception 2015 graph classify_image_graph_def.pb (sha256 "
        f"{inception_graph.InceptionGraph(path).sha256[:12]}), pool_3 (6-d)"
    )


def test_a_file_that_is_not_the_graph_is_refused(tmp_path):
    other = tmp_path / "other.pb"
    graph = tf.Graph()
    with graph.as_default():
        tf.constant(1.0, name="x")
    other.write_bytes(graph.as_graph_def().SerializeToString())
    with pytest.raises(ValueError, match=r"has no tensor 'ExpandDims:0'; expected"):
        feature_networks.feature_network(str(other))
    garbage = tmp_path / "garbage.pb"
    garbage.write_bytes(b"\xff" * 64)
    with pytest.raises(ValueError, match=r"is not a TensorFlow GraphDef"):
        feature_networks.feature_network(str(garbage))
    with pytest.raises(FileNotFoundError, match=r"no such file; expected"):
        feature_networks.feature_network(str(tmp_path / "missing.pb"))


def test_the_core_reports_fid_with_the_graphs_name(standin):
    path, _ = standin
    rng = np.random.default_rng(2)
    real = rng.integers(0, 256, (40, 28, 28, 1), dtype=np.uint8)
    fake = rng.integers(0, 128, (20, 28, 28, 1), dtype=np.uint8)
    reference = core.Reference(real[:20], spare=real[20:], feature_network=str(path), cache=False)
    network = reference.feature_network
    values = reference.measure(fake)
    expected = metrics.frechet_distance(network.features(fake), network.features(real[:20]))
    assert values["fid"] == pytest.approx(expected, rel=1e-9)
    assert network.description in reference.descriptions["fid"]


def small_gan():
    """An untrained 28x28 dcgan WassersteinGAN with few filters."""
    import keras

    from keras_wgan import architectures
    from keras_wgan.model import WassersteinGAN

    keras.utils.set_random_seed(0)
    generator, critic = architectures.build("dcgan", (28, 28, 1), latent_dim=8, filters=4)
    gan = WassersteinGAN(generator, critic, critic_steps=1, seed=0)
    gan.compile()
    return gan


def test_the_evaluate_command_takes_the_graph(standin, tmp_path, capsys):
    path, _ = standin
    images = np.random.default_rng(3).integers(0, 256, (40, 28, 28, 1), dtype=np.uint8)
    np.savez(tmp_path / "data.npz", images=images)
    small_gan().save(tmp_path / "gan.keras")
    code = evaluate_cli.main(
        [
            f"--checkpoint={tmp_path / 'gan.keras'}",
            f"--dataset={tmp_path / 'data.npz'}",
            "--num_samples=20",
            f"--feature_network={path}",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert report["feature_network"].startswith("TF Inception 2015 graph")
    for key in ("fid", "kid", "w1_feature"):
        assert report["metrics"][key]["feature_network"] == report["feature_network"], key
    assert "class_entropy" not in report["metrics"]  # the graph's classes are not the data's
    # The papers' Inception Score: the graph's own logits.
    assert report["metrics"]["inception_score"]["classifier"] == report["feature_network"]


def test_the_evaluate_command_names_the_flag_for_a_bad_graph(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"\xff" * 64)
    info = types.SimpleNamespace(source="npz", labels=None)  # unlabelled images
    with pytest.raises(EvaluationError, match=rf"^--feature_network={bad}: .* is not a TensorFlow"):
        networks.choose_feature_network(str(bad), info, None, None)
    with pytest.raises(EvaluationError, match=r"^--feature_network=.*missing.pb: no such file"):
        networks.choose_feature_network(str(tmp_path / "missing.pb"), info, None, None)


def test_the_monitor_takes_the_graph_and_names_it_beside_the_fid(standin, caplog):
    from keras_wgan.evaluation.monitor import Monitor

    path, _ = standin
    images = np.random.default_rng(4).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    gan = small_gan()
    monitor = Monitor(
        images,
        num_samples=32,
        feature_network=str(path),
        swd_options={"num_descriptors": 8, "num_projections": 32},
    )
    with caplog.at_level("INFO", logger="keras_wgan"):
        history = gan.fit(
            images, batch_size=16, epochs=1, steps_per_epoch=1, verbose=0, callbacks=[monitor]
        )
    network = monitor.feature_network
    expected = metrics.frechet_distance(
        network.features(monitor.generated()), network.features(monitor.real[:32])
    )
    assert history.history["fid"][0] == pytest.approx(expected, rel=1e-6)
    lines = [record.getMessage() for record in caplog.records]
    line = next(line for line in lines if line.startswith("monitor epoch"))
    assert "fid=" in line and line.endswith("(features: TF Inception 2015 graph)")
    # The graph's logits give the papers' Inception Score without being asked for.
    from keras_wgan.evaluation.metrics.inception import as_probabilities

    classes = as_probabilities(network.logits(monitor.generated()))
    assert history.history["inception_score"][0] == pytest.approx(
        metrics.inception_score(classes).mean, rel=1e-5
    )
