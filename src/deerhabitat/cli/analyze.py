"""``deerhabitat analyze``."""

from __future__ import annotations

import click

from deerhabitat.cli.options import echo_json, engine_options, json_opt, read_engine, store_opt


@click.command("analyze")
@store_opt
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder to write every table as CSV, plus analysis.json (created when missing).",
)
@engine_options
@json_opt
def analyze_command(
    store: str | None, out: str | None, workers: int, scheduler: str | None, as_json: bool
) -> None:
    """Analyse the store: totals, protected areas, ranges, EOO/AOO, reintroductions, gaps.

    Population totals by year and country, animals inside protected areas, range coverage and
    change, extent of occurrence and area of occupancy, how reintroductions are doing, and gaps.
    With an occurrences layer: records per year by range state, protected area and range period,
    home ranges of collared animals (95 % MCP and KDE, areas only), and the Boyce index and AOH
    point prevalence of the store's latest suitability and AOH rasters. --workers N (N > 1) or
    --scheduler counts the occurrences per protected area on the engine over the store's GeoParquet
    files (the same counts).
    Areas are in the store's equal-area CRS (reported in the output). With --json, one JSON object
    is printed; its keys are documented in deerhabitat.workflows.analyze.AnalysisResult.to_json.
    """
    from deerhabitat.workflows import analyze

    result = analyze(store=store, out=out, engine=read_engine(workers, scheduler))
    if as_json:
        echo_json(result.to_json())
    else:
        for line in result.summary_lines():
            click.echo(line)
    if out is not None:
        click.echo(f"Wrote the analysis tables (CSV) and analysis.json to {out}", err=as_json)


@click.command("occurrence-counts")
@click.argument("points", required=False, type=click.Path(exists=True))
@click.option(
    "--by",
    type=click.Choice(["protected-areas", "range-states", "ranges"]),
    default="protected-areas",
    show_default=True,
    help="The store's polygons to count in.",
)
@store_opt
@engine_options
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Write the table as CSV.")
@json_opt
def occurrence_counts_command(
    points: str | None,
    by: str,
    store: str | None,
    workers: int,
    scheduler: str | None,
    out: str | None,
    as_json: bool,
) -> None:
    """Count occurrences per protected area, range state or range polygon, per year.

    POINTS is a GeoParquet file or folder of points with a date column (default: the store's
    occurrences). A point on a polygon's edge is inside; a point in overlapping polygons counts in
    each. --workers N counts N partitions at a time; --scheduler runs on a dask cluster.
    """
    from deerhabitat.workflows.occurrence_counts import counts_frame, occurrence_counts

    table = occurrence_counts(points, store=store, by=by, engine=read_engine(workers, scheduler), out=out)
    if out is not None:
        click.echo(f"Wrote {len(table):,} rows to {out}", err=True)
    if as_json:
        echo_json(counts_frame(table).to_dict(orient="records"))
    else:
        click.echo(table.to_string(index=False) if len(table) else "No occurrence falls in any polygon.")
