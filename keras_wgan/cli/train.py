"""Command line: train a Wasserstein GAN and export its generator.

    python train_main.py                        # 8gaussians, the built-in default
    python train_main.py --dataset=mnist --architecture=dcgan
    python train_main.py --dataset=path/to/images.npz --penalty=pairwise
    keras-wgan-train --flagfile=experiment.flags

Each flag is generated from the field of the same name of
`keras_wgan.settings.TrainSettings`, the keyword arguments of
`keras_wgan.training.train()`: same name, default and help; flags left unset
take the dataset's recipe (`keras_wgan.recipes`). Bad input ends the run with
one line on stderr naming the flag, what was received and what is allowed,
and exit code 2 (flags that do not parse included).

Exit codes: 0 trained (and exported); 2 bad input, an unusable or busy
--output_dir, or a non-finite loss; 130 (SIGINT, Ctrl-C) or 143 (SIGTERM)
stopped by that signal after saving a checkpoint of the step reached: run
the same command again to resume from it.
"""

import dataclasses
import logging
import os
import sys

from absl import flags

from keras_wgan import settings as settings_lib
from keras_wgan.cli import common

__all__ = ["COMMAND", "TRAIN_FLAGS", "define_flags", "main", "run"]

# Flags that are keyword arguments of training.train(): every field of TrainSettings.
TRAIN_FLAGS = settings_lib.names()


def define_flags(values):
    """One absl flag per field of `TrainSettings` on `values`: same name, default and help."""
    define = {
        "boolean": flags.DEFINE_boolean,
        "integer": flags.DEFINE_integer,
        "float": flags.DEFINE_float,
        "string": flags.DEFINE_string,
    }
    for field in dataclasses.fields(settings_lib.TrainSettings):
        kind, help_text = settings_lib.flag_kind(field), field.metadata["help"]
        if kind == "enum":
            flags.DEFINE_enum(
                field.name,
                field.default,
                list(field.metadata["choices"]),
                help_text,
                flag_values=values,
            )
        elif kind == "list":
            flags.DEFINE_list(field.name, list(field.default), help_text, flag_values=values)
        else:
            define[kind](field.name, field.default, help_text, flag_values=values)


def _body(values, argv):
    """Maps the parsed flags onto `training.train()` and reports what was written."""
    if len(argv) > 1:
        return common.fail(
            f"unexpected arguments: {' '.join(argv[1:])} (every setting is a --flag=value)"
        )
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # TensorFlow's own log lines off the console unless --verbosity is given;
    # before TensorFlow is first imported, which its C++ logging needs.
    common.quiet_tensorflow(values.verbosity if values["verbosity"].present else None)
    # Imported here so that --help answers without loading TensorFlow.
    from keras_wgan import data, training

    # An unset flag holds its field's default (None: the recipe's).
    settings = {name: values[name].value for name in TRAIN_FLAGS}
    try:
        result = training.train(**settings)
    except data.DatasetUnavailableError as error:
        message = _flag_message(error)  # "--dataset 'mnist' could not be downloaded ..."
        if not message.startswith("--dataset"):
            message = f"--dataset={values.dataset}: {message}"
        return common.fail(message)
    except training.TrainingInterrupted as error:
        print(f"{os.path.basename(sys.argv[0])}: {error}", file=sys.stderr)
        return error.exit_code
    # train() names the setting at fault (a missing dataset as "dataset=..."); an
    # OSError it does not name (e.g. a full disk) is still reported in one line.
    except (ValueError, FloatingPointError, OSError) as error:
        return common.fail(_flag_message(error))
    print(
        f"trained {result.generator_steps} generator steps; samples, logs and checkpoints "
        f"in {result.output_dir}"
    )
    if result.export is not None:
        print(
            f"exported the generator to {result.export.saved_model_dir} (TF Serving) and "
            f"{', '.join(sorted(result.export.tflite_paths.values()))} (TFLite)"
        )
    return 0


def _flag_message(error):
    """The error's text on one line, with argument names written as --flags."""
    text = common.one_line(error)
    for name in TRAIN_FLAGS:
        if text.startswith((f"{name} ", f"{name}=", f"{name}:")):
            return "--" + text
    return text


COMMAND = common.Command(
    module=__name__,
    define_flags=define_flags,
    body=_body,
    message=_flag_message,
    usage="Train a Wasserstein GAN on a dataset and export its generator.\n\n"
    "usage: python train_main.py [--flag=value ...]   (installed: keras-wgan-train)\n"
    "example: python train_main.py --dataset=mnist --architecture=dcgan --train_steps=2000\n\n"
    "Flags left unset take the dataset's recipe; --flagfile=FILE reads flags from a file.",
)

# `run`: `python train_main.py` and the `keras-wgan-train` console script;
# `main(args)`: the command in this process.
main, run = COMMAND.main, COMMAND.run


if __name__ == "__main__":
    run()
