"""Checks of mirrored training on 2 logical CPUs, printed as JSON (tests/test_distribute.py).

Logical devices must be made before TensorFlow initialises, so this runs in
its own process. What it measures:

- "step_diff": the largest difference between the weights after two train
  steps of a MirroredStrategy model on 2 replicas and of a single-device
  model, from the same initial weights, on the same data and the same noise.
  Both models draw their latent noise and interpolation coefficients from one
  fixed global table, each replica taking its slice (`FixedNoiseGAN`).
  SGD, because its update is linear in the gradient: a doubled gradient
  doubles the step. (Adam's first steps are nearly invariant to the gradient's
  scale, so with Adam this test could not see doubled gradients.)
- "conditional_step_diff": the same for class-conditional models (projection
  and auxiliary-classifier critics) on (samples, labels) batches.
- "conditional_moved": how far those weights moved.
- "unscaled_step_diff": the same, with train_step's 1 / replicas loss scaling
  removed: the test's proof that it can see doubled gradients.
- "moved": how far the weights moved (the comparison is not vacuous).
- "replica_noise_differs", "replica_alpha_differs": default noise per replica.
- "variables": the types of the model's and optimizers' variables.
- "jit_compile", "jit_warning": compile(jit_compile=True) under the strategy.
- "history": fit() logs under the strategy are plain numbers.
- "restored_step", "restored_diff": checkpoints of mirrored variables, saved
  by CheckpointCallback during fit() and restored into a new mirrored model.
- "replica_mean": `distribute.replica_mean` of each replica's id, on each replica.
- "ada_p", "ada_logged_p", "ada_logged_r", "ada_images": adaptive augmentation
  under the strategy, with a critic that always ranks the real images first
  (r = 1): each replica's copy of `augment_p`, the logged p and r, and the
  real images the critic saw over all replicas (from which p follows).
"""

import json
import shutil
import tempfile
import warnings

from keras_wgan import distribute

distribute.split_cpu(2)

import keras  # noqa: E402  (TensorFlow may initialise only after the split)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_wgan import architectures, checkpointing, distribute  # noqa: E402
from keras_wgan.model import WassersteinGAN  # noqa: E402

CRITIC_STEPS = 2
STEPS = 2
GLOBAL_BATCH = 16  # real samples per critic update, over all replicas
LATENT = 3
NUM_CLASSES = 3


class FixedNoiseGAN(WassersteinGAN):
    """Takes its noise from fixed global tables: row `counter`, this replica's slice.

    `tables[stream]` is [counters, GLOBAL_BATCH, ...]; replica r of a batch of
    b samples takes rows r*b:(r+1)*b, so the replicas together use the table's
    global batch, exactly as the single-device model does.
    """

    def __init__(self, *args, tables, **kwargs):
        super().__init__(*args, **kwargs)
        self.tables = {key: tf.constant(value) for key, value in tables.items()}

    def _slice(self, table, batch_size, counter):
        row = tf.gather(table, tf.cast(counter, tf.int32))
        start = distribute.replica_id() * batch_size
        return row[start : start + batch_size]

    def latent_noise(self, batch_size, stream, counter):
        return self._slice(self.tables[stream], batch_size, counter)

    def interpolation_alpha(self, batch_size, counter):
        return self._slice(self.tables["alpha"], batch_size, counter)


def build(conditioning=None):
    """The networks: unconditional, or conditional with that critic conditioning."""
    if conditioning is None:
        return architectures.build("mlp", (2,), latent_dim=LATENT, units=16, depth=2)
    return architectures.build(
        "mlp",
        (2,),
        latent_dim=LATENT,
        units=16,
        depth=2,
        num_classes=NUM_CLASSES,
        critic_conditioning=conditioning,
    )


def make_gan(tables, initial, conditioning=None):
    generator, critic = build(conditioning)
    gan = FixedNoiseGAN(
        generator,
        critic,
        critic_steps=CRITIC_STEPS,
        penalty="gp",
        seed=0,
        tables=tables,
        num_classes=conditioning and NUM_CLASSES,
    )
    gan.compile(
        critic_optimizer=keras.optimizers.SGD(0.05), generator_optimizer=keras.optimizers.SGD(0.05)
    )
    gan.set_weights(initial)
    return gan


def global_batches(rng):
    """For each train step, the critic updates' global real batches [CRITIC_STEPS, G, 2]."""
    return rng.normal(size=(STEPS, CRITIC_STEPS, GLOBAL_BATCH, 2)).astype("float32")


def fit_batches(real, replicas, labels=None):
    """The batches fit() must see so that replica r's critic update s uses its slice of G_s.

    A replica splits its part of the fit() batch into CRITIC_STEPS real batches;
    fit() gives replica r the r-th contiguous part of the global batch. Labels
    [STEPS, CRITIC_STEPS, G] are arranged like the samples.
    """
    per_replica = GLOBAL_BATCH // replicas

    def arrange(arrays):
        batches = []
        for step_batches in arrays:  # [CRITIC_STEPS, G, ...]
            parts = [
                step_batches[s, r * per_replica : (r + 1) * per_replica]
                for r in range(replicas)
                for s in range(CRITIC_STEPS)
            ]
            batches.append(np.concatenate(parts))
        return np.stack(batches)

    if labels is None:
        return tf.data.Dataset.from_tensor_slices(arrange(real))
    return tf.data.Dataset.from_tensor_slices((arrange(real), arrange(labels)))


def train(strategy, real, tables, initial, labels=None, conditioning=None):
    with strategy.scope():
        gan = make_gan(tables, initial, conditioning)
    data = fit_batches(real, strategy.num_replicas_in_sync, labels)
    data = distribute.distribute_dataset(data, strategy, critic_steps=CRITIC_STEPS)
    gan.fit(data, epochs=1, steps_per_epoch=STEPS, verbose=0)
    return [np.asarray(w) for w in gan.get_weights()]


def max_diff(a, b):
    return float(max(np.abs(x - y).max() for x, y in zip(a, b, strict=True)))


def adaptive_augmentation(strategy, steps=2):
    """The replica mean, and `augment_p` after `steps` steps whose every r is 1."""
    means = strategy.run(
        lambda: distribute.replica_mean(tf.cast(distribute.replica_id(), tf.float32))
    )
    with strategy.scope():
        generator = keras.Sequential(
            [
                keras.Input((LATENT,)),
                keras.layers.Dense(64, activation="tanh"),
                keras.layers.Reshape((8, 8, 1)),
            ]
        )
        critic = keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
        )
        # f(x) = sum(x): real images of 1s score 64, generated ones less.
        critic.set_weights([np.ones((64, 1), "float32"), np.zeros(1, "float32")])
        gan = WassersteinGAN(
            generator,
            critic,
            critic_steps=CRITIC_STEPS,
            seed=0,
            augment="translation,cutout",
            augment_target=0.6,
        )
        gan.compile()
    real = tf.data.Dataset.from_tensors(tf.ones([GLOBAL_BATCH * CRITIC_STEPS, 8, 8, 1]))
    real = distribute.distribute_dataset(real.repeat(), strategy, critic_steps=CRITIC_STEPS)
    history = gan.fit(real, epochs=1, steps_per_epoch=steps, verbose=0).history
    return {
        "replica_mean": [float(v) for v in strategy.experimental_local_results(means)],
        "ada_p": [float(v) for v in strategy.experimental_local_results(gan.augment_p.value)],
        "ada_logged_p": float(history["augment_p"][-1]),
        "ada_logged_r": float(history["augment_r"][-1]),
        "ada_images": steps * CRITIC_STEPS * GLOBAL_BATCH,
    }


def main():
    report = {}
    rng = np.random.default_rng(0)
    real = global_batches(rng)
    counters = STEPS * CRITIC_STEPS
    tables = {
        0: rng.normal(size=(counters, GLOBAL_BATCH, LATENT)).astype("float32"),  # critic latent
        1: rng.normal(size=(STEPS, GLOBAL_BATCH, LATENT)).astype("float32"),  # generator latent
        "alpha": rng.uniform(size=(counters, GLOBAL_BATCH)).astype("float32"),
    }
    keras.utils.set_random_seed(1)
    generator, critic = architectures.build("mlp", (2,), latent_dim=LATENT, units=16, depth=2)
    initial = WassersteinGAN(generator, critic, critic_steps=CRITIC_STEPS, seed=0).get_weights()

    single = train(tf.distribute.get_strategy(), real, tables, initial)
    mirrored = distribute.make_strategy("mirrored")
    report["replicas"] = mirrored.num_replicas_in_sync
    report["step_diff"] = max_diff(single, train(mirrored, real, tables, initial))
    report["moved"] = max_diff(single, initial)
    labels = rng.integers(0, NUM_CLASSES, size=(STEPS, CRITIC_STEPS, GLOBAL_BATCH)).astype("int32")
    report["conditional_step_diff"], report["conditional_moved"] = {}, {}
    for conditioning in ("projection", "auxiliary"):
        keras.utils.set_random_seed(2)
        generator, critic = build(conditioning)
        start = WassersteinGAN(
            generator, critic, critic_steps=CRITIC_STEPS, seed=0, num_classes=NUM_CLASSES
        ).get_weights()
        alone = train(tf.distribute.get_strategy(), real, tables, start, labels, conditioning)
        report["conditional_step_diff"][conditioning] = max_diff(
            alone, train(mirrored, real, tables, start, labels, conditioning)
        )
        report["conditional_moved"][conditioning] = max_diff(alone, start)
    scaling = distribute.num_replicas
    distribute.num_replicas = lambda: 1  # what train_step would do without its scaling
    try:
        report["unscaled_step_diff"] = max_diff(single, train(mirrored, real, tables, initial))
    finally:
        distribute.num_replicas = scaling

    with mirrored.scope():
        generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
        gan = WassersteinGAN(generator, critic, critic_steps=CRITIC_STEPS, seed=3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gan.compile(jit_compile=True)
    report["jit_compile"] = bool(gan.jit_compile)
    report["jit_warning"] = " | ".join(str(w.message) for w in caught if "jit" in str(w.message))
    report["variables"] = sorted(
        {
            type(v.value).__name__
            for v in (
                gan.weights + gan.critic_optimizer.variables + gan.generator_optimizer.variables
            )
        }
    )

    noise = mirrored.run(lambda: gan.latent_noise(4, 0, tf.constant(5, tf.int64)))
    alpha = mirrored.run(lambda: gan.interpolation_alpha(4, tf.constant(5, tf.int64)))
    noise = [np.asarray(v) for v in mirrored.experimental_local_results(noise)]
    alpha = [np.asarray(v) for v in mirrored.experimental_local_results(alpha)]
    report["replica_noise_differs"] = bool(np.abs(noise[0] - noise[1]).min() > 0)
    report["replica_alpha_differs"] = bool(np.abs(alpha[0] - alpha[1]).min() > 0)

    data = tf.data.Dataset.from_tensor_slices(rng.normal(size=(64, 2)).astype("float32"))
    data = distribute.distribute_dataset(
        data.batch(8).repeat(), mirrored, batch_size=8, critic_steps=CRITIC_STEPS
    )
    directory = tempfile.mkdtemp()
    saver = checkpointing.CheckpointCallback(directory, checkpoint_every_steps=2)
    history = gan.fit(data, epochs=2, steps_per_epoch=3, verbose=0, callbacks=[saver]).history
    with mirrored.scope():
        generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
        restored = WassersteinGAN(generator, critic, critic_steps=CRITIC_STEPS, seed=4)
        restored.compile()
    report["restored_step"] = checkpointing.restore_latest(restored, directory)
    everything = [
        gan.weights + gan.critic_optimizer.variables + gan.generator_optimizer.variables,
        restored.weights
        + restored.critic_optimizer.variables
        + restored.generator_optimizer.variables,
    ]
    report["restored_diff"] = max_diff(
        *([np.asarray(v.value.numpy()) for v in variables] for variables in everything)
    )
    shutil.rmtree(directory)
    report.update(adaptive_augmentation(mirrored))
    report["history"] = {k: [float(x) for x in v] for k, v in history.items()}
    report["history_types"] = sorted({type(x).__name__ for v in history.values() for x in v})
    print("REPORT " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
