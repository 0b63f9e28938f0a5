"""Stopping by hand or by a scheduler: SIGINT and SIGTERM end `fit()` cleanly.

`StopOnSignal` turns the signal into a clean end of `fit()` after the current
step, with a checkpoint of that step, so the run resumes exactly where it
stopped; the caller then raises `TrainingInterrupted`.
"""

import os
import signal
import threading

import keras
from absl import logging

__all__ = ["StopOnSignal", "TrainingInterrupted"]


class TrainingInterrupted(Exception):
    """Training was stopped by SIGINT or SIGTERM after saving a checkpoint.

    Attributes:
        signal_number: the signal received (`signal.SIGINT`, `signal.SIGTERM`).
        signal_name: its name, e.g. "SIGTERM".
        step: the generator step training stopped at.
        checkpoint_dir: where the checkpoint is.
        exit_code: what a command line should exit with: 128 + the signal
            number, as a shell reports a process ended by it (130 for
            SIGINT, 143 for SIGTERM).
    """

    def __init__(self, signal_number, step, checkpoint_dir, saved_step=None):
        self.signal_number = int(signal_number)
        self.signal_name = signal.Signals(self.signal_number).name
        self.step = step
        self.checkpoint_dir = os.fspath(checkpoint_dir)
        self.exit_code = 128 + self.signal_number
        if saved_step == step:
            saved = f"checkpoint saved in {self.checkpoint_dir}"
        elif saved_step is not None:
            saved = f"the newest checkpoint (step {saved_step}) is in {self.checkpoint_dir}"
        else:
            saved = f"no checkpoint could be saved in {self.checkpoint_dir}"
        super().__init__(
            f"training interrupted by {self.signal_name} at generator step {step}: "
            f"{saved}; run the same command again to resume"
        )


class StopOnSignal(keras.callbacks.Callback):
    """Turns SIGINT (Ctrl-C) and SIGTERM into a clean stop of `fit()`.

    Schedulers and pre-emptible machines send SIGTERM before killing a job.
    While installed (`with StopOnSignal() as stop:`), the first such signal
    only sets `received`; at the end of the step in progress the callback
    sets `model.stop_training`, so `fit()` ends the epoch as usual: the
    `CheckpointCallback` saves the step reached and `KerasModelSaver` writes
    `model.keras`. The caller then checks `received` (see `training.train`,
    which raises `TrainingInterrupted`). A second signal gives back the
    previous handler's behaviour at once (Ctrl-C twice: KeyboardInterrupt).

    Handlers can only be installed in the main thread; elsewhere, and for a
    signal the process ignores (SIG_IGN, e.g. SIGINT of a background job),
    nothing is installed. The previous handlers are restored on exit.

    Args:
        signals: the signals to catch.

    Attributes:
        received: the number of the signal received, or None.
    """

    def __init__(self, signals=(signal.SIGINT, signal.SIGTERM)):
        super().__init__()
        self.signals = tuple(signals)
        self.received = None
        self._previous = {}

    def __enter__(self):
        self.received = None
        if threading.current_thread() is threading.main_thread():
            for number in self.signals:
                previous = signal.getsignal(number)
                if previous is not signal.SIG_IGN:
                    self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc_info):
        self._restore()

    def _restore(self):
        for number, previous in self._previous.items():
            signal.signal(number, signal.SIG_DFL if previous is None else previous)
        self._previous = {}

    def _handle(self, number, frame):
        if self.received is not None:  # the second signal: the previous handler
            previous = self._previous.get(number)
            self._restore()
            if callable(previous):
                previous(number, frame)
            else:
                signal.raise_signal(number)
            return
        self.received = number
        logging.warning(
            "keras_wgan: %s received: stopping after this step, saving a checkpoint "
            "(send it again to stop at once)",
            signal.Signals(number).name,
        )

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True
