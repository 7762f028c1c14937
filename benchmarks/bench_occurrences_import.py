"""Peak memory of a million-record occurrence import: the real command in a child process.

Data (fixed seed, written once into ``--folder``):

* ``movebank.csv``: ``--rows`` telemetry fixes (default 1,000,000) of ``--animals`` collared animals
  (default 40), one fix an hour from 2019-01-01, a random walk of 0–2 km steps in the Kyzylkum
  (Uzbekistan), animals interleaved hour by hour as Movebank may export them. Every 25,000th fix is
  moved 1.5° east (about 128 km in one hour: an impossible speed) and every 100,000th is written as
  0/0, so the records the import drops are known in advance;
* ``occurrence.zip``: the same positions as a GBIF download (``occurrence.txt``, tab-separated Darwin
  Core, basis of record ``HUMAN_OBSERVATION``), zipped.

Each import runs ``deerhabitat import movebank|gbif FILE --drop-invalid --store S`` (a fresh copy of the
bundled store, whose range states are KAZ, UZB, TJK, TKM, AFG) in a child process; the parent reads the
child's peak resident set (``ru_maxrss`` from ``os.wait4``), wall and CPU time. Baselines in the same
run: the same command on a 1,000-record file (Python with geopandas, pyarrow and the store loaded), and
a child that reads every imported record at once with ``read_occurrences`` (what an import that held
the whole file would need at least). The dropped counts are checked against the known ones.

Run ``python benchmarks/bench_occurrences_import.py [--rows 1000000]`` and paste the table into
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path("/tmp/deerhabitat-bench-occurrences-import")
SPIKE_EVERY = 25_000
ZERO_EVERY = 100_000


def fixes(rows: int, animals: int) -> pd.DataFrame:
    """The fixes, in export order (hour by hour, animals interleaved), with the known bad ones."""
    rng = np.random.default_rng(17)
    per = -(-rows // animals)
    start = np.column_stack([rng.uniform(62.5, 64.5, animals), rng.uniform(41.0, 42.5, animals)])
    steps = rng.uniform(0, 2, (per, animals)) / 111.0  # 0–2 km, in degrees (about)
    angle = rng.uniform(0, 2 * np.pi, (per, animals))
    lon = start[:, 0] + np.cumsum(steps * np.cos(angle), axis=0)
    lat = start[:, 1] + np.cumsum(steps * np.sin(angle), axis=0)
    hours = np.repeat(np.arange(per), animals)
    frame = pd.DataFrame(
        {
            "event-id": np.arange(rows) + 1,
            "individual-local-identifier": np.tile([f"deer-{a:02d}" for a in range(animals)], per)[:rows],
            "timestamp": (pd.Timestamp("2019-01-01") + pd.to_timedelta(hours[:rows], unit="h")).strftime(
                "%Y-%m-%d %H:%M:%S.000"
            ),
            "location-long": lon.ravel()[:rows].round(6),
            "location-lat": lat.ravel()[:rows].round(6),
            "sensor-type": "gps",
        }
    )
    spikes = np.arange(SPIKE_EVERY - 1, rows, SPIKE_EVERY)
    zeros = np.arange(ZERO_EVERY - 1 + SPIKE_EVERY // 2, rows, ZERO_EVERY)
    frame.loc[spikes, "location-long"] += 1.5
    frame.loc[zeros, ["location-long", "location-lat"]] = 0.0
    return frame


def write_inputs(folder: Path, rows: int, animals: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    movebank, gbif = folder / f"movebank-{rows}.csv", folder / f"occurrence-{rows}.zip"
    if movebank.exists() and gbif.exists():
        return {"movebank": movebank, "gbif": gbif}
    frame = fixes(rows, animals)
    frame.to_csv(movebank, index=False)
    dwc = pd.DataFrame(
        {
            "gbifID": frame["event-id"],
            "basisOfRecord": "HUMAN_OBSERVATION",
            "occurrenceStatus": "PRESENT",
            "individualCount": 1,
            "eventDate": frame["timestamp"].str.slice(0, 10),
            "decimalLatitude": frame["location-lat"],
            "decimalLongitude": frame["location-long"],
            "scientificName": "Cervus elaphus bactrianus",
        }
    )
    table = folder / "occurrence.txt"
    dwc.to_csv(table, sep="\t", index=False)
    with zipfile.ZipFile(gbif, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(table, "occurrence.txt")
    table.unlink()
    return {"movebank": movebank, "gbif": gbif}


def expected_drops(source: str, rows: int) -> str:
    """The drop line the import must print (spikes are only impossible for telemetry)."""
    spikes = set(range(SPIKE_EVERY - 1, rows, SPIKE_EVERY))
    zeros = set(range(ZERO_EVERY - 1 + SPIKE_EVERY // 2, rows, ZERO_EVERY))
    parts = [f"position 0/0 {len(zeros)}"] if zeros else []
    if source == "movebank" and spikes:
        parts.append(f"impossible speed {len(spikes - zeros)}")
    return ", ".join(parts)


def measured(args: list[str], cwd: Path) -> dict[str, float | str]:
    """Run one child and read its own peak RSS and CPU time from wait4 (not the children's totals)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(args)} failed: {out[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "stdout": out,
    }


def fresh_store(folder: Path, exe: str) -> Path:
    store = folder / "bench.gpkg"
    for old in folder.glob("bench*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    subprocess.run([exe, "init", "--from-bundled", str(store)], check=True, capture_output=True)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--animals", type=int, default=40)
    parser.add_argument("--folder", type=Path, default=DATA)
    parser.add_argument("--write-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_only:
        write_inputs(args.folder, args.rows, args.animals)
        write_inputs(args.folder / "small", 1_000, 4)
        return
    # The inputs are written by a child: Linux keeps a forked child's peak RSS across exec, so a parent
    # that held the million fixes would inflate every child's ru_maxrss.
    subprocess.run([sys.executable, __file__, "--write-only", *sys.argv[1:]], check=True)
    exe = str(Path(sys.executable).with_name("deerhabitat"))
    inputs = write_inputs(args.folder, args.rows, args.animals)
    small = write_inputs(args.folder / "small", 1_000, 4)
    read_all = (
        "import sys; from deerhabitat.io.datasets import read_occurrences; "
        "f = read_occurrences(sys.argv[1]); print(len(f), f.memory_usage(deep=True).sum())"
    )
    rows = []
    for source in ("movebank", "gbif"):
        for label, path in (
            (f"{source} 1,000 records", small[source]),
            (f"{source} {args.rows:,}", inputs[source]),
        ):
            store = fresh_store(args.folder, exe)
            command = [exe, "-q", "import", source, str(path), "--drop-invalid", "--store", str(store)]
            result = measured(command, args.folder)
            printed = str(result["stdout"])
            found = re.search(r"\(--drop-invalid\): (.*)\.$", printed.strip())
            n = 1_000 if path == small[source] else args.rows
            expected = expected_drops(source, n)
            assert (found.group(1) if found else "") == expected, (printed, expected)
            rows.append((label, path.stat().st_size / 2**20, result))
            print(label, {k: v for k, v in result.items() if k != "stdout"}, printed.strip(), flush=True)
        whole = measured([sys.executable, "-c", read_all, str(store)], args.folder)
        print(f"{source} read_occurrences (all at once)", whole, flush=True)
        rows.append((f"{source}: read_occurrences of all {args.rows:,} at once", 0.0, whole))
    print("\n| run | input MB | wall s | CPU s | peak RSS MB |\n|---|---|---|---|---|")
    for label, size, result in rows:
        print(
            f"| {label} | {size:.1f} | {result['wall_s']:.1f} | {result['cpu_s']:.1f} "
            f"| {result['peak_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
