"""Shared test settings: quiet TensorFlow, float32 policy restored after each test.

The building blocks the test files share (small GANs, known critics,
runners) are in `helpers.py`; the registries' conformance checks in
`harness.py` and `data_harness.py`.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _float32_policy():
    """Every test starts and ends with the float32 policy and a fresh Keras session."""
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """The package's cache (noise floors, classifiers) is this test's, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
