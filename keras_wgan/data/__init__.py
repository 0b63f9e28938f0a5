"""Training data for Wasserstein GANs, as `tf.data` pipelines of samples (and labels).

A WGAN only needs samples of the target distribution, so every source yields
bare float32 tensors by default; a class-conditional WGAN also needs each
sample's class, which labelled sources yield with `labels=True` as
`(sample, int32 label)` pairs (`DataInfo` gives `num_classes`, `class_names`
and `class_counts`).

The package, one module per part:

* `base`: `DataSource`, the base class of every source, and the registry
  (`resolve` a dataset string once into a source object, `sources`, `options`);
* `info`: `DataInfo`, what a pipeline yields;
* `pipeline`: the common finish (`load`: scaling to [-1, 1], caching,
  shuffling, batching) and `real_samples` / `real_labels` for evaluation;
* the sources: `toy` (the 2-D distributions of the WGAN-GP paper and the
  unit circle, with numpy samplers and `count_modes`), `npz`, `folder`
  (image files, one subfolder per class for labels), `idx` (MNIST's format),
  `tfds` (tensorflow-datasets);
* `alpha`: images with transparency composited onto the `background` colour;
* `image_cache`: an image folder's files decoded once, in memory or on disk;
* `labels`: the one check of class labels (numpy only).

Like `keras_wgan` itself, this face imports its modules on first use
(PEP 562), and no module of the package imports TensorFlow when it is
imported: the sources' names and options (`options()`) stay light.

Example:

    ```python
    batches, info = keras_wgan.data.load("mnist", batch_size=64, seed=0)
    source = keras_wgan.data.resolve("digits.npz")  # an NpzSource, opened with .open()
    ```
"""

from keras_wgan import lazy

_SUBMODULES = (
    "alpha",
    "base",
    "folder",
    "idx",
    "image_cache",
    "info",
    "labels",
    "npz",
    "pipeline",
    "tfds",
    "toy",
)
# The names callers use, and the module that defines each.
_ATTRIBUTES = {
    "DataInfo": "info",
    "DataSource": "base",
    "DatasetUnavailableError": "base",
    "InvalidDataError": "base",
    "NoLabelsError": "base",
    "options": "base",
    "resolve": "base",
    "sources": "base",
    "load": "pipeline",
    "real_labels": "pipeline",
    "real_samples": "pipeline",
    "TOY_DATASETS": "toy",
    "TOY_MODES": "toy",
    "ToyModes": "toy",
    "ToySampler": "toy",
    "count_modes": "toy",
    "toy_dataset": "toy",
    "from_idx": "idx",
    "from_image_folder": "folder",
    "IMAGE_EXTENSIONS": "folder",
    "from_npz": "npz",
    "from_tfds": "tfds",
}

__all__ = [*_SUBMODULES, *_ATTRIBUTES]

__getattr__, __dir__ = lazy.attach(__name__, _SUBMODULES, _ATTRIBUTES)
