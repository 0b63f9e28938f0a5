"""Train a Wasserstein GAN end to end: data, networks, model, fit, export.

`train()` is what the command-line script `train_main.py` runs: its keyword
arguments are the fields of `keras_wgan.settings.TrainSettings`, from which the
script's flags are generated, so an experiment that runs from the shell runs
from Python too. Settings left as None take the dataset's recipe
(`keras_wgan.recipes`), so that `train()` with no arguments trains the default
2-D problem well. Where a run writes, its locks and the check that a resumed
checkpoint is of the same model are `keras_wgan.runs`'s.

Example:
>>> from keras_wgan import training
>>> result = training.train("8gaussians", train_steps=20, units=32,
...                         output_dir="/tmp/wgan_run", export_dir=None, verbose=0)
>>> result.generator_steps
20
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import signal
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import keras

from keras_wgan import (
    architectures,
    augment,
    callbacks,
    checkpointing,
    data,
    distribute,
    ema,
    penalties,
    recipes,
    run_directory,
    run_options,
    runs,
    saving,
)
from keras_wgan import settings as settings_lib
from keras_wgan.builder import (
    bfloat16_supported,
    build_gan,
    make_optimizer,
    resolve_mixed_precision,
)
from keras_wgan.checkpointing import TrainingInterrupted
from keras_wgan.model import WassersteinGAN
from keras_wgan.run_directory import RunDirectoryLocked

if TYPE_CHECKING:
    from keras_wgan.export.exporter import ExportResult

__all__ = [
    "MIXED_PRECISION",
    "RunDirectoryLocked",
    "TrainResult",
    "TrainSettings",
    "TrainingInterrupted",
    "bfloat16_supported",
    "build_gan",
    "make_optimizer",
    "resolve_mixed_precision",
    "train",
]

_log = logging.getLogger("keras_wgan")

TrainSettings = settings_lib.TrainSettings
# The precision settings train() accepts; "auto" resolves to one of the others.
MIXED_PRECISION = settings_lib.MIXED_PRECISION


@dataclasses.dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        model: the trained `WassersteinGAN`.
        info: the `keras_wgan.data.DataInfo` of the training data.
        history: the metrics per epoch (`keras.callbacks.History.history`).
        generator_steps: generator updates made in all (with resumed ones).
        initial_step: the generator step training resumed from (0: a new run).
        output_dir: where checkpoints, pictures and logs went.
        export: what the export wrote (None without `export_dir`).
        settings: every setting the run used, recipe defaults filled in.
    """

    model: WassersteinGAN
    info: data.DataInfo
    history: dict[str, list[float]]
    generator_steps: int
    initial_step: int
    output_dir: str
    export: ExportResult | None
    settings: dict[str, Any]


def train(
    # TrainSettings is made from the declarations at import: to a type checker, Any.
    settings: TrainSettings | str | None = None,  # type: ignore[valid-type]
    /,
    *,
    callbacks: keras.callbacks.Callback | Iterable[keras.callbacks.Callback] = (),
    **overrides: Any,
) -> TrainResult:
    """Trains a WGAN on a dataset and exports its generator; resumes if interrupted.

    Checkpoints (generator, critic, both optimizers) are written every
    `checkpoint_every_steps` generator steps and at every epoch end; run the
    same call again after a crash and it resumes from the newest complete
    one, finishing at exactly `train_steps`. A non-finite loss stops the run
    with the step named, keeps the last good checkpoint and exports nothing.
    SIGINT (Ctrl-C) or SIGTERM (a scheduler, a pre-empted machine) stops it
    after the current step with a checkpoint of that step and `model.keras`
    written, raising `TrainingInterrupted`; the same call then resumes there.

    The run's directories: `output_dir` and `checkpoint_dir` are checked
    before anything is built, and locked for the whole run (a second run on
    either fails with `RunDirectoryLocked`). The settings that define the
    model and its data are recorded in `<checkpoint_dir>/run_settings.json`;
    resuming with other values of them is refused (see `runs.model_settings` for
    which settings may change on resume).

    Args:
        settings: a `keras_wgan.settings.TrainSettings`, or the dataset
            (`train("mnist")` is `train(dataset="mnist")`); None: the defaults.
        callbacks: more `keras.callbacks.Callback`s for the `fit()` call,
            after the package's own (checkpoints, pictures, Monitor,
            TensorBoard), so they see the logs those add. A callback that
            sets `model.stop_training` ends training early; the step reached
            is checkpointed and exported as at the end of a run. On a
            multi-worker run every worker gets them.
        **overrides: settings by name, the fields of `TrainSettings` (listed
            below, generated from their declarations). None takes the
            dataset's recipe (`keras_wgan.recipes`).

    Returns:
        A `TrainResult`.

    Raises:
        TypeError: for a keyword that is no setting.
        ValueError: for a bad setting, naming it (all are checked before the
            data is opened, those of the export included); an unusable
            output_dir or checkpoint_dir; a resume with other model settings.
        RunDirectoryLocked: (a ValueError) when another run uses the directories.
        FileNotFoundError: for a missing dataset file or folder
            (message "dataset=<dataset>: ...").
        FloatingPointError: when a loss or weight became NaN or infinite.
        TrainingInterrupted: when SIGINT or SIGTERM stopped training.
    """
    # Every setting is checked before anything starts: a typo fails in a second.
    s = settings_lib.make(settings, overrides, caller="train()")
    extra_callbacks = _checked_callbacks(callbacks)
    # The model checks these too; here they fail before the data is opened.
    augment.check_target(s.augment_target, s.augment)
    ema.check_warmup(s.ema_warmup, s.ema_decay)
    # The strategy may split the CPU into logical devices, which must happen
    # before TensorFlow creates anything (opening the data included).
    strategy = distribute.make_strategy(s.strategy, tpu=s.tpu, cpu_devices=s.cpu_devices)
    run = runs.run_directories(s, strategy)
    with contextlib.ExitStack() as locks:  # releases the directories' locks, however it ends
        batches, info, s = _open_data(s)
        method = _lipschitz_method(s)
        s = _resolved(s, run, info, method)
        model_settings = runs.lock_and_check_resume(locks, s, run, info, method)
        gan = _model(s, info, strategy, method)
        resumed = _resume(gan, s, run, batches, info, model_settings)
        history = _fit(gan, s, run, info, resumed, strategy, extra_callbacks)
        export = _export(gan, s, run, info)
    return TrainResult(
        gan,
        info,
        history.history,
        gan.generator_steps,
        resumed.step,
        run.output_dir,
        export,
        dataclasses.asdict(s),
    )


train.__doc__ = (train.__doc__ or "").replace(
    "\n\n    Returns:", "\n" + settings_lib.describe(indent=12) + "\n    Returns:", 1
)


def _open_data(s):
    """(batches, info, settings with the recipe, train_steps and steps_per_epoch filled in).

    The data is opened once. One case needs a first look: a dataset without a
    recipe of its own (a path...) gets the recipe of what its samples are,
    points or images, which only opening it tells, and the pipeline's batch
    is the recipe's unless batch_size and critic_steps are given.
    """
    keras.utils.set_random_seed(s.seed)
    kind = recipes.kind_of(s.dataset)
    if kind is None and None in (s.batch_size, s.critic_steps):
        kind = _load(s, batch_size=1, labels=False)[1].kind
    if kind is not None:
        s = _with_recipe(s, kind)
    fit_batch = _fit_batch(s)
    batches, info = _load(s, batch_size=fit_batch, labels=s.conditional)
    if kind is None:  # batch_size and critic_steps were given: the recipe cannot change them
        s = _with_recipe(s, info.kind)
    if info.num_examples is not None and info.num_examples < fit_batch:
        raise ValueError(
            f"dataset {info.name!r} has {info.num_examples} examples, fewer than "
            f"one training step's batch_size * critic_steps = {fit_batch}"
        )
    steps_per_epoch, train_steps = _schedule(s, info, fit_batch)
    return (
        batches,
        info,
        dataclasses.replace(s, steps_per_epoch=steps_per_epoch, train_steps=train_steps),
    )


def _load(s, batch_size, labels):
    """`data.load` of the run's dataset, its errors naming the setting at fault."""
    try:
        return data.load(
            s.dataset,
            batch_size=batch_size,
            data_dir=s.data_dir,
            image_size=s.image_size,
            seed=s.seed,
            labels=labels,
            background=s.background,
        )
    except (FileNotFoundError, NotADirectoryError) as error:
        # Named here: the command line tells a missing dataset from other missing paths.
        raise type(error)(f"dataset={s.dataset}: {error}") from error
    except data.NoLabelsError as error:
        raise ValueError(f"conditional=True needs labelled data: {error}") from None


def _with_recipe(s, kind):
    """The settings with what was left None taken from the dataset's recipe."""
    recipe = recipes.recipe(s.dataset, kind=kind, architecture=s.architecture, penalty=s.penalty)
    recipe.pop("tuned")
    if s.architecture is not None and s.architecture != recipe.get("architecture"):
        # The recipe's network sizes are for its own architecture.
        for name in ("latent_dim", *(option.name for option in architectures.setting_options())):
            recipe.pop(name, None)
    return dataclasses.replace(
        s, **{name: value for name, value in recipe.items() if getattr(s, name) is None}
    )


def _lipschitz_method(s):
    """The run's Lipschitz method, resolved once from `penalty` and the methods' settings.

    A method named by a string takes its options from the settings; a method
    object (or config, or function) carries its own, so the settings left at
    their defaults are not passed with it (a changed one is an error).
    """
    given = {option.name: getattr(s, option.name) for option in penalties.setting_options()}
    if not isinstance(s.penalty, str):
        given = {
            option.name: None if given[option.name] == option.default else given[option.name]
            for option in penalties.setting_options()
        }
    return penalties.from_model_options(s.penalty, **given)


def _resolved(s, run, info, method):
    """The settings with the architecture, the method's weight, the names and precision resolved."""
    if s.penalty_weight is None and isinstance(s.penalty, str):
        # Another penalty than the recipe's: its own default (e.g. WGAN-div's k = 2), recorded.
        s = dataclasses.replace(s, penalty_weight=method.weight)
    return dataclasses.replace(
        s,
        architecture=s.architecture or architectures.default_architecture(info.sample_shape),
        model_name=s.model_name or runs.default_model_name(s.dataset),
        output_dir=run.output_dir,
        mixed_precision=resolve_mixed_precision(s.mixed_precision, method),
    )


def _fit_batch(s):
    """The samples of one fit() batch: one real batch per critic update, or one for all."""
    return s.batch_size * (s.critic_steps if s.fresh_real_batches else 1)


def _model(s, info, strategy, method):
    """The compiled `WassersteinGAN` with the run's method, built in the strategy's scope."""
    with strategy.scope():
        conditional = {}
        if s.conditional:
            conditional = dict(
                num_classes=info.num_classes,
                critic_conditioning=s.critic_conditioning,
                class_frequencies=info.class_frequencies,
            )
        network_settings = {
            option.name: getattr(s, option.name) for option in architectures.setting_options()
        }
        gan = build_gan(
            info.sample_shape,
            architecture=s.architecture,
            latent_dim=s.latent_dim,
            spectral_norm=s.spectral_norm,
            critic_norm=s.critic_norm,
            mixed_precision=s.mixed_precision,
            **conditional,
            **network_settings,
            penalty=method,
            critic_steps=s.critic_steps,
            drift_weight=s.drift_weight,
            fresh_real_batches=s.fresh_real_batches,
            seed=s.seed,
            ema_decay=s.ema_decay,
            ema_warmup=s.ema_warmup,
            augment=s.augment,
            augment_target=s.augment_target,
        )
        decay = s.lr_decay == "linear"
        optimizer = s.optimizer or method.default_optimizer_name
        gan.compile(
            critic_optimizer=make_optimizer(
                optimizer,
                s.critic_learning_rate,
                s.beta_1,
                s.beta_2,
                s.train_steps if decay else None,
            ),
            generator_optimizer=make_optimizer(
                optimizer,
                s.generator_learning_rate,
                s.beta_1,
                s.beta_2,
                s.train_steps if decay else None,
            ),
            jit_compile=s.jit_compile,
        )
    return gan


def _resume(gan, s, run, batches, info, model_settings):
    """Restores the newest checkpoint and positions the data (`checkpointing.resume`)."""
    if info.num_examples is None:  # endless data: drawn afresh after a restore

        def batches(step, consumed, first=batches):
            return (
                first
                if not step
                else data.load(s.dataset, batch_size=_fit_batch(s), seed=s.seed + step)[0]
            )

    resumed = checkpointing.resume(
        gan,
        run.checkpoint_dir,
        batches,
        train_steps=s.train_steps,
        steps_per_epoch=s.steps_per_epoch,
        checkpoint_every_steps=s.checkpoint_every_steps,
        keep_checkpoints=s.keep_checkpoints,
    )
    if resumed.step and s.lr_decay != "linear":
        # A checkpoint restores the learning-rate variables too: use this run's rates.
        gan.critic_optimizer.learning_rate = s.critic_learning_rate
        gan.generator_optimizer.learning_rate = s.generator_learning_rate
    if run.chief:
        run_directory.write_settings(run.checkpoint_dir, model_settings, dataclasses.asdict(s))
    return resumed


def _checked_callbacks(extra):
    """`train(callbacks=...)` as a list, refused before anything starts unless all are Callbacks."""
    if isinstance(extra, keras.callbacks.Callback):
        extra = [extra]
    try:
        extra = list(extra or [])
    except TypeError:
        raise ValueError(
            f"callbacks must be a list of keras.callbacks.Callback, received {extra!r}"
        ) from None
    for item in extra:
        if not isinstance(item, keras.callbacks.Callback):
            raise ValueError(
                f"callbacks must be a list of keras.callbacks.Callback, received "
                f"an item {item!r} of type {type(item).__name__}"
            )
    return extra


def _fit(gan, s, run, info, resumed, strategy, extra_callbacks=()):
    """Runs fit() with the run's callbacks; raises after a non-finite value or a signal."""
    # SIGINT/SIGTERM end fit() after the current step with a checkpoint of it. Not under
    # multi-worker: one worker stopping alone would leave the others waiting for it.
    one_process = distribute.task_id(strategy)[0] is None
    stop = checkpointing.StopOnSignal((signal.SIGINT, signal.SIGTERM) if one_process else ())
    fit_callbacks = [*resumed.callbacks, stop]
    if run.chief:
        fit_callbacks += _chief_callbacks(s, run, info)
    fit_kwargs = resumed.fit_kwargs()
    if s.original_schedule:
        schedule = callbacks.OriginalCriticSchedule()
        fit_steps = schedule.fit_steps(resumed.plan.completed_steps, s.train_steps, s.critic_steps)
        fit_kwargs["epochs"] = resumed.plan.initial_epoch + math.ceil(fit_steps / s.steps_per_epoch)
        fit_callbacks.append(schedule)
    fit_callbacks += extra_callbacks
    _log.info(
        "training on %s: generator steps %d to %d, epochs %d to %d of %d steps, batch "
        "%d x %d critic steps, %s",
        info.name,
        resumed.plan.completed_steps,
        s.train_steps,
        fit_kwargs["initial_epoch"],
        fit_kwargs["epochs"],
        s.steps_per_epoch,
        s.batch_size,
        s.critic_steps,
        s.mixed_precision,
    )
    with stop:
        history = gan.fit(
            resumed.dataset, callbacks=fit_callbacks, verbose=s.verbose, shuffle=False, **fit_kwargs
        )
    resumed.check_finite()
    if stop.received is not None:
        raise TrainingInterrupted(
            stop.received, gan.generator_steps, run.checkpoint_dir, resumed.saver.last_saved_step
        )
    return history


def _chief_callbacks(s, run, info):
    """What only the chief writes: sample pictures, measurements, TensorBoard logs, model.keras."""
    real = info.sampler(2000, 1) if info.sampler is not None else None
    chief_callbacks = [
        callbacks.SamplePictures(
            os.path.join(run.output_dir, "samples"),
            num_samples=64 if info.kind == "images" else 1000,
            real=real,
            value_range=info.value_range,
            every_epochs=s.sample_every_epochs,
            seed=s.seed,
            class_names=info.class_names if s.conditional else None,
            truncation=s.sample_truncation,
        )
    ]
    # Monitoring: before the sample pictures and the TensorBoard callback, which caption
    # and log what it adds to `logs`.
    if s.monitor_every_epochs:
        # Imported when used: the evaluation package loads its feature networks' code.
        from keras_wgan.evaluation import monitor

        chief_callbacks.insert(
            0,
            monitor.Monitor(
                info,
                every_epochs=s.monitor_every_epochs,
                seed=s.seed,
                log_dir=os.path.join(run.output_dir, "logs", "monitor"),
            ),
        )
    return chief_callbacks + [
        callbacks.TensorBoard(os.path.join(run.output_dir, "logs")),
        callbacks.KerasModelSaver(os.path.join(run.output_dir, saving.RUN_MODEL_FILE)),
    ]


def _export(gan, s, run, info):
    """Exports the generator (`keras_wgan.export`); None without export_dir or off the chief."""
    if not (s.export_dir and run.chief):
        return None
    # Imported when used: a run without export_dir needs none of the export's dependencies.
    from keras_wgan import export as export_lib

    metadata = {
        "dataset": s.dataset,
        "architecture": s.architecture,
        "value_range": info.value_range,
    }
    if s.conditional and info.class_names:
        metadata["class_names"] = list(info.class_names)
    try:
        return export_lib.export_generator(
            gan,
            s.export_dir,
            model_name=s.model_name,
            tflite_quantization=s.tflite_quantization,
            metadata=metadata,
        )
    except run_directory.NoSpaceLeft as error:
        raise run_directory.NoSpaceLeft(
            f"{error} (training finished: python -m keras_wgan.export "
            f"--checkpoint={run.output_dir} exports its model.keras)",
            error.directory,
        ) from error


def _schedule(s, info, fit_batch):
    """(steps_per_epoch, train_steps) from the settings and the data.

    Without `steps_per_epoch`, an epoch is a pass over finite data, but at
    least `run_options.MIN_EPOCH_STEPS` generator steps (or a tenth of `train_steps` if
    that is less): the work done at every epoch's end (checkpoint, sample
    pictures, the Monitor) would otherwise take most of the time on a small
    folder (3,655 emoji: 19 steps a pass; docs/experiments/image-quality.md).
    """
    if s.epochs is not None:
        per_epoch = s.steps_per_epoch or (
            info.num_examples // fit_batch if info.num_examples else None
        )
        if per_epoch is None:
            raise ValueError(
                f"epochs={s.epochs} needs steps_per_epoch for the endless "
                f"dataset {info.name!r}; or give train_steps"
            )
        return per_epoch, s.epochs * per_epoch
    tenth = max(1, s.train_steps // 10)
    per_epoch = s.steps_per_epoch or (
        max(info.num_examples // fit_batch, min(run_options.MIN_EPOCH_STEPS, tenth))
        if info.num_examples
        else tenth
    )
    return min(per_epoch, s.train_steps), s.train_steps
