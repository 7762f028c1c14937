"""``deerhabitat analyze``."""

from __future__ import annotations

import click

from deerhabitat.cli.options import echo_json, json_opt, store_opt


@click.command("analyze")
@store_opt
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder to write every table as CSV, plus analysis.json (created when missing).",
)
@json_opt
def analyze_command(store: str | None, out: str | None, as_json: bool) -> None:
    """Analyse the store: totals, protected areas, ranges, EOO/AOO, reintroductions, gaps.

    Population totals by year and country, animals inside protected areas, range coverage and
    change, extent of occurrence and area of occupancy, how reintroductions are doing, and gaps.
    Areas are in the store's equal-area CRS (reported in the output). With --json, one JSON object
    is printed; its keys are documented in deerhabitat.workflows.analyze.AnalysisResult.to_json.
    """
    from deerhabitat.workflows import analyze

    result = analyze(store=store, out=out)
    if as_json:
        echo_json(result.to_json())
    else:
        for line in result.summary_lines():
            click.echo(line)
    if out is not None:
        click.echo(f"Wrote the analysis tables (CSV) and analysis.json to {out}", err=as_json)
