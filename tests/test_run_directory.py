"""Tests for keras_wgan.run_directory: writable checks, the run lock, the recorded settings."""

import errno
import json
import logging
import os
import re
import socket
from pathlib import Path

import pytest
import tensorflow as tf
from helpers import dead_pid

from keras_wgan import run_directory
from keras_wgan.export import publish
from keras_wgan.run_directory import DirectoryLock, RunDirectoryLocked


# ------------------------------------------------------------ check_writable
def test_check_writable_accepts_a_directory_and_a_path_to_create_creating_nothing(tmp_path):
    run_directory.check_writable("output_dir", tmp_path)
    run_directory.check_writable("output_dir", tmp_path / "a" / "b")
    run_directory.check_writable("output_dir", "gs://bucket/run")  # URLs are not checked
    assert list(tmp_path.iterdir()) == []


def test_check_writable_refuses_a_file_naming_the_argument(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ValueError) as raised:
        run_directory.check_writable("checkpoint_dir", path)
    assert str(raised.value) == (
        f"checkpoint_dir {str(path)!r} is a file, not a directory; expected a writable directory"
    )
    with pytest.raises(
        ValueError,
        match=rf"output_dir .* cannot be created: {str(path)!r} is "
        "a file, not a directory",
    ):
        run_directory.check_writable("output_dir", path / "below" / "it")


def test_check_writable_refuses_a_read_only_place(tmp_path, monkeypatch):
    # Tests may run as root, for whom every directory is writable: ask os.access instead.
    monkeypatch.setattr(run_directory.os, "access", lambda path, mode: False)
    with pytest.raises(ValueError, match=r"output_dir .* is not writable; expected a writable"):
        run_directory.check_writable("output_dir", tmp_path)
    with pytest.raises(
        ValueError,
        match=rf"cannot be created: {str(tmp_path)!r} is not "
        "writable",
    ):
        run_directory.check_writable("output_dir", tmp_path / "new")


def test_make_directory_creates_parents_or_names_the_argument(tmp_path):
    run_directory.make_directory("output_dir", tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
    run_directory.make_directory("output_dir", tmp_path / "a" / "b")  # exists: harmless
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match=r"^output_dir .*file/sub' cannot be created: "):
        run_directory.make_directory("output_dir", tmp_path / "file" / "sub")


# ------------------------------------------------------------ DirectoryLock
def test_a_second_lock_fails_naming_the_holder_and_a_released_lock_is_free(tmp_path):
    first = DirectoryLock(tmp_path, "output_dir").acquire()
    holder = f"pid {os.getpid()} on host {socket.gethostname()}"
    assert (tmp_path / ".lock").read_text().strip() == holder
    with pytest.raises(RunDirectoryLocked) as raised:
        DirectoryLock(tmp_path, "output_dir").acquire()
    message = str(raised.value)
    assert message.startswith(
        f"output_dir {str(tmp_path)!r} is in use by another training run ({holder} holds"
    )
    assert isinstance(raised.value, ValueError) and "\n" not in message
    first.release()
    assert (tmp_path / ".lock").read_text() == ""  # emptied, left in place
    first.release()  # harmless when not held
    with DirectoryLock(tmp_path) as again:
        assert again._fd is not None
    DirectoryLock(tmp_path).acquire().release()


def test_a_lock_on_a_missing_directory_names_it(tmp_path):
    with pytest.raises(ValueError, match=r"^checkpoint_dir .* cannot be locked: cannot open "):
        DirectoryLock(tmp_path / "missing", "checkpoint_dir").acquire()


# --------------------------------------------------------- recorded settings
def test_settings_round_trip_as_json_without_a_temporary_file(tmp_path):
    model = {
        "dataset": Path("/data/x.npz"),
        "sample_shape": (28, 28, 1),
        "units": None,
        "penalty_weight": 10.0,
        "spectral_norm": True,
    }
    path = run_directory.write_settings(tmp_path / "ckpt", model, {"batch_size": 64})
    assert path == os.path.join(tmp_path / "ckpt", "run_settings.json")
    assert os.listdir(tmp_path / "ckpt") == ["run_settings.json"]
    recorded = run_directory.read_settings(tmp_path / "ckpt")
    assert recorded == {
        "model": {
            "dataset": "/data/x.npz",
            "sample_shape": [28, 28, 1],
            "units": None,
            "penalty_weight": 10.0,
            "spectral_norm": True,
        },
        "settings": {"batch_size": 64},
    }
    assert json.loads(Path(path).read_text()) == recorded


def test_read_settings_of_a_missing_or_unreadable_file_is_none(tmp_path, caplog):
    assert run_directory.read_settings(tmp_path) is None
    (tmp_path / "run_settings.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="keras_wgan"):
        assert run_directory.read_settings(tmp_path) is None
    assert "cannot read" in caplog.text and "run_settings.json" in caplog.text
    (tmp_path / "run_settings.json").write_text("[1, 2]")
    assert run_directory.read_settings(tmp_path) is None


def test_check_settings_lists_every_change_in_one_line(tmp_path):
    old = {"dataset": "8gaussians", "units": 8, "penalty": "gp", "latent_dim": 2}
    run_directory.write_settings(tmp_path, old)
    run_directory.check_settings(tmp_path, old)  # the same run: no error
    run_directory.check_settings(tmp_path, dict(old, augment=None))  # a new key: not compared
    with pytest.raises(ValueError) as raised:
        run_directory.check_settings(
            tmp_path, dict(old, units=16, penalty="lp"), "output_dir", "/runs/a"
        )
    message = str(raised.value)
    assert message.startswith(
        "output_dir '/runs/a' holds a run with other settings that "
        "define the model or its data (units 8 -> 16, penalty 'gp' -> "
        "'lp'; recorded in "
    )
    assert message.endswith("start a new run with a new output_dir") and "\n" not in message


def test_check_settings_without_a_record_accepts_anything(tmp_path):
    run_directory.check_settings(tmp_path, {"units": 8})


# ------------------------------------------------------------ a full disk
def test_is_no_space_knows_oserrors_and_tensorflow_s_error():
    assert run_directory.is_no_space(OSError(errno.ENOSPC, "No space left on device"))
    assert not run_directory.is_no_space(OSError(errno.EACCES, "Permission denied"))
    assert run_directory.is_no_space(
        tf.errors.ResourceExhaustedError(
            None, None, "/x/ckpt-4_temp/part-00000-of-00001.index; No space left on device"
        )
    )
    assert not run_directory.is_no_space(tf.errors.ResourceExhaustedError(None, None, "OOM"))


def test_the_path_a_full_disk_names_and_a_writer_s_error_made_one_line(tmp_path):
    quota = tf.errors.ResourceExhaustedError(None, None, "/x/logs/a.v2; Disk quota exceeded")
    assert run_directory.is_no_space(quota)
    assert run_directory.failed_path(quota) == "/x/logs/a.v2"
    assert run_directory.failed_path(OSError(errno.ENOSPC, "full", "/y/b.png")) == "/y/b.png"
    assert run_directory.failed_path(OSError(errno.ENOSPC, "full")) is None
    started = tmp_path / "events.out.tfevents.1.v2"
    started.write_bytes(b"half")
    with pytest.raises(
        run_directory.NoSpaceLeft,
        match=rf"^no space left on device in {tmp_path}: "
        "the log events.out.tfevents.1.v2 could not be written",
    ):
        with run_directory.full_disk_stops("the log", "/elsewhere", discard=True):
            raise tf.errors.ResourceExhaustedError(
                None, None, f"{started}; No space left on device"
            )
    assert not started.exists()
    with pytest.raises(ValueError, match="not a full disk"):  # other errors pass
        with run_directory.full_disk_stops("the log", tmp_path):
            raise ValueError("not a full disk")


def test_no_space_error_is_one_line_naming_directory_need_and_free_space(tmp_path):
    error = run_directory.no_space_error("checkpoint ckpt-4", tmp_path, needed=3 * 1024 * 1024)
    assert isinstance(error, OSError) and error.errno == 28 and error.directory == str(tmp_path)
    message = str(error)
    assert message.startswith(
        f"no space left on device in {tmp_path}: checkpoint ckpt-4 "
        "could not be written (it needs about 3.0 MB, "
    )
    assert " free); nothing half-written was kept" in message and "\n" not in message


def test_stale_temporaries_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    dead, alive = dead_pid(), os.getpid()
    for name in (
        f"run_settings.json.tmp-{dead}",
        f".model.tmp-{dead}.keras",
        f"run_settings.json.tmp-{alive}",
        "run_settings.json",
        "notes.tmp-x",
    ):
        (tmp_path / name).write_text("x")
    (tmp_path / "ckpt-9_temp").mkdir()
    (tmp_path / "ckpt-9_temp" / "part-00000-of-00001.index").write_text("x")
    removed = run_directory.remove_stale_temporaries(tmp_path, re.compile(r"ckpt-\d+_temp"))
    assert sorted(os.path.basename(path) for path in removed) == sorted(
        [f"run_settings.json.tmp-{dead}", f".model.tmp-{dead}.keras", "ckpt-9_temp"]
    )
    assert sorted(os.listdir(tmp_path)) == sorted(
        [f"run_settings.json.tmp-{alive}", "run_settings.json", "notes.tmp-x"]
    )
    assert run_directory.remove_stale_temporaries(tmp_path / "missing") == []


def test_an_export_s_temporaries_are_told_apart_by_kind_files_and_directories(tmp_path):
    # The export names its files .tmp-<pid>-<name> and its versions .tmp-<version>-<pid>/:
    # a running export's version directory whose version number is a dead pid is kept.
    dead, alive = dead_pid(), os.getpid()
    for name in (f".tmp-{dead}-toy.tflite", f".tmp-{alive}-toy.keras", ".tmp-notes"):
        (tmp_path / name).write_text("x")
    for name in (f".tmp-3-{dead}", f".tmp-{dead}-{alive}"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "saved_model.pb").write_text("x")
    removed = run_directory.remove_stale_temporaries(
        tmp_path, files=publish.TEMPORARY_FILES, directories=publish.TEMPORARY_DIRECTORIES
    )
    assert sorted(os.path.basename(path) for path in removed) == sorted(
        [f".tmp-{dead}-toy.tflite", f".tmp-3-{dead}"]
    )
    assert sorted(os.listdir(tmp_path)) == sorted(
        [f".tmp-{alive}-toy.keras", ".tmp-notes", f".tmp-{dead}-{alive}"]
    )


def test_a_lock_on_a_full_disk_says_so_and_holds_nothing(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_directory.os, "write", full)
    with pytest.raises(
        run_directory.NoSpaceLeft,
        match=rf"^no space left on device in "
        rf"{tmp_path}: the lock file .lock",
    ):
        DirectoryLock(tmp_path, "output_dir").acquire()
    monkeypatch.undo()
    DirectoryLock(tmp_path).acquire().release()  # not left locked
