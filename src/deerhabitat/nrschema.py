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

FORMAT_VERSION = "1.1"
"""Version of the national report format described here."""
KNOWN_VERSIONS = ("1.0", "1.1")
"""Format versions read: 1.1 added legal status, poaching, mortality, captive stock, capacity and
finance, and the ``illustrative`` flag; a 1.0 report is a valid 1.1 report."""

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
    """

    name: str
    dtype: FieldType
    description: str
    required: bool = False
    codes: str | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def allowed(self) -> tuple[str, ...]:
        """The coded values of a ``code`` field (empty for other types)."""
        return CODE_LISTS[self.codes] if self.codes else ()

    def expected(self) -> str:
        """Describe the values the field accepts, for messages and documentation.

        Examples
        --------
        >>> Field("count", "int", "animals", minimum=0).expected()
        'a whole number of at least 0'
        """
        if self.dtype == "code":
            return "one of: " + ", ".join(self.allowed)
        text = _EXPECTED[self.dtype]
        if self.minimum is not None and self.maximum is not None:
            return f"{text} from {_number_text(self.minimum)} to {_number_text(self.maximum)}"
        if self.minimum is not None:
            return f"{text} of at least {_number_text(self.minimum)}"
        return text


def _number_text(value: float) -> str:
    """Write a bound for a message: thousands separated, no trailing ``.0``.

    Examples
    --------
    >>> _number_text(10_000_000), _number_text(-90), _number_text(0.5)
    ('10,000,000', '-90', '0.5')
    """
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


_EXPECTED = {
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
        """Return the field called ``name``, or None."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def field_names(self) -> list[str]:
        """Names of the fields, in column order."""
        return [f.name for f in self.fields]


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
    return text or "the report"


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


# -- value coercion -----------------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and value != value)
    )


def _number(value: object, *, whole: bool) -> float:
    """Read a number; raise ValueError with a plain reason (never Python's own "could not convert ...").

    Examples
    --------
    >>> _number(" 1,475 ", whole=True)
    1475.0
    >>> _number("many", whole=True)
    Traceback (most recent call last):
    ...
    ValueError: 'many' is not a number
    """
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{_shown(value)} is {_kind_of(value)}, not {kind}")
    try:
        number = float(value.strip().replace(",", "") if whole and isinstance(value, str) else value)
    except ValueError:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", value):
            point = value.strip().replace(",", ".")
            raise ValueError(
                f"{_shown(value)} is not a number (write decimals with a point: {point})"
            ) from None
        raise ValueError(f"{_shown(value)} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{_shown(value)} is not a number")
    if whole and not number.is_integer():
        raise ValueError(f"{_shown(value)} is not a whole number")
    return number


def _coerce(value: object, field: Field, today: _dt.date) -> object:
    """Coerce one value; raise ValueError with the reason when it does not fit."""
    kind = field.dtype
    if kind == "year" and not isinstance(value, bool) and not re.fullmatch(r"\s*\d+(\.0*)?\s*", str(value)):
        raise ValueError(f"{_shown(value)} is not a year")
    if kind in ("int", "year"):
        number = int(_number(value, whole=True))
        if kind == "year" and not 1700 <= number <= today.year:
            raise ValueError(f"{value!r} is not a year between 1700 and {today.year}")
        return number
    if kind == "float":
        return _number(value, whole=False)
    if kind == "bool":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in _TRUE | _FALSE:
            return value if isinstance(value, bool) else text in _TRUE
        raise ValueError(f"{_shown(value)} is neither yes nor no")
    if kind == "date":
        return parse_date(value, today=today)
    if isinstance(value, (dict, list, tuple, set)) and kind != "iso3-list":
        raise ValueError(f"{_shown(value)} is {_kind_of(value)}, not a single value")
    if kind == "iso3":
        if str(value).strip().upper() not in ISO3_CODES:
            raise ValueError(f"{_shown(value)} is not an ISO 3166-1 alpha-3 code")
        return str(value).strip().upper()
    if kind == "iso3-list":
        return _coerce_iso3_list(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if kind == "email" and not _EMAIL_RE.match(text):
        raise ValueError(f"{_shown(value)} is not an e-mail address")
    if kind == "code":
        return _coerce_code(text, field)
    return text


def _coerce_iso3_list(value: object) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;]", str(value))
    codes = [str(item).strip().upper() for item in items if str(item).strip()]
    bad = [code for code in codes if code not in ISO3_CODES]
    if bad:
        raise ValueError(f"{', '.join(map(repr, bad))} not ISO 3166-1 alpha-3 code(s)")
    return codes


def _coerce_code(text: str, field: Field) -> str:
    for code in field.allowed:
        if text.lower() == code.lower():
            return code
    close = difflib.get_close_matches(text, field.allowed, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"{text!r} is not an allowed value{hint}")


def _kind_of(value: object) -> str:
    """Name the kind of a parsed value the way a report writer sees it."""
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_problem(raw: object, field: Field, reason: str) -> str:
    reason = reason or f"{_shown(raw)} is not valid"
    fix = "pick one from the list" if field.dtype == "code" else "correct the value"
    return f"{reason}; expected {field.expected()}; {fix}"


# -- checking -----------------------------------------------------------------------------------------


class _Checker:
    """Collects the problems of one report while coercing its values."""

    def __init__(self, locate: Locator, today: _dt.date) -> None:
        self.locate = locate
        self.today = today
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
        out: dict[str, Any] = {}
        for field in section.fields:
            value = raw.get(field.name)
            fpath = (*path, field.name)
            if _is_missing(value):
                out[field.name] = None
                if field.required and field.name not in reported:
                    accepts = "" if field.dtype == "text" else f" ({field.expected()})"
                    self.add(fpath, f"missing; required: {field.description}{accepts}; fill it in")
                continue
            try:
                coerced = _coerce(value, field, self.today)
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
                    what = "negative" if field.minimum == 0 and coerced < 0 else "out of range"
                    self.reject(fpath, _value_problem(value, field, f"{_shown(value)} is {what}"))
                    continue
            out[field.name] = coerced
        return out

    def unknown_keys(self, section: Section, entries: Sequence[tuple[int | None, Mapping]]) -> None:
        seen: dict[str, list[int | None]] = {}
        for index, raw in entries:
            for key in raw:
                if section.field(str(key)) is None:
                    seen.setdefault(str(key), []).append(index)
        for key, indexes in seen.items():
            close = difflib.get_close_matches(key, section.field_names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            many = f" (in {len(indexes)} entries)" if len(indexes) > 1 else ""
            path = (section.key, key) if indexes[0] is None else (section.key, indexes[0], key)
            self.add(
                path,
                f"unknown key {key!r}{many}; allowed keys: {', '.join(section.field_names)}; "
                f"{hint}rename or remove it",
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
                    f"missing in every entry (required); expected {fld.expected()}; "
                    f"add {fld.name!r} to each entry",
                )
        return absent


def check_report(
    data: object, *, locate: Locator = key_path, today: _dt.date | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Check a national report and coerce its values, listing every problem.

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
    >>> print(problems[0])
    report.country: 'UZ' is not an ISO 3166-1 alpha-3 code; expected an ISO 3166-1 alpha-3 country code
    such as KAZ, UZB, TJK, TKM or AFG; correct the value
    """
    checker = _Checker(locate, today or _dt.date.today())
    if data is None:
        checker.add(
            (),
            "the report is empty; it needs at least the 'report' section; start from "
            "`deerhabitat national-report template`",
        )
        return _empty_report(), checker.problems
    if not isinstance(data, Mapping):
        checker.add(
            (),
            f"the report must be a mapping of sections ({', '.join(SECTIONS_BY_KEY)}), not "
            f"{_kind_of(data)} {_shown(data)}; start from `deerhabitat national-report template`",
        )
        return _empty_report(), checker.problems
    for key in data:
        if str(key) not in SECTIONS_BY_KEY:
            names = list(SECTIONS_BY_KEY) + [s.sheet for s in SECTIONS]
            close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            checker.add(
                (str(key),),
                f"unknown section {str(key)!r}; sections: "
                f"{', '.join(f'{s.key} (sheet {s.sheet!r})' for s in SECTIONS)}; "
                f"{hint}rename or remove it",
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
            what = "missing" if not present else f"{_kind_of(raw)}, not a mapping of fields"
            checker.add(
                (section.key,),
                f"section {section.key!r} is {what}; it needs the fields "
                f"{', '.join(f.name for f in section.fields if f.required)}; fill it in",
            )
            return {f.name: None for f in section.fields}
        checker.unknown_keys(section, [(None, raw)])
        return checker.entry(section, raw, (section.key,))
    if raw is None:
        return []
    if not isinstance(raw, list):
        checker.add(
            (section.key,),
            f"section {section.key!r} must be a list of entries (one per row), not "
            f"{_kind_of(raw)}; write each entry as '- key: value'",
        )
        return []
    entries = []
    good = [(i, item) for i, item in enumerate(raw) if isinstance(item, Mapping)]
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            checker.add(
                (section.key, i),
                f"entry {_shown(item)} is {_kind_of(item)}, not a mapping of "
                f"keys ({', '.join(section.field_names[:4])} ...); rewrite it",
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
            f"{head['format_version']!r} is not a known format version; "
            f"expected {' or '.join(map(repr, KNOWN_VERSIONS))}; use a current template",
        )
    if start is not None and end is not None and start > end:
        checker.add(
            ("report", "period_end"),
            f"the period ends ({end}) before it starts ({start}); the end "
            f"must be the same year or later; correct period_start/period_end",
        )
    if submitted is not None and start is not None and int(submitted[:4]) < start:
        checker.add(
            ("report", "submitted"),
            f"{submitted!r} is before the period starts ({start}); a report is "
            f"submitted during or after its period; correct the date",
        )
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
                f"{entry['year_end']} is before year_start {entry['year_start']}; correct one of them",
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
                f"{e['date']!r} is after the submission date {submitted!r}; "
                f"a count is dated on or before the report; correct the date",
            )
        lower, count, upper = e["lower"], e["count"], e["upper"]
        if count is not None and (
            (lower is not None and lower > count) or (upper is not None and upper < count)
        ):
            checker.add(
                ("populations", i, "count"),
                f"lower <= count <= upper does not hold ({lower}, {count}, "
                f"{upper}); correct the estimate or its bounds",
            )
        parts = [e[k] for k in ("males", "females", "young") if e[k] is not None]
        if count is not None and sum(parts) > count:
            checker.add(
                ("populations", i, "count"),
                f"males + females + young = {sum(parts)} is more than the "
                f"count {count}; correct the count or its breakdown",
            )
        if e["site_status"] == "captive" and e["captive"] is False:
            checker.add(
                ("populations", i, "captive"),
                "is 'no' but site_status is 'captive'; animals at a "
                "captive site are captive: write 'yes' or change the status",
            )
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
                f"{entry[name]!r} differs from {first[name]!r} given for site "
                f"{entry['site_id']!r} at {where}; one site has one "
                f"{name}: make them equal",
            )


def _check_releases(checker: _Checker, report: dict, submitted: str | None) -> None:
    _check_unique(checker, report, "releases", ("release_id",))
    for i, e in _indexed(report, "releases"):
        if e["source_site_id"] is None and e["source_name"] is None:
            checker.add(
                ("releases", i),
                "neither source_site_id nor source_name is given; say where the "
                "animals came from (a site id, or in words such as 'not stated')",
            )
        sexed = [e[k] for k in ("males", "females") if e[k] is not None]
        if e["n_released"] is not None and sum(sexed) > e["n_released"]:
            checker.add(
                ("releases", i, "n_released"),
                f"males + females = {sum(sexed)} is more than "
                f"n_released {e['n_released']}; correct one of them",
            )
        if _after(e["date"], submitted):
            checker.add(
                ("releases", i, "date"),
                f"{e['date']!r} is after the submission date {submitted!r}; a "
                f"release is dated on or before the report; correct the date",
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
                f"males + females + young = {sum(parts)} is more than the total {e['total']}; "
                f"correct the total or its breakdown",
            )
        if _after(e["date"], submitted):
            checker.add(
                ("captive_stock", i, "date"),
                f"{e['date']!r} is after the submission date {submitted!r}; a stock count is dated on or "
                f"before the report; correct the date",
            )


def _check_coordinates(checker: _Checker, report: dict, key: str) -> None:
    for i, e in _indexed(report, key):
        if (e["latitude"] is None) != (e["longitude"] is None):
            missing = "latitude" if e["latitude"] is None else "longitude"
            if (key, i, missing) in checker.invalid:
                continue
            checker.add(
                (key, i, missing),
                f"missing while {'longitude' if missing == 'latitude' else 'latitude'}"
                f" is given; give both coordinates (decimal degrees, WGS 84) or neither",
            )


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
            shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, value, strict=True))
            checker.add(
                (key, i, names[-1]),
                f"{shown} repeats {checker.locate((key, seen[value]))}; each entry "
                f"needs its own {' + '.join(names)}: merge the entries or correct one",
            )
        else:
            seen[value] = i
