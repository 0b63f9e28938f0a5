"""What a `.keras` file stores of a `WassersteinGAN`: its arguments and its optimizers.

`ConfigMixin` holds the model's Keras serialization: `get_config` writes
the constructor's arguments under their own names (the networks and the
Lipschitz method as nested Keras objects), `from_config` rebuilds the model
from them, and the compile config carries both optimizers. The keys are
what saved files contain, so they keep their names; an unconditional
model's config has no conditional keys.

Example:
>>> import keras_wgan
>>> generator, critic = keras_wgan.architectures.build("mlp", (2,), units=8)
>>> gan = keras_wgan.WassersteinGAN(generator, critic, seed=0)
>>> gan.get_config()["critic_steps"]
5
>>> type(keras_wgan.WassersteinGAN.from_config(gan.get_config())).__name__
'WassersteinGAN'
"""

from __future__ import annotations

from typing import Any

import keras

from keras_wgan import optimizers

__all__ = ["ConfigMixin"]


class ConfigMixin:
    """Keras serialization of a GAN model (a base of `WassersteinGAN`, before `keras.Model`)."""

    # What the model has (`WassersteinGAN` sets them; `keras.Model` gives `compiled`).
    compiled: bool
    generator: keras.Model
    critic: keras.Model
    latent_dim: int
    critic_steps: int
    penalty: Any
    drift_weight: float
    fresh_real_batches: bool
    seed: int | None
    ema_decay: float | None
    ema_warmup: bool
    augment: str | None
    augment_target: float | None
    num_classes: int | None
    class_frequencies: Any  # float [K] of a conditional model, else None
    classifier_weight: float
    generator_classifier_weight: float
    compile: Any

    def get_compile_config(self) -> dict[str, Any] | None:
        """Both optimizers and Keras's compile options; None for an uncompiled model."""
        if not self.compiled:
            return None  # an uncompiled model loads uncompiled
        keras_config = super().get_compile_config() or {}  # type: ignore[misc]
        return optimizers.compile_config(keras_config, self)

    def compile_from_config(self, config: dict[str, Any]) -> None:
        """Compiles the loaded model with the optimizers `get_compile_config` stored."""
        self.compile(**optimizers.from_compile_config(config))

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, by name, with the networks serialized."""
        config = super().get_config()  # type: ignore[misc]
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            critic=keras.saving.serialize_keras_object(self.critic),
            latent_dim=self.latent_dim,
            critic_steps=self.critic_steps,
            penalty=keras.saving.serialize_keras_object(self.penalty),
            drift_weight=self.drift_weight,
            fresh_real_batches=self.fresh_real_batches,
            seed=self.seed,
            ema_decay=self.ema_decay,
            ema_warmup=self.ema_warmup,
            augment=self.augment,
            augment_target=self.augment_target,
        )
        if self.num_classes is not None:  # a conditional model
            config.update(
                num_classes=self.num_classes,
                class_frequencies=[float(p) for p in self.class_frequencies],
                classifier_weight=self.classifier_weight,
                generator_classifier_weight=self.generator_classifier_weight,
            )
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """The model of a `get_config` dict, its networks and Lipschitz method deserialized."""
        config = dict(config)
        for name in ("generator", "critic"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        # A penalty stored as a name (with penalty_weight... beside it) is resolved by
        # __init__; a stored config is deserialized here: a LipschitzMethod, or a function
        # saved as the penalty.
        if isinstance(config.get("penalty"), dict):
            config["penalty"] = keras.saving.deserialize_keras_object(config["penalty"])
        return cls(**config)
