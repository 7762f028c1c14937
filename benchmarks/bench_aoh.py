"""Area of Habitat on a raster bigger than memory: peak memory, time, and the answer checked.

The benchmark writes, into a work folder (default ``/tmp/deerhabitat-bench-aoh``), a land-cover and an
elevation GeoTIFF of ``--size`` x ``--size`` pixels (default 20,000 x 20,000 = 400 million pixels,
100 m pixels in the bundled Albers CRS, i.e. 2,000 km x 2,000 km; tiled 512, DEFLATE), written strip by
strip so they never exist in memory. Both rasters are made of 500 km x 500 km blocks of one class and
one elevation, so the exact Area of Habitat is known from a vector overlay: the area of the range inside
each block whose class is suitable and whose elevation is within the limits. The range is a star-shaped
polygon of 720 vertices (a radius of 400-900 km), whose edges cut pixels everywhere.

It then runs the real command in a child process,

    deerhabitat habitat aoh --store S --range-period bench --landcover lc.tif --suitable-classes 1,2
        --elevation dem.tif --min-elevation-m 0 --max-elevation-m 1000 --out OUT --json

and reads the child's peak resident memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``) and its
wall time. The goal is a peak under 1.5 GB and the known AOH within 1%.

``--dem-factor 4`` makes the elevation raster 4 times coarser, so the command also warps it onto the
land-cover grid (GDAL WarpedVRT, bilinear) block by block; the known answer then differs by the
interpolated strips along the elevation block edges (well under 0.1%).

``--check`` also runs the same data at a small size (2,000 x 2,000) through the command with tiny blocks
(``--block-size 256``) and through the in-memory function
:func:`deerhabitat.analysis.habitat.area_of_habitat`, and reports the difference of the totals and the
largest difference of the pixels (they must agree).

Run ``python benchmarks/bench_aoh.py`` (about 10 minutes on 2 cores, 1 GB of disk) or
``python benchmarks/bench_aoh.py --size 5000 --check`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CLASSES = np.array([[1, 2, 3, 4], [2, 1, 4, 3], [3, 4, 1, 2], [4, 3, 2, 1]], dtype=np.uint8)
ELEVATION = np.array(
    [[100, 500, 1500, 300], [800, 2500, 200, 900], [50, 1200, 700, 400], [600, 100, 1100, 3000]],
    dtype=np.int16,
)
SUITABLE = (1, 2)
LIMITS_M = (0.0, 1000.0)
EXTENT_M = 2_000_000.0


def _grid(size: int) -> tuple:
    from affine import Affine

    pixel = EXTENT_M / size
    return Affine(pixel, 0, -EXTENT_M / 2, 0, -pixel, EXTENT_M / 2), pixel


def _block_values(table: np.ndarray, rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    n = table.shape[0]
    return table[(rows * n // size)[:, None], (cols * n // size)[None, :]]


def write_rasters(work: Path, size: int, *, dem_factor: int = 1) -> dict[str, Path]:
    """Write the land-cover and elevation rasters strip by strip (never whole in memory).

    With ``dem_factor`` > 1 the elevation raster is ``dem_factor`` times coarser, so the command warps it
    onto the land-cover grid (bilinear) block by block.
    """
    paths = {"lc": work / f"lc-{size}.tif", "dem": work / f"dem-{size // dem_factor}.tif"}
    _write_blocks(paths["lc"], CLASSES, "uint8", size)
    _write_blocks(paths["dem"], ELEVATION, "int16", size // dem_factor)
    return paths


def _write_blocks(path: Path, table: np.ndarray, dtype: str, size: int) -> None:
    import rasterio
    from rasterio.windows import Window

    from deerhabitat.config import StoreConfig

    if path.exists():
        return
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": dtype,
        "crs": StoreConfig().crs.to_wkt(),
        "transform": _grid(size)[0],
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    cols = np.arange(size)
    with rasterio.open(path, "w", **profile) as dst:
        for row in range(0, size, 512):
            rows = np.arange(row, min(row + 512, size))
            dst.write(_block_values(table, rows, cols, size), 1, window=Window(0, row, size, len(rows)))


def range_polygon():
    """Return a star-shaped range of 720 vertices, radius 400-900 km, centred on the grid (Albers metres)."""
    import shapely

    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    radius = 650_000 + 250_000 * np.sin(5 * angles) * np.cos(3 * angles + 0.4)
    return shapely.Polygon(np.c_[radius * np.cos(angles) + 12_345.6, radius * np.sin(angles) - 6_543.2])


def expected_aoh_km2(polygon) -> float:
    """Known answer: the range's area in each qualifying 500 km block (vector overlay)."""
    import shapely

    n, step, total = CLASSES.shape[0], EXTENT_M / CLASSES.shape[0], 0.0
    for r in range(n):
        for c in range(n):
            if CLASSES[r, c] in SUITABLE and LIMITS_M[0] <= ELEVATION[r, c] <= LIMITS_M[1]:
                box = shapely.box(
                    -EXTENT_M / 2 + c * step,
                    EXTENT_M / 2 - (r + 1) * step,
                    -EXTENT_M / 2 + (c + 1) * step,
                    EXTENT_M / 2 - r * step,
                )
                total += shapely.intersection(polygon, box).area / 1e6
    return total


def make_store(work: Path) -> Path:
    """Create a store holding the range polygon as period ``bench``."""
    import geopandas as gpd

    from deerhabitat.config import StoreConfig
    from deerhabitat.io import Provenance, Store
    from deerhabitat.schema import LayerKind, validate_layer

    path = work / "bench.gpkg"
    if path.exists():
        path.unlink()
    store = Store.create(path)
    frame = gpd.GeoDataFrame(
        {
            "range_id": ["bench"],
            "name": ["benchmark range"],
            "period": ["bench"],
            "presence": [1],
            "origin": [1],
            "seasonal": [1],
            "iso3": [None],
            "source": ["bench"],
        },
        geometry=[range_polygon()],
        crs=StoreConfig().crs,
    ).to_crs(4326)
    with store.transaction() as tx:
        tx.write(
            LayerKind.RANGES, validate_layer(frame, "ranges"), provenance=Provenance("bench"), mode="replace"
        )
    return path


def run_command(store: Path, paths: dict[str, Path], out: Path, block_size: int) -> dict:
    """Run ``deerhabitat habitat aoh`` in a child process; return its JSON, wall time and peak RSS."""
    exe = Path(sys.executable).with_name("deerhabitat")
    args = [
        str(exe),
        "habitat",
        "aoh",
        "--store",
        str(store),
        "--range-period",
        "bench",
        "--landcover",
        str(paths["lc"]),
        "--suitable-classes",
        ",".join(map(str, SUITABLE)),
        "--elevation",
        str(paths["dem"]),
        "--min-elevation-m",
        str(LIMITS_M[0]),
        "--max-elevation-m",
        str(LIMITS_M[1]),
        "--out",
        str(out),
        "--block-size",
        str(block_size),
        "--json",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"the command failed:\n{done.stderr}")
    return {
        "summary": json.loads(done.stdout),
        "seconds": seconds,
        "peak_rss_mb": peak_kib / 1024.0,
        "peak_rss_mb_before": before / 1024.0,
    }


def in_memory_check(work: Path, store: Path) -> dict:
    """Small size: blocked command (block 256) against the in-memory function, totals and pixels."""
    import rasterio

    from deerhabitat.analysis.habitat import (
        ElevationLimits,
        Grid,
        HabitatLayers,
        area_of_habitat,
        pixel_area_km2,
    )
    from deerhabitat.config import StoreConfig

    size = 2000
    paths = write_rasters(work, size)
    blocked = run_command(store, paths, work / "out-check", block_size=256)
    with rasterio.open(paths["lc"]) as lc, rasterio.open(paths["dem"]) as dem:
        crs = StoreConfig().crs
        grid = Grid(lc.transform, size, size, crs)
        layers = HabitatLayers(
            lc.read(1), np.ones((size, size), bool), pixel_area_km2(grid, crs), dem.read(1).astype(float)
        )
    memory = area_of_habitat(
        layers, grid, range_polygon(), suitable_classes=SUITABLE, limits=ElevationLimits(*LIMITS_M)
    )
    with rasterio.open(blocked["summary"]["outputs"]["raster"]) as src:
        pixels = src.read(1)
    both = np.isfinite(pixels) & np.isfinite(memory.pixels)
    return {
        "size": size,
        "blocked_km2": blocked["summary"]["aoh_total_km2"],
        "in_memory_km2": memory.aoh_km2,
        "nan_pattern_equal": bool(np.array_equal(np.isnan(pixels), np.isnan(memory.pixels))),
        "max_pixel_difference_km2": float(np.max(np.abs(pixels[both] - memory.pixels[both]))),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table row and the JSON details."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20_000, help="raster edge in pixels (default 20000)")
    parser.add_argument("--block-size", type=int, default=2048, help="block edge in pixels")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/deerhabitat-bench-aoh"))
    parser.add_argument("--check", action="store_true", help="also compare blocked and in-memory at 2,000 px")
    parser.add_argument(
        "--dem-factor",
        type=int,
        default=1,
        help="make the elevation raster this many times coarser (warped by the command)",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    paths = write_rasters(args.workdir, args.size, dem_factor=args.dem_factor)
    made = time.perf_counter() - start
    store = make_store(args.workdir)
    result = run_command(store, paths, args.workdir / f"out-{args.size}", args.block_size)
    expected = expected_aoh_km2(range_polygon())
    got = result["summary"]["aoh_total_km2"]
    report = {
        "size": args.size,
        "pixels": args.size**2,
        "pixel_m": _grid(args.size)[1],
        "block_size": args.block_size,
        "dem_factor": args.dem_factor,
        "inputs_written_s": round(made, 1),
        "aoh_seconds": round(result["seconds"], 1),
        "peak_rss_mb": round(result["peak_rss_mb"]),
        "aoh_km2": got,
        "expected_km2": round(expected, 3),
        "relative_error": abs(got - expected) / expected,
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    if args.check:
        report["check"] = in_memory_check(args.workdir, store)
    print("| raster | elevation | block | AOH time | peak RSS | AOH km² | known km² | rel. error |")
    print("|---|---|---|---|---|---|---|---|")
    dem = "same grid" if args.dem_factor == 1 else f"{args.dem_factor}x coarser, warped"
    print(
        f"| {args.size:,} x {args.size:,} | {dem} | {args.block_size} | {report['aoh_seconds']} s | "
        f"{report['peak_rss_mb']} MB | {got:,.1f} | {expected:,.1f} | {report['relative_error']:.2e} |"
    )
    print(json.dumps(report, indent=2))
    return 0 if report["peak_rss_mb"] < 1536 and report["relative_error"] < 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
