"""Exact resumption: restore the newest checkpoint, plan the `fit()` that finishes the run.

    gan.compile(...)                                  # inside strategy.scope()
    run = resume(gan, checkpoint_dir, dataset, train_steps=10000, steps_per_epoch=1000,
                 checkpoint_every_steps=500)          # logs "resuming from..."
    gan.fit(run.dataset, callbacks=run.callbacks, **run.fit_kwargs())
    run.check_finite()                                # FloatingPointError after a NaN

A run killed at any moment resumes from its newest complete checkpoint and
ends exactly where an uninterrupted run would have ended: the step counter,
the optimizers and the random streams are restored, and the data is skipped
by the batches the restored run consumed.
"""

import dataclasses
import math

import numpy as np
from absl import logging

from keras_wgan import distribute, optimizers, validation
from keras_wgan.checkpointing.callbacks import CheckpointCallback, StopAtStep
from keras_wgan.checkpointing.checkpoints import restore_latest

__all__ = ["FitPlan", "Resumed", "fit_plan", "resume"]


@dataclasses.dataclass(frozen=True)
class FitPlan:
    """How to call `fit()` to finish a run of `train_steps` generator steps.

    Attributes:
        train_steps: the generator steps the whole run makes.
        completed_steps: those already made (restored from a checkpoint).
        steps_per_epoch: `fit()`'s steps per epoch.
        initial_epoch: the epoch `fit()` starts counting from.
        epochs: the epoch `fit()` stops before; with `StopAtStep`, training
            stops at exactly `train_steps` even inside an epoch.
    """

    train_steps: int
    completed_steps: int
    steps_per_epoch: int
    initial_epoch: int
    epochs: int

    @property
    def remaining_steps(self):
        return self.train_steps - self.completed_steps

    def fit_kwargs(self):
        """`initial_epoch`, `epochs` and `steps_per_epoch` for `fit()`."""
        return {
            "initial_epoch": self.initial_epoch,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
        }


def fit_plan(train_steps, steps_per_epoch, completed_steps=None):
    """Plans the `fit()` call that takes a run from `completed_steps` to `train_steps`.

    Epochs are counted from the completed steps (`initial_epoch =
    completed_steps // steps_per_epoch`), so epoch numbers in logs go on
    from where the interrupted run was; the epoch that was interrupted is
    run whole again from the restored step, and `StopAtStep(train_steps)`
    ends training at exactly `train_steps`. When nothing remains,
    `initial_epoch == epochs` and `fit()` returns at once.

    Args:
        train_steps: generator steps of the whole run, >= 1.
        steps_per_epoch: steps per `fit()` epoch, >= 1.
        completed_steps: generator steps already made (None: 0).

    Returns:
        A `FitPlan`.
    """
    completed = int(completed_steps or 0)
    validation.integer("train_steps", train_steps, minimum=1)
    validation.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    if completed < 0:
        raise ValueError(f"completed_steps must be >= 0, received {completed_steps!r}")
    initial_epoch = completed // steps_per_epoch
    remaining = max(train_steps - completed, 0)
    epochs = initial_epoch + math.ceil(remaining / steps_per_epoch)
    if completed > train_steps:
        logging.warning(
            "keras_wgan: the checkpoint is at generator step %d, past train_steps=%d",
            completed,
            train_steps,
        )
    return FitPlan(
        train_steps=train_steps,
        completed_steps=min(completed, train_steps),
        steps_per_epoch=steps_per_epoch,
        initial_epoch=initial_epoch,
        epochs=epochs,
    )


@dataclasses.dataclass
class Resumed:
    """A run positioned at its newest checkpoint, ready for `fit()` (see `resume`).

    Attributes:
        step: the generator step restored (0: a new run).
        plan: the `FitPlan` from `step` to `train_steps`.
        dataset: the data for `fit()`: positioned after the batches the
            restored run consumed and prepared for the model's strategy.
        saver: the `CheckpointCallback`.
        callbacks: the callbacks `fit()` needs: the saver and `StopAtStep`.
    """

    step: int
    plan: FitPlan
    dataset: object
    saver: "CheckpointCallback"
    callbacks: list

    def fit_kwargs(self):
        """`initial_epoch`, `epochs` and `steps_per_epoch` for `fit()`."""
        return self.plan.fit_kwargs()

    def check_finite(self):
        """After `fit()`: raises FloatingPointError if a loss or weight became non-finite."""
        saver = self.saver
        if saver.nonfinite_step is None:
            return
        kept = (
            f"the last good checkpoint (step {saver.last_saved_step}) is in {saver.directory}"
            if saver.last_saved_step is not None
            else "no checkpoint was written yet"
        )
        raise FloatingPointError(
            f"a loss or weight became NaN or infinite at generator step {saver.nonfinite_step}: "
            f"training stopped; {kept}; nothing was exported"
        )


def resume(
    model,
    directory,
    data,
    *,
    train_steps,
    steps_per_epoch,
    checkpoint_every_steps=None,
    keep_checkpoints=3,
):
    """Restores the newest checkpoint of `directory` and prepares `fit()` to finish the run.

    The one resume sequence: `restore_latest`, `fit_plan`, the data skipped
    by the batches the restored run consumed (so that finite data continues
    in the order of an uninterrupted run), `distribute.distribute_dataset`
    for the model's strategy, and a `CheckpointCallback` with `StopAtStep`.
    After `fit()`, call `check_finite()` on the result.

    Args:
        model: a compiled `WassersteinGAN` (inside its strategy's scope).
        directory: the checkpoint directory.
        data: the batches for `fit()`, a `tf.data.Dataset` (skipped by the
            batches consumed), or a callable `data(step, consumed)` that
            returns them for a run restored at generator step `step` after
            `consumed` batches (0 and 0 for a new run), e.g. endless data
            drawn afresh.
        train_steps: the generator steps of the whole run.
        steps_per_epoch: `fit()`'s steps per epoch.
        checkpoint_every_steps: see `CheckpointCallback`.
        keep_checkpoints: how many checkpoints to keep.

    Returns:
        A `Resumed`.
    """
    step = restore_latest(model, directory) or 0
    plan = fit_plan(train_steps, steps_per_epoch, step)
    if step:
        _log_learning_rates(model, step)
    # Every fit() step consumes one batch and makes critic_steps critic updates
    # (more fit() steps than generator updates with the original WGAN's bursts).
    consumed = (
        int(np.asarray(distribute.variable_value(model.critic_optimizer.iterations)))
        // model.critic_steps
        if step
        else 0
    )
    if callable(data):
        dataset = data(step, consumed)
    else:
        dataset = data.skip(consumed) if consumed else data
    dataset = distribute.distribute_dataset(
        dataset,
        model.distribute_strategy,
        critic_steps=model.critic_steps if model.fresh_real_batches else 1,
    )
    saver = CheckpointCallback(directory, checkpoint_every_steps, keep_checkpoints)
    return Resumed(step, plan, dataset, saver, [saver, StopAtStep(train_steps)])


def _log_learning_rates(model, step):
    """Says where linearly decaying learning rates resume: they follow this run's settings."""
    for name in ("critic_optimizer", "generator_optimizer"):
        optimizer = getattr(model, name)
        schedule = optimizers.linear_decay_of(optimizer)
        if schedule is not None:
            logging.info(
                "keras_wgan: %s learning rate at generator step %d: %g, decaying "
                "linearly to 0 at step %d as in an uninterrupted run of these settings",
                name.split("_")[0],
                step,
                float(optimizer.learning_rate),
                schedule.decay_steps,
            )
