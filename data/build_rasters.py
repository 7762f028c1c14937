"""Build the small, illustrative sample rasters that ship with the bundled Bukhara deer store.

Run with ``.venv/bin/python data/build_rasters.py [--store PATH] [--out DIR]``. It reads the bundled
store (rivers, ranges, sites) and writes into ``src/deerhabitat/data/rasters/``:

- ``landcover.tif``: a land-cover PROXY on a 2 km grid in the store's equal-area analysis CRS (uint8,
  Cloud-Optimised GeoTIFF, nodata 0), classes in ``landcover_classes.csv``;
- ``elevation.tif``: a SYNTHETIC elevation surface in metres on a 4 km grid in the same CRS (int16),
  so that AOH exercises the bilinear resampling of elevation onto the land-cover grid;
- ``landcover_classes.csv``: value, name, suitable, rule.

Neither raster is a measurement. Both are computed from formulas (below, and in data/README.md), so the
same store always gives the same pixels:

- elevation (m) = a plain rising from the Aral Sea to the east (50 m + 25 m per degree of longitude east
  of 58°E) + Gaussian ridges for the Pamir, the western Tian Shan, the Hissar-Zarafshan ranges, the
  Hindu Kush, the Kopet Dag and Karatau + nothing else; within ~10 km of a river the relief above the
  plain is halved (valleys);
- land cover, from the distance ``d`` to the nearest river line and that elevation ``e``: mountains
  (``e > 1,500 m``); reed beds (``d <= 1.5 km``); tugai (``1.5 < d <= 5 km``, interrupted by a regular
  pattern of cleared stretches that become cropland, standing for the fragmentation of today's tugai);
  irrigated cropland (``5 < d <= 15 km`` and ``e < 800 m``); desert and semi-desert elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
from affine import Affine

from deerhabitat.analysis.habitat import Grid, distance_to_water_km, river_segments
from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store
from deerhabitat.io.raster import write_raster
from deerhabitat.schema import LayerKind

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "deerhabitat" / "data" / "rasters"
LANDCOVER_PIXEL_M = 2000.0
ELEVATION_PIXEL_M = 4000.0
MARGIN_M = 100_000.0

CLASSES = pd.DataFrame(
    [
        (
            1,
            "tugai riparian forest",
            True,
            "1.5 km < distance to river <= 5 km, elevation <= 1,500 m, not cleared",
        ),
        (2, "reed beds and wetland", True, "distance to river <= 1.5 km, elevation <= 1,500 m"),
        (3, "irrigated cropland", False, "5-15 km from a river below 800 m, and cleared tugai stretches"),
        (4, "desert and semi-desert", False, "everything else below 1,500 m"),
        (5, "mountains", False, "elevation > 1,500 m"),
    ],
    columns=["value", "name", "suitable", "rule"],
)

RIDGES = (  # lon, lat, peak m, sigma along (deg), sigma across (deg), azimuth of the axis (deg from east)
    (72.5, 38.6, 4500.0, 1.6, 1.0, 0.0),  # Pamir
    (75.0, 42.4, 3800.0, 2.5, 0.45, 10.0),  # western Tian Shan / Kyrgyz and Zailiysky Alatau
    (68.6, 39.3, 3400.0, 1.4, 0.3, 0.0),  # Hissar-Zarafshan ranges
    (69.5, 35.6, 4000.0, 2.0, 0.5, 20.0),  # Hindu Kush
    (58.0, 38.2, 2000.0, 1.5, 0.3, -30.0),  # Kopet Dag
    (69.3, 43.6, 1400.0, 1.2, 0.25, -40.0),  # Karatau
)


def analysis_grid(store: Store, pixel_m: float) -> Grid:
    """Return the raster grid: ranges and sites in the analysis CRS, plus a margin, snapped to 20 km."""
    crs = store.config.crs
    frames = [store.read(k).to_crs(crs) for k in (LayerKind.RANGES, LayerKind.SITES)]
    xmin, ymin, xmax, ymax = np.array([f.total_bounds for f in frames]).T
    left = np.floor((xmin.min() - MARGIN_M) / 20_000) * 20_000
    top = np.ceil((ymax.max() + MARGIN_M) / 20_000) * 20_000
    right = np.ceil((xmax.max() + MARGIN_M) / 20_000) * 20_000
    bottom = np.floor((ymin.min() - MARGIN_M) / 20_000) * 20_000
    width, height = int((right - left) / pixel_m), int((top - bottom) / pixel_m)
    return Grid(Affine(pixel_m, 0, left, 0, -pixel_m, top), width, height, crs)


def synthetic_elevation(grid: Grid, distance_km: np.ndarray) -> np.ndarray:
    """Elevation in metres at the pixel centres of ``grid`` (formula in the module notes)."""
    xs, ys = grid.centres()
    lon, lat = pyproj.Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    plain = 50.0 + 25.0 * np.clip(lon - 58.0, 0.0, None)
    relief = np.zeros_like(plain)
    for lon0, lat0, peak, along, across, azimuth in RIDGES:
        a = np.radians(azimuth)
        dx, dy = (lon - lon0) * np.cos(np.radians(lat0)), lat - lat0
        u, v = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)
        relief += peak * np.exp(-0.5 * ((u / along) ** 2 + (v / across) ** 2))
    valley = 1.0 - 0.5 * np.exp(-((distance_km / 10.0) ** 2))
    return np.round(plain + relief * valley).astype(np.int16)


def landcover_proxy(grid: Grid, distance_km: np.ndarray, elevation_m: np.ndarray) -> np.ndarray:
    """Land-cover classes (``CLASSES``) from distance to rivers and elevation."""
    xs, ys = grid.centres()
    cleared = np.cos(2 * np.pi * xs / 47_000.0) + np.cos(2 * np.pi * ys / 31_000.0) < -0.6
    lc = np.full(grid.shape, 4, dtype=np.uint8)
    lc[(distance_km > 5.0) & (distance_km <= 15.0) & (elevation_m < 800)] = 3
    lc[(distance_km > 1.5) & (distance_km <= 5.0)] = 1
    lc[(distance_km > 1.5) & (distance_km <= 5.0) & cleared] = 3
    lc[distance_km <= 1.5] = 2
    lc[elevation_m > 1500] = 5
    return lc


def build(store_path: Path, out: Path) -> dict[str, Path]:
    """Write the sample rasters and class table into ``out``; return their paths."""
    store = Store(store_path)
    crs = store.config.crs
    segments = river_segments(store.read(LayerKind.RIVERS).to_crs(crs).geometry.values)
    lc_grid, dem_grid = analysis_grid(store, LANDCOVER_PIXEL_M), analysis_grid(store, ELEVATION_PIXEL_M)
    lc_distance = distance_to_water_km(lc_grid, segments, crs)
    lc_elevation = synthetic_elevation(lc_grid, lc_distance)
    dem = synthetic_elevation(dem_grid, distance_to_water_km(dem_grid, segments, crs))
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "landcover": out / "landcover.tif",
        "elevation": out / "elevation.tif",
        "classes": out / "landcover_classes.csv",
    }
    write_raster(
        paths["landcover"],
        landcover_proxy(lc_grid, lc_distance, lc_elevation),
        crs=crs,
        transform=lc_grid.transform,
        nodata=0,
    )
    write_raster(paths["elevation"], dem, crs=crs, transform=dem_grid.transform, nodata=-32768)
    CLASSES.to_csv(paths["classes"], index=False, lineterminator="\n")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--store", type=Path, default=bundled_store_path(), help="store with rivers, ranges, sites"
    )
    parser.add_argument("--out", type=Path, default=TARGET, help="output folder")
    args = parser.parse_args(argv)
    for name, path in build(args.store, args.out).items():
        print(f"{name}: {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
