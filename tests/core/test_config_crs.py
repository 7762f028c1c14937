"""Configuration resolution and the CRS policy."""

from __future__ import annotations

import geopandas as gpd
import pyproj
import pytest
import shapely

from deerhabitat.config import StoreConfig, bundled_store_path, resolve_store
from deerhabitat.crs import (
    albers_for_bounds,
    is_equal_area,
    parse_crs,
    require_crs,
    require_equal_area,
    require_same_crs,
)
from deerhabitat.errors import ConfigError, CRSError


def test_store_resolution_order():
    assert resolve_store("x.gpkg", environ={"DEERHABITAT_STORE": "y.gpkg"}).origin == "argument"
    choice = resolve_store(None, environ={"DEERHABITAT_STORE": "y.gpkg"})
    assert (str(choice.path), choice.origin) == ("y.gpkg", "environment")
    choice = resolve_store(None, environ={})
    assert choice.bundled and choice.path == bundled_store_path()


def test_config_round_trips_through_text():
    config = StoreConfig(species="Saiga", range_states=("KAZ", "UZB"), stale_after_years=3)
    assert StoreConfig.from_mapping(config.to_mapping()) == config


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"colour": "red"}, "unknown setting 'colour'; known settings: species"),
        ({"stale_after_years": "often"}, "setting stale_after_years='often' is not valid"),
        ({"analysis_crs": "EPSG:3857"}, "does not preserve area"),
        ({"generalise_m": "0"}, "generalise_m=0 must be a positive number of metres"),
    ],
)
def test_config_errors_name_key_and_origin(mapping, message):
    with pytest.raises(ConfigError, match=message) as info:
        StoreConfig.from_mapping(mapping, origin="store x.gpkg")
    assert "store x.gpkg" in str(info.value)


def test_albers_is_equal_area_against_geodesic_area():
    crs = albers_for_bounds((52.0, 35.0, 82.0, 48.0))
    box = shapely.box(66.0, 41.0, 67.0, 42.0)
    geodesic_m2 = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(box)[0])
    projected_m2 = gpd.GeoSeries([box], crs=4326).to_crs(crs).area.iloc[0]
    assert abs(projected_m2 / geodesic_m2 - 1) < 1e-4


@pytest.mark.parametrize(
    ("crs", "expected"),
    [
        ("EPSG:6933", True),
        ("ESRI:54009", True),
        ("EPSG:3857", False),
        ("EPSG:4326", False),
        ("EPSG:32642", False),
    ],
)
def test_is_equal_area(crs, expected):
    assert is_equal_area(parse_crs(crs)) is expected


def test_crs_errors():
    with pytest.raises(CRSError, match=r"'EPSG:99999' is not a CRS pyproj understands"):
        parse_crs("EPSG:99999")
    with pytest.raises(CRSError, match="does not preserve area"):
        require_equal_area("EPSG:4326")
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)])
    with pytest.raises(CRSError, match="has no CRS; deerhabitat never guesses one"):
        require_crs(frame)
    a = frame.set_crs(4326)
    b = a.to_crs(3857)
    with pytest.raises(CRSError, match="are in different CRSs"):
        require_same_crs(a, b)
    assert require_same_crs(a, a.copy()).to_epsg() == 4326


def test_the_bundled_store_is_recognised_however_it_is_named():
    path = bundled_store_path()
    assert resolve_store(str(path)).bundled
    assert resolve_store(None, environ={"DEERHABITAT_STORE": str(path)}).bundled
    assert not resolve_store("elsewhere.gpkg").bundled
