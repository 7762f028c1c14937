"""`deerhabitat analyze --json` on a store with imported telemetry (real commands): occurrences section."""

from __future__ import annotations

import json

import numpy as np
import pyproj
import pytest

from deerhabitat.config import StoreConfig

ALBERS = StoreConfig().crs


def _square_with_outliers(centre_x: float, centre_y: float) -> np.ndarray:
    """95 fixes on the edge of a 2 km square and 5 outliers 20 km out: the 95 % MCP is the 4 km² square."""
    side = np.linspace(-1000, 1000, 25)[:-1]
    ring = np.concatenate(
        [
            np.column_stack([side, np.full(24, -1000.0)]),
            np.column_stack([np.full(24, 1000.0), side]),
            np.column_stack([-side, np.full(24, 1000.0)]),
            np.column_stack([np.full(24, -1000.0), -side]),
        ]
    )[:95]
    outliers = np.array([[20_000, 0], [-20_000, 0], [0, 20_000], [0, -20_000], [15_000, 15_000.0]])
    return np.concatenate([ring, outliers]) + np.array([centre_x, centre_y])


@pytest.fixture
def store(run_cli, tmp_path):
    assert run_cli("init", "--from-bundled", "deer.gpkg").exit_code == 0
    to_albers = pyproj.Transformer.from_crs("EPSG:4326", ALBERS, always_xy=True)
    to_lonlat = pyproj.Transformer.from_crs(ALBERS, "EPSG:4326", always_xy=True)
    rows = []
    # B lives where the bundled Lower Amu Darya and Badai-Tugai areas overlap (Albers metres)
    for animal, centre in (("A", to_albers.transform(64.0, 41.0)), ("B", (-528_254.0, 52_634.0))):
        xy = _square_with_outliers(*centre)
        lons, lats = to_lonlat.transform(xy[:, 0], xy[:, 1])
        for k, (x, y) in enumerate(zip(lons, lats, strict=True)):
            stamp = f"2022-06-{1 + k // 24:02d} {k % 24:02d}:00:00.000"
            rows.append(f"{animal}{k},{animal},{stamp},{float(x)!r},{float(y)!r}")
    rows.append("C0,C,2022-06-01 00:00:00.000,64.2,41.2")  # one fix: no home range
    path = tmp_path / "study.csv"
    path.write_text(
        "event-id,individual-local-identifier,timestamp,location-long,location-lat\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    result = run_cli("import", "movebank", path, "--store", "deer.gpkg")
    assert result.exit_code == 0, result
    return tmp_path / "deer.gpkg"


def test_analyze_json_gives_home_ranges_counts_and_says_what_is_not_assessable(run_cli, store):
    result = run_cli("analyze", "--store", store, "--json")
    assert result.exit_code == 0, result
    section = json.loads(result.stdout)["occurrences"]
    assert section["n_occurrences"] == 201
    assert section["by_year"] == [
        {
            "year": 2022,
            "occurrences": 201,
            "observation": 0,
            "camera_trap": 0,
            "telemetry": 201,
            "specimen": 0,
            "sign": 0,
            "inside_protected_areas": section["by_year"][0]["inside_protected_areas"],
            "outside_protected_areas": section["by_year"][0]["outside_protected_areas"],
            "protected_fraction": section["by_year"][0]["protected_fraction"],
        }
    ]
    by_country = {
        (r["iso3"], r["year"]): (r["occurrences"], r["animals"]) for r in section["by_country_year"]
    }
    assert sum(n for n, _ in by_country.values()) == 201
    homes = {row["animal_id"]: row for row in section["home_ranges"]}
    assert homes["A"]["mcp_km2"] == pytest.approx(4.0, rel=1e-6)
    assert homes["B"]["mcp_km2"] == pytest.approx(4.0, rel=1e-6)
    assert homes["A"]["kde_km2"] > 4.0 and homes["A"]["n_fixes"] == 100
    assert homes["C"]["mcp_km2"] is None and "1 fixes" in homes["C"]["note"]
    # the bundled store registers no raster: both habitat-use measures say so instead of a number
    assert section["boyce_index"]["value"] is None
    assert section["boyce_index"]["note"].startswith("not assessable")
    assert section["aoh_point_prevalence"]["note"].startswith("not assessable")
    text = json.dumps(section)
    assert "64.0" not in text and "41.0" not in text  # no fix position


def test_records_per_protected_area_agree_with_the_occurrence_counts_engine(run_cli, store):
    section = json.loads(run_cli("analyze", "--store", store, "--json").stdout)["occurrences"]
    mine = {(r["pa_id"], r["year"]): r["occurrences"] for r in section["by_protected_area_year"]}
    engine = run_cli("occurrence-counts", "--by", "protected-areas", "--store", store, "--json")
    assert engine.exit_code == 0, engine
    rows = json.loads(engine.stdout)
    rows = rows["counts"] if isinstance(rows, dict) else rows
    theirs = {(r["pa_id"], r["year"]): r["occurrences"] for r in rows if r["occurrences"]}
    assert mine == theirs
    # the 95 fixes of B's square lie in both overlapping areas: once for each, once in the inside total
    assert mine[("UZB-LABR", 2022)] >= 95 and mine[("UZB-BADAITUGAI", 2022)] >= 95
    inside = section["by_year"][0]["inside_protected_areas"]
    assert inside < mine[("UZB-LABR", 2022)] + mine[("UZB-BADAITUGAI", 2022)]


def test_analyze_summary_names_the_occurrences(run_cli, store):
    result = run_cli("analyze", "--store", store)
    assert result.exit_code == 0, result
    assert "Occurrences: 201 records; Boyce index not assessable" in result.stdout
