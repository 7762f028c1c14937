"""Gaps: populations outside protected areas, stale counts, range states without a recent count."""

from __future__ import annotations

import shapely

from deerhabitat.analysis import conservation_gaps, site_protection, site_year_counts


def test_the_three_gap_tables(make_sites, make_counts, make_pas):
    sites = make_sites(
        [
            ("in", "UZB", 500, 500),
            ("out", "UZB", 20_000, 0),
            ("gone", "UZB", 30_000, 0),
            ("old", "TJK", 40_000, 0),
            ("nat", "KAZ", 0, 90_000, "country"),
        ]
    )
    counts = make_counts(
        [
            ("1", "in", "2020", 10),
            ("2", "out", "2019", 4),
            ("3", "gone", "2020", 0),
            ("4", "old", "2012", 7),
            ("5", "nat", "2014", 300),
        ],
        sites,
    )
    pas = make_pas([("a", "II", 1990, shapely.box(0, 0, 1000, 1000))])
    site_years = site_year_counts(counts, sites)
    gaps = conservation_gaps(
        site_years, site_protection(sites, pas), range_states=["KAZ", "UZB", "TJK", "AFG"]
    )
    assert gaps.reference_year == 2020 and gaps.stale_after_years == 5
    outside = gaps.outside_protected_areas
    assert outside[["site_id", "iso3", "latest_year", "latest_count", "nearest_pa_id"]].values.tolist() == [
        ["old", "TJK", 2012, 7, "a"],
        ["out", "UZB", 2019, 4, "a"],
    ]  # gone counts 0; nat is national
    assert (outside["distance_km"] > 18).all()
    assert gaps.stale_counts.values.tolist() == [
        ["nat", "KAZ", "country", 2014, 300, 6],
        ["old", "TJK", "site", 2012, 7, 8],
    ]
    states = gaps.range_states_without_recent_count
    assert states["iso3"].tolist() == ["AFG", "KAZ", "TJK"]
    assert states["latest_year"].tolist()[1:] == [2014, 2012] and states["latest_year"].isna().tolist()[0]


def test_without_protected_areas_or_counts(make_sites, make_counts):
    sites = make_sites([("a", "UZB", 0, 0)])
    gaps = conservation_gaps(
        site_year_counts(make_counts([("1", "a", "2015", 3)], sites), sites),
        None,
        range_states=["UZB"],
        stale_after_years=2,
    )
    assert len(gaps.outside_protected_areas) == 0 and len(gaps.stale_counts) == 0
    assert len(gaps.range_states_without_recent_count) == 0
    empty = conservation_gaps(site_year_counts(make_counts([], sites), sites), None, range_states=["UZB"])
    assert empty.reference_year is None and empty.range_states_without_recent_count["iso3"].tolist() == [
        "UZB"
    ]
    assert len(empty.stale_counts) == 0
