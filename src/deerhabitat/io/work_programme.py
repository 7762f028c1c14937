"""The Work Programme catalogue: the actions a national report's status refers to, as data.

A catalogue is a CSV file with one row per action: ``id`` (unique, e.g. ``WP2021-9.7``),
``programme`` (``WP 2021-2026``), ``action_id`` (the paragraph number, or deerhabitat's id for a
theme whose paragraph is not known), ``theme``, ``text``, ``indicator``, ``states`` (ISO3 codes
separated by commas, or ``all`` for every range state), ``source`` and ``note``; a
``scientific_name`` column, when present, says which species' MOU the row belongs to.

The package bundles the catalogue of the Bukhara Deer MOU's WP 2021-2026
(``deerhabitat/data/work_programme.csv``, compiled from public sources: the full action list was not
available, so it holds the paragraphs cited in public sources and the themes of the MOU Action Plan,
each with its source). A store can hold its own catalogue (for WP 2025-2032, or another species),
which then wins over the bundled one.
"""

from __future__ import annotations

import io
import os
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from deerhabitat.errors import InputFileError
from deerhabitat.io.store import Store
from deerhabitat.schema import ISO3_CODES

CATALOGUE_COLUMNS = (
    "id",
    "programme",
    "action_id",
    "theme",
    "text",
    "indicator",
    "states",
    "source",
    "note",
)
"""Columns of a Work Programme catalogue, in order."""
REQUIRED_COLUMNS = ("id", "programme", "action_id", "theme", "text", "states", "source")
"""Columns that need a value in every row."""
TRANSLATED_COLUMN = re.compile(r"(theme|text|indicator)_[a-z]{2}")
"""Optional columns with a translation of a text column (``text_ru``), kept as they are."""
BUNDLED_CATALOGUE = "work_programme.csv"
"""Package data: the Work Programme catalogue of the bundled species."""


def bundled_catalogue(scientific_name: str | None = None) -> pd.DataFrame:
    """The catalogue shipped with deerhabitat, for ``scientific_name`` (default: every row).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CATALOGUE_COLUMNS`; empty (same columns) when the species has none.

    Examples
    --------
    >>> bundled_catalogue("Cervus elaphus bactrianus")["id"].iloc[0]
    'WP2021-9.7'
    >>> len(bundled_catalogue("Saiga tatarica"))
    0
    """
    content = resources.files("deerhabitat").joinpath("data", BUNDLED_CATALOGUE).read_bytes()
    frame = parse_catalogue(content, BUNDLED_CATALOGUE, keep_species=True)
    if scientific_name is not None:
        frame = frame[frame["scientific_name"] == scientific_name]
    return frame[[*CATALOGUE_COLUMNS, *_translated(frame)]].reset_index(drop=True)


def store_catalogue(store: Store, /) -> pd.DataFrame:
    """The catalogue a store uses: its own (``Store.work_programme``), else the bundled one of its species."""
    own = store.work_programme()
    return own if own is not None else bundled_catalogue(store.config.scientific_name)


def read_catalogue(path: str | os.PathLike, /) -> pd.DataFrame:
    """Read and check a catalogue CSV file (UTF-8).

    Raises
    ------
    InputFileError
        If the file cannot be read, or listing every problem (one per line: the row, the column, the
        value and how to fix it).
    """
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"cannot read the Work Programme catalogue {str(path)!r} ({exc.strerror}); check the path"
        ) from None
    return parse_catalogue(content, path.name)


def parse_catalogue(content: bytes, name: str, *, keep_species: bool = False) -> pd.DataFrame:
    r"""Parse and check the bytes of a catalogue CSV (see :func:`read_catalogue`).

    Examples
    --------
    >>> text = b"id,programme,action_id,theme,text,states,source\nA,WP 1,1.1,Th,Do it,all,src\n"
    >>> parse_catalogue(text, "c.csv")[["id", "states", "indicator"]].to_dict("records")
    [{'id': 'A', 'states': 'all', 'indicator': ''}]
    """
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not a CSV table"
        raise InputFileError(
            f"the Work Programme catalogue {name!r} is {reason}; save it as a UTF-8 CSV with the columns "
            f"{', '.join(CATALOGUE_COLUMNS)}"
        ) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"the Work Programme catalogue {name!r} has no column {', '.join(map(repr, missing))}; "
            f"its columns must be {', '.join(CATALOGUE_COLUMNS)} (indicator and note may be empty)"
        )
    for column in CATALOGUE_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.apply(lambda s: s.str.strip())
    problems = _problems(frame)
    if problems:
        raise InputFileError(f"the Work Programme catalogue {name!r}: " + "; ".join(problems))
    columns = [
        *CATALOGUE_COLUMNS,
        *_translated(frame),
        *(["scientific_name"] if keep_species and "scientific_name" in frame else []),
    ]
    return frame[columns].reset_index(drop=True)


def _translated(frame: pd.DataFrame) -> list[str]:
    """The translation columns of a catalogue (``text_ru``), in file order."""
    return [str(c) for c in frame.columns if TRANSLATED_COLUMN.fullmatch(str(c))]


def _problems(frame: pd.DataFrame) -> list[str]:
    """Every problem of a catalogue, each naming the row (as in a spreadsheet: the header is row 1)."""
    problems = []
    for number, row in zip(range(2, len(frame) + 2), frame.to_dict("records"), strict=True):
        for column in REQUIRED_COLUMNS:
            if not row[column]:
                problems.append(f"row {number}, column {column!r} is empty; fill it in")
        bad = [s for s in split_states(row["states"]) if s not in ISO3_CODES]
        if row["states"] and bad:
            problems.append(
                f"row {number}, column 'states': {', '.join(map(repr, bad))} is not an ISO 3166-1 alpha-3 "
                f"code; write codes such as 'KAZ, UZB', or 'all'"
            )
    repeated = frame["id"][frame["id"].duplicated() & (frame["id"] != "")]
    for ident in dict.fromkeys(repeated):
        rows = [str(i + 2) for i in frame.index[frame["id"] == ident]]
        problems.append(f"id {ident!r} is used by rows {', '.join(rows)}; give each action its own id")
    return problems


def split_states(text: str) -> list[str]:
    """The ISO3 codes of a ``states`` cell (``[]`` for ``all``).

    Examples
    --------
    >>> split_states("kaz, UZB;TJK"), split_states("all")
    (['KAZ', 'UZB', 'TJK'], [])
    """
    if text.strip().lower() == "all":
        return []
    return [part.strip().upper() for part in text.replace(";", ",").split(",") if part.strip()]
