"""``deerhabitat report``: the Overview Report of a store."""

from __future__ import annotations

import click

from deerhabitat.cli.map import basemap_opt, dpi_opt, out_opt
from deerhabitat.cli.options import profile_opt, remember_language, store_opt, use_language


@click.command("report")
@store_opt
@out_opt
@profile_opt
@dpi_opt
@basemap_opt
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="CODE",
    callback=remember_language,
    help="Language of the report's text and of what the command prints: en (English) or ru (Russian).",
)
def report_command(store: str | None, out: str, profile: str, dpi: int, basemap: str, lang: str) -> None:
    """Build the Overview Report into OUT/index.html, with every map, its images and the tables as CSV.

    With no options: the bundled Bukhara deer data into maps/. Every page opens from disk with no network.
    The public profile (default) never shows the exact position of a wild population.
    """
    from deerhabitat.i18n import message
    from deerhabitat.workflows import report

    result = report(store=store, out=out, profile=profile, dpi=dpi, basemap=basemap, lang=lang)
    use_language(lang)
    path = result.out / "index.html"
    click.echo(message("cli.report.written", path=path, maps=len(result.maps), files=len(result.files)))
    for note in result.notes:
        click.echo(message("cli.note", note=note))


@click.group("report-text")
def report_text_group() -> None:
    """Texts the author writes for the Overview Report, kept in the store (plain text or Markdown)."""


@report_text_group.command("set")
@click.argument("name", type=click.Choice(["conclusions"]))
@click.argument("file", type=click.Path(dir_okay=False))
@store_opt
def report_text_set_command(name: str, file: str, store: str | None) -> None:
    r"""Keep FILE (UTF-8 text or Markdown) as the report's NAME section, e.g. conclusions.

    Placeholders in braces are filled from the figures: {total_latest}, {year}, {n_states},
    {n_states_counted}, {period}, {n_reports}, {n_illustrative}, {n_missing}, {n_wp_gaps}.

    \b
    deerhabitat report-text set conclusions conclusions.md --store my.gpkg
    """
    from deerhabitat.workflows.report import report_text_set

    n = report_text_set(name, file, store=store)
    click.echo(f"Kept the {name} text ({n:,} characters); `deerhabitat report` shows it.")
