"""A throwaway PostgreSQL + PostGIS cluster for the tests (a pytest plugin loaded by tests/conftest.py).

``postgis_cluster`` (session) runs Debian's ``initdb`` in a new temporary folder, starts the server with
``pg_ctl`` on a free TCP port of 127.0.0.1 (its socket in that folder, never the system's), with a superuser
``deerhabitat_test`` and a random password, and a template database holding the ``postgis`` extension. At
the end of the session it stops the server and removes the folder. No system service, no Docker.

``postgis_url`` (function) is a fresh, empty database with PostGIS for one test, as a URL
``postgresql://deerhabitat_test:PASSWORD@127.0.0.1:PORT/db_N``; ``postgis_cluster.create_database()``
makes more (``postgis=False`` for one without the extension).

When run as root (CI), the server runs as the ``postgres`` user (Debian's packages create it), or as
``nobody`` if there is none: PostgreSQL refuses to run as root. `make postgis` (a step of `make test`)
installs Debian's ``postgresql`` and ``postgresql-postgis`` when missing; without them the tests using these
fixtures skip and say why.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "deerhabitat_test"
TEMPLATE = "deerhabitat_postgis_template"
INSTALL_HINT = "`make postgis` installs Debian's postgresql and postgresql-postgis"


def _version_key(bindir: str) -> tuple[int, ...]:
    parts = Path(bindir).parent.name.split(".")
    return tuple(int(p) for p in parts if p.isdigit())


def find_bindir() -> tuple[Path | None, str]:
    """The folder of ``initdb``/``pg_ctl`` of a PostgreSQL that has PostGIS, else None and why not.

    Looks at ``pg_config --bindir`` and Debian's ``/usr/lib/postgresql/<version>/bin`` (newest first).
    """
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(done.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    with_server = [Path(c) for c in dict.fromkeys(candidates) if (Path(c) / "initdb").is_file()]
    if not with_server:
        return None, f"PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin); {INSTALL_HINT}"
    for bindir in with_server:
        if _postgis_control(bindir).is_file():
            return bindir, ""
    return None, (
        f"PostGIS is not installed for the PostgreSQL in {with_server[0]} (no "
        f"{_postgis_control(with_server[0])}); {INSTALL_HINT}"
    )


def _postgis_control(bindir: Path) -> Path:
    sharedir = None
    if (bindir / "pg_config").is_file():
        done = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            sharedir = Path(done.stdout.strip())
    if sharedir is None:  # Debian's layout: /usr/lib/postgresql/15/bin -> /usr/share/postgresql/15
        sharedir = Path("/usr/share/postgresql") / bindir.parent.name
    return sharedir / "extension" / "postgis.control"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> str | None:
    """The user the server runs as: None (this user) unless root, then ``postgres`` or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and there is no 'postgres' or 'nobody' user to run PostgreSQL as")


@dataclass
class PostgisCluster:
    """A running throwaway cluster: where it listens and how to reach it as its superuser."""

    bindir: Path
    folder: Path
    port: int
    password: str
    run_as: str | None
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str, *, user: str | None = None, password: str | None = None) -> str:
        """A ``postgresql://`` URL of ``database`` as ``user`` (default: the superuser)."""
        user = user or self.user
        password = self.password if user == self.user and password is None else password
        auth = f"{user}:{password}" if password else user
        return f"postgresql://{auth}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs):
        """A psycopg connection as the superuser, in autocommit mode unless told otherwise."""
        import psycopg

        kwargs.setdefault("autocommit", True)
        return psycopg.connect(self.url(database), **kwargs)

    def create_database(self, *, postgis: bool = True) -> str:
        """A new empty database ``db_N`` (with PostGIS unless ``postgis=False``); its URL."""
        name = f"db_{next(self._numbers)}"
        template = TEMPLATE if postgis else "template0"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def command(self, *args: str) -> list[str]:
        """``args`` run as the server's user (``runuser -u postgres --`` when the tests run as root)."""
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        return [*prefix, *args]


def _run(cluster: PostgisCluster, *args: str) -> None:
    done = subprocess.run(
        cluster.command(*args), cwd=cluster.folder, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        log = cluster.folder / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
        what = " ".join(args[:2])
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr}{done.stdout}\n{tail}")


def start_cluster(bindir: Path) -> PostgisCluster:
    """Initialise and start a cluster in a new temporary folder (see the module docstring)."""
    run_as = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="deerhabitat-postgis-"))
    cluster = PostgisCluster(bindir, folder, port=0, password=secrets.token_hex(16), run_as=run_as)
    pwfile = folder / "pwfile"
    pwfile.write_text(cluster.password + "\n", encoding="utf-8")
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    data = folder / "data"
    _run(
        cluster,
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    )
    pwfile.unlink()
    for attempt in range(3):  # another process may take the free port between choosing and binding it
        cluster.port = _free_port()
        options = (
            f"-p {cluster.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            _run(
                cluster,
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
            )
            break
        except RuntimeError:
            if attempt == 2:
                stop_cluster(cluster)
                raise
    try:
        with cluster.connect() as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        with cluster.connect(TEMPLATE) as conn:
            conn.execute("CREATE EXTENSION postgis")
        with cluster.connect() as conn:
            conn.execute(f'ALTER DATABASE "{TEMPLATE}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
    except Exception:
        stop_cluster(cluster)
        raise
    return cluster


def stop_cluster(cluster: PostgisCluster) -> None:
    """Stop the server (fast shutdown) and remove its folder."""
    data = cluster.folder / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            cluster.command(str(cluster.bindir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(data)),
            cwd=cluster.folder,
            capture_output=True,
            timeout=120,
        )
    shutil.rmtree(cluster.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgis_cluster() -> Iterator[PostgisCluster]:
    """A throwaway PostgreSQL cluster with PostGIS for the session (skips if not installed)."""
    bindir, missing = find_bindir()
    if bindir is None:
        pytest.skip(missing)
    try:
        import psycopg  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of the package
        pytest.skip("psycopg is not installed (a dependency of deerhabitat: `make install`)")
    cluster = start_cluster(bindir)
    try:
        yield cluster
    finally:
        stop_cluster(cluster)


@pytest.fixture
def postgis_url(postgis_cluster: PostgisCluster) -> str:
    """A fresh, empty database with PostGIS for one test: ``postgresql://user:pw@127.0.0.1:PORT/db_N``."""
    return postgis_cluster.create_database()
