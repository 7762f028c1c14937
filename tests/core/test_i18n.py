"""Message catalogues, their .po translations, the translator's workflow and locale-aware formats."""

from __future__ import annotations

import datetime as dt

import pytest

from deerhabitat import i18n
from deerhabitat.i18n import (
    LANGUAGES,
    check_po,
    domain_names,
    english,
    format_date,
    format_number,
    format_percent,
    format_year,
    language,
    message,
    placeholders,
    po_path,
    read_entries,
    update_po,
)

REQUIRED: dict[str, tuple[str, ...]] = {"ru": ("report", "codes", "analysis", "cli")}
"""Domains whose translation is complete, by language: every key must have a current translation. Add a
domain here when its .po is fully translated (``python -m deerhabitat.i18n check`` prints nothing for it)."""

TRANSLATED = [
    (lang, domain)
    for lang in LANGUAGES
    if lang != "en"
    for domain in domain_names()
    if po_path(lang, domain).is_file()
]


def test_no_key_is_in_two_domains():
    assert i18n.duplicate_keys() == {}


def test_a_complete_domain_has_a_current_translation_of_every_key():
    for lang, domains in REQUIRED.items():
        for domain in domains:
            assert check_po(lang, domain) == [], (lang, domain)


@pytest.mark.parametrize(("lang", "domain"), TRANSLATED)
def test_a_po_file_has_exactly_the_english_keys_and_the_english_placeholders(lang, domain):
    entries = read_entries(po_path(lang, domain))
    source = english(domain)
    assert list(entries) == list(source), "run `python -m deerhabitat.i18n update` (make po)"
    for key, entry in entries.items():
        if entry.text:
            assert placeholders(entry.text) == placeholders(source[key]), key
            assert message(key, lang=lang, **dict.fromkeys(placeholders(source[key]), "x"))


@pytest.fixture
def sample_domain(tmp_path, monkeypatch):
    """A domain "sample" registered for the test, with its .po files under tmp_path."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_REGISTERED", {})
    source = {"sample.hello": "Hello {name}", "sample.bye": "Goodbye", "sample.gone": "Removed later"}
    i18n.register_domain("sample", source)
    i18n.translations.cache_clear()
    yield source
    i18n._key_index.cache_clear()
    i18n.translations.cache_clear()


def _translate(path, translations: dict[str, str]) -> None:
    """Fill msgstr of the given keys in the .po file, as a translator's editor would."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as stream:
        catalog = read_po(stream)
    for entry in catalog:
        if entry.context in translations:
            entry.string = translations[entry.context]
    with path.open("wb") as stream:
        write_po(stream, catalog, width=0, include_previous=True, no_location=True)
    i18n.translations.cache_clear()


def test_update_adds_keys_empty_marks_changed_english_fuzzy_and_drops_removed_keys(sample_domain):
    path = update_po("ru", "sample")
    assert {k: (e.english, e.text, e.fuzzy) for k, e in read_entries(path).items()} == {
        "sample.hello": ("Hello {name}", "", False),
        "sample.bye": ("Goodbye", "", False),
        "sample.gone": ("Removed later", "", False),
    }
    assert message("sample.hello", lang="ru", name="Ann") == "Hello Ann"  # untranslated: English
    _translate(path, {"sample.hello": "Привет, {name}", "sample.bye": "До свидания"})
    assert message("sample.hello", lang="ru", name="Аня") == "Привет, Аня"
    with language("ru"):
        assert message("sample.bye") == "До свидания"
    assert message("sample.bye") == "Goodbye"
    assert check_po("ru", "sample") == ["ru/sample.po sample.gone: not translated"]

    sample_domain["sample.bye"] = "Goodbye, then"
    del sample_domain["sample.gone"]
    sample_domain["sample.new"] = "New"
    assert check_po("ru", "sample") == [
        "ru/sample.po sample.bye: translated from other English (run update)",
        "ru/sample.po sample.new: not translated",
    ]
    i18n.translations.cache_clear()
    assert message("sample.bye", lang="ru") == "Goodbye, then"  # translated from older English: English
    update_po("ru", "sample")
    text = path.read_text(encoding="utf-8")
    assert (
        '#, fuzzy\n#| msgid "Goodbye"\nmsgctxt "sample.bye"\nmsgid "Goodbye, then"\nmsgstr "До свидания"'
        in text
    )
    assert "sample.gone" not in text
    assert list(read_entries(path)) == ["sample.hello", "sample.bye", "sample.new"]
    assert message("sample.bye", lang="ru") == "Goodbye, then"  # fuzzy: English
    assert check_po("ru", "sample") == [
        "ru/sample.po sample.bye: fuzzy",
        "ru/sample.po sample.new: not translated",
    ]
    before = path.read_bytes()
    update_po("ru", "sample")
    assert path.read_bytes() == before  # updating twice changes nothing


def test_a_translation_with_other_placeholders_falls_back_to_english_and_check_names_it(sample_domain):
    path = update_po("ru", "sample")
    _translate(path, {"sample.hello": "Привет, {nom}"})
    assert message("sample.hello", lang="ru", name="Ann") == "Hello Ann"
    assert "ru/sample.po sample.hello: placeholders ['nom'] but the English has ['name']" in check_po(
        "ru", "sample"
    )


def test_check_exits_1_listing_the_problems(sample_domain, capsys):
    update_po("ru", "sample")
    assert i18n.main(["check", "ru", "--domain", "sample"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "ru/sample.po sample.hello: not translated",
        "ru/sample.po sample.bye: not translated",
        "ru/sample.po sample.gone: not translated",
    ]
    assert "0 of 3 entries translated and current" in out.err
    assert i18n.main(["nonsense"]) == 2


def test_language_sets_the_default_only_inside_the_block_and_refuses_unknown_codes():
    assert i18n.current_language() == "en"
    with language("ru"):
        assert i18n.current_language() == "ru"
    assert i18n.current_language() == "en"
    with pytest.raises(KeyError, match="no catalogue for language 'xx'; available: en, ru"), language("xx"):
        pass


def test_an_unknown_key_names_the_domains():
    with pytest.raises(KeyError, match=r"no message 'nope\.nothing' in any catalogue \(domains: report"):
        message("nope.nothing")
    assert message("section.gaps", lang="xx") == "Gaps"  # an unknown language: English


def test_numbers_percentages_dates_and_years_in_english_and_russian():
    nbsp = "\u00a0"
    assert format_number(3500) == "3,500" and format_number(3500, lang="ru") == f"3{nbsp}500"
    assert format_number(1234.56, decimals=1) == "1,234.6"
    assert format_number(1234.56, decimals=1, lang="ru") == f"1{nbsp}234,6"
    assert format_number(999, lang="ru") == "999"
    assert format_percent(0.4567, decimals=1) == "45.7 %"
    assert format_percent(0.4567, decimals=1, lang="ru") == f"45,7{nbsp}%"
    assert format_date(dt.date(2024, 2, 15)) == "2024-02-15"
    assert format_date(dt.date(2024, 2, 15), lang="ru") == "15.02.2024"
    assert format_date("2024-02", lang="ru") == "02.2024" and format_date("n/a", lang="ru") == "n/a"
    assert format_year(2020) == "2020" and format_year(2020, lang="ru") == f"2020{nbsp}г."
    with language("ru"):
        assert format_number(3500) == f"3{nbsp}500" and format_year(2020) == f"2020{nbsp}г."


@pytest.mark.parametrize("value", [0, 7, 1000, 123456789, 0.5, 2.5, 1e-9])
def test_english_numbers_are_pythons_own_format(value):
    assert format_number(value) == f"{value:,.0f}"
    assert format_number(value, decimals=2) == f"{value:,.2f}"
