"""The public profile: wild positions snapped to equal-area cell centres, everything else untouched."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from publish_builders import CAPTIVE, EXACT_WILD, W3_CENTRE, W3_POLYGON, cell_centre

from deerhabitat.config import StoreConfig
from deerhabitat.publish.generalise import generalisation_method, generalise_layers, snap_to_cell_centres
from deerhabitat.schema import LayerKind

CRS = StoreConfig().crs
TO_EA = pyproj.Transformer.from_crs(4326, CRS, always_xy=True)


def _snap_lonlat(lon: float, lat: float, cell_m: float = 10_000) -> tuple[float, float]:
    out = snap_to_cell_centres(gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326), cell_m=cell_m, crs=CRS)
    return out.iloc[0].x, out.iloc[0].y


def test_snap_in_projected_units_by_hand():
    points = gpd.GeoSeries(
        [shapely.Point(12_345.0, -6_789.0), shapely.Point(-1.0, 0.0), shapely.Point(0.0, 0.0)], crs=CRS
    )
    out = snap_to_cell_centres(points, cell_m=10_000, crs=CRS)
    assert [p.coords[0] for p in out] == [(15_000.0, -5_000.0), (-5_000.0, 5_000.0), (5_000.0, 5_000.0)]


def test_snap_matches_an_independent_pyproj_computation():
    for lon, lat in EXACT_WILD.values():
        assert _snap_lonlat(lon, lat) == pytest.approx(cell_centre(lon, lat), abs=1e-9)


def test_missing_and_empty_geometries_stay_missing():
    out = snap_to_cell_centres(
        gpd.GeoSeries([None, shapely.Point(), shapely.Point(66, 40)], crs=4326), cell_m=10_000, crs=CRS
    )
    assert out.iloc[0] is None and out.iloc[1] is None and out.iloc[2] is not None


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(55.0, 80.0),
    lat=st.floats(35.0, 48.0),
    cell_m=st.sampled_from([1_000, 5_000, 10_000, 25_000]),
)
def test_published_point_is_within_half_a_cell_diagonal_and_snapping_is_stable(lon, lat, cell_m):
    px, py = _snap_lonlat(lon, lat, cell_m)
    (x0, y0), (x1, y1) = TO_EA.transform(lon, lat), TO_EA.transform(px, py)
    assert math.hypot(x1 - x0, y1 - y0) <= cell_m / math.sqrt(2) + 1e-6
    assert (x1 / cell_m - 0.5) == pytest.approx(round(x1 / cell_m - 0.5), abs=1e-6)
    assert _snap_lonlat(px, py, cell_m) == pytest.approx((px, py), abs=1e-9)


def test_wild_sites_counts_and_releases_generalised_captive_and_others_untouched(layers):
    out = generalise_layers(layers, cell_m=10_000, crs=CRS)
    sites = out[LayerKind.SITES].set_index("site_id")
    for site_id, (lon, lat) in EXACT_WILD.items():
        assert sites.loc[site_id, "geometry"].coords[0] == pytest.approx(cell_centre(lon, lat), abs=1e-9)
        assert bool(sites.loc[site_id, "generalised"])
    w3 = TO_EA.transform(*W3_CENTRE)
    assert W3_POLYGON.centroid.coords[0] == pytest.approx(W3_CENTRE, abs=1e-6)
    published = TO_EA.transform(*sites.loc["w3", "geometry"].coords[0])
    assert sites.loc["w3", "geometry"].geom_type == "Point"
    assert math.hypot(published[0] - w3[0], published[1] - w3[1]) <= 10_000 / math.sqrt(2)
    assert sites.loc["zoo", "geometry"].coords[0] == CAPTIVE["zoo"] and not bool(
        sites.loc["zoo", "generalised"]
    )
    counts = out[LayerKind.POPULATION_COUNTS].set_index("count_id")
    assert counts.loc["c1", "geometry"].coords[0] == pytest.approx(cell_centre(*EXACT_WILD["w1"]), abs=1e-9)
    assert counts.loc["c5", "geometry"].coords[0] == CAPTIVE["zoo"]
    for kind in (LayerKind.PROTECTED_AREAS, LayerKind.RANGES, LayerKind.RIVERS, LayerKind.RANGE_STATES):
        assert out[kind] is layers[kind]


def test_extra_columns_that_could_carry_a_position_are_dropped(layers):
    assert "latitude" in layers[LayerKind.SITES].columns
    out = generalise_layers(layers, cell_m=10_000, crs=CRS)
    assert "latitude" not in out[LayerKind.SITES].columns
    assert list(out[LayerKind.SITES].columns[:5]) == ["site_id", "name", "iso3", "status", "source"]


def test_inputs_are_not_modified(layers):
    before = layers[LayerKind.SITES].geometry.copy()
    generalise_layers(layers, cell_m=10_000, crs=CRS)
    assert layers[LayerKind.SITES].geometry.equals(before)


def test_method_text_gives_the_cell_and_the_largest_offset():
    text = generalisation_method(10_000)
    assert "10 km cell" in text and "7.1 km" in text
    assert np.isclose(10 / math.sqrt(2), 7.07, atol=0.01)


def test_areas_become_the_grid_cells_whose_centres_they_contain():
    from deerhabitat.publish.generalise import generalise_areas

    frame = gpd.GeoDataFrame(
        {"id": ["a", "tiny"]},
        geometry=[shapely.box(1_000, 1_000, 24_000, 9_000), shapely.box(12_000, 31_000, 12_500, 31_500)],
        crs=CRS,
    )
    out = generalise_areas(frame, cell_m=10_000, crs=CRS)
    assert out.geometry.iloc[0].equals(shapely.box(0, 0, 20_000, 10_000))
    assert out.geometry.iloc[1].equals(shapely.box(10_000, 30_000, 20_000, 40_000))
    assert list(out["id"]) == ["a", "tiny"] and frame.geometry.iloc[0].bounds == (1_000, 1_000, 24_000, 9_000)


def test_public_candidates_are_cells_with_rounded_distances(layers):
    from deerhabitat.publish import build_habitat_map

    candidates = gpd.GeoDataFrame(
        {"candidate_id": ["C01"], "rank": [1], "distance_to_population_km": [23.7], "area_km2": [123.456]},
        geometry=[shapely.Point(64.0, 40.0).buffer(0.3)],
        crs=4326,
    )
    from deerhabitat.config import StoreConfig
    from deerhabitat.publish import ExactResults, prepare_data

    data = prepare_data(layers, StoreConfig(), results=ExactResults(candidates=candidates))
    layer = next(x for x in build_habitat_map(data).layers if x.id == "candidates")
    assert layer.frame["distance_to_population_km"].tolist() == [20.0]
    assert layer.frame["area_km2"].tolist() == [123.456]
    xs, ys = zip(
        *[TO_EA.transform(x, y) for x, y in shapely.get_coordinates(layer.frame.geometry.iloc[0])],
        strict=True,
    )
    assert all(abs(v / 10_000 - round(v / 10_000)) < 1e-6 for v in xs + ys)
    assert "grid cells they cover" in layer.note
