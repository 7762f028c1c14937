"""The published maps: what each one shows, and its HTML page.

Maps: ``overview`` (every layer), ``state-<iso3>`` (one per range state), ``population`` (counts
with a year slider), ``reintroductions`` (releases from source to destination), ``protected-coverage``
(the protected share of each country's current range) and ``habitat`` (Area of Habitat or
suitability rasters with an opacity control, and candidate sites), each built only when its data
exists. :func:`build_maps` builds them all from :class:`PublishData`; :func:`render_map_html` writes a
page.

Why not folium
--------------
The pages are rendered from a small Jinja template and deerhabitat's own map runtime
(``templates/deerhabitat-map.js``), not from folium's element tree, because the goals here are what
folium does not do: (1) folium's ``GeoJsonPopup``/``GeoJsonTooltip`` build HTML from attribute values
and assign it with ``innerHTML``, so a site name such as ``<img src=x onerror=...>`` runs; our popups,
tooltips, legends and search results are DOM text nodes; (2) branca gives every element a random id,
so two renders differ; our ids derive from map and layer names and the same inputs give
byte-identical files; (3) folium links Leaflet from CDNs; we inline pinned npm copies
(:mod:`deerhabitat.publish.assets`); (4) 100,000 points as folium ``GeoJson`` give a 24 MB page that
never loads; our coordinates are packed arrays drawn by one canvas layer; (5) folium has no
categorical legend tied to its layer, no grouped layer control and no year slider that works in a
saved file. Data reaches the page as JSON in ``<script type="application/json">`` (``<``, ``>``,
``&`` escaped) read with ``JSON.parse``, and a Content-Security-Policy allows only the page's own
scripts (by hash), no inline event handlers and no connection to any host.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import geopandas as gpd
import jinja2
import pandas as pd
import pyproj
import shapely

from deerhabitat._version import __version__
from deerhabitat.config import StoreConfig
from deerhabitat.publish.assets import TILE_SOURCES, Basemap, inline_scripts, inline_stylesheet, marker_icon_uris
from deerhabitat.publish.generalise import Profile, generalise_areas, generalise_layers
from deerhabitat.publish.layers import (
    GROUP_BOUNDARIES,
    GROUP_HABITAT,
    GROUP_POPULATIONS,
    GROUP_PROTECTION,
    GROUP_RANGE,
    GROUP_REINTRODUCTIONS,
    GROUPS,
    MapLayer,
    RasterLayer,
    WebMap,
    encode_map,
    script_json,
)
from deerhabitat.publish.styles import (
    CANDIDATE_STYLE,
    DEFAULT_STYLES,
    POPUP_FIELDS,
    RELEASE_FLOW_STYLE,
    Field,
    LayerStyle,
    Symbol,
    coverage_class,
    coverage_style,
    proportional_radius_px,
    range_style,
    size_legend_values,
)
from deerhabitat.schema import LayerKind

STATUS_TEXT = {"native": "native (wild)", "reintroduced": "reintroduced (wild)",
               "introduced": "introduced (wild)", "captive": "captive"}


@dataclass(frozen=True)
class PublishData:
    """Everything the maps are drawn from, already generalised for the profile.

    Attributes
    ----------
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        The store's layers in EPSG:4326 (generalised when the profile is public).
    config : StoreConfig
        The store's settings (species, analysis CRS, generalisation cell, stale years).
    profile : Profile
        ``public`` or ``internal``.
    coverage : pandas.DataFrame, optional
        Range coverage by period and country from :mod:`deerhabitat.analysis` (``period, iso3,
        range_km2, protected_km2, protected_fraction``); the coverage map needs it.
    habitat : tuple of RasterLayer
        Habitat rasters ready for display (see :func:`deerhabitat.publish.rasters.build_raster_layer`).
    candidates : geopandas.GeoDataFrame, optional
        Candidate reintroduction sites (polygons in EPSG:4326).
    site_years : pandas.DataFrame, optional
        The wild figure of each site in each year from :func:`deerhabitat.analysis.site_year_counts`
        (attributes only); the population map needs it.
    """

    layers: Mapping[LayerKind, gpd.GeoDataFrame]
    config: StoreConfig
    profile: Profile = Profile.PUBLIC
    coverage: pd.DataFrame | None = None
    habitat: tuple[RasterLayer, ...] = field(default=())
    candidates: gpd.GeoDataFrame | None = None
    site_years: pd.DataFrame | None = None

    def layer(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        """The layer of ``kind`` with its missing or empty geometries dropped, or None if absent or empty."""
        frame = self.layers.get(kind)
        if frame is None or frame.empty:
            return None
        values = frame.geometry.values
        keep = ~(shapely.is_missing(values) | shapely.is_empty(values))
        return frame[keep].reset_index(drop=True) if keep.any() else None

    def with_results(self, *, coverage: pd.DataFrame | None = None, site_years: pd.DataFrame | None = None,
                     habitat: Sequence[RasterLayer] = (), candidates: gpd.GeoDataFrame | None = None) -> PublishData:
        """A copy with the analyses' results the thematic maps need (see the attributes)."""
        if site_years is not None:
            site_years = pd.DataFrame(site_years).drop(columns="geometry", errors="ignore")
        if candidates is not None and self.profile is Profile.PUBLIC:
            candidates = _public_candidates(candidates, self.config)
        return replace(self, coverage=coverage, site_years=site_years, habitat=tuple(habitat),
                       candidates=candidates)

    @property
    def cell_km(self) -> float:
        """Generalisation cell size in kilometres."""
        return self.config.generalise_m / 1000.0


def prepare_data(layers: Mapping[LayerKind, gpd.GeoDataFrame], config: StoreConfig, *,
                 profile: Profile | str = Profile.PUBLIC) -> PublishData:
    """Apply the profile to a store's layers: the first step of every publication.

    Parameters
    ----------
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        The store's layers in EPSG:4326.
    config : StoreConfig
        The store's settings.
    profile : Profile or str, default "public"
        ``public`` generalises wild-population positions (:mod:`deerhabitat.publish.generalise`).

    Returns
    -------
    PublishData
        Add analysis results with :meth:`PublishData.with_results`.
    """
    profile = Profile(profile)
    if profile is Profile.PUBLIC:
        layers = generalise_layers(layers, cell_m=config.generalise_m, crs=config.crs)
    return PublishData(dict(layers), config, profile)


# -- display frames ---------------------------------------------------------------------------------

def _country_names(data: PublishData) -> dict[str, str]:
    states = data.layers.get(LayerKind.RANGE_STATES)
    if states is None or states.empty:
        return {}
    return {str(i): str(n) for i, n in zip(states["iso3"], states["name"], strict=True)}


def _with_country(frame: gpd.GeoDataFrame, names: Mapping[str, str]) -> gpd.GeoDataFrame:
    out = frame.copy()
    if "iso3" in out.columns:
        out["country"] = [None if pd.isna(i) else (f"{names[i]} ({i})" if i in names else str(i))
                          for i in out["iso3"]]
    return out


def _is_true(value: object) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and math.isnan(value)) \
        and bool(value)


def latest_counts(counts: pd.DataFrame | None) -> pd.DataFrame:
    """The latest count of each site: latest date, ties broken by the last ``count_id``.

    Returns
    -------
    pandas.DataFrame
        One row per ``site_id`` with ``date, count, lower, upper, method, captive``, sorted by site.
    """
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["site_id", "date", "count", "lower", "upper", "method", "captive"])
    frame = pd.DataFrame(counts.drop(columns=counts.geometry.name, errors="ignore"))
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
    text = f"{int(row['count']):,}"
    low, high = row.get("lower"), row.get("upper")
    if not pd.isna(low) and not pd.isna(high) and (low, high) != (row["count"], row["count"]):
        text += f" ({int(low):,}–{int(high):,})"
    text += f" in {row['date']}, {row['method']}"
    return text + (", captive animals" if _is_true(row.get("captive")) else "")


def _position_text(data: PublishData, generalised: bool, approximate: object) -> str:
    if generalised:
        return (f"generalised: centre of a {data.cell_km:g} km equal-area grid cell "
                f"(the exact position of a wild population is not published)")
    return "approximate (placed from a described place)" if _is_true(approximate) else "as recorded"


def site_frame(data: PublishData, *, iso3: str | None = None) -> gpd.GeoDataFrame | None:
    """Sites ready for display: status label, latest count, position note and country name.

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
    latest = latest_counts(data.layers.get(LayerKind.POPULATION_COUNTS)).set_index("site_id")
    out = _with_country(sites, _country_names(data))
    out["status_label"] = [_status_label(s, scope) for s, scope in
                           zip(out["status"], out.get("scope", pd.Series([None] * len(out))), strict=True)]
    out["latest_count_text"] = [count_text(latest.loc[sid]) if sid in latest.index else "no count recorded"
                                for sid in out["site_id"]]
    flags = out["generalised"] if "generalised" in out.columns else pd.Series(False, index=out.index)
    approx = out["approximate"] if "approximate" in out.columns else pd.Series(None, index=out.index)
    out["position"] = [_position_text(data, bool(g), a) for g, a in zip(flags, approx, strict=True)]
    return out.sort_values(["name", "site_id"], kind="stable").reset_index(drop=True)


def _status_label(status: object, scope: object) -> str:
    text = STATUS_TEXT.get(str(status), str(status))
    if str(scope) == "country":
        text += "; national estimate standing for all populations of the country"
    return text


# -- layers shared by several maps ------------------------------------------------------------------

def _range_states_layer(data: PublishData) -> MapLayer | None:
    states = data.layer(LayerKind.RANGE_STATES)
    if states is None:
        return None
    states = states.sort_values("iso3", kind="stable").reset_index(drop=True)
    return MapLayer("range-states", "Range states", GROUP_BOUNDARIES, states,
                    DEFAULT_STYLES[LayerKind.RANGE_STATES], POPUP_FIELDS[LayerKind.RANGE_STATES], base=True)


def _rivers_layer(data: PublishData, *, within: shapely.Geometry | None = None) -> MapLayer | None:
    rivers = data.layer(LayerKind.RIVERS)
    if rivers is None:
        return None
    if within is not None:
        rivers = rivers[rivers.intersects(within)].reset_index(drop=True)
        if rivers.empty:
            return None
    rivers = rivers.sort_values("river_id", kind="stable").reset_index(drop=True)
    return MapLayer("rivers", "Rivers", GROUP_BOUNDARIES, rivers, DEFAULT_STYLES[LayerKind.RIVERS],
                    POPUP_FIELDS[LayerKind.RIVERS])


def _range_layers(data: PublishData, *, iso3: str | None = None, within: shapely.Geometry | None = None
                  ) -> list[MapLayer]:
    ranges = data.layer(LayerKind.RANGES)
    if ranges is None:
        return []
    if iso3 is not None:
        own = ranges["iso3"].astype("string") == iso3
        shared = ranges["iso3"].isna() & (ranges.intersects(within) if within is not None else False)
        ranges = ranges[own.fillna(False) | shared].reset_index(drop=True)
    style = range_style(ranges["period"].astype(str))
    ranges = _with_country(ranges, _country_names(data))
    latest = [p for p, _ in style.categories if p.lower() != "historical"][-1:]
    layers = []
    for period, symbol in style.categories:
        part = ranges[ranges["period"].astype(str) == period].sort_values("range_id", kind="stable")
        if part.empty:
            continue
        layers.append(MapLayer(f"range-{_slug(period)}", symbol.label, GROUP_RANGE, part.reset_index(drop=True),
                               LayerStyle("polygon", symbol), POPUP_FIELDS[LayerKind.RANGES],
                               visible=period in latest or period.lower() == "historical"))
    return layers


def _protected_areas_layer(data: PublishData, *, iso3: str | None = None) -> MapLayer | None:
    pas = data.layer(LayerKind.PROTECTED_AREAS)
    if pas is None:
        return None
    if iso3 is not None:
        pas = pas[pas["iso3"].astype(str) == iso3]
        if pas.empty:
            return None
    pas = _with_country(pas, _country_names(data))
    approx = pas["approximate"] if "approximate" in pas.columns else pd.Series(None, index=pas.index)
    pas["boundary"] = ["approximate: a circle of the reported area" if _is_true(a) else "as recorded"
                       for a in approx]
    pas = pas.sort_values(["name", "pa_id"], kind="stable").reset_index(drop=True)
    return MapLayer("protected-areas", "Protected areas", GROUP_PROTECTION, pas,
                    DEFAULT_STYLES[LayerKind.PROTECTED_AREAS], POPUP_FIELDS[LayerKind.PROTECTED_AREAS],
                    searchable=True)


def _generalisation_note(data: PublishData) -> str:
    if data.profile is Profile.PUBLIC:
        return (f"Wild populations are shown at the centre of a {data.cell_km:g} km equal-area grid cell, "
                f"never at their exact position. Captive sites are shown as recorded.")
    return "Internal map: positions as recorded. Do not publish."


def _sites_layer(data: PublishData, *, iso3: str | None = None, visible: bool = True) -> MapLayer | None:
    sites = site_frame(data, iso3=iso3)
    if sites is None:
        return None
    return MapLayer("sites", "Sites (latest count)", GROUP_POPULATIONS, sites, DEFAULT_STYLES[LayerKind.SITES],
                    POPUP_FIELDS[LayerKind.SITES], visible=visible, searchable=True,
                    note=_generalisation_note(data))


def _habitat_layers(data: PublishData, *, visible: bool) -> list[MapLayer | RasterLayer]:
    layers: list[MapLayer | RasterLayer] = [
        RasterLayer(r.id, r.title, r.group, r.png, r.bounds, r.ramp, r.ramp_labels, r.opacity, r.note,
                    visible and i == 0) for i, r in enumerate(data.habitat)]
    candidates = _candidates_layer(data, visible=visible)
    if candidates is not None:
        layers.append(candidates)
    return layers


CANDIDATE_FIELDS = (
    Field("title", "Candidate site"), Field("rank", "Rank"), Field("score", "Score (0–1)", digits=2),
    Field("area_km2", "Suitable area", unit="km²", digits=1),
    Field("protected_percent", "Inside protected areas", unit="%", digits=1),
    Field("mean_suitability", "Mean suitability (0–1)", digits=2),
    Field("nearest_source_name", "Nearest source population"),
    Field("distance_to_source_km", "Distance to that source", unit="km", digits=0),
    Field("distance_to_population_km", "Distance to the nearest wild population", unit="km", digits=0),
    Field("explanation", "Why here"))


def _public_candidates(frame: gpd.GeoDataFrame, config: StoreConfig) -> gpd.GeoDataFrame:
    """Candidate areas as whole grid cells, distances rounded to the cell size (see :func:`generalise_areas`)."""
    out = generalise_areas(frame, cell_m=config.generalise_m, crs=config.crs)
    cell_km = config.generalise_m / 1000.0
    for column in [c for c in out.columns if "distance" in c and c.endswith("_km")]:
        out[column] = [None if pd.isna(v) else round(float(v) / cell_km) * cell_km for v in out[column]]
    return out


def _candidates_layer(data: PublishData, *, visible: bool) -> MapLayer | None:
    frame = data.candidates
    if frame is None or frame.empty:
        return None
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].to_crs(4326)
    order = "rank" if "rank" in frame.columns else frame.columns[0]
    frame = frame.sort_values(order, kind="stable").reset_index(drop=True)
    ids = frame["candidate_id"] if "candidate_id" in frame.columns else pd.Series(range(1, len(frame) + 1))
    frame["title"] = [f"Candidate {v}" for v in ids]
    if "protected_fraction" in frame.columns:
        frame["protected_percent"] = [None if pd.isna(v) else 100.0 * float(v) for v in frame["protected_fraction"]]
    note = (f"Shown as the {data.cell_km:g} km grid cells they cover, distances rounded to {data.cell_km:g} km: "
            f"their outlines keep a distance from wild populations." if data.profile is Profile.PUBLIC else "")
    return MapLayer("candidates", "Candidate reintroduction sites", GROUP_HABITAT, frame, CANDIDATE_STYLE,
                    CANDIDATE_FIELDS, visible=visible, searchable=True, note=note)


def _slug(text: str) -> str:
    out = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(text).lower())
    out = "-".join(part for part in out.split("-") if part)
    return out or hashlib.sha256(str(text).encode("utf-8")).hexdigest()[:8]


def _drop_none(layers: Sequence[MapLayer | RasterLayer | None]) -> tuple[MapLayer | RasterLayer, ...]:
    return tuple(layer for layer in layers if layer is not None)


# -- the maps ---------------------------------------------------------------------------------------

def build_overview_map(data: PublishData) -> WebMap:
    """All layers: range states, rivers, ranges by period, protected areas, sites with their latest count,
    releases and habitat (those two hidden at first)."""
    layers = [_range_states_layer(data), _rivers_layer(data), *_range_layers(data), _protected_areas_layer(data),
              *_habitat_layers(data, visible=False), _release_flows_layer(data, visible=False),
              _sites_layer(data)]
    return WebMap("overview", f"{data.config.species}: overview",
                  f"Range states, rivers, the range of {data.config.species} by period, protected areas and the "
                  f"sites with their latest count.", _drop_none(layers), GROUPS)


def build_state_map(data: PublishData, iso3: str) -> WebMap:
    """One range state: its sites, protected areas, ranges and releases, with its neighbours as context."""
    states = data.layer(LayerKind.RANGE_STATES)
    state = states[states["iso3"].astype(str) == iso3]
    outline = shapely.union_all(state.geometry.values)
    name = str(state["name"].iloc[0])
    layers = [_range_states_layer(data), _rivers_layer(data, within=shapely.envelope(outline)),
              *_range_layers(data, iso3=iso3, within=outline), _protected_areas_layer(data, iso3=iso3),
              _release_flows_layer(data, iso3=iso3, visible=True), _sites_layer(data, iso3=iso3)]
    west, south, east, north = shapely.bounds(outline)
    return WebMap(f"state-{iso3.lower()}", f"{name} ({iso3})",
                  f"Sites, protected areas, range and releases of {data.config.species} in {name}.",
                  _drop_none(layers), GROUPS, extent=(west, south, east, north))


def build_maps(data: PublishData) -> list[WebMap]:
    """Every map the data allows, overview first, then the range states (by ISO3), then the themes."""
    maps = [build_overview_map(data)]
    states = data.layer(LayerKind.RANGE_STATES)
    if states is not None:
        maps += [build_state_map(data, iso3) for iso3 in sorted(set(states["iso3"].astype(str)))]
    for builder in (build_population_map, build_reintroductions_map, build_coverage_map, build_habitat_map):
        web_map = builder(data)
        if web_map is not None:
            maps.append(web_map)
    return maps


# -- population over time ---------------------------------------------------------------------------

_SITE_YEAR_KEEP = ["site_id", "year", "count_id", "count", "count_year", "carried", "in_total", "country_estimate"]


def population_frame(data: PublishData) -> gpd.GeoDataFrame | None:
    """One row per site and year: the count the population map shows for that year.

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
    wild = data.site_years[_SITE_YEAR_KEEP] if data.site_years is not None else pd.DataFrame(columns=_SITE_YEAR_KEEP)
    rows = pd.concat([frame for frame in (pd.DataFrame(wild), _captive_rows(counts)) if not frame.empty],
                     ignore_index=True) if len(wild) or _has_captive(counts) else pd.DataFrame()
    if rows.empty:
        return None
    details = pd.DataFrame(counts.drop(columns=counts.geometry.name)).drop(columns=["site_id", "count"])
    rows = rows.merge(details, on="count_id", how="left")
    return _assemble_population(rows, counts, data.layer(LayerKind.SITES), data)


def _has_captive(counts: gpd.GeoDataFrame) -> bool:
    return bool(counts["captive"].astype("boolean").fillna(False).any())


def _captive_rows(counts: gpd.GeoDataFrame) -> pd.DataFrame:
    captive = pd.DataFrame(counts[counts["captive"].astype("boolean").fillna(False)].drop(columns=counts.geometry.name))
    if captive.empty:
        return pd.DataFrame(columns=_SITE_YEAR_KEEP)
    captive["year"] = captive["date"].astype(str).str[:4].astype(int)
    captive = captive.sort_values(["site_id", "year", "date", "count_id"], kind="stable")
    captive = captive.groupby(["site_id", "year"], sort=True).tail(1)
    captive = captive.assign(count_year=captive["year"], carried=False, in_total=False, country_estimate=False)
    return captive[_SITE_YEAR_KEEP].reset_index(drop=True)


def _in_total_text(row: Mapping) -> str:
    if _is_true(row.get("captive")):
        return "no: captive animals are reported apart"
    if not _is_true(row.get("in_total")):
        return "no: the country's national estimate for this year replaces its site figures"
    return "yes"


def _assemble_population(rows: pd.DataFrame, counts: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None,
                         data: PublishData) -> gpd.GeoDataFrame:
    positions, info = _site_positions(counts, sites)
    out = rows.copy()
    for column, default in (("name", None), ("iso3", None), ("scope", None)):
        out[column] = [info.get(str(s), {}).get(column, default if column != "name" else s) for s in out["site_id"]]
    out["status"] = ["captive" if _is_true(c) else info.get(str(s), {}).get("status", "native")
                     for s, c in zip(out["site_id"], out["captive"], strict=True)]
    out["status_label"] = [_status_label(st, sc) for st, sc in zip(out["status"], out["scope"], strict=True)]
    out["count_text"] = [count_text(r) for r in out.to_dict("records")]
    out["carried_text"] = [f"not counted in {y}: the count of {f} is carried (at most "
                           f"{data.config.stale_after_years} years)" if _is_true(c) else ""
                           for y, f, c in zip(out["year"], out["count_year"], out["carried"], strict=True)]
    out["in_total_text"] = [_in_total_text(r) for r in out.to_dict("records")]
    max_count = float(out["count"].max())
    out["radius_px"] = [proportional_radius_px(float(c), max_count) for c in out["count"]]
    out = _with_country(gpd.GeoDataFrame(out, geometry=[positions[str(s)] for s in out["site_id"]],
                                         crs=counts.crs), _country_names(data))
    return out.sort_values(["year", "name", "site_id"], kind="stable").reset_index(drop=True)


def _site_positions(counts: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None
                    ) -> tuple[dict[str, shapely.Geometry], dict[str, dict]]:
    positions: dict[str, shapely.Geometry] = {}
    info: dict[str, dict] = {}
    if sites is not None:
        for record, geom in zip(sites.drop(columns=sites.geometry.name).to_dict("records"),
                                sites.geometry.values, strict=True):
            positions[str(record["site_id"])] = shapely.centroid(geom)
            info[str(record["site_id"])] = record
    for site_id, geom in zip(counts["site_id"].astype(str), counts.geometry.values, strict=True):
        positions.setdefault(site_id, geom)
    return positions, info


POPULATION_FIELDS = (
    Field("name", "Site"), Field("year", "Year shown"), Field("count_text", "Count"),
    Field("carried_text", "Carried"), Field("in_total_text", "In the wild total"), Field("status_label", "Status"),
    Field("country", "Country"), Field("site_id", "Site identifier"), Field("source", "Source"))


def build_population_map(data: PublishData) -> WebMap | None:
    """Population over time: one circle per site, sized by its count, a year slider choosing the year."""
    frame = population_frame(data)
    if frame is None:
        return None
    max_count = float(frame["count"].max())
    sizes = tuple((f"{v:,} animal{'s' if v != 1 else ''}", proportional_radius_px(v, max_count))
                  for v in size_legend_values(max_count))
    national = frame["scope"].astype(str) == "country"
    layers = [_range_states_layer(data), _rivers_layer(data), _protected_areas_layer(data)]
    for layer_id, title, part, visible in (
            ("counts", "Counts by site", frame[~national], True),
            ("national-estimates", "National estimates", frame[national], False)):
        if part.empty:
            continue
        layers.append(MapLayer(layer_id, title, GROUP_POPULATIONS, part.reset_index(drop=True),
                               DEFAULT_STYLES[LayerKind.SITES], POPULATION_FIELDS, visible=visible,
                               searchable=True, radius_column="radius_px", time_column="year",
                               carried_column="carried", size_legend=sizes, note=_generalisation_note(data)))
    stale = data.config.stale_after_years
    wild_years = frame.loc[frame["status"] != "captive", "year"]
    start = str(int(wild_years.max())) if len(wild_years) else None
    return WebMap("population", f"{data.config.species}: counts over time",
                  "Each circle is a site's count in the chosen year (area proportional to the count). "
                  "National estimates stand for all populations of a country and are hidden at first, "
                  "so that no animal is shown twice.", _drop_none(layers), GROUPS, time_label="Year",
                  time_note=f"Faded dashed circles: not counted that year; the latest count of the "
                            f"previous {stale} years is shown.", initial_year=start)


# -- reintroductions --------------------------------------------------------------------------------

def _flow_class(total: int) -> str:
    return "1-10" if total <= 10 else "11-50" if total <= 50 else "51+"


FLOW_STYLE = LayerStyle("line", RELEASE_FLOW_STYLE.symbol, field="flow_class", categories=(
    ("1-10", Symbol("1–10 animals released", stroke="#7b3294", stroke_width_px=2.0)),
    ("11-50", Symbol("11–50 animals released", stroke="#7b3294", stroke_width_px=4.0)),
    ("51+", Symbol("more than 50 animals released", stroke="#7b3294", stroke_width_px=6.5))))

FLOW_FIELDS = (Field("title", "Release route"), Field("n_total", "Animals released"),
               Field("releases_text", "Releases"), Field("years", "Years"), Field("source", "Source"))


def _arrow(start: shapely.Point, end: shapely.Point) -> shapely.Geometry:
    to_merc = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    x0, y0 = to_merc.transform(start.x, start.y)
    x1, y1 = to_merc.transform(end.x, end.y)
    length = math.hypot(x1 - x0, y1 - y0)
    arm = min(0.25 * length, 25_000.0)
    angle = math.atan2(y1 - y0, x1 - x0)
    arms = [(x1 - arm * math.cos(angle + s * math.radians(25)), y1 - arm * math.sin(angle + s * math.radians(25)))
            for s in (-1, 1)]
    back = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)
    (ax, ay), (bx, by) = (back.transform(x, y) for x, y in arms)
    return shapely.MultiLineString([[(start.x, start.y), (end.x, end.y)], [(ax, ay), (end.x, end.y), (bx, by)]])


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
    positions = {str(s): shapely.centroid(g) for s, g in zip(sites["site_id"], sites.geometry.values, strict=True)}
    info = sites.set_index("site_id")
    frame = pd.DataFrame(releases.drop(columns=releases.geometry.name))
    frame = frame[frame["source_site_id"].astype("string").isin(positions) & frame["site_id"].isin(positions)]
    if iso3 is not None:
        frame = frame[[iso3 in (info.loc[a, "iso3"], info.loc[b, "iso3"])
                       for a, b in zip(frame["source_site_id"], frame["site_id"], strict=True)]]
    rows, geoms = [], []
    for (source_id, dest_id), group in frame.groupby(["source_site_id", "site_id"], sort=True):
        start, end = positions[str(source_id)], positions[str(dest_id)]
        if start.equals(end):
            continue
        rows.append(_flow_row(group, info.loc[source_id, "name"], info.loc[dest_id, "name"], source_id, dest_id))
        geoms.append(_arrow(start, end))
    if not rows:
        return None
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=releases.crs)


def _flow_row(group: pd.DataFrame, source_name: str, dest_name: str, source_id: str, dest_id: str) -> dict:
    group = group.sort_values(["date", "release_id"], kind="stable")
    total = int(group["n_released"].sum())
    years = group["date"].astype(str).str[:4]
    return {"source_site_id": source_id, "site_id": dest_id, "title": f"{source_name} → {dest_name}",
            "n_total": total, "n_releases": len(group),
            "releases_text": "\n".join(f"{d}: {int(n):,} animals" for d, n in
                                       zip(group["date"], group["n_released"], strict=True)),
            "years": years.iloc[0] if years.nunique() == 1 else f"{years.min()}–{years.max()}",
            "flow_class": _flow_class(total), "source": "; ".join(dict.fromkeys(map(str, group["source"])))}


def _release_flows_layer(data: PublishData, *, iso3: str | None = None, visible: bool) -> MapLayer | None:
    flows = release_flows(data, iso3=iso3)
    if flows is None:
        return None
    return MapLayer("releases", "Releases (source → destination)", GROUP_REINTRODUCTIONS, flows, FLOW_STYLE,
                    FLOW_FIELDS, visible=visible)


def _release_sites(data: PublishData) -> gpd.GeoDataFrame | None:
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
    return "\n".join(f"{d}: {int(n):,} from {names.get(str(s), s) if not pd.isna(s) else src}"
                     for d, n, s, src in zip(rows["date"], rows["n_released"], rows["source_site_id"],
                                             rows["source_name"], strict=True))


def _sent_text(rows: pd.DataFrame, names: Mapping[str, str]) -> str:
    return "\n".join(f"{d}: {int(n):,} to {names.get(str(s), s)}"
                     for d, n, s in zip(rows["date"], rows["n_released"], rows["site_id"], strict=True))


RELEASE_SITE_FIELDS = (Field("name", "Site"), Field("status_label", "Status"), Field("received", "Received"),
                       Field("sent", "Sent"), Field("latest_count_text", "Latest count"),
                       Field("country", "Country"), Field("position", "Position"), Field("source", "Source"))


def build_reintroductions_map(data: PublishData) -> WebMap | None:
    """Releases drawn from source to destination with their years and numbers."""
    sites = _release_sites(data)
    if sites is None:
        return None
    involved = MapLayer("release-sites", "Sources and destinations", GROUP_REINTRODUCTIONS, sites,
                        DEFAULT_STYLES[LayerKind.SITES], RELEASE_SITE_FIELDS, searchable=True,
                        note=_generalisation_note(data))
    layers = [_range_states_layer(data), _rivers_layer(data), *_range_layers(data), _protected_areas_layer(data),
              _release_flows_layer(data, visible=True), involved]
    return WebMap("reintroductions", f"{data.config.species}: reintroductions",
                  "Releases and translocations from their source to their destination; line width grows with "
                  "the number of animals released. Click a route or a site for years and numbers.",
                  _drop_none(layers), GROUPS, extent=WebMap("", "", "", (involved,)).bounds)


# -- protected-area coverage ------------------------------------------------------------------------

COVERAGE_FIELDS = (Field("name", "Country"), Field("period", "Range period"),
                   Field("range_km2", "Range area", unit="km²", digits=1),
                   Field("protected_km2", "Protected", unit="km²", digits=1),
                   Field("protected_percent", "Protected share", unit="%", digits=1))


def _latest_period(coverage: pd.DataFrame) -> str | None:
    periods = [p for p in coverage["period"].astype(str).unique() if p.lower() != "historical"]
    if not periods:
        return None
    return sorted(periods, key=lambda p: p.zfill(12))[-1]


def build_coverage_map(data: PublishData) -> WebMap | None:
    """Range states coloured by the share of their current range inside protected areas."""
    states = data.layer(LayerKind.RANGE_STATES)
    if data.coverage is None or data.coverage.empty or states is None:
        return None
    period = _latest_period(data.coverage)
    if period is None:
        return None
    rows = data.coverage[data.coverage["period"].astype(str) == period].set_index("iso3")
    frame = states.sort_values("iso3", kind="stable").reset_index(drop=True)
    for column in ("range_km2", "protected_km2", "protected_fraction"):
        frame[column] = [float(rows.loc[i, column]) if i in rows.index else None for i in frame["iso3"]]
    frame["protected_percent"] = [None if f is None else 100.0 * f for f in frame["protected_fraction"]]
    frame["period"] = period
    frame["coverage_class"] = [coverage_class(f) for f in frame["protected_fraction"]]
    whole = rows.loc["ALL", "protected_fraction"] if "ALL" in rows.index else None
    outline = [replace(layer, style=LayerStyle("polygon", replace(layer.style.symbol, fill=None)))
               for layer in _range_layers(data) if layer.id == f"range-{_slug(period)}"]
    layers = [MapLayer("coverage", f"Protected share of the {period} range", GROUP_PROTECTION, frame,
                       coverage_style(), COVERAGE_FIELDS, base=True, full_legend=True,
                       note="Protected areas dissolved first, so overlaps count once; areas in the equal-area "
                            "analysis CRS."),
              *outline, _protected_areas_layer(data)]
    overall = f" Across the whole range: {100 * whole:.1f} % protected." if whole is not None else ""
    return WebMap("protected-coverage", f"{data.config.species}: protected-area coverage",
                  f"Share of each country's {period} range inside protected areas.{overall}",
                  _drop_none(layers), GROUPS)


def build_habitat_map(data: PublishData) -> WebMap | None:
    """Habitat rasters (opacity slider) and candidate reintroduction sites, over ranges and protected areas."""
    habitat = _habitat_layers(data, visible=True)
    if not habitat:
        return None
    layers = [_range_states_layer(data), _rivers_layer(data), *_range_layers(data), _protected_areas_layer(data),
              *habitat, _sites_layer(data, visible=False)]
    return WebMap("habitat", f"{data.config.species}: habitat and candidate sites",
                  "Modelled habitat (use the slider in the layer list to change its opacity) and candidate "
                  "reintroduction sites.", _drop_none(layers), GROUPS)


# -- HTML -------------------------------------------------------------------------------------------

@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("deerhabitat.publish", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(scripts: Sequence[str], *, basemap: Basemap = Basemap.NONE,
                            local_files: bool = False) -> str:
    """The page's Content-Security-Policy: only its own scripts (by sha256), no connection to any host.

    Parameters
    ----------
    scripts : sequence of str
        The exact text of every inline ``<script>`` that must run.
    basemap : Basemap
        A tile service whose images may load (none by default).
    local_files : bool
        Allow frames and images from the page's own folder (the report embeds maps and images).
    """
    images = ["data:"]
    if basemap is not Basemap.NONE:
        images.append(TILE_SOURCES[basemap].origin)
    if local_files:
        images += ["'self'", "file:"]
    frames = "'self' file:" if local_files else "'none'"
    hashes = " ".join(dict.fromkeys(_csp_hash(s) for s in scripts))
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src {' '.join(images)}; "
            f"frame-src {frames}; connect-src 'none'; base-uri 'none'; form-action 'none'")


def map_payload(web_map: WebMap, *, basemap: Basemap = Basemap.NONE) -> str:
    """The map's JSON for its ``<script type="application/json">`` element."""
    data = encode_map(web_map)
    data["markerIcon"] = marker_icon_uris()
    if basemap is not Basemap.NONE:
        tiles = TILE_SOURCES[basemap]
        data["tiles"] = {"title": tiles.title, "url": tiles.url, "attribution": tiles.attribution,
                         "maxZoom": tiles.max_zoom}
    return script_json(data)


def page_scripts(map_names: Sequence[str]) -> list[str]:
    """Every inline script of a page: Leaflet, plugins, the runtime, then one render call per map."""
    calls = "".join(f"deerhabitat.render({script_json(name)});" for name in map_names)
    return [*inline_scripts(), calls]


def render_map_html(web_map: WebMap, *, basemap: Basemap | str = Basemap.NONE) -> str:
    """The standalone HTML page of one map (opens from disk, no network unless a basemap is chosen).

    Parameters
    ----------
    web_map : WebMap
        The map.
    basemap : Basemap or str, default "none"
        Optional tile service; ``none`` keeps the page free of network requests.

    Returns
    -------
    str
        The page; the same map gives the same text, byte for byte.
    """
    basemap = Basemap(basemap)
    scripts = page_scripts([web_map.name])
    return _environment().get_template("map.html.j2").render(
        map=web_map, payload=map_payload(web_map, basemap=basemap), scripts=scripts,
        css=inline_stylesheet(), csp=content_security_policy(scripts, basemap=basemap), version=__version__)


def environment() -> jinja2.Environment:
    """The Jinja environment of the publish templates (autoescaping on)."""
    return _environment()


__all__ = ["PublishData", "build_coverage_map", "build_habitat_map", "build_maps", "build_overview_map",
           "build_population_map", "build_reintroductions_map", "build_state_map", "content_security_policy",
           "count_text", "latest_counts", "map_payload", "page_scripts", "population_frame", "prepare_data",
           "release_flows", "render_map_html", "site_frame"]
