"""Fault tolerance: step checkpoints, exact resumption, a guard against NaN.

A WGAN run is long and cheap machines get pre-empted. Training that is killed
at any moment must resume from its newest complete checkpoint and end exactly
where an uninterrupted run would have ended. Keras 3.15's
`keras.callbacks.BackupAndRestore` is not enough here (measured): it resumes
only at epoch boundaries and builds only `model.optimizer`, not the two
optimizers of a GAN, so their Adam moments would silently restart from zero.

The pieces, combined by `resume` (the one resume sequence: restore, plan,
skip, distribute, callbacks, then the non-finite check):

    gan.compile(...)                                  # inside strategy.scope()
    run = resume(gan, checkpoint_dir, dataset, train_steps=10000, steps_per_epoch=1000,
                 checkpoint_every_steps=500)          # logs "resuming from..."
    gan.fit(run.dataset, callbacks=run.callbacks, **run.fit_kwargs())
    run.check_finite()                                # FloatingPointError after a NaN

What a checkpoint holds (`training_checkpoint`): the generator, the critic,
both optimizers with all their slots (Adam's moments) and iteration counters,
and the model's seed. The generator optimizer's `iterations` is the step
counter (generator updates made); the critic's is `critic_steps` times it.
The random state needs nothing more: latent noise and interpolation
coefficients are stateless functions of (seed, purpose, optimizer iteration,
replica), so a resumed run draws exactly the numbers the uninterrupted run
would have drawn. The data order is the script's: a deterministic pipeline
skipped by the completed steps (or keyed to the step) gives the same batches.

Checkpoints are written by `tf.train.CheckpointManager`: the data files are
written first (to a temporary name, then renamed), and only then is the
`checkpoint` index file rewritten, atomically, to name the new checkpoint; a
write killed half-way is never named there, so it is never restored.
`restore_latest` reads that index, newest first, and falls back to an older
checkpoint if the newest cannot be read. When the index itself is missing or
unreadable (only the `ckpt-*` files were copied, a disk error), it finds the
checkpoints by their files and rewrites the index. No checkpoint file is ever
deleted except by `CheckpointManager` keeping the newest `max_to_keep` of the
checkpoints its index names: files the index does not name may belong to
another run, so they are left alone (a later save of the same step replaces
them).

Stopping by hand or by a scheduler: `StopOnSignal` turns SIGINT and SIGTERM
into a clean end of `fit()` after the current step, with a checkpoint of that
step, so the run resumes exactly where it stopped (`TrainingInterrupted`).
"""

import dataclasses
import math
import os
import re
import signal
import threading
import zipfile

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from keras_wgan import distribute, validation

__all__ = [
    "CheckpointCallback",
    "FitPlan",
    "StopAtStep",
    "StopOnSignal",
    "TrainingInterrupted",
    "all_finite",
    "complete_checkpoints",
    "Resumed",
    "fit_plan",
    "generator_step",
    "restore_latest",
    "resume",
    "training_checkpoint",
]

CHECKPOINT_NAME = "ckpt"
INDEX_NAME = "checkpoint"  # the index file of tf.train.CheckpointManager


def training_checkpoint(model):
    """The `tf.train.Checkpoint` of everything a WGAN's training needs.

    Args:
        model: a compiled `WassersteinGAN` (its optimizers exist and are built).

    Returns:
        A `tf.train.Checkpoint` tracking the generator, the critic, both
        optimizers (slots and `iterations`) and the seed, and the EMA
        generator of a model with `ema_decay`.
    """
    _ensure_optimizers_built(model)
    ema_generator = getattr(model, "ema_generator", None)
    return tf.train.Checkpoint(
        generator=model.generator,
        critic=model.critic,
        critic_optimizer=model.critic_optimizer,
        generator_optimizer=model.generator_optimizer,
        seed=tf.Variable(model.seed, dtype=tf.int64, trainable=False, name="seed"),
        **({} if ema_generator is None else {"ema_generator": ema_generator}),
    )


def generator_step(model):
    """The number of generator updates made so far (`WassersteinGAN.generator_steps`)."""
    return model.generator_steps


def restore_latest(model, directory):
    """Restores the newest complete checkpoint of `directory` into `model`.

    Call it after `compile()` and before `fit()`. The optimizers are built
    first (inside the model's strategy scope), so that their slots are
    restored rather than created afresh later. The checkpoints named in the
    directory's `checkpoint` index are tried, newest first; one that cannot
    be read is skipped with a warning. When the index is missing, unreadable
    or names no checkpoint that exists (e.g. only the `ckpt-*` files were
    copied), the checkpoints are found by their files instead (`ckpt-N.index`
    with all its data shards), newest first, and the chief rewrites the index
    to name the restored one and the older ones; an unreadable index is kept
    beside it as `checkpoint.unreadable`. No checkpoint file is ever deleted.

    Under a multi-worker strategy every worker calls it with the chief's
    directory, which must be on storage every worker sees; the workers then
    check that they restored the same step.

    Args:
        model: a compiled `WassersteinGAN`.
        directory: the checkpoint directory of `CheckpointCallback`.

    Returns:
        The restored generator step, or None when there is no checkpoint.

    Raises:
        ValueError: when the model is not compiled.
        RuntimeError: when checkpoints exist but none can be restored, or
            workers restored different steps.
    """
    directory = os.fspath(directory)
    checkpoint = training_checkpoint(model)
    chief = distribute.is_chief(model.distribute_strategy)
    state, problem = _read_index(directory)
    if problem is not None and problem != "missing" and chief:
        _set_aside(directory, problem)
    paths = list(reversed(state.all_model_checkpoint_paths)) if state else []
    if paths and not any(tf.io.gfile.exists(f"{path}.index") for path in paths):
        problem, paths = "naming no checkpoint file that exists", []
    found = []
    if not paths:
        found = complete_checkpoints(directory)
        paths = list(reversed(found))
        if found:
            logging.warning("keras_wgan: the checkpoint index of %s is %s: looking for "
                            "checkpoints by their files (found %s)", directory, problem,
                            ", ".join(os.path.basename(path) for path in found))
    restored, step, errors = None, None, []
    for path in paths:
        # get_checkpoint_state already joins relative index entries to `directory`.
        try:
            checkpoint.restore(path).assert_existing_objects_matched()
        except Exception as error:  # noqa: BLE001 - a damaged file raises IndexError, OpError...
            errors.append(f"{path}: {type(error).__name__}: {_first_line(error)}")
            logging.warning("keras_wgan: cannot restore checkpoint %s (%s); trying an older one",
                            path, errors[-1])
            continue
        restored, step = path, model.generator_steps
        break
    if paths and restored is None:
        raise RuntimeError(f"no checkpoint of {directory} could be restored:\n" +
                           "\n".join(errors))
    _check_workers_agree(model, step)
    if restored is None:
        logging.info("keras_wgan: no checkpoint in %s: training from step 0", directory)
        return None
    if found and chief:
        _write_index(directory, found[:found.index(restored) + 1])
    seed = int(checkpoint.seed.numpy())
    if seed != model.seed:
        logging.info("keras_wgan: using the checkpoint's seed %d instead of %d, so that the "
                     "noise continues the interrupted run's", seed, model.seed)
        model.seed = seed
        model.train_function = None  # retrace with the restored seed
    logging.info("keras_wgan: resuming from checkpoint %s at generator step %d", restored, step)
    return step


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
        return {"initial_epoch": self.initial_epoch, "epochs": self.epochs,
                "steps_per_epoch": self.steps_per_epoch}


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
        logging.warning("keras_wgan: the checkpoint is at generator step %d, past train_steps=%d",
                        completed, train_steps)
    return FitPlan(train_steps=train_steps, completed_steps=min(completed, train_steps),
                   steps_per_epoch=steps_per_epoch, initial_epoch=initial_epoch, epochs=epochs)


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
        kept = (f"the last good checkpoint (step {saver.last_saved_step}) is in "
                f"{saver.directory}" if saver.last_saved_step is not None
                else "no checkpoint was written yet")
        raise FloatingPointError(
            f"a loss or weight became NaN or infinite at generator step {saver.nonfinite_step}: "
            f"training stopped; {kept}; nothing was exported")


def resume(model, directory, data, *, train_steps, steps_per_epoch, checkpoint_every_steps=None,
           keep_checkpoints=3):
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
    # Every fit() step consumes one batch and makes critic_steps critic updates
    # (more fit() steps than generator updates with the original WGAN's bursts).
    consumed = (int(np.asarray(distribute.variable_value(model.critic_optimizer.iterations)))
                // model.critic_steps if step else 0)
    if callable(data):
        dataset = data(step, consumed)
    else:
        dataset = data.skip(consumed) if consumed else data
    dataset = distribute.distribute_dataset(
        dataset, model.distribute_strategy,
        critic_steps=model.critic_steps if model.fresh_real_batches else 1)
    saver = CheckpointCallback(directory, checkpoint_every_steps, keep_checkpoints)
    return Resumed(step, plan, dataset, saver, [saver, StopAtStep(train_steps)])


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
                logging.warning("keras_wgan: stopped at generator step %d, past train_steps=%d "
                                "(steps_per_execution does not divide it)", step,
                                self.train_steps)
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

    def __init__(self, directory, checkpoint_every_steps=None, max_to_keep=3,
                 save_at_epoch_end=True):
        super().__init__()
        validation.integer("checkpoint_every_steps", checkpoint_every_steps, minimum=1,
                           optional=True)
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
            _, problem = _read_index(self.directory)
            if problem is not None and problem != "missing":
                _set_aside(self.directory, problem)
        else:
            _, index = distribute.task_id(strategy)
            self._write_dir = os.path.join(self.directory, f"workertemp_{index}")
        self._manager = tf.train.CheckpointManager(
            training_checkpoint(self.model), self._write_dir,
            max_to_keep=self.max_to_keep if chief else 1, checkpoint_name=CHECKPOINT_NAME)
        # Training starts at the restored step, i.e. at the newest checkpoint (or at 0):
        # nothing new to save there. Kept alike on all workers so that they save together.
        self._last_step = self._saved_step = self.model.generator_steps
        state, _ = _read_index(self.directory)
        latest = state.model_checkpoint_path if state else None
        self.last_saved_step = _step_of(latest) if latest else None

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
        bad = _nonfinite_variables(self._manager.checkpoint)
        if bad:
            self._stop(step, "weights", ", ".join(bad))
            return
        path = self._manager.save(checkpoint_number=step)
        self._saved_step = step
        if self._write_dir != self.directory:
            tf.io.gfile.rmtree(self._write_dir)  # non-chief: only the chief's copy is kept
        else:
            self.last_saved_step = step
            logging.info("keras_wgan: saved checkpoint %s", path)

    def _stop(self, step, what, details):
        self.nonfinite_step = step
        self.model.stop_training = True
        kept = (f"the newest checkpoint, step {self.last_saved_step} in {self.directory}, holds "
                "the last finite weights" if self.last_saved_step is not None
                else "no checkpoint was saved")
        logging.error("keras_wgan: non-finite %s at generator step %d (%s): training stopped; "
                      "%s. The weights in memory are not finite: do not export them.",
                      what, step, details, kept)


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
        super().__init__(f"training interrupted by {self.signal_name} at generator step {step}: "
                         f"{saved}; run the same command again to resume")


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
        if self.received is not None:  # the second signal: stop at once, as before
            previous = self._previous.get(number)
            self._restore()
            if callable(previous):
                previous(number, frame)
            else:
                signal.raise_signal(number)
            return
        self.received = number
        logging.warning("keras_wgan: %s received: stopping after this step, saving a checkpoint "
                        "(send it again to stop at once)", signal.Signals(number).name)

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True


def all_finite(model):
    """Whether every weight of the generator and the critic is finite."""
    return not _nonfinite_variables(model.generator.weights + model.critic.weights)


def complete_checkpoints(directory):
    """The checkpoints of `directory` found by their files, oldest first.

    A checkpoint counts when its `ckpt-N.index` and every data shard
    (`ckpt-N.data-K-of-M`) exist, whether or not the `checkpoint` index names
    it. A save killed half-way can leave a truncated `.index`; restoring it
    fails and `restore_latest` then tries the next older one.

    Args:
        directory: a checkpoint directory (it need not exist).

    Returns:
        The checkpoints' path prefixes (`<directory>/ckpt-N`), by step.
    """
    if not tf.io.gfile.isdir(directory):
        return []
    index_pattern = re.compile(rf"^{re.escape(CHECKPOINT_NAME)}-(\d+)\.index$")
    shard_pattern = re.compile(r"\.data-(\d+)-of-(\d+)$")
    complete = []
    for name in tf.io.gfile.listdir(directory):
        match = index_pattern.match(name.rstrip("/"))
        if not match:
            continue
        prefix = os.path.join(directory, name.rstrip("/")[:-len(".index")])
        shards = [shard_pattern.search(path) for path in tf.io.gfile.glob(f"{prefix}.data-*")]
        shards = [(int(m.group(1)), int(m.group(2))) for m in shards if m]
        totals = {total for _, total in shards}
        if len(totals) == 1 and {i for i, _ in shards} == set(range(totals.pop())):
            complete.append(prefix)
    return sorted(complete, key=_step_of)


# ---------------------------------------------------------------- private
def _ensure_optimizers_built(model):
    if getattr(model, "critic_optimizer", None) is None or model.generator_optimizer is None:
        raise ValueError("compile() the WassersteinGAN (inside the strategy scope) before "
                         "checkpointing or restoring it: its optimizers do not exist yet")
    with model.distribute_strategy.scope():  # unbuilt optimizers: build where compile() would
        if not model.critic_optimizer.built:
            model.critic_optimizer.build(model.critic.trainable_variables)
        if not model.generator_optimizer.built:
            model.generator_optimizer.build(model.generator.trainable_variables)


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


def _nonfinite_variables(objects):
    """Names of float variables (of a checkpoint or a list) that hold NaN or inf."""
    if isinstance(objects, tf.train.Checkpoint):
        variables = []
        for child in ("generator", "critic", "critic_optimizer", "generator_optimizer"):
            variables.extend(getattr(objects, child).variables)
    else:
        variables = objects
    bad = []
    for variable in variables:
        if not tf.as_dtype(variable.dtype).is_floating:
            continue
        value = distribute.variable_value(variable)
        if not np.all(np.isfinite(np.asarray(value, dtype=np.float64))):
            bad.append(variable.path if hasattr(variable, "path") else variable.name)
    return bad


def _step_of(path):
    return int(os.path.basename(path).rsplit("-", 1)[1])


def _read_index(directory):
    """(state, problem): the `checkpoint` index's `CheckpointState`, or None and why not.

    `tf.train.get_checkpoint_state` raises on an empty index (ValueError) or a
    binary one (UnicodeDecodeError) and returns None for one it cannot parse:
    all of these are an "unreadable" index here.
    """
    if not tf.io.gfile.isdir(directory):
        return None, "missing"
    if not tf.io.gfile.exists(os.path.join(directory, INDEX_NAME)):
        return None, "missing"
    try:
        state = tf.train.get_checkpoint_state(directory)
    except Exception as error:  # noqa: BLE001 - ValueError, UnicodeDecodeError, OpError...
        return None, f"unreadable ({type(error).__name__}: {_first_line(error)})"
    if state is None:
        return None, "unreadable"
    return state, None


def _set_aside(directory, problem):
    """Renames an unreadable index to `checkpoint.unreadable` (CheckpointManager chokes on it)."""
    path = os.path.join(directory, INDEX_NAME)
    logging.warning("keras_wgan: the checkpoint index %s is %s: kept as %s.unreadable", path,
                    problem, path)
    tf.io.gfile.rename(path, f"{path}.unreadable", overwrite=True)


def _write_index(directory, prefixes):
    """Writes the `checkpoint` index naming `prefixes` (oldest first), atomically.

    The entries are relative, as `CheckpointManager` writes them, with the
    files' times as timestamps, so that the manager goes on keeping the
    newest `max_to_keep` of them.
    """
    times = [tf.io.gfile.stat(f"{prefix}.index").mtime_nsec / 1e9 for prefix in prefixes]
    lines = [f'model_checkpoint_path: "{os.path.basename(prefixes[-1])}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in prefixes]
    lines += [f"all_model_checkpoint_timestamps: {time!r}" for time in times]
    lines.append(f"last_preserved_timestamp: {min(times) - 1.0!r}")
    path = os.path.join(directory, INDEX_NAME)
    temporary = f"{path}.tmp-{os.getpid()}"
    with tf.io.gfile.GFile(temporary, "w") as file:
        file.write("\n".join(lines) + "\n")
    tf.io.gfile.rename(temporary, path, overwrite=True)
    logging.info("keras_wgan: rewrote the checkpoint index %s naming %s", path,
                 ", ".join(os.path.basename(p) for p in prefixes))


def _check_workers_agree(model, step):
    """Under multi-worker training, raises unless every worker restored `step`."""
    strategy = model.distribute_strategy
    if distribute.task_id(strategy)[0] is None:
        return
    local = tf.constant([-1 if step is None else step], tf.int64)

    @tf.function(autograph=False)
    def gather_steps():
        return strategy.gather(strategy.run(tf.identity, args=(local,)), axis=0)

    steps = gather_steps()
    steps = sorted(set(int(s) for s in np.asarray(steps)))
    if len(steps) > 1:
        raise RuntimeError(
            f"the workers restored different generator steps {steps} (-1: none): the checkpoint "
            "directory must be one directory every worker reads (a shared file system or "
            "bucket)")


def load_keras_model(path, name="checkpoint"):
    """Loads a `WassersteinGAN` from a `.keras` file, in Keras's safe mode.

    Safe mode refuses code inside the file (a Lambda layer, a serialized
    lambda), so loading a `.keras` file runs nothing of its own. A damaged or
    foreign file is reported as what it is, not as Keras's "File not found".

    Args:
        path: the `.keras` file.
        name: the argument's name for the messages.

    Returns:
        The `WassersteinGAN`.

    Raises:
        ValueError: naming `name` and the file, for a file that is not a
            readable `.keras` file of a WassersteinGAN.
        OSError: for a file that cannot be read at all.
    """
    from keras_wgan.model import WassersteinGAN  # registers the class for loading

    path = os.fspath(path)
    expected = "expected a .keras file saved by WassersteinGAN.save()"
    if not os.path.isfile(path):
        raise ValueError(f"{name} {path!r} does not exist; {expected}")
    with open(path, "rb") as file:
        if not zipfile.is_zipfile(file):
            raise ValueError(f"{name} {path!r} is not a valid .keras file: not a zip archive "
                             f"(corrupt or truncated?); {expected}")
    try:
        model = keras.saving.load_model(path)  # safe_mode=True is the default
    except (zipfile.BadZipFile, KeyError, EOFError) as error:  # a damaged archive
        raise ValueError(f"{name} {path!r} is not a valid .keras file "
                         f"({_first_line(error)}); {expected}") from error
    except Exception as error:  # e.g. refused by safe_mode, an unknown class
        raise ValueError(f"{name} {path!r} cannot be loaded: {_first_line(error)}; "
                         f"{expected}") from error
    if not isinstance(model, WassersteinGAN):
        raise ValueError(f"{name} {path!r} holds a {type(model).__name__}, not a "
                         f"WassersteinGAN; {expected}")
    return model


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
