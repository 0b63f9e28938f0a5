"""The train_main.py command line, slowed down so that a test can signal it mid-run.

Used by tests/test_checkpointing.py: it prints "step <generator step>" after
every training step (flushed) and sleeps --sleep_per_step seconds, then
hands every other flag to keras_wgan.cli.train.

    python tests/scripts/interruptible_train.py --sleep_per_step=0.2 --train_steps=30 ...
"""

import sys
import time


def main():
    sleep = 0.0
    argv = [sys.argv[0]]
    for arg in sys.argv[1:]:
        if arg.startswith("--sleep_per_step="):
            sleep = float(arg.split("=", 1)[1])
        else:
            argv.append(arg)
    sys.argv = argv

    from keras_wgan import checkpointing
    from keras_wgan.cli import train

    stop_at_step = checkpointing.StopAtStep.on_train_batch_end

    def on_train_batch_end(self, batch, logs=None):
        stop_at_step(self, batch, logs)
        print("step", self.model.generator_steps, flush=True)
        time.sleep(sleep)

    checkpointing.StopAtStep.on_train_batch_end = on_train_batch_end
    train.run()


if __name__ == "__main__":
    main()
