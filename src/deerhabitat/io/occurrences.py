"""Where records lie relative to sites: the nearest site of an occurrence, the survey location of a count.

:func:`nearest_sites` links points (occurrences) to the nearest site within a distance, measured in the
equal-area analysis CRS (0 inside a site's polygon; ties go to the smallest ``site_id``).
:func:`fill_locations_from_sites` gives population counts with no survey location their site's.

GBIF and Movebank files become occurrences (:mod:`deerhabitat.io.occurrence_sources`), never counts:
an occurrence is not a count.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from deerhabitat.errors import SchemaError
from deerhabitat.units import M_PER_KM


def nearest_sites(
    points: np.ndarray, sites: gpd.GeoDataFrame, crs: pyproj.CRS, *, max_distance_km: float
) -> list[str | None]:
    """The ``site_id`` of the nearest site within ``max_distance_km`` of each EPSG:4326 point, else None.

    Parameters
    ----------
    points : numpy.ndarray of shapely.Point
        Points in EPSG:4326.
    sites : geopandas.GeoDataFrame
        The store's sites (EPSG:4326).
    crs : pyproj.CRS
        The equal-area analysis CRS, where distances are measured.
    max_distance_km : float
        Largest distance to a site.

    Raises
    ------
    SchemaError
        If ``max_distance_km`` is not a positive number.

    Examples
    --------
    >>> from deerhabitat.config import StoreConfig
    >>> sites = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[shapely.Point(68, 37)], crs=4326)
    >>> nearest_sites(np.array([shapely.Point(68.01, 37), shapely.Point(69, 37)]), sites,
    ...               StoreConfig().crs, max_distance_km=5)
    ['s', None]
    """
    if max_distance_km is None or not (max_distance_km > 0 and math.isfinite(max_distance_km)):
        raise SchemaError(
            "occurrences",
            [
                f"--max-distance-km {max_distance_km!r} must be a positive number of kilometres (how far "
                f"a record may lie from the site it is linked to), e.g. --max-distance-km 10"
            ],
        )
    sites = sites[sites.geometry.notna()]
    if sites.empty or len(points) == 0:
        return [None] * len(points)
    site_ids = np.asarray(sites["site_id"].astype(str).to_numpy(), dtype=object)
    tree = shapely.STRtree(np.asarray(sites.to_crs(crs).geometry.values, dtype=object))
    projected = np.asarray(gpd.GeoSeries(points, crs=4326).to_crs(crs).values, dtype=object)
    nearest, distance = _nearest(tree, projected, site_ids)
    limit = max_distance_km * M_PER_KM
    return [n if d is not None and d <= limit else None for n, d in zip(nearest, distance, strict=True)]


def _nearest(tree: shapely.STRtree, points: np.ndarray, site_ids: np.ndarray) -> tuple[list, list]:
    nearest: list = [None] * len(points)
    distance: list = [None] * len(points)
    present = np.array(
        [p is not None and not p.is_empty and np.isfinite(shapely.get_coordinates(p)).all() for p in points],
        dtype=bool,
    )
    if not present.any():
        return nearest, distance
    query = points[present]
    (inputs, _), dists = tree.query_nearest(query, all_matches=False, return_distance=True)
    nearest_m = np.full(len(query), np.inf)
    nearest_m[inputs] = dists
    # Sites within a micrometre of the nearest distance tie; the smallest site_id wins (GEOS returns one).
    inputs, targets = tree.query(query, predicate="dwithin", distance=nearest_m + _TIE_M)
    pair_m = shapely.distance(query[inputs], tree.geometries[targets])
    positions = np.flatnonzero(present)
    best: dict[int, tuple[str, float]] = {}
    for k, t, d in zip(inputs, targets, pair_m, strict=True):
        if d <= nearest_m[k] + _TIE_M and (k not in best or str(site_ids[t]) < best[k][0]):
            best[k] = (str(site_ids[t]), float(nearest_m[k]))
    for k, (sid, d) in best.items():
        nearest[positions[k]] = sid
        distance[positions[k]] = d
    return nearest, distance


_TIE_M = 1e-6


def fill_locations_from_sites(
    frame: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int]:
    """Give counts with no survey location the location of their site (its point, or a point inside it).

    Returns
    -------
    (geopandas.GeoDataFrame, int)
        The counts, and how many locations were filled in.

    Examples
    --------
    >>> sites = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[shapely.Point(68, 37)], crs=4326)
    >>> counts = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[None], crs=4326)
    >>> out, filled = fill_locations_from_sites(counts, sites)
    >>> out.geometry[0].wkt, filled
    ('POINT (68 37)', 1)
    """
    if "site_id" not in frame.columns or sites.empty:
        return frame, 0
    where = {str(s): g for s, g in zip(sites["site_id"], sites.geometry.values, strict=True) if g is not None}
    geoms = list(frame.geometry.values)
    filled = 0
    for i, (geom, site) in enumerate(zip(geoms, frame["site_id"].tolist(), strict=True)):
        site_geom = where.get(str(site)) if site is not None else None
        if (geom is None or geom.is_empty) and site_geom is not None and not site_geom.is_empty:
            geoms[i] = site_geom if site_geom.geom_type == "Point" else site_geom.representative_point()
            filled += 1
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs)
    return out, filled
