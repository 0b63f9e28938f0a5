"""Every registered data source through the same checks (`data_harness.check_source`).

Each source's test file, `tests/test_data_<name>.py`, lists its tiny data as
`CONFORMANCE_CASES`: `(case, labelled)` pairs, `case(tmp_path, monkeypatch)`
a generator that makes the data and yields `(dataset, load options)`. This
file runs each case through the common checks, unlabelled and, when
`labelled`, with `labels=True`; a registered source without cases fails
`test_every_registered_source_has_cases`.
"""

import contextlib
import importlib
import subprocess
import sys

import numpy as np
import pytest
from data_harness import check_source

from keras_wgan import data


def _cases(source):
    try:
        module = importlib.import_module(f"test_data_{source}")
    except ModuleNotFoundError:
        return []
    return list(getattr(module, "CONFORMANCE_CASES", []))


def _params():
    for source in sorted(s.name for s in data.sources()):
        for case, labelled in _cases(source):
            yield pytest.param(source, case, False, id=case.__name__)
            if labelled:
                yield pytest.param(source, case, True, id=f"{case.__name__}-labels")


def test_every_registered_source_has_cases():
    missing = [s.name for s in data.sources() if not _cases(s.name)]
    assert not missing, f"no CONFORMANCE_CASES in tests/test_data_<name>.py for {missing}"


@pytest.mark.parametrize("source, case, labels", list(_params()))
def test_source_passes_the_common_checks(source, case, labels, tmp_path, monkeypatch):
    with contextlib.contextmanager(case)(tmp_path, monkeypatch) as (dataset, options):
        info = check_source(dataset, source, labels=labels, **options)
    if "image_size" in options:
        height, width = np.broadcast_to(options["image_size"], 2)
        assert info.sample_shape[:2] == (height, width)


def test_options_are_declared_by_their_sources_without_tensorflow():
    code = (
        "import sys; from keras_wgan import data; names = [o.name for o in data.options()]; "
        "print(names, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "['dataset', 'image_size', 'background', 'data_dir'] False"
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
            return raw, data.DataInfo.describe(
                self.dataset, raw, len(vectors), (float(vectors.min()), float(vectors.max()))
            )

    try:
        np.savetxt(tmp_path / "v.csv", np.arange(12.0).reshape(6, 2), delimiter=",")
        assert [s.name for s in data.sources()][:3] == ["toy", "npz", "csv-test"]
        info = check_source(str(tmp_path / "v.csv"), "csv-test")
        assert info.sample_shape == (2,) and info.value_range == (0.0, 11.0)
    finally:
        data.base._REGISTRY.pop("csv-test")
    assert "csv-test" not in [s.name for s in data.sources()]
