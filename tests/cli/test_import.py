"""`deerhabitat import|validate|export` as real commands: exit codes, messages, malformed files, a kill."""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import shapely

from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store

SITES = "site_id,name,iso3,status,source,longitude,latitude\n"


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def store(run_cli, tmp_path):
    assert run_cli("init", "deer.gpkg").exit_code == 0
    return tmp_path / "deer.gpkg"


def one_clear_line(result) -> str:
    """The command failed with one short line on stderr and no traceback."""
    assert result.exit_code in (1, 2), result
    assert "Traceback" not in result.stderr, result
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert lines, result
    if result.exit_code == 1:
        assert len(lines) == 1 and lines[0].startswith("Error: "), result
    return lines[-1]


def test_import_export_and_reimport(run_cli, tmp_path, store):
    (tmp_path / "sites.csv").write_text(
        SITES + "a,Тигровая <b>балка</b>,TJK,native,t,68.3,37.2\n", encoding="utf-8"
    )
    result = run_cli("import", "sites", "sites.csv", "--store", "deer.gpkg")
    assert result.exit_code == 0, result
    assert result.stdout.strip() == (
        "Imported 1 sites feature(s) from sites.csv (CSV): 1 added, 0 updated, 0 rejected; the layer holds 1."
    )
    again = run_cli("import", "sites", "sites.csv", "--store", "deer.gpkg")
    assert "0 added, 1 updated" in again.stdout
    exported = run_cli("export", "sites", "out.geojson", "--store", "deer.gpkg")
    assert exported.stdout.strip() == "Exported 1 sites feature(s) to out.geojson (GeoJSON)."
    data = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))
    assert data["features"][0]["properties"]["name"] == "Тигровая <b>балка</b>"
    refused = run_cli("export", "sites", "out.geojson", "--store", "deer.gpkg")
    assert (
        one_clear_line(refused) == "Error: 'out.geojson' already exists; choose another name, or pass "
        "--overwrite to replace it"
    )
    assert run_cli("export", "sites", "out.geojson", "--store", "deer.gpkg", "--overwrite").exit_code == 0


def test_validate_lists_every_problem_and_exits_1(run_cli, tmp_path, store):
    (tmp_path / "bad.csv").write_text(
        SITES + "a,A,XXX,native,t,60,41\na,B,UZB,wild,t,60,141\n", encoding="utf-8"
    )
    before = sha(store)
    result = run_cli("validate", "sites", "bad.csv", "--store", "deer.gpkg")
    assert result.exit_code == 1, result
    lines = result.stdout.strip().splitlines()
    assert "ERROR   site_id='a': duplicate id (rows 1 and 2)" in lines
    assert (
        "ERROR   site_id='a': iso3='XXX' is not an ISO 3166-1 alpha-3 code (e.g. KAZ, UZB, TJK, TKM, AFG)"
        in lines
    )
    assert any(
        line.startswith("ERROR   site_id='a': coordinates (60, 141) are not longitude/latitude")
        for line in lines
    )
    assert lines[-1].startswith(
        "FAILED: bad.csv (CSV, sites): 2 feature(s) read, 0 accepted, 0 rejected, 4 error(s)"
    )
    as_json = json.loads(run_cli("validate", "sites", "bad.csv", "--store", "deer.gpkg", "--json").stdout)
    assert as_json["ok"] is False and as_json["errors"] == 4
    assert {"level": "error", "where": "site_id='a'", "message": "duplicate id (rows 1 and 2)"} in as_json[
        "findings"
    ]
    imported = run_cli("import", "sites", "bad.csv", "--store", "deer.gpkg")
    assert one_clear_line(imported).startswith("Error: 4 problem(s) in the 'sites' layer: ")
    assert sha(store) == before
    many = "".join(f"s{i},S,XXX,native,t,60,41\n" for i in range(30))
    (tmp_path / "many.csv").write_text(SITES + many, encoding="utf-8")
    line = one_clear_line(run_cli("import", "sites", "many.csv", "--store", "deer.gpkg"))
    assert line.startswith("Error: 30 problem(s) in the 'sites' layer: site_id='s0': iso3='XXX'")
    assert line.endswith(
        "; and 25 more: run `deerhabitat validate sites many.csv` (same options) to list them all. "
        "Nothing was imported"
    )
    assert sha(store) == before


def test_warnings_go_to_stderr_and_the_import_succeeds(run_cli, tmp_path, store):
    bowtie = "POLYGON ((60 41, 61 42, 61 41, 60 42, 60 41))"
    (tmp_path / "s.csv").write_text(f'site_id,name,iso3,status,source,wkt\nb,B,UZB,native,t,"{bowtie}"\n')
    result = run_cli("import", "sites", "s.csv", "--store", "deer.gpkg", "--assume-crs", "EPSG:4326")
    assert result.exit_code == 0, result
    assert result.stderr.strip() == (
        "Warning: site_id='b': geometry was invalid (Self-intersection[60.5 41.5]); repaired with make_valid"
    )
    rejected = run_cli(
        "import",
        "sites",
        "s.csv",
        "--store",
        "deer.gpkg",
        "--assume-crs",
        "EPSG:4326",
        "--on-invalid",
        "reject",
    )
    assert "--on-invalid reject refuses it" in one_clear_line(rejected)


def test_bad_usage_exits_2(run_cli, tmp_path, store):
    (tmp_path / "s.csv").write_text(SITES + "a,A,UZB,native,t,60,41\n")
    for args, text in [
        (["import", "deer", "s.csv"], "'deer' is not a layer kind; use one of: range-states"),
        (["import", "sites", "s.csv", "--field", "name"], "--field 'name' is not SRC=DST"),
        (["import", "sites", "s.csv", "--on-invalid", "fix"], "'fix' is not one of 'repair', 'reject'"),
        (["import", "gbif", "s.csv", "--max-speed-kmh", "0"], "0"),
        (["import", "gbif", "s.csv", "--max-distance-km", "-3"], "-3"),
        (["export", "gbif", "x.csv"], "'gbif' is not a layer kind"),
        (["validate", "sites"], "Missing argument 'PATH'"),
    ]:
        result = run_cli(*args, "--store", "deer.gpkg")
        assert result.exit_code == 2, (args, result)
        assert text in result.stderr and "Traceback" not in result.stderr, (args, result)


def test_both_spellings_of_a_kind(run_cli, tmp_path, store):
    (tmp_path / "s.csv").write_text(SITES + "a,A,UZB,native,t,60,41\n")
    run_cli("import", "sites", "s.csv", "--store", "deer.gpkg")
    (tmp_path / "c.csv").write_text(
        "count_id,site_id,date,count,method,captive,source\nc,a,2019,3,census,no,t\n"
    )
    assert run_cli("import", "population_counts", "c.csv", "--store", "deer.gpkg").exit_code == 0
    assert run_cli("import", "Population-Counts", "c.csv", "--store", "deer.gpkg").exit_code == 0
    assert run_cli("export", "population_counts", "c.parquet", "--store", "deer.gpkg").exit_code == 0


def test_the_bundled_store_is_refused_with_a_clear_message(run_cli, tmp_path):
    (tmp_path / "s.csv").write_text(SITES + "a,A,UZB,native,t,60,41\n")
    before = sha(bundled_store_path())
    line = one_clear_line(run_cli("import", "sites", "s.csv"))
    assert line.startswith("Error: read-only: the bundled store ")
    assert "cannot be changed; get a writable copy with `deerhabitat init --from-bundled my.gpkg`" in line
    assert sha(bundled_store_path()) == before
    assert run_cli("validate", "sites", "s.csv").exit_code == 0


def malformed_files(folder: Path) -> dict[str, tuple[str, ...]]:
    """Files that must all be refused: name → extra arguments."""
    rng = bytes(range(256)) * 8
    files = {
        "random.gpkg": rng,
        "random.geojson": rng,
        "random.shp": rng,
        "random.zip": rng,
        "random.fgb": rng,
        "random.parquet": rng,
        "random.kml": rng,
        "random.csv": rng,
        "random.xlsx": rng,
        "empty.csv": b"",
        "header.csv": SITES.encode(),
        "nul.csv": SITES.encode() + b"a,\x00\x00,UZB\n",
        "latin1.csv": (SITES + "a,Çà,UZB,native,t,60,41\n").encode("latin-1"),
        "text.gpkg": b"SQLite format 3\x00" + b"\x00" * 200,
        "json.geojson": b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
        b'"geometry": {"type": ',
        "list.geojson": b"[1, 2, 3]",
        "metres.geojson": json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "site_id": "m",
                            "name": "M",
                            "iso3": "UZB",
                            "status": "native",
                            "source": "t",
                        },
                        "geometry": {"type": "Point", "coordinates": [512000.0, 4420000.0]},
                    }
                ],
            }
        ).encode(),
        "nocrs.csv": b"site_id,name,iso3,status,source,x,y\na,A,UZB,native,t,512000,4420000\n",
        "swapped.csv": (SITES + "a,A,UZB,native,t,41.8,60.4\n").encode(),
        "types.csv": (SITES + "a,A,UZB,native,t,sixty,forty\n").encode(),
        "bad.kml": b"<?xml version='1.0'?><kml><Document><Placemark><Point><coordinates>x</coordinates>",
        "old.xls": b"\xd0\xcf\x11\xe0" + b"\x00" * 100,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "slip.zip", "w") as archive:
        archive.writestr("../../../tmp/evil.shp", b"x")
    with zipfile.ZipFile(folder / "noshp.zip", "w") as archive:
        archive.writestr("readme.txt", b"x")
    (folder / "shpfolder").mkdir()
    (folder / "shpfolder" / "a.shp").write_bytes(rng)
    args = {name: () for name in files}
    args.update({"slip.zip": (), "noshp.zip": (), "shpfolder": (), "missing.gpkg": ()})
    return args


@pytest.mark.slow
def test_malformed_files_fail_cleanly_and_never_change_the_store(run_cli, tmp_path, store):
    files = malformed_files(tmp_path)
    run_cli("import", "range-states", str(bundled_store_path()), "--store", "deer.gpkg")
    before = sha(store)
    for name, extra in files.items():
        for kind in ("sites", "wdpa"):
            result = run_cli("import", kind, name, "--store", "deer.gpkg", *extra)
            line = one_clear_line(result)
            assert len(line) < 1500, (name, line)
            assert sha(store) == before, name
    assert Store(store).kinds()


@pytest.mark.slow
def test_sites_exported_to_each_format_come_back_complete_in_a_new_store(run_cli, tmp_path):
    original = Store(bundled_store_path()).read("sites").sort_values("site_id").reset_index(drop=True)
    for ext in ("gpkg", "geojson", "shp", "fgb", "parquet", "csv", "kml", "xlsx", "zip"):
        assert run_cli("export", "sites", f"sites.{ext}").exit_code == 0
        assert run_cli("init", f"new-{ext}.gpkg").exit_code == 0
        result = run_cli("import", "sites", f"sites.{ext}", "--store", f"new-{ext}.gpkg")
        assert result.exit_code == 0, (ext, result)
        back = Store(tmp_path / f"new-{ext}.gpkg").read("sites").sort_values("site_id").reset_index(drop=True)
        assert list(back.columns) == list(original.columns), ext
        for column in original.columns.drop("geometry"):
            for a, b in zip(original[column].tolist(), back[column].tolist(), strict=True):
                assert _same(a, b), (ext, column, a, b)
        for a, b in zip(original.geometry, back.geometry, strict=True):
            assert shapely.normalize(a).equals_exact(shapely.normalize(b), 1e-9), ext


def _same(a, b) -> bool:
    def missing(v):
        return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return a == b


def _big_sites_csv(path: Path, n: int) -> None:
    lines = [SITES.strip()]
    for i in range(n):
        lines.append(
            f"s{i:06d},Site {i} "
            f"<i>é</i>,UZB,native,generated,{60 + (i % 1000) / 100},{38 + (i // 1000) / 100}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_a_process_killed_in_the_middle_of_an_import_leaves_the_previous_store(run_cli, tmp_path, store):
    (tmp_path / "first.csv").write_text(SITES + "keep,Keep me,UZB,native,t,60,41\n")
    assert run_cli("import", "sites", "first.csv", "--store", "deer.gpkg").exit_code == 0
    before = sha(store)
    _big_sites_csv(tmp_path / "big.csv", 60_000)
    exe = Path(sys.executable).with_name("deerhabitat")
    env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
    process = subprocess.Popen(
        [str(exe), "import", "sites", "big.csv", "--store", "deer.gpkg", "--replace"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    killed_while_writing = False
    while time.monotonic() < deadline and process.poll() is None:
        temporary = list(tmp_path.glob(".deer.gpkg.*.tmp.gpkg"))
        if temporary and temporary[0].stat().st_size >= store.stat().st_size:
            os.kill(process.pid, signal.SIGKILL)
            killed_while_writing = True
            break
        time.sleep(0.002)
    process.communicate()
    assert killed_while_writing, "the import finished before it could be killed; make the file larger"
    assert sha(store) == before
    assert Store(store).read("sites")["site_id"].tolist() == ["keep"]
    result = run_cli("import", "sites", "first.csv", "--store", "deer.gpkg")
    assert result.exit_code == 0 and "0 added, 1 updated" in result.stdout
