"""``deerhabitat import``, ``deerhabitat validate`` and ``deerhabitat export``."""

from __future__ import annotations

import click

from deerhabitat.cli.options import echo_json, json_opt, store_opt

_SHOWN_WARNINGS = 20
_SHOWN_PROBLEMS = 5


class KindType(click.ParamType):
    """A layer kind (``-`` or ``_``), or with ``flavours`` also wdpa, gbif, movebank; bad values exit 2."""

    name = "KIND"

    def __init__(self, *, flavours: bool) -> None:
        self.flavours = flavours

    def convert(self, value, param, ctx):
        """The kind, normalised (``_`` to ``-``, lower case), or a usage error listing the kinds."""
        from deerhabitat.workflows.importing import IMPORT_KINDS, SOURCE_FLAVOURS

        names = IMPORT_KINDS if self.flavours else tuple(k for k in IMPORT_KINDS if k not in SOURCE_FLAVOURS)
        text = str(value).strip().lower().replace("_", "-")
        if text in names:
            return text
        self.fail(f"{value!r} is not a layer kind; use one of: {', '.join(names)}", param, ctx)


def _fields(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    from deerhabitat.errors import SchemaError
    from deerhabitat.io.fields import parse_field_mapping

    try:
        return parse_field_mapping(value)
    except SchemaError as exc:
        raise click.BadParameter("; ".join(map(str, exc.problems)), ctx=ctx, param=param) from None


def _reading_options(func):
    options = [
        click.option(
            "--assume-crs",
            default=None,
            metavar="CRS",
            help="CRS of a file that declares none, e.g. EPSG:4326 or EPSG:32642 (labels, never moves).",
        ),
        click.option(
            "--field",
            "fields",
            multiple=True,
            callback=_fields,
            metavar="SRC=DST",
            help="Rename a source column to a schema column (repeatable).",
        ),
        click.option(
            "--layer",
            default=None,
            help="Layer, sheet or shapefile to read when the file holds several; '*' reads all.",
        ),
        click.option(
            "--on-invalid",
            type=click.Choice(["repair", "reject"]),
            default="repair",
            show_default=True,
            help="Repair invalid geometries with make_valid (reported), or refuse them.",
        ),
        click.option(
            "--encoding",
            default=None,
            help="Text encoding of a file that is not UTF-8: CSV, shapefile without .cpg, GeoJSON, "
            "KML (e.g. cp1251).",
        ),
        click.option(
            "--status",
            "statuses",
            multiple=True,
            metavar="STATUS",
            help="WDPA: statuses kept (repeatable or comma-separated; default Designated, Inscribed, "
            "Established; 'all' keeps all).",
        ),
        click.option(
            "--max-distance-km",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Occurrences: give each record without a site_id the nearest site within this many km.",
        ),
        click.option(
            "--drop-invalid",
            is_flag=True,
            help="Occurrences: leave bad records out (no position, 0/0, outside the range states, "
            "impossible speeds, bad values), counted per reason, instead of refusing the file.",
        ),
        click.option(
            "--max-speed-kmh",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Telemetry: a fix reached faster than this from the animal's previous fix (geodesic "
            "distance over time) is an impossible speed (default 80).",
        ),
        click.option(
            "--max-uncompressed-mb",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Most MB a .zip or .xlsx may expand to, checked before reading (default 2048).",
        ),
        store_opt,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(
    kind: str,
    assume_crs,
    fields,
    layer,
    on_invalid,
    encoding,
    statuses,
    max_distance_km,
    max_uncompressed_mb,
    drop_invalid=False,
    max_speed_kmh=None,
):
    from deerhabitat.workflows import ImportOptions

    return ImportOptions(
        assume_crs=assume_crs,
        fields=fields,
        layer=layer,
        on_invalid=on_invalid,
        encoding=encoding,
        statuses=statuses or None,
        max_distance_km=max_distance_km,
        max_uncompressed_mb=max_uncompressed_mb,
        drop_invalid=drop_invalid,
        max_speed_kmh=max_speed_kmh,
    )


def _echo_warnings(findings) -> None:
    for finding in findings[:_SHOWN_WARNINGS]:
        click.echo(f"Warning: {_one_line(str(finding))}", err=True)
    if len(findings) > _SHOWN_WARNINGS:
        click.echo(
            f"Warning: ... and {len(findings) - _SHOWN_WARNINGS} more (all are listed by "
            f"`deerhabitat validate ... --json`)",
            err=True,
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(exc, kind: str, path: str) -> str:
    """The first problems of a refused import on one line, and how to see them all."""
    shown = "; ".join(_one_line(str(p))[:300] for p in exc.problems[:_SHOWN_PROBLEMS])
    return (
        f"{len(exc.problems)} problem(s) in the {exc.kind!r} layer: {shown}; and "
        f"{len(exc.problems) - _SHOWN_PROBLEMS} more: run `deerhabitat validate {kind} {path}` (same "
        "options) to list them all. Nothing was imported"
    )


@click.command("import")
@click.argument("kind", type=KindType(flavours=True))
@click.argument("path", type=click.Path(dir_okay=True))
@_reading_options
@click.option("--dry-run", is_flag=True, help="Check and count, but write nothing (same as validate).")
@click.option("--replace", is_flag=True, help="Replace the whole layer instead of updating features by id.")
def import_command(
    kind,
    path,
    store,
    assume_crs,
    fields,
    layer,
    on_invalid,
    encoding,
    statuses,
    max_distance_km,
    max_uncompressed_mb,
    drop_invalid,
    max_speed_kmh,
    dry_run,
    replace,
) -> None:
    """Import PATH into the store's KIND layer; features with known ids are updated.

    KIND is a layer kind (range-states, rivers, ranges, protected-areas, sites, releases,
    population-counts, occurrences; _ works for -), or wdpa (a WDPA download → protected-areas),
    gbif (a GBIF download or Darwin Core occurrence.txt/CSV → occurrences) or movebank (a Movebank
    CSV export → occurrences, kind telemetry). The format comes from the extension:
    .gpkg .geojson .json .shp (or a folder, or .zip) .fgb .parquet .kml .csv .tsv .xlsx.
    Occurrences are read in chunks and kept as GeoParquet beside the store (STORE.occurrences/).
    Any problem refuses the whole import and leaves the store unchanged; for occurrences,
    --drop-invalid leaves bad records out instead, counted per reason.
    """
    from deerhabitat.errors import SchemaError
    from deerhabitat.workflows import import_layer

    options = _options(
        kind,
        assume_crs,
        fields,
        layer,
        on_invalid,
        encoding,
        statuses,
        max_distance_km,
        max_uncompressed_mb,
        drop_invalid,
        max_speed_kmh,
    )
    try:
        result = import_layer(kind, path, store=store, options=options, replace=replace, dry_run=dry_run)
    except SchemaError as exc:
        if (
            click.get_current_context().find_root().params.get("debug")
            or len(exc.problems) <= _SHOWN_PROBLEMS
        ):
            raise
        raise click.ClickException(_short(exc, kind, path)) from None
    _echo_warnings(result.warnings)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {result.added + result.updated} {result.kind.value} feature(s) from {path} "
        f"({result.file_format}): {result.added} added, {result.updated} updated, {result.rejected} "
        f"rejected; the layer {'would hold' if dry_run else 'holds'} {result.total}."
        + (" Nothing was written (--dry-run)." if dry_run else "")
    )
    if result.dropped:
        from deerhabitat.io.occurrence_checks import LABELS

        shown = ", ".join(f"{LABELS[code]} {n}" for code, n in result.dropped.items())
        click.echo(f"Dropped {sum(result.dropped.values())} invalid record(s) (--drop-invalid): {shown}.")


@click.command("validate")
@click.argument("kind", type=KindType(flavours=True))
@click.argument("path", type=click.Path(dir_okay=True))
@_reading_options
@json_opt
def validate_command(
    kind,
    path,
    store,
    assume_crs,
    fields,
    layer,
    on_invalid,
    encoding,
    statuses,
    max_distance_km,
    max_uncompressed_mb,
    drop_invalid,
    max_speed_kmh,
    as_json,
) -> None:
    """Check PATH as `deerhabitat import KIND PATH` would, write nothing, and list every problem.

    Exit status 0 when the file can be imported, 1 when it has errors. Warnings (features outside
    the range states' region, repaired geometries, records left out) do not fail it.
    """
    from deerhabitat.workflows import validate_file

    options = _options(
        kind,
        assume_crs,
        fields,
        layer,
        on_invalid,
        encoding,
        statuses,
        max_distance_km,
        max_uncompressed_mb,
        drop_invalid,
        max_speed_kmh,
    )
    report = validate_file(kind, path, store=store, options=options)
    if as_json:
        echo_json(report.to_dict())
    else:
        for finding in report.findings:
            click.echo(f"{finding.level.upper():<8}{_one_line(str(finding))}")
        status = "OK" if report.ok else "FAILED"
        click.echo(
            f"{status}: {path} ({report.file_format or 'unreadable'}, {report.kind}): {report.features} "
            f"feature(s) read, {report.accepted} accepted, {report.rejected} rejected, "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        )
    if not report.ok:
        raise click.exceptions.Exit(1)


@click.command("export")
@click.argument("kind", type=KindType(flavours=False))
@click.argument("path", type=click.Path(dir_okay=True))
@store_opt
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
def export_command(kind, path, store, overwrite) -> None:
    """Write the store's KIND layer to PATH, the format chosen by the extension.

    .gpkg .geojson .json .shp (with a sidecar keeping full field names; an existing folder gets
    KIND.shp) .zip (zipped shapefile) .fgb .parquet .kml .csv (longitude/latitude, or an EWKT wkt
    column) .xlsx. Importing the file gives back the same features and attributes.
    """
    from deerhabitat.workflows import export_layer

    result = export_layer(kind, path, store=store, overwrite=overwrite)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(
        f"Exported {result.count} {result.kind.value} feature(s) to {result.path} ({result.file_format})."
    )
