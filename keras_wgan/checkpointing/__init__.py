"""Fault tolerance: step checkpoints, exact resumption, a guard against NaN, clean signals.

A WGAN run is long and cheap machines get pre-empted. Training that is killed
at any moment must resume from its newest complete checkpoint and end exactly
where an uninterrupted run would have ended. `keras.callbacks.BackupAndRestore`
resumes only at epoch boundaries and restores only `model.optimizer`, not the
two optimizers of a GAN, whose Adam moments would silently restart from zero;
this package covers both.

- `checkpoints`: what a checkpoint holds (`training_checkpoint`), finding and
  restoring the newest complete one (`restore_latest`, `complete_checkpoints`).
- `resume`: the one resume sequence (`resume`, `fit_plan`): restore, plan,
  skip the data consumed, distribute, callbacks, then the non-finite check.
- `callbacks`: `CheckpointCallback` (saves every few steps, stops on NaN) and
  `StopAtStep` (ends `fit()` at exactly `train_steps`).
- `signals`: `StopOnSignal` turns SIGINT and SIGTERM into a clean stop with a
  checkpoint of the step reached (`TrainingInterrupted`).

Example:
    gan.compile(...)                                  # inside strategy.scope()
    run = resume(gan, checkpoint_dir, dataset, train_steps=10000, steps_per_epoch=1000,
                 checkpoint_every_steps=500)
    gan.fit(run.dataset, callbacks=run.callbacks, **run.fit_kwargs())
    run.check_finite()
"""

from keras_wgan.checkpointing.callbacks import CheckpointCallback, StopAtStep
from keras_wgan.checkpointing.checkpoints import (
    CHECKPOINT_NAME,
    INDEX_NAME,
    all_finite,
    complete_checkpoints,
    generator_step,
    restore_latest,
    training_checkpoint,
)
from keras_wgan.checkpointing.resume import FitPlan, Resumed, fit_plan, resume
from keras_wgan.checkpointing.signals import StopOnSignal, TrainingInterrupted

# Loading a .keras file lives in keras_wgan.saving; kept here for the callers that use it.
from keras_wgan.saving import load_keras_model

__all__ = [
    "CHECKPOINT_NAME",
    "INDEX_NAME",
    "CheckpointCallback",
    "FitPlan",
    "Resumed",
    "StopAtStep",
    "StopOnSignal",
    "TrainingInterrupted",
    "all_finite",
    "complete_checkpoints",
    "fit_plan",
    "generator_step",
    "load_keras_model",
    "restore_latest",
    "resume",
    "training_checkpoint",
]
