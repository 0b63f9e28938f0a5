"""Train a Wasserstein GAN end to end: data, networks, model, fit, export.

`train()` is what the command-line script `train_main.py` runs: its keyword
arguments are the fields of `keras_wgan.settings.TrainSettings`, from which the
script's flags are generated, so an experiment that runs from the shell runs
from Python too. Settings left as None take the dataset's recipe
(`keras_wgan.recipes`), so that `train()` with no arguments trains the default
2-D problem well.

Example:
>>> from keras_wgan import training
>>> result = training.train("8gaussians", train_steps=20, units=32,
...                         output_dir="/tmp/wgan_run", export_dir=None, verbose=0)
>>> result.generator_steps
20
"""

import contextlib
import dataclasses
import inspect
import logging
import math
import os
import signal

import keras

from keras_wgan import (architectures, callbacks, checkpointing, data, distribute, penalties,
                        recipes, run_directory, validation)
from keras_wgan import model as model_lib
from keras_wgan import settings as settings_lib
from keras_wgan.checkpointing import TrainingInterrupted
from keras_wgan.model import WassersteinGAN
from keras_wgan.run_directory import RunDirectoryLocked

__all__ = ["MIXED_PRECISION", "RunDirectoryLocked", "TrainResult", "TrainSettings",
           "TrainingInterrupted", "bfloat16_supported", "build_gan", "make_optimizer",
           "resolve_mixed_precision", "train"]

_log = logging.getLogger("keras_wgan")

TrainSettings = settings_lib.TrainSettings
# The precision settings train() accepts; "auto" resolves to one of the others.
MIXED_PRECISION = settings_lib.MIXED_PRECISION
# x86 CPU flags of bfloat16 matrix units: AVX512_BF16 (Cooper Lake, Zen 4) and AMX.
_CPU_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


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
    history: dict
    generator_steps: int
    initial_step: int
    output_dir: str
    export: object
    settings: dict


def make_optimizer(name, learning_rate, beta_1, beta_2, decay_steps=None):
    """An optimizer by name, with linear decay of its learning rate to 0 if asked.

    Args:
        name: "adam" or "rmsprop" (the original WGAN's RMSprop as PyTorch
            computes it, `keras_wgan.model.rmsprop`: rho 0.99, epsilon 1e-16).
        learning_rate: the initial learning rate, a finite number > 0.
        beta_1: Adam's first-moment decay in [0, 1) (ignored by RMSprop).
        beta_2: Adam's second-moment decay in [0, 1) (ignored by RMSprop).
        decay_steps: if given, the learning rate falls linearly to 0 over this
            many updates of this optimizer (WGAN-GP's CIFAR-10 schedule).

    Returns:
        A `keras.optimizers.Optimizer`.

    Raises:
        ValueError: for a learning rate or beta out of range, or an unknown name.
    """
    validation.number("learning_rate", learning_rate, minimum=0.0, strict=True)
    if name == "adam":
        validation.beta("beta_1", beta_1)
        validation.beta("beta_2", beta_2)
    if decay_steps:
        learning_rate = keras.optimizers.schedules.PolynomialDecay(
            learning_rate, decay_steps=int(decay_steps), end_learning_rate=0.0, power=1.0)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)
    if name == "rmsprop":
        return model_lib.rmsprop(learning_rate)
    raise ValueError(f"unknown optimizer {name!r}: expected 'adam' or 'rmsprop'")


def bfloat16_supported(cpuinfo="/proc/cpuinfo"):
    """Whether this machine computes bfloat16 matrix products in hardware.

    On a GPU: every visible GPU has compute capability >= 8.0 (Ampere and
    later). Without a GPU: the x86 CPU flags `avx512_bf16` or `amx_bf16` in
    `cpuinfo` (Linux); other CPUs and systems answer False, where bfloat16 would
    be emulated and slower than float32.
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capabilities = [tf.config.experimental.get_device_details(gpu).get("compute_capability")
                        for gpu in gpus]
        return all(c is not None and tuple(c) >= (8, 0) for c in capabilities)
    try:
        with open(cpuinfo) as file:
            text = file.read()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return any(flag in flags for flag in _CPU_BFLOAT16_FLAGS)
    return False


def resolve_mixed_precision(mixed_precision="auto", penalty=None):
    """The Keras dtype policy name for a `mixed_precision` setting.

    "auto" is "mixed_bfloat16" where the hardware has bfloat16 units
    (`bfloat16_supported()`) and "float32" elsewhere. Under "mixed_bfloat16"
    the layers compute in bfloat16 while the variables, the critic's scores,
    the generated samples and the losses stay float32; the penalties are
    float32 values, but the critic's input gradient in them is computed in
    bfloat16 (about 1% error in the gradient norms).
    "mixed_float16" is refused: float16 needs loss scaling, and a scaled loss
    with a gradient penalty (a second derivative) over- or underflows.

    Raises:
        ValueError: for "mixed_float16" or an unknown name.
    """
    why = ""
    if mixed_precision in ("mixed_float16", "float16"):
        method = None if penalty is None else penalties.get(penalty)
        why = (f"with a gradient penalty (penalty {method.name!r}) float16's loss scaling "
               "collapses: the penalty's second derivative over- or underflows"
               if method is not None and method.second_order else
               "float16 needs loss scaling, which the WGAN training step does not do")
    settings_lib.check_mixed_precision("mixed_precision", mixed_precision, why)
    if mixed_precision == "auto":
        return "mixed_bfloat16" if bfloat16_supported() else "float32"
    return mixed_precision


def build_gan(sample_shape, *, architecture=None, latent_dim=None, spectral_norm=False,
              critic_norm=None, critic_dropout=0.0, units=None, depth=None, filters=None,
              channels=None, mixed_precision="float32", num_classes=None,
              critic_conditioning="projection", **model_options):
    """The networks for a sample shape, wrapped in a `WassersteinGAN`.

    Args:
        sample_shape: shape of one sample, e.g. (2,) or (28, 28, 1).
        architecture: name in `architectures.ARCHITECTURES`; None picks
            `architectures.default_architecture(sample_shape)`.
        latent_dim: width of the latent vectors (None: the architecture's default).
        spectral_norm: wrap the critic's layers in spectral normalisation.
        critic_norm: None or "layer".
        critic_dropout: rate of a Dropout after each hidden critic layer
            (mlp only: `settings.DROPOUT_ARCHITECTURES`); 0 adds none.
        units, depth: mlp options; filters: dcgan option; channels: resnet option.
        mixed_precision: the networks' dtype policy, a `MIXED_PRECISION` name
            ("auto" resolves as in `resolve_mixed_precision`). It applies to
            these networks only: the global Keras policy is left as it was.
        num_classes: None (unconditional), or K: class-conditional networks
            and model.
        critic_conditioning: with `num_classes`, "projection" or "auxiliary".
        **model_options: passed to `WassersteinGAN` (critic_steps, penalty...).

    Returns:
        An uncompiled `WassersteinGAN`.
    """
    architecture = architecture or architectures.default_architecture(sample_shape)
    sizes = {"units": units, "depth": depth, "filters": filters, "channels": channels}
    settings_lib.check_size_options(architecture, sizes)
    settings_lib.check_critic_dropout(architecture, critic_dropout)
    options = {name: value for name, value in sizes.items() if value is not None}
    if num_classes is not None:
        options.update(num_classes=num_classes, critic_conditioning=critic_conditioning)
        model_options["num_classes"] = num_classes
    if critic_dropout:
        options["dropout"] = critic_dropout
    policy = resolve_mixed_precision(mixed_precision, model_options.get("penalty", "gp"))
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        generator, critic = architectures.build(architecture, sample_shape, latent_dim,
                                                spectral_norm=spectral_norm,
                                                critic_norm=critic_norm, **options)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return WassersteinGAN(generator, critic, **model_options)


def train(settings=None, /, *, callbacks=(), **overrides):
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
    resuming with other values of them is refused (see `_model_settings` for
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
    # The strategy may split the CPU into logical devices, which must happen
    # before TensorFlow creates anything (opening the data included).
    strategy = distribute.make_strategy(s.strategy, tpu=s.tpu, cpu_devices=s.cpu_devices)
    run = _run_directories(s, strategy)
    with contextlib.ExitStack() as locks:  # releases the directories' locks, however it ends
        s = _with_recipe(s, run)
        batches, info, s = _data(s)
        model_settings = _lock_and_check_resume(locks, s, run, info)
        gan = _model(s, info, strategy)
        resumed = _resume(gan, s, run, batches, info, model_settings)
        history = _fit(gan, s, run, info, resumed, strategy, extra_callbacks)
        export = _export(gan, s, run, info)
    return TrainResult(gan, info, history.history, gan.generator_steps, resumed.step,
                       run.output_dir, export, dataclasses.asdict(s))


train.__doc__ = train.__doc__.replace(
    "\n\n    Returns:", "\n" + settings_lib.describe(indent=12) + "\n    Returns:", 1)


@dataclasses.dataclass(frozen=True)
class _Run:
    """Where a run writes: its directories (defaults filled in) and whether this is the chief."""

    output_dir: str
    checkpoint_dir: str
    chief: bool


def _run_directories(s, strategy):
    """The run's directories, checked before any data or model is built (a bad path fails at once)."""
    if s.export_dir is not None:
        run_directory.check_writable("export_dir", s.export_dir)
    output_dir = s.output_dir or os.path.join("runs", s.model_name or _model_name(s.dataset))
    checkpoint_dir = s.checkpoint_dir or os.path.join(output_dir, "checkpoints")
    chief = distribute.is_chief(strategy)
    if chief:
        run_directory.check_writable("output_dir", output_dir)
    run_directory.check_writable("checkpoint_dir", checkpoint_dir)
    return _Run(output_dir, checkpoint_dir, chief)


def _with_recipe(s, run):
    """The settings with what was left None taken from the dataset's recipe, precision resolved."""
    # What the samples are (points or images) decides the recipe of an unknown name;
    # the pipeline is lazy, so opening it to look costs little.
    try:
        kind = data.load(s.dataset, batch_size=1, data_dir=s.data_dir,
                         image_size=s.image_size)[1].kind
    except (FileNotFoundError, NotADirectoryError) as error:
        # Named here: the command line tells a missing dataset from other missing paths.
        raise type(error)(f"dataset={s.dataset}: {error}") from error
    recipe = recipes.recipe(s.dataset, kind=kind, architecture=s.architecture,
                            penalty=s.penalty)
    recipe.pop("tuned")
    if s.architecture is not None and s.architecture != recipe.get("architecture"):
        for name in ("units", "depth", "filters", "channels", "latent_dim"):
            recipe.pop(name, None)  # the recipe's network sizes are for its own architecture
    s = dataclasses.replace(s, **{name: value for name, value in recipe.items()
                                  if getattr(s, name) is None})
    if s.penalty_weight is None and isinstance(s.penalty, str):
        # Another penalty than the recipe's: its own default (e.g. WGAN-div's k = 2), recorded.
        s = dataclasses.replace(s, penalty_weight=penalties.get(s.penalty).weight)
    return dataclasses.replace(s, model_name=s.model_name or _model_name(s.dataset),
                               output_dir=run.output_dir,
                               mixed_precision=resolve_mixed_precision(s.mixed_precision,
                                                                       s.penalty))


def _data(s):
    """(batches, info, settings with train_steps and steps_per_epoch resolved)."""
    keras.utils.set_random_seed(s.seed)
    fit_batch = _fit_batch(s)
    try:
        batches, info = data.load(s.dataset, batch_size=fit_batch, data_dir=s.data_dir,
                                  image_size=s.image_size, seed=s.seed, labels=s.conditional)
    except ValueError as error:
        if s.conditional and str(error).startswith("labels=True"):
            raise ValueError(f"conditional=True needs labelled data: {error}") from None
        raise
    if info.num_examples is not None and info.num_examples < fit_batch:
        raise ValueError(f"dataset {info.name!r} has {info.num_examples} examples, fewer than "
                         f"one training step's batch_size * critic_steps = {fit_batch}")
    steps_per_epoch, train_steps = _schedule(s, info, fit_batch)
    return batches, info, dataclasses.replace(s, steps_per_epoch=steps_per_epoch,
                                              train_steps=train_steps)


def _fit_batch(s):
    """The samples of one fit() batch: one real batch per critic update, or one for all."""
    return s.batch_size * (s.critic_steps if s.fresh_real_batches else 1)


def _lock_and_check_resume(locks, s, run, info):
    """Locks the run's directories; refuses to resume a checkpoint of another model.

    Returns:
        The model settings (`_model_settings`).
    """
    if run.chief:
        _lock_run_directories(locks, run.output_dir, run.checkpoint_dir)
    model_settings = _model_settings(s, info)
    if checkpointing.complete_checkpoints(run.checkpoint_dir):
        named = ("checkpoint_dir", s.checkpoint_dir) if s.checkpoint_dir else (
            "output_dir", run.output_dir)
        run_directory.check_settings(run.checkpoint_dir, model_settings, *named)
    return model_settings


# The settings build_gan() takes (the networks' and the WassersteinGAN's).
_MODEL_SETTINGS = ("architecture", "latent_dim", "spectral_norm", "critic_norm",
                   "critic_dropout", "units", "depth", "filters", "channels", "critic_steps",
                   "penalty", "penalty_weight", "penalty_target", "pairwise_interpolates",
                   "clip_value", "drift_weight", "fresh_real_batches", "seed", "mixed_precision",
                   "ema_decay", "augment")
# The penalty options a method named by a string takes from the settings; a
# method object (or config, or function) carries its own, so those left at
# their defaults are not passed with it (a changed one is an error).
_PENALTY_OPTIONS = ("penalty_target", "pairwise_interpolates", "clip_value")


def _model_options(s):
    """The settings `build_gan` takes, as keywords."""
    options = {name: getattr(s, name) for name in _MODEL_SETTINGS}
    if not isinstance(s.penalty, str):
        defaults = {field.name: field.default for field in dataclasses.fields(s)}
        for name in _PENALTY_OPTIONS:
            if options[name] == defaults[name]:
                options[name] = None
    return options


def _model(s, info, strategy):
    """The compiled `WassersteinGAN`, built in the strategy's scope."""
    with strategy.scope():
        conditional = {}
        if s.conditional:
            conditional = dict(num_classes=info.num_classes,
                               critic_conditioning=s.critic_conditioning,
                               class_frequencies=info.class_frequencies)
        gan = build_gan(info.sample_shape, **conditional,
                        **_model_options(s))
        decay = s.lr_decay == "linear"
        optimizer = s.optimizer or penalties.get(s.penalty).default_optimizer_name
        critic_updates = (callbacks.OriginalCriticSchedule().critic_updates(
            0, s.train_steps, s.critic_steps) if s.original_schedule
            else s.train_steps * s.critic_steps)
        gan.compile(
            critic_optimizer=make_optimizer(optimizer, s.critic_learning_rate, s.beta_1,
                                            s.beta_2, critic_updates if decay else None),
            generator_optimizer=make_optimizer(optimizer, s.generator_learning_rate, s.beta_1,
                                               s.beta_2, s.train_steps if decay else None),
            jit_compile=s.jit_compile)
    return gan


def _resume(gan, s, run, batches, info, model_settings):
    """Restores the newest checkpoint and positions the data (`checkpointing.resume`)."""
    if info.num_examples is None:  # endless data: drawn afresh after a restore
        def batches(step, consumed, first=batches):
            return first if not step else data.load(s.dataset, batch_size=_fit_batch(s),
                                                    seed=s.seed + step)[0]
    resumed = checkpointing.resume(gan, run.checkpoint_dir, batches, train_steps=s.train_steps,
                                   steps_per_epoch=s.steps_per_epoch,
                                   checkpoint_every_steps=s.checkpoint_every_steps,
                                   keep_checkpoints=s.keep_checkpoints)
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
        raise ValueError(f"callbacks must be a list of keras.callbacks.Callback, received "
                         f"{extra!r}") from None
    for item in extra:
        if not isinstance(item, keras.callbacks.Callback):
            raise ValueError(f"callbacks must be a list of keras.callbacks.Callback, received "
                             f"an item {item!r} of type {type(item).__name__}")
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
        fit_steps = schedule.fit_steps(resumed.plan.completed_steps, s.train_steps,
                                       s.critic_steps)
        fit_kwargs["epochs"] = resumed.plan.initial_epoch + math.ceil(fit_steps /
                                                                      s.steps_per_epoch)
        fit_callbacks.append(schedule)
    fit_callbacks += extra_callbacks
    _log.info("training on %s: generator steps %d to %d, epochs %d to %d of %d steps, batch "
              "%d x %d critic steps, %s", info.name, resumed.plan.completed_steps, s.train_steps,
              fit_kwargs["initial_epoch"], fit_kwargs["epochs"], s.steps_per_epoch, s.batch_size,
              s.critic_steps, s.mixed_precision)
    with stop:
        history = gan.fit(resumed.dataset, callbacks=fit_callbacks, verbose=s.verbose,
                          shuffle=False, **fit_kwargs)
    resumed.check_finite()
    if stop.received is not None:
        raise TrainingInterrupted(stop.received, gan.generator_steps, run.checkpoint_dir,
                                  resumed.saver.last_saved_step)
    return history


def _chief_callbacks(s, run, info):
    """What only the chief writes: sample pictures, measurements, TensorBoard logs, model.keras."""
    real = info.sampler(2000, 1) if info.sampler is not None else None
    chief_callbacks = [
        callbacks.SamplePictures(os.path.join(run.output_dir, "samples"),
                                 num_samples=64 if info.kind == "images" else 1000,
                                 real=real, value_range=info.value_range,
                                 every_epochs=s.sample_every_epochs, seed=s.seed,
                                 class_names=info.class_names if s.conditional else None)]
    # Monitoring: before the sample pictures and the TensorBoard callback, which caption
    # and log what it adds to `logs`.
    if s.monitor_every_epochs:
        from keras_wgan.evaluation import monitor

        chief_callbacks.insert(0, monitor.Monitor(
            info, every_epochs=s.monitor_every_epochs, seed=s.seed,
            log_dir=os.path.join(run.output_dir, "logs", "monitor")))
    return chief_callbacks + [
        keras.callbacks.TensorBoard(os.path.join(run.output_dir, "logs")),
        callbacks.KerasModelSaver(os.path.join(run.output_dir, "model.keras"))]


def _export(gan, s, run, info):
    """Exports the generator (`keras_wgan.export`); None without export_dir or off the chief."""
    if not (s.export_dir and run.chief):
        return None
    from keras_wgan import export as export_lib

    metadata = {"dataset": s.dataset,
                "architecture": s.architecture or architectures.default_architecture(
                    info.sample_shape),
                "value_range": info.value_range}
    if s.conditional and info.class_names:
        metadata["class_names"] = list(info.class_names)
    return export_lib.export_generator(gan, s.export_dir, model_name=s.model_name,
                                       tflite_quantization=s.tflite_quantization,
                                       metadata=metadata)


def _lock_run_directories(run, output_dir, checkpoint_dir):
    """Creates output_dir and checkpoint_dir and locks both (one lock if they coincide).

    Both: another run may share either one (its own output_dir with this
    run's checkpoint_dir, say). Only the chief calls it: it is the one that
    writes there (the other workers of a multi-worker run write only their
    temporary checkpoints, under checkpoint_dir).
    """
    directories = [("output_dir", output_dir)]
    if os.path.abspath(checkpoint_dir) != os.path.abspath(output_dir):
        directories.append(("checkpoint_dir", checkpoint_dir))
    for name, path in directories:
        run_directory.make_directory(name, path)
        run.enter_context(run_directory.DirectoryLock(path, name))


def _model_settings(s, info):
    """The resolved settings that define the model, its optimizer state and its data.

    Resuming a run with another value of one of them would train one model on
    two problems, or fail to restore the checkpoint, so `train()` refuses it
    (`run_directory.check_settings`). Defaults are filled in (the architecture
    by the data's shape, sizes by the architecture's), so that leaving a
    setting out or giving its default value is the same run. Not here, so
    free to change on resume: batch_size, critic_steps, fresh_real_batches,
    learning rates, betas, train_steps, epochs, steps_per_epoch, seed (the
    checkpoint's is used), data_dir (where the same data is stored),
    mixed_precision (the variables are float32 either way), strategy.
    """
    architecture = s.architecture or architectures.default_architecture(info.sample_shape)
    function = architectures.ARCHITECTURES.get(architecture)
    defaults = {name: parameter.default for name, parameter in
                (inspect.signature(function).parameters.items() if function else ())}

    def size(name):
        value = getattr(s, name)
        return defaults.get(name) if value is None else value

    dataset = os.fspath(s.dataset)
    if dataset not in data.TOY_DATASETS and os.path.exists(dataset):
        dataset = os.path.abspath(dataset)
    return {
        "dataset": dataset, "sample_shape": list(info.sample_shape),
        "architecture": architecture, "latent_dim": size("latent_dim"), "units": size("units"),
        "depth": size("depth"), "filters": size("filters"), "channels": size("channels"),
        "spectral_norm": bool(s.spectral_norm), "critic_norm": s.critic_norm,
        "critic_dropout": s.critic_dropout,
        "penalty": s.penalty, "penalty_weight": s.penalty_weight,
        "penalty_target": s.penalty_target, "pairwise_interpolates": bool(s.pairwise_interpolates),
        "clip_value": s.clip_value, "drift_weight": s.drift_weight,
        "optimizer": s.optimizer or penalties.get(s.penalty).default_optimizer_name,
        "lr_decay": s.lr_decay or "none",
        # The average is a set of variables of its own in the checkpoint.
        "ema_decay": s.ema_decay, "augment": s.augment,
        "conditional": bool(s.conditional),
        "critic_conditioning": s.critic_conditioning if s.conditional else None,
        "num_classes": info.num_classes if s.conditional else None,
    }


def _schedule(s, info, fit_batch):
    """(steps_per_epoch, train_steps) from the settings and the data."""
    if s.epochs is not None:
        per_epoch = s.steps_per_epoch or (info.num_examples // fit_batch
                                          if info.num_examples else None)
        if per_epoch is None:
            raise ValueError(f"epochs={s.epochs} needs steps_per_epoch for the endless "
                             f"dataset {info.name!r}; or give train_steps")
        return per_epoch, s.epochs * per_epoch
    per_epoch = s.steps_per_epoch or (info.num_examples // fit_batch if info.num_examples
                                      else max(1, s.train_steps // 10))
    return min(per_epoch, s.train_steps), s.train_steps


def _model_name(dataset):
    """The export's default name: the dataset's file name, made a valid model name."""
    base = os.path.basename(os.path.normpath(os.fspath(dataset)))
    base = os.path.splitext(base)[0].replace("/", "_")
    base = "".join(c if c.isalnum() or c in "-_" else "_" for c in base)
    return base.lstrip("-_") or "wgan"  # export names start with a letter or digit
