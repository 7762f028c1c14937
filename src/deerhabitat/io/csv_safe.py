"""CSV cells that are safe to open in a spreadsheet (no formula injection).

A spreadsheet program that opens a CSV evaluates a cell starting with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and a leading tab or carriage return
can hide such a cell. Every CSV that deerhabitat writes goes through :func:`neutralise_cell`,
which prefixes such text with an apostrophe, as OWASP recommends ("CSV Injection"). Numbers are
left alone: a numeric value such as ``-3.5``, and text that is a plain decimal number (``-3.5``,
``+7``), cannot run anything. Text that already starts with apostrophes before such a character
gets one more, so :func:`restore_cell` (used when deerhabitat reads a CSV) gives back exactly the
text that was written: an export imported again keeps ``=SUM(A1)`` as it was.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV Injection)."""

_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _active(text: str) -> bool:
    """Whether ``text`` would be read as a formula: a trigger first, and not a plain number."""
    return text[:1] in FORMULA_TRIGGERS and not _NUMBER_RE.match(text)


def neutralise_cell(value: object) -> object:
    """Return a CSV cell value that a spreadsheet shows as text, never evaluates.

    Text starting with ``=`` ``+`` ``-`` ``@`` tab or carriage return gets a leading ``'``, unless
    it is a plain number; text of apostrophes followed by such text gets one more apostrophe (so
    :func:`restore_cell` is its exact inverse). Anything that is not text is returned unchanged.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> neutralise_cell("@SUM(1)"), neutralise_cell("-3.5"), neutralise_cell(-3.5), neutralise_cell("Badai")
    ("'@SUM(1)", '-3.5', -3.5, 'Badai')
    >>> neutralise_cell("'=1+1")
    "''=1+1"
    """
    if not isinstance(value, str):
        return value
    if _active(value) or (value.startswith("'") and _active(value.lstrip("'"))):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """Undo :func:`neutralise_cell` on text read from a CSV.

    Examples
    --------
    >>> restore_cell("'=SUM(A1)"), restore_cell("''=1+1"), restore_cell("'quoted"), restore_cell("'-3.5")
    ('=SUM(A1)', "'=1+1", "'quoted", "'-3.5")
    """
    if text.startswith("'") and _active(text.lstrip("'")):
        return text[1:]
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) passed through :func:`neutralise_cell`.

    Examples
    --------
    >>> neutralise_frame(pd.DataFrame({"a": ["=1+1", "x"], "n": [-3.5, 2.0]})).to_dict("list")
    {'a': ["'=1+1", 'x'], 'n': [-3.5, 2.0]}
    """
    out = pd.DataFrame(frame).copy()
    for position in range(len(out.columns)):
        column = out.iloc[:, position]
        if any(isinstance(v, str) for v in column.tolist()):
            out.isetitem(position, column.map(neutralise_cell).astype(object))
    out.columns = [neutralise_cell(name) for name in out.columns]
    return out


def quoting_for(values: Iterable[object]) -> Literal[0, 2]:
    """The :mod:`csv` quoting that keeps every row on its line: all text quoted when any text holds a CR.

    Python's CSV writers quote a field holding a line feed but not one holding a lone carriage
    return when lines end in a line feed; a spreadsheet would start a new row there (and read what
    follows as a new cell, perhaps a formula).

    Examples
    --------
    >>> quoting_for(["a", 1]) == csv.QUOTE_MINIMAL
    True
    >>> quoting_for(["a" + chr(13) + "=1+1"]) == csv.QUOTE_NONNUMERIC
    True
    """
    if any(isinstance(v, str) and "\r" in v for v in values):
        return csv.QUOTE_NONNUMERIC  # 2
    return csv.QUOTE_MINIMAL  # 0


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of a table (UTF-8, newline line ends, no index), every cell safe to open in a spreadsheet.

    Examples
    --------
    >>> print(csv_text(pd.DataFrame({"name": ["=cmd|' /C calc'!A0"], "count": [-3]})), end="")
    name,count
    '=cmd|' /C calc'!A0,-3
    """
    safe = neutralise_frame(frame)
    values = [*safe.columns, *(v for name in safe.columns for v in safe[name].tolist())]
    return safe.to_csv(index=False, lineterminator="\n", quoting=quoting_for(values))


def write_frame_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a table to ``path`` as :func:`csv_text` (UTF-8)."""
    Path(path).write_text(csv_text(frame), encoding="utf-8")
