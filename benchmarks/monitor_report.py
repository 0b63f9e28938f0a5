"""The numbers of issue #6: what the Monitor shows over two training runs.

1. 8gaussians with the recipe's defaults (``training.train("8gaussians")``):
   per epoch, the exact W1 between 2000 generated and 2000 real samples, the
   critic's estimate on those same samples, their ratio, and W1 / noise floor.
2. The keras.io WGAN-GP networks on an MNIST ``.npz`` (images + labels): per
   epoch, the SWD and the Frechet distance on the features of the package's
   MNIST classifier, trained here on the file's labels (its held-out accuracy
   is printed). ``train()`` leaves FID out, so this run builds the same model
   and optimizers as ``train()`` (``training.build_gan``, ``make_optimizer``,
   the image recipe) and fits it with a ``Monitor`` that has the classifier.

    python benchmarks/monitor_report.py --run=toy [--train_steps=5000]
    python benchmarks/monitor_report.py --run=mnist --npz=../shared/data/mnist_5k.npz \\
        --train_steps=1000 --steps_per_epoch=100

Prints Markdown tables; with --out, writes the histories (JSON), the
TensorBoard logs and the final sample grid (PNG) there.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_wgan import callbacks, checkpointing, data, recipes, training  # noqa: E402
from keras_wgan.evaluation import core, feature_networks, pictures  # noqa: E402
from keras_wgan.evaluation import monitor as monitoring  # noqa: E402


def table(rows, columns):
    """A Markdown table of dicts; floats with 4 significant digits."""

    def cell(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def toy_run(args):
    output_dir = os.path.join(args.out, "8gaussians") if args.out else None
    start = time.time()
    result = training.train(
        "8gaussians",
        train_steps=args.train_steps,
        steps_per_epoch=args.steps_per_epoch,
        seed=args.seed,
        output_dir=output_dir or "/tmp/monitor_report_8gaussians",
        export_dir=None,
        verbose=0,
    )
    seconds = time.time() - start
    history = result.history
    steps = result.settings["steps_per_epoch"]
    rows = []
    for epoch, w1 in enumerate(history["w1_exact"]):
        floor_ratio = history["w1_floor_ratio"][epoch]
        rows.append(
            {
                "epoch": epoch + 1,
                "generator step": min((epoch + 1) * steps, result.generator_steps),
                "exact W1": w1,
                "critic estimate": history["w1_critic_estimate"][epoch],
                "estimate / W1": history["w1_ratio"][epoch],
                "W1 / floor": floor_ratio,
                "critic loss (train)": history["critic_loss"][epoch],
            }
        )
    floor = history["w1_exact"][0] / history["w1_floor_ratio"][0]  # the Monitor's (core's) floor
    samples = result.model.generate(2000, seed=1)
    covered, within = data.count_modes(samples, "8gaussians")
    settings = {
        k: result.settings[k]
        for k in (
            "architecture",
            "units",
            "depth",
            "penalty",
            "penalty_weight",
            "critic_steps",
            "batch_size",
            "train_steps",
            "steps_per_epoch",
        )
    }
    print(f"## 8gaussians, training.train defaults ({seconds:.0f} s)\n")
    print(
        f"settings: {settings} (units/depth None: the mlp defaults; critic "
        f"{result.model.critic.count_params()} parameters)\n"
    )
    print(
        f"W1 noise floor (two independent sets of 2000 true samples, mean over "
        f"{core.MONITOR_W1_FLOOR_PAIRS} pairs): {floor:.4g}\n"
    )
    print(table(rows, list(rows[0])))
    print(
        f"\nafter training: {covered}/8 modes covered, {within:.1%} of 2000 samples within "
        "3 std of a mode\n"
    )
    return {
        "seconds": seconds,
        "floor": floor,
        "rows": rows,
        "settings": settings,
        "modes_covered": covered,
        "fraction_within": within,
    }


def mnist_run(args):
    archive = np.load(args.npz)
    images, labels = archive["images"], archive["labels"]
    start = time.time()
    classifier = feature_networks.train_feature_classifier(
        images, labels, dataset_name="MNIST", seed=args.seed
    )
    info = classifier.training_info
    network = feature_networks.feature_network(classifier)
    print(
        f"## MNIST classifier: held-out accuracy {info['held_out_accuracy']:.4f} on "
        f"{info['num_held_out']} images (trained on {info['num_train']}, "
        f"{time.time() - start:.0f} s)\n"
    )

    recipe = recipes.recipe(args.npz)
    keras.utils.set_random_seed(args.seed)
    batch, critic_steps = args.batch_size, recipe["critic_steps"]
    batches, data_info = data.load(args.npz, batch_size=batch * critic_steps, seed=args.seed)
    gan = training.build_gan(
        data_info.sample_shape,
        architecture="kerasio",
        critic_steps=critic_steps,
        penalty=recipe["penalty"],
        penalty_weight=recipe["penalty_weight"],
        seed=args.seed,
    )
    gan.compile(
        critic_optimizer=training.make_optimizer(
            "adam", recipe["critic_learning_rate"], recipe["beta_1"], recipe["beta_2"]
        ),
        generator_optimizer=training.make_optimizer(
            "adam", recipe["generator_learning_rate"], recipe["beta_1"], recipe["beta_2"]
        ),
    )
    out = os.path.join(args.out, "mnist") if args.out else "/tmp/monitor_report_mnist"
    monitor = monitoring.Monitor(
        data_info,
        num_samples=args.num_samples,
        log_dir=os.path.join(out, "logs", "monitor"),
        feature_network=network,
        seed=args.seed,
    )
    sample_pictures = callbacks.SamplePictures(
        os.path.join(out, "samples"), num_samples=64, seed=args.seed
    )
    epochs = -(-args.train_steps // args.steps_per_epoch)
    start = time.time()
    history = gan.fit(
        batches,
        epochs=epochs,
        steps_per_epoch=args.steps_per_epoch,
        verbose=0,
        callbacks=[
            monitor,
            sample_pictures,
            keras.callbacks.TensorBoard(os.path.join(out, "logs")),
            checkpointing.StopAtStep(args.train_steps),
        ],
    ).history
    seconds = time.time() - start
    rows = [
        {
            "epoch": r["epoch"],
            "generator step": r["step"],
            "SWD x1e3": r["swd"],
            "FID (classifier)": r["fid"],
            "critic estimate": r["w1_critic_estimate"],
            "exact W1 (pixels)": r["w1_pixel"],
            "exact W1 (features)": r["w1_feature"],
            "critic loss (train)": history["critic_loss"][r["epoch"] - 1],
        }
        for r in monitor.records
    ]
    final = os.path.join(out, "mnist_samples_final.png")
    pictures.save_png(pictures.picture(gan.generate(64, seed=args.seed)), final)
    print(
        f"## kerasio on {args.npz}: batch {batch} x {critic_steps} critic steps, "
        f"{recipe['penalty']} lambda {recipe['penalty_weight']}, Adam "
        f"{recipe['critic_learning_rate']} ({recipe['beta_1']}, {recipe['beta_2']}), "
        f"{int(gan.generator_optimizer.iterations)} generator steps ({seconds:.0f} s)\n"
    )
    print(
        f"{monitor.num_samples} generated vs {monitor.num_samples} real images, fixed; "
        f"FID features: {network.description}\n"
    )
    floors = ", ".join(f"{k} {v:.4g}" for k, v in monitor.floors.items())
    print(f"real vs real (two disjoint sets, mean over {core.IMAGE_FLOOR_PAIRS} pairs): {floors}\n")
    print(table(rows, list(rows[0])))
    print(f"\nfinal sample grid: {final}\n")
    return {
        "seconds": seconds,
        "rows": rows,
        "floors": monitor.floors,
        "classifier": info,
        "feature_network": network.description,
        "picture": final,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", choices=["toy", "mnist", "both"], default="both")
    parser.add_argument(
        "--train_steps",
        type=int,
        default=None,
        help="toy: default the recipe's; mnist: default 1000",
    )
    parser.add_argument("--steps_per_epoch", type=int, default=None)
    parser.add_argument("--npz", default="../shared/data/mnist_5k.npz")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument(
        "--num_samples",
        type=int,
        default=None,
        help="mnist: images per Monitor check (default the Monitor's, 256)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    report = {}
    if args.run in ("toy", "both"):
        report["8gaussians"] = toy_run(args)
    if args.run in ("mnist", "both"):
        args.train_steps = args.train_steps or 1000
        args.steps_per_epoch = args.steps_per_epoch or 100
        report["mnist"] = mnist_run(args)
    if args.out:
        with open(os.path.join(args.out, f"report_{args.run}.json"), "w") as f:
            json.dump(report, f, indent=2, default=float)


if __name__ == "__main__":
    main()
