"""``habitat corridors`` end to end: hold-out raster with a known path, CLI, outputs, public profile, errors.

The hold-out resistance raster has a known least-cost path and cost, computed by hand; the CLI runs the
real command.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from habitat_builders import ALBERS, ORIGIN, km_grid, make_store, to_store_crs

from deerhabitat.errors import AnalysisError
from deerhabitat.publish.generalise import snap_to_cell_centres
from deerhabitat.workflows.corridors import habitat_corridors

X0, Y0 = ORIGIN
SQRT2 = math.sqrt(2)


def centre(row, col):
    return shapely.Point(X0 + 1000 * col + 500, Y0 - 1000 * row - 500)


def px_box(c0, r0, c1, r1):
    return shapely.box(X0 + 1000 * c0, Y0 - 1000 * r1, X0 + 1000 * c1, Y0 - 1000 * r0)


SITES = {  # site_id: (cell, status, latest wild count)
    "A": ((5, 8), "native", 40),
    "B": ((25, 30), "reintroduced", 12),
    "D": ((35, 45), "native", 7),  # on an island ringed by nodata: isolated
    "Z": ((20, 10), "native", 0),  # no animals left
    "ZOO": ((30, 10), "captive", 5),
}


def _resistance():
    r = np.full((40, 50), 50.0, dtype="float32")
    r[5, 5:31] = 1.0  # a river eastwards along row 5 ...
    r[5:26, 30] = 1.0  # ... then south along column 30
    r[32:39, 42:49] = -9999.0  # nodata ring
    r[34:37, 44:47] = 1.0  # the island
    return r


@pytest.fixture
def world(tmp_path, tif):
    ids = list(SITES)
    sites = gpd.GeoDataFrame(
        {
            "site_id": ids,
            "name": [f"Site {i} <b>" for i in ids],
            "iso3": ["UZB"] * len(ids),
            "status": [SITES[i][1] for i in ids],
            "source": ["t"] * len(ids),
        },
        geometry=to_store_crs([centre(*SITES[i][0]) for i in ids]),
        crs=4326,
    )
    counts = gpd.GeoDataFrame(
        {
            "count_id": [f"c-{i}" for i in ids],
            "site_id": ids,
            "date": ["2022"] * len(ids),
            "count": [SITES[i][2] for i in ids],
            "method": ["census"] * len(ids),
            "captive": [SITES[i][1] == "captive" for i in ids],
            "source": ["t"] * len(ids),
        },
        geometry=sites.geometry.values,
        crs=4326,
    )
    pas = gpd.GeoDataFrame(
        {
            "pa_id": ["p1"],
            "name": ["Reserve"],
            "designation": ["Zapovednik"],
            "iucn_cat": ["Ia"],
            "status_year": [1971],
            "reported_area_km2": [150.0],
            "iso3": ["TKM"],
            "source": ["t"],
        },
        geometry=to_store_crs([px_box(20, 0, 35, 10)]),
        crs=4326,
    )
    states = gpd.GeoDataFrame(
        {"iso3": ["UZB", "TKM"], "name": ["West", "East"]},
        geometry=to_store_crs([px_box(-10, -10, 25, 60), px_box(25, -10, 60, 60)]),
        crs=4326,
    )
    store = make_store(
        tmp_path / "deer.gpkg",
        sites=sites,
        population_counts=counts,
        protected_areas=pas,
        range_states=states,
    )
    path = tif("resistance.tif", _resistance(), km_grid(50, 40), nodata=-9999.0)
    return {"store": store.path, "resistance": path, "tmp": tmp_path, "sites": sites}


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_hold_out_resistance_gives_the_known_path_cost_and_shares(world):
    report = habitat_corridors(
        out=world["tmp"] / "out", store=world["store"], resistance=world["resistance"], profile="internal"
    )
    s = report.summary
    assert [p["site_id"] for p in s["populations"]] == ["A", "B", "D"]
    assert {x["site_id"]: x["reason"] for x in s["excluded_sites"]} == {
        "Z": "latest wild count is 0 (2022)",
        "ZOO": "captive",
    }
    pairs = {p["pair_id"]: p for p in s["pairs"]}
    ab = pairs["A--B"]
    # 22 km east along the river (columns 8 -> 29, resistance 1), one diagonal step round the bend,
    # 19 km south: the hand-computed least cost
    assert ab["least_cost"] == pytest.approx(21 + SQRT2 + 19)
    assert ab["path_length_km"] == pytest.approx(40 + SQRT2)
    assert ab["linked"] and ab["direct"]
    assert ab["euclidean_km"] == pytest.approx(math.hypot(20, 22))
    # reserve = columns 20-35, rows 0-10: 9.5 km of row 5, the diagonal, 3.5 km of column 30
    assert ab["path_protected_km"] == pytest.approx(13 + SQRT2)
    by_country = {d["iso3"]: d["km"] for d in ab["path_by_country"]}
    assert by_country == pytest.approx({"UZB": 16.5, "TKM": 23.5 + SQRT2})
    assert pairs["A--D"]["least_cost"] is None and not pairs["A--D"]["linked"]
    assert s["isolated"] == ["D"]
    assert s["n_linked"] == 1
    # the path layer holds the path cell centres, in order
    paths = gpd.read_file(report.outputs["layer"], layer="corridor_paths").to_crs(ALBERS)
    expected = [centre(5, c) for c in range(8, 30)] + [centre(r, 30) for r in range(6, 26)]
    coords = shapely.get_coordinates(paths.geometry.iloc[0])
    assert np.allclose(coords, [p.coords[0] for p in expected], atol=1e-3)
    assert paths["pair_id"].tolist() == ["A--B"]


def test_outputs_are_cogs_a_geopackage_and_json_registered_in_the_store(world):
    report = habitat_corridors(
        out=world["tmp"] / "out", store=world["store"], resistance=world["resistance"], profile="internal"
    )
    out = report.outputs
    with rasterio.open(out["cost_distance"]) as src:
        cd = src.read(1)
        assert src.profile["tiled"] and src.crs is not None
    # cost from A's cell (5, 8) to B's cell (25, 30) on the nearest-population surface is 0 at each end
    assert cd[5, 8] == 0 and cd[25, 30] == 0 and np.isnan(cd[33, 43])
    with rasterio.open(out["resistance"]) as src:
        res = src.read(1)
    assert np.isnan(res[32, 42]) and res[5, 10] == 1.0
    with rasterio.open(out["corridors_raster"]) as src:
        mosaic = src.read(1)
    assert mosaic[5, 15] == pytest.approx(0.0) and np.isnan(mosaic[39, 0])
    layers = [name for name, _ in pyogrio.list_layers(out["layer"])]
    assert layers == ["corridor_paths", "corridor_zones", "corridor_populations"]
    manifest = json.loads(out["manifest"].read_text("utf-8"))
    assert manifest["pairs"] == report.summary["pairs"] and manifest["registered_in_store"] is True
    from deerhabitat.io import Store

    roles = set(Store(world["store"]).rasters()["role"])
    assert {"resistance", "cost-distance", "corridors"} <= roles


def test_public_profile_starts_at_generalised_positions_only(world):
    report = habitat_corridors(out=world["tmp"] / "pub", store=world["store"], resistance=world["resistance"])
    s = report.summary
    assert s["profile"] == "public" and all(p["generalised"] for p in s["populations"])
    sites = world["sites"].set_index("site_id").loc[["A", "B", "D"]]
    generalised = snap_to_cell_centres(sites.geometry, cell_m=10_000, crs=ALBERS).to_crs(ALBERS)
    starts = gpd.read_file(report.outputs["layer"], layer="corridor_populations").to_crs(ALBERS)
    exact = sites.geometry.to_crs(ALBERS)
    for start, gen in zip(starts.geometry, generalised, strict=True):
        assert start.distance(gen) < 1e-3
    assert starts.geometry.iloc[0].distance(exact.iloc[0]) > 2000
    # the path ends at the generalised positions too
    paths = gpd.read_file(report.outputs["layer"], layer="corridor_paths").to_crs(ALBERS)
    line = paths.geometry.iloc[0]
    ends = [shapely.Point(line.coords[0]), shapely.Point(line.coords[-1])]
    assert ends[0].distance(generalised.iloc[0]) < 1e-3 and ends[1].distance(generalised.iloc[1]) < 1e-3
    text = report.outputs["manifest"].read_text("utf-8")
    for point in sites.geometry:
        assert f"{point.x:.5f}" not in text and f"{point.y:.5f}" not in text


def test_from_suitability_applies_the_documented_transform(world, tif):
    s = np.full((40, 50), 0.5, dtype="float32")
    s[5, :] = 1.0
    s[:, 0] = -1
    path = tif("suit.tif", s, km_grid(50, 40), nodata=-1)
    report = habitat_corridors(
        out=world["tmp"] / "s", store=world["store"], suitability=path, profile="internal"
    )
    with rasterio.open(report.outputs["resistance"]) as src:
        res = src.read(1)
    assert res[5, 3] == 1.0 and res[10, 3] == pytest.approx(1 + 99 * 0.5**4) and np.isnan(res[10, 0])
    assert report.summary["resistance_transform"]["k"] == 99.0


def test_cli_runs_and_prints_json(world, run_cli):
    result = run_cli(
        "habitat", "corridors", "--store", world["store"], "--resistance", world["resistance"],
        "--out", world["tmp"] / "cli", "--profile", "internal", "--tolerance", "5", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["tolerance"] == 5.0 and data["isolated"] == ["D"]
    ab = next(p for p in data["pairs"] if p["pair_id"] == "A--B")
    assert ab["least_cost"] == pytest.approx(40 + SQRT2)
    result = run_cli("habitat", "corridors", "--store", world["store"], "--resistance", world["resistance"],
                     "--out", world["tmp"] / "cli2", "--max-cost", "30")  # fmt: skip
    assert result.exit_code == 0, result
    assert "isolated: A, B, D" in result.stdout


def test_cli_bad_input_is_one_error_line_and_leaves_the_store_unchanged(world, run_cli, tif):
    before = _sha(world["store"])
    result = run_cli(
        "habitat", "corridors", "--store", world["store"], "--resistance", world["resistance"],
        "--from-suitability", world["resistance"], "--out", world["tmp"] / "x",
    )  # fmt: skip
    assert result.exit_code == 1 and result.stderr.startswith("Error: give either --resistance")
    assert len(result.stderr.strip().splitlines()) == 1
    lonlat = tif("ll.tif", np.ones((4, 4), "float32"), km_grid(4, 4, pixel_m=0.1, origin=(60, 40)), crs=4326)
    result = run_cli("habitat", "corridors", "--store", world["store"], "--resistance", lonlat, "--out", "y")
    assert (
        result.exit_code == 1
        and "not an equal-area CRS" in result.stderr
        and "Traceback" not in result.stderr
    )
    result = run_cli("habitat", "corridors", "--store", world["store"], "--out", "z", "--tolerance", "-3")
    assert result.exit_code == 1 and "tolerance -3.0" in result.stderr
    assert _sha(world["store"]) == before


def test_zero_resistance_is_refused(world, tif):
    r = _resistance()
    r[0, 0] = 0
    with pytest.raises(AnalysisError, match="0 or less"):
        habitat_corridors(
            out=world["tmp"] / "o", store=world["store"], resistance=tif("zero.tif", r, km_grid(50, 40))
        )


def test_bundled_store_uses_the_bundled_sample_suitability(tmp_path, monkeypatch):
    from deerhabitat.config import resolve_store

    monkeypatch.delenv("DEERHABITAT_STORE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bundled = resolve_store(None).path
    before = _sha(bundled)
    report = habitat_corridors(out=tmp_path / "out")
    s = report.summary
    assert (
        s["raster_source"].startswith("the bundled sample suitability") and s["registered_in_store"] is False
    )
    # wild sites whose latest wild count is above 0; national figures, captive and uncounted sites left out
    assert len(s["populations"]) == 8 and "UZB-NATIONAL" not in {p["site_id"] for p in s["populations"]}
    assert s["profile"] == "public" and s["n_pairs"] == 28
    assert _sha(bundled) == before
