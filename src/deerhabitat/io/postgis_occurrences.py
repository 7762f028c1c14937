"""Occurrences in a PostGIS store: one regular table, written chunk by chunk, read in keyset pages.

A GeoPackage store keeps its occurrences as GeoParquet files beside it (:mod:`deerhabitat.io.datasets`);
a database keeps them in the table ``occurrences`` (the spec's columns, ``occurrence_id`` the primary key,
a ``geom`` Point in EPSG:4326 with a GiST index, indexes on ``date`` and ``animal_id``). Imports write
each checked chunk inside the import's transaction, under the table's advisory lock, updating records
whose id is already there (``INSERT ... ON CONFLICT``); readers page through the table by
``occurrence_id`` (``WHERE occurrence_id > last ORDER BY occurrence_id LIMIT n``), so memory holds one
batch. The :mod:`deerhabitat.io.datasets` reader functions call these when the store is a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from deerhabitat.crs import STORE_CRS
from deerhabitat.schema import SPECS, LayerKind

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Connection

KIND = LayerKind.OCCURRENCES
TABLE = KIND.table
GEOMETRY_COLUMN = "geom"
_SQL_TYPES = {"int": "bigint", "float": "double precision", "bool": "boolean"}
_DTYPES = {"int": "Int64", "float": "Float64", "bool": "boolean"}
Bounds = tuple[float, float, float, float]


def columns() -> list[str]:
    """The table's attribute columns, in the spec's order."""
    return [c.name for c in SPECS[KIND].columns]


def _exec(con: Connection, sql: str, params: Any = None) -> Any:
    from sqlalchemy import text

    return con.execute(text(sql), params if params is not None else {})


def exists(con: Connection) -> bool:
    """Whether the store's schema has the occurrences table."""
    row = _exec(
        con, "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(:t))", {"t": TABLE}
    )
    return row.scalar() is not None


def create(con: Connection) -> None:
    """Create the table and its indexes when missing."""
    if exists(con):
        return
    definitions = [
        f'"{c.name}" {_SQL_TYPES.get(c.dtype, "text")}'
        + (" PRIMARY KEY" if c.name == SPECS[KIND].id_column else "")
        for c in SPECS[KIND].columns
    ]
    definitions.append(f"{GEOMETRY_COLUMN} geometry(Point, 4326)")
    _exec(con, f'CREATE TABLE "{TABLE}" ({", ".join(definitions)})')
    _exec(con, f'CREATE INDEX "{TABLE}_{GEOMETRY_COLUMN}_idx" ON "{TABLE}" USING gist ({GEOMETRY_COLUMN})')
    _exec(con, f'CREATE INDEX "{TABLE}_date_idx" ON "{TABLE}" ("date")')
    _exec(con, f'CREATE INDEX "{TABLE}_animal_id_idx" ON "{TABLE}" ("animal_id")')


def clear(con: Connection) -> None:
    """Remove every record (``--replace``)."""
    if exists(con):
        _exec(con, f'DELETE FROM "{TABLE}"')


def count_existing(con: Connection, ids: Sequence[str]) -> int:
    """How many of ``ids`` the table holds."""
    if not ids or not exists(con):
        return 0
    row = _exec(con, f'SELECT count(*) FROM "{TABLE}" WHERE occurrence_id = ANY(:ids)', {"ids": list(ids)})
    return int(row.scalar())


def upsert(con: Connection, frame: gpd.GeoDataFrame) -> int:
    """Add the records of ``frame`` (the spec's columns, EPSG:4326 points), updating those already there.

    Returns
    -------
    int
        Records that were already in the table (updated).
    """
    if frame.empty:
        return 0
    create(con)
    names = columns()
    ids = frame["occurrence_id"].astype(str).tolist()
    updated = count_existing(con, ids)
    wkb = shapely.to_wkb(frame.geometry.values, output_dimension=2)
    rows = []
    for values, geom in zip(frame[names].itertuples(index=False), wkb, strict=True):
        row = {f"c{i}": (None if pd.isna(v) else _plain(v)) for i, v in enumerate(values)}
        row["g"] = None if geom is None else bytes(geom)
        rows.append(row)
    quoted = ", ".join(f'"{c}"' for c in names)
    placeholders = ", ".join(f":c{i}" for i in range(len(names)))
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in names[1:])
    _exec(
        con,
        f'INSERT INTO "{TABLE}" ({quoted}, {GEOMETRY_COLUMN}) VALUES ({placeholders}, '
        f"ST_GeomFromWKB(:g, 4326)) ON CONFLICT (occurrence_id) DO UPDATE SET {updates}, "
        f"{GEOMETRY_COLUMN} = EXCLUDED.{GEOMETRY_COLUMN}",
        rows,
    )
    return updated


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def row_count(con: Connection) -> int:
    """Records in the table (0 when it is missing)."""
    return int(_exec(con, f'SELECT count(*) FROM "{TABLE}"').scalar()) if exists(con) else 0


def years(con: Connection) -> list[int]:
    """The years (first four characters of ``date``) present, ascending."""
    if not exists(con):
        return []
    rows = _exec(con, f'SELECT DISTINCT left("date", 4) AS y FROM "{TABLE}" ORDER BY 1').scalars()
    return [int(y) for y in rows if y is not None and str(y).isdigit()]


def iter_batches(
    con: Connection,
    *,
    years: Iterable[int] | None = None,
    bbox: Bounds | None = None,
    columns: Sequence[str] | None = None,
    batch_rows: int,
) -> Iterator[gpd.GeoDataFrame]:
    """Yield the records (of ``years``, inside ``bbox``, with ``columns``) in pages of ``batch_rows``.

    Pages follow ``occurrence_id`` (keyset paging), so each query reads one page through the primary key.
    """
    if not exists(con):
        return
    spec = SPECS[KIND]
    wanted = [c.name for c in spec.columns] if columns is None else [c for c in columns if c != "geometry"]
    select = ", ".join(f'"{c}"' for c in dict.fromkeys(["occurrence_id", *wanted]))
    where, params = ["occurrence_id > :last"], {"n": batch_rows, "last": ""}
    if years is not None:
        where.append('left("date", 4) = ANY(:years)')
        params["years"] = [f"{int(y):04d}" for y in years]
    if bbox is not None:
        where.append(f"ST_Intersects({GEOMETRY_COLUMN}, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
        params.update(zip(("x0", "y0", "x1", "y1"), (float(v) for v in bbox), strict=True))
    sql = (
        f'SELECT {select}, ST_AsBinary({GEOMETRY_COLUMN}) AS wkb FROM "{TABLE}" WHERE {" AND ".join(where)} '
        f"ORDER BY occurrence_id LIMIT :n"
    )
    dtypes = {c.name: _DTYPES.get(c.dtype, "string") for c in spec.columns}
    while True:
        result = _exec(con, sql, params)
        rows = result.fetchall()
        if not rows:
            return
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(result.keys()))
        params["last"] = str(frame["occurrence_id"].iloc[-1])
        geometry = shapely.from_wkb([None if g is None else bytes(g) for g in frame.pop("wkb")])
        frame = frame[wanted].astype({c: dtypes[c] for c in wanted if c in dtypes})
        yield gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=STORE_CRS), crs=STORE_CRS)
        if len(rows) < batch_rows:
            return
