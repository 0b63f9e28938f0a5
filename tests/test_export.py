"""Tests for keras_wgan.export: the exported models work without keras_wgan.

Two tiny models are exported once per module and shared: a 2-D `mlp`
(units=16, trained one step, so the metadata counts a generator step) and a
28x28x1 `dcgan` (filters=8, random batch-norm statistics, so that
`training=False` matters). The SavedModels are checked in a fresh isolated
Python process that cannot import keras_wgan, and with `saved_model_cli`;
the TFLite files with the LiteRT interpreter.
"""

import json
import os
import subprocess
import sys
import types
import warnings
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import WassersteinGAN, architectures, export, training
from keras_wgan.evaluation import command as evaluate
from keras_wgan.export import saved_model, tflite

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
MLP_MAX_SAMPLES = 32
# Measured on this dcgan (filters=8, random batch-norm statistics, 64
# samples, 4 random seeds), max |TFLite - SavedModel| over the tanh range
# [-1, 1]: float32 1.8e-7 to 2.7e-7, float16 1.6e-4 to 2.3e-4, dynamic int8
# 3.6e-3 to 5.7e-3. The int8 tolerance leaves a margin of about 3.5.
TFLITE_TOLERANCE = {"float32": 1e-4, "float16": 1e-2, "dynamic_int8": 2e-2}


def _subprocess_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)
    return env


def _run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)


def _randomise_batch_norm(model, rng):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.2, size).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, size).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 1.5, size).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.2, size).astype("float32"))


class _Case:
    """One exported model and the numbers to check it against."""

    def __init__(self, name, gan, result, latent, expected):
        self.name, self.gan, self.result = name, gan, result
        self.latent, self.expected = latent, expected
        self.sample_shape = tuple(gan.generator.output_shape[1:])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Exports the mlp and dcgan models once; {name: _Case}."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    root = tmp_path_factory.mktemp("export")
    data_dir = root / "data"
    data_dir.mkdir()

    generator, critic = architectures.build("mlp", (2,), units=16)
    mlp = WassersteinGAN(generator, critic, critic_steps=1, seed=0)
    mlp.compile()
    mlp.fit(rng.normal(size=(8, 2)).astype("float32"), batch_size=8, epochs=1, verbose=0)

    generator, critic = architectures.build("dcgan", (28, 28, 1), filters=8)
    dcgan = WassersteinGAN(generator, critic, seed=0)
    dcgan.compile()
    _randomise_batch_norm(dcgan.generator, rng)

    cases = {}
    for name, gan, options in [
        (
            "mlp",
            mlp,
            dict(
                max_samples=MLP_MAX_SAMPLES,
                metadata={"dataset": "8gaussians", "architecture": "mlp"},
            ),
        ),
        (
            "dcgan",
            dcgan,
            dict(
                tflite_quantization=("float16", "dynamic_int8"),
                metadata={"dataset": "mnist", "architecture": "dcgan"},
            ),
        ),
    ]:
        result = export.export_generator(gan, root / "exports", model_name=name, **options)
        batch = options.get("max_samples", 64)  # serving_default refuses larger batches
        latent = rng.normal(size=(batch, gan.latent_dim)).astype("float32")
        expected = keras.ops.convert_to_numpy(gan.generator(latent, training=False))
        np.save(data_dir / f"{name}_latent.npy", latent)
        np.save(data_dir / f"{name}_expected.npy", expected)
        cases[name] = _Case(name, gan, result, latent, expected)
    cases["mlp"].data_dir = cases["dcgan"].data_dir = data_dir
    return cases


@pytest.fixture(scope="module")
def loaded(exported):
    """The exported SavedModels loaded in this process: {name: loaded object}."""
    return {
        name: tf.saved_model.load(case.result.saved_model_dir) for name, case in exported.items()
    }


# ------------------------------------------------------------------ layout
def test_layout_and_return_value(exported):
    for name, case in exported.items():
        result = case.result
        assert result.version == 1
        assert result.saved_model_dir == os.path.join(result.model_dir, "1")
        assert os.path.isfile(os.path.join(result.saved_model_dir, "saved_model.pb"))
        assert os.path.isfile(result.metadata_path)
        assert os.path.isfile(result.warmup_path)
        assert result.keras_path == os.path.join(result.model_dir, f"{name}.keras")
        for path in result.tflite_paths.values():
            assert os.path.isfile(path)
        leftovers = [n for n in os.listdir(result.model_dir) if n.startswith(".tmp-")]
        assert leftovers == []
    assert sorted(os.path.basename(p) for p in exported["dcgan"].result.tflite_paths.values()) == [
        "dcgan.dynamic_int8.tflite",
        "dcgan.float16.tflite",
        "dcgan.tflite",
    ]
    assert list(exported["mlp"].result.tflite_paths) == ["float32"]


def test_metadata(exported):
    mlp = json.load(open(exported["mlp"].result.metadata_path))
    dcgan = json.load(open(exported["dcgan"].result.metadata_path))
    assert mlp["latent_dim"] == 2 and mlp["sample_shape"] == [2]
    assert mlp["value_range"] is None  # a linear output: unbounded
    assert mlp["generator_steps"] == 1 and dcgan["generator_steps"] == 0
    assert mlp["max_samples"] == MLP_MAX_SAMPLES and dcgan["max_samples"] == 1024
    assert dcgan["latent_dim"] == 128 and dcgan["sample_shape"] == [28, 28, 1]
    assert dcgan["value_range"] == [-1.0, 1.0]
    assert (dcgan["dataset"], dcgan["architecture"], dcgan["penalty"]) == ("mnist", "dcgan", "gp")
    assert dcgan["keras_wgan_version"] == "0.1.0"
    assert dcgan["version"] == 1 and dcgan["model_name"] == "dcgan"
    assert dcgan["export_time"].endswith("+00:00")
    assert dcgan["signatures"]["serving_default"]["inputs"] == {
        "latent": {"dtype": "float32", "shape": [None, 128]}
    }
    assert dcgan["signatures"]["generate"]["inputs"] == {
        "num_samples": {"dtype": "int32", "shape": []},
        "seed": {"dtype": "int64", "shape": []},
    }
    assert dcgan["signatures"]["generate"]["outputs"]["images"] == {
        "dtype": "uint8",
        "shape": [None, 28, 28, 1],
    }
    assert set(mlp["signatures"]["serving_default"]["outputs"]) == {"samples"}
    assert dcgan["tflite"] == {
        "float32": "dcgan.tflite",
        "float16": "dcgan.float16.tflite",
        "dynamic_int8": "dcgan.dynamic_int8.tflite",
    }
    # The copy beside the TFLite files is the metadata of the same export.
    assert json.load(open(exported["dcgan"].result.side_metadata_path)) == dcgan


def test_warmup_requests(exported):
    from tensorflow_serving.apis import prediction_log_pb2

    result = exported["dcgan"].result
    logs = [
        prediction_log_pb2.PredictionLog.FromString(record.numpy())
        for record in tf.data.TFRecordDataset(result.warmup_path)
    ]
    requests = [log.predict_log.request for log in logs]
    assert [r.model_spec.name for r in requests] == ["dcgan"] * 3
    assert [r.model_spec.signature_name for r in requests] == [
        "serving_default",
        "serving_default",
        "generate",
    ]
    batches = [tf.make_ndarray(r.inputs["latent"]).shape for r in requests[:2]]
    assert batches == [(1, 128), (64, 128)]
    assert tf.make_ndarray(requests[2].inputs["num_samples"]) == 64


# -------------------------------------------------- without the package
# A serving client's Python: TensorFlow, no keras_wgan.
ISOLATED_PRELUDE = r'''
import json, sys


class BlockKerasWgan:
    """A serving client has only TensorFlow: keras_wgan cannot be imported here,
    whether or not it is installed in this environment."""

    def find_spec(self, name, path=None, target=None):
        if name == "keras_wgan" or name.startswith("keras_wgan."):
            raise ImportError(f"{name} is blocked: a serving client does not have it")


sys.meta_path.insert(0, BlockKerasWgan())
try:
    import keras_wgan
except ImportError:
    pass
else:
    sys.exit(f"keras_wgan is importable here: {keras_wgan.__file__}")
import numpy as np
import tensorflow as tf
'''
ISOLATED_CHECK = (
    ISOLATED_PRELUDE
    + r"""
report = {}
for case in json.loads(sys.argv[1]):
    loaded = tf.saved_model.load(case["dir"])
    signatures = {"serving_default", "generate", "generate_truncated"}
    assert set(loaded.signatures) == signatures, list(loaded.signatures)
    shape, latent_dim = tuple(case["sample_shape"]), case["latent_dim"]
    serve = loaded.signatures["serving_default"]
    spec = serve.structured_input_signature[1]["latent"]
    assert spec.shape.as_list() == [None, latent_dim] and spec.dtype == tf.float32, spec
    outputs = {k: (s.shape.as_list(), s.dtype.name) for k, s in serve.structured_outputs.items()}
    wanted = {"samples": ([None, *shape], "float32")}
    if len(shape) == 3:
        wanted["images"] = ([None, *shape], "uint8")
    assert outputs == wanted, outputs

    latent, expected = np.load(case["latent"]), np.load(case["expected"])
    got = serve(latent=tf.constant(latent))
    error = float(np.abs(got["samples"].numpy() - expected).max())
    assert error <= 1e-5, error
    if len(shape) == 3:
        images = got["images"].numpy()
        assert images.dtype == np.uint8 and images.shape == expected.shape
        reference = np.clip(np.round((expected + 1) * 127.5), 0, 255)
        assert np.abs(images.astype(int) - reference).max() <= 1

    generate = loaded.signatures["generate"]
    specs = generate.structured_input_signature[1]
    assert (specs["num_samples"].dtype, specs["seed"].dtype) == (tf.int32, tf.int64)
    run = lambda n, seed: generate(num_samples=tf.constant(n, tf.int32),
                                   seed=tf.constant(seed, tf.int64))
    first, again, other = run(5, 7), run(5, 7), run(5, 8)
    assert first["samples"].shape == (5, *shape), first["samples"].shape
    assert set(first) == set(wanted)
    np.testing.assert_array_equal(first["samples"].numpy(), again["samples"].numpy())
    assert not np.allclose(first["samples"].numpy(), other["samples"].numpy())
    # generate_truncated with truncation 0 (off) is generate; with a threshold, other samples.
    truncated = lambda t: loaded.signatures["generate_truncated"](
        num_samples=tf.constant(5, tf.int32), seed=tf.constant(7, tf.int64),
        truncation=tf.constant(t, tf.float32))["samples"].numpy()
    np.testing.assert_array_equal(truncated(0.0), first["samples"].numpy())
    assert not np.allclose(truncated(0.5), first["samples"].numpy())
    report[case["name"]] = error
assert not any(name.startswith("keras_wgan") for name in sys.modules)
print(json.dumps(report))
"""
)


def test_saved_model_loads_without_keras_wgan(exported, tmp_path):
    script = tmp_path / "check.py"
    script.write_text(ISOLATED_CHECK)
    cases = [
        {
            "name": name,
            "dir": os.path.abspath(case.result.saved_model_dir),
            "sample_shape": list(case.sample_shape),
            "latent_dim": case.gan.latent_dim,
            "latent": str(case.data_dir / f"{name}_latent.npy"),
            "expected": str(case.data_dir / f"{name}_expected.npy"),
        }
        for name, case in exported.items()
    ]
    # -I: isolated mode, neither the script's nor the current directory on
    # sys.path, PYTHON* variables ignored; the cwd is not the repository.
    process = _run(
        [sys.executable, "-I", str(script), json.dumps(cases)], cwd=tmp_path, env=_subprocess_env()
    )
    assert process.returncode == 0, process.stderr[-3000:]
    errors = json.loads(process.stdout.strip().splitlines()[-1])
    assert set(errors) == {"mlp", "dcgan"}


def test_saved_model_cli_show_and_run(exported, tmp_path):
    case = exported["dcgan"]
    show = _run(
        [SAVED_MODEL_CLI, "show", "--all", "--dir", case.result.saved_model_dir],
        env=_subprocess_env(),
    )
    assert show.returncode == 0, show.stderr[-2000:]
    assert "signature_def['serving_default']" in show.stdout
    assert "signature_def['generate']" in show.stdout
    assert "DT_UINT8" in show.stdout and "DT_INT64" in show.stdout

    latent = case.data_dir / "dcgan_latent.npy"
    run = _run(
        [
            SAVED_MODEL_CLI,
            "run",
            "--dir",
            case.result.saved_model_dir,
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--inputs",
            f"latent={latent}",
            "--outdir",
            str(tmp_path / "out"),
        ],
        env=_subprocess_env(),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    samples = np.load(tmp_path / "out" / "samples.npy")
    np.testing.assert_allclose(samples, case.expected, atol=1e-5)
    assert np.load(tmp_path / "out" / "images.npy").dtype == np.uint8


# ------------------------------------------------------------------ TFLite
@pytest.mark.parametrize(
    "name,quantization",
    [("mlp", "float32"), ("dcgan", "float32"), ("dcgan", "float16"), ("dcgan", "dynamic_int8")],
)
def test_tflite_matches_saved_model(exported, loaded, name, quantization):
    from ai_edge_litert.interpreter import Interpreter

    case = exported[name]
    interpreter = Interpreter(model_path=case.result.tflite_paths[quantization])
    assert list(interpreter.get_signature_list()) == ["serving_default"]
    runner = interpreter.get_signature_runner("serving_default")
    got = runner(latent=case.latent)
    want = loaded[name].signatures["serving_default"](latent=tf.constant(case.latent))
    assert got["samples"].dtype == np.float32
    assert got["samples"].shape == (len(case.latent), *case.sample_shape)
    error = np.abs(got["samples"] - want["samples"].numpy()).max()
    assert error <= TFLITE_TOLERANCE[quantization], (quantization, error)
    if name == "dcgan":
        assert got["images"].dtype == np.uint8
        difference = np.abs(got["images"].astype(int) - want["images"].numpy().astype(int))
        assert difference.max() <= max(1, int(np.ceil(TFLITE_TOLERANCE[quantization] * 127.5)))


# --------------------------------------------------------------- refusals
def test_serving_default_refuses_wrong_latent(exported, loaded):
    serve = loaded["dcgan"].signatures["serving_default"]
    message = (
        r"latent must be a \[batch, latent_dim\] float32 tensor with latent_dim=128, "
        r"received shape.*"
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match=message + r"\[2 3\]"):
        serve(latent=tf.zeros((2, 3)))
    # One latent vector without its batch dimension, and a batch of batches.
    with pytest.raises(tf.errors.InvalidArgumentError, match=message + r"\[128\]"):
        serve(latent=tf.zeros((128,)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=message + r"\[2 1 128\]"):
        serve(latent=tf.zeros((2, 1, 128)))
    with pytest.raises((tf.errors.InvalidArgumentError, TypeError, ValueError), match="float"):
        serve(latent=tf.zeros((2, 128), tf.float64))


@pytest.mark.parametrize(
    "name,num_samples,maximum",
    [
        ("dcgan", 0, 1024),
        ("dcgan", 1025, 1024),
        ("mlp", -3, MLP_MAX_SAMPLES),
        ("mlp", MLP_MAX_SAMPLES + 1, MLP_MAX_SAMPLES),
    ],
)
def test_generate_refuses_num_samples_out_of_range(loaded, name, num_samples, maximum):
    generate = loaded[name].signatures["generate"]
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=rf"num_samples must be in \[1, {maximum}\].*received.*"
        rf"\[{num_samples}\]",
    ):
        generate(num_samples=tf.constant(num_samples), seed=tf.constant(1, tf.int64))


@pytest.mark.parametrize("name, maximum", [("mlp", MLP_MAX_SAMPLES), ("dcgan", 1024)])
def test_serving_default_refuses_a_batch_above_max_samples(exported, loaded, name, maximum):
    serve = loaded[name].signatures["serving_default"]
    latent_dim = exported[name].gan.latent_dim
    assert serve(latent=tf.zeros((maximum, latent_dim)))["samples"].shape[0] == maximum
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=rf"latent batch must be at most max_samples={maximum} .*"
        rf"received.*\[{maximum + 1}\]",
    ):
        serve(latent=tf.zeros((maximum + 1, latent_dim)))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_serving_default_refuses_non_finite_latents(loaded, value):
    latent = np.zeros((3, 2), np.float32)
    latent[1, 0] = value
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"latent must hold finite numbers"):
        loaded["mlp"].signatures["serving_default"](latent=tf.constant(latent))


def test_warmup_requests_stay_within_max_samples(exported):
    from tensorflow_serving.apis import prediction_log_pb2

    result = exported["mlp"].result
    requests = [
        prediction_log_pb2.PredictionLog.FromString(record.numpy()).predict_log.request
        for record in tf.data.TFRecordDataset(result.warmup_path)
    ]
    batches = [tf.make_ndarray(r.inputs["latent"]).shape for r in requests[:2]]
    assert batches == [(1, 2), (MLP_MAX_SAMPLES, 2)]
    assert tf.make_ndarray(requests[2].inputs["num_samples"]) == MLP_MAX_SAMPLES


def test_max_samples_is_bounded_by_what_one_request_can_hold(exported, tmp_path):
    # One dcgan 28x28x1 sample costs 4 * 128 latent + 4 * 784 samples + 784 image bytes =
    # 4432 bytes; a protobuf message holds 2**31 - 1 bytes: 484,540 samples at most.
    gan = exported["dcgan"].gan
    assert gan.latent_dim == 128
    with pytest.raises(
        ValueError,
        match=r"max_samples must be an integer in \[1, 484540\] "
        r"\(.*2 GiB.*\), received 484541",
    ):
        export.export_generator(gan, tmp_path, max_samples=484_541)
    with pytest.raises(ValueError, match=r"max_samples must be an integer in \[1, 268435455\]"):
        export.export_generator(gan, tmp_path, max_samples=2_000_000_000)
    assert not os.listdir(tmp_path)  # refused before anything is written


def test_generate_accepts_the_maximum(loaded):
    out = loaded["mlp"].signatures["generate"](
        num_samples=tf.constant(MLP_MAX_SAMPLES), seed=tf.constant(0, tf.int64)
    )
    assert out["samples"].shape == (MLP_MAX_SAMPLES, 2)


# --------------------------------------------------- without serving extras
def test_export_without_serving_api_skips_warmup(exported, tmp_path, monkeypatch, caplog):
    def missing():
        raise ImportError("No module named 'tensorflow_serving'")

    monkeypatch.setattr(saved_model, "serving_apis", missing)
    monkeypatch.setattr(saved_model, "_told_no_serving_api", False, raising=False)
    with caplog.at_level("INFO", logger=export.__name__):
        result = export.export_generator(
            exported["mlp"].gan, tmp_path, tflite=False, save_keras=False
        )
        again = export.export_generator(
            exported["mlp"].gan, tmp_path, tflite=False, save_keras=False
        )
    assert result.warmup_path is None and again.warmup_path is None
    assert not os.path.exists(
        os.path.join(result.saved_model_dir, "assets.extra", export.WARMUP_FILENAME)
    )
    assert os.path.isfile(result.metadata_path)
    # A default install (no serving extra) is told once, in one plain line below WARNING.
    told = [r for r in caplog.records if "tensorflow-serving-api" in r.getMessage()]
    assert [r.levelname for r in told] == ["INFO"]
    assert "\n" not in told[0].getMessage() and "keras-wgan[serving]" in told[0].getMessage()


def test_keras_file_round_trips(exported):
    case = exported["mlp"]
    restored = keras.saving.load_model(case.result.keras_path)
    assert isinstance(restored, WassersteinGAN)
    got = keras.ops.convert_to_numpy(restored.generator(case.latent, training=False))
    np.testing.assert_allclose(got, case.expected, atol=1e-6)
    assert int(restored.generator_optimizer.iterations) == 1


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        (dict(model_name="a/b"), r"model_name .*no path separators.*'a/b'"),
        (dict(model_name=".."), r"model_name .*'\.\.'"),
        (dict(model_name=""), r"model_name .*''"),
        (dict(version=0), r"version must be an integer >= 1 .*received 0"),
        (dict(version=-2), r"version must be an integer >= 1 .*received -2"),
        (dict(version="3"), r"version must be an integer >= 1 .*received '3'"),
        (dict(max_samples=0), r"max_samples must be an integer >= 1 .*received 0"),
        (
            dict(tflite_quantization=("int4",)),
            r"tflite_quantization: unknown quantization 'int4', expected any of float16, "
            r"dynamic_int8",
        ),
        (
            dict(metadata={"latent_dim": 3}),
            r"metadata\['latent_dim'\] \(received 3\) is "
            r"computed by the export",
        ),
        (
            dict(metadata={"value_range": [1, 0]}),
            r"metadata\['value_range'\] must be \[low, high\]",
        ),
        (dict(metadata={"dataset": object()}), r"metadata must be JSON-serialisable"),
    ],
)
def test_invalid_arguments_are_named(exported, tmp_path, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        export.export_generator(exported["mlp"].gan, tmp_path, **kwargs)
    assert not any(n.isdigit() for _, dirs, _ in os.walk(tmp_path) for n in dirs)


def test_rejects_a_model_that_is_not_a_wgan(exported, tmp_path):
    with pytest.raises(
        ValueError, match="model must be a keras_wgan.WassersteinGAN, received Functional"
    ):
        export.export_generator(exported["mlp"].gan.generator, tmp_path)


# --------------------------------------------------------- mixed precision
def test_a_mixed_bfloat16_generator_exports_in_float32(tmp_path):
    import keras

    from keras_wgan import architectures, export

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        generator, _ = architectures.build("dcgan", (28, 28, 1), filters=4)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert any(layer.dtype_policy.compute_dtype == "bfloat16" for layer in generator.layers)
    copy = export.float32_generator(generator)
    assert all(layer.dtype_policy.compute_dtype == "float32" for layer in copy._flatten_layers())
    latent = np.random.default_rng(0).normal(size=(4, 128)).astype("float32")
    # bfloat16 keeps 8 bits of mantissa: the float32 copy agrees to about 1e-2.
    np.testing.assert_allclose(copy(latent), generator(latent), atol=5e-2)


# ------------------------------------------------------ every architecture
# Small sizes of every architecture and sample shape the package offers.
ARCHITECTURES = [
    ("mlp", (2,), dict(units=8, depth=1)),
    ("dcgan", (28, 28, 1), dict(filters=4)),
    ("dcgan", (32, 32, 3), dict(filters=4)),
    ("dcgan", (64, 64, 3), dict(filters=4)),
    ("kerasio", (28, 28, 1), {}),
    ("resnet", (32, 32, 3), dict(channels=8)),
]


@pytest.mark.parametrize("mixed_precision", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize(
    "architecture,sample_shape,sizes",
    ARCHITECTURES,
    ids=[f"{a}-{'x'.join(map(str, s))}" for a, s, _ in ARCHITECTURES],
)
def test_every_architecture_exports_saved_model_and_tflite(
    tmp_path, architecture, sample_shape, sizes, mixed_precision
):
    from ai_edge_litert.interpreter import Interpreter

    gan = training.build_gan(
        sample_shape, architecture=architecture, mixed_precision=mixed_precision, **sizes
    )
    # kerasio and resnet upsample with UpSampling2D, whose shapes the TFLite
    # converter lost; kerasio also asks for the quantized variants.
    quantization = ("float16", "dynamic_int8") if architecture == "kerasio" else ()
    result = export.export_generator(
        gan, tmp_path, model_name="m", save_keras=False, tflite_quantization=quantization
    )
    assert result.tflite_errors == {}
    assert os.path.isfile(os.path.join(result.saved_model_dir, "saved_model.pb"))
    assert list(result.tflite_paths) == ["float32", *quantization]
    latent = np.random.default_rng(0).normal(size=(3, gan.latent_dim)).astype("float32")
    expected = keras.ops.convert_to_numpy(
        export.float32_generator(gan.generator)(latent, training=False)
    )
    for name, path in result.tflite_paths.items():
        runner = Interpreter(model_path=path).get_signature_runner("serving_default")
        got = runner(latent=latent)
        assert got["samples"].shape == (3, *sample_shape)
        tolerance = 1e-4 if name == "float32" else 5e-2
        assert np.abs(got["samples"] - expected).max() <= tolerance, name
        if len(sample_shape) == 3:
            assert got["images"].shape == (3, *sample_shape)


# ---------------------------------------------- a TFLite conversion fails
def test_a_failing_tflite_conversion_keeps_the_saved_model(exported, tmp_path, monkeypatch, caplog):
    gan = exported["mlp"].gan
    earlier = export.export_generator(
        gan, tmp_path, model_name="toy", tflite_quantization="float16"
    )
    convert = tflite.convert

    def failing(function, quantization):
        if quantization == "float16":
            raise RuntimeError("simulated converter failure\nwith details on a second line")
        return convert(function, quantization)

    monkeypatch.setattr(tflite, "convert", failing)
    with caplog.at_level("WARNING", logger=export.__name__):
        result = export.export_generator(
            gan, tmp_path, model_name="toy", tflite_quantization="float16"
        )
    assert result.version == 2
    assert os.path.isfile(os.path.join(result.saved_model_dir, "saved_model.pb"))
    assert result.tflite_errors == {"float16": "RuntimeError: simulated converter failure"}
    assert list(result.tflite_paths) == ["float32"]
    assert os.path.isfile(result.tflite_paths["float32"])
    # The float16 file of the earlier export describes version 1: gone.
    assert not os.path.exists(earlier.tflite_paths["float16"])
    assert os.path.isfile(result.keras_path)
    lines = [r.getMessage() for r in caplog.records if "float16" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0], lines
    assert "simulated converter failure" in lines[0] and "version 2" in lines[0]
    for path in (result.side_metadata_path, result.metadata_path):
        metadata = json.load(open(path))
        assert metadata["tflite"] == {"float32": "toy.tflite"}
        assert metadata["tflite_errors"] == result.tflite_errors
    assert [n for n in os.listdir(result.model_dir) if n.startswith(".tmp-")] == []


def test_every_tflite_conversion_failing_keeps_the_saved_model(exported, tmp_path, monkeypatch):
    def failing(function, quantization):
        raise ValueError("cannot convert")

    monkeypatch.setattr(tflite, "convert", failing)
    result = export.export_generator(exported["mlp"].gan, tmp_path, model_name="toy")
    assert result.tflite_paths == {}
    assert result.tflite_errors == {"float32": "ValueError: cannot convert"}
    assert tf.saved_model.load(result.saved_model_dir).signatures["serving_default"]


# --------------------------------------------------- corrupt .keras files
def _truncated_keras(gan, path):
    gan.save(path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_a_corrupt_keras_file_is_named_not_missing(exported, tmp_path, kind):
    path = tmp_path / "model.keras"
    if kind == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    else:
        _truncated_keras(exported["mlp"].gan, path)
    with pytest.raises(ValueError) as raised:
        export.export_checkpoint(path, tmp_path / "exports")
    message = str(raised.value)
    assert message.startswith(f"checkpoint {str(path)!r} is not a valid .keras file"), message
    assert "not found" not in message.lower()
    assert not os.path.exists(tmp_path / "exports")


def _rewrite_config(source, destination, edit):
    """Copies a .keras zip, passing its config.json through `edit`."""
    with zipfile.ZipFile(source) as read, zipfile.ZipFile(destination, "w") as write:
        for item in read.infolist():
            content = read.read(item.filename)
            if item.filename == "config.json":
                content = json.dumps(edit(json.loads(content))).encode()
            write.writestr(item, content)


@pytest.fixture(scope="module")
def malicious_keras_files(tmp_path_factory):
    """{kind: path} of .keras files that would run code if loaded unsafely."""
    root = tmp_path_factory.mktemp("malicious")
    marker = root / "pwned"
    generator, critic = architectures.build("mlp", (2,), units=4, depth=1)
    files = {}

    noise = keras.Input((2,))
    hidden = keras.layers.Lambda(lambda x: x * 2.0)(noise)
    files["lambda_layer"] = root / "lambda_layer.keras"
    files["lambda_penalty"] = root / "lambda_penalty.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that a lambda is unsafe to load
        WassersteinGAN(keras.Model(noise, generator(hidden)), critic).save(files["lambda_layer"])
        WassersteinGAN(generator, critic, penalty=lambda **kwargs: 0.0).save(
            files["lambda_penalty"]
        )

    honest = root / "honest.keras"
    WassersteinGAN(generator, critic).save(honest)

    def os_system(config):
        config["config"]["penalty"] = {
            "module": "os",
            "class_name": "function",
            "config": "system",
            "registered_name": "system",
        }
        config["config"]["generator"] = {
            "module": "os",
            "class_name": "system",
            "config": {"command": f"touch {marker}"},
            "registered_name": None,
        }
        return config

    files["os_system"] = root / "os_system.keras"
    _rewrite_config(honest, files["os_system"], os_system)
    return files, marker


@pytest.mark.parametrize("kind", ["lambda_layer", "lambda_penalty", "os_system"])
def test_malicious_keras_files_are_refused(malicious_keras_files, tmp_path, kind):
    files, marker = malicious_keras_files
    with pytest.raises(ValueError, match=r"checkpoint '.*' cannot be loaded"):
        export.export_checkpoint(files[kind], tmp_path / "exports")
    assert not os.path.exists(tmp_path / "exports")
    with pytest.raises(ValueError, match=r"--checkpoint .* cannot be loaded"):
        evaluate.load_generator(checkpoint=files[kind])
    assert not marker.exists()


# ------------------------------------------------------- class-conditional
NUM_CLASSES = 3
# The mlp's classes for label -1: class 2 is never drawn.
MLP_FREQUENCIES = [2, 2, 0]


def _conditional_gan(generator, critic, num_classes):
    """A WassersteinGAN of conditional networks (uniform class frequencies)."""
    return WassersteinGAN(generator, critic, num_classes=num_classes, seed=0)


@pytest.fixture(scope="module")
def conditional_exported(tmp_path_factory):
    """Exports a conditional mlp and dcgan (3 classes) once; {name: _Case} with .labels."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    root = tmp_path_factory.mktemp("conditional")
    cases = {}
    for name, arch, shape, sizes, options in [
        (
            "cmlp",
            "mlp",
            (2,),
            dict(units=16),
            dict(
                max_samples=MLP_MAX_SAMPLES,
                metadata={
                    "class_names": ["left", "right", "up"],
                    "class_frequencies": MLP_FREQUENCIES,
                },
            ),
        ),
        (
            "cdcgan",
            "dcgan",
            (28, 28, 1),
            dict(filters=4),
            dict(tflite_quantization=("float16", "dynamic_int8")),
        ),
    ]:
        generator, critic = architectures.build(arch, shape, num_classes=NUM_CLASSES, **sizes)
        gan = _conditional_gan(generator, critic, NUM_CLASSES)
        gan.compile()
        for layer in generator.layers:  # so that the classes give different samples
            if hasattr(layer, "beta") and len(layer.beta.shape) == 2:
                layer.beta.assign(rng.normal(0, 0.5, layer.beta.shape).astype("float32"))
        result = export.export_generator(gan, root / "exports", model_name=name, **options)
        latent = rng.normal(size=(12, gan.latent_dim)).astype("float32")
        labels = np.arange(12, dtype=np.int32) % NUM_CLASSES
        expected = keras.ops.convert_to_numpy(
            generator(
                [keras.ops.convert_to_tensor(latent), keras.ops.convert_to_tensor(labels)],
                training=False,
            )
        )
        for what, array in (("latent", latent), ("labels", labels), ("expected", expected)):
            np.save(root / f"{name}_{what}.npy", array)
        case = _Case(name, gan, result, latent, expected)
        case.labels, case.data_dir = labels, root
        cases[name] = case
    return cases


def test_conditional_metadata_lists_the_classes(conditional_exported, exported):
    mlp = json.load(open(conditional_exported["cmlp"].result.metadata_path))
    dcgan = json.load(open(conditional_exported["cdcgan"].result.metadata_path))
    assert mlp["num_classes"] == dcgan["num_classes"] == NUM_CLASSES
    assert mlp["class_names"] == ["left", "right", "up"]
    assert dcgan["class_names"] == ["0", "1", "2"]  # none given
    assert mlp["class_frequencies"] == [0.5, 0.5, 0.0]  # the metadata's
    assert dcgan["class_frequencies"] == pytest.approx([1 / 3] * 3)  # the model's: uniform
    assert dcgan["signatures"]["serving_default"]["inputs"] == {
        "latent": {"dtype": "float32", "shape": [None, 128]},
        "label": {"dtype": "int32", "shape": [None]},
    }
    assert dcgan["signatures"]["generate"]["inputs"] == {
        "num_samples": {"dtype": "int32", "shape": []},
        "seed": {"dtype": "int64", "shape": []},
        "label": {"dtype": "int32", "shape": []},
    }
    assert dcgan["signatures"]["generate"]["outputs"]["labels"] == {
        "dtype": "int32",
        "shape": [None],
    }
    assert set(dcgan["tflite"]) == {"float32", "float16", "dynamic_int8"}
    unconditional = json.load(open(exported["dcgan"].result.metadata_path))
    assert (unconditional["num_classes"], unconditional["class_names"]) == (None, None)


def test_conditional_warmup_requests_carry_the_label(conditional_exported):
    from tensorflow_serving.apis import prediction_log_pb2

    result = conditional_exported["cdcgan"].result
    requests = [
        prediction_log_pb2.PredictionLog.FromString(record.numpy()).predict_log.request
        for record in tf.data.TFRecordDataset(result.warmup_path)
    ]
    assert [r.model_spec.signature_name for r in requests] == [
        "serving_default",
        "serving_default",
        "generate",
    ]
    for request, batch_size in zip(requests[:2], export.WARMUP_BATCH_SIZES, strict=True):
        label = tf.make_ndarray(request.inputs["label"])
        assert label.dtype == np.int32 and label.shape == (batch_size,)
        assert label.min() >= 0 and label.max() < NUM_CLASSES
        assert tf.make_ndarray(request.inputs["latent"]).shape == (batch_size, 128)
    assert tf.make_ndarray(requests[2].inputs["label"]) == -1
    # TF Serving replays them at load: every request must run.
    loaded = tf.saved_model.load(result.saved_model_dir)
    for request in requests:
        inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
        loaded.signatures[request.model_spec.signature_name](**inputs)


CONDITIONAL_ISOLATED_CHECK = (
    ISOLATED_PRELUDE
    + r"""
report = {}
for case in json.loads(sys.argv[1]):
    loaded = tf.saved_model.load(case["dir"])
    classes, latent_dim = case["num_classes"], case["latent_dim"]
    serve, generate = loaded.signatures["serving_default"], loaded.signatures["generate"]
    specs = serve.structured_input_signature[1]
    assert set(specs) == {"latent", "label"}, specs
    assert specs["label"].dtype == tf.int32 and specs["label"].shape.as_list() == [None]
    specs = generate.structured_input_signature[1]
    assert set(specs) == {"num_samples", "seed", "label"}, specs
    assert specs["label"].dtype == tf.int32 and specs["label"].shape.as_list() == []

    # The round trip: the same latent and labels give the Keras generator's samples.
    latent, labels = np.load(case["latent"]), np.load(case["labels"])
    expected = np.load(case["expected"])
    serve_np = lambda z, y: serve(latent=tf.constant(z, tf.float32),
                                  label=tf.constant(y, tf.int32))["samples"].numpy()
    error = float(np.abs(serve_np(latent, labels) - expected).max())
    assert error <= 1e-5, error
    other = serve_np(latent, (labels + 1) % classes)
    differs = np.abs(other - expected).reshape(len(labels), -1).max(axis=1)
    assert (differs > 1e-4).all(), differs

    # generate with a label: the latent vectors of the seed's stream 0.
    run = lambda n, seed, label: generate(num_samples=tf.constant(n, tf.int32),
                                          seed=tf.constant(seed, tf.int64),
                                          label=tf.constant(label, tf.int32))
    z = tf.random.stateless_normal([6, latent_dim], seed=[7, 0], alg="philox").numpy()
    fixed = run(6, 7, 1)
    np.testing.assert_array_equal(fixed["labels"].numpy(), [1] * 6)
    np.testing.assert_allclose(fixed["samples"].numpy(), serve_np(z, [1] * 6), atol=1e-5)
    # -1: random classes, reproducible from the seed, drawn like the frequencies.
    drawn, again = run(32, 7, -1), run(32, 7, -1)
    y = drawn["labels"].numpy()
    np.testing.assert_array_equal(y, again["labels"].numpy())
    np.testing.assert_array_equal(drawn["samples"].numpy(), again["samples"].numpy())
    z32 = tf.random.stateless_normal([32, latent_dim], seed=[7, 0], alg="philox").numpy()
    np.testing.assert_allclose(drawn["samples"].numpy(), serve_np(z32, y), atol=1e-5)
    assert y.min() >= 0 and y.max() < classes and len(set(y.tolist())) > 1, y
    assert not set(y.tolist()) & set(case["never_drawn"]), y

    # Bad labels are refused in the graph, with a message naming label.
    refused = {}
    bad_calls = {
        "too_big": lambda: serve_np(latent[:2], [0, classes]),
        "negative": lambda: serve_np(latent[:2], [-1, 0]),
        "short_batch": lambda: serve_np(latent[:3], [0, 1]),
        "long_batch": lambda: serve_np(latent[:1], [0, 1]),
        "rank_2": lambda: serve_np(latent[:2], [[0], [1]]),
        "generate_too_big": lambda: run(4, 0, classes),
        "generate_below_minus_1": lambda: run(4, 0, -2),
    }
    for what, call in bad_calls.items():
        try:
            call()
        except tf.errors.InvalidArgumentError as error:
            refused[what] = error.message
        else:
            sys.exit(f"{case['dir']}: label {what} was not refused")
    report[case["name"]] = refused
assert not any(name.startswith("keras_wgan") for name in sys.modules)
print(json.dumps(report))
"""
)


def test_conditional_saved_model_without_keras_wgan(conditional_exported, tmp_path):
    script = tmp_path / "check.py"
    script.write_text(CONDITIONAL_ISOLATED_CHECK)
    cases = [
        {
            "name": name,
            "dir": os.path.abspath(case.result.saved_model_dir),
            "latent_dim": case.gan.latent_dim,
            "num_classes": NUM_CLASSES,
            "never_drawn": [2] if name == "cmlp" else [],
            **{
                what: str(case.data_dir / f"{name}_{what}.npy")
                for what in ("latent", "labels", "expected")
            },
        }
        for name, case in conditional_exported.items()
    ]
    process = _run(
        [sys.executable, "-I", str(script), json.dumps(cases)], cwd=tmp_path, env=_subprocess_env()
    )
    assert process.returncode == 0, process.stderr[-3000:]
    report = json.loads(process.stdout.strip().splitlines()[-1])
    assert set(report) == {"cmlp", "cdcgan"}
    for messages in report.values():
        for what in ("too_big", "negative"):
            assert "label must hold class labels in [0, 3) (num_classes=3)" in messages[what]
        for what in ("short_batch", "long_batch", "rank_2"):
            assert (
                "label must be an int32 tensor [batch] holding one class label per "
                "latent vector" in messages[what]
            ), messages[what]
        for what in ("generate_too_big", "generate_below_minus_1"):
            assert (
                "label must be -1 (classes drawn at random) or a class in [0, 3)" in messages[what]
            ), messages[what]


def _tflite_runner(path):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path)).get_signature_runner("serving_default")


@pytest.mark.parametrize("name", ["cmlp", "cdcgan"])
def test_conditional_tflite_takes_the_label_and_refuses_bad_ones(conditional_exported, name):
    case = conditional_exported[name]
    assert case.result.tflite_errors == {}
    for quantization, path in case.result.tflite_paths.items():
        details = _tflite_runner(path).get_input_details()
        assert set(details) == {"latent", "label"}
        assert details["label"]["dtype"] == np.int32
        got = _tflite_runner(path)(latent=case.latent, label=case.labels)["samples"]
        error = np.abs(got - case.expected).max()
        assert error <= TFLITE_TOLERANCE[quantization], (quantization, error)
        # The converter drops tf.debugging.Assert: the label guard refuses
        # these in the TFLite graph itself (a fresh interpreter for each).
        for labels in ([0, NUM_CLASSES], [-1, 0], [0, 1, 2]):
            with pytest.raises(RuntimeError):
                _tflite_runner(path)(latent=case.latent[:2], label=np.array(labels, np.int32))


def test_the_classes_come_from_the_model():
    from keras_wgan.export import metadata

    assert metadata.conditioning(types.SimpleNamespace(num_classes=None), {}) == {
        "num_classes": None,
        "class_names": None,
        "class_frequencies": None,
    }
    assert metadata.conditioning(types.SimpleNamespace(num_classes=4), {}) == {
        "num_classes": 4,
        "class_names": ["0", "1", "2", "3"],
        "class_frequencies": None,
    }
    model = types.SimpleNamespace(
        num_classes=4, class_names=list("abcd"), class_frequencies=[1, 1, 1, 5]
    )
    assert metadata.conditioning(model, {}) == {
        "num_classes": 4,
        "class_names": list("abcd"),
        "class_frequencies": [0.125, 0.125, 0.125, 0.625],
    }
    with pytest.raises(
        ValueError,
        match=r"model.num_classes must be None \(unconditional\) or "
        r"a positive integer",
    ):
        metadata.conditioning(types.SimpleNamespace(num_classes=0), {})


@pytest.mark.parametrize(
    "name,metadata,pattern",
    [
        (
            "cmlp",
            {"class_names": ["a", "b"]},
            r"class_names must be 3 strings \(num_classes=3\), received \['a', 'b'\]",
        ),
        ("cmlp", {"class_names": [1, 2, 3]}, r"class_names must be 3 strings"),
        (
            "cmlp",
            {"class_frequencies": [1, -1, 1]},
            r"class_frequencies must be 3 finite non-negative numbers .*received \[1, -1, 1\]",
        ),
        ("cmlp", {"class_frequencies": [0, 0, 0]}, r"class_frequencies must be 3 .*positive sum"),
        ("cmlp", {"class_frequencies": [1, 1]}, r"class_frequencies must be 3"),
        ("cmlp", {"num_classes": 3}, r"metadata\['num_classes'\] \(received 3\) is computed"),
        (
            "mlp",
            {"class_names": ["a"]},
            r"metadata\['class_names'\] \(received \['a'\]\) is for a class-conditional generator",
        ),
    ],
)
def test_invalid_class_metadata_is_named(
    conditional_exported, exported, tmp_path, name, metadata, pattern
):
    gan = (conditional_exported.get(name) or exported.get(name)).gan
    with pytest.raises(ValueError, match=pattern):
        export.export_generator(gan, tmp_path, metadata=metadata)
    assert not any(n.isdigit() for _, dirs, _ in os.walk(tmp_path) for n in dirs)


@pytest.mark.parametrize(
    "architecture,sample_shape,sizes",
    ARCHITECTURES,
    ids=[f"{a}-{'x'.join(map(str, s))}" for a, s, _ in ARCHITECTURES],
)
def test_every_conditional_architecture_exports_tflite_with_labels(
    tmp_path, architecture, sample_shape, sizes
):
    generator, critic = architectures.build(architecture, sample_shape, num_classes=4, **sizes)
    gan = _conditional_gan(generator, critic, 4)
    result = export.export_generator(gan, tmp_path, model_name="m", save_keras=False)
    assert result.tflite_errors == {} and list(result.tflite_paths) == ["float32"]
    latent = np.random.default_rng(0).normal(size=(4, gan.latent_dim)).astype("float32")
    labels = np.array([3, 0, 2, 1], np.int32)
    expected = keras.ops.convert_to_numpy(
        generator(
            [keras.ops.convert_to_tensor(latent), keras.ops.convert_to_tensor(labels)],
            training=False,
        )
    )
    got = _tflite_runner(result.tflite_paths["float32"])(latent=latent, label=labels)
    assert np.abs(got["samples"] - expected).max() <= 1e-4
    with pytest.raises(RuntimeError):
        _tflite_runner(result.tflite_paths["float32"])(latent=latent, label=labels - 1)
