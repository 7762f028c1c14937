"""Candidate reintroduction sites: patches, range clipping, distance rule, ranking, explanations, outputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from habitat_builders import ALBERS, ORIGIN, km_grid, make_store, range_frame, to_store_crs

from deerhabitat.analysis.habitat import CandidateCriteria, Grid, candidate_sites, habitat_patches
from deerhabitat.errors import AnalysisError, ConfigError
from deerhabitat.workflows import habitat_candidates

X0, Y0 = ORIGIN


def px_box(c0, r0, c1, r1):
    """Box of pixel columns c0..c1-1 and rows r0..r1-1 of the 1 km grid, in Albers metres."""
    return shapely.box(X0 + 1000 * c0, Y0 - 1000 * r1, X0 + 1000 * c1, Y0 - 1000 * r0)


def suitability_array():
    s = np.full((40, 60), 0.1, dtype="float32")
    s[2:8, 2:12] = 0.9  # A: 60 km²
    s[5:9, 30:35] = 0.7  # B: 20 km², half protected
    s[20:22, 45:48] = 0.8  # C: 6 km², too small and outside the range
    s[25:30, 20:28] = 0.6  # D: 40 km², around a wild population
    s[12:18, 36:46] = 0.95  # E: 60 km², 24 km² inside the range
    return s


RANGE = px_box(0, 0, 40, 40)
WILD = shapely.Point(X0 + 24_000, Y0 - 27_500)
CAPTIVE = shapely.Point(X0 + 32_000, Y0 - 30_000)
RESERVE = px_box(30, 0, 32.5, 40)


def _sites(crs=ALBERS):
    return gpd.GeoDataFrame(
        {
            "site_id": ["wild-1", "zoo-1"],
            "name": ["Tugai population", "Breeding centre"],
            "iso3": ["UZB", "UZB"],
            "status": ["native", "captive"],
            "source": ["t", "t"],
        },
        geometry=[WILD, CAPTIVE],
        crs=crs,
    )


def test_patches_are_8_connected():
    grid = Grid(km_grid(4, 3), 4, 3, ALBERS)
    mask = np.array([[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=bool)
    patches = habitat_patches(mask, grid)
    assert sorted(patches.geometry.area.round() / 1e6) == [1.0, 1.0, 2.0]


def test_candidates_by_hand():
    grid = Grid(km_grid(60, 40), 60, 40, ALBERS)
    patches = habitat_patches(suitability_array() >= 0.5, grid)
    criteria = CandidateCriteria(min_area_km2=10, min_distance_km=5)
    result = candidate_sites(
        patches, historical_range=RANGE, sites=_sites(), protected=RESERVE, criteria=criteria
    )
    assert len(result) == 3
    by_area = result.set_index(result["area_km2"].round(6))
    assert sorted(by_area.index) == [20.0, 24.0, 60.0]
    assert by_area.loc[20.0, "protected_fraction"] == pytest.approx(0.5)
    assert by_area.loc[60.0, "protected_fraction"] == 0.0
    for row in result.itertuples():
        geom = row.geometry
        assert row.distance_to_population_km == pytest.approx(geom.distance(WILD) / 1000)
        assert row.distance_to_population_km >= 5
        centre = geom.point_on_surface()
        nearest = min((centre.distance(WILD), "wild-1"), (centre.distance(CAPTIVE), "zoo-1"))
        assert row.nearest_source_id == nearest[1]
        assert row.distance_to_source_km == pytest.approx(nearest[0] / 1000)
    d = result["distance_to_source_km"]
    proximity = 1 - (d - d.min()) / (d.max() - d.min())
    score = 0.4 * result["area_km2"] / 60 + 0.3 * result["protected_fraction"] + 0.3 * proximity
    np.testing.assert_allclose(result["score"], score)
    assert result["score"].is_monotonic_decreasing
    assert result["rank"].tolist() == [1, 2, 3] and result["candidate_id"].tolist() == ["C01", "C02", "C03"]
    first = result.iloc[0]
    assert first["explanation"].startswith(
        f"Rank 1 of 3: {first['area_km2']:.1f} km² of contiguous suitable habitat"
    )
    assert "at least 5 km from current populations" in first["explanation"]
    assert "Score" in first["explanation"]


def test_distance_rule_cuts_patches_instead_of_dropping_them():
    grid = Grid(km_grid(60, 40), 60, 40, ALBERS)
    patches = habitat_patches(suitability_array() >= 0.5, grid)
    near = CandidateCriteria(min_area_km2=1, min_distance_km=2)
    result = candidate_sites(patches, historical_range=RANGE, sites=_sites(), protected=None, criteria=near)
    d_parts = result[result.geometry.intersects(px_box(20, 25, 28, 30))]
    expected = px_box(20, 25, 28, 30).difference(WILD.buffer(2000, quad_segs=32)).area / 1e6
    assert d_parts["area_km2"].sum() == pytest.approx(expected, rel=1e-6)
    assert (result["protected_fraction"] == 0).all()


def test_nothing_qualifies_gives_an_empty_table():
    grid = Grid(km_grid(60, 40), 60, 40, ALBERS)
    patches = habitat_patches(suitability_array() >= 0.5, grid)
    result = candidate_sites(
        patches,
        historical_range=RANGE,
        sites=_sites(),
        protected=None,
        criteria=CandidateCriteria(min_area_km2=1000),
    )
    assert result.empty and list(result.columns)[-1] == "geometry"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"min_area_km2": 0}, AnalysisError, "min_area_km2=0; give an area above 0 km²"),
        ({"min_distance_km": -1}, AnalysisError, "min_distance_km=-1; give a distance of 0 km or more"),
        ({"weights": {"area": 1}}, ConfigError, "candidate weights .* are not valid"),
        ({"weights": {"area": 0, "protection": 0, "proximity": 0}}, ConfigError, "not all 0"),
    ],
)
def test_criteria_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        CandidateCriteria(**kwargs)


@pytest.fixture
def cand_world(tmp_path, tif):
    t = km_grid(60, 40)
    s = suitability_array()
    lc = np.where(s >= 0.5, 1, 4).astype("uint8")
    pas = gpd.GeoDataFrame(
        {
            "pa_id": ["p"],
            "name": ["Reserve"],
            "designation": ["Zapovednik"],
            "iucn_cat": ["Ia"],
            "status_year": [1980],
            "reported_area_km2": [100.0],
            "iso3": ["UZB"],
            "source": ["t"],
        },
        geometry=to_store_crs([RESERVE]),
        crs=4326,
    )
    store = make_store(
        tmp_path / "c.gpkg",
        ranges=range_frame([{"range_id": "h", "period": "historical", "geometry": to_store_crs([RANGE])[0]}]),
        sites=_sites().to_crs(4326),
        protected_areas=pas,
    )
    return {
        "store": store.path,
        "suit": tif("s.tif", s, t),
        "lc": tif("lc.tif", lc, t, nodata=0),
        "tmp": tmp_path,
    }


def test_candidates_workflow_writes_layer_table_and_manifest(cand_world):
    report = habitat_candidates(
        out=cand_world["tmp"] / "o",
        store=cand_world["store"],
        suitability=cand_world["suit"],
        min_suitability=0.5,
        min_area_km2=10,
        min_distance_km=5,
    )
    table = report.table
    assert len(table) == 3 and table.crs.to_epsg() == 4326
    assert sorted(table["area_km2"].round(3)) == [20.0, 24.0, 60.0]
    means = dict(zip(table["area_km2"].round(3), table["mean_suitability"], strict=True))
    assert means == pytest.approx({60.0: 0.9, 20.0: 0.7, 24.0: 0.95})
    assert "mean suitability 0.90" in table.loc[table["area_km2"].round(3) == 60, "explanation"].iloc[0]
    layer = gpd.read_file(report.outputs["layer"], layer="candidates")
    assert layer["candidate_id"].tolist() == ["C01", "C02", "C03"] and layer.crs.to_epsg() == 4326
    csv = pd.read_csv(report.outputs["table"])
    assert {"centroid_lon", "centroid_lat", "explanation", "rank"} <= set(csv.columns)
    assert gpd.read_file(report.outputs["geojson"]).shape[0] == 3
    assert report.summary["n_candidates"] == 3 and report.outputs["manifest"].is_file()


def test_candidates_from_landcover_classes(cand_world):
    report = habitat_candidates(
        out=cand_world["tmp"] / "l",
        store=cand_world["store"],
        landcover=cand_world["lc"],
        suitable_classes=[1],
        min_area_km2=10,
        min_distance_km=5,
    )
    assert sorted(report.table["area_km2"].round(3)) == [20.0, 24.0, 60.0]
    assert "mean_suitability" not in report.table.columns


def test_weights_from_a_file(cand_world):
    weights = cand_world["tmp"] / "w.toml"
    weights.write_text("[candidates.weights]\narea = 0\nprotection = 1\nproximity = 0\n")
    report = habitat_candidates(
        out=cand_world["tmp"] / "w",
        store=cand_world["store"],
        suitability=cand_world["suit"],
        min_distance_km=5,
        weights=weights,
    )
    assert report.table.iloc[0]["protected_fraction"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give exactly one of --suitability PATH .* got neither"),
        ({"suitability": "s.tif", "landcover": "l.tif"}, "got both"),
        ({"landcover": "l.tif"}, "--landcover needs --suitable-classes"),
        ({"suitability": "s.tif", "min_suitability": 2.0}, "--min-suitability 2.0 is outside 0-1"),
    ],
)
def test_candidate_input_errors(cand_world, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        habitat_candidates(out=cand_world["tmp"] / "e", store=cand_world["store"], **kwargs)


def test_no_candidate_still_writes_every_output(cand_world):
    report = habitat_candidates(
        out=cand_world["tmp"] / "n",
        store=cand_world["store"],
        suitability=cand_world["suit"],
        min_area_km2=10_000,
    )
    assert report.summary["n_candidates"] == 0 and report.table.empty
    assert pd.read_csv(report.outputs["table"]).empty
    assert gpd.read_file(report.outputs["layer"], layer="candidates").empty


def test_candidate_weights_must_be_numbers():
    from deerhabitat.analysis.habitat import parse_candidate_weights

    with pytest.raises(ConfigError, match=r"w\.toml: \[candidates\.weights\] = .*give numbers"):
        parse_candidate_weights({"candidates": {"weights": {"area": "big"}}}, origin="w.toml")
    assert parse_candidate_weights({}) is None
