"""``deerhabitat habitat aoh|suitability|zonal|candidates|corridors|rasters``: habitat from rasters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from deerhabitat.cli.options import echo_json, json_opt, profile_opt, store_opt

if TYPE_CHECKING:  # imported when a command runs, so that --help starts fast
    from deerhabitat.workflows.habitat import HabitatReport

_PATH = click.Path(dir_okay=False)
_DIR = click.Path(file_okay=False)
block_opt = click.option(
    "--block-size",
    type=click.IntRange(min=16),
    default=2048,
    show_default=True,
    help="Block edge in pixels: rasters are read and written one block at a time.",
)


def _int_list(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        values = tuple(int(v) for v in value.replace(" ", "").split(",") if v)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of whole class values; write e.g. 1,2"
        ) from None
    if not values:
        raise click.BadParameter(f"{value!r} names no class; write e.g. 1,2")
    return values


def _covariates(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in value:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise click.BadParameter(
                f"{item!r} is not NAME=PATH; write e.g. --covariate groundwater_m=gw.tif"
            )
        out[name.strip()] = path.strip()
    return out


def _echo_summary(report: HabitatReport, lines: list[str], as_json: bool) -> None:
    if as_json:
        echo_json(report.to_json())
        return
    for line in lines:
        click.echo(line)
    for key, path in sorted(report.outputs.items()):
        click.echo(f"  {key}: {path}")


def _km2(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} km²"


@click.group("habitat")
def habitat_group() -> None:
    """Habitat from rasters: Area of Habitat, suitability, zonal statistics and candidate sites.

    \b
    deerhabitat habitat aoh --store S --range-period 2020 --landcover lc.tif --suitable-classes 1,2 --out aoh/
    deerhabitat habitat suitability --store S --landcover lc.tif --elevation dem.tif --out suit/
    deerhabitat habitat zonal --store S --raster lc.tif --zones protected-areas --categorical --json
    deerhabitat habitat candidates --store S --suitability suit/suitability.tif --out cand/
    deerhabitat habitat corridors --store S --from-suitability suit/suitability.tif --out corr/
    """  # noqa: D301 - click needs the real backspace "\b" (not r"\b") to keep the example lines unwrapped


@habitat_group.command("aoh")
@store_opt
@click.option("--range-period", required=True, help="Period of the ranges layer, e.g. historical or 2020.")
@click.option(
    "--landcover", required=True, type=_PATH, help="Land-cover GeoTIFF (class values); defines the grid."
)
@click.option(
    "--suitable-classes",
    required=True,
    callback=_int_list,
    help="Comma-separated land-cover classes that are habitat, e.g. 1,2.",
)
@click.option(
    "--elevation", type=_PATH, default=None, help="Elevation GeoTIFF in metres (bilinear onto the grid)."
)
@click.option("--min-elevation-m", type=float, default=None, help="Lowest elevation of habitat (inclusive).")
@click.option("--max-elevation-m", type=float, default=None, help="Highest elevation of habitat (inclusive).")
@click.option(
    "--iucn-preset",
    type=click.Choice(["all", "aoh", "dopa", "life"]),
    default="all",
    show_default=True,
    help="Range polygons kept by IUCN presence/origin/seasonal codes (all = every polygon of the period).",
)
@click.option("--out", required=True, type=_DIR, help="Output folder for aoh.tif and aoh_manifest.json.")
@block_opt
@json_opt
def aoh_command(
    store: str | None,
    range_period: str,
    landcover: str,
    suitable_classes: tuple[int, ...],
    elevation: str | None,
    min_elevation_m: float | None,
    max_elevation_m: float | None,
    iucn_preset: str,
    out: str,
    block_size: int,
    as_json: bool,
) -> None:
    """Area of Habitat: the range of a period refined by suitable classes and elevation limits.

    Writes a Cloud-Optimised GeoTIFF (km² of habitat per pixel) and a manifest. If no pixel of the range is
    suitable, the whole range is habitat; if no habitat pixel is within the elevation limits, elevation is
    ignored (both reported as fallbacks).
    """
    from deerhabitat.workflows import habitat_aoh

    report = habitat_aoh(
        landcover,
        range_period=range_period,
        suitable_classes=suitable_classes,
        out=out,
        store=store,
        elevation=elevation,
        min_elevation_m=min_elevation_m,
        max_elevation_m=max_elevation_m,
        iucn_preset=iucn_preset,
        block_size=block_size,
    )
    s = report.summary
    lines = [
        f"Area of Habitat, range {s['range_period']}: {_km2(s['aoh_total_km2'])} of a "
        f"{_km2(s['range_total_km2'])} range (prevalence {s['prevalence']:.3f})"
        if s["prevalence"] is not None
        else "Area of Habitat: the range does not touch the grid"
    ]
    lines += [f"  {c['iso3']}: {_km2(c['aoh_km2'])}" for c in s["aoh_by_country"]]
    if s["aoh_protected_km2"] is not None:
        lines.append(f"  inside protected areas: {_km2(s['aoh_protected_km2'])}")
    lines += [f"  fallback: {f}" for f in s["fallbacks"]]
    _echo_summary(report, lines, as_json)


@habitat_group.command("suitability")
@store_opt
@click.option("--landcover", required=True, type=_PATH, help="Land-cover GeoTIFF; defines the grid.")
@click.option("--elevation", type=_PATH, default=None, help="Elevation GeoTIFF in metres.")
@click.option(
    "--covariate",
    "covariates",
    multiple=True,
    callback=_covariates,
    metavar="NAME=PATH",
    help="Another continuous raster scored by the weights file (repeatable).",
)
@click.option(
    "--weights",
    type=_PATH,
    default=None,
    help="TOML weights file (default: the bundled Bukhara deer model, suitability.toml).",
)
@click.option("--out", required=True, type=_DIR, help="Output folder for suitability.tif and its manifest.")
@block_opt
@json_opt
def suitability_command(
    store: str | None,
    landcover: str,
    elevation: str | None,
    covariates: dict[str, str],
    weights: str | None,
    out: str,
    block_size: int,
    as_json: bool,
) -> None:
    """Habitat suitability 0-1 from land cover, distance to the store's rivers, elevation and covariates."""
    from deerhabitat.workflows import habitat_suitability

    report = habitat_suitability(
        landcover,
        out=out,
        store=store,
        elevation=elevation,
        covariates=covariates,
        weights=weights,
        block_size=block_size,
    )
    s = report.summary
    mean = "-" if s["mean_suitability"] is None else f"{s['mean_suitability']:.3f}"
    _echo_summary(
        report,
        [
            f"Suitability ({s['model']['name']}): mean {mean}; {_km2(s['suitable_km2'])} at "
            f">= {s['suitable_threshold']} of {_km2(s['valid_km2'])} with data"
        ],
        as_json,
    )


@habitat_group.command("zonal")
@store_opt
@click.option("--raster", required=True, type=_PATH, help="The GeoTIFF to summarise (band 1).")
@click.option(
    "--zones",
    type=click.Choice(["ranges", "protected-areas", "sites", "range-states"]),
    default="ranges",
    show_default=True,
    help="The layer whose features are the zones.",
)
@click.option("--period", default=None, help="With --zones ranges: only this period.")
@click.option(
    "--buffer-m", type=float, default=None, help="Buffer around each zone in metres (sites default to 5000)."
)
@click.option("--categorical", is_flag=True, help="Add the share of each class value (land cover).")
@click.option("--out", type=_DIR, default=None, help="Folder for zonal.csv and zonal_manifest.json.")
@block_opt
@json_opt
def zonal_command(
    store: str | None,
    raster: str,
    zones: str,
    period: str | None,
    buffer_m: float | None,
    categorical: bool,
    out: str | None,
    block_size: int,
    as_json: bool,
) -> None:
    """Zonal statistics (mean, min, max, sum, count, class shares) with exact cell-coverage fractions."""
    from deerhabitat.workflows import habitat_zonal

    report = habitat_zonal(
        raster,
        zones=zones,
        out=out,
        store=store,
        period=period,
        buffer_m=buffer_m,
        categorical=categorical,
        block_size=block_size,
    )
    table = report.table
    lines = [] if table is None else [table.to_string(index=False, max_colwidth=30)]
    _echo_summary(report, lines, as_json)


@habitat_group.command("candidates")
@store_opt
@click.option("--suitability", type=_PATH, default=None, help="Suitability GeoTIFF (0-1).")
@click.option(
    "--min-suitability",
    type=float,
    default=0.5,
    show_default=True,
    help="Pixels at or above this suitability are suitable.",
)
@click.option("--landcover", type=_PATH, default=None, help="Land-cover GeoTIFF (instead of --suitability).")
@click.option("--suitable-classes", callback=_int_list, default=None, help="With --landcover: e.g. 1,2.")
@click.option(
    "--range-period",
    default="historical",
    show_default=True,
    help="Candidates must lie inside the range of this period.",
)
@click.option("--min-area-km2", type=float, default=10.0, show_default=True, help="Smallest candidate patch.")
@click.option(
    "--min-distance-km",
    type=float,
    default=20.0,
    show_default=True,
    help="Distance kept from every wild population.",
)
@click.option("--weights", type=_PATH, default=None, help="TOML with [candidates.weights] for the ranking.")
@click.option(
    "--out", required=True, type=_DIR, help="Folder for candidates.gpkg/.geojson/.csv and manifest."
)
@json_opt
def candidates_command(
    store: str | None,
    suitability: str | None,
    min_suitability: float,
    landcover: str | None,
    suitable_classes: tuple[int, ...] | None,
    range_period: str,
    min_area_km2: float,
    min_distance_km: float,
    weights: str | None,
    out: str,
    as_json: bool,
) -> None:
    """Candidate reintroduction sites: suitable patches in the historical range, away from deer, ranked."""
    from deerhabitat.workflows import habitat_candidates

    report = habitat_candidates(
        out=out,
        store=store,
        suitability=suitability,
        min_suitability=min_suitability,
        landcover=landcover,
        suitable_classes=suitable_classes,
        range_period=range_period,
        min_area_km2=min_area_km2,
        min_distance_km=min_distance_km,
        weights=weights,
    )
    lines = [f"{report.summary['n_candidates']} candidate site(s)"]
    if report.table is not None:
        lines += [f"  {row.candidate_id}: {row.explanation}" for row in report.table.itertuples()]
    _echo_summary(report, lines, as_json)


@habitat_group.command("corridors")
@store_opt
@click.option("--resistance", type=_PATH, default=None, help="Resistance GeoTIFF (> 0; nodata = barrier).")
@click.option(
    "--from-suitability",
    "suitability",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Derive resistance from this suitability GeoTIFF, or (no PATH; the default) from the "
    "suitability raster registered last in the store.",
)
@click.option(
    "--transform",
    type=_PATH,
    default=None,
    help="TOML with the resistance transform and defaults (default: the bundled corridors.toml).",
)
@click.option("--max-cost", type=float, default=None, help="Link pairs up to this least cost (default 1000).")
@click.option("--no-max-cost", is_flag=True, help="Link every pair that is reachable at all.")
@click.option(
    "--tolerance", type=float, default=None, help="Corridor zone: cost above the least cost (default 50)."
)
@click.option("--include-uncounted", is_flag=True, help="Also join wild sites that have no wild count.")
@profile_opt
@click.option("--out", required=True, type=_DIR, help="Folder for the rasters, corridors.gpkg/.csv/.json.")
@json_opt
def corridors_command(
    store: str | None,
    resistance: str | None,
    suitability: str | None,
    transform: str | None,
    max_cost: float | None,
    no_max_cost: bool,
    tolerance: float | None,
    include_uncounted: bool,
    profile: str,
    out: str,
    as_json: bool,
) -> None:
    """Least-cost corridors, corridor zones and bottlenecks between every pair of populations.

    Costs are km x resistance (1 = 1 km of the best land). The public profile (default) starts every
    corridor at the generalised (10 km cell) position of each population.
    """
    from deerhabitat.workflows import habitat_corridors

    report = habitat_corridors(
        out=out,
        store=store,
        resistance=resistance,
        suitability=suitability or None,
        transform=transform,
        max_cost=max_cost,
        no_max_cost=no_max_cost,
        tolerance=tolerance,
        profile=profile,
        include_uncounted=include_uncounted,
    )
    s = report.summary
    lines = [
        f"{len(s['populations'])} population(s), {s['n_linked']} of {s['n_pairs']} pair(s) linked "
        f"(max cost {s['max_cost']}, tolerance {s['tolerance']}, {s['profile']} positions)"
    ]
    table = report.table
    for row in table[table["linked"]].itertuples() if table is not None else ():
        width = "-" if _missing(row.min_width_m) else f"{row.min_width_m / 1000:,.1f} km"
        lines.append(
            f"  {row.pair_id}: cost {row.least_cost:,.0f}, path {row.path_length_km:,.0f} km, "
            f"narrowest {width}{'' if row.direct else ' (via ' + str(row.via) + ')'}"
        )
    if s["isolated"]:
        lines.append(f"  isolated: {', '.join(s['isolated'])}")
    _echo_summary(report, lines, as_json)


def _missing(value: object) -> bool:
    """Whether a table cell is missing (None or NaN)."""
    return value is None or (isinstance(value, float) and value != value)


@habitat_group.command("rasters")
@store_opt
@json_opt
def rasters_command(store: str | None, as_json: bool) -> None:
    """List the rasters registered in the store (role, path, sha256, CRS, size)."""
    from deerhabitat.workflows import habitat_rasters

    table = habitat_rasters(store=store)
    if as_json:
        echo_json(table.drop(columns=["crs_wkt"]).to_dict(orient="records"))
        return
    if table.empty:
        click.echo("No raster is registered in this store yet (`deerhabitat habitat ...` registers them).")
    for row in table.itertuples():
        click.echo(f"{row.role:<14} {row.width}x{row.height}  {row.crs_name}  {row.sha256[:12]}  {row.path}")
