"""Occurrences in ``analyze --json`` and the report's habitat section: figures only, never a fix position."""

from __future__ import annotations

import json
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from deerhabitat.publish import occurrence_tables as oc
from deerhabitat.workflows import analyze, report
from deerhabitat.workflows.store import init

# fixes of two collared animals in Uzbekistan (lon/lat), with many decimals that must not be published
RNG = np.random.default_rng(17)
FIXES = np.concatenate(
    [RNG.normal([64.123456, 40.654321], 0.03, (60, 2)), RNG.normal([65.987654, 39.876543], 0.02, (40, 2))]
)


def _occurrences() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "occurrence_id": [f"f{i}" for i in range(len(FIXES))],
            "date": ["2024-05-01T06:00:00Z"] * len(FIXES),
            "kind": ["telemetry"] * len(FIXES),
            "animal_id": ["deer-1"] * 60 + ["deer-2"] * 40,
        },
        geometry=shapely.points(FIXES),
        crs="EPSG:4326",
    )


@pytest.fixture
def with_occurrences(monkeypatch):
    frame = _occurrences()
    monkeypatch.setattr(
        sys.modules["deerhabitat.workflows.analyze"],
        "occurrence_batches",
        lambda snapshot: [frame.iloc[:50], frame.iloc[50:]],
    )


def test_a_store_without_occurrences_has_no_occurrence_section(tmp_path):
    store = tmp_path / "s.gpkg"
    init(store)
    result = analyze(store=store)
    assert result.occurrences is None and "occurrences" not in result.to_json()
    assert "occurrences_by_year" not in result.tables


def test_analyze_json_reports_counts_home_ranges_and_habitat_use_without_positions(
    tmp_path, with_occurrences
):
    store = tmp_path / "s.gpkg"
    init(store)
    result = analyze(store=store, out=tmp_path / "out")
    section = result.to_json()["occurrences"]
    assert section["n_occurrences"] == 100
    assert section["by_year"][0]["telemetry"] == 100
    homes = {row["animal_id"]: row for row in section["home_ranges"]}
    assert set(homes) == {"deer-1", "deer-2"} and homes["deer-1"]["n_fixes"] == 60
    assert homes["deer-1"]["mcp_km2"] > 0 and homes["deer-1"]["kde_km2"] > 0
    assert section["boyce_index"]["note"].startswith("not assessable")
    assert section["aoh_point_prevalence"]["value"] is None
    text = json.dumps(section)
    for lon, lat in FIXES:
        assert f"{lon:.4f}" not in text and f"{lat:.4f}" not in text
    assert (tmp_path / "out" / "home_ranges.csv").is_file()
    assert any(line.startswith("Occurrences: 100 records") for line in result.summary_lines())


def test_the_public_report_shows_the_habitat_use_table_and_no_fix_position(tmp_path, with_occurrences):
    store = tmp_path / "s.gpkg"
    init(store)
    out = report(store=store, out=tmp_path / "maps", dpi=50).out
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Occurrences and habitat use" in page
    assert "home ranges of 2 collared animals" in page
    published = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in out.rglob("*") if p.is_file())
    for lon, lat in FIXES:
        assert f"{lon:.4f}" not in published and f"{lat:.4f}" not in published


def test_habitat_use_table_says_what_each_figure_is_computed_from():
    tables = {
        "habitat_use": pd.DataFrame(
            {
                "measure": ["boyce_index", "aoh_point_prevalence"],
                "raster": ["suitability.tif", "aoh.tif"],
                "value": [0.91, 0.8],
                "expected": [None, 0.5],
                "n_points": [1000, 1000],
                "n_used": [990, 700],
                "n_outside_raster": [10, 10],
                "n_no_value": [0, 290],
                "note": ["", ""],
            }
        ),
        "home_ranges": pd.DataFrame(
            {
                "animal_id": ["a", "b", "c"],
                "n_fixes": [100, 50, 3],
                "mcp_km2": [2.0, 4.0, np.nan],
                "kde_km2": [3.0, 5.0, np.nan],
            }
        ),
        "occurrences_by_year": pd.DataFrame({"year": [2024], "occurrences": [1000], "telemetry": [153]}),
    }
    table = oc.habitat_use_table(tables)
    assert table.display.values.tolist() == [
        [
            "Boyce index of the suitability raster",
            "0.91",
            "0 (no better than chance)",
            "990 of 1,000 (10 outside the raster)",
        ],
        [
            "Occurrences in the range that fall on Area of Habitat",
            "80.0 %",
            "50.0 %",
            "700 of 1,000 (10 outside the raster)",
        ],
        [
            "95 % minimum convex polygon home range, median of 2 animals",
            "3.0 km² (from 2.0 to 4.0)",
            "",
            "150 telemetry fixes",
        ],
        [
            "95 % kernel density home range, median of 2 animals",
            "4.0 km² (from 3.0 to 5.0)",
            "",
            "150 telemetry fixes",
        ],
    ]
    assert "1,000 occurrence records" in oc.occurrences_intro(tables)
    assert oc.habitat_use_table({}) is None and oc.occurrences_intro({}) is None
