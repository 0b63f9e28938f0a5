"""Training from a folder of image files against the same images in an `.npz` file.

    python benchmarks/folder_pipeline.py --rate          # steps/s, 5,000 PNGs vs .npz
    python benchmarks/folder_pipeline.py --first_step    # 100,000 JPEGs: start time, memory

`--rate` writes `--images` (5,000) 32x32 colour PNG files to a temporary
folder and the same pixels to an `.npz`, then trains with the defaults
(`keras_wgan.training.train`, the image recipe: dcgan, batch 64, 3 critic
steps) from each, in alternating runs (folder, npz, folder, npz...), so that
the load of a shared machine falls on both alike. A callback records the wall
time at the end of every train step; a run's rate is one over the median step
time after `--warmup` steps.

Before training, each input pipeline alone (`keras_wgan.data.load`, batches
of 3 x 64 images) is timed: the first pass over the data (the files decoded)
and 300 batches after it.

`--first_step` writes `--files` (100,000) 32x32 JPEG files below `--tmp`
(deleted afterwards) and `--images` more in a second folder, then measures,
each in a fresh Python process:

* the input pipeline alone (`data.load`, batches of 3 x 64): the seconds to
  its first batch, to the end of the first pass over the data and of a
  second pass, the resident memory after importing TensorFlow, after the
  two passes, and at its peak (`VmHWM`);
* the same with the decoded images kept on disk (`image_cache.MEMORY_BOUND`
  set to 0, a fresh cache directory), twice: the second process finds the
  cache of the first (what a resumed run or the evaluate command pays);
* training (`train()` with the defaults): the seconds from the call to the
  end of the first step (building and tracing the models included, and the
  Monitor's floors, measured on the real data before the first step and
  cached on disk), and the peak resident memory; for the large folder also
  without the Monitor (`monitor_every_epochs=0`).

Run it with `PYTHONPATH=.` from the repository's root to measure the tree
there rather than an installed package.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def pictures(n: int, seed: int, size: int = 32) -> np.ndarray:
    """`n` smooth random colour pictures, uint8 [n, size, size, 3]: 4x4 colour grids, upsampled."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    grids = rng.integers(0, 256, (n, 4, 4, 3), dtype=np.uint8)
    return np.stack(
        [np.asarray(Image.fromarray(g).resize((size, size), Image.BILINEAR)) for g in grids]
    )


def write_files(images: np.ndarray, folder: Path, suffix: str) -> None:
    """Each image as `<folder>/<k // 1000>/<k>.<suffix>` (1,000 files a subfolder)."""
    from PIL import Image

    for k, image in enumerate(images):
        sub = folder / f"{k // 1000:03d}"
        if k % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(sub / f"{k:06d}.{suffix}")


def _train(dataset: str, steps: int, root: Path, **overrides) -> list[float]:
    """Trains `steps` steps with the defaults; the wall time at each step's end, from the call."""
    import keras

    from keras_wgan import training

    class StepTimes(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - start)

    timer = StepTimes()
    start = time.perf_counter()
    training.train(
        dataset=dataset,
        train_steps=steps,
        seed=0,
        output_dir=str(root / "run"),
        export_dir=str(root / "export"),
        checkpoint_every_steps=10**9,
        verbose=0,
        callbacks=[timer],
        **overrides,
    )
    shutil.rmtree(root, ignore_errors=True)
    return timer.times


def pipeline_rate(dataset: str, batches: int, batch_size: int = 3 * 64) -> dict:
    """Batches per second of `data.load` alone: the first pass over the data, and later ones."""
    import tensorflow as tf  # noqa: F401  (imported before the clock starts)

    from keras_wgan import data

    start = time.perf_counter()
    pipeline, info = data.load(dataset, batch_size=batch_size, seed=0)
    per_pass = info.num_examples // batch_size
    times = []
    for _ in pipeline.take(per_pass + batches):
        times.append(time.perf_counter() - start)
    return {
        "first_batch_seconds": round(times[0], 3),
        "first_pass_batches_per_second": round(per_pass / times[per_pass - 1], 1),
        "later_batches_per_second": round(batches / (times[-1] - times[per_pass - 1]), 1),
    }


def rate(args) -> dict:
    """Steps per second from a folder of PNG files and from the same images in an `.npz`."""
    work = Path(tempfile.mkdtemp(prefix="folder_pipeline_"))
    try:
        images = pictures(args.images, seed=0)
        write_files(images, work / "pngs", "png")
        np.savez(work / "images.npz", images=images)
        sources = {"folder": str(work / "pngs"), "npz": str(work / "images.npz")}
        pipelines = {name: pipeline_rate(dataset, 300) for name, dataset in sources.items()}
        print(f"input pipelines alone: {pipelines}", flush=True)
        rates = {name: [] for name in sources}
        for repeat in range(args.repeats):
            for name, dataset in sources.items():
                times = _train(dataset, args.warmup + args.steps, work / f"{name}{repeat}")
                step = statistics.median(np.diff(times[args.warmup - 1 :]))
                rates[name].append(1.0 / step)
                print(f"{name} run {repeat}: {1.0 / step:.2f} steps/s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "images": args.images,
        "pipeline": pipelines,
        "steps_per_second": {
            name: round(statistics.median(r), 3) for name, r in rates.items() if r
        },
        "runs": {name: [round(x, 3) for x in r] for name, r in rates.items()},
    }


def _rss_mib() -> float:
    """The process's resident memory now, MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mib() -> float:
    """The process's peak resident memory, MiB: VmHWM, which (unlike ru_maxrss) starts
    afresh at exec, not at the size of the process that forked it."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _child_data(dataset: str, batch_size: int = 3 * 64) -> dict:
    """`data.load` alone in this process: time to the first batch, to 2 passes, memory."""
    import tensorflow as tf  # noqa: F401  (imported before the clock starts)

    from keras_wgan import data

    before = _rss_mib()
    start = time.perf_counter()
    pipeline, info = data.load(dataset, batch_size=batch_size, seed=0)
    per_pass = info.num_examples // batch_size
    times = []
    for _ in pipeline.take(2 * per_pass):
        times.append(time.perf_counter() - start)
    peak = _peak_rss_mib()
    return {
        "first_batch_seconds": times[0],
        "first_pass_seconds": times[per_pass - 1],
        "second_pass_seconds": times[-1] - times[per_pass - 1],
        "rss_before_mib": before,
        "rss_after_mib": _rss_mib(),
        "peak_rss_mib": peak,
    }


def _child_train(dataset: str, **overrides) -> dict:
    """One training step in this process: the seconds to its end, and peak memory."""
    root = Path(tempfile.mkdtemp(prefix="folder_first_step_"))
    times = _train(dataset, 1, root, **overrides)
    peak = _peak_rss_mib()
    return {"first_step_seconds": times[0], "peak_rss_mib": peak}


def _in_child(mode: str, dataset: str, memory_bound: int | None = None, env=None) -> dict:
    command = [sys.executable, os.path.abspath(__file__), f"--_child={mode}:{dataset}"]
    if memory_bound is not None:
        command.append(f"--_memory_bound={memory_bound}")
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    result = {k: round(v, 2) for k, v in json.loads(out.strip().splitlines()[-1]).items()}
    print(f"{mode} {dataset} (memory bound {memory_bound}): {result}", flush=True)
    return result


def first_step(args) -> dict:
    """Time to the first batch and step, and peak memory, for many small JPEGs and a few."""
    work = Path(tempfile.mkdtemp(prefix="folder_first_step_", dir=args.tmp))
    try:
        start = time.perf_counter()
        for chunk in range(0, args.files, 10_000):
            n = min(10_000, args.files - chunk)
            write_files(pictures(n, seed=chunk), work / "jpegs" / f"{chunk // 10_000:02d}", "jpg")
        written = time.perf_counter() - start
        print(f"wrote {args.files} JPEG files in {written:.0f} s", flush=True)
        write_files(pictures(args.images, seed=1), work / "small", "jpg")
        small, large = str(work / "small"), str(work / "jpegs")

        def fresh_cache(name):  # Nothing cached by an earlier run (floors, decoded images).
            return {"XDG_CACHE_HOME": str(work / f"cache_{name}")}

        result = {
            "files": args.files,
            "small": args.images,
            "data_small": _in_child("data", small, env=fresh_cache("data_small")),
            "data_large": _in_child("data", large, env=fresh_cache("data_large")),
        }
        if importlib.util.find_spec("keras_wgan.data.image_cache") is not None:
            on_disk = fresh_cache("on_disk")
            result["data_large_on_disk"] = _in_child("data", large, 0, on_disk)
            result["data_large_on_disk_again"] = _in_child("data", large, 0, on_disk)
        result |= {
            "train_small": _in_child("train", small, env=fresh_cache("train_small")),
            "train_large": _in_child("train", large, env=fresh_cache("train_large")),
            "train_large_unmonitored": _in_child(
                "unmonitored", large, env=fresh_cache("unmonitored")
            ),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python benchmarks/folder_pipeline.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--rate", action="store_true", help="Steps/s from a folder and an .npz.")
    p.add_argument("--first_step", action="store_true", help="Start time and memory, 100k files.")
    p.add_argument("--images", type=int, default=5000, help="Images of the --rate folder.")
    p.add_argument("--files", type=int, default=100_000, help="JPEG files for --first_step.")
    p.add_argument("--steps", type=int, default=40, help="Timed train steps per run.")
    p.add_argument("--warmup", type=int, default=5, help="Untimed train steps first.")
    p.add_argument("--repeats", type=int, default=3, help="Runs of each source (alternating).")
    p.add_argument("--tmp", default="/tmp", help="Where --first_step writes its files.")
    p.add_argument("--_child", default=None, help=argparse.SUPPRESS)  # mode:dataset
    p.add_argument("--_memory_bound", type=int, default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args._child:
        if args._memory_bound is not None:  # The on-disk cache of image_cache.
            from keras_wgan.data import image_cache

            image_cache.MEMORY_BOUND = args._memory_bound
        mode, dataset = args._child.split(":", 1)
        if mode == "data":
            result = _child_data(dataset)
        else:  # The Monitor measures its floors on the real data before the first step.
            result = _child_train(dataset, monitor_every_epochs=int(mode == "train"))
        print(json.dumps(result))
        return 0
    if not (args.rate or args.first_step):
        print("folder_pipeline: give --rate and/or --first_step", file=sys.stderr)
        return 2
    result = {}
    if args.rate:
        result["rate"] = rate(args)
    if args.first_step:
        result["first_step"] = first_step(args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
