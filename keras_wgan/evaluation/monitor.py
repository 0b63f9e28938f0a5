"""Watching a WGAN train: the true distance beside the critic's estimate.

A WGAN's critic is a network of fixed architecture, not the supremum over
all 1-Lipschitz functions that defines W1, so its number, mean f(real) -
mean f(fake), is an estimate whose distance from the true W1 nobody sees
during training. `Monitor` measures it: every few epochs, on the *same*
fixed samples each time (fixed latent vectors, a fixed real set: a
`core.Reference`), it logs

* the critic's estimate on those samples, and the exact W1 (optimal
  transport, POT) it estimates: `w1_exact` for data of at most
  `max_exact_dim` numbers per sample; for images `w1_pixel` (pixel space)
  and, with a feature network, `w1_feature`; with the ratios of the estimate
  to each;
* the noise floors, measured once (two real sets of the same size are not
  at distance 0; the mean over many pairs of real sets, see `core`), and each
  metric over its floor (`w1_floor_ratio`: 1 means as close as the data to
  itself at this sample size);
* for images, ProGAN's sliced Wasserstein distance and, with a feature
  network, the Frechet distance, precision, recall, density, coverage and
  the memorisation check in its features (and, when it is a classifier,
  the classifier score; with `inception_classifier`, the Inception Score);
* a picture of the samples and a histogram of the generator's outputs, and
  a PNG plot of the critic's estimate beside the exact W1 over generator steps;
* for a conditional model (one with `num_classes`), whose fixed latent
  vectors get labels evenly spread over the classes: `conditional_accuracy`
  (the share of generated samples that a classifier trained on the real
  labels assigns to their class) and, with a feature network, `intra_fid`
  (the mean over the classes of the FID of each class); see `metrics.conditional`.

Values go into the epoch's `logs` dict (hence into `History`, Keras'
`TensorBoard` and `CSVLogger` callbacks, which must come *after* the
Monitor in the callbacks list), and, with `log_dir`, into the Monitor's own
TensorBoard writer with the generator's step count as the step.
"""

from __future__ import annotations

import logging
import os

import keras
import numpy as np

from keras_wgan import data, run_directory, validation
from keras_wgan.evaluation import core, feature_networks, networks, pictures, report
from keras_wgan.evaluation.core import real_sample_set
from keras_wgan.evaluation.metrics import conditional

__all__ = ["Monitor"]

_log = logging.getLogger("keras_wgan")

DEFAULT_POINT_SAMPLES = 2000
DEFAULT_IMAGE_SAMPLES = 256
PLOT_FILE = "critic_vs_exact_w1.png"
_PICTURE_IMAGES = 64
_BATCH = 512
_PER_CLASS = ("conditional_accuracy_class_", "intra_fid_class_")  # in records, not logged


class Monitor(keras.callbacks.Callback):
    """Measures generated samples against the data every few epochs.

    Put it in `fit()`'s callbacks *before* `keras.callbacks.TensorBoard` and
    `CSVLogger`: it adds its values to the epoch's `logs` dict, which the
    callbacks after it (and `History`) see.

    Logged keys (those that apply, see `core.Reference.measure`):
    `w1_critic_estimate` (always), `w1_exact` with `w1_ratio` (estimate / exact)
    and `w1_floor_ratio` (exact / floor); for images `swd`, `w1_pixel`,
    `w1_pixel_ratio`, and with `feature_network` `fid`, `w1_feature`,
    `w1_feature_ratio`, `precision`, `recall`, `density`, `coverage`,
    `memorisation` (with its threshold and median distance), and when it
    classifies `class_entropy` and `classifier_score` (with its std);
    `<floor>_ratio` for every floor that has a ratio. Epochs without a
    check add no keys, so with `every_epochs > 1` History's lists hold the
    checked epochs only (`records` says which).

    Args:
        real_samples: the real data: an array [N, ...] (a random set is kept;
            with twice as many the rest gives the noise floors), or a
            `data.DataInfo` (toy data: fresh samples and floors from its
            sampler; finite data: a random set, see `core.real_sample_set`).
        every_epochs: check every N epochs, >= 1.
        num_samples: generated and real samples of the metrics; default 2000
            for vectors, 256 for images (the SWD's cost grows with it).
        log_dir: if given, a TensorBoard log directory for the Monitor's own
            writer (the scalars, the picture, a histogram of generator
            outputs, step = generator updates) and the PNG plot `PLOT_FILE`
            of the critic's estimate beside the exact W1.
        feature_network: for images, a `feature_networks.FeatureNetwork`, or
            anything `feature_networks.feature_network` accepts.
        seed: seed of the latent vectors, of the real set, the floors and the SWD.
        sampler: a toy sampler `sampler(n, rng)` for the floors, if
            `real_samples` is an array.
        value_range: the samples' value range, for the picture.
        max_exact_dim: the exact W1 of vectors is computed up to this many numbers.
        swd_options: keyword arguments of `metrics.sliced_wasserstein`.
        w1_samples: images: generated and real images of the exact pixel and
            feature W1 and of the critic's estimate; default `core.W1_IMAGES`
            (2000), fewer if the data has fewer.
        floor_pairs: pairs of real sets averaged by each floor; default
            `core.MONITOR_W1_FLOOR_PAIRS` (50; the evaluate command and the
            benchmarks average 200) for vectors, `core.IMAGE_FLOOR_PAIRS` (5)
            for images.
        real_labels: a conditional model with `real_samples` an array: the
            labels of `real_samples`, int [N] (a `DataInfo` gives its own).
        classifier: a conditional model: what `conditional_accuracy` asks
            (see `core.Reference`'s `classifier`); None: the feature network
            if it is a classifier, else for images the package's classifier
            (`feature_networks.train_feature_classifier`) trained once before
            the first step on the Monitor's labelled real samples, for
            `classifier_epochs` epochs; False: no conditional accuracy.
        classifier_epochs: epochs of that classifier's training.
        inception_classifier: images: what gives the Inception Score's
            ImageNet class probabilities (see `core.Reference`), e.g.
            `inception_classes.InceptionClassifier()`; None: the feature
            network's own ImageNet logits if it has them (the papers' 2015
            graph), else no Inception Score.

    A model without `num_classes` (or with None) is measured unconditionally,
    the arguments above unused; when the feature network is a classifier,
    its `class_entropy` (how evenly the samples spread over its classes) is
    logged beside the distances.

    Attributes:
        reference: the `core.Reference` (the fixed real set and the floors).
        floors: `{name: value}` of the floors, measured at the start of training.
        records: one dict per check: epoch, step and the logged values (a
            conditional model's records also hold the per-class
            `conditional_accuracy_class_<k>` and `intra_fid_class_<k>`, which
            are not logged).
        descriptions: what each logged key is, with sample counts.
        latent, real: the fixed latent vectors and real samples.
        labels, real_labels: a conditional model's labels of `latent` (evenly
            spread, `conditional.evenly_spread_labels`) and of `real`; else None.
    """

    def __init__(
        self,
        real_samples,
        every_epochs=1,
        num_samples=None,
        log_dir=None,
        feature_network=None,
        seed=0,
        *,
        sampler=None,
        value_range=None,
        max_exact_dim=core.MAX_EXACT_DIM,
        swd_options=None,
        w1_samples=None,
        floor_pairs=None,
        real_labels=None,
        classifier=None,
        classifier_epochs=2,
        inception_classifier=None,
    ):
        super().__init__()
        validation.integer("every_epochs", every_epochs, minimum=1)
        for name, value, low in (
            ("num_samples", num_samples, 2),
            ("w1_samples", w1_samples, 2),
            ("floor_pairs", floor_pairs, 1),
        ):
            validation.integer(name, value, minimum=low, optional=True)
        self.every_epochs = int(every_epochs)
        self.seed = int(seed)
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.max_exact_dim = int(max_exact_dim)
        self.swd_options = dict(swd_options or {})
        self.w1_samples = w1_samples
        self.floor_pairs = floor_pairs
        self._source = real_samples
        self._num_samples = num_samples
        self.sampler = sampler
        self.value_range = value_range
        if isinstance(real_samples, data.DataInfo):
            self.sampler = sampler or real_samples.sampler
            self.value_range = value_range or real_samples.value_range
        self._feature_network_spec = feature_network
        self._real_labels = None if real_labels is None else np.asarray(real_labels)
        self._classifier_spec = classifier
        self.classifier_epochs = int(classifier_epochs)
        self._inception_classifier = inception_classifier
        self.reference = None
        self.latent = None
        self.real = None
        self.labels = None
        self.real_labels = None
        self.floors = {}
        self.records = []
        self.descriptions = {}
        self._writer = None

    @property
    def feature_network(self):
        """The feature network of FID and `w1_feature` (None before training or without one)."""
        return None if self.reference is None else self.reference.feature_network

    # ------------------------------------------------------------------ setup
    def on_train_begin(self, logs=None):
        if self.latent is None:
            self._prepare()
        if self.log_dir is not None and self._writer is None:
            import tensorflow as tf

            with self._full_disk_stops(starting=True):
                self._writer = tf.summary.create_file_writer(self.log_dir)
                step = self._step()
                with self._writer.as_default():
                    for name, value in self.floors.items():
                        tf.summary.scalar(
                            name, value, step=step, description=self.descriptions.get(name)
                        )
                    tf.summary.text(
                        "monitor",
                        "\n\n".join(
                            f"**{name}**: {text}" for name, text in self.descriptions.items()
                        ),
                        step=step,
                    )
                self._writer.flush()

    def _full_disk_stops(self, starting=False):
        """A full disk under the log writer: one line (`run_directory.NoSpaceLeft`)."""
        return run_directory.full_disk_stops(
            "the monitor's TensorBoard log", self.log_dir, starting
        )

    def on_train_end(self, logs=None):
        if self._writer is not None:
            with self._full_disk_stops():
                self._writer.flush()

    def _inception(self, network):
        """The Inception Score's classes: as given, else the feature network's ImageNet logits.

        The papers' 2015 graph as the feature network carries its own
        (`networks.inception_classifier`); Keras's InceptionV3 gives the score
        only when asked for (its top's weights are a file of their own).
        """
        if self._inception_classifier is not None or getattr(network, "logits", None) is None:
            return self._inception_classifier
        return networks.inception_classifier(network)

    @property
    def num_classes(self):
        """The model's number of classes: None for an unconditional model."""
        return getattr(self.model, "num_classes", None)

    def _prepare(self):
        """Draws the fixed samples and measures the floors (once)."""
        source = self._source
        num_classes = self.num_classes
        if isinstance(source, data.DataInfo):
            is_images = source.kind == "images"
        else:
            source = np.asarray(source, dtype="float32")
            if source.ndim < 2 or len(source) < 2:
                raise ValueError(
                    f"real_samples must be an array [N >= 2, ...], received shape {source.shape}"
                )
            is_images = source.ndim == 4
        n = self._num_samples or (DEFAULT_IMAGE_SAMPLES if is_images else DEFAULT_POINT_SAMPLES)
        w1 = (self.w1_samples or core.W1_IMAGES) if is_images else n
        total = max(n, w1)
        # The real set and, from disjoint real samples, the floors' pool.
        pool_labels = None
        if num_classes is not None and (
            self.sampler is not None
            or (not isinstance(source, data.DataInfo) and self._real_labels is None)
        ):
            raise ValueError(
                f"the model is conditional ({num_classes} classes) but the Monitor's "
                "real samples have no labels; expected a labelled DataInfo, or "
                "real_labels=[one label per real sample]"
            )
        if self.sampler is not None:
            pool = self.sampler(total, np.random.default_rng([self.seed, 1]))
        elif isinstance(source, data.DataInfo):
            if num_classes is None:
                pool = real_sample_set(source, 2 * total, seed=self.seed)
            else:
                pool, pool_labels = real_sample_set(source, 2 * total, seed=self.seed, labels=True)
        else:
            order = np.random.default_rng([self.seed, 1]).permutation(len(source))
            pool = source[order]
            if num_classes is not None:
                if len(self._real_labels) != len(source):
                    raise ValueError(
                        f"real_labels holds {len(self._real_labels)} labels for "
                        f"{len(source)} real samples; expected one per sample"
                    )
                pool_labels = self._real_labels[order]
        if self.sampler is None and len(pool) < 2 * total:  # keep a spare set of the same size
            total = max(min(n, len(pool)), len(pool) // 2)
        network = self._feature_network_spec
        if network is not None and is_images:
            if not isinstance(network, feature_networks.FeatureNetwork):
                network = feature_networks.feature_network(network)
        # The class entropy whenever the feature network is a classifier; a conditional
        # model's accuracy needs one (`_classifier`).
        classifier = network if getattr(network, "classify", None) is not None else None
        if num_classes is not None:
            classifier = self._classifier(network, pool, pool_labels, is_images)
        self.reference = core.Reference(
            pool[:total],
            spare=pool[total : 2 * total] if self.sampler is None else None,
            sampler=self.sampler,
            feature_network=network,
            num_samples=n,
            w1_samples=w1,
            swd_options=self.swd_options,
            max_exact_dim=self.max_exact_dim,
            seed=self.seed,
            num_classes=num_classes,
            classifier=classifier,
            real_labels=None if pool_labels is None else pool_labels[:total],
            inception_classifier=self._inception(network) if is_images else None,
        )
        self.real = self.reference.real
        self.real_labels = self.reference.real_labels
        self.is_images = self.reference.is_images
        self.exact = self.reference.exact
        self.num_samples = self.reference.num_samples
        self.latent = (
            np.random.default_rng([self.seed, 0])
            .standard_normal((len(self.real), self.model.latent_dim))
            .astype("float32")
        )
        if num_classes is not None:
            self.labels = conditional.evenly_spread_labels(len(self.latent), num_classes)
        floor_pairs = self.floor_pairs
        if floor_pairs is None and not self.is_images:
            floor_pairs = core.MONITOR_W1_FLOOR_PAIRS
        floors = self.reference.compute_floors(floor_pairs)
        self.floors = {name: floor.value for name, floor in floors.items()}
        self.descriptions = dict(self.reference.descriptions)
        for name, value in self.floors.items():
            _log.info("monitor: %s = %.5g (%s)", name, value, self.descriptions[name])

    def _classifier(self, network, pool, pool_labels, is_images):
        """The classifier of `conditional_accuracy` (None: not measured)."""
        if self._classifier_spec is False:
            return None
        if self._classifier_spec is not None:
            return self._classifier_spec
        if network is not None and getattr(network, "classify", None) is not None:
            return network
        if not is_images:
            _log.warning(
                "monitor: no classifier for the conditional accuracy of non-image "
                "samples; pass classifier=..."
            )
            return None
        model = feature_networks.train_feature_classifier(
            pool,
            pool_labels,
            epochs=self.classifier_epochs,
            seed=self.seed,
            dataset_name="the Monitor's real samples",
        )
        _log.info(
            "monitor: classifier for the conditional accuracy trained on %d real samples, "
            "held-out accuracy %.3f",
            model.training_info["num_train"],
            model.training_info["held_out_accuracy"],
        )
        return feature_networks.feature_network(model)

    # ------------------------------------------------------------ measuring
    def _step(self):
        return self.model.generator_steps

    def _inputs(self, x, labels):
        """A network's input: `x`, or `[x, labels]` for a conditional model."""
        if labels is None:
            return x
        return [keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(labels, "int32")]

    def generated(self):
        """The generator's samples of the fixed latent vectors (and labels), now."""
        return _in_batches(
            lambda z, y=None: self.model.sampling_generator(self._inputs(z, y), training=False),
            self.latent,
            self.labels,
        )

    def critic_estimate(self, fake):
        """mean critic(real) - mean critic(fake) on the fixed real set, inference mode."""

        def critic(x, y=None):
            scores = self.model.critic(self._inputs(x, y), training=False)
            # An auxiliary-classifier critic returns [scores, class logits].
            return scores[0] if isinstance(scores, (list, tuple)) else scores

        return float(
            np.mean(_in_batches(critic, self.real, self.real_labels), dtype=np.float64)
            - np.mean(_in_batches(critic, fake, self.labels), dtype=np.float64)
        )

    def measure(self, fake=None):
        """The monitored values for the model as it is now, as a dict of floats.

        Args:
            fake: the generator's output on the fixed latent vectors, if the
                caller has it already.

        Returns:
            (values, fake): `core.Reference.measure`'s dict with the critic's
            estimate, and the generated samples.
        """
        if self.latent is None:
            self._prepare()
        if fake is None:
            fake = self.generated()
        return self.reference.measure(
            fake, critic_estimate=self.critic_estimate(fake), labels=self.labels
        ), fake

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs:
            return
        if self.latent is None:
            self._prepare()
        fake = self.generated()
        if not np.all(np.isfinite(fake)):
            # The generator diverged: nothing to measure; the checkpoint callback
            # reports the step and stops training.
            _log.warning(
                "monitor epoch %d: generated samples are not finite; not measured", epoch + 1
            )
            return
        values, fake = self.measure(fake)
        step = self._step()
        self.records.append({"epoch": epoch + 1, "step": step, **values})
        values = {k: v for k, v in values.items() if not k.startswith(_PER_CLASS)}
        if logs is not None:
            logs.update(values)
        network = self.feature_network
        _log.info(
            "monitor epoch %d (generator step %d): %s%s",
            epoch + 1,
            step,
            ", ".join(f"{k}={v:.4g}" for k, v in values.items()),
            "" if network is None else f" (features: {network.name or network.description})",
        )
        if self._writer is not None:
            self._write(values, fake, step)
        if self.log_dir is not None:
            report.save_estimate_plot(
                self.records, os.path.join(self.log_dir, PLOT_FILE), self.floors
            )

    def picture(self, fake):
        """The picture of generated samples (uint8 RGB), or None for other shapes."""
        if self.is_images:
            return pictures.picture(fake[:_PICTURE_IMAGES], value_range=self.value_range)
        if fake.ndim == 2 and fake.shape[1] == 2:
            return pictures.picture(fake, self.real, self.value_range)
        return None

    def _write(self, values, fake, step):
        import tensorflow as tf

        with self._full_disk_stops():
            with self._writer.as_default():
                for name, value in values.items():
                    tf.summary.scalar(
                        name, value, step=step, description=self.descriptions.get(name)
                    )
                image = self.picture(fake)
                if image is not None:
                    tf.summary.image(
                        "samples",
                        image[None],
                        step=step,
                        description=f"generated samples at generator step {step}",
                    )
                tf.summary.histogram(
                    "generator_outputs",
                    fake.reshape(-1),
                    step=step,
                    description="every number the generator outputs for the fixed latent vectors",
                )
            self._writer.flush()


def _in_batches(fn, x, labels=None, batch_size=_BATCH):
    """`fn(x)` in batches (`fn(x, labels)` when labels are given), as float32 numpy."""
    outputs = [
        keras.ops.convert_to_numpy(
            fn(x[start : start + batch_size])
            if labels is None
            else fn(x[start : start + batch_size], labels[start : start + batch_size])
        )
        for start in range(0, len(x), batch_size)
    ]
    return np.concatenate(outputs).astype("float32")
