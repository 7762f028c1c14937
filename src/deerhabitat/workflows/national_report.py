"""National reports: template, validate, import and list (``deerhabitat national-report ...``)."""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from deerhabitat.errors import ReportFormatError, StoreError
from deerhabitat.io import Provenance
from deerhabitat.io.national_report import ReportFile, read_report_file, template_report, write_report_file
from deerhabitat.io.national_report_layers import merge_version, report_layers
from deerhabitat.nrschema import Problem, check_country, check_report, period_label
from deerhabitat.schema import SPECS, LayerKind
from deerhabitat.workflows.store import open_store


@dataclass(frozen=True)
class ReportCheck:
    """The outcome of ``deerhabitat national-report validate``.

    Attributes
    ----------
    path : str
        The file checked.
    problems : list of Problem
        Every problem found (empty when the report is valid).
    country, period : str or None
        The report's country and period, when they could be read.
    entries : dict
        Number of entries per section.
    """

    path: str
    problems: list[Problem]
    country: str | None
    period: str | None
    entries: dict[str, int]

    @property
    def valid(self) -> bool:
        """Whether the report has no problem."""
        return not self.problems

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return {
            "path": self.path,
            "valid": self.valid,
            "country": self.country,
            "period": self.period,
            "entries": self.entries,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class ReportImport:
    """The outcome of ``deerhabitat national-report import``: what was written, per layer."""

    country: str
    period: str
    version: int
    filename: str
    sha256: str
    sites_added: int
    counts_written: int
    releases_written: int
    protected_areas_added: int
    withdrawn: int

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return asdict(self)


def national_report_template(country: str, out: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write an empty national report for ``country`` (``deerhabitat national-report template``).

    The format follows the extension of ``out``: ``.xlsx`` gives an Excel workbook with one sheet per
    section and drop-down lists for coded fields; ``.yaml`` a commented YAML file.

    Parameters
    ----------
    country : str
        ISO3 code of the reporting country.
    out : path-like
        The file to write (``.xlsx``, ``.yaml`` or ``.yml``).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ReportFormatError
        If ``country`` is not an ISO3 code or the extension is not supported.
    StoreError
        If ``out`` exists and ``overwrite`` is False.
    """
    message = check_country(country)
    if message:
        raise ReportFormatError("the template", [f"--country: {message}"])
    return write_report_file(template_report(country.strip().upper()), out, overwrite=overwrite)


def _check_file(source: ReportFile, today: _dt.date | None) -> tuple[dict, list[Problem]]:
    report, problems = check_report(source.data, locate=source.locate, today=today)
    return report, [*source.problems, *problems]


def national_report_validate(path: str | os.PathLike, *, today: _dt.date | None = None) -> ReportCheck:
    """Check a national report file and list every problem (``deerhabitat national-report validate``).

    Parameters
    ----------
    path : path-like
        A YAML (``.yaml``/``.yml``) or Excel (``.xlsx``) report.
    today : datetime.date, optional
        The date after which dates count as future (default: today).

    Returns
    -------
    ReportCheck
        Problems name their key (``populations[2].count (line 41)``) or sheet and row.

    Raises
    ------
    InputFileError
        If the file does not exist.
    """
    try:
        source = read_report_file(path)
    except ReportFormatError as exc:
        return ReportCheck(str(path), [_as_problem(p) for p in exc.problems], None, None, {})
    report, problems = _check_file(source, today)
    head = report["report"]
    period = (
        period_label(head["period_start"], head["period_end"])
        if None not in (head["period_start"], head["period_end"])
        else None
    )
    entries = {key: len(value) for key, value in report.items() if isinstance(value, list)}
    return ReportCheck(str(path), problems, head["country"], period, entries)


def _as_problem(line: str) -> Problem:
    where, _, message = line.partition(": ")
    return Problem(where, message)


def national_report_import(
    path: str | os.PathLike, *, store: str | os.PathLike | None = None, today: _dt.date | None = None
) -> ReportImport:
    """Import a national report into a store (``deerhabitat national-report import``).

    The report must pass :func:`national_report_validate` and fit the store (a range state's report;
    sites known to the store or given with coordinates). Then, in one transaction: new sites, the
    population counts, the releases and new protected areas are written, and the report itself (the
    original file and its parsed form) is kept as the next version of its country and period. Counts
    and releases of an earlier version of the same country and period that this one no longer lists
    are withdrawn. On any failure the store is left byte-for-byte unchanged.

    Parameters
    ----------
    path : path-like
        The report (YAML or ``.xlsx``).
    store : path-like, optional
        The store; default ``$DEERHABITAT_STORE``. The bundled store is read-only.
    today : datetime.date, optional
        Reference date for future dates.

    Returns
    -------
    ReportImport

    Raises
    ------
    ReportFormatError
        Listing every problem of the file, or every reason it does not fit the store.
    StoreError
        If the store is the bundled (read-only) one or cannot be written.
    """
    target = open_store(store, write=True)
    if target.readonly:
        raise StoreError(
            f"the store {str(target.path)!r} is read-only (the bundled store cannot be changed); "
            f"create your own with `deerhabitat init my.gpkg` and pass --store my.gpkg"
        )
    source = read_report_file(path)
    report, problems = _check_file(source, today)
    if problems:
        raise ReportFormatError(source.filename, [str(p) for p in problems])
    config = target.config
    layers, misfits = report_layers(
        report,
        filename=source.filename,
        store_sites=target.read(LayerKind.SITES, missing_ok=True),
        store_pa_ids=target.read(LayerKind.PROTECTED_AREAS, missing_ok=True)["pa_id"],
        range_states=config.range_states,
        analysis_crs=config.crs,
        locate=source.locate,
    )
    if misfits:
        raise ReportFormatError(source.filename, misfits)
    provenance = Provenance(
        source_file=source.filename, sha256=source.sha256, action="national-report", note=layers.source
    )
    withdrawn, written = 0, {}
    with target.transaction() as tx:
        for kind, frame in layers.frames().items():
            merge = merge_version(
                target.read(kind, missing_ok=True), frame, SPECS[kind].id_column, layers.id_prefix
            )
            if merge.mode == "replace" or not merge.frame.empty:
                tx.write(kind, merge.frame, provenance=provenance, mode=merge.mode)
            withdrawn += merge.withdrawn
            written[kind] = len(frame)
        note = (
            f"{written[LayerKind.SITES]} sites added, {written[LayerKind.POPULATION_COUNTS]} counts, "
            f"{written[LayerKind.RELEASES]} releases, {written[LayerKind.PROTECTED_AREAS]} protected "
            f"areas added, {withdrawn} withdrawn from an earlier version"
        )
        version = tx.add_national_report(
            report,
            filename=source.filename,
            fmt=source.format,
            content=source.content,
            sha256=source.sha256,
            note=note,
        )
    head = report["report"]
    return ReportImport(
        head["country"],
        period_label(head["period_start"], head["period_end"]),
        version,
        source.filename,
        source.sha256,
        written[LayerKind.SITES],
        written[LayerKind.POPULATION_COUNTS],
        written[LayerKind.RELEASES],
        written[LayerKind.PROTECTED_AREAS],
        withdrawn,
    )


def national_report_list(*, store: str | os.PathLike | None = None) -> list[dict]:
    """List the national reports kept in a store (``deerhabitat national-report list``).

    Returns
    -------
    list of dict
        One per version: country, period, version, latest, submitted, filename, format, sha256,
        size_bytes, imported_utc, tool_version, note.
    """
    records = open_store(store).national_reports()
    return records.drop(columns=["period_start", "period_end"]).to_dict(orient="records")
