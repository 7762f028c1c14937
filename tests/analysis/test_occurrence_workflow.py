"""The occurrence analyses of a store in one pass over batches: counts, home ranges, habitat use."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from affine import Affine

from deerhabitat.analysis.habitat_use import boyce_index
from deerhabitat.analysis.home_range import kde_home_range, mcp_area_km2
from deerhabitat.config import StoreConfig
from deerhabitat.io.raster import write_raster
from deerhabitat.workflows.occurrence_analysis import OCCURRENCE_TABLES, analyze_occurrences

ALBERS = StoreConfig().crs
TO_LONLAT = pyproj.Transformer.from_crs(ALBERS, "EPSG:4326", always_xy=True)
ORIGIN = (0.0, 0.0)  # upper-left corner of the test rasters in the Albers CRS
PIXEL = 1000.0


def _points(xy, kinds, animals, dates):
    lon, lat = TO_LONLAT.transform(xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(
        {"date": dates, "kind": kinds, "animal_id": animals},
        geometry=shapely.points(np.column_stack([lon, lat])),
        crs="EPSG:4326",
    )


@pytest.fixture
def rasters(tmp_path):
    transform = Affine(PIXEL, 0, ORIGIN[0], 0, -PIXEL, ORIGIN[1])
    suitability = np.tile((np.arange(100) + 0.5) / 100, (50, 1)).astype("float32")
    write_raster(tmp_path / "suitability.tif", suitability, crs=ALBERS, transform=transform)
    aoh = np.full((50, 100), np.nan, dtype="float32")
    aoh[:, :50] = 0.0  # range without habitat
    aoh[:, 50:] = 1.0  # AOH: model prevalence 0.5
    aoh[:, :10] = np.nan  # outside the range: model prevalence 50 / 90
    write_raster(tmp_path / "aoh.tif", aoh, crs=ALBERS, transform=transform)
    return pd.DataFrame(
        {
            "role": ["suitability", "aoh", "aoh"],
            "path": [
                str(tmp_path / "suitability.tif"),
                str(tmp_path / "aoh.tif"),
                str(tmp_path / "gone.tif"),
            ],
            "time_utc": ["2026-01-01", "2026-01-01", "2025-01-01"],
        }
    )


def _pixel_centres(cols, rows):
    return np.column_stack([ORIGIN[0] + (cols + 0.5) * PIXEL, ORIGIN[1] - (rows + 0.5) * PIXEL])


def test_one_pass_over_batches_gives_every_table(rasters):
    rng = np.random.default_rng(7)
    # 4000 sightings on pixels drawn in proportion to suitability (the column index)
    weights = (np.arange(100) + 0.5) / 100
    cols = rng.choice(100, 4000, p=weights / weights.sum())
    sightings = _pixel_centres(cols, rng.integers(0, 50, 4000))
    # one collared animal: 400 fixes around the middle of the raster, and one animal with 3 fixes
    collar = rng.normal([50_000, -25_000], 3000, (400, 2))
    short = collar[:3] + 10
    off_raster = np.array([[-50_000.0, -400_000.0]])
    xy = np.concatenate([sightings, collar, short, off_raster])
    kinds = ["observation"] * 4000 + ["telemetry"] * 403 + ["sign"]
    animals = [None] * 4000 + ["A"] * 400 + ["B"] * 3 + [None]
    frame = _points(xy, kinds, animals, ["2024-05-01T08:00:00Z"] * len(xy))
    result = analyze_occurrences([frame.iloc[:1000], frame.iloc[1000:]], {}, ALBERS, rasters)
    assert set(result.tables) == set(OCCURRENCE_TABLES)
    assert result.n_occurrences == 4404
    by_year = result.tables["occurrences_by_year"]
    assert by_year["occurrences"].tolist() == [4404] and by_year["telemetry"].tolist() == [403]
    assert by_year["inside_protected_areas"].tolist() == [0]
    homes = result.tables["home_ranges"].set_index("animal_id")
    assert homes.loc["A", "n_fixes"] == 400
    assert homes.loc["A", "mcp_km2"] == pytest.approx(mcp_area_km2(collar), rel=1e-9)
    assert homes.loc["A", "kde_km2"] == pytest.approx(kde_home_range(collar).area_km2, rel=1e-6)
    assert np.isnan(homes.loc["B", "mcp_km2"]) and "3 fixes" in homes.loc["B", "note"]
    use = result.tables["habitat_use"].set_index("measure")
    boyce = use.loc["boyce_index"]
    col = np.floor((xy[:, 0] - ORIGIN[0]) / PIXEL)
    row = np.floor((ORIGIN[1] - xy[:, 1]) / PIXEL)
    on = (col >= 0) & (col < 100) & (row >= 0) & (row < 50)
    expected = boyce_index(np.tile((np.arange(100) + 0.5) / 100, 50), (col[on] + 0.5) / 100)
    assert boyce["value"] == pytest.approx(expected.index, abs=1e-6)
    assert boyce["value"] > 0.8
    assert (boyce["n_points"], boyce["n_used"], boyce["n_outside_raster"]) == (4404, 4403, 1)
    prevalence = use.loc["aoh_point_prevalence"]
    in_range = (xy[:, 0] > ORIGIN[0] + 10 * PIXEL) & (xy[:, 0] < ORIGIN[0] + 100 * PIXEL)
    in_range &= (xy[:, 1] < ORIGIN[1]) & (xy[:, 1] > ORIGIN[1] - 50 * PIXEL)
    in_aoh = in_range & (xy[:, 0] >= ORIGIN[0] + 50 * PIXEL)
    assert prevalence["n_used"] == in_range.sum()
    assert prevalence["value"] == pytest.approx(in_aoh.sum() / in_range.sum(), abs=1e-6)
    assert prevalence["expected"] == pytest.approx(50 / 90, abs=1e-6)
    assert prevalence["n_outside_raster"] == 1 and prevalence["raster"] == "aoh.tif"
    for table in result.tables.values():  # no position in any table
        assert not {"x", "y", "lon", "lat", "geometry"} & set(table.columns)


def test_without_rasters_the_measures_are_not_assessable():
    frame = _points(np.array([[1000.0, -1000.0]]), ["sign"], [None], ["2020"])
    result = analyze_occurrences([frame], {}, ALBERS, None)
    use = result.tables["habitat_use"].set_index("measure")
    assert use["value"].isna().all()
    assert all(note.startswith("not assessable") for note in use["note"])
    assert any("no suitability raster" in n for n in result.notes)
    assert result.tables["home_ranges"].empty
