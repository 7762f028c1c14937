"""Sentences the analyses write into their results (caveats, reasons, notes): the "analysis" message domain.

The analyses return these as text columns (for instance why two counts are not comparable), which the report
and the CSV files show as they are; :func:`deerhabitat.i18n.message` gives them in the language set with
:func:`deerhabitat.i18n.language`, English by default. Translations:
``locale/<lang>/LC_MESSAGES/analysis.po``.
"""

from __future__ import annotations

from collections.abc import Mapping

ENGLISH: Mapping[str, str] = {
    # protection.coverage_basis: how the range and the protected areas are drawn
    "analysis.part.none": "none",
    "analysis.part.all": "{drawn} ({k} of {n} {unit})",
    "analysis.part.mapped": "{mapped} ({n} {unit})",
    "analysis.part.some": "{drawn} ({k} of {n} {unit}), the others {mapped}",
    "analysis.range.drawn": "belts or buffers drawn along rivers",
    "analysis.range.unit": "polygons",
    "analysis.range.mapped": "mapped polygons",
    "analysis.pa.drawn": "circles of the reported area around a point",
    "analysis.pa.unit": "areas",
    "analysis.pa.mapped": "mapped boundaries",
    "analysis.caveat": "Approximate: {what}, not mapped boundaries; read the share as an indication only.",
    "analysis.caveat.range": "the range is drawn as belts along rivers",
    "analysis.caveat.circles": "protected areas are circles of their reported area",
    "analysis.and": " and ",
    # protection: animals inside protected areas
    "analysis.protection.not_assessable": "not assessable: only a national figure, which has no position",
    "analysis.protection.partial": "{located} animals counted at sites; the national figure of {count} has "
    "no position",
    # work_programme: a Work Programme status read from the measures of a national report
    "analysis.wp.from_measures": "{comments} (from the measures)",
    # population.country_trends: why two totals are not comparable
    "analysis.reason.coverage": "coverage changed: {before} is {old}, {after} is {new}",
    "analysis.reason.method": "method changed: {changes}",
    "analysis.reason.method_site": "{site} {method_before}, {status_before} in {before}, {method_after}, "
    "{status_after} in {after}",
    "analysis.figures.national": "{kinds} ({sites})",
    "analysis.figures.site_one": "{n} site figure ({sites})",
    "analysis.figures.site_many": "{n} site figures ({sites})",
    # deerhabitat.crs.describe_crs: the store's Albers equal-area CRS
    "crs.albers": "Albers equal-area conic, standard parallels {lat1} and {lat2}, origin {lat0} {lon0}, "
    "datum {datum}, {units}",
    "crs.metres": "metres",
    "crs.N": "N",
    "crs.S": "S",
    "crs.E": "E",
    "crs.W": "W",
}
"""English of every sentence the analyses write."""
