"""The store: the one module that owns every table of the GeoPackage, behind one API.

Tables: one feature table per layer kind (:mod:`deerhabitat.schema`), ``deerhabitat_config`` (the
species settings), ``deerhabitat_provenance`` (one row per write), ``deerhabitat_rasters`` (the
GeoTIFFs a command used or made), ``layer_styles`` (QGIS's default styles),
``deerhabitat_national_reports`` (national reports kept whole, versioned),
``deerhabitat_reporting_cycles`` (reporting periods and deadlines) and ``deerhabitat_work_programme``
(the store's own Work Programme catalogue).

The API is :class:`Store` for reads (``read``, ``layers``, ``provenance``, ``config``, ``rasters``,
``styles``, ``national_reports``, ``national_report``, ``reporting_cycles``, ``work_programme``) and
:class:`StoreWriter`, given by :meth:`Store.transaction`, for writes (``write``, ``set_config``,
``register_rasters``, ``write_styles``, ``add_national_report``, ``open_cycle``,
``write_work_programme``). Nothing outside this module opens the GeoPackage with
SQL, so another backend (PostGIS) can sit behind the same two classes.

Every change goes through :meth:`Store.transaction`: the GeoPackage is copied to a temporary file
beside it, all writes go to the copy, and the copy replaces the original with one atomic
``os.replace`` when the block succeeds. A failure, or a process killed mid-way, leaves the
original file byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from deerhabitat._version import __version__
from deerhabitat.config import StoreConfig
from deerhabitat.config import lock_timeout as resolve_lock_timeout
from deerhabitat.crs import STORE_CRS, require_crs
from deerhabitat.errors import LayerNotFoundError, StoreError
from deerhabitat.io import atomic
from deerhabitat.nrschema import period_label
from deerhabitat.schema import SPECS, LayerKind

log = logging.getLogger(__name__)

CONFIG_TABLE = "deerhabitat_config"
PROVENANCE_TABLE = "deerhabitat_provenance"
RASTERS_TABLE = "deerhabitat_rasters"
STYLES_TABLE = "layer_styles"
REPORTS_TABLE = "deerhabitat_national_reports"
CYCLES_TABLE = "deerhabitat_reporting_cycles"
"""The reporting cycles the Secretariat opened: one row per period, with its deadline."""
WORK_PROGRAMME_TABLE = "deerhabitat_work_programme"
"""The store's own Work Programme catalogue (when absent, the bundled one serves)."""
REPORT_TEXTS_TABLE = "deerhabitat_report_texts"
"""Texts the author writes for the Overview Report (``conclusions``...), by name."""
REPORT_TEXT_NAMES = ("conclusions",)
"""Names of the report texts a store can hold."""
_CYCLE_COLUMNS = ("period_start", "period_end", "deadline", "opened_utc", "note")
_PROVENANCE_COLUMNS = (
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
)
_RASTER_COLUMNS = (
    "role",
    "path",
    "sha256",
    "crs_name",
    "crs_wkt",
    "width",
    "height",
    "transform",
    "dtype",
    "nodata",
    "command",
    "time_utc",
    "tool_version",
)
_REPORT_COLUMNS = (
    "id",
    "country",
    "period_start",
    "period_end",
    "version",
    "submitted",
    "filename",
    "format",
    "sha256",
    "size_bytes",
    "imported_utc",
    "tool_version",
    "note",
)
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


@dataclass(frozen=True)
class RasterRecord:
    """One raster registered in a store: what it is for and exactly which file it was."""

    role: str
    path: str
    sha256: str
    crs_name: str
    crs_wkt: str
    width: int
    height: int
    transform: str
    dtype: str
    nodata: float | None
    command: str = ""


@dataclass(frozen=True)
class StyleRow:
    """One QGIS style to store: the table it styles, its name, QML and SLD text, and a description."""

    table: str
    name: str
    qml: str
    sld: str
    description: str = ""


@dataclass(frozen=True)
class StoredReport:
    """One version of a national report as kept in the store.

    Attributes
    ----------
    country : str
        ISO3 code.
    period_start, period_end : int
        The reporting period.
    version : int
        1 for the first import of this country and period, then 2, 3 ...
    submitted : str
        Submission date (ISO text).
    filename, format, sha256 : str
        The original file's name, format (``yaml`` or ``xlsx``) and sha256.
    original : bytes
        The original file, byte for byte.
    report : dict
        The parsed, checked report (see :func:`deerhabitat.nrschema.check_report`).
    imported_utc, tool_version, note : str
        When and by which deerhabitat version it was imported; what the import wrote.
    """

    country: str
    period_start: int
    period_end: int
    version: int
    submitted: str
    filename: str
    format: str
    sha256: str
    original: bytes
    report: dict
    imported_utc: str
    tool_version: str
    note: str

    @property
    def period(self) -> str:
        """The period as text (``2020-2023``)."""
        return period_label(self.period_start, self.period_end)


class Store:
    """A deerhabitat store: one GeoPackage file.

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
        self.readonly = readonly
        self.lock_timeout = lock_timeout
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
    ) -> Store:
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

        def fill(tmp: Path) -> None:
            shutil.copyfile(original.path, tmp)
            StoreWriter(tmp).set_config(config)

        _new_store_file(Path(path), fill, overwrite=False)
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

    def national_reports(self) -> pd.DataFrame:
        """List the national reports kept in the store (without the files), oldest period first.

        Returns
        -------
        pandas.DataFrame
            Columns ``country``, ``period_start``, ``period_end``, ``period`` (text), ``version``,
            ``latest`` (bool: the version that wins), ``submitted``, ``filename``, ``format``,
            ``sha256``, ``size_bytes``, ``imported_utc``, ``tool_version``, ``note``; sorted by
            country, period and version. Empty (same columns) when the store holds no report.
        """
        with contextlib.closing(_connect_ro(self.path)) as con:
            if not _has_table(con, REPORTS_TABLE):
                frame = pd.DataFrame(columns=list(_REPORT_COLUMNS))
            else:
                frame = pd.read_sql_query(f"SELECT {', '.join(_REPORT_COLUMNS)} FROM {REPORTS_TABLE}", con)
        frame = frame.drop(columns="id").sort_values(["country", "period_start", "period_end", "version"])
        frame.insert(
            3,
            "period",
            [
                period_label(int(s), int(e))
                for s, e in zip(frame["period_start"], frame["period_end"], strict=True)
            ],
        )
        latest = frame.groupby(["country", "period_start", "period_end"])["version"].transform("max")
        frame.insert(5, "latest", frame["version"] == latest)
        return frame.reset_index(drop=True)

    def national_report(
        self, country: str, *, period: tuple[int, int] | None = None, version: int | None = None
    ) -> StoredReport:
        """Read one national report kept in the store, with its original file and parsed form.

        Parameters
        ----------
        country : str
            ISO3 code.
        period : tuple of int, optional
            ``(period_start, period_end)``; default the latest period reported by the country.
        version : int, optional
            Default the latest version of that period.

        Raises
        ------
        LayerNotFoundError
            If no such report is kept; the message lists the reports that are.
        """
        where: list[str] = ["country = ?"]
        args: list[str | int] = [country]
        if period is not None:
            where.append("period_start = ? AND period_end = ?")
            args += list(period)
        if version is not None:
            where.append("version = ?")
            args.append(version)
        with contextlib.closing(_connect_ro(self.path)) as con:
            row = (
                con.execute(
                    "SELECT country, period_start, period_end, version, submitted, filename, format, "
                    f"sha256, original, parsed_json, imported_utc, tool_version, note FROM {REPORTS_TABLE} "
                    f"WHERE {' AND '.join(where)} "
                    f"ORDER BY period_end DESC, period_start DESC, version DESC LIMIT 1",
                    args,
                ).fetchone()
                if _has_table(con, REPORTS_TABLE)
                else None
            )
        if row is None:
            kept = self.national_reports()
            listed = (
                ", ".join(
                    f"{c} {p} v{v}"
                    for c, p, v in zip(kept["country"], kept["period"], kept["version"], strict=True)
                )
                or "none"
            )
            asked = " ".join(
                str(x) for x in (country, period and period_label(*period), version and f"v{version}") if x
            )
            raise LayerNotFoundError(
                f"no national report {asked} in the store {self.path.name!r} (kept: {listed}); "
                f"import it with `deerhabitat national-report import FILE`"
            )
        country, start, end, number, submitted, filename, fmt, sha256 = row[:8]
        original, parsed, imported, tool, note = row[8:]
        return StoredReport(
            country,
            int(start),
            int(end),
            int(number),
            submitted,
            filename,
            fmt,
            sha256,
            original=bytes(original),
            report=json.loads(parsed),
            imported_utc=imported,
            tool_version=tool,
            note=note or "",
        )

    def reporting_cycles(self) -> pd.DataFrame:
        """The reporting cycles opened in the store, oldest period first.

        Returns
        -------
        pandas.DataFrame
            Columns ``period_start, period_end, period, deadline, opened_utc, note``; empty when no
            cycle was opened.
        """
        with contextlib.closing(_connect_ro(self.path)) as con:
            if _has_table(con, CYCLES_TABLE):
                frame = pd.read_sql_query(f"SELECT {', '.join(_CYCLE_COLUMNS)} FROM {CYCLES_TABLE}", con)
            else:
                frame = pd.DataFrame(columns=list(_CYCLE_COLUMNS))
        frame = frame.sort_values(["period_end", "period_start"]).reset_index(drop=True)
        frame.insert(
            2,
            "period",
            [
                period_label(int(s), int(e))
                for s, e in zip(frame["period_start"], frame["period_end"], strict=True)
            ],
        )
        frame["note"] = frame["note"].fillna("")
        return frame

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
                yield StoreWriter(tmp)
                atomic.replace_keeping_mode(tmp, target)
        self._tables = self._read_tables()

    @property
    def writable(self) -> bool:
        """Whether a write would be accepted (see :meth:`check_writable`)."""
        try:
            self.check_writable()
        except StoreError:
            return False
        return True

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


def _new_store_file(path: Path, fill: Callable[[Path], None], *, overwrite: bool) -> None:
    """Write a new store file at ``path`` through ``fill(tmp)``, under the writer lock, atomically."""
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


def _utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
