"""keras_wgan.settings: each training setting declared once, checked once, documented once."""

import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from keras_wgan import architectures, penalties, recipes, settings, validation
from keras_wgan.settings import TrainSettings

ROOT = Path(__file__).resolve().parents[1]


def _docs_table():
    """The rows of the flag table of the command-line guide: {flag: default}."""
    text = (ROOT / "docs" / "guides" / "command-line.md").read_text()
    section = text.split("## The command line flags", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `--(\w+)` \| (?:`([^`]*)`)? \|", line)
        if match:
            rows[match.group(1)] = match.group(2) or ""
    return section, rows


def test_the_documented_flag_table_is_the_generated_one():
    section, rows = _docs_table()
    assert set(rows) == set(settings.names())  # every field a row, every row a field
    for field in dataclasses.fields(TrainSettings):
        assert rows[field.name] == settings.flag_default_text(field.default), field.name
    assert settings.markdown_table() in section  # regenerate: python -m keras_wgan.settings


def test_the_docstrings_list_every_setting_with_its_default_and_help():
    from keras_wgan import training

    for doc in (TrainSettings.__doc__, training.train.__doc__):
        flat = " ".join(doc.split())
        for field in dataclasses.fields(TrainSettings):
            assert (
                f"{field.name} (default {field.default!r}): "
                f"{' '.join(field.metadata['help'].split())}"
            ) in flat, field.name


def test_defaults_are_valid_and_need_no_tensorflow():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from keras_wgan.settings import TrainSettings; "
            "from keras_wgan import recipes; TrainSettings(); "
            "TrainSettings(architecture='mlp', units=8, penalty='pairwise', "
            "pairwise_interpolates=True); recipes.recipe('x', architecture='resnet'); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_registered_methods_and_architectures_bring_their_settings():
    fields = {field.name: field for field in dataclasses.fields(TrainSettings)}
    for option in (*penalties.setting_options(), *architectures.setting_options()):
        assert fields[option.name].metadata["option"] is option, option.name
        assert fields[option.name].default == option.default
    assert [field.metadata["option"] for field in fields.values()] == list(settings.OPTIONS)
    assert {"pairwise_interpolates", "clip_value", "units", "channels"} <= set(fields)


def test_one_default_for_verbose_in_python_and_on_the_command_line():
    from absl import flags

    from keras_wgan.cli import train

    values = flags.FlagValues()
    train.define_flags(values)
    assert TrainSettings().verbose == values["verbose"].default == 2


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"batch_size": 0}, "batch_size must be an integer >= 1, received 0"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1, received 2.5"),
        ({"units": True}, "units must be an integer >= 1, received True"),
        (
            {"critic_learning_rate": math.nan},
            "critic_learning_rate must be a finite number > 0, received nan",
        ),
        ({"beta_1": 1.0}, "beta_1 must be a number in [0, 1), received 1.0"),
        ({"ema_decay": 1.0}, "ema_decay must be a number in [0, 1), received 1.0"),
        ({"optimizer": "sgd"}, "optimizer must be 'adam' or 'rmsprop', received 'sgd'"),
        (
            {"strategy": "x"},
            "strategy must be one of 'default', 'mirrored', 'multi_worker', 'tpu', received 'x'",
        ),
        ({"verbose": 3}, "verbose must be one of 0, 1, 2, received 3"),
        (
            {"checkpoint_every_steps": 0},
            "checkpoint_every_steps must be None or an integer >= 1 "
            "(None: at epoch ends only), received 0",
        ),
        (
            {"monitor_every_epochs": -1},
            "monitor_every_epochs must be an integer >= 0 (0: no monitoring), received -1",
        ),
        ({"mixed_precision": "mixed_float16"}, "mixed_precision='mixed_float16' is not supported"),
        ({"critic_dropout": 1.0}, "critic_dropout must be a number in [0, 1), received 1.0"),
        (
            {"critic_dropout": 0.5, "architecture": "dcgan"},
            "critic_dropout=0.5 does not apply to architecture 'dcgan' (its options: filters); "
            "expected 0.0, or architecture 'mlp'",
        ),
        (
            {"critic_dropout": 0.3, "architecture": "kerasio"},
            "critic_dropout=0.3 does not apply to architecture 'kerasio' (its options: none); "
            "expected 0.0, or architecture 'mlp'",
        ),
        (
            {"units": 8, "architecture": "resnet"},
            "units=8 does not apply to architecture 'resnet' (its options: channels); "
            "expected None, or architecture 'mlp'",
        ),
        (
            {"penalty": "gpp"},
            "penalty must be one of 'clip', 'ctgan', 'gp', 'gp0', 'lp', 'none', "
            "'pairwise', 'r1', 'wgan_div', received 'gpp'",
        ),
    ],
)
def test_a_bad_value_is_refused_in_the_one_message_format(overrides, message):
    with pytest.raises(ValueError) as error:
        TrainSettings(**overrides)
    assert str(error.value).startswith(message), str(error.value)


def test_values_are_normalised_and_replace_checks_again():
    s = TrainSettings(
        dataset=Path("a.npz"),
        jit_compile="TRUE",
        export_dir="",
        tflite_quantization="float16,float16",
    )
    assert (s.dataset, s.jit_compile, s.export_dir, s.tflite_quantization) == (
        "a.npz",
        True,
        None,
        ("float16",),
    )
    with pytest.raises(ValueError, match="^seed must be an integer >= 0"):
        dataclasses.replace(s, seed=-1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.seed = 1


def test_make_takes_a_dataset_a_settings_object_or_keywords_and_names_a_typo():
    assert settings.make("mnist", {"seed": 3}) == TrainSettings(dataset="mnist", seed=3)
    base = TrainSettings(train_steps=5)
    assert settings.make(base, {"seed": 1}) == TrainSettings(train_steps=5, seed=1)
    with pytest.raises(
        TypeError,
        match=r"unexpected keyword argument\(s\) 'train_step' "
        r"\(did you mean 'train_steps'\?\)",
    ):
        settings.make(None, {"train_step": 3})
    with pytest.raises(TypeError, match="dataset twice"):
        settings.make("mnist", {"dataset": "cifar10"})


def test_train_refuses_an_unknown_keyword_before_anything_runs(tmp_path):
    from keras_wgan import training

    with pytest.raises(
        TypeError,
        match=r"^train\(\) got unexpected keyword argument\(s\) "
        r"'bach_size' \(did you mean 'batch_size'\?\)",
    ):
        training.train("8gaussians", bach_size=8, output_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_every_recipe_is_a_partial_configuration():
    declared = [
        entry["recipe"]
        for entry in (*architectures.declared().values(), *penalties.declared().values())
        if entry["recipe"]
    ]
    assert len(declared) == 2  # resnet's and weight clipping's
    for config in [
        *recipes.TOY_RECIPES.values(),
        *recipes.IMAGE_RECIPES.values(),
        recipes.DEFAULT_RECIPE,
        recipes.DEFAULT_IMAGE_RECIPE,
        *declared,
    ]:
        fields = {name: value for name, value in config.items() if name != "tuned"}
        TrainSettings(**fields)  # every key a setting, every value valid
    with pytest.raises(
        ValueError, match="recipe x has keys that are no setting of TrainSettings: batchsize"
    ):
        settings.check_partial({"batchsize": 8}, "recipe x", extra=("tuned",))
    with pytest.raises(
        ValueError,
        match=r"^recipe y: units=8 does not apply to architecture "
        "'dcgan'",
    ):
        settings.check_partial(
            {"architecture": "dcgan", "units": 8, "tuned": True}, "recipe y", extra=("tuned",)
        )


def test_validators_share_one_format():
    for check, args in [
        (validation.integer, ("n", 0, 1)),
        (validation.number, ("x", -1, 0)),
        (validation.choice, ("c", "z", ("a", "b"))),
        (validation.beta, ("b", 2)),
    ]:
        with pytest.raises(ValueError, match=r"^\w+ must be .+, received .+$"):
            check(*args)
