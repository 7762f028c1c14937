"""Counts of big point layers per polygon and year, partition by partition, on dask-geopandas.

:func:`count_points_in_polygons` answers "how many points fall in each polygon in each year" for
point layers too big for one GeoDataFrame (millions of occurrences or telemetry fixes). The points
come in partitions read lazily: GeoParquet files opened with
:func:`deerhabitat.io.geoparquet.point_partitions` (each partition read as coordinate and year arrays,
the fastest), or any :class:`dask_geopandas.GeoDataFrame`
(:func:`deerhabitat.io.geoparquet.open_points`); ideally spatially partitioned (Hilbert order,
:func:`deerhabitat.io.geoparquet.write_points`), so that each partition covers a small area; the
polygons (protected areas, countries, range polygons: thousands, not millions) are broadcast to
every partition, each partition receiving only those that touch its spatial extent.

Method, per partition:

1. the points' coordinates and years (of ``year_column``) are taken as arrays (no joined frame);
2. the partition's points are sorted by x; for each polygon whose bounding box meets the
   partition's, the points inside that box are found by binary search on x and a test on y;
3. those candidates are settled with :func:`shapely.intersects_xy` on the prepared polygon (a point
   on a polygon's boundary counts as inside, as ``geopandas.sjoin(predicate="intersects")`` does; a
   point in two overlapping polygons counts in both);
4. the hits of each polygon are counted per year (:func:`numpy.bincount`).

The partial counts are added up at the end (a few rows per polygon). The result is the same as
``geopandas.sjoin(points, polygons, predicate="intersects")`` grouped by polygon and year, whatever
the partitioning and the number of workers (``tests/analysis/test_engine.py`` checks it, points on
edges and overlapping polygons included).

Where it runs (:class:`EngineOptions`): one worker (the default) reads and counts one partition
after another in this process, without a dask scheduler; ``workers=N`` runs N partitions at a time
on dask's threaded scheduler in this process (shapely, pyarrow and numpy release the GIL); a
``scheduler`` address sends the tasks to an existing dask distributed cluster (its workers must be
able to read the points' files at the same path). ``benchmarks/bench_occurrences_join.py`` times it
against ``geopandas.sjoin``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from deerhabitat.errors import AnalysisError
from deerhabitat.i18n import message
from deerhabitat.progress import task, track

if TYPE_CHECKING:
    import dask_geopandas
    import pyproj

XYYear = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A partition as arrays: x, y and year (floats; NaN for a missing point or year)."""


class PointSource(Protocol):
    """Partitioned points as readers of arrays (:class:`deerhabitat.io.geoparquet.PointPartitions`).

    ``readers`` return one partition each as :data:`XYYear`; ``extents`` give each partition's
    ``(minx, miny, maxx, maxy)`` (None: unknown).
    """

    @property
    def crs(self) -> pyproj.CRS | None: ...  # noqa: D102

    @property
    def readers(self) -> Sequence[Callable[[], XYYear]]: ...  # noqa: D102

    @property
    def extents(self) -> Sequence[tuple[float, float, float, float] | None]: ...  # noqa: D102


COUNT_COLUMNS = ("polygon", "year", "count")
"""Columns of :func:`count_points_in_polygons`'s result."""

PREPARE_MIN_CANDIDATES = 32
"""A polygon is prepared (GEOS indexes its edges) only when at least this many points are in its box."""


@dataclass(frozen=True)
class EngineOptions:
    """Where joins over big layers run.

    Attributes
    ----------
    workers : int, default 1
        Partitions counted at a time. 1: one after another in this process, no dask scheduler;
        N > 1: dask's threaded scheduler with N threads in this process. Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing dask distributed scheduler (``tcp://host:8786``); needs the
        ``distributed`` package. Its workers read the points' files themselves.
    """

    workers: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.workers, int) or self.workers < 1:
            raise AnalysisError(
                f"workers={self.workers!r} is not allowed; use a whole number of 1 or more "
                f"(1 counts in this process without dask, N > 1 uses N threads)"
            )
        if self.scheduler is not None and not str(self.scheduler).strip():
            raise AnalysisError(
                "scheduler='' is not an address; give a dask scheduler such as tcp://127.0.0.1:8786, "
                "or leave it out to count in this process"
            )


@dataclass(frozen=True)
class _Polygons:
    """The polygons as every task receives them: WKB (each task makes and prepares its own) and bounds."""

    wkb: np.ndarray
    bounds: np.ndarray


def count_points_in_polygons(
    points: PointSource | dask_geopandas.GeoDataFrame | gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    year_column: str | None = "date",
    options: EngineOptions | None = None,
) -> pd.DataFrame:
    """Count the points in each polygon, per year.

    Parameters
    ----------
    points : PointSource, dask_geopandas.GeoDataFrame or geopandas.GeoDataFrame
        Points (None and empty geometries count nowhere): partitions read lazily
        (:func:`deerhabitat.io.geoparquet.point_partitions`, the fastest: coordinates without a
        shapely object per point), a dask-geopandas frame, or a frame in memory.
    polygons : geopandas.GeoDataFrame or geopandas.GeoSeries
        Polygons or multipolygons in the same CRS as ``points``; they may overlap.
    year_column : str or None, default "date"
        Column of a (dask-)GeoDataFrame giving the year: datetimes (their calendar year) or whole
        numbers. A missing value is counted under year ``<NA>``. None: one count per polygon. A
        PointSource brings its own years.
    options : EngineOptions, optional
        Workers or a dask scheduler (default: one worker, in this process).

    Returns
    -------
    pandas.DataFrame
        ``polygon`` (position in ``polygons``), ``year`` (nullable Int64) and ``count``, one row per
        polygon and year with at least one point, sorted by polygon then year (``<NA>`` last).

    Raises
    ------
    AnalysisError
        If the CRSs differ, ``year_column`` is missing, or a geometry of ``points`` is not a point.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame({"date": pd.to_datetime(["2020-05-01", "2021-01-02", "2021-07-09"])},
    ...                        geometry=shapely.points([(1, 1), (10, 5), (20, 20)]), crs=3857)
    >>> count_points_in_polygons(pts, gpd.GeoSeries([shapely.box(0, 0, 10, 10)], crs=3857))
       polygon  year  count
    0        0  2020      1
    1        0  2021      1
    """
    options = options or EngineOptions()
    _check_inputs(points, polygons, year_column)
    geoms = np.asarray(polygons.geometry.values if hasattr(polygons, "geometry") else polygons.values)
    if len(geoms) == 0:
        return _empty_counts()
    payload = _Polygons(shapely.to_wkb(geoms), shapely.bounds(geoms))
    if isinstance(points, gpd.GeoDataFrame):
        return _combine([_frame_counts(points, payload, np.arange(len(geoms)), year_column)])
    with warnings.catch_warnings():
        # dask 2026.8's parquet reader calls reset_index(inplace=True), which pandas 3.1 warns about
        warnings.filterwarnings("ignore", message="The inplace keyword", category=DeprecationWarning)
        return _combine(_run(_tasks(points, payload, year_column), payload, options))


def _check_inputs(points: Any, polygons: Any, year_column: str | None) -> None:
    if points.crs != polygons.crs:
        raise AnalysisError(
            f"the points' CRS ({_crs_name(points.crs)}) differs from the polygons' "
            f"({_crs_name(polygons.crs)}); project both into the same CRS first"
        )
    columns = getattr(points, "columns", None)
    if columns is not None and year_column is not None and year_column not in columns:
        raise AnalysisError(
            f"the points have no column {year_column!r} to take years from; columns: "
            f"{', '.join(map(str, columns))}; give year_column=None to count all years together"
        )


def _crs_name(crs: Any) -> str:
    return "none" if crs is None else str(crs.to_string())


_Task = tuple[Callable[..., pd.DataFrame], Any, np.ndarray, tuple[Any, ...]]
"""A partition's work: ``function(source, polygons, subset, *extra)``."""


def _tasks(points: Any, payload: _Polygons, year_column: str | None) -> list[_Task]:
    """One task per partition whose extent meets a polygon's bounding box."""
    if hasattr(points, "readers"):
        subsets = _polygons_per_extent(payload, list(points.extents))
        return [
            (_reader_counts, reader, subset, ())
            for reader, subset in zip(points.readers, subsets, strict=True)
            if len(subset)
        ]
    columns = [year_column] if year_column is not None else []
    parts = points[[*columns, points.geometry.name]].to_delayed()
    extents = getattr(points, "spatial_partitions", None)
    boxes = (
        [None] * len(parts)
        if extents is None or len(extents) != len(parts)
        else [tuple(b) for b in extents.bounds.to_numpy()]
    )
    subsets = _polygons_per_extent(payload, boxes)
    return [
        (_frame_counts, part, subset, (year_column,))
        for part, subset in zip(parts, subsets, strict=True)
        if len(subset)
    ]


def _run(tasks: list[_Task], payload: _Polygons, options: EngineOptions) -> list[pd.DataFrame]:
    if options.workers == 1 and options.scheduler is None:
        # plain in-process: one partition read and counted after another, no scheduler (dask is not
        # even imported for GeoParquet readers)
        return [
            function(_computed(source), payload, subset, *extra)
            for function, source, subset, extra in track(tasks, message("progress.engine"))
        ]
    import dask

    shared = dask.delayed(payload, pure=True)
    if options.scheduler is not None:
        graph = [
            dask.delayed(function, pure=True)(source, shared, subset, *extra)
            for function, source, subset, extra in tasks
        ]
        return _on_cluster(graph, options.scheduler)
    with task(message("progress.engine"), len(tasks)) as advance:
        graph = [
            dask.delayed(_advancing(function, advance), pure=False)(source, shared, subset, *extra)
            for function, source, subset, extra in tasks
        ]
        return list(dask.compute(*graph, scheduler="threads", num_workers=options.workers))


def _computed(source: Any) -> Any:
    return source.compute(scheduler="sync") if hasattr(source, "compute") else source


def _advancing(
    function: Callable[..., pd.DataFrame], advance: Callable[[int], None]
) -> Callable[..., pd.DataFrame]:
    def run(*args: Any) -> pd.DataFrame:
        out = function(*args)
        advance(1)
        return out

    return run


def _on_cluster(tasks: Sequence[Any], address: str) -> list[pd.DataFrame]:
    try:
        from distributed import Client
    except ImportError as error:
        raise AnalysisError(
            f"--scheduler {address} needs the 'distributed' package, which is not installed ({error}); "
            f"install it (pip install 'deerhabitat[cluster]') or count in this process with --workers"
        ) from error
    try:
        client = Client(address, timeout=10, set_as_default=False)
    except OSError as error:
        raise AnalysisError(
            f"cannot reach the dask scheduler at {address!r} ({error}); check the address "
            f"(tcp://host:port) and that the scheduler is running, or leave out --scheduler"
        ) from error
    with client:
        return list(client.gather(client.compute(list(tasks))))


def _polygons_per_extent(
    payload: _Polygons, extents: Sequence[tuple[float, float, float, float] | None]
) -> list[np.ndarray]:
    """The polygons each partition needs: those whose bounding box meets its extent (all when unknown)."""
    everything = np.arange(len(payload.wkb))
    tree = shapely.STRtree(shapely.box(*payload.bounds.T))
    return [everything if e is None else np.sort(tree.query(shapely.box(*e))) for e in extents]


def _reader_counts(reader: Callable[[], XYYear], polygons: _Polygons, subset: np.ndarray) -> pd.DataFrame:
    return partition_counts(*reader(), polygons, subset)


def _frame_counts(
    points: gpd.GeoDataFrame, polygons: _Polygons, subset: np.ndarray, year_column: str | None
) -> pd.DataFrame:
    x, y = _xy(points.geometry.values)
    return partition_counts(x, y, _years(points, year_column), polygons, subset)


def partition_counts(
    x: np.ndarray, y: np.ndarray, year: np.ndarray, polygons: _Polygons, subset: np.ndarray
) -> pd.DataFrame:
    """Counts of one partition's points per polygon of ``subset`` and year (see the module's method).

    Parameters
    ----------
    x, y, year : numpy.ndarray of float
        The partition's points (NaN: no point, no year).
    polygons : _Polygons
        All polygons (WKB and bounds); this call makes and prepares its own geometries, so that
        threads never share a prepared geometry.
    subset : numpy.ndarray of int
        Positions of the polygons to test.

    Returns
    -------
    pandas.DataFrame
        ``polygon``, ``year`` (-1: missing) and ``count`` for every polygon and year with a point.
    """
    codes, years = _year_codes(year)
    order = np.argsort(x, kind="stable")
    xs, ys, cs = x[order], y[order], codes[order]
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    shapes = shapely.from_wkb(polygons.wkb[subset])
    for position, shape, (minx, miny, maxx, maxy) in zip(
        subset, shapes, polygons.bounds[subset], strict=True
    ):
        lo, hi = int(np.searchsorted(xs, minx, side="left")), int(np.searchsorted(xs, maxx, side="right"))
        if hi <= lo:
            continue
        in_box = lo + np.flatnonzero((ys[lo:hi] >= miny) & (ys[lo:hi] <= maxy))
        if not len(in_box):
            continue
        if len(in_box) >= PREPARE_MIN_CANDIDATES:
            shapely.prepare(shape)
        hit = in_box[shapely.intersects_xy(shape, xs[in_box], ys[in_box])]
        tally = np.bincount(cs[hit], minlength=len(years))
        found = np.flatnonzero(tally)
        if len(found):
            rows.append((np.full(len(found), position), years[found], tally[found]))
    if not rows:
        return _empty_counts()
    return pd.DataFrame(
        {
            "polygon": np.concatenate([r[0] for r in rows]).astype(np.int64),
            "year": pd.array(np.concatenate([r[1] for r in rows]), dtype="Int64"),
            "count": np.concatenate([r[2] for r in rows]).astype(np.int64),
        }
    )


def _xy(values: Any) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values)
    types = shapely.get_type_id(values)
    bad = np.flatnonzero((types != 0) & (types != -1))
    if len(bad):
        raise AnalysisError(
            f"count_points_in_polygons(): a geometry is a {values[bad[0]].geom_type}, not a Point; "
            f"occurrences must be points"
        )
    x, y = np.full(len(values), np.nan), np.full(len(values), np.nan)
    coords, index = shapely.get_coordinates(values, return_index=True)
    x[index], y[index] = coords[:, 0], coords[:, 1]
    return x, y


def _years(points: pd.DataFrame, year_column: str | None) -> np.ndarray:
    if year_column is None:
        return np.full(len(points), np.nan)
    column = points[year_column]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _year_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A code per point and the year of each code (code 0 is a missing year, -1 in ``years``)."""
    missing = np.isnan(values)
    present = values[~missing].astype(np.int64)
    first = int(present.min()) if len(present) else 0
    last = int(present.max()) if len(present) else -1
    codes = np.zeros(len(values), dtype=np.intp)
    codes[~missing] = present - first + 1
    return codes, np.concatenate([[-1], np.arange(first, last + 1)])


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "polygon": pd.Series([], dtype=np.int64),
            "year": pd.Series([], dtype="Int64"),
            "count": pd.Series([], dtype=np.int64),
        }
    )


def _combine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [p for p in parts if len(p)]
    if not frames:
        return _empty_counts()
    whole = pd.concat(frames, ignore_index=True)
    whole["year"] = whole["year"].mask(whole["year"] == -1)
    out = whole.groupby(["polygon", "year"], dropna=False, sort=True)["count"].sum().reset_index()
    return out.astype({"polygon": np.int64, "year": "Int64", "count": np.int64})
