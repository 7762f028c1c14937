"""The point-in-polygon join: same pairs as shapely's own predicate, boundary points inside."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis import covered_mask, points_in_polygons
from deerhabitat.errors import AnalysisError


def brute_force(points, polygons):
    pairs = [
        (i, j)
        for i, p in enumerate(points)
        for j, g in enumerate(polygons)
        if p is not None and not p.is_empty and g.covers(p)
    ]
    return sorted(pairs)


def test_boundary_points_are_inside_and_pairs_are_sorted():
    squares = [shapely.box(0, 0, 10, 10), shapely.box(5, 5, 15, 15)]
    points = shapely.points([(12, 12), (10, 0), (7, 7), (20, 20), (0, 5)])
    point_idx, poly_idx = points_in_polygons(points, squares)
    assert list(zip(point_idx.tolist(), poly_idx.tolist(), strict=True)) == [
        (0, 1),
        (1, 0),
        (2, 0),
        (2, 1),
        (4, 0),
    ]
    assert covered_mask(points, squares).tolist() == [True, True, True, False, True]


def test_missing_and_empty_points_match_nothing():
    points = np.array([None, shapely.Point(), shapely.Point(1, 1)], dtype=object)
    assert covered_mask(points, [shapely.box(0, 0, 2, 2)]).tolist() == [False, False, True]


def test_no_points_or_no_polygons():
    assert [a.tolist() for a in points_in_polygons([], [shapely.box(0, 0, 1, 1)])] == [[], []]
    assert covered_mask(shapely.points([(0, 0)]), []).tolist() == [False]


def test_multipolygons_and_holes():
    with_hole = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (6, 3), (6, 6), (3, 6)]])
    multi = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)])
    points = shapely.points([(4, 4), (1, 1), (30.5, 0.5), (3, 4)])
    assert covered_mask(points, [with_hole, multi]).tolist() == [False, True, True, True]


def test_non_points_and_bad_workers_are_refused():
    with pytest.raises(
        AnalysisError, match=r"position 1 is a Polygon, not a Point; population counts must be points"
    ):
        points_in_polygons([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)], [shapely.box(0, 0, 1, 1)])
    with pytest.raises(AnalysisError, match=r"workers=0 is not allowed; use 1 or more threads"):
        points_in_polygons([shapely.Point(0, 0)], [shapely.box(0, 0, 1, 1)], workers=0)


coordinate = st.integers(-20, 20).map(float)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=60),
    st.lists(st.tuples(coordinate, coordinate, st.integers(1, 12)), min_size=0, max_size=8),
    st.integers(1, 3),
)
def test_same_pairs_as_shapely_covers(points, boxes, workers):
    # integer coordinates put many points exactly on edges and corners
    pts = shapely.points(points) if points else np.array([], dtype=object)
    polys = [shapely.box(x, y, x + w, y + w) for x, y, w in boxes]
    point_idx, poly_idx = points_in_polygons(pts, polys, workers=workers)
    assert list(zip(point_idx.tolist(), poly_idx.tolist(), strict=True)) == brute_force(list(pts), polys)


def test_threads_give_the_same_pairs_on_a_larger_input():
    rng = np.random.default_rng(7)
    points = shapely.points(rng.uniform(0, 1000, (20_000, 2)))
    centres = rng.uniform(0, 1000, (300, 2))
    polygons = shapely.buffer(shapely.points(centres), rng.uniform(5, 60, 300))
    one = points_in_polygons(points, polygons)
    two = points_in_polygons(points, polygons, workers=2)
    assert len(one[0]) > 1000
    poly_idx, point_idx = shapely.STRtree(points).query(polygons, predicate="covers")  # a second method
    order = np.lexsort((poly_idx, point_idx))
    assert np.array_equal(one[0], point_idx[order]) and np.array_equal(one[1], poly_idx[order])
    assert all(np.array_equal(a, b) for a, b in zip(one, two, strict=True))
    assert not shapely.is_prepared(polygons).any()  # the caller's geometries are left as they were
