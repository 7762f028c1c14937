"""Extent of occurrence (EOO) and area of occupancy (AOO) by year, per the IUCN Red List guidelines.

* The **sites occupied** in a year are the site-scope sites whose figure for that year in
  :func:`~deerhabitat.analysis.site_year_counts` is above zero: a count of the year, or one carried
  from the previous ``stale_after_years`` years, as in the totals. Each is placed at that count's
  point. National (country-scope) figures have no position and are left out.
* **EOO** is the area of the minimum convex polygon (convex hull) of those points, in km². The
  hull is found in the equal-area CRS and its edges are taken as geodesics between its vertices
  (:func:`~deerhabitat.analysis.projection.with_geodesic_edges`), so it matches
  :meth:`pyproj.Geod.geometry_area_perimeter` of the same vertices. Fewer than three distinct
  points (or all in a line) give 0. The guidelines (section 4.9) then set EOO to AOO when it is
  smaller; that value is ``eoo_iucn_km2``.
* **AOO** is the number of occupied cells of a 2 km x 2 km grid in the analysis CRS times 4 km².
  The grid's origin (default (0, 0), the projection's false origin) is reported with the result;
  a point on a cell edge belongs to the cell to its upper right.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from deerhabitat.analysis._preconditions import require_analysis_crs, require_columns
from deerhabitat.analysis.join import point_xy
from deerhabitat.analysis.projection import with_geodesic_edges
from deerhabitat.errors import AnalysisError
from deerhabitat.units import m2_to_km2

AOO_CELL_M = 2_000.0
"""Side of an AOO grid cell in metres (IUCN: 2 km)."""

EOO_AOO_COLUMNS = ["year", "n_sites", "n_sites_carried", "eoo_km2", "aoo_km2", "aoo_cells", "eoo_iucn_km2"]


def extent_of_occurrence_km2(points: gpd.GeoSeries) -> float:
    """Area of the convex hull of ``points`` in km², with geodesic edges.

    Parameters
    ----------
    points : geopandas.GeoSeries
        Points in an equal-area CRS.

    Returns
    -------
    float
        km²; 0.0 for fewer than three distinct points or points in a line.

    Examples
    --------
    >>> pts = gpd.GeoSeries(shapely.points([(0, 0), (4000, 0), (0, 3000)]), crs="EPSG:6933")
    >>> round(extent_of_occurrence_km2(pts), 6)
    6.0
    """
    crs = require_analysis_crs(points, what="extent_of_occurrence_km2(points)")
    _require_points(points.to_numpy(), "extent_of_occurrence_km2")
    values = points.to_numpy()
    present = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    hull = shapely.convex_hull(shapely.multipoints(present))
    if hull.geom_type != "Polygon" or hull.area == 0:
        return 0.0
    return float(m2_to_km2(with_geodesic_edges(hull, crs).area))


def area_of_occupancy(
    points: gpd.GeoSeries, *, cell_m: float = AOO_CELL_M, origin: tuple[float, float] = (0.0, 0.0)
) -> tuple[int, float]:
    """Count the grid cells holding at least one point, and their area.

    Parameters
    ----------
    points : geopandas.GeoSeries
        Points in an equal-area CRS.
    cell_m : float, default 2000
        Cell side in metres of the CRS.
    origin : tuple of float, default (0, 0)
        A corner of the grid, in CRS coordinates.

    Returns
    -------
    cells : int
        Occupied cells.
    aoo_km2 : float
        ``cells * cell_m**2`` in km².

    Raises
    ------
    AnalysisError
        If ``cell_m`` is not positive or ``origin`` is not two finite numbers.

    Examples
    --------
    >>> pts = gpd.GeoSeries(shapely.points([(100, 100), (1900, 1900), (2000, 0), (-1, 5)]), crs="EPSG:6933")
    >>> area_of_occupancy(pts)
    (3, 12.0)
    """
    require_analysis_crs(points, what="area_of_occupancy(points)")
    _check_grid(cell_m, origin)
    values = points.dropna().to_numpy()
    _require_points(values, "area_of_occupancy")
    cells = _cells(values, cell_m, origin)
    return len(cells), float(m2_to_km2(len(cells) * cell_m**2))


def eoo_aoo_by_year(
    site_years: gpd.GeoDataFrame, *, cell_m: float = AOO_CELL_M, origin: tuple[float, float] = (0.0, 0.0)
) -> pd.DataFrame:
    """EOO and AOO of the sites occupied each year.

    Parameters
    ----------
    site_years : geopandas.GeoDataFrame
        The output of :func:`~deerhabitat.analysis.site_year_counts`, with count points in an
        equal-area CRS.
    cell_m : float, default 2000
        AOO cell side, metres.
    origin : tuple of float, default (0, 0)
        AOO grid origin in the analysis CRS.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``n_sites`` (occupied site-scope sites), ``n_sites_carried`` (of which known
        from a carried count), ``eoo_km2``, ``aoo_km2``, ``aoo_cells``, ``eoo_iucn_km2``
        (max(EOO, AOO), guidelines 4.9); one row per year of ``site_years``, ascending.

    Raises
    ------
    CRSError
        If ``site_years`` is not in an equal-area CRS.
    AnalysisError
        If the grid is not valid.
    """
    require_analysis_crs(site_years, what="eoo_aoo_by_year(site_years)")
    require_columns(site_years, ("year", "site_id", "scope", "count", "carried"), kind="site-year counts")
    _check_grid(cell_m, origin)
    occupied = site_years[(site_years["scope"] != "country") & (site_years["count"] > 0)]
    rows = []
    for year in sorted(site_years["year"].unique()):
        sel = occupied[occupied["year"] == year]
        cells, aoo_km2 = area_of_occupancy(sel.geometry, cell_m=cell_m, origin=origin)
        eoo_km2 = extent_of_occurrence_km2(sel.geometry)
        rows.append(
            {
                "year": int(year),
                "n_sites": int(sel["site_id"].nunique()),
                "n_sites_carried": int(sel.loc[sel["carried"].astype(bool), "site_id"].nunique()),
                "eoo_km2": eoo_km2,
                "aoo_km2": aoo_km2,
                "aoo_cells": cells,
                "eoo_iucn_km2": max(eoo_km2, aoo_km2),
            }
        )
    return pd.DataFrame(rows, columns=EOO_AOO_COLUMNS)


def _cells(points: np.ndarray, cell_m: float, origin: tuple[float, float]) -> np.ndarray:
    if len(points) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    x, y = point_xy(points)
    keep = np.isfinite(x) & np.isfinite(y)
    ix = np.floor((x[keep] - origin[0]) / cell_m).astype(np.int64)
    iy = np.floor((y[keep] - origin[1]) / cell_m).astype(np.int64)
    return np.unique(np.column_stack([ix, iy]), axis=0)


def _check_grid(cell_m: float, origin: tuple[float, float]) -> None:
    if not (isinstance(cell_m, (int, float)) and np.isfinite(cell_m) and cell_m > 0):
        raise AnalysisError(
            f"AOO grid: cell_m={cell_m!r} is not allowed; it must be a positive number of "
            f"metres; the IUCN grid is cell_m=2000"
        )
    try:
        ok = len(origin) == 2 and all(np.isfinite(float(v)) for v in origin)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise AnalysisError(
            f"AOO grid: origin={origin!r} is not allowed; it must be two finite coordinates "
            f"(x, y) in the analysis CRS, e.g. origin=(0, 0)"
        )


def _require_points(values: np.ndarray, what: str) -> None:
    types = shapely.get_type_id(values)
    bad = np.flatnonzero((types != 0) & (types != -1))
    if len(bad):
        raise AnalysisError(
            f"{what}(): position {int(bad[0])} is a {values[bad[0]].geom_type}, not a Point; "
            f"EOO and AOO are computed from count points; pass the counts' points"
        )
