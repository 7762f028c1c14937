"""The PostGIS backend of the store: one PostgreSQL database with the PostGIS extension.

``--store postgresql://user@host:port/db`` opens it. The tables are those of the GeoPackage (see
:mod:`deerhabitat.io.store`), in the database's current schema (``public`` unless the role's
``search_path`` says otherwise), plus ``deerhabitat_meta`` (``schema_version``, ``created_by``), which
tells a deerhabitat store from a database made by another tool or by an older deerhabitat. Layers are
written and read through geopandas (``to_postgis``/``read_postgis``: SQLAlchemy, GeoAlchemy2 and
psycopg 3), with a ``fid`` primary key and a ``geom`` column in EPSG:4326; ``layer_styles`` has the
columns QGIS reads from PostGIS (``f_table_catalog``, ``f_table_schema``, ``f_table_name``,
``stylename``, ``styleqml``, ``useasdefault`` ...), so QGIS loads the stored styles as defaults.

Each :meth:`PostgisStore.transaction` is one database transaction. A writer of a layer (and of the
settings, the rasters registry, the styles, the national reports ...) first takes a transaction-level
advisory lock named after the table, so writers of the same layer take turns and never overwrite
each other's commit; the wait is bounded by ``--lock-timeout`` (PostgreSQL's ``lock_timeout``).
:meth:`PostgisStore.reading` reads in one ``REPEATABLE READ`` transaction, so a report sees one
consistent state while imports commit. Rasters are registered with absolute paths (a database has
no folder); files a command writes go to its ``--out`` folder, relative paths to the current one.

Messages never show a password: the URL is shown with ``***`` in its place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from deerhabitat._version import __version__
from deerhabitat.config import StoreConfig
from deerhabitat.config import lock_timeout as resolve_lock_timeout
from deerhabitat.errors import StoreError
from deerhabitat.io import postgis_occurrences as pg_occurrences
from deerhabitat.io.store import (
    _CYCLE_COLUMNS,
    _PROVENANCE_COLUMNS,
    _RASTER_COLUMNS,
    _REPORT_COLUMNS,
    CONFIG_TABLE,
    CYCLES_TABLE,
    DATASET_COLUMNS,
    DATASETS_TABLE,
    PROVENANCE_TABLE,
    RASTERS_TABLE,
    REPORT_ROW_COLUMNS,
    REPORT_TEXTS_TABLE,
    REPORTS_TABLE,
    STYLES_TABLE,
    WORK_PROGRAMME_TABLE,
    LayerInfo,
    Provenance,
    RasterRecord,
    Store,
    StoreLocation,
    StoreWriter,
    StyleRow,
    WriteResult,
    _utc_now,
    cast_to_spec,
    layer_geometry,
    shown_location,
)
from deerhabitat.schema import TABLE_KINDS, LayerKind

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Connection, Engine

META_TABLE = "deerhabitat_meta"
SCHEMA_VERSION = 1
"""The version of the table layout this deerhabitat writes (``deerhabitat_meta.schema_version``)."""
GEOMETRY_COLUMN = "geom"
_LOCK_CLASS = 0x44454552  # 'DEER': the first key of every advisory lock this module takes
_OWN_TABLES = (
    META_TABLE,
    CONFIG_TABLE,
    PROVENANCE_TABLE,
    RASTERS_TABLE,
    DATASETS_TABLE,
    STYLES_TABLE,
    REPORTS_TABLE,
    CYCLES_TABLE,
    REPORT_TEXTS_TABLE,
    WORK_PROGRAMME_TABLE,
)
_POSTGIS_TABLES = {"spatial_ref_sys"}
_DDL = (
    f"CREATE TABLE {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)",
    f"CREATE TABLE {CONFIG_TABLE} (id serial PRIMARY KEY, key text NOT NULL UNIQUE, value text NOT NULL)",
    f"""CREATE TABLE {PROVENANCE_TABLE} (id serial PRIMARY KEY, layer text NOT NULL, action text NOT NULL,
        source_file text, sha256 text, time_utc text NOT NULL, tool_version text NOT NULL, added integer,
        updated integer, rejected integer, total integer, note text)""",
    f"""CREATE TABLE {RASTERS_TABLE} (id serial PRIMARY KEY, role text NOT NULL, path text NOT NULL,
        sha256 text NOT NULL, crs_name text, crs_wkt text, width integer, height integer, transform text,
        dtype text, nodata double precision, command text, time_utc text NOT NULL,
        tool_version text NOT NULL, UNIQUE (role, path))""",
    f"""CREATE TABLE {DATASETS_TABLE} (id serial PRIMARY KEY, layer text NOT NULL, path text NOT NULL,
        partition integer NOT NULL, sha256 text NOT NULL, rows bigint NOT NULL, min_x double precision,
        min_y double precision, max_x double precision, max_y double precision, time_min text,
        time_max text, batch text NOT NULL, time_utc text NOT NULL, tool_version text NOT NULL,
        UNIQUE (layer, path))""",
    f"""CREATE TABLE IF NOT EXISTS {STYLES_TABLE} (id serial PRIMARY KEY, f_table_catalog varchar,
        f_table_schema varchar, f_table_name varchar, f_geometry_column varchar, stylename text,
        styleqml text, stylesld text, useasdefault boolean, description text,
        owner varchar(63) DEFAULT CURRENT_USER, ui text, update_time timestamp DEFAULT CURRENT_TIMESTAMP,
        type varchar)""",
    f"""CREATE TABLE {REPORTS_TABLE} (id serial PRIMARY KEY, country text NOT NULL,
        period_start integer NOT NULL, period_end integer NOT NULL, version integer NOT NULL,
        submitted text NOT NULL, filename text NOT NULL, format text NOT NULL, sha256 text NOT NULL,
        size_bytes integer NOT NULL, original bytea NOT NULL, parsed_json text NOT NULL,
        imported_utc text NOT NULL, tool_version text NOT NULL, note text,
        UNIQUE (country, period_start, period_end, version))""",
    f"""CREATE TABLE {CYCLES_TABLE} (period_start integer NOT NULL, period_end integer NOT NULL,
        deadline text NOT NULL, opened_utc text NOT NULL, note text,
        PRIMARY KEY (period_start, period_end))""",
    f"CREATE TABLE {REPORT_TEXTS_TABLE} (name text PRIMARY KEY, text text NOT NULL, set_utc text NOT NULL)",
)
_GEOMETRY_NAMES = {
    name.upper(): name
    for name in (
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    )
}


def _engine(location: str, shown: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = "postgresql+psycopg://" + location.split("://", 1)[1]
    try:
        return create_engine(
            url,
            poolclass=NullPool,
            connect_args={"connect_timeout": 10, "application_name": _application_name()},
        )
    except Exception as exc:  # a malformed URL (sqlalchemy.exc.ArgumentError, ValueError)
        raise StoreError(
            f"{shown!r} is not a database URL deerhabitat can use ({_masked(exc, location)}); write it "
            f"as postgresql://USER@HOST:PORT/DATABASE"
        ) from None


def _application_name() -> str:
    import sys

    words = ["deerhabitat", *(shown_location(w) for w in sys.argv[1:3])]  # a URL's password masked
    return " ".join(words)[:63]


def _masked(exc: BaseException, location: str) -> str:
    """The message of ``exc`` (the driver's own when there is one), any password in it masked."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    secret = _password(location)
    return text.replace(secret, "***") if secret else text


def _password(location: str) -> str:
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(location).password
    except ValueError:
        return ""
    return unquote(password) if password else ""


class PostgisStore(Store):
    """A deerhabitat store in a PostGIS database (see the module docstring).

    Parameters
    ----------
    location : str
        ``postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE`` (a password is better kept in
        ``~/.pgpass`` or ``$PGPASSWORD``).
    readonly, lock_timeout
        As :class:`deerhabitat.io.store.Store`.

    Raises
    ------
    StoreError
        If the server cannot be reached, refuses the login, the database has no PostGIS, holds no
        deerhabitat store (empty, or made by another tool), or a store of another schema version.
    """

    def __init__(
        self, location: StoreLocation, /, *, readonly: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.location: str = str(location)
        self.shown = shown_location(self.location)
        self.name = self.location.rsplit("/", 1)[-1].split("?", 1)[0] or "postgres"
        self.readonly = readonly
        self.lock_timeout = lock_timeout
        self._engine = _engine(self.location, self.shown)
        self._reader: Connection | None = None
        with self._connect() as con:
            _check_store(con, self.shown)

    # -- connections --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection in a transaction (the reading one inside :meth:`reading`); rolled back on error."""
        if self._reader is not None:
            yield self._reader
            return
        try:
            con = self._engine.connect()
        except Exception as exc:
            raise StoreError(_connect_message(exc, self.location, self.shown)) from None
        try:
            with con.begin():
                yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Every read in the block from one ``REPEATABLE READ`` snapshot of the database."""
        if self._reader is not None:
            yield
            return
        with self._connect() as con:
            from sqlalchemy import text

            con.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            self._reader = con
            try:
                yield
            finally:
                self._reader = None

    def _frame(self, sql: str, **params: Any) -> pd.DataFrame:
        from sqlalchemy import text

        with self._connect() as con:
            result = con.execute(text(sql), params)
            return pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))

    # -- creation -----------------------------------------------------------------------------------
    @classmethod
    def create(
        cls, location: StoreLocation, /, *, config: StoreConfig | None = None, overwrite: bool = False
    ) -> PostgisStore:
        """Create the store's tables in the database at ``location`` (PostGIS enabled if needed).

        Raises
        ------
        StoreError
            If the database holds a deerhabitat store (unless ``overwrite``: its tables are dropped
            first) or tables of another tool, or PostGIS cannot be enabled.
        """
        from sqlalchemy import text

        config = config or StoreConfig()
        location = str(location)
        shown = shown_location(location)
        engine = _engine(location, shown)
        try:
            con = engine.connect()
        except Exception as exc:
            raise StoreError(_connect_message(exc, location, shown)) from None
        try:
            with con.begin():
                _ensure_postgis(con, shown)
                tables = _tables(con)
                ours = tables & {*_OWN_TABLES, *(k.table for k in TABLE_KINDS)} - {STYLES_TABLE}
                foreign = tables - ours - _POSTGIS_TABLES - {STYLES_TABLE}
                if foreign:
                    raise StoreError(
                        f"the database {shown!r} holds tables that deerhabitat did not make "
                        f"({', '.join(sorted(foreign)[:5])}); create the store in an empty database "
                        f"(`createdb NAME`, then `deerhabitat init postgresql://.../NAME`)"
                    )
                if ours and not overwrite:
                    raise StoreError(
                        f"the database {shown!r} already holds a deerhabitat store; choose another "
                        f"database, or replace it with `deerhabitat copy SRC {shown} --overwrite`"
                    )
                for table in sorted(ours):
                    con.execute(text(f'DROP TABLE "{table}" CASCADE'))
                if STYLES_TABLE in tables:
                    con.execute(text(f"DELETE FROM {STYLES_TABLE} WHERE f_table_schema = current_schema()"))
                for statement in _DDL:
                    con.execute(text(statement))
                con.execute(
                    text(f"INSERT INTO {META_TABLE} (key, value) VALUES (:k, :v)"),
                    [
                        {"k": "schema_version", "v": str(SCHEMA_VERSION)},
                        {"k": "created_by", "v": f"deerhabitat {__version__}"},
                        {"k": "created_utc", "v": _utc_now()},
                    ],
                )
                _write_config(con, config)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot create the store in {shown!r}: {_masked(exc, location)}") from None
        finally:
            con.close()
        return cls(location)

    # -- reading ------------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """The current folder (a database has none; rasters are registered with absolute paths)."""
        return Path.cwd()

    @property
    def config(self) -> StoreConfig:
        """The species settings of this store."""
        rows = self._frame(f"SELECT key, value FROM {CONFIG_TABLE} ORDER BY id")
        return StoreConfig.from_mapping(dict(zip(rows["key"], rows["value"], strict=True)), origin=self.shown)

    def feature_tables(self) -> set[str]:
        """The layer tables present (tables with a geometry column in the current schema)."""
        known = {k.table for k in TABLE_KINDS}
        rows = self._frame(
            "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = current_schema()"
        )
        return {str(t) for t in rows["f_table_name"]} & known

    def _read_layer(self, kind: LayerKind) -> gpd.GeoDataFrame:
        with self._connect() as con:
            frame = gpd.read_postgis(
                f'SELECT * FROM "{kind.table}" ORDER BY fid', con, geom_col=GEOMETRY_COLUMN
            )
        return frame.drop(columns="fid").rename_geometry("geometry")

    def layers(self) -> list[LayerInfo]:
        """List the layers with feature count, geometry type, CRS and latest provenance."""
        latest = self.provenance().drop_duplicates("layer", keep="last").set_index("layer")
        types = self._frame(
            "SELECT f_table_name, type, srid FROM geometry_columns WHERE f_table_schema = current_schema()"
        ).set_index("f_table_name")
        info = []
        for kind in self.kinds():
            count = int(self._frame(f'SELECT count(*) AS n FROM "{kind.table}"')["n"].iloc[0])
            row = latest.loc[kind.value] if kind.value in latest.index else None
            gtype = str(types.loc[kind.table, "type"])
            info.append(
                LayerInfo(
                    name=kind.value,
                    table=kind.table,
                    count=count,
                    geometry_type=_GEOMETRY_NAMES.get(gtype, gtype.title()),
                    crs=f"EPSG:{int(types.loc[kind.table, 'srid'])}",
                    source_file=None if row is None else row["source_file"],
                    sha256=None if row is None else row["sha256"],
                    updated_utc=None if row is None else row["time_utc"],
                    tool_version=None if row is None else row["tool_version"],
                )
            )
        return info + self._dataset_layers(latest)

    # -- occurrences: a table (io/postgis_occurrences.py), not GeoParquet files -------------------
    keeps_occurrences_in_table = True
    """Big layers live in tables of the database (:mod:`deerhabitat.io.postgis_occurrences`)."""

    def has(self, kind: LayerKind) -> bool:
        """Whether the store holds a layer of ``kind`` (occurrences: at least one record)."""
        kind = LayerKind(kind)
        if kind.is_dataset:
            return self.occurrence_count() > 0
        return super().has(kind)

    def occurrence_count(self) -> int:
        """Records of the occurrences table (0 when it is missing)."""
        with self._connect() as con:
            return pg_occurrences.row_count(con)

    def occurrence_years(self) -> list[int]:
        """The years of the occurrences table, ascending."""
        with self._connect() as con:
            return pg_occurrences.years(con)

    def iter_occurrence_batches(
        self,
        *,
        years: Iterable[int] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        columns: Sequence[str] | None = None,
        batch_rows: int,
    ) -> Iterator[gpd.GeoDataFrame]:
        """Pages of the occurrences table, all from one transaction (see :mod:`postgis_occurrences`)."""
        with self._connect() as con:
            yield from pg_occurrences.iter_batches(
                con, years=years, bbox=bbox, columns=columns, batch_rows=batch_rows
            )

    def _dataset_layers(self, latest: pd.DataFrame) -> list[LayerInfo]:
        count = self.occurrence_count()
        if not count:
            return []
        kind = LayerKind.OCCURRENCES
        row = latest.loc[kind.value] if kind.value in latest.index else None
        return [
            LayerInfo(
                name=kind.value,
                table=kind.table,
                count=count,
                geometry_type="Point",
                crs="EPSG:4326",
                source_file=None if row is None else row["source_file"],
                sha256=None if row is None else row["sha256"],
                updated_utc=None if row is None else row["time_utc"],
                tool_version=None if row is None else row["tool_version"],
            )
        ]

    def dataset_files(self, kind: LayerKind | None = None) -> pd.DataFrame:
        """The registered GeoParquet files of big layers (none: a database keeps no files beside it)."""
        frame = self._frame(f"SELECT {', '.join(DATASET_COLUMNS)} FROM {DATASETS_TABLE} ORDER BY layer, path")
        if kind is not None:
            frame = frame[frame["layer"] == LayerKind(kind).value]
        return frame.reset_index(drop=True) if len(frame) else pd.DataFrame(columns=list(DATASET_COLUMNS))

    def provenance(self) -> pd.DataFrame:
        """The provenance log: one row per write, oldest first."""
        frame = self._frame(f"SELECT {', '.join(_PROVENANCE_COLUMNS)} FROM {PROVENANCE_TABLE} ORDER BY id")
        return frame if len(frame) else pd.DataFrame(columns=list(_PROVENANCE_COLUMNS))

    def rasters(self) -> pd.DataFrame:
        """The rasters registered (paths absolute; see :meth:`deerhabitat.io.store.Store.rasters`)."""
        frame = self._frame(f"SELECT {', '.join(_RASTER_COLUMNS)} FROM {RASTERS_TABLE}")
        if not len(frame):
            return pd.DataFrame(columns=list(_RASTER_COLUMNS))
        frame["path"] = [str(Path(p).absolute()) for p in frame["path"]]
        return frame.sort_values(["role", "path"], kind="stable").reset_index(drop=True)

    def styles(self) -> dict[str, dict[str, str]]:
        """The default QGIS style of each table: ``{table: {"name", "qml", "sld"}}`` (empty if none)."""
        rows = self._frame(
            f"SELECT f_table_name, stylename, styleqml, stylesld FROM {STYLES_TABLE} "
            "WHERE useasdefault AND f_table_schema = current_schema() "
            "AND f_table_catalog = current_database() ORDER BY id"
        )
        return {
            str(t): {"name": str(n), "qml": str(q), "sld": str(s)}
            for t, n, q, s in rows.itertuples(index=False)
        }

    def _report_records(self, *, with_files: bool) -> pd.DataFrame:
        columns = list(dict.fromkeys([*_REPORT_COLUMNS, *(REPORT_ROW_COLUMNS if with_files else ())]))
        frame = self._frame(f"SELECT {', '.join(columns)} FROM {REPORTS_TABLE} ORDER BY id")
        if not len(frame):
            return pd.DataFrame(columns=columns)
        if "original" in frame:
            frame["original"] = [bytes(b) for b in frame["original"]]
        return frame

    def _cycle_records(self) -> pd.DataFrame:
        frame = self._frame(f"SELECT {', '.join(_CYCLE_COLUMNS)} FROM {CYCLES_TABLE}")
        return frame if len(frame) else pd.DataFrame(columns=list(_CYCLE_COLUMNS))

    def report_texts(self) -> dict[str, str]:
        """The report texts the author set (name → Markdown text); empty when none was set."""
        rows = self._frame(f"SELECT name, text FROM {REPORT_TEXTS_TABLE} ORDER BY name")
        return {str(n): str(t) for n, t in rows.itertuples(index=False)}

    def work_programme(self) -> pd.DataFrame | None:
        """The store's own Work Programme catalogue, in its order, or None when it holds none."""
        with self._connect() as con:
            if WORK_PROGRAMME_TABLE not in _tables(con):
                return None
        return self._frame(f"SELECT * FROM {WORK_PROGRAMME_TABLE} ORDER BY position").drop(columns="position")

    def content_key(self) -> str:
        """A sha256 of every table of the store (row digests, order-independent)."""
        digest = hashlib.sha256()
        with self._connect() as con:
            tables = sorted(_tables(con) & {*_OWN_TABLES, *(k.table for k in TABLE_KINDS)})
        for table in tables:
            where = " WHERE t.f_table_schema = current_schema()" if table == STYLES_TABLE else ""
            rows = self._frame(
                f"SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS d "
                f'FROM "{table}" t{where}'
            )
            digest.update(f"{table}:{rows['d'].iloc[0]};".encode())
        return digest.hexdigest()

    # -- writing ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[StoreWriter]:
        """One database transaction; writers of the same table take turns (advisory locks).

        Raises
        ------
        StoreError
            If another writer holds the table longer than :attr:`lock_timeout`, or the database
            refuses a write (nothing is kept then).
        """
        from sqlalchemy import text

        self.check_writable()
        timeout = resolve_lock_timeout() if self.lock_timeout is None else self.lock_timeout
        try:
            con = self._engine.connect()
        except Exception as exc:
            raise StoreError(_connect_message(exc, self.location, self.shown)) from None
        try:
            with con.begin():
                con.execute(text(f"SET LOCAL lock_timeout = '{max(int(timeout * 1000), 1)}ms'"))
                yield PostgisWriter(con, self, timeout)
        except StoreError:
            raise
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):
                raise StoreError(
                    f"cannot write the store {self.shown!r}: {_masked(exc, self.location)}; nothing was "
                    f"changed"
                ) from None
            raise
        finally:
            con.close()

    def check_writable(self) -> None:
        """Refuse, before any work, a store the role cannot write (or opened read-only).

        Raises
        ------
        StoreError
            ``read-only: ...`` when the database role has no INSERT right on the store's tables.
        """
        if self.readonly:
            raise StoreError(f"read-only: the store {self.shown!r} was opened read-only")
        rows = self._frame(
            f"SELECT current_user AS who, has_table_privilege('{PROVENANCE_TABLE}', 'INSERT') AS ok"
        )
        if not bool(rows["ok"].iloc[0]):
            raise StoreError(
                f"read-only: the database role {rows['who'].iloc[0]!r} cannot write the store "
                f"{self.shown!r}; connect as an editor role (`deerhabitat db roles`) to write"
            )
        if self.lock_timeout is None:
            resolve_lock_timeout()


class PostgisWriter(StoreWriter):
    """Writes inside one database transaction of :meth:`PostgisStore.transaction`."""

    def __init__(self, con: Connection, store: PostgisStore, timeout: float) -> None:
        self.con = con
        self.store = store
        self.timeout = timeout
        self._locked: set[str] = set()

    def _exec(self, sql: str, params: Any = None) -> Any:
        from sqlalchemy import text

        return self.con.execute(text(sql), params if params is not None else {})

    def _lock(self, name: str) -> None:
        """Take the advisory lock of ``name`` for the rest of the transaction (waits for other writers)."""
        if name in self._locked:
            return
        from sqlalchemy.exc import OperationalError

        try:
            with self.con.begin_nested():
                self._exec("SELECT pg_advisory_xact_lock(:c, hashtext(:n))", {"c": _LOCK_CLASS, "n": name})
        except OperationalError as exc:
            if getattr(getattr(exc, "orig", None), "sqlstate", "") != "55P03":
                raise
            raise StoreError(self._busy_message(name)) from None
        self._locked.add(name)

    def _busy_message(self, name: str) -> str:
        holders = self._exec(
            "SELECT a.application_name, a.pid, a.xact_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = :c AND l.objid = hashtext(:n)::oid AND l.objsubid = 2",
            {"c": _LOCK_CLASS, "n": name},
        ).fetchall()
        who = (
            f"`{holders[0][0] or 'another client'}` (server process {holders[0][1]}, writing since "
            f"{holders[0][2]:%Y-%m-%dT%H:%M:%SZ})"
            if holders
            else "another writer"
        )
        return (
            f"the table {name!r} of the store {self.store.shown!r} is being written by {who}; waited "
            f"{self.timeout:g} s for it to finish; run again when it is done, or wait longer with "
            f"--lock-timeout SECONDS (or DEERHABITAT_LOCK_TIMEOUT)"
        )

    def _lock_layer(self, kind: LayerKind) -> None:
        self._lock(kind.table)

    def write_occurrences(self, frame: gpd.GeoDataFrame, *, clear: bool = False) -> int:
        """Add one chunk of checked occurrences (updating ids already there); return how many were updated.

        With ``clear`` the table is emptied first (``--replace``). Takes the table's advisory lock.
        """
        self._lock_layer(LayerKind.OCCURRENCES)
        pg_occurrences.create(self.con)
        if clear:
            pg_occurrences.clear(self.con)
        return pg_occurrences.upsert(self.con, frame)

    def occurrence_count(self) -> int:
        """Records of the occurrences table as this transaction sees it."""
        return pg_occurrences.row_count(self.con)

    def _current(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        if kind.table not in _tables(self.con):
            return None
        frame = gpd.read_postgis(
            f'SELECT * FROM "{kind.table}" ORDER BY fid', self.con, geom_col=GEOMETRY_COLUMN
        )
        return cast_to_spec(frame.drop(columns="fid").rename_geometry("geometry"), kind)

    def _write_layer(self, kind: LayerKind, frame: gpd.GeoDataFrame) -> None:
        self._lock_layer(kind)
        frame, geometry_type = layer_geometry(kind, frame)
        frame = frame.rename_geometry(GEOMETRY_COLUMN) if frame.geometry.name != GEOMETRY_COLUMN else frame
        columns = [c for c in frame.columns if c != GEOMETRY_COLUMN]
        existing = self._columns(kind.table)
        if existing is not None and existing == [*columns, GEOMETRY_COLUMN]:
            self._exec(f'DELETE FROM "{kind.table}"')
        else:
            if existing is not None:
                self._exec(f'DROP TABLE "{kind.table}"')
            self._create_layer(kind, frame, geometry_type)
        if len(frame):
            frame.to_postgis(kind.table, self.con, if_exists="append", index=False)

    def _columns(self, table: str) -> list[str] | None:
        rows = self._exec(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = :t ORDER BY ordinal_position",
            {"t": table},
        ).fetchall()
        return [r[0] for r in rows if r[0] != "fid"] or None

    def _create_layer(self, kind: LayerKind, frame: gpd.GeoDataFrame, geometry_type: str) -> None:
        from deerhabitat.schema import SPECS

        sql_types = {"str": "text", "date": "text", "int": "bigint", "float": "double precision"}
        sql_types["bool"] = "boolean"
        spec = {c.name: c.dtype for c in SPECS[kind].columns}
        definitions = ["fid bigserial PRIMARY KEY"]
        for column in frame.columns:
            if column == GEOMETRY_COLUMN:
                continue
            dtype = spec.get(column) or _sql_dtype(frame[column])
            definitions.append(f'"{column}" {sql_types.get(dtype, dtype)}')
        gtype = "Geometry" if geometry_type == "Unknown" else geometry_type
        definitions.append(f"{GEOMETRY_COLUMN} geometry({gtype}, 4326)")
        self._exec(f'CREATE TABLE "{kind.table}" ({", ".join(definitions)})')
        self._exec(
            f'CREATE INDEX "{kind.table}_{GEOMETRY_COLUMN}_idx" ON "{kind.table}" '
            f"USING gist ({GEOMETRY_COLUMN})"
        )

    def record(self, kind: LayerKind, provenance: Provenance, result: WriteResult) -> None:
        """Append one row to the provenance table."""
        self._exec(
            f"INSERT INTO {PROVENANCE_TABLE} (layer, action, source_file, sha256, time_utc, tool_version, "
            "added, updated, rejected, total, note) VALUES (:layer, :action, :source_file, :sha256, "
            ":time_utc, :tool_version, :added, :updated, :rejected, :total, :note)",
            {
                "layer": kind.value,
                "action": provenance.action,
                "source_file": provenance.source_file,
                "sha256": provenance.sha256,
                "time_utc": _utc_now(),
                "tool_version": __version__,
                "added": result.added,
                "updated": result.updated,
                "rejected": provenance.rejected,
                "total": result.total,
                "note": provenance.note,
            },
        )

    def load_rows(self, table: str, frame: pd.DataFrame) -> None:
        """Insert rows as they are, ids and times kept (provenance, national reports)."""
        if table not in (PROVENANCE_TABLE, REPORTS_TABLE):
            raise ValueError(f"load_rows: {table!r}")
        self._lock(table)
        columns = [str(c) for c in frame.columns]
        rows = [
            {c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in frame.itertuples(index=False)
        ]
        self._exec(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})", rows
        )
        self._exec(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")

    def set_config(self, config: StoreConfig) -> None:
        """Replace the store's species settings."""
        self._lock(CONFIG_TABLE)
        self._exec(f"DELETE FROM {CONFIG_TABLE}")
        _write_config(self.con, config)

    def register_rasters(self, records: Iterable[RasterRecord]) -> int:
        """Record rasters (absolute paths; one row per role and file, latest wins)."""
        self._lock(RASTERS_TABLE)
        now = _utc_now()
        rows = [dict(zip(_RASTER_COLUMNS, (*astuple(r), now, __version__), strict=True)) for r in records]
        for row in rows:
            row["path"] = str(Path(row["path"]).absolute())
            self._exec(f"DELETE FROM {RASTERS_TABLE} WHERE role = :role AND path = :path", row)
        if rows:
            self._exec(
                f"INSERT INTO {RASTERS_TABLE} ({', '.join(_RASTER_COLUMNS)}) "
                f"VALUES ({', '.join(':' + c for c in _RASTER_COLUMNS)})",
                rows,
            )
        return len(rows)

    def write_styles(self, styles: Iterable[StyleRow]) -> int:
        """Store each style as the default QGIS style of its table (QGIS's PostGIS form)."""
        self._lock(STYLES_TABLE)
        tables = set(
            self._exec(
                "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = current_schema()"
            ).scalars()
        ) & {k.table for k in LayerKind}
        changed = 0
        here = "f_table_catalog = current_database() AND f_table_schema = current_schema()"
        for style in styles:
            if style.table not in tables:
                raise StoreError(
                    f"cannot store a QGIS style for table {style.table!r}: it is not a feature table of "
                    f"the store (feature tables: {', '.join(sorted(tables)) or 'none'})"
                )
            key = {"t": style.table, "n": style.name}
            current = self._exec(
                f"SELECT styleqml, stylesld FROM {STYLES_TABLE} WHERE {here} AND f_table_name = :t "
                "AND stylename = :n AND useasdefault",
                key,
            ).fetchall()
            if [tuple(r) for r in current] == [(style.qml, style.sld)]:
                continue
            self._exec(
                f"UPDATE {STYLES_TABLE} SET useasdefault = false WHERE {here} AND f_table_name = :t", key
            )
            self._exec(
                f"DELETE FROM {STYLES_TABLE} WHERE {here} AND f_table_name = :t AND stylename = :n", key
            )
            self._exec(
                f"INSERT INTO {STYLES_TABLE} (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, stylename, styleqml, stylesld, useasdefault, description, ui, type) "
                "VALUES (current_database(), current_schema(), :t, :g, :n, :q, :s, true, :d, NULL, NULL)",
                {**key, "g": GEOMETRY_COLUMN, "q": style.qml, "s": style.sld, "d": style.description},
            )
            changed += 1
        return changed

    def add_national_report(
        self,
        report: dict[str, Any],
        *,
        filename: str,
        fmt: str,
        content: bytes,
        sha256: str,
        note: str = "",
    ) -> int:
        """Keep a national report whole (``original`` as bytea), as the next version of its period."""
        self._lock(REPORTS_TABLE)
        head = report["report"]
        key = {"c": head["country"], "s": head["period_start"], "e": head["period_end"]}
        latest = self._exec(
            f"SELECT COALESCE(MAX(version), 0) FROM {REPORTS_TABLE} WHERE country = :c "
            "AND period_start = :s AND period_end = :e",
            key,
        ).scalar_one()
        self._exec(
            f"INSERT INTO {REPORTS_TABLE} (country, period_start, period_end, version, submitted, filename, "
            "format, sha256, size_bytes, original, parsed_json, imported_utc, tool_version, note) VALUES "
            "(:c, :s, :e, :v, :submitted, :filename, :format, :sha256, :size, :original, :parsed, :now, "
            ":tool, :note)",
            {
                **key,
                "v": int(latest) + 1,
                "submitted": head["submitted"],
                "filename": filename,
                "format": fmt,
                "sha256": sha256,
                "size": len(content),
                "original": content,
                "parsed": json.dumps(report, ensure_ascii=False),
                "now": _utc_now(),
                "tool": __version__,
                "note": note,
            },
        )
        return int(latest) + 1

    def open_cycle(self, period: tuple[int, int], deadline: str, *, note: str = "") -> None:
        """Open (or change) the reporting cycle of ``period``."""
        self._lock(CYCLES_TABLE)
        self._exec(
            f"INSERT INTO {CYCLES_TABLE} ({', '.join(_CYCLE_COLUMNS)}) VALUES (:s, :e, :d, :now, :note) "
            "ON CONFLICT (period_start, period_end) DO UPDATE SET deadline = EXCLUDED.deadline, "
            "opened_utc = EXCLUDED.opened_utc, note = EXCLUDED.note",
            {"s": period[0], "e": period[1], "d": deadline, "now": _utc_now(), "note": note},
        )

    def set_report_text(self, name: str, text: str) -> None:
        """Keep ``text`` as the report text ``name`` (replacing the one set before)."""
        self._lock(REPORT_TEXTS_TABLE)
        self._exec(
            f"INSERT INTO {REPORT_TEXTS_TABLE} (name, text, set_utc) VALUES (:n, :t, :now) "
            "ON CONFLICT (name) DO UPDATE SET text = EXCLUDED.text, set_utc = EXCLUDED.set_utc",
            {"n": name, "t": text, "now": _utc_now()},
        )

    def write_work_programme(self, catalogue: pd.DataFrame) -> None:
        """Replace the store's Work Programme catalogue (text columns, kept in their order)."""
        self._lock(WORK_PROGRAMME_TABLE)
        columns = [str(c) for c in catalogue.columns]
        self._exec(f"DROP TABLE IF EXISTS {WORK_PROGRAMME_TABLE}")
        self._exec(
            f"CREATE TABLE {WORK_PROGRAMME_TABLE} (position integer PRIMARY KEY, "
            + ", ".join(f'"{c}" text NOT NULL' for c in columns)
            + ")"
        )
        names = [f"c{i}" for i in range(len(columns))]
        rows = [
            {"position": i, **dict(zip(names, map(str, row), strict=True))}
            for i, row in enumerate(catalogue.itertuples(index=False))
        ]
        if rows:
            self._exec(
                f"INSERT INTO {WORK_PROGRAMME_TABLE} VALUES (:position, {', '.join(':' + n for n in names)})",
                rows,
            )


def _sql_dtype(series: pd.Series) -> str:
    kind = series.dtype.kind if hasattr(series.dtype, "kind") else "O"
    return {"i": "int", "u": "int", "f": "float", "b": "bool"}.get(kind, "str")


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _tables(con: Connection) -> set[str]:
    from sqlalchemy import text

    rows = con.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
    return {str(r) for r in rows}


def _write_config(con: Connection, config: StoreConfig) -> None:
    from sqlalchemy import text

    con.execute(
        text(f"INSERT INTO {CONFIG_TABLE} (key, value) VALUES (:k, :v)"),
        [{"k": k, "v": v} for k, v in config.to_mapping().items()],
    )


def _ensure_postgis(con: Connection, shown: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    if con.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
        return
    try:
        with con.begin_nested():
            con.execute(text("CREATE EXTENSION postgis"))
    except DBAPIError as exc:
        raise StoreError(
            f"the database {shown!r} has no PostGIS extension and it cannot be enabled "
            f"({str(exc.orig).strip().splitlines()[0]}); install PostGIS on the server (Debian: "
            f"postgresql-15-postgis-3) and run `CREATE EXTENSION postgis;` as the database owner"
        ) from None


def _check_store(con: Connection, shown: str) -> None:
    """Refuse a database that holds no deerhabitat store of this schema version."""
    from sqlalchemy import text

    if not con.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
        raise StoreError(
            f"the database {shown!r} has no PostGIS extension, so it holds no deerhabitat store; "
            f"install PostGIS (Debian: postgresql-15-postgis-3), run `CREATE EXTENSION postgis;` and "
            f"create the store with `deerhabitat init {shown}`"
        )
    tables = _tables(con)
    if META_TABLE not in tables:
        if CONFIG_TABLE in tables:
            version = "0"
        else:
            others = sorted(tables - _POSTGIS_TABLES)
            what = (
                f"holds tables deerhabitat did not make ({', '.join(others[:5])})" if others else "is empty"
            )
            raise StoreError(
                f"the database {shown!r} {what}: it is not a deerhabitat store; create one with "
                f"`deerhabitat init {shown}` (in an empty database)"
            )
    else:
        found = con.execute(text(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'")).first()
        version = str(found[0]) if found else "0"
    if version != str(SCHEMA_VERSION):
        older = not version.isdigit() or int(version) < SCHEMA_VERSION
        raise StoreError(
            f"the store {shown!r} has schema version {version}; this deerhabitat ({__version__}) reads "
            f"version {SCHEMA_VERSION}; "
            + (
                "it was made by an older deerhabitat: copy it with that version to a GeoPackage "
                f"(`deerhabitat copy {shown} old.gpkg`), then into a new database with this one"
                if older
                else "it was made by a newer deerhabitat: upgrade deerhabitat (`pip install -U deerhabitat`)"
            )
        )


def _connect_message(exc: BaseException, location: str, shown: str) -> str:
    detail = _masked(exc, location)
    low = detail.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        hint = "check the user and password (in ~/.pgpass or $PGPASSWORD rather than in the URL)"
    elif "does not exist" in low and "database" in low:
        hint = "create the database first (`createdb NAME`), then `deerhabitat init` it"
    else:
        hint = "check the server is running and the host and port in the URL"
    return f"cannot connect to the store {shown!r}: {detail}; {hint}"
