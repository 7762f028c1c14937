"""Occurrences on a PostGIS store (a table) through the real CLI, against a GeoPackage (GeoParquet files).

The same records and analyses on both, copies each way, refusals that change nothing, no public read.

Every test runs in a fresh database of the throwaway cluster (``postgis_url``); they skip, saying why,
where PostgreSQL or PostGIS cannot be installed.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pandas as pd
import psycopg
import pyproj
import pytest
from psycopg import errors
from store_builders import finish, start

from deerhabitat.io import Store
from deerhabitat.io import datasets as ds

GEOD = pyproj.Geod(ellps="WGS84")


def deerhabitat(*args, cwd: Path, env: dict[str, str] | None = None):
    return finish(start([str(a) for a in args], cwd, env))


def write_movebank(path: Path, *, bad: bool = False) -> None:
    """Two animals, 30 hourly fixes each in 2021 and 2022 (a 0/0 fix for animal B when ``bad``)."""
    rows = ["event-id,individual-local-identifier,timestamp,location-long,location-lat"]
    for animal, (lon, lat), year in (("A", (64.0, 41.0), 2021), ("B", (64.5, 41.5), 2022)):
        for k in range(30):
            x, y = GEOD.fwd(lon, lat, (k * 37) % 360, 200 + 10 * k)[:2]
            rows.append(f"{animal}{k},{animal},{year}-06-{1 + k // 24:02d} {k % 24:02d}:00:00.000,{x},{y}")
    if bad:
        rows.append("B99,B,2022-07-01 00:00:00.000,0,0")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_gbif(path: Path) -> None:
    rows = ["gbifID,eventDate,basisOfRecord,decimalLongitude,decimalLatitude,individualCount"]
    rows += [
        f"{k},2020-04-{1 + k % 9:02d},HUMAN_OBSERVATION,{64 + k / 100:.4f},{40 + k / 90:.4f},{k % 4}"
        for k in range(40)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def occurrences(store: Store) -> pd.DataFrame:
    frame = ds.read_occurrences(store).sort_values("occurrence_id").reset_index(drop=True)
    out = pd.DataFrame(frame.drop(columns="geometry"))
    out["wkb"] = [g.wkb for g in frame.geometry]
    return out


@pytest.fixture
def both(postgis_url, tmp_path) -> tuple[Store, Store]:
    """The bundled store as a GeoPackage and in the database, the same files imported into each."""
    assert deerhabitat("init", "--from-bundled", "deer.gpkg", cwd=tmp_path).returncode == 0
    assert deerhabitat("copy", "deer.gpkg", postgis_url, cwd=tmp_path).returncode == 0
    write_movebank(tmp_path / "fixes.csv")
    write_gbif(tmp_path / "gbif.csv")
    for store in ("deer.gpkg", postgis_url):
        for source, name in (("movebank", "fixes.csv"), ("gbif", "gbif.csv")):
            done = deerhabitat("import", source, name, "--store", store, cwd=tmp_path)
            assert done.returncode == 0, done
    return Store(tmp_path / "deer.gpkg"), Store(postgis_url)


def test_imports_give_the_same_records_on_both_backends(both, tmp_path):
    gpkg, pg = both
    expected = occurrences(gpkg)
    assert len(expected) == 100
    pd.testing.assert_frame_equal(occurrences(pg), expected)
    assert ds.row_count(pg) == ds.row_count(gpkg) == 100
    assert ds.years_present(pg) == ds.years_present(gpkg) == [2020, 2021, 2022]
    for kwargs in ({"years": [2021]}, {"bbox": (63.9, 40.9, 64.1, 41.1)}, {"columns": ["animal_id"]}):
        left, right = ds.read_occurrences(pg, **kwargs), ds.read_occurrences(gpkg, **kwargs)
        assert len(left) and list(left.columns) == list(right.columns), kwargs
        assert sorted(map(str, left.to_wkt().itertuples(index=False))) == sorted(
            map(str, right.to_wkt().itertuples(index=False))
        ), kwargs
    batches = list(ds.iter_occurrences(pg, batch_rows=7))
    assert max(len(b) for b in batches) == 7 and sum(len(b) for b in batches) == 100
    # Importing the same file again updates every record, adds none.
    again = deerhabitat("import", "gbif", "gbif.csv", "--store", pg.location, cwd=tmp_path)
    assert again.returncode == 0, again
    assert ds.row_count(pg) == 100
    assert pg.provenance()["updated"].astype(int).iloc[-1] == 40
    layers = json.loads(deerhabitat("layers", "--store", pg.location, "--json", cwd=tmp_path).stdout)
    assert {e["name"]: e["count"] for e in layers}["occurrences"] == 100


def test_analyze_json_occurrences_equal_on_both_backends(both, tmp_path):
    gpkg, pg = both
    sections = []
    for store in (gpkg.path, pg.location):
        done = deerhabitat("analyze", "--json", "--store", store, cwd=tmp_path)
        assert done.returncode == 0, done
        sections.append(json.loads(done.stdout)["occurrences"])
    assert sections[0] and sections[0] == sections[1]


def test_a_copy_each_way_keeps_every_record(both, tmp_path, postgis_cluster):
    gpkg, pg = both
    expected = occurrences(gpkg)
    back = deerhabitat("copy", pg.location, "back.gpkg", cwd=tmp_path)
    assert back.returncode == 0, back
    pd.testing.assert_frame_equal(occurrences(Store(tmp_path / "back.gpkg")), expected)
    assert ds.occurrence_files(Store(tmp_path / "back.gpkg"))
    other = postgis_cluster.create_database()
    there = deerhabitat("copy", "deer.gpkg", other, cwd=tmp_path)
    assert there.returncode == 0, there
    pd.testing.assert_frame_equal(occurrences(Store(other)), expected)
    assert Store(other).provenance()["layer"].tolist() == gpkg.provenance()["layer"].tolist()


def test_a_refused_import_leaves_the_database_unchanged(both, tmp_path):
    _, pg = both
    before = (pg.content_key(), occurrences(pg), len(pg.provenance()))
    write_movebank(tmp_path / "bad.csv", bad=True)
    refused = deerhabitat("import", "movebank", "bad.csv", "--replace", "--store", pg.location, cwd=tmp_path)
    assert refused.returncode == 1, refused
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "position 0/0" in lines[0], refused
    after = (pg.content_key(), occurrences(pg), len(pg.provenance()))
    assert before[0] == after[0] and before[2] == after[2]
    pd.testing.assert_frame_equal(before[1], after[1])


def test_the_parallel_engine_says_it_needs_a_geopackage(both, tmp_path):
    _, pg = both
    done = deerhabitat("occurrence-counts", "--store", pg.location, "--workers", "2", cwd=tmp_path)
    assert done.returncode == 1, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "GeoParquet" in lines[0] and ".gpkg" in lines[0], done
    analysed = deerhabitat("analyze", "--json", "--workers", "2", "--store", pg.location, cwd=tmp_path)
    assert analysed.returncode == 1, analysed
    lines = analysed.stderr.strip().splitlines()
    assert len(lines) == 1 and "--workers N above 1" in lines[0], analysed


def test_the_public_role_cannot_read_the_occurrences(both, postgis_cluster):
    from deerhabitat.io.postgis_roles import PUBLIC_ROLE
    from deerhabitat.workflows import db_roles

    _, pg = both
    password = secrets.token_hex(12)
    db_roles(pg.location, passwords={PUBLIC_ROLE: password})
    url = postgis_cluster.url(pg.location.rsplit("/", 1)[1], user=PUBLIC_ROLE, password=password)
    with psycopg.connect(url) as conn:
        for sql in ("SELECT * FROM public.occurrences", "SELECT count(*) FROM public.occurrences"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(sql)
            conn.rollback()
        names = conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
    assert not any("occurrence" in n for (n,) in names)
