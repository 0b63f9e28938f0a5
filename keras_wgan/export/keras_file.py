"""The `.keras` format: the whole WassersteinGAN, for fine-tuning from Python.

`<model_name>.keras` beside the version directories holds both networks and
both optimizers (`WassersteinGAN.save`); `keras.saving.load_model` restores it.
Setting: `save_keras` (False: not written).
"""

from __future__ import annotations

import os

from keras_wgan.export.base import ExportFormat, ExportJob, register, variable_bytes

__all__ = ["KerasFileFormat"]


@register
class KerasFileFormat(ExportFormat):
    """`<model_name>.keras`: the model saved with `WassersteinGAN.save`."""

    name = "keras"

    def planned(self, job: ExportJob) -> dict[str, str]:
        if not job.settings.get("save_keras", True):
            return {}
        return {"keras": os.path.join(job.model_dir, f"{job.model_name}.keras")}

    def file_names(self, model_name: str) -> list[str]:
        return [f"{model_name}.keras"]

    def estimated_bytes(self, job: ExportJob, plan: dict[str, str]) -> int:
        # Both networks, both optimizers' slots, and about 32 KB of configuration.
        model = job.model
        optimizers = [o for o in (model.generator_optimizer, model.critic_optimizer) if o]
        weights = [*model.weights, *(v for o in optimizers for v in o.variables)]
        return (variable_bytes(weights) + 32768) * len(plan)

    def write(self, job: ExportJob, variant: str, path: str) -> None:
        job.model.save(path)
