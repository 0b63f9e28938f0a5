"""The train_main command line run in the test process (shared by the test files that need it)."""


def run_train_main(args):
    """Runs `keras_wgan.train_main.main` in this process on the flags `args`; its exit code.

    The flags are parsed as the command line parses them and unparsed after,
    so the next call starts from the defaults.
    """
    from keras_wgan import train_main

    argv = ["train_main.py", *args]
    try:
        train_main.FLAGS(argv)
        return train_main.main([argv[0]])
    finally:
        train_main.FLAGS.unparse_flags()
