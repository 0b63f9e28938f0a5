"""Image quality of the package's training against a plain keras.io WGAN-GP, by Frechet distance.

Two modes.

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

Conditional mode, class-conditional training at equal wall-clock time
(Fashion-MNIST):

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

import numpy as np

# The modules beside this script: scores, references, the emoji set, the ablation.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emoji_set import group_classifier, load_emoji  # noqa: E402
from quality_ablation import ABLATION_SETTINGS, check_patches, run_ablation  # noqa: E402
from quality_scoring import (  # noqa: E402, F401 (generate, to_float: for the scripts beside)
    Scorer,
    blurred,
    cached_classifier,
    generate,
    header,
    print_row,
    rounded,
    side_by_side,
    timed_evaluation,
    to_float,
)
from reference_wgan import build_reference, reference_batches  # noqa: E402


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
        ".keras, runs/bench/<emoji folder>_classifier.keras, or "
        "runs/bench/mnist_classifier.keras with --ablation).",
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
        help="Ablation: .npz of uint8 images [n, 28, 28, 1] and labels [n].",
    )
    p.add_argument(
        "--results", default=None, help="Ablation: append one JSON line per setting to this file."
    )
    return p


# ----------------------------------------------------------------------------- data


def load_fashion_mnist(data_dir):
    """(x_train, y_train, x_test, y_test), uint8 images [n, 28, 28, 1] and int labels.

    Args:
        data_dir: a folder with the four IDX files (train-images-idx3-ubyte.gz,
            train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
            t10k-labels-idx1-ubyte.gz), or an .npz with x_train, y_train, x_test, y_test.
    """
    if str(data_dir).endswith(".npz"):
        with np.load(data_dir) as npz:
            arrays = [npz[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    else:
        from keras_wgan.data import idx  # the package's own IDX reader

        arrays = [
            *idx.load(data_dir, "train", argument="data_dir"),
            *idx.load(data_dir, "test", argument="data_dir"),
        ]
    x_train, y_train, x_test, y_test = arrays
    return (
        x_train.reshape(-1, 28, 28, 1).astype(np.uint8),
        y_train.astype(np.int64),
        x_test.reshape(-1, 28, 28, 1).astype(np.uint8),
        y_test.astype(np.int64),
    )


class _Benchmark:
    """What the runs of the main and conditional modes share: data, classifier, time budget.

    Fashion-MNIST: trained on the training images (written to an .npz),
    scored against the 10,000 test images. Emoji: trained on the folder (as a
    user's own folder is), scored against all its images (the .npz beside
    it), in the features of a classifier of the subgroups; coverage and
    accuracy are of the groups.
    """

    def __init__(self, flags):
        if flags.minutes <= 0 or flags.eval_every_minutes <= 0:
            raise ValueError(
                f"minutes and eval_every_minutes must be > 0, received "
                f"{flags.minutes} and {flags.eval_every_minutes}"
            )
        self.flags = flags
        self.budget, self.every = 60.0 * flags.minutes, 60.0 * flags.eval_every_minutes
        self.max_steps = flags.max_steps or float("inf")
        os.makedirs(flags.output_dir, exist_ok=True)
        self.emoji = None if flags.data == "fashion_mnist" else load_emoji(flags.data)
        if self.emoji is None:
            self.x_train, self.y_train, self.x_test, self.y_test = load_fashion_mnist(
                flags.data_dir
            )
            classifier = cached_classifier(
                flags.classifier or "runs/bench/fashion_mnist_classifier.keras",
                self.x_train,
                self.y_train,
                "Fashion-MNIST",
                flags.classifier_epochs or 5,
            )
            self.scorer = Scorer(classifier, self.x_test, self.y_test, training_images=self.x_train)
            self.num_classes = 10
            self.dataset = os.path.join(flags.output_dir, "fashion_mnist_train.npz")
            np.savez(self.dataset, images=self.x_train, labels=self.y_train)
        else:
            emoji = self.emoji
            name = os.path.basename(emoji.folder)
            classifier = cached_classifier(
                flags.classifier or os.path.join("runs", "bench", f"{name}_classifier.keras"),
                emoji.images,
                emoji.subgroups,
                f"{name} subgroups",
                flags.classifier_epochs or 30,
            )
            from keras_wgan.evaluation import feature_networks

            groups = group_classifier(feature_networks.feature_network(classifier), emoji)
            # Real = training images: the emoji are all there is.
            self.x_train = self.x_test = emoji.images
            self.y_train = self.y_test = emoji.groups
            self.scorer = Scorer(
                classifier,
                emoji.images,
                emoji.groups,
                training_images=emoji.images,
                classify=groups,
                num_classes=len(emoji.class_names),
                kid=True,
            )
            self.num_classes = len(emoji.class_names)
            self.dataset = emoji.folder
        self.num_samples = min(flags.eval_samples, len(self.x_train))

    def header(self, conditional=False):
        return header(kid=self.emoji is not None, conditional=conditional)

    def reference_points(self, conditional=False):
        """Prints and returns the rows of the real data's floors: real, blurred and noise images."""
        n = self.num_samples
        if self.emoji is None:
            print(
                f"FD in the Fashion-MNIST classifier's features against the {len(self.x_test)} "
                f"test images; {n} images per row; coverage = entropy of the predicted labels "
                f"(max ln 10 = 2.303)",
                flush=True,
            )
            real = ("real train", self.x_train[:n])
        else:
            emoji = self.emoji
            predicted = self.scorer.reference.classify(emoji.images).argmax(-1)
            counts = np.bincount(predicted, minlength=self.num_classes) / len(predicted)
            counts = counts[counts > 0]
            print(
                f"FD in the features of the {os.path.basename(emoji.folder)} subgroup "
                f"classifier ({len(emoji.subgroup_names)} subgroups) against all "
                f"{len(emoji.images)} real images; {n} images per row; coverage = entropy "
                f"of the predicted groups (max ln {self.num_classes} = "
                f"{np.log(self.num_classes):.3f}): real images {emoji.group_entropy():.3f} by "
                f"their labels, {float(-(counts * np.log(counts)).sum()):.3f} as predicted; "
                f"'real flipped' = every real image mirrored left-right",
                flush=True,
            )
            real = ("real flipped", self.x_train[:n, :, ::-1])
        print(self.header(conditional), flush=True)
        rows = []
        noise = np.random.default_rng(self.flags.seed).integers(
            0, 256, (n, *self.x_train.shape[1:]), np.uint8
        )
        blurred_name = "blurred train" if self.emoji is None else "blurred real"
        for label, images in (
            real,
            (blurred_name, blurred(self.x_train[:n])),
            ("uniform noise", noise),
        ):
            rows.append(
                dict(model=label, seconds=None, steps=None, **rounded(self.scorer.score(images)))
            )
            print_row(rows[-1])
        return rows

    def timer(self, label, steps_of, num_classes=None, offset_seconds=0.0):
        """The timed evaluation callback of one run."""
        return timed_evaluation(
            self.budget,
            self.every,
            self.scorer,
            steps_of,
            self.num_samples,
            self.max_steps,
            self.flags.seed,
            label,
            num_classes=num_classes,
            offset_seconds=offset_seconds,
        )

    def train_package(self, label, **options):
        """`training.train` with its defaults (plus `options`) on the training images, timed.

        Returns:
            (the timer callback with its rows and last grid, the `TrainResult`).
        """
        import keras

        from keras_wgan import training

        flags = self.flags
        run_dir = os.path.join(flags.output_dir, label.replace(" ", "_"))
        seconds_file = os.path.join(run_dir, "benchmark_seconds.json")
        offset = 0.0
        if flags.resume and os.path.exists(seconds_file):
            with open(seconds_file) as f:
                offset = json.load(f)["training_seconds"]
        elif os.path.exists(os.path.join(run_dir, "checkpoints")):
            import shutil

            shutil.rmtree(os.path.join(run_dir, "checkpoints"))  # a fresh run, not a resumed one
        timer = self.timer(
            label,
            lambda gan: int(gan.generator_optimizer.iterations.numpy()),
            num_classes=self.num_classes if options.get("conditional") else None,
            offset_seconds=offset,
        )
        if flags.max_steps is not None:
            options["train_steps"] = flags.max_steps
        result = training.train(
            dataset=self.dataset,
            output_dir=run_dir,
            export_dir=None,
            verbose=0,
            seed=flags.seed,
            callbacks=[timer],
            **options,
        )
        with open(seconds_file, "w") as f:  # what a later --resume counts from
            json.dump({"training_seconds": timer.elapsed}, f)
        keras.backend.clear_session()
        return timer, result

    def train_reference(self, label, networks):
        """A plain reference (`build_reference`) trained for the budget; (timer, generator path)."""
        import keras

        shape = self.x_train.shape[1:]
        model = build_reference(seed=self.flags.seed, sample_shape=shape, networks=networks)
        timer = self.timer(label, lambda m: int(m.g_optimizer.iterations.numpy()))
        batch_size = 5 * 64 if networks == "gan_cifar" else 64
        model.fit(
            reference_batches(self.x_train, batch_size=batch_size, seed=self.flags.seed),
            epochs=1,
            steps_per_epoch=self.flags.max_steps or 10**7,
            verbose=0,
            callbacks=[timer],
        )
        name = "reference" if self.emoji is None else f"reference_{networks}"
        path = os.path.join(self.flags.output_dir, f"{name}_generator.keras")
        model.generator.save(path)
        keras.backend.clear_session()
        return timer, path


def run_main(flags):
    """Trains the package's defaults and the references for `flags.minutes` each; prints FDs."""
    from keras_wgan.evaluation import pictures

    if flags.resume:
        raise ValueError(
            "resume: only the conditional mode resumes its runs (the main mode's "
            "references have no checkpoints); received --resume without --conditional"
        )
    bench = _Benchmark(flags)
    rows = bench.reference_points()

    # 1. The package's defaults: training.train with its default flags on the training data.
    package_timer, result = bench.train_package("package")
    rows += package_timer.rows
    package_settings = {
        k: result.settings[k]
        for k in (
            "architecture",
            "critic_steps",
            "batch_size",
            "critic_learning_rate",
            "generator_learning_rate",
            "fresh_real_batches",
            "mixed_precision",
            "ema_decay",
            "augment",
        )
        if k in result.settings
    }

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
    bench = _Benchmark(flags)
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
