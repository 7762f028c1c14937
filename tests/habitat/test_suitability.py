"""The suitability model: TOML parsing and its errors, scores by hand, distance to water, the workflow."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from habitat_builders import ALBERS, ORIGIN, km_grid, make_store, range_frame, to_store_crs

from deerhabitat.analysis.habitat import (
    Component,
    Grid,
    SuitabilityModel,
    default_suitability_model,
    distance_to_water_km,
    parse_suitability_model,
    river_segments,
    suitability_scores,
)
from deerhabitat.errors import AnalysisError, ConfigError, InputFileError, LayerNotFoundError
from deerhabitat.workflows import habitat_suitability

X0, Y0 = ORIGIN


def test_default_model_is_the_documented_one():
    model = default_suitability_model()
    assert model.combine == "geometric"
    assert model.inputs == ("distance_to_water_km", "elevation", "landcover")
    assert model.normalised_weights() == pytest.approx({"landcover": 0.5, "water": 0.3, "elevation": 0.2})
    landcover = next(c for c in model.components if c.name == "landcover")
    assert landcover.scores == {1: 1.0, 2: 0.8, 3: 0.2, 4: 0.05, 5: 0.0}


def test_geometric_and_arithmetic_combinations_by_hand():
    lc = Component("lc", "landcover", "categorical", 3.0, scores={1: 1.0, 2: 0.5}, default=0.1)
    dist = Component("d", "distance_to_water_km", "piecewise", 1.0, points=((0.0, 1.0), (10.0, 0.0)))
    inputs = {"landcover": np.array([1, 2, 7, 2]), "distance_to_water_km": np.array([0.0, 5.0, 5.0, 20.0])}
    geometric = suitability_scores(inputs, {}, SuitabilityModel("g", "geometric", (lc, dist)))
    arithmetic = suitability_scores(inputs, {}, SuitabilityModel("a", "arithmetic", (lc, dist)))
    expected_g = [1.0, 0.5**0.75 * 0.5**0.25, 0.1**0.75 * 0.5**0.25, 0.0]
    expected_a = [1.0, 0.75 * 0.5 + 0.25 * 0.5, 0.75 * 0.1 + 0.25 * 0.5, 0.75 * 0.5]
    np.testing.assert_allclose(geometric, expected_g, rtol=1e-6)
    np.testing.assert_allclose(arithmetic, expected_a, rtol=1e-6)


def test_nodata_in_any_input_gives_nodata():
    lc = Component("lc", "landcover", "categorical", 1.0, scores={1: 1.0})
    elev = Component("e", "elevation", "piecewise", 1.0, points=((0.0, 1.0), (1000.0, 0.0)))
    model = SuitabilityModel("m", "geometric", (lc, elev))
    out = suitability_scores(
        {"landcover": np.array([1, 1, 1]), "elevation": np.array([100.0, np.nan, 100.0])},
        {"landcover": np.array([True, True, False])},
        model,
    )
    assert out[0] == pytest.approx(0.9**0.5) and np.isnan(out[1]) and np.isnan(out[2])


def test_missing_input_is_a_config_error():
    model = default_suitability_model()
    with pytest.raises(
        ConfigError, match="needs the input\\(s\\) distance_to_water_km, elevation, which were not"
    ):
        suitability_scores({"landcover": np.ones(3)}, {}, model)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"model": {"combine": "max"}, "components": {}}, "combine = 'max' is not a method"),
        ({"components": {}}, "no \\[components.NAME\\] table found"),
        ({"components": {"x": {"kind": "fuzzy", "weight": 1, "input": "a"}}}, "kind = 'fuzzy'; use one of"),
        ({"components": {"x": {"kind": "piecewise", "weight": 0, "input": "a"}}}, "weights must be above 0"),
        ({"components": {"x": {"kind": "piecewise", "weight": "heavy", "input": "a"}}}, "is not a number"),
        ({"components": {"x": {"kind": "piecewise", "weight": 1}}}, "has no input"),
        ({"components": {"x": {"kind": "categorical", "weight": 1, "input": "a"}}}, "has no \\[scores\\]"),
        (
            {"components": {"x": {"kind": "categorical", "weight": 1, "input": "a", "scores": {"1": 2}}}},
            "scores lie between 0 and 1",
        ),
        (
            {"components": {"x": {"kind": "categorical", "weight": 1, "input": "a", "scores": {"tugai": 1}}}},
            "is not a whole class value",
        ),
        (
            {"components": {"x": {"kind": "piecewise", "weight": 1, "input": "a", "points": [[0, 1]]}}},
            "give at least two \\[x, score\\] pairs",
        ),
        (
            {
                "components": {
                    "x": {"kind": "piecewise", "weight": 1, "input": "a", "points": [[5, 1], [1, 0]]}
                }
            },
            "must have strictly increasing x",
        ),
        (
            {"components": {"x": {"kind": "piecewise", "weight": float("inf"), "input": "a"}}},
            "is not a finite number",
        ),
    ],
)
def test_model_errors_name_the_key(data, message):
    with pytest.raises(ConfigError, match=f"my.toml: .*{message}"):
        parse_suitability_model(data, origin="my.toml")


def test_distance_to_water_against_shapely():
    grid = Grid(km_grid(20, 15), 20, 15, ALBERS)
    river = shapely.LineString([(X0 - 3000, Y0 - 2000), (X0 + 9000, Y0 - 11_000), (X0 + 25_000, Y0 - 9000)])
    got = distance_to_water_km(grid, river_segments([river]), ALBERS)
    xs, ys = grid.centres()
    expected = shapely.distance(shapely.points(xs, ys), river) / 1000
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_river_segments_needs_a_line():
    with pytest.raises(AnalysisError, match="the rivers layer has no line to measure distances to"):
        river_segments([shapely.Point(0, 0)])


@pytest.fixture
def suit_world(tmp_path, tif):
    lc = np.array([[1, 2, 3, 4, 5, 0]] * 4, dtype="uint8")
    dem = np.full((4, 6), 100.0, dtype="float32")
    dem[3, :] = 1500.0
    t = km_grid(6, 4)
    river = shapely.LineString([(X0 - 10_000, Y0 - 500), (X0 + 20_000, Y0 - 500)])  # through row 0's centres
    rivers = gpd.GeoDataFrame(
        {"river_id": ["amu"], "name": ["Amu Darya"]}, geometry=to_store_crs([river]), crs=4326
    )
    ranges = range_frame(
        [
            {
                "range_id": "r",
                "period": "2020",
                "geometry": to_store_crs([shapely.box(X0, Y0 - 4000, X0 + 6000, Y0)])[0],
            }
        ]
    )
    store = make_store(tmp_path / "s.gpkg", ranges=ranges, rivers=rivers)
    return {
        "store": store.path,
        "lc": tif("lc.tif", lc, t, nodata=0),
        "dem": tif("dem.tif", dem, t),
        "tmp": tmp_path,
    }


def test_suitability_workflow_values(suit_world):
    report = habitat_suitability(
        suit_world["lc"],
        out=suit_world["tmp"] / "s",
        store=suit_world["store"],
        elevation=suit_world["dem"],
        block_size=4,
    )
    with rasterio.open(report.outputs["raster"]) as src:
        suit = src.read(1)
    with rasterio.open(report.outputs["distance_to_water"]) as src:
        dist = src.read(1)
    np.testing.assert_allclose(dist[:, 0], [0.0, 1.0, 2.0, 3.0], atol=1e-3)
    # Row 0 lies on the river, at 100 m: the score is the land-cover score to the power 0.5.
    np.testing.assert_allclose(suit[0, :5], np.array([1.0, 0.8, 0.2, 0.05, 0.0]) ** 0.5, rtol=1e-5)
    assert np.isnan(suit[:, 5]).all()  # land-cover nodata
    # Row 3: 3 km from the river (score 1), 1500 m: elevation score 0.3 - 0.3 * 300 / 600 = 0.15.
    assert suit[3, 0] == pytest.approx(0.15**0.2, rel=1e-5)
    s = report.summary
    assert s["valid_km2"] == pytest.approx(20.0)
    assert s["mean_suitability"] == pytest.approx(float(np.nanmean(suit)), rel=1e-5)
    assert s["suitable_km2"] == pytest.approx(float((suit >= 0.5).sum()))
    assert sum(b["area_km2"] for b in s["area_by_suitability_km2"]) == pytest.approx(20.0)
    manifest = json.loads(report.outputs["manifest"].read_text())
    assert manifest["model"]["name"] == "bukhara-deer-riparian-v1"
    assert {i["role"] for i in manifest["inputs"]} == {"landcover", "elevation"}


def test_custom_weights_and_covariate(suit_world, tif):
    weights = suit_world["tmp"] / "w.toml"
    weights.write_text(
        '[model]\nname = "gw"\ncombine = "arithmetic"\n'
        '[components.gw]\ninput = "groundwater_m"\nkind = "piecewise"\nweight = 1\n'
        "points = [[0.0, 1.0], [10.0, 0.0]]\n"
    )
    gw = tif("gw.tif", np.full((4, 6), 2.5, dtype="float32"), km_grid(6, 4))
    report = habitat_suitability(
        suit_world["lc"],
        out=suit_world["tmp"] / "c",
        store=suit_world["store"],
        covariates={"groundwater_m": gw},
        weights=weights,
    )
    with rasterio.open(report.outputs["raster"]) as src:
        assert np.allclose(src.read(1), 0.75)
    assert "distance_to_water" not in report.outputs
    assert report.summary["weights_file"]["path"] == str(weights)


def test_suitability_errors(suit_world):
    out = suit_world["tmp"] / "e"
    with pytest.raises(ConfigError, match="needs the input\\(s\\) elevation, which were not given"):
        habitat_suitability(suit_world["lc"], out=out, store=suit_world["store"])
    with pytest.raises(AnalysisError, match="covariate name 'elevation' is not allowed"):
        habitat_suitability(
            suit_world["lc"], out=out, store=suit_world["store"], covariates={"elevation": suit_world["dem"]}
        )
    with pytest.raises(InputFileError, match=r"the weights file '.*nope\.toml' does not exist"):
        habitat_suitability(suit_world["lc"], out=out, store=suit_world["store"], weights=out / "nope.toml")
    bad = suit_world["tmp"] / "bad.toml"
    bad.write_text("[model\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        habitat_suitability(suit_world["lc"], out=out, store=suit_world["store"], weights=bad)


def test_store_without_rivers(tmp_path, suit_world):
    store = make_store(
        tmp_path / "norivers.gpkg",
        ranges=range_frame([{"range_id": "r", "period": "p", "geometry": shapely.box(60, 40, 61, 41)}]),
    )
    with pytest.raises(LayerNotFoundError, match="has no 'rivers' layer"):
        habitat_suitability(
            suit_world["lc"], out=tmp_path / "o", store=store.path, elevation=suit_world["dem"]
        )
