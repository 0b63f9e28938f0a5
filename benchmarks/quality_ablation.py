"""The ablation mode of `benchmarks/image_quality.py` and its PatchConv2D check.

Quality at equal generator steps: each named setting of `ABLATION_SETTINGS`
(keyword arguments of `keras_wgan.training.train`, or options of the plain
keras.io reference) trained for `--steps` generator steps, scored by FD in the
features of a classifier trained on the same images.
"""

import json
import os
import tempfile
import time

import numpy as np
from emoji_set import emoji_scorer, read_emoji_npz
from quality_scoring import (
    MANIFOLD_HEADER,
    Scorer,
    cached_classifier,
    generate,
    manifold_columns,
    recorded_settings,
    rounded,
)
from reference_wgan import build_reference, reference_batches

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
# the package's default architecture for 28x28 (dcgan; architecture=None) with the
# reference's 3 critic steps and Adam(2e-4): the base of the dcgan_cs3 settings
DCGAN_CS3_LR2E4 = dict(
    architecture=None, critic_steps=3, critic_learning_rate=2e-4, generator_learning_rate=2e-4
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
    "dcgan_cs3_lr2e-4": dict(DCGAN_CS3_LR2E4),
    "dcgan_cs3_lr2e-4_ema": dict(DCGAN_CS3_LR2E4, ema_decay=0.999),
    "dcgan_cs3_lr2e-4_ema99": dict(DCGAN_CS3_LR2E4, ema_decay=0.99),
    # the average warmed up (min(0.999, (1 + t) / (10 + t))): no random initial weights left
    "dcgan_cs3_lr2e-4_ema_warmup": dict(DCGAN_CS3_LR2E4, ema_decay=0.999, ema_warmup=True),
    "dcgan_cs3_lr2e-4_ema_f32": dict(DCGAN_CS3_LR2E4, ema_decay=0.999, mixed_precision="float32"),
    # the defaults with DiffAugment (translation and cutout: the grayscale policy)
    "dcgan_cs3_lr2e-4_augment": dict(DCGAN_CS3_LR2E4, augment="translation,cutout"),
    # the colour policy (for RGB --ablation_data; grey images refuse 'color')
    "dcgan_cs3_lr2e-4_augment_colour": dict(DCGAN_CS3_LR2E4, augment="color,translation,cutout"),
    # the colour policy with an adaptive probability (StyleGAN2-ADA's target 0.6)
    "dcgan_cs3_lr2e-4_ada": dict(
        DCGAN_CS3_LR2E4, augment="color,translation,cutout", augment_target=0.6
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


def run_ablation(flags):
    """Trains each setting for `flags.steps` generator steps; prints and returns its FD."""
    import keras

    from keras_wgan import training
    from keras_wgan.evaluation import pictures

    with np.load(flags.ablation_data) as npz:
        images, labels = npz["images"], npz["labels"]
        emoji = read_emoji_npz(flags.ablation_data) if "subgroups" in npz else None
    if emoji is None:
        classifier = cached_classifier(
            flags.classifier or "runs/bench/mnist_classifier.keras",
            images,
            labels,
            "MNIST 5k",
            flags.classifier_epochs or 5,
        )
        scorer = Scorer(classifier, images)
    else:
        # An emoji .npz is scored as the main mode scores its folder (the same cache).
        stem = os.path.splitext(os.path.basename(flags.ablation_data))[0]
        scorer = emoji_scorer(emoji, stem, flags.classifier, flags.classifier_epochs)
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
            options = recorded_settings(result)
            # Where the adaptive augmentation's probability ended (the model's weight).
            if result.model.augment_p is not None:
                options["augment_p"] = round(float(result.model.augment_p.numpy()), 6)
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
