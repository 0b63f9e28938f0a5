"""The conformance checks every registered Lipschitz method and architecture passes.

`run_lipschitz_method_test(name)` and `run_architecture_test(name)` hold what
the package expects of any registered thing: that what the registry reads
without TensorFlow (its declarations) is what the imported class holds, that
its constructor and its declared options agree, that it works on a
conditional critic, that it survives serialization, and, for a network, its
shapes. `test_conformance.py` runs them over the registries, so a new method
or architecture is checked by these without adding a test; its own test pins
it to numbers known independently.
"""

import inspect

import keras
import numpy as np
import tensorflow as tf

from keras_wgan import architectures, penalties
from keras_wgan.model import WassersteinGAN

# Sample shapes tried, in order, to find one an architecture takes.
CANDIDATE_SHAPES = ((2,), (28, 28, 1), (32, 32, 3), (64, 64, 3))
NUM_CLASSES = 3
BATCH = 4


def _registered_name(cls):
    return keras.saving.get_registered_name(cls)


def _declaration(options):
    """Options as comparable data: their checks are functions, made anew by each reading."""
    return {
        keyword: (
            option.name,
            option.default,
            option.help,
            option.choices,
            option.type,
            option.check is None,
        )
        for keyword, option in options.items()
    }


def _other_value(option):
    """A valid setting value other than the option's default."""
    if option.type is bool:
        return not option.default
    if option.type is float:
        return 0.5 if option.default in (None, 0.0) else option.default * 0.5
    return 4  # an integer size


# ------------------------------------------------------------ Lipschitz methods
def dropout_critic(num_classes=None, critic_conditioning="projection"):
    """A small mlp critic with dropout (every method, CT-GAN's included, takes it)."""
    return architectures.build(
        "mlp",
        (2,),
        units=8,
        depth=2,
        dropout=0.5,
        num_classes=num_classes,
        critic_conditioning=critic_conditioning,
    )[1]


def run_lipschitz_method_test(name):
    """Checks the registered method `name` against what the package expects of every method."""
    entry = penalties.declared()[name]
    cls = penalties.METHODS[name]
    # The declarations read without TensorFlow are the class's.
    assert (cls.__name__, cls.__module__, cls.name) == (entry["class"], entry["module"], name)
    assert _declaration({"weight": entry["options"]["weight"], **cls.options}) == _declaration(
        entry["options"]
    )
    assert cls.recipe == entry["recipe"]
    assert _registered_name(cls) == f"keras_wgan>{cls.__name__}"
    # The constructor takes each declared option, with the declared default.
    parameters = inspect.signature(cls.__init__).parameters
    for keyword, option in cls.options.items():
        assert parameters[keyword].default == option.default, (name, keyword)
    assert parameters["weight"].default >= 0
    # Each declared setting reaches its constructor keyword.
    for keyword, option in cls.options.items():
        value = _other_value(option)
        method = penalties.from_model_options(name, **{option.name: value})
        assert getattr(method, keyword) == value, (name, keyword)
    method = penalties.get(name)
    assert isinstance(method, penalties.LipschitzMethod) and method.name == name
    # Serialization: the config round-trips, through the registry and through Keras.
    restored = penalties.deserialize(penalties.serialize(method))
    assert type(restored) is cls and restored.get_config() == method.get_config()
    assert repr(restored) == repr(method)
    # The term on an unconditional and on a labelled conditional critic.
    rng = np.random.default_rng(0)
    real = rng.normal(size=(BATCH, 2)).astype("float32")
    fake = rng.normal(size=(BATCH, 2)).astype("float32")
    labels = np.arange(BATCH) % NUM_CLASSES
    critics = [dropout_critic()] + [
        penalties.bind_labels(dropout_critic(NUM_CLASSES, conditioning), labels)
        for conditioning in ("projection", "auxiliary")
    ]
    for critic in critics:
        network = getattr(critic, "critic", critic)
        method.check_critic(network)
        with tf.GradientTape() as tape:
            term = method(critic, real, fake, seed=1)
        assert term.dtype == tf.float32 and term.shape == ()
        assert np.isfinite(float(term)) and float(term) >= 0.0, (name, float(term))
        gradients = tape.gradient(term, network.trainable_variables)
        if method.second_order:  # it differentiates the input gradient: the weights get one
            assert any(g is not None for g in gradients), name
    # One training step of a model with the method, and its constraint.
    gan = WassersteinGAN(
        *architectures.build("mlp", (2,), units=8, depth=1, dropout=0.5),
        critic_steps=1,
        penalty=method,
        seed=0,
    )
    gan.compile(
        critic_optimizer=method.default_optimizer(), generator_optimizer=method.default_optimizer()
    )
    history = gan.fit(np.concatenate([real, real]), batch_size=BATCH, epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values()), name
    method.constrain(gan.critic)


# ---------------------------------------------------------------- architectures
def _sample_shape(name):
    """The first candidate shape the architecture takes."""
    for shape in CANDIDATE_SHAPES:
        try:
            architectures.build(name, shape, **_small(name))
        except ValueError:
            continue
        return shape
    raise AssertionError(f"architecture {name!r} takes none of {CANDIDATE_SHAPES}")


def _small(name):
    """Small values of the architecture's size options, for fast networks."""
    return {
        keyword: 4
        for keyword, option in architectures.declared()[name]["options"].items()
        if option.type is int
    }


def run_architecture_test(name, tmp_path):
    """Checks the registered architecture `name` against what the package expects of every one."""
    entry = architectures.declared()[name]
    function = architectures.ARCHITECTURES[name]
    module = __import__(entry["module"], fromlist=[entry["class"]])
    cls = getattr(module, entry["class"])
    # The declarations read without TensorFlow are the class's.
    assert issubclass(cls, architectures.Architecture) and cls.function is function
    for attribute in ("name", "latent_dim", "default_rank", "recipe"):
        assert getattr(cls, attribute) == entry[attribute], (name, attribute)
    assert _declaration(cls.options) == _declaration(entry["options"])
    # The function takes each declared option; its defaults are the declared ones.
    parameters = inspect.signature(function).parameters
    assert parameters["latent_dim"].default == entry["latent_dim"]
    for keyword, option in entry["options"].items():
        assert keyword in parameters, (name, keyword)
        assert option.default in (None, parameters[keyword].default), (name, keyword)
    shape = _sample_shape(name)
    if entry["default_rank"] is not None:
        assert architectures.default_architecture(shape) == name
    small = _small(name)
    # Unconditional: shapes, dtypes, the declared latent size, serialization.
    generator, critic = architectures.build(name, shape, **small)
    noise = np.random.default_rng(0).normal(size=(BATCH, entry["latent_dim"])).astype("float32")
    samples = generator(noise, training=False)
    assert tuple(samples.shape) == (BATCH, *shape) and samples.dtype == tf.float32
    scores = critic(samples, training=False)
    assert tuple(scores.shape) == (BATCH, 1) and scores.dtype == tf.float32
    for model in (generator, critic):
        path = tmp_path / f"{name}_{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        inputs = noise if model is generator else samples
        np.testing.assert_allclose(
            loaded(inputs, training=False), model(inputs, training=False), rtol=1e-5, atol=1e-5
        )
    # The critic variants every architecture takes.
    for variant in ({"spectral_norm": True}, {"critic_norm": "layer"}):
        _, critic = architectures.build(name, shape, **small, **variant)
        assert tuple(critic(samples, training=False).shape) == (BATCH, 1), (name, variant)
    # Conditional: [noise, label] and [sample, label]; projection and auxiliary critics.
    labels = tf.constant(np.arange(BATCH, dtype="int32") % NUM_CLASSES)
    noise = tf.constant(noise)
    for conditioning in ("projection", "auxiliary"):
        generator, critic = architectures.build(
            name, shape, **small, num_classes=NUM_CLASSES, critic_conditioning=conditioning
        )
        samples = generator([noise, labels], training=False)
        assert tuple(samples.shape) == (BATCH, *shape)
        outputs = critic([samples, labels], training=False)
        if conditioning == "projection":
            assert tuple(outputs.shape) == (BATCH, 1)
        else:
            assert [tuple(o.shape) for o in outputs] == [(BATCH, 1), (BATCH, NUM_CLASSES)]
