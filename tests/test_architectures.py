"""Tests for keras_wgan.architectures: shapes, dtypes and critic rules."""

import re
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import architectures
from keras_wgan.architectures import ARCHITECTURES, build, default_architecture
from keras_wgan.data.labels import check_labels
from keras_wgan.layers import ConditionalBatchNormalization, SampleLayerNormalization

# Tiny widths keep every model fast on a shared CPU.
SMALL = {
    "mlp": {"units": 16, "depth": 2},
    "dcgan": {"filters": 8},
    "kerasio": {},
    "resnet": {"channels": 16},
}
ACCEPTED_SHAPES = {
    "mlp": [(2,), (5,), (3, 4)],
    "dcgan": [(s, s, c) for s in (28, 32, 64) for c in (1, 3)],
    "kerasio": [(28, 28, 1)],
    "resnet": [(32, 32, 1), (32, 32, 3)],
}
CASES = [(name, shape) for name in sorted(ACCEPTED_SHAPES) for shape in ACCEPTED_SHAPES[name]]
ONE_SHAPE = {name: shapes[-1] for name, shapes in ACCEPTED_SHAPES.items()}
IMAGE_ARCHITECTURES = ("dcgan", "kerasio", "resnet")
CONV_AND_DENSE = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def _build(name, shape=None, **options):
    return build(name, shape or ONE_SHAPE[name], **SMALL[name], **options)


def _all_layers(model):
    """Every layer of ``model``, recursing into sub-models and wrappers."""
    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.layers.Wrapper):
            found.append(layer.layer)
        if hasattr(layer, "layers"):
            found.extend(_all_layers(layer))
    return found


def _samples(shape, batch=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (batch, *shape)).astype("float32")


def _top_singular_value(kernel):
    matrix = np.reshape(keras.ops.convert_to_numpy(kernel), (-1, kernel.shape[-1]))
    return np.linalg.svd(matrix, compute_uv=False)[0]


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_registry_lists_every_architecture():
    assert sorted(ARCHITECTURES) == ["dcgan", "kerasio", "mlp", "resnet"]
    assert ARCHITECTURES["resnet"] is architectures.resnet


@pytest.mark.parametrize("name,shape", CASES)
def test_output_shapes_and_dtypes(name, shape):
    generator, critic = _build(name, shape)
    latent_dim = 2 if name == "mlp" else 128
    assert (generator.name, critic.name) == ("generator", "critic")
    assert tuple(generator.input.shape) == (None, latent_dim)
    assert tuple(generator.output.shape) == (None, *shape)
    assert tuple(critic.input.shape) == (None, *shape)
    assert tuple(critic.output.shape) == (None, 1)

    noise = np.random.default_rng(1).normal(size=(3, latent_dim)).astype("float32")
    fake = keras.ops.convert_to_numpy(generator(noise, training=True))
    assert fake.shape == (3, *shape) and fake.dtype == np.float32
    assert np.all(np.isfinite(fake))
    if name in IMAGE_ARCHITECTURES:
        assert fake.min() >= -1.0 and fake.max() <= 1.0
    scores = critic(_samples(shape), training=True)
    assert tuple(scores.shape) == (3, 1)
    assert keras.backend.standardize_dtype(scores.dtype) == "float32"


def test_latent_dim_is_passed_through_build():
    generator, _ = _build("dcgan", latent_dim=7)
    assert tuple(generator.input.shape) == (None, 7)
    generator, _ = _build("mlp", latent_dim=None)
    assert tuple(generator.input.shape) == (None, 2)


def test_mlp_has_the_papers_layout_by_default():
    generator, critic = build("mlp", (2,))
    widths = [l.units for l in generator.layers if isinstance(l, keras.layers.Dense)]
    assert widths == [512, 512, 512, 2]
    widths = [l.units for l in critic.layers if isinstance(l, keras.layers.Dense)]
    assert widths == [512, 512, 512, 1]
    assert generator.layers[-2].activation is keras.activations.linear


def test_kerasio_matches_the_keras_io_example():
    # keras-io examples/generative/wgan_gp.py model summaries:
    # discriminator 4,305,409 params; generator 910,660 params of which
    # 902,082 trainable and 8,578 non-trainable (batch-norm statistics).
    generator, critic = build("kerasio", (28, 28, 1))
    assert critic.count_params() == 4_305_409
    assert generator.count_params() == 910_660
    trainable = sum(int(np.prod(w.shape)) for w in generator.trainable_weights)
    assert trainable == 902_082
    convs = [l for l in critic.layers if isinstance(l, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 128, 256, 512]
    assert all(c.kernel_size == (5, 5) and c.strides == (2, 2) and c.use_bias for c in convs)
    dropouts = [l.rate for l in critic.layers if isinstance(l, keras.layers.Dropout)]
    assert dropouts == pytest.approx([0.3, 0.3, 0.2])
    norms = [l for l in generator.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(norms) == 4  # the example keeps batch norm on the tanh block


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"spectral_norm": True},
        {"critic_norm": "layer"},
        {"spectral_norm": True, "critic_norm": "layer"},
    ],
    ids=["plain", "sn", "ln", "sn+ln"],
)
def test_no_batch_norm_in_any_critic(name, options):
    generator, critic = _build(name, **options)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in _all_layers(critic))
    if name != "mlp":  # sanity check of the walk: image generators do use it
        assert any(isinstance(l, keras.layers.BatchNormalization) for l in _all_layers(generator))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_layer_norm_option(name):
    def norms(model):
        return [
            l
            for l in _all_layers(model)
            if isinstance(l, (SampleLayerNormalization, keras.layers.LayerNormalization))
        ]

    assert not norms(_build(name)[1])
    critic = _build(name, critic_norm="layer")[1]
    found = norms(critic)
    assert found and all(isinstance(l, SampleLayerNormalization) for l in found)
    # WGAN-GP's layer norm: each sample over channels, height and width, eps 1e-5,
    # one scale and offset per channel.
    first = found[0]
    assert first.epsilon == 1e-5
    assert [tuple(w.shape) for w in first.weights] == [first.input.shape[-1:]] * 2
    rng = np.random.default_rng(0)
    first.set_weights([rng.normal(size=w.shape).astype("float32") for w in first.weights])
    probe = keras.Model(critic.input, [first.input, first.output])
    before, after = (keras.ops.convert_to_numpy(t) for t in probe(_samples(ONE_SHAPE[name])))
    axes = tuple(range(1, before.ndim))
    gamma, beta = first.get_weights()
    expected = (before - before.mean(axis=axes, keepdims=True)) / np.sqrt(
        before.var(axis=axes, keepdims=True) + 1e-5
    ) * gamma + beta
    np.testing.assert_allclose(after, expected, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_spectral_norm_wraps_every_layer_and_normalises_kernels(name):
    # Power iteration converges at a rate set by the random kernels' two top
    # singular values: fix them, or the 0.1 tolerance below fails now and then.
    keras.utils.set_random_seed(0)
    _, critic = _build(name, spectral_norm=True)
    wrappers = [l for l in critic.layers if isinstance(l, keras.layers.SpectralNormalization)]
    assert not [l for l in critic.layers if isinstance(l, CONV_AND_DENSE)]
    assert wrappers and all(isinstance(w.layer, CONV_AND_DENSE) for w in wrappers)
    assert isinstance(critic.layers[-1], keras.layers.SpectralNormalization)

    # Blow every kernel up so the check cannot pass by initialisation alone.
    for wrapper in wrappers:
        wrapper.layer.kernel.assign(wrapper.layer.kernel * 5.0)
    assert min(_top_singular_value(w.layer.kernel) for w in wrappers) > 2.0
    x = _samples(ONE_SHAPE[name], batch=2)
    critic(x, training=False)  # inference leaves the kernels alone
    assert min(_top_singular_value(w.layer.kernel) for w in wrappers) > 2.0
    for _ in range(10 if name == "kerasio" else 20):
        critic(x, training=True)
    for wrapper in wrappers:
        assert _top_singular_value(wrapper.layer.kernel) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("spectral_norm", [False, True], ids=["plain", "sn"])
def test_mixed_bfloat16_keeps_float32_outputs(mixed_bfloat16, name, spectral_norm):
    generator, critic = _build(name, spectral_norm=spectral_norm, critic_norm="layer")
    hidden = [l for l in critic.layers if isinstance(l, SampleLayerNormalization)]
    assert hidden[0].compute_dtype == "bfloat16"  # the policy is really on
    scores = critic(_samples(ONE_SHAPE[name], batch=2), training=True)
    assert keras.backend.standardize_dtype(scores.dtype) == "float32"
    noise = np.zeros((2, generator.input.shape[-1]), "float32")
    fake = generator(noise, training=True)
    assert keras.backend.standardize_dtype(fake.dtype) == "float32"


def test_resnet_keras_file_round_trip(tmp_path):
    generator, critic = _build("resnet", (32, 32, 3), spectral_norm=True, critic_norm="layer")
    x = _samples((32, 32, 3))
    critic(x, training=True)  # move the power-iteration state off its initial value
    for model, inputs in ((critic, x), (generator, np.ones((3, 128), "float32"))):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(loaded(inputs, training=False)),
            keras.ops.convert_to_numpy(model(inputs, training=False)),
        )


def test_plain_resnet_critic_round_trip(tmp_path):
    _, critic = _build("resnet", (32, 32, 1))
    critic.save(tmp_path / "critic.keras")
    loaded = keras.models.load_model(tmp_path / "critic.keras")
    x = _samples((32, 32, 1))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(x, training=True)),
        keras.ops.convert_to_numpy(critic(x, training=True)),
    )


def test_unknown_name_is_rejected():
    with pytest.raises(ValueError) as error:
        build("foo", (2,))
    assert str(error.value) == (
        "unknown architecture 'foo': expected one of 'dcgan', 'kerasio', 'mlp', 'resnet'"
    )


@pytest.mark.parametrize(
    "size, widths",
    [
        (28, [32, 16]),  # 7x7x4f -> 14x14x2f -> 28x28xC
        (32, [32, 16, 8]),  # gan_cifar.py: 4x4x4f -> 8x8x2f -> 16x16xf -> 32x32xC
        (64, [64, 32, 16, 8]),  # gan_64x64.py's DCGANGenerator: 4x4x8f -> ... -> 32x32xf
    ],
)
def test_dcgan_generator_widths_follow_the_reference(size, widths):
    generator, critic = build("dcgan", (size, size, 3), filters=8)
    dense = next(l for l in generator.layers if isinstance(l, keras.layers.Dense))
    start = 7 if size == 28 else 4
    assert dense.units == start * start * widths[0]
    deconvs = [l.filters for l in generator.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert deconvs == widths[1:] + [3]
    convs = [l.filters for l in _all_layers(critic) if isinstance(l, keras.layers.Conv2D)]
    assert convs == [8, 16, 32] + ([64] if size == 64 else [])


def test_dcgan_message_names_the_shape():
    with pytest.raises(ValueError) as error:
        build("dcgan", (30, 30, 1))
    assert str(error.value) == (
        "architecture 'dcgan' cannot take sample_shape (30, 30, 1): expected (28|32|64, same, 1|3)"
    )


@pytest.mark.parametrize(
    "name,shape",
    [
        ("dcgan", (32, 28, 1)),
        ("dcgan", (32, 32, 2)),
        ("dcgan", (32, 32)),
        ("dcgan", (2,)),
        ("kerasio", (32, 32, 1)),
        ("kerasio", (28, 28, 3)),
        ("resnet", (64, 64, 3)),
        ("resnet", (28, 28, 1)),
    ],
)
def test_bad_image_shapes_are_rejected(name, shape):
    expected = f"architecture '{name}' cannot take sample_shape {shape}: expected"
    with pytest.raises(ValueError, match=re.escape(expected)):
        build(name, shape)


@pytest.mark.parametrize("shape", [(), (0,), (2, -1), "ab", None, (2.5,)])
def test_malformed_shapes_are_rejected(shape):
    with pytest.raises(ValueError, match=r"sample_shape .*got"):
        build("mlp", shape)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_bad_critic_norm_is_rejected(name):
    with pytest.raises(ValueError, match=r"critic_norm .*'batch'"):
        _build(name, critic_norm="batch")


@pytest.mark.parametrize(
    "name,options,argument",
    [
        ("mlp", {"latent_dim": 0}, "latent_dim"),
        ("mlp", {"units": -3}, "units"),
        ("dcgan", {"filters": 2.5}, "filters"),
        ("resnet", {"channels": True}, "channels"),
    ],
)
def test_bad_sizes_are_rejected(name, options, argument):
    value = next(iter(options.values()))
    with pytest.raises(
        ValueError, match=rf"^{argument} must be an integer >= 1, received {value!r}$"
    ):
        build(name, ONE_SHAPE[name], **options)


def test_default_architecture():
    assert default_architecture((2,)) == "mlp"
    assert default_architecture([784]) == "mlp"
    assert default_architecture((28, 28, 1)) == "dcgan"
    assert default_architecture((64, 64, 3)) == "dcgan"
    with pytest.raises(ValueError, match=r"sample_shape \(28, 28\)"):
        default_architecture((28, 28))


# ------------------------------------------------------------ class-conditional networks

CONDITIONINGS = ("projection", "auxiliary")
DATA = Path(__file__).parent / "data"  # .keras files saved by the code before num_classes


def _tensor(array):
    # A functional model called with a list takes tensors only, not numpy and tensors mixed.
    return keras.ops.convert_to_tensor(array)


def _conditional_inputs(generator, labels, seed=1):
    noise = np.random.default_rng(seed).normal(size=(len(labels), generator.inputs[0].shape[-1]))
    return _tensor(noise.astype("float32")), _tensor(np.asarray(labels, "int32"))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_shapes(name, conditioning):
    shape = ONE_SHAPE[name]
    generator, critic = _build(name, num_classes=3, critic_conditioning=conditioning)
    assert [tuple(i.shape) for i in generator.inputs] == [
        (None, generator.inputs[0].shape[-1]),
        (None,),
    ]
    assert [i.name for i in generator.inputs] == ["noise", "label"]
    assert [i.name for i in critic.inputs] == ["sample", "label"]
    assert keras.backend.standardize_dtype(critic.inputs[1].dtype) == "int32"
    noise, labels = _conditional_inputs(generator, [0, 1, 2, 1])
    fake = generator([noise, labels], training=True)
    assert tuple(fake.shape) == (4, *shape)
    output = critic([fake, labels], training=True)
    if conditioning == "projection":
        assert tuple(output.shape) == (4, 1)
    else:
        scores, logits = output
        assert tuple(scores.shape) == (4, 1) and tuple(logits.shape) == (4, 3)
        assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in _all_layers(critic))


@pytest.mark.parametrize(
    "name,options",
    [
        ("mlp", {"units": 4, "depth": 2, "spectral_norm": True, "critic_norm": "layer"}),
        ("dcgan", {"filters": 2, "latent_dim": 8}),
        ("resnet", {"channels": 2, "latent_dim": 8, "spectral_norm": True}),
    ],
)
def test_num_classes_none_builds_todays_networks_and_old_files_load(name, options):
    shape = {"mlp": (2,), "dcgan": (28, 28, 1), "resnet": (32, 32, 1)}[name]
    built = build(name, shape, num_classes=None, **options)
    for model, old_path in zip(
        built, (f"unconditional_{name}_generator.keras", f"unconditional_{name}_critic.keras")
    ):
        old = keras.models.load_model(DATA / old_path)
        # Layer for layer the same network...
        assert [type(l).__name__ for l in _all_layers(model)] == [
            type(l).__name__ for l in _all_layers(old)
        ]
        assert [tuple(w.shape) for w in model.weights] == [tuple(w.shape) for w in old.weights]
        # ... computing the same function with the old file's weights.
        model.set_weights(old.get_weights())
        x = (
            np.ones((2, model.input.shape[-1]), "float32")
            if model.name == "generator"
            else _samples(shape, batch=2)
        )
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(model(x, training=False)),
            keras.ops.convert_to_numpy(old(x, training=False)),
            rtol=1e-6,
            atol=1e-6,
        )


def test_projection_term_by_hand():
    keras.utils.set_random_seed(0)
    _, critic = build("mlp", (2,), units=3, depth=1, num_classes=2)
    head = next(l for l in critic.layers if isinstance(l, keras.layers.Dense) and l.units == 1)
    embedding = critic.get_layer("class_embedding")
    phi_model = keras.Model(critic.inputs[0], head.input)  # phi(x): the head's features
    x = _samples((2,), batch=4)
    labels = np.array([0, 1, 1, 0], "int32")
    phi = keras.ops.convert_to_numpy(phi_model(x))
    assert phi.shape == (4, 3)
    table = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], "float32")  # embed(y), by hand
    embedding.kernel.assign(table)
    w, b = np.array([[0.5], [0.25], [-1.0]], "float32"), np.array([0.125], "float32")
    head.set_weights([w, b])
    scores = keras.ops.convert_to_numpy(critic([_tensor(x), _tensor(labels)]))
    expected = phi @ w + b + np.sum(table[labels] * phi, axis=1, keepdims=True)
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    # The same sample scores differently under another label, by <E[1] - E[0], phi>.
    swapped = keras.ops.convert_to_numpy(critic([_tensor(x), _tensor(1 - labels)]))
    np.testing.assert_allclose(
        swapped - scores,
        ((table[1 - labels] - table[labels]) * phi).sum(axis=1, keepdims=True),
        rtol=1e-5,
        atol=1e-5,
    )


def test_auxiliary_logits_are_a_dense_layer_on_the_same_features():
    _, critic = build("mlp", (2,), units=3, depth=1, num_classes=4, critic_conditioning="auxiliary")
    logits_layer = critic.get_layer("class_logits")
    x = _samples((2,), batch=3)
    scores, logits = critic([_tensor(x), _tensor(np.array([0, 1, 2], "int32"))])
    phi = keras.ops.convert_to_numpy(keras.Model(critic.inputs[0], logits_layer.input)(x))
    kernel, bias = logits_layer.get_weights()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(logits), phi @ kernel + bias, rtol=1e-5, atol=1e-6
    )
    # The label does not change the auxiliary critic's outputs.
    other = critic([_tensor(x), _tensor(np.array([3, 3, 3], "int32"))])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(other[0]), keras.ops.convert_to_numpy(scores)
    )


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_generator_output_depends_on_the_label(name):
    keras.utils.set_random_seed(0)
    generator, _ = _build(name, num_classes=3)
    conditional_norms = [
        l for l in _all_layers(generator) if isinstance(l, ConditionalBatchNormalization)
    ]
    if name in ("dcgan", "resnet"):
        # Conditioned by batch norm only: every batch norm is conditional...
        assert conditional_norms and not any(
            isinstance(l, keras.layers.BatchNormalization) for l in generator.layers
        )
        # ... and starts as plain batch norm (gamma 1, beta 0); set it as training would.
        rng = np.random.default_rng(0)
        for layer in conditional_norms:
            np.testing.assert_array_equal(layer.gamma.numpy(), 1.0)
            np.testing.assert_array_equal(layer.beta.numpy(), 0.0)
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape).astype("float32"))
            layer.beta.assign(rng.normal(0.0, 0.5, layer.beta.shape).astype("float32"))
    else:
        assert not conditional_norms and generator.get_layer("label_embedding")
    noise, _ = _conditional_inputs(generator, [0, 0, 0])
    same_noise = _tensor(np.repeat(keras.ops.convert_to_numpy(noise)[:1], 3, axis=0))
    fake = keras.ops.convert_to_numpy(
        generator([same_noise, _tensor(np.array([0, 1, 2], "int32"))], training=False)
    )
    again = keras.ops.convert_to_numpy(
        generator([same_noise, _tensor(np.array([0, 0, 2], "int32"))], training=False)
    )
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert np.abs(fake[a] - fake[b]).max() > 1e-4
    np.testing.assert_allclose(again[[0, 2]], fake[[0, 2]], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(again[1], fake[0], rtol=1e-5, atol=1e-6)


def test_a_label_outside_the_classes_is_an_error_on_cpu():
    # Documented in keras_wgan.architectures: the networks do not check labels (on a GPU a
    # lookup out of range reads zeros); the entry points do, with labels.check_labels.
    generator, _ = _build("mlp", num_classes=3)
    noise, _ = _conditional_inputs(generator, [0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not in"):
        generator([noise, _tensor(np.array([3], "int32"))])
    with pytest.raises(
        ValueError,
        match=r"labels holds 1 label >= 3 \(e.g. 3\); expected "
        r"integer class labels in \[0, 3\)",
    ):
        check_labels([0, 3], num_classes=3)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_spectral_norm_covers_the_class_layers(name, conditioning):
    keras.utils.set_random_seed(0)
    _, critic = _build(name, spectral_norm=True, num_classes=3, critic_conditioning=conditioning)
    wrapped = {
        w.layer.name: w for w in critic.layers if isinstance(w, keras.layers.SpectralNormalization)
    }
    class_layer = "class_embedding" if conditioning == "projection" else "class_logits"
    assert class_layer in wrapped
    assert not [l for l in critic.layers if isinstance(l, CONV_AND_DENSE)]  # all wrapped
    kernel = wrapped[class_layer].layer.kernel
    kernel.assign(kernel * 5.0)
    x, labels = _tensor(_samples(ONE_SHAPE[name], batch=2)), _tensor(np.array([0, 2], "int32"))
    for _ in range(20):
        critic([x, labels], training=True)
    assert _top_singular_value(kernel) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("conditioning", CONDITIONINGS)
def test_conditional_critics_keep_float32_outputs_under_mixed_bfloat16(
    mixed_bfloat16, conditioning
):
    for name in ("mlp", "dcgan"):
        _, critic = _build(
            name, num_classes=3, critic_conditioning=conditioning, spectral_norm=True
        )
        output = critic(
            [_tensor(_samples(ONE_SHAPE[name], batch=2)), _tensor(np.array([0, 1], "int32"))],
            training=True,
        )
        for tensor in output if isinstance(output, list) else [output]:
            assert keras.backend.standardize_dtype(tensor.dtype) == "float32"


@pytest.mark.parametrize(
    "name,conditioning", [("resnet", "projection"), ("dcgan", "auxiliary"), ("mlp", "projection")]
)
def test_conditional_keras_file_round_trip(tmp_path, name, conditioning):
    keras.utils.set_random_seed(0)
    generator, critic = _build(
        name, num_classes=3, critic_conditioning=conditioning, spectral_norm=True
    )
    noise, labels = _conditional_inputs(generator, [2, 0, 1])
    fake = generator([noise, labels], training=True)  # move the batch-norm statistics
    critic([fake, labels], training=True)  # and the power iteration
    for model, inputs in ((generator, [noise, labels]), (critic, [fake, labels])):
        model.save(tmp_path / f"{model.name}.keras")
        loaded = keras.models.load_model(tmp_path / f"{model.name}.keras")
        expected, got = model(inputs, training=False), loaded(inputs, training=False)
        for e, g in zip(keras.tree.flatten(expected), keras.tree.flatten(got)):
            np.testing.assert_array_equal(
                keras.ops.convert_to_numpy(g), keras.ops.convert_to_numpy(e)
            )


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"num_classes": 0},
            r"num_classes must be None \(unconditional\) or a positive integer, "
            "got 0",
        ),
        ({"num_classes": 2.0}, "num_classes must be None .*got 2.0"),
        (
            {"num_classes": 3, "critic_conditioning": "concat"},
            "critic_conditioning must be 'projection' or 'auxiliary', got 'concat'",
        ),
    ],
)
def test_bad_conditioning_options_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        _build("mlp", **options)
