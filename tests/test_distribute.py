"""Tests for keras_wgan.distribute and keras_wgan.checkpointing.

Distributed runs need logical devices or a cluster made before TensorFlow
initialises, so they run in subprocesses (tests/scripts/*.py) with hard
timeouts; everything else runs here on the default strategy with tiny MLPs.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import REPO, point_batches, small_gan

from keras_wgan import architectures, checkpointing, distribute, model
from keras_wgan.model import WassersteinGAN

# fit() on a tf.data.Dataset warns that its default shuffle=True is ignored.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")

SCRIPTS = REPO / "tests" / "scripts"


# ------------------------------------------------------------------ helpers
def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "TPU_NAME")}
    env.update(PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1", **extra)
    return env


def _run_script(name, *args, timeout=180):
    """Runs tests/scripts/<name> to completion (killed after `timeout` s); returns stdout."""
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPTS / name), *map(str, args)],
            env=_env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{name} did not finish in {timeout} s:\n{error.stdout}\n{error.stderr}")
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr[-5000:]}"
    return done.stdout


def _variables(gan):
    return (
        gan.generator.weights
        + gan.critic.weights
        + gan.critic_optimizer.variables
        + gan.generator_optimizer.variables
    )


def _values(variables):
    return [np.asarray(v) for v in variables]


def _checkpoint_steps(directory):
    state = tf.train.get_checkpoint_state(str(directory))
    return [int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths] if state else []


def _read_every_tensor(prefix):
    reader = tf.train.load_checkpoint(str(prefix))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


# ----------------------------------------------------------- strategies
def test_make_strategy_rejects_an_unknown_name():
    with pytest.raises(
        ValueError,
        match=r"strategy must be one of 'default', 'mirrored', "
        r"'multi_worker', 'tpu', received 'gpu'",
    ):
        distribute.make_strategy("gpu")


def test_make_strategy_rejects_options_of_other_strategies():
    with pytest.raises(ValueError, match="cpu_devices=2 is only used with strategy='mirrored'"):
        distribute.make_strategy("multi_worker", cpu_devices=2)
    with pytest.raises(ValueError, match="tpu='local' is only used with strategy='tpu'"):
        distribute.make_strategy("mirrored", tpu="local")


def test_default_strategy_is_one_replica():
    strategy = distribute.make_strategy("default")
    assert strategy.num_replicas_in_sync == 1
    assert distribute.is_chief(strategy)
    assert distribute.task_id(strategy) == (None, None)


def test_tpu_without_a_tpu_raises_a_clear_error(monkeypatch):
    """No TPU here: the TPU path is exercised up to the strategy's construction."""
    monkeypatch.delenv("TPU_NAME", raising=False)
    with pytest.raises(
        RuntimeError,
        match=r"strategy='tpu': no TPU could be reached with "
        r"tpu=None .*tpu='local' on a TPU VM",
    ):
        distribute.make_strategy("tpu")


def test_split_cpu_after_tensorflow_started_says_it_is_too_late():
    tf.constant(1.0)  # TensorFlow is initialised in this process
    count = len(tf.config.list_logical_devices("CPU"))
    assert distribute.split_cpu(count)  # the split that exists: harmless
    with pytest.raises(
        RuntimeError,
        match=rf"split_cpu\({count + 2}\) .* was called after "
        "TensorFlow initialised its devices",
    ):
        distribute.split_cpu(count + 2)
    with pytest.raises(ValueError, match="cpu_devices must be an integer >= 1, received 0"):
        distribute.split_cpu(0)


def test_distribute_dataset_shards_by_data_with_equal_batches():
    strategy = tf.distribute.get_strategy()
    data = tf.data.Dataset.range(10).map(lambda i: tf.cast(tf.fill([2], i), tf.float32))
    ready = distribute.distribute_dataset(data.batch(4, drop_remainder=True), strategy)
    policy = ready.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA

    with pytest.raises(ValueError, match="needs batches of a static size"):
        distribute.distribute_dataset(data.batch(4), strategy)
    rebatched = distribute.distribute_dataset(data.batch(3), strategy, batch_size=4)
    assert [len(b) for b in rebatched] == [4, 4]  # the partial batch is dropped
    with pytest.raises(
        ValueError,
        match=r"global batch size 4 must be a multiple of "
        r"replicas x critic_steps = 1 x 3 = 3",
    ):
        distribute.distribute_dataset(data.batch(4, drop_remainder=True), strategy, critic_steps=3)


def test_step_logs_stay_scalars_outside_multi_worker():
    logs = {"critic_loss": tf.constant(1.5)}
    assert model.step_logs(logs)["critic_loss"].shape == ()


def test_replica_mean_outside_a_strategy_is_the_value():
    np.testing.assert_array_equal(distribute.replica_mean(tf.constant([1.5, -2.0])), [1.5, -2.0])


def test_every_critic_update_draws_its_own_noise():
    """Critic update s of a train step uses counter iterations + s: none is drawn twice."""
    critic_steps, steps = 2, 3

    class CountingGAN(WassersteinGAN):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.draws = tf.Variable(tf.zeros([critic_steps * steps + 2], tf.int32))

        def latent_noise(self, batch_size, stream, counter):
            if stream == 0:  # the critic's latent noise
                self.draws.assign_add(
                    tf.one_hot(tf.cast(counter, tf.int32), critic_steps * steps + 2, dtype=tf.int32)
                )
            return super().latent_noise(batch_size, stream, counter)

    generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
    gan = CountingGAN(generator, critic, critic_steps=critic_steps, seed=0)
    gan.compile()
    gan.fit(point_batches(512, 8 * critic_steps), steps_per_epoch=steps, epochs=1, verbose=0)
    assert gan.draws.numpy().tolist() == [1] * (critic_steps * steps) + [0, 0]


# ------------------------------------------- mirrored on 2 logical CPUs
@pytest.fixture(scope="module")
def mirrored_report():
    """The JSON report of tests/scripts/mirrored_checks.py (one subprocess for all checks)."""
    stdout = _run_script("mirrored_checks.py", timeout=240)
    line = next(line for line in stdout.splitlines() if line.startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])


@pytest.mark.slow
def test_mirrored_step_equals_the_single_device_step(mirrored_report):
    assert mirrored_report["replicas"] == 2
    assert mirrored_report["moved"] > 1e-2  # the weights did change
    assert mirrored_report["step_diff"] < 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("conditioning", ["projection", "auxiliary"])
def test_mirrored_conditional_step_equals_the_single_device_step(mirrored_report, conditioning):
    assert mirrored_report["conditional_moved"][conditioning] > 1e-3
    assert mirrored_report["conditional_step_diff"][conditioning] < 1e-5


@pytest.mark.slow
def test_the_equivalence_test_sees_doubled_gradients(mirrored_report):
    """Without train_step's 1 / replicas scaling the replicas' gradients add up: caught."""
    assert mirrored_report["unscaled_step_diff"] > 1e-3


@pytest.mark.slow
def test_replicas_draw_different_noise(mirrored_report):
    assert mirrored_report["replica_noise_differs"]
    assert mirrored_report["replica_alpha_differs"]


@pytest.mark.slow
def test_model_and_both_optimizers_are_mirrored(mirrored_report):
    assert mirrored_report["variables"] == ["MirroredVariable"]


@pytest.mark.slow
def test_explicit_jit_under_a_strategy_warns_and_is_off(mirrored_report):
    assert mirrored_report["jit_compile"] is False
    assert (
        "jit_compile=True is not supported under a tf.distribute strategy "
        "(MirroredStrategy)" in mirrored_report["jit_warning"]
    )


@pytest.mark.slow
def test_mirrored_fit_logs_plain_numbers(mirrored_report):
    assert mirrored_report["history_types"] == ["float"]
    assert all(np.isfinite(v).all() for v in mirrored_report["history"].values())


@pytest.mark.slow
def test_mirrored_adaptive_augmentation_steps_every_replica_by_the_global_batch(mirrored_report):
    """The replicas average the measure and count the images of all of them."""
    assert mirrored_report["replica_mean"] == [0.5, 0.5]
    expected = mirrored_report["ada_images"] / 500_000  # r = 1 > 0.6 at every step
    assert mirrored_report["ada_p"] == pytest.approx([expected, expected], rel=1e-5)
    assert mirrored_report["ada_logged_p"] == pytest.approx(expected, rel=1e-5)
    assert mirrored_report["ada_logged_r"] == pytest.approx(1.0)


@pytest.mark.slow
def test_mirrored_checkpoints_restore_into_a_new_mirrored_model(mirrored_report):
    assert mirrored_report["restored_step"] == 6
    assert mirrored_report["restored_diff"] == 0.0


# --------------------------------------------------------- multi-worker
def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_to_identical_weights(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    workers = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(SCRIPTS / "multi_worker_train.py"),
                    "--out",
                    str(tmp_path),
                    "--train_steps",
                    "6",
                ],
                env=_env(TF_CONFIG=tf_config),
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs, deadline = [], time.monotonic() + 180  # a dead peer must not hang the suite
    try:
        for worker in workers:
            outputs.append(worker.communicate(timeout=max(deadline - time.monotonic(), 1))[0])
    except subprocess.TimeoutExpired:
        pytest.fail("the two workers did not finish in 180 s")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for index, (worker, output) in enumerate(zip(workers, outputs, strict=True)):
        assert worker.returncode == 0, f"worker {index} failed:\n{output[-5000:]}"

    chief, other = (np.load(tmp_path / f"worker_{i}.npz") for i in range(2))
    assert int(chief["generator_iterations"]) == 6
    assert int(chief["critic_iterations"]) == 12
    for name in chief.files:
        np.testing.assert_array_equal(chief[name], other[name])
    reports = [json.loads((tmp_path / f"worker_{i}.json").read_text()) for i in range(2)]
    assert [r["chief"] for r in reports] == [True, False]
    assert reports[0]["replicas"] == 2
    assert reports[0]["types"] == ["float"]  # shape-[1] logs were reduced to numbers
    # The chief wrote the checkpoints; the other worker's temporary copies are gone.
    assert _checkpoint_steps(tmp_path / "checkpoints") == [2, 4, 6]
    assert not list((tmp_path / "checkpoints").glob("workertemp_*"))


# ----------------------------------------------------------- checkpoints
@pytest.fixture
def absl_logs(caplog):
    """The package's absl log records, INFO and up."""
    caplog.set_level(logging.INFO, logger="absl")
    return caplog


def test_fit_plan_counts_epochs_from_the_restored_step():
    fresh = checkpointing.fit_plan(100, 30)
    assert fresh.fit_kwargs() == {"initial_epoch": 0, "epochs": 4, "steps_per_epoch": 30}
    resumed = checkpointing.fit_plan(100, 30, 45)
    assert (resumed.initial_epoch, resumed.epochs, resumed.remaining_steps) == (1, 3, 55)
    finished = checkpointing.fit_plan(100, 30, 100)
    assert finished.initial_epoch == finished.epochs  # fit() does nothing
    with pytest.raises(ValueError, match="train_steps must be an integer >= 1, received 0"):
        checkpointing.fit_plan(0, 30)


def test_stop_at_step_stops_at_exactly_the_requested_generator_step():
    gan = small_gan(compiled=True)
    gan.fit(
        point_batches(512, 16),
        steps_per_epoch=4,
        epochs=3,
        verbose=0,
        callbacks=[checkpointing.StopAtStep(6)],
    )
    assert checkpointing.generator_step(gan) == 6


def test_restore_latest_restores_weights_optimizer_slots_counters_and_seed(tmp_path, absl_logs):
    gan = small_gan(compiled=True, seed=1)
    saver = checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=2, max_to_keep=2)
    gan.fit(point_batches(512, 16), steps_per_epoch=5, epochs=1, verbose=0, callbacks=[saver])
    assert _checkpoint_steps(tmp_path) == [4, 5]  # every 2 steps, the epoch end; newest 2 kept

    fresh = small_gan(compiled=True, seed=2)
    assert checkpointing.restore_latest(fresh, tmp_path) == 5
    for saved, restored in zip(_values(_variables(gan)), _values(_variables(fresh)), strict=True):
        np.testing.assert_array_equal(saved, restored)
    assert fresh.seed == 1  # the noise continues the interrupted run's
    assert int(fresh.critic_optimizer.iterations) == 10
    assert "resuming from checkpoint" in absl_logs.text and "at generator step 5" in absl_logs.text


def test_restore_latest_without_checkpoints_returns_none(tmp_path):
    assert checkpointing.restore_latest(small_gan(compiled=True), tmp_path / "none") is None


def test_restore_latest_needs_a_compiled_model(tmp_path):
    with pytest.raises(ValueError, match=r"compile\(\) the WassersteinGAN"):
        checkpointing.restore_latest(small_gan(), tmp_path)


def test_half_written_checkpoints_are_never_restored_nor_deleted(tmp_path, absl_logs):
    gan = small_gan(compiled=True)
    gan.fit(
        point_batches(512, 16),
        steps_per_epoch=4,
        epochs=1,
        verbose=0,
        callbacks=[checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=2)],
    )
    assert _checkpoint_steps(tmp_path) == [2, 4]
    # What a save killed half-way leaves: files of a newer step the index does not name.
    (tmp_path / "ckpt-6.index").write_bytes(b"\x00truncated")
    (tmp_path / "ckpt-6_temp").mkdir()
    (tmp_path / "ckpt-6_temp" / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"x")
    assert checkpointing.restore_latest(small_gan(compiled=True, seed=3), tmp_path) == 4

    # The newest named checkpoint unreadable (disk trouble): the previous one is used.
    (tmp_path / "ckpt-4.data-00000-of-00001").write_bytes(b"garbage")
    assert checkpointing.restore_latest(small_gan(compiled=True, seed=3), tmp_path) == 2
    assert "cannot restore checkpoint" in absl_logs.text

    gan.fit(
        point_batches(512, 16),
        steps_per_epoch=1,
        epochs=1,
        verbose=0,
        callbacks=[checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=2)],
    )
    # The leftovers are left alone (they may be another run's) and never named.
    assert (tmp_path / "ckpt-6.index").exists() and 6 not in _checkpoint_steps(tmp_path)


class _Poison(keras.layers.Layer):
    """Multiplies by a factor that a callback can set to NaN."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(), initializer="ones", trainable=False)

    def call(self, inputs):
        return inputs * self.factor


def test_a_nan_loss_stops_training_names_the_step_and_keeps_the_last_good_checkpoint(
    tmp_path, absl_logs
):
    _, critic = architectures.build("mlp", (2,), units=8, depth=1)
    poison = _Poison()
    inputs = keras.Input((2,))
    gan = small_gan(compiled=True, critic=keras.Model(inputs, poison(critic(inputs))))

    class PoisonAt(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if checkpointing.generator_step(self.model) == 6:  # during generator step 7
                poison.factor.assign(float("nan"))

    saver = checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=2)
    gan.fit(
        point_batches(512, 16),
        steps_per_epoch=20,
        epochs=1,
        verbose=0,
        callbacks=[PoisonAt(), saver],
    )

    assert saver.nonfinite_step == 7
    assert checkpointing.generator_step(gan) == 7  # stopped right there
    assert "non-finite loss" in absl_logs.text and "at generator step 7" in absl_logs.text
    assert not checkpointing.all_finite(gan)
    assert _checkpoint_steps(tmp_path) == [2, 4, 6]  # nothing saved at or after step 7
    saved = _read_every_tensor(tmp_path / "ckpt-6").values()
    assert all(
        np.isfinite(v).all() for v in saved if isinstance(v, np.ndarray) and v.dtype.kind == "f"
    )
    _, new_critic = architectures.build("mlp", (2,), units=8, depth=1)
    inputs = keras.Input((2,))
    restored = small_gan(compiled=True, critic=keras.Model(inputs, _Poison()(new_critic(inputs))))
    assert checkpointing.restore_latest(restored, tmp_path) == 6
    assert checkpointing.all_finite(restored)


def test_non_finite_weights_are_never_saved(tmp_path):
    gan = small_gan(compiled=True)
    saver = checkpointing.CheckpointCallback(tmp_path)
    saver.set_model(gan)
    saver.on_train_begin()
    gan.generator_optimizer.iterations.assign(3)  # as if 3 steps were made
    gan.generator.weights[0].assign(np.full(gan.generator.weights[0].shape, np.inf))
    saver.on_train_end()
    assert saver.nonfinite_step == 3
    assert _checkpoint_steps(tmp_path) == []


def test_callback_arguments_are_checked(tmp_path):
    with pytest.raises(
        ValueError, match="checkpoint_every_steps must be None or an integer >= 1, received 0"
    ):
        checkpointing.CheckpointCallback(tmp_path, checkpoint_every_steps=0)
    with pytest.raises(ValueError, match="max_to_keep must be an integer >= 1, received 0"):
        checkpointing.CheckpointCallback(tmp_path, max_to_keep=0)


# --------------------------------------------------------- kill / resume
TRAIN_STEPS, EVERY, KEEP = 36, 5, 3


def _start_training(directory, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            str(SCRIPTS / "resumable_train.py"),
            "--directory",
            str(directory),
            "--train_steps",
            str(TRAIN_STEPS),
            "--checkpoint_every_steps",
            str(EVERY),
            "--keep_checkpoints",
            str(KEEP),
            "--sleep",
            "0.05",
            *extra,
        ],
        env=_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _run_until(process, kill_at_step, timeout=90):
    """Reads the run's output; SIGKILLs it once it reports `kill_at_step` (None: never)."""
    timer = threading.Timer(timeout, process.kill)  # a hung run cannot hang the suite
    timer.start()
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            parts = line.split()
            if kill_at_step and parts[:1] == ["step"] and int(parts[1]) >= kill_at_step:
                process.send_signal(signal.SIGKILL)
                break
        process.wait()
    finally:
        timer.cancel()
        process.stdout.close()
    return "".join(lines)


def _check_killed_run_ends_like_an_uninterrupted_one(tmp_path, kill_steps, *extra):
    """SIGKILLs resumable_train.py (with `extra` arguments) at each of `kill_steps`, re-runs
    it to the end and checks its checkpoints and final weights against an uninterrupted run.

    Returns:
        The final weights of the killed run (final.npz).
    """
    reference = _start_training(tmp_path / "uninterrupted", *extra)
    directory = tmp_path / "killed"
    logs = []
    for kill_at in kill_steps:
        process = _start_training(directory, *extra)
        logs.append(_run_until(process, kill_at))
        assert process.returncode == -signal.SIGKILL, f"not killed mid-run:\n{logs[-1]}"
    process = _start_training(directory, *extra)
    logs.append(_run_until(process, None))
    assert process.returncode == 0, logs[-1]
    assert f"done {TRAIN_STEPS}" in logs[-1]
    reference_log = _run_until(reference, None)
    assert reference.returncode == 0, reference_log

    # Each restart after the first checkpoint says where it resumes.
    resumed = [log for log in logs if "resuming from checkpoint" in log]
    assert len(resumed) >= 2, "\n=====\n".join(logs)

    # Every checkpoint on disk is complete and named in the index; the newest K are kept.
    steps = _checkpoint_steps(directory)
    assert steps[-1] == TRAIN_STEPS and len(steps) <= KEEP
    on_disk = sorted(
        int(p.name[len("ckpt-") : -len(".index")]) for p in directory.glob("ckpt-*.index")
    )
    assert on_disk == sorted(steps)
    for step in steps:
        assert _read_every_tensor(directory / f"ckpt-{step}")

    final = np.load(directory / "final.npz")
    expected = np.load(tmp_path / "uninterrupted" / "final.npz")
    assert int(final["generator_iterations"]) == TRAIN_STEPS
    assert int(final["critic_iterations"]) == 2 * TRAIN_STEPS
    for name in expected.files:
        np.testing.assert_allclose(final[name], expected[name], rtol=0, atol=1e-6, err_msg=name)
    return final


@pytest.mark.slow
def test_killed_three_times_the_run_ends_like_an_uninterrupted_one(tmp_path):
    # Before the first checkpoint, then mid-run twice.
    _check_killed_run_ends_like_an_uninterrupted_one(tmp_path, (3, 14, 27))


@pytest.mark.slow
def test_killed_twice_a_conditional_run_ends_like_an_uninterrupted_one(tmp_path):
    # Both kills come after a checkpoint (5 and 20), so both restarts resume. The
    # batches are (points, labels), a point lying near its label's centre, and each
    # update of the generator's label embedding and of the critic's class embedding
    # depends on the labels of its batch and the points paired with them: equal final
    # weights (the embeddings are compared by name too) therefore also mean that the
    # resumed pipeline fed the same (sample, label) pairs, in the same order, as the
    # uninterrupted run (a restart that draws other labels fails this test).
    final = _check_killed_run_ends_like_an_uninterrupted_one(
        tmp_path, (8, 22), "--num_classes", "3"
    )
    assert {"label_embedding", "class_embedding"} <= set(final.files)
