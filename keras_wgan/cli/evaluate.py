"""Command line: measure a trained generator against its data, as a JSON report.

    python -m keras_wgan.evaluation --saved_model=exports/8gaussians/1
    python -m keras_wgan.evaluation --checkpoint=run.keras --dataset=25gaussians
    keras-wgan-evaluate --saved_model=exports/mnist_5k/1 \\
        --dataset=../shared/data/mnist_5k.npz --feature_network=classifier

What is measured and how: `keras_wgan.evaluation.command`. The report is
printed on stdout (and written to `--output`). Bad input ends with one line on
stderr and exit code 2.
"""

import json
import os
from pathlib import Path

from absl import flags

from keras_wgan.cli import common
from keras_wgan.evaluation.command import (
    DEFAULT_NUM_SAMPLES,
    EvaluationError,
    check_truncation,
    evaluate,
    load_generator,
)

__all__ = ["COMMAND", "PROG", "define_flags", "main", "run"]

PROG = "keras_wgan.evaluation"  # the program name in error lines


def define_flags(values):
    """The command's absl flags, on `values`."""
    flags.DEFINE_string(
        "saved_model",
        None,
        "The generator (exactly one of these two): an "
        "exported SavedModel version directory, e.g. exports/8gaussians/1.",
        flag_values=values,
    )
    flags.DEFINE_string(
        "checkpoint",
        None,
        "The generator: a saved WassersteinGAN (.keras file), or a training run's "
        "output_dir holding model.keras.",
        flag_values=values,
    )
    flags.DEFINE_string(
        "dataset",
        None,
        "The data to compare with (default: the one in the "
        "export's metadata): a 2-D toy name, an .npz file, an image folder or a "
        "tensorflow-datasets name.",
        flag_values=values,
    )
    flags.DEFINE_integer(
        "num_samples",
        None,
        f"Generated samples, and real ones (default "
        f"{DEFAULT_NUM_SAMPLES}, or fewer where the images are too large for "
        "that many).",
        flag_values=values,
    )
    flags.DEFINE_string(
        "feature_network",
        None,
        "Images: inception (Keras InceptionV3), classifier, none, a .keras "
        "classifier, or the path of TensorFlow's 2015 Inception graph "
        "classify_image_graph_def.pb, the papers' FID network (default: classifier for "
        "an .npz with labels, else inception if its weights are cached, else none).",
        flag_values=values,
    )
    flags.DEFINE_string(
        "classifier_path",
        None,
        "Where the 'classifier' feature network is "
        "cached (default ~/.cache/keras_wgan/classifier-<file>-<hash>.keras).",
        flag_values=values,
    )
    flags.DEFINE_string(
        "inception_weights", None, "A local InceptionV3 no-top weights file.", flag_values=values
    )
    flags.DEFINE_string(
        "closest_pairs",
        None,
        "Images: write a PNG of the generated images closest to a training image, each "
        "beside it (the memorisation check's pairs), to this file.",
        flag_values=values,
    )
    flags.DEFINE_float(
        "truncation",
        None,
        "BigGAN's truncation trick for the generated samples: latent entries beyond "
        "this threshold are redrawn within it (e.g. 1.0; default: off).",
        flag_values=values,
    )
    flags.DEFINE_integer("seed", 0, "Seed of every random draw.", flag_values=values)
    flags.DEFINE_string(
        "output", None, "Also write the JSON report to this file.", flag_values=values
    )


def _body(values, argv):
    """Evaluates the generator the flags name and prints the report; the exit code."""
    try:
        if len(argv) > 1:
            raise EvaluationError(f"unexpected arguments {argv[1:]}: expected only --flags")
        for flag, what in (("output", "the JSON report"), ("closest_pairs", "the PNG")):
            if values[flag].value:
                _check_output(values[flag].value, flag, what)
        check_truncation(values.truncation)
        # Before TensorFlow is first imported.
        common.quiet_tensorflow(values.verbosity if values["verbosity"].present else None)
        report = evaluate(
            load_generator(values.saved_model, values.checkpoint),
            values.dataset,
            num_samples=values.num_samples,
            seed=values.seed,
            feature_network=values.feature_network,
            classifier_path=values.classifier_path,
            inception_weights=values.inception_weights,
            closest_pairs=values.closest_pairs,
            truncation=values.truncation,
        )
        text = json.dumps(report, indent=2)
        if values.output:
            Path(values.output).write_text(text + "\n")
    # Bad input: ours, a path that cannot be read or written, or the data's or
    # the metrics' ValueError.
    except (EvaluationError, OSError, RuntimeError, ValueError) as error:
        return common.fail(error, prog=PROG)
    except Exception as error:  # noqa: BLE001 - a bug, but still one line for scripts.
        common.fail(f"unexpected {type(error).__name__}: {common.one_line(error)}", prog=PROG)
        return 1
    print(text)
    return 0


def _check_output(path, flag, what):
    """Checks, before the evaluation, that the file `--flag` names (`what`) can be written."""
    if os.path.isdir(path):
        raise EvaluationError(f"--{flag}={path}: is a directory; expected a file path for {what}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise EvaluationError(f"--{flag}={path}: {directory} is not an existing directory")


COMMAND = common.Command(
    module=__name__,
    define_flags=define_flags,
    body=_body,
    prog=PROG,
    usage="Measure a trained generator against its data; prints a JSON report.\n\n"
    f"usage: python -m {PROG} (--saved_model=DIR | --checkpoint=FILE) [--flags]",
)

# `run`: `python -m keras_wgan.evaluation` and the `keras-wgan-evaluate` console
# script; `main(args)`: the command in this process.
main, run = COMMAND.main, COMMAND.run


if __name__ == "__main__":
    run()
