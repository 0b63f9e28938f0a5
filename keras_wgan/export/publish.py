"""Publishing an export's files so that a reader never sees half of one.

TF Serving polls the model's base path and loads any new numeric directory it
sees. A version is therefore written to a hidden temporary directory
(`.tmp-<version>-<pid>`, which TF Serving ignores because it is not a
number) and renamed into place only when complete; a version that exists is
never overwritten. The files beside the versions are written to temporary
names (`.tmp-<pid>-<name>`) and moved over the old ones with `os.replace`,
so a reader sees either the old or the new file. A killed export (`kill -9`,
power loss) cannot clean up after itself: its temporary names
(`TEMPORARY_FILES`, `TEMPORARY_DIRECTORIES`) carry its pid, and the next
export removes those whose process no longer exists
(`run_directory.remove_stale_temporaries`).

Example:
>>> import tempfile
>>> from keras_wgan.export import publish
>>> model_dir = tempfile.mkdtemp()
>>> publish.next_version(model_dir)
1
"""

from __future__ import annotations

import logging
import os
import re
import shutil

__all__ = [
    "TEMPORARY_DIRECTORIES",
    "TEMPORARY_FILES",
    "Publisher",
    "existing_versions",
    "next_version",
    "temp_path",
]

logger = logging.getLogger(__name__)

# Temporary names an export writes in the model directory, with the writer's pid.
TEMPORARY_DIRECTORIES = re.compile(r"\.tmp-[0-9]+-(?P<pid>[0-9]+)")  # .tmp-<version>-<pid>/
TEMPORARY_FILES = re.compile(r"\.tmp-(?P<pid>[0-9]+)-.+")  # .tmp-<pid>-<file name>


def existing_versions(model_dir: str) -> dict[int, str]:
    """{version number: path} of the numeric directories TF Serving would load."""
    versions = {}
    for name in os.listdir(model_dir):
        path = os.path.join(model_dir, name)
        if re.fullmatch(r"[0-9]+", name) and os.path.isdir(path):
            versions[int(name)] = path
    return versions


def next_version(model_dir: str) -> int:
    """The next free version number of `model_dir` (1 when it has none)."""
    return max(existing_versions(model_dir), default=0) + 1


def temp_path(directory: str, name: str, pid: int | None = None) -> str:
    """A hidden temporary name beside `name` (it keeps the suffix: Keras checks it)."""
    return os.path.join(directory, f".tmp-{os.getpid() if pid is None else pid}-{name}")


class Publisher:
    """Stages an export's version directory and files, then publishes them atomically.

    Records what it published (`published`), so that an export stopped
    half-way can say which files exist. A temporary name it staged and did
    not publish is removed by `discard`.

    Args:
        model_dir: `<export_dir>/<model_name>`, TF Serving's model base path.
        model_name: the model's name, for the messages.
    """

    def __init__(self, model_dir: str, model_name: str):
        self.model_dir = model_dir
        self.model_name = model_name
        self.pid = os.getpid()
        self.published: list[str] = []
        self.writing = ""  # what is being written now, for an error's message
        self._staged: dict[str, str] = {}  # final path -> temporary path

    def version_directory(self, version: int) -> tuple[str, str]:
        """(temporary directory, final directory) of `version`; the temporary one is empty."""
        temp_dir = os.path.join(self.model_dir, f".tmp-{version}-{self.pid}")
        shutil.rmtree(temp_dir, ignore_errors=True)  # a killed run's, with a recycled pid
        final = os.path.join(self.model_dir, str(version))
        self._staged[final] = temp_dir
        return temp_dir, final

    def stage(self, final: str) -> str:
        """A temporary path to write the file `final` to, before `publish_files`."""
        temp = temp_path(os.path.dirname(final), os.path.basename(final), self.pid)
        self._staged[final] = temp
        return temp

    def unstage(self, final: str) -> None:
        """Gives up the file `final` (its write failed): its temporary file is removed."""
        temp = self._staged.pop(final)
        if os.path.exists(temp):
            os.remove(temp)

    def publish_version(self, final: str) -> None:
        """Renames the finished version directory into place, never over another.

        Raises:
            FileExistsError: if the version appeared meanwhile or cannot be renamed.
        """
        temp = self._staged.pop(final)
        version = os.path.basename(final)
        if os.path.exists(final):
            raise FileExistsError(
                f"version {version} of model {self.model_name!r} appeared at "
                f"{final} during the export: not overwriting it"
            )
        try:
            os.rename(temp, final)
        except OSError as error:  # e.g. another export renamed the same version first
            raise FileExistsError(
                f"cannot publish version {version} of model {self.model_name!r} at {final}: {error}"
            ) from error
        self.published.append(final)

    def publish_files(self) -> None:
        """Moves every staged file over its final path (`os.replace`)."""
        for final, temp in list(self._staged.items()):
            if os.path.isdir(temp):
                continue
            os.replace(temp, final)
            del self._staged[final]
            self.published.append(final)

    def remove_others(self, names: list[str]) -> None:
        """Removes the files `names` (beside the versions) that this export did not write."""
        for name in names:
            path = os.path.join(self.model_dir, name)
            if path not in self.published and os.path.exists(path):
                os.remove(path)

    def discard(self) -> None:
        """Removes every temporary name staged and not published."""
        for temp in self._staged.values():
            if os.path.isdir(temp):
                shutil.rmtree(temp, ignore_errors=True)
            elif os.path.exists(temp):
                os.remove(temp)
        self._staged.clear()
