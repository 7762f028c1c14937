"""The Overview Report's parts: message catalogue, SVG charts and tables of national reports, by hand."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deerhabitat.analysis.reporting import reporting_status
from deerhabitat.analysis.work_programme import work_programme_matrix, work_programme_status
from deerhabitat.clitext import ENGLISH as CLI_ENGLISH
from deerhabitat.config import StoreConfig
from deerhabitat.publish import ExactResults, document, prepare_data
from deerhabitat.publish import national_report_tables as nr
from deerhabitat.publish import report_tables as rt
from deerhabitat.publish import work_programme_tables as wp
from deerhabitat.publish.charts import country_chart_svg, nice_ceiling, trend_chart_svg, year_coverage
from deerhabitat.publish.generalise import withhold_positions
from deerhabitat.publish.text import ENGLISH, message

SRC = Path(__file__).resolve().parents[2] / "src" / "deerhabitat"
SVG = "{http://www.w3.org/2000/svg}"
NAMES = {"UZB": "Uzbekistan", "TJK": "Tajik <b>&", "KAZ": "Kazakhstan"}
STATES = ["KAZ", "TJK", "UZB"]
PROFILES = ("public", "internal")


# -- text catalogue ----------------------------------------------------------------------------------
PREFIXES = {key.split(".")[0] for key in ENGLISH} - {"data"}
STATUS_CODES = ("not-started", "planned", "in-progress", "completed", "not-applicable", "not-reported")
PROGRESS_CODES = ("advanced", "unchanged", "regressed", "first-reported", "not-comparable")
REPORTING_CODES = ("received", "late", "illustrative", "missing", "awaited")


def _used_keys() -> set[str]:
    """Every literal message key in the report's code and template, plus the keys built from families."""
    modules = (
        "report_page.py",
        "document.py",
        "table.py",
        "report_tables.py",
        "national_report_tables.py",
        "work_programme_tables.py",
        "corridor_tables.py",
        "overview_tables.py",
        "conclusions.py",
        "occurrence_tables.py",
    )
    files = [SRC / "publish" / n for n in (*modules, "charts.py", "generalise.py")] + [
        SRC / "workflows" / "report.py",
        SRC / "workflows" / "maps.py",
        SRC / "publish" / "templates" / "report.html.j2",
    ]
    keys = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\b(?:message|t)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
        # keys chosen by a condition (message("value.yes" if c else "value.no")) or built from a family
        keys |= {
            k
            for k in re.findall(r"""["']([a-z_]+\.[a-z0-9_.]+)["']""", text)
            if k.split(".")[0] in PREFIXES and not k.endswith((".j2", ".html", ".csv", ".svg", ".png"))
        }
        for family in re.findall(r'_table\(\s*"([a-z_]+)"', text):
            keys |= {f"table.{family}.title", f"table.{family}.caption"}
    keys |= {f"value.{p}" for p in ("missing", "late")} | {f"chart.{p}" for p in ("observed", "carried")}
    # status and progress words are looked up from the codes of the reporting and Work Programme tables
    keys |= {f"status.{code}" for code in (*STATUS_CODES, *PROGRESS_CODES, *REPORTING_CODES)}
    keys |= {f"wp.deadline_{source}" for source in ("cycle", "default")}
    # the measures of occurrence_tables
    keys |= {f"occurrences.{m}" for m in ("boyce_index", "aoh_point_prevalence")}
    keys |= {k for k in ENGLISH if k.startswith("species.")}  # looked up by scientific name (species_name)
    return keys


def test_every_key_used_by_the_report_is_in_the_english_catalogue():
    used = _used_keys() - set(CLI_ENGLISH)  # what the commands print (progress, errors) is the cli domain
    assert len(used) > 60
    assert sorted(used - set(ENGLISH)) == []
    assert sorted(set(ENGLISH) - used) == []  # no dead string for translators


def test_message_fills_placeholders_and_names_a_missing_key():
    assert (
        message("summary.reports", period="2020-2023", n=4, of=5)
        == "National reports received for 2020-2023: 4 of 5 range states"
    )
    assert message("section.gaps", lang="xx") == "Gaps"
    with pytest.raises(KeyError, match=r"no message 'nope\.nothing' in any catalogue"):
        message("nope.nothing")


# -- charts ------------------------------------------------------------------------------------------
def _by_country() -> pd.DataFrame:
    rows = [
        ("UZB", 2002, 192),
        ("KAZ", 2002, 200),
        ("TJK", 2002, 8),
        ("UZB", 2010, 500),
        ("UZB", 2020, 2112),
        ("KAZ", 2020, 900),
        ("TJK", 2020, 408),
    ]
    return pd.DataFrame(rows, columns=["iso3", "year", "count"])


def test_year_coverage_counts_range_states_with_a_figure():
    cover = year_coverage(_by_country(), [*STATES, "AFG"])
    assert cover.to_dict(orient="list") == {
        "year": [2002, 2010, 2020],
        "count": [400, 500, 3420],
        "n_states": [3, 1, 3],
        "of_states": [4, 4, 4],
        "complete": [False, False, False],
    }
    assert year_coverage(_by_country(), STATES)["complete"].tolist() == [True, False, True]


def _rects(svg: str) -> list[ET.Element]:
    return [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def test_trend_chart_stacks_each_year_to_its_total_and_marks_incomplete_years():
    svg = trend_chart_svg(_by_country(), STATES, NAMES, title="Trend <of> deer")
    root = ET.fromstring(svg)  # well-formed XML: every name escaped
    assert root.find(f"{SVG}title").text == "Trend <of> deer"
    bars = _rects(svg)
    assert len(bars) == 7
    # axis top 3,420 * 1.08 = 3,693.6 -> 4,000 (steps of 1,000); plot height 340 - 34 - 36 = 270 px
    scale = 270 / 4000
    by_year: dict[str, float] = {}
    for bar in bars:
        label = bar.find(f"{SVG}title").text
        year, count = re.search(r"(\d{4}): ([\d,]+)$", label).groups()
        assert float(bar.get("height")) == pytest.approx(int(count.replace(",", "")) * scale, abs=0.01)
        by_year[year] = by_year.get(year, 0) + float(bar.get("height"))
        assert bar.get("fill-opacity") == ("0.4" if year == "2010" else "1")
    assert by_year == pytest.approx(
        {"2002": 400 * scale, "2010": 500 * scale, "2020": 3420 * scale}, abs=0.05
    )
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("class") == "dh-incomplete"]) == 1
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "dh-coverage"] == [
        "3/3",
        "1/3",
        "3/3",
    ]
    assert "Tajik &lt;b&gt;&amp;" in svg
    assert svg == trend_chart_svg(_by_country(), STATES, NAMES, title="Trend <of> deer")


def test_country_chart_splits_counted_and_carried():
    detail = pd.DataFrame(
        {
            "iso3": ["KAZ", "KAZ", "UZB"],
            "year": [2020, 2021, 2020],
            "observed": [900, 0, 5],
            "carried": [0, 900, 0],
        }
    )
    svg = country_chart_svg(detail, "KAZ", "Kazakhstan")
    bars = _rects(svg)
    assert [(b.find(f"{SVG}title").text, b.get("fill-opacity")) for b in bars] == [
        ("Kazakhstan 2020: 900 counted that year", "1"),
        ("Kazakhstan 2021: 900 carried forward", "0.4"),
    ]
    assert bars[0].get("height") == bars[1].get("height")
    assert country_chart_svg(detail, "TJK", "Tajikistan") == ""
    assert trend_chart_svg(pd.DataFrame(columns=["iso3", "year", "count"]), STATES, NAMES) == ""


@given(st.floats(min_value=1e-3, max_value=1e9, allow_nan=False))
def test_nice_ceiling_covers_the_value_with_a_round_step(value):
    top, step = nice_ceiling(value)
    assert top >= value
    mantissa = step / 10 ** round(__import__("math").floor(__import__("math").log10(step)))
    assert round(mantissa, 9) in (1, 2, 5, 10)
    assert 1 <= top / step <= 6.0001


# -- tables from national reports --------------------------------------------------------------------
def _record(country, submitted, parsed, *, start=2020, end=2023, version=1, latest=True):
    return {
        "country": country,
        "period_start": start,
        "period_end": end,
        "period": f"{start}-{end}",
        "version": version,
        "latest": latest,
        "submitted": submitted,
        "filename": f"{country}.yaml",
        "format": "yaml",
        "sha256": "ab" * 32,
        "imported_utc": "2026-01-01T00:00:00Z",
        "parsed": parsed,
    }


def _reports() -> pd.DataFrame:
    uzb = {
        "threats": [
            {"threat": "poaching", "severity": "unknown", "source": "s1"},
            {"threat": "drought", "severity": "high", "site_id": "UZB-A", "description": "<dry>"},
            {"threat": "water-regulation", "severity": "medium", "area": "delta"},
        ],
        "measures": [{"measure": "legal-protection", "description": "Red Book", "status": "ongoing"}],
        "work_programme": [
            {"action_id": "9.7", "action": "Corridor", "status": "planned"},
            {"action_id": "1.1", "action": "Done", "status": "completed"},
            {"action_id": "2.2", "action": "Not yet", "status": "not-started"},
        ],
    }
    old_kaz = {"threats": [{"threat": "poaching", "severity": "high"}]}
    kaz = {"threats": [], "measures": [], "work_programme": []}
    return pd.DataFrame(
        [
            _record("UZB", "2024-03", uzb),
            _record("KAZ", "2025-06", old_kaz, latest=False),
            _record("KAZ", "2025-06", kaz, version=2),
            _record("TJK", "2019-01", {"threats": []}, start=2016, end=2019),
        ]
    )


def _reporting(reports: pd.DataFrame, cycles: pd.DataFrame | None = None) -> pd.DataFrame:
    cycles = (
        cycles if cycles is not None else pd.DataFrame(columns=["period_start", "period_end", "deadline"])
    )
    return reporting_status(reports, cycles, states=["KAZ", "TJK", "UZB", "AFG"], today=dt.date(2026, 1, 1))


def test_missing_and_late_reports_for_the_latest_period_judged_against_the_cycle():
    # the Secretariat's deadline for 2020-2023 is 2025-01-31: UZB (2024-03) on time; KAZ's first version
    # (2025-06) after it -> late; TJK only reported 2016-2019 and AFG nothing -> missing
    cycles = pd.DataFrame({"period_start": [2020], "period_end": [2023], "deadline": ["2025-01-31"]})
    table = wp.reporting_gaps_table(_reporting(_reports(), cycles), NAMES)
    assert table.data[["country", "status", "deadline"]].values.tolist() == [
        ["AFG", "missing", "2025-01-31"],
        ["KAZ", "late", "2025-01-31"],
        ["TJK", "missing", "2025-01-31"],
    ]
    assert "2020-2023" in table.caption and "2025-01-31" in table.caption
    # without a cycle the deadline is 31 December of the following year: KAZ (2025-06) is late too
    default = wp.reporting_gaps_table(_reporting(_reports()), NAMES)
    assert default.data["deadline"].unique().tolist() == ["2024-12-31"]


def test_illustrative_reports_are_never_late_and_say_so_in_the_received_table():
    reports = _reports()
    reports.at[2, "parsed"] = {**reports.at[2, "parsed"], "report": {"illustrative": True}}
    status = _reporting(reports)
    gaps = wp.reporting_gaps_table(status, NAMES)
    assert "KAZ" not in gaps.data["country"].tolist()
    table = wp.reporting_status_table(status, NAMES)
    assert list(table.display.columns) == [
        "Country",
        "2016-2019 (due 2020-12-31)",
        "2020-2023 (due 2024-12-31)",
    ]
    rows = dict(zip(table.display["Country"], table.display["2020-2023 (due 2024-12-31)"], strict=True))
    assert rows["Kazakhstan (KAZ)"] == "illustrative, not a submission — KAZ.yaml"
    assert rows["Uzbekistan (UZB)"] == "received — UZB.yaml (submitted 2024-03)"
    assert rows["AFG"] == "missing (due 2024-12-31)"
    assert "no cycle opened" in table.caption


def _catalogue() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"id": "W-9.7", "programme": "WP 2021-2026", "action_id": "9.7", "theme": "corridor",
             "text": "Corridor", "states": "UZB"},
            {"id": "W-2.2", "programme": "WP 2021-2026", "action_id": "2.2", "theme": "monitoring",
             "text": "Count every population", "states": "all"},
        ]
    )  # fmt: skip


def test_work_programme_matrix_names_the_report_of_each_cell_and_the_progress():
    old_uzb = {"work_programme": [{"action_id": "9.7", "action": "Corridor", "status": "not-started"}]}
    reports = pd.concat(
        [_reports(), pd.DataFrame([_record("UZB", "2019-05", old_uzb, start=2016, end=2019)])],
        ignore_index=True,
    )
    reports.loc[reports.index[-1], "filename"] = "UZB-old.yaml"
    status = work_programme_status(_catalogue(), reports, states=["KAZ", "UZB"])
    matrix = work_programme_matrix(status, (2020, 2023))
    table = wp.work_programme_matrix_table(matrix, _reporting(reports), NAMES, ["KAZ", "UZB"])
    assert list(table.display.columns) == ["Action", "Kazakhstan (KAZ)", "Uzbekistan (UZB)"]
    assert table.display.values.tolist() == [
        ["9.7 Corridor", "–", "planned (advanced) — UZB.yaml"],
        ["2.2 Count every population", "not reported — KAZ.yaml", "not started (first reported) — UZB.yaml"],
        # reported by UZB but not in the catalogue: kept, never lost
        ["1.1 Done", "–", "completed (first reported) — UZB.yaml"],
    ]
    assert "2020-2023" in table.caption and "2016-2019" in table.caption
    gaps = wp.work_programme_gaps_table(matrix, _reporting(reports), NAMES)
    assert gaps.data[["country", "action_id", "status"]].values.tolist() == [
        ["UZB", "9.7", "planned"],
        ["KAZ", "2.2", "not-reported"],
        ["UZB", "2.2", "not-started"],
    ]


def test_threats_of_the_latest_version_only_most_severe_first_with_their_source():
    table = nr.threats_table(_reports(), NAMES)
    assert table.data[["iso3", "threat", "severity"]].values.tolist() == [
        ["UZB", "drought", "high"],
        ["UZB", "water-regulation", "medium"],
        ["UZB", "poaching", "unknown"],
    ]
    assert table.display["Source"].tolist()[2] == "s1 — national report UZB 2020-2023 v1 (UZB.yaml)"
    assert table.display["Site or area"].tolist()[:2] == ["UZB-A", "delta"]
    assert nr.threats_table(_reports(), NAMES, country="KAZ") is None
    assert nr.threats_table(_reports(), NAMES, country="UZB").name == "threats_uzb"


def test_states_table_counts_threats_and_names_a_missing_report():
    counts = pd.DataFrame({"iso3": ["UZB", "UZB", "KAZ"], "year": [2020, 2023, 2021], "count": [10, 12, 7]})
    table = nr.states_table(["UZB", "KAZ", "AFG"], NAMES, counts, _reports())
    assert table.display.values.tolist() == [
        ["AFG", "–", "–", "missing", "0", "0", "0"],
        ["Kazakhstan (KAZ)", "2021", "7", "2020-2023 v2", "0", "0", "0"],
        ["Uzbekistan (UZB)", "2023", "12", "2020-2023 v1", "3", "1", "1"],
    ]


def test_unprotected_distances_rounded_to_whole_km_in_the_public_edition():
    frame = pd.DataFrame(
        {
            "site_id": ["A"],
            "iso3": ["UZB"],
            "latest_year": [2023],
            "latest_count": [10],
            "nearest_pa_id": ["P"],
            "distance_km": [5.21486],
        }
    )
    tables = {"gaps_outside_protected_areas": frame}
    public, internal = (
        prepare_data({}, StoreConfig(), profile=p, results=ExactResults(tables=tables)).tables
        for p in PROFILES
    )
    table = rt.unprotected_table(public["gaps_outside_protected_areas"], NAMES)
    assert table.data["distance_km"].tolist() == [5.0] and table.display["Distance (km)"].tolist() == ["5"]
    shown = rt.unprotected_table(internal["gaps_outside_protected_areas"], NAMES).display["Distance (km)"]
    assert shown.tolist() == ["5.2"] and frame["distance_km"].tolist() == [5.21486]


def test_sources_are_counted_per_layer():
    layers = {
        "sites": pd.DataFrame({"source": ["a", "b", "a", None]}),
        "rivers": pd.DataFrame({"name": ["x"]}),
    }
    table = rt.sources_table(layers)
    assert table.data.values.tolist() == [["sites", "a", 2], ["sites", "b", 1]]
    assert rt.sources_table({}) is None


def test_published_estimates_are_a_separate_labelled_series():
    reference = pd.DataFrame(
        {"year": [2002, 2006], "low": [350, 1000], "high": [450, 1000], "label": ["350–450", "~1,000 <x>"]}
    )
    svg = trend_chart_svg(_by_country(), STATES, NAMES, reference=reference)
    root = ET.fromstring(svg)
    marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "dh-reference"]
    assert [g.find(f"{SVG}title").text for g in marks] == [
        "published estimate 2002: 350–450",
        "published estimate 2006: ~1,000 <x>",
    ]
    # the range line of 2002 runs from 350 to 450 on the 4,000 axis (270 px high, top 34)
    line = marks[0].find(f"{SVG}line")
    assert float(line.get("y1")) == pytest.approx(34 + 270 - 270 * 350 / 4000, abs=0.01)
    assert float(line.get("y2")) == pytest.approx(34 + 270 - 270 * 450 / 4000, abs=0.01)
    # 2006 has no count: a year on the axis without a bar; the bars are the same as without the reference
    assert "2006</text>" in svg and len(_rects(svg)) == 7
    assert [r.get("height") for r in _rects(svg)] == [
        r.get("height") for r in _rects(trend_chart_svg(_by_country(), STATES, NAMES))
    ]
    assert "published estimate</text>" in svg


def test_candidate_sites_by_rank_without_geometry_or_free_text():
    frame = pd.DataFrame(
        {
            "candidate_id": ["C02", "C01"],
            "rank": [2, 1],
            "score": [0.5, 0.65],
            "area_km2": [452.49, 6673.29],
            "protected_fraction": [0.93, 0.0128],
            "nearest_population_id": ["KAZ-A", "TKM-B"],
            "distance_to_population_km": [20.0, 30.0],
            "nearest_source_id": ["KAZ-A", "UZB-J"],
            "distance_to_source_km": [50.0, 100.0],
            "explanation": ["at 53.4 km", "x"],
            "geometry": [None, None],
        }
    )
    table = rt.candidates_table(frame)
    assert "explanation" not in table.data and "geometry" not in table.data
    assert table.display.values.tolist() == [
        ["1", "C01", "6,673", "1 %", "TKM-B (30 km)", "UZB-J (100 km)", "0.65"],
        ["2", "C02", "452", "93 %", "KAZ-A (20 km)", "KAZ-A (50 km)", "0.50"],
    ]
    assert rt.candidates_table(None) is None


def _detail() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": ["KAZ", "TJK", "UZB", "UZB", "KAZ", "TJK"],
            "year": [2002, 2002, 2002, 2010, 2020, 2020],
            "observed": [200, 0, 192, 500, 900, 300],
            "carried": [0, 8, 0, 0, 0, 108],
            "country_estimate": [False, False, True, False, True, False],
            "national_status": ["", "", "national-split", "", "national-total", ""],
        }
    )


def test_each_bar_part_says_how_its_figure_was_made():
    svg = trend_chart_svg(_by_country(), STATES, NAMES, detail=_detail())
    titles = [b.find(f"{SVG}title").text for b in _rects(svg)]
    assert "Kazakhstan 2002: 200 (counted that year, sum of sites)" in titles
    assert "Tajik <b>& 2002: 8 (carried forward, sum of sites)" in titles
    # the 2002 split is not labelled a national estimate
    assert "Uzbekistan 2002: 192 (counted that year, split of a national or global figure)" in titles
    assert "Kazakhstan 2020: 900 (counted that year, national total)" in titles
    assert "Tajik <b>& 2020: 408 (partly carried forward, sum of sites)" in titles
    assert "Uzbekistan 2020: 2,112" in titles  # no detail row: no claim


def test_coverage_by_year_lists_counted_carried_and_missing_states():
    table = rt.coverage_by_year_table(_by_country(), _detail(), [*STATES, "AFG"])
    assert table.data[
        ["year", "count", "n_states", "complete", "counted", "carried", "national_estimate", "no_figure"]
    ].values.tolist() == [
        [2002, 400, 3, False, "KAZ UZB", "TJK", "UZB (split)", "AFG"],
        [2010, 500, 1, False, "UZB", "", "", "AFG KAZ TJK"],
        [2020, 3420, 3, False, "KAZ", "TJK", "KAZ", "AFG"],
    ]
    assert table.display["Range states with a figure"].tolist() == ["3/4", "1/4", "3/4"]
    assert "4 range states" in table.caption


def test_priorities_of_one_country():
    reports = _reports()
    reports.at[0, "parsed"] = {
        **reports.at[0, "parsed"],
        "priorities": [{"kind": "gap", "text": "No census <b>"}],
    }
    table = nr.priorities_table(reports, "UZB")
    assert table.name == "priorities_uzb"
    assert table.display.values.tolist() == [
        ["gap", "No census <b>", "national report UZB 2020-2023 v1 (UZB.yaml)"]
    ]
    assert nr.priorities_table(reports, "KAZ") is None


@pytest.mark.parametrize(
    "text",
    ["at 41.80, 60.62", "at 41.80 N 60.62 E", "at 41.8°N; 60.62°E", "at 60.6201/41.8000", "at -41.80 -60.62"],
)
def test_positions_written_in_report_text_are_withheld(text):
    assert withhold_positions(text) == "at [position withheld]"


def test_numbers_that_are_not_positions_stay():
    text = "24 deer/km2; 10% dead; CI 1,320-3,344; score 0.95 and 0.82; WP 9.7"
    assert withhold_positions(text) == text


def test_public_reports_withhold_positions_in_every_text_of_the_parsed_reports():
    reports = _reports()
    reports.at[0, "parsed"] = {
        **reports.at[0, "parsed"],
        "threats": [{"threat": "poaching", "severity": "high", "description": "Carcass at 41.80, 60.62 <b>"}],
    }
    cleaned = prepare_data({}, StoreConfig(), results=ExactResults(reports=reports)).reports
    table = nr.threats_table(cleaned, NAMES, country="UZB")
    assert table.data["description"].tolist() == ["Carcass at [position withheld] <b>"]
    assert (
        reports.at[0, "parsed"]["threats"][0]["description"] == "Carcass at 41.80, 60.62 <b>"
    )  # not mutated


def test_headlines_by_hand():
    tables = {
        "totals_by_country_year": _by_country(),
        "range_coverage": pd.DataFrame(
            {
                "period": ["historical", "2002", "2020", "2020"],
                "iso3": ["ALL", "ALL", "ALL", "UZB"],
                "protected_fraction": [0.07, 0.5, 0.4771, 0.9],
            }
        ),
        "protected_by_country_year": pd.DataFrame(
            {
                "iso3": ["KAZ", "UZB", "UZB"],
                "year": [2020, 2020, 2010],
                "count": [900, 2112, 500],
                "located": [0, 2112, 500],
                "inside": [0, 2100, 500],
                "assessable": [False, True, True],
            }
        ),
        "reintroductions": pd.DataFrame(
            {"captive": [False, False, True], "status": ["growing", "unknown", "established"]}
        ),
    }
    heads = document.headlines(tables, 2020, [*STATES, "AFG"], _reports(), n_gaps=7, names=NAMES)
    assert [(h.text, h.note, h.href) for h in heads] == [
        (
            "Wild animals in 2020: 3,420",
            "3 of 4 range states have a figure for 2020 (observed or carried forward).",
            "#table-totals_by_country_year",
        ),
        ("Share of the 2020 range inside protected areas: 47.7 %", "", "#table-range_coverage"),
        (
            # Kazakhstan's only figure is national: left out and named not assessable (not 0 %)
            "Wild animals counted at sites inside protected areas in 2020: 2,100 of 2,112 (99.4 %)",
            "National totals and splits have no position and are left out. Not assessable (only a national "
            "figure): Kazakhstan.",
            "#table-protected_animals",
        ),
        ("Reintroduced wild populations: 2 (1 growing or established)", "", "#table-reintroductions"),
        ("National reports received for 2020-2023: 2 of 4 range states", "", "#table-national_reports"),
        ("Gaps found: 7 (see Gaps)", "", "#gaps"),
    ]
    empty = document.headlines({}, None, STATES, pd.DataFrame(), n_gaps=0)
    assert [h.text for h in empty] == [
        "The store holds no wild count.",
        "No national report is kept in the store.",
        "Gaps found: 0 (see Gaps)",
    ]


def test_measure_years_are_whole_numbers_and_blank_when_missing():
    reports = _reports()
    reports.at[0, "parsed"] = {
        **reports.at[0, "parsed"],
        "measures": [
            {"measure": "protected-area", "description": "Reserve", "year": 2018},
            {"measure": "legal-protection", "description": "Red Book"},
        ],
    }
    table = nr.measures_table(reports, NAMES, country="UZB")
    assert table.display["Year"].tolist() == ["2018", ""]
    from deerhabitat.io.csv_safe import csv_text

    assert [line.split(",")[3] for line in csv_text(table.data).splitlines()[1:]] == ["2018", ""]


def test_the_range_headline_names_its_geometry_and_carries_the_caveat():
    coverage = pd.DataFrame(
        {
            "period": ["2020"],
            "iso3": ["ALL"],
            "range_km2": [2520.0],
            "protected_km2": [1202.0],
            "protected_fraction": [0.477],
            "range_geometry": ["belts or buffers drawn along rivers (22 of 22 polygons)"],
            "protected_area_geometry": ["circles of the reported area around a point (13 of 13 areas)"],
            "caveat": ["Approximate: the range is drawn as belts along rivers, not mapped boundaries."],
        }
    )
    head = document.headlines({"range_coverage": coverage}, None, STATES, pd.DataFrame(), n_gaps=0)[1]
    assert head.text == (
        "Share of the 2020 range inside protected areas: 47.7 % (Approximate: the range is drawn as belts "
        "along rivers, not mapped boundaries.)"
    )
    assert head.note == (
        "computed from the range as belts or buffers drawn along rivers (22 of 22 polygons) and protected "
        "areas as circles of the reported area around a point (13 of 13 areas)"
    )
    table = rt.coverage_table(coverage, NAMES)
    assert table.display["Caveat"].tolist() == [
        "Approximate: the range is drawn as belts along rivers, not mapped boundaries."
    ]


def test_a_national_only_state_reads_not_assessable_in_the_protection_table():
    protected = pd.DataFrame(
        {
            "iso3": ["KAZ", "UZB"],
            "year": [2023, 2023],
            "count": [1140, 1776],
            "located": [0, 1776],
            "inside": [0, 1766],
            "outside": [0, 10],
            "protected_fraction": [float("nan"), 1766 / 1776],
            "assessable": [False, True],
            "country_estimate": [True, False],
            "note": ["not assessable: only a national figure, which has no position", ""],
        }
    )
    table = rt.protected_animals_table(protected, NAMES, 2023)
    assert table.display["Protected share"].tolist() == ["not assessable", "99.4 %"]
    assert table.display["Located (at sites)"].tolist() == ["0", "1,776"]


def test_the_trends_table_gives_the_reason_a_change_is_not_comparable():
    trends = pd.DataFrame(
        {
            "iso3": ["UZB", "TJK"],
            "from_year": [2019, 2021],
            "to_year": [2023, 2022],
            "from_count": [2112, 510],
            "to_count": [1776, 434],
            "change": [-336, -76],
            "trend": ["not comparable", "decline"],
            "reason": ["coverage changed: 2019 is 1 site figure (UZB-LABR), 2023 is 4 site figures", ""],
        }
    )
    table = rt.trends_table(trends, NAMES)
    rows = table.display.set_index("Country")
    assert rows.loc["Uzbekistan (UZB)", "Trend"] == "not comparable"
    assert rows.loc["Uzbekistan (UZB)", "Why not comparable"].startswith("coverage changed")
    assert rows.loc["Uzbekistan (UZB)", "Change"] == "-336"
    assert rows.loc["Tajik <b>& (TJK)", "Trend"] == "decline"
