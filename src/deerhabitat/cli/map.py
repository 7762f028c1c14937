"""``deerhabitat map``: write the published maps of a store."""

from __future__ import annotations

import click

from deerhabitat.cli.options import profile_opt, remember_language, store_opt, use_language

out_opt = click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default="maps",
    show_default=True,
    help="Output folder (created when missing).",
)
dpi_opt = click.option(
    "--dpi",
    type=click.IntRange(50, 1200),
    default=150,
    show_default=True,
    help="Resolution of the PNG images (300 for print).",
)
BASEMAPS = ("none", "openstreetmap", "carto-light", "esri-imagery")
"""The values of :class:`deerhabitat.publish.assets.Basemap`, written out so that ``deerhabitat --help``
does not import the publishing libraries (a test keeps the two in step)."""

basemap_opt = click.option(
    "--basemap",
    type=click.Choice(BASEMAPS),
    default="none",
    show_default=True,
    help="Optional basemap tiles; 'none' keeps every page offline (range states as the base).",
)


lang_opt = click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="CODE",
    callback=remember_language,
    help="Language of the maps' texts, legends and controls, and of what the command prints: en (English) "
    "or ru (Russian, with Russian names where known).",
)


@click.command("map")
@click.argument("name", required=False)
@store_opt
@out_opt
@profile_opt
@dpi_opt
@basemap_opt
@lang_opt
def map_command(
    name: str | None, store: str | None, out: str, profile: str, dpi: int, basemap: str, lang: str
) -> None:
    """Write the map NAME (all maps when omitted) as HTML that opens offline, PNG, SVG and an embed snippet.

    Maps: overview, state-<iso3> (one per range state), population, reintroductions, protected-coverage,
    habitat (each when the store has its data). The public profile (default) shows wild populations only at
    the centre of a 10 km grid cell. When the store is writable, the same styles are stored in it as QGIS
    layer styles.
    """
    from deerhabitat.i18n import message
    from deerhabitat.workflows import map_

    result = map_(name, store=store, out=out, profile=profile, dpi=dpi, basemap=basemap, lang=lang)
    use_language(lang)
    click.echo(message("cli.map.written", n=len(result.maps), out=result.out, names=", ".join(result.maps)))
    if result.styles_written is not None:
        click.echo(message("cli.map.styles", n=result.styles_written))
    for note in result.notes:
        click.echo(message("cli.note", note=note))
