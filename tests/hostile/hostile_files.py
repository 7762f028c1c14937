"""Hostile and broken input files, generated in code (no binary file is committed).

Workbooks are written as raw OOXML with :mod:`zipfile`, so a test can declare any ``<dimension>``,
put any number of rows in a sheet in well under a second, or add members a spreadsheet program
would never write (a macro project, a huge member, members sharing their data).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: Iterable[Sequence[object]], *, dimension: str | None = None, first_row: int = 1) -> str:
    """A worksheet part: one ``<row>`` per row from ``first_row``, inline strings, any declared dimension."""
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_MAIN}">']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for number, row in enumerate(rows, start=first_row):
        cells = "".join(_cell(f"{get_column_letter(c)}{number}", v) for c, v in enumerate(row, start=1))
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx_bytes(
    sheets: dict[str, str], *, extra: dict[str, bytes] | None = None, compress: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A workbook of ``{title: worksheet XML}`` (see :func:`sheet_xml`), plus any ``extra`` zip members."""
    titles = list(sheets)
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        "<sheets>"
        + "".join(
            f'<sheet name="{escape(t)}" sheetId="{n}" r:id="rId{n}"/>' for n, t in enumerate(titles, start=1)
        )
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(titles) + 1)
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress) as archive:
        types = "".join(_SHEET_TYPE.format(n=n) for n in range(1, len(titles) + 1))
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=types))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        for n, title in enumerate(titles, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheets[title])
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


REPORT_ROWS = [
    ("field", "value"),
    ("format_version", "1.0"),
    ("country", "UZB"),
    ("period_start", 2020),
    ("period_end", 2023),
    ("submitted", "2024-03-01"),
    ("authority", "Ministry of Ecology"),
    ("focal_point_name", "A. Focal"),
]
POPULATION_HEADER = (
    "site_id",
    "site_name",
    "site_status",
    "latitude",
    "longitude",
    "date",
    "count",
    "method",
    "trend",
    "source",
)


def population_row(i: int) -> tuple:
    """A valid population count of site ``UZB-<i>``."""
    return (
        f"UZB-{i}",
        f"Site {i}",
        "reintroduced",
        41.8,
        60.62,
        "2023",
        10 + i,
        "census",
        "stable",
        f"survey {i}",
    )


def report_xlsx(
    population_rows: Iterable[Sequence[object]], *, dimension: str | None = None, **extra
) -> bytes:
    """A national report workbook: a Report sheet, and a Populations sheet of a header and these rows."""
    rows = [POPULATION_HEADER, *population_rows]
    return xlsx_bytes(
        {"Report": sheet_xml(REPORT_ROWS), "Populations": sheet_xml(rows, dimension=dimension)}, **extra
    )


def billion_laughs_yaml(levels: int = 9, width: int = 10) -> str:
    """The YAML "billion laughs" (13 KB): each anchor a list of ``width`` aliases of the one before.

    Expanded it holds ``width ** (levels + 1)`` strings of 1,200 characters.
    """
    lines = ["a0: &a0 [" + ",".join([f'"{"lol" * 400}"'] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"report: *a{levels}")
    return "\n".join(lines) + "\n"
