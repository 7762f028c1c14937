"""io/raster: grid checks, aligned reading, the COG writer, class tables, display images, the registry."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine
from habitat_builders import ALBERS, km_grid

from deerhabitat.analysis.habitat import Grid, pixel_area_km2
from deerhabitat.crs import describe_crs
from deerhabitat.errors import AnalysisError, InputFileError
from deerhabitat.io import Store
from deerhabitat.io.raster import (
    AlignedRasters,
    RasterWriter,
    raster_record,
    read_class_table,
    read_display_image,
    read_raster,
    read_raster_info,
    write_raster,
)


def whole(height, width):
    return SimpleNamespace(row_off=0, col_off=0, height=height, width=width)


def test_info_describes_the_grid(tif):
    path = tif("a.tif", np.zeros((3, 4), "uint8"), km_grid(4, 3), nodata=255)
    info = read_raster_info(path, role="landcover")
    assert (info.width, info.height, info.dtype, info.nodata) == (4, 3, "uint8", 255)
    assert info.crs == ALBERS and info.transform == km_grid(4, 3)
    d = info.describe()
    assert d["transform"] == list(km_grid(4, 3))[:6] and d["crs_name"] == describe_crs(ALBERS)
    assert "unknown" not in d["crs_name"].lower()  # the store's Albers has no name of its own


def test_aligned_reading_same_grid_and_warped(tif):
    t = km_grid(4, 4)
    lc = tif("lc.tif", np.arange(16, dtype="uint8").reshape(4, 4), t, nodata=0)
    same = tif("same.tif", np.full((4, 4), 7.0, "float32"), t)
    coarse = tif(
        "coarse.tif", np.full((4, 4), 3.0, "float32"), Affine(2000, 0, t.c - 2000, 0, -2000, t.f + 2000)
    )
    lc_info = read_raster_info(lc)
    with AlignedRasters(
        lc_info,
        {"same": (read_raster_info(same), "bilinear"), "coarse": (read_raster_info(coarse), "bilinear")},
    ) as rasters:
        values, valid = rasters.read("landcover", whole(4, 4))
        assert values[0, 0] == 0 and not valid[0, 0] and valid[0, 1]
        assert rasters.resampling("same") == "same grid" and rasters.resampling("coarse") == "bilinear"
        sub, ok = rasters.read("coarse", SimpleNamespace(row_off=1, col_off=2, height=2, width=2))
        assert sub.shape == (2, 2) and np.allclose(sub, 3.0) and ok.all()


def test_warped_raster_has_nodata_outside_its_extent(tif):
    t = km_grid(4, 2)
    lc = read_raster_info(tif("lc.tif", np.ones((2, 4), "uint8"), t))
    half = read_raster_info(tif("half.tif", np.full((2, 2), 5.0, "float32"), t))  # covers the left half only
    with AlignedRasters(lc, {"half": (half, "nearest")}) as rasters:
        values, valid = rasters.read("half", whole(2, 4))
    assert valid[:, :2].all() and not valid[:, 2:].any() and np.isnan(values[:, 2:]).all()


def test_unknown_resampling_is_refused(tif):
    info = read_raster_info(tif("a.tif", np.ones((2, 2), "uint8"), km_grid(2, 2)))
    with pytest.raises(ValueError, match="resampling 'cubic' for 'x'"):
        AlignedRasters(info, {"x": (info, "cubic")})


def test_writer_publishes_a_cog_only_on_success(tmp_path):
    dest = tmp_path / "out" / "r.tif"
    array = np.arange(1200, dtype="float32").reshape(30, 40)
    write_raster(dest, array, crs=ALBERS, transform=km_grid(40, 30))
    values, valid, info = read_raster(dest)
    assert np.array_equal(values, array) and valid.all() and info.crs == ALBERS
    with rasterio.open(dest) as src:
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    before = hashlib.sha256(dest.read_bytes()).hexdigest()
    with pytest.raises(RuntimeError, match="boom"):
        with RasterWriter(dest, crs=ALBERS, transform=km_grid(40, 30), width=40, height=30) as writer:
            writer.write(whole(30, 40), np.zeros((30, 40)))
            raise RuntimeError("boom")
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in dest.parent.iterdir()) == ["r.tif"]  # no temporary file left


def test_unwritten_blocks_are_nodata(tmp_path):
    dest = tmp_path / "sparse.tif"
    with RasterWriter(dest, crs=ALBERS, transform=km_grid(600, 600), width=600, height=600) as writer:
        writer.write(SimpleNamespace(row_off=0, col_off=0, height=10, width=10), np.ones((10, 10)))
    values, valid, _ = read_raster(dest)
    assert valid.sum() == 100 and np.nansum(values) == 100


def test_writer_refuses_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputFileError, match="cannot write into"):
        write_raster(blocker / "r.tif", np.zeros((2, 2), "float32"), crs=ALBERS, transform=km_grid(2, 2))


def test_class_table(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text("value,name,suitable\n2,reeds,yes\n1,tugai,true\n4,desert,false\n")
    table = read_class_table(path)
    assert table["value"].tolist() == [1, 2, 4] and table["suitable"].tolist() == [True, True, False]
    bad = tmp_path / "bad.csv"
    bad.write_text("value,label\n1,x\n")
    with pytest.raises(InputFileError, match="lacks column\\(s\\) name, suitable"):
        read_class_table(bad)
    with pytest.raises(InputFileError, match="cannot read the class table"):
        read_class_table(tmp_path / "missing.csv")


def test_display_image_is_in_lon_lat_bounds(tif):
    path = tif("d.tif", np.ones((50, 80), "float32"), Affine(0.01, 0, 64.0, 0, -0.01, 40.0), crs="EPSG:4326")
    image, (south, west, north, east) = read_display_image(path, max_size=40)
    assert max(image.shape) <= 41
    assert (south, west, north, east) == pytest.approx((39.5, 64.0, 40.0, 64.8), abs=0.01)


def test_registry_round_trip(tmp_path, tif):
    store = Store.create(tmp_path / "s.gpkg")
    info = read_raster_info(tif("a.tif", np.ones((2, 3), "uint8"), km_grid(3, 2)))
    assert store.rasters().empty
    with store.transaction() as tx:
        tx.register_rasters([raster_record(info, "landcover", command="test")])
    table = store.rasters()
    assert table[["role", "width", "height", "command"]].values.tolist() == [["landcover", 3, 2, "test"]]
    assert table["sha256"].iloc[0] == hashlib.sha256(info.path.read_bytes()).hexdigest()
    assert Store(store.path).kinds() == []  # the registry is an attributes table, not a layer


def test_grid_checks():
    with pytest.raises(AnalysisError, match="rotated or not north-up"):
        Grid(Affine(1000, 10, 0, 0, -1000, 0), 2, 2, ALBERS)
    with pytest.raises(AnalysisError, match="needs at least one pixel"):
        Grid(km_grid(1, 1), 0, 2, ALBERS)
    with pytest.raises(AnalysisError, match="block_size=0"):
        list(Grid(km_grid(2, 2), 2, 2, ALBERS).blocks(0))


def test_pixel_area_needs_an_equal_area_crs():
    from deerhabitat.errors import CRSError

    with pytest.raises(CRSError, match="does not preserve area"):
        pixel_area_km2(Grid(km_grid(2, 2), 2, 2, ALBERS), "EPSG:3857")


def test_pixel_area_of_unprojectable_corners():
    grid = Grid(Affine(10, 0, 170, 0, -10, 100), 2, 2, pyproj.CRS("EPSG:4326"))  # latitude 100 does not exist
    with pytest.raises(AnalysisError, match="cannot be projected to the analysis CRS"):
        pixel_area_km2(grid, ALBERS)
