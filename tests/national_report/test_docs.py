"""docs/national-report-format.md describes the format that the code checks."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from deerhabitat.nrschema import CODE_LISTS, SECTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "national-report-format.md"


def _section_tables(text):
    """``{section key: {field: (required, accepts)}}`` parsed from the doc's field tables."""
    tables = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        key = re.match(r"`(\w+)` — sheet \*([^*]+)\*", block)
        if not key:
            continue
        rows = re.findall(r"^\| `(\w+)` \| (yes|) \| ([^|]+) \|", block, flags=re.M)
        tables[key.group(1)] = {
            "sheet": key.group(2),
            "fields": {name: (req == "yes", accepts.strip()) for name, req, accepts in rows},
        }
    return tables


def test_every_section_and_field_is_documented_as_the_code_checks_it():
    tables = _section_tables(DOC.read_text(encoding="utf-8"))
    assert list(tables) == [s.key for s in SECTIONS]
    for section in SECTIONS:
        documented = tables[section.key]
        assert documented["sheet"] == section.sheet
        assert list(documented["fields"]) == section.field_names, section.key
        for field in section.fields:
            required, accepts = documented["fields"][field.name]
            assert required == field.required, (section.key, field.name)
            assert accepts == (f"code list `{field.codes}`" if field.codes else field.expected()), field.name


def test_every_coded_list_is_documented_with_its_values():
    text = DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([\w-]+)` \| (`.*`) \|$", text, flags=re.M))
    assert set(rows) == set(CODE_LISTS)
    for name, values in CODE_LISTS.items():
        assert re.findall(r"`([^`]+)`", rows[name]) == list(values), name


def test_the_doc_and_every_bundled_report_say_they_are_illustrations(bundled):
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert (
        "compiled from public sources by deerhabitat for illustration; they are not official submissions"
        in text
    )
    reports = sorted(bundled.glob("*.yaml"))
    assert len(reports) >= 3
    for path in reports:
        report = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert (
            "Compiled from public sources by deerhabitat for illustration, not an official submission"
            in report["report"]["note"]
        ), path.name
        cited = [
            e
            for key in ("populations", "releases", "distribution", "protected_areas", "threats")
            for e in report.get(key) or []
        ]
        assert cited and all(e.get("source") for e in cited), path.name
