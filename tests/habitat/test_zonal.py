"""Zonal statistics: exact partial-pixel answers, agreement with exactextract, blocks, store zones."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from habitat_builders import ALBERS, ORIGIN, km_grid, make_store, range_frame, to_store_crs
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis.habitat import Grid, ZonalStats, block_stats, coverage_fraction, zonal_statistics
from deerhabitat.errors import AnalysisError
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import habitat_zonal

X0, Y0 = ORIGIN


def test_partial_pixels_by_hand():
    # 2 x 2 grid of 1 km pixels, values 1 2 / 3 4; the zone covers the right half of the top-left pixel,
    # the whole top-right pixel and a quarter of the bottom-right one.
    grid = Grid(km_grid(2, 2), 2, 2, ALBERS)
    zone = shapely.union_all(
        [
            shapely.box(X0 + 500, Y0 - 1000, X0 + 2000, Y0),
            shapely.box(X0 + 1500, Y0 - 1500, X0 + 2000, Y0 - 1000),
        ]
    )
    zones = gpd.GeoDataFrame({"zone": ["z"]}, geometry=[zone], crs=ALBERS)
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    table = zonal_statistics(values, np.ones((2, 2), bool), grid, zones, id_column="zone", pixel_area_km2=1.0)
    row = table.iloc[0]
    assert row["count"] == pytest.approx(0.5 + 1 + 0.25)
    assert row["sum"] == pytest.approx(1 * 0.5 + 2 * 1 + 4 * 0.25)
    assert row["mean"] == pytest.approx(3.5 / 1.75)
    assert (row["min"], row["max"]) == (1.0, 4.0)
    assert row["zone_km2"] == pytest.approx(1.75)


def test_nodata_pixels_are_left_out_but_count_in_the_zone_area():
    grid = Grid(km_grid(2, 1), 2, 1, ALBERS)
    zones = gpd.GeoDataFrame({"zone": ["z"]}, geometry=[grid.box], crs=ALBERS)
    table = zonal_statistics(
        np.array([[5.0, -9.0]]), np.array([[True, False]]), grid, zones, id_column="zone", pixel_area_km2=1.0
    )
    assert table.loc[0, ["zone_km2", "covered_km2", "count", "mean", "min", "max"]].tolist() == [
        2,
        1,
        1,
        5,
        5,
        5,
    ]


def test_zone_outside_the_grid_has_empty_statistics():
    grid = Grid(km_grid(2, 1), 2, 1, ALBERS)
    zones = gpd.GeoDataFrame({"zone": ["far"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=ALBERS)
    row = zonal_statistics(
        np.ones((1, 2)), np.ones((1, 2), bool), grid, zones, id_column="zone", pixel_area_km2=1.0
    ).iloc[0]
    assert row["count"] == 0 and row["zone_km2"] == 0 and np.isnan(row["mean"]) and np.isnan(row["min"])


def test_class_shares():
    grid = Grid(km_grid(4, 1), 4, 1, ALBERS)
    zone = shapely.box(X0 + 500, Y0 - 1000, X0 + 4000, Y0)  # 0.5 of class 1, then 1, 2, 2
    zones = gpd.GeoDataFrame({"zone": ["z"]}, geometry=[zone], crs=ALBERS)
    table = zonal_statistics(
        np.array([[1, 1, 2, 2]]),
        np.ones((1, 4), bool),
        grid,
        zones,
        id_column="zone",
        pixel_area_km2=1.0,
        categorical=True,
    )
    assert table.loc[0, "class_1"] == pytest.approx(1.5 / 3.5)
    assert table.loc[0, "class_2"] == pytest.approx(2 / 3.5)


def test_blocks_merge_to_the_whole():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 5, (30, 40)).astype(float)
    grid = Grid(km_grid(40, 30), 40, 30, ALBERS)
    zone = shapely.Point(X0 + 17_300, Y0 - 12_100).buffer(9_900)
    whole = block_stats(values, values > 0, coverage_fraction(zone, grid), 1.0, categorical=True)
    merged = ZonalStats()
    for window in grid.blocks(7):
        sl = window.slices
        merged.add(
            block_stats(
                values[sl],
                values[sl] > 0,
                coverage_fraction(zone, grid.subgrid(window)),
                1.0,
                categorical=True,
            )
        )
    for name in ("zone_km2", "covered_km2", "count", "sum", "weighted_sum", "min", "max"):
        assert getattr(merged, name) == pytest.approx(getattr(whole, name), rel=1e-9)
    assert merged.class_fractions() == pytest.approx(whole.class_fractions())


@settings(max_examples=30, deadline=None)
@given(x=st.floats(0, 7000), y=st.floats(0, 7000), w=st.floats(10, 5000), h=st.floats(10, 5000))
def test_coverage_matches_cell_by_cell_intersection(x, y, w, h):
    grid = Grid(km_grid(8, 8), 8, 8, ALBERS)
    zone = shapely.box(X0 + x, Y0 - y - h, X0 + x + w, Y0 - y)
    cover = coverage_fraction(zone, grid)
    for r in range(8):
        for c in range(8):
            cell = shapely.box(X0 + 1000 * c, Y0 - 1000 * (r + 1), X0 + 1000 * (c + 1), Y0 - 1000 * r)
            assert cover[r, c] == pytest.approx(zone.intersection(cell).area / 1e6, abs=1e-6)


@pytest.fixture
def zonal_world(tmp_path, tif):
    rng = np.random.default_rng(7)
    values = rng.normal(100, 20, (60, 50)).astype("float32")
    values[5:9, 5:9] = -9999
    classes = rng.integers(1, 4, (60, 50)).astype("uint8")
    t = km_grid(50, 60)
    pas = gpd.GeoDataFrame(
        {
            "pa_id": ["p1", "p2"],
            "name": ["Tugai reserve", "Reed park"],
            "designation": ["Zapovednik", "Park"],
            "iucn_cat": ["Ia", "II"],
            "status_year": [1971, 1990],
            "reported_area_km2": [100.0, 50.0],
            "iso3": ["UZB", "UZB"],
            "source": ["t", "t"],
        },
        geometry=to_store_crs(
            [
                shapely.Point(X0 + 12_345, Y0 - 23_456).buffer(8_765),
                shapely.box(X0 + 30_100, Y0 - 50_700, X0 + 47_300, Y0 - 33_300),
            ]
        ),
        crs=4326,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["s1"], "name": ["Camp"], "iso3": ["UZB"], "status": ["native"], "source": ["t"]},
        geometry=to_store_crs([shapely.Point(X0 + 25_000, Y0 - 30_000)]),
        crs=4326,
    )
    ranges = range_frame(
        [
            {
                "range_id": "r",
                "period": "2020",
                "geometry": to_store_crs([shapely.box(X0 + 1000, Y0 - 59_000, X0 + 49_000, Y0 - 1000)])[0],
            }
        ]
    )
    store = make_store(tmp_path / "z.gpkg", ranges=ranges, protected_areas=pas, sites=sites)
    return {
        "store": store.path,
        "values": tif("v.tif", values, t, nodata=-9999),
        "classes": tif("c.tif", classes, t, nodata=0),
        "tmp": tmp_path,
    }


def _exactextract(path, frame, ops):
    from exactextract import exact_extract

    with rasterio.open(path) as src:
        return exact_extract(src, frame.to_crs(ALBERS), ops, output="pandas")


def test_agrees_with_exactextract_on_protected_areas(zonal_world):
    report = habitat_zonal(
        zonal_world["values"], zones="protected-areas", store=zonal_world["store"], block_size=16
    )
    frame = gpd.read_file(zonal_world["store"], layer="protected_areas").sort_values("pa_id")
    reference = _exactextract(zonal_world["values"], frame, ["count", "sum", "mean", "min", "max"])
    table = report.table
    assert table["pa_id"].tolist() == ["p1", "p2"] and table["name"].tolist() == [
        "Tugai reserve",
        "Reed park",
    ]
    for column in ("count", "sum", "mean", "min", "max"):
        np.testing.assert_allclose(table[column], reference[column], rtol=1e-5)


def test_class_shares_agree_with_exactextract_frac(zonal_world):
    report = habitat_zonal(
        zonal_world["classes"], zones="protected-areas", store=zonal_world["store"], categorical=True
    )
    frame = gpd.read_file(zonal_world["store"], layer="protected_areas").sort_values("pa_id")
    reference = _exactextract(zonal_world["classes"], frame, ["unique", "frac"])
    for i, row in enumerate(reference.itertuples()):
        expected = dict(zip(np.asarray(row.unique).astype(int), np.asarray(row.frac), strict=True))
        got = {c: report.table.loc[i, f"class_{c}"] for c in (1, 2, 3)}
        assert got == pytest.approx({c: expected.get(c, 0.0) for c in (1, 2, 3)}, rel=1e-5)


def test_sites_are_buffered_in_the_analysis_crs(zonal_world):
    report = habitat_zonal(
        zonal_world["values"],
        zones="sites",
        store=zonal_world["store"],
        buffer_m=3000,
        out=zonal_world["tmp"] / "z",
    )
    row = report.table.iloc[0]
    assert row["zone_km2"] == pytest.approx(np.pi * 3.0**2, rel=1e-3)
    assert report.summary["buffer_m"] == 3000
    written = pd.read_csv(report.outputs["table"])
    assert written["site_id"].tolist() == ["s1"] and written["count"].iloc[0] == pytest.approx(row["count"])
    assert report.outputs["manifest"].is_file()
    default = habitat_zonal(zonal_world["values"], zones="sites", store=zonal_world["store"])
    assert default.summary["buffer_m"] == 5000


def test_zonal_over_one_period_of_ranges(zonal_world):
    report = habitat_zonal(zonal_world["values"], zones="ranges", period="2020", store=zonal_world["store"])
    assert report.table["zone_km2"].iloc[0] == pytest.approx(48 * 58)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"zones": "rivers"},
            "zones 'rivers' is not a zone layer; use one of ranges, protected-areas, sites",
        ),
        ({"zones": "sites", "period": "2020"}, "--period '2020' applies to range zones only"),
        ({"zones": "ranges", "period": "1900"}, "no polygon of period '1900'; periods in the store: 2020"),
        ({"zones": "sites", "buffer_m": -5}, r"buffer_m=-5; a buffer must be a distance above 0 metres"),
    ],
)
def test_zonal_errors(zonal_world, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        habitat_zonal(zonal_world["values"], store=zonal_world["store"], **kwargs)


def test_zonal_on_a_geographic_raster_weights_by_pixel_area(tmp_path, tif):
    # Two rows of 1-degree pixels at very different latitudes: the area-weighted mean leans to the south.
    path = tif(
        "geo.tif", np.array([[10.0], [20.0]], dtype="float32"), Affine(1, 0, 60, 0, -1, 62), crs="EPSG:4326"
    )
    store = make_store(
        tmp_path / "g.gpkg",
        ranges=range_frame([{"range_id": "r", "period": "p", "geometry": shapely.box(60, 60, 61, 62)}]),
    )
    row = habitat_zonal(path, zones="ranges", store=store.path).table.iloc[0]
    assert row["count"] == pytest.approx(2.0)
    assert 15.0 < row["mean"] < 15.1  # the southern (20) pixel is ~3.5% larger


def test_an_empty_zone_layer_is_an_error(tmp_path, tif):
    from deerhabitat.io.store import empty_layer

    store = make_store(
        tmp_path / "e.gpkg",
        ranges=range_frame([{"range_id": "r", "period": "p", "geometry": shapely.box(60, 40, 61, 41)}]),
        protected_areas=empty_layer(LayerKind.PROTECTED_AREAS),
    )
    path = tif("v.tif", np.ones((2, 2), "float32"), km_grid(2, 2))
    with pytest.raises(AnalysisError, match="the 'protected-areas' layer has no feature with a geometry"):
        habitat_zonal(path, zones="protected-areas", store=store.path)
