"""The Wasserstein GAN as a `keras.Model` trained with `model.fit()`.

A WGAN is a two-player game: the critic f estimates the 1-Wasserstein distance
between the data and the generator's distribution as mean f(real) -
mean f(fake), under a Lipschitz constraint; the generator minimises that
estimate. In theory the critic is fully optimised for each generator step; in
practice `critic_steps` critic updates are made per generator update
(Arjovsky et al., 2017; Gulrajani et al., 2017).

One `train_step` holds the whole algorithm. With `fresh_real_batches=True`
every critic update sees its own real batch: the `fit()` batch holds
`critic_steps` of them (`keras_wgan.batches`).

Random numbers (latent noise, interpolation coefficients) are stateless
functions of (seed, purpose, optimizer iteration, replica): every replica of a
`tf.distribute` strategy draws its own noise, and training resumed from a
checkpoint draws exactly what an uninterrupted run would have drawn.

Class-conditional training (`num_classes=K`, batches of `(samples, labels)`):
`keras_wgan.conditioning` says how labels pair real and generated samples and
what an auxiliary-classifier critic adds to the losses. Sampling (`generate`)
and the Keras serialization are the model's bases `sampling.SamplingMixin` and
`model_config.ConfigMixin`.
"""

from collections.abc import Callable, Sequence
from typing import Any

import keras
import tensorflow as tf
from keras import ops

from keras_wgan import augment as augmentation
from keras_wgan import batches, conditioning, distribute, ema, losses, optimizers, penalties

# The package's layers (PatchConv2D in the default critics, ConditionalBatchNormalization
# in conditional generators) are registered when their module is imported: importing it
# with the model lets a saved WassersteinGAN load in a process that built no network.
from keras_wgan import layers as _layers  # noqa: F401
from keras_wgan.conditioning import ACGAN_SCALE, ACGAN_SCALE_G
from keras_wgan.data.labels import check_num_classes
from keras_wgan.distribute import step_logs, step_seed
from keras_wgan.model_config import ConfigMixin
from keras_wgan.optimizers import RMSPROP_EPSILON, RMSPROP_RHO, default_optimizer, rmsprop
from keras_wgan.penalties.base import LipschitzMethod
from keras_wgan.sampling import SamplingMixin
from keras_wgan.validation import integer as _check_int
from keras_wgan.validation import number as _check_number

# The neighbours' names that callers import from here are listed too.
__all__ = [
    "ACGAN_SCALE",
    "ACGAN_SCALE_G",
    "RMSPROP_EPSILON",
    "RMSPROP_RHO",
    "WassersteinGAN",
    "default_optimizer",
    "rmsprop",
    "step_logs",
    "step_seed",
]

# Random streams: what a stateless seed is for.
_CRITIC_LATENT, _GENERATOR_LATENT, _ALPHA = 0, 1, 2
_AUGMENT_REAL, _AUGMENT_FAKE, _AUGMENT_GENERATOR = 3, 4, 5
_VALIDATION_LATENT = 6


@keras.saving.register_keras_serializable(package="keras_wgan")
class WassersteinGAN(SamplingMixin, ConfigMixin, keras.Model):
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
            `penalties.GradientPenalty(weight=10.0)`), its config, a name
            registered in `keras_wgan.penalties` (e.g. "gp") or a callable
            with the penalty signature; resolved once by `penalties.get` into
            `self.penalty`.
        penalty_weight, penalty_target, pairwise_interpolates, clip_value:
            with a name or a callable, the method's weight in the critic loss
            (lambda, >= 0), Lipschitz target, pairwise interpolates and
            clipping box [-c, c], where the method has them; None: the
            method's defaults (`penalties.from_model_options`).
        drift_weight: weight of ProGAN's drift term mean f(real)^2 (0.001 in
            ProGAN); 0 turns it off.
        fresh_real_batches: split each incoming batch into `critic_steps`
            real batches, one per critic update (True), or reuse the whole
            batch for every critic update (False).
        seed: integer seed of the latent noise and interpolation coefficients.
        ema_decay: None (off), or the decay in [0, 1) of an exponential moving
            average of the generator's weights (`keras_wgan.ema`), kept in
            `ema_generator`, which then is the `sampling_generator`.
        ema_warmup: with `ema_decay`, use min(ema_decay, (1 + t) / (10 + t))
            at generator update t.
        augment: None, or a DiffAugment policy (`keras_wgan.augment`), e.g.
            "translation,cutout": real and generated images are augmented
            before every critic call of training.
        augment_target: None (every augmentation always applied), or a
            target in (0, 1) of the critic's overfitting measure
            (`augment.overfitting_sign`; StyleGAN2-ADA's 0.6), with `augment`:
            each augmentation is then applied to each sample with a
            probability `augment_p`, which starts at 0 and moves after every
            training step towards where the measure meets the target
            (`augment.adjusted_probability`). A critic that ranks the
            training images ever higher is memorising them: more augmentation
            hides them from it, without augmenting a data set large enough
            not to need it. `augment_p` is a non-trainable weight, saved with
            the model and in training checkpoints; `fit()` logs it (its value
            after the step) and the measure's mean over the epoch (`augment_r`).
        num_classes: None (unconditional), or K for class-conditional
            training (`keras_wgan.conditioning`): networks of
            `architectures.build(..., num_classes=K)` and `fit()` batches of
            (samples, int labels in [0, K)).
        class_frequencies: with `num_classes`, the share of each class in
            the data (normalised here), from which `generate` draws labels;
            None: uniform.
        classifier_weight: with an auxiliary-classifier critic, the weight of
            its cross-entropy on real samples in the critic loss.
        generator_classifier_weight: its weight on generated samples in the
            generator loss.
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

    def __init__(
        self,
        generator: keras.Model,
        critic: keras.Model,
        latent_dim: int | None = None,
        critic_steps: int = 5,
        penalty: str | dict[str, Any] | LipschitzMethod | Callable[..., Any] = "gp",
        penalty_weight: float | None = None,
        penalty_target: float | None = None,
        pairwise_interpolates: bool | None = None,
        clip_value: float | None = None,
        drift_weight: float = 0.0,
        fresh_real_batches: bool = True,
        seed: int | None = None,
        ema_decay: float | None = None,
        ema_warmup: bool = False,
        augment: str | Sequence[str] | None = None,
        augment_target: float | None = None,
        num_classes: int | None = None,
        class_frequencies: Sequence[float] | None = None,
        classifier_weight: float = ACGAN_SCALE,
        generator_classifier_weight: float = ACGAN_SCALE_G,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        num_classes = check_num_classes(num_classes)
        conditioning.check_networks(generator, critic, num_classes)
        if latent_dim is None:
            latent_dim = (
                generator.input_shape[-1] if num_classes is None else generator.inputs[0].shape[-1]
            )
        _check_int("latent_dim", latent_dim, minimum=1)
        _check_int("critic_steps", critic_steps, minimum=1)
        for name, value, strict in (
            ("penalty_weight", penalty_weight, False),
            ("penalty_target", penalty_target, False),
            ("clip_value", clip_value, True),
        ):
            if value is not None:
                _check_number(name, value, minimum=0.0, strict=strict)
        method = penalties.from_model_options(
            penalty,
            penalty_weight=penalty_weight,
            penalty_target=penalty_target,
            pairwise_interpolates=pairwise_interpolates,
            clip_value=clip_value,
        )
        method.check_critic(critic)
        _check_number("drift_weight", drift_weight, minimum=0.0)
        if seed is None:
            seed = int(tf.random.uniform((), 0, 2**31 - 1, dtype=tf.int64))
        _check_int("seed", seed, minimum=0)
        batches.check_critic(critic)
        self.generator = generator
        self.critic = critic
        self.latent_dim = int(latent_dim)
        self.critic_steps = int(critic_steps)
        self.penalty = method
        self.drift_weight = float(drift_weight)
        self.fresh_real_batches = bool(fresh_real_batches)
        self.seed = int(seed)
        if ema_decay is not None:
            _check_number("ema_decay", ema_decay, minimum=0.0, below=1.0, hint="or None: off")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.ema_warmup = ema.check_warmup(ema_warmup, self.ema_decay)
        self.augment = augmentation.check_policy(augment, generator.output_shape[1:])
        self.augment_target = augmentation.check_target(augment_target, self.augment)
        self._setup_adaptive_augment()
        self.ema_generator = None if ema_decay is None else ema.clone_generator(generator)
        self._setup_conditioning(
            num_classes, class_frequencies, classifier_weight, generator_classifier_weight
        )
        self.critic_optimizer: Any = None  # made by compile()
        self.generator_optimizer: Any = None
        self.critic_loss_tracker = keras.metrics.Mean(name="critic_loss")
        self.generator_loss_tracker = keras.metrics.Mean(name="generator_loss")
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein_estimate")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        # The counter of test_step's latent noise: a metric, reset by evaluate(), not saved.
        self._test_batches = keras.metrics.Sum(name="test_batches", dtype="int32")
        self.build((None, self.latent_dim))

    # ------------------------------------------------------------------ setup
    def build(self, input_shape: Any = None) -> None:
        """Marks the model built: its generator and critic are built already."""
        del input_shape
        self.built = True

    def _setup_adaptive_augment(self):
        """The adaptive augmentation's probability (a weight) and measure's tracker, if on.

        The probability is float32 whatever the precision policy, and under a
        `tf.distribute` strategy each replica computes the same new value
        (from the measure's mean over the replicas), so the first replica's
        is kept.
        """
        self.augment_p: Any = None
        if self.augment_target is None:
            return
        self.augment_p = self.add_weight(
            shape=(),
            initializer="zeros",
            dtype="float32",
            trainable=False,
            aggregation="only_first_replica",
            name="augment_p",
        )
        self.augment_r_tracker = keras.metrics.Mean(name="augment_r")

    def _setup_conditioning(
        self, num_classes, class_frequencies, classifier_weight, generator_classifier_weight
    ):
        """Checks and stores the class-conditional options (all None for an unconditional model)."""
        self.num_classes = num_classes
        self.auxiliary = num_classes is not None and len(self.critic.outputs) == 2
        self.critic_conditioning = (
            None if num_classes is None else "auxiliary" if self.auxiliary else "projection"
        )
        self.class_frequencies = conditioning.class_frequencies(class_frequencies, num_classes)
        self.classifier_weight = float(
            _check_number("classifier_weight", classifier_weight, minimum=0.0)
        )
        self.generator_classifier_weight = float(
            _check_number("generator_classifier_weight", generator_classifier_weight, minimum=0.0)
        )
        if self.auxiliary:
            self.classifier_loss_tracker = keras.metrics.Mean(name="classifier_loss")
            self.critic_accuracy_tracker = keras.metrics.Mean(name="critic_accuracy")

    @property
    def conditional(self) -> bool:
        """Whether the model is class-conditional (`num_classes` is set)."""
        return self.num_classes is not None

    @property
    def penalty_weight(self) -> float:
        """The Lipschitz method's weight in the critic loss (`penalty.weight`)."""
        return self.penalty.weight

    @property
    def generator_steps(self) -> int:
        """The number of generator updates made (the training step), a Python int.

        The generator optimizer's `iterations`, which checkpoints restore (also
        under a `tf.distribute` strategy); 0 before `compile()`.
        """
        if getattr(self, "generator_optimizer", None) is None:
            return 0
        return int(distribute.variable_value(self.generator_optimizer.iterations))

    def call(self, inputs: Any, training: bool = False) -> Any:
        """Runs the sampling generator (the EMA one if any) on latent vectors [B, latent_dim]."""
        return self.sampling_generator(inputs, training=training)

    def compile(
        self,
        critic_optimizer: keras.optimizers.Optimizer | str | dict[str, Any] | None = None,
        generator_optimizer: keras.optimizers.Optimizer | str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Configures the two optimizers (and any `keras.Model.compile` option).

        Args:
            critic_optimizer: a `keras.optimizers.Optimizer`, its name or
                config; None for `penalty.default_optimizer()`.
            generator_optimizer: likewise for the generator. A
                `optimizers.LinearDecay` learning rate of either is bound to
                the generator step.
            **kwargs: passed to `keras.Model.compile` (`steps_per_execution`,
                `jit_compile`, `run_eagerly`...), but not `optimizer` or `loss`:
                the losses are the Wasserstein losses. `jit_compile=True`
                under a `tf.distribute` strategy warns and is turned off.
        """
        for name in ("optimizer", "loss"):
            if kwargs.get(name) is not None:
                raise ValueError(
                    f"WassersteinGAN.compile() takes no {name}= (received "
                    f"{kwargs[name]!r}): pass critic_optimizer= and "
                    "generator_optimizer="
                )
            kwargs.pop(name, None)
        if "jit_compile" in kwargs:
            kwargs["jit_compile"] = distribute.jit_compile(
                kwargs["jit_compile"], self._distribute_strategy
            )
        # optimizer=None: Keras creates no stray third optimizer.
        super().compile(optimizer=None, **kwargs)
        self.critic_optimizer = optimizers.get(critic_optimizer, self.penalty)
        self.generator_optimizer = optimizers.get(generator_optimizer, self.penalty)
        for optimizer in (self.critic_optimizer, self.generator_optimizer):
            optimizers.bind_generator_step(optimizer, self.generator_optimizer.iterations)
        # Build the optimizers' variables now, inside the caller's strategy scope:
        # under tf.distribute, variables created lazily inside fit() fail
        # (keras-team/keras#19246), and a restored checkpoint needs them.
        self.critic_optimizer.build(self.critic.trainable_variables)
        self.generator_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        metrics = [
            self.critic_loss_tracker,
            self.generator_loss_tracker,
            self.wasserstein_tracker,
            self.penalty_tracker,
        ]
        if self.auxiliary:
            metrics += [self.classifier_loss_tracker, self.critic_accuracy_tracker]
        if self.augment_p is not None:
            metrics.append(self.augment_r_tracker)
        return metrics

    def reset_metrics(self) -> None:
        super().reset_metrics()
        self._test_batches.reset_state()

    # --------------------------------------------------------------- training
    def train_step(self, data: Any, update_generator: bool = True) -> dict[str, Any]:
        """`critic_steps` critic updates with the Lipschitz term, then one generator update.

        `update_generator=False` leaves out the generator update (see
        `critic_train_step`); it is a Python value fixed when Keras traces the step.
        """
        real, labels = self._samples_and_labels(data)
        real_batches = self._real_batches(real)
        label_batches = [None] * self.critic_steps if labels is None else self._real_batches(labels)
        # Keras 3 optimizers sum gradients over replicas: scale each replica's
        # loss by 1 / replicas, i.e. average over the global batch.
        replica_scale = 1.0 / distribute.num_replicas()
        # Read the counter once: the variable itself advances with every critic update.
        first_update = tf.identity(self.critic_optimizer.iterations)
        overfitting = []  # the adaptive augmentation's measure of each critic update
        for step in range(self.critic_steps):
            real_batch, label_batch = real_batches[step], label_batches[step]
            batch_size = ops.shape(real_batch)[0]
            counter = first_update + step
            fake_batch = self._generate(
                self.latent_noise(batch_size, _CRITIC_LATENT, counter), label_batch, training=True
            )
            alpha = self.interpolation_alpha(batch_size, counter)
            real_batch = self.augment_samples(real_batch, _AUGMENT_REAL, counter)
            fake_batch = self.augment_samples(fake_batch, _AUGMENT_FAKE, counter)
            critic = penalties.bind_labels(self.critic, label_batch)
            with tf.GradientTape() as tape:
                # One critic pass over real and fake samples (each pair shares its label).
                outputs, logits = self._critic_pass(real_batch, fake_batch, label_batch)
                real_output, fake_output = outputs[:batch_size], outputs[batch_size:]
                critic_loss = losses.critic_loss(real_output, fake_output)
                penalty = self.penalty(
                    critic,
                    real_batch,
                    fake_batch,
                    alpha=alpha,
                    real_output=real_output,
                    fake_output=fake_output,
                    training=True,
                )
                total = critic_loss + self.penalty.weight * penalty
                total = self._critic_extras(total, real_output, logits, label_batch)
                scaled_total = total * replica_scale
            _apply(self.critic_optimizer, tape, scaled_total, self.critic)
            self.penalty.constrain(self.critic)
            self.critic_loss_tracker.update_state(critic_loss)
            self.wasserstein_tracker.update_state(-critic_loss)
            self.penalty_tracker.update_state(penalty)
            if self.augment_p is not None:
                overfitting.append(augmentation.overfitting_sign(real_output, fake_output))

        if update_generator:
            counter = self.generator_optimizer.iterations
            label_batch = label_batches[0]
            latent = self.latent_noise(ops.shape(real_batches[0])[0], _GENERATOR_LATENT, counter)
            with tf.GradientTape() as tape:
                fake = self._generate(latent, label_batch, training=True)
                fake = self.augment_samples(fake, _AUGMENT_GENERATOR, counter)
                fake_output = self._critic(fake, label_batch, training=True)
                if self.auxiliary:
                    fake_output, logits = fake_output
                generator_loss = losses.generator_loss(fake_output)
                if self.auxiliary:
                    generator_loss += self.generator_classifier_weight * (
                        conditioning.cross_entropy(label_batch, logits)
                    )
                scaled_loss = generator_loss * replica_scale
            _apply(self.generator_optimizer, tape, scaled_loss, self.generator)
            if self.ema_generator is not None:
                self.update_ema()
            self.generator_loss_tracker.update_state(generator_loss)
        logs = {}
        if self.augment_p is not None:  # before the results: it updates augment_r
            logs["augment_p"] = self.adapt_augment_probability(
                overfitting, ops.shape(real_batches[0])[0]
            )
        logs.update({metric.name: metric.result() for metric in self.metrics})
        return step_logs(logs)

    def adapt_augment_probability(self, overfitting: list[Any], batch_size: Any) -> tf.Tensor:
        """Moves `augment_p` once after a step's critic updates; returns its new value.

        The measure r is the mean over the step's critic updates and over the
        replicas (`distribute.replica_mean`), so that every replica takes the
        same step; the step's size counts the real images the critic saw
        (`critic_steps` batches of the global batch). StyleGAN2-ADA adjusts
        every 4 steps; once a step at the rate scaled to those images is the
        same speed.

        Args:
            overfitting: `augment.overfitting_sign` of each critic update.
            batch_size: this replica's real samples per critic update.
        """
        r = distribute.replica_mean(ops.mean(ops.stack(overfitting)))
        self.augment_r_tracker.update_state(r)
        probability = augmentation.adjusted_probability(
            self.augment_p,
            r,
            self.augment_target,
            batch_size * distribute.num_replicas(),
            steps=len(overfitting),
        )
        self.augment_p.assign(probability)
        return probability

    def _critic_pass(self, real_batch, fake_batch, label_batch):
        """(scores, logits) of the critic on real and fake samples in one batch.

        Logits are None unless the critic is an auxiliary classifier.
        """
        both = ops.concatenate([real_batch, fake_batch], axis=0)
        labels = None if label_batch is None else ops.concatenate([label_batch] * 2, axis=0)
        outputs = self._critic(both, labels, training=True)
        return tuple(outputs) if self.auxiliary else (outputs, None)

    def _critic_extras(self, total, real_output, logits, label_batch):
        """The critic loss `total` plus the auxiliary classifier's and the drift terms."""
        if self.auxiliary:
            real_logits = logits[: ops.shape(label_batch)[0]]
            classifier_loss = conditioning.cross_entropy(label_batch, real_logits)
            total += self.classifier_weight * classifier_loss
            self.classifier_loss_tracker.update_state(classifier_loss)
            self.critic_accuracy_tracker.update_state(
                conditioning.accuracy(label_batch, real_logits)
            )
        if self.drift_weight:
            total += self.drift_weight * penalties.drift_penalty(real_output)
        return total

    def critic_train_step(self, data: Any) -> dict[str, Any]:
        """A training step of critic updates only (the original WGAN's critic bursts)."""
        return self.train_step(data, update_generator=False)

    def test_step(self, data: Any) -> dict[str, Any]:
        """The critic's estimate and the generator loss on held-out real data.

        Each validation batch gets its own latent vectors, a function of the
        seed and the batch's number in this `evaluate()` call: the same at
        every call, so evaluations compare.
        """
        real, labels = self._samples_and_labels(data)
        batch_size = ops.shape(real)[0]
        counter = tf.identity(self._test_batches.result())
        self._test_batches.update_state(1)
        fake = self._generate(
            self.latent_noise(batch_size, _VALIDATION_LATENT, counter), labels, training=False
        )
        real_output = conditioning.scores(self._critic(real, labels, training=False))
        fake_output = conditioning.scores(self._critic(fake, labels, training=False))
        critic_loss = losses.critic_loss(real_output, fake_output)
        self.critic_loss_tracker.update_state(critic_loss)
        self.wasserstein_tracker.update_state(-critic_loss)
        self.generator_loss_tracker.update_state(losses.generator_loss(fake_output))
        evaluated = (
            self.critic_loss_tracker,
            self.generator_loss_tracker,
            self.wasserstein_tracker,
        )
        return step_logs({metric.name: metric.result() for metric in evaluated})

    def _samples_and_labels(self, data):
        """(samples, labels) of a `fit()` batch; labels None for an unconditional model."""
        return batches.samples_and_labels(data, self.num_classes)

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

    def latent_noise(self, batch_size: Any, stream: int, counter: Any) -> tf.Tensor:
        """Latent vectors N(0, I), [batch_size, latent_dim], for one update.

        Stateless: a function of (seed, stream, counter, replica). Override to
        inject noise (e.g. to compare a distributed step with a single-device
        one on the same numbers).
        """
        seed = step_seed(self.seed, stream, counter)
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=seed)

    def augment_samples(self, samples: Any, stream: int, counter: Any) -> Any:
        """Critic inputs after the `augment` policy (the samples themselves without one).

        Stateless like `latent_noise`: real and generated samples, and the
        generator's update, draw from their own streams. With `augment_target`
        each augmentation applies with probability `augment_p` (its value
        before this step's adjustment).
        """
        if not self.augment:
            return samples
        seed = step_seed(self.seed, stream, counter)
        probability = None if self.augment_p is None else ops.convert_to_tensor(self.augment_p)
        return augmentation.diff_augment(samples, self.augment, seed, probability)

    def update_ema(self) -> None:
        """Moves `ema_generator`'s weights towards the generator's (after its update)."""
        decay = ema.effective_decay(
            self.ema_decay, self.generator_optimizer.iterations, self.ema_warmup
        )
        ema.update(self.ema_generator, self.generator, decay)

    def interpolation_alpha(self, batch_size: Any, counter: Any) -> tf.Tensor:
        """Per-sample interpolation coefficients alpha ~ U[0, 1], [batch_size].

        Stateless like `latent_noise`; override to inject them.
        """
        seed = step_seed(self.seed, _ALPHA, counter)
        return tf.random.stateless_uniform((batch_size,), seed=seed)

    def _real_batches(self, real):
        """The real batch of each critic update (`keras_wgan.batches`)."""
        return batches.real_batches(real, self.critic_steps, self.fresh_real_batches)


def _apply(optimizer, tape, loss, network):
    """One update of `network`'s trainable variables by `optimizer` on the gradient of `loss`."""
    variables = network.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables, strict=True))
