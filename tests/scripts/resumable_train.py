"""A tiny WGAN training run that can be killed and re-run (tests/test_distribute.py).

Run it twice with the same arguments and the second run resumes from the
newest checkpoint of --directory; however often it is killed, the run ends
at exactly --train_steps generator steps with the weights of an uninterrupted
run. What makes that so: the optimizers' state and counters are checkpointed,
the noise is stateless (a function of the seed and the optimizer counters),
and the data are keyed to the step (batch s is a function of s), so a resumed
run sees the batches it has not seen yet.

With --num_classes K it trains a class-conditional model on (points, labels)
batches instead: the labels are drawn per batch, keyed to the step like the
points, and each point sits near its class's centre, so the labels a run sees
shape both networks' label weights.

Prints "step <generator step>" after every step (flushed) and, at the end,
"done <generator step>"; writes the final weights to <directory>/final.npz.

    python tests/scripts/resumable_train.py --directory /tmp/run --train_steps 36
    python tests/scripts/resumable_train.py --directory /tmp/run --num_classes 3
"""

import argparse
import os
import time

import numpy as np
import tensorflow as tf
from absl import logging

from keras_wgan import architectures, checkpointing
from keras_wgan.model import WassersteinGAN

BATCH = 16  # real samples per critic update
CRITIC_STEPS = 2
DATA_SEED = 1234


def batches(start_step, num_classes=None):
    """Batch s (of BATCH * CRITIC_STEPS 2-D points) is a function of s alone.

    With `num_classes` K, batch s is (points, int32 labels in [0, K)), both
    functions of s; a point of class c lies near (cos, sin)(2 pi c / K).
    """

    def batch(step):
        points = tf.random.stateless_normal((BATCH * CRITIC_STEPS, 2), seed=[DATA_SEED, step])
        if num_classes is None:
            return points * 0.1 + tf.cast(step % 2, tf.float32) * 2.0 - 1.0
        labels = tf.random.stateless_uniform(
            (BATCH * CRITIC_STEPS,), seed=[DATA_SEED + 1, step], maxval=num_classes, dtype=tf.int32
        )
        angle = tf.cast(labels, tf.float32) * (2.0 * np.pi / num_classes)
        return points * 0.1 + tf.stack([tf.cos(angle), tf.sin(angle)], axis=1), labels

    return tf.data.Dataset.counter(start_step).map(batch)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--directory", required=True)
    parser.add_argument("--train_steps", type=int, default=36)
    parser.add_argument("--steps_per_epoch", type=int, default=10)
    parser.add_argument("--checkpoint_every_steps", type=int, default=5)
    parser.add_argument("--keep_checkpoints", type=int, default=3)
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds per step")
    parser.add_argument(
        "--num_classes",
        type=int,
        default=None,
        help="train a class-conditional model of K classes (default: none)",
    )
    args = parser.parse_args()
    logging.set_verbosity(logging.INFO)
    tf.config.experimental.enable_op_determinism()

    import keras  # after TensorFlow's settings

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print("step", self.model.generator_steps, flush=True)
            if args.sleep:
                time.sleep(args.sleep)

    keras.utils.set_random_seed(0)  # same initial weights in every run (restored anyway)
    generator, critic = architectures.build(
        "mlp", (2,), units=16, depth=2, num_classes=args.num_classes
    )
    gan = WassersteinGAN(
        generator, critic, critic_steps=CRITIC_STEPS, seed=7, num_classes=args.num_classes
    )
    gan.compile()
    run = checkpointing.resume(
        gan,
        args.directory,
        lambda step, consumed: batches(consumed, args.num_classes),
        train_steps=args.train_steps,
        steps_per_epoch=args.steps_per_epoch,
        checkpoint_every_steps=args.checkpoint_every_steps,
        keep_checkpoints=args.keep_checkpoints,
    )
    gan.fit(run.dataset, verbose=0, callbacks=[*run.callbacks, Progress()], **run.fit_kwargs())
    run.check_finite()
    final = gan.generator_steps
    variables = (
        gan.generator.weights
        + gan.critic.weights
        + gan.critic_optimizer.variables
        + gan.generator_optimizer.variables
    )
    # The conditional parts again under their own names (they are among the
    # weights above too), so that a mismatch names them.
    conditional = (
        {}
        if args.num_classes is None
        else {
            "label_embedding": np.asarray(gan.generator.get_layer("label_embedding").weights[0]),
            "class_embedding": np.asarray(gan.critic.get_layer("class_embedding").weights[0]),
        }
    )
    np.savez(
        os.path.join(args.directory, "final.npz"),
        *[np.asarray(v) for v in variables],
        critic_iterations=np.asarray(gan.critic_optimizer.iterations),
        generator_iterations=final,
        **conditional,
    )
    print("done", final, flush=True)


if __name__ == "__main__":
    main()
