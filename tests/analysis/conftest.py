"""Builders for the analysis tests: tiny layers in code, in the bundled Albers CRS or in lon/lat."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from deerhabitat.config import StoreConfig

ALBERS = StoreConfig().crs
"""The default analysis CRS (Albers equal-area conic on Central Asia), metres."""


def sites_frame(rows, crs=ALBERS):
    """Sites from ``(site_id, iso3, x, y[, scope])`` tuples (x, y in ``crs``)."""
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "name": [f"Site {r[0]}" for r in rows],
            "iso3": [r[1] for r in rows],
            "status": ["native"] * len(rows),
            "source": ["test"] * len(rows),
            "scope": [r[4] if len(r) > 4 else None for r in rows],
        },
        geometry=[shapely.Point(r[2], r[3]) for r in rows],
        crs=crs,
    )


def counts_frame(rows, sites=None, crs=ALBERS):
    """Counts from ``(count_id, site_id, date, count[, captive])`` tuples, placed at their site's point."""
    where = {} if sites is None else dict(zip(sites["site_id"], sites.geometry, strict=True))
    return gpd.GeoDataFrame(
        {
            "count_id": [r[0] for r in rows],
            "site_id": [r[1] for r in rows],
            "date": [r[2] for r in rows],
            "count": [r[3] for r in rows],
            "method": ["census"] * len(rows),
            "captive": [r[4] if len(r) > 4 else False for r in rows],
            "source": ["test"] * len(rows),
        },
        geometry=[where.get(r[1], shapely.Point(0, 0)) for r in rows],
        crs=crs,
    )


def pas_frame(rows, crs=ALBERS):
    """Protected areas from ``(pa_id, iucn_cat, status_year, geometry)`` tuples."""
    return gpd.GeoDataFrame(
        {
            "pa_id": [r[0] for r in rows],
            "name": [f"PA {r[0]}" for r in rows],
            "designation": ["test"] * len(rows),
            "iucn_cat": [r[1] for r in rows],
            "status_year": pd.array([r[2] for r in rows], dtype="Int64"),
            "reported_area_km2": [None] * len(rows),
            "iso3": ["UZB"] * len(rows),
            "source": ["test"] * len(rows),
        },
        geometry=[r[3] for r in rows],
        crs=crs,
    )


def ranges_frame(rows, crs=ALBERS):
    """Ranges from ``(range_id, period, iso3, geometry)`` tuples."""
    return gpd.GeoDataFrame(
        {
            "range_id": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "presence": [1] * len(rows),
            "origin": [1] * len(rows),
            "seasonal": [1] * len(rows),
            "iso3": [r[2] for r in rows],
            "source": ["test"] * len(rows),
        },
        geometry=[r[3] for r in rows],
        crs=crs,
    )


@pytest.fixture(scope="session")
def albers():
    """The default analysis CRS."""
    return ALBERS


@pytest.fixture(scope="session")
def make_sites():
    """Factory: :func:`sites_frame`."""
    return sites_frame


@pytest.fixture(scope="session")
def make_counts():
    """Factory: :func:`counts_frame`."""
    return counts_frame


@pytest.fixture(scope="session")
def make_pas():
    """Factory: :func:`pas_frame`."""
    return pas_frame


@pytest.fixture(scope="session")
def make_ranges():
    """Factory: :func:`ranges_frame`."""
    return ranges_frame
