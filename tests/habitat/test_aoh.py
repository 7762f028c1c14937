"""Area of Habitat on arrays: known answers from vector areas, the fallback rules, zones, range selection."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine
from habitat_builders import ALBERS, ORIGIN, block_array, km_grid, range_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis.habitat import (
    ElevationLimits,
    Grid,
    HabitatLayers,
    IucnCodes,
    area_of_habitat,
    pixel_area_km2,
    range_zones,
    select_range,
)
from deerhabitat.errors import AnalysisError

CLASSES = [[1, 2, 3], [2, 1, 4]]
ELEVATION = [[100.0, 500.0, 1000.0], [2000.0, 100.0, 500.0]]
BLOCK_PX = 10


def _grid(width=30, height=20, pixel_m=1000.0):
    return Grid(km_grid(width, height, pixel_m=pixel_m), width, height, ALBERS)


def _layers(grid, classes=CLASSES, elevation=ELEVATION, block_px=BLOCK_PX):
    lc = block_array(classes, block_px, "int16")
    dem = block_array(elevation, block_px, "float64") if elevation is not None else None
    return HabitatLayers(lc, lc > 0, pixel_area_km2(grid, ALBERS), dem)


def _blocks(pixel_m=1000.0, block_px=BLOCK_PX):
    """(class, elevation, block polygon) for each block of the synthetic grid, in Albers metres."""
    x0, y0 = ORIGIN
    size = pixel_m * block_px
    for r, (row_c, row_e) in enumerate(zip(CLASSES, ELEVATION, strict=True)):
        for c, (cls, elev) in enumerate(zip(row_c, row_e, strict=True)):
            yield (
                cls,
                elev,
                shapely.box(x0 + c * size, y0 - (r + 1) * size, x0 + (c + 1) * size, y0 - r * size),
            )


def expected_km2(range_geom, suitable, limits=None):
    """AOH by vector overlay: area of the range in each block whose class and elevation qualify."""
    total = 0.0
    for cls, elev, box in _blocks():
        ok = cls in suitable and (limits is None or limits[0] <= elev <= limits[1])
        total += shapely.intersection(range_geom, box).area / 1e6 if ok else 0.0
    return total


X0, Y0 = ORIGIN
ALIGNED = shapely.box(X0 + 5000, Y0 - 17000, X0 + 27000, Y0 - 3000)
UNALIGNED = shapely.Point(X0 + 14_321.7, Y0 - 9_876.5).buffer(7_777.7, quad_segs=64)
SKEWED = shapely.Polygon(
    [
        (X0 + 1234.5, Y0 - 2345.6),
        (X0 + 28_765.4, Y0 - 4321.1),
        (X0 + 21_000.3, Y0 - 19_500.9),
        (X0 + 3_333.3, Y0 - 15_432.1),
    ]
)


@pytest.mark.parametrize("range_geom", [ALIGNED, UNALIGNED, SKEWED], ids=["aligned", "circle", "skewed"])
@pytest.mark.parametrize("limits", [None, (0.0, 600.0), (400.0, 1000.0)])
def test_aoh_matches_vector_overlay(range_geom, limits):
    grid = _grid()
    result = area_of_habitat(
        _layers(grid),
        grid,
        range_geom,
        suitable_classes=[1, 2],
        limits=ElevationLimits(*limits) if limits else None,
    )
    expected = expected_km2(range_geom, {1, 2}, limits)
    assert result.aoh_km2 == pytest.approx(expected, rel=1e-6)
    assert result.totals.range_km2 == pytest.approx(range_geom.area / 1e6, rel=1e-6)
    assert result.totals.habitat_km2 == pytest.approx(expected_km2(range_geom, {1, 2}), rel=1e-6)
    assert result.mode.fallbacks == ()
    assert np.nansum(result.pixels) == pytest.approx(expected, rel=1e-5)


def test_aoh_by_hand_for_the_aligned_block_range():
    # Range 22 x 14 km: blocks (5 x 7, 10 x 7, 7 x 7) per row. Classes 1, 2 suitable; 0-600 m.
    grid = _grid()
    result = area_of_habitat(
        _layers(grid), grid, ALIGNED, suitable_classes=[1, 2], limits=ElevationLimits(0, 600)
    )
    assert result.totals.range_km2 == 308.0
    assert result.totals.habitat_km2 == 35 + 70 + 35 + 70
    assert result.totals.elevation_km2 == 35 + 70 + 70 + 49
    assert result.aoh_km2 == 35 + 70 + 70
    assert result.prevalence == pytest.approx(175 / 308)
    assert result.totals.class_km2 == {1: 105.0, 2: 105.0, 3: 49.0, 4: 49.0}


def test_pixels_hold_km2_of_habitat_and_nan_outside_the_range():
    grid = _grid()
    half = shapely.box(X0, Y0 - 10_000, X0 + 500, Y0)  # half of each pixel of column 0, rows 0-9
    result = area_of_habitat(_layers(grid), grid, half, suitable_classes=[1])
    assert np.allclose(result.pixels[:10, 0], 0.5)
    assert np.isnan(result.pixels[:, 1:]).all() and np.isnan(result.pixels[10:, 0]).all()


def test_fallback_no_suitable_class_takes_the_whole_range():
    grid = _grid()
    result = area_of_habitat(_layers(grid), grid, ALIGNED, suitable_classes=[9])
    assert result.totals.habitat_km2 == 0
    assert result.aoh_km2 == pytest.approx(308.0)
    assert result.prevalence == pytest.approx(1.0)
    assert result.mode.fallbacks == (
        "no suitable land-cover class in the range: the whole range is taken as habitat",
    )
    assert np.nansum(result.pixels) == pytest.approx(308.0)


def test_fallback_no_pixel_within_elevation_ignores_elevation():
    grid = _grid()
    result = area_of_habitat(
        _layers(grid), grid, ALIGNED, suitable_classes=[1, 2], limits=ElevationLimits(5000, 6000)
    )
    assert result.aoh_km2 == pytest.approx(210.0)  # habitat only
    assert not result.mode.use_elevation and result.mode.use_habitat
    assert result.mode.fallbacks == (
        "no habitat pixel within the elevation limits: the elevation filter is ignored",
    )
    assert np.nansum(result.pixels) == pytest.approx(210.0)


def test_habitat_outside_elevation_only_triggers_the_elevation_fallback():
    # Suitable class 3 lies only at 1000 m; limits 0-600 m leave no habitat pixel: elevation dropped.
    grid = _grid()
    result = area_of_habitat(
        _layers(grid), grid, ALIGNED, suitable_classes=[3], limits=ElevationLimits(0, 600)
    )
    assert result.aoh_km2 == pytest.approx(49.0)
    assert len(result.mode.fallbacks) == 1 and "elevation filter is ignored" in result.mode.fallbacks[0]


def test_both_fallbacks_give_the_whole_range():
    grid = _grid()
    result = area_of_habitat(
        _layers(grid), grid, ALIGNED, suitable_classes=[9], limits=ElevationLimits(None, -10)
    )
    assert result.aoh_km2 == pytest.approx(308.0)
    assert len(result.mode.fallbacks) == 2


def test_elevation_nodata_and_landcover_nodata_are_not_habitat():
    grid = _grid()
    layers = _layers(grid)
    lc = layers.landcover.copy()
    lc[:10, :10] = 0  # block (0, 0) unknown land cover
    dem = layers.elevation.copy()
    dem[10:, 10:20] = np.nan  # block (1, 1) unknown elevation
    layers = HabitatLayers(lc, lc > 0, layers.pixel_area_km2, dem)
    result = area_of_habitat(layers, grid, ALIGNED, suitable_classes=[1, 2], limits=ElevationLimits(0, 600))
    assert result.aoh_km2 == pytest.approx(70.0)  # only block (0, 1) remains
    assert result.totals.range_km2 == pytest.approx(308.0)


def test_open_ended_limits():
    grid = _grid()
    low = area_of_habitat(
        _layers(grid), grid, ALIGNED, suitable_classes=[1, 2], limits=ElevationLimits(None, 100)
    )
    high = area_of_habitat(
        _layers(grid), grid, ALIGNED, suitable_classes=[1, 2], limits=ElevationLimits(1500, None)
    )
    assert low.aoh_km2 == pytest.approx(35 + 70)
    assert high.aoh_km2 == pytest.approx(35)


def test_zones_split_the_aoh_by_country_and_protection():
    grid = _grid()
    west = shapely.box(X0, Y0 - 20_000, X0 + 12_000, Y0)
    east = shapely.box(X0 + 12_000, Y0 - 20_000, X0 + 30_000, Y0)
    states = gpd.GeoDataFrame({"iso3": ["UZB", "TJK"]}, geometry=[west, east], crs=ALBERS)
    zones = range_zones(ALIGNED, states, "iso3")
    zones["protected"] = shapely.intersection(ALIGNED, shapely.box(X0, Y0 - 5000, X0 + 30_000, Y0))
    result = area_of_habitat(_layers(grid), grid, ALIGNED, suitable_classes=[1, 2], zones=zones)
    by_zone = result.zone_aoh_km2()
    assert by_zone["UZB"] == pytest.approx(expected_km2(shapely.intersection(ALIGNED, west), {1, 2}))
    assert by_zone["TJK"] == pytest.approx(expected_km2(shapely.intersection(ALIGNED, east), {1, 2}))
    assert by_zone["UZB"] + by_zone["TJK"] == pytest.approx(result.aoh_km2)
    # protected strip y in [Y0-5 km, Y0-3 km]: 2 km tall over blocks of row 0 (classes 1, 2, 3)
    assert by_zone["protected"] == pytest.approx(5 * 2 + 10 * 2)


def test_pixel_areas_of_a_geographic_grid_feed_the_totals():
    # A 0.1 degree grid in EPSG:4326: every pixel's area comes from the analysis CRS.
    grid = Grid(Affine(0.1, 0, 60.0, 0, -0.1, 42.0), 10, 10, pyproj.CRS("EPSG:4326"))
    lc = np.ones((10, 10), dtype=np.uint8)
    layers = HabitatLayers(lc, lc > 0, pixel_area_km2(grid, ALBERS))
    result = area_of_habitat(layers, grid, shapely.box(60.0, 41.0, 61.0, 42.0), suitable_classes=[1])
    geod = pyproj.Geod(ellps="WGS84")
    geodesic_km2 = abs(geod.geometry_area_perimeter(shapely.box(60, 41, 61, 42).segmentize(0.01))[0]) / 1e6
    assert result.aoh_km2 == pytest.approx(geodesic_km2, rel=1e-4)


def test_elevation_limits_without_elevation_raster_is_an_error():
    grid = _grid()
    with pytest.raises(AnalysisError, match="elevation limits were given but no elevation raster"):
        area_of_habitat(
            _layers(grid, elevation=None), grid, ALIGNED, suitable_classes=[1], limits=ElevationLimits(0, 10)
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, None), "needs --min-elevation-m, --max-elevation-m or both"),
        ((700, 600), r"minimum elevation \(700 m\) is above the maximum \(600 m\)"),
        ((float("nan"), 600), "is not a finite number"),
    ],
)
def test_elevation_limit_errors(args, message):
    with pytest.raises(AnalysisError, match=message):
        ElevationLimits(*args)


def _ranges():
    return range_frame(
        [
            {
                "range_id": "h1",
                "period": "historical",
                "presence": 5,
                "geometry": shapely.box(60, 40, 61, 41),
            },
            {
                "range_id": "a",
                "period": "2020",
                "presence": 1,
                "origin": 2,
                "geometry": shapely.box(60, 40, 60.5, 40.5),
            },
            {
                "range_id": "b",
                "period": "2020",
                "presence": 3,
                "origin": 1,
                "geometry": shapely.box(61, 40, 61.5, 40.5),
            },
        ]
    )


def test_select_range_by_period_and_codes():
    ranges = _ranges()
    assert select_range(ranges, "2020")["range_id"].tolist() == ["a", "b"]
    assert select_range(ranges, "2020", codes=IucnCodes(presence=(1, 2)))["range_id"].tolist() == ["a"]
    assert select_range(ranges, "historical")["range_id"].tolist() == ["h1"]


def test_select_range_errors_name_periods_and_codes():
    ranges = _ranges()
    with pytest.raises(
        AnalysisError, match=r"no polygon of period '1999'; periods in the store: 2020, historical"
    ):
        select_range(ranges, "1999")
    with pytest.raises(AnalysisError, match=r"the period's polygons have \{'presence': \[5\]"):
        select_range(ranges, "historical", codes=IucnCodes(presence=(1, 2)))


def test_invalid_iucn_codes():
    with pytest.raises(
        AnalysisError, match=r"IUCN presence codes \[7\] are not valid; allowed codes are 1 \(Extant\)"
    ):
        IucnCodes(presence=(7,))


@settings(max_examples=40, deadline=None)
@given(
    classes=st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=2, max_size=2),
    box=st.tuples(st.floats(0, 29_000), st.floats(0, 19_000), st.floats(100, 30_000), st.floats(100, 20_000)),
    limits=st.one_of(st.none(), st.tuples(st.floats(0, 1500), st.floats(0, 1500)).map(sorted)),
)
def test_aoh_invariants(classes, box, limits):
    grid = _grid()
    x, y, w, h = box
    range_geom = shapely.box(X0 + x, Y0 - y - h, X0 + x + w, Y0 - y)
    result = area_of_habitat(
        _layers(grid, classes=classes),
        grid,
        range_geom,
        suitable_classes=[1, 2],
        limits=ElevationLimits(*limits) if limits else None,
    )
    t = result.totals
    assert -1e-9 <= result.aoh_km2 <= t.range_km2 + 1e-9
    assert 0 <= result.prevalence <= 1 + 1e-12
    assert t.range_km2 == pytest.approx(shapely.intersection(range_geom, grid.box).area / 1e6, rel=1e-6)
    if not result.mode.fallbacks:
        assert result.aoh_km2 <= t.habitat_km2 + 1e-9
    assert np.nansum(result.pixels) == pytest.approx(result.aoh_km2, rel=1e-5, abs=1e-6)


def test_empty_code_list_is_refused():
    with pytest.raises(AnalysisError, match=r"IUCN origin codes \[\] are not valid"):
        IucnCodes(origin=())
