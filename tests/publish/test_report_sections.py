"""The sections the draft Overview Report asks for, each table built from small hand-made data."""

from __future__ import annotations

import pandas as pd

from deerhabitat.publish import overview_tables as ov

NAMES = {"UZB": "Uzbekistan", "KAZ": "Kazakhstan", "TJK": "Tajikistan"}


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["U-A", "U-B", "U-Z", "K-A"],
            "name": ["Beta <reserve>", "Alpha", "Zoo", "Kaz site"],
            "iso3": ["UZB", "UZB", "UZB", "KAZ"],
            "status": ["native", "reintroduced", "captive", "native"],
            "source": ["s"] * 4,
        }
    )


def _counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "count_id": ["c1", "c2", "c3", "c4"],
            "site_id": ["U-A", "U-A", "U-Z", "K-A"],
            "date": ["2019-10", "2023", "2024-05-01", "2020"],
            "count": [2112, 1475, 4, 9],
            "method": ["distance-sampling", "census", "census", "estimate"],
            "captive": [False, False, True, False],
            "source": ["cirad", "eco.gov.uz", "gov.uz", "k"],
        }
    )


def test_site_population_table_gives_each_site_its_latest_wild_count_year_method_and_source():
    table = ov.site_population_table(_sites(), _counts(), NAMES, country="UZB")
    assert table.name == "population_uzb" and "Uzbekistan" in table.caption
    assert list(table.display.columns) == ["Site", "Origin", "Latest count", "Year", "Method", "Source"]
    assert table.display.values.tolist() == [
        ["Alpha", "reintroduced", "–", "–", "–", ""],
        ["Beta <reserve>", "native", "1,475", "2023", "census", "eco.gov.uz"],
        ["Zoo", "captive", "–", "–", "–", ""],  # a captive count is not a wild count
    ]
    assert ov.site_population_table(_sites(), _counts(), NAMES, country="TJK") is None


def test_site_population_table_shows_the_data_status_when_the_counts_carry_one():
    counts = _counts().assign(data_status=["surveyed", "national-total", "surveyed", "estimated"])
    table = ov.site_population_table(_sites(), counts, NAMES, country="KAZ")
    assert table.display["Data status"].tolist() == ["estimated"]


def test_range_change_table_lists_states_then_the_whole_range():
    change = pd.DataFrame(
        {
            "iso3": ["ALL", "UZB", "KAZ"],
            "historical_period": ["historical"] * 3,
            "current_period": ["2020"] * 3,
            "historical_km2": [300.0, 200.0, 100.0],
            "current_km2": [60.0, 40.0, 20.0],
            "change_km2": [-240.0, -160.0, -80.0],
            "lost_fraction": [0.8, 0.8, 0.8],
            "lost_km2": [240.0, 160.0, 80.0],
            "gained_km2": [0.0, 0.0, 0.0],
        }
    )
    table = ov.range_change_table(change, NAMES)
    assert table.display.iloc[:, 0].tolist() == ["Kazakhstan (KAZ)", "Uzbekistan (UZB)", "Whole range"]
    assert table.display.iloc[2].tolist() == [
        "Whole range",
        "300 (historical)",
        "60 (2020)",
        "240",
        "0",
        "80 %",
    ]


def test_protected_areas_with_deer_leave_out_national_totals_and_empty_sites():
    protection = pd.DataFrame(
        {
            "site_id": ["U-A", "U-N", "K-A"],
            "name": ["LABR", "Uzbekistan national", "Kaz site"],
            "scope": ["site", "country", "site"],
            "iso3": ["UZB", "UZB", "KAZ"],
            "inside": [True, True, True],
            "pa_ids": [["PA1", "PA2"], ["PA1"], ["PA3"]],
        }
    )
    areas = pd.DataFrame(
        {
            "pa_id": ["PA1", "PA2", "PA3", "PA4"],
            "name": ["Badai-Tugai", "LABR reserve", "Empty", "No deer"],
            "iso3": ["UZB", "UZB", "KAZ", "KAZ"],
            "iucn_cat": ["Ia", "Not Reported", "II", "IV"],
            "status_year": [1971, 2011, 1996, 2000],
            "area_km2": [64.6, 687.2, 10.0, 5.0],
        }
    )
    site_years = pd.DataFrame(
        {
            "year": [2019, 2023, 2023, 2023],
            "site_id": ["U-A", "U-A", "U-N", "K-A"],
            "scope": ["site", "site", "country", "site"],
            "count_year": [2019, 2023, 2023, 2023],
            "count": [2112, 1475, 192, 0],
        }
    )
    table = ov.protected_areas_with_deer_table(protection, areas, site_years, NAMES)
    assert table.data["pa_id"].tolist() == ["PA1", "PA2"]  # the national total and the empty site add nothing
    assert table.data["animals"].tolist() == [1475, 1475]
    assert table.display["Sites with deer (latest count)"].tolist()[0] == "LABR (1,475 in 2023)"
    assert table.display["Established"].tolist() == ["1971", "2011"]


def test_threat_matrix_gives_the_highest_severity_per_state_and_names_the_reports():
    def record(country, parsed, filename, latest=True):
        return {"country": country, "period_start": 2020, "period_end": 2023, "latest": latest,
                "filename": filename, "parsed": parsed}  # fmt: skip

    reports = pd.DataFrame(
        [
            record("UZB", {"threats": [{"threat": "poaching", "severity": "low"},
                                       {"threat": "poaching", "severity": "high"},
                                       {"threat": "water-regulation", "severity": "medium"}]}, "UZB.yaml"),
            record("KAZ", {"report": {"illustrative": True},
                           "threats": [{"threat": "water-regulation", "severity": "unknown"}]}, "KAZ.yaml"),
            record("KAZ", {"threats": [{"threat": "flood", "severity": "high"}]}, "old.yaml", latest=False),
        ]
    )  # fmt: skip
    table = ov.threat_matrix_table(reports, NAMES, ["KAZ", "TJK", "UZB"])
    assert list(table.display.columns) == [
        "Threat",
        "Kazakhstan (KAZ)",
        "Tajikistan (TJK)",
        "Uzbekistan (UZB)",
    ]
    assert table.display.values.tolist() == [
        ["poaching", "–", "–", "high"],
        ["water regulation", "unknown", "–", "medium"],
        ["National report", "KAZ.yaml (illustrative)", "no national report", "UZB.yaml"],
    ]
