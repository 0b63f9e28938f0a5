"""BigGAN's truncation trick: the threshold's check, the draws, and every sampler that takes it."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_wgan import WassersteinGAN, architectures, callbacks, export, truncation
from keras_wgan.cli import evaluate as evaluate_cli
from keras_wgan.evaluation import command as evaluate
from keras_wgan.settings import TrainSettings

LATENT_DIM = 4


def redraw_loop(shape, threshold, rng):
    """The trick as BigGAN states it: redraw every entry beyond the threshold until none is."""
    z = rng.standard_normal(shape)
    outside = np.abs(z) > threshold
    while outside.any():
        z[outside] = rng.standard_normal(outside.sum())
        outside = np.abs(z) > threshold
    return z


def identity_gan(num_classes=None):
    """A WassersteinGAN whose generator returns its latent vectors: its samples show them."""
    latent = keras.Input((LATENT_DIM,))
    if num_classes is None:
        generator = keras.Model(latent, keras.layers.Identity()(latent))
    else:
        label = keras.Input((), dtype="int32")
        embedded = keras.layers.Embedding(num_classes, LATENT_DIM)(label)
        generator = keras.Model([latent, label], keras.layers.Add()([latent, embedded * 0.0]))
    _, critic = architectures.build("mlp", (LATENT_DIM,), units=8, num_classes=num_classes)
    gan = WassersteinGAN(generator, critic, seed=0, num_classes=num_classes)
    gan.compile()
    return gan


# ----------------------------------------------------------------- the check
@pytest.mark.parametrize("off", [None, 0, 0.0])
def test_none_and_zero_turn_truncation_off(off):
    assert truncation.check("truncation", off) is None


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), True, "1"])
def test_a_bad_threshold_is_refused_naming_argument_expectation_and_value(value):
    with pytest.raises(ValueError) as raised:
        truncation.check("truncation", value)
    assert str(raised.value) == (
        f"truncation must be a finite number > 0 (None or 0: no truncation), received {value!r}"
    )


# ------------------------------------------------------------------ the draws
@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_truncated_entries_follow_the_truncated_normal(threshold):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((40_000, 8))
    out = truncation.truncate_numpy(z, threshold, np.random.default_rng(1))
    assert out.shape == z.shape and out.dtype == z.dtype
    assert np.abs(out).max() <= threshold
    within = np.abs(z) <= threshold
    np.testing.assert_array_equal(out[within], z[within])  # only the entries beyond move
    truncated_normal = stats.truncnorm(-threshold, threshold)
    # All entries, and the redrawn ones alone, against the truncated normal's CDF...
    assert stats.kstest(out.ravel(), truncated_normal.cdf).pvalue > 1e-3
    assert stats.kstest(out[~within], truncated_normal.cdf).pvalue > 1e-3
    # ...and against BigGAN's literal redraw loop.
    loop = redraw_loop(20_000, threshold, np.random.default_rng(2))
    assert stats.ks_2samp(out.ravel(), loop).pvalue > 1e-3


def test_a_small_threshold_costs_one_draw():
    # 1 / P(|z| <= 0.01) = 125 redraw rounds on average for a loop; one draw here.
    z = np.random.default_rng(0).standard_normal((1000, 128)).astype("float32")
    out = truncation.truncate_numpy(z, 0.01, np.random.default_rng(1))
    assert out.dtype == np.float32 and np.abs(out).max() <= 0.01
    assert np.unique(out).size > 0.99 * out.size  # redrawn, not clipped to the bounds


def test_off_returns_the_latent_unchanged():
    z = np.random.default_rng(0).standard_normal((5, 3))
    assert truncation.truncate_numpy(z, None, np.random.default_rng(1)) is z


# ------------------------------------------------------- WassersteinGAN.generate
def test_generate_truncates_reproducibly_and_keeps_the_small_entries():
    gan = identity_gan()
    plain = gan.generate(5000, seed=3)
    truncated = gan.generate(5000, seed=3, truncation=1.0)
    np.testing.assert_array_equal(truncated, gan.generate(5000, seed=3, truncation=1.0))
    assert np.abs(truncated).max() <= 1.0 and np.abs(plain).max() > 3.0
    within = np.abs(plain) <= 1.0
    np.testing.assert_array_equal(truncated[within], plain[within])
    assert stats.kstest(truncated.ravel(), stats.truncnorm(-1.0, 1.0).cdf).pvalue > 1e-3
    # Off: what generate gave before truncation existed.
    np.testing.assert_array_equal(gan.generate(50, seed=3, truncation=0), plain[:50])
    np.testing.assert_array_equal(plain[:50], keras.random.normal((50, LATENT_DIM), seed=3).numpy())


def test_generate_refuses_a_negative_truncation():
    with pytest.raises(ValueError, match=r"^truncation must be a finite number > 0 .*-2"):
        identity_gan().generate(4, seed=0, truncation=-2)


# -------------------------------------------------------------- sample pictures
def test_sample_pictures_truncate_their_fixed_latents(tmp_path):
    gan = identity_gan()
    plain = callbacks.SamplePictures(tmp_path / "plain", num_samples=500, seed=1)
    truncated = callbacks.SamplePictures(
        tmp_path / "truncated", num_samples=500, seed=1, truncation=0.5
    )
    for callback in (plain, truncated):
        callback.set_model(gan)
        callback.on_train_begin()
    assert np.abs(truncated._latent).max() <= 0.5 < np.abs(plain._latent).max()
    within = np.abs(plain._latent) <= 0.5
    np.testing.assert_array_equal(truncated._latent[within], plain._latent[within])
    with pytest.raises(ValueError, match=r"^truncation must be a finite number > 0"):
        callbacks.SamplePictures(tmp_path, truncation=-1.0)


def test_the_sample_truncation_setting_is_checked_before_training():
    assert TrainSettings().sample_truncation is None
    assert TrainSettings(sample_truncation=1.5).sample_truncation == 1.5
    assert TrainSettings(sample_truncation=0.0).sample_truncation is None
    with pytest.raises(ValueError, match=r"^sample_truncation must be a finite number > 0"):
        TrainSettings(sample_truncation=-0.5)


# ------------------------------------------------------------ evaluate command
def test_evaluate_truncates_the_latents_it_samples():
    seen = []

    def sample(latent):
        seen.append(np.array(latent))
        return latent

    generator = evaluate.Generator(
        sample=sample,
        latent_dim=2,
        sample_shape=(2,),
        value_range=None,
        dataset="8gaussians",
        source={},
    )
    report = evaluate.evaluate(generator, num_samples=400, truncation=0.5)
    assert report["truncation"] == 0.5
    latent = np.concatenate(seen)
    assert latent.shape == (400, 2) and np.abs(latent).max() <= 0.5
    seen.clear()
    assert evaluate.evaluate(generator, num_samples=400)["truncation"] is None
    assert np.abs(np.concatenate(seen)).max() > 1.5
    with pytest.raises(evaluate.EvaluationError, match=r"^--truncation must be a finite number"):
        evaluate.evaluate(generator, num_samples=400, truncation=-1.0)


def test_evaluate_command_refuses_a_negative_truncation_in_one_line(capsys):
    code = evaluate_cli.main(["--saved_model=nowhere", "--truncation=-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        "keras_wgan.evaluation: error: --truncation must be a finite number > 0 "
        "(None or 0: no truncation), received -1.0"
    ]


# -------------------------------------------------------------------- export
@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The identity generator (and a conditional one) exported; {name: (gan, loaded, result)}."""
    root = tmp_path_factory.mktemp("exports")
    cases = {}
    for name, num_classes in (("identity", None), ("conditional", 3)):
        gan = identity_gan(num_classes)
        result = export.export_generator(gan, root, model_name=name, tflite=False, max_samples=5000)
        cases[name] = (gan, tf.saved_model.load(result.saved_model_dir), result)
    return cases


def _call(function, **inputs):
    dtypes = {"num_samples": tf.int32, "seed": tf.int64, "label": tf.int32}
    return function(**{k: tf.constant(v, dtypes.get(k, tf.float32)) for k, v in inputs.items()})


def test_generate_truncated_off_is_generate_and_on_truncates(exports):
    _, loaded, result = exports["identity"]
    generate = loaded.signatures["generate"]
    truncated = loaded.signatures["generate_truncated"]
    plain = _call(generate, num_samples=4000, seed=5)["samples"].numpy()
    # generate is what it was: the latent vectors of the seed's stream 0.
    np.testing.assert_array_equal(
        plain, tf.random.stateless_normal([4000, LATENT_DIM], seed=[5, 0], alg="philox").numpy()
    )
    np.testing.assert_array_equal(
        _call(truncated, num_samples=4000, seed=5, truncation=0.0)["samples"].numpy(), plain
    )
    out = _call(truncated, num_samples=4000, seed=5, truncation=0.7)["samples"].numpy()
    np.testing.assert_array_equal(
        out, _call(truncated, num_samples=4000, seed=5, truncation=0.7)["samples"].numpy()
    )
    assert np.abs(out).max() <= 0.7
    within = np.abs(plain) <= 0.7
    np.testing.assert_array_equal(out[within], plain[within])
    assert stats.kstest(out.ravel(), stats.truncnorm(-0.7, 0.7).cdf).pvalue > 1e-3
    assert set(_call(truncated, num_samples=2, seed=0, truncation=1.0)) == {"samples"}
    described = json.load(open(result.metadata_path))["signatures"]["generate_truncated"]
    assert described["inputs"] == {
        "num_samples": {"dtype": "int32", "shape": []},
        "seed": {"dtype": "int64", "shape": []},
        "truncation": {"dtype": "float32", "shape": []},
    }


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_generate_truncated_refuses_a_bad_threshold(exports, value):
    truncated = exports["identity"][1].signatures["generate_truncated"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"truncation must be a finite number"):
        _call(truncated, num_samples=3, seed=0, truncation=value)


def test_conditional_generate_truncated_keeps_the_labels(exports):
    _, loaded, _ = exports["conditional"]
    generate = loaded.signatures["generate"]
    truncated = loaded.signatures["generate_truncated"]
    plain = _call(generate, num_samples=300, seed=2, label=-1)
    off = _call(truncated, num_samples=300, seed=2, label=-1, truncation=0.0)
    on = _call(truncated, num_samples=300, seed=2, label=-1, truncation=0.5)
    np.testing.assert_array_equal(off["samples"].numpy(), plain["samples"].numpy())
    np.testing.assert_array_equal(on["labels"].numpy(), plain["labels"].numpy())
    assert np.abs(on["samples"].numpy()).max() <= 0.5 < np.abs(plain["samples"].numpy()).max()
