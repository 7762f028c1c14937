"""The bundled habitat rasters are computed once per content of their inputs and kept in the user's cache."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import deerhabitat.workflows.habitat as habitat
from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store
from deerhabitat.io.cache import cache_key, read_entry, write_entry
from deerhabitat.io.raster import bundled_raster_path


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A private cache folder, and a count of the AOH computations."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    real = habitat.habitat_aoh

    def counting(*args, **kwargs):
        calls.append(kwargs.get("range_period"))
        return real(*args, **kwargs)

    monkeypatch.setattr(habitat, "habitat_aoh", counting)
    return calls


def outputs(reports):
    return {
        name: sha(path) for r in reports.values() for name, path in r.outputs.items() if name != "manifest"
    }


def entry_folder(tmp_path):
    (folder,) = (tmp_path / "cache" / "deerhabitat" / habitat.BUNDLED_CACHE_AREA).iterdir()
    return folder


def test_a_second_call_is_read_from_the_cache(tmp_path, counted):
    first = habitat.bundled_habitat(tmp_path / "a")
    second = habitat.bundled_habitat(tmp_path / "b")
    assert len(counted) == 1
    assert outputs(first) == outputs(second)
    assert all(p.parent == tmp_path / "b" for r in second.values() for p in r.outputs.values())
    assert second["aoh"].summary == json.loads(json.dumps(first["aoh"].summary, default=str))
    assert (
        second["suitability"].summary["mean_suitability"] == first["suitability"].summary["mean_suitability"]
    )


def test_other_settings_or_inputs_miss_the_cache(tmp_path, counted):
    habitat.bundled_habitat(tmp_path / "a")
    habitat.bundled_habitat(tmp_path / "b", range_period="2002")
    assert counted == [counted[0], "2002"] and counted[0] != "2002"
    # A changed input file (the store, here a copy with one more byte) gives another key.
    inputs = [bundled_raster_path("landcover.tif")]
    copy = tmp_path / "store.gpkg"
    shutil.copyfile(bundled_store_path(), copy)
    with open(copy, "ab") as fh:
        fh.write(b"\0")
    store_key = Store(bundled_store_path()).content_key()
    key = habitat._bundled_key(inputs, store_key, "2020", [1, 2])
    assert habitat._bundled_key(inputs, Store(copy).content_key(), "2020", [1, 2]) != key
    assert habitat._bundled_key(inputs, store_key, "2020", [1, 2, 3]) != key
    assert habitat._bundled_key(inputs, store_key, "2020", [1, 2]) == key


def test_a_damaged_entry_is_computed_again(tmp_path, counted):
    first = habitat.bundled_habitat(tmp_path / "a")
    folder = entry_folder(tmp_path)
    (folder / "aoh.tif").write_bytes((folder / "aoh.tif").read_bytes()[:100])
    again = habitat.bundled_habitat(tmp_path / "b")
    assert len(counted) == 2
    assert outputs(again) == outputs(first)
    habitat.bundled_habitat(tmp_path / "c")  # the entry was written again, whole
    assert len(counted) == 2
    (folder / "entry.json").write_text("{not json")
    habitat.bundled_habitat(tmp_path / "d")
    assert len(counted) == 3


def test_cache_entries_are_checked_and_replaced_whole(tmp_path):
    source = tmp_path / "f.bin"
    source.write_bytes(b"abc")
    key = cache_key({"x": 1})
    assert read_entry("area", key, root=tmp_path / "c") is None
    entry = write_entry("area", key, {"f.bin": source}, {"n": 1}, root=tmp_path / "c")
    assert entry is not None and entry.payload == {"n": 1} and entry.files["f.bin"].read_bytes() == b"abc"
    (entry.folder / "f.bin").unlink()
    assert read_entry("area", key, root=tmp_path / "c") is None
    assert write_entry("area", key, {"f.bin": source}, {"n": 2}, root=tmp_path / "c").payload == {"n": 2}
    assert [p.name for p in (tmp_path / "c" / "area").iterdir()] == [key]  # no temporary folder left


def test_an_unwritable_cache_is_not_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    source = tmp_path / "f.bin"
    source.write_bytes(b"abc")
    assert write_entry("area", cache_key({}), {"f.bin": source}, {}, root=blocker) is None


def test_cached_manifests_name_the_files_of_this_run(tmp_path, counted):
    habitat.bundled_habitat(tmp_path / "a")
    second = habitat.bundled_habitat(tmp_path / "b")
    assert len(counted) == 1
    for name in ("aoh", "suitability"):
        manifest = json.loads(second[name].outputs["manifest"].read_text(encoding="utf-8"))
        assert manifest["outputs"]
        for path in manifest["outputs"].values():
            assert Path(path).parent == tmp_path / "b" and Path(path).is_file()


def test_candidate_sites_are_cached_per_content(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []
    real = habitat.habitat_candidates

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(habitat, "habitat_candidates", counting)
    raster = habitat.bundled_habitat(tmp_path / "r")["suitability"].outputs["raster"]
    first = habitat.bundled_candidates(tmp_path / "a", suitability=raster)
    second = habitat.bundled_candidates(tmp_path / "b", suitability=raster)
    assert len(calls) == 1 and len(first.table) > 0
    assert all(p.parent == tmp_path / "b" and p.is_file() for p in second.outputs.values())
    assert list(second.table.columns) == list(first.table.columns)
    pd.testing.assert_frame_equal(
        pd.DataFrame(second.table.drop(columns="geometry")),
        pd.DataFrame(first.table.drop(columns="geometry")).reset_index(drop=True),
    )
    assert second.table.geometry.geom_equals_exact(first.table.geometry.reset_index(drop=True), 1e-9).all()
    # another raster content is another entry
    changed = tmp_path / "changed.tif"
    changed.write_bytes(raster.read_bytes() + b"\0")
    store_key = Store(bundled_store_path()).content_key()
    assert habitat._bundled_key([changed], store_key, "historical", []) != habitat._bundled_key(
        [raster], store_key, "historical", []
    )
