"""Where a training run writes, and which model it trains: checked before anything is built.

`training.train()` asks this module three things, in this order:

- `run_directories`: the run's `output_dir` and `checkpoint_dir` (defaults
  filled in), checked writable before the data is opened, so that a
  mistyped path fails in one line;
- `lock_and_check_resume`: both directories locked for the whole run (a
  second run on either fails with `run_directory.RunDirectoryLocked`), and a
  checkpoint there refused unless it is of the same model;
- `model_settings`: the settings that define that model, which
  `run_directory.write_settings` records beside the checkpoints.

The locks and the settings file themselves are `keras_wgan.run_directory`'s.

Example:
>>> from keras_wgan import runs
>>> runs.default_model_name("data/my faces.npz")
'my_faces'
>>> runs.default_model_name("données_é/")
'donnees_e'
"""

import dataclasses
import hashlib
import inspect
import os
import unicodedata

from keras_wgan import architectures, checkpointing, data, distribute, penalties, run_directory
from keras_wgan.export.options import check_model_name

__all__ = [
    "Run",
    "default_model_name",
    "lock_and_check_resume",
    "lock_run_directories",
    "model_settings",
    "run_directories",
]


@dataclasses.dataclass(frozen=True)
class Run:
    """Where a run writes: its directories (defaults filled in) and whether this is the chief."""

    output_dir: str
    checkpoint_dir: str
    chief: bool


def run_directories(s, strategy):
    """The run's directories, checked before any data or model is built (a bad path fails).

    Args:
        s: the run's `settings.TrainSettings`; `output_dir` None means
            `runs/<model_name>`, `checkpoint_dir` None `<output_dir>/checkpoints`.
        strategy: the run's `tf.distribute` strategy; only its chief writes
            to `output_dir`, so only the chief checks it.

    Returns:
        A `Run`.

    Raises:
        ValueError: naming `export_dir`, `output_dir` or `checkpoint_dir` when
            it is not (and cannot be made) a writable directory, or
            `model_name` when the run exports and it is no valid TF Serving
            model name (without an export it only names `runs/<model_name>`).
    """
    if s.export_dir is not None:
        if s.model_name is not None:
            check_model_name("model_name", s.model_name)
        run_directory.check_writable("export_dir", s.export_dir)
    output_dir = s.output_dir or os.path.join("runs", s.model_name or default_model_name(s.dataset))
    checkpoint_dir = s.checkpoint_dir or os.path.join(output_dir, "checkpoints")
    chief = distribute.is_chief(strategy)
    if chief:
        run_directory.check_writable("output_dir", output_dir)
    run_directory.check_writable("checkpoint_dir", checkpoint_dir)
    return Run(output_dir, checkpoint_dir, chief)


def lock_and_check_resume(locks, s, run, info, method):
    """Locks the run's directories; refuses to resume a checkpoint of another model.

    Args:
        locks: a `contextlib.ExitStack` that holds the locks until the run ends.
        s: the resolved `settings.TrainSettings` (recipe and architecture filled in).
        run: the `Run` of `run_directories`.
        info: the `data.DataInfo` of the training data.
        method: the run's `penalties.LipschitzMethod`.

    Returns:
        The run's `model_settings`, to be recorded beside its checkpoints.

    Raises:
        run_directory.RunDirectoryLocked: when another run holds a directory.
        ValueError: when a checkpoint there is of other model settings.
    """
    if run.chief:
        lock_run_directories(locks, run.output_dir, run.checkpoint_dir)
    settings = model_settings(s, info, method)
    if checkpointing.complete_checkpoints(run.checkpoint_dir):
        named = (
            ("checkpoint_dir", s.checkpoint_dir)
            if s.checkpoint_dir
            else ("output_dir", run.output_dir)
        )
        run_directory.check_settings(run.checkpoint_dir, settings, *named)
    return settings


def lock_run_directories(locks, output_dir, checkpoint_dir):
    """Creates output_dir and checkpoint_dir and locks both in `locks` (one lock if they coincide).

    Both: another run may share either one (its own output_dir with this
    run's checkpoint_dir, say). Only the chief calls it: it is the one that
    writes there (the other workers of a multi-worker run write only their
    temporary checkpoints, under checkpoint_dir).
    """
    directories = [("output_dir", output_dir)]
    if os.path.abspath(checkpoint_dir) != os.path.abspath(output_dir):
        directories.append(("checkpoint_dir", checkpoint_dir))
    for name, path in directories:
        run_directory.make_directory(name, path)
        locks.enter_context(run_directory.DirectoryLock(path, name))


def model_settings(s, info, method):
    """The resolved settings that define the model, its optimizer state and its data.

    Resuming a run with another value of one of them would train one model on
    two problems, or fail to restore the checkpoint, so `train()` refuses it
    (`run_directory.check_settings`). Defaults are filled in (sizes by the
    architecture's), so that leaving a setting out or giving its default
    value is the same run. Not here, so free to change on resume:
    batch_size, critic_steps, fresh_real_batches, learning rates, betas,
    train_steps, epochs, steps_per_epoch, seed (the checkpoint's is used),
    data_dir (where the same data is stored), mixed_precision (the variables
    are float32 either way), strategy.
    """
    entry = architectures.declared()[s.architecture]
    parameters = inspect.signature(architectures.ARCHITECTURES[s.architecture]).parameters
    own = {option.name: parameters[keyword].default for keyword, option in entry["options"].items()}
    sizes = {
        option.name: own.get(option.name)
        if getattr(s, option.name) is None
        else getattr(s, option.name)
        for option in architectures.setting_options()
    }
    dataset = os.fspath(s.dataset)
    if dataset not in data.TOY_DATASETS and os.path.exists(dataset):
        dataset = os.path.abspath(dataset)
    return {
        "dataset": dataset,
        "sample_shape": list(info.sample_shape),
        "background": s.background,
        "architecture": s.architecture,
        "latent_dim": s.latent_dim if s.latent_dim is not None else entry["latent_dim"],
        **sizes,
        "spectral_norm": bool(s.spectral_norm),
        "critic_norm": s.critic_norm,
        "penalty": s.penalty,
        **{option.name: getattr(s, option.name) for option in penalties.setting_options()},
        "drift_weight": s.drift_weight,
        "optimizer": s.optimizer or method.default_optimizer_name,
        "lr_decay": s.lr_decay or "none",
        # The average is a set of variables of its own in the checkpoint.
        "ema_decay": s.ema_decay,
        "augment": s.augment,
        # The probability is a variable of the checkpoint, steered towards this target.
        "augment_target": s.augment_target,
        "conditional": bool(s.conditional),
        "critic_conditioning": s.critic_conditioning if s.conditional else None,
        "num_classes": info.num_classes if s.conditional else None,
    }


def default_model_name(dataset):
    """The export's default name: the dataset's file or folder name, made a valid model name.

    A TF Serving model name is ASCII (`keras_wgan.export.options.check_model_name`),
    a folder name need not be: accents are dropped (`données` -> `donnees`),
    other characters outside letters, digits, `-` and `_` become `_`. Where
    characters with no ASCII form were dropped (`猫`, `données_猫`), a short
    hash of the whole name is appended, so that two such datasets do not
    share `runs/<model_name>` or an export; `wgan` stands for a name with
    nothing left and nothing dropped (`-`).
    """
    base = os.path.basename(os.path.normpath(os.fspath(dataset)))
    stem = unicodedata.normalize("NFC", os.path.splitext(base)[0])
    decomposed = unicodedata.normalize("NFKD", stem)
    # Accents are combining marks after NFKD: dropping them loses nothing a reader needs.
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = kept.encode("ascii", "ignore").decode("ascii")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in ascii_text).lstrip("-_")
    if len(ascii_text) < len(kept):  # characters without an ASCII form were dropped
        digest = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:8]
        name = f"{name.rstrip('-_') or 'wgan'}-{digest}"
    return name or "wgan"  # export names start with a letter or digit
