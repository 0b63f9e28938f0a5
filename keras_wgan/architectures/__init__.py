"""Generator and critic networks for Wasserstein GANs: one module per architecture, one registry.

Every architecture is a function ``fn(sample_shape, latent_dim=..., *,
spectral_norm=False, critic_norm=None, num_classes=None,
critic_conditioning="projection", **options)`` returning a
`(generator, critic)` pair of functional `keras.Model` objects, registered by
an `Architecture` subclass in its own module (`mlp_networks`,
`dcgan_networks`, `kerasio_networks`, `resnet_networks`) that declares its
name, its size options, its default latent size and, where it has one, its
recipe; the shared building blocks are in `keras_wgan.architectures.blocks`. The networks:

* the generator maps `[batch, latent_dim]` float32 noise to
  `[batch, *sample_shape]` samples (image generators end in `tanh`, so
  pixels lie in `[-1, 1]`; the toy `mlp` ends linear);
* the critic maps `[batch, *sample_shape]` samples to `[batch, 1]` scores,
  with no sigmoid, because a Wasserstein critic outputs an unbounded score.

Why the rules below exist:

* The critic never uses batch normalisation. The gradient penalty of WGAN-GP
  penalises the gradient of each sample's score with respect to that sample;
  batch normalisation mixes the samples of a batch, so those per-sample
  gradients stop meaning anything. `critic_norm="layer"` adds per-sample
  layer normalisation instead, as the WGAN-GP paper recommends: WGAN-GP's
  own (`keras_wgan.layers.SampleLayerNormalization`: each sample over all
  its channels, height and width, epsilon 1e-5, a scale and an offset per
  channel), not Keras's default `LayerNormalization` (each pixel over its
  channels).
* `spectral_norm=True` wraps every Dense/Conv layer of the critic in
  `keras.layers.SpectralNormalization`, the Lipschitz method of Miyato et
  al., in Keras's projected form: every call with `training=True` runs one
  power iteration and assigns W / sigma to the stored kernel, which the layer
  then uses, so no gradient flows through sigma (Miyato et al. differentiate
  through W / sigma(W)) and the optimizer updates the normalised kernel. The
  training step calls the critic with `training=True` in the critic pass,
  in the gradient penalty's (and the pairwise interpolates') pass and in the
  generator's pass, so the iteration and the renormalisation run in each of
  them, not once per critic update. With `training=False` the kernel is
  used as stored.
* The critic's last layer and the generator's last layers are created with
  `dtype="float32"`, so that under a `mixed_bfloat16` policy the scores
  (which feed the loss) and the samples stay float32.
* Only `keras.layers` and `keras.ops` are used, so the networks do not tie
  the package to the TensorFlow backend.

Class-conditional networks (`num_classes=K`; None, the default, builds the
unconditional networks):

* the generator takes `[noise, label]`: float32 noise ``[batch,
  latent_dim]` and int32 labels `[batch]`` in [0, K) (inputs named
  `"noise"` and `"label"`). `mlp` and `kerasio` concatenate a
  learned label embedding (min(K, `latent_dim`) values, as many as a
  one-hot label, which the keras.io conditional GAN example concatenates)
  to the noise; `dcgan`
  and `resnet` replace every batch normalisation of the generator by
  `keras_wgan.layers.ConditionalBatchNormalization` (a scale and offset
  per class), as the conditional generator of `gan_cifar_resnet.py`;
* the critic takes `[sample, label]` (inputs `"sample"` and
  `"label"`) and, with `critic_conditioning="projection"` (the
  default), returns one score `[batch, 1]`: linear(phi(x)) + <embed(y),
  phi(x)> (Miyato & Koyama 2018, "cGANs with projection discriminator"),
  with phi(x) the features the unconditional critic feeds its last Dense
  layer and embed a [K, features] table, computed as a bias-free Dense
  layer on the one-hot label so that `spectral_norm=True` wraps it in
  `SpectralNormalization` like every other critic layer (Miyato & Koyama
  normalise the embedding too). With `critic_conditioning="auxiliary"`
  (the AC-GAN form of `gan_cifar_resnet.py`) the critic returns the list
  `[scores [batch, 1], class logits [batch, K]]`, both float32, the logits
  a Dense layer on the same features; its `label` input is accepted, so
  that every conditional critic is called the same way, and unused;
* labels outside [0, K) are not checked inside the networks (an embedding
  lookup raises on CPUs and reads zeros on GPUs, a one-hot row is zero):
  the model, export and data entry points check them with
  `keras_wgan.data.labels.check_labels`.

The registry is this package: every module's class that declares a `name`
is an architecture. `names()`, `declared()`, `setting_options()`,
`default_architecture` and the checks read the declarations without
importing TensorFlow (`keras_wgan.declarations`), for the command line;
`ARCHITECTURES` (name -> function), `build` and the functions import the
networks, and so TensorFlow, on first use.

Example:
>>> from keras_wgan import architectures
>>> architectures.names()
('dcgan', 'kerasio', 'mlp', 'resnet')
>>> architectures.default_architecture((2,))
'mlp'
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from keras_wgan import declarations, lazy, validation
from keras_wgan.architectures.base import (
    CRITIC_CONDITIONINGS,
    CRITIC_NORMS,
    Architecture,
    check_critic_norm,
    check_sample_shape,
)

if TYPE_CHECKING:
    import keras

    from keras_wgan.options import Option

__all__ = [
    "Architecture",
    "CRITIC_CONDITIONINGS",
    "CRITIC_NORMS",
    "build",
    "check_critic_norm",
    "check_options",
    "declared",
    "default_architecture",
    "names",
    "setting_options",
]

# The modules an architecture's declarations may use (they import no TensorFlow).
_LIGHT = ("keras_wgan.options", "keras_wgan.validation")
_DECLARED = ("name", "options", "latent_dim", "default_rank", "recipe")


@functools.cache
def declared() -> dict[str, dict[str, Any]]:
    """Each registered architecture's declarations, by name, read without importing TensorFlow.

    Returns:
        dict name -> {"class", "module", "doc", "name", "options",
        "latent_dim", "default_rank", "recipe"} (the `Architecture`
        attributes, its defaults for those a class leaves out), sorted by name.
    """
    found = {}
    for module in declarations.module_names(__name__):
        for entry in declarations.read(module, _DECLARED, _LIGHT):
            found[entry["name"]] = {
                **{name: getattr(Architecture, name) for name in _DECLARED},
                **entry,
            }
    return dict(sorted(found.items()))


def names() -> tuple[str, ...]:
    """The registered architectures' names, sorted."""
    return tuple(declared())


def setting_options() -> tuple[Option, ...]:
    """Every architecture's own setting options, each once (`keras_wgan.settings` fields)."""
    options: dict[str, Option] = {}
    for entry in declared().values():
        for option in entry["options"].values():
            options.setdefault(option.name, option)
    return tuple(options.values())


def check_options(architecture: str, settings: Mapping[str, Any]) -> None:
    """Refuses a setting given for an architecture that does not declare it.

    Args:
        architecture: a registered name.
        settings: dict of setting name (of `setting_options()`) -> value; a
            value equal to the option's default (None for a size) counts as
            not given.

    Raises:
        ValueError: for an unknown architecture, or a setting given for one
            without it, naming the architectures that take it.
    """
    entry = declared()[validation.choice("architecture", architecture, names())]
    own = {option.name for option in entry["options"].values()}
    for option in setting_options():
        value = settings.get(option.name, option.default)
        if option.name not in own and value != option.default:
            takers = [
                name
                for name, other in declared().items()
                if option.name in {o.name for o in other["options"].values()}
            ]
            raise ValueError(
                f"{option.name}={value} does not apply to architecture {architecture!r} (its "
                f"options: {', '.join(sorted(own)) or 'none'}); expected "
                f"{option.default!r}, or architecture {' or '.join(map(repr, takers))}"
            )


def default_architecture(sample_shape: Sequence[int]) -> str:
    """Returns the default architecture name for a sample shape.

    The architecture that declares the sample's rank as its `default_rank`:
    vectors (1-D sample shapes) get the toy `'mlp'`; images (3-D
    `(height, width, channels)` shapes) get `'dcgan'`, which still checks
    the image size when built.

    Args:
        sample_shape: Shape of one sample.

    Returns:
        `'mlp'` or `'dcgan'`.

    Raises:
        ValueError: If no architecture is the default for the shape's rank.

    Example:
        >>> default_architecture((2,)), default_architecture((28, 28, 1))
        ('mlp', 'dcgan')
    """
    shape = check_sample_shape(sample_shape)
    for name, entry in declared().items():
        if entry["default_rank"] == len(shape):
            return name
    raise ValueError(
        f"no default architecture for sample_shape {shape}: expected a 1-D "
        "vector shape or a 3-D (height, width, channels) image shape"
    )


@functools.cache
def _public() -> dict[str, Any]:
    """Every public name of the architecture modules, importing them (and TensorFlow).

    With `ARCHITECTURES` (name -> function): the names the face offers on first use.
    """
    public = {}
    for module_name in declarations.module_names(__name__):
        # The lazy face: the networks, and TensorFlow with them, load on first use.
        module = importlib.import_module(module_name)
        public.update(
            {
                name: getattr(module, name)
                for name in getattr(module, "__all__", ())
                if name not in __all__
            }
        )
    public["ARCHITECTURES"] = {
        name: getattr(importlib.import_module(entry["module"]), entry["class"]).function
        for name, entry in declared().items()
    }
    globals().update(public)  # later accesses skip __getattr__
    return public


__getattr__, __dir__ = lazy.attach(__name__, loaded=_public)


def build(
    name: str, sample_shape: Sequence[int], latent_dim: int | None = None, **options: Any
) -> tuple[keras.Model, keras.Model]:
    """Builds the `(generator, critic)` pair of the architecture `name`.

    Looks `name` up in `ARCHITECTURES` and calls it. `latent_dim=None`
    keeps the architecture's default (2 for `mlp`, 128 for the image
    networks). Every other keyword, such as `spectral_norm`,
    `critic_norm`, `num_classes`, `critic_conditioning` or an
    architecture's own width option, is passed through.

    Args:
        name: a name of `names()`: `'dcgan'`, `'kerasio'`, `'mlp'`, `'resnet'`.
        sample_shape: Shape of one sample, e.g. `(2,)` or `(32, 32, 3)`.
        latent_dim: Size of the noise vector, or None for the default.
        **options: Keyword arguments for the architecture function.

    Returns:
        A `(generator, critic)` pair of `keras.Model`.

    Raises:
        ValueError: For an unknown `name` or a shape or option the
            architecture rejects.

    Example:
        >>> generator, critic = build("mlp", (2,), units=16, spectral_norm=True)
        >>> generator.input.shape[-1]
        2
    """
    if name not in declared():
        expected = ", ".join(repr(n) for n in names())
        raise ValueError(f"unknown architecture {name!r}: expected one of {expected}")
    if latent_dim is not None:
        options["latent_dim"] = latent_dim
    return _public()["ARCHITECTURES"][name](sample_shape, **options)
