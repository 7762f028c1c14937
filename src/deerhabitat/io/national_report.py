"""National report files: read YAML and Excel reports, write templates and filled workbooks.

A report file is read into plain data (what :func:`deerhabitat.nrschema.check_report` checks) plus a
*locator* that turns a path such as ``("populations", 2, "count")`` into the place a user can find:
``populations[2].count (line 41)`` in YAML, ``sheet 'Populations' row 4, column 'count'`` in Excel.
A file that cannot be read at all (not UTF-8, a YAML syntax error, bytes that are not a workbook)
raises :class:`~deerhabitat.errors.ReportFormatError` with one line that says where and why.

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
from deerhabitat.io.workbook import RowBudget, check_workbook_zip, open_workbook, sheet_rows
from deerhabitat.limits import MB, ReadLimits, limit_error
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

YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx",)
ABOUT_SHEET = "About"
LISTS_SHEET = "Lists"
TEMPLATE_ROWS = 500
"""Rows of each section sheet that carry the drop-down lists and number checks in a template."""


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
        Problems found while reading (duplicate keys, unnamed or repeated Excel columns).
    """

    path: Path
    format: str
    content: bytes
    sha256: str
    data: Any
    locate: Locator
    problems: tuple[Problem, ...] = field(default=())

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
                f"unsupported file type {suffix or '(no extension)'!r}; a national report is a YAML "
                f"(.yaml, .yml) or Excel (.xlsx) file; save it as one of these (start from `deerhabitat "
                f"national-report template`)",
            ),
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
    else:
        data, locate, problems = _read_xlsx(content, path.name, limits)
    return ReportFile(path, fmt, content, digest, data, locate, tuple(problems))


def _read_bounded(path: Path, limits: ReadLimits) -> bytes:
    """The file's bytes, refusing it (without reading it whole) when it is larger than ``--max-file-mb``."""
    try:
        with path.open("rb") as fh:
            content = fh.read(limits.file_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(f"national report {str(path)!r} does not exist; check the path") from None
    except OSError as exc:
        raise InputFileError(
            f"cannot read the national report {str(path)!r} ({exc.strerror}); check that it "
            f"is a readable file"
        ) from exc
    if len(content) > limits.file_bytes:
        size = path.stat().st_size if path.is_file() else len(content)
        raise limit_error(path.name, f"the file is {size / MB:,.1f} MB", "file_mb", limits.file_mb, "MB")
    return content


# -- YAML ---------------------------------------------------------------------------------------------


def _read_yaml(content: bytes, name: str, limits: ReadLimits) -> tuple[Any, Locator, list[Problem]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFormatError(
            name,
            [
                Problem(
                    name,
                    f"byte {content[exc.start]:#04x} at position {exc.start} is not "
                    f"UTF-8 text; a YAML report must be UTF-8 (or is this an Excel file? "
                    f"then name it .xlsx); save it as UTF-8",
                ),
            ],
        ) from None
    try:
        try:
            _check_yaml_size(text, name, limits)
            node, data = _load_yaml(text)
        except yaml.YAMLError as fast:
            raise _python_yaml_error(text) or fast from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name} line {mark.line + 1}, column {mark.column + 1}" if mark else name
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ReportFormatError(
            name,
            [
                Problem(
                    where,
                    f"not valid YAML ({what}); correct the YAML (indent nested "
                    f"keys by two spaces, quote text that contains ': ' or ' #')",
                ),
            ],
        ) from None
    except yaml.YAMLError as exc:  # a character YAML does not allow (ReaderError)
        raise ReportFormatError(
            name,
            [
                Problem(
                    name,
                    f"not readable as YAML ({' '.join(str(exc).split())}); remove "
                    f"control characters, or save the file again as UTF-8 text",
                ),
            ],
        ) from None
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
                f"more than {self.limits.yaml_nodes:,} values (each alias counted as what it repeats)",
                "yaml_nodes",
                self.limits.yaml_nodes,
            )
        if len(self.open) + depth > self.limits.yaml_depth:
            raise limit_error(
                self.name,
                f"lists and mappings nested deeper than {self.limits.yaml_depth} levels",
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
                f"a mapping with more than {self.limits.columns:,} keys",
                "columns",
                self.limits.columns,
            )
        if not parent.mapping:
            self.list_items += 1
            if self.list_items > self.limits.rows:
                raise limit_error(
                    self.name, f"more than {self.limits.rows:,} list items", "rows", self.limits.rows
                )


def _check_yaml_size(text: str, name: str, limits: ReadLimits) -> None:
    """Refuse, from the parser's events alone, YAML over the value, nesting, list and mapping limits.

    An alias counts as every value of what it repeats, so a "billion laughs" document (aliases of
    aliases) is refused after reading its few kilobytes, never expanded; an alias of a list or
    mapping that contains it (a document that repeats itself without end) is refused too.
    """
    count = _YamlCount(name, limits)
    for event in yaml.parse(text, Loader=_YamlLoader):
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
                    f"alias *{event.anchor} repeats a list or mapping that contains it, without end",
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
                        f"{key_path((*path, key))} (line {line})",
                        f"key {key!r} appears twice (lines {seen[key]} and {line}); only the "
                        f"last would count; keep one",
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
                return f"{key_path(path)} ({'line' if exact else 'entry at line'} {lines[prefix]})"
        return key_path(path)

    return locate


# -- Excel --------------------------------------------------------------------------------------------

_ValueRows = list[tuple[int, tuple]]


def _read_xlsx(content: bytes, name: str, limits: ReadLimits) -> tuple[Any, Locator, list[Problem]]:
    sheets = _read_sheets(content, name, limits)
    data: dict[str, Any] = {}
    where: dict[KeyPath, str] = {}
    problems: list[Problem] = []
    for title, rows in sheets.items():
        if title.strip().lower() in (ABOUT_SHEET.lower(), LISTS_SHEET.lower()):
            continue
        section = _section_for_sheet(title)
        if section is None:
            data[title] = []
            where[(title,)] = f"sheet {title!r}"
            continue
        if section.key in data:
            problems.append(
                Problem(
                    f"sheet {title!r}",
                    f"a second sheet for section {section.key!r}; keep one "
                    f"sheet named {section.sheet!r} and move its rows there",
                )
            )
            continue
        where[(section.key,)] = f"sheet {title!r}"
        if section.many:
            data[section.key] = _read_table_sheet(title, section, rows, where, problems)
        else:
            data[section.key] = _read_report_sheet(title, rows, where, problems)
    return data, _xlsx_locator(name, where), problems


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


def _read_sheets(content: bytes, name: str, limits: ReadLimits) -> dict[str, _ValueRows]:
    """The rows of every sheet, numbered from 1 (only the section sheets' rows are read).

    The zip directory is checked first (``--max-uncompressed-mb``), then the number of sheets; rows
    are read cell by cell whatever dimension a sheet declares (:mod:`deerhabitat.io.workbook`).
    """
    try:
        active = check_workbook_zip(content, name, limits)
        if active:
            raise InputFileError(
                f"{name}: the workbook holds {', '.join(active)}; a national report is kept whole in "
                f"the store and shared, so it must be a plain workbook: remove the macros and links "
                f"(Data > Edit Links > Break Link) and save it as 'Excel Workbook (.xlsx)'"
            )
        workbook = open_workbook(content)
        try:
            if len(workbook.worksheets) > limits.sheets:
                raise limit_error(
                    name, f"the workbook has {len(workbook.worksheets):,} sheets", "sheets", limits.sheets
                )
            budget = RowBudget(limits)
            return {
                ws.title: (sheet_rows(ws, name, budget) if _section_for_sheet(ws.title) is not None else [])
                for ws in workbook.worksheets
            }
        finally:
            workbook.close()
    except InputFileError:
        raise
    except _UNREADABLE_XLSX as exc:
        hint = (
            "it is a zip file but not a readable workbook"
            if zipfile.is_zipfile(io.BytesIO(content))
            else "the bytes are not a zip-based .xlsx file"
        )
        raise ReportFormatError(
            name,
            [
                Problem(
                    name,
                    f"not an Excel .xlsx workbook ({hint}: {type(exc).__name__}); "
                    f"save it from Excel or LibreOffice as .xlsx, or start from `deerhabitat "
                    f"national-report template --format xlsx`",
                ),
            ],
        ) from None


def _section_for_sheet(title: str) -> Section | None:
    text = title.strip().lower()
    for section in SECTIONS:
        if text in (section.sheet.lower(), section.key, section.key.replace("_", " ")):
            return section
    return None


def _header(value: object) -> str:
    return "" if value is None else str(value).strip().lower().replace(" ", "_")


def _read_report_sheet(title: str, rows: _ValueRows, where: dict, problems: list[Problem]) -> dict:
    out: dict[str, object] = {}
    first_row: dict[str, int] = {}
    for number, row in rows[1:]:
        key, value = (_header(row[0]) if row else ""), (row[1] if len(row) > 1 else None)
        if not key:
            if value is not None and str(value).strip():
                problems.append(
                    Problem(
                        f"sheet {title!r} row {number}",
                        f"value {value!r} has no field name in column A; write the field name there",
                    )
                )
            continue
        if key in first_row:
            problems.append(
                Problem(
                    f"sheet {title!r} row {number}",
                    f"field {key!r} appears twice (rows {first_row[key]} and {number}); keep one row",
                )
            )
            continue
        out[key], first_row[key] = value, number
        where[("report", key)] = f"sheet {title!r} row {number}"
    return out


def _read_table_sheet(
    title: str, section: Section, rows: _ValueRows, where: dict, problems: list[Problem]
) -> list[dict[str, Any]]:
    if not rows:
        return []
    header_row = rows[0][1]
    headers: list[str] = []
    for column, cell in enumerate(header_row, start=1):
        name = _header(cell)
        if name and name in headers:
            problems.append(
                Problem(
                    f"sheet {title!r} column {get_column_letter(column)}",
                    f"header {name!r} repeats an earlier column; keep one column per field",
                )
            )
            name = ""
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
                        f"sheet {title!r} row {number}, column {get_column_letter(column + 1)}",
                        f"value {value!r} is in a column without a header; put the field name "
                        f"in row 1 or move the value",
                    )
                )
        where[(section.key, len(entries))] = f"sheet {title!r} row {number}"
        entries.append(entry)
    return entries


def _xlsx_locator(name: str, where: Mapping[KeyPath, str]) -> Locator:
    def locate(path: KeyPath) -> str:
        if not path:
            return name
        if path[0] == "report" and len(path) == 2:
            known = where.get(path)
            return f"{known} ({path[1]!r})" if known else f"sheet 'Report' (no row for {path[1]!r})"
        key = path[0]
        sheet = where.get(
            (key,),
            f"sheet {SECTIONS_BY_KEY[key].sheet!r}"
            if isinstance(key, str) and key in SECTIONS_BY_KEY
            else f"sheet {key!r}",
        )
        if len(path) == 1:
            return sheet
        if path[1] == "*":
            return f"{sheet}, column {path[2]!r}"
        row = where.get(tuple(path[:2]), sheet)
        return f"{row}, column {path[2]!r}" if len(path) > 2 else row

    return locate


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
    report: Mapping[str, Any], path: str | os.PathLike, /, *, overwrite: bool = False
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
        raise StoreError(f"{str(path)!r} already exists; choose another --out path, or pass --overwrite")
    try:
        if fmt == "yaml":
            path.write_text(render_report_yaml(report), encoding="utf-8")
        else:
            _save_workbook(build_report_workbook(report), path)
    except OSError as exc:
        raise StoreError(
            f"cannot write {str(path)!r} ({exc.strerror}); check the folder exists and is writable"
        ) from exc
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


def _cell_value(value: object, fld: Field) -> object:
    if value is None:
        return None
    if fld.dtype == "bool":
        return "yes" if value else "no"
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


def _field_comment(fld: Field) -> str:
    required = "(required) " if fld.required else ""
    return f"{required}{fld.description}; {fld.expected()}"


def render_report_yaml(report: Mapping[str, Any]) -> str:
    """Render a report as commented YAML: every section, every key, what each accepts.

    Empty sections are written as ``[]`` followed by a commented example entry listing every key,
    so a focal point can copy it.

    Examples
    --------
    >>> text = render_report_yaml(template_report("TJK"))
    >>> yaml.safe_load(text)["report"]["country"]
    'TJK'
    """
    lines = [
        f"# National report, deerhabitat format {FORMAT_VERSION} (docs/national-report-format.md).",
        "# Fill in each section; keys marked (required) need a value. Dates: YYYY, YYYY-MM or YYYY-MM-DD.",
        "# Check the file with: deerhabitat national-report validate THIS_FILE",
        "",
    ]
    for section in SECTIONS:
        lines.append(f"# {section.sheet}: {section.description}")
        value = report.get(section.key)
        if not section.many:
            lines.append(f"{section.key}:")
            for fld in section.fields:
                scalar = _yaml_scalar((value or {}).get(fld.name), fld)
                lines.append(f"  {fld.name}: {scalar}".rstrip() + f"  # {_field_comment(fld)}")
        elif value:
            lines.append(f"{section.key}:")
            for entry in value:
                present = [f for f in section.fields if entry.get(f.name) is not None]
                for n, fld in enumerate(present):
                    lines.append(
                        f"  {'- ' if n == 0 else '  '}{fld.name}: {_yaml_scalar(entry[fld.name], fld)}"
                    )
        else:
            lines.append(f"{section.key}: []")
            for n, fld in enumerate(section.fields):
                lines.append(f"#  {'- ' if n == 0 else '  '}{fld.name}:   # {_field_comment(fld)}")
        lines.append("")
    return "\n".join(lines)


_REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)


def build_report_workbook(report: Mapping[str, Any]) -> openpyxl.Workbook:
    """Build the Excel workbook of a report: About, one sheet per section, hidden Lists.

    Coded fields get drop-down lists (from the ``Lists`` sheet), numbers get range checks, date
    columns are text so that ``2023-05`` stays a month; required headers are highlighted and every
    header carries a comment describing the field.

    Parameters
    ----------
    report : mapping
        As for :func:`write_report_file`.

    Returns
    -------
    openpyxl.Workbook
    """
    workbook = openpyxl.Workbook()
    about = workbook.worksheets[0]  # the sheet a new workbook starts with
    about.title = ABOUT_SHEET
    list_ranges = _write_lists(workbook.create_sheet(LISTS_SHEET))
    _write_about(about)
    for section in SECTIONS:
        sheet = workbook.create_sheet(section.sheet, index=len(workbook.sheetnames) - 1)
        if section.many:
            _write_table_sheet(sheet, section, report.get(section.key) or [], list_ranges)
        else:
            _write_report_sheet(sheet, section, report.get(section.key) or {})
    workbook.properties.creator = "deerhabitat"
    return workbook


def _write_lists(sheet: Any) -> dict[str, str]:
    ranges = {}
    for column, (name, codes) in enumerate(CODE_LISTS.items(), start=1):
        letter = get_column_letter(column)
        sheet.cell(1, column, name).font = _BOLD
        for row, code in enumerate(codes, start=2):
            sheet.cell(row, column, code)
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(codes) + 1}"
    sheet.sheet_state = "hidden"
    return ranges


def _write_about(sheet: Any) -> None:
    rows = [
        (f"National report — deerhabitat format {FORMAT_VERSION}",),
        (
            "Fill in one sheet per section: 'Report' (who reports, the period) as field / value rows; the "
            "other sheets one row per entry under the header row. Highlighted headers are required in every "
            "row you add.",
        ),
        (
            "Coded fields have drop-down lists. Dates are text: YYYY, YYYY-MM or YYYY-MM-DD (a year or month "
            "alone is fine; never a date in the future). Cite a source for every figure.",
        ),
        ("Positions are decimal degrees in WGS 84 (latitude, longitude). Areas are km2 (1 km2 = 100 ha).",),
        (
            "Check the file with: deerhabitat national-report validate FILE.xlsx   "
            "Import it with: deerhabitat national-report import FILE.xlsx --store STORE.gpkg",
        ),
        (
            "Do not rename the sheets or the header cells; add rows below the headers. The hidden 'Lists' "
            "sheet holds the coded lists.",
        ),
        (),
        ("sheet", "field", "required", "accepts", "description"),
    ]
    for section in SECTIONS:
        for fld in section.fields:
            rows.append(
                (section.sheet, fld.name, "yes" if fld.required else "", fld.expected(), fld.description)
            )
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[8]:
        cell.font = _BOLD
    for letter, width in zip("ABCDE", (18, 22, 10, 60, 70), strict=True):
        sheet.column_dimensions[letter].width = width


def _write_report_sheet(sheet: Any, section: Section, values: Mapping[str, Any]) -> None:
    sheet.append(("field", "value", "description"))
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for row, fld in enumerate(section.fields, start=2):
        sheet.cell(row, 1, fld.name).font = _BOLD
        if fld.required:
            sheet.cell(row, 1).fill = _REQUIRED_FILL
        value = _set_cell(sheet.cell(row, 2), _cell_value(values.get(fld.name), fld))
        value.number_format = "@" if fld.dtype in ("date", "text") else "General"
        sheet.cell(row, 3, _field_comment(fld))
    years = DataValidation(
        type="whole", operator="between", formula1="1700", formula2="2100", allow_blank=True
    )
    years.error, years.errorTitle, years.showErrorMessage = "Write a year such as 2023.", "Not a year", True
    sheet.add_data_validation(years)
    for row, fld in enumerate(section.fields, start=2):
        if fld.dtype == "year":
            years.add(f"B{row}")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 90
    sheet.freeze_panes = "A2"


def _write_table_sheet(sheet: Any, section: Section, entries: list, list_ranges: Mapping[str, str]) -> None:
    last_row = len(entries) + TEMPLATE_ROWS + 1
    for column, fld in enumerate(section.fields, start=1):
        letter = get_column_letter(column)
        header = sheet.cell(1, column, fld.name)
        header.font = _BOLD
        header.fill = _REQUIRED_FILL if fld.required else _HEADER_FILL
        header.comment = Comment(_field_comment(fld), "deerhabitat", width=320, height=120)
        header.alignment = Alignment(wrap_text=False)
        sheet.column_dimensions[letter].width = _column_width(fld)
        if fld.dtype in ("date", "text", "code", "iso3-list"):
            sheet.column_dimensions[letter].number_format = "@"
        validation = _validation(fld, list_ranges)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")
        for row, entry in enumerate(entries, start=2):
            cell = _set_cell(sheet.cell(row, column), _cell_value(entry.get(fld.name), fld))
            if fld.dtype in ("date", "text", "code"):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"


_WIDE_FIELDS = {"source", "notes", "description", "outcome", "comment", "activity", "action", "text"}


def _column_width(fld: Field) -> int:
    """Excel column width: wide for free text, enough for the longest code, else the header."""
    if fld.name in _WIDE_FIELDS:
        return 50
    if fld.dtype == "text":
        return 26
    longest = max((len(code) for code in fld.allowed), default=0)
    return max(12, len(fld.name) + 4, longest + 4)


def _validation(fld: Field, list_ranges: Mapping[str, str]) -> DataValidation | None:
    if fld.dtype in ("code", "bool"):
        codes = fld.codes or "yes-no"
        validation = DataValidation(type="list", formula1=f"={list_ranges[codes]}", allow_blank=True)
        validation.error = f"Pick one of: {', '.join(CODE_LISTS[codes])}."
    elif fld.dtype in ("int", "year"):
        low, high = (1700, 2100) if fld.dtype == "year" else (fld.minimum or 0, fld.maximum or 1e9)
        validation = DataValidation(
            type="whole", operator="between", formula1=f"{low:g}", formula2=f"{high:g}", allow_blank=True
        )
        validation.error = f"Write {fld.expected()}."
    elif fld.dtype == "float" and fld.minimum is not None:
        high = fld.maximum if fld.maximum is not None else 1e9
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1=f"{fld.minimum:g}",
            formula2=f"{high:g}",
            allow_blank=True,
        )
        validation.error = f"Write {fld.expected()}."
    else:
        return None
    validation.error = validation.error[:225]
    validation.errorTitle = f"Invalid {fld.name}"[:32]
    validation.showErrorMessage = True
    validation.prompt = _field_comment(fld)[:255]
    validation.showInputMessage = True
    return validation
