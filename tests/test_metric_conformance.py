"""The conformance harness: every registered metric passes the same checks.

Each metric is run where it applies (points for the exact W1; 16 x 16 images
with a stand-in feature network, classifier and Inception network for the
others; labels for the conditional ones) through the checks the evaluation
core relies on: the main value under its name and a description of it;
identical sets at their `value_on_itself` (~0 for a distance) and a
different set further than another set of the same distribution (a lower
value for a similarity such as precision); symmetry
where the metric is symmetric; mismatched shapes refused with a ValueError
that says what was expected; and, through `core.Reference`, a floor under the
metric's `floor_name` (and one per key of `also`) with the ratio of a fresh
real set to it near 1. A new
metric is checked by registering it; `MeanGap` below, a metric written as a
newcomer would, passes the same checks without being registered.
"""

import math

import numpy as np
import pytest

from keras_wgan.evaluation import core, metrics
from keras_wgan.evaluation.feature_networks import FeatureNetwork
from keras_wgan.evaluation.metrics import base

NUM_CLASSES = 3
N = 30  # samples per set, 10 of each class


def smooth_images(n, rng):
    """16 x 16 images of random 4 x 4 blocks plus a little noise: not like uniform noise."""
    coarse = rng.uniform(-0.8, 0.8, (n, 4, 4, 1))
    fine = np.kron(coarse, np.ones((1, 4, 4, 1))) + rng.normal(0, 0.05, (n, 16, 16, 1))
    return np.clip(fine, -1, 1).astype("float32")


def noise_images(n, rng):
    return rng.uniform(-1, 1, (n, 16, 16, 1)).astype("float32")


def block_features(images):
    """Four features: the mean of each quadrant."""
    x = np.asarray(images, dtype="float64")
    return np.stack(
        [
            x[:, :8, :8].mean((1, 2, 3)),
            x[:, :8, 8:].mean((1, 2, 3)),
            x[:, 8:, :8].mean((1, 2, 3)),
            x[:, 8:, 8:].mean((1, 2, 3)),
        ],
        axis=1,
    )


def classify(images):
    """Class scores: which third of [-1, 1] the top-left quadrant's mean falls in."""
    mean = block_features(images)[:, 0]
    return np.stack([-((mean + 0.5) ** 2), -(mean**2), -((mean - 0.5) ** 2)], axis=1)


NETWORK = FeatureNetwork(features=block_features, description="quadrant means", classify=classify)
LABELS = (np.arange(N) % NUM_CLASSES).astype("int32")


def points(n, rng):
    return rng.normal(size=(n, 2)).astype("float32")


def reference_for(metric, **options):
    """A Reference on which `metric` applies, measuring it alone."""
    rng = np.random.default_rng(0)
    if metric.needs == base.POINTS:
        return core.Reference(
            points(N, rng), sampler=points, metrics=[metric], cache=False, **options
        )
    real = smooth_images(2 * N, rng)
    return core.Reference(
        real[:N],
        spare=real[N:],
        feature_network=NETWORK,
        classifier=NETWORK,
        inception_classifier=classify,
        num_classes=NUM_CLASSES,
        real_labels=LABELS,
        metrics=[metric],
        cache=False,
        **options,
    )


def inputs(reference, need, samples):
    """What a metric of `need` is given for `samples`."""
    if need == base.FEATURES:
        return block_features(samples)
    if need in (base.SCORES, base.INCEPTION):
        return classify(samples)
    return samples


def sets(metric, reference):
    """(a real-like set, another of the same distribution, a different set), as inputs."""
    rng = np.random.default_rng(7)
    if metric.needs == base.POINTS:
        same, other = points(N, rng), points(N, rng) + np.float32(3.0)
    else:
        same, other = smooth_images(N, rng), noise_images(N, rng)
    real, same, other = [inputs(reference, metric.needs, s) for s in (reference.real, same, other)]
    if metric.needs == base.FEATURES:  # noise images' quadrant means all sit near 0: shift
        other = block_features(smooth_images(N, rng)) + 1.0
    return real, same, other


def compute(metric, reference, fake, real):
    labels = LABELS if metric.needs_labels else None
    class_scores = metric.needs in (base.SCORES, base.INCEPTION)
    return metric.compute(fake, None if class_scores else real, reference, labels=labels)


class MeanGap(base.Metric):
    """The distance between the mean generated and the mean real sample (an example)."""

    name = "mean_gap"
    needs = base.POINTS

    def compute(self, fake, real, reference, labels=None):
        fake = base.as_sample_matrix(fake, "fake")
        real = base.as_sample_matrix(real, "real")
        base.check_same_dim(fake, real, "fake", "real")
        return {self.name: float(np.linalg.norm(fake.mean(0) - real.mean(0)))}

    def describe(self, reference):
        return {self.name: "distance between the mean generated and the mean real sample"}


REGISTERED = metrics.registered()
ALL = [*REGISTERED, MeanGap()]
DISTANCES = [m for m in ALL if m.needs not in (base.SCORES, base.INCEPTION)]


def test_the_registry_holds_each_family():
    names = [metric.name for metric in REGISTERED]
    assert len(names) == len(set(names))
    assert {
        "w1_exact",
        "w1_pixel",
        "w1_feature",
        "swd",
        "fid",
        "kid",
        "class_entropy",
        "conditional_accuracy",
        "intra_fid",
        "precision",
        "memorisation",
        "classifier_score",
        "inception_score",
    } <= set(names)
    assert metrics.get("fid") is metrics.get(metrics.get("fid"))
    with pytest.raises(ValueError, match=r"unknown metric 'fdi'; expected one of .*'fid'"):
        metrics.get("fdi")


def test_the_core_measures_every_metric_that_applies_and_no_other():
    rng = np.random.default_rng(0)
    everything = core.Reference(
        smooth_images(N, rng),
        feature_network=NETWORK,
        classifier=NETWORK,
        inception_classifier=classify,
        num_classes=NUM_CLASSES,
        real_labels=LABELS,
        add_metrics=("kid",),
        cache=False,
    )
    assert [m.name for m in everything.metrics] == [
        m.name for m in REGISTERED if m.needs != base.POINTS
    ]
    default = core.Reference(smooth_images(N, rng), cache=False)
    assert [m.name for m in default.metrics] == [
        m.name for m in REGISTERED if m.needs == base.PIXELS and not m.optional
    ]
    assert {"swd", "w1_pixel"} <= {m.name for m in default.metrics}
    toy = core.Reference(points(N, rng), metrics=["w1_exact", MeanGap()], cache=False)
    assert [m.name for m in toy.metrics] == ["w1_exact", "mean_gap"]
    assert set(toy.measure(points(N, rng))) == {"w1_exact", "mean_gap"}


def test_register_refuses_a_second_metric_of_the_same_name():
    class Another(base.Metric):
        name = "fid"
        needs = base.FEATURES

    with pytest.raises(ValueError, match="a metric named 'fid' is registered already"):
        base.register(Another)
    with pytest.raises(ValueError, match="needs, one of"):
        base.register(type("Odd", (base.Metric,), {"name": "odd", "needs": "voxels"}))


@pytest.mark.parametrize("metric", ALL, ids=lambda m: m.name)
def test_applies_and_describes_its_values(metric):
    reference = reference_for(metric)
    assert reference.metrics == [metric]
    real, same, _ = sets(metric, reference)
    values = compute(metric, reference, same, real)
    assert isinstance(values[metric.name], float) and math.isfinite(values[metric.name])
    assert metric.name in reference.descriptions and reference.descriptions[metric.name]
    assert all(isinstance(value, float) for value in values.values())


@pytest.mark.parametrize("metric", DISTANCES, ids=lambda m: m.name)
def test_identical_sets_are_at_zero_and_a_different_set_further(metric):
    reference = reference_for(metric)
    real, same, other = sets(metric, reference)
    zero = compute(metric, reference, real, real)[metric.name]
    near = compute(metric, reference, same, real)[metric.name]
    far = compute(metric, reference, other, real)[metric.name]
    if metric.exact_on_itself:
        assert zero == pytest.approx(metric.value_on_itself, abs=1e-6)
    else:  # an unbiased estimate: ~0 between sets of one distribution, not on itself
        assert abs(near) < 0.1 * far and abs(zero) < 0.1 * far
    if metric.similarity:  # e.g. precision: 1 on itself, lower for a different set
        assert zero >= near > far
    else:
        assert far > near


@pytest.mark.parametrize("metric", [m for m in DISTANCES if m.symmetric], ids=lambda m: m.name)
def test_symmetric_metrics_are_symmetric(metric):
    reference = reference_for(metric)
    real, _, other = sets(metric, reference)
    assert compute(metric, reference, other, real)[metric.name] == pytest.approx(
        compute(metric, reference, real, other)[metric.name], rel=1e-9
    )


@pytest.mark.parametrize("metric", ALL, ids=lambda m: m.name)
def test_mismatched_shapes_are_refused_with_what_was_expected(metric):
    reference = reference_for(metric)
    real, same, _ = sets(metric, reference)
    class_scores = metric.needs in (base.SCORES, base.INCEPTION)
    wrong = same[:, 0] if class_scores else same[:, :-1]
    with pytest.raises(ValueError, match="must|expected"):
        compute(metric, reference, wrong, real)
    generated = reference.real[:, :-1]
    with pytest.raises(ValueError, match=r"generated must hold samples of shape"):
        reference.measure(generated, labels=LABELS if metric.needs_labels else None)


@pytest.mark.parametrize("metric", [m for m in ALL if m.floor_name], ids=lambda m: m.name)
def test_floor_is_kept_under_its_name_and_real_data_sits_near_it(metric):
    reference = reference_for(metric)
    floors = reference.compute_floors(num_pairs=3)
    assert list(floors) == [metric.floor_name] + [f"{key}_floor" for key in metric.also]
    floor = floors[metric.floor_name]
    assert floor.num_pairs == (metric.floor_pairs or 3) and floor.num_per_set == N
    assert metric.floor_name in reference.descriptions
    rng = np.random.default_rng(11)
    fresh = points(N, rng) if metric.needs == base.POINTS else smooth_images(N, rng)
    values = reference.measure(fresh)
    ratio = f"{metric.floor_name}_ratio"
    if metric.floor_ratio:
        assert 0.3 < values[ratio] < 3.0
    else:
        assert ratio not in values


@pytest.mark.parametrize("metric", [m for m in ALL if not m.floor_name], ids=lambda m: m.name)
def test_metrics_without_a_floor_leave_none(metric):
    reference = reference_for(metric)
    assert reference.compute_floors(num_pairs=2) == {}


@pytest.mark.parametrize("metric", [m for m in ALL if m.needs_labels], ids=lambda m: m.name)
def test_labelled_metrics_are_measured_only_with_labels(metric):
    reference = reference_for(metric)
    rng = np.random.default_rng(12)
    fresh = smooth_images(N, rng)
    assert metric.name not in reference.measure(fresh)
    assert metric.name in reference.measure(fresh, labels=LABELS)
