"""Quality of the default 2-D recipes: exact W1 of exported samples over the noise floor.

For each dataset, trains with `keras_wgan.training.train()` exactly as
`python train_main.py --dataset=NAME` does (recipe defaults; any flag below
overrides them), exports the generator, draws samples from the exported
SavedModel's `serving_default` signature, and prints:
- ratio: exact W1 (Euclidean cost, POT) between generated and true samples,
  divided by the W1 between two independent true sets (the noise floor):
  mean W1 over `--eval_seeds` sample sets over the mean floor of
  `--floor_seeds` pairs of true sets (the floor of one pair varies by a
  third either way, so one pair or a few make the ratio mostly noise), with
  its standard error;
- modes covered and the fraction of samples within 3 std of a centre
  (8gaussians, 25gaussians);
- training time and seconds per generator step.
The last line is one JSON object with every result.

    python benchmarks/toy_quality.py                      # the three toy datasets
    python benchmarks/toy_quality.py --datasets=swissroll --train_steps=1000
"""

import json
import os
import tempfile
import time

from absl import app, flags

flags.DEFINE_list("datasets", ["8gaussians", "25gaussians", "swissroll"], "Toy datasets.")
flags.DEFINE_integer("samples", 2000, "Samples per set for W1.")
flags.DEFINE_integer("eval_seeds", 20, "Generated-vs-true sample-set pairs per dataset.")
flags.DEFINE_integer("floor_seeds", 200, "True-vs-true sample-set pairs for the noise floor.")
flags.DEFINE_integer("seed", 0, "Training seed.")
flags.DEFINE_integer("train_steps", None, "Override the recipe's generator steps.")
flags.DEFINE_string("penalty", None, "Override the recipe's penalty.")
flags.DEFINE_float("penalty_weight", None, "Override the recipe's penalty weight.")
flags.DEFINE_integer("batch_size", None, "Override the recipe's batch size.")
flags.DEFINE_integer("critic_steps", None, "Override the recipe's critic steps.")
flags.DEFINE_float("learning_rate", None, "Override both learning rates of the recipe.")
flags.DEFINE_string("output_dir", None, "Where runs go (default: a temporary folder).")
FLAGS = flags.FLAGS


def noise_floor(name, samples, seeds):
    """Mean and standard error of W1 between two independent true sets (the core's floor).

    The floor varies a lot from one pair of sets to the next (mostly with
    how the samples split between modes: 8gaussians' per-pair standard
    deviation is about a third of its mean), so `keras_wgan.evaluation.core`
    averages it over many pairs, each drawn from its own random stream.
    """
    import numpy as np

    from keras_wgan import data
    from keras_wgan.evaluation import core

    sampler = data.TOY_DATASETS[name]
    real = sampler(samples, np.random.default_rng(0))
    floor = core.Reference(real, sampler=sampler).compute_floors(seeds)["w1_floor"]
    return floor.value, floor.error


def evaluate(saved_model_dir, name, samples, seeds, floor_seeds):
    """W1 ratio, floor and modes of an exported toy generator."""
    import numpy as np
    import tensorflow as tf

    from keras_wgan import data
    from keras_wgan.evaluation import core

    serve = tf.saved_model.load(saved_model_dir).signatures["serving_default"]
    latent_dim = serve.structured_input_signature[1]["latent"].shape[-1]
    # A request holds at most the export's max_samples latents: draw in chunks of it.
    with open(os.path.join(saved_model_dir, "assets.extra", "keras_wgan.json")) as f:
        chunk = json.load(f)["max_samples"]
    sampler = data.TOY_DATASETS[name]
    w1s, modes, within = [], [], []
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        latent = rng.standard_normal((samples, latent_dim)).astype("float32")
        fake = np.concatenate(
            [
                serve(latent=tf.constant(latent[start : start + chunk]))["samples"].numpy()
                for start in range(0, samples, chunk)
            ]
        )
        reference = core.Reference(sampler(samples, rng), cache=False)
        w1s.append(reference.measure(fake)["w1_exact"])
        if name in data.TOY_MODES:
            covered, fraction = data.count_modes(fake, name)
            modes.append(covered)
            within.append(fraction)
    floor, floor_error = noise_floor(name, samples, floor_seeds)
    w1 = float(np.mean(w1s))
    w1_error = float(np.std(w1s, ddof=1) / np.sqrt(seeds)) if seeds > 1 else float("nan")
    ratio = w1 / floor
    result = {
        "ratio": ratio,
        # Standard error of the ratio (first-order, W1 and floor independent).
        "ratio_error": ratio * float(np.hypot(w1_error / w1, floor_error / floor)),
        "ratio_per_seed": [round(w / floor, 3) for w in w1s],
        "w1": w1,
        "w1_error": w1_error,
        "floor": floor,
        "floor_error": floor_error,
        "eval_seeds": seeds,
        "floor_seeds": floor_seeds,
    }
    if modes:
        result.update(
            modes_covered=int(min(modes)),
            modes=len(data.TOY_MODES[name].centres),
            within_3_std=float(np.mean(within)),
        )
    return result


def main(argv):
    del argv
    from keras_wgan import training

    root = FLAGS.output_dir or tempfile.mkdtemp(prefix="toy_quality_")
    overrides = {
        name: FLAGS[name].value
        for name in ("train_steps", "penalty", "penalty_weight", "batch_size", "critic_steps")
        if FLAGS[name].value is not None
    }
    if FLAGS.learning_rate is not None:
        overrides.update(
            critic_learning_rate=FLAGS.learning_rate, generator_learning_rate=FLAGS.learning_rate
        )
    results = {}
    for name in FLAGS.datasets:
        start = time.perf_counter()
        run = training.train(
            name,
            seed=FLAGS.seed,
            output_dir=os.path.join(root, name),
            export_dir=os.path.join(root, "exports"),
            model_name=name,
            checkpoint_every_steps=10**9,
            sample_every_epochs=10,
            verbose=0,
            **overrides,
        )
        seconds = time.perf_counter() - start
        result = evaluate(
            run.export.saved_model_dir, name, FLAGS.samples, FLAGS.eval_seeds, FLAGS.floor_seeds
        )
        result.update(
            train_seconds=round(seconds, 1),
            generator_steps=run.generator_steps,
            seconds_per_step=round(seconds / run.generator_steps, 4),
            load_average=round(os.getloadavg()[0], 1),
            settings={
                k: run.settings[k]
                for k in (
                    "penalty",
                    "penalty_weight",
                    "batch_size",
                    "critic_steps",
                    "train_steps",
                    "units",
                    "depth",
                    "critic_learning_rate",
                    "lr_decay",
                )
            },
        )
        results[name] = result
        modes = (
            f"{result['modes_covered']}/{result['modes']} modes, "
            f"{result['within_3_std']:.0%} within 3 std, "
            if "modes" in result
            else ""
        )
        print(
            f"{name:12s} W1/floor {result['ratio']:.2f} +- {result['ratio_error']:.2f} "
            f"(W1 {result['w1']:.4f} over {FLAGS.eval_seeds} sets, floor "
            f"{result['floor']:.4f} +- {result['floor_error']:.4f} over {FLAGS.floor_seeds}), "
            f"{modes}{seconds:.0f} s for "
            f"{run.generator_steps} steps (load {result['load_average']})",
            flush=True,
        )
    print(json.dumps(results))


if __name__ == "__main__":
    app.run(main)
