"""Every visible text of the national report format, in English, for the ``national_report`` domain.

The texts of the template (sheet titles, field labels and descriptions, drop-down labels, instructions),
of the checks (every problem message and where it is) and of the commands' summary lines are looked up
here by key through :func:`deerhabitat.i18n.message`; the translations are gettext catalogues
(``locale/<lang>/LC_MESSAGES/national_report.po``, ``msgctxt`` = key). Keys start with ``nr.``.

The English label of a field is its name (``count``) and of a coded value the code itself
(``increasing``), so an English template is what it was before translations existed; a Russian one
shows Russian labels, which the reader maps back to the same names and codes
(:func:`field_for_header`, :func:`code_for_label`, :func:`section_for_title`).

Examples
--------
>>> field_label("count", "en"), code_label("trend", "increasing", "en")
('count', 'increasing')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from deerhabitat.nrschema import (
    CODE_LISTS,
    EXPECTED_TEXTS,
    FREE_TEXT_FIELDS,
    SECTIONS,
    SECTIONS_BY_KEY,
    TRANSLATION_LANGUAGES,
    Section,
)

DOMAIN = "national_report"
"""The i18n domain of these texts."""

TEMPLATE_LANGUAGES = ("en", "ru")
"""Languages a national report template is written in."""


def _description_keys() -> dict[tuple[str, str], str]:
    """(section, field) → key of its description: ``nr.desc.<field>`` when every section says the same."""
    texts: dict[str, set[str]] = {}
    for section in SECTIONS:
        for fld in section.fields:
            texts.setdefault(fld.name, set()).add(fld.description)
    return {
        (section.key, fld.name): (
            f"nr.desc.{fld.name}" if len(texts[fld.name]) == 1 else f"nr.desc.{section.key}.{fld.name}"
        )
        for section in SECTIONS
        for fld in section.fields
    }


DESCRIPTION_KEYS: Mapping[tuple[str, str], str] = _description_keys()


def _schema_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for section in SECTIONS:
        texts[f"nr.sheet.{section.key}"] = section.sheet
        texts[f"nr.section.{section.key}"] = section.description
        for fld in section.fields:
            texts[f"nr.label.{fld.name}"] = fld.name
            texts[DESCRIPTION_KEYS[(section.key, fld.name)]] = fld.description
    for name, codes in CODE_LISTS.items():
        for code in codes:
            texts[f"nr.code.{name}.{code}"] = code
    for dtype, text in EXPECTED_TEXTS.items():
        texts[f"nr.expected.{dtype}"] = text
    return texts


_MESSAGES: dict[str, str] = {
    # what a field accepts
    "nr.expected.code": "one of: {codes}",
    "nr.expected.range": "{text} from {low} to {high}",
    "nr.expected.minimum": "{text} of at least {low}",
    # the workbook
    "nr.sheet.about": "About",
    "nr.about.title": "National report — deerhabitat format {version}",
    "nr.about.sheets": "Fill in one sheet per section: 'Report' (who reports, the period) as field / value "
    "rows; the other sheets one row per entry under the header row. Highlighted headers are required in "
    "every row you add.",
    "nr.about.dates": "Coded fields have drop-down lists. Dates are text: YYYY, YYYY-MM or YYYY-MM-DD (a "
    "year or month alone is fine; never a date in the future). Cite a source for every figure.",
    "nr.about.positions": "Positions are decimal degrees in WGS 84 (latitude, longitude). Areas are km2 "
    "(1 km2 = 100 ha).",
    "nr.about.commands": "Check the file with: deerhabitat national-report validate FILE.xlsx   Import it "
    "with: deerhabitat national-report import FILE.xlsx --store STORE.gpkg",
    "nr.about.rename": "Do not rename the sheets or the header cells; add rows below the headers. The hidden "
    "'Lists' sheet holds the coded lists.",
    "nr.about.translations": "Free text (names, descriptions, notes) may be given in the MOU's other "
    "language too: add a column headed like the field with _en or _ru (description_ru), or on 'Report' a "
    "row.",
    "nr.about.column.sheet": "sheet",
    "nr.about.column.field": "field",
    "nr.about.column.required": "required",
    "nr.about.column.accepts": "accepts",
    "nr.about.column.description": "description",
    "nr.about.yes": "yes",
    "nr.report_sheet.field": "field",
    "nr.report_sheet.value": "value",
    "nr.report_sheet.description": "description",
    "nr.comment.required": "(required) {text}",
    "nr.comment.field": "{description}; {expected}",
    "nr.check.pick": "Pick one of: {codes}.",
    "nr.check.write": "Write {expected}.",
    "nr.check.title": "Invalid {name}",
    "nr.check.year": "Write a year such as 2023.",
    "nr.check.year_title": "Not a year",
    # where a problem is in a YAML file
    "nr.where.report": "the report",
    "nr.where.line": "{path} (line {line})",
    "nr.where.entry_line": "{path} (entry at line {line})",
    # where a problem is in a workbook
    "nr.where.sheet": "sheet {sheet}",
    "nr.where.row": "sheet {sheet} row {row}",
    "nr.where.column": "{place}, column {column}",
    "nr.where.sheet_column": "sheet {sheet} column {column}",
    "nr.where.report_field": "{row} ({field})",
    "nr.where.report_no_row": "sheet {sheet} (no row for {field})",
    # problems of a workbook's layout
    "nr.err.not_xlsx": "not an Excel .xlsx workbook ({hint}: {error}); save it from Excel or LibreOffice as "
    ".xlsx, or start from `deerhabitat national-report template --format xlsx`",
    "nr.err.zip_not_workbook": "it is a zip file but not a readable workbook",
    "nr.err.not_zip": "the bytes are not a zip-based .xlsx file",
    "nr.err.second_sheet": "a second sheet for section {key}; keep one sheet named {sheet} and move its rows "
    "there",
    "nr.err.no_field_name": "value {value} has no field name in column A; write the field name there",
    "nr.err.field_twice": "field {field} appears twice (rows {first} and {row}); keep one row",
    "nr.err.header_repeats": "header {header} repeats an earlier column; keep one column per field",
    "nr.err.no_header": "value {value} is in a column without a header; put the field name in row 1 or move "
    "the value",
    # problems of a report that does not fit the store
    "nr.err.not_range_state": "{country} is not a range state of this store ({states}); correct the country "
    "code, or import into a store for this country's species",
    "nr.err.other_country_site": "site {site} is in {iso3} in the store, not in {country}; a national report "
    "covers its own country's sites: correct the site id",
    "nr.err.unknown_site": "site {site} is not in the store and the entry has no latitude/longitude; use the "
    "store's site id (see `deerhabitat export sites`) or give the site's coordinates to add it",
    "nr.err.destination_site": "destination site",
    "nr.err.source_site": "source site",
    "nr.err.unknown_release_site": "{what} {site} is not in the store nor among the report's populations "
    "with coordinates; use the store's site id, or add the site with its coordinates under populations",
    # the command's summary lines
    "nr.cli.problems": "{path}: {n} problem(s); fix them (see docs/national-report-format.md) and check "
    "again with `deerhabitat national-report validate`",
    "nr.cli.valid": "{path}: valid national report of {country} for {period} ({entries})",
    "nr.cli.entries": "{n} {name}",
    "nr.cli.no_entries": "no entries",
    "nr.cli.template": "Wrote the {country} national report template {path} ({what})",
    "nr.cli.prefilled": "prefilled from {store}",
    "nr.cli.empty": "empty",
    "nr.cli.imported": "Imported the national report of {country} for {period} (version {version}, "
    "{filename}): {counts} population counts, {sites} new sites, {releases} releases, {protected} new "
    "protected areas",
    "nr.cli.withdrawn": "; {n} features of an earlier version withdrawn",
    # the YAML template
    "nr.yaml.head": "National report, deerhabitat format {version} (docs/national-report-format.md).",
    "nr.yaml.fill": "Fill in each section; keys marked (required) need a value. Dates: YYYY, YYYY-MM or "
    "YYYY-MM-DD.",
    "nr.yaml.check": "Check the file with: deerhabitat national-report validate THIS_FILE",
    # a prefilled template
    "nr.prefill.ask": "Write the new count, date, method, trend and source, or delete this row if the site "
    "was not counted.",
    "nr.prefill.no_count": "No count of this site in the store. {ask}",
    "nr.prefill.previous": "Previous count in the store: {count} ({date}, {method}; source: {source}). {ask}",
    "nr.prefill.last_status": "Last reported status: {status} ({period}). Update it for this period.",
    "nr.prefill.never": "Never reported. Give its status for this period.",
    # what was typed
    "nr.kind.yes_no": "a yes/no value",
    "nr.kind.a_number": "a number",
    "nr.kind.text": "text",
    "nr.kind.mapping": "a mapping",
    "nr.kind.list": "a list",
    "nr.kind.other": "a {name}",
    "nr.kind.whole_number": "a whole number",
    "nr.kind.number": "a number",
    "nr.word.or": " or ",
    "nr.word.none": "none",
    # problems with one value
    "nr.err.value": "{reason}; expected {expected}; {fix}",
    "nr.fix.pick": "pick one from the list",
    "nr.fix.correct": "correct the value",
    "nr.err.not_valid": "{shown} is not valid",
    "nr.err.not_kind": "{shown} is {kind}, not {expected}",
    "nr.err.not_number": "{shown} is not a number",
    "nr.err.decimal_point": "{shown} is not a number (write decimals with a point: {point})",
    "nr.err.not_number_ru": "{shown} is not a number (in a Russian template write 3 500 or 1 475,5: spaces "
    "between thousands, a comma before decimals)",
    "nr.err.ambiguous_number": "{shown} is ambiguous: with a decimal comma it is {decimal}, with a thousands "
    "comma {thousands}; write {grouped} for the whole number, or {point} for the decimal",
    "nr.err.not_whole": "{shown} is not a whole number",
    "nr.err.not_year": "{shown} is not a year",
    "nr.err.year_range": "{shown} is not a year between 1700 and {year}",
    "nr.err.not_yes_no": "{shown} is neither yes nor no",
    "nr.err.not_single": "{shown} is {kind}, not a single value",
    "nr.err.not_iso3": "{shown} is not an ISO 3166-1 alpha-3 code",
    "nr.err.not_iso3_list": "{codes} not ISO 3166-1 alpha-3 code(s)",
    "nr.err.not_email": "{shown} is not an e-mail address",
    "nr.err.not_allowed": "{text} is not an allowed value{hint}",
    "nr.err.did_you_mean_value": " (did you mean {close}?)",
    "nr.err.not_date": "{shown} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD",
    "nr.err.not_calendar_date": "{shown} is not a calendar date (no such month or day)",
    "nr.err.future_date": "{shown} is in the future or before 1700; dates must lie between 1700 and today",
    "nr.err.two_digit_year": "{shown} has a two-digit year; write the year in full, e.g. 31.12.2020",
    "nr.err.slash_date": "{shown} is ambiguous (day/month or month/day?); write 31.12.2020 (day.month.year) "
    "or 2020-12-31",
    "nr.err.negative": "{shown} is negative",
    "nr.err.out_of_range": "{shown} is out of range",
    "nr.err.missing": "missing; required: {description}{accepts}; fill it in",
    # problems with keys, sections and entries
    "nr.err.did_you_mean": "did you mean {close}? ",
    "nr.err.in_entries": " (in {n} entries)",
    "nr.err.unknown_key": "unknown key {key}{many}; allowed keys: {keys}; {hint}rename or remove it",
    "nr.err.missing_column": "missing in every entry (required); expected {expected}; add {name} to each "
    "entry",
    "nr.err.empty": "the report is empty; it needs at least the 'report' section; start from `deerhabitat "
    "national-report template`",
    "nr.err.not_sections": "the report must be a mapping of sections ({sections}), not {kind} {shown}; start "
    "from `deerhabitat national-report template`",
    "nr.err.unknown_section": "unknown section {key}; sections: {sections}; {hint}rename or remove it",
    "nr.err.section_sheet": "{key} (sheet {sheet})",
    "nr.err.is_missing": "missing",
    "nr.err.not_fields": "{kind}, not a mapping of fields",
    "nr.err.section_not_mapping": "section {key} is {what}; it needs the fields {fields}; fill it in",
    "nr.err.section_not_list": "section {key} must be a list of entries (one per row), not {kind}; write "
    "each entry as '- key: value'",
    "nr.err.entry_not_mapping": "entry {shown} is {kind}, not a mapping of keys ({keys} ...); rewrite it",
    # problems between values
    "nr.err.format_version": "{shown} is not a known format version; expected {known}; use a current "
    "template",
    "nr.err.period_order": "the period ends ({end}) before it starts ({start}); the end must be the same "
    "year or later; correct period_start/period_end",
    "nr.err.submitted_early": "{shown} is before the period starts ({start}); a report is submitted during "
    "or after its period; correct the date",
    "nr.err.research_years": "{end} is before year_start {start}; correct one of them",
    "nr.err.count_after_submission": "{shown} is after the submission date {submitted}; a count is dated on "
    "or before the report; correct the date",
    "nr.err.bounds": "lower <= count <= upper does not hold ({lower}, {count}, {upper}); correct the "
    "estimate or its bounds",
    "nr.err.breakdown": "males + females + young = {total} is more than the count {count}; correct the count "
    "or its breakdown",
    "nr.err.captive_site": "is 'no' but site_status is 'captive'; animals at a captive site are captive: "
    "write 'yes' or change the status",
    "nr.err.same_site": "{value} differs from {first} given for site {site} at {where}; one site has one "
    "{name}: make them equal",
    "nr.err.release_source": "neither source_site_id nor source_name is given; say where the animals came "
    "from (a site id, or in words such as 'not stated')",
    "nr.err.released_breakdown": "males + females = {total} is more than n_released {released}; correct one "
    "of them",
    "nr.err.release_after_submission": "{shown} is after the submission date {submitted}; a release is dated "
    "on or before the report; correct the date",
    "nr.err.stock_breakdown": "males + females + young = {parts} is more than the total {total}; correct the "
    "total or its breakdown",
    "nr.err.stock_after_submission": "{shown} is after the submission date {submitted}; a stock count is "
    "dated on or before the report; correct the date",
    "nr.err.one_coordinate": "missing while {given} is given; give both coordinates (decimal degrees, "
    "WGS 84) or neither",
    "nr.err.repeats": "{shown} repeats {where}; each entry needs its own {names}: merge the entries or "
    "correct one",
    # the file itself: reading it (deerhabitat.io.national_report; nr.file.limit is
    # deerhabitat.io.workbook.limit_error's) and writing a template
    "nr.file.missing": "national report {path} does not exist; check the path",
    "nr.file.unreadable": "cannot read the national report {path} ({reason}); check that it is a readable "
    "file",
    "nr.file.unsupported": "unsupported file type {suffix}; a national report is a YAML (.yaml, .yml) or "
    "Excel (.xlsx) file; save it as one of these (start from `deerhabitat national-report template`)",
    "nr.file.no_extension": "(no extension)",
    "nr.file.not_utf8": "byte {byte} at position {position} is not UTF-8 text; a YAML report must be UTF-8 "
    "(or is this an Excel file? then name it .xlsx); save it as UTF-8",
    "nr.file.yaml_place": "{file} line {line}, column {column}",
    "nr.file.not_yaml": "not valid YAML ({error}); correct the YAML (indent nested keys by two spaces, quote "
    "text that contains ': ' or ' #')",
    "nr.file.not_readable_yaml": "not readable as YAML ({error}); remove control characters, or save the "
    "file again as UTF-8 text",
    "nr.file.duplicate_key": "key {key} appears twice (lines {first} and {line}); only the last would count; "
    "keep one",
    "nr.file.limit": "{file}: {found} (limit: {option} {value}); a file this large or complex is more likely "
    "damaged or built to exhaust memory than real data: check it, or if it is genuine raise the limit, e.g. "
    "{option} {raised}",
    "nr.file.too_large": "the file is {size} MB",
    "nr.file.mb": "MB",
    "nr.file.yaml_values": "more than {n} values (each alias counted as what it repeats)",
    "nr.file.yaml_depth": "lists and mappings nested deeper than {n} levels",
    "nr.file.yaml_keys": "a mapping with more than {n} keys",
    "nr.file.yaml_items": "more than {n} list items",
    "nr.file.alias_loop": "alias {alias} repeats a list or mapping that contains it, without end",
    "nr.file.sheets": "the workbook has {n} sheets",
    # a workbook (deerhabitat.io.workbook, shared with the layer imports)
    "nr.file.uncompressed": "the workbook's parts expand to {size} MB",
    "nr.file.refused": "{file}: refusing the workbook: {problems}; save it again from Excel or LibreOffice "
    "as .xlsx",
    "nr.file.rows": "more than {n} rows with data (sheet {sheet} and those before it)",
    "nr.file.columns": "sheet {sheet} row {row} has a value in column {column}",
    "nr.file.sheet.invalid": "{file}: sheet {sheet} is not a valid Excel sheet ({why}); save the workbook "
    "again from Excel or LibreOffice as .xlsx",
    "nr.file.sheet.nesting": "its XML nests deeper or wider than any sheet",
    "nr.file.sheet.row_text": "row number {row} is not a whole number",
    "nr.file.sheet.row_range": "row number {row} is outside 1 to {most}",
    "nr.file.sheet.cell": "cell {cell} cannot be read ({error})",
    "nr.file.sheet.column": "cell {cell} is beyond column XFD",
    "nr.file.sheet.cells": "a row holds more cells than Excel allows",
    "nr.file.active": "{file}: the workbook holds {parts}; a national report is kept whole in the store and "
    "shared, so it must be a plain workbook: remove the macros and links (Data > Edit Links > Break Link) "
    "and save it as 'Excel Workbook (.xlsx)'",
    "nr.file.part.vba": "VBA macros",
    "nr.file.part.macrosheets": "Excel 4.0 macro sheets",
    "nr.file.part.dialogsheets": "dialog sheets",
    "nr.file.part.activex": "ActiveX controls",
    "nr.file.part.embeddings": "embedded objects (OLE)",
    "nr.file.part.external_links": "links to other workbooks",
    "nr.file.part.connections": "external data connections",
    "nr.file.part.macro_enabled": "a macro-enabled workbook type",
    "nr.file.exists": "{path} already exists; choose another --out path, or pass --overwrite",
    "nr.file.cannot_write": "cannot write {path} ({reason}); check the folder exists and is writable",
    # translations of free text (format 1.2)
    "nr.label.translation.en": "{label}_en",
    "nr.label.translation.ru": "{label}_ru",
    "nr.desc.translation.en": "the text of '{label}' in English (a translation: optional)",
    "nr.desc.translation.ru": "the text of '{label}' in Russian (a translation: optional)",
}
"""The texts that are not derived from the format's description."""

ENGLISH: Mapping[str, str] = {**_schema_texts(), **_MESSAGES}
"""Every English text of the domain, by key (registered with :mod:`deerhabitat.i18n`)."""


def text(key: str, lang: str | None = None, /, **values: object) -> str:
    """The text of ``key`` in ``lang`` (default: the current language), placeholders filled."""
    from deerhabitat.i18n import message

    return message(key, lang=lang, **values)


def sheet_title(section: Section, lang: str | None = None) -> str:
    """The sheet title of ``section`` in ``lang`` (``Populations``, ``Популяции``)."""
    return text(f"nr.sheet.{section.key}", lang)


def field_label(name: str, lang: str | None = None) -> str:
    """The label of field ``name`` in ``lang``: the name itself in English.

    A translation of a free-text field is labelled after it (``описание (рус.)`` in Russian).

    Examples
    --------
    >>> field_label("description_ru"), field_label("description_ru", "ru")
    ('description_ru', 'описание (рус.)')
    """
    base, _, code = name.rpartition("_")
    if code in TRANSLATION_LANGUAGES and base in FREE_TEXT_FIELDS:
        return text(f"nr.label.translation.{code}", lang, label=field_label(base, lang))
    return text(f"nr.label.{name}", lang)


def field_description(section: Section, name: str, lang: str | None = None) -> str:
    """What field ``name`` of ``section`` holds, in ``lang``."""
    translation = section.translation(name)
    if translation is not None and translation.translation_of is not None:
        code = name.rpartition("_")[2]
        label = field_label(translation.translation_of, lang)
        return text(f"nr.desc.translation.{code}", lang, label=label)
    return text(DESCRIPTION_KEYS[(section.key, name)], lang)


def code_label(codes: str, code: str, lang: str | None = None) -> str:
    """The label of ``code`` of the coded list ``codes`` in ``lang``: the code itself in English."""
    return text(f"nr.code.{codes}.{code}", lang)


def normalise(label: object) -> str:
    """A label or header as compared: case-folded, ``ё`` as ``е``, spaces and underscores as one space.

    Examples
    --------
    >>> normalise("  Site_ID "), normalise("Тенденция  Численности"), normalise("Учёт")
    ('site id', 'тенденция численности', 'учет')
    """
    return re.sub(r"[\s_]+", " ", str(label).casefold().replace("ё", "е")).strip()


@functools.cache
def _code_lookup(codes: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for lang in TEMPLATE_LANGUAGES:
        for code in CODE_LISTS[codes]:
            lookup.setdefault(normalise(code_label(codes, code, lang)), code)
    for code in CODE_LISTS[codes]:
        lookup[normalise(code)] = code
    return lookup


def code_for_label(codes: str, label: str) -> str | None:
    """The code of the coded list ``codes`` that ``label`` names in any language (or the code itself).

    Examples
    --------
    >>> code_for_label("trend", "Increasing"), code_for_label("trend", "up")
    ('increasing', None)
    """
    return _code_lookup(codes).get(normalise(label))


@functools.cache
def _header_lookup(key: str) -> dict[str, str]:
    section = SECTIONS_BY_KEY[key]
    lookup: dict[str, str] = {}
    translations = [
        f"{fld.name}_{code}" for fld in section.fields if fld.translatable for code in TRANSLATION_LANGUAGES
    ]
    for lang in TEMPLATE_LANGUAGES:
        for name in [*(fld.name for fld in section.fields), *translations]:
            lookup.setdefault(normalise(field_label(name, lang)), name)
    for name in [*(fld.name for fld in section.fields), *translations]:
        lookup[normalise(name)] = name
    return lookup


def field_for_header(section: Section, header: object) -> str:
    """The field name a header (or a Report sheet row label) names in any language; else the header as a key.

    Examples
    --------
    >>> field_for_header(SECTIONS_BY_KEY["populations"], "Site ID")
    'site_id'
    """
    if header is None:
        return ""
    return _header_lookup(section.key).get(normalise(header), normalise(header).replace(" ", "_"))


@functools.cache
def _title_lookup() -> dict[str, tuple[str | None, str]]:
    """Normalised sheet title → (section key or None, language); None for the About and Lists sheets."""
    lookup: dict[str, tuple[str | None, str]] = {}
    for lang in TEMPLATE_LANGUAGES:
        for section in SECTIONS:
            for title in (sheet_title(section, lang),):
                lookup.setdefault(normalise(title), (section.key, lang))
        lookup.setdefault(normalise(text("nr.sheet.about", lang)), (None, lang))
    for section in SECTIONS:
        lookup[normalise(section.key)] = (section.key, "en")
    return lookup


def section_for_title(title: str) -> tuple[Section | None, str | None]:
    """The section a sheet title names in any language, and that language; (None, None) if none.

    Examples
    --------
    >>> section, lang = section_for_title("protected_areas")
    >>> section.sheet, lang
    ('Protected areas', 'en')
    """
    key, lang = _title_lookup().get(normalise(title), (None, None))
    return (SECTIONS_BY_KEY[key] if key else None), lang


def is_about_title(title: str) -> bool:
    """Whether ``title`` is the instructions sheet's title in some language."""
    found = _title_lookup().get(normalise(title))
    return found is not None and found[0] is None
