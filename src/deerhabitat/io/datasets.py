"""Big layers (occurrences) as a partitioned GeoParquet dataset beside the store, read lazily.

A store ``deer.gpkg`` keeps its occurrences in the folder ``deer.occurrences/`` beside it::

    deer.occurrences/year=2019/part-<batch>-00000.parquet
    deer.occurrences/year=2020/part-<batch>-00001.parquet

Each file is GeoParquet 1.1 written by geopandas (WKB points in EPSG:4326, a ``bbox`` covering
column, zstd), holds the records of one year (the first four characters of ``date``) and at most one
import chunk. The store's ``deerhabitat_datasets`` table registers every file (path relative to the
store, sha256, rows, bounding box, time span, import batch, tool version): the registry, not the
folder, is what readers trust.

Writing (:class:`DatasetWriter`) happens inside :meth:`Store.transaction`: files are written under a
temporary name, renamed just before the registry rows are committed with the store, and removed again
if the transaction fails; files that an import replaced are removed only once the store is committed
(:func:`remove_files`). A process killed in between leaves unregistered files, which the next write
removes (:func:`remove_unregistered`, under the store's writer lock).

Reading: :func:`iter_occurrences` yields GeoDataFrame batches of at most ``batch_rows`` records
(optionally of some years, inside a bounding box, with some columns); :func:`read_occurrences` reads
them into one frame; :func:`occurrence_files` lists the files (for dask-geopandas or DuckDB).

A PostGIS store keeps its occurrences in a table instead (:mod:`deerhabitat.io.postgis_occurrences`):
the reader functions page through it, and :func:`occurrence_files` refuses (there are no files).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely

from deerhabitat.crs import STORE_CRS
from deerhabitat.errors import StoreError
from deerhabitat.io import atomic
from deerhabitat.io.store import DatasetFile, Store, empty_layer, file_sha256
from deerhabitat.schema import SPECS, LayerKind

BATCH_ROWS = 65_536
"""Default number of records per batch read."""
_TMP = ".tmp"
_DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean", "date": "string"}
Bounds = tuple[float, float, float, float]


def dataset_folder(store_path: str | os.PathLike, kind: LayerKind) -> Path:
    """The folder of a big layer: ``<store stem>.<kind>`` beside the store's real file.

    Examples
    --------
    >>> dataset_folder("/data/deer.gpkg", LayerKind.OCCURRENCES).as_posix()
    '/data/deer.occurrences'
    """
    real = atomic.real_path(store_path)
    return real.with_name(f"{real.stem}.{kind.value}")


def _as_store(store: Store | str | os.PathLike) -> Store:
    return store if isinstance(store, Store) else Store(store)


def in_table(store: Store) -> bool:
    """Whether the store keeps its big layers in database tables (PostGIS), not GeoParquet files."""
    return bool(getattr(store, "keeps_occurrences_in_table", False))


def store_file(store: Store) -> Path:
    """The GeoPackage file of a store, beside which its big layers live.

    Raises
    ------
    StoreError
        If the store is not a GeoPackage (a database keeps no files beside it).
    """
    path = getattr(store, "path", None)
    if not isinstance(path, Path):
        raise StoreError(
            f"the store {store.shown!r} cannot keep occurrences: they are GeoParquet files beside a "
            f"GeoPackage store; import them into a .gpkg store"
        )
    return path


def _typed(frame: pd.DataFrame, kind: LayerKind) -> pd.DataFrame:
    """The spec's columns with their pandas dtypes (``string``, ``Int64``, ``Float64``)."""
    for column in SPECS[kind].columns:
        if column.name in frame.columns:
            frame[column.name] = frame[column.name].astype(_DTYPES.get(column.dtype, "string"))
    return frame


# -- writing ------------------------------------------------------------------------------------


class DatasetWriter:
    """Writes the files of one import of a big layer; see the module docstring for the protocol.

    Parameters
    ----------
    store_path : path-like
        The store (its real file decides the dataset folder).
    kind : LayerKind
        The big layer.
    batch : str
        A name for this import, unique in the store (part of every file name).
    """

    def __init__(self, store_path: str | os.PathLike, kind: LayerKind, batch: str) -> None:
        self.store_path = Path(store_path)
        self.kind = kind
        self.batch = batch
        self.folder = dataset_folder(store_path, kind)
        self._pending: list[tuple[Path, Path, DatasetFile]] = []
        self._renamed: list[Path] = []

    @property
    def rows(self) -> int:
        """Records written so far."""
        return sum(f.rows for _, _, f in self._pending)

    def write(self, frame: gpd.GeoDataFrame) -> int:
        """Write checked records (the spec's columns, EPSG:4326 points): one file per year present.

        Returns
        -------
        int
            Files written.
        """
        if frame.empty:
            return 0
        years = frame["date"].astype(str).str[:4].astype(int)
        written = 0
        for year, part in frame.groupby(years.to_numpy(), sort=True):
            part = gpd.GeoDataFrame(part, geometry=frame.geometry.name, crs=STORE_CRS)
            name = f"part-{self.batch}-{len(self._pending):05d}.parquet"
            final = self.folder / f"year={int(year)}" / name
            tmp = final.with_name(f".{name}{_TMP}")
            try:
                tmp.parent.mkdir(parents=True, exist_ok=True)
                part.reset_index(drop=True).to_parquet(
                    tmp, index=False, compression="zstd", write_covering_bbox=True
                )
            except OSError as exc:
                raise StoreError(
                    f"cannot write {str(tmp)!r} ({exc.strerror or exc}); check the folder beside the "
                    f"store is writable and has room"
                ) from exc
            x0, y0, x1, y1 = (float(v) for v in part.total_bounds)
            dates = part["date"].astype(str)
            record = DatasetFile(
                str(final), int(year), file_sha256(tmp), len(part), x0, y0, x1, y1,
                str(dates.min()), str(dates.max()), self.batch,
            )  # fmt: skip
            self._pending.append((tmp, final, record))
            written += 1
        return written

    def publish(self) -> list[DatasetFile]:
        """Rename the files to their final names (call inside the transaction, just before it commits)."""
        for tmp, final, _ in self._pending:
            os.replace(tmp, final)
            self._renamed.append(final)
        return [record for _, _, record in self._pending]

    def discard(self) -> None:
        """Remove every file this writer wrote (after a failure): nothing is left behind."""
        for tmp, final, _ in self._pending:
            for path in (tmp, final):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        _remove_empty_folders(self.folder)


def remove_files(paths: Iterable[str | os.PathLike], folder: Path) -> None:
    """Remove files no longer registered (after the store was committed) and empty year folders."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()
    _remove_empty_folders(folder)


def _remove_empty_folders(folder: Path) -> None:
    if not folder.is_dir():
        return
    for sub in sorted(folder.glob("year=*"), reverse=True):
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()


def remove_unregistered(store: Store, kind: LayerKind) -> list[str]:
    """Remove files of the dataset folder the store does not register (left by a killed import).

    Call only under the store's writer lock (inside :meth:`Store.transaction`). Returns their names.
    """
    folder = dataset_folder(store_file(store), kind)
    if not folder.is_dir():
        return []
    registered = {str(Path(p)) for p in store.dataset_files(kind)["path"]}
    removed = []
    for path in folder.glob("year=*/*"):
        if path.is_file() and str(path) not in registered:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path.name)
    _remove_empty_folders(folder)
    return removed


def existing_ids_in(store: Store, kind: LayerKind, ids: pa.Array) -> list[tuple[str, int]]:
    """The registered files holding any of ``ids``, with how many of them each holds."""
    id_column = SPECS[kind].id_column
    found = []
    for path in store.dataset_files(kind)["path"]:
        column = pq.read_table(path, columns=[id_column]).column(id_column)
        hits = int(pc.sum(pc.is_in(column, value_set=ids)).as_py() or 0)
        if hits:
            found.append((str(path), hits))
    return found


def rewrite_without(path: str, ids: pa.Array, kind: LayerKind, writer: DatasetWriter) -> None:
    """Write the records of ``path`` whose id is not in ``ids`` through ``writer`` (one file at most)."""
    frame = _frame(pq.read_table(path), kind)
    keep = ~frame[SPECS[kind].id_column].isin(ids.to_pylist()).to_numpy(bool)
    writer.write(frame[keep])


# -- reading ------------------------------------------------------------------------------------


def _frame(table: pa.Table, kind: LayerKind) -> gpd.GeoDataFrame:
    if "bbox" in table.column_names:
        table = table.drop_columns(["bbox"])
    frame = gpd.GeoDataFrame.from_arrow(table)
    frame = frame.set_crs(STORE_CRS, allow_override=True)
    return _typed(frame, kind)


def dataset_paths(
    store: Store | str | os.PathLike,
    kind: LayerKind,
    *,
    years: Iterable[int] | None = None,
    bbox: Bounds | None = None,
) -> list[Path]:
    """The registered files of a big layer (of ``years``, touching ``bbox``), in year and name order."""
    files = _as_store(store).dataset_files(kind)
    if years is not None:
        files = files[files["partition"].astype(int).isin([int(y) for y in years])]
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        files = files[
            (files["max_x"] >= x0) & (files["min_x"] <= x1) & (files["max_y"] >= y0) & (files["min_y"] <= y1)
        ]
    files = files.sort_values(["partition", "path"], kind="stable")
    return [Path(p) for p in files["path"]]


def iter_dataset(
    store: Store | str | os.PathLike,
    kind: LayerKind,
    *,
    years: Iterable[int] | None = None,
    bbox: Bounds | None = None,
    columns: Sequence[str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[gpd.GeoDataFrame]:
    """Yield the records of a big layer as GeoDataFrames of at most ``batch_rows`` records.

    See :func:`iter_occurrences` for the parameters.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows={batch_rows!r}; give a positive number of records")
    store = _as_store(store)
    if in_table(store):
        yield from store.iter_occurrence_batches(  # type: ignore[attr-defined]
            years=years, bbox=bbox, columns=columns, batch_rows=batch_rows
        )
        return
    wanted = None if columns is None else [c for c in columns if c != "geometry"] + ["geometry"]
    for path in dataset_paths(store, kind, years=years, bbox=bbox):
        try:
            parquet = pq.ParquetFile(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise StoreError(
                f"cannot read {str(path)!r}, a registered file of the {kind.value} layer ({exc}); restore it "
                f"from a backup of the store and its folder, or import the layer again with --replace"
            ) from exc
        with contextlib.closing(parquet):
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=wanted):
                frame = _frame(pa.Table.from_batches([batch], schema=_schema(parquet, batch)), kind)
                if bbox is not None:
                    x0, y0, x1, y1 = bbox
                    frame = frame[shapely.intersects(shapely.box(x0, y0, x1, y1), frame.geometry.values)]
                    frame = frame.reset_index(drop=True)
                if len(frame):
                    yield frame


def _schema(parquet: pq.ParquetFile, batch: pa.RecordBatch) -> pa.Schema:
    """The batch's schema with the file's metadata (the ``geo`` key geopandas reads)."""
    return batch.schema.with_metadata(parquet.schema_arrow.metadata)


def read_dataset(
    store: Store | str | os.PathLike,
    kind: LayerKind,
    *,
    years: Iterable[int] | None = None,
    bbox: Bounds | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """All records of a big layer (of ``years``, in ``bbox``, with ``columns``) in one GeoDataFrame."""
    frames = list(iter_dataset(store, kind, years=years, bbox=bbox, columns=columns))
    if not frames:
        empty = empty_layer(kind)
        return empty if columns is None else empty[[c for c in columns if c != "geometry"] + ["geometry"]]
    frame = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORE_CRS)


def iter_occurrences(
    store: Store | str | os.PathLike,
    *,
    years: Iterable[int] | None = None,
    bbox: Bounds | None = None,
    columns: Sequence[str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[gpd.GeoDataFrame]:
    """Yield the store's occurrences lazily, as GeoDataFrames of at most ``batch_rows`` records.

    Only the files of the years asked for, and whose bounding box touches ``bbox``, are opened; only
    ``columns`` are read. Memory holds one batch at a time.

    Parameters
    ----------
    store : Store or path-like
        The store.
    years : iterable of int, optional
        Only records of these years (the year of ``date``).
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Only records inside this box (EPSG:4326; its edges count as inside).
    columns : sequence of str, optional
        Only these attribute columns (the geometry always comes).
    batch_rows : int, default 65536
        Most records per batch (a batch never spans two files).

    Yields
    ------
    geopandas.GeoDataFrame
        Records in EPSG:4326, the spec's columns typed ``string``, ``Int64`` (count) and ``Float64``.

    Examples
    --------
    ``for batch in iter_occurrences(store, years=[2020], columns=["animal_id", "date"]): ...``
    """
    yield from iter_dataset(
        store, LayerKind.OCCURRENCES, years=years, bbox=bbox, columns=columns, batch_rows=batch_rows
    )


def read_occurrences(
    store: Store | str | os.PathLike,
    *,
    years: Iterable[int] | None = None,
    bbox: Bounds | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """The store's occurrences in one GeoDataFrame (see :func:`iter_occurrences`); empty when none."""
    return read_dataset(store, LayerKind.OCCURRENCES, years=years, bbox=bbox, columns=columns)


def occurrence_files(
    store: Store | str | os.PathLike, *, years: Iterable[int] | None = None, bbox: Bounds | None = None
) -> list[Path]:
    """The GeoParquet files of the store's occurrences (e.g. for ``dask_geopandas.read_parquet``).

    Raises
    ------
    StoreError
        If the store is a database: it keeps its occurrences in a table, not in files.
    """
    store = _as_store(store)
    if in_table(store):
        raise StoreError(
            f"the store {store.shown!r} keeps its occurrences in a database table, and the parallel "
            f"engine (--workers N above 1, --scheduler) reads GeoParquet files: run without them (one "
            f"worker reads the table in batches), give exported points (`deerhabitat export occurrences "
            f"points.parquet`) to occurrence-counts, or copy the store to a .gpkg store"
        )
    return dataset_paths(store, LayerKind.OCCURRENCES, years=years, bbox=bbox)


def years_present(store: Store | str | os.PathLike, kind: LayerKind = LayerKind.OCCURRENCES) -> list[int]:
    """The years (partitions) a big layer holds, ascending."""
    store = _as_store(store)
    if in_table(store):
        return store.occurrence_years()  # type: ignore[attr-defined]
    files = _as_store(store).dataset_files(kind)
    return sorted({int(y) for y in files["partition"]})


def row_count(store: Store | str | os.PathLike, kind: LayerKind = LayerKind.OCCURRENCES) -> int:
    """Records of a big layer, from the registry (no file is opened; a database counts its table)."""
    store = _as_store(store)
    if in_table(store):
        return store.occurrence_count()  # type: ignore[attr-defined]
    return int(np.sum(_as_store(store).dataset_files(kind)["rows"].astype(int)))


__all__ = [
    "BATCH_ROWS",
    "DatasetWriter",
    "dataset_folder",
    "iter_occurrences",
    "occurrence_files",
    "read_occurrences",
    "row_count",
    "years_present",
]
