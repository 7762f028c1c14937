"""National reports: template, validate, import and list (``deerhabitat national-report ...``)."""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from deerhabitat.analysis.prefill import prefill_report
from deerhabitat.analysis.reporting import reporting_status
from deerhabitat.analysis.work_programme import report_periods, work_programme_matrix, work_programme_status
from deerhabitat.errors import ConfigError, ReportFormatError
from deerhabitat.i18n import language, message
from deerhabitat.io import Provenance, Store
from deerhabitat.io.national_report import (
    ReportFile,
    read_report_file,
    report_language,
    template_report,
    write_report_file,
)
from deerhabitat.io.national_report_layers import merge_version, report_layers
from deerhabitat.io.work_programme import read_catalogue, store_catalogue
from deerhabitat.limits import ReadLimits
from deerhabitat.nrschema import (
    Problem,
    check_country,
    check_report,
    check_template_language,
    parse_deadline,
    parse_period,
    period_label,
)
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
    language : str
        The language the problems are written in (the template's, unless asked otherwise).
    """

    path: str
    problems: list[Problem]
    country: str | None
    period: str | None
    entries: dict[str, int]
    language: str = "en"

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


def national_report_template(
    country: str,
    out: str | os.PathLike,
    *,
    overwrite: bool = False,
    store: str | os.PathLike | None = None,
    prefill: bool = False,
    lang: str = "en",
) -> Path:
    """Write a national report template for ``country`` (``deerhabitat national-report template``).

    The format follows the extension of ``out``: ``.xlsx`` gives an Excel workbook with one sheet per
    section and drop-down lists for coded fields; ``.yaml`` a commented YAML file. With ``prefill``
    (the CLI's ``--store``), the template holds what the store knows (see
    :mod:`deerhabitat.analysis.prefill`): the open reporting period, the previous report's authority
    and focal point, the country's sites with their previous counts, and the Work Programme actions
    concerning it with their last reported status.

    Parameters
    ----------
    country : str
        ISO3 code of the reporting country.
    out : path-like
        The file to write (``.xlsx``, ``.yaml`` or ``.yml``).
    overwrite : bool, default False
        Replace an existing file.
    store : path-like, optional
        The store to prefill from (default ``$DEERHABITAT_STORE``, else the bundled store).
    prefill : bool, default False
        Prefill from the store; without it the template is empty.
    lang : {"en", "ru"}, default "en"
        Language of the template: sheet titles, labels, instructions, drop-down lists and the
        prefilled notes (a YAML template keeps English keys and codes, with comments in ``lang``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ReportFormatError
        If ``country`` is not an ISO3 code, the language is not one of the template's, or the extension
        is not supported.
    StoreError
        If ``out`` exists and ``overwrite`` is False, or cannot be written (said in ``lang``).
    """
    problems = [
        Problem(option, text)
        for option, text in (("--country", check_country(country)), ("--lang", check_template_language(lang)))
        if text
    ]
    if problems:
        raise ReportFormatError("the template", problems)
    country = country.strip().upper()
    report = _prefilled(open_store(store), country, lang) if prefill else template_report(country)
    with language(lang):  # an existing or unwritable ``out`` is refused in the template's language
        return write_report_file(report, out, overwrite=overwrite, lang=lang)


def national_report_language(path: str | os.PathLike, *, limits: ReadLimits | None = None) -> str:
    """The language of the template a report file was written from (``en`` for YAML or an unreadable file)."""
    return report_language(path, limits=limits)


def _prefilled(target: Store, country: str, lang: str = "en") -> dict:
    """The template of ``country`` prefilled from the store ``target``."""
    records = national_report_records(store=target.location)
    states = target.config.range_states
    cycles = target.reporting_cycles()
    mine = records[records["country"] == country]
    previous = mine[mine["latest"]].sort_values(["period_end", "period_start"])
    status = work_programme_status(
        work_programme_catalogue(store=target.location), records, states=states, periods=_periods(cycles)
    )
    actions = None
    if not status.empty:
        last = report_periods(records, _periods(cycles))[-1]
        matrix = work_programme_matrix(status, last)
        actions = matrix[matrix["country"] == country]
    names = target.read(LayerKind.RANGE_STATES, missing_ok=True)
    name = names.set_index("iso3")["name"].get(country) if not names.empty else None
    return prefill_report(
        country,
        country_name=name,
        period=_open_period(cycles, mine),
        previous=previous.iloc[-1]["parsed"] if not previous.empty else None,
        sites=target.read(LayerKind.SITES, missing_ok=True),
        counts=target.read(LayerKind.POPULATION_COUNTS, missing_ok=True),
        actions=actions,
        lang=lang,
    )


def _periods(cycles: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in zip(cycles["period_start"], cycles["period_end"], strict=True)]


def _open_period(cycles: pd.DataFrame, mine: pd.DataFrame) -> tuple[int, int] | None:
    """The latest cycle's period, unless the country has reported for it (then None: ask the user)."""
    periods = _periods(cycles)
    if not periods:
        return None
    reported = {(int(s), int(e)) for s, e in zip(mine["period_start"], mine["period_end"], strict=True)}
    return periods[-1] if periods[-1] not in reported else None


def _check_file(source: ReportFile, today: _dt.date | None) -> tuple[dict, list[Problem]]:
    report, problems = check_report(
        source.data, locate=source.locate, today=today, conventions=source.language
    )
    return report, [*source.problems, *problems]


def _message_language(path: str | os.PathLike, lang: str | None, limits: ReadLimits | None) -> str:
    """``lang`` if given (refused if not a template language), else the language of the file's template."""
    if lang is None:
        return report_language(path, limits=limits)
    text = check_template_language(lang)
    if text:
        raise ReportFormatError(Path(path).name, [Problem("--lang", text)])
    return lang


def national_report_validate(
    path: str | os.PathLike,
    *,
    today: _dt.date | None = None,
    limits: ReadLimits | None = None,
    lang: str | None = None,
) -> ReportCheck:
    """Check a national report file and list every problem (``deerhabitat national-report validate``).

    Parameters
    ----------
    path : path-like
        A YAML (``.yaml``/``.yml``) or Excel (``.xlsx``) report.
    today : datetime.date, optional
        The date after which dates count as future (default: today).
    limits : ReadLimits, optional
        Limits on the file's size and content (:mod:`deerhabitat.limits`).
    lang : {"en", "ru"}, optional
        Language of the problems (default: the language of the file's template; English for YAML).

    Returns
    -------
    ReportCheck
        Problems name their key (``populations[2].count (line 41)``) or sheet and row.

    Raises
    ------
    InputFileError
        If the file does not exist, is over a limit, or is a workbook with macros or external links.
    """
    lang = _message_language(path, lang, limits)
    with language(lang):
        try:
            source = read_report_file(path, limits=limits)
        except ReportFormatError as exc:
            return ReportCheck(str(path), exc.problems, None, None, {}, lang)
        report, problems = _check_file(source, today)
    head = report["report"]
    period = (
        period_label(head["period_start"], head["period_end"])
        if None not in (head["period_start"], head["period_end"])
        else None
    )
    entries = {key: len(value) for key, value in report.items() if isinstance(value, list)}
    return ReportCheck(str(path), problems, head["country"], period, entries, lang)


def national_report_import(
    path: str | os.PathLike,
    *,
    store: str | os.PathLike | None = None,
    today: _dt.date | None = None,
    limits: ReadLimits | None = None,
    lang: str | None = None,
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
    limits : ReadLimits, optional
        Limits on the file's size and content (:mod:`deerhabitat.limits`).
    lang : {"en", "ru"}, optional
        Language of the problems if it is refused (default: the language of the file's template).

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
    with language(_message_language(path, lang, limits)):
        source = read_report_file(path, limits=limits)
        report, problems = _check_file(source, today)
        if problems:
            raise ReportFormatError(source.filename, problems)
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


def national_report_records(*, store: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every national report version kept, with ``parsed`` (the checked report) on the latest versions.

    Returns
    -------
    pandas.DataFrame
        The columns of :meth:`deerhabitat.io.Store.national_reports` and ``parsed``
        (dict on the latest version of each country and period, else None).
    """
    target = open_store(store)
    records = target.national_reports()
    parsed = [
        target.national_report(
            r.country, period=(int(r.period_start), int(r.period_end)), version=int(r.version)
        ).report
        if r.latest
        else None
        for r in records.itertuples(index=False)
    ]
    return records.assign(parsed=parsed)


def work_programme_catalogue(*, store: str | os.PathLike | None = None) -> pd.DataFrame:
    """The Work Programme catalogue of a store: its own, else the bundled one for its species."""
    return store_catalogue(open_store(store))


def national_report_progress(
    *, store: str | os.PathLike | None = None, period: str | None = None
) -> pd.DataFrame:
    """The Work Programme action × country matrix of a period (``deerhabitat national-report progress``).

    Parameters
    ----------
    store : path-like, optional
        The store.
    period : str, optional
        ``2024`` or ``2020-2023``; default the latest reporting period (of the cycles and reports).

    Returns
    -------
    pandas.DataFrame
        One row per action and country (see
        :func:`deerhabitat.analysis.work_programme.work_programme_matrix`): status, previous status,
        progress, last status, and the national report (country, period, version, file) it comes from.
        Empty when the store holds no report and no cycle.

    Raises
    ------
    ConfigError
        If ``period`` is not a period, or not one of the store's periods.
    """
    target = open_store(store)
    records = national_report_records(store=target.location)
    cycles = _periods(target.reporting_cycles())
    status = work_programme_status(
        work_programme_catalogue(store=target.location),
        records,
        states=target.config.range_states,
        periods=cycles,
    )
    periods = report_periods(records, cycles)
    if status.empty or not periods:
        return status
    wanted = periods[-1] if period is None else _period(period)
    if wanted not in periods:
        known = ", ".join(period_label(*p) for p in periods)
        raise ConfigError(message("error.period.unknown", period=period_label(*wanted), periods=known))
    return work_programme_matrix(status, wanted)


def national_report_programme_load(path: str | os.PathLike, *, store: str | os.PathLike | None = None) -> int:
    """Keep a Work Programme catalogue (CSV) in the store; it then replaces the bundled one.

    Returns
    -------
    int
        The number of actions kept.

    Raises
    ------
    InputFileError
        If the catalogue cannot be read or has problems (each named by row and column).
    StoreError
        If the store is read-only.
    """
    target = open_store(store, write=True)
    catalogue = read_catalogue(path)
    with target.transaction() as tx:
        tx.write_work_programme(catalogue)
    return len(catalogue)


@dataclass(frozen=True)
class CycleOpened:
    """The outcome of ``deerhabitat national-report cycle open``."""

    period: str
    deadline: str
    previous_deadline: str | None

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return asdict(self)


def _period(text: str) -> tuple[int, int]:
    try:
        return parse_period(text)
    except ValueError as exc:
        raise ConfigError(f"--period {exc}") from None


def national_report_cycle_open(
    period: str, deadline: str, *, store: str | os.PathLike | None = None
) -> CycleOpened:
    """Open the reporting cycle of ``period`` with its deadline (``deerhabitat national-report cycle open``).

    Opening a cycle that exists changes its deadline. A period that overlaps another cycle's is refused.

    Raises
    ------
    ConfigError
        If the period or the deadline is not valid, or the period overlaps another cycle.
    StoreError
        If the store is read-only.
    """
    target = open_store(store, write=True)
    wanted = _period(period)
    try:
        due = parse_deadline(deadline, wanted)
    except ValueError as exc:
        raise ConfigError(f"--deadline {exc}") from None
    cycles = target.reporting_cycles()
    previous = None
    for row in cycles.to_dict("records"):
        other = (int(row["period_start"]), int(row["period_end"]))
        if other == wanted:
            previous = str(row["deadline"])
        elif other[0] <= wanted[1] and wanted[0] <= other[1]:
            raise ConfigError(
                f"--period {period_label(*wanted)} overlaps the reporting cycle {period_label(*other)}; "
                f"reporting periods do not overlap: choose years outside {period_label(*other)}"
            )
    with target.transaction() as tx:
        tx.open_cycle(wanted, due)
    return CycleOpened(period_label(*wanted), due, previous)


def national_report_cycle_list(
    *, store: str | os.PathLike | None = None, today: _dt.date | None = None
) -> pd.DataFrame:
    """Each range state's report status per reporting period (``deerhabitat national-report cycle list``).

    Returns
    -------
    pandas.DataFrame
        See :func:`deerhabitat.analysis.reporting.reporting_status`: period, country, status
        (received, late, illustrative, missing, awaited), deadline and where it comes from (``cycle``,
        or ``default``: 31 December of the year after the period), submission, version and file.
    """
    target = open_store(store)
    return reporting_status(
        national_report_records(store=target.location),
        target.reporting_cycles(),
        states=target.config.range_states,
        today=today,
    )
