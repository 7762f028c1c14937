"""Occurrence files read in chunks: Darwin Core (GBIF), Movebank and deerhabitat's own columns.

:func:`iter_chunks` streams a CSV/TSV/TXT file, or the occurrence table inside a zip (a GBIF download:
``occurrence.txt`` of a Darwin Core Archive, or the one ``.csv`` of a "simple" download), as
DataFrames of text of at most ``chunk_rows`` rows; nothing larger than one chunk is held.
A mapper then turns each chunk into the occurrence columns, still as text
(:data:`RAW_COLUMNS`), for :mod:`deerhabitat.io.occurrence_checks`.

Darwin Core (``gbif``):

=================================  ===============================================================
Darwin Core                        occurrence
=================================  ===============================================================
``gbifID`` (else ``occurrenceID``,  ``occurrence_id`` = ``gbif:<id>``
``catalogNumber``)
``eventDate`` (else ``year``,      ``date`` (the start of an interval; a time is kept, in UTC)
``month``, ``day``)
``basisOfRecord``,                 ``kind``: specimen (``*_SPECIMEN``, ``MATERIAL_*``), camera-trap
``samplingProtocol``               (protocol mentions a camera, or ``MACHINE_OBSERVATION``),
                                   telemetry (protocol mentions telemetry, GPS or a collar), sign
                                   (tracks, dung, scat, pellets), else observation
``organismID``                     ``animal_id``
``individualCount``                ``count``
``coordinateUncertaintyInMeters``  ``coordinate_uncertainty_m``
``decimalLongitude/Latitude``      the point (WGS 84)
=================================  ===============================================================

Records with ``occurrenceStatus`` ``ABSENT`` are not occurrences: they are left out and counted.

Movebank (``movebank``): ``event-id`` → ``occurrence_id`` = ``movebank:<event-id>``,
``individual-local-identifier`` → ``animal_id``, ``timestamp`` (UTC) → ``date``,
``location-long``/``location-lat`` → the point, kind ``telemetry``; the optional ``sensor-type``
is named in ``source``.

deerhabitat's columns (``occurrences``): the schema's columns, the point in ``longitude`` and
``latitude`` (or ``lon``/``lat``, ``x``/``y``).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deerhabitat.errors import ConfigError, InputFileError, SchemaError
from deerhabitat.io.archive import check_zip
from deerhabitat.limits import MB

RAW_COLUMNS = (
    "occurrence_id",
    "date",
    "kind",
    "animal_id",
    "site_id",
    "count",
    "coordinate_uncertainty_m",
    "source",
    "longitude",
    "latitude",
)
"""Columns a mapper gives, all text (empty text where a value is missing)."""
CHUNK_ROWS = 100_000
"""Default rows per chunk."""
_TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class Mapped:
    """One chunk mapped: the occurrence columns as text, and how many records were left out (absences)."""

    frame: pd.DataFrame
    absent: int = 0


Mapper = Callable[[pd.DataFrame], Mapped]


# -- reading ------------------------------------------------------------------------------------


def _member(path: Path, max_uncompressed_mb: float | None) -> str:
    limit = None if max_uncompressed_mb is None else int(max_uncompressed_mb * MB)
    names = check_zip(path, max_total_bytes=limit)
    tables = [n for n in names if n.lower().endswith(_TABLE_SUFFIXES)]
    for name in tables:
        if Path(name).name.lower() == "occurrence.txt":
            return name
    if len(tables) == 1:
        return tables[0]
    raise InputFileError(
        f"{str(path)!r} holds {len(tables)} tables ({', '.join(tables[:8]) or 'none'}); a GBIF or Movebank "
        f"download holds occurrence.txt or one .csv: unzip it and import the occurrence table itself"
    )


def _delimiter(line: str, name: str) -> str:
    if name.lower().endswith(".tsv"):
        return "\t"
    counts = {d: line.count(d) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def iter_chunks(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_uncompressed_mb: float | None = None,
    fields: Mapping[str, str] | None = None,
) -> tuple[str, Iterator[pd.DataFrame]]:
    """The file format and an iterator of chunks (DataFrames of text, ``""`` for empty cells).

    Parameters
    ----------
    path : path-like
        A ``.csv``, ``.tsv``, ``.txt`` file, or a ``.zip`` holding ``occurrence.txt`` or one table.
    encoding : str, optional
        Text encoding (default UTF-8, with or without a byte-order mark).
    chunk_rows : int
        Most rows per chunk.
    max_uncompressed_mb : float, optional
        Most MB a zip may expand to (checked before reading).
    fields : mapping, optional
        ``{source: target}`` column renames.

    Raises
    ------
    InputFileError
        If the file is missing, an unsafe or unreadable archive, not decodable, or not a table. Errors
        found while reading later chunks are raised by the iterator.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{str(path)!r} does not exist or is not a file; check the path")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows!r}; give a positive number of rows")
    is_zip = zipfile.is_zipfile(path)
    member = _member(path, max_uncompressed_mb) if is_zip else None
    shown = f"{path.name}!{member}" if member else path.name
    if member is None and path.suffix.lower() not in _TABLE_SUFFIXES:
        raise InputFileError(
            f"{str(path)!r} is not a table of occurrences; give a .csv, .tsv or .txt file (tab- or "
            f"comma-separated), or a GBIF download (.zip)"
        )
    name = encoding or "utf-8-sig"
    try:
        "".encode(name)
    except LookupError as exc:
        raise ConfigError(
            f"--encoding {encoding!r} is not an encoding Python knows; use e.g. utf-8, cp1251, latin-1"
        ) from exc
    file_format = (
        f"zip ({'Darwin Core Archive' if member and member.endswith('.txt') else 'table'})"
        if (member)
        else ("TSV" if path.suffix.lower() in (".tsv", ".txt") else "CSV")
    )
    return file_format, _chunks(path, member, name, shown, chunk_rows, dict(fields or {}))


def _open(stack: ExitStack, path: Path, member: str | None, encoding: str) -> io.TextIOBase:
    if member is None:
        return stack.enter_context(open(path, encoding=encoding, newline=""))
    archive = stack.enter_context(zipfile.ZipFile(path))
    raw = stack.enter_context(archive.open(member))
    return stack.enter_context(io.TextIOWrapper(raw, encoding=encoding, newline=""))


def _chunks(
    path: Path, member: str | None, encoding: str, shown: str, chunk_rows: int, fields: dict[str, str]
) -> Iterator[pd.DataFrame]:
    with ExitStack() as stack:
        try:
            handle = _open(stack, path, member, encoding)
            header = handle.readline()
            if not header.strip():
                raise InputFileError(f"{shown!r} is empty; an occurrence table needs a header line")
            sep = _delimiter(header, member or path.name)
            handle.seek(0)
            reader = pd.read_csv(
                handle,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                chunksize=chunk_rows,
                quoting=csv.QUOTE_NONE if sep == "\t" else csv.QUOTE_MINIMAL,
                engine="c",
            )
            for chunk in reader:
                chunk.columns = [fields.get(str(c).strip(), str(c).strip()) for c in chunk.columns]
                yield chunk
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{shown!r} is not valid {encoding} text ({exc.reason} at byte {exc.start}); pass its "
                f"encoding with --encoding, e.g. --encoding cp1251 or --encoding latin-1"
            ) from exc
        except (pd.errors.ParserError, csv.Error, ValueError) as exc:
            raise InputFileError(
                f"{shown!r} is not readable as a table ({' '.join(str(exc).split())[:200]}); check it is the "
                f"occurrence table of the download, tab- or comma-separated, with one header line"
            ) from exc
        except (OSError, zipfile.BadZipFile, EOFError) as exc:
            raise InputFileError(
                f"cannot read {shown!r} ({exc}); the file may be truncated or corrupt: download it again"
            ) from exc


# -- mappers ------------------------------------------------------------------------------------


def _lookup(columns: list[str]) -> dict[str, str]:
    return {c.lower(): c for c in columns}


def _column(frame: pd.DataFrame, name: str | None) -> pd.Series:
    if name is None:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[name].astype(str).str.strip()


def _missing_columns(kind: str, missing: list[str], columns: list[str], hint: str) -> SchemaError:
    found = ", ".join(columns) or "none"
    return SchemaError(
        "occurrences",
        [f"the file lacks the {kind} column(s) {', '.join(missing)} (columns found: {found}); {hint}"],
    )


def darwin_core_mapper(columns: list[str], *, source: str) -> Mapper:
    """The mapper of a Darwin Core occurrence table with these ``columns`` (see the module table).

    Raises
    ------
    SchemaError
        If the table has no record id, no position columns, or no date column.

    Examples
    --------
    >>> chunk = pd.DataFrame({"gbifID": ["7"], "eventDate": ["2021-04-02T06:10:00Z"],
    ...     "basisOfRecord": ["MACHINE_OBSERVATION"], "decimalLongitude": ["68.1"],
    ...     "decimalLatitude": ["37.2"]})
    >>> darwin_core_mapper(list(chunk.columns), source="d.csv")(chunk).frame.iloc[0].tolist()[:3]
    ['gbif:7', '2021-04-02T06:10:00Z', 'camera-trap']
    """
    cols = _lookup(columns)
    id_col = next((cols[n] for n in ("gbifid", "occurrenceid", "catalognumber") if n in cols), None)
    missing = [
        name
        for name, keys in (
            ("gbifID (or occurrenceID, catalogNumber)", ("gbifid", "occurrenceid", "catalognumber")),
            ("decimalLongitude", ("decimallongitude",)),
            ("decimalLatitude", ("decimallatitude",)),
            ("eventDate (or year)", ("eventdate", "year")),
        )
        if not set(keys) & set(cols)
    ]
    if missing:
        raise _missing_columns(
            "Darwin Core",
            missing,
            columns,
            "is it a GBIF or Darwin Core occurrence file? Map yours with --field SRC=DST",
        )
    label = "GBIF" if id_col and id_col.lower() == "gbifid" else "Darwin Core"

    def mapper(chunk: pd.DataFrame) -> Mapped:
        status = _column(chunk, cols.get("occurrencestatus")).str.upper()
        absent = (status == "ABSENT").to_numpy(bool)
        chunk = chunk[~absent]
        ids = _column(chunk, id_col)
        out = pd.DataFrame(
            {
                "occurrence_id": np.where(ids != "", "gbif:" + ids, ""),
                "date": _darwin_core_dates(chunk, cols),
                "kind": _darwin_core_kinds(chunk, cols),
                "animal_id": _column(chunk, cols.get("organismid")),
                "site_id": "",
                "count": _column(chunk, cols.get("individualcount")),
                "coordinate_uncertainty_m": _column(chunk, cols.get("coordinateuncertaintyinmeters")),
                "source": f"{label} occurrences ({source})",
                "longitude": _column(chunk, cols["decimallongitude"]),
                "latitude": _column(chunk, cols["decimallatitude"]),
            },
            index=chunk.index,
        )
        return Mapped(out, int(absent.sum()))

    return mapper


def _darwin_core_dates(chunk: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    dates = _column(chunk, cols.get("eventdate")).str.split("/").str[0]
    parts = [_column(chunk, cols.get(n)) for n in ("year", "month", "day")]
    ymd = parts[0].where(parts[0] != "", "")
    for part in parts[1:]:
        more = (ymd != "") & (part != "") & ~ymd.str.count("-").ge(2)
        ymd = ymd.where(~more, ymd + "-" + part.str.zfill(2))
    return dates.where(dates != "", ymd)


def _darwin_core_kinds(chunk: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    basis = _column(chunk, cols.get("basisofrecord")).str.upper()
    protocol = _column(chunk, cols.get("samplingprotocol")).str.lower()
    kinds = pd.Series("observation", index=chunk.index, dtype=object)
    kinds[basis.str.contains("SPECIMEN") | basis.str.startswith("MATERIAL_")] = "specimen"
    kinds[basis == "MACHINE_OBSERVATION"] = "camera-trap"
    kinds[protocol.str.contains(r"track|dung|scat|pellet|faec|fec|\bsign", regex=True)] = "sign"
    kinds[protocol.str.contains(r"telemetry|gps|collar", regex=True)] = "telemetry"
    kinds[protocol.str.contains("camera")] = "camera-trap"
    return kinds


MOVEBANK_COLUMNS = ("event-id", "individual-local-identifier", "timestamp", "location-long", "location-lat")
"""The columns a Movebank export must have."""


def movebank_mapper(columns: list[str], *, source: str) -> Mapper:
    """The mapper of a Movebank CSV export with these ``columns``: every record is a telemetry fix.

    Raises
    ------
    SchemaError
        If a column of :data:`MOVEBANK_COLUMNS` is missing.
    """
    cols = _lookup(columns)
    missing = [c for c in MOVEBANK_COLUMNS if c not in cols]
    if missing:
        raise _missing_columns(
            "Movebank",
            missing,
            columns,
            "export the study from Movebank as CSV (Download > Download data), or map yours with --field",
        )

    def mapper(chunk: pd.DataFrame) -> Mapped:
        ids = _column(chunk, cols["event-id"])
        sensor = _column(chunk, cols.get("sensor-type"))
        out = pd.DataFrame(
            {
                "occurrence_id": np.where(ids != "", "movebank:" + ids, ""),
                "date": _column(chunk, cols["timestamp"]),
                "kind": "telemetry",
                "animal_id": _column(chunk, cols["individual-local-identifier"]),
                "site_id": "",
                "count": "",
                "coordinate_uncertainty_m": "",
                "source": np.where(
                    sensor != "", f"Movebank ({source}, " + sensor + ")", f"Movebank ({source})"
                ),
                "longitude": _column(chunk, cols["location-long"]),
                "latitude": _column(chunk, cols["location-lat"]),
            },
            index=chunk.index,
        )
        return Mapped(out)

    return mapper


_POSITION_NAMES = (("longitude", "latitude"), ("lon", "lat"), ("x", "y"))


def native_mapper(columns: list[str], *, source: str) -> Mapper:
    """The mapper of a table with the schema's columns and ``longitude``/``latitude`` (an export).

    Raises
    ------
    SchemaError
        If ``occurrence_id``, ``date``, ``kind`` or the position columns are missing.
    """
    cols = _lookup(columns)
    position = next(((x, y) for x, y in _POSITION_NAMES if x in cols and y in cols), None)
    missing = [c for c in ("occurrence_id", "date", "kind") if c not in cols]
    if position is None:
        missing.append("longitude and latitude")
    if missing:
        raise _missing_columns(
            "occurrence", missing, columns, "map yours with --field SRC=DST, or use `import gbif|movebank`"
        )
    assert position is not None

    def mapper(chunk: pd.DataFrame) -> Mapped:
        given = _column(chunk, cols.get("source"))
        out = pd.DataFrame(
            {
                "occurrence_id": _column(chunk, cols["occurrence_id"]),
                "date": _column(chunk, cols["date"]),
                "kind": _column(chunk, cols["kind"]).str.lower(),
                "animal_id": _column(chunk, cols.get("animal_id")),
                "site_id": _column(chunk, cols.get("site_id")),
                "count": _column(chunk, cols.get("count")),
                "coordinate_uncertainty_m": _column(chunk, cols.get("coordinate_uncertainty_m")),
                "source": given.where(given != "", source),
                "longitude": _column(chunk, cols[position[0]]),
                "latitude": _column(chunk, cols[position[1]]),
            },
            index=chunk.index,
        )
        return Mapped(out)

    return mapper


MAPPERS: dict[str, Callable[..., Mapper]] = {
    "gbif": darwin_core_mapper,
    "movebank": movebank_mapper,
    "occurrences": native_mapper,
}
"""Source flavour → mapper factory ``(columns, *, source) -> Mapper``."""
