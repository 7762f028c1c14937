"""National reports kept whole in the store: the submitted file and its parsed form, versioned.

Table ``deerhabitat_national_reports`` (an attributes table of the GeoPackage, so QGIS lists it): one
row per import, with the country, the period, a version number (1, 2 ... per country and period: the
latest wins), the submission date, the original file (name, format, sha256, bytes) and the parsed
report as JSON. Any figure in the store whose ``source`` is ``national report <ISO3> <period>
(<file>)`` can be traced back to its row here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from deerhabitat._version import __version__
from deerhabitat.errors import LayerNotFoundError, StoreError
from deerhabitat.nrschema import period_label

REPORTS_TABLE = "deerhabitat_national_reports"
_COLUMNS = (
    "id",
    "country",
    "period_start",
    "period_end",
    "version",
    "submitted",
    "filename",
    "format",
    "sha256",
    "size_bytes",
    "imported_utc",
    "tool_version",
    "note",
)


@dataclass(frozen=True)
class StoredReport:
    """One version of a national report as kept in the store.

    Attributes
    ----------
    country : str
        ISO3 code.
    period_start, period_end : int
        The reporting period.
    version : int
        1 for the first import of this country and period, then 2, 3 ...
    submitted : str
        Submission date (ISO text).
    filename, format, sha256 : str
        The original file's name, format (``yaml`` or ``xlsx``) and sha256.
    original : bytes
        The original file, byte for byte.
    report : dict
        The parsed, checked report (see :func:`deerhabitat.nrschema.check_report`).
    imported_utc, tool_version, note : str
        When and by which deerhabitat version it was imported; what the import wrote.
    """

    country: str
    period_start: int
    period_end: int
    version: int
    submitted: str
    filename: str
    format: str
    sha256: str
    original: bytes
    report: dict
    imported_utc: str
    tool_version: str
    note: str

    @property
    def period(self) -> str:
        """The period as text (``2020-2023``)."""
        return period_label(self.period_start, self.period_end)


def _ensure_table(con: sqlite3.Connection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {REPORTS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,
        country TEXT NOT NULL, period_start INTEGER NOT NULL, period_end INTEGER NOT NULL,
        version INTEGER NOT NULL, submitted TEXT NOT NULL, filename TEXT NOT NULL, format TEXT NOT NULL,
        sha256 TEXT NOT NULL, size_bytes INTEGER NOT NULL, original BLOB NOT NULL, parsed_json TEXT NOT NULL,
        imported_utc TEXT NOT NULL, tool_version TEXT NOT NULL, note TEXT,
        UNIQUE (country, period_start, period_end, version))""")
    con.execute(
        f"INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        f"VALUES ('{REPORTS_TABLE}', 'attributes', '{REPORTS_TABLE}', "
        f"'national reports kept whole: original file, parsed JSON, country, period, version')"
    )


def write_report_record(
    path: str | os.PathLike,
    /,
    report: dict[str, Any],
    *,
    filename: str,
    fmt: str,
    content: bytes,
    sha256: str,
    note: str = "",
) -> int:
    """Add a report to the store file ``path`` as the next version of its country and period.

    Call it on the temporary copy inside :meth:`deerhabitat.io.Store.transaction` (``writer.path``),
    so the record lands together with the features, or not at all.

    Parameters
    ----------
    path : path-like
        The GeoPackage being written.
    report : dict
        The checked report.
    filename, fmt, content, sha256 : str, str, bytes, str
        The original file.
    note : str, optional
        What the import wrote.

    Returns
    -------
    int
        The version given to this report.

    Raises
    ------
    StoreError
        If the table cannot be written.
    """
    head = report["report"]
    key = (head["country"], head["period_start"], head["period_end"])
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        with contextlib.closing(sqlite3.connect(path)) as con:
            _ensure_table(con)
            (latest,) = con.execute(
                f"SELECT COALESCE(MAX(version), 0) FROM {REPORTS_TABLE} WHERE country = ? "
                "AND period_start = ? AND period_end = ?",
                key,
            ).fetchone()
            con.execute(
                f"INSERT INTO {REPORTS_TABLE} (country, period_start, period_end, version, submitted, filename, "
                "format, sha256, size_bytes, original, parsed_json, imported_utc, tool_version, note) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    *key,
                    latest + 1,
                    head["submitted"],
                    filename,
                    fmt,
                    sha256,
                    len(content),
                    content,
                    json.dumps(report, ensure_ascii=False),
                    now,
                    __version__,
                    note,
                ),
            )
            con.commit()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot record the national report in {str(path)!r}: {exc}") from exc
    return latest + 1


def _connect_ro(path: str | os.PathLike) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)


def _has_table(con: sqlite3.Connection) -> bool:
    return (
        con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (REPORTS_TABLE,)
        ).fetchone()
        is not None
    )


def read_report_records(path: str | os.PathLike, /) -> pd.DataFrame:
    """List the national reports kept in a store (without the files), oldest period first.

    Parameters
    ----------
    path : path-like
        The GeoPackage store.

    Returns
    -------
    pandas.DataFrame
        Columns ``country``, ``period_start``, ``period_end``, ``period`` (text), ``version``,
        ``latest`` (bool: the version that wins), ``submitted``, ``filename``, ``format``, ``sha256``,
        ``size_bytes``, ``imported_utc``, ``tool_version``, ``note``; sorted by country, period and
        version. Empty (same columns) when the store holds no report.
    """
    with contextlib.closing(_connect_ro(path)) as con:
        if not _has_table(con):
            frame = pd.DataFrame(columns=list(_COLUMNS))
        else:
            frame = pd.read_sql_query(f"SELECT {', '.join(_COLUMNS)} FROM {REPORTS_TABLE}", con)
    frame = frame.drop(columns="id").sort_values(["country", "period_start", "period_end", "version"])
    frame.insert(
        3,
        "period",
        [
            period_label(int(s), int(e))
            for s, e in zip(frame["period_start"], frame["period_end"], strict=True)
        ],
    )
    latest = frame.groupby(["country", "period_start", "period_end"])["version"].transform("max")
    frame.insert(5, "latest", frame["version"] == latest)
    return frame.reset_index(drop=True)


def read_report_record(
    path: str | os.PathLike,
    /,
    country: str,
    *,
    period: tuple[int, int] | None = None,
    version: int | None = None,
) -> StoredReport:
    """Read one national report kept in a store, with its original file and parsed form.

    Parameters
    ----------
    path : path-like
        The GeoPackage store.
    country : str
        ISO3 code.
    period : tuple of int, optional
        ``(period_start, period_end)``; default the latest period reported by the country.
    version : int, optional
        Default the latest version of that period.

    Raises
    ------
    LayerNotFoundError
        If no such report is kept; the message lists the reports that are.
    """
    where, args = ["country = ?"], [country]
    if period is not None:
        where.append("period_start = ? AND period_end = ?")
        args += list(period)
    if version is not None:
        where.append("version = ?")
        args.append(version)
    with contextlib.closing(_connect_ro(path)) as con:
        row = (
            con.execute(
                f"SELECT country, period_start, period_end, version, submitted, filename, format, sha256, original, "
                f"parsed_json, imported_utc, tool_version, note FROM {REPORTS_TABLE} WHERE {' AND '.join(where)} "
                f"ORDER BY period_end DESC, period_start DESC, version DESC LIMIT 1",
                args,
            ).fetchone()
            if _has_table(con)
            else None
        )
    if row is None:
        kept = read_report_records(path)
        listed = (
            ", ".join(
                f"{c} {p} v{v}"
                for c, p, v in zip(kept["country"], kept["period"], kept["version"], strict=True)
            )
            or "none"
        )
        asked = " ".join(
            str(x) for x in (country, period and period_label(*period), version and f"v{version}") if x
        )
        raise LayerNotFoundError(
            f"no national report {asked} in the store {Path(path).name!r} (kept: {listed}); "
            f"import it with `deerhabitat national-report import FILE`"
        )
    *head, original, parsed, imported, tool, note = row
    return StoredReport(
        *head,
        original=bytes(original),
        report=json.loads(parsed),
        imported_utc=imported,
        tool_version=tool,
        note=note or "",
    )
