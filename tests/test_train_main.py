"""The training entry points: training.train() and the train_main.py command line."""

import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
from helpers import REPO, program_lines, subprocess_env, train_main_reports
from PIL import Image

from keras_wgan import training
from keras_wgan.cli import train as train_cli


def run_cli(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, str(REPO / "train_main.py"), *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_trains_mirrored_on_two_logical_cpus(tmp_path):
    # --cpu_devices must split the CPU before TensorFlow creates anything:
    # this failed when train() opened the data before making the strategy.
    result = run_cli(
        "--dataset=8gaussians",
        "--strategy=mirrored",
        "--cpu_devices=2",
        "--train_steps=2",
        "--steps_per_epoch=2",
        "--batch_size=8",
        "--units=8",
        "--depth=1",
        "--export_dir=",
        f"--output_dir={tmp_path}",
        "--verbose=0",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "model.keras").exists()


def test_train_toy_writes_pictures_logs_and_stops_at_train_steps(tmp_path):
    result = training.train(
        "25gaussians",
        train_steps=7,
        steps_per_epoch=3,
        units=16,
        depth=1,
        batch_size=16,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
    )
    assert result.generator_steps == 7
    assert int(result.model.critic_optimizer.iterations) == 7 * result.model.critic_steps
    assert sorted(os.listdir(tmp_path / "samples")) == [
        "samples_0001.png",
        "samples_0002.png",
        "samples_0003.png",
    ]
    assert any((tmp_path / "logs").rglob("events.out.tfevents.*"))
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert int(restored.generator_optimizer.iterations) == 7
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []
    assert result.settings["penalty"] == "pairwise" and result.settings["latent_dim"] == 2


def test_train_npz_images_with_epochs(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(40, 28, 28, 1), dtype="uint8")
    np.savez(tmp_path / "digits.npz", images=images)
    result = training.train(
        tmp_path / "digits.npz",
        architecture="dcgan",
        filters=4,
        batch_size=4,
        critic_steps=2,
        epochs=2,
        output_dir=tmp_path / "run",
        export_dir=None,
        verbose=0,
    )
    # 40 images / (4 x 2) per step = 5 steps per epoch.
    assert result.generator_steps == 10
    assert result.model.generate(3, seed=0).shape == (3, 28, 28, 1)


def _image_folder(folder, count=8):
    folder.mkdir(parents=True)
    images = np.random.default_rng(0).integers(0, 256, size=(count, 28, 28), dtype="uint8")
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{i}.png")
    return folder


def test_a_folder_with_a_non_ascii_name_trains_and_exports_under_an_ascii_name(tmp_path):
    folder = _image_folder(tmp_path / "données_é")
    settings = dict(architecture="dcgan", filters=4, batch_size=4, critic_steps=1, verbose=0)
    settings.update(train_steps=2, monitor_every_epochs=0)
    result = training.train(
        folder, output_dir=tmp_path / "run", export_dir=tmp_path / "exports", **settings
    )
    assert result.settings["model_name"] == "donnees_e"
    assert result.export.saved_model_dir == str(tmp_path / "exports" / "donnees_e" / "1")
    # Without an export too (the name was refused even then), and with the name given.
    result = training.train(folder, output_dir=tmp_path / "run2", export_dir=None, **settings)
    assert result.generator_steps == 2
    training.train(
        folder, model_name="猫", output_dir=tmp_path / "run3", export_dir=None, **settings
    )


@pytest.mark.slow
def test_the_command_line_trains_on_a_folder_named_in_any_script(tmp_path):
    _image_folder(tmp_path / "猫")
    result = run_cli(
        "--dataset=猫",
        "--architecture=dcgan",
        "--filters=4",
        "--batch_size=4",
        "--critic_steps=1",
        "--train_steps=2",
        "--monitor_every_epochs=0",
        "--export_dir=",
        "--verbose=0",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = (tmp_path / "runs").iterdir()  # runs/<the derived name>
    assert re.fullmatch(r"wgan-[0-9a-f]{8}", run.name) and (run / "model.keras").is_file()


def test_train_rejects_epochs_without_steps_on_endless_data(tmp_path):
    with pytest.raises(ValueError, match="epochs=2 needs steps_per_epoch"):
        training.train("8gaussians", epochs=2, output_dir=tmp_path, export_dir=None)


def test_train_with_the_original_schedule_counts_generator_steps(tmp_path):
    # critic_steps=10: the step's graph unrolls its critic updates, so few of them trace fast.
    result = training.train(
        "8gaussians",
        penalty="clip",
        original_schedule=True,
        train_steps=3,
        critic_steps=10,
        batch_size=4,
        units=8,
        depth=1,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
    )
    assert result.generator_steps == 3
    assert int(result.model.critic_optimizer.iterations) == 3 * 100


@pytest.mark.parametrize(
    "args, message",
    [
        (["--batch_size=0"], "--batch_size must be an integer >= 1, received 0"),
        (["--critic_steps=0"], "--critic_steps must be an integer >= 1, received 0"),
        (
            ["--penalty=foo"],
            "--penalty must be one of 'clip', 'ctgan', 'gp', 'gp0', 'lp', 'none', "
            "'pairwise', 'r1', 'wgan_div', received 'foo'",
        ),
        (["--penalty_weight=-1"], "--penalty_weight must be a finite number >= 0, received -1.0"),
        (
            ["--architecture=foo"],
            "--architecture must be one of 'dcgan', 'kerasio', 'mlp', 'resnet', received 'foo'",
        ),
        (["--architecture=kerasio"], "cannot take sample_shape (2,)"),
        (["--dataset=missing.npz"], "--dataset=missing.npz: no such .npz file"),
        (["--dataset=no_such_dataset_xyz"], "unknown dataset 'no_such_dataset_xyz'"),
    ],
)
def test_bad_flags_fail_in_one_line(args, message, tmp_path, capsys):
    code, errors = train_main_reports([*args, "--export_dir=", f"--output_dir={tmp_path}"], capsys)
    assert code == 2
    assert len(errors) == 1 and message in errors[0], errors


# Settings that used to be checked only after training (or that trained into NaN):
# the tiny network and single step keep the run short where a check is missing.
TINY = ["--train_steps=1", "--units=4", "--depth=1", "--batch_size=4"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--tflite_quantization=bogus"],
            "--tflite_quantization: unknown quantization 'bogus', expected any of float16, "
            "dynamic_int8",
        ),
        (["--model_name=a/b"], "--model_name must be a plain name"),
        (
            ["--critic_learning_rate=nan"],
            "--critic_learning_rate must be a finite number > 0, received nan",
        ),
        (["--generator_learning_rate=0"], "--generator_learning_rate must be a finite number > 0"),
        (["--penalty_weight=inf"], "--penalty_weight must be a finite number >= 0, received inf"),
        (["--beta_1=2", "--beta_2=-1"], "--beta_1 must be a number in [0, 1), received 2.0"),
        (["--beta_2=-1"], "--beta_2 must be a number in [0, 1), received -1.0"),
        (["--penalty_target=nan"], "--penalty_target must be a finite number >= 0, received nan"),
        (["--clip_value=inf"], "--clip_value must be a finite number > 0, received inf"),
        (["--drift_weight=nan"], "--drift_weight must be a finite number >= 0, received nan"),
        (["--keep_checkpoints=0"], "--keep_checkpoints must be an integer >= 1, received 0"),
        (
            ["--checkpoint_every_steps=0"],
            "--checkpoint_every_steps must be None or an integer >= 1",
        ),
        (["--sample_every_epochs=0"], "--sample_every_epochs must be an integer >= 1, received 0"),
        (
            ["--architecture=foo", "--units=8"],
            "--architecture must be one of 'dcgan', 'kerasio', 'mlp', 'resnet', received 'foo'",
        ),
    ],
)
def test_settings_are_checked_before_training(args, message, tmp_path, capsys):
    code, errors = train_main_reports(
        [*TINY, *args, f"--export_dir={tmp_path / 'exports'}", f"--output_dir={tmp_path / 'run'}"],
        capsys,
    )
    assert code == 2
    assert len(errors) == 1 and message in errors[0], errors
    assert not (tmp_path / "run").exists() and not (tmp_path / "exports").exists()


def test_an_export_dir_that_is_a_file_is_blamed_on_export_dir(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    code, errors = train_main_reports(
        [*TINY, f"--export_dir={tmp_path / 'file'}", f"--output_dir={tmp_path / 'run'}"], capsys
    )
    assert code == 2 and len(errors) == 1, errors
    assert f"error: --export_dir '{tmp_path / 'file'}' is a file" in errors[0]
    assert "--dataset" not in errors[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--batch_size=abc"],
            "flag --batch_size=abc: invalid literal for int() with base 10: 'abc'",
        ),
        (["--no_such_flag"], "Unknown command line flag 'no_such_flag'"),
        (["--critic_norm=bogus"], "flag --critic_norm=bogus: value should be one of <layer>"),
        (["--flagfile=no_such.flags"], "no_such.flags"),
    ],
)
def test_flag_parsing_errors_exit_2_in_one_line(args, message, capsys, monkeypatch):
    from keras_wgan.cli import train

    monkeypatch.setattr(sys, "argv", ["train_main.py"])
    code = train.main(args)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("train_main.py: error: "), lines
    assert message in lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--batch_size=abc"],
            "train_main.py: error: flag --batch_size=abc: invalid literal for "
            "int() with base 10: 'abc'",
        ),
        (
            ["surplus", "--export_dir="],
            "train_main.py: error: unexpected arguments: surplus (every setting is a --flag=value)",
        ),
    ],
)
def test_the_script_exits_2_in_one_line(args, message):
    completed = run_cli(*args)
    assert completed.returncode == 2, completed.stderr
    assert program_lines(completed.stderr) == [message]
    assert completed.stdout == ""


def test_help_still_answers(tmp_path):
    completed = run_cli("--help")
    # The command's usage (what it does, an example) comes first, not a module's docstring.
    assert completed.stdout.startswith(train_cli.COMMAND.usage + "\n")
    assert "--penalty_weight" in completed.stdout and "--tflite_quantization" in completed.stdout
    assert "Traceback" not in completed.stderr


def test_the_console_script_s_help_starts_with_the_command_s_usage():
    # keras-wgan-train's __main__ is a wrapper without a docstring: the usage is the command's.
    code = "import sys; sys.argv = ['keras-wgan-train', '--help']; train.run()"
    completed = subprocess.run(
        [sys.executable, "-c", f"from keras_wgan.cli import train; {code}"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(train_cli.COMMAND.usage + "\n")
    assert "keras-wgan-train:\n  --architecture" in completed.stdout


def test_bad_flag_exits_non_zero_without_traceback(tmp_path):
    completed = run_cli("--batch_size=-3", "--export_dir=", f"--output_dir={tmp_path}")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        "train_main.py: error: --batch_size must be an integer >= 1, received -3"
    )
    assert "Traceback" not in completed.stderr


def test_cli_trains_with_a_flagfile(tmp_path):
    flagfile = tmp_path / "run.flags"
    flagfile.write_text(
        "--dataset=circle\n--train_steps=4\n--units=8\n--depth=1\n"
        f"--batch_size=8\n--export_dir=\n--output_dir={tmp_path / 'run'}\n"
    )
    completed = run_cli(f"--flagfile={flagfile}")
    assert completed.returncode == 0, completed.stderr
    assert "trained 4 generator steps" in completed.stdout
    assert (tmp_path / "run" / "samples").is_dir()


def test_train_again_resumes_from_the_newest_checkpoint(tmp_path):
    settings = dict(
        units=8,
        depth=1,
        batch_size=8,
        steps_per_epoch=4,
        checkpoint_every_steps=2,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
    )
    first = training.train("circle", train_steps=6, **settings)
    assert first.generator_steps == 6
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("ckpt-*.index")) == [
        "ckpt-2.index",
        "ckpt-4.index",
        "ckpt-6.index",
    ]
    second = training.train("circle", train_steps=10, **settings)
    assert (first.initial_step, second.initial_step, second.generator_steps) == (0, 6, 10)
    assert int(second.model.critic_optimizer.iterations) == 10 * second.model.critic_steps


def test_non_finite_loss_stops_with_the_step_and_exports_nothing(tmp_path):
    with pytest.raises(FloatingPointError, match="at generator step [0-9]+"):
        training.train(
            "8gaussians",
            units=8,
            depth=1,
            batch_size=8,
            train_steps=50,
            penalty="none",
            critic_learning_rate=1e30,
            generator_learning_rate=1e30,
            optimizer="rmsprop",
            output_dir=tmp_path,
            export_dir=tmp_path / "exports",
            verbose=0,
        )
    assert not (tmp_path / "exports").exists()


def test_resume_with_a_relative_output_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = dict(
        units=8,
        depth=1,
        batch_size=8,
        steps_per_epoch=2,
        output_dir="runs/rel",
        export_dir=None,
        verbose=0,
    )
    training.train("circle", train_steps=2, **settings)
    assert training.train("circle", train_steps=4, **settings).generator_steps == 4


def test_bfloat16_training_exports_a_float32_generator(tmp_path):
    result = training.train(
        "circle",
        train_steps=2,
        units=8,
        depth=1,
        batch_size=8,
        mixed_precision="mixed_bfloat16",
        output_dir=tmp_path / "run",
        export_dir=tmp_path / "exports",
        verbose=0,
    )
    assert result.settings["mixed_precision"] == "mixed_bfloat16"
    assert os.path.isfile(result.export.tflite_paths["float32"])
    assert os.path.isdir(result.export.saved_model_dir)


def test_train_main_flags_map_one_to_one_onto_train():
    import dataclasses

    from absl import flags

    from keras_wgan.cli import train

    values = flags.FlagValues()
    train.define_flags(values)
    fields = {field.name: field for field in dataclasses.fields(training.TrainSettings)}
    assert sorted(train.TRAIN_FLAGS) == sorted(fields)
    for name, field in fields.items():  # one default: the flag's is the field's
        default = values[name].default
        assert (tuple(default) if isinstance(default, list) else default) == field.default, name
        assert values[name].help.endswith(field.metadata["help"]), name  # enum: "<a|b>: "
    assert values["mixed_precision"].default == "auto"
    assert values["jit_compile"].default == "auto"
