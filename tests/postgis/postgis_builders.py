"""Stores in PostGIS for the roles tests, written with geopandas' ``to_postgis``.

The layout of the PostGIS store (deerhabitat.io.postgis_store): one table per layer named like the
GeoPackage's with a ``fid`` primary key and a ``geom`` column in EPSG:4326, ``deerhabitat_config`` and the
other tables.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pandas as pd
from sqlalchemy import create_engine

from deerhabitat.config import bundled_store_path
from deerhabitat.io.store import Store

RECORD_TABLES = ("deerhabitat_config", "deerhabitat_provenance", "deerhabitat_national_reports")


def engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def write_layers(url: str, layers: dict[str, gpd.GeoDataFrame], config: dict[str, str] | None = None) -> None:
    """Tables ``layers`` (name -> frame in EPSG:4326) and ``deerhabitat_config`` in the database ``url``."""
    eng = engine(url)
    try:
        for name, frame in layers.items():
            frame = frame.rename_geometry("geom")
            if frame.geometry.notna().any():
                frame.to_postgis(name, eng, if_exists="replace", index=True, index_label="fid")
            else:  # to_postgis needs one geometry to choose the column's type
                pd.DataFrame(frame.drop(columns=frame.geometry.name)).to_sql(
                    name, eng, if_exists="replace", index=True, index_label="fid"
                )
                with eng.begin() as conn:
                    conn.exec_driver_sql(f'ALTER TABLE "{name}" ADD COLUMN geom geometry(Geometry, 4326)')
            with eng.begin() as conn:
                conn.exec_driver_sql(f'ALTER TABLE "{name}" ADD PRIMARY KEY (fid)')
        settings = config or {"generalise_m": "10000"}
        pd.DataFrame({"key": list(settings), "value": list(settings.values())}).to_sql(
            "deerhabitat_config", eng, if_exists="replace", index=False
        )
    finally:
        eng.dispose()


def bundled_store_in_postgis(url: str) -> dict[str, gpd.GeoDataFrame]:
    """The bundled store's layers, settings, provenance and national reports copied into ``url``."""
    store = Store(bundled_store_path(), readonly=True)
    layers = {kind.table: frame for kind, frame in store.read_all().items()}
    with sqlite3.connect(bundled_store_path()) as con:
        config = dict(con.execute("SELECT key, value FROM deerhabitat_config").fetchall())
        provenance = pd.read_sql_query("SELECT * FROM deerhabitat_provenance", con)
        reports = pd.read_sql_query("SELECT * FROM deerhabitat_national_reports", con)
    write_layers(url, layers, config)
    eng = engine(url)
    try:
        provenance.to_sql("deerhabitat_provenance", eng, if_exists="replace", index=False)
        reports.to_sql("deerhabitat_national_reports", eng, if_exists="replace", index=False)
    finally:
        eng.dispose()
    return layers
