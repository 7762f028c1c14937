"""Range area, how much of it is protected, and how the range changed between periods.

Every polygon of a period counts, whatever its IUCN presence, origin and seasonal codes (a period
is one map: the historical range, the range of 2002 ...). A country's range in a period is the
union of the period's polygons whose ``iso3`` is that country; a polygon without ``iso3`` is split
among the range states by intersection with their polygons when ``range_states`` is given, and
otherwise only enters the whole range (``iso3 = "ALL"``), the union of all the period's polygons.
Geometries are repaired (:func:`shapely.make_valid`) and unioned first, so overlapping polygons
never count twice; protected area is measured on the dissolved protected areas
(:func:`~deerhabitat.analysis.dissolve_protected_areas`). Areas are planar areas in the equal-area
analysis CRS, in km².
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis._preconditions import require_analysis_crs, require_columns
from deerhabitat.analysis.protection import repair_polygons
from deerhabitat.errors import AnalysisError
from deerhabitat.schema import latest_period, period_order
from deerhabitat.units import m2_to_km2

ALL = "ALL"
"""The ``iso3`` of rows about the whole range of a period."""

COVERAGE_COLUMNS = ["period", "iso3", "range_km2", "protected_km2", "protected_fraction"]
CHANGE_COLUMNS = [
    "iso3",
    "historical_period",
    "current_period",
    "historical_km2",
    "current_km2",
    "change_km2",
    "lost_fraction",
    "lost_km2",
    "gained_km2",
]


def dissolve_ranges(
    ranges: gpd.GeoDataFrame, *, range_states: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Dissolve the range of each period, as a whole (``iso3 = "ALL"``) and per country.

    Parameters
    ----------
    ranges : geopandas.GeoDataFrame
        ``period``, ``iso3`` (nullable) and polygons, in an equal-area CRS.
    range_states : geopandas.GeoDataFrame, optional
        ``iso3`` and country polygons in the same CRS, used to split polygons that have no iso3.

    Returns
    -------
    geopandas.GeoDataFrame
        ``period``, ``iso3`` and the dissolved geometry; periods in :func:`period_order`, then
        ``ALL`` and the countries in alphabetical order.

    Examples
    --------
    >>> r = gpd.GeoDataFrame({"period": ["2020", "2020"], "iso3": ["UZB", "TJK"]},
    ...                      geometry=[shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)], crs="EPSG:6933")
    >>> [(row.iso3, row.geometry.area) for row in dissolve_ranges(r).itertuples()]
    [('ALL', 3.0), ('TJK', 2.0), ('UZB', 2.0)]
    """
    frames = (ranges,) if range_states is None else (ranges, range_states)
    require_analysis_crs(*frames, what="dissolve_ranges(ranges, range_states)")
    require_columns(ranges, ("period", "iso3"), kind="ranges")
    geoms = repair_polygons(ranges.geometry.to_numpy())
    periods = ranges["period"].astype(str).to_numpy()
    iso3 = ranges["iso3"].astype(object).where(ranges["iso3"].notna(), None).to_numpy()
    rows: list[tuple[str, str, BaseGeometry]] = []
    for period in period_order(periods):
        in_period = periods == period
        rows.append((period, ALL, shapely.union_all(geoms[in_period])))
        for code, geom in sorted(_by_country(geoms[in_period], iso3[in_period], range_states).items()):
            rows.append((period, code, geom))
    return gpd.GeoDataFrame(
        {"period": [r[0] for r in rows], "iso3": [r[1] for r in rows]},
        geometry=gpd.GeoSeries([r[2] for r in rows], crs=ranges.crs),
        crs=ranges.crs,
    )


def range_coverage(
    ranges: gpd.GeoDataFrame,
    protected_areas: gpd.GeoDataFrame,
    *,
    range_states: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Range area and protected range area per period, for the whole range and each country.

    Parameters
    ----------
    ranges : geopandas.GeoDataFrame
        ``period``, ``iso3`` (nullable) and polygons, in an equal-area CRS.
    protected_areas : geopandas.GeoDataFrame
        Protected areas in the same CRS (may be empty).
    range_states : geopandas.GeoDataFrame, optional
        Country polygons, to split range polygons without iso3 (see :func:`dissolve_ranges`).

    Returns
    -------
    pandas.DataFrame
        ``period``, ``iso3`` (``ALL`` for the whole range), ``range_km2``, ``protected_km2``
        (range inside the dissolved protected areas), ``protected_fraction`` (0-1; NaN for an
        empty range).

    Raises
    ------
    CRSError
        If the inputs are not in one equal-area CRS.

    Examples
    --------
    >>> r = gpd.GeoDataFrame({"period": ["2020"], "iso3": ["UZB"]}, geometry=[shapely.box(0, 0, 4000, 1000)],
    ...                      crs="EPSG:6933")
    >>> pas = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(500, 0, 1500, 1000)],
    ...                        crs="EPSG:6933")
    >>> range_coverage(r, pas).values.tolist()
    [['2020', 'ALL', 4.0, 1.5, 0.375], ['2020', 'UZB', 4.0, 1.5, 0.375]]
    """
    require_analysis_crs(ranges, protected_areas, what="range_coverage(ranges, protected_areas)")
    dissolved = dissolve_ranges(ranges, range_states=range_states)
    protected = shapely.union_all(repair_polygons(protected_areas.geometry.to_numpy()))
    geoms = dissolved.geometry.to_numpy()
    range_km2 = m2_to_km2(shapely.area(geoms))
    protected_km2 = m2_to_km2(shapely.area(shapely.intersection(geoms, protected)))
    out = pd.DataFrame(
        {
            "period": dissolved["period"].to_numpy(),
            "iso3": dissolved["iso3"].to_numpy(),
            "range_km2": range_km2,
            "protected_km2": protected_km2,
        }
    )
    out["protected_fraction"] = _fraction(protected_km2, range_km2)
    return out[COVERAGE_COLUMNS]


def range_change(
    ranges: gpd.GeoDataFrame,
    *,
    range_states: gpd.GeoDataFrame | None = None,
    historical: str | None = None,
    current: str | None = None,
) -> pd.DataFrame:
    """Historical versus current range area per country, and the fraction lost.

    Parameters
    ----------
    ranges : geopandas.GeoDataFrame
        ``period``, ``iso3`` (nullable) and polygons, in an equal-area CRS.
    range_states : geopandas.GeoDataFrame, optional
        Country polygons, to split range polygons without iso3.
    historical : str, optional
        The historical period; default ``historical`` (any case) if present, else the earliest
        numeric period.
    current : str, optional
        The current period; default the latest numeric period.

    Returns
    -------
    pandas.DataFrame
        One row for the whole range (``ALL``) and one per country: ``iso3``,
        ``historical_period``, ``current_period``, ``historical_km2``, ``current_km2``,
        ``change_km2`` (current - historical), ``lost_fraction`` ((historical - current) /
        historical: the net fraction lost, negative when the range grew; NaN without a
        historical range), ``lost_km2`` (historical range outside the current one) and
        ``gained_km2`` (current range outside the historical one). Empty when the layer does
        not hold two such periods.

    Raises
    ------
    AnalysisError
        If ``historical`` or ``current`` is given and is not a period of the layer.
    CRSError
        If the inputs are not in one equal-area CRS.

    Examples
    --------
    >>> r = gpd.GeoDataFrame({"period": ["historical", "2020"], "iso3": ["UZB", "UZB"]},
    ...                      geometry=[shapely.box(0, 0, 4000, 1000), shapely.box(3000, 0, 4000, 1000)],
    ...                      crs="EPSG:6933")
    >>> range_change(r)[["iso3", "historical_km2", "current_km2", "lost_fraction"]].values.tolist()
    [['ALL', 4.0, 1.0, 0.75], ['UZB', 4.0, 1.0, 0.75]]
    """
    dissolved = dissolve_ranges(ranges, range_states=range_states)
    historical, current = _change_periods(dissolved["period"].unique(), historical, current)
    if historical is None or current is None:
        return pd.DataFrame({c: [] for c in CHANGE_COLUMNS})
    before = _geometry_by_iso3(dissolved, historical)
    after = _geometry_by_iso3(dissolved, current)
    codes = [ALL, *sorted((set(before) | set(after)) - {ALL})]
    empty = shapely.Polygon()
    old = np.array([before.get(c, empty) for c in codes], dtype=object)
    new = np.array([after.get(c, empty) for c in codes], dtype=object)
    old_km2, new_km2 = m2_to_km2(shapely.area(old)), m2_to_km2(shapely.area(new))
    out = pd.DataFrame(
        {
            "iso3": codes,
            "historical_period": historical,
            "current_period": current,
            "historical_km2": old_km2,
            "current_km2": new_km2,
            "change_km2": new_km2 - old_km2,
            "lost_fraction": _fraction(old_km2 - new_km2, old_km2),
            "lost_km2": m2_to_km2(shapely.area(shapely.difference(old, new))),
            "gained_km2": m2_to_km2(shapely.area(shapely.difference(new, old))),
        }
    )
    return out[CHANGE_COLUMNS]


# -- steps -------------------------------------------------------------------------------------------


def _by_country(geoms: np.ndarray, iso3: np.ndarray, range_states: gpd.GeoDataFrame | None) -> dict:
    pieces: dict[str, list] = {}
    for geom, code in zip(geoms, iso3, strict=True):
        if code is not None and str(code).strip():
            pieces.setdefault(str(code), []).append(geom)
    unassigned = [g for g, c in zip(geoms, iso3, strict=True) if c is None or not str(c).strip()]
    if unassigned and range_states is not None and len(range_states):
        loose = shapely.union_all(unassigned)
        states = repair_polygons(range_states.geometry.to_numpy())
        for code, state in zip(range_states["iso3"].astype(str), states, strict=True):
            part = shapely.intersection(loose, state)
            if shapely.area(part) > 0:
                pieces.setdefault(code, []).append(part)
    return {code: shapely.union_all(parts) for code, parts in pieces.items()}


def _geometry_by_iso3(dissolved: gpd.GeoDataFrame, period: str) -> dict[str, BaseGeometry]:
    rows = dissolved[dissolved["period"] == period]
    return dict(zip(rows["iso3"], rows.geometry, strict=True))


def _change_periods(periods: Iterable[object], historical: str | None, current: str | None) -> tuple:
    ordered = period_order(periods)
    for name, value in (("historical", historical), ("current", current)):
        if value is not None and value not in ordered:
            raise AnalysisError(
                f"range_change(): {name}={value!r} is not a period of the ranges layer "
                f"(periods: {', '.join(ordered) or 'none'}); pass one of those"
            )
    years = [p for p in ordered if p.strip().isdigit()]
    if historical is None:
        named = [p for p in ordered if p.strip().lower() == "historical"]
        historical = named[0] if named else (years[0] if years else None)
    if current is None:
        current = latest_period(ordered)
    if historical is None or current is None or historical == current:
        return None, None
    return historical, current


def _fraction(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), np.nan)
