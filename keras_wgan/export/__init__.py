"""Export a trained generator for TF Serving, phones and fine-tuning.

`export_generator(gan, "exports", model_name="mnist")` writes, under
`exports/mnist/` (TF Serving's model base path):

* `<version>/`: a SavedModel with the `serving_default` and `generate`
  signatures, TF Serving warmup requests and `keras_wgan.json` metadata
  (`saved_model`, `metadata`);
* `mnist.tflite` and the quantized variants asked for (`tflite`);
* `mnist.keras`: the whole WassersteinGAN, for fine-tuning (`keras_file`);
* `mnist.json`: the metadata of the export those files come from.

Each write is atomic (`publish`): TF Serving never sees half a version, and
a crash leaves no half-written file. Formats are registered
`base.ExportFormat` subclasses, one module each; the settings are declared
in `options`, which, like this face, imports no TensorFlow: the names below
load their module on first use (PEP 562). The command line is
`python -m keras_wgan.export` (`keras_wgan.cli.export`).

Example:
>>> from keras_wgan import export
>>> export.DEFAULT_MODEL_NAME
'wgan'
"""

from keras_wgan import lazy
from keras_wgan.export.options import (
    DEFAULT_MAX_SAMPLES,
    DEFAULT_MODEL_NAME,
    TFLITE_QUANTIZATIONS,
    check_model_name,
    check_quantizations,
)

# Public names of the modules that import TensorFlow, imported on first access.
_LAZY = {
    "ExportResult": "exporter",
    "export_checkpoint": "exporter",
    "export_generator": "exporter",
    "ExportFormat": "base",
    "float32_generator": "graph",
    "METADATA_FILENAME": "metadata",
    "WARMUP_BATCH_SIZES": "saved_model",
    "WARMUP_FILENAME": "saved_model",
}

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "DEFAULT_MODEL_NAME",
    "TFLITE_QUANTIZATIONS",
    "check_model_name",
    "check_quantizations",
    *_LAZY,
]

__getattr__, __dir__ = lazy.attach(__name__, attributes=_LAZY)
