"""Fixtures of the store tests: a store on every backend; the builders live in store_builders.py.

``store_location`` is parametrised over the backends that exist (only the GeoPackage today): each
test is written once, against what ``--store`` takes and what :func:`deerhabitat.workflows.open_store`
opens, so a PostGIS backend joins by adding its name to :data:`BACKENDS` and a branch below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_builders import DEERHABITAT, clean_env

BACKENDS = ("geopackage",)


@pytest.fixture(params=BACKENDS)
def store_location(request, tmp_path) -> str:
    """A new store holding one site ('a', in Uzbekistan), made with the real CLI; what --store takes."""
    if request.param == "geopackage":
        location = str(tmp_path / "deer.gpkg")
    else:  # pragma: no cover - no other backend yet
        raise NotImplementedError(request.param)
    (tmp_path / "site.csv").write_text(
        "site_id,name,iso3,status,source,longitude,latitude\na,A,UZB,native,t,64.5,40.1\n", encoding="utf-8"
    )
    for args in (["init", location], ["import", "sites", "site.csv", "--store", location]):
        done = subprocess.run(
            [str(DEERHABITAT), *args], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return location
