"""Every CSV deerhabitat writes is safe to open in a spreadsheet: no cell is read as a formula."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.io.csv_safe import FORMULA_TRIGGERS, csv_text, neutralise_cell, restore_cell

SRC = Path(__file__).resolve().parents[2] / "src" / "deerhabitat"
PAYLOADS = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "a\r=1+1",
    "'=already quoted",
]
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_would_evaluate(cell: str) -> bool:
    """A spreadsheet reads a CSV cell as a formula when it starts with a trigger and is not a number."""
    return cell[:1] in FORMULA_TRIGGERS and not _NUMBER.match(cell)


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_neutralising_is_exactly_undone_and_leaves_nothing_a_spreadsheet_runs(text):
    safe = neutralise_cell(text)
    assert restore_cell(safe) == text
    assert not spreadsheet_would_evaluate(safe)


def test_numbers_stay_numbers():
    frame = pd.DataFrame({"value": [-3.5, 2.0], "text": ["-3.5", "+7"], "n": [-1, 4]})
    assert csv_text(frame).splitlines()[1:] == ["-3.5,-3.5,-1", "2.0,+7,4"]


def test_a_table_of_payloads_written_as_csv_has_no_active_cell():
    frame = pd.DataFrame({"name": PAYLOADS, "count": range(len(PAYLOADS))})
    written = cells(csv_text(frame))
    assert not [c for c in written if spreadsheet_would_evaluate(c)]
    assert '\'=HYPERLINK("http://evil.example","click")' in written


def test_export_csv_of_formula_text_is_inert_and_reads_back_the_same(run_cli, tmp_path):
    assert run_cli("init", "deer.gpkg").exit_code == 0
    rows = "".join(
        f'"s{i}","{p.replace(chr(34), 2 * chr(34))}",TJK,native,t,68.3,37.2\n' for i, p in enumerate(PAYLOADS)
    )
    (tmp_path / "sites.csv").write_text(
        "site_id,name,iso3,status,source,longitude,latitude\n" + rows, "utf-8"
    )
    assert run_cli("import", "sites", "sites.csv", "--store", "deer.gpkg").exit_code == 0
    result = run_cli("export", "sites", "out.csv", "--store", "deer.gpkg")
    assert result.exit_code == 0, result
    written = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert not [c for c in cells(written) if spreadsheet_would_evaluate(c)]
    assert run_cli("init", "back.gpkg").exit_code == 0
    assert run_cli("import", "sites", "out.csv", "--store", "back.gpkg").exit_code == 0
    from deerhabitat.io import Store

    def names(name):
        return Store(tmp_path / name).read("sites").sort_values("site_id")["name"].tolist()

    assert names("back.gpkg") == names("deer.gpkg")
    assert '=HYPERLINK("http://evil.example","click")' in names("back.gpkg")


def test_every_csv_writer_goes_through_the_one_neutralising_function():
    """No module writes CSV by itself.

    pandas ``to_csv`` and ``csv.writer`` appear only in io/csv_safe and io/tabular (whose writer calls
    ``neutralise_cell``); publish has no CSV writer (report tables are written with ``csv_text``).
    """
    allowed = {SRC / "io" / "csv_safe.py", SRC / "io" / "tabular.py"}
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path not in allowed and re.search(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(", text):
            offenders.append(str(path.relative_to(SRC)))
        if path.parent.name == "workflows" and "render_csv(" in text:
            offenders.append(f"{path.relative_to(SRC)} (render_csv)")
    assert offenders == []
    assert "neutralise_cell(" in (SRC / "io" / "tabular.py").read_text(encoding="utf-8")
