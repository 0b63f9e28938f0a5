"""keras_wgan.evaluate: the bound on --num_samples and its one-line errors."""

import subprocess
import sys

import pytest
from helpers import REPO, program_lines, subprocess_env

from keras_wgan.cli import evaluate as evaluate_cli
from keras_wgan.evaluation import command as evaluate


def generator(sample_shape, latent_dim=2, dataset="no_such.npz"):
    """A generator that must never be sampled: the tests fail before that point."""

    def sample(latent):
        raise AssertionError(f"sampled {len(latent)} latent vectors")

    return evaluate.Generator(
        sample=sample,
        latent_dim=latent_dim,
        sample_shape=tuple(sample_shape),
        value_range=None,
        dataset=dataset,
        source={},
    )


def run_module(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "keras_wgan.evaluation", *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_max_num_samples_bounds_the_exact_w1_matrix():
    # Exact W1 holds an n x n float64 cost matrix and as large a transport plan.
    assert evaluate.max_num_samples((2,), latent_dim=2) == evaluate.MAX_EXACT_W1_SAMPLES == 10_000
    assert 16 * evaluate.MAX_EXACT_W1_SAMPLES**2 <= 2 * 2**30


def test_max_num_samples_of_images_allows_the_default_and_bounds_memory():
    for shape in ((28, 28, 1), (32, 32, 3), (64, 64, 3)):
        assert 2000 <= evaluate.max_num_samples(shape, latent_dim=128) < 20_000, shape
    big = evaluate.max_num_samples((256, 256, 3), latent_dim=128)
    assert 10 <= big < 2000  # more than 10 MB per image: the SWD pyramids and the three sets
    assert big * 3 * 256 * 256 * 3 * 4 <= evaluate.MAX_MEMORY_BYTES


@pytest.mark.parametrize(
    "sample_shape, num_samples",
    [
        ((2,), 10**9),
        ((2,), 50_000),
        ((2,), 10_001),
        ((256, 256, 3), 5000),
    ],
)
def test_evaluate_refuses_more_samples_than_the_metrics_can_hold(sample_shape, num_samples):
    gen = generator(sample_shape)
    limit = evaluate.max_num_samples(sample_shape, latent_dim=2)
    with pytest.raises(ValueError) as error:
        evaluate.evaluate(gen, num_samples=num_samples)
    assert str(error.value).startswith(
        f"--num_samples={num_samples} is too large for samples of shape {sample_shape}: "
        f"expected at most {limit} samples"
    ), str(error.value)


def test_evaluate_takes_the_maximum_itself():
    # At the bound, the next check (the missing dataset) is the one that fails.
    with pytest.raises(ValueError, match="--dataset=no_such.npz: no such .npz file"):
        evaluate.evaluate(generator((2,)), num_samples=evaluate.MAX_EXACT_W1_SAMPLES)


def test_evaluate_refuses_a_negative_seed():
    with pytest.raises(ValueError, match=r"^--seed must be an integer >= 0, received -1$"):
        evaluate.evaluate(generator((2,), dataset="8gaussians"), num_samples=10, seed=-1)


@pytest.mark.parametrize("num_samples", ["1000000000", "10001"])
def test_cli_refuses_too_many_samples_in_one_line(num_samples, tmp_path):
    export = tmp_path / "toy" / "1"
    _save_toy_generator(export)
    completed = run_module(
        f"--saved_model={export}", "--dataset=no_such.npz", f"--num_samples={num_samples}"
    )
    lines = program_lines(completed.stderr)
    assert completed.returncode == 2 and completed.stdout == ""
    assert len(lines) == 1 and "Traceback" not in completed.stderr, completed.stderr
    assert lines[0].startswith(
        f"keras_wgan.evaluation: error: --num_samples={num_samples} is "
        "too large for samples of shape (2,)"
    )
    assert "expected at most 10000 samples" in lines[0]


@pytest.mark.parametrize(
    "flag, what", [("output", "the JSON report"), ("closest_pairs", "the PNG")]
)
def test_cli_refuses_an_output_that_is_a_directory_before_evaluating(tmp_path, capsys, flag, what):
    code = evaluate_cli.main(["--saved_model=nowhere", f"--{flag}={tmp_path}"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"keras_wgan.evaluation: error: --{flag}={tmp_path}: is a directory; expected a file "
        f"path for {what}"
    ]


def test_cli_refuses_an_output_in_a_missing_directory(tmp_path, capsys):
    target = tmp_path / "missing" / "report.json"
    code = evaluate_cli.main(["--saved_model=nowhere", f"--output={target}"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"keras_wgan.evaluation: error: --output={target}: {target.parent} is not an existing "
        "directory"
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--num_samples=abc"],
            "flag --num_samples=abc: invalid literal for int() with base 10: 'abc'",
        ),
        (["--bogus"], "Unknown command line flag 'bogus'"),
        (["--saved_model=a", "extra"], "unexpected arguments ['extra']: expected only --flags"),
    ],
)
def test_cli_argument_errors_exit_2_in_one_line(args, message):
    # absl flags, as the other two command lines: a bad flag is one line and exit code 2.
    completed = run_module(*args)
    lines = program_lines(completed.stderr)
    assert completed.returncode == 2 and completed.stdout == ""
    assert lines == [f"keras_wgan.evaluation: error: {message}"]


def _save_toy_generator(directory):
    """A SavedModel with evaluate's contract (latent -> samples, metadata), 2-D samples."""
    import json

    import tensorflow as tf

    module = tf.Module()
    module.serving_default = tf.function(
        lambda latent: {"samples": latent * 0.0},
        input_signature=[tf.TensorSpec([None, 2], tf.float32, name="latent")],
    )
    tf.saved_model.save(
        module, str(directory), signatures={"serving_default": module.serving_default}
    )
    (directory / "assets.extra").mkdir()
    (directory / "assets.extra" / "keras_wgan.json").write_text(
        json.dumps(
            {"latent_dim": 2, "sample_shape": [2], "value_range": None, "dataset": "8gaussians"}
        )
    )


def test_a_corrupt_keras_file_is_named_as_such_not_as_missing(tmp_path):
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"\x00not a zip archive" * 10)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    for path in (garbage, truncated):
        with pytest.raises(evaluate.EvaluationError) as raised:
            evaluate.load_generator(checkpoint=str(path))
        message = str(raised.value)
        assert message.startswith(f"--checkpoint '{path}' ")
        assert "not a valid .keras file" in message and "File not found" not in message


def test_the_default_num_samples_fits_large_images():
    # 256x256x3 holds fewer than 2000 samples: the default takes the maximum instead of
    # refusing, so the next check (the dataset's shape) is the one that fails.
    assert evaluate.max_num_samples((256, 256, 3), latent_dim=2) < evaluate.DEFAULT_NUM_SAMPLES
    with pytest.raises(ValueError, match=r"makes samples of shape \(256, 256, 3\) but"):
        evaluate.evaluate(generator((256, 256, 3)), dataset="8gaussians")


def test_cli_prints_the_exact_pixel_w1_of_constant_images(tmp_path, capsys):
    # Real: 40 white 28x28 digits (1.0 in [-1, 1]); generated: all 0.5. Every image moves
    # 0.5 in each of 784 pixels: W1 = 0.5 * sqrt(784) = 14 exactly; real vs real is 0.
    import json

    import numpy as np
    import tensorflow as tf

    np.savez(tmp_path / "white.npz", images=np.full((40, 28, 28, 1), 255, "uint8"))
    module = tf.Module()
    module.serving_default = tf.function(
        lambda latent: {"samples": tf.zeros([tf.shape(latent)[0], 28, 28, 1]) + 0.5},
        input_signature=[tf.TensorSpec([None, 2], tf.float32, name="latent")],
    )
    export = tmp_path / "half" / "1"
    tf.saved_model.save(module, str(export), signatures={"serving_default": module.serving_default})
    (export / "assets.extra").mkdir()
    (export / "assets.extra" / "keras_wgan.json").write_text(
        json.dumps(
            {
                "latent_dim": 2,
                "sample_shape": [28, 28, 1],
                "value_range": [-1.0, 1.0],
                "dataset": str(tmp_path / "white.npz"),
            }
        )
    )
    code = evaluate_cli.main(
        [f"--saved_model={export}", "--num_samples=20", "--feature_network=none"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)["metrics"]
    assert result["w1_pixel"]["value"] == pytest.approx(14.0, rel=1e-6)
    assert (result["w1_pixel"]["num_generated"], result["w1_pixel"]["num_real"]) == (20, 20)
    assert result["w1_pixel_floor"]["value"] == 0.0 and result["w1_pixel_floor"]["num_pairs"] == 5
    assert result["w1_pixel_floor_ratio"]["value"] is None  # 14 / 0: no ratio
    assert "w1_critic_estimate" not in result  # an export holds no critic

    # More generated samples than real images: the SWD compares as many of each as there
    # are real ones, and says so.
    code = evaluate_cli.main(
        [f"--saved_model={export}", "--num_samples=60", "--feature_network=none"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert (report["num_generated"], report["num_real"]) == (60, 40)
    assert (report["metrics"]["swd"]["num_generated"], report["metrics"]["swd"]["num_real"]) == (
        40,
        40,
    )


@pytest.mark.parametrize("flag", ["--help", "--helpfull", "-h"])
def test_cli_help_lists_the_flags_and_exits_0(flag, capsys):
    assert evaluate_cli.main([flag]) == 0
    out = capsys.readouterr().out
    assert "--saved_model" in out and "--num_samples" in out and "--flagfile" not in out


def test_cli_reads_a_flagfile(tmp_path, capsys):
    flagfile = tmp_path / "eval.flags"
    flagfile.write_text(f"--saved_model=nowhere\n--output={tmp_path}\n")
    assert evaluate_cli.main([f"--flagfile={flagfile}"]) == 2  # read: --output was checked
    assert "--output=" in capsys.readouterr().err


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_corrupt_metadata_file_is_named(tmp_path, capsys, content):
    import tensorflow as tf

    module = tf.Module()
    module.serving_default = tf.function(
        lambda latent: {"samples": latent * 0.0},
        input_signature=[tf.TensorSpec([None, 2], tf.float32, name="latent")],
    )
    export = tmp_path / "toy" / "1"
    tf.saved_model.save(module, str(export), signatures={"serving_default": module.serving_default})
    metadata = export / "assets.extra" / "keras_wgan.json"
    metadata.parent.mkdir()
    metadata.write_text(content)
    code = evaluate_cli.main([f"--saved_model={export}"])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(
        f"keras_wgan.evaluation: error: --saved_model={export}: {metadata} is not a JSON object"
    ), lines
