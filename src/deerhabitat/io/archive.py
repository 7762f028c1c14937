"""Zip archives checked before anything inside them is read.

Nothing is ever extracted to disk: members are read through GDAL's ``/vsizip/`` or
:mod:`zipfile` directly. Still, an archive whose member names would land outside an extraction
folder (absolute paths, ``..``), that holds links, or that would expand to an implausible size is
refused as a whole: such an archive is broken or hostile, and other tools would extract it.
"""

from __future__ import annotations

import itertools
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from deerhabitat.errors import InputFileError
from deerhabitat.limits import MB

MAX_MEMBERS = 10_000
"""Most members an archive may hold."""
MAX_TOTAL_BYTES = 2048 * MB
"""Largest total uncompressed size accepted by default (2 GiB; ``--max-uncompressed-mb`` raises it)."""
MAX_RATIO = 1_000
"""Largest compression ratio of a member larger than 1 MiB (a zip bomb compresses far better)."""


def unsafe_member_reason(name: str) -> str | None:
    """Say why a member name would land outside the extraction folder, or None if it is safe.

    Examples
    --------
    >>> unsafe_member_reason("shp/sites.shp") is None
    True
    >>> unsafe_member_reason("../../etc/passwd")
    "it climbs out of the folder with '..'"
    >>> unsafe_member_reason("/etc/passwd")
    'it is an absolute path'
    """
    if "\x00" in name:
        return "it contains a NUL character"
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return "it is an absolute path"
    if ".." in PurePosixPath(text).parts:
        return "it climbs out of the folder with '..'"
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return bool(mode) and stat.S_ISLNK(mode)


def _overlapping(infos: list[zipfile.ZipInfo]) -> str | None:
    """Name two members whose data overlap (the trick of non-recursive zip bombs), or None."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in itertools.pairwise(ordered):
        if second.header_offset < first.header_offset + 30 + first.compress_size:
            return (
                f"members {first.filename!r} and {second.filename!r} share their compressed data "
                f"(a zip bomb?)"
            )
    return None


def member_problems(infos: list[zipfile.ZipInfo], *, max_total_bytes: int | None = None) -> list[str]:
    """Every reason to refuse an archive, from its directory alone (nothing is decompressed).

    Unsafe names, links, members that expand more than :data:`MAX_RATIO`-fold, members sharing
    their data, more than :data:`MAX_MEMBERS` members, or a declared total over ``max_total_bytes``
    (default :data:`MAX_TOTAL_BYTES`; :mod:`zipfile` never returns more than a member declares).
    """
    max_total_bytes = MAX_TOTAL_BYTES if max_total_bytes is None else max_total_bytes
    problems = []
    for info in infos:
        reason = unsafe_member_reason(info.filename)
        if reason:
            problems.append(f"member {info.filename!r} would land outside the extraction folder ({reason})")
        elif _is_link(info):
            problems.append(f"member {info.filename!r} is a symbolic link")
        elif info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(
                f"member {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}"
                f"-fold (a zip bomb?)"
            )
    overlap = _overlapping(infos)
    if overlap:
        problems.append(overlap)
    total = sum(i.file_size for i in infos)
    if total > max_total_bytes:
        problems.append(
            f"it would expand to {total:,} bytes (limit: --max-uncompressed-mb {max_total_bytes / MB:g}; "
            f"raise it if the archive is genuine)"
        )
    if len(infos) > MAX_MEMBERS:
        problems.append(f"it holds {len(infos):,} members (limit {MAX_MEMBERS:,})")
    return problems


def check_zip(
    path: str | os.PathLike, *, what: str = "zip archive", max_total_bytes: int | None = None
) -> list[str]:
    """Check a zip archive and return the names of its file members (folders left out).

    Parameters
    ----------
    path : path-like
        The ``.zip`` (or ``.xlsx``, which is a zip) file.
    what : str, default "zip archive"
        What the file should be, named in messages (``Excel .xlsx workbook``).
    max_total_bytes : int, optional
        Largest total the members may declare they expand to (``--max-uncompressed-mb``; default
        :data:`MAX_TOTAL_BYTES`).

    Returns
    -------
    list of str
        Member names, in archive order.

    Raises
    ------
    InputFileError
        If the file is not a readable zip archive, or any member is unsafe (absolute path, ``..``,
        symbolic link, implausible compression ratio), or the archive is too large. The message
        lists every unsafe member.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise InputFileError(
            f"{str(path)!r} is not a readable {what} ({exc}); it may be truncated or corrupt, or another "
            f"kind of file: download or export it again"
        ) from exc
    problems = member_problems(infos, max_total_bytes=max_total_bytes)
    if problems:
        raise InputFileError(
            f"refusing the archive {str(path)!r}: {'; '.join(problems[:10])}. An archive may hold only "
            f"relative paths inside it, no links, and members that do not share data; "
            f"re-create it from the files themselves (e.g. `zip sites.zip sites.*`)"
        )
    return [i.filename for i in infos if not i.is_dir()]


def read_member(path: str | os.PathLike, name: str, *, limit: int = 16 << 20) -> bytes:
    """Read one member of a zip archive already passed through :func:`check_zip`.

    Raises
    ------
    InputFileError
        If the member is corrupt (bad CRC, truncated) or larger than ``limit`` bytes.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(name)
            if info.file_size > limit:
                raise InputFileError(
                    f"member {name!r} of {str(path)!r} is {info.file_size:,} bytes; at most "
                    f"{limit:,} are read for it; remove it from the archive"
                )
            return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise InputFileError(
            f"cannot read member {name!r} of {str(path)!r} ({exc}); the archive may be "
            f"corrupt or truncated: create or download it again"
        ) from exc


def vsizip_path(path: str | os.PathLike, member: str) -> str:
    """GDAL path of a member inside a zip archive.

    Examples
    --------
    >>> vsizip_path("/data/a b.zip", "shp/sites.shp")
    '/vsizip/{/data/a b.zip}/shp/sites.shp'
    """
    return f"/vsizip/{{{Path(path).absolute()}}}/{member}"
