"""Watching a WGAN train: the true distance beside the critic's estimate.

A WGAN's critic is a network of fixed architecture, not the supremum over
all 1-Lipschitz functions that defines W1, so its number, mean f(real) -
mean f(fake), is an estimate whose distance from the true W1 nobody sees
during training. `Monitor` measures it: every few epochs, on the *same*
fixed samples each time (fixed latent vectors, a fixed real set), it computes

* for data of low dimension (flattened dimension <= ``max_exact_dim``, 64 by
  default), the exact W1 between generated and real samples
  (``metrics.wasserstein1``, an optimal-transport linear programme), the
  critic's estimate on those same samples, and their ratio;
* the noise floor of W1: two real sets of the same size are not at distance
  0, so the floor (``metrics.wasserstein1_floor`` with the toy sampler, or
  two disjoint real subsets of finite data) is measured once and every check
  logs ``w1_floor_ratio = w1_exact / floor`` (1 means indistinguishable from
  the data at this sample size);
* for images, ProGAN's sliced Wasserstein distance (``metrics.sliced_wasserstein``,
  mean over pyramid levels), and with a feature network the Frechet distance
  on its features;
* a picture of the samples (image grid or 2-D scatter over real points) and
  a histogram of the generator's outputs.

Values go into the epoch's ``logs`` dict (hence into ``History``, Keras'
``TensorBoard`` and ``CSVLogger`` callbacks, which must come *after* the
Monitor in the callbacks list), and, with ``log_dir``, into the Monitor's own
TensorBoard writer with the generator's step count as the step.
"""

from __future__ import annotations

import logging
import math
import numbers
import os

import keras
import numpy as np

from keras_wgan import data, metrics, pictures

__all__ = ["Monitor", "real_sample_set", "swd_min_resolution"]

_log = logging.getLogger("keras_wgan")

DEFAULT_POINT_SAMPLES = 2000
DEFAULT_IMAGE_SAMPLES = 256
MAX_READ = 20000  # Finite data: examples read to draw a random real set from.
_PICTURE_IMAGES = 64
_BATCH = 512


def swd_min_resolution(height, width, patch_size=7):
    """The coarsest SWD pyramid level for an image size: half the shorter side, at most 16.

    ProGAN stops its Laplacian pyramid at 16 px. For 28x28 MNIST that leaves a
    single level (28: the images themselves, no band-pass split); half the
    shorter side gives two, {28 band-pass, 14 low-pass}, so fine detail and
    coarse structure are measured apart. 32 -> {32, 16}, 64 -> {64, 32, 16}.
    Never below `patch_size`, so that a patch fits in every level.
    """
    return max(patch_size, min(16, min(height, width) // 2))


def real_sample_set(dataset, n, seed=0, max_read=MAX_READ):
    """A random set of ``n`` real samples of a dataset, as numpy float32.

    Toy data: fresh samples of the numpy sampler. Finite data: ``n`` examples
    drawn without replacement from the first ``min(num_examples, max_read)``
    examples (files are often sorted, e.g. by label, so the first ``n`` would
    not be a fair sample); fewer than ``n`` if the data has fewer.

    Args:
        dataset: a dataset string as for ``data.load`` or its ``DataInfo``.
        n: the number of samples wanted, >= 1.
        seed: seed of the draw.
        max_read: read at most this many examples of finite data.

    Returns:
        float32 array [min(n, available), *sample_shape], preprocessed as for training.
    """
    if isinstance(dataset, data.DataInfo):
        info = dataset
    elif os.fspath(dataset) in data.TOY_DATASETS:
        info = None
        sampler = data.TOY_DATASETS[os.fspath(dataset)]
    else:  # Opened only to learn its size and shape; nothing is read yet.
        _, info = data.load(dataset, batch_size=1, repeat=False, cache=False, shuffle_buffer=0)
    if info is not None:
        sampler = info.sampler
    if sampler is not None:
        return sampler(int(n), np.random.default_rng([seed, 1]))
    read = min(info.num_examples or max_read, max_read)
    pool = data.real_samples(info, read)
    return pool[np.random.default_rng([seed, 1]).permutation(len(pool))[: int(n)]]


class Monitor(keras.callbacks.Callback):
    """Measures generated samples against the data every few epochs.

    Put it in `fit()`'s callbacks *before* `keras.callbacks.TensorBoard` and
    `CSVLogger`: it adds its values to the epoch's ``logs`` dict, which the
    callbacks after it (and ``History``) see.

    Logged keys (those that apply): ``w1_exact``, ``w1_critic_estimate``,
    ``w1_ratio`` (critic estimate / exact W1), ``w1_floor_ratio`` (exact W1 /
    noise floor), ``swd`` (SWD x 1e3, mean over levels), ``fid`` (Frechet
    distance on ``feature_network``'s features, whose description is in
    ``descriptions["fid"]``). ``w1_critic_estimate`` is logged for every kind of
    data: it needs no exact W1. Epochs without a check add no keys, so with
    ``every_epochs > 1`` History's lists hold the checked epochs only
    (``records`` says which).

    Args:
        real_samples: the real data: an array [N, ...] (a random
            ``num_samples`` of it are kept; with at least 2 x ``num_samples``
            the rest gives the noise floors), or a ``data.DataInfo`` (toy data:
            fresh samples and the exact floor from its sampler; finite data:
            a random set, see ``real_sample_set``).
        every_epochs: check every N epochs, >= 1.
        num_samples: generated and real samples per check; default 2000 for
            vectors, 256 for images (an SWD of 256 images costs about 1.5 s
            on two busy CPU cores).
        log_dir: if given, a TensorBoard log directory for the Monitor's own
            writer: the scalars, the picture, a histogram of generator
            outputs, step = generator updates.
        feature_network: for images, a ``feature_networks.FeatureNetwork``, or
            anything ``feature_networks.feature_network`` accepts (a ``.keras``
            classifier path, a ``keras.Model``, "inception"): the ``fid`` key.
        seed: seed of the latent vectors, of the real set and of the SWD.
        sampler: a toy sampler ``sampler(n, rng)`` for the exact W1 floor, if
            ``real_samples`` is an array.
        value_range: the samples' value range, for the picture.
        max_exact_dim: the exact W1 is computed when a sample has at most this
            many numbers.
        swd_options: keyword arguments of ``metrics.sliced_wasserstein``;
            ``min_resolution`` defaults to ``swd_min_resolution(h, w)``.

    Attributes:
        floors: {"w1_floor": ..., "swd_floor": ..., "fid_floor": ...} measured
            at the start of training (those that apply; real vs real).
        records: one dict per check: epoch, step and the logged values.
        descriptions: what each logged key is, with sample counts.
        latent, real: the fixed latent vectors and real samples.
    """

    def __init__(self, real_samples, every_epochs=1, num_samples=None, log_dir=None,
                 feature_network=None, seed=0, *, sampler=None, value_range=None,
                 max_exact_dim=64, swd_options=None):
        super().__init__()
        if isinstance(every_epochs, bool) or not isinstance(every_epochs, numbers.Integral) \
                or every_epochs < 1:
            raise ValueError(f"every_epochs must be an integer >= 1, received {every_epochs!r}")
        if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(
                num_samples, numbers.Integral) or num_samples < 2):
            raise ValueError(f"num_samples must be an integer >= 2, received {num_samples!r}")
        self.every_epochs = int(every_epochs)
        self.seed = int(seed)
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.max_exact_dim = int(max_exact_dim)
        self.swd_options = dict(swd_options or {})
        self._source = real_samples
        self._num_samples = num_samples
        self.sampler = sampler
        self.value_range = value_range
        if isinstance(real_samples, data.DataInfo):
            self.sampler = sampler or real_samples.sampler
            self.value_range = value_range or real_samples.value_range
        self._feature_network_spec = feature_network
        self.feature_network = None
        self.latent = None
        self.real = None
        self.floors = {}
        self.records = []
        self.descriptions = {}
        self._floor_real = None
        self._real_features = None
        self._writer = None

    # ------------------------------------------------------------------ setup
    def on_train_begin(self, logs=None):
        if self.latent is None:
            self._prepare()
        if self.log_dir is not None and self._writer is None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(self.log_dir)
            step = self._step()
            with self._writer.as_default():
                for name, value in self.floors.items():
                    tf.summary.scalar(name, value, step=step,
                                      description=self.descriptions.get(name))
                tf.summary.text("monitor", "\n\n".join(
                    f"**{name}**: {text}" for name, text in self.descriptions.items()), step=step)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()

    def _prepare(self):
        """Draws the fixed samples and measures the floors (once)."""
        model = self.model
        source = self._source
        if isinstance(source, data.DataInfo):
            kind_images = source.kind == "images"
        else:
            source = np.asarray(source, dtype="float32")
            if source.ndim < 2 or len(source) < 2:
                raise ValueError(f"real_samples must be an array [N >= 2, ...], received shape "
                                 f"{source.shape}")
            kind_images = source.ndim == 4
        self.is_images = kind_images
        n = self._num_samples or (DEFAULT_IMAGE_SAMPLES if kind_images else DEFAULT_POINT_SAMPLES)

        # The real set and, from disjoint real samples, the floors' second set.
        if isinstance(source, data.DataInfo):
            if source.sampler is not None:
                pool = source.sampler(n, np.random.default_rng([self.seed, 1]))
            else:
                pool = real_sample_set(source, 2 * n, seed=self.seed)
        else:
            pool = source[np.random.default_rng([self.seed, 1]).permutation(len(source))]
        self.real = np.ascontiguousarray(pool[:n], dtype="float32")
        n = len(self.real)
        self.num_samples = n
        if len(pool) >= 2 * n:
            self._floor_real = pool[n:2 * n]
        rng = np.random.default_rng([self.seed, 0])
        self.latent = rng.standard_normal((n, model.latent_dim)).astype("float32")

        dim = int(np.prod(self.real.shape[1:]))
        self.exact = dim <= self.max_exact_dim
        counts = f"{n} generated vs {n} real samples, fixed for the whole run"
        self.descriptions["w1_critic_estimate"] = (
            f"mean critic(real) - mean critic(generated), critic in inference mode; {counts}")
        if self.exact:
            self.descriptions["w1_exact"] = f"exact W1 (optimal transport, POT); {counts}"
            self.descriptions["w1_ratio"] = "w1_critic_estimate / w1_exact"
            if self.sampler is not None:
                self.floors["w1_floor"] = metrics.wasserstein1_floor(self.sampler, n,
                                                                     seed=self.seed)
                self.descriptions["w1_floor"] = (
                    f"W1 between two independent sets of {n} samples of the data's sampler")
            elif self._floor_real is not None:
                self.floors["w1_floor"] = metrics.wasserstein1(self.real, self._floor_real)
                self.descriptions["w1_floor"] = (
                    f"W1 between two disjoint sets of {n} real samples")
            if "w1_floor" in self.floors:
                self.descriptions["w1_floor_ratio"] = "w1_exact / w1_floor (1: as close as data)"
        if self.is_images:
            options = dict(self.swd_options)
            options.setdefault("min_resolution", swd_min_resolution(*self.real.shape[1:3]))
            options.setdefault("seed", self.seed)
            self._swd_options = options
            self.descriptions["swd"] = (
                f"sliced Wasserstein distance x1e3 (ProGAN), mean over pyramid levels "
                f"down to {options['min_resolution']} px; {counts}")
            if self._floor_real is not None:
                self.floors["swd_floor"] = metrics.sliced_wasserstein(
                    self.real, self._floor_real, **options).mean
                self.descriptions["swd_floor"] = (
                    f"SWD between two disjoint sets of {n} real images")
            if self._feature_network_spec is not None:
                from keras_wgan import feature_networks

                network = self._feature_network_spec
                if not isinstance(network, feature_networks.FeatureNetwork):
                    network = feature_networks.feature_network(network)
                self.feature_network = network
                self._real_features = network.features(self.real)
                self.descriptions["fid"] = (
                    f"Frechet distance on the features of {network.description}; {counts}")
                if self._floor_real is not None:
                    self.floors["fid_floor"] = metrics.frechet_distance(
                        self._real_features, network.features(self._floor_real))
                    self.descriptions["fid_floor"] = (
                        f"Frechet distance between two disjoint sets of {n} real images")
        for name, value in self.floors.items():
            _log.info("monitor: %s = %.5g (%s)", name, value, self.descriptions[name])

    # ------------------------------------------------------------ measuring
    def _step(self):
        return self.model.generator_steps

    def generated(self):
        """The generator's samples of the fixed latent vectors, now."""
        return _in_batches(lambda z: self.model.sampling_generator(z, training=False), self.latent)

    def critic_estimate(self, fake):
        """mean critic(real) - mean critic(fake) on the fixed real set, inference mode."""
        critic = lambda x: self.model.critic(x, training=False)  # noqa: E731
        return float(np.mean(_in_batches(critic, self.real), dtype=np.float64)
                     - np.mean(_in_batches(critic, fake), dtype=np.float64))

    def measure(self, fake=None):
        """The monitored values for the model as it is now, as a dict of floats.

        `fake` is the generator's output on the fixed latent vectors, if the
        caller has it already.
        """
        if self.latent is None:
            self._prepare()
        if fake is None:
            fake = self.generated()
        values = {"w1_critic_estimate": self.critic_estimate(fake)}
        if self.exact:
            values["w1_exact"] = metrics.wasserstein1(fake, self.real)
            values["w1_ratio"] = _ratio(values["w1_critic_estimate"], values["w1_exact"])
            if "w1_floor" in self.floors:
                values["w1_floor_ratio"] = _ratio(values["w1_exact"], self.floors["w1_floor"])
        if self.is_images:
            values["swd"] = metrics.sliced_wasserstein(fake, self.real, **self._swd_options).mean
            if self.feature_network is not None:
                values["fid"] = metrics.frechet_distance(
                    self._real_features, self.feature_network.features(fake))
        return values, fake

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs:
            return
        if self.latent is None:
            self._prepare()
        fake = self.generated()
        if not np.all(np.isfinite(fake)):
            # The generator diverged: nothing to measure; the checkpoint callback
            # reports the step and stops training.
            _log.warning("monitor epoch %d: generated samples are not finite; not measured",
                         epoch + 1)
            return
        values, fake = self.measure(fake)
        step = self._step()
        if logs is not None:
            logs.update(values)
        self.records.append({"epoch": epoch + 1, "step": step, **values})
        _log.info("monitor epoch %d (generator step %d): %s", epoch + 1, step,
                  ", ".join(f"{k}={v:.4g}" for k, v in values.items()))
        if self._writer is not None:
            self._write(values, fake, step)

    def picture(self, fake):
        """The picture of generated samples (uint8 RGB), or None for other shapes."""
        if self.is_images:
            return pictures.picture(fake[:_PICTURE_IMAGES], value_range=self.value_range)
        if fake.ndim == 2 and fake.shape[1] == 2:
            return pictures.picture(fake, self.real, self.value_range)
        return None

    def _write(self, values, fake, step):
        import tensorflow as tf

        with self._writer.as_default():
            for name, value in values.items():
                tf.summary.scalar(name, value, step=step, description=self.descriptions.get(name))
            image = self.picture(fake)
            if image is not None:
                tf.summary.image("samples", image[None], step=step,
                                 description=f"generated samples at generator step {step}")
            tf.summary.histogram("generator_outputs", fake.reshape(-1), step=step,
                                 description="every number the generator outputs for the fixed "
                                             "latent vectors")
        self._writer.flush()


def _in_batches(fn, x, batch_size=_BATCH):
    outputs = [keras.ops.convert_to_numpy(fn(x[start:start + batch_size]))
               for start in range(0, len(x), batch_size)]
    return np.concatenate(outputs).astype("float32")


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator > 0 else math.nan
