"""Command line: export the generator of a `.keras` checkpoint.

    python -m keras_wgan.export --checkpoint=runs/mnist/model.keras \\
        --export_dir=exports --model_name=mnist --tflite_quantization=float16,dynamic_int8
    keras-wgan-export --flagfile=export.flags

Writes what `keras_wgan.export.export_checkpoint` writes and prints the paths.
An invalid argument prints one line on stderr and exits with status 2, without
a traceback. SIGTERM stops the export with status 143 and one line naming the
files written before it (a published SavedModel version stays; temporary
files are removed).
"""

import sys

from absl import flags
from absl import logging as absl_logging

from keras_wgan import export as export_lib
from keras_wgan.cli import common
from keras_wgan.export import options

__all__ = ["COMMAND", "PROG", "define_flags", "main", "run"]

PROG = "keras_wgan.export"  # the program name in error lines


def define_flags(values):
    """The command's absl flags, on `values`."""
    flags.DEFINE_string(
        "checkpoint",
        None,
        "A .keras file saved by WassersteinGAN.save(), or a training run's output_dir "
        "holding model.keras.",
        flag_values=values,
    )
    flags.DEFINE_string("export_dir", "exports", "The exports directory.", flag_values=values)
    common.define_option(
        options.MODEL_NAME,
        values,
        __name__,
        default=options.DEFAULT_MODEL_NAME,
        help_text="The model's name in TF Serving and its directory under export_dir.",
    )
    flags.DEFINE_integer(
        "version", None, "Version number; default: the next free one.", flag_values=values
    )
    common.define_option(options.TFLITE_QUANTIZATION, values, __name__)
    common.define_option(options.MAX_SAMPLES, values, __name__)
    flags.DEFINE_string(
        "dataset", None, "Dataset name recorded in the metadata.", flag_values=values
    )
    flags.DEFINE_string(
        "architecture", None, "Architecture name recorded in the metadata.", flag_values=values
    )
    flags.DEFINE_list(
        "class_names",
        None,
        "Class names of a conditional generator, comma-separated, recorded in "
        "the metadata (default: the model's, else 0...K-1).",
        flag_values=values,
    )
    flags.mark_flag_as_required("checkpoint", flag_values=values)


def _body(values, argv):
    """Exports the checkpoint the flags name and prints the paths written; the exit code."""
    if len(argv) > 1:
        return common.fail(f"unexpected arguments {argv[1:]}: expected only --flags", prog=PROG)
    common.quiet_tensorflow(values.verbosity if values["verbosity"].present else None)
    if values is flags.FLAGS and not values["verbosity"].present:
        # TensorFlow logs much at INFO while saving and converting: the console
        # shows warnings and errors unless --verbosity asks for more.
        absl_logging.set_verbosity(absl_logging.WARNING)
    metadata = {
        key: values[key].value
        for key in ("dataset", "architecture", "class_names")
        if values[key].value is not None
    }
    try:
        with common.stop_on_sigterm():
            result = export_lib.export_checkpoint(
                values.checkpoint,
                values.export_dir,
                model_name=values.model_name,
                version=values.version,
                metadata=metadata,
                max_samples=values.max_samples,
                tflite_quantization=values.tflite_quantization,
            )
    except (ValueError, OSError) as error:
        return common.fail(error, prog=PROG)
    except common.Terminated as stop:
        written = getattr(stop, "export_published", ())
        said = f"written before it: {', '.join(written)}" if written else "nothing was written"
        print(f"{PROG}: {stop}; {said}; the export's other files were not written", file=sys.stderr)
        return stop.exit_code
    print(f"exported {values.model_name!r} version {result.version}:")
    print(f"  SavedModel: {result.saved_model_dir}")
    for quantization, path in result.tflite_paths.items():
        print(f"  TFLite ({quantization}): {path}")
    for quantization, failure in result.tflite_errors.items():
        print(f"  TFLite ({quantization}): not written, the conversion failed: {failure}")
    if result.keras_path:
        print(f"  Keras: {result.keras_path}")
    if result.warmup_path is None:
        print("  TF Serving warmup: not written (pip install 'keras-wgan[serving]' adds it)")
    return 0


COMMAND = common.Command(
    module=__name__,
    define_flags=define_flags,
    body=_body,
    prog=PROG,
    usage="Export the generator of a .keras checkpoint for TF Serving and TFLite.\n\n"
    f"usage: python -m {PROG} --checkpoint=FILE [--flags]",
)

# `run`: `python -m keras_wgan.export` and the `keras-wgan-export` console
# script; `main(args)`: the command in this process.
main, run = COMMAND.main, COMMAND.run


if __name__ == "__main__":
    run()
