"""National reports built to drop data or exhaust the machine: every row read, or one clear refusal.

Each case runs the real ``deerhabitat national-report validate|import`` under a 3 GB address-space
ceiling and checks its peak memory (under 500 MB) and time (a generous bound: the machine is shared).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile

import pytest
from hostile_files import (
    REPORT_ROWS,
    billion_laughs_yaml,
    population_row,
    report_xlsx,
    sheet_xml,
    xlsx_bytes,
)

from deerhabitat.errors import InputFileError
from deerhabitat.io import Store
from deerhabitat.io.national_report import read_report_file
from deerhabitat.limits import ReadLimits

MAX_MB = 500
MAX_SECONDS = 60


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_and_fast(result) -> None:
    assert result.peak_mb < MAX_MB, result
    assert result.seconds < MAX_SECONDS, result


def test_a_stale_dimension_drops_no_row(tmp_path, run_bounded):
    path = tmp_path / "stale.xlsx"
    path.write_bytes(report_xlsx([population_row(i) for i in range(50)], dimension="A1:T7"))
    assert len(read_report_file(path).data["populations"]) == 50
    result = run_bounded("national-report", "validate", "stale.xlsx")
    assert result.exit_code == 0, result
    assert result.stdout.strip() == "stale.xlsx: valid national report of UZB for 2020-2023 (50 populations)"
    small_and_fast(result)


def test_a_sheet_declaring_the_whole_grid_is_read_as_what_it_holds(tmp_path, run_bounded):
    path = tmp_path / "grid.xlsx"
    path.write_bytes(report_xlsx([population_row(i) for i in range(78)], dimension="A1:XFD1048576"))
    assert 40_000 < len(zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml")) < 60_000  # a 48 KB sheet
    result = run_bounded("national-report", "validate", "grid.xlsx")
    assert result.exit_code == 0, result
    assert "(78 populations)" in result.stdout
    small_and_fast(result)


def test_the_yaml_billion_laughs_is_refused_unexpanded(tmp_path, run_bounded):
    (tmp_path / "laughs.yaml").write_text(billion_laughs_yaml(), encoding="utf-8")
    assert 12_000 < (tmp_path / "laughs.yaml").stat().st_size < 14_000
    result = run_bounded("national-report", "validate", "laughs.yaml")
    line = result.error_line()
    assert "more than 200,000 values (each alias counted as what it repeats)" in line
    assert "(limit: --max-yaml-nodes 200000)" in line
    small_and_fast(result)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report: &a [1, *a]\n", "alias *a repeats a list or mapping that contains it"),
        (
            "report: " + "[" * 5_000 + "]" * 5_000 + "\n",
            "nested deeper than 20 levels (limit: --max-yaml-depth 20)",
        ),
        ("report: {" + ", ".join(f"k{i}: {i}" for i in range(150)) + "}\n", "more than 100 keys"),
        ("populations:\n" + "".join(f"  - {i}\n" for i in range(100_001)), "more than 100,000 list items"),
    ],
    ids=["recursive alias", "deep nesting", "wide mapping", "long list"],
)
def test_yaml_structure_limits(tmp_path, text, expected):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        InputFileError, match=expected.replace("*", r"\*").replace("(", r"\(").replace(")", r"\)")
    ):
        read_report_file(path)


def test_aliases_within_the_limits_are_read(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("src: &s survey 2023\nreport: {country: UZB, authority: *s}\n", encoding="utf-8")
    assert read_report_file(path).data["report"]["authority"] == "survey 2023"


def _huge_member_xlsx(size: int) -> bytes:
    """A report workbook with one extra member of ``size`` zero bytes, deflated (a few MB at most)."""
    buffer = io.BytesIO(report_xlsx([population_row(1)]))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (8 << 20)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def test_a_workbook_that_expands_to_gigabytes_is_refused_before_reading(tmp_path, run_bounded):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_huge_member_xlsx(2 << 30))
    assert path.stat().st_size < 4 << 20
    result = run_bounded("national-report", "validate", "bomb.xlsx")
    line = result.error_line()
    assert "the workbook's parts expand to 2,048.0 MB (limit: --max-uncompressed-mb 50 MB)" in line
    small_and_fast(result)
    raised = run_bounded("national-report", "validate", "bomb.xlsx", "--max-uncompressed-mb", "4096")
    assert re.search(r"member 'xl/media/image1.bin' expands \d+-fold \(a zip bomb\?\)", raised.error_line())


def test_a_200000_row_report_is_refused_by_default_and_read_with_the_limit_raised(tmp_path, run_bounded):
    path = tmp_path / "big.xlsx"
    rows = [("site_id", "count"), *((f"S{i}", i) for i in range(200_000))]
    path.write_bytes(xlsx_bytes({"Report": sheet_xml(REPORT_ROWS), "Populations": sheet_xml(rows)}))
    result = run_bounded("national-report", "validate", "big.xlsx")
    line = result.error_line()
    assert "more than 100,000 rows with data (sheet 'Populations' and those before it)" in line
    assert "(limit: --max-rows 100000)" in line and "e.g. --max-rows 200000" in line
    small_and_fast(result)
    source = read_report_file(path, limits=ReadLimits(rows=250_000))
    assert len(source.data["populations"]) == 200_000
    assert source.data["populations"][-1] == {"site_id": "S199999", "count": 199_999}


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda: xlsx_bytes({f"S{i}": sheet_xml([("a",)]) for i in range(60)}),
            "the workbook has 60 sheets (limit: --max-sheets 50)",
        ),
        (
            lambda: report_xlsx([(*population_row(1), *([None] * 140), "far")]),
            "sheet 'Populations' row 2 has a value in column 151 (limit: --max-columns 100)",
        ),
        (
            lambda: xlsx_bytes({"Populations": sheet_xml([("a",)], first_row=2_000_000)}),
            "row number 2,000,000 is outside 1 to 1,048,576",
        ),
    ],
    ids=["sheets", "columns", "row beyond Excel"],
)
def test_workbook_structure_limits(tmp_path, build, expected):
    path = tmp_path / "r.xlsx"
    path.write_bytes(build())
    with pytest.raises(InputFileError) as info:
        read_report_file(path)
    assert expected in str(info.value)


def test_file_size_limit(tmp_path, run_bounded):
    (tmp_path / "r.yaml").write_text("report:\n  country: UZB\n" + "# padding\n" * 300_000, encoding="utf-8")
    result = run_bounded("national-report", "validate", "r.yaml", "--max-file-mb", "1")
    assert "the file is 2.9 MB (limit: --max-file-mb 1 MB)" in result.error_line()


def test_an_xml_entity_bomb_inside_a_sheet_is_refused(tmp_path):
    entities = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    sheet = sheet_xml([("site_id",), ("&j;",)]).replace("<worksheet", entities + "]><worksheet", 1)
    sheet = sheet.replace("&amp;j;", "&j;")
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx_bytes({"Report": sheet_xml(REPORT_ROWS), "Populations": sheet}))
    with pytest.raises((InputFileError, ValueError)) as info:  # ReportFormatError is a ValueError
        read_report_file(path)
    assert "r.xlsx" in str(info.value)


@pytest.mark.parametrize(
    ("member", "what"),
    [
        ("xl/vbaProject.bin", "VBA macros (xl/vbaProject.bin)"),
        (
            "xl/externalLinks/externalLink1.xml",
            "links to other workbooks (xl/externalLinks/externalLink1.xml)",
        ),
        ("xl/macrosheets/sheet1.xml", "Excel 4.0 macro sheets"),
    ],
)
def test_macro_and_external_link_workbooks_are_refused_and_the_store_unchanged(
    tmp_path, run_bounded, member, what
):
    (tmp_path / "r.xlsx").write_bytes(report_xlsx([population_row(1)], extra={member: b"<x/>"}))
    Store.create(tmp_path / "deer.gpkg")
    before = sha(tmp_path / "deer.gpkg")
    result = run_bounded("national-report", "import", "r.xlsx", "--store", "deer.gpkg")
    line = result.error_line()
    assert f"r.xlsx: the workbook holds {what}" in line
    assert sha(tmp_path / "deer.gpkg") == before


def _overlapping_zip() -> bytes:
    """A zip whose two central-directory entries point at the same data (a non-recursive zip bomb's trick)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.shp", b"\0" * 1000)
        archive.writestr("a.dbf", b"\0" * 1000)
    data = bytearray(buffer.getvalue())
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)  # the second entry's local header offset -> the first's
    return bytes(data)


def test_a_zip_with_overlapping_members_is_refused_and_the_store_unchanged(tmp_path, run_bounded):
    (tmp_path / "sites.zip").write_bytes(_overlapping_zip())
    Store.create(tmp_path / "deer.gpkg")
    before = sha(tmp_path / "deer.gpkg")
    result = run_bounded("import", "sites", "sites.zip", "--store", "deer.gpkg")
    assert "members 'a.shp' and 'a.dbf' share their compressed data (a zip bomb?)" in result.error_line()
    assert sha(tmp_path / "deer.gpkg") == before
