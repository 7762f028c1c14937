"""Habitat from rasters: Area of Habitat, suitability, zonal statistics and candidate reintroduction sites.

Pure computation on arrays and geometries (numpy, shapely, exactextract, rasterio array functions): nothing
here opens a file. Blocks of big rasters are read by :mod:`deerhabitat.io.raster` and combined by
:mod:`deerhabitat.workflows.habitat`.
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
from deerhabitat.analysis.habitat.candidates import (
    CandidateCriteria,
    candidate_sites,
    explain_candidates,
    habitat_patches,
    parse_candidate_weights,
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
from deerhabitat.analysis.habitat.water import distance_to_water_km, river_segments
from deerhabitat.analysis.habitat.zonal import (
    ZonalStats,
    block_stats,
    zonal_statistics,
    zonal_table,
    zones_block_stats,
)

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "IUCN_PRESETS",
    "AohMode",
    "AohResult",
    "AohTotals",
    "CandidateCriteria",
    "Component",
    "ElevationLimits",
    "Grid",
    "HabitatLayers",
    "IucnCodes",
    "SuitabilityModel",
    "Window",
    "ZonalStats",
    "aoh_block",
    "area_of_habitat",
    "block_stats",
    "candidate_sites",
    "coverage_fraction",
    "decide_mode",
    "default_suitability_model",
    "distance_to_water_km",
    "explain_candidates",
    "habitat_patches",
    "parse_candidate_weights",
    "parse_suitability_model",
    "pixel_area_km2",
    "polygonal",
    "range_zones",
    "river_segments",
    "select_range",
    "suitability_scores",
    "zonal_statistics",
    "zonal_table",
    "zones_block_stats",
]
