"""Time and memory of precision, recall, density and coverage on 10,000 x 10,000 features.

    python benchmarks/prdc_speed.py [--num_real=10000] [--num_fake=10000] [--dim=2048]
        [--reference]

Draws two sets of standard normal float64 features (InceptionV3's pool3
width by default; the evaluation core's features are float64), then measures
`keras_wgan.evaluation.metrics.prdc` (k = 3 for precision and recall, 5 for
density and coverage): cold, and again with the real set's k-NN radii kept
(what the Monitor's fixed real set and the benchmarks' repeated evaluations
pay), with the seconds of the real and the generated set's radii and, as a
yardstick, of one plain n x m float64 matrix product of the two sets (PRDC
costs about two: half of each set's own distances, and the distances between
them). Each is timed `--repeats` times and the best is printed (the machine
may be shared; the medians are in the JSON). A first run gives the peak of
numpy's allocations beyond the inputs (tracemalloc) and the process's peak
resident memory. With `--reference` it also runs the
authors' `prdc.compute_prdc` at k = 5 (scikit-learn's full n x m distance
matrices) and checks that density and coverage agree. The load average is
printed: the machine may be shared. The last line is one JSON object.
"""

import argparse
import contextlib
import io
import json
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_wgan.evaluation.metrics import manifold, neighbours  # noqa: E402


def _parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num_real", type=int, default=10_000)
    p.add_argument("--num_fake", type=int, default=10_000)
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=3, help="Timed repeats; the best is printed.")
    p.add_argument("--reference", action="store_true", help="Also time the authors' prdc package.")
    return p


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _product(real, fake):
    """One n x m float64 matrix product of the two sets, in blocks of rows as PRDC does."""
    for rows in range(0, len(real), neighbours.BLOCK):
        real[rows : rows + neighbours.BLOCK] @ fake.T


def _once(real, fake):
    """The seconds of each part, one repeat: {name: seconds}."""
    times = {}
    neighbours._RADII.clear()
    result, times["seconds"] = _timed(manifold.prdc, real, fake)
    _, times["seconds_with_real_radii_kept"] = _timed(manifold.prdc, real, fake)
    neighbours._RADII.clear()
    ks = (manifold.PRECISION_K, manifold.DENSITY_K)
    _, times["seconds_real_radii"] = _timed(neighbours.kth_neighbour_distances, real, ks)
    _, times["seconds_fake_radii"] = _timed(
        neighbours.kth_neighbour_distances, fake, (manifold.PRECISION_K,)
    )
    _, times["seconds_one_matrix_product"] = _timed(_product, real, fake)
    return result, times


def main(argv=None):
    flags = _parser().parse_args(argv)
    rng = np.random.default_rng(flags.seed)
    real = rng.standard_normal((flags.num_real, flags.dim))
    fake = rng.standard_normal((flags.num_fake, flags.dim))
    inputs_mb = (real.nbytes + fake.nbytes) / 2**20
    load_before = os.getloadavg()[0]
    row = {"num_real": flags.num_real, "num_fake": flags.num_fake, "dim": flags.dim}

    neighbours._RADII.clear()
    tracemalloc.start()
    result = manifold.prdc(real, fake)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row["peak_numpy_mb_beyond_inputs"] = round(peak / 2**20, 1)
    row["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    repeats = [_once(real, fake)[1] for _ in range(flags.repeats)]
    for key in repeats[0]:
        row[key] = round(min(times[key] for times in repeats), 2)  # the least disturbed
        row[f"{key}_median"] = round(float(np.median([times[key] for times in repeats])), 2)
    row.update({key: round(value, 4) for key, value in result._asdict().items()})

    if flags.reference:
        import prdc

        with contextlib.redirect_stdout(io.StringIO()):
            expected, seconds = _timed(prdc.compute_prdc, real, fake, manifold.DENSITY_K)
        row["reference_seconds"] = round(seconds, 2)
        row["reference_agrees"] = bool(
            abs(expected["density"] - result.density) < 1e-6
            and abs(expected["coverage"] - result.coverage) < 1e-6
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        row["max_rss_mb_with_reference"] = round(rss, 1)
    row["inputs_mb"] = round(inputs_mb, 1)
    row["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    row["cpus"] = len(os.sched_getaffinity(0))
    print(
        f"{flags.num_real} x {flags.num_fake} features of {flags.dim}, best of {flags.repeats}: "
        f"{row['seconds']:.1f} s cold (real radii {row['seconds_real_radii']:.1f} s, generated "
        f"radii {row['seconds_fake_radii']:.1f} s), {row['seconds_with_real_radii_kept']:.1f} s "
        f"with the real radii kept; one float64 matrix product of the two sets "
        f"{row['seconds_one_matrix_product']:.1f} s; peak numpy memory beyond the "
        f"{inputs_mb:.0f} MB of inputs {row['peak_numpy_mb_beyond_inputs']} MB, process peak "
        f"RSS {row['max_rss_mb']} MB; load average {row['load_average']} on {row['cpus']} CPUs",
        flush=True,
    )
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
