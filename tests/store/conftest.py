"""Fixtures of the store tests: a store on every backend; the builders live in store_builders.py.

``store_location`` is parametrised over the backends (GeoPackage and PostGIS): each test is written
once, against what ``--store`` takes and what :func:`deerhabitat.workflows.open_store` opens. The
PostGIS store lives in a fresh database of the throwaway cluster (``postgis_url``, tests/postgis);
where PostgreSQL or PostGIS cannot be installed those cases skip and say why. ``gpkg_location`` is the
GeoPackage alone, for tests of what only a file has (mode, owner, lock file, atomic replace).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_builders import DEERHABITAT, clean_env

BACKENDS = ("geopackage", "postgis")


def _new_store(location: str, folder: Path) -> str:
    """A new store at ``location`` holding one site ('a', in Uzbekistan), made with the real CLI."""
    (folder / "site.csv").write_text(
        "site_id,name,iso3,status,source,longitude,latitude\na,A,UZB,native,t,64.5,40.1\n", encoding="utf-8"
    )
    for args in (["init", location], ["import", "sites", "site.csv", "--store", location]):
        done = subprocess.run(
            [str(DEERHABITAT), *args], cwd=folder, env=clean_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return location


@pytest.fixture(params=BACKENDS)
def store_location(request, tmp_path) -> str:
    """A new store holding one site, on each backend; what --store takes."""
    if request.param == "geopackage":
        location = str(tmp_path / "deer.gpkg")
    else:
        location = request.getfixturevalue("postgis_url")
    return _new_store(location, tmp_path)


@pytest.fixture
def gpkg_location(tmp_path) -> str:
    """A new GeoPackage store holding one site (tests of what only a file has)."""
    return _new_store(str(tmp_path / "deer.gpkg"), tmp_path)
