"""Honest figures: counts' data status, national figures never inside/outside, trends, coverage basis.

Expectations are computed by hand from the tiny stores built here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis import (
    count_data_status,
    country_trends,
    coverage_basis,
    protected_population,
    range_coverage,
    site_year_counts,
)
from deerhabitat.errors import SchemaError

KM = 1000.0


def with_status(counts, statuses):
    counts = counts.copy()
    counts["data_status"] = statuses
    return counts


# -- data status ---------------------------------------------------------------------------------------


def test_data_status_is_derived_only_where_unambiguous(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("n", "KAZ", 0, 0, "country")])
    counts = make_counts([("1", "a", "2020", 5), ("2", "a", "2021", 6), ("3", "n", "2021", 900)], sites)
    counts["method"] = ["census", "estimate", "estimate"]
    assert count_data_status(counts, sites).tolist() == ["surveyed", "estimated", "national-total"]
    # an explicit status wins; a split is never derived
    counts["data_status"] = [None, "illustrative", "national-split"]
    assert count_data_status(counts, sites).tolist() == ["surveyed", "illustrative", "national-split"]


def test_an_unknown_data_status_is_refused_with_the_allowed_values(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)])
    counts = with_status(make_counts([("1", "a", "2020", 5)], sites), ["national"])
    with pytest.raises(SchemaError, match=r"'national' is not allowed.*national-total, national-split"):
        count_data_status(counts, sites)


def test_site_years_carry_the_data_status_and_a_split_is_a_national_figure(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("s", "UZB", 0, 0)])
    counts = with_status(
        make_counts([("1", "a", "2002", 10), ("2", "s", "2002", 192)], sites), [None, "national-split"]
    )
    table = site_year_counts(counts, sites).set_index("site_id")
    assert table.loc["a", "data_status"] == "surveyed" and not table.loc["a", "country_estimate"]
    assert table.loc["s", "data_status"] == "national-split" and table.loc["s", "country_estimate"]
    # the split (192) stands for the country and wins over the smaller site sum (10), as a total would
    assert bool(table.loc["s", "in_total"]) and not bool(table.loc["a", "in_total"])


# -- protection -----------------------------------------------------------------------------------------


def test_a_state_whose_only_figure_is_national_is_not_assessable(make_sites, make_counts, make_pas):
    # Kazakhstan-like: its national total of 1,140 sits on a point outside every protected area;
    # Uzbekistan has two sites, 100 animals inside and 20 outside.
    sites = make_sites(
        [("kz", "KAZ", 50 * KM, 50 * KM, "country"), ("in", "UZB", 500, 500), ("out", "UZB", 30 * KM, 0)]
    )
    counts = make_counts(
        [("1", "kz", "2023", 1140), ("2", "in", "2023", 100), ("3", "out", "2023", 20)], sites
    )
    pas = make_pas([("p", "II", 1990, shapely.box(0, 0, 1000, 1000))])
    table = protected_population(site_year_counts(counts, sites), pas).set_index("iso3")
    kaz, uzb = table.loc["KAZ"], table.loc["UZB"]
    assert (kaz["count"], kaz["located"], kaz["inside"], kaz["outside"]) == (1140, 0, 0, 0)
    assert not kaz["assessable"] and np.isnan(kaz["protected_fraction"])  # not 0 %
    assert kaz["note"].startswith("not assessable")
    assert (uzb["count"], uzb["located"], uzb["inside"], uzb["outside"]) == (120, 120, 100, 20)
    assert uzb["assessable"] and uzb["protected_fraction"] == pytest.approx(100 / 120)


def test_a_national_total_inside_a_protected_area_is_not_counted_inside(make_sites, make_counts, make_pas):
    # the national figure (900) sits inside the area and wins the total over the site (150, inside too)
    sites = make_sites([("kz", "KAZ", 500, 500, "country"), ("ib", "KAZ", 600, 600)])
    counts = make_counts([("1", "kz", "2022", 900), ("2", "ib", "2022", 150)], sites)
    pas = make_pas([("p", "II", 1990, shapely.box(0, 0, 1000, 1000))])
    row = protected_population(site_year_counts(counts, sites), pas).iloc[0]
    assert (row["count"], row["located"], row["inside"], row["outside"]) == (900, 150, 150, 0)
    assert row["assessable"] and row["country_estimate"]
    assert "150 animals counted at sites" in row["note"] and "900 has no position" in row["note"]


national_strategy = st.tuples(
    st.integers(-60, 60),
    st.integers(-60, 60),
    st.integers(0, 3000),
    st.sampled_from(["UZB", "TJK"]),
    st.sampled_from(["2020", "2021"]),
    st.sampled_from(["scope", "national-total", "national-split"]),
)
site_strategy = st.tuples(
    st.integers(-60, 60), st.integers(-60, 60), st.integers(0, 100), st.sampled_from(["UZB", "TJK"])
)
box_strategy = st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 40), st.integers(1, 40))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(site_strategy, min_size=1, max_size=12),
    st.lists(national_strategy, max_size=5),
    st.lists(box_strategy, max_size=5),
)
def test_national_figures_never_change_the_inside_outside_tallies(
    make_sites, make_counts, make_pas, points, nationals, boxes
):
    site_rows = [(f"s{i}", iso3, x * KM, y * KM) for i, (x, y, _, iso3) in enumerate(points)]
    count_rows = [
        (f"c{i}", f"s{i}", year, n) for i, (_, _, n, _) in enumerate(points) for year in ("2020", "2021")
    ]
    pas = make_pas(
        [
            (f"p{j}", "IV", 2000, shapely.box(x * KM, y * KM, (x + w) * KM, (y + h) * KM))
            for j, (x, y, w, h) in enumerate(boxes)
        ]
    )
    sites = make_sites(site_rows)
    base = protected_population(site_year_counts(make_counts(count_rows, sites), sites), pas)

    national_sites = [
        (f"n{k}", iso3, x * KM, y * KM, "country" if how == "scope" else "site")
        for k, (x, y, _, iso3, _, how) in enumerate(nationals)
    ]
    sites_more = make_sites(site_rows + national_sites)
    counts_more = make_counts(
        count_rows + [(f"m{k}", f"n{k}", year, n) for k, (_, _, n, _, year, _) in enumerate(nationals)],
        sites_more,
    )
    counts_more["data_status"] = [None] * len(count_rows) + [
        None if how == "scope" else how for (*_, how) in nationals
    ]
    more = protected_population(site_year_counts(counts_more, sites_more), pas)

    keys = ["iso3", "year"]
    tallies = ["located", "inside", "outside", "assessable"]
    merged = base.merge(more, on=keys, suffixes=("", "_more"), how="left")
    for column in tallies:
        assert (merged[column] == merged[f"{column}_more"]).all(), column
    # a country-year made only by a national figure is not assessable and tallies nothing
    only_national = more.merge(base[keys], on=keys, how="left", indicator=True)
    only_national = only_national[only_national["_merge"] == "left_only"]
    assert not only_national["assessable"].any()
    assert (only_national[["located", "inside", "outside"]] == 0).all().all()


# -- trends -------------------------------------------------------------------------------------------


def test_a_decline_needs_the_same_method_and_coverage(make_sites, make_counts):
    sites = make_sites(
        [("labr", "UZB", 0, 0), ("kyz", "UZB", 0, 0), ("tb", "TJK", 0, 0), ("kz", "KAZ", 0, 0, "country")]
    )
    counts = make_counts(
        [
            ("1", "labr", "2019", 2112),  # distance sampling
            ("2", "labr", "2023", 1475),  # census: method changed
            ("3", "tb", "2019", 300),
            ("4", "tb", "2023", 200),  # same method and site: a real decline
            ("5", "kyz", "2023", 186),  # UZB's 2023 total also gains a site
            ("6", "kz", "2019", 900),
            ("7", "kz", "2023", 1140),
        ],
        sites,
    )
    counts["method"] = [
        "distance-sampling",
        "census",
        "estimate",
        "estimate",
        "census",
        "estimate",
        "estimate",
    ]
    trends = country_trends(site_year_counts(counts, sites)).set_index("iso3")
    tjk, uzb, kaz = trends.loc["TJK"], trends.loc["UZB"], trends.loc["KAZ"]
    assert (tjk["from_count"], tjk["to_count"], tjk["change"], tjk["trend"]) == (300, 200, -100, "decline")
    assert tjk["reason"] == ""
    assert (uzb["from_count"], uzb["to_count"], uzb["trend"]) == (2112, 1661, "not comparable")
    assert uzb["reason"].startswith("coverage changed: 2019 is 1 site figure (labr), 2023 is 2 site figures")
    assert (kaz["change"], kaz["trend"]) == (240, "increase")


def test_a_method_change_alone_makes_a_change_not_comparable(make_sites, make_counts):
    sites = make_sites([("labr", "UZB", 0, 0)])
    counts = make_counts([("1", "labr", "2019", 2112), ("2", "labr", "2023", 1475)], sites)
    counts["method"] = ["distance-sampling", "census"]
    row = country_trends(site_year_counts(counts, sites)).iloc[0]
    assert (row["change"], row["trend"]) == (-637, "not comparable")
    assert (
        row["reason"] == "method changed: labr distance-sampling, surveyed in 2019, census, surveyed in 2023"
    )


def test_a_national_total_followed_by_site_figures_is_not_comparable(make_sites, make_counts):
    sites = make_sites([("n", "TJK", 0, 0, "country"), ("tb", "TJK", 0, 0)])
    counts = make_counts([("1", "n", "2015", 500), ("2", "tb", "2021", 200)], sites)
    counts["method"] = ["estimate", "estimate"]
    rows = country_trends(site_year_counts(counts, sites, stale_after_years=3))
    assert rows[["from_year", "to_year", "change", "trend"]].values.tolist() == [
        [2015, 2021, -300, "not comparable"]
    ]
    assert (
        rows["reason"].iloc[0] == "coverage changed: 2015 is national total (n), 2021 is 1 site figure (tb)"
    )


def test_years_only_carried_are_not_compared(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("b", "TJK", 0, 0)])
    counts = make_counts([("1", "a", "2020", 10), ("2", "b", "2021", 5), ("3", "a", "2022", 8)], sites)
    rows = country_trends(site_year_counts(counts, sites))
    # UZB's 2021 figure is carried from 2020: the change is 2020 -> 2022
    assert rows[["iso3", "from_year", "to_year", "change", "trend"]].values.tolist() == [
        ["UZB", 2020, 2022, -2, "decline"]
    ]


# -- coverage basis -------------------------------------------------------------------------------------


def test_protected_shares_say_which_geometry_they_come_from(make_ranges, make_pas):
    ranges = make_ranges(
        [
            ("r1", "2020", "UZB", shapely.box(0, 0, 4000, 1000)),
            ("r2", "2020", "TJK", shapely.box(0, 5000, 1000, 6000)),
        ]
    )
    ranges["source"] = ["survey polygons digitised from a map", "tugai belt drawn by build.py"]
    pas = make_pas(
        [("a", "II", 1990, shapely.box(0, 0, 1000, 1000)), ("b", "II", 1990, shapely.box(0, 5000, 1, 5001))]
    )
    pas["iso3"] = ["UZB", "TJK"]
    pas["approximate"] = [False, True]
    table = coverage_basis(range_coverage(ranges, pas), ranges, pas).set_index("iso3")
    assert table.loc["UZB", "range_geometry"] == "mapped polygons (1 polygons)"
    assert table.loc["UZB", "protected_area_geometry"] == "mapped boundaries (1 areas)"
    assert table.loc["UZB", "caveat"] == ""
    assert table.loc["TJK", "range_geometry"] == "belts or buffers drawn along rivers (1 of 1 polygons)"
    assert (
        table.loc["TJK", "protected_area_geometry"]
        == "circles of the reported area around a point (1 of 1 areas)"
    )
    assert table.loc["ALL", "range_geometry"].startswith(
        "belts or buffers drawn along rivers (1 of 2 polygons)"
    )
    assert table.loc["ALL", "caveat"].startswith("Approximate: the range is drawn as belts along rivers and ")
    assert table.loc["ALL", "protected_fraction"] == pytest.approx((1.0 + 1e-6) / 5.0)  # km2: 1 + 1 m2 of 5


def test_coverage_basis_without_a_flag_column_reads_every_area_as_mapped(make_ranges, make_pas):
    ranges = make_ranges([("r1", "2020", "UZB", shapely.box(0, 0, 1000, 1000))])
    pas = make_pas([("a", "II", 1990, shapely.box(0, 0, 500, 1000))])
    table = coverage_basis(range_coverage(ranges, pas), ranges, pas)
    assert set(table["caveat"]) == {""}
    assert pd.Series(table["protected_fraction"]).tolist() == [0.5, 0.5]
