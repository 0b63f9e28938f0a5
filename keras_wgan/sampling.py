"""Drawing samples from a trained GAN: the sampling side of `WassersteinGAN`.

`SamplingMixin` gives a GAN model `sampling_generator`, `generate` and
`sample_labels`. They read only what every model of the package has:
`generator`, `ema_generator`, `latent_dim`, `num_classes` and
`class_frequencies`. Training never calls them; evaluation, the sample
pictures and the export do.

Example:
>>> import keras_wgan
>>> generator, critic = keras_wgan.architectures.build("mlp", (2,), units=8)
>>> gan = keras_wgan.WassersteinGAN(generator, critic, seed=0)
>>> gan.generate(3, seed=1).shape
(3, 2)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops
from numpy.typing import ArrayLike

from keras_wgan import conditioning
from keras_wgan import truncation as truncation_lib
from keras_wgan.validation import integer as check_integer

__all__ = ["SamplingMixin"]


class SamplingMixin:
    """`generate` and `sample_labels` for a GAN model (a base of `WassersteinGAN`)."""

    # What the model has (`WassersteinGAN` sets them).
    generator: keras.Model
    ema_generator: keras.Model | None
    latent_dim: int
    num_classes: int | None
    class_frequencies: np.ndarray | None

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator to sample from: `ema_generator` when there is one, else `generator`."""
        return self.generator if self.ema_generator is None else self.ema_generator

    def generate(
        self,
        num_samples: int,
        labels: ArrayLike | None = None,
        seed: int | None = None,
        batch_size: int = 1024,
        truncation: float | None = None,
    ) -> np.ndarray:
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
            truncation: BigGAN's truncation trick (`keras_wgan.truncation`):
                latent entries beyond this threshold are redrawn within it,
                trading diversity for quality; None or 0: off. With a seed,
                the entries within the threshold are those drawn without it.

        Returns:
            float32 numpy array [num_samples, *sample_shape].

        Raises:
            ValueError: for labels outside [0, num_classes), of another
                length, or given to an unconditional model; for a truncation
                that is not None, 0 or a finite number > 0.
        """
        check_integer("num_samples", num_samples, minimum=1)
        threshold = truncation_lib.check("truncation", truncation)
        labels = self.sample_labels(num_samples, labels, seed)
        shape = (num_samples, self.latent_dim)
        latent = keras.random.normal(shape, seed=None if seed is None else int(seed))
        if threshold is not None:
            # The redraws' uniforms: the seed's second stream ([seed, 1]; the latent's is
            # [seed, 0]), independent of the latent noise.
            stream = None
            if seed is not None:
                stream = keras.random.SeedGenerator(int(seed))
                stream.next()
            uniform = keras.random.uniform(shape, seed=stream)
            latent = truncation_lib.truncate(latent, threshold, uniform)
        inputs = latent if labels is None else [latent, ops.convert_to_tensor(labels)]
        return self.sampling_generator.predict(inputs, batch_size=batch_size, verbose=0)

    def sample_labels(
        self, num_samples: int, labels: ArrayLike | None = None, seed: int | None = None
    ) -> np.ndarray | None:
        """The checked labels of `num_samples` samples, int32 numpy [num_samples] (see `generate`).

        Returns:
            None for an unconditional model (which refuses labels).
        """
        return conditioning.draw_labels(
            num_samples, labels, seed, self.num_classes, self.class_frequencies
        )
