"""What publications show: a store's layers and results after the publishing profile, and display frames.

:class:`PublishData` carries the layers and the analyses' results, made only by
:func:`deerhabitat.publish.publication.prepare_data` (the one place the profile is applied); the
functions below derive what popups and symbols need
(sites with their latest count, the count shown for each site and year, releases grouped by route).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from deerhabitat.config import StoreConfig
from deerhabitat.i18n import current_language, format_date, format_measure, localised
from deerhabitat.publish.density import Density
from deerhabitat.publish.generalise import Profile
from deerhabitat.publish.layers import RasterLayer
from deerhabitat.publish.map_text import number, text
from deerhabitat.publish.styles import proportional_radius_px
from deerhabitat.schema import NATIONAL_DATA_STATUSES, LayerKind

DATA_STATUS_TEXT = {
    "surveyed": "surveyed",
    "estimated": "estimated",
    "national-total": "national total",
    "national-split": "split of a national or global figure",
    "illustrative": "illustrative, not data",
}
"""How each data status of a count reads (English; :func:`data_status_text` gives the current language)."""

STATUS_TEXT = {
    "native": "native (wild)",
    "reintroduced": "reintroduced (wild)",
    "introduced": "introduced (wild)",
    "captive": "captive",
}
"""How each site status reads (English; :func:`status_text` translates)."""


def status_text(status: object) -> str:
    """How a site status reads in the current language (an unknown status as written)."""
    return text(f"map.value.status.{status}") if str(status) in STATUS_TEXT else str(status)


def method_text(method: object) -> str:
    """How a counting method reads in the current language (an unknown method as written)."""
    try:
        return text(f"map.value.method.{method}")
    except KeyError:
        return str(method)


def display_name(row: Mapping) -> str:
    """The name of a feature in the current language: ``name_ru`` in Russian when present, else ``name``.

    Examples
    --------
    >>> from deerhabitat.i18n import language
    >>> row = {"name": "Amu Darya", "name_ru": "Амударья"}
    >>> display_name(row), display_name({"name": "Ili", "name_ru": None})
    ('Amu Darya', 'Ili')
    >>> with language("ru"):
    ...     display_name(row)
    'Амударья'
    """
    lang = current_language()
    translated = row.get(f"name_{lang}") if lang != "en" else None
    if isinstance(translated, str) and translated.strip():
        return translated
    return str(row.get("name"))


def with_localised(frame: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    """``frame`` with ``column`` in the current language: its ``<column>_<lang>`` where given.

    Unchanged in English, or when the frame has no translation of ``column``.
    """
    lang = current_language()
    translated = f"{column}_{lang}"
    if lang == "en" or translated not in frame.columns or column not in frame.columns:
        return frame
    out = frame.copy()
    out[column] = [localised(r, column) for r in out[[column, translated]].to_dict("records")]
    return out


def with_display_names(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with ``name`` in the current language (:func:`display_name`); unchanged in English."""
    return with_localised(frame, "name")


def display_source(row: Mapping) -> object:
    """The source of a feature as shown in the current language: ``source_ru`` in Russian when present.

    The translation keeps the citations as written and puts the words around them in Russian
    (:func:`deerhabitat.i18n.localised`); a source of citations only has none, and shows as written.

    Examples
    --------
    >>> from deerhabitat.i18n import language
    >>> row = {"source": "wwf.ru 8 Oct 2020", "source_ru": "wwf.ru 8 октября 2020 г."}
    >>> display_source(row)
    'wwf.ru 8 Oct 2020'
    >>> with language("ru"):
    ...     display_source(row), display_source({"source": "wild-life.kz", "source_ru": None})
    ('wwf.ru 8 октября 2020 г.', 'wild-life.kz')
    """
    return localised(row, "source")


def with_display_sources(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with ``source`` in the current language (:func:`display_source`); unchanged in English.

    Only what is shown goes through here (popups); tables and CSV files keep ``source`` as stored.
    """
    return with_localised(frame, "source")


@dataclass(frozen=True)
class Corridors:
    """Least-cost corridors between populations (``deerhabitat habitat corridors``) as published.

    Attributes
    ----------
    summary : mapping of str to Any
        The figures of ``corridors.json``: ``pairs`` (one record per pair of populations), ``isolated``,
        ``unprotected_bottlenecks``, ``populations``, ``profile``, ``resistance_transform``,
        ``max_cost``, ``tolerance``, ``cost_unit``, ``raster_source``, ``method``.
    paths : geopandas.GeoDataFrame
        Least-cost paths of the linked pairs (EPSG:4326), one row per pair with its figures.
    zones : geopandas.GeoDataFrame
        Corridor zones of the linked pairs (EPSG:4326).
    populations : geopandas.GeoDataFrame
        The end points the corridors were computed from (EPSG:4326; generalised in the public profile).
    """

    summary: Mapping[str, Any]
    paths: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    populations: gpd.GeoDataFrame

    @property
    def pairs(self) -> list[dict]:
        """The pair records (linked or not)."""
        return list(self.summary.get("pairs") or [])


@dataclass(frozen=True)
class PublishData:
    """Everything maps, tables and charts are built from, already prepared for the profile.

    Attributes
    ----------
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        The store's layers in EPSG:4326 (generalised when the profile is public).
    config : StoreConfig
        The store's settings (species, analysis CRS, generalisation cell, stale years).
    profile : Profile
        ``public`` or ``internal``.
    habitat : tuple of RasterLayer
        Habitat rasters ready for display (see :func:`deerhabitat.publish.rasters.build_raster_layer`).
    candidates : geopandas.GeoDataFrame, optional
        Candidate reintroduction sites (polygons in EPSG:4326).
    site_years : pandas.DataFrame, optional
        The wild figure of each site in each year from :func:`deerhabitat.analysis.site_year_counts`
        (attributes only); the population map needs it.
    tables : mapping of str to pandas.DataFrame
        The analysis tables (attributes only; public: distances in whole km, text positions withheld).
    reference_year : int or None
        The latest year with a wild count.
    reports : pandas.DataFrame, optional
        National report records with ``parsed`` on the latest versions (public: text positions withheld).
    provenance : pandas.DataFrame, optional
        The store's provenance log (source files by file name only).
    corridors : Corridors, optional
        Least-cost corridors between the populations (public: computed from generalised positions).
    occurrence_density : Density, optional
        Occurrences per hexagon (public: hexagons with few records suppressed).
    occurrences : geopandas.GeoDataFrame, optional
        Every occurrence at its position (internal profile only; None in the public profile).
    tracks : geopandas.GeoDataFrame, optional
        One telemetry track per collared animal (internal profile only).
    """

    layers: Mapping[LayerKind, gpd.GeoDataFrame]
    config: StoreConfig
    profile: Profile = Profile.PUBLIC
    habitat: tuple[RasterLayer, ...] = field(default=())
    candidates: gpd.GeoDataFrame | None = None
    site_years: pd.DataFrame | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    reference_year: int | None = None
    reports: pd.DataFrame | None = None
    provenance: pd.DataFrame | None = None
    corridors: Corridors | None = None
    occurrence_density: Density | None = None
    occurrences: gpd.GeoDataFrame | None = None
    tracks: gpd.GeoDataFrame | None = None

    def layer(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        """The layer of ``kind`` with its missing or empty geometries dropped, or None if absent or empty."""
        frame = self.layers.get(kind)
        if frame is None or frame.empty:
            return None
        values = frame.geometry.values
        keep = ~(shapely.is_missing(values) | shapely.is_empty(values))
        return with_display_names(frame[keep].reset_index(drop=True)) if keep.any() else None

    @property
    def coverage(self) -> pd.DataFrame | None:
        """Range coverage by period and country (the ``range_coverage`` table), or None."""
        return self.tables.get("range_coverage")

    @property
    def cell_km(self) -> float:
        """Generalisation cell size in kilometres."""
        return self.config.generalise_m / 1000.0


def country_names(data: PublishData) -> dict[str, str]:
    """Country names by ISO3 code in the current language, from the range-states layer (empty without one)."""
    states = data.layers.get(LayerKind.RANGE_STATES)
    if states is None or states.empty:
        return {}
    states = with_display_names(states)
    return {str(i): str(n) for i, n in zip(states["iso3"], states["name"], strict=True)}


def local_names(data: PublishData) -> dict[str, str]:
    """Names of the sites and protected areas in the current language.

    Keyed ``site:<site_id>`` and ``pa:<pa_id>``: a site and a protected area may share an id.
    """
    out: dict[str, str] = {}
    for kind, key, prefix in (
        (LayerKind.SITES, "site_id", "site"),
        (LayerKind.PROTECTED_AREAS, "pa_id", "pa"),
    ):
        layer = data.layers.get(kind)
        if layer is not None and not layer.empty and key in layer.columns:
            named = with_display_names(layer)
            out |= {f"{prefix}:{i}": str(n) for i, n in zip(named[key], named["name"], strict=True)}
    return out


def with_country(frame: gpd.GeoDataFrame, names: Mapping[str, str]) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with a ``country`` column (``Uzbekistan (UZB)``) made from its ``iso3``."""
    out = frame.copy()
    if "iso3" in out.columns:
        out["country"] = [
            None if pd.isna(i) else (f"{names[i]} ({i})" if i in names else str(i)) for i in out["iso3"]
        ]
    return out


def is_true(value: object) -> bool:
    """Whether a cell holds a true value (missing values are false)."""
    return (
        value is not None
        and value is not pd.NA
        and not (isinstance(value, float) and math.isnan(value))
        and bool(value)
    )


def latest_counts(counts: pd.DataFrame | None) -> pd.DataFrame:
    """The latest count of each site: latest date, ties broken by the last ``count_id``.

    Returns
    -------
    pandas.DataFrame
        One row per ``site_id`` with ``date, count, lower, upper, method, captive``, sorted by site.
    """
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["site_id", "date", "count", "lower", "upper", "method", "captive"])
    geometry = counts.geometry.name if isinstance(counts, gpd.GeoDataFrame) else None
    frame = pd.DataFrame(counts.drop(columns=geometry) if geometry else counts)
    frame = frame.sort_values(["site_id", "date", "count_id"], kind="stable")
    return frame.groupby("site_id", sort=True).tail(1).reset_index(drop=True)


def count_text(row: Mapping) -> str:
    """``420 (400–440) in 2021-02, estimate`` from a count row.

    Examples
    --------
    >>> count_text({"count": 510, "lower": 500, "upper": 520, "date": "2021-02", "method": "estimate",
    ...             "captive": False})
    '510 (500–520) in 2021-02, estimate'
    """
    shown = number(int(row["count"]))
    low, high = row.get("lower"), row.get("upper")
    if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
        if (low, high) != (row["count"], row["count"]):
            shown += f" ({number(int(low))}–{number(int(high))})"
    key = "map.value.count_captive" if is_true(row.get("captive")) else "map.value.count"
    return text(key, count=shown, date=format_date(str(row["date"])), method=method_text(row["method"]))


def data_status_text(status: object) -> str:
    """How a count's data status reads (empty when unknown).

    Examples
    --------
    >>> data_status_text("national-split")
    'split of a national or global figure'
    """
    if not isinstance(status, str):
        return ""
    return text(f"map.value.data_status.{status}") if status in DATA_STATUS_TEXT else status


def count_history_text(counts: pd.DataFrame) -> str:
    """The earlier counts of one site, newest first, one per line (the latest count is shown apart).

    Examples
    --------
    >>> rows = pd.DataFrame({"count_id": ["a", "b", "c"], "date": ["2002", "2019-10", "2023"],
    ...                      "count": [192, 2112, 1475], "captive": [False, False, False],
    ...                      "method": ["estimate", "distance-sampling", "census"]})
    >>> print(count_history_text(rows))
    2,112 in 2019-10, distance-sampling
    192 in 2002, estimate
    """
    ordered = counts.sort_values(["date", "count_id"], kind="stable", ascending=False)
    return "\n".join(count_text(r) for r in ordered.iloc[1:].to_dict("records"))


def with_data_status(counts: pd.DataFrame, site_years: pd.DataFrame | None) -> pd.DataFrame:
    """Counts with the data status the analysis gave them (``site_years``) where the counts leave it empty."""
    out = counts.copy()
    given = (
        out["data_status"] if "data_status" in out.columns else pd.Series(None, index=out.index, dtype=object)
    )
    if site_years is not None and "data_status" in site_years.columns and len(site_years):
        derived = site_years.drop_duplicates("count_id").set_index("count_id")["data_status"]
        given = given.where(given.notna(), out["count_id"].map(derived))
    out["data_status"] = given.astype(object).where(given.notna(), None)
    return out


def national_site_ids(data: PublishData) -> set[str]:
    """Sites that stand for a country (scope ``country``) or whose every count is a national total or split.

    Their figures have no position: they are never drawn as a map marker.
    """
    ids: set[str] = set()
    sites = data.layers.get(LayerKind.SITES)
    if sites is not None and not sites.empty and "scope" in sites.columns:
        ids |= set(sites.loc[sites["scope"].astype(str) == "country", "site_id"].astype(str))
    counts = data.layers.get(LayerKind.POPULATION_COUNTS)
    if counts is not None and not counts.empty:
        statuses = with_data_status(pd.DataFrame(counts.drop(columns=counts.geometry.name)), data.site_years)
        national = statuses["data_status"].isin(NATIONAL_DATA_STATUSES)
        every = national.groupby(statuses["site_id"].astype(str)).all()
        ids |= set(every[every].index)
    return ids


def _position_text(data: PublishData, generalised: bool, approximate: object) -> str:
    if generalised:
        return text("map.value.position_generalised", cell=format_measure(data.cell_km))
    return text("map.value.position_approximate" if is_true(approximate) else "map.value.as_recorded")


def site_frame(data: PublishData, *, iso3: str | None = None) -> gpd.GeoDataFrame | None:
    """Sites ready for display: status label, latest count, earlier counts, position note and country name.

    Sites that stand for a country, or whose every count is a national total or split
    (:func:`national_site_ids`), are left out: a national figure is never a map marker.

    Parameters
    ----------
    data : PublishData
        Generalised data.
    iso3 : str, optional
        Keep only the sites of this country.
    """
    sites = data.layer(LayerKind.SITES)
    if sites is None:
        return None
    if iso3 is not None:
        sites = sites[sites["iso3"].astype(str) == iso3].reset_index(drop=True)
        if sites.empty:
            return None
    national = national_site_ids(data)
    sites = sites[~sites["site_id"].astype(str).isin(national)].reset_index(drop=True)
    if sites.empty:
        return None
    counts = data.layers.get(LayerKind.POPULATION_COUNTS)
    counts = (
        with_data_status(pd.DataFrame(counts.drop(columns=counts.geometry.name)), data.site_years)
        if counts is not None and not counts.empty
        else None
    )
    latest = latest_counts(counts).set_index("site_id")
    out = with_country(sites, country_names(data))
    out["status_label"] = [
        _status_label(s, scope)
        for s, scope in zip(out["status"], out.get("scope", pd.Series([None] * len(out))), strict=True)
    ]
    out["latest_count_text"] = [
        count_text(latest.loc[sid]) if sid in latest.index else text("map.value.no_count")
        for sid in out["site_id"]
    ]
    out["latest_status_text"] = [
        data_status_text(latest.loc[sid, "data_status"]) if sid in latest.index else ""
        for sid in out["site_id"]
    ]
    out["count_history_text"] = [
        count_history_text(counts[counts["site_id"].astype(str) == str(sid)]) if counts is not None else ""
        for sid in out["site_id"]
    ]
    flags = out["generalised"] if "generalised" in out.columns else pd.Series(False, index=out.index)
    approx = out["approximate"] if "approximate" in out.columns else pd.Series(None, index=out.index)
    out["position"] = [_position_text(data, bool(g), a) for g, a in zip(flags, approx, strict=True)]
    return out.sort_values(["name", "site_id"], kind="stable").reset_index(drop=True)


def _status_label(status: object, scope: object) -> str:
    shown = status_text(status)
    if str(scope) == "country":
        return text("map.value.status_national", status=shown)
    return shown


_SITE_YEAR_KEEP = [
    "site_id",
    "year",
    "count_id",
    "count",
    "count_year",
    "carried",
    "in_total",
    "country_estimate",
]


def population_frame(data: PublishData) -> gpd.GeoDataFrame | None:
    """One row per site and year: the count the population map shows for that year.

    National totals and splits (and the sites standing for a country) are left out: they have no
    position, so they are never a marker.

    Wild figures are the analysis's own (``PublishData.site_years``, from
    :func:`deerhabitat.analysis.site_year_counts`): each site's latest wild count of the year, or its
    latest count of the previous ``stale_after_years`` years flagged ``carried``, exactly as they enter
    the totals. Captive counts are shown for the years they were made (never carried). Positions are the
    sites' positions, already generalised for the profile.

    Returns
    -------
    geopandas.GeoDataFrame or None
        Columns ``site_id, name, country, status, scope, year, count, count_text, carried, carried_text,
        in_total_text, radius_px, source`` (and the count's details), sorted by year then site name; None
        when there is no count to show.
    """
    counts = data.layer(LayerKind.POPULATION_COUNTS)
    if counts is None:
        return None
    wild = (
        data.site_years[_SITE_YEAR_KEEP]
        if data.site_years is not None
        else pd.DataFrame(columns=_SITE_YEAR_KEEP)
    )
    # a national total or split has no position: never a marker
    wild = wild[~wild["country_estimate"].astype(bool)]
    wild = wild[~wild["site_id"].astype(str).isin(national_site_ids(data))]
    rows = (
        pd.concat(
            [frame for frame in (pd.DataFrame(wild), _captive_rows(counts)) if not frame.empty],
            ignore_index=True,
        )
        if len(wild) or _has_captive(counts)
        else pd.DataFrame()
    )
    if rows.empty:
        return None
    details = with_data_status(pd.DataFrame(counts.drop(columns=counts.geometry.name)), data.site_years)
    details = details.drop(columns=["site_id", "count"])
    rows = rows.merge(details, on="count_id", how="left")
    return _assemble_population(rows, counts, data.layer(LayerKind.SITES), data)


def _has_captive(counts: gpd.GeoDataFrame) -> bool:
    return bool(counts["captive"].astype("boolean").fillna(False).any())


def _captive_rows(counts: gpd.GeoDataFrame) -> pd.DataFrame:
    captive = pd.DataFrame(
        counts[counts["captive"].astype("boolean").fillna(False)].drop(columns=counts.geometry.name)
    )
    if captive.empty:
        return pd.DataFrame(columns=_SITE_YEAR_KEEP)
    captive["year"] = captive["date"].astype(str).str[:4].astype(int)
    captive = captive.sort_values(["site_id", "year", "date", "count_id"], kind="stable")
    captive = captive.groupby(["site_id", "year"], sort=True).tail(1)
    captive = captive.assign(
        count_year=captive["year"], carried=False, in_total=False, country_estimate=False
    )
    return captive[_SITE_YEAR_KEEP].reset_index(drop=True)


def _in_total_text(row: Mapping) -> str:
    if is_true(row.get("captive")):
        return text("map.value.in_total_captive")
    if not is_true(row.get("in_total")):
        return text("map.value.in_total_replaced")
    return text("map.value.yes")


def _assemble_population(
    rows: pd.DataFrame, counts: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None, data: PublishData
) -> gpd.GeoDataFrame:
    positions, info = _site_positions(counts, sites)
    out = rows.copy()
    for column, default in (("name", None), ("iso3", None), ("scope", None)):
        out[column] = [
            info.get(str(s), {}).get(column, default if column != "name" else s) for s in out["site_id"]
        ]
    out["status"] = [
        "captive" if is_true(c) else info.get(str(s), {}).get("status", "native")
        for s, c in zip(out["site_id"], out["captive"], strict=True)
    ]
    out["status_label"] = [_status_label(st, sc) for st, sc in zip(out["status"], out["scope"], strict=True)]
    out["count_text"] = [count_text(r) for r in out.to_dict("records")]
    out["data_status_text"] = [
        data_status_text(v) for v in out.get("data_status", pd.Series(None, index=out.index))
    ]
    out["carried_text"] = [
        text("map.value.carried", year=str(y), from_year=str(f), years=data.config.stale_after_years)
        if is_true(c)
        else ""
        for y, f, c in zip(out["year"], out["count_year"], out["carried"], strict=True)
    ]
    out["in_total_text"] = [_in_total_text(r) for r in out.to_dict("records")]
    max_count = float(out["count"].max())
    out["radius_px"] = [proportional_radius_px(float(c), max_count) for c in out["count"]]
    out = with_country(
        gpd.GeoDataFrame(out, geometry=[positions[str(s)] for s in out["site_id"]], crs=counts.crs),
        country_names(data),
    )
    return out.sort_values(["year", "name", "site_id"], kind="stable").reset_index(drop=True)


def _site_positions(
    counts: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None
) -> tuple[dict[str, shapely.Geometry], dict[str, dict]]:
    positions: dict[str, shapely.Geometry] = {}
    info: dict[str, dict] = {}
    if sites is not None:
        for record, geom in zip(
            sites.drop(columns=sites.geometry.name).to_dict("records"), sites.geometry.values, strict=True
        ):
            positions[str(record["site_id"])] = shapely.centroid(geom)
            info[str(record["site_id"])] = record
    for site_id, geom in zip(counts["site_id"].astype(str), counts.geometry.values, strict=True):
        positions.setdefault(site_id, geom)
    return positions, info


def _flow_class(total: int) -> str:
    return "1-10" if total <= 10 else "11-50" if total <= 50 else "51+"


def _arrow(start: shapely.Point, end: shapely.Point) -> shapely.Geometry:
    to_merc = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    x0, y0 = to_merc.transform(start.x, start.y)
    x1, y1 = to_merc.transform(end.x, end.y)
    length = math.hypot(x1 - x0, y1 - y0)
    arm = min(0.25 * length, 25_000.0)
    angle = math.atan2(y1 - y0, x1 - x0)
    arms = [
        (x1 - arm * math.cos(angle + s * math.radians(25)), y1 - arm * math.sin(angle + s * math.radians(25)))
        for s in (-1, 1)
    ]
    back = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)
    (ax, ay), (bx, by) = (back.transform(x, y) for x, y in arms)
    return shapely.MultiLineString(
        [[(start.x, start.y), (end.x, end.y)], [(ax, ay), (end.x, end.y), (bx, by)]]
    )


def release_flows(data: PublishData, *, iso3: str | None = None) -> gpd.GeoDataFrame | None:
    """Releases grouped by source and destination site, drawn as arrows between their (generalised) positions.

    Releases whose source is not a site of the store (only ``source_name`` is known) have no arrow; they
    are listed in the destination's popup on the reintroductions map.

    Returns
    -------
    geopandas.GeoDataFrame or None
        One row per route: ``source_site_id, site_id, title, n_total, n_releases, releases_text, years,
        flow_class, source``, sorted by destination then source.
    """
    releases, sites = data.layers.get(LayerKind.RELEASES), site_frame(data)
    if releases is None or releases.empty or sites is None:
        return None
    positions = {
        str(s): shapely.centroid(g) for s, g in zip(sites["site_id"], sites.geometry.values, strict=True)
    }
    info = sites.set_index("site_id")
    frame = pd.DataFrame(releases.drop(columns=releases.geometry.name))
    frame = frame[frame["source_site_id"].astype("string").isin(positions) & frame["site_id"].isin(positions)]
    if iso3 is not None:
        frame = frame[
            [
                iso3 in (info.loc[a, "iso3"], info.loc[b, "iso3"])
                for a, b in zip(frame["source_site_id"], frame["site_id"], strict=True)
            ]
        ]
    rows, geoms = [], []
    for (source_id, dest_id), group in frame.groupby(["source_site_id", "site_id"], sort=True):
        start, end = positions[str(source_id)], positions[str(dest_id)]
        if start.equals(end):
            continue
        rows.append(
            _flow_row(group, info.loc[source_id, "name"], info.loc[dest_id, "name"], source_id, dest_id)
        )
        geoms.append(_arrow(start, end))
    if not rows:
        return None
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=releases.crs)


def _flow_row(group: pd.DataFrame, source_name: str, dest_name: str, source_id: str, dest_id: str) -> dict:
    group = group.sort_values(["date", "release_id"], kind="stable")
    total = int(group["n_released"].sum())
    years = group["date"].astype(str).str[:4]
    return {
        "source_site_id": source_id,
        "site_id": dest_id,
        "title": f"{source_name} → {dest_name}",
        "n_total": total,
        "n_releases": len(group),
        "releases_text": "\n".join(
            text("map.value.released", date=format_date(str(d)), count=int(n))
            for d, n in zip(group["date"], group["n_released"], strict=True)
        ),
        "years": years.iloc[0] if years.nunique() == 1 else f"{years.min()}–{years.max()}",
        "flow_class": _flow_class(total),
        "source": "; ".join(dict.fromkeys(str(display_source(r)) for r in group.to_dict("records"))),
    }


def release_sites(data: PublishData) -> gpd.GeoDataFrame | None:
    """Sites that sent or received released animals, with the releases as ``received``/``sent`` text."""
    releases, sites = data.layers.get(LayerKind.RELEASES), site_frame(data)
    if releases is None or releases.empty or sites is None:
        return None
    frame = pd.DataFrame(releases.drop(columns=releases.geometry.name)).sort_values(["date", "release_id"])
    involved = set(frame["site_id"].astype(str)) | set(frame["source_site_id"].dropna().astype(str))
    names = dict(zip(sites["site_id"].astype(str), sites["name"].astype(str), strict=True))
    out = sites[sites["site_id"].astype(str).isin(involved)].copy()
    out["received"] = [_received_text(frame[frame["site_id"] == s], names) for s in out["site_id"]]
    out["sent"] = [_sent_text(frame[frame["source_site_id"] == s], names) for s in out["site_id"]]
    return out.reset_index(drop=True) if not out.empty else None


def _received_text(rows: pd.DataFrame, names: Mapping[str, str]) -> str:
    return "\n".join(
        text(
            "map.value.received",
            date=format_date(str(d)),
            count=int(n),
            name=names.get(str(s), s) if not pd.isna(s) else src,
        )
        for d, n, s, src in zip(
            rows["date"], rows["n_released"], rows["source_site_id"], rows["source_name"], strict=True
        )
    )


def _sent_text(rows: pd.DataFrame, names: Mapping[str, str]) -> str:
    return "\n".join(
        text("map.value.sent", date=format_date(str(d)), count=int(n), name=names.get(str(s), s))
        for d, n, s in zip(rows["date"], rows["n_released"], rows["site_id"], strict=True)
    )
