"""habitat_aoh on files: known answers via a store, blocked == in memory, grids, outputs, registry, errors."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine
from habitat_builders import ALBERS, ORIGIN, block_array, km_grid, make_store, range_frame, to_store_crs

from deerhabitat.analysis.habitat import ElevationLimits, Grid, HabitatLayers, area_of_habitat, pixel_area_km2
from deerhabitat.errors import AnalysisError, CRSError, InputFileError, LayerNotFoundError
from deerhabitat.io import Store
from deerhabitat.workflows import habitat_aoh

X0, Y0 = ORIGIN
CLASSES = [[1, 2, 3, 1], [2, 1, 4, 2], [3, 3, 1, 1]]
ELEVATION = [[100, 500, 1000, 250], [2000, 100, 500, 900], [50, 700, 1600, 300]]
BLOCK_PX = 10
RANGE_A = shapely.box(X0 + 5000, Y0 - 27_000, X0 + 37_000, Y0 - 3000)
RANGE_B = shapely.Point(X0 + 21_234.5, Y0 - 14_321.0).buffer(11_111.1, quad_segs=64)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_km2(range_geom, suitable, limits=None, pixel_m=1000.0):
    size = pixel_m * BLOCK_PX
    total = 0.0
    for r, (row_c, row_e) in enumerate(zip(CLASSES, ELEVATION, strict=True)):
        for c, (cls, elev) in enumerate(zip(row_c, row_e, strict=True)):
            box = shapely.box(X0 + c * size, Y0 - (r + 1) * size, X0 + (c + 1) * size, Y0 - r * size)
            if cls in suitable and (limits is None or limits[0] <= elev <= limits[1]):
                total += shapely.intersection(range_geom, box).area / 1e6
    return total


@pytest.fixture
def world(tmp_path, tif):
    lc = block_array(CLASSES, BLOCK_PX, "uint8")
    dem = block_array(ELEVATION, BLOCK_PX, "int16")
    t = km_grid(lc.shape[1], lc.shape[0])
    states = gpd.GeoDataFrame(
        {"iso3": ["UZB", "TJK"], "name": ["Uzbekistan", "Tajikistan"], "source": "t"},
        geometry=to_store_crs(
            [
                shapely.box(X0 - 1e5, Y0 - 1e5, X0 + 15_000, Y0 + 1e5),
                shapely.box(X0 + 15_000, Y0 - 1e5, X0 + 1e5, Y0 + 1e5),
            ]
        ),
        crs=4326,
    )
    pas = gpd.GeoDataFrame(
        {
            "pa_id": ["p1"],
            "name": ["Reserve"],
            "designation": ["Zapovednik"],
            "iucn_cat": ["Ia"],
            "status_year": [1971],
            "reported_area_km2": [100.0],
            "iso3": ["UZB"],
            "source": ["t"],
        },
        geometry=to_store_crs([shapely.box(X0, Y0 - 10_000, X0 + 10_000, Y0)]),
        crs=4326,
    )
    ranges = range_frame(
        [
            {"range_id": "a", "period": "2020", "geometry": to_store_crs([RANGE_A])[0], "iso3": "UZB"},
            {"range_id": "b", "period": "historical", "geometry": to_store_crs([RANGE_B])[0]},
        ]
    )
    store = make_store(tmp_path / "deer.gpkg", ranges=ranges, range_states=states, protected_areas=pas)
    return {
        "store": store.path,
        "lc": tif("lc.tif", lc, t, nodata=0),
        "dem": tif("dem.tif", dem, t, nodata=-32768),
        "tmp": tmp_path,
        "lc_array": lc,
        "dem_array": dem,
        "transform": t,
    }


@pytest.mark.parametrize("period, geom", [("2020", RANGE_A), ("historical", RANGE_B)])
@pytest.mark.parametrize("limits", [None, (0, 600)])
def test_known_area_of_habitat_through_the_store(world, period, geom, limits):
    kwargs = (
        {"elevation": world["dem"], "min_elevation_m": limits[0], "max_elevation_m": limits[1]}
        if limits
        else {}
    )
    report = habitat_aoh(
        world["lc"],
        range_period=period,
        suitable_classes=[1, 2],
        out=world["tmp"] / "out",
        store=world["store"],
        **kwargs,
    )
    s = report.summary
    assert s["aoh_total_km2"] == pytest.approx(expected_km2(geom, {1, 2}, limits), rel=1e-6)
    assert s["range_total_km2"] == pytest.approx(geom.area / 1e6, rel=1e-6)
    assert s["prevalence"] == pytest.approx(s["aoh_total_km2"] / s["range_total_km2"], rel=1e-6)
    assert s["fallbacks"] == [] and s["pixel_area_km2"] == 1.0
    by_country = {c["iso3"]: c["aoh_km2"] for c in s["aoh_by_country"]}
    west = shapely.box(X0 - 1e5, Y0 - 1e5, X0 + 15_000, Y0 + 1e5)
    assert by_country["UZB"] == pytest.approx(expected_km2(geom.intersection(west), {1, 2}, limits), rel=1e-5)
    assert sum(by_country.values()) == pytest.approx(s["aoh_total_km2"], rel=1e-6)
    reserve = shapely.box(X0, Y0 - 10_000, X0 + 10_000, Y0)
    assert s["aoh_protected_km2"] == pytest.approx(
        expected_km2(geom.intersection(reserve), {1, 2}, limits), rel=1e-5, abs=1e-6
    )


def test_blocked_equals_in_memory(world):
    out = world["tmp"] / "blocked"
    report = habitat_aoh(
        world["lc"],
        range_period="historical",
        suitable_classes=[1, 3],
        out=out,
        store=world["store"],
        elevation=world["dem"],
        min_elevation_m=60,
        max_elevation_m=1200,
        block_size=7,
    )
    grid = Grid(world["transform"], 40, 30, ALBERS)
    lc = world["lc_array"]
    layers = HabitatLayers(lc, lc > 0, pixel_area_km2(grid, ALBERS), world["dem_array"].astype(float))
    memory = area_of_habitat(layers, grid, RANGE_B, suitable_classes=[1, 3], limits=ElevationLimits(60, 1200))
    assert report.summary["aoh_total_km2"] == pytest.approx(memory.aoh_km2, abs=1e-6)
    assert report.summary["habitat_total_km2"] == pytest.approx(memory.totals.habitat_km2, abs=1e-6)
    with rasterio.open(report.outputs["raster"]) as src:
        pixels = src.read(1)
    np.testing.assert_allclose(pixels, memory.pixels, rtol=1e-6, atol=1e-7, equal_nan=True)


def test_blocked_fallback_rewrites_every_block(world):
    report = habitat_aoh(
        world["lc"],
        range_period="2020",
        suitable_classes=[9],
        out=world["tmp"] / "fb",
        store=world["store"],
        block_size=8,
    )
    assert report.summary["aoh_total_km2"] == pytest.approx(RANGE_A.area / 1e6)
    assert report.summary["habitat_filter_used"] is False
    with rasterio.open(report.outputs["raster"]) as src:
        assert np.nansum(src.read(1)) == pytest.approx(RANGE_A.area / 1e6, rel=1e-6)


def test_outputs_are_a_cog_and_a_manifest(world):
    report = habitat_aoh(
        world["lc"],
        range_period="2020",
        suitable_classes=[1, 2],
        out=world["tmp"] / "o",
        store=world["store"],
        elevation=world["dem"],
        max_elevation_m=600,
    )
    with rasterio.open(report.outputs["raster"]) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert src.crs == rasterio.crs.CRS.from_wkt(ALBERS.to_wkt()) and src.dtypes[0] == "float32"
        assert np.isnan(src.nodata)
    manifest = json.loads(report.outputs["manifest"].read_text())
    roles = {i["role"]: i for i in manifest["inputs"]}
    assert roles["landcover"]["sha256"] == sha(world["lc"])
    assert (
        roles["elevation"]["sha256"] == sha(world["dem"]) and roles["elevation"]["resampling"] == "same grid"
    )
    assert manifest["aoh_total_km2"] == report.summary["aoh_total_km2"]
    assert manifest["elevation_limits_m"] == {"min_m": None, "max_m": 600}
    assert manifest["iucn_codes_kept"] == {"presence": "all", "origin": "all", "seasonal": "all"}
    assert manifest["outputs"]["raster"] == str(report.outputs["raster"])


def test_rasters_are_registered_in_the_store(world):
    report = habitat_aoh(
        world["lc"],
        range_period="2020",
        suitable_classes=[1],
        out=world["tmp"] / "r",
        store=world["store"],
        elevation=world["dem"],
        min_elevation_m=0,
    )
    table = Store(world["store"]).rasters()
    assert sorted(table["role"]) == ["aoh", "elevation", "landcover"]
    row = table.set_index("role").loc["landcover"]
    assert row["sha256"] == sha(world["lc"]) and row["width"] == 40 and row["height"] == 30
    assert json.loads(row["transform"]) == list(world["transform"])[:6]
    assert report.summary["registered_in_store"] is True
    habitat_aoh(
        world["lc"], range_period="2020", suitable_classes=[1], out=world["tmp"] / "r", store=world["store"]
    )
    assert len(Store(world["store"]).rasters()) == 3  # one row per role and path, latest wins


def test_elevation_on_another_grid_is_warped_bilinear(world, tif):
    # DEM at 500 m, offset and larger than the land cover, linear in x: elevation = (x - X0) / 10 m.
    # Land-cover pixel centres lie at X0 + 500 + 1000 k, so 0-1000 m keeps exactly x < X0 + 10 km.
    t = Affine(500, 0, X0 - 5000, 0, -500, Y0 + 5000)
    xs = X0 - 5000 + 250 + 500 * np.arange(110)
    dem = np.tile(((xs - X0) / 10).astype("float32"), (80, 1))
    path = tif("dem500.tif", dem, t)
    report = habitat_aoh(
        world["lc"],
        range_period="2020",
        suitable_classes=[1, 2, 3, 4],
        out=world["tmp"] / "w",
        store=world["store"],
        elevation=path,
        min_elevation_m=0,
        max_elevation_m=1000,
    )
    band = shapely.box(X0, Y0 - 1e5, X0 + 10_000, Y0)
    assert report.summary["aoh_total_km2"] == pytest.approx(RANGE_A.intersection(band).area / 1e6, rel=1e-6)
    assert report.summary["inputs"][1]["resampling"] == "bilinear"


def test_landcover_in_another_equal_area_crs(tmp_path, tif):
    # A 1 km grid in EPSG:6933 (the store keeps its Albers analysis CRS): pixel area is still 1 km².
    crs = pyproj.CRS("EPSG:6933")
    x0, y0 = 6_000_000.0, 4_800_000.0
    lc = np.zeros((20, 20), dtype="uint8")
    lc[:, :10] = 1
    path = tif("lc6933.tif", lc, Affine(1000, 0, x0, 0, -1000, y0), crs=crs)
    rng = shapely.box(x0 + 2500, y0 - 17_500, x0 + 17_500, y0 - 2500)
    store = make_store(
        tmp_path / "s.gpkg",
        ranges=range_frame([{"range_id": "r", "period": "2020", "geometry": to_store_crs([rng], crs)[0]}]),
    )
    report = habitat_aoh(
        path, range_period="2020", suitable_classes=[1], out=tmp_path / "o", store=store.path
    )
    assert report.summary["pixel_area_km2"] == 1.0
    assert report.summary["aoh_total_km2"] == pytest.approx(7.5 * 15, rel=1e-6)


def test_landcover_in_longitude_latitude(tmp_path, tif):
    # 0.01 degree pixels: areas per pixel from the analysis CRS; compare with the geodesic area.
    lc = np.ones((100, 100), dtype="uint8")
    lc[50:, :] = 2
    path = tif("lc4326.tif", lc, Affine(0.01, 0, 64.0, 0, -0.01, 40.0), crs="EPSG:4326")
    rng = shapely.box(64.2, 39.3, 64.9, 39.8)
    store = make_store(
        tmp_path / "s.gpkg", ranges=range_frame([{"range_id": "r", "period": "p", "geometry": rng}])
    )
    report = habitat_aoh(
        path, range_period="p", suitable_classes=[1], out=tmp_path / "o", store=store.path, block_size=32
    )
    geod = pyproj.Geod(ellps="WGS84")
    expected = (
        abs(geod.geometry_area_perimeter(shapely.box(64.2, 39.5, 64.9, 39.8).segmentize(0.01))[0]) / 1e6
    )
    assert report.summary["pixel_area_km2"] is None
    assert report.summary["aoh_total_km2"] == pytest.approx(expected, rel=1e-3)


def test_failures_leave_the_store_unchanged(world):
    before = sha(world["store"])
    with pytest.raises(AnalysisError, match="no polygon of period '1999'"):
        habitat_aoh(
            world["lc"],
            range_period="1999",
            suitable_classes=[1],
            out=world["tmp"] / "x",
            store=world["store"],
        )
    with pytest.raises(InputFileError, match=r"the landcover raster '.*missing\.tif' does not exist"):
        habitat_aoh(
            world["tmp"] / "missing.tif",
            range_period="2020",
            suitable_classes=[1],
            out=world["tmp"] / "x",
            store=world["store"],
        )
    assert sha(world["store"]) == before


def test_raster_without_crs(world, tif):
    path = tif("nocrs.tif", world["lc_array"], world["transform"], crs=None)
    with pytest.raises(CRSError, match=r"has no CRS; deerhabitat never guesses one\. Label it"):
        habitat_aoh(
            path, range_period="2020", suitable_classes=[1], out=world["tmp"] / "x", store=world["store"]
        )


def test_not_a_raster(world):
    bad = world["tmp"] / "bad.tif"
    bad.write_text("hello")
    with pytest.raises(InputFileError, match="cannot be read as a raster"):
        habitat_aoh(
            bad, range_period="2020", suitable_classes=[1], out=world["tmp"] / "x", store=world["store"]
        )


def test_range_outside_the_raster(world, tif):
    far = tif("far.tif", world["lc_array"], Affine(1000, 0, 5e6, 0, -1000, 5e6))
    with pytest.raises(AnalysisError, match="does not overlap the land-cover raster"):
        habitat_aoh(
            far, range_period="2020", suitable_classes=[1], out=world["tmp"] / "x", store=world["store"]
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"suitable_classes": []}, "no suitable land-cover class was given"),
        ({"suitable_classes": ["x"]}, "are not whole numbers"),
        ({"min_elevation_m": 5}, r"elevation limits \(5, None\) were given without an elevation raster"),
        ({"iucn_preset": "strict"}, "IUCN preset 'strict' is not known; use one of all, aoh, dopa, life"),
    ],
)
def test_parameter_errors(world, kwargs, message):
    args = {
        "range_period": "2020",
        "suitable_classes": [1],
        "out": world["tmp"] / "x",
        "store": world["store"],
        **kwargs,
    }
    with pytest.raises(AnalysisError, match=message):
        habitat_aoh(world["lc"], **args)


def test_store_without_ranges(tmp_path, world):
    empty = Store.create(tmp_path / "empty.gpkg")
    with pytest.raises(LayerNotFoundError, match="has no 'ranges' layer"):
        habitat_aoh(
            world["lc"], range_period="2020", suitable_classes=[1], out=tmp_path / "x", store=empty.path
        )


def test_without_range_states_countries_come_from_range_iso3(tmp_path, world):
    ranges = range_frame(
        [
            {
                "range_id": "w",
                "period": "p",
                "iso3": "UZB",
                "geometry": to_store_crs([shapely.box(X0, Y0 - 30_000, X0 + 20_000, Y0)])[0],
            },
            {
                "range_id": "e",
                "period": "p",
                "iso3": "TKM",
                "geometry": to_store_crs([shapely.box(X0 + 20_000, Y0 - 30_000, X0 + 40_000, Y0)])[0],
            },
        ]
    )
    store = make_store(tmp_path / "s.gpkg", ranges=ranges)
    report = habitat_aoh(
        world["lc"], range_period="p", suitable_classes=[1], out=tmp_path / "o", store=store.path
    )
    by = {c["iso3"]: c["aoh_km2"] for c in report.summary["aoh_by_country"]}
    assert by == pytest.approx({"TKM": 300.0, "UZB": 200.0})
    assert report.summary["aoh_protected_km2"] is None


def test_output_folder_that_cannot_be_made(world):
    blocker = world["tmp"] / "a-file"
    blocker.write_text("x")
    with pytest.raises(
        InputFileError, match=r"cannot create the output folder .*; choose a folder you can write"
    ):
        habitat_aoh(
            world["lc"], range_period="2020", suitable_classes=[1], out=blocker / "sub", store=world["store"]
        )


def test_bundled_habitat_needs_a_year_period(tmp_path):
    from deerhabitat.workflows import bundled_habitat

    store = make_store(
        tmp_path / "h.gpkg",
        ranges=range_frame(
            [{"range_id": "h", "period": "historical", "geometry": shapely.box(60, 40, 61, 41)}]
        ),
    )
    with pytest.raises(AnalysisError, match="no period that is a year \\(periods: historical\\)"):
        bundled_habitat(tmp_path / "o", store=store.path)
