"""Occurrences per protected area and year at scale: deerhabitat's engine against ``geopandas.sjoin``.

Data (written once, reused by later runs; fixed seeds), in the bundled Albers CRS over a
2,000 km x 1,200 km box of Central Asia:

* ``--points`` points (default 10 million) as a partitioned GeoParquet dataset
  (``io.geoparquet.write_points``: Hilbert order, ``--partitions`` files): 80 % in 500 clusters
  (Gaussian, 5–40 km; occurrences gather where the animals are), 20 % uniform; each with a timestamp
  between 2005 and 2025 and a kind;
* ``--polygons`` protected areas (default 10,000) in one GeoParquet file: star-shaped outlines of
  24–96 vertices with jagged radii, areas log-normal (median about 40 km², a few over 5,000 km²),
  some overlapping, about 10 % of the box.

Methods, each in its own child process, in this order in one run (so they share the machine's load):

1. ``deerhabitat-2w``: ``count_points_in_polygons(point_partitions(...), polygons, EngineOptions(workers=2))``
   (dask threaded scheduler, 2 threads, each file read lazily as coordinate and year arrays);
2. ``sjoin``: ``geopandas.read_parquet`` of every file, ``geopandas.sjoin(predicate="intersects")``,
   ``groupby([index_right, year]).size()``: what one would write without the engine;
3. ``deerhabitat-1w``: the engine with one worker (partitions one after another, no scheduler).

Each child reports the wall time of its work (reading included, imports not); the parent reads the
child's CPU time and peak resident set from ``os.wait4`` (``ru_maxrss``) and the load average before
and after. The sjoin child also reports how much its resident set grew while reading the points: the
size of the points in memory, against which the engine's peak is compared. All three methods must give
the same counts (compared row by row).

``--map`` instead times the public and internal occurrence maps of ``--map-points`` points (default one
million) in headless Chromium (Debian's chromium through Playwright): the time from navigation until
the map runtime has drawn its layers, and the file size.

Run ``python benchmarks/bench_occurrences_join.py`` (writing the data takes a few minutes the first
time; the three methods take several minutes on 2 cores) and paste the table into
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WIDTH_M, HEIGHT_M = 2_000_000.0, 1_200_000.0
DATA = Path("/tmp/deerhabitat-bench-occurrences")
METHODS = ("deerhabitat-2w", "sjoin", "deerhabitat-1w")


def albers():
    """The bundled analysis CRS (Albers equal-area on Central Asia)."""
    from deerhabitat.config import StoreConfig

    return StoreConfig().crs


def make_polygons(m: int, seed: int = 2):
    """Star-shaped protected areas of varied size and detail, about 10 % of the box before overlaps."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    area = rng.lognormal(np.log(40e6), 1.3, m)
    area *= 0.10 * WIDTH_M * HEIGHT_M / area.sum()
    radius = np.sqrt(area / np.pi / 0.8)
    centres = np.column_stack(
        [rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, m), rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, m)]
    )
    shapes = []
    for (cx, cy), r in zip(centres, radius, strict=True):
        k = int(rng.integers(24, 97))
        angles = np.sort(rng.uniform(0, 2 * np.pi, k))
        jag = r * np.clip(1 + rng.normal(0, 0.12, k), 0.5, 1.4)
        shapes.append(
            shapely.Polygon(np.column_stack([cx + jag * np.cos(angles), cy + jag * np.sin(angles)]))
        )
    geoms = shapely.make_valid(np.array(shapes, dtype=object))
    geoms = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else _polygonal(g) for g in geoms])
    return gpd.GeoDataFrame({"pa_id": [f"PA{i:05d}" for i in range(m)]}, geometry=geoms, crs=albers())


def _polygonal(geom):
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def make_points(n: int, seed: int = 1):
    """Clustered and scattered points with timestamps (2005–2025) and a kind."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    clustered = int(n * 0.8)
    centres = np.column_stack(
        [rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, 500), rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, 500)]
    )
    sigma = rng.uniform(5_000, 40_000, 500)
    which = rng.integers(0, 500, clustered)
    xy = np.empty((n, 2))
    xy[:clustered] = centres[which] + rng.normal(0, 1, (clustered, 2)) * sigma[which, None]
    xy[clustered:, 0] = rng.uniform(-WIDTH_M / 2, WIDTH_M / 2, n - clustered)
    xy[clustered:, 1] = rng.uniform(-HEIGHT_M / 2, HEIGHT_M / 2, n - clustered)
    start = np.datetime64("2005-01-01T00:00:00", "s").astype(np.int64)
    seconds = rng.integers(0, 20 * 365 * 86400, n)
    return gpd.GeoDataFrame(
        {
            "occurrence_id": pd.array(np.arange(n)).astype("string"),
            "date": pd.to_datetime(start + seconds, unit="s"),
            "kind": pd.Categorical(
                rng.choice(["telemetry", "camera-trap", "observation"], n, p=[0.8, 0.1, 0.1])
            ),
        },
        geometry=shapely.points(xy),
        crs=albers(),
    )


def write_data(n: int, m: int, partitions: int, folder: Path) -> dict:
    """Write the points and polygons once (a ``meta.json`` records what is there)."""
    meta_path = folder / "meta.json"
    wanted = {"points": n, "polygons": m, "partitions": partitions}
    if meta_path.exists() and json.loads(meta_path.read_text()).get("wanted") == wanted:
        return json.loads(meta_path.read_text())
    from deerhabitat.io.geoparquet import write_points

    folder.mkdir(parents=True, exist_ok=True)
    for old in (folder / "points").glob("*.parquet") if (folder / "points").exists() else []:
        old.unlink()
    t0 = time.perf_counter()
    make_polygons(m).to_parquet(folder / "polygons.parquet")
    points = make_points(n)
    write_points(points, folder / "points", partitions=partitions)
    size = sum(p.stat().st_size for p in (folder / "points").glob("*.parquet"))
    meta = {"wanted": wanted, "seconds_to_write": round(time.perf_counter() - t0, 1), "points_bytes": size}
    meta_path.write_text(json.dumps(meta))
    return meta


# -- the children ------------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(method: str, folder: Path) -> dict:
    """Run one method; print its counts' digest, wall time and (sjoin) the points' size in memory."""
    import geopandas as gpd
    import pandas as pd

    from deerhabitat.analysis.engine import EngineOptions, count_points_in_polygons
    from deerhabitat.io.geoparquet import point_partitions

    out: dict = {"method": method}
    t0 = time.perf_counter()
    polygons = gpd.read_parquet(folder / "polygons.parquet")
    if method == "sjoin":
        before = _rss_mb()
        points = gpd.read_parquet(folder / "points", columns=["date", "geometry"])
        out["points_in_memory_mb"] = round(_rss_mb() - before, 1)
        out["read_s"] = round(time.perf_counter() - t0, 2)
        joined = gpd.sjoin(points, polygons[["geometry"]], predicate="intersects")
        counts = (
            joined.groupby([joined["index_right"].rename("polygon"), joined["date"].dt.year.rename("year")])
            .size()
            .rename("count")
            .reset_index()
            .astype({"polygon": "int64", "year": "Int64", "count": "int64"})
        )
    else:
        workers = int(method.rsplit("-", 1)[1].rstrip("w"))
        points = point_partitions(folder / "points", "date")
        counts = count_points_in_polygons(points, polygons, options=EngineOptions(workers=workers))
    out["wall_s"] = round(time.perf_counter() - t0, 2)
    counts = counts.sort_values(["polygon", "year"]).reset_index(drop=True)
    out["rows"] = len(counts)
    out["pairs"] = int(counts["count"].sum())
    out["digest"] = int(pd.util.hash_pandas_object(counts, index=False).sum() % (2**61))
    return out


def run_child(method: str, folder: Path) -> dict:
    """One child process; its own figures plus CPU time and peak RSS from ``wait4``."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", method, "--data", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    stdout = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed with exit code {proc.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(
        process_s=round(time.perf_counter() - started, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 1),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 0),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
    )
    return result


def join_benchmark(args: argparse.Namespace) -> None:
    meta = write_data(args.points, args.polygons, args.partitions, args.data)
    print(f"data: {meta}", file=sys.stderr)
    results = {}
    for method in METHODS:
        results[method] = run_child(method, args.data)
        print(json.dumps(results[method]), file=sys.stderr)
    digests = {r["digest"] for r in results.values()}
    if len(digests) != 1:
        raise SystemExit(f"the methods disagree: {results}")
    sj = results["sjoin"]
    print(
        f"\n{args.points:,} points x {args.polygons:,} polygons, {args.partitions} partitions; "
        f"{sj['pairs']:,} (point, polygon) pairs in {sj['rows']:,} (polygon, year) rows; all three equal"
    )
    print(
        f"points in memory (sjoin's RSS growth while reading them): {sj['points_in_memory_mb']:,.0f} MB; "
        f"on disk {meta['points_bytes'] / 2**20:,.0f} MB\n"
    )
    print("| method | wall time | CPU time | peak RSS | load average before → after | vs sjoin |")
    print("|---|---:|---:|---:|---|---:|")
    for method in METHODS:
        r = results[method]
        print(
            f"| {method} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_rss_mb']:,.0f} MB | "
            f"{r['load_before']:.2f} → {r['load_after']:.2f} | {sj['wall_s'] / r['wall_s']:.2f}x |"
        )
    d1, d2 = results["deerhabitat-1w"], results["deerhabitat-2w"]
    print(f"\n2 workers vs 1: {d1['wall_s'] / d2['wall_s']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--polygons", type=int, default=10_000)
    parser.add_argument("--partitions", type=int, default=40)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--child", choices=METHODS)
    parser.add_argument("--map", action="store_true", help="time the occurrence maps in Chromium instead")
    parser.add_argument("--map-points", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.data)))
    elif args.map:
        map_benchmark(args)
    else:
        join_benchmark(args)


def map_occurrences(n: int, seed: int = 3):
    """``n`` occurrences in lon/lat over the range states.

    90 % telemetry of 40 collared deer (random walks, a fix every 3 hours), 10 % scattered GBIF records.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    fixes = int(n * 0.9)
    animals = 40
    per = fixes // animals
    starts = np.column_stack([rng.uniform(60, 70, animals), rng.uniform(37, 44, animals)])
    walks = starts[:, None, :] + rng.normal(0, 0.003, (animals, per, 2)).cumsum(axis=1)
    xy = np.concatenate(
        [
            walks.reshape(-1, 2),
            np.column_stack([rng.uniform(58, 72, n - animals * per), rng.uniform(36, 46, n - animals * per)]),
        ]
    )
    when = pd.Timestamp("2019-01-01") + pd.to_timedelta(np.tile(np.arange(per) * 3, animals), unit="h")
    others = n - animals * per
    return gpd.GeoDataFrame(
        {
            "occurrence_id": [f"o{i}" for i in range(n)],
            "date": np.concatenate([when.to_numpy(), np.full(others, np.datetime64("2021-06-01"))]),
            "kind": ["telemetry"] * (animals * per) + ["observation"] * others,
            "animal_id": [f"deer-{a:02d}" for a in range(animals) for _ in range(per)] + [None] * others,
            "source": ["Movebank"] * (animals * per) + ["GBIF"] * others,
        },
        geometry=shapely.points(xy),
        crs=4326,
    )


def map_benchmark(args: argparse.Namespace) -> None:
    """Build the occurrences map of ``--map-points`` records over the bundled store and time it in Chromium.

    Public and internal; median of 3 loads (navigation until the map runtime is ready and two frames drawn).
    """
    import statistics

    from bench_maps import LOADED, OFFLINE_ARGS, load_seconds
    from playwright.sync_api import sync_playwright

    from deerhabitat.publish import ExactResults, prepare_data, render_map_html
    from deerhabitat.publish.maps import build_occurrences_map
    from deerhabitat.workflows.store import take_snapshot

    snapshot = take_snapshot(None)
    points = map_occurrences(args.map_points)
    out = args.data / "maps"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=OFFLINE_ARGS)
        for profile in ("public", "internal"):
            start = time.perf_counter()
            data = prepare_data(
                snapshot.layers, snapshot.config, profile=profile, results=ExactResults(occurrences=points)
            )
            web_map = build_occurrences_map(data)
            path = out / f"occurrences-{profile}.html"
            path.write_text(render_map_html(web_map), encoding="utf-8")
            build_s = time.perf_counter() - start
            loads = [load_seconds(browser, path, LOADED["deerhabitat"]) for _ in range(3)]
            errors = sorted({e for _, errs in loads for e in errs})
            density = data.occurrence_density
            rows.append(
                (
                    profile,
                    build_s,
                    path.stat().st_size / 1e6,
                    statistics.median(s for s, _ in loads),
                    min(s for s, _ in loads),
                    len(density.hexagons),
                    errors,
                    os.getloadavg()[0],
                )
            )
        browser.close()
    print(f"\n{args.map_points:,} occurrences (90 % telemetry of 40 animals)\n")
    print("| profile | build (s) | HTML (MB) | load (s), median of 3 | best | hexagons | load average |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for profile, build_s, mb, load, best, hexes, errors, load_avg in rows:
        print(
            f"| {profile} | {build_s:.1f} | {mb:.1f} | {load:.2f} | {best:.2f} | {hexes:,} | {load_avg:.2f} |"
        )
        if errors:
            print(f"| errors: {'; '.join(errors)[:300]} |")


if __name__ == "__main__":
    main()
