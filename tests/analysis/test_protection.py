"""Protected areas: cleaning in wdpar order, dissolving, animals inside/outside, per-site containment."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis import (
    clean_protected_areas,
    dissolve_protected_areas,
    protected_population,
    site_protection,
    site_year_counts,
    to_analysis_crs,
)
from deerhabitat.errors import CRSError, SchemaError

KM = 1000.0


def box_km(x0, y0, x1, y1):
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def test_overlaps_are_erased_by_iucn_category_then_year_then_id(make_pas):
    pas = make_pas(
        [
            ("d", "V", 1970, box_km(0, 0, 10, 10)),  # 100 km2, least strict: keeps what is left
            ("b", "II", 1995, box_km(5, 0, 15, 10)),  # 100 km2, II after II-1990
            ("a", "II", 1990, box_km(10, 0, 20, 10)),  # 100 km2, II of 1990: first among the II
            ("c", "II", 1995, box_km(30, 0, 31, 1)),  # same category and year as b: id order
            ("e", "Ia", None, box_km(14, 0, 16, 10)),  # Ia wins whatever its year
        ]
    )
    clean = clean_protected_areas(pas)
    assert clean["pa_id"].tolist() == ["e", "a", "b", "c", "d"]
    assert clean["erase_rank"].tolist() == [1, 2, 3, 4, 5]
    assert clean["area_km2"].round(9).tolist() == [20.0, 100.0, 100.0, 1.0, 100.0]
    # e keeps 14-16; a keeps 10-14 and 16-20 (80); b keeps 5-10 (50); c alone (1); d keeps 0-5 (50)
    assert clean["flat_area_km2"].round(9).tolist() == [20.0, 80.0, 50.0, 1.0, 50.0]
    flat = shapely.union_all(clean.geometry.to_numpy())
    assert flat.area == pytest.approx(sum(clean["flat_area_km2"]) * 1e6)
    assert flat.area == pytest.approx(shapely.union_all(pas.geometry.to_numpy()).area)


def test_an_area_inside_a_stricter_one_is_left_empty(make_pas):
    pas = make_pas([("outer", "Ib", 1980, box_km(0, 0, 10, 10)), ("inner", "IV", 1960, box_km(2, 2, 4, 4))])
    clean = clean_protected_areas(pas).set_index("pa_id")
    assert clean.loc["inner", "flat_area_km2"] == 0.0 and clean.loc["inner"].geometry.is_empty


def test_invalid_geometries_are_repaired_and_slivers_dropped(make_pas):
    bowtie = shapely.Polygon([(0, 0), (2 * KM, 2 * KM), (2 * KM, 0), (0, 2 * KM)])
    sliver_owner = box_km(10, 0, 20, 10)
    # both overlap sliver_owner but for a strip 1 m tall: 0.5 m wide (0.5 m2, kept) or 0.05 m (dropped)
    strip = shapely.box(10 * KM, 0, 20 * KM + 0.5, 1.0)
    sliver = shapely.box(10 * KM, 5 * KM, 20 * KM + 0.05, 5 * KM + 1.0)
    tiny = shapely.box(30 * KM, 0, 30 * KM + 0.2, 0.25)
    pas = make_pas(
        [
            ("bow", "II", 2000, bowtie),
            ("owner", "Ia", 1990, sliver_owner),
            ("strip", "IV", 1990, strip),
            ("sliver", "IV", 1990, sliver),
            ("tiny", "IV", 1991, tiny),
        ]
    )
    clean = clean_protected_areas(pas).set_index("pa_id")
    assert bool(clean.loc["bow", "repaired"]) and clean.loc["bow", "area_km2"] == pytest.approx(2.0)
    assert not bool(clean.loc["owner", "repaired"])
    assert clean.loc["strip", "flat_area_km2"] * 1e6 == pytest.approx(0.5)
    assert clean.loc["sliver", "flat_area_km2"] == 0.0 and clean.loc["sliver"].geometry.is_empty
    assert clean.loc["tiny", "flat_area_km2"] == 0.0 and clean.loc["tiny"].geometry.is_empty


def test_dissolve_gives_non_overlapping_parts(make_pas):
    pas = make_pas(
        [
            ("a", "II", 1990, box_km(0, 0, 2, 1)),
            ("b", "IV", 1990, box_km(1, 0, 3, 1)),
            ("c", "IV", 1990, box_km(10, 10, 11, 11)),
        ]
    )
    parts = dissolve_protected_areas(pas)
    assert [round(p.area / 1e6, 9) for p in parts] == [3.0, 1.0]
    assert len(dissolve_protected_areas(pas.iloc[:0])) == 0


def test_animals_inside_count_once_and_boundary_points_are_inside(make_sites, make_counts, make_pas):
    sites = make_sites(
        [
            ("in2", "UZB", 1500, 500),
            ("edge", "UZB", 3000, 500),
            ("out", "UZB", 9000, 9000),
            ("t", "TJK", 500, 500),
        ]
    )
    counts = make_counts(
        [
            ("1", "in2", "2020", 40),
            ("2", "edge", "2020", 7),
            ("3", "out", "2020", 13),
            ("4", "t", "2020", 0),
            ("5", "in2", "2018", 30),
        ],
        sites,
    )
    pas = make_pas(
        [
            ("a", "II", 1990, shapely.box(0, 0, 2000, 1000)),
            ("b", "IV", 1990, shapely.box(1000, 0, 3000, 1000)),
        ]
    )
    table = protected_population(site_year_counts(counts, sites), pas)
    # in2 is in both areas (counted once), edge on b's boundary (inside), out outside; t counts 0
    assert table.drop(columns="protected_fraction").values.tolist() == [
        ["UZB", 2018, 30, 30, 30, 0, True, False, ""],
        ["TJK", 2020, 0, 0, 0, 0, True, False, ""],
        ["UZB", 2020, 60, 60, 47, 13, True, False, ""],
    ]
    np.testing.assert_allclose(table["protected_fraction"], [1.0, np.nan, 47 / 60])


def test_without_protected_areas_everything_is_outside(make_sites, make_counts, make_pas):
    sites = make_sites([("a", "UZB", 0, 0)])
    counts = make_counts([("1", "a", "2020", 5)], sites)
    table = protected_population(site_year_counts(counts, sites), make_pas([]))
    assert table[["count", "inside", "outside", "protected_fraction"]].values.tolist() == [[5, 0, 5, 0.0]]


def test_site_protection_lists_containing_areas_or_the_nearest_one(make_sites, make_pas, albers):
    sites = make_sites([("in", "UZB", 500, 500), ("both", "UZB", 1500, 500), ("far", "TJK", 0, 50_000)])
    pas = make_pas(
        [
            ("b", "IV", 1990, shapely.box(1000, 0, 3000, 1000)),
            ("a", "II", 1990, shapely.box(0, 0, 2000, 1000)),
        ]
    )
    table = site_protection(sites, pas)
    assert table["site_id"].tolist() == ["both", "far", "in"]
    assert table["pa_ids"].tolist() == [["a", "b"], [], ["a"]]
    assert table["inside"].tolist() == [True, False, True]
    assert table["nearest_pa_id"].tolist() == [None, "a", None]
    # far is 49 km north of a's top edge: the geodesic distance of the same two points
    to_geo = pyproj.Transformer.from_crs(albers, 4326, always_xy=True)
    lon1, lat1 = to_geo.transform(0, 50_000)
    lon2, lat2 = to_geo.transform(0, 1000)
    expected_km = pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1000
    assert table["distance_km"].tolist()[0] == 0.0 and table["distance_km"].tolist()[2] == 0.0
    assert table["distance_km"].tolist()[1] == pytest.approx(expected_km, rel=1e-9)
    assert abs(expected_km - 49.0) < 0.5


def test_distance_to_a_lon_lat_protected_area_is_geodesic(make_sites, make_pas, albers):
    # a PA 64-66E x 40-41N; a site at 65E 42N. The PA's north edge is a geodesic that bulges north of
    # 41N; the distance is to its middle point.
    pas = to_analysis_crs(make_pas([("p", "II", 1990, shapely.box(64, 40, 66, 41))], crs=4326), albers)
    sites = to_analysis_crs(make_sites([("s", "UZB", 65.0, 42.0)], crs=4326), albers)
    geod = pyproj.Geod(ellps="WGS84")
    ((mid_lon, mid_lat),) = geod.npts(64, 41, 66, 41, 1)
    expected_km = geod.inv(65.0, 42.0, mid_lon, mid_lat)[2] / 1000
    assert site_protection(sites, pas)["distance_km"].iloc[0] == pytest.approx(expected_km, abs=0.01)
    assert mid_lat > 41.004


def test_polygon_sites_are_inside_when_they_touch_an_area(make_sites, make_pas):
    sites = make_sites([("poly", "UZB", 0, 0)])
    sites = sites.set_geometry([shapely.box(2500, 2500, 5000, 5000)], crs=sites.crs)
    pas = make_pas([("a", "II", 1990, shapely.box(0, 0, 3000, 3000))])
    assert site_protection(sites, pas)["pa_ids"].tolist() == [["a"]]


def test_site_protection_without_areas(make_sites, make_pas):
    table = site_protection(make_sites([("s", "UZB", 0, 0)]), make_pas([]))
    assert table["inside"].tolist() == [False] and table["nearest_pa_id"].tolist() == [None]
    assert np.isnan(table["distance_km"].iloc[0])


def test_crs_and_columns_are_checked(make_sites, make_counts, make_pas):
    sites = make_sites([("a", "UZB", 0, 0)])
    pas = make_pas([("a", "II", 1990, shapely.box(0, 0, 1, 1))])
    with pytest.raises(CRSError, match=r"site_protection\(sites, protected_areas\) are in different CRSs"):
        site_protection(sites, pas.set_crs(6933, allow_override=True))
    with pytest.raises(
        CRSError, match=r"does not preserve area; areas must be computed in an equal-area CRS"
    ):
        clean_protected_areas(pas.set_crs(3857, allow_override=True))
    with pytest.raises(CRSError, match=r"has no CRS; deerhabitat never guesses one"):
        dissolve_protected_areas(gpd.GeoDataFrame(pas.drop(columns="geometry"), geometry=list(pas.geometry)))
    with pytest.raises(SchemaError, match=r"missing column\(s\) iucn_cat"):
        clean_protected_areas(pas.drop(columns="iucn_cat"))
    counts = make_counts([("1", "a", "2020", 5)], sites)
    with pytest.raises(CRSError, match=r"protected_population"):
        protected_population(site_year_counts(counts, sites), pas.to_crs(6933))


# -- invariants --------------------------------------------------------------------------------------

box_strategy = st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 40), st.integers(1, 40))
point_strategy = st.tuples(
    st.integers(-60, 60), st.integers(-60, 60), st.integers(0, 100), st.sampled_from(["UZB", "TJK"])
)


def _inputs(make_sites, make_counts, make_pas, points, boxes, dx=0.0, dy=0.0):
    sites = make_sites(
        [(f"s{i}", iso3, x * KM + dx, y * KM + dy) for i, (x, y, _, iso3) in enumerate(points)]
    )
    counts = make_counts([(f"c{i}", f"s{i}", "2020", n) for i, (_, _, n, _) in enumerate(points)], sites)
    pas = make_pas(
        [
            (f"p{j}", "IV", 2000, shapely.box(x * KM + dx, y * KM + dy, (x + w) * KM + dx, (y + h) * KM + dy))
            for j, (x, y, w, h) in enumerate(boxes)
        ]
    )
    return site_year_counts(counts, sites), pas


@settings(max_examples=40, deadline=None)
@given(st.lists(point_strategy, min_size=1, max_size=20), st.lists(box_strategy, max_size=6), box_strategy)
def test_inside_plus_outside_is_the_total_and_a_new_area_never_lowers_it(
    make_sites, make_counts, make_pas, points, boxes, extra
):
    site_years, pas = _inputs(make_sites, make_counts, make_pas, points, boxes)
    before = protected_population(site_years, pas)
    assert (before["inside"] + before["outside"] == before["count"]).all()  # no national figure here
    assert (before["located"] == before["count"]).all()
    fractions = before["protected_fraction"].dropna()
    assert ((fractions >= 0) & (fractions <= 1)).all()
    _, more = _inputs(make_sites, make_counts, make_pas, points, [*boxes, extra])
    after = protected_population(site_years, more)
    assert (after["inside"].to_numpy() >= before["inside"].to_numpy()).all()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(point_strategy, min_size=1, max_size=15),
    st.lists(box_strategy, max_size=5),
    st.integers(-300, 300),
    st.integers(-300, 300),
)
def test_moving_every_input_together_changes_nothing(
    make_sites, make_counts, make_pas, points, boxes, dx, dy
):
    here = _inputs(make_sites, make_counts, make_pas, points, boxes)
    there = _inputs(make_sites, make_counts, make_pas, points, boxes, dx * KM, dy * KM)
    assert protected_population(*here).equals(protected_population(*there))
    sites_here = make_sites([(f"s{i}", iso3, x * KM, y * KM) for i, (x, y, _, iso3) in enumerate(points)])
    sites_there = make_sites(
        [(f"s{i}", iso3, x * KM + dx * KM, y * KM + dy * KM) for i, (x, y, _, iso3) in enumerate(points)]
    )
    a, b = site_protection(sites_here, here[1]), site_protection(sites_there, there[1])
    assert a.drop(columns="distance_km").equals(b.drop(columns="distance_km"))
    # geodesic distances shift a little with position (map scale); within 1 %
    np.testing.assert_allclose(a["distance_km"], b["distance_km"], rtol=0.01, atol=1e-9)
