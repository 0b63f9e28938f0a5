"""The package's face: a lazy `import keras_wgan`, a fast --help, a console a user can read."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, timeout=300, **env_changes):
    """Runs `python <args>` in the repository with this worktree's package; returns the result."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # what a user's shell has: nothing set
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_import_loads_neither_tensorflow_nor_keras():
    done = _run(
        [
            "-c",
            "import sys, keras_wgan; keras_wgan.__version__; "
            "import keras_wgan.cli.train; import keras_wgan.export; "
            "assert 'tensorflow' not in sys.modules, 'tensorflow'; "
            "assert 'keras' not in sys.modules, 'keras'",
        ]
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_lazy_attributes_resolve_on_first_access():
    done = _run(
        [
            "-c",
            "import sys, keras_wgan\n"
            "assert 'keras_wgan.training' not in sys.modules\n"
            "import keras_wgan.training as training\n"
            "assert keras_wgan.training is training\n"
            "from keras_wgan.model import WassersteinGAN, default_optimizer\n"
            "assert keras_wgan.WassersteinGAN is WassersteinGAN\n"
            "assert keras_wgan.default_optimizer is default_optimizer\n"
            "for name in keras_wgan.__all__: getattr(keras_wgan, name)\n"
            "assert set(keras_wgan.__all__) <= set(dir(keras_wgan))\n"
            "try:\n    keras_wgan.no_such_thing\nexcept AttributeError as e:\n"
            "    assert 'no_such_thing' in str(e)\nelse:\n    raise SystemExit('no error')\n",
        ]
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_all_names_every_public_submodule():
    import keras_wgan

    for name in (
        "architectures",
        "checkpointing",
        "data",
        "distribute",
        "losses",
        "penalties",
        "training",
        "export",
        "evaluation",
        "recipes",
        "augment",
        "ema",
        "WassersteinGAN",
        "default_optimizer",
        "__version__",
    ):
        assert name in keras_wgan.__all__, name
    assert keras_wgan.recipes.__name__ == "keras_wgan.recipes"


def test_help_exits_0_with_the_flags_and_without_tensorflow():
    start = time.perf_counter()
    done = _run(["train_main.py", "--help"], timeout=120)
    print(f"python train_main.py --help took {time.perf_counter() - start:.2f} s")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--dataset" in done.stdout and "--penalty" in done.stdout
    assert "--verbosity" in done.stdout  # documented: it brings TensorFlow's logs back
    # TensorFlow's import would print its C++ start-up lines here.
    assert "oneDNN" not in done.stderr and "cuda" not in done.stderr, done.stderr


def test_helpfull_exits_0():
    done = _run(["train_main.py", "--helpfull"], timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "logtostderr" in done.stdout


# What TensorFlow writes on its own at INFO/WARNING level during a default run.
_TF_NOISE = (
    "oneDNN custom operations",
    "cuda drivers",
    "cuInit",
    "Sharding callback",
    "Assets written to",
    "absl::InitializeLog",
)


@pytest.mark.slow
def test_the_test_suite_imports_tensorflow_without_its_start_up_lines():
    # pytest-xdist's controller imports tests/conftest.py (and so TensorFlow) inside
    # pytest's global capture, which prints what it caught after the test summary.
    done = _run(
        ["-c", "import os, conftest; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"],
        PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for noise in _TF_NOISE:
        assert noise not in done.stderr, done.stderr
    assert done.stdout.split() == ["2"]  # TensorFlow's errors are still shown


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """A short default training run of the command line: its directory and its output."""
    directory = tmp_path_factory.mktemp("default_run")
    done = _run(
        [
            "train_main.py",
            "--train_steps=20",
            "--steps_per_epoch=10",
            "--units=8",
            f"--output_dir={directory / 'run'}",
            f"--export_dir={directory / 'exports'}",
            "--monitor_every_epochs=0",
        ]
    )
    return directory, done


def test_a_default_run_prints_the_package_lines_and_none_of_tensorflow_s(default_run):
    _, done = default_run
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 0, output[-3000:]
    for noise in _TF_NOISE:
        assert noise not in output, noise
    assert "trained 20 generator steps" in output
    assert "exported the generator" in output
    assert "saved checkpoint" in output  # the package's own INFO lines stay


def test_evaluate_prints_its_report_and_none_of_tensorflow_s_lines(default_run):
    directory, _ = default_run
    done = _run(
        [
            "-m",
            "keras_wgan.evaluation",
            f"--saved_model={directory / 'exports' / '8gaussians' / '1'}",
            "--num_samples=200",
        ]
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    for noise in _TF_NOISE:
        assert noise not in output, noise
    assert json.loads(done.stdout)["generator"]["latent_dim"] == 2


def test_export_prints_its_paths_and_none_of_tensorflow_s_lines(default_run):
    directory, _ = default_run
    done = _run(
        [
            "-m",
            "keras_wgan.export",
            f"--checkpoint={directory / 'run' / 'model.keras'}",
            f"--export_dir={directory / 'again'}",
            "--model_name=toy",
        ]
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    for noise in _TF_NOISE + ("MLIR", "Reading SavedModel"):
        assert noise not in output, noise
    assert "SavedModel:" in done.stdout


def test_an_explicit_verbosity_brings_tensorflow_s_logs_back(tmp_path):
    done = _run(
        [
            "train_main.py",
            "--train_steps=2",
            "--steps_per_epoch=2",
            "--units=8",
            f"--output_dir={tmp_path / 'run'}",
            "--export_dir=",
            "--monitor_every_epochs=0",
            "--verbosity=0",
        ]
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Sharding callback" in output


def test_the_package_s_info_lines_carry_no_absl_prefix(default_run):
    # absl's "I1201 13:13:10.123456 4567 checkpointing.py:395] " before each of
    # the package's own lines is noise to a user; warnings may keep it.
    _, done = default_run
    lines = (done.stdout + done.stderr).splitlines()
    saved = [line for line in lines if "saved checkpoint" in line]
    assert saved, lines[-20:]
    for line in lines:
        assert not re.match(r"^I\d{4} \d+:\d+:\d+\.\d+ +\d+ \S+:\d+\] ", line), line


@pytest.mark.parametrize(
    "module", ["keras_wgan.cli.train", "keras_wgan.export", "keras_wgan.evaluation"]
)
@pytest.mark.parametrize("flag", ["--help", "--helpshort", "--helpfull"])
def test_every_help_flag_exits_0(module, flag):
    done = _run(["-m", module, flag])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), flag
