"""training.train()'s argument checks: every bad setting is refused before the data is opened."""

import math
import types

import pytest

from keras_wgan import runs, training


@pytest.fixture
def no_data(monkeypatch):
    """Makes opening any data a test failure: the checks must come first."""

    def load(*args, **kwargs):
        raise AssertionError("data.load was called before the settings were checked")

    monkeypatch.setattr(training.data, "load", load)


@pytest.mark.parametrize(
    "settings, message",
    [
        # Export settings, which used to be checked only after training.
        ({"tflite_quantization": ["bogus"]}, "tflite_quantization: unknown quantization 'bogus'"),
        ({"tflite_quantization": "float16,bogus"}, "unknown quantization 'bogus'"),
        ({"model_name": "a/b"}, "model_name must be a plain name"),
        ({"model_name": ""}, "model_name must be a plain name"),
        # Values that can only produce NaN.
        ({"critic_learning_rate": math.nan}, "critic_learning_rate must be a finite number > 0"),
        (
            {"generator_learning_rate": math.inf},
            "generator_learning_rate must be a finite number > 0",
        ),
        ({"generator_learning_rate": 0.0}, "generator_learning_rate must be a finite number > 0"),
        ({"critic_learning_rate": -1e-3}, "critic_learning_rate must be a finite number > 0"),
        ({"beta_1": 2.0}, "beta_1 must be a number in [0, 1), received 2.0"),
        ({"beta_2": -1.0}, "beta_2 must be a number in [0, 1), received -1.0"),
        ({"beta_2": 1.0}, "beta_2 must be a number in [0, 1)"),
        ({"beta_1": math.nan}, "beta_1 must be a number in [0, 1)"),
        ({"penalty_weight": math.inf}, "penalty_weight must be a finite number >= 0"),
        ({"penalty_weight": -1.0}, "penalty_weight must be a finite number >= 0"),
        ({"penalty_target": math.nan}, "penalty_target must be a finite number >= 0"),
        ({"penalty_target": math.inf}, "penalty_target must be a finite number >= 0"),
        ({"clip_value": math.nan}, "clip_value must be a finite number > 0"),
        ({"clip_value": 0.0}, "clip_value must be a finite number > 0"),
        ({"drift_weight": math.inf}, "drift_weight must be a finite number >= 0"),
        # Messages that named the wrong argument, or came after training had started.
        ({"keep_checkpoints": 0}, "keep_checkpoints must be an integer >= 1, received 0"),
        ({"checkpoint_every_steps": 0}, "checkpoint_every_steps must be None or an integer >= 1"),
        ({"sample_every_epochs": 0}, "sample_every_epochs must be an integer >= 1, received 0"),
        (
            {"architecture": "foo", "units": 8},
            "architecture must be one of 'dcgan', 'kerasio', 'mlp', 'resnet', received 'foo'",
        ),
        ({"units": 8, "architecture": "dcgan"}, "units=8 does not apply to architecture 'dcgan'"),
        ({"units": 0}, "units must be an integer >= 1, received 0"),
        ({"latent_dim": -2}, "latent_dim must be an integer >= 1, received -2"),
        (
            {"penalty": "foo"},
            "penalty must be one of 'clip', 'ctgan', 'gp', 'gp0', 'lp', 'none', "
            "'pairwise', 'r1', 'wgan_div', received 'foo'",
        ),
        ({"optimizer": "sgd"}, "optimizer must be 'adam' or 'rmsprop', received 'sgd'"),
        ({"critic_norm": "batch"}, "critic_norm must be None or 'layer'"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1, received 0"),
        ({"critic_steps": 0}, "critic_steps must be an integer >= 1, received 0"),
        ({"train_steps": 0}, "train_steps must be an integer >= 1, received 0"),
        ({"epochs": 0}, "epochs must be an integer >= 1, received 0"),
        ({"steps_per_epoch": -1}, "steps_per_epoch must be an integer >= 1, received -1"),
        ({"monitor_every_epochs": -1}, "monitor_every_epochs must be an integer >= 0"),
        ({"lr_decay": "cosine"}, "lr_decay must be 'linear' or 'none', received 'cosine'"),
        ({"mixed_precision": "float16"}, "mixed_precision='float16' is not supported"),
        ({"jit_compile": "maybe"}, "jit_compile must be 'auto', True or False"),
        ({"seed": -1}, "seed must be an integer >= 0, received -1"),
        ({"critic_dropout": -0.1}, "critic_dropout must be a number in [0, 1)"),
        ({"augment_target": 1.0}, "augment_target must be a number in (0, 1), received 1.0"),
        (
            {"augment_target": 0.6},
            "augment_target=0.6 sets the probability of the augment policy, received augment=None",
        ),
        (
            {"ema_warmup": True},
            "received ema_warmup=True with ema_decay=None; expected an ema_decay",
        ),
        (
            {"critic_dropout": 0.2, "architecture": "resnet"},
            "critic_dropout=0.2 does not apply to architecture 'resnet'",
        ),
    ],
)
def test_bad_settings_are_refused_before_the_data_is_opened(settings, message, no_data, tmp_path):
    with pytest.raises(ValueError) as error:
        training.train(
            "8gaussians", output_dir=tmp_path / "run", export_dir=tmp_path / "exports", **settings
        )
    assert str(error.value).startswith(next(iter(settings))), str(error.value)
    assert message in str(error.value)
    assert not (tmp_path / "run").exists() and not (tmp_path / "exports").exists()


@pytest.mark.parametrize("name", ["export_dir", "output_dir", "checkpoint_dir"])
def test_a_directory_that_is_a_file_is_refused_first(name, no_data, tmp_path):
    (tmp_path / "file").write_text("")
    for path in (tmp_path / "file", tmp_path / "file" / "below"):
        settings = {"output_dir": tmp_path / "run", "export_dir": None, name: path}
        with pytest.raises(ValueError) as error:
            training.train("8gaussians", **settings)
        assert str(error.value).startswith(f"{name} '{path}' ")
        assert "is a file, not a directory; expected a writable directory" in str(error.value)


def test_a_missing_dataset_is_reported_as_the_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^dataset=missing\.npz: no such \.npz file"):
        training.train("missing.npz", output_dir=tmp_path, export_dir=None)


def test_make_optimizer_refuses_non_finite_rates_and_bad_betas():
    for rate in (math.nan, math.inf, 0.0, -1.0, None):
        with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
            training.make_optimizer("adam", rate, 0.5, 0.9)
    with pytest.raises(ValueError, match=r"beta_2 must be a number in \[0, 1\), received 1.5"):
        training.make_optimizer("adam", 1e-3, 0.5, 1.5)
    rmsprop = training.make_optimizer("rmsprop", 1e-3, None, None)
    assert float(rmsprop.learning_rate) == pytest.approx(1e-3)


def test_build_gan_names_an_unknown_architecture_before_its_size_options():
    with pytest.raises(
        ValueError,
        match="architecture must be one of 'dcgan', 'kerasio', 'mlp', 'resnet', received 'foo'",
    ):
        training.build_gan((2,), architecture="foo", units=8)


@pytest.mark.parametrize(
    "dataset",
    [".hidden.npz", "data/_x.npz", "-", "__", "données_é/", "猫", "data/données_猫.npz", "😀"],
)
def test_derived_model_names_are_valid_export_names(dataset):
    from keras_wgan import export

    export.check_model_name("model_name", runs.default_model_name(dataset))


def test_derived_model_names_drop_accents_and_keep_other_names_apart():
    assert runs.default_model_name("data/données_é/") == "donnees_e"
    assert runs.default_model_name("café") == runs.default_model_name("cafe\u0301")  # NFC, NFD
    cat, dog = runs.default_model_name("猫"), runs.default_model_name("犬")
    assert cat != dog and cat.startswith("wgan-")
    assert runs.default_model_name("données_猫") != runs.default_model_name("données_犬")


def test_a_model_name_any_folder_may_have_is_checked_as_an_export_name_only_to_export(
    no_data, tmp_path
):
    # Without an export the name only names runs/<model_name>: the settings pass, the
    # data is opened next (no_data's AssertionError).
    with pytest.raises(AssertionError, match="data.load was called"):
        training.train("8gaussians", model_name="猫", export_dir=None, output_dir=tmp_path)
    with pytest.raises(ValueError, match="^model_name must be a plain name .* received '猫'$"):
        training.train("8gaussians", model_name="猫", export_dir=tmp_path / "exports")


# Speed settings: mixed precision and jit_compile (from tests/test_benchmark.py).
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_wgan import builder, data, penalties  # noqa: E402


def _toy_gan(mixed_precision, **options):
    return training.build_gan(
        (2,),
        architecture="mlp",
        units=16,
        depth=2,
        critic_steps=2,
        penalty="gp",
        seed=0,
        mixed_precision=mixed_precision,
        **options,
    )


def test_mixed_bfloat16_step_keeps_scores_penalty_and_weights_float32():
    gan = _toy_gan("mixed_bfloat16")
    assert keras.mixed_precision.global_policy().name == "float32"  # left as it was
    assert gan.critic.layers[2].compute_dtype == "bfloat16"
    x = tf.random.normal((8, 2))
    assert gan.critic(x).dtype == tf.float32
    assert gan.generator(tf.random.normal((8, 2))).dtype == tf.float32
    assert penalties.gradient_penalty(gan.critic, x, x + 1.0).dtype == tf.float32
    gan.compile()
    batches, _ = data.load("8gaussians", batch_size=16, seed=0)
    history = gan.fit(batches, steps_per_epoch=3, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name
    assert history.history["penalty"][0] > 0
    variables = gan.critic.variables + gan.generator.variables
    assert variables and all(v.dtype == "float32" for v in variables)
    assert all(np.all(np.isfinite(v.numpy())) for v in variables)


@pytest.mark.parametrize("penalty", ["gp", "lp"])
def test_float16_with_a_gradient_penalty_is_refused(penalty, tmp_path):
    with pytest.raises(ValueError, match="not supported: with a gradient penalty.*loss scaling"):
        training.resolve_mixed_precision("mixed_float16", penalty)
    with pytest.raises(ValueError, match="mixed_float16"):
        training.train(
            "8gaussians",
            penalty=penalty,
            mixed_precision="mixed_float16",
            train_steps=1,
            output_dir=tmp_path,
            export_dir=None,
            verbose=0,
        )


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="mixed_precision must be one of 'auto'"):
        training.resolve_mixed_precision("bfloat16")


def test_auto_precision_follows_the_cpu_flags(tmp_path, monkeypatch):
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    with_bf16 = tmp_path / "cpuinfo_bf16"
    with_bf16.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16\n")
    without = tmp_path / "cpuinfo"
    without.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n")
    assert training.bfloat16_supported(str(with_bf16))
    assert not training.bfloat16_supported(str(without))
    assert not training.bfloat16_supported(str(tmp_path / "missing"))
    monkeypatch.setattr(builder, "bfloat16_supported", lambda: False)
    assert training.resolve_mixed_precision("auto") == "float32"
    monkeypatch.setattr(builder, "bfloat16_supported", lambda: True)
    assert training.resolve_mixed_precision("auto") == "mixed_bfloat16"
    assert training.resolve_mixed_precision("float32") == "float32"


def test_compile_keeps_keras_auto_jit_compile():
    gan = _toy_gan("float32")
    gan.compile()
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert gan.jit_compile is on_gpu  # Keras' "auto": XLA on a GPU, not on CPU


def test_explicit_jit_compile_trains_a_tiny_model():
    gan = _toy_gan("float32")
    gan.compile(jit_compile=True)
    assert gan.jit_compile is True
    batches, _ = data.load("8gaussians", batch_size=16, seed=0)
    history = gan.fit(batches, steps_per_epoch=2, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert int(gan.critic_optimizer.iterations) == 4


def test_critic_dropout_builds_the_mlp_critic_with_dropout_and_trains_ctgan(tmp_path):
    import keras

    result = training.train(
        "8gaussians",
        penalty="ctgan",
        critic_dropout=0.5,
        train_steps=2,
        units=8,
        depth=2,
        batch_size=16,
        output_dir=tmp_path,
        export_dir=None,
        verbose=0,
        monitor_every_epochs=0,
    )
    rates = [
        layer.rate
        for layer in result.model.critic.layers
        if isinstance(layer, keras.layers.Dropout)
    ]
    assert rates == [0.5, 0.5] and result.settings["critic_dropout"] == 0.5
    assert result.model.penalty.name == "ctgan" and result.generator_steps == 2


def test_build_gan_refuses_critic_dropout_for_an_architecture_without_it():
    # The architecture chosen by the data's shape is checked too (dcgan for 28 x 28 images).
    with pytest.raises(
        ValueError, match="critic_dropout=0.2 does not apply to architecture 'dcgan'"
    ):
        training.build_gan((28, 28, 1), critic_dropout=0.2)
    critic = training.build_gan((2,), units=4, depth=1, critic_dropout=0.2).critic
    assert [layer.rate for layer in critic.layers if layer.__class__.__name__ == "Dropout"] == [0.2]


def test_another_penalty_than_the_recipes_takes_its_own_default_weight(tmp_path):
    kwargs = dict(
        train_steps=1, units=8, batch_size=16, export_dir=None, verbose=0, monitor_every_epochs=0
    )
    result = training.train("25gaussians", penalty="wgan_div", output_dir=tmp_path / "a", **kwargs)
    assert result.model.penalty.weight == 2.0  # WGAN-div's k, not the toy recipe's 10
    assert result.settings["penalty_weight"] == 2.0
    given = training.train(
        "25gaussians", penalty="wgan_div", penalty_weight=5.0, output_dir=tmp_path / "b", **kwargs
    )
    assert given.model.penalty.weight == 5.0
    # The recipe's own penalty keeps the recipe's weight.
    own = training.train("25gaussians", penalty="pairwise", output_dir=tmp_path / "c", **kwargs)
    assert own.model.penalty.weight == 10.0


def test_train_takes_a_lipschitz_method_object(tmp_path):
    # The object carries its own options: the settings' defaults of penalty_target,
    # pairwise_interpolates and clip_value are not forced on it, a changed one is refused.
    from keras_wgan import penalties

    kwargs = dict(
        train_steps=1, units=8, batch_size=16, export_dir=None, verbose=0, monitor_every_epochs=0
    )
    method = penalties.GradientPenalty(weight=3.0, target=0.5)
    result = training.train("8gaussians", penalty=method, output_dir=tmp_path / "a", **kwargs)
    assert result.model.penalty.weight == 3.0 and result.model.penalty.target == 0.5
    with pytest.raises(ValueError, match="penalty_target"):
        training.train(
            "8gaussians", penalty=method, penalty_target=2.0, output_dir=tmp_path / "b", **kwargs
        )


@pytest.mark.parametrize("callbacks", ["not a callback", [object()], 3])
def test_callbacks_that_are_not_keras_callbacks_are_refused_first(callbacks, no_data, tmp_path):
    with pytest.raises(
        ValueError, match=r"^callbacks must be a list of keras\.callbacks\.Callback"
    ):
        training.train(
            "8gaussians", callbacks=callbacks, output_dir=tmp_path / "run", export_dir=None
        )
    assert not (tmp_path / "run").exists()


def test_train_gives_fit_the_callers_callbacks_and_a_stop_keeps_the_step_reached(tmp_path):
    import keras

    class StopAtThree(keras.callbacks.Callback):
        """Records what fit() shows it and stops training at generator step 3."""

        def __init__(self):
            super().__init__()
            self.batch_logs = []

        def on_train_batch_end(self, batch, logs=None):
            self.batch_logs.append(dict(logs))
            if self.model.generator_steps == 3:
                self.model.stop_training = True

    stop = StopAtThree()
    kwargs = dict(
        units=8,
        batch_size=16,
        steps_per_epoch=4,
        checkpoint_every_steps=100,
        verbose=0,
        monitor_every_epochs=0,
    )
    result = training.train(
        "8gaussians",
        callbacks=stop,
        train_steps=8,
        output_dir=tmp_path / "run",
        export_dir=tmp_path / "exports",
        **kwargs,
    )
    assert len(stop.batch_logs) == 3 and "critic_loss" in stop.batch_logs[-1]
    assert result.generator_steps == 3
    assert (tmp_path / "run" / "checkpoints" / "ckpt-3.index").exists()
    assert result.export is not None
    # The same call without the callback resumes at the step reached.
    resumed = training.train(
        "8gaussians", train_steps=8, output_dir=tmp_path / "run", export_dir=None, **kwargs
    )
    assert (resumed.initial_step, resumed.generator_steps) == (3, 8)


@pytest.mark.parametrize(
    "examples, train_steps, expected",
    [
        (3655, 20000, 250),  # the emoji folder: 19 steps a pass, 250 an epoch
        (60000, 20000, 312),  # Fashion-MNIST: a pass is longer than the minimum
        (3655, 1000, 100),  # a short run: a tenth of its steps
        (200, 30, 3),
    ],
)
def test_a_default_epoch_over_small_data_is_at_least_the_minimum(examples, train_steps, expected):
    # The epoch's end (checkpoint, pictures, Monitor) cost more than the 19 steps
    # of a pass over 3,655 images: the run spent most of its time there.
    info = types.SimpleNamespace(num_examples=examples)
    s = types.SimpleNamespace(epochs=None, steps_per_epoch=None, train_steps=train_steps)
    assert training._schedule(s, info, fit_batch=192) == (expected, train_steps)
    given = types.SimpleNamespace(epochs=None, steps_per_epoch=7, train_steps=train_steps)
    assert training._schedule(given, info, fit_batch=192) == (7, train_steps)
