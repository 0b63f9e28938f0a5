"""Tests of keras_wgan.augment (DiffAugment)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import WassersteinGAN, architectures, augment

# fit() on a tf.data.Dataset warns that its default shuffle=True is ignored.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")

SEED = tf.constant([3, 7], tf.int32)


def images(batch=16, height=16, width=16, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, (batch, height, width, channels)), tf.float32)


@pytest.mark.parametrize("policy", ["translation", "cutout", "color", "color,translation,cutout"])
def test_shape_dtype_and_determinism(policy):
    x = images(channels=3)
    y = augment.diff_augment(x, policy, SEED)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_array_equal(y, augment.diff_augment(x, policy, SEED))
    other = augment.diff_augment(x, policy, tf.constant([3, 8]))
    assert not np.array_equal(y, other)  # the seed matters
    assert not np.array_equal(y, x)  # something happened


def test_no_policy_is_the_identity():
    x = images()
    for policy in (None, "", ()):
        assert augment.diff_augment(x, policy, SEED) is not None
        np.testing.assert_array_equal(augment.diff_augment(x, policy, SEED), x)


@pytest.mark.parametrize("policy", ["translation", "cutout", "translation,cutout"])
def test_values_stay_in_the_input_range_or_the_zero_fill(policy):
    x = tf.constant(np.random.default_rng(1).uniform(0.25, 0.75, (32, 16, 16, 1)), tf.float32)
    y = augment.diff_augment(x, policy, SEED).numpy()
    filled = y == 0.0
    assert filled.any()
    assert np.all((y[~filled] >= 0.25) & (y[~filled] <= 0.75))
    # Every value that is not fill is a value of its own input image.
    for image_in, image_out, fill in zip(x.numpy(), y, filled):
        assert np.isin(image_out[~fill], image_in).all()


@pytest.mark.parametrize("policy", ["translation", "cutout", "color"])
def test_differentiable_with_respect_to_the_input(policy):
    x = images(batch=4, channels=3)
    weights = tf.constant(np.random.default_rng(2).normal(size=x.shape), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(augment.diff_augment(x, policy, SEED) * weights)
    gradient = tape.gradient(y, x)
    assert gradient is not None
    gradient = tf.convert_to_tensor(gradient).numpy()
    assert np.isfinite(gradient).all() and np.abs(gradient).sum() > 0


def test_translate_by_hand():
    x = tf.reshape(tf.range(1, 17, dtype=tf.float32), [1, 4, 4, 1])
    # Down by 1, left by 2: row 0 and the last two columns are filled with 0.
    y = augment.translate(x, tf.constant([1]), tf.constant([-2]))[0, ..., 0].numpy()
    expected = np.array([[0, 0, 0, 0], [3, 4, 0, 0], [7, 8, 0, 0], [11, 12, 0, 0]], np.float32)
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(augment.translate(x, tf.constant([0]), tf.constant([0])), x)


def test_random_translation_shifts_whole_images_by_at_most_an_eighth():
    x = tf.reshape(tf.range(1, 16 * 16 * 8 + 1, dtype=tf.float32), [8, 16, 16, 1])
    y = augment.random_translation(x, SEED).numpy()
    shifts = set()
    for image_in, image_out in zip(x.numpy(), y):
        matches = [
            (r, c)
            for r in range(-2, 3)
            for c in range(-2, 3)
            if np.array_equal(
                image_out,
                augment.translate(image_in[None], tf.constant([r]), tf.constant([c]))[0].numpy(),
            )
        ]
        assert len(matches) == 1  # one shift of at most 16 // 8 = 2 pixels
        shifts.add(matches[0])
    assert len(shifts) > 1  # per-sample draws


def test_cutout_zeroes_a_clipped_square_of_half_the_size():
    height = width = 16
    x = tf.ones([256, height, width, 1])
    y = augment.random_cutout(x, SEED).numpy()[..., 0]
    side = height // 2
    full = 0
    for image in y:
        cut = image == 0
        rows, cols = cut.any(axis=1), cut.any(axis=0)
        assert np.array_equal(cut, np.outer(rows, cols))  # a rectangle
        assert 0 < rows.sum() <= side and 0 < cols.sum() <= side
        # Clipped only by the border: a short side touches it.
        for axis_mask in (rows, cols):
            if axis_mask.sum() < side:
                assert axis_mask[0] or axis_mask[-1]
        full += cut.sum() == side * side
    assert full > 0
    # The expected fraction cut over the centre distribution of the official code.
    centres = np.arange(height + (1 - side % 2))
    lengths = [
        len(set(range(c - side // 2, c - side // 2 + side)) & set(range(height))) for c in centres
    ]
    expected = np.mean(lengths) ** 2 / (height * width)
    assert abs((y == 0).mean() - expected) < 0.03


def test_cutout_by_hand():
    x = tf.ones([1, 4, 4, 1])
    y = augment.cutout(x, tf.constant([1]), tf.constant([3]), (2, 2))[0, ..., 0].numpy()
    expected = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]], np.float32)
    np.testing.assert_array_equal(y, expected)


def test_color_matches_the_official_formulas():
    x = images(batch=4, channels=3)
    y = augment.random_brightness(x, SEED) - x
    # One offset per image, in [-0.5, 0.5).
    offsets = y.numpy().reshape(4, -1)
    np.testing.assert_allclose(offsets, offsets[:, :1].repeat(offsets.shape[1], 1), atol=1e-6)
    assert np.all(np.abs(offsets) <= 0.5)
    # Contrast keeps each image's mean; saturation keeps each pixel's channel mean.
    np.testing.assert_allclose(
        tf.reduce_mean(augment.random_contrast(x, SEED), [1, 2, 3]),
        tf.reduce_mean(x, [1, 2, 3]),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        tf.reduce_mean(augment.random_saturation(x, SEED), 3), tf.reduce_mean(x, 3), atol=1e-5
    )


def test_works_inside_a_tf_function_with_an_unknown_batch():
    fn = tf.function(
        lambda x, seed: augment.diff_augment(x, "translation,cutout", seed),
        input_signature=[tf.TensorSpec([None, 8, 8, 1]), tf.TensorSpec([2], tf.int32)],
    )
    x = images(batch=3, height=8, width=8)
    np.testing.assert_array_equal(fn(x, SEED), augment.diff_augment(x, "translation,cutout", SEED))


def test_policy_checks():
    assert augment.parse_policy(" translation, cutout ") == ("translation", "cutout")
    assert augment.check_policy(["cutout"], (28, 28, 1)) == "cutout"
    assert augment.check_policy(None, (2,)) is None
    with pytest.raises(ValueError, match="unknown augmentation 'flip'"):
        augment.parse_policy("translation,flip")
    with pytest.raises(ValueError, match="repeats"):
        augment.parse_policy("cutout,cutout")
    with pytest.raises(ValueError, match=r"'color' needs RGB images \[H, W, 3\]"):
        augment.check_policy("color", (28, 28, 1))
    with pytest.raises(ValueError, match=r"applies to images \[H, W, C\]"):
        augment.check_policy("translation", (2,))


# ------------------------------------------------------ in WassersteinGAN
class Recorder(keras.layers.Layer):
    """Identity layer that keeps the numpy value of every batch it sees (eager only)."""

    seen = []

    def call(self, x):
        if tf.executing_eagerly():
            Recorder.seen.append(keras.ops.convert_to_numpy(x))
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


class MarkedGAN(WassersteinGAN):
    """Its augmentation replaces the samples by 7s: a mark that shows where it ran."""

    def augment_samples(self, samples, stream, counter):
        augmented = super().augment_samples(samples, stream, counter)
        return augmented * 0.0 + 7.0 if self.augment else augmented


def tiny_image_networks(record=False):
    """A dense generator of 8x8 images and a small convolutional critic."""
    noise = keras.Input((4,))
    images = keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64, activation="tanh")(noise))
    inputs = keras.Input((8, 8, 1))
    x = Recorder()(inputs) if record else inputs
    x = keras.layers.Flatten()(keras.layers.Conv2D(2, 3, activation="relu")(x))
    return (
        keras.Model(noise, images, name="generator"),
        keras.Model(inputs, keras.layers.Dense(1)(x), name="critic"),
    )


def image_gan(augment, cls=WassersteinGAN, penalty="gp", record=True):
    generator, critic = tiny_image_networks(record=record)
    gan = cls(generator, critic, critic_steps=2, penalty=penalty, seed=0, augment=augment)
    gan.compile(run_eagerly=True)
    return gan


def _image_batches():
    x = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    return tf.data.Dataset.from_tensor_slices(x).batch(8, drop_remainder=True).repeat()


@pytest.mark.parametrize("penalty, calls", [("gp", 2 * 2 + 1), ("pairwise", 2 + 1)])
def test_every_critic_call_of_train_step_sees_augmented_samples(penalty, calls):
    gan = image_gan("translation,cutout", MarkedGAN, penalty)
    Recorder.seen.clear()
    gan.fit(_image_batches(), steps_per_epoch=1, epochs=1, verbose=0)
    # Critic calls: per critic update real and fake together, then the gradient penalty's
    # interpolates (pairwise reuses the scores); then the generator update's.
    assert len(Recorder.seen) == calls
    for batch in Recorder.seen:
        np.testing.assert_allclose(batch, 7.0, rtol=1e-6)


def test_without_augment_the_critic_sees_the_samples():
    gan = image_gan(None, MarkedGAN)
    Recorder.seen.clear()
    gan.fit(_image_batches(), steps_per_epoch=1, epochs=1, verbose=0)
    assert not any(np.allclose(batch, 7.0) for batch in Recorder.seen)


def test_augmented_training_runs_and_the_policy_is_in_the_config():
    gan = image_gan(" translation , cutout", record=False)
    gan.compile()  # graph mode
    history = gan.fit(_image_batches(), steps_per_epoch=2, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    config = gan.get_config()
    assert config["augment"] == "translation,cutout"
    assert WassersteinGAN.from_config(config).augment == "translation,cutout"
    # The streams of real, fake and generator samples differ, and are stateless.
    x = tf.ones([4, 8, 8, 1])
    real, fake = gan.augment_samples(x, 3, 0), gan.augment_samples(x, 4, 0)
    assert not np.array_equal(real, fake)
    np.testing.assert_array_equal(real, gan.augment_samples(x, 3, 0))


def test_bad_augment_is_refused_by_the_model():
    generator, critic = tiny_image_networks()
    with pytest.raises(ValueError, match="'color' needs RGB images"):
        WassersteinGAN(generator, critic, augment="color")
    generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
    with pytest.raises(ValueError, match=r"^augment='cutout' applies to images"):
        WassersteinGAN(generator, critic, augment="cutout")


# The official DiffAugment_tf.py (mit-han-lab/data-efficient-gans, rand_translation and
# rand_cutout): shifts up to int(size * 0.125 + 0.5) pixels, cutout squares of
# int(size * 0.5 + 0.5), centres uniform in [0, size + (1 - side % 2)), a square starting at
# centre - side // 2. Written out per size, so that a change of formula shows here.
OFFICIAL_RANGES = {  # size: (largest shift, cutout side)
    20: (3, 10),
    27: (3, 14),
    28: (4, 14),
    32: (4, 16),
    64: (8, 32),
}


@pytest.mark.parametrize("size", sorted(OFFICIAL_RANGES))
def test_translation_range_is_the_official_one(size):
    largest, _ = OFFICIAL_RANGES[size]
    batch = 1024
    x = np.zeros([batch, size, size, 1], np.float32)
    centre = size // 2
    x[:, centre, centre, 0] = 1.0  # One marked pixel per image; a shift moves it.
    y = augment.random_translation(tf.constant(x), SEED).numpy()[..., 0]
    shifts = set()
    for image in y:
        (rows,), (cols,) = np.nonzero(image.any(axis=1)), np.nonzero(image.any(axis=0))
        shifts.add((int(rows[0]) - centre, int(cols[0]) - centre))
    every = set(range(-largest, largest + 1))
    assert {r for r, _ in shifts} == every and {c for _, c in shifts} == every


@pytest.mark.parametrize("size", sorted(OFFICIAL_RANGES))
def test_cutout_side_and_placement_are_the_official_ones(size):
    _, side = OFFICIAL_RANGES[size]
    y = augment.random_cutout(tf.ones([2048, size, size, 1]), SEED).numpy()[..., 0]
    spans = set()
    for image in y:
        (rows,) = np.nonzero((image == 0).any(axis=1))
        spans.add((int(rows[0]), int(rows[-1]) + 1))
    official = {
        (max(0, c - side // 2), min(size, c - side // 2 + side))
        for c in range(size + (1 - side % 2))
    }
    assert spans == official
