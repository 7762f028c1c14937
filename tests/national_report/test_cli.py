"""``deerhabitat national-report ...`` run as real commands: the user's loop and every malformed report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from deerhabitat.io import Store
from deerhabitat.schema import LayerKind

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data" / "national-reports"
BUNDLED_FILES = sorted(p.name for p in BUNDLED_DIR.glob("*.*") if p.suffix in (".yaml", ".xlsx"))


def fill(path, report_fields, populations):
    """Fill the Excel template as a focal point would: the Report sheet, then rows of Populations."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Report"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in report_fields:
            row[1].value = report_fields[row[0].value]
    sheet = workbook["Populations"]
    headers = [c.value for c in sheet[1]]
    for r, entry in enumerate(populations, start=2):
        for key, value in entry.items():
            sheet.cell(r, headers.index(key) + 1, value)
    workbook.save(path)


FIELDS = {
    "period_start": 2020,
    "period_end": 2023,
    "submitted": "2024-02-01",
    "authority": "Committee",
    "focal_point_name": "B. Focal",
}
POPULATIONS = [
    {
        "site_id": "KAZ-IB",
        "site_name": "Ile-Balkhash",
        "site_status": "reintroduced",
        "latitude": 45.3,
        "longitude": 74.9,
        "coord_quality": "L",
        "date": "2022-07",
        "count": 150,
        "lower": 150,
        "method": "estimate",
        "captive": "no",
        "trend": "increasing",
        "source": "wwf.ru 11 Jul 2022",
    },
    {
        "site_id": "KAZ-SD",
        "site_name": "Syr Darya",
        "site_status": "reintroduced",
        "latitude": 42.865,
        "longitude": 68.005,
        "date": "2016-01",
        "count": 103,
        "method": "census",
        "captive": "no",
        "trend": "increasing",
        "males": 46,
        "females": 35,
        "young": 22,
        "source": "kazpravda.kz",
    },
]


def test_template_fill_validate_import_list(run_cli, tmp_path):
    assert run_cli("init", "kaz.gpkg").exit_code == 0
    result = run_cli(
        "national-report", "template", "--country", "KAZ", "--format", "xlsx", "--out", "kaz.xlsx"
    )
    assert result.exit_code == 0, result
    assert result.stdout.strip() == "Wrote the KAZ national report template kaz.xlsx (empty)"
    fill(tmp_path / "kaz.xlsx", FIELDS, POPULATIONS)
    result = run_cli("national-report", "validate", "kaz.xlsx")
    assert result.exit_code == 0, result
    assert result.stdout.strip() == "kaz.xlsx: valid national report of KAZ for 2020-2023 (2 populations)"
    result = run_cli("national-report", "import", "kaz.xlsx", "--store", "kaz.gpkg")
    assert result.exit_code == 0, result
    assert result.stdout.strip() == (
        "Imported the national report of KAZ for 2020-2023 (version 1, kaz.xlsx): "
        "2 population counts, 2 new sites, 0 releases, 0 new protected areas"
    )
    counts = Store(tmp_path / "kaz.gpkg").read(LayerKind.POPULATION_COUNTS)
    assert counts[["site_id", "date", "count"]].values.tolist() == [
        ["KAZ-IB", "2022-07", 150],
        ["KAZ-SD", "2016-01", 103],
    ]
    assert set(counts["source"]) == {"national report KAZ 2020-2023 (kaz.xlsx)"}
    listed = json.loads(run_cli("national-report", "list", "--store", "kaz.gpkg", "--json").stdout)
    assert [(r["country"], r["period"], r["version"], r["latest"], r["filename"]) for r in listed] == [
        ("KAZ", "2020-2023", 1, True, "kaz.xlsx")
    ]
    again = json.loads(
        run_cli("national-report", "import", "kaz.xlsx", "--store", "kaz.gpkg", "--json").stdout
    )
    assert (again["version"], again["counts_written"], again["sites_added"]) == (2, 2, 0)
    assert len(Store(tmp_path / "kaz.gpkg").read(LayerKind.POPULATION_COUNTS)) == 2
    text = run_cli("national-report", "list", "--store", "kaz.gpkg").stdout.splitlines()
    assert len(text) == 2 and text[1].startswith("KAZ 2020-2023  v2   latest  submitted 2024-02-01  kaz.xlsx")


def test_yaml_template_lists_what_to_fill(run_cli, tmp_path):
    assert run_cli("national-report", "template", "--country", "tjk", "--out", "tjk.yaml").exit_code == 0
    result = run_cli("national-report", "validate", "tjk.yaml")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (
        "Error: report.period_start (line 10): missing; required: first year the report covers (a year "
        "(YYYY), not in the future); fill it in"
    )
    assert [line.split(" (line")[0] for line in lines] == [
        "Error: report.period_start",
        "Error: report.period_end",
        "Error: report.submitted",
        "Error: report.authority",
        "Error: report.focal_point_name",
    ]
    assert result.stdout.strip() == (
        "tjk.yaml: 5 problem(s); fix them (see docs/national-report-format.md) and check "
        "again with `deerhabitat national-report validate`"
    )
    as_json = json.loads(run_cli("national-report", "validate", "tjk.yaml", "--json").stdout)
    assert as_json["valid"] is False and as_json["country"] == "TJK" and len(as_json["problems"]) == 5
    assert as_json["problems"][3] == {
        "level": "error",
        "where": "report.authority (line 13)",
        "message": "missing; required: the national authority responsible for the MOU; fill it in",
    }


@pytest.mark.parametrize("name", BUNDLED_FILES)
def test_every_bundled_report_validates(run_cli, name):
    path = BUNDLED_DIR / name
    result = run_cli("national-report", "validate", str(path))
    assert result.exit_code == 0, result
    assert "valid national report of" in result.stdout and result.stderr == ""


def test_bundled_workbooks_are_up_to_date():
    script = BUNDLED_DIR.parent / "build_national_reports.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(BUNDLED_FILES) >= 6 and {n.rsplit(".", 1)[1] for n in BUNDLED_FILES} == {"yaml", "xlsx"}


def _xlsx_with(tmp_path, change):
    """A valid filled workbook, then ``change(workbook)``."""
    from deerhabitat.io.national_report import template_report, write_report_file

    path = write_report_file(template_report("KAZ"), tmp_path / "bad.xlsx")
    fill(path, FIELDS, POPULATIONS)
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)
    return "bad.xlsx"


def _yaml(tmp_path, text):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    return "bad.yaml"


GOOD_YAML = """report:
  country: KAZ
  period_start: 2020
  period_end: 2023
  submitted: 2024-02-01
  authority: Committee
  focal_point_name: B. Focal
populations:
  - site_id: KAZ-IB
    site_name: Ile-Balkhash
    site_status: reintroduced
    latitude: 45.3
    longitude: 74.9
    date: 2022-07
    count: 150
    method: estimate
    trend: increasing
    source: wwf.ru
"""

MALFORMED = {
    "wrong codes": (
        lambda t: _xlsx_with(t, lambda wb: wb["Populations"].cell(2, 13, "aerial-count")),
        [
            "Error: sheet 'Populations' row 2, column 'method': 'aerial-count' is not an allowed value; "
            "expected one of: census, distance-sampling, camera-trap, enclosure-count, estimate; pick one "
            "from the list"
        ],
    ),
    "words where numbers go": (
        lambda t: _xlsx_with(
            t,
            lambda wb: [
                wb["Report"].cell(5, 2, "2020/21"),
                wb["Populations"].cell(2, 10, "about 150"),
                wb["Populations"].cell(3, 6, "42,865"),
            ],
        ),
        [
            "Error: sheet 'Report' row 5 ('period_start'): '2020/21' is not a year; expected a year (YYYY), "
            "not in the future; correct the value",
            "Error: sheet 'Populations' row 2, column 'count': 'about 150' is not a number; expected a whole "
            "number from 0 to 10,000,000; correct the value",
            "Error: sheet 'Populations' row 3, column 'latitude': '42,865' is not a number (write decimals "
            "with a point: 42.865); expected a number from -90 to 90; correct the value",
        ],
    ),
    "missing required fields": (
        lambda t: _xlsx_with(
            t,
            lambda wb: [
                setattr(wb["Report"]["B8"], "value", None),
                setattr(wb["Populations"]["O3"], "value", None),
            ],
        ),
        [
            "Error: sheet 'Report' row 8 ('authority'): missing; required: the national authority "
            "responsible for the MOU; fill it in",
            "Error: sheet 'Populations' row 3, column 'trend': missing; required: trend of the population "
            "over the period (one of: increasing, stable, decreasing, fluctuating, unknown); fill it in",
        ],
    ),
    "negative counts": (
        lambda t: _yaml(t, GOOD_YAML.replace("count: 150", "count: -150")),
        [
            "Error: populations[0].count (line 15): -150 is negative; expected a whole number from 0 to "
            "10,000,000; correct the value"
        ],
    ),
    "future dates": (
        lambda t: _yaml(t, GOOD_YAML.replace("date: 2022-07", "date: 2099-07")),
        [
            "Error: populations[0].date (line 14): '2099-07' is in the future or before 1700; dates must lie "
            "between 1700 and today; expected a date written YYYY, YYYY-MM or YYYY-MM-DD, not in the future; "
            "correct the value"
        ],
    ),
    "wrong country code": (
        lambda t: _yaml(t, GOOD_YAML.replace("country: KAZ", "country: KZ")),
        [
            "Error: report.country (line 2): 'KZ' is not an ISO 3166-1 alpha-3 code; expected an ISO 3166-1 "
            "alpha-3 country code such as KAZ, UZB, TJK, TKM or AFG; correct the value"
        ],
    ),
    "bad sheet names": (
        lambda t: _xlsx_with(t, lambda wb: setattr(wb["Populations"], "title", "Population")),
        [
            "Error: sheet 'Population': unknown section 'Population'; sections: report (sheet 'Report'), "
            "populations (sheet 'Populations'), distribution (sheet 'Distribution'), protected_areas (sheet "
            "'Protected areas'), threats (sheet 'Threats'), poaching (sheet 'Poaching'), mortality (sheet "
            "'Mortality'), legal_status (sheet 'Legal status'), measures (sheet 'Measures'), releases (sheet "
            "'Releases'), captive_stock (sheet 'Captive stock'), research (sheet 'Research'), community "
            "(sheet 'Community'), cooperation (sheet 'Cooperation'), capacity (sheet 'Capacity'), "
            "work_programme (sheet 'Work Programme'), priorities (sheet 'Priorities'); did you mean "
            "'Populations'? rename or remove it"
        ],
    ),
    "non-xlsx bytes": (
        lambda t: (t / "bad.xlsx").write_bytes(b"%PDF-1.4 not a workbook") and "bad.xlsx",
        [
            "Error: bad.xlsx: not an Excel .xlsx workbook (the bytes are not a zip-based .xlsx file: "
            "BadZipFile); save it from Excel or LibreOffice as .xlsx, or start from `deerhabitat "
            "national-report template --format xlsx`"
        ],
    ),
    "YAML syntax errors": (
        lambda t: _yaml(t, GOOD_YAML.replace("  authority: Committee", "authority: [Committee")),
        [
            "Error: bad.yaml line 7, column 19: not valid YAML (while parsing a flow sequence expected ',' "
            "or ']', but got ':'); correct the YAML (indent nested keys by two spaces, quote text that "
            "contains ': ' or ' #')"
        ],
    ),
    "unknown keys": (
        lambda t: _yaml(t, GOOD_YAML.replace("    trend:", "    tren:")),
        [
            "Error: populations[0].tren (line 17): unknown key 'tren'; allowed keys: site_id, site_name, "
            "site_status, scope, river, latitude, longitude, coord_quality, date, count, lower, upper, "
            "method, captive, trend, males, females, young, source, notes; did you mean 'trend'? rename or "
            "remove it",
            "Error: populations[0].trend (entry at line 9): missing; required: trend of the population over "
            "the period (one of: increasing, stable, decreasing, fluctuating, unknown); fill it in",
        ],
    ),
}


@pytest.fixture(scope="module")
def store_with_a_report(tmp_path_factory, bundled):
    """A store holding the bundled TJK report (built once; tests copy it)."""
    from deerhabitat.workflows import national_report_import

    path = Store.create(tmp_path_factory.mktemp("store") / "s.gpkg").path
    national_report_import(bundled / "TJK-2020-2023.yaml", store=path)
    return path


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_reports_one_line_per_problem_store_unchanged(
    run_cli, tmp_path, sha256, case, store_with_a_report
):
    make, expected = MALFORMED[case]
    shutil.copyfile(store_with_a_report, tmp_path / "s.gpkg")
    before = sha256(tmp_path / "s.gpkg")
    name = make(tmp_path)
    for command in ("validate", "import"):
        args = ("national-report", command, name) + (("--store", "s.gpkg") if command == "import" else ())
        result = run_cli(*args)
        assert result.exit_code == 1, result
        assert result.stderr.strip().splitlines() == expected, result
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stdout.strip() == (
            f"{name}: {len(expected)} problem(s); fix them (see "
            f"docs/national-report-format.md) and check again with `deerhabitat "
            f"national-report validate`"
        )
    assert sha256(tmp_path / "s.gpkg") == before


def test_import_into_the_bundled_store_is_refused(run_cli, bundled, sha256):
    from deerhabitat.config import bundled_store_path

    before = sha256(bundled_store_path())
    result = run_cli("national-report", "import", str(bundled / "UZB-2020-2023.yaml"))
    assert result.exit_code == 1, result
    assert result.stderr.strip().splitlines() == [
        f"Error: read-only: the bundled store {str(bundled_store_path())!r} cannot be changed; get a "
        "writable copy with `deerhabitat init --from-bundled my.gpkg` (or an empty store with `deerhabitat "
        "init my.gpkg`) and pass --store my.gpkg"
    ]
    assert sha256(bundled_store_path()) == before
    listed = run_cli("national-report", "list", "--json")
    assert listed.exit_code == 0
    # the bundled store keeps the four bundled YAML reports as records (data/build.py); none was added
    assert [(r["filename"], r["version"]) for r in json.loads(listed.stdout)] == [
        (f"{c}-2020-2023.yaml", 1) for c in ("KAZ", "TJK", "TKM", "UZB")
    ]


def test_import_of_a_report_that_does_not_fit_the_store(run_cli, tmp_path):
    assert run_cli("init", "s.gpkg").exit_code == 0
    _yaml(tmp_path, GOOD_YAML.replace("    latitude: 45.3\n    longitude: 74.9\n", ""))
    result = run_cli("national-report", "import", "bad.yaml", "--store", "s.gpkg")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: populations[0].site_id (line 9): site 'KAZ-IB' is not in the store and the entry has no "
        "latitude/longitude; use the store's site id (see `deerhabitat export sites`) or give the site's "
        "coordinates to add it"
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("--country", "XX", "--out", "t.xlsx"),
            2,
            "Invalid value for '--country': 'XX' is not an ISO 3166-1 alpha-3 "
            "country code; use a code such as KAZ, UZB, TJK, TKM or AFG",
        ),
        (
            ("--country", "UZB", "--format", "yaml", "--out", "t.xlsx"),
            2,
            "Invalid value for --out: 't.xlsx' does not end in .yaml or .yml, as --format yaml needs; change "
            "the extension or the format",
        ),
        (
            ("--country", "UZB", "--out", "t.csv"),
            2,
            "Invalid value for --out: 't.csv' does not end in .xlsx, .yaml or .yml; name the file NAME.xlsx "
            "(Excel) or NAME.yaml",
        ),
        (
            ("--country", "UZB", "--out", "exists.yaml"),
            1,
            "Error: 'exists.yaml' already exists; choose another --out path, or pass --overwrite",
        ),
        (
            ("--country", "UZB", "--out", "no/such/dir/t.yaml"),
            1,
            "Error: cannot write 'no/such/dir/t.yaml' (No such file or directory); check the folder exists "
            "and is writable",
        ),
    ],
)
def test_template_usage_errors(run_cli, tmp_path, args, code, message):
    (tmp_path / "exists.yaml").write_text("precious")
    result = run_cli("national-report", "template", *args)
    assert result.exit_code == code, result
    assert message in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "exists.yaml").read_text() == "precious"


def test_validate_a_missing_file(run_cli):
    result = run_cli("national-report", "validate", "nowhere.yaml")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: national report 'nowhere.yaml' does not exist; check the path"
