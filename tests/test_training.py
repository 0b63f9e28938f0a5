"""training.train()'s argument checks: every bad setting is refused before the data is opened."""

import math

import pytest

from keras_wgan import training


@pytest.fixture
def no_data(monkeypatch):
    """Makes opening any data a test failure: the checks must come first."""
    def load(*args, **kwargs):
        raise AssertionError("data.load was called before the settings were checked")

    monkeypatch.setattr(training.data, "load", load)


@pytest.mark.parametrize("settings, message", [
    # Export settings, which used to be checked only after training.
    ({"tflite_quantization": ["bogus"]}, "tflite_quantization: unknown quantization 'bogus'"),
    ({"tflite_quantization": "float16,bogus"}, "unknown quantization 'bogus'"),
    ({"model_name": "a/b"}, "model_name must be a plain name"),
    ({"model_name": ""}, "model_name must be a plain name"),
    # Values that can only produce NaN.
    ({"critic_learning_rate": math.nan}, "critic_learning_rate must be a finite number > 0"),
    ({"generator_learning_rate": math.inf}, "generator_learning_rate must be a finite number > 0"),
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
    ({"architecture": "foo", "units": 8},
     "architecture must be one of 'dcgan', 'kerasio', 'mlp', 'resnet', received 'foo'"),
    ({"units": 8, "architecture": "dcgan"}, "units=8 does not apply to architecture 'dcgan'"),
    ({"units": 0}, "units must be an integer >= 1, received 0"),
    ({"latent_dim": -2}, "latent_dim must be an integer >= 1, received -2"),
    ({"penalty": "foo"}, "penalty must be one of 'gp', 'lp', 'pairwise', 'clip', 'none', "
                        "received 'foo'"),
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
])
def test_bad_settings_are_refused_before_the_data_is_opened(settings, message, no_data, tmp_path):
    with pytest.raises(ValueError) as error:
        training.train("8gaussians", output_dir=tmp_path / "run", export_dir=tmp_path / "exports",
                       **settings)
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
    with pytest.raises(ValueError, match="architecture must be one of 'dcgan', 'kerasio', 'mlp', "
                                         "'resnet', received 'foo'"):
        training.build_gan((2,), architecture="foo", units=8)


@pytest.mark.parametrize("dataset", [".hidden.npz", "data/_x.npz", "-", "__"])
def test_derived_model_names_are_valid_export_names(dataset):
    from keras_wgan import export

    export._check_model_name(training._model_name(dataset))
