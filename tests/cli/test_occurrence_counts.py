"""``deerhabitat occurrence-counts``: the real command, 1 and 2 workers, answers counted by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from deerhabitat.io import Provenance, Store
from deerhabitat.io.geoparquet import write_points
from deerhabitat.schema import LayerKind

PAS = [  # pa_id, name, lon/lat box; p-b overlaps p-a
    ("p-a", "Alpha", (65.0, 40.0, 66.0, 41.0)),
    ("p-b", "Beta", (65.5, 40.5, 66.5, 41.5)),
    ("p-c", "Gamma", (68.0, 44.0, 68.5, 44.5)),
]
POINTS = [  # lon, lat, date: inside A; on A's edge; in A and B; in C; outside; no date, in B only
    (65.2, 40.2, "2020-05-01T06:00:00Z"),
    (65.0, 40.5, "2020-07-01"),
    (65.7, 40.7, "2021-01-01"),
    (68.2, 44.2, "2021-03-03"),
    (70.0, 30.0, "2021-03-03"),
    (66.2, 41.2, None),
]
EXPECTED = [  # pa_id, name, year, occurrences
    {"pa_id": "p-a", "name": "Alpha", "year": 2020, "occurrences": 2},
    {"pa_id": "p-a", "name": "Alpha", "year": 2021, "occurrences": 1},
    {"pa_id": "p-b", "name": "Beta", "year": 2021, "occurrences": 1},
    {"pa_id": "p-b", "name": "Beta", "year": None, "occurrences": 1},
    {"pa_id": "p-c", "name": "Gamma", "year": 2021, "occurrences": 1},
]


def _store(path):
    store = Store.create(path)
    pas = gpd.GeoDataFrame(
        {
            "pa_id": [p[0] for p in PAS],
            "name": [p[1] for p in PAS],
            "iso3": ["UZB", "UZB", "KAZ"],
            "source": "test",
        },
        geometry=[shapely.box(*p[2]) for p in PAS],
        crs=4326,
    )
    with store.transaction() as tx:
        tx.write(LayerKind.PROTECTED_AREAS, pas, provenance=Provenance("test"), mode="replace")
    return path


def _points(folder):
    frame = gpd.GeoDataFrame(
        {
            "occurrence_id": [f"o{i}" for i in range(len(POINTS))],
            "date": pd.array([p[2] for p in POINTS], "string"),
        },
        geometry=shapely.points([(p[0], p[1]) for p in POINTS]),
        crs=4326,
    )
    write_points(frame, folder, partitions=3)
    return folder


def test_counts_per_protected_area_and_year_with_one_and_two_workers(tmp_path, run_cli):
    store, points = _store(tmp_path / "s.gpkg"), _points(tmp_path / "pts")
    before = store.read_bytes()
    for workers in ("1", "2"):
        result = run_cli("occurrence-counts", points, "--store", store, "--workers", workers, "--json")
        assert result.exit_code == 0, result
        assert json.loads(result.stdout) == EXPECTED
    result = run_cli("occurrence-counts", points, "--store", store, "--out", tmp_path / "c.csv")
    assert result.exit_code == 0, result
    assert pd.read_csv(tmp_path / "c.csv")["occurrences"].tolist() == [e["occurrences"] for e in EXPECTED]
    assert store.read_bytes() == before


def test_bad_input_gives_one_error_line(tmp_path, run_cli):
    store, points = _store(tmp_path / "s.gpkg"), _points(tmp_path / "pts")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    result = run_cli("occurrence-counts", tmp_path / "plain.parquet", "--store", store)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "GeoParquet" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("occurrence-counts", points, "--store", store, "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1, result
    assert "cannot reach the dask scheduler at 'tcp://127.0.0.1:9'" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("occurrence-counts", points, "--store", store, "--workers", "0").exit_code == 2
