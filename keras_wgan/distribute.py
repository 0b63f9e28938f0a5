"""tf.distribute for keras_wgan: one device, several GPUs, several machines, TPUs.

A `WassersteinGAN` trains under a `tf.distribute` strategy like any Keras
model: create the strategy, then build the networks, the model and its
optimizers inside `strategy.scope()`, then `fit()`:

    strategy = make_strategy("mirrored")          # or "multi_worker", "tpu"
    with strategy.scope():
        generator, critic = keras_wgan.architectures.build("mlp", (2,))
        gan = keras_wgan.WassersteinGAN(generator, critic, seed=0)
        gan.compile()                               # builds both optimizers here
    gan.fit(distribute_dataset(dataset, strategy), ...)

What the package does so that the result does not depend on the strategy:

- `WassersteinGAN` has a `call()` and builds itself in `__init__`, so Keras
  never has to guess its input ("Unable to automatically build the model").
- `compile()` builds both optimizers' variables at once, inside the scope;
  variables created lazily inside `fit()` fail under a strategy with "You must
  feed a value for placeholder tensor" (keras-team/keras#19246, #20164).
- Keras 3 optimizers *sum* the gradients of the replicas, so `train_step`
  scales each replica's mean loss by 1 / replicas: the update is that of the
  mean over the global batch, as on one device (tests/test_distribute.py
  proves it to 1e-5).
- Latent noise and interpolation coefficients are stateless functions of
  (seed, purpose, optimizer iteration, replica id): each replica draws its
  own numbers.
- A statistic that steers training, the adaptive augmentation's overfitting
  measure, is averaged over the replicas (`replica_mean`), so that every
  replica's copy of the augmentation probability takes the same step.
- XLA: Keras' `jit_compile="auto"` is off under a strategy;
  `WassersteinGAN.compile(jit_compile=True)` under a strategy warns and turns
  it off (XLA-compiled steps fail under MirroredStrategy).
- Under MultiWorkerMirroredStrategy Keras reduces the logs that `train_step`
  returns with `strategy.reduce(MEAN, axis=0)`, which fails on scalars
  ("Invalid reduction dimension 0", tensorflow/tensorflow#72388); the model
  returns shape-[1] logs there only, which that reduction turns back into
  plain numbers.
- Datasets are sharded between workers by data (`AutoShardPolicy.DATA`) with
  equal batches on every replica (`distribute_dataset`).
"""

# TensorFlow (and numpy) are imported inside the functions that use them:
# keras_wgan.settings, which must stay light so that `--help` answers at once,
# imports STRATEGIES from here.
import json
import math
import os
import warnings

from keras_wgan import validation

__all__ = [
    "STRATEGIES",
    "distribute_dataset",
    "is_chief",
    "jit_compile",
    "make_strategy",
    "num_replicas",
    "replica_id",
    "replica_mean",
    "sharding_options",
    "split_cpu",
    "step_logs",
    "step_seed",
    "task_id",
    "variable_value",
]

#: The names `make_strategy` takes.
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def split_cpu(num_devices):
    """Splits the CPU into `num_devices` logical devices for mirrored training.

    Lets anyone try `MirroredStrategy` without GPUs: each logical CPU is a
    replica. It must run before TensorFlow initialises its devices, i.e.
    before any tensor, variable, model or op is created in the process.
    Calling it again with the same number afterwards is harmless.

    Args:
        num_devices: the number of logical CPU devices, >= 1.

    Returns:
        The names of the logical CPU devices.

    Raises:
        ValueError: for a bad `num_devices`.
        RuntimeError: when TensorFlow is already initialised with another
            number of CPU devices.
    """
    import tensorflow as tf

    validation.integer("cpu_devices", num_devices, minimum=1)
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)]
        )
    except RuntimeError as error:
        existing = tf.config.list_logical_devices("CPU")
        if len(existing) == num_devices:
            return [device.name for device in existing]
        raise RuntimeError(
            f"split_cpu({num_devices}) (cpu_devices={num_devices}) was called after TensorFlow "
            f"initialised its devices ({len(existing)} logical CPU device(s) exist): call it "
            "first, before any tensor, variable, model or op is created in this process "
            f"(TensorFlow said: {error})"
        ) from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def make_strategy(name="default", tpu=None, cpu_devices=None):
    """Creates the `tf.distribute` strategy called `name`.

    Args:
        name: one of `STRATEGIES`:
            "default": no distribution (TensorFlow's default strategy, one
                device);
            "mirrored": synchronous data parallelism over this machine's GPUs,
                or over its logical CPU devices when there is no GPU (see
                `cpu_devices`);
            "multi_worker": synchronous data parallelism over several
                machines, each described by the `TF_CONFIG` environment
                variable (see docs/guides/scaling-out.md);
            "tpu": a Cloud TPU (`TPUStrategy`).
        tpu: with "tpu", the TPU's name or address for
            `TPUClusterResolver` ("local" on a TPU VM; None reads the
            `TPU_NAME` environment variable).
        cpu_devices: with "mirrored", split the CPU into this many logical
            devices first (`split_cpu`); must come before TensorFlow runs
            anything. None leaves the devices alone.

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: for an unknown name or an option the strategy does not take.
        RuntimeError: for "tpu" when no TPU can be reached.
    """
    import tensorflow as tf

    validation.choice("strategy", name, STRATEGIES)
    if tpu is not None and name != "tpu":
        raise ValueError(
            f"tpu={tpu!r} is only used with strategy='tpu', received strategy={name!r}"
        )
    if cpu_devices is not None:
        if name != "mirrored":
            raise ValueError(
                f"cpu_devices={cpu_devices!r} is only used with "
                f"strategy='mirrored', received strategy={name!r}"
            )
        split_cpu(cpu_devices)

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if tf.config.list_physical_devices("GPU"):
            return tf.distribute.MirroredStrategy()  # every GPU
        devices = [device.name for device in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=devices)
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            warnings.warn(
                "strategy='multi_worker' without a TF_CONFIG environment variable "
                "trains on this machine only; set TF_CONFIG on every worker "
                "(docs/guides/scaling-out.md)",
                stacklevel=2,
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    return _tpu_strategy(tpu)


def _tpu_strategy(tpu):
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as error:
        raise RuntimeError(
            f"strategy='tpu': no TPU could be reached with tpu={tpu!r} ({type(error).__name__}: "
            f"{validation.first_line(error)}). Pass the TPU's name or grpc:// address with "
            "tpu=..., or tpu='local' on a TPU VM, or set TPU_NAME"
        ) from error
    return tf.distribute.TPUStrategy(resolver)


def sharding_options():
    """`tf.data.Options` that shard a dataset between workers by data.

    `AutoShardPolicy.DATA`: every worker reads the whole pipeline and keeps
    its share of the batches, which works for any source (generated data,
    a single file, TFDS); FILE sharding would need at least as many files as
    workers.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options


def distribute_dataset(dataset, strategy=None, batch_size=None, critic_steps=1):
    """Prepares a batched dataset for `fit()` under `strategy`.

    Sets `sharding_options()` and makes every batch the same, known size (the
    global batch): a partial last batch would give replicas unequal batches,
    while `train_step` weighs every replica equally. `fit()` then splits each
    global batch between the replicas and, with several workers, between
    the workers.

    Args:
        dataset: a `tf.data.Dataset` of batches (global batch size).
        strategy: the strategy; None for the current one.
        batch_size: the global batch size. Needed when the dataset's batch
            size is not static (batched without `drop_remainder=True`): it
            is then rebatched with `drop_remainder=True`.
        critic_steps: with `fresh_real_batches=True`, the model's
            `critic_steps`: each replica's batch must split into that many
            equal real batches.

    Returns:
        The `tf.data.Dataset` to pass to `fit()`.

    Raises:
        ValueError: when the batch size is unknown or does not split evenly
            between replicas and critic steps.
    """
    import tensorflow as tf

    strategy = strategy or tf.distribute.get_strategy()
    first_spec = tf.nest.flatten(dataset.element_spec)[0]
    static = first_spec.shape[0] if first_spec.shape.rank else None
    if batch_size is None:
        batch_size = static
        if batch_size is None:
            raise ValueError(
                "distribute_dataset() needs batches of a static size: batch the "
                "dataset with drop_remainder=True or pass batch_size=<global batch>"
            )
    elif static != batch_size:
        dataset = dataset.rebatch(batch_size, drop_remainder=True)
    replicas = strategy.num_replicas_in_sync
    multiple = replicas * critic_steps
    if batch_size % multiple:
        raise ValueError(
            f"the global batch size {batch_size} must be a multiple of replicas x critic_steps "
            f"= {replicas} x {critic_steps} = {multiple}, so that each of the {replicas} "
            f"replicas gets {critic_steps} equal real batches; use a batch size of "
            f"{math.ceil(batch_size / multiple) * multiple}"
        )
    return dataset.with_options(sharding_options())


def is_chief(strategy=None):
    """Whether this process is the chief (writes checkpoints, logs, exports).

    True without a cluster. Under a multi-worker strategy: the task of type
    "chief", or worker 0 when the cluster has no chief.
    """
    import tensorflow as tf

    strategy = strategy or tf.distribute.get_strategy()
    task_type, task_id, cluster = _task(strategy)
    if task_type is None:
        return True
    if task_type == "chief":
        return True
    return task_type == "worker" and task_id == 0 and "chief" not in cluster


def task_id(strategy=None):
    """This worker's (type, index) in the cluster, or (None, None) without one."""
    import tensorflow as tf

    task_type, index, _ = _task(strategy or tf.distribute.get_strategy())
    return task_type, index


def _task(strategy):
    import tensorflow as tf

    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is not None and getattr(resolver, "task_type", None) is not None:
        try:
            cluster = resolver.cluster_spec().as_dict()
        except Exception:  # noqa: BLE001 - a resolver without a spec: no cluster
            cluster = {}
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            return resolver.task_type, resolver.task_id, cluster
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
        task = config.get("task", {})
        if task.get("type") is not None:
            return task["type"], int(task.get("index", 0)), config.get("cluster", {})
    return None, None, {}


def num_replicas():
    """The number of replicas training in sync (1 outside tf.distribute)."""
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """This replica's index in its sync group (0 outside tf.distribute)."""
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def replica_mean(value):
    """The mean of a tensor over the replicas in sync: the same on every replica.

    Inside `train_step` under a strategy (a replica context) an all-reduce,
    so that every replica takes the same decision from a statistic of the
    whole global batch (over workers too); outside a strategy, or in the
    cross-replica context, the value itself.

    Args:
        value: a float tensor (each replica's own).

    Returns:
        The mean over the replicas, shaped like `value`.
    """
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or not tf.distribute.has_strategy():
        return value
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, value)


def variable_value(variable):
    """The value of a Keras or tf variable as numpy, also of a distributed one.

    `int(variable)` fails for the `MirroredVariable` behind a Keras variable
    created under a `tf.distribute` strategy; this reads it (outside a
    replica context: in callbacks, after fit).
    """
    import numpy as np

    value = getattr(variable, "value", variable)
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def jit_compile(value, strategy=None):
    """The `jit_compile` to use: False under a `tf.distribute` strategy, with a warning for True.

    XLA-compiled steps fail under MirroredStrategy; Keras turns its own
    "auto" off under a strategy too.

    Args:
        value: the `jit_compile` asked for (True, False or "auto").
        strategy: the model's strategy, if it has one; otherwise the
            current one, if any.
    """
    import tensorflow as tf

    if value is True and (strategy is not None or tf.distribute.has_strategy()):
        strategy = strategy or tf.distribute.get_strategy()
        warnings.warn(
            "jit_compile=True is not supported under a tf.distribute strategy "
            f"({type(strategy).__name__}): training with jit_compile=False",
            stacklevel=3,
        )
        return False
    return value


def step_seed(seed, stream, counter):
    """A stateless seed, unique per (seed, stream, counter, replica).

    Each replica of a strategy draws its own numbers, and a run restored from
    a checkpoint (which restores `counter`) draws what the uninterrupted run
    would have drawn.

    Args:
        seed: the model's integer seed.
        stream: an integer naming what the numbers are for (latent noise of
            the critic, of the generator, interpolation coefficients...).
        counter: an integer tensor that advances every update, e.g. an
            optimizer's `iterations`.

    Returns:
        An int32 tensor of shape [2], for `tf.random.stateless_*` ops.
    """
    import tensorflow as tf

    base = tf.constant([seed % (2**31 - 1), stream], dtype=tf.int32)
    folded = tf.random.experimental.stateless_fold_in(base, tf.cast(counter, tf.int64))
    return tf.random.experimental.stateless_fold_in(folded, replica_id())


def step_logs(logs):
    """The logs a train or test step returns, in the shape `fit()` can reduce.

    Under MultiWorkerMirroredStrategy with several workers, Keras reduces a
    step's outputs with `strategy.reduce(MEAN, value, axis=0)`, which fails on
    scalars ("Invalid reduction dimension 0", tensorflow/tensorflow#72388).
    There, and only there, each value is returned with shape [1]: the
    reduction averages over replicas and that axis and gives back a scalar,
    so History and progress bars still show plain numbers.

    Args:
        logs: dict of metric name -> scalar tensor.

    Returns:
        The same dict, reshaped to [1] under multi-worker training.
    """
    import tensorflow as tf

    if not _multi_worker(tf.distribute.get_strategy()):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def _multi_worker(strategy):
    """Whether Keras reduces step outputs across workers (the test Keras itself makes)."""
    import tensorflow as tf

    extended = strategy.extended
    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and getattr(extended, "_in_multi_worker_mode", lambda: False)()
    )
