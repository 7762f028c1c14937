"""Reintroductions: founders, the growth-rate formula by hand, and each status rule."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from deerhabitat.analysis import growth_rate_per_year, reintroduction_outcomes, reintroduction_rule
from deerhabitat.analysis.reintroduction import ESTABLISHED_MIN_COUNT
from deerhabitat.errors import AnalysisError, SchemaError


def releases(rows):
    return pd.DataFrame(
        {
            "release_id": [f"r{i}" for i in range(len(rows))],
            "site_id": [r[0] for r in rows],
            "date": [r[1] for r in rows],
            "n_released": [r[2] for r in rows],
        }
    )


def counts(rows):
    return pd.DataFrame(
        {
            "count_id": [r[0] for r in rows],
            "site_id": [r[1] for r in rows],
            "date": [r[2] for r in rows],
            "count": [r[3] for r in rows],
            "captive": [r[4] if len(r) > 4 else False for r in rows],
        }
    )


def by_site(table):
    return {r["site_id"]: r for r in table.to_dict("records")}


def test_growth_rate_by_hand():
    table = reintroduction_outcomes(
        releases([("z", "2000-10-01", 20), ("z", "2003", 10), ("y", "2010", 15)]),
        counts(
            [
                ("1", "z", "2005", 60),
                ("2", "z", "2014-03", 150),
                ("3", "y", "2019", 12),
                ("4", "x", "2015", 1),
            ]
        ),
    )
    rows = by_site(table)
    assert list(rows) == ["y", "z"]
    z = rows["z"]
    assert (z["first_release_year"], z["founders"], z["releases"], z["latest_year"], z["latest_count"]) == (
        2000,
        30,
        2,
        2014,
        150,
    )
    assert z["growth_rate_per_year"] == pytest.approx(math.log(150 / 30) / 14)  # 0.11496
    assert z["status"] == "established"
    y = rows["y"]
    assert y["growth_rate_per_year"] == pytest.approx(math.log(12 / 15) / 9)  # -0.02479
    assert y["status"] == "declining"


@pytest.mark.parametrize(
    ("latest", "founders", "status"),
    [
        (ESTABLISHED_MIN_COUNT, 25, "established"),  # 50 animals and 2 x founders
        (ESTABLISHED_MIN_COUNT - 1, 10, "growing"),  # not 50 animals yet
        (60, 40, "growing"),  # 50 animals but under 2 x founders
        (40, 40, "stable"),
        (39, 40, "declining"),
        (0, 40, "extirpated"),
    ],
)
def test_status_rules(latest, founders, status):
    table = reintroduction_outcomes(releases([("s", "2005", founders)]), counts([("1", "s", "2015", latest)]))
    assert table["status"].tolist() == [status]


def test_unknown_without_a_count_after_the_first_release_or_when_stale():
    table = reintroduction_outcomes(
        releases(
            [
                ("none", "2010", 5),
                ("same", "2015", 5),
                ("before", "2015", 5),
                ("stale", "2005", 5),
                ("fresh", "2005", 5),
            ]
        ),
        counts(
            [
                ("1", "same", "2015-12", 9),
                ("2", "before", "2012", 3),
                ("3", "stale", "2013", 30),
                ("4", "fresh", "2015", 30),
                ("5", "other", "2020", 1),
            ]
        ),
    )
    rows = by_site(table)
    assert {k: v["status"] for k, v in rows.items()} == {
        "before": "unknown",
        "fresh": "growing",
        "none": "unknown",
        "same": "unknown",
        "stale": "unknown",
    }
    assert pd.isna(rows["none"]["latest_year"]) and math.isnan(rows["none"]["growth_rate_per_year"])
    assert rows["same"]["latest_count"] == 9 and math.isnan(rows["same"]["growth_rate_per_year"])
    # stale: latest 2013 is 7 years before the reference year 2020; its growth rate is still given
    assert rows["stale"]["growth_rate_per_year"] == pytest.approx(math.log(30 / 5) / 8)


def test_reference_year_and_stale_after_years_can_be_given():
    args = (releases([("s", "2005", 5)]), counts([("1", "s", "2013", 30)]))
    assert reintroduction_outcomes(*args)["status"].tolist() == ["growing"]
    assert reintroduction_outcomes(*args, reference_year=2020)["status"].tolist() == ["unknown"]
    assert reintroduction_outcomes(*args, reference_year=2020, stale_after_years=7)["status"].tolist() == [
        "growing"
    ]


def test_captive_counts_are_used_only_without_wild_ones():
    table = reintroduction_outcomes(
        releases([("pen", "2010", 10), ("mixed", "2010", 10)]),
        counts(
            [("1", "pen", "2015", 25, True), ("2", "mixed", "2014", 18), ("3", "mixed", "2016", 99, True)]
        ),
    )
    rows = by_site(table)
    assert (rows["pen"]["latest_count"], rows["pen"]["captive"]) == (25, True)
    assert (rows["mixed"]["latest_count"], rows["mixed"]["latest_year"], rows["mixed"]["captive"]) == (
        18,
        2014,
        False,
    )


def test_latest_count_of_a_year_is_the_latest_date():
    table = reintroduction_outcomes(
        releases([("s", "2000", 10)]),
        counts([("b", "s", "2010-09", 30), ("a", "s", "2010-11", 31), ("c", "s", "2010", 40)]),
    )
    assert table["latest_count"].tolist() == [31]


def test_growth_rate_formula_edge_cases():
    assert growth_rate_per_year(20, 10, 1) == pytest.approx(math.log(2))
    assert growth_rate_per_year(10, 10, 3) == 0.0
    assert growth_rate_per_year(0, 10, 3) is None and growth_rate_per_year(5, 10, 0) is None


def test_no_releases_and_errors():
    assert len(reintroduction_outcomes(releases([]), counts([]))) == 0
    with pytest.raises(SchemaError, match=r"'releases' layer: missing column\(s\) n_released"):
        reintroduction_outcomes(releases([]).drop(columns="n_released"), counts([]))
    with pytest.raises(AnalysisError, match=r"stale_after_years=-2 is not allowed"):
        reintroduction_outcomes(releases([]), counts([]), stale_after_years=-2)
    assert "established (latest count >= 50" in reintroduction_rule(5)


def test_releases_from_the_sites_own_enclosure_are_not_new_founders():
    import pandas as pd

    from deerhabitat.analysis import reintroduction_outcomes

    releases = pd.DataFrame(
        {
            "release_id": ["r1", "r2", "r3", "r4", "r5"],
            "site_id": ["z", "z", "s", "s", "z"],
            "source_site_id": pd.array(["labr", "z", "s", "s", pd.NA], dtype="string"),
            "source_name": [None, None, None, None, "unknown origin"],
            "date": ["1995", "2005-08", "2009-05", "2011", "1999"],
            "n_released": [6, 6, 10, 4, 3],
        }
    )
    counts = pd.DataFrame(
        {
            "count_id": ["c1", "c2"],
            "site_id": ["z", "s"],
            "date": ["2023", "2016"],
            "count": [105, 103],
            "captive": [False, False],
        }
    )
    out = reintroduction_outcomes(releases, counts).set_index("site_id")
    # z: 6 founders (1995) + 3 of unknown origin (1999); the 2005 release let the same animals out.
    assert int(out.loc["z", "founders"]) == 9 and int(out.loc["z", "releases"]) == 3
    assert abs(out.loc["z", "growth_rate_per_year"] - math.log(105 / 9) / (2023 - 1995)) < 1e-12
    # s: only releases from its own pens, so they are its founders.
    assert int(out.loc["s", "founders"]) == 14
