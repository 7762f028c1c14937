"""The national report template in Russian: the same report, typed the Russian way, gives the same data."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deerhabitat.i18n import language
from deerhabitat.io import Store
from deerhabitat.io.national_report import (
    read_report_file,
    report_language,
    template_report,
    write_report_file,
)
from deerhabitat.nrschema import CODE_LISTS, SECTIONS, SECTIONS_BY_KEY, check_report
from deerhabitat.nrtext import (
    ENGLISH,
    code_for_label,
    code_label,
    field_label,
    normalise,
    section_for_title,
    sheet_title,
)
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import national_report_import

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 24)
NBSP = "\u00a0"


def russian_number(value: float | int) -> object:
    """A number as a Russian focal point types it in a text cell: ``3 500``, ``1 475,5``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    text = repr(float(value))
    if "e" in text:
        return value  # typed as a number cell
    whole, decimals = text.split(".")
    grouped = f"{int(whole):,}".replace(",", NBSP) if whole.lstrip("-").isdigit() else whole
    if whole == "-0":
        grouped = "-0"
    shown = f"{grouped},{decimals}"
    if len(decimals) == 3 and abs(int(whole)) < 1000:
        return value  # 1,475 is ambiguous: a number cell says what it is
    return shown


def russian_date(value: object) -> object:
    """``2023-05-01`` → ``01.05.2023``, ``2023-05`` → ``05.2023``, ``2023`` → ``2023 г.``."""
    if not isinstance(value, str):
        return value
    parts = value.split("-")
    if len(parts) == 3:
        return f"{parts[2]}.{parts[1]}.{parts[0]}"
    if len(parts) == 2:
        return f"{parts[1]}.{parts[0]}"
    return f"{value} г."


def typed(value: object, section_key: str, name: str, lang: str) -> object:
    """``value`` of a checked report as a focal point types it in a template of ``lang``."""
    field = SECTIONS_BY_KEY[section_key].field(name)
    assert field is not None
    if value is None:
        return None
    if field.dtype == "bool":
        return code_label("yes-no", "yes" if value else "no", lang)
    if field.dtype == "code":
        assert field.codes is not None
        return code_label(field.codes, value, lang)
    if field.dtype == "iso3-list":
        return ", ".join(value)
    if lang != "ru":
        return value
    if field.dtype == "date":
        return russian_date(value)
    if field.dtype in ("int", "float"):
        return russian_number(value)
    return value


def fill(path, report: dict, lang: str) -> None:
    """Fill a template with ``report`` cell by cell, finding rows and columns by their labels in ``lang``."""
    workbook = openpyxl.load_workbook(path)
    head = workbook[sheet_title(SECTIONS_BY_KEY["report"], lang)]
    rows = {normalise(row[0].value): row for row in head.iter_rows(min_row=2)}
    for name, value in report["report"].items():
        rows[normalise(field_label(name, lang))][1].value = typed(value, "report", name, lang)
    for section in SECTIONS[1:]:
        sheet = workbook[sheet_title(section, lang)]
        columns = {normalise(c.value): c.column for c in sheet[1]}
        for r, entry in enumerate(report.get(section.key, []), start=2):
            for name, value in entry.items():
                sheet.cell(
                    r, columns[normalise(field_label(name, lang))], typed(value, section.key, name, lang)
                )
    workbook.save(path)


# -- the catalogue and the template ---------------------------------------------------------------------


def test_every_text_has_a_russian_translation_with_the_same_placeholders():
    from babel.messages.pofile import read_po

    po = ROOT / "src" / "deerhabitat" / "locale" / "ru" / "LC_MESSAGES" / "national_report.po"
    with po.open("rb") as fh:
        catalogue = {m.context: m for m in read_po(fh) if m.id}
    assert set(catalogue) == set(ENGLISH)
    for key, english in ENGLISH.items():
        entry = catalogue[key]
        assert entry.id == english and entry.string, key
        assert not entry.fuzzy, key
        assert set(re.findall(r"{(\w+)}", entry.string)) <= set(re.findall(r"{(\w+)}", english)), key


def test_labels_are_distinct_and_map_back_in_either_language():
    for section in SECTIONS:
        for lang in ("en", "ru"):
            labels = [normalise(field_label(f.name, lang)) for f in section.fields]
            assert len(set(labels)) == len(labels), (section.key, lang)
    titles = [normalise(sheet_title(s, lang)) for s in SECTIONS for lang in ("en", "ru")]
    assert len(set(titles)) == len(titles)
    for section in SECTIONS:
        assert section_for_title(sheet_title(section, "ru")) == (section, "ru")
    for name, codes in CODE_LISTS.items():
        for lang in ("en", "ru"):
            labels = [normalise(code_label(name, code, lang)) for code in codes]
            assert len(set(labels)) == len(labels), (name, lang)
        for code in codes:
            for lang in ("en", "ru"):
                assert code_for_label(name, code_label(name, code, lang)) == code, (name, code, lang)


def test_russian_template_has_russian_sheets_headers_and_drop_downs(tmp_path):
    path = write_report_file(template_report("TJK"), tmp_path / "t.xlsx", lang="ru")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Инструкция", *(sheet_title(s, "ru") for s in SECTIONS), "Lists"]
    assert workbook["Отчёт"]["A3"].value == "страна" and workbook["Отчёт"]["B3"].value == "TJK"
    assert workbook.properties.language == "ru" and report_language(path) == "ru"
    sheet = workbook["Популяции"]
    assert sheet["J1"].value == "численность" and "число учтённых" in sheet["J1"].comment.text
    lists = workbook["Lists"]
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        by_column[str(validation.sqref).split(":")[0]] = validation
    trend = by_column["O2"]
    assert trend.type == "list" and trend.error.startswith("Выберите одно из значений: рост, стабильно")
    offered = [c.value for row in lists[trend.formula1.removeprefix("=Lists!").replace("$", "")] for c in row]
    assert offered == ["рост", "стабильно", "снижение", "колебания", "неизвестно"]
    about = [row for row in workbook["Инструкция"].iter_rows(values_only=True)]
    assert about[0][0] == "Национальный отчёт — формат deerhabitat 1.2"
    assert ("Популяции", "численность", "да") in [row[:3] for row in about]
    english = write_report_file(template_report("TJK"), tmp_path / "e.xlsx")
    assert report_language(english) == "en"


# -- the same report through both templates -------------------------------------------------------------


def _filled(tmp_path, make_report, lang):
    report, problems = check_report(make_report(), today=TODAY)
    assert problems == []
    folder = tmp_path / lang
    folder.mkdir()
    path = write_report_file(template_report("UZB"), folder / "uzb.xlsx", lang=lang)
    fill(path, report, lang)
    return path, report


def test_russian_and_english_templates_import_to_the_same_data(tmp_path, make_report):
    stored = {}
    for lang in ("en", "ru"):
        path, original = _filled(tmp_path, make_report, lang)
        source = read_report_file(path)
        assert source.language == lang
        checked, problems = check_report(source.data, locate=source.locate, today=TODAY, conventions=lang)
        assert problems == [] and checked == original, lang
        store = Store.create(tmp_path / lang / "store.gpkg").path
        national_report_import(path, store=store, today=TODAY)
        target = Store(store)
        kept = target.national_report("UZB", period=(2020, 2023), version=1)
        layers = {
            kind: target.read(kind).drop(columns=["fid"], errors="ignore").to_json(sort_keys=True)
            for kind in (
                LayerKind.SITES,
                LayerKind.POPULATION_COUNTS,
                LayerKind.RELEASES,
                LayerKind.PROTECTED_AREAS,
            )
        }
        stored[lang] = (json.dumps(kept.report, sort_keys=True), layers)
    assert stored["ru"] == stored["en"]
    assert '"site_status": "reintroduced"' in stored["ru"][0] and '"method": "census"' in stored["ru"][0]


_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda t: t.strip() == t and t and not t.startswith("="))
_entry = st.fixed_dictionaries(
    {
        "site_id": _text,
        "site_name": st.just("name"),
        "site_status": st.sampled_from(CODE_LISTS["site-status"]),
        "latitude": st.floats(35, 50).map(lambda x: round(x, 4)),
        "longitude": st.floats(55, 80).map(lambda x: round(x, 4)),
        "coord_quality": st.one_of(st.none(), st.sampled_from(CODE_LISTS["coord-quality"])),
        "date": st.dates(dt.date(1990, 1, 1), dt.date(2024, 3, 1)).flatmap(
            lambda d: st.sampled_from([d.isoformat(), d.isoformat()[:7], d.isoformat()[:4]])
        ),
        "count": st.integers(0, 10**6),
        "method": st.sampled_from(CODE_LISTS["count-method"]),
        "trend": st.sampled_from(CODE_LISTS["trend"]),
        "source": _text,
        "notes": st.one_of(st.none(), _text),
        "captive": st.booleans(),
    }
)
_area = st.fixed_dictionaries(
    {
        "name": _text,
        "designation": _text,
        "iucn_cat": st.sampled_from(CODE_LISTS["iucn-category"]),
        "area_km2": st.one_of(st.none(), st.floats(0, 1e5).map(lambda x: round(x, 3))),
        "management_plan": st.one_of(st.none(), st.sampled_from(CODE_LISTS["yes-no-unknown"])),
        "deer_present": st.one_of(st.none(), st.booleans()),
        "source": _text,
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(_entry, max_size=3, unique_by=lambda e: e["site_id"]),
    areas=st.lists(_area, max_size=2),
)
def test_any_valid_answers_round_trip_through_both_templates(tmp_path, make_report, entries, areas):
    data = make_report()
    data["populations"] = [{**e, "captive": e["captive"] or e["site_status"] == "captive"} for e in entries]
    data["protected_areas"] = areas
    data["releases"] = []
    original, problems = check_report(data, today=TODAY)
    assert problems == []
    for lang in ("en", "ru"):
        path = write_report_file(template_report("UZB"), tmp_path / f"{lang}.xlsx", lang=lang, overwrite=True)
        fill(path, original, lang)
        source = read_report_file(path)
        again, problems = check_report(
            source.data, locate=source.locate, today=TODAY, conventions=source.language
        )
        assert [str(p) for p in problems] == [] and again == original, lang


# -- numbers and dates typed the Russian way ------------------------------------------------------------


def _populations(value_of: dict, conventions: str = "ru"):
    entry = {
        "site_id": "A",
        "site_name": "A",
        "site_status": "native",
        "date": "2020",
        "count": 10,
        "method": "census",
        "trend": "stable",
        "source": "s",
        "latitude": 40.0,
        "longitude": 60.0,
        **value_of,
    }
    report = {"report": template_report("UZB")["report"], "populations": [entry]}
    report["report"].update(
        period_start=2020, period_end=2023, submitted="2024-01-01", authority="a", focal_point_name="b"
    )
    with language("en"):
        checked, problems = check_report(report, today=TODAY, conventions=conventions)
    return checked["populations"][0], [p.message for p in problems]


@pytest.mark.parametrize(
    ("typed_value", "field", "expected"),
    [
        ("3 500", "count", 3500),
        (f"3{NBSP}500", "count", 3500),
        ("1\u202f475", "count", 1475),
        ("12 000 000", "upper", None),
        ("41,8", "latitude", 41.8),
        ("40,608", "latitude", 40.608),  # 40 608 is no latitude: only the decimal reading fits
        ("1 475,5", "longitude", None),
        ("31.12.2020", "date", "2020-12-31"),
        ("5.2019", "date", "2019-05"),
        ("2019 г.", "date", "2019"),
        ("2019-05-03", "date", "2019-05-03"),
    ],
)
def test_russian_numbers_and_dates(typed_value, field, expected):
    entry, problems = _populations({field: typed_value})
    if expected is None:
        assert entry[field] is None and "out of range" in problems[0]
    else:
        assert problems == [] and entry[field] == expected


def test_ambiguous_russian_numbers_and_dates_are_refused_with_a_way_out():
    _, problems = _populations({"count": "1,475"})
    assert problems == [
        "'1,475' is ambiguous: with a decimal comma it is 1.475, with a thousands comma 1,475; write 1 475 "
        "for the whole number, or 1.475 for the decimal; expected a whole number from 0 to 10,000,000; "
        "correct the value"
    ]
    _, problems = _populations({"date": "03/04/2020"})
    assert problems[0].startswith("'03/04/2020' is ambiguous (day/month or month/day?); write 31.12.2020")
    _, problems = _populations({"date": "31.12.20"})
    assert problems[0].startswith("'31.12.20' has a two-digit year; write the year in full")
    _, problems = _populations({"date": "31.02.2020"})
    assert problems[0].startswith("'31.02.2020' is not a calendar date")


def test_english_template_keeps_english_conventions():
    entry, problems = _populations({"count": "1,475"}, conventions="en")
    assert problems == [] and entry["count"] == 1475
    _, problems = _populations({"date": "31.12.2020"}, conventions="en")
    assert problems[0].startswith("'31.12.2020' is not a date")
    entry, problems = _populations({"trend": "Рост", "captive": "да"}, conventions="en")
    assert problems == [] and (entry["trend"], entry["captive"]) == ("increasing", True)


# -- messages in the template's language, through the real command --------------------------------------

BAD = {"count": "около 150", "trend": "вверх", "latitude": "95"}


def _bad_workbook(tmp_path, make_report, lang):
    path, _ = _filled(tmp_path, make_report, lang)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_title(SECTIONS_BY_KEY["populations"], lang)]
    columns = {normalise(c.value): c.column for c in sheet[1]}
    for name, value in BAD.items():
        sheet.cell(3, columns[normalise(field_label(name, lang))], value)
    workbook.save(path)
    return path


def test_validate_and_import_speak_the_language_of_the_template(run_cli, tmp_path, make_report, sha256):
    store = Store.create(tmp_path / "s.gpkg").path
    before = sha256(store)
    ru = _bad_workbook(tmp_path, make_report, "ru")
    en = _bad_workbook(tmp_path, make_report, "en")
    expected_ru = [
        "Ошибка: лист 'Популяции', строка 3, столбец 'широта': '95' — вне допустимого диапазона; допустимо: "
        "число от -90 до 90; исправьте значение",
        "Ошибка: лист 'Популяции', строка 3, столбец 'численность': 'около 150' — не число (в русском "
        "шаблоне пишите 3 500 или 1 475,5: пробелы между тысячами, запятая перед дробной частью); допустимо: "
        "целое число от 0 до 10\u00a0000\u00a0000; исправьте значение",
        "Ошибка: лист 'Популяции', строка 3, столбец 'тенденция': 'вверх' — недопустимое значение; "
        "допустимо: одно из значений: рост, стабильно, снижение, колебания, неизвестно; выберите значение из "
        "списка",
    ]
    expected_en = [
        "Error: sheet 'Populations' row 3, column 'latitude': '95' is out of range; expected a number from "
        "-90 to 90; correct the value",
        "Error: sheet 'Populations' row 3, column 'count': 'около 150' is not a number; expected a whole "
        "number from 0 to 10,000,000; correct the value",
        "Error: sheet 'Populations' row 3, column 'trend': 'вверх' is not an allowed value; expected one of: "
        "increasing, stable, decreasing, fluctuating, unknown; pick one from the list",
    ]
    for command in ("validate", "import"):
        extra = ("--store", str(store)) if command == "import" else ()
        result = run_cli("national-report", command, str(ru), *extra)
        assert result.exit_code == 1, result
        assert result.stderr.strip().splitlines() == expected_ru
        assert result.stdout.strip() == (
            f"{ru}: проблем: 3; исправьте их (см. docs/national-report-format.md) и проверьте снова командой "
            f"`deerhabitat national-report validate`"
        )
        result = run_cli("national-report", command, str(en), *extra)
        assert result.exit_code == 1 and result.stderr.strip().splitlines() == expected_en
        result = run_cli("national-report", command, str(ru), "--lang", "en", *extra)
        assert result.exit_code == 1 and result.stderr.strip().splitlines() == [
            "Error: sheet 'Популяции' row 3, column 'широта': '95' is out of range; expected a number from "
            "-90 to 90; correct the value",
            "Error: sheet 'Популяции' row 3, column 'численность': 'около 150' is not a number (in a Russian "
            "template write 3 500 or 1 475,5: spaces between thousands, a comma before decimals); expected a "
            "whole number from 0 to 10,000,000; correct the value",
            "Error: sheet 'Популяции' row 3, column 'тенденция': 'вверх' is not an allowed value; expected "
            "one of: increasing, stable, decreasing, fluctuating, unknown; pick one from the list",
        ]
        assert sha256(store) == before


def test_russian_template_command_with_a_store_prefills_in_russian(run_cli, tmp_path, bundled):
    assert run_cli("init", "s.gpkg").exit_code == 0
    assert (
        run_cli(
            "national-report", "import", str(bundled / "TJK-2020-2023.yaml"), "--store", "s.gpkg"
        ).exit_code
        == 0
    )
    result = run_cli(
        "national-report",
        "template",
        "--country",
        "TJK",
        "--out",
        "tjk.xlsx",
        "--store",
        "s.gpkg",
        "--lang",
        "ru",
    )
    assert result.exit_code == 0, result
    assert (
        result.stdout.strip() == "Записан шаблон национального отчёта TJK: tjk.xlsx (заполнен по базе s.gpkg)"
    )
    workbook = openpyxl.load_workbook(tmp_path / "tjk.xlsx")
    sheet = workbook["Популяции"]
    header = [c.value for c in sheet[1]]
    row = {h: c.value for h, c in zip(header, sheet[2], strict=False)}
    assert row["статус популяции"] in ("аборигенная", "реинтродуцированная", "интродуцированная", "в неволе")
    assert row["примечания"].startswith(("Предыдущий учёт в базе: ", "В базе нет учётов этого участка."))
    result = run_cli("national-report", "validate", "tjk.xlsx")
    assert (
        result.exit_code == 1
        and "Ошибка: лист 'Популяции', строка 2, столбец 'численность': не заполнено" in (result.stderr)
    )


def test_yaml_template_in_russian_keeps_english_keys_and_answers_in_russian_on_request(run_cli, tmp_path):
    result = run_cli("national-report", "template", "--country", "UZB", "--out", "uzb.yaml", "--lang", "ru")
    assert result.exit_code == 0, result
    text = (tmp_path / "uzb.yaml").read_text(encoding="utf-8")
    assert "# Отчёт: Кто представляет отчёт, по какой стране и за какой период." in text
    assert (
        "\n  period_start:  # (обязательное) первый год отчётного периода; год (ГГГГ), не в будущем\n" in text
    )
    result = run_cli("national-report", "validate", "uzb.yaml")
    assert result.exit_code == 1 and result.stderr.startswith(
        "Error: report.period_start (line 10): missing; required: first year the report covers"
    )
    result = run_cli("national-report", "validate", "uzb.yaml", "--lang", "ru")
    assert result.exit_code == 1 and result.stderr.startswith(
        "Ошибка: report.period_start (строка 10): не заполнено; обязательное поле: первый год отчётного"
    )
