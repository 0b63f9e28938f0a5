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
import tempfile
import time

import numpy as np

# The reference lives beside this script (benchmarks/reference_wgan.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_wgan import reference_class  # noqa: E402

# Ablation settings. "package*" and "dcgan*": keyword arguments of training.train
# (over the kerasio networks at batch 64, 5 critic steps and Adam(1e-4), pinned so
# that section 1 of docs/experiments/image-quality.md stays reproducible);
# "reference*": options of `ReferenceWGAN`.
PACKAGE_BASE = dict(
    architecture="kerasio",
    batch_size=64,
    critic_steps=5,
    critic_learning_rate=1e-4,
    generator_learning_rate=1e-4,
)
REFERENCE_BASE = dict(
    critic_steps=3,
    learning_rate=2e-4,
    dropout=True,
    generator_training_in_critic=True,
    patches=False,
)
ABLATION_SETTINGS = {
    # the old image recipe: 5 critic steps, Adam(1e-4), fresh batches, bf16 on this CPU
    "package": {},
    "package_cs3": dict(critic_steps=3),
    "package_lr2e-4": dict(critic_learning_rate=2e-4, generator_learning_rate=2e-4),
    "package_reuse": dict(fresh_real_batches=False),
    "package_f32": dict(mixed_precision="float32"),
    # every recipe difference set as the reference has it
    "package_matched": dict(
        critic_steps=3,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        fresh_real_batches=False,
        mixed_precision="float32",
    ),
    "package_matched_bf16": dict(
        critic_steps=3,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        fresh_real_batches=False,
    ),
    "package_cs3_lr2e-4": dict(
        critic_steps=3, critic_learning_rate=2e-4, generator_learning_rate=2e-4
    ),
    # the package's default architecture for 28x28 (dcgan; architecture=None)
    "dcgan_cs5_lr1e-4": dict(architecture=None),
    "dcgan_cs3_lr2e-4": dict(
        architecture=None, critic_steps=3, critic_learning_rate=2e-4, generator_learning_rate=2e-4
    ),
    "dcgan_cs3_lr2e-4_ema": dict(
        architecture=None,
        critic_steps=3,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        ema_decay=0.999,
    ),
    "dcgan_cs3_lr2e-4_ema99": dict(
        architecture=None,
        critic_steps=3,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        ema_decay=0.99,
    ),
    "dcgan_cs3_lr2e-4_ema_f32": dict(
        architecture=None,
        critic_steps=3,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        ema_decay=0.999,
        mixed_precision="float32",
    ),
    # the defaults with DiffAugment (translation and cutout: the grayscale policy)
    "dcgan_cs3_lr2e-4_augment": dict(
        architecture=None,
        critic_steps=3,
        critic_learning_rate=2e-4,
        generator_learning_rate=2e-4,
        augment="translation,cutout",
    ),
    # the plain keras.io script
    "reference": {},
    "reference_cs5_lr1e-4": dict(critic_steps=5, learning_rate=1e-4),
    "reference_cs5": dict(critic_steps=5),
    "reference_lr1e-4": dict(learning_rate=1e-4),
    "reference_no_dropout": dict(dropout=False),
    "reference_bn_inference_in_critic": dict(generator_training_in_critic=False),
    "reference_patches": dict(patches=True),
}


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
        ".keras, or runs/bench/mnist_classifier.keras with --ablation).",
    )
    p.add_argument("--classifier_epochs", type=int, default=5, help="Epochs of the classifier.")
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
        "critic conditioning, on Fashion-MNIST for --minutes each.",
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


def to_float(images):
    """uint8 0..255 -> float32 [-1, 1], as keras_wgan.data does."""
    return images.astype(np.float32) / 127.5 - 1.0


def blurred(images):
    """A 3x3 box blur of uint8 images [n, h, w, 1] (a reference point of the FD)."""
    x = np.pad(images.astype(np.float32), ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = images.shape[1:3]
    out = sum(x[:, i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9.0
    return np.round(out).astype(np.uint8)


# ----------------------------------------------------------------------------- metrics


class Scorer:
    """The benchmark's scores from the evaluation core: a `core.Reference` on fixed real images.

    FD and class coverage in the features of the package's classifier; the SWD
    and the exact pixel and feature W1 (of 2,000 vs 2,000 images) beside them,
    as `keras_wgan.evaluate` and the Monitor report them.
    """

    def __init__(self, classifier, real_images, real_labels=None, training_images=None):
        from keras_wgan.evaluation import core, feature_networks

        network = feature_networks.feature_network(classifier)
        self.reference = core.Reference(
            real_images,
            feature_network=network,
            classifier=network,
            w1_samples=core.W1_IMAGES,
            swd_samples=core.W1_IMAGES,
            cache=False,
            num_classes=None if real_labels is None else int(classifier.output_shape[-1]),
            real_labels=real_labels,
            training=training_images,  # the memorisation check's (default: real_images)
        )

    def score(self, images, labels=None):
        """{"fd", "coverage" (the class entropy), "swd", "w1_pixel", "w1_feature": value}.

        With `labels` (the classes the images were generated for; the Scorer
        made with `real_labels`) also "conditional_accuracy" and "intra_fid"
        (the FD of each class's images against the real images of that
        class, and their mean).
        """
        values = self.reference.measure(images, labels=labels)
        names = {
            "fd": "fid",
            "coverage": "class_entropy",
            "swd": "swd",
            "w1_pixel": "w1_pixel",
            "w1_feature": "w1_feature",
            **{key: key for key in ("precision", "recall", "density", "memorisation")},
            "knn_coverage": "coverage",
            "classifier_score": "classifier_score",
        }
        if labels is not None:
            names.update(conditional_accuracy="conditional_accuracy", intra_fid="intra_fid")
        return {name: float(values[key]) for name, key in names.items()}


def rounded(score):
    """A score's values rounded for the tables: 2 decimals, 3 for shares, 4 for accuracy."""
    shares = ("coverage", "precision", "recall", "density", "knn_coverage", "memorisation")
    digits = {**dict.fromkeys(shares, 3), "conditional_accuracy": 4}
    return {key: round(value, digits.get(key, 2)) for key, value in score.items()}


def cached_classifier(path, images, labels, name, epochs):
    """The package's feature classifier, loaded from `path` or trained and saved there."""
    from keras_wgan.evaluation import feature_networks

    if os.path.exists(path):
        return feature_networks.load_feature_classifier(path)
    start = time.perf_counter()
    model = feature_networks.train_feature_classifier(
        images, labels, epochs=epochs, held_out_fraction=0.1, dataset_name=name
    )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    feature_networks.save_feature_classifier(model, path)
    print(
        f"trained the {name} classifier in {time.perf_counter() - start:.0f} s: held-out "
        f"accuracy {model.training_info['held_out_accuracy']:.3f}; saved to {path}",
        flush=True,
    )
    return model


# ----------------------------------------------------------------------------- reference


def build_reference(
    critic_steps=3,
    learning_rate=2e-4,
    dropout=True,
    generator_training_in_critic=True,
    patches=False,
    seed=0,
):
    """The keras.io WGAN-GP on the package's kerasio networks (float32, plain Conv2D)."""
    import keras

    from keras_wgan import architectures
    from keras_wgan.layers import PatchConv2D

    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(seed)
    generator, critic = architectures.kerasio((28, 28, 1))
    for layer in critic.layers:
        if isinstance(layer, PatchConv2D):
            layer.implementation = "auto" if patches else "conv"
        if isinstance(layer, keras.layers.Dropout) and not dropout:
            layer.rate = 0.0
    model = reference_class()(
        critic,
        generator,
        generator.input_shape[-1],
        critic_steps=critic_steps,
        generator_training_in_critic=generator_training_in_critic,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
    )
    return model


def reference_batches(images, batch_size=64, seed=0):
    """The keras.io example's pipeline: in-memory images in [-1, 1], shuffled, batched."""
    import tensorflow as tf

    x = to_float(images)
    return (
        tf.data.Dataset.from_tensor_slices(x)
        .cache()
        .shuffle(len(x), seed=seed)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def generate(generator, num, seed=1, batch_size=500, labels=None):
    """`num` images of a generator from N(0, I) latents of a fixed seed, float32 [-1, 1].

    A conditional generator (inputs latent and label) takes `labels`, int [num].
    """
    latent_dim = (generator.input_shape[0] if labels is not None else generator.input_shape)[-1]
    latent = np.random.default_rng(seed).standard_normal((num, latent_dim)).astype(np.float32)

    def inputs(i):
        z = latent[i : i + batch_size]
        return z if labels is None else [z, np.asarray(labels[i : i + batch_size], np.int32)]

    return np.concatenate(
        [
            np.asarray(generator(inputs(i), training=False), dtype=np.float32)
            for i in range(0, num, batch_size)
        ]
    )


# ----------------------------------------------------------------------------- ablation


def run_ablation(flags):
    """Trains each setting for `flags.steps` generator steps; prints and returns its FD."""
    import keras

    from keras_wgan import training
    from keras_wgan.evaluation import pictures

    with np.load(flags.ablation_data) as npz:
        images, labels = npz["images"], npz["labels"]
    classifier = cached_classifier(
        flags.classifier or "runs/bench/mnist_classifier.keras",
        images,
        labels,
        "MNIST 5k",
        flags.classifier_epochs,
    )
    scorer = Scorer(classifier, images)
    rows = []
    print(f"FD in the features of {scorer.reference.feature_network.description}", flush=True)
    print(
        f"{'setting':<34} {'steps':>6} {'FD':>8} {'coverage':>9} {'SWD':>8} {'W1px':>8}"
        f"{MANIFOLD_HEADER} {'seconds':>8}",
        flush=True,
    )
    for name in flags.settings.split(","):
        if name not in ABLATION_SETTINGS:
            raise ValueError(
                f"settings: unknown setting {name!r}; expected some of "
                f"{', '.join(ABLATION_SETTINGS)}"
            )
        start = time.perf_counter()
        if name.startswith("reference"):
            options = dict(REFERENCE_BASE, **ABLATION_SETTINGS[name])
            model = build_reference(seed=flags.seed, **options)
            model.fit(
                reference_batches(images, seed=flags.seed),
                steps_per_epoch=flags.steps,
                epochs=1,
                verbose=0,
            )
            generator = trained = model.generator
            steps = int(model.g_optimizer.iterations.numpy())
        else:
            options = dict(PACKAGE_BASE, **ABLATION_SETTINGS[name])
            with tempfile.TemporaryDirectory() as workdir:
                result = training.train(
                    dataset=flags.ablation_data,
                    train_steps=flags.steps,
                    export_dir=None,
                    monitor_every_epochs=0,
                    verbose=0,
                    output_dir=workdir,
                    seed=flags.seed,
                    **options,
                )
            generator = result.model.sampling_generator  # the EMA one with ema_decay
            trained = result.model.generator
            steps = int(result.generator_steps)
            options = {
                k: result.settings[k]
                for k in (
                    "architecture",
                    "critic_steps",
                    "critic_learning_rate",
                    "generator_learning_rate",
                    "fresh_real_batches",
                    "mixed_precision",
                    "ema_decay",
                    "augment",
                )
            }
        seconds = time.perf_counter() - start
        generated = generate(generator, len(images), seed=flags.seed + 1)
        row = dict(
            setting=name,
            steps=steps,
            seconds=round(seconds, 1),
            **rounded(scorer.score(generated)),
            options=options,
            load_average=round(os.getloadavg()[0], 2),
        )
        os.makedirs(flags.output_dir, exist_ok=True)
        row["samples"] = os.path.join(flags.output_dir, f"ablation_{name}_{steps}.png")
        caption = [
            f"{name}: {steps} generator steps, {seconds / 60:.0f} min",
            f"FD {row['fd']}  coverage {row['coverage']}",
        ]
        pictures.save_png(pictures.picture(generated[:64], caption=caption), row["samples"])
        if trained is not generator:
            # with EMA, also the trained generator's (what the run without EMA samples)
            plain_images = generate(trained, len(images), seed=flags.seed + 1)
            row.update(
                {
                    f"{key}_trained_generator": value
                    for key, value in rounded(scorer.score(plain_images)).items()
                }
            )
            row["samples_trained_generator"] = row["samples"].replace(".png", "_trained.png")
            caption = [
                f"{name}, trained generator (no EMA): {steps} generator steps",
                f"FD {row['fd_trained_generator']}  coverage {row['coverage_trained_generator']}",
            ]
            pictures.save_png(
                pictures.picture(plain_images[:64], caption=caption),
                row["samples_trained_generator"],
            )
        rows.append(row)
        print(
            f"{name:<34} {steps:>6} {row['fd']:>8.2f} {row['coverage']:>9.3f} "
            f"{row['swd']:>8.2f} {row['w1_pixel']:>8.2f}{manifold_columns(row)} {seconds:>8.0f}",
            flush=True,
        )
        if "fd_trained_generator" in row:
            print(
                f"{'  (trained generator, no EMA)':<34} {steps:>6} "
                f"{row['fd_trained_generator']:>8.2f} "
                f"{row['coverage_trained_generator']:>9.3f} "
                f"{row['swd_trained_generator']:>8.2f} "
                f"{row['w1_pixel_trained_generator']:>8.2f}",
                flush=True,
            )
        if flags.results:
            with open(flags.results, "a") as f:
                f.write(json.dumps(row) + "\n")
        keras.backend.clear_session()
    return rows


# ----------------------------------------------------------------------------- main mode


def timed_evaluation(
    budget_seconds,
    eval_every_seconds,
    scorer,
    steps_of,
    num_samples,
    max_steps,
    seed,
    label,
    num_classes=None,
    offset_seconds=0.0,
):
    """A Keras callback: evaluates every `eval_every_seconds` of training, stops at the budget.

    Training time is the wall time since `on_train_begin` minus the time of
    its own evaluations (tracing and every other callback count). Rows go to
    the callback's `rows`; the last grid of 64 samples to `grid`. The
    model trained must have a `generator`; `steps_of(model)` gives its
    generator steps. With `num_classes` the generator is conditional: its
    samples' labels are evenly spread over the classes, the rows gain the
    conditional accuracy and intra-FID, and the grid is one class per row.
    `offset_seconds`: the training seconds of the run before this one (a
    resumed run): its rows count from there; the budget is this run's.
    """
    import keras

    from keras_wgan.evaluation import pictures

    class TimedEvaluation(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rows, self.grid = [], None

        def on_train_begin(self, logs=None):
            self.start, self.paused = time.perf_counter(), 0.0
            self.next_eval = offset_seconds + eval_every_seconds
            self.elapsed = offset_seconds

        def on_train_batch_end(self, batch, logs=None):
            elapsed = offset_seconds + time.perf_counter() - self.start - self.paused
            self.elapsed = elapsed
            steps = steps_of(self.model)
            done = elapsed - offset_seconds >= budget_seconds or steps >= max_steps
            if elapsed >= self.next_eval or done:
                self.evaluate(elapsed, steps)
                while self.next_eval <= elapsed:
                    self.next_eval += eval_every_seconds
            if done:
                self.model.stop_training = True

        def evaluate(self, elapsed, steps):
            began = time.perf_counter()
            labels = None
            if num_classes:
                from keras_wgan.evaluation.metrics import conditional

                labels = conditional.evenly_spread_labels(num_samples, num_classes)
            images = generate(self.model.generator, num_samples, seed=seed + 1, labels=labels)
            row = dict(
                model=label,
                seconds=round(elapsed, 1),
                steps=int(steps),
                **rounded(scorer.score(images, labels)),
            )
            caption = [
                f"{label}: {int(steps)} generator steps, {elapsed / 60:.0f} min",
                f"FD {row['fd']}  coverage {row['coverage']}",
            ]
            if num_classes:
                caption[1] += (
                    f"  class accuracy {row['conditional_accuracy']}  intra-FID {row['intra_fid']}"
                )
                caption.append(f"rows: classes 0-{num_classes - 1}")
                # Sample i has class i mod K: every K-th sample from k on is of class k.
                by_class = np.concatenate(
                    [images[k : k + num_classes * 10 : num_classes] for k in range(num_classes)]
                )
                self.grid = pictures.picture(by_class, caption=caption, columns=10)
            else:
                self.grid = pictures.picture(images[:64], caption=caption)
            self.rows.append(row)
            print_row(row)
            self.paused += time.perf_counter() - began

    return TimedEvaluation()


MANIFOLD_HEADER = "".join(
    f" {name:>6}" for name in ("prec", "recall", "dens", "kNNcov", "CS", "memo")
)
HEADER = (
    f"{'model':<16} {'seconds':>8} {'steps':>7} {'FD':>8} {'coverage':>9} {'SWD':>8} {'W1px':>8}"
    + MANIFOLD_HEADER
)
CONDITIONAL_HEADER = HEADER + f" {'cond. acc.':>10} {'intra-FID':>9}"


def manifold_columns(row):
    """The row's precision, recall, density, coverage, classifier score and memorisation."""
    keys = ("precision", "recall", "density", "knn_coverage", "classifier_score", "memorisation")
    return "".join(f" {row[key]:>6.3f}" for key in keys)


def print_row(row):
    steps = "-" if row["steps"] is None else str(row["steps"])
    seconds = "-" if row["seconds"] is None else f"{row['seconds']:.0f}"
    line = (
        f"{row['model']:<16} {seconds:>8} {steps:>7} {row['fd']:>8.2f} "
        f"{row['coverage']:>9.3f} {row['swd']:>8.2f} {row['w1_pixel']:>8.2f}"
        + manifold_columns(row)
    )
    if "conditional_accuracy" in row:
        line += f" {row['conditional_accuracy']:>10.4f} {row['intra_fid']:>9.2f}"
    print(line, flush=True)


class _Benchmark:
    """What the runs of the main and conditional modes share: data, classifier, time budget."""

    def __init__(self, flags):
        if flags.minutes <= 0 or flags.eval_every_minutes <= 0:
            raise ValueError(
                f"minutes and eval_every_minutes must be > 0, received "
                f"{flags.minutes} and {flags.eval_every_minutes}"
            )
        self.flags = flags
        self.x_train, self.y_train, self.x_test, self.y_test = load_fashion_mnist(flags.data_dir)
        classifier = cached_classifier(
            flags.classifier or "runs/bench/fashion_mnist_classifier.keras",
            self.x_train,
            self.y_train,
            "Fashion-MNIST",
            flags.classifier_epochs,
        )
        self.scorer = Scorer(classifier, self.x_test, self.y_test, training_images=self.x_train)
        self.num_samples = min(flags.eval_samples, len(self.x_train))
        self.budget, self.every = 60.0 * flags.minutes, 60.0 * flags.eval_every_minutes
        self.max_steps = flags.max_steps or float("inf")
        os.makedirs(flags.output_dir, exist_ok=True)
        self.npz = os.path.join(flags.output_dir, "fashion_mnist_train.npz")
        np.savez(self.npz, images=self.x_train, labels=self.y_train)

    def reference_points(self, header=HEADER):
        """Prints and returns the rows of real, blurred and noise images against the test images."""
        n = self.num_samples
        print(
            f"FD in the Fashion-MNIST classifier's features against the {len(self.x_test)} "
            f"test images; {n} images per row; coverage = entropy of the predicted labels "
            f"(max ln 10 = 2.303)",
            flush=True,
        )
        print(header, flush=True)
        rows = []
        noise = np.random.default_rng(self.flags.seed).integers(0, 256, (n, 28, 28, 1), np.uint8)
        for label, images in (
            ("real train", self.x_train[:n]),
            ("blurred train", blurred(self.x_train[:n])),
            ("uniform noise", noise),
        ):
            rows.append(
                dict(model=label, seconds=None, steps=None, **rounded(self.scorer.score(images)))
            )
            print_row(rows[-1])
        return rows

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
        timer = timed_evaluation(
            self.budget,
            self.every,
            self.scorer,
            lambda gan: int(gan.generator_optimizer.iterations.numpy()),
            self.num_samples,
            self.max_steps,
            flags.seed,
            label,
            num_classes=10 if options.get("conditional") else None,
            offset_seconds=offset,
        )
        if flags.max_steps is not None:
            options["train_steps"] = flags.max_steps
        result = training.train(
            dataset=self.npz,
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


def _side_by_side(grids):
    """The grids next to each other, white gaps between (their heights must match)."""
    height = max(g.shape[0] for g in grids)
    padded = [
        np.pad(g, ((0, height - g.shape[0]), (0, 0), (0, 0)), constant_values=255) for g in grids
    ]
    gap = np.full((height, 8, 3), 255, np.uint8)
    parts = [padded[0]]
    for grid in padded[1:]:
        parts += [gap, grid]
    return np.concatenate(parts, axis=1)


def run_main(flags):
    """Trains the package's defaults and the reference for `flags.minutes` each; prints FDs."""
    from keras_wgan.evaluation import pictures

    if flags.resume:
        raise ValueError(
            "resume: only the conditional mode resumes its runs (the main mode's "
            "reference has no checkpoints); received --resume without --conditional"
        )
    bench = _Benchmark(flags)
    rows = bench.reference_points()

    # 1. The package's defaults: training.train with its default flags on the training images.
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
        )
    }

    # 2. The plain keras.io WGAN-GP (float32, 3 critic steps, Adam(2e-4, 0.5, 0.9)).
    model = build_reference(seed=flags.seed)
    reference_timer = timed_evaluation(
        bench.budget,
        bench.every,
        bench.scorer,
        lambda m: int(m.g_optimizer.iterations.numpy()),
        bench.num_samples,
        bench.max_steps,
        flags.seed,
        "reference",
    )
    model.fit(
        reference_batches(bench.x_train, seed=flags.seed),
        epochs=1,
        steps_per_epoch=flags.max_steps or 10**7,
        verbose=0,
        callbacks=[reference_timer],
    )
    rows += reference_timer.rows
    # Both generators are kept, so that later measures can score the same models:
    # the package's in its run directory (package/model.keras), the reference's here.
    reference_path = os.path.join(flags.output_dir, "reference_generator.keras")
    model.generator.save(reference_path)
    print(
        f"generators: {os.path.join(flags.output_dir, 'package', 'model.keras')}, {reference_path}",
        flush=True,
    )

    png = os.path.join(flags.output_dir, "samples_package_vs_reference.png")
    pictures.save_png(_side_by_side([package_timer.grid, reference_timer.grid]), png)
    print(f"package settings: {json.dumps(package_settings)}", flush=True)
    print(f"samples (left: package, right: reference): {png}", flush=True)
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
    rows = bench.reference_points(CONDITIONAL_HEADER)
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
    pictures.save_png(_side_by_side(grids), png)
    print(
        f"samples, left to right {', '.join(names)} (conditional: one class per row): {png}",
        flush=True,
    )
    return rows


def check_patches(seed=0, batch_size=64):
    """Errors of the kerasio critic's two PatchConv2D forms against float64.

    The same critic (same weights, dropout off) with every PatchConv2D set to
    "conv" (the backend's Conv2D) and to "auto" (patches x kernel for the last
    two convolutions on a CPU), in float32, on random images and interpolates:
    its outputs, input gradients, and the gradients of the WGAN-GP critic loss
    (with the double backward pass of the penalty) for every weight, each
    against the same critic in float64 with plain convolutions.

    Returns:
        {"conv": {...}, "patches": {...}}: for "output", "input_gradient" and
        "weight_gradient", max |x - x_float64| / max |x_float64|.
    """
    import keras
    import tensorflow as tf

    from keras_wgan import architectures
    from keras_wgan.layers import PatchConv2D

    keras.utils.set_random_seed(seed)
    critics = {}
    for dtype in ("float32", "float64"):
        keras.mixed_precision.set_global_policy(dtype)
        critics[dtype] = architectures.kerasio((28, 28, 1))[1]
    keras.mixed_precision.set_global_policy("float32")
    critics["float64"].set_weights(critics["float32"].get_weights())
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, (batch_size, 28, 28, 1))
    fake = np.tanh(rng.standard_normal((batch_size, 28, 28, 1)))
    alpha = rng.uniform(0, 1, batch_size)

    def measure(critic, dtype, implementation):
        for layer in critic.layers:
            if isinstance(layer, PatchConv2D):
                layer.implementation = implementation
        r, f, a = (tf.constant(v, dtype) for v in (real, fake, alpha))

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                out = tf.cast(critic(tf.concat([r, f], 0), training=False), dtype)
                x_hat = r + tf.reshape(a, [-1, 1, 1, 1]) * (f - r)
                with tf.GradientTape() as inner:
                    inner.watch(x_hat)
                    y = tf.cast(critic(x_hat, training=False), dtype)
                g = tf.reshape(inner.gradient(y, x_hat), [batch_size, -1])
                gp = tf.reduce_mean((tf.sqrt(tf.reduce_sum(g * g, 1)) - 1.0) ** 2)
                loss = (
                    tf.reduce_mean(out[batch_size:]) - tf.reduce_mean(out[:batch_size]) + 10.0 * gp
                )
            weights = tape.gradient(loss, critic.trainable_variables)
            return out, g, tf.concat([tf.reshape(tf.cast(w, dtype), [-1]) for w in weights], 0)

        return [np.asarray(t, np.float64) for t in step()]

    exact = measure(critics["float64"], "float64", "conv")
    result = {}
    for name, implementation in (("conv", "conv"), ("patches", "auto")):
        values = measure(critics["float32"], "float32", implementation)
        result[name] = {
            key: float(np.abs(v - e).max() / np.abs(e).max())
            for key, v, e in zip(("output", "input_gradient", "weight_gradient"), values, exact)
        }
    return result


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
