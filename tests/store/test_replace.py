"""The store file replaced the right way: through symlinks, never when read-only, mode and owner kept.

Nothing is left behind by a killed writer; the bundled store is copied with `init --from-bundled`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import time
from pathlib import Path

import pytest
from store_builders import finish, start, write_counts

from deerhabitat.config import BUNDLED_STORE_NAME, bundled_store_path
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import open_store


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def deerhabitat(*args, cwd: Path, env: dict[str, str] | None = None):
    return finish(start(list(args), cwd, env))


def one_error_line(result) -> str:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.stderr, lines
    return lines[0]


def test_a_store_given_through_a_symlink_is_updated_where_it_lives(tmp_path):
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    assert deerhabitat("init", real_dir / "deer.gpkg", cwd=tmp_path).returncode == 0
    link = link_dir / "deer.gpkg"
    link.symlink_to(real_dir / "deer.gpkg")
    (tmp_path / "s.csv").write_text(
        "site_id,name,iso3,status,source,longitude,latitude\na,A,UZB,native,t,64,40\n"
    )
    result = deerhabitat("import", "sites", "s.csv", "--store", link, cwd=tmp_path)
    assert result.returncode == 0, result
    assert link.is_symlink() and link.resolve() == real_dir / "deer.gpkg"
    assert open_store(real_dir / "deer.gpkg").read(LayerKind.SITES)["site_id"].tolist() == ["a"]
    assert sorted(p.name for p in link_dir.iterdir()) == ["deer.gpkg"]
    assert sorted(p.name for p in real_dir.iterdir()) == ["deer.gpkg"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664, 0o600])
def test_a_write_keeps_the_mode_of_the_store(gpkg_location, tmp_path, mode):
    os.chmod(gpkg_location, mode)
    path = write_counts(tmp_path / "c.csv", "c", 5)
    assert (
        deerhabitat(
            "import", "population-counts", path.name, "--store", gpkg_location, cwd=tmp_path
        ).returncode
        == 0
    )
    assert stat.S_IMODE(os.stat(gpkg_location).st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_a_write_by_root_keeps_the_owner_of_the_store(gpkg_location, tmp_path):
    os.chown(gpkg_location, 65534, 65534)
    path = write_counts(tmp_path / "c.csv", "c", 5)
    assert (
        deerhabitat(
            "import", "population-counts", path.name, "--store", gpkg_location, cwd=tmp_path
        ).returncode
        == 0
    )
    assert (os.stat(gpkg_location).st_uid, os.stat(gpkg_location).st_gid) == (65534, 65534)


def test_a_new_store_gets_the_mode_of_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert deerhabitat("init", "deer.gpkg", cwd=tmp_path).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "deer.gpkg").st_mode) == 0o640


def test_a_read_only_store_is_refused_before_any_work(gpkg_location, tmp_path):
    os.chmod(gpkg_location, 0o444)
    before = sha(gpkg_location)
    # the file to import does not even exist: the store is refused first, whoever runs the command
    line = one_error_line(
        deerhabitat("import", "population-counts", "missing.csv", "--store", gpkg_location, cwd=tmp_path)
    )
    assert line == (
        f"Error: read-only: the store {gpkg_location!r} cannot be written (file mode -r--r--r--); make it "
        f"writable (`chmod u+w {gpkg_location}`) or pass another store with --store"
    )
    line = one_error_line(
        deerhabitat("national-report", "import", "missing.yaml", "--store", gpkg_location, cwd=tmp_path)
    )
    assert line.startswith("Error: read-only: the store ")
    assert sha(gpkg_location) == before and stat.S_IMODE(os.stat(gpkg_location).st_mode) == 0o444
    assert sorted(p.name for p in Path(gpkg_location).parent.glob(".*")) == []
    assert deerhabitat("layers", "--store", gpkg_location, cwd=tmp_path).returncode == 0  # reading is fine


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_a_store_in_a_folder_that_cannot_be_written_is_refused(gpkg_location, tmp_path):
    folder = Path(gpkg_location).parent
    os.chmod(folder, 0o555)
    try:
        line = one_error_line(
            deerhabitat("import", "population-counts", "missing.csv", "--store", gpkg_location, cwd=tmp_path)
        )
    finally:
        os.chmod(folder, 0o755)
    assert line.startswith(f"Error: read-only: the folder {str(folder)!r} of the store ")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*"))


def test_a_writer_killed_mid_write_leaves_the_store_intact_and_its_leftovers_are_cleaned(
    gpkg_location, tmp_path
):
    big = write_counts(tmp_path / "big.csv", "big", 60_000)
    assert (
        deerhabitat(
            "import", "population-counts", big.name, "--store", gpkg_location, cwd=tmp_path
        ).returncode
        == 0
    )
    before = sha(gpkg_location)
    folder = Path(gpkg_location).parent
    path = write_counts(tmp_path / "more.csv", "more", 2000)
    for _attempt in range(5):
        writer = start(["import", "population-counts", path.name, "--store", gpkg_location], tmp_path)
        seen = False
        while writer.poll() is None:
            if list(folder.glob(f".{Path(gpkg_location).name}.*.tmp.gpkg")):
                seen = True
                os.kill(writer.pid, signal.SIGKILL)
                break
            time.sleep(0.005)
        finish(writer)
        if seen and writer.returncode == -signal.SIGKILL:
            break
        assert sha(gpkg_location) == before, "the writer finished before it could be killed"
    else:
        pytest.fail("never caught the writer with its temporary copy")
    assert sha(gpkg_location) == before
    left = _leftovers(folder)
    assert any(name.endswith(".tmp.gpkg") for name in left), left
    assert open_store(gpkg_location).read(LayerKind.POPULATION_COUNTS).shape[0] == 60_000  # still readable
    small = write_counts(tmp_path / "small.csv", "small", 3)
    assert (
        deerhabitat(
            "import", "population-counts", small.name, "--store", gpkg_location, cwd=tmp_path
        ).returncode
        == 0
    )
    assert _leftovers(folder) == []
    assert open_store(gpkg_location).read(LayerKind.POPULATION_COUNTS).shape[0] == 60_003


def test_a_writer_killed_while_waiting_for_the_lock_leaves_nothing(gpkg_location, tmp_path):
    folder = Path(gpkg_location).parent
    before = sha(gpkg_location)
    lock = folder / f".{Path(gpkg_location).name}.lock"
    import fcntl

    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        path = write_counts(tmp_path / "c.csv", "c", 5)
        waiter = start(["import", "population-counts", path.name, "--store", gpkg_location], tmp_path)
        time.sleep(3)
        assert waiter.poll() is None
        os.kill(waiter.pid, signal.SIGKILL)
        finish(waiter)
    finally:
        os.close(fd)
    assert sha(gpkg_location) == before
    assert _leftovers(folder) == [lock.name]  # the stale lock file is reused, then removed, by the next write
    assert (
        deerhabitat(
            "import", "population-counts", path.name, "--store", gpkg_location, cwd=tmp_path
        ).returncode
        == 0
    )
    assert _leftovers(folder) == []


# -- the bundled store ---------------------------------------------------------------------------------


def test_the_bundled_store_says_how_to_get_a_writable_copy_and_init_from_bundled_gives_one(tmp_path):
    before = sha(bundled_store_path())
    path = write_counts(tmp_path / "c.csv", "c", 5, site="badai-tugai")
    line = one_error_line(deerhabitat("import", "population-counts", path.name, cwd=tmp_path))
    shown = str(bundled_store_path())
    assert line == (
        f"Error: read-only: the bundled store {shown!r} cannot be changed; get a writable "
        f"copy with `deerhabitat init --from-bundled my.gpkg` (or an empty store with `deerhabitat init "
        f"my.gpkg`) and pass --store my.gpkg"
    )
    made = deerhabitat("init", "--from-bundled", "my.gpkg", cwd=tmp_path)
    assert made.returncode == 0 and made.stdout.strip() == "Created a copy of the bundled store my.gpkg"
    (tmp_path / "folder").mkdir()
    made = deerhabitat("init", "--from-bundled", "folder", cwd=tmp_path)
    assert made.returncode == 0, made
    copy = tmp_path / "folder" / BUNDLED_STORE_NAME
    for store in (tmp_path / "my.gpkg", copy):
        assert os.access(store, os.W_OK) and stat.S_IMODE(os.stat(store).st_mode) & 0o200
        bundled, copied = open_store(bundled_store_path()), open_store(store)
        assert copied.kinds() == bundled.kinds() and not copied.readonly
        assert len(copied.national_reports()) == len(bundled.national_reports())
        assert copied.config == bundled.config
    sites = open_store(tmp_path / "my.gpkg").read(LayerKind.SITES)["site_id"].tolist()
    write_counts(path, "c", 5, site=sites[0])
    result = deerhabitat("import", "population-counts", path.name, "--store", "my.gpkg", cwd=tmp_path)
    assert result.returncode == 0, result
    assert sha(bundled_store_path()) == before
    line = one_error_line(deerhabitat("init", "--from-bundled", "my.gpkg", cwd=tmp_path))
    assert line == "Error: 'my.gpkg' already exists; choose another path, or remove it first"


def test_map_on_a_read_only_store_publishes_and_leaves_the_store_alone(tmp_path):
    assert deerhabitat("init", "--from-bundled", "my.gpkg", cwd=tmp_path).returncode == 0
    store = tmp_path / "my.gpkg"
    os.chmod(store, 0o444)
    before = sha(store)
    result = deerhabitat("map", "overview", "--store", store, "--out", "maps", "--dpi", "50", cwd=tmp_path)
    assert result.returncode == 0, result
    assert (tmp_path / "maps" / "overview.html").is_file()
    assert "QGIS layer styles" not in result.stdout, result.stdout
    assert sha(store) == before and _leftovers(tmp_path) == []
