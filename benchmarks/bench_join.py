"""Time the population x protected-area step against plain ``geopandas.sjoin``, in the same run.

The step is :func:`deerhabitat.analysis.points_in_polygons`: every (point, polygon) pair where the
polygon covers the point. It is timed against :func:`geopandas.sjoin` on the same points and
polygons (``predicate="within"``, geopandas' fastest path, which builds its tree on the points;
random points never fall on a boundary, so both find the same pairs, and the script checks that
they do). Every case runs in its own Python process, so peak memory is measured cleanly: the
process's peak resident set is reset after the data is built (``/proc/self/clear_refs``) and read
back after the method (``VmHWM``); the figure is that peak minus the resident set before.

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

Run ``python benchmarks/bench_join.py`` (all sizes, 5 repeats, about 5 minutes on 2 cores) or
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
    return shapely.points(rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, n),
                          rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, n))


def make_polygons(m: int, seed: int = 2, vertices: int = 32, cover: float = 0.4) -> np.ndarray:
    """Random star polygons whose total area is about ``cover`` of the box (before overlaps)."""
    import shapely

    rng = np.random.default_rng(seed)
    mean_radius = np.sqrt(cover * WIDTH_M * HEIGHT_M / (m * np.pi * 0.65))
    centres = np.column_stack([rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, m),
                               rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, m)])
    radius = mean_radius * rng.uniform(0.5, 1.5, (m, 1)) * rng.uniform(0.6, 1.0, (m, vertices))
    angles = np.sort(rng.uniform(0, 2 * np.pi, (m, vertices)), axis=1)
    rings = np.stack([centres[:, :1] + radius * np.cos(angles),
                      centres[:, 1:] + radius * np.sin(angles)], axis=2)
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
    import geopandas as gpd

    from deerhabitat.analysis import points_in_polygons

    if method == "deerhabitat":
        return lambda: points_in_polygons(points, polygons)
    if method == "deerhabitat-2t":
        return lambda: points_in_polygons(points, polygons, workers=2)
    left = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points))
    right = gpd.GeoDataFrame(geometry=gpd.GeoSeries(polygons))
    if method == "sjoin-warm":
        left.sindex  # noqa: B018 - build the points' index before timing
        return lambda: _pairs(gpd.sjoin(left, right, predicate="within"))
    return lambda: _pairs(gpd.sjoin(left.copy(), right.copy(), predicate="within"))


def _pairs(joined) -> tuple[np.ndarray, np.ndarray]:
    return joined.index.to_numpy(), joined["index_right"].to_numpy()


def run_case(n: int, m: int, method: str, repeat: int) -> dict:
    """Time one method on one size, in this process; returns a dict of results."""
    import gc

    points, polygons = make_points(n), make_polygons(m)
    times, growth_kb, pairs = [], [], None
    for _ in range(repeat):
        call = _runner(method, points, polygons)
        gc.collect()
        before_kb = _rss_kb("VmRSS")
        peak_ok = _reset_peak()
        start = time.perf_counter()
        point_idx, poly_idx = call()
        times.append(time.perf_counter() - start)
        growth_kb.append(max(_rss_kb("VmHWM") - before_kb, 0) if peak_ok else None)
        pairs = (point_idx, poly_idx)
        del call
    traced_mb = _traced_peak_mb(_runner(method, points, polygons))
    order = np.lexsort((pairs[1], pairs[0]))
    digest = int(np.sum((pairs[0][order].astype(np.int64) * 10_007 + pairs[1][order]) % 1_000_003))
    return {"points": n, "polygons": m, "method": method, "median_s": statistics.median(times),
            "min_s": min(times), "peak_mb": max(growth_kb) / 1024 if growth_kb[0] is not None else None,
            "traced_mb": traced_mb, "pairs": len(pairs[0]), "digest": digest}


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


def run_all(points: tuple[int, ...], polygons: tuple[int, ...], repeat: int) -> list[dict]:
    """Run every method on every size, each in a fresh process."""
    results = []
    for m in polygons:
        for n in points:
            for method in METHODS:
                cmd = [sys.executable, __file__, "--case", str(n), str(m), method, "--repeat", str(repeat)]
                done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                results.append(json.loads(done.stdout))
                print(f"  {n:>9,} points x {m:>6,} polygons  {method:<15} best {results[-1]['min_s']:.3f} s, "
                      f"median {results[-1]['median_s']:.3f} s", file=sys.stderr)
    return results


def markdown(results: list[dict]) -> str:
    """One row per size: each method's best time (median in brackets), speed-ups and peak memory.

    The speed-ups compare best times: on a shared machine the best of N is the figure least
    disturbed by other processes.
    """
    rows = ["| points | polygons | pairs | deerhabitat | 2 threads | sjoin (cold) | sjoin (warm index) | "
            "speed-up vs cold | vs warm | RSS growth MB ours / sjoin | traced peak MB ours / sjoin |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    cases = sorted({(r["points"], r["polygons"]) for r in results}, key=lambda c: (c[1], c[0]))
    for n, m in cases:
        by = {r["method"]: r for r in results if (r["points"], r["polygons"]) == (n, m)}
        agree = len({r["digest"] for r in by.values()}) == 1 and len({r["pairs"] for r in by.values()}) == 1
        ours, cold, warm = by["deerhabitat"], by["sjoin"], by["sjoin-warm"]
        rows.append(
            f"| {n:,} | {m:,} | {ours['pairs']:,}{'' if agree else ' (DIFFER)'} | {_t(ours)} | "
            f"{_t(by['deerhabitat-2t'])} | {_t(cold)} | {_t(warm)} | "
            f"{cold['min_s'] / ours['min_s']:.2f}x | {warm['min_s'] / ours['min_s']:.2f}x | "
            f"{_mb(ours)} / {_mb(cold)} | {ours['traced_mb']:.0f} / {cold['traced_mb']:.0f} |")
    return "\n".join(rows)


def _t(result: dict) -> str:
    return f"{result['min_s']:.3f} s ({result['median_s']:.3f})"


def _mb(result: dict) -> str:
    return "-" if result["peak_mb"] is None else f"{result['peak_mb']:.0f}"


def environment() -> str:
    """Versions and machine, for the README."""
    import geopandas
    import shapely

    return (f"Python {platform.python_version()}, shapely {shapely.__version__} "
            f"(GEOS {shapely.geos_version_string}), geopandas {geopandas.__version__}, "
            f"numpy {np.__version__}; {os.cpu_count()} CPUs ({platform.machine()}), "
            f"load average {os.getloadavg()[0]:.2f} at the start")


def main() -> None:
    """Parse arguments; run one case (internal) or every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", nargs=3, metavar=("POINTS", "POLYGONS", "METHOD"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, nargs="*", default=list(POINTS))
    parser.add_argument("--polygons", type=int, nargs="*", default=list(POLYGONS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.case:
        n, m, method = int(args.case[0]), int(args.case[1]), args.case[2]
        print(json.dumps(run_case(n, m, method, args.repeat)))
        return
    header = environment()
    results = run_all(tuple(args.points), tuple(args.polygons), args.repeat)
    print(header + "\n\n" + markdown(results))


if __name__ == "__main__":
    main()
