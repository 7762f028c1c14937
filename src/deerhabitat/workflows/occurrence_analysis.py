"""The analyses of an ``occurrences`` layer, in one pass over its batches (part of ``deerhabitat analyze``).

Each batch of occurrences (EPSG:4326, as stored) is

1. counted per year by range state, protected area and range period in the store's CRS
   (:class:`~deerhabitat.analysis.OccurrenceTally`);
2. if it holds telemetry fixes with an ``animal_id``, their coordinates in the analysis CRS are kept per
   animal (two numbers per fix) for the home ranges (:func:`~deerhabitat.analysis.home_range_table`);
3. sampled on the latest suitability raster registered in the store (Boyce index: counts per window,
   :mod:`~deerhabitat.analysis.habitat_use`) and on the latest Area of Habitat raster (point prevalence).

With an :class:`~deerhabitat.analysis.engine.EngineOptions` (``analyze --workers N`` or ``--scheduler``),
the per-protected-area counts (and the yearly inside/outside protected areas totals) are computed by
:func:`deerhabitat.analysis.engine.count_points_in_polygons` over the store's GeoParquet files instead
of in the pass (same polygons, same rule: a point on a boundary is inside, a point in overlapping areas
counts once per area and once in the total); the result is the same table.

Only counts and per-animal coordinates are kept between batches, so a layer of millions of records is
never held whole. The rasters are read whole (they are the grids ``deerhabitat habitat`` wrote). Home
ranges are published as areas only: no fix position leaves this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat_use import (
    DEFAULT_STEPS,
    BoyceWindows,
    PrevalenceTally,
    boyce_from_counts,
    boyce_windows,
    model_prevalence,
    sample_grid,
)
from deerhabitat.analysis.home_range import DEFAULT_PERCENT, MIN_FIXES, home_range_table
from deerhabitat.analysis.join import point_xy
from deerhabitat.analysis.occurrence_summary import (
    BY_PROTECTED_AREA_COLUMNS,
    OccurrenceTally,
    OccurrenceZones,
)
from deerhabitat.analysis.protection import repair_polygons
from deerhabitat.errors import DeerHabitatError
from deerhabitat.i18n import message
from deerhabitat.io.datasets import iter_occurrences
from deerhabitat.io.raster import read_raster
from deerhabitat.io.snapshot import StoreSnapshot
from deerhabitat.progress import track
from deerhabitat.schema import LayerKind

if TYPE_CHECKING:
    from deerhabitat.analysis.engine import EngineOptions

OCCURRENCE_TABLES = (
    "occurrences_by_year",
    "occurrences_by_country_year",
    "occurrences_by_protected_area_year",
    "occurrences_by_range_period_year",
    "home_ranges",
    "habitat_use",
)
"""Names of the occurrence tables, in output order."""

HABITAT_USE_COLUMNS = [
    "measure",
    "raster",
    "value",
    "expected",
    "n_points",
    "n_used",
    "n_outside_raster",
    "n_no_value",
    "note",
]

OCCURRENCE_METHODS = {
    "occurrences_counts": (
        "An occurrence is one record (observation, camera-trap detection, telemetry fix, specimen, sign), "
        "whatever its count; its year is the year of its date. Points are tested against the polygons in "
        "the store's CRS (EPSG:4326); a point on a boundary is inside. A point in overlapping protected "
        "areas counts once for each area and once in inside_protected_areas; iso3 null = in no range state."
    ),
    "home_ranges": (
        "Per animal, from its telemetry fixes in the analysis CRS: mcp_km2 = convex hull of the 95 % of "
        "fixes nearest their mean centre (adehabitatHR mcp); kde_km2 = area of the grid cells of the 95 % "
        "volume isopleth of a Gaussian kernel density (scipy gaussian_kde, kernel covariance = fixes' "
        "covariance x href^2, href = n^(-1/6)). At least 5 fixes; areas only, no position."
    ),
    "boyce_index": (
        "Continuous Boyce index (Hirzel et al. 2006): 101 windows a tenth of the suitability range wide "
        "slide from the lowest to the highest suitability; F = share of occurrences / share of the raster's "
        "valid pixels in each window; the index is the Spearman correlation of F with the window position "
        "(+1: occurrences ever more frequent where suitability is higher; 0: no better than chance)."
    ),
    "aoh_point_prevalence": (
        "Brooks et al. 2019: point prevalence = share of the occurrences inside the range (non-NaN pixels "
        "of the AOH raster) that fall on an AOH pixel (value > 0); expected = model prevalence, the share "
        "of the range's pixels that are AOH. Above expected: the AOH tells habitat better than chance."
    ),
}


@dataclass
class _RasterSample:
    """A raster read for sampling: values, data mask, grid, and a transformer from EPSG:4326."""

    path: Path
    values: np.ndarray
    valid: np.ndarray
    grid: Grid
    to_grid: pyproj.Transformer

    def sample(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.to_grid.transform(lon, lat)
        return sample_grid(self.values, self.valid, self.grid, np.asarray(x), np.asarray(y))


@dataclass
class OccurrenceAnalysis:
    """The occurrence analyses of a store.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        One table per name of :data:`OCCURRENCE_TABLES`.
    n_occurrences : int
        Records read.
    notes : list of str
        What could not be computed and why.
    """

    tables: dict[str, pd.DataFrame]
    n_occurrences: int
    notes: list[str] = field(default_factory=list)

    def to_json(self, records: Any) -> dict[str, Any]:
        """The ``occurrences`` object of ``analyze --json`` (``records`` turns a table into JSON rows)."""
        use = {row["measure"]: row for row in records(self.tables["habitat_use"])}
        return {
            "assessable": True,
            "n_occurrences": self.n_occurrences,
            "by_year": records(self.tables["occurrences_by_year"]),
            "by_country_year": records(self.tables["occurrences_by_country_year"]),
            "by_protected_area_year": records(self.tables["occurrences_by_protected_area_year"]),
            "by_range_period_year": records(self.tables["occurrences_by_range_period_year"]),
            "home_ranges": records(self.tables["home_ranges"]),
            "boyce_index": use.get("boyce_index"),
            "aoh_point_prevalence": use.get("aoh_point_prevalence"),
            "methods": dict(OCCURRENCE_METHODS),
            "notes": list(self.notes),
        }


def analyze_occurrences(
    batches: Iterable[gpd.GeoDataFrame],
    layers: Mapping[str, gpd.GeoDataFrame],
    analysis_crs: pyproj.CRS,
    rasters: pd.DataFrame | None = None,
    *,
    engine: EngineOptions | None = None,
    files: Sequence[str | os.PathLike] = (),
) -> OccurrenceAnalysis:
    """Count, home ranges and habitat use of the occurrences, in one pass over ``batches``.

    Parameters
    ----------
    batches : iterable of geopandas.GeoDataFrame
        The occurrences layer in batches, EPSG:4326 (``date``, ``kind``, optional ``animal_id``).
    layers : mapping of str to geopandas.GeoDataFrame
        ``range-states``, ``protected-areas`` and ``ranges`` in EPSG:4326 (missing: empty).
    analysis_crs : pyproj.CRS
        The store's equal-area CRS (home ranges).
    rasters : pandas.DataFrame, optional
        The store's raster registry (``role``, ``path``, ``time_utc``): the latest ``suitability``
        and ``aoh`` rasters whose files exist are used.
    engine : EngineOptions, optional
        When given, the per-protected-area counts are computed on the engine over ``files``
        (the GeoParquet files holding the same records as ``batches``) rather than in the pass.
    files : sequence of path-like
        The occurrences' GeoParquet files (:func:`deerhabitat.io.datasets.occurrence_files`); used
        only with ``engine``.

    Returns
    -------
    OccurrenceAnalysis
    """
    notes: list[str] = []
    protected_areas = _layer(layers, "protected-areas", "pa_id")
    zones = OccurrenceZones(
        _layer(layers, "range-states", "iso3"),
        protected_areas if engine is None else _layer({}, "protected-areas", "pa_id"),
        _layer(layers, "ranges", "period"),
    )
    tally = OccurrenceTally(zones)
    suitability = _open_raster(rasters, "suitability", notes)
    aoh = _open_raster(rasters, "aoh", notes)
    windows = _windows(suitability, notes)
    boyce_observed = np.zeros(len(windows.starts), dtype=np.int64) if windows is not None else None
    boyce_points = PrevalenceTally()
    prevalence = PrevalenceTally()
    fixes: dict[str, list[np.ndarray]] = {}
    to_area = pyproj.Transformer.from_crs("EPSG:4326", analysis_crs, always_xy=True)
    for batch in track(batches, message("progress.occurrences")):
        if len(batch) == 0:
            continue
        tally.add(batch)
        lon, lat = point_xy(batch.geometry.to_numpy())
        _keep_fixes(batch, lon, lat, to_area, fixes)
        if suitability is not None and windows is not None and boyce_observed is not None:
            sampled, on = suitability.sample(lon, lat)
            boyce_points.add(sampled, on)
            boyce_observed += windows.counts(sampled)
        if aoh is not None:
            prevalence.add(*aoh.sample(lon, lat))
    by_year, by_protected_area = tally.by_year(), tally.by_protected_area()
    if engine is not None:
        by_year, by_protected_area = _engine_protected_area_counts(files, protected_areas, by_year, engine)
    tables = {
        "occurrences_by_year": by_year,
        "occurrences_by_country_year": tally.by_country(),
        "occurrences_by_protected_area_year": by_protected_area,
        "occurrences_by_range_period_year": tally.by_range_period(),
        "home_ranges": home_range_table({k: np.concatenate(v) for k, v in fixes.items()}),
        "habitat_use": pd.DataFrame(
            [
                _boyce_row(suitability, windows, boyce_observed, boyce_points),
                _prevalence_row(aoh, prevalence),
            ],
            columns=HABITAT_USE_COLUMNS,
        ),
    }
    if not fixes:
        notes.append(
            f"no telemetry fixes with an animal_id: no home ranges (at least {MIN_FIXES} fixes of one animal "
            f"are needed for a {DEFAULT_PERCENT:g} % MCP or KDE)"
        )
    return OccurrenceAnalysis(tables, tally.n_points, notes)


# -- steps -------------------------------------------------------------------------------------------


def _engine_protected_area_counts(
    files: Sequence[str | os.PathLike],
    protected_areas: gpd.GeoDataFrame,
    by_year: pd.DataFrame,
    engine: EngineOptions,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Occurrences per protected area and year, and ``by_year``'s inside/outside columns, on the engine.

    The polygons are the repaired protected areas (as :class:`OccurrenceZones` repairs them) and, last,
    their union (a point in overlapping areas is inside protected areas once).
    """
    from deerhabitat.analysis.engine import count_points_in_polygons
    from deerhabitat.io.geoparquet import point_partitions

    if not files or not len(protected_areas) or not len(by_year):
        return by_year, pd.DataFrame({c: pd.Series([], dtype=object) for c in BY_PROTECTED_AREA_COLUMNS})
    geoms = repair_polygons(protected_areas.geometry.to_numpy())
    polygons = gpd.GeoSeries([*geoms, shapely.union_all(geoms)], crs=protected_areas.crs)
    source = point_partitions([Path(f) for f in files], "date")
    if source.crs is not None and polygons.crs is not None and source.crs != polygons.crs:
        polygons = polygons.to_crs(source.crs)
    counts = count_points_in_polygons(source, polygons, options=engine)
    n_areas = len(geoms)
    union = counts[counts["polygon"] == n_areas]
    inside = {_year_key(y): int(c) for y, c in zip(union["year"], union["count"], strict=True)}
    by_year = by_year.copy()
    by_year["inside_protected_areas"] = pd.Series(
        [inside.get(_year_key(y), 0) for y in by_year["year"]], index=by_year.index, dtype="int64"
    )
    by_year["outside_protected_areas"] = by_year["occurrences"] - by_year["inside_protected_areas"]
    by_year["protected_fraction"] = by_year["inside_protected_areas"] / by_year["occurrences"]
    per_area = counts[counts["polygon"] < n_areas]
    if not len(per_area):
        return by_year, pd.DataFrame({c: pd.Series([], dtype=object) for c in BY_PROTECTED_AREA_COLUMNS})
    at = per_area["polygon"].to_numpy()
    table = pd.DataFrame(
        {
            "pa_id": protected_areas["pa_id"].astype(str).to_numpy()[at],
            "name": protected_areas["name"].astype(str).to_numpy()[at]
            if "name" in protected_areas.columns
            else "",
            "year": per_area["year"].astype("Int64").to_numpy(),
            "occurrences": per_area["count"].astype("int64").to_numpy(),
        }
    )
    table["year"] = table["year"].astype("Int64")
    table = table.sort_values(["year", "pa_id"], kind="stable", na_position="last").reset_index(drop=True)
    return by_year, table[BY_PROTECTED_AREA_COLUMNS]


def _year_key(year: Any) -> int | None:
    return None if pd.isna(year) else int(year)


def _layer(layers: Mapping[str, gpd.GeoDataFrame], kind: str, key: str) -> gpd.GeoDataFrame:
    frame = layers.get(kind)
    if frame is None or len(frame) == 0:
        return gpd.GeoDataFrame({key: pd.Series([], dtype=object)}, geometry=[], crs="EPSG:4326")
    return frame


def _keep_fixes(
    batch: gpd.GeoDataFrame,
    lon: np.ndarray,
    lat: np.ndarray,
    to_area: pyproj.Transformer,
    fixes: dict[str, list[np.ndarray]],
) -> None:
    if "animal_id" not in batch.columns:
        return
    telemetry = (batch["kind"].astype("string") == "telemetry").fillna(False).to_numpy(bool)
    keep = telemetry & batch["animal_id"].notna().to_numpy() & np.isfinite(lon) & np.isfinite(lat)
    if not keep.any():
        return
    x, y = to_area.transform(lon[keep], lat[keep])
    xy = np.column_stack([x, y])
    animals = batch["animal_id"].astype(str).to_numpy()[keep]
    for animal in np.unique(animals):
        fixes.setdefault(str(animal), []).append(xy[animals == animal])


def _open_raster(rasters: pd.DataFrame | None, role: str, notes: list[str]) -> _RasterSample | None:
    if rasters is None or len(rasters) == 0 or "role" not in rasters.columns:
        notes.append(f"no {role} raster registered in the store: its habitat-use measure is not assessable")
        return None
    rows = rasters[rasters["role"] == role]
    if "time_utc" in rows.columns:
        rows = rows.sort_values("time_utc", kind="stable")
    paths = [Path(p) for p in rows["path"] if Path(p).is_file()]
    if not paths:
        notes.append(f"no {role} raster registered in the store: its habitat-use measure is not assessable")
        return None
    try:
        values, valid, info = read_raster(paths[-1], role=role)
    except DeerHabitatError as exc:
        notes.append(
            f"the {role} raster could not be read ({exc}): its habitat-use measure is not assessable"
        )
        return None
    grid = Grid(info.transform, info.width, info.height, info.crs)
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", info.crs, always_xy=True)
    return _RasterSample(paths[-1], values, valid, grid, to_grid)


def _windows(suitability: _RasterSample | None, notes: list[str]) -> BoyceWindows | None:
    if suitability is None:
        return None
    values = np.asarray(suitability.values, dtype=float)[suitability.valid]
    values = values[np.isfinite(values)]
    if len(values) == 0 or values.min() == values.max():
        notes.append("the suitability raster has fewer than two distinct values: no Boyce index")
        return None
    return boyce_windows(float(values.min()), float(values.max()), steps=DEFAULT_STEPS)


def _boyce_row(
    suitability: _RasterSample | None,
    windows: BoyceWindows | None,
    observed: np.ndarray | None,
    points: PrevalenceTally,
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(HABITAT_USE_COLUMNS)
    row |= {"measure": "boyce_index", "raster": suitability.path.name if suitability else None}
    if suitability is None or windows is None or observed is None:
        return row | {"note": "not assessable: no usable suitability raster in the store"}
    values = np.asarray(suitability.values, dtype=float)[suitability.valid]
    values = values[np.isfinite(values)]
    result = boyce_from_counts(windows, observed, points.n_in_range, windows.counts(values), len(values))
    row |= {
        "value": None if np.isnan(result.index) else round(result.index, 6),
        "n_points": points.n_points,
        "n_used": points.n_in_range,
        "n_outside_raster": points.n_outside_raster,
        "n_no_value": points.n_outside_range,
        "note": "" if not np.isnan(result.index) else "not assessable: too few occurrences on the raster",
    }
    return row


def _prevalence_row(aoh: _RasterSample | None, tally: PrevalenceTally) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(HABITAT_USE_COLUMNS)
    row |= {"measure": "aoh_point_prevalence", "raster": aoh.path.name if aoh else None}
    if aoh is None:
        return row | {"note": "not assessable: no Area of Habitat raster in the store"}
    aoh_pixels, range_pixels = model_prevalence(aoh.values, aoh.valid)
    share = tally.point_prevalence
    row |= {
        "value": None if share is None else round(share, 6),
        "expected": round(aoh_pixels / range_pixels, 6) if range_pixels else None,
        "n_points": tally.n_points,
        "n_used": tally.n_in_range,
        "n_outside_raster": tally.n_outside_raster,
        "n_no_value": tally.n_outside_range,
        "note": "" if share is not None else "not assessable: no occurrence inside the range",
    }
    return row


def occurrence_batches(snapshot: StoreSnapshot) -> Iterable[gpd.GeoDataFrame] | None:
    """The store's occurrences in batches (EPSG:4326), or None when the store has no occurrence.

    The batches are read lazily from the GeoParquet files beside the store
    (:func:`deerhabitat.io.datasets.iter_occurrences`), one at a time.
    """
    if not snapshot.has(LayerKind.OCCURRENCES):
        return None
    return iter_occurrences(snapshot.path)
