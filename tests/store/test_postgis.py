"""The PostGIS backend through the real CLI: copies each way, the same analyses, clear refusals.

Every test runs in a fresh database of the throwaway cluster (``postgis_url``); they skip, saying why,
where PostgreSQL or PostGIS cannot be installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from store_builders import finish, start, write_counts, write_sites

from deerhabitat.io import Store
from deerhabitat.io.postgis_store import SCHEMA_VERSION
from deerhabitat.io.store import RasterRecord
from deerhabitat.schema import LayerKind


def deerhabitat(*args, cwd: Path, env: dict[str, str] | None = None):
    return finish(start([str(a) for a in args], cwd, env))


def one_error_line(result) -> str:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def assert_same_store(a: Store, b: Store) -> None:
    """Every feature and attribute, the provenance log, reports, styles, registry and settings equal."""
    assert a.kinds() == b.kinds()
    for kind in a.kinds():
        left, right = a.read(kind), b.read(kind)
        assert list(left.columns) == list(right.columns), kind
        assert len(left) == len(right), kind
        pd.testing.assert_frame_equal(
            pd.DataFrame(left.drop(columns=left.geometry.name)),
            pd.DataFrame(right.drop(columns=right.geometry.name)),
            check_dtype=True,
        )
        assert [g.wkb for g in left.geometry] == [g.wkb for g in right.geometry], kind
    pd.testing.assert_frame_equal(
        a.provenance().reset_index(drop=True), b.provenance().reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(a.national_reports(), b.national_reports(), check_dtype=False)
    for row in a.national_reports().itertuples():
        period = (int(row.period_start), int(row.period_end))
        left = a.national_report(row.country, period=period, version=int(row.version))
        right = b.national_report(row.country, period=period, version=int(row.version))
        assert left == right
    assert a.styles() == b.styles()
    columns = ["role", "path", "sha256", "width", "height", "transform", "dtype", "command"]
    pd.testing.assert_frame_equal(a.rasters()[columns], b.rasters()[columns], check_dtype=False)
    pd.testing.assert_frame_equal(
        a.reporting_cycles().drop(columns="opened_utc"),
        b.reporting_cycles().drop(columns="opened_utc"),
        check_dtype=False,
    )
    assert a.report_texts() == b.report_texts()
    assert a.config == b.config


def test_a_store_copied_to_postgis_and_back_keeps_everything(postgis_url, tmp_path):
    assert deerhabitat("init", "--from-bundled", "b.gpkg", cwd=tmp_path).returncode == 0
    (tmp_path / "c.md").write_text("Ça va <b>bien</b>.\n", encoding="utf-8")
    done = deerhabitat("report-text", "set", "conclusions", "c.md", "--store", "b.gpkg", cwd=tmp_path)
    assert done.returncode == 0, done
    styled = deerhabitat("map", "overview", "--store", "b.gpkg", "--out", "maps", "--dpi", "50", cwd=tmp_path)
    assert styled.returncode == 0, styled
    bundled = Store(tmp_path / "b.gpkg")
    raster = tmp_path / "rasters" / "s.tif"
    with bundled.transaction() as tx:
        record = RasterRecord("suitability", str(raster), "ab" * 32, "x", "", 2, 3, "t", "uint8", None)
        tx.register_rasters([record])
    assert len(bundled.provenance()) and len(bundled.national_reports()) and bundled.styles()
    to_pg = deerhabitat("copy", "b.gpkg", postgis_url, cwd=tmp_path)
    assert to_pg.returncode == 0, to_pg
    assert "***" in to_pg.stdout and _password(postgis_url) not in to_pg.stdout
    assert_same_store(bundled, Store(postgis_url))
    back = deerhabitat("copy", postgis_url, "c.gpkg", cwd=tmp_path)
    assert back.returncode == 0, back
    assert_same_store(bundled, Store(tmp_path / "c.gpkg"))
    assert deerhabitat("copy", "c.gpkg", "d.gpkg", cwd=tmp_path).returncode == 0
    assert_same_store(bundled, Store(tmp_path / "d.gpkg"))
    assert Store(postgis_url).report_texts() == {"conclusions": "Ça va <b>bien</b>.\n"}


def test_a_copy_onto_a_store_is_refused_unless_overwrite(postgis_url, tmp_path):
    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    write_sites(tmp_path / "s.csv", "s", 3)
    assert deerhabitat("import", "sites", "s.csv", "--store", postgis_url, cwd=tmp_path).returncode == 0
    assert deerhabitat("init", "--from-bundled", "b.gpkg", cwd=tmp_path).returncode == 0
    before = Store(postgis_url).content_key()
    line = one_error_line(deerhabitat("copy", "b.gpkg", postgis_url, cwd=tmp_path))
    assert "already holds a deerhabitat store" in line and "--overwrite" in line
    assert Store(postgis_url).content_key() == before
    line = one_error_line(deerhabitat("copy", postgis_url, "b.gpkg", cwd=tmp_path))
    assert "already exists" in line
    done = deerhabitat("copy", "b.gpkg", postgis_url, "--overwrite", cwd=tmp_path)
    assert done.returncode == 0, done
    assert_same_store(Store(tmp_path / "b.gpkg"), Store(postgis_url))


HOLD_OUT_SITES = """site_id,name,iso3,status,source,longitude,latitude
h1,Amu bend,UZB,native,hold-out,61.70,41.20
h2,Vakhsh mouth,TJK,native,hold-out,68.30,37.10
h3,Syr delta,KAZ,reintroduced,hold-out,61.20,45.90
h4,Zeravshan,UZB,reintroduced,hold-out,66.00,39.60
"""


def test_a_hold_out_case_gives_the_same_analyses_on_both_backends(postgis_url, tmp_path):
    (tmp_path / "sites.csv").write_text(HOLD_OUT_SITES, encoding="utf-8")
    counts = ["count_id,site_id,date,count,method,captive,source"]
    counts += [
        f"c{i},h{1 + i % 4},{2005 + i % 18},{10 + 7 * i % 130},census,{'true' if i % 9 == 0 else 'false'},ho"
        for i in range(40)
    ]
    (tmp_path / "counts.csv").write_text("\n".join(counts) + "\n", encoding="utf-8")
    outputs = {}
    for location in ("h.gpkg", postgis_url):
        for args in (
            ["init", location],
            ["import", "sites", "sites.csv", "--store", location],
            ["import", "population-counts", "counts.csv", "--store", location],
        ):
            done = deerhabitat(*args, cwd=tmp_path)
            assert done.returncode == 0, done
        done = deerhabitat("analyze", "--json", "--store", location, cwd=tmp_path)
        assert done.returncode == 0, done
        outputs[location] = json.loads(done.stdout)
    gpkg, pg = outputs["h.gpkg"], outputs[postgis_url]
    assert gpkg.pop("store") == "h.gpkg"
    assert pg.pop("store") == Store(postgis_url).shown
    assert gpkg == pg


def test_dollar_deerhabitat_store_names_a_database(postgis_url, tmp_path):
    env = {"DEERHABITAT_STORE": postgis_url}
    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    write_sites(tmp_path / "s.csv", "s", 2)
    assert deerhabitat("import", "sites", "s.csv", cwd=tmp_path, env=env).returncode == 0
    listed = deerhabitat("layers", "--json", cwd=tmp_path, env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["count"] == 2


# -- bad input: one Error line, exit 1, nothing changed, no password shown ------------------------------


def _password(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


def test_an_unreachable_server_is_one_error_line(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://deer:s3cret-pw@127.0.0.1:{port}/deer"
    for args in (["layers", "--store", url], ["init", url], ["copy", url, "x.gpkg"]):
        line = one_error_line(deerhabitat(*args, cwd=tmp_path))
        assert "cannot connect" in line and "s3cret-pw" not in line and "***" in line, line
    assert not (tmp_path / "x.gpkg").exists()


def test_a_wrong_password_is_one_error_line_without_the_password(postgis_url, tmp_path):
    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    before = Store(postgis_url).content_key()
    wrong = postgis_url.replace(_password(postgis_url), "not-the-Password")
    write_sites(tmp_path / "s.csv", "s", 2)
    line = one_error_line(deerhabitat("import", "sites", "s.csv", "--store", wrong, cwd=tmp_path))
    assert "password authentication failed" in line and "not-the-Password" not in line, line
    assert Store(postgis_url).content_key() == before


def test_a_database_without_postgis_is_refused(postgis_cluster, tmp_path):
    url = postgis_cluster.create_database(postgis=False)
    line = one_error_line(deerhabitat("layers", "--store", url, cwd=tmp_path))
    assert "has no PostGIS extension" in line and _password(url) not in line, line


def _tables(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as con:
        rows = con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        return [r[0] for r in rows]


def test_a_database_of_another_tool_is_refused_and_left_alone(postgis_url, tmp_path):
    import psycopg

    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("CREATE TABLE parcels (id serial PRIMARY KEY, owner text)")
        con.execute("INSERT INTO parcels (owner) VALUES ('farm')")
    before = _tables(postgis_url)
    write_sites(tmp_path / "s.csv", "s", 2)
    for args in (["layers", "--store", postgis_url], ["import", "sites", "s.csv", "--store", postgis_url]):
        line = one_error_line(deerhabitat(*args, cwd=tmp_path))
        assert "not a deerhabitat store" in line and "parcels" in line, line
    line = one_error_line(deerhabitat("init", postgis_url, cwd=tmp_path))
    assert "tables that deerhabitat did not make (parcels)" in line, line
    assert _tables(postgis_url) == before


def test_a_store_of_another_schema_version_is_refused_and_left_alone(postgis_url, tmp_path):
    import psycopg

    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("UPDATE deerhabitat_meta SET value = '0' WHERE key = 'schema_version'")
    write_sites(tmp_path / "s.csv", "s", 2)
    for args in (
        ["analyze", "--json", "--store", postgis_url],
        ["import", "sites", "s.csv", "--store", postgis_url],
    ):
        line = one_error_line(deerhabitat(*args, cwd=tmp_path))
        assert "has schema version 0; this deerhabitat" in line and f"reads version {SCHEMA_VERSION}" in line
        assert "older deerhabitat" in line
    assert "sites" not in _tables(postgis_url)
    with psycopg.connect(postgis_url) as con:
        assert con.execute("SELECT count(*) FROM deerhabitat_provenance").fetchone() == (0,)


HOLD_LOCK = """
import sys, time
import psycopg

with psycopg.connect(sys.argv[1], application_name="hold_lock.py") as con:
    con.execute("SELECT pg_advisory_xact_lock(1145390418, hashtext('population_counts'))")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_writer_that_waits_too_long_says_so_and_changes_nothing(postgis_url, tmp_path):
    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    (tmp_path / "a.csv").write_text(
        "site_id,name,iso3,status,source,longitude,latitude\na,A,UZB,native,t,64.5,40.1\n", encoding="utf-8"
    )
    assert deerhabitat("import", "sites", "a.csv", "--store", postgis_url, cwd=tmp_path).returncode == 0
    script = tmp_path / "hold_lock.py"
    script.write_text(HOLD_LOCK, encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, str(script), postgis_url, "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = Store(postgis_url).content_key()
        path = write_counts(tmp_path / "late.csv", "late", 10)
        args = ["--lock-timeout", "0.5", "import", "population-counts", path.name, "--store", postgis_url]
        late = deerhabitat(*args, cwd=tmp_path)
        line = one_error_line(late)
        assert "is being written by `hold_lock.py`" in line and "waited 0.5 s" in line, line
        assert "--lock-timeout SECONDS" in line and _password(postgis_url) not in line
        assert Store(postgis_url).content_key() == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # once the other writer is gone (even killed), the next write goes through
    after = deerhabitat("import", "population-counts", path.name, "--store", postgis_url, cwd=tmp_path)
    assert after.returncode == 0, after
    assert len(Store(postgis_url).read(LayerKind.POPULATION_COUNTS)) == 10


@pytest.mark.parametrize("command", [["layers"], ["analyze", "--json"]])
def test_a_read_only_role_reads_but_cannot_write(postgis_cluster, postgis_url, tmp_path, command):
    import psycopg

    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    database = postgis_url.rsplit("/", 1)[1]
    role = f"reader_{database}"
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'rd-pw'")
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    url = postgis_cluster.url(database, user=role, password="rd-pw")
    assert deerhabitat(*command, "--store", url, cwd=tmp_path).returncode == 0
    write_sites(tmp_path / "s.csv", "s", 1)
    line = one_error_line(deerhabitat("import", "sites", "s.csv", "--store", url, cwd=tmp_path))
    assert line.startswith(f"Error: read-only: the database role {role!r} cannot write"), line
    assert "rd-pw" not in line


AOH = ("--suitable-classes", "1,2", "--out", "aoh")


def test_every_command_takes_a_database_store(postgis_url, tmp_path):
    import psycopg

    from deerhabitat.config import bundled_store_path

    landcover = bundled_store_path().parent / "rasters" / "landcover.tif"
    original = Store(bundled_store_path()).national_report("KAZ")
    (tmp_path / "KAZ.yaml").write_bytes(original.original)
    (tmp_path / "a.csv").write_text(
        "site_id,name,iso3,status,source,longitude,latitude\na,A,UZB,native,t,64.5,40.1\n", encoding="utf-8"
    )
    for args in (
        ["init", "--from-bundled", postgis_url],
        ["layers", "--store", postgis_url],
        ["validate", "sites", "a.csv", "--store", postgis_url],
        ["export", "sites", "s.geojson", "--store", postgis_url],
        ["national-report", "import", "KAZ.yaml", "--store", postgis_url],
        [
            "national-report",
            "cycle",
            "open",
            "--period",
            "2024",
            "--deadline",
            "2025-06-30",
            "--store",
            postgis_url,
        ],
        ["national-report", "list", "--store", postgis_url],
        ["habitat", "aoh", "--store", postgis_url, "--range-period", "2020", "--landcover", landcover, *AOH],
        ["map", "overview", "--store", postgis_url, "--out", "maps", "--dpi", "50"],
    ):
        done = deerhabitat(*args, cwd=tmp_path)
        assert done.returncode == 0, done
        assert _password(postgis_url) not in done.stdout + done.stderr
    store = Store(postgis_url)
    assert (
        store.national_report("KAZ").version == 2
        and store.national_report("KAZ").original == original.original
    )
    assert list(store.reporting_cycles()["period"]) == ["2024"]
    rasters = store.rasters()
    assert str(tmp_path / "aoh" / "aoh.tif") in set(rasters["path"])  # a database registers absolute paths
    with psycopg.connect(postgis_url) as con:
        rows = con.execute(
            "SELECT f_table_catalog = current_database(), f_table_schema, f_geometry_column, useasdefault "
            "FROM layer_styles WHERE f_table_name = 'sites'"
        ).fetchall()
    assert rows == [(True, "public", "geom", True)]  # where QGIS looks for a PostGIS layer's default style


def test_the_server_never_sees_a_password_in_the_application_name(monkeypatch):
    from deerhabitat.io.postgis_store import _application_name
    from deerhabitat.io.store import shown_location

    monkeypatch.setattr(sys, "argv", ["deerhabitat", "init", "postgresql://ana:s3cret@db:5432/deer"])
    assert _application_name() == "deerhabitat init postgresql://ana:***@db:5432/deer"
    assert shown_location("postgresql://ana@db/deer?password=s3cret&sslmode=require") == (
        "postgresql://ana@db/deer?password=***&sslmode=require"
    )


def test_the_cache_key_of_a_database_store_follows_its_content(postgis_url, tmp_path):
    assert deerhabitat("init", postgis_url, cwd=tmp_path).returncode == 0
    first = Store(postgis_url).content_key()
    assert Store(postgis_url).content_key() == first  # reading changes nothing
    write_sites(tmp_path / "s.csv", "s", 2)
    assert deerhabitat("import", "sites", "s.csv", "--store", postgis_url, cwd=tmp_path).returncode == 0
    second = Store(postgis_url).content_key()
    assert second != first
    (tmp_path / "c.md").write_text("Text.\n", encoding="utf-8")
    done = deerhabitat("report-text", "set", "conclusions", "c.md", "--store", postgis_url, cwd=tmp_path)
    assert done.returncode == 0, done
    assert Store(postgis_url).content_key() not in (first, second)
