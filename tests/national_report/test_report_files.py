"""National report files (deerhabitat.io.national_report): templates, reading YAML and Excel, round trips."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deerhabitat.errors import InputFileError, ReportFormatError, StoreError
from deerhabitat.io.national_report import (
    read_report_file,
    render_report_yaml,
    template_report,
    write_report_file,
)
from deerhabitat.nrschema import CODE_LISTS, SECTIONS, SECTIONS_BY_KEY, check_report

TODAY = dt.date(2026, 11, 24)


def check(path):
    source = read_report_file(path)
    report, problems = check_report(source.data, locate=source.locate, today=TODAY)
    return report, [str(p) for p in [*source.problems, *problems]]


def fill_workbook(path, report):
    """Fill a template workbook cell by cell, as a focal point would in Excel."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Report"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in report["report"]:
            row[1].value = report["report"][row[0].value]
    for section in SECTIONS[1:]:
        sheet = workbook[section.sheet]
        headers = [c.value for c in sheet[1]]
        for r, entry in enumerate(report.get(section.key, []), start=2):
            for key, value in entry.items():
                sheet.cell(r, headers.index(key) + 1, value)
    workbook.save(path)


# -- templates --------------------------------------------------------------------------------------------


def test_excel_template_has_a_sheet_per_section_and_drop_downs(tmp_path):
    path = write_report_file(template_report("KAZ"), tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["About", *(s.sheet for s in SECTIONS), "Lists"]
    assert workbook["Lists"].sheet_state == "hidden"
    assert workbook["Report"]["B3"].value == "KAZ" and workbook["Report"]["A3"].value == "country"
    lists = workbook["Lists"]
    for section in SECTIONS[1:]:
        sheet = workbook[section.sheet]
        assert [c.value for c in sheet[1]] == section.field_names
        assert all(c.comment is not None for c in sheet[1])
        by_column = {}
        for validation in sheet.data_validations.dataValidation:
            for cell_range in validation.sqref.ranges:
                by_column[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
        for column, field in enumerate(section.fields, start=1):
            letter = openpyxl.utils.get_column_letter(column)
            if field.dtype != "code":
                continue
            validation = by_column[letter]
            assert validation.type == "list" and validation.showErrorMessage
            assert str(validation.sqref) == f"{letter}2:{letter}501"
            target = validation.formula1.removeprefix("=Lists!").replace("$", "")
            offered = [c.value for row in lists[target] for c in row]
            assert offered == list(CODE_LISTS[field.codes]), (section.key, field.name)
    about = [row[:2] for row in workbook["About"].iter_rows(values_only=True)]
    assert ("Populations", "count") in about and ("Work Programme", "status") in about


def test_excel_template_number_checks(tmp_path):
    path = write_report_file(template_report("UZB"), tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["Populations"]
    checks = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    count = checks["J2"]
    assert (count.type, count.operator, count.formula1) == ("whole", "between", "0")
    latitude = checks["F2"]
    assert (latitude.type, latitude.formula1, latitude.formula2) == ("decimal", "-90", "90")


def test_filled_excel_template_validates(tmp_path, make_report):
    path = write_report_file(template_report("UZB"), tmp_path / "uzb.xlsx")
    report = make_report()
    report["populations"][0]["date"] = dt.datetime(2023, 5, 1)  # typed as a date cell in Excel
    report["populations"][1]["captive"] = "no"
    fill_workbook(path, report)
    checked, problems = check(path)
    assert problems == []
    assert checked["populations"][0]["date"] == "2023-05-01"
    assert checked["populations"][2]["count"] == 186 and checked["populations"][1]["captive"] is False
    assert checked["protected_areas"][0]["iucn_cat"] == "Ia"


def test_empty_templates_list_only_the_report_fields_to_fill(tmp_path):
    for name in ("t.yaml", "t.xlsx"):
        path = write_report_file(template_report("TJK"), tmp_path / name)
        report, problems = check(path)
        assert report["report"]["country"] == "TJK"
        assert len(problems) == 5, problems
        assert all("missing; required" in p for p in problems)


def test_yaml_template_is_commented_and_complete(tmp_path):
    text = render_report_yaml(template_report("TJK"))
    data = yaml.safe_load(text)
    assert list(data) == [s.key for s in SECTIONS]
    assert all(data[s.key] == [] for s in SECTIONS if s.many)
    for section in SECTIONS:
        for field in section.fields:
            assert f"{field.name}:" in text
    assert (
        "#    method:   # (required) how the number was obtained; one of: census, distance-sampling" in text
    )


def test_text_that_looks_like_a_formula_stays_text(tmp_path, make_report):
    data = make_report()
    data["report"]["authority"] = '=HYPERLINK("http://example.org","click")'
    data["populations"][0]["source"] = "=1+1"
    report, _ = check_report(data, today=TODAY)
    path = write_report_file(report, tmp_path / "r.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook["Report"]["B8"].data_type == "s" and workbook["Populations"]["S2"].data_type == "s"
    again, problems = check(path)
    assert problems == [] and again == report


def test_workbooks_are_byte_for_byte_reproducible(tmp_path, make_report):
    report, _ = check_report(make_report(), today=TODAY)
    first = write_report_file(report, tmp_path / "a.xlsx").read_bytes()
    second = write_report_file(report, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").properties.modified == dt.datetime(1980, 1, 1)


def test_templates_are_not_overwritten_without_asking(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("mine")
    with pytest.raises(
        StoreError, match=r"'.*t.yaml' already exists; choose another --out path, or pass --overwrite"
    ):
        write_report_file(template_report("UZB"), path)
    assert path.read_text() == "mine"
    write_report_file(template_report("UZB"), path, overwrite=True)
    assert yaml.safe_load(path.read_text())["report"]["country"] == "UZB"


# -- round trips ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_report_round_trips_through_both_formats(tmp_path, make_report, suffix):
    original, problems = check_report(make_report(), today=TODAY)
    assert problems == []
    path = write_report_file(original, tmp_path / f"r{suffix}")
    again, problems = check(path)
    assert problems == [] and again == original


def test_bundled_reports_round_trip(tmp_path, bundled):
    sources = sorted(bundled.glob("*.yaml"))
    assert len(sources) >= 3
    for source in sources:
        original, problems = check(source)
        assert problems == [], source.name
        for suffix in (".yaml", ".xlsx"):
            again, problems = check(
                write_report_file(original, tmp_path / f"{source.stem}{suffix}", overwrite=True)
            )
            assert problems == [] and again == original, (source.name, suffix)


_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda t: t.strip() == t and t)
_entry = st.fixed_dictionaries(
    {
        "site_id": _text,
        "site_name": st.just("name"),
        "site_status": st.sampled_from(CODE_LISTS["site-status"]),
        "date": st.dates(dt.date(1990, 1, 1), dt.date(2024, 3, 1)).map(lambda d: d.isoformat()[:7]),
        "count": st.integers(0, 10**6),
        "method": st.sampled_from(CODE_LISTS["count-method"]),
        "trend": st.sampled_from(CODE_LISTS["trend"]),
        "source": _text,
        "notes": st.one_of(st.none(), _text),
        "captive": st.booleans(),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_entry, max_size=4, unique_by=lambda e: e["site_id"]))
def test_any_valid_populations_round_trip_through_excel(tmp_path, make_report, entries):
    data = make_report()
    data["populations"] = [{**e, "captive": e["captive"] or e["site_status"] == "captive"} for e in entries]
    data["releases"] = []
    original, problems = check_report(data, today=TODAY)
    assert problems == []
    again, problems = check(write_report_file(original, tmp_path / "r.xlsx", overwrite=True))
    assert problems == [] and again == original


# -- where problems are --------------------------------------------------------------------------------


def test_yaml_problems_carry_line_numbers(tmp_path, make_report, write_yaml):
    data = make_report()
    data["populations"][1]["count"] = -2
    del data["populations"][2]["method"]
    path = write_yaml(tmp_path / "r.yaml", data)
    lines = path.read_text().splitlines()
    count_line = next(i for i, line in enumerate(lines, 1) if "count: -2" in line)
    entry_line = next(i for i, line in enumerate(lines, 1) if "site_id: UZB-B" in line)
    _, problems = check(path)
    assert problems == [
        f"populations[1].count (line {count_line}): -2 is negative; expected a whole number from 0 to "
        "10,000,000; correct the value",
        f"populations[2].method (entry at line {entry_line}): missing; required: how the number was obtained "
        "(one of: census, distance-sampling, camera-trap, enclosure-count, estimate); fill it in",
    ]


def test_excel_problems_name_sheet_row_and_column(tmp_path, make_report):
    path = write_report_file(template_report("UZB"), tmp_path / "r.xlsx")
    report = make_report()
    report["populations"][1]["count"] = -2
    report["populations"][2]["method"] = "aerial"
    report["report"]["period_end"] = 1999
    fill_workbook(path, report)
    _, problems = check(path)
    assert problems == [
        "sheet 'Populations' row 3, column 'count': -2 is negative; expected a whole number from 0 to "
        "10,000,000; correct the value",
        "sheet 'Populations' row 4, column 'method': 'aerial' is not an allowed value; expected one of: "
        "census, distance-sampling, camera-trap, enclosure-count, estimate; pick one from the list",
        "sheet 'Report' row 6 ('period_end'): the period ends (1999) before it starts (2020); the end must "
        "be the same year or later; correct period_start/period_end",
    ]


def test_excel_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path, make_report):
    path = write_report_file(template_report("UZB"), tmp_path / "r.xlsx")
    report = make_report()
    fill_workbook(path, report)
    workbook = openpyxl.load_workbook(path)
    workbook["Populations"].insert_rows(3, amount=2)
    workbook["Populations"]["J6"] = -1
    workbook.save(path)
    checked, problems = check(path)
    assert len(checked["populations"]) == 3
    assert problems == [
        "sheet 'Populations' row 6, column 'count': -1 is negative; expected a whole number from 0 "
        "to 10,000,000; correct the value"
    ]


def test_excel_bad_sheet_name_is_reported_with_a_suggestion(tmp_path, make_report):
    path = write_report_file(template_report("UZB"), tmp_path / "r.xlsx")
    fill_workbook(path, make_report())
    workbook = openpyxl.load_workbook(path)
    workbook["Populations"].title = "Popualtions"
    workbook.save(path)
    _, problems = check(path)
    assert len(problems) == 1 and problems[0].startswith("sheet 'Popualtions': unknown section 'Popualtions'")
    assert problems[0].endswith("did you mean 'Populations'? rename or remove it")


def test_excel_structural_problems(tmp_path, make_report):
    path = write_report_file(template_report("UZB"), tmp_path / "r.xlsx")
    fill_workbook(path, make_report())
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Populations"]
    sheet["U1"], sheet["V1"], sheet["W2"] = "cuont", "count", 99
    report_sheet = workbook["Report"]
    report_sheet["A20"], report_sheet["B20"] = "country", "KAZ"
    report_sheet["B21"] = "orphan"
    workbook.create_sheet("protected_areas")
    workbook.save(path)
    _, problems = check(path)
    assert problems == [
        "sheet 'Report' row 20: field 'country' appears twice (rows 3 and 20); keep one row",
        "sheet 'Report' row 21: value 'orphan' has no field name in column A; write the field name there",
        "sheet 'Populations' column V: header 'count' repeats an earlier column; keep one column per field",
        "sheet 'Populations' row 2, column W: value 99 is in a column without a header; put the field name "
        "in row 1 or move the value",
        "sheet 'protected_areas': a second sheet for section 'protected_areas'; keep one sheet named "
        "'Protected areas' and move its rows there",
        "sheet 'Populations' row 2, column 'cuont': unknown key 'cuont' (in 3 entries); allowed keys: "
        "site_id, site_name, site_status, scope, river, latitude, longitude, coord_quality, date, count, "
        "lower, upper, method, captive, trend, males, females, young, source, notes; did you mean 'count'? "
        "rename or remove it",
    ]


# -- unreadable files ------------------------------------------------------------------------------------


def _unreadable(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReportFormatError) as exc:
        read_report_file(path)
    assert len(exc.value.problems) == 1
    return str(exc.value.problems[0])


def test_bytes_that_are_not_a_workbook(tmp_path):
    assert _unreadable(tmp_path, "r.xlsx", b"PK\x03\x04 not really a zip" * 10) == (
        "r.xlsx: not an Excel .xlsx workbook (the bytes are not a zip-based .xlsx file: BadZipFile); save it "
        "from Excel or LibreOffice as .xlsx, or start from `deerhabitat national-report template --format "
        "xlsx`"
    )


def test_a_zip_that_is_not_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("report.yaml", "report: {}")
    problem = _unreadable(tmp_path, "r.xlsx", (tmp_path / "z.zip").read_bytes())
    assert problem.startswith(
        "r.xlsx: not an Excel .xlsx workbook (it is a zip file but not a readable workbook: "
    )


def _damaged(path, member, how):
    """Copy of the workbook ``path`` with one zip member replaced by garbage, cut in half, or left out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == member:
                if how == "drop":
                    continue
                data = b"<<<garbage" if how == "garbage" else data[: len(data) // 2]
            target.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("how", ["garbage", "truncate", "drop"])
def test_damaged_workbooks_give_one_problem_or_read(tmp_path, bundled, how):
    original = bundled / "UZB-2020-2023.xlsx"
    with zipfile.ZipFile(original) as archive:
        members = archive.namelist()
    outcomes = set()
    for member in members:
        path = tmp_path / "damaged.xlsx"
        path.write_bytes(_damaged(original, member, how))
        try:
            source = read_report_file(path)
        except ReportFormatError as exc:
            assert len(exc.problems) == 1 and str(exc.problems[0]).startswith(
                "damaged.xlsx: not an Excel .xlsx workbook"
            )
            outcomes.add("refused")
        else:
            check_report(source.data, locate=source.locate, today=TODAY)
            outcomes.add("read")
    assert "refused" in outcomes


def test_truncated_workbooks_give_one_problem(tmp_path, bundled):
    content = (bundled / "UZB-2020-2023.xlsx").read_bytes()
    for cut in range(0, len(content), max(1, len(content) // 25)):
        assert _unreadable(tmp_path, "cut.xlsx", content[:cut]).startswith(
            "cut.xlsx: not an Excel .xlsx workbook"
        )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_any_bytes_as_yaml_give_problems_never_an_exception(tmp_path, content):
    path = tmp_path / "any.yaml"
    path.write_bytes(content)
    try:
        source = read_report_file(path)
    except ReportFormatError as exc:
        assert len(exc.problems) == 1 and "\n" not in str(exc.problems[0])
        return
    _, problems = check_report(source.data, locate=source.locate, today=TODAY)
    assert all("\n" not in str(p) for p in [*source.problems, *problems])


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    problem = _unreadable(tmp_path, "r.yaml", b"report:\n  country: UZB\n populations: [\n")
    assert problem == (
        "r.yaml line 3, column 2: not valid YAML (while parsing a block mapping expected <block end>, but "
        "found '<block mapping start>'); correct the YAML (indent nested keys by two spaces, quote text that "
        "contains ': ' or ' #')"
    )


def test_yaml_python_tags_are_refused(tmp_path):
    problem = _unreadable(tmp_path, "r.yaml", b"report: !!python/object/apply:os.system ['echo hacked']\n")
    assert problem.startswith(
        "r.yaml line 1, column 9: not valid YAML (could not determine a constructor for the "
        "tag 'tag:yaml.org,2002:python/object/apply:os.system')"
    )


def test_yaml_that_is_not_utf8(tmp_path):
    assert _unreadable(tmp_path, "r.yaml", "report:\n  country: Türkmenistan".encode("latin-1")) == (
        "r.yaml: byte 0xfc at position 20 is not UTF-8 text; a YAML report must be UTF-8 (or is this an "
        "Excel file? then name it .xlsx); save it as UTF-8"
    )


def test_yaml_duplicate_keys_are_problems(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("report:\n  country: UZB\n  country: KAZ\n")
    source = read_report_file(path)
    assert [str(p) for p in source.problems] == [
        "report.country (line 3): key 'country' appears twice (lines 2 and 3); only the last would count; "
        "keep one"
    ]


@pytest.mark.parametrize("name", ["r.csv", "r.xls", "r", "r.json"])
def test_unsupported_extensions(tmp_path, name):
    suffix = name.partition(".")[2]
    shown = f"'.{suffix}'" if suffix else "'(no extension)'"
    assert _unreadable(tmp_path, name, b"x") == (
        f"{name}: unsupported file type {shown}; a national report is a YAML (.yaml, .yml) or Excel (.xlsx) "
        "file; save it as one of these (start from `deerhabitat national-report template`)"
    )


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match=r"national report '.*nope.yaml' does not exist; check the path"):
        read_report_file(tmp_path / "nope.yaml")


def test_sections_and_sheets_are_one_to_one():
    assert len({s.sheet.lower() for s in SECTIONS}) == len(SECTIONS) == len(SECTIONS_BY_KEY)
    assert all(len(s.sheet) <= 31 for s in SECTIONS)  # Excel's limit on sheet names
