"""The GeoPackage store: creation, round trip, upsert/replace, provenance, and atomicity."""

from __future__ import annotations

import hashlib
import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from deerhabitat.config import StoreConfig
from deerhabitat.errors import LayerNotFoundError, StoreError
from deerhabitat.io import Provenance, Store
from deerhabitat.schema import LayerKind, validate_layer


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_sites(ids=("a", "b"), names=None):
    names = names or [f"Site {i}" for i in ids]
    frame = gpd.GeoDataFrame(
        {
            "site_id": list(ids),
            "name": names,
            "iso3": ["UZB"] * len(ids),
            "status": ["native"] * len(ids),
            "source": ["test"] * len(ids),
        },
        geometry=[shapely.Point(60 + i, 41) for i in range(len(ids))],
        crs=4326,
    )
    return validate_layer(frame, "sites")


@pytest.fixture
def store(tmp_path):
    return Store.create(tmp_path / "deer.gpkg")


def test_create_makes_a_geopackage_with_settings(store):
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    assert store.config == StoreConfig()
    assert store.kinds() == []
    assert store.layers() == []


def test_create_refuses_to_overwrite_and_non_gpkg(tmp_path, store):
    with pytest.raises(StoreError, match="already exists"):
        Store.create(store.path)
    with pytest.raises(StoreError, match=r"must end in \.gpkg"):
        Store.create(tmp_path / "deer.sqlite")


def test_open_missing_or_foreign_file(tmp_path):
    with pytest.raises(StoreError, match="does not exist; create it with `deerhabitat init"):
        Store(tmp_path / "missing.gpkg")
    foreign = tmp_path / "foreign.gpkg"
    foreign.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="is not a deerhabitat store"):
        Store(foreign)


def test_round_trip_keeps_attributes_geometry_and_unicode(store):
    names = ["Тигровая балка", "<script>alert('x')</script> 🦌 بخارا"]
    sites = make_sites(names=names)
    result = store.write(LayerKind.SITES, sites, provenance=Provenance("sites.csv", "abc"))
    assert (result.added, result.updated, result.total) == (2, 0, 2)
    back = store.read("sites")
    assert back["name"].tolist() == names
    assert back.geometry.geom_equals(sites.geometry).all()
    assert back.crs.to_epsg() == 4326
    assert pyogrio.list_layers(store.path)[0].tolist() == ["sites", "Point"]


def test_upsert_updates_by_id_and_replace_replaces(store):
    store.write(LayerKind.SITES, make_sites(("a", "b")), provenance=Provenance("one.csv"))
    result = store.write(
        LayerKind.SITES, make_sites(("b", "c"), names=["B2", "C"]), provenance=Provenance("two.csv")
    )
    assert (result.added, result.updated, result.total) == (1, 1, 3)
    back = store.read("sites")
    assert back["site_id"].tolist() == ["a", "b", "c"]
    assert back.set_index("site_id").loc["b", "name"] == "B2"
    result = store.write(
        LayerKind.SITES, make_sites(("z",)), provenance=Provenance("three.csv"), mode="replace"
    )
    assert store.read("sites")["site_id"].tolist() == ["z"]
    assert result.total == 1


def test_provenance_is_recorded_and_listed(store):
    store.write(LayerKind.SITES, make_sites(), provenance=Provenance("sites.csv", "f00d", rejected=2))
    log = store.provenance()
    assert log[
        ["layer", "source_file", "sha256", "added", "updated", "rejected", "total"]
    ].values.tolist() == [["sites", "sites.csv", "f00d", 2, 0, 2, 2]]
    info = store.layers()[0].to_dict()
    assert info["name"] == "sites" and info["count"] == 2 and info["source_file"] == "sites.csv"
    assert info["crs"] == "EPSG:4326" and info["tool_version"]


def test_a_failed_transaction_leaves_the_file_byte_for_byte(store):
    store.write(LayerKind.SITES, make_sites(), provenance=Provenance("sites.csv"))
    before = sha(store.path)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.write(LayerKind.SITES, make_sites(("q",)), provenance=Provenance("x"), mode="replace")
        raise RuntimeError("boom in the middle")
    assert sha(store.path) == before
    assert [p.name for p in store.path.parent.iterdir()] == ["deer.gpkg"]


def test_writing_a_projected_layer_is_refused_unchanged(store):
    before = sha(store.path)
    with pytest.raises(StoreError, match="the store holds EPSG:4326 only"):
        store.write(LayerKind.SITES, make_sites().to_crs(32642), provenance=Provenance("x"))
    assert sha(store.path) == before


def test_readonly_store_refuses_writes(store):
    readonly = Store(store.path, readonly=True)
    with pytest.raises(StoreError, match="read-only"):
        readonly.write(LayerKind.SITES, make_sites(), provenance=Provenance("x"))


def test_missing_layer_lists_what_is_there(store):
    store.write(LayerKind.SITES, make_sites(), provenance=Provenance("x"))
    with pytest.raises(LayerNotFoundError, match=r"no 'rivers' layer \(layers: sites\); import one with"):
        store.read("rivers")
    empty = store.read("rivers", missing_ok=True)
    assert len(empty) == 0 and "river_id" in empty.columns


def test_store_in_a_missing_folder(tmp_path):
    with pytest.raises(StoreError, match="cannot write beside"):
        Store.create(tmp_path / "no" / "such" / "deer.gpkg")


def test_copies_and_journals_left_by_killed_writers_are_cleaned_up_by_the_next_write(store):
    # Under the writer lock no other writer is at work, so every temporary copy found is a leftover,
    # whatever its process id says (a pid may have been reused).
    leftovers = [
        store.path.parent / f".{store.path.name}.{pid}.abc123.tmp.gpkg{suffix}"
        for pid in (1, 999999)
        for suffix in ("", "-journal", "-wal", "-shm")
    ]
    for path in leftovers:
        path.write_bytes(b"half-written copy")
    store.write(LayerKind.SITES, make_sites(), provenance=Provenance("x"))
    assert [p.name for p in store.path.parent.iterdir()] == ["deer.gpkg"]


def test_a_store_object_survives_pickle_and_copy_as_its_backend(tmp_path):
    import copy
    import pickle

    from deerhabitat.config import bundled_store_path
    from deerhabitat.io.gpkg_store import GpkgStore

    store = Store(bundled_store_path(), readonly=True)
    assert isinstance(store, GpkgStore)
    for again in (pickle.loads(pickle.dumps(store)), copy.copy(store)):
        assert isinstance(again, GpkgStore) and again.kinds() == store.kinds() and again.readonly
