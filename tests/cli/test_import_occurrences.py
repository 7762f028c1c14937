"""`deerhabitat import gbif|movebank` as real commands: one Error line or counts per reason; layers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyproj
import pytest

GEOD = pyproj.Geod(ellps="WGS84")
HEADER = "event-id,individual-local-identifier,timestamp,location-long,location-lat\n"


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def store(run_cli, tmp_path):
    """A copy of the bundled store: its range states are KAZ, UZB, TJK, TKM and AFG."""
    assert run_cli("init", "--from-bundled", "deer.gpkg").exit_code == 0
    return tmp_path / "deer.gpkg"


def movebank(tmp_path) -> Path:
    """Animal A: a 120 km jump in one hour (fix 3), back at fix 4; fix 5 at 0/0; fix 6 in Germany."""
    a1 = GEOD.fwd(64.0, 41.0, 0, 3_000)[:2]
    a2 = GEOD.fwd(*a1, 90, 120_000)[:2]
    rows = [
        ("1", "A", "2022-06-01 00:00:00.000", 64.0, 41.0),
        ("2", "A", "2022-06-01 01:00:00.000", *a1),
        ("3", "A", "2022-06-01 02:00:00.000", *a2),
        ("4", "A", "2022-06-01 03:00:00.000", *a1),
        ("5", "B", "2022-06-01 00:00:00.000", 0.0, 0.0),
        ("6", "B", "2022-06-01 01:00:00.000", 10.0, 50.0),
        ("7", "B", "2022-06-01 02:00:00.000", 64.5, 41.5),
    ]
    path = tmp_path / "study.csv"
    path.write_text(HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_bad_records_refuse_with_one_error_line_and_the_store_unchanged(run_cli, tmp_path, store):
    path = movebank(tmp_path)
    before = sha(store)
    result = run_cli("import", "movebank", path, "--store", store)
    assert result.exit_code == 1, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: 3 problem(s) in the 'occurrences' layer"), result
    for text in (
        "position 0/0: 1 record(s) (movebank:5)",
        "outside the range states (AFG, KAZ, TJK, TKM, UZB; 50 km margin): 1 record(s) (movebank:6)",
        "faster than 80 km/h from the animal's previous fix: 1 record(s) (movebank:3)",
        "--drop-invalid",
    ):
        assert text in lines[0], result
    assert "Traceback" not in result.stderr
    assert sha(store) == before
    assert not (tmp_path / "deer.occurrences").exists()


def test_drop_invalid_prints_the_count_per_reason(run_cli, tmp_path, store):
    path = movebank(tmp_path)
    result = run_cli("import", "movebank", path, "--drop-invalid", "--store", store)
    assert result.exit_code == 0, result
    assert "Imported 4 occurrences feature(s)" in result.stdout and "3 rejected" in result.stdout
    assert (
        "Dropped 3 invalid record(s) (--drop-invalid): position 0/0 1, outside the range states 1, "
        "impossible speed 1." in result.stdout
    )
    layers = run_cli("layers", "--store", store, "--json")
    listed = {entry["name"]: entry for entry in json.loads(layers.stdout)}
    assert listed["occurrences"]["count"] == 4 and listed["occurrences"]["geometry_type"] == "Point"
    exported = run_cli("export", "occurrences", "out.csv", "--store", store)
    assert exported.exit_code == 0, exported
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and lines[0].startswith("occurrence_id,date,kind,animal_id")
    # A second copy of the file through `import occurrences` (the layer's own columns) updates all 4.
    again = run_cli("import", "occurrences", "out.csv", "--store", store)
    assert again.exit_code == 0 and "0 added, 4 updated" in again.stdout, again


def test_validate_lists_the_bad_records_and_writes_nothing(run_cli, tmp_path, store):
    path = movebank(tmp_path)
    before = sha(store)
    result = run_cli("validate", "movebank", path, "--store", store, "--max-speed-kmh", "200")
    assert result.exit_code == 1, result
    assert "faster than" not in result.stdout, "120 km/h is allowed with --max-speed-kmh 200"
    assert "ERROR   position 0/0: 1 record(s) (movebank:5)" in result.stdout
    assert sha(store) == before
