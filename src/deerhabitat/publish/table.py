"""A table of the Overview Report (page view and CSV data) and the cell formats tables share.

The CSV of a table is its ``data``, written by the workflow through the one CSV writer,
:func:`deerhabitat.io.csv_safe.csv_text` (which neutralises formula text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from deerhabitat.i18n import format_date, format_number
from deerhabitat.publish.text import message
from deerhabitat.vocabulary import ENGLISH as CODE_WORDS
from deerhabitat.vocabulary import code_key, is_code


@dataclass(frozen=True)
class Table:
    """A table of the report.

    Attributes
    ----------
    name : str
        File name stem of its CSV (``tables/<name>.csv``) and anchor in the page.
    title, caption : str
        Heading and the sentence under it.
    display : pandas.DataFrame
        What the page shows (text cells; numbers already formatted).
    data : pandas.DataFrame
        What the CSV holds (raw values).
    numeric : tuple of str
        Columns of ``display`` to right-align.
    """

    name: str
    title: str
    caption: str
    display: pd.DataFrame
    data: pd.DataFrame
    numeric: tuple[str, ...] = ()
    source: str = ""

    kind = "table"

    def rows(self) -> list[list[tuple[str, bool]]]:
        """Cells of ``display`` as ``(text, is_numeric)``, row by row."""
        numeric = [c in self.numeric for c in self.display.columns]
        return [
            [("" if pd.isna(v) else str(v), n) for v, n in zip(row, numeric, strict=True)]
            for row in self.display.itertuples(index=False, name=None)
        ]


def make_table(
    key: str,
    name: str,
    display: pd.DataFrame,
    data: pd.DataFrame,
    numeric: Sequence[str] = (),
    **values: object,
) -> Table | None:
    """A :class:`Table` titled by the catalogue's ``table.<key>.title`` and ``.caption`` (None: no data)."""
    if data.empty:
        return None
    return Table(
        name,
        message(f"table.{key}.title"),
        message(f"table.{key}.caption", lang=None, **values),
        display,
        data.reset_index(drop=True),
        numeric=tuple(numeric),
    )


def country_label(iso3: str | None, names: Mapping[str, str]) -> str:
    """``Uzbekistan (UZB)``, or the code alone when the name is unknown."""
    return f"{names[iso3]} ({iso3})" if iso3 is not None and iso3 in names else str(iso3)


def text_cell(value: object) -> str:
    """A value as text; empty for a missing one."""
    return (
        "" if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)) else str(value)
    )


def date_cell(value: object) -> str:
    """A date of the data (ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) as the report's language writes it.

    Examples
    --------
    >>> date_cell("2024-12-31"), date_cell(None)
    ('2024-12-31', '')
    >>> from deerhabitat.i18n import language
    >>> with language("ru"):
    ...     date_cell("2024-12-31"), date_cell("2026-11")
    ('31.12.2024', '11.2026')
    """
    text = text_cell(value)
    return format_date(text) if text else ""


def code_cell(value: object) -> str:
    """A code of the data as words: ``water-regulation`` or ``population_counts`` → ``water regulation``.

    Free text (anything with a space or a capital letter) is kept as it is; empty for a missing value.

    Examples
    --------
    >>> code_cell("water-regulation"), code_cell("population_counts"), code_cell("Red Book"), code_cell(None)
    ('water regulation', 'population counts', 'Red Book', '')
    """
    text = text_cell(value)
    if is_code(text) and code_key(text) in CODE_WORDS:
        return message(code_key(text))
    if text and text == text.lower() and " " not in text:
        return text.replace("-", " ").replace("_", " ")
    return text


def word_cell(value: object) -> str:
    """A period or other name as words in the reader's language when it is a known code, else as written.

    >>> word_cell("historical"), word_cell("2000-2010")
    ('historical', '2000-2010')
    """
    text = text_cell(value)
    return message(code_key(text)) if is_code(text) and code_key(text) in CODE_WORDS else text


def int_cell(value: float | None) -> str:
    """A whole number with thousands separators; a dash for a missing one."""
    return message("table.dash") if value is None or pd.isna(value) else format_number(int(value))


def km_cell(value: float | None) -> str:
    """A distance in km: whole kilometres shown without decimals, others with one; a dash when missing."""
    if value is None or pd.isna(value):
        return "–"
    number = float(value)
    return format_number(number) if number == round(number) else format_number(number, decimals=1)
