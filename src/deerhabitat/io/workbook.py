"""Excel ``.xlsx`` workbooks read cell by cell, within limits, whatever they declare about themselves.

openpyxl's read-only mode trusts the ``<dimension>`` a sheet declares: a stale ``A1:T7`` drops every
row below 7 without a word, and a declared ``A1:XFD1048576`` makes it pad a million rows to 16,384
columns. Here a sheet is read by streaming its XML: each ``<c>`` cell is converted by openpyxl's own
cell parser (shared strings, numbers, dates, booleans, cached formula results), each ``<row>`` is
released as soon as it is read, and only the cells that hold a value are kept. Rows and columns are
counted as they come, so a sheet over a limit is refused after reading at most the limit.

Before a workbook is opened its zip directory is checked (:func:`deerhabitat.io.archive.member_problems`)
and the parts that can act when the file is opened in Excel (macros, ActiveX, embedded objects,
links to other workbooks, data connections) are listed by :func:`active_parts`.

The messages are in the current language of :mod:`deerhabitat.i18n` (keys ``nr.file.*`` of the
``national_report`` domain, looked up by key so that this module imports none of the national report's):
a Russian workbook is refused in Russian. The kinds of active part stay English here (the national report
reader translates them, ``nr.file.part.*``), as do the zip problems of :mod:`deerhabitat.io.archive`.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from deerhabitat.errors import InputFileError
from deerhabitat.i18n import format_number, message
from deerhabitat.io.archive import member_problems
from deerhabitat.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, MB, OPTIONS, ReadLimits

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL = f"{_NS}row", f"{_NS}c"
_HELD_LIMIT = 100_000
"""Most XML elements one cell may hold (its value, or the runs of its rich text)."""

ACTIVE_PARTS = {
    "xl/vbaProject.bin": "VBA macros",
    "xl/macrosheets/": "Excel 4.0 macro sheets",
    "xl/dialogsheets/": "dialog sheets",
    "xl/activeX/": "ActiveX controls",
    "xl/embeddings/": "embedded objects (OLE)",
    "xl/externalLinks/": "links to other workbooks",
    "xl/connections.xml": "external data connections",
}
"""Zip member name (or folder) → what it is: the parts of a workbook that can act when it is opened."""


def limit_error(file: str, found: str, limit: str, value: float, unit: str = "") -> InputFileError:
    """The error for input over a limit: what was found, the limit, and the option that raises it.

    In the current language (message ``nr.file.limit``); shared by the readers of :mod:`deerhabitat.io`
    that write their refusals in it (this module's and :mod:`deerhabitat.io.national_report`'s).

    Parameters
    ----------
    file : str
        The file's name, named first.
    found : str
        What was found, already in the current language.
    limit : str
        Key of :data:`deerhabitat.limits.OPTIONS`.
    value : float
        The limit in force.
    unit : str, optional
        Unit of the value as the option takes it, in the current language (``MB``, ``МБ``).

    Examples
    --------
    >>> str(limit_error("r.yaml", "nesting deeper than 20 levels", "yaml_depth", 20)).split(";")[0]
    'r.yaml: nesting deeper than 20 levels (limit: --max-yaml-depth 20)'
    >>> str(limit_error("r.yaml", "the file is 2.0 MB", "file_mb", 1.5, "MB")).split(";")[0]
    'r.yaml: the file is 2.0 MB (limit: --max-file-mb 1.5 MB)'
    """
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    raised = value * 2
    return InputFileError(
        message(
            "nr.file.limit",
            file=file,
            found=found,
            option=OPTIONS[limit],
            value=f"{shown} {unit}" if unit else shown,
            raised=f"{raised:g}" if isinstance(raised, float) else str(raised),
        )
    )


def active_parts(archive: zipfile.ZipFile) -> list[str]:
    """Describe the active parts of a workbook (macros, ActiveX, links ...), one entry per kind found.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as z:
    ...     z.writestr("xl/vbaProject.bin", b"")
    ...     z.writestr("xl/externalLinks/externalLink1.xml", b"")
    >>> active_parts(zipfile.ZipFile(buffer))
    ['VBA macros (xl/vbaProject.bin)', 'links to other workbooks (xl/externalLinks/externalLink1.xml)']
    """
    found = []
    names = archive.namelist()
    for part, what in ACTIVE_PARTS.items():
        members = [n for n in names if n == part or (part.endswith("/") and n.startswith(part))]
        if members:
            found.append(f"{what} ({members[0]})")
    content_types = [n for n in names if n == "[Content_Types].xml"]
    if content_types and not found:
        with archive.open(content_types[0]) as fh:
            head = fh.read(1 << 20)
        if b"macroEnabled" in head:
            found.append("a macro-enabled workbook type ([Content_Types].xml)")
    return found


def check_workbook_zip(source: bytes | str, name: str, limits: ReadLimits) -> list[str]:
    """Check a workbook's zip directory before anything is decompressed; return its active parts.

    Raises
    ------
    InputFileError
        If its members declare more than ``limits.uncompressed_mb`` in total, or the directory is
        hostile (see :func:`~deerhabitat.io.archive.member_problems`).
    zipfile.BadZipFile, OSError, EOFError, ValueError
        If it is not a readable zip file (the caller says so in its own terms).
    """
    handle: IO[bytes] | str = io.BytesIO(source) if isinstance(source, bytes) else source
    with zipfile.ZipFile(handle) as archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.uncompressed_bytes:
            found = message("nr.file.uncompressed", size=format_number(total / MB, decimals=1))
            raise limit_error(name, found, "uncompressed_mb", limits.uncompressed_mb, message("nr.file.mb"))
        problems = member_problems(infos, max_total_bytes=limits.uncompressed_bytes)
        if problems:
            raise InputFileError(message("nr.file.refused", file=name, problems="; ".join(problems[:5])))
        return active_parts(archive)


class _StreamedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not look for its declared dimension (:func:`sheet_rows` never uses it)."""

    def _get_size(self) -> None:
        """Skip the scan for ``<dimension>`` (without one openpyxl parses the whole sheet, holding it)."""


class _Reader(ExcelReader):
    """openpyxl's read-only workbook reader; sheets open as :class:`_StreamedSheet`, chart sheets left out."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                worksheet = _StreamedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state or "visible"
                self.wb._sheets.append(worksheet)  # type: ignore[attr-defined]  # as openpyxl's own reader


def open_workbook(source: bytes | str) -> Any:
    """Open a workbook read-only with cached values, no external links kept (openpyxl's own errors pass)."""
    with warnings.catch_warnings():  # e.g. "Data Validation extension is not supported"
        warnings.simplefilter("ignore")
        handle: IO[bytes] | str = io.BytesIO(source) if isinstance(source, bytes) else source
        reader = _Reader(handle, read_only=True, keep_vba=False, data_only=True, keep_links=False)
        reader.read()
        return reader.wb


class RowBudget:
    """Rows with data still allowed, shared by the sheets of one file (``--max-rows``)."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.used = 0

    def take(self, name: str, sheet: str) -> None:
        """Count one row with data; raise the limit error past the limit."""
        self.used += 1
        if self.used > self.limits.rows:
            found = message("nr.file.rows", n=format_number(self.limits.rows), sheet=repr(sheet))
            raise limit_error(name, found, "rows", self.limits.rows)


def sheet_rows(worksheet: Any, name: str, budget: RowBudget) -> list[tuple[int, tuple]]:
    """Every row of a read-only sheet that holds a value, as (row number, values), read cell by cell.

    The declared dimension is ignored. Values are trimmed after the last one; row 1 is always first
    (empty if the sheet has no value there), so a header row keeps its place.

    Raises
    ------
    InputFileError
        Over ``--max-rows`` (all sheets of the file together) or ``--max-columns``, or if the sheet
        is not valid (a row beyond row 1,048,576, a cell beyond column XFD, a malformed cell).
    """
    rows = list(_stream_rows(worksheet, name, budget))
    if not rows or rows[0][0] != 1:
        rows.insert(0, (1, ()))
    return rows


def _stream_rows(worksheet: Any, name: str, budget: RowBudget) -> Iterator[tuple[int, tuple]]:
    book = worksheet.parent
    parser = WorkSheetParser(
        b"",  # the source is streamed here, not by this parser: only its cell conversion is used
        worksheet._shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    title = worksheet.title
    stack: list[Element] = []
    cell_depth, cell_parts = 0, 0
    cells: dict[int, object] = {}
    with book._archive.open(worksheet._worksheet_path) as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                stack.append(element)
                if cell_depth:
                    cell_parts += 1
                if len(stack) > 64 or cell_parts > _HELD_LIMIT:
                    raise _invalid(name, title, message("nr.file.sheet.nesting"))
                if element.tag == _ROW:
                    parser.row_counter = _row_number(element, parser.row_counter, name, title)
                    parser.col_counter = 0
                    cells = {}
                elif element.tag == _CELL and not cell_depth:
                    cell_depth, cell_parts = len(stack), 0
                continue
            stack.pop()
            if cell_depth and len(stack) >= cell_depth:
                continue  # a part of the cell being read (its value, inline text): kept until the cell ends
            if element.tag == _CELL:
                cell_depth = 0
                _add_cell(parser, element, cells, name, title)
            elif element.tag == _ROW and cells:
                budget.take(name, title)
                yield parser.row_counter, _values(cells, name, title, parser.row_counter, budget.limits)
            if stack:
                stack[-1].remove(element)
            element.clear()


def _row_number(element: Element, previous: int, name: str, title: str) -> int:
    text = element.get("r")
    try:
        number = int(text) if text is not None else previous + 1
    except ValueError:
        raise _invalid(name, title, message("nr.file.sheet.row_text", row=repr(str(text)[:20]))) from None
    if not 1 <= number <= EXCEL_MAX_ROWS:
        why = message(
            "nr.file.sheet.row_range", row=format_number(number), most=format_number(EXCEL_MAX_ROWS)
        )
        raise _invalid(name, title, why)
    return number


def _add_cell(parser: WorkSheetParser, element: Element, cells: dict, name: str, title: str) -> None:
    reference = element.get("r")
    try:
        value = parser.parse_cell(element)["value"]
    except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
        why = message("nr.file.sheet.cell", cell=repr(str(reference)[:20]), error=type(exc).__name__)
        raise _invalid(name, title, why) from None
    column = parser.col_counter
    if not 1 <= column <= EXCEL_MAX_COLUMNS:
        raise _invalid(name, title, message("nr.file.sheet.column", cell=repr(str(reference)[:20])))
    if value is not None:
        cells[column] = value
    if len(cells) > EXCEL_MAX_COLUMNS:  # pragma: no cover - columns are bounded above
        raise _invalid(name, title, message("nr.file.sheet.cells"))


def _values(cells: dict[int, object], name: str, title: str, row: int, limits: ReadLimits) -> tuple:
    last = max(cells)
    if last > limits.columns:
        found = message(
            "nr.file.columns", sheet=repr(title), row=format_number(row), column=format_number(last)
        )
        raise limit_error(name, found, "columns", limits.columns)
    return tuple(cells.get(column) for column in range(1, last + 1))


def _invalid(name: str, title: str, why: str) -> InputFileError:
    return InputFileError(message("nr.file.sheet.invalid", file=name, sheet=repr(title), why=why))
