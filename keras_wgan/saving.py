"""Loading a `WassersteinGAN` saved as a `.keras` file, safely.

Training keeps `<output_dir>/model.keras` (`callbacks.KerasModelSaver`); the
export and the evaluation load it here, given the file or the run's
directory (`keras_file`). Loading runs in Keras's safe mode, so a `.keras`
file cannot run code of its own, and a damaged or foreign file is reported
in one line naming it.

Example:
>>> from keras_wgan import saving
>>> saving.load_keras_model("runs/8gaussians/model.keras")  # doctest: +SKIP
<WassersteinGAN name=wasserstein_gan, built=True>
"""

import os
import zipfile

import keras

from keras_wgan.model import WassersteinGAN  # registers the class for loading
from keras_wgan.validation import first_line

__all__ = ["RUN_MODEL_FILE", "keras_file", "load_keras_model"]

#: The file a training run keeps its whole model in, in its output_dir.
RUN_MODEL_FILE = "model.keras"
_EXPECTED = (
    "expected a .keras file saved by WassersteinGAN.save(), or a training run's "
    f"output_dir holding {RUN_MODEL_FILE}"
)


def keras_file(path: str | os.PathLike, name: str = "checkpoint") -> str:
    """The `.keras` file that `path` stands for: a run directory stands for its `model.keras`.

    A user passes a training run's directory as readily as the file in it.
    Any other path is returned as it is (a trailing separator after a file's
    name dropped), for the loader to check.

    Args:
        path: a `.keras` file, or a training run's output_dir.
        name: the argument's name for the message.

    Returns:
        The path of the file to load.

    Raises:
        ValueError: naming `name`, for a directory without `model.keras`,
            saying what it holds instead.
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        stripped = path.rstrip("/" + os.sep)
        return stripped if stripped and stripped != path and os.path.isfile(stripped) else path
    candidate = os.path.join(path, RUN_MODEL_FILE)
    if os.path.isfile(candidate):
        return candidate
    raise ValueError(
        f"{name} {path!r} is a directory without {RUN_MODEL_FILE} ({_contents(path)}); {_EXPECTED}"
    )


def _contents(directory):
    """What a directory given for a `.keras` file holds, said for the user to act on."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as error:
        return f"it cannot be listed: {error.strerror or error}"
    if not names:
        return "it is empty"
    if "saved_model.pb" in names:
        return "it is an exported SavedModel version, which holds no optimizer or critic"
    keras_files = [n for n in names if n.endswith(".keras")]
    if keras_files:
        which = "it" if len(keras_files) == 1 else "one of them"
        return f"it holds {_some(keras_files)}: pass {which}"
    if any(n.startswith("ckpt-") and n.endswith(".index") for n in names):
        parent = os.path.join(os.path.dirname(os.path.abspath(directory)), RUN_MODEL_FILE)
        where = parent if os.path.isfile(parent) else "in its output_dir"
        return f"it holds training checkpoints (ckpt-N): pass the run's {RUN_MODEL_FILE}, {where}"
    shown = [f"{n}/" if os.path.isdir(os.path.join(directory, n)) else n for n in names]
    hint = (
        f"; a run writes {RUN_MODEL_FILE} at the end of each epoch"
        if "checkpoints/" in shown
        else ""
    )
    return f"it holds {_some(shown)}{hint}"


def _some(names, most=4):
    listed = ", ".join(names[:most])
    return listed if len(names) <= most else f"{listed} and {len(names) - most} more"


def load_keras_model(path, name="checkpoint"):
    """Loads a `WassersteinGAN` from a `.keras` file, in Keras's safe mode.

    Safe mode refuses code inside the file (a Lambda layer, a serialized
    lambda), so loading a `.keras` file runs nothing of its own. A damaged or
    foreign file is reported as what it is, not as Keras's "File not found".

    Args:
        path: the `.keras` file, or a training run's output_dir holding
            `model.keras` (`keras_file`).
        name: the argument's name for the messages.

    Returns:
        The `WassersteinGAN`.

    Raises:
        ValueError: naming `name` and the file, for a file that is not a
            readable `.keras` file of a WassersteinGAN.
        OSError: for a file that cannot be read at all.
    """
    path = keras_file(path, name)
    expected = _EXPECTED
    if not os.path.exists(path):
        raise ValueError(f"{name} {path!r} does not exist; {expected}")
    if not os.path.isfile(path):
        raise ValueError(f"{name} {path!r} is not a regular file; {expected}")
    with open(path, "rb") as file:
        if not zipfile.is_zipfile(file):
            raise ValueError(
                f"{name} {path!r} is not a valid .keras file: not a zip archive "
                f"(corrupt or truncated?); {expected}"
            )
    try:
        model = keras.saving.load_model(path)  # safe_mode=True is the default
    except (zipfile.BadZipFile, KeyError, EOFError) as error:  # a damaged archive
        raise ValueError(
            f"{name} {path!r} is not a valid .keras file ({first_line(error)}); {expected}"
        ) from error
    except Exception as error:  # e.g. refused by safe_mode, an unknown class
        raise ValueError(
            f"{name} {path!r} cannot be loaded: {first_line(error)}; {expected}"
        ) from error
    if not isinstance(model, WassersteinGAN):
        raise ValueError(
            f"{name} {path!r} holds a {type(model).__name__}, not a WassersteinGAN; {expected}"
        )
    return model
