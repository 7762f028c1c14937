"""Builders for the habitat tests: stores made in code and synthetic GeoTIFFs with known answers.

Imported by the tests as ``habitat_builders`` (tests/habitat/conftest.py puts this folder on sys.path).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import rasterio
import shapely
from affine import Affine

from deerhabitat.config import StoreConfig
from deerhabitat.io import Provenance, Store
from deerhabitat.schema import LayerKind, validate_layer

ALBERS = StoreConfig().crs
"""The default analysis CRS of a store (Albers equal-area on Central Asia)."""

ORIGIN = (-300_000.0, 200_000.0)
"""Upper-left corner (Albers metres) of the synthetic 1 km grids."""


def write_tif(
    path: Path,
    array: np.ndarray,
    transform: Affine,
    crs: object,
    nodata: float | None = None,
    **extra: object,
) -> Path:
    """Write a single-band GeoTIFF (crs=None writes one without CRS)."""
    profile = {
        "driver": "GTiff",
        "width": array.shape[1],
        "height": array.shape[0],
        "count": 1,
        "dtype": str(array.dtype),
        "transform": transform,
        "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = pyproj.CRS.from_user_input(crs).to_wkt()
    profile.update(extra)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
    return path


def km_grid(
    width: int, height: int, *, pixel_m: float = 1000.0, origin: tuple[float, float] = ORIGIN
) -> Affine:
    """Transform of a north-up grid of ``pixel_m`` pixels with upper-left corner ``origin``."""
    return Affine(pixel_m, 0, origin[0], 0, -pixel_m, origin[1])


def block_array(blocks: list[list[float]], block_px: int, dtype: str) -> np.ndarray:
    """Expand a small table of block values to pixels (each block ``block_px`` x ``block_px``)."""
    return np.kron(np.asarray(blocks, dtype=dtype), np.ones((block_px, block_px), dtype=dtype))


def to_store_crs(geoms: list[shapely.Geometry], crs: object = ALBERS) -> list[shapely.Geometry]:
    """Geometries drawn in ``crs``, in EPSG:4326 as the store holds them."""
    return list(gpd.GeoSeries(geoms, crs=crs).to_crs(4326).values)


def range_frame(pieces: list[dict]) -> gpd.GeoDataFrame:
    """Build a ranges layer from dicts with range_id, period, geometry (EPSG:4326) and optional codes/iso3."""
    rows = [
        {
            "range_id": p["range_id"],
            "name": p.get("name", p["range_id"]),
            "period": p["period"],
            "presence": p.get("presence", 1),
            "origin": p.get("origin", 1),
            "seasonal": p.get("seasonal", 1),
            "iso3": p.get("iso3"),
            "source": "test",
        }
        for p in pieces
    ]
    return gpd.GeoDataFrame(rows, geometry=[p["geometry"] for p in pieces], crs=4326)


def make_store(path: Path, *, ranges: gpd.GeoDataFrame | None = None, **layers: gpd.GeoDataFrame) -> Store:
    """Create a store with the given layers (keywords use underscores: range_states, protected_areas)."""
    store = Store.create(path)
    frames = {LayerKind.RANGES: ranges} if ranges is not None else {}
    frames.update({LayerKind.parse(k): v for k, v in layers.items()})
    with store.transaction() as tx:
        for kind, frame in frames.items():
            tx.write(kind, validate_layer(frame, kind), provenance=Provenance("test"), mode="replace")
    return store
