"""The tables of a rendered report page, read back with the standard library's HTML parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z][a-z0-9]*")
"""An internal field name: a lower-case identifier (``site_id``, ``n_released``, ``iso3``, ``count``)."""
CODE = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)+")
"""A code of the data written as a value (``water-regulation``, ``population_counts``)."""
CODE_COLUMNS = ("Threat", "Severity", "Trend", "Measure", "Status", "Layer", "Action", "Kind", "Problem")
"""Columns whose values are codes of the data, which the report must show as words."""


@dataclass
class PageTable:
    """One ``<table>`` of the page: its id, column headers and body rows (cell text)."""

    id: str | None
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def column(self, header: str) -> list[str]:
        """The cells of the column headed ``header``."""
        index = self.head.index(header)
        return [row[index] for row in self.rows if len(row) > index]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[PageTable] = []
        self.cell: list[str] | None = None
        self.section: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(PageTable(self.section))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        elif tag in ("th", "td") and self.tables:
            self.cell = [tag, ""]
        elif dict(attrs).get("id", "") and str(dict(attrs)["id"]).startswith("table-"):
            self.section = dict(attrs)["id"]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self.cell is not None:
            kind, text = self.cell
            self.cell = None
            target = self.tables[-1]
            (target.head if kind == "th" else target.rows[-1]).append(" ".join(text.split()))

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell[1] += data


def page_tables(html: str) -> list[PageTable]:
    """Every table of ``html`` with its headers and body rows (empty header rows dropped)."""
    parser = _Tables()
    parser.feed(html)
    for table in parser.tables:
        table.rows = [row for row in table.rows if row]
    return parser.tables


def internal_names(tables: list[PageTable], fields: set[str] = frozenset()) -> list[tuple[str | None, str]]:
    """``(table, header)`` of every header that is an internal field name or one of ``fields``."""
    return [(t.id, h) for t in tables for h in t.head if IDENTIFIER.fullmatch(h) or h in fields]


def coded_values(tables: list[PageTable]) -> list[tuple[str | None, str, str]]:
    """``(table, header, value)`` of every code shown as it is in a column of :data:`CODE_COLUMNS`."""
    return [
        (t.id, h, v)
        for t in tables
        for h in t.head
        if h in CODE_COLUMNS
        for v in t.column(h)
        if CODE.fullmatch(v)
    ]
