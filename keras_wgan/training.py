"""Train a Wasserstein GAN end to end: data, networks, model, fit, export.

`train()` is what the command-line script `train_main.py` runs: every flag of
the script is a keyword argument of the same name here, so an experiment that
runs from the shell runs from Python too. Arguments left as None take the
dataset's recipe (`keras_wgan.recipes`), so that `train()` with no arguments
trains the default 2-D problem well.

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
import types

import keras
import numpy as np

from keras_wgan import (architectures, callbacks, checkpointing, data, distribute, penalties,
                        recipes, run_directory)
from keras_wgan import model as model_lib
from keras_wgan.checkpointing import TrainingInterrupted
from keras_wgan.model import WassersteinGAN
from keras_wgan.run_directory import RunDirectoryLocked

__all__ = ["MIXED_PRECISION", "RunDirectoryLocked", "TrainResult", "TrainingInterrupted",
           "bfloat16_supported", "build_gan", "make_optimizer", "resolve_mixed_precision",
           "train"]

_log = logging.getLogger("keras_wgan")

# The precision settings train() accepts; "auto" resolves to one of the others.
MIXED_PRECISION = ("auto", "float32", "mixed_bfloat16")
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
    _check_number("learning_rate", learning_rate, minimum=0.0, strict=True)
    if name == "adam":
        _check_beta("beta_1", beta_1)
        _check_beta("beta_2", beta_2)
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
    if mixed_precision in ("mixed_float16", "float16"):
        method = None if penalty is None else penalties.get(penalty)
        why = (f"with a gradient penalty (penalty {method.name!r}) float16's loss scaling "
               "collapses: the penalty's second derivative over- or underflows"
               if method is not None and method.second_order else
               "float16 needs loss scaling, which the WGAN training step does not do")
        raise ValueError(f"mixed_precision={mixed_precision!r} is not supported: {why}; use "
                         "'mixed_bfloat16' (same speed-up where bfloat16 units exist, no loss "
                         "scaling) or 'float32'")
    if mixed_precision not in MIXED_PRECISION:
        raise ValueError(f"mixed_precision must be one of {', '.join(MIXED_PRECISION)}, "
                         f"received {mixed_precision!r}")
    if mixed_precision == "auto":
        return "mixed_bfloat16" if bfloat16_supported() else "float32"
    return mixed_precision


def build_gan(sample_shape, *, architecture=None, latent_dim=None, spectral_norm=False,
              critic_norm=None, units=None, depth=None, filters=None, channels=None,
              mixed_precision="float32", **model_options):
    """The networks for a sample shape, wrapped in a `WassersteinGAN`.

    Args:
        sample_shape: shape of one sample, e.g. (2,) or (28, 28, 1).
        architecture: name in `architectures.ARCHITECTURES`; None picks
            `architectures.default_architecture(sample_shape)`.
        latent_dim: width of the latent vectors (None: the architecture's default).
        spectral_norm: wrap the critic's layers in spectral normalisation.
        critic_norm: None or "layer".
        units, depth: mlp options; filters: dcgan option; channels: resnet option.
        mixed_precision: the networks' dtype policy, a `MIXED_PRECISION` name
            ("auto" resolves as in `resolve_mixed_precision`). It applies to
            these networks only: the global Keras policy is left as it was.
        **model_options: passed to `WassersteinGAN` (critic_steps, penalty...).

    Returns:
        An uncompiled `WassersteinGAN`.
    """
    architecture = architecture or architectures.default_architecture(sample_shape)
    sizes = {"units": units, "depth": depth, "filters": filters, "channels": channels}
    _check_size_options(architecture, sizes)
    options = {name: value for name, value in sizes.items() if value is not None}
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


def train(dataset="8gaussians", *, data_dir=None, image_size=None, architecture=None,
          latent_dim=None, units=None, depth=None, filters=None, channels=None,
          spectral_norm=False, critic_norm=None, penalty=None, penalty_weight=None,
          penalty_target=1.0, pairwise_interpolates=False, clip_value=0.01, drift_weight=0.0,
          critic_steps=None, fresh_real_batches=True, original_schedule=False, batch_size=None,
          train_steps=None, epochs=None, steps_per_epoch=None, optimizer=None,
          critic_learning_rate=None, generator_learning_rate=None, beta_1=None, beta_2=None,
          lr_decay=None, seed=0, strategy="default", tpu=None, cpu_devices=None,
          checkpoint_dir=None, checkpoint_every_steps=1000, keep_checkpoints=3,
          mixed_precision="auto", jit_compile="auto", output_dir=None, export_dir="exports",
          model_name=None, tflite_quantization=(), sample_every_epochs=1, verbose=1,
          monitor_every_epochs=1, ema_decay=None, augment=None):
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
        dataset: a built-in 2-D distribution (`data.TOY_DATASETS`), a `.npz`
            file, a folder of images, or a tensorflow-datasets name.
        data_dir: tensorflow-datasets' data directory.
        image_size: resize images to this side (or (height, width)).
        architecture: `mlp`, `dcgan`, `kerasio` or `resnet`; None: by data shape.
        latent_dim: latent width; None: the recipe's or the architecture's.
        units, depth, filters, channels: network sizes (see `build_gan`).
        spectral_norm: spectral normalisation in the critic.
        critic_norm: None or "layer" (layer normalisation in the critic).
        penalty: "gp", "lp", "pairwise", "clip" or "none".
        penalty_weight: lambda.
        penalty_target: the Lipschitz constant the penalties aim at.
        pairwise_interpolates: pairwise penalty also on interpolates.
        clip_value: weight clipping's box (penalty "clip").
        drift_weight: ProGAN's drift term weight.
        critic_steps: critic updates per generator update.
        fresh_real_batches: a new real batch for every critic update.
        original_schedule: the original WGAN's 100-critic-update bursts.
        batch_size: samples per critic update.
        train_steps: generator updates in all (unless `epochs` is given).
        epochs: passes over finite data; overrides `train_steps`.
        steps_per_epoch: generator updates per epoch (pictures, logs and
            checkpoints are per epoch); None: a pass over finite data, or a
            tenth of `train_steps`.
        optimizer: "adam" or "rmsprop" for both networks.
        critic_learning_rate, generator_learning_rate, beta_1, beta_2: the
            optimizers' settings.
        lr_decay: "linear" (to 0 at the last step) or "none".
        seed: seed of weights, noise and data order.
        strategy: "default", "mirrored", "multi_worker" or "tpu" (see
            `keras_wgan.distribute.make_strategy`).
        tpu: with strategy "tpu", the TPU's name or address.
        cpu_devices: with strategy "mirrored", split the CPU into this many
            logical devices (before TensorFlow starts).
        checkpoint_dir: default `<output_dir>/checkpoints`.
        checkpoint_every_steps: save every N generator steps (and per epoch).
        keep_checkpoints: how many checkpoints to keep.
        mixed_precision: "auto" (bfloat16 compute where the hardware has
            bfloat16 units, see `resolve_mixed_precision`; float32 elsewhere),
            "float32" or "mixed_bfloat16". Variables, critic scores and losses
            are float32 in every case (the penalties' input gradients are
            computed in bfloat16 under "mixed_bfloat16").
        jit_compile: XLA compilation of the training step: "auto" (Keras'
            rule: on for a single GPU, off on CPU and under tf.distribute),
            True or False.
        output_dir: checkpoints, pictures and TensorBoard logs
            (default `runs/<model_name>`).
        export_dir: where the generator is exported; None: no export.
        model_name: name of the export (default: derived from the dataset).
        tflite_quantization: quantized TFLite variants to export besides
            float32: any of "float16", "dynamic_int8".
        sample_every_epochs: write a sample picture every N epochs.
        verbose: Keras' fit verbosity.
        monitor_every_epochs: measure the samples every N epochs with
            `monitoring.Monitor` (0: never): exact W1 beside the critic's
            estimate and W1 / noise floor for 2-D data, SWD for images
            (no FID here: that is `keras_wgan.evaluate`'s), into the History,
            the TensorBoard logs and `<output_dir>/logs/monitor`.
        ema_decay: None (off) or the decay in [0, 1) of the generator's
            weight average (`WassersteinGAN(ema_decay=)`), which the pictures,
            the monitoring and the export then use.
        augment: None or a DiffAugment policy for images, e.g.
            "translation,cutout" (`WassersteinGAN(augment=)`).

    Returns:
        A `TrainResult`.

    Raises:
        ValueError: for a bad setting, naming it (all are checked before the
            data is opened, those of the export included); an unusable
            output_dir or checkpoint_dir; a resume with other model settings.
        RunDirectoryLocked: (a ValueError) when another run uses the directories.
        FileNotFoundError: for a missing dataset file or folder
            (message "dataset=<dataset>: ...").
        FloatingPointError: when a loss or weight became NaN or infinite.
        TrainingInterrupted: when SIGINT or SIGTERM stopped training.
    """
    settings = {name: value for name, value in locals().items()}
    # Every setting that can be checked is checked before anything starts, so
    # that a typo fails in a second instead of after training.
    _check_settings(settings)
    # Then the strategy may split the CPU into logical devices, which must
    # happen before TensorFlow creates anything (opening the data included).
    strategy_ = distribute.make_strategy(strategy, tpu=tpu, cpu_devices=cpu_devices)
    # Then the directories, before any data or model is built: a bad path fails at once.
    output_dir, checkpoint_dir = _run_directories(settings)
    if distribute.is_chief(strategy_):
        run_directory.check_writable("output_dir", output_dir)
    run_directory.check_writable("checkpoint_dir", checkpoint_dir)
    with contextlib.ExitStack() as run:  # releases the directories' locks, however it ends
        return _train(settings, strategy_, run, **settings)


def _train(settings, strategy_, run, *, dataset, data_dir, image_size, architecture, penalty,
           **_):
    """The body of `train()`; it locks the run's directories in `run`, an `ExitStack`."""
    # What the samples are (points or images) decides the recipe of an unknown name;
    # the pipeline is lazy, so opening it to look costs little.
    try:
        kind = data.load(dataset, batch_size=1, data_dir=data_dir, image_size=image_size)[1].kind
    except (FileNotFoundError, NotADirectoryError) as error:
        # Named here: the command line tells a missing dataset from other missing paths.
        raise type(error)(f"dataset={os.fspath(dataset)}: {error}") from error
    recipe = recipes.recipe(os.fspath(dataset), kind=kind, architecture=architecture,
                            penalty=penalty)
    if architecture is not None and architecture != recipe.get("architecture"):
        for name in ("units", "depth", "filters", "channels", "latent_dim"):
            recipe.pop(name, None)  # the recipe's network sizes are for its own architecture
    for name, value in recipe.items():
        if settings.get(name) is None and name in settings:
            settings[name] = value
    s = types.SimpleNamespace(**settings)
    model_name = s.model_name or _model_name(s.dataset)
    output_dir = os.fspath(s.output_dir or os.path.join("runs", model_name))
    _check_positive("batch_size", s.batch_size)
    _check_positive("critic_steps", s.critic_steps)
    precision = resolve_mixed_precision(s.mixed_precision, s.penalty)
    jit_compile = _jit_compile(s.jit_compile)

    keras.utils.set_random_seed(s.seed)
    fit_batch = s.batch_size * (s.critic_steps if s.fresh_real_batches else 1)
    batches, info = data.load(s.dataset, batch_size=fit_batch, data_dir=s.data_dir,
                              image_size=s.image_size, seed=s.seed)
    if info.num_examples is not None and info.num_examples < fit_batch:
        raise ValueError(f"dataset {info.name!r} has {info.num_examples} examples, fewer than "
                         f"one training step's batch_size * critic_steps = {fit_batch}")
    steps_per_epoch, train_steps = _schedule(s, info, fit_batch)
    checkpoint_dir = s.checkpoint_dir or os.path.join(output_dir, "checkpoints")
    chief = distribute.is_chief(strategy_)
    if chief:
        _lock_run_directories(run, output_dir, checkpoint_dir)
    model_settings = _model_settings(s, info)
    if checkpointing.complete_checkpoints(checkpoint_dir):
        named = ("checkpoint_dir", s.checkpoint_dir) if s.checkpoint_dir else (
            "output_dir", output_dir)
        run_directory.check_settings(checkpoint_dir, model_settings, *named)

    with strategy_.scope():
        gan = build_gan(info.sample_shape, architecture=s.architecture,
                        latent_dim=s.latent_dim, spectral_norm=s.spectral_norm,
                        critic_norm=s.critic_norm, units=s.units, depth=s.depth,
                        filters=s.filters, channels=s.channels, critic_steps=s.critic_steps,
                        penalty=s.penalty, penalty_weight=s.penalty_weight,
                        penalty_target=s.penalty_target,
                        pairwise_interpolates=s.pairwise_interpolates,
                        clip_value=s.clip_value, drift_weight=s.drift_weight,
                        fresh_real_batches=s.fresh_real_batches, seed=s.seed,
                        mixed_precision=precision, ema_decay=s.ema_decay, augment=s.augment)
        decay = s.lr_decay == "linear"
        optimizer = s.optimizer or penalties.get(s.penalty).default_optimizer_name
        critic_updates = (callbacks.OriginalCriticSchedule().critic_updates(
            0, train_steps, s.critic_steps) if s.original_schedule
            else train_steps * s.critic_steps)
        gan.compile(
            critic_optimizer=make_optimizer(optimizer, s.critic_learning_rate, s.beta_1,
                                            s.beta_2, critic_updates if decay else None),
            generator_optimizer=make_optimizer(optimizer, s.generator_learning_rate, s.beta_1,
                                               s.beta_2, train_steps if decay else None),
            jit_compile=jit_compile)

    completed = checkpointing.restore_latest(gan, checkpoint_dir) or 0
    if completed and not decay:
        # A checkpoint restores the learning-rate variables too: use this run's rates.
        gan.critic_optimizer.learning_rate = s.critic_learning_rate
        gan.generator_optimizer.learning_rate = s.generator_learning_rate
    if chief:
        run_directory.write_settings(checkpoint_dir, model_settings, vars(s))
    plan = checkpointing.fit_plan(train_steps, steps_per_epoch, completed)
    # Resumed data: finite data skips what the interrupted run consumed (the
    # same order as an uninterrupted run); endless toy data is drawn afresh.
    # Every fit() step makes critic_steps critic updates (more steps than
    # generator updates with original_schedule's bursts).
    if completed and info.num_examples is not None:
        critic_updates_made = int(distribute.variable_value(gan.critic_optimizer.iterations))
        batches = batches.skip(critic_updates_made // s.critic_steps)
    elif completed:
        batches = data.load(s.dataset, batch_size=fit_batch, seed=s.seed + completed)[0]
    batches = distribute.distribute_dataset(
        batches, strategy_, critic_steps=s.critic_steps if s.fresh_real_batches else 1)

    saver = checkpointing.CheckpointCallback(checkpoint_dir, s.checkpoint_every_steps,
                                             s.keep_checkpoints)
    # SIGINT/SIGTERM end fit() after the current step with a checkpoint of it. Not under
    # multi-worker: one worker stopping alone would leave the others waiting for it.
    one_process = distribute.task_id(strategy_)[0] is None
    stop = checkpointing.StopOnSignal((signal.SIGINT, signal.SIGTERM) if one_process else ())
    fit_callbacks = [saver, checkpointing.StopAtStep(train_steps), stop]
    if chief:
        real = info.sampler(2000, 1) if info.sampler is not None else None
        fit_callbacks += [
            callbacks.SamplePictures(os.path.join(output_dir, "samples"),
                                     num_samples=64 if info.kind == "images" else 1000,
                                     real=real, value_range=info.value_range,
                                     every_epochs=s.sample_every_epochs, seed=s.seed),
            keras.callbacks.TensorBoard(os.path.join(output_dir, "logs")),
            callbacks.KerasModelSaver(os.path.join(output_dir, "model.keras")),
        ]
        # Monitoring: before the sample pictures and the TensorBoard callback, which caption
        # and log what it adds to `logs`.
        if s.monitor_every_epochs:
            from keras_wgan.evaluation import monitor

            first = next(i for i, callback in enumerate(fit_callbacks)
                         if isinstance(callback, callbacks.SamplePictures))
            fit_callbacks.insert(first, monitor.Monitor(
                info, every_epochs=s.monitor_every_epochs, seed=s.seed,
                log_dir=os.path.join(output_dir, "logs", "monitor")))
    fit_kwargs = plan.fit_kwargs()
    if s.original_schedule:
        schedule = callbacks.OriginalCriticSchedule()
        fit_steps = schedule.fit_steps(plan.completed_steps, train_steps, s.critic_steps)
        fit_kwargs["epochs"] = plan.initial_epoch + math.ceil(fit_steps / steps_per_epoch)
        fit_callbacks.append(schedule)
    _log.info("training on %s: generator steps %d to %d, epochs %d to %d of %d steps, batch "
              "%d x %d critic steps, %s", info.name, plan.completed_steps, train_steps,
              fit_kwargs["initial_epoch"], fit_kwargs["epochs"], steps_per_epoch, s.batch_size,
              s.critic_steps, precision)
    with stop:
        history = gan.fit(batches, callbacks=fit_callbacks, verbose=s.verbose, shuffle=False,
                          **fit_kwargs)
    generator_steps = checkpointing.generator_step(gan)
    if saver.nonfinite_step is not None:
        kept = (f"the last good checkpoint (step {saver.last_saved_step}) is in {checkpoint_dir}"
                if saver.last_saved_step is not None else "no checkpoint was written yet")
        raise FloatingPointError(
            f"a loss or weight became NaN or infinite at generator step {saver.nonfinite_step}: "
            f"training stopped; {kept}; nothing was exported")
    if stop.received is not None:
        raise TrainingInterrupted(stop.received, generator_steps, checkpoint_dir,
                                  saver.last_saved_step)
    export = None
    if s.export_dir and chief:
        from keras_wgan import export as export_lib

        export = export_lib.export_generator(
            gan, s.export_dir, model_name=model_name,
            tflite_quantization=tuple(s.tflite_quantization or ()),
            metadata={"dataset": os.fspath(s.dataset),
                      "architecture": s.architecture or architectures.default_architecture(
                          info.sample_shape),
                      "value_range": info.value_range})
    settings.update(vars(s), model_name=model_name, output_dir=output_dir,
                    mixed_precision=precision, jit_compile=jit_compile,
                    train_steps=train_steps, steps_per_epoch=steps_per_epoch)
    return TrainResult(gan, info, history.history, generator_steps, completed, output_dir, export,
                       settings)


def _run_directories(settings):
    """(output_dir, checkpoint_dir) of train()'s arguments, defaults filled in."""
    model_name = settings["model_name"] or _model_name(settings["dataset"])
    output_dir = os.fspath(settings["output_dir"] or os.path.join("runs", model_name))
    checkpoint_dir = settings["checkpoint_dir"] or os.path.join(output_dir, "checkpoints")
    return output_dir, os.fspath(checkpoint_dir)


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
        "penalty": s.penalty, "penalty_weight": s.penalty_weight,
        "penalty_target": s.penalty_target, "pairwise_interpolates": bool(s.pairwise_interpolates),
        "clip_value": s.clip_value, "drift_weight": s.drift_weight,
        "optimizer": s.optimizer or penalties.get(s.penalty).default_optimizer_name,
        "lr_decay": s.lr_decay or "none",
        # The average is a set of variables of its own in the checkpoint.
        "ema_decay": s.ema_decay, "augment": s.augment,
    }


def _schedule(s, info, fit_batch):
    """(steps_per_epoch, train_steps) from the settings and the data."""
    if s.steps_per_epoch is not None:
        _check_positive("steps_per_epoch", s.steps_per_epoch)
    if s.epochs is not None:
        _check_positive("epochs", s.epochs)
        per_epoch = s.steps_per_epoch or (info.num_examples // fit_batch
                                          if info.num_examples else None)
        if per_epoch is None:
            raise ValueError(f"epochs={s.epochs} needs steps_per_epoch for the endless "
                             f"dataset {info.name!r}; or give train_steps")
        return per_epoch, s.epochs * per_epoch
    _check_positive("train_steps", s.train_steps)
    per_epoch = s.steps_per_epoch or (info.num_examples // fit_batch if info.num_examples
                                      else max(1, s.train_steps // 10))
    return min(per_epoch, s.train_steps), s.train_steps


def _jit_compile(value):
    """True, False or "auto" from a bool or the strings "auto", "true", "false"."""
    if isinstance(value, bool) or value == "auto":
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"jit_compile must be 'auto', True or False, received {value!r}")


def _model_name(dataset):
    """The export's default name: the dataset's file name, made a valid model name."""
    base = os.path.basename(os.path.normpath(os.fspath(dataset)))
    base = os.path.splitext(base)[0].replace("/", "_")
    base = "".join(c if c.isalnum() or c in "-_" else "_" for c in base)
    return base.lstrip("-_") or "wgan"  # export names start with a letter or digit


# ------------------------------------------------------------ argument checks
def _check_settings(settings):
    """Checks train()'s settings before anything runs; None means "the recipe's".

    Each error names the argument (the command line shows it as its --flag),
    what was received and what is allowed. `tflite_quantization` is replaced
    by its tuple of unique names.

    Raises:
        ValueError: for a bad setting, an `export_dir` that is or is below a
            file, or that cannot be created.
    """
    from keras_wgan import export  # its own checks of the names it writes

    s = types.SimpleNamespace(**settings)
    settings["tflite_quantization"] = export._check_quantizations(s.tflite_quantization)
    if s.model_name is not None:
        export._check_model_name(s.model_name)
    if s.export_dir is not None:  # output_dir and checkpoint_dir: once their defaults are known
        run_directory.check_writable("export_dir", s.export_dir)
    # The networks.
    if s.architecture is not None:
        _check_size_options(s.architecture, {"units": s.units, "depth": s.depth,
                                             "filters": s.filters, "channels": s.channels})
    for name in ("latent_dim", "units", "depth", "filters", "channels"):
        if settings[name] is not None:
            _check_positive(name, settings[name])
    architectures._check_critic_norm(s.critic_norm)
    # The Lipschitz method: finite values only, NaN and infinities can only train into NaN.
    if s.penalty is not None and not callable(s.penalty):
        _check_choice("penalty", s.penalty, tuple(penalties.PENALTIES))
    if s.penalty_weight is not None:
        _check_number("penalty_weight", s.penalty_weight, minimum=0.0)
    _check_number("penalty_target", s.penalty_target, minimum=0.0)
    _check_number("clip_value", s.clip_value, minimum=0.0, strict=True)
    _check_number("drift_weight", s.drift_weight, minimum=0.0)
    # The training game and the optimizers.
    for name in ("critic_steps", "batch_size", "train_steps", "epochs", "steps_per_epoch"):
        if settings[name] is not None:
            _check_positive(name, settings[name])
    if s.optimizer is not None and s.optimizer not in ("adam", "rmsprop"):
        raise ValueError(f"optimizer must be 'adam' or 'rmsprop', received {s.optimizer!r}")
    for name in ("critic_learning_rate", "generator_learning_rate"):
        if settings[name] is not None:
            _check_number(name, settings[name], minimum=0.0, strict=True)
    for name in ("beta_1", "beta_2"):
        if settings[name] is not None:
            _check_beta(name, settings[name])
    if s.lr_decay not in (None, "none", "linear"):
        raise ValueError(f"lr_decay must be 'linear' or 'none', received {s.lr_decay!r}")
    _check_integer("seed", s.seed, minimum=0)
    # Checkpoints, outputs and speed.
    if s.checkpoint_every_steps is not None and not _is_integer(s.checkpoint_every_steps, 1):
        raise ValueError("checkpoint_every_steps must be None or an integer >= 1 (None: at "
                         f"epoch ends only), received {s.checkpoint_every_steps!r}")
    _check_positive("keep_checkpoints", s.keep_checkpoints)
    _check_positive("sample_every_epochs", s.sample_every_epochs)
    if not _is_integer(s.monitor_every_epochs, 0):
        raise ValueError(f"monitor_every_epochs must be an integer >= 0 (0: no monitoring), "
                         f"received {s.monitor_every_epochs!r}")
    if s.mixed_precision != "auto":  # "auto" asks the hardware: later, after the strategy
        resolve_mixed_precision(s.mixed_precision, s.penalty)
    _jit_compile(s.jit_compile)


def _check_size_options(architecture, sizes):
    """Checks an architecture's name, then that the given sizes are its own."""
    _check_choice("architecture", architecture, tuple(sorted(architectures.ARCHITECTURES)))
    accepted = {"mlp": ("units", "depth"), "dcgan": ("filters",), "resnet": ("channels",),
                "kerasio": ()}.get(architecture, ())
    for name, value in sizes.items():
        if value is not None and name not in accepted:
            raise ValueError(f"{name}={value} does not apply to architecture {architecture!r}"
                             f" (its size options: {', '.join(accepted) or 'none'})")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                         f"received {value!r}")


def _is_integer(value, minimum):
    return (not isinstance(value, bool) and isinstance(value, (int, np.integer))
            and value >= minimum)


def _check_integer(name, value, minimum):
    if not _is_integer(value, minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, received {value!r}")


def _check_positive(name, value):
    _check_integer(name, value, minimum=1)


def _check_number(name, value, minimum, strict=False):
    """A finite real number >= `minimum` (> if `strict`)."""
    number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer,
                                                                np.floating))
    if not number or not math.isfinite(value) or value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be a finite number {relation} {minimum:g}, "
                         f"received {value!r}")


def _check_beta(name, value):
    """Adam's decay rates: in [0, 1) (1 never forgets, and its bias correction divides by 0)."""
    number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer,
                                                                np.floating))
    if not number or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a number in [0, 1), received {value!r}")
