"""Protected areas: cleaning (wdpar recipe), dissolving, and who lives inside them.

Two layers are derived from the protected areas, both in the equal-area analysis CRS:

* **Cleaned** (:func:`clean_protected_areas`), after wdpar's ``wdpa_clean()``: every geometry is
  repaired (:func:`shapely.make_valid`) and only its polygonal parts are kept; overlaps are erased
  in order of IUCN category (Ia, Ib, II, III, IV, V, VI, Not Reported, Not Applicable, Not
  Assigned), then ``status_year`` ascending (unknown years last), then ``pa_id``: each area keeps
  only what no area before it covers, so every square metre belongs to one area; parts of at most
  ``sliver_m2`` (0.1 m², wdpar's threshold) are dropped. Use it to attribute area to one protected
  area. It is not snapped to a grid (GEOS's robust overlay does not need it).
* **Dissolved** (:func:`dissolve_protected_areas`): the union of the repaired areas as
  non-overlapping polygons. It covers exactly what the cleaned layer covers (less slivers), and
  is what coverage and the inside/outside counts use, so no area and no animal counts twice.

Inside means *covers*: a point on a boundary is inside.

Only figures with a position count inside or outside: a national total or a split of a national
figure (``country_estimate`` in :func:`~deerhabitat.analysis.site_year_counts`) stands for animals at
unknown places, so it never enters the inside/outside tallies, and a country whose only figure is
national is *not assessable*.

A protected share of a range is only as good as the two geometries it comes from:
:func:`coverage_basis` says, for each row of :func:`~deerhabitat.analysis.range_coverage`, whether the
range polygons were drawn (belts or buffers along rivers, from the ranges' ``source``) and whether
the protected areas are circles of their reported area (``approximate``), with the caveat to print
next to the number.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis._preconditions import require_analysis_crs, require_columns
from deerhabitat.analysis.join import covered_mask
from deerhabitat.analysis.projection import geodesic_distance_m
from deerhabitat.crs import CRSInput
from deerhabitat.i18n import format_number, message
from deerhabitat.schema import IUCN_CATEGORIES
from deerhabitat.units import m2_to_km2, m_to_km

SLIVER_M2 = 0.1
"""Parts of a cleaned protected area this small (m²) or smaller are dropped (wdpar's threshold)."""

PROTECTED_POPULATION_COLUMNS = [
    "iso3",
    "year",
    "count",
    "located",
    "inside",
    "outside",
    "protected_fraction",
    "assessable",
    "country_estimate",
    "note",
]
COVERAGE_BASIS_COLUMNS = ["range_geometry", "protected_area_geometry", "caveat"]
"""Columns :func:`coverage_basis` adds to the range coverage table."""

DRAWN_PATTERN = re.compile(r"\b(?:drawn|draw|buffer(?:ed|s)?|belts?|circles?|illustrative)\b", re.IGNORECASE)
"""Words in a range's ``source`` that say its polygon was drawn, not mapped."""
SITE_PROTECTION_COLUMNS = ["site_id", "iso3", "inside", "pa_ids", "nearest_pa_id", "distance_km"]


def clean_protected_areas(
    protected_areas: gpd.GeoDataFrame, *, sliver_m2: float = SLIVER_M2
) -> gpd.GeoDataFrame:
    """Repair protected areas and erase their overlaps so that no area counts twice.

    Parameters
    ----------
    protected_areas : geopandas.GeoDataFrame
        ``pa_id``, ``iucn_cat``, ``status_year`` and polygons, in an equal-area CRS. Not modified.
    sliver_m2 : float, default 0.1
        Parts of the erased geometries of this area (m²) or less are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input area, in erase order, with its attributes and: ``erase_rank`` (1 = kept
        whole), ``repaired`` (make_valid changed the geometry), ``area_km2`` (repaired area),
        ``flat_area_km2`` (area left after erasing, 0 when another area covers all of it) and the
        erased geometry (empty when nothing is left).

    Raises
    ------
    CRSError
        If the layer has no CRS or its CRS does not preserve area.
    SchemaError
        If a required column is missing.

    Examples
    --------
    >>> pas = gpd.GeoDataFrame({"pa_id": ["late", "strict"], "iucn_cat": ["IV", "Ia"],
    ...                         "status_year": [1990, 2000]},
    ...                        geometry=[shapely.box(0, 0, 2000, 1000), shapely.box(1000, 0, 3000, 1000)],
    ...                        crs="EPSG:6933")
    >>> clean_protected_areas(pas)[["pa_id", "area_km2", "flat_area_km2"]].values.tolist()
    [['strict', 2.0, 2.0], ['late', 2.0, 1.0]]
    """
    require_analysis_crs(protected_areas, what="clean_protected_areas(protected_areas)")
    require_columns(protected_areas, ("pa_id", "iucn_cat", "status_year"), kind="protected-areas")
    repaired = repair_polygons(protected_areas.geometry.to_numpy())
    order = _erase_order(protected_areas)
    flat = _erase_overlaps(repaired[order])
    flat = np.array([_drop_slivers(g, sliver_m2) for g in flat], dtype=object)
    out = pd.DataFrame(protected_areas.drop(columns=protected_areas.geometry.name)).iloc[order]
    out = out.reset_index(drop=True)
    out["erase_rank"] = np.arange(1, len(out) + 1)
    out["repaired"] = ~shapely.equals_exact(repaired[order], protected_areas.geometry.to_numpy()[order], 0.0)
    out["area_km2"] = m2_to_km2(shapely.area(repaired[order]))
    out["flat_area_km2"] = m2_to_km2(shapely.area(flat))
    crs = protected_areas.crs
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(flat, crs=crs), crs=crs)


def dissolve_protected_areas(protected_areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Dissolve the (repaired) protected areas into non-overlapping single polygons.

    Parameters
    ----------
    protected_areas : geopandas.GeoDataFrame
        Polygons in an equal-area CRS.

    Returns
    -------
    geopandas.GeoSeries
        Single polygons that do not overlap, sorted by their lower-left corner; empty when there
        is no protected area.

    Examples
    --------
    >>> pas = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)], crs="EPSG:6933")
    >>> [p.area for p in dissolve_protected_areas(pas)]
    [3.0]
    """
    require_analysis_crs(protected_areas, what="dissolve_protected_areas(protected_areas)")
    union = shapely.union_all(repair_polygons(protected_areas.geometry.to_numpy()))
    parts = shapely.get_parts(union)
    parts = parts[shapely.get_type_id(parts) == 3] if len(parts) else parts
    if len(parts):
        bounds = shapely.bounds(parts)
        parts = parts[np.lexsort((bounds[:, 1], bounds[:, 0]))]
    return gpd.GeoSeries(parts, crs=protected_areas.crs)


def repair_polygons(geometries: np.ndarray) -> np.ndarray:
    """Repair geometries with :func:`shapely.make_valid` and keep only their polygonal parts.

    Parameters
    ----------
    geometries : numpy.ndarray of shapely geometries
        Polygons, possibly invalid (self-intersecting rings, bow-ties); None becomes empty.

    Returns
    -------
    numpy.ndarray of shapely geometries
        Valid Polygons or MultiPolygons (empty Polygon when nothing polygonal is left).

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> repaired = repair_polygons(np.array([bowtie]))
    >>> [g.geom_type for g in repaired], float(repaired[0].area)
    (['MultiPolygon'], 2.0)
    """
    geometries = np.asarray(geometries, dtype=object)
    valid = shapely.make_valid(geometries)
    return np.array([_polygonal(g) for g in valid], dtype=object)


def protected_population(site_years: gpd.GeoDataFrame, protected_areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Animals counted at sites inside at least one protected area versus outside, by country and year.

    Only figures with a position are tallied: every site figure of the year (observed or carried,
    also one superseded in the total by a national figure) at its count's point. National totals
    and splits (``country_estimate``) have no position: they never count inside or outside, and a
    country-year with no located figure is **not assessable** (``protected_fraction`` NaN, never 0).
    A point covered by several overlapping areas counts once (the areas are dissolved first); a
    point on a boundary is inside.

    Parameters
    ----------
    site_years : geopandas.GeoDataFrame
        The output of :func:`~deerhabitat.analysis.site_year_counts` with count points.
    protected_areas : geopandas.GeoDataFrame
        Protected areas in the same equal-area CRS (may be empty: nothing is inside).

    Returns
    -------
    pandas.DataFrame
        ``iso3``, ``year``, ``count`` (the country total), ``located`` (animals of the site
        figures, ``inside + outside == located``), ``inside``, ``outside``, ``protected_fraction``
        (inside / located, 0-1; NaN when no animal is located), ``assessable`` (the country has at
        least one site figure that year; false when its only figure is national),
        ``country_estimate`` (the total is a national figure), ``note`` (why it is not assessable,
        or which part of the total has no position). Sorted by year, iso3.

    Raises
    ------
    CRSError
        If the inputs are not in one equal-area CRS.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["kz"], "iso3": ["KAZ"], "scope": ["country"]})
    >>> counts = gpd.GeoDataFrame({"count_id": ["1"], "site_id": ["kz"], "date": ["2023"], "count": [1140],
    ...                            "captive": [False]}, geometry=[shapely.Point(0, 0)], crs="EPSG:6933")
    >>> from deerhabitat.analysis.population import site_year_counts
    >>> pas = gpd.GeoDataFrame(geometry=[shapely.box(-10, -10, 10, 10)], crs="EPSG:6933")
    >>> table = protected_population(site_year_counts(counts, sites), pas)
    >>> table[["count", "located", "assessable"]].values.tolist()
    [[1140, 0, False]]
    """
    require_analysis_crs(
        site_years, protected_areas, what="protected_population(site_years, protected_areas)"
    )
    require_columns(
        site_years, ("iso3", "year", "count", "in_total", "country_estimate"), kind="site-year counts"
    )
    national = site_years["country_estimate"].astype(bool).to_numpy()
    used = site_years["in_total"].astype(bool).to_numpy()
    located = site_years[~national]
    inside = covered_mask(located.geometry, dissolve_protected_areas(protected_areas))
    frame = pd.DataFrame(
        {
            "iso3": site_years["iso3"].astype(str).to_numpy(),
            "year": site_years["year"].to_numpy(),
            "total": np.where(used, site_years["count"], 0),
            "national": np.where(used & national, site_years["count"], 0),
            "located": np.where(~national, site_years["count"], 0),
            "is_located": ~national,
            "inside": 0,
            "is_estimate": used & national,
        }
    )
    frame.loc[~national, "inside"] = np.where(inside, located["count"], 0)
    grouped = frame.groupby(["year", "iso3"], sort=True)
    out = pd.DataFrame(
        {
            "count": grouped["total"].sum(),
            "national": grouped["national"].sum(),
            "located": grouped["located"].sum(),
            "any_located": grouped["is_located"].any(),
            "inside": grouped["inside"].sum(),
            "country_estimate": grouped["is_estimate"].any(),
        }
    ).reset_index()
    out["outside"] = out["located"] - out["inside"]
    out["assessable"] = out["any_located"].astype(bool)
    out["protected_fraction"] = (out["inside"] / out["located"].where(out["located"] > 0)).astype(float)
    out["note"] = [_protection_note(r) for r in out.itertuples()]
    for column in ("year", "count", "located", "inside", "outside"):
        out[column] = out[column].astype("int64")
    return out[PROTECTED_POPULATION_COLUMNS]


def coverage_basis(
    coverage: pd.DataFrame, ranges: pd.DataFrame, protected_areas: pd.DataFrame
) -> pd.DataFrame:
    """Which geometry each protected share of the range was computed from, and the caveat it needs.

    A range polygon is *drawn* when its ``source`` says so (:data:`DRAWN_PATTERN`: drawn, buffer,
    belt, circle, illustrative); a protected area is a *circle* when its ``approximate`` flag is
    true (a WDPA point buffered to its reported area, or a boundary drawn as a circle).

    Parameters
    ----------
    coverage : pandas.DataFrame
        The output of :func:`~deerhabitat.analysis.range_coverage` (``period``, ``iso3``, ``ALL``
        for the whole range).
    ranges : pandas.DataFrame
        The range layer (``period``, ``iso3``, ``source``).
    protected_areas : pandas.DataFrame
        The protected areas (``iso3``, optional ``approximate``).

    Returns
    -------
    pandas.DataFrame
        ``coverage`` with :data:`COVERAGE_BASIS_COLUMNS`: ``range_geometry`` and
        ``protected_area_geometry`` (what the polygons are, e.g. "belts or buffers drawn along
        rivers (22 of 22 polygons)") and ``caveat`` (empty when both are mapped boundaries).

    Examples
    --------
    >>> cov = pd.DataFrame({"period": ["2020"], "iso3": ["ALL"], "protected_fraction": [0.5]})
    >>> r = pd.DataFrame({"period": ["2020"], "iso3": ["UZB"], "source": ["belt drawn by build.py"]})
    >>> pa = pd.DataFrame({"iso3": ["UZB", "UZB"], "approximate": [True, False]})
    >>> coverage_basis(cov, r, pa)["protected_area_geometry"].tolist()
    ['circles of the reported area around a point (1 of 2 areas), the others mapped boundaries']
    """
    out = coverage.copy()
    r_period = ranges["period"].astype(str).to_numpy() if len(ranges) else np.array([], dtype=str)
    r_iso3 = ranges["iso3"].astype(str).to_numpy() if len(ranges) else np.array([], dtype=str)
    r_drawn = (
        ranges["source"].astype(str).str.contains(DRAWN_PATTERN).to_numpy()
        if len(ranges) and "source" in ranges.columns
        else np.zeros(len(ranges), dtype=bool)
    )
    pa_iso3 = (
        protected_areas["iso3"].astype(str).to_numpy() if len(protected_areas) else np.array([], dtype=str)
    )
    pa_circle = (
        protected_areas["approximate"].astype("boolean").fillna(False).to_numpy(bool)
        if "approximate" in protected_areas.columns
        else np.zeros(len(protected_areas), dtype=bool)
    )
    range_text, pa_text, caveat = [], [], []
    for period, iso3 in zip(out["period"].astype(str), out["iso3"].astype(str), strict=True):
        pick = (r_period == period) & ((r_iso3 == iso3) | (iso3 == "ALL"))
        drawn, n = int(r_drawn[pick].sum()), int(pick.sum())
        pa_pick = (pa_iso3 == iso3) | (iso3 == "ALL")
        circles, m = int(pa_circle[pa_pick].sum()), int(pa_pick.sum())
        range_text.append(
            _part_text(drawn, n, "analysis.range.drawn", "analysis.range.unit", "analysis.range.mapped")
        )
        pa_text.append(_part_text(circles, m, "analysis.pa.drawn", "analysis.pa.unit", "analysis.pa.mapped"))
        caveat.append(_caveat(drawn > 0, circles > 0))
    out["range_geometry"] = range_text
    out["protected_area_geometry"] = pa_text
    out["caveat"] = caveat
    return out


def site_protection(sites: gpd.GeoDataFrame, protected_areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each site: the protected areas it lies in, or the nearest one and how far.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        ``site_id``, ``iso3`` and Point or Polygon geometry, in an equal-area CRS.
    protected_areas : geopandas.GeoDataFrame
        ``pa_id`` and polygons in the same CRS (repaired, not erased, so overlapping areas are all
        listed).

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``iso3``, ``inside`` (bool: a protected area intersects the site, i.e. covers
        a point site), ``pa_ids`` (sorted list of those areas' ids), ``nearest_pa_id`` (for a
        site outside every area; None inside or when there is no area), ``distance_km`` (0 inside;
        else the geodesic length of the shortest line to the nearest area found in the
        analysis CRS; NaN without areas). Sorted by site_id.

    Raises
    ------
    CRSError
        If the inputs are not in one equal-area CRS.
    """
    crs = require_analysis_crs(sites, protected_areas, what="site_protection(sites, protected_areas)")
    require_columns(sites, ("site_id", "iso3"), kind="sites")
    require_columns(protected_areas, ("pa_id",), kind="protected-areas")
    ordered = sites.sort_values("site_id", kind="stable")
    geoms = ordered.geometry.to_numpy()
    pa_geoms = repair_polygons(protected_areas.geometry.to_numpy())
    pa_ids = protected_areas["pa_id"].astype(str).to_numpy()
    containing = _containing(geoms, pa_geoms, pa_ids)
    nearest, distance_km = _nearest(geoms, pa_geoms, pa_ids, crs, [bool(c) for c in containing])
    return pd.DataFrame(
        {
            "site_id": ordered["site_id"].astype(str).to_numpy(),
            "iso3": ordered["iso3"].astype(str).to_numpy(),
            "inside": [bool(c) for c in containing],
            "pa_ids": containing,
            "nearest_pa_id": pd.Series(nearest, dtype=object),
            "distance_km": distance_km,
        }
    )


# -- steps -------------------------------------------------------------------------------------------


def _protection_note(row: Any) -> str:
    national, located, count = int(row.national), int(row.located), int(row.count)
    if not row.any_located:
        return message("analysis.protection.not_assessable")
    if national:
        return message(
            "analysis.protection.partial", located=format_number(located), count=format_number(count)
        )
    return ""


def _part_text(k: int, n: int, drawn: str, unit: str, mapped: str) -> str:
    drawn, unit, mapped = message(drawn), message(unit), message(mapped)
    if n == 0:
        return message("analysis.part.none")
    if k == n:
        return message("analysis.part.all", drawn=drawn, k=k, n=n, unit=unit)
    if k == 0:
        return message("analysis.part.mapped", mapped=mapped, n=n, unit=unit)
    return message("analysis.part.some", drawn=drawn, k=k, n=n, unit=unit, mapped=mapped)


def _caveat(drawn_range: bool, circles: bool) -> str:
    if not (drawn_range or circles):
        return ""
    what = message("analysis.and").join(
        message(w)
        for w, on in (("analysis.caveat.range", drawn_range), ("analysis.caveat.circles", circles))
        if on
    )
    return message("analysis.caveat", what=what)


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _erase_order(protected_areas: pd.DataFrame) -> np.ndarray:
    rank = {cat: i for i, cat in enumerate(IUCN_CATEGORIES)}
    category = protected_areas["iucn_cat"].map(lambda c: rank.get(str(c), len(rank))).to_numpy()
    year = pd.to_numeric(protected_areas["status_year"]).astype("Float64").fillna(np.inf).to_numpy(float)
    ids = protected_areas["pa_id"].astype(str).to_numpy()
    return np.lexsort((ids, year, category))


def _erase_overlaps(ordered: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(ordered)
    later, earlier = tree.query(ordered, predicate="intersects")
    keep = earlier < later
    later, earlier = later[keep], earlier[keep]
    out = ordered.copy()
    for i in np.unique(later):
        out[i] = _polygonal(shapely.difference(ordered[i], shapely.union_all(ordered[earlier[later == i]])))
    return out


def _drop_slivers(geom: BaseGeometry, sliver_m2: float) -> BaseGeometry:
    parts = shapely.get_parts(geom)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > sliver_m2)]
    if len(parts) == 0:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))


def _containing(geoms: np.ndarray, pa_geoms: np.ndarray, pa_ids: np.ndarray) -> list[list[str]]:
    containing: list[list[str]] = [[] for _ in geoms]
    if len(pa_geoms) == 0 or len(geoms) == 0:
        return containing
    site_idx, pa_idx = shapely.STRtree(pa_geoms).query(geoms, predicate="intersects")
    for s, p in zip(site_idx, pa_idx, strict=True):
        containing[s].append(str(pa_ids[p]))
    return [sorted(set(c)) for c in containing]


def _nearest(
    geoms: np.ndarray, pa_geoms: np.ndarray, pa_ids: np.ndarray, crs: CRSInput, inside: list[bool]
) -> tuple[list[str | None], np.ndarray]:
    nearest: list[str | None] = [None] * len(geoms)
    distance_km = np.where(inside, 0.0, np.nan)
    located = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    outside = np.flatnonzero(~np.asarray(inside, dtype=bool) & located)
    if len(pa_geoms) == 0 or len(outside) == 0:
        return nearest, distance_km
    site_idx, pa_idx = shapely.STRtree(pa_geoms).query_nearest(geoms[outside], all_matches=True)
    best: dict[int, int] = {}
    for s, p in zip(site_idx, pa_idx, strict=True):
        if s not in best or pa_ids[p] < pa_ids[best[s]]:
            best[int(s)] = int(p)
    chosen = np.array([best[k] for k in range(len(outside))])
    lines = shapely.shortest_line(geoms[outside], pa_geoms[chosen])
    coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    distance_km[outside] = m_to_km(geodesic_distance_m(coords[:, 0], coords[:, 1], crs))
    for k, site in enumerate(outside):
        nearest[site] = str(pa_ids[chosen[k]])
    return nearest, distance_km
