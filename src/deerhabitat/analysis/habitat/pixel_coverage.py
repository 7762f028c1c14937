"""Exact cell-coverage fractions and pixel areas: how polygons and pixels are weighed everywhere.

A polygon (a range, a country, a protected area, a buffer around a site) covers each pixel by a fraction
between 0 and 1. :func:`coverage_fraction` computes that fraction exactly, as the area of the polygon inside
the cell divided by the cell's area, with exactextract (Baston 2022: each ring is walked once through the
cells it crosses; interior cells are filled). No pixel-centre rule is involved, so a polygon that cuts
pixels in half counts half of each: the total of ``coverage x pixel area`` equals the polygon's area on the
grid, whether or not its edges follow pixel edges.

:func:`pixel_area_km2` gives the area of each pixel in km². On an equal-area grid every pixel has the same
area (``|a x e|``); on any other grid (longitude/latitude, UTM, Web Mercator) each pixel's four corners are
projected to the equal-area analysis CRS and the area of that quadrilateral is used, so no reprojection of
class values is ever needed.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.crs import describe_crs, is_equal_area, require_equal_area
from deerhabitat.errors import AnalysisError
from deerhabitat.units import M2_PER_KM2


def polygonal(geometry: BaseGeometry | None) -> BaseGeometry:
    """Return the polygonal part of ``geometry`` (lines and points dropped), as one (Multi)Polygon or empty.

    Examples
    --------
    >>> g = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (2, 2)])])
    >>> polygonal(g).area
    1.0
    """
    if geometry is None or shapely.is_empty(geometry):
        return shapely.MultiPolygon()
    parts = shapely.get_parts(geometry)
    polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return shapely.MultiPolygon()
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def coverage_fraction(geometry: BaseGeometry | None, grid: Grid) -> np.ndarray:
    """Fraction of each pixel of ``grid`` covered by ``geometry`` (exact, from exactextract).

    Parameters
    ----------
    geometry : shapely geometry or None
        A (Multi)Polygon in the grid's CRS; other parts are ignored. Must be valid.
    grid : Grid
        The pixel grid.

    Returns
    -------
    numpy.ndarray
        float32 array of the grid's shape, values in [0, 1].

    Examples
    --------
    >>> from affine import Affine
    >>> g = Grid(Affine(1, 0, 0, 0, -1, 2), 2, 2, pyproj.CRS("EPSG:6933"))
    >>> coverage_fraction(shapely.box(0.5, 0, 2, 1.5), g).tolist()
    [[0.25, 0.5], [0.5, 1.0]]
    """
    out = np.zeros(grid.shape, dtype=np.float32)
    geometry = polygonal(geometry)
    if shapely.is_empty(geometry) or not shapely.intersects(geometry, grid.box):
        return out
    geometry = polygonal(shapely.intersection(geometry, grid.box))
    if shapely.is_empty(geometry) or geometry.area == 0:
        return out
    cell_ids, fractions = _exact_cells(geometry, grid)
    out.reshape(-1)[cell_ids] = np.clip(fractions, 0.0, 1.0)
    return out


def _exact_cells(geometry: BaseGeometry, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    import geopandas as gpd
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    xmin, ymin, xmax, ymax = grid.bounds
    source = NumPyRasterSource(
        np.zeros(grid.shape, dtype=np.uint8), xmin, ymin, xmax, ymax, srs_wkt=grid.crs.to_wkt()
    )
    frame = gpd.GeoDataFrame(geometry=[geometry], crs=grid.crs)
    result = exact_extract(source, frame, ["cell_id", "coverage"], output="pandas")
    return (
        np.asarray(result["cell_id"].iloc[0], dtype=np.int64),
        np.asarray(result["coverage"].iloc[0], dtype=np.float64),
    )


def pixel_area_km2(grid: Grid, area_crs: pyproj.CRS | str) -> float | np.ndarray:
    """Area of each pixel of ``grid`` in km², measured in an equal-area CRS.

    Parameters
    ----------
    grid : Grid
        The pixel grid, in any CRS.
    area_crs : pyproj.CRS or str
        The equal-area CRS in which areas are measured (the store's analysis CRS). Used only when the
        grid's own CRS is not equal-area.

    Returns
    -------
    float or numpy.ndarray
        One number when the grid is equal-area (every pixel has the same area); otherwise a float64
        array of the grid's shape.

    Raises
    ------
    CRSError
        If ``area_crs`` is not an equal-area CRS.
    AnalysisError
        If pixel corners cannot be projected to ``area_crs``.

    Examples
    --------
    >>> from affine import Affine
    >>> pixel_area_km2(Grid(Affine(1000, 0, 0, 0, -1000, 0), 3, 3, pyproj.CRS("EPSG:6933")), "EPSG:6933")
    1.0
    """
    area_crs = require_equal_area(area_crs, what="area CRS")
    if is_equal_area(grid.crs):
        factor = grid.crs.axis_info[0].unit_conversion_factor
        return abs(grid.transform.a * grid.transform.e) * factor * factor / M2_PER_KM2
    return _projected_pixel_areas(grid, area_crs)


def _projected_pixel_areas(grid: Grid, area_crs: pyproj.CRS) -> np.ndarray:
    t = grid.transform
    xs = t.c + t.a * np.arange(grid.width + 1)
    ys = t.f + t.e * np.arange(grid.height + 1)
    cx, cy = np.meshgrid(xs, ys)
    transformer = pyproj.Transformer.from_crs(grid.crs, area_crs, always_xy=True)
    px, py = transformer.transform(cx, cy)
    if not (np.all(np.isfinite(px)) and np.all(np.isfinite(py))):
        raise AnalysisError(
            f"some pixel corners of the {describe_crs(grid.crs)!r} grid cannot be projected to the "
            f"analysis CRS {describe_crs(area_crs)!r}, so their areas are unknown; clip the raster to the "
            f"study region first."
        )
    # Quadrilateral ul, ur, lr, ll: area = |AC x BD| / 2 with diagonals AC = lr - ul and BD = ll - ur.
    acx, acy = px[1:, 1:] - px[:-1, :-1], py[1:, 1:] - py[:-1, :-1]
    bdx, bdy = px[1:, :-1] - px[:-1, 1:], py[1:, :-1] - py[:-1, 1:]
    return np.abs(acx * bdy - acy * bdx) / 2.0 / M2_PER_KM2
