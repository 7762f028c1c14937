"""The GeoPackage backend of the store: one ``.gpkg`` file (see :mod:`deerhabitat.io.store` for the API).

Every change goes through :meth:`GpkgStore.transaction`: the GeoPackage is copied to a temporary file
beside it, all writes go to the copy, and the copy replaces the original with one atomic
``os.replace`` when the block succeeds. A failure, or a process killed mid-way, leaves the
original file byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from deerhabitat._version import __version__
from deerhabitat.config import StoreConfig
from deerhabitat.config import lock_timeout as resolve_lock_timeout
from deerhabitat.crs import STORE_CRS
from deerhabitat.errors import StoreError
from deerhabitat.i18n import message
from deerhabitat.io import atomic
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
    DatasetFile,
    LayerInfo,
    Provenance,
    RasterRecord,
    Store,
    StoreWriter,
    StyleRow,
    WriteResult,
    _utc_now,
    cast_to_spec,
    file_sha256,
    layer_geometry,
)
from deerhabitat.schema import LayerKind

log = logging.getLogger(__name__)


class GpkgStore(Store):
    """A deerhabitat store in one GeoPackage file.

    Parameters
    ----------
    path : path-like
        The GeoPackage. It must exist (create one with :meth:`Store.create`).
    readonly : bool, default False
        Refuse every write (the bundled store is opened this way).
    lock_timeout : float, optional
        Seconds a transaction waits for another writer of the same store to finish; default
        :func:`deerhabitat.config.lock_timeout` (``--lock-timeout``, ``$DEERHABITAT_LOCK_TIMEOUT``).

    Raises
    ------
    StoreError
        If the file does not exist or is not a deerhabitat GeoPackage.
    """

    def __init__(
        self, path: str | os.PathLike, /, *, readonly: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.path = Path(path)
        self.location = self.path
        self.shown = str(self.path)
        self.name = self.path.name
        self.readonly = readonly
        self.lock_timeout = lock_timeout
        if not self.path.is_file():
            raise StoreError(message("error.store.missing", path=str(self.path), plain=self.path))
        self._tables = self._read_tables()

    # -- creation -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: str | os.PathLike, /, *, config: StoreConfig | None = None, overwrite: bool = False
    ) -> GpkgStore:
        """Create a new, empty store at ``path``.

        Raises
        ------
        StoreError
            If ``path`` exists and ``overwrite`` is False, or cannot be written.
        """
        config = config or StoreConfig()

        def fill(tmp: Path) -> None:
            with contextlib.closing(sqlite3.connect(tmp)) as con:
                _init_geopackage(con)
                _write_config(con, config)
                con.commit()

        _new_store_file(Path(path), fill, overwrite=overwrite)
        return cls(path)

    @classmethod
    def copy(
        cls,
        source: str | os.PathLike,
        path: str | os.PathLike,
        /,
        *,
        analysis_crs: str | None = None,
        species: str | None = None,
        overwrite: bool = False,
    ) -> GpkgStore:
        """Create a new, writable store at ``path`` holding a copy of the store ``source``.

        ``deerhabitat init --from-bundled`` copies the bundled (read-only) store this way.

        Parameters
        ----------
        source, path : path-like
            The store copied, and the new GeoPackage (must end in ``.gpkg`` and not exist).
        analysis_crs, species : str, optional
            New settings for the copy (default: those of ``source``).

        Raises
        ------
        StoreError
            If ``source`` is not a store, or ``path`` exists or cannot be written.
        """
        original = cls(source)
        config = original.config
        if analysis_crs:
            config = dataclasses.replace(config, analysis_crs=analysis_crs)
        if species:
            config = dataclasses.replace(config, species=species)

        copies = _DatasetCopies(original, Path(path))

        def fill(tmp: Path) -> None:
            copies.forget_target()
            shutil.copyfile(original.path, tmp)
            writer = GpkgWriter(tmp)
            writer.set_config(config)
            copies.copy(tmp, writer)

        try:
            _new_store_file(Path(path), fill, overwrite=overwrite, committed=copies.committed)
        except BaseException:
            copies.discard()
            raise
        return cls(path)

    # -- reading ----------------------------------------------------------------------------------
    def _read_tables(self) -> set[str]:
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
                rows = con.execute("SELECT table_name FROM gpkg_contents").fetchall()
                con.execute(f"SELECT key FROM {CONFIG_TABLE} LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(message("error.store.not_ours", path=str(self.path), detail=exc)) from exc
        return {r[0] for r in rows}

    def feature_tables(self) -> set[str]:
        """The tables listed in ``gpkg_contents``."""
        return self._tables

    @property
    def folder(self) -> Path:
        """The folder of the store's real file."""
        return self.path.resolve().parent

    def content_key(self) -> str:
        """The sha256 of the GeoPackage file."""
        return file_sha256(self.path)

    def _read_layer(self, kind: LayerKind) -> gpd.GeoDataFrame:
        return pyogrio.read_dataframe(self.path, layer=kind.table, use_arrow=True)

    def _report_records(self, *, with_files: bool) -> pd.DataFrame:
        columns = list(dict.fromkeys([*_REPORT_COLUMNS, *(REPORT_ROW_COLUMNS if with_files else ())]))
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, REPORTS_TABLE):
                return pd.DataFrame(columns=columns)
            return pd.read_sql_query(f"SELECT {', '.join(columns)} FROM {REPORTS_TABLE}", con)

    def _cycle_records(self) -> pd.DataFrame:
        with contextlib.closing(_connect_ro(self.path)) as con:
            if _has_table(con, CYCLES_TABLE):
                return pd.read_sql_query(f"SELECT {', '.join(_CYCLE_COLUMNS)} FROM {CYCLES_TABLE}", con)
        return pd.DataFrame(columns=list(_CYCLE_COLUMNS))

    @property
    def config(self) -> StoreConfig:
        """The species settings of this store."""
        with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as con:
            rows = con.execute(f"SELECT key, value FROM {CONFIG_TABLE}").fetchall()
        return StoreConfig.from_mapping(dict(rows), origin=f"store {self.path.name}")

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
        return info + self._dataset_layers(latest)

    def dataset_files(self, kind: LayerKind | None = None) -> pd.DataFrame:
        """The registered GeoParquet files of big layers (see :meth:`Store.dataset_files`)."""
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, DATASETS_TABLE):
                frame = pd.DataFrame(columns=list(DATASET_COLUMNS))
            else:
                frame = pd.read_sql_query(f"SELECT {', '.join(DATASET_COLUMNS)} FROM {DATASETS_TABLE}", con)
        if kind is not None:
            frame = frame[frame["layer"] == LayerKind(kind).value]
        frame["path"] = [str(_resolve_beside(self.path, p)) for p in frame["path"]]
        return frame.sort_values(["layer", "path"], kind="stable").reset_index(drop=True)

    def provenance(self) -> pd.DataFrame:
        """The provenance log: one row per write, oldest first."""
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, PROVENANCE_TABLE):
                return pd.DataFrame(columns=list(_PROVENANCE_COLUMNS))
            return pd.read_sql_query(f"SELECT * FROM {PROVENANCE_TABLE} ORDER BY id", con)

    def rasters(self) -> pd.DataFrame:
        """The rasters registered in the store, sorted by role and path (empty when there are none).

        Returns
        -------
        pandas.DataFrame
            Columns ``role, path, sha256, crs_name, crs_wkt, width, height, transform, dtype, nodata,
            command, time_utc, tool_version``; ``path`` is absolute (entries are kept relative to the
            store's folder, so a store moved with its rasters still finds them).
        """
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, RASTERS_TABLE):
                return pd.DataFrame(columns=list(_RASTER_COLUMNS))
            frame = pd.read_sql_query(f"SELECT {', '.join(_RASTER_COLUMNS)} FROM {RASTERS_TABLE}", con)
        frame["path"] = [str(_resolve_beside(self.path, p)) for p in frame["path"]]
        return frame.sort_values(["role", "path"], kind="stable").reset_index(drop=True)

    def styles(self) -> dict[str, dict[str, str]]:
        """The default QGIS style of each table: ``{table: {"name", "qml", "sld"}}`` (empty if none)."""
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, STYLES_TABLE):
                return {}
            rows = con.execute(
                f"SELECT f_table_name, styleName, styleQML, styleSLD FROM {STYLES_TABLE} "
                f"WHERE useAsDefault ORDER BY id"
            ).fetchall()
        return {table: {"name": name, "qml": qml, "sld": sld} for table, name, qml, sld in rows}

    def report_texts(self) -> dict[str, str]:
        """The report texts the author set (name → Markdown text); empty when none was set."""
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, REPORT_TEXTS_TABLE):
                return {}
            rows = con.execute(f"SELECT name, text FROM {REPORT_TEXTS_TABLE} ORDER BY name").fetchall()
        return {str(name): str(text) for name, text in rows}

    def work_programme(self) -> pd.DataFrame | None:
        """The store's own Work Programme catalogue, in its order, or None when it holds none."""
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, WORK_PROGRAMME_TABLE):
                return None
            frame = pd.read_sql_query(f"SELECT * FROM {WORK_PROGRAMME_TABLE} ORDER BY position", con)
        return frame.drop(columns="position")

    # -- writing ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[StoreWriter]:
        """Open a transaction: writes go to a copy that replaces the store only if the block succeeds.

        Writers of the same store take turns (an OS lock beside the store's real file, held from the
        copy to the replace); one that waits longer than :attr:`lock_timeout` gets a
        :class:`StoreError` naming the other writer. The replaced file keeps its mode and owner, and
        a store given through a symlink is updated where the symlink points.

        Examples
        --------
        ``with store.transaction() as tx: tx.write(LayerKind.SITES, sites, provenance=...)``
        """
        self.check_writable()
        target = atomic.real_path(self.path)
        timeout = resolve_lock_timeout() if self.lock_timeout is None else self.lock_timeout
        with atomic.writer_lock(target, timeout=timeout, shown=str(self.path)):
            atomic.remove_leftovers(target)
            with atomic.temporary_beside(target) as tmp:
                shutil.copyfile(target, tmp)
                _upgrade(tmp)
                yield GpkgWriter(tmp)
                atomic.replace_keeping_mode(tmp, target)
        self._tables = self._read_tables()

    def check_writable(self) -> None:
        """Refuse, before any work, a store that cannot be written.

        Raises
        ------
        StoreError
            ``read-only: ...`` for the bundled store (saying how to get a writable copy), a file
            without write permission, or a folder where no copy can be written.
        """
        if self.readonly:
            raise StoreError(
                f"read-only: the bundled store {str(self.path)!r} cannot be changed; get a writable "
                f"copy with `deerhabitat init --from-bundled my.gpkg` (or an empty store with "
                f"`deerhabitat init my.gpkg`) and pass --store my.gpkg"
            )
        atomic.check_writable(atomic.real_path(self.path), shown=str(self.path))
        if self.lock_timeout is None:
            resolve_lock_timeout()  # a bad $DEERHABITAT_LOCK_TIMEOUT is refused before any work too


class GpkgWriter(StoreWriter):
    """Writes into the temporary copy of a GeoPackage store inside :meth:`GpkgStore.transaction`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _current(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        if kind.table not in {name for name, _ in pyogrio.list_layers(self.path)}:
            return None
        return cast_to_spec(pyogrio.read_dataframe(self.path, layer=kind.table, use_arrow=True), kind)

    def _write_layer(self, kind: LayerKind, frame: gpd.GeoDataFrame) -> None:
        _write_frame(self.path, kind, frame)

    def record(self, kind: LayerKind, provenance: Provenance, result: WriteResult) -> None:
        """Append one row to the provenance table."""
        now = _utc_now()
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

    def load_rows(self, table: str, frame: pd.DataFrame) -> None:
        """Insert rows as they are (ids and times kept): the provenance or national report table."""
        ensure = {PROVENANCE_TABLE: _ensure_provenance, REPORTS_TABLE: _ensure_reports_table}[table]
        columns = [str(c) for c in frame.columns]
        rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]
        with contextlib.closing(sqlite3.connect(self.path)) as con:
            ensure(con)
            con.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
            )
            con.commit()

    def set_config(self, config: StoreConfig) -> None:
        """Replace the store's species settings."""
        with contextlib.closing(sqlite3.connect(self.path)) as con:
            con.execute(f"DELETE FROM {CONFIG_TABLE}")
            _write_config(con, config)
            con.commit()

    def register_rasters(self, records: Iterable[RasterRecord]) -> int:
        """Record rasters in the ``deerhabitat_rasters`` table (one row per role and file, latest wins).

        Paths are kept relative to the store's folder; an earlier entry of the same role and file
        (relative, or absolute as older versions wrote it) is replaced.

        Returns
        -------
        int
            Rows written.
        """
        now = _utc_now()
        rows = [(*astuple(r), now, __version__) for r in records]
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                _ensure_rasters_table(con)
                existing = con.execute(f"SELECT id, role, path FROM {RASTERS_TABLE}").fetchall()
                for row in rows:
                    target = _resolve_beside(self.path, row[1])
                    stale = [
                        (i,)
                        for i, role, path in existing
                        if role == row[0] and _resolve_beside(self.path, path) == target
                    ]
                    con.executemany(f"DELETE FROM {RASTERS_TABLE} WHERE id = ?", stale)
                con.executemany(
                    f"INSERT OR REPLACE INTO {RASTERS_TABLE} ({', '.join(_RASTER_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_RASTER_COLUMNS))})",
                    [(row[0], _relative_to_store(self.path, row[1]), *row[2:]) for row in rows],
                )
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot record rasters in the store ({exc}); check the store is a deerhabitat "
                f"GeoPackage you can write to."
            ) from exc
        return len(rows)

    def register_dataset_files(
        self, kind: LayerKind, added: Iterable[DatasetFile], *, removed: Iterable[str] = ()
    ) -> None:
        """Register new files of a big layer and forget ``removed`` ones (see the base class)."""
        now = _utc_now()
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                _ensure_datasets_table(con)
                gone = [(kind.value, _relative_to_store(self.path, p)) for p in removed]
                con.executemany(f"DELETE FROM {DATASETS_TABLE} WHERE layer = ? AND path = ?", gone)
                con.executemany(
                    f"INSERT OR REPLACE INTO {DATASETS_TABLE} ({', '.join(DATASET_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(DATASET_COLUMNS))})",
                    [
                        (kind.value, _relative_to_store(self.path, f.path), *astuple(f)[1:], now, __version__)
                        for f in added
                    ],
                )
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot register the {kind.value} files in {str(self.path)!r}: {exc}") from exc

    def write_styles(self, styles: Iterable[StyleRow]) -> int:
        """Store each style as the default QGIS style of its table; return how many styles changed.

        A table's earlier style of the same name is replaced; its other styles become non-default.
        Styles identical to the stored ones are left alone.

        Raises
        ------
        StoreError
            If a style names a table that is not a feature table of the GeoPackage, or SQLite fails.
        """
        changed = 0
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                _ensure_styles_table(con)
                geometry_columns = dict(
                    con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
                )
                for style in styles:
                    changed += _write_style(con, style, geometry_columns)
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write QGIS layer styles into {str(self.path)!r}: {exc}") from exc
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
        """Keep a national report whole, as the next version of its country and period.

        Parameters
        ----------
        report : dict
            The checked report.
        filename, fmt, content, sha256 : str, str, bytes, str
            The original file: name, format (``yaml`` or ``xlsx``), bytes and sha256.
        note : str, optional
            What the import wrote.

        Returns
        -------
        int
            The version given to this report.

        Raises
        ------
        StoreError
            If the table cannot be written.
        """
        head = report["report"]
        key = (head["country"], head["period_start"], head["period_end"])
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                _ensure_reports_table(con)
                (latest,) = con.execute(
                    f"SELECT COALESCE(MAX(version), 0) FROM {REPORTS_TABLE} WHERE country = ? "
                    "AND period_start = ? AND period_end = ?",
                    key,
                ).fetchone()
                con.execute(
                    f"INSERT INTO {REPORTS_TABLE} (country, period_start, period_end, version, "
                    "submitted, filename, format, sha256, size_bytes, original, parsed_json, imported_utc, "
                    "tool_version, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        *key,
                        latest + 1,
                        head["submitted"],
                        filename,
                        fmt,
                        sha256,
                        len(content),
                        content,
                        json.dumps(report, ensure_ascii=False),
                        _utc_now(),
                        __version__,
                        note,
                    ),
                )
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record the national report in {str(self.path)!r}: {exc}") from exc
        return int(latest) + 1

    def open_cycle(self, period: tuple[int, int], deadline: str, *, note: str = "") -> None:
        """Open the reporting cycle of ``period`` with its ``deadline`` (ISO date); again: change it.

        Raises
        ------
        StoreError
            If SQLite fails.
        """
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                con.execute(f"""CREATE TABLE IF NOT EXISTS {CYCLES_TABLE} (period_start INTEGER NOT NULL,
                    period_end INTEGER NOT NULL, deadline TEXT NOT NULL, opened_utc TEXT NOT NULL, note TEXT,
                    PRIMARY KEY (period_start, period_end))""")
                _register_contents(con, CYCLES_TABLE, "national reporting cycles: period and deadline")
                con.execute(
                    f"INSERT OR REPLACE INTO {CYCLES_TABLE} ({', '.join(_CYCLE_COLUMNS)}) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (*period, deadline, _utc_now(), note),
                )
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record the reporting cycle in {str(self.path)!r}: {exc}") from exc

    def set_report_text(self, name: str, text: str) -> None:
        """Keep ``text`` as the report text ``name`` (replacing the one set before).

        Raises
        ------
        StoreError
            If SQLite fails.
        """
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                con.execute(
                    f"CREATE TABLE IF NOT EXISTS {REPORT_TEXTS_TABLE} "
                    "(name TEXT PRIMARY KEY, text TEXT NOT NULL, set_utc TEXT NOT NULL)"
                )
                _register_contents(con, REPORT_TEXTS_TABLE, "Overview Report texts written by the author")
                con.execute(
                    f"INSERT OR REPLACE INTO {REPORT_TEXTS_TABLE} (name, text, set_utc) VALUES (?, ?, ?)",
                    (name, text, _utc_now()),
                )
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot keep the report text in {str(self.path)!r}: {exc}") from exc

    def write_work_programme(self, catalogue: pd.DataFrame) -> None:
        """Replace the store's Work Programme catalogue (text columns, kept in their order).

        Raises
        ------
        StoreError
            If SQLite fails.
        """
        columns = [str(c) for c in catalogue.columns]
        try:
            with contextlib.closing(sqlite3.connect(self.path)) as con:
                con.execute(f"DROP TABLE IF EXISTS {WORK_PROGRAMME_TABLE}")
                con.execute(
                    f"CREATE TABLE {WORK_PROGRAMME_TABLE} (position INTEGER PRIMARY KEY, "
                    + ", ".join(f'"{c}" TEXT NOT NULL' for c in columns)
                    + ")"
                )
                _register_contents(
                    con, WORK_PROGRAMME_TABLE, "Work Programme catalogue: actions, themes, indicators, states"
                )
                con.executemany(
                    f"INSERT INTO {WORK_PROGRAMME_TABLE} VALUES ({', '.join('?' * (len(columns) + 1))})",
                    [(i, *map(str, row)) for i, row in enumerate(catalogue.itertuples(index=False))],
                )
                con.commit()
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write the Work Programme catalogue in {str(self.path)!r}: {exc}"
            ) from exc


def _new_store_file(
    path: Path,
    fill: Callable[[Path], None],
    *,
    overwrite: bool,
    committed: Callable[[], None] | None = None,
) -> None:
    """Write a new store file at ``path`` through ``fill(tmp)``, under the writer lock, atomically.

    ``committed()`` runs once the new file is in place, still under the lock.
    """
    if path.suffix.lower() != ".gpkg":
        raise StoreError(f"store path {str(path)!r} must end in .gpkg (a GeoPackage)")
    target = atomic.real_path(path)
    with atomic.writer_lock(target, timeout=resolve_lock_timeout(), shown=str(path)):
        if target.exists() and not overwrite:
            raise StoreError(f"{str(path)!r} already exists; choose another path, or remove it first")
        atomic.check_writable(target, shown=str(path))
        with atomic.temporary_beside(target) as tmp:
            try:
                fill(tmp)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot create the store {str(path)!r}: {exc}") from exc
            atomic.replace_keeping_mode(tmp, target)
            if committed is not None:
                committed()


def _write_frame(path: Path, kind: LayerKind, frame: gpd.GeoDataFrame) -> None:
    frame, geometry_type = layer_geometry(kind, frame)
    try:
        pyogrio.write_dataframe(
            frame, path, layer=kind.table, driver="GPKG", use_arrow=True, geometry_type=geometry_type
        )
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise StoreError(f"cannot write the {kind.value} layer to {str(path)!r}: {exc}") from exc


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
    con.execute(_CONFIG_SCHEMA.format(table=CONFIG_TABLE))
    con.execute(
        f"INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
        f"('{CONFIG_TABLE}', 'attributes', '{CONFIG_TABLE}', 'deerhabitat species settings')"
    )
    _ensure_provenance(con)


_CONFIG_SCHEMA = """CREATE TABLE {table} (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
    value TEXT NOT NULL)"""
"""The settings table: an INTEGER primary key, as the GeoPackage standard asks (Req 119)."""


def _upgrade(path: Path) -> None:
    """Bring a store written by an older deerhabitat to the current schema (inside a transaction).

    Stores made by earlier versions keyed ``deerhabitat_config`` by its TEXT ``key`` column, which GDAL's
    GeoPackage validator refuses (Req 119: an attributes table needs an INTEGER primary key).
    """
    with contextlib.closing(sqlite3.connect(path)) as con:
        columns = {row[1]: row[5] for row in con.execute(f"PRAGMA table_info({CONFIG_TABLE})")}
        if columns.get("key") != 1:  # 'key' is not the primary key: already upgraded
            return
        con.execute(_CONFIG_SCHEMA.format(table="deerhabitat_config_upgrade"))
        con.execute(
            f"INSERT INTO deerhabitat_config_upgrade (key, value) SELECT key, value FROM {CONFIG_TABLE} "
            "ORDER BY rowid"
        )
        con.execute(f"DROP TABLE {CONFIG_TABLE}")
        con.execute(f"ALTER TABLE deerhabitat_config_upgrade RENAME TO {CONFIG_TABLE}")
        con.commit()
        log.info("upgraded the settings table of the store to an INTEGER primary key")


def _plain(value: Any) -> Any:
    """A value SQLite takes: numpy scalars as Python ones, missing values as NULL."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


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


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    found = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def _register_contents(con: sqlite3.Connection, table: str, description: str) -> None:
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, ?)",
        (table, table, description),
    )


def _relative_to_store(store: Path, path: str) -> str:
    """``path`` relative to the folder of the store's real file (absolute if that is impossible)."""
    folder = store.resolve().parent
    try:
        return Path(os.path.relpath(Path(path).resolve(), folder)).as_posix()
    except ValueError:  # another drive on Windows
        return str(Path(path).resolve())


def _resolve_beside(store: Path, path: str) -> Path:
    """An absolute path for a registry entry, relative ones taken from the store's real folder."""
    entry = Path(path)
    if entry.is_absolute():
        return entry
    return Path(os.path.normpath(store.resolve().parent / entry))


def _ensure_rasters_table(con: sqlite3.Connection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {RASTERS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,
        role TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, crs_name TEXT, crs_wkt TEXT,
        width INTEGER, height INTEGER, transform TEXT, dtype TEXT, nodata REAL, command TEXT,
        time_utc TEXT NOT NULL, tool_version TEXT NOT NULL, UNIQUE (role, path))""")
    _register_contents(
        con, RASTERS_TABLE, "GeoTIFF rasters used or made by deerhabitat: role, path, sha256, CRS and grid"
    )


class _DatasetCopies:
    """The GeoParquet files of a store's big layers copied beside a new store, all or nothing.

    The copy must not share the original's files (an import into it rewrites and removes files).
    Each registered file is copied under a temporary name into the new store's own folder, its
    sha256 checked against the registry, and renamed to a name no file of the target's folder holds
    (so a store being overwritten keeps its own files until the new one is in place). The registry
    rows are written into the new store file (paths relative to it). :meth:`committed` then removes
    the files the overwritten store registered; :meth:`discard` removes every copied file after a
    failure, which leaves the target as it was.
    """

    def __init__(self, original: GpkgStore, target: Path) -> None:
        self.original = original
        self.target = target
        self.written: list[Path] = []
        self.replaced: dict[LayerKind, list[str]] = {}

    def forget_target(self) -> None:
        """Note the files of the store at the target (if any), removed once the copy is committed."""
        if not self.target.is_file():
            return
        try:
            files = GpkgStore(self.target).dataset_files()
        except (StoreError, sqlite3.Error, pd.errors.DatabaseError):
            return
        for layer, group in files.groupby("layer", sort=False):
            self.replaced[LayerKind(str(layer))] = [str(p) for p in group["path"]]

    def copy(self, tmp: Path, writer: GpkgWriter) -> None:
        """Copy, check and register every file of the original's big layers in the new store ``tmp``."""
        from deerhabitat.io.datasets import dataset_folder

        files = self.original.dataset_files()
        if not len(files):
            return
        with contextlib.closing(sqlite3.connect(tmp)) as con:
            # the rows copied with the file name the original's files; the copy registers its own
            con.execute(f"DELETE FROM {DATASETS_TABLE}")
            con.commit()
        token = os.urandom(4).hex()
        for layer, group in files.groupby("layer", sort=False):
            kind = LayerKind(str(layer))
            source = dataset_folder(self.original.path, kind)
            folder = dataset_folder(self.target, kind)
            added = [self._copy_file(row, source, folder, token) for row in group.itertuples(index=False)]
            writer.register_dataset_files(kind, added)

    def _copy_file(self, row: Any, source: Path, folder: Path, token: str) -> DatasetFile:
        old = Path(str(row.path))
        new = folder / old.relative_to(source)
        if new.exists():
            new = new.with_name(f"{new.stem}-copy{token}{new.suffix}")
        tmp = new.with_name(f".{new.name}.tmp")
        try:
            new.parent.mkdir(parents=True, exist_ok=True)
            self.written.append(tmp)
            shutil.copyfile(old, tmp)
        except OSError as exc:
            raise StoreError(
                f"cannot copy {str(old)!r} to {str(tmp)!r} ({exc.strerror or exc}); check that the file "
                f"exists and the folder beside the new store is writable and has room"
            ) from exc
        digest = file_sha256(tmp)
        if digest != str(row.sha256):
            raise StoreError(
                f"{str(old)!r} is not the file the store registered (sha256 {digest[:12]}..., registered "
                f"{str(row.sha256)[:12]}...); it was changed outside deerhabitat: re-import the "
                f"{source.name.split('.')[-1]} layer before copying the store"
            )
        os.replace(tmp, new)
        self.written.append(new)
        return DatasetFile(
            str(new), int(row.partition), str(row.sha256), int(row.rows), float(row.min_x),
            float(row.min_y), float(row.max_x), float(row.max_y), str(row.time_min),
            str(row.time_max), str(row.batch),
        )  # fmt: skip

    def committed(self) -> None:
        """Remove the files of the store the copy replaced (the copy's own files are kept)."""
        from deerhabitat.io.datasets import dataset_folder, remove_files

        mine = {str(p) for p in self.written}
        for kind, paths in self.replaced.items():
            remove_files([p for p in paths if p not in mine], dataset_folder(self.target, kind))
        self.written = []

    def discard(self) -> None:
        """Remove every file copied so far (after a failure): the target's folder is as it was."""
        from deerhabitat.io.datasets import _remove_empty_folders, dataset_folder

        for path in self.written:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for kind in {*self.replaced, *(LayerKind(str(k)) for k in self.original.dataset_files()["layer"])}:
            _remove_empty_folders(dataset_folder(self.target, kind))
        self.written = []


def _ensure_datasets_table(con: sqlite3.Connection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {DATASETS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,
        layer TEXT NOT NULL, path TEXT NOT NULL, partition INTEGER NOT NULL, sha256 TEXT NOT NULL,
        rows INTEGER NOT NULL, min_x REAL, min_y REAL, max_x REAL, max_y REAL, time_min TEXT, time_max TEXT,
        batch TEXT NOT NULL, time_utc TEXT NOT NULL, tool_version TEXT NOT NULL, UNIQUE (layer, path))""")
    _register_contents(
        con,
        DATASETS_TABLE,
        "GeoParquet files of big layers beside the store: path, sha256, rows, bbox, time span",
    )


def _ensure_styles_table(con: sqlite3.Connection) -> None:
    """QGIS's own ``layer_styles`` schema (the table "Save as default" creates in a GeoPackage)."""
    con.execute(f"""CREATE TABLE IF NOT EXISTS {STYLES_TABLE} (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
        f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
        useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
        update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))""")
    _register_contents(con, STYLES_TABLE, "QGIS layer styles")


def _write_style(con: sqlite3.Connection, style: StyleRow, geometry_columns: dict[str, str]) -> int:
    if style.table not in geometry_columns:
        raise StoreError(
            f"cannot store a QGIS style for table {style.table!r}: it is not a feature table of the "
            f"store (feature tables: {', '.join(sorted(geometry_columns)) or 'none'})"
        )
    current = con.execute(
        f"SELECT styleQML, styleSLD FROM {STYLES_TABLE} WHERE f_table_name = ? AND styleName = ? "
        f"AND useAsDefault",
        (style.table, style.name),
    ).fetchall()
    if current == [(style.qml, style.sld)]:
        return 0
    con.execute(f"UPDATE {STYLES_TABLE} SET useAsDefault = 0 WHERE f_table_name = ?", (style.table,))
    con.execute(
        f"DELETE FROM {STYLES_TABLE} WHERE f_table_name = ? AND styleName = ?", (style.table, style.name)
    )
    con.execute(
        f"INSERT INTO {STYLES_TABLE} (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
        f"styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
        f"VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '')",
        (style.table, geometry_columns[style.table], style.name, style.qml, style.sld, style.description),
    )
    return 1


def _ensure_reports_table(con: sqlite3.Connection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {REPORTS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,
        country TEXT NOT NULL, period_start INTEGER NOT NULL, period_end INTEGER NOT NULL,
        version INTEGER NOT NULL, submitted TEXT NOT NULL, filename TEXT NOT NULL, format TEXT NOT NULL,
        sha256 TEXT NOT NULL, size_bytes INTEGER NOT NULL, original BLOB NOT NULL, parsed_json TEXT NOT NULL,
        imported_utc TEXT NOT NULL, tool_version TEXT NOT NULL, note TEXT,
        UNIQUE (country, period_start, period_end, version))""")
    _register_contents(
        con,
        REPORTS_TABLE,
        "national reports kept whole: original file, parsed JSON, country, period, version",
    )
