"""Keras callbacks for WGAN training: sample pictures and the original WGAN schedule.

- `SamplePictures` writes, every few epochs, a picture of samples from fixed
  latent vectors (an image grid, or a scatter plot of 2-D samples over true
  ones), so that a user can watch training progress in a folder.
- `TensorBoard` is Keras's, stopped by a full disk in one line.
- `KerasModelSaver` keeps `<output_dir>/model.keras`, the whole model of the
  newest epoch (both optimizers included), for `keras.models.load_model` and
  `python -m keras_wgan.export --checkpoint=...`.
- `OriginalCriticSchedule` is the critic schedule of the original WGAN
  (Arjovsky et al., 2017, Algorithm 1 and its code): 100 critic updates per
  generator update for the first 25 generator updates and on every 500th,
  `critic_steps` otherwise.
"""

import os
import re

import keras
import numpy as np

from keras_wgan import distribute, run_directory
from keras_wgan import truncation as truncation_lib
from keras_wgan.evaluation import pictures

__all__ = ["KerasModelSaver", "OriginalCriticSchedule", "SamplePictures", "TensorBoard"]


class SamplePictures(keras.callbacks.Callback):
    """Writes `<directory>/samples_<epoch>.png` every `every_epochs` epochs.

    The latent vectors are drawn once, so the pictures show the same points
    of latent space moving as training goes on. A caption strip in the
    picture gives the generator step and the epoch's main metrics (those in
    `logs` when this callback runs: put a `monitoring.Monitor` before it).
    For images, `<directory>/interp_<epoch>.png` beside it shows the
    generator along fixed latent interpolations (`pictures.interpolation_strip`).

    For a class-conditional model (`model.num_classes = K`) the image grid is
    class by row: row k holds `COLUMNS` samples of class k (K rows in all,
    whatever `num_samples`), and the caption names the rows' classes when the
    names are short; 2-D points are drawn for labels from the data's class
    frequencies; its interpolation strip holds one class per row.

    Args:
        directory: where the PNG files go.
        num_samples: samples per picture (64 images, or e.g. 1000 points).
        real: optional true 2-D points drawn underneath a scatter plot.
        value_range: value range of the samples (axes of a scatter plot,
            [-1, 1] for images by default).
        every_epochs: write every N epochs (and always after the last).
        seed: seed of the fixed latent vectors.
        class_names: a conditional model's class names, for the caption.
        truncation: BigGAN's truncation trick for the fixed latent vectors of
            the grid (`keras_wgan.truncation`): entries beyond this threshold
            redrawn within it; None or 0: off. The interpolation strip is
            left untruncated.
    """

    #: Samples per row (per class, for a conditional model) of an image grid.
    COLUMNS = 8
    #: Class names longer than this, together, are left out of the caption.
    MAX_NAMES_CHARS = 120

    def __init__(
        self,
        directory,
        num_samples=64,
        real=None,
        value_range=None,
        every_epochs=1,
        seed=0,
        class_names=None,
        truncation=None,
    ):
        super().__init__()
        self.truncation = truncation_lib.check("truncation", truncation)
        self.directory = os.fspath(directory)
        self.num_samples = int(num_samples)
        self.real = real
        self.value_range = value_range
        self.every_epochs = max(1, int(every_epochs))
        self.seed = seed
        self.class_names = None if class_names is None else [str(n) for n in class_names]
        self.written = []
        self._latent = None
        self._labels = None

    def on_train_begin(self, logs=None):
        run_directory.remove_stale_temporaries(self.directory)
        rng = np.random.default_rng(self.seed)
        num_classes = getattr(self.model, "num_classes", None)
        count = self.num_samples
        if num_classes is not None and self._images():
            self._labels = np.repeat(np.arange(num_classes, dtype="int32"), self.COLUMNS)
            count = len(self._labels)
        elif num_classes is not None:
            self._labels = self.model.sample_labels(count, seed=self.seed)
        self._latent = rng.normal(size=(count, self.model.latent_dim)).astype("float32")
        if self.truncation is not None:
            redraws = np.random.default_rng(None if self.seed is None else [self.seed, 1])
            self._latent = truncation_lib.truncate_numpy(self._latent, self.truncation, redraws)

    def _images(self):
        return len(self.model.generator.output_shape) == 4

    def _class_caption(self):
        """The caption line of a class-by-row grid."""
        names = self.class_names or [str(k) for k in range(self.model.num_classes)]
        text = ", ".join(names)
        if len(text) > self.MAX_NAMES_CHARS:
            return f"row k: class k (0-{self.model.num_classes - 1})"
        return f"rows: {text}"

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs == 0:
            self.write(epoch + 1, logs)

    def write(self, epoch, logs=None):
        """Writes the pictures for `epoch` (with `logs` in the caption); returns the grid's path."""
        generator = self.model.sampling_generator
        inputs = (
            self._latent
            if self._labels is None
            else [self._latent, keras.ops.convert_to_tensor(self._labels)]
        )
        samples = generator.predict(inputs, verbose=0)
        step = int(distribute.variable_value(self.model.generator_optimizer.iterations))
        caption = pictures.caption_lines(step, logs, epoch=epoch)
        if self._labels is not None and np.ndim(samples) == 4:
            caption.append(self._class_caption())
        grid_caption = caption
        if self.truncation is not None:
            grid_caption = [*caption, f"latent truncated at {self.truncation:g}"]
        path = os.path.join(self.directory, f"samples_{epoch:04d}.png")
        self._save_png(
            pictures.picture(
                samples, self.real, self.value_range, grid_caption, columns=self.COLUMNS
            ),
            path,
        )
        self.written.append(path)
        if np.ndim(samples) == 4:
            num_classes = getattr(self.model, "num_classes", None)
            rows = None if num_classes is None else np.arange(8, dtype="int32") % num_classes
            what = (
                "latent interpolations (slerp), one pair per row"
                if rows is None
                else "latent interpolations (slerp) within a class, row k: class k mod "
                f"{num_classes}"
            )
            strip = pictures.interpolation_strip(
                generator,
                seed=self.seed,
                value_range=self.value_range or (-1.0, 1.0),
                caption=caption[:1] + [what],
                labels=rows,
            )
            self._save_png(strip, os.path.join(self.directory, f"interp_{epoch:04d}.png"))
        return path

    def _save_png(self, array, path):
        """`pictures.save_png`, whose temporary file a full disk does not leave behind."""
        try:
            pictures.save_png(array, path)
        except OSError as error:
            if not run_directory.is_no_space(error):
                raise
            run_directory.remove_stale_temporaries(self.directory, _own_temporary(path))
            raise run_directory.no_space_error(
                f"the picture {os.path.basename(path)}", self.directory
            ) from error


class TensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard`, which a full disk stops in one line.

    A full disk raises `run_directory.NoSpaceLeft` naming the log directory
    and the space free, instead of TensorFlow's ResourceExhaustedError; a
    log file whose writer could not start is removed. Takes the arguments of
    `keras.callbacks.TensorBoard`.
    """

    def _full_disk_stops(self, starting=False):
        return run_directory.full_disk_stops("the TensorBoard log", self.log_dir, starting)

    def set_model(self, model):
        with self._full_disk_stops(starting=True):  # its writer starts here
            super().set_model(model)

    def on_train_begin(self, logs=None):
        with self._full_disk_stops(starting=True):
            super().on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        with self._full_disk_stops():
            super().on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        with self._full_disk_stops():
            super().on_train_end(logs)


class OriginalCriticSchedule(keras.callbacks.Callback):
    """The original WGAN's critic schedule, for weight clipping.

    Arjovsky et al. train the critic 100 times per generator update for the
    first 25 generator updates and every 500th generator update, so that the
    critic is near optimal when the generator starts and regularly after.
    A `fit()` step of `WassersteinGAN` makes `critic_steps` critic updates;
    during such a burst this callback makes `fit()` run steps without the
    generator update (each on a fresh real batch) until `burst_critic_updates`
    (rounded up to a multiple of `critic_steps`) critic updates precede the
    generator update.

    Where training is in the schedule is read from the two optimizers'
    `iterations` (which checkpoints restore), not counted by the callback:
    with g generator updates made, the critic updates made since the last
    one are the critic optimizer's `iterations` minus `critic_updates(0, g)`.
    So a run resumed from a checkpoint taken in the middle of a burst
    finishes that burst as the uninterrupted run would. A model whose
    counters do not come from this schedule (e.g. trained without it first)
    is taken to be at the start of its next generator update.

    It swaps between two compiled train functions (with and without the
    generator update) instead of branching inside the step: under
    `tf.distribute`, optimizer updates inside `tf.cond` are not supported.
    It needs `steps_per_execution=1`.

    Args:
        burst_critic_updates: critic updates per generator update in a burst (100).
        first_generator_updates: generator updates that start with a burst (25).
        every: later, every N-th generator update starts with a burst (500).
    """

    def __init__(self, burst_critic_updates=100, first_generator_updates=25, every=500):
        super().__init__()
        self.burst_critic_updates = int(burst_critic_updates)
        self.first_generator_updates = int(first_generator_updates)
        self.every = int(every)
        self._functions = None
        self._offset = 0

    def in_burst(self, generator_updates):
        """Whether the next generator update, number `generator_updates`, starts with a burst."""
        return generator_updates < self.first_generator_updates or (
            self.every > 0 and generator_updates % self.every == 0
        )

    def _bursts_before(self, generator_updates):
        """How many of the generator updates 0 .. generator_updates - 1 start with a burst."""
        n = max(0, int(generator_updates))
        first = min(n, self.first_generator_updates)
        if self.every <= 0:
            return first
        # The multiples of `every` in [first, n).
        multiples = -(-n // self.every) - -(-first // self.every)
        return first + multiples

    def fit_steps(self, first_generator_update, last_generator_update, critic_steps):
        """fit() steps needed to go from one generator update count to another."""
        bursts = self._bursts_before(last_generator_update) - self._bursts_before(
            first_generator_update
        )
        extra = max(0, -(-self.burst_critic_updates // critic_steps) - 1)
        return last_generator_update - first_generator_update + bursts * extra

    def critic_updates(self, first_generator_update, last_generator_update, critic_steps):
        """Critic updates made from one generator update count to another, bursts included."""
        return critic_steps * self.fit_steps(
            first_generator_update, last_generator_update, critic_steps
        )

    def _position(self):
        """(generator updates made, critic updates made since the last generator update)."""
        model = self.model
        generator_updates = model.generator_steps
        critic_updates = int(distribute.variable_value(model.critic_optimizer.iterations))
        before = self.critic_updates(0, generator_updates, model.critic_steps)
        return generator_updates, critic_updates - before - self._offset

    def on_train_begin(self, logs=None):
        model = self.model
        if getattr(model, "steps_per_execution", 1) != 1:
            raise ValueError(
                "OriginalCriticSchedule needs steps_per_execution=1, received "
                f"{model.steps_per_execution}"
            )
        model.make_train_function(force=True)
        full = model.train_function
        model.train_step = model.critic_train_step  # instance attribute shadows the method
        try:
            model.make_train_function(force=True)
            critic_only = model.train_function
        finally:
            del model.train_step
        model.train_function = full
        self._functions = {True: full, False: critic_only}
        self._offset = 0
        generator_updates, made = self._position()
        needed = self.burst_critic_updates if self.in_burst(generator_updates) else 0
        if not (0 <= made < max(needed, 1) and made % model.critic_steps == 0):
            self._offset = made  # counters not from this schedule: start afresh here

    def on_train_batch_begin(self, batch, logs=None):
        model = self.model
        generator_updates, made = self._position()
        needed = self.burst_critic_updates if self.in_burst(generator_updates) else 0
        model.train_function = self._functions[made + model.critic_steps >= needed]


class KerasModelSaver(keras.callbacks.Callback):
    """Saves the whole model as one `.keras` file at every epoch end, atomically.

    The file is written under a temporary name in the same folder and
    renamed over the previous one, so a crash leaves the last complete file.
    Weights that are not finite are never saved.

    A full disk stops training with `run_directory.NoSpaceLeft` naming the
    folder; the temporary file is removed, and those that killed processes
    left are removed when training starts.

    Args:
        path: the `.keras` file to keep up to date.
    """

    def __init__(self, path):
        super().__init__()
        self.path = os.fspath(path)
        if not self.path.endswith(".keras"):
            raise ValueError(f"path must end in .keras, received {self.path!r}")

    def on_train_begin(self, logs=None):
        run_directory.remove_stale_temporaries(os.path.dirname(self.path) or ".")

    def on_epoch_end(self, epoch, logs=None):
        if all(np.all(np.isfinite(w)) for w in self.model.get_weights()):
            self.save()

    def save(self):
        """Writes the model to `path` and returns it."""
        folder, name = os.path.split(self.path)
        os.makedirs(folder or ".", exist_ok=True)
        temporary = os.path.join(folder, f".{name[: -len('.keras')]}.tmp-{os.getpid()}.keras")
        try:
            self.model.save(temporary)
            os.replace(temporary, self.path)
        except OSError as error:
            if not run_directory.is_no_space(error):
                raise
            needed = os.path.getsize(self.path) if os.path.exists(self.path) else None
            raise run_directory.no_space_error(name, folder or ".", needed) from error
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        return self.path


def _own_temporary(path):
    """The pattern of this process's temporary name for `path` (`pictures.save_png`'s)."""
    return re.compile(re.escape(f"{os.path.basename(path)}.tmp-{os.getpid()}"))
