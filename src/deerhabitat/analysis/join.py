"""Point-in-polygon join for population counts and protected areas, without a joined DataFrame.

:func:`points_in_polygons` answers "which polygons cover each point" as two index arrays. It builds
an :class:`shapely.STRtree` on the polygons, finds candidate pairs by bounding box for all points
in one bulk query, prepares the polygons with many candidates, and settles each candidate with
the vectorised :func:`shapely.intersects_xy` on the point's coordinates (for a point and a
polygon, *intersects* is *covers*: a point on the boundary counts as inside).
``benchmarks/bench_join.py`` times it against :func:`geopandas.sjoin` on the same data.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import shapely

from deerhabitat.errors import AnalysisError

_POINT = 0
PREPARE_MIN_CANDIDATES = 32
"""A polygon is prepared (GEOS builds an index of its edges) only when at least this many points fall
in its bounding box: with fewer, the index costs more than it saves (measured for 32-vertex stars)."""


def points_in_polygons(
    points: object, polygons: object, *, workers: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Find every (point, polygon) pair where the polygon covers the point.

    Parameters
    ----------
    points : array-like of shapely.Point
        Points (a GeoSeries or numpy array); None and empty points match nothing.
    polygons : array-like of shapely.Polygon or shapely.MultiPolygon
        Polygons in the same CRS as ``points`` (not checked here: a GeoSeries caller checks it).
    workers : int, default 1
        Threads over chunks of points, each with its own copy of the polygons (GEOS prepared
        geometries must not be shared between threads). shapely releases the GIL, so 2 workers
        on 2 free cores take about 0.6 of the time; the result does not depend on ``workers``.

    Returns
    -------
    point_index, polygon_index : numpy.ndarray of int
        Positions in ``points`` and ``polygons`` of each pair, sorted by point then polygon.

    Raises
    ------
    AnalysisError
        If a geometry of ``points`` is not a point, or ``workers`` is below 1.

    Examples
    --------
    >>> square = shapely.box(0, 0, 10, 10)
    >>> pts = shapely.points([(5, 5), (10, 3), (20, 20)])
    >>> [a.tolist() for a in points_in_polygons(pts, [square])]
    [[0, 1], [0, 0]]
    """
    points = np.asarray(getattr(points, "values", points), dtype=object)
    polygons = np.asarray(getattr(polygons, "values", polygons), dtype=object)
    _check_points(points)
    if workers < 1:
        raise AnalysisError(
            f"points_in_polygons(): workers={workers!r} is not allowed; use 1 or more threads"
        )
    if len(points) == 0 or len(polygons) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    x, y = point_xy(points)
    if workers == 1:
        return _sorted_pairs(*_query_chunk(polygons, points, x, y, 0))
    # GEOS prepared geometries are not safe to share between threads: each worker gets its own copy
    bounds = np.linspace(0, len(points), min(workers, len(points)) + 1).astype(np.intp)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(
            pool.map(
                lambda ab: _query_chunk(
                    shapely.from_wkb(shapely.to_wkb(polygons)),
                    points[ab[0] : ab[1]],
                    x[ab[0] : ab[1]],
                    y[ab[0] : ab[1]],
                    int(ab[0]),
                ),
                pairwise(bounds),
            )
        )
    return _sorted_pairs(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _query_chunk(
    polygons: np.ndarray, points: np.ndarray, x: np.ndarray, y: np.ndarray, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    point_idx, poly_idx = shapely.STRtree(polygons).query(points)
    busy = np.bincount(poly_idx, minlength=len(polygons)) >= PREPARE_MIN_CANDIDATES
    to_prepare = polygons[busy & ~shapely.is_prepared(polygons)]
    shapely.prepare(to_prepare)
    try:
        hit = shapely.intersects_xy(polygons[poly_idx], x[point_idx], y[point_idx])
    finally:
        shapely.destroy_prepared(to_prepare)
    return point_idx[hit] + offset, poly_idx[hit]


def covered_mask(points: object, polygons: object, *, workers: int = 1) -> np.ndarray:
    """Tell for each point whether at least one polygon covers it.

    Parameters
    ----------
    points, polygons, workers
        As for :func:`points_in_polygons`.

    Returns
    -------
    numpy.ndarray of bool
        One value per point; a point in several overlapping polygons is True once.

    Examples
    --------
    >>> pts = shapely.points([(5, 5), (10, 3), (20, 20)])
    >>> covered_mask(pts, [shapely.box(0, 0, 10, 10), shapely.box(4, 4, 6, 6)]).tolist()
    [True, True, False]
    """
    points = np.asarray(getattr(points, "values", points), dtype=object)
    point_idx, _ = points_in_polygons(points, polygons, workers=workers)
    mask = np.zeros(len(points), dtype=bool)
    mask[point_idx] = True
    return mask


def point_xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of points as two float arrays; NaN for None and empty points.

    Examples
    --------
    >>> [v.tolist() for v in point_xy(np.array([shapely.Point(1, 2), None, shapely.Point()], dtype=object))]
    [[1.0, nan, nan], [2.0, nan, nan]]
    """
    x, y = np.full(len(points), np.nan), np.full(len(points), np.nan)
    coords, index = shapely.get_coordinates(points, return_index=True)
    x[index], y[index] = coords[:, 0], coords[:, 1]
    return x, y


def _check_points(points: np.ndarray) -> None:
    types = shapely.get_type_id(points)
    bad = np.flatnonzero((types != _POINT) & (types != -1))
    if len(bad):
        raise AnalysisError(
            f"points_in_polygons(): position {int(bad[0])} is a {points[bad[0]].geom_type}, not a Point; "
            f"population counts must be points; use each site's point (or a polygon's "
            f"representative_point()) as the survey location"
        )


def _sorted_pairs(point_idx: np.ndarray, poly_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(point_idx) > 1 and (np.any(np.diff(point_idx) <= 0)):
        # nearly sorted already (by point, in query order): a stable sort of one key is close to linear
        key = point_idx.astype(np.int64) * (int(poly_idx.max()) + 1) + poly_idx
        order = np.argsort(key, kind="stable")
        return point_idx[order], poly_idx[order]
    return point_idx, poly_idx
