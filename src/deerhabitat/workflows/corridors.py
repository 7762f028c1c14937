"""``deerhabitat habitat corridors``: connectivity between populations, path in, path out.

Reads the resistance (or the suitability it is derived from) whole, on its own grid, which must be in an
equal-area CRS; computes with :mod:`deerhabitat.analysis.habitat.corridors`; writes into ``out``:

- ``resistance.tif``, ``cost_distance.tif`` (cost to the nearest population) and ``corridors.tif`` (the
  normalised least-cost corridor mosaic within the tolerance): Cloud-Optimised GeoTIFFs, NaN = none;
- ``corridors.gpkg``: layers ``corridor_paths`` (least-cost paths with every figure), ``corridor_zones``
  (corridor zones) and ``corridor_populations`` (the end points used), in EPSG:4326;
- ``corridors.csv`` (one row per pair of populations) and ``corridors.json`` (every figure, the method,
  the settings and the inputs with their sha256);

and registers the three rasters (and the raster read) in the store's raster registry when the store is
writable.

Profiles: ``public`` (the default) starts every corridor at the generalised position of each population
(the centre of its 10 km equal-area cell, :mod:`deerhabitat.publish.generalise`), so no output, raster
or vector, is computed from an exact position; ``internal`` uses the recorded positions.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat._version import __version__
from deerhabitat.analysis.habitat import Grid, coverage_fraction, pixel_area_km2, polygonal
from deerhabitat.analysis.habitat.corridors import (
    CorridorResult,
    CorridorSettings,
    Endpoints,
    ResistanceModel,
    ShareLayers,
    cost_surfaces,
    given_resistance,
    isolated_populations,
    link_corridors,
    parse_corridor_config,
    population_cells,
    wild_populations,
)
from deerhabitat.crs import describe_crs, is_equal_area
from deerhabitat.errors import AnalysisError, InputFileError
from deerhabitat.i18n import message
from deerhabitat.io import file_sha256
from deerhabitat.io.csv_safe import write_frame_csv
from deerhabitat.io.raster import RasterInfo, raster_record, read_raster, read_raster_info, write_raster
from deerhabitat.io.toml_file import read_toml
from deerhabitat.io.vector import write_gpkg_layers
from deerhabitat.progress import task
from deerhabitat.publish.generalise import Profile, snap_to_cell_centres
from deerhabitat.schema import LayerKind
from deerhabitat.workflows.habitat import HabitatReport, StoreLike, StoreSource

COMMAND = "habitat corridors"


@dataclass(frozen=True)
class _Surface:
    resistance: np.ndarray
    info: RasterInfo
    role: str
    model: ResistanceModel | None
    source: str


def habitat_corridors(
    *,
    out: str | os.PathLike,
    store: StoreLike = None,
    resistance: str | os.PathLike | None = None,
    suitability: str | os.PathLike | None = None,
    transform: str | os.PathLike | None = None,
    max_cost: float | None = None,
    no_max_cost: bool = False,
    tolerance: float | None = None,
    profile: str = "public",
    include_uncounted: bool = False,
    register: bool = True,
) -> HabitatReport:
    """Least-cost corridors between every pair of populations (``deerhabitat habitat corridors``).

    See :mod:`deerhabitat.analysis.habitat.corridors` for the method, and this module for the outputs.

    Parameters
    ----------
    out : path-like
        Output folder.
    store : path-like or StoreSnapshot, optional
        The store (sites, population counts, protected areas, range states; raster registry), or a
        snapshot of it (its layers are used; the file is not read again).
    resistance : path-like, optional
        A resistance GeoTIFF (values above 0; nodata = barrier). Excludes ``suitability``.
    suitability : path-like, optional
        A suitability GeoTIFF (0-1) turned into resistance by the transform. With neither raster, the
        suitability raster registered last in the store is used (with the bundled store: the bundled
        sample suitability, written into ``out/suitability``).
    transform : path-like, optional
        TOML laid out like the bundled ``corridors.toml`` (resistance transform and defaults).
    max_cost, tolerance : float, optional
        Override the transform file's ``max_cost`` and ``tolerance`` (cost units).
    no_max_cost : bool, default False
        Link every reachable pair whatever its cost.
    profile : {"public", "internal"}
        ``public`` starts corridors at the generalised population positions.
    include_uncounted : bool, default False
        Also join wild sites that have no wild count.
    register : bool, default True
        Register the rasters in the store when it is writable (False: the store is only read, as when
        a publication computes corridors).

    Returns
    -------
    HabitatReport
        ``summary``: ``populations``, ``excluded_sites``, ``pairs``, ``isolated``, ``n_linked`` and the
        settings, method and inputs; ``table``: the pairs.

    Raises
    ------
    AnalysisError, ConfigError, InputFileError, CRSError
        For bad settings, rasters or data (the store is never changed then).
    """
    chosen = _profile(profile)
    model, settings, config = _config(transform, max_cost, no_max_cost, tolerance)
    if resistance is not None and suitability is not None:
        raise AnalysisError(
            "give either --resistance PATH or --from-suitability [PATH], not both; the resistance is "
            "either given or derived from suitability."
        )
    db, writable = _open(store)
    surface = _surface(db, writable, resistance, suitability, model, Path(out))
    grid = _grid(surface.info, db)
    pops, excluded = wild_populations(
        db.read(LayerKind.SITES, missing_ok=True),
        db.read(LayerKind.POPULATION_COUNTS, missing_ok=True),
        include_uncounted=include_uncounted,
    )
    if pops.empty:
        raise AnalysisError(
            "the store has no population to join: no wild site of scope 'site' has a latest wild count "
            "above 0 (import population counts, or pass --include-uncounted to join uncounted wild sites)."
        )
    positions = _positions(pops, db, grid.crs, chosen)
    ends = population_cells(positions.x.to_numpy(), positions.y.to_numpy(), grid, surface.resistance)
    with task(message("progress.corridors"), len(pops)) as advance:
        surfaces = cost_surfaces(
            surface.resistance, grid, ends, limit=settings.search_limit, progress=lambda _d, _t: advance(1)
        )
    ids = pops["site_id"].tolist()
    shares = _shares(db, grid)
    result = link_corridors(surfaces, ends, grid, settings, shares, ids)
    out_dir = _out_dir(out)
    outputs = _write_rasters(out_dir, grid, surface.resistance, surfaces.distances, result.mosaic)
    records = _pair_records(result, pops, grid.crs)
    pairs = _pairs_table(records)
    outputs.update(_write_vectors(out_dir, result, pops, positions, ends, grid, pairs))
    outputs["table"] = out_dir / "corridors.csv"
    write_frame_csv(pairs, outputs["table"])
    summary = _summary(
        db, chosen, surface, surface.model, settings, config, grid, pops, positions, ends, excluded
    )
    unprotected = [
        r["pair_id"]
        for r in records
        if r["linked"] and r.get("bottleneck") and r["bottleneck"]["protected"] is False
    ]
    summary.update(
        pairs=records,
        n_pairs=len(records),
        n_linked=len(result.linked),
        isolated=isolated_populations(result.pairs, ids),
        unprotected_bottlenecks=unprotected,
    )
    summary["registered_in_store"] = _register(db, writable and register, surface, outputs)
    outputs["manifest"] = _write_manifest(
        out_dir, "corridors.json", {**summary, "outputs": {k: str(v) for k, v in sorted(outputs.items())}}
    )
    return HabitatReport(COMMAND, summary, outputs, pairs)


# -- settings and inputs -------------------------------------------------------------------------------------


def _profile(profile: str) -> Profile:
    try:
        return Profile(profile)
    except ValueError:
        raise AnalysisError(
            f"profile {profile!r} is not known; use public (generalised population positions) or internal."
        ) from None


def _config(
    transform: str | os.PathLike | None, max_cost: float | None, no_max_cost: bool, tolerance: float | None
) -> tuple[ResistanceModel, CorridorSettings, dict | None]:
    if transform is None:
        text = resources.files("deerhabitat.analysis.habitat").joinpath("corridors.toml").read_text("utf-8")
        data, origin, info = tomllib.loads(text), "bundled corridors.toml", None
    else:
        data, origin = _read_toml(transform), str(transform)
        info = {"path": str(transform), "sha256": file_sha256(transform)}
    model, settings = parse_corridor_config(data, origin=origin)
    if no_max_cost and max_cost is not None:
        raise AnalysisError("give --max-cost or --no-max-cost, not both.")
    settings = CorridorSettings(
        max_cost=None if no_max_cost else (settings.max_cost if max_cost is None else max_cost),
        tolerance=settings.tolerance if tolerance is None else tolerance,
    )
    return model, settings, info


def _read_toml(path: str | os.PathLike) -> dict:
    return read_toml(path, what="transform", template="corridors.toml")


def _surface(
    db: StoreSource,
    writable: bool,
    resistance: str | os.PathLike | None,
    suitability: str | os.PathLike | None,
    model: ResistanceModel,
    out: Path,
) -> _Surface:
    if resistance is not None:
        values, valid, info = read_raster(resistance, role="resistance")
        return _Surface(given_resistance(values, valid), info, "resistance", None, "given")
    source = "given"
    if suitability is None and not writable:
        suitability = _bundled_suitability(out)
        source = "the bundled sample suitability (deerhabitat.workflows.bundled_habitat; illustrative)"
    elif suitability is None:
        suitability, source = _registered_suitability(db), "the store's registered suitability raster"
    values, valid, info = read_raster(suitability, role="suitability")
    finite = values[valid]
    if finite.size and (float(finite.min()) < 0 or float(finite.max()) > 1):
        raise AnalysisError(
            f"the suitability raster {str(info.path)!r} has values from {float(finite.min())!r} to "
            f"{float(finite.max())!r}; suitability must lie within 0-1. Give the output of "
            f"`deerhabitat habitat suitability`, or a resistance raster with --resistance."
        )
    return _Surface(model.apply(values, valid), info, "suitability", model, source)


def _bundled_suitability(out: Path) -> Path:
    from deerhabitat.workflows.habitat import bundled_habitat

    return bundled_habitat(_out_dir(out) / "suitability")["suitability"].outputs["raster"]


def _registered_suitability(db: StoreSource) -> Path:
    table = db.rasters()
    rows = table[table["role"] == "suitability"].sort_values("time_utc")
    present = [Path(p) for p in rows["path"] if Path(p).is_file()]
    if not present:
        raise AnalysisError(
            f"the store {db.shown!r} has no suitability raster registered; run `deerhabitat habitat "
            f"suitability --out DIR` with this store first, or give --from-suitability PATH or "
            f"--resistance PATH."
        )
    return present[-1]


def _grid(info: RasterInfo, db: StoreSource) -> Grid:
    if not is_equal_area(info.crs):
        raise AnalysisError(
            f"the raster {str(info.path)!r} is in {describe_crs(info.crs)!r}, which is not an equal-area "
            f"CRS; corridor lengths and areas are measured on an equal-area grid. Warp it first, e.g. "
            f"`gdalwarp -t_srs '{db.config.analysis_crs}' -tr 1000 1000 in.tif out.tif`."
        )
    return Grid(info.transform, info.width, info.height, info.crs)


def _positions(pops: gpd.GeoDataFrame, db: StoreSource, crs: pyproj.CRS, profile: Profile) -> gpd.GeoSeries:
    geometry = pops.geometry
    if profile == Profile.PUBLIC:
        geometry = snap_to_cell_centres(geometry, cell_m=db.config.generalise_m, crs=db.config.crs)
    return gpd.GeoSeries(shapely.centroid(geometry.to_crs(crs).values), crs=crs)


def _shares(db: StoreSource, grid: Grid) -> ShareLayers:
    pas = db.read(LayerKind.PROTECTED_AREAS) if db.has(LayerKind.PROTECTED_AREAS) else None
    protected_geom = _union(pas, grid.crs) if pas is not None else None
    states = db.read(LayerKind.RANGE_STATES) if db.has(LayerKind.RANGE_STATES) else None
    countries = {}
    if states is not None:
        for iso3, frame in states.groupby(states["iso3"].astype(str)):
            countries[str(iso3)] = _union(frame, grid.crs)
    return ShareLayers(
        protected=coverage_fraction(protected_geom, grid) if protected_geom is not None else None,
        countries={k: coverage_fraction(g, grid) for k, g in countries.items()},
        protected_geometry=protected_geom,
        country_geometries=countries,
        pixel_km2=float(pixel_area_km2(grid, grid.crs)),
    )


def _union(frame: gpd.GeoDataFrame, crs: pyproj.CRS) -> BaseGeometry:
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].to_crs(crs)
    if frame.empty:
        return shapely.MultiPolygon()
    return polygonal(shapely.union_all(shapely.make_valid(frame.geometry.values)))


# -- outputs -------------------------------------------------------------------------------------------------


def _write_rasters(
    out_dir: Path, grid: Grid, resistance: np.ndarray, distances: np.ndarray, mosaic: np.ndarray
) -> dict[str, Path]:
    res = np.where(np.isfinite(resistance), resistance, np.nan).astype(np.float32)
    nearest = distances.min(axis=0)
    nearest[~np.isfinite(nearest)] = np.nan
    paths = {
        "resistance": out_dir / "resistance.tif",
        "cost_distance": out_dir / "cost_distance.tif",
        "corridors_raster": out_dir / "corridors.tif",
    }
    for key, array in (("resistance", res), ("cost_distance", nearest), ("corridors_raster", mosaic)):
        write_raster(paths[key], array.astype(np.float32), crs=grid.crs, transform=grid.transform)
    return paths


def _lonlat(x: float, y: float, crs: pyproj.CRS) -> tuple[float, float]:
    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return round(float(lon), 5), round(float(lat), 5)


PAIR_COLUMNS = [
    "pair_id",
    "from_id",
    "to_id",
    "from_name",
    "to_name",
    "linked",
    "direct",
    "via",
    "least_cost",
    "euclidean_km",
    "path_length_km",
    "cost_per_km",
    "zone_km2",
    "zone_protected_km2",
    "zone_protected_fraction",
    "zone_by_country",
    "path_protected_km",
    "path_protected_fraction",
    "path_by_country",
    "min_width_m",
    "median_width_m",
    "bottleneck_lon",
    "bottleneck_lat",
    "bottleneck_protected",
    "bottleneck_iso3",
]
"""Columns of the pairs table (``corridors.csv``, the path layer and ``pairs`` in the JSON)."""


def _shares_text(items: list[dict], unit: str) -> str:
    return "; ".join(f"{d['iso3']} {d[unit]:.1f} {unit.replace('2', '²')}" for d in items)


def _pair_records(result: CorridorResult, pops: gpd.GeoDataFrame, crs: pyproj.CRS) -> list[dict]:
    """Every figure of every pair, JSON-ready (country shares as lists, bottleneck in lon/lat)."""
    names = dict(zip(pops["site_id"], pops["name"].astype(str), strict=True))
    records = []
    for pair in result.pairs:
        record = {
            "pair_id": f"{pair['from_id']}--{pair['to_id']}",
            "from_name": names[pair["from_id"]],
            "to_name": names[pair["to_id"]],
            **pair,
        }
        neck = pair.get("bottleneck")
        if neck:
            lon, lat = _lonlat(neck["x"], neck["y"], crs)
            record["bottleneck"] = {**neck, "lon": lon, "lat": lat}
        records.append(record)
    return records


def _pairs_table(records: list[dict]) -> pd.DataFrame:
    """The pairs as a flat table (``corridors.csv`` and the path layer): one column per figure."""
    rows = []
    for pair in records:
        row = {k: pair.get(k) for k in PAIR_COLUMNS}
        row.update(
            via=", ".join(pair.get("via") or []) or None,
            zone_by_country=_shares_text(pair.get("zone_by_country") or [], "km2") or None,
            path_by_country=_shares_text(pair.get("path_by_country") or [], "km") or None,
        )
        neck = pair.get("bottleneck")
        if neck:
            row.update(
                bottleneck_lon=neck["lon"],
                bottleneck_lat=neck["lat"],
                bottleneck_protected=neck["protected"],
                bottleneck_iso3=neck["iso3"],
            )
        rows.append(row)
    table = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    for column in ("direct", "bottleneck_protected"):
        table[column] = table[column].astype("boolean")
    return table


def _write_vectors(
    out_dir: Path,
    result: CorridorResult,
    pops: gpd.GeoDataFrame,
    positions: gpd.GeoSeries,
    ends: Endpoints,
    grid: Grid,
    pairs: pd.DataFrame,
) -> dict[str, Path]:
    linked = pairs.iloc[result.linked].reset_index(drop=True)
    index = {sid: k for k, sid in enumerate(pops["site_id"])}
    lines = [
        _ended(line, positions.iloc[index[a]], positions.iloc[index[b]])
        for line, a, b in zip(result.paths, linked["from_id"], linked["to_id"], strict=True)
    ]
    paths = gpd.GeoDataFrame(linked, geometry=gpd.GeoSeries(lines, crs=grid.crs)).to_crs(4326)
    zones = gpd.GeoDataFrame(
        linked[["pair_id", "from_id", "to_id", "least_cost", "zone_km2", "zone_protected_fraction"]],
        geometry=gpd.GeoSeries(result.zones, crs=grid.crs),
    ).to_crs(4326)
    starts = gpd.GeoDataFrame(
        pd.DataFrame(pops.drop(columns=pops.geometry.name)).assign(moved_to_passable_m=ends.moved_m),
        geometry=positions.values,
        crs=grid.crs,
    ).to_crs(4326)
    path = out_dir / "corridors.gpkg"
    write_gpkg_layers(
        {"corridor_paths": paths, "corridor_zones": zones, "corridor_populations": starts}, path
    )
    return {"layer": path}


def _ended(line: shapely.Geometry, start: shapely.Point, end: shapely.Point) -> shapely.LineString:
    """The path from the start position through its cell centres to the end position.

    So the published line ends exactly at the positions used (generalised in the public profile).
    """
    coords = shapely.get_coordinates(line)
    out = [start.coords[0], *map(tuple, coords), end.coords[0]]
    kept = [p for k, p in enumerate(out) if k == 0 or math.dist(p, out[k - 1]) > 1e-3]
    return shapely.LineString(kept if len(kept) > 1 else kept * 2)


def _json_records(table: pd.DataFrame) -> list[dict]:
    return json.loads(table.to_json(orient="records"))


def _summary(
    db: StoreSource,
    profile: Profile,
    surface: _Surface,
    model: ResistanceModel | None,
    settings: CorridorSettings,
    config: dict | None,
    grid: Grid,
    pops: gpd.GeoDataFrame,
    positions: gpd.GeoSeries,
    ends: Endpoints,
    excluded: pd.DataFrame,
) -> dict:
    populations = []
    for k, row in enumerate(pops.itertuples()):
        lon, lat = _lonlat(positions.iloc[k].x, positions.iloc[k].y, grid.crs)
        populations.append(
            {
                "site_id": row.site_id,
                "name": row.name,
                "iso3": row.iso3,
                "status": row.status,
                "latest_count": None if pd.isna(row.latest_count) else int(row.latest_count),
                "latest_date": row.latest_date,
                "start_lon": lon,
                "start_lat": lat,
                "generalised": profile == Profile.PUBLIC,
                "moved_to_passable_m": float(ends.moved_m[k]),
            }
        )
    return {
        "profile": str(profile),
        "positions": "generalised: the centre of each population's "
        f"{db.config.generalise_m / 1000:g} km equal-area cell"
        if profile == Profile.PUBLIC
        else "exact (as recorded)",
        "resistance_from": surface.role,
        "raster_source": surface.source,
        "resistance_transform": model.describe() if model is not None else None,
        "transform_file": config,
        "max_cost": settings.max_cost,
        "tolerance": settings.tolerance,
        "cost_unit": "1 = 1 km through resistance-1 land (km x resistance)",
        "populations": populations,
        "excluded_sites": _json_records(excluded),
        "raster": {**surface.info.describe(), "sha256": file_sha256(surface.info.path), "role": surface.role},
        "grid": {k: v for k, v in grid.describe().items() if k != "crs"},
        "method": (
            "Cost-weighted distance from each population with scikit-image MCP_Geometric (8 neighbours; "
            "step cost = step length in km x mean resistance of the two cells); pairs linked when the least "
            "cost <= max_cost; corridor zone = cells with cd_A + cd_B <= least cost + tolerance (normalised "
            "least-cost corridor, Linkage Mapper); width = perpendicular transect through the zone at each "
            "path cell, bottleneck = narrowest, away from the tolerance halo of the ends; shares from exact "
            "cell coverage (zones) and line intersection (paths) on the equal-area grid."
        ),
        "analysis_crs": db.config.analysis_crs,
        "store": db.shown,
        "tool_version": __version__,
    }


def _register(db: StoreSource, writable: bool, surface: _Surface, outputs: dict[str, Path]) -> bool:
    if not writable:
        return False
    items = [(surface.info, surface.role)] + [
        (read_raster_info(outputs[key]), role)
        for key, role in (
            ("resistance", "resistance"),
            ("cost_distance", "cost-distance"),
            ("corridors_raster", "corridors"),
        )
    ]
    records = [raster_record(info, role, command=COMMAND) for info, role in items]
    with db.transaction() as tx:
        tx.register_rasters(records)
    return True


def _open(store: StoreLike) -> tuple[StoreSource, bool]:
    source = StoreSource(store)
    return source, source.writable


def _out_dir(out: str | os.PathLike) -> Path:
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(
            f"cannot create the output folder {str(path)!r} ({exc.strerror}); choose a folder you can write "
            f"to with --out."
        ) from exc
    return path


def _write_manifest(out: Path, name: str, summary: dict) -> Path:
    path, tmp = out / name, out / f".{name}.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
