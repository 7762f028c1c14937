"""The real ``deerhabitat habitat`` commands, run as a user would."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from habitat_builders import ORIGIN, block_array, km_grid, make_store, range_frame, to_store_crs

X0, Y0 = ORIGIN


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cli_world(tmp_path, tif):
    lc = block_array([[1, 2], [3, 1]], 10, "uint8")
    dem = block_array([[100, 2000], [100, 300]], 10, "int16")
    t = km_grid(20, 20)
    rivers = gpd.GeoDataFrame(
        {"river_id": ["r"], "name": ["Amu Darya"]},
        geometry=to_store_crs([shapely.LineString([(X0, Y0 - 5000), (X0 + 20_000, Y0 - 5000)])]),
        crs=4326,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["s"], "name": ["Far away"], "iso3": ["UZB"], "status": ["native"], "source": ["t"]},
        geometry=to_store_crs([shapely.Point(X0 + 200_000, Y0)]),
        crs=4326,
    )
    ranges = range_frame(
        [
            {
                "range_id": "now",
                "period": "2020",
                "iso3": "UZB",
                "geometry": to_store_crs([shapely.box(X0 + 5000, Y0 - 15_000, X0 + 15_000, Y0 - 5000)])[0],
            },
            {
                "range_id": "old",
                "period": "historical",
                "iso3": "UZB",
                "geometry": to_store_crs([shapely.box(X0, Y0 - 20_000, X0 + 20_000, Y0)])[0],
            },
        ]
    )
    store = make_store(tmp_path / "deer.gpkg", ranges=ranges, rivers=rivers, sites=sites)
    return {
        "store": store.path,
        "lc": tif("lc.tif", lc, t, nodata=0),
        "dem": tif("dem.tif", dem, t),
        "tmp": tmp_path,
    }


def test_aoh_json_with_and_without_elevation(run_cli, cli_world):
    base = [
        "habitat",
        "aoh",
        "--store",
        cli_world["store"],
        "--range-period",
        "2020",
        "--landcover",
        cli_world["lc"],
        "--suitable-classes",
        "1,2",
        "--out",
        "aoh",
        "--json",
    ]
    plain = run_cli(*base)
    assert plain.exit_code == 0, plain
    data = json.loads(plain.stdout)
    # The 10 x 10 km range covers a quarter of each 10 km block: classes 1, 2, 3, 1 -> 75 km² of habitat.
    assert data["range_total_km2"] == pytest.approx(100.0)
    assert data["habitat_total_km2"] == pytest.approx(75.0)
    assert data["aoh_total_km2"] == pytest.approx(75.0) and data["prevalence"] == pytest.approx(0.75)
    assert data["aoh_by_country"] == [
        {"iso3": "UZB", "range_km2": 100.0, "aoh_km2": 75.0, "aoh_fraction": 1.0}
    ]
    assert data["aoh_protected_km2"] is None
    assert (cli_world["tmp"] / "aoh" / "aoh.tif").is_file()
    filtered = run_cli(*base, "--elevation", cli_world["dem"], "--max-elevation-m", "500")
    assert filtered.exit_code == 0, filtered
    assert json.loads(filtered.stdout)["aoh_total_km2"] == pytest.approx(50.0)  # the 2,000 m block drops out


def test_aoh_text_output_and_fallback(run_cli, cli_world):
    result = run_cli(
        "habitat",
        "aoh",
        "--store",
        cli_world["store"],
        "--range-period",
        "2020",
        "--landcover",
        cli_world["lc"],
        "--suitable-classes",
        "7",
        "--out",
        "aoh",
    )
    assert result.exit_code == 0, result
    assert "Area of Habitat, range 2020: 100.0 km² of a 100.0 km² range (prevalence 1.000)" in result.stdout
    assert "fallback: no suitable land-cover class in the range" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--range-period", "1900"],
            "Error: the ranges layer has no polygon of period '1900'; periods in the store: "
            "2020, historical.",
        ),
        (["--landcover", "nope.tif"], "Error: the landcover raster 'nope.tif' does not exist"),
        (
            ["--min-elevation-m", "10"],
            "Error: elevation limits (10.0, None) were given without an elevation raster",
        ),
    ],
)
def test_aoh_errors_are_one_line_and_leave_the_store(run_cli, cli_world, args, message):
    before = sha(cli_world["store"])
    options = {"--range-period": "2020", "--landcover": str(cli_world["lc"])}
    extra = []
    for key, value in zip(args[::2], args[1::2], strict=True):
        if key in options:
            options[key] = value
        else:
            extra += [key, value]
    result = run_cli(
        "habitat",
        "aoh",
        "--store",
        cli_world["store"],
        "--suitable-classes",
        "1",
        "--out",
        "x",
        *[x for kv in options.items() for x in kv],
        *extra,
    )
    assert result.exit_code == 1, result
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert sha(cli_world["store"]) == before


def test_bad_usage_exits_2(run_cli, cli_world):
    result = run_cli(
        "habitat",
        "aoh",
        "--store",
        cli_world["store"],
        "--range-period",
        "2020",
        "--landcover",
        cli_world["lc"],
        "--suitable-classes",
        "tugai",
        "--out",
        "x",
    )
    assert result.exit_code == 2 and "is not a comma-separated list of whole class values" in result.stderr


def test_suitability_zonal_candidates_and_rasters(run_cli, cli_world):
    store = cli_world["store"]
    suit = run_cli(
        "habitat",
        "suitability",
        "--store",
        store,
        "--landcover",
        cli_world["lc"],
        "--elevation",
        cli_world["dem"],
        "--out",
        "suit",
        "--json",
    )
    assert suit.exit_code == 0, suit
    assert json.loads(suit.stdout)["valid_km2"] == pytest.approx(400.0)
    zonal = run_cli(
        "habitat",
        "zonal",
        "--store",
        store,
        "--raster",
        cli_world["lc"],
        "--zones",
        "ranges",
        "--categorical",
        "--json",
    )
    assert zonal.exit_code == 0, zonal
    rows = {r["range_id"]: r for r in json.loads(zonal.stdout)["rows"]}
    assert rows["old"]["class_1"] == pytest.approx(0.5) and rows["now"]["count"] == pytest.approx(100.0)
    cands = run_cli(
        "habitat",
        "candidates",
        "--store",
        store,
        "--suitability",
        "suit/suitability.tif",
        "--min-suitability",
        "0.6",
        "--min-area-km2",
        "5",
        "--out",
        "cand",
    )
    assert cands.exit_code == 0, cands
    assert "candidate site(s)" in cands.stdout and "C01: Rank 1 of" in cands.stdout
    listed = run_cli("habitat", "rasters", "--store", store, "--json")
    assert listed.exit_code == 0, listed
    roles = {r["role"] for r in json.loads(listed.stdout)}
    assert {"landcover", "elevation", "suitability", "distance_to_water", "zonal"} <= roles


def test_covariate_must_be_name_equals_path(run_cli, cli_world):
    result = run_cli(
        "habitat",
        "suitability",
        "--store",
        cli_world["store"],
        "--landcover",
        cli_world["lc"],
        "--covariate",
        "gw.tif",
        "--out",
        "s",
    )
    assert result.exit_code == 2 and "is not NAME=PATH" in result.stderr


def test_block_size_has_a_floor(run_cli, cli_world):
    result = run_cli(
        "habitat",
        "aoh",
        "--store",
        cli_world["store"],
        "--range-period",
        "2020",
        "--landcover",
        cli_world["lc"],
        "--suitable-classes",
        "1",
        "--out",
        "x",
        "--block-size",
        "3",
    )
    assert result.exit_code == 2 and np.any(["--block-size" in line for line in result.stderr.splitlines()])


def test_rasters_of_a_store_without_any(run_cli, cli_world):
    result = run_cli("habitat", "rasters", "--store", cli_world["store"])
    assert result.exit_code == 0 and "No raster is registered in this store yet" in result.stdout
