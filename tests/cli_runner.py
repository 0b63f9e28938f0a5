"""The train_main command line run in the test process (shared by the test files that need it)."""

from keras_wgan.cli import train


def run_train_main(args):
    """Runs the training command (`keras_wgan.cli.train`) in this process on `args`; its exit code.

    The flags are parsed on their own `FlagValues`, as the command line parses
    them, so each call starts from the defaults.
    """
    return train.main(list(args))
