"""The package's command lines, built one way (`common`): train, evaluate and export.

    python train_main.py --dataset=mnist             # keras-wgan-train
    python -m keras_wgan.evaluation --saved_model=exports/mnist/1   # keras-wgan-evaluate
    python -m keras_wgan.export --checkpoint=runs/mnist/model.keras  # keras-wgan-export

Library modules never read `sys.argv` or absl flags: only these do. The
helpers of `common` (one-line errors, TensorFlow's logs kept off the console)
are importable from here.
"""

from keras_wgan.cli.common import (
    USAGE_ERROR,
    VERBOSITY_HELP,
    argv_verbosity,
    fail,
    one_line,
    parse_flags,
    quiet_tensorflow,
)

__all__ = [
    "USAGE_ERROR",
    "VERBOSITY_HELP",
    "argv_verbosity",
    "fail",
    "one_line",
    "parse_flags",
    "quiet_tensorflow",
]
