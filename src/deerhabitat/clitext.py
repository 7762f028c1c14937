"""What the command line prints: result lines, notes, errors and progress labels: the "cli" message domain.

The commands that take ``--lang`` (``report``, ``map``, ``national-report
template|validate|import|progress``) print these through :func:`deerhabitat.i18n.message` in the chosen
language; every other command prints the English. The English here is exactly what the commands printed
before they had translations (tests assert on it). Progress labels (``progress.*``) are looked up where the
work starts, so a task run under :func:`deerhabitat.i18n.language` is labelled in that language. A few
store and output errors a report or map run meets (``error.*``) are built here too, in the language of the
run. Translations: ``locale/<lang>/LC_MESSAGES/cli.po``.

This module imports nothing, so any layer may look up its messages.
"""

from __future__ import annotations

from collections.abc import Mapping

ENGLISH: Mapping[str, str] = {
    # the error boundary (deerhabitat.cli.main) and the national report's problems
    "cli.error": "Error: {message}",
    "cli.error.bug": "unexpected failure ({kind}: {detail}); this is a bug in deerhabitat: please report it "
    "with the output of the same command run with --debug",
    "cli.note": "Note: {note}",
    # deerhabitat report / map
    "cli.report.written": "Wrote the report to {path} ({maps} maps, {files} files)",
    "cli.map.written": "Wrote {n} map(s) to {out}: {names}",
    "cli.map.styles": "QGIS layer styles in the store: {n} stored or updated",
    # progress bars (deerhabitat.cli.terminal_bars): the unit of a step, then the label of each task
    "cli.bar.unit": "step",
    "progress.report.prepare": "Overview Report: read, analyse, lay out",
    "progress.report.maps": "Overview Report: maps and images",
    "progress.aoh": "Area of Habitat",
    "progress.aoh.fallback": "Area of Habitat (fallback)",
    "progress.suitability": "Suitability",
    "progress.zonal": "Zonal statistics",
    "progress.candidates": "Candidate sites",
    "progress.corridors": "Least-cost distances from each population",
    "progress.home_ranges": "Home ranges",
    "progress.engine": "Counting points in polygons (partitions)",
    "progress.occurrences": "Occurrences: counts and habitat use",
    "progress.occurrences.import": "Import {source} occurrences",
    "progress.layer.check": "Check {kind}",
    "progress.layer.import": "Import {kind}",
    # deerhabitat national-report progress (statuses of the Work Programme: the codes domain)
    "cli.wp.empty": "No national report and no reporting cycle in the store: no Work Programme status yet.",
    "cli.wp.head": "Work Programme status in {period} (previous period: {previous})",
    "cli.wp.no_previous": "none",
    "cli.wp.row": "{action:<18} {country}  {status:<13} was {previous:<13} {progress:<15} [{source}]",
    "cli.wp.no_report": "no report",
    "cli.wp.not-reported": "not reported",
    "cli.wp.first-period": "first period",
    "cli.wp.first-reported": "first reported",
    "cli.wp.advanced": "advanced",
    "cli.wp.unchanged": "unchanged",
    "cli.wp.regressed": "regressed",
    # errors a report or map run meets, in its language
    "error.store.missing": "store {path!r} does not exist; create it with `deerhabitat init {plain}` or pass "
    "an existing GeoPackage with --store",
    "error.store.not_ours": "{path!r} is not a deerhabitat store (a GeoPackage made by `deerhabitat init`): "
    "{detail}",
    "error.out.folder": "cannot create the output folder {path!r} ({reason}); --out must be a folder you can "
    "write (it is created when missing)",
    "error.out.report_folder": "cannot create the folder {path!r} ({reason}); --out must be a folder you can "
    "write (it is created when missing)",
    "error.out.file": "cannot write {path!r} ({reason}); check the output folder is writable and has free "
    "space",
    "error.period.unknown": "no reporting period {period} in the store (periods: {periods}); pick one of "
    "them, or open it with `deerhabitat national-report cycle open`",
    "error.map.unknown": "there is no map called {name!r} for this store; its maps are: {maps}; run "
    "`deerhabitat map` without a name for all of them",
}
"""Key → English text of every message of the command line (placeholders in :meth:`str.format` style)."""
