"""Commands run with ``--lang ru`` print in Russian: result lines, notes, progress bars and ``Ошибка:`` lines.

The English output of the same commands stays as it was (``Wrote ...``, ``Note:``, ``Error:``).
"""

from __future__ import annotations

import re

import pytest

PATH_OR_CODE = re.compile(
    r"""
    \S*/\S*                      # a path (maps/index.html, data/README.md)
    | [\w-]+\.(?:html|md|gpkg)   # a file name
    | \b[a-z]+(?:-[a-z]+)+\b     # a map name (state-uzb, protected-coverage)
    | \b(?:overview|population|reintroductions|habitat|corridors)\b  # the other map names
    """,
    re.VERBOSE,
)


def latin_words(line: str) -> list[str]:
    """The Latin words of ``line`` once paths, file names and map names are taken out."""
    return re.findall(r"[A-Za-z]+", PATH_OR_CODE.sub(" ", line))


def test_latin_words_skips_paths_file_names_and_codes_only():
    assert latin_words("Отчёт записан в /tmp/x/maps/index.html (см. data/README.md): state-uzb") == []
    assert latin_words("Note: Растры") == ["Note"]


def test_report_in_russian_prints_a_russian_result_line_and_russian_notes(run_cli, tmp_path):
    result = run_cli("report", "--lang", "ru", "--out", tmp_path / "maps")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        re.escape(f"Отчёт записан в {tmp_path / 'maps' / 'index.html'} (карт: ") + r"\d+, файлов: \d+\)",
        lines[0],
    ), lines[0]
    assert len(lines) > 1 and all(line.startswith("Примечание: ") for line in lines[1:]), lines
    assert [word for line in lines for word in latin_words(line)] == []
    assert result.stderr == ""


def test_report_in_english_is_unchanged(run_cli, tmp_path):
    result = run_cli("report", "--out", tmp_path / "maps")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        re.escape(f"Wrote the report to {tmp_path / 'maps' / 'index.html'} (") + r"\d+ maps, \d+ files\)",
        lines[0],
    )
    assert lines[1:] and all(line.startswith("Note: ") for line in lines[1:])


def test_map_in_russian_prints_russian(run_cli, tmp_path):
    result = run_cli("map", "overview", "--lang", "ru", "--out", tmp_path / "out", "--dpi", "60")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == f"Карты записаны в {tmp_path / 'out'} (всего: 1): overview"
    assert all(line.startswith("Примечание: ") for line in lines[1:])
    assert [word for line in lines for word in latin_words(line)] == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ru",
            "Ошибка: хранилище '{path}' не существует; создайте его командой `deerhabitat init {path}` или "
            "укажите существующий GeoPackage в --store",
        ),
        (
            "en",
            "Error: store '{path}' does not exist; create it with `deerhabitat init {path}` or pass an "
            "existing GeoPackage with --store",
        ),
    ],
)
def test_a_missing_store_is_one_error_line_in_the_language_of_the_command(run_cli, tmp_path, lang, expected):
    missing = tmp_path / "missing.gpkg"
    result = run_cli("report", "--lang", lang, "--store", missing, "--out", tmp_path / "maps")
    assert result.exit_code == 1, result
    assert result.stdout == ""
    assert result.stderr.splitlines() == [expected.format(path=missing)]


def test_an_unknown_map_under_russian_is_one_russian_error_line(run_cli, tmp_path):
    result = run_cli("map", "nope", "--lang", "ru", "--out", tmp_path / "out")
    assert result.exit_code == 1, result
    (line,) = result.stderr.splitlines()
    assert line.startswith("Ошибка: в этом хранилище нет карты 'nope'; его карты: overview, ")
    assert latin_words(line.replace("deerhabitat map", "").replace("nope", "")) == []


def test_a_broken_russian_template_gives_russian_error_lines(run_cli, tmp_path):
    made = run_cli("national-report", "template", "--country", "UZB", "--out", "uzb.yaml", "--lang", "ru")
    assert made.exit_code == 0, made
    for args, prefix in ((("--lang", "ru"), "Ошибка: "), ((), "Error: ")):
        result = run_cli("national-report", "validate", "uzb.yaml", *args)
        assert result.exit_code == 1, result
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith(prefix) for line in lines), lines


def test_a_terminal_shows_the_russian_reports_progress_in_russian(run_in_terminal, tmp_path):
    code, drawn = run_in_terminal("report", "--lang", "ru", "--out", tmp_path / "maps")
    assert code == 0, drawn
    assert "Обзорный отчёт: чтение, анализ, вёрстка" in drawn and "| 0/4 " in drawn
    assert "Обзорный отчёт: карты и изображения" in drawn and "шаг" in drawn
    assert "Overview Report" not in drawn and "step" not in drawn
