"""The truncation trick's quality/diversity trade-off on mnist_5k: FD, precision and recall.

    python benchmarks/truncation.py --train_steps=3000 --output_dir=runs/truncation
    python benchmarks/truncation.py --checkpoint=runs/truncation/model.keras

trains the package's defaults on `--data` (default ../shared/data/mnist_5k.npz,
relative to the repository) for `--train_steps` generator steps, or loads a
saved `WassersteinGAN` (`--checkpoint`), then draws `--num_samples` samples
for each threshold of `--thresholds` (`none` is no truncation) with
`WassersteinGAN.generate(..., truncation=t)`, the same seed for every
threshold, and scores them against as many real images in the features of
the package's MNIST classifier (`image_quality.cached_classifier`, cached at
`--classifier`). Each row: the threshold, the Frechet distance (FD), the
precision and recall (Kynkaenniemi et al. 2019) when the evaluation core has
metrics of those names ("-" otherwise) and the class coverage (entropy of the
classifier's labels on the samples, ln 10 = 2.303 for uniform classes). Every
number comes from the evaluation core (`keras_wgan.evaluation.core.Reference`),
as the evaluate command's. The last line is one JSON object.

Truncation moves samples towards the generator's mode: precision (the share
of samples on the data's manifold) should rise and recall (the share of the
data the samples cover) and the class coverage fall as the threshold shrinks.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

# The classifier helper lives beside this script (benchmarks/image_quality.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "mnist_5k.npz")
DEFAULT_CLASSIFIER = os.path.join(REPO, "runs", "benchmarks", "mnist_5k_classifier.keras")
#: The values of the core's metrics in each row: {column: key of Reference.measure}.
COLUMNS = {"fd": "fid", "precision": "precision", "recall": "recall", "coverage": "class_entropy"}


def parse_thresholds(text):
    """ "none,2,1" -> [None, 2.0, 1.0]."""
    values = []
    for part in text.split(","):
        part = part.strip().lower()
        values.append(None if part in ("none", "off", "0") else float(part))
    return values


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="an .npz with images and labels")
    parser.add_argument("--checkpoint", help="a saved WassersteinGAN (.keras): no training")
    parser.add_argument("--train_steps", type=int, default=3000, help="generator steps to train")
    parser.add_argument("--output_dir", help="the training run's directory (default: temporary)")
    parser.add_argument("--thresholds", default="none,2,1.5,1,0.5", type=parse_thresholds)
    parser.add_argument("--num_samples", type=int, default=2000, help="generated and real images")
    parser.add_argument("--classifier", default=DEFAULT_CLASSIFIER, help="its cache (.keras)")
    parser.add_argument("--classifier_epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def trained_model(flags):
    """The WassersteinGAN: loaded from --checkpoint, or trained for --train_steps."""
    from keras_wgan import saving, training

    if flags.checkpoint:
        model = saving.load_keras_model(flags.checkpoint, name="--checkpoint")
        return model, int(model.generator_steps)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        result = training.train(
            dataset=flags.data,
            train_steps=flags.train_steps,
            export_dir=None,
            monitor_every_epochs=0,
            verbose=0,
            output_dir=flags.output_dir or workdir,
            seed=flags.seed,
        )
    seconds = time.perf_counter() - start
    where = ""
    if flags.output_dir:
        where = f"; saved to {os.path.join(flags.output_dir, 'model.keras')}"
    print(f"trained {result.generator_steps} generator steps in {seconds:.0f} s{where}", flush=True)
    return result.model, result.generator_steps


def reference(flags, images, labels):
    """The core's `Reference`: --num_samples real images, every metric of the classifier's outputs.

    Every registered metric of features or class scores (FID, KID, the feature
    W1, the class entropy, and precision and recall once registered); the
    pixel metrics are left out, costly at this many images and not asked for.
    """
    from image_quality import cached_classifier

    from keras_wgan.evaluation import core, feature_networks
    from keras_wgan.evaluation.metrics import base

    classifier = cached_classifier(
        flags.classifier, images, labels, "MNIST", epochs=flags.classifier_epochs
    )
    network = feature_networks.feature_network(classifier)
    order = np.random.default_rng([flags.seed, 1]).permutation(len(images))
    return core.Reference(
        images[order[: flags.num_samples]],
        feature_network=network,
        classifier=network,
        metrics=[
            metric.name
            for metric in base.registered()
            if metric.needs in (base.FEATURES, base.SCORES) and not metric.needs_labels
        ],
        w1_samples=min(flags.num_samples, core.W1_IMAGES),
        cache=False,
        seed=flags.seed,
    )


def cell(value, digits=3):
    return "-" if value is None else f"{value + 0.0:.{digits}f}"  # no "-0.000"


def main(argv=None):
    flags = parse_args(argv)
    archive = np.load(flags.data)
    images, labels = archive["images"], archive["labels"]
    if flags.num_samples > len(images):
        raise SystemExit(
            f"--num_samples={flags.num_samples}: the data holds {len(images)} images; "
            "expected at most that many"
        )
    model, steps = trained_model(flags)
    scores = reference(flags, images, labels)
    print(f"features: {scores.feature_network.description}")
    print(f"{flags.num_samples} generated vs {flags.num_samples} real images, seed {flags.seed}")
    print(f"{'truncation':>10} {'FD':>8} {'precision':>9} {'recall':>7} {'coverage':>8}")
    rows = []
    for threshold in flags.thresholds:
        samples = model.generate(flags.num_samples, seed=flags.seed + 1, truncation=threshold)
        values = scores.measure(samples)
        row = {"truncation": threshold}
        row.update({column: values.get(key) for column, key in COLUMNS.items()})
        rows.append(row)
        print(
            f"{'none' if threshold is None else f'{threshold:g}':>10} {cell(row['fd'], 2):>8} "
            f"{cell(row['precision']):>9} {cell(row['recall']):>7} {cell(row['coverage']):>8}",
            flush=True,
        )
    print(
        json.dumps(
            {
                "data": os.path.basename(flags.data),
                "generator_steps": steps,
                "checkpoint": flags.checkpoint,
                "num_samples": flags.num_samples,
                "features": scores.feature_network.description,
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
