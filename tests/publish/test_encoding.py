"""Map data as the page reads it: script-safe JSON, rounded coordinates, text-only popup values."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from publish_builders import PAYLOADS

from deerhabitat.publish.layers import MapLayer, WebMap, encode_layer, encode_map, script_json
from deerhabitat.publish.styles import SITE_STYLE, Field, LayerStyle, Symbol


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    )
)
def test_script_json_round_trips_and_never_contains_markup_characters(value):
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


@pytest.mark.parametrize("payload", [*PAYLOADS, "\u2028\u2029", "</SCRIPT >", "<!--<script>"])
def test_script_json_cannot_end_its_element(payload):
    text = script_json({"name": payload})
    assert "</script" not in text.lower() and "<!--" not in text
    assert json.loads(text)["name"] == payload


def _points_layer(names, coords, **kw):
    frame = gpd.GeoDataFrame(
        {"name": names, "status": ["native"] * len(names)},
        geometry=[shapely.Point(c) for c in coords],
        crs=4326,
    )
    return MapLayer("sites", "Sites", "Populations", frame, SITE_STYLE, (Field("name", "Name"),), **kw)


def test_points_are_packed_and_rounded_to_five_decimals():
    layer = _points_layer(["a", "b"], [(64.1234567, 40.7654321), (-1.000004, 2.5)])
    encoded = encode_layer(layer)
    assert encoded["xy"] == [64.12346, 40.76543, -1.0, 2.5]
    assert encoded["n"] == 2 and encoded["sym"] == [1, 1] and encoded["cols"] == [["a", "b"]]


def test_polygons_keep_rings_and_holes():
    square = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    frame = gpd.GeoDataFrame(
        {"name": ["x"]}, geometry=[shapely.MultiPolygon([square, shapely.box(5, 5, 6, 6)])], crs=4326
    )
    layer = MapLayer(
        "p", "P", "G", frame, LayerStyle("polygon", Symbol("P", fill="#00ff00")), (Field("name", "N"),)
    )
    coords = encode_layer(layer)["coords"][0]
    assert len(coords) == 2 and len(coords[0]) == 2 and len(coords[1]) == 1
    assert coords[0][1] == [1.0, 1.0, 2.0, 1.0, 2.0, 2.0, 1.0, 2.0, 1.0, 1.0]


def test_attribute_values_are_never_rounded():
    frame = gpd.GeoDataFrame({"name": ["x"], "area": [1234.56789]}, geometry=[shapely.Point(0, 0)], crs=4326)
    layer = MapLayer(
        "p",
        "P",
        "G",
        frame,
        LayerStyle("point", Symbol("P")),
        (Field("name", "N"), Field("area", "Area", unit="km²", digits=3)),
    )
    assert encode_layer(layer)["cols"][1] == ["1,234.568 km²"]


def test_missing_geometry_is_refused_with_a_message():
    layer = _points_layer(["a"], [(0, 0)])
    broken = MapLayer("x", "X", "G", layer.frame.set_geometry([None], crs=4326), SITE_STYLE, layer.fields)
    with pytest.raises(ValueError, match="layer 'x' has missing or empty geometries; drop them"):
        encode_layer(broken)


def test_map_groups_years_and_bounds():
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"], "status": ["native", "captive"], "year": [2002, 2010]},
        geometry=[shapely.Point(60, 40), shapely.Point(70, 42)],
        crs=4326,
    )
    layer = MapLayer(
        "c", "Counts", "Populations", frame, SITE_STYLE, (Field("name", "N"),), time_column="year"
    )
    web_map = WebMap("m", "M", "", (layer,), groups=("Boundaries", "Populations"), initial_year="2002")
    data = encode_map(web_map)
    assert data["groups"] == ["Populations"]
    assert data["years"] == ["2002", "2010"] and data["startYear"] == "2002"
    assert data["bounds"] == [60.0, 40.0, 70.0, 42.0]
    assert data["layers"][0]["time"] == ["2002", "2010"] and data["layers"][0]["legend"] == [1, 4]
