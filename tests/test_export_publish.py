"""Publishing (`keras_wgan.export.publish`): versions, atomic writes, stale temporaries.

A version is never overwritten, a crash leaves no half-written version and
the files beside the versions as they were, and the temporary names of a
killed export are removed by the next one, never a running export's.
"""

import errno
import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf
from helpers import numeric_dirs, trained_mlp

from keras_wgan import export, run_directory
from keras_wgan.export import metadata as metadata_lib
from keras_wgan.export import publish, saved_model, tflite
from keras_wgan.model import WassersteinGAN


@pytest.fixture(scope="module")
def gan():
    return trained_mlp()


def test_next_version_counts_only_numeric_directories(tmp_path):
    assert publish.next_version(tmp_path) == 1
    for name in ("1", "3", "10x", ".tmp-4-1"):
        (tmp_path / name).mkdir()
    (tmp_path / "7").write_text("a file, not a version")
    assert publish.existing_versions(tmp_path) == {1: str(tmp_path / "1"), 3: str(tmp_path / "3")}
    assert publish.next_version(tmp_path) == 4


def test_a_publisher_discards_what_it_staged_and_did_not_publish(tmp_path):
    publisher = publish.Publisher(str(tmp_path), "toy")
    temp_dir, final_dir = publisher.version_directory(1)
    os.makedirs(temp_dir)
    temp_file = publisher.stage(str(tmp_path / "toy.json"))
    open(temp_file, "w").write("{}")
    publisher.discard()
    assert os.listdir(tmp_path) == [] and publisher.published == []


def test_versions_increment_and_are_never_overwritten(gan, tmp_path):
    gan = gan
    first = export.export_generator(gan, tmp_path, model_name="toy")
    second = export.export_generator(gan, tmp_path, model_name="toy")
    assert (first.version, second.version) == (1, 2)
    assert numeric_dirs(tmp_path / "toy") == [1, 2]
    # The files beside the versions describe the newest export.
    assert json.load(open(second.side_metadata_path))["version"] == 2

    quantized = export.export_generator(
        gan, tmp_path, model_name="toy", tflite_quantization="float16"
    )
    assert quantized.version == 3 and os.path.isfile(quantized.tflite_paths["float16"])
    chosen = export.export_generator(
        gan, tmp_path, model_name="toy", version=7, tflite=False, save_keras=False
    )
    assert chosen.version == 7 and chosen.tflite_paths == {} and chosen.keras_path is None
    # Files of earlier exports that the newest did not write are gone.
    assert sorted(os.listdir(tmp_path / "toy")) == ["1", "2", "3", "7", "toy.json"]
    nxt = export.export_generator(gan, tmp_path, model_name="toy", tflite=False, save_keras=False)
    assert nxt.version == 8

    before = os.path.getmtime(os.path.join(first.saved_model_dir, "saved_model.pb"))
    with pytest.raises(FileExistsError, match=r"version 1 of model 'toy' already exists"):
        export.export_generator(gan, tmp_path, model_name="toy", version=1)
    assert os.path.getmtime(os.path.join(first.saved_model_dir, "saved_model.pb")) == before


@pytest.mark.parametrize(
    "owner, failing",
    [(saved_model, "write_warmup_requests"), (publish.Publisher, "publish_version")],
)
def test_crash_mid_export_leaves_no_version(gan, tmp_path, monkeypatch, owner, failing):
    gan = gan
    good = export.export_generator(gan, tmp_path, model_name="toy")
    side_files = {
        path: open(path, "rb").read()
        for path in [good.side_metadata_path, good.keras_path, *good.tflite_paths.values()]
    }

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(owner, failing, crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        export.export_generator(gan, tmp_path, model_name="toy")
    model_dir = tmp_path / "toy"
    assert numeric_dirs(model_dir) == [1]
    assert [n for n in os.listdir(model_dir) if n.startswith(".tmp-")] == []
    for path, content in side_files.items():
        assert open(path, "rb").read() == content, path


def test_stale_temporary_files_of_dead_processes_are_removed(gan, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getpid()
    model_dir = tmp_path / "toy"
    model_dir.mkdir()
    stale = [
        model_dir / f".tmp-3-{dead.pid}",
        model_dir / f".tmp-{dead.pid}-toy.tflite",
        model_dir / f".tmp-{dead.pid}-toy.keras",
    ]
    kept = [
        model_dir / f".tmp-4-{live}",
        model_dir / f".tmp-{live}-toy.float16.tflite",
        model_dir / ".tmp-notes",
    ]  # a live process's, and a name no export writes
    for path in stale[:1] + kept[:1]:
        path.mkdir()
        (path / "saved_model.pb").write_bytes(b"half")
    for path in stale[1:] + kept[1:]:
        path.write_bytes(b"half")
    result = export.export_generator(
        gan, tmp_path, model_name="toy", tflite=False, save_keras=False
    )
    assert result.version == 1
    assert [p.name for p in stale if p.exists()] == []
    assert [p.name for p in kept if not p.exists()] == []


# ------------------------------------------------------------ a full disk
def _full_disk_in(path):
    """TensorFlow's error when the disk fills while it writes `path`."""
    return tf.errors.ResourceExhaustedError(None, None, f"{path}; No space left on device")


def _writes_half_then_fills(path_of):
    """A stand-in writer that leaves a half-written file, then meets a full disk."""

    def write(*args, **kwargs):
        path = os.fspath(path_of(*args, **kwargs))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device", path)

    return write


def _saved_model_on_a_full_disk(module, path, **kwargs):
    os.makedirs(os.path.join(path, "variables"))
    open(os.path.join(path, "variables", "variables.index.tempstate1"), "wb").write(b"half")
    raise _full_disk_in(os.path.join(path, "variables", "variables.index.tempstate1"))


@pytest.mark.parametrize(
    "owner, name, failing, what",
    [
        (tf.saved_model, "save", _saved_model_on_a_full_disk, "the SavedModel version 2"),
        (WassersteinGAN, "save", _writes_half_then_fills(lambda model, path: path), "toy.keras"),
        (metadata_lib, "write", "the side metadata", "toy.json"),
    ],
)
def test_a_full_disk_stops_an_export_in_one_line_keeping_the_earlier_one(
    gan, tmp_path, monkeypatch, owner, name, failing, what
):
    first = export.export_generator(gan, tmp_path, model_name="toy", tflite_quantization="float16")
    model_dir = tmp_path / "toy"
    before = {p.name: p.read_bytes() for p in model_dir.iterdir() if p.is_file()}
    if failing == "the side metadata":  # keras_wgan.json inside the version is written first
        write, fill = metadata_lib.write, _writes_half_then_fills(lambda path, info: path)

        def failing(path, info):
            return (fill if path.endswith(f"{os.sep}.tmp-{os.getpid()}-toy.json") else write)(
                path, info
            )

    monkeypatch.setattr(owner, name, failing)
    with pytest.raises(run_directory.NoSpaceLeft) as caught:
        export.export_generator(gan, tmp_path, model_name="toy", tflite_quantization="float16")
    message = str(caught.value)
    assert "\n" not in message and caught.value.errno == errno.ENOSPC
    assert message.startswith(
        f"no space left on device in {model_dir}: {what} could not be written (the export "
        "needs about "
    )
    assert " free); nothing half-written was kept: " in message
    assert message.endswith("free some space there and export again")
    # Nothing half-written: no temporary; the first export's files as they were.
    assert [n for n in os.listdir(model_dir) if n.startswith(".tmp-")] == []
    assert {p.name: p.read_bytes() for p in model_dir.iterdir() if p.is_file()} == before
    assert tf.saved_model.load(first.saved_model_dir).signatures["serving_default"]
    if what == "the SavedModel version 2":
        assert numeric_dirs(model_dir) == [1] and caught.value.export_published == ()
    else:  # the new version was whole and published before the disk filled
        assert numeric_dirs(model_dir) == [1, 2]
        assert caught.value.export_published == (str(model_dir / "2"),)
        assert f"{model_dir / '2'} was published whole before it, without the files" in message


def test_a_full_disk_under_tflite_stops_the_export_naming_the_directory_that_filled(
    gan, tmp_path, monkeypatch
):
    # The converter writes into a temporary directory of its own: a failed conversion
    # is otherwise recorded and the export goes on, but a full disk fails every later file.
    elsewhere = tmp_path / "tmp" / "converter" / "saved_model.pb"

    def convert(*args, **kwargs):
        raise _full_disk_in(elsewhere)

    monkeypatch.setattr(tflite, "convert", convert)
    with pytest.raises(run_directory.NoSpaceLeft) as caught:
        export.export_generator(gan, tmp_path / "exports", model_name="toy")
    assert str(caught.value).startswith(
        f"no space left on device in {elsewhere.parent}: toy.tflite could not be written"
    )
    model_dir = tmp_path / "exports" / "toy"
    assert sorted(os.listdir(model_dir)) == ["1"]


def test_the_export_command_says_a_full_disk_in_one_line(gan, tmp_path, monkeypatch, capsys):
    from keras_wgan.cli import export as export_cli

    checkpoint = tmp_path / "model.keras"
    gan.save(checkpoint)
    monkeypatch.setattr(tf.saved_model, "save", _saved_model_on_a_full_disk)
    code = export_cli.main([f"--checkpoint={checkpoint}", f"--export_dir={tmp_path / 'e'}"])
    errors = capsys.readouterr().err.splitlines()
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(
        f"keras_wgan.export: error: no space left on device in {tmp_path / 'e' / 'wgan'}: the "
        "SavedModel version 1 could not be written (the export needs about "
    )
    assert os.listdir(tmp_path / "e" / "wgan") == []


def _can_mount_a_small_disk():
    """Whether this machine lets a process mount a tmpfs in its own mount namespace."""
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount_a_small_disk(), reason="needs unshare -m and tmpfs mounts")
def test_a_really_full_disk_under_the_export_command(gan, tmp_path):
    # TensorFlow's own error text, not a stand-in: the export directory is a 40 KB tmpfs.
    checkpoint = tmp_path / "model.keras"
    gan.save(checkpoint)
    disk = tmp_path / "disk"
    disk.mkdir()
    command = (
        f"mount -t tmpfs -o size=40k tmpfs {disk} && {sys.executable} -m keras_wgan.export "
        f"--checkpoint={checkpoint} --export_dir={disk}/exports; "
        f"echo exit=$?; ls -A {disk}/exports/wgan"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.path.dirname(__file__) + "/..")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, env=env, timeout=300
    )
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert errors[0].startswith(
        f"keras_wgan.export: error: no space left on device in {disk}/exports/wgan: the "
        "SavedModel version 1 could not be written (the export needs about "
    )
    assert done.stdout.split() == ["exit=2"]  # and the model directory is left empty
