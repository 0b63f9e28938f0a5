"""A run directory's safety: resuming without the index, locks, settings, signals, bad paths.

Every test trains a tiny mlp on 8gaussians for a few steps.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import keras
import pytest
import tensorflow as tf
from helpers import REPO, dead_pid, point_batches, small_gan, train_main_reports

from keras_wgan import architectures, checkpointing, run_directory, training
from keras_wgan.model import WassersteinGAN

# fit() on a tf.data.Dataset warns that its default shuffle=True is ignored.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")

SCRIPTS = REPO / "tests" / "scripts"

TINY = dict(
    units=8,
    depth=1,
    batch_size=8,
    critic_steps=2,
    steps_per_epoch=2,
    checkpoint_every_steps=2,
    mixed_precision="float32",
    export_dir=None,
    verbose=0,
    monitor_every_epochs=0,
)
TINY_FLAGS = [
    "--dataset=8gaussians",
    "--units=8",
    "--depth=1",
    "--batch_size=8",
    "--critic_steps=2",
    "--mixed_precision=float32",
    "--export_dir=",
    "--verbose=0",
    "--monitor_every_epochs=0",
]


def _steps_on_disk(directory):
    return sorted(
        int(p.name[len("ckpt-") : -len(".index")]) for p in Path(directory).glob("ckpt-*.index")
    )


def _indexed_steps(directory):
    state = tf.train.get_checkpoint_state(str(directory))
    return [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths] if state else []


def _no_data(monkeypatch):
    """Makes opening the data fail: the check under test must come before it."""

    def load(*args, **kwargs):
        raise AssertionError("the data were opened before the directories were checked")

    monkeypatch.setattr(training.data, "load", load)


# ------------------------------------------- 1. the checkpoint index is lost
@pytest.mark.parametrize("damage", ["missing", "garbage", "empty"])
def test_resumes_from_the_checkpoint_files_without_a_usable_index(tmp_path, damage):
    training.train("8gaussians", train_steps=4, output_dir=tmp_path, **TINY)
    checkpoints = tmp_path / "checkpoints"
    assert _steps_on_disk(checkpoints) == [2, 4]
    index = checkpoints / "checkpoint"
    if damage == "missing":  # only the ckpt-* files were copied
        index.unlink()
    else:
        index.write_bytes(b"\x00\xff\xfe not a checkpoint state {" if damage == "garbage" else b"")

    result = training.train("8gaussians", train_steps=6, output_dir=tmp_path, **TINY)

    assert (result.initial_step, result.generator_steps) == (4, 6)
    assert _steps_on_disk(checkpoints) == [2, 4, 6]  # none of the intact ones was deleted
    assert _indexed_steps(checkpoints) == [2, 4, 6]  # the index was rewritten
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert int(restored.generator_optimizer.iterations) == 6
    if damage != "missing":
        assert (checkpoints / "checkpoint.unreadable").exists()  # kept, not deleted


def test_checkpoint_files_the_index_does_not_name_are_left_alone(tmp_path):
    gan = small_gan(critic_steps=1, compiled=True)
    gan.fit(
        point_batches(256, 8),
        steps_per_epoch=2,
        epochs=1,
        verbose=0,
        callbacks=[checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=2)],
    )
    # Another run's checkpoint, copied in: this process did not write it.
    for path in tmp_path.glob("ckpt-2.*"):
        (tmp_path / path.name.replace("ckpt-2", "ckpt-50")).write_bytes(path.read_bytes())
    gan.fit(
        point_batches(256, 8),
        steps_per_epoch=2,
        epochs=1,
        verbose=0,
        callbacks=[checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=2)],
    )
    assert _indexed_steps(tmp_path) == [2, 4]
    assert _steps_on_disk(tmp_path) == [2, 4, 50]
    assert checkpointing.complete_checkpoints(tmp_path)[-1].endswith("ckpt-50")


# --------------------------------------------------- 2. one run per directory
_HOLDER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("run_directory", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
lock = module.DirectoryLock(sys.argv[2]).acquire()
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.slow
def test_a_second_run_on_a_busy_output_dir_fails_at_once(tmp_path, monkeypatch, capsys):
    output_dir = tmp_path / "run"
    output_dir.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _HOLDER,
            str(REPO / "keras_wgan" / "run_directory.py"),
            str(output_dir),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(training, "build_gan", None)  # must fail before building
        with pytest.raises(training.RunDirectoryLocked) as raised:
            training.train("8gaussians", train_steps=2, output_dir=output_dir, **TINY)
        message = str(raised.value)
        assert message.startswith(
            f"output_dir {str(output_dir)!r} is in use by another training run"
        )
        assert f"pid {holder.pid} on host " in message and "\n" not in message
        assert isinstance(raised.value, ValueError)

        code, errors = train_main_reports(
            [*TINY_FLAGS, "--train_steps=2", f"--output_dir={output_dir}"], capsys
        )
        assert code == 2 and len(errors) == 1
        assert f"--output_dir '{output_dir}' is in use" in errors[0]
        assert f"pid {holder.pid}" in errors[0]
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_shared_checkpoint_dir_is_locked_too_and_locks_end_with_the_run(tmp_path):
    shared = tmp_path / "shared_checkpoints"
    shared.mkdir()
    with run_directory.DirectoryLock(shared, "checkpoint_dir"):
        with pytest.raises(training.RunDirectoryLocked, match="checkpoint_dir .* is in use"):
            training.train(
                "8gaussians",
                train_steps=2,
                output_dir=tmp_path / "other",
                checkpoint_dir=shared,
                **TINY,
            )
    # The failed call released its output_dir lock; a finished run releases both.
    training.train(
        "8gaussians", train_steps=2, output_dir=tmp_path / "other", checkpoint_dir=shared, **TINY
    )
    for directory in (tmp_path / "other", shared):
        run_directory.DirectoryLock(directory).acquire().release()


# ---------------------------------------- 3. resuming with other settings
def test_resuming_with_other_model_settings_is_refused_in_one_line(tmp_path):
    settings = dict(TINY, lr_decay="none", critic_learning_rate=1e-3)
    training.train("8gaussians", train_steps=2, output_dir=tmp_path, **settings)
    recorded = json.loads((tmp_path / "checkpoints" / "run_settings.json").read_text())
    assert recorded["model"]["dataset"] == "8gaussians"
    assert recorded["model"]["latent_dim"] == 2 and recorded["model"]["penalty"] == "pairwise"

    with pytest.raises(ValueError) as raised:
        training.train("25gaussians", train_steps=4, output_dir=tmp_path, **settings)
    message = str(raised.value)
    assert message.startswith(f"output_dir {str(tmp_path)!r} holds a run with other settings")
    assert "dataset '8gaussians' -> '25gaussians'" in message
    assert "new output_dir" in message and "\n" not in message

    assert recorded["model"]["background"] == "white"  # of image data, recorded for all
    with pytest.raises(ValueError, match=r"background 'white' -> 'black'"):
        training.train("8gaussians", background="black", output_dir=tmp_path, **settings)
    with pytest.raises(ValueError, match=r"latent_dim 2 -> 3[;,]"):
        training.train("8gaussians", latent_dim=3, train_steps=4, output_dir=tmp_path, **settings)
    with pytest.raises(ValueError, match=r"units 8 -> 16, penalty 'pairwise' -> 'gp'"):
        training.train(
            "8gaussians",
            train_steps=4,
            output_dir=tmp_path,
            **dict(settings, units=16, penalty="gp"),
        )
    # The generator average is variables of its own: turning it on is a new model.
    with pytest.raises(ValueError, match=r"ema_decay None -> 0\.9"):
        training.train(
            "8gaussians", train_steps=4, output_dir=tmp_path, **dict(settings, ema_decay=0.9)
        )

    # What does not define the model may change; a changed learning rate is used.
    resumed = training.train(
        "8gaussians",
        train_steps=4,
        output_dir=tmp_path,
        **dict(settings, critic_learning_rate=2e-3),
    )
    assert (resumed.initial_step, resumed.generator_steps) == (2, 4)
    assert float(resumed.model.critic_optimizer.learning_rate) == pytest.approx(2e-3)


def test_an_unreadable_settings_file_and_another_model_are_refused_in_one_line(tmp_path, capsys):
    settings = dict(TINY, lr_decay="none")
    training.train("8gaussians", train_steps=2, output_dir=tmp_path, **settings)
    (tmp_path / "checkpoints" / "run_settings.json").write_text("{not json")
    with pytest.raises(ValueError) as raised:
        training.train(
            "8gaussians", train_steps=4, output_dir=tmp_path, **dict(settings, latent_dim=3)
        )
    message = str(raised.value)
    assert message.startswith(
        f"the checkpoints in {tmp_path / 'checkpoints'} are of another "
        "model than this run builds (generator weight 0 ("
    )
    assert "): (2, 8) in ckpt-2, (3, 8) here)" in message and "\n" not in message

    code, errors = train_main_reports(
        [*TINY_FLAGS, "--train_steps=4", "--units=16", f"--output_dir={tmp_path}"], capsys
    )
    assert code == 2 and len(errors) == 1
    assert "critic weight 0 (" in errors[0] and "(2, 8) in ckpt-2, (2, 16) here" in errors[0]
    # Nothing was changed: the run resumes with its own settings.
    resumed = training.train("8gaussians", train_steps=4, output_dir=tmp_path, **settings)
    assert (resumed.initial_step, resumed.generator_steps) == (2, 4)


def test_resuming_with_other_critic_and_train_steps_keeps_the_critic_s_rate_decaying(tmp_path):
    settings = dict(
        TINY,
        lr_decay="linear",
        critic_learning_rate=1e-3,
        generator_learning_rate=1e-3,
        steps_per_epoch=10,
    )
    training.train(
        "8gaussians", train_steps=20, output_dir=tmp_path, **dict(settings, critic_steps=5)
    )
    rates = []

    class Rates(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(
                (
                    self.model.generator_steps,
                    float(self.model.critic_optimizer.learning_rate),
                    float(self.model.generator_optimizer.learning_rate),
                )
            )

    resumed = training.train(
        "8gaussians",
        train_steps=40,
        output_dir=tmp_path,
        callbacks=[Rates()],
        **dict(settings, critic_steps=1),
    )
    assert resumed.initial_step == 20 and [row[0] for row in rates] == list(range(20, 40))
    for step, critic_rate, generator_rate in rates:  # as an uninterrupted 40-step run's
        assert critic_rate == pytest.approx(1e-3 * (1 - step / 40), rel=1e-5), step
        assert generator_rate == pytest.approx(1e-3 * (1 - step / 40), rel=1e-5), step


# ------------------------------------------------------------ a full disk
def test_a_full_disk_stops_in_one_line_keeping_nothing_half_written(tmp_path, monkeypatch, capsys):
    checkpoints = tmp_path / "checkpoints"
    save = tf.train.CheckpointManager.save

    def save_on_a_full_disk(manager, checkpoint_number=None, **kwargs):
        if checkpoint_number != 4:
            return save(manager, checkpoint_number=checkpoint_number, **kwargs)
        (checkpoints / "ckpt-4_temp").mkdir()  # what TensorFlow had written when it failed
        (checkpoints / "ckpt-4_temp" / "part-00000-of-00001.data-00000-of-00001").write_text("x")
        (checkpoints / ("checkpoint.tmp" + "ab" * 16)).write_text("x")
        (checkpoints / "ckpt-4.index").write_text("x")
        raise tf.errors.ResourceExhaustedError(
            None,
            None,
            f"{checkpoints}/ckpt-4_temp/part-00000-of-00001.index.tempstate1; No "
            "space left on device",
        )

    monkeypatch.setattr(tf.train.CheckpointManager, "save", save_on_a_full_disk)
    flags = [
        *TINY_FLAGS,
        "--train_steps=6",
        "--steps_per_epoch=2",
        "--checkpoint_every_steps=2",
        f"--output_dir={tmp_path}",
    ]
    code, errors = train_main_reports(flags, capsys)
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(
        f"error: no space left on device in {checkpoints}: checkpoint "
        "ckpt-4 could not be written (it needs about "
    )
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        ".lock",
        "checkpoint",
        "ckpt-2.data-00000-of-00001",
        "ckpt-2.index",
        "run_settings.json",
    ]
    assert _indexed_steps(checkpoints) == [2]

    # A killed run's temporaries are removed at the next start; the run resumes.
    monkeypatch.undo()
    dead = dead_pid()
    (checkpoints / "ckpt-6_temp").mkdir()
    (checkpoints / ("checkpoint.tmp" + "cd" * 16)).write_text("x")
    (checkpoints / f"run_settings.json.tmp-{dead}").write_text("x")
    (tmp_path / f".model.tmp-{dead}.keras").write_text("x")
    resumed = training.train(
        "8gaussians", train_steps=6, output_dir=tmp_path, **dict(TINY, steps_per_epoch=2)
    )
    assert (resumed.initial_step, resumed.generator_steps) == (2, 6)
    leftovers = [
        p.name
        for p in [*checkpoints.iterdir(), *tmp_path.iterdir()]
        if "tmp" in p.name or p.name.endswith("_temp")
    ]
    assert leftovers == []


def test_a_full_disk_while_saving_model_keras_names_the_output_dir(tmp_path, monkeypatch, capsys):
    def save_on_a_full_disk(model, path, *args, **kwargs):
        with open(path, "wb") as file:
            file.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(WassersteinGAN, "save", save_on_a_full_disk)
    code, errors = train_main_reports(
        [*TINY_FLAGS, "--train_steps=2", f"--output_dir={tmp_path}"], capsys
    )
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(
        f"error: no space left on device in {tmp_path}: model.keras could not be written ("
    )
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".keras"]


@pytest.mark.parametrize("log", ["train", "monitor"])
def test_a_full_disk_at_the_start_of_a_tensorboard_log_names_its_directory(
    tmp_path, monkeypatch, capsys, log
):
    create = tf.summary.create_file_writer

    def create_on_a_full_disk(logdir, *args, **kwargs):
        if os.path.basename(logdir) != log:
            return create(logdir, *args, **kwargs)
        os.makedirs(logdir, exist_ok=True)
        events = os.path.join(logdir, "events.out.tfevents.1.host.2.0.v2")
        Path(events).write_bytes(b"\x18")  # the first event, half-written
        raise tf.errors.ResourceExhaustedError(
            None,
            None,
            f"{events}; No space left on device\n\tFailed to flush 1 events to {events}\n\t"
            "Flushing first event.\n\tCould not initialize events writer.",
        )

    monkeypatch.setattr(tf.summary, "create_file_writer", create_on_a_full_disk)
    flags = [*TINY_FLAGS, "--train_steps=2", f"--output_dir={tmp_path}", "--monitor_every_epochs=1"]
    code, errors = train_main_reports(flags, capsys)
    assert code == 2 and len(errors) == 1, errors
    what = "the TensorBoard log" if log == "train" else "the monitor's TensorBoard log"
    assert errors[0].startswith(
        f"error: no space left on device in {tmp_path / 'logs' / log}: {what} "
        "events.out.tfevents.1.host.2.0.v2 could not be written ("
    )
    assert errors[0].endswith("run the same command again to resume from the newest checkpoint")
    assert list((tmp_path / "logs" / log).iterdir()) == []  # its half-written file removed


def test_a_full_disk_at_the_export_after_training_says_how_to_export(tmp_path, monkeypatch, capsys):
    def save_on_a_full_disk(module, path, **kwargs):
        raise tf.errors.ResourceExhaustedError(
            None, None, f"{path}/saved_model.pb; No space left on device"
        )

    monkeypatch.setattr(tf.saved_model, "save", save_on_a_full_disk)
    exports = tmp_path / "exports"
    flags = [*TINY_FLAGS, "--train_steps=2", f"--output_dir={tmp_path / 'run'}"]
    code, errors = train_main_reports([*flags, f"--export_dir={exports}"], capsys)
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(
        f"error: no space left on device in {exports / '8gaussians'}: the SavedModel version 1"
    )
    assert errors[0].endswith(
        f"export again (training finished: python -m keras_wgan.export "
        f"--checkpoint={tmp_path / 'run'} exports its model.keras)"
    )
    assert os.listdir(exports / "8gaussians") == []
    assert (tmp_path / "run" / "model.keras").is_file()


# ------------------------------------------------ 4. SIGINT and SIGTERM
def _sigint_state():
    """This process's SIGINT as the kernel sees it (for a failure's message)."""
    bit = 1 << (signal.SIGINT - 1)
    fields = {}
    thread = Path(f"/proc/self/task/{threading.get_native_id()}/status")
    for status in (Path("/proc/self/status"), thread):
        if status.exists():
            for line in status.read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd"):
                    fields[f"{status.parent.name}:{key}"] = bool(int(value, 16) & bit)
    return f"python handler {signal.getsignal(signal.SIGINT)!r}, SIGINT bits {fields}"


@pytest.fixture
def sigint_as_in_a_terminal():
    """SIGINT as a foreground run at a terminal has it: Python's handler, unblocked.

    The test sends itself SIGINT; a worker process whose SIGINT an earlier
    test or library left ignored or blocked would never see it.
    """
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    yield signal.default_int_handler
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    signal.signal(signal.SIGINT, handler)


def test_ctrl_c_saves_the_step_reached_and_exits_130(
    tmp_path, monkeypatch, capsys, sigint_as_in_a_terminal
):
    previous_handler = signal.getsignal(signal.SIGINT)
    state_before = _sigint_state()
    stop_at_step = checkpointing.StopAtStep.on_train_batch_end

    def press_ctrl_c_at_step_3(self, batch, logs=None):
        stop_at_step(self, batch, logs)
        if checkpointing.generator_step(self.model) == 3:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(checkpointing.StopAtStep, "on_train_batch_end", press_ctrl_c_at_step_3)
    flags = [
        *TINY_FLAGS,
        "--train_steps=12",
        "--steps_per_epoch=4",
        "--checkpoint_every_steps=1000",
        f"--output_dir={tmp_path}",
    ]
    code, errors = train_main_reports(flags, capsys)
    assert signal.getsignal(signal.SIGINT) is previous_handler
    assert code == 130, (errors, f"before: {state_before}", f"after: {_sigint_state()}")
    checkpoints = tmp_path / "checkpoints"
    assert errors == [
        f"training interrupted by SIGINT at generator step 3: "
        f"checkpoint saved in {checkpoints}; run the same command again to "
        "resume"
    ]
    assert _steps_on_disk(checkpoints) == [3]  # mid-epoch: saved only because of the signal
    saved = keras.models.load_model(tmp_path / "model.keras")
    assert int(saved.generator_optimizer.iterations) == 3

    monkeypatch.undo()
    resumed = training.train(
        "8gaussians",
        train_steps=12,
        output_dir=tmp_path,
        **dict(TINY, steps_per_epoch=4, checkpoint_every_steps=1000),
    )
    assert (resumed.initial_step, resumed.generator_steps) == (3, 12)


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_exits_143_and_the_rerun_finishes(tmp_path):
    train_steps = 24
    process = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPTS / "interruptible_train.py"),
            "--sleep_per_step=0.2",
            *TINY_FLAGS,
            f"--train_steps={train_steps}",
            "--steps_per_epoch=8",
            "--checkpoint_every_steps=2",
            f"--output_dir={tmp_path}",
        ],
        env=dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    timer = threading.Timer(240, process.kill)  # a hung run cannot hang the suite
    timer.start()
    try:
        for line in process.stdout:
            if line.split()[:1] == ["step"] and int(line.split()[1]) >= 3:
                assert (tmp_path / "checkpoints" / "ckpt-2.index").exists()
                process.send_signal(signal.SIGTERM)
                break
        stdout, stderr = process.communicate()
    finally:
        timer.cancel()
    assert process.returncode == 143, stderr[-3000:]
    message = stderr.strip().splitlines()[-1]
    prefix = "interruptible_train.py: training interrupted by SIGTERM at generator step "
    assert message.startswith(prefix), stderr[-3000:]
    step = int(message[len(prefix) :].split(":")[0])
    assert 3 <= step < train_steps
    assert message.endswith(
        f": checkpoint saved in {tmp_path / 'checkpoints'}; run the same command again to resume"
    )
    assert "Traceback" not in stderr
    assert _steps_on_disk(tmp_path / "checkpoints")[-1] == step
    assert (
        int(keras.models.load_model(tmp_path / "model.keras").generator_optimizer.iterations)
        == step
    )

    resumed = training.train(
        "8gaussians", train_steps=train_steps, output_dir=tmp_path, **dict(TINY, steps_per_epoch=8)
    )
    assert (resumed.initial_step, resumed.generator_steps) == (step, train_steps)


# ------------------------------------------------ 5. unusable directories
def test_an_output_dir_inside_a_file_fails_before_anything_is_built(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("not a directory")
    _no_data(monkeypatch)
    bad = tmp_path / "file" / "run"
    with pytest.raises(ValueError) as raised:
        training.train("8gaussians", train_steps=2, output_dir=bad, **TINY)
    assert str(raised.value) == (
        f"output_dir {str(bad)!r} cannot be created: "
        f"{str(tmp_path / 'file')!r} is a file, not a directory; "
        "expected a writable directory"
    )
    with pytest.raises(ValueError, match="checkpoint_dir .* is a file, not a directory"):
        training.train(
            "8gaussians",
            train_steps=2,
            output_dir=tmp_path / "run",
            checkpoint_dir=tmp_path / "file",
            **TINY,
        )
    code, errors = train_main_reports([*TINY_FLAGS, f"--output_dir={bad}"], capsys)
    assert code == 2 and len(errors) == 1
    assert errors[0].startswith(f"error: --output_dir '{bad}' cannot be created")


def test_a_read_only_output_dir_fails_before_anything_is_built(tmp_path, monkeypatch):
    read_only = tmp_path / "read_only"
    read_only.mkdir()
    access = os.access
    # Tests run as root, whom chmod does not stop: pretend the directory is read-only.
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kwargs: (
            False if os.fspath(path) == str(read_only) else access(path, mode, **kwargs)
        ),
    )
    _no_data(monkeypatch)
    with pytest.raises(
        ValueError,
        match=f"^output_dir {str(read_only)!r} is not writable; expected a writable directory$",
    ):
        training.train("8gaussians", train_steps=2, output_dir=read_only, **TINY)
    with pytest.raises(ValueError, match="^output_dir .* cannot be created: .* is not writable"):
        training.train("8gaussians", train_steps=2, output_dir=read_only / "run", **TINY)


# ------------------------------------- 6. non-finite before any checkpoint
def test_non_finite_loss_before_any_checkpoint_says_none_was_written(tmp_path):
    with pytest.raises(FloatingPointError) as raised:
        training.train(
            "8gaussians",
            units=8,
            depth=1,
            batch_size=8,
            train_steps=50,
            steps_per_epoch=50,
            checkpoint_every_steps=1000,
            penalty="none",
            critic_learning_rate=1e30,
            generator_learning_rate=1e30,
            optimizer="rmsprop",
            mixed_precision="float32",
            output_dir=tmp_path,
            export_dir=None,
            verbose=0,
            monitor_every_epochs=0,
        )
    message = str(raised.value)
    assert "no checkpoint was written yet" in message and "step None" not in message
    assert _steps_on_disk(tmp_path / "checkpoints") == []


@pytest.mark.slow
def test_a_saved_model_with_the_package_s_layers_loads_in_a_fresh_process(tmp_path):
    """A process that built no network (the evaluate and export commands) loads a .keras file.

    The package's layers register themselves when `keras_wgan.layers` is
    imported; building networks imports it, loading a file did not: every
    default dcgan critic (PatchConv2D) and conditional generator
    (ConditionalBatchNormalization) failed to load in a new process.
    """
    keras.utils.set_random_seed(0)
    generator, critic = architectures.build(
        "dcgan", (28, 28, 1), latent_dim=8, filters=4, critic_norm="layer", num_classes=3
    )
    gan = WassersteinGAN(generator, critic, critic_steps=1, num_classes=3)
    gan.compile()
    path = tmp_path / "model.keras"
    gan.save(path)
    layers = {type(layer).__name__ for net in (generator, critic) for layer in net.layers}
    assert {
        "PatchConv2D",
        "ConditionalBatchNormalization",
        "SampleLayerNormalization",
    } <= layers  # what the file holds

    code = (
        "import sys\n"
        "from keras_wgan import checkpointing\n"
        "model = checkpointing.load_keras_model(sys.argv[1])\n"
        "print(type(model).__name__, model.num_classes, model.latent_dim)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["WassersteinGAN", "3", "8"]
