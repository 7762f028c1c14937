"""Zone geometry for the habitat computations: layers in the grid's CRS, their unions, and the AOH zones."""

from __future__ import annotations

import geopandas as gpd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.aoh import range_zones
from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat.pixel_coverage import polygonal
from deerhabitat.errors import AnalysisError


def in_crs(frame: gpd.GeoDataFrame, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """The features of ``frame`` that have a geometry, in ``crs``."""
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return frame.to_crs(crs)


def union_polygons(frame: gpd.GeoDataFrame) -> BaseGeometry:
    """The (repaired) union of the polygons of ``frame``; an empty MultiPolygon for no feature."""
    if frame.empty:
        return shapely.MultiPolygon()
    return polygonal(shapely.union_all(shapely.make_valid(frame.geometry.values)))


def aoh_zones(
    range_geom: BaseGeometry,
    kept: gpd.GeoDataFrame,
    states: gpd.GeoDataFrame | None,
    protected_areas: gpd.GeoDataFrame | None,
    crs: pyproj.CRS,
) -> dict[str, BaseGeometry]:
    """The zones whose AOH is reported: ``country:ISO3`` for each range state, and ``protected``.

    Countries come from the range states when given, else from the ``iso3`` of the range polygons
    ``kept``; ``protected`` (the range inside the union of the protected areas) is present whenever
    protected areas are given, empty when none overlaps the range.
    """
    if states is not None and len(states):
        countries = range_zones(range_geom, in_crs(states, crs), "iso3")
    else:
        with_iso = kept[kept["iso3"].notna()]
        countries = range_zones(range_geom, in_crs(with_iso, crs), "iso3") if len(with_iso) else {}
    zones = {f"country:{k}": v for k, v in countries.items()}
    if protected_areas is not None and len(protected_areas):
        inside = polygonal(shapely.intersection(range_geom, union_polygons(in_crs(protected_areas, crs))))
        zones["protected"] = inside if not shapely.is_empty(inside) else shapely.MultiPolygon()
    return zones


def require_overlap(range_geom: BaseGeometry, grid: Grid, period: str) -> None:
    """Refuse a range that misses the land-cover grid (or covers none of it).

    Raises
    ------
    AnalysisError
        Naming both extents.
    """
    if (
        shapely.is_empty(range_geom)
        or not shapely.intersects(range_geom, grid.box)
        or shapely.intersection(range_geom, grid.box).area <= 0
    ):
        bounds = tuple(round(b) for b in grid.bounds)
        shown = (
            tuple(round(b) for b in shapely.bounds(range_geom))
            if not shapely.is_empty(range_geom)
            else "empty"
        )
        raise AnalysisError(
            f"the range of period {period!r} (bounds {shown} in the raster's CRS) does not overlap the "
            f"land-cover raster (bounds {bounds}); give a land-cover raster that covers the range."
        )
