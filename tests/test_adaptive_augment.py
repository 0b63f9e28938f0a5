"""Adaptive augmentation (StyleGAN2-ADA's probability for DiffAugment): augment_target."""

import json

import numpy as np
import pytest
import tensorflow as tf
from helpers import linear_critic, small_gan, train_main_reports

from keras_wgan import WassersteinGAN, augment, checkpointing, saving, training
from keras_wgan.settings import TrainSettings

# fit() on a tf.data.Dataset warns that its default shuffle=True is ignored.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")

SEED = tf.constant([3, 7], tf.int32)
POLICY = "translation,cutout"
SHAPE = (28, 28, 1)


def images(batch=16, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, (batch, 16, 16, channels)), tf.float32)


# ------------------------------------------------------- the probability
@pytest.mark.parametrize("policy", ["translation", "cutout", "color", "color,translation,cutout"])
def test_probability_one_is_plain_diffaugment(policy):
    x = images()
    plain = augment.diff_augment(x, policy, SEED)
    np.testing.assert_array_equal(augment.diff_augment(x, policy, SEED, tf.constant(1.0)), plain)
    np.testing.assert_array_equal(augment.diff_augment(x, policy, SEED, 1.0), plain)


@pytest.mark.parametrize("policy", ["translation", "cutout", "color", "color,translation,cutout"])
def test_probability_zero_is_the_input(policy):
    x = images()
    np.testing.assert_array_equal(augment.diff_augment(x, policy, SEED, tf.constant(0.0)), x)


def test_no_probability_is_each_augmentation_in_turn_with_the_seed_folded_by_position():
    """Today's output: probability=None draws nothing more and changes no stream."""
    x = images()

    def fold(index):
        return tf.random.experimental.stateless_fold_in(SEED, index)

    def color(images, seed):
        folded = [tf.random.experimental.stateless_fold_in(seed, i) for i in range(3)]
        images = augment.random_brightness(images, folded[0])
        images = augment.random_saturation(images, folded[1])
        return augment.random_contrast(images, folded[2])

    expected = augment.random_cutout(
        augment.random_translation(color(x, fold(0)), fold(1)), fold(2)
    )
    np.testing.assert_array_equal(
        augment.diff_augment(x, "color,translation,cutout", SEED, None), expected
    )


def test_each_augmentation_applies_to_each_sample_independently():
    # Constant images: colour moves every pixel off 0.5, cutout leaves a square of exact 0s.
    x = tf.fill([512, 16, 16, 3], 0.5)
    y = augment.diff_augment(x, "color,cutout", SEED, tf.constant(0.5)).numpy()
    cut = (y == 0).all(axis=-1).any(axis=(1, 2))
    coloured = np.array([np.any(image[image != 0] != 0.5) for image in y])
    counts = {(c, k): int(np.sum((coloured == c) & (cut == k))) for c in (0, 1) for k in (0, 1)}
    # Independent draws of probability 1/2: each of the four pairs about a quarter of 512.
    assert all(90 < count < 170 for count in counts.values()), counts
    # Each sample is either augmented or exactly its input.
    plain = x.numpy()
    untouched = ~cut & ~coloured
    np.testing.assert_array_equal(y[untouched], plain[untouched])


def test_the_probability_draws_change_with_the_seed():
    x = tf.fill([256, 16, 16, 1], 0.5)
    cut = [
        (augment.diff_augment(x, "cutout", seed, 0.5).numpy() == 0).any(axis=(1, 2, 3))
        for seed in (SEED, tf.constant([3, 8]))
    ]
    assert not np.array_equal(cut[0], cut[1])


# ------------------------------------------- the measure and its update
def test_overfitting_sign_by_hand():
    fake = tf.zeros([4])
    assert float(augment.overfitting_sign(tf.constant([3.0, 4.0, 5.0, 6.0]), fake)) == 1.0
    # Midpoint (4 + 0) / 2 = 2: signs -1, 0, +1, +1.
    assert float(augment.overfitting_sign(tf.constant([1.0, 2.0, 3.0, 10.0]), fake)) == 0.25
    # A critic that scores the real samples below the fake ones.
    assert float(augment.overfitting_sign(-tf.constant([3.0, 4.0, 5.0, 6.0]), fake)) == -1.0


def test_overfitting_sign_ignores_a_shift_and_a_positive_scale_of_the_critic():
    rng = np.random.default_rng(0)
    real = rng.normal(0.3, 1.0, (64, 1)).astype("float32")
    fake = rng.normal(-0.2, 1.0, (64, 1)).astype("float32")
    r = float(augment.overfitting_sign(real, fake))
    assert 0 < r < 1
    for scale, shift in ((1.0, 100.0), (3.0, -7.0), (0.25, 0.0)):
        moved = float(augment.overfitting_sign(real * scale + shift, fake * scale + shift))
        assert moved == pytest.approx(r), (scale, shift)
    assert float(augment.overfitting_sign(-real, -fake)) == pytest.approx(-r)


def test_adjusted_probability_moves_by_the_images_seen_over_500k():
    step = 64 / 500_000
    assert float(augment.adjusted_probability(0.0, 0.9, 0.6, 64)) == pytest.approx(step)
    assert float(augment.adjusted_probability(0.5, 0.9, 0.6, 64, steps=4)) == pytest.approx(
        0.5 + 4 * step
    )
    assert float(augment.adjusted_probability(0.5, 0.1, 0.6, 64)) == pytest.approx(0.5 - step)
    assert float(augment.adjusted_probability(0.5, 0.6, 0.6, 64)) == pytest.approx(0.5)
    # From 0 to 1 in 500k images, whatever the batch.
    assert float(augment.adjusted_probability(0.0, 1.0, 0.6, 1000, steps=500)) == pytest.approx(1)
    assert float(augment.adjusted_probability(0.0, 1.0, 0.6, 8, speed_images=80)) == pytest.approx(
        0.1
    )


def test_adjusted_probability_stays_in_0_1():
    assert float(augment.adjusted_probability(0.0, -1.0, 0.6, 64)) == 0.0
    assert float(augment.adjusted_probability(1.0, 1.0, 0.6, 64)) == 1.0
    assert float(augment.adjusted_probability(0.9999, 1.0, 0.6, 64, steps=10)) == 1.0
    assert float(augment.adjusted_probability(1e-5, -1.0, 0.6, 64)) == 0.0


# ------------------------------------------------------------ the option
@pytest.mark.parametrize("target", [0.0, 1.0, -0.1, 1.5, float("nan"), "0.6", True])
def test_a_target_outside_0_1_is_refused_naming_it(target):
    expected = rf"^augment_target must be a number in \(0, 1\), received {target!r}$"
    with pytest.raises(ValueError, match=expected):
        TrainSettings(augment_target=target)
    with pytest.raises(ValueError, match=r"^augment_target must be a number in \(0, 1\)"):
        small_gan(SHAPE, augment=POLICY, augment_target=target)


def test_a_target_without_a_policy_is_refused():
    for policy in (None, ""):
        with pytest.raises(
            ValueError,
            match=r"^augment_target=0\.6 sets the probability of the augment policy, "
            r"received augment=None; expected a policy",
        ):
            small_gan(SHAPE, augment=policy, augment_target=0.6)


def test_the_command_line_refuses_a_target_without_augment_before_training(tmp_path, capsys):
    code, reports = train_main_reports(
        [
            "--dataset=8gaussians",
            "--augment_target=0.6",
            f"--output_dir={tmp_path / 'run'}",
            "--export_dir=",
        ],
        capsys,
    )
    assert code != 0
    assert reports[0].startswith("error: --augment_target=0.6 sets the probability"), reports
    assert not (tmp_path / "run").exists()


def test_the_target_and_the_probability_are_in_the_config():
    gan = small_gan(SHAPE, augment=POLICY, augment_target=0.6)
    config = gan.get_config()
    assert config["augment_target"] == 0.6
    loaded = WassersteinGAN.from_config(config)
    assert loaded.augment_target == 0.6 and float(loaded.augment_p) == 0.0
    assert "augment_r" in [metric.name for metric in loaded.metrics]
    plain = small_gan(SHAPE, augment=POLICY)
    assert plain.get_config()["augment_target"] is None and plain.augment_p is None
    # Without the option the model has no weight more than before it existed.
    assert len(gan.weights) == len(plain.weights) + 1
    assert WassersteinGAN.from_config(plain.get_config()).augment_p is None


def test_the_model_augments_with_its_probability():
    gan = small_gan(SHAPE, augment=POLICY, augment_target=0.6)
    x = tf.fill([8, *SHAPE], 0.5)
    np.testing.assert_array_equal(gan.augment_samples(x, 3, 0), x)  # p starts at 0
    gan.augment_p.assign(1.0)
    plain = small_gan(SHAPE, augment=POLICY)
    np.testing.assert_array_equal(gan.augment_samples(x, 3, 0), plain.augment_samples(x, 3, 0))


# --------------------------------------------------------------- training
STEPS, CRITIC_STEPS, BATCH = 3, 2, 16


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(model, history, checkpoint directory) of 3 steps whose critic prefers the real images.

    The critic is f(x) = sum(x) + 0.7 and the real images are all 1: every
    real score is above the generated ones', r = 1 > 0.6 at every step. One
    step an epoch, so that the history holds every step's logs.
    """
    directory = tmp_path_factory.mktemp("ada_checkpoints")
    gan = small_gan(
        SHAPE,
        critic=linear_critic(np.ones(SHAPE)),
        critic_steps=CRITIC_STEPS,
        augment=POLICY,
        augment_target=0.6,
        compiled=True,
    )
    data = tf.data.Dataset.from_tensors(tf.ones([BATCH * CRITIC_STEPS, *SHAPE])).repeat()
    saver = checkpointing.CheckpointCallback(directory, checkpoint_every_steps=STEPS)
    history = gan.fit(data, steps_per_epoch=1, epochs=STEPS, verbose=0, callbacks=[saver])
    return gan, history.history, directory


def test_training_raises_the_probability_by_the_images_seen_and_logs_it(trained):
    gan, history, _ = trained
    # Each step: r = 1 above the target, 2 critic updates of 16 real images.
    step = CRITIC_STEPS * BATCH / augment.ADA_SPEED_IMAGES
    assert float(gan.augment_p) == pytest.approx(STEPS * step, rel=1e-5)
    # Logged after each step's own update.
    expected = [(k + 1) * step for k in range(STEPS)]
    assert history["augment_p"] == pytest.approx(expected, rel=1e-5)
    assert history["augment_r"] == pytest.approx([1.0] * STEPS)


def test_a_plain_model_logs_no_probability():
    gan = small_gan(SHAPE, augment=POLICY, compiled=True)
    data = tf.data.Dataset.from_tensors(tf.ones([2 * BATCH, *SHAPE])).repeat()
    history = gan.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history
    assert "augment_p" not in history and "augment_r" not in history


def test_the_probability_is_restored_from_the_training_checkpoint(trained):
    gan, _, directory = trained
    fresh = small_gan(
        SHAPE,
        seed=5,
        critic=linear_critic(np.zeros(SHAPE)),
        critic_steps=CRITIC_STEPS,
        augment=POLICY,
        augment_target=0.6,
        compiled=True,
    )
    assert float(fresh.augment_p) == 0.0
    assert checkpointing.restore_latest(fresh, directory) == STEPS
    assert float(fresh.augment_p) == float(gan.augment_p)


def test_the_probability_is_saved_in_the_keras_file(tmp_path):
    gan = small_gan(SHAPE, augment=POLICY, augment_target=0.6, compiled=True)
    gan.augment_p.assign(0.375)
    gan.save(tmp_path / "model.keras")
    loaded = saving.load_keras_model(tmp_path / "model.keras")
    assert loaded.augment_target == 0.6
    assert float(loaded.augment_p) == 0.375


# ------------------------------------------------------------- train()
def test_train_adapts_records_the_target_and_refuses_to_resume_with_another(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "tiny.npz", images=rng.integers(0, 255, (32, 28, 28, 1)).astype(np.uint8))
    tiny = dict(architecture="dcgan", filters=4, batch_size=8, critic_steps=1, train_steps=2)
    quiet = dict(mixed_precision="float32", export_dir=None, monitor_every_epochs=0, verbose=0)
    settings = dict(tiny, **quiet, augment=POLICY, augment_target=0.6, output_dir=tmp_path / "run")
    result = training.train(str(tmp_path / "tiny.npz"), **settings)
    assert result.model.augment_target == 0.6
    assert len(result.history["augment_p"]) == 1 and "augment_r" in result.history
    recorded = json.loads((tmp_path / "run" / "checkpoints" / "run_settings.json").read_text())
    assert recorded["model"]["augment_target"] == 0.6

    refused = r"holds a run with other settings .*\(augment_target 0\.6 -> 0\.7; recorded"
    with pytest.raises(ValueError, match=refused):
        training.train(str(tmp_path / "tiny.npz"), **dict(settings, augment_target=0.7))
    with pytest.raises(ValueError, match=r"augment_target 0\.6 -> None"):
        training.train(str(tmp_path / "tiny.npz"), **dict(settings, augment_target=None))
