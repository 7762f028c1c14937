"""Builders of the store tests: CLI processes run side by side, and CSV files of distinct records."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEERHABITAT = Path(sys.executable).with_name("deerhabitat")


@dataclass
class Finished:
    """A finished CLI process: its arguments, exit status and output."""

    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str


def clean_env() -> dict[str, str]:
    """The environment of the test, without a store chosen by ``$DEERHABITAT_STORE``."""
    return {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}


def start(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``deerhabitat ARGS`` in the background, as a user would in another terminal."""
    return subprocess.Popen(
        [str(DEERHABITAT), *map(str, args)],
        cwd=cwd,
        env={**clean_env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 600) -> Finished:
    """Wait for a process started by :func:`start`."""
    stdout, stderr = process.communicate(timeout=timeout)
    return Finished(process.args[1:], process.returncode, stdout, stderr)


def run_together(commands: Sequence[Sequence[str]], cwd: Path) -> list[Finished]:
    """Run several ``deerhabitat`` commands at the same time; return them when all are done."""
    processes = [start(args, cwd) for args in commands]
    return [finish(p) for p in processes]


def write_counts(path: Path, prefix: str, n: int, *, site: str = "a") -> Path:
    """A population-counts CSV of ``n`` distinct records ``{prefix}-0`` ... at ``site``."""
    lines = ["count_id,site_id,date,count,method,captive,source"]
    lines += [f"{prefix}-{i},{site},{2000 + i % 24},{i % 90},census,false,{path.name}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_sites(path: Path, prefix: str, n: int) -> Path:
    """A sites CSV of ``n`` distinct sites ``{prefix}-0`` ... in Uzbekistan."""
    lines = ["site_id,name,iso3,status,source,longitude,latitude"]
    lines += [
        f"{prefix}-{i},Site {i},UZB,native,{path.name},{64 + (i % 100) / 100},{40 + (i // 100) / 100}"
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
