"""Every user-visible string of the Overview Report, in English, keyed by message id: the "report" domain.

The report's Python code and its template look strings up with :func:`deerhabitat.i18n.message` (``t``
in the template; re-exported here); nothing user-visible is written inline. Translations are gettext files,
``deerhabitat/locale/<lang>/LC_MESSAGES/report.po`` (see :mod:`deerhabitat.i18n`); a key with no translation
falls back to English. Placeholders use :meth:`str.format` names (``{year}``).

Examples
--------
>>> message("summary.total", year=2023, count="3,900")
'Wild animals in 2023: 3,900'
"""

from __future__ import annotations

from collections.abc import Mapping

from deerhabitat.i18n import current_language, language, message
from deerhabitat.vocabulary import CODES, code_key

__all__ = ["CODES", "ENGLISH", "code_key", "current_language", "language", "message", "species_name"]

ENGLISH: Mapping[str, str] = {
    # page
    "report.title": "{species} ({scientific_name}): Overview Report",
    "report.lead": "Range, populations, protected areas, reintroductions and national reports of the "
    "{species}, from the store {store}.",
    "report.made_with": "Made with deerhabitat {version}.",
    "report.contents": "Contents",
    "profile.public": "Public edition: wild populations are shown at the centre of a {cell_km} km equal-area "
    "grid cell, never at their exact position, in every map, table and file of this report.",
    "profile.internal": "Internal edition: positions are as recorded. Do not publish this folder.",
    "report.print_note": "Printed edition: interactive maps are replaced by their static images.",
    # sections
    "section.summary": "Executive summary",
    "section.background": "Background and the Memorandum of Understanding",
    "section.distribution": "Distribution and range change",
    "section.threats": "Threats",
    "section.trends": "Population trends",
    "section.states": "Status per range state",
    "section.protected": "Protected areas",
    "section.reintroductions": "Reintroductions",
    "section.habitat": "Habitat and candidate sites",
    "section.measures": "Conservation measures and Work Programme progress",
    "section.connectivity": "Connectivity",
    "section.gaps": "Gaps",
    "section.conclusions": "Conclusions and recommendations",
    "section.maps": "Other maps",
    "section.methods": "Methods and sources",
    "section.embed": "Appendix: embed these maps",
    # summary
    "summary.intro": "Headline figures of the store; each links to the table it comes from.",
    "summary.total": "Wild animals in {year}: {count}",
    "summary.total_note": "{n} of {of} range states have a figure for {year} (observed or carried forward).",
    "summary.protected_range": "Share of the {period} range inside protected areas: {share} ({caveat})",
    "summary.protected_range_mapped": "Share of the {period} range inside protected areas: {share}",
    "summary.protected_animals": "Wild animals counted at sites inside protected areas in {year}: "
    "{inside} of {located} ({share})",
    "summary.protected_animals_note": "National totals and splits have no position and are left out. "
    "Not assessable (only a national figure): {states}.",
    "summary.protected_animals_partial": "National totals and splits have no position and are left out; the "
    "located animals are {located} of the {count} in the totals.",
    "summary.protected_none": "Wild animals inside protected areas in {year}: not assessable (only national "
    "figures, which have no position)",
    "summary.reintroduced": "Reintroduced wild populations: {n} ({growing} growing or established)",
    "summary.reports": "National reports received for {period}: {n} of {of} range states",
    "summary.reports_illustrative": "National reports kept for {period}: {n} of {of} range states, "
    "{n_illustrative} of them illustrative examples, not submissions",
    "summary.reports_none": "No national report is kept in the store.",
    "summary.gaps": "Gaps found: {n} (see Gaps)",
    "summary.protected_geometry": "computed from the range as {range} and protected areas as {areas}",
    "summary.no_counts": "The store holds no wild count.",
    # trends
    "trends.intro": "Wild animals by year, stacked by range state. A bar's label gives how many of the {of} "
    "range states have a figure that year; a year where some range state has no figure is drawn faded with a "
    "dashed outline and is not a complete total.",
    "trends.global_title": "Wild animals by year and range state",
    "trends.country_title": "{country}: wild animals by year",
    "trends.country_caption": "Solid: counted that year; light: the latest earlier count carried forward.",
    "chart.coverage": "{n}/{of}",
    "chart.incomplete": "incomplete",
    "chart.observed": "counted that year",
    "chart.carried": "carried forward",
    "chart.reference": "published estimate",
    "chart.partly_carried": "partly carried forward",
    "chart.national": "national figure",
    "chart.national_total": "national total",
    "chart.national_split": "split of a national or global figure",
    "chart.site_sum": "sum of sites",
    "chart.axis_count": "animals",
    "chart.desc_global": "Stacked bars of wild animals per year and range state; years with a figure for "
    "every range state drawn solid, others faded.",
    "chart.desc_country": "Bars of wild animals per year in one range state.",
    # range states
    "states.intro": "One row per range state: its latest wild figure, its national report, and the threats "
    "and measures it reported.",
    "states.no_report": "No national report is kept for {country}.",
    "states.report_line": "National report {period} (version {version}, file {filename}).",
    "states.report_line_illustrative": "National report {period} (version {version}, file {filename}): an "
    "illustrative example compiled from published sources, not a submission of the range state.",
    # protected areas
    "protected.intro": "How much of the range, and how many animals, protected areas cover.",
    # background, distribution, threats
    "background.none": "No background text is bundled for {species}; see the sources of the Methods section.",
    "background.source": "Source: {source}",
    "distribution.intro": "Where the species lives now and how its range changed between the periods the "
    "store holds, in the store's equal-area analysis CRS.",
    "threats.intro": "Threats named in each range state's latest national report, with the severity it "
    "gave them.",
    # conclusions
    "conclusions.draft": "Draft: deerhabitat wrote this text from the figures of the store. The author "
    "replaces it with `deerhabitat report-text set conclusions FILE.md --store STORE`.",
    "conclusions.unknown": "Placeholders left as written (no figure has that name): {names}. Known: {known}.",
    "conclusions.default": "In {year}, the store counts {total_latest} wild animals in {n_states_counted} of "
    "{n_states} range states.\n\nNational reports for {period}: {n_reports} of {n_states} range "
    "states ({n_illustrative} of them illustrative, not submissions); {n_missing} missing.\n\n"
    "Work Programme: {n_wp_gaps} action × state cells not started, only planned or not reported "
    "for {period}.\n\n- Submit the missing national reports before the next deadline.\n"
    "- Report the status of every Work Programme action, including those not started.\n"
    "- Count every population regularly with a stated and comparable method.",
    # measures and Work Programme
    "measures.intro": "Work Programme actions as each range state reported them for the latest reporting "
    "period, progress since the previous period, and the measures of the latest national reports.",
    "measures.no_catalogue": "The store has no Work Programme catalogue: no action matrix.",
    "wp.no_report": "no national report",
    "wp.report_illustrative": "{file} (illustrative)",
    "wp.last_known": "last reported {status} in {period}",
    "wp.no_previous": "none kept",
    "wp.submitted": "(submitted {date})",
    "wp.deadline": "(due {date})",
    "wp.deadline_cycle": "deadline of the reporting cycle",
    "wp.deadline_default": "no cycle opened, 31 December of the following year",
    "status.not-started": "not started",
    "status.planned": "planned",
    "status.in-progress": "in progress",
    "status.completed": "completed",
    "status.not-applicable": "not applicable",
    "status.not-reported": "not reported",
    "status.advanced": "advanced",
    "status.unchanged": "unchanged",
    "status.regressed": "regressed",
    "status.first-reported": "first reported",
    "status.not-comparable": "not comparable",
    "status.received": "received",
    "status.late": "late",
    "status.illustrative": "illustrative, not a submission",
    "status.missing": "missing",
    "status.awaited": "awaited",
    # reintroductions
    "reintroductions.intro": "Releases and what became of each reintroduced population.",
    # habitat
    "habitat.intro": "Area of habitat, suitability and candidate sites for reintroduction, from the store's "
    "rasters.",
    "habitat.none": "The store has no habitat raster; this section is empty.",
    # occurrences and habitat use (habitat section)
    "occurrences.intro": "Habitat use is tested against the store's {n} occurrence records "
    "(observations, camera-trap detections, {fixes} telemetry fixes, specimens and signs): the Boyce index "
    "compares the suitability where they were recorded with the suitability the raster offers, the point "
    "prevalence compares the share of them on Area of Habitat pixels with the share of the range that is "
    "Area of Habitat, and the home ranges of {animals} collared animals are computed from their telemetry "
    "fixes and shown as areas only.",
    "occurrences.boyce_index": "Boyce index of the suitability raster",
    "occurrences.aoh_point_prevalence": "Occurrences in the range that fall on Area of Habitat",
    "occurrences.mcp": "95 % minimum convex polygon home range, median of {n} animals",
    "occurrences.kde": "95 % kernel density home range, median of {n} animals",
    "occurrences.not_assessable": "not assessable",
    "occurrences.boyce_chance": "0 (no better than chance)",
    "occurrences.used": "{used} of {total} ({outside} outside the raster)",
    "occurrences.fixes": "{fixes} telemetry fixes",
    "occurrences.km2_range": "{median} km² (from {low} to {high})",
    "occurrences.col.value": "Value",
    "occurrences.col.expected": "Expected",
    "occurrences.col.used": "Records used",
    # connectivity
    "connectivity.intro": "Which populations are connected, through which stretches, and which of those are "
    "protected: least-cost corridors between every pair of populations over a resistance derived from "
    "habitat suitability. The map shows the corridor zones, the least-cost paths and the bottleneck of each "
    "corridor (red: outside protected areas).",
    "connectivity.none": "No corridors were computed for this store (see Methods and sources).",
    "connectivity.transform": "{formula} with k = {k} and p = {p}",
    "connectivity.given_resistance": "a resistance raster given as it is",
    "connectivity.cost_unit": "1 = 1 km through resistance-1 land (km x resistance)",
    "connectivity.positions_generalised": "generalised: the centre of each population's {cell_km} km "
    "equal-area cell",
    "connectivity.positions_exact": "exact (as recorded)",
    "connectivity.method": "Method: cost-weighted distances from each population over {transform} (cost "
    "unit: {unit}); a pair is linked when its least cost is at most {max_cost}; the corridor zone holds the "
    "cells whose cost through them is within {tolerance} of the least cost (normalised least-cost corridor); "
    "the bottleneck is the corridor's narrowest point. Corridor end points: {positions}.",
    "connectivity.illustrative": "The suitability used here is the bundled illustrative sample raster, a "
    "proxy made from land cover and elevation, not a survey: read the corridors as an example of the method.",
    "connectivity.no_corridors": "No suitability raster or corridor output is registered in the store (see "
    "`deerhabitat habitat suitability` and `deerhabitat habitat corridors`): no corridors map or "
    "Connectivity tables.",
    "connectivity.failed": "The corridors between populations could not be computed ({error}); no corridors "
    "map.",
    # gaps
    "gaps.intro": "What is missing or out of date, judged against {year} (the latest year with a wild "
    "count).",
    # methods
    "methods.generalised": "Generalised positions (public edition): {method}",
    "methods.generalisation": "Each position of a wild population is replaced by the centre of its "
    "{cell_km} km cell on an equal-area grid in the store's analysis CRS (cell corners at multiples of "
    "{cell_m} m from the projection's origin; a polygon site is first reduced to its centroid); the true "
    "position is within {within_km} km of the published one. Captive sites, protected areas, ranges and "
    "rivers are published as recorded.",
    "note.sample_rasters": "Habitat rasters are the bundled illustrative sample rasters (see "
    "data/README.md), not a survey.",
    "methods.totals": "Wild animals are the counts of wild populations; captive animals are reported apart. "
    "For each year, every site contributes its latest count of that year or of the {years} years before it "
    "(an earlier count is carried forward and marked as such). A national figure, which stands for all of a "
    "country's populations, is not added to the site counts of that country: the country total is the "
    "national figure when it is at least the sum of the site counts, otherwise that sum. Of several counts "
    "of one site in one year, the latest is used. The range-wide total of a year is the sum of the country "
    "totals; only years with at least one count made that year are shown.",
    "methods.areas": "Areas are computed in the store's equal-area analysis CRS ({crs}); protected areas are "
    "dissolved first, so overlapping areas count once.",
    "methods.maps": "Maps use Web Mercator for display only; every page opens from disk with no network "
    "(Leaflet and its plugins are inlined from pinned npm packages). Attribute text is always shown as text.",
    "methods.reports": "Threats, measures, Work Programme actions and priorities come from the latest "
    "version of each range state's latest national report kept in the store (listed below with their "
    "sha256). Each reporting period is judged against the deadline of the Secretariat's reporting cycle "
    "(deerhabitat national-report cycle open), or, when no cycle was opened, 31 December of the year after "
    "the period; a report is late when its first version came after the deadline, and a report marked "
    "illustrative is shown as such, never as late or received.",
    "methods.failed": "The analyses could not run ({error}); their tables are left out.",
    "source.national_report": "national report {country} {period} v{version} ({filename})",
    "source.store": "store layers: {layers} (see Methods and sources)",
    "source.store_any": "store layers (see Methods and sources)",
    "source.corridors": "least-cost corridors over the habitat suitability (see Connectivity)",
    "source.rasters": "habitat rasters of the store (see Methods and sources)",
    "methods.intro": "How the figures were computed, and where every figure comes from.",
    "methods.sources_link": "Sources: see Methods and sources.",
    # maps
    "maps.intro": "Each map opens on its own page, works offline, and has a static image for print.",
    "maps.open": "Open the map",
    "maps.static_png": "PNG",
    "maps.static_svg": "SVG",
    "maps.embed_one": "Embed this map",
    "maps.overview_title": "Overview map",
    "maps.own_page": "The same map on its own page:",
    "maps.for_print": "for print:",
    "embed.intro": "To put a map in your own document, save the document beside this maps folder and paste "
    "the snippet: an interactive frame for web pages, and the static image for print.",
    "table.csv": "As CSV:",
    "table.dash": "–",
    # table titles and captions
    "table.totals.title": "Wild animals by country and year",
    "table.totals.caption": "Wild animals counted or estimated in each range state (captive animals apart). "
    "A dash: no figure for that country and year.",
    "table.coverage.title": "Protected share of the range",
    "table.coverage.caption": "Range of each period inside protected areas (overlapping areas counted once), "
    "in the store's equal-area analysis CRS. The geometry columns say what the polygons are: a share "
    "computed from drawn belts or circles is an indication, not a measurement.",
    "table.states.title": "Range states",
    "table.states.caption": "Latest wild figure and national report of each range state; threats and "
    "measures counted from its latest report.",
    "table.threats.title": "Threats reported",
    "table.threats.caption": "Threats from the latest national report of each range state, most severe "
    "first.",
    "table.measures.title": "Measures reported",
    "table.measures.caption": "Conservation measures from the latest national report of each range state.",
    "table.protected_animals.title": "Wild animals inside protected areas",
    "table.protected_animals.caption": "Site figures placed at their count's point; inside + outside = "
    "located. National totals and splits have no position: a state whose only figure is national is not "
    "assessable.",
    "table.country_trends.title": "Change between counts, by range state",
    "table.country_trends.caption": "Each range state's change between successive years with a new count. "
    "A change is called a decline or an increase only when both totals are made of the same figures with "
    "the same method and data status; otherwise it is not comparable, and the reason is given.",
    "table.reintroductions.title": "Reintroduced populations",
    "table.reintroductions.caption": "Founders released, latest wild count and mean yearly growth since the "
    "first release; status judged against the reference year.",
    "table.gaps_reports.title": "Missing or late national reports",
    "table.gaps_reports.caption": "For the latest reporting period ({period}, deadline {deadline}): range "
    "states with no report after the deadline, or whose first version came after it. Reports marked "
    "illustrative are never counted late.",
    "table.gaps_stale.title": "Stale counts",
    "table.gaps_stale.caption": "Populations whose latest wild count is more than {years} years older than "
    "{year}.",
    "table.gaps_unprotected.title": "Populations outside protected areas",
    "table.gaps_unprotected.caption": "Populations (latest wild count above 0) that no protected area "
    "intersects, with the nearest protected area.",
    "table.gaps_no_count.title": "Range states without a recent count",
    "table.gaps_no_count.caption": "Range states with no wild count in {start}–{year}.",
    "table.gaps_wp.title": "Work Programme actions not started or not reported",
    "table.gaps_wp.caption": "Catalogued actions that a range state reported as not started or only planned "
    "for {period}, or did not report on, with the last status it reported and the national "
    "report each comes from.",
    "table.wp_matrix.title": "Work Programme: actions by range state",
    "table.wp_matrix.caption": "Status of each Work Programme action in each range state for {period}, how "
    "it moved since the previous period ({previous}) in brackets, and the national report it "
    "comes from; a dash: the action does not concern the state.",
    "table.reporting_status.title": "National reports received, by reporting period",
    "table.reporting_status.caption": "Each range state's national report for each reporting period, judged "
    "against the period's deadline ({deadlines}).",
    "table.site_population.title": "Populations by site",
    "table.site_population.caption": "Latest wild count of each site of {country} (captive animals apart), "
    "with its year, survey method and source; a dash: no count.",
    "table.range_change.title": "Range change",
    "table.range_change.caption": "Range of each state in the historical and the current period, the area "
    "lost and gained between them.",
    "table.protected_with_deer.title": "Protected areas holding deer",
    "table.protected_with_deer.caption": "Protected areas with a site whose latest wild count is above 0 "
    "(national totals placed at one point are not sites and are left out).",
    "table.threat_matrix.title": "Threats by range state",
    "table.threat_matrix.caption": "Highest severity each range state's latest national report gives each "
    "threat; a dash: not named in the report (or no report). The last row names the report.",
    "table.published.title": "Published range-wide estimates",
    "table.published.caption": "Estimates of the whole population published by the sources named, shown as a "
    "reference beside the store's totals (diamonds in the chart); their methods differ "
    "and they may include semi-wild animals.",
    "table.candidates.title": "Candidate sites for reintroduction",
    "table.candidates.caption": "Contiguous suitable habitat inside the historical range away from current "
    "populations, ranked by a score of area, protection and proximity to a source "
    "population; distances to the nearest wild population and source, in km.",
    "table.occurrences_habitat_use.title": "Occurrences and habitat use",
    "table.occurrences_habitat_use.caption": "Boyce index (Hirzel et al. 2006): Spearman correlation "
    "between suitability and the ratio of the share of occurrences to the share of the raster's pixels in "
    "101 moving windows a tenth of the suitability range wide; +1 means occurrences ever more frequent where "
    "suitability is higher. Point prevalence (Brooks et al. 2019): share of the occurrences inside the range "
    "that are on Area of Habitat pixels; expected: the share of the range's pixels that are Area of Habitat. "
    "Home ranges: 95 % minimum convex polygon and 95 % kernel density isopleth (reference bandwidth) of each "
    "animal with at least 5 fixes, km² in the equal-area analysis CRS; no fix position is published.",
    "table.corridors.title": "Corridors between populations",
    "table.corridors.caption": "Every pair of populations: the least cost of moving between them, the length "
    "of the least-cost path, the area of the corridor zone and its share inside protected areas, the width "
    "of the narrowest point and whether it is protected, and the countries the path crosses. Pairs with no "
    "corridor under the maximum cost ({max_cost}) come last.",
    "table.isolated.title": "Isolated populations",
    "table.isolated.caption": "Populations with no corridor to any other population under the maximum cost "
    "({max_cost}).",
    "table.bottlenecks.title": "Unprotected bottlenecks",
    "table.bottlenecks.caption": "The narrowest point of each corridor that lies outside protected areas, "
    "narrowest first: where protection or restoration would keep the populations connected.",
    "table.coverage_by_year.title": "Coverage of each year's total",
    "table.coverage_by_year.caption": "How many of the {of} range states have a figure each year, and how "
    "each figure was made; a year is complete only when every range state has one.",
    "table.priorities.title": "Problems, gaps and priorities reported",
    "table.priorities.caption": "From the latest national report of the range state.",
    "table.reports.title": "National reports",
    "table.reports.caption": "Every national report kept in the store; the latest version of each country "
    "and period is the one used.",
    "table.provenance.title": "Provenance of the store's layers",
    "table.provenance.caption": "Every write to the store: the file it came from, its sha256, when and how.",
    "table.sources.title": "Sources cited in the layers",
    "table.sources.caption": "The source column of every feature, with how many features cite it.",
    # column labels
    "col.country": "Country",
    "col.period": "Period",
    "col.range_km2": "Range (km²)",
    "col.protected_km2": "Protected (km²)",
    "col.protected_share": "Protected share",
    "col.latest_year": "Latest year",
    "col.latest_count": "Latest count",
    "col.report": "National report",
    "col.threats_high": "High threats",
    "col.threats": "Threats",
    "col.measures": "Measures",
    "col.threat": "Threat",
    "col.severity": "Severity",
    "col.trend": "Trend",
    "col.where": "Site or area",
    "col.description": "Description",
    "col.source": "Source",
    "col.measure": "Measure",
    "col.status": "Status",
    "col.year": "Year",
    "col.count": "Count",
    "col.inside": "Inside",
    "col.located": "Located (at sites)",
    "col.range_geometry": "Range drawn as",
    "col.pa_geometry": "Protected areas drawn as",
    "col.caveat": "Caveat",
    "col.protection_note": "Note",
    "col.from_year": "From",
    "col.to_year": "To",
    "col.from_count": "Count then",
    "col.to_count": "Count now",
    "col.change": "Change",
    "col.reason": "Why not comparable",
    "value.not_assessable": "not assessable",
    "col.outside": "Outside",
    "col.site": "Site",
    "col.first_release": "First release",
    "col.founders": "Founders",
    "col.releases": "Releases",
    "col.growth": "Growth per year",
    "col.submitted": "Submitted",
    "col.problem": "Problem",
    "col.site_status": "Origin",
    "col.method": "Method",
    "col.data_status": "Data status",
    "col.historical": "Historical range (km²)",
    "col.current": "Current range (km²)",
    "col.lost_km2": "Lost (km²)",
    "col.gained_km2": "Gained (km²)",
    "col.lost_share": "Share lost",
    "col.protected_area": "Protected area",
    "col.iucn_category": "IUCN category",
    "col.established": "Established",
    "col.sites_held": "Sites with deer (latest count)",
    "col.deadline": "Deadline",
    "col.last_status": "Last reported status",
    "col.period_deadline": "{period} (due {deadline})",
    "col.age_years": "Age (years)",
    "col.nearest_pa": "Nearest protected area",
    "col.distance_km": "Distance (km)",
    "col.action": "Action",
    "col.version": "Version",
    "col.estimate": "Estimate",
    "col.rank": "Rank",
    "col.total": "Total",
    "col.coverage": "Range states with a figure",
    "col.complete": "Complete",
    "col.counted": "Counted that year",
    "col.carried": "Carried forward",
    "col.national": "National figures (total or split)",
    "col.no_figure": "No figure",
    "value.yes": "yes",
    "value.withheld": "[position withheld]",
    "value.no": "no",
    "col.candidate": "Candidate",
    "col.area_km2": "Area (km²)",
    "col.nearest_population": "Nearest wild population",
    "col.nearest_source": "Nearest source population",
    "col.score": "Score",
    "col.file": "File",
    "col.format": "Format",
    "col.sha256": "SHA-256 checksum",
    "col.layer": "Layer",
    "col.action_kind": "Action",
    "col.time_utc": "Time (UTC)",
    "col.features": "Features",
    "col.kind": "Kind",
    "col.text": "Text",
    "col.populations": "Populations",
    "col.least_cost": "Least cost",
    "col.path_length_km": "Path length (km)",
    "col.corridor_km2": "Corridor area (km²)",
    "col.corridor_protected": "Corridor protected",
    "col.bottleneck_km": "Bottleneck width (km)",
    "col.bottleneck_protected": "Bottleneck protected",
    "col.countries_crossed": "Countries crossed",
    "value.no_corridor": "no corridor",
    "value.all_states": "All range states",
    "value.whole_range": "Whole range",
    "value.missing": "missing",
    "value.late": "late",
    "value.none": "none",
    "value.report_of": "{period} v{version}",
    "unit.km": "{value} km",
    "value.split": "{iso3} (split)",
    "value.count_in": "{name} ({count} in {year})",
    # common names of the species in the reader's language (English: the store's own name is used)
    "species.cervus-elaphus-bactrianus": "Bukhara deer",
}
"""The English catalogue: the reference every other catalogue translates."""


def species_name(species: str, scientific_name: str) -> str:
    """The species' common name in the current language.

    The store's ``species`` in English, else the ``species.<scientific-name>`` message when there is one.

    >>> species_name("Bukhara deer", "Cervus elaphus bactrianus")
    'Bukhara deer'
    """
    key = "species." + scientific_name.lower().replace(" ", "-")
    if current_language() == "en" or key not in ENGLISH:
        return species
    return message(key)
