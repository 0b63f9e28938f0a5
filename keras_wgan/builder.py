"""What a training run builds: the networks wrapped in a `WassersteinGAN`, its optimizers.

`build_gan` builds an architecture's networks for a sample shape under the
run's precision and wraps them in a `WassersteinGAN` with its Lipschitz
method; `make_optimizer` makes the optimizers `train()` compiles it with;
`resolve_mixed_precision` turns the `mixed_precision` setting into a Keras
dtype policy for this machine.

Example:
>>> from keras_wgan import builder
>>> gan = builder.build_gan((2,), units=16, penalty="gp")
>>> gan.penalty
GradientPenalty(weight=10.0, target=1.0)
"""

import keras

from keras_wgan import architectures, optimizers, penalties, validation
from keras_wgan import model as model_lib
from keras_wgan import settings as settings_lib
from keras_wgan.model import WassersteinGAN

__all__ = ["bfloat16_supported", "build_gan", "make_optimizer", "resolve_mixed_precision"]

# x86 CPU flags of bfloat16 matrix units: AVX512_BF16 (Cooper Lake, Zen 4) and AMX.
_CPU_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


def make_optimizer(name, learning_rate, beta_1, beta_2, decay_steps=None):
    """An optimizer by name, with linear decay of its learning rate to 0 if asked.

    Args:
        name: "adam" or "rmsprop" (the original WGAN's RMSprop as PyTorch
            computes it, `keras_wgan.model.rmsprop`: rho 0.99, epsilon 1e-16).
        learning_rate: the initial learning rate, a finite number > 0.
        beta_1: Adam's first-moment decay in [0, 1) (ignored by RMSprop).
        beta_2: Adam's second-moment decay in [0, 1) (ignored by RMSprop).
        decay_steps: if given, the learning rate falls linearly to 0 at this
            generator step (`keras_wgan.optimizers.LinearDecay`, WGAN-GP's
            CIFAR-10 schedule): give both optimizers the run's train_steps, so
            that a resume with other critic_steps or train_steps decays as one
            uninterrupted run with the final settings would.

    Returns:
        A `keras.optimizers.Optimizer`.

    Raises:
        ValueError: for a learning rate or beta out of range, or an unknown name.
    """
    validation.number("learning_rate", learning_rate, minimum=0.0, strict=True)
    if name == "adam":
        validation.beta("beta_1", beta_1)
        validation.beta("beta_2", beta_2)
    learning_rate = optimizers.linear_decay(learning_rate, decay_steps)
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
        capabilities = [
            tf.config.experimental.get_device_details(gpu).get("compute_capability") for gpu in gpus
        ]
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

    Args:
        mixed_precision: a `settings.MIXED_PRECISION` name.
        penalty: the run's Lipschitz method (anything `penalties.get`
            takes), for the message refusing float16.

    Raises:
        ValueError: for "mixed_float16" or an unknown name.
    """
    why = ""
    if mixed_precision in ("mixed_float16", "float16"):
        method = None if penalty is None else penalties.get(penalty)
        why = (
            f"with a gradient penalty (penalty {method.name!r}) float16's loss scaling "
            "collapses: the penalty's second derivative over- or underflows"
            if method is not None and method.second_order
            else "float16 needs loss scaling, which the WGAN training step does not do"
        )
    settings_lib.check_mixed_precision("mixed_precision", mixed_precision, why)
    if mixed_precision == "auto":
        return "mixed_bfloat16" if bfloat16_supported() else "float32"
    return mixed_precision


def build_gan(
    sample_shape,
    *,
    architecture=None,
    latent_dim=None,
    spectral_norm=False,
    critic_norm=None,
    mixed_precision="float32",
    num_classes=None,
    critic_conditioning="projection",
    **options,
):
    """The networks for a sample shape, wrapped in a `WassersteinGAN`.

    Args:
        sample_shape: shape of one sample, e.g. (2,) or (28, 28, 1).
        architecture: a name of `architectures.names()`; None picks
            `architectures.default_architecture(sample_shape)`.
        latent_dim: width of the latent vectors (None: the architecture's default).
        spectral_norm: wrap the critic's layers in spectral normalisation.
        critic_norm: None or "layer".
        mixed_precision: the networks' dtype policy, a `MIXED_PRECISION` name
            ("auto" resolves as in `resolve_mixed_precision`). It applies to
            these networks only: the global Keras policy is left as it was.
        num_classes: None (unconditional), or K: class-conditional networks
            and model.
        critic_conditioning: with `num_classes`, "projection" or "auxiliary".
        **options: the architectures' settings (`architectures.setting_options()`:
            units, depth, critic_dropout for mlp; filters for dcgan; channels
            for resnet; None or the default: the architecture's own), refused
            for an architecture that does not declare them; every other
            keyword goes to `WassersteinGAN` (critic_steps, penalty...).

    Returns:
        An uncompiled `WassersteinGAN`.

    Raises:
        ValueError: for an unknown architecture, or a setting it does not take.
    """
    architecture = architecture or architectures.default_architecture(sample_shape)
    network_settings = {
        option.name: options.pop(option.name)
        for option in architectures.setting_options()
        if option.name in options
    }
    architectures.check_options(architecture, network_settings)
    network_options = {
        keyword: network_settings[option.name]
        for keyword, option in architectures.declared()[architecture]["options"].items()
        if network_settings.get(option.name, option.default) not in (None, option.default)
    }
    if num_classes is not None:
        network_options.update(num_classes=num_classes, critic_conditioning=critic_conditioning)
        options["num_classes"] = num_classes
    policy = resolve_mixed_precision(mixed_precision, options.get("penalty", "gp"))
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        generator, critic = architectures.build(
            architecture,
            sample_shape,
            latent_dim,
            spectral_norm=spectral_norm,
            critic_norm=critic_norm,
            **network_options,
        )
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return WassersteinGAN(generator, critic, **options)
