"""What the main and conditional modes of `benchmarks/image_quality.py` share.

`Benchmark` holds the data (Fashion-MNIST, or an emoji folder with its .npz),
the cached feature classifier, the `Scorer`, the time budget, and trains the
package's defaults (`training.train` on the data, timed by a
`timed_evaluation` callback) and the plain references (`build_reference`)
for the same training time.
"""

import json
import os

import numpy as np
from emoji_set import emoji_scorer, load_emoji
from quality_scoring import (
    Scorer,
    blurred,
    cached_classifier,
    header,
    print_row,
    rounded,
    timed_evaluation,
)
from reference_wgan import build_reference, reference_batches


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


class Benchmark:
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
            # Real = training images: the emoji are all there is.
            self.x_train = self.x_test = emoji.images
            self.y_train = self.y_test = emoji.groups
            self.scorer = emoji_scorer(
                emoji,
                os.path.basename(emoji.folder),
                flags.classifier,
                flags.classifier_epochs,
                training_images=emoji.images,
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
