"""Distance from each pixel to the nearest river line, in km, measured in the equal-area analysis CRS.

Rivers are cut into straight segments held in an STRtree; each pixel centre is projected to the analysis
CRS and its exact distance to the nearest segment is returned. This is the true distance to the line, not
a raster distance transform, so it does not depend on the pixel size.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.errors import AnalysisError
from deerhabitat.units import M_PER_KM


def river_segments(rivers: BaseGeometry | list[BaseGeometry] | np.ndarray) -> shapely.STRtree:
    """Build an STRtree of the straight segments of the river lines (in the analysis CRS).

    Raises
    ------
    AnalysisError
        If there is no river line.

    Examples
    --------
    >>> tree = river_segments([shapely.LineString([(0, 0), (10, 0), (10, 10)])])
    >>> len(tree.geometries)
    2
    """
    geoms = np.atleast_1d(np.asarray(rivers, dtype=object))
    lines = [
        p
        for g in geoms
        if g is not None
        for p in shapely.get_parts(g)
        if p.geom_type in ("LineString", "LinearRing")
    ]
    segments: list[np.ndarray] = []
    for line in lines:
        coords = shapely.get_coordinates(line)
        if len(coords) >= 2:
            pairs = np.stack([coords[:-1], coords[1:]], axis=1)
            segments.append(np.asarray(shapely.linestrings(pairs), dtype=object))
    if not segments:
        raise AnalysisError(
            "the rivers layer has no line to measure distances to (0 segments); import "
            "rivers with `deerhabitat import rivers FILE` or drop the distance-to-water "
            "component from the weights file."
        )
    return shapely.STRtree(np.concatenate(segments))


def distance_to_water_km(grid: Grid, segments: shapely.STRtree, area_crs: pyproj.CRS | str) -> np.ndarray:
    """Distance in km from each pixel centre of ``grid`` to the nearest river segment.

    Parameters
    ----------
    grid : Grid
        The pixel grid (any CRS).
    segments : shapely.STRtree
        From :func:`river_segments`, built in ``area_crs``.
    area_crs : pyproj.CRS or str
        The analysis CRS the segments are in; pixel centres are projected to it.

    Returns
    -------
    numpy.ndarray
        float32 distances in km, of the grid's shape.

    Examples
    --------
    >>> from affine import Affine
    >>> g = Grid(Affine(1000, 0, 0, 0, -1000, 3000), 1, 3, pyproj.CRS("EPSG:6933"))
    >>> tree = river_segments(shapely.LineString([(-5000, 0), (5000, 0)]))
    >>> distance_to_water_km(g, tree, "EPSG:6933").ravel().tolist()
    [2.5, 1.5, 0.5]
    """
    xs, ys = grid.centres()
    area_crs = pyproj.CRS.from_user_input(area_crs)
    if grid.crs != area_crs:
        xs, ys = pyproj.Transformer.from_crs(grid.crs, area_crs, always_xy=True).transform(xs, ys)
    points = shapely.points(xs.ravel(), ys.ravel())
    index, distance_m = segments.query_nearest(points, return_distance=True, all_matches=False)
    out = np.full(xs.size, np.nan, dtype=np.float64)
    out[index[0]] = distance_m
    return (out / M_PER_KM).astype(np.float32).reshape(grid.shape)
