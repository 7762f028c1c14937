"""The throwaway cluster of pg_cluster.py: it starts, has PostGIS, gives each test its own database."""

from __future__ import annotations

import psycopg
import pyproj
import pytest


def test_each_test_gets_an_empty_database_with_postgis(postgis_cluster, postgis_url):
    with psycopg.connect(postgis_url) as conn:
        version = conn.execute("SELECT postgis_version()").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
            "('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' "
            "AND table_name <> 'spatial_ref_sys'"
        ).fetchone()[0]
        x, y = conn.execute(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(64.5, 40.1), 4326), 6933) AS p"
        ).fetchone()
    assert version.startswith("3.")
    assert tables == 0
    expected = pyproj.Transformer.from_crs(4326, 6933, always_xy=True).transform(64.5, 40.1)
    assert (x, y) == pytest.approx(expected, abs=0.01)
    assert postgis_url.startswith(f"postgresql://deerhabitat_test:{postgis_cluster.password}@127.0.0.1:")
    assert postgis_url != postgis_cluster.create_database()


def test_a_database_without_postgis_on_request(postgis_cluster):
    with psycopg.connect(postgis_cluster.create_database(postgis=False)) as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()[0] == 0


def test_the_server_listens_only_on_the_loopback_and_wants_a_password(postgis_cluster):
    with postgis_cluster.connect() as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("SHOW unix_socket_directories").fetchone()[0] == str(postgis_cluster.folder)
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(postgis_cluster.url("postgres", password="wrong"))
