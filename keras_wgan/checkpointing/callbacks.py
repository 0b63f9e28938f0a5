"""The callbacks of a resumable run: stop at an exact step, save checkpoints, stop on NaN."""

import os

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from keras_wgan import distribute, run_directory, validation
from keras_wgan.checkpointing.checkpoints import (
    CHECKPOINT_NAME,
    TEMPORARIES,
    checkpoint_bytes,
    nonfinite_variables,
    read_index,
    remove_unpublished,
    set_aside_index,
    step_of,
    training_checkpoint,
)

__all__ = ["CheckpointCallback", "StopAtStep"]


class StopAtStep(keras.callbacks.Callback):
    """Stops `fit()` once the generator has made exactly `train_steps` updates.

    Counts `model.generator_optimizer.iterations`, which a checkpoint
    restores, so a resumed run stops at the same step as an uninterrupted one.
    With `steps_per_execution > 1`, make `train_steps` a multiple of it.

    Args:
        train_steps: the generator step to stop at, >= 1.
    """

    def __init__(self, train_steps):
        super().__init__()
        self.train_steps = validation.integer("train_steps", train_steps, minimum=1)

    def on_train_batch_end(self, batch, logs=None):
        step = self.model.generator_steps
        if step >= self.train_steps:
            if step > self.train_steps:
                logging.warning(
                    "keras_wgan: stopped at generator step %d, past train_steps=%d "
                    "(steps_per_execution does not divide it)",
                    step,
                    self.train_steps,
                )
            self.model.stop_training = True


class CheckpointCallback(keras.callbacks.Callback):
    """Saves training checkpoints every few steps; stops on a non-finite loss.

    Saves `training_checkpoint(model)` as `<directory>/ckpt-<generator step>`
    every `checkpoint_every_steps` generator steps, at each epoch end and
    when training ends, keeping the newest `max_to_keep`. A checkpoint is
    named in the `checkpoint` index file only once completely written.

    Non-finite losses: when a step's losses (the logs) are NaN or infinite,
    training stops, the generator step is logged and kept in
    `nonfinite_step`, and nothing more is saved, so the newest checkpoint is
    the last good one. Before each save the weights and optimizer slots are
    checked too (a finite loss can precede non-finite weights). The model's
    weights in memory are then not finite: do not export them (check
    `nonfinite_step`, or `all_finite(model)`).

    A full disk stops training with `run_directory.NoSpaceLeft`, naming the
    directory and the space a checkpoint needs; what the save had written is
    removed, and the newest complete checkpoint stays the one to resume
    from. A checkpoint directory is written by one run at a time (`train()`
    locks it): at the start, temporaries that an unfinished save left there
    are removed.

    Multi-worker: every worker runs this callback, as in TensorFlow's
    multi-worker pattern, and they all save at the same steps; the chief
    writes to `directory`, every other worker to `directory/workertemp_<id>`,
    deleted after each save.

    Args:
        directory: where checkpoints are written.
        checkpoint_every_steps: save every this many generator steps (None:
            only at epoch ends and at the end of training).
        max_to_keep: how many of the newest checkpoints to keep.
        save_at_epoch_end: also save at the end of every epoch.

    Attributes:
        nonfinite_step: the generator step whose losses or weights were not
            finite, or None.
        last_saved_step: the step of the newest checkpoint written, or None.
    """

    def __init__(
        self, directory, checkpoint_every_steps=None, max_to_keep=3, save_at_epoch_end=True
    ):
        super().__init__()
        validation.integer(
            "checkpoint_every_steps", checkpoint_every_steps, minimum=1, optional=True
        )
        validation.integer("max_to_keep", max_to_keep, minimum=1)
        self.directory = os.fspath(directory)
        self.checkpoint_every_steps = checkpoint_every_steps
        self.max_to_keep = max_to_keep
        self.save_at_epoch_end = save_at_epoch_end
        self.nonfinite_step = None
        self.last_saved_step = None
        self._manager = None
        self._write_dir = None
        self._last_step = None  # generator step at the previous batch end
        self._saved_step = None  # step of the newest checkpoint, the same on every worker

    # ------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self.nonfinite_step = None
        strategy = self.model.distribute_strategy
        chief = distribute.is_chief(strategy)
        if chief:
            # Files the index does not name (left by a save killed half-way, or by
            # another run) are left alone: CheckpointManager never restores them.
            self._write_dir = self.directory
            # One run writes a checkpoint directory at a time (train() locks it): what a
            # save that did not finish left there is stale.
            run_directory.remove_stale_temporaries(self.directory, TEMPORARIES)
            _, problem = read_index(self.directory)
            if problem is not None and problem != "missing":
                set_aside_index(self.directory, problem)
        else:
            _, index = distribute.task_id(strategy)
            self._write_dir = os.path.join(self.directory, f"workertemp_{index}")
        self._manager = tf.train.CheckpointManager(
            training_checkpoint(self.model),
            self._write_dir,
            max_to_keep=self.max_to_keep if chief else 1,
            checkpoint_name=CHECKPOINT_NAME,
        )
        # Training starts at the restored step, i.e. at the newest checkpoint (or at 0):
        # nothing new to save there. Kept alike on all workers so that they save together.
        self._last_step = self._saved_step = self.model.generator_steps
        state, _ = read_index(self.directory)
        latest = state.model_checkpoint_path if state else None
        self.last_saved_step = step_of(latest) if latest else None

    def on_train_batch_end(self, batch, logs=None):
        if self.nonfinite_step is not None:
            return
        step = self.model.generator_steps
        bad = _nonfinite_logs(logs)
        if bad:
            self._stop(step, "loss", ", ".join(bad))
            return
        every = self.checkpoint_every_steps
        if every and step // every > self._last_step // every:
            self._save(step)
        self._last_step = step

    def on_epoch_end(self, epoch, logs=None):
        if self.save_at_epoch_end:
            self._save_if_new()

    def on_train_end(self, logs=None):
        self._save_if_new()

    # ----------------------------------------------------------- helpers
    def _save_if_new(self):
        if self.nonfinite_step is None and self._manager is not None:
            step = self.model.generator_steps
            if step != self._saved_step:
                self._save(step)

    def _save(self, step):
        bad = nonfinite_variables(self._manager.checkpoint)
        if bad:
            self._stop(step, "weights", ", ".join(bad))
            return
        try:
            path = self._manager.save(checkpoint_number=step)
        except Exception as error:
            if not run_directory.is_no_space(error):
                raise
            remove_unpublished(self._write_dir, step)
            raise run_directory.no_space_error(
                f"checkpoint {CHECKPOINT_NAME}-{step}",
                self._write_dir,
                checkpoint_bytes(self._manager.checkpoint, self._write_dir),
            ) from error
        self._saved_step = step
        if self._write_dir != self.directory:
            tf.io.gfile.rmtree(self._write_dir)  # non-chief: only the chief's copy is kept
        else:
            self.last_saved_step = step
            logging.info("keras_wgan: saved checkpoint %s", path)

    def _stop(self, step, what, details):
        self.nonfinite_step = step
        self.model.stop_training = True
        kept = (
            f"the newest checkpoint, step {self.last_saved_step} in {self.directory}, holds "
            "the last finite weights"
            if self.last_saved_step is not None
            else "no checkpoint was saved"
        )
        logging.error(
            "keras_wgan: non-finite %s at generator step %d (%s): training stopped; "
            "%s. The weights in memory are not finite: do not export them.",
            what,
            step,
            details,
            kept,
        )


def _nonfinite_logs(logs):
    bad = []
    for name, value in (logs or {}).items():
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if not np.all(np.isfinite(array)):
            bad.append(f"{name}={array.ravel()[0]}")
    return bad
