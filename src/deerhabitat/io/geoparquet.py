"""Big point layers as partitioned GeoParquet: written in Hilbert order, opened lazily with dask-geopandas.

A partitioned dataset is a folder of ``part.<n>.parquet`` GeoParquet files. :func:`write_points` sorts
the points along a Hilbert curve over their extent (:meth:`geopandas.GeoSeries.hilbert_distance`) and
cuts them into files of consecutive points, so each file covers a small area and its bounding box (in
the file's GeoParquet ``bbox`` metadata) lets a join skip the polygons it cannot meet.
:func:`open_points` opens such a folder (or any GeoParquet file or folder) as a
:class:`dask_geopandas.GeoDataFrame`: nothing is read but the files' metadata until a partition is
computed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from deerhabitat.errors import InputFileError

if TYPE_CHECKING:
    import dask_geopandas

HILBERT_LEVEL = 16
"""Bits per axis of the Hilbert curve (65,536 x 65,536 cells over the points' extent)."""


def write_points(
    frame: gpd.GeoDataFrame, folder: str | Path, *, partitions: int, start: int = 0
) -> list[Path]:
    """Write points as GeoParquet files in Hilbert order, ``partitions`` files of consecutive points.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Points with a CRS.
    folder : str or pathlib.Path
        Folder of the dataset (made if missing); existing files of the same names are replaced.
    partitions : int
        Number of files (at least 1; fewer when there are fewer points).
    start : int, default 0
        Number of the first file (``part.<start>.parquet``), to add a batch to a dataset.

    Returns
    -------
    list of pathlib.Path
        The files written, in order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    present = ~(frame.geometry.isna() | frame.geometry.is_empty)
    order = np.argsort(
        np.where(present, _hilbert(frame.geometry.where(present)), np.iinfo(np.int64).max), kind="stable"
    )
    files = []
    for number, chunk in enumerate(np.array_split(order, max(1, min(partitions, len(frame)))), start):
        path = folder / f"part.{number}.parquet"
        frame.iloc[chunk].reset_index(drop=True).to_parquet(path, index=False, write_covering_bbox=False)
        files.append(path)
    return files


def _hilbert(geometry: gpd.GeoSeries) -> np.ndarray:
    values = geometry.dropna()
    if values.empty:
        return np.zeros(len(geometry), dtype=np.int64)
    out = np.zeros(len(geometry), dtype=np.int64)
    out[geometry.notna().to_numpy()] = values.hilbert_distance(
        total_bounds=values.total_bounds, level=HILBERT_LEVEL
    ).to_numpy()
    return out


def open_points(path: str | Path, columns: Sequence[str] | None = None) -> dask_geopandas.GeoDataFrame:
    """Open a GeoParquet file or partitioned folder lazily, one partition per file.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.parquet`` file or a folder of them.
    columns : sequence of str, optional
        Columns to read besides the geometry (default: all).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        With ``spatial_partitions`` (each file's bounding box) when the files record one.

    Raises
    ------
    InputFileError
        If ``path`` does not exist or holds no GeoParquet.
    """
    import dask_geopandas

    path = Path(path)
    if not path.exists():
        raise InputFileError(
            f"the GeoParquet dataset {str(path)!r} does not exist; give a .parquet file or a folder of them"
        )
    try:
        frame = dask_geopandas.read_parquet(str(path), gather_spatial_partitions=True)
    except (ValueError, OSError) as error:
        raise InputFileError(
            f"{str(path)!r} is not a GeoParquet dataset ({error}); write it with deerhabitat "
            f"(io.geoparquet.write_points) or any GeoParquet 1.x writer"
        ) from error
    if columns is None:
        return frame
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{str(path)!r} has no column {missing[0]!r}; its columns: {', '.join(map(str, frame.columns))}"
        )
    # only these columns are read when a partition is computed (dask pushes the selection into the reader)
    return frame[[c for c in columns if c != frame.geometry.name] + [frame.geometry.name]]


@dataclass(frozen=True)
class PointPartitions:
    """A partitioned point dataset opened lazily: a reader and a bounding box per file.

    Attributes
    ----------
    crs : pyproj.CRS or None
        The points' CRS (from the GeoParquet metadata).
    readers : tuple of callable
        One per file; each returns ``(x, y, year)`` float arrays (:func:`read_point_arrays`). They are
        :func:`functools.partial` objects, so they can be sent to dask distributed workers.
    extents : tuple of tuple of float or None
        ``(minx, miny, maxx, maxy)`` of each file's points, None when the file records none.
    """

    crs: pyproj.CRS | None
    readers: tuple[Any, ...]
    extents: tuple[tuple[float, float, float, float] | None, ...]


def point_partitions(
    path: str | Path | Sequence[str | Path], year_column: str | None = "date"
) -> PointPartitions:
    """Open GeoParquet files as :class:`PointPartitions` (metadata only; nothing else is read).

    Parameters
    ----------
    path : str, pathlib.Path or sequence of them
        A ``.parquet`` file, a folder of them (``part.<n>.parquet`` in number order, others by name),
        or a list of files (such as the registered files of a store's occurrences), one partition each.
    year_column : str or None, default "date"
        Column the readers take years from: timestamps, whole numbers, or ISO 8601 text (its first four
        characters); None: no years.

    Raises
    ------
    InputFileError
        If the path does not exist, holds no GeoParquet file, or lacks ``year_column``.
    """
    import pyarrow.parquet as pq

    files = _parquet_files(Path(path)) if isinstance(path, (str, Path)) else [Path(p) for p in path]
    if not files:
        raise InputFileError(
            "no GeoParquet file was given; give a .parquet file, a folder or a list of files"
        )
    crs = None
    extents = []
    for number, file in enumerate(files):
        schema = pq.read_schema(file)
        geo = _geo_metadata(schema, file)
        column = geo["columns"][geo["primary_column"]]
        if number == 0:
            crs = pyproj.CRS.from_user_input(column["crs"]) if column.get("crs") else pyproj.CRS(4326)
        if year_column is not None and year_column not in schema.names:
            raise InputFileError(
                f"{file.name!r} has no column {year_column!r} to take years from; its columns: "
                f"{', '.join(schema.names)}"
            )
        bbox = column.get("bbox")
        extents.append(tuple(float(v) for v in bbox[:4]) if bbox and len(bbox) == 4 else None)
    readers = tuple(partial(read_point_arrays, str(f), year_column) for f in files)
    return PointPartitions(crs, readers, tuple(extents))  # type: ignore[arg-type]


def _parquet_files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputFileError(
            f"the GeoParquet dataset {str(path)!r} does not exist; give a .parquet file or a folder of them"
        )
    if path.is_file():
        return [path]

    def order(file: Path) -> tuple[int, str]:
        stem = file.stem.removeprefix("part.")
        return (int(stem), "") if stem.isdigit() else (1 << 62, file.name)

    files = sorted(path.glob("*.parquet"), key=order)
    if not files:
        raise InputFileError(f"the folder {str(path)!r} holds no .parquet file; give a GeoParquet dataset")
    return files


def _geo_metadata(schema: Any, file: Path) -> dict:
    raw = (schema.metadata or {}).get(b"geo")
    if raw is None:
        raise InputFileError(
            f"{file.name!r} is Parquet without GeoParquet metadata (no 'geo' key); write it with "
            f"geopandas' to_parquet or deerhabitat (io.geoparquet.write_points)"
        )
    return json.loads(raw)


_POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def read_point_arrays(path: str, year_column: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates and years of one GeoParquet file of points, as float arrays.

    Parameters
    ----------
    path : str
        The file.
    year_column : str or None
        Timestamps (their calendar year), whole numbers, or text starting with a four-digit year
        (``2019-05-03T10:00Z``; anything else is a missing year); None gives NaN years.

    Returns
    -------
    x, y, year : numpy.ndarray of float64
        NaN for missing or empty points and missing years.

    Raises
    ------
    InputFileError
        If a geometry is not a point.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    geometry = _geo_metadata(pq.read_schema(path), Path(path))["primary_column"]
    columns = [geometry] if year_column is None else [year_column, geometry]
    table = pq.read_table(path, columns=columns)
    x, y = _point_xy(table.column(geometry).combine_chunks(), path)
    if year_column is None:
        return x, y, np.full(len(x), np.nan)
    years = table.column(year_column)
    if pa.types.is_timestamp(years.type) or pa.types.is_date(years.type):
        years = pc.year(years)
    elif pa.types.is_string(years.type) or pa.types.is_large_string(years.type):
        head = pc.utf8_slice_codeunits(years, 0, 4)
        years = pc.if_else(pc.match_substring_regex(head, r"^\d{4}$"), head, pa.scalar(None, pa.string()))
    return x, y, years.cast(pa.float64()).to_numpy(zero_copy_only=False)


def _point_xy(column: Any, path: str) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa

    if pa.types.is_struct(column.type):  # GeoParquet 1.1 native "point" encoding
        x = column.field("x").to_numpy(zero_copy_only=False).astype(np.float64)
        y = column.field("y").to_numpy(zero_copy_only=False).astype(np.float64)
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        return np.where(valid, x, np.nan), np.where(valid, y, np.nan)
    if pa.types.is_large_binary(column.type):
        column = column.cast(pa.binary())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[
        column.offset : column.offset + len(column) + 1
    ]
    data = column.buffers()[2]
    if len(column) and column.null_count == 0 and np.all(np.diff(offsets) == _POINT_WKB.itemsize):
        raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        points = raw.view(_POINT_WKB)
        if np.all(points["order"] == 1) and np.all(points["type"] == 1):  # little-endian 2D points
            return points["x"].astype(np.float64), points["y"].astype(np.float64)
    return _xy_from_wkb(column.to_numpy(zero_copy_only=False), path)


def _xy_from_wkb(values: np.ndarray, path: str) -> tuple[np.ndarray, np.ndarray]:
    geoms = shapely.from_wkb(values)
    types = shapely.get_type_id(geoms)
    bad = np.flatnonzero((types != 0) & (types != -1))
    if len(bad):
        raise InputFileError(
            f"{Path(path).name!r}: row {int(bad[0])} is a {geoms[bad[0]].geom_type}, not a Point; "
            f"occurrences must be points"
        )
    x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    x[index], y[index] = coords[:, 0], coords[:, 1]
    return x, y
