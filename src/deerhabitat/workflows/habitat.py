"""``deerhabitat habitat aoh|suitability|zonal|candidates``: habitat from rasters, path in, path out.

Each function takes the store as a path (opened and read on demand) or as a
:class:`~deerhabitat.io.snapshot.StoreSnapshot` already read (the report's: its layers and projected
layers are used, the store is not opened again), reads the rasters block by block through
:mod:`deerhabitat.io.raster`, computes with :mod:`deerhabitat.analysis.habitat`, writes its outputs
into ``out`` (a Cloud-Optimised GeoTIFF or a table, plus a JSON manifest of inputs with sha256,
settings, CRS and results), and records the rasters it used and made in the store's raster registry
(skipped for the read-only bundled store).

Grid rule: the land-cover raster (or the raster analysed) defines the grid. Elevation and covariates are
brought onto it, bilinear; range, zone and site polygons are laid on it with exact coverage fractions;
pixel areas come from the grid when it is equal-area and from the store's analysis CRS otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from deerhabitat._version import __version__
from deerhabitat.analysis import to_analysis_crs
from deerhabitat.analysis.habitat import (
    DEFAULT_BLOCK_SIZE,
    IUCN_PRESETS,
    WATER_INPUT,
    CandidateCriteria,
    ElevationLimits,
    Grid,
    IucnCodes,
    SuitabilityModel,
    ZonalStats,
    aoh_blocks,
    aoh_summary,
    aoh_zones,
    candidate_sites,
    default_suitability_model,
    habitat_patches,
    in_crs,
    parse_candidate_weights,
    parse_suitability_model,
    polygonal,
    require_overlap,
    river_segments,
    select_range,
    suitability_blocks,
    union_polygons,
    with_mean_suitability,
    zonal_blocks,
    zonal_table,
)
from deerhabitat.config import StoreConfig, resolve_store
from deerhabitat.errors import AnalysisError, ConfigError, InputFileError
from deerhabitat.i18n import message
from deerhabitat.io import Store
from deerhabitat.io.cache import CacheEntry, cache_key, read_entry, write_entry
from deerhabitat.io.csv_safe import write_frame_csv
from deerhabitat.io.raster import (
    AlignedRasters,
    RasterInfo,
    RasterWriter,
    bundled_raster_path,
    raster_record,
    read_class_table,
    read_raster,
    read_raster_info,
)
from deerhabitat.io.snapshot import StoreSnapshot
from deerhabitat.io.store import StoreWriter
from deerhabitat.io.toml_file import read_toml
from deerhabitat.io.vector import write_vector
from deerhabitat.progress import task
from deerhabitat.schema import LayerKind, latest_period, period_order

ZONE_KINDS = {"ranges": "range_id", "protected-areas": "pa_id", "sites": "site_id", "range-states": "iso3"}
"""Layer kinds usable as zones in ``habitat zonal``, with their id column."""


@dataclass(frozen=True)
class HabitatReport:
    """What a ``habitat`` command did: its JSON summary, the files it wrote, and its table if any."""

    command: str
    summary: dict
    outputs: dict[str, Path]
    table: pd.DataFrame | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        """Return the summary plus output paths, ready for ``json.dumps``."""
        return {**self.summary, "outputs": {k: str(v) for k, v in sorted(self.outputs.items())}}


# -- shared steps -----------------------------------------------------------------------------------


def _grid_of(info: RasterInfo) -> Grid:
    return Grid(info.transform, info.width, info.height, info.crs)


StoreLike = str | os.PathLike | StoreSnapshot | None
"""A store for the habitat functions: a path (None: the default store) or a snapshot already read."""


class StoreSource:
    """The store a habitat or corridors function reads: a snapshot's layers, or the file read on demand.

    A snapshot is never read again: its layers, and its projected layers for the analysis CRS, are used
    as they are. A path is opened once and its settings read once.
    """

    def __init__(self, store: StoreLike) -> None:
        self.snapshot: StoreSnapshot | None = None
        self._store: Store | None = None
        self.path: Path | str
        if isinstance(store, StoreSnapshot):
            self.snapshot = store
            self.path, self.writable = store.path, not store.bundled
            self.shown = store.shown or str(store.path)
            self.config: StoreConfig = store.config
        else:
            choice = resolve_store(store)
            self._store = Store(choice.path)
            self.path, self.writable = self._store.location, not choice.bundled
            self.shown = self._store.shown
            self.config = self._store.config

    @property
    def store(self) -> Store:
        """The store file, opened (for the raster registry)."""
        if self._store is None:
            self._store = Store(self.path)
        return self._store

    def has(self, kind: LayerKind) -> bool:
        """Whether the store holds a layer of ``kind``."""
        return self.snapshot.has(kind) if self.snapshot is not None else self.store.has(kind)

    def content_key(self) -> str:
        """The store's content key (:meth:`deerhabitat.io.store.Store.content_key`), for caches."""
        return self.snapshot.content_key if self.snapshot is not None else self.store.content_key()

    def rasters(self) -> pd.DataFrame:
        """The store's raster registry (:meth:`Store.rasters`)."""
        return self.snapshot.rasters if self.snapshot is not None else self.store.rasters()

    def transaction(self) -> contextlib.AbstractContextManager[StoreWriter]:
        """A write transaction on the store file (:meth:`Store.transaction`)."""
        return self.store.transaction()

    def read(self, kind: LayerKind, *, missing_ok: bool = False) -> gpd.GeoDataFrame:
        """The layer of ``kind`` in EPSG:4326 (see :meth:`Store.read`; a snapshot gives an empty layer)."""
        if self.snapshot is not None:
            return self.snapshot.layer(kind)
        return self.store.read(kind, missing_ok=missing_ok)

    def optional(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        """The layer of ``kind``, or None when the store has none."""
        if self.snapshot is not None:
            return self.snapshot.layers.get(kind)
        return self.store.read(kind) if self.store.has(kind) else None

    def in_area_crs(self, kind: LayerKind) -> gpd.GeoDataFrame | None:
        """The features of ``kind`` with a geometry, in the analysis CRS (geodesic edges); None if absent.

        A snapshot's projected layer is used as it is; otherwise the layer is projected here.
        """
        if self.snapshot is not None and kind in self.snapshot.projected:
            if not self.snapshot.has(kind):
                return None
            return in_crs(self.snapshot.projected[kind], self.config.crs)
        frame = self.optional(kind)
        return None if frame is None else in_crs(to_analysis_crs(frame, self.config.crs), self.config.crs)


def _open(store: StoreLike) -> StoreSource:
    return StoreSource(store)


def _write_manifest(out: Path, name: str, summary: dict) -> Path:
    path = out / name
    tmp = out / f".{name}.tmp"
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _out_dir(out: str | os.PathLike) -> Path:
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(
            f"cannot create the output folder {str(path)!r} ({exc.strerror}); choose a "
            f"folder you can write to with --out."
        ) from exc
    return path


def _register(source: StoreSource, items: Iterable[tuple[RasterInfo, str]], command: str) -> bool:
    if not source.writable:
        return False
    records = [raster_record(info, role, command=command) for info, role in items]
    with source.store.transaction() as tx:
        tx.register_rasters(records)
    return True


def _inputs_json(items: Iterable[tuple[RasterInfo, str, str | None]]) -> list[dict]:
    from deerhabitat.io import file_sha256

    return [
        {"role": role, **info.describe(), "sha256": file_sha256(info.path), "resampling": how}
        for info, role, how in items
    ]


# -- Area of Habitat ----------------------------------------------------------------------------------


def habitat_aoh(
    landcover: str | os.PathLike,
    *,
    range_period: str,
    suitable_classes: Iterable[int],
    out: str | os.PathLike,
    store: StoreLike = None,
    elevation: str | os.PathLike | None = None,
    min_elevation_m: float | None = None,
    max_elevation_m: float | None = None,
    iucn_preset: str = "all",
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> HabitatReport:
    """Compute the Area of Habitat of a range period (``deerhabitat habitat aoh``).

    See :mod:`deerhabitat.analysis.habitat.aoh` for the recipe and the fallback rules.

    Parameters
    ----------
    landcover : path-like
        Land-cover GeoTIFF (class values); it defines the grid.
    range_period : str
        Period of the ``ranges`` layer (``historical``, ``2020`` ...).
    suitable_classes : iterable of int
        Land-cover classes that are habitat.
    out : path-like
        Output folder: ``aoh.tif`` (km² of AOH per pixel, NaN outside the range) and ``aoh_manifest.json``.
    store : path-like or StoreSnapshot, optional
        The store (default ``$DEERHABITAT_STORE``, else the bundled store), or a snapshot of it (its
        layers are used; the file is not read again).
    elevation : path-like, optional
        Elevation GeoTIFF in metres (bilinear onto the land-cover grid unless on the same grid).
    min_elevation_m, max_elevation_m : float, optional
        Elevation limits (inclusive); at least one with ``elevation``.
    iucn_preset : str, default "all"
        Range polygons kept by IUCN codes (``all``, ``aoh``, ``dopa``, ``life``).
    block_size : int
        Block edge in pixels for reading and writing.

    Returns
    -------
    HabitatReport
        Summary keys: ``range_total_km2``, ``habitat_total_km2``, ``elevation_total_km2``,
        ``aoh_total_km2``, ``prevalence``, ``aoh_by_country``, ``aoh_protected_km2``,
        ``aoh_protected_fraction``, ``fallbacks`` and the settings and inputs used.

    Raises
    ------
    AnalysisError
        Bad classes, limits, period or preset, or a range that misses the land-cover grid.
    InputFileError, CRSError
        For unreadable rasters or rasters without a CRS.
    """
    classes = _classes(suitable_classes)
    limits = _limits(elevation, min_elevation_m, max_elevation_m)
    codes = _preset(iucn_preset)
    db = _open(store)
    area_crs = db.config.crs
    lc_info = read_raster_info(landcover, role="landcover")
    dem_info = read_raster_info(elevation, role="elevation") if elevation is not None else None
    grid = _grid_of(lc_info)
    kept = select_range(db.read(LayerKind.RANGES), range_period, codes=codes)
    range_geom = union_polygons(in_crs(kept, grid.crs))
    require_overlap(range_geom, grid, range_period)
    zones = aoh_zones(
        range_geom,
        kept,
        db.optional(LayerKind.RANGE_STATES),
        db.optional(LayerKind.PROTECTED_AREAS),
        grid.crs,
    )
    out_dir = _out_dir(out)
    raster = out_dir / "aoh.tif"
    others = {"elevation": (dem_info, "bilinear")} if dem_info else {}
    with (
        AlignedRasters(lc_info, others) as rasters,
        RasterWriter(
            raster, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height
        ) as writer,
    ):
        result = aoh_blocks(rasters, writer, grid, range_geom, classes, limits, zones, area_crs, block_size)
        resampling = rasters.resampling("elevation") if dem_info else None
    registered = _register(
        db,
        [
            (lc_info, "landcover"),
            *([(dem_info, "elevation")] if dem_info else []),
            (read_raster_info(raster, role="aoh"), "aoh"),
        ],
        "habitat aoh",
    )
    summary = aoh_summary(result, kept, area_crs, grid, range_period, classes, limits, codes)
    summary["inputs"] = _inputs_json(
        [
            (lc_info, "landcover", "reference grid"),
            *([(dem_info, "elevation", resampling)] if dem_info else []),
        ]
    )
    summary.update(
        analysis_crs=db.config.analysis_crs,
        store=db.shown,
        registered_in_store=registered,
        tool_version=__version__,
    )
    manifest = _write_manifest(out_dir, "aoh_manifest.json", {**summary, "outputs": {"raster": str(raster)}})
    return HabitatReport("habitat aoh", summary, {"raster": raster, "manifest": manifest})


def _classes(values: Iterable[int]) -> tuple[int, ...]:
    try:
        classes = tuple(sorted({int(v) for v in values}))
    except (TypeError, ValueError):
        raise AnalysisError(
            f"suitable classes {values!r} are not whole numbers; give class values such as "
            f"--suitable-classes 1,2."
        ) from None
    if not classes:
        raise AnalysisError(
            "no suitable land-cover class was given; name at least one class value, e.g. "
            "--suitable-classes 1,2."
        )
    return classes


def _limits(
    elevation: str | os.PathLike | None, min_m: float | None, max_m: float | None
) -> ElevationLimits | None:
    if elevation is None:
        if min_m is not None or max_m is not None:
            raise AnalysisError(
                f"elevation limits ({min_m}, {max_m}) were given without an elevation raster; "
                f"add --elevation PATH, or leave out the limits."
            )
        return None
    return ElevationLimits(min_m, max_m)


def _preset(name: str) -> IucnCodes:
    if name not in IUCN_PRESETS:
        raise AnalysisError(f"IUCN preset {name!r} is not known; use one of {', '.join(IUCN_PRESETS)}.")
    return IUCN_PRESETS[name]


# -- Suitability ----------------------------------------------------------------------------------------

RESERVED_INPUTS = ("landcover", "elevation", WATER_INPUT)


def habitat_suitability(
    landcover: str | os.PathLike,
    *,
    out: str | os.PathLike,
    store: StoreLike = None,
    elevation: str | os.PathLike | None = None,
    covariates: Mapping[str, str | os.PathLike] | None = None,
    weights: str | os.PathLike | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> HabitatReport:
    """Habitat suitability 0-1 on the land-cover grid (``deerhabitat habitat suitability``).

    The model and its weights come from a TOML file (default: the bundled Bukhara deer model, see
    :mod:`deerhabitat.analysis.habitat.suitability`). Distance to water is computed from the store's
    rivers layer when the model uses ``distance_to_water_km``.

    Parameters
    ----------
    landcover : path-like
        Land-cover GeoTIFF; it defines the grid.
    out : path-like
        Output folder: ``suitability.tif`` (float32 0-1, NaN = no data), ``distance_to_water_km.tif``
        (when used) and ``suitability_manifest.json``.
    store : path-like, optional
        The store (rivers layer; raster registry).
    elevation : path-like, optional
        Elevation GeoTIFF in metres (bilinear onto the grid).
    covariates : mapping of str to path-like, optional
        Other continuous rasters by input name, as the weights file names them (bilinear onto the grid).
    weights : path-like, optional
        A TOML weights file laid out as the bundled ``suitability.toml``.
    block_size : int
        Block edge in pixels.

    Returns
    -------
    HabitatReport
        Summary: ``mean_suitability``, ``suitable_km2`` (suitability >= 0.5), ``valid_km2``,
        ``area_by_suitability_km2``, the model and the inputs used.
    """
    model, weights_info = _model(weights)
    db = _open(store)
    area_crs = db.config.crs
    lc_info = read_raster_info(landcover, role="landcover")
    others = _continuous_inputs(elevation, covariates)
    _require_inputs(model, set(others) | {"landcover", WATER_INPUT})
    segments = (
        river_segments(in_crs(db.read(LayerKind.RIVERS), area_crs).geometry.values)
        if WATER_INPUT in model.inputs
        else None
    )
    grid, out_dir = _grid_of(lc_info), _out_dir(out)
    paths = {"raster": out_dir / "suitability.tif"}
    if segments is not None:
        paths["distance_to_water"] = out_dir / f"{WATER_INPUT}.tif"
    writers = {
        k: RasterWriter(p, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height)
        for k, p in paths.items()
    }
    with (
        AlignedRasters(lc_info, {k: v for k, v in others.items() if k in model.inputs}) as rasters,
        writers["raster"],
        _maybe(writers.get("distance_to_water")),
    ):
        tally = suitability_blocks(rasters, writers, grid, model, segments, area_crs, block_size)
        how = {name: rasters.resampling(name) for name in rasters.others}
    used = [(info, name) for name, (info, _) in others.items() if name in model.inputs]
    registered = _register(
        db,
        [
            (lc_info, "landcover"),
            *used,
            *[
                (read_raster_info(p), "suitability" if role == "raster" else role)
                for role, p in paths.items()
            ],
        ],
        "habitat suitability",
    )
    summary = {
        **tally.summary(),
        "model": model.describe(),
        "weights_file": weights_info,
        "inputs": _inputs_json(
            [(lc_info, "landcover", "reference grid"), *[(info, name, how[name]) for info, name in used]]
        ),
        "distance_to_water_from": "the store's rivers layer" if segments is not None else None,
        "grid": {k: v for k, v in grid.describe().items() if k != "crs"},
        "analysis_crs": db.config.analysis_crs,
        "store": db.shown,
        "registered_in_store": registered,
        "tool_version": __version__,
    }
    manifest = _write_manifest(
        out_dir, "suitability_manifest.json", {**summary, "outputs": {k: str(v) for k, v in paths.items()}}
    )
    return HabitatReport("habitat suitability", summary, {**paths, "manifest": manifest})


def _maybe(context: RasterWriter | None) -> contextlib.AbstractContextManager:
    return context if context is not None else contextlib.nullcontext()


def _model(weights: str | os.PathLike | None) -> tuple[SuitabilityModel, dict | None]:
    if weights is None:
        return default_suitability_model(), None
    data = _read_toml(weights)
    from deerhabitat.io import file_sha256

    return parse_suitability_model(data, origin=str(weights)), {
        "path": str(weights),
        "sha256": file_sha256(weights),
    }


def _read_toml(path: str | os.PathLike) -> dict:
    return read_toml(path, what="weights", template="suitability.toml")


def _continuous_inputs(
    elevation: str | os.PathLike | None, covariates: Mapping[str, str | os.PathLike] | None
) -> dict[str, tuple[RasterInfo, str]]:
    others = {}
    if elevation is not None:
        others["elevation"] = (read_raster_info(elevation, role="elevation"), "bilinear")
    for name, path in sorted((covariates or {}).items()):
        if not str(name).isidentifier() or name in RESERVED_INPUTS:
            raise AnalysisError(
                f"covariate name {name!r} is not allowed; use a simple name (letters, digits, "
                f"underscores) other than {', '.join(RESERVED_INPUTS)}, e.g. "
                f"--covariate groundwater_m=gw.tif."
            )
        others[name] = (read_raster_info(path, role=f"covariate {name}"), "bilinear")
    return others


def _require_inputs(model: SuitabilityModel, available: set[str]) -> None:
    missing = [name for name in model.inputs if name not in available]
    if missing:
        raise ConfigError(
            f"the suitability model {model.name!r} needs the input(s) {', '.join(missing)}, which were not "
            f"given (given: {', '.join(sorted(available))}). Give them (--elevation PATH, --covariate "
            f"NAME=PATH), or remove those components from the weights file (--weights)."
        )


# -- Zonal statistics -----------------------------------------------------------------------------------

DEFAULT_SITE_BUFFER_M = 5000.0


def habitat_zonal(
    raster: str | os.PathLike,
    *,
    zones: str = "ranges",
    out: str | os.PathLike | None = None,
    store: StoreLike = None,
    period: str | None = None,
    buffer_m: float | None = None,
    categorical: bool = False,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> HabitatReport:
    """Summarise a raster over ranges, protected areas, range states or site buffers (``habitat zonal``).

    Exact cell-coverage fractions; see :mod:`deerhabitat.analysis.habitat.zonal` for the definitions.

    Parameters
    ----------
    raster : path-like
        The GeoTIFF analysed (band 1).
    zones : {"ranges", "protected-areas", "sites", "range-states"}
        The layer whose features are the zones.
    out : path-like, optional
        Folder for ``zonal.csv`` and ``zonal_manifest.json``.
    store : path-like, optional
        The store.
    period : str, optional
        With ``ranges``: only the polygons of this period.
    buffer_m : float, optional
        Buffer (metres, in the analysis CRS) drawn around each zone; sites default to 5,000 m.
    categorical : bool, default False
        Add the share of each class value.
    block_size : int
        Block edge in pixels.

    Returns
    -------
    HabitatReport
        ``table``: one row per zone (id, ``name``, statistics); summary ``rows`` holds the same.
    """
    id_column = _zone_id(zones)
    db = _open(store)
    area_crs = db.config.crs
    info = read_raster_info(raster, role="zonal")
    grid = _grid_of(info)
    frame, buffer_m = _zone_frame(db, zones, period, buffer_m, area_crs)
    geoms = {
        str(k): polygonal(shapely.make_valid(g))
        for k, g in zip(frame[id_column], frame.to_crs(grid.crs).geometry.values, strict=True)
    }
    with AlignedRasters(info, reference_name="values") as rasters:
        stats = zonal_blocks(rasters, grid, geoms, area_crs, categorical, block_size)
    table = zonal_table(
        {k: stats.get(k, ZonalStats()) for k in geoms}, id_column=id_column, categorical=categorical
    )
    names = dict(zip(frame[id_column].astype(str), frame["name"].astype(str), strict=True))
    table.insert(1, "name", table[id_column].map(names))
    summary = {
        "zones": zones,
        "id_column": id_column,
        "period": period,
        "buffer_m": buffer_m,
        "categorical": categorical,
        "raster": {**info.describe(), "sha256": _sha(info)},
        "analysis_crs": db.config.analysis_crs,
        "rows": json.loads(table.to_json(orient="records")),
        "store": db.shown,
        "tool_version": __version__,
    }
    outputs = {}
    if out is not None:
        out_dir = _out_dir(out)
        outputs["table"] = out_dir / "zonal.csv"
        write_frame_csv(table, outputs["table"])
        outputs["manifest"] = _write_manifest(out_dir, "zonal_manifest.json", summary)
    summary["registered_in_store"] = _register(db, [(info, "zonal")], "habitat zonal")
    return HabitatReport("habitat zonal", summary, outputs, table)


def _sha(info: RasterInfo) -> str:
    from deerhabitat.io import file_sha256

    return file_sha256(info.path)


def _zone_id(zones: str) -> str:
    if zones not in ZONE_KINDS:
        raise AnalysisError(f"zones {zones!r} is not a zone layer; use one of {', '.join(ZONE_KINDS)}.")
    return ZONE_KINDS[zones]


def _zone_frame(
    db: StoreSource, zones: str, period: str | None, buffer_m: float | None, area_crs: pyproj.CRS
) -> tuple[gpd.GeoDataFrame, float | None]:
    frame = db.read(LayerKind.parse(zones))
    if period is not None:
        if zones != "ranges":
            raise AnalysisError(
                f"--period {period!r} applies to range zones only, not to {zones!r}; leave it "
                f"out or use --zones ranges."
            )
        periods = sorted(set(frame["period"].astype(str)))
        frame = frame[frame["period"].astype(str) == str(period)]
        if frame.empty:
            raise AnalysisError(
                f"the ranges layer has no polygon of period {period!r}; periods in the store: "
                f"{', '.join(periods) or 'none'}."
            )
    if zones == "sites" and buffer_m is None:
        buffer_m = DEFAULT_SITE_BUFFER_M
    if buffer_m is not None and not (np.isfinite(buffer_m) and buffer_m > 0):
        raise AnalysisError(
            f"buffer_m={buffer_m!r}; a buffer must be a distance above 0 metres, e.g. --buffer-m 5000."
        )
    frame = in_crs(frame, area_crs)
    if frame.empty:
        raise AnalysisError(
            f"the {zones!r} layer has no feature with a geometry to use as a zone; import features first."
        )
    if buffer_m is not None:
        frame = frame.set_geometry(frame.geometry.buffer(buffer_m, quad_segs=32))
    return frame.sort_values(ZONE_KINDS[zones]).reset_index(drop=True), buffer_m


# -- Candidate sites ------------------------------------------------------------------------------------


def habitat_candidates(
    *,
    out: str | os.PathLike,
    store: StoreLike = None,
    suitability: str | os.PathLike | None = None,
    min_suitability: float = 0.5,
    landcover: str | os.PathLike | None = None,
    suitable_classes: Iterable[int] | None = None,
    range_period: str = "historical",
    min_area_km2: float = 10.0,
    min_distance_km: float = 20.0,
    weights: str | os.PathLike | None = None,
) -> HabitatReport:
    """Find and rank candidate reintroduction sites (``deerhabitat habitat candidates``).

    See :mod:`deerhabitat.analysis.habitat.candidates` for the recipe and the ranking.

    Suitable pixels are either ``suitability >= min_suitability`` (a suitability raster) or land cover in
    ``suitable_classes`` (a land-cover raster); give exactly one of the two rasters. The raster is read
    whole (it must fit in memory).

    Parameters
    ----------
    out : path-like
        Folder for ``candidates.gpkg`` (layer ``candidates``, EPSG:4326), ``candidates.geojson``,
        ``candidates.csv`` and ``candidates_manifest.json``.
    store : path-like, optional
        The store (ranges, sites, protected areas).
    suitability : path-like, optional
        Suitability GeoTIFF (0-1), e.g. from ``habitat suitability``.
    min_suitability : float, default 0.5
        Threshold on the suitability raster.
    landcover : path-like, optional
        Land-cover GeoTIFF, with ``suitable_classes``.
    suitable_classes : iterable of int, optional
        Land-cover classes that are suitable.
    range_period : str, default "historical"
        The period whose range candidates must lie in.
    min_area_km2, min_distance_km : float
        Smallest candidate (km²) and distance from every wild population (km).
    weights : path-like, optional
        TOML file with ``[candidates.weights]`` (area, protection, proximity); default the bundled one.

    Returns
    -------
    HabitatReport
        ``table``: the candidates (GeoDataFrame in EPSG:4326), best first.
    """
    chosen = _candidate_weights(weights)
    criteria = (
        CandidateCriteria(min_area_km2, min_distance_km)
        if chosen is None
        else CandidateCriteria(min_area_km2, min_distance_km, chosen)
    )
    path, role = _candidate_raster(suitability, landcover, suitable_classes, min_suitability)
    db = _open(store)
    area_crs = db.config.crs
    with task(message("progress.candidates"), total=5) as advance:
        values, valid, info = read_raster(path, role=role)
        grid = _grid_of(info)
        mask = valid & (
            values >= min_suitability
            if role == "suitability"
            else np.isin(values, _classes(suitable_classes or ()))
        )
        advance(1)
        patches = habitat_patches(mask, grid).to_crs(area_crs)
        advance(1)
        ranges = db.in_area_crs(LayerKind.RANGES)
        if ranges is None:  # no ranges layer: the error (or the empty layer) of Store.read
            ranges = in_crs(db.read(LayerKind.RANGES), area_crs)
        range_geom = union_polygons(select_range(ranges, range_period))
        sites = db.in_area_crs(LayerKind.SITES)
        if sites is None:
            sites = in_crs(db.read(LayerKind.SITES, missing_ok=True), area_crs)
        pas = db.in_area_crs(LayerKind.PROTECTED_AREAS)
        protected = union_polygons(pas) if pas is not None else None
        frame = candidate_sites(
            patches, historical_range=range_geom, sites=sites, protected=protected, criteria=criteria
        )
        advance(1)
        if role == "suitability":
            frame = with_mean_suitability(frame, values, valid, grid, area_crs, criteria)
        advance(1)
        outputs = _write_candidates(frame, _out_dir(out))
        advance(1)
    summary = {
        "n_candidates": len(frame),
        "range_period": range_period,
        "criteria": {
            "min_area_km2": min_area_km2,
            "min_distance_km": min_distance_km,
            "weights": criteria.normalised_weights(),
            "suitable_pixels": (
                f"suitability >= {min_suitability:g}"
                if role == "suitability"
                else f"land-cover class in {list(_classes(suitable_classes or ()))}"
            ),
        },
        "raster": {**info.describe(), "sha256": _sha(info), "role": role},
        "candidates": json.loads(pd.DataFrame(frame.drop(columns="geometry")).to_json(orient="records")),
        "analysis_crs": db.config.analysis_crs,
        "store": db.shown,
        "tool_version": __version__,
    }
    outputs["manifest"] = _write_manifest(Path(out), "candidates_manifest.json", summary)
    summary["registered_in_store"] = _register(db, [(info, role)], "habitat candidates")
    return HabitatReport("habitat candidates", summary, outputs, frame.to_crs(4326))


def _candidate_weights(weights: str | os.PathLike | None) -> dict[str, float] | None:
    if weights is None:
        from importlib import resources

        text = resources.files("deerhabitat.analysis.habitat").joinpath("suitability.toml").read_text("utf-8")
        return parse_candidate_weights(tomllib.loads(text), origin="bundled suitability.toml")
    return parse_candidate_weights(_read_toml(weights), origin=str(weights))


def _candidate_raster(
    suitability: str | os.PathLike | None,
    landcover: str | os.PathLike | None,
    classes: Iterable[int] | None,
    threshold: float,
) -> tuple[str | os.PathLike, str]:
    if (suitability is None) == (landcover is None):
        raise AnalysisError(
            "give exactly one of --suitability PATH (with --min-suitability) or --landcover "
            "PATH (with --suitable-classes); got "
            f"{'both' if suitability is not None else 'neither'}."
        )
    if suitability is not None:
        if not (np.isfinite(threshold) and 0 <= threshold <= 1):
            raise AnalysisError(f"--min-suitability {threshold!r} is outside 0-1; give e.g. 0.5.")
        return suitability, "suitability"
    if classes is None:
        raise AnalysisError(
            "--landcover needs --suitable-classes (e.g. 1,2) to say which classes are suitable."
        )
    assert landcover is not None  # exactly one of the two was given
    return landcover, "landcover"


def _write_candidates(frame: gpd.GeoDataFrame, out_dir: Path) -> dict[str, Path]:
    lonlat = frame.to_crs(4326)
    centroids = frame.geometry.centroid.to_crs(4326)
    table = pd.DataFrame(lonlat.drop(columns="geometry"))
    table["centroid_lon"], table["centroid_lat"] = centroids.x.round(5), centroids.y.round(5)
    outputs = {
        "table": out_dir / "candidates.csv",
        "layer": out_dir / "candidates.gpkg",
        "geojson": out_dir / "candidates.geojson",
    }
    write_frame_csv(table, outputs["table"])
    for key in ("layer", "geojson"):
        write_vector(lonlat, outputs[key], layer_name="candidates", overwrite=True)
    return outputs


# -- Bundled sample rasters (for the Overview Report) ---------------------------------------------------

BUNDLED_ELEVATION_LIMITS_M = (None, 1500.0)
"""Elevation limits used with the bundled rasters: a lowland riparian deer, mountains (> 1,500 m) excluded."""


BUNDLED_CACHE_AREA = "bundled-habitat"
"""Folder of the cache (:mod:`deerhabitat.io.cache`) that keeps the bundled habitat rasters."""


def bundled_habitat(
    out: str | os.PathLike,
    *,
    store: StoreLike = None,
    range_period: str | None = None,
    use_cache: bool = True,
) -> dict[str, HabitatReport]:
    """AOH and suitability of the bundled sample rasters, for the Overview Report.

    They are computed once per content of the inputs and kept in the user's cache
    (:func:`deerhabitat.io.cache.cache_root`), keyed by the sha256 of the rasters, the class table, the
    store file, the settings and the habitat code and model; a later call with the same key copies
    them into ``out``. A damaged cache entry is computed again.

    Parameters
    ----------
    out : path-like
        Output folder (``aoh.tif``, ``suitability.tif``, ``distance_to_water_km.tif`` and manifests).
    store : path-like, optional
        The store (default: the bundled store).
    range_period : str, optional
        Range period for the AOH; default the latest period that is a year.
    use_cache : bool, default True
        Read and fill the cache; False always computes.

    Returns
    -------
    dict
        ``{"aoh": HabitatReport, "suitability": HabitatReport}``.
    """
    landcover = bundled_raster_path("landcover.tif")
    elevation = bundled_raster_path("elevation.tif")
    class_table = bundled_raster_path("landcover_classes.csv")
    classes = read_class_table(class_table)
    suitable = classes.loc[classes["suitable"], "value"].astype(int).tolist()
    db = _open(store)
    source: StoreLike = db.snapshot if db.snapshot is not None else db.path
    period = range_period or _latest_period(db)
    low, high = BUNDLED_ELEVATION_LIMITS_M
    out_dir = _out_dir(out)
    key = _bundled_key([landcover, elevation, class_table], db.content_key(), period, suitable)
    entry = read_entry(BUNDLED_CACHE_AREA, key) if use_cache else None
    if entry is not None:
        return _from_cache(entry, out_dir)
    aoh = habitat_aoh(
        landcover,
        range_period=period,
        suitable_classes=suitable,
        out=out_dir,
        store=source,
        elevation=elevation,
        min_elevation_m=low,
        max_elevation_m=high,
    )
    suitability = habitat_suitability(landcover, out=out_dir, store=source, elevation=elevation)
    reports = {"aoh": aoh, "suitability": suitability}
    if use_cache:
        _to_cache(BUNDLED_CACHE_AREA, key, reports)
    return reports


BUNDLED_CANDIDATES_AREA = "bundled-candidates"
"""Folder of the cache that keeps the candidate sites of the bundled suitability raster."""


def bundled_candidates(
    out: str | os.PathLike, *, suitability: str | os.PathLike, store: StoreLike = None, use_cache: bool = True
) -> HabitatReport:
    """Candidate reintroduction sites of a bundled suitability raster, for the Overview Report.

    :func:`habitat_candidates` with its default criteria and weights, computed once per content of the
    inputs (the suitability raster, the store file, the habitat code and model) and kept in the user's
    cache like the rasters of :func:`bundled_habitat`; a later call copies the files into ``out`` and
    reads the table back from ``candidates.gpkg``.

    Parameters
    ----------
    out : path-like
        Output folder (``candidates.gpkg``, ``.geojson``, ``.csv`` and ``candidates_manifest.json``).
    suitability : path-like
        The suitability raster (``bundled_habitat(...)["suitability"].outputs["raster"]``).
    store : path-like or StoreSnapshot, optional
        The store (default: the bundled store), or a snapshot of it.
    use_cache : bool, default True
        Read and fill the cache; False always computes.

    Returns
    -------
    HabitatReport
        As :func:`habitat_candidates`; ``table`` in EPSG:4326, best first.
    """
    db = _open(store)
    source: StoreLike = db.snapshot if db.snapshot is not None else db.path
    out_dir = _out_dir(out)
    key = _bundled_key([Path(suitability)], db.content_key(), "historical", [])
    entry = read_entry(BUNDLED_CANDIDATES_AREA, key) if use_cache else None
    if entry is not None:
        report = _from_cache(entry, out_dir)["candidates"]
        table = gpd.read_file(report.outputs["layer"], layer="candidates")
        dtypes = entry.payload["candidates"].get("dtypes", {})
        table = table.astype({k: v for k, v in dtypes.items() if k in table.columns and k != "geometry"})
        return HabitatReport(report.command, report.summary, report.outputs, table)
    report = habitat_candidates(out=out_dir, store=source, suitability=suitability)
    if use_cache and report.table is not None:
        dtypes = {k: str(v) for k, v in report.table.dtypes.items() if k != "geometry"}
        _to_cache(BUNDLED_CANDIDATES_AREA, key, {"candidates": report}, {"candidates": {"dtypes": dtypes}})
    return report


def _to_cache(
    area: str, key: str, reports: Mapping[str, HabitatReport], extra: Mapping[str, dict] | None = None
) -> None:
    """Keep the files and summaries of ``reports`` (and ``extra``) as the cache entry ``key`` of ``area``."""
    files = {p.name: p for report in reports.values() for p in report.outputs.values()}
    payload = {
        name: {
            "command": r.command,
            "summary": r.summary,
            "outputs": {k: p.name for k, p in r.outputs.items()},
        }
        for name, r in reports.items()
    }
    for name, more in (extra or {}).items():
        payload[name].update(more)
    write_entry(area, key, files, json.loads(json.dumps(payload, default=str)))


def _from_cache(entry: CacheEntry, out_dir: Path) -> dict[str, HabitatReport]:
    """Copy a cache entry's files into ``out_dir``; its manifests then name the files in ``out_dir``."""
    for name, path in entry.files.items():
        shutil.copyfile(path, out_dir / name)
    reports = {
        name: HabitatReport(
            report["command"], report["summary"], {k: out_dir / v for k, v in report["outputs"].items()}
        )
        for name, report in entry.payload.items()
    }
    for report in reports.values():
        if "manifest" in report.outputs:
            _relocate_manifest(report.outputs["manifest"], report.outputs)
    return reports


def _relocate_manifest(path: Path, outputs: Mapping[str, Path]) -> None:
    """Point the ``outputs`` of a manifest copied from the cache at the files beside it."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    recorded = manifest.get("outputs")
    if isinstance(recorded, dict):
        manifest["outputs"] = {
            k: str(outputs.get(k, path.parent / Path(str(v)).name)) for k, v in recorded.items()
        }
        _write_manifest(path.parent, path.name, manifest)


def _bundled_key(inputs: list[Path], store_key: str, period: str, suitable: list[int]) -> str:
    """What decides the bundled habitat rasters: input files, store content, settings, code and model.

    ``store_key`` is :meth:`deerhabitat.io.store.Store.content_key` (the file's sha256 for a GeoPackage).
    """
    from importlib import resources

    from deerhabitat.io import file_sha256

    code = resources.files("deerhabitat.analysis.habitat")
    sources = sorted(
        (p.name, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in code.iterdir()
        if p.name.endswith((".py", ".toml"))
    )
    return cache_key(
        {
            "inputs": [*(file_sha256(p) for p in inputs), store_key],
            "range_period": period,
            "suitable_classes": suitable,
            "elevation_limits_m": BUNDLED_ELEVATION_LIMITS_M,
            "analysis_code": sources,
            "workflow_code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
            "tool_version": __version__,
        }
    )


def _latest_period(db: StoreSource) -> str:
    periods = period_order(db.read(LayerKind.RANGES)["period"].astype(str))
    latest = latest_period(periods)
    if latest is None:
        raise AnalysisError(
            f"the ranges layer has no period that is a year (periods: {', '.join(periods) or 'none'}); "
            f"give range_period explicitly."
        )
    return latest


def habitat_rasters(*, store: str | os.PathLike | None = None) -> pd.DataFrame:
    """List the rasters registered in the store (``deerhabitat habitat rasters``), by role and path."""
    return Store(resolve_store(store).path).rasters()
