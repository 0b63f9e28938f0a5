"""Tests of keras_wgan.ema and of the generator EMA of WassersteinGAN."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from helpers import REPO, point_batches, small_gan

from keras_wgan import callbacks, checkpointing, ema, export

pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")

LATENT = 3


def bn_generator():
    """A generator with batch normalisation: trainable and non-trainable weights."""
    noise = keras.Input((LATENT,))
    x = keras.layers.Dense(4)(noise)
    x = keras.layers.BatchNormalization()(x)
    return keras.Model(noise, keras.layers.Dense(2)(x), name="generator")


def bn_gan(seed=0, **options):
    """The small GAN of `helpers.small_gan` with `bn_generator`, both drawn from `seed`."""
    keras.utils.set_random_seed(seed)
    return small_gan(
        generator=bn_generator(), networks={"latent_dim": LATENT}, seed=seed, **options
    )


def data():
    """Batches of 2 x 16 points: two critic steps of 16."""
    return point_batches(256, 32)


def values(variables):
    return [np.array(v) for v in variables]


class GeneratorWeights(keras.callbacks.Callback):
    """The generator's weights after every training batch (one generator update each)."""

    def __init__(self):
        super().__init__()
        self.after = []

    def on_train_batch_end(self, batch, logs=None):
        self.after.append(values(self.model.generator.weights))


def closed_form(initial, sequence, decays):
    """w_ema after updates towards sequence[k] with decays[k]."""
    average = [np.array(w, np.float64) for w in initial]
    for weights, decay in zip(sequence, decays):
        average = [decay * a + (1 - decay) * w for a, w in zip(average, weights)]
    return average


# ------------------------------------------------------------ ema module
def test_update_by_hand_averages_trainable_and_copies_the_rest():
    generator = bn_generator()
    average = ema.clone_generator(generator)
    assert average is not generator and average.name == "generator_ema"
    assert not average.trainable_weights  # nothing trains the average
    for a, g in zip(average.weights, generator.weights):
        assert a is not g
        np.testing.assert_array_equal(a, g)
    initial = values(generator.weights)
    rng = np.random.default_rng(0)
    sequence = []
    for _ in range(3):
        new = [rng.normal(size=w.shape).astype("float32") for w in initial]
        generator.set_weights(new)
        ema.update(average, generator, 0.9)
        sequence.append(new)
    trainable = {id(v) for v in generator.trainable_weights}
    expected = closed_form(initial, sequence, [0.9] * 3)
    for a, g, e, last in zip(average.weights, generator.weights, expected, sequence[-1]):
        if id(g) in trainable:
            # 0.9^3 w0 + 0.9^2 0.1 w1 + 0.9 0.1 w2 + 0.1 w3
            np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
        else:  # batch-norm moving statistics: copied
            np.testing.assert_array_equal(a, last)


def test_effective_decay_warms_up():
    assert float(ema.effective_decay(0.999, 1, warmup=True)) == pytest.approx(2 / 11)
    assert float(ema.effective_decay(0.999, 10**6, warmup=True)) == pytest.approx(0.999)
    assert float(ema.effective_decay(0.999, 1, warmup=False)) == pytest.approx(0.999)


# ------------------------------------------------------ in WassersteinGAN
@pytest.mark.parametrize("warmup", [False, True])
def test_train_step_updates_the_ema_after_each_generator_update(warmup):
    gan = bn_gan(ema_decay=0.8, ema_warmup=warmup)
    gan.compile(generator_optimizer=keras.optimizers.SGD(0.1))
    initial = values(gan.generator.weights)
    np.testing.assert_array_equal(values(gan.ema_generator.weights)[0], initial[0])
    recorder = GeneratorWeights()
    gan.fit(data(), steps_per_epoch=4, epochs=1, verbose=0, callbacks=[recorder])
    assert int(gan.generator_optimizer.iterations) == 4
    decays = [min(0.8, (1 + t) / (10 + t)) if warmup else 0.8 for t in range(1, 5)]
    expected = closed_form(initial, recorder.after, decays)
    trainable = {id(v) for v in gan.generator.trainable_weights}
    for a, g, e, last in zip(
        gan.ema_generator.weights, gan.generator.weights, expected, recorder.after[-1]
    ):
        if id(g) in trainable:
            np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_allclose(a, last, rtol=1e-6)
    # The training generator moved away from the average, which is what samples come from.
    z = np.random.default_rng(1).normal(size=(5, LATENT)).astype("float32")
    assert not np.allclose(gan.generator(z), gan.ema_generator(z))
    np.testing.assert_allclose(gan(z), gan.ema_generator(z, training=False), rtol=1e-6)
    assert gan.sampling_generator is gan.ema_generator
    np.testing.assert_allclose(
        gan.generate(5, seed=3),
        gan.ema_generator.predict(keras.random.normal((5, LATENT), seed=3), verbose=0),
        rtol=1e-6,
    )


def test_without_ema_nothing_changes():
    gan = bn_gan()
    assert gan.ema_generator is None and gan.sampling_generator is gan.generator
    assert gan.get_config()["ema_decay"] is None
    assert "ema_generator" not in dict(
        checkpointing.training_checkpoint(_compiled(gan))._trackable_children()
    )


def _compiled(gan):
    gan.compile()
    return gan


def _trained(seed=0):
    gan = bn_gan(seed=seed, ema_decay=0.5)
    gan.compile()
    gan.fit(data(), steps_per_epoch=3, epochs=1, verbose=0)
    return gan


def test_keras_file_round_trip_keeps_the_ema_weights(tmp_path):
    gan = _trained()
    path = tmp_path / "model.keras"
    gan.save(path)
    restored = keras.saving.load_model(path)
    assert restored.ema_decay == 0.5 and restored.ema_generator is not None
    for a, b in zip(restored.ema_generator.weights, gan.ema_generator.weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(restored.generator.weights, gan.generator.weights):
        np.testing.assert_array_equal(a, b)
    assert not all(
        np.array_equal(a, b) for a, b in zip(gan.ema_generator.weights, gan.generator.weights)
    )


def test_checkpoint_round_trip_keeps_the_ema_weights(tmp_path):
    gan = _trained()
    path = checkpointing.training_checkpoint(gan).save(str(tmp_path / "ckpt"))
    other = _compiled(bn_gan(seed=5, ema_decay=0.5))
    assert not np.array_equal(other.ema_generator.weights[0], gan.ema_generator.weights[0])
    checkpointing.training_checkpoint(other).restore(path).assert_existing_objects_matched()
    for a, b in zip(other.ema_generator.weights, gan.ema_generator.weights):
        np.testing.assert_array_equal(a, b)


class _Captured(Exception):
    pass


def test_pictures_and_export_sample_from_the_ema_generator(tmp_path, monkeypatch):
    gan = _trained()
    pictures = callbacks.SamplePictures(tmp_path, num_samples=6)
    pictures.set_model(gan)
    pictures.on_train_begin()
    seen = {}
    monkeypatch.setattr(
        callbacks.pictures,
        "picture",
        lambda samples, *args, **kwargs: seen.setdefault("samples", samples),
    )
    monkeypatch.setattr(callbacks.pictures, "save_png", lambda *args: None)
    pictures.write(1)
    np.testing.assert_allclose(seen["samples"], gan.ema_generator(pictures._latent), rtol=1e-5)
    assert not np.allclose(seen["samples"], gan.generator(pictures._latent))

    def served(generator):
        seen["exported"] = generator
        raise _Captured

    from keras_wgan.export import graph

    monkeypatch.setattr(graph, "float32_generator", served)
    with pytest.raises(_Captured):
        export.export_generator(gan, tmp_path / "exports")
    assert seen["exported"] is gan.ema_generator


@pytest.mark.parametrize("decay", [-0.1, 1.0, 1.5, "0.9", True])
def test_bad_ema_decay_is_refused(decay):
    with pytest.raises(ValueError, match=r"^ema_decay must be a number"):
        bn_gan(ema_decay=decay)


def test_a_warm_up_without_an_average_is_refused():
    message = r"^ema_warmup: .* received ema_warmup=True with ema_decay=None"
    with pytest.raises(ValueError, match=message):
        bn_gan(ema_warmup=True)


def test_train_warms_the_average_up_when_asked(tmp_path):
    from keras_wgan import training

    def run(name, **options):
        return training.train(
            "8gaussians",
            output_dir=tmp_path / name,
            export_dir=None,
            train_steps=2,
            batch_size=16,
            verbose=0,
            monitor_every_epochs=0,
            ema_decay=0.999,
            **options,
        ).model

    warm, plain = run("warm", ema_warmup=True), run("plain")
    assert warm.ema_warmup and not plain.ema_warmup

    # After 2 updates a warmed-up average has mostly left the initial weights
    # (decay (1 + t) / (10 + t) <= 0.25); a plain 0.999 one has barely moved from them.
    def gap(model):  # the average's distance to the trained generator
        pairs = zip(model.ema_generator.weights, model.generator.weights, strict=True)
        return sum(float(np.abs(a.numpy() - g.numpy()).sum()) for a, g in pairs)

    assert 0 < gap(warm) < 0.5 * gap(plain)


# ------------------------------------------- mirrored on 2 logical CPUs
_MIRRORED = textwrap.dedent("""
    import json
    from keras_wgan import distribute
    distribute.split_cpu(2)
    import keras, numpy as np, tensorflow as tf
    from tests.test_ema import bn_gan, closed_form, data
    from keras_wgan import distribute
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        gan = bn_gan(ema_decay=0.7)
        gan.compile(generator_optimizer=keras.optimizers.SGD(0.1))
    initial = [distribute.variable_value(v) for v in gan.generator.weights]
    class Recorder(keras.callbacks.Callback):
        after = []
        def on_train_batch_end(self, batch, logs=None):
            self.after.append([distribute.variable_value(v) for v in self.model.generator.weights])
    recorder = Recorder()
    batches = strategy.experimental_distribute_dataset(data())
    gan.fit(batches, steps_per_epoch=3, epochs=1, verbose=0, callbacks=[recorder])
    expected = closed_form(initial, recorder.after, [0.7] * 3)
    trainable = {id(v) for v in gan.generator.trainable_weights}
    diff, replica_diff, kinds = 0.0, 0.0, set()
    for a, g, e, last in zip(gan.ema_generator.weights, gan.generator.weights, expected,
                             recorder.after[-1]):
        kinds.add(type(a.value).__name__)
        # Each replica's copy equals that replica's generator weight (batch-norm
        # statistics are per replica), and the averaged copies agree.
        copies = [c.numpy() for c in a.value.values]
        sources = [c.numpy() for c in g.value.values]
        if id(g) in trainable:
            replica_diff = max(replica_diff, float(np.abs(copies[0] - copies[1]).max()))
        else:
            replica_diff = max(replica_diff, *(float(np.abs(c - s).max())
                                               for c, s in zip(copies, sources)))
        target = e if id(g) in trainable else last
        diff = max(diff, float(np.abs(distribute.variable_value(a) - target).max()))
    moved = float(max(np.abs(w - i).max() for w, i in zip(recorder.after[-1], initial)))
    print("REPORT " + json.dumps(dict(diff=diff, replica_diff=replica_diff, moved=moved,
                                      kinds=sorted(kinds))))
""")


def test_ema_under_a_mirrored_strategy():
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "tests")]), TF_CPP_MIN_LOG_LEVEL="2"
    )
    done = subprocess.run(
        [sys.executable, "-c", _MIRRORED],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("REPORT "))
    report = json.loads(line[len("REPORT ") :])
    assert report["kinds"] == ["MirroredVariable"]
    assert report["moved"] > 1e-3
    assert report["diff"] < 1e-5
    assert report["replica_diff"] == 0.0
