"""The export command line (`python -m keras_wgan.export`, `keras_wgan.cli.export`).

Run as a user runs it, in a subprocess, on a `.keras` checkpoint of a tiny
trained mlp: what it writes and prints, its one-line refusals (exit 2), its
summary without the serving extra, and SIGTERM mid-export (exit 143).
"""

import json
import os
import sys

import pytest
import tomllib
from helpers import REPO, numeric_dirs, run, subprocess_env, trained_mlp

from keras_wgan.export import saved_model


@pytest.fixture(scope="module")
def gan():
    return trained_mlp()


@pytest.fixture(scope="module")
def conditional_gan():
    return trained_mlp(num_classes=3)


def test_cli_exports_a_checkpoint(gan, tmp_path):
    checkpoint = tmp_path / "model.keras"
    gan.save(checkpoint)
    process = run(
        [
            sys.executable,
            "-m",
            "keras_wgan.export",
            f"--checkpoint={checkpoint}",
            f"--export_dir={tmp_path / 'exports'}",
            "--model_name=toy",
            "--dataset=8gaussians",
            "--architecture=mlp",
            "--tflite_quantization=float16",
        ],
        cwd=REPO,
        env=subprocess_env(),
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert "version 1" in process.stdout
    model_dir = tmp_path / "exports" / "toy"
    assert numeric_dirs(model_dir) == [1]
    assert os.path.isfile(model_dir / "toy.float16.tflite")
    metadata = json.load(open(model_dir / "1" / "assets.extra" / "keras_wgan.json"))
    assert metadata["dataset"] == "8gaussians" and metadata["architecture"] == "mlp"
    assert metadata["generator_steps"] == 1


def test_cli_missing_checkpoint_is_one_line(tmp_path):
    missing = tmp_path / "nope.keras"
    process = run(
        [
            sys.executable,
            "-m",
            "keras_wgan.export",
            f"--checkpoint={missing}",
            f"--export_dir={tmp_path / 'exports'}",
        ],
        cwd=REPO,
        env=subprocess_env(),
    )
    assert process.returncode == 2
    assert "Traceback" not in process.stderr
    errors = [
        line for line in process.stderr.splitlines() if line.startswith("keras_wgan.export: error:")
    ]
    assert len(errors) == 1, process.stderr
    assert str(missing) in errors[0] and "does not exist" in errors[0]
    assert not os.path.exists(tmp_path / "exports")


@pytest.mark.parametrize(
    "case",
    [
        "unknown_flag",
        "bad_integer",
        "huge_max_samples",
        "no_checkpoint",
        "positional",
        "bad_model_name",
        "garbage_file",
    ],
)
def test_cli_bad_input_exits_2_in_one_line(tmp_path, case):
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"\x00not a zip archive" * 64)
    checkpoint = f"--checkpoint={garbage}"
    args, expected = {
        "unknown_flag": ([checkpoint, "--no_such_flag=1"], "no_such_flag"),
        "bad_integer": ([checkpoint, "--max_samples=many"], "max_samples"),
        "huge_max_samples": (
            [checkpoint, "--max_samples=2000000000"],
            "max_samples must be an integer in [1, 268435455]",
        ),
        "no_checkpoint": ([], "checkpoint"),
        "positional": ([checkpoint, "extra"], "extra"),
        "bad_model_name": ([checkpoint, "--model_name=a/b"], "model_name"),
        "garbage_file": ([checkpoint], "is not a valid .keras file"),
    }[case]
    process = run(
        [sys.executable, "-m", "keras_wgan.export", f"--export_dir={tmp_path / 'exports'}", *args],
        cwd=tmp_path,
        env=subprocess_env(),
    )
    assert process.returncode == 2, (process.returncode, process.stderr[-2000:])
    assert "Traceback" not in process.stderr
    assert "FATAL" not in process.stderr and "--helpshort" not in process.stderr
    lines = [line for line in process.stderr.splitlines() if "keras_wgan.export" in line]
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith("keras_wgan.export: error:") and expected in lines[0], lines
    assert not os.path.exists(tmp_path / "exports")


def test_the_export_console_script_is_declared():
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        scripts = tomllib.load(f)["project"]["scripts"]
    assert scripts["keras-wgan-export"] == "keras_wgan.cli.export:run"


def test_cli_records_class_names(conditional_gan, tmp_path):
    checkpoint = tmp_path / "model.keras"
    conditional_gan.save(checkpoint)
    command = [
        sys.executable,
        "-m",
        "keras_wgan.export",
        f"--checkpoint={checkpoint}",
        f"--export_dir={tmp_path / 'exports'}",
        "--model_name=toy",
    ]
    env = subprocess_env()
    process = run(command + ["--class_names=zero,one"], cwd=tmp_path, env=env)
    assert process.returncode == 2 and "Traceback" not in process.stderr
    lines = [line for line in process.stderr.splitlines() if "keras_wgan.export" in line]
    assert lines == [
        "keras_wgan.export: error: class_names must be 3 strings (num_classes=3), "
        "received ['zero', 'one']"
    ], process.stderr[-2000:]
    process = run(command + ["--class_names=zero,one,two"], cwd=tmp_path, env=env)
    assert process.returncode == 0, process.stderr[-3000:]
    metadata = json.load(
        open(tmp_path / "exports" / "toy" / "1" / "assets.extra" / "keras_wgan.json")
    )
    assert (metadata["num_classes"], metadata["class_names"]) == (3, ["zero", "one", "two"])


def test_the_export_command_says_when_the_warmup_is_not_written(gan, tmp_path, monkeypatch, capsys):
    from keras_wgan.cli import export as export_cli

    def missing():
        raise ImportError("No module named 'tensorflow_serving'")

    monkeypatch.setattr(saved_model, "serving_apis", missing)
    checkpoint = tmp_path / "toy.keras"
    gan.save(checkpoint)
    code = export_cli.main(
        [f"--checkpoint={checkpoint}", f"--export_dir={tmp_path / 'e'}", "--model_name=toy"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "  TF Serving warmup: not written (pip install 'keras-wgan[serving]' adds it)"
        in out.splitlines()
    ), out


def test_sigterm_during_the_export_command_says_what_was_written(gan, tmp_path):
    # SIGTERM arrives while the float32 TFLite file is converted, after the
    # SavedModel version is published: the command says so and exits 143.
    checkpoint = tmp_path / "toy.keras"
    gan.save(checkpoint)
    script = (
        "import os, signal, sys\n"
        "from keras_wgan.cli import export\n"
        "from keras_wgan.export import tflite\n"
        "def convert(module, quantization):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    raise AssertionError('SIGTERM was not delivered')\n"
        "tflite.convert = convert\n"
        "sys.argv = ['keras-wgan-export', *sys.argv[1:]]\n"
        "export.run()\n"
    )
    env = subprocess_env()
    process = run(
        [
            sys.executable,
            "-c",
            script,
            f"--checkpoint={checkpoint}",
            f"--export_dir={tmp_path / 'e'}",
            "--model_name=toy",
        ],
        env=env,
    )
    model_dir = tmp_path / "e" / "toy"
    lines = [line for line in process.stderr.splitlines() if "keras_wgan.export" in line]
    assert process.returncode == 143, process.stderr[-2000:]
    assert lines == [
        f"keras_wgan.export: stopped by SIGTERM; written before it: {model_dir / '1'}"
        "; the export's other files were not written"
    ], lines
    assert sorted(os.listdir(model_dir)) == ["1"]  # no temporary file left


# ------------------------------------------------ a directory as --checkpoint
def _in_process(command, capsys, *args):
    """(exit code, stdout, the stderr lines saying "error:") of a command line run here."""
    code = command.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, [line for line in err.splitlines() if "error:" in line]


def test_a_run_directory_given_as_checkpoint_stands_for_its_model_keras(gan, tmp_path, capsys):
    from keras_wgan.cli import evaluate
    from keras_wgan.cli import export as export_cli

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    gan.save(run_dir / "model.keras")
    (run_dir / "checkpoints").mkdir()
    exports = tmp_path / "exports"
    for given in (run_dir, f"{run_dir}/", f"{run_dir / 'model.keras'}/"):
        code, out, errors = _in_process(
            export_cli, capsys, f"--checkpoint={given}", f"--export_dir={exports}", "--model_name=t"
        )
        assert code == 0 and errors == [], errors
    assert numeric_dirs(exports / "t") == [1, 2, 3]
    code, out, errors = _in_process(
        evaluate, capsys, f"--checkpoint={run_dir}", "--dataset=8gaussians", "--num_samples=50"
    )
    assert code == 0 and errors == [], errors
    assert json.loads(out)["generator"]["checkpoint"] == str(run_dir / "model.keras")


@pytest.mark.parametrize(
    "contents, said",
    [
        ([], "(it is empty)"),
        (["checkpoints/", "logs/"], "(it holds checkpoints/, logs/; a run writes model.keras at"),
        (["wgan.keras", "wgan.json"], "(it holds wgan.keras: pass it)"),
        (["checkpoint", "ckpt-2.index"], "(it holds training checkpoints (ckpt-N): pass the run's"),
        (["saved_model.pb", "variables/"], "it is an exported SavedModel version"),
    ],
)
def test_a_directory_without_model_keras_as_checkpoint_is_one_line(
    contents, said, tmp_path, capsys
):
    from keras_wgan.cli import evaluate
    from keras_wgan.cli import export as export_cli

    given = tmp_path / "run"
    given.mkdir()
    for name in contents:
        if name.endswith("/"):
            (given / name).mkdir()
        else:
            (given / name).write_text("x")
    code, _, errors = _in_process(
        export_cli, capsys, f"--checkpoint={given}", f"--export_dir={tmp_path / 'exports'}"
    )
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(
        f"keras_wgan.export: error: checkpoint '{given}' is a directory without model.keras "
    )
    assert said in errors[0] and errors[0].endswith(
        "expected a .keras file saved by WassersteinGAN.save(), or a training run's output_dir "
        "holding model.keras"
    )
    assert not (tmp_path / "exports").exists()
    code, _, errors = _in_process(evaluate, capsys, f"--checkpoint={given}")
    assert code == 2 and len(errors) == 1, errors
    if "saved_model.pb" in contents:  # the other command reads it
        assert errors[0].endswith(f"pass it as --saved_model={given}")
    else:
        assert f"--checkpoint '{given}' is a directory without model.keras" in errors[0]
        assert said in errors[0]
