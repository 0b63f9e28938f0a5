"""One cache root for the package's caches."""

from pathlib import Path

from keras_wgan import caches
from keras_wgan.data import image_cache
from keras_wgan.evaluation import floors


def test_every_cache_lies_under_one_root_that_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert caches.cache_root() == tmp_path / "keras_wgan"
    assert image_cache.cache_directory() == tmp_path / "keras_wgan" / "images"
    assert floors.cache_directory() == tmp_path / "keras_wgan"


def test_an_unset_or_empty_xdg_cache_home_means_the_home_cache(monkeypatch):
    for value in (None, ""):
        if value is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert caches.cache_root() == Path.home() / ".cache" / "keras_wgan"
