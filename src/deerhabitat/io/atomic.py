"""Safe replacement of one file by writers that may run at the same time (the GeoPackage store).

- :func:`writer_lock` holds an OS lock (``flock``) on ``.<name>.lock`` beside the file, so writers take
  turns; one that waits longer than its timeout gets a :class:`~deerhabitat.errors.StoreError` naming
  the other writer's command, process id and start time (written into the lock file by its holder).
- :func:`temporary_beside` gives a temporary file in the same folder (so ``os.replace`` is atomic);
  :func:`remove_leftovers` removes the copies, and their ``-journal``/``-wal``/``-shm`` files, left by
  writers that were killed (only called under the lock, when no other writer can be at work).
- :func:`replace_keeping_mode` gives the new file the old one's mode and, where allowed, owner, then
  replaces it in one ``os.replace`` and syncs the folder.
- :func:`check_writable` refuses, before any work, a file or folder the user cannot write.

Callers work on :func:`real_path` (symlinks resolved), so a store given through a symlink is
updated where it lives and the symlink stays a symlink.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import glob
import json
import logging
import os
import shlex
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from deerhabitat.errors import StoreError

log = logging.getLogger(__name__)

TEMPORARY_SUFFIX = ".tmp.gpkg"
_POLL_S = 0.05


def real_path(path: str | os.PathLike) -> Path:
    """The file a path names, symlinks resolved (the path itself when it does not exist yet)."""
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``.<name>.lock`` in the same folder."""
    return path.with_name(f".{path.name}.lock")


def check_writable(path: Path, *, shown: str | None = None) -> None:
    """Refuse a file that the user cannot replace: no write permission on it or on its folder.

    A file with no write bit at all (``chmod a-w``) is refused even for root: its owner marked it
    read-only.

    Raises
    ------
    StoreError
        ``read-only: ...``, naming the file, its mode and how to make it writable.
    """
    shown = shown or str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    folder = path.parent
    if not (mode & 0o222) or not os.access(path, os.W_OK):
        raise StoreError(
            f"read-only: the store {shown!r} cannot be written (file mode {stat.filemode(mode)}); "
            f"make it writable (`chmod u+w {shlex.quote(str(path))}`) or pass another store with --store"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(
            f"read-only: the folder {str(folder)!r} of the store {shown!r} cannot be written (a write "
            f"puts a new copy of the store beside it); make the folder writable or move the store"
        )


@contextlib.contextmanager
def writer_lock(path: Path, *, timeout: float, shown: str | None = None) -> Iterator[None]:
    """Hold the writer lock of ``path`` for the block, waiting up to ``timeout`` seconds for it.

    Raises
    ------
    StoreError
        If another writer holds the lock for longer than ``timeout`` (the message names it), or the
        lock file cannot be created.
    """
    lock = lock_path(path)
    deadline = time.monotonic() + max(timeout, 0.0)
    fd = _acquire(lock, deadline, shown or str(path), timeout)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_holder()).encode("utf-8"))
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)  # releases the lock; a waiter on the unlinked file sees it is gone and retries


def _acquire(lock: Path, deadline: float, shown: str, timeout: float) -> int:
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                f"cannot write beside {shown!r} ({exc.strerror}: the lock file {lock.name!r}); "
                f"check the folder exists and is writable"
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(f"cannot lock {str(lock)!r}: {exc.strerror}") from exc
            if time.monotonic() >= deadline:
                raise StoreError(_busy_message(lock, shown, timeout)) from None
            time.sleep(_POLL_S)
            continue
        if _same_file(fd, lock):
            return fd
        os.close(fd)  # the holder removed it while we waited: lock the new one


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _holder() -> dict[str, object]:
    argv = [Path(sys.argv[0]).name if sys.argv else "python", *sys.argv[1:]]
    return {
        "pid": os.getpid(),
        "command": " ".join(shlex.quote(a) for a in argv)[:300],
        "started_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _busy_message(lock: Path, shown: str, timeout: float) -> str:
    try:
        holder = json.loads(lock.read_text(encoding="utf-8"))
        who = f"`{holder['command']}` (process {holder['pid']}, writing since {holder['started_utc']})"
    except (OSError, ValueError, KeyError, TypeError):
        who = "another deerhabitat command"
    return (
        f"the store {shown!r} is being written by {who}; waited {timeout:g} s for it to finish; "
        f"run again when it is done, or wait longer with --lock-timeout SECONDS "
        f"(or DEERHABITAT_LOCK_TIMEOUT)"
    )


@contextlib.contextmanager
def temporary_beside(path: Path) -> Iterator[Path]:
    """A new, empty temporary file in the folder of ``path``, removed (with its journals) at the end."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=TEMPORARY_SUFFIX, dir=directory
        )
    except OSError as exc:
        raise StoreError(
            f"cannot write beside {str(path)!r} ({exc.strerror}); check the folder exists and is writable"
        ) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        for leftover in (tmp, *_journals(tmp)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _journals(tmp: Path) -> list[Path]:
    return [tmp.with_name(tmp.name + suffix) for suffix in ("-journal", "-wal", "-shm")]


def remove_leftovers(path: Path) -> list[str]:
    """Remove temporary copies (and their journals) left beside ``path`` by killed writers.

    Call it only while holding :func:`writer_lock`: then no other writer is at work, so every
    temporary copy found is a leftover. Returns the names removed.
    """
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*{TEMPORARY_SUFFIX}*"):
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed.append(candidate.name)
            log.info("removed %s, left by an interrupted write", candidate.name)
    return removed


def default_mode() -> int:
    """The mode a new file gets under the process's umask (``0o666 & ~umask``)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def replace_keeping_mode(tmp: Path, path: Path, *, mode: int | None = None) -> None:
    """Sync ``tmp``, give it the mode (and owner, where allowed) of ``path``, and replace ``path`` with it.

    ``mode`` is used when ``path`` does not exist yet (default :func:`default_mode`).
    """
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    try:
        old = path.stat()
    except FileNotFoundError:
        os.chmod(tmp, default_mode() if mode is None else mode)
    else:
        os.chmod(tmp, stat.S_IMODE(old.st_mode))
        if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):
                os.chown(tmp, old.st_uid, old.st_gid)
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
