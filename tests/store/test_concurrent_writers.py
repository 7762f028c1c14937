"""Writers of one store take turns and lose nothing: parallel `deerhabitat import` runs, through the CLI.

Every test runs on each backend of ``store_location`` (the GeoPackage today): what every process
reports as written must be in the store afterwards, with its provenance row.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_builders import Finished, finish, run_together, start, write_counts, write_sites

from deerhabitat.schema import LayerKind
from deerhabitat.workflows import open_store

pytestmark = pytest.mark.slow

RECORDS = 2000
REPORTED = re.compile(r"Imported (\d+) [\w-]+ feature\(s\) from (\S+) \(CSV\): (\d+) added, 0 updated")


def reported(result: Finished) -> tuple[str, int]:
    """The file and the count a successful import says it added."""
    assert result.returncode == 0, result
    match = REPORTED.search(result.stdout)
    assert match, result.stdout
    return match.group(2), int(match.group(3))


def assert_all_written(
    location: str, kind: LayerKind, id_column: str, results: list[Finished], ids: set[str]
):
    """Every record reported is in the layer, and each import has its provenance row with its count."""
    store = open_store(location)
    assert set(store.read(kind)[id_column]) >= ids
    log = store.provenance()
    rows = log[log["layer"] == kind.value]
    for result in results:
        name, added = reported(result)
        assert added == RECORDS
        mine = rows[rows["source_file"].str.endswith(name)]
        assert mine["added"].tolist() == [RECORDS], (name, rows)


@pytest.mark.parametrize(("writers", "rounds"), [(4, 3), (8, 2)])
def test_parallel_imports_of_distinct_records_keep_every_record(store_location, tmp_path, writers, rounds):
    expected: set[str] = set()
    for round_ in range(rounds):
        files = [
            write_counts(tmp_path / f"r{round_}w{w}.csv", f"r{round_}w{w}", RECORDS) for w in range(writers)
        ]
        results = run_together(
            [["import", "population-counts", f.name, "--store", store_location] for f in files], tmp_path
        )
        expected |= {f"r{round_}w{w}-{i}" for w in range(writers) for i in range(RECORDS)}
        assert_all_written(store_location, LayerKind.POPULATION_COUNTS, "count_id", results, expected)
        counts = open_store(store_location).read(LayerKind.POPULATION_COUNTS)
        assert len(counts) == len(expected) == (round_ + 1) * writers * RECORDS


def test_parallel_imports_into_different_layers_keep_every_record(store_location, tmp_path):
    counts = [write_counts(tmp_path / f"c{w}.csv", f"c{w}", RECORDS) for w in range(2)]
    sites = [write_sites(tmp_path / f"s{w}.csv", f"s{w}", RECORDS) for w in range(2)]
    results = run_together(
        [["import", "population-counts", f.name, "--store", store_location] for f in counts]
        + [["import", "sites", f.name, "--store", store_location] for f in sites],
        tmp_path,
    )
    assert_all_written(
        store_location,
        LayerKind.POPULATION_COUNTS,
        "count_id",
        results[:2],
        {f"c{w}-{i}" for w in range(2) for i in range(RECORDS)},
    )
    assert_all_written(
        store_location,
        LayerKind.SITES,
        "site_id",
        results[2:],
        {f"s{w}-{i}" for w in range(2) for i in range(RECORDS)},
    )
    assert len(open_store(store_location).read(LayerKind.SITES)) == 2 * RECORDS + 1


def test_imports_while_report_and_analyze_read(store_location, tmp_path):
    files = [write_counts(tmp_path / f"c{w}.csv", f"c{w}", RECORDS) for w in range(4)]
    readers = [
        start(["report", "--store", store_location, "--out", "report", "--dpi", "50"], tmp_path),
        *(start(["analyze", "--store", store_location, "--json"], tmp_path) for _ in range(2)),
    ]
    results = run_together(
        [["import", "population-counts", f.name, "--store", store_location] for f in files], tmp_path
    )
    for reader in readers:
        done = finish(reader)
        assert done.returncode == 0, done
    assert_all_written(
        store_location,
        LayerKind.POPULATION_COUNTS,
        "count_id",
        results,
        {f"c{w}-{i}" for w in range(4) for i in range(RECORDS)},
    )


HOLD_LOCK = """
import sys, time
from pathlib import Path
from deerhabitat.io import atomic

with atomic.writer_lock(atomic.real_path(sys.argv[1]), timeout=10):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_writer_that_waits_too_long_names_the_other_writer_and_changes_nothing(gpkg_location, tmp_path):
    script = tmp_path / "hold_lock.py"
    script.write_text(HOLD_LOCK, encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, str(script), gpkg_location, "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = Path(gpkg_location).read_bytes()
        path = write_counts(tmp_path / "late.csv", "late", 10)
        started = time.monotonic()
        late = finish(
            start(
                [
                    "--lock-timeout",
                    "0.5",
                    "import",
                    "population-counts",
                    path.name,
                    "--store",
                    gpkg_location,
                ],
                tmp_path,
            )
        )
        assert time.monotonic() - started < 25
        assert late.returncode == 1
        lines = late.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: the store "), late.stderr
        assert (
            f"is being written by `hold_lock.py {gpkg_location} 30` (process {holder.pid}, writing since 20"
            in lines[0]
        )
        assert "waited 0.5 s" in lines[0] and "--lock-timeout SECONDS" in lines[0]
        assert Path(gpkg_location).read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # once the other writer is gone (even killed), the next write goes through
    path = write_counts(tmp_path / "after.csv", "after", 10)
    after = finish(start(["import", "population-counts", path.name, "--store", gpkg_location], tmp_path))
    assert after.returncode == 0, after
    assert sorted(p.name for p in Path(gpkg_location).parent.glob(".*")) == []


def test_a_bad_lock_timeout_is_refused_before_any_work(gpkg_location, tmp_path):
    path = write_counts(tmp_path / "c.csv", "c", 10)
    before = Path(gpkg_location).read_bytes()
    done = finish(
        start(
            ["--lock-timeout", "-1", "import", "population-counts", path.name, "--store", gpkg_location],
            tmp_path,
        )
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    env_run = finish(
        start(
            ["import", "population-counts", path.name, "--store", gpkg_location],
            tmp_path,
            env={"DEERHABITAT_LOCK_TIMEOUT": "soon"},
        )
    )
    assert env_run.returncode == 1
    assert env_run.stderr.strip().splitlines() == [
        "Error: DEERHABITAT_LOCK_TIMEOUT='soon' is not a number of seconds; give 0 or more (e.g. 600 to wait "
        "ten minutes for another writer of the store)"
    ]
    assert Path(gpkg_location).read_bytes() == before
