"""`analyze --json` habitat use on a store with registered AOH and suitability rasters (the real commands)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio

from deerhabitat.analysis.habitat_use import boyce_index
from deerhabitat.io.raster import bundled_raster_path


@pytest.fixture
def store(run_cli, tmp_path):
    """The bundled store with its 2020 AOH and a suitability raster registered, and 1,500 GBIF records."""
    assert run_cli("init", "--from-bundled", "deer.gpkg").exit_code == 0
    landcover, elevation = bundled_raster_path("landcover.tif"), bundled_raster_path("elevation.tif")
    aoh = run_cli(
        "habitat", "aoh", "--store", "deer.gpkg", "--range-period", "2020", "--landcover", landcover,
        "--suitable-classes", "1,2", "--out", "aoh",
    )  # fmt: skip
    assert aoh.exit_code == 0, aoh
    suit = run_cli(
        "habitat", "suitability", "--store", "deer.gpkg", "--landcover", landcover, "--elevation", elevation,
        "--out", "suit",
    )  # fmt: skip
    assert suit.exit_code == 0, suit
    with rasterio.open(tmp_path / "suit" / "suitability.tif") as src:
        values = src.read(1, masked=True)
        rows, cols = np.nonzero(~np.ma.getmaskarray(values) & (values.filled(0) > 0))
        weights = values.filled(0)[rows, cols].astype(float)
        rng = np.random.default_rng(5)
        pick = rng.choice(len(rows), 1500, p=weights / weights.sum())
        x, y = rasterio.transform.xy(src.transform, rows[pick], cols[pick])
        lon, lat = pyproj.Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(x, y)
    lines = ["gbifID,eventDate,basisOfRecord,decimalLongitude,decimalLatitude"]
    lines += [
        f"{k},2021-04-0{1 + k % 9},HUMAN_OBSERVATION,{a:.6f},{b:.6f}"
        for k, (a, b) in enumerate(zip(lon, lat, strict=True))
    ]
    (tmp_path / "gbif.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = run_cli("import", "gbif", "gbif.csv", "--drop-invalid", "--store", "deer.gpkg")
    assert imported.exit_code == 0, imported
    return tmp_path


def _sampled(path, lon, lat) -> np.ndarray:
    """Raster values under lon/lat points through rasterio's own sampler (NaN off the raster or nodata)."""
    with rasterio.open(path) as src:
        x, y = pyproj.Transformer.from_crs("EPSG:4326", src.crs, always_xy=True).transform(lon, lat)
        left, bottom, right, top = src.bounds
        on = (x >= left) & (x < right) & (y > bottom) & (y <= top)
        out = np.full(len(lon), np.nan)
        got = np.array([v[0] for v in src.sample(zip(x[on], y[on], strict=True), masked=True)], dtype=object)
        out[np.flatnonzero(on)] = [np.nan if np.ma.is_masked(v) else float(v) for v in got]
        all_values = src.read(1, masked=True).compressed().astype(float)
    return out, all_values


def test_boyce_and_point_prevalence_match_an_independent_sampling_of_the_rasters(run_cli, store):
    result = run_cli("analyze", "--store", store / "deer.gpkg", "--json")
    assert result.exit_code == 0, result
    section = json.loads(result.stdout)["occurrences"]
    exported = run_cli("export", "occurrences", "out.csv", "--store", store / "deer.gpkg")
    assert exported.exit_code == 0, exported
    points = pd.read_csv(store / "out.csv")
    lon, lat = points["longitude"].to_numpy(float), points["latitude"].to_numpy(float)
    assert section["n_occurrences"] == len(points) > 1000

    suit, available = _sampled(store / "suit" / "suitability.tif", lon, lat)
    expected = boyce_index(available[np.isfinite(available)], suit)
    boyce = section["boyce_index"]
    assert boyce["raster"] == "suitability.tif" and boyce["n_used"] == int(np.isfinite(suit).sum())
    assert boyce["value"] == pytest.approx(expected.index, abs=1e-6)
    assert boyce["value"] > 0.5  # records drawn in proportion to suitability

    aoh, pixels = _sampled(store / "aoh" / "aoh.tif", lon, lat)
    in_range = np.isfinite(aoh)
    prevalence = section["aoh_point_prevalence"]
    assert prevalence["n_used"] == int(in_range.sum())
    assert prevalence["value"] == pytest.approx((aoh[in_range] > 0).mean(), abs=1e-6)
    pixels = pixels[np.isfinite(pixels)]
    assert prevalence["expected"] == pytest.approx((pixels > 0).mean(), abs=1e-6)
