"""What the package's command lines share, and the one way each is built.

A command is a `Command`: its flags, defined by `define_flags(values)` on
the `FlagValues` it is given, and its `body(values, argv) -> exit code`,
called once they are parsed. A command module declares those two and
offers the command's entry points, `COMMAND.run()`, the console entry (absl's
global `FLAGS`, with absl's logging flags, under `absl.app.run`), and
`COMMAND.main(args)`, which runs it in this process on its own `FlagValues`
(tests, notebooks), so that commands whose flags share names can run side by
side. Either way: `--help` exits 0, `--flagfile=FILE` reads flags from a
file, a flag that does not parse ends in one line on stderr and exit code 2,
without a traceback.

Example:
>>> from keras_wgan.cli import common
>>> try:
...     int("abc")
... except ValueError as error:
...     code = common.fail(error, prog="my_tool")  # stderr: my_tool: error: invalid literal ...
>>> code
2
"""

import contextlib
import dataclasses
import logging
import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from absl import app, flags

__all__ = [
    "USAGE_ERROR",
    "VERBOSITY_HELP",
    "Command",
    "Terminated",
    "argv_verbosity",
    "define_option",
    "fail",
    "one_line",
    "parse_flags",
    "quiet_tensorflow",
    "stop_on_sigterm",
]

# The exit code of bad input (what the README promises, and argparse's convention).
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


# What --verbosity means for TensorFlow's own logs (appended to its help text).
VERBOSITY_HELP = (
    " keras_wgan's command lines: left unset, TensorFlow's own log lines (its C++ "
    "start-up notices, INFO and WARNING lines, errors it recovers from) are "
    "hidden; given, e.g. --verbosity=0, they are shown from that level on "
    "(TF_CPP_MIN_LOG_LEVEL, if set, still rules the C++ ones)."
)

# A line of TensorFlow's C++ logging (absl's format): "I0000 00:00:17.3 123 port.cc:153] ...".
_CPP_LOG_LINE = re.compile(r"^([IWEF])\d{4} \d+:\d+:\d+\.\d+ +\d+ \S+:\d+\] ")
_CPP_LEVELS = "IWEF"
_BEFORE_INIT_LOG = "WARNING: All log messages before absl::InitializeLog() is called"


def quiet_tensorflow(verbosity=None):
    """Keeps TensorFlow's own log lines off a command line's console, then imports TensorFlow.

    TensorFlow reads `TF_CPP_MIN_LOG_LEVEL` when it is imported, so a command
    line calls this before its first import of TensorFlow. A few C++ lines
    (the oneDNN notice, "Could not find cuda drivers") are printed while the
    libraries load, before TensorFlow applies that level: they are caught on
    the stderr file descriptor during the import and dropped if below it.

    Args:
        verbosity: the absl verbosity the user asked for, or None if none was
            asked for. None: TensorFlow's C++ lines are hidden
            (`TF_CPP_MIN_LOG_LEVEL=3`) and its Python logger shows errors only.
            A number: C++ lines from the matching level on (0 or more: all;
            -1 warnings; -2 errors; -3 fatal only), Python lines as absl's
            verbosity says. A `TF_CPP_MIN_LOG_LEVEL` already in the
            environment wins either way.

    Returns:
        The `tensorflow` module.
    """
    level = "3" if verbosity is None else str(min(3, max(0, -int(verbosity))))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", level)
    try:
        min_level = int(os.environ["TF_CPP_MIN_LOG_LEVEL"])
    except ValueError:
        min_level = 0
    with _drop_cpp_log_lines(min_level):
        import tensorflow as tf
    if verbosity is None:
        _plain_info_lines()
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        # TensorFlow also logs through absl ("Sharding callback duration" at
        # every checkpoint), the logger of the package's own lines too.
        absl_logger = logging.getLogger("absl")
        if not any(isinstance(f, _ErrorsOnlyFrom) for f in absl_logger.filters):
            absl_logger.addFilter(_ErrorsOnlyFrom(os.path.dirname(tf.__file__)))
    return tf


def parse_flags(argv, message=one_line, prog=None):
    """absl's flag parsing for a command line's `app.run(main, flags_parser=...)`.

    A flag that does not parse ends the program with one line on stderr and
    exit code 2 (absl's own parser prints a usage hint and exits with 1, which
    scripts cannot tell apart from a failed run); `--help`, `--helpshort`,
    `--helpfull` and `--helpxml` exit with 0 after printing what was asked
    (absl exits with 1 for all but `--help`).

    Args:
        argv: the full command line, the program first.
        message: turns the parse error into the line printed after
            `<prog>: error: `.
        prog: the program's name in that line; None: the basename of `argv[0]`.

    Returns:
        The arguments absl left unparsed, the program first.
    """
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        sys.exit(fail(message(error), prog=prog or os.path.basename(argv[0])))
    except SystemExit as stop:
        # Only absl's help flags exit while parsing, with 1 after printing
        # what was asked: that is a success.
        sys.exit(0 if stop.code == 1 else stop.code)


def _plain_info_lines():
    """The package's INFO lines without absl's prefix ("I1201 13:13:10.123 4567 file.py:395]").

    absl writes that prefix on every record of the Python logging tree; a user
    reads "saved checkpoint ..." more easily without it. Warnings and errors
    keep it, and so does a run given `--showprefixforinfo` explicitly.
    """
    if "showprefixforinfo" in flags.FLAGS and not flags.FLAGS["showprefixforinfo"].present:
        flags.FLAGS.showprefixforinfo = False


def argv_verbosity(argv):
    """The absl `--verbosity` (`-v`) given in `argv`, read before the flags are parsed.

    Args:
        argv: the command-line arguments, without the program.

    Returns:
        The verbosity as an int (0 if its value is no int: the flag parser
        will say so), or None if it is not given.
    """
    for i, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if name in ("-v", "--v", "-verbosity", "--verbosity"):
            if not equals:
                value = argv[i + 1] if i + 1 < len(argv) else ""
            try:
                return int(value)
            except ValueError:
                return 0
    return None


class _ErrorsOnlyFrom(logging.Filter):
    """Drops the records below ERROR logged by the code under one directory."""

    def __init__(self, directory):
        super().__init__()
        self.directory = os.path.join(os.path.realpath(directory), "")

    def filter(self, record):
        return record.levelno >= logging.ERROR or not os.path.realpath(record.pathname).startswith(
            self.directory
        )


@contextlib.contextmanager
def _drop_cpp_log_lines(min_level):
    """Captures what is written to the stderr descriptor; writes it back without C++ log lines
    below `min_level` (0 INFO, 1 WARNING, 2 ERROR, 3 FATAL)."""
    if min_level <= 0:
        yield
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr descriptor: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode(errors="replace").splitlines(keepends=True)
            kept = [line for line in lines if not _below(line, min_level)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def _below(line, min_level):
    """Whether `line` is a C++ log line (or absl's notice about them) under `min_level`."""
    if line.startswith(_BEFORE_INIT_LOG):
        return True
    match = _CPP_LOG_LINE.match(line)
    return bool(match) and _CPP_LEVELS.index(match.group(1)) < min_level


# absl's help flags: answered with the command's own flags and exit code 0.
_HELP = ("-h", "-?", "--help", "-help", "--helpshort", "--helpfull")


@dataclasses.dataclass(frozen=True)
class Command:
    """A command line: its flags and what it does with them; `run` and `main` run it.

    Attributes:
        module: the module defining the flags (`__name__`); its flags are
            the ones `--help` lists.
        define_flags: `define_flags(values)` defines the command's flags on
            the `absl.flags.FlagValues` it is given (never on another).
        body: `body(values, argv) -> exit code`, with `values` parsed and
            `argv` the arguments absl left, the program first.
        prog: the program's name in error lines; None: the basename of `argv[0]`.
        usage: the first lines of `--help`: what the command does, how it is called.
        message: turns a flag-parsing error into the line printed after
            `<prog>: error: `.
    """

    module: str
    define_flags: Callable[[flags.FlagValues], None]
    body: Callable[[flags.FlagValues, list[str]], int]
    prog: str | None = None
    usage: str = ""
    message: Callable[[Exception], str] = one_line

    def run(self) -> None:
        """The console entry: defines the flags on absl's `FLAGS` and runs the command.

        absl's own flags (`--verbosity`, `--flagfile`, the logging flags) come
        with the global `FLAGS`; the command's flags are made the key flags of
        the script being run, so `--help` lists them, after the command's
        `usage` (absl prints the docstring of `__main__`, whichever script,
        module or console-script wrapper that is, so `usage` takes its place).
        """
        if self.usage:  # absl fills "%s" of that text with argv[0]: "%%" keeps a "%"
            sys.modules["__main__"].__doc__ = self.usage.replace("%", "%%") + "\n"
        self.define_flags(flags.FLAGS)
        for flag in flags.FLAGS.get_key_flags_for_module(self.module):
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
        flags.FLAGS["verbosity"].help += VERBOSITY_HELP
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS["verbosity"])

        def parser(argv):
            return parse_flags(argv, message=self.message, prog=self.prog)

        app.run(lambda argv: self.body(flags.FLAGS, argv), flags_parser=parser)

    def main(self, args: list[str] | None = None) -> int:
        """Runs the command in this process on the arguments `args`; returns its exit code.

        The flags are defined on a new `FlagValues`, with `--verbosity` (`-v`),
        so each call starts from the defaults.

        Args:
            args: the arguments, without the program (None: `sys.argv[1:]`).

        Returns:
            0 after `--help`, 2 for a flag that does not parse, else the body's code.

        Example:
        >>> from keras_wgan.cli import train
        >>> train.main(["--batch_size=abc"])  # stderr: ...: error: flag --batch_size=abc: ...
        2
        """
        values = flags.FlagValues()
        self.define_flags(values)
        flags.DEFINE_integer(
            "verbosity",
            None,
            "Show TensorFlow's own log lines from this absl "
            "level on (0 info, -1 warning, -2 error; default: hidden).",
            short_name="v",
            flag_values=values,
        )
        args = sys.argv[1:] if args is None else list(args)
        prog = self.prog or os.path.basename(sys.argv[0])
        if any(arg in _HELP for arg in args):
            print(f"{self.usage}\n\n{values.module_help(self.module)}\n".lstrip())
            return 0
        try:
            unparsed = values([prog, *args])
        except flags.Error as error:
            return fail(self.message(error), prog=prog)
        return self.body(values, unparsed)


def define_option(
    option,
    values: flags.FlagValues,
    module: str,
    default=dataclasses.MISSING,
    help_text: str | None = None,
) -> None:
    """Defines the absl flag of a `keras_wgan.options.Option` on `values`.

    Args:
        option: the declaration (name, default, help, choices, type).
        values: the `FlagValues` to define it on.
        module: the command's module, whose `--help` lists the flag.
        default: the flag's default, when the command's differs from the option's.
        help_text: the flag's help, when the command's differs from the option's.
    """
    default = option.default if default is dataclasses.MISSING else default
    help_text = option.help if help_text is None else help_text
    kind = option.kind
    if kind == "enum":
        flags.DEFINE_enum(
            option.name,
            default,
            list(option.choices),
            help_text,
            flag_values=values,
            module_name=module,
        )
    elif kind == "list":
        flags.DEFINE_list(
            option.name, list(default or ()), help_text, flag_values=values, module_name=module
        )
    else:
        defines: dict[str, Callable[..., Any]] = {
            "boolean": flags.DEFINE_boolean,
            "integer": flags.DEFINE_integer,
            "float": flags.DEFINE_float,
            "string": flags.DEFINE_string,
        }
        defines[kind](option.name, default, help_text, flag_values=values, module_name=module)


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM (see `stop_on_sigterm`).

    A `BaseException`, like `KeyboardInterrupt`: code that cleans up on any
    exception cleans up, and no `except Exception` swallows it.
    """

    exit_code = 128 + signal.SIGTERM


@contextlib.contextmanager
def stop_on_sigterm():
    """Turns SIGTERM into `Terminated` inside the block, so that cleanup code runs.

    Without it the default action ends the process at once, with no message
    and its temporary files left behind.
    """

    def handler(signum, frame):
        raise Terminated(f"stopped by {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
