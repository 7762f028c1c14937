"""Publishing profiles, and the generalisation of wild-population positions for the public profile.

Method (public profile, the default)
------------------------------------
Poachers use published coordinates, so a public map must not show where a wild population is. Before
any output is built (HTML, embedded JSON, CSV, PNG/SVG, file names), every position of a wild
population is replaced by the centre of the cell it falls in on an equal-area grid:

1. the position is projected into the store's equal-area analysis CRS (``store.config.crs``); a site
   drawn as a polygon is first reduced to its centroid in that CRS;
2. the grid has square cells of ``store.config.generalise_m`` metres (10 km by default) whose corners lie
   on multiples of the cell size from the CRS's false origin (0, 0);
3. ``x' = (floor(x / cell) + 0.5) * cell`` and the same for ``y``; the cell centre is projected back to
   longitude/latitude and is the only position published.

The true position is anywhere in the cell: at most ``cell / √2`` (7.1 km for 10 km cells) from the
published point. Populations in one cell share one published point.

What is generalised: ``sites`` whose status is not ``captive`` (native, reintroduced, introduced and
anything unexpected), every ``population-counts`` point unless both the count and its site are
captive, and ``releases`` points unless their destination site is captive. Captive sites, protected
areas, ranges, rivers and range states are published as they are. The generalised layers keep only
their schema columns, so no extra column (for example a ``latitude`` column kept by an import) can
carry a position out.

Positions written in text (a site name, a note, a national report's description: ``41.80 N, 60.62 E``,
``40°39'15.6"N``) are replaced by ``[position withheld]`` in every text cell of the public
publication (:func:`withhold_positions`).

The ``internal`` profile publishes every position as recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.i18n import format_measure, format_number
from deerhabitat.publish.text import message
from deerhabitat.schema import SPECS, LayerKind


def generalisation_method(cell_m: float) -> str:
    """The method of the public profile in two sentences, for reports.

    Examples
    --------
    >>> generalisation_method(10_000).startswith("Each position of a wild population is replaced")
    True
    """
    return message(
        "methods.generalisation",
        cell_km=format_measure(cell_m / 1000),
        cell_m=format_measure(cell_m),
        within_km=format_number(cell_m / 1000 / 2**0.5, decimals=1),
    )


class Profile(StrEnum):
    """Who a publication is for: ``public`` generalises wild positions, ``internal`` keeps them."""

    PUBLIC = "public"
    INTERNAL = "internal"


CAPTIVE = "captive"

_HEMISPHERE = r"[NSEW](?![A-Za-z])"
_DEGREES = (
    rf"[-+]?(?:\d{{1,3}}\.\d+\s*(?:°\s*(?:{_HEMISPHERE})?|{_HEMISPHERE})"
    rf"|\d{{1,3}}\.\d{{2,}}(?:\s*°)?(?:\s*{_HEMISPHERE})?)"
)
_SECONDS = r"\d{1,2}(?:[.,]\d+)?\s*(?:[\"″”]|''|′′)"
_DMS = rf"[-+]?\d{{1,3}}\s*°\s*\d{{1,2}}(?:[.,]\d+)?\s*['′’]\s*(?:{_SECONDS})?\s*(?:{_HEMISPHERE})?"
_SINGLE = rf"[-+]?\d{{1,3}}\.\d+\s*°?\s*{_HEMISPHERE}"
POSITION_PATTERN = re.compile(rf"(?<![\d.])(?:{_DEGREES}\s*[,;/ ]\s*{_DEGREES}(?![\d])|{_DMS}|{_SINGLE})")
"""A position written in text: a pair of decimal degrees (``41.80, 60.62``, ``41.80 N 60.62 E``,
``41.8°N; 60.62°E``), one decimal degree with its hemisphere (``40.6543° N``) or any
degrees-minutes(-seconds) value (``40°39'15.6"N``, ``64° 07′``)."""


def withhold_positions(text: str) -> str:
    """Replace every position written in free text by ``[position withheld]`` (in the report's language).

    Examples
    --------
    >>> withhold_positions("Deer seen at 41.80 N, 60.62 E in 2023; density 0.95 per km2")
    'Deer seen at [position withheld] in 2023; density 0.95 per km2'
    >>> withhold_positions("Camera at 40°39′15.6″N 64°07′24.4″E")
    'Camera at [position withheld] [position withheld]'
    """
    return POSITION_PATTERN.sub(message("value.withheld"), text)


def snap_to_cell_centres(geometry: gpd.GeoSeries, *, cell_m: float, crs: pyproj.CRS) -> gpd.GeoSeries:
    """Replace each geometry by the centre of its cell on an equal-area grid.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Points or polygons in any CRS (polygons are reduced to their centroid in ``crs``).
    cell_m : float
        Cell size in metres of ``crs``.
    crs : pyproj.CRS
        The equal-area CRS of the grid; the grid's corners are multiples of ``cell_m`` from its origin.

    Returns
    -------
    geopandas.GeoSeries
        Points in the CRS of ``geometry``; missing or empty geometries stay missing.

    Examples
    --------
    >>> import shapely
    >>> crs = pyproj.CRS("+proj=aea +lat_1=37 +lat_2=46 +lat_0=41.5 +lon_0=67 +datum=WGS84 +units=m")
    >>> points = gpd.GeoSeries([shapely.Point(12_345.0, -6_789.0)], crs=crs)
    >>> snap_to_cell_centres(points, cell_m=10_000, crs=crs).iloc[0].coords[0]
    (15000.0, -5000.0)
    """
    projected = geometry.to_crs(crs)
    values = projected.values
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    centres = np.full(len(values), None, dtype=object)
    if present.any():
        xy = shapely.get_coordinates(shapely.centroid(values[present]))
        snapped = (np.floor(xy / cell_m) + 0.5) * cell_m
        centres[present] = shapely.points(snapped)
    out = gpd.GeoSeries(centres, index=geometry.index, crs=crs)
    return out.to_crs(geometry.crs)


def generalise_areas(frame: gpd.GeoDataFrame, *, cell_m: float, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Replace each polygon by the equal-area grid cells whose centres it contains (else its centroid's cell).

    Used for areas whose outline was shaped around exact wild positions (candidate sites are kept a
    distance away from every wild population, so their edges trace circles around them): published as
    whole cells, an outline no longer points at a position more precisely than the cell size.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Polygons in any CRS.
    cell_m : float
        Cell size in metres of ``crs``.
    crs : pyproj.CRS
        The equal-area CRS of the grid (corners at multiples of ``cell_m`` from its origin).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with (Multi)Polygon cell unions, in the CRS of ``frame``.

    Examples
    --------
    >>> crs = pyproj.CRS("+proj=aea +lat_1=37 +lat_2=46 +lat_0=41.5 +lon_0=67 +datum=WGS84 +units=m")
    >>> f = gpd.GeoDataFrame(geometry=[shapely.box(1_000, 1_000, 24_000, 9_000)], crs=crs)
    >>> generalise_areas(f, cell_m=10_000, crs=crs).geometry.iloc[0].bounds
    (0.0, 0.0, 20000.0, 10000.0)
    """
    projected = frame.geometry.to_crs(crs)
    cells = [_covering_cells(geom, cell_m) for geom in projected.values]
    out = frame.copy()
    return out.set_geometry(gpd.GeoSeries(cells, index=frame.index, crs=crs).to_crs(frame.crs))


def _covering_cells(geom: BaseGeometry, cell_m: float) -> BaseGeometry:
    x0, y0, x1, y1 = (np.floor(np.array(geom.bounds) / cell_m) * cell_m).tolist()
    xs, ys = np.meshgrid(
        np.arange(x0, x1 + cell_m, cell_m) + cell_m / 2, np.arange(y0, y1 + cell_m, cell_m) + cell_m / 2
    )
    inside = shapely.contains_xy(geom, xs.ravel(), ys.ravel())
    centres = np.column_stack([xs.ravel()[inside], ys.ravel()[inside]])
    if not len(centres):
        centres = (np.floor(shapely.get_coordinates(shapely.centroid(geom)) / cell_m) + 0.5) * cell_m
    half = cell_m / 2
    return shapely.union_all([shapely.box(x - half, y - half, x + half, y + half) for x, y in centres])


def _schema_only(frame: gpd.GeoDataFrame, kind: LayerKind) -> gpd.GeoDataFrame:
    keep = [c for c in SPECS[kind].column_names if c in frame.columns]
    return gpd.GeoDataFrame(frame[keep].copy(), geometry=frame.geometry.values, crs=frame.crs)


def _generalise(
    frame: gpd.GeoDataFrame, kind: LayerKind, mask: pd.Series, *, cell_m: float, crs: pyproj.CRS
) -> gpd.GeoDataFrame:
    out = _schema_only(frame, kind)
    chosen = mask.fillna(True).astype(bool).to_numpy()
    if chosen.any():
        values = out.geometry.values.copy()
        values[chosen] = snap_to_cell_centres(out.geometry[chosen], cell_m=cell_m, crs=crs).values
        out = out.set_geometry(gpd.GeoSeries(values, index=out.index, crs=out.crs))
    out["generalised"] = chosen
    return out


def generalise_layers(
    layers: Mapping[LayerKind, gpd.GeoDataFrame], *, cell_m: float, crs: pyproj.CRS
) -> dict[LayerKind, gpd.GeoDataFrame]:
    """Generalise every wild-population position of a store's layers (see the module's method).

    Parameters
    ----------
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        The store's layers in EPSG:4326, as :meth:`deerhabitat.io.Store.read_all` returns them.
    cell_m : float
        Grid cell size in metres (``store.config.generalise_m``).
    crs : pyproj.CRS
        The store's equal-area analysis CRS.

    Returns
    -------
    dict of LayerKind to geopandas.GeoDataFrame
        New frames; ``sites``, ``population-counts`` and ``releases`` keep only their schema columns
        and gain a boolean ``generalised`` column. The input frames are not modified.
    """
    out = dict(layers)
    sites = layers.get(LayerKind.SITES)
    captive_sites: set[str] = set()
    if sites is not None:
        captive_sites = set(sites.loc[sites["status"].astype("string") == CAPTIVE, "site_id"].astype(str))
        out[LayerKind.SITES] = _generalise(
            sites, LayerKind.SITES, sites["status"].astype("string") != CAPTIVE, cell_m=cell_m, crs=crs
        )
    counts = layers.get(LayerKind.POPULATION_COUNTS)
    if counts is not None:
        captive = counts["captive"].astype("boolean").fillna(False) & counts["site_id"].astype(str).isin(
            captive_sites
        )
        out[LayerKind.POPULATION_COUNTS] = _generalise(
            counts, LayerKind.POPULATION_COUNTS, ~captive, cell_m=cell_m, crs=crs
        )
    releases = layers.get(LayerKind.RELEASES)
    if releases is not None:
        wild = ~releases["site_id"].astype(str).isin(captive_sites)
        out[LayerKind.RELEASES] = _generalise(releases, LayerKind.RELEASES, wild, cell_m=cell_m, crs=crs)
    return out
