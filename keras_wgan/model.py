"""The Wasserstein GAN as a `keras.Model` trained with `model.fit()`.

A WGAN is a two-player game: the critic f estimates the 1-Wasserstein distance
between the data and the generator's distribution as mean f(real) -
mean f(fake), under a Lipschitz constraint; the generator minimises that
estimate. In theory the critic is fully optimised for each generator step; in
practice `critic_steps` critic updates are made per generator update
(Arjovsky et al., 2017; Gulrajani et al., 2017).

One `train_step` holds the whole algorithm. How real batches feed the critic
steps: with `fresh_real_batches=True` (the default, as in Algorithm 1 of the
WGAN-GP paper) every critic update sees its own real batch: the batch that
`fit()` passes in holds `critic_steps` of them and is split in equal parts, so
a dataset for `critic_steps=5` and 64 samples per critic update is batched by
320. A batch whose size is known when the step is traced must divide evenly
(a ValueError says so otherwise). A batch of a size known only at run time,
such as the ragged last batch of `fit()` on numpy arrays, gives each critic
update size // critic_steps samples and leaves out the remainder (fewer than
`critic_steps` samples: one each, reused in turn). With
`fresh_real_batches=False` every critic update reuses the whole batch, as
the keras.io WGAN-GP example does.

Random numbers (latent noise, interpolation coefficients) are stateless
functions of (seed, purpose, optimizer iteration, replica): every replica of a
`tf.distribute` strategy draws its own noise, and training resumed from a
checkpoint draws exactly what an uninterrupted run would have drawn.
"""

import warnings

import keras
import tensorflow as tf
from keras import ops

from keras_wgan import distribute, losses, penalties, validation
from keras_wgan import augment as augmentation, ema
from keras_wgan.penalties.weight_clipping import RMSPROP_EPSILON, RMSPROP_RHO, rmsprop

__all__ = ["RMSPROP_EPSILON", "RMSPROP_RHO", "WassersteinGAN", "default_optimizer", "rmsprop",
           "step_logs", "step_seed"]

# Random streams: what a stateless seed is for.
_CRITIC_LATENT, _GENERATOR_LATENT, _ALPHA = 0, 1, 2
_AUGMENT_REAL, _AUGMENT_FAKE, _AUGMENT_GENERATOR = 3, 4, 5
_VALIDATION_LATENT = 6


def default_optimizer(penalty):
    """The optimizer the papers' code uses with a Lipschitz method (a new instance each call).

    `penalties.get(penalty).default_optimizer()`: Adam(1e-4, beta_1=0.5,
    beta_2=0.9) for the penalties (the WGAN-GP released code's), RMSprop(5e-5)
    as PyTorch computes it (`rmsprop`) for weight clipping.

    Args:
        penalty: anything `penalties.get` takes (a name, a `LipschitzMethod`...).
    """
    return penalties.get(penalty).default_optimizer()


def step_seed(seed, stream, counter):
    """A stateless seed, unique per (seed, stream, counter, replica).

    Args:
        seed: the model's integer seed.
        stream: an integer naming what the numbers are for (latent noise of
            the critic, of the generator, interpolation coefficients...).
        counter: an integer tensor that advances every update, e.g. an
            optimizer's `iterations`, so that restored training continues
            the same random sequence.

    Returns:
        An int32 tensor of shape [2], for `tf.random.stateless_*` ops.
    """
    base = tf.constant([seed % (2**31 - 1), stream], dtype=tf.int32)
    folded = tf.random.experimental.stateless_fold_in(base, tf.cast(counter, tf.int64))
    return tf.random.experimental.stateless_fold_in(folded, distribute.replica_id())


def step_logs(logs):
    """The logs a train or test step returns, in the shape `fit()` can reduce.

    Under MultiWorkerMirroredStrategy with several workers, Keras reduces a
    step's outputs with `strategy.reduce(MEAN, value, axis=0)`, which fails on
    scalars ("Invalid reduction dimension 0", tensorflow/tensorflow#72388).
    There, and only there, each value is returned with shape [1]: the
    reduction averages over replicas and that axis and gives back a scalar,
    so History and progress bars still show plain numbers.

    Args:
        logs: dict of metric name -> scalar tensor.

    Returns:
        The same dict, reshaped to [1] under multi-worker training.
    """
    if not _multi_worker(tf.distribute.get_strategy()):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def _multi_worker(strategy):
    """Whether Keras reduces step outputs across workers (the test Keras itself makes)."""
    extended = strategy.extended
    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and getattr(extended, "_in_multi_worker_mode", lambda: False)())


@keras.saving.register_keras_serializable(package="keras_wgan")
class WassersteinGAN(keras.Model):
    """A Wasserstein GAN: a generator and a critic trained by `fit()`.

    Calling the model runs the generator on latent vectors, so a trained
    model is also the generator: `model(z)` or `model.generate(n)`.

    Args:
        generator: a `keras.Model` mapping [B, latent_dim] to [B, *sample_shape].
        critic: a `keras.Model` mapping [B, *sample_shape] to [B, 1], without
            batch normalisation (the gradient penalties are per sample).
        latent_dim: width of the latent vectors; read from the generator's
            input when None.
        critic_steps: critic updates per generator update, >= 1.
        penalty: the Lipschitz method: a `penalties.LipschitzMethod` (e.g.
            `penalties.GradientPenalty(weight=10.0)`), its config, a name of
            `penalties.METHODS` ("gp", "lp", "pairwise", "clip", "none",
            "gp0", "r1", "wgan_div", "ctgan") or a callable with the penalty
            signature; resolved once by `penalties.get` into `self.penalty`.
        penalty_weight: with a name or a callable, the method's weight in the
            critic loss (lambda, >= 0); None: the method's own default (10
            for "gp").
        penalty_target: with a name or a callable, the Lipschitz constant
            the penalties aim at (None: 1).
        pairwise_interpolates: with `penalty="pairwise"`, also penalise pairs
            with random interpolates (None: False).
        clip_value: with `penalty="clip"`, the box [-c, c] for critic weights
            (None: 0.01).
        drift_weight: weight of ProGAN's drift term mean f(real)^2 (0.001 in
            ProGAN); 0 turns it off.
        fresh_real_batches: split each incoming batch into `critic_steps`
            real batches, one per critic update (True), or reuse the whole
            batch for every critic update (False).
        seed: integer seed of the latent noise and interpolation coefficients.
        ema_decay: None (off), or the decay in [0, 1) of an exponential moving
            average of the generator's weights (`keras_wgan.ema`), kept in
            `ema_generator` and updated after every generator update. When on,
            `sampling_generator` (and so `generate`, calling the model, the
            sample pictures, monitoring, evaluation and export) is the average.
        ema_warmup: with `ema_decay`, use min(ema_decay, (1 + t) / (10 + t))
            at generator update t, so that early averages forget the initial
            weights.
        augment: None, or a DiffAugment policy (`keras_wgan.augment`), e.g.
            "translation,cutout" ("color" for RGB): real and generated images
            are augmented before every critic call of training (the penalty
            interpolates between the augmented ones).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:
    >>> import keras_wgan
    >>> generator, critic = keras_wgan.architectures.build("mlp", (2,), units=32)
    >>> gan = keras_wgan.WassersteinGAN(generator, critic, critic_steps=5)
    >>> gan.compile()
    >>> data, info = keras_wgan.data.load("8gaussians", batch_size=64 * 5)
    >>> history = gan.fit(data, steps_per_epoch=10, epochs=1, verbose=0)
    >>> gan.generate(4).shape
    (4, 2)
    """

    def __init__(self, generator, critic, latent_dim=None, critic_steps=5, penalty="gp",
                 penalty_weight=None, penalty_target=None, pairwise_interpolates=None,
                 clip_value=None, drift_weight=0.0, fresh_real_batches=True, seed=None,
                 ema_decay=None, ema_warmup=False, augment=None,
                 **kwargs):
        super().__init__(**kwargs)
        if latent_dim is None:
            latent_dim = generator.input_shape[-1]
        _check_int("latent_dim", latent_dim, minimum=1)
        _check_int("critic_steps", critic_steps, minimum=1)
        for name, value, strict in (("penalty_weight", penalty_weight, False),
                                    ("penalty_target", penalty_target, False),
                                    ("clip_value", clip_value, True)):
            if value is not None:
                _check_number(name, value, minimum=0.0, strict=strict)
        method = penalties.from_model_options(
            penalty, penalty_weight=penalty_weight, penalty_target=penalty_target,
            pairwise_interpolates=pairwise_interpolates, clip_value=clip_value)
        method.check_critic(critic)
        _check_number("drift_weight", drift_weight, minimum=0.0)
        if seed is None:
            seed = int(tf.random.uniform((), 0, 2**31 - 1, dtype=tf.int64))
        _check_int("seed", seed, minimum=0)
        if any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in critic._flatten_layers()):
            warnings.warn("the critic contains BatchNormalization: its outputs then depend on "
                          "the whole batch, which the per-sample Lipschitz penalties and the "
                          "concatenated real/fake critic pass assume they do not; use "
                          "LayerNormalization instead", stacklevel=2)
        self.generator = generator
        self.critic = critic
        self.latent_dim = int(latent_dim)
        self.critic_steps = int(critic_steps)
        self.penalty = method
        self.drift_weight = float(drift_weight)
        self.fresh_real_batches = bool(fresh_real_batches)
        self.seed = int(seed)
        self._setup_ema_and_augment(ema_decay, ema_warmup, augment)
        self.critic_optimizer = None
        self.generator_optimizer = None
        self.critic_loss_tracker = keras.metrics.Mean(name="critic_loss")
        self.generator_loss_tracker = keras.metrics.Mean(name="generator_loss")
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein_estimate")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        # Validation batches seen since the metrics were reset (evaluate() resets
        # them first): the counter of test_step's latent noise. A metric, so it
        # is neither a weight nor saved.
        self._test_batches = keras.metrics.Sum(name="test_batches", dtype="int32")
        self.build((None, self.latent_dim))

    # ------------------------------------------------------------------ setup
    def build(self, input_shape=None):
        """Marks the model built: its generator and critic are built already."""
        del input_shape
        self.built = True

    def _setup_ema_and_augment(self, ema_decay, ema_warmup, augment):
        """Checks and stores the EMA and augmentation options; clones the EMA generator."""
        if ema_decay is not None:
            _check_number("ema_decay", ema_decay, minimum=0.0, below=1.0, hint="or None: off")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.ema_warmup = bool(ema_warmup)
        self.augment = augmentation.check_policy(augment, self.generator.output_shape[1:])
        self.ema_generator = (None if self.ema_decay is None
                              else ema.clone_generator(self.generator))

    @property
    def penalty_weight(self):
        """The Lipschitz method's weight in the critic loss (`penalty.weight`)."""
        return self.penalty.weight

    @property
    def generator_steps(self):
        """The number of generator updates made (the training step), a Python int.

        The generator optimizer's `iterations`, which checkpoints restore; read
        so that it also works for the mirrored variable of a model built under
        a `tf.distribute` strategy (where `int(iterations)` fails). 0 before
        `compile()`.
        """
        if getattr(self, "generator_optimizer", None) is None:
            return 0
        return int(distribute.variable_value(self.generator_optimizer.iterations))

    @property
    def sampling_generator(self):
        """The generator to sample from: `ema_generator` when there is one, else `generator`."""
        return self.generator if self.ema_generator is None else self.ema_generator

    def call(self, inputs, training=False):
        """Runs the sampling generator (the EMA one if any) on latent vectors [B, latent_dim]."""
        return self.sampling_generator(inputs, training=training)

    def compile(self, critic_optimizer=None, generator_optimizer=None, **kwargs):
        """Configures the two optimizers (and any `keras.Model.compile` option).

        Args:
            critic_optimizer: a `keras.optimizers.Optimizer`, its name or
                config; None for `penalty.default_optimizer()`.
            generator_optimizer: likewise for the generator.
            **kwargs: passed to `keras.Model.compile` (`steps_per_execution`,
                `jit_compile`, `run_eagerly`...), but not `optimizer` or `loss`:
                the losses are the Wasserstein losses. `jit_compile=True`
                under a `tf.distribute` strategy warns and is turned off.
        """
        for name in ("optimizer", "loss"):
            if kwargs.get(name) is not None:
                raise ValueError(f"WassersteinGAN.compile() takes no {name}= (received "
                                 f"{kwargs[name]!r}): pass critic_optimizer= and "
                                 "generator_optimizer=")
            kwargs.pop(name, None)
        distributed = tf.distribute.has_strategy() or self._distribute_strategy is not None
        if kwargs.get("jit_compile") is True and distributed:
            # XLA-compiled steps fail under MirroredStrategy; Keras' "auto" is off there too.
            strategy = self._distribute_strategy or tf.distribute.get_strategy()
            warnings.warn("jit_compile=True is not supported under a tf.distribute strategy "
                          f"({type(strategy).__name__}): training with jit_compile=False",
                          stacklevel=2)
            kwargs["jit_compile"] = False
        # optimizer=None: Keras creates no stray third optimizer.
        super().compile(optimizer=None, **kwargs)
        self.critic_optimizer = _optimizer(critic_optimizer, self.penalty)
        self.generator_optimizer = _optimizer(generator_optimizer, self.penalty)
        # Build the optimizers' variables now, inside the caller's strategy scope:
        # under tf.distribute, variables created lazily inside fit() fail
        # (keras-team/keras#19246), and a restored checkpoint needs them.
        self.critic_optimizer.build(self.critic.trainable_variables)
        self.generator_optimizer.build(self.generator.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return None  # an uncompiled model loads uncompiled
        config = super().get_compile_config() or {}
        config.pop("optimizer", None)
        config["critic_optimizer"] = keras.saving.serialize_keras_object(self.critic_optimizer)
        config["generator_optimizer"] = keras.saving.serialize_keras_object(
            self.generator_optimizer)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        for name in ("critic_optimizer", "generator_optimizer"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        for name in ("loss", "loss_weights", "metrics", "weighted_metrics", "optimizer"):
            config.pop(name, None)
        self.compile(**config)

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            critic=keras.saving.serialize_keras_object(self.critic),
            latent_dim=self.latent_dim,
            critic_steps=self.critic_steps,
            penalty=keras.saving.serialize_keras_object(self.penalty),
            drift_weight=self.drift_weight,
            fresh_real_batches=self.fresh_real_batches,
            seed=self.seed,
        )
        config.update(ema_decay=self.ema_decay, ema_warmup=self.ema_warmup, augment=self.augment)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("generator", "critic"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        # A penalty name (with penalty_weight... beside it, as saved before the
        # penalty was an object) is resolved by __init__; a config is deserialised
        # here: a LipschitzMethod, or a function saved as the penalty.
        if isinstance(config.get("penalty"), dict):
            config["penalty"] = keras.saving.deserialize_keras_object(config["penalty"])
        return cls(**config)

    @property
    def metrics(self):
        return [self.critic_loss_tracker, self.generator_loss_tracker,
                self.wasserstein_tracker, self.penalty_tracker]

    def reset_metrics(self):
        super().reset_metrics()
        self._test_batches.reset_state()

    # --------------------------------------------------------------- training
    def train_step(self, data, update_generator=True):
        """`critic_steps` critic updates with the Lipschitz term, then one generator update.

        `update_generator=False` leaves out the generator update (see
        `critic_train_step`); it is a Python value fixed when Keras traces the step.
        """
        real = _real_samples(data)
        real_batches = self._real_batches(real)
        # Keras 3 optimizers sum gradients over replicas: scale each replica's
        # loss by 1 / replicas, i.e. average over the global batch.
        replica_scale = 1.0 / distribute.num_replicas()
        critic_variables = self.critic.trainable_variables
        # Read the counter once: the variable itself advances with every critic update.
        first_update = tf.identity(self.critic_optimizer.iterations)

        for step in range(self.critic_steps):
            real_batch = real_batches[step]
            batch_size = ops.shape(real_batch)[0]
            counter = first_update + step
            fake_batch = self.generator(self.latent_noise(batch_size, _CRITIC_LATENT, counter),
                                        training=True)
            alpha = self.interpolation_alpha(batch_size, counter)
            real_batch = self.augment_samples(real_batch, _AUGMENT_REAL, counter)
            fake_batch = self.augment_samples(fake_batch, _AUGMENT_FAKE, counter)
            with tf.GradientTape() as tape:
                outputs = self.critic(ops.concatenate([real_batch, fake_batch], axis=0),
                                      training=True)
                real_output, fake_output = outputs[:batch_size], outputs[batch_size:]
                critic_loss = losses.critic_loss(real_output, fake_output)
                penalty = self.penalty(self.critic, real_batch, fake_batch, alpha=alpha,
                                       real_output=real_output, fake_output=fake_output,
                                       training=True)
                total = critic_loss + self.penalty.weight * penalty
                if self.drift_weight:
                    total += self.drift_weight * penalties.drift_penalty(real_output)
                scaled_total = total * replica_scale
            grads = tape.gradient(scaled_total, critic_variables)
            self.critic_optimizer.apply_gradients(zip(grads, critic_variables))
            self.penalty.constrain(self.critic)
            self.critic_loss_tracker.update_state(critic_loss)
            self.wasserstein_tracker.update_state(-critic_loss)
            self.penalty_tracker.update_state(penalty)

        if not update_generator:
            return step_logs({metric.name: metric.result() for metric in self.metrics})
        generator_variables = self.generator.trainable_variables
        batch_size = ops.shape(real_batches[0])[0]
        latent = self.latent_noise(batch_size, _GENERATOR_LATENT,
                                   self.generator_optimizer.iterations)
        with tf.GradientTape() as tape:
            fake = self.generator(latent, training=True)
            fake = self.augment_samples(fake, _AUGMENT_GENERATOR,
                                        self.generator_optimizer.iterations)
            fake_output = self.critic(fake, training=True)
            generator_loss = losses.generator_loss(fake_output)
            scaled_loss = generator_loss * replica_scale
        grads = tape.gradient(scaled_loss, generator_variables)
        self.generator_optimizer.apply_gradients(zip(grads, generator_variables))
        if self.ema_generator is not None:
            self.update_ema()
        self.generator_loss_tracker.update_state(generator_loss)
        return step_logs({metric.name: metric.result() for metric in self.metrics})

    def critic_train_step(self, data):
        """A training step of critic updates only (the original WGAN's critic bursts)."""
        return self.train_step(data, update_generator=False)

    def test_step(self, data):
        """The critic's estimate and the generator loss on held-out real data.

        Each validation batch gets its own latent vectors, a function of the
        seed and the batch's number in this `evaluate()` call: the same at
        every call, so evaluations compare.
        """
        real = _real_samples(data)
        batch_size = ops.shape(real)[0]
        counter = tf.identity(self._test_batches.result())
        self._test_batches.update_state(1)
        fake = self.generator(self.latent_noise(batch_size, _VALIDATION_LATENT, counter),
                              training=False)
        real_output = self.critic(real, training=False)
        fake_output = self.critic(fake, training=False)
        critic_loss = losses.critic_loss(real_output, fake_output)
        self.critic_loss_tracker.update_state(critic_loss)
        self.wasserstein_tracker.update_state(-critic_loss)
        self.generator_loss_tracker.update_state(losses.generator_loss(fake_output))
        return step_logs({metric.name: metric.result() for metric in self.metrics
                          if metric is not self.penalty_tracker})

    def latent_noise(self, batch_size, stream, counter):
        """Latent vectors N(0, I), [batch_size, latent_dim], for one update.

        Stateless: a function of (seed, stream, counter, replica). Override to
        inject noise (e.g. to compare a distributed step with a single-device
        one on the same numbers).
        """
        seed = step_seed(self.seed, stream, counter)
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=seed)

    def augment_samples(self, samples, stream, counter):
        """Critic inputs after the `augment` policy (the samples themselves without one).

        Stateless like `latent_noise`: real and generated samples, and the
        generator's update, draw from their own streams.
        """
        if not self.augment:
            return samples
        seed = step_seed(self.seed, stream, counter)
        return augmentation.diff_augment(samples, self.augment, seed)

    def update_ema(self):
        """Moves `ema_generator`'s weights towards the generator's (after its update)."""
        decay = ema.effective_decay(self.ema_decay, self.generator_optimizer.iterations,
                                    self.ema_warmup)
        ema.update(self.ema_generator, self.generator, decay)

    def interpolation_alpha(self, batch_size, counter):
        """Per-sample interpolation coefficients alpha ~ U[0, 1], [batch_size].

        Stateless like `latent_noise`; override to inject them.
        """
        seed = step_seed(self.seed, _ALPHA, counter)
        return tf.random.stateless_uniform((batch_size,), seed=seed)

    def _real_batches(self, real):
        """The real batch of each critic update (see the module docstring)."""
        if not self.fresh_real_batches:
            return [real] * self.critic_steps
        size = real.shape[0]
        if size is None:
            return _split_ragged(real, self.critic_steps)
        if size % self.critic_steps:
            raise ValueError(
                f"the batch of {size} real samples cannot be split into critic_steps="
                f"{self.critic_steps} equal batches: batch the dataset by batch_size * "
                "critic_steps, or pass "
                "fresh_real_batches=False to reuse one batch for every critic update")
        return ops.split(real, self.critic_steps, axis=0)

    # -------------------------------------------------------------- sampling
    def generate(self, num_samples, seed=None, batch_size=1024):
        """Draws samples from the sampling generator (the EMA one if any), as numpy.

        Args:
            num_samples: how many samples, >= 1.
            seed: integer seed of the latent noise (None: a random one).
            batch_size: samples per generator call.

        Returns:
            float32 numpy array [num_samples, *sample_shape].
        """
        _check_int("num_samples", num_samples, minimum=1)
        if seed is None:
            latent = keras.random.normal((num_samples, self.latent_dim))
        else:
            latent = keras.random.normal((num_samples, self.latent_dim), seed=int(seed))
        return self.sampling_generator.predict(latent, batch_size=batch_size, verbose=0)


def _real_samples(data):
    """The real samples of a `fit()` batch: x, or x of (x, y[, w])."""
    if isinstance(data, (tuple, list)):
        data = data[0]
    return ops.cast(data, "float32")


def _split_ragged(real, parts):
    """`parts` equal batches of a batch of any size (see the module docstring).

    Part i holds samples i * n .. i * n + n - 1 with n = max(size // parts, 1),
    modulo the size: the remainder is left out, and a batch of fewer than
    `parts` samples gives one sample per part, reused in turn.
    """
    size = ops.shape(real)[0]
    per_part = ops.maximum(size // parts, 1)
    offsets = ops.arange(per_part)
    return [ops.take(real, (i * per_part + offsets) % size, axis=0) for i in range(parts)]


def _optimizer(identifier, penalty):
    if identifier is None:
        return penalty.default_optimizer()
    return keras.optimizers.get(identifier)


# The package's shared checks (one message format).
_check_int = validation.integer
_check_number = validation.number
