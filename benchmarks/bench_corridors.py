"""Corridors over the whole region at 1 km: time, peak memory, and the least costs checked.

The benchmark writes, into a work folder (default ``/tmp/deerhabitat-bench-corridors``), a suitability
GeoTIFF of 2,000 x 1,500 cells of 1 km in the bundled Albers CRS (the range states' extent, 3 million
cells): a low, noisy background (0-0.3), two mountain blocks (0) and a network of five meandering
"rivers" 3-7 km wide (suitability 0.9-1). It creates a store with ``--populations`` wild sites (default
20) placed along the rivers, each with a wild count, two protected areas along rivers and two range
states. It then runs the real command in a child process,

    deerhabitat habitat corridors --store S --from-suitability suit.tif --out OUT --profile internal --json

once with the default ``max_cost`` (1,000: the search stops at max cost + tolerance) and once with
``--no-max-cost`` (every search covers the whole raster, the worst case), and reads each child's wall
time and peak resident memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``). Goal: under a minute.

Check: for every linked pair, the least cost reported is recomputed by hand from the path in
``corridors.gpkg`` and ``resistance.tif`` (sum of step length x mean resistance of the two cells), and
must be at least the straight-line distance (resistance is at least 1); the largest difference is printed.

Run ``python benchmarks/bench_corridors.py`` (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, PIXEL_M = 2000, 1500, 1000.0
LEFT, TOP = -1_100_000.0, 900_000.0


def _transform():
    from affine import Affine

    return Affine(PIXEL_M, 0, LEFT, 0, -PIXEL_M, TOP)


def _rivers(rng: np.random.Generator) -> list:
    import shapely

    lines = []
    for k in range(5):
        y = TOP - (200_000 + 260_000 * k)
        xs = np.linspace(LEFT + 50_000, LEFT + WIDTH * PIXEL_M - 50_000, 80)
        ys = y + np.cumsum(rng.normal(0, 12_000, len(xs)))
        lines.append(shapely.LineString(np.column_stack([xs, ys])))
    # two tributaries joining neighbouring rivers
    lines.append(shapely.LineString([(LEFT + 700_000, TOP - 200_000), (LEFT + 760_000, TOP - 460_000)]))
    lines.append(shapely.LineString([(LEFT + 1_400_000, TOP - 720_000), (LEFT + 1_350_000, TOP - 980_000)]))
    return lines


def write_inputs(work: Path, n_populations: int, seed: int = 7) -> dict:
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.features import rasterize
    from scipy import ndimage

    from deerhabitat.config import StoreConfig
    from deerhabitat.io import Provenance, Store
    from deerhabitat.schema import LayerKind, validate_layer

    rng = np.random.default_rng(seed)
    crs = StoreConfig().crs
    t = _transform()
    suit = ndimage.gaussian_filter(rng.random((HEIGHT, WIDTH)), 8)
    suit = (suit - suit.min()) / (suit.max() - suit.min()) * 0.3
    suit[300:700, 200:500] = 0.0  # mountains
    suit[900:1300, 1200:1450] = 0.0
    rivers = _rivers(rng)
    bands = [(r.buffer(float(rng.uniform(1500, 3500))), 1) for r in rivers]
    on_river = rasterize(bands, out_shape=(HEIGHT, WIDTH), transform=t, dtype="uint8").astype(bool)
    suit[on_river] = 0.9 + 0.1 * rng.random(int(on_river.sum()))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "suitability.tif"
    profile = {"driver": "GTiff", "width": WIDTH, "height": HEIGHT, "count": 1, "dtype": "float32",
               "crs": crs.to_wkt(), "transform": t, "nodata": float("nan"), "tiled": True,
               "compress": "deflate"}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(suit.astype("float32"), 1)
    positions = [
        rivers[k % 5].interpolate(float(rng.uniform(0.05, 0.95)), normalized=True)
        for k in range(n_populations)
    ]
    ids = [f"P{k:02d}" for k in range(n_populations)]
    lonlat = gpd.GeoSeries(positions, crs=crs).to_crs(4326)
    sites = gpd.GeoDataFrame(
        {"site_id": ids, "name": ids, "iso3": ["UZB"] * len(ids), "status": ["native"] * len(ids),
         "source": ["bench"] * len(ids)},
        geometry=lonlat.values, crs=4326,
    )  # fmt: skip
    counts = gpd.GeoDataFrame(
        {"count_id": [f"c{i}" for i in ids], "site_id": ids, "date": ["2023"] * len(ids),
         "count": rng.integers(5, 500, len(ids)), "method": ["census"] * len(ids),
         "captive": [False] * len(ids), "source": ["bench"] * len(ids)},
        geometry=lonlat.values, crs=4326,
    )  # fmt: skip
    reserves = [
        rivers[1].buffer(20_000).intersection(shapely.box(-700_000, -900_000, -300_000, 900_000)),
        rivers[3].buffer(15_000).intersection(shapely.box(200_000, -900_000, 600_000, 900_000)),
    ]
    pas = gpd.GeoDataFrame(
        {"pa_id": ["r1", "r2"], "name": ["Reserve 1", "Reserve 2"], "designation": ["Zapovednik"] * 2,
         "iucn_cat": ["Ia", "II"], "status_year": [1970, 1990], "reported_area_km2": [1.0, 1.0],
         "iso3": ["UZB", "TKM"], "source": ["bench"] * 2},
        geometry=gpd.GeoSeries(reserves, crs=crs).to_crs(4326).values, crs=4326,
    )  # fmt: skip
    states = gpd.GeoDataFrame(
        {"iso3": ["UZB", "TKM"], "name": ["West", "East"]},
        geometry=gpd.GeoSeries(
            [shapely.box(LEFT - 1e5, TOP - 1.6e6, -100_000, TOP + 1e5),
             shapely.box(-100_000, TOP - 1.6e6, 1e6, TOP + 1e5)],
            crs=crs,
        ).to_crs(4326).values,
        crs=4326,
    )  # fmt: skip
    store_path = work / "bench.gpkg"
    store_path.unlink(missing_ok=True)
    store = Store.create(store_path)
    with store.transaction() as tx:
        for kind, frame in ((LayerKind.SITES, sites), (LayerKind.POPULATION_COUNTS, counts),
                            (LayerKind.PROTECTED_AREAS, pas), (LayerKind.RANGE_STATES, states)):  # fmt: skip
            tx.write(kind, validate_layer(frame, kind), provenance=Provenance("bench"), mode="replace")
    return {"suitability": path, "store": store_path}


def run(inputs: dict, out: Path, extra: list[str]) -> tuple[dict, float, float, float]:
    exe = Path(sys.executable).with_name("deerhabitat")
    cmd = [str(exe), "habitat", "corridors", "--store", str(inputs["store"]), "--from-suitability",
           str(inputs["suitability"]), "--out", str(out), "--profile", "internal", "--json",
           *extra]  # fmt: skip
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    return json.loads(done.stdout), seconds, cpu, usage.ru_maxrss / 1024


def check(summary: dict, out: Path) -> float:
    """Largest |reported - recomputed| least cost over the linked pairs (recomputed from the path)."""
    import geopandas as gpd
    import rasterio

    with rasterio.open(out / "resistance.tif") as src:
        res, t, crs = src.read(1).astype(np.float64), src.transform, src.crs
    paths = gpd.read_file(out / "corridors.gpkg", layer="corridor_paths").to_crs(crs.to_wkt())
    worst = 0.0
    for row in paths.itertuples():
        xy = np.asarray(row.geometry.coords)
        cols = np.floor((xy[:, 0] - t.c) / t.a).astype(int)
        rows = np.floor((xy[:, 1] - t.f) / t.e).astype(int)
        cells = [(r, c) for k, (r, c) in enumerate(zip(rows, cols, strict=True))
                 if k == 0 or (r, c) != (rows[k - 1], cols[k - 1])]  # fmt: skip
        cost = sum(np.hypot(r1 - r0, c1 - c0) * (res[r0, c0] + res[r1, c1]) / 2
                   for (r0, c0), (r1, c1) in itertools.pairwise(cells))  # fmt: skip
        worst = max(worst, abs(cost - row.least_cost))
        assert row.least_cost >= row.euclidean_km - 1e-6
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/deerhabitat-bench-corridors"))
    parser.add_argument("--populations", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    inputs = write_inputs(args.work, args.populations)
    print(f"inputs written in {time.perf_counter() - start:.1f} s ({WIDTH} x {HEIGHT} cells of 1 km)")
    print(f"{platform.python_version()} on {platform.machine()}")
    for label, extra in (("default max cost (1000)", []), ("--no-max-cost", ["--no-max-cost"])):
        out = args.work / ("out-" + ("all" if extra else "default"))
        summary, seconds, cpu, peak = run(inputs, out, extra)
        worst = check(summary, out)
        print(
            f"{label}: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.0f} MB; "
            f"{len(summary['populations'])} populations, {summary['n_linked']} of {summary['n_pairs']} pairs "
            f"linked, {len(summary['isolated'])} isolated; "
            f"largest |least cost - recomputed from the path| = {worst:.2e}"
        )


if __name__ == "__main__":
    main()
