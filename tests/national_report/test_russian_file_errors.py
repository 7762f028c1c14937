"""A national report file that cannot be read or written is refused with one line in the command's language.

``--lang ru`` (or a Russian workbook without ``--lang``) gives an ``Ошибка:`` line in Russian for what is
wrong with the file itself (missing, wrong extension, not YAML, a repeated key, over a limit, a workbook with
macros, an existing ``--out``), exit status 1 and the store unchanged; the English lines are as they were.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from deerhabitat.errors import InputFileError
from deerhabitat.i18n import language
from deerhabitat.io.national_report import read_report_file, template_report, write_report_file
from deerhabitat.io.workbook import ACTIVE_PARTS
from deerhabitat.nrtext import ENGLISH

PROBLEMS_RU = (
    "{name}: проблем: 1; исправьте их (см. docs/national-report-format.md) и проверьте снова командой "
    "`deerhabitat national-report validate`"
)
PROBLEMS_EN = (
    "{name}: 1 problem(s); fix them (see docs/national-report-format.md) and check again with `deerhabitat "
    "national-report validate`"
)


def _duplicate_key(tmp_path: Path, write_yaml, make_report) -> str:
    """A valid report whose ``authority`` key is typed twice (lines 7 and 8)."""
    path = write_yaml(tmp_path / "dup.yaml", make_report())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  authority:"))
    lines.insert(at + 1, "  authority: Committee\n")
    path.write_text("".join(lines), encoding="utf-8")
    assert at + 1 == 7
    return path.name


def _invalid_yaml(tmp_path: Path, write_yaml, make_report) -> str:
    (tmp_path / "bad.yaml").write_text("report:\n  authority: [Committee\n  country: UZB\n", encoding="utf-8")
    return "bad.yaml"


def _unsupported(tmp_path: Path, write_yaml, make_report) -> str:
    (tmp_path / "report.csv").write_text("country\nUZB\n", encoding="utf-8")
    return "report.csv"


# name → (make the file, [Russian lines], [English lines], whether the problem is listed as one)
CASES = {
    "missing file": (
        lambda t, w, m: "nowhere.yaml",
        ["Ошибка: файл национального отчёта 'nowhere.yaml' не существует; проверьте путь"],
        ["Error: national report 'nowhere.yaml' does not exist; check the path"],
        False,
    ),
    "unsupported extension": (
        _unsupported,
        [
            "Ошибка: report.csv: неподдерживаемый тип файла '.csv'; национальный отчёт — это файл YAML "
            "(.yaml, "
            ".yml) или Excel (.xlsx); сохраните его в одном из этих форматов (начните с шаблона `deerhabitat "
            "national-report template`)"
        ],
        [
            "Error: report.csv: unsupported file type '.csv'; a national report is a YAML (.yaml, .yml) or "
            "Excel (.xlsx) file; save it as one of these (start from `deerhabitat national-report template`)"
        ],
        True,
    ),
    "invalid YAML": (
        _invalid_yaml,
        [
            "Ошибка: bad.yaml, строка 3, столбец 10: недопустимый YAML (while parsing a flow sequence "
            "expected "
            "',' or ']', but got ':'); исправьте YAML (вложенные ключи сдвигайте на два пробела, текст, "
            "содержащий ': ' или ' #', заключайте в кавычки)"
        ],
        [
            "Error: bad.yaml line 3, column 10: not valid YAML (while parsing a flow sequence expected ',' "
            "or "
            "']', but got ':'); correct the YAML (indent nested keys by two spaces, quote text that contains "
            "': ' or ' #')"
        ],
        True,
    ),
    "duplicate key": (
        _duplicate_key,
        [
            "Ошибка: report.authority (строка 8): ключ 'authority' встречается дважды (строки 7 и 8); будет "
            "учтено только последнее значение; оставьте один ключ"
        ],
        [
            "Error: report.authority (line 8): key 'authority' appears twice (lines 7 and 8); only the last "
            "would count; keep one"
        ],
        True,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_report_file_that_cannot_be_read_is_one_line_in_the_language_and_the_store_is_unchanged(
    run_cli, tmp_path, store_path, sha256, write_yaml, make_report, case, lang
):
    make, russian, english, listed = CASES[case]
    name = make(tmp_path, write_yaml, make_report)
    before = sha256(store_path)
    for command in ("validate", "import"):
        args = ["national-report", command, name]
        args += ["--store", str(store_path)] if command == "import" else []
        args += ["--lang", "ru"] if lang == "ru" else []
        result = run_cli(*args)
        assert result.exit_code == 1, result
        assert result.stderr.splitlines() == (russian if lang == "ru" else english), result
        summary = (PROBLEMS_RU if lang == "ru" else PROBLEMS_EN).format(name=name)
        assert result.stdout.splitlines() == ([summary] if listed else []), result
        assert sha256(store_path) == before


def test_an_existing_out_is_refused_in_the_templates_language(run_cli, tmp_path):
    (tmp_path / "exists.xlsx").write_bytes(b"precious")
    for lang, expected in (
        ("ru", "Ошибка: 'exists.xlsx' уже существует; выберите другой путь в --out или укажите --overwrite"),
        ("en", "Error: 'exists.xlsx' already exists; choose another --out path, or pass --overwrite"),
    ):
        result = run_cli(
            "national-report", "template", "--country", "UZB", "--out", "exists.xlsx", "--lang", lang
        )
        assert result.exit_code == 1, result
        assert result.stderr.splitlines() == [expected]
        assert result.stdout == ""
        assert (tmp_path / "exists.xlsx").read_bytes() == b"precious"


def test_a_folder_that_does_not_exist_is_refused_in_russian(run_cli, tmp_path):
    result = run_cli("national-report", "template", "--country", "UZB", "--out", "no/t.yaml", "--lang", "ru")
    assert result.exit_code == 1, result
    assert result.stderr.splitlines() == [
        "Ошибка: не удаётся записать 'no/t.yaml' (No such file or directory); проверьте, что папка "
        "существует "
        "и в неё можно писать"
    ]


def test_a_russian_workbook_over_a_limit_is_refused_in_russian_without_lang(
    run_cli, tmp_path, store_path, sha256
):
    for lang in ("ru", "en"):
        made = run_cli(
            "national-report", "template", "--country", "UZB", "--out", f"{lang}.xlsx", "--lang", lang
        )
        assert made.exit_code == 0, made
    before = sha256(store_path)
    for command in ("validate", "import"):
        store = ["--store", str(store_path)] if command == "import" else []
        ru = run_cli("national-report", command, "ru.xlsx", "--max-sheets", "2", *store)
        en = run_cli("national-report", command, "en.xlsx", "--max-sheets", "2", *store)
        assert (ru.exit_code, en.exit_code) == (1, 1), (ru, en)
        assert ru.stderr.splitlines() == [
            "Ошибка: ru.xlsx: в книге листов: 19 (предел: --max-sheets 2); столь большой или сложный файл "
            "скорее "
            "повреждён или создан, чтобы исчерпать память, чем содержит настоящие данные: проверьте его, а "
            "если "
            "он подлинный, поднимите предел, например --max-sheets 4"
        ]
        assert en.stderr.splitlines() == [
            "Error: en.xlsx: the workbook has 19 sheets (limit: --max-sheets 2); a file this large or "
            "complex is "
            "more likely damaged or built to exhaust memory than real data: check it, or if it is genuine "
            "raise "
            "the limit, e.g. --max-sheets 4"
        ]
    assert sha256(store_path) == before


def test_yaml_limits_in_russian_group_thousands_and_keep_the_options_value(run_cli, tmp_path):
    (tmp_path / "big.yaml").write_text(
        "a: &a [" + ", ".join(["1"] * 10) + "]\nb: [" + ", ".join(["*a"] * 200) + "]\n", encoding="utf-8"
    )
    ru = run_cli("national-report", "validate", "big.yaml", "--lang", "ru", "--max-yaml-nodes", "1000")
    en = run_cli("national-report", "validate", "big.yaml", "--max-yaml-nodes", "1000")
    assert (
        ru.stderr.replace("\u00a0", " ")
        .splitlines()[0]
        .startswith(
            "Ошибка: big.yaml: больше 1 000 значений (псевдоним считается как всё, что он повторяет) "
            "(предел: "
            "--max-yaml-nodes 1000); "
        )
    )
    assert en.stderr.splitlines()[0].startswith(
        "Error: big.yaml: more than 1,000 values (each alias counted as what it repeats) (limit: "
        "--max-yaml-nodes 1000); "
    )


def test_a_workbook_with_macros_is_refused_in_russian(tmp_path):
    path = write_report_file(template_report("UZB"), tmp_path / "m.xlsx", lang="ru")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"")
        archive.writestr("xl/externalLinks/externalLink1.xml", b"")
    with language("ru"), pytest.raises(InputFileError) as refused:
        read_report_file(path)
    assert str(refused.value) == (
        "m.xlsx: в книге есть макросы VBA (xl/vbaProject.bin), связи с другими книгами "
        "(xl/externalLinks/externalLink1.xml); национальный отчёт хранится в базе целиком и передаётся "
        "другим, "
        "поэтому книга должна быть простой: удалите макросы и связи (Данные > Изменить связи > Разорвать "
        "связь) и "
        "сохраните файл как «Книга Excel (.xlsx)»"
    )
    with pytest.raises(
        InputFileError, match=r"^m\.xlsx: the workbook holds VBA macros \(xl/vbaProject\.bin\), "
    ):
        read_report_file(path)


def test_every_active_part_of_a_workbook_has_a_message():
    """The English of ``nr.file.part.*`` is what :mod:`deerhabitat.io.workbook` calls each active part."""
    parts = {value for key, value in ENGLISH.items() if key.startswith("nr.file.part.")}
    assert set(ACTIVE_PARTS.values()) <= parts
    assert "a macro-enabled workbook type" in parts


def test_no_english_word_is_left_in_the_russian_file_messages():
    """Every Russian ``nr.file.*`` text: Cyrillic, save for file names, options, YAML, Excel and codes."""
    from deerhabitat.i18n import message

    allowed = re.compile(
        r"`[^`]*`|--[\w-]+|\.\w+|\b(?:YAML|Excel|LibreOffice|XML|XFD|UTF|VBA|ActiveX|OLE|xlsx|yaml|yml)\b|\{\w+\}",
        re.IGNORECASE,
    )
    for key in (k for k in ENGLISH if k.startswith("nr.file.")):
        russian = message(key, lang="ru")
        assert russian != ENGLISH[key], key
        assert re.findall(r"[A-Za-z]{2,}", allowed.sub(" ", russian)) == [], (key, russian)
