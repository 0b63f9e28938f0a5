"""A training run's directories: usable, used by one run at a time, one model only.

`training.train()` writes checkpoints, pictures, logs and `model.keras` into
its `output_dir` (and `checkpoint_dir`), and resumes from what it finds
there. Three things keep that safe:

- `check_writable`: the directory is (or can be made) a writable directory,
  checked before any data or model is built, so that a mistyped path fails
  in one line instead of a traceback after minutes of work.
- `DirectoryLock`: an exclusive `fcntl.flock` on `<directory>/.lock`, held
  for the whole run, which holds the holder's pid and host. A second run on
  the same directory fails at once (`RunDirectoryLocked`) instead of
  interleaving its checkpoints with the first's. The lock is released when
  the process ends, however it ends, so a killed run never leaves a stale
  lock. (`flock` works on local disks and NFS; on other systems, and for
  URLs such as `gs://...`, nothing is locked.)
- `check_settings` / `write_settings`: the settings that define the model and
  its data are recorded in `<checkpoint_dir>/run_settings.json`; resuming
  with a different value of any of them is refused in one line listing the
  differences, instead of training one model on two datasets or failing to
  restore with a traceback.

A full disk ends the run with `NoSpaceLeft` (an `OSError`, one line naming
the directory, the space needed and the space free; `full_disk_stops` turns
a writer's own error into it), and the temporary files a killed process
leaves behind are removed at the next start (`remove_stale_temporaries`).

The lock and the checks use only the standard library; the settings file
is read and written with `tf.io.gfile`, so that a checkpoint_dir may be a
bucket (`gs://...`) as multi-worker training needs.
"""

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import socket

try:
    import fcntl
except ImportError:  # not a POSIX system: runs are not locked
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DirectoryLock",
    "NoSpaceLeft",
    "RunDirectoryLocked",
    "SETTINGS_FILE",
    "check_settings",
    "check_writable",
    "failed_path",
    "full_disk_stops",
    "is_no_space",
    "make_directory",
    "no_space_error",
    "process_exists",
    "read_settings",
    "remove_stale_temporaries",
    "temporary_name",
    "write_settings",
]

_log = logging.getLogger("keras_wgan")

LOCK_FILE = ".lock"
SETTINGS_FILE = "run_settings.json"


class RunDirectoryLocked(ValueError):
    """Another training run holds the lock of a run directory."""


class NoSpaceLeft(OSError):
    """The disk of a run directory is full; the message names it and the space needed.

    Attributes:
        directory: the directory that could not be written.
        errno: `errno.ENOSPC`.
    """

    def __init__(self, message, directory):
        super().__init__(message)
        self.errno = errno.ENOSPC
        self.directory = directory


# How TensorFlow words the two errnos of a full disk (its error is no OSError).
_TF_NO_SPACE = re.compile(r"(\S+); (No space left on device|Disk quota exceeded)")
#: What a training run says to do after a full disk.
RESUME = "free some space there and run the same command again to resume from the newest checkpoint"


def is_no_space(error):
    """Whether `error` says the disk is full (an `OSError` or TensorFlow's error of it)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    # TensorFlow reports a full disk as ResourceExhaustedError (not an OSError).
    return type(error).__name__ == "ResourceExhaustedError" and bool(
        _TF_NO_SPACE.search(str(error))
    )


def failed_path(error):
    """The path a full-disk error names (`OSError.filename`, or TensorFlow's text), or None."""
    if isinstance(error, OSError) and error.filename:
        return os.fspath(error.filename)
    match = _TF_NO_SPACE.search(str(error))
    return match.group(1) if match else None


def no_space_error(what, directory, needed=None, then=RESUME, needs="it needs"):
    """The `NoSpaceLeft` to raise when `what` could not be written into `directory`.

    Args:
        what: what was being written, e.g. "checkpoint ckpt-200".
        directory: where.
        needed: about how many bytes it needs, if known.
        then: what to do next, the message's end.
        needs: who needs `needed`, e.g. "the export needs".

    Returns:
        A `NoSpaceLeft` whose one-line message names the directory, the space
        needed and the space free, and says how to go on.
    """
    directory = os.fspath(directory)
    space = [] if needed is None else [f"{needs} about {_size(needed)}"]
    try:
        space.append(f"{_size(shutil.disk_usage(directory).free)} free")
    except OSError:
        pass
    return NoSpaceLeft(
        f"no space left on device in {directory}: {what} could not be written "
        f"({', '.join(space) or 'free space unknown'}); nothing half-written was kept: {then}",
        directory,
    )


@contextlib.contextmanager
def full_disk_stops(what, directory, discard=False):
    """Turns a full disk inside the block into `NoSpaceLeft`, for writers the package calls.

    TensorBoard's event writers (TensorFlow's C++ code) name the file they
    could not write only in their error's text: the message names that
    file's directory, else `directory`.

    Args:
        what: what is written, e.g. "the TensorBoard log"; the file's name is added.
        directory: where, when the error names no file.
        discard: the file the error names was started inside the block (a
            log writer's first write): remove it, so that nothing
            half-written is kept.

    Raises:
        NoSpaceLeft: for a full disk inside the block; other errors pass.
    """
    try:
        yield
    except Exception as error:
        if not is_no_space(error):
            raise
        path = failed_path(error)
        if path is None:
            raise no_space_error(what, directory) from error
        if discard and os.path.isfile(path):
            os.remove(path)
        raise no_space_error(
            f"{what} {os.path.basename(path)}", os.path.dirname(path) or "."
        ) from error


def _size(num_bytes):
    for unit in ("bytes", "KB", "MB", "GB"):
        if num_bytes < 1024 or unit == "GB":
            return f"{num_bytes:.0f} {unit}" if unit == "bytes" else f"{num_bytes:.1f} {unit}"
        num_bytes /= 1024
    return ""


def temporary_name(path):
    """The temporary name to write `path` under before renaming it: `<path>.tmp-<pid>`.

    The pid lets `remove_stale_temporaries` tell a dead process's leftovers
    from a running one's.
    """
    return f"{os.fspath(path)}.tmp-{os.getpid()}"


#: Temporary names carrying a writer's pid (`temporary_name`, and model.keras's).
PID_TEMPORARY = re.compile(r".*\.tmp-(?P<pid>\d+)(\.keras)?")


def remove_stale_temporaries(
    directory: str | os.PathLike,
    extra: re.Pattern | None = None,
    *,
    files: re.Pattern = PID_TEMPORARY,
    directories: re.Pattern = PID_TEMPORARY,
) -> list[str]:
    """Removes the temporaries that dead processes left in `directory`.

    A process killed while writing (or stopped by a full disk) cannot clean
    up after itself. A temporary name carries its writer's pid, and the entry
    is removed when no such process runs; which names are temporaries is
    said for files and for directories apart, since a writer may name the
    two differently (an export's `.tmp-<pid>-<file>` files and
    `.tmp-<version>-<pid>` directories, `keras_wgan.export.publish`). `extra`
    names more entries (files or directories) to remove, which the caller
    knows to be stale (e.g. TensorFlow's checkpoint temporaries in a locked
    directory).

    Args:
        directory: the directory to clean; nothing happens if it is missing
            or a URL.
        extra: a compiled regular expression of further names to remove.
        files: the temporary file names, a compiled regular expression whose
            group "pid" is the writer's pid (default: `temporary_name`'s).
        directories: the same for directory names.

    Returns:
        The paths removed.
    """
    directory = os.fspath(directory)
    if _is_url(directory) or not os.path.isdir(directory):
        return []
    removed = []
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        is_directory = os.path.isdir(path) and not os.path.islink(path)
        match = (directories if is_directory else files).fullmatch(name)
        stale = (match is not None and not process_exists(int(match.group("pid")))) or (
            extra is not None and extra.fullmatch(name) is not None
        )
        if not stale:
            continue
        try:
            if is_directory:
                shutil.rmtree(path)
            else:
                os.remove(path)
        except FileNotFoundError:  # another process removed it first
            continue
        _log.info("keras_wgan: removed %s, left by a process that no longer runs", path)
        removed.append(path)
    return removed


def process_exists(pid):
    """Whether a process with this pid runs on this machine (True when unsure)."""
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: another user's process
        return True
    return True


def _is_url(path):
    return "://" in os.fspath(path)


def check_writable(name, path):
    """Raises unless `path` is a writable directory or can be created as one.

    Creates nothing. Call it before building anything expensive.

    Args:
        name: the argument's name for the message, e.g. "output_dir".
        path: the directory. URLs (`gs://...`) are not checked.

    Raises:
        ValueError: naming `name`, the path and what is wrong with it.
    """
    path = os.fspath(path)
    if _is_url(path):
        return
    expected = "expected a writable directory"
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise ValueError(f"{name} {path!r} is a file, not a directory; {expected}")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"{name} {path!r} is not writable; {expected}")
        return
    existing = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(
            f"{name} {path!r} cannot be created: {existing!r} is a file, not a "
            f"directory; {expected}"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(
            f"{name} {path!r} cannot be created: {existing!r} is not writable; {expected}"
        )


def make_directory(name, path):
    """Creates the directory `path` (and its parents) if needed.

    Raises:
        ValueError: naming `name` and the path when it cannot be created.
    """
    path = os.fspath(path)
    if _is_url(path):
        return
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise ValueError(
            f"{name} {path!r} cannot be created: {error.strerror or error}; "
            "expected a writable directory"
        ) from error


class DirectoryLock:
    """An exclusive, non-blocking lock on a run directory, for one process.

    `acquire()` takes `fcntl.flock(LOCK_EX | LOCK_NB)` on `<directory>/.lock`
    and writes "pid <pid> on host <host>" into it; a second holder (another
    process, or another lock object in the same process) fails at once with
    `RunDirectoryLocked`. The operating system releases the lock when the
    process ends, so a crashed or killed run leaves no stale lock. The lock
    file itself is left in place (deleting it would let two runs lock two
    different files).

    Args:
        directory: the directory to lock; it must exist.
        name: the argument's name for messages ("output_dir", "checkpoint_dir").
    """

    def __init__(self, directory, name="output_dir"):
        self.directory = os.fspath(directory)
        self.name = name
        self.path = os.path.join(self.directory, LOCK_FILE)
        self._fd = None

    def acquire(self):
        """Takes the lock; raises `RunDirectoryLocked` if another run holds it."""
        if fcntl is None or _is_url(self.directory) or self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise ValueError(
                f"{self.name} {self.directory!r} cannot be locked: cannot open "
                f"{self.path}: {error.strerror or error}; expected a writable "
                "directory"
            ) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _read_text(fd) or "a process that has not written its pid yet"
            os.close(fd)
            raise RunDirectoryLocked(
                f"{self.name} {self.directory!r} is in use by another training run ({holder} "
                f"holds {self.path}): wait for that run to end, or give this run another "
                f"{self.name}"
            ) from error
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on host {socket.gethostname()}\n".encode())
        except OSError as error:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            if is_no_space(error):
                raise no_space_error(f"the lock file {LOCK_FILE}", self.directory) from error
            raise ValueError(
                f"{self.name} {self.directory!r} cannot be locked: cannot write "
                f"{self.path}: {error.strerror or error}"
            ) from error
        self._fd = fd
        return self

    def release(self):
        """Releases the lock (and empties the lock file); harmless if not held."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


def _read_text(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1000).decode(errors="replace").strip()
    except OSError:
        return ""


def read_settings(directory):
    """The settings recorded in `<directory>/run_settings.json`, or None."""
    import tensorflow as tf

    path = os.path.join(os.fspath(directory), SETTINGS_FILE)
    if not tf.io.gfile.exists(path):
        return None
    try:
        with tf.io.gfile.GFile(path, "r") as file:
            recorded = json.loads(file.read())
    except (OSError, ValueError, tf.errors.OpError) as error:
        _log.warning(
            "keras_wgan: cannot read %s (%s): the run's settings are not checked", path, error
        )
        return None
    return recorded if isinstance(recorded, dict) else None


def write_settings(directory, model_settings, settings=None):
    """Records a run's settings in `<directory>/run_settings.json`, atomically.

    The file is written under a temporary name and renamed over the old one,
    so a crash leaves either file whole.

    Args:
        directory: the checkpoint directory (created if needed).
        model_settings: the resolved settings that define the model and its
            data, which a resumed run must not change (`check_settings`).
        settings: every other setting of the run, for the record only.

    Returns:
        The path written.
    """
    import tensorflow as tf

    directory = os.fspath(directory)
    tf.io.gfile.makedirs(directory)
    path = os.path.join(directory, SETTINGS_FILE)
    temporary = temporary_name(path)
    record = {"model": _jsonable(model_settings), "settings": _jsonable(settings or {})}
    try:
        with tf.io.gfile.GFile(temporary, "w") as file:
            file.write(json.dumps(record, indent=1, sort_keys=True) + "\n")
        tf.io.gfile.rename(temporary, path, overwrite=True)  # os.replace on local disks
    except (OSError, tf.errors.OpError) as error:
        if is_no_space(error):
            raise no_space_error(SETTINGS_FILE, directory) from error
        raise
    finally:
        if tf.io.gfile.exists(temporary):
            tf.io.gfile.remove(temporary)
    return path


def check_settings(directory, model_settings, name="output_dir", run_directory=None):
    """Raises if the run recorded in `directory` has other model-defining settings.

    Args:
        directory: the checkpoint directory holding `run_settings.json`.
        model_settings: this run's resolved model-defining settings.
        name, run_directory: the argument (and its value) the message names.

    Raises:
        ValueError: one line listing every difference (old -> new) and
            saying how to start a new run instead.
    """
    recorded = read_settings(directory)
    if recorded is None or not isinstance(recorded.get("model"), dict):
        return
    old, new = recorded["model"], _jsonable(model_settings)
    changes = [
        f"{key} {old[key]!r} -> {new[key]!r}" for key in new if key in old and old[key] != new[key]
    ]
    if changes:
        where = run_directory if run_directory is not None else directory
        raise ValueError(
            f"{name} {os.fspath(where)!r} holds a run with other settings that define the model "
            f"or its data ({', '.join(changes)}; recorded in "
            f"{os.path.join(os.fspath(directory), SETTINGS_FILE)}): resume it with its own "
            f"settings, or start a new run with a new {name}"
        )


def _jsonable(value):
    """`value` with tuples as lists, paths as strings and other objects as their repr."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return repr(value)
