"""What the package's command lines share: bad input ends in one line on stderr and exit code 2.

Example:
>>> from keras_wgan import cli
>>> try:
...     int("abc")
... except ValueError as error:
...     code = cli.fail(error, prog="my_tool")  # stderr: my_tool: error: invalid literal ...
>>> code
2
"""

import os
import sys

__all__ = ["USAGE_ERROR", "fail", "one_line"]

# The exit code of bad input (argparse's, and what the README promises).
USAGE_ERROR = 2


def one_line(error):
    """An error's text on one line (its type's name if it has no text).

    Args:
        error: an exception, or any object whose `str()` is the message.

    Returns:
        The message with every run of whitespace, newlines included, made one space.
    """
    return " ".join(str(error).split()) or type(error).__name__


def fail(message, prog=None):
    """Prints `<prog>: error: <message>` on one line to stderr; returns the exit code 2.

    Args:
        message: what was wrong; made one line.
        prog: the program's name; None: the basename of `sys.argv[0]`.

    Returns:
        `USAGE_ERROR` (2), for `sys.exit()` or a `main()` that returns its exit code.
    """
    prog = prog or os.path.basename(sys.argv[0])
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr)
    return USAGE_ERROR
