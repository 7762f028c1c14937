"""The bundled sample rasters: small, reproducible from the bundled store, and usable by bundled_habitat."""

from __future__ import annotations

import importlib.util

import numpy as np
import pyproj
import pytest
import rasterio
from habitat_builders import ALBERS

from deerhabitat.config import bundled_store_path
from deerhabitat.io.raster import bundled_raster_path, read_class_table, read_raster
from deerhabitat.workflows import bundled_habitat

ROOT = bundled_store_path().parents[3]
NAMES = ("landcover.tif", "elevation.tif", "landcover_classes.csv")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_rasters", ROOT / "data" / "build_rasters.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sample_rasters_are_small_and_shipped():
    sizes = [bundled_raster_path(n).stat().st_size for n in NAMES]
    assert sum(sizes) < 1_000_000


def test_sample_rasters_rebuild_identically(tmp_path):
    paths = _build_module().build(bundled_store_path(), tmp_path)
    for name in ("landcover", "elevation"):
        rebuilt, rebuilt_ok, rebuilt_info = read_raster(paths[name])
        shipped, shipped_ok, shipped_info = read_raster(bundled_raster_path(f"{name}.tif"))
        assert np.array_equal(rebuilt, shipped) and np.array_equal(rebuilt_ok, shipped_ok)
        assert rebuilt_info.transform == shipped_info.transform and rebuilt_info.crs == shipped_info.crs
    assert paths["classes"].read_text() == bundled_raster_path("landcover_classes.csv").read_text()


def test_sample_rasters_grids_and_classes():
    lc, valid, info = read_raster(bundled_raster_path("landcover.tif"))
    assert info.crs == ALBERS and info.transform.a == 2000 and valid.all()
    with rasterio.open(bundled_raster_path("elevation.tif")) as src:
        assert src.transform.a == 4000 and src.dtypes[0] == "int16"
    classes = read_class_table(bundled_raster_path("landcover_classes.csv"))
    assert set(np.unique(lc)) == set(classes["value"])
    assert classes.loc[classes["suitable"], "name"].tolist() == [
        "tugai riparian forest",
        "reed beds and wetland",
    ]


@pytest.mark.parametrize(
    ("lon", "lat", "low", "high"),
    [
        (60.62, 41.80, 50, 250),  # Badai-Tugai, lower Amu Darya (86-96 m in reality)
        (72.5, 38.6, 3000, 5000),  # the Pamir
    ],
)
def test_synthetic_elevation_is_plausible(lon, lat, low, high):
    dem, _, info = read_raster(bundled_raster_path("elevation.tif"))
    x, y = pyproj.Transformer.from_crs("EPSG:4326", info.crs, always_xy=True).transform(lon, lat)
    t = info.transform
    row, col = int((y - t.f) / t.e), int((x - t.c) / t.a)
    assert low <= dem[row, col] <= high


def test_bundled_habitat_for_the_report(tmp_path):
    reports = bundled_habitat(tmp_path)
    aoh = reports["aoh"].summary
    assert aoh["range_period"] == "2020" and aoh["registered_in_store"] is False
    assert 0 < aoh["aoh_total_km2"] <= aoh["range_total_km2"] and 0 < aoh["prevalence"] <= 1
    assert {c["iso3"] for c in aoh["aoh_by_country"]} == {"AFG", "KAZ", "TJK", "TKM", "UZB"}
    assert aoh["inputs"][1]["resampling"] == "bilinear"  # 4 km elevation onto the 2 km land cover
    suitability = reports["suitability"].summary
    assert 0 < suitability["mean_suitability"] < 1
    assert (tmp_path / "aoh.tif").is_file() and (tmp_path / "suitability.tif").is_file()
