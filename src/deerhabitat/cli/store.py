"""``deerhabitat init`` and ``deerhabitat layers``."""

from __future__ import annotations

import click

from deerhabitat.cli.options import echo_json, json_opt, store_opt


@click.command("init")
@click.argument("path", type=click.Path())
@click.option(
    "--analysis-crs", default=None, help="Equal-area CRS for areas (default: Albers on Central Asia)."
)
@click.option("--species", default=None, help="Common name of the species (default: Bukhara deer).")
@click.option(
    "--from-bundled",
    is_flag=True,
    help="Copy the bundled Bukhara deer store (a writable copy); PATH may be a folder.",
)
def init_command(path: str, analysis_crs: str | None, species: str | None, from_bundled: bool) -> None:
    """Create a new, empty store at PATH, or a copy of the bundled store.

    PATH is a .gpkg file, or a postgresql://USER@HOST:PORT/DB URL of a database with no store in it
    (PostGIS is enabled there if it is not yet).
    """
    from deerhabitat.workflows import init

    store = init(path, analysis_crs=analysis_crs, species=species, from_bundled=from_bundled)
    what = "a copy of the bundled store" if from_bundled else "the store"
    click.echo(f"Created {what} {store.shown}")


@click.command("copy")
@click.argument("source")
@click.argument("target")
@click.option("--overwrite", is_flag=True, help="Replace a store already at TARGET.")
def copy_command(source: str, target: str, overwrite: bool) -> None:
    """Copy the store SOURCE to TARGET: GeoPackage files or postgresql://USER@HOST:PORT/DB URLs.

    Everything goes across: layers, settings, provenance, national reports, rasters registry, QGIS
    styles, reporting cycles, report texts and the Work Programme catalogue; between GeoPackages,
    the occurrences' GeoParquet files too (copied beside TARGET, sha256 checked). A TARGET that
    already holds a store is refused unless --overwrite; a failed copy leaves it as it was.
    """
    from deerhabitat.workflows import copy

    copied = copy(source, target, overwrite=overwrite)
    click.echo(f"Copied the store to {copied.shown}")


@click.command("layers")
@store_opt
@json_opt
def layers_command(store: str | None, as_json: bool) -> None:
    """List the layers of the store with feature counts, CRS and provenance."""
    from deerhabitat.workflows import layers

    infos = layers(store=store)
    if as_json:
        echo_json([info.to_dict() for info in infos])
        return
    for info in infos:
        source = info.source_file or "-"
        click.echo(
            f"{info.name:<18} {info.count:>7} features  {info.geometry_type or '-':<16} {info.crs}  "
            f"from {source}"
        )
