"""From a checked national report to the store's layers: sites, population counts, releases, protected areas.

The mapping (see ``docs/national-report-format.md``):

- ``populations`` → ``population-counts``, one per entry, with ``count_id``
  ``nr:<ISO3>:<period>:<site_id>:<date>``, so importing the same report again updates the counts
  instead of duplicating them; a site id the store does not know becomes a new ``sites`` feature when
  the entry gives coordinates. A count's point is the report's position, else the store's site.
- ``releases`` → ``releases`` (``release_id`` ``nr:<ISO3>:<period>:<release_id or site_id:date>``).
- ``protected_areas`` with a position and an area, and an id the store does not hold →
  ``protected-areas`` as a circle of the reported area drawn in the store's equal-area CRS, flagged
  ``approximate``; the others stay only in the report kept in the store.
- A site's or protected area's Russian name given in the report (``site_name_ru``, ``name_ru``)
  becomes its ``name_ru``, shown by maps and reports in Russian.
- Every feature's ``source`` is ``national report <ISO3> <period> (<file name>)``; the figure's own
  citation from the report goes into ``notes``.

Features from an earlier version of the same country and period that the new version no longer
lists are withdrawn (:func:`versioned_rows`): the latest version wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from deerhabitat.crs import STORE_CRS
from deerhabitat.errors import SchemaError
from deerhabitat.io.wdpa import circle_radius_m
from deerhabitat.nrschema import Locator, key_path, period_label
from deerhabitat.nrtext import text
from deerhabitat.schema import SPECS, LayerKind, validate_layer

CIRCLE_QUAD_SEGS = 64
"""Segments per quarter circle of the polygon drawn for a protected area known by its centre and area."""


@dataclass(frozen=True)
class ReportLayers:
    """The features a national report adds to a store (each a validated GeoDataFrame in EPSG:4326).

    Attributes
    ----------
    sites : geopandas.GeoDataFrame
        Sites the store did not know (with coordinates in the report).
    population_counts, releases, protected_areas : geopandas.GeoDataFrame
        Counts, releases, and new protected areas drawn as circles.
    id_prefix : str
        ``nr:<ISO3>:<period>:``, the start of every count and release id of this country and period.
    source : str
        ``national report <ISO3> <period> (<file name>)``.
    """

    sites: gpd.GeoDataFrame
    population_counts: gpd.GeoDataFrame
    releases: gpd.GeoDataFrame
    protected_areas: gpd.GeoDataFrame
    id_prefix: str
    source: str

    def frames(self) -> dict[LayerKind, gpd.GeoDataFrame]:
        """The four layers by kind, in the order they are written (sites first: counts refer to them)."""
        return {
            LayerKind.SITES: self.sites,
            LayerKind.POPULATION_COUNTS: self.population_counts,
            LayerKind.RELEASES: self.releases,
            LayerKind.PROTECTED_AREAS: self.protected_areas,
        }


def report_source(report: Mapping[str, Any], filename: str) -> str:
    """The ``source`` of every feature imported from a report.

    Examples
    --------
    >>> report_source({"report": {"country": "UZB", "period_start": 2020, "period_end": 2023}}, "u.yaml")
    'national report UZB 2020-2023 (u.yaml)'
    """
    head = report["report"]
    period = period_label(head["period_start"], head["period_end"])
    return f"national report {head['country']} {period} ({filename})"


def report_layers(
    report: Mapping[str, Any],
    *,
    filename: str,
    store_sites: gpd.GeoDataFrame,
    store_pa_ids: Iterable[str],
    range_states: Iterable[str],
    analysis_crs: pyproj.CRS,
    locate: Locator = key_path,
) -> tuple[ReportLayers, list[str]]:
    """Turn a checked report into the features it adds to a store, or list why it cannot be imported.

    Parameters
    ----------
    report : mapping
        A report that passed :func:`deerhabitat.nrschema.check_report` (coerced values).
    filename : str
        The report file's name, quoted in every feature's ``source``.
    store_sites : geopandas.GeoDataFrame
        The store's ``sites`` layer (EPSG:4326).
    store_pa_ids : iterable of str
        Ids of the protected areas in the store (those are never redrawn).
    range_states : iterable of str
        ISO3 codes of the store's range states; the report's country must be one.
    analysis_crs : pyproj.CRS
        The store's equal-area CRS, in which circles of a reported area are drawn.
    locate : callable, optional
        Path → place in the file, for the problems.

    Returns
    -------
    layers : ReportLayers
    problems : list of str
        Why the report does not fit this store (unknown sites without coordinates, another
        country's sites, a country that is not a range state); empty when it can be imported.
    """
    head = report["report"]
    country = head["country"]
    problems: list[str] = []
    states = sorted(range_states)
    if country not in states:
        problems.append(
            f"{locate(('report', 'country'))}: "
            + text(
                "nr.err.not_range_state",
                country=repr(country),
                states=", ".join(states) or text("nr.word.none"),
            )
        )
    source = report_source(report, filename)
    prefix = f"nr:{country}:{period_label(head['period_start'], head['period_end'])}:"
    known = _site_points(store_sites)
    sites = _new_sites(report, country, source, known, store_sites, locate, problems)
    points = {**known, **dict(zip(sites["site_id"], sites.geometry, strict=True))}
    counts = _counts(report, prefix, source, points)
    releases = _releases(report, prefix, source, points, locate, problems)
    protected = _protected_areas(report, country, source, set(map(str, store_pa_ids)), analysis_crs)
    frames = {
        LayerKind.SITES: sites,
        LayerKind.POPULATION_COUNTS: counts,
        LayerKind.RELEASES: releases,
        LayerKind.PROTECTED_AREAS: protected,
    }
    if not problems:
        frames = {kind: _validated(kind, frame, problems) for kind, frame in frames.items()}
    layers = ReportLayers(
        sites=frames[LayerKind.SITES],
        population_counts=frames[LayerKind.POPULATION_COUNTS],
        releases=frames[LayerKind.RELEASES],
        protected_areas=frames[LayerKind.PROTECTED_AREAS],
        id_prefix=prefix,
        source=source,
    )
    return layers, problems


def _validated(kind: LayerKind, frame: gpd.GeoDataFrame, problems: list[str]) -> gpd.GeoDataFrame:
    if frame.empty:
        return frame
    try:
        return validate_layer(frame, kind)
    except SchemaError as exc:
        problems.extend(f"{kind.value} built from the report: {p}" for p in exc.problems)
        return frame


def _site_points(sites: gpd.GeoDataFrame) -> dict[str, shapely.Point]:
    if sites.empty:
        return {}
    points = [g if g is None or g.geom_type == "Point" else g.point_on_surface() for g in sites.geometry]
    return dict(zip(sites["site_id"].astype(str), points, strict=True))


def _point(entry: Mapping[str, Any]) -> shapely.Point | None:
    if entry.get("latitude") is None or entry.get("longitude") is None:
        return None
    return shapely.Point(entry["longitude"], entry["latitude"])


def _approximate(entry: Mapping[str, Any]) -> bool | None:
    quality = entry.get("coord_quality")
    return None if quality is None else quality != "H"


def _new_sites(
    report: Mapping,
    country: str,
    source: str,
    known: Mapping,
    store_sites: gpd.GeoDataFrame,
    locate: Locator,
    problems: list[str],
) -> gpd.GeoDataFrame:
    store_iso3 = (
        dict(zip(store_sites["site_id"].astype(str), store_sites["iso3"].astype(str), strict=True))
        if not store_sites.empty
        else {}
    )
    rows: dict[str, dict] = {}
    for i, entry in enumerate(report["populations"]):
        site_id = entry["site_id"]
        if site_id in known:
            if store_iso3.get(site_id, country) != country:
                problems.append(
                    f"{locate(('populations', i, 'site_id'))}: "
                    + text(
                        "nr.err.other_country_site",
                        site=repr(site_id),
                        iso3=store_iso3[site_id],
                        country=country,
                    )
                )
            continue
        point = _point(entry)
        if point is None:
            if site_id not in rows:
                problems.append(
                    f"{locate(('populations', i, 'site_id'))}: "
                    + text("nr.err.unknown_site", site=repr(site_id))
                )
            continue
        rows.setdefault(
            site_id,
            {
                "site_id": site_id,
                "name": entry["site_name"],
                "iso3": country,
                "status": entry["site_status"],
                "source": source,
                "approximate": _approximate(entry),
                "scope": entry["scope"] or "site",
                "river": entry["river"],
                "coord_quality": entry["coord_quality"],
                "geometry": point,
                # the report's Russian name of the site, for maps and reports in Russian
                **({"name_ru": entry["site_name_ru"]} if entry.get("site_name_ru") else {}),
            },
        )
    return _frame(LayerKind.SITES, list(rows.values()))


def _notes(entry: Mapping[str, Any]) -> str:
    text = f"Cited in the report: {entry['source']}" if entry.get("source") else ""
    return "; ".join(part for part in (text, entry.get("notes") or "") if part)


def _counts(report: Mapping, prefix: str, source: str, points: Mapping) -> gpd.GeoDataFrame:
    illustrative = bool((report.get("report") or {}).get("illustrative"))
    rows = []
    for entry in report["populations"]:
        captive = entry["captive"] if entry["captive"] is not None else entry["site_status"] == "captive"
        rows.append(
            {
                "count_id": f"{prefix}{entry['site_id']}:{entry['date']}",
                "site_id": entry["site_id"],
                "date": entry["date"],
                "count": entry["count"],
                "lower": entry["lower"],
                "upper": entry["upper"],
                "method": entry["method"],
                "captive": captive,
                "source": source,
                "notes": _notes(entry),
                "geometry": _point(entry) or points.get(entry["site_id"]),
                # a report compiled for illustration gives illustrative figures, whatever their method
                **({"data_status": "illustrative"} if illustrative else {}),
            }
        )
    return _frame(LayerKind.POPULATION_COUNTS, rows)


def _releases(
    report: Mapping, prefix: str, source: str, points: Mapping, locate: Locator, problems: list[str]
) -> gpd.GeoDataFrame:
    rows = []
    listed = {
        e["site_id"] for e in report["populations"]
    }  # a listed site without coordinates is reported there
    for i, entry in enumerate(report["releases"]):
        for column, what in (
            ("site_id", "nr.err.destination_site"),
            ("source_site_id", "nr.err.source_site"),
        ):
            if entry[column] is not None and entry[column] not in points and entry[column] not in listed:
                problems.append(
                    f"{locate(('releases', i, column))}: "
                    + text("nr.err.unknown_release_site", what=text(what), site=repr(entry[column]))
                )
        local = entry["release_id"] or f"{entry['site_id']}:{entry['date']}"
        rows.append(
            {
                "release_id": f"{prefix}{local}",
                "site_id": entry["site_id"],
                "source_site_id": entry["source_site_id"],
                "source_name": entry["source_name"],
                "date": entry["date"],
                "n_released": entry["n_released"],
                "source": source,
                "notes": _notes({"source": entry["source"], "notes": entry["outcome"]}),
                "geometry": None,
            }
        )
    return _frame(LayerKind.RELEASES, rows)


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, other runs replaced by ``-``.

    Examples
    --------
    >>> _slug("Ile-Balkhash SNR (2018)")
    'ile-balkhash-snr-2018'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _protected_areas(
    report: Mapping, country: str, source: str, store_ids: set[str], analysis_crs: pyproj.CRS
) -> gpd.GeoDataFrame:
    rows = []
    for entry in report["protected_areas"]:
        point, area_km2 = _point(entry), entry["area_km2"]
        pa_id = entry["pa_id"] or f"nr:{country}:{_slug(entry['name'])}"
        if point is None or not area_km2 or pa_id in store_ids:
            continue
        rows.append(
            {
                "pa_id": pa_id,
                "name": entry["name"],
                "designation": entry["designation"],
                "iucn_cat": entry["iucn_cat"],
                "status_year": entry["established_year"],
                "reported_area_km2": area_km2,
                "iso3": country,
                "source": source,
                "approximate": True,
                "notes": _notes(entry),
                "geometry": circle_of_area(point, area_km2, analysis_crs),
                **({"name_ru": entry["name_ru"]} if entry.get("name_ru") else {}),
            }
        )
    return _frame(LayerKind.PROTECTED_AREAS, rows)


def circle_of_area(centre: shapely.Point, area_km2: float, crs: pyproj.CRS) -> shapely.Polygon:
    """A polygon of ``area_km2`` around a lon/lat ``centre``, drawn in the equal-area ``crs``.

    The same construction as a WDPA point with a reported area (:func:`deerhabitat.io.wdpa.circle_radius_m`):
    the radius is chosen so that the polygon itself, not the ideal circle, has the area asked for
    (in ``crs``); the polygon is returned in EPSG:4326.

    Parameters
    ----------
    centre : shapely.Point
        Longitude, latitude (EPSG:4326).
    area_km2 : float
        Area in square kilometres (> 0).
    crs : pyproj.CRS
        An equal-area projected CRS.

    Returns
    -------
    shapely.Polygon
        In EPSG:4326.

    Examples
    --------
    >>> import pyproj
    >>> crs = pyproj.CRS("+proj=aea +lat_1=37 +lat_2=46 +lat_0=41.5 +lon_0=67 +datum=WGS84 +units=m")
    >>> ring = circle_of_area(shapely.Point(60.62, 41.8), 687.178, crs)
    >>> round(float(gpd.GeoSeries([ring], crs=4326).to_crs(crs).area.iloc[0]) / 1e6, 3)
    687.178
    """
    projected = gpd.GeoSeries([centre], crs=STORE_CRS).to_crs(crs)
    radius_m = circle_radius_m(area_km2, quad_segs=CIRCLE_QUAD_SEGS)
    return projected.buffer(radius_m, quad_segs=CIRCLE_QUAD_SEGS).to_crs(STORE_CRS).iloc[0]


def _frame(kind: LayerKind, rows: list[dict]) -> gpd.GeoDataFrame:
    """Rows to a GeoDataFrame in EPSG:4326, sorted by id, spec columns first."""
    rows = sorted(rows, key=lambda row: str(row[SPECS[kind].id_column]))
    columns = [c.name for c in SPECS[kind].columns if c.required or c.name in ("lower", "upper")]
    columns += sorted({k for row in rows for k in row} - set(columns) - {"geometry"})
    data = pd.DataFrame([{k: v for k, v in row.items() if k != "geometry"} for row in rows], columns=columns)
    return gpd.GeoDataFrame(
        data, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=STORE_CRS), crs=STORE_CRS
    )


@dataclass(frozen=True)
class VersionMerge:
    """What to write for one layer so that the latest version of a country and period wins.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The features to write.
    mode : {"upsert", "replace"}
        How to write them (:meth:`deerhabitat.io.store.StoreWriter.write`).
    withdrawn : int
        Features of an earlier version that the new one no longer lists.
    """

    frame: gpd.GeoDataFrame
    mode: str
    withdrawn: int


def merge_version(
    current: gpd.GeoDataFrame, incoming: gpd.GeoDataFrame, id_column: str, prefix: str
) -> VersionMerge:
    """Decide how to write ``incoming`` so that rows of an earlier version it no longer lists go away.

    Parameters
    ----------
    current : geopandas.GeoDataFrame
        The layer in the store.
    incoming : geopandas.GeoDataFrame
        The new version's features of the same layer.
    id_column : str
        The layer's id column.
    prefix : str
        The id prefix of this country and period (``nr:UZB:2020-2023:``).

    Returns
    -------
    VersionMerge
        ``incoming`` to upsert when nothing is withdrawn; else the whole layer without the earlier
        version's rows, plus ``incoming``, to replace the layer.

    Examples
    --------
    >>> ids = ["a", "nr:U:2020:x:2020", "nr:U:2020:y:2020"]
    >>> cur = gpd.GeoDataFrame({"count_id": ids}, geometry=[None] * 3)
    >>> new = gpd.GeoDataFrame({"count_id": ["nr:U:2020:x:2020"]}, geometry=[None])
    >>> merge = merge_version(cur, new, "count_id", "nr:U:2020:")
    >>> merge.frame.count_id.tolist(), merge.mode, merge.withdrawn
    (['a', 'nr:U:2020:x:2020'], 'replace', 1)
    """
    ids = current[id_column].astype(str)
    ours = ids.str.startswith(prefix)
    withdrawn = int((ours & ~ids.isin(set(incoming[id_column].astype(str)))).sum())
    if not withdrawn:
        return VersionMerge(incoming, "upsert", 0)
    kept = current[~ours]
    parts = [part for part in (kept, incoming) if not part.empty]
    merged = pd.concat(parts, ignore_index=True) if parts else kept.iloc[:0]
    return VersionMerge(
        gpd.GeoDataFrame(merged, geometry=current.geometry.name, crs=current.crs), "replace", withdrawn
    )
