"""The store: one API over the backends that hold a deerhabitat store (GeoPackage file, PostGIS database).

Tables (the same on every backend): one feature table per layer kind (:mod:`deerhabitat.schema`),
``deerhabitat_config`` (the species settings), ``deerhabitat_provenance`` (one row per write),
``deerhabitat_rasters`` (the GeoTIFFs a command used or made), ``layer_styles`` (QGIS's default styles),
``deerhabitat_national_reports`` (national reports kept whole, versioned),
``deerhabitat_reporting_cycles`` (reporting periods and deadlines), ``deerhabitat_work_programme``
(the store's own Work Programme catalogue), ``deerhabitat_report_texts`` and ``deerhabitat_datasets``
(the GeoParquet files of big layers such as occurrences, kept in a folder beside a GeoPackage store:
:mod:`deerhabitat.io.datasets`).

The API is :class:`Store` for reads (``read``, ``layers``, ``provenance``, ``config``, ``rasters``,
``styles``, ``national_reports``, ``national_report``, ``reporting_cycles``, ``work_programme``,
``dataset_files``) and
:class:`StoreWriter`, given by :meth:`Store.transaction`, for writes (``write``, ``set_config``,
``register_rasters``, ``register_dataset_files``, ``write_styles``, ``add_national_report``, ``open_cycle``,
``write_work_programme``). ``Store(location)`` opens the backend the location names: a
``postgresql://`` URL opens :class:`deerhabitat.io.postgis_store.PostgisStore`, anything else the
GeoPackage :class:`deerhabitat.io.gpkg_store.GpkgStore`. Nothing outside the backend modules speaks
SQL to a store.

Every change goes through :meth:`Store.transaction`, all or nothing: the GeoPackage writes a copy
that replaces the file atomically; PostGIS uses one database transaction.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from deerhabitat.config import StoreConfig
from deerhabitat.crs import STORE_CRS, require_crs
from deerhabitat.errors import LayerNotFoundError, StoreError
from deerhabitat.nrschema import period_label
from deerhabitat.schema import SPECS, TABLE_KINDS, LayerKind

if TYPE_CHECKING:  # pragma: no cover
    pass

log = logging.getLogger(__name__)

CONFIG_TABLE = "deerhabitat_config"
PROVENANCE_TABLE = "deerhabitat_provenance"
RASTERS_TABLE = "deerhabitat_rasters"
DATASETS_TABLE = "deerhabitat_datasets"
"""The files of big layers (occurrences) kept as GeoParquet beside the store: one row per file."""
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
DATASET_COLUMNS = (
    "layer",
    "path",
    "partition",
    "sha256",
    "rows",
    "min_x",
    "min_y",
    "max_x",
    "max_y",
    "time_min",
    "time_max",
    "batch",
    "time_utc",
    "tool_version",
)
"""Columns of :meth:`Store.dataset_files`."""
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
REPORT_ROW_COLUMNS = (
    "country",
    "period_start",
    "period_end",
    "version",
    "submitted",
    "filename",
    "format",
    "sha256",
    "original",
    "parsed_json",
    "imported_utc",
    "tool_version",
    "note",
)
"""The columns of one national report read whole, in the order :meth:`Store.national_report` takes."""
_PANDAS_DTYPES = {
    "str": "string",
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
    "date": "string",
    "timestamp": "string",
}


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
class DatasetFile:
    """One GeoParquet file of a big layer, as registered in the store.

    Attributes
    ----------
    path : str
        The file (kept relative to the store's folder).
    partition : int
        The year of every record in the file (its ``year=YYYY`` folder).
    sha256 : str
        sha256 of the file.
    rows : int
        Records in the file.
    min_x, min_y, max_x, max_y : float
        Bounding box of its points (EPSG:4326).
    time_min, time_max : str
        Earliest and latest ``date`` (ISO text).
    batch : str
        The import that wrote it.
    """

    path: str
    partition: int
    sha256: str
    rows: int
    min_x: float
    min_y: float
    max_x: float
    max_y: float
    time_min: str
    time_max: str
    batch: str


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


StoreLocation = str | os.PathLike
"""What ``--store`` takes: a GeoPackage path, or a ``postgresql://user@host:port/db`` URL."""

_URL_SCHEMES = ("postgresql://", "postgres://")
_PASSWORD = re.compile(r"^(?P<head>[a-z]+://[^:/@]*:)(?P<secret>[^@]*)(?P<tail>@.*)$", re.IGNORECASE)


def is_database_url(location: object) -> bool:
    """Whether a store location names a PostGIS database (``postgresql://...``) rather than a file."""
    return isinstance(location, str) and location.lower().startswith(_URL_SCHEMES)


def shown_location(location: StoreLocation) -> str:
    """The location as messages show it: a URL's password replaced by ``***``.

    Examples
    --------
    >>> shown_location("postgresql://ana:s3cret@db:5432/deer")
    'postgresql://ana:***@db:5432/deer'
    """
    text = os.fspath(location)
    if not is_database_url(text):
        return text
    text = re.sub(r"(?i)(password=)[^&\s]*", r"\1***", text)
    return _PASSWORD.sub(r"\g<head>***\g<tail>", text)


class Store:
    """A deerhabitat store, on the backend its location names.

    ``Store(location)`` gives a :class:`deerhabitat.io.gpkg_store.GpkgStore` for a GeoPackage path and a
    :class:`deerhabitat.io.postgis_store.PostgisStore` for a ``postgresql://`` URL.

    Parameters
    ----------
    location : path-like or str
        The GeoPackage file, or the database URL. It must hold a store (create one with
        :meth:`Store.create`).
    readonly : bool, default False
        Refuse every write (the bundled store is opened this way).
    lock_timeout : float, optional
        Seconds a transaction waits for another writer; default
        :func:`deerhabitat.config.lock_timeout` (``--lock-timeout``, ``$DEERHABITAT_LOCK_TIMEOUT``).

    Attributes
    ----------
    location : pathlib.Path or str
        What reopens the store (the file, or the URL as given).
    shown : str
        The location for messages (a password masked).
    name : str
        A short name: the file name, or the database name.
    folder : pathlib.Path
        Where files that belong beside the store go (rasters a command makes, relative raster
        paths): the file's folder for a GeoPackage, the current folder for a database.

    Raises
    ------
    StoreError
        If the location holds no deerhabitat store.
    """

    location: Path | str
    shown: str
    name: str
    readonly: bool
    lock_timeout: float | None

    def __new__(cls, location: StoreLocation | None = None, /, *args: Any, **kwargs: Any) -> Store:  # noqa: D102
        if cls is Store:  # no location: pickle and copy make a backend's object without one
            if location is None:
                raise TypeError("Store() needs a location: a GeoPackage path or a postgresql:// URL")
            cls = _backend(location)
        return super().__new__(cls)

    # -- creation -----------------------------------------------------------------------------------
    @classmethod
    def create(
        cls, location: StoreLocation, /, *, config: StoreConfig | None = None, overwrite: bool = False
    ) -> Store:
        """Create a new, empty store at ``location`` (a ``.gpkg`` path or a database URL).

        Raises
        ------
        StoreError
            If the location holds a store (or anything else) and ``overwrite`` is False, or cannot
            be written.
        """
        return _backend(location).create(location, config=config, overwrite=overwrite)

    @classmethod
    def copy(
        cls,
        source: StoreLocation,
        path: StoreLocation,
        /,
        *,
        analysis_crs: str | None = None,
        species: str | None = None,
    ) -> Store:
        """Create a new, writable store at ``path`` holding a copy of the store ``source``.

        ``deerhabitat init --from-bundled`` copies the bundled (read-only) store this way.

        Raises
        ------
        StoreError
            If ``source`` is not a store, or ``path`` holds one or cannot be written.
        """
        from deerhabitat.io.store_copy import copy_store

        return copy_store(source, path, analysis_crs=analysis_crs, species=species)

    # -- reading ------------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """Where files that belong beside the store go (see the class attributes)."""
        return Path.cwd()

    @property
    def config(self) -> StoreConfig:
        """The species settings of this store."""
        raise NotImplementedError

    def feature_tables(self) -> set[str]:
        """The feature tables present (the layer kinds' table names)."""
        raise NotImplementedError

    def has(self, kind: LayerKind) -> bool:
        """Whether the store holds a layer of ``kind`` (a big layer: at least one registered file)."""
        kind = LayerKind(kind)
        if kind.is_dataset:
            return not self.dataset_files(kind).empty
        return kind.table in self.feature_tables()

    def kinds(self) -> list[LayerKind]:
        """The layer kinds kept as tables in the store, in schema order (big layers: :meth:`has`)."""
        tables = self.feature_tables()
        return [k for k in TABLE_KINDS if k.table in tables]

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
            present = ", ".join(i.name for i in self.layers()) or "none"
            raise LayerNotFoundError(
                f"the store {self.name!r} has no {kind.value!r} layer (layers: "
                f"{present}); import one with `deerhabitat import {kind.value} FILE`"
            )
        if kind.is_dataset:
            from deerhabitat.io.datasets import read_dataset

            return cast_to_spec(read_dataset(self, kind), kind)
        return cast_to_spec(self._read_layer(kind), kind)

    def _read_layer(self, kind: LayerKind) -> gpd.GeoDataFrame:
        raise NotImplementedError

    def read_all(self) -> dict[LayerKind, gpd.GeoDataFrame]:
        """Read every layer kept as a table, keyed by kind (big layers are read lazily: io.datasets)."""
        return {kind: self.read(kind) for kind in self.kinds()}

    def layers(self) -> list[LayerInfo]:
        """List the layers with feature count, geometry type, CRS and latest provenance."""
        raise NotImplementedError

    def provenance(self) -> pd.DataFrame:
        """The provenance log: one row per write, oldest first."""
        raise NotImplementedError

    def dataset_files(self, kind: LayerKind | None = None) -> pd.DataFrame:
        """The registered GeoParquet files of big layers (of ``kind``, else of all), by layer and path.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`DATASET_COLUMNS`; ``path`` is absolute (entries are kept relative to
            :attr:`folder`). Empty when there are none (always, on a backend that keeps no big layer).
        """
        return pd.DataFrame(columns=list(DATASET_COLUMNS))

    def _dataset_layers(self, latest: pd.DataFrame) -> list[LayerInfo]:
        """:meth:`layers` entries of the big layers, from the registry and the latest provenance rows."""
        info = []
        for layer, group in self.dataset_files().groupby("layer", sort=False):
            row = latest.loc[layer] if layer in latest.index else None
            info.append(
                LayerInfo(
                    name=str(layer),
                    table=f"{DATASETS_TABLE} (GeoParquet, {len(group)} file(s))",
                    count=int(group["rows"].astype(int).sum()),
                    geometry_type="Point",
                    crs=STORE_CRS.to_string(),
                    source_file=None if row is None else row["source_file"],
                    sha256=None if row is None else row["sha256"],
                    updated_utc=None if row is None else row["time_utc"],
                    tool_version=None if row is None else row["tool_version"],
                )
            )
        return info

    def rasters(self) -> pd.DataFrame:
        """The rasters registered in the store, sorted by role and path (empty when there are none).

        Returns
        -------
        pandas.DataFrame
            Columns ``role, path, sha256, crs_name, crs_wkt, width, height, transform, dtype, nodata,
            command, time_utc, tool_version``; ``path`` is absolute (entries are kept relative to
            :attr:`folder`, so a store moved with its rasters still finds them).
        """
        raise NotImplementedError

    def styles(self) -> dict[str, dict[str, str]]:
        """The default QGIS style of each table: ``{table: {"name", "qml", "sld"}}`` (empty if none)."""
        raise NotImplementedError

    def _report_records(self, *, with_files: bool) -> pd.DataFrame:
        """The national report table (``original`` and ``parsed_json`` too with ``with_files``)."""
        raise NotImplementedError

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
        frame = self._report_records(with_files=False)[list(_REPORT_COLUMNS)]
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
        row = self._report_row(country, period, version)
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
                f"no national report {asked} in the store {self.name!r} (kept: {listed}); "
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

    def _report_row(
        self, country: str, period: tuple[int, int] | None, version: int | None
    ) -> tuple[Any, ...] | None:
        """The latest report row matching, as ``REPORT_ROW_COLUMNS``, or None."""
        frame = self._report_records(with_files=True)
        frame = frame[frame["country"] == country]
        if period is not None:
            frame = frame[(frame["period_start"] == period[0]) & (frame["period_end"] == period[1])]
        if version is not None:
            frame = frame[frame["version"] == version]
        if frame.empty:
            return None
        frame = frame.sort_values(["period_end", "period_start", "version"], ascending=False)
        return tuple(frame.iloc[0][list(REPORT_ROW_COLUMNS)])

    def _cycle_records(self) -> pd.DataFrame:
        raise NotImplementedError

    def reporting_cycles(self) -> pd.DataFrame:
        """The reporting cycles opened in the store, oldest period first.

        Returns
        -------
        pandas.DataFrame
            Columns ``period_start, period_end, period, deadline, opened_utc, note``; empty when no
            cycle was opened.
        """
        frame = self._cycle_records()
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
        raise NotImplementedError

    def work_programme(self) -> pd.DataFrame | None:
        """The store's own Work Programme catalogue, in its order, or None when it holds none."""
        raise NotImplementedError

    def content_key(self) -> str:
        """A sha256 that changes whenever the store's content does (for caches of derived results)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Read in one consistent view: every read inside the block sees the same committed state."""
        yield

    # -- writing ------------------------------------------------------------------------------------
    def transaction(self) -> contextlib.AbstractContextManager[StoreWriter]:
        """Open a transaction: every write in the block is kept only if the block succeeds.

        Writers of the same store (PostGIS: of the same layer) take turns; one that waits longer
        than :attr:`lock_timeout` gets a :class:`StoreError` naming what it waited for.

        Examples
        --------
        ``with store.transaction() as tx: tx.write(LayerKind.SITES, sites, provenance=...)``
        """
        raise NotImplementedError

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
            ``read-only: ...`` when the store cannot be written.
        """
        raise NotImplementedError

    def write(
        self, kind: LayerKind, frame: gpd.GeoDataFrame, *, provenance: Provenance, mode: str = "upsert"
    ) -> WriteResult:
        """Write one layer in its own transaction (see :meth:`StoreWriter.write`)."""
        with self.transaction() as tx:
            return tx.write(kind, frame, provenance=provenance, mode=mode)


class StoreWriter:
    """Writes into a store inside :meth:`Store.transaction` (each backend gives its own)."""

    def _current(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        """The layer of ``kind`` as the transaction sees it, or None when absent."""
        raise NotImplementedError

    def _write_layer(self, kind: LayerKind, frame: gpd.GeoDataFrame) -> None:
        """Replace the layer of ``kind`` by ``frame`` (sorted, in EPSG:4326)."""
        raise NotImplementedError

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
        if kind.is_dataset:
            raise StoreError(
                f"the {kind.value} layer is kept as GeoParquet beside the store; write it with "
                f"deerhabitat.io.datasets (`deerhabitat import gbif|movebank FILE`)"
            )
        crs = require_crs(frame, what=f"the {kind.value} layer")
        if crs != STORE_CRS:
            raise StoreError(
                f"the {kind.value} layer is in {crs.name!r}; the store holds EPSG:4326 only; "
                f"reproject with `frame.to_crs(4326)` first"
            )
        self._lock_layer(kind)
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
        self._write_layer(kind, merged)
        result = WriteResult(kind, added=len(incoming_ids) - updated, updated=updated, total=len(merged))
        self.record(kind, provenance, result)
        return result

    def _lock_layer(self, kind: LayerKind) -> None:
        """Wait for other writers of ``kind`` (the GeoPackage locks the whole file instead)."""

    def record(self, kind: LayerKind, provenance: Provenance, result: WriteResult) -> None:
        """Append one row to the provenance table."""
        raise NotImplementedError

    def load_rows(self, table: str, frame: pd.DataFrame) -> None:
        """Insert rows as they are, ids and times kept (``deerhabitat copy``: provenance, reports)."""
        raise NotImplementedError

    def set_config(self, config: StoreConfig) -> None:
        """Replace the store's species settings."""
        raise NotImplementedError

    def register_rasters(self, records: Iterable[RasterRecord]) -> int:
        """Record rasters in the ``deerhabitat_rasters`` table (one row per role and file, latest wins).

        Paths are kept relative to the store's folder; an earlier entry of the same role and file
        (relative, or absolute as older versions wrote it) is replaced.

        Returns
        -------
        int
            Rows written.
        """
        raise NotImplementedError

    def register_dataset_files(
        self, kind: LayerKind, added: Iterable[DatasetFile], *, removed: Iterable[str] = ()
    ) -> None:
        """Register the new files of a big layer and forget ``removed`` ones (paths), in this transaction.

        Paths are kept relative to the store's folder. The files themselves are written (and removed)
        by :mod:`deerhabitat.io.datasets`; the registry is what readers trust.

        Raises
        ------
        StoreError
            If the backend keeps no big layers, or the registry cannot be written.
        """
        raise StoreError(
            f"this store cannot keep the {kind.value} layer (GeoParquet files beside the store need a "
            f"GeoPackage store); import it into a .gpkg store"
        )

    def write_styles(self, styles: Iterable[StyleRow]) -> int:
        """Store each style as the default QGIS style of its table; return how many styles changed.

        A table's earlier style of the same name is replaced; its other styles become non-default.
        Styles identical to the stored ones are left alone.

        Raises
        ------
        StoreError
            If a style names a table that is not a feature table of the store.
        """
        raise NotImplementedError

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
        """
        raise NotImplementedError

    def open_cycle(self, period: tuple[int, int], deadline: str, *, note: str = "") -> None:
        """Open the reporting cycle of ``period`` with its ``deadline`` (ISO date); again: change it."""
        raise NotImplementedError

    def set_report_text(self, name: str, text: str) -> None:
        """Keep ``text`` as the report text ``name`` (replacing the one set before)."""
        raise NotImplementedError

    def write_work_programme(self, catalogue: pd.DataFrame) -> None:
        """Replace the store's Work Programme catalogue (text columns, kept in their order)."""
        raise NotImplementedError


def _backend(location: StoreLocation) -> type[Store]:
    if is_database_url(location):
        from deerhabitat.io.postgis_store import PostgisStore

        return PostgisStore
    from deerhabitat.io.gpkg_store import GpkgStore

    return GpkgStore


def layer_geometry(kind: LayerKind, frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """The frame as stored, and the geometry type its table declares.

    Polygons and lines are promoted to multi-parts when the spec allows both.
    """
    spec = SPECS[kind]
    if len(spec.geometry_types) == 1:
        return frame, spec.geometry_types[0]
    if set(spec.geometry_types) == {"Polygon", "MultiPolygon"}:
        return frame.set_geometry(_promote_to_multi(frame.geometry)), "MultiPolygon"
    if set(spec.geometry_types) == {"LineString", "MultiLineString"}:
        return frame.set_geometry(_promote_to_multi(frame.geometry)), "MultiLineString"
    present = set(frame.geometry.dropna().geom_type)
    return frame, present.pop() if len(present) == 1 else "Unknown"


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


def _utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
