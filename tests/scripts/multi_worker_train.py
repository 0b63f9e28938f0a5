"""One worker of a two-worker MultiWorkerMirroredStrategy run (tests/test_distribute.py).

Started once per worker with TF_CONFIG describing the cluster. Trains a tiny
WGAN a few steps with fit() and the checkpoint callback, then writes
<out>/worker_<index>.npz (weights, optimizer iterations) and
<out>/worker_<index>.json (the History, to check that the logs are numbers).

    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:p0", "127.0.0.1:p1"]},
                "task": {"type": "worker", "index": 0}}' \\
        python tests/scripts/multi_worker_train.py --out /tmp/mw --train_steps 6
"""

import argparse
import json
import os

import numpy as np
import tensorflow as tf
from absl import logging

from keras_wgan import architectures, checkpointing, distribute
from keras_wgan.model import WassersteinGAN

CRITIC_STEPS = 2
GLOBAL_BATCH = 16  # real samples per critic update, over both workers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--train_steps", type=int, default=6)
    args = parser.parse_args()
    logging.set_verbosity(logging.INFO)
    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]

    strategy = distribute.make_strategy("multi_worker")
    import keras

    keras.utils.set_random_seed(0)
    with strategy.scope():
        generator, critic = architectures.build("mlp", (2,), units=16, depth=2)
        gan = WassersteinGAN(generator, critic, critic_steps=CRITIC_STEPS, seed=5)
        gan.compile()
    directory = os.path.join(args.out, "checkpoints")
    points = np.random.default_rng(0).normal(size=(64 * GLOBAL_BATCH, 2)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(points).batch(
        GLOBAL_BATCH * CRITIC_STEPS, drop_remainder=True
    )
    run = checkpointing.resume(
        gan,
        directory,
        data.repeat(),
        train_steps=args.train_steps,
        steps_per_epoch=4,
        checkpoint_every_steps=2,
    )
    step = run.step
    history = gan.fit(run.dataset, verbose=0, callbacks=run.callbacks, **run.fit_kwargs())
    np.savez(
        os.path.join(args.out, f"worker_{index}.npz"),
        *[np.asarray(w) for w in gan.get_weights()],
        generator_iterations=gan.generator_steps,
        critic_iterations=np.asarray(gan.critic_optimizer.iterations.value.numpy()),
    )
    with open(os.path.join(args.out, f"worker_{index}.json"), "w") as f:
        json.dump(
            {
                "history": {k: [float(x) for x in v] for k, v in history.history.items()},
                "types": sorted({type(x).__name__ for v in history.history.values() for x in v}),
                "replicas": strategy.num_replicas_in_sync,
                "chief": distribute.is_chief(strategy),
                "restored_step": step,
            },
            f,
        )
    print("done", gan.generator_steps, flush=True)


if __name__ == "__main__":
    main()
