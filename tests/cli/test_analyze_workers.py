"""`analyze --workers N`: the occurrence counts on the engine equal those of the one-pass analysis."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely


def _points_in_protected_areas(store) -> tuple[np.ndarray, np.ndarray]:
    """Points inside each protected area (several years), plus a vertex of each area (on its boundary)."""
    areas = gpd.read_file(store, layer="protected_areas")
    rng = np.random.default_rng(17)
    lon, lat = [], []
    for geom in areas.geometry:
        minx, miny, maxx, maxy = geom.bounds
        x = rng.uniform(minx, maxx, 60)
        y = rng.uniform(miny, maxy, 60)
        keep = shapely.contains_xy(geom, x, y)
        lon += list(x[keep][:12])
        lat += list(y[keep][:12])
        vertex = shapely.get_coordinates(geom)[0]
        lon.append(vertex[0])
        lat.append(vertex[1])
    return np.array(lon), np.array(lat)


def test_workers_2_gives_the_same_occurrences_section_as_workers_1(run_cli, tmp_path):
    assert run_cli("init", "--from-bundled", "deer.gpkg").exit_code == 0
    lon, lat = _points_in_protected_areas(tmp_path / "deer.gpkg")
    assert len(lon) > 50
    gbif = ["gbifID,eventDate,basisOfRecord,decimalLongitude,decimalLatitude"]
    gbif += [
        f"{k},{2018 + k % 4}-04-0{1 + k % 9},HUMAN_OBSERVATION,{a:.9f},{b:.9f}"
        for k, (a, b) in enumerate(zip(lon, lat, strict=True))
    ]
    (tmp_path / "gbif.csv").write_text("\n".join(gbif) + "\n", encoding="utf-8")
    imported = run_cli("import", "gbif", "gbif.csv", "--drop-invalid", "--store", "deer.gpkg")
    assert imported.exit_code == 0, imported
    # two collared animals, an hour between fixes, a few hundred metres apart, in the first areas
    rows = ["event-id,individual-local-identifier,timestamp,location-long,location-lat"]
    for k in range(24):
        animal = "A" if k < 12 else "B"
        base = k % 12
        x, y = lon[base] + 0.001 * (base % 3), lat[base]
        rows.append(f"{k},{animal},2022-06-01 {base:02d}:00:00.000,{x:.9f},{y:.9f}")
    (tmp_path / "study.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    moved = run_cli("import", "movebank", "study.csv", "--drop-invalid", "--store", "deer.gpkg")
    assert moved.exit_code == 0, moved

    one = run_cli("analyze", "--store", "deer.gpkg", "--json", "--workers", "1")
    two = run_cli("analyze", "--store", "deer.gpkg", "--json", "--workers", "2")
    assert one.exit_code == 0, one
    assert two.exit_code == 0, two
    first, second = json.loads(one.stdout)["occurrences"], json.loads(two.stdout)["occurrences"]
    assert first == second
    assert sum(r["occurrences"] for r in first["by_protected_area_year"]) >= len(lon) - 30
    assert {r["year"] for r in first["by_protected_area_year"]} >= {2018, 2019, 2020, 2021}
    assert sum(r["inside_protected_areas"] for r in first["by_year"]) > 0


def test_analyze_refuses_zero_workers_with_one_error_line(run_cli, tmp_path):
    result = run_cli("analyze", "--workers", "0")
    assert result.exit_code != 0
    assert "--workers" in result.stderr and "Traceback" not in result.stderr
