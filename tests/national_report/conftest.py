"""Builders for national report tests: a small valid report built in code, files, stores, and hashes."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "national-reports"
TODAY = dt.date(2026, 11, 24)


def minimal_report() -> dict:
    """A small valid report: two sites with coordinates, a release between them, one protected area."""
    return {
        "report": {
            "format_version": "1.0",
            "country": "UZB",
            "period_start": 2020,
            "period_end": 2023,
            "submitted": "2024-03-01",
            "authority": "Ministry of Ecology",
            "focal_point_name": "A. Focal",
        },
        "populations": [
            {
                "site_id": "UZB-A",
                "site_name": "Site A",
                "site_status": "reintroduced",
                "latitude": 41.8,
                "longitude": 60.62,
                "coord_quality": "L",
                "date": "2023",
                "count": 1475,
                "method": "census",
                "trend": "increasing",
                "source": "eco.gov.uz news 3418",
            },
            {
                "site_id": "UZB-A",
                "site_name": "Site A",
                "site_status": "reintroduced",
                "latitude": 41.8,
                "longitude": 60.62,
                "date": "2019-10",
                "count": 2112,
                "lower": 1320,
                "upper": 3344,
                "method": "distance-sampling",
                "trend": "increasing",
                "source": "cirad 597723",
            },
            {
                "site_id": "UZB-B",
                "site_name": "Site B",
                "site_status": "native",
                "latitude": 40.608,
                "longitude": 62.192,
                "coord_quality": "H",
                "date": "2023",
                "count": 186,
                "method": "census",
                "trend": "stable",
                "males": 50,
                "females": 80,
                "young": 40,
                "source": "eco.gov.uz news 3418",
            },
        ],
        "releases": [
            {
                "date": "2021-07",
                "site_id": "UZB-A",
                "source_site_id": "UZB-B",
                "n_released": 12,
                "source": "news",
            },
        ],
        "protected_areas": [
            {
                "name": "Kyzylkum SNR",
                "designation": "zapovednik",
                "iucn_cat": "Ia",
                "area_km2": 103.11,
                "established_year": 1971,
                "latitude": 40.608,
                "longitude": 62.192,
                "source": "wiki",
            },
            {
                "name": "No position",
                "designation": "park",
                "iucn_cat": "Not Reported",
                "area_km2": 10,
                "source": "wiki",
            },
        ],
        "threats": [{"threat": "poaching", "severity": "high", "source": "x"}],
        "poaching": [
            {"year": 2022, "site_id": "UZB-A", "incidents": 3, "animals_killed": 2, "prosecutions": 1}
        ],
        "mortality": [{"year": 2023, "cause": "predation", "deaths": 4, "description": "wolves"}],
        "legal_status": [{"instrument": "red-book", "name": "Red Book of Uzbekistan", "category": "listed"}],
        "captive_stock": [
            {
                "facility": "Termez Zoo",
                "date": "2023",
                "total": 5,
                "males": 2,
                "females": 2,
                "young": 1,
                "births": 1,
                "source": "gov.uz 21494",
            }
        ],
        "capacity": [{"kind": "rangers", "description": "reserve rangers", "amount": 12, "unit": "rangers"}],
        "work_programme": [
            {"programme": "WP 2021-2026", "action_id": "9.7", "action": "corridor", "status": "planned"}
        ],
    }


@pytest.fixture
def report() -> dict:
    """A fresh copy of :func:`minimal_report` to mutate."""
    return copy.deepcopy(minimal_report())


@pytest.fixture(scope="session")
def make_report():
    """The :func:`minimal_report` factory (session-scoped, so hypothesis tests can use it)."""
    return minimal_report


@pytest.fixture(scope="session")
def today() -> dt.date:
    """The reference date of the unit tests."""
    return TODAY


@pytest.fixture(scope="session")
def bundled() -> Path:
    """The folder of the bundled national reports."""
    return BUNDLED


def _write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def write_yaml():
    """``write_yaml(path, data)``: write ``data`` as block YAML, keys in the given order."""
    return _write_yaml


@pytest.fixture(scope="session")
def sha256():
    """``sha256(path)``: hex digest of a file."""
    return _sha256


@pytest.fixture
def store_path(tmp_path) -> Path:
    """A new, empty store."""
    from deerhabitat.io import Store

    return Store.create(tmp_path / "store.gpkg").path
