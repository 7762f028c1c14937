"""National report files: read YAML and Excel reports, write templates and filled workbooks.

A report file is read into plain data (what :func:`deerhabitat.nrschema.check_report` checks) plus a
*locator* that turns a path such as ``("populations", 2, "count")`` into the place a user can find:
``populations[2].count (line 41)`` in YAML, ``sheet 'Populations' row 4, column 'count'`` in Excel.
A file that cannot be read at all (not UTF-8, a YAML syntax error, bytes that are not a workbook)
raises :class:`~deerhabitat.errors.ReportFormatError` with one line that says where and why; a file that
does not exist, is over a limit or holds macros raises :class:`~deerhabitat.errors.InputFileError`, and
one that cannot be written :class:`~deerhabitat.errors.StoreError`. Every such message is written in the
current language of :mod:`deerhabitat.i18n` (keys ``nr.file.*`` of :mod:`deerhabitat.nrtext`).

The Excel layout is one sheet per section (the ``Report`` sheet lists field / value pairs, the
others have a header row of field names and one row per entry), an ``About`` sheet with instructions
and every field, and a hidden ``Lists`` sheet holding the coded lists that the drop-downs use.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from deerhabitat.errors import InputFileError, ReportFormatError, StoreError
from deerhabitat.i18n import format_number
from deerhabitat.io.workbook import RowBudget, check_workbook_zip, limit_error, open_workbook, sheet_rows
from deerhabitat.limits import MB, ReadLimits
from deerhabitat.nrschema import (
    CODE_LISTS,
    FORMAT_VERSION,
    SECTIONS,
    SECTIONS_BY_KEY,
    Field,
    Locator,
    Problem,
    Section,
    key_path,
)
from deerhabitat.nrschema import (
    Path as KeyPath,
)
from deerhabitat.nrtext import (
    TEMPLATE_LANGUAGES,
    code_label,
    field_description,
    field_for_header,
    field_label,
    is_about_title,
    section_for_title,
    sheet_title,
    text,
)

YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx",)
ABOUT_SHEET = "About"
LISTS_SHEET = "Lists"
TEMPLATE_ROWS = 500
"""Rows of each section sheet that carry the drop-down lists and number checks in a template."""
LANGUAGE_HEADER = "template-language"
"""Header of the cell of the hidden ``Lists`` sheet that records the template's language (``en``, ``ru``)."""


@dataclass(frozen=True)
class ReportFile:
    """A national report file as read, before its content is checked.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    format : {"yaml", "xlsx"}
        Its format (from the extension).
    content : bytes
        The file's bytes (kept whole in the store on import).
    sha256 : str
        sha256 of ``content``.
    data : object
        Plain data for :func:`deerhabitat.nrschema.check_report`.
    locate : callable
        Path → where a user finds it in the file.
    problems : tuple of Problem
        Problems found while reading (duplicate keys, unnamed or repeated Excel columns), written in
        the current language of :mod:`deerhabitat.i18n`.
    language : str
        The language of the template the report was typed in (``en`` for YAML): it decides how
        numbers and dates written as text are read (:func:`deerhabitat.nrschema.check_report`).
    """

    path: Path
    format: str
    content: bytes
    sha256: str
    data: Any
    locate: Locator
    problems: tuple[Problem, ...] = field(default=())
    language: str = "en"

    @property
    def filename(self) -> str:
        """The file's name, without folders."""
        return self.path.name


def report_format(path: str | os.PathLike) -> str:
    """Return ``"yaml"`` or ``"xlsx"`` from the file extension.

    Raises
    ------
    ReportFormatError
        For any other extension.

    Examples
    --------
    >>> report_format("UZB-2020-2023.yml"), report_format("x.XLSX")
    ('yaml', 'xlsx')
    """
    suffix = Path(path).suffix.lower()
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    raise ReportFormatError(
        Path(path).name,
        [
            Problem(
                Path(path).name,
                text("nr.file.unsupported", suffix=repr(suffix or text("nr.file.no_extension"))),
            )
        ],
    )


def read_report_file(path: str | os.PathLike, /, *, limits: ReadLimits | None = None) -> ReportFile:
    """Read a national report file (YAML or Excel ``.xlsx``) into plain data and a locator.

    Parameters
    ----------
    path : path-like
        The report; its extension chooses the reader.
    limits : ReadLimits, optional
        File size, uncompressed size, sheets, rows, columns, YAML values and nesting (default
        :class:`~deerhabitat.limits.ReadLimits`, far above any real report).

    Returns
    -------
    ReportFile

    Raises
    ------
    InputFileError
        If the file does not exist or cannot be read, is over a limit (the message names the option
        that raises it), or is a workbook with macros, ActiveX, embedded objects or external links.
    ReportFormatError
        If the extension is not supported, or the file is not UTF-8 YAML / not an ``.xlsx`` workbook.
    """
    path = Path(path)
    limits = limits or ReadLimits()
    fmt = report_format(path)
    content = _read_bounded(path, limits)
    digest = hashlib.sha256(content).hexdigest()
    if fmt == "yaml":
        data, locate, problems = _read_yaml(content, path.name, limits)
        lang = "en"
    else:
        data, locate, problems, lang = _read_xlsx(content, path.name, limits)
    return ReportFile(path, fmt, content, digest, data, locate, tuple(problems), lang)


def report_language(path: str | os.PathLike, /, *, limits: ReadLimits | None = None) -> str:
    """The language of the template a report file was written from: ``en`` or ``ru``.

    Read from the ``template-language`` cell of the hidden ``Lists`` sheet, else from the sheet titles;
    ``en`` for YAML and for anything that cannot be read (reading it then says why, in English).
    """
    limits = limits or ReadLimits()
    try:
        if report_format(path) != "xlsx":
            return "en"
        content = _read_bounded(Path(path), limits)
        if check_workbook_zip(content, Path(path).name, limits):
            return "en"
        workbook = open_workbook(content)
        try:
            return _workbook_language(workbook, Path(path).name, limits)
        except (
            InputFileError
        ):  # the Lists sheet over a limit: reading the file says so, in the titles' language
            return _titles_language(workbook)
        finally:
            workbook.close()
    except (InputFileError, ReportFormatError, *_UNREADABLE_XLSX):
        return "en"


def _workbook_language(workbook: Any, name: str, limits: ReadLimits) -> str:
    """The ``template-language`` recorded in the ``Lists`` sheet, else the language of the sheet titles."""
    for ws in workbook.worksheets:
        if ws.title.strip().lower() == LISTS_SHEET.lower():
            rows = sheet_rows(ws, name, RowBudget(limits))
            header = rows[0][1] if rows else ()
            for column, cell in enumerate(header):
                if str(cell).strip().lower() == LANGUAGE_HEADER:
                    below = [row[column] for number, row in rows[1:2] if column < len(row)]
                    lang = str(below[0]).strip().lower() if below else ""
                    if lang in TEMPLATE_LANGUAGES:
                        return lang
    return _titles_language(workbook)


def _titles_language(workbook: Any) -> str:
    """The language of a workbook's sheet titles (``en`` when none is a translated title)."""
    found = (section_for_title(ws.title)[1] for ws in workbook.worksheets)
    titled = sorted({lang for lang in found if lang is not None and lang != "en"})
    return titled[0] if titled else "en"


def _read_bounded(path: Path, limits: ReadLimits) -> bytes:
    """The file's bytes, refusing it (without reading it whole) when it is larger than ``--max-file-mb``."""
    try:
        with path.open("rb") as fh:
            content = fh.read(limits.file_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(text("nr.file.missing", path=repr(str(path)))) from None
    except OSError as exc:
        raise InputFileError(text("nr.file.unreadable", path=repr(str(path)), reason=exc.strerror)) from exc
    if len(content) > limits.file_bytes:
        size = path.stat().st_size if path.is_file() else len(content)
        found = text("nr.file.too_large", size=format_number(size / MB, decimals=1))
        raise limit_error(path.name, found, "file_mb", limits.file_mb, text("nr.file.mb"))
    return content


# -- YAML ---------------------------------------------------------------------------------------------


def _read_yaml(content: bytes, name: str, limits: ReadLimits) -> tuple[Any, Locator, list[Problem]]:
    try:
        document = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = text("nr.file.not_utf8", byte=f"{content[exc.start]:#04x}", position=exc.start)
        raise ReportFormatError(name, [Problem(name, problem)]) from None
    try:
        try:
            _check_yaml_size(document, name, limits)
            node, data = _load_yaml(document)
        except yaml.YAMLError as fast:
            raise _python_yaml_error(document) or fast from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            text("nr.file.yaml_place", file=name, line=mark.line + 1, column=mark.column + 1)
            if mark
            else name
        )
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ReportFormatError(name, [Problem(where, text("nr.file.not_yaml", error=what))]) from None
    except yaml.YAMLError as exc:  # a character YAML does not allow (ReaderError)
        problem = text("nr.file.not_readable_yaml", error=" ".join(str(exc).split()))
        raise ReportFormatError(name, [Problem(name, problem)]) from None
    lines: dict[KeyPath, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _index_lines(node, (), lines, problems)
    return data, _yaml_locator(lines), problems


_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (about ten times faster), else the pure-Python one."""


_PYTHON_YAML_ERRORS = 1 << 20
"""YAML up to this many characters is parsed again by the pure-Python loader to describe an error."""


def _python_yaml_error(text: str) -> yaml.YAMLError | None:
    """The pure-Python loader's error for ``text`` (clearer wording than libyaml's), if small enough."""
    if len(text) > _PYTHON_YAML_ERRORS:
        return None
    try:
        _load_yaml(text, yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return exc
    return None


def _load_yaml(text: str, loader_class: Any = None) -> tuple[yaml.Node | None, Any]:
    """Compose (for line numbers) and construct (for data) one YAML document with the safe loader."""
    loader = (loader_class or _YamlLoader)(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


@dataclass
class _OpenNode:
    """A list or mapping whose end the YAML parser has not reached yet."""

    anchor: str | None
    mapping: bool
    values: int = 1
    depth: int = 1
    items: int = 0


@dataclass
class _YamlCount:
    """Values, list items and the open lists and mappings of a YAML document, counted from its events."""

    name: str
    limits: ReadLimits
    total: int = 0
    list_items: int = 0
    open: list[_OpenNode] = field(default_factory=list)
    anchors: dict[str, tuple[int, int]] = field(default_factory=dict)

    def start(self, anchor: str | None, mapping: bool) -> None:
        """A list or mapping begins (its values are counted into its parent when it ends)."""
        self.check(1, 1)
        self.total += 1
        self.open.append(_OpenNode(anchor, mapping))

    def add(self, values: int, depth: int) -> None:
        """A finished value of ``values`` values, ``depth`` levels deep (a scalar is 1 value, 0 deep)."""
        self.check(values, depth)
        self.total += values
        if self.open:
            self.item(values, depth)

    def check(self, values: int, depth: int) -> None:
        """Refuse a value that would take the document over the value or nesting limit."""
        if self.total + values > self.limits.yaml_nodes:
            raise limit_error(
                self.name,
                text("nr.file.yaml_values", n=format_number(self.limits.yaml_nodes)),
                "yaml_nodes",
                self.limits.yaml_nodes,
            )
        if len(self.open) + depth > self.limits.yaml_depth:
            raise limit_error(
                self.name,
                text("nr.file.yaml_depth", n=self.limits.yaml_depth),
                "yaml_depth",
                self.limits.yaml_depth,
            )

    def item(self, values: int, depth: int) -> None:
        """Count a finished value into the list or mapping that holds it."""
        parent = self.open[-1]
        parent.values += values
        parent.depth = max(parent.depth, depth + 1)
        parent.items += 1
        if parent.mapping and parent.items // 2 > self.limits.columns:
            raise limit_error(
                self.name,
                text("nr.file.yaml_keys", n=format_number(self.limits.columns)),
                "columns",
                self.limits.columns,
            )
        if not parent.mapping:
            self.list_items += 1
            if self.list_items > self.limits.rows:
                found = text("nr.file.yaml_items", n=format_number(self.limits.rows))
                raise limit_error(self.name, found, "rows", self.limits.rows)


def _check_yaml_size(document: str, name: str, limits: ReadLimits) -> None:
    """Refuse, from the parser's events alone, YAML over the value, nesting, list and mapping limits.

    An alias counts as every value of what it repeats, so a "billion laughs" document (aliases of
    aliases) is refused after reading its few kilobytes, never expanded; an alias of a list or
    mapping that contains it (a document that repeats itself without end) is refused too.
    """
    count = _YamlCount(name, limits)
    for event in yaml.parse(document, Loader=_YamlLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            count.start(event.anchor, isinstance(event, yaml.MappingStartEvent))
        elif isinstance(event, yaml.CollectionEndEvent):
            node = count.open.pop()
            if node.anchor:
                count.anchors[node.anchor] = (node.values, node.depth)
            if count.open:
                count.item(node.values, node.depth)
        elif isinstance(event, yaml.ScalarEvent):
            count.add(1, 0)
            if event.anchor:
                count.anchors[event.anchor] = (1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if any(node.anchor == event.anchor for node in count.open):
                raise limit_error(
                    name,
                    text("nr.file.alias_loop", alias=f"*{event.anchor}"),
                    "yaml_nodes",
                    limits.yaml_nodes,
                )
            if event.anchor in count.anchors:  # else undefined: the composer says where
                count.add(*count.anchors[event.anchor])


def _index_lines(node: yaml.Node, path: KeyPath, lines: dict, problems: list[Problem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        text("nr.where.line", path=key_path((*path, key)), line=line),
                        text("nr.file.duplicate_key", key=repr(key), first=seen[key], line=line),
                    )
                )
            seen[key] = line
            _index_lines(value_node, (*path, key), lines, problems)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), lines, problems)


def _yaml_locator(lines: Mapping[KeyPath, int]) -> Locator:
    def locate(path: KeyPath) -> str:
        for end in range(len(path), -1, -1):
            prefix = tuple(path[:end])
            if prefix in lines:
                exact = end == len(path)
                where = "nr.where.line" if exact else "nr.where.entry_line"
                return text(where, path=key_path(path), line=lines[prefix])
        return key_path(path)

    return locate


# -- Excel --------------------------------------------------------------------------------------------

_ValueRows = list[tuple[int, tuple]]


@dataclass
class _Places:
    """Where each part of a workbook's report is: sheet titles, row numbers, column headers as typed."""

    name: str
    sheets: dict[str, str] = field(default_factory=dict)
    rows: dict[KeyPath, tuple[str, int]] = field(default_factory=dict)
    headers: dict[tuple[str, str], str] = field(default_factory=dict)

    def locate(self, path: KeyPath) -> str:
        """Path → ``sheet 'Populations' row 4, column 'count'`` in the current language."""
        if not path:
            return self.name
        key = path[0]
        if key == "report" and len(path) == 2:
            known = self.rows.get(path)
            if known:
                return text("nr.where.report_field", row=_row_place(*known), field=repr(self._column(path)))
            return text(
                "nr.where.report_no_row",
                sheet=repr(self.sheets.get("report", sheet_title(SECTIONS_BY_KEY["report"]))),
                field=repr(self._column(path)),
            )
        sheet = self._sheet(key)
        if len(path) == 1:
            return sheet
        if path[1] == "*":
            return text("nr.where.column", place=sheet, column=repr(self._column(path)))
        row = self.rows.get(tuple(path[:2]))
        place = _row_place(*row) if row else sheet
        return (
            text("nr.where.column", place=place, column=repr(self._column(path))) if len(path) > 2 else place
        )

    def _sheet(self, key: object) -> str:
        if isinstance(key, str) and key in self.sheets:
            title = self.sheets[key]
        elif isinstance(key, str) and key in SECTIONS_BY_KEY:
            title = sheet_title(SECTIONS_BY_KEY[key])
        else:
            title = str(key)
        return text("nr.where.sheet", sheet=repr(title))

    def _column(self, path: KeyPath) -> str:
        """The header of a field as typed in the workbook, else its label in the current language."""
        name = str(path[-1])
        return self.headers.get((str(path[0]), name)) or _known_label(name)


def _row_place(title: str, number: int) -> str:
    return text("nr.where.row", sheet=repr(title), row=number)


def _read_xlsx(content: bytes, name: str, limits: ReadLimits) -> tuple[Any, Locator, list[Problem], str]:
    sheets, lang = _read_sheets(content, name, limits)
    data: dict[str, Any] = {}
    places = _Places(name)
    problems: list[Problem] = []
    for title, rows in sheets.items():
        if title.strip().lower() == LISTS_SHEET.lower() or is_about_title(title):
            continue
        section = _section_for_sheet(title)
        if section is None:
            data[title] = []
            places.sheets[title] = title
            continue
        if section.key in data:
            problems.append(
                Problem(
                    text("nr.where.sheet", sheet=repr(title)),
                    text(
                        "nr.err.second_sheet",
                        key=repr(section.key),
                        sheet=repr(places.sheets.get(section.key, sheet_title(section))),
                    ),
                )
            )
            continue
        places.sheets[section.key] = title
        if section.many:
            data[section.key] = _read_table_sheet(title, section, rows, places, problems)
        else:
            data[section.key] = _read_report_sheet(title, rows, places, problems)
    return data, places.locate, problems, lang


_UNREADABLE_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
    KeyError,
    ValueError,
    OSError,
    EOFError,
    TypeError,
    AttributeError,
    IndexError,
    SyntaxError,
)
"""What openpyxl raises for bytes that are not a workbook or a damaged one (XML ParseError: a SyntaxError)."""


def _read_sheets(content: bytes, name: str, limits: ReadLimits) -> tuple[dict[str, _ValueRows], str]:
    """The rows of every sheet, numbered from 1 (only the section sheets' rows are read), and the language.

    The zip directory is checked first (``--max-uncompressed-mb``), then the number of sheets; rows
    are read cell by cell whatever dimension a sheet declares (:mod:`deerhabitat.io.workbook`).
    """
    try:
        active = check_workbook_zip(content, name, limits)
        if active:
            parts = ", ".join(_active_part(part) for part in active)
            raise InputFileError(text("nr.file.active", file=name, parts=parts))
        workbook = open_workbook(content)
        try:
            if len(workbook.worksheets) > limits.sheets:
                found = text("nr.file.sheets", n=format_number(len(workbook.worksheets)))
                raise limit_error(name, found, "sheets", limits.sheets)
            lang = _workbook_language(workbook, name, limits)
            budget = RowBudget(limits)
            sheets = {
                ws.title: (sheet_rows(ws, name, budget) if _section_for_sheet(ws.title) is not None else [])
                for ws in workbook.worksheets
            }
            return sheets, lang
        finally:
            workbook.close()
    except InputFileError:
        raise
    except _UNREADABLE_XLSX as exc:
        hint = text(
            "nr.err.zip_not_workbook" if zipfile.is_zipfile(io.BytesIO(content)) else "nr.err.not_zip"
        )
        raise ReportFormatError(
            name, [Problem(name, text("nr.err.not_xlsx", hint=hint, error=type(exc).__name__))]
        ) from None


_ACTIVE_PART_KEYS = {
    "VBA macros": "nr.file.part.vba",
    "Excel 4.0 macro sheets": "nr.file.part.macrosheets",
    "dialog sheets": "nr.file.part.dialogsheets",
    "ActiveX controls": "nr.file.part.activex",
    "embedded objects (OLE)": "nr.file.part.embeddings",
    "links to other workbooks": "nr.file.part.external_links",
    "external data connections": "nr.file.part.connections",
    "a macro-enabled workbook type": "nr.file.part.macro_enabled",
}
"""What :func:`deerhabitat.io.workbook.active_parts` calls an active part (English) → its message key."""


def _active_part(part: str) -> str:
    """An active part as :func:`~deerhabitat.io.workbook.active_parts` describes it, in the current language.

    ``VBA macros (xl/vbaProject.bin)`` → ``макросы VBA (xl/vbaProject.bin)``: the zip member stays as it is.
    """
    what, _, member = part.rpartition(" (")
    key = _ACTIVE_PART_KEYS.get(what)
    return f"{text(key)} ({member}" if key else part


def _section_for_sheet(title: str) -> Section | None:
    """The section a sheet title names: its title in any template language, or its key."""
    return section_for_title(title)[0]


def _known_label(name: str) -> str:
    """The label of a field in the current language; an unknown header as it is."""
    return field_label(name) if any(s.field(name) is not None for s in SECTIONS) else name


def _read_report_sheet(title: str, rows: _ValueRows, places: _Places, problems: list[Problem]) -> dict:
    section = SECTIONS_BY_KEY["report"]
    out: dict[str, object] = {}
    first_row: dict[str, int] = {}
    for number, row in rows[1:]:
        key, value = (field_for_header(section, row[0]) if row else ""), (row[1] if len(row) > 1 else None)
        if not key:
            if value is not None and str(value).strip():
                problems.append(
                    Problem(_row_place(title, number), text("nr.err.no_field_name", value=repr(value)))
                )
            continue
        if key in first_row:
            problems.append(
                Problem(
                    _row_place(title, number),
                    text(
                        "nr.err.field_twice", field=repr(_known_label(key)), first=first_row[key], row=number
                    ),
                )
            )
            continue
        out[key], first_row[key] = value, number
        places.rows[("report", key)] = (title, number)
        places.headers[("report", key)] = str(row[0]).strip()
    return out


def _read_table_sheet(
    title: str, section: Section, rows: _ValueRows, places: _Places, problems: list[Problem]
) -> list[dict[str, Any]]:
    if not rows:
        return []
    header_row = rows[0][1]
    headers: list[str] = []
    for column, cell in enumerate(header_row, start=1):
        name = field_for_header(section, cell)
        if name and name in headers:
            problems.append(
                Problem(
                    text("nr.where.sheet_column", sheet=repr(title), column=get_column_letter(column)),
                    text("nr.err.header_repeats", header=repr(_known_label(name))),
                )
            )
            name = ""
        elif name:
            places.headers[(section.key, name)] = str(cell).strip()
        headers.append(name)
    entries: list[dict[str, Any]] = []
    for number, row in rows[1:]:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        entry: dict[str, Any] = {}
        for column in range(max(len(row), len(headers))):  # rows are read without their empty tail
            value = row[column] if column < len(row) else None
            name = headers[column] if column < len(headers) else ""
            if name:
                entry[name] = value
            elif value is not None and str(value).strip():
                problems.append(
                    Problem(
                        text(
                            "nr.where.column",
                            place=_row_place(title, number),
                            column=get_column_letter(column + 1),
                        ),
                        text("nr.err.no_header", value=repr(value)),
                    )
                )
        places.rows[(section.key, len(entries))] = (title, number)
        entries.append(entry)
    return entries


# -- writing ------------------------------------------------------------------------------------------


def template_report(country: str) -> dict[str, Any]:
    """An empty report for ``country``: the ``report`` fields, with format version and country filled in.

    Examples
    --------
    >>> template_report("UZB")["report"]["country"]
    'UZB'
    """
    head: dict[str, Any] = {f.name: None for f in SECTIONS_BY_KEY["report"].fields}
    head.update(format_version=FORMAT_VERSION, country=country)
    return {"report": head, **{s.key: [] for s in SECTIONS if s.many}}


def write_report_file(
    report: Mapping[str, Any], path: str | os.PathLike, /, *, overwrite: bool = False, lang: str = "en"
) -> Path:
    """Write a report (a template or a filled one) as YAML or Excel, chosen by the extension.

    Parameters
    ----------
    report : mapping
        Section key → mapping (``report``) or list of entries, as :func:`check_report` returns or
        :func:`template_report` builds. Missing sections are written empty.
    path : path-like
        ``.yaml``/``.yml`` or ``.xlsx``.
    overwrite : bool, default False
        Replace an existing file.
    lang : {"en", "ru"}, default "en"
        Language of the template: sheet titles, labels, instructions and drop-down lists of a
        workbook, comments of a YAML file (whose keys stay English). Coded values are written as
        their labels; reading maps them back to the same codes.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    StoreError
        If the file exists and ``overwrite`` is False, or it cannot be written.
    """
    path = Path(path)
    fmt = report_format(path)
    if path.exists() and not overwrite:
        raise StoreError(text("nr.file.exists", path=repr(str(path))))
    try:
        if fmt == "yaml":
            path.write_text(render_report_yaml(report, lang=lang), encoding="utf-8")
        else:
            _save_workbook(build_report_workbook(report, lang=lang), path)
    except OSError as exc:
        raise StoreError(text("nr.file.cannot_write", path=repr(str(path)), reason=exc.strerror)) from exc
    return path


_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _save_workbook(workbook: openpyxl.Workbook, path: Path) -> None:
    """Save with fixed timestamps (document properties and zip entries), so equal reports give equal bytes."""
    workbook.properties.created = workbook.properties.modified = _dt.datetime(*_FIXED_TIME)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(
                zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME),
                source.read(info.filename),
                compress_type=zipfile.ZIP_DEFLATED,
            )


def _cell_value(value: object, fld: Field, lang: str = "en") -> object:
    if value is None:
        return None
    if fld.dtype == "bool":
        return code_label("yes-no", "yes" if value else "no", lang)
    if fld.dtype == "code" and fld.codes and value in fld.allowed:
        return code_label(fld.codes, str(value), lang)
    if fld.dtype == "iso3-list" and isinstance(value, (list, tuple)):
        return ", ".join(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _set_cell(cell: Any, value: object) -> Any:
    """Put ``value`` in ``cell`` as data: text starting with '=' stays text, never becomes a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _yaml_scalar(value: object, fld: Field) -> str:
    shown = _cell_value(value, fld)
    if shown is None:
        return ""
    if fld.dtype in ("date", "text", "email", "code", "iso3", "iso3-list") or isinstance(shown, str):
        shown = str(shown)
    return (
        yaml.safe_dump(shown, default_flow_style=True, allow_unicode=True, width=10_000)
        .strip()
        .removesuffix("\n...")
        .removesuffix("...")
        .strip()
    )


def _field_comment(section: Section, fld: Field, lang: str = "en") -> str:
    comment = text(
        "nr.comment.field",
        lang,
        description=field_description(section, fld.name, lang),
        expected=fld.expected(lang),
    )
    return text("nr.comment.required", lang, text=comment) if fld.required else comment


def render_report_yaml(report: Mapping[str, Any], *, lang: str = "en") -> str:
    """Render a report as commented YAML: every section, every key, what each accepts.

    Empty sections are written as ``[]`` followed by a commented example entry listing every key,
    so a focal point can copy it. Keys and coded values are written in English whatever ``lang``;
    the comments are in ``lang``.

    Examples
    --------
    >>> text = render_report_yaml(template_report("TJK"))
    >>> yaml.safe_load(text)["report"]["country"]
    'TJK'
    """
    lines = [
        "# " + text("nr.yaml.head", lang, version=FORMAT_VERSION),
        "# " + text("nr.yaml.fill", lang),
        "# " + text("nr.yaml.check", lang),
        "",
    ]
    for section in SECTIONS:
        lines.append(f"# {sheet_title(section, lang)}: {text(f'nr.section.{section.key}', lang)}")
        value = report.get(section.key)
        if not section.many:
            lines.append(f"{section.key}:")
            for fld in section.fields_given([value or {}]):
                scalar = _yaml_scalar((value or {}).get(fld.name), fld)
                lines.append(f"  {fld.name}: {scalar}".rstrip() + f"  # {_field_comment(section, fld, lang)}")
        elif value:
            lines.append(f"{section.key}:")
            for entry in value:
                present = [f for f in section.fields_given([entry]) if entry.get(f.name) is not None]
                for n, fld in enumerate(present):
                    lines.append(
                        f"  {'- ' if n == 0 else '  '}{fld.name}: {_yaml_scalar(entry[fld.name], fld)}"
                    )
        else:
            lines.append(f"{section.key}: []")
            for n, fld in enumerate(section.fields):
                lines.append(
                    f"#  {'- ' if n == 0 else '  '}{fld.name}:   # {_field_comment(section, fld, lang)}"
                )
        lines.append("")
    return "\n".join(lines)


_REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)


def build_report_workbook(report: Mapping[str, Any], *, lang: str = "en") -> openpyxl.Workbook:
    """Build the Excel workbook of a report: instructions, one sheet per section, hidden Lists.

    Coded fields get drop-down lists (from the ``Lists`` sheet), numbers get range checks, date
    columns are text so that ``2023-05`` stays a month; required headers are highlighted and every
    header carries a comment describing the field. Sheet titles, labels, instructions and the lists
    are in ``lang``; the ``Lists`` sheet records it (``template-language``), and so does the
    workbook's ``language`` property.

    Parameters
    ----------
    report : mapping
        As for :func:`write_report_file`.
    lang : {"en", "ru"}, default "en"
        Language of the template.

    Returns
    -------
    openpyxl.Workbook
    """
    workbook = openpyxl.Workbook()
    about = workbook.worksheets[0]  # the sheet a new workbook starts with
    about.title = text("nr.sheet.about", lang)
    list_ranges = _write_lists(workbook.create_sheet(LISTS_SHEET), lang)
    _write_about(about, lang)
    for section in SECTIONS:
        sheet = workbook.create_sheet(sheet_title(section, lang), index=len(workbook.sheetnames) - 1)
        if section.many:
            _write_table_sheet(sheet, section, report.get(section.key) or [], list_ranges, lang)
        else:
            _write_report_sheet(sheet, section, report.get(section.key) or {}, lang)
    workbook.properties.creator = "deerhabitat"
    workbook.properties.language = lang
    return workbook


def _write_lists(sheet: Any, lang: str) -> dict[str, str]:
    ranges = {}
    for column, (name, codes) in enumerate(CODE_LISTS.items(), start=1):
        letter = get_column_letter(column)
        sheet.cell(1, column, name).font = _BOLD
        for row, code in enumerate(codes, start=2):
            _set_cell(sheet.cell(row, column), code_label(name, code, lang))
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(codes) + 1}"
    marker = len(CODE_LISTS) + 2
    sheet.cell(1, marker, LANGUAGE_HEADER).font = _BOLD
    sheet.cell(2, marker, lang)
    sheet.sheet_state = "hidden"
    return ranges


def _write_about(sheet: Any, lang: str) -> None:
    rows = [
        (text("nr.about.title", lang, version=FORMAT_VERSION),),
        (text("nr.about.sheets", lang),),
        (text("nr.about.dates", lang),),
        (text("nr.about.positions", lang),),
        (text("nr.about.commands", lang),),
        (text("nr.about.rename", lang),),
        (text("nr.about.translations", lang),),
        (),
        tuple(
            text(f"nr.about.column.{c}", lang)
            for c in ("sheet", "field", "required", "accepts", "description")
        ),
    ]
    for section in SECTIONS:
        for fld in section.fields:
            rows.append(
                (
                    sheet_title(section, lang),
                    field_label(fld.name, lang),
                    text("nr.about.yes", lang) if fld.required else "",
                    fld.expected(lang),
                    field_description(section, fld.name, lang),
                )
            )
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[9]:  # the header row of the field list
        cell.font = _BOLD
    for letter, width in zip("ABCDE", (18, 22, 10, 60, 70), strict=True):
        sheet.column_dimensions[letter].width = width


def _write_report_sheet(sheet: Any, section: Section, values: Mapping[str, Any], lang: str) -> None:
    sheet.append(tuple(text(f"nr.report_sheet.{c}", lang) for c in ("field", "value", "description")))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    fields = section.fields_given([values])
    for row, fld in enumerate(fields, start=2):
        sheet.cell(row, 1, field_label(fld.name, lang)).font = _BOLD
        if fld.required:
            sheet.cell(row, 1).fill = _REQUIRED_FILL
        value = _set_cell(sheet.cell(row, 2), _cell_value(values.get(fld.name), fld, lang))
        value.number_format = "@" if fld.dtype in ("date", "text") else "General"
        sheet.cell(row, 3, _field_comment(section, fld, lang))
    years = DataValidation(
        type="whole", operator="between", formula1="1700", formula2="2100", allow_blank=True
    )
    years.error, years.errorTitle, years.showErrorMessage = (
        text("nr.check.year", lang),
        text("nr.check.year_title", lang)[:32],
        True,
    )
    sheet.add_data_validation(years)
    for row, fld in enumerate(fields, start=2):
        if fld.dtype == "year":
            years.add(f"B{row}")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 90
    sheet.freeze_panes = "A2"


def _write_table_sheet(
    sheet: Any, section: Section, entries: list, list_ranges: Mapping[str, str], lang: str
) -> None:
    last_row = len(entries) + TEMPLATE_ROWS + 1
    for column, fld in enumerate(section.fields_given(entries), start=1):
        letter = get_column_letter(column)
        header = sheet.cell(1, column, field_label(fld.name, lang))
        header.font = _BOLD
        header.fill = _REQUIRED_FILL if fld.required else _HEADER_FILL
        header.comment = Comment(_field_comment(section, fld, lang), "deerhabitat", width=320, height=120)
        header.alignment = Alignment(wrap_text=False)
        sheet.column_dimensions[letter].width = _column_width(fld, lang)
        if fld.dtype in ("date", "text", "code", "iso3-list"):
            sheet.column_dimensions[letter].number_format = "@"
        validation = _validation(section, fld, list_ranges, lang)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")
        for row, entry in enumerate(entries, start=2):
            cell = _set_cell(sheet.cell(row, column), _cell_value(entry.get(fld.name), fld, lang))
            if fld.dtype in ("date", "text", "code"):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"


_WIDE_FIELDS = {"source", "notes", "description", "outcome", "comment", "activity", "action", "text"}


def _column_width(fld: Field, lang: str = "en") -> int:
    """Excel column width: wide for free text, enough for the longest label, else the header."""
    if (fld.translation_of or fld.name) in _WIDE_FIELDS:
        return 50
    if fld.dtype == "text":
        return 26
    longest = max((len(code_label(fld.codes, code, lang)) for code in fld.allowed if fld.codes), default=0)
    return max(12, len(field_label(fld.name, lang)) + 4, longest + 4)


def _validation(
    section: Section, fld: Field, list_ranges: Mapping[str, str], lang: str
) -> DataValidation | None:
    if fld.dtype in ("code", "bool"):
        codes = fld.codes or "yes-no"
        validation = DataValidation(type="list", formula1=f"={list_ranges[codes]}", allow_blank=True)
        labels = ", ".join(code_label(codes, code, lang) for code in CODE_LISTS[codes])
        validation.error = text("nr.check.pick", lang, codes=labels)
    elif fld.dtype in ("int", "year"):
        low, high = (1700, 2100) if fld.dtype == "year" else (fld.minimum or 0, fld.maximum or 1e9)
        validation = DataValidation(
            type="whole", operator="between", formula1=f"{low:g}", formula2=f"{high:g}", allow_blank=True
        )
        validation.error = text("nr.check.write", lang, expected=fld.expected(lang))
    elif fld.dtype == "float" and fld.minimum is not None:
        high = fld.maximum if fld.maximum is not None else 1e9
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1=f"{fld.minimum:g}",
            formula2=f"{high:g}",
            allow_blank=True,
        )
        validation.error = text("nr.check.write", lang, expected=fld.expected(lang))
    else:
        return None
    validation.error = validation.error[:225]
    validation.errorTitle = text("nr.check.title", lang, name=field_label(fld.name, lang))[:32]
    validation.showErrorMessage = True
    validation.prompt = _field_comment(section, fld, lang)[:255]
    validation.showInputMessage = True
    return validation
