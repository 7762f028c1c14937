"""Time ``deerhabitat report`` of the bundled store: a first run (empty cache), then repeated runs.

Each run is the real command in a child process (``deerhabitat report --out DIR``), with its own
``XDG_CACHE_HOME`` so the first run starts with an empty cache (the bundled habitat rasters and the
static map images are then computed and kept) and the later runs find them. Wall time and the child's
CPU time (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``) are printed with the load
average, because the project machine is shared: CPU time is the fair measure there, wall time equals it
on an idle machine.

Run ``python benchmarks/bench_report.py [--runs 3]``; it prints a Markdown table for
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(exe: Path, out: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(exe), "report", "--out", str(out)], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs after the first (default 3)")
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("deerhabitat")
    root = Path(tempfile.mkdtemp(prefix="deerhabitat-bench-report-"))
    env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
    env["XDG_CACHE_HOME"] = str(root / "cache")
    try:
        print("| run | wall s | CPU s (user + sys) | load average (1 min) |")
        print("|---|---|---|---|")
        for run in range(args.runs + 1):
            wall, cpu = _run(exe, root / f"maps-{run}", env)
            label = "first (empty cache)" if run == 0 else f"again {run}"
            print(f"| {label} | {wall:.1f} | {cpu:.1f} | {os.getloadavg()[0]:.1f} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
