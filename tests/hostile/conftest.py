"""Fixtures of the hostile-input suite: the real command, run under a memory ceiling, its peak measured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

CEILING = 3 * 1024**3
"""Address-space ceiling of a command under test: a runaway is killed, never allowed to eat the machine."""


@dataclass
class Bounded:
    """What a real ``deerhabitat`` process did, how long it took and its peak memory."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    def error_line(self) -> str:
        """The one ``Error:`` line of a refusal (asserts there is exactly one, and no traceback)."""
        assert self.exit_code == 1, self
        assert "Traceback" not in self.stderr, self
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), self
        return lines[0]


LAUNCHER = """
import os, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
code = subprocess.call(sys.argv[3:])
with open(sys.argv[2], "w") as fh:
    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""
"""Runs the command as a child of a small Python process and writes that child's peak RSS (KiB).

A process forked from pytest starts with pytest's resident pages, and Linux keeps that high-water
mark across ``exec`` in the child's ``ru_maxrss``: measured directly, the command's peak would be at
least the size pytest has grown to. Forked from the small launcher, it is the command's own.
"""


@pytest.fixture
def run_bounded(tmp_path):
    """Run ``deerhabitat ARGS`` under a 3 GB address-space ceiling; report exit, output, seconds, peak RSS."""

    def run(*args: str, timeout: float = 120) -> Bounded:
        env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
        exe = Path(sys.executable).with_name("deerhabitat")
        out, err, peak = tmp_path / ".stdout", tmp_path / ".stderr", tmp_path / ".peak-kib"
        peak.unlink(missing_ok=True)
        start = time.monotonic()
        with out.open("wb") as fo, err.open("wb") as fe:
            process = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(CEILING), str(peak), str(exe), *map(str, args)],
                cwd=tmp_path,
                env=env,
                stdout=fo,
                stderr=fe,
                start_new_session=True,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
        return Bounded(
            process.returncode,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
            time.monotonic() - start,
            int(peak.read_text()) / 1024 if peak.exists() else float("nan"),
        )

    return run
