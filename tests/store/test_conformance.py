"""Every store passes GDAL's GeoPackage validator (``validate_gpkg.py -k`` from gdal-utils).

-k skips the checks that need the GDAL Python bindings; the rest read the file with sqlite3. A store
made by an earlier version (``deerhabitat_config`` keyed by TEXT, Req 119) is read as it is and
upgraded by its next write.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from store_builders import finish, start, write_counts

from deerhabitat.config import StoreConfig
from deerhabitat.io.raster import bundled_raster_path, raster_record, read_raster_info
from deerhabitat.workflows import open_store

pytestmark = pytest.mark.slow


def validator() -> Path:
    spec = importlib.util.find_spec("osgeo_utils")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("gdal-utils is not installed (`make test` installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "samples" / "validate_gpkg.py"


def validate(path: Path) -> str:
    """The validator's findings for ``path`` ('' when it conforms)."""
    done = subprocess.run(
        [sys.executable, str(validator()), "-k", str(path)], capture_output=True, text=True, timeout=300
    )
    findings = (done.stdout + done.stderr).strip()
    assert (done.returncode == 0) == (findings == ""), findings
    return findings


def deerhabitat(*args, cwd: Path):
    result = finish(start(list(args), cwd))
    assert result.returncode == 0, result
    return result


def test_a_fresh_store_an_imported_one_and_one_after_map_conform(tmp_path):
    deerhabitat("init", "deer.gpkg", cwd=tmp_path)
    assert validate(tmp_path / "deer.gpkg") == ""
    deerhabitat("init", "--from-bundled", "full.gpkg", cwd=tmp_path)
    store = tmp_path / "full.gpkg"
    site = open_store(store).read("sites")["site_id"].iloc[0]
    path = write_counts(tmp_path / "c.csv", "c", 50, site=site)
    deerhabitat("import", "population-counts", path.name, "--store", store, cwd=tmp_path)
    national_reports = Path(__file__).resolve().parents[2] / "data" / "national-reports"
    report = sorted(national_reports.glob("*.yaml"))[0]
    deerhabitat("national-report", "import", report, "--store", store, cwd=tmp_path)
    deerhabitat(
        "national-report",
        "cycle",
        "open",
        "--period",
        "2024-2027",
        "--deadline",
        "2028-06-30",
        "--store",
        store,
        cwd=tmp_path,
    )
    programme = Path(__file__).resolve().parents[2] / "src" / "deerhabitat" / "data" / "work_programme.csv"
    deerhabitat("national-report", "programme", "load", programme, "--store", store, cwd=tmp_path)
    with open_store(store, write=True).transaction() as tx:
        info = read_raster_info(bundled_raster_path("landcover.tif"))
        tx.register_rasters([raster_record(info, "landcover", command="test")])
    assert validate(store) == ""
    deerhabitat("map", "overview", "--store", store, "--out", "maps", "--dpi", "50", cwd=tmp_path)
    assert open_store(store).styles()  # map stored the QGIS styles (table layer_styles)
    assert validate(store) == ""


def _as_written_by_an_earlier_version(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE old_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute("INSERT INTO old_config SELECT key, value FROM deerhabitat_config ORDER BY id")
        con.execute("DROP TABLE deerhabitat_config")
        con.execute("ALTER TABLE old_config RENAME TO deerhabitat_config")
        con.commit()


def test_a_store_of_an_earlier_version_is_read_as_it_is_and_upgraded_by_its_next_write(
    gpkg_location, tmp_path
):
    path = Path(gpkg_location)
    _as_written_by_an_earlier_version(path)
    assert validate(path) == (
        "Req 119: table deerhabitat_config has a PRIMARY KEY of type TEXT instead of INTEGER"
    )
    assert open_store(path).config == StoreConfig()
    deerhabitat("layers", "--store", path, cwd=tmp_path)
    counts = write_counts(tmp_path / "c.csv", "c", 5)
    deerhabitat("import", "population-counts", counts.name, "--store", path, cwd=tmp_path)
    assert validate(path) == ""
    assert open_store(path).config == StoreConfig()
    assert len(open_store(path).read("population-counts")) == 5
