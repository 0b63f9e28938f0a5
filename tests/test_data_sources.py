"""Every registered data source through the same checks (`data_harness.check_source`).

Each case makes tiny data for one source, unlabelled and labelled; a source
registered without a case here fails `test_every_registered_source_has_a_case`.
"""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from data_harness import check_source, indexed_images, write_image

from keras_wgan import data
from keras_wgan.data import idx


def toy(tmp_path):
    return "8gaussians", {}


def npz(tmp_path):
    np.savez(tmp_path / "digits.npz", images=indexed_images(10), labels=np.arange(10) % 3)
    return str(tmp_path / "digits.npz"), {}


def npz_points(tmp_path):
    points = np.random.default_rng(0).normal(size=(10, 3)).astype("float32") * 5
    np.savez(tmp_path / "points.npz", points)
    return str(tmp_path / "points.npz"), {}


def idx_folder(tmp_path):
    idx.write(tmp_path / "train-images-idx3-ubyte.gz", indexed_images(10, size=5))
    idx.write(tmp_path / "train-labels-idx1-ubyte.gz", (np.arange(10) % 4).astype("uint8"))
    return str(tmp_path), {"image_size": 4}


def folder(tmp_path):
    pictures = indexed_images(8, size=6)
    for k, picture in enumerate(pictures):
        write_image(tmp_path / "pets" / ("cat", "dog")[k % 2] / f"{k}.png", picture)
    return str(tmp_path / "pets"), {"image_size": (4, 3)}


def tfds_mnist(tmp_path):
    return "mnist", {}


CASES = {"toy": [toy], "npz": [npz, npz_points], "idx": [idx_folder], "folder": [folder],
         "tfds": [tfds_mnist]}
LABELLED = {npz, idx_folder, folder, tfds_mnist}


def _params():
    for source, makers in CASES.items():
        for make in makers:
            yield pytest.param(source, make, False, id=f"{make.__name__}")
            if make in LABELLED:
                yield pytest.param(source, make, True, id=f"{make.__name__}-labels")


@pytest.fixture
def mocked_tfds(monkeypatch):
    """tfds's mock data, the download probe and preparation skipped: no network used."""
    monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
    with tfds.testing.mock_data(num_examples=12):
        yield


def test_every_registered_source_has_a_case():
    assert sorted(source.name for source in data.sources()) == sorted(CASES)


@pytest.mark.parametrize("source, make, labels", list(_params()))
def test_source_passes_the_common_checks(source, make, labels, tmp_path, mocked_tfds):
    dataset, options = make(tmp_path)
    info = check_source(dataset, source, labels=labels, **options)
    if "image_size" in options:
        height, width = np.broadcast_to(options["image_size"], 2)
        assert info.sample_shape[:2] == (height, width)


def test_options_are_declared_by_their_sources_without_tensorflow():
    import subprocess
    import sys

    code = ("import sys; from keras_wgan import data; names = [o.name for o in data.options()]; "
            "print(names, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['dataset', 'image_size', 'data_dir'] False"
    help_text = data.options()[0].help
    for source in data.sources():
        assert source.description in help_text


def test_a_new_source_is_one_subclass(tmp_path):
    class CsvSource(data.DataSource):
        name, priority, description = "csv-test", 25, "a .csv file of vectors"

        @classmethod
        def recognises(cls, dataset):
            return dataset.endswith(".csv")

        def read(self, *, labels=False, **unused):
            import tensorflow as tf

            vectors = np.loadtxt(self.dataset, delimiter=",", dtype="float32", ndmin=2)
            raw = tf.data.Dataset.from_tensor_slices(vectors)
            return raw, data.DataInfo.describe(self.dataset, raw, len(vectors),
                                               (float(vectors.min()), float(vectors.max())))

    try:
        np.savetxt(tmp_path / "v.csv", np.arange(12.0).reshape(6, 2), delimiter=",")
        info = check_source(str(tmp_path / "v.csv"), "csv-test")
        assert info.sample_shape == (2,) and info.value_range == (0.0, 11.0)
    finally:
        data.base._REGISTRY.pop("csv-test")
