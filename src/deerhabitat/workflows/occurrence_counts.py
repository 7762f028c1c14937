"""``deerhabitat occurrence-counts``: occurrences per protected area, range state or range polygon, per year.

The points are a GeoParquet dataset (a file, a folder of files, or the store's registered occurrence
files when no path is given), read partition by partition; the polygons are a layer of the store. The
counting runs on :func:`deerhabitat.analysis.engine.count_points_in_polygons` in this process
(``workers``) or on a dask distributed cluster (``scheduler``); the result does not depend on where
it ran. Points and polygons are compared in the points' CRS (the polygons are projected to it when the
two differ; a point on a polygon's edge is inside; a point in overlapping polygons counts in each).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from deerhabitat.analysis.engine import EngineOptions, count_points_in_polygons
from deerhabitat.errors import InputFileError
from deerhabitat.io.csv_safe import write_frame_csv
from deerhabitat.io.geoparquet import point_partitions
from deerhabitat.schema import LayerKind
from deerhabitat.workflows.store import StoreLike, take_snapshot

ZONES: dict[str, tuple[LayerKind, str, str]] = {
    "protected-areas": (LayerKind.PROTECTED_AREAS, "pa_id", "name"),
    "range-states": (LayerKind.RANGE_STATES, "iso3", "name"),
    "ranges": (LayerKind.RANGES, "range_id", "period"),
}
"""``--by`` choices: the layer, its key column and the column shown beside it."""


def occurrence_counts(
    points: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    *,
    store: StoreLike = None,
    by: str = "protected-areas",
    engine: EngineOptions | None = None,
    out: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Count occurrences per polygon of a store layer and year (``deerhabitat occurrence-counts``).

    Parameters
    ----------
    points : path-like or sequence of path-like, optional
        GeoParquet points with a ``date`` column (timestamps, years or ISO 8601 text); default: the
        store's occurrences dataset.
    store : path-like or StoreSnapshot, optional
        The store whose polygons are counted in (default ``$DEERHABITAT_STORE``, else the bundled store).
    by : {"protected-areas", "range-states", "ranges"}, default "protected-areas"
        The polygons.
    engine : EngineOptions, optional
        Workers or a dask scheduler (default: one worker in this process).
    out : path-like, optional
        A CSV file to write the table to.

    Returns
    -------
    pandas.DataFrame
        The key column (``pa_id``, ``iso3`` or ``range_id``), its label (``name`` or ``period``),
        ``year`` (``<NA>``: no readable date) and ``occurrences``; polygons and years without an
        occurrence are left out. Sorted by key, then year.

    Raises
    ------
    InputFileError
        If ``points`` is missing or is not GeoParquet points, or ``by`` is not a choice.
    """
    if by not in ZONES:
        raise InputFileError(f"--by {by!r} is not a layer to count in; use one of {', '.join(ZONES)}")
    kind, key, label = ZONES[by]
    snapshot = take_snapshot(store)
    source = point_partitions(_points(points, snapshot.path), "date")
    polygons = snapshot.layer(kind).reset_index(drop=True)
    if source.crs is not None and polygons.crs is not None and source.crs != polygons.crs:
        polygons = polygons.to_crs(source.crs)
    counts = count_points_in_polygons(source, polygons.geometry, options=engine)
    table = pd.DataFrame(
        {
            key: polygons[key].astype("string").to_numpy()[counts["polygon"].to_numpy()],
            label: polygons[label].astype("string").to_numpy()[counts["polygon"].to_numpy()]
            if label in polygons.columns
            else pd.NA,
            "year": counts["year"],
            "occurrences": counts["count"],
        }
    )
    table = table.sort_values([key, "year"], kind="stable", na_position="last").reset_index(drop=True)
    if out is not None:
        write_frame_csv(table, out)
    return table


def _points(
    points: str | os.PathLike | Sequence[str | os.PathLike] | None, store_path: Path | str
) -> Path | list[Path]:
    if points is not None:
        return Path(points) if isinstance(points, (str, os.PathLike)) else [Path(p) for p in points]
    files = _store_occurrence_files(store_path)
    if not files:
        raise InputFileError(
            f"the store {Path(str(store_path)).name!r} holds no occurrences; import some (deerhabitat import "
            f"gbif|movebank) or give a GeoParquet file or folder of points"
        )
    return files


def _store_occurrence_files(store_path: Path | str) -> list[Path]:
    """The store's registered occurrence files (none when this version cannot hold occurrences)."""
    try:
        datasets = importlib.import_module("deerhabitat.io.datasets")
    except ImportError:
        return []
    return [Path(p) for p in datasets.occurrence_files(store_path)]


def counts_frame(frame: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    """A result of :func:`occurrence_counts` as plain records (``year`` as int or None) for JSON."""
    return frame.astype(object).where(frame.notna(), None)
