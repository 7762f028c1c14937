r"""Every user-visible string in the user's language: message catalogues, translations and number formats.

English is the source of truth: each *domain* (``"report"``, ``"maps"``, ``"national_report"``, ``"cli"``)
is a Python mapping of message key to English text, kept beside the code that shows it (the report's is
:data:`deerhabitat.publish.text.ENGLISH`). Keys are unique across domains (each domain has its own key
prefixes). Translations are gettext ``.po`` files, one per language and domain, in
``deerhabitat/locale/<lang>/LC_MESSAGES/<domain>.po``: ``msgctxt`` is the key, ``msgid`` the English text and
``msgstr`` the translation, so translators see the English and can use any ``.po`` editor. A key with no
translation, a fuzzy one, one translated from an older English text or one whose placeholders differ from the
English falls back to English.

The translator's workflow (``make po``)::

    python -m deerhabitat.i18n update   # add new keys empty, mark changed English fuzzy, drop removed keys
    python -m deerhabitat.i18n check    # exit 1 listing untranslated, fuzzy and mismatched entries

Placeholders use :meth:`str.format` names (``{year}``). Babel is imported on first use only, so the command
line starts fast.

Examples
--------
>>> message("summary.total", year=2023, count="3,900")
'Wild animals in 2023: 3,900'
>>> format_number(3500), format_number(3500, lang="ru") == "3\u00a0500"
('3,500', True)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import re
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "ru")
"""Language codes the tool speaks; English is built in, every other one is a set of ``.po`` files."""

DOMAINS: dict[str, str] = {
    "report": "deerhabitat.publish.text:ENGLISH",
    "codes": "deerhabitat.vocabulary:ENGLISH",
    "analysis": "deerhabitat.analysis.text:ENGLISH",
    "national_report": "deerhabitat.nrtext:ENGLISH",
    "maps": "deerhabitat.publish.map_text:ENGLISH",
    "cli": "deerhabitat.clitext:ENGLISH",
}
"""English catalogue of each domain, as ``"module:attribute"``, imported on first use (so that a low layer,
e.g. :mod:`deerhabitat.nrschema`, can look up its messages without importing the report's modules)."""

LOCALE_DIR = Path(__file__).with_name("locale")
"""Where the ``.po`` files are: ``LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"``."""

_REGISTERED: dict[str, Mapping[str, str]] = {}
_LANGUAGE: ContextVar[str] = ContextVar("deerhabitat_language", default="en")
_PLACEHOLDER = re.compile(r"(?<!{){(\w*)[^{}]*}(?!})")
NBSP = "\u00a0"


def register_domain(name: str, english: Mapping[str, str]) -> None:
    """Add (or replace) the English catalogue of domain ``name`` at run time.

    A domain listed in :data:`DOMAINS` needs no registration; this is for catalogues made at run time
    (tests, plugins).
    """
    _REGISTERED[name] = english
    _key_index.cache_clear()


def domain_names() -> tuple[str, ...]:
    """Every domain: those of :data:`DOMAINS`, then those registered, in that order."""
    return tuple(dict.fromkeys([*DOMAINS, *_REGISTERED]))


def english(domain: str) -> Mapping[str, str]:
    """The English catalogue of ``domain`` (importing its module on first use).

    Raises
    ------
    KeyError
        If there is no such domain.
    """
    if domain in _REGISTERED:
        return _REGISTERED[domain]
    if domain not in DOMAINS:
        raise KeyError(f"no message domain {domain!r}; known: {', '.join(domain_names())}")
    module, _, attribute = DOMAINS[domain].partition(":")
    catalogue: Mapping[str, str] = getattr(importlib.import_module(module), attribute)
    return catalogue


@functools.cache
def _key_index(domains: tuple[str, ...]) -> dict[str, str]:
    """Domain of each key of ``domains`` (the first wins a duplicate; :func:`duplicate_keys` finds them)."""
    index: dict[str, str] = {}
    for domain in domains:
        for key in english(domain):
            index.setdefault(key, domain)
    return index


def domain_of(key: str) -> str:
    """The domain whose English catalogue has ``key``.

    Domains are imported one by one until one has the key, so a lookup imports no more modules than it needs.

    Raises
    ------
    KeyError
        If no domain has the key (a bug: every key used must be in the English catalogue of its domain).
    """
    names = domain_names()
    for n in range(1, len(names) + 1):
        found = _key_index(names[:n]).get(key)
        if found is not None:
            return found
    raise KeyError(
        f"no message {key!r} in any catalogue (domains: {', '.join(names)}); add it to the English "
        f"catalogue of its domain ({', '.join(DOMAINS.values())})"
    )


def duplicate_keys() -> dict[str, list[str]]:
    """Keys that more than one domain defines, with those domains (empty when all is well)."""
    seen: dict[str, list[str]] = {}
    for domain in domain_names():
        for key in english(domain):
            seen.setdefault(key, []).append(domain)
    return {key: domains for key, domains in seen.items() if len(domains) > 1}


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Make ``lang`` the default language of :func:`message` and the formatters inside the ``with`` block.

    Raises
    ------
    KeyError
        If ``lang`` is not one of :data:`LANGUAGES` (workflows check it first and raise their own error).
    """
    if lang not in LANGUAGES:
        raise KeyError(f"no catalogue for language {lang!r}; available: {', '.join(LANGUAGES)}")
    token = _LANGUAGE.set(lang)
    try:
        yield lang
    finally:
        _LANGUAGE.reset(token)


def current_language() -> str:
    """The language :func:`message` uses by default (set with :func:`language`; English otherwise)."""
    return _LANGUAGE.get()


def placeholders(text: str) -> set[str]:
    """Names of the :meth:`str.format` placeholders of ``text``.

    >>> sorted(placeholders("{n} of {of} in {year:d}; {{literal}}"))
    ['n', 'of', 'year']
    """
    return set(_PLACEHOLDER.findall(text))


def po_path(lang: str, domain: str, root: Path | None = None) -> Path:
    """The ``.po`` file of ``domain`` in ``lang`` (under ``root``, default :data:`LOCALE_DIR`)."""
    return (root or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{domain}.po"


@dataclass(frozen=True)
class Entry:
    """One entry of a ``.po`` file.

    The English it translates, the translation, whether it is fuzzy, and the English it was translated from
    when that changed (the previous ``msgid``, empty if none).
    """

    english: str
    text: str
    fuzzy: bool
    previous: str = ""


def read_entries(path: Path) -> dict[str, Entry]:
    """Entries of the ``.po`` file ``path`` by key (``msgctxt``); empty if the file does not exist."""
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as stream:
        catalog = read_po(stream, ignore_obsolete=True)
    previous = _previous_msgids(path.read_text(encoding="utf-8"))
    entries: dict[str, Entry] = {}
    for entry in catalog:
        if not entry.id or entry.context is None:
            continue  # the header, or an entry with no key
        text = str(entry.string or "")
        entries[entry.context] = Entry(str(entry.id), text, entry.fuzzy, previous.get(entry.context, ""))
    return entries


def _previous_msgids(text: str) -> dict[str, str]:
    """The previous ``msgid`` (``#| msgid`` comment) of each key of a ``.po`` text (Babel skips them)."""
    from babel.messages.pofile import unescape

    found: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        previous = [line[3:].strip() for line in lines if line.startswith("#| ")]
        context = [line[len("msgctxt ") :] for line in lines if line.startswith("msgctxt ")]
        if previous and context and previous[0].startswith("msgid "):
            parts = [previous[0][len("msgid ") :], *(p for p in previous[1:] if p.startswith('"'))]
            found[unescape(context[0])] = "".join(unescape(p) for p in parts)
    return found


@functools.cache
def translations(lang: str, domain: str) -> dict[str, str]:
    """The usable translations of ``domain`` in ``lang`` by key (read once from its ``.po`` file).

    Left out, so that the English shows instead: empty and fuzzy entries, entries translated from an older
    English text than today's, and entries whose placeholders are not the English ones.
    """
    if lang == "en":
        return {}
    source = english(domain)
    usable: dict[str, str] = {}
    for key, entry in read_entries(po_path(lang, domain)).items():
        reference = source.get(key)
        if (
            reference is not None
            and entry.text
            and not entry.fuzzy
            and entry.english == reference
            and placeholders(entry.text) == placeholders(reference)
        ):
            usable[key] = entry.text
    return usable


def message(key: str, /, *, lang: str | None = None, **values: object) -> str:
    """The text of message ``key`` in ``lang``, placeholders filled from ``values``.

    Parameters
    ----------
    key : str
        Message key, e.g. ``"section.gaps"``.
    lang : str, optional
        Language code (default: the one set by :func:`language`, else English). A key with no usable
        translation, or a language with no catalogue, gives the English.
    **values
        Values of the message's placeholders.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        If no domain has the key (a bug: every key used must be in the English catalogue of its domain).
    """
    domain = domain_of(key)
    code = lang or _LANGUAGE.get()
    template = translations(code, domain).get(key) if code in LANGUAGES else None
    if template is None:
        template = english(domain)[key]
    return template.format(**values) if values else template


def localised(record: Mapping[str, object], field: str, *, lang: str | None = None) -> object:
    """``record[field]`` in ``lang``: the ``<field>_<lang>`` column (``text_ru``) when it has a value.

    Data tables carry their translations as extra columns, the column itself being the text as written
    (English in the bundled data; a national report filled in Russian may carry ``description_en``).

    >>> localised({"text": "Reserve", "text_ru": "Заповедник"}, "text", lang="ru")
    'Заповедник'
    >>> localised({"text": "Reserve", "text_ru": None}, "text", lang="ru")
    'Reserve'
    """
    value = record.get(f"{field}_{lang or _LANGUAGE.get()}")
    if isinstance(value, str) and value.strip():
        return value
    return record.get(field)


# --- formatting ---------------------------------------------------------------------------------------------


def format_number(value: float, *, decimals: int = 0, lang: str | None = None) -> str:
    r"""``value`` with ``decimals`` decimals and grouped thousands, as written in ``lang``.

    English: ``3,500`` and ``12.5`` (Python's own format, as the report always wrote them); Russian: the CLDR
    group separator (a no-break space) and a decimal comma, ``3 500`` and ``12,5``.

    >>> format_number(3500.4), format_number(12.25, decimals=1)
    ('3,500', '12.2')
    >>> format_number(1234567.891, decimals=2, lang="ru").replace("\u00a0", " ")
    '1 234 567,89'
    """
    code = lang or _LANGUAGE.get()
    if code == "en" or code not in LANGUAGES:
        return f"{value:,.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(round(float(value), decimals), format=pattern, locale=code))


def format_percent(fraction: float, *, decimals: int = 0, lang: str | None = None) -> str:
    r"""``fraction`` (0.125) as a percentage (``12.5 %``; Russian ``12,5 %`` with a no-break space).

    >>> format_percent(0.125, decimals=1), format_percent(0.125, decimals=1, lang="ru")
    ('12.5 %', '12,5\xa0%')
    """
    code = lang or _LANGUAGE.get()
    return percent_sign(format_number(100 * fraction, decimals=decimals, lang=code), lang=code)


def percent_sign(number: str, *, lang: str | None = None) -> str:
    r"""``number`` (already written for ``lang``) followed by the percent sign, spaced as in ``lang``.

    For a value that is already a percentage (``12.5``) or a range of them (``10–17``); English puts a
    space before ``%``, Russian a no-break space, as :func:`format_percent` does.

    >>> percent_sign("10–17"), percent_sign("12,5", lang="ru")
    ('10–17 %', '12,5\xa0%')
    """
    code = lang or _LANGUAGE.get()
    return f"{number} %" if code == "en" or code not in LANGUAGES else f"{number}{NBSP}%"


def format_measure(value: float, *, lang: str | None = None) -> str:
    r"""A measure (a cell size, a scale bar's length) written as briefly as it is exact: ``2.5``, ``10``.

    English keeps Python's ``:g`` (``2.5``, ``10000``, as the report always wrote them); Russian shows the
    same decimals (at most 3) with a decimal comma and grouped thousands: ``2,5``, ``10 000``.

    >>> format_measure(2.5), format_measure(10_000), format_measure(0.25, lang="ru")
    ('2.5', '10000', '0,25')
    >>> format_measure(10_000, lang="ru") == "10\u00a0000"
    True
    """
    code = lang or _LANGUAGE.get()
    if code == "en" or code not in LANGUAGES:
        return f"{value:g}"
    decimals = next((d for d in range(4) if round(value, d) == value), 3)
    return format_number(value, decimals=decimals, lang=code)


def format_date(value: dt.date | str, *, lang: str | None = None) -> str:
    """A date (or an ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` text) as written in ``lang``.

    English keeps ISO 8601 (``2024-02-15``); Russian writes ``15.02.2024`` (``02.2024`` for a month). A text
    that is not an ISO date is returned unchanged.

    >>> format_date("2024-02-15"), format_date("2024-02-15", lang="ru"), format_date("2024-02", lang="ru")
    ('2024-02-15', '15.02.2024', '02.2024')
    """
    code = lang or _LANGUAGE.get()
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if code == "en" or code not in LANGUAGES:
        return text
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text[:10] if len(text) > 10 else text)
    if match is None:
        return text
    return ".".join(part for part in reversed(match.groups()) if part)


def format_year(year: int | str, *, lang: str | None = None) -> str:
    r"""A year where a sentence needs it: ``2020``; Russian ``2020 г.`` (a no-break space before ``г.``).

    >>> format_year(2020), format_year(2020, lang="ru")
    ('2020', '2020\xa0г.')
    """
    code = lang or _LANGUAGE.get()
    return str(year) if code == "en" or code not in LANGUAGES else f"{year}{NBSP}г."


# --- the translator's workflow ------------------------------------------------------------------------------


def update_po(lang: str, domain: str, root: Path | None = None) -> Path:
    """Write the ``.po`` file of ``domain`` in ``lang`` from today's English, keeping its translations.

    New keys are added untranslated; an entry whose English changed keeps its translation, marked fuzzy with
    the old English as the previous ``msgid``; keys no longer in the English catalogue are dropped. Entries
    follow the English catalogue's order.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = po_path(lang, domain, root)
    old = read_entries(path)
    created: dt.datetime | None = None
    revised: dt.datetime | None = None
    if path.is_file():
        with path.open("rb") as stream:
            previous = read_po(stream)
        created = previous.creation_date if isinstance(previous.creation_date, dt.datetime) else None
        revised = previous.revision_date if isinstance(previous.revision_date, dt.datetime) else None
    catalog = Catalog(
        locale=lang,
        domain=domain,
        project="deerhabitat",
        msgid_bugs_address="the deerhabitat issue tracker",
        last_translator="deerhabitat translators",
        language_team=f"deerhabitat {lang} translators",
        header_comment=f"# {lang} translation of the deerhabitat {domain!r} messages.\n"
        "# msgctxt: the message key; msgid: the English (deerhabitat.i18n.DOMAINS); msgstr: the\n"
        "# translation. Regenerate with `python -m deerhabitat.i18n update` (make po); check with\n"
        "# `python -m deerhabitat.i18n check`.",
        creation_date=created,
        revision_date=revised,
        charset="utf-8",
        fuzzy=False,
    )
    for key, text in english(domain).items():
        before = old.get(key)
        flags = {"python-brace-format"} if placeholders(text) else set()
        previous_id = ""
        string = ""
        if before is not None:
            string = before.text
            if before.fuzzy and string:
                flags.add("fuzzy")
                previous_id = before.previous
            if before.english != text and string:
                flags.add("fuzzy")
                previous_id = before.english
        catalog.add(text, string, context=key, flags=sorted(flags), previous_id=previous_id or ())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        write_po(stream, catalog, width=0, include_previous=True, no_location=True)
    translations.cache_clear()
    return path


def check_po(lang: str, domain: str, root: Path | None = None) -> list[str]:
    """Problems of the ``.po`` file of ``domain`` in ``lang``, one line each.

    A key untranslated, fuzzy, out of date (translated from other English) or with placeholders other than the
    English ones.
    """
    entries = read_entries(po_path(lang, domain, root))
    problems: list[str] = []
    for key, text in english(domain).items():
        entry = entries.get(key)
        where = f"{lang}/{domain}.po {key}"
        if entry is None or not entry.text:
            problems.append(f"{where}: not translated")
        elif entry.fuzzy:
            problems.append(f"{where}: fuzzy")
        elif entry.english != text:
            problems.append(f"{where}: translated from other English (run update)")
        elif placeholders(entry.text) != placeholders(text):
            problems.append(
                f"{where}: placeholders {sorted(placeholders(entry.text))} but the English has "
                f"{sorted(placeholders(text))}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m deerhabitat.i18n update|check [LANG ...] [--domain NAME]``: the translator's workflow."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m deerhabitat.i18n update|check [LANG ...] [--domain NAME ...]"
    if not args or args[0] not in ("update", "check"):
        print(usage, file=sys.stderr)
        return 2
    verb, rest = args[0], args[1:]
    domains = [rest[i + 1] for i, a in enumerate(rest[:-1]) if a == "--domain"] or list(domain_names())
    langs = [a for i, a in enumerate(rest) if a != "--domain" and (i == 0 or rest[i - 1] != "--domain")]
    langs = langs or [code for code in LANGUAGES if code != "en"]
    duplicates = duplicate_keys()
    if duplicates:
        for key, where in duplicates.items():
            print(f"key {key!r} is in more than one domain: {', '.join(where)}", file=sys.stderr)
        return 1
    if verb == "update":
        for code in langs:
            for domain in domains:
                print(f"wrote {update_po(code, domain)}")
        return 0
    problems = [line for code in langs for domain in domains for line in check_po(code, domain)]
    for line in problems:
        print(line)
    total = sum(len(english(d)) for d in domains) * len(langs)
    print(f"{total - len(problems)} of {total} entries translated and current", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
