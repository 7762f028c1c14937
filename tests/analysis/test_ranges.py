"""Range coverage and range change: areas by hand in the equal-area CRS, geodesic check, invariants."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry.polygon import orient

from deerhabitat.analysis import dissolve_ranges, period_order, range_change, range_coverage, to_analysis_crs
from deerhabitat.errors import AnalysisError, CRSError, SchemaError

KM = 1000.0


def box_km(x0, y0, x1, y1):
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def rows_by(frame, *keys):
    return {(tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]): r for r in frame.to_dict("records")}


def test_a_ten_km_square_range_half_protected(make_ranges, make_pas):
    ranges = make_ranges([("r", "2020", "UZB", box_km(0, 0, 10, 10))])
    pas = make_pas(
        [
            ("a", "II", 1990, box_km(5, -5, 15, 5)),
            ("b", "IV", 1990, box_km(5, 0, 10, 10)),
            ("c", "IV", 1990, box_km(50, 50, 60, 60)),
        ]
    )
    # a covers 25 km2 of the range, b 50 km2, overlapping 25: protected = 50 km2 (counted once)
    table = range_coverage(ranges, pas)
    assert table.values.tolist() == [["2020", "ALL", 100.0, 50.0, 0.5], ["2020", "UZB", 100.0, 50.0, 0.5]]


def test_periods_countries_and_overlapping_range_polygons(make_ranges, make_pas):
    ranges = make_ranges(
        [
            ("h1", "historical", "UZB", box_km(0, 0, 20, 10)),
            ("h2", "historical", "TJK", box_km(0, -10, 20, 0)),
            ("c1", "2020", "UZB", box_km(0, 0, 10, 10)),
            ("c2", "2020", "UZB", box_km(5, 0, 15, 10)),
            ("c3", "2002", "TJK", box_km(0, -10, 5, 0)),
        ]
    )
    pas = make_pas([("a", "II", 1990, box_km(0, -10, 10, 10))])
    table = range_coverage(ranges, pas)
    assert [tuple(r) for r in table[["period", "iso3"]].values] == [
        ("historical", "ALL"),
        ("historical", "TJK"),
        ("historical", "UZB"),
        ("2002", "ALL"),
        ("2002", "TJK"),
        ("2020", "ALL"),
        ("2020", "UZB"),
    ]
    got = rows_by(table, "period", "iso3")
    assert got[("historical", "ALL")]["range_km2"] == pytest.approx(400.0)
    assert got[("historical", "ALL")]["protected_km2"] == pytest.approx(200.0)
    assert got[("2020", "UZB")]["range_km2"] == pytest.approx(150.0)  # 100 + 100 - 50 overlap
    assert got[("2020", "UZB")]["protected_km2"] == pytest.approx(100.0)
    assert got[("2002", "TJK")]["protected_fraction"] == pytest.approx(1.0)


def test_polygons_without_iso3_are_split_by_the_range_states(make_ranges, make_pas, albers):
    ranges = make_ranges(
        [("r", "2020", None, box_km(0, 0, 20, 10)), ("u", "2020", "UZB", box_km(30, 0, 31, 1))]
    )
    states = gpd.GeoDataFrame(
        {"iso3": ["UZB", "TJK"], "name": ["Uzbekistan", "Tajikistan"]},
        geometry=[box_km(-100, 0, 5, 100), box_km(5, -100, 100, 100)],
        crs=albers,
    )
    table = range_coverage(ranges, make_pas([("a", "II", 1990, box_km(0, 0, 1, 1))]), range_states=states)
    got = rows_by(table, "iso3")
    assert got["UZB"]["range_km2"] == pytest.approx(51.0) and got["TJK"]["range_km2"] == pytest.approx(150.0)
    assert got["ALL"]["range_km2"] == pytest.approx(201.0) and got["UZB"]["protected_km2"] == pytest.approx(
        1.0
    )
    assert list(rows_by(range_coverage(ranges, make_pas([])), "iso3")) == ["ALL", "UZB"]


def test_invalid_range_polygons_are_repaired(make_ranges, make_pas):
    bowtie = shapely.Polygon([(0, 0), (2 * KM, 2 * KM), (2 * KM, 0), (0, 2 * KM)])
    table = range_coverage(make_ranges([("r", "2020", "UZB", bowtie)]), make_pas([]))
    assert table["range_km2"].tolist() == pytest.approx([2.0, 2.0])
    assert table["protected_fraction"].tolist() == [0.0, 0.0]


def test_geodesic_check_of_range_and_protected_areas(make_ranges, make_pas, albers):
    """A lon/lat range and reserve: km2 after projection against pyproj.Geod (issue: under 0.1 %)."""
    geod = pyproj.Geod(ellps="WGS84")
    range_ll = shapely.Polygon([(63.2, 39.1), (66.9, 39.4), (67.4, 42.3), (64.0, 42.9), (62.8, 41.0)])
    reserve_ll = shapely.box(64.5, 40.0, 66.0, 41.0)
    ranges = to_analysis_crs(make_ranges([("r", "2020", "UZB", range_ll)], crs=4326), albers)
    pas = to_analysis_crs(make_pas([("p", "II", 1990, reserve_ll)], crs=4326), albers)
    row = range_coverage(ranges, pas).iloc[0]
    assert row["range_km2"] == pytest.approx(
        abs(geod.geometry_area_perimeter(orient(range_ll))[0]) / 1e6, rel=1e-4
    )
    assert row["protected_km2"] == pytest.approx(
        abs(geod.geometry_area_perimeter(orient(reserve_ll))[0]) / 1e6, rel=1e-4
    )


def test_range_change_by_country(make_ranges):
    ranges = make_ranges(
        [
            ("h1", "historical", "UZB", box_km(0, 0, 20, 10)),
            ("h2", "historical", "TJK", box_km(0, -10, 10, 0)),
            ("c1", "2020", "UZB", box_km(10, 0, 25, 10)),
            ("c2", "2002", "UZB", box_km(0, 0, 1, 1)),
            ("c3", "2020", "KAZ", box_km(0, 50, 1, 51)),
        ]
    )
    table = range_change(ranges)
    got = rows_by(table, "iso3")
    assert list(got) == ["ALL", "KAZ", "TJK", "UZB"]
    assert set(table["historical_period"]) == {"historical"} and set(table["current_period"]) == {"2020"}
    uzb = got["UZB"]
    assert (uzb["historical_km2"], uzb["current_km2"]) == pytest.approx((200.0, 150.0))
    assert (uzb["change_km2"], uzb["lost_fraction"], uzb["lost_km2"], uzb["gained_km2"]) == pytest.approx(
        (-50.0, 0.25, 100.0, 50.0)
    )
    assert got["TJK"]["lost_fraction"] == pytest.approx(1.0) and got["TJK"]["current_km2"] == 0.0
    assert np.isnan(got["KAZ"]["lost_fraction"]) and got["KAZ"]["gained_km2"] == pytest.approx(1.0)
    assert got["ALL"]["historical_km2"] == pytest.approx(300.0) and got["ALL"][
        "current_km2"
    ] == pytest.approx(151.0)


def test_range_change_periods(make_ranges):
    ranges = make_ranges(
        [("a", "2002", "UZB", box_km(0, 0, 10, 10)), ("b", "2020", "UZB", box_km(0, 0, 5, 10))]
    )
    assert range_change(ranges)["lost_fraction"].tolist() == pytest.approx(
        [0.5, 0.5]
    )  # earliest year = historical
    assert range_change(ranges, historical="2020", current="2002")["lost_fraction"].tolist() == pytest.approx(
        [-1.0, -1.0]
    )
    assert len(range_change(ranges.iloc[:1])) == 0
    with pytest.raises(
        AnalysisError,
        match=r"historical='1900' is not a period of the ranges layer "
        r"\(periods: 2002, 2020\); pass one of those",
    ):
        range_change(ranges, historical="1900")


def test_period_order():
    assert period_order(["2020", "Historical", "1990", "2002", "modern"]) == [
        "Historical",
        "modern",
        "1990",
        "2002",
        "2020",
    ]


def test_dissolve_ranges_and_errors(make_ranges, make_pas):
    ranges = make_ranges([("a", "2020", "UZB", box_km(0, 0, 1, 1))])
    assert dissolve_ranges(ranges)["iso3"].tolist() == ["ALL", "UZB"]
    with pytest.raises(CRSError, match=r"range_coverage\(ranges, protected_areas\) are in different CRSs"):
        range_coverage(ranges, make_pas([]).set_crs(6933, allow_override=True))
    with pytest.raises(SchemaError, match=r"'ranges' layer: missing column\(s\) period"):
        range_coverage(ranges.drop(columns="period"), make_pas([]))
    with pytest.raises(CRSError, match=r"does not preserve area"):
        range_change(ranges.set_crs(4326, allow_override=True))


# -- invariants --------------------------------------------------------------------------------------

box_strategy = st.tuples(st.integers(-30, 30), st.integers(-30, 30), st.integers(1, 25), st.integers(1, 25))


def _boxes(boxes, dx=0.0, dy=0.0):
    return [box_km(x + dx, y + dy, x + w + dx, y + h + dy) for x, y, w, h in boxes]


@settings(max_examples=40, deadline=None)
@given(st.lists(box_strategy, min_size=1, max_size=4), st.lists(box_strategy, max_size=5), box_strategy)
def test_fraction_is_between_0_and_1_and_a_new_area_never_lowers_it(
    make_ranges, make_pas, ranges_b, pas_b, extra
):
    ranges = make_ranges(
        [(f"r{i}", "2020", ["UZB", "TJK"][i % 2], g) for i, g in enumerate(_boxes(ranges_b))]
    )
    pas = make_pas([(f"p{i}", "IV", 2000, g) for i, g in enumerate(_boxes(pas_b))])
    before = range_coverage(ranges, pas)
    assert ((before["protected_fraction"] >= 0) & (before["protected_fraction"] <= 1 + 1e-12)).all()
    assert (before["protected_km2"] <= before["range_km2"] * (1 + 1e-12)).all()
    more = make_pas([(f"p{i}", "IV", 2000, g) for i, g in enumerate(_boxes([*pas_b, extra]))])
    after = range_coverage(ranges, more)
    assert (after["protected_km2"].to_numpy() >= before["protected_km2"].to_numpy() - 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(box_strategy, min_size=1, max_size=4),
    st.lists(box_strategy, max_size=4),
    st.integers(-500, 500),
    st.integers(-500, 500),
)
def test_moving_every_input_together_changes_nothing(make_ranges, make_pas, ranges_b, pas_b, dx, dy):
    def run(shift_x, shift_y):
        ranges = make_ranges(
            [
                (f"r{i}", ["historical", "2020"][i % 2], "UZB", g)
                for i, g in enumerate(_boxes(ranges_b, shift_x, shift_y))
            ]
        )
        pas = make_pas([(f"p{i}", "IV", 2000, g) for i, g in enumerate(_boxes(pas_b, shift_x, shift_y))])
        return range_coverage(ranges, pas), range_change(ranges)

    (cov_a, change_a), (cov_b, change_b) = run(0, 0), run(dx, dy)
    assert cov_a[["period", "iso3"]].equals(cov_b[["period", "iso3"]])
    for column in ("range_km2", "protected_km2"):
        np.testing.assert_allclose(cov_a[column], cov_b[column], rtol=1e-9, atol=1e-9)
    for column in ("historical_km2", "current_km2", "lost_km2", "gained_km2"):
        np.testing.assert_allclose(change_a[column], change_b[column], rtol=1e-9, atol=1e-9)
