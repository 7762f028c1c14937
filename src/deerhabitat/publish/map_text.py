"""Every visible string of the published maps, keyed by message id: the i18n domain ``maps``.

The English texts are :data:`ENGLISH` (keys ``maps.*``); translations are the gettext catalogues
``deerhabitat/locale/<lang>/LC_MESSAGES/maps.po`` read by :mod:`deerhabitat.i18n`. The map builders
(:mod:`deerhabitat.publish.maps`) call :func:`text` for the sentences they compose, and
:func:`localise_map` turns the fixed labels of the shared styles (:mod:`deerhabitat.publish.styles`: legend
entries, popup field names, units, IUCN code meanings, layer-control headings) into the current language,
looking each English label up in :data:`ENGLISH`. The page's own controls (layer list, search, measure
tool, year slider, full screen, minimap) read their texts from the map's JSON (:func:`ui_text`), never from
strings written into the script.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from deerhabitat import i18n

DOMAIN = "maps"

ENGLISH: dict[str, str] = {
    # -- layer-control headings
    "maps.group.boundaries": "Boundaries",
    "maps.group.range": "Range",
    "maps.group.protection": "Protection",
    "maps.group.populations": "Populations",
    "maps.group.reintroductions": "Reintroductions",
    "maps.group.habitat": "Habitat",
    # -- layer names
    "maps.layer.other_countries": "Other countries",
    "maps.layer.range_states": "Range states",
    "maps.layer.rivers": "Rivers",
    "maps.layer.protected_areas": "Protected areas",
    "maps.layer.sites": "Sites (latest count)",
    "maps.layer.candidates": "Candidate reintroduction sites",
    "maps.layer.counts": "Counts by site",
    "maps.layer.releases": "Releases (source → destination)",
    "maps.layer.release_sites": "Sources and destinations",
    "maps.layer.coverage": "Protected share of the {period} range",
    "maps.layer.corridor_zones": "Corridor zones",
    "maps.layer.corridor_paths": "Least-cost paths",
    "maps.layer.bottlenecks": "Bottlenecks (narrowest point of each corridor)",
    "maps.layer.corridor_populations": "Populations joined",
    "maps.layer.aoh": "Area of Habitat",
    "maps.layer.suitability": "Habitat suitability",
    # -- legend entries
    "maps.legend.native": "Native population",
    "maps.legend.reintroduced": "Reintroduced population",
    "maps.legend.introduced": "Introduced population",
    "maps.legend.captive": "Captive (enclosure, zoo, centre)",
    "maps.legend.site_other": "Site (other status)",
    "maps.legend.range_state": "Range state",
    "maps.legend.river": "River",
    "maps.legend.range": "Range",
    "maps.legend.protected_area": "Protected area",
    "maps.legend.release": "Release",
    "maps.legend.count": "Population count (survey position)",
    "maps.legend.other_countries": "Other countries",
    "maps.legend.historical_range": "Historical range",
    "maps.legend.range_period": "Range {period}",
    "maps.legend.coverage_class": "{classes} of the range protected",
    "maps.legend.no_range": "No current range recorded",
    "maps.legend.release_flow": "Release: source → destination (width: animals released)",
    "maps.legend.candidate": "Candidate reintroduction site",
    "maps.legend.flow_small": "1–10 animals released",
    "maps.legend.flow_medium": "11–50 animals released",
    "maps.legend.flow_large": "more than 50 animals released",
    "maps.legend.corridor_zone": "Corridor zone (within the tolerance of the least cost)",
    "maps.legend.corridor_path": "Least-cost path",
    "maps.legend.corridor_end": "Population (corridor end)",
    "maps.legend.linked": "Population linked by a corridor",
    "maps.legend.isolated": "Isolated population",
    "maps.legend.bottleneck": "Bottleneck",
    "maps.legend.bottleneck_outside": "Bottleneck outside protected areas",
    "maps.legend.bottleneck_inside": "Bottleneck inside a protected area",
    "maps.legend.animals": "{count} animals",
    "maps.legend.animal": "{count} animal",
    "maps.legend.low": "low: {label}",
    "maps.legend.high": "high: {label}",
    "maps.legend.suitability_low": "0 (unsuitable)",
    "maps.legend.suitability_high": "1 (most suitable)",
    "maps.legend.aoh_high": "{top} (habitat per pixel, km²)",
    # -- popup field names
    "maps.field.name": "Name",
    "maps.field.country": "Country",
    "maps.field.source": "Source",
    "maps.field.iso3": "ISO 3166 code",
    "maps.field.period": "Period",
    "maps.field.presence": "Presence (IUCN)",
    "maps.field.origin": "Origin (IUCN)",
    "maps.field.seasonal": "Seasonality (IUCN)",
    "maps.field.designation": "Designation",
    "maps.field.iucn_cat": "IUCN category",
    "maps.field.status_year": "Designated in",
    "maps.field.reported_area": "Reported area",
    "maps.field.boundary": "Boundary",
    "maps.field.identifier": "Identifier",
    "maps.field.site_id": "Site identifier",
    "maps.field.status": "Status",
    "maps.field.latest_count": "Latest count",
    "maps.field.data_status": "Data status",
    "maps.field.earlier_counts": "Earlier counts",
    "maps.field.position": "Position",
    "maps.field.candidate": "Candidate site",
    "maps.field.rank": "Rank",
    "maps.field.score": "Score (0–1)",
    "maps.field.suitable_area": "Suitable area",
    "maps.field.inside_protected": "Inside protected areas",
    "maps.field.mean_suitability": "Mean suitability (0–1)",
    "maps.field.nearest_source": "Nearest source population",
    "maps.field.distance_source": "Distance to that source",
    "maps.field.distance_population": "Distance to the nearest wild population",
    "maps.field.why_here": "Why here",
    "maps.field.site": "Site",
    "maps.field.year_shown": "Year shown",
    "maps.field.count": "Count",
    "maps.field.carried": "Carried",
    "maps.field.in_total": "In the wild total",
    "maps.field.release_route": "Release route",
    "maps.field.animals_released": "Animals released",
    "maps.field.releases": "Releases",
    "maps.field.years": "Years",
    "maps.field.received": "Received",
    "maps.field.sent": "Sent",
    "maps.field.range_period": "Range period",
    "maps.field.range_area": "Range area",
    "maps.field.protected": "Protected",
    "maps.field.protected_share": "Protected share",
    "maps.field.caveat": "Caveat",
    "maps.field.corridor": "Corridor",
    "maps.field.least_cost": "Least cost",
    "maps.field.path_length": "Path length",
    "maps.field.corridor_area": "Corridor area",
    "maps.field.corridor_protected": "Corridor area protected",
    "maps.field.path_protected": "Path protected",
    "maps.field.bottleneck_width": "Bottleneck width",
    "maps.field.bottleneck_protected": "Bottleneck protected",
    "maps.field.countries_crossed": "Countries crossed",
    "maps.field.population": "Population",
    "maps.field.isolated": "Isolated (no corridor under the maximum cost)",
    # -- units
    "maps.unit.km2": "km²",
    "maps.unit.km": "km",
    "maps.unit.percent": "%",
    # -- IUCN codes (range popups)
    "maps.code.presence.1": "Extant",
    "maps.code.presence.2": "Probably Extant",
    "maps.code.presence.3": "Possibly Extant",
    "maps.code.presence.4": "Possibly Extinct",
    "maps.code.presence.5": "Extinct",
    "maps.code.presence.6": "Presence Uncertain",
    "maps.code.origin.1": "Native",
    "maps.code.origin.2": "Reintroduced",
    "maps.code.origin.3": "Introduced",
    "maps.code.origin.4": "Vagrant",
    "maps.code.origin.5": "Origin Uncertain",
    "maps.code.origin.6": "Assisted Colonisation",
    "maps.code.seasonal.1": "Resident",
    "maps.code.seasonal.2": "Breeding Season",
    "maps.code.seasonal.3": "Non-breeding Season",
    "maps.code.seasonal.4": "Passage",
    "maps.code.seasonal.5": "Seasonal Occurrence Uncertain",
    # -- WDPA IUCN categories that are words (the roman numerals are codes)
    "maps.code.iucn.Not Reported": "Not Reported",
    "maps.code.iucn.Not Applicable": "Not Applicable",
    "maps.code.iucn.Not Assigned": "Not Assigned",
    # -- values that are words
    "maps.value.yes": "yes",
    "maps.value.no": "no",
    "maps.value.historical": "historical",
    "maps.value.boundary_circle": "approximate: a circle of the reported area",
    "maps.value.as_recorded": "as recorded",
    "maps.value.position_generalised": "generalised: centre of a {cell} km equal-area grid cell "
    "(the exact position of a wild population is not published)",
    "maps.value.position_approximate": "approximate (placed from a described place)",
    "maps.value.status.native": "native (wild)",
    "maps.value.status.reintroduced": "reintroduced (wild)",
    "maps.value.status.introduced": "introduced (wild)",
    "maps.value.status.captive": "captive",
    "maps.value.kind.native": "native",
    "maps.value.kind.reintroduced": "reintroduced",
    "maps.value.kind.introduced": "introduced",
    "maps.value.kind.captive": "captive",
    "maps.value.status_national": "{status}; national estimate standing for all populations of the country",
    "maps.value.data_status.surveyed": "surveyed",
    "maps.value.data_status.estimated": "estimated",
    "maps.value.data_status.national-total": "national total",
    "maps.value.data_status.national-split": "split of a national or global figure",
    "maps.value.data_status.illustrative": "illustrative, not data",
    "maps.value.method.census": "census",
    "maps.value.method.estimate": "estimate",
    "maps.value.method.distance-sampling": "distance-sampling",
    "maps.value.method.enclosure-count": "enclosure-count",
    "maps.value.count": "{count} in {date}, {method}",
    "maps.value.count_captive": "{count} in {date}, {method}, captive animals",
    "maps.value.no_count": "no count recorded",
    "maps.value.carried": "not counted in {year}: the count of {from_year} is carried "
    "(at most {years} years)",
    "maps.value.in_total_captive": "no: captive animals are reported apart",
    "maps.value.in_total_replaced": "no: the country's national estimate for this year replaces its "
    "site figures",
    "maps.value.released": "{date}: {count} animals",
    "maps.value.received": "{date}: {count} from {name}",
    "maps.value.sent": "{date}: {count} to {name}",
    "maps.value.candidate": "Candidate {id}",
    "maps.value.bottleneck_of": "Bottleneck of {title}",
    "maps.value.no_range": "no range",
    # -- notes, titles and descriptions
    "maps.species.bukhara_deer": "Bukhara deer",
    "maps.note.generalised": "Wild populations are shown at the centre of a {cell} km equal-area grid cell, "
    "never at their exact position. Captive sites are shown as recorded.",
    "maps.note.internal": "Internal map: positions as recorded. Do not publish.",
    "maps.note.candidates": "Shown as the {cell} km grid cells they cover, distances rounded to {cell} km: "
    "their outlines keep a distance from wild populations.",
    "maps.note.coverage": "Protected areas dissolved first, so overlaps count once; areas in the equal-area "
    "analysis CRS.",
    "maps.note.raster": "From {file}; display only (Web Mercator).",
    "maps.title.overview": "{species}: overview",
    "maps.desc.overview": "Range states, rivers, the range of {species} by period, protected areas and the "
    "sites with their latest count.",
    "maps.title.state": "{name} ({iso3})",
    "maps.desc.state": "Sites, protected areas, range and releases of {species} in {name}.",
    "maps.title.population": "{species}: counts over time",
    "maps.desc.population": "Each circle is a site's count in the chosen year "
    "(area proportional to the count). "
    "National totals and splits of a national figure have no position and are not drawn: "
    "they are in the totals table.",
    "maps.time.label": "Year",
    "maps.time.note": "Faded dashed circles: not counted that year; the latest count of the previous {years} "
    "years is shown.",
    "maps.title.reintroductions": "{species}: reintroductions",
    "maps.desc.reintroductions": "Releases and translocations from their source to their destination; line "
    "width grows with the number of animals released. Click a route or a site for years and numbers.",
    "maps.title.coverage": "{species}: protected-area coverage",
    "maps.desc.coverage": "Share of each country's {period} range inside protected areas.",
    "maps.desc.coverage_whole": "Across the whole range: {percent} protected.",
    "maps.title.habitat": "{species}: habitat and candidate sites",
    "maps.desc.habitat": "Modelled habitat (use the slider in the layer list to change its opacity) and "
    "candidate reintroduction sites.",
    "maps.title.corridors": "{species}: corridors between populations",
    "maps.desc.corridors": "Least-cost paths and corridor zones between the populations over the habitat "
    "resistance; red points mark bottlenecks outside protected areas. Click a corridor for its cost, length, "
    "protected share and bottleneck width.",
    # -- the static images
    "maps.static.credit": "Web Mercator (EPSG:3857), as the interactive map. Made with deerhabitat.",
    "maps.static.north": "N",
    "maps.static.scale": "{length} km",
    # -- the page's controls (sent to its script as data)
    "maps.ui.layers": "Layers and legend",
    "maps.ui.opacity": "Opacity",
    "maps.ui.basemap": "Basemap",
    "maps.ui.outlines": "Outlines only (works offline)",
    "maps.ui.zoom_data": "Zoom to data",
    "maps.ui.zoom_in": "Zoom in",
    "maps.ui.zoom_out": "Zoom out",
    "maps.ui.measure": "Measure a distance",
    "maps.ui.measure_start": "Click on the map to add points.",
    "maps.ui.measure_distance": "Distance: {distance} (geodesic, WGS 84)",
    "maps.ui.finish": "Finish",
    "maps.ui.clear": "Clear",
    "maps.ui.km": "km",
    "maps.ui.search": "Search sites by name",
    "maps.ui.no_match": "No match",
    "maps.ui.fullscreen": "Full screen",
    "maps.ui.fullscreen_exit": "Exit full screen",
    "maps.ui.minimap_show": "Show the overview",
    "maps.ui.minimap_hide": "Hide the overview",
    "maps.ui.tiles_failed": "Basemap tiles could not be loaded; the outlines remain.",
    "maps.ui.leaflet": "A JavaScript library for interactive maps",
}
"""The English texts of the maps, the reference every catalogue translates."""

UI_KEYS = tuple(k for k in ENGLISH if k.startswith("maps.ui."))
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
    >>> text("maps.legend.range_period", period="2020")
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
    """The texts of the page's controls, by the key without its ``maps.ui.`` prefix, plus ``locale``."""
    lang = lang or i18n.current_language()
    out = {k.removeprefix("maps.ui."): i18n.message(k, lang=lang) for k in UI_KEYS}
    out["locale"] = lang
    return out


def species(name: str) -> str:
    """The species name of the store's configuration in the current language (unknown names unchanged)."""
    return text("maps.species.bukhara_deer") if name == ENGLISH["maps.species.bukhara_deer"] else name


def yes_no(value: object) -> str | None:
    """``yes``/``no`` in the current language (None when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return text("maps.value.yes") if bool(value) else text("maps.value.no")


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
