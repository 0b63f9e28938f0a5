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

import dataclasses
import logging
import math
import os
import types

import keras
import numpy as np

from keras_wgan import architectures, callbacks, data, recipes
from keras_wgan.model import WassersteinGAN

__all__ = ["TrainResult", "build_gan", "make_optimizer", "train"]

_log = logging.getLogger("keras_wgan")


@dataclasses.dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        model: the trained `WassersteinGAN`.
        info: the `keras_wgan.data.DataInfo` of the training data.
        history: the metrics per epoch (`keras.callbacks.History.history`).
        generator_steps: generator updates made in all (with resumed ones).
        output_dir: where checkpoints, pictures and logs went.
        export: what the export wrote (None without `export_dir`).
        settings: every setting the run used, recipe defaults filled in.
    """

    model: WassersteinGAN
    info: data.DataInfo
    history: dict
    generator_steps: int
    output_dir: str
    export: object
    settings: dict


def make_optimizer(name, learning_rate, beta_1, beta_2, decay_steps=None):
    """An optimizer by name, with linear decay of its learning rate to 0 if asked.

    Args:
        name: "adam" or "rmsprop".
        learning_rate: the initial learning rate, > 0.
        beta_1: Adam's first-moment decay (ignored by RMSprop).
        beta_2: Adam's second-moment decay (ignored by RMSprop).
        decay_steps: if given, the learning rate falls linearly to 0 over this
            many updates of this optimizer (WGAN-GP's CIFAR-10 schedule).

    Returns:
        A `keras.optimizers.Optimizer`.
    """
    if not learning_rate or learning_rate <= 0:
        raise ValueError(f"learning_rate must be > 0, received {learning_rate!r}")
    if decay_steps:
        learning_rate = keras.optimizers.schedules.PolynomialDecay(
            learning_rate, decay_steps=int(decay_steps), end_learning_rate=0.0, power=1.0)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    raise ValueError(f"unknown optimizer {name!r}: expected 'adam' or 'rmsprop'")


def build_gan(sample_shape, *, architecture=None, latent_dim=None, spectral_norm=False,
              critic_norm=None, units=None, depth=None, filters=None, channels=None,
              **model_options):
    """The networks for a sample shape, wrapped in a `WassersteinGAN`.

    Args:
        sample_shape: shape of one sample, e.g. (2,) or (28, 28, 1).
        architecture: name in `architectures.ARCHITECTURES`; None picks
            `architectures.default_architecture(sample_shape)`.
        latent_dim: width of the latent vectors (None: the architecture's default).
        spectral_norm: wrap the critic's layers in spectral normalisation.
        critic_norm: None or "layer".
        units, depth: mlp options; filters: dcgan option; channels: resnet option.
        **model_options: passed to `WassersteinGAN` (critic_steps, penalty...).

    Returns:
        An uncompiled `WassersteinGAN`.
    """
    architecture = architecture or architectures.default_architecture(sample_shape)
    sizes = {"units": units, "depth": depth, "filters": filters, "channels": channels}
    accepted = {"mlp": ("units", "depth"), "dcgan": ("filters",), "resnet": ("channels",),
                "kerasio": ()}.get(architecture, ())
    for name, value in sizes.items():
        if value is not None and name not in accepted:
            raise ValueError(f"{name}={value} does not apply to architecture {architecture!r}"
                             f" (its size options: {', '.join(accepted) or 'none'})")
    options = {name: value for name, value in sizes.items() if value is not None}
    generator, critic = architectures.build(architecture, sample_shape, latent_dim,
                                            spectral_norm=spectral_norm,
                                            critic_norm=critic_norm, **options)
    return WassersteinGAN(generator, critic, **model_options)


def train(dataset="8gaussians", *, data_dir=None, image_size=None, architecture=None,
          latent_dim=None, units=None, depth=None, filters=None, channels=None,
          spectral_norm=False, critic_norm=None, penalty=None, penalty_weight=None,
          penalty_target=1.0, pairwise_interpolates=False, clip_value=0.01, drift_weight=0.0,
          critic_steps=None, fresh_real_batches=True, original_schedule=False, batch_size=None,
          train_steps=None, epochs=None, steps_per_epoch=None, optimizer=None,
          critic_learning_rate=None, generator_learning_rate=None, beta_1=None, beta_2=None,
          lr_decay=None, seed=0, output_dir=None, export_dir="exports", model_name=None,
          sample_every_epochs=1, verbose=1, monitor_every_epochs=1):
    """Trains a WGAN on a dataset and exports its generator.

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
        output_dir: checkpoints, pictures and TensorBoard logs
            (default `runs/<model_name>`).
        export_dir: where the generator is exported; None: no export.
        model_name: name of the export (default: derived from the dataset).
        sample_every_epochs: write a sample picture every N epochs.
        verbose: Keras' fit verbosity.
        monitor_every_epochs: measure the samples every N epochs with
            `monitoring.Monitor` (0: never): exact W1 beside the critic's
            estimate and W1 / noise floor for 2-D data, SWD for images
            (no FID here: that is `keras_wgan.evaluate`'s), into the History,
            the TensorBoard logs and `<output_dir>/logs/monitor`.

    Returns:
        A `TrainResult`.
    """
    settings = {name: value for name, value in locals().items()}
    recipe = recipes.recipe(os.fspath(dataset))
    for name, value in recipe.items():
        if settings.get(name) is None and name in settings:
            settings[name] = value
    s = types.SimpleNamespace(**settings)
    model_name = s.model_name or _model_name(s.dataset)
    output_dir = os.fspath(s.output_dir or os.path.join("runs", model_name))
    _check_positive("batch_size", s.batch_size)
    _check_positive("critic_steps", s.critic_steps)
    if s.lr_decay not in (None, "none", "linear"):
        raise ValueError(f"lr_decay must be 'linear' or 'none', received {s.lr_decay!r}")

    keras.utils.set_random_seed(s.seed)
    fit_batch = s.batch_size * (s.critic_steps if s.fresh_real_batches else 1)
    batches, info = data.load(s.dataset, batch_size=fit_batch, data_dir=s.data_dir,
                              image_size=s.image_size, seed=s.seed)
    if info.num_examples is not None and info.num_examples < fit_batch:
        raise ValueError(f"dataset {info.name!r} has {info.num_examples} examples, fewer than "
                         f"one training step's batch_size * critic_steps = {fit_batch}")
    steps_per_epoch, train_steps = _schedule(s, info, fit_batch)

    gan = build_gan(info.sample_shape, architecture=s.architecture, latent_dim=s.latent_dim,
                    spectral_norm=s.spectral_norm, critic_norm=s.critic_norm, units=s.units,
                    depth=s.depth, filters=s.filters, channels=s.channels,
                    critic_steps=s.critic_steps, penalty=s.penalty,
                    penalty_weight=s.penalty_weight, penalty_target=s.penalty_target,
                    pairwise_interpolates=s.pairwise_interpolates, clip_value=s.clip_value,
                    drift_weight=s.drift_weight, fresh_real_batches=s.fresh_real_batches,
                    seed=s.seed)
    critic_updates = train_steps * s.critic_steps
    decay = s.lr_decay == "linear"
    optimizer = s.optimizer or ("rmsprop" if s.penalty == "clip" else "adam")
    gan.compile(
        critic_optimizer=make_optimizer(optimizer, s.critic_learning_rate, s.beta_1, s.beta_2,
                                        critic_updates if decay else None),
        generator_optimizer=make_optimizer(optimizer, s.generator_learning_rate, s.beta_1,
                                           s.beta_2, train_steps if decay else None))

    real = info.sampler(2000, 1) if info.sampler is not None else None
    fit_callbacks = [
        callbacks.SamplePictures(os.path.join(output_dir, "samples"),
                                 num_samples=64 if info.kind == "images" else 1000, real=real,
                                 value_range=info.value_range,
                                 every_epochs=s.sample_every_epochs, seed=s.seed),
        keras.callbacks.TensorBoard(os.path.join(output_dir, "logs")),
        StopAtGeneratorStep(train_steps),
    ]
    # Monitoring: before the TensorBoard callback, which logs what it adds to `logs`.
    if s.monitor_every_epochs != 0:
        from keras_wgan import monitoring

        every = s.monitor_every_epochs
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 0:
            raise ValueError(f"monitor_every_epochs must be an integer >= 0 (0: no monitoring),"
                             f" received {every!r}")
        tensorboard = next(i for i, callback in enumerate(fit_callbacks)
                           if isinstance(callback, keras.callbacks.TensorBoard))
        fit_callbacks.insert(tensorboard, monitoring.Monitor(
            info, every_epochs=every, seed=s.seed,
            log_dir=os.path.join(output_dir, "logs", "monitor")))
    fit_steps = train_steps
    if s.original_schedule:
        schedule = callbacks.OriginalCriticSchedule()
        fit_steps = schedule.fit_steps(0, train_steps, s.critic_steps)
        fit_callbacks.append(schedule)
    epochs = math.ceil(fit_steps / steps_per_epoch)
    _log.info("training %s on %s: %d generator steps, %d epochs of %d steps, batch %d x %d "
              "critic steps", gan.name, info.name, train_steps, epochs, steps_per_epoch,
              s.batch_size, s.critic_steps)
    history = gan.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      callbacks=fit_callbacks, verbose=s.verbose, shuffle=False)
    generator_steps = int(gan.generator_optimizer.iterations)
    export = None
    if s.export_dir:
        from keras_wgan import export as export_lib

        export = export_lib.export_generator(
            gan, s.export_dir, model_name=model_name,
            metadata={"dataset": os.fspath(s.dataset), "architecture": s.architecture,
                      "penalty": s.penalty, "value_range": info.value_range})
    settings.update(vars(s), model_name=model_name, output_dir=output_dir,
                    train_steps=train_steps, steps_per_epoch=steps_per_epoch)
    return TrainResult(gan, info, history.history, generator_steps, output_dir, export, settings)


class StopAtGeneratorStep(keras.callbacks.Callback):
    """Stops `fit()` as soon as the generator has made `train_steps` updates."""

    def __init__(self, train_steps):
        super().__init__()
        self.train_steps = int(train_steps)

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.generator_optimizer.iterations) >= self.train_steps:
            self.model.stop_training = True


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


def _model_name(dataset):
    base = os.path.basename(os.path.normpath(os.fspath(dataset)))
    base = os.path.splitext(base)[0].replace("/", "_") or "wgan"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in base)


def _check_positive(name, value):
    if value is None or isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, received {value!r}")
