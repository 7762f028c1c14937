"""Every visible string of the published maps, keyed by message id: the i18n domain ``maps``.

The English texts are :data:`ENGLISH`, keys ``map.*`` (the report domain has the ``maps.*`` keys of its
map section); translations are the gettext catalogues ``deerhabitat/locale/<lang>/LC_MESSAGES/maps.po`` read
by :mod:`deerhabitat.i18n`. The map builders (:mod:`deerhabitat.publish.maps`) call :func:`text` for the
sentences they compose, and turn the fixed labels of the shared styles (:mod:`deerhabitat.publish.styles`:
legend entries, popup field names, units, IUCN code meanings, layer-control headings) into the current
language with :func:`localise`, which looks each English label up in :data:`ENGLISH`. The page's own
controls (layer list, search, measure tool, year slider, full screen, minimap) read their texts from the
map's JSON (:func:`ui_text`), never from strings written into the script.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from deerhabitat import i18n

DOMAIN = "maps"

ENGLISH: dict[str, str] = {
    # -- layer-control headings
    "map.group.boundaries": "Boundaries",
    "map.group.range": "Range",
    "map.group.protection": "Protection",
    "map.group.populations": "Populations",
    "map.group.reintroductions": "Reintroductions",
    "map.group.habitat": "Habitat",
    # -- layer names
    "map.layer.other_countries": "Other countries",
    "map.layer.range_states": "Range states",
    "map.layer.rivers": "Rivers",
    "map.layer.protected_areas": "Protected areas",
    "map.layer.sites": "Sites (latest count)",
    "map.layer.candidates": "Candidate reintroduction sites",
    "map.layer.counts": "Counts by site",
    "map.layer.releases": "Releases (source → destination)",
    "map.layer.release_sites": "Sources and destinations",
    "map.layer.coverage": "Protected share of the {period} range",
    "map.layer.corridor_zones": "Corridor zones",
    "map.layer.corridor_paths": "Least-cost paths",
    "map.layer.bottlenecks": "Bottlenecks (narrowest point of each corridor)",
    "map.layer.corridor_populations": "Populations joined",
    "map.layer.aoh": "Area of Habitat",
    "map.layer.suitability": "Habitat suitability",
    # -- legend entries
    "map.legend.native": "Native population",
    "map.legend.reintroduced": "Reintroduced population",
    "map.legend.introduced": "Introduced population",
    "map.legend.captive": "Captive (enclosure, zoo, centre)",
    "map.legend.site_other": "Site (other status)",
    "map.legend.range_state": "Range state",
    "map.legend.river": "River",
    "map.legend.range": "Range",
    "map.legend.protected_area": "Protected area",
    "map.legend.release": "Release",
    "map.legend.count": "Population count (survey position)",
    "map.legend.other_countries": "Other countries",
    "map.legend.historical_range": "Historical range",
    "map.legend.range_period": "Range {period}",
    "map.legend.coverage_class": "{classes} of the range protected",
    "map.legend.no_range": "No current range recorded",
    "map.legend.release_flow": "Release: source → destination (width: animals released)",
    "map.legend.candidate": "Candidate reintroduction site",
    "map.legend.flow_small": "1–10 animals released",
    "map.legend.flow_medium": "11–50 animals released",
    "map.legend.flow_large": "more than 50 animals released",
    "map.legend.corridor_zone": "Corridor zone (within the tolerance of the least cost)",
    "map.legend.corridor_path": "Least-cost path",
    "map.legend.corridor_end": "Population (corridor end)",
    "map.legend.linked": "Population linked by a corridor",
    "map.legend.isolated": "Isolated population",
    "map.legend.bottleneck": "Bottleneck",
    "map.legend.bottleneck_outside": "Bottleneck outside protected areas",
    "map.legend.bottleneck_inside": "Bottleneck inside a protected area",
    "map.legend.animals": "{count} animals",
    "map.legend.animal": "{count} animal",
    "map.legend.low": "low: {label}",
    "map.legend.high": "high: {label}",
    "map.legend.suitability_low": "0 (unsuitable)",
    "map.legend.suitability_high": "1 (most suitable)",
    "map.legend.aoh_high": "{top} (habitat per pixel, km²)",
    # -- popup field names
    "map.field.name": "Name",
    "map.field.country": "Country",
    "map.field.source": "Source",
    "map.field.iso3": "ISO 3166 code",
    "map.field.period": "Period",
    "map.field.presence": "Presence (IUCN)",
    "map.field.origin": "Origin (IUCN)",
    "map.field.seasonal": "Seasonality (IUCN)",
    "map.field.designation": "Designation",
    "map.field.iucn_cat": "IUCN category",
    "map.field.status_year": "Designated in",
    "map.field.reported_area": "Reported area",
    "map.field.boundary": "Boundary",
    "map.field.identifier": "Identifier",
    "map.field.site_id": "Site identifier",
    "map.field.status": "Status",
    "map.field.latest_count": "Latest count",
    "map.field.data_status": "Data status",
    "map.field.earlier_counts": "Earlier counts",
    "map.field.position": "Position",
    "map.field.candidate": "Candidate site",
    "map.field.rank": "Rank",
    "map.field.score": "Score (0–1)",
    "map.field.suitable_area": "Suitable area",
    "map.field.inside_protected": "Inside protected areas",
    "map.field.mean_suitability": "Mean suitability (0–1)",
    "map.field.nearest_source": "Nearest source population",
    "map.field.distance_source": "Distance to that source",
    "map.field.distance_population": "Distance to the nearest wild population",
    "map.field.why_here": "Why here",
    "map.field.site": "Site",
    "map.field.year_shown": "Year shown",
    "map.field.count": "Count",
    "map.field.carried": "Carried",
    "map.field.in_total": "In the wild total",
    "map.field.release_route": "Release route",
    "map.field.animals_released": "Animals released",
    "map.field.releases": "Releases",
    "map.field.years": "Years",
    "map.field.received": "Received",
    "map.field.sent": "Sent",
    "map.field.range_period": "Range period",
    "map.field.range_area": "Range area",
    "map.field.protected": "Protected",
    "map.field.protected_share": "Protected share",
    "map.field.caveat": "Caveat",
    "map.field.corridor": "Corridor",
    "map.field.least_cost": "Least cost",
    "map.field.path_length": "Path length",
    "map.field.corridor_area": "Corridor area",
    "map.field.corridor_protected": "Corridor area protected",
    "map.field.path_protected": "Path protected",
    "map.field.bottleneck_width": "Bottleneck width",
    "map.field.bottleneck_protected": "Bottleneck protected",
    "map.field.countries_crossed": "Countries crossed",
    "map.field.population": "Population",
    "map.field.isolated": "Isolated (no corridor under the maximum cost)",
    # -- units
    "map.unit.km2": "km²",
    "map.unit.km": "km",
    "map.unit.percent": "%",
    # -- IUCN codes (range popups)
    "map.code.presence.1": "Extant",
    "map.code.presence.2": "Probably Extant",
    "map.code.presence.3": "Possibly Extant",
    "map.code.presence.4": "Possibly Extinct",
    "map.code.presence.5": "Extinct",
    "map.code.presence.6": "Presence Uncertain",
    "map.code.origin.1": "Native",
    "map.code.origin.2": "Reintroduced",
    "map.code.origin.3": "Introduced",
    "map.code.origin.4": "Vagrant",
    "map.code.origin.5": "Origin Uncertain",
    "map.code.origin.6": "Assisted Colonisation",
    "map.code.seasonal.1": "Resident",
    "map.code.seasonal.2": "Breeding Season",
    "map.code.seasonal.3": "Non-breeding Season",
    "map.code.seasonal.4": "Passage",
    "map.code.seasonal.5": "Seasonal Occurrence Uncertain",
    # -- WDPA IUCN categories that are words (the roman numerals are codes)
    "map.code.iucn.Not Reported": "Not Reported",
    "map.code.iucn.Not Applicable": "Not Applicable",
    "map.code.iucn.Not Assigned": "Not Assigned",
    # -- values that are words
    "map.value.yes": "yes",
    "map.value.no": "no",
    "map.value.historical": "historical",
    "map.value.boundary_circle": "approximate: a circle of the reported area",
    "map.value.as_recorded": "as recorded",
    "map.value.position_generalised": "generalised: centre of a {cell} km equal-area grid cell "
    "(the exact position of a wild population is not published)",
    "map.value.position_approximate": "approximate (placed from a described place)",
    "map.value.status.native": "native (wild)",
    "map.value.status.reintroduced": "reintroduced (wild)",
    "map.value.status.introduced": "introduced (wild)",
    "map.value.status.captive": "captive",
    "map.value.kind.native": "native",
    "map.value.kind.reintroduced": "reintroduced",
    "map.value.kind.introduced": "introduced",
    "map.value.kind.captive": "captive",
    "map.value.status_national": "{status}; national estimate standing for all populations of the country",
    "map.value.data_status.surveyed": "surveyed",
    "map.value.data_status.estimated": "estimated",
    "map.value.data_status.national-total": "national total",
    "map.value.data_status.national-split": "split of a national or global figure",
    "map.value.data_status.illustrative": "illustrative, not data",
    "map.value.method.census": "census",
    "map.value.method.estimate": "estimate",
    "map.value.method.distance-sampling": "distance-sampling",
    "map.value.method.enclosure-count": "enclosure-count",
    "map.value.count": "{count} in {date}, {method}",
    "map.value.count_captive": "{count} in {date}, {method}, captive animals",
    "map.value.no_count": "no count recorded",
    "map.value.carried": "not counted in {year}: the count of {from_year} is carried (at most {years} years)",
    "map.value.in_total_captive": "no: captive animals are reported apart",
    "map.value.in_total_replaced": "no: the country's national estimate for this year replaces its "
    "site figures",
    "map.value.released": "{date}: {count} animals",
    "map.value.received": "{date}: {count} from {name}",
    "map.value.sent": "{date}: {count} to {name}",
    "map.value.candidate": "Candidate {id}",
    "map.value.bottleneck_of": "Bottleneck of {title}",
    "map.value.no_range": "no range",
    "map.value.why_here": "Rank {rank} of {total}: {area} km² of contiguous suitable habitat{suitability} "
    "inside the historical range; {protected} inside protected areas; {source}; score {score}.",
    "map.value.why_mean": "(mean suitability {mean})",
    "map.value.why_source": "nearest source population {name}, {distance} km from its centre",
    "map.value.why_no_source": "no source site",
    # -- notes, titles and descriptions
    "map.species.bukhara_deer": "Bukhara deer",
    "map.note.generalised": "Wild populations are shown at the centre of a {cell} km equal-area grid cell, "
    "never at their exact position. Captive sites are shown as recorded.",
    "map.note.internal": "Internal map: positions as recorded. Do not publish.",
    "map.note.candidates": "Shown as the {cell} km grid cells they cover, distances rounded to {cell} km: "
    "their outlines keep a distance from wild populations.",
    "map.note.coverage": "Protected areas dissolved first, so overlaps count once; areas in the equal-area "
    "analysis CRS.",
    "map.note.raster": "From {file}; display only (Web Mercator).",
    "map.title.overview": "{species}: overview",
    "map.desc.overview": "Range states, rivers, the range of {species} by period, protected areas and the "
    "sites with their latest count.",
    "map.title.state": "{name} ({iso3})",
    "map.desc.state": "Sites, protected areas, range and releases of {species} in {name}.",
    "map.title.population": "{species}: counts over time",
    "map.desc.population": "Each circle is a site's count in the chosen year "
    "(area proportional to the count). "
    "National totals and splits of a national figure have no position and are not drawn: "
    "they are in the totals table.",
    "map.time.label": "Year",
    "map.time.note": "Faded dashed circles: not counted that year; the latest count of the previous {years} "
    "years is shown.",
    "map.title.reintroductions": "{species}: reintroductions",
    "map.desc.reintroductions": "Releases and translocations from their source to their destination; line "
    "width grows with the number of animals released. Click a route or a site for years and numbers.",
    "map.title.coverage": "{species}: protected-area coverage",
    "map.desc.coverage": "Share of each country's {period} range inside protected areas.",
    "map.desc.coverage_whole": "Across the whole range: {percent} protected.",
    "map.title.habitat": "{species}: habitat and candidate sites",
    "map.desc.habitat": "Modelled habitat (use the slider in the layer list to change its opacity) and "
    "candidate reintroduction sites.",
    "map.title.corridors": "{species}: corridors between populations",
    "map.desc.corridors": "Least-cost paths and corridor zones between the populations over the habitat "
    "resistance; red points mark bottlenecks outside protected areas. Click a corridor for its cost, length, "
    "protected share and bottleneck width.",
    # -- occurrences (records per hexagon; internal: records and telemetry tracks)
    "map.layer.occurrence_density": "Occurrences (records per hexagon)",
    "map.layer.tracks": "Telemetry tracks",
    "map.layer.records": "Occurrence records",
    "map.legend.occurrence_other": "Occurrence (other kind)",
    "map.legend.occurrence.telemetry": "Occurrence: telemetry",
    "map.legend.occurrence.camera-trap": "Occurrence: camera-trap",
    "map.legend.occurrence.observation": "Occurrence: observation",
    "map.legend.occurrence.specimen": "Occurrence: specimen",
    "map.legend.occurrence.sign": "Occurrence: sign",
    "map.legend.track": "Telemetry track (fixes in time order)",
    "map.legend.records_range": "{low}–{high} records",
    "map.legend.records_more": "{low} or more records",
    "map.field.occurrence_density": "Occurrence density",
    "map.field.records": "Records",
    "map.field.occurrence": "Occurrence",
    "map.field.kind": "Kind",
    "map.field.date": "Date",
    "map.field.animal": "Animal",
    "map.field.fixes": "Fixes",
    "map.field.first_fix": "First fix",
    "map.field.last_fix": "Last fix",
    "map.value.records_here": "{count} records in this hexagon",
    "map.note.density": "Records per hexagon of {size} km (centre to centre) on an equal-area grid; "
    "no record's position is shown.",
    "map.note.density_suppressed": "Hexagons with fewer than {min} records are not shown "
    "({records} records in {hexagons} hexagons).",
    "map.note.tracks": "Internal map: each collared animal's fixes joined in time order. Do not publish.",
    "map.note.records": "Internal map: every record at its recorded position. Do not publish.",
    "map.title.occurrences": "{species}: occurrences",
    "map.desc.occurrences": "Occurrence records (GBIF, camera traps, telemetry) per hexagon of an "
    "equal-area grid.",
    "map.desc.occurrences_internal": "Occurrence records (GBIF, camera traps, telemetry) per hexagon of an "
    "equal-area grid; every record and each collared animal's track (internal map).",
    # -- the static images
    "map.static.credit": "Web Mercator (EPSG:3857), as the interactive map. Made with deerhabitat.",
    "map.static.north": "N",
    "map.static.scale": "{length} km",
    # -- the page's controls (sent to its script as data)
    "map.ui.layers": "Layers and legend",
    "map.ui.opacity": "Opacity",
    "map.ui.basemap": "Basemap",
    "map.ui.outlines": "Outlines only (works offline)",
    "map.ui.zoom_data": "Zoom to data",
    "map.ui.zoom_in": "Zoom in",
    "map.ui.zoom_out": "Zoom out",
    "map.ui.measure": "Measure a distance",
    "map.ui.measure_start": "Click on the map to add points.",
    "map.ui.measure_distance": "Distance: {distance} (geodesic, WGS 84)",
    "map.ui.finish": "Finish",
    "map.ui.clear": "Clear",
    "map.ui.km": "km",
    "map.ui.m": "m",
    "map.ui.search": "Search sites by name",
    "map.ui.no_match": "No match",
    "map.ui.fullscreen": "Full screen",
    "map.ui.fullscreen_exit": "Exit full screen",
    "map.ui.minimap_show": "Show the overview",
    "map.ui.minimap_hide": "Hide the overview",
    "map.ui.tiles_failed": "Basemap tiles could not be loaded; the outlines remain.",
    "map.ui.leaflet": "A JavaScript library for interactive maps",
}
"""The English texts of the maps, the reference every catalogue translates."""

UI_KEYS = tuple(k for k in ENGLISH if k.startswith("map.ui."))
"""Keys of the page's own controls, sent to its script as ``text`` in the map's JSON."""

_BY_ENGLISH: dict[str, str] = {}
for _key, _english in ENGLISH.items():
    if "{" not in _english:
        _BY_ENGLISH.setdefault(_english, _key)


def text(key: str, /, **values: object) -> str:
    """Message ``key`` of the maps domain in the current language, placeholders filled from ``values``.

    Numbers among ``values`` are written for the language (``3,500`` / ``3 500``).

    Examples
    --------
    >>> text("map.legend.range_period", period="2020")
    'Range 2020'
    """
    shown: dict[str, Any] = {k: _value(v) for k, v in values.items()}
    return i18n.message(key, **shown)


def _value(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return number(value)


def number(value: float, digits: int | None = None) -> str:
    """A number for display in the current language (integers with thousands separators).

    Examples
    --------
    >>> number(3500), number(1234.56, 1)
    ('3,500', '1,234.6')
    """
    if digits is None and (isinstance(value, int) or float(value).is_integer()):
        return i18n.format_number(int(value))
    return i18n.format_number(float(value), decimals=2 if digits is None else digits)


def localise(label: str) -> str:
    """A fixed English label of the maps (``Rivers``, ``km²``, ``Extant``) in the current language.

    Labels that are not in :data:`ENGLISH` (names from the data, already composed texts) come back unchanged.

    Examples
    --------
    >>> localise("Rivers"), localise("Amu Darya")
    ('Rivers', 'Amu Darya')
    """
    key = _BY_ENGLISH.get(label)
    return i18n.message(key) if key is not None else label


def ui_text(lang: str | None = None) -> dict[str, str]:
    """The texts of the page's controls, by the key without its ``map.ui.`` prefix, plus ``locale``."""
    lang = lang or i18n.current_language()
    out = {k.removeprefix("map.ui."): i18n.message(k, lang=lang) for k in UI_KEYS}
    out["locale"] = lang
    return out


def species(name: str) -> str:
    """The species name of the store's configuration in the current language (unknown names unchanged)."""
    return text("map.species.bukhara_deer") if name == ENGLISH["map.species.bukhara_deer"] else name


def yes_no(value: object) -> str | None:
    """``yes``/``no`` in the current language (None when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return text("map.value.yes") if bool(value) else text("map.value.no")


def localise_fields(fields: tuple) -> tuple:
    """Popup fields with their label, unit and code meanings in the current language."""
    return tuple(
        dataclasses.replace(
            f,
            label=localise(f.label),
            unit=localise(f.unit),
            codes=tuple((code, localise(meaning)) for code, meaning in f.codes),
            words=tuple((word, localise(shown)) for word, shown in f.words),
        )
        for f in fields
    )
