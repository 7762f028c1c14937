"""Fixtures of the hostile-input suite: the real command, run under a memory ceiling, its peak measured."""

from __future__ import annotations

import os
import resource
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


@pytest.fixture
def run_bounded(tmp_path):
    """Run ``deerhabitat ARGS`` under a 3 GB address-space ceiling; report exit, output, seconds, peak RSS."""

    def run(*args: str, timeout: float = 120) -> Bounded:
        env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
        exe = Path(sys.executable).with_name("deerhabitat")
        out, err = tmp_path / ".stdout", tmp_path / ".stderr"
        start = time.monotonic()
        with out.open("wb") as fo, err.open("wb") as fe:
            process = subprocess.Popen(
                [str(exe), *map(str, args)],
                cwd=tmp_path,
                env=env,
                stdout=fo,
                stderr=fe,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (CEILING, CEILING)),
            )
            deadline = start + timeout
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    process.kill()
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        return Bounded(
            process.returncode,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
            time.monotonic() - start,
            usage.ru_maxrss / 1024,
        )

    return run
