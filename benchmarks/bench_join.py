"""Time the population x protected-area step against plain ``geopandas.sjoin``, in the same run.

The step is :func:`deerhabitat.analysis.points_in_polygons`: every (point, polygon) pair where the
polygon covers the point. It is timed against :func:`geopandas.sjoin` on the same points and
polygons (``predicate="within"``, geopandas' fastest path, which builds its tree on the points;
random points never fall on a boundary, so both find the same pairs, and the script checks that
they do). Each size is timed in its own Python process, the methods interleaved in a new random
order each round, so that load from other processes on a shared machine hits them alike; the
table gives the best of the rounds (and the median). Memory is measured apart, one process per
method and size: the process's peak resident set is reset after the data is built
(``/proc/self/clear_refs``) and read back after one call (``VmHWM``); the figure is that peak minus
the resident set before.

Memory is reported two ways: the growth of the resident set (which hides memory the process
freed earlier and reuses) and the peak that ``tracemalloc`` sees in one extra, untimed call (Python
objects and numpy arrays; not GEOS's own allocations).

The methods:

* ``deerhabitat``: ``points_in_polygons(points, polygons)`` on one thread;
* ``deerhabitat-2t``: the same with ``workers=2`` (shapely releases the GIL);
* ``sjoin``: ``geopandas.sjoin`` on new GeoDataFrames, so it builds its spatial index in the
  timed call, as a first analysis of a store does;
* ``sjoin-warm``: the same with the points' spatial index already built (untimed), geopandas'
  best case when the same points are joined again.

Data: uniformly random points in a 2,000 km x 1,200 km box of the bundled Albers CRS and random
star-shaped polygons of 32 vertices whose sizes give about 40 % cover, fixed seed.

Run ``python benchmarks/bench_join.py`` (all sizes, 7 rounds, about 4 minutes on 2 cores) or
``python benchmarks/bench_join.py --points 10000 --polygons 1000 --repeat 5``. It prints a
Markdown table for ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

WIDTH_M, HEIGHT_M = 2_000_000.0, 1_200_000.0
METHODS = ("deerhabitat", "deerhabitat-2t", "sjoin", "sjoin-warm")
POINTS = (10_000, 100_000, 1_000_000)
POLYGONS = (1_000, 10_000)


def make_points(n: int, seed: int = 1) -> np.ndarray:
    """Uniformly random points in the study box (Albers metres)."""
    import shapely

    rng = np.random.default_rng(seed)
    return shapely.points(
        rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, n), rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, n)
    )


def make_polygons(m: int, seed: int = 2, vertices: int = 32, cover: float = 0.4) -> np.ndarray:
    """Random star polygons whose total area is about ``cover`` of the box (before overlaps)."""
    import shapely

    rng = np.random.default_rng(seed)
    mean_radius = np.sqrt(cover * WIDTH_M * HEIGHT_M / (m * np.pi * 0.65))
    centres = np.column_stack(
        [rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, m), rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, m)]
    )
    radius = mean_radius * rng.uniform(0.5, 1.5, (m, 1)) * rng.uniform(0.6, 1.0, (m, vertices))
    angles = np.sort(rng.uniform(0, 2 * np.pi, (m, vertices)), axis=1)
    rings = np.stack(
        [centres[:, :1] + radius * np.cos(angles), centres[:, 1:] + radius * np.sin(angles)], axis=2
    )
    return shapely.polygons(rings)


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _runner(method: str, points: np.ndarray, polygons: np.ndarray):
    """Return an untimed set-up function giving the timed call (fresh GeoDataFrames for cold sjoin)."""
    import geopandas as gpd

    from deerhabitat.analysis import points_in_polygons

    if method == "deerhabitat":
        return lambda: lambda: points_in_polygons(points, polygons)
    if method == "deerhabitat-2t":
        return lambda: lambda: points_in_polygons(points, polygons, workers=2)
    right = gpd.GeoDataFrame(geometry=gpd.GeoSeries(polygons))
    warm_left = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points))
    if method == "sjoin-warm":
        warm_left.sindex  # noqa: B018 - build the points' index before timing
        return lambda: lambda: _pairs(gpd.sjoin(warm_left, right, predicate="within"))

    def cold():
        left, fresh_right = warm_left.copy(), right.copy()  # no cached index: sjoin builds it
        return lambda: _pairs(gpd.sjoin(left, fresh_right, predicate="within"))

    return cold


def _pairs(joined) -> tuple[np.ndarray, np.ndarray]:
    return joined.index.to_numpy(), joined["index_right"].to_numpy()


def time_case(n: int, m: int, repeat: int, seed: int = 0) -> list[dict]:
    """Time every method on one size in this process, interleaved in a shuffled order each round.

    Interleaving exposes every method to the same moments of load from other processes.
    """
    import gc

    points, polygons = make_points(n), make_polygons(m)
    setups = {method: _runner(method, points, polygons) for method in METHODS}
    times: dict[str, list[float]] = {method: [] for method in METHODS}
    digests: dict[str, tuple[int, int]] = {}
    rng = np.random.default_rng(seed)
    for _ in range(repeat):
        for method in rng.permutation(METHODS):
            call = setups[method]()
            gc.collect()
            start = time.perf_counter()
            point_idx, poly_idx = call()
            times[method].append(time.perf_counter() - start)
            digests[method] = (len(point_idx), _digest(point_idx, poly_idx))
            del call, point_idx, poly_idx
    return [
        {
            "points": n,
            "polygons": m,
            "method": method,
            "median_s": statistics.median(times[method]),
            "min_s": min(times[method]),
            "pairs": digests[method][0],
            "digest": digests[method][1],
        }
        for method in METHODS
    ]


def memory_case(n: int, m: int, method: str) -> dict:
    """Peak memory of one call of one method, in this (fresh) process."""
    import gc

    points, polygons = make_points(n), make_polygons(m)
    setup = _runner(method, points, polygons)
    call = setup()
    gc.collect()
    before_kb = _rss_kb("VmRSS")
    peak_ok = _reset_peak()
    result = call()
    growth_mb = max(_rss_kb("VmHWM") - before_kb, 0) / 1024 if peak_ok else None
    del result, call
    return {
        "points": n,
        "polygons": m,
        "method": method,
        "peak_mb": growth_mb,
        "traced_mb": _traced_peak_mb(setup()),
    }


def _digest(point_idx: np.ndarray, poly_idx: np.ndarray) -> int:
    order = np.lexsort((poly_idx, point_idx))
    return int(np.sum((point_idx[order].astype(np.int64) * 10_007 + poly_idx[order]) % 1_000_003))


def _traced_peak_mb(call) -> float:
    """Peak memory Python and numpy allocate during ``call`` (tracemalloc; GEOS's own is not seen)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    result = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak / 2**20


def _child(*args: str) -> object:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run_all(points: tuple[int, ...], polygons: tuple[int, ...], repeat: int) -> list[dict]:
    """Time each size in a fresh process, then measure each method's memory in its own process."""
    results = []
    for m in polygons:
        for n in points:
            timed = _child("--time", str(n), str(m), "--repeat", str(repeat))
            for row in timed:
                row.update(_child("--memory", str(n), str(m), row["method"]))
                print(
                    f"  {n:>9,} points x {m:>6,} polygons  {row['method']:<15} best {row['min_s']:.3f} s, "
                    f"median {row['median_s']:.3f} s, peak +{row['peak_mb']:.0f} MB",
                    file=sys.stderr,
                )
            results.extend(timed)
    return results


def markdown(results: list[dict]) -> str:
    """One row per size: each method's best time (median in brackets), speed-ups and peak memory.

    The speed-ups compare best times: on a shared machine the best of N is the figure least
    disturbed by other processes.
    """
    rows = [
        "| points | polygons | pairs | deerhabitat | 2 threads | sjoin (cold) | sjoin (warm index) | "
        "speed-up vs cold | vs warm | RSS growth MB ours / sjoin | traced peak MB ours / sjoin |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cases = sorted({(r["points"], r["polygons"]) for r in results}, key=lambda c: (c[1], c[0]))
    for n, m in cases:
        by = {r["method"]: r for r in results if (r["points"], r["polygons"]) == (n, m)}
        agree = len({r["digest"] for r in by.values()}) == 1 and len({r["pairs"] for r in by.values()}) == 1
        ours, cold, warm = by["deerhabitat"], by["sjoin"], by["sjoin-warm"]
        rows.append(
            f"| {n:,} | {m:,} | {ours['pairs']:,}{'' if agree else ' (DIFFER)'} | {_t(ours)} | "
            f"{_t(by['deerhabitat-2t'])} | {_t(cold)} | {_t(warm)} | "
            f"{cold['min_s'] / ours['min_s']:.2f}x | {warm['min_s'] / ours['min_s']:.2f}x | "
            f"{_mb(ours)} / {_mb(cold)} | {ours['traced_mb']:.1f} / {cold['traced_mb']:.1f} |"
        )
    return "\n".join(rows)


def _t(result: dict) -> str:
    return f"{result['min_s']:.3f} s ({result['median_s']:.3f})"


def _mb(result: dict) -> str:
    return "-" if result["peak_mb"] is None else f"{result['peak_mb']:.1f}"


def environment() -> str:
    """Versions and machine, for the README."""
    import geopandas
    import shapely

    return (
        f"Python {platform.python_version()}, shapely {shapely.__version__} "
        f"(GEOS {shapely.geos_version_string}), geopandas {geopandas.__version__}, "
        f"numpy {np.__version__}; {os.cpu_count()} CPUs ({platform.machine()}), "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )


def main() -> None:
    """Parse arguments; run one case (internal) or every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time", nargs=2, type=int, metavar=("POINTS", "POLYGONS"), help=argparse.SUPPRESS)
    parser.add_argument("--memory", nargs=3, metavar=("POINTS", "POLYGONS", "METHOD"), help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, nargs="*", default=list(POINTS))
    parser.add_argument("--polygons", type=int, nargs="*", default=list(POLYGONS))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.time:
        print(json.dumps(time_case(args.time[0], args.time[1], args.repeat)))
        return
    if args.memory:
        print(json.dumps(memory_case(int(args.memory[0]), int(args.memory[1]), args.memory[2])))
        return
    header = environment()
    results = run_all(tuple(args.points), tuple(args.polygons), args.repeat)
    print(header + "\n\n" + markdown(results))


if __name__ == "__main__":
    main()
