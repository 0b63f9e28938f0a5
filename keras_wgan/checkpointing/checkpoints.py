"""The training checkpoint of a WGAN: what it holds, how it is found and restored.

What a checkpoint holds (`training_checkpoint`): the generator, the critic,
both optimizers with all their slots (Adam's moments) and iteration counters,
the model's seed, the EMA generator of a model with one, and the adaptive
augmentation's probability of a model with `augment_target`. The generator
optimizer's `iterations` is the step counter (generator updates made). The
random state needs nothing more: latent noise and interpolation coefficients
are stateless functions of (seed, purpose, optimizer iteration, replica).

Checkpoints are written by `tf.train.CheckpointManager` (see
`CheckpointCallback`): the data files first, then the `checkpoint` index
file, rewritten atomically to name the new checkpoint; a write killed
half-way is never named there, so it is never restored. `restore_latest`
reads that index, newest first, and falls back to an older checkpoint if the
newest cannot be read. When the index itself is missing or unreadable, it
finds the checkpoints by their files (`complete_checkpoints`) and rewrites
the index. No checkpoint file is ever deleted except by `CheckpointManager`
keeping the newest `max_to_keep` of those its index names: files the index
does not name may belong to another run.
"""

import os
import re
import tempfile

import numpy as np
import tensorflow as tf
from absl import logging

from keras_wgan import distribute, run_directory
from keras_wgan.validation import first_line

__all__ = [
    "CHECKPOINT_NAME",
    "INDEX_NAME",
    "all_finite",
    "complete_checkpoints",
    "TEMPORARIES",
    "checkpoint_bytes",
    "generator_step",
    "model_differences",
    "nonfinite_variables",
    "read_index",
    "remove_unpublished",
    "restore_latest",
    "set_aside_index",
    "step_of",
    "training_checkpoint",
]

CHECKPOINT_NAME = "ckpt"
INDEX_NAME = "checkpoint"  # the index file of tf.train.CheckpointManager
_VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"  # the suffix of a variable's key in a checkpoint
#: What TensorFlow leaves of a save that did not finish: the data written before the merge
#: (`ckpt-N_temp/`) and the index's temporary copy (`checkpoint.tmp<hex>`).
TEMPORARIES = re.compile(rf"{CHECKPOINT_NAME}-\d+_temp|{INDEX_NAME}\.tmp[0-9a-f]{{32}}")


def training_checkpoint(model):
    """The `tf.train.Checkpoint` of everything a WGAN's training needs.

    Args:
        model: a compiled `WassersteinGAN` (its optimizers exist and are built).

    Returns:
        A `tf.train.Checkpoint` tracking the generator, the critic, both
        optimizers (slots and `iterations`) and the seed, the EMA generator
        of a model with `ema_decay`, and `augment_p` of a model with
        `augment_target` (a resumed run continues from the saved probability).
    """
    _ensure_optimizers_built(model)
    ema_generator = getattr(model, "ema_generator", None)
    augment_p = getattr(model, "augment_p", None)
    return tf.train.Checkpoint(
        generator=model.generator,
        critic=model.critic,
        critic_optimizer=model.critic_optimizer,
        generator_optimizer=model.generator_optimizer,
        seed=tf.Variable(model.seed, dtype=tf.int64, trainable=False, name="seed"),
        **({} if ema_generator is None else {"ema_generator": ema_generator}),
        # The tf.Variable behind the Keras one (a MirroredVariable under a strategy).
        **({} if augment_p is None else {"augment_p": augment_p.value}),
    )


def generator_step(model):
    """The number of generator updates made so far (`WassersteinGAN.generator_steps`)."""
    return model.generator_steps


def restore_latest(model, directory):
    """Restores the newest complete checkpoint of `directory` into `model`.

    Call it after `compile()` and before `fit()`. The optimizers are built
    first (inside the model's strategy scope), so that their slots are
    restored rather than created afresh later. The checkpoints named in the
    directory's `checkpoint` index are tried, newest first; one that cannot
    be read is skipped with a warning. When the index is missing, unreadable
    or names no checkpoint that exists (e.g. only the `ckpt-*` files were
    copied), the checkpoints are found by their files instead (`ckpt-N.index`
    with all its data shards), newest first, and the chief rewrites the index
    to name the restored one and the older ones; an unreadable index is kept
    beside it as `checkpoint.unreadable`. No checkpoint file is ever deleted.

    Under a multi-worker strategy every worker calls it with the chief's
    directory, which must be on storage every worker sees; the workers then
    check that they restored the same step.

    Args:
        model: a compiled `WassersteinGAN`.
        directory: the checkpoint directory of `CheckpointCallback`.

    Returns:
        The restored generator step, or None when there is no checkpoint.

    Raises:
        ValueError: when the model is not compiled, or the newest checkpoint
            is of another model (naming the variables whose shapes differ).
        RuntimeError: when checkpoints exist but none can be restored, or
            workers restored different steps.
    """
    directory = os.fspath(directory)
    checkpoint = training_checkpoint(model)
    chief = distribute.is_chief(model.distribute_strategy)
    state, problem = read_index(directory)
    if problem is not None and problem != "missing" and chief:
        set_aside_index(directory, problem)
    paths = list(reversed(state.all_model_checkpoint_paths)) if state else []
    if paths and not any(tf.io.gfile.exists(f"{path}.index") for path in paths):
        problem, paths = "naming no checkpoint file that exists", []
    found = []
    if not paths:
        found = complete_checkpoints(directory)
        paths = list(reversed(found))
        if found:
            logging.warning(
                "keras_wgan: the checkpoint index of %s is %s: looking for "
                "checkpoints by their files (found %s)",
                directory,
                problem,
                ", ".join(os.path.basename(path) for path in found),
            )
    restored, step, errors = None, None, []
    for path in paths:
        # get_checkpoint_state already joins relative index entries to `directory`.
        try:
            checkpoint.restore(path).assert_existing_objects_matched()
        except Exception as error:  # noqa: BLE001 - a damaged file raises IndexError, OpError...
            differences = model_differences(model, path)
            if differences:
                raise ValueError(
                    f"the checkpoints in {directory} are of another model than this run builds "
                    f"({'; '.join(differences)}): resume with the settings of the run that "
                    "wrote them, or start a new run in another directory"
                ) from error
            errors.append(f"{path}: {type(error).__name__}: {first_line(error)}")
            logging.warning(
                "keras_wgan: cannot restore checkpoint %s (%s); trying an older one",
                path,
                errors[-1],
            )
            continue
        restored, step = path, model.generator_steps
        break
    if paths and restored is None:
        raise RuntimeError(f"no checkpoint of {directory} could be restored:\n" + "\n".join(errors))
    _check_workers_agree(model, step)
    if restored is None:
        logging.info("keras_wgan: no checkpoint in %s: training from step 0", directory)
        return None
    if found and chief:
        _write_index(directory, found[: found.index(restored) + 1])
    seed = int(checkpoint.seed.numpy())
    if seed != model.seed:
        logging.info(
            "keras_wgan: using the checkpoint's seed %d instead of %d, so that the "
            "noise continues the interrupted run's",
            seed,
            model.seed,
        )
        model.seed = seed
        model.train_function = None  # retrace with the restored seed
    logging.info("keras_wgan: resuming from checkpoint %s at generator step %d", restored, step)
    return step


def model_differences(model, path, limit=3):
    """How the variables saved at `path` differ from those of `model`'s training checkpoint.

    The checkpoint's own shapes say what changed when nothing else can (e.g.
    the run's settings file is unreadable): a wider layer, another latent
    size, a layer more or less. The networks' weights are named first, then
    other variables; the optimizers' slots, which repeat the weights' shapes,
    only when nothing else differs.

    Args:
        model: the compiled `WassersteinGAN` to restore into.
        path: a checkpoint path prefix (`<directory>/ckpt-N`).
        limit: how many differences to name.

    Returns:
        Phrases such as "critic weight 0 (dense_2/kernel): (2, 8) in ckpt-2,
        (2, 16) here"; empty when the variables match or the file cannot be
        read.
    """
    try:
        saved = dict(tf.train.list_variables(path))
        with tempfile.TemporaryDirectory(prefix="keras_wgan_probe_") as scratch:
            own_path = training_checkpoint(model).write(os.path.join(scratch, "own"))
            own = dict(tf.train.list_variables(own_path))
    except Exception:  # noqa: BLE001 - a damaged file: not a question of shapes
        return []
    name = os.path.basename(path)
    differences, slots = [], []
    for key in sorted(
        set(saved) | set(own), key=lambda key: ("/_trainable_variables/" not in key, key)
    ):
        if not key.endswith(_VALUE) or key.startswith("save_counter/"):
            continue
        variable = _describe(model, key[: -len(_VALUE)])
        if key not in own:
            difference = f"{variable} only in {name}"
        elif key not in saved:
            difference = f"{variable} not in {name}"
        elif list(saved[key]) != list(own[key]):
            difference = f"{variable}: {tuple(saved[key])} in {name}, {tuple(own[key])} here"
        else:
            continue
        (slots if "_optimizer/_variables/" in key else differences).append(difference)
    differences = differences or slots
    more = len(differences) - limit
    return differences[:limit] + ([f"{more} more"] if more > 0 else [])


def _describe(model, variable):
    """A checkpoint key made readable: an optimizer's copy of a weight names the weight."""
    match = re.fullmatch(r"(generator|critic)_optimizer/_trainable_variables/(\d+)", variable)
    if match is None:
        return variable
    network, index = match.group(1), int(match.group(2))
    weights = getattr(model, network).trainable_variables
    path = f" ({weights[index].path})" if index < len(weights) else ""
    return f"{network} weight {index}{path}"


def checkpoint_bytes(checkpoint, directory=None):
    """About how many bytes `checkpoint` (a `training_checkpoint`) takes on disk.

    The size of the newest complete checkpoint in `directory` if there is
    one (the same model's), else the size of the variables.
    """
    found = complete_checkpoints(directory) if directory is not None else []
    if found:
        files = tf.io.gfile.glob(f"{found[-1]}.index") + tf.io.gfile.glob(f"{found[-1]}.data-*")
        try:  # a file takes whole blocks; a save writes the index twice
            block = os.statvfs(directory).f_bsize
        except (AttributeError, OSError):
            block = 1
        return block + sum(-(-tf.io.gfile.stat(path).length // block) * block for path in files)
    variables = {}
    for child in (
        "generator",
        "critic",
        "critic_optimizer",
        "generator_optimizer",
        "ema_generator",
    ):
        for variable in getattr(getattr(checkpoint, child, None), "variables", ()):
            variables[id(variable)] = variable
    return sum(
        int(np.prod(variable.shape)) * tf.as_dtype(variable.dtype).size
        for variable in variables.values()
    )


def remove_unpublished(directory, step):
    """Removes what a save of `step` that did not finish left in `directory`.

    TensorFlow's temporaries (`TEMPORARIES`) and the files of
    `ckpt-<step>`, unless the `checkpoint` index names it: a checkpoint the
    index does not name was never published.

    Returns:
        The paths removed.
    """
    directory = os.fspath(directory)
    state, _ = read_index(directory)
    prefix = os.path.join(directory, f"{CHECKPOINT_NAME}-{step}")
    named = {os.path.basename(path) for path in (state.all_model_checkpoint_paths if state else [])}
    paths = [
        os.path.join(directory, name)
        for name in tf.io.gfile.listdir(directory)
        if TEMPORARIES.fullmatch(name.rstrip("/"))
    ]
    if os.path.basename(prefix) not in named:
        paths += tf.io.gfile.glob(f"{prefix}.index") + tf.io.gfile.glob(f"{prefix}.data-*")
    for path in paths:
        if tf.io.gfile.isdir(path):
            tf.io.gfile.rmtree(path)
        elif tf.io.gfile.exists(path):
            tf.io.gfile.remove(path)
    return paths


def complete_checkpoints(directory):
    """The checkpoints of `directory` found by their files, oldest first.

    A checkpoint counts when its `ckpt-N.index` and every data shard
    (`ckpt-N.data-K-of-M`) exist, whether or not the `checkpoint` index names
    it. A save killed half-way can leave a truncated `.index`; restoring it
    fails and `restore_latest` then tries the next older one.

    Args:
        directory: a checkpoint directory (it need not exist).

    Returns:
        The checkpoints' path prefixes (`<directory>/ckpt-N`), by step.
    """
    if not tf.io.gfile.isdir(directory):
        return []
    index_pattern = re.compile(rf"^{re.escape(CHECKPOINT_NAME)}-(\d+)\.index$")
    shard_pattern = re.compile(r"\.data-(\d+)-of-(\d+)$")
    complete = []
    for name in tf.io.gfile.listdir(directory):
        match = index_pattern.match(name.rstrip("/"))
        if not match:
            continue
        prefix = os.path.join(directory, name.rstrip("/")[: -len(".index")])
        shards = [shard_pattern.search(path) for path in tf.io.gfile.glob(f"{prefix}.data-*")]
        shards = [(int(m.group(1)), int(m.group(2))) for m in shards if m]
        totals = {total for _, total in shards}
        if len(totals) == 1 and {i for i, _ in shards} == set(range(totals.pop())):
            complete.append(prefix)
    return sorted(complete, key=step_of)


def all_finite(model):
    """Whether every weight of the generator and the critic is finite."""
    return not nonfinite_variables(model.generator.weights + model.critic.weights)


def nonfinite_variables(objects):
    """Names of float variables (of a checkpoint or a list) that hold NaN or inf."""
    if isinstance(objects, tf.train.Checkpoint):
        variables = []
        for child in ("generator", "critic", "critic_optimizer", "generator_optimizer"):
            variables.extend(getattr(objects, child).variables)
    else:
        variables = objects
    bad = []
    for variable in variables:
        if not tf.as_dtype(variable.dtype).is_floating:
            continue
        value = distribute.variable_value(variable)
        if not np.all(np.isfinite(np.asarray(value, dtype=np.float64))):
            bad.append(variable.path if hasattr(variable, "path") else variable.name)
    return bad


def step_of(path):
    """The generator step of a checkpoint path `<directory>/ckpt-<step>`."""
    return int(os.path.basename(path).rsplit("-", 1)[1])


def read_index(directory):
    """(state, problem): the `checkpoint` index's `CheckpointState`, or None and why not.

    `tf.train.get_checkpoint_state` raises on an empty index (ValueError) or a
    binary one (UnicodeDecodeError) and returns None for one it cannot parse:
    all of these are an "unreadable" index here.
    """
    if not tf.io.gfile.isdir(directory):
        return None, "missing"
    if not tf.io.gfile.exists(os.path.join(directory, INDEX_NAME)):
        return None, "missing"
    try:
        state = tf.train.get_checkpoint_state(directory)
    except Exception as error:  # noqa: BLE001 - ValueError, UnicodeDecodeError, OpError...
        return None, f"unreadable ({type(error).__name__}: {first_line(error)})"
    if state is None:
        return None, "unreadable"
    return state, None


def set_aside_index(directory, problem):
    """Renames an unreadable index to `checkpoint.unreadable` (CheckpointManager chokes on it)."""
    path = os.path.join(directory, INDEX_NAME)
    logging.warning(
        "keras_wgan: the checkpoint index %s is %s: kept as %s.unreadable", path, problem, path
    )
    tf.io.gfile.rename(path, f"{path}.unreadable", overwrite=True)


def _ensure_optimizers_built(model):
    if getattr(model, "critic_optimizer", None) is None or model.generator_optimizer is None:
        raise ValueError(
            "compile() the WassersteinGAN (inside the strategy scope) before "
            "checkpointing or restoring it: its optimizers do not exist yet"
        )
    with model.distribute_strategy.scope():  # unbuilt optimizers: build where compile() would
        if not model.critic_optimizer.built:
            model.critic_optimizer.build(model.critic.trainable_variables)
        if not model.generator_optimizer.built:
            model.generator_optimizer.build(model.generator.trainable_variables)


def _write_index(directory, prefixes):
    """Writes the `checkpoint` index naming `prefixes` (oldest first), atomically.

    The entries are relative, as `CheckpointManager` writes them, with the
    files' times as timestamps, so that the manager goes on keeping the
    newest `max_to_keep` of them.
    """
    times = [tf.io.gfile.stat(f"{prefix}.index").mtime_nsec / 1e9 for prefix in prefixes]
    lines = [f'model_checkpoint_path: "{os.path.basename(prefixes[-1])}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in prefixes]
    lines += [f"all_model_checkpoint_timestamps: {time!r}" for time in times]
    lines.append(f"last_preserved_timestamp: {min(times) - 1.0!r}")
    path = os.path.join(directory, INDEX_NAME)
    temporary = run_directory.temporary_name(path)
    with tf.io.gfile.GFile(temporary, "w") as file:
        file.write("\n".join(lines) + "\n")
    tf.io.gfile.rename(temporary, path, overwrite=True)
    logging.info(
        "keras_wgan: rewrote the checkpoint index %s naming %s",
        path,
        ", ".join(os.path.basename(p) for p in prefixes),
    )


def _check_workers_agree(model, step):
    """Under multi-worker training, raises unless every worker restored `step`."""
    strategy = model.distribute_strategy
    if distribute.task_id(strategy)[0] is None:
        return
    local = tf.constant([-1 if step is None else step], tf.int64)

    @tf.function(autograph=False)
    def gather_steps():
        return strategy.gather(strategy.run(tf.identity, args=(local,)), axis=0)

    steps = gather_steps()
    steps = sorted(set(int(s) for s in np.asarray(steps)))
    if len(steps) > 1:
        raise RuntimeError(
            f"the workers restored different generator steps {steps} (-1: none): the checkpoint "
            "directory must be one directory every worker reads (a shared file system or "
            "bucket)"
        )
