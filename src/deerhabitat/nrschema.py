"""The national report format: sections, fields, coded lists, and validation that lists every problem.

A national report is what a Range State's focal point submits under the MOU: who reports, for which
period, and what happened to the species. The format is modelled on the reporting themes of the CMS
Bukhara Deer MOU (country, period, authority and focal point; populations per site; distribution and
habitat; protected areas; threats; conservation measures including releases; research and monitoring;
community involvement; international cooperation; Work Programme actions; problems, gaps and
priorities). The same description drives the YAML and Excel readers and writers (``deerhabitat.io``),
the Excel drop-down lists, and ``docs/national-report-format.md``.

This module is pure: it describes and checks plain Python data (what ``yaml.safe_load`` gives, or what
the Excel reader builds), and knows nothing of files. Each problem names where it is through a
*locator*, so the same check says ``populations[2].count`` for YAML and
``sheet 'Populations' row 5, column 'count'`` for Excel.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from deerhabitat.errors import Problem, ReportFormatError
from deerhabitat.schema import (
    COUNT_METHODS,
    ISO3_CODES,
    IUCN_CATEGORIES,
    SITE_SCOPES,
    SITE_STATUSES,
    parse_date,
)

FORMAT_VERSION = "1.2"
"""Version of the national report format described here."""
KNOWN_VERSIONS = ("1.0", "1.1", "1.2")
"""Format versions read: 1.1 added legal status, poaching, mortality, captive stock, capacity and
finance, and the ``illustrative`` flag; 1.2 added translations of free text (``description_ru``). An
older report is a valid report of the current version."""

TRANSLATION_LANGUAGES = ("en", "ru")
"""The MOU's languages: a free-text field ``X`` may carry its text in either as ``X_en`` or ``X_ru``."""

FREE_TEXT_FIELDS = frozenset(
    {
        "authority",
        "focal_point_name",
        "focal_point_position",
        "note",
        "site_name",
        "river",
        "notes",
        "area",
        "name",
        "designation",
        "description",
        "category",
        "penalty",
        "source_name",
        "outcome",
        "facility",
        "activity",
        "partners",
        "organisations",
        "action",
        "comment",
        "text",
    }
)
"""Text fields written in words (not ids, codes, citations or versions): the ones that may be translated."""

CODE_LISTS: Mapping[str, tuple[str, ...]] = {
    "site-status": SITE_STATUSES,
    "site-scope": SITE_SCOPES,
    "count-method": COUNT_METHODS,
    "trend": ("increasing", "stable", "decreasing", "fluctuating", "unknown"),
    "coord-quality": ("H", "M", "L"),
    "iucn-category": IUCN_CATEGORIES,
    "threat": (
        "water-regulation",
        "tugai-loss",
        "overgrazing",
        "poaching",
        "fragmentation",
        "overpopulation",
        "flood",
        "drought",
        "fire",
        "predation",
        "disease",
        "other",
    ),
    "severity": ("high", "medium", "low", "unknown"),
    "measure": (
        "legal-protection",
        "enforcement",
        "protected-area",
        "habitat-restoration",
        "water-management",
        "reintroduction",
        "captive-breeding",
        "awareness",
        "other",
    ),
    "measure-status": ("planned", "ongoing", "completed"),
    "habitat-condition": ("good", "fair", "poor", "unknown"),
    "water-regime": ("natural-floods", "regulated", "artificial-flooding", "no-floods", "unknown"),
    "research-kind": ("survey", "telemetry", "camera-trap", "habitat-study", "genetics", "other"),
    "wp-status": ("not-started", "planned", "in-progress", "completed", "not-applicable"),
    "priority-kind": ("problem", "gap", "priority"),
    "legal-instrument": (
        "red-book",
        "hunting-ban",
        "species-law",
        "protected-area-law",
        "cites",
        "international-agreement",
        "other",
    ),
    "capacity-kind": ("staff", "rangers", "equipment", "training", "funding", "institution", "other"),
    "mortality-cause": (
        "disease",
        "predation",
        "starvation",
        "flood",
        "drought",
        "fire",
        "road",
        "fence",
        "other",
        "unknown",
    ),
    "yes-no-unknown": ("yes", "no", "unknown"),
    "yes-no": ("yes", "no"),
}
"""Every coded list, by name. Excel templates offer each as a drop-down list."""

FieldType = Literal["text", "int", "float", "bool", "date", "year", "iso3", "iso3-list", "email", "code"]
Path = tuple[str | int, ...]
Locator = Callable[[Path], str]

_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Field:
    """One field of a section (a key in YAML, a column or a row of the Report sheet in Excel).

    Parameters
    ----------
    name : str
        Key / column header.
    dtype : str
        ``text``, ``int``, ``float``, ``bool`` (yes/no), ``date`` (YYYY, YYYY-MM or YYYY-MM-DD, not in
        the future), ``year``, ``iso3``, ``iso3-list`` (comma-separated), ``email`` or ``code``.
    description : str
        What the field holds, for templates and documentation.
    required : bool
        Whether a value must be given.
    codes : str, optional
        Name of the coded list in :data:`CODE_LISTS` (``dtype="code"``).
    minimum, maximum : float, optional
        Inclusive bounds of a number.
    translation_of : str, optional
        For the translation ``description_ru`` of a free-text field, that field's name.
    """

    name: str
    dtype: FieldType
    description: str
    required: bool = False
    codes: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    translation_of: str | None = None

    @property
    def translatable(self) -> bool:
        """Whether the field is free text that may carry translations (``description_ru``)."""
        return self.dtype == "text" and self.translation_of is None and self.name in FREE_TEXT_FIELDS

    @property
    def allowed(self) -> tuple[str, ...]:
        """The coded values of a ``code`` field (empty for other types)."""
        return CODE_LISTS[self.codes] if self.codes else ()

    def expected(self, lang: str | None = None) -> str:
        """Describe the values the field accepts, for messages and documentation.

        Parameters
        ----------
        lang : str, optional
            Language (default: the current one of :mod:`deerhabitat.i18n`); coded values are shown
            by their labels in that language.

        Examples
        --------
        >>> Field("count", "int", "animals", minimum=0).expected()
        'a whole number of at least 0'
        """
        from deerhabitat.nrtext import code_label, text

        if self.dtype == "code":
            assert self.codes is not None
            labels = ", ".join(code_label(self.codes, code, lang) for code in self.allowed)
            return text("nr.expected.code", lang, codes=labels)
        kind = text(f"nr.expected.{self.dtype}", lang)
        if self.minimum is not None and self.maximum is not None:
            return text(
                "nr.expected.range",
                lang,
                text=kind,
                low=_number_text(self.minimum, lang),
                high=_number_text(self.maximum, lang),
            )
        if self.minimum is not None:
            return text("nr.expected.minimum", lang, text=kind, low=_number_text(self.minimum, lang))
        return kind


def _number_text(value: float, lang: str | None = None) -> str:
    r"""Write a bound for a message: thousands separated, no trailing ``.0`` (Russian: ``10 000 000``).

    Examples
    --------
    >>> _number_text(10_000_000), _number_text(-90), _number_text(0.5)
    ('10,000,000', '-90', '0.5')
    >>> _number_text(10_000_000, "ru"), _number_text(0.5, "ru")
    ('10\xa0000\xa0000', '0,5')
    """
    from deerhabitat.i18n import current_language, format_number

    if float(value).is_integer():
        return format_number(value, lang=lang)
    shown = f"{value:g}"
    return shown.replace(".", ",") if (lang or current_language()) == "ru" else shown


EXPECTED_TEXTS: Mapping[str, str] = {
    "text": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "yes or no",
    "date": "a date written YYYY, YYYY-MM or YYYY-MM-DD, not in the future",
    "year": "a year (YYYY), not in the future",
    "iso3": "an ISO 3166-1 alpha-3 country code such as KAZ, UZB, TJK, TKM or AFG",
    "iso3-list": "ISO 3166-1 alpha-3 country codes separated by commas, such as 'KAZ, UZB'",
    "email": "an e-mail address such as name@example.org",
}


@dataclass(frozen=True)
class Section:
    """One section of a national report: a YAML key, an Excel sheet.

    Parameters
    ----------
    key : str
        YAML key (``populations``).
    sheet : str
        Excel sheet name (``Populations``).
    description : str
        What the section holds.
    fields : tuple of Field
        Its fields, in column order.
    many : bool, default True
        A list of entries (one Excel row each); False for the single ``report`` mapping.
    required : bool, default False
        Whether the section must be present.
    """

    key: str
    sheet: str
    description: str
    fields: tuple[Field, ...]
    many: bool = True
    required: bool = False

    def field(self, name: str) -> Field | None:
        """Return the field called ``name`` (a translation such as ``description_ru`` too), or None."""
        return next((f for f in self.fields if f.name == name), None) or self.translation(name)

    def translation(self, name: str) -> Field | None:
        """The field ``name`` when it is a translation of a free-text field (``description_ru``), else None.

        Examples
        --------
        >>> SECTIONS_BY_KEY["threats"].translation("description_ru").translation_of
        'description'
        >>> SECTIONS_BY_KEY["threats"].translation("site_id_ru") is None
        True
        """
        base, sep, lang = name.rpartition("_")
        original = next((f for f in self.fields if f.name == base), None) if sep else None
        if lang not in TRANSLATION_LANGUAGES or original is None or not original.translatable:
            return None
        return Field(name, "text", f"{original.description}, in {_LANGUAGE_NAMES[lang]}", translation_of=base)

    def fields_given(self, entries: Sequence[Mapping[str, Any]]) -> list[Field]:
        """The fields, each followed by its translations that some entry gives a value for.

        What a writer shows: every field of the format, and the translations the report has.
        """
        given = {str(k) for entry in entries for k, v in entry.items() if not _is_missing(v)}
        out: list[Field] = []
        for fld in self.fields:
            out.append(fld)
            for lang in TRANSLATION_LANGUAGES if fld.translatable else ():
                if f"{fld.name}_{lang}" in given:
                    out.append(self.translation(f"{fld.name}_{lang}"))  # type: ignore[arg-type]
        return out

    @property
    def field_names(self) -> list[str]:
        """Names of the fields, in column order."""
        return [f.name for f in self.fields]


_LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}


def _f(name: str, dtype: FieldType, description: str, **kw: Any) -> Field:
    return Field(name, dtype, description, **kw)


_LAT = _f("latitude", "float", "latitude in decimal degrees (WGS 84)", minimum=-90, maximum=90)
_LON = _f("longitude", "float", "longitude in decimal degrees (WGS 84)", minimum=-180, maximum=180)
_QUALITY = _f(
    "coord_quality",
    "code",
    "how good the position is: H taken from a source with coordinates, "
    "M placed from a described place, L rough (10-50 km)",
    codes="coord-quality",
)
_MAX_ANIMALS = 10_000_000
"""Upper bound of any number of animals (a typo guard far above any population of the CAMI species)."""
_SOURCE_REQ = _f(
    "source", "text", "where the figure comes from (publication, survey report, URL)", required=True
)
_SOURCE = _f("source", "text", "where the statement comes from (publication, document, URL)")
_NOTES = _f("notes", "text", "anything else worth knowing")

SECTIONS: tuple[Section, ...] = (
    Section(
        "report",
        "Report",
        "Who reports, for which country and period.",
        many=False,
        required=True,
        fields=(
            _f("format_version", "text", f"version of this format ({FORMAT_VERSION})"),
            _f("country", "iso3", "the reporting Range State", required=True),
            _f("country_name", "text", "the country's name"),
            _f("period_start", "year", "first year the report covers", required=True),
            _f("period_end", "year", "last year the report covers", required=True),
            _f("submitted", "date", "date the report was submitted (or compiled)", required=True),
            _f("authority", "text", "the national authority responsible for the MOU", required=True),
            _f("focal_point_name", "text", "the national focal point (person or office)", required=True),
            _f("focal_point_position", "text", "the focal point's position"),
            _f("focal_point_email", "email", "the focal point's e-mail"),
            _f("language", "text", "language of the free text"),
            _f("note", "text", "status of the report (e.g. official submission, or an illustration)"),
            _f(
                "illustrative",
                "bool",
                "yes when the report was compiled for illustration and is not an official submission "
                "(default: no)",
            ),
        ),
    ),
    Section(
        "populations",
        "Populations",
        "Population per site: one entry per site and count.",
        fields=(
            _f(
                "site_id",
                "text",
                "site identifier; use the store's site id for a known site (e.g. UZB-LABR)",
                required=True,
            ),
            _f("site_name", "text", "name of the site or population", required=True),
            _f(
                "site_status",
                "code",
                "origin of the population at the site",
                required=True,
                codes="site-status",
            ),
            _f(
                "scope",
                "code",
                "'site' (default) for one population; 'country' for a national total standing "
                "for all the country's populations",
                codes="site-scope",
            ),
            _f("river", "text", "river or basin"),
            _LAT,
            _LON,
            _QUALITY,
            _f("date", "date", "date (or year) of the count or estimate", required=True),
            _f(
                "count",
                "int",
                "number of animals counted or estimated",
                required=True,
                minimum=0,
                maximum=_MAX_ANIMALS,
            ),
            _f("lower", "int", "lower bound of the estimate", minimum=0, maximum=_MAX_ANIMALS),
            _f("upper", "int", "upper bound of the estimate", minimum=0, maximum=_MAX_ANIMALS),
            _f("method", "code", "how the number was obtained", required=True, codes="count-method"),
            _f(
                "captive",
                "bool",
                "animals in a zoo, breeding centre or enclosure (default: yes when "
                "site_status is captive, else no)",
            ),
            _f("trend", "code", "trend of the population over the period", required=True, codes="trend"),
            _f("males", "int", "adult males, if known", minimum=0, maximum=_MAX_ANIMALS),
            _f("females", "int", "adult females, if known", minimum=0, maximum=_MAX_ANIMALS),
            _f("young", "int", "young (fawns and yearlings), if known", minimum=0, maximum=_MAX_ANIMALS),
            _SOURCE_REQ,
            _NOTES,
        ),
    ),
    Section(
        "distribution",
        "Distribution",
        "Distribution and habitat: occupied areas, tugai, water regime.",
        fields=(
            _f("area", "text", "area or river stretch described", required=True),
            _f("river", "text", "river or basin"),
            _f("year", "year", "year the description refers to"),
            _f("occupied_area_km2", "float", "area occupied by the deer, km2", minimum=0),
            _f("tugai_area_km2", "float", "area of tugai (riparian forest), km2", minimum=0),
            _f("habitat_condition", "code", "condition of the habitat", codes="habitat-condition"),
            _f("water_regime", "code", "flooding or water regime", codes="water-regime"),
            _SOURCE_REQ,
            _NOTES,
        ),
    ),
    Section(
        "protected_areas",
        "Protected areas",
        "Protected areas covering the species.",
        fields=(
            _f("pa_id", "text", "WDPA id where known, else a readable id"),
            _f("name", "text", "name of the protected area", required=True),
            _f("designation", "text", "national designation (zapovednik, national park ...)", required=True),
            _f(
                "iucn_cat",
                "code",
                "IUCN management category (WDPA values)",
                required=True,
                codes="iucn-category",
            ),
            _f("area_km2", "float", "reported area, km2", minimum=0),
            _f("established_year", "year", "year of establishment"),
            _LAT,
            _LON,
            _QUALITY,
            _f("deer_present", "bool", "whether Bukhara deer live in it"),
            _f("management_plan", "code", "whether it has a management plan", codes="yes-no-unknown"),
            _SOURCE_REQ,
            _NOTES,
        ),
    ),
    Section(
        "threats",
        "Threats",
        "Threats and pressures, with their severity.",
        fields=(
            _f("threat", "code", "kind of threat", required=True, codes="threat"),
            _f(
                "severity", "code", "severity for the species in the country", required=True, codes="severity"
            ),
            _f("trend", "code", "trend of the threat", codes="trend"),
            _f("site_id", "text", "site concerned, if one"),
            _f("area", "text", "area concerned"),
            _f("description", "text", "what happens, with numbers where known"),
            _SOURCE,
        ),
    ),
    Section(
        "poaching",
        "Poaching",
        "Poaching: incidents recorded, animals killed, prosecutions.",
        fields=(
            _f("year", "year", "year of the incidents", required=True),
            _f("site_id", "text", "site concerned, if one"),
            _f("area", "text", "area concerned"),
            _f(
                "incidents",
                "int",
                "poaching incidents recorded",
                required=True,
                minimum=0,
                maximum=_MAX_ANIMALS,
            ),
            _f("animals_killed", "int", "deer known to have been killed", minimum=0, maximum=_MAX_ANIMALS),
            _f("prosecutions", "int", "cases brought to court or fined", minimum=0, maximum=_MAX_ANIMALS),
            _f("description", "text", "what happened, with numbers where known"),
            _SOURCE,
        ),
    ),
    Section(
        "mortality",
        "Mortality",
        "Deaths recorded other than by poaching (disease, predation, floods, roads ...).",
        fields=(
            _f("year", "year", "year of the deaths", required=True),
            _f("site_id", "text", "site concerned, if one"),
            _f("cause", "code", "cause of death", required=True, codes="mortality-cause"),
            _f("deaths", "int", "number of deer found dead", required=True, minimum=0, maximum=_MAX_ANIMALS),
            _f("captive", "bool", "deaths among captive animals (default: no)"),
            _f("description", "text", "what happened, with numbers where known"),
            _SOURCE,
        ),
    ),
    Section(
        "legal_status",
        "Legal status",
        "Legal status of the species: Red Book category, hunting ban, laws and agreements.",
        fields=(
            _f("instrument", "code", "kind of legal instrument", required=True, codes="legal-instrument"),
            _f(
                "name",
                "text",
                "name of the law, list or agreement (e.g. Red Book of Tajikistan)",
                required=True,
            ),
            _f("category", "text", "category or status given (e.g. Category I, listed, Appendix II)"),
            _f("year", "year", "year of adoption or of the edition"),
            _f("penalty", "text", "penalty for killing or capturing a deer, if set"),
            _SOURCE,
        ),
    ),
    Section(
        "measures",
        "Measures",
        "Conservation measures: legal status, enforcement, habitat restoration, "
        "protected areas, reintroductions and captive breeding.",
        fields=(
            _f("measure", "code", "kind of measure", required=True, codes="measure"),
            _f("description", "text", "what was done", required=True),
            _f("status", "code", "state of the measure", codes="measure-status"),
            _f("site_id", "text", "site concerned, if one"),
            _f("year", "year", "year (of start, or of the event)"),
            _f(
                "wp_action",
                "text",
                "Work Programme action it implements, if one (its id or number, e.g. HABITAT or 9.7)",
            ),
            _SOURCE,
        ),
    ),
    Section(
        "releases",
        "Releases",
        "Releases and translocations of animals (reintroductions).",
        fields=(
            _f("release_id", "text", "identifier (default: derived from site and date)"),
            _f("date", "date", "date (or year) of the release", required=True),
            _f("site_id", "text", "destination site id", required=True),
            _f("site_name", "text", "destination site name"),
            _f("source_site_id", "text", "site id the animals came from (or give source_name)"),
            _f("source_name", "text", "where the animals came from, in words (or give source_site_id)"),
            _f(
                "n_released",
                "int",
                "number of animals released",
                required=True,
                minimum=1,
                maximum=_MAX_ANIMALS,
            ),
            _f("males", "int", "males released", minimum=0, maximum=_MAX_ANIMALS),
            _f("females", "int", "females released", minimum=0, maximum=_MAX_ANIMALS),
            _f("captive_bred", "bool", "whether the animals were bred in captivity"),
            _f("outcome", "text", "what became of them"),
            _SOURCE_REQ,
        ),
    ),
    Section(
        "captive_stock",
        "Captive stock",
        "Animals held in zoos, breeding centres and enclosures: stock, births, deaths, releases.",
        fields=(
            _f("facility", "text", "zoo, breeding centre or enclosure", required=True),
            _f("site_id", "text", "site id of the facility, if the store knows it"),
            _f("date", "date", "date (or year) of the stock count", required=True),
            _f("total", "int", "animals held", required=True, minimum=0, maximum=_MAX_ANIMALS),
            _f("males", "int", "males held", minimum=0, maximum=_MAX_ANIMALS),
            _f("females", "int", "females held", minimum=0, maximum=_MAX_ANIMALS),
            _f("young", "int", "young held", minimum=0, maximum=_MAX_ANIMALS),
            _f("births", "int", "births during the period", minimum=0, maximum=_MAX_ANIMALS),
            _f("deaths", "int", "deaths during the period", minimum=0, maximum=_MAX_ANIMALS),
            _f(
                "released",
                "int",
                "animals released to the wild during the period",
                minimum=0,
                maximum=_MAX_ANIMALS,
            ),
            _SOURCE_REQ,
            _NOTES,
        ),
    ),
    Section(
        "research",
        "Research",
        "Research and monitoring.",
        fields=(
            _f("activity", "text", "survey, study or monitoring programme", required=True),
            _f("kind", "code", "kind of activity", required=True, codes="research-kind"),
            _f("site_id", "text", "site concerned, if one"),
            _f("year_start", "year", "first year"),
            _f("year_end", "year", "last year (empty if ongoing)"),
            _f("partners", "text", "institutions involved"),
            _SOURCE,
        ),
    ),
    Section(
        "community",
        "Community",
        "Public awareness and involvement of local communities.",
        fields=(
            _f("activity", "text", "what was done", required=True),
            _f("year", "year", "year"),
            _f("partners", "text", "who took part"),
            _SOURCE,
        ),
    ),
    Section(
        "cooperation",
        "Cooperation",
        "International and transboundary cooperation.",
        fields=(
            _f("activity", "text", "what was done", required=True),
            _f("partner_countries", "iso3-list", "countries involved (ISO3, comma-separated)"),
            _f("organisations", "text", "organisations involved"),
            _f("year", "year", "year"),
            _SOURCE,
        ),
    ),
    Section(
        "capacity",
        "Capacity",
        "Capacity, institutions and finance: staff, rangers, equipment, training, funding.",
        fields=(
            _f("kind", "code", "kind of capacity or resource", required=True, codes="capacity-kind"),
            _f("description", "text", "what is available or was done", required=True),
            _f("amount", "float", "number (staff, rangers) or sum of money", minimum=0),
            _f("unit", "text", "unit of the amount (e.g. rangers, USD, EUR)"),
            _f("year", "year", "year"),
            _f("funder", "text", "who pays (government budget, donor, project)"),
            _SOURCE,
        ),
    ),
    Section(
        "work_programme",
        "Work Programme",
        "Implementation of the Work Programme, action by action.",
        fields=(
            _f("programme", "text", "the Work Programme (e.g. 'WP 2021-2026')"),
            _f("action_id", "text", "number of the action or paragraph (e.g. 9.7)"),
            _f("action", "text", "the action", required=True),
            _f("status", "code", "implementation status", required=True, codes="wp-status"),
            _f("comment", "text", "what was done, or why not"),
            _SOURCE,
        ),
    ),
    Section(
        "priorities",
        "Priorities",
        "Problems, gaps (in knowledge or data) and priorities.",
        fields=(
            _f("kind", "code", "problem, gap or priority", required=True, codes="priority-kind"),
            _f("text", "text", "the problem, gap or priority", required=True),
            _SOURCE,
        ),
    ),
)
"""Every section of a national report, in document order."""

SECTIONS_BY_KEY: Mapping[str, Section] = {s.key: s for s in SECTIONS}


def key_path(path: Path) -> str:
    """Write a path as YAML keys: ``populations[2].count``.

    Examples
    --------
    >>> key_path(("populations", 2, "count")), key_path(("populations", "*", "date")), key_path(())
    ('populations[2].count', 'populations[*].date', 'the report')
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) or part == "*" else (f".{part}" if text else str(part))
    return text or _t("nr.where.report")


def is_illustrative(parsed: Mapping[str, Any] | None) -> bool:
    """Whether a parsed report is marked illustrative (``report.illustrative``), not a submission.

    Examples
    --------
    >>> is_illustrative({"report": {"illustrative": True}}), is_illustrative(None)
    (True, False)
    """
    return bool(((parsed or {}).get("report") or {}).get("illustrative"))


def period_label(start: int, end: int) -> str:
    """The reporting period as text: ``2020-2023`` (or ``2021`` for one year).

    Examples
    --------
    >>> period_label(2020, 2023), period_label(2021, 2021)
    ('2020-2023', '2021')
    """
    return str(start) if start == end else f"{start}-{end}"


def parse_period(text: object, *, today: _dt.date | None = None) -> tuple[int, int]:
    """Read a reporting period written ``2024`` or ``2020-2023``.

    Raises
    ------
    ValueError
        With a plain message saying what is allowed.

    Examples
    --------
    >>> parse_period("2020-2023"), parse_period(" 2024 ")
    ((2020, 2023), (2024, 2024))
    >>> parse_period("2023-2020")
    Traceback (most recent call last):
    ...
    ValueError: '2023-2020' ends before it starts; write the first year, then the last (2020-2023)
    """
    limit = (today or _dt.date.today()).year + 10
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-\u2013/]\s*(\d{4})\s*)?", str(text))
    if not match:
        raise ValueError(f"{_shown(text)} is not a reporting period; write a year (2024) or two (2020-2023)")
    start, end = int(match[1]), int(match[2] or match[1])
    if start > end:
        raise ValueError(
            f"{_shown(text)} ends before it starts; write the first year, then the last ({end}-{start})"
        )
    if start < 1700 or end > limit:
        raise ValueError(f"{_shown(text)} is not a reporting period between 1700 and {limit}")
    return start, end


def parse_deadline(text: object, period: tuple[int, int]) -> str:
    """Read the deadline of a reporting period: a full date ``YYYY-MM-DD`` after the period ends.

    Examples
    --------
    >>> parse_deadline("2025-06-30", (2024, 2024))
    '2025-06-30'
    >>> parse_deadline("2024-06-30", (2024, 2024))
    Traceback (most recent call last):
    ...
    ValueError: '2024-06-30' is before the period 2024 ends; reports are due after it: give a later date
    """
    try:
        day = _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a date written YYYY-MM-DD (e.g. 2025-06-30)") from None
    if day.year <= period[1]:
        raise ValueError(
            f"{_shown(text)} is before the period {period_label(*period)} ends; reports are due after it: "
            f"give a later date"
        )
    return day.isoformat()


def check_country(value: object) -> str | None:
    """Return a problem message if ``value`` is not an ISO 3166-1 alpha-3 code, else None.

    Examples
    --------
    >>> check_country("UZB") is None, check_country("UZ")
    (True, "'UZ' is not an ISO 3166-1 alpha-3 country code; use a code such as KAZ, UZB, TJK, TKM or AFG")
    """
    if str(value).strip().upper() in ISO3_CODES:
        return None
    return (
        f"{value!r} is not an ISO 3166-1 alpha-3 country code; use a code such as KAZ, UZB, TJK, TKM or AFG"
    )


def check_template_language(lang: object) -> str | None:
    """Return a problem message if ``lang`` is not a language of the template, else None.

    Examples
    --------
    >>> check_template_language("ru") is None, check_template_language("de")
    (True, "'de' is not a language of the national report template; use en or ru")
    """
    from deerhabitat.nrtext import TEMPLATE_LANGUAGES

    if lang in TEMPLATE_LANGUAGES:
        return None
    return (
        f"{lang!r} is not a language of the national report template; use {' or '.join(TEMPLATE_LANGUAGES)}"
    )


# -- value coercion -----------------------------------------------------------------------------------


def _t(key: str, /, **values: object) -> str:
    """The text of ``key`` in the current language (:mod:`deerhabitat.nrtext`)."""
    from deerhabitat.nrtext import text

    return text(key, **values)


def _label(name: str) -> str:
    """A field's label in the current language (its name in English)."""
    from deerhabitat.nrtext import field_label

    return field_label(name)


def _is_missing(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and value != value)
    )


_GROUPED_RE = re.compile(r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[,.]\d+)?")
"""A number written with spaces between thousands (Russian: ``3 500``, ``1 475,5``)."""
_COMMA_THOUSANDS_RE = re.compile(r"-?\d{1,3},\d{3}")
"""``1,475``: a thousands comma in English, a decimal comma in Russian."""


def _number(value: object, *, whole: bool, conventions: str = "en", field: Field | None = None) -> float:
    """Read a number; raise ValueError with a plain reason (never Python's own "could not convert ...").

    ``conventions`` is the language of the template the value was typed in: in English a comma
    separates thousands (``1,475``); in Russian spaces do (``3 500``), the comma is the decimal mark
    (``1 475,5``), and ``1,475`` is refused as ambiguous unless only one reading fits the field.

    Examples
    --------
    >>> _number(" 1,475 ", whole=True)
    1475.0
    >>> _number("1 475,5", whole=False, conventions="ru")
    1475.5
    >>> _number("many", whole=True)
    Traceback (most recent call last):
    ...
    ValueError: 'many' is not a number
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        kind = _t("nr.kind.whole_number") if whole else _t("nr.kind.number")
        raise ValueError(_t("nr.err.not_kind", shown=_shown(value), kind=_kind_of(value), expected=kind))
    if conventions == "ru" and isinstance(value, str):
        return _russian_number(value, whole=whole, field=field)
    try:
        number = float(value.strip().replace(",", "") if whole and isinstance(value, str) else value)
    except ValueError:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", value):
            point = value.strip().replace(",", ".")
            raise ValueError(_t("nr.err.decimal_point", shown=_shown(value), point=point)) from None
        raise ValueError(_t("nr.err.not_number", shown=_shown(value))) from None
    return _finite(number, value, whole)


def _finite(number: float, value: object, whole: bool) -> float:
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_t("nr.err.not_number", shown=_shown(value)))
    if whole and not number.is_integer():
        raise ValueError(_t("nr.err.not_whole", shown=_shown(value)))
    return number


def _in_range(number: float, field: Field | None) -> bool:
    if field is None:
        return True
    return (field.minimum is None or number >= field.minimum) and (
        field.maximum is None or number <= field.maximum
    )


def _russian_number(value: str, *, whole: bool, field: Field | None) -> float:
    """A number typed the Russian way: ``3 500``, ``1 475,5``, ``41,8`` (a point is read as decimals too)."""
    text = value.strip()
    if _COMMA_THOUSANDS_RE.fullmatch(text):
        decimal, thousands = float(text.replace(",", ".")), float(text.replace(",", ""))
        decimal_fits = _in_range(decimal, field) and not (whole and not decimal.is_integer())
        if not _in_range(thousands, field) and decimal_fits:
            return decimal
        raise ValueError(
            _t(
                "nr.err.ambiguous_number",
                shown=_shown(value),
                decimal=_number_text(decimal),
                thousands=_number_text(thousands),
                grouped=f"{int(thousands):,}".replace(",", " "),
                point=text.replace(",", "."),
            )
        )
    if _GROUPED_RE.fullmatch(text):
        text = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"-?\d+(?:[,.]\d+)?", text):
        return _finite(float(text.replace(",", ".")), value, whole)
    try:
        number = float(text)  # 1e3, -0.5 ...
    except ValueError:
        raise ValueError(_t("nr.err.not_number_ru", shown=_shown(value))) from None
    return _finite(number, value, whole)


_YEAR_SUFFIX_RE = re.compile(r"^(\d{4})\s*(?:г\.?|год)$", re.IGNORECASE)
"""``2020 г.``: a year written the Russian way."""


def _date(value: object, today: _dt.date, conventions: str) -> str:
    """A date as ISO text (:func:`deerhabitat.schema.parse_date`); Russian also ``31.12.2020``."""
    typed = value
    if isinstance(value, str) and conventions == "ru":
        typed = _russian_date(value)
    try:
        return parse_date(typed, today=today)
    except ValueError as exc:
        reason = str(exc)
        if "calendar date" in reason:
            raise ValueError(_t("nr.err.not_calendar_date", shown=_shown(value))) from None
        if "in the future" in reason:
            raise ValueError(_t("nr.err.future_date", shown=_shown(value))) from None
        raise ValueError(_t("nr.err.not_date", shown=_shown(value))) from None


def _russian_date(value: str) -> str:
    """``31.12.2020`` → ``2020-12-31``, ``12.2020`` → ``2020-12``, ``2020 г.`` → ``2020``; ISO text unchanged.

    Raises
    ------
    ValueError
        For a date with slashes (day and month order unknown) or a two-digit year.

    Examples
    --------
    >>> _russian_date("31.12.2020"), _russian_date("5.2019"), _russian_date("2020 г.")
    ('2020-12-31', '2019-05', '2020')
    """
    text = value.strip()
    year = _YEAR_SUFFIX_RE.fullmatch(text)
    if year:
        return year[1]
    match = re.fullmatch(r"(?:(\d{1,2})\.)?(\d{1,2})\.(\d{2}|\d{4})(?:\s*г\.?)?", text)
    if match:
        day, month, year_text = match.groups()
        if len(year_text) == 2:
            raise ValueError(_t("nr.err.two_digit_year", shown=_shown(value)))
        return "-".join([year_text, month.zfill(2), *([day.zfill(2)] if day else [])])
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", text):
        raise ValueError(_t("nr.err.slash_date", shown=_shown(value)))
    return value


def _coerce(value: object, field: Field, today: _dt.date, conventions: str = "en") -> object:
    """Coerce one value; raise ValueError with the reason when it does not fit."""
    kind = field.dtype
    if kind == "year" and isinstance(value, str) and conventions == "ru":
        year = _YEAR_SUFFIX_RE.fullmatch(value.strip())
        value = year[1] if year else value
    if kind == "year" and not isinstance(value, bool) and not re.fullmatch(r"\s*\d+(\.0*)?\s*", str(value)):
        raise ValueError(_t("nr.err.not_year", shown=_shown(value)))
    if kind in ("int", "year"):
        number = int(_number(value, whole=True, conventions=conventions, field=field))
        if kind == "year" and not 1700 <= number <= today.year:
            raise ValueError(_t("nr.err.year_range", shown=repr(value), year=today.year))
        return number
    if kind == "float":
        return _number(value, whole=False, conventions=conventions, field=field)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        code = _yes_no(value)
        if code is None:
            raise ValueError(_t("nr.err.not_yes_no", shown=_shown(value)))
        return code == "yes"
    if kind == "date":
        return _date(value, today, conventions)
    if isinstance(value, (dict, list, tuple, set)) and kind != "iso3-list":
        raise ValueError(_t("nr.err.not_single", shown=_shown(value), kind=_kind_of(value)))
    if kind == "iso3":
        if str(value).strip().upper() not in ISO3_CODES:
            raise ValueError(_t("nr.err.not_iso3", shown=_shown(value)))
        return str(value).strip().upper()
    if kind == "iso3-list":
        return _coerce_iso3_list(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if kind == "email" and not _EMAIL_RE.match(text):
        raise ValueError(_t("nr.err.not_email", shown=_shown(value)))
    if kind == "code":
        return _coerce_code(text, field)
    return text


def _yes_no(value: object) -> str | None:
    """``yes`` or ``no`` for a yes/no answer in any template language (``y``, ``true``, ``да`` ...)."""
    from deerhabitat.nrtext import code_for_label

    text = str(value).strip().lower()
    if text in _TRUE:
        return "yes"
    if text in _FALSE:
        return "no"
    return code_for_label("yes-no", text)


def _coerce_iso3_list(value: object) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;]", str(value))
    codes = [str(item).strip().upper() for item in items if str(item).strip()]
    bad = [code for code in codes if code not in ISO3_CODES]
    if bad:
        raise ValueError(_t("nr.err.not_iso3_list", codes=", ".join(map(repr, bad))))
    return codes


def _coerce_code(text: str, field: Field) -> str:
    """The code ``text`` names: the code itself or its label in any template language (any case)."""
    from deerhabitat.nrtext import code_for_label, code_label

    assert field.codes is not None
    code = code_for_label(field.codes, text)
    if code is not None:
        return code
    labels = [code_label(field.codes, code) for code in field.allowed]
    close = difflib.get_close_matches(text, labels, n=1, cutoff=0.75)
    hint = _t("nr.err.did_you_mean_value", close=repr(close[0])) if close else ""
    raise ValueError(_t("nr.err.not_allowed", text=repr(text), hint=hint))


def _kind_of(value: object) -> str:
    """Name the kind of a parsed value the way a report writer sees it."""
    if isinstance(value, bool):
        return _t("nr.kind.yes_no")
    if isinstance(value, (int, float)):
        return _t("nr.kind.a_number")
    if isinstance(value, str):
        return _t("nr.kind.text")
    if isinstance(value, Mapping):
        return _t("nr.kind.mapping")
    if isinstance(value, (list, tuple)):
        return _t("nr.kind.list")
    return _t("nr.kind.other", name=type(value).__name__)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_problem(raw: object, field: Field, reason: str) -> str:
    reason = reason or _t("nr.err.not_valid", shown=_shown(raw))
    fix = _t("nr.fix.pick") if field.dtype == "code" else _t("nr.fix.correct")
    return _t("nr.err.value", reason=reason, expected=field.expected(), fix=fix)


# -- checking -----------------------------------------------------------------------------------------


class _Checker:
    """Collects the problems of one report while coercing its values."""

    def __init__(self, locate: Locator, today: _dt.date, conventions: str = "en") -> None:
        self.locate = locate
        self.today = today
        self.conventions = conventions
        self.problems: list[Problem] = []
        self.invalid: set[Path] = set()

    def add(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.locate(path), message))

    def reject(self, path: Path, message: str) -> None:
        """Report a value that is present but not valid (cross-checks then leave it alone)."""
        self.invalid.add(path)
        self.add(path, message)

    def entry(
        self, section: Section, raw: Mapping, path: Path, *, reported: frozenset = frozenset()
    ) -> dict[str, Any]:
        from deerhabitat.nrtext import field_description

        out: dict[str, Any] = {}
        for field in section.fields:
            value = raw.get(field.name)
            fpath = (*path, field.name)
            if _is_missing(value):
                out[field.name] = None
                if field.required and field.name not in reported:
                    accepts = "" if field.dtype == "text" else f" ({field.expected()})"
                    self.add(
                        fpath,
                        _t(
                            "nr.err.missing",
                            description=field_description(section, field.name),
                            accepts=accepts,
                        ),
                    )
                continue
            try:
                coerced = _coerce(value, field, self.today, self.conventions)
            except (ValueError, OverflowError) as exc:
                out[field.name] = None
                reason = "" if isinstance(exc, OverflowError) else str(exc)
                self.reject(fpath, _value_problem(value, field, reason))
                continue
            if isinstance(coerced, (int, float)) and not isinstance(coerced, bool):
                if (field.minimum is not None and coerced < field.minimum) or (
                    field.maximum is not None and coerced > field.maximum
                ):
                    out[field.name] = None
                    what = "nr.err.negative" if field.minimum == 0 and coerced < 0 else "nr.err.out_of_range"
                    self.reject(fpath, _value_problem(value, field, _t(what, shown=_shown(value))))
                    continue
            out[field.name] = coerced
        for key, value in raw.items():
            translation = section.translation(str(key))
            if translation is not None and not _is_missing(value):
                try:
                    out[translation.name] = _coerce(value, translation, self.today, self.conventions)
                except ValueError as exc:
                    self.reject((*path, translation.name), _value_problem(value, translation, str(exc)))
        return out

    def unknown_keys(self, section: Section, entries: Sequence[tuple[int | None, Mapping]]) -> None:
        seen: dict[str, list[int | None]] = {}
        for index, raw in entries:
            for key in raw:
                if section.field(str(key)) is None:
                    seen.setdefault(str(key), []).append(index)
        for key, indexes in seen.items():
            close = difflib.get_close_matches(key, section.field_names, n=1, cutoff=0.6)
            hint = _t("nr.err.did_you_mean", close=repr(close[0])) if close else ""
            many = _t("nr.err.in_entries", n=len(indexes)) if len(indexes) > 1 else ""
            path = (section.key, key) if indexes[0] is None else (section.key, indexes[0], key)
            self.add(
                path,
                _t(
                    "nr.err.unknown_key",
                    key=repr(key),
                    many=many,
                    keys=", ".join(_label(name) for name in section.field_names),
                    hint=hint,
                ),
            )

    def missing_columns(self, section: Section, entries: Sequence[Mapping]) -> frozenset:
        """Report a required key absent from every entry once; return the keys so reported."""
        if len(entries) < 2:
            return frozenset()
        absent = frozenset(
            f.name for f in section.fields if f.required and all(f.name not in raw for raw in entries)
        )
        for fld in section.fields:  # in column order
            if fld.name in absent:
                self.add(
                    (section.key, "*", fld.name),
                    _t("nr.err.missing_column", expected=fld.expected(), name=repr(_label(fld.name))),
                )
        return absent


def check_report(
    data: object,
    *,
    locate: Locator = key_path,
    today: _dt.date | None = None,
    conventions: str = "en",
) -> tuple[dict[str, Any], list[Problem]]:
    """Check a national report and coerce its values, listing every problem.

    Problems are written in the current language of :mod:`deerhabitat.i18n` (English by default).

    Parameters
    ----------
    data : object
        The report as plain data: a mapping of section keys to a mapping (``report``) or a list of
        mappings (the other sections), as ``yaml.safe_load`` returns it.
    locate : callable, optional
        Turns a path such as ``("populations", 2, "count")`` into the place a user can find
        (default :func:`key_path`). ``"*"`` in place of an index means every entry.
    today : datetime.date, optional
        The date after which a date counts as future (default: today).
    conventions : {"en", "ru"}, default "en"
        The language of the template the values were typed in, which decides how numbers and dates
        written as text are read: ``1,475`` and ``2020-12-31`` in English; ``1 475,5`` and
        ``31.12.2020`` in Russian (where ``1,475`` is refused as ambiguous). Coded values are accepted
        as codes or as their labels in any language either way.

    Returns
    -------
    report : dict
        Every section with every field, values coerced (dates as ISO text, codes in their canonical
        spelling, missing values None); invalid values are None.
    problems : list of Problem
        Every problem, in document order; empty when the report is valid.

    Examples
    --------
    >>> report, problems = check_report({"report": {"country": "UZ"}})
    >>> print(problems[0])  # doctest: +NORMALIZE_WHITESPACE
    report.country: 'UZ' is not an ISO 3166-1 alpha-3 code; expected an ISO 3166-1 alpha-3 country code
    such as KAZ, UZB, TJK, TKM or AFG; correct the value
    """
    checker = _Checker(locate, today or _dt.date.today(), conventions)
    if data is None:
        checker.add((), _t("nr.err.empty"))
        return _empty_report(), checker.problems
    if not isinstance(data, Mapping):
        checker.add(
            (),
            _t(
                "nr.err.not_sections",
                sections=", ".join(SECTIONS_BY_KEY),
                kind=_kind_of(data),
                shown=_shown(data),
            ),
        )
        return _empty_report(), checker.problems
    for key in data:
        if str(key) not in SECTIONS_BY_KEY:
            names = list(SECTIONS_BY_KEY) + [s.sheet for s in SECTIONS]
            close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
            hint = _t("nr.err.did_you_mean", close=repr(close[0])) if close else ""
            checker.add(
                (str(key),),
                _t(
                    "nr.err.unknown_section",
                    key=repr(str(key)),
                    sections=", ".join(
                        _t("nr.err.section_sheet", key=s.key, sheet=repr(s.sheet)) for s in SECTIONS
                    ),
                    hint=hint,
                ),
            )
    report = {
        section.key: _check_section(checker, section, data.get(section.key), section.key in data)
        for section in SECTIONS
    }
    _cross_checks(checker, report)
    return report, checker.problems


def validate_report(
    data: object, *, locate: Locator = key_path, today: _dt.date | None = None, name: str = "national report"
) -> dict[str, Any]:
    """Return the coerced report (see :func:`check_report`), or raise listing every problem.

    Raises
    ------
    ReportFormatError
        With every problem (``.problems``), each naming where it is.
    """
    report, problems = check_report(data, locate=locate, today=today)
    if problems:
        raise ReportFormatError(name, problems)
    return report


def _empty_report() -> dict[str, Any]:
    return {s.key: ({f.name: None for f in s.fields} if not s.many else []) for s in SECTIONS}


def _check_section(checker: _Checker, section: Section, raw: object, present: bool) -> Any:
    if not section.many:
        if not isinstance(raw, Mapping):
            what = _t("nr.err.is_missing") if not present else _t("nr.err.not_fields", kind=_kind_of(raw))
            checker.add(
                (section.key,),
                _t(
                    "nr.err.section_not_mapping",
                    key=repr(section.key),
                    what=what,
                    fields=", ".join(_label(f.name) for f in section.fields if f.required),
                ),
            )
            return {f.name: None for f in section.fields}
        checker.unknown_keys(section, [(None, raw)])
        return checker.entry(section, raw, (section.key,))
    if raw is None:
        return []
    if not isinstance(raw, list):
        checker.add((section.key,), _t("nr.err.section_not_list", key=repr(section.key), kind=_kind_of(raw)))
        return []
    entries = []
    good = [(i, item) for i, item in enumerate(raw) if isinstance(item, Mapping)]
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            checker.add(
                (section.key, i),
                _t(
                    "nr.err.entry_not_mapping",
                    shown=_shown(item),
                    kind=_kind_of(item),
                    keys=", ".join(section.field_names[:4]),
                ),
            )
    checker.unknown_keys(section, good)
    reported = checker.missing_columns(section, [item for _, item in good])
    for i, item in good:
        entries.append((i, checker.entry(section, item, (section.key, i), reported=reported)))
    return _IndexedList(entries)


class _IndexedList(list):
    """A list of coerced entries that remembers each entry's index in the input (for locations)."""

    def __init__(self, entries: list[tuple[int, dict]]) -> None:
        super().__init__(entry for _, entry in entries)
        self.indexes = [i for i, _ in entries]


def _indexed(report: dict, key: str) -> list[tuple[int, dict]]:
    entries = report[key]
    indexes = getattr(entries, "indexes", range(len(entries)))
    return list(zip(indexes, entries, strict=True))


def _cross_checks(checker: _Checker, report: dict[str, Any]) -> None:
    head = report["report"]
    start, end, submitted = head["period_start"], head["period_end"], head["submitted"]
    if head["format_version"] not in (None, *KNOWN_VERSIONS):
        checker.add(
            ("report", "format_version"),
            _t(
                "nr.err.format_version",
                shown=repr(head["format_version"]),
                known=_t("nr.word.or").join(
                    [", ".join(map(repr, KNOWN_VERSIONS[:-1])), repr(KNOWN_VERSIONS[-1])]
                ),
            ),
        )
    if start is not None and end is not None and start > end:
        checker.add(("report", "period_end"), _t("nr.err.period_order", start=start, end=end))
    if submitted is not None and start is not None and int(submitted[:4]) < start:
        checker.add(("report", "submitted"), _t("nr.err.submitted_early", shown=repr(submitted), start=start))
    _check_populations(checker, report, submitted)
    _check_releases(checker, report, submitted)
    _check_coordinates(checker, report, "protected_areas")
    _check_captive_stock(checker, report, submitted)
    _check_unique(checker, report, "protected_areas", ("pa_id",))
    _check_unique(checker, report, "work_programme", ("programme", "action_id"), needed=("action_id",))
    for i, entry in _indexed(report, "research"):
        if None not in (entry["year_start"], entry["year_end"]) and entry["year_end"] < entry["year_start"]:
            checker.add(
                ("research", i, "year_end"),
                _t("nr.err.research_years", end=entry["year_end"], start=entry["year_start"]),
            )


def _after(date: str | None, limit: str | None) -> bool:
    """Whether ISO ``date`` lies after ISO ``limit`` at the precision both share."""
    if date is None or limit is None:
        return False
    width = min(len(date), len(limit))
    return date[:width] > limit[:width]


def _check_populations(checker: _Checker, report: dict, submitted: str | None) -> None:
    _check_coordinates(checker, report, "populations")
    _check_unique(checker, report, "populations", ("site_id", "date"))
    sites: dict[str, tuple[int, dict]] = {}
    for i, e in _indexed(report, "populations"):
        if _after(e["date"], submitted):
            checker.add(
                ("populations", i, "date"),
                _t("nr.err.count_after_submission", shown=repr(e["date"]), submitted=repr(submitted)),
            )
        lower, count, upper = e["lower"], e["count"], e["upper"]
        if count is not None and (
            (lower is not None and lower > count) or (upper is not None and upper < count)
        ):
            checker.add(
                ("populations", i, "count"), _t("nr.err.bounds", lower=lower, count=count, upper=upper)
            )
        parts = [e[k] for k in ("males", "females", "young") if e[k] is not None]
        if count is not None and sum(parts) > count:
            checker.add(("populations", i, "count"), _t("nr.err.breakdown", total=sum(parts), count=count))
        if e["site_status"] == "captive" and e["captive"] is False:
            checker.add(("populations", i, "captive"), _t("nr.err.captive_site"))
        _check_same_site(checker, sites, i, e)


def _check_same_site(checker: _Checker, sites: dict, i: int, entry: dict) -> None:
    if entry["site_id"] is None:
        return
    if entry["site_id"] not in sites:
        sites[entry["site_id"]] = (i, entry)
        return
    first_index, first = sites[entry["site_id"]]
    for name in ("site_name", "site_status", "scope", "latitude", "longitude"):
        if entry[name] is not None and first[name] is not None and entry[name] != first[name]:
            where = checker.locate(("populations", first_index, name))
            checker.add(
                ("populations", i, name),
                _t(
                    "nr.err.same_site",
                    value=repr(entry[name]),
                    first=repr(first[name]),
                    site=repr(entry["site_id"]),
                    where=where,
                    name=_label(name),
                ),
            )


def _check_releases(checker: _Checker, report: dict, submitted: str | None) -> None:
    _check_unique(checker, report, "releases", ("release_id",))
    for i, e in _indexed(report, "releases"):
        if e["source_site_id"] is None and e["source_name"] is None:
            checker.add(("releases", i), _t("nr.err.release_source"))
        sexed = [e[k] for k in ("males", "females") if e[k] is not None]
        if e["n_released"] is not None and sum(sexed) > e["n_released"]:
            checker.add(
                ("releases", i, "n_released"),
                _t("nr.err.released_breakdown", total=sum(sexed), released=e["n_released"]),
            )
        if _after(e["date"], submitted):
            checker.add(
                ("releases", i, "date"),
                _t("nr.err.release_after_submission", shown=repr(e["date"]), submitted=repr(submitted)),
            )
    if not any(e["release_id"] for e in report["releases"]):
        _check_unique(checker, report, "releases", ("site_id", "date"))


def _check_captive_stock(checker: _Checker, report: dict, submitted: str | None) -> None:
    _check_unique(checker, report, "captive_stock", ("facility", "date"))
    for i, e in _indexed(report, "captive_stock"):
        parts = [e[k] for k in ("males", "females", "young") if e[k] is not None]
        if e["total"] is not None and sum(parts) > e["total"]:
            checker.add(
                ("captive_stock", i, "total"),
                _t("nr.err.stock_breakdown", parts=sum(parts), total=e["total"]),
            )
        if _after(e["date"], submitted):
            checker.add(
                ("captive_stock", i, "date"),
                _t("nr.err.stock_after_submission", shown=repr(e["date"]), submitted=repr(submitted)),
            )


def _check_coordinates(checker: _Checker, report: dict, key: str) -> None:
    for i, e in _indexed(report, key):
        if (e["latitude"] is None) != (e["longitude"] is None):
            missing = "latitude" if e["latitude"] is None else "longitude"
            if (key, i, missing) in checker.invalid:
                continue
            given = "longitude" if missing == "latitude" else "latitude"
            checker.add((key, i, missing), _t("nr.err.one_coordinate", given=_label(given)))


def _check_unique(
    checker: _Checker, report: dict, key: str, names: tuple[str, ...], needed: tuple[str, ...] | None = None
) -> None:
    """Report entries repeating ``names``; entries missing one of ``needed`` (default all) are skipped."""
    seen: dict[tuple, int] = {}
    for i, e in _indexed(report, key):
        value = tuple(e[n] for n in names)
        if any(e[n] is None for n in (needed or names)):
            continue
        if value in seen:
            shown = ", ".join(f"{_label(n)}={v!r}" for n, v in zip(names, value, strict=True))
            checker.add(
                (key, i, names[-1]),
                _t(
                    "nr.err.repeats",
                    shown=shown,
                    where=checker.locate((key, seen[value])),
                    names=" + ".join(_label(n) for n in names),
                ),
            )
        else:
            seen[value] = i
