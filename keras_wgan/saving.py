"""Loading a `WassersteinGAN` saved as a `.keras` file, safely.

Training keeps `<output_dir>/model.keras` (`callbacks.KerasModelSaver`); the
export and the evaluation load it here. Loading runs in Keras's safe mode,
so a `.keras` file cannot run code of its own, and a damaged or foreign file
is reported in one line naming it.

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

__all__ = ["load_keras_model"]


def load_keras_model(path, name="checkpoint"):
    """Loads a `WassersteinGAN` from a `.keras` file, in Keras's safe mode.

    Safe mode refuses code inside the file (a Lambda layer, a serialized
    lambda), so loading a `.keras` file runs nothing of its own. A damaged or
    foreign file is reported as what it is, not as Keras's "File not found".

    Args:
        path: the `.keras` file.
        name: the argument's name for the messages.

    Returns:
        The `WassersteinGAN`.

    Raises:
        ValueError: naming `name` and the file, for a file that is not a
            readable `.keras` file of a WassersteinGAN.
        OSError: for a file that cannot be read at all.
    """
    path = os.fspath(path)
    expected = "expected a .keras file saved by WassersteinGAN.save()"
    if not os.path.isfile(path):
        raise ValueError(f"{name} {path!r} does not exist; {expected}")
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
