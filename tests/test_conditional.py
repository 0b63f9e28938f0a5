"""Class-conditional training at the model layer: model, penalties, sampling, CLI."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import class_linear_critic, small_gan

from keras_wgan import architectures, penalties
from keras_wgan.model import WassersteinGAN

K = 3
# The linear critic's weight per class, f(x, y) = w_y . x: gradient norms 5, 2, 0.5.
W = np.array([[3.0, 4.0], [0.0, 2.0], [0.3, 0.4]], dtype="float32")
LABELS = np.array([0, 1, 2, 0], dtype="int32")
NORMS = np.linalg.norm(W[LABELS], axis=1)  # [5, 2, 0.5, 5]


# Each penalty's value for the linear critic with LABELS, by hand from NORMS.
HAND = {
    "gp": np.mean((NORMS - 1) ** 2),  # (16 + 1 + 0.25 + 16) / 4
    "lp": np.mean(np.maximum(NORMS - 1, 0) ** 2),  # (16 + 1 + 0 + 16) / 4
    "gp0": np.mean(NORMS**2),  # (25 + 4 + 0.25 + 25) / 4
    "r1": 0.5 * np.mean(NORMS**2),
    "wgan_div": np.mean(NORMS**6),  # real and fake share the labels
    # Pairs real 0, fake (0, 1): |f(x) - f(y)| / ||x - y|| = w_y[1] = 4, 2, 0.4, 4.
    "pairwise": np.mean(np.maximum(W[LABELS][:, 1] - 1, 0) ** 2),  # (9 + 1 + 0 + 9) / 4
}


def test_hand_computed_numbers():
    assert HAND["gp"] == pytest.approx(8.3125)
    assert HAND["lp"] == pytest.approx(8.25)
    assert HAND["gp0"] == pytest.approx(13.5625)
    assert HAND["wgan_div"] == pytest.approx((2 * 15625 + 64 + 0.5**6) / 4)
    assert HAND["pairwise"] == pytest.approx(4.75)


@pytest.mark.parametrize("auxiliary", [False, True], ids=["projection", "auxiliary"])
@pytest.mark.parametrize("name", sorted(HAND))
def test_each_penalty_with_labels_matches_the_hand_computed_case(name, auxiliary):
    critic = penalties.bind_labels(class_linear_critic(W, auxiliary), tf.constant(LABELS))
    real = np.zeros((4, 2), "float32")
    fake = np.tile(np.array([[0.0, 1.0]], "float32"), (4, 1))
    alpha = np.array([0.1, 0.5, 0.9, 0.3], "float32")
    value = penalties.get(name)(critic, real, fake, alpha=alpha)
    np.testing.assert_allclose(float(value), HAND[name], rtol=1e-5)


def test_bound_critic_scores_with_its_labels_and_the_score_output():
    critic = penalties.bind_labels(class_linear_critic(W, auxiliary=True), tf.constant(LABELS))
    x = np.ones((4, 2), "float32")
    np.testing.assert_allclose(np.asarray(critic(x))[:, 0], W[LABELS].sum(axis=1), rtol=1e-6)
    # A batch of twice as many samples is scored with the labels repeated.
    np.testing.assert_allclose(
        np.asarray(critic(np.concatenate([x, 2 * x])))[:, 0],
        np.concatenate([W[LABELS].sum(1), 2 * W[LABELS].sum(1)]),
        rtol=1e-6,
    )
    assert penalties.bind_labels(critic, None) is critic


def test_ctgan_with_labels_is_the_gradient_penalty_plus_consistency():
    g, c = architectures.build("mlp", (2,), units=8, depth=1, num_classes=K, dropout=0.5)
    critic = penalties.bind_labels(c, tf.constant(LABELS))
    real = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    value = penalties.get("ctgan")(critic, real, real[::-1], alpha=np.full(4, 0.5, "float32"))
    assert np.isfinite(float(value)) and float(value) > 0


# ------------------------------------------------------------------ the model
def conditional_gan(conditioning="projection", **options):
    """`helpers.small_gan` of K classes (latent_dim 4), its critic conditioned by `conditioning`."""
    networks = {"latent_dim": 4, "critic_conditioning": conditioning}
    return small_gan(num_classes=K, networks=networks, **options)


def labelled_data(n=64, batch=16, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, n).astype("int32")
    samples = (rng.normal(size=(n, 2)) + labels[:, None]).astype("float32")
    return (
        tf.data.Dataset.from_tensor_slices((samples, labels))
        .batch(batch, drop_remainder=True)
        .repeat()
    )


def test_real_and_fake_of_each_pair_share_the_label_of_the_real_batch():
    """The generator and the penalty see each critic update's own real labels."""
    seen = []

    def recording_penalty(critic, real, fake, **kwargs):
        seen.append((critic.labels.numpy(), real.numpy(), fake.numpy()))
        return tf.constant(0.0)

    # Samples and generated samples both are the one-hot code of their label.
    noise = keras.Input((4,), name="noise")
    label = keras.Input((), dtype="int32", name="label")
    code = keras.layers.CategoryEncoding(K, output_mode="one_hot")(label)
    zero = keras.layers.Dense(K, kernel_initializer="zeros", use_bias=False)(noise)
    generator = keras.Model([noise, label], keras.layers.Add()([code, zero]))
    _, critic = architectures.build("mlp", (K,), units=8, depth=1, num_classes=K)
    gan = WassersteinGAN(
        generator, critic, critic_steps=2, penalty=recording_penalty, seed=0, num_classes=K
    )
    gan.compile(run_eagerly=True)
    labels = np.array([0, 1, 2, 2, 1, 0, 0, 0], "int32")
    samples = np.eye(K, dtype="float32")[labels]
    gan.fit(tf.data.Dataset.from_tensor_slices((samples, labels)).batch(8), epochs=1, verbose=0)
    assert len(seen) == 2
    for step, (bound, real, fake) in enumerate(seen):
        part = labels[4 * step : 4 * step + 4]
        np.testing.assert_array_equal(bound, part)
        np.testing.assert_array_equal(real, np.eye(K)[part])
        np.testing.assert_array_equal(fake, np.eye(K)[part])


@pytest.mark.parametrize("penalty", ["gp", "clip"])
@pytest.mark.parametrize("conditioning", ["projection", "auxiliary"])
def test_conditional_fit_trains_with_finite_logs(conditioning, penalty):
    gan = conditional_gan(conditioning, penalty=penalty)
    gan.compile()
    before = [w.copy() for w in gan.get_weights()]
    history = gan.fit(labelled_data(), steps_per_epoch=3, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert ("critic_accuracy" in history) == (conditioning == "auxiliary")
    if conditioning == "auxiliary":
        assert 0.0 <= history["critic_accuracy"][-1] <= 1.0
    assert max(np.abs(a - b).max() for a, b in zip(before, gan.get_weights(), strict=True)) > 0
    if penalty == "clip":
        assert max(np.abs(w).max() for w in gan.critic.get_weights()) <= 0.01 + 1e-7


def test_auxiliary_losses_are_the_cross_entropies_with_their_weights():
    """With learning rate 0 the logged losses are those of the initial networks."""
    gan = conditional_gan(
        "auxiliary",
        penalty="none",
        critic_steps=1,
        classifier_weight=1.0,
        generator_classifier_weight=0.1,
    )
    gan.compile(
        critic_optimizer=keras.optimizers.SGD(0.0), generator_optimizer=keras.optimizers.SGD(0.0)
    )
    rng = np.random.default_rng(1)
    labels = rng.integers(0, K, 8).astype("int32")
    real = rng.normal(size=(8, 2)).astype("float32")
    history = gan.fit(
        tf.data.Dataset.from_tensor_slices((real, labels)).batch(8), epochs=1, verbose=0
    ).history
    scores, logits = gan.critic([tf.constant(real), tf.constant(labels)])
    expected = float(
        keras.ops.mean(
            keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        )
    )
    assert history["classifier_loss"][0] == pytest.approx(expected, rel=1e-5)
    accuracy = np.mean(np.argmax(np.asarray(logits), axis=1) == labels)
    assert history["critic_accuracy"][0] == pytest.approx(accuracy)
    # The generator loss: -mean f(G(z, y)) + 0.1 CE(logits of G(z, y), y).
    latent = gan.latent_noise(8, 1, 0)
    fake = gan.generator([latent, tf.constant(labels)])
    fake_scores, fake_logits = gan.critic([fake, tf.constant(labels)])
    ce = keras.ops.mean(
        keras.losses.sparse_categorical_crossentropy(labels, fake_logits, from_logits=True)
    )
    assert history["generator_loss"][0] == pytest.approx(
        float(-keras.ops.mean(fake_scores) + 0.1 * ce), rel=1e-5
    )
    # The critic loss logged is the Wasserstein term alone, of the score output only.
    critic_fake = gan.generator([gan.latent_noise(8, 0, 0), tf.constant(labels)])
    critic_fake_scores = gan.critic([critic_fake, tf.constant(labels)])[0]
    assert history["critic_loss"][0] == pytest.approx(
        float(keras.ops.mean(critic_fake_scores) - keras.ops.mean(scores)), rel=1e-5
    )


def test_conditional_model_refuses_batches_without_labels():
    gan = conditional_gan()
    gan.compile()
    data = tf.data.Dataset.from_tensor_slices(np.zeros((16, 2), "float32")).batch(16)
    with pytest.raises(ValueError, match="trains on batches \\(samples, labels\\)"):
        gan.fit(data, epochs=1, verbose=0)


def test_networks_must_match_num_classes():
    generator, critic = architectures.build("mlp", (2,), units=8, depth=1, num_classes=K)
    with pytest.raises(ValueError, match="generator has 2 inputs but num_classes=None"):
        WassersteinGAN(generator, critic)
    generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
    with pytest.raises(ValueError, match="generator has 1 inputs but num_classes=3"):
        WassersteinGAN(generator, critic, num_classes=K)
    generator, critic = architectures.build(
        "mlp", (2,), units=8, depth=1, num_classes=4, critic_conditioning="auxiliary"
    )
    with pytest.raises(ValueError, match="logits have 4 classes"):
        WassersteinGAN(generator, critic, num_classes=K)
    with pytest.raises(ValueError, match="class_frequencies must be 3 non-negative"):
        conditional_gan(class_frequencies=[1.0, -1.0, 1.0])


# ------------------------------------------------------------------ sampling
def test_generate_with_labels_and_drawn_labels():
    gan = conditional_gan(class_frequencies=[0.0, 3.0, 1.0])
    np.testing.assert_allclose(gan.class_frequencies, [0.0, 0.75, 0.25])
    drawn = gan.sample_labels(4000, seed=0)
    assert set(np.unique(drawn)) == {1, 2}
    assert np.mean(drawn == 1) == pytest.approx(0.75, abs=0.03)
    assert gan.generate(5, seed=1).shape == (5, 2)
    np.testing.assert_array_equal(gan.generate(5, seed=1), gan.generate(5, seed=1))
    # An int label is every sample's; the generator is the one that sees it.
    latent = keras.random.normal((3, 4), seed=2)
    expected = gan.generator([latent, tf.constant([2, 2, 2])])
    np.testing.assert_allclose(gan.generate(3, labels=2, seed=2), expected, rtol=1e-5)
    np.testing.assert_array_equal(gan.sample_labels(3, [0, 1, 2]), [0, 1, 2])


@pytest.mark.parametrize(
    "labels, match",
    [
        ([0, 3], "labels holds 1 label >= 3"),
        ([0, -1], "labels holds 1 negative label"),
        ([0.0, 1.0], "labels has dtype float64"),
        ([0, 1, 2], "labels holds 3 labels for 2 samples"),
        (5, "labels holds 2 labels >= 3"),
    ],
)
def test_generate_refuses_bad_labels_naming_the_argument(labels, match):
    with pytest.raises(ValueError, match=match):
        conditional_gan().generate(2, labels=labels)


def test_unconditional_model_refuses_labels_and_keeps_its_config():
    generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
    gan = WassersteinGAN(generator, critic, seed=0)
    with pytest.raises(ValueError, match="labels must be None for an unconditional"):
        gan.generate(2, labels=[0, 1])
    config = gan.get_config()
    for key in ("num_classes", "class_frequencies", "classifier_weight"):
        assert key not in config
    assert gan.num_classes is None and not gan.conditional and not gan.auxiliary


@pytest.mark.parametrize("conditioning", ["projection", "auxiliary"])
def test_conditional_model_saves_and_loads(tmp_path, conditioning):
    gan = conditional_gan(conditioning, class_frequencies=[1, 1, 2], ema_decay=0.9)
    gan.compile()
    gan.fit(labelled_data(), steps_per_epoch=2, epochs=1, verbose=0)
    config = gan.get_config()
    assert config["num_classes"] == K
    assert config["class_frequencies"] == [0.25, 0.25, 0.5]
    assert WassersteinGAN.from_config(config).critic_conditioning == conditioning
    path = str(tmp_path / "model.keras")
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.num_classes == K and loaded.critic_conditioning == conditioning
    np.testing.assert_allclose(loaded.class_frequencies, gan.class_frequencies)
    # The EMA generator samples, conditionally, and loads with the same weights.
    assert loaded.sampling_generator is loaded.ema_generator
    np.testing.assert_allclose(
        loaded.generate(6, labels=[0, 1, 2, 0, 1, 2], seed=3),
        gan.generate(6, labels=[0, 1, 2, 0, 1, 2], seed=3),
        rtol=1e-5,
    )
    loaded.fit(labelled_data(), steps_per_epoch=1, epochs=1, verbose=0)


# ------------------------------------------------------- training and the CLI
def labelled_points(path, n=192, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, n)
    np.savez(
        path,
        images=(rng.normal(size=(n, 2)) + labels[:, None]).astype("float32"),
        labels=labels,
        class_names=np.array(["a", "b", "c"]),
    )
    return str(path)


def test_train_conditional_records_its_settings_and_resumes(tmp_path):
    from keras_wgan import run_directory, training

    dataset = labelled_points(tmp_path / "points.npz")
    options = dict(
        dataset=dataset,
        conditional=True,
        critic_conditioning="auxiliary",
        units=8,
        depth=1,
        batch_size=16,
        critic_steps=2,
        steps_per_epoch=2,
        export_dir=None,
        output_dir=str(tmp_path / "run"),
        verbose=0,
        monitor_every_epochs=0,
        mixed_precision="float32",
    )
    result = training.train(train_steps=2, **options)
    assert result.model.num_classes == K and result.model.critic_conditioning == "auxiliary"
    np.testing.assert_allclose(result.model.class_frequencies, result.info.class_frequencies)
    assert "critic_accuracy" in result.history
    recorded = run_directory.read_settings(str(tmp_path / "run" / "checkpoints"))["model"]
    assert recorded["conditional"] is True and recorded["critic_conditioning"] == "auxiliary"
    assert recorded["num_classes"] == K
    resumed = training.train(train_steps=4, **options)
    assert resumed.initial_step == 2 and resumed.generator_steps == 4
    with pytest.raises(ValueError, match="critic_conditioning 'auxiliary' -> 'projection'"):
        training.train(train_steps=6, **{**options, "critic_conditioning": "projection"})
    with pytest.raises(ValueError, match="conditional True -> False"):
        training.train(train_steps=6, **{**options, "conditional": False})


@pytest.mark.slow
def test_train_main_refuses_conditional_training_on_unlabelled_data(tmp_path):
    import subprocess
    import sys

    np.savez(tmp_path / "plain.npz", images=np.zeros((64, 2), "float32"))
    done = subprocess.run(
        [
            sys.executable,
            "train_main.py",
            f"--dataset={tmp_path / 'plain.npz'}",
            "--conditional",
            "--train_steps=1",
            "--export_dir=",
            f"--output_dir={tmp_path / 'r'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=__import__("pathlib").Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 2, done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("train_main.py:")]
    assert len(error) == 1 and "--conditional=True needs labelled data: labels=True" in error[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "r" / "checkpoints").exists()


def test_sample_pictures_of_a_conditional_model_are_class_by_row(tmp_path):
    from keras_wgan import callbacks
    from keras_wgan.evaluation import pictures

    keras.utils.set_random_seed(0)
    generator, critic = architectures.build(
        "dcgan", (28, 28, 1), latent_dim=8, filters=4, num_classes=K
    )
    gan = WassersteinGAN(generator, critic, seed=0, num_classes=K)
    gan.compile()
    callback = callbacks.SamplePictures(tmp_path, class_names=["zero", "one", "two"])
    callback.set_model(gan)
    callback.on_train_begin()
    np.testing.assert_array_equal(callback._labels, np.repeat(np.arange(K), 8))
    path = callback.write(1, {})
    assert len(list(tmp_path.glob("interp_*.png"))) == 1  # one class per row
    picture = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(path))
    samples = gan.generate(8 * K, labels=callback._labels)
    grid = pictures.picture(samples, columns=8)
    # K rows of 8 images, below a caption strip naming the rows.
    assert picture.shape[1] == grid.shape[1] and picture.shape[0] > grid.shape[0]
    assert callback._class_caption() == "rows: zero, one, two"
    one_row = pictures.picture(samples[:8], columns=8)
    assert grid.shape[1] == one_row.shape[1]  # 8 per row
    assert 2.5 * one_row.shape[0] < grid.shape[0] < 3.5 * one_row.shape[0]  # K = 3 rows
