"""`deerhabitat copy a.gpkg b.gpkg` carries the occurrences' GeoParquet files, checked, all or nothing."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

GBIF = "gbifID,eventDate,basisOfRecord,decimalLongitude,decimalLatitude\n"
MOVEBANK = "event-id,individual-local-identifier,timestamp,location-long,location-lat\n"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative name) with its sha256."""
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def registry(store: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(store)) as con:
        return con.execute(
            "SELECT layer, path, sha256, rows FROM deerhabitat_datasets ORDER BY path"
        ).fetchall()


@pytest.fixture
def source(run_cli, tmp_path) -> Path:
    """The bundled store with 6 GBIF records over 2 years (two GeoParquet files)."""
    assert run_cli("init", "--from-bundled", "deer.gpkg").exit_code == 0
    rows = [
        f"{k},{2019 + k % 2}-05-0{k + 1},HUMAN_OBSERVATION,{64 + k / 10},{41 + k / 20}\n" for k in range(6)
    ]
    (tmp_path / "gbif.csv").write_text(GBIF + "".join(rows), encoding="utf-8")
    result = run_cli("import", "gbif", "gbif.csv", "--store", "deer.gpkg")
    assert result.exit_code == 0, result
    return tmp_path / "deer.gpkg"


def count(run_cli, store: Path, tmp_path: Path) -> int:
    out = tmp_path / f"{store.stem}-export.csv"
    result = run_cli("export", "occurrences", out, "--store", store)
    assert result.exit_code == 0, result
    return len(pd.read_csv(out))


def test_a_copy_gets_its_own_files_and_imports_leave_the_source_alone(run_cli, tmp_path, source):
    folder = tmp_path / "deer.occurrences"
    before_files, before_rows = folder_state(folder), registry(source)
    assert len(before_files) == 2
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / "copy.gpkg"
    result = run_cli("copy", source, target)
    assert result.exit_code == 0, result
    rows = registry(target)
    assert [r[1].split("/")[0] for r in rows] == ["copy.occurrences"] * 2, "paths relative to the copy"
    assert folder_state(tmp_path / "elsewhere" / "copy.occurrences") == {
        str(Path(*Path(r[1]).parts[1:])): r[2] for r in rows
    }
    fixes = "1,A,2022-06-01 00:00:00.000,64.0,41.0\n2,A,2022-06-01 01:00:00.000,64.01,41.0\n"
    (tmp_path / "study.csv").write_text(MOVEBANK + fixes, encoding="utf-8")
    imported = run_cli("import", "movebank", "study.csv", "--store", target)
    assert imported.exit_code == 0, imported
    assert folder_state(folder) == before_files and registry(source) == before_rows
    assert count(run_cli, source, tmp_path) == 6
    assert count(run_cli, target, tmp_path) == 8


def test_overwrite_replaces_the_targets_files(run_cli, tmp_path, source):
    assert run_cli("copy", source, "copy.gpkg").exit_code == 0
    old = folder_state(tmp_path / "copy.occurrences")
    result = run_cli("copy", source, "copy.gpkg", "--overwrite")
    assert result.exit_code == 0, result
    new = folder_state(tmp_path / "copy.occurrences")
    assert len(new) == 2 and not set(new) & set(old), "the earlier copy's files are gone, the new ones kept"
    assert count(run_cli, tmp_path / "copy.gpkg", tmp_path) == 6


def test_a_changed_file_refuses_the_copy_and_leaves_the_target_as_it_was(run_cli, tmp_path, source):
    assert run_cli("copy", source, "copy.gpkg").exit_code == 0
    target, target_folder = tmp_path / "copy.gpkg", tmp_path / "copy.occurrences"
    before, before_files = sha(target), folder_state(target_folder)
    changed = sorted((tmp_path / "deer.occurrences").rglob("*.parquet"))[-1]
    changed.write_bytes(changed.read_bytes() + b"\0")
    result = run_cli("copy", source, target, "--overwrite")
    assert result.exit_code == 1, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "sha256" in lines[0], result
    assert changed.name in lines[0] and "Traceback" not in result.stderr
    assert sha(target) == before and folder_state(target_folder) == before_files
    fresh = run_cli("copy", source, "fresh.gpkg")
    assert fresh.exit_code == 1
    assert not (tmp_path / "fresh.gpkg").exists() and not (tmp_path / "fresh.occurrences").exists()
