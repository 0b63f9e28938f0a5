"""The TensorFlow pieces every exported graph shares: outputs, label checks, variables.

`outputs` maps the generator's samples to the signatures' outputs (and uint8
images), `checked_label` refuses bad labels with `tf.debugging.Assert`
(SavedModel), `label_guard` refuses them where asserts are dropped (TFLite),
and `float32_generator` gives the generator that every format serves.
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = [
    "checked_label",
    "float32_generator",
    "label_guard",
    "outputs",
    "runtime_rank",
    "tf_variable",
]


def float32_generator(generator):
    """The generator computing in float32: itself, or a float32 copy of a mixed-precision one.

    A generator trained under `mixed_bfloat16` computes in bfloat16, which the
    TFLite converter cannot convert and CPUs without bfloat16 units run slowly;
    its weights are float32 already, so the export serves a copy built with
    float32 layers and the same weights.
    """
    if all(layer.dtype_policy.compute_dtype == "float32" for layer in generator._flatten_layers()):
        return generator
    config = _float32_config(generator.get_config())
    copy = generator.__class__.from_config(config)
    copy.set_weights(generator.get_weights())
    return copy


def _float32_config(value):
    """A layer config with every mixed-precision dtype policy made float32."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
            return dict(value, config=dict(value["config"], name="float32"))
        return {key: _float32_config(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_float32_config(item) for item in value]
    if value in ("mixed_bfloat16", "mixed_float16"):
        return "float32"
    return value


def outputs(generator, latent, image_range, label=None):
    """The signatures' outputs: {"samples"} and, for images, {"images"} in uint8.

    `label` None calls an unconditional generator on `latent`; otherwise the
    conditional generator is called as `generator([latent, label])`.
    """
    inputs = latent if label is None else [latent, label]
    samples = tf.cast(generator(inputs, training=False), tf.float32)
    result = {"samples": samples}
    if image_range is not None:
        low, high = image_range
        scaled = tf.round((samples - low) * (255.0 / (high - low)))
        result["images"] = tf.cast(tf.clip_by_value(scaled, 0.0, 255.0), tf.uint8)
    return result


def runtime_rank(tensor):
    """The rank of `tensor` counted at run time.

    Grappler folds `tf.size(tf.shape(x))` into the signature's static
    rank, so a loaded signature called with another rank would pass a check
    written that way; counting the dimensions through a mask it cannot fold
    does not.
    """
    shape = tf.shape(tensor)
    return tf.size(tf.boolean_mask(shape, shape >= 0))


def label_guard(label, batch_size, num_classes):
    """`label` reshaped to [batch_size] and looked up in a [num_classes] table: itself.

    What refuses bad labels where `tf.debugging.Assert` is gone (the
    TFLite converter drops it): the reshape fails when the label count is
    not the latent batch, and the lookup (a GATHER, which checks its indices
    in TFLite) fails for a label outside [0, num_classes), where
    `keras.ops.take` in the generator would wrap -1 to the last class.
    """
    label = tf.reshape(label, tf.reshape(batch_size, [1]))
    return tf.gather(tf.range(num_classes, dtype=tf.int32), label)


def checked_label(label, batch_size, num_classes):
    """`label` int32 [batch_size], after in-graph checks that refuse bad labels.

    The SavedModel side: `tf.debugging.Assert` with messages naming
    `label` and what is expected (TF Serving returns them as errors), then
    `label_guard`.
    """
    rank = runtime_rank(label)
    shape_ok = tf.logical_and(tf.equal(rank, 1), tf.equal(tf.size(label), batch_size))
    shape_check = tf.debugging.Assert(
        shape_ok,
        [
            "label must be an int32 tensor [batch] holding one class label per latent vector, "
            "received shape:",
            tf.shape(label),
            "for a latent batch of",
            batch_size,
        ],
    )
    # The range check (and the boolean_mask of its message, which fails on other shapes)
    # runs only once the shape check has passed: unordered, either could fail first.
    with tf.control_dependencies([shape_check]):
        flat = tf.reshape(label, [-1])
        in_range = tf.logical_and(flat >= 0, flat < num_classes)
        range_check = tf.debugging.Assert(
            tf.reduce_all(in_range),
            [
                f"label must hold class labels in [0, {num_classes}) (num_classes={num_classes}), "
                "received out-of-range labels:",
                tf.boolean_mask(flat, tf.logical_not(in_range)),
            ],
        )
    with tf.control_dependencies([shape_check, range_check]):
        return label_guard(label, batch_size, num_classes)


def tf_variable(variable):
    """The tf.Variable holding a Keras variable's value."""
    value = variable.value if isinstance(variable, keras.Variable) else variable
    if not isinstance(value, tf.Variable):
        raise ValueError(
            f"generator variable {variable.path!r} is not backed by a "
            "tf.Variable: export needs the TensorFlow backend"
        )
    return value
