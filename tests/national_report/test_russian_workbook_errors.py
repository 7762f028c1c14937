"""A workbook refused by :mod:`deerhabitat.io.workbook` is refused in the language of its template.

Over ``--max-rows``, ``--max-columns`` or ``--max-uncompressed-mb``, or not a valid sheet: a Russian workbook
(or ``--lang ru``) gives one ``Ошибка:`` line in Russian, exit status 1 and the store unchanged; an English
workbook gives the English line it always did.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from deerhabitat.errors import InputFileError
from deerhabitat.i18n import language
from deerhabitat.io.national_report import read_report_file, template_report, write_report_file

TAIL_RU = (
    "; столь большой или сложный файл скорее повреждён или создан, чтобы исчерпать память, чем содержит "
    "настоящие данные: проверьте его, а если он подлинный, поднимите предел, например {option}"
)
TAIL_EN = (
    "; a file this large or complex is more likely damaged or built to exhaust memory than real data: check "
    "it, or if it is genuine raise the limit, e.g. {option}"
)

# limit → (its options, the Russian and the English of what was found and the limit)
LIMITS = {
    "rows": (
        ["--max-rows", "3"],
        "{name}: больше 3 строк с данными (лист 'Lists' и листы перед ним) (предел: --max-rows 3)",
        "{name}: more than 3 rows with data (sheet 'Lists' and those before it) (limit: --max-rows 3)",
        "--max-rows 6",
    ),
    "columns": (
        ["--max-columns", "2"],
        "{name}: лист 'Lists', строка 1: значение в столбце 22 (предел: --max-columns 2)",
        "{name}: sheet 'Lists' row 1 has a value in column 22 (limit: --max-columns 2)",
        "--max-columns 4",
    ),
}


@pytest.fixture
def workbooks(run_cli):
    """``ru.xlsx`` and ``en.xlsx``: the empty UZB templates in Russian and English."""
    for lang in ("ru", "en"):
        made = run_cli(
            "national-report", "template", "--country", "UZB", "--out", f"{lang}.xlsx", "--lang", lang
        )
        assert made.exit_code == 0, made


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_a_russian_workbook_over_a_row_or_column_limit_is_one_russian_line(
    run_cli, workbooks, store_path, sha256, limit
):
    options, russian, english, raised = LIMITS[limit]
    before = sha256(store_path)
    for command in ("validate", "import"):
        store = ["--store", str(store_path)] if command == "import" else []
        ru = run_cli("national-report", command, "ru.xlsx", *options, *store)
        en = run_cli("national-report", command, "en.xlsx", *options, *store)
        assert (ru.exit_code, en.exit_code) == (1, 1), (ru, en)
        assert ru.stderr.splitlines() == [
            "Ошибка: " + russian.format(name="ru.xlsx") + TAIL_RU.format(option=raised)
        ], ru
        assert en.stderr.splitlines() == [
            "Error: " + english.format(name="en.xlsx") + TAIL_EN.format(option=raised)
        ], en
        assert (ru.stdout, en.stdout) == ("", "")
    assert sha256(store_path) == before


def test_a_workbook_over_the_uncompressed_limit_is_refused_in_the_language_asked(
    run_cli, workbooks, store_path, sha256
):
    before = sha256(store_path)
    limit = ["--max-uncompressed-mb", "0.01"]
    for command in ("validate", "import"):
        store = ["--store", str(store_path)] if command == "import" else []
        ru = run_cli("national-report", command, "ru.xlsx", *limit, "--lang", "ru", *store)
        en = run_cli("national-report", command, "en.xlsx", *limit, *store)
        assert (ru.exit_code, en.exit_code) == (1, 1), (ru, en)
        [line] = ru.stderr.splitlines()
        assert re.fullmatch(
            re.escape("Ошибка: ru.xlsx: части книги в распакованном виде занимают ")
            + r"\d+,\d МБ"
            + re.escape(
                " (предел: --max-uncompressed-mb 0.01 МБ)"
                + TAIL_RU.format(option="--max-uncompressed-mb 0.02")
            ),
            line,
        ), line
        [line] = en.stderr.splitlines()
        assert re.fullmatch(
            re.escape("Error: en.xlsx: the workbook's parts expand to ")
            + r"\d+\.\d MB"
            + re.escape(
                " (limit: --max-uncompressed-mb 0.01 MB)"
                + TAIL_EN.format(option="--max-uncompressed-mb 0.02")
            ),
            line,
        ), line
    assert sha256(store_path) == before


def _with_bad_row(path, row: str) -> None:
    """Give every sheet of the workbook at ``path`` a first row numbered ``row``."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    for sheet in [name for name in members if name.startswith("xl/worksheets/sheet")]:
        members[sheet] = members[sheet].replace(b'<row r="1"', f'<row r="{row}"'.encode(), 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize(
    ("row", "russian", "english"),
    [
        (
            "2000000",
            "номер строки 2\u00a0000\u00a0000 вне диапазона от 1 до 1\u00a0048\u00a0576",
            "row number 2,000,000 is outside 1 to 1,048,576",
        ),
        ("x1", "номер строки 'x1' не является целым числом", "row number 'x1' is not a whole number"),
    ],
)
def test_a_sheet_that_is_not_valid_is_refused_in_the_templates_language(tmp_path, row, russian, english):
    path = write_report_file(template_report("UZB"), tmp_path / "r.xlsx", lang="ru")
    _with_bad_row(path, row)
    with language("ru"), pytest.raises(InputFileError) as refused:
        read_report_file(path)
    assert re.fullmatch(
        r"r\.xlsx: лист '[^']+' не является допустимым листом Excel \("
        + re.escape(russian)
        + re.escape("); сохраните книгу заново из Excel или LibreOffice в формате .xlsx"),
        str(refused.value),
    ), str(refused.value)
    with pytest.raises(InputFileError) as english_refusal:
        read_report_file(path)
    assert re.fullmatch(
        r"r\.xlsx: sheet '[^']+' is not a valid Excel sheet \("
        + re.escape(english)
        + re.escape("); save the workbook again from Excel or LibreOffice as .xlsx"),
        str(english_refusal.value),
    ), str(english_refusal.value)


def test_a_refused_workbook_is_refused_in_russian(tmp_path):
    path = write_report_file(template_report("UZB"), tmp_path / "r.xlsx", lang="ru")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../evil.xml", b"<x/>")
    with language("ru"), pytest.raises(InputFileError) as refused:
        read_report_file(path)
    message = str(refused.value)
    assert message.startswith("r.xlsx: книга отклонена: member '../evil.xml' "), message
    assert message.endswith("; сохраните её заново из Excel или LibreOffice в формате .xlsx"), message
    with pytest.raises(InputFileError, match=r"^r\.xlsx: refusing the workbook: member '\.\./evil\.xml' "):
        read_report_file(path)
