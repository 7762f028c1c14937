"""Large layers are packed, and large polygon layers carry zoom levels simplified as a coverage.

Packed: varint deltas of 1e-5 degree integers, front-coded and dictionary-coded texts; decoded here
independently of the encoder.
"""

from __future__ import annotations

import base64

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from deerhabitat.publish.layers import (
    PACK_THRESHOLD,
    SIMPLIFY_LEVELS,
    MapLayer,
    encode_layer,
    pack_xy,
    simplified_levels,
    varints,
    zigzag,
)
from deerhabitat.publish.styles import SITE_STYLE, Field, LayerStyle, Symbol


def read_varints(text: str) -> list[int]:
    out, value, shift = [], 0, 0
    for byte in base64.b64decode(text):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            out.append(value)
            value, shift = 0, 0
    return out


def read_xy(text: str) -> np.ndarray:
    v = np.array(read_varints(text), dtype=np.int64)
    signed = np.where(v % 2 == 1, -(v + 1) // 2, v // 2)
    return np.cumsum(signed.reshape(-1, 2), axis=0) / 1e5


def read_column(column):
    if isinstance(column, list):
        return column
    if "p" in column:
        suffixes = column["s"].split(column["j"]) if "j" in column else column["s"]
        out, previous = [], ""
        for k, suffix in zip(read_varints(column["p"]), suffixes, strict=True):
            units = previous.encode("utf-16-le")[: 2 * k].decode("utf-16-le")
            previous = units + suffix
            out.append(previous)
        return out
    codes = read_varints(column["pc"]) if "pc" in column else column["c"]
    return [column["d"][c] for c in codes]


@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=50))
def test_zigzag_varints_round_trip(values):
    v = np.array(values, dtype=np.int64)
    decoded = np.array(read_varints(varints(zigzag(v))), dtype=np.int64)
    assert (
        decoded.tolist() == []
        if not values
        else (np.where(decoded % 2 == 1, -(decoded + 1) // 2, decoded // 2).tolist() == values)
    )


@given(
    st.lists(
        st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False)),
        min_size=1,
        max_size=40,
    )
)
def test_packed_coordinates_are_the_rounded_decimals(points):
    xy = np.array(points)
    assert np.array_equal(read_xy(pack_xy(xy)), np.round(xy, 5))


def _points(n, names):
    rng = np.random.default_rng(5)
    statuses = np.array(["native", "reintroduced", "captive"])[rng.integers(0, 3, n)]
    return gpd.GeoDataFrame(
        {"name": names, "status": statuses},
        geometry=shapely.points(rng.uniform(55, 80, n), rng.uniform(35, 47, n)),
        crs=4326,
    )


def test_a_large_point_layer_is_packed_in_space_order_and_decodes_to_the_same_features():
    n = 3000
    names = [f"Point {i:05d} <b>é🦌</b>" for i in range(n)]
    frame = _points(n, names)
    layer = MapLayer(
        "p", "P", "G", frame, SITE_STYLE, (Field("name", "Name"), Field("status", "Status")), searchable=True
    )
    spec = encode_layer(layer)
    assert "xy" not in spec and "sym" not in spec and {"pxy", "psym"} <= set(spec)
    xy = read_xy(spec["pxy"])
    decoded_names = read_column(spec["cols"][0])
    assert sorted(decoded_names) == sorted(names), "every feature once"
    by_name = {name: i for i, name in enumerate(names)}
    original = np.round(shapely.get_coordinates(frame.geometry.values), 5)
    order = [by_name[name] for name in decoded_names]
    assert np.array_equal(xy, original[order]), "coordinates travel with their feature"
    assert read_column(spec["cols"][1]) == frame["status"].iloc[order].tolist()
    sym = read_varints(spec["psym"])
    assert sym == [SITE_STYLE.symbol_index(s) for s in frame["status"].iloc[order]]
    step = np.abs(np.diff(xy, axis=0)).sum(axis=1)
    random_step = np.abs(np.diff(original, axis=0)).sum(axis=1)
    assert np.median(step) < np.median(random_step) / 5, "neighbours in the array are near on the map"


def test_small_layers_stay_plain_json():
    frame = _points(PACK_THRESHOLD - 1, [f"p{i}" for i in range(PACK_THRESHOLD - 1)])
    spec = encode_layer(MapLayer("p", "P", "G", frame, SITE_STYLE, (Field("name", "Name"),)))
    assert (
        isinstance(spec["xy"], list) and isinstance(spec["sym"], list) and isinstance(spec["cols"][0], list)
    )


def _coverage(n, seed=3):
    rng = np.random.default_rng(seed)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(60, 70, n), rng.uniform(38, 44, n)]))
    box = shapely.box(60, 38, 70, 44)
    cells = shapely.intersection(
        np.asarray(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))), box
    )
    cells = shapely.segmentize(cells, 0.02)

    def wobble(xy):
        x, y = xy[:, 0], xy[:, 1]
        return np.round(np.column_stack([x + 0.004 * np.sin(y * 90), y + 0.004 * np.sin(x * 70)]), 6)

    return shapely.transform(cells, wobble)


def test_every_level_of_a_coverage_keeps_shared_borders_identical():
    cells = _coverage(400)
    assert shapely.coverage_is_valid(cells)
    levels = simplified_levels(cells)
    assert [z for z, _ in levels] == [z for z, _ in SIMPLIFY_LEVELS]
    sizes = [int(shapely.get_num_coordinates(level).sum()) for _, level in levels]
    assert sizes[0] < sizes[1] < sizes[2], "coarser levels have fewer vertices"
    for _, level in levels:
        assert shapely.coverage_is_valid(level), "no gap or overlap opens between neighbours"
        assert shapely.is_valid(level).all() and not shapely.is_empty(level).any()
    area = shapely.area(shapely.union_all(cells))
    assert shapely.area(shapely.union_all(levels[0][1])) == pytest.approx(area, rel=1e-3), (
        "only the outline moves"
    )


def test_a_large_polygon_layer_carries_its_levels_packed():
    cells = _coverage(PACK_THRESHOLD + 20)
    frame = gpd.GeoDataFrame({"name": [f"PA {i}" for i in range(len(cells))]}, geometry=cells, crs=4326)
    layer = MapLayer(
        "pa", "PA", "G", frame, LayerStyle("polygon", Symbol("PA", fill="#00aa00")), (Field("name", "N"),)
    )
    spec = encode_layer(layer)
    assert "coords" not in spec and [level["z"] for level in spec["levels"]] == [
        z for z, _ in SIMPLIFY_LEVELS
    ]
    finest = spec["levels"][-1]
    assert read_varints(finest["np"]) == [1] * len(cells)
    assert read_varints(finest["nr"]) == [1] * len(cells)
    counts = read_varints(finest["nc"])
    assert counts == shapely.get_num_coordinates(cells).tolist()
    xy = read_xy(finest["xy"])
    assert np.array_equal(xy, np.round(shapely.get_coordinates(cells), 5))


def test_overlapping_polygons_are_simplified_one_by_one():
    a, b = shapely.buffer(shapely.Point(0, 0), 1.0), shapely.buffer(shapely.Point(1, 0), 1.0)
    levels = simplified_levels(np.array([a, b]))
    assert all(shapely.is_valid(level).all() for _, level in levels)
    assert (
        shapely.get_num_coordinates(levels[0][1]).sum() < shapely.get_num_coordinates(np.array([a, b])).sum()
    )
