"""What the command lines share (`keras_wgan.cli.common`): one-line errors, flags, signals."""

import os
import signal

import pytest
from absl import flags

from keras_wgan.cli import common
from keras_wgan.options import Option


def test_one_line_joins_every_line_and_names_an_empty_error():
    assert common.one_line(ValueError("a\n  b\tc ")) == "a b c"
    assert common.one_line(KeyError()) == "KeyError"


def test_fail_prints_one_line_and_returns_2(capsys):
    assert common.fail("bad\nvalue", prog="tool") == common.USAGE_ERROR == 2
    assert capsys.readouterr().err == "tool: error: bad value\n"


@pytest.mark.parametrize(
    "argv, verbosity",
    [
        ([], None),
        (["--verbosity=1"], 1),
        (["-v", "-2"], -2),
        (["--v=x"], 0),
        (["--dataset=v"], None),
    ],
)
def test_argv_verbosity(argv, verbosity):
    assert common.argv_verbosity(argv) == verbosity


def _define(values):
    flags.DEFINE_integer("steps", 3, "How many steps.", flag_values=values)
    flags.DEFINE_string("name", None, "A name.", flag_values=values)


def _command(seen):
    def main(values, argv):
        seen.append((values.steps, values.name, argv[1:]))
        return 0

    return common.Command(
        module=__name__, define_flags=_define, body=main, prog="tool", usage="Does a thing."
    )


def test_call_parses_the_flags_and_returns_main_s_code():
    seen = []
    assert _command(seen).main(["--steps=5", "rest"]) == 0
    assert seen == [(5, None, ["rest"])]
    assert _command(seen).main([]) == 0  # a new FlagValues: the defaults again
    assert seen[-1] == (3, None, [])


@pytest.mark.parametrize("flag", ["--help", "-h", "--helpfull"])
def test_call_answers_help_with_the_command_s_flags_and_0(flag, capsys):
    seen = []
    assert _command(seen).main([flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Does a thing.") and "--steps" in out and "--name" in out
    assert seen == []


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--steps=abc"],
            "tool: error: flag --steps=abc: invalid literal for int() with base 10: 'abc'",
        ),
        (["--nope"], "tool: error: Unknown command line flag 'nope'"),
    ],
)
def test_call_refuses_a_bad_flag_in_one_line_with_2(args, message, capsys):
    seen = []
    assert _command(seen).main(args) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert seen == []


def test_call_reads_a_flagfile(tmp_path):
    flagfile = tmp_path / "run.flags"
    flagfile.write_text("--steps=7\n--name=x\n")
    seen = []
    assert _command(seen).main([f"--flagfile={flagfile}"]) == 0
    assert seen == [(7, "x", [])]


@pytest.mark.parametrize(
    "option, given, expected",
    [
        (Option("count", 2, "A count."), "--count=4", 4),
        (Option("rate", 0.5, "A rate."), "--rate=0.25", 0.25),
        (Option("on", False, "A switch."), "--on", True),
        (Option("word", None, "A word.", type=str), "--word=w", "w"),
        (Option("items", (), "Items.", type=tuple), "--items=a,b", ["a", "b"]),
        (Option("mode", "a", "A mode.", choices=("a", "b")), "--mode=b", "b"),
    ],
)
def test_define_option_defines_the_flag_of_its_kind(option, given, expected):
    values = flags.FlagValues()
    common.define_option(option, values, __name__)
    values(["tool", given])
    assert values[option.name].value == expected
    assert option.help in values[option.name].help
    assert f"{option.name}: " in values.module_help(__name__)


def test_define_option_takes_the_command_s_default_and_help():
    values = flags.FlagValues()
    common.define_option(
        Option("word", None, "A word.", type=str),
        values,
        __name__,
        default="w",
        help_text="Another help.",
    )
    values(["tool"])
    assert (values.word, values["word"].help) == ("w", "Another help.")


def test_stop_on_sigterm_raises_terminated_and_restores_the_handler():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(common.Terminated) as raised:
        with common.stop_on_sigterm():
            os.kill(os.getpid(), signal.SIGTERM)  # handled before the next bytecode
    assert raised.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is before
