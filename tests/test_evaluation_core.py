"""keras_wgan.evaluation.core: reference sets, many-pair noise floors and measure()."""

import json

import numpy as np
import pytest

from keras_wgan.evaluation import core, metrics
from keras_wgan.evaluation.feature_networks import FeatureNetwork

# Floors are computed here, not read from the user's cache.
pytestmark = pytest.mark.usefixtures("own_cache")


def mixture(n, rng):
    """Two well-separated modes: one pair's floor varies with how the samples split."""
    return (rng.normal(size=(n, 2)) * 0.05 + rng.choice([-1.0, 1.0], size=(n, 1))).astype("f4")


def test_sampler_floor_is_the_mean_over_200_pairs():
    reference = core.Reference(mixture(50, np.random.default_rng(0)), sampler=mixture)
    floor = reference.compute_floors()["w1_floor"]
    pairs = [np.random.default_rng(100000 + i) for i in range(200)]
    single = [metrics.wasserstein1(mixture(50, rng), mixture(50, rng)) for rng in pairs]
    assert (floor.num_pairs, floor.num_per_set) == (200, 50)
    assert floor.value == pytest.approx(np.mean(single), rel=1e-12)
    assert floor.error == pytest.approx(np.std(single, ddof=1) / np.sqrt(200), rel=1e-9)
    # One pair is far off the mean: the floor of a single pair is mostly noise.
    assert np.std(single) > 0.3 * np.mean(single)


def test_pool_floor_varies_little_across_seeds():
    pool = mixture(200, np.random.default_rng(1))
    floors, singles = [], []
    for seed in range(5):
        reference = core.Reference(pool[:100], spare=pool[100:], seed=seed, cache=False)
        floors.append(reference.compute_floors()["w1_floor"].value)
        order = np.random.default_rng(seed + 50).permutation(200)
        singles.append(metrics.wasserstein1(pool[order[:100]], pool[order[100:]]))
    assert np.std(floors) < 0.3 * np.std(singles)


def test_floors_are_cached_on_disk_by_content(monkeypatch):
    real = mixture(40, np.random.default_rng(2))
    first = core.Reference(real, sampler=mixture).compute_floors(num_pairs=10)
    assert len(list((core.cache_directory() / "floors").glob("*.json"))) == 1

    def fail(*args, **kwargs):
        raise AssertionError("recomputed a cached floor")

    monkeypatch.setattr(metrics.wasserstein, "wasserstein1", fail)
    assert core.Reference(real, sampler=mixture).compute_floors(num_pairs=10) == first


def images_and_shift(n=6, shift=0.25):
    images = np.random.default_rng(3).uniform(-0.5, 0.5, (n, 8, 8, 1)).astype("f4")
    return images, images + np.float32(shift)


def features(images):
    return 2.0 * images.reshape(len(images), -1)[:, :3]


def test_pixel_w1_of_a_set_and_itself_is_0_and_of_a_shifted_copy_the_shift():
    images, shifted = images_and_shift()
    network = FeatureNetwork(features=features, description="the first 3 pixels, doubled")
    reference = core.Reference(images, feature_network=network, cache=False)
    same = reference.measure(images)
    assert same["w1_pixel"] == pytest.approx(0.0, abs=1e-9)
    assert same["w1_feature"] == pytest.approx(0.0, abs=1e-9)
    # Every one of the 64 pixels moves by 0.25: each image moves 0.25 * sqrt(64) = 2.
    values = reference.measure(shifted, critic_estimate=1.0)
    assert values["w1_pixel"] == pytest.approx(2.0, rel=1e-6)
    # 3 features, each moved by 2 * 0.25: sqrt(3) * 0.5; FID: the squared mean shift 3 * 0.25.
    assert values["w1_feature"] == pytest.approx(0.5 * np.sqrt(3.0), rel=1e-6)
    assert values["fid"] == pytest.approx(0.75, rel=1e-5)
    assert values["w1_pixel_ratio"] == pytest.approx(0.5, rel=1e-6)
    assert values["w1_feature_ratio"] == pytest.approx(1.0 / (0.5 * np.sqrt(3.0)), rel=1e-6)
    assert "w1_exact" not in values and "swd" in values


def test_image_floors_average_5_disjoint_halves_and_give_floor_ratios():
    pool = np.random.default_rng(4).uniform(-1, 1, (20, 8, 8, 1)).astype("f4")
    reference = core.Reference(pool[:10], spare=pool[10:], cache=False)
    floors = reference.compute_floors()
    assert set(floors) == {"swd_floor", "w1_pixel_floor"}
    assert floors["w1_pixel_floor"].num_pairs == core.IMAGE_FLOOR_PAIRS == 5
    values = reference.measure(pool[10:])
    assert values["w1_pixel_floor_ratio"] == pytest.approx(
        values["w1_pixel"] / floors["w1_pixel_floor"].value
    )


def test_swd_samples_limits_the_swd_alone():
    rng = np.random.default_rng(5)
    real = rng.uniform(-1, 1, (12, 8, 8, 1)).astype("f4")
    fake = rng.uniform(-1, 1, (12, 8, 8, 1)).astype("f4")
    network = FeatureNetwork(features=features, description="the first 3 pixels, doubled")
    whole = core.Reference(real, feature_network=network, cache=False)
    part = core.Reference(real, feature_network=network, swd_samples=5, cache=False)
    values, limited = whole.measure(fake), part.measure(fake)
    options = metrics.get("swd").options(part)
    expected = metrics.sliced_wasserstein(fake[:5], real[:5], **options).mean
    assert limited["swd"] == pytest.approx(expected) and limited["swd"] != values["swd"]
    for name in ("fid", "w1_pixel", "w1_feature"):  # all 12 images, as without swd_samples
        assert limited[name] == pytest.approx(values[name])
    assert "5 vs 5 images" in part.descriptions["swd"]
    assert "12 vs 12 images" in whole.descriptions["swd"]


def test_uint8_images_are_measured_as_the_same_images_in_minus_1_to_1():
    rng = np.random.default_rng(6)
    real, fake = (rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8) for _ in range(2))
    network = FeatureNetwork(features=features, description="the first 3 pixels, doubled")
    as_float = lambda images: images.astype("f4") / 127.5 - 1.0  # noqa: E731 - data.load's map
    values = core.Reference(real, feature_network=network, cache=False).measure(fake)
    expected = core.Reference(as_float(real), feature_network=network, cache=False).measure(
        as_float(fake)
    )
    assert values.keys() == expected.keys()
    for name in expected:
        assert values[name] == pytest.approx(expected[name], rel=1e-6), name


def test_measure_refuses_samples_of_another_shape():
    reference = core.Reference(np.zeros((4, 2), "f4"), cache=False)
    with pytest.raises(ValueError, match=r"^generated must hold samples of shape \(2,\)"):
        reference.measure(np.zeros((4, 3), "f4"))


def test_cache_file_holds_the_pairs_values():
    real = mixture(30, np.random.default_rng(5))
    floor = core.Reference(real, sampler=mixture).compute_floors(num_pairs=4)["w1_floor"]
    (path,) = (core.cache_directory() / "floors").glob("*.json")
    assert np.mean(json.loads(path.read_text())["w1_exact"]) == pytest.approx(floor.value)
