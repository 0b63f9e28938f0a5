"""End to end: `python train_main.py` trains and exports every architecture.

Each case trains two generator steps of a tiny network on a small `.npz`
file the test writes, in a subprocess as a user runs it, then checks that
the SavedModel version and the TFLite file exist and that the TFLite file
runs in the LiteRT interpreter. kerasio and resnet trained and then failed
to export (a TFLite `ConverterError`, exit status 1, nothing exported).
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import REPO, subprocess_env

# (architecture, sample shape, size flags, mixed precision, extra flags)
CASES = [
    ("mlp", (2,), ["--units=8", "--depth=1"], "float32", []),
    ("dcgan", (28, 28, 1), ["--filters=4"], "mixed_bfloat16", []),
    ("dcgan", (32, 32, 3), ["--filters=4"], "float32", []),
    ("dcgan", (64, 64, 3), ["--filters=4"], "mixed_bfloat16", []),
    ("kerasio", (28, 28, 1), [], "mixed_bfloat16", ["--tflite_quantization=float16"]),
    ("resnet", (32, 32, 3), ["--channels=8"], "float32", []),
]


def _write_dataset(path, sample_shape):
    rng = np.random.default_rng(0)
    if len(sample_shape) == 1:
        np.savez(path, rng.normal(size=(16, *sample_shape)).astype("float32"))
    else:
        np.savez(path, images=rng.integers(0, 256, size=(16, *sample_shape), dtype="uint8"))


@pytest.mark.parametrize(
    "architecture,sample_shape,sizes,mixed_precision,extra",
    CASES,
    ids=[f"{a}-{'x'.join(map(str, s))}-{p}" for a, s, _, p, _ in CASES],
)
def test_train_main_exports_saved_model_and_tflite(
    tmp_path, architecture, sample_shape, sizes, mixed_precision, extra
):
    from ai_edge_litert.interpreter import Interpreter

    dataset = tmp_path / "tiny.npz"
    _write_dataset(dataset, sample_shape)
    export_dir = tmp_path / "exports"
    process = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "train_main.py"),
            f"--dataset={dataset}",
            f"--architecture={architecture}",
            "--train_steps=2",
            "--batch_size=4",
            "--critic_steps=1",
            f"--output_dir={tmp_path / 'run'}",
            f"--export_dir={export_dir}",
            "--monitor_every_epochs=0",
            "--verbose=0",
            f"--mixed_precision={mixed_precision}",
            *sizes,
            *extra,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=subprocess_env(),
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert "TFLite" in process.stdout and "conversion failed" not in process.stderr

    model_dir = export_dir / "tiny"
    assert os.path.isfile(model_dir / "1" / "saved_model.pb")
    tflite_files = ["tiny.tflite"] + [f"tiny.{flag.split('=')[1]}.tflite" for flag in extra]
    for name in tflite_files:
        interpreter = Interpreter(model_path=str(model_dir / name))
        runner = interpreter.get_signature_runner("serving_default")
        latent_dim = runner.get_input_details()["latent"]["shape_signature"][-1]
        latent = np.random.default_rng(1).normal(size=(2, latent_dim)).astype("float32")
        outputs = runner(latent=latent)
        assert outputs["samples"].shape == (2, *sample_shape), name
        assert np.isfinite(outputs["samples"]).all(), name
        if len(sample_shape) == 3:
            assert outputs["images"].shape == (2, *sample_shape)
            assert outputs["images"].dtype == np.uint8
