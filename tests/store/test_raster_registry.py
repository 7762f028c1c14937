"""Rasters are registered by paths relative to the store, so a store moved with its rasters finds them."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from deerhabitat.io import Store
from deerhabitat.io.raster import raster_record, read_raster_info


def write_tif(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(driver="GTiff", width=3, height=2, count=1, dtype="uint8", crs="EPSG:4326")
    with rasterio.open(path, "w", transform=Affine(0.1, 0, 64, 0, -0.1, 40), **profile) as dst:
        dst.write(np.ones((1, 2, 3), "uint8"))
    return path


def stored_paths(store: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(store)) as con:
        return [row[0] for row in con.execute("SELECT path FROM deerhabitat_rasters ORDER BY role, path")]


def register(store: Store, path: Path, role: str) -> None:
    with store.transaction() as tx:
        tx.register_rasters([raster_record(read_raster_info(path), role, command="test")])


def test_paths_are_kept_relative_to_the_store_and_resolved_when_read(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    store = Store.create(project / "deer.gpkg")
    inside = write_tif(project / "rasters" / "landcover.tif")
    beside = write_tif(tmp_path / "shared" / "dem.tif")
    register(store, inside, "landcover")
    register(store, beside, "elevation")
    assert stored_paths(store.path) == ["../shared/dem.tif", "rasters/landcover.tif"]
    assert store.rasters()["path"].tolist() == [str(beside), str(inside)]

    moved = tmp_path / "elsewhere" / "project"
    shutil.copytree(project, moved)
    (tmp_path / "elsewhere" / "shared").mkdir()
    shutil.copy(beside, tmp_path / "elsewhere" / "shared" / "dem.tif")
    table = Store(moved / "deer.gpkg").rasters().set_index("role")
    assert table.loc["landcover", "path"] == str(moved / "rasters" / "landcover.tif")
    assert all(Path(p).is_file() for p in table["path"])


def test_a_store_through_a_symlink_keeps_paths_relative_to_its_real_folder(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    Store.create(real / "deer.gpkg")
    (tmp_path / "link.gpkg").symlink_to(real / "deer.gpkg")
    store = Store(tmp_path / "link.gpkg")
    tif = write_tif(real / "aoh.tif")
    register(store, tif, "aoh")
    assert stored_paths(real / "deer.gpkg") == ["aoh.tif"]
    assert store.rasters()["path"].tolist() == [str(tif)]


def test_absolute_entries_of_earlier_versions_still_resolve_and_are_replaced_by_a_new_registration(tmp_path):
    store = Store.create(tmp_path / "deer.gpkg")
    tif = write_tif(tmp_path / "rasters" / "landcover.tif")
    register(store, tif, "landcover")
    with contextlib.closing(sqlite3.connect(store.path)) as con:  # as versions before relative paths wrote it
        con.execute("UPDATE deerhabitat_rasters SET path = ?", (str(tif),))
        con.commit()
    assert store.rasters()["path"].tolist() == [str(tif)]
    register(store, tif, "landcover")
    assert stored_paths(store.path) == ["rasters/landcover.tif"]  # one row per role and file, latest wins
    register(store, tif, "suitability-input")
    assert sorted(store.rasters()["role"]) == ["landcover", "suitability-input"]
