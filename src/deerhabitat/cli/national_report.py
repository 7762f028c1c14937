"""``deerhabitat national-report template|validate|import|list``."""

from __future__ import annotations

import click

from deerhabitat.cli.options import echo_json, json_opt, store_opt


def _country(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from deerhabitat.nrschema import check_country

    message = check_country(value)
    if message:
        raise click.BadParameter(message)
    return value.strip().upper()


def _fail(problems: list, path: str) -> None:
    """Print one ``Error:`` line per problem on stderr, a summary on stdout, and exit with status 1."""
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)
    click.echo(
        f"{path}: {len(problems)} problem(s); fix them (see docs/national-report-format.md) and check "
        f"again with `deerhabitat national-report validate`"
    )
    click.get_current_context().exit(1)


@click.group("national-report")
def national_report_group() -> None:
    """National reports of the Range States: an Excel or YAML template, checks, and import into a store.

    \b
    deerhabitat national-report template --country UZB --out UZB.xlsx
    deerhabitat national-report validate UZB.xlsx
    deerhabitat national-report import UZB.xlsx --store my.gpkg
    """


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
def template_command(country: str, fmt: str | None, out: str, overwrite: bool) -> None:
    """Write an empty national report for COUNTRY: an Excel workbook with drop-down lists, or YAML."""
    from pathlib import Path

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
    written = national_report_template(country, out, overwrite=overwrite)
    click.echo(f"Wrote the {country} national report template {written}")


@national_report_group.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
@json_opt
def validate_command(path: str, as_json: bool) -> None:
    """Check the national report PATH (.yaml or .xlsx): one line per problem, exit 1 if any."""
    from deerhabitat.workflows import national_report_validate

    check = national_report_validate(path)
    if as_json:
        echo_json(check.to_dict())
        if not check.valid:
            click.get_current_context().exit(1)
    elif check.valid:
        counts = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in check.entries.items() if n)
        click.echo(
            f"{path}: valid national report of {check.country} for {check.period} ({counts or 'no entries'})"
        )
    else:
        _fail(check.problems, path)


@national_report_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@store_opt
@json_opt
def import_command(path: str, store: str | None, as_json: bool) -> None:
    """Import the national report PATH into the store: counts, sites, releases, protected areas, the file.

    The report is kept whole in the store as the next version of its country and period; the latest
    version wins. A report with any problem changes nothing.
    """
    from deerhabitat.errors import ReportFormatError
    from deerhabitat.workflows import national_report_import

    try:
        result = national_report_import(path, store=store)
    except ReportFormatError as exc:
        _fail(exc.problems, path)
        return
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(
        f"Imported the national report of {result.country} for {result.period} (version {result.version}, "
        f"{result.filename}): {result.counts_written} population counts, {result.sites_added} new sites, "
        f"{result.releases_written} releases, {result.protected_areas_added} new protected areas"
        + (f"; {result.withdrawn} features of an earlier version withdrawn" if result.withdrawn else "")
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
