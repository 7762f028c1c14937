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

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

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
