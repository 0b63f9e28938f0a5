"""Scores the two generators a main-mode image benchmark run kept, with today's measures.

`benchmarks/image_quality.py --minutes=30` keeps the package's generator
(`<output_dir>/package/model.keras`) and the reference's
(`<output_dir>/reference_generator.keras`). This prints one row per
generator with every score of the benchmark's `Scorer` (FD, class coverage,
SWD, W1, precision, recall, density, kNN coverage, classifier score,
memorisation), on the same images and in the same classifier's features as
the main mode's last row, so measures added after a run score the very
models it trained:

    python benchmarks/rescore_main.py --output_dir=runs/bench/image_quality \\
        --classifier=runs/bench/fashion_mnist_classifier.keras
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import image_quality  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output_dir", default="runs/bench/image_quality")
    p.add_argument("--classifier", default="runs/bench/fashion_mnist_classifier.keras")
    p.add_argument("--data_dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--eval_samples", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    flags = p.parse_args(argv)

    import keras

    from keras_wgan.evaluation import feature_networks
    from keras_wgan.saving import load_keras_model

    x_train, _, x_test, _ = image_quality.load_fashion_mnist(flags.data_dir)
    classifier = feature_networks.load_feature_classifier(flags.classifier)
    scorer = image_quality.Scorer(classifier, x_test, training_images=x_train)
    generators = {
        "package": load_keras_model(os.path.join(flags.output_dir, "package", "model.keras")),
        "reference": keras.models.load_model(
            os.path.join(flags.output_dir, "reference_generator.keras"), compile=False
        ),
    }
    rows = []
    for name, model in generators.items():
        generator = getattr(model, "generator", model)  # as the main mode scores it
        images = image_quality.generate(generator, flags.eval_samples, seed=flags.seed + 1)
        row = {"model": name, **image_quality.rounded(scorer.score(images))}
        print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        rows.append(row)
    print(json.dumps(rows))
    return rows


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
