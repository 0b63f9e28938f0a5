"""Conditional metrics: conditional accuracy and intra-FID, in the core, the Monitor, evaluate.

The numbers are checked against cases known by hand: a stand-in classifier
that is a fixed function of the pixels, and features whose per-class means
and covariances give each class's FID in closed form.
"""

import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import architectures
from keras_wgan.cli import evaluate as evaluate_cli
from keras_wgan.evaluation import command, core, metrics
from keras_wgan.evaluation.feature_networks import FeatureNetwork
from keras_wgan.evaluation.metrics import conditional
from keras_wgan.evaluation.monitor import Monitor

SIZE = 16  # 16 x 16 images: the smallest whose SWD pyramid holds a 7 x 7 patch
NUM_CLASSES = 3
PER_CLASS = 8
# Two feature coordinates per image: a base pattern with known covariance, per class.
BASE = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]] * (PER_CLASS // 4))
TRACE = float(np.trace(np.cov(BASE, rowvar=False)))  # the base's covariance trace
CENTRES = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])


# Floors and classifiers are computed here, not read from the user's cache.
pytestmark = pytest.mark.usefixtures("own_cache")


def images_of(features, codes):
    """Images whose pixels 0 and 1 are `features` and pixel 2 is the class code."""
    images = np.zeros((len(features), SIZE, SIZE, 1), "float32")
    images[:, 0, 0, 0], images[:, 0, 1, 0] = features[:, 0], features[:, 1]
    images[:, 0, 2, 0] = codes
    return images


def first_two_pixels(images):
    return np.asarray(images, np.float64).reshape(len(images), -1)[:, :2]


def code_classifier(images):
    """Scores [n, K]: class k scores -|pixel 2 - k|, so the nearest class code wins."""
    code = np.asarray(images).reshape(len(images), -1)[:, 2:3]
    return -np.abs(code - np.arange(NUM_CLASSES))


FEATURES = FeatureNetwork(first_two_pixels, "the first two pixels")


def real_set():
    features = np.concatenate([BASE + centre for centre in CENTRES])
    labels = np.repeat(np.arange(NUM_CLASSES), PER_CLASS)
    return images_of(features, labels), labels


def test_evenly_spread_labels_give_every_class_the_same_number():
    labels = conditional.evenly_spread_labels(30, 10)
    assert labels.dtype == np.int32 and labels[:12].tolist() == [*range(10), 0, 1]
    assert np.bincount(labels).tolist() == [3] * 10
    indices, m = conditional.balanced_indices(conditional.evenly_spread_labels(25, 10), 10)
    assert m == 2 and len(indices) == 20  # the first 2 of each class
    with pytest.raises(ValueError, match="labels holds no sample of class 2"):
        conditional.balanced_indices([0, 1, 0], 3)


def test_conditional_accuracy_of_a_fixed_classifier_is_the_share_it_recognises():
    labels = conditional.evenly_spread_labels(12, NUM_CLASSES)
    codes = labels.astype("float32")
    codes[[0, 3, 4]] = [1, 2, 2]  # two samples of class 0 and one of class 1 made wrong
    images = images_of(np.zeros((12, 2)), codes)
    accuracy, per_class = conditional.conditional_accuracy(code_classifier(images), labels)
    assert accuracy == 9 / 12
    assert per_class.tolist() == [0.5, 0.75, 1.0]


def test_intra_fid_is_the_mean_of_closed_form_per_class_fids():
    # Class k generated: the real pattern scaled by s_k and shifted by d_k; same mean
    # otherwise. FID_k = |d_k|^2 + (1 - s_k)^2 Tr(S), S the pattern's covariance.
    real, real_labels = real_set()
    scales, shifts = [1.0, 2.0, 0.5], np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    fake_labels = conditional.evenly_spread_labels(NUM_CLASSES * PER_CLASS, NUM_CLASSES)
    features = np.zeros((len(fake_labels), 2))
    for k in range(NUM_CLASSES):
        features[fake_labels == k] = BASE * scales[k] + CENTRES[k] + shifts[k]
    expected = [np.sum(shifts[k] ** 2) + (1 - scales[k]) ** 2 * TRACE for k in range(3)]
    assert expected == pytest.approx([25.0, TRACE, 2.0 + 0.25 * TRACE])

    result = conditional.intra_fid(
        features, fake_labels, first_two_pixels(real), real_labels, NUM_CLASSES
    )
    assert result.per_class == pytest.approx(expected, abs=1e-6)
    assert result.value == pytest.approx(np.mean(expected), abs=1e-6)
    assert result.too_few == {}

    # Through the core: the same numbers, and the classifier's accuracy beside them.
    reference = core.Reference(
        real,
        feature_network=FEATURES,
        num_classes=NUM_CLASSES,
        real_labels=real_labels,
        classifier=code_classifier,
        cache=False,
    )
    fake = images_of(features, fake_labels)
    values = reference.measure(fake, labels=fake_labels)
    assert values["intra_fid"] == pytest.approx(np.mean(expected), abs=1e-6)
    assert [values[f"intra_fid_class_{k}"] for k in range(3)] == pytest.approx(expected, abs=1e-6)
    assert values["conditional_accuracy"] == 1.0
    # The unconditional FID of the same samples is there too, and knows nothing of classes.
    assert values["fid"] == pytest.approx(
        core.Reference(real, feature_network=FEATURES, cache=False).measure(fake)["fid"]
    )
    assert {"conditional_accuracy", "intra_fid"} <= set(reference.descriptions)
    # Without labels: the unconditional keys only.
    assert not any(key.startswith(("intra_fid", "conditional")) for key in reference.measure(fake))


def test_a_class_with_too_few_real_samples_is_reported_not_dropped():
    real, real_labels = real_set()
    keep = np.concatenate([np.flatnonzero(real_labels != 2), [np.flatnonzero(real_labels == 2)[0]]])
    real, real_labels = real[keep], real_labels[keep]  # one real sample of class 2
    reference = core.Reference(
        real,
        feature_network=FEATURES,
        num_classes=NUM_CLASSES,
        real_labels=real_labels,
        cache=False,
    )
    fake_labels = conditional.evenly_spread_labels(12, NUM_CLASSES)
    fake = images_of(np.zeros((12, 2)), fake_labels)
    for k in range(NUM_CLASSES):  # generated = the first 4 real patterns of the class + (1, 0)
        fake[fake_labels == k, 0, :2, 0] = BASE[:4] + CENTRES[k] + [1.0, 0.0]
    values = reference.measure(fake, labels=fake_labels)
    assert math.isnan(values["intra_fid_class_2"])
    assert reference.too_few_classes(fake_labels) == {2: (1, 4)}
    assert values["intra_fid"] == pytest.approx(
        np.mean([values["intra_fid_class_0"], values["intra_fid_class_1"]])
    )
    assert "conditional_accuracy" not in values  # no classifier given


def test_reference_refuses_labels_without_num_classes_and_bad_labels():
    real, real_labels = real_set()
    with pytest.raises(ValueError, match="num_classes=None"):
        core.Reference(real, cache=False).measure(real, labels=real_labels)
    reference = core.Reference(
        real, num_classes=NUM_CLASSES, classifier=code_classifier, cache=False
    )
    with pytest.raises(ValueError, match=r"labels holds 8 labels >= 3"):
        reference.measure(real, labels=np.where(real_labels == 2, 3, real_labels))
    with pytest.raises(ValueError, match="real_labels holds 2 labels for 24"):
        core.Reference(real, num_classes=NUM_CLASSES, real_labels=[0, 1], cache=False)


# ------------------------------------------------------------------- Monitor
class StandIn:
    """What the Monitor reads of a conditional WassersteinGAN (the model may not exist yet)."""

    def __init__(self, generator, critic, latent_dim, num_classes):
        self.generator = self.sampling_generator = generator
        self.critic = critic
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.class_frequencies = np.full(num_classes, 1.0 / num_classes)
        self.generator_steps = 0


def code_generator(inputs, training=False):
    """Class k: the real pattern of class k (pixels 0, 1 from the latent); code k, but 0 for 2."""
    z, y = (np.asarray(keras.ops.convert_to_numpy(t)) for t in inputs)
    return images_of(z[:, :2] + CENTRES[y], np.where(y == 2, 0, y))


def label_critic(inputs, training=False):
    x, y = (np.asarray(keras.ops.convert_to_numpy(t)) for t in inputs)
    return x.reshape(len(x), -1)[:, :1] * (1.0 + y[:, None])


def test_monitor_logs_conditional_accuracy_and_intra_fid_of_a_conditional_model():
    real, real_labels = real_set()
    network = FeatureNetwork(first_two_pixels, "the first two pixels", classify=code_classifier)
    monitor = Monitor(
        real,
        num_samples=12,
        w1_samples=12,
        feature_network=network,
        real_labels=real_labels,
        swd_options={"num_descriptors": 8, "num_projections": 16},
    )
    monitor.set_model(StandIn(code_generator, label_critic, 2, NUM_CLASSES))
    monitor.on_train_begin()
    logs = {}
    monitor.on_epoch_end(0, logs)

    assert monitor.labels.tolist() == [0, 1, 2] * 4  # evenly spread: 4 per class
    # Classes 0 and 1 are recognised, class 2 is drawn with the code of class 0.
    assert logs["conditional_accuracy"] == pytest.approx(2 / 3)
    fake = code_generator([monitor.latent, monitor.labels])
    fake_features, real_features = first_two_pixels(fake), first_two_pixels(monitor.real)
    fids = [
        metrics_fid(fake_features[monitor.labels == k], real_features[monitor.real_labels == k])
        for k in range(NUM_CLASSES)
    ]
    assert logs["intra_fid"] == pytest.approx(np.mean(fids), rel=1e-6)
    record = monitor.records[0]
    assert [record[f"intra_fid_class_{k}"] for k in range(3)] == pytest.approx(fids, rel=1e-6)
    assert [record[f"conditional_accuracy_class_{k}"] for k in range(3)] == [1.0, 1.0, 0.0]
    assert not any("_class_" in key for key in logs)  # per-class values: in records only
    # The critic is asked with labels: the real ones for the real set.
    estimate = (
        label_critic([monitor.real, monitor.real_labels]).mean()
        - label_critic([fake, monitor.labels]).mean()
    )
    assert logs["w1_critic_estimate"] == pytest.approx(estimate, rel=1e-5)
    assert {"fid", "swd", "w1_pixel"} <= set(logs)  # the unconditional metrics, same samples


def metrics_fid(a, b):
    from keras_wgan.evaluation import metrics

    return metrics.frechet_distance(a, b)


def template_images(n, seed=0):
    """28 x 28 uint8 images of 3 classes: a bright 8 x 8 square in one of 3 places, and noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % NUM_CLASSES
    images = rng.integers(0, 60, (n, 28, 28, 1)).astype("uint8")
    for k in range(NUM_CLASSES):
        images[labels == k, 2 + 8 * k : 10 + 8 * k, 10:18] = 250
    return images, labels


def test_monitor_trains_a_classifier_for_a_conditional_keras_model_and_skips_unlabelled():
    images, labels = template_images(60)
    generator, critic = architectures.build(
        "dcgan", (28, 28, 1), latent_dim=4, filters=4, num_classes=NUM_CLASSES
    )
    real = images.astype("float32") / 127.5 - 1.0
    monitor = Monitor(
        real,
        num_samples=15,
        w1_samples=15,
        real_labels=labels,
        classifier_epochs=1,
        swd_options={"num_descriptors": 8, "num_projections": 16},
    )
    model = StandIn(generator, critic, 4, NUM_CLASSES)
    monitor.set_model(model)
    logs = {}
    monitor.on_epoch_end(0, logs)
    assert 0.0 <= logs["conditional_accuracy"] <= 1.0 and "intra_fid" not in logs
    fake = keras.ops.convert_to_numpy(
        generator(
            [
                keras.ops.convert_to_tensor(monitor.latent),
                keras.ops.convert_to_tensor(monitor.labels),
            ]
        )
    )
    assert np.allclose(monitor.generated(), fake, atol=1e-5)
    # A conditional model needs labelled real samples; an unconditional one does not.
    unlabelled = Monitor(real, num_samples=15, w1_samples=15)
    unlabelled.set_model(model)
    with pytest.raises(ValueError, match="conditional .3 classes. but the Monitor's real"):
        unlabelled.on_train_begin()


# ------------------------------------------------------------------ evaluate
TEMPLATES = (
    np.stack([template_images(3)[0][k] for k in range(NUM_CLASSES)]).astype("float32") / 127.5 - 1.0
)


def template_generator(shift):
    """A conditional Generator drawing the template of class (label + shift) mod K."""

    def sample(latent, labels):
        return (
            TEMPLATES[(np.asarray(labels) + shift) % NUM_CLASSES] + 0.01 * latent[:, :1, None, None]
        )

    return command.Generator(
        sample=sample,
        latent_dim=2,
        sample_shape=(28, 28, 1),
        value_range=None,
        dataset=None,
        source={},
        num_classes=NUM_CLASSES,
    )


@pytest.fixture()
def digits(tmp_path):
    images, labels = template_images(120)
    path = tmp_path / "digits.npz"
    np.savez(path, images=images, labels=labels)
    return path


def test_evaluate_reports_conditional_metrics_beside_the_unconditional_ones(digits, tmp_path):
    options = dict(
        num_samples=31, feature_network="classifier", classifier_path=tmp_path / "classifier.keras"
    )
    right = command.evaluate(template_generator(0), digits, **options)
    wrong = command.evaluate(template_generator(1), digits, **options)  # each class shifted
    for report in (right, wrong):
        assert report["generator"]["num_classes"] == NUM_CLASSES
        assert {"swd", "fid", "kid"} <= set(report["metrics"])  # the unconditional ones too
        accuracy, intra = report["metrics"]["conditional_accuracy"], report["metrics"]["intra_fid"]
        # 31 samples of 3 classes: the first 10 of each count.
        assert (accuracy["num_generated"], accuracy["num_generated_per_class"]) == (30, 10)
        assert set(accuracy["per_class"]) == {"0", "1", "2"}
        assert "held-out accuracy" in accuracy["classifier"]
        assert sum(intra["num_real_per_class"].values()) == 31
        assert intra["classes_with_too_few_samples"] == {}
        assert intra["value"] == pytest.approx(np.mean(list(intra["per_class"].values())))
    assert right["metrics"]["conditional_accuracy"]["value"] == 1.0
    assert wrong["metrics"]["conditional_accuracy"]["value"] == 0.0
    # The class entropy of all 31 samples (11, 10 and 10 of the classes), by the same classifier.
    entropy = right["metrics"]["class_entropy"]
    assert entropy["value"] == pytest.approx(_entropy([11, 10, 10]))
    assert entropy["num_generated"] == 31 and "held-out accuracy" in entropy["classifier"]
    assert right["metrics"]["intra_fid"]["value"] < wrong["metrics"]["intra_fid"]["value"]
    json.dumps(right)  # JSON as it is


def test_evaluate_refuses_a_conditional_generator_on_unlabelled_or_other_data(tmp_path):
    images, _ = template_images(30)
    np.savez(tmp_path / "plain.npz", images=images)
    with pytest.raises(
        ValueError,
        match=r"plain.npz has no class labels but the generator is "
        r"conditional \(3 classes\)",
    ):
        command.evaluate(template_generator(0), tmp_path / "plain.npz", num_samples=10)
    images, labels = template_images(30)
    np.savez(tmp_path / "two.npz", images=images, labels=labels % 2)
    with pytest.raises(ValueError, match="two.npz has 2 classes but the generator is conditional"):
        command.evaluate(template_generator(0), tmp_path / "two.npz", num_samples=10)


def save_conditional_export(directory, metadata):
    """A SavedModel with the conditional export's contract: serving_default(latent, label)."""
    templates = tf.constant(TEMPLATES)
    module = tf.Module()
    module.serving_default = tf.function(
        lambda latent, label: {
            "samples": tf.gather(templates, label) + 0.0 * latent[:, :1, None, None]
        },
        input_signature=[
            tf.TensorSpec([None, 2], tf.float32, name="latent"),
            tf.TensorSpec([None], tf.int32, name="label"),
        ],
    )
    tf.saved_model.save(
        module, str(directory), signatures={"serving_default": module.serving_default}
    )
    (directory / "assets.extra").mkdir()
    (directory / "assets.extra" / "keras_wgan.json").write_text(
        json.dumps(
            {"latent_dim": 2, "sample_shape": [28, 28, 1], "value_range": [-1.0, 1.0], **metadata}
        )
    )
    return directory


def test_evaluate_command_on_a_conditional_saved_model(digits, tmp_path, capsys):
    export = save_conditional_export(
        tmp_path / "export" / "1",
        {"dataset": str(digits), "num_classes": 3, "class_names": ["a", "b", "c"]},
    )
    generator = command.load_generator(saved_model=export)
    assert (generator.num_classes, generator.class_names) == (3, ("a", "b", "c"))
    code = evaluate_cli.main(
        [
            f"--saved_model={export}",
            "--num_samples=30",
            f"--classifier_path={tmp_path / 'classifier.keras'}",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)["metrics"]
    assert result["conditional_accuracy"]["value"] == 1.0  # the default network: the classifier
    assert set(result["intra_fid"]["per_class"]) == {"0", "1", "2"}  # the data's class names

    broken = save_conditional_export(tmp_path / "broken" / "1", {"dataset": str(digits)})
    code = evaluate_cli.main([f"--saved_model={broken}"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert (
        "serving_default takes 'label' but assets.extra/keras_wgan.json has num_classes=None"
        in lines[0]
    )


def test_evaluate_checkpoint_of_a_conditional_model(digits, tmp_path, monkeypatch, capsys):
    # A stand-in for a saved conditional WassersteinGAN: real conditional networks.
    from keras_wgan import checkpointing

    generator, critic = architectures.build(
        "dcgan", (28, 28, 1), latent_dim=4, filters=4, num_classes=NUM_CLASSES
    )
    model = StandIn(generator, critic, 4, NUM_CLASSES)
    model.generator_optimizer = None
    monkeypatch.setattr(checkpointing, "load_keras_model", lambda path, name: model)
    loaded = command.load_generator(checkpoint=tmp_path / "run.keras")
    assert loaded.num_classes == NUM_CLASSES
    report = command.evaluate(
        loaded,
        digits,
        num_samples=12,
        feature_network="none",
        classifier_path=tmp_path / "classifier.keras",
    )
    result = report["metrics"]
    assert 0.0 <= result["conditional_accuracy"]["value"] <= 1.0
    assert "intra_fid" not in result  # no feature network asked for
    labels = conditional.evenly_spread_labels(12, NUM_CLASSES)
    x = keras.ops.convert_to_tensor(TEMPLATES[labels])
    scores = keras.ops.convert_to_numpy(critic([x, keras.ops.convert_to_tensor(labels)]))
    assert loaded.critic(TEMPLATES[labels], labels) == pytest.approx(scores)
    assert "w1_critic_estimate" in result


def _entropy(counts):
    share = np.asarray(counts, np.float64) / np.sum(counts)
    share = share[share > 0]
    return float(-(share * np.log(share)).sum())


def test_class_entropy_is_ln_k_for_even_classes_and_0_for_one():
    one_hot = np.eye(4)
    assert metrics.class_entropy(one_hot[[0, 1, 2, 3] * 5]) == pytest.approx(np.log(4))
    assert metrics.class_entropy(one_hot[[2] * 7]) == 0.0
    assert metrics.class_entropy(one_hot[[0, 0, 0, 1]]) == pytest.approx(_entropy([3, 1]))
    # The highest score wins, whatever the scores are: -e_0 picks class 1, -e_1 class 0.
    assert metrics.class_entropy(-one_hot[[0, 0, 0, 1]]) == pytest.approx(_entropy([3, 1]))
    with pytest.raises(ValueError, match=r"scores must be class scores \[n >= 1, K >= 1\]"):
        metrics.class_entropy(np.zeros(5))


def test_reference_with_a_classifier_reports_the_class_entropy_conditional_or_not():
    real, real_labels = real_set()
    fake_labels = np.array([0, 0, 0, 1] * 3)
    fake = images_of(np.zeros((12, 2)), fake_labels)
    # Unconditional: a classifier alone gives the entropy of the classes it assigns.
    unconditional = core.Reference(
        real, feature_network=FEATURES, classifier=code_classifier, cache=False
    )
    values = unconditional.measure(fake)
    assert values["class_entropy"] == pytest.approx(_entropy([9, 3]))
    assert "class_entropy" in unconditional.descriptions
    assert not any(key.startswith("conditional") for key in values)
    assert "class_entropy" not in core.Reference(
        real, feature_network=FEATURES, cache=False
    ).measure(fake)
    # Conditional: on all generated samples, beside the accuracy of the balanced subset.
    conditional_reference = core.Reference(
        real,
        feature_network=FEATURES,
        num_classes=NUM_CLASSES,
        real_labels=real_labels,
        classifier=code_classifier,
        cache=False,
    )
    fake_labels = np.array([0, 1, 2, 0] * 3)
    values = conditional_reference.measure(
        images_of(np.zeros((12, 2)), fake_labels), labels=fake_labels
    )
    assert values["class_entropy"] == pytest.approx(_entropy([6, 3, 3]))
    assert values["conditional_accuracy"] == 1.0
    # A classifier whose scores do not fit the samples is refused, naming the shapes.
    with pytest.raises(ValueError, match=r"classifier gives scores of shape \(12, 2\)"):
        core.Reference(
            real, num_classes=NUM_CLASSES, classifier=lambda x: np.zeros((12, 2)), cache=False
        ).measure(fake)
