"""The store: one GeoPackage holding a table per layer kind, its settings, and a provenance log.

Every change goes through :meth:`Store.transaction`: the GeoPackage is copied to a temporary file
beside it, all writes go to the copy, and the copy replaces the original with one atomic
``os.replace`` when the block succeeds. A failure, or a process killed mid-way, leaves the
original file byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import glob
import hashlib
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from deerhabitat._version import __version__
from deerhabitat.config import StoreConfig
from deerhabitat.crs import STORE_CRS, require_crs
from deerhabitat.errors import LayerNotFoundError, StoreError
from deerhabitat.schema import SPECS, LayerKind

log = logging.getLogger(__name__)

CONFIG_TABLE = "deerhabitat_config"
PROVENANCE_TABLE = "deerhabitat_provenance"
_PANDAS_DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean", "date": "string"}


def file_sha256(path: str | os.PathLike) -> str:
    """Return the hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Provenance:
    """Where a write came from, recorded in the store's provenance table.

    Attributes
    ----------
    source_file : str
        The file imported (or a description such as ``data/sources/sites.csv``).
    sha256 : str
        sha256 of that file ('' when not a file).
    action : str
        ``import``, ``replace``, ``build`` ...
    rejected : int
        Features refused during the import.
    note : str
        Free text (repairs made, filters used).
    """

    source_file: str
    sha256: str = ""
    action: str = "import"
    rejected: int = 0
    note: str = ""


@dataclass(frozen=True)
class WriteResult:
    """Outcome of writing one layer: features added and updated, and the layer's new size."""

    kind: LayerKind
    added: int
    updated: int
    total: int


@dataclass(frozen=True)
class LayerInfo:
    """One layer of the store as listed by :meth:`Store.layers`."""

    name: str
    table: str
    count: int
    geometry_type: str | None
    crs: str
    source_file: str | None
    sha256: str | None
    updated_utc: str | None
    tool_version: str | None

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return dict(self.__dict__)


class Store:
    """A deerhabitat store: one GeoPackage file.

    Parameters
    ----------
    path : path-like
        The GeoPackage. It must exist (create one with :meth:`Store.create`).
    readonly : bool, default False
        Refuse every write (the bundled store is opened this way).

    Raises
    ------
    StoreError
        If the file does not exist or is not a deerhabitat GeoPackage.
    """

    def __init__(self, path: str | os.PathLike, /, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if not self.path.is_file():
            raise StoreError(
                f"store {str(self.path)!r} does not exist; create it with "
                f"`deerhabitat init {self.path}` or pass an existing GeoPackage with --store"
            )
        self._tables = self._read_tables()

    # -- creation -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: str | os.PathLike, /, *, config: StoreConfig | None = None, overwrite: bool = False
    ) -> Store:
        """Create a new, empty store at ``path``.

        Raises
        ------
        StoreError
            If ``path`` exists and ``overwrite`` is False, or cannot be written.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise StoreError(f"{str(path)!r} already exists; choose another path, or remove it first")
        if path.suffix.lower() != ".gpkg":
            raise StoreError(f"store path {str(path)!r} must end in .gpkg (a GeoPackage)")
        config = config or StoreConfig()
        with _temporary_beside(path) as tmp:
            try:
                with contextlib.closing(sqlite3.connect(tmp)) as con:
                    _init_geopackage(con)
                    _write_config(con, config)
                    con.commit()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot create the store {str(path)!r}: {exc}") from exc
            os.replace(tmp, path)
        return cls(path)

    # -- reading ----------------------------------------------------------------------------------
    def _read_tables(self) -> set[str]:
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
                rows = con.execute("SELECT table_name FROM gpkg_contents").fetchall()
                con.execute(f"SELECT key FROM {CONFIG_TABLE} LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(
                f"{str(self.path)!r} is not a deerhabitat store (a GeoPackage made by "
                f"`deerhabitat init`): {exc}"
            ) from exc
        return {r[0] for r in rows}

    @property
    def config(self) -> StoreConfig:
        """The species settings of this store."""
        with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
            rows = con.execute(f"SELECT key, value FROM {CONFIG_TABLE}").fetchall()
        return StoreConfig.from_mapping(dict(rows), origin=f"store {self.path.name}")

    def has(self, kind: LayerKind) -> bool:
        """Whether the store holds a layer of ``kind``."""
        return LayerKind(kind).table in self._tables

    def kinds(self) -> list[LayerKind]:
        """The layer kinds present, in schema order."""
        return [k for k in LayerKind if self.has(k)]

    def read(self, kind: LayerKind | str, *, missing_ok: bool = False) -> gpd.GeoDataFrame:
        """Read one layer as a GeoDataFrame in EPSG:4326, columns typed as in the schema.

        Parameters
        ----------
        kind : LayerKind or str
            The layer kind.
        missing_ok : bool, default False
            Return an empty layer instead of raising when the kind is absent.

        Raises
        ------
        LayerNotFoundError
            If the kind is absent and ``missing_ok`` is False; the message lists the layers present.
        """
        kind = LayerKind.parse(kind) if not isinstance(kind, LayerKind) else kind
        if not self.has(kind):
            if missing_ok:
                return empty_layer(kind)
            present = ", ".join(k.value for k in self.kinds()) or "none"
            raise LayerNotFoundError(
                f"the store {self.path.name!r} has no {kind.value!r} layer (layers: "
                f"{present}); import one with `deerhabitat import {kind.value} FILE`"
            )
        frame = pyogrio.read_dataframe(self.path, layer=kind.table, use_arrow=True)
        return cast_to_spec(frame, kind)

    def read_all(self) -> dict[LayerKind, gpd.GeoDataFrame]:
        """Read every layer present, keyed by kind."""
        return {kind: self.read(kind) for kind in self.kinds()}

    def layers(self) -> list[LayerInfo]:
        """List the layers with feature count, geometry type, CRS and latest provenance."""
        info = []
        latest = self.provenance().drop_duplicates("layer", keep="last").set_index("layer")
        listed = {name: gtype for name, gtype in pyogrio.list_layers(self.path)}
        for kind in self.kinds():
            meta = pyogrio.read_info(self.path, layer=kind.table)
            row = latest.loc[kind.value] if kind.value in latest.index else None
            info.append(
                LayerInfo(
                    name=kind.value,
                    table=kind.table,
                    count=int(meta["features"]),
                    geometry_type=listed.get(kind.table),
                    crs=str(meta["crs"]),
                    source_file=None if row is None else row["source_file"],
                    sha256=None if row is None else row["sha256"],
                    updated_utc=None if row is None else row["time_utc"],
                    tool_version=None if row is None else row["tool_version"],
                )
            )
        return info

    def provenance(self) -> pd.DataFrame:
        """The provenance log: one row per write, oldest first."""
        with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
            try:
                return pd.read_sql_query(f"SELECT * FROM {PROVENANCE_TABLE} ORDER BY id", con)
            except (pd.errors.DatabaseError, sqlite3.Error):
                return pd.DataFrame(
                    columns=[
                        "id",
                        "layer",
                        "action",
                        "source_file",
                        "sha256",
                        "time_utc",
                        "tool_version",
                        "added",
                        "updated",
                        "rejected",
                        "total",
                        "note",
                    ]
                )

    # -- writing ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[StoreWriter]:
        """Open a transaction: writes go to a copy that replaces the store only if the block succeeds.

        Examples
        --------
        ``with store.transaction() as tx: tx.write(LayerKind.SITES, sites, provenance=...)``
        """
        if self.readonly:
            raise StoreError(
                f"the store {str(self.path)!r} is read-only (the bundled store cannot be "
                f"changed); create your own with `deerhabitat init my.gpkg` and pass --store"
            )
        _remove_orphans(self.path)
        with _temporary_beside(self.path) as tmp:
            shutil.copyfile(self.path, tmp)
            writer = StoreWriter(Path(tmp))
            yield writer
            _fsync(tmp)
            os.replace(tmp, self.path)
        self._tables = self._read_tables()

    def write(
        self, kind: LayerKind, frame: gpd.GeoDataFrame, *, provenance: Provenance, mode: str = "upsert"
    ) -> WriteResult:
        """Write one layer in its own transaction (see :meth:`StoreWriter.write`)."""
        with self.transaction() as tx:
            return tx.write(kind, frame, provenance=provenance, mode=mode)


class StoreWriter:
    """Writes into the temporary copy of a store inside :meth:`Store.transaction`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _current(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        if kind.table not in {name for name, _ in pyogrio.list_layers(self.path)}:
            return None
        return cast_to_spec(pyogrio.read_dataframe(self.path, layer=kind.table, use_arrow=True), kind)

    def write(
        self, kind: LayerKind, frame: gpd.GeoDataFrame, *, provenance: Provenance, mode: str = "upsert"
    ) -> WriteResult:
        """Write a validated layer in EPSG:4326.

        Parameters
        ----------
        kind : LayerKind
            The layer kind.
        frame : geopandas.GeoDataFrame
            A layer already passed through :func:`deerhabitat.schema.validate_layer`, in EPSG:4326.
        provenance : Provenance
            Recorded in the provenance table with the counts of added and updated features.
        mode : {"upsert", "replace"}
            ``upsert`` updates features whose id exists and adds the others; ``replace`` replaces
            the whole layer.
        """
        if mode not in ("upsert", "replace"):
            raise ValueError(f"mode={mode!r}; use 'upsert' or 'replace'")
        crs = require_crs(frame, what=f"the {kind.value} layer")
        if crs != STORE_CRS:
            raise StoreError(
                f"the {kind.value} layer is in {crs.name!r}; the store holds EPSG:4326 only; "
                f"reproject with `frame.to_crs(4326)` first"
            )
        id_col = SPECS[kind].id_column
        current = self._current(kind) if mode == "upsert" else None
        incoming_ids = set(frame[id_col].astype(str))
        if current is not None and len(current):
            existing_ids = set(current[id_col].astype(str))
            keep = current[~current[id_col].astype(str).isin(incoming_ids)]
            merged = pd.concat([keep, frame], ignore_index=True)
            updated = len(incoming_ids & existing_ids)
        else:
            merged, updated = frame, 0
        merged = gpd.GeoDataFrame(merged, geometry=merged.geometry.name, crs=STORE_CRS)
        merged = merged.sort_values(id_col, kind="stable").reset_index(drop=True)
        _write_frame(self.path, kind, merged)
        result = WriteResult(kind, added=len(incoming_ids) - updated, updated=updated, total=len(merged))
        self.record(kind, provenance, result)
        return result

    def record(self, kind: LayerKind, provenance: Provenance, result: WriteResult) -> None:
        """Append one row to the provenance table."""
        now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with contextlib.closing(sqlite3.connect(self.path)) as con:
            _ensure_provenance(con)
            con.execute(
                f"INSERT INTO {PROVENANCE_TABLE} (layer, action, source_file, sha256, time_utc, tool_version,"
                " added, updated, rejected, total, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    kind.value,
                    provenance.action,
                    provenance.source_file,
                    provenance.sha256,
                    now,
                    __version__,
                    result.added,
                    result.updated,
                    provenance.rejected,
                    result.total,
                    provenance.note,
                ),
            )
            con.commit()

    def set_config(self, config: StoreConfig) -> None:
        """Replace the store's species settings."""
        with contextlib.closing(sqlite3.connect(self.path)) as con:
            con.execute(f"DELETE FROM {CONFIG_TABLE}")
            _write_config(con, config)
            con.commit()


def _write_frame(path: Path, kind: LayerKind, frame: gpd.GeoDataFrame) -> None:
    spec = SPECS[kind]
    geometry_type = None
    if len(spec.geometry_types) == 1:
        geometry_type = spec.geometry_types[0]
    elif set(spec.geometry_types) == {"Polygon", "MultiPolygon"}:
        geometry_type = "MultiPolygon"
        frame = frame.set_geometry(_promote_to_multi(frame.geometry))
    elif set(spec.geometry_types) == {"LineString", "MultiLineString"}:
        geometry_type = "MultiLineString"
        frame = frame.set_geometry(_promote_to_multi(frame.geometry))
    else:
        present = set(frame.geometry.dropna().geom_type)
        geometry_type = present.pop() if len(present) == 1 else "Unknown"
    try:
        pyogrio.write_dataframe(
            frame, path, layer=kind.table, driver="GPKG", use_arrow=True, geometry_type=geometry_type
        )
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise StoreError(f"cannot write the {kind.value} layer to {str(path)!r}: {exc}") from exc


def _promote_to_multi(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    import shapely

    values = geometry.values
    out = []
    for geom in values:
        if geom is None or geom.geom_type.startswith("Multi"):
            out.append(geom)
        elif geom.geom_type == "Polygon":
            out.append(shapely.MultiPolygon([geom]))
        else:
            out.append(shapely.MultiLineString([geom]))
    return gpd.GeoSeries(out, index=geometry.index, crs=geometry.crs, name=geometry.name)


def cast_to_spec(frame: gpd.GeoDataFrame, kind: LayerKind) -> gpd.GeoDataFrame:
    """Give the spec's columns their pandas dtypes after a read (GeoPackage has no nullable ints)."""
    frame = frame.copy()
    for column in SPECS[kind].columns:
        if column.name in frame.columns:
            series = frame[column.name]
            if column.dtype == "int":
                series = pd.to_numeric(series).astype("Int64")
            elif column.dtype == "float":
                series = pd.to_numeric(series).astype("Float64")
            elif column.dtype == "bool":
                series = series.astype("boolean")
            else:
                series = series.astype("string")
            frame[column.name] = series
    if frame.crs is None:
        frame = frame.set_crs(STORE_CRS)
    return frame


def empty_layer(kind: LayerKind) -> gpd.GeoDataFrame:
    """An empty layer of ``kind`` with the spec's columns and dtypes, in EPSG:4326."""
    spec = SPECS[kind]
    data = {c.name: pd.Series([], dtype=_PANDAS_DTYPES[c.dtype]) for c in spec.columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=STORE_CRS), crs=STORE_CRS)


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[str]:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp.gpkg", dir=directory)
    except OSError as exc:
        raise StoreError(
            f"cannot write beside {str(path)!r} ({exc.strerror}); check the folder exists and is writable"
        ) from exc
    os.close(fd)
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def _remove_orphans(path: Path) -> None:
    """Remove temporary copies left beside ``path`` by processes that were killed mid-write."""
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp.gpkg"):
        pid_text = candidate.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            with contextlib.suppress(OSError):
                candidate.unlink()
                log.info("removed %s, left by an interrupted write", candidate.name)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _fsync(path: str) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _init_geopackage(con: sqlite3.Connection) -> None:
    con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    con.execute("PRAGMA user_version = 10400")
    con.executescript("""
    CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
        organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
        description TEXT);
    CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
        identifier TEXT UNIQUE, description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
    CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
        geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
    """)
    con.executemany(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)",
        [
            (
                "Undefined cartesian SRS",
                -1,
                "NONE",
                -1,
                "undefined",
                "undefined cartesian coordinate reference system",
            ),
            (
                "Undefined geographic SRS",
                0,
                "NONE",
                0,
                "undefined",
                "undefined geographic coordinate reference system",
            ),
            (
                "WGS 84 geodetic",
                4326,
                "EPSG",
                4326,
                STORE_CRS.to_wkt("WKT1_GDAL"),
                "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
            ),
        ],
    )
    con.execute(f"CREATE TABLE {CONFIG_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute(
        f"INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
        f"('{CONFIG_TABLE}', 'attributes', '{CONFIG_TABLE}', 'deerhabitat species settings')"
    )
    _ensure_provenance(con)


def _ensure_provenance(con: sqlite3.Connection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {PROVENANCE_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,
        layer TEXT NOT NULL, action TEXT NOT NULL, source_file TEXT, sha256 TEXT, time_utc TEXT NOT NULL,
        tool_version TEXT NOT NULL, added INTEGER, updated INTEGER, rejected INTEGER, total INTEGER,
        note TEXT)""")
    con.execute(
        f"INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        f"VALUES ('{PROVENANCE_TABLE}', 'attributes', '{PROVENANCE_TABLE}', "
        f"'where each layer came from: file, sha256, time, tool version, features changed')"
    )


def _write_config(con: sqlite3.Connection, config: StoreConfig) -> None:
    con.executemany(f"INSERT INTO {CONFIG_TABLE} (key, value) VALUES (?, ?)", config.to_mapping().items())
