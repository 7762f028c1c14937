"""Whole-raster habitat computations done block by block, and the tallies they keep.

A raster bigger than memory is read one window at a time. The loops here take a :class:`BlockReader`
(rasters aligned on one grid, read by window: :class:`deerhabitat.io.raster.AlignedRasters`) and
:class:`BlockWriter` outputs (:class:`deerhabitat.io.raster.RasterWriter`), so they never open a file
themselves; each block is computed by the array functions of :mod:`~deerhabitat.analysis.habitat.aoh`,
:mod:`~deerhabitat.analysis.habitat.suitability` and :mod:`~deerhabitat.analysis.habitat.zonal`, and the
per-block results are added up. Each loop reports its progress through :func:`deerhabitat.progress.track`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.aoh import (
    AohMode,
    AohResult,
    AohTotals,
    ElevationLimits,
    HabitatLayers,
    aoh_block,
    decide_mode,
)
from deerhabitat.analysis.habitat.grid import Grid, Window
from deerhabitat.analysis.habitat.pixel_coverage import pixel_area_km2
from deerhabitat.analysis.habitat.suitability import SuitabilityModel, suitability_scores
from deerhabitat.analysis.habitat.water import distance_to_water_km
from deerhabitat.analysis.habitat.zonal import ZonalStats, zones_block_stats
from deerhabitat.crs import is_equal_area
from deerhabitat.i18n import message
from deerhabitat.progress import track

WATER_INPUT = "distance_to_water_km"
"""Suitability input computed from the rivers rather than read from a raster."""

SUITABILITY_BINS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Edges of the suitability classes whose areas are reported."""

SUITABLE_THRESHOLD = 0.5
"""Suitability from which a pixel counts as suitable in the summary."""


class BlockReader(Protocol):
    """Rasters on one grid, read by window: ``read(name, window)`` gives values and a data mask."""

    @property
    def others(self) -> Mapping[str, object]:
        """The rasters other than the reference one, by name."""
        ...

    def read(self, name: str, window: Window) -> tuple[np.ndarray, np.ndarray]:
        """Values and data mask of raster ``name`` in ``window``."""
        ...


class BlockWriter(Protocol):
    """An output raster written by window."""

    def write(self, window: Window, array: np.ndarray) -> None:
        """Write ``array`` into ``window``."""
        ...


def rounded(value: float | None, digits: int = 6) -> float | None:
    """``value`` rounded for a JSON summary; None for None, NaN and infinities."""
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def block_area(grid: Grid, area_crs: pyproj.CRS) -> Callable[[Grid], float | np.ndarray]:
    """A function giving the pixel areas (km²) of a block: one constant on an equal-area grid."""
    if is_equal_area(grid.crs):
        constant = pixel_area_km2(grid, area_crs)
        return lambda _sub: constant
    return lambda sub: pixel_area_km2(sub, area_crs)


def touching(zones: Mapping[str, BaseGeometry], sub: Grid) -> dict[str, BaseGeometry]:
    """The zones that touch the block ``sub`` (empty zones left out)."""
    box = sub.box
    return {k: v for k, v in zones.items() if not shapely.is_empty(v) and shapely.intersects(v, box)}


def _habitat_layers(
    rasters: BlockReader, window: Window, area: float | np.ndarray, limits: ElevationLimits | None
) -> HabitatLayers:
    landcover, valid = rasters.read("landcover", window)
    elevation = None
    if limits is not None:
        values, ok = rasters.read("elevation", window)
        elevation = np.where(ok, values, np.nan).astype(np.float64)
    return HabitatLayers(landcover, valid, area, elevation)


def aoh_blocks(
    rasters: BlockReader,
    writer: BlockWriter,
    grid: Grid,
    range_geom: BaseGeometry,
    classes: tuple[int, ...],
    limits: ElevationLimits | None,
    zones: dict[str, BaseGeometry],
    area_crs: pyproj.CRS,
    block_size: int,
) -> AohResult:
    """Area of Habitat of a range over a whole grid, block by block (blocks off the range are skipped).

    Parameters
    ----------
    rasters : BlockReader
        ``landcover`` (and ``elevation`` with ``limits``) on ``grid``.
    writer : BlockWriter
        Receives the km² of AOH of each pixel of the blocks that touch the range.
    grid : Grid
        The land-cover grid.
    range_geom : shapely geometry
        The range in the grid's CRS.
    classes : tuple of int
        Suitable land-cover classes.
    limits : ElevationLimits, optional
        Elevation limits.
    zones : dict of str to geometry
        Zones (``country:UZB``, ``protected``) whose totals are kept, in the grid's CRS.
    area_crs : pyproj.CRS
        The equal-area CRS of pixel areas.
    block_size : int
        Block edge in pixels.

    Returns
    -------
    AohResult
        Totals, zone totals and the mode (fallbacks). When a fallback applies, it is known only after the
        whole range was read, and the blocks are computed and written a second time.
    """
    area_of = block_area(grid, area_crs)
    shapely.prepare(range_geom)
    totals, zone_totals = AohTotals(), {name: AohTotals() for name in zones}
    blocks = [w for w in grid.blocks(block_size) if shapely.intersects(range_geom, grid.subgrid(w).box)]
    for window in track(blocks, message("progress.aoh")):
        sub = grid.subgrid(window)
        block = aoh_block(
            _habitat_layers(rasters, window, area_of(sub), limits),
            sub,
            range_geom,
            suitable_classes=classes,
            limits=limits,
            zones=touching(zones, sub),
        )
        writer.write(window, block.pixels)
        totals.add(block.totals)
        for name, t in block.zone_totals.items():
            zone_totals[name].add(t)
    mode = decide_mode(totals, elevation_given=limits is not None)
    if mode != AohMode(use_habitat=True, use_elevation=limits is not None):
        for window in track(blocks, message("progress.aoh.fallback")):
            sub = grid.subgrid(window)
            block = aoh_block(
                _habitat_layers(rasters, window, area_of(sub), limits),
                sub,
                range_geom,
                suitable_classes=classes,
                limits=limits,
                mode=mode,
            )
            writer.write(window, block.pixels)
    return AohResult(totals, zone_totals, mode)


@dataclass
class SuitabilityTally:
    """Area-weighted totals of suitability scores, added block by block."""

    valid_km2: float = 0.0
    weighted: float = 0.0
    suitable_km2: float = 0.0
    bins: np.ndarray = field(default_factory=lambda: np.zeros(len(SUITABILITY_BINS) - 1))

    def add(self, scores: np.ndarray, area: float | np.ndarray) -> None:
        """Add a block of scores (NaN = no data) with its pixel areas (km²)."""
        ok = np.isfinite(scores)
        weight = np.broadcast_to(np.asarray(area, dtype=np.float64), scores.shape)[ok]
        values = scores[ok].astype(np.float64)
        self.valid_km2 += float(weight.sum())
        self.weighted += float((values * weight).sum())
        self.suitable_km2 += float(weight[values >= SUITABLE_THRESHOLD].sum())
        index = np.clip(np.searchsorted(SUITABILITY_BINS, values, side="right") - 1, 0, len(self.bins) - 1)
        self.bins += np.bincount(index, weights=weight, minlength=len(self.bins))

    def summary(self) -> dict:
        """Mean suitability, valid and suitable km², and the km² of each suitability class."""
        edges = SUITABILITY_BINS
        return {
            "mean_suitability": rounded(self.weighted / self.valid_km2 if self.valid_km2 else None),
            "valid_km2": rounded(self.valid_km2),
            "suitable_km2": rounded(self.suitable_km2),
            "suitable_threshold": SUITABLE_THRESHOLD,
            "area_by_suitability_km2": [
                {"from": edges[i], "to": edges[i + 1], "area_km2": rounded(a)}
                for i, a in enumerate(self.bins)
            ],
        }


def suitability_blocks(
    rasters: BlockReader,
    writers: Mapping[str, BlockWriter],
    grid: Grid,
    model: SuitabilityModel,
    segments: shapely.STRtree | None,
    area_crs: pyproj.CRS,
    block_size: int,
) -> SuitabilityTally:
    """Suitability scores over a whole grid, block by block, written to ``writers["raster"]``.

    With river ``segments``, the distance to water is computed per block, used as the model's
    ``distance_to_water_km`` input and written to ``writers["distance_to_water"]``.
    """
    area_of, tally = block_area(grid, area_crs), SuitabilityTally()
    for window in track(list(grid.blocks(block_size)), message("progress.suitability")):
        sub = grid.subgrid(window)
        inputs, valid = {}, {}
        for name in ("landcover", *rasters.others):
            inputs[name], valid[name] = rasters.read(name, window)
        if segments is not None:
            inputs[WATER_INPUT] = distance_to_water_km(sub, segments, area_crs)
            writers["distance_to_water"].write(window, inputs[WATER_INPUT])
        scores = suitability_scores(inputs, valid, model)
        writers["raster"].write(window, scores)
        tally.add(scores, area_of(sub))
    return tally


def zonal_blocks(
    rasters: BlockReader,
    grid: Grid,
    geoms: dict[str, BaseGeometry],
    area_crs: pyproj.CRS,
    categorical: bool,
    block_size: int,
) -> dict[str, ZonalStats]:
    """Statistics of the raster ``values`` over each zone, block by block (blocks off every zone skipped)."""
    area_of = block_area(grid, area_crs)
    merged: dict[str, ZonalStats] = {}
    extent = shapely.union_all(
        [shapely.box(*shapely.bounds(g)) for g in geoms.values() if not shapely.is_empty(g)]
    )
    for window in track(list(grid.blocks(block_size)), message("progress.zonal")):
        sub = grid.subgrid(window)
        if not shapely.intersects(extent, sub.box):
            continue
        values, valid = rasters.read("values", window)
        for name, stats in zones_block_stats(
            values, valid, sub, geoms, area_of(sub), categorical=categorical
        ).items():
            merged.setdefault(name, ZonalStats()).add(stats)
    return merged
