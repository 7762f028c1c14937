"""Pure analyses: GeoDataFrames in one equal-area CRS in, new sorted DataFrames out. Never reads files.

Population (:mod:`~deerhabitat.analysis.population`): :func:`site_year_counts` (which count of
each site enters each year, carried figures flagged), :func:`population_totals`,
:func:`carried_counts`, :func:`captive_by_year`, :func:`totals_rule`, :func:`count_data_status` (what
each count is), :func:`country_trends` (a change is a trend only when method and coverage compare).

Protected areas (:mod:`~deerhabitat.analysis.protection`): :func:`clean_protected_areas` (wdpar
recipe), :func:`dissolve_protected_areas`, :func:`protected_population` (animals inside/outside),
:func:`site_protection` (containing or nearest area per site); the fast join behind them is
:func:`points_in_polygons` / :func:`covered_mask`.

Ranges (:mod:`~deerhabitat.analysis.ranges`): :func:`dissolve_ranges`, :func:`range_coverage`,
:func:`range_change`. Occurrence (:mod:`~deerhabitat.analysis.occurrence`): :func:`eoo_aoo_by_year`,
:func:`extent_of_occurrence_km2`, :func:`area_of_occupancy`. Reintroductions:
:func:`reintroduction_outcomes`, :func:`reintroduction_rule`. Gaps: :func:`conservation_gaps`.
Projection into the analysis CRS with geodesic edges: :func:`to_analysis_crs`, :func:`project_layers`.

Occurrence records (:mod:`~deerhabitat.analysis.occurrence_summary`, :mod:`~deerhabitat.analysis.home_range`,
:mod:`~deerhabitat.analysis.habitat_use`): :class:`OccurrenceTally` (per year by country, protected area and
range period, batch by batch), :func:`home_range_table` (95 % MCP and KDE per animal, areas only),
:func:`boyce_index` and :class:`PrevalenceTally` (habitat use against a suitability or AOH raster).
"""

from deerhabitat.analysis.gaps import ConservationGaps, conservation_gaps
from deerhabitat.analysis.habitat_use import PrevalenceTally, boyce_index
from deerhabitat.analysis.home_range import home_range_table, home_ranges
from deerhabitat.analysis.join import covered_mask, points_in_polygons
from deerhabitat.analysis.occurrence import (
    AOO_CELL_M,
    area_of_occupancy,
    eoo_aoo_by_year,
    extent_of_occurrence_km2,
)
from deerhabitat.analysis.occurrence_summary import OccurrenceTally, OccurrenceZones
from deerhabitat.analysis.population import (
    PopulationTotals,
    captive_by_year,
    carried_counts,
    count_data_status,
    country_trends,
    population_totals,
    site_year_counts,
    totals_rule,
)
from deerhabitat.analysis.projection import project_layers, to_analysis_crs
from deerhabitat.analysis.protection import (
    clean_protected_areas,
    coverage_basis,
    dissolve_protected_areas,
    protected_population,
    site_protection,
)
from deerhabitat.analysis.ranges import ALL, dissolve_ranges, period_order, range_change, range_coverage
from deerhabitat.analysis.reintroduction import (
    growth_rate_per_year,
    reintroduction_outcomes,
    reintroduction_rule,
)

__all__ = [
    "ALL",
    "AOO_CELL_M",
    "ConservationGaps",
    "OccurrenceTally",
    "OccurrenceZones",
    "PopulationTotals",
    "PrevalenceTally",
    "area_of_occupancy",
    "boyce_index",
    "captive_by_year",
    "carried_counts",
    "clean_protected_areas",
    "conservation_gaps",
    "count_data_status",
    "country_trends",
    "coverage_basis",
    "covered_mask",
    "dissolve_protected_areas",
    "dissolve_ranges",
    "eoo_aoo_by_year",
    "extent_of_occurrence_km2",
    "growth_rate_per_year",
    "home_range_table",
    "home_ranges",
    "period_order",
    "points_in_polygons",
    "population_totals",
    "project_layers",
    "protected_population",
    "range_change",
    "range_coverage",
    "reintroduction_outcomes",
    "reintroduction_rule",
    "site_protection",
    "site_year_counts",
    "to_analysis_crs",
    "totals_rule",
]
