"""Fixtures of the import/export tests; the builders live in io_builders.py (this folder goes on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from io_builders import put

from deerhabitat.io import Store
from deerhabitat.schema import LayerKind


@pytest.fixture
def empty_store(tmp_path) -> Store:
    """A new store with no layers."""
    return Store.create(tmp_path / "deer.gpkg")


@pytest.fixture
def store(tmp_path) -> Store:
    """A store holding range states (TJK, UZB) and sites."""
    created = Store.create(tmp_path / "deer.gpkg")
    put(created, LayerKind.RANGE_STATES)
    put(created, LayerKind.SITES)
    return created
