"""A folder of computed files kept between runs, one entry per key (the user's cache directory).

An entry is a folder named by its key (a sha256 of everything that decides its contents) holding the
files and ``entry.json``: the sha256 of each file and a JSON payload. It is written into a temporary
folder beside it and renamed into place, so a reader never sees half an entry; on reading, every file is
checked against its sha256 and an entry that does not match (truncated, edited, half deleted) counts as
missing, so the caller computes it again.

The root is ``$XDG_CACHE_HOME/deerhabitat`` (``~/.cache/deerhabitat`` when the variable is not set).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deerhabitat.io.store import file_sha256

ENTRY_FILE = "entry.json"


def cache_root() -> Path:
    """The cache directory of deerhabitat (``$XDG_CACHE_HOME/deerhabitat``, else ``~/.cache/deerhabitat``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deerhabitat"


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 of ``parts`` written as sorted, compact JSON (what decides an entry's contents)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A complete, checked entry: its folder, its files by name, and its payload."""

    folder: Path
    files: dict[str, Path]
    payload: dict[str, Any]


def read_entry(area: str, key: str, *, root: Path | None = None) -> CacheEntry | None:
    """The entry ``key`` of ``area``, or None when it is missing or does not match its checksums."""
    folder = (root or cache_root()) / area / key
    try:
        meta = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
        files = {name: folder / name for name in meta["sha256"]}
        if meta.get("key") != key or any(file_sha256(p) != meta["sha256"][n] for n, p in files.items()):
            return None
        return CacheEntry(folder, files, meta["payload"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_entry(
    area: str, key: str, files: dict[str, Path], payload: dict[str, Any], *, root: Path | None = None
) -> CacheEntry | None:
    """Store copies of ``files`` (name → path) and ``payload`` as the entry ``key`` of ``area``.

    Returns the entry, or None when the cache cannot be written (read-only home, full disk): the cache
    is a saving, never a reason to fail.
    """
    parent = (root or cache_root()) / area
    folder = parent / key
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=parent))
        try:
            sums = {}
            for name, path in files.items():
                shutil.copyfile(path, tmp / name)
                sums[name] = file_sha256(tmp / name)
            meta = {"key": key, "sha256": sums, "payload": payload}
            (tmp / ENTRY_FILE).write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
            if folder.exists():  # a damaged entry: replace it
                shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        return None
    return read_entry(area, key, root=root)
