"""The feature checks: CRS labelling, coordinate sanity, swapped axes, transformation, repair, region."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import assume, given
from hypothesis import strategies as st
from io_builders import range_states

from deerhabitat.config import StoreConfig
from deerhabitat.errors import CRSError
from deerhabitat.io import feature_checks
from deerhabitat.schema import SPECS, LayerKind

ALBERS = StoreConfig().crs
REGION = feature_checks.region_from_states(range_states(), ALBERS)


def points(xy, crs=4326):
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=crs)


def labels(n):
    return [f"row {i + 1}" for i in range(n)]


@given(st.floats(-180, 180), st.floats(-90, 90))
def test_any_longitude_latitude_passes(lon, lat):
    out, findings = feature_checks.check_coordinates(points([(lon, lat)]), ["row 1"])
    assert findings == [] and out.geometry[0] is not None


@given(st.floats(-90, 90), st.floats(90, 180, exclude_min=True) | st.floats(-180, -90, exclude_max=True))
def test_a_latitude_beyond_90_that_fits_as_longitude_looks_swapped(x, y):
    out, findings = feature_checks.check_coordinates(points([(x, y)]), ["row 1"])
    assert [f.level for f in findings] == ["error"]
    assert "look like swapped latitude/longitude" in findings[0].message
    assert out.geometry[0] is None


@given(st.floats(180, 1e7, exclude_min=True) | st.floats(-1e7, -180, exclude_max=True), st.floats(-1e7, 1e7))
def test_beyond_180_cannot_be_degrees(x, y):
    _, findings = feature_checks.check_coordinates(points([(x, y)]), ["row 1"])
    assert len(findings) == 1 and "look like projected metres labelled as degrees" in findings[0].message


def test_projected_coordinates_are_not_judged_as_degrees_and_small_ones_are_suspicious():
    utm = points([(512_000, 4_420_000)], crs=32642)
    assert feature_checks.check_coordinates(utm, ["row 1"])[1] == []
    degrees = points([(66.9, 39.9), (60.1, 41.2)], crs=32642)
    findings = feature_checks.check_coordinates(degrees, labels(2))[1]
    assert [f.level for f in findings] == ["warning"] and "degrees labelled as metres?" in findings[0].message


def test_non_finite_coordinates_are_errors_and_blanked():
    frame = gpd.GeoDataFrame(
        geometry=[
            shapely.Point(np.nan, 1),
            shapely.LineString([(0, 0), (np.inf, 1)]),
            shapely.Point(1, 1),
            None,
        ],
        crs=4326,
    )
    out, findings = feature_checks.check_coordinates(frame, labels(4))
    assert [f.where for f in findings] == ["row 1", "row 2"]
    assert out.geometry.isna().tolist() == [True, True, False, True]


def test_labelling_never_moves_and_never_guesses():
    frame = points([(512_000, 4_420_000)], crs=None)
    with pytest.raises(
        CRSError, match=r"'f\.csv' has no CRS: the file declares no CRS; deerhabitat never guesses"
    ):
        feature_checks.label_crs(frame, crs_origin="file", assume_crs=None, path="f.csv")
    labelled, findings = feature_checks.label_crs(
        frame, crs_origin="file", assume_crs="EPSG:32642", path="f.csv"
    )
    assert (
        labelled.crs.to_epsg() == 32642 and labelled.geometry[0].equals(frame.geometry[0]) and findings == []
    )
    nothing = gpd.GeoDataFrame({"a": [1]}, geometry=[None])
    assert (
        feature_checks.label_crs(nothing, crs_origin="none", assume_crs=None, path="x")[0].crs.to_epsg()
        == 4326
    )


@given(st.floats(60, 72), st.floats(36, 45))
def test_transforming_to_4326_matches_pyproj(lon, lat):
    x, y = pyproj.Transformer.from_crs(4326, 32642, always_xy=True).transform(lon, lat)
    out, findings = feature_checks.to_store_crs(points([(x, y)], crs=32642), ["row 1"])
    assert findings == []
    assert out.geometry[0].x == pytest.approx(lon, abs=1e-7) and out.geometry[0].y == pytest.approx(
        lat, abs=1e-7
    )


def test_points_that_do_not_transform_are_errors():
    frame = points([(1e30, 1e30), (512_000, 4_420_000)], crs=32642)
    out, findings = feature_checks.to_store_crs(frame, labels(2))
    assert [f.where for f in findings] == ["row 1"] and "does not transform" in findings[0].message
    assert out.geometry.isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("kind", "bad", "expected_type"),
    [
        (LayerKind.RANGES, shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]), "MultiPolygon"),
        (
            LayerKind.RANGES,
            shapely.Polygon([(0, 0), (2, 0), (2, 2), (0, 2)], [[(1, 1), (3, 1), (3, 3), (1, 3)]]),
            "Polygon",
        ),
        (LayerKind.RIVERS, shapely.LineString([(0, 0), (0, 0), (1, 1)]), "LineString"),
    ],
)
def test_repair_keeps_the_geometry_family_of_the_kind(kind, bad, expected_type):
    assert not bad.is_valid or kind is LayerKind.RIVERS
    out, findings = feature_checks.repair_geometries(
        gpd.GeoDataFrame(geometry=[bad], crs=4326), SPECS[kind], ["x"]
    )
    fixed = out.geometry[0]
    assert fixed.is_valid and fixed.geom_type == expected_type
    assert all(f.level == "warning" for f in findings)


def test_a_line_of_one_repeated_point_collapses_to_an_error_not_a_crash():
    # Found by hypothesis (tests/io/test_import_fuzz.py): shapely refuses keep_collapsed=False with
    # the "linework" method, so a zero-length line must be repaired without it and then refused.
    collapsed = shapely.LineString([(1, 1), (1, 1)])
    out, findings = feature_checks.repair_geometries(
        gpd.GeoDataFrame(geometry=[collapsed], crs=4326), SPECS[LayerKind.RIVERS], ["river_id='r'"]
    )
    assert out.geometry[0] is None
    assert [(f.where, f.level) for f in findings] == [("river_id='r'", "error")]
    assert "collapses when repaired" in findings[0].message


def test_repair_reports_each_feature_and_leaves_valid_ones_alone():
    valid = shapely.box(0, 0, 1, 1)
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(geometry=[valid, bowtie, None], crs=4326)
    out, findings = feature_checks.repair_geometries(frame, SPECS[LayerKind.RANGES], labels(3))
    assert out.geometry[0] is valid or out.geometry[0].equals(valid)
    assert [(f.where, f.level) for f in findings] == [("row 2", "warning")]
    rejected, errors = feature_checks.repair_geometries(
        frame, SPECS[LayerKind.RANGES], labels(3), on_invalid="reject"
    )
    assert [(f.where, f.level) for f in errors] == [("row 2", "error")] and rejected.geometry[1] is None


def test_measures_are_dropped_with_a_warning():
    frame = gpd.GeoDataFrame(geometry=[shapely.from_wkt("POINT M (1 2 3)")], crs=4326)
    out, findings = feature_checks.simplify_types(frame)
    assert out.geometry[0].wkt == "POINT (1 2)" and "M (measure) values were dropped" in findings[0].message


def test_simplify_types_keeps_multipoints_of_several_points():
    frame = gpd.GeoDataFrame(
        geometry=[shapely.MultiPoint([(0, 0), (1, 1)]), shapely.Point(1, 2, 0)], crs=4326
    )
    out, findings = feature_checks.simplify_types(frame)
    assert out.geometry[0].geom_type == "MultiPoint" and not out.geometry[1].has_z
    assert findings == [], "a zero height is not worth a warning"


@given(st.floats(60.5, 72.5), st.floats(37.5, 45.0))
def test_inside_the_states_is_inside_the_region(lon, lat):
    assert feature_checks.check_region(points([(lon, lat)]), REGION, ["row 1"]) == []


@given(st.floats(-180, 180), st.floats(-89, 89))
def test_far_from_the_states_is_outside(lon, lat):
    assume(not (50 < lon < 80 and 32 < lat < 50))
    findings = feature_checks.check_region(points([(lon, lat), (66.0, 40.0)]), REGION, labels(2))
    assert [(f.where, f.level) for f in findings] == [("row 1", "warning")]


def test_region_check_without_states_or_geometries():
    assert feature_checks.region_from_states(range_states().iloc[:0], ALBERS) is None
    assert feature_checks.check_region(points([(0, 0)]), None, ["row 1"]) == []
    assert feature_checks.check_region(gpd.GeoDataFrame(geometry=[None], crs=4326), REGION, ["row 1"]) == []


def test_checks_never_change_their_input():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(
        geometry=[bowtie, shapely.MultiPoint([(1, 2, 3)]), shapely.Point(500, 500)], crs=4326
    )
    before = [g.wkt for g in frame.geometry]
    feature_checks.repair_geometries(frame, SPECS[LayerKind.RANGES], labels(3))
    feature_checks.simplify_types(frame)
    feature_checks.check_coordinates(frame, labels(3))
    assert [g.wkt for g in frame.geometry] == before
