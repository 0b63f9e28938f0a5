"""benchmarks/folder_pipeline.py: its data, its input-pipeline timing, its command line."""

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "benchmarks_folder_pipeline", ROOT / "benchmarks" / "folder_pipeline.py"
)
folder_pipeline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(folder_pipeline)


def test_pictures_are_smooth_colour_images_written_1000_a_folder(tmp_path):
    images = folder_pipeline.pictures(1002, seed=0, size=8)
    assert images.shape == (1002, 8, 8, 3) and images.dtype == np.uint8
    assert len({images[k].tobytes() for k in range(1002)}) == 1002
    folder_pipeline.write_files(images, tmp_path, "png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000", "001"]
    assert len(list(tmp_path.rglob("*.png"))) == 1002


def test_the_input_pipelines_of_a_folder_and_an_npz_are_timed(tmp_path):
    images = folder_pipeline.pictures(64, seed=1, size=8)
    folder_pipeline.write_files(images, tmp_path / "pngs", "png")
    np.savez(tmp_path / "images.npz", images=images)
    for dataset in (tmp_path / "pngs", tmp_path / "images.npz"):
        timing = folder_pipeline.pipeline_rate(str(dataset), batches=5, batch_size=16)
        assert timing["first_batch_seconds"] > 0
        assert timing["first_pass_batches_per_second"] > 0
        assert timing["later_batches_per_second"] > 0


def test_without_a_measurement_it_exits_2(capsys):
    assert folder_pipeline.main([]) == 2
    assert capsys.readouterr().err.count("\n") == 1
