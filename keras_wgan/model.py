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

Class-conditional training (`num_classes=K`): `fit()` batches are
`(samples, labels)` (`data.load(..., labels=True)`), the labels split with the
samples into the critic updates' real batches. Each critic update generates
its fake batch for the labels of its real batch, so real and generated
samples of each pair share a label, and scores both as `critic([x, labels])`;
the generator update generates for the labels of the first real batch. The
Lipschitz methods get the critic with the labels bound
(`penalties.bind_labels`): they differentiate with respect to the sample, the
label held fixed. An auxiliary-classifier critic (`[scores, logits]`) adds
the cross-entropy of its logits to the critic loss (on the real batch,
weight `classifier_weight`, ACGAN_SCALE = 1 in gan_cifar_resnet.py) and to
the generator loss (on the generated batch, `generator_classifier_weight`,
ACGAN_SCALE_G = 0.1); only its scores enter the Wasserstein terms and the
penalties.
"""

import warnings

import keras
import tensorflow as tf
from keras import ops

import numpy as np

from keras_wgan import distribute, labels as labels_lib, losses, penalties, validation
from keras_wgan import augment as augmentation, ema
# The package's layers (PatchConv2D in the default critics, ConditionalBatchNormalization
# in conditional generators) are registered when their module is imported: importing it
# with the model lets a saved WassersteinGAN load in a process that built no network.
from keras_wgan import layers as _layers  # noqa: F401
from keras_wgan.penalties.weight_clipping import RMSPROP_EPSILON, RMSPROP_RHO, rmsprop

__all__ = ["ACGAN_SCALE", "ACGAN_SCALE_G", "RMSPROP_EPSILON", "RMSPROP_RHO", "WassersteinGAN",
           "default_optimizer", "rmsprop", "step_logs", "step_seed"]

#: The auxiliary classifier's weights in the critic and the generator losses
#: (gan_cifar_resnet.py of the WGAN-GP code: ACGAN_SCALE, ACGAN_SCALE_G).
ACGAN_SCALE, ACGAN_SCALE_G = 1.0, 0.1

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
        num_classes: None (unconditional), or K for class-conditional
            training: the generator is called as `generator([noise, label])`
            and the critic as `critic([sample, label])` (the networks of
            `architectures.build(..., num_classes=K)`), and `fit()` batches
            are (samples, int labels in [0, K)).
        class_frequencies: with `num_classes`, the share of each class in
            the data (K non-negative numbers, normalised here), from which
            `generate` draws labels; None: uniform.
        classifier_weight: with an auxiliary-classifier critic (outputs
            [scores, logits]), the weight of the logits' cross-entropy on
            the real batch in the critic loss (ACGAN_SCALE, 1).
        generator_classifier_weight: its weight on the generated batch in
            the generator loss (ACGAN_SCALE_G, 0.1).
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
                 ema_decay=None, ema_warmup=False, augment=None, num_classes=None,
                 class_frequencies=None, classifier_weight=ACGAN_SCALE,
                 generator_classifier_weight=ACGAN_SCALE_G, **kwargs):
        super().__init__(**kwargs)
        num_classes = labels_lib.check_num_classes(num_classes)
        _check_conditional_networks(generator, critic, num_classes)
        if latent_dim is None:
            latent_dim = (generator.input_shape[-1] if num_classes is None
                          else generator.inputs[0].shape[-1])
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
        self._setup_conditioning(num_classes, class_frequencies, classifier_weight,
                                 generator_classifier_weight)
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

    def _setup_conditioning(self, num_classes, class_frequencies, classifier_weight,
                            generator_classifier_weight):
        """Checks and stores the class-conditional options (all None for an unconditional model)."""
        self.num_classes = num_classes
        self.auxiliary = num_classes is not None and len(self.critic.outputs) == 2
        self.critic_conditioning = (None if num_classes is None else
                                    "auxiliary" if self.auxiliary else "projection")
        self.class_frequencies = _class_frequencies(class_frequencies, num_classes)
        self.classifier_weight = float(_check_number("classifier_weight", classifier_weight,
                                                     minimum=0.0))
        self.generator_classifier_weight = float(_check_number(
            "generator_classifier_weight", generator_classifier_weight, minimum=0.0))
        if self.auxiliary:
            self.classifier_loss_tracker = keras.metrics.Mean(name="classifier_loss")
            self.critic_accuracy_tracker = keras.metrics.Mean(name="critic_accuracy")

    @property
    def conditional(self):
        """Whether the model is class-conditional (`num_classes` is set)."""
        return self.num_classes is not None

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
        if self.conditional:  # an unconditional model's config is as before
            config.update(num_classes=self.num_classes,
                          class_frequencies=[float(p) for p in self.class_frequencies],
                          classifier_weight=self.classifier_weight,
                          generator_classifier_weight=self.generator_classifier_weight)
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
        metrics = [self.critic_loss_tracker, self.generator_loss_tracker,
                   self.wasserstein_tracker, self.penalty_tracker]
        if self.auxiliary:
            metrics += [self.classifier_loss_tracker, self.critic_accuracy_tracker]
        return metrics

    def reset_metrics(self):
        super().reset_metrics()
        self._test_batches.reset_state()

    # --------------------------------------------------------------- training
    def train_step(self, data, update_generator=True):
        """`critic_steps` critic updates with the Lipschitz term, then one generator update.

        `update_generator=False` leaves out the generator update (see
        `critic_train_step`); it is a Python value fixed when Keras traces the step.
        """
        real, labels = self._samples_and_labels(data)
        real_batches = self._real_batches(real)
        label_batches = ([None] * self.critic_steps if labels is None
                         else self._real_batches(labels))
        # Keras 3 optimizers sum gradients over replicas: scale each replica's
        # loss by 1 / replicas, i.e. average over the global batch.
        replica_scale = 1.0 / distribute.num_replicas()
        critic_variables = self.critic.trainable_variables
        # Read the counter once: the variable itself advances with every critic update.
        first_update = tf.identity(self.critic_optimizer.iterations)

        for step in range(self.critic_steps):
            real_batch, label_batch = real_batches[step], label_batches[step]
            batch_size = ops.shape(real_batch)[0]
            counter = first_update + step
            fake_batch = self._generate(self.latent_noise(batch_size, _CRITIC_LATENT, counter),
                                        label_batch, training=True)
            alpha = self.interpolation_alpha(batch_size, counter)
            real_batch = self.augment_samples(real_batch, _AUGMENT_REAL, counter)
            fake_batch = self.augment_samples(fake_batch, _AUGMENT_FAKE, counter)
            critic = penalties.bind_labels(self.critic, label_batch)
            with tf.GradientTape() as tape:
                both = ops.concatenate([real_batch, fake_batch], axis=0)
                if label_batch is None:
                    outputs = self.critic(both, training=True)
                else:  # the pairs share their labels
                    outputs = self.critic([both, ops.concatenate([label_batch] * 2, axis=0)],
                                          training=True)
                if self.auxiliary:
                    outputs, logits = outputs
                real_output, fake_output = outputs[:batch_size], outputs[batch_size:]
                critic_loss = losses.critic_loss(real_output, fake_output)
                penalty = self.penalty(critic, real_batch, fake_batch, alpha=alpha,
                                       real_output=real_output, fake_output=fake_output,
                                       training=True)
                total = critic_loss + self.penalty.weight * penalty
                if self.auxiliary:
                    classifier_loss = _cross_entropy(label_batch, logits[:batch_size])
                    total += self.classifier_weight * classifier_loss
                if self.drift_weight:
                    total += self.drift_weight * penalties.drift_penalty(real_output)
                scaled_total = total * replica_scale
            grads = tape.gradient(scaled_total, critic_variables)
            self.critic_optimizer.apply_gradients(zip(grads, critic_variables))
            self.penalty.constrain(self.critic)
            self.critic_loss_tracker.update_state(critic_loss)
            self.wasserstein_tracker.update_state(-critic_loss)
            self.penalty_tracker.update_state(penalty)
            if self.auxiliary:
                self.classifier_loss_tracker.update_state(classifier_loss)
                self.critic_accuracy_tracker.update_state(
                    _accuracy(label_batch, logits[:batch_size]))

        if not update_generator:
            return step_logs({metric.name: metric.result() for metric in self.metrics})
        generator_variables = self.generator.trainable_variables
        batch_size = ops.shape(real_batches[0])[0]
        latent = self.latent_noise(batch_size, _GENERATOR_LATENT,
                                   self.generator_optimizer.iterations)
        label_batch = label_batches[0]
        with tf.GradientTape() as tape:
            fake = self._generate(latent, label_batch, training=True)
            fake = self.augment_samples(fake, _AUGMENT_GENERATOR,
                                        self.generator_optimizer.iterations)
            fake_output = self._critic(fake, label_batch, training=True)
            if self.auxiliary:
                fake_output, logits = fake_output
            generator_loss = losses.generator_loss(fake_output)
            if self.auxiliary:
                generator_loss += self.generator_classifier_weight * _cross_entropy(
                    label_batch, logits)
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
        real, labels = self._samples_and_labels(data)
        batch_size = ops.shape(real)[0]
        counter = tf.identity(self._test_batches.result())
        self._test_batches.update_state(1)
        fake = self._generate(self.latent_noise(batch_size, _VALIDATION_LATENT, counter),
                              labels, training=False)
        real_output = _scores(self._critic(real, labels, training=False))
        fake_output = _scores(self._critic(fake, labels, training=False))
        critic_loss = losses.critic_loss(real_output, fake_output)
        self.critic_loss_tracker.update_state(critic_loss)
        self.wasserstein_tracker.update_state(-critic_loss)
        self.generator_loss_tracker.update_state(losses.generator_loss(fake_output))
        trained_only = [self.penalty_tracker] + (
            [self.classifier_loss_tracker, self.critic_accuracy_tracker] if self.auxiliary
            else [])
        return step_logs({metric.name: metric.result() for metric in self.metrics
                          if metric not in trained_only})

    def _samples_and_labels(self, data):
        """(samples, labels) of a `fit()` batch; labels None for an unconditional model."""
        if not self.conditional:
            return _real_samples(data), None
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(
                f"a class-conditional WassersteinGAN (num_classes={self.num_classes}) trains "
                "on batches (samples, labels), received batches of samples only; expected "
                "e.g. keras_wgan.data.load(..., labels=True)")
        return ops.cast(data[0], "float32"), ops.cast(data[1], "int32")

    def _generate(self, latent, labels, training):
        """The generator on latent vectors (and labels, for a conditional model)."""
        if labels is None:
            return self.generator(latent, training=training)
        return self.generator([latent, labels], training=training)

    def _critic(self, samples, labels, training):
        """The critic's outputs on samples (and labels, for a conditional model)."""
        if labels is None:
            return self.critic(samples, training=training)
        return self.critic([samples, labels], training=training)

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
    def generate(self, num_samples, labels=None, seed=None, batch_size=1024):
        """Draws samples from the sampling generator (the EMA one if any), as numpy.

        Args:
            num_samples: how many samples, >= 1.
            labels: for a conditional model, the class of each sample: an int
                (every sample) or integers [num_samples] in [0, num_classes);
                None: drawn from `class_frequencies` (with `seed`). An
                unconditional model takes none.
            seed: integer seed of the latent noise and drawn labels (None: a
                random one).
            batch_size: samples per generator call.

        Returns:
            float32 numpy array [num_samples, *sample_shape].

        Raises:
            ValueError: for labels outside [0, num_classes), of another
                length, or given to an unconditional model.
        """
        _check_int("num_samples", num_samples, minimum=1)
        labels = self.sample_labels(num_samples, labels, seed)
        if seed is None:
            latent = keras.random.normal((num_samples, self.latent_dim))
        else:
            latent = keras.random.normal((num_samples, self.latent_dim), seed=int(seed))
        inputs = latent if labels is None else [latent, ops.convert_to_tensor(labels)]
        return self.sampling_generator.predict(inputs, batch_size=batch_size, verbose=0)

    def sample_labels(self, num_samples, labels=None, seed=None):
        """The checked labels of `num_samples` samples, int32 numpy [num_samples] (see `generate`).

        Returns:
            None for an unconditional model (which refuses labels).
        """
        if not self.conditional:
            if labels is not None:
                raise ValueError(f"labels must be None for an unconditional WassersteinGAN "
                                 f"(num_classes=None), received {labels!r}")
            return None
        if labels is None:
            rng = np.random.default_rng(seed)
            return rng.choice(self.num_classes, num_samples,
                              p=self.class_frequencies).astype("int32")
        if np.ndim(labels) == 0:
            labels = np.full([num_samples], labels)
        return labels_lib.check_labels(labels, self.num_classes, argument="labels",
                                       expected_length=num_samples)


def _check_conditional_networks(generator, critic, num_classes):
    """Raises ValueError when the networks' inputs do not match `num_classes`."""
    expected = 1 if num_classes is None else 2
    for name, network, form in (("generator", generator, "[noise, label]"),
                                ("critic", critic, "[sample, label]")):
        inputs = len(getattr(network, "inputs", None) or [None])
        if inputs != expected:
            what = ("an unconditional network of one input" if num_classes is None else
                    f"a conditional network called as {name}({form})")
            raise ValueError(
                f"{name} has {inputs} inputs but num_classes={num_classes}; expected {what} "
                f"(architectures.build(..., num_classes={num_classes}))")
    if num_classes is not None and len(critic.outputs) == 2:
        width = critic.outputs[1].shape[-1]
        if width != num_classes:
            raise ValueError(f"num_classes={num_classes} but the auxiliary critic's logits have "
                             f"{width} classes; expected the same class count")


def _class_frequencies(frequencies, num_classes):
    """Normalised class frequencies, float64 [K] (uniform if None); None if unconditional."""
    if num_classes is None:
        if frequencies is not None:
            raise ValueError(f"class_frequencies needs num_classes, received {frequencies!r} "
                             "with num_classes=None")
        return None
    if frequencies is None:
        return np.full([num_classes], 1.0 / num_classes)
    array = np.asarray(frequencies, dtype="float64")
    if (array.shape != (num_classes,) or not np.all(np.isfinite(array)) or np.any(array < 0)
            or array.sum() <= 0):
        raise ValueError(f"class_frequencies must be {num_classes} non-negative numbers with a "
                         f"positive sum (one per class), received {frequencies!r}")
    return array / array.sum()


def _scores(outputs):
    """The critic's scores: its output, or the first of an auxiliary critic's [scores, logits]."""
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def _cross_entropy(labels, logits):
    """Mean sparse softmax cross-entropy of the auxiliary classifier's logits, float32."""
    return ops.mean(keras.losses.sparse_categorical_crossentropy(
        labels, ops.cast(logits, "float32"), from_logits=True))


def _accuracy(labels, logits):
    """The share of samples whose largest logit is their label."""
    predicted = ops.cast(ops.argmax(logits, axis=-1), "int32")
    return ops.mean(ops.cast(ops.equal(predicted, ops.cast(labels, "int32")), "float32"))


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
