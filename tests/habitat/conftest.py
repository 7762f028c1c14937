"""Fixtures of the habitat tests; the builders live in habitat_builders.py (this folder goes on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from habitat_builders import ALBERS, write_tif


@pytest.fixture
def tif(tmp_path):
    """Write a GeoTIFF into tmp_path: tif(name, array, transform, crs, nodata=None)."""

    def make(
        name: str,
        array: np.ndarray,
        transform: Affine,
        crs: object = ALBERS,
        nodata: float | None = None,
        **extra: object,
    ) -> Path:
        return write_tif(tmp_path / name, array, transform, crs, nodata, **extra)

    return make
