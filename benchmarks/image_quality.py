"""Image quality of the package's training against plain WGAN-GP scripts, by Frechet distance.

Three modes.

Main mode, quality at equal wall-clock time (Fashion-MNIST):

    python benchmarks/image_quality.py --minutes=30 --eval_every_minutes=5

trains, one after the other and for the same `--minutes` of training each,
(1) the package's defaults, `keras_wgan.training.train(dataset=<npz of the
training images>)` with its default flags (recipe, architecture, precision),
and (2) the plain keras.io WGAN-GP (`ReferenceWGAN`: the keras.io example's
networks and step, 3 critic steps, Adam(2e-4, 0.5, 0.9), float32). Every
`--eval_every_minutes` of training time (the evaluation's own time is not
counted) it prints the seconds, generator steps, the Frechet distance (FD) in
the 128-d features of the package's own Fashion-MNIST classifier
(`keras_wgan.evaluation.feature_networks.train_feature_classifier` on the training
images, cached at `--classifier`) between `--eval_samples` generated images
and the 10,000 test images, and the class coverage: the entropy of the
classifier's predicted labels on the generated images (ln 10 = 2.30 for
uniform classes). Reference points first: the training images, blurred
training images and uniform noise against the test images. One PNG holds a
sample grid of each run side by side. The last line is one JSON object.

Main mode on colour, the Noto emoji set of `benchmarks/emoji_data.py`:

    python benchmarks/image_quality.py --data=emoji32 --minutes=30 --eval_every_minutes=5 \\
        --output_dir=runs/bench/emoji32
    python benchmarks/image_quality.py --data=emoji64 --minutes=15 --eval_every_minutes=5 \\
        --output_dir=runs/bench/emoji64

trains (1) `training.train(dataset=runs/emoji/emoji32)`, the folder of one
subfolder per Unicode group, with the package's defaults (as a user's
folder is trained), (2) the keras.io WGAN-GP on its networks widened to
colour (`reference_wgan.kerasio_colour_networks`; its step, 3 critic steps,
Adam(2e-4, 0.5, 0.9)) and (3) the WGAN-GP paper's CIFAR-10 DCGAN
(`reference_wgan.gan_cifar_networks`, gan_cifar.py: 5 critic steps each on
its own batch of 64, lambda 10, Adam(1e-4, 0.5, 0.9), DIM 64), both plain and
in float32; at 64 px the references are one block deeper. The scores are of
all (`--eval_samples`, at most the 3,655 emoji) generated images against all
the real ones, in the features of a classifier of the 99 subgroups (cached
at runs/bench/emoji32_classifier.keras); the coverage is the entropy of the
groups predicted (the subgroup probabilities summed per group), printed
beside the real images' own (1.51: people_body is 2,148 of the 3,655), and
`KID` is added. The floors: every real image mirrored left-right ('real
flipped'), blurred and noise, against the real images. `--data` also takes
the path of such a folder with its .npz beside it.

Conditional mode, class-conditional training at equal wall-clock time
(Fashion-MNIST, or with `--data=emoji32` on the emoji groups, the accuracy
and intra-FID those of the groups):

    python benchmarks/image_quality.py --conditional --minutes=20 \\
        --conditionings=projection,auxiliary,unconditional

trains `training.train(conditional=True, critic_conditioning=...)` with every
other setting at its default, for each critic conditioning (and the
unconditional defaults), and adds to every row the conditional accuracy (the
share of the generated images, their labels evenly spread over the classes,
that the classifier puts in the class asked for) and the intra-FID (the mean
over the classes of the FD between a class's generated images and the test
images of that class). One PNG per run holds one class per row.

Ablation mode, quality at equal generator steps (why the package trains the
same networks worse than a plain script):

    python benchmarks/image_quality.py --ablation --steps=300 \\
        --settings=package,package_matched,reference

trains each named setting (`ABLATION_SETTINGS`) for `--steps` generator steps
on `--ablation_data` (default ../shared/data/mnist_5k.npz) and prints the FD
of 5000 generated vs the 5000 real images in the features of a classifier
trained on those images (cached at `--classifier`), with the seconds taken.
Quality at equal steps does not depend on the machine's load.

Every score comes from the package's evaluation core (`Scorer` wraps a
`keras_wgan.evaluation.core.Reference`, as `keras_wgan.evaluate` and the
Monitor do): FD is its `fid` in the classifier's features, coverage its
`class_entropy`, and beside them the rows hold the SWD (x1e3) and the exact
W1 in pixel space (`W1px`) and in the classifier's features, on the first
2,000 images of each set; precision and recall (`prec`, `recall`, k = 3),
density and coverage (`dens`, `kNNcov`, k = 5; `knn_coverage` in the JSON,
as `coverage` is the class entropy there) in the classifier's features; the
classifier score (`CS`: the Inception Score's formula with the classifier);
and the memorisation check (`memo`: the share of generated images closer to
a training image than training images are to each other; about 0.5 for
fresh real images, 1 for copies).
"""

import argparse
import json
import os
import sys

# The modules beside this script: scores, references, the emoji set, the ablation.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality_ablation import ABLATION_SETTINGS, check_patches, run_ablation  # noqa: E402
from quality_runs import Benchmark, load_fashion_mnist  # noqa: E402, F401
from quality_scoring import (  # noqa: E402, F401 (the scripts beside import them from here)
    Scorer,
    cached_classifier,
    generate,
    recorded_settings,
    rounded,
    side_by_side,
    to_float,
)


def _parser():
    p = argparse.ArgumentParser(
        prog="python benchmarks/image_quality.py", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "--minutes", type=float, default=30.0, help="Main mode: training minutes of each model."
    )
    p.add_argument(
        "--eval_every_minutes",
        type=float,
        default=5.0,
        help="Main mode: evaluate every this many training minutes (and at the end).",
    )
    p.add_argument(
        "--eval_samples",
        type=int,
        default=10000,
        help="Main mode: generated images per evaluation (FD against the test set).",
    )
    p.add_argument(
        "--data",
        default="fashion_mnist",
        help="Main and conditional modes: fashion_mnist (from --data_dir), emoji32, "
        "emoji64 (runs/emoji/emoji32/ and its .npz beside it, built by "
        "benchmarks/emoji_data.py), or the path of such an emoji folder.",
    )
    p.add_argument(
        "--data_dir",
        default="/usr/share/datasets/fashion-mnist",
        help="Main mode: folder of the Fashion-MNIST IDX files "
        "(train-images-idx3-ubyte.gz, ...), or an .npz with x_train, y_train, "
        "x_test, y_test.",
    )
    p.add_argument(
        "--classifier",
        default=None,
        help="Cache of the feature classifier (.keras): loaded if it exists, else "
        "trained and saved there (default runs/bench/fashion_mnist_classifier"
        ".keras, runs/bench/<emoji folder>_classifier.keras; with --ablation "
        "runs/bench/mnist_classifier.keras, or runs/bench/<npz name>_classifier.keras "
        "for an emoji .npz, the main mode's classifier of the same images).",
    )
    p.add_argument(
        "--classifier_epochs",
        type=int,
        default=None,
        help="Epochs of the classifier (default 5; 30 on the emoji's 3,655 images).",
    )
    p.add_argument(
        "--output_dir",
        default="runs/bench/image_quality",
        help="Where the sample PNG and the training runs go.",
    )
    p.add_argument(
        "--max_steps",
        type=int,
        default=None,
        help="Main mode: stop each model after at most this many generator steps (for tests).",
    )
    p.add_argument("--seed", type=int, default=0, help="Training seed.")
    p.add_argument(
        "--check_patches",
        action="store_true",
        help="Compare the kerasio critic's PatchConv2D forms numerically and exit.",
    )
    p.add_argument("--ablation", action="store_true", help="Run the ablation mode.")
    p.add_argument(
        "--conditional",
        action="store_true",
        help="Conditional mode: the package's defaults with --conditional, per "
        "critic conditioning, on --data for --minutes each.",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="Main and conditional modes: continue the package's runs in "
        "--output_dir from their checkpoints for --minutes more (their rows' "
        "seconds count on from the earlier runs' training time) instead of "
        "starting afresh.",
    )
    p.add_argument(
        "--conditionings",
        default="projection,auxiliary,unconditional",
        help="Conditional mode: comma-separated runs among projection, auxiliary "
        "and unconditional (the package's defaults without labels).",
    )
    p.add_argument(
        "--settings",
        default="package,reference",
        help=f"Ablation: comma-separated settings among {', '.join(ABLATION_SETTINGS)}.",
    )
    p.add_argument("--steps", type=int, default=300, help="Ablation: generator steps.")
    p.add_argument(
        "--ablation_data",
        default=os.path.join("..", "shared", "data", "mnist_5k.npz"),
        help="Ablation: .npz of uint8 images [n, 28, 28, 1] and labels [n], or an "
        "emoji .npz of benchmarks/emoji_data.py (scored in its subgroup classifier's "
        "features, coverage over its groups).",
    )
    p.add_argument(
        "--results", default=None, help="Ablation: append one JSON line per setting to this file."
    )
    return p


def run_main(flags):
    """Trains the package's defaults and the references for `flags.minutes` each; prints FDs."""
    from keras_wgan.evaluation import pictures

    if flags.resume:
        raise ValueError(
            "resume: only the conditional mode resumes its runs (the main mode's "
            "references have no checkpoints); received --resume without --conditional"
        )
    bench = Benchmark(flags)
    rows = bench.reference_points()

    # 1. The package's defaults: training.train with its default flags on the training data.
    package_timer, result = bench.train_package("package")
    rows += package_timer.rows
    package_settings = recorded_settings(result)

    # 2. The plain references, float32: keras.io's WGAN-GP (3 critic steps, Adam(2e-4, 0.5,
    # 0.9)) and, on colour, gan_cifar.py's DCGAN (5 critic steps, Adam(1e-4, 0.5, 0.9)).
    if bench.emoji is None:
        references = [("reference", "kerasio")]
    else:
        references = [("kerasio ref", "kerasio"), ("gan_cifar ref", "gan_cifar")]
    grids, paths = [package_timer.grid], [os.path.join(flags.output_dir, "package", "model.keras")]
    for label, networks in references:
        timer, path = bench.train_reference(label, networks)
        rows += timer.rows
        grids.append(timer.grid)
        paths.append(path)
    # The generators are kept, so that later measures can score the same models.
    print(f"generators: {', '.join(paths)}", flush=True)
    if bench.emoji is None:
        png = os.path.join(flags.output_dir, "samples_package_vs_reference.png")
        order = "left: package, right: reference"
    else:
        png = os.path.join(flags.output_dir, "samples_package_vs_references.png")
        order = "left to right: " + ", ".join(["package"] + [label for label, _ in references])
    pictures.save_png(side_by_side(grids), png)
    print(f"package settings: {json.dumps(package_settings)}", flush=True)
    print(f"samples ({order}): {png}", flush=True)
    return rows


def run_conditional(flags):
    """Trains the package's defaults class-conditionally, per critic conditioning, for `minutes`.

    Each of `flags.conditionings` ("projection", "auxiliary") is
    `training.train(conditional=True, critic_conditioning=...)` with every
    other setting at its default; "unconditional" is the plain defaults, in
    the same run so that the comparison at equal time shares the machine's
    load. Conditional rows add the conditional accuracy (of the evenly
    spread labels, by the benchmark's classifier) and intra-FID (each class's
    generated images against the test images of that class); their FD is of
    all the samples, the classes evenly spread as in the test set.
    """
    from keras_wgan.architectures import CRITIC_CONDITIONINGS
    from keras_wgan.evaluation import pictures

    names = [name.strip() for name in flags.conditionings.split(",") if name.strip()]
    for name in names:
        if name != "unconditional" and name not in CRITIC_CONDITIONINGS:
            raise ValueError(
                f"conditionings: unknown {name!r}; expected some of "
                f"{', '.join(CRITIC_CONDITIONINGS)}, unconditional"
            )
    bench = Benchmark(flags)
    rows = bench.reference_points(conditional=True)
    grids, pngs = [], []
    for name in names:
        if name == "unconditional":
            timer, _ = bench.train_package("unconditional")
        else:
            timer, _ = bench.train_package(
                f"cond {name}", conditional=True, critic_conditioning=name
            )
        rows += timer.rows
        grids.append(timer.grid)
        pngs.append(os.path.join(flags.output_dir, f"samples_{name}.png"))
        pictures.save_png(timer.grid, pngs[-1])
    png = os.path.join(flags.output_dir, "samples_conditional.png")
    pictures.save_png(side_by_side(grids), png)
    print(
        f"samples, left to right {', '.join(names)} (conditional: one class per row): {png}",
        flush=True,
    )
    return rows


def main(argv=None):
    """Runs the benchmark; `argv` are the command-line arguments (without the program)."""
    parser = _parser()
    flags = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        if flags.check_patches:
            rows = check_patches(flags.seed)
        elif flags.ablation:
            rows = run_ablation(flags)
        elif flags.conditional:
            rows = run_conditional(flags)
        else:
            rows = run_main(flags)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
