"""``deerhabitat national-report template|validate|import|list|progress|programme|cycle``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from deerhabitat.cli.options import (
    echo_json,
    json_opt,
    lang_option,
    limit_options,
    read_limits,
    store_opt,
    use_language,
)

if TYPE_CHECKING:  # pragma: no cover
    from deerhabitat.errors import Problem


def _country(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from deerhabitat.nrschema import check_country

    message = check_country(value)
    if message:
        raise click.BadParameter(message)
    return value.strip().upper()


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from deerhabitat.nrschema import parse_period, period_label

    if value is None:
        return None
    try:
        return period_label(*parse_period(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _fail(problems: list[Problem], path: str) -> None:
    """Print one ``Error:`` line per problem on stderr, a summary on stdout, and exit with status 1.

    In the current language: ``Ошибка:`` lines and a Russian summary for a Russian report.
    """
    from deerhabitat.nrtext import text

    for problem in problems:
        click.echo(text("cli.error", message=problem), err=True)
    click.echo(text("nr.cli.problems", path=path, n=len(problems)))
    click.get_current_context().exit(1)


def _messages_lang(path: str, lang: str | None, limits: dict) -> str:
    """``--lang``, else the language of the report's template (English for YAML)."""
    from deerhabitat.workflows import national_report_language

    return lang or national_report_language(path, limits=read_limits(limits))


lang_opt = lang_option(
    "Language of the messages (default: the language of the report's template; English for YAML).",
    default=None,
)


@click.group("national-report")
def national_report_group() -> None:
    """National reports of the Range States: an Excel or YAML template, checks, and import into a store.

    \b
    deerhabitat national-report cycle open --period 2024 --deadline 2025-06-30 --store my.gpkg
    deerhabitat national-report template --country UZB --out UZB.xlsx --store my.gpkg
    deerhabitat national-report validate UZB.xlsx
    deerhabitat national-report import UZB.xlsx --store my.gpkg
    deerhabitat national-report cycle list --store my.gpkg
    deerhabitat national-report progress --store my.gpkg
    """  # noqa: D301 - click needs the real backspace "\b" (not r"\b") to keep the example lines unwrapped


@national_report_group.command("template")
@click.option("--country", required=True, callback=_country, help="ISO3 code of the reporting country.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "yaml"]),
    default=None,
    help="File format (default: from the --out extension).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The file to write.")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@lang_option(
    "Language of the template: sheet titles, labels, instructions and drop-down lists (a YAML template "
    "keeps English keys, with comments in this language)."
)
@click.option(
    "--store",
    "store",
    type=click.Path(dir_okay=False),
    default=None,
    help="Prefill from this store: the open period, the focal point, the sites with their previous counts, "
    "and the Work Programme actions with their last status (without --store the template is empty).",
)
def template_command(
    country: str, fmt: str | None, out: str, overwrite: bool, lang: str, store: str | None
) -> None:
    """Write a national report template for COUNTRY: an Excel workbook with drop-down lists, or YAML."""
    from pathlib import Path

    from deerhabitat.i18n import language
    from deerhabitat.nrtext import text
    from deerhabitat.workflows import national_report_template

    suffix = Path(out).suffix.lower()
    if fmt is None and suffix not in (".xlsx", ".yaml", ".yml"):
        raise click.BadParameter(
            f"{out!r} does not end in .xlsx, .yaml or .yml; name the file NAME.xlsx (Excel) or NAME.yaml",
            param_hint="--out",
        )
    if fmt is not None and suffix not in ((".xlsx",) if fmt == "xlsx" else (".yaml", ".yml")):
        raise click.BadParameter(
            f"{out!r} does not end in {'.xlsx' if fmt == 'xlsx' else '.yaml or .yml'}, as "
            f"--format {fmt} needs; change the extension or the format",
            param_hint="--out",
        )
    with language(lang):  # an existing or unwritable --out is refused in the template's language
        written = national_report_template(
            country, out, overwrite=overwrite, store=store, prefill=store is not None, lang=lang
        )
        what = text("nr.cli.prefilled", store=store) if store else text("nr.cli.empty")
        click.echo(text("nr.cli.template", country=country, path=written, what=what))


@national_report_group.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
@lang_opt
@json_opt
@limit_options
def validate_command(path: str, lang: str | None, as_json: bool, **limits: float) -> None:
    """Check the national report PATH (.yaml or .xlsx): one line per problem, exit 1 if any.

    The problems are written in the language of the report's template (a Russian workbook gives
    Russian messages), unless --lang says otherwise. A file over a limit (--max-...) is refused at
    once: see docs/national-report-format.md.
    """
    from deerhabitat.i18n import language
    from deerhabitat.nrschema import SECTIONS_BY_KEY
    from deerhabitat.nrtext import sheet_title, text
    from deerhabitat.workflows import national_report_validate

    lang = _messages_lang(path, lang, limits)
    use_language(lang)
    check = national_report_validate(path, limits=read_limits(limits), lang=lang)
    with language(lang):
        if as_json:
            echo_json(check.to_dict())
            if not check.valid:
                click.get_current_context().exit(1)
        elif check.valid:
            counts = ", ".join(
                text("nr.cli.entries", n=n, name=sheet_title(SECTIONS_BY_KEY[key]).lower())
                for key, n in check.entries.items()
                if n
            )
            click.echo(
                text(
                    "nr.cli.valid",
                    path=path,
                    country=check.country,
                    period=check.period,
                    entries=counts or text("nr.cli.no_entries"),
                )
            )
        else:
            _fail(check.problems, path)


@national_report_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@store_opt
@lang_opt
@json_opt
@limit_options
def import_command(path: str, store: str | None, lang: str | None, as_json: bool, **limits: float) -> None:
    """Import the national report PATH into the store: counts, sites, releases, protected areas, the file.

    The report is kept whole in the store as the next version of its country and period; the latest
    version wins. A report with any problem changes nothing; the problems are written in the language
    of the report's template unless --lang says otherwise.
    """
    from deerhabitat.errors import ReportFormatError
    from deerhabitat.i18n import language
    from deerhabitat.nrtext import text
    from deerhabitat.workflows import national_report_import

    lang = _messages_lang(path, lang, limits)
    use_language(lang)
    with language(lang):
        try:
            result = national_report_import(path, store=store, limits=read_limits(limits), lang=lang)
        except ReportFormatError as exc:
            _fail(exc.problems, path)
            return
        if as_json:
            echo_json(result.to_dict())
            return
        click.echo(
            text(
                "nr.cli.imported",
                country=result.country,
                period=result.period,
                version=result.version,
                filename=result.filename,
                counts=result.counts_written,
                sites=result.sites_added,
                releases=result.releases_written,
                protected=result.protected_areas_added,
            )
            + (text("nr.cli.withdrawn", n=result.withdrawn) if result.withdrawn else "")
        )


@national_report_group.command("list")
@store_opt
@json_opt
def list_command(store: str | None, as_json: bool) -> None:
    """List the national reports kept in the store, with their versions (the latest wins)."""
    from deerhabitat.workflows import national_report_list

    records = national_report_list(store=store)
    if as_json:
        echo_json(records)
        return
    for r in records:
        flag = "latest" if r["latest"] else "      "
        click.echo(
            f"{r['country']} {r['period']:<10} v{r['version']:<3} {flag}  submitted {r['submitted']:<10}  "
            f"{r['filename']}  sha256 {r['sha256'][:12]}  imported {r['imported_utc']}"
        )


@national_report_group.command("progress")
@click.option(
    "--period",
    default=None,
    callback=_period,
    help="Reporting period, e.g. 2024 or 2020-2023 (default: the latest).",
)
@store_opt
@json_opt
@lang_option(
    "Language of the table and the messages (statuses as words: 'выполняется' for in-progress); "
    "--json keeps the codes."
)
def progress_command(period: str | None, store: str | None, as_json: bool, lang: str) -> None:
    """The Work Programme action x country matrix of a period: status, progress, the report behind each."""
    from deerhabitat.i18n import message
    from deerhabitat.workflows import national_report_progress

    use_language(lang)
    matrix = national_report_progress(store=store, period=period)
    if as_json:
        echo_json(matrix.astype(object).where(matrix.notna(), None).to_dict(orient="records"))
        return
    if matrix.empty:
        click.echo(message("cli.wp.empty"))
        return
    previous = matrix["previous_period"].iloc[0]
    click.echo(
        message(
            "cli.wp.head", period=matrix["period"].iloc[0], previous=previous or message("cli.wp.no_previous")
        )
    )
    for row in matrix.to_dict("records"):
        source = (
            f"{row['country']} {row['period']} v{row['report_version']} {row['report_file']}"
            if isinstance(row["report_file"], str)
            else message("cli.wp.no_report")
        )
        click.echo(
            message(
                "cli.wp.row",
                action=row["id"],
                country=row["country"],
                status=_wp_word(row["status"], lang),
                previous=_wp_word(row["previous_status"], lang) if row["previous_status"] else "-",
                progress=_wp_word(row["progress"], lang),
                source=source,
            )
        )


_WP_WORDS = ("not-reported", "first-period", "first-reported", "advanced", "unchanged", "regressed")
"""Statuses and progress of the Work Programme matrix that are not codes of the data (``cli.wp.<word>``)."""


def _wp_word(code: str, lang: str) -> str:
    """A Work Programme status or progress as ``progress`` prints it: the code in English, else words.

    A status is a code of the data (``in-progress`` → ``code.in-progress`` of the codes domain, as are
    ``not-comparable`` and the other statuses); the words of :data:`_WP_WORDS` are ``cli.wp.<word>``.
    """
    from deerhabitat.i18n import message
    from deerhabitat.vocabulary import ENGLISH, code_key

    if lang == "en":
        return str(code)
    if code in _WP_WORDS:
        return message(f"cli.wp.{code}")
    return message(code_key(code)) if code_key(code) in ENGLISH else str(code)


@national_report_group.group("cycle")
def cycle_group() -> None:
    """Reporting cycles: the periods the Secretariat asks national reports for, and their deadlines."""


@cycle_group.command("open")
@click.option(
    "--period",
    required=True,
    callback=_period,
    help="The reporting period: a year (2024) or two (2020-2023).",
)
@click.option("--deadline", required=True, help="The date reports are due, YYYY-MM-DD (e.g. 2025-06-30).")
@store_opt
@json_opt
def cycle_open_command(period: str, deadline: str, store: str | None, as_json: bool) -> None:
    """Open the reporting cycle of a period with its deadline (again: change the deadline)."""
    from deerhabitat.workflows import national_report_cycle_open

    opened = national_report_cycle_open(period, deadline, store=store)
    if as_json:
        echo_json(opened.to_dict())
        return
    changed = f" (was {opened.previous_deadline})" if opened.previous_deadline else ""
    click.echo(
        f"Opened the reporting cycle {opened.period}: national reports due by {opened.deadline}{changed}"
    )


@cycle_group.command("list")
@store_opt
@json_opt
def cycle_list_command(store: str | None, as_json: bool) -> None:
    """Each range state's report status per period: received, late, illustrative, missing, awaited."""
    from deerhabitat.workflows import national_report_cycle_list

    status = national_report_cycle_list(store=store)
    if as_json:
        echo_json(status.astype(object).where(status.notna(), None).to_dict(orient="records"))
        return
    if status.empty:
        click.echo("No reporting cycle and no national report in the store.")
        return
    for _, rows in status.groupby(["period_end", "period_start"], sort=True):
        first = rows.iloc[0]
        source = "set by the cycle" if first["deadline_from"] == "cycle" else "default: no cycle opened"
        click.echo(f"{first['period']}: due {first['deadline']} ({source})")
        for row in rows.to_dict("records"):
            detail = (
                f"  submitted {row['submitted']}, v{row['version']} {row['filename']}"
                if isinstance(row["filename"], str)
                else ""
            )
            click.echo(f"  {row['country']}  {row['status']:<13}{detail}")


@national_report_group.group("programme")
def programme_group() -> None:
    """The Work Programme catalogue: the actions national reports give a status for."""


@programme_group.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@store_opt
def programme_load_command(path: str, store: str | None) -> None:
    """Keep the catalogue CSV at PATH in the store (it replaces the bundled WP 2021-2026 catalogue)."""
    from deerhabitat.workflows import national_report_programme_load

    n = national_report_programme_load(path, store=store)
    click.echo(f"Kept the Work Programme catalogue {path} in the store: {n} actions")


@programme_group.command("show")
@store_opt
@json_opt
def programme_show_command(store: str | None, as_json: bool) -> None:
    """List the Work Programme catalogue in use (the store's own, else the bundled one)."""
    from deerhabitat.workflows import work_programme_catalogue

    catalogue = work_programme_catalogue(store=store)
    if as_json:
        echo_json(catalogue.to_dict(orient="records"))
        return
    for row in catalogue.to_dict("records"):
        click.echo(
            f"{row['id']:<18} {row['programme']}  {row['theme']}: {row['text']}  [states: {row['states']}]"
        )
