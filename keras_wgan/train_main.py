"""Command line: train a Wasserstein GAN and export its generator.

    python train_main.py                        # 8gaussians, the built-in default
    python train_main.py --dataset=mnist --architecture=dcgan
    python train_main.py --dataset=path/to/images.npz --penalty=pairwise
    keras-wgan-train --flagfile=experiment.flags

Each flag is the keyword argument of the same name of
`keras_wgan.training.train()`; flags left unset take the dataset's recipe
(`keras_wgan.recipes`). Bad input ends the run with one line on stderr naming
the flag, what was received and what is allowed, and exit code 2 (flags that do
not parse included).

Exit codes: 0 trained (and exported); 2 bad input, an unusable or busy
--output_dir, or a non-finite loss; 130 (SIGINT, Ctrl-C) or 143 (SIGTERM)
stopped by that signal after saving a checkpoint of the step reached: run
the same command again to resume from it.
"""

import logging
import os
import sys

from absl import app, flags

from keras_wgan import cli

FLAGS = flags.FLAGS

# Data.
flags.DEFINE_string("dataset", "8gaussians",
                    "A built-in 2-D distribution (8gaussians, 25gaussians, swissroll, circle), "
                    "a .npz file (array 'images' or its only array), a folder of images, or a "
                    "tensorflow-datasets name (mnist, fashion_mnist, cifar10, celeb_a...).")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory.")
flags.DEFINE_integer("image_size", None, "Resize images to this side.")
# Networks.
flags.DEFINE_string("architecture", None,
                    "mlp, dcgan, kerasio or resnet (default: mlp for vectors, dcgan for images).")
flags.DEFINE_integer("latent_dim", None, "Width of the latent vectors.")
flags.DEFINE_integer("units", None, "mlp: units per hidden layer.")
flags.DEFINE_integer("depth", None, "mlp: hidden layers.")
flags.DEFINE_integer("filters", None, "dcgan: base number of filters.")
flags.DEFINE_integer("channels", None, "resnet: channels of the residual blocks.")
flags.DEFINE_boolean("spectral_norm", False, "Spectral normalisation of the critic's layers.")
flags.DEFINE_enum("critic_norm", None, ["layer"], "Normalisation in the critic (never batch).")
# The Lipschitz method.
flags.DEFINE_string("penalty", None, "gp, lp, pairwise, clip, none, gp0, r1, wgan_div or ctgan.")
flags.DEFINE_float("penalty_weight", None, "lambda, the penalty's weight.")
flags.DEFINE_float("penalty_target", 1.0, "The Lipschitz constant the penalties aim at.")
flags.DEFINE_boolean("pairwise_interpolates", False,
                     "Pairwise penalty: also pairs with random interpolates.")
flags.DEFINE_float("clip_value", 0.01, "Weight clipping: the box [-c, c].")
flags.DEFINE_float("drift_weight", 0.0, "ProGAN's drift term weight (e.g. 0.001).")
# The training game.
flags.DEFINE_integer("critic_steps", None, "Critic updates per generator update.")
flags.DEFINE_boolean("fresh_real_batches", True,
                     "A new real batch for every critic update (else one batch reused).")
flags.DEFINE_boolean("original_schedule", False,
                     "The original WGAN's bursts of 100 critic updates (first 25 and every "
                     "500th generator update).")
flags.DEFINE_integer("batch_size", None, "Samples per critic update.")
flags.DEFINE_integer("train_steps", None, "Generator updates in all.")
flags.DEFINE_integer("epochs", None, "Passes over finite data (overrides --train_steps).")
flags.DEFINE_integer("steps_per_epoch", None,
                     "Generator updates per epoch (pictures, logs and checkpoints per epoch).")
flags.DEFINE_enum("optimizer", None, ["adam", "rmsprop"],
                  "Optimizer of both networks (default: rmsprop for clip, else adam).")
flags.DEFINE_float("critic_learning_rate", None, "Critic learning rate.")
flags.DEFINE_float("generator_learning_rate", None, "Generator learning rate.")
flags.DEFINE_float("beta_1", None, "Adam beta_1.")
flags.DEFINE_float("beta_2", None, "Adam beta_2.")
flags.DEFINE_enum("lr_decay", None, ["none", "linear"], "Learning-rate decay to 0 at the end.")
flags.DEFINE_integer("seed", 0, "Seed of weights, noise and data order.")
# Distribution and fault tolerance.
flags.DEFINE_enum("strategy", "default", ["default", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy (see the README's Scale out section).")
flags.DEFINE_string("tpu", None, "With --strategy=tpu: the TPU's name or address ('local' on a "
                    "TPU VM).")
flags.DEFINE_integer("cpu_devices", None,
                     "With --strategy=mirrored and no GPU: split the CPU into N logical devices.")
flags.DEFINE_string("checkpoint_dir", None, "Checkpoints (default <output_dir>/checkpoints; "
                    "storage every worker reaches for multi_worker).")
flags.DEFINE_integer("checkpoint_every_steps", 1000, "Save a checkpoint every N generator steps.")
flags.DEFINE_integer("keep_checkpoints", 3, "How many checkpoints to keep.")
# Speed.
flags.DEFINE_enum("mixed_precision", "auto", ["auto", "float32", "mixed_bfloat16"],
                  "Compute precision: auto is mixed_bfloat16 where the hardware has bfloat16 "
                  "units (x86 AVX512_BF16/AMX, GPU compute capability >= 8.0), else float32. "
                  "Variables, scores, losses and penalty values stay float32; the layers, and "
                  "so the penalty's input gradient, compute in bfloat16. (float16 is not "
                  "offered: its loss scaling collapses with a gradient penalty.)")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"],
                  "XLA-compile the training step; auto: on for a single GPU, off on CPU and "
                  "under tf.distribute.")
# Outputs.
flags.DEFINE_string("output_dir", None,
                    "Checkpoints, sample pictures and TensorBoard logs (default runs/<name>).")
flags.DEFINE_string("export_dir", "exports", "Export the generator here ('' for no export).")
flags.DEFINE_string("model_name", None, "Name of the exported model (default: the dataset's).")
flags.DEFINE_list("tflite_quantization", [], "Quantized TFLite variants to export besides "
                  "float32: float16, dynamic_int8.")
flags.DEFINE_integer("sample_every_epochs", 1, "Write a sample picture every N epochs.")
flags.DEFINE_integer("monitor_every_epochs", 1,
                     "Measure samples every N epochs (0: never): exact W1 beside the critic's "
                     "estimate and W1 / noise floor for 2-D data, SWD for images; into the "
                     "logs and <output_dir>/logs/monitor.")
flags.DEFINE_float("ema_decay", None, "Decay of an average of the generator's weights that the "
                   "pictures, monitoring and export use (e.g. 0.999; default: off).")
flags.DEFINE_string("augment", None, "DiffAugment policy for images: translation, cutout and "
                    "(RGB only) color, comma-separated, e.g. translation,cutout (default: off).")
flags.DEFINE_integer("verbose", 2, "Keras fit verbosity: 0 silent, 1 progress bar, 2 per epoch.")

# Flags that are keyword arguments of training.train() (all of them above).
TRAIN_FLAGS = (
    "dataset", "data_dir", "image_size", "architecture", "latent_dim", "units", "depth",
    "filters", "channels", "spectral_norm", "critic_norm", "penalty", "penalty_weight",
    "penalty_target", "pairwise_interpolates", "clip_value", "drift_weight", "critic_steps",
    "fresh_real_batches", "original_schedule", "batch_size", "train_steps", "epochs",
    "steps_per_epoch", "optimizer", "critic_learning_rate", "generator_learning_rate", "beta_1",
    "beta_2", "lr_decay", "seed", "strategy", "tpu", "cpu_devices", "checkpoint_dir",
    "checkpoint_every_steps", "keep_checkpoints", "mixed_precision", "jit_compile", "output_dir",
    "export_dir", "model_name", "tflite_quantization", "sample_every_epochs", "verbose",
    "monitor_every_epochs", "ema_decay", "augment",
)


def main(argv):
    """Maps the flags onto `training.train()` and reports what was written."""
    if len(argv) > 1:
        return cli.fail(f"unexpected arguments: {' '.join(argv[1:])} (every setting is a "
                        "--flag=value)")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # TensorFlow's own log lines off the console unless --verbosity is given;
    # before TensorFlow is first imported, which its C++ logging needs.
    cli.quiet_tensorflow(FLAGS.verbosity if FLAGS["verbosity"].present else None)
    # Imported here so that --help answers without loading TensorFlow.
    from keras_wgan import data, training

    settings = {name: FLAGS[name].value for name in TRAIN_FLAGS}
    settings["export_dir"] = settings["export_dir"] or None
    try:
        result = training.train(**settings)
    except data.DatasetUnavailableError as error:
        return cli.fail(f"--dataset={FLAGS.dataset}: {_flag_message(error)}")
    except training.TrainingInterrupted as error:
        print(f"{os.path.basename(sys.argv[0])}: {error}", file=sys.stderr)
        return error.exit_code
    # train() names the setting at fault (a missing dataset as "dataset=..."); an
    # OSError it does not name (e.g. a full disk) is still reported in one line.
    except (ValueError, FloatingPointError, OSError) as error:
        return cli.fail(_flag_message(error))
    print(f"trained {result.generator_steps} generator steps; samples, logs and checkpoints "
          f"in {result.output_dir}")
    if result.export is not None:
        print(f"exported the generator to {result.export.saved_model_dir} (TF Serving) and "
              f"{', '.join(sorted(result.export.tflite_paths.values()))} (TFLite)")
    return 0


def _flag_message(error):
    """The error's text on one line, with argument names written as --flags."""
    text = cli.one_line(error)
    for name in TRAIN_FLAGS:
        if text.startswith((f"{name} ", f"{name}=", f"{name}:")):
            return "--" + text
    return text


def _parse_flags(argv):
    """absl's parsing with bad flags in one line and exit code 2 (`cli.parse_flags`)."""
    return cli.parse_flags(argv, message=_flag_message)


def run():
    """Entry point of the `keras-wgan-train` console script."""
    # --help lists the main module's flags: make this module's flags the
    # script's (train_main.py or keras-wgan-train), which defines none itself.
    for flag in FLAGS.get_key_flags_for_module(__name__):
        FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    FLAGS["verbosity"].help += cli.VERBOSITY_HELP
    FLAGS.register_key_flag_for_module(sys.argv[0], FLAGS["verbosity"])
    app.run(main, flags_parser=_parse_flags)


if __name__ == "__main__":
    run()
