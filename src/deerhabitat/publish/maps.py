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

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import SupportsFloat

import geopandas as gpd
import pandas as pd
import shapely

from deerhabitat.i18n import current_language, format_measure, format_percent
from deerhabitat.publish.data import (
    PublishData,
    country_names,
    display_name,
    is_true,
    population_frame,
    release_flows,
    release_sites,
    site_frame,
    with_country,
    with_display_sources,
)
from deerhabitat.publish.generalise import Profile
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
)
from deerhabitat.publish.map_text import localise, localise_fields, number, species, text, yes_no
from deerhabitat.publish.occurrence_layers import density_layer, record_layers
from deerhabitat.publish.page import render_map_html
from deerhabitat.publish.styles import (
    CANDIDATE_STYLE,
    CONTEXT_LAND_STYLE,
    DEFAULT_STYLES,
    POPUP_FIELDS,
    RELEASE_FLOW_STYLE,
    STATUS_COLOURS,
    Field,
    LayerStyle,
    Symbol,
    coverage_class,
    coverage_style,
    proportional_radius_px,
    range_style,
    size_legend_values,
)
from deerhabitat.publish.table import country_label
from deerhabitat.schema import LayerKind, latest_period


@cache
def _context_land() -> gpd.GeoDataFrame:
    """Natural Earth countries around the range states (``data/context_land.geojson``)."""
    path = Path(str(resources.files("deerhabitat") / "data" / "context_land.geojson"))
    return gpd.read_file(path).set_crs(4326, allow_override=True)


def _context_layer(data: PublishData) -> MapLayer | None:
    """The countries that are not range states, drawn as grey land below everything else."""
    states = data.layer(LayerKind.RANGE_STATES)
    if states is None or states.empty:
        return None
    land = _context_land()
    land = land[~land["iso3"].astype(str).isin(set(states["iso3"].astype(str)))]
    west, south, east, north = shapely.total_bounds(states.geometry.values)
    near = land[land.intersects(shapely.box(west - 15, south - 10, east + 15, north + 10))]
    if near.empty:
        return None
    return MapLayer(
        "other-countries",
        "Other countries",
        GROUP_BOUNDARIES,
        near.sort_values("iso3", kind="stable").reset_index(drop=True),
        CONTEXT_LAND_STYLE,
        (Field("name", "Country"), Field("source", "Source")),
        interactive=False,
        context=True,
    )


def _layers(
    data: PublishData, layers: Sequence[MapLayer | RasterLayer | None]
) -> tuple[MapLayer | RasterLayer, ...]:
    """The map's layers with the grey land of the other countries first (at the bottom), None dropped."""
    return _drop_none([_context_layer(data), *layers])


def _range_states_layer(data: PublishData) -> MapLayer | None:
    states = data.layer(LayerKind.RANGE_STATES)
    if states is None:
        return None
    states = states.sort_values("iso3", kind="stable").reset_index(drop=True)
    return MapLayer(
        "range-states",
        "Range states",
        GROUP_BOUNDARIES,
        states,
        DEFAULT_STYLES[LayerKind.RANGE_STATES],
        POPUP_FIELDS[LayerKind.RANGE_STATES],
        base=True,
        label_kind="country",
    )


def _rivers_layer(data: PublishData, *, within: shapely.Geometry | None = None) -> MapLayer | None:
    rivers = data.layer(LayerKind.RIVERS)
    if rivers is None:
        return None
    if within is not None:
        rivers = rivers[rivers.intersects(within)].reset_index(drop=True)
        if rivers.empty:
            return None
    rivers = rivers.sort_values("river_id", kind="stable").reset_index(drop=True)
    return MapLayer(
        "rivers",
        "Rivers",
        GROUP_BOUNDARIES,
        rivers,
        DEFAULT_STYLES[LayerKind.RIVERS],
        POPUP_FIELDS[LayerKind.RIVERS],
        label_kind="river",
    )


def _range_layers(
    data: PublishData, *, iso3: str | None = None, within: shapely.Geometry | None = None
) -> list[MapLayer]:
    ranges = data.layer(LayerKind.RANGES)
    if ranges is None:
        return []
    if iso3 is not None:
        own = ranges["iso3"].astype("string") == iso3
        shared = ranges["iso3"].isna() & (ranges.intersects(within) if within is not None else False)
        ranges = ranges[own.fillna(False) | shared].reset_index(drop=True)
    style = range_style(ranges["period"].astype(str))
    ranges = with_country(ranges, country_names(data))
    ranges["period_text"] = [_period_text(p) for p in ranges["period"].astype(str)]
    latest = [p for p, _ in style.categories if p.lower() != "historical"][-1:]
    layers = []
    for period, symbol in style.categories:
        part = ranges[ranges["period"].astype(str) == period].sort_values("range_id", kind="stable")
        if part.empty:
            continue
        layers.append(
            MapLayer(
                f"range-{_slug(period)}",
                symbol.label,
                GROUP_RANGE,
                part.reset_index(drop=True),
                LayerStyle("polygon", symbol),
                POPUP_FIELDS[LayerKind.RANGES],
                visible=period in latest or period.lower() == "historical",
            )
        )
    return layers


def _protected_areas_layer(data: PublishData, *, iso3: str | None = None) -> MapLayer | None:
    pas = data.layer(LayerKind.PROTECTED_AREAS)
    if pas is None:
        return None
    if iso3 is not None:
        pas = pas[pas["iso3"].astype(str) == iso3]
        if pas.empty:
            return None
    pas = with_country(pas, country_names(data))
    approx = pas["approximate"] if "approximate" in pas.columns else pd.Series(None, index=pas.index)
    pas["boundary"] = [
        text("map.value.boundary_circle") if is_true(a) else text("map.value.as_recorded") for a in approx
    ]
    pas = pas.sort_values(["name", "pa_id"], kind="stable").reset_index(drop=True)
    return MapLayer(
        "protected-areas",
        "Protected areas",
        GROUP_PROTECTION,
        pas,
        DEFAULT_STYLES[LayerKind.PROTECTED_AREAS],
        POPUP_FIELDS[LayerKind.PROTECTED_AREAS],
        searchable=True,
        label_kind="area",
    )


def _generalisation_note(data: PublishData) -> str:
    if data.profile is Profile.PUBLIC:
        return text("map.note.generalised", cell=format_measure(data.cell_km))
    return text("map.note.internal")


def _sites_layer(data: PublishData, *, iso3: str | None = None, visible: bool = True) -> MapLayer | None:
    sites = site_frame(data, iso3=iso3)
    if sites is None:
        return None
    return MapLayer(
        "sites",
        "Sites (latest count)",
        GROUP_POPULATIONS,
        sites,
        DEFAULT_STYLES[LayerKind.SITES],
        POPUP_FIELDS[LayerKind.SITES],
        visible=visible,
        searchable=True,
        note=_generalisation_note(data),
    )


def _habitat_layers(data: PublishData, *, visible: bool) -> list[MapLayer | RasterLayer]:
    layers: list[MapLayer | RasterLayer] = [
        RasterLayer(
            r.id,
            r.title,
            r.group,
            r.png,
            r.bounds,
            r.ramp,
            r.ramp_labels,
            r.opacity,
            r.note,
            visible and i == 0,
        )
        for i, r in enumerate(data.habitat)
    ]
    candidates = _candidates_layer(data, visible=visible)
    if candidates is not None:
        layers.append(candidates)
    return layers


CANDIDATE_FIELDS = (
    Field("title", "Candidate site"),
    Field("rank", "Rank"),
    Field("score", "Score (0–1)", digits=2),
    Field("area_km2", "Suitable area", unit="km²", digits=1),
    Field("protected_percent", "Inside protected areas", unit="%", digits=1),
    Field("mean_suitability", "Mean suitability (0–1)", digits=2),
    Field("nearest_source_name", "Nearest source population"),
    Field("distance_to_source_km", "Distance to that source", unit="km", digits=0),
    Field("distance_to_population_km", "Distance to the nearest wild population", unit="km", digits=0),
    Field("explanation", "Why here"),
)


_WHY_COLUMNS = {
    "rank",
    "area_km2",
    "protected_fraction",
    "score",
    "nearest_source_name",
    "distance_to_source_km",
}
"""Columns the explanation of a candidate in another language than English is written from."""


def _why_here(row: dict, total: int) -> str:
    """Why a candidate is where it is, in the current language, from its published columns.

    The English maps show the analysis' own sentence (with the weights of the score); other languages show
    this one, written from the same columns (the distances as published).
    """
    mean = row.get("mean_suitability")
    suitability = (
        " " + text("map.value.why_mean", mean=number(float(mean), 2))
        if mean is not None and not pd.isna(mean)
        else ""
    )
    source, distance = row.get("nearest_source_name"), row.get("distance_to_source_km")
    if source is None or distance is None or pd.isna(source) or pd.isna(distance):
        nearest = text("map.value.why_no_source")
    else:
        nearest = text("map.value.why_source", name=source, distance=number(float(distance), 0))
    return text(
        "map.value.why_here",
        rank=str(row["rank"]),
        total=str(total),
        area=number(float(row["area_km2"]), 1),
        suitability=suitability,
        protected=format_percent(float(row["protected_fraction"])),
        source=nearest,
        score=number(float(row["score"]), 3),
    )


def _candidates_layer(data: PublishData, *, visible: bool) -> MapLayer | None:
    frame = data.candidates
    if frame is None or frame.empty:
        return None
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].to_crs(4326)
    order = "rank" if "rank" in frame.columns else frame.columns[0]
    frame = frame.sort_values(order, kind="stable").reset_index(drop=True)
    ids = frame["candidate_id"] if "candidate_id" in frame.columns else pd.Series(range(1, len(frame) + 1))
    frame["title"] = [text("map.value.candidate", id=str(v)) for v in ids]
    sites = data.layer(LayerKind.SITES)
    if sites is not None and {"nearest_source_id", "nearest_source_name"} <= set(frame.columns):
        names = dict(zip(sites["site_id"].astype(str), sites["name"].astype(str), strict=True))
        frame["nearest_source_name"] = [
            names.get(str(i), n)
            for i, n in zip(frame["nearest_source_id"], frame["nearest_source_name"], strict=True)
        ]
    if current_language() != "en" and _WHY_COLUMNS <= set(frame.columns):
        frame["explanation"] = [_why_here(row, len(frame)) for row in frame.to_dict("records")]
    if "protected_fraction" in frame.columns:
        frame["protected_percent"] = [
            None if pd.isna(v) else 100.0 * float(v) for v in frame["protected_fraction"]
        ]
    note = (
        text("map.note.candidates", cell=format_measure(data.cell_km))
        if data.profile is Profile.PUBLIC
        else ""
    )
    return MapLayer(
        "candidates",
        "Candidate reintroduction sites",
        GROUP_HABITAT,
        frame,
        CANDIDATE_STYLE,
        CANDIDATE_FIELDS,
        visible=visible,
        searchable=True,
        note=note,
    )


def _slug(value: str) -> str:
    out = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in str(value).lower())
    out = "-".join(part for part in out.split("-") if part)
    return out or hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:8]


def _period_text(period: str) -> str:
    """A range period as shown: ``historical`` in the current language, a year as written."""
    return text("map.value.historical") if period.lower() == "historical" else period


def _localised_symbol(symbol: Symbol) -> Symbol:
    return replace(symbol, label=localise(symbol.label))


def _localised_layer(layer: MapLayer | RasterLayer) -> MapLayer | RasterLayer:
    if isinstance(layer, RasterLayer):
        return replace(layer, title=localise(layer.title), group=localise(layer.group))
    style = replace(
        layer.style,
        symbol=_localised_symbol(layer.style.symbol),
        categories=tuple((value, _localised_symbol(s)) for value, s in layer.style.categories),
    )
    return replace(
        layer,
        frame=with_display_sources(layer.frame),
        title=localise(layer.title),
        group=localise(layer.group),
        style=style,
        fields=localise_fields(layer.fields),
    )


def _localised(web_map: WebMap) -> WebMap:
    """The map in the current language.

    The fixed labels of its layers, styles and fields translated
    (:func:`deerhabitat.publish.map_text.localise`), and ``lang`` set so that the page's controls follow.
    """
    return replace(
        web_map,
        layers=tuple(_localised_layer(layer) for layer in web_map.layers),
        groups=tuple(localise(group) for group in web_map.groups),
        lang=current_language(),
    )


def _drop_none(layers: Sequence[MapLayer | RasterLayer | None]) -> tuple[MapLayer | RasterLayer, ...]:
    return tuple(layer for layer in layers if layer is not None)


def build_overview_map(data: PublishData) -> WebMap:
    """The overview map: every layer of the store.

    Range states, rivers, ranges by period, protected areas, sites with their latest count, releases and
    habitat (those two hidden at first).
    """
    layers = [
        _range_states_layer(data),
        _rivers_layer(data),
        *_range_layers(data),
        _protected_areas_layer(data),
        *_habitat_layers(data, visible=False),
        _release_flows_layer(data, visible=False),
        density_layer(data, visible=False),
        _sites_layer(data),
    ]
    return _localised(
        WebMap(
            "overview",
            text("map.title.overview", species=species(data.config.species)),
            text("map.desc.overview", species=species(data.config.species)),
            _layers(data, layers),
            GROUPS,
        )
    )


def build_state_map(data: PublishData, iso3: str) -> WebMap:
    """One range state: its sites, protected areas, ranges and releases, with its neighbours as context."""
    states = data.layer(LayerKind.RANGE_STATES)
    if states is None:
        raise ValueError(f"the map of range state {iso3!r} needs the range-states layer, which is empty")
    state = states[states["iso3"].astype(str) == iso3]
    outline = shapely.union_all(state.geometry.values)
    name = display_name(state.iloc[0])
    layers = [
        _range_states_layer(data),
        _rivers_layer(data, within=shapely.envelope(outline)),
        *_range_layers(data, iso3=iso3, within=outline),
        _protected_areas_layer(data, iso3=iso3),
        _release_flows_layer(data, iso3=iso3, visible=True),
        _sites_layer(data, iso3=iso3),
    ]
    west, south, east, north = shapely.bounds(outline)
    return _localised(
        WebMap(
            f"state-{iso3.lower()}",
            text("map.title.state", name=name, iso3=iso3),
            text("map.desc.state", species=species(data.config.species), name=name),
            _layers(data, layers),
            GROUPS,
            extent=(west, south, east, north),
        )
    )


def build_maps(data: PublishData) -> list[WebMap]:
    """Every map the data allows, overview first, then the range states (by ISO3), then the themes."""
    maps = [build_overview_map(data)]
    states = data.layer(LayerKind.RANGE_STATES)
    if states is not None:
        maps += [build_state_map(data, iso3) for iso3 in sorted(set(states["iso3"].astype(str)))]
    for builder in (
        build_population_map,
        build_reintroductions_map,
        build_coverage_map,
        build_habitat_map,
        build_corridors_map,
        build_occurrences_map,
    ):
        web_map = builder(data)
        if web_map is not None:
            maps.append(web_map)
    return maps


POPULATION_FIELDS = (
    Field("name", "Site"),
    Field("year", "Year shown", year=True),
    Field("count_text", "Count"),
    Field("data_status_text", "Data status"),
    Field("carried_text", "Carried"),
    Field("in_total_text", "In the wild total"),
    Field("status_label", "Status"),
    Field("country", "Country"),
    Field("site_id", "Site identifier"),
    Field("source", "Source"),
)


def build_population_map(data: PublishData) -> WebMap | None:
    """Population over time: one circle per site, sized by its count, a year slider choosing the year."""
    frame = population_frame(data)
    if frame is None:
        return None
    max_count = float(frame["count"].max())
    sizes = tuple(
        (
            text("map.legend.animals" if v != 1 else "map.legend.animal", count=v),
            proportional_radius_px(v, max_count),
        )
        for v in size_legend_values(max_count)
    )
    layers = [
        _range_states_layer(data),
        _rivers_layer(data),
        _protected_areas_layer(data),
        MapLayer(
            "counts",
            "Counts by site",
            GROUP_POPULATIONS,
            frame,
            DEFAULT_STYLES[LayerKind.SITES],
            POPULATION_FIELDS,
            visible=True,
            searchable=True,
            radius_column="radius_px",
            time_column="year",
            carried_column="carried",
            size_legend=sizes,
            note=_generalisation_note(data),
        ),
    ]
    stale = data.config.stale_after_years
    wild_years = frame.loc[frame["status"] != "captive", "year"]
    start = str(int(wild_years.max())) if len(wild_years) else None
    return _localised(
        WebMap(
            "population",
            text("map.title.population", species=species(data.config.species)),
            text("map.desc.population"),
            _layers(data, layers),
            GROUPS,
            time_label=text("map.time.label"),
            time_note=text("map.time.note", years=stale),
            initial_year=start,
        )
    )


FLOW_STYLE = LayerStyle(
    "line",
    RELEASE_FLOW_STYLE.symbol,
    field="flow_class",
    categories=(
        ("1-10", Symbol("1–10 animals released", stroke="#7b3294", stroke_width_px=2.0)),
        ("11-50", Symbol("11–50 animals released", stroke="#7b3294", stroke_width_px=4.0)),
        ("51+", Symbol("more than 50 animals released", stroke="#7b3294", stroke_width_px=6.5)),
    ),
)

FLOW_FIELDS = (
    Field("title", "Release route"),
    Field("n_total", "Animals released"),
    Field("releases_text", "Releases"),
    Field("years", "Years"),
    Field("source", "Source"),
)


def _release_flows_layer(data: PublishData, *, iso3: str | None = None, visible: bool) -> MapLayer | None:
    flows = release_flows(data, iso3=iso3)
    if flows is None:
        return None
    return MapLayer(
        "releases",
        "Releases (source → destination)",
        GROUP_REINTRODUCTIONS,
        flows,
        FLOW_STYLE,
        FLOW_FIELDS,
        visible=visible,
    )


RELEASE_SITE_FIELDS = (
    Field("name", "Site"),
    Field("status_label", "Status"),
    Field("received", "Received"),
    Field("sent", "Sent"),
    Field("latest_count_text", "Latest count"),
    Field("count_history_text", "Earlier counts"),
    Field("country", "Country"),
    Field("position", "Position"),
    Field("source", "Source"),
)


def build_reintroductions_map(data: PublishData) -> WebMap | None:
    """Releases drawn from source to destination with their years and numbers."""
    sites = release_sites(data)
    if sites is None:
        return None
    involved = MapLayer(
        "release-sites",
        "Sources and destinations",
        GROUP_REINTRODUCTIONS,
        sites,
        DEFAULT_STYLES[LayerKind.SITES],
        RELEASE_SITE_FIELDS,
        searchable=True,
        note=_generalisation_note(data),
    )
    layers = [
        _range_states_layer(data),
        _rivers_layer(data),
        *_range_layers(data),
        _protected_areas_layer(data),
        _release_flows_layer(data, visible=True),
        involved,
    ]
    return _localised(
        WebMap(
            "reintroductions",
            text("map.title.reintroductions", species=species(data.config.species)),
            text("map.desc.reintroductions"),
            _layers(data, layers),
            GROUPS,
            extent=WebMap("", "", "", (involved,)).bounds,
        )
    )


COVERAGE_FIELDS = (
    Field("name", "Country"),
    Field("period", "Range period"),
    Field("range_km2", "Range area", unit="km²", digits=1),
    Field("protected_km2", "Protected", unit="km²", digits=1),
    Field("protected_percent", "Protected share", unit="%", digits=1),
    Field("caveat", "Caveat"),
)


def build_coverage_map(data: PublishData) -> WebMap | None:
    """Range states coloured by the share of their current range inside protected areas."""
    states = data.layer(LayerKind.RANGE_STATES)
    if data.coverage is None or data.coverage.empty or states is None:
        return None
    period = latest_period(data.coverage["period"])
    if period is None:
        return None
    rows = data.coverage[data.coverage["period"].astype(str) == period].set_index("iso3")
    frame = states.sort_values("iso3", kind="stable").reset_index(drop=True)
    for column in ("range_km2", "protected_km2", "protected_fraction"):
        frame[column] = [float(rows.loc[i, column]) if i in rows.index else None for i in frame["iso3"]]
    frame["protected_percent"] = [None if f is None else 100.0 * f for f in frame["protected_fraction"]]
    frame["period"] = period
    frame["coverage_class"] = [coverage_class(f) for f in frame["protected_fraction"]]
    caveats = (
        rows["caveat"].fillna("").astype(str) if "caveat" in rows.columns else pd.Series("", index=rows.index)
    )
    frame["caveat"] = [caveats.get(i, "") for i in frame["iso3"]]
    whole = rows.loc["ALL", "protected_fraction"] if "ALL" in rows.index else None
    outline = [
        replace(layer, style=LayerStyle("polygon", replace(layer.style.symbol, fill=None)))
        for layer in _range_layers(data)
        if layer.id == f"range-{_slug(period)}"
    ]
    layers = [
        MapLayer(
            "coverage",
            text("map.layer.coverage", period=_period_text(period)),
            GROUP_PROTECTION,
            frame,
            coverage_style(),
            COVERAGE_FIELDS,
            base=True,
            label_kind="country",
            full_legend=True,
            note=text("map.note.coverage"),
        ),
        *outline,
        _protected_areas_layer(data),
    ]
    overall = (
        " " + text("map.desc.coverage_whole", percent=format_percent(float(whole), decimals=1))
        if whole is not None
        else ""
    )
    if whole is not None and caveats.get("ALL", ""):
        overall += f" {caveats['ALL']}"
    return _localised(
        WebMap(
            "protected-coverage",
            text("map.title.coverage", species=species(data.config.species)),
            text("map.desc.coverage", period=_period_text(period)) + overall,
            _layers(data, layers),
            GROUPS,
        )
    )


def build_habitat_map(data: PublishData) -> WebMap | None:
    """Habitat rasters (opacity slider) and candidate reintroduction sites over ranges and protected areas."""
    habitat = _habitat_layers(data, visible=True)
    if not habitat:
        return None
    layers = [
        _range_states_layer(data),
        _rivers_layer(data),
        *_range_layers(data),
        _protected_areas_layer(data),
        *habitat,
        _sites_layer(data, visible=False),
    ]
    return _localised(
        WebMap(
            "habitat",
            text("map.title.habitat", species=species(data.config.species)),
            text("map.desc.habitat"),
            _layers(data, layers),
            GROUPS,
        )
    )


CORRIDOR_ZONE_STYLE = LayerStyle(
    "polygon",
    Symbol("Corridor zone (within the tolerance of the least cost)", stroke="#e6550d", fill="#fdd0a2"),
)
CORRIDOR_PATH_STYLE = LayerStyle("line", Symbol("Least-cost path", stroke="#a63603", stroke_width_px=2.5))
CORRIDOR_END_STYLE = LayerStyle(
    "point",
    Symbol("Population (corridor end)", stroke="#08306b", fill="#4292c6", fill_opacity=0.9),
    field="isolated_text",
    categories=(
        ("no", Symbol("Population linked by a corridor", stroke="#08306b", fill="#4292c6", fill_opacity=0.9)),
        ("yes", Symbol("Isolated population", stroke="#08306b", fill="#ffffff", fill_opacity=0.9)),
    ),
)
BOTTLENECK_STYLE = LayerStyle(
    "point",
    Symbol("Bottleneck", stroke="#333333", fill="#999999", radius_px=6.0),
    field="bottleneck_protected_text",
    categories=(
        (
            "no",
            Symbol(
                "Bottleneck outside protected areas",
                stroke="#67000d",
                fill="#e31a1c",
                radius_px=8.0,
                fill_opacity=0.95,
                stroke_width_px=2.0,
            ),
        ),
        (
            "yes",
            Symbol(
                "Bottleneck inside a protected area",
                stroke="#00441b",
                fill="#41ab5d",
                radius_px=6.0,
                fill_opacity=0.9,
            ),
        ),
    ),
)
CORRIDOR_FIELDS = (
    Field("title", "Corridor"),
    Field("least_cost", "Least cost", digits=0),
    Field("path_length_km", "Path length", unit="km", digits=0),
    Field("zone_km2", "Corridor area", unit="km²", digits=0),
    Field("zone_protected_percent", "Corridor area protected", unit="%", digits=0),
    Field("path_protected_percent", "Path protected", unit="%", digits=0),
    Field("min_width_km", "Bottleneck width", unit="km", digits=1),
    Field("bottleneck_protected_shown", "Bottleneck protected"),
    Field("countries", "Countries crossed"),
)
CORRIDOR_END_FIELDS = (
    Field("name", "Population"),
    Field("status_shown", "Status"),
    Field("latest_count", "Latest count"),
    Field("country", "Country"),
    Field("isolated_shown", "Isolated (no corridor under the maximum cost)"),
)


def _percent(value: object) -> float | None:
    if value is None or pd.isna(value) or not isinstance(value, SupportsFloat):
        return None
    return 100.0 * float(value)


def _status_word(status: object) -> str:
    """A site status as one word in the current language (``native``; an unknown status as written)."""
    return text(f"map.value.kind.{status}") if str(status) in STATUS_COLOURS else str(status)


def _yes_no(value: object) -> str | None:
    return None if value is None or value is pd.NA or pd.isna(value) else ("yes" if bool(value) else "no")


def _corridor_frame(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Readable popup columns of a paths or zones frame (percentages, km, names, countries)."""
    out = frame.copy()
    out["title"] = [f"{a} – {b}" for a, b in zip(out["from_name"], out["to_name"], strict=True)]
    for column in ("zone_protected_fraction", "path_protected_fraction"):
        if column in out:
            out[column.replace("_fraction", "_percent")] = [_percent(v) for v in out[column]]
    if "min_width_m" in out:
        out["min_width_km"] = [None if pd.isna(v) else float(v) / 1000.0 for v in out["min_width_m"]]
    if "bottleneck_protected" in out:
        out["bottleneck_protected_text"] = [_yes_no(v) for v in out["bottleneck_protected"]]
        out["bottleneck_protected_shown"] = [yes_no(v) for v in out["bottleneck_protected"]]
    return out


def _corridor_layers(data: PublishData) -> list[MapLayer]:
    corridors = data.corridors
    if corridors is None:
        return []
    names = country_names(data)
    by_pair = {r["pair_id"]: r for r in corridors.pairs}
    layers = []
    paths = corridors.paths
    if paths is not None and not paths.empty:
        paths = _corridor_frame(paths.sort_values("pair_id", kind="stable").reset_index(drop=True), names)
        paths["countries"] = [
            ", ".join(
                country_label(d["iso3"], names) for d in by_pair.get(p, {}).get("path_by_country") or []
            )
            for p in paths["pair_id"]
        ]
        zones = corridors.zones.merge(
            pd.DataFrame(paths.drop(columns="geometry")).drop(
                columns=[c for c in corridors.zones.columns if c not in ("pair_id", "geometry")]
            ),
            on="pair_id",
            how="left",
        )
        layers.append(
            MapLayer(
                "corridor-zones", "Corridor zones", GROUP_HABITAT, zones, CORRIDOR_ZONE_STYLE, CORRIDOR_FIELDS
            )
        )
        layers.append(
            MapLayer(
                "corridor-paths",
                "Least-cost paths",
                GROUP_HABITAT,
                paths,
                CORRIDOR_PATH_STYLE,
                CORRIDOR_FIELDS,
            )
        )
        necks = paths[paths["bottleneck_lon"].notna() & paths["bottleneck_lat"].notna()].copy()
        if not necks.empty:
            necks = gpd.GeoDataFrame(
                pd.DataFrame(necks.drop(columns="geometry")),
                geometry=gpd.points_from_xy(necks["bottleneck_lon"], necks["bottleneck_lat"]),
                crs=4326,
            ).reset_index(drop=True)
            necks["title"] = [text("map.value.bottleneck_of", title=t) for t in necks["title"]]
            layers.append(
                MapLayer(
                    "corridor-bottlenecks",
                    "Bottlenecks (narrowest point of each corridor)",
                    GROUP_HABITAT,
                    necks,
                    BOTTLENECK_STYLE,
                    CORRIDOR_FIELDS,
                )
            )
    ends = corridors.populations
    if ends is not None and not ends.empty:
        isolated = set(corridors.summary.get("isolated") or [])
        keep = [c for c in ("site_id", "name", "iso3", "status", "latest_count") if c in ends.columns]
        ends = with_country(gpd.GeoDataFrame(ends[keep], geometry=ends.geometry.values, crs=ends.crs), names)
        ends["isolated_text"] = ["yes" if s in isolated else "no" for s in ends["site_id"]]
        ends["isolated_shown"] = [yes_no(s in isolated) for s in ends["site_id"]]
        ends["status_shown"] = [_status_word(s) for s in ends["status"]] if "status" in ends else None
        ends = ends.sort_values("site_id", kind="stable").reset_index(drop=True)
        layers.append(
            MapLayer(
                "corridor-populations",
                "Populations joined",
                GROUP_POPULATIONS,
                ends,
                CORRIDOR_END_STYLE,
                CORRIDOR_END_FIELDS,
                searchable=True,
                note=_generalisation_note(data),
            )
        )
    return layers


def build_corridors_map(data: PublishData) -> WebMap | None:
    """Least-cost corridors between populations, over protected areas and rivers.

    Corridor zones, least-cost paths, bottlenecks (those outside protected areas in red) and the populations
    joined (generalised in the public profile).
    """
    corridors = _corridor_layers(data)
    if not corridors:
        return None
    layers = [
        _range_states_layer(data),
        _rivers_layer(data),
        _protected_areas_layer(data),
        *corridors,
    ]
    return _localised(
        WebMap(
            "corridors",
            text("map.title.corridors", species=species(data.config.species)),
            text("map.desc.corridors"),
            _layers(data, layers),
            GROUPS,
        )
    )


def build_occurrences_map(data: PublishData) -> WebMap | None:
    """Occurrences as records per hexagon; in the internal profile also every record and telemetry track."""
    density = density_layer(data)
    if density is None:
        return None
    layers = [
        _range_states_layer(data),
        _rivers_layer(data),
        _protected_areas_layer(data),
        density,
        *record_layers(data, visible=True),
    ]
    internal = data.profile is Profile.INTERNAL
    return _localised(
        WebMap(
            "occurrences",
            text("map.title.occurrences", species=species(data.config.species)),
            text("map.desc.occurrences_internal" if internal else "map.desc.occurrences"),
            _layers(data, layers),
            GROUPS,
        )
    )


__all__ = [
    "PublishData",
    "build_corridors_map",
    "build_coverage_map",
    "build_habitat_map",
    "build_maps",
    "build_occurrences_map",
    "build_overview_map",
    "build_population_map",
    "build_reintroductions_map",
    "build_state_map",
    "render_map_html",
]
