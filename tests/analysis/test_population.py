"""Population totals: the totals rule, by hand (plain sums, carried figures, national estimates)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis import (
    captive_by_year,
    carried_counts,
    population_totals,
    site_year_counts,
    totals_rule,
)
from deerhabitat.errors import AnalysisError, SchemaError


def totals(counts, sites, **kwargs):
    site_years = site_year_counts(counts, sites, **kwargs)
    return site_years, population_totals(site_years)


def by_year(result):
    return dict(zip(result.by_year["year"], result.by_year["count"], strict=True))


def test_plain_sums_when_every_site_is_counted_every_year(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("b", "UZB", 1000, 0), ("c", "TJK", 0, -9000)])
    counts = make_counts(
        [
            ("1", "a", "2002", 100),
            ("2", "b", "2002", 50),
            ("3", "c", "2002", 30),
            ("4", "a", "2020-05", 200),
            ("5", "b", "2020", 80),
            ("6", "c", "2020-10-01", 40),
        ],
        sites,
    )
    site_years, result = totals(counts, sites)
    assert by_year(result) == {2002: 180, 2020: 320}
    assert result.by_country_year.values.tolist() == [
        ["TJK", 2002, 30],
        ["UZB", 2002, 150],
        ["TJK", 2020, 40],
        ["UZB", 2020, 280],
    ]
    assert not site_years["carried"].any()
    assert (result.detail["count"] == result.detail["observed"]).all()


def test_carried_counts_fill_years_without_a_count_for_at_most_five_years(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("b", "UZB", 1, 0), ("c", "TJK", 2, 0), ("d", "UZB", 3, 0)])
    counts = make_counts(
        [
            ("1", "a", "2015", 10),
            ("2", "a", "2018", 12),
            ("3", "b", "2014", 7),
            ("4", "c", "2020", 5),
            ("5", "d", "2010", 99),
        ],
        sites,
    )
    site_years, result = totals(counts, sites)
    # 2010: d; 2014: b + d(2010); 2015: a + b(2014) + d(2010, 5 years: still carried); 2018: a + b(2014),
    # d is 8 years old; 2020: a(2018) in UZB, c in TJK; b is 6 years old.
    assert by_year(result) == {2010: 99, 2014: 106, 2015: 116, 2018: 19, 2020: 17}
    row = result.detail[(result.detail.iso3 == "UZB") & (result.detail.year == 2020)].iloc[0]
    assert (
        row["count"],
        row["observed"],
        row["carried"],
        row["n_sites_observed"],
        row["n_sites_carried"],
    ) == (12, 0, 12, 0, 1)
    carried = carried_counts(site_years)
    assert carried[["year", "site_id", "count_year", "count", "age_years"]].values.tolist() == [
        [2014, "d", 2010, 99, 4],
        [2015, "b", 2014, 7, 1],
        [2015, "d", 2010, 99, 5],
        [2018, "b", 2014, 7, 4],
        [2020, "a", 2018, 12, 2],
    ]


def test_stale_after_years_zero_carries_nothing(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("b", "UZB", 1, 0)])
    counts = make_counts([("1", "a", "2018", 10), ("2", "b", "2019", 4)], sites)
    _, result = totals(counts, sites, stale_after_years=0)
    assert by_year(result) == {2018: 10, 2019: 4}


def test_a_national_figure_stands_for_its_country_is_carried_and_yields_to_a_larger_site_sum(
    make_sites, make_counts
):
    sites = make_sites(
        [("n", "KAZ", 0, 0, "country"), ("s1", "KAZ", 5000, 0, "site"), ("u", "UZB", 0, -5000)]
    )
    counts = make_counts(
        [
            ("1", "n", "2018", 300),
            ("2", "n", "2020", 350),
            ("3", "s1", "2018", 100),
            ("4", "s1", "2019", 120),
            ("5", "u", "2019", 50),
            ("6", "s1", "2022", 400),
        ],
        sites,
    )
    site_years, result = totals(counts, sites)
    # 2018: KAZ max(N 300, S 100) = 300; 2019: N 300 carried vs S 120 -> 300, + u 50;
    # 2020: N 350 vs S 120 carried -> 350, + u carried 50;
    # 2022: N 350 carried vs S 400 observed -> 400 (a national total cannot be below its counted sites),
    #       + u carried 50.
    assert by_year(result) == {2018: 300, 2019: 350, 2020: 400, 2022: 450}
    detail = result.detail.set_index(["iso3", "year"])
    assert (
        bool(detail.loc[("KAZ", 2020), "country_estimate"])
        and detail.loc[("KAZ", 2020), "n_sites_superseded"] == 1
    )
    assert detail.loc[("KAZ", 2020), "count"] == detail.loc[("KAZ", 2020), "observed"] == 350
    assert detail.loc[("KAZ", 2019), "carried"] == 300 and bool(detail.loc[("KAZ", 2019), "country_estimate"])
    assert (
        not bool(detail.loc[("KAZ", 2022), "country_estimate"]) and detail.loc[("KAZ", 2022), "count"] == 400
    )
    superseded = site_years[~site_years["in_total"]]
    assert superseded[["year", "site_id", "count"]].values.tolist() == [
        [2018, "s1", 100],
        [2019, "s1", 120],
        [2020, "s1", 120],
        [2022, "n", 350],
    ]


def test_the_latest_date_of_a_year_wins_and_ties_go_to_the_greatest_count_id(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("b", "UZB", 1, 0)])
    counts = make_counts(
        [
            ("c1", "a", "2019-03-01", 40),
            ("c2", "a", "2019-09-01", 42),
            ("c3", "a", "2019", 45),
            ("x2", "b", "2019-05-01", 11),
            ("x1", "b", "2019-05-01", 10),
        ],
        sites,
    )
    site_years, result = totals(counts, sites)
    assert by_year(result) == {2019: 42 + 11}
    assert sorted(site_years["count_id"]) == ["c2", "x2"]


def test_captive_counts_are_apart(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0), ("z", "UZB", 1, 0)])
    counts = make_counts(
        [
            ("1", "a", "2019", 10),
            ("2", "z", "2019-02", 30, True),
            ("3", "z", "2019-11", 33, True),
            ("4", "z", "2021", 35, True),
        ],
        sites,
    )
    _, result = totals(counts, sites)
    assert by_year(result) == {2019: 10}
    assert captive_by_year(counts).values.tolist() == [[2019, 33, 1], [2021, 35, 1]]


def test_no_scope_column_means_site_scope(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)]).drop(columns="scope")
    counts = make_counts([("1", "a", "2019", 10)], sites)
    _, result = totals(counts, sites)
    assert by_year(result) == {2019: 10}


def test_without_geometry_the_table_is_plain(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)])
    counts = pd.DataFrame(make_counts([("1", "a", "2019", 10)], sites).drop(columns="geometry"))
    site_years = site_year_counts(counts, sites)
    assert type(site_years) is pd.DataFrame and site_years["count"].tolist() == [10]


def test_empty_counts_give_empty_tables(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)])
    site_years, result = totals(make_counts([], sites), sites)
    assert len(site_years) == 0 and len(result.by_year) == 0 and len(result.detail) == 0
    assert len(captive_by_year(make_counts([], sites))) == 0


def test_counts_of_unknown_sites_are_refused(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)])
    counts = make_counts([("1", "a", "2019", 10), ("2", "ghost", "2019", 3)], sites)
    with pytest.raises(
        SchemaError, match=r"site_id\(s\) not in the sites layer \('ghost'\); import those sites"
    ):
        site_year_counts(counts, sites)


def test_missing_columns_and_bad_parameters_are_refused(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)])
    counts = make_counts([("1", "a", "2019", 10)], sites)
    with pytest.raises(
        SchemaError, match=r"missing column\(s\) captive needed by the analysis \(columns found: "
    ):
        site_year_counts(counts.drop(columns="captive"), sites)
    with pytest.raises(SchemaError, match=r"'sites' layer: missing column\(s\) iso3"):
        site_year_counts(counts, sites.drop(columns="iso3"))
    with pytest.raises(AnalysisError, match=r"stale_after_years=-1 is not allowed; it must be 0 or more"):
        site_year_counts(counts, sites, stale_after_years=-1)


def test_rule_text_names_the_window():
    assert "Y-3..Y" in totals_rule(3) and "scope=country" in totals_rule(3)


site_counts = st.lists(st.lists(st.integers(0, 500), min_size=1, max_size=4), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(site_counts, st.lists(st.sampled_from(["UZB", "TJK", "KAZ"]), min_size=6, max_size=6))
def test_every_site_counted_every_year_gives_plain_sums(make_sites, make_counts, table, countries):
    n_years = min(len(r) for r in table)
    sites = make_sites([(f"s{i}", countries[i], i, 0) for i in range(len(table))])
    rows = [
        (f"{i}-{y}", f"s{i}", str(2000 + 3 * y), table[i][y])
        for i in range(len(table))
        for y in range(n_years)
    ]
    _, result = totals(make_counts(rows, sites), sites)
    expected = {2000 + 3 * y: sum(table[i][y] for i in range(len(table))) for y in range(n_years)}
    assert by_year(result) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(2000, 2020), st.integers(0, 90), st.booleans()),
        min_size=1,
        max_size=25,
    )
)
def test_totals_are_sums_of_their_parts(make_sites, make_counts, rows):
    sites = make_sites(
        [
            ("s0", "KAZ", 0, 0, "country"),
            ("s1", "KAZ", 1, 0),
            ("s2", "UZB", 2, 0),
            ("s3", "UZB", 3, 0),
            ("s4", "TJK", 4, 0),
        ]
    )
    counts = make_counts(
        [(f"c{k}", f"s{s}", str(y), n, captive) for k, (s, y, n, captive) in enumerate(rows)], sites
    )
    site_years, result = totals(counts, sites)
    detail = result.detail
    assert (detail["count"] == detail["observed"] + detail["carried"]).all()
    assert by_year(result) == detail.groupby("year")["count"].sum().to_dict()
    wild_years = {y for _, y, _, captive in rows if not captive}
    assert set(by_year(result)) == wild_years
    assert ((site_years["year"] - site_years["count_year"]).between(0, 5)).all()
