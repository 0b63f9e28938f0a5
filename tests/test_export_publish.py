"""Publishing (`keras_wgan.export.publish`): versions, atomic writes, stale temporaries.

A version is never overwritten, a crash leaves no half-written version and
the files beside the versions as they were, and the temporary names of a
killed export are removed by the next one, never a running export's.
"""

import json
import os
import subprocess
import sys

import pytest
from helpers import numeric_dirs, trained_mlp

from keras_wgan import export
from keras_wgan.export import publish, saved_model


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
