"""Fixtures of the publishing tests; builders are in publish_builders.py (this folder goes on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from publish_builders import make_layers, make_store

from deerhabitat.config import StoreConfig
from deerhabitat.publish import prepare_data


@pytest.fixture(scope="session")
def layers():
    """Every layer kind of the hostile world, validated, EPSG:4326."""
    return make_layers()


@pytest.fixture(scope="session")
def public_data(layers):
    """The world prepared for the public profile (no analysis results)."""
    return prepare_data(layers, StoreConfig(), profile="public")


@pytest.fixture
def store(tmp_path):
    """A store holding the hostile world."""
    return make_store(tmp_path / "world.gpkg")
