"""Shared fixtures: tiny layers built in code, temporary stores, and a CLI runner running the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The throwaway PostgreSQL + PostGIS cluster of tests/postgis/pg_cluster.py, for every test folder: fixtures
# ``postgis_cluster`` (session) and ``postgis_url`` (a fresh database per test).
sys.path.insert(0, str(Path(__file__).resolve().parent / "postgis"))
pytest_plugins = ("pg_cluster",)


def pytest_report_header(config):
    import geopandas
    import pyogrio
    import pyproj
    import shapely

    return (
        f"geopandas {geopandas.__version__}, shapely {shapely.__version__} (GEOS "
        f"{shapely.geos_version_string}), pyogrio {pyogrio.__version__} (GDAL "
        f"{pyogrio.__gdal_version_string__}), pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str})"
    )


class CommandResult:
    """What a real ``deerhabitat`` process did."""

    def __init__(self, completed: subprocess.CompletedProcess) -> None:
        self.exit_code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def __repr__(self) -> str:
        return f"<exit {self.exit_code}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}>"


@pytest.fixture
def run_in_terminal(tmp_path):
    """Run ``deerhabitat`` with stderr on a pseudo-terminal, as in a shell; give (exit code, what it drew)."""
    import fcntl
    import pty
    import struct
    import termios

    def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
        env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
        main, secondary = pty.openpty()
        # A terminal of 24 rows x 100 columns (a new pseudo-terminal has 0 x 0, too narrow for a bar).
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        exe = Path(sys.executable).with_name("deerhabitat")
        proc = subprocess.Popen(
            [str(exe), *map(str, args)],
            cwd=cwd or tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=secondary,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal is closed once the process has ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(main)
        return proc.wait(timeout=600), b"".join(chunks).decode("utf-8", "replace")

    return run


@pytest.fixture
def run_cli(tmp_path):
    """Run the installed ``deerhabitat`` command in a subprocess, as a user would (cwd: tmp_path)."""

    def run(
        *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600
    ) -> CommandResult:
        full_env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
        full_env.update(env or {})
        exe = Path(sys.executable).with_name("deerhabitat")
        completed = subprocess.run(
            [str(exe), *map(str, args)],
            cwd=cwd or tmp_path,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CommandResult(completed)

    return run
