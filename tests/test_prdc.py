"""Precision, recall, density and coverage against the authors' `prdc` package.

`prdc.compute_prdc` (Naeem et al.'s reference, scikit-learn distances) is the
independent number: the package's blocked float64 computation must give the
same four values on random features, with several blocks (a block size of 7
rows) and one, for k = 3 and 5 and sets of different sizes. Ties decide
strict comparisons, so they are tested on integer-valued features, whose
distances both compute exactly: duplicated samples are neighbours at
distance 0, and a radius of 0 holds nothing.
"""

import contextlib
import io

import numpy as np
import pytest

prdc_reference = pytest.importorskip("prdc")

from keras_wgan.evaluation.metrics import manifold, neighbours, prdc  # noqa: E402


def reference(real, fake, k):
    """The authors' four numbers (their function prints the set sizes: silenced)."""
    with contextlib.redirect_stdout(io.StringIO()):
        values = prdc_reference.compute_prdc(real, fake, nearest_k=k)
    return {key: float(value) for key, value in values.items()}


@pytest.fixture(params=[7, neighbours.BLOCK], ids=["blocks_of_7", "one_block"])
def block(request, monkeypatch):
    monkeypatch.setattr(neighbours, "BLOCK", request.param)
    neighbours._RADII.clear()
    return request.param


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize(
    "n, m, d, scale, shift",
    [(200, 150, 64, 1.2, 0.1), (120, 180, 2048, 1.0, 0.0), (300, 300, 8, 1.2, 0.5)],
)
def test_equals_the_reference_on_random_features(block, k, n, m, d, scale, shift):
    rng = np.random.default_rng(n + d)
    real = rng.normal(size=(n, d))
    fake = rng.normal(size=(m, d)) * scale + shift
    expected = reference(real, fake, k)
    result = prdc(real, fake, precision_k=k, density_k=k)._asdict()
    assert result == pytest.approx(expected, abs=1e-6)
    assert 0 < result["precision"] < 1 and result["density"] > 0  # not a trivial case


def test_float32_features_give_the_numbers_of_their_float64_values(block):
    rng = np.random.default_rng(3)
    real = rng.normal(size=(100, 32)).astype("float32")
    fake = rng.normal(size=(90, 32)).astype("float32")
    result = prdc(real, fake, precision_k=3, density_k=3)._asdict()
    assert result == pytest.approx(
        reference(real.astype("float64"), fake.astype("float64"), 3), abs=1e-6
    )


def test_the_metric_takes_k_3_for_precision_and_recall_and_5_for_density_and_coverage():
    rng = np.random.default_rng(4)
    real, fake = rng.normal(size=(150, 16)), rng.normal(size=(150, 16)) + 0.3
    result = prdc(real, fake)
    three, five = reference(real, fake, 3), reference(real, fake, 5)
    assert (manifold.PRECISION_K, manifold.DENSITY_K) == (3, 5)
    assert result.precision == pytest.approx(three["precision"], abs=1e-6)
    assert result.recall == pytest.approx(three["recall"], abs=1e-6)
    assert result.density == pytest.approx(five["density"], abs=1e-6)
    assert result.coverage == pytest.approx(five["coverage"], abs=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 9])
def test_ties_and_duplicates_on_integer_features(block, k):
    # Coordinates in {0, 1, 2}: many samples repeat and many distances are equal.
    rng = np.random.default_rng(k)
    real = rng.integers(0, 3, size=(160, 3)).astype("float64")
    fake = np.concatenate([real[:40], rng.integers(0, 4, size=(60, 3))]).astype("float64")
    assert len(np.unique(real, axis=0)) < len(real)  # duplicates within the real set
    result = prdc(real, fake, precision_k=k, density_k=k)._asdict()
    assert result == pytest.approx(reference(real, fake, k), abs=1e-6)


def test_a_radius_of_zero_holds_nothing():
    # Every real sample twice: with k = 1 its radius is its duplicate's distance, 0, and
    # "inside" is strictly closer than the radius: not even an exact copy is inside.
    real = np.repeat(np.arange(10.0)[:, None], 2, axis=0)
    result = prdc(real, real.copy(), precision_k=1, density_k=1)
    assert result == manifold.PRDC(0.0, 0.0, 0.0, 0.0)
    assert result._asdict() == pytest.approx(reference(real, real.copy(), 1))


def test_a_set_against_itself_scores_1_on_each():
    real = np.random.default_rng(5).normal(size=(50, 4))
    assert prdc(real, real) == manifold.PRDC(1.0, 1.0, 1.0, 1.0)


def test_the_largest_k_is_the_farthest_other_sample():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(6, 3)), rng.normal(size=(5, 3))
    result = prdc(real, fake, precision_k=4, density_k=5)  # k = m - 1 and n - 1
    distance = np.linalg.norm(real[:, None] - fake[None], axis=-1)
    within_real = np.linalg.norm(real[:, None] - real[None], axis=-1)
    within_fake = np.linalg.norm(fake[:, None] - fake[None], axis=-1)
    r4, r5 = np.sort(within_real, axis=1)[:, 4], np.sort(within_real, axis=1)[:, 5]
    f4 = np.sort(within_fake, axis=1)[:, 4]
    assert result.precision == pytest.approx((distance < r4[:, None]).any(0).mean())
    assert result.recall == pytest.approx((distance < f4[None]).any(1).mean())
    assert result.density == pytest.approx((distance < r5[:, None]).sum(0).mean() / 5)
    assert result.coverage == pytest.approx((distance.min(1) < r5).mean())


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(precision_k=10), r"`precision_k`=10 needs at least 11 samples .* the real "),
        (dict(density_k=12), r"`density_k`=12 needs at least 13 samples .* density_k <= 9"),
        (dict(precision_k=0), r"`precision_k` must be an integer >= 1; received 0"),
        (dict(density_k=2.5), r"`density_k` must be an integer >= 1; received 2.5"),
    ],
)
def test_a_k_larger_than_the_sets_allow_is_refused(options, message):
    rng = np.random.default_rng(7)
    with pytest.raises(ValueError, match=message):
        prdc(rng.normal(size=(10, 2)), rng.normal(size=(20, 2)), **options)
    with pytest.raises(ValueError, match=r"`precision_k`=3 needs at least 4 samples .* the fake"):
        prdc(rng.normal(size=(10, 2)), rng.normal(size=(3, 2)))


def test_sets_of_different_widths_are_refused():
    with pytest.raises(ValueError, match="must have the same number of features"):
        prdc(np.zeros((10, 3)), np.zeros((10, 4)))


def test_radii_are_kept_per_set_and_returned_as_copies(monkeypatch):
    rng = np.random.default_rng(8)
    features = rng.normal(size=(40, 5))
    first = neighbours.kth_neighbour_distances(features, (3, 5))
    first[:] = -1.0  # the caller's copy
    calls = []
    original = neighbours.distance_blocks
    monkeypatch.setattr(
        neighbours, "distance_blocks", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    again = neighbours.kth_neighbour_distances(features.copy(), (3, 5))
    assert calls == [] and np.all(again > 0)
    neighbours.kth_neighbour_distances(features + 1e-9, (3, 5))  # other bytes: computed
    assert calls == [1]


def test_nearest_finds_the_first_of_equally_near_samples(block):
    samples = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    index, distance = neighbours.nearest(np.array([[1.0, 0.0], [2.0, 0.1]]), samples)
    assert index.tolist() == [0, 1] and distance == pytest.approx([1.0, 0.1])
