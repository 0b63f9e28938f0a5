"""The scores of the image benchmarks: the evaluation core on fixed real images, and a timer.

`Scorer` wraps a `keras_wgan.evaluation.core.Reference` (as `keras_wgan.evaluate`
and the Monitor do) on the benchmark's real images; `timed_evaluation` is the
Keras callback that scores a generator every so many seconds of training time
(its own time not counted); `cached_classifier` trains the package's feature
classifier once per data set; the table's header and rows are printed here.
`benchmarks/image_quality.py` and the scripts beside it import them.
"""

import os
import time

import numpy as np


def to_float(images):
    """uint8 0..255 -> float32 [-1, 1], as keras_wgan.data does."""
    return images.astype(np.float32) / 127.5 - 1.0


def blurred(images):
    """A 3x3 box blur of uint8 images [n, h, w, c] (a reference point of the FD)."""
    x = np.pad(images.astype(np.float32), ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = images.shape[1:3]
    out = sum(x[:, i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9.0
    return np.round(out).astype(np.uint8)


class Scorer:
    """The benchmark's scores from the evaluation core: a `core.Reference` on fixed real images.

    FD and class coverage in the features of the package's classifier; the SWD
    and the exact pixel and feature W1 (of 2,000 vs 2,000 images) beside them,
    as `keras_wgan.evaluate` and the Monitor report them.

    Args:
        classifier: the package's feature classifier (`keras.Model`): its
            features give FD, KID, W1 and the manifold measures.
        real_images: the fixed real images, uint8.
        real_labels: the class of each real image, for a conditional
            generator's accuracy and intra-FID.
        training_images: what the memorisation check searches (default: real_images).
        classify: what assigns images to the classes of the coverage (and of
            the accuracy): a function images -> class scores [n, K]; default
            the classifier's own classes.
        num_classes: K of `classify` (default the classifier's outputs).
        kid: also the kernel distance (`kid`).
    """

    def __init__(
        self,
        classifier,
        real_images,
        real_labels=None,
        training_images=None,
        classify=None,
        num_classes=None,
        kid=False,
    ):
        from keras_wgan.evaluation import core, feature_networks

        network = feature_networks.feature_network(classifier)
        self.network = network
        num_classes = num_classes or int(classifier.output_shape[-1])
        self.reference = core.Reference(
            real_images,
            feature_network=network,
            classifier=network if classify is None else classify,
            w1_samples=core.W1_IMAGES,
            swd_samples=core.W1_IMAGES,
            cache=False,
            num_classes=None if real_labels is None else num_classes,
            real_labels=real_labels,
            training=training_images,  # the memorisation check's (default: real_images)
            add_metrics=("kid",) if kid else (),
        )
        self.kid = kid

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
        if self.kid:
            names["kid"] = "kid"
        return {name: float(values[key]) for name, key in names.items()}


def rounded(score):
    """A score's values rounded for the tables: 2 decimals, 3 for shares, 4 for accuracy."""
    shares = ("coverage", "precision", "recall", "density", "knn_coverage", "memorisation")
    digits = {**dict.fromkeys(shares, 3), "conditional_accuracy": 4, "kid": 4}
    # + 0.0: no "-0.0" in the tables
    return {key: round(value, digits.get(key, 2)) + 0.0 for key, value in score.items()}


#: The settings of a package run that the benchmarks' rows and lines record.
RECORDED_SETTINGS = (
    "architecture",
    "critic_steps",
    "batch_size",
    "critic_learning_rate",
    "generator_learning_rate",
    "fresh_real_batches",
    "mixed_precision",
    "ema_decay",
    "ema_warmup",
    "augment",
    "augment_target",
)


def recorded_settings(result):
    """The `RECORDED_SETTINGS` of a `training.TrainResult`, as resolved by `train()`."""
    return {k: result.settings[k] for k in RECORDED_SETTINGS if k in result.settings}


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
KID_HEADER = f" {'KID':>7}"


def header(kid=False, conditional=False):
    """The table's header: KID (when measured) after the manifold columns, then the conditional."""
    return (
        HEADER
        + (KID_HEADER if kid else "")
        + (CONDITIONAL_HEADER[len(HEADER) :] if conditional else "")
    )


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
    if "kid" in row:
        line += f" {row['kid']:>7.4f}"
    if "conditional_accuracy" in row:
        line += f" {row['conditional_accuracy']:>10.4f} {row['intra_fid']:>9.2f}"
    print(line, flush=True)


def side_by_side(grids):
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
