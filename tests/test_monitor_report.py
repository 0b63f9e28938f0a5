"""The Monitor report (benchmarks/monitor_report.py) runs end to end on a tiny MNIST-like file."""

import argparse

import numpy as np
from helpers import load_script

monitor_report = load_script("monitor_report")


def test_mnist_run_stops_at_train_steps_and_reports_each_epoch(tmp_path, own_cache):
    rng = np.random.default_rng(0)
    labels = np.arange(120) % 3
    images = rng.integers(0, 40, (120, 28, 28)).astype("uint8")
    for image, label in zip(images, labels):
        image[8 * label : 8 * label + 8, 4:24] = 255  # one bar per class
    np.savez(tmp_path / "digits.npz", images=images, labels=labels)
    args = argparse.Namespace(
        npz=str(tmp_path / "digits.npz"),
        seed=0,
        batch_size=4,
        train_steps=3,
        steps_per_epoch=2,
        num_samples=16,
        out=str(tmp_path / "out"),
    )
    report = monitor_report.mnist_run(args)
    # Two epochs of 2 steps, stopped at generator step 3 by the stop-at-step callback.
    assert [(row["epoch"], row["generator step"]) for row in report["rows"]] == [(1, 2), (2, 3)]
    assert all(np.isfinite(row["FID (classifier)"]) for row in report["rows"])
    assert (tmp_path / "out" / "mnist" / "mnist_samples_final.png").is_file()
