"""JSON summaries of habitat results (printed by ``deerhabitat habitat ... --json``, kept in manifests)."""

from __future__ import annotations

import geopandas as gpd
import pyproj
import shapely

from deerhabitat.analysis.habitat.aoh import AohResult, ElevationLimits, IucnCodes
from deerhabitat.analysis.habitat.blocks import rounded
from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat.pixel_coverage import pixel_area_km2
from deerhabitat.analysis.habitat.zones import in_crs, union_polygons
from deerhabitat.crs import is_equal_area
from deerhabitat.units import M2_PER_KM2


def aoh_summary(
    result: AohResult,
    kept: gpd.GeoDataFrame,
    area_crs: pyproj.CRS,
    grid: Grid,
    period: str,
    classes: tuple[int, ...],
    limits: ElevationLimits | None,
    codes: IucnCodes,
) -> dict:
    """Totals of an Area of Habitat run, by country and inside protected areas, with its settings.

    ``range_vector_km2`` is the area of the range polygons ``kept`` in the analysis CRS, and
    ``range_outside_grid_km2`` the part of it the land-cover grid does not cover.
    """
    t = result.totals
    aoh = result.aoh_km2
    zone_aoh = result.zone_aoh_km2()
    countries = [
        {
            "iso3": name.split(":", 1)[1],
            "range_km2": rounded(result.zone_totals[name].range_km2),
            "aoh_km2": rounded(value),
            "aoh_fraction": rounded(value / aoh if aoh > 0 else None),
        }
        for name, value in zone_aoh.items()
        if name.startswith("country:")
    ]
    protected = zone_aoh.get("protected")
    vector_km2 = float(shapely.area(union_polygons(in_crs(kept, area_crs)))) / M2_PER_KM2
    return {
        "range_period": str(period),
        "iucn_codes_kept": codes.describe(),
        "range_ids": kept["range_id"].astype(str).tolist(),
        "range_total_km2": rounded(t.range_km2),
        "range_vector_km2": rounded(vector_km2),
        "range_outside_grid_km2": rounded(max(vector_km2 - t.range_km2, 0.0)),
        "habitat_total_km2": rounded(t.habitat_km2),
        "elevation_total_km2": rounded(t.elevation_km2),
        "aoh_total_km2": rounded(aoh),
        "prevalence": rounded(result.prevalence),
        "aoh_by_country": countries,
        "aoh_protected_km2": rounded(protected),
        "aoh_protected_fraction": rounded(protected / aoh if protected is not None and aoh > 0 else None),
        "suitable_classes": list(classes),
        "elevation_limits_m": limits.describe() if limits else None,
        "habitat_filter_used": result.mode.use_habitat,
        "elevation_filter_used": result.mode.use_elevation,
        "fallbacks": list(result.mode.fallbacks),
        "class_km2_in_range": {str(k): rounded(v) for k, v in sorted(t.class_km2.items())},
        "grid": {k: v for k, v in grid.describe().items() if k != "crs"},
        "pixel_area_km2": rounded(float(pixel_area_km2(grid, area_crs))) if is_equal_area(grid.crs) else None,
        "analysis_crs_wkt": area_crs.to_wkt(),
        "coverage_rule": "exact cell-coverage fractions (exactextract): a pixel partly inside the range "
        "counts by the fraction covered",
    }
