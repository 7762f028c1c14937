"""Translations of free text in a national report (format 1.2): ``description_ru`` beside ``description``.

They are read from YAML and from either template's workbook, checked as text, written back by both writers,
and shown by the Overview Report in its language. The bundled reports carry Russian for all their free text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from deerhabitat.i18n import language
from deerhabitat.io import Store
from deerhabitat.io.national_report import read_report_file, write_report_file
from deerhabitat.nrschema import FREE_TEXT_FIELDS, SECTIONS, SECTIONS_BY_KEY, check_report
from deerhabitat.publish.data import display_name
from deerhabitat.publish.national_report_tables import measures_table, priorities_table, threats_table
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import national_report_import

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "national-reports"
TODAY = dt.date(2026, 11, 24)


def _translated(report: dict) -> dict:
    report = {**report, "report": {**report["report"], "authority_ru": "Министерство экологии"}}
    report["populations"] = [
        {**report["populations"][0], "site_name_ru": "Участок А"},
        *report["populations"][1:],
    ]
    report["threats"] = [
        {
            "threat": "drought",
            "severity": "high",
            "description": "Falling river levels.",
            "description_ru": "Падение уровня реки.",
            "description_en": "Falling river levels (checked).",
        }
    ]
    return report


@pytest.mark.parametrize("suffix", ["yaml", "xlsx"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_translations_are_checked_written_and_read_back_unchanged(tmp_path, make_report, lang, suffix):
    original, problems = check_report(_translated(make_report()), today=TODAY)
    assert problems == []
    assert original["threats"][0]["description_ru"] == "Падение уровня реки."
    assert original["report"]["authority_ru"] == "Министерство экологии"
    assert not any(key.endswith(("_ru", "_en")) for key in original["populations"][1])  # only when given
    path = write_report_file(original, tmp_path / f"r.{suffix}", lang=lang)
    source = read_report_file(path)
    again, problems = check_report(
        source.data, locate=source.locate, today=TODAY, conventions=source.language
    )
    assert problems == []
    assert again == original


def test_a_russian_workbook_names_the_translation_column_in_russian(tmp_path, make_report):
    original, _ = check_report(_translated(make_report()), today=TODAY)
    path = write_report_file(original, tmp_path / "r.xlsx", lang="ru")
    sheet = openpyxl.load_workbook(path)["Угрозы"]
    headers = [c.value for c in sheet[1]]
    assert headers[headers.index("описание") + 1 : headers.index("описание") + 3] == [
        "описание (англ.)",
        "описание (рус.)",
    ]


def test_a_translation_column_typed_by_hand_is_read(tmp_path, make_report):
    """A focal point adds a column ``description_ru`` (or ``Описание (рус.)``) to an English workbook."""
    original, _ = check_report(make_report(), today=TODAY)
    original["threats"] = [{"threat": "drought", "severity": "high", "description": "Falling river levels."}]
    path = write_report_file(original, tmp_path / "r.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Threats"]
    for header, value in (("Описание (рус.)", "Падение уровня реки."), ("area_ru", "Низовья")):
        column = sheet.max_column + 1
        sheet.cell(1, column, header)
        sheet.cell(2, column, value)
    workbook.save(path)
    source = read_report_file(path)
    checked, problems = check_report(source.data, locate=source.locate, today=TODAY)
    assert problems == []
    assert checked["threats"][0]["description_ru"] == "Падение уровня реки."
    assert checked["threats"][0]["area_ru"] == "Низовья"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("site_id_ru", "x", "unknown key 'site_id_ru'"),  # an id is not translated
        ("source_ru", "x", "unknown key 'source_ru'"),  # a citation stays as written
        ("description_de", "x", "unknown key 'description_de'"),  # not a language of the MOU
        ("description_ru", {"a": 1}, "is a mapping, not a single value"),
    ],
)
def test_what_is_not_a_translation_is_refused(make_report, key, value, expected):
    data = make_report()
    data["threats"] = [{"threat": "drought", "severity": "high", "description": "Falling.", key: value}]
    _, problems = check_report(data, today=TODAY)
    assert len(problems) == 1
    assert problems[0].where == f"threats[0].{key}"
    assert expected in problems[0].message, problems[0].message


def _records(report: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "country": "UZB",
                "period": "2020-2023",
                "period_start": 2020,
                "period_end": 2023,
                "version": 1,
                "latest": True,
                "filename": "UZB.yaml",
                "parsed": report,
            }
        ]
    )


def test_the_overview_report_shows_a_translation_in_its_language(make_report):
    report, _ = check_report(_translated(make_report()), today=TODAY)
    report["measures"] = [
        {"measure": "monitoring", "status": "ongoing", "description": "Counts.", "description_ru": "Учёты."}
    ]
    report["priorities"] = [{"kind": "gap", "text": "No count.", "text_ru": "Нет учёта."}]
    records = _records(report)
    names = {"UZB": "Uzbekistan"}
    with language("ru"):
        assert list(threats_table(records, names).data["description"]) == ["Падение уровня реки."]
        assert list(measures_table(records, names).data["description"]) == ["Учёты."]
        assert list(priorities_table(records, "UZB").data["text"]) == ["Нет учёта."]
    with language("en"):  # a report filled in Russian may carry English; this one says it differently
        assert list(threats_table(records, names).data["description"]) == ["Falling river levels (checked)."]
        assert list(measures_table(records, names).data["description"]) == ["Counts."]
        assert list(priorities_table(records, "UZB").data["text"]) == ["No count."]


def test_every_free_text_of_the_bundled_reports_has_its_russian():
    """The bundled reports are illustrations; their Russian report reads in Russian."""
    missing = []
    for path in sorted(BUNDLED.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        report, problems = check_report(data, today=TODAY)
        assert problems == [], path.name
        for section in SECTIONS:
            entries = [report[section.key]] if not section.many else report[section.key]
            for n, entry in enumerate(entries):
                for fld in section.fields:
                    if fld.translatable and entry.get(fld.name) and not entry.get(f"{fld.name}_ru"):
                        missing.append(f"{path.name} {section.key}[{n}].{fld.name}")
    assert missing == []
    assert {"description", "text", "notes"} <= FREE_TEXT_FIELDS
    assert SECTIONS_BY_KEY["threats"].field("description_ru") is not None


def test_import_gives_sites_and_protected_areas_their_russian_names(
    store_path, tmp_path, make_report, write_yaml
):
    data = _translated(make_report())
    data["protected_areas"] = [{**data["protected_areas"][0], "name_ru": "Заповедник А"}]
    national_report_import(write_yaml(tmp_path / "uzb.yaml", data), store=store_path)
    store = Store(store_path)
    sites = store.read(LayerKind.SITES).set_index("site_id")
    assert sites.loc["UZB-A", "name_ru"] == "Участок А"
    assert pd.isna(sites.loc["UZB-B", "name_ru"])  # the report gives no Russian name: maps show the name
    areas = store.read(LayerKind.PROTECTED_AREAS)
    assert areas["name_ru"].tolist() == ["Заповедник А"]
    with language("ru"):
        assert display_name(sites.loc["UZB-A"].to_dict()) == "Участок А"
