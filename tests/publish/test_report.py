"""The report page: tables worked out by hand, embed snippets, the page itself."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from publish_builders import TOTALS_BY_COUNTRY

from deerhabitat.io.csv_safe import csv_text
from deerhabitat.publish import Profile, WebMap, build_report, embed_snippet, render_report
from deerhabitat.publish.report_tables import coverage_table, totals_table

NAMES = {"UZB": "Uzbekistan <b>", "TJK": "Tajikistan"}


def _totals_frame():
    return pd.DataFrame([{"iso3": i, "year": y, "count": c} for (i, y), c in TOTALS_BY_COUNTRY.items()])


def test_totals_table_pivots_countries_by_year_with_a_total_row():
    table = totals_table(_totals_frame(), NAMES)
    assert list(table.display.columns) == ["Country", "2002", "2005", "2008"]
    rows = table.display.values.tolist()
    assert rows == [
        ["Tajikistan (TJK)", "30", "30", "500"],
        ["Uzbekistan <b> (UZB)", "100", "162", "162"],
        ["All range states", "130", "192", "662"],
    ]
    assert csv_text(table.data).splitlines()[:2] == ["iso3,country,year,count", "TJK,Tajikistan,2002,30"]


def test_a_country_without_a_figure_in_a_year_shows_a_dash():
    frame = pd.DataFrame({"iso3": ["UZB", "TJK"], "year": [2002, 2005], "count": [1200, 3]})
    table = totals_table(frame, {})
    assert table.display.values.tolist() == [
        ["TJK", "–", "3"],
        ["UZB", "1,200", "–"],
        ["All range states", "1,200", "3"],
    ]


def test_no_counts_no_table():
    assert totals_table(pd.DataFrame(columns=["iso3", "year", "count"]), NAMES) is None
    assert coverage_table(None, NAMES) is None


def test_coverage_table_formats_percentages_and_the_whole_range():
    frame = pd.DataFrame(
        {
            "period": ["2020", "2020"],
            "iso3": ["ALL", "UZB"],
            "range_km2": [1000.4, 400.0],
            "protected_km2": [250.0, 100.0],
            "protected_fraction": [0.25, 0.25],
        }
    )
    table = coverage_table(frame, NAMES)
    assert table.display.values.tolist()[0] == ["2020", "Whole range", "1,000", "250", "25.0 %"]


def test_embed_snippet_escapes_the_title():
    snippet = embed_snippet(WebMap("state-uzb", 'A "quoted" <b>', "", ()))
    assert 'title="A &quot;quoted&quot; &lt;b&gt;"' in snippet
    assert 'src="maps/state-uzb.html"' in snippet and 'src="maps/static/state-uzb.png"' in snippet


def test_report_page_shows_tables_maps_and_notes_escaped(public_data):
    from deerhabitat.publish import build_maps

    maps = build_maps(public_data)
    report = build_report(
        "Deer <report>",
        "Lead & more",
        maps,
        tables=[totals_table(_totals_frame(), NAMES), None],
        notes=["<i>note</i>"],
        profile=Profile.PUBLIC,
    )
    page = render_report(report)
    assert page == render_report(report)
    assert "<title>Deer &lt;report&gt;</title>" in page and "&lt;i&gt;note&lt;/i&gt;" in page
    assert "Uzbekistan &lt;b&gt; (UZB)" in page
    assert '<iframe class="dh-screen" src="population.html"' in page and 'id="dh-map-overview"' in page
    assert "frame-src 'self' file:" in html.unescape(page)
    assert len(re.findall(r"<figure ", page)) == len(maps) - 1
    assert "never at their exact position" in page


def test_a_report_needs_a_map():
    with pytest.raises(ValueError, match="a report needs at least one map"):
        build_report("t", "l", [])
