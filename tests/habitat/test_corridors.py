"""Corridor computation on synthetic rasters with known answers (analysis/habitat/corridors.py)."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from habitat_builders import ALBERS, km_grid
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deerhabitat.analysis.habitat import Grid
from deerhabitat.analysis.habitat.corridors import (
    CorridorSettings,
    Endpoints,
    ResistanceModel,
    ShareLayers,
    corridor_widths_m,
    corridor_zone,
    cost_surfaces,
    given_resistance,
    isolated_populations,
    link_corridors,
    parse_corridor_config,
    population_cells,
    wild_populations,
)
from deerhabitat.errors import AnalysisError, ConfigError

SQRT2 = math.sqrt(2)


def grid_of(shape, pixel_m=1000.0):
    return Grid(km_grid(shape[1], shape[0], pixel_m=pixel_m), shape[1], shape[0], ALBERS)


def ends(*cells):
    rows, cols = zip(*cells, strict=True)
    return Endpoints(np.array(rows), np.array(cols), np.zeros(len(cells)))


def no_shares(pixel_km2=1.0):
    return ShareLayers(None, {}, None, {}, pixel_km2)


def step_cost(path, resistance, pixel_km=1.0):
    """Second method: sum of step length x mean resistance along a path, by hand."""
    total = 0.0
    for (r0, c0), (r1, c1) in itertools.pairwise(path):
        length = math.hypot(r1 - r0, c1 - c0) * pixel_km
        total += length * (resistance[r0, c0] + resistance[r1, c1]) / 2
    return total


def test_straight_channel_costs_length_times_resistance():
    r = np.full((7, 30), np.inf)
    r[3, :] = 2.0
    s = cost_surfaces(r, grid_of(r.shape), ends((3, 2), (3, 27)))
    assert s.costs[0, 1] == pytest.approx(25 * 2.0)
    assert s.paths[(0, 1)].tolist() == [[3, c] for c in range(2, 28)]
    assert s.costs[1, 0] == s.costs[0, 1]


def test_barrier_with_one_gap_routes_through_the_gap():
    r = np.ones((21, 21))
    r[:, 10] = np.inf
    r[15, 10] = 1.0  # the gap
    s = cost_surfaces(r, grid_of(r.shape), ends((10, 2), (10, 18)))
    path = s.paths[(0, 1)]
    assert [15, 10] in path.tolist()
    assert [tuple(p) for p in path if p[1] == 10] == [(15, 10)]
    # octile distance (10,2)->(15,10): 5 diagonal + 3 straight steps, and the same to (10,18)
    assert s.costs[0, 1] == pytest.approx(2 * (5 * SQRT2 + 3))


@pytest.mark.parametrize("pixel_m", [1000.0, 500.0, 250.0])
def test_diagonal_steps_cost_sqrt2_cells_on_the_equal_area_grid(pixel_m):
    r = np.full((10, 10), 3.0)
    s = cost_surfaces(r, grid_of(r.shape, pixel_m), ends((0, 0), (9, 9)))
    assert s.costs[0, 1] == pytest.approx(9 * SQRT2 * pixel_m / 1000 * 3.0)
    assert s.paths[(0, 1)].tolist() == [[i, i] for i in range(10)]


def test_channel_of_known_width_measures_that_width():
    r = np.full((15, 40), np.inf)
    r[5:10, :] = 1.0  # a channel 5 cells (5 km) wide
    grid = grid_of(r.shape)
    e = ends((7, 2), (7, 37))
    result = link_corridors(
        cost_surfaces(r, grid, e), e, grid, CorridorSettings(None, 100.0), no_shares(), ["a", "b"]
    )
    pair = result.pairs[0]
    assert pair["min_width_m"] == pytest.approx(5000.0)
    assert pair["median_width_m"] == pytest.approx(5000.0)
    assert pair["zone_km2"] == pytest.approx(5 * 40)
    assert pair["path_length_km"] == pytest.approx(35.0)
    assert pair["least_cost"] == pytest.approx(35.0)


def test_bottleneck_is_at_the_narrow_stretch():
    r = np.full((15, 40), np.inf)
    r[4:11, :] = 1.0  # 7 cells wide ...
    r[4:6, 18:22] = np.inf
    r[9:11, 18:22] = np.inf  # ... narrowed to 3 cells at columns 18-21
    grid = grid_of(r.shape)
    e = ends((7, 2), (7, 37))
    result = link_corridors(
        cost_surfaces(r, grid, e), e, grid, CorridorSettings(None, 100.0), no_shares(), ["a", "b"]
    )
    pair = result.pairs[0]
    assert pair["min_width_m"] == pytest.approx(3000.0)
    neck = pair["bottleneck"]
    col = (neck["x"] - grid.transform.c) / 1000 - 0.5
    assert 18 <= col <= 21
    assert pair["median_width_m"] == pytest.approx(7000.0)


def test_widths_on_a_diagonal_channel():
    n = 30
    zone = np.zeros((n, n), bool)
    for i in range(n):
        zone[i, max(0, i - 2) : i + 3] = True  # |row - col| <= 2
    path = np.array([(i, i) for i in range(n)])
    widths = corridor_widths_m(zone, path, grid_of((n, n)))
    # the perpendicular through a cell centre leaves the staircase band 1.5 diagonals (1.5 √2 cells) out
    # on each side: 3 √2 cells, to within one sampling step (a quarter cell)
    assert np.median(widths) == pytest.approx(3 * SQRT2 * 1000, abs=250)


def test_zone_holds_the_cells_within_the_tolerance():
    cd_a = np.array([0.0, 1.0, 2.0, 5.0])
    cd_b = np.array([2.0, 1.5, 0.0, 5.0])
    assert corridor_zone(cd_a, cd_b, 2.0, 0.5).tolist() == [True, True, True, False]
    assert corridor_zone(cd_a, cd_b, 2.0, 0.0).tolist() == [True, False, True, False]


def test_max_cost_isolates_the_far_population_and_via_links_are_not_direct():
    r = np.full((5, 60), np.inf)
    r[2, :] = 1.0
    grid = grid_of(r.shape)
    e = ends((2, 0), (2, 10), (2, 20))
    s = cost_surfaces(r, grid, e)
    result = link_corridors(s, e, grid, CorridorSettings(25.0, 1.0), no_shares(), ["a", "b", "c"])
    by_pair = {(p["from_id"], p["to_id"]): p for p in result.pairs}
    assert by_pair[("a", "c")]["linked"] and by_pair[("a", "c")]["via"] == ["b"]
    assert not by_pair[("a", "c")]["direct"] and by_pair[("a", "b")]["direct"]
    result = link_corridors(s, e, grid, CorridorSettings(15.0, 1.0), no_shares(), ["a", "b", "c"])
    assert isolated_populations(result.pairs, ["a", "b", "c"]) == []
    e2 = ends((2, 0), (2, 10), (2, 50))
    result = link_corridors(
        cost_surfaces(r, grid, e2, limit=16.0),
        e2,
        grid,
        CorridorSettings(15.0, 1.0),
        no_shares(),
        ["a", "b", "c"],
    )
    assert isolated_populations(result.pairs, ["a", "b", "c"]) == ["c"]
    assert [p["least_cost"] for p in result.pairs] == [10.0, None, None]


def test_search_limit_leaves_far_cells_unreached():
    r = np.ones((3, 50))
    s = cost_surfaces(r, grid_of(r.shape), ends((1, 0), (1, 49)), limit=10.0)
    assert np.isinf(s.costs[0, 1])
    assert np.isfinite(s.distances[0, 1, :10]).all() and np.isinf(s.distances[0, 1, 12:]).all()


def test_shares_of_zone_and_path_inside_protected_areas_and_countries():
    import shapely

    from deerhabitat.analysis.habitat import coverage_fraction

    r = np.full((5, 20), np.inf)
    r[1:4, :] = 1.0
    grid = grid_of(r.shape)
    x0, y0 = grid.transform.c, grid.transform.f
    reserve = shapely.box(x0, y0 - 5000, x0 + 4000, y0)  # columns 0-3
    west = shapely.box(x0, y0 - 5000, x0 + 10_000, y0)
    east = shapely.box(x0 + 10_000, y0 - 5000, x0 + 20_000, y0)
    shares = ShareLayers(
        coverage_fraction(reserve, grid),
        {"AAA": coverage_fraction(west, grid), "BBB": coverage_fraction(east, grid)},
        reserve,
        {"AAA": west, "BBB": east},
        1.0,
    )
    e = ends((2, 0), (2, 19))
    pair = link_corridors(cost_surfaces(r, grid, e), e, grid, CorridorSettings(None, 3.0), shares, ["a", "b"])
    pair = pair.pairs[0]
    assert pair["zone_km2"] == 60
    assert pair["zone_protected_km2"] == pytest.approx(12) and pair[
        "zone_protected_fraction"
    ] == pytest.approx(0.2)
    assert [(d["iso3"], d["km2"]) for d in pair["zone_by_country"]] == [("AAA", 30), ("BBB", 30)]
    # path from the centre of column 0 to the centre of column 19: 19 km, 3.5 km inside the reserve
    assert pair["path_protected_km"] == pytest.approx(3.5)
    assert [(d["iso3"], round(d["km"], 6)) for d in pair["path_by_country"]] == [("AAA", 9.5), ("BBB", 9.5)]
    # every width is 3 km; away from the ends (cost > tolerance 3 from both) the first is column 4
    assert pair["min_width_m"] == pytest.approx(3000.0)
    assert pair["bottleneck"]["x"] == pytest.approx(x0 + 4500.0)
    assert pair["bottleneck"]["protected"] is False and pair["bottleneck"]["iso3"] == "AAA"


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (8, 9), elements=st.floats(1.0, 50.0)), st.sampled_from([250.0, 1000.0]))
def test_least_costs_match_their_paths_and_obey_the_triangle_inequality(resistance, pixel_m):
    e = ends((0, 0), (7, 8), (3, 5))
    s = cost_surfaces(resistance, grid_of(resistance.shape, pixel_m), e)
    for (i, j), path in s.paths.items():
        assert s.costs[i, j] == pytest.approx(step_cost(path.tolist(), resistance, pixel_m / 1000), rel=1e-9)
        assert path[0].tolist() == [e.rows[i], e.cols[i]] and path[-1].tolist() == [e.rows[j], e.cols[j]]
    c = s.costs
    for i in range(3):
        for j in range(3):
            for k in range(3):
                assert c[i, j] <= c[i, k] + c[k, j] + 1e-9
    assert np.allclose(c, c.T)


def test_resistance_transform_and_its_file():
    model = ResistanceModel(k=99, p=4, barrier_below=0.1)
    out = model.apply(np.array([1.0, 0.5, 0.05, 0.0, np.nan]), np.array([True, True, True, True, False]))
    assert out.tolist() == [1.0, pytest.approx(1 + 99 / 16), np.inf, np.inf, np.inf]
    assert ResistanceModel(nodata=500.0).apply(np.array([0.0]), np.array([False])).tolist() == [500.0]
    with pytest.raises(ConfigError, match="unknown key"):
        parse_corridor_config({"resistance": {"kk": 1}})
    with pytest.raises(ConfigError, match="not valid"):
        parse_corridor_config({"resistance": {"p": 0}})
    with pytest.raises(AnalysisError, match="tolerance"):
        CorridorSettings(None, -1)


def test_given_resistance_must_be_above_zero():
    assert given_resistance(np.array([[2.0, -9.0]]), np.array([[True, False]])).tolist() == [[2.0, np.inf]]
    with pytest.raises(AnalysisError, match="0 or less"):
        given_resistance(np.array([[0.0, 1.0]]), np.array([[True, True]]))


def test_population_on_a_barrier_starts_from_the_nearest_passable_cell():
    grid = grid_of((5, 5))
    r = np.ones((5, 5))
    r[:, :3] = np.inf
    x = np.array([grid.transform.c + 1500.0])  # column 1
    y = np.array([grid.transform.f - 2500.0])  # row 2
    e = population_cells(x, y, grid, r)
    assert (e.rows[0], e.cols[0], e.moved_m[0]) == (2, 3, 2000.0)
    with pytest.raises(AnalysisError, match="outside the raster"):
        population_cells(np.array([0.0]), np.array([0.0]), grid, r)


def test_populations_are_wild_sites_whose_latest_wild_count_is_above_zero():
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["n", "r", "zero", "zoo", "nat", "none"],
            "name": list("ABCDEF"),
            "iso3": ["UZB"] * 6,
            "status": ["native", "reintroduced", "native", "captive", "native", "introduced"],
            "scope": ["site", "site", "site", "site", "country", "site"],
        },
        geometry=gpd.points_from_xy(range(6), [0] * 6),
        crs=4326,
    )
    counts = pd.DataFrame(
        {
            "count_id": ["1", "2", "3", "4", "5", "6", "7"],
            "site_id": ["n", "r", "r", "zero", "zero", "zoo", "nat"],
            "date": ["2020", "2019", "2022", "2010", "2020", "2020", "2020"],
            "count": [10, 30, 12, 40, 0, 5, 900],
            "captive": [False, False, True, False, False, True, False],
        }
    )
    pops, excluded = wild_populations(sites, counts)
    assert pops["site_id"].tolist() == ["n", "r"]
    assert pops["latest_count"].tolist() == [10, 30]  # the later enclosure count is captive
    assert dict(zip(excluded.site_id, excluded.reason, strict=True)) == {
        "zero": "latest wild count is 0 (2020)",
        "zoo": "captive",
        "nat": "national figure, not a population",
        "none": "no wild count",
    }
    pops, _ = wild_populations(sites, counts, include_uncounted=True)
    assert pops["site_id"].tolist() == ["n", "none", "r"]
