"""EOO (convex hull) and AOO (2 km grid cells) by hand, against pyproj.Geod, and their invariants."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry.polygon import orient

from deerhabitat.analysis import (
    area_of_occupancy,
    eoo_aoo_by_year,
    extent_of_occurrence_km2,
    site_year_counts,
    to_analysis_crs,
)
from deerhabitat.errors import AnalysisError, CRSError


def points(coords, crs):
    return gpd.GeoSeries(shapely.points(coords) if coords else [], crs=crs)


def test_eoo_of_a_known_triangle(albers):
    # right triangle with legs 30 km and 40 km, plus an interior point: 600 km2 (its edges taken as
    # geodesics move it by 4e-6)
    pts = points([(0, 0), (30_000, 0), (0, 40_000), (5_000, 5_000)], albers)
    assert extent_of_occurrence_km2(pts) == pytest.approx(600.0, rel=1e-5)


def test_eoo_with_fewer_than_three_sites_or_in_a_line_is_zero(albers):
    assert extent_of_occurrence_km2(points([], albers)) == 0.0
    assert extent_of_occurrence_km2(points([(0, 0), (5000, 0)], albers)) == 0.0
    assert extent_of_occurrence_km2(points([(0, 0), (0, 0), (0, 0)], albers)) == 0.0
    assert extent_of_occurrence_km2(points([(0, 0), (1000, 1000), (2000, 2000)], albers)) == 0.0


def test_eoo_matches_the_geodesic_area_of_the_hull(albers):
    """Sites spread over Central Asia: hull vertices' geodesic polygon area from pyproj.Geod (< 0.1 %)."""
    lonlat = [(59.9, 37.6), (68.9, 37.2), (66.5, 43.9), (61.0, 42.5), (64.0, 40.0), (67.0, 40.5)]
    sites = gpd.GeoDataFrame(geometry=shapely.points(lonlat), crs=4326)
    ours = extent_of_occurrence_km2(to_analysis_crs(sites, albers).geometry)
    hull_ll = shapely.Polygon([(59.9, 37.6), (68.9, 37.2), (66.5, 43.9), (61.0, 42.5)])
    expected = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(orient(hull_ll))[0]) / 1e6
    assert ours == pytest.approx(expected, rel=1e-4)


def test_aoo_counts_cells_by_hand(albers):
    pts = points(
        [
            (100, 100),
            (1900, 1900),  # one cell (0, 0)
            (2000, 0),  # on the edge: cell (1, 0)
            (-1, 5),  # cell (-1, 0)
            (-4001, -1),  # cell (-3, -1)
            (1999.999, 3999.999),
        ],
        albers,
    )  # cell (0, 1)
    assert area_of_occupancy(pts) == (5, 20.0)
    # origin 1 km to the right: (100, 100) joins (-1, 5) in cell (-1, 0), (1900, 1900) joins (2000, 0)
    # in cell (0, 0); (-4001, -1) is in (-3, -1), (1999.999, 3999.999) in (0, 1)
    assert area_of_occupancy(pts, origin=(1000.0, 0.0)) == (4, 16.0)
    assert area_of_occupancy(pts, cell_m=10_000) == (3, 300.0)
    assert area_of_occupancy(points([], albers)) == (0, 0.0)


def test_eoo_aoo_by_year_uses_the_occupied_sites_of_each_year(make_sites, make_counts):
    sites = make_sites(
        [
            ("a", "UZB", 0, 0),
            ("b", "UZB", 30_000, 0),
            ("c", "UZB", 0, 40_000),
            ("d", "UZB", 500, 500),
            ("n", "KAZ", 90_000, 90_000, "country"),
        ]
    )
    counts = make_counts(
        [
            ("1", "a", "2015", 5),
            ("2", "b", "2015", 8),
            ("3", "c", "2015", 3),
            ("4", "d", "2015", 1),
            ("5", "a", "2018", 6),
            ("6", "c", "2018", 0),
            ("7", "n", "2018", 400),
            ("8", "b", "2023", 9),
        ],
        sites,
    )
    table = eoo_aoo_by_year(site_year_counts(counts, sites))
    rows = {r["year"]: r for r in table.to_dict("records")}
    assert list(rows) == [2015, 2018, 2023]
    # 2015: triangle a-b-c (600 km2), 4 sites, 3 cells (a and d share cell (0, 0))
    assert (rows[2015]["n_sites"], rows[2015]["aoo_cells"], rows[2015]["aoo_km2"]) == (4, 3, 12.0)
    assert rows[2015]["eoo_km2"] == pytest.approx(600.0, rel=1e-5)
    # 2018: a counted, b carried from 2015, c counted 0 (not occupied), d carried; national n has no position
    assert (rows[2018]["n_sites"], rows[2018]["n_sites_carried"], rows[2018]["aoo_cells"]) == (3, 2, 2)
    assert rows[2018]["eoo_km2"] == pytest.approx(0.5 * 30 * 0.5, rel=1e-3)  # a, b, d: 7.5 km2
    # 2023: b counted; a (2018) carried, d (2015) is 8 years old
    assert (rows[2023]["n_sites"], rows[2023]["eoo_km2"], rows[2023]["eoo_iucn_km2"]) == (2, 0.0, 8.0)


def test_grid_and_crs_errors(albers):
    pts = points([(0, 0)], albers)
    with pytest.raises(
        AnalysisError, match=r"cell_m=0 is not allowed; it must be a positive number of metres"
    ):
        area_of_occupancy(pts, cell_m=0)
    with pytest.raises(
        AnalysisError, match=r"origin=\(0,\) is not allowed; it must be two finite coordinates"
    ):
        area_of_occupancy(pts, origin=(0,))
    with pytest.raises(AnalysisError, match=r"origin=\('a', 'b'\) is not allowed"):
        area_of_occupancy(pts, origin=("a", "b"))
    with pytest.raises(AnalysisError, match=r"position 0 is a Polygon, not a Point"):
        extent_of_occurrence_km2(gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=albers))
    with pytest.raises(CRSError, match=r"does not preserve area"):
        area_of_occupancy(pts.set_crs(4326, allow_override=True))


coords = st.lists(
    st.tuples(st.integers(-50_000, 50_000), st.integers(-50_000, 50_000)), min_size=0, max_size=25
)

CURVATURE_PER_M = 5e-8
"""Generous bound on the curvature of geodesics drawn in the Albers CRS over Central Asia (1/m)."""


def geodesic_bound_km2(pts):
    """How far the hull with geodesic edges can be from the planar hull.

    The sum over edges of the area between a chord of length L and an arc of sagitta
    CURVATURE * L**2 / 8, i.e. CURVATURE * L**3 / 12.
    """
    hull = shapely.convex_hull(shapely.multipoints(np.array(pts.to_numpy()))) if len(pts) else None
    if hull is None or hull.geom_type != "Polygon":
        return 0.0, 1e-9
    xy = shapely.get_coordinates(hull.exterior)
    lengths = np.hypot(*np.diff(xy, axis=0).T)
    return hull.area / 1e6, CURVATURE_PER_M * float(np.sum(lengths**3)) / 12 / 1e6 + 1e-9


@settings(max_examples=40, deadline=None)
@given(coords, st.integers(-100, 100), st.integers(-100, 100))
def test_moving_every_point_by_whole_cells_changes_nothing(albers, xy, cells_x, cells_y):
    here = points([(float(x), float(y)) for x, y in xy], albers)
    there = points([(float(x + 2000 * cells_x), float(y + 2000 * cells_y)) for x, y in xy], albers)
    assert area_of_occupancy(here) == area_of_occupancy(there)
    # the planar hull moves unchanged; its geodesic edges bend a little differently elsewhere on the map
    _, bound = geodesic_bound_km2(here)
    assert abs(extent_of_occurrence_km2(here) - extent_of_occurrence_km2(there)) <= 2 * bound


@settings(max_examples=40, deadline=None)
@given(coords)
def test_aoo_and_eoo_bounds(albers, xy):
    pts = points([(float(x), float(y)) for x, y in xy], albers)
    cells, aoo_km2 = area_of_occupancy(pts)
    assert cells <= len(set(xy)) and aoo_km2 == cells * 4.0
    planar, bound = geodesic_bound_km2(pts)
    assert abs(extent_of_occurrence_km2(pts) - planar) <= bound
