"""Zonal statistics with exact cell-coverage fractions (exactextract's definitions, area-weighted).

For a zone (a range, a protected area, a buffer around a site) and a raster, with ``c`` the fraction of a
pixel covered by the zone, ``a`` the pixel's area in km² and ``v`` its value (nodata pixels left out):

==================  ============================================================================
column              definition
==================  ============================================================================
``zone_km2``        Σ c·a over every pixel (the zone's area on the grid, nodata included)
``covered_km2``     Σ c·a over pixels with data
``count``           Σ c (pixels with data, fractional, as exactextract ``count``)
``sum``             Σ v·c (exactextract ``sum``)
``mean``            Σ v·c·a / Σ c·a (area-weighted; equals exactextract ``mean`` on an equal-area grid)
``min``, ``max``    over pixels with data and c > 0
``class_<v>``       (categorical rasters) Σ c·a of class v / ``covered_km2``: the share of each class
==================  ============================================================================

Statistics are sums, so blocks of a raster bigger than memory are processed one at a time and merged with
:meth:`ZonalStats.add`; the result does not depend on the block size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat.pixel_coverage import coverage_fraction

STAT_COLUMNS = ("zone_km2", "covered_km2", "count", "sum", "mean", "min", "max")
"""The statistics columns of :func:`zonal_table`, in order (class shares follow)."""


@dataclass
class ZonalStats:
    """Running sums for one zone; see the module notes for each quantity."""

    zone_km2: float = 0.0
    covered_km2: float = 0.0
    count: float = 0.0
    sum: float = 0.0
    weighted_sum: float = 0.0
    min: float = np.inf
    max: float = -np.inf
    class_km2: dict[int | float, float] = field(default_factory=dict)

    def add(self, other: ZonalStats) -> None:
        """Merge the sums of ``other`` (another block of the same zone)."""
        self.zone_km2 += other.zone_km2
        self.covered_km2 += other.covered_km2
        self.count += other.count
        self.sum += other.sum
        self.weighted_sum += other.weighted_sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        for value, area in other.class_km2.items():
            self.class_km2[value] = self.class_km2.get(value, 0.0) + area

    @property
    def mean(self) -> float:
        """Area-weighted mean of the values (NaN when no pixel with data is covered)."""
        return self.weighted_sum / self.covered_km2 if self.covered_km2 > 0 else float("nan")

    def class_fractions(self) -> dict[int | float, float]:
        """Share of the covered area of each class, sorted by class value."""
        if self.covered_km2 <= 0:
            return {}
        return {v: a / self.covered_km2 for v, a in sorted(self.class_km2.items())}


def block_stats(
    values: np.ndarray,
    valid: np.ndarray,
    cover: np.ndarray,
    pixel_area_km2: float | np.ndarray,
    *,
    categorical: bool = False,
) -> ZonalStats:
    """Statistics of one zone over one block.

    Parameters
    ----------
    values : numpy.ndarray
        Raster values of the block.
    valid : numpy.ndarray
        Boolean, False at nodata.
    cover : numpy.ndarray
        Coverage fraction of the zone in each pixel (0-1).
    pixel_area_km2 : float or numpy.ndarray
        Pixel areas in km².
    categorical : bool, default False
        Also sum the area of each class value.

    Returns
    -------
    ZonalStats

    Examples
    --------
    >>> s = block_stats(np.array([[1.0, 3.0]]), np.array([[True, True]]), np.array([[1.0, 0.5]]), 2.0)
    >>> s.count, s.sum, s.mean, s.covered_km2
    (1.5, 2.5, 1.6666666666666667, 3.0)
    """
    weight = cover.astype(np.float64) * pixel_area_km2
    stats = ZonalStats(zone_km2=float(weight.sum()))
    use = valid & (cover > 0)
    if not use.any():
        return stats
    v = values[use].astype(np.float64)
    w = weight[use]
    stats.covered_km2 = float(w.sum())
    stats.count = float(cover[use].sum(dtype=np.float64))
    stats.sum = float((v * cover[use]).sum())
    stats.weighted_sum = float((v * w).sum())
    stats.min, stats.max = float(v.min()), float(v.max())
    if categorical:
        classes, inverse = np.unique(v, return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=w)
        stats.class_km2 = {_class_key(c): float(s) for c, s in zip(classes, sums, strict=True)}
    return stats


def _class_key(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def zones_block_stats(
    values: np.ndarray,
    valid: np.ndarray,
    grid: Grid,
    zones: Mapping[str, BaseGeometry],
    pixel_area_km2: float | np.ndarray,
    *,
    categorical: bool = False,
) -> dict[str, ZonalStats]:
    """Statistics of every zone touching one block (zones not touching it are left out).

    Parameters
    ----------
    values, valid : numpy.ndarray
        The block's values and data mask.
    grid : Grid
        The block's grid.
    zones : mapping of str to geometry
        Zone id -> polygon in the grid's CRS.
    pixel_area_km2 : float or numpy.ndarray
        Pixel areas of the block.
    categorical : bool, default False
        Also sum the area of each class.

    Returns
    -------
    dict of str to ZonalStats
    """
    names = list(zones)
    geoms = np.array([zones[n] for n in names], dtype=object)
    touching = shapely.intersects(geoms, grid.box) if len(geoms) else np.array([], dtype=bool)
    return {
        name: block_stats(
            values, valid, coverage_fraction(geom, grid), pixel_area_km2, categorical=categorical
        )
        for name, geom, hit in zip(names, geoms, touching, strict=True)
        if hit
    }


def zonal_statistics(
    values: np.ndarray,
    valid: np.ndarray,
    grid: Grid,
    zones: gpd.GeoDataFrame,
    *,
    id_column: str,
    pixel_area_km2: float | np.ndarray,
    categorical: bool = False,
) -> pd.DataFrame:
    """Zonal statistics of a raster held in memory (see the module notes for the definitions).

    Parameters
    ----------
    values : numpy.ndarray
        The raster's values on ``grid``.
    valid : numpy.ndarray
        Boolean, False at nodata.
    grid : Grid
        The raster's grid.
    zones : geopandas.GeoDataFrame
        Zone polygons in the grid's CRS.
    id_column : str
        Column of ``zones`` that identifies each zone.
    pixel_area_km2 : float or numpy.ndarray
        Pixel areas (see :func:`~deerhabitat.analysis.habitat.pixel_coverage.pixel_area_km2`).
    categorical : bool, default False
        Add the share of each class.

    Returns
    -------
    pandas.DataFrame
        One row per zone, sorted by id: the id, then :data:`STAT_COLUMNS`, then ``class_<v>`` shares.

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(1000, 0, 0, 0, -1000, 1000), 2, 1, pyproj.CRS("EPSG:6933"))
    >>> z = gpd.GeoDataFrame({"zone": ["a"]}, geometry=[shapely.box(500, 0, 2000, 1000)], crs=6933)
    >>> t = zonal_statistics(np.array([[2, 4]]), np.array([[True, True]]), g, z, id_column="zone",
    ...                      pixel_area_km2=1.0)
    >>> t[["zone", "count", "sum", "mean", "min", "max"]].values.tolist()
    [['a', 1.5, 5.0, 3.3333333333333335, 2.0, 4.0]]
    """
    geoms = {str(k): geom for k, geom in zip(zones[id_column], zones.geometry.values, strict=True)}
    stats = zones_block_stats(values, valid, grid, geoms, pixel_area_km2, categorical=categorical)
    return zonal_table(
        {k: stats.get(k, ZonalStats()) for k in geoms}, id_column=id_column, categorical=categorical
    )


def zonal_table(
    stats: Mapping[str, ZonalStats], *, id_column: str, categorical: bool = False
) -> pd.DataFrame:
    """Assemble merged :class:`ZonalStats` into a table sorted by zone id (columns as in the module notes)."""
    classes = sorted({c for s in stats.values() for c in s.class_km2}) if categorical else []
    rows = []
    for name in sorted(stats):
        s = stats[name]
        covered = s.covered_km2 > 0
        row = {
            id_column: name,
            "zone_km2": s.zone_km2,
            "covered_km2": s.covered_km2,
            "count": s.count,
            "sum": s.sum,
            "mean": s.mean,
            "min": s.min if covered else np.nan,
            "max": s.max if covered else np.nan,
        }
        shares = s.class_fractions()
        row.update({f"class_{c}": shares.get(c, 0.0) for c in classes})
        rows.append(row)
    return pd.DataFrame(rows, columns=[id_column, *STAT_COLUMNS, *(f"class_{c}" for c in classes)])
