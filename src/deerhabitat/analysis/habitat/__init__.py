"""Habitat from rasters: Area of Habitat, suitability, zonal statistics and candidate reintroduction sites.

Pure computation on arrays and geometries (numpy, shapely, exactextract, rasterio array functions): nothing
here opens a file. Big rasters are computed block by block by :mod:`~deerhabitat.analysis.habitat.blocks`,
reading and writing through the rasters :mod:`deerhabitat.io.raster` opens (the workflows only open them and
write the outputs); zone geometry is in :mod:`~deerhabitat.analysis.habitat.zones`, the JSON summaries in
:mod:`~deerhabitat.analysis.habitat.summaries`.
"""

from deerhabitat.analysis.habitat.aoh import (
    IUCN_PRESETS,
    AohMode,
    AohResult,
    AohTotals,
    ElevationLimits,
    HabitatLayers,
    IucnCodes,
    aoh_block,
    area_of_habitat,
    decide_mode,
    range_zones,
    select_range,
)
from deerhabitat.analysis.habitat.blocks import (
    SUITABILITY_BINS,
    SUITABLE_THRESHOLD,
    WATER_INPUT,
    BlockReader,
    BlockWriter,
    SuitabilityTally,
    aoh_blocks,
    suitability_blocks,
    zonal_blocks,
)
from deerhabitat.analysis.habitat.candidates import (
    CandidateCriteria,
    candidate_sites,
    explain_candidates,
    habitat_patches,
    parse_candidate_weights,
    with_mean_suitability,
)
from deerhabitat.analysis.habitat.grid import DEFAULT_BLOCK_SIZE, Grid, Window
from deerhabitat.analysis.habitat.pixel_coverage import coverage_fraction, pixel_area_km2, polygonal
from deerhabitat.analysis.habitat.suitability import (
    Component,
    SuitabilityModel,
    default_suitability_model,
    parse_suitability_model,
    suitability_scores,
)
from deerhabitat.analysis.habitat.summaries import aoh_summary
from deerhabitat.analysis.habitat.water import distance_to_water_km, river_segments
from deerhabitat.analysis.habitat.zonal import (
    ZonalStats,
    block_stats,
    zonal_statistics,
    zonal_table,
    zones_block_stats,
)
from deerhabitat.analysis.habitat.zones import aoh_zones, in_crs, require_overlap, union_polygons

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "IUCN_PRESETS",
    "SUITABILITY_BINS",
    "SUITABLE_THRESHOLD",
    "WATER_INPUT",
    "AohMode",
    "AohResult",
    "AohTotals",
    "BlockReader",
    "BlockWriter",
    "CandidateCriteria",
    "Component",
    "ElevationLimits",
    "Grid",
    "HabitatLayers",
    "IucnCodes",
    "SuitabilityModel",
    "SuitabilityTally",
    "Window",
    "ZonalStats",
    "aoh_block",
    "aoh_blocks",
    "aoh_summary",
    "aoh_zones",
    "area_of_habitat",
    "block_stats",
    "candidate_sites",
    "coverage_fraction",
    "decide_mode",
    "default_suitability_model",
    "distance_to_water_km",
    "explain_candidates",
    "habitat_patches",
    "in_crs",
    "parse_candidate_weights",
    "parse_suitability_model",
    "pixel_area_km2",
    "polygonal",
    "range_zones",
    "require_overlap",
    "river_segments",
    "select_range",
    "suitability_blocks",
    "suitability_scores",
    "union_polygons",
    "with_mean_suitability",
    "zonal_blocks",
    "zonal_statistics",
    "zonal_table",
    "zones_block_stats",
]
